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
import { defineOwn } from '../core/paths';
import { lineTable, setLineTable } from './lines';
import { plainValue, ScalarResolver } from './scalars';
import {
  readOptions,
  YamlDocument,
  YamlFileProblem,
  YamlReadLimits,
  YamlReadOptions,
} from './types';

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
  /** Line tables of maps while converting, before they are aligned with the copy's key order. */
  readonly draftLines = new WeakMap<object, Record<string, number>>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly maxNodes: number,
    private readonly scalars: ScalarResolver,
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
      if (!target)
        // yaml.v2 (kustomize, Flux) refuses the whole file
        throw new ReadError(
          `uses the alias *${(node as Alias).source} with no anchor &${
            (node as Alias).source
          } before it; kustomize refuses the file (unknown anchor)`,
          this.line(node as Alias),
        );
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
        return plainValue(node.source, this.scalars); // as the fast reader
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
      setLineTable(out, lines);
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
            const mergedLines = this.draftLines.get(merged);
            if (mergedLines && k in mergedLines) lines[k] = mergedLines[k];
          }
        }
      }
      this.draftLines.set(out, lines);
      this.#sizes.set(out, this.nodes - start + 1);
      this.nodes += 1;
      return out;
    }
    return null;
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
  options: YamlReadOptions = {},
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  const { limits, scalars } = readOptions(options);
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
    const converter = new Converter(doc, lines, limits.maxNodes, scalars);
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
    documents.push({
      file,
      index,
      value: compact(value, converter.draftLines),
      line,
    });
  });
  return { documents, problems };
}

/**
 * A copy of a parsed value with flat strings, keeping its line table.
 * Strings cut out of the parser's buffers keep those buffers alive (a
 * 35 kB settings file then holds ~400 kB); one JSON round trip copies them.
 */
function compact(
  value: unknown,
  draftLines: WeakMap<object, Record<string, number>>,
): unknown {
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
      const table = lineTable(from);
      if (table) setLineTable(to, table);
      from.forEach((item, i) => carry(item, to[i]));
      return;
    }
    const table = draftLines.get(from);
    const keys = Object.keys(to);
    if (table)
      setLineTable(
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
