import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  parseAllDocuments,
  Scalar,
} from 'yaml';

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

/** One YAML document of a file, with what is needed to point back into it. @public */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The JS value of the document (maps → objects, sequences → arrays). */
  value: unknown;
  /** The parsed node tree, for line numbers. */
  node: Node | null;
  lines: LineCounter;
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
  /** Alias expansions per document (YAML bombs). Default 100. */
  maxAliasCount: number;
}

/** @public */
export const defaultYamlReadLimits: YamlReadLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxAliasCount: 100,
};

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

/** {@link parseYamlFile} for text already decoded. @public */
export function parseYamlText(
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
        message: `is not valid YAML: ${firstError.message.split('\n')[0]}`,
      });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (error) {
      problems.push({
        file,
        line: doc.contents ? lineOfNode(doc.contents as Node, lines) : 1,
        message: `cannot be read: ${describeError(error)}`,
      });
      return;
    }
    if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
    documents.push({
      file,
      index,
      value,
      node: doc.contents as Node | null,
      lines,
      line: doc.contents ? lineOfNode(doc.contents as Node, lines) : 1,
    });
  });
  return { documents, problems };
}

function describeError(error: unknown): string {
  if (error instanceof RangeError) return 'nesting is too deep';
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** 1-based line of a parsed node. @public */
export function lineOfNode(node: Node, lines: LineCounter): number {
  const offset = node.range?.[0] ?? 0;
  return lines.linePos(offset).line;
}

/**
 * The node at a path inside a document (map keys and sequence indexes), or
 * the deepest node that exists on the way. Used to point messages at lines.
 *
 * @public
 */
export function nodeAtPath(
  root: Node | null,
  path: readonly (string | number)[],
): { node: Node | null; keyNode?: Node; complete: boolean } {
  let node: Node | null = root;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        item =>
          isScalar(item.key) &&
          String((item.key as Scalar).value) === String(segment),
      );
      if (!pair) return { node, keyNode, complete: false };
      keyNode = pair.key as Node;
      node = (pair.value as Node | null) ?? null;
      if (!node) return { node: keyNode, keyNode, complete: true };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return { node, keyNode, complete: false };
      keyNode = undefined;
      node = item;
    } else {
      return { node, keyNode, complete: false };
    }
  }
  return { node, keyNode, complete: true };
}
