import type {
  CheckCounts,
  ConventionOverride,
  CheckResult,
  ClusterReport,
  DeclaredStatus,
  DetectedConvention,
  Finding,
  MeshReport,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clusterRecordRow } from '../model/recordsDocument';
import { EngineFinding, findingId, groupKeyOf } from '../core/finding';
import { inWords } from '../core/text';
import {
  formatLocation,
  recordTypeFor,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineCache } from '../cache/EngineCache';
import type { MeshConventions } from '../conventions/schema';
import { buildMeshModel, namesCilium } from '../model/build';
import { peersHostsEntries } from '../model/coreDnsHosts';
import {
  peerKnownByEntry,
  poolOfAddress,
  recordsOfCluster,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { clusterRefs, proposedToRef } from '../model/sourceRefs';
import { rules } from '../rules';
import { ruleResults } from '../rules/rule';
import type { RepoTree } from '../tree/RepoTree';

/** Failing, warnings, not evaluated or passing: unknown is never pass. */
function statusOf(
  checks: CheckResult[],
  findings: Finding[] = [],
): DeclaredStatus {
  if (
    checks.some(c => c.outcome === 'fail' && c.severity === 'error') ||
    findings.some(f => f.severity === 'error')
  )
    return 'fail';
  if (
    checks.some(c => c.outcome === 'fail') ||
    findings.some(f => f.severity === 'warning')
  )
    return 'warn';
  if (checks.some(c => c.outcome === 'not-evaluated')) return 'not-evaluated';
  return 'pass';
}

/** A cluster's status: a member's from its checks; not checked otherwise. */
function rowStatus(
  cluster: ClusterModel,
  checks: CheckResult[],
  findings: Finding[],
): DeclaredStatus {
  if (cluster.membership.member) return statusOf(checks, findings);
  // whether it is in the mesh is not known: it is not passed, and where
  // Flux fails on its files (an entry that does not build) it fails
  if (cluster.membershipUnknown)
    return findings.some(f => f.severity === 'error')
      ? 'fail'
      : 'not-evaluated';
  // not checked: the repository's findings still count in the summary
  return 'outside';
}

/** The report's status from its checks and its clusters' rows. */
function meshStatus(
  mesh: MeshModel,
  clusters: ClusterReport[],
  checked: DeclaredStatus,
): DeclaredStatus {
  // no cluster at all (a repository of one cluster): nothing was checked
  if (clusters.length === 0 && checked !== 'fail') return 'outside';
  if (checked === 'fail') return checked;
  const unknown = clusters.some(c => c.status === 'not-evaluated');
  // no cluster in the mesh: nothing was checked, so nothing passed (the
  // warnings of clusters outside it are said, not a verdict on a mesh);
  // one that may be in it keeps that open
  if (mesh.members.length === 0 && clusters.length > 0)
    return unknown ? 'not-evaluated' : 'outside';
  if (checked !== 'pass') return checked;
  // a cluster that may be in the mesh, not checked, keeps it from passing
  if (unknown) return 'not-evaluated';
  return checked;
}

function countsOf(checks: CheckResult[]): CheckCounts {
  const counts: CheckCounts = {
    passed: 0,
    failed: 0,
    warnings: 0,
    notApplicable: 0,
    notEvaluated: 0,
  };
  for (const c of checks) {
    if (c.outcome === 'pass') counts.passed++;
    else if (c.outcome === 'fail') {
      if (c.severity === 'error') counts.failed++;
      else counts.warnings++;
    } else if (c.outcome === 'not-applicable') counts.notApplicable++;
    else counts.notEvaluated++;
  }
  return counts;
}

/**
 * The findings with their ids, as the report's schema defines them: only
 * its fields, not what the engine keeps beside them for its own use.
 */
const withIds = (findings: EngineFinding[]): Finding[] =>
  findings.map(f => {
    const out: Finding = {
      id: findingId(f),
      code: f.code,
      severity: f.severity,
      message: f.message,
    };
    if (f.location) out.location = f.location;
    if (f.unlocated !== undefined) out.unlocated = f.unlocated;
    if (f.cluster !== undefined) out.cluster = f.cluster;
    if (f.affects) out.affects = f.affects;
    return out;
  });

/**
 * The cluster's record as the repository keeps it in manual mode: the
 * peers' CoreDNS hosts entries, else the records document's row for it
 * (`missing` where the document is there without one: no record kept);
 * its TTL, or the conventions'.
 */
function manualRecord(
  mesh: MeshModel,
  cluster: ClusterModel,
): { ttl: number; location?: SourceLocation; missing?: boolean } {
  const { dns } = mesh.conventions;
  const hosts = peersHostsEntries(mesh, cluster).flatMap(p => p.entries)[0];
  if (hosts?.ttl !== undefined) return { ttl: hosts.ttl };
  const { file, present, row } = clusterRecordRow(mesh, cluster);
  if (!row) return { ttl: dns.ttl, missing: present && !hosts };
  return {
    ttl:
      row.ttl !== undefined && /^\d+$/.test(row.ttl)
        ? Number(row.ttl)
        : dns.ttl,
    location: { file, line: row.line },
  };
}

/** One cluster's row, from the same queries the rules ask. */
function clusterRow(
  mesh: MeshModel,
  cluster: ClusterModel,
  checks: CheckResult[],
  /** The findings of reading and rendering that concern this cluster. */
  findings: Finding[],
): ClusterReport {
  const { conventions } = mesh;
  const ip = cluster.lbIpAddress;
  const pool = ip ? poolOfAddress(mesh, cluster, ip) : undefined;
  const record = recordsOfCluster(cluster)[0]?.record;
  const manual =
    conventions.dns.mode === 'manual' ? manualRecord(mesh, cluster) : undefined;
  return {
    name: cluster.name,
    dir: cluster.dir,
    entry: cluster.render.root,
    membership: cluster.membershipUnknown
      ? { ...cluster.membership, unknown: true }
      : cluster.membership,
    // a value only a source of unknown keys may hold is not shown as set
    fqdn:
      cluster.fqdn && !cluster.fqdn.unverified
        ? {
            template: cluster.fqdn.raw,
            resolved: cluster.fqdn.value,
            secret: cluster.fqdn.value.includes('<secret:'),
            location: cluster.fqdn.location,
          }
        : undefined,
    lbIp:
      cluster.lbIp && !cluster.lbIp.unverified
        ? {
            value: cluster.lbIp.value,
            family: ip?.family,
            location: cluster.lbIp.location,
          }
        : undefined,
    pool:
      pool?.kind === 'in-pool'
        ? {
            name: pool.pool.name,
            block: pool.block.text,
            location: pool.block.location,
          }
        : undefined,
    record: {
      // none kept where the records document has no row for it
      type: ip && !manual?.missing ? recordTypeFor(ip.family) : undefined,
      ttl:
        manual?.ttl ??
        (typeof record?.recordTTL === 'number'
          ? record.recordTTL
          : conventions.dns.ttl),
      mode: conventions.dns.mode,
      // a DNSEndpoint is no record in manual mode: the document's row is
      location: manual ? manual.location : record?.location,
    },
    peers: {
      expected: cluster.peers.length,
      // a peer without a variable may be known by its mesh entry's address
      missing: cluster.peers
        .filter(
          (p, i) =>
            cluster.peerValues()[i] === undefined &&
            !peerKnownByEntry(mesh, cluster, p.peer),
        )
        .map(p => p.peer),
    },
    status: rowStatus(cluster, checks, findings),
    counts: countsOf(checks),
    checks,
  };
}

/**
 * Runs every rule over the members of the mesh, as the conventions have
 * them: a rule switched off gives one "not applicable" result, a rule given
 * another severity fails with it.
 *
 * @public
 */
export function runRules(mesh: MeshModel): CheckResult[] {
  const results: CheckResult[] = [];
  const { conventions } = mesh;
  for (const rule of rules) {
    const override = conventions.rules[rule.id];
    if (override === 'off') {
      if (mesh.members.length)
        results.push({
          ruleId: rule.id,
          outcome: 'not-applicable',
          severity: 'info',
          message: `switched off in the conventions (rules.${rule.id}: off)`,
        });
      continue;
    }
    const effective =
      override && override !== rule.severity
        ? { ...rule, severity: override }
        : rule;
    if (rule.scope === 'mesh') {
      if (mesh.members.length === 0) continue;
      results.push(
        ...rule.check(mesh, {
          ...ruleResults(effective, conventions, undefined, mesh.repository),
          forCluster: cluster =>
            ruleResults(effective, conventions, cluster, mesh.repository, mesh),
        }),
      );
    } else {
      for (const cluster of mesh.members)
        results.push(
          ...rule.check(
            mesh,
            cluster,
            ruleResults(effective, conventions, cluster, mesh.repository, mesh),
          ),
        );
    }
  }
  return results;
}

/** What the conventions switched off or changed, for the report. */
function overridesOf(mesh: MeshModel): ConventionOverride[] {
  const { conventions } = mesh;
  return [
    ...Object.entries(conventions.rules).map(([id, setting]) => ({
      what:
        setting === 'off'
          ? `rule ${id} switched off`
          : `rule ${id} as ${setting}`,
      source: `rules.${id}`,
    })),
    ...conventions.mesh.include.map(name => ({
      what: `cluster ${name} in the mesh`,
      source: 'mesh.include',
    })),
    ...conventions.mesh.exclude.map(name => ({
      what: `cluster ${name} outside the mesh`,
      source: 'mesh.exclude',
    })),
  ];
}

/**
 * An optional substitution source no manifest defines, where every check
 * of the clusters that name it was evaluated: no value a check read is
 * missing without it, and Flux skips it where it is not there. Noted as
 * taken so (a value it holds, made in the cluster, would win), not left
 * "not evaluated" beside a verdict that passes.
 */
function takenAsAbsent(
  finding: EngineFinding,
  byCluster: ReadonlyMap<string | undefined, readonly CheckResult[]>,
): EngineFinding {
  if (finding.optionalSource === undefined || finding.severity === 'info')
    return finding;
  const clusters = new Set(finding.affects?.clusters);
  if (finding.cluster !== undefined) clusters.add(finding.cluster);
  const checks = [...clusters].flatMap(name => byCluster.get(name) ?? []);
  if (!checks.length || checks.some(c => c.outcome === 'not-evaluated'))
    return finding;
  return {
    ...finding,
    severity: 'info',
    message: finding.message.replace(
      finding.optionalSource,
      'taken as absent, as Flux skips an optional source it does not find: every value the checks read comes from the sources read here (if it is made in the cluster, a value it holds wins over theirs)',
    ),
  };
}

/**
 * A problem of clusters outside the mesh alone (known to be: their Cilium
 * values read, not only guessed), which no ClusterMesh DNS verdict depends
 * on: said as a warning, not failed (hugginsio's cluster in the making,
 * whose Flux fails, beside the ones the report is about).
 */
function outsideTheMesh(
  finding: EngineFinding,
  mesh: MeshModel,
): EngineFinding {
  if (finding.severity !== 'error') return finding;
  const names = new Set(finding.affects?.clusters);
  if (finding.cluster !== undefined) names.add(finding.cluster);
  if (!names.size) return finding;
  // (a cluster with no Cilium values read may be outside only because
  // its builds fail: its errors are kept; not where what fails is a
  // folder that is nowhere, which holds nothing back, nor where no file
  // of the repository names Cilium)
  const outside = [...names].every(name => {
    const c = mesh.byName.get(name);
    return (
      c !== undefined &&
      (c.cilium !== undefined ||
        c.render.findings.every(
          f => f.severity !== 'error' || f.holdsNothingBack,
        ) ||
        !namesCilium(mesh.repository)) &&
      !c.membership.member &&
      !c.membershipUnknown
    );
  });
  if (!outside) return finding;
  const list = [...names].sort();
  return {
    ...finding,
    // its id stays the one a check citing it knows
    groupKey: finding.groupKey ?? groupKeyOf(finding),
    severity: 'warning',
    message: `${finding.message} (not an error here: ${inWords(list)} ${
      list.length > 1 ? 'are' : 'is'
    } outside the mesh, and nothing ClusterMesh DNS checks depends on ${
      list.length > 1 ? 'them' : 'it'
    })`,
  };
}

/**
 * A finding's message as an error, where it was said as a warning only
 * because its clusters are outside the mesh (see outsideTheMesh); else
 * undefined. A change that brings them in finds it there before.
 *
 * @internal
 */
export function errorOutsideTheMesh(message: string): string | undefined {
  return /^([^]*) \(not an error here: [^()]* outside the mesh, and nothing ClusterMesh DNS checks depends on (?:it|them)\)$/.exec(
    message,
  )?.[1];
}

/** Builds the report of a mesh model. @public */
export function reportFromModel(mesh: MeshModel): MeshReport {
  const results = runRules(mesh);
  const byCluster = new Map<string | undefined, CheckResult[]>();
  for (const r of results) {
    const list = byCluster.get(r.cluster);
    if (list) list.push(r);
    else byCluster.set(r.cluster, [r]);
  }
  const notEvaluated = withIds(
    mesh.findings
      .filter(f => f.code === 'not-evaluated')
      .map(f => takenAsAbsent(f, byCluster)),
  );
  const findings = withIds(
    mesh.findings
      .filter(f => f.code !== 'not-evaluated')
      .map(f => outsideTheMesh(f, mesh)),
  );
  // a cluster whose files cannot be read or built fails, even when its
  // checks could only say "not evaluated"
  const byClusterFindings = new Map<string, Finding[]>();
  for (const f of findings) {
    const names = new Set(f.affects?.clusters);
    if (f.cluster) names.add(f.cluster);
    for (const name of names) {
      const list = byClusterFindings.get(name);
      if (list) list.push(f);
      else byClusterFindings.set(name, [f]);
    }
  }
  const findingsOf = (name: string) => byClusterFindings.get(name) ?? [];
  const clusters = [...mesh.clusters]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(c =>
      clusterRow(mesh, c, byCluster.get(c.name) ?? [], findingsOf(c.name)),
    );
  const meshChecks = byCluster.get(undefined) ?? [];
  const all = countsOf(results);
  // a finding a failed check names as its cause is that failure: counted once
  const cited = new Set<string>();
  for (const r of results)
    if (r.outcome === 'fail' && r.cause) cited.add(r.cause);
  const uncited = findings.filter(f => !cited.has(f.id));
  const status = meshStatus(mesh, clusters, statusOf(results, findings));
  const byStatus = (wanted: DeclaredStatus) =>
    clusters.filter(c => c.status === wanted).length;
  return {
    version: 2,
    clusters,
    meshChecks,
    findings,
    notEvaluated,
    conventions: conventionsSaid(mesh),
    overrides: overridesOf(mesh),
    summary: {
      clusters: clusters.length,
      passing: byStatus('pass'),
      warning: byStatus('warn'),
      failing: byStatus('fail'),
      notEvaluated: byStatus('not-evaluated'),
      outside: byStatus('outside'),
      errors: all.failed + uncited.filter(f => f.severity === 'error').length,
      warnings:
        all.warnings + uncited.filter(f => f.severity === 'warning').length,
      passed: all.passed,
      notApplicable: all.notApplicable,
      // a part no check reads from (info) cannot leave a check unevaluated
      unevaluated:
        all.notEvaluated +
        notEvaluated.filter(f => f.severity !== 'info').length,
      status,
    },
  };
}

/** What validating reads with. @public */
export interface ValidateOptions {
  /** What is remembered between validations; a fresh cache when absent. */
  cache?: EngineCache;
}

/**
 * Validates a repository: renders every cluster as Flux would and runs the
 * rule catalog. Never throws on repository content; problems are findings.
 *
 * @public
 */
export function validateMesh(
  tree: RepoTree,
  conventions: MeshConventions,
  options: ValidateOptions = {},
): MeshReport {
  return reportFromModel(buildMeshModel(tree, conventions, options));
}

/**
 * The conventions in effect, with why. The branch read is said where it
 * decided something: a cluster on another branch, not evaluated; or every
 * cluster on another one, these files read as a change proposed to it.
 */
function conventionsSaid(mesh: MeshModel): DetectedConvention[] {
  const provenance = mesh.conventions.provenance ?? [];
  const proposed = provenance.some(
    p => p.setting === 'flux.branch' && p.source === 'detected',
  )
    ? proposedToRef(
        clusterRefs(mesh.clusters, mesh.conventions),
        mesh.clusters,
        mesh.conventions.flux.branch,
      )
    : undefined;
  return provenance.flatMap(p => {
    if (p.setting !== 'flux.branch' || p.source === 'conventions') return [p];
    if (proposed)
      return [
        {
          ...p,
          reason: `${p.reason}, and every cluster's Flux reconciles ${
            proposed.ref
          } (${formatLocation(
            proposed.at,
          )}): these files are read as a change proposed to it`,
        },
      ];
    return mesh.clusters.some(c => c.otherBranch)
      ? [
          {
            ...p,
            reason: `${p.reason}: a cluster whose Flux reconciles another branch is not evaluated`,
          },
        ]
      : [];
  });
}
