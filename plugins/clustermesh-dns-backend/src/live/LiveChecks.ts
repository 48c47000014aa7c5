import { getServers } from 'node:dns';
import type {
  AuthService,
  CacheService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  ClusterSummary,
  DeclaredStatus,
  LiveCheckResult,
  LiveReport,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  hostnameProblem,
  secretPlaceholderPattern,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { PluginOptions, SourceConfig } from '../config/config';
import type { Redactor } from '../service/Redactor';
import type { ReportStore } from '../service/ReportStore';
import { CloudflareCheck, RecordQuery } from './cloudflare';
import { DnsCheck, DnsQuery, ResolverFactory } from './dns';
import { KubernetesServiceCheck } from './kubernetes';

const liveKey = (id: string) => `v1:live:${id}`;
const ttlMs = 30 * 24 * 3600 * 1000;

/** A cluster's FQDN with the source's secret values filled in, or why it cannot be. */
export function queryableName(
  cluster: ClusterSummary,
  source: SourceConfig,
): { name: string; display: string } | { problem: string } {
  if (!cluster.fqdn)
    return { problem: 'the cluster declares no FQDN (see settings-present)' };
  const display = cluster.fqdn.resolved;
  const missing = new Set<string>();
  const name = display.replace(
    secretPlaceholderPattern,
    (_, variable: string) => {
      const value = source.values[variable];
      if (value === undefined) missing.add(variable);
      return value ?? '';
    },
  );
  if (missing.size)
    return {
      problem: `${display} cannot be resolved offline: ${[...missing].join(
        ', ',
      )} ${
        missing.size > 1 ? 'are' : 'is'
      } kept secret by the repository; set clustermeshDns.sources[${
        source.index
      }].values.${[...missing][0]} to check it`,
    };
  const problem = hostnameProblem(name);
  if (problem)
    return {
      problem: `${display} is not a name that can be queried: it ${problem}`,
    };
  return { name: name.replace(/\.$/, ''), display };
}

/** A cluster's live status: its worst outcome ("outside" when nothing applied). */
function statusOf(
  worst: LiveCheckResult['outcome'],
  anyResult: boolean,
): DeclaredStatus {
  if (worst === 'fail') return 'fail';
  if (worst === 'not-evaluated') return 'not-evaluated';
  if (worst === 'pass') return 'pass';
  return anyResult ? 'outside' : 'not-evaluated';
}

const rank: Record<LiveCheckResult['outcome'], number> = {
  fail: 3,
  'not-evaluated': 2,
  pass: 1,
  'not-applicable': 0,
};

/**
 * Runs the live checks of a source on request, against the declared values
 * of its current report, and keeps the last results in the cache beside the
 * report.
 */
export class LiveChecks {
  constructor(
    private readonly deps: {
      store: ReportStore;
      options: PluginOptions;
      cache: CacheService;
      logger: LoggerService;
      redactor: Redactor;
      discovery: DiscoveryService;
      auth: AuthService;
      createResolver?: ResolverFactory;
      fetch?: typeof fetch;
      clock?: () => Date;
    },
  ) {}

  /** The last live checks of a source; undefined when none ran. */
  async last(id: string): Promise<LiveReport | undefined> {
    this.deps.store.source(id);
    return (await this.deps.cache.get(liveKey(id))) as LiveReport | undefined;
  }

  /** Runs every live check the source has, for every cluster of its report. */
  async run(id: string): Promise<LiveReport> {
    const { store, options, redactor, logger } = this.deps;
    const source = store.source(id);
    const served = await store.report(id);
    const report = served.body.report;
    if (!report)
      throw new NotFoundError(
        `Source "${id}" has no report to check yet${
          served.body.stale ? `: ${served.body.stale.error}` : ''
        }`,
      );
    const ranAt = (this.deps.clock?.() ?? new Date()).toISOString();
    const results: LiveCheckResult[] = [];

    // what each cluster declares, or why it cannot be checked
    const dnsQueries: DnsQuery[] = [];
    const recordQueries: RecordQuery[] = [];
    const serviceQueries: {
      cluster: string;
      kubernetesCluster?: string;
      expected: string;
    }[] = [];
    const checks = [
      ...(source.live.dns ? (['dns-resolves'] as const) : []),
      ...(source.live.cloudflare ? (['provider-record'] as const) : []),
      ...(source.live.kubernetes ? (['service-ip-assigned'] as const) : []),
    ];
    for (const cluster of report.clusters) {
      const skip = (outcome: LiveCheckResult['outcome'], message: string) => {
        for (const check of checks)
          results.push({ check, cluster: cluster.name, outcome, message });
      };
      if (
        cluster.status === 'outside' ||
        cluster.membership?.member === false
      ) {
        skip('not-applicable', `${cluster.name} is not in the mesh`);
        continue;
      }
      const lbIp = cluster.lbIp;
      if (!lbIp?.family) {
        skip(
          'not-evaluated',
          `${cluster.name} has no valid LB IP to compare with (see lb-ip-valid)`,
        );
        continue;
      }
      if (source.live.kubernetes)
        serviceQueries.push({
          cluster: cluster.name,
          kubernetesCluster: source.live.kubernetes.clusters[cluster.name],
          expected: lbIp.value,
        });
      const named = queryableName(cluster, source);
      if ('problem' in named) {
        for (const check of checks)
          if (check !== 'service-ip-assigned')
            results.push({
              check,
              cluster: cluster.name,
              outcome: 'not-evaluated',
              message: named.problem,
            });
        continue;
      }
      const family = lbIp.family === 'ipv6' ? 'ipv6' : 'ipv4';
      if (source.live.dns)
        dnsQueries.push({
          cluster: cluster.name,
          name: named.name,
          display: named.display,
          family,
          expected: lbIp.value,
          ttl: cluster.record?.ttl,
        });
      if (source.live.cloudflare)
        recordQueries.push({
          cluster: cluster.name,
          name: named.name,
          display: named.display,
          type: family === 'ipv6' ? 'AAAA' : 'A',
          expected: lbIp.value,
          ttl: cluster.record?.ttl,
          dnsOnly: cluster.record?.dnsOnly,
        });
    }

    const started = performance.now();
    const runs: Promise<LiveCheckResult[]>[] = [];
    if (dnsQueries.length) {
      const servers =
        source.live.dnsServers ?? options.dns.servers ?? getServers();
      runs.push(
        new DnsCheck({
          servers,
          timeoutMs: options.dns.timeoutMs,
          concurrency: options.dns.concurrency,
          createResolver: this.deps.createResolver,
        }).run(dnsQueries),
      );
    }
    if (recordQueries.length && source.live.cloudflare)
      runs.push(
        new CloudflareCheck({
          ...source.live.cloudflare,
          timeoutMs: options.cloudflare.timeoutMs,
          fetch: this.deps.fetch,
        }).run(recordQueries),
      );
    if (serviceQueries.length && source.live.kubernetes)
      runs.push(
        new KubernetesServiceCheck({
          discovery: this.deps.discovery,
          auth: this.deps.auth,
          namespace: source.live.kubernetes.namespace,
          service: source.live.kubernetes.service,
          timeoutMs: options.kubernetes.timeoutMs,
          mapKey: `clustermeshDns.sources[${source.index}].liveChecks.kubernetes.clusters`,
          fetch: this.deps.fetch,
        }).run(serviceQueries),
      );
    for (const done of await Promise.all(runs)) results.push(...done);

    const order = new Map(report.clusters.map((c, i) => [c.name, i]));
    const checkOrder = [
      'dns-resolves',
      'provider-record',
      'service-ip-assigned',
    ];
    results.sort(
      (a, b) =>
        (order.get(a.cluster) ?? 0) - (order.get(b.cluster) ?? 0) ||
        checkOrder.indexOf(a.check) - checkOrder.indexOf(b.check),
    );
    const status: Record<string, DeclaredStatus> = {};
    for (const cluster of report.clusters) {
      const mine = results.filter(r => r.cluster === cluster.name);
      const worst = mine.reduce<LiveCheckResult['outcome']>(
        (w, r) => (rank[r.outcome] > rank[w] ? r.outcome : w),
        'not-applicable',
      );
      status[cluster.name] = statusOf(worst, mine.length > 0);
    }
    const live: LiveReport = redactor.deep({
      sourceId: id,
      ranAt,
      ...(served.body.revision ? { revision: served.body.revision } : {}),
      results,
      status,
    });
    await this.deps.cache.set(liveKey(id), live as any, { ttl: ttlMs });
    const count = (o: string) => results.filter(r => r.outcome === o).length;
    logger.info(
      `clustermesh-dns live checks of ${id}: ${
        results.length
      } result(s) in ${Math.round(performance.now() - started)} ms (${count(
        'pass',
      )} pass, ${count('fail')} fail, ${count('not-evaluated')} not evaluated)`,
    );
    return live;
  }
}
