import { InfoCard } from '@backstage/core-components';
import Grid from '@mui/material/Grid';
import { useLocationLinker } from '../../lib/scm';
import { ClusterMapping } from '../ClusterDetail/ClusterMapping';
import { ClusterDetailView } from '../ClusterDetail/ClusterDetailView';
import { PeersTable } from '../ClusterDetail/PeersTable';
import {
  ClusterNotReady,
  clusterReady,
  MissingClusterAnnotations,
} from './EntityClusterStates';
import { useEntityCluster } from './useEntityCluster';

/**
 * The ClusterMesh DNS tab of a cluster entity: its FQDN → IP mapping, its
 * checks with links to the files, and its peers (and whether each knows it
 * by FQDN).
 */
export function EntityClusterMeshDnsContent() {
  const { ref, detail, clusterHref } = useEntityCluster();
  const value = detail.value;
  const linker = useLocationLinker(value?.source, value?.revision);
  if (!ref) return <MissingClusterAnnotations />;
  if (!clusterReady(detail) || !value)
    return <ClusterNotReady cluster={ref} detail={detail} />;
  const pageLink = clusterHref(ref.cluster);
  return (
    <Grid container spacing={3} alignItems="stretch">
      <Grid item xs={12} md={6}>
        <InfoCard
          title="FQDN → IP"
          subheader={`${value.source.title}${
            value.revision ? ` at ${value.revision.slice(0, 12)}` : ''
          }`}
          deepLink={
            pageLink
              ? { title: 'Open in ClusterMesh DNS', link: pageLink }
              : undefined
          }
        >
          <ClusterMapping cluster={value.cluster} linker={linker} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Peers">
          <PeersTable
            cluster={value.cluster.name}
            peers={value.peers}
            missing={value.cluster.peers.missing}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Checks">
          <ClusterDetailView
            detail={value}
            linker={linker}
            clusterHref={clusterHref}
            headingLevel={2}
            hidePeers
          />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
