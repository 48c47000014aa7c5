import type { Entity } from '@backstage/catalog-model';

/** The annotation that names the source (`clustermeshDns.sources[].id`) of a cluster entity. @public */
export const CLUSTERMESH_DNS_SOURCE_ANNOTATION = 'clustermesh-dns.io/source';

/** The annotation that names the cluster (its folder under the clusters path) of a cluster entity. @public */
export const CLUSTERMESH_DNS_CLUSTER_ANNOTATION = 'clustermesh-dns.io/cluster';

/** The `spec.type` of the `Resource` entities the catalog module emits per cluster. @public */
export const CLUSTERMESH_DNS_RESOURCE_TYPE = 'kubernetes-cluster';

/** Which cluster of which source an entity stands for. @public */
export interface ClusterMeshDnsEntityRef {
  sourceId: string;
  cluster: string;
}

/**
 * The source and cluster an entity is annotated with, when it is a
 * `Resource` of type `kubernetes-cluster` carrying both annotations.
 *
 * @public
 */
export function getClusterMeshDnsEntityRef(
  entity: Entity,
): ClusterMeshDnsEntityRef | undefined {
  if (entity.kind.toLocaleLowerCase('en-US') !== 'resource') return undefined;
  if (entity.spec?.type !== CLUSTERMESH_DNS_RESOURCE_TYPE) return undefined;
  const annotations = entity.metadata.annotations ?? {};
  const sourceId = annotations[CLUSTERMESH_DNS_SOURCE_ANNOTATION]?.trim();
  const cluster = annotations[CLUSTERMESH_DNS_CLUSTER_ANNOTATION]?.trim();
  if (!sourceId || !cluster) return undefined;
  return { sourceId, cluster };
}

/**
 * Whether the ClusterMesh DNS tab and card apply to an entity: a `Resource`
 * of type `kubernetes-cluster` with both `clustermesh-dns.io/source` and
 * `clustermesh-dns.io/cluster` annotations. For `EntitySwitch` in legacy apps.
 *
 * @public
 */
export function isClusterMeshDnsAvailable(entity: Entity): boolean {
  return getClusterMeshDnsEntityRef(entity) !== undefined;
}
