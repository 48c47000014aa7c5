import type {
  Finding,
  FindingCode,
  Severity,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** A finding; the message names the object and the cause, never the file and line. @public */
export function finding(
  code: FindingCode,
  severity: Severity,
  message: string,
  location?: SourceLocation,
  cluster?: string,
): Finding {
  const out: Finding = { code, severity, message };
  if (location) out.location = location;
  if (cluster !== undefined) out.cluster = cluster;
  return out;
}

/** The identity of a finding for de-duplication: the same cause at the same place. */
export function findingKey(f: Finding): string {
  return `${f.code}|${f.location?.file ?? ''}:${f.location?.line ?? ''}|${
    f.message
  }`;
}
