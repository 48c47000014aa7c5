/**
 * The ClusterMesh DNS engine: reads a Flux GitOps repository as Flux would
 * apply it, builds the mesh model, runs the rule catalog and plans the
 * change. Pure TypeScript over a repository tree; no I/O. Used by the
 * backend, the scaffolder action and the CLI; the browser uses
 * `@clustermesh-dns/backstage-plugin-clustermesh-dns-common` instead.
 *
 * @packageDocumentation
 */

// repository trees
export type { RepoTree, RepoTreeInput } from './tree/RepoTree';
export { createRepoTree, MemoryRepoTree, normalizePath } from './tree/RepoTree';
export { overlayTree } from './tree/overlay';

// what is remembered between validations
export type { EngineCacheLimits } from './cache/EngineCache';
export { EngineCache, defaultEngineCacheLimits } from './cache/EngineCache';

// conventions
export type {
  MeshConventions,
  MeshConventionsInput,
} from './conventions/schema';
export { conventionsSchema, defaultConventions } from './conventions/schema';
export {
  ConventionsError,
  parseConventions,
  readConventionsFile,
  resolveConventions,
} from './conventions/resolve';
export { detectConventions } from './conventions/detect';
export { isClusterMeshVariable } from './conventions/templates';
export type { ConventionDetection } from './conventions/detect';

// validation
export type { ValidateOptions } from './report/report';
export { validateMesh } from './report/report';
export type { ClusterPoolInfo, MeshInspection } from './report/inspect';
export { inspectMesh } from './report/inspect';

// the change
export type { MeshDnsChangeInput, PlanProblem } from './plan/input';
export { describeProblem } from './plan/input';
export type { FileEdit } from './plan/transaction';
export type { MeshDnsChangePlan, MeshDnsRecord } from './plan/types';
export type { PlanOptions } from './plan/plan';
export { planMeshDnsChange } from './plan/plan';
export {
  checksChangeLine,
  notEvaluatedAfter,
  warningsAfter,
} from './plan/summary';
