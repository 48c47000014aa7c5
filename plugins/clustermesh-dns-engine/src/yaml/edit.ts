import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  Node,
  parseAllDocuments,
  Scalar,
  stringify,
  YAMLMap,
  YAMLSeq,
} from 'yaml';
import type { ObjectPath } from '../core/paths';
import { soleEntry } from './lines';

/** An edit that cannot be made without rewriting what the author wrote. @public */
export class YamlEditError extends Error {
  constructor(
    readonly file: string,
    readonly path: ObjectPath,
    reason: string,
  ) {
    super(`${file}: ${path.length ? `${path.join('.')} ` : ''}${reason}`);
    this.name = 'YamlEditError';
  }
}

interface Splice {
  at: number;
  end: number;
  text: string;
  order: number;
}

/**
 * Edits YAML text in place, byte for byte: every change is a splice of the
 * original text at the offsets the parser reports, so comments, blank lines,
 * key order, quoting, indentation, `---` separators and CRLF line endings
 * outside the edited nodes are kept. All edits are planned on the original
 * text and applied together by {@link YamlTextEditor.result}.
 *
 * @public
 */
export class YamlTextEditor {
  readonly #text: string;
  readonly #docs: ReturnType<typeof parseAllDocuments>;
  readonly #eol: string;
  readonly #splices: Splice[] = [];

  constructor(readonly file: string, text: string) {
    this.#text = text;
    const docs = parseAllDocuments(text, { uniqueKeys: false });
    if (!Array.isArray(docs) || docs.some(d => d.errors.length)) {
      throw new YamlEditError(file, [], 'is not valid YAML; fix it first');
    }
    this.#docs = docs;
    this.#eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  /** Index of the first document of this kind (and name), or -1. */
  findDocument(kind: string, name?: string): number {
    return this.#docs.findIndex(
      d =>
        d.get('kind') === kind &&
        (name === undefined || d.getIn(['metadata', 'name']) === name),
    );
  }

  get documentCount(): number {
    return this.#docs.length;
  }

  /** The plain value at a path, or undefined. */
  get(doc: number, path: ObjectPath): unknown {
    const node = this.#docs[doc]?.getIn(path, true) as Node | undefined;
    return node && 'toJSON' in node ? (node as any).toJSON() : node;
  }

  /** Sets a scalar, keeping the quoting style of an existing value. */
  setScalar(doc: number, path: ObjectPath, value: string | number | boolean) {
    const node = this.#docs[doc].getIn(path, true);
    if (node === undefined) {
      this.#insertPath(doc, path, value);
      return;
    }
    if (!isScalar(node)) {
      throw new YamlEditError(
        this.file,
        path,
        'is a collection where a scalar is expected',
      );
    }
    if (node.value === value) return;
    const [start, end] = node.range!;
    this.#splice(start, end, formatScalar(value, node));
  }

  /** Ensures a map exists at `path` holding `entries` (added or set). */
  setEntries(doc: number, path: ObjectPath, entries: Record<string, unknown>) {
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value === 'object' && value !== null) {
        const existing = this.#docs[doc].getIn([...path, key], true);
        if (existing === undefined)
          this.#insertPath(doc, [...path, key], value);
        else this.setEntries(doc, [...path, key], value as any);
      } else {
        this.setScalar(doc, [...path, key], value as any);
      }
    }
  }

  /** Appends an item to the sequence at `path` (creating the sequence). */
  appendItem(doc: number, path: ObjectPath, item: unknown) {
    const seq = this.#docs[doc].getIn(path, true);
    if (seq === undefined) {
      this.#insertPath(doc, path, [item]);
      return;
    }
    if (!isSeq(seq)) {
      throw new YamlEditError(this.file, path, 'is not a sequence');
    }
    if (seq.flow) {
      const last = seq.items[seq.items.length - 1] as Node | undefined;
      const rendered = flowScalar(item, path, this.file);
      if (last) this.#splice(last.range![1], last.range![1], `, ${rendered}`);
      else this.#splice(seq.range![0], seq.range![1], `[${rendered}]`);
      return;
    }
    const first = seq.items[0] as Node;
    const indent = this.#column(first.range![0]) - 2;
    const at = this.#lineEnd(lastOffset(seq));
    this.#insertLines(at, renderBlock([item], indent));
  }

  /** Removes a key with its value (whole lines). */
  deleteKey(doc: number, path: ObjectPath) {
    const parent = this.#docs[doc].getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return;
    const pair = parent.items.find(
      p => isScalar(p.key) && p.key.value === path[path.length - 1],
    );
    if (!pair) return;
    const key = pair.key as Scalar;
    if (parent.flow) {
      throw new YamlEditError(
        this.file,
        path,
        'is in a flow map; edit it by hand',
      );
    }
    const start = this.#lineStart(key.range![0]);
    const end = this.#lineEnd(
      pair.value ? lastOffset(pair.value as Node) : key.range![1],
    );
    this.#splice(start, end, '');
  }

  /** Whether any edit was planned. */
  get changed(): boolean {
    return this.#splices.length > 0;
  }

  /** The edited text. */
  result(): string {
    const splices = [...this.#splices].sort(
      (a, b) => b.at - a.at || b.order - a.order,
    );
    let text = this.#text;
    for (const s of splices)
      text = text.slice(0, s.at) + s.text + text.slice(s.end);
    return text;
  }

  #splice(at: number, end: number, text: string) {
    this.#splices.push({ at, end, text, order: this.#splices.length });
  }

  #insertLines(at: number, lines: string[]) {
    const prefix =
      at > 0 && this.#text[at - 1] !== '\n' && at === this.#text.length
        ? this.#eol
        : '';
    this.#splice(at, at, prefix + lines.map(l => `${l}${this.#eol}`).join(''));
  }

  /** Inserts the missing tail of `path` under its deepest existing map. */
  #insertPath(doc: number, path: ObjectPath, value: unknown) {
    let depth = path.length - 1;
    let parent: unknown = this.#docs[doc].getIn(path.slice(0, depth), true);
    while (parent === undefined && depth > 0) {
      depth--;
      parent = this.#docs[doc].getIn(path.slice(0, depth), true);
    }
    const rest = path.slice(depth);
    let nested: unknown = value;
    for (let i = rest.length - 1; i >= 1; i--)
      nested = { [rest[i] as string]: nested };
    const key = rest[0] as string;
    const here = path.slice(0, depth);
    if (depth === 0 && parent === undefined) {
      parent = this.#docs[doc].contents;
    }
    if (isMap(parent)) {
      if (parent.flow) {
        throw new YamlEditError(
          this.file,
          here,
          'is a flow map; edit it by hand',
        );
      }
      const first = parent.items[0] as any;
      if (!first) {
        throw new YamlEditError(this.file, here, 'is an empty map');
      }
      const indent = this.#column(first.key.range[0]);
      const at = this.#lineEnd(lastOffset(parent));
      // New entries are quoted as their neighbours are.
      const quote =
        isScalar(first.value) && first.value.type === 'QUOTE_DOUBLE';
      this.#insertLines(at, renderBlock({ [key]: nested }, indent, quote));
      return;
    }
    // An empty value (`key:`): the map goes on the lines below the key.
    const pair = this.#pairAt(doc, here);
    if (pair && (parent === null || isScalarEmpty(parent))) {
      const keyNode = pair.key as Scalar;
      const indent = this.#column(keyNode.range![0]) + 2;
      const at = this.#lineEnd(keyNode.range![1]);
      if (parent !== null && isScalar(parent) && parent.range) {
        this.#splice(parent.range[0], parent.range[1], '');
      }
      this.#insertLines(at, renderBlock({ [key]: nested }, indent));
      return;
    }
    throw new YamlEditError(
      this.file,
      here,
      'is not a map where one is expected',
    );
  }

  #pairAt(doc: number, path: ObjectPath) {
    const parent = this.#docs[doc].getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    return parent.items.find(
      p =>
        isPair(p) && isScalar(p.key) && p.key.value === path[path.length - 1],
    );
  }

  #lineStart(offset: number): number {
    return this.#text.lastIndexOf('\n', offset - 1) + 1;
  }

  #column(offset: number): number {
    return offset - this.#lineStart(offset);
  }

  /** The offset after the end of the line holding `offset - 1`. */
  #lineEnd(offset: number): number {
    if (offset > 0 && this.#text[offset - 1] === '\n') return offset;
    const nl = this.#text.indexOf('\n', offset);
    return nl === -1 ? this.#text.length : nl + 1;
  }
}

function isScalarEmpty(node: unknown): boolean {
  return isScalar(node) && (node.value === null || node.value === '');
}

/** The end of the last content of a node (not its trailing blank lines). */
function lastOffset(node: Node): number {
  if (isMap(node) || isSeq(node)) {
    const items = (node as YAMLMap | YAMLSeq).items as any[];
    const last = items[items.length - 1];
    if (!last) return node.range![1];
    if (isPair(last)) {
      const value = last.value as Node | null;
      return value && value.range
        ? lastOffset(value)
        : (last.key as Node).range![1];
    }
    return lastOffset(last as Node);
  }
  return node.range![1];
}

/** Renders a value as block YAML lines at an indentation. */
function renderBlock(
  value: unknown,
  indent: number,
  doubleQuoted = false,
): string[] {
  const text = stringify(value, {
    indent: 2,
    indentSeq: true,
    lineWidth: 0,
    defaultStringType: doubleQuoted ? 'QUOTE_DOUBLE' : 'PLAIN',
    defaultKeyType: 'PLAIN',
  });
  const pad = ' '.repeat(indent);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map(line => pad + line);
}

function formatScalar(value: string | number | boolean, node: Scalar): string {
  if (typeof value !== 'string') return String(value);
  switch (node.type) {
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`;
    default:
      return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  }
}

function flowScalar(item: unknown, path: ObjectPath, file: string): string {
  if (typeof item === 'object' && item !== null) {
    throw new YamlEditError(
      file,
      path,
      'is a flow sequence; add the entry by hand',
    );
  }
  return JSON.stringify(item);
}

/** A scalar of a block map to set on the line where its key stands. @public */
export interface LineScalarEdit {
  /** 1-based line of the key. */
  line: number;
  key: string;
  /** The value as the file has it now (a guard: the line must hold exactly this). */
  current: unknown;
  value: string | number | boolean;
}

/**
 * Sets scalars of block-map entries that each stand on one line, parsing
 * and editing only those lines with {@link YamlTextEditor} (so quoting and
 * comments are kept exactly as a whole-file edit keeps them): a large file
 * is not parsed again to change a few values. Undefined when an entry is not
 * such a line (the key is not alone on it, the value spans lines or is not
 * `current`); the caller then edits the whole file.
 *
 * @public
 */
export function setScalarsOnLines(
  file: string,
  text: string,
  edits: readonly LineScalarEdit[],
): string | undefined {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1))
    lineStarts.push(at + 1);
  const splices: { start: number; end: number; text: string }[] = [];
  for (const edit of edits) {
    const start = lineStarts[edit.line - 1];
    if (start === undefined || splices.some(s => s.start === start))
      return undefined;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text[end - 1] === '\r') end -= 1;
    let editor: YamlTextEditor;
    try {
      editor = new YamlTextEditor(file, text.slice(start, end));
    } catch {
      return undefined;
    }
    const entry = soleEntry(editor.get(0, []), edit.key);
    if (editor.documentCount !== 1 || entry?.value !== edit.current)
      return undefined;
    editor.setScalar(0, [edit.key], edit.value);
    const edited = editor.result();
    if (/[\r\n]/.test(edited)) return undefined;
    splices.push({ start, end, text: edited });
  }
  let result = text;
  for (const s of splices.sort((a, b) => b.start - a.start))
    result = result.slice(0, s.start) + s.text + result.slice(s.end);
  return result;
}
