import {
  Table,
  TableColumn,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Typography from '@mui/material/Typography';
import type {
  ClusterSummary,
  SourceReport,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { StatusLabel } from './StatusLabel';

const columns: TableColumn<ClusterSummary>[] = [
  { title: 'Cluster', field: 'name', highlight: true },
  {
    title: 'FQDN',
    render: c =>
      c.fqdn ? (
        <>
          <Typography variant="body2">{c.fqdn.resolved}</Typography>
          {c.fqdn.template !== c.fqdn.resolved && (
            <Typography variant="caption" color="text.secondary">
              {c.fqdn.template}
            </Typography>
          )}
        </>
      ) : (
        'not set'
      ),
  },
  { title: 'LB IP', render: c => c.lbIp?.value ?? 'not set' },
  {
    title: 'Pool',
    render: c => (c.pool ? `${c.pool.name} (${c.pool.block})` : '—'),
  },
  {
    title: 'Record',
    render: c =>
      c.record?.type
        ? `${c.record.type} · TTL ${c.record.ttl} · ${c.record.mode}`
        : '—',
  },
  {
    title: 'Checks',
    render: c => `${c.counts.passed} passed, ${c.counts.failed} failed`,
  },
  { title: 'Status', render: c => <StatusLabel status={c.status} /> },
];

/** The clusters of one source. */
export function SourceTable({ result }: { result: SourceReport }) {
  if (!result.report) {
    return (
      <ResponseErrorPanel
        title={`${result.source.title} cannot be read`}
        error={new Error(result.stale?.error ?? 'no report')}
      />
    );
  }
  return (
    <Table<ClusterSummary>
      title={result.source.title}
      subtitle={`${result.report.summary.clusters} clusters · read ${
        result.readAt ? new Date(result.readAt).toLocaleString() : 'never'
      }`}
      options={{ paging: false, search: true, padding: 'dense' }}
      columns={columns}
      data={result.report.clusters}
    />
  );
}
