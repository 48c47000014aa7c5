import {
  formatLocation,
  MeshReport,
  RuleId,
  ruleIds,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { PlanProblem } from './input';
import { errorOutsideTheMesh } from '../report/report';

/** One error of a report, with what is needed to judge whether a change caused it. */
interface ReportError {
  /** What it is, without its line (lines move when a file is edited). */
  identity: string;
  problem: PlanProblem;
  files: string[];
  cluster?: string;
  ruleId?: RuleId;
  /** A finding's code. */
  code?: string;
}

/** Findings that make kustomize fail the whole build they are in. */
export const buildBreaking: ReadonlySet<string> = new Set([
  'yaml-invalid',
  'kustomize-error',
]);

/**
 * The rules a change sets out to satisfy for the clusters it configures:
 * one of these failing for such a cluster after the change stops it, even
 * when it failed before (the change depends on it). The others judge what
 * the change does not write (other pools, the clusters' CA, every value's
 * substitution, the shape of every object): they stop it only when it
 * causes them.
 */
const notChangeRules: ReadonlySet<RuleId> = new Set<RuleId>([
  'pools-disjoint',
  'ca-shared',
  'substitution-complete',
  'manifest-shape',
]);
/**
 * The rules whose failures no written file can cause: what they judge (the
 * clusters' CA) is there before the change, which only brings the clusters
 * together; such a failure is listed, never a refusal.
 */
const notCausedByWriting: ReadonlySet<string> = new Set<RuleId>(['ca-shared']);
const changeRules: ReadonlySet<string> = new Set(
  ruleIds.filter(id => !notChangeRules.has(id)),
);

function locationsOf(
  location: SourceLocation | undefined,
  affects: { examples: { location: SourceLocation }[] } | undefined,
): string[] {
  return [
    ...(location ? [location.file] : []),
    ...(affects?.examples.map(e => e.location.file) ?? []),
  ];
}

/** The errors of a report: findings and failed checks of error severity. */
function errorsOf(report: MeshReport): ReportError[] {
  const out: ReportError[] = [];
  for (const f of report.findings) {
    if (f.severity !== 'error') continue;
    out.push({
      identity: `finding|${f.code}|${f.cluster ?? ''}|${f.message}`,
      problem: {
        field: f.location ? formatLocation(f.location) : 'repository',
        message: f.message,
      },
      files: locationsOf(f.location, f.affects),
      cluster: f.cluster,
      code: f.code,
    });
  }
  for (const c of [
    ...report.clusters.flatMap(r => r.checks),
    ...report.meshChecks,
  ]) {
    if (c.outcome !== 'fail' || c.severity !== 'error') continue;
    out.push({
      identity: `check|${c.ruleId}|${c.cluster ?? ''}|${c.message}`,
      problem: {
        field: c.location
          ? formatLocation(c.location)
          : c.cluster ?? 'repository',
        message: `[${c.ruleId}] ${c.cluster ? `${c.cluster}: ` : ''}${
          c.message
        }`,
        ...(c.remediation && { remedy: c.remediation }),
      },
      files: c.location ? [c.location.file] : [],
      cluster: c.cluster,
      ruleId: c.ruleId,
    });
  }
  return out;
}

/** What the report after a change says about it. @public */
export interface PlanVerdict {
  /** Errors the change causes or depends on: the change is refused for these. */
  caused: PlanProblem[];
  /** Errors that were there before and have nothing to do with the change. */
  alreadyThere: PlanProblem[];
  /**
   * Rules the change is about failing for a cluster it configures, where
   * it writes nothing (a second run): nothing it would write fixes them.
   */
  unfixed: string[];
}

/**
 * Splits the errors of the repository after a change: those the change
 * causes or depends on (new errors; a ClusterMesh DNS rule failing for a
 * cluster it configures; any error in a file it writes or in the build of
 * one) and those already there, not touched by it.
 */
export function judgeChange(
  before: MeshReport,
  after: MeshReport,
  written: ReadonlySet<string>,
  configured: ReadonlySet<string>,
  /** Folders of the builds the written files are in (see plan.ts). */
  buildFolders: readonly string[] = [],
  /**
   * Failed checks (`ruleId|cluster`) a refusal of the input already states
   * (an address outside its pool): not said a second time.
   */
  statedByInput: ReadonlySet<string> = new Set(),
  /**
   * Files whose problem fails the build of a Flux Kustomization that
   * applies a written file, wherever they are (a folder its kustomization
   * takes in from elsewhere): the file, and that Kustomization.
   */
  breakingApplier: ReadonlyMap<string, readonly string[]> = new Map(),
  /**
   * Why an error new in the report after was not known before, though the
   * change does not cause it (a source the change creates was one whose
   * keys were not known): said instead of refusing; undefined otherwise.
   */
  knownOnlyNow: (error: {
    code?: string;
    ruleId?: RuleId;
    message: string;
    files: readonly string[];
  }) => string | undefined = () => undefined,
  /**
   * The folders of the builds each broken file fails, where the render
   * knows them: a file under a written file's build folder that only a
   * deeper build takes in (a subfolder with its own kustomization, which
   * Flux's generated one does not enter) does not fail that build.
   */
  failedBuildPaths: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): PlanVerdict {
  const earlier = new Set([
    ...errorsOf(before).map(e => e.identity),
    // an error said as a warning only because its clusters were outside
    // the mesh, which the change brings them into: there before
    ...before.findings.flatMap(f => {
      const message =
        f.severity === 'warning' ? errorOutsideTheMesh(f.message) : undefined;
      return message === undefined
        ? []
        : [`finding|${f.code}|${f.cluster ?? ''}|${message}`];
    }),
  ]);
  const caused: PlanProblem[] = [];
  const alreadyThere: PlanProblem[] = [];
  const unfixed = new Set<string>();
  for (const e of errorsOf(after)) {
    if (statedByInput.has(`${e.ruleId}|${e.cluster}`)) continue;
    const unknownBefore = earlier.has(e.identity)
      ? undefined
      : knownOnlyNow({
          code: e.code,
          ruleId: e.ruleId,
          message: e.problem.message,
          files: e.files,
        });
    if (unknownBefore) {
      alreadyThere.push({
        ...e.problem,
        message: `${e.problem.message} (${unknownBefore})`,
      });
      continue;
    }
    const aboutConfigured =
      e.cluster !== undefined
        ? configured.has(e.cluster)
        : [...configured].some(c =>
            new RegExp(`(^|[^a-z0-9-])${c}($|[^a-z0-9-])`).test(
              e.problem.message,
            ),
          );
    if (!earlier.has(e.identity)) {
      // two CAs are there before the change, which cannot write one (a
      // secret): said, not a reason to refuse the clusters' entries
      if (e.ruleId !== undefined && notCausedByWriting.has(e.ruleId))
        alreadyThere.push(e.problem);
      else caused.push(e.problem);
      continue;
    }
    // there before: it stops the change only when the change depends on
    // it, and the refusal says how
    const inWritten = e.files.find(f => written.has(f));
    // a problem of the build a written file is in fails that file too
    const inBuild =
      e.code !== undefined && buildBreaking.has(e.code)
        ? buildFolders
            .filter(d =>
              e.files.some(
                f =>
                  f.startsWith(`${d}/`) &&
                  (failedBuildPaths.get(f)?.has(d) ?? true),
              ),
            )
            // the nearest build that holds it
            .sort((a, b) => b.length - a.length)[0]
        : undefined;
    const appliers =
      e.code !== undefined && buildBreaking.has(e.code)
        ? e.files.map(f => breakingApplier.get(f)).find(Boolean)
        : undefined;
    const dependedOn =
      aboutConfigured && e.ruleId !== undefined && changeRules.has(e.ruleId);
    // nothing to write (a second run): no change to stop, the failure is
    // listed, and said as not fixed where the change is about it
    if (!written.size) {
      alreadyThere.push(e.problem);
      if (dependedOn) unfixed.add(e.ruleId!);
      continue;
    }
    let why: string | undefined;
    if (inWritten) why = `the change writes ${inWritten}`;
    else if (inBuild)
      why = `kustomize fails the build of ${inBuild}, where the change writes`;
    else if (appliers)
      why = `it fails ${
        appliers.length > 1 ? 'Kustomizations' : 'Kustomization'
      } ${appliers.join(', ')}, which ${
        appliers.length > 1 ? 'apply' : 'applies'
      } what the change writes`;
    else if (dependedOn)
      why = `the change sets out to satisfy ${e.ruleId} for ${
        e.cluster ?? 'the clusters it configures'
      }`;
    if (why)
      caused.push({
        ...e.problem,
        message: `${e.problem.message} (already there; it stops the change because ${why})`,
      });
    else alreadyThere.push(e.problem);
  }
  return {
    caused: sameForObjects(sameForClusters(caused)),
    alreadyThere: sameForObjects(sameForClusters(alreadyThere)),
    unfixed: [...unfixed].sort(),
  };
}

/**
 * The problems that differ only in one part of the message (the rest of
 * it, the field and the remedy alike) said once: `pattern` captures the
 * text before that part, the part, and the text after; `say` writes the
 * one message from the parts of each.
 */
function sameCause(
  problems: PlanProblem[],
  pattern: RegExp,
  say: (before: string, parts: string[], after: string) => string,
): PlanProblem[] {
  const groups = new Map<
    string,
    { problem: PlanProblem; before: string; after: string; parts: string[] }
  >();
  const out: (PlanProblem | string)[] = [];
  for (const problem of problems) {
    const m = pattern.exec(problem.message);
    if (!m) {
      out.push(problem);
      continue;
    }
    const [, before, part, after] = m;
    const key = `${problem.field}|${before}|${after}|${problem.remedy ?? ''}`;
    const seen = groups.get(key);
    if (seen) seen.parts.push(part);
    else {
      groups.set(key, { problem, before, after, parts: [part] });
      out.push(key);
    }
  }
  return out.map(p => {
    if (typeof p !== 'string') return p;
    const { problem, before, after, parts } = groups.get(p)!;
    return parts.length === 1
      ? problem
      : { ...problem, message: say(before, parts, after) };
  });
}

/**
 * A check failing alike for several clusters (one shared pool block
 * overlapping itself, at one line, with one fix): said once, naming them.
 */
function sameForClusters(problems: PlanProblem[]): PlanProblem[] {
  return sameCause(
    problems,
    /^(\[[a-z-]+\] )([a-z0-9][a-z0-9-]*)(: [^]*)$/,
    (before, clusters, after) =>
      `${before}${[...clusters].sort().join(', ')}${after}`,
  );
}

/**
 * A check failing alike for many objects at one line (a parent's patch
 * giving every child Kustomization one bad value): said once, naming a
 * few and counting the rest.
 */
function sameForObjects(problems: PlanProblem[]): PlanProblem[] {
  return sameCause(
    problems,
    /^(\[[a-z-]+\] [^:]+: [A-Z][A-Za-z]+) ([a-z0-9.-]+\/[a-z0-9.-]+)(: [^]*)$/,
    (before, names, after) =>
      `${before}s ${names.slice(0, 3).join(', ')}${
        names.length > 3 ? ` and ${names.length - 3} more` : ''
      }${after}`,
  );
}
