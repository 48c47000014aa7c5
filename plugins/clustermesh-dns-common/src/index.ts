/**
 * ClusterMesh DNS: the mesh model, offline Flux rendering and the rule
 * catalog, as pure functions over a repository tree. Runs in the browser
 * and in Node.
 *
 * @packageDocumentation
 */
export * from './tree/RepoTree';
export * from './yaml/documents';
export * from './net/ip';
export * from './net/names';
export * from './flux/envsubst';
export * from './flux/substitute';
export * from './flux/kustomize';
export * from './flux/YamlFileCache';
export * from './flux/render';
export * from './model/types';
export * from './model/locate';
export * from './model/conventions';
export * from './model/mesh';
export * from './rules/types';
export * from './rules/catalog';
export * from './rules/shapes';
export * from './report';
export * from './model/detect';
export * from './api/client';
export * from './testing/syntheticMesh';
export * from './model/settings';
export * from './yaml/edit';
export * from './edit/plan';
