import { useCallback, useMemo } from 'react';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  clustermeshDnsLiveRunPermission,
  DeclaredStatus,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import { statusOrder } from '../../lib/status';
import { SortKey, useViewState, viewStateQuery } from '../../lib/viewState';
import { ClusterTable } from './ClusterTable';
import { Filters, RefField } from './Filters';
import { buildRows, filterAndSort, rowKey } from './rows';
import { SourceSummaryCard } from './SourceSummaryCard';
import { useSourceReports } from './useSourceReports';

/** Props of the ClusterMesh DNS page. @public */
export interface ClusterMeshDnsPageProps {
  /** The template "Configure DNS" opens (default `template:default/clustermesh-dns`). */
  templateRef?: string;
}

/**
 * Every cluster of every configured source: a summary per source, then one
 * row per cluster with its FQDN → IP mapping, pool, DNS record, declared and
 * live status; a row expands to its checks. Filters, search, sort, the ref
 * and the expanded rows live in the URL.
 */
export function ClusterMeshDnsPage(props: ClusterMeshDnsPageProps) {
  const api = useApi(clustermeshDnsApiRef);
  const [view, setView] = useViewState();
  const { allowed: canRunLiveChecks } = usePermission({
    permission: clustermeshDnsLiveRunPermission,
  });
  const sources = useAsyncRetry(() => api.listSources(), [api]);
  const shownSources = useMemo(
    () =>
      (sources.value ?? []).filter(s => !view.source || s.id === view.source),
    [sources.value, view.source],
  );
  const { states, refresh, runLiveChecks } = useSourceReports(
    shownSources,
    view.ref,
  );
  const shownStates = useMemo(
    () => shownSources.map(s => states[s.id]).filter(Boolean),
    [shownSources, states],
  );
  const rows = useMemo(() => buildRows(shownStates), [shownStates]);
  const visible = useMemo(
    () =>
      filterAndSort(rows, {
        q: view.q,
        status: view.status,
        rule: view.rule,
        sort: view.sort,
        dir: view.dir,
      }),
    [rows, view.q, view.status, view.rule, view.sort, view.dir],
  );
  const counts = useMemo(() => {
    const byStatus = Object.fromEntries(statusOrder.map(s => [s, 0])) as Record<
      DeclaredStatus,
      number
    >;
    for (const row of rows) byStatus[row.cluster.status] += 1;
    return byStatus;
  }, [rows]);
  const rules = useMemo(
    () => [...new Set(rows.flatMap(r => r.cluster.failingRules ?? []))].sort(),
    [rows],
  );

  const open = view.open;
  const onToggle = useCallback(
    (key: string) =>
      setView({
        open: open.includes(key) ? open.filter(k => k !== key) : [...open, key],
      }),
    [open, setView],
  );
  const onSort = useCallback(
    (sort: SortKey, dir: 'asc' | 'desc') => setView({ sort, dir }),
    [setView],
  );
  // A link to a cluster of the same source: its row, found and expanded.
  const clusterHrefFor = useCallback(
    (sourceId: string) => (cluster: string) =>
      `?${viewStateQuery({
        source: sourceId,
        ref: view.ref,
        q: cluster,
        open: [rowKey(sourceId, cluster)],
      })}`,
    [view.ref],
  );
  if (sources.loading) return <Progress />;
  if (sources.error) {
    return (
      <ResponseErrorPanel
        title="The ClusterMesh DNS sources cannot be loaded"
        error={sources.error}
      />
    );
  }
  const all = sources.value ?? [];
  if (all.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No GitOps repository configured"
        description="Add a repository or a local folder under clustermeshDns.sources in app-config.yaml; its clusters appear here."
      />
    );
  }
  if (view.source && shownSources.length === 0) {
    return (
      <EmptyState
        missing="data"
        title={`No source "${view.source}"`}
        description="The link names a source that is not configured."
        action={
          <Button
            variant="contained"
            onClick={() => setView({ source: undefined })}
          >
            Show every source
          </Button>
        }
      />
    );
  }

  const loading = shownStates.some(s => s.loading);
  const anyReport = shownStates.some(s => s.report?.report);
  const filterKey = [
    view.q,
    view.status.join(','),
    view.rule,
    view.source,
    view.ref,
  ].join('|');

  return (
    <Stack spacing={3}>
      {/* In a Box: a Stack's spacing would undo the Grid's negative margins. */}
      <Box>
        <Grid container spacing={3}>
          {shownStates.map(state => (
            <Grid
              item
              xs={12}
              lg={shownStates.length > 1 ? 6 : 12}
              key={state.source.id}
            >
              <SourceSummaryCard
                state={state}
                canRunLiveChecks={canRunLiveChecks}
                onRefresh={refresh}
                onRunLiveChecks={runLiveChecks}
                clusterHref={clusterHrefFor(state.source.id)}
                templateRef={props.templateRef}
                requestedRef={view.ref}
              />
            </Grid>
          ))}
        </Grid>
      </Box>
      <RefField
        value={view.ref}
        onChange={ref => setView({ ref, open: [] })}
        hasRepositorySources={shownSources.some(s => s.type === 'url')}
      />
      <Filters
        view={view}
        onChange={setView}
        counts={counts}
        rules={rules}
        sources={all}
      />
      {loading && !anyReport && <Progress />}
      {!loading && rows.length === 0 && anyReport && (
        <EmptyState
          missing="content"
          title="No clusters found"
          description="No cluster folder was found in the sources shown. Clusters are the Flux entry points (by default the folders under kubernetes/clusters); the report's findings say what was read."
        />
      )}
      {rows.length > 0 && visible.length === 0 && (
        <EmptyState
          missing="data"
          title="No cluster matches the filters"
          action={
            <Button
              variant="contained"
              onClick={() =>
                setView({
                  q: '',
                  status: [],
                  rule: undefined,
                  source: undefined,
                })
              }
            >
              Clear filters
            </Button>
          }
        />
      )}
      {visible.length > 0 && (
        <>
          <Typography variant="body2" role="status">
            {visible.length === rows.length
              ? `${rows.length} ${rows.length === 1 ? 'cluster' : 'clusters'}`
              : `${visible.length} of ${rows.length} clusters`}
          </Typography>
          <ClusterTable
            rows={visible}
            showSource={shownSources.length > 1}
            view={view}
            onSort={onSort}
            onToggle={onToggle}
            clusterHrefFor={clusterHrefFor}
            filterKey={filterKey}
          />
        </>
      )}
    </Stack>
  );
}
