import type {
  ClusterDetail,
  ClusterPool,
  Finding,
  MeshReport,
  SourceReport,
  SourceReportBody,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { Inspection } from '../engine/EngineRunner';
import type { SourceConfig } from '../config/config';
import { treeUrlFor } from '../scm/repositoryUrl';

/** A source as listed: no target path, no secret. */
export function sourceSummary(
  source: SourceConfig,
  options: { kubernetes: boolean },
): SourceSummary {
  const summary: SourceSummary = {
    id: source.id,
    title: source.title,
    type: source.type,
    catalog: source.catalog.enabled,
    liveChecks: {
      dns: source.live.dns,
      provider: Boolean(source.live.cloudflare),
      service: Boolean(source.live.kubernetes) && options.kubernetes,
    },
  };
  if (source.repository) summary.repository = source.repository;
  if (source.branch) summary.branch = source.branch;
  if (source.repository && source.scm && source.branch)
    summary.treeUrl = treeUrlFor(source.repository, source.scm, source.branch, {
      forReader: false,
    });
  return summary;
}

/** The report as the list page needs it: a summary row per cluster, without checks. */
export function reportBody(report: MeshReport): SourceReportBody {
  const { clusters, ...rest } = report;
  return {
    ...rest,
    clusters: clusters.map(({ checks, ...row }) => ({
      ...row,
      failingRules: [
        ...new Set(checks.filter(c => c.outcome === 'fail').map(c => c.ruleId)),
      ],
    })),
  };
}

/** A source's report at one revision. */
export function sourceReport(
  summary: SourceSummary,
  report: MeshReport,
  at: { revision: string; readAt: string; ref?: string },
): SourceReport {
  const body: SourceReport = { source: summary };
  if (at.ref !== undefined) body.ref = at.ref;
  body.revision = at.revision;
  body.readAt = at.readAt;
  body.report = reportBody(report);
  return body;
}

/** The findings that concern a cluster: its own, those that affect it, and those of every cluster. */
export function findingsOf(report: MeshReport, cluster: string): Finding[] {
  const concerns = (f: Finding) =>
    f.cluster === cluster ||
    (f.affects?.clusters.includes(cluster) ?? false) ||
    (f.cluster === undefined &&
      (f.affects === undefined || f.affects.clusters.length === 0));
  return [...report.findings, ...report.notEvaluated].filter(concerns);
}

/** One cluster with its checks and peers; undefined for an unknown cluster. */
export async function clusterDetail(
  summary: SourceSummary,
  inspection: Inspection,
  name: string,
  at: { revision?: string; ref?: string },
): Promise<ClusterDetail | undefined> {
  const cluster = inspection.report.clusters.find(c => c.name === name);
  if (!cluster) return undefined;
  const detail: ClusterDetail = {
    source: summary,
    cluster,
    peers: (await inspection.peersOf(name)) ?? [],
    findings: findingsOf(inspection.report, name),
  };
  if (at.ref !== undefined) detail.ref = at.ref;
  if (at.revision !== undefined) detail.revision = at.revision;
  return detail;
}

/** A cluster's pools and addresses; undefined for an unknown cluster. */
export async function clusterPool(
  summary: SourceSummary,
  inspection: Inspection,
  name: string,
): Promise<ClusterPool | undefined> {
  const pool = await inspection.poolOf(name);
  return pool && { source: summary, ...pool };
}
