import { finding, EngineFinding } from '../core/finding';
import type { DirectoryQueries } from '../tree/TreeIndex';
import type { BuildResult, KustomizeEngine } from './kustomize';

/** Go's string order (byte-wise), which filepath.Walk uses. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * The resources of the kustomization kustomize-controller generates for a
 * folder without a kustomization file: every `.yaml`/`.yml` file below it,
 * in filepath.Walk's order, a sub-folder with its own kustomization file
 * counting as one entry (not descended into). A YAML file that is not
 * Kubernetes objects fails the generation, as in Flux.
 */
export function scanFluxResources(
  dir: string,
  index: DirectoryQueries,
  engine: Pick<KustomizeEngine, 'kustomizationFile' | 'fileObjects'>,
): { resources: string[]; findings: EngineFinding[]; ok: boolean } {
  const resources: string[] = [];
  const findings: EngineFinding[] = [];
  let ok = true;
  const relative = (path: string) => (dir ? path.slice(dir.length + 1) : path);
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
        if (engine.kustomizationFile(path)) resources.push(relative(path));
        else walk(path);
      } else if (/\.ya?ml$/.test(entry.name)) {
        const built = engine.fileObjects(path);
        if (!built.ok) {
          findings.push(
            ...built.findings.map(f =>
              finding(
                f.code,
                f.severity,
                `${f.message}; Flux fails to decode Kubernetes YAML from it when generating the kustomization for ${dir}/`,
                f.location,
              ),
            ),
          );
          ok = false;
        } else {
          resources.push(relative(path));
        }
      }
    }
  };
  walk(dir);
  return { resources, findings, ok };
}

/**
 * What kustomize-controller builds for a folder without a kustomization
 * file (kept for callers of the earlier API; {@link KustomizeEngine.buildFluxPath}
 * does this and more).
 */
export function buildGeneratedKustomization(
  dir: string,
  _index: DirectoryQueries,
  engine: KustomizeEngine,
): BuildResult {
  return engine.buildFluxPath(dir);
}
