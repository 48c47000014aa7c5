import { setLineTable } from './lines';
import { plainValue, ScalarResolver } from './scalars';
import type { YamlDocument } from './types';

/** What a scalar the reader leaves to a YAML parser reads as. */
const unreadable = Symbol('unreadable');

/**
 * Reads a file whose documents are block maps and sequences of one-line
 * scalars (a settings ConfigMap, a Flux Kustomization, a kustomization's
 * `resources`) line by line; undefined for anything else, which the other
 * readers take. A mesh's settings are most of its bytes (every cluster
 * names every peer), and a mesh has thousands of small manifests: here
 * each costs a few string searches per line instead of a YAML parser's
 * state machine.
 *
 * What it takes: `---` lines, comment and blank lines, `key:` opening a
 * deeper map or sequence (or null), `key: value` with a plain scalar (read
 * as the resolver's dialect reads it) or a quoted one with no escapes, `-
 * value` and `- key: value` items. Keys are plain names the dialect reads
 * as strings; a document is a map. No tabs, CRs, flow collections, block
 * scalars, anchors, tags, trailing comments, empty or nested (`- -`)
 * items.
 *
 * @internal
 */
export function readBlockCollections(
  file: string,
  text: string,
  maxNodes: number,
  scalars: ScalarResolver,
): YamlDocument[] | undefined {
  if (text.includes('\t') || text.includes('\r') || text.startsWith('\ufeff'))
    return undefined;
  const documents: YamlDocument[] = [];
  /** The collections open in the current document, outermost first, with their indents and the lines of their keys or items. */
  const open: (Record<string, unknown> | unknown[])[] = [];
  const indents: number[] = [];
  const lineTables: number[][] = [];
  let index = 0;
  let started = false;
  let nodes = 0;
  /** A key of the innermost map waiting for its value: a deeper collection on the next line, or null. */
  let pendingKey: string | undefined;
  let pendingIndent = -1;

  const push = (
    collection: Record<string, unknown> | unknown[],
    indent: number,
  ) => {
    open.push(collection);
    indents.push(indent);
    lineTables.push([]);
  };
  const closeTo = (depth: number) => {
    while (open.length > depth) {
      setLineTable(open.pop()!, lineTables.pop()!);
      indents.pop();
    }
  };
  /** Closes what a line at `indent` ends; whether the innermost left is a sequence (or map) there. */
  const closeFor = (indent: number, sequence: boolean): boolean => {
    let depth = open.length;
    // a sequence may sit at its key's indent: a key line there ends it
    while (
      depth > 0 &&
      (indents[depth - 1] > indent ||
        (indents[depth - 1] === indent &&
          Array.isArray(open[depth - 1]) !== sequence))
    )
      depth -= 1;
    closeTo(depth);
    return (
      depth > 0 &&
      indents[depth - 1] === indent &&
      Array.isArray(open[depth - 1]) === sequence
    );
  };
  const settlePending = () => {
    if (pendingKey === undefined) return;
    (open[open.length - 1] as Record<string, unknown>)[pendingKey] = null;
    pendingKey = undefined;
  };
  const endDocument = () => {
    settlePending();
    closeTo(0);
  };
  /** Opens the collection the pending key holds, when a line deeper (or a sequence at its indent) follows. */
  const openPending = (indent: number, sequence: boolean): boolean => {
    if (
      pendingKey === undefined ||
      indent < pendingIndent ||
      (indent === pendingIndent && !sequence)
    )
      return false;
    const child = sequence ? [] : {};
    (open[open.length - 1] as Record<string, unknown>)[pendingKey] = child;
    pendingKey = undefined;
    push(child, indent);
    return true;
  };

  let lineNumber = 0;
  // offsets into the text rather than a string per line: settings are
  // hundreds of thousands of lines
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber += 1;
    const lineStart = start;
    start = end + 1;

    let at = lineStart;
    while (at < end && text.charCodeAt(at) === 32) at += 1;
    if (at === end || text.charCodeAt(at) === 35) continue; // blank, `#`
    let indent = at - lineStart;
    if (indent === 0 && text.startsWith('---', at)) {
      if (!onlySpaces(text, at + 3, end)) return undefined;
      endDocument();
      if (started) index += 1;
      started = true;
      continue;
    }
    if (++nodes > maxNodes) return undefined;
    started = true;

    if (
      text.charCodeAt(at) === 45 /* - */ &&
      (at + 1 === end || text.charCodeAt(at + 1) === 32)
    ) {
      // a sequence item
      if (!openPending(indent, true)) {
        settlePending();
        if (!closeFor(indent, true)) return undefined;
      }
      const sequence = open[open.length - 1] as unknown[];
      lineTables[lineTables.length - 1].push(lineNumber);
      at += 1;
      while (at < end && text.charCodeAt(at) === 32) at += 1;
      if (at === end) return undefined; // an empty item, or one on the next lines
      const first = text.charCodeAt(at);
      if (first === 35 || (first === 45 && text.charCodeAt(at + 1) === 32))
        return undefined; // a comment, a nested sequence
      if (keyEnd(text, at, end) < 0) {
        let to = end;
        while (to > at && text.charCodeAt(to - 1) === 32) to -= 1;
        const value = scalarOf(text, at, to, scalars);
        if (value === unreadable) return undefined;
        sequence.push(value);
        continue;
      }
      // `- key: value` opens a map at the key's column
      const item: Record<string, unknown> = {};
      sequence.push(item);
      indent = at - lineStart;
      push(item, indent);
    } else if (!openPending(indent, false)) {
      settlePending();
      if (open.length === 0) {
        const root: Record<string, unknown> = {};
        push(root, indent);
        documents.push({ file, index, value: root, line: lineNumber });
      } else if (!closeFor(indent, false)) return undefined;
    }

    // a key line, `key:` or `key: value`, in the innermost map
    const colon = keyEnd(text, at, end);
    if (colon < 0) return undefined;
    const key = text.slice(at, colon);
    // only a short word may be a boolean or null (`on`, `false`)
    if (
      key === '__proto__' ||
      (key.length <= 5 && scalars.resolvePlain(key) !== undefined)
    )
      return undefined;
    const map = open[open.length - 1] as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(map, key)) return undefined;
    lineTables[lineTables.length - 1].push(lineNumber);

    // YAML's white space here is the space (tabs were refused above)
    let from = colon + 1;
    while (from < end && text.charCodeAt(from) === 32) from += 1;
    let to = end;
    while (to > from && text.charCodeAt(to - 1) === 32) to -= 1;
    if (from === to) {
      pendingKey = key;
      pendingIndent = indent;
      map[key] = null; // keeps the key's place in insertion order
      continue;
    }
    const value = scalarOf(text, from, to, scalars);
    if (value === unreadable) return undefined;
    map[key] = value;
  }
  endDocument();
  return documents;
}

function onlySpaces(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++)
    if (text.charCodeAt(at) !== 32) return false;
  return true;
}

/**
 * Where the `:` of a simple key starting at `from` is (a letter or `_`,
 * then letters, digits, `_`, `.`, `/`, `-`, then `:` followed by a space
 * or the line's end); -1 for anything else.
 */
function keyEnd(text: string, from: number, end: number): number {
  let at = from;
  const first = text.charCodeAt(at) | 32; // lower case for letters
  if (!((first >= 97 && first <= 122) || text.charCodeAt(at) === 95)) return -1;
  for (at += 1; at < end; at++) {
    const ch = text.charCodeAt(at);
    if (ch === 58 /* : */) {
      return at + 1 === end || text.charCodeAt(at + 1) === 32 ? at : -1;
    }
    if (
      !(
        (ch >= 97 && ch <= 122) ||
        (ch >= 65 && ch <= 90) ||
        (ch >= 45 && ch <= 57) || // - . / 0-9
        ch === 95
      )
    )
      return -1;
  }
  return -1;
}

/** The value of the one-line scalar text[from, to), or `unreadable` when it needs a YAML parser. */
function scalarOf(
  text: string,
  from: number,
  to: number,
  scalars: ScalarResolver,
): unknown | typeof unreadable {
  const first = text.charCodeAt(from);
  if (first === 34 /* " */ || first === 39 /* ' */) {
    // quoted on one line, no escapes, nothing after the closing quote
    if (to - from < 2 || text.charCodeAt(to - 1) !== first) return unreadable;
    for (let at = from + 1; at < to - 1; at++) {
      const ch = text.charCodeAt(at);
      if (ch === first || (first === 34 && ch === 92) /* \ */)
        return unreadable;
    }
    return scalars.intern(text.slice(from + 1, to - 1));
  }
  const raw = text.slice(from, to);
  if (!plainStart(raw) || raw.includes(' #') || raw.includes(': '))
    return unreadable;
  if (raw.charCodeAt(raw.length - 1) === 58 /* : */) return unreadable;
  const value = plainValue(raw, scalars);
  return typeof value === 'string' ? scalars.intern(value) : value;
}

/** A plain scalar may start so in block context (no indicator). */
function plainStart(raw: string): boolean {
  const first = raw.charCodeAt(0);
  if (
    (first >= 48 && first <= 57) || // 0-9
    (first >= 65 && first <= 90) || // A-Z
    (first >= 97 && first <= 122) // a-z
  )
    return true;
  if ('_$./~+(=<'.includes(raw[0])) return true;
  // `-x` is plain, `- x` a sequence entry
  return first === 45 && raw.length > 1 && raw.charCodeAt(1) !== 32;
}
