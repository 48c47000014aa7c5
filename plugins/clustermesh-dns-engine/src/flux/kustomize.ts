import { finding, EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import type { TreeIndex } from '../tree/TreeIndex';
import type { YamlFiles } from '../yaml/files';
import { scanFluxResources } from './generatedKustomization';
import {
  AccumulateHost,
  Accumulation,
  accumulateTarget,
  emptyAccumulation,
} from './kustomize/accumulate';
import { finishBuild } from './kustomize/finish';
import type { GeneratorMemo } from './kustomize/generators';
import type { HashMemo } from './kustomize/hash';
import { fromManifest, Res } from './kustomize/resource';
import type { FluxKustomizeOverlay } from './kustomize/overlay';
import {
  TargetFiles,
  applyOverlay,
  generatedTarget,
  KustTarget,
  readTarget,
} from './kustomize/target';
import { documentsToObjects } from './kustomizeObjects';

export { documentsToObjects, withNamespace } from './kustomizeObjects';
export type { FluxKustomizeOverlay } from './kustomize/overlay';
export { HashMemo } from './kustomize/hash';

/** The file names kustomize recognises, in its order of preference. @public */
export const kustomizationFileNames = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
] as const;

/** What a {@link KustomizeEngine} keeps between builds when given it. @public */
export interface KustomizeMemos {
  hashes?: HashMemo;
  /** @internal */
  generated?: GeneratorMemo;
}

/** @public */
export interface BuildResult {
  objects: ManifestObject[];
  findings: EngineFinding[];
  /** False when kustomize itself would fail on this path. */
  ok: boolean;
}

/**
 * Builds kustomize directories offline, as `kubectl kustomize
 * --load-restrictor LoadRestrictionsNone` (how Flux runs it) does, for the
 * features GitOps repositories use: resources, components, generators
 * (with name-suffix hashes and the references to them), patches of every
 * kind, namespace, prefixes and suffixes, labels and annotations,
 * `configurations`, `replacements`. Every other field of a kustomization is reported as
 * not evaluated, never silently dropped. Builds are cached per directory
 * (and per Flux overlay), so a path shared by many clusters is built once.
 *
 * @public
 */
export class KustomizeEngine {
  readonly #index: TreeIndex;
  readonly #files: YamlFiles;
  readonly #builds = new Map<string, BuildResult>();
  readonly #fluxBuilds = new Map<string, BuildResult>();
  readonly #accumulations = new Map<string, Accumulation>();
  readonly #fileObjects = new Map<string, BuildResult>();
  readonly #resourcesOfFile = new Map<
    string,
    { resources: readonly Res[]; findings: EngineFinding[]; ok: boolean }
  >();
  readonly #host: AccumulateHost;

  readonly #hashes?: HashMemo;
  readonly #targetFiles: TargetFiles;

  /**
   * `options.hashes` keeps name-suffix hashes between engines and
   * `options.generated` generated resources (pass the same memos to the
   * engine of each validation); none when absent.
   */
  constructor(
    index: TreeIndex,
    files: YamlFiles,
    options: KustomizeMemos = {},
  ) {
    this.#index = index;
    this.#files = files;
    this.#hashes = options.hashes;
    this.#targetFiles = new TargetFiles(files);
    this.#host = {
      index,
      files,
      generated: options.generated,
      fileResources: path => this.#fileResources(path),
      directory: (dir, stack, kind, into) =>
        this.#directory(dir, stack, kind, into),
    };
  }

  /** The kustomization file of a directory, if it has one. */
  kustomizationFile(dir: string): string | undefined {
    for (const name of kustomizationFileNames) {
      const path = dir ? `${dir}/${name}` : name;
      if (this.#index.isFile(path)) return path;
    }
    return undefined;
  }

  /** `kustomize build <dir>` (with LoadRestrictionsNone, as Flux runs it). */
  build(dir: string): BuildResult {
    let result = this.#builds.get(dir);
    if (!result) {
      const file = this.kustomizationFile(dir);
      if (!file) {
        result = {
          objects: [],
          findings: [missingKustomization(dir)],
          ok: false,
        };
      } else {
        const acc = this.#directory(dir, [], 'top');
        result = finishBuild(acc, {
          originAnnotationsFrom: acc.originAnnotations ? dir : undefined,
          hashes: this.#hashes,
        });
      }
      this.#builds.set(dir, result);
    }
    return result;
  }

  /**
   * What kustomize-controller builds for a Flux Kustomization's path: the
   * folder's kustomization file, or the one Flux generates (every YAML file
   * below, sub-folders with a kustomization file as units), with the Flux
   * Kustomization's additions applied as kustomize-controller writes them
   * into that file (namespace from targetNamespace, patches, components).
   * A missing folder is a `flux-error`. Cached per folder and overlay key.
   */
  buildFluxPath(dir: string, overlay?: FluxKustomizeOverlay): BuildResult {
    const key = overlay ? `${dir}\u0000${overlay.key}` : dir;
    let result = this.#fluxBuilds.get(key);
    if (result) return result;
    const findings: EngineFinding[] = [];
    let ok = true;
    let target: KustTarget | undefined;
    const file = this.kustomizationFile(dir);
    if (file) {
      target = readTarget(dir, file, this.#targetFiles, findings);
      // kustomize-controller asks for origin annotations when the file lists no resources
      if (target && !Array.isArray(target.spec.resources))
        target.originAnnotations = true;
    } else if (this.#index.isDir(dir)) {
      const scan = scanFluxResources(dir, this.#index, this);
      findings.push(...scan.findings);
      ok = scan.ok;
      target = generatedTarget(
        dir,
        scan.resources.map(r => `./${r}`),
      );
    } else {
      findings.push(
        finding('flux-error', 'error', 'does not exist in the repository', {
          file: dir || '.',
          line: 1,
        }),
      );
    }
    if (!target) {
      result = { objects: [], findings, ok: false };
    } else {
      if (overlay)
        target = applyOverlay(
          target,
          overlay,
          this.#targetFiles,
          p => this.#index.isDir(p) || this.#index.isFile(p),
          findings,
        );
      const before = findings.length;
      // kustomize builds a Component given as the top directory like a Kustomization
      const acc = accumulateTarget(target, [], this.#host);
      const built = finishBuild(acc, {
        originAnnotationsFrom: target.originAnnotations ? dir : undefined,
        hashes: this.#hashes,
      });
      result = {
        objects: built.objects,
        findings: [...findings, ...built.findings],
        ok:
          ok &&
          built.ok &&
          !findings.slice(before).some(f => f.severity === 'error'),
      };
    }
    this.#fluxBuilds.set(key, result);
    return result;
  }

  /** Objects of one manifest file. */
  fileObjects(path: string): BuildResult {
    let result = this.#fileObjects.get(path);
    if (result) return result;
    const { documents, problems } = this.#files.read(path);
    const findings: EngineFinding[] = problems.map(p =>
      finding('yaml-invalid', 'error', p.message, {
        file: p.file,
        line: p.line,
      }),
    );
    const converted = documentsToObjects(documents);
    result = {
      objects: converted.objects,
      findings: [...findings, ...converted.findings],
      ok: findings.length === 0 && converted.findings.length === 0,
    };
    this.#fileObjects.set(path, result);
    return result;
  }

  #fileResources(path: string) {
    let result = this.#resourcesOfFile.get(path);
    if (!result) {
      const built = this.fileObjects(path);
      result = { ...built, resources: built.objects.map(fromManifest) };
      this.#resourcesOfFile.set(path, result);
    }
    return result;
  }

  /** A directory as a Kustomization (cached: it does not depend on its parent) or a Component. */
  #directory(
    dir: string,
    stack: readonly string[],
    kind: 'Kustomization' | 'Component' | 'top',
    into?: Accumulation,
  ): Accumulation {
    const cacheable = kind !== 'Component' && !into;
    const cached = cacheable ? this.#accumulations.get(dir) : undefined;
    if (cached) return cached;
    const fail = (f: EngineFinding): Accumulation => {
      const acc = into
        ? { ...into, findings: [...into.findings, f], ok: false }
        : { ...emptyAccumulation(), findings: [f], ok: false };
      return acc;
    };
    const file = this.kustomizationFile(dir);
    if (!file) return fail(missingKustomization(dir));
    if (stack.includes(dir))
      return fail(
        finding(
          'kustomize-error',
          'error',
          `is part of a cycle: ${[...stack, dir].join(' → ')}`,
          { file, line: 1 },
        ),
      );
    const findings: EngineFinding[] = [];
    const target = readTarget(dir, file, this.#targetFiles, findings);
    let acc: Accumulation;
    if (!target) {
      acc = into
        ? { ...into, findings: [...into.findings, ...findings], ok: false }
        : { ...emptyAccumulation(), findings, ok: false };
    } else if (kind !== 'top' && target.kind !== kind) {
      acc = fail(
        finding(
          'kustomize-error',
          'error',
          `is a ${target.kind}, but it is used as a ${kind}`,
          target.fields.at(['kind']),
        ),
      );
    } else {
      acc = accumulateTarget(target, stack, this.#host, into);
      if (findings.length)
        acc = { ...acc, findings: [...findings, ...acc.findings] };
    }
    // a Component's accumulation depends on where it is used: never cached
    if (cacheable && target?.kind !== 'Component')
      this.#accumulations.set(dir, acc);
    return acc;
  }
}

function missingKustomization(dir: string): EngineFinding {
  return finding(
    'kustomize-error',
    'error',
    'has no kustomization.yaml, kustomization.yml or Kustomization file; kustomize cannot build it',
    { file: dir || '.', line: 1 },
  );
}
