import type { EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import type { TreeIndex } from '../tree/TreeIndex';
import type { BuildResult, KustomizeEngine } from './kustomize';

/** Go's string order (byte-wise), which filepath.Walk uses. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * What kustomize-controller builds for a folder without a kustomization
 * file: it generates one that lists every YAML file below it, a
 * sub-folder with its own kustomization file counting as one entry.
 */
export function buildGeneratedKustomization(
  dir: string,
  index: TreeIndex,
  engine: KustomizeEngine,
): BuildResult {
  const objects: ManifestObject[] = [];
  const findings: EngineFinding[] = [];
  let ok = true;
  const walk = (current: string) => {
    const { files, dirs } = index.list(current);
    // filepath.Walk visits entries in lexical order, files and directories mixed
    const entries = [
      ...files.map(name => ({ name, dir: false })),
      ...dirs.map(name => ({ name, dir: true })),
    ].sort((a, b) => compareBytes(a.name, b.name));
    for (const entry of entries) {
      const path = current ? `${current}/${entry.name}` : entry.name;
      if (entry.dir) {
        if (engine.kustomizationFile(path)) {
          const built = engine.build(path);
          objects.push(...built.objects);
          findings.push(...built.findings);
          ok &&= built.ok;
        } else {
          walk(path);
        }
      } else if (/\.ya?ml$/.test(entry.name)) {
        const built = engine.fileObjects(path);
        if (!built.ok) {
          findings.push(
            ...built.findings.map(f => ({
              ...f,
              message: `${f.message}; Flux fails to decode Kubernetes YAML from it when generating the kustomization for ${dir}/`,
            })),
          );
          ok = false;
        }
        objects.push(...built.objects);
      }
    }
  };
  walk(dir);
  return { objects, findings, ok };
}
