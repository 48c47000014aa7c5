import {
  CheckResult,
  Finding,
  formatLocation,
  groupChecks,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeProblem, PlanProblem } from './input';
import { recordRow } from '../model/recordsDocument';
import type { MeshDnsChangePlan } from './types';
import { inWords } from '../core/text';

/** At most this many problems are listed per section; the rest are counted. */
const listed = 50;

function problemList(problems: readonly PlanProblem[]): string[] {
  const out = problems
    .slice(0, listed)
    .map(p => `- ${describeProblem(p, '`').replace(/\n\s*/g, ' — ')}`);
  if (problems.length > listed)
    out.push(`- … and ${problems.length - listed} more`);
  return out;
}

/**
 * The pull-request body (or, for a refused change, why): the records, what
 * changes and why, how values are written, the checks, and the errors that
 * were already there and are not touched by the change.
 */
export function summaryMarkdown(plan: MeshDnsChangePlan): string {
  const { problems, alreadyThere, records, decisions } = plan;
  const files = plan.problems.length ? plan.proposed : plan.edits;
  const out: string[] = [];
  if (problems.length) {
    out.push('The change was not planned:', '', ...problemList(problems), '');
    if (!files.length) {
      if (alreadyThere.length)
        out.push(
          '### Already there, not touched by this change',
          '',
          ...problemList(alreadyThere),
          '',
        );
      return out.join('\n');
    }
    out.push('It would have written:', '');
  }
  out.push('## ClusterMesh DNS', '');
  if (records.length)
    out.push(
      '| Cluster | FQDN | Type | IP | TTL |',
      '|---|---|---|---|---|',
      // the summary is committed (a pull request's body): no value given
      // only to this run
      ...records.map(r => recordRow({ ...r, fqdn: r.committedFqdn ?? r.fqdn })),
      '',
    );
  if (plan.removed.length && !files.length)
    out.push(
      // (entries its files still use are kept, each said below)
      `${inWords(plan.removed)} ${
        plan.removed.length === 1 ? 'is' : 'are'
      } out of the mesh already: this run has nothing more to drop.`,
      '',
    );
  else if (plan.removed.length)
    out.push(
      // what each file held for it is in the reasons below: a repository
      // may have had no record or no settings entry of it to drop
      plan.removed.length === 1
        ? `Taken out of the mesh: ${plan.removed[0]}; the files below drop what they held for it.`
        : `Taken out of the mesh: ${plan.removed.join(
            ', ',
          )}; the files below drop what they held for them.`,
      '',
    );
  out.push('### What changes and why', '');
  if (!files.length)
    out.push('Nothing: the repository already says all of this.');
  for (const e of files) {
    out.push(`- \`${e.path}\`${e.before === undefined ? ' (new)' : ''}`);
    for (const r of e.reasons) out.push(`  - ${r}`);
  }
  if (decisions.length)
    out.push(
      '',
      '### How values are written',
      '',
      ...decisions.map(d => `- ${d}`),
    );
  const after = plan.report?.summary;
  if (!problems.length && after) {
    out.push(
      '',
      '### Checks',
      '',
      checksChangeLine(plan, '`'),
      checksLine(
        after,
        plan.report!.clusters.filter(c => c.membership.unknown).length,
        alreadyThere.length > 0,
        [
          ...plan.report!.clusters.flatMap(c => c.checks),
          ...plan.report!.meshChecks,
        ].some(c => c.outcome === 'fail' && c.severity === 'warning'),
      ),
    );
  }
  const warnings = problems.length ? [] : warningsAfter(plan);
  if (warnings.length)
    out.push('', '### Warnings', '', ...warnings.map(line => `- ${line}`));
  // what a reviewer cannot take as checked: each with its reason
  const unevaluated = problems.length ? [] : notEvaluatedAfter(plan);
  if (unevaluated.length)
    out.push(
      '',
      '### Not evaluated here',
      '',
      ...unevaluated.map(line => `- ${line}`),
    );
  if (alreadyThere.length)
    out.push(
      '',
      '### Already there, not touched by this change',
      '',
      ...problemList(alreadyThere),
    );
  out.push('');
  return out.join('\n');
}

/**
 * What the change does to the checks, in one sentence: the rules it makes
 * pass, those no longer failing but not evaluated everywhere, or that none
 * of its rules was failing. Rule ids are quoted with `quote`.
 *
 * @public
 */
export function checksChangeLine(
  plan: Pick<
    MeshDnsChangePlan,
    'fixedRules' | 'unsettledRules' | 'unfixedRules' | 'alreadyThere'
  >,
  quote = '',
): string {
  const list = (rules: string[]) =>
    rules.map(r => `${quote}${r}${quote}`).join(', ');
  const out: string[] = [];
  if (plan.fixedRules.length)
    out.push(`Now passing: ${list(plan.fixedRules)}.`);
  if (plan.unsettledRules.length)
    out.push(
      `No longer failing, but not evaluated for every cluster here: ${list(
        plan.unsettledRules,
      )}.`,
    );
  if (plan.unfixedRules.length)
    out.push(
      `Still failing for a cluster it configures: ${list(
        plan.unfixedRules,
      )}, which nothing the change would write fixes (below).`,
    );
  if (out.length) return out.join(' ');
  return plan.alreadyThere.length
    ? 'No check the change is about was failing before.'
    : 'No check was failing before.';
}

/**
 * The checks of the changed repository that could not be evaluated here,
 * each as its rule, its cluster and why, then the parts not read that a
 * check may read from; at most 50, the rest counted.
 *
 * @public
 */
export function notEvaluatedAfter(plan: MeshDnsChangePlan): string[] {
  if (!plan.report) return [];
  const checks = checksAfter(plan, c => c.outcome === 'not-evaluated');
  // and the parts not read that a check may read from (counted with them)
  const parts = plan.report.notEvaluated.filter(f => f.severity !== 'info');
  const lines = [...checks, ...parts.map(findingLine)];
  const out = lines.slice(0, listed);
  if (lines.length > listed) out.push(`… and ${lines.length - listed} more`);
  return out;
}

/**
 * The warnings of the changed repository (an address no announcement
 * takes), each as its rule, its cluster and why; at most 50, the rest
 * counted. A warning does not stop the change, but a reviewer reads it.
 *
 * @public
 */
export function warningsAfter(plan: MeshDnsChangePlan): string[] {
  if (!plan.report) return [];
  // and the warnings no failed check names as its cause (counted with them)
  const cited = new Set(
    [...plan.report.clusters.flatMap(c => c.checks), ...plan.report.meshChecks]
      .filter(c => c.outcome === 'fail' && c.cause)
      .map(c => c.cause),
  );
  const lines = [
    ...checksAfter(plan, c => c.outcome === 'fail' && c.severity === 'warning'),
    ...plan.report.findings
      .filter(f => f.severity === 'warning' && !cited.has(f.id))
      .map(findingLine),
  ];
  const out = lines.slice(0, listed);
  if (lines.length > listed) out.push(`… and ${lines.length - listed} more`);
  return out;
}

/** A finding on one line: the clusters it concerns, where, then what. */
function findingLine(f: Finding): string {
  const clusters = f.affects?.clusters ?? (f.cluster ? [f.cluster] : []);
  return `${clusters.length ? `${clusters.join(', ')}: ` : ''}${
    f.location ? `${formatLocation(f.location)} ` : ''
  }${f.message}`;
}

/** The checks of the changed repository that `which` takes, one line each. */
function checksAfter(
  plan: MeshDnsChangePlan,
  which: (c: CheckResult) => boolean,
): string[] {
  if (!plan.report) return [];
  // one cause in a file the clusters share, said once naming them
  return groupChecks(
    [
      ...plan.report.clusters.flatMap(c => c.checks),
      ...plan.report.meshChecks,
    ].filter(which),
  ).map(
    ({ check: c, clusters }) =>
      `\`${c.ruleId}\`${clusters.length ? ` ${clusters.join(', ')}` : ''}: ${
        c.message
      }`,
  );
}

/** What the checks of the changed repository say, in one sentence. */
function checksLine(
  after: {
    passed: number;
    clusters: number;
    outside: number;
    warnings: number;
    unevaluated: number;
  },
  /** Clusters of which whether they are in the mesh is not known. */
  unknown: number,
  errorsBefore: boolean,
  /** Whether a check warns (the summary's warnings count findings too). */
  checkWarns: boolean,
): string {
  // the clusters outside the mesh, or not known to be in it, have no
  // checks: not counted as checked
  const checked = after.clusters - after.outside - unknown;
  const counts = `${after.passed} checks pass on ${checked} ${
    checked === 1 ? 'cluster' : 'clusters'
  } (${after.warnings} ${after.warnings === 1 ? 'warning' : 'warnings'}${
    after.outside ? `; ${after.outside} outside the mesh, not checked` : ''
  }${
    unknown ? `; ${unknown} in the mesh or not: not known, not checked` : ''
  })`;
  if (errorsBefore) return `${counts}; the errors below were there before.`;
  if (after.unevaluated)
    return `${counts}; ${after.unevaluated} could not be evaluated here (a value or a source not read offline: listed below).`;
  // "all" only where no check warns: such a check does not pass
  return checkWarns ? `${counts}.` : `All ${counts}.`;
}
