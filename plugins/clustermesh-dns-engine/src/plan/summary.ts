import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { FileEdit } from './transaction';
import type { MeshDnsRecord } from './plan';

/** A record as a Markdown table row: cluster, FQDN, type, value, TTL. */
export const recordRow = (r: MeshDnsRecord) =>
  `| ${r.cluster} | \`${r.fqdn}\` | ${r.type} | ${r.value} | ${r.ttl} |`;

/** The pull-request body: the records, what changes and why, the checks. */
export function summaryMarkdown(
  edits: FileEdit[],
  records: MeshDnsRecord[],
  fixedRules: string[],
  after: MeshReport,
): string {
  const out = [
    '## ClusterMesh DNS',
    '',
    '| Cluster | FQDN | Type | IP | TTL |',
    '|---|---|---|---|---|',
    ...records.map(recordRow),
    '',
    '### What changes and why',
    '',
  ];
  if (!edits.length)
    out.push('Nothing: the repository already says all of this.');
  for (const e of edits) {
    out.push(`- \`${e.path}\`${e.before === undefined ? ' (new)' : ''}`);
    for (const r of e.reasons) out.push(`  - ${r}`);
  }
  out.push(
    '',
    '### Checks',
    '',
    fixedRules.length
      ? `Now passing: ${fixedRules.map(r => `\`${r}\``).join(', ')}.`
      : 'No check was failing before.',
    `All ${after.summary.passed} checks pass on ${after.summary.clusters} clusters (${after.summary.warnings} warnings).`,
    '',
  );
  return out.join('\n');
}
