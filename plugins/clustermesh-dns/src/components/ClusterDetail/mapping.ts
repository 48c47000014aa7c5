import type { ClusterReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

type Row = Pick<ClusterReport, 'fqdn' | 'lbIp' | 'pool' | 'record'>;

export const recordModeLabels = {
  externaldns: 'ExternalDNS',
  manual: 'manual',
} as const;

/** `lb-ippool-apps (10.25.11.120-10.25.11.139)`, or undefined. */
export function poolText(row: Row): string | undefined {
  return row.pool ? `${row.pool.name} (${row.pool.block})` : undefined;
}

/** `A · TTL 300 · ExternalDNS · DNS only`, or undefined. */
export function recordText(row: Row): string | undefined {
  const record = row.record;
  if (!record) return undefined;
  return [
    record.type ?? 'type unknown',
    `TTL ${record.ttl}`,
    recordModeLabels[record.mode] ?? record.mode,
    ...(record.dnsOnly === true ? ['DNS only'] : []),
    ...(record.dnsOnly === false ? ['proxied'] : []),
  ].join(' · ');
}
