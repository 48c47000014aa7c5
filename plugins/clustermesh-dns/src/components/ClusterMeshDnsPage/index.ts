export { ClusterMeshDnsPage } from './ClusterMeshDnsPage';
