import ignore, { type Ignore } from 'ignore';
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
 * above matches, the deeper file's patterns winning. Such files are not in
 * the repository as Flux builds it.
 *
 * @public
 */
export function sourceIgnored(tree: RepoTree): (path: string) => boolean {
  const scopes: { dir: string; matcher: Ignore }[] = [
    { dir: '', matcher: ignore().add(defaultExclusions) },
  ];
  for (const path of tree.paths()) {
    if (basenamePath(path) !== '.sourceignore') continue;
    const bytes = tree.read(path);
    if (!bytes) continue;
    scopes.push({
      dir: dirnamePath(path),
      matcher: ignore().add(new TextDecoder().decode(bytes)),
    });
  }
  // the root's patterns first, a sub-folder's after (they may re-include)
  scopes.sort((a, b) => depth(a.dir) - depth(b.dir));
  return path => {
    let ignored = false;
    for (const { dir, matcher } of scopes) {
      if (dir && !path.startsWith(`${dir}/`)) continue;
      const result = matcher.test(dir ? path.slice(dir.length + 1) : path);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  };
}
