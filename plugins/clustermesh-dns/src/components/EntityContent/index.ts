export { EntityClusterMeshDnsContent } from './EntityClusterMeshDnsContent';
export { EntityClusterMeshDnsCard } from './EntityClusterMeshDnsCard';
