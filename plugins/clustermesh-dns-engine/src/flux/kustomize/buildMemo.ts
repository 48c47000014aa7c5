import { equalBytes } from '../../tree/bytes';
import type { DirectoryQueries } from '../../tree/TreeIndex';
import type { YamlReader } from '../../yaml/files';
import type { YamlFileRead } from '../../yaml/parseCache';

/** One thing a build read, with what it got. */
export type BuildRead =
  | { kind: 'yaml'; path: string; read: YamlFileRead }
  | { kind: 'bytes'; path: string; bytes: Uint8Array | undefined }
  | { kind: 'file' | 'dir'; path: string; answer: boolean }
  | {
      kind: 'list';
      path: string;
      files: readonly string[];
      dirs: readonly string[];
    };

/** A result with what computing it read. */
export interface Tracked<T> {
  value: T;
  reads: readonly BuildRead[];
}

/**
 * What the builds of one kustomize engine read, computation by
 * computation: the engine reads the repository only through `index` and
 * `files` here, and each computation it keeps (a build, a folder's
 * accumulation, a file's objects) keeps what it read. A computation inside
 * another adds its reads to the outer one's, also when it is kept and used
 * again, so a build knows everything it depends on.
 */
export class BuildReads {
  readonly #frames: BuildRead[][] = [];
  readonly index: DirectoryQueries;
  readonly files: YamlReader;

  constructor(index: DirectoryQueries, files: YamlReader) {
    const note = (read: BuildRead) => {
      this.#frames[this.#frames.length - 1]?.push(read);
    };
    this.index = {
      tree: {
        // not recorded: a build asks for folders (list), never for every path
        paths: () => index.tree.paths(),
        read: path => {
          const bytes = index.tree.read(path);
          note({ kind: 'bytes', path, bytes });
          return bytes;
        },
      },
      // not recorded either: the same for every build of the tree
      paths: () => index.paths(),
      isFile: path => {
        const answer = index.isFile(path);
        note({ kind: 'file', path, answer });
        return answer;
      },
      isDir: path => {
        const answer = index.isDir(path);
        note({ kind: 'dir', path, answer });
        return answer;
      },
      list: path => {
        const listing = index.list(path);
        note({ kind: 'list', path, ...listing });
        return listing;
      },
    };
    this.files = {
      read: path => {
        const read = files.read(path);
        note({ kind: 'yaml', path, read });
        return read;
      },
      parseText: (file, text) => files.parseText(file, text),
      get scalars() {
        return files.scalars;
      },
    };
  }

  /** Runs a computation and returns it with what it read. */
  track<T>(compute: () => T): Tracked<T> {
    this.#frames.push([]);
    let reads: BuildRead[] = [];
    try {
      const value = compute();
      reads = this.#frames[this.#frames.length - 1];
      return { value, reads };
    } finally {
      this.#frames.pop();
      this.replay(reads);
    }
  }

  /** A kept computation used again: what it read counts for the one running. */
  replay(reads: readonly BuildRead[]) {
    const current = this.#frames[this.#frames.length - 1];
    if (current) for (const read of reads) current.push(read);
  }
}

const sameNames = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((name, i) => name === b[i]);

/**
 * Whether every read still gets what it got. Parsed files are compared by
 * identity: the parse cache gives the same result for the same text, and a
 * text it no longer keeps only costs a new build.
 */
function readsHold(
  reads: readonly BuildRead[],
  index: DirectoryQueries,
  files: YamlReader,
): boolean {
  for (const read of reads) {
    switch (read.kind) {
      case 'yaml':
        if (files.read(read.path) !== read.read) return false;
        break;
      case 'bytes': {
        const now = index.tree.read(read.path);
        if (now === undefined || read.bytes === undefined) {
          if (now !== read.bytes) return false;
        } else if (!equalBytes(now, read.bytes)) return false;
        break;
      }
      case 'file':
        if (index.isFile(read.path) !== read.answer) return false;
        break;
      case 'dir':
        if (index.isDir(read.path) !== read.answer) return false;
        break;
      default: {
        const now = index.list(read.path);
        if (
          !sameNames(now.files, read.files) ||
          !sameNames(now.dirs, read.dirs)
        )
          return false;
      }
    }
  }
  return true;
}

/** Each read once (a build reads a shared file for every resource that names it). */
function distinct(reads: readonly BuildRead[]): BuildRead[] {
  const seen = new Set<string>();
  return reads.filter(read => {
    const key = `${read.kind}\u0000${read.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Builds kept between validations (the engine cache owns one), each with
 * everything it read: a build is used again only while every file it read
 * holds the same content and every folder the same entries, so a backend
 * re-validating a repository, or the plan of a change validating the
 * edited one, builds again only what an edit reaches. Bounded by the number
 * of builds kept, the least recently used going first.
 *
 * @internal
 */
export class BuildMemo<R> {
  readonly #entries = new Map<string, Tracked<R>>();

  constructor(readonly maxEntries: number) {}

  /** The build kept under a key, when what it read still holds in this tree. */
  get(
    key: string,
    index: DirectoryQueries,
    files: YamlReader,
  ): Tracked<R> | undefined {
    const kept = this.#entries.get(key);
    if (!kept) return undefined;
    this.#entries.delete(key);
    if (!readsHold(kept.reads, index, files)) return undefined;
    this.#entries.set(key, kept); // most recently used last
    return kept;
  }

  set(key: string, tracked: Tracked<R>) {
    this.#entries.delete(key);
    this.#entries.set(key, {
      value: tracked.value,
      reads: distinct(tracked.reads),
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  /** Builds kept (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
