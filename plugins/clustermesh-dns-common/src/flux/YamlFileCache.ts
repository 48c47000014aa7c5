import type { RepoTree } from '../tree/RepoTree';
import {
  decodeText,
  defaultYamlReadLimits,
  parseYamlText,
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
 * Parse results by file and content, shared by every validation in this
 * process: a backend that re-validates a repository, or the action that
 * validates before and after writing, only parses the files that changed.
 * Parsed values are never mutated, so sharing them is safe. Bounded by the
 * total length of the cached texts.
 */
class ParseCache {
  readonly #entries = new Map<string, { text: string; read: YamlFileRead }>();
  #size = 0;

  constructor(private readonly maxChars: number) {}

  clear() {
    this.#entries.clear();
    this.#size = 0;
  }

  /** The result for a file, when it was parsed with exactly this text. */
  get(path: string, text: string): YamlFileRead | undefined {
    const entry = this.#entries.get(path);
    if (!entry || entry.text !== text) return undefined;
    this.#entries.delete(path); // most recently used last
    this.#entries.set(path, entry);
    return entry.read;
  }

  set(path: string, text: string, read: YamlFileRead) {
    if (text.length > this.maxChars) return;
    const previous = this.#entries.get(path);
    if (previous) {
      this.#entries.delete(path);
      this.#size -= previous.text.length;
    }
    this.#entries.set(path, { text, read });
    this.#size += text.length;
    for (const [k, e] of this.#entries) {
      if (this.#size <= this.maxChars) break;
      this.#entries.delete(k);
      this.#size -= e.text.length;
    }
  }
}

const sharedCache = new ParseCache(64 * 1024 * 1024);

/** Forgets every parse result kept between validations (for cold measurements and tests). @public */
export function clearParseCache() {
  sharedCache.clear();
}

/**
 * Reads and parses the YAML files of one tree, each at most once; every
 * reader of YAML in the engine goes through here.
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
      entry = this.#parse(path);
      this.#cache.set(path, entry);
    }
    return entry;
  }

  #parse(path: string): YamlFileRead {
    const bytes = this.#tree.read(path);
    if (!bytes)
      return {
        documents: [],
        problems: [{ file: path, line: 1, message: 'does not exist' }],
      };
    if (bytes.byteLength > this.#limits.maxFileBytes) {
      return {
        documents: [],
        problems: [
          {
            file: path,
            line: 1,
            message: `is ${bytes.byteLength} bytes, over the ${
              this.#limits.maxFileBytes
            }-byte limit for YAML files`,
          },
        ],
      };
    }
    const decoded = decodeText(bytes);
    if ('problem' in decoded)
      return {
        documents: [],
        problems: [{ file: path, line: 1, message: decoded.problem }],
      };
    const cacheable = this.#limits === defaultYamlReadLimits;
    let read = cacheable ? sharedCache.get(path, decoded.text) : undefined;
    if (!read) {
      read = parseYamlText(path, decoded.text, this.#limits);
      if (cacheable) sharedCache.set(path, decoded.text, read);
    }
    return read;
  }
}
