import { isRecord } from '../core/paths';

/** True when a Secret (or any manifest) is SOPS-encrypted: Flux decrypts it, the engine never does. @public */
export function isSopsEncrypted(body: Record<string, any>): boolean {
  const sops = body.sops;
  return (
    isRecord(sops) &&
    ('mac' in sops || 'lastmodified' in sops || 'version' in sops)
  );
}
