import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import {
  ConventionsError,
  describeProblem,
  EngineCache,
  isClusterMeshVariable,
  notEvaluatedAfter,
  warningsAfter,
  planMeshDnsChange,
  PlanProblem,
  validateMesh,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import {
  loadConventions,
  readDirectoryTree,
  writeFilesAtomically,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import type { MeshSummary } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { formatReportText, unknownValuesLines } from './format';

/** Where the CLI writes; injectable for tests. @public */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

const exitStatus =
  'Exit status: 0 no errors, 1 errors found (or what --fail-on names) or change refused, 2 bad usage or unreadable repository.';
const validateExitStatus =
  'Exit status: 0 no errors, 1 errors found (or what --fail-on names), 2 bad usage, unreadable repository or conventions file.';
const configureExitStatus =
  'Exit status: 0 written, nothing to change, or a dry run of a change that would be accepted; 1 change refused; 2 bad usage, unreadable repository or conventions file.';

const usage = `Usage: clustermesh-dns [options] [command]

Checks and writes the ClusterMesh DNS configuration of a Flux GitOps repository.

Options:
  -h, --help                      display help for command

Commands:
  validate [options] <repo-dir>   render every cluster as Flux would and run the rules
  configure [options] <repo-dir>  write the ClusterMesh DNS change, validated first

${exitStatus}`;

const commonOptions = `  --config <file>          conventions file (default: <repo-dir>/.clustermesh-dns.yaml if present)
  --value <NAME>=<value>   value of a variable the repository keeps secret, e.g. SECRET_DOMAIN=example.net
                           (repeat it; wins over the conventions file's values); <cluster>:<NAME>=<value>
                           gives one cluster its own (its Secret holds another value than the others')
  --fqdn-template <text>   the clusters' FQDN, {cluster} for the name, e.g. '{cluster}.mesh.\${SECRET_DOMAIN}'
                           (wins over the conventions file's fqdnTemplate and what is detected)
  --branch <name>          the branch <repo-dir> holds (default: its checkout's, from .git/HEAD);
                           where the clusters' Flux tracks different branches, those on another
                           branch are not evaluated
  --format <format>        text (default) or json`;

const commandUsage: Record<'validate' | 'configure', string> = {
  validate: `Usage: clustermesh-dns validate [options] <repo-dir>

Render every cluster as Flux would and run the ClusterMesh DNS rules.

Options:
${commonOptions}: the MeshReport
  --verbose                also list passed and not applicable checks (text format)
  --fail-on <level>        exit 1 on: error (default), warning (errors or warnings),
                           or not-evaluated (anything but a full pass)
  -h, --help               display help for command

${validateExitStatus}`,
  configure: `Usage: clustermesh-dns configure [options] <repo-dir>

Write the ClusterMesh DNS change (settings, DNSEndpoint or records document,
Cilium values) in place, validated first. Name every cluster of a new mesh,
or only those to add or re-address in a running one (the others learn them
as peers). Nothing is written when the change causes or depends on an error;
errors that were already there are listed, not fixed.

Options:
  --cluster <name>=<ip>    a cluster and its clustermesh-apiserver LB IP (repeat it)
  --remove <name>          take a cluster out of the mesh: its settings entries, its
                           record and every peer's entry for it (repeat it); its own
                           Cilium values must switch ClusterMesh off first
                           (clustermesh.useAPIServer, clustermesh.config.enabled:
                           false), which the refusal names where they do not
${commonOptions}: the plan (edits, records, problems, summary)
  --dry-run                print the unified diff (also of a change refused for its
                           result, with the reasons; one refused before it could
                           be planned has none, and says why), write nothing
  --ttl <seconds>          record TTL (default: the conventions, 300)
  --mode <mode>            externaldns (a DNSEndpoint) or manual (a records document); default: the
                           conventions' dns.mode, else manual where no ExternalDNS of the repository
                           reads DNSEndpoints and it has no DNSEndpoint CRD or DNSEndpoint, else externaldns
  -h, --help               display help for command

${configureExitStatus}`,
};

class UsageError extends Error {
  constructor(message: string, readonly command?: 'validate' | 'configure') {
    super(message);
  }
}

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
    if (command === 'configure') return configure(rest, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `clustermesh-dns: ${error.message}\n\n${
          error.command ? commandUsage[error.command] : usage
        }`,
      );
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

function parse(args: string[], command: 'validate' | 'configure') {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'text' },
        verbose: { type: 'boolean', default: false },
        cluster: { type: 'string', multiple: true },
        remove: { type: 'string', multiple: true },
        value: { type: 'string', multiple: true },
        'fqdn-template': { type: 'string' },
        branch: { type: 'string' },
        'fail-on': { type: 'string', default: 'error' },
        'dry-run': { type: 'boolean', default: false },
        ttl: { type: 'string' },
        mode: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/** Parses the options common to the commands (nothing is checked for --help). */
function open(command: 'validate' | 'configure', args: string[]) {
  const { values, positionals } = parse(args, command);
  if (values.help) return { values, repo: '' };
  if (positionals.length !== 1)
    throw new UsageError(`${command} takes exactly one <repo-dir>`, command);
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(
      `--format must be text or json, not "${values.format}"`,
      command,
    );
  }
  return { values, repo: positionals[0] };
}

const variableName = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * `--value NAME=VALUE` and `--value <cluster>:NAME=VALUE`, repeated: the
 * values of secret variables, for every cluster or for one.
 */
function variableValues(
  specs: string[] | undefined,
  command: 'validate' | 'configure',
): {
  values: Record<string, string>;
  valuesByCluster: Record<string, Record<string, string>>;
} {
  const values: Record<string, string> = {};
  const valuesByCluster: Record<string, Record<string, string>> = {};
  for (const spec of specs ?? []) {
    const at = spec.indexOf('=');
    const target = at < 0 ? spec : spec.slice(0, at);
    const colon = target.indexOf(':');
    const cluster = colon < 0 ? undefined : target.slice(0, colon);
    const name = colon < 0 ? target : target.slice(colon + 1);
    if (at <= 0 || !variableName.test(name) || cluster === '')
      throw new UsageError(
        `--value takes <NAME>=<value> or <cluster>:<NAME>=<value> with NAME a variable name (letters, digits, _), not "${spec}"`,
        command,
      );
    const value = spec.slice(at + 1);
    if (cluster === undefined) values[name] = value;
    else (valuesByCluster[cluster] ??= {})[name] = value;
  }
  return { values, valuesByCluster };
}

/** Reads the repository and its conventions, with the options common to the commands. */
function readRepository(
  repo: string,
  options: {
    config?: string;
    value?: string[];
    'fqdn-template'?: string;
    branch?: string;
  },
  command: 'validate' | 'configure',
  io: CliIo,
) {
  const { values, valuesByCluster } = variableValues(options.value, command);
  const fqdnTemplate = options['fqdn-template'];
  const branch = options.branch?.trim();
  if (options.branch !== undefined && !branch)
    throw new UsageError('--branch must name a branch, not be empty', command);
  if (fqdnTemplate !== undefined && !fqdnTemplate.includes('{cluster}'))
    throw new UsageError(
      `--fqdn-template must contain {cluster} (where each cluster's name goes), not "${fqdnTemplate}"`,
      command,
    );
  const repoDir = path.resolve(io.cwd, repo);
  const tree = readDirectoryTree(repoDir);
  // one run, one cache: detection and validation read the same files
  const cache = new EngineCache();
  const conventions = loadConventions(
    tree,
    repoDir,
    options.config && path.resolve(io.cwd, options.config),
    // the user's own checkout: a Secret kept in clear there is read
    {
      cache,
      values,
      valuesByCluster,
      fqdnTemplate,
      branch,
      readPlainSecrets: true,
    },
  );
  return { repoDir, tree, conventions, cache };
}

/**
 * The option of the command line that gave an input field of the plan
 * (`clusters[1].ip` is the second `--cluster`); other fields (a file) as
 * they are.
 */
function optionOf(
  field: string,
  clusters: readonly { name: string; ip: string }[],
  remove: readonly string[],
): string {
  const cluster = /^clusters\[(\d+)\](?:\.(?:name|ip))?$/.exec(field);
  if (cluster && clusters[Number(cluster[1])]) {
    const { name, ip } = clusters[Number(cluster[1])];
    return `--cluster ${name}=${ip}`;
  }
  if (field === 'clusters') return '--cluster';
  const removed = /^remove\[(\d+)\]$/.exec(field);
  if (removed && remove[Number(removed[1])] !== undefined)
    return `--remove ${remove[Number(removed[1])]}`;
  if (field === 'remove' || field === 'ttl' || field === 'mode')
    return `--${field}`;
  return field;
}

function configure(args: string[], io: CliIo): number {
  const { values, repo } = open('configure', args);
  if (values.help) {
    io.stdout(commandUsage.configure);
    return 0;
  }
  const clusters = (values.cluster ?? []).map(spec => {
    const at = spec.indexOf('=');
    if (at <= 0)
      throw new UsageError(
        `--cluster takes <name>=<ip>, not "${spec}"`,
        'configure',
      );
    return { name: spec.slice(0, at), ip: spec.slice(at + 1) };
  });
  const remove = values.remove ?? [];
  if (!clusters.length && !remove.length)
    throw new UsageError(
      'configure needs at least one --cluster <name>=<ip> (or --remove <name>)',
      'configure',
    );
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !/^\s*\d+\s*$/.test(values.ttl!))
    throw new UsageError(
      `--ttl must be a whole number of seconds, not "${values.ttl}"`,
      'configure',
    );
  if (
    values.mode !== undefined &&
    values.mode !== 'externaldns' &&
    values.mode !== 'manual'
  )
    throw new UsageError(
      `--mode must be externaldns or manual, not "${values.mode}"`,
      'configure',
    );
  const { repoDir, tree, conventions, cache } = readRepository(
    repo,
    values,
    'configure',
    io,
  );
  const plan = planMeshDnsChange(
    tree,
    {
      clusters,
      remove: remove.length ? remove : undefined,
      ttl,
      mode: values.mode as 'externaldns' | 'manual' | undefined,
    },
    conventions,
    { cache },
  );
  const text = values.format === 'text';
  if (!text) {
    const { report: _report, summary: _summary, ...rest } = plan;
    // what the text lists after the change, for a CI job reading the JSON
    const after = plan.problems.length
      ? {}
      : {
          warningsAfter: warningsAfter(plan),
          notEvaluatedAfter: notEvaluatedAfter(plan),
        };
    io.stdout(
      JSON.stringify({ ...rest, ...after, summary: plan.summary }, null, 2),
    );
  }
  if (values['dry-run'] && text) {
    for (const edit of plan.proposed) {
      io.stdout(
        createTwoFilesPatch(
          edit.before === undefined ? '/dev/null' : `a/${edit.path}`,
          `b/${edit.path}`,
          edit.before ?? '',
          edit.after,
          undefined,
          undefined,
          { context: 3 },
        ).replace(/^=+\n/, ''),
      );
      // why, as the summary of a change made says it
      if (edit.reasons.length)
        io.stdout(
          `Why ${edit.path}:\n${edit.reasons
            .map(r => `  - ${r}`)
            .join('\n')}\n`,
        );
    }
    for (const decision of plan.decisions) io.stdout(decision);
    // each list counted in full (a long one ends with "… and N more"), in
    // checks: one line says one cause, for every cluster it concerns
    // the summary counts checks with the findings no check names (a part
    // not read, a Flux warning): said apart, a part is no check
    const all = plan.report
      ? [
          ...plan.report.clusters.flatMap(c => c.checks),
          ...plan.report.meshChecks,
        ]
      : [];
    const counted = (
      total: number,
      checks: number,
      [one, many]: [string, string],
    ) => {
      const others = total - checks;
      return [
        checks || !others
          ? `${checks} ${checks === 1 ? 'check' : 'checks'}`
          : '',
        others ? `${others} ${others === 1 ? one : many}` : '',
      ]
        .filter(Boolean)
        .join(', ');
    };
    const after = plan.report?.summary;
    const warnings = plan.problems.length ? [] : warningsAfter(plan);
    if (warnings.length)
      io.stdout(
        `Warnings after the change (${counted(
          after?.warnings ?? 0,
          all.filter(c => c.outcome === 'fail' && c.severity === 'warning')
            .length,
          ['finding', 'findings'],
        )}):\n${warnings.map(line => `  ${line}`).join('\n')}`,
      );
    const unevaluated = plan.problems.length ? [] : notEvaluatedAfter(plan);
    if (unevaluated.length)
      io.stdout(
        `Not evaluated here after the change (${counted(
          after?.unevaluated ?? 0,
          all.filter(c => c.outcome === 'not-evaluated').length,
          ['part not read', 'parts not read'],
        )}):\n${unevaluated.map(line => `  ${line}`).join('\n')}`,
      );
    // the values this run could give, as validate names them
    const unknown = unknownValuesLines(
      unevaluated,
      isClusterMeshVariable(conventions),
    ).filter(Boolean);
    if (unknown.length) io.stdout(unknown.join('\n'));
  }
  // problems name the options the user typed, not the input's fields
  const describe = (p: PlanProblem) =>
    describeProblem({ ...p, field: optionOf(p.field, clusters, remove) });
  // a written change says it in its summary
  const listAlreadyThere = values['dry-run'] || plan.problems.length > 0;
  if (text && listAlreadyThere && plan.alreadyThere.length)
    io.stdout(
      `Already there, not touched by this change (${
        plan.alreadyThere.length
      }):\n${plan.alreadyThere.map(p => `  ${describe(p)}`).join('\n')}`,
    );
  if (plan.problems.length) {
    let diffNote = '';
    if (values['dry-run'])
      diffNote = plan.proposed.length
        ? ' (the diff above is what it would have written)'
        : ' (no diff: nothing could be planned past these problems)';
    if (text)
      io.stderr(
        `clustermesh-dns: change refused, nothing was written${diffNote}:\n${plan.problems
          .map(p => `  ${describe(p)}`)
          .join('\n')}`,
      );
    return 1;
  }
  if (values['dry-run']) {
    if (text)
      io.stdout(
        `${plan.edits.length} file(s) would change (dry run, nothing written)`,
      );
    return 0;
  }
  const bytes = writeFilesAtomically(repoDir, plan.edits);
  if (values.format === 'text') {
    io.stdout(plan.summary);
    io.stdout(
      plan.edits.length
        ? `Wrote ${plan.edits.length} file(s), ${bytes} bytes`
        : 'Nothing to change',
    );
  }
  return 0;
}

function validate(args: string[], io: CliIo): number {
  const { values, repo } = open('validate', args);
  if (values.help) {
    io.stdout(commandUsage.validate);
    return 0;
  }
  const failOn = values['fail-on'];
  if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'not-evaluated')
    throw new UsageError(
      `--fail-on must be error, warning or not-evaluated, not "${failOn}"`,
      'validate',
    );
  const { tree, conventions, cache } = readRepository(
    repo,
    values,
    'validate',
    io,
  );
  const report = validateMesh(tree, conventions, { cache });
  io.stdout(
    values.format === 'json'
      ? JSON.stringify(report, null, 2)
      : formatReportText(report, repo, {
          verbose: values.verbose,
          perCluster: isClusterMeshVariable(conventions),
        }),
  );
  return failsOn(report.summary, failOn) ? 1 : 0;
}

/** Whether the report fails the run at the `--fail-on` level. */
function failsOn(
  summary: MeshSummary,
  level: 'error' | 'warning' | 'not-evaluated',
): boolean {
  if (summary.errors > 0) return true;
  if (level === 'error') return false;
  if (summary.warnings > 0) return true;
  // anything but a full pass: unevaluated checks, and features not evaluated
  return (
    level === 'not-evaluated' &&
    (summary.status !== 'pass' || summary.unevaluated > 0)
  );
}
