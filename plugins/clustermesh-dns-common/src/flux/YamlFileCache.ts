import type { RepoTree } from '../tree/RepoTree';
import {
  defaultYamlReadLimits,
  parseYamlFile,
  YamlDocument,
  YamlFileProblem,
  YamlReadLimits,
} from '../yaml/documents';

/** @public */
export interface YamlFileRead {
  documents: YamlDocument[];
  problems: YamlFileProblem[];
}

/**
 * Parses each file of a tree at most once; every reader of YAML in the
 * engine goes through here.
 *
 * @public
 */
export class YamlFileCache {
  readonly #tree: RepoTree;
  readonly #limits: YamlReadLimits;
  readonly #cache = new Map<string, YamlFileRead>();

  constructor(tree: RepoTree, limits: YamlReadLimits = defaultYamlReadLimits) {
    this.#tree = tree;
    this.#limits = limits;
  }

  read(path: string): YamlFileRead {
    let entry = this.#cache.get(path);
    if (!entry) {
      const bytes = this.#tree.read(path);
      entry = bytes
        ? parseYamlFile(path, bytes, this.#limits)
        : {
            documents: [],
            problems: [{ file: path, line: 1, message: 'does not exist' }],
          };
      this.#cache.set(path, entry);
    }
    return entry;
  }
}
