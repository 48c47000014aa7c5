/**
 * The key/value sources of kustomize's ConfigMap and Secret generators
 * (api/kv): env files, literals and files, read as kustomize reads them.
 * kustomize's default validator accepts any key, so keys are not checked
 * here either (a key that the API server refuses fails at apply time).
 */

/**
 * One key and its value as read; `text` is undefined when the bytes are not
 * UTF-8. The bytes of a text value are made when first needed (a Secret's
 * base64): a ConfigMap of settings never needs them.
 */
export interface KvPair {
  key: string;
  text: string | undefined;
  bytes?: Uint8Array;
  /** 1-based line in the file it came from (env files), else undefined. */
  line?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** UTF-8 text of bytes as Go's utf8.Valid accepts it, or undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export const pairOfText = (
  key: string,
  text: string,
  line?: number,
): KvPair => ({ key, text, line });

/** The bytes of a pair's value. */
export const pairBytes = (pair: KvPair): Uint8Array =>
  (pair.bytes ??= encoder.encode(pair.text ?? ''));

/** Go's unicode.IsSpace: ASCII blanks, U+0085, U+00A0 and the Unicode spaces (not U+FEFF). */
const GO_SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * The pairs of an env file (kustomize's keyValuesFromLines): one `KEY=value`
 * per line, split on the first `=`; leading whitespace trimmed, trailing
 * kept; no quote removal; `#` comments and blank lines skipped; a line
 * without `=` gives an empty value; a line starting with `=` has an empty
 * key and is skipped; a UTF-8 BOM is dropped from the first line; CRLF ends
 * are accepted. A line that is not UTF-8 fails the file.
 */
export function parseEnvFile(
  bytes: Uint8Array,
): { pairs: KvPair[] } | { error: string; line: number } {
  // a line break is never part of a multi-byte sequence: the file is valid
  // UTF-8 exactly when each of its lines is, so it is decoded once
  const text = utf8Text(bytes);
  if (text === undefined) {
    const line = firstLineNotUtf8(bytes);
    return { error: 'has a line that is not valid UTF-8', line };
  }
  const pairs: KvPair[] = [];
  const lines = text.split('\n');
  // a final line break ends the last line; it does not start another
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.startsWith('\ufeff')) line = line.slice(1);
    line = line.replace(GO_SPACE, '');
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (!key) continue;
    pairs.push(pairOfText(key, eq < 0 ? '' : line.slice(eq + 1), i + 1));
  }
  return { pairs };
}

/** The 1-based number of the first line of bytes that is not UTF-8. */
function firstLineNotUtf8(bytes: Uint8Array): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end < 0 ? bytes.length : end;
    if (utf8Text(bytes.subarray(start, stop)) === undefined || end < 0)
      return line;
    start = end + 1;
  }
}

/** A `key=value` literal; surrounding matching single or double quotes are removed from the value. */
export function parseLiteral(
  source: string,
): { key: string; value: string } | { error: string } {
  const eq = source.indexOf('=');
  if (eq <= 0) return { error: `the literal "${source}" is not key=value` };
  let value = source.slice(eq + 1);
  if (
    value.length >= 2 &&
    value[0] === value[value.length - 1] &&
    (value[0] === '"' || value[0] === "'")
  )
    value = value.slice(1, -1);
  return { key: source.slice(0, eq), value };
}

/** A `files` entry: `path` (the key is its base name) or `key=path`. */
export function parseFileSource(
  source: string,
): { key: string; path: string } | { error: string } {
  const count = source.split('=').length - 1;
  if (count === 0) {
    const base = source.replace(/\/+$/, '');
    return {
      key: base.slice(base.lastIndexOf('/') + 1) || source,
      path: source,
    };
  }
  if (count > 1)
    return {
      error: `the file source "${source}" has more than one "=" (key=path)`,
    };
  const [key, path] = source.split('=');
  if (!key)
    return { error: `the file source "${source}" has no key before "="` };
  if (!path)
    return { error: `the file source "${source}" has no path after "="` };
  return { key, path };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 of bytes. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (a << 16) | (b << 8) | c;
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

/**
 * Base64 as kustomize writes generated data (kyaml encodeBase64): one line
 * when shorter than 70 characters, else 70-character lines each ending in
 * a newline.
 */
export function base64Lines(bytes: Uint8Array): string {
  const encoded = base64(bytes);
  if (encoded.length < 70) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += 70)
    out += `${encoded.slice(i, i + 70)}\n`;
  return out;
}
