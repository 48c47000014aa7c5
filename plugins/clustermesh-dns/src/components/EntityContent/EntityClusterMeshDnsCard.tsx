import { InfoCard } from '@backstage/core-components';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useLocationLinker } from '../../lib/scm';
import { StatusText } from '../../lib/status';
import { ClusterMapping } from '../ClusterDetail/ClusterMapping';
import {
  ClusterNotReady,
  clusterReady,
  MissingClusterAnnotations,
} from './EntityClusterStates';
import { useEntityCluster } from './useEntityCluster';

/**
 * The overview card of a cluster entity: its FQDN → IP mapping, declared
 * status, failing checks and how many peers know it by FQDN.
 */
export function EntityClusterMeshDnsCard() {
  const { ref, detail, clusterHref } = useEntityCluster();
  const value = detail.value;
  const linker = useLocationLinker(value?.source, value?.revision);
  if (!ref) return <MissingClusterAnnotations />;
  let body = <ClusterNotReady cluster={ref} detail={detail} />;
  if (clusterReady(detail) && value) {
    const { cluster, peers } = value;
    const failing = cluster.checks.filter(c => c.outcome === 'fail');
    const notEvaluated = cluster.checks.filter(
      c => c.outcome === 'not-evaluated',
    );
    // Not evaluated or not applicable everywhere: nothing was checked, which
    // is no good news.
    const ran = cluster.checks.some(
      c => c.outcome === 'pass' || c.outcome === 'fail',
    );
    const knowing = peers.filter(p => p.knowsThisCluster === true).length;
    const expected = Math.max(cluster.peers.expected, peers.length);
    body = (
      <Stack spacing={2}>
        <ClusterMapping
          cluster={cluster}
          linker={linker}
          withLocations={false}
        />
        <Stack spacing={0.5}>
          {failing.length > 0 ? (
            <StatusText tone="error">
              {failing.length} failing{' '}
              {failing.length === 1 ? 'check' : 'checks'}:{' '}
              {[...new Set(failing.map(c => c.ruleId))].join(', ')}
            </StatusText>
          ) : null}
          {failing.length === 0 && ran && (
            <StatusText tone="ok">No failing check</StatusText>
          )}
          {failing.length === 0 && !ran && (
            <StatusText
              tone={cluster.status === 'outside' ? 'neutral' : 'pending'}
            >
              {cluster.status === 'outside'
                ? `No check ran: ${cluster.name} is outside the mesh`
                : 'No check ran'}
            </StatusText>
          )}
          {notEvaluated.length > 0 && (
            <StatusText tone="pending">
              {notEvaluated.length} not evaluated
            </StatusText>
          )}
          {expected > 0 && (
            <StatusText tone={knowing === expected ? 'ok' : 'warning'}>
              {knowing} of {expected}{' '}
              {expected === 1 ? 'peer knows' : 'peers know'} {cluster.name} by
              FQDN
            </StatusText>
          )}
        </Stack>
        {value.revision && (
          <Typography variant="caption" color="text.secondary">
            {value.source.title} at {value.revision.slice(0, 12)}
          </Typography>
        )}
      </Stack>
    );
  }
  const pageLink = clusterHref(ref.cluster);
  return (
    <InfoCard
      title="ClusterMesh DNS"
      subheader={`${ref.cluster} in ${ref.sourceId}`}
      deepLink={
        pageLink
          ? { title: 'Open in ClusterMesh DNS', link: pageLink }
          : undefined
      }
    >
      {body}
    </InfoCard>
  );
}
