/**
 * A repository as the engine sees it: file paths (POSIX, relative to the
 * repository root, no leading `./`) mapped to bytes. Reading is lazy so a
 * tree backed by a disk or an archive only loads the files the engine needs.
 *
 * @public
 */
export interface RepoTree {
  /** Every file path in the tree, sorted. */
  paths(): readonly string[];
  /** The bytes of one file, or undefined when the tree has no such file. */
  read(path: string): Uint8Array | undefined;
}

/** @public */
export type RepoTreeInput =
  | Record<string, string | Uint8Array>
  | ReadonlyMap<string, string | Uint8Array>;

const encoder = new TextEncoder();

/**
 * Normalises a repository path: forward slashes, no `.` segments, `..`
 * resolved. Returns undefined when the path leaves the repository root.
 *
 * @public
 */
export function normalizePath(path: string): string | undefined {
  const out: string[] = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}

/** Joins a relative path onto a directory; undefined when it escapes the root. @public */
export function joinPath(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/')) return undefined;
  return normalizePath(dir ? `${dir}/${relative}` : relative);
}

/** The directory part of a repository path (`''` for the root). @public */
export function dirnamePath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last segment of a repository path. @public */
export function basenamePath(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * An in-memory tree; also the base for lazy trees (pass a reader).
 *
 * @public
 */
export class MemoryRepoTree implements RepoTree {
  readonly #paths: readonly string[];
  readonly #reader: (path: string) => Uint8Array | undefined;

  static from(files: RepoTreeInput): MemoryRepoTree {
    const entries =
      files instanceof Map
        ? [...files.entries()]
        : Object.entries(files as Record<string, string | Uint8Array>);
    const bytes = new Map<string, Uint8Array>();
    for (const [rawPath, content] of entries) {
      const path = normalizePath(rawPath);
      if (!path) continue;
      bytes.set(
        path,
        typeof content === 'string' ? encoder.encode(content) : content,
      );
    }
    return new MemoryRepoTree([...bytes.keys()], p => bytes.get(p));
  }

  constructor(
    paths: Iterable<string>,
    reader: (path: string) => Uint8Array | undefined,
  ) {
    this.#paths = [...paths].sort();
    this.#reader = reader;
  }

  paths(): readonly string[] {
    return this.#paths;
  }

  read(path: string): Uint8Array | undefined {
    return this.#reader(path);
  }
}

/** Builds an in-memory tree from path → content (strings are UTF-8 encoded). @public */
export function createRepoTree(files: RepoTreeInput): RepoTree {
  return MemoryRepoTree.from(files);
}

const indexes = new WeakMap<RepoTree, TreeIndex>();

/**
 * Directory queries over any {@link RepoTree}, computed once per tree.
 *
 * @public
 */
export class TreeIndex {
  readonly tree: RepoTree;
  readonly #files: Set<string>;
  readonly #children = new Map<string, { files: string[]; dirs: string[] }>();

  /** The index of a tree, made once per tree (trees never change). */
  static of(tree: RepoTree): TreeIndex {
    let index = indexes.get(tree);
    if (!index) {
      index = new TreeIndex(tree);
      indexes.set(tree, index);
    }
    return index;
  }

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

/**
 * A tree with some files replaced or added, read lazily: how the engine sees
 * a repository after a planned change.
 *
 * @public
 */
export function overlayTree(
  tree: RepoTree,
  files: ReadonlyMap<string, string>,
): RepoTree {
  const paths = [...new Set([...tree.paths(), ...files.keys()])].sort();
  return {
    paths: () => paths,
    read: p => {
      const text = files.get(p);
      return text === undefined ? tree.read(p) : encoder.encode(text);
    },
  };
}
