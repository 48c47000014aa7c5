/**
 * Node.js side of ClusterMesh DNS: repository folders as trees, the
 * conventions file, and atomic writes of a planned change.
 *
 * @packageDocumentation
 */
export { readDirectoryTree } from './tree/readDirectoryTree';
export type { DirectoryTreeOptions } from './tree/readDirectoryTree';
export { checkedOutBranch } from './tree/checkedOutBranch';
export { loadConventions, defaultConventionsFile } from './conventions';
export type { LoadConventionsOptions } from './conventions';
export {
  writeFilesAtomically,
  resolveInside,
} from './write/writeFilesAtomically';
export type { FileWrite } from './write/writeFilesAtomically';
