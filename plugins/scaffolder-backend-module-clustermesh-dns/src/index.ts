/**
 * Scaffolder actions for ClusterMesh DNS.
 *
 * @packageDocumentation
 */
export { scaffolderModuleClustermeshDns as default } from './module';
