import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import {
  CLUSTERMESH_DNS_CLUSTER_ANNOTATION,
  CLUSTERMESH_DNS_SOURCE_ANNOTATION,
} from '../../annotations';
import type { useEntityCluster } from './useEntityCluster';

/** An entity without the annotations that name its mesh cluster. */
export function MissingClusterAnnotations() {
  return (
    <MissingAnnotationEmptyState
      annotation={[
        CLUSTERMESH_DNS_SOURCE_ANNOTATION,
        CLUSTERMESH_DNS_CLUSTER_ANNOTATION,
      ]}
    />
  );
}

/** Whether the entity's cluster is there to show. */
export const clusterReady = (detail: EntityClusterDetail) =>
  !detail.loading && !detail.error && detail.value !== undefined;

/**
 * What the tab and the card show until the entity's cluster is there: a
 * progress bar while it loads, or why it cannot be loaded.
 */
export function ClusterNotReady(props: {
  /** The source and cluster the entity's annotations name. */
  cluster: NonNullable<ReturnType<typeof useEntityCluster>['ref']>;
  detail: EntityClusterDetail;
}) {
  const { cluster: ref, detail } = props;
  if (detail.loading) return <Progress />;
  return (
    <ResponseErrorPanel
      title={`Cluster ${ref.cluster} of source ${ref.sourceId} cannot be loaded`}
      error={detail.error ?? new Error('no answer')}
    />
  );
}

type EntityClusterDetail = ReturnType<typeof useEntityCluster>['detail'];
