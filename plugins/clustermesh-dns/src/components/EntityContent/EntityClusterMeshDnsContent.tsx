import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import Grid from '@mui/material/Grid';
import {
  CLUSTERMESH_DNS_CLUSTER_ANNOTATION,
  CLUSTERMESH_DNS_SOURCE_ANNOTATION,
} from '../../annotations';
import { useLocationLinker } from '../../lib/scm';
import { ClusterMapping } from '../ClusterDetail/ClusterMapping';
import { ClusterDetailView } from '../ClusterDetail/ClusterDetailView';
import { PeersTable } from '../ClusterDetail/PeersTable';
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
  if (!ref) {
    return (
      <MissingAnnotationEmptyState
        annotation={[
          CLUSTERMESH_DNS_SOURCE_ANNOTATION,
          CLUSTERMESH_DNS_CLUSTER_ANNOTATION,
        ]}
      />
    );
  }
  if (detail.loading) return <Progress />;
  if (detail.error || !value) {
    return (
      <ResponseErrorPanel
        title={`Cluster ${ref.cluster} of source ${ref.sourceId} cannot be loaded`}
        error={detail.error ?? new Error('no answer')}
      />
    );
  }
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
