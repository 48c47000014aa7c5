import { basenamePath, dirnamePath, RepoTree } from './RepoTree';
import { SourceIgnoreMemo, sourceIgnored } from './sourceIgnore';

/** The tree and the directory queries of a {@link TreeIndex}: what builds read a repository with. @public */
export type DirectoryQueries = Pick<
  TreeIndex,
  'tree' | 'paths' | 'isFile' | 'isDir' | 'list'
>;

/**
 * Directory queries over any {@link RepoTree}. Trees never change, so an
 * index stays right for its tree; the engine cache keeps one per tree.
 *
 * @public
 */
export class TreeIndex {
  readonly tree: RepoTree;
  readonly #paths: readonly string[];
  readonly #files: Set<string>;
  readonly #children = new Map<string, { files: string[]; dirs: string[] }>();

  constructor(
    tree: RepoTree,
    /** The GitRepositories' `spec.ignore`, when known. */
    specIgnores?: readonly string[],
    /** @internal */
    ignoreMemo?: SourceIgnoreMemo,
  ) {
    this.tree = tree;
    // what a `.sourceignore` leaves out is not in the artifact Flux builds
    const ignored = sourceIgnored(tree, specIgnores, ignoreMemo);
    this.#paths = tree.paths().filter(path => !ignored(path));
    this.#files = new Set(this.#paths);
    const dirsSeen = new Set<string>();
    for (const path of this.#paths) {
      let child = path;
      let dir = dirnamePath(path);
      let isFile = true;
      for (;;) {
        let entry = this.#children.get(dir);
        if (!entry) {
          entry = { files: [], dirs: [] };
          this.#children.set(dir, entry);
        }
        const name = basenamePath(child);
        if (isFile) {
          entry.files.push(name);
        } else if (!dirsSeen.has(child)) {
          dirsSeen.add(child);
          entry.dirs.push(name);
        } else {
          break; // this directory and its parents are already indexed
        }
        if (dir === '') break;
        child = dir;
        dir = dirnamePath(dir);
        isFile = false;
      }
    }
    for (const entry of this.#children.values()) {
      entry.files.sort();
      entry.dirs.sort();
    }
  }

  /** Every file path of the source as Flux builds it (without what `.sourceignore` files leave out), sorted. */
  paths(): readonly string[] {
    return this.#paths;
  }

  isFile(path: string): boolean {
    return this.#files.has(path);
  }

  isDir(path: string): boolean {
    return this.#children.has(path);
  }

  /** Direct children of a directory: file and directory names, each sorted. */
  list(dir: string): { files: readonly string[]; dirs: readonly string[] } {
    return this.#children.get(dir) ?? { files: [], dirs: [] };
  }
}
