import {
  addressAt,
  rangeSize,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type {
  ClusterDetail,
  ClusterPool,
  ClusterReport,
  MeshReport,
  PeerState,
  SourceReport,
  SourceReportBody,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { parseBlock } from '../lib/ip';
import { exampleAfterReport, exampleBeforeReport } from './exampleReports';

// The backend's answers, built from the example repositories' reports: for
// the tests (served by msw, see backend.ts) and the dev app (in memory).

const noLive = { dns: false, provider: false, service: false };

export const exampleSource: SourceSummary = {
  id: 'example',
  title: 'Example GitOps repository (after Story 13)',
  type: 'local',
  catalog: true,
  liveChecks: { dns: true, provider: false, service: false },
};

export const exampleBeforeSource: SourceSummary = {
  id: 'example-before',
  title: 'Example GitOps repository (before Story 13)',
  type: 'local',
  catalog: false,
  liveChecks: noLive,
};

export const githubSource: SourceSummary = {
  id: 'home-ops',
  title: 'home-ops on GitHub',
  type: 'url',
  repository: {
    host: 'github.com',
    owner: 'acme',
    name: 'home-ops',
    url: 'https://github.com/acme/home-ops',
  },
  branch: 'main',
  treeUrl: 'https://github.com/acme/home-ops/tree/main',
  catalog: true,
  liveChecks: { dns: true, provider: true, service: false },
};

export const gitlabSource: SourceSummary = {
  id: 'platform',
  title: 'platform on GitLab',
  type: 'url',
  repository: {
    host: 'gitlab.com',
    owner: 'acme/infra',
    name: 'platform',
    url: 'https://gitlab.com/acme/infra/platform',
  },
  branch: 'main',
  treeUrl: 'https://gitlab.com/acme/infra/platform/-/tree/main',
  catalog: true,
  liveChecks: noLive,
};

export const githubRevision = '3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
export const gitlabRevision = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';

const revisions: Record<string, string> = {
  [githubSource.id]: githubRevision,
  [gitlabSource.id]: gitlabRevision,
};

/** The report as the list page gets it: rows without checks, with their failing rules. */
export function reportBody(report: MeshReport): SourceReportBody {
  return {
    ...report,
    clusters: report.clusters.map(({ checks, ...cluster }) => ({
      ...cluster,
      failingRules: [
        ...new Set(checks.filter(c => c.outcome === 'fail').map(c => c.ruleId)),
      ],
    })),
  };
}

export function sourceReport(
  source: SourceSummary,
  report: MeshReport | undefined,
  extra: Partial<SourceReport> = {},
): SourceReport {
  return {
    source,
    revision: revisions[source.id] ?? 'sha256:5d41402abc4b2a76b9719d911017c592',
    readAt: '2026-11-25T08:30:00.000Z',
    report: report && reportBody(report),
    ...extra,
  };
}

/** Peers as the backend derives them: every other cluster, known by FQDN when its check passes. */
function peersOf(report: MeshReport, cluster: ClusterReport): PeerState[] {
  const complete = cluster.checks.find(c => c.ruleId === 'peers-complete');
  return report.clusters
    .filter(c => c.name !== cluster.name)
    .map(peer => ({
      peer: peer.name,
      variable: `CILIUM_CLUSTERMESH_${peer.name.toUpperCase()}_FQDN`,
      value: complete?.outcome === 'pass' ? peer.fqdn?.template : undefined,
      knowsThisCluster: complete?.outcome === 'pass',
    }));
}

export function clusterDetail(
  source: SourceSummary,
  report: MeshReport,
  name: string,
  extra: Partial<ClusterDetail> = {},
): ClusterDetail {
  const cluster = report.clusters.find(c => c.name === name);
  if (!cluster) throw new Error(`no cluster ${name}`);
  const base = sourceReport(source, report);
  return {
    source,
    revision: base.revision,
    cluster,
    peers: peersOf(report, cluster),
    findings: report.findings.filter(f => !f.cluster || f.cluster === name),
    ...extra,
  };
}

/** A report of `count` clusters, for the page at scale. */
export function largeReport(count: number): MeshReport {
  const template = exampleAfterReport.clusters[0];
  const clusters = Array.from({ length: count }, (_, i) => {
    const name = `cluster-${String(i).padStart(3, '0')}`;
    const ip = `10.${20 + Math.floor(i / 250)}.${i % 250}.10`;
    return {
      ...template,
      name,
      dir: `kubernetes/clusters/${name}`,
      entry: `kubernetes/clusters/${name}`,
      fqdn: {
        ...template.fqdn!,
        template: `clustermesh-${name}.\${SECRET_DOMAIN}`,
        resolved: `clustermesh-${name}.<secret:SECRET_DOMAIN>`,
      },
      lbIp: { ...template.lbIp!, value: ip },
      status: i % 7 === 0 ? ('fail' as const) : ('pass' as const),
    };
  });
  return {
    ...exampleAfterReport,
    clusters,
    summary: {
      ...exampleAfterReport.summary,
      clusters: count,
      passing: clusters.filter(c => c.status === 'pass').length,
      failing: clusters.filter(c => c.status === 'fail').length,
    },
  };
}

export { exampleAfterReport, exampleBeforeReport };

/** A cluster's pool as the backend would answer it, from its report row. */
export function poolOf(
  source: SourceSummary,
  report: MeshReport,
  name: string,
): ClusterPool {
  const cluster = report.clusters.find(c => c.name === name);
  const block =
    cluster?.pool?.block ??
    (name === 'apps'
      ? '10.25.11.120-10.25.11.139'
      : '10.25.11.100-10.25.11.119');
  const used = cluster?.lbIp
    ? [
        {
          address: cluster.lbIp.value,
          usedBy: [
            {
              what: `the ClusterMesh LB IP of ${name}`,
              cluster: name,
              location: cluster.lbIp.location,
            },
          ],
        },
      ]
    : [];
  const range = parseBlock(block)!;
  let suggestion: string | undefined;
  for (let v = range.first; v <= range.last && !suggestion; v++) {
    const text = addressAt(range.family, v).text;
    if (!used.some(u => u.address === text)) suggestion = text;
  }
  return {
    source,
    cluster: name,
    pools: [
      {
        name: cluster?.pool?.name ?? `lb-ippool-${name}`,
        blocks: [block],
        disabled: false,
        admitsApiServer: true,
        location: cluster?.pool?.location ?? {
          file: `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${name}.yaml`,
          line: 9,
        },
      },
    ],
    current: cluster?.lbIp?.value,
    used,
    free: Number(rangeSize(range)) - used.length,
    suggestion,
  };
}
