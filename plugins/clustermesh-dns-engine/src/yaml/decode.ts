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
