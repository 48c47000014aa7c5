/**
 * Node.js side of ClusterMesh DNS: repository folders as trees, the
 * conventions file, and the `clustermesh-dns` command line.
 *
 * @packageDocumentation
 */
export { readDirectoryTree } from './tree/readDirectoryTree';
export type { DirectoryTreeOptions } from './tree/readDirectoryTree';
export { loadConventions, defaultConventionsFile } from './conventions';
export { runCli } from './cli/run';
export type { CliIo } from './cli/run';
export { formatReportText } from './cli/format';
export {
  writeFilesAtomically,
  resolveInside,
} from './write/writeFilesAtomically';
export type { FileWrite } from './write/writeFilesAtomically';
