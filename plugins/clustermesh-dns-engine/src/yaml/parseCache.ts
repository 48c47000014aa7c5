import type { YamlDocument, YamlFileProblem } from './documents';

/** A file as read: its documents, or why it could not be. @public */
export interface YamlFileRead {
  documents: YamlDocument[];
  problems: YamlFileProblem[];
}

/**
 * Parse results by file and content, kept between validations by the
 * engine cache that owns it: a backend that re-validates a repository, or
 * the action that validates before and after writing, only parses the files
 * that changed. Parsed values are never mutated, so sharing them is safe.
 * Bounded by the total length of the texts kept (least recently used out).
 *
 * @public
 */
export class ParseCache {
  readonly #entries = new Map<string, { text: string; read: YamlFileRead }>();
  #size = 0;

  constructor(readonly maxChars: number) {}

  /** Characters of the texts kept. */
  get size(): number {
    return this.#size;
  }

  /** Files kept. */
  get files(): number {
    return this.#entries.size;
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
