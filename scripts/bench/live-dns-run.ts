/* eslint-disable no-console */
// The measurement of scripts/bench/live-dns.mjs, run through Backstage's
// transform: the plugin's live checks (LiveChecks → DnsCheck, Node's
// resolver) for every cluster of a synthetic mesh, against dnsmasq from
// Debian on loopback, then with a resolver that never answers first in the list.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheManager } from '@backstage/backend-defaults/cache';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { ConfigReader } from '@backstage/config';
import {
  generateSyntheticMesh,
  syntheticClusterAddress,
  syntheticClusterName,
} from '../../plugins/clustermesh-dns-engine/src/testUtils';
import { readPluginOptions } from '../../plugins/clustermesh-dns-backend/src/config/config';
import { LiveChecks } from '../../plugins/clustermesh-dns-backend/src/live/LiveChecks';
import { SourceReader } from '../../plugins/clustermesh-dns-backend/src/scm/SourceReader';
import { Redactor } from '../../plugins/clustermesh-dns-backend/src/service/Redactor';
import { ReportStore } from '../../plugins/clustermesh-dns-backend/src/service/ReportStore';
import {
  dnsmasqBinary,
  startDnsmasq,
  startSilentServer,
} from '../../plugins/clustermesh-dns-backend/src/__testUtils__/dnsmasq';

const clusters = Number(process.env.BENCH_CLUSTERS ?? 511);
const timeoutMs = Number(process.env.BENCH_DNS_TIMEOUT_MS ?? 1000);
const zone = 'mesh.bench';
const quiet = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child() {
    return quiet;
  },
};

async function main() {
  const binary = dnsmasqBinary();
  if (!binary) {
    console.log(
      JSON.stringify({
        skipped:
          'dnsmasq not found (Debian package dnsmasq-base; make setup installs it as root)',
      }),
    );
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-bench-dns-'));
  const files = generateSyntheticMesh({ clusters });
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), text);
  }
  const dnsmasq = await startDnsmasq(
    binary,
    zone,
    Array.from({ length: clusters }, (_, i) => ({
      name: `clustermesh-${syntheticClusterName(i + 1)}.${zone}`,
      address: syntheticClusterAddress(i + 1, 1),
      ttl: 300,
    })),
  );
  const silent = await startSilentServer();
  try {
    const run = async (servers: string[]) => {
      const config = new ConfigReader({
        clustermeshDns: {
          sources: [
            {
              id: 'mesh',
              type: 'local',
              target: work,
              values: { SECRET_DOMAIN: zone },
            },
          ],
          dns: { servers, timeout: { milliseconds: timeoutMs } },
        },
      });
      const options = readPluginOptions(config);
      const cache = CacheManager.fromConfig(new ConfigReader({})).forPlugin(
        'clustermesh-dns',
      );
      const redactor = new Redactor([
        { value: zone, placeholder: '<secret:SECRET_DOMAIN>' },
      ]);
      const store = new ReportStore({
        options,
        cache,
        logger: quiet,
        redactor,
        reader: new SourceReader(
          UrlReaders.default({ config, logger: quiet }),
          { maxFileSize: options.maxFileSize },
        ),
      });
      await store.refresh('mesh');
      const live = new LiveChecks({
        store,
        options,
        cache,
        logger: quiet,
        redactor,
        discovery: {
          getBaseUrl: async () => '',
          getExternalBaseUrl: async () => '',
        },
        auth: {} as any,
      });
      const started = performance.now();
      const report = await live.run('mesh');
      const ms = performance.now() - started;
      const outcomes: Record<string, number> = {};
      for (const r of report.results)
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      return {
        ms: Math.round(ms * 10) / 10,
        queries: report.results.length,
        outcomes,
      };
    };
    const loopback = await run([dnsmasq.server]);
    const sentBefore = silent.received();
    const dead = await run([silent.server, dnsmasq.server]);
    const sentToDead = silent.received() - sentBefore;
    console.log(
      JSON.stringify(
        {
          clusters,
          concurrency: 16,
          loadAverage: os.loadavg().map(x => Math.round(x * 100) / 100),
          loopback: {
            ...loopback,
            target: '≤ 1000 ms',
            met: loopback.ms <= 1000 && loopback.outcomes.pass === clusters,
          },
          deadResolverFirst: {
            ...dead,
            timeoutMs,
            queriesSentToDeadResolver: sentToDead,
            target: `≤ one timeout + 500 ms = ${timeoutMs + 500} ms`,
            met: dead.ms <= timeoutMs + 500 && dead.outcomes.pass === clusters,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await dnsmasq.stop();
    await silent.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
