const encoder = new TextEncoder();

/** The UTF-8 bytes of a string, to look for in files without decoding them. @public */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Whether bytes hold a sequence, without decoding a repository's worth of text. @public */
export function containsBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  const last = bytes.length - needle.length;
  for (let at = bytes.indexOf(needle[0]); at >= 0 && at <= last; ) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
    at = bytes.indexOf(needle[0], at + 1);
  }
  return false;
}
