import type { RepoTree } from '../tree/RepoTree';
import { carryPlan } from './substitute';
import {
  decodeText,
  defaultYamlReadLimits,
  lineAtPath,
  parseYamlText,
  soleEntry,
  withScalarsAt,
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

/** A scalar that changed on its own line (see {@link rememberLineEdits}). @public */
export interface ScalarLineEdit {
  /** 1-based line of the scalar's key, the same before and after. */
  line: number;
  /** Path of the scalar in its document. */
  path: readonly (string | number)[];
}

/**
 * Records how a file reads after scalars changed on their own lines,
 * derived from how it read before instead of parsing it again: the plan of
 * a change validates the edited repository, and a mesh's settings files are
 * many and large. Each edited line is read on its own and must hold exactly
 * the key at the end of its path; every other line must be unchanged, and
 * the earlier text must have been read without problems. Otherwise nothing
 * is recorded and the file is parsed when read.
 *
 * @public
 */
export function rememberLineEdits(
  path: string,
  before: string,
  after: string,
  edits: readonly ScalarLineEdit[],
) {
  const read = sharedCache.get(path, before);
  if (!read || read.problems.length || edits.length === 0) return;
  const editedLines = unchangedBut(
    before,
    after,
    edits.map(e => e.line),
  );
  if (!editedLines) return;
  let documents = read.documents;
  for (const edit of edits) {
    const key = edit.path[edit.path.length - 1];
    const line = parseYamlText(
      path,
      editedLines.get(edit.line)!.replace(/\r$/, ''),
    );
    const entry =
      line.problems.length === 0 && line.documents.length === 1
        ? soleEntry(line.documents[0].value, key)
        : undefined;
    const scalar = entry?.value;
    if (!entry || (scalar !== null && typeof scalar === 'object')) return;
    const at = documents.findIndex(
      d => lineAtPath(d.value, edit.path) === edit.line,
    );
    const value =
      at < 0
        ? undefined
        : withScalarsAt(documents[at].value, [
            [edit.path.slice(0, -1), key, scalar],
          ]);
    if (value === undefined) return;
    carryPlan(
      documents[at].value as object,
      value as object,
      edit.path,
      scalar,
    );
    documents = documents.map((d, i) => (i === at ? { ...d, value } : d));
  }
  sharedCache.set(path, after, { documents, problems: [] });
}

/**
 * The text of the given lines (1-based) of `after`, when every other line
 * is the same as in `before`; undefined otherwise. Lines are compared as
 * slices, not split, since settings files are large.
 */
function unchangedBut(
  before: string,
  after: string,
  lines: number[],
): Map<number, string> | undefined {
  const edited = new Map<number, string>();
  // b and a stand in line `current` of each text: at its start, or at the
  // line break that ends it once it has been read
  let b = 0;
  let a = 0;
  let current = 1;
  const advance = (text: string, from: number, count: number) => {
    let at = from;
    for (let i = 0; i < count && at >= 0; i++) {
      const next = text.indexOf('\n', at);
      at = next < 0 ? -1 : next + 1;
    }
    return at;
  };
  const lineEnd = (text: string, start: number) => {
    const end = text.indexOf('\n', start);
    return end < 0 ? text.length : end;
  };
  for (const target of [...new Set(lines)].sort((x, y) => x - y)) {
    const bStart = advance(before, b, target - current);
    const aStart = advance(after, a, target - current);
    if (bStart < 0 || aStart < 0) return undefined;
    if (before.slice(b, bStart) !== after.slice(a, aStart)) return undefined;
    b = lineEnd(before, bStart);
    a = lineEnd(after, aStart);
    edited.set(target, after.slice(aStart, a));
    current = target;
  }
  return before.slice(b) === after.slice(a) ? edited : undefined;
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
