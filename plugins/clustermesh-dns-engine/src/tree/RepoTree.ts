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

/**
 * A path resolved the way Flux resolves `spec.path` (securejoin): `..` at
 * the root stays at the root, so `../apps` is `apps`.
 *
 * @public
 */
export function clampPath(path: string): string {
  const out: string[] = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

/** Joins a relative path onto a directory; undefined when it escapes the root. @public */
export function joinPath(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/')) return undefined;
  return normalizePath(dir ? `${dir}/${relative}` : relative);
}

/** Whether a path is a folder or under it (`''` holds every path). @public */
export function isPathUnder(path: string, dir: string): boolean {
  // no `${dir}/` string per call: detection asks this of every folder
  // against every Kustomization
  return (
    dir === '' ||
    (path.startsWith(dir) &&
      (path.length === dir.length || path.charCodeAt(dir.length) === 47))
  );
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
