import ignore from 'ignore';
import { basenamePath, dirnamePath, RepoTree } from './RepoTree';

const depth = (dir: string) => (dir ? dir.split('/').length : 0);

/**
 * What source-controller leaves out of every artifact before any
 * `.sourceignore` (fluxcd/pkg sourceignore: ExcludeVCS, ExcludeExt,
 * ExcludeCI, ExcludeExtra); a `.sourceignore` may take them back.
 */
const defaultExclusions = [
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

/**
 * Which files Flux's source-controller leaves out of a source artifact:
 * those its default exclusions match (`.sops.yaml`, CI files), then those
 * a `.sourceignore` file (gitignore patterns) in their folder or a folder
 * above matches, the deeper file's patterns winning, then the
 * GitRepository's `spec.ignore`. Such files are not in the repository as
 * Flux builds it.
 *
 * @public
 */
export function sourceIgnored(
  tree: RepoTree,
  /**
   * The GitRepositories' `spec.ignore`, each applied last, from the root:
   * a file is left out when every one of them leaves it out.
   */
  specIgnores: readonly string[] = [],
  /** Answers kept from earlier trees with the same patterns (an engine cache's). */
  memo?: SourceIgnoreMemo,
): (path: string) => boolean {
  const scopes: { dir: string; matcher: Matcher }[] = [
    { dir: '', matcher: matcherOf(defaultExclusions) },
  ];
  const texts: string[] = [];
  for (const path of tree.paths()) {
    if (basenamePath(path) !== '.sourceignore') continue;
    const bytes = tree.read(path);
    if (!bytes) continue;
    const text = new TextDecoder().decode(bytes);
    texts.push(path, text);
    scopes.push({
      dir: dirnamePath(path),
      matcher: matcherOf(text.split(/\r?\n/)),
    });
  }
  const decide = matchersOf(scopes, specIgnores);
  // a path's answer depends only on the patterns: the same patterns (the
  // next revision of a source) answer from the memo
  const known = memo?.answers(JSON.stringify([texts, specIgnores]));
  if (!known) return decide;
  return path => {
    let ignored = known.get(path);
    if (ignored === undefined) known.set(path, (ignored = decide(path)));
    return ignored;
  };
}

/**
 * The answers of {@link sourceIgnored} per set of patterns, for the few
 * sets last used (a backend reads a handful of sources, each revision with
 * mostly the same paths).
 *
 * @internal
 */
export class SourceIgnoreMemo {
  readonly #answers = new Map<string, Map<string, boolean>>();

  constructor(private readonly limit = 8) {}

  answers(patterns: string): Map<string, boolean> {
    let answers = this.#answers.get(patterns);
    if (answers) this.#answers.delete(patterns);
    // paths of many revisions: kept to about a large repository's
    if (!answers || answers.size > 500_000) answers = new Map();
    this.#answers.set(patterns, answers);
    if (this.#answers.size > this.limit)
      this.#answers.delete(this.#answers.keys().next().value!);
    return answers;
  }
}

function matchersOf(
  scopes: { dir: string; matcher: Matcher }[],
  specIgnores: readonly string[],
): (path: string) => boolean {
  // the root's patterns first, a sub-folder's after (they may re-include)
  scopes.sort((a, b) => depth(a.dir) - depth(b.dir));
  const base = (path: string) => {
    let ignored = false;
    for (const { dir, matcher } of scopes) {
      if (dir && !path.startsWith(`${dir}/`)) continue;
      ignored = matcher(dir ? path.slice(dir.length + 1) : path) ?? ignored;
    }
    return ignored;
  };
  // source-controller appends a GitRepository's own patterns last
  const specs = specIgnores.map(text => matcherOf(text.split(/\r?\n/)));
  if (!specs.length) return base;
  return path => {
    const ignored = base(path);
    return specs.every(spec => spec(path) ?? ignored);
  };
}

/** Whether a path is left out (true), taken back (false), or not matched. */
type Matcher = (path: string) => boolean | undefined;

/**
 * Gitignore patterns as go-git's matcher (source-controller's) reads them:
 * the last pattern that matches the path or one of its folders decides,
 * and `!` takes a path back even under a folder left out, since
 * source-controller judges every file (`/*` then `!/deploy` keeps deploy/).
 */
function matcherOf(lines: readonly string[]): Matcher {
  const patterns = lines
    .map(l => l.trimEnd())
    .filter(l => l && !l.startsWith('#'))
    .map(l => {
      const negated = l.startsWith('!');
      return {
        negated,
        matches: ignore().add(negated ? l.slice(1) : l),
      };
    });
  // without a `!`, any match leaves the path out: one matcher decides
  if (!patterns.some(p => p.negated)) {
    const all = ignore().add(lines.filter(l => !l.startsWith('#')));
    return path => (all.ignores(path) ? true : undefined);
  }
  return path => {
    for (let i = patterns.length - 1; i >= 0; i--)
      if (patterns[i].matches.ignores(path)) return !patterns[i].negated;
    return undefined;
  };
}
