/**
 * The ClusterMesh DNS backend plugin.
 *
 * @packageDocumentation
 */
export { clustermeshDnsPlugin as default } from './plugin';
