import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { clustermeshDnsApiRef } from '../../api';
import { useLocationLinker } from '../../lib/scm';
import { ClusterDetailView } from '../ClusterDetail/ClusterDetailView';
import type { ClusterHref } from '../ClusterDetail/FindingEffects';
import type { ClusterRow } from './rows';

/**
 * A row's checks, fetched when the row is expanded (and only then): one
 * request for the cluster, at the ref and revision the row was read at.
 */
export function ExpandedCluster(props: {
  row: ClusterRow;
  clusterHref: ClusterHref;
}) {
  const { row, clusterHref } = props;
  const api = useApi(clustermeshDnsApiRef);
  const { source } = row.state;
  const { value, loading, error } = useAsync(
    () =>
      api.getCluster(
        source.id,
        row.cluster.name,
        row.state.ref ? { ref: row.state.ref } : {},
      ),
    // Read again when the source is (a refresh brings a new report).
    [api, source.id, row.cluster.name, row.state.ref, row.state.report?.readAt],
  );
  const linker = useLocationLinker(
    source,
    value?.revision ?? row.state.report?.revision,
    row.state.ref,
  );
  if (loading) return <Progress aria-label={`Loading ${row.cluster.name}`} />;
  if (error) {
    return (
      <ResponseErrorPanel
        title={`The checks of ${row.cluster.name} cannot be loaded`}
        error={error}
      />
    );
  }
  if (!value) return null;
  return (
    <ClusterDetailView
      detail={value}
      linker={linker}
      clusterHref={clusterHref}
      live={row.state.live?.results.filter(r => r.cluster === row.cluster.name)}
      headingLevel={3}
    />
  );
}
