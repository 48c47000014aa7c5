import {
  ClusterReport,
  hasRecord,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

type Row = Pick<ClusterReport, 'fqdn' | 'lbIp' | 'pool' | 'record' | 'status'>;

export const recordModeLabels = {
  externaldns: 'ExternalDNS',
  manual: 'manual',
} as const;

/** `lb-ippool-apps (10.25.11.120-10.25.11.139)`, or undefined. */
export function poolText(row: Row): string | undefined {
  return row.pool ? `${row.pool.name} (${row.pool.block})` : undefined;
}

export const noRecord = 'no record';

/** The parts of the record's text: `A`, `TTL 300`, `ExternalDNS`, `DNS only`; none without a record. */
export function recordParts(row: Row): string[] {
  const record = row.record;
  if (!record || !hasRecord(row)) return [];
  return [
    record.type ?? 'type unknown',
    `TTL ${record.ttl}`,
    recordModeLabels[record.mode] ?? record.mode,
    ...(record.dnsOnly === true ? ['DNS only'] : []),
    ...(record.dnsOnly === false ? ['proxied'] : []),
  ];
}

/** `A · TTL 300 · ExternalDNS · DNS only`, `no record`, or undefined (no record in the report). */
export function recordText(row: Row): string | undefined {
  if (!row.record) return undefined;
  return hasRecord(row) ? recordParts(row).join(' · ') : noRecord;
}
