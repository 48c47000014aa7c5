#!/usr/bin/env node
/* eslint-disable no-console */
// Benchmark of the clustermesh-dns report API (issue 13), one JSON result on stdout:
//   node scripts/bench/report-api.mjs          (from the repository root; `make bench` can call it)
//   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_CLUSTERS=511   (the defaults)
// 1. The report route of a 511-cluster source, cached: 50 concurrent clients
//    for 10 s (autocannon), against the plugin's constant route (the same
//    bytes, behind the same auth, permission and validation), same run: two
//    rounds each, in the order constant, report, report, constant.
// 2. A conditional request (If-None-Match → 304): p95.
// 3. A refresh of an unchanged SCM source (a GitHub double on loopback):
//    one request, no validation.
// The backend runs in its own process (scripts/bench/report-api-backend.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const require = createRequire(path.join(root, 'package.json'));
const autocannon = require('autocannon');
const tar = require('tar');
const transform = path.join(
  root,
  'node_modules/@backstage/cli/config/nodeTransform.cjs',
);

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const clusters = Number(process.env.BENCH_CLUSTERS ?? 511);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-bench-api-'));
const cleanup = [];
process.on('exit', () => {
  for (const fn of cleanup.reverse()) fn();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The synthetic mesh, written as a folder (the engine's test helper, run through the transform). */
function writeMesh(dir) {
  const script = `
    const fs = require('node:fs'), path = require('node:path');
    const { generateSyntheticMesh } = require(${JSON.stringify(
      path.join(root, 'plugins/clustermesh-dns-engine/src/testUtils'),
    )});
    const files = generateSyntheticMesh({ clusters: ${clusters} });
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(${JSON.stringify(
        dir,
      )}, file)), { recursive: true });
      fs.writeFileSync(path.join(${JSON.stringify(dir)}, file), text);
    }`;
  const file = path.join(work, 'write-mesh.ts');
  fs.writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', transform, file], {
      stdio: 'inherit',
    });
    child.on('exit', code =>
      code === 0 ? resolve() : reject(new Error(`mesh: ${code}`)),
    );
  });
}

/** A GitHub double on loopback: commit status, then the tarball; counts requests. */
async function githubDouble(tarball, sha) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    if (req.url.startsWith('/api/v3/repos/acme/gitops/commits/main/status')) {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          sha,
          repository: {
            archive_url: `http://127.0.0.1:${
              server.address().port
            }/api/v3/repos/acme/gitops/{archive_format}{/ref}`,
          },
        }),
      );
    } else if (req.url === `/api/v3/repos/acme/gitops/tarball/${sha}`) {
      res.setHeader('Content-Type', 'application/x-gzip');
      res.end(tarball);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return { port: server.address().port, requests };
}

function freePort() {
  return new Promise(resolve => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startBackend(config) {
  const file = path.join(work, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [
      '-r',
      transform,
      path.join(root, 'scripts/bench/report-api-backend.ts'),
      file,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  cleanup.push(() => child.kill('SIGKILL'));
  const log = [];
  await new Promise((resolve, reject) => {
    const onData = chunk => {
      log.push(String(chunk));
      if (String(chunk).includes('BENCH-BACKEND-READY')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', code =>
      reject(new Error(`backend exited (${code}): ${log.join('')}`)),
    );
  });
  return { log };
}

const percentile = (sorted, p) =>
  sorted.length
    ? sorted[
        Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
      ]
    : NaN;
const round = x => Math.round(x * 100) / 100;

/** autocannon against one URL; latencies of every response, percentiles computed here (autocannon has no p95). */
function load(url, headers, seconds, conns) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = {};
    const instance = autocannon(
      { url, headers, connections: conns, duration: seconds },
      (error, result) => {
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        return resolve({
          latencies,
          requests: latencies.length,
          rps: round(latencies.length / seconds),
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          p99: round(percentile(latencies, 99)),
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          statuses,
          bytesPerResponse: latencies.length
            ? Math.round(result.throughput.total / latencies.length)
            : 0,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

async function main() {
  const loadAtStart = os.loadavg().map(round);
  const meshDir = path.join(work, 'mesh');
  await writeMesh(meshDir);
  const sha = 'b'.repeat(40);
  const tarFile = path.join(work, 'mesh.tar.gz');
  fs.renameSync(meshDir, path.join(work, `acme-gitops-${sha.slice(0, 7)}`));
  await tar.create({ gzip: true, cwd: work, file: tarFile, portable: true }, [
    `acme-gitops-${sha.slice(0, 7)}`,
  ]);
  fs.renameSync(path.join(work, `acme-gitops-${sha.slice(0, 7)}`), meshDir);
  const github = await githubDouble(fs.readFileSync(tarFile), sha);

  const port = await freePort();
  const token = randomBytes(24).toString('base64url');
  const base = `http://127.0.0.1:${port}/api/clustermesh-dns`;
  const { log } = await startBackend({
    app: { baseUrl: `http://127.0.0.1:${port}` },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { port, host: '127.0.0.1' },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        externalAccess: [
          { type: 'static', options: { token, subject: 'bench' } },
        ],
      },
    },
    permission: { enabled: true },
    integrations: {
      github: [
        {
          host: 'github.bench.test',
          apiBaseUrl: `http://127.0.0.1:${github.port}/api/v3`,
          token: 'bench',
        },
      ],
    },
    clustermeshDns: {
      sources: [
        { id: 'mesh', type: 'local', target: meshDir },
        {
          id: 'scm',
          type: 'url',
          target: 'https://github.bench.test/acme/gitops',
          branch: 'main',
        },
      ],
      // the benchmark triggers every refresh itself
      schedule: { frequency: { trigger: 'manual' }, timeout: { minutes: 5 } },
      benchmark: { constantRoute: true },
    },
  });
  const headers = { authorization: `Bearer ${token}` };
  const get = async (route, extra = {}) => {
    const res = await fetch(`${base}${route}`, {
      headers: { ...headers, ...extra },
    });
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      bytes: (await res.arrayBuffer()).byteLength,
    };
  };

  // the first request reads and validates the source; everything after is cached
  let started = performance.now();
  const first = await get('/sources/mesh/report');
  const coldMs = performance.now() - started;
  const constant = await get('/sources/mesh/report/constant');
  if (first.status !== 200 || constant.bytes !== first.bytes)
    throw new Error('report and constant differ');

  // warm both routes up, then measure them in the same run, in the order
  // constant, report, report, constant, so that neither gets the better half
  await load(`${base}/sources/mesh/report/constant`, headers, 2, connections);
  await load(`${base}/sources/mesh/report`, headers, 2, connections);
  const rounds = { constant: [], report: [] };
  for (const route of ['constant', 'report', 'report', 'constant'])
    rounds[route].push(
      await load(
        `${base}/sources/mesh/report${route === 'constant' ? '/constant' : ''}`,
        headers,
        duration,
        connections,
      ),
    );
  const pooled = runs => {
    const latencies = runs.flatMap(r => r.latencies).sort((a, b) => a - b);
    return {
      requests: latencies.length,
      rps: round(latencies.length / (duration * runs.length)),
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      rounds: runs.map(({ latencies: _l, statuses: _s, ...r }) => r),
    };
  };
  const constantRun = pooled(rounds.constant);
  const reportRun = pooled(rounds.report);
  const strip = ({ latencies: _l, ...r }) => r;
  const notModifiedRun = strip(
    await load(
      `${base}/sources/mesh/report`,
      { ...headers, 'if-none-match': first.etag },
      duration,
      connections,
    ),
  );
  const notModifiedSingle = strip(
    await load(
      `${base}/sources/mesh/report`,
      { ...headers, 'if-none-match': first.etag },
      Math.max(2, Math.round(duration / 2)),
      1,
    ),
  );

  // an SCM source: the first refresh reads the archive and validates it; the next costs one request
  const post = async route => {
    const t = performance.now();
    const res = await fetch(`${base}${route}`, { method: 'POST', headers });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t };
  };
  const validations = () => log.join('').split('source scm read at').length - 1;
  const unchanged = () =>
    log.join('').split('source scm unchanged at').length - 1;
  let before = github.requests.length;
  const firstRefresh = await post('/sources/scm/refresh');
  const firstRequests = github.requests.slice(before);
  before = github.requests.length;
  const validationsBefore = validations();
  started = performance.now();
  const again = await post('/sources/scm/refresh');
  const againRequests = github.requests.slice(before);

  const ratio = round(reportRun.p95 / constantRun.p95);
  const result = {
    machine: {
      cpus: os.cpus().length,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map(round),
      note: 'the benchmark and the backend share the machine; other load skews the figures',
    },
    reportRoute: {
      clusters,
      bytes: first.bytes,
      coldFirstRequestMs: round(coldMs),
      connections,
      durationS: duration,
      note: 'two rounds per route (constant, report, report, constant); percentiles over both',
      report: reportRun,
      constant: constantRun,
      p95Ratio: ratio,
      target: 'p95 ≤ 1.5 × the constant route, 0 errors',
      met: ratio <= 1.5 && reportRun.errors === 0 && reportRun.non2xx === 0,
    },
    conditional: {
      [`${connections} connections`]: notModifiedRun,
      '1 connection': notModifiedSingle,
      target: 'p95 ≤ 5 ms',
      met:
        notModifiedSingle.p95 <= 5 &&
        notModifiedRun.errors === 0 &&
        Object.keys(notModifiedRun.statuses).join() === '304',
    },
    unchangedScmRefresh: {
      firstRefresh: {
        status: firstRefresh.status,
        ms: round(firstRefresh.ms),
        requests: firstRequests,
      },
      refresh: {
        status: again.status,
        ms: round(again.ms),
        requests: againRequests,
        validations: validations() - validationsBefore,
        loggedUnchanged: unchanged(),
      },
      target: 'one request, no validation',
      met:
        againRequests.length === 1 &&
        validations() === validationsBefore &&
        unchanged() === 1,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
