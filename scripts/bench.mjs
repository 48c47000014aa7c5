#!/usr/bin/env node
// `make bench`: measures the engine on synthetic meshes, prints a Markdown
// report and keeps it in docs/benchmarks.md. Each measurement runs in its own
// process so that peak RSS belongs to that measurement alone.
//   BENCH_SIZES=2,64   only these mesh sizes
//   BENCH_PIPELINE=0   skip the kubectl kustomize pipeline (slow: ~2 per cluster)
//   BENCH_BASE=<ref>   also measure that git commit, in the same run, each of
//                      its measurements beside ours, and compare (≤ 10% slower)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suiteDurationsSection } from './bench/suite-durations.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const transform = path.join(
  root,
  'node_modules/@backstage/cli/config/nodeTransform.cjs',
);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-bench-'));
const baseRef = process.env.BENCH_BASE;

/** The CLI as it is published: one bundled file, no TypeScript at run time. */
function bundleCli(tree, name) {
  const outfile = path.join(scratch, `${name}.cjs`);
  execFileSync(
    path.join(root, 'node_modules/.bin/esbuild'),
    [
      path.join(tree, 'scripts/bench/cli-entry.ts'),
      '--bundle',
      '--platform=node',
      `--target=node${process.versions.node.split('.')[0]}`,
      `--outfile=${outfile}`,
      '--log-level=warning',
    ],
    { stdio: 'inherit' },
  );
  return outfile;
}

/**
 * The same dependencies for the base tree, linked from ours, but its own
 * workspace packages: its sources import them by name.
 */
function linkDependencies(tree) {
  const ours = path.join(root, 'node_modules');
  const theirs = path.join(tree, 'node_modules');
  fs.mkdirSync(path.join(theirs, '@clustermesh-dns'), { recursive: true });
  for (const entry of fs.readdirSync(ours))
    if (entry !== '@clustermesh-dns')
      fs.symlinkSync(path.join(ours, entry), path.join(theirs, entry));
  for (const folder of ['plugins', 'packages']) {
    for (const dir of fs.readdirSync(path.join(tree, folder))) {
      const manifest = path.join(tree, folder, dir, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      if (name?.startsWith('@clustermesh-dns/'))
        fs.symlinkSync(path.join(tree, folder, dir), path.join(theirs, name));
    }
  }
}

/** The code measured: this tree, and the base commit's when asked for. */
const sides = [{ name: 'this', tree: root }];
if (baseRef) {
  const tree = path.join(scratch, 'base');
  const commit = execFileSync('git', ['rev-parse', '--short', baseRef], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  execFileSync('git', ['worktree', 'add', '--detach', tree, commit], {
    cwd: root,
    stdio: 'pipe',
  });
  linkDependencies(tree);
  sides.push({ name: `${baseRef} (${commit})`, tree, base: true });
}
process.on('exit', () => {
  if (baseRef)
    spawnSync(
      'git',
      ['worktree', 'remove', '--force', path.join(scratch, 'base')],
      {
        cwd: root,
      },
    );
  fs.rmSync(scratch, { recursive: true, force: true });
});
for (const side of sides)
  side.cli = bundleCli(side.tree, side.base ? 'base' : 'this');
const [ours, base] = sides;

const sizes = (process.env.BENCH_SIZES ?? '2,64,255,511')
  .split(',')
  .map(Number);
const withPipeline = process.env.BENCH_PIPELINE !== '0' && hasKubectl();

function hasKubectl() {
  return (
    spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
      .status === 0
  );
}

/** One task of a side's worker, in a fresh process. */
function run(side, task, ...args) {
  const result = spawnSync(
    process.execPath,
    [
      '-r',
      transform,
      path.join(side.tree, 'scripts/bench/worker.ts'),
      task,
      ...args.map(String),
    ],
    {
      cwd: side.tree,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  if (result.status !== 0) {
    log(
      `bench: ${side.name}: ${task} ${args.join(' ')} failed:\n${result.stderr
        .split('\n')
        .slice(0, 5)
        .join('\n')}`,
    );
    process.exit(1);
  }
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const log = text => process.stderr.write(`${text}\n`);
// fresh processes per measurement, the median reported; more when comparing,
// since a 10% verdict needs it on a shared machine
const RUNS = Number(process.env.BENCH_RUNS ?? (process.env.BENCH_BASE ? 5 : 3));
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A new temporary folder for one use, removed after it. */
function withTempDir(prefix, use) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A task run in RUNS fresh processes (each on its own copy of the mesh when
 * it takes a folder): every number is the median, except peak RSS and bytes
 * written, the largest, so a verdict on them holds for every run.
 */
/** Many results of one measurement as one: medians, except peak RSS and bytes written, the largest. */
function merge(values) {
  const first = values[0];
  if (typeof first === 'number') return median(values);
  if (first && typeof first === 'object')
    return Object.fromEntries(
      Object.keys(first).map(k => [
        k,
        /peak|bytes/i.test(k)
          ? Math.max(...values.map(v => v[k]))
          : merge(values.map(v => v[k])),
      ]),
    );
  return first;
}

/**
 * A task of every side, run RUNS times each in fresh processes, the sides
 * taking turns run by run (so a slow moment of the machine falls on both),
 * each on its own copy of the mesh when it takes a folder.
 */
function runFresh(task, n, { inDir = false } = {}) {
  const results = sides.map(() => []);
  for (let r = 0; r < RUNS; r++)
    sides.forEach((side, i) =>
      results[i].push(
        inDir
          ? withTempDir(`cmdns-${task}-${n}-`, dir => run(side, task, n, dir))
          : run(side, task, n),
      ),
    );
  return results.map(merge);
}
/**
 * Configure on a mesh whose Cilium values have no `clustermesh` block (the
 * change creates it, with one peer entry per cluster): written to disk,
 * then planned, validated and applied twice in one process, as the
 * scaffolder module does with its cache.
 */
const configureNoBlockScript = `
const path = require('node:path');
const [tree, n, dir] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const { EngineCache, planMeshDnsChange } = require(path.join(tree, 'plugins/clustermesh-dns-engine/src'));
const { generateSyntheticMesh, syntheticClusterAddress, syntheticClusterName } =
  require(path.join(tree, 'plugins/clustermesh-dns-engine/src/testUtils'));
const { loadConventions, readDirectoryTree, writeFilesAtomically } =
  require(path.join(tree, 'plugins/clustermesh-dns-node/src'));
const files = generateSyntheticMesh({ clusters: n });
const hr = 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
// Cilium numbers clusters up to 255 unless maxConnectedClusters is 511: a
// larger mesh keeps that one key of the block
files[hr] = files[hr].slice(0, files[hr].indexOf('    clustermesh:')) +
  (n > 255 ? '    clustermesh:\\n      maxConnectedClusters: 511\\n' : '');
writeFilesAtomically(dir, Object.entries(files).map(([p, after]) => ({ path: p, after, reasons: [] })));
const input = {
  clusters: Array.from({ length: n }, (_, i) => ({
    name: syntheticClusterName(i + 1),
    ip: syntheticClusterAddress(i + 1, 1),
  })),
};
const cache = new EngineCache();
const run = () => {
  const start = performance.now();
  const t = readDirectoryTree(dir);
  const plan = planMeshDnsChange(t, input, loadConventions(t, dir, undefined, { cache }), { cache });
  if (plan.problems.length)
    throw new Error(plan.problems.map(p => p.field + ': ' + p.message).join('\\n'));
  const bytes = writeFilesAtomically(dir, plan.edits);
  return { ms: performance.now() - start, bytes, files: plan.edits.length };
};
const first = run();
const second = run();
console.log(JSON.stringify({ clusters: n, first, second, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
`;
const configureNoBlockFile = path.join(scratch, 'configure-no-block.cjs');
fs.writeFileSync(configureNoBlockFile, configureNoBlockScript);

/**
 * Configure on a mesh with no clustermesh block, RUNS fresh processes; this
 * tree only (a base before issue 12 refuses its own output there).
 */
function runConfigureNoBlock(n) {
  const results = [[]];
  for (let r = 0; r < RUNS; r++)
    [ours].forEach((side, i) =>
      results[i].push(
        withTempDir(`cmdns-configure-no-block-${n}-`, dir => {
          const result = spawnSync(
            process.execPath,
            ['-r', transform, configureNoBlockFile, side.tree, n, dir],
            { cwd: side.tree, encoding: 'utf8', maxBuffer: 1 << 26 },
          );
          if (result.status !== 0)
            throw new Error(
              `${side.name}: configure without a clustermesh block failed on ${n} clusters: ${result.stderr}`,
            );
          return JSON.parse(result.stdout.trim().split('\n').pop());
        }),
      ),
    );
  return results.map(merge);
}

const ms = x => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = x => x.toFixed(0);

/** The CLI of every side, end to end on a mesh on disk, taking turns: median time, largest peak RSS. */
function runCli(n) {
  return withTempDir(`cmdns-cli-${n}-`, dir => {
    run(ours, 'write', n, dir);
    const results = sides.map(() => []);
    for (let r = 0; r < RUNS; r++)
      sides.forEach((side, i) => {
        const start = performance.now();
        const result = spawnSync(
          process.execPath,
          [
            side.cli,
            'validate',
            dir,
            '--format',
            'json',
            // the domain the mesh keeps in SOPS, as a user gives it (the
            // base commit's CLI has no --value and took unknown for known)
            ...(side.base ? [] : ['--value', 'SECRET_DOMAIN=example.net']),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 30 },
        );
        const elapsed = performance.now() - start;
        if (result.status !== 0)
          throw new Error(
            `${side.name}: CLI failed on ${n} clusters: ${result.stderr}`,
          );
        const peak = /bench-peak-rss-kb (\d+)/.exec(result.stderr);
        if (!peak) throw new Error('the CLI did not report its peak RSS');
        results[i].push({ ms: elapsed, peakRssMb: Number(peak[1]) / 1024 });
      });
    return results.map(merge);
  });
}

/** Every measurement of one mesh size, one row per side. */
function measure(n) {
  log(`bench: ${n} clusters, in-process validate`);
  const inProcess = runFresh('validate', n);
  log(`bench: ${n} clusters, CLI end to end`);
  const cli = runCli(n);
  log(`bench: ${n} clusters, configure (plan and apply)`);
  const configure = runFresh('configure', n, { inDir: true });
  log(`bench: ${n} clusters, configure creating the clustermesh block`);
  const configureNoBlock = runConfigureNoBlock(n);
  return sides.map((_, i) => ({
    n,
    pipeline: undefined,
    inProcess: inProcess[i],
    cliMs: cli[i].ms,
    cliPeakRssMb: cli[i].peakRssMb,
    configure: configure[i],
    configureNoBlock: configureNoBlock[i] ?? configureNoBlock[0],
  }));
}

const rows = [];
const baseRows = [];
for (const n of sizes) {
  const [mine, theirs] = measure(n);
  rows.push(mine);
  if (theirs) baseRows.push(theirs);
}

// The pipeline last: a thousand kubectl runs disturb what is measured after them.
if (withPipeline) {
  for (const row of rows) {
    log(`bench: ${row.n} clusters, kubectl kustomize pipeline`);
    row.pipeline = withTempDir(`cmdns-pipeline-${row.n}-`, dir => {
      run(ours, 'write', row.n, dir);
      return run(ours, 'pipeline', row.n, dir);
    });
  }
}

/**
 * The meshes of issues 10 and 11, ours only (the base cannot generate them):
 * settings from env-file generators, and the worst case where every cluster
 * makes the same mistake, beside the green mesh of the same size, taking
 * turns run by run.
 */
const variantSizes = sizes.filter(n => n >= 64);
const variantNames = ['green', 'env-file', 'same-mistake'];
const variantRows = [];
for (const n of variantSizes) {
  log(
    `bench: ${n} clusters, env-file settings and the same mistake everywhere`,
  );
  const results = variantNames.map(() => []);
  for (let r = 0; r < RUNS; r++)
    variantNames.forEach((variant, i) =>
      results[i].push(run(ours, 'validate', n, variant)),
    );
  variantRows.push({
    n,
    ...Object.fromEntries(variantNames.map((v, i) => [v, merge(results[i])])),
  });
}

/**
 * The command as the README documents it (\`clustermesh-dns validate\`, the
 * package's bin running its minified bundle with V8's compile cache), timed
 * from outside as a shell would, peak RSS from /usr/bin/time when present.
 */
// node_modules/.bin/clustermesh-dns: the package's bin, as npx runs it
const bin = path.join(root, 'node_modules/.bin/clustermesh-dns');
const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
function runDocumented(dir) {
  const results = [];
  // one run first, unmeasured: the compile cache a user's second run has
  spawnSync(bin, ['validate', dir], { encoding: 'utf8' });
  for (let r = 0; r < RUNS; r++) {
    const args = ['validate', dir, '--value', 'SECRET_DOMAIN=example.net'];
    const start = performance.now();
    const result = timeBin
      ? spawnSync(timeBin, ['-f', 'peak-kb %M', bin, ...args], {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        })
      : spawnSync(bin, args, {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        });
    const elapsed = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`clustermesh-dns validate ${dir}: ${result.stderr}`);
    const peak = /peak-kb (\d+)/.exec(result.stderr ?? '');
    results.push({
      ms: elapsed,
      peakRssMb: peak ? Number(peak[1]) / 1024 : NaN,
    });
  }
  return merge(results);
}
const documented = [];
if (fs.existsSync(path.join(root, 'plugins/clustermesh-dns-cli/dist'))) {
  log('bench: the documented CLI on the example and on 511 clusters');
  documented.push({
    what: 'the example repository (2 clusters), `examples/gitops-repo`',
    target: 300,
    ...runDocumented(path.join(root, 'examples/gitops-repo')),
  });
  if (sizes.includes(511))
    documented.push({
      what: '511 green clusters from disk',
      target: 1500,
      ...withTempDir('cmdns-documented-', dir => {
        run(ours, 'write', 511, dir);
        return runDocumented(dir);
      }),
    });
} else {
  log(
    'bench: the CLI is not built (make setup builds it): documented CLI skipped',
  );
}

/** The backend's benchmarks (issues 13, 14), each in its own processes. */
function serviceBench(script) {
  log(`bench: ${script}`);
  const result = spawnSync(process.execPath, [path.join(root, script)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) {
    log(
      `bench: ${script} did not run: ${result.stderr.trim().split('\n').pop()}`,
    );
    return undefined;
  }
  return JSON.parse(result.stdout);
}
const reportApi =
  process.env.BENCH_SERVICES === '0'
    ? undefined
    : serviceBench('scripts/bench/report-api.mjs');
const liveDns =
  process.env.BENCH_SERVICES === '0'
    ? undefined
    : serviceBench('scripts/bench/live-dns.mjs');

const validateTable = [
  '| Clusters | Files | Bytes | Validate cold (ms) | Validate warm, median (ms) | In process: RSS before / after cold / after warm (MB) | CLI end to end (ms) | CLI peak RSS (MB) | kubectl kustomize pipeline (ms) | Pipeline ÷ cold | Pipeline ÷ warm |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(({ n, inProcess: v, cliMs, cliPeakRssMb, pipeline: p }) =>
    [
      n,
      v.files,
      v.bytes,
      ms(v.coldMs),
      `${ms(v.warmMedianMs)} (of ${v.runs})`,
      `${mb(v.baselineRssMb)} / ${mb(v.coldPeakRssMb)} / ${mb(v.peakRssMb)}`,
      ms(cliMs),
      mb(cliPeakRssMb),
      p ? ms(p.totalMs) : 'skipped',
      p ? `${(p.totalMs / v.coldMs).toFixed(0)}×` : '-',
      p ? `${(p.totalMs / v.warmMedianMs).toFixed(0)}×` : '-',
    ]
      .join(' | ')
      .replace(/^/, '| ')
      .replace(/$/, ' |'),
  ),
];

const configureTable = [
  '| Clusters | Plan and apply (ms) | Files written | Bytes written | Second run (ms) | Second run bytes | Peak RSS (MB) |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    ({ n, configure: c }) =>
      `| ${n} | ${ms(c.first.ms)} | ${c.first.files} | ${c.first.bytes} | ${ms(
        c.second.ms,
      )} | ${c.second.bytes} | ${mb(c.peakRssMb)} |`,
  ),
];
const configureNoBlockTable = [
  '| Clusters | Plan and apply (ms) | Files written | Bytes written | Second run (ms) | Second run bytes | Peak RSS (MB) |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    ({ n, configureNoBlock: c }) =>
      `| ${n} | ${ms(c.first.ms)} | ${c.first.files} | ${c.first.bytes} | ${ms(
        c.second.ms,
      )} | ${c.second.bytes} | ${mb(c.peakRssMb)} |`,
  ),
];
const smallest = rows.find(r => r.n === 2);
const largest = rows.find(r => r.n === 511);
const verdict = (ok, text) => `- ${ok ? 'Met' : '**Not met**'}: ${text}`;
const verdicts = largest
  ? [
      verdict(
        largest.inProcess.warmMedianMs <= 250,
        `511 clusters in ≤ 250 ms in process (warm median ${ms(
          largest.inProcess.warmMedianMs,
        )} ms; cold ${ms(largest.inProcess.coldMs)} ms).`,
      ),
      ...(largest.pipeline
        ? [
            verdict(
              largest.pipeline.totalMs / largest.inProcess.coldMs >= 50,
              `≥ 50× faster than the pipeline (${(
                largest.pipeline.totalMs / largest.inProcess.coldMs
              ).toFixed(0)}× cold, ${(
                largest.pipeline.totalMs / largest.inProcess.warmMedianMs
              ).toFixed(0)}× warm).`,
            ),
          ]
        : []),
      verdict(
        largest.cliPeakRssMb <= 300,
        `peak RSS ≤ 300 MB (the CLI validating 511 clusters from disk: ${mb(
          largest.cliPeakRssMb,
        )} MB; in process, ${mb(
          largest.inProcess.coldPeakRssMb - largest.inProcess.baselineRssMb,
        )} MB above the ${mb(
          largest.inProcess.baselineRssMb,
        )} MB the harness holds before validating).`,
      ),
    ]
  : [
      '- Targets are judged on the 511-cluster row; run all sizes to judge them.',
    ];

const configureVerdicts = [
  ...(smallest
    ? [
        verdict(
          smallest.configure.first.ms <= 100,
          `2 clusters in ≤ 100 ms (${ms(smallest.configure.first.ms)} ms).`,
        ),
      ]
    : []),
  ...(largest
    ? [
        verdict(
          largest.configure.first.ms <= 2000,
          `511 clusters in ≤ 2 s (${ms(largest.configure.first.ms)} ms).`,
        ),
      ]
    : []),
  verdict(
    rows.every(r => r.configure.second.bytes === 0),
    'a second run writes 0 bytes.',
  ),
];

const configureNoBlockVerdicts = [
  ...(largest
    ? [
        verdict(
          largest.configureNoBlock.first.ms <= 2000,
          `511 clusters in ≤ 2 s (${ms(
            largest.configureNoBlock.first.ms,
          )} ms).`,
        ),
      ]
    : []),
  verdict(
    rows.every(r => r.configureNoBlock.second.bytes === 0),
    'a second run writes 0 bytes.',
  ),
];

/**
 * This tree against the base commit, measured side by side: each figure
 * may be at most 10% above the base's (times under 20 ms: 2 ms, since a
 * fraction of a millisecond is noise there).
 */
const comparisonRows = [];
for (const [i, row] of baseRows.entries()) {
  const mine = rows[i];
  const metrics = [
    ['validate cold (ms)', r => r.inProcess.coldMs],
    ['validate warm, median (ms)', r => r.inProcess.warmMedianMs],
    ['CLI end to end (ms)', r => r.cliMs],
    ['CLI peak RSS (MB)', r => r.cliPeakRssMb],
    ['configure, plan and apply (ms)', r => r.configure.first.ms],
    ['configure, second run (ms)', r => r.configure.second.ms],
  ];
  for (const [name, of] of metrics) {
    const a = of(mine);
    const b = of(row);
    const ok = a <= b * 1.1 || (b < 20 && !/RSS/.test(name) && a - b <= 2);
    comparisonRows.push(
      `| ${row.n} | ${name} | ${(/RSS/.test(name) ? mb : ms)(
        a,
      )} | ${(/RSS/.test(name) ? mb : ms)(b)} | ${(a / b).toFixed(2)} | ${
        ok ? 'within' : '**over**'
      } |`,
    );
  }
}
const comparison = base
  ? `## Compared with ${base.name}

Measured in the same run, each measurement of the base beside ours (the base
commit checked out in a git worktree, with the same dependencies). A figure
is within when it is at most 10% above the base's (for times under 20 ms, at
most 2 ms above).

| Clusters | Measure | This tree | Base | Ratio | Verdict |
|---:|---|---:|---:|---:|---|
${comparisonRows.join('\n')}
`
  : '';

const variantTable = [
  '| Clusters | Mesh | Validate cold (ms) | Validate warm, median (ms) | JSON report (bytes) | Peak RSS (MB) | Status |',
  '|---:|---|---:|---:|---:|---:|---|',
  ...variantRows.flatMap(row =>
    variantNames.map(
      v =>
        `| ${row.n} | ${v} | ${ms(row[v].coldMs)} | ${ms(
          row[v].warmMedianMs,
        )} | ${row[v].reportBytes} | ${mb(row[v].peakRssMb)} | ${
          v === 'same-mistake' ? 'fail' : 'pass'
        } |`,
    ),
  ),
];
const variantVerdicts = variantRows.flatMap(row => {
  const green = row.green;
  const worst = row['same-mistake'];
  const env = row['env-file'];
  return [
    verdict(
      worst.reportBytes <= 2 * green.reportBytes,
      `${
        row.n
      } clusters, the same mistake everywhere: report ≤ 2× the green one (${(
        worst.reportBytes / green.reportBytes
      ).toFixed(2)}×).`,
    ),
    verdict(
      worst.coldMs <= 1.5 * green.coldMs,
      `${
        row.n
      } clusters, the same mistake everywhere: time ≤ 1.5× the green validation (cold ${(
        worst.coldMs / green.coldMs
      ).toFixed(2)}×, warm ${(worst.warmMedianMs / green.warmMedianMs).toFixed(
        2,
      )}×).`,
    ),
    verdict(
      env.coldMs <= 1.1 * green.coldMs &&
        env.warmMedianMs <= 1.1 * green.warmMedianMs,
      `${
        row.n
      } clusters, settings from env-file generators: within 10% of the ConfigMap files (cold ${(
        env.coldMs / green.coldMs
      ).toFixed(2)}×, warm ${(env.warmMedianMs / green.warmMedianMs).toFixed(
        2,
      )}×).`,
    ),
  ];
});

const documentedTable = [
  '| Run | Median (ms) | Peak RSS (MB) | Target (ms) |',
  '|---|---:|---:|---:|',
  ...documented.map(
    d =>
      `| ${d.what} | ${ms(d.ms)} | ${
        Number.isNaN(d.peakRssMb) ? 'n/a' : mb(d.peakRssMb)
      } | ${d.target} |`,
  ),
];
const documentedVerdicts = documented.flatMap(d => [
  verdict(d.ms <= d.target, `${d.what}: ≤ ${d.target} ms (${ms(d.ms)} ms).`),
  ...(Number.isNaN(d.peakRssMb)
    ? []
    : [
        verdict(
          d.peakRssMb <= 300,
          `${d.what}: peak RSS ≤ 300 MB (${mb(d.peakRssMb)} MB).`,
        ),
      ]),
]);

const percentiles = r =>
  `${r.p50} / ${r.p95} / ${r.p99} | ${r.rps} | ${r.errors}`;
const reportApiSection = reportApi
  ? `## The report API (issue 13)

\`node scripts/bench/report-api.mjs\`: the backend in its own process with a
${reportApi.reportRoute.clusters}-cluster source (a ${
      reportApi.reportRoute.bytes
    }-byte report, cached), ${reportApi.reportRoute.connections} concurrent
clients for ${reportApi.reportRoute.durationS} s (autocannon), against the
plugin's constant route (the same bytes behind the same auth, permission and
OpenAPI validation), in the same run. Target: p95 ≤ 1.5× the constant route's,
0 errors; a conditional request (304) p95 ≤ 5 ms; a refresh of an unchanged
SCM source: one request, no validation.

| Route | p50 / p95 / p99 (ms) | Requests/s | Errors |
|---|---:|---:|---:|
| report | ${percentiles(reportApi.reportRoute.report)} |
| constant | ${percentiles(reportApi.reportRoute.constant)} |
| report, If-None-Match → 304, ${
      reportApi.reportRoute.connections
    } connections | ${percentiles(
      reportApi.conditional[`${reportApi.reportRoute.connections} connections`],
    )} |
| report, If-None-Match → 304, 1 connection | ${percentiles(
      reportApi.conditional['1 connection'],
    )} |

${verdict(
  reportApi.reportRoute.met,
  `report p95 ≤ 1.5× the constant route's (${reportApi.reportRoute.p95Ratio}×), 0 errors.`,
)}
${verdict(
  reportApi.conditional.met,
  `a conditional request's p95 ≤ 5 ms (${reportApi.conditional['1 connection'].p95} ms on one connection).`,
)}
${verdict(
  reportApi.unchangedScmRefresh.met,
  `a refresh of an unchanged SCM source is one request (${reportApi.unchangedScmRefresh.refresh.requests.join(
    ', ',
  )}) and no validation (${reportApi.unchangedScmRefresh.refresh.ms} ms).`,
)}
`
  : '';
const liveDnsSection = liveDns
  ? `## Live DNS (issue 14)

\`node scripts/bench/live-dns.mjs\`: the live DNS check of ${
      liveDns.clusters
    } clusters against dnsmasq on loopback (${liveDns.concurrency} queries in
flight), then with a resolver that never answers first in the list (timeout
${liveDns.deadResolverFirst.timeoutMs} ms).

| Run | Time (ms) | Queries | Sent to the dead resolver | Target |
|---|---:|---:|---:|---|
| loopback dnsmasq | ${liveDns.loopback.ms} | ${
      liveDns.loopback.queries
    } | - | ${liveDns.loopback.target} |
| dead resolver first | ${liveDns.deadResolverFirst.ms} | ${
      liveDns.deadResolverFirst.queries
    } | ${liveDns.deadResolverFirst.queriesSentToDeadResolver} | ${
      liveDns.deadResolverFirst.target
    } |

${verdict(
  liveDns.loopback.met,
  `${liveDns.clusters} clusters in ${liveDns.loopback.target}.`,
)}
${verdict(
  liveDns.deadResolverFirst.met,
  `with a dead resolver: ${liveDns.deadResolverFirst.target}.`,
)}
`
  : '';

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const kubectl = withPipeline
  ? execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .join(', ')
  : 'not used';
const machine = [
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  `- Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(
    0,
  )} GiB RAM, ${os.type()} ${os.release()}`,
  `- Node ${process.version}; ${kubectl}`,
];

const markdown = `# Benchmarks

Generated by \`make bench\` (\`scripts/bench.mjs\`); rerun it to refresh this file.
Meshes come from \`generateSyntheticMesh\` (the story's layout, every rule green).

${machine.join('\n')}

## Validate (issue 3)

Targets: 511 clusters validated in process in ≤ 250 ms, ≥ 50× faster than the
\`kubectl kustomize\` pipeline, peak RSS ≤ 300 MB.

Each in-process figure is the median over ${RUNS} fresh processes (peak RSS:
the largest), so one noisy run does not decide a verdict.

- *Cold*: first validation in a fresh process (YAML parsed from text).
- *Warm*: median of repeated validations of the same bytes in one process (the
  backend's case: parsed files are reused by content).
- *In process*: the benchmark process runs the TypeScript sources through
  Backstage's transform and holds the generated mesh as text and as a tree
  before validating (the first RSS figure); then the peak after the cold
  validation and after the repeated ones.
- *CLI*: \`clustermesh-dns validate <dir> --format json\` as published (bundled
  into one file, no transform at run time), median of ${RUNS}, process start
  and disk reads included; its peak RSS is the largest of the ${RUNS} runs. The
  peak RSS target is judged on it: it is what running the tool costs.
- *Pipeline*: per cluster, \`kubectl kustomize\` of its settings and of the
  infrastructure, then Flux substitution and a select of the HelmRelease and
  DNSEndpoint; the story's way today, measured in the same run.

${validateTable.join('\n')}

${verdicts.join('\n')}

## Configure (issue 4)

Targets: 2 clusters ≤ 100 ms in process; 511 ≤ 2 s; a second run writes 0 bytes.
Each cluster moves to another address of its pool, so one settings file per
cluster changes; the time includes reading the folder from disk, planning,
validating the planned result with every rule, and the atomic write. Each
run is a fresh process on a fresh copy of the mesh; the times are the
median over ${RUNS} of them, the peak RSS the largest.

${configureTable.join('\n')}

${configureVerdicts.join('\n')}

### A mesh whose Cilium values have no \`clustermesh\` block (issue 12)

Targets: 511 clusters ≤ 2 s; a second run writes 0 bytes. The shared
HelmRelease's values have no \`clustermesh\` block (the settings and the
DNSEndpoint are there; above 255 clusters only \`maxConnectedClusters: 511\`,
which Cilium needs for cluster IDs above 255, as rule cluster-id-unique
checks): the change creates the block once, with the service,
the LB IPAM annotation, the certificate's name and one peer entry per
cluster, so the one file written grows with the mesh while every cluster's
rendering of it is validated. Measured as above, in process, from the
folder on disk.

${configureNoBlockTable.join('\n')}

${configureNoBlockVerdicts.join('\n')}

## Env-file settings and the worst case (issues 10, 11)

Validated in process as above (median of ${RUNS} fresh processes, taking
turns), beside the green mesh of the same size: \`env-file\` has every
cluster's settings ConfigMap generated by kustomize from an env file;
\`same-mistake\` has every cluster make the same mistake (its settings, FQDN
templates with \`\${SECRET_DOMAIN}\`, applied without substitution), which
fails two rules per cluster. Targets: the worst case's JSON report no larger
than 2× the green one, its time within 1.5× of the green validation; the
env-file mesh within 10% of the ConfigMap files.

${variantTable.join('\n')}

${variantVerdicts.join('\n')}

## The command as documented (issue 11)

Targets: the 2-cluster example ≤ 300 ms; 511 green clusters ≤ 1.5 s; peak RSS
≤ 300 MB. \`clustermesh-dns validate <dir> --value SECRET_DOMAIN=example.net\`
as \`node_modules/.bin/clustermesh-dns\` (the package's bin, what \`npx
clustermesh-dns\` runs), timed from outside as a shell would: median
of ${RUNS} runs after one unmeasured run (V8's compile cache, which the bin
enables, is then warm, as on a developer's machine or a CI runner's second
call); peak RSS from \`/usr/bin/time\`. (\`yarn clustermesh-dns\` adds Yarn's own
start-up, about 0.3 s.)

${documentedTable.join('\n')}

${documentedVerdicts.join('\n')}

${reportApiSection}
${liveDnsSection}
${comparison ? `\n${comparison}` : ''}
${suiteDurationsSection() ?? ''}`;

process.stdout.write(`${markdown}\n`);
if (sizes.join(',') === '2,64,255,511') {
  const file = path.join(root, 'docs/benchmarks.md');
  fs.writeFileSync(file, markdown);
  // Kept in the repository's style, so `make test`'s prettier check passes.
  spawnSync(path.join(root, 'node_modules/.bin/prettier'), ['--write', file]);
  log('bench: wrote docs/benchmarks.md');
}
