import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConventionsError,
  validateMesh,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { readDirectoryTree } from '../tree/readDirectoryTree';
import { loadConventions } from '../conventions';
import { formatReportText } from './format';

/** Where the CLI writes; injectable for tests. @public */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

const usage = `Usage: clustermesh-dns <command> [options]

Commands:
  validate <repo-dir>   Render every cluster as Flux would and run the ClusterMesh DNS rules.

Options:
  --config <file>       Conventions file (default: <repo-dir>/.clustermesh-dns.yaml if present)
  --format text|json    Output format (default: text); json prints the MeshReport
  --verbose             Also list passed and skipped checks (text format)
  -h, --help            Show this help

Exit status: 0 no errors, 1 errors found, 2 bad usage or unreadable repository.`;

class UsageError extends Error {}

const defaultIo: CliIo = {
  stdout: text => process.stdout.write(`${text}\n`),
  stderr: text => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
};

/**
 * Runs the clustermesh-dns command line; resolves to the exit status.
 *
 * @public
 */
export async function runCli(
  argv: string[],
  io: CliIo = defaultIo,
): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (
      !command ||
      command === '-h' ||
      command === '--help' ||
      command === 'help'
    ) {
      if (!command) {
        io.stderr(usage);
        return 2;
      }
      io.stdout(usage);
      return 0;
    }
    if (command === 'validate') return validate(rest, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`clustermesh-dns: ${error.message}\n\n${usage}`);
      return 2;
    }
    if (error instanceof ConventionsError) {
      io.stderr(`clustermesh-dns: ${error.message}`);
      return 2;
    }
    io.stderr(`clustermesh-dns: ${(error as Error).message}`);
    return 2;
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'text' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function validate(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('validate takes exactly one <repo-dir>');
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(
      `--format must be text or json, not "${values.format}"`,
    );
  }
  const repoDir = path.resolve(io.cwd, positionals[0]);
  const tree = readDirectoryTree(repoDir);
  const conventions = loadConventions(
    tree,
    repoDir,
    values.config && path.resolve(io.cwd, values.config),
  );
  const report = validateMesh(tree, conventions);
  io.stdout(
    values.format === 'json'
      ? JSON.stringify(report, null, 2)
      : formatReportText(report, positionals[0], { verbose: values.verbose }),
  );
  return report.summary.errors > 0 ? 1 : 0;
}
