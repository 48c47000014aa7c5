import { MeshEntriesMemo } from '../cilium/meshEntries';
import { BuildResult, HashMemo } from '../flux/kustomize';
import { BuildMemo } from '../flux/kustomize/buildMemo';
import {
  defaultSubstitutionMemoLimits,
  SubstitutionMemo,
} from '../flux/substitutionMemo';
import type { RepoTree } from '../tree/RepoTree';
import { TreeIndex } from '../tree/TreeIndex';
import { SourceIgnoreMemo } from '../tree/sourceIgnore';
import { containsBytes, utf8 } from '../tree/bytes';
import { getPath, isRecord } from '../core/paths';
import { YamlFiles } from '../yaml/files';
import { ParseCache } from '../yaml/parseCache';
import { ScalarResolver } from '../yaml/scalars';

/** How much an {@link EngineCache} keeps; every bound has a name. @public */
export interface EngineCacheLimits {
  /** Total characters of file texts whose parse results are kept (least recently used out). */
  parsedChars: number;
  /** Plain scalar texts whose YAML resolution is kept. */
  scalarResolutions: number;
  /** Distinct strings whose substitution reading and last outcome are kept. */
  substitutionStrings: number;
  /** Substitution results kept per object body (one per set of variable values). */
  substitutionResultsPerBody: number;
  /** Distinct variable values given memo ids. */
  substitutionValues: number;
  /** Parsed envsubst texts. */
  envsubstTemplates: number;
  /** Lists of cluster names indexed for `clustermesh.config.clusters` lookups. */
  meshNameIndexes: number;
  /** Characters of generated objects whose kustomize name-suffix hash is kept. */
  kustomizeHashChars: number;
  /** kustomize builds kept with what they read, used again while that holds. */
  kustomizeBuilds: number;
}

/** @public */
export const defaultEngineCacheLimits: EngineCacheLimits = {
  parsedChars: 64 * 1024 * 1024,
  scalarResolutions: 100_000,
  substitutionStrings: defaultSubstitutionMemoLimits.strings,
  substitutionResultsPerBody: defaultSubstitutionMemoLimits.resultsPerBody,
  substitutionValues: defaultSubstitutionMemoLimits.values,
  envsubstTemplates: defaultSubstitutionMemoLimits.templates,
  meshNameIndexes: 16,
  kustomizeHashChars: 8 * 1024 * 1024,
  kustomizeBuilds: 20_000,
};

/**
 * What the engine remembers between validations: parsed files (by path and
 * text), scalar resolutions, substitution results and the index of each
 * tree. The caller owns it and passes it in: the backend keeps one per
 * source, the action and the CLI one per run. Without one, every
 * validation starts from nothing. Two caches share nothing; results are the
 * same with or without one (property tests hold both).
 *
 * @public
 */
export class EngineCache {
  readonly limits: EngineCacheLimits;
  /** @internal */
  readonly parsed: ParseCache;
  /** @internal */
  readonly scalars: ScalarResolver;
  /** @internal */
  readonly helmScalars: ScalarResolver;
  /** @internal */
  readonly substitution: SubstitutionMemo;
  /** @internal */
  readonly meshEntries: MeshEntriesMemo;
  /** @internal */
  readonly kustomizeHashes: HashMemo;
  /** @internal */
  readonly builds: BuildMemo<BuildResult>;
  readonly #indexes = new WeakMap<RepoTree, Map<string, TreeIndex>>();
  readonly #sourceIgnores = new SourceIgnoreMemo();
  /** Per tree, what its GitRepositories take back from a `.sourceignore` (see sourceReincludes). */
  readonly #reincludes = new WeakMap<RepoTree, { lists?: string[] }>();

  constructor(limits: Partial<EngineCacheLimits> = {}) {
    this.limits = { ...defaultEngineCacheLimits, ...limits };
    this.parsed = new ParseCache(this.limits.parsedChars);
    this.scalars = new ScalarResolver(this.limits.scalarResolutions);
    this.helmScalars = new ScalarResolver(
      this.limits.scalarResolutions,
      'helm',
    );
    this.substitution = new SubstitutionMemo(this.scalars, {
      strings: this.limits.substitutionStrings,
      resultsPerBody: this.limits.substitutionResultsPerBody,
      values: this.limits.substitutionValues,
      templates: this.limits.envsubstTemplates,
    });
    this.meshEntries = new MeshEntriesMemo(this.limits.meshNameIndexes);
    this.kustomizeHashes = new HashMemo(this.limits.kustomizeHashChars);
    this.builds = new BuildMemo(this.limits.kustomizeBuilds);
  }

  /**
   * The directory index of a tree, made once per tree and GitRepository
   * `spec.ignore` lists (trees never change). @internal
   */
  treeIndex(tree: RepoTree, specIgnores?: readonly string[]): TreeIndex {
    let byIgnore = this.#indexes.get(tree);
    if (!byIgnore) {
      byIgnore = new Map();
      this.#indexes.set(tree, byIgnore);
    }
    // the whole repository as the sources fetch it: what a `.sourceignore`
    // leaves out but a GitRepository's spec.ignore takes back in (applied
    // after it) is there, though what each ignore list leaves out is not
    // decided yet (hagak's `/*` at the root, `!/kubernetes/test` in the
    // cluster's own source)
    let reincludes = this.#reincludes.get(tree);
    if (!specIgnores && !reincludes)
      this.#reincludes.set(
        tree,
        (reincludes = {
          lists: sourceReincludes(tree, this.yamlFiles(tree)),
        }),
      );
    const ignores = specIgnores ?? reincludes?.lists;
    const key = JSON.stringify(ignores ?? []);
    let index = byIgnore.get(key);
    if (!index) {
      index = new TreeIndex(tree, ignores, this.#sourceIgnores);
      byIgnore.set(key, index);
    }
    return index;
  }

  /** A reader of a tree's YAML files through this cache. @internal */
  yamlFiles(tree: RepoTree): YamlFiles {
    return new YamlFiles(tree, {
      parsed: this.parsed,
      scalars: this.scalars,
      helmScalars: this.helmScalars,
    });
  }

  /** What is kept now, for tests and diagnostics. */
  stats(): {
    parsedFiles: number;
    parsedChars: number;
    scalarResolutions: number;
    substitutionStrings: number;
    envsubstTemplates: number;
    kustomizeBuilds: number;
  } {
    return {
      parsedFiles: this.parsed.files,
      parsedChars: this.parsed.size,
      scalarResolutions: this.scalars.size,
      substitutionStrings: this.substitution.size,
      envsubstTemplates: this.substitution.templates.size,
      kustomizeBuilds: this.builds.size,
    };
  }
}

const gitRepositoryKind = utf8('GitRepository');

/**
 * The patterns by which the GitRepositories of a tree with a `.sourceignore`
 * take paths back in (their `spec.ignore`'s `!` lines, each list on its
 * own), or undefined where there is none: only what a `.sourceignore`
 * leaves out can be taken back.
 */
function sourceReincludes(
  tree: RepoTree,
  files: YamlFiles,
): string[] | undefined {
  const paths = tree.paths();
  if (!paths.some(p => p === '.sourceignore' || p.endsWith('/.sourceignore')))
    return undefined;
  const lists = new Set<string>();
  for (const path of paths) {
    if (!/\.ya?ml$/.test(path)) continue;
    const bytes = tree.read(path);
    if (!bytes || !containsBytes(bytes, gitRepositoryKind)) continue;
    for (const doc of files.read(path).documents) {
      const ignore =
        isRecord(doc.value) && doc.value.kind === 'GitRepository'
          ? getPath(doc.value, ['spec', 'ignore'])
          : undefined;
      if (typeof ignore !== 'string') continue;
      const back = ignore
        .split(/\r?\n/)
        .map(line => line.trim())
        .filter(line => line.startsWith('!'));
      if (back.length) lists.add(back.join('\n'));
    }
  }
  return lists.size ? [...lists] : undefined;
}
