import {
  Alias,
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  parseAllDocuments,
} from 'yaml';
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';
import { resolveImplicit } from './scalars';

/** A place in the repository that a message can point at. @public */
export interface SourceLocation {
  file: string;
  /** 1-based line. */
  line: number;
}

/** Formats a location as `file:line`. @public */
export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}` : 'unknown location';
}

/**
 * One YAML document of a file: its plain JS value, and where each map key
 * and sequence item of that value starts (see {@link lineAtPath}). The parsed
 * `yaml` Document is not kept: at hundreds of clusters it would cost more
 * memory than the source text many times over.
 *
 * @public
 */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The JS value of the document (maps → objects, sequences → arrays). */
  value: unknown;
  /** Line where the document's content starts. */
  line: number;
}

/** Why a file could not be read as YAML. @public */
export interface YamlFileProblem {
  file: string;
  line: number;
  message: string;
}

/** @public */
export interface YamlReadLimits {
  /** Files larger than this are not parsed. Default 4 MiB. */
  maxFileBytes: number;
  /** Nodes a document may expand to through aliases (YAML bombs). Default 100 000. */
  maxNodes: number;
}

/** @public */
export const defaultYamlReadLimits: YamlReadLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxNodes: 100_000,
};

/**
 * Lines of the items of each parsed sequence, and of the keys of each
 * parsed map in `Object.keys` order (arrays are far smaller than a second
 * map of the same keys; lookups are rare: only messages need them).
 */
const positions = new WeakMap<object, number[]>();
/** Line tables of maps while converting, before they are aligned with the copy's key order. */
const draftLines = new WeakMap<object, Record<string, number>>();

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes bytes as UTF-8 text, or explains why they are not text.
 *
 * @public
 */
export function decodeText(
  bytes: Uint8Array,
): { text: string } | { problem: string } {
  try {
    const text = utf8.decode(bytes);
    if (text.includes('\u0000')) {
      return { problem: 'is binary (contains NUL bytes), not YAML text' };
    }
    return { text };
  } catch {
    return { problem: 'is not UTF-8 text' };
  }
}

/**
 * Parses a multi-document YAML file the way Kubernetes tooling reads
 * manifests (YAML 1.1 scalars, as Go's yaml.v2 does). Never throws: every
 * failure becomes a problem naming the file and line.
 *
 * @public
 */
export function parseYamlFile(
  file: string,
  bytes: Uint8Array,
  limits: YamlReadLimits = defaultYamlReadLimits,
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  if (bytes.byteLength > limits.maxFileBytes) {
    return {
      documents: [],
      problems: [
        {
          file,
          line: 1,
          message: `is ${bytes.byteLength} bytes, over the ${limits.maxFileBytes}-byte limit for YAML files`,
        },
      ],
    };
  }
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    return {
      documents: [],
      problems: [{ file, line: 1, message: decoded.problem }],
    };
  }
  return parseYamlText(file, decoded.text, limits);
}

class TooManyNodes extends Error {}

/** A document that parses but cannot be read as Kubernetes data, with the line at fault. */
class ReadError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/** Converts a parsed node to a plain value, recording lines, bounding alias expansion. */
class Converter {
  nodes = 0;
  readonly #aliases = new Map<Node, unknown>();
  readonly #sizes = new WeakMap<object, number>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly maxNodes: number,
  ) {}

  line(
    node: { range?: [number, number, number] | null } | null | undefined,
  ): number {
    return this.lines.linePos(node?.range?.[0] ?? 0).line;
  }

  /** Counts a value's expanded size, so shared alias targets count every time they appear. */
  #count(value: unknown) {
    const size =
      typeof value === 'object' && value !== null
        ? this.#sizes.get(value) ?? 1
        : 1;
    this.nodes += size;
    if (this.nodes > this.maxNodes) throw new TooManyNodes();
  }

  convert(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = (node as Alias).resolve(this.doc);
      if (!target) return null;
      let value = this.#aliases.get(target);
      if (value === undefined) {
        const before = this.nodes;
        value = this.convert(target);
        this.nodes = before; // counted below, once per use
        this.#aliases.set(target, value);
      }
      this.#count(value);
      return value;
    }
    if (isScalar(node)) {
      this.nodes += 1;
      if (this.nodes > this.maxNodes) throw new TooManyNodes();
      if (node.type === 'PLAIN' && !node.tag && typeof node.source === 'string')
        return plainValue(node.source); // as the fast reader: Go's yaml.v2 rules
      const v = node.value;
      if (
        v === null ||
        typeof v === 'string' ||
        typeof v === 'number' ||
        typeof v === 'boolean'
      )
        return v;
      if (typeof v === 'bigint') return Number(v);
      // timestamps, binary: kept as written, as Kubernetes receives them
      return typeof node.source === 'string' ? node.source : String(v);
    }
    const start = this.nodes;
    if (isSeq(node)) {
      const out: unknown[] = [];
      const lines: number[] = [];
      for (const item of node.items) {
        lines.push(this.line(item as Node));
        out.push(this.convert(item));
      }
      positions.set(out, lines);
      this.#sizes.set(out, this.nodes - start + 1);
      this.nodes += 1;
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      // no prototype: a `__proto__` key is a line like any other
      const lines: Record<string, number> = Object.create(null);
      const merges: unknown[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (keyNode && !isScalar(keyNode) && !isAlias(keyNode)) {
          throw new ReadError(
            'has a map key that is not a scalar',
            this.line(keyNode),
          );
        }
        const keyValue = keyNode ? this.convert(keyNode) : null;
        const key = keyValue === null ? '' : String(keyValue);
        if (key === '<<' && isScalar(keyNode) && keyNode.source === '<<') {
          merges.push(this.convert(pair.value));
          continue;
        }
        if (Object.prototype.hasOwnProperty.call(lines, key)) {
          // yaml.v2, and so kustomize and Flux, refuse duplicate keys
          throw new ReadError(
            `has the map key "${key}" twice (first on line ${lines[key]})`,
            this.line(keyNode),
          );
        }
        defineOwn(out, key, this.convert(pair.value));
        lines[key] = this.line(keyNode ?? (pair.value as Node));
      }
      // YAML 1.1 merge keys: explicit keys win over merged ones
      for (const merged of merges.flat()) {
        if (
          merged === null ||
          typeof merged !== 'object' ||
          Array.isArray(merged)
        )
          continue;
        for (const [k, v] of Object.entries(merged)) {
          if (!Object.prototype.hasOwnProperty.call(out, k)) {
            defineOwn(out, k, v);
            const mergedLines = draftLines.get(merged);
            if (mergedLines && k in mergedLines) lines[k] = mergedLines[k];
          }
        }
      }
      draftLines.set(out, lines);
      this.#sizes.set(out, this.nodes - start + 1);
      this.nodes += 1;
      return out;
    }
    return null;
  }
}

/**
 * Sets a key as own data; `__proto__` too, so a manifest cannot reach
 * Object.prototype.
 *
 * @internal
 */
export function defineOwn(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
) {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * {@link parseYamlFile} for text already decoded. Well-formed, plain
 * manifests (no anchors, merge keys, tags or directives) are read by
 * js-yaml, several times faster; anything else, and every failure, by the
 * full `yaml` parser, which explains problems precisely. Both give the same
 * values and lines (a test compares them).
 *
 * @public
 */
export function parseYamlText(
  file: string,
  text: string,
  limits: YamlReadLimits = defaultYamlReadLimits,
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  const documents = readPlainManifests(file, text, limits.maxNodes);
  return documents
    ? { documents, problems: [] }
    : parseYamlDocuments(file, text, limits);
}

/** A plain scalar's value as Go's yaml.v2 reads it; timestamps stay as written. */
function plainValue(text: string): unknown {
  const value = resolveImplicit(text)?.value;
  if (value === null || typeof value === 'boolean') return value;
  // as in Kubernetes' JSON: no NaN, no infinities, no negative zero
  if (typeof value === 'number')
    return Number.isFinite(value) ? value + 0 : null;
  return text;
}

/** Plain scalars that are not strings, read as the full reader reads them. */
const yaml11PlainScalar = new Type('tag:clustermesh-dns,2025:yaml-1.1-plain', {
  kind: 'scalar',
  resolve: (text: string) => resolveImplicit(text) !== undefined,
  construct: plainValue,
});
const plainManifestSchema = FAILSAFE_SCHEMA.extend({
  implicit: [yaml11PlainScalar],
});

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
): YamlDocument[] | undefined {
  if (text.startsWith('%') || text.includes('\n%')) return undefined; // directives
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
    const result = state.result;
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
      positions.set(result, lines.slice(start, top));
    } else if (state.kind === 'mapping') {
      const keys = Object.keys(result);
      const keyLines: number[] = [];
      for (let i = start; i < top; i++) {
        if (!isKey[i]) continue;
        const key = values[i];
        if (key !== keys[keyLines.length] || key === '<<')
          throw needsFullParser;
        keyLines.push(lines[i]);
      }
      if (keyLines.length !== keys.length) throw needsFullParser;
      positions.set(result, keyLines);
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
    lines[top] = line;
    values[top] = result;
    isKey[top] = next === 58; // `:`
    top += 1;
  };
  try {
    loadAll(text, undefined, { schema: plainManifestSchema, listener });
  } catch {
    return undefined;
  }
  return documents;
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

/**
 * Reads every document with the full `yaml` parser, turning each failure
 * into a problem.
 *
 * @internal
 */
export function parseYamlDocuments(
  file: string,
  text: string,
  limits: YamlReadLimits = defaultYamlReadLimits,
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  const lines = new LineCounter();
  const documents: YamlDocument[] = [];
  const problems: YamlFileProblem[] = [];
  let docs: Document[];
  try {
    docs = [
      ...(parseAllDocuments(text, {
        version: '1.1',
        lineCounter: lines,
        prettyErrors: false,
        uniqueKeys: false,
      }) as Iterable<Document>),
    ];
  } catch (error) {
    return {
      documents,
      problems: [
        { file, line: 1, message: `cannot be parsed: ${describeError(error)}` },
      ],
    };
  }
  docs.forEach((doc, index) => {
    const firstError = doc.errors[0];
    if (firstError) {
      problems.push({
        file,
        line: lines.linePos(firstError.pos[0]).line,
        message: `is not valid YAML: ${yamlErrorText(firstError.message)}`,
      });
      return;
    }
    const converter = new Converter(doc, lines, limits.maxNodes);
    const line = converter.line(doc.contents as Node | null);
    let value: unknown;
    try {
      value = converter.convert(doc.contents);
    } catch (error) {
      problems.push({
        file,
        line: error instanceof ReadError ? error.line : line,
        message: readProblem(error, limits),
      });
      return;
    }
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    documents.push({ file, index, value: compact(value), line });
  });
  return { documents, problems };
}

/**
 * A copy of a parsed value with flat strings, keeping its line table.
 * Strings cut out of the parser's buffers keep those buffers alive (a
 * 35 kB settings file then holds ~400 kB); one JSON round trip copies them.
 */
function compact(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return JSON.parse(JSON.stringify(value)); // NaN → null, -0 → 0, as in JSON
  }
  const copy = JSON.parse(JSON.stringify(value));
  const carry = (from: any, to: any) => {
    if (
      from === null ||
      typeof from !== 'object' ||
      to === null ||
      typeof to !== 'object'
    )
      return;
    if (Array.isArray(from)) {
      const table = positions.get(from);
      if (table) positions.set(to, table);
      from.forEach((item, i) => carry(item, to[i]));
      return;
    }
    const table = draftLines.get(from);
    const keys = Object.keys(to);
    if (table)
      positions.set(
        to,
        keys.map(k => table[k] ?? 0),
      );
    for (const key of keys) carry(from[key], to[key]);
  };
  carry(value, copy);
  return copy;
}

function readProblem(error: unknown, limits: YamlReadLimits): string {
  if (error instanceof ReadError) return error.message;
  if (error instanceof TooManyNodes)
    return `expands to more than ${limits.maxNodes} nodes (YAML aliases); not read`;
  return `cannot be read: ${describeError(error)}`;
}

/** The first line of a parser error; stack exhaustion said plainly. */
function yamlErrorText(message: string): string {
  return /Maximum call stack/.test(message)
    ? 'nesting is too deep'
    : message.split('\n')[0];
}

function describeError(error: unknown): string {
  if (error instanceof RangeError) return 'nesting is too deep';
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

const keyLists = new WeakMap<object, string[]>();

/** `Object.keys` of a parsed map, kept: parsed values never change. */
function keysOf(map: object): string[] {
  let keys = keyLists.get(map);
  if (!keys) {
    keys = Object.keys(map);
    keyLists.set(map, keys);
  }
  return keys;
}

/**
 * The line of a field of a parsed value: the key (or item) at the end of
 * the path, or the deepest one that exists on the way. Undefined when the
 * value was not parsed from YAML or the first step is missing.
 *
 * @public
 */
export function lineAtPath(
  root: unknown,
  path: readonly (string | number)[],
): number | undefined {
  let current: any = root;
  let line: number | undefined;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') break;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) break;
    const table = positions.get(current);
    const at = Array.isArray(current)
      ? Number(segment)
      : keysOf(current).indexOf(String(segment));
    if (table && table[at]) line = table[at];
    current = current[segment as any];
  }
  return line;
}

/**
 * The entry of a map that has exactly one key, that one; undefined for
 * anything else (a line of a block map read on its own must be this).
 *
 * @internal
 */
export function soleEntry(
  value: unknown,
  key: string | number,
): { value: unknown } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === String(key)
    ? { value: (value as Record<string, unknown>)[keys[0]] }
    : undefined;
}

/**
 * A scalar to set (see {@link withScalarsAt}): the path of its container
 * (shared by siblings), its key there, and the scalar.
 *
 * @internal
 */
export type ScalarAt = readonly [
  parent: readonly (string | number)[],
  key: string | number,
  scalar: unknown,
];

/**
 * A copy of a parsed value with the scalars at some paths replaced, sharing
 * everything off those paths (each container on them is copied once) and
 * keeping the line of every key and item. Undefined when a path does not
 * lead to a scalar.
 *
 * @internal
 */
export function withScalarsAt(
  root: unknown,
  changes: readonly ScalarAt[],
  depth = 0,
): unknown {
  if (root === null || typeof root !== 'object') return undefined;
  const own = (step: string | number) =>
    Object.prototype.hasOwnProperty.call(root, step);
  /** Scalars set in this container, and the changes further down, by step. */
  const here = new Map<string | number, unknown>();
  const deeper = new Map<string | number, ScalarAt[]>();
  for (const change of changes) {
    const [parent, key, scalar] = change;
    const step = depth < parent.length ? parent[depth] : key;
    if (depth > parent.length || !own(step)) return undefined;
    if (depth === parent.length) {
      const current = (root as any)[step];
      if (current !== null && typeof current === 'object') return undefined;
      here.set(step, scalar);
    } else {
      const group = deeper.get(step);
      if (group) group.push(change);
      else deeper.set(step, [change]);
    }
  }
  for (const [step, group] of deeper) {
    const child = withScalarsAt((root as any)[step], group, depth + 1);
    if (child === undefined) return undefined;
    here.set(step, child);
  }
  let copy: any;
  if (Array.isArray(root)) {
    copy = [...root];
    for (const [step, value] of here) copy[step as number] = value;
  } else {
    // one pass in key order: faster than a spread for the wide maps of settings
    copy = {};
    for (const key of Object.keys(root))
      defineOwn(copy, key, here.has(key) ? here.get(key) : (root as any)[key]);
  }
  const table = positions.get(root);
  if (table) positions.set(copy, table);
  return copy;
}
