import { spawnSync } from 'node:child_process';

/**
 * Whether `kubectl` is on PATH. When it is not, prints which tests are
 * skipped and why, so a skip is never silent.
 */
export function kubectlOnPath(skipped: string): boolean {
  const available =
    spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
      .status === 0;
  if (!available) {
    // eslint-disable-next-line no-console
    console.log(`Skipping ${skipped}: kubectl is not on PATH`);
  }
  return available;
}

/** `kubectl kustomize` of a folder as Flux runs it (LoadRestrictionsNone). */
export function kubectlKustomize(folder: string) {
  return spawnSync(
    'kubectl',
    ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', folder],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
}
