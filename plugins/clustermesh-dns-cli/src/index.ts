/**
 * The `clustermesh-dns` command line, for tests and embedding: the
 * published package runs its bundle (`bin/clustermesh-dns`).
 *
 * @packageDocumentation
 */
export { runCli } from './cli/run';
export type { CliIo } from './cli/run';
export { formatReportText } from './cli/format';
