/* eslint-disable no-console */
// One benchmark measurement per process, so each peak RSS is its own.
// Usage: node -r @backstage/cli/config/nodeTransform.cjs scripts/bench/worker.ts <task> ...
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  createRepoTree,
  EngineCache,
  planMeshDnsChange,
  resolveConventions,
  validateMesh,
} from '../../plugins/clustermesh-dns-engine/src';
import {
  generateSyntheticMesh,
  syntheticClusterAddress,
  syntheticClusterName,
} from '../../plugins/clustermesh-dns-engine/src/testUtils';
import { envsubst } from '../../plugins/clustermesh-dns-engine/src/flux/envsubst';
import {
  loadConventions,
  readDirectoryTree,
  writeFilesAtomically,
} from '../../plugins/clustermesh-dns-node/src';

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/**
 * The meshes validated: the story's layout all green; the same with every
 * cluster's settings generated from an env file; and the worst case, every
 * cluster making the same mistake (settings with FQDN templates applied
 * without substitution).
 */
const meshVariants = {
  green: {},
  'env-file': { settingsFrom: 'env-file' },
  'same-mistake': { unsubstitutedSettings: true },
} as const;

// the domain the synthetic mesh keeps in SOPS, given as a user gives it
const conventions = resolveConventions({
  values: { SECRET_DOMAIN: 'example.net' },
});

function validateTask(n: number, variant: keyof typeof meshVariants = 'green') {
  if (!meshVariants[variant]) throw new Error(`unknown mesh ${variant}`);
  const files = generateSyntheticMesh({
    clusters: n,
    ...meshVariants[variant],
  });
  const bytes = Object.values(files).reduce((sum, f) => sum + f.length, 0);
  const baselineRss = rssMb();
  // the backend's case: one cache, kept between validations of the source
  const cache = new EngineCache();
  let start = performance.now();
  const report = validateMesh(createRepoTree(files), conventions, {
    cache,
  });
  const cold = performance.now() - start;
  const coldPeakRss = rssMb();
  const expected = variant === 'same-mistake' ? 'fail' : 'pass';
  if (report.summary.status !== expected)
    throw new Error(
      `synthetic mesh ${variant} of ${n}: status ${report.summary.status}, not ${expected}`,
    );
  const reportBytes = Buffer.byteLength(JSON.stringify(report));
  const warm: number[] = [];
  const runs = n > 255 ? 9 : 21;
  for (let i = 0; i < runs; i++) {
    start = performance.now();
    validateMesh(createRepoTree(files), conventions, { cache });
    warm.push(performance.now() - start);
  }
  return {
    clusters: n,
    files: Object.keys(files).length,
    bytes,
    reportBytes,
    coldMs: cold,
    warmMedianMs: median(warm),
    runs,
    baselineRssMb: baselineRss,
    coldPeakRssMb: coldPeakRss,
    peakRssMb: rssMb(),
  };
}

function writeTask(
  n: number,
  dir: string,
  variant: keyof typeof meshVariants = 'green',
) {
  const files = generateSyntheticMesh({
    clusters: n,
    ...meshVariants[variant],
  });
  writeFilesAtomically(
    dir,
    Object.entries(files).map(([file, after]) => ({ path: file, after })),
  );
  return { files: Object.keys(files).length };
}

/**
 * The story's way today, per cluster: `kubectl kustomize` the cluster's
 * settings and the infrastructure it applies, substitute the settings into
 * the rendered infrastructure, and select the ClusterMesh objects.
 */
function pipelineTask(n: number, dir: string) {
  const start = performance.now();
  let selected = 0;
  for (let i = 1; i <= n; i++) {
    const cluster = syntheticClusterName(i);
    const kustomize = (p: string) =>
      execFileSync(
        'kubectl',
        [
          'kustomize',
          '--load-restrictor',
          'LoadRestrictionsNone',
          path.join(dir, p),
        ],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        },
      );
    const settings = parseAllDocuments(
      kustomize(`kubernetes/clusters/${cluster}/vars`),
    )
      .map(d => d.toJS())
      .find(o => o?.kind === 'ConfigMap');
    const vars: Record<string, string> = {
      SECRET_DOMAIN: 'example.com',
      ...settings?.data,
    };
    const infra = kustomize('kubernetes/infrastructure');
    const result = envsubst(infra, name => vars[name], { strict: false });
    if (!result.ok) throw new Error(result.error);
    selected += parseAllDocuments(result.output)
      .map(d => d.toJS())
      .filter(
        o => o?.kind === 'HelmRelease' || o?.kind === 'DNSEndpoint',
      ).length;
  }
  return { clusters: n, totalMs: performance.now() - start, selected };
}

/**
 * Plan and apply on a mesh written to disk: every cluster moves to another
 * address of its pool (one settings file per cluster changes); then the
 * same input again, which must write nothing.
 */
function configureTask(n: number, dir: string) {
  writeTask(n, dir);
  const input = {
    // every cluster moves to address 2 of its pool (the generator wrote 1)
    clusters: Array.from({ length: n }, (_, i) => ({
      name: syntheticClusterName(i + 1),
      ip: syntheticClusterAddress(i + 1, 2),
    })),
  };
  // the action's case: the scaffolder module keeps one cache between runs
  const cache = new EngineCache();
  const run = () => {
    const start = performance.now();
    const tree = readDirectoryTree(dir);
    const plan = planMeshDnsChange(
      tree,
      input,
      loadConventions(tree, dir, undefined, { cache }),
      { cache },
    );
    if (plan.problems.length)
      throw new Error(
        plan.problems.map(p => `${p.field}: ${p.message}`).join('\n'),
      );
    const bytes = writeFilesAtomically(dir, plan.edits);
    return { ms: performance.now() - start, bytes, files: plan.edits.length };
  };
  const first = run();
  const second = run();
  return { clusters: n, first, second, peakRssMb: rssMb() };
}

const [task, ...args] = process.argv.slice(2);
const tasks: Record<string, () => unknown> = {
  validate: () =>
    validateTask(Number(args[0]), args[1] as keyof typeof meshVariants),
  write: () =>
    writeTask(Number(args[0]), args[1], args[2] as keyof typeof meshVariants),
  pipeline: () => pipelineTask(Number(args[0]), args[1]),
  configure: () => configureTask(Number(args[0]), args[1]),
};
if (!tasks[task]) {
  console.error(`unknown task ${task}`);
  process.exit(2);
}
console.log(JSON.stringify(tasks[task]()));
