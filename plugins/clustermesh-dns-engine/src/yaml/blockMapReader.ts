import { setLineTable } from './lines';
import { plainValue, ScalarResolver } from './scalars';
import type { YamlDocument } from './types';

/** What a scalar the reader leaves to a YAML parser reads as. */
const unreadable = Symbol('unreadable');

/**
 * Reads a file whose documents are block maps of one-line scalars (a
 * settings ConfigMap, a Flux Kustomization without lists) line by line;
 * undefined for anything else, which the other readers take. A mesh's
 * settings are most of its bytes (every cluster names every peer), and
 * here they cost a few string searches per line instead of a YAML
 * parser's state machine.
 *
 * What it takes: `---` lines, comment and blank lines, `key:` opening a
 * deeper map (or null), `key: value` with a plain scalar (read as the
 * resolver's dialect reads it), or a quoted one with no escapes. Keys are
 * plain names the dialect reads as strings; no tabs, CRs, flow
 * collections, sequences, block scalars, anchors, tags or trailing
 * comments.
 *
 * @internal
 */
export function readBlockMaps(
  file: string,
  text: string,
  maxNodes: number,
  scalars: ScalarResolver,
): YamlDocument[] | undefined {
  if (text.includes('\t') || text.includes('\r') || text.startsWith('\ufeff'))
    return undefined;
  const documents: YamlDocument[] = [];
  /** The maps open in the current document, outermost first, with their indents and key lines. */
  const maps: Record<string, unknown>[] = [];
  const indents: number[] = [];
  const keyLines: number[][] = [];
  let index = 0;
  let started = false;
  let nodes = 0;
  /** A key waiting for its value: a deeper map on the next line, or null. */
  let pendingKey: string | undefined;
  let pendingIndent = -1;

  const closeTo = (depth: number) => {
    while (maps.length > depth) {
      setLineTable(maps.pop()!, keyLines.pop()!);
      indents.pop();
    }
  };
  const settlePending = () => {
    if (pendingKey === undefined) return;
    maps[maps.length - 1][pendingKey] = null;
    pendingKey = undefined;
  };
  const endDocument = () => {
    settlePending();
    closeTo(0);
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
    const indent = at - lineStart;
    if (indent === 0 && text.startsWith('---', at)) {
      if (!onlySpaces(text, at + 3, end)) return undefined;
      endDocument();
      if (started) index += 1;
      started = true;
      continue;
    }
    // a key line: `key:` or `key: value`
    const colon = keyEnd(text, at, end);
    if (colon < 0) return undefined;
    const key = text.slice(at, colon);
    // only a short word may be a boolean or null (`on`, `false`)
    if (
      key === '__proto__' ||
      (key.length <= 5 && scalars.resolvePlain(key) !== undefined)
    )
      return undefined;
    if (++nodes > maxNodes) return undefined;
    started = true;

    if (pendingKey !== undefined && indent > pendingIndent) {
      // the first key of the map the pending key opens
      const child: Record<string, unknown> = {};
      maps[maps.length - 1][pendingKey] = child;
      pendingKey = undefined;
      maps.push(child);
      indents.push(indent);
      keyLines.push([]);
    } else {
      settlePending();
      if (maps.length === 0) {
        maps.push({});
        indents.push(indent);
        keyLines.push([]);
        documents.push({ file, index, value: maps[0], line: lineNumber });
      } else {
        let depth = maps.length;
        while (depth > 0 && indents[depth - 1] > indent) depth -= 1;
        // a key must line up with a map still open
        if (depth === 0 || indents[depth - 1] !== indent) return undefined;
        closeTo(depth);
      }
    }
    const map = maps[maps.length - 1];
    if (Object.prototype.hasOwnProperty.call(map, key)) return undefined;
    keyLines[keyLines.length - 1].push(lineNumber);

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
