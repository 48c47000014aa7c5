import { isRecord } from '../core/paths';

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
  const sealed = (v: unknown) => typeof v === 'string' && v.startsWith('ENC[');
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return (
    sealed(body.kind) || sealed(metadata.name) || sealed(metadata.namespace)
  );
}
