import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';
import { setLineTable } from './lines';
import { plainValue, ScalarResolver } from './scalars';
import type { YamlDocument } from './types';

/**
 * js-yaml's schema for plain manifests: strings, and the plain scalars
 * the resolver's dialect resolves, read as the full reader reads them.
 * Made once per resolver (compiling a schema costs more than reading a
 * small file).
 */
function plainManifestSchema(scalars: ScalarResolver) {
  return (scalars.readerState ??= FAILSAFE_SCHEMA.extend({
    implicit: [
      new Type('tag:clustermesh-dns,2025:yaml-1.1-plain', {
        kind: 'scalar',
        resolve: (text: string) => scalars.resolvePlain(text) !== undefined,
        construct: (text: string) => plainValue(text, scalars),
      }),
    ],
  })) as ReturnType<typeof FAILSAFE_SCHEMA.extend>;
}

/** A `?` where YAML reads it as an explicit key (or possibly does: the full parser decides). */
const explicitKey = /(?:^|[\s[{,])\?(?:\s|$)/g;

/** Thrown inside js-yaml's listener when a file needs the full parser. */
const needsFullParser = new Error('needs the full parser');

/**
 * Reads a file of plain manifests with js-yaml, taking lines from its node
 * events; undefined when anything would need the full parser's semantics
 * or messages (errors, anchors and aliases, `<<`, non-string keys, explicit
 * `?` keys, empty sequence items, too many nodes).
 *
 * @internal
 */
export function readPlainManifests(
  file: string,
  text: string,
  maxNodes: number,
  scalars: ScalarResolver,
): YamlDocument[] | undefined {
  if (text.startsWith('%') || text.includes('\n%')) return undefined; // directives
  // an explicit key (`? k`) is the one key not followed by `:`; the fast
  // path finds keys by that colon. Searched from the first `?` only: the
  // pattern has no first character to skip ahead by, and settings files
  // are megabytes without one.
  const question = text.indexOf('?');
  if (question >= 0) {
    explicitKey.lastIndex = Math.max(0, question - 1);
    if (explicitKey.test(text)) return undefined;
  }
  // Nodes closed but not yet claimed by their parent (the first `top`
  // entries): their lines, values, and whether each is an implicit key
  // (followed by `:`).
  const lines: number[] = [];
  const values: unknown[] = [];
  const isKey: boolean[] = [];
  let top = 0;
  /** For each open node: where its children start in the lists above, and its line. */
  const open: number[] = [];
  const documents: YamlDocument[] = [];
  let nodes = 0;
  let index = 0;
  const listener = (event: string, state: any) => {
    if (event === 'open') {
      open.push(top, contentLine(state.input, state.position, state.line));
      return;
    }
    const line = open.pop()!;
    const start = open.pop()!;
    if (state.anchor !== null || ++nodes > maxNodes) throw needsFullParser;
    let result = state.result;
    if (
      top === start + 1 &&
      values[start] === result &&
      typeof result === 'object' &&
      result !== null
    ) {
      // js-yaml first reads a node as a possible mapping key and, when no
      // `:` follows, closes it twice: the inner close already described it
    } else if (state.kind === 'sequence') {
      if (top - start !== result.length) throw needsFullParser;
      setLineTable(result, lines.slice(start, top));
    } else if (state.kind === 'mapping') {
      // the table follows Object.keys order, which is the order of the keys
      // as written: each key is followed by `:` (explicit keys went to the
      // full parser), js-yaml refuses a repeated key, and keys that would
      // come first (array indexes), merge keys and non-string keys go to
      // the full parser
      const keyLines: number[] = [];
      for (let i = start; i < top; i++) {
        if (!isKey[i]) continue;
        const key = values[i];
        if (typeof key !== 'string' || key === '<<' || isArrayIndex(key))
          throw needsFullParser;
        keyLines.push(lines[i]);
      }
      setLineTable(result, keyLines);
    }
    top = start;
    if (open.length === 0) {
      if (result !== null && result !== undefined)
        documents.push({ file, index, value: result, line });
      index += 1;
      return;
    }
    let at = state.position;
    let next = state.input.charCodeAt(at);
    while (next === 32 || next === 9) next = state.input.charCodeAt(++at);
    const key = next === 58; // `:`
    // a key becomes a property name, which V8 keeps one copy of already
    if (!key && typeof result === 'string')
      result = state.result = scalars.intern(result);
    lines[top] = line;
    values[top] = result;
    isKey[top] = key;
    top += 1;
  };
  try {
    loadAll(text, undefined, {
      schema: plainManifestSchema(scalars),
      listener,
    });
  } catch {
    return undefined;
  }
  return documents;
}

const arrayIndex = /^(?:0|[1-9]\d{0,9})$/;

/** A key JavaScript orders before all others in an object (`"0"`, `"12"`). */
function isArrayIndex(key: string): boolean {
  // asked for every key of every file: most start with a letter, and a
  // regular expression literal here would be a new object per key
  const first = key.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return false;
  return arrayIndex.test(key) && Number(key) < 4294967295;
}

/**
 * The 1-based line where a node's content starts: js-yaml reports a node
 * before skipping the spaces, line breaks and comments in front of it.
 */
function contentLine(input: string, position: number, line: number): number {
  let at = position;
  let result = line + 1;
  for (;;) {
    const ch = input.charCodeAt(at);
    if (ch === 32 || ch === 9 || ch === 13) at += 1;
    else if (ch === 10) {
      at += 1;
      result += 1;
    } else if (ch === 35) {
      // `#` where a node may start begins a comment
      const end = input.indexOf('\n', at);
      if (end < 0) return result;
      at = end;
    } else return result;
  }
}
