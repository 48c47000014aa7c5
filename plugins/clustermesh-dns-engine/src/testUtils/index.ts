/**
 * Test helpers of the ClusterMesh DNS engine: synthetic meshes of any size,
 * for benchmarks and property tests.
 *
 * @packageDocumentation
 */
export type { SyntheticMeshOptions } from './syntheticMesh';
export {
  generateSyntheticMesh,
  syntheticClusterAddress,
  syntheticClusterName,
} from './syntheticMesh';
