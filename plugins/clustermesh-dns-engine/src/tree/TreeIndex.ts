import { basenamePath, dirnamePath, RepoTree } from './RepoTree';

/** The tree and the directory queries of a {@link TreeIndex}: what builds read a repository with. @public */
export type DirectoryQueries = Pick<
  TreeIndex,
  'tree' | 'isFile' | 'isDir' | 'list'
>;

/**
 * Directory queries over any {@link RepoTree}. Trees never change, so an
 * index stays right for its tree; the engine cache keeps one per tree.
 *
 * @public
 */
export class TreeIndex {
  readonly tree: RepoTree;
  readonly #files: Set<string>;
  readonly #children = new Map<string, { files: string[]; dirs: string[] }>();

  constructor(tree: RepoTree) {
    this.tree = tree;
    this.#files = new Set(tree.paths());
    const dirsSeen = new Set<string>();
    for (const path of tree.paths()) {
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
