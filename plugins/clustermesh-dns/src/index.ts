/**
 * ClusterMesh DNS frontend plugin.
 *
 * @packageDocumentation
 */
export { clustermeshDnsPlugin as default } from './plugin';
export { clustermeshDnsApiRef } from './api';
