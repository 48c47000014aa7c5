import { isRecord } from '../core/paths';

/** A value SOPS encrypted: `ENC[AES256_GCM,...]`. */
const isCiphertext = (v: unknown) =>
  typeof v === 'string' && v.startsWith('ENC[');

/** True when a Secret (or any manifest) is SOPS-encrypted: Flux decrypts it, the engine never does. @public */
export function isSopsEncrypted(body: Record<string, any>): boolean {
  const sops = body.sops;
  return (
    isRecord(sops) &&
    ('mac' in sops || 'lastmodified' in sops || 'version' in sops)
  );
}

/**
 * True when SOPS encrypted a manifest's kind, name or namespace too (no
 * `encrypted_regex`): Flux decrypts and applies it, but which object it
 * is cannot be read here. Its keys stay in clear, as SOPS leaves them.
 *
 * @public
 */
export function hasSealedIdentity(body: Record<string, any>): boolean {
  if (!isSopsEncrypted(body)) return false;
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return (
    isCiphertext(body.kind) ||
    isCiphertext(metadata.name) ||
    isCiphertext(metadata.namespace)
  );
}

/**
 * The paths of a SOPS-encrypted manifest's encrypted values (its `sops`
 * metadata aside): with an `encrypted_regex`, only some are, and the rest
 * of the object reads as it is.
 *
 * @public
 */
export function encryptedPaths(
  body: Record<string, any>,
): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isCiphertext(node)) out.push(path);
    else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
    else if (isRecord(node))
      for (const [key, value] of Object.entries(node))
        if (path.length || key !== 'sops') walk(value, [...path, key]);
  };
  walk(body, []);
  return out;
}

/**
 * The length of the plain text a SOPS value on a line encrypts: AES-GCM
 * keeps the length, so `data:` is as long as the value (in base64).
 * Undefined when the line holds no SOPS value.
 *
 * @public
 */
export function sopsPlaintextLength(line: string): number | undefined {
  const data = /ENC\[AES256_GCM,data:([A-Za-z0-9+/]*)(=*),/.exec(line);
  if (!data) return undefined;
  // 4 characters of base64 for every 3 bytes
  return Math.floor((data[1].length * 3) / 4);
}

/**
 * The SOPS value on a line as written (`ENC[AES256_GCM,data:…,iv:…,tag:…]`):
 * two lines with the same one hold one value, copied. Undefined when the
 * line holds none.
 *
 * @public
 */
export function sopsCiphertext(line: string): string | undefined {
  return /ENC\[AES256_GCM,data:[^\]]+\]/.exec(line)?.[0];
}
