const encoder = new TextEncoder();

/** The UTF-8 bytes of a string, to look for in files without decoding them. @public */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Node's Buffer searches natively; elsewhere a plain loop does. */
const NodeBuffer: typeof Buffer | undefined = (globalThis as any).Buffer;

/** Bytes as a Buffer, without copying (the node tree reads files as Buffers already). */
const asBuffer = (bytes: Uint8Array, B: typeof Buffer): Buffer =>
  B.isBuffer(bytes)
    ? bytes
    : B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Whether bytes hold a sequence, without decoding a repository's worth of text. @public */
export function containsBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  if (NodeBuffer) return asBuffer(bytes, NodeBuffer).indexOf(needle) >= 0;
  const last = bytes.length - needle.length;
  for (let at = bytes.indexOf(needle[0]); at >= 0 && at <= last; ) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
    at = bytes.indexOf(needle[0], at + 1);
  }
  return false;
}

/** Whether two byte arrays hold the same bytes. @internal */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  if (NodeBuffer) return asBuffer(a, NodeBuffer).equals(b);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
