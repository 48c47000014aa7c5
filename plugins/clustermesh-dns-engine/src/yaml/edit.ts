import {
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Node,
  Pair,
  parseAllDocuments,
  Scalar,
  stringify,
  YAMLMap,
  YAMLSeq,
} from 'yaml';
import { defineOwn, isRecord, ObjectPath } from '../core/paths';
import { keptInOrder } from '../core/text';
import { soleEntry } from './lines';

/** An edit that cannot be made without rewriting what the author wrote. @public */
export class YamlEditError extends Error {
  /** What could not be edited and why, without the file. */
  readonly detail: string;

  constructor(
    readonly file: string,
    readonly path: ObjectPath,
    reason: string,
  ) {
    const detail = `${path.length ? `${path.join('.')} ` : ''}${reason}`;
    super(`${file}: ${detail}`);
    this.name = 'YamlEditError';
    this.detail = detail;
  }
}

interface Splice {
  at: number;
  end: number;
  text: string;
  /** Among insertions at one offset, lower goes first. */
  rank: number;
}

type Container = YAMLMap | YAMLSeq;

/**
 * What is added under one node of the original text: new entries of a map,
 * new items of a sequence, or the whole value of an empty one (`key:`,
 * `key: {}`, `key: []`, an empty document). Every addition under a node is
 * kept here and written once, as one block, when the text is produced.
 */
interface Addition {
  doc: number;
  /** Path of the node in its document. */
  path: ObjectPath;
  /** The node; undefined for a document with no content. */
  node: Container | Scalar | undefined;
  /** The pair holding the node (for empty values: the key the block goes under). */
  pair?: Pair;
  /** New entries (a map) or new items (a sequence). */
  value: Record<string, unknown> | unknown[];
  inFlow: boolean;
}

/** Where a path leads in the original text. */
type Located =
  | { exists: true; node: Node | null; inFlow: boolean; pair?: Pair }
  | {
      exists: false;
      /** The deepest node on the way that takes additions. */
      holder: Addition;
      /** The rest of the path, below that node. */
      rest: ObjectPath;
    };

/** How a file writes its blocks: its indentation step and whether sequences are indented under their key. */
interface BlockStyle {
  indent: number;
  indentSeq: boolean;
  /** How the file quotes its values holding `${...}`, when most are quoted. */
  variableQuote?: Quoting;
  /** The keys whose string values the file mostly quotes (`path: "./k8s/…"`), and how. */
  keyQuotes: ReadonlyMap<string, Quoting>;
}

/**
 * Edits YAML text in place, byte for byte: every change is a splice of the
 * original text at the offsets the parser reports, so comments, blank lines,
 * key order, quoting, indentation, `---` separators and CRLF line endings
 * outside the edited nodes are kept. Missing structure (any missing part of
 * a path, however many values go under it) is created once, as one nested
 * block, in the file's indentation; flow collections (`{}`, `[a]`,
 * `{a: b}`) are edited in place, and only an empty one that must hold
 * something is rewritten, as a block. All edits are planned on the original
 * text and applied together by {@link YamlTextEditor.result}; reads see the
 * planned additions.
 *
 * @public
 */
export class YamlTextEditor {
  readonly #text: string;
  readonly #docs: Document.Parsed[];
  readonly #eol: string;
  readonly #splices: Splice[] = [];
  /** Additions by the node they go under (the document for an empty one). */
  readonly #additions = new Map<object, Addition>();
  #style?: BlockStyle;
  readonly #headings = new Map<string, string>();
  /** Entries added right after an existing entry of a block map. */
  readonly #anchored = new Map<
    Pair,
    { map: YAMLMap; values: Record<string, unknown> }
  >();
  /** Block sequences (and maps) under a key with items removed, and which. */
  readonly #removedItems = new Map<
    YAMLSeq | YAMLMap,
    { pair: Pair; items: Set<unknown> }
  >();

  constructor(readonly file: string, text: string) {
    this.#text = text;
    const docs = parseAllDocuments(text, { uniqueKeys: false });
    if (!Array.isArray(docs) || docs.some(d => d.errors.length)) {
      throw new YamlEditError(file, [], 'is not valid YAML; fix it first');
    }
    this.#docs = docs as Document.Parsed[];
    if (this.#docs.length === 0)
      this.#docs.push(new Document(null) as unknown as Document.Parsed);
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

  /** The plain value at a path, with the additions planned so far; undefined when missing. */
  get(doc: number, path: ObjectPath): unknown {
    if (!this.#docs[doc]) return undefined;
    const found = this.#locate(doc, path);
    if (!found.exists) return getIn(found.holder.value, found.rest);
    // with the document, so aliases (`*app`) read as what they name
    let value =
      found.node && 'toJS' in found.node
        ? (found.node as any).toJS(this.#docs[doc])
        : found.node ?? null;
    for (const addition of this.#additions.values()) {
      if (addition.doc !== doc || !startsWith(addition.path, path)) continue;
      value = mergeAt(value, addition.path.slice(path.length), addition.value);
    }
    return value;
  }

  /** Sets a scalar, keeping the quoting style of an existing value. */
  setScalar(doc: number, path: ObjectPath, value: string | number | boolean) {
    const found = this.#locate(doc, path);
    if (!found.exists) {
      setIn(found.holder.value, found.rest, value, this.file, path);
      return;
    }
    const node = found.node;
    if (node !== null && !isScalar(node)) {
      throw new YamlEditError(
        this.file,
        path,
        'is a collection where a scalar is expected',
      );
    }
    if (node?.value === value) return;
    if (node === null || !node.range || node.range[0] === node.range[1]) {
      // `key:` with nothing after the colon: the value goes after it
      const key = found.pair?.key as Node | undefined;
      if (!key?.range)
        throw new YamlEditError(this.file, path, 'has no value to replace');
      const colon = this.#text.indexOf(':', key.range[1]);
      this.#splice(
        colon + 1,
        colon + 1,
        ` ${formatScalar(value, undefined, found.inFlow)}`,
      );
      return;
    }
    const [start, end] = node.range;
    this.#splice(start, end, formatScalar(value, node, found.inFlow));
  }

  /**
   * Adds an entry to the block map at `mapPath` right after the entry of
   * `after` (so it joins the keys it belongs with), or at the end of the
   * map when `after` is not one of its entries. An existing key is set in
   * place.
   */
  setScalarAfter(
    doc: number,
    mapPath: ObjectPath,
    key: string,
    value: string | number | boolean,
    after: string,
  ) {
    const found = this.#newKeyBeside(doc, mapPath, key, after);
    if (!found || found.entry === found.map.items[found.map.items.length - 1]) {
      this.setScalar(doc, [...mapPath, key], value);
      return;
    }
    const { map, entry: anchor } = found;
    let entries = this.#anchored.get(anchor);
    if (!entries) {
      entries = { map, values: {} };
      this.#anchored.set(anchor, entries);
    }
    defineOwn(entries.values, key, value);
  }

  /**
   * Adds an entry to the block map at `mapPath` on its own line right
   * before the entry of `before` and the comment lines that belong to it
   * (a map kept in order, whose first key comes after the new one); at
   * the end of the map when `before` is not one of its entries. An
   * existing key is set in place.
   */
  setScalarBefore(
    doc: number,
    mapPath: ObjectPath,
    key: string,
    value: string | number | boolean,
    before: string,
  ) {
    const found = this.#newKeyBeside(doc, mapPath, key, before);
    if (!found) {
      this.setScalar(doc, [...mapPath, key], value);
      return;
    }
    const { map, entry: next } = found;
    const start = (next.key as Node).range![0];
    this.#insertLines(
      this.#withCommentsAbove(start),
      renderBlock(
        { [key]: value },
        start - this.#lineStart(start),
        this.#blockStyle(),
        siblingQuoting(map),
      ),
      0,
    );
  }

  /** Ensures a map exists at `path` holding `entries` (added or set). */
  setEntries(doc: number, path: ObjectPath, entries: Record<string, unknown>) {
    for (const [key, value] of Object.entries(entries)) {
      if (Array.isArray(value)) {
        for (const item of value) this.appendItem(doc, [...path, key], item);
      } else if (typeof value === 'object' && value !== null) {
        this.setEntries(doc, [...path, key], value as Record<string, unknown>);
      } else {
        this.setScalar(doc, [...path, key], value as string);
      }
    }
  }

  /** Appends an item to the sequence at `path` (creating the sequence and what leads to it). */
  appendItem(doc: number, path: ObjectPath, item: unknown) {
    const found = this.#locate(doc, path);
    if (!found.exists) {
      let list = getIn(found.holder.value, found.rest);
      if (list === undefined) {
        list = [];
        setIn(found.holder.value, found.rest, list, this.file, path);
      }
      if (!Array.isArray(list))
        throw new YamlEditError(this.file, path, 'is not a sequence');
      list.push(item);
      return;
    }
    const node = found.node;
    if (isSeq(node) || isEmptyValue(node)) {
      const addition = this.#additionAt(
        doc,
        path,
        node as YAMLSeq | Scalar,
        found.pair,
        found.inFlow,
        [],
      );
      if (!Array.isArray(addition.value))
        throw new YamlEditError(this.file, path, 'is not a sequence');
      addition.value.push(isSeq(node) ? keysInOrderOf(node, item) : item);
      return;
    }
    throw new YamlEditError(this.file, path, 'is not a sequence');
  }

  /**
   * Inserts an item before the item at `index` of the sequence at `path`
   * (after the last one when `index` is past the end): on its own line in a
   * block sequence, before any comment lines that belong to the item it
   * precedes.
   */
  insertItem(doc: number, path: ObjectPath, index: number, item: unknown) {
    const found = this.#locate(doc, path);
    const seq = found.exists ? found.node : undefined;
    if (!isSeq(seq) || seq.flow || index >= seq.items.length) {
      this.appendItem(doc, path, item);
      return;
    }
    const next = seq.items[index] as Node;
    const dash = this.#itemStart(next);
    const column = dash - this.#lineStart(dash);
    this.#insertLines(
      this.#withCommentsAbove(dash),
      renderBlock(
        [keysInOrderOf(seq, item)],
        column,
        withItemKeyQuotes(this.#blockStyle(), seq),
      ),
      0,
    );
  }

  /**
   * Gives the entries added to the block map at `path` a heading comment,
   * when the map's entries are in groups, each under a comment after a
   * blank line (and the last group is not already this one).
   */
  setGroupHeading(doc: number, path: ObjectPath, heading: string) {
    this.#headings.set(`${doc}:${path.join('\u0000')}`, heading);
  }

  /** Removes a key with its value (whole lines in a block map, the entry in a flow map). */
  deleteKey(doc: number, path: ObjectPath) {
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1];
    const found = this.#locate(doc, parentPath);
    if (!found.exists) {
      const parent = getIn(found.holder.value, found.rest);
      if (isRecord(parent)) delete parent[String(key)];
      return;
    }
    for (const addition of this.#additions.values()) {
      const added = addition.value;
      if (
        addition.doc === doc &&
        samePath(addition.path, parentPath) &&
        !Array.isArray(added)
      )
        delete added[String(key)];
    }
    const parent = found.node;
    if (!isMap(parent)) return;
    const pair = parent.items.find(p => sameKey(p.key, key));
    if (!pair) return;
    this.#removeEntry(parent, pair, path);
    // a block map left with no entry keeps its type (`data: {}`, not a
    // null a later run reads as no data: cubic3d's settings after --remove)
    this.#noteRemoved(parent, pair, found.pair);
  }

  /** Records an entry removed from a block collection under a key: emptied, it is written `{}` or `[]`. */
  #noteRemoved(
    collection: YAMLSeq | YAMLMap,
    entry: unknown,
    under: Pair | undefined,
  ) {
    if (collection.flow || !under || under.value !== collection) return;
    const removed = this.#removedItems.get(collection);
    if (removed) removed.items.add(entry);
    else
      this.#removedItems.set(collection, {
        pair: under,
        items: new Set([entry]),
      });
  }

  /** Removes the item at `path` from its sequence. */
  deleteItem(doc: number, path: ObjectPath) {
    const parentPath = path.slice(0, -1);
    const index = path[path.length - 1];
    const found = this.#locate(doc, parentPath);
    if (!found.exists) {
      const list = getIn(found.holder.value, found.rest);
      if (Array.isArray(list) && typeof index === 'number')
        list.splice(index, 1);
      return;
    }
    const seq = found.node;
    if (!isSeq(seq) || typeof index !== 'number') return;
    const item = seq.items[index] as Node | undefined;
    if (!item) {
      // an item added in this edit
      const addition = this.#additions.get(seq);
      if (addition && Array.isArray(addition.value))
        addition.value.splice(index - seq.items.length, 1);
      return;
    }
    this.#removeEntry(seq, item, path);
    this.#noteRemoved(seq, item, found.pair);
  }

  /** Whether any edit was planned. */
  get changed(): boolean {
    return (
      this.#splices.length > 0 ||
      this.#anchored.size > 0 ||
      [...this.#additions.values()].some(a => !isEmptyAddition(a.value))
    );
  }

  /**
   * Appends a document at the end of the file, after a `---` line, in the
   * file's indentation (as a component's `ks.yaml` holds several).
   */
  appendDocument(value: Record<string, unknown>) {
    const at = this.#text.length;
    // a file that ends with a separator has the new document's already
    const separated = /(^|\n)---[ \t]*\r?\n?$/.test(this.#text);
    // a file whose documents end with `...` gets it after the new one too
    const ended = /(^|\n)\.\.\.[ \t]*\r?\n?$/.test(this.#text);
    const lines = [
      ...(separated ? [] : ['---']),
      ...this.#schemaHeader(value),
      ...renderBlock(value, 0, this.#blockStyle()),
      ...(ended ? ['...'] : []),
    ];
    // after every other edit that ends the file
    this.#splice(at, at, this.#linesText(at, lines), Number.MAX_SAFE_INTEGER);
  }

  /**
   * The editor schema comment (`# yaml-language-server: $schema=…`) a
   * document of the same kind in the file opens with, for a new one.
   */
  #schemaHeader(value: Record<string, unknown>): string[] {
    for (const doc of this.#docs) {
      const contents = doc.contents;
      if (
        !isMap(contents) ||
        contents.get('kind') !== value.kind ||
        contents.get('apiVersion') !== value.apiVersion
      )
        continue;
      // after `---` the comment is the document's, else its map's
      const header = `${doc.commentBefore ?? ''}\n${
        contents.commentBefore ?? ''
      }`
        .split('\n')
        .find(line => /^\s*yaml-language-server:\s*\$schema=/.test(line));
      if (header !== undefined) return [`# ${header.trim()}`];
    }
    return [];
  }

  /** The edited text. */
  result(): string {
    const splices = [...this.#splices, ...this.#additionSplices()].sort(
      (a, b) =>
        a.at - b.at ||
        Number(b.at === b.end) - Number(a.at === a.end) ||
        a.rank - b.rank,
    );
    const out: string[] = [];
    let at = 0;
    for (const s of splices) {
      if (s.at < at) {
        throw new YamlEditError(
          this.file,
          [],
          'has edits that overlap; edit it by hand',
        );
      }
      out.push(this.#text.slice(at, s.at), s.text);
      at = s.end;
    }
    out.push(this.#text.slice(at));
    return out.join('');
  }

  #splice(at: number, end: number, text: string, rank = 0) {
    this.#splices.push({ at, end, text, rank });
  }

  #insertLines(at: number, lines: string[], rank: number) {
    this.#splice(at, at, this.#linesText(at, lines), rank);
  }

  /**
   * Lines to insert at `at`, each ended by the file's line ending; at the
   * end of a file whose last line has none, they go after a line break and
   * the file keeps ending without one (its last line is not rewritten).
   */
  #linesText(at: number, lines: string[]): string {
    if (at > 0 && at === this.#text.length && this.#text[at - 1] !== '\n')
      return lines.map(l => `${this.#eol}${l}`).join('');
    return lines.map(l => `${l}${this.#eol}`).join('');
  }

  /** Follows a path through the original nodes, into the additions planned under them. */
  #locate(doc: number, path: ObjectPath): Located {
    const document = this.#docs[doc];
    if (!document) throw new YamlEditError(this.file, path, 'has no document');
    let node: Node | null = document.contents as Node | null;
    let pair: Pair | undefined;
    let inFlow = false;
    for (let i = 0; i < path.length; i++) {
      const here = path.slice(0, i);
      const step = path[i];
      const pending = node ? this.#additions.get(node) : undefined;
      if (isMap(node)) {
        const next = node.items.find(p => sameKey(p.key, step));
        if (!next)
          return {
            exists: false,
            holder:
              pending ?? this.#additionAt(doc, here, node, pair, inFlow, {}),
            rest: path.slice(i),
          };
        inFlow ||= Boolean(node.flow);
        pair = next;
        node = next.value as Node | null;
      } else if (isSeq(node)) {
        if (typeof step !== 'number')
          throw new YamlEditError(this.file, here, 'is a sequence, not a map');
        if (step >= node.items.length) {
          const holder =
            pending ?? this.#additionAt(doc, here, node, pair, inFlow, []);
          return {
            exists: false,
            holder,
            rest: [step - node.items.length, ...path.slice(i + 1)],
          };
        }
        inFlow ||= Boolean(node.flow);
        pair = undefined;
        node = node.items[step] as Node;
      } else if (isEmptyValue(node)) {
        if (i === 0) {
          return {
            exists: false,
            holder:
              this.#additions.get(document) ??
              this.#additionAt(
                doc,
                here,
                undefined,
                undefined,
                false,
                typeof step === 'number' ? [] : {},
              ),
            rest: path.slice(i),
          };
        }
        return {
          exists: false,
          holder:
            pending ??
            this.#additionAt(
              doc,
              here,
              node as Scalar,
              pair,
              inFlow,
              typeof step === 'number' ? [] : {},
            ),
          rest: path.slice(i),
        };
      } else {
        throw new YamlEditError(
          this.file,
          here,
          'is not a map where one is expected',
        );
      }
    }
    return { exists: true, node, inFlow, pair };
  }

  #additionAt(
    doc: number,
    path: ObjectPath,
    node: Container | Scalar | undefined,
    pair: Pair | undefined,
    inFlow: boolean,
    empty: Record<string, unknown> | unknown[],
  ): Addition {
    const owner: object = node ?? this.#docs[doc];
    let addition = this.#additions.get(owner);
    if (!addition) {
      if (node && isEmptyValue(node) && !pair && path.length > 0)
        throw new YamlEditError(
          this.file,
          path,
          'is an empty value that is not under a key; edit it by hand',
        );
      addition = {
        doc,
        path: [...path],
        node,
        pair,
        value: containerValue(node, empty),
        inFlow: inFlow || Boolean(node && 'flow' in node && node.flow),
      };
      this.#additions.set(owner, addition);
    }
    return addition;
  }

  /** The splices that write the additions: one block (or flow text) per node. */
  *#additionSplices(): Generator<Splice> {
    // a block list left with no item is written `key: []`, not `key:` (null)
    for (const [seq, { pair, items }] of this.#removedItems) {
      const addition = this.#additions.get(seq);
      if (
        items.size < seq.items.length ||
        (addition && !isEmptyAddition(addition.value)) ||
        // `key: &anchor` or a tag: left as it is
        seq.anchor ||
        seq.tag
      )
        continue;
      const colon = this.#text.indexOf(':', (pair.key as Node).range![1]);
      yield {
        at: colon + 1,
        end: colon + 1,
        text: isSeq(seq) ? ' []' : ' {}',
        rank: 0,
      };
    }
    for (const [pair, { map, values }] of this.#anchored) {
      const first = map.items[0].key as Node;
      const end = pair.value
        ? lastOffset(pair.value as Node)
        : (pair.key as Node).range![1];
      yield this.#linesSplice(
        this.#lineEnd(end),
        renderBlock(
          values,
          this.#column(first.range![0]),
          this.#blockStyle(),
          siblingQuoting(map),
        ),
        -1000,
      );
    }
    for (const a of this.#additions.values()) {
      if (isEmptyAddition(a.value)) continue;
      const rank = -a.path.length; // deeper first where two end together
      const node = a.node;
      if (node === undefined) {
        // a document with no content: the block goes at its end
        const end = this.#docs[a.doc].range?.[2] ?? this.#text.length;
        yield this.#linesSplice(
          end,
          renderBlock(a.value, 0, this.#blockStyle()),
          rank,
        );
      } else if (isEmptyValue(node)) {
        yield* this.#fillEmpty(a, node as Scalar | Container, rank);
      } else if (isMap(node) || isSeq(node)) {
        if (node.flow) {
          yield this.#flowSplice(node, a.value, rank);
          continue;
        }
        const first = node.items[0] as any;
        const column = isMap(node)
          ? this.#column(first.key.range[0])
          : this.#column(this.#itemStart(first));
        const quote = siblingQuoting(node);
        let atEnd = a.value;
        if (isMap(node)) {
          const placed = this.#inOrder(node, a, column, quote);
          yield* placed.splices;
          atEnd = placed.rest;
          if (isEmptyAddition(atEnd)) continue;
        }
        const lines = renderBlock(
          atEnd,
          column,
          isSeq(node)
            ? withItemKeyQuotes(this.#blockStyle(), node)
            : this.#blockStyle(),
          quote,
        );
        if (isMap(node))
          lines.unshift(...this.#separation(node, a, column, lines.length));
        yield this.#linesSplice(
          this.#afterDeeperComments(this.#lineEnd(lastOffset(node)), column),
          lines,
          rank,
        );
      }
    }
  }

  /**
   * Past the comment lines at `offset` indented deeper than `column`: they
   * belong to the block above (an entry commented out under its last
   * key), so what is added at `column` goes after them.
   */
  #afterDeeperComments(offset: number, column: number): number {
    let at = offset;
    while (at < this.#text.length) {
      const end = this.#lineEnd(at + 1);
      const line = this.#text.slice(at, end);
      const indent = line.length - line.trimStart().length;
      if (!line.trimStart().startsWith('#') || indent <= column) break;
      at = end;
    }
    return at;
  }

  /**
   * New keys of a block map kept in order (`autoDirectNodeRoutes`, `bpf`,
   * `cluster`, `cni`, …, as many Helm values are): each goes right before
   * the first entry that sorts after it, with the comments above that
   * entry kept on it; the others (`rest`) go at the end as usual. A map of
   * fewer than three entries, or in commented groups, is not taken for one
   * kept in order.
   */
  #inOrder(
    map: YAMLMap,
    a: Addition,
    column: number,
    quote: Quoting,
  ): { splices: Splice[]; rest: Record<string, unknown> | unknown[] } {
    const added = a.value as Record<string, unknown>;
    const keys = map.items.map(p =>
      isScalar(p.key) ? String(p.key.value) : undefined,
    );
    if (
      keys.length < 3 ||
      !keptInOrder(keys as string[]) ||
      this.#headings.has(`${a.doc}:${a.path.join('\u0000')}`)
    )
      return { splices: [], rest: added };
    // entries set apart by blank lines get one after the new entry too
    const apart = this.#separation(map, a, column, 2).length > 0;
    const splices: Splice[] = [];
    const rest: Record<string, unknown> = {};
    // an item's first key on the dash's line (`- ips:`) has no line of its
    // own to go above: what would come first goes last
    const firstKey = (map.items[0].key as Node).range![0];
    const onDashLine =
      this.#text.slice(this.#lineStart(firstKey), firstKey).trim() !== '';
    for (const key of Object.keys(added).sort()) {
      const next = keys.findIndex(k => k! > key);
      if (next < 0 || (next === 0 && onDashLine)) {
        defineOwn(rest, key, added[key]);
        continue;
      }
      const lines = renderBlock(
        { [key]: added[key] },
        column,
        this.#blockStyle(),
        quote,
      );
      if (apart) lines.push('');
      const start = (map.items[next].key as Node).range![0];
      // after what the entry before ends with (its own additions come first)
      splices.push(this.#linesSplice(this.#withCommentsAbove(start), lines, 0));
    }
    return { splices, rest };
  }

  #linesSplice(at: number, lines: string[], rank: number): Splice {
    return { at, end: at, text: this.#linesText(at, lines), rank };
  }

  /** An empty value (`key:`, `key: ~`, `key: {}`, `key: []`) that now holds something: a block under its key. */
  *#fillEmpty(
    a: Addition,
    node: Scalar | Container,
    rank: number,
  ): Generator<Splice> {
    const keyNode = a.pair?.key as Node | undefined;
    if (a.inFlow && a.path.length > 0 && this.#parentIsFlow(a)) {
      // inside a flow collection: the value is written in flow style, in place
      yield {
        at: node.range![0],
        end: node.range![1],
        text: flowText(a.value, this.#flowPadding(node)),
        rank: 0,
      };
      return;
    }
    if (!keyNode?.range) {
      throw new YamlEditError(
        this.file,
        a.path,
        'is an empty value that is not under a key; edit it by hand',
      );
    }
    const keyColumn = this.#column(keyNode.range[0]);
    const style = this.#blockStyle();
    const lines = renderBlock({ k: a.value }, keyColumn, style).slice(1);
    // the empty value's own text (`{}`, `~`) goes, with the space before it
    if (node.range && node.range[1] > node.range[0]) {
      let start = node.range[0];
      while (start > keyNode.range[1] && /[ \t]/.test(this.#text[start - 1]))
        start--;
      const colon = this.#text.lastIndexOf(':', start);
      yield {
        at: Math.max(start, colon + 1),
        end: node.range[1],
        text: '',
        rank: 0,
      };
    }
    yield this.#linesSplice(
      this.#lineEnd(Math.max(keyNode.range[1], node.range?.[1] ?? 0)),
      lines,
      rank,
    );
  }

  #parentIsFlow(a: Addition): boolean {
    const parent = this.#docs[a.doc].getIn(a.path.slice(0, -1), true);
    return Boolean(parent && (isMap(parent) || isSeq(parent)) && parent.flow);
  }

  /** New entries or items of a non-empty flow collection, before its closing bracket. */
  #flowSplice(
    node: Container,
    value: Record<string, unknown> | unknown[],
    rank: number,
  ): Splice {
    const padded = this.#flowPadding(node);
    const inner = flowText(value, padded, siblingQuoting(node))
      .slice(1, -1)
      .trim();
    const last = lastOffset(node);
    return { at: last, end: last, text: `, ${inner}`, rank };
  }

  /** Whether a flow collection is written `{ a: b }` (padded) rather than `{a: b}`. */
  #flowPadding(node: Node): boolean {
    const open = node.range?.[0];
    if (open === undefined) return false;
    return /[[{] /.test(this.#text.slice(open, open + 2));
  }

  /** Removes a pair of a map or an item of a sequence. */
  #removeEntry(parent: Container, entry: Pair | Node, path: ObjectPath) {
    const items = parent.items as unknown[];
    const index = items.indexOf(entry);
    const start = isPair(entry)
      ? (entry.key as Node).range![0]
      : (entry as Node).range![0];
    let end: number;
    if (!isPair(entry)) end = lastOffset(entry as Node);
    else if (entry.value) end = lastOffset(entry.value as Node);
    else end = (entry.key as Node).range![1];
    if (parent.flow) {
      // the entry and the comma that separates it from its neighbour
      if (items.length === 1) {
        this.#splice(start, end, '');
        return;
      }
      if (index < items.length - 1) {
        const nextStart = entryStart(items[index + 1]);
        this.#splice(start, nextStart, '');
      } else {
        const previousEnd = entryEnd(items[index - 1]);
        this.#splice(previousEnd, end, '');
      }
      return;
    }
    const anchor = isPair(entry) ? start : this.#itemStart(entry as Node);
    const from = this.#lineStart(anchor);
    if (this.#text.slice(from, anchor).trim() !== '') {
      // `- key: v`, the item's first key on the dash's line: the next key
      // moves up onto that line (`- name: beta`), when nothing but
      // indentation lies between them
      const next = isPair(entry) && index === 0 ? items[1] : undefined;
      const nextStart = next === undefined ? undefined : entryStart(next);
      if (
        /^[ \t]*(?:-[ \t]+)+$/.test(this.#text.slice(from, anchor)) &&
        nextStart !== undefined &&
        this.#text.slice(this.#lineEnd(end), nextStart).trim() === '' &&
        this.#column(nextStart) === this.#column(start)
      ) {
        this.#splice(start, nextStart, '');
        return;
      }
      throw new YamlEditError(
        this.file,
        path,
        'shares its line with other content; edit it by hand',
      );
    }
    this.#splice(from, this.#lineEnd(end), '');
  }

  /**
   * The lines that set new entries of a block map apart as its other
   * entries are: a blank line and a heading comment where entries are in
   * commented groups, or a blank line where blocks are separated by one.
   */
  #separation(
    map: YAMLMap,
    a: Addition,
    column: number,
    lines: number,
  ): string[] {
    const heading = this.#headings.get(`${a.doc}:${a.path.join('\u0000')}`);
    const starts = map.items.map(p =>
      this.#lineStart((p.key as Node).range![0]),
    );
    // the lines between an entry and the one before it
    const gaps = starts.slice(1).map((start, i) => {
      const previousEnd = this.#lineEnd(
        (map.items[i].value as Node | null)
          ? lastOffset(map.items[i].value as Node)
          : (map.items[i].key as Node).range![1],
      );
      // whole lines only: the text ends where the entry's line starts
      return this.#text.slice(previousEnd, start).split(/\r?\n/).slice(0, -1);
    });
    const blankThenComment = (gap: string[]) =>
      gap.some((l, i) => l.trim() === '' && gap[i + 1]?.trim().startsWith('#'));
    if (heading && gaps.some(blankThenComment)) {
      const last = gaps.length ? gaps[gaps.length - 1] : [];
      const lastHeading = [...last]
        .reverse()
        .find(l => l.trim().startsWith('#'));
      // already under this heading (a later run adds to the same group)
      const ownGroup =
        lastHeading?.trim() === `# ${heading}` ||
        gaps.some(
          (g, i) =>
            g.some(l => l.trim() === `# ${heading}`) &&
            gaps.slice(i + 1).every(next => !blankThenComment(next)),
        );
      if (!ownGroup) return ['', `${' '.repeat(column)}# ${heading}`];
      return [];
    }
    const separated = gaps.filter(g => g.some(l => l.trim() === '')).length;
    // blocks each set apart, or groups of entries (Heavybullets8's
    // settings: a few IPs to a group, column-aligned): several new entries
    // are a group of their own
    if (
      lines > 1 &&
      gaps.length > 1 &&
      (separated * 2 >= gaps.length || separated >= 2)
    )
      return [''];
    return [];
  }

  /** The offset of the `-` of a block sequence item (or the item's start). */
  #itemStart(item: Node): number {
    const start = item.range![0];
    const lineStart = this.#lineStart(start);
    const before = this.#text.slice(lineStart, start);
    const dash = before.lastIndexOf('-');
    return dash >= 0 && before.slice(dash + 1).trim() === ''
      ? lineStart + dash
      : start;
  }

  /**
   * The block map at `mapPath` and its entry `neighbour`, when `key` is new
   * to it (a key added beside the entry it belongs with); undefined for a
   * flow map, a missing map or neighbour, or a key already there.
   */
  #newKeyBeside(
    doc: number,
    mapPath: ObjectPath,
    key: string,
    neighbour: string,
  ): { map: YAMLMap; entry: Pair } | undefined {
    const found = this.#locate(doc, mapPath);
    const map = found.exists ? found.node : undefined;
    if (!isMap(map) || map.flow || map.items.some(p => sameKey(p.key, key)))
      return undefined;
    const entry = map.items.find(p => sameKey(p.key, neighbour));
    return entry ? { map, entry } : undefined;
  }

  /** The start of the line at `offset`, above the comment lines right over it (they belong to what follows). */
  #withCommentsAbove(offset: number): number {
    let at = this.#lineStart(offset);
    while (at > 0) {
      const previous = this.#lineStart(at - 1);
      if (!this.#text.slice(previous, at).trim().startsWith('#')) break;
      at = previous;
    }
    return at;
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

  /** The file's indentation step and sequence indentation, by majority of its blocks. */
  #blockStyle(): BlockStyle {
    if (this.#style) return this.#style;
    const steps = new Map<number, number>();
    let seqIndented = 0;
    let seqFlat = 0;
    const variables: QuoteCounts = {
      QUOTE_DOUBLE: 0,
      QUOTE_SINGLE: 0,
      PLAIN: 0,
    };
    const byKey = new Map<string, QuoteCounts>();
    const visit = (node: unknown) => {
      if (
        isScalar(node) &&
        typeof node.value === 'string' &&
        node.value.includes('${')
      ) {
        const type = node.type as keyof QuoteCounts;
        if (type in variables) variables[type]++;
      }
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as Node | null;
          const value = pair.value as Node | null;
          countQuoting(byKey, key, value);
          if (!node.flow && key?.range && value && !(value as any).flow) {
            if (isMap(value) && value.items.length) {
              const first = value.items[0].key as Node | null;
              if (first?.range) {
                const step =
                  this.#column(first.range[0]) - this.#column(key.range[0]);
                if (step > 0 && this.#lineStart(first.range[0]) > key.range[0])
                  steps.set(step, (steps.get(step) ?? 0) + 1);
              }
            } else if (isSeq(value) && value.items.length) {
              const dash = this.#itemStart(value.items[0] as Node);
              if (this.#lineStart(dash) > key.range[0]) {
                if (this.#column(dash) > this.#column(key.range[0]))
                  seqIndented++;
                else seqFlat++;
              }
            }
          }
          visit(value);
        }
      } else if (isSeq(node)) {
        for (const item of node.items) visit(item);
      }
    };
    for (const d of this.#docs) visit(d.contents);
    let indent = 2;
    let best = 0;
    for (const [step, count] of steps) {
      if (count > best || (count === best && step < indent)) {
        indent = step;
        best = count;
      }
    }
    const keyQuotes = new Map<string, Quoting>();
    for (const [key, counts] of byKey) {
      const quote = mostlyQuoted(counts);
      if (quote) keyQuotes.set(key, quote);
    }
    this.#style = {
      indent,
      indentSeq: seqIndented >= seqFlat,
      variableQuote: mostlyQuoted(variables),
      keyQuotes,
    };
    return this.#style;
  }
}

/** What additions to a node start from: an empty list or map, as the node is. */
function containerValue(
  node: unknown,
  empty: Record<string, unknown> | unknown[],
): Record<string, unknown> | unknown[] {
  if (isSeq(node)) return [];
  if (isMap(node)) return {};
  return empty;
}

function sameKey(key: unknown, step: string | number): boolean {
  return isScalar(key) && String(key.value) === String(step);
}

function startsWith(path: ObjectPath, prefix: ObjectPath): boolean {
  return (
    path.length >= prefix.length &&
    prefix.every((s, i) => String(s) === String(path[i]))
  );
}

function samePath(a: ObjectPath, b: ObjectPath): boolean {
  return a.length === b.length && startsWith(a, b);
}

function isEmptyAddition(value: Record<string, unknown> | unknown[]): boolean {
  return Array.isArray(value) ? value.length === 0 : !Object.keys(value).length;
}

/** `key:`, `key: ~`, `key: null`, `key: {}`, `key: []`: a value that holds nothing. */
function isEmptyValue(node: unknown): boolean {
  if (node === null) return true;
  if (isScalar(node)) return node.value === null;
  if (isMap(node) || isSeq(node))
    return node.flow === true && !node.items.length;
  return false;
}

function entryStart(entry: unknown): number {
  return isPair(entry)
    ? (entry.key as Node).range![0]
    : (entry as Node).range![0];
}

function entryEnd(entry: unknown): number {
  if (isPair(entry))
    return entry.value
      ? (entry.value as Node).range![1]
      : (entry.key as Node).range![1];
  return (entry as Node).range![1];
}

/** The value at a path of a plain value, or undefined. */
function getIn(value: unknown, path: ObjectPath): unknown {
  let current: any = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = current[step as any];
  }
  return current;
}

/** Sets a value at a path of a plain value, creating maps (and lists for numeric steps) on the way. */
function setIn(
  root: Record<string, unknown> | unknown[],
  path: ObjectPath,
  value: unknown,
  file: string,
  full: ObjectPath,
) {
  let current: any = root;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i];
    let next = current[step as any];
    if (next === undefined || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      if (Array.isArray(current)) current[step as number] = next;
      else defineOwn(current, String(step), next);
    } else if (typeof next !== 'object') {
      throw new YamlEditError(file, full, 'goes through a scalar');
    }
    current = next;
  }
  const last = path[path.length - 1];
  if (Array.isArray(current)) current[last as number] = value;
  else defineOwn(current, String(last), value);
}

/** A plain value with `additions` merged in at a path below it. */
function mergeAt(
  value: unknown,
  path: ObjectPath,
  additions: unknown,
): unknown {
  if (path.length === 0) {
    if (Array.isArray(additions))
      return [...(Array.isArray(value) ? value : []), ...additions];
    if (isRecord(additions))
      return { ...(isRecord(value) ? value : {}), ...additions };
    return additions;
  }
  if (value === null || typeof value !== 'object') return value;
  const [step, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  copy[step as any] = mergeAt(copy[step as any], rest, additions);
  return copy;
}

/** The end of the last content of a node (not its trailing blank lines). */
function lastOffset(node: Node): number {
  if ((isMap(node) || isSeq(node)) && !(node as Container).flow) {
    const items = (node as Container).items as any[];
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
  if ((isMap(node) || isSeq(node)) && (node as Container).flow) {
    // before the closing bracket: after the last item
    const items = (node as Container).items as unknown[];
    if (items.length) return entryEnd(items[items.length - 1]);
  }
  return node.range![1];
}

type Quoting = 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | undefined;

/** How many string values are written each way. */
interface QuoteCounts {
  QUOTE_DOUBLE: number;
  QUOTE_SINGLE: number;
  PLAIN: number;
}

/** Counts how a map entry's string value is written, under its key. */
function countQuoting(
  byKey: Map<string, QuoteCounts>,
  key: Node | null,
  value: Node | null,
) {
  if (
    !isScalar(key) ||
    typeof key.value !== 'string' ||
    !isScalar(value) ||
    typeof value.value !== 'string'
  )
    return;
  let counts = byKey.get(key.value);
  if (!counts)
    byKey.set(
      key.value,
      (counts = { QUOTE_DOUBLE: 0, QUOTE_SINGLE: 0, PLAIN: 0 }),
    );
  const type = value.type as keyof QuoteCounts;
  if (type in counts) counts[type]++;
}

/** The quoting most of the values counted have, where most are quoted. */
function mostlyQuoted(counts: QuoteCounts): Quoting {
  const quoted = counts.QUOTE_DOUBLE + counts.QUOTE_SINGLE;
  if (quoted <= counts.PLAIN) return undefined;
  return counts.QUOTE_DOUBLE >= counts.QUOTE_SINGLE
    ? 'QUOTE_DOUBLE'
    : 'QUOTE_SINGLE';
}

/** How neighbouring string values of a map (or items of a sequence) are quoted, for new ones. */
function siblingQuoting(container: Container): Quoting {
  let double = 0;
  let single = 0;
  let plain = 0;
  for (const item of container.items as unknown[]) {
    const v = isPair(item) ? item.value : item;
    if (!isScalar(v) || typeof v.value !== 'string') continue;
    if (v.type === 'QUOTE_DOUBLE') double++;
    else if (v.type === 'QUOTE_SINGLE') single++;
    else plain++;
  }
  if (double > plain && double >= single) return 'QUOTE_DOUBLE';
  if (single > plain && single > double) return 'QUOTE_SINGLE';
  return undefined;
}

/**
 * A new map item of a list with its keys in the order the list's first map
 * item writes them (`name`, `kind`, then what it lacks), as its neighbours
 * read; anything else as it is. The list is values, or a YAML sequence.
 *
 * @public
 */
export function keysInOrderOf<T>(
  list: readonly unknown[] | YAMLSeq,
  item: T,
): T {
  if (!isRecord(item)) return item;
  let order: string[] | undefined;
  if (Array.isArray(list)) {
    const first = list.find(isRecord);
    order = first && Object.keys(first);
  } else {
    const first = (list as YAMLSeq).items.find(isMap);
    order = first?.items.map(pair =>
      String(isScalar(pair.key) ? pair.key.value : pair.key),
    );
  }
  if (!order) return item;
  const rank = (key: string) =>
    order!.includes(key) ? order!.indexOf(key) : order!.length;
  return Object.fromEntries(
    Object.entries(item).sort(([a], [b]) => rank(a) - rank(b)),
  ) as T;
}

/**
 * The style with the quoting the items of a sequence of maps give each
 * key's string values, over the file's: a new entry is written as the
 * entries beside it (`- name: "lab"`), whatever the file does elsewhere.
 */
function withItemKeyQuotes(style: BlockStyle, seq: YAMLSeq): BlockStyle {
  const byKey = new Map<string, QuoteCounts>();
  for (const item of seq.items)
    if (isMap(item))
      for (const pair of item.items)
        countQuoting(byKey, pair.key as Node | null, pair.value as Node | null);
  if (!byKey.size) return style;
  const keyQuotes = new Map(style.keyQuotes);
  for (const [key, counts] of byKey) {
    const quote = mostlyQuoted(counts);
    if (quote) keyQuotes.set(key, quote);
    else if (counts.PLAIN > counts.QUOTE_DOUBLE + counts.QUOTE_SINGLE)
      keyQuotes.delete(key);
  }
  return { ...style, keyQuotes };
}

/**
 * Strings are written as YAML 1.1 reads them back, as Helm (values) and
 * Kubernetes' own decoder do: `yes`, `on`, `n` quoted, which YAML 1.2
 * would leave plain and they would read as booleans (a label `expose: yes`
 * becomes `true`).
 */
const asHelmReads = { version: '1.1' as const };

/** Renders a value as block YAML lines at an indentation, in the file's style. */
function renderBlock(
  value: unknown,
  indent: number,
  style: BlockStyle,
  quote?: Quoting,
): string[] {
  const lines: string[] = [];
  // a value is quoted as the file quotes that key's values (`path:`),
  // else one holding a variable as the file quotes those
  const quoting = (v: unknown, key?: string) =>
    (key !== undefined && typeof v === 'string'
      ? style.keyQuotes.get(key)
      : undefined) ??
    (typeof v === 'string' && v.includes('${')
      ? style.variableQuote ?? quote
      : quote);
  const scalar = (v: unknown, isKey = false, key?: string) =>
    stringify(v, {
      ...asHelmReads,
      lineWidth: 0,
      defaultStringType: isKey ? 'PLAIN' : quoting(v, key) ?? 'PLAIN',
      defaultKeyType: 'PLAIN',
    }).replace(/\n$/, '');
  const isBlock = (v: unknown) =>
    (Array.isArray(v) && v.length > 0) ||
    (isRecord(v) && Object.keys(v).length > 0);
  const emptyText = (v: unknown) => (Array.isArray(v) ? '[]' : '{}');
  function map(m: Record<string, unknown>, column: number) {
    const pad = ' '.repeat(column);
    for (const [k, v] of Object.entries(m)) {
      const key = scalar(k, true);
      if (isBlock(v)) {
        lines.push(`${pad}${key}:`);
        if (Array.isArray(v))
          seq(v, column + (style.indentSeq ? style.indent : 0));
        else map(v as Record<string, unknown>, column + style.indent);
      } else if (v !== null && typeof v === 'object') {
        lines.push(`${pad}${key}: ${emptyText(v)}`);
      } else {
        lines.push(`${pad}${key}: ${scalar(v, false, k)}`);
      }
    }
  }
  function seq(items: unknown[], column: number) {
    const pad = ' '.repeat(column);
    for (const item of items) {
      if (isBlock(item)) {
        const first = lines.length;
        if (Array.isArray(item)) seq(item, column + 2);
        else map(item as Record<string, unknown>, column + 2);
        lines[first] = `${pad}- ${lines[first].slice(column + 2)}`;
      } else if (item !== null && typeof item === 'object') {
        lines.push(`${pad}- ${emptyText(item)}`);
      } else {
        lines.push(`${pad}- ${scalar(item)}`);
      }
    }
  }
  if (Array.isArray(value)) seq(value, indent);
  else if (isRecord(value)) map(value, indent);
  else lines.push(' '.repeat(indent) + scalar(value));
  return lines;
}

/** A value in flow style, on one line. */
function flowText(value: unknown, padded: boolean, quote?: Quoting): string {
  return stringify(value, {
    ...asHelmReads,
    collectionStyle: 'flow',
    flowCollectionPadding: padded,
    lineWidth: 0,
    defaultStringType: quote ?? 'PLAIN',
    defaultKeyType: 'PLAIN',
  }).replace(/\n$/, '');
}

function formatScalar(
  value: string | number | boolean,
  node: Scalar | undefined,
  inFlow: boolean,
): string {
  if (typeof value !== 'string') return String(value);
  switch (node?.value === null ? undefined : node?.type) {
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`;
    default:
      return inFlow
        ? flowText([value], false).slice(1, -1)
        : stringify(value, { ...asHelmReads, lineWidth: 0 }).replace(/\n$/, '');
  }
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
