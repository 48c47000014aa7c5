import { isRecord } from '../../core/paths';

/**
 * kustomize's name-suffix hash of a generated ConfigMap or Secret
 * (api/hasher): SHA-256 of a JSON document encoded as Go's encoding/json
 * does, its first ten hex digits with 0→g, 1→h, 3→k, a→m, e→t, so the
 * suffix never reads as a number.
 *
 * The document is {kind, name, data} (+ binaryData when it is a map) for a
 * ConfigMap and {kind, name, type, data} (+ stringData) for a Secret. kustomize
 * looks the name up with a key that never matches ("metadata/name" as one
 * key), so `name` is always "" and the hash depends on content only, not on
 * prefixes or suffixes; a missing data or type is "".
 */
export function nameSuffixHash(
  body: Record<string, any>,
  memo?: HashMemo,
): string {
  const kind = body.kind;
  const field = (key: string) =>
    key in body && body[key] !== undefined ? body[key] : '';
  const doc: Record<string, unknown> =
    kind === 'Secret'
      ? {
          kind: 'Secret',
          type: scalarOrMap(field('type')),
          name: '',
          data: scalarOrMap(field('data')),
        }
      : { kind: 'ConfigMap', name: '', data: scalarOrMap(field('data')) };
  const extra = kind === 'Secret' ? 'stringData' : 'binaryData';
  if (isRecord(body[extra])) doc[extra] = body[extra];
  const text = goJson(doc);
  const known = memo?.get(text);
  if (known) return known;
  const hash = encodeHash(sha256Hex(text));
  memo?.set(text, hash);
  return hash;
}

/**
 * Name-suffix hashes by the text they hash, kept by whoever owns the memo
 * (the engine cache, between validations): SHA-256 in TypeScript costs
 * about a tenth of a millisecond per settings ConfigMap, which a mesh of
 * hundreds of generated ConfigMaps pays on every build otherwise. Bounded
 * by the characters kept, the least recently used going first.
 *
 * @public
 */
export class HashMemo {
  readonly #entries = new Map<string, string>();
  #chars = 0;

  constructor(readonly maxChars: number = 8 * 1024 * 1024) {}

  get(text: string): string | undefined {
    const hash = this.#entries.get(text);
    if (hash !== undefined) {
      this.#entries.delete(text);
      this.#entries.set(text, hash);
    }
    return hash;
  }

  set(text: string, hash: string): void {
    if (text.length > this.maxChars) return;
    if (!this.#entries.has(text)) this.#chars += text.length;
    this.#entries.set(text, hash);
    for (const oldest of this.#entries.keys()) {
      if (this.#chars <= this.maxChars) break;
      this.#entries.delete(oldest);
      this.#chars -= oldest.length;
    }
  }

  /** Entries kept. */
  get size(): number {
    return this.#entries.size;
  }
}

/** What kustomize reads for a field: a scalar as its text, a map as itself, else "". */
function scalarOrMap(value: unknown): unknown {
  if (isRecord(value)) return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value;
  return String(value);
}

function encodeHash(hex: string): string {
  const swap: Record<string, string> = {
    '0': 'g',
    '1': 'h',
    '3': 'k',
    a: 'm',
    e: 't',
  };
  return [...hex.slice(0, 10)].map(c => swap[c] ?? c).join('');
}

/**
 * Whether a name is `base` with a name-suffix hash (`cilium-values-kb5h2g27m5`):
 * ten characters of the hash's alphabet (hex digits, 0 1 3 a e swapped).
 */
export function isHashSuffixed(name: string, base: string): boolean {
  return (
    name.length === base.length + 11 &&
    name.startsWith(`${base}-`) &&
    /^[2456789bcdfghkmt]{10}$/.test(name.slice(base.length + 1))
  );
}

/** Go's byte-wise string order (UTF-8), which encoding/json sorts map keys by. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** A string as Go's encoding/json writes it (HTML-safe, U+2028/2029 escaped). */
/** Whether a string needs Go's escaping (else it is written as is, the common case). */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c < 0x20 ||
      c === 0x22 ||
      c === 0x5c ||
      c === 0x3c ||
      c === 0x3e ||
      c === 0x26
    )
      return true;
    if (c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff))
      return true;
  }
  return false;
}

export function goJsonString(s: string): string {
  if (!needsEscape(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (
      c < 0x20 ||
      c === 0x3c ||
      c === 0x3e ||
      c === 0x26 ||
      c === 0x2028 ||
      c === 0x2029
    )
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd'; // a lone surrogate is invalid UTF-8 to Go
    } else out += s[i];
  }
  return `${out}"`;
}

/** A value as Go's json.Marshal writes an interface{} (maps with sorted keys). */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (value instanceof Date) return goJsonString(value.toISOString());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareUtf8);
  return `{${keys
    .map(k => `${goJsonString(k)}:${goJson(record[k])}`)
    .join(',')}}`;
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go: 'e' format with at least two exponent digits removed to one: 1e-07 → 1e-7
    return n
      .toExponential()
      .replace(/e([+-])(\d)$/, 'e$10$2')
      .replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return String(n);
}

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 of the UTF-8 bytes of a string, as lower-case hex (FIPS 180-4). */
export function sha256Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const length = bytes.length;
  const blocks = ((length + 9 + 63) >> 6) << 4; // 32-bit words, whole blocks
  const words = new Int32Array(blocks);
  for (let i = 0; i < length; i++)
    words[i >> 2] |= bytes[i] << (24 - (i & 3) * 8);
  words[length >> 2] |= 0x80 << (24 - (length & 3) * 8);
  words[blocks - 2] = Math.floor(length / 0x20000000);
  words[blocks - 1] = (length << 3) | 0;
  const w = new Int32Array(64);
  let h0 = 0x6a09e667;
  let h1 = 0xbb67ae85 | 0;
  let h2 = 0x3c6ef372;
  let h3 = 0xa54ff53a | 0;
  let h4 = 0x510e527f;
  let h5 = 0x9b05688c | 0;
  let h6 = 0x1f83d9ab;
  let h7 = 0x5be0cd19;
  for (let offset = 0; offset < blocks; offset += 16) {
    for (let t = 0; t < 16; t++) w[t] = words[offset + t];
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 =
        ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 =
        ((e >>> 6) | (e << 26)) ^
        ((e >>> 11) | (e << 21)) ^
        ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const S0 =
        ((a >>> 2) | (a << 30)) ^
        ((a >>> 13) | (a << 19)) ^
        ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  return [h0, h1, h2, h3, h4, h5, h6, h7]
    .map(x => (x >>> 0).toString(16).padStart(8, '0'))
    .join('');
}
