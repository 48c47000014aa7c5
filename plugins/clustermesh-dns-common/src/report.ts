import type { RepoTree } from './tree/RepoTree';
import type { SourceLocation } from './yaml/documents';
import { IpFamily, rangeContains, recordTypeFor } from './net/ip';
import { MeshConventions } from './model/conventions';
import { buildMeshModel, ClusterModel, MeshModel } from './model/mesh';
import type { Finding } from './model/types';
import { rules } from './rules/catalog';
import type { CheckResult } from './rules/types';

/** The declared (offline) status of a cluster or mesh. @public */
export type DeclaredStatus = 'pass' | 'warn' | 'fail';

/** One cluster's row of the report. @public */
export interface ClusterReport {
  name: string;
  dir: string;
  fqdn?: {
    /** As written in the settings (may hold `${VAR}`). */
    template: string;
    /** As Flux inserts it; secret parts as `<secret:NAME>`. */
    resolved: string;
    secret: boolean;
    location: SourceLocation;
  };
  lbIp?: { value: string; family?: IpFamily; location: SourceLocation };
  pool?: { name: string; block: string; location: SourceLocation };
  record?: {
    type?: 'A' | 'AAAA';
    ttl: number;
    mode: 'externaldns' | 'manual';
    location?: SourceLocation;
  };
  /** Peers the cluster should know by FQDN, and those without a variable. */
  peers: { expected: number; missing: string[] };
  status: DeclaredStatus;
  counts: { passed: number; failed: number; warnings: number; skipped: number };
  checks: CheckResult[];
}

/**
 * The result of validating one repository: every cluster with its checks,
 * the mesh-wide checks, and what could not be read or evaluated.
 *
 * @public
 */
export interface MeshReport {
  /** Version of this report format. */
  version: 1;
  clusters: ClusterReport[];
  /** Mesh-wide checks that passed, and failures that concern no single cluster. */
  meshChecks: CheckResult[];
  /** Problems of reading and rendering (YAML, kustomize, Flux), with file:line. */
  findings: Finding[];
  /** Features the engine does not evaluate, where they are used. */
  notEvaluated: Finding[];
  summary: {
    clusters: number;
    errors: number;
    warnings: number;
    passed: number;
    skipped: number;
    notEvaluated: number;
    status: DeclaredStatus;
  };
}

function statusOf(
  checks: CheckResult[],
  findings: Finding[] = [],
): DeclaredStatus {
  if (
    checks.some(c => c.status === 'fail' && c.severity === 'error') ||
    findings.some(f => f.severity === 'error')
  )
    return 'fail';
  if (
    checks.some(c => c.status === 'fail') ||
    findings.some(f => f.severity === 'warning')
  )
    return 'warn';
  return 'pass';
}

function clusterRow(
  mesh: MeshModel,
  cluster: ClusterModel,
  checks: CheckResult[],
): ClusterReport {
  const { conventions } = mesh;
  const ip = cluster.lbIpAddress;
  const pool = ip
    ? cluster.pools
        .filter(p => !p.disabled)
        .flatMap(p => p.blocks.map(b => ({ p, b })))
        .find(({ b }) => b.range && rangeContains(b.range, ip))
    : undefined;
  const record = cluster.dnsEndpoints
    .flatMap(e => e.records)
    .find(
      r => typeof r.dnsName === 'string' && r.dnsName === cluster.fqdn?.value,
    );
  return {
    name: cluster.name,
    dir: cluster.dir,
    fqdn: cluster.fqdn && {
      template: cluster.fqdn.raw,
      resolved: cluster.fqdn.value,
      secret: cluster.fqdn.value.includes('<secret:'),
      location: cluster.fqdn.location,
    },
    lbIp: cluster.lbIp && {
      value: cluster.lbIp.value,
      family: ip?.family,
      location: cluster.lbIp.location,
    },
    pool: pool && {
      name: pool.p.name,
      block: pool.b.text,
      location: pool.b.location,
    },
    record: {
      type: ip ? recordTypeFor(ip.family) : undefined,
      ttl:
        typeof record?.recordTTL === 'number'
          ? record.recordTTL
          : conventions.dns.ttl,
      mode: conventions.dns.mode,
      location: record?.location,
    },
    peers: {
      expected: cluster.peers.length,
      missing: cluster.peers
        .filter((_, i) => cluster.peerValues()[i] === undefined)
        .map(p => p.peer),
    },
    status: statusOf(checks),
    counts: {
      passed: checks.filter(c => c.status === 'pass').length,
      failed: checks.filter(c => c.status === 'fail' && c.severity === 'error')
        .length,
      warnings: checks.filter(
        c => c.status === 'fail' && c.severity !== 'error',
      ).length,
      skipped: checks.filter(c => c.status === 'skip').length,
    },
    checks,
  };
}

/** Runs every rule over a mesh model. @public */
export function runRules(mesh: MeshModel): CheckResult[] {
  const results: CheckResult[] = [];
  for (const rule of rules) {
    if (rule.scope === 'mesh') results.push(...rule.run(mesh, undefined));
    else
      for (const cluster of mesh.clusters)
        results.push(...rule.run(mesh, cluster));
  }
  return results;
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
  const clusters = [...mesh.clusters]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(c => clusterRow(mesh, c, byCluster.get(c.name) ?? []));
  const meshChecks = byCluster.get(undefined) ?? [];
  const notEvaluated = mesh.findings.filter(f => f.code === 'not-evaluated');
  const findings = mesh.findings.filter(f => f.code !== 'not-evaluated');
  const all = results;
  return {
    version: 1,
    clusters,
    meshChecks,
    findings,
    notEvaluated,
    summary: {
      clusters: clusters.length,
      errors:
        all.filter(r => r.status === 'fail' && r.severity === 'error').length +
        findings.filter(f => f.severity === 'error').length,
      warnings:
        all.filter(r => r.status === 'fail' && r.severity !== 'error').length +
        findings.filter(f => f.severity === 'warning').length,
      passed: all.filter(r => r.status === 'pass').length,
      skipped: all.filter(r => r.status === 'skip').length,
      notEvaluated: notEvaluated.length,
      status: statusOf(all, findings),
    },
  };
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
): MeshReport {
  return reportFromModel(buildMeshModel(tree, conventions));
}
