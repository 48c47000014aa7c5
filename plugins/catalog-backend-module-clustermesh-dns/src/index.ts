/**
 * The clustermesh-dns backend module for the catalog plugin: one `Resource`
 * of type `kubernetes-cluster` per cluster of every ClusterMesh DNS source.
 *
 * @packageDocumentation
 */
export { catalogModuleClustermeshDns as default } from './module';
export {
  ANNOTATION_CLUSTERMESH_DNS_CLUSTER,
  ANNOTATION_CLUSTERMESH_DNS_SOURCE,
  ClusterMeshDnsEntityProvider,
  clusterEntityName,
} from './ClusterMeshDnsEntityProvider';
export { ClusterMeshDnsAnnotationProcessor } from './ClusterMeshDnsAnnotationProcessor';
export type { CatalogSourceConfig } from './config';
export { readCatalogSources } from './config';
