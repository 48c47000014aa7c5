/**
 * ClusterMesh DNS frontend plugin: the page, the cluster entity's tab and
 * card, and the scaffolder field `ClusterMeshLbIpPicker`.
 *
 * The default export is the plugin for the new frontend system; the named
 * legacy exports serve apps on the legacy system.
 *
 * @packageDocumentation
 */
export { clustermeshDnsPlugin as default } from './plugin';
export {
  clustermeshDnsPlugin,
  clustermeshDnsPage,
  clustermeshDnsEntityContent,
  clustermeshDnsEntityCard,
  clustermeshDnsLbIpPickerField,
} from './plugin';
export { clustermeshDnsApiRef } from './api';
export {
  CLUSTERMESH_DNS_CLUSTER_ANNOTATION,
  CLUSTERMESH_DNS_RESOURCE_TYPE,
  CLUSTERMESH_DNS_SOURCE_ANNOTATION,
  getClusterMeshDnsEntityRef,
  isClusterMeshDnsAvailable,
} from './annotations';
export type { ClusterMeshDnsEntityRef } from './annotations';
export {
  ClusterMeshDnsPage,
  ClusterMeshLbIpPickerFieldExtension,
  clustermeshDnsLegacyPlugin,
  EntityClusterMeshDnsCard,
  EntityClusterMeshDnsContent,
} from './legacy';
export type { ClusterMeshDnsPageProps } from './components/ClusterMeshDnsPage';
export type { LbIpPickerOptions } from './components/LbIpPicker';
export type { ClusterEntry } from './lib/configure';
