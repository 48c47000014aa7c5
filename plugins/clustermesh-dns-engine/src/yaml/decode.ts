const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The UTF-16 encodings Go's YAML reader (kustomize's, Flux's) takes from a
 * file's byte-order mark; without one, a file is UTF-8. The decoders drop
 * the mark.
 */
const utf16 = [
  {
    name: 'UTF-16LE',
    mark: [0xff, 0xfe],
    decoder: new TextDecoder('utf-16le', { fatal: true }),
  },
  {
    name: 'UTF-16BE',
    mark: [0xfe, 0xff],
    decoder: new TextDecoder('utf-16be', { fatal: true }),
  },
] as const;

const utf16Of = (bytes: Uint8Array) =>
  utf16.find(e => bytes[0] === e.mark[0] && bytes[1] === e.mark[1]);

/**
 * The UTF-16 encoding a file's byte-order mark names, if any: a search for
 * UTF-8 bytes cannot rule such a file out.
 */
export function utf16EncodingOf(bytes: Uint8Array): string | undefined {
  return utf16Of(bytes)?.name;
}

/**
 * Decodes bytes as the text kustomize reads: UTF-8, or UTF-16 where a
 * byte-order mark says so (Windows editors save YAML that way, and
 * kustomize builds it); or explains why they are not text.
 *
 * @public
 */
export function decodeText(
  bytes: Uint8Array,
): { text: string; encoding?: string } | { problem: string } {
  const encoding = utf16Of(bytes);
  let text: string;
  try {
    text = (encoding?.decoder ?? utf8).decode(bytes);
  } catch {
    return { problem: `is not ${encoding?.name ?? 'UTF-8'} text` };
  }
  if (text.includes('\u0000')) {
    return { problem: 'is binary (contains NUL bytes), not YAML text' };
  }
  return encoding ? { text, encoding: encoding.name } : { text };
}

/**
 * A file of the tree as text; undefined when it is missing or not text.
 *
 * @public
 */
export function readTextFile(
  tree: { read(path: string): Uint8Array | undefined },
  path: string,
): string | undefined {
  const bytes = tree.read(path);
  if (!bytes) return undefined;
  const decoded = decodeText(bytes);
  return 'text' in decoded ? decoded.text : undefined;
}
