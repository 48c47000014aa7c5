export { ClusterMeshDnsPage } from './ClusterMeshDnsPage';
export type { ClusterMeshDnsPageProps } from './ClusterMeshDnsPage';
