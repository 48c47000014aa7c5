import type {
  Finding,
  FindingCode,
  Severity,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/**
 * A finding as the engine makes it; the report gives each its `id`. The
 * message names the object and the cause, never the file and line.
 *
 * @public
 */
export type EngineFinding = Omit<Finding, 'id'>;

/** A finding (the location beside the message). @public */
export function finding(
  code: FindingCode,
  severity: Severity,
  message: string,
  location?: SourceLocation,
  cluster?: string,
): EngineFinding {
  const out: EngineFinding = { code, severity, message };
  if (location) out.location = location;
  if (cluster !== undefined) out.cluster = cluster;
  return out;
}

/** The identity of a finding for de-duplication: the same cause at the same place. */
export function findingKey(f: EngineFinding): string {
  return `${f.code}|${f.location?.file ?? ''}:${f.location?.line ?? ''}|${
    f.message
  }`;
}

/** A short id for a finding, the same for the same cause in every report. */
export function findingId(f: EngineFinding): string {
  // FNV-1a over the key: stable, short, and the same on every refresh
  let hash = 0x811c9dc5;
  const key = findingKey(f);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `f${(hash >>> 0).toString(36)}`;
}
