#!/usr/bin/env node
// Benchmark of the live DNS check (issue 14), one JSON result on stdout:
//   node scripts/bench/live-dns.mjs         (from the repository root)
//   BENCH_CLUSTERS=511 BENCH_DNS_TIMEOUT_MS=1000   (the defaults)
// 511 clusters against dnsmasq on loopback (target ≤ 1 s), then with a
// resolver that never answers first in the list (target ≤ one timeout + 0.5 s).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const result = spawnSync(
  process.execPath,
  [
    '-r',
    path.join(root, 'node_modules/@backstage/cli/config/nodeTransform.cjs'),
    path.join(root, 'scripts/bench/live-dns-run.ts'),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
