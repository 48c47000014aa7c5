import type {
  ClusterSummary,
  DeclaredStatus,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { addressSortKey } from '../../lib/ip';
import { statusOrder } from '../../lib/status';
import type { SortKey, ViewState } from '../../lib/viewState';
import { poolText, recordText } from '../ClusterDetail/mapping';
import type { SourceState } from './useSourceReports';

/** One row of the table: a cluster of a source, with what sorting and search need. */
export interface ClusterRow {
  /** `<source>/<cluster>`: the row's identity in the URL's `open`. */
  key: string;
  state: SourceState;
  cluster: ClusterSummary;
  /** The live status, when live checks ran for the source. */
  live?: DeclaredStatus;
  liveRan: boolean;
  /** Lower-case text the search looks in: name, FQDN as written and resolved, LB IP. */
  haystack: string;
  sort: Record<SortKey, string | number>;
}

export const rowKey = (sourceId: string, cluster: string) =>
  `${sourceId}/${cluster}`;

const rank = (status: DeclaredStatus | undefined) =>
  status ? statusOrder.indexOf(status) : statusOrder.length;

/** The rows of every loaded report, computed once per report. */
export function buildRows(states: SourceState[]): ClusterRow[] {
  const rows: ClusterRow[] = [];
  for (const state of states) {
    const clusters = state.report?.report?.clusters ?? [];
    const live = state.live;
    for (const cluster of clusters) {
      const liveStatus = live?.status[cluster.name];
      rows.push({
        key: rowKey(state.source.id, cluster.name),
        state,
        cluster,
        live: liveStatus,
        liveRan: !!live,
        haystack: [
          cluster.name,
          cluster.fqdn?.template,
          cluster.fqdn?.resolved,
          cluster.lbIp?.value,
        ]
          .filter(Boolean)
          .join('\n')
          .toLocaleLowerCase('en-US'),
        sort: {
          source: state.source.title.toLocaleLowerCase('en-US'),
          cluster: cluster.name,
          fqdn: cluster.fqdn?.resolved ?? '\uffff',
          ip: addressSortKey(cluster.lbIp?.value),
          pool: poolText(cluster) ?? '\uffff',
          record: recordText(cluster) ?? '\uffff',
          declared: rank(cluster.status),
          live: live ? rank(liveStatus) : statusOrder.length + 1,
        },
      });
    }
  }
  return rows;
}

const collator = new Intl.Collator('en', { numeric: true });

function compare(a: string | number, b: string | number) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** The rows the filters and search keep, in the chosen order. */
export function filterAndSort(
  rows: ClusterRow[],
  view: Pick<ViewState, 'q' | 'status' | 'rule' | 'sort' | 'dir'>,
): ClusterRow[] {
  const needle = view.q.trim().toLocaleLowerCase('en-US');
  const statuses = new Set(view.status);
  const kept = rows.filter(
    row =>
      (!needle || row.haystack.includes(needle)) &&
      (statuses.size === 0 || statuses.has(row.cluster.status)) &&
      (!view.rule || (row.cluster.failingRules ?? []).includes(view.rule)),
  );
  const sign = view.dir === 'desc' ? -1 : 1;
  return kept.sort(
    (a, b) =>
      sign * compare(a.sort[view.sort], b.sort[view.sort]) ||
      compare(a.sort.cluster, b.sort.cluster) ||
      compare(a.sort.source, b.sort.source),
  );
}
