import type {
  CheckResult,
  ClusterReport,
  DeclaredStatus,
  Finding,
  MeshReport,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { recordTypeFor } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineCache } from '../cache/EngineCache';
import type { MeshConventions } from '../conventions/schema';
import { buildMeshModel } from '../model/build';
import { poolOfAddress, recordsOfCluster } from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { rules } from '../rules';
import { ruleResults } from '../rules/rule';
import type { RepoTree } from '../tree/RepoTree';

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

/** One cluster's row, from the same queries the rules ask. */
function clusterRow(
  mesh: MeshModel,
  cluster: ClusterModel,
  checks: CheckResult[],
): ClusterReport {
  const { conventions } = mesh;
  const ip = cluster.lbIpAddress;
  const pool = ip ? poolOfAddress(mesh, cluster, ip) : undefined;
  const record = recordsOfCluster(cluster)[0]?.record;
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
    pool:
      pool?.kind === 'in-pool'
        ? {
            name: pool.pool.name,
            block: pool.block.text,
            location: pool.block.location,
          }
        : undefined,
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
  const { conventions } = mesh;
  for (const rule of rules) {
    if (rule.scope === 'mesh') {
      results.push(
        ...rule.check(mesh, {
          ...ruleResults(rule, conventions),
          forCluster: cluster => ruleResults(rule, conventions, cluster),
        }),
      );
    } else {
      for (const cluster of mesh.clusters)
        results.push(
          ...rule.check(mesh, cluster, ruleResults(rule, conventions, cluster)),
        );
    }
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
  return {
    version: 1,
    clusters,
    meshChecks,
    findings,
    notEvaluated,
    summary: {
      clusters: clusters.length,
      errors:
        results.filter(r => r.status === 'fail' && r.severity === 'error')
          .length + findings.filter(f => f.severity === 'error').length,
      warnings:
        results.filter(r => r.status === 'fail' && r.severity !== 'error')
          .length + findings.filter(f => f.severity === 'warning').length,
      passed: results.filter(r => r.status === 'pass').length,
      skipped: results.filter(r => r.status === 'skip').length,
      notEvaluated: notEvaluated.length,
      status: statusOf(results, findings),
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
