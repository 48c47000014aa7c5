import {
  formatLocation,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { finding, EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import type { DirectoryQueries } from '../tree/TreeIndex';
import type { YamlReader } from '../yaml/files';
import { scanFluxResources } from './generatedKustomization';
import {
  AccumulateHost,
  Accumulation,
  accumulateTarget,
  emptyAccumulation,
} from './kustomize/accumulate';
import { finishBuild } from './kustomize/finish';
import { BuildMemo, BuildReads, Tracked } from './kustomize/buildMemo';
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

/** The kustomization file of a directory, if it has one (kustomize's order of preference). @internal */
export function kustomizationFileIn(
  index: { isFile(path: string): boolean },
  dir: string,
): string | undefined {
  for (const name of kustomizationFileNames) {
    const path = dir ? `${dir}/${name}` : name;
    if (index.isFile(path)) return path;
  }
  return undefined;
}

/** What a {@link KustomizeEngine} keeps between builds when given it. @public */
export interface KustomizeMemos {
  hashes?: HashMemo;
  /** @internal */
  builds?: BuildMemo<BuildResult>;
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
  /** The tree as it is, for checking kept builds against it. */
  readonly #tree: { index: DirectoryQueries; files: YamlReader };
  /** What every computation below reads, and the views of the tree that record it. */
  readonly #reads: BuildReads;
  readonly #index: DirectoryQueries;
  readonly #files: YamlReader;
  readonly #builds = new Map<string, Tracked<BuildResult>>();
  readonly #fluxBuilds = new Map<string, Tracked<BuildResult>>();
  readonly #accumulations = new Map<string, Tracked<Accumulation>>();
  readonly #fileObjects = new Map<string, Tracked<BuildResult>>();
  readonly #resourcesOfFile = new Map<
    string,
    Tracked<{
      resources: readonly Res[];
      findings: EngineFinding[];
      ok: boolean;
    }>
  >();
  readonly #host: AccumulateHost;

  readonly #hashes?: HashMemo;
  readonly #kept?: BuildMemo<BuildResult>;
  readonly #targetFiles: TargetFiles;

  /**
   * `options.hashes` keeps name-suffix hashes between engines and
   * `options.builds` whole builds (pass the same memos to the engine of each
   * validation); none when absent.
   */
  constructor(
    index: DirectoryQueries,
    files: YamlReader,
    options: KustomizeMemos = {},
  ) {
    this.#tree = { index, files };
    this.#reads = new BuildReads(index, files);
    this.#index = this.#reads.index;
    this.#files = this.#reads.files;
    this.#hashes = options.hashes;
    this.#kept = options.builds;
    this.#targetFiles = new TargetFiles(this.#files);
    this.#host = {
      index: this.#index,
      files: this.#files,
      fileResources: path => this.#fileResources(path),
      directory: (dir, stack, kind, into, usedAt) =>
        this.#directory(dir, stack, kind, into, usedAt),
    };
  }

  /** The kustomization file of a directory, if it has one. */
  kustomizationFile(dir: string): string | undefined {
    return kustomizationFileIn(this.#index, dir);
  }

  /** `kustomize build <dir>` (with LoadRestrictionsNone, as Flux runs it). */
  build(dir: string): BuildResult {
    return this.#keptBuild(this.#builds, dir, `build\u0000${dir}`, () => {
      const file = this.kustomizationFile(dir);
      if (!file)
        return {
          objects: [],
          findings: [missingKustomization(dir, 'top')],
          ok: false,
        };
      const acc = this.#directory(dir, [], 'top');
      return finishBuild(acc, {
        originAnnotationsFrom: acc.originAnnotations ? dir : undefined,
        hashes: this.#hashes,
      });
    });
  }

  /**
   * A computation kept in this engine under `key`, with what it read: used
   * again, its reads count for the computation running.
   */
  #keep<T>(kept: Map<string, Tracked<T>>, key: string, compute: () => T): T {
    const found = kept.get(key);
    if (found) {
      this.#reads.replay(found.reads);
      return found.value;
    }
    const tracked = this.#reads.track(compute);
    kept.set(key, tracked);
    return tracked.value;
  }

  /** A build kept in this engine, else between validations while what it read holds, else built. */
  #keptBuild(
    kept: Map<string, Tracked<BuildResult>>,
    key: string,
    memoKey: string,
    compute: () => BuildResult,
  ): BuildResult {
    return this.#keep(kept, key, () => {
      const earlier = this.#kept?.get(
        memoKey,
        this.#tree.index,
        this.#tree.files,
      );
      if (earlier) {
        this.#reads.replay(earlier.reads);
        return earlier.value;
      }
      const tracked = this.#reads.track(compute);
      this.#kept?.set(memoKey, tracked);
      return tracked.value;
    });
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
    // between validations, what the findings name counts too
    const memoKey = `flux\u0000${dir}\u0000${
      overlay ? JSON.stringify(overlay) : ''
    }`;
    return this.#keptBuild(this.#fluxBuilds, key, memoKey, () =>
      this.#buildFluxPath(dir, overlay),
    );
  }

  #buildFluxPath(dir: string, overlay?: FluxKustomizeOverlay): BuildResult {
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
      // in the repository, but not in what the sources give Flux
      const prefix = `${dir}/`;
      const leftOut =
        dir !== '' &&
        this.#index.tree.paths().some(path => path.startsWith(prefix));
      findings.push(
        finding(
          'flux-error',
          'error',
          leftOut
            ? "is left out of what Flux fetches by the sources' ignore rules (.sourceignore, spec.ignore: the conventions' flux.sourceIgnore)"
            : 'does not exist in the repository',
          { file: dir || '.', line: 1 },
        ),
      );
    }
    if (!target) return { objects: [], findings, ok: false };
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
    return {
      objects: built.objects,
      findings: [...findings, ...built.findings],
      ok:
        ok &&
        built.ok &&
        !findings.slice(before).some(f => f.severity === 'error'),
    };
  }

  /** Objects of one manifest file. */
  fileObjects(path: string): BuildResult {
    return this.#keep(this.#fileObjects, path, () => this.#readObjects(path));
  }

  #readObjects(path: string): BuildResult {
    const { documents, problems } = this.#files.read(path);
    const findings: EngineFinding[] = problems.map(p =>
      finding('yaml-invalid', 'error', p.message, {
        file: p.file,
        line: p.line,
      }),
    );
    const converted = documentsToObjects(documents);
    return {
      objects: converted.objects,
      findings: [...findings, ...converted.findings],
      ok: findings.length === 0 && converted.findings.length === 0,
    };
  }

  #fileResources(path: string) {
    return this.#keep(this.#resourcesOfFile, path, () => {
      const built = this.fileObjects(path);
      return { ...built, resources: built.objects.map(fromManifest) };
    });
  }

  /** A directory as a Kustomization (cached: it does not depend on its parent) or a Component. */
  #directory(
    dir: string,
    stack: readonly string[],
    kind: 'Kustomization' | 'Component' | 'top',
    into?: Accumulation,
    usedAt?: SourceLocation,
  ): Accumulation {
    if (kind === 'Component' || into)
      return this.#accumulate(dir, stack, kind, into, usedAt).acc;
    const cached = this.#accumulations.get(dir);
    if (cached) {
      this.#reads.replay(cached.reads);
      return cached.value;
    }
    const tracked = this.#reads.track(() =>
      this.#accumulate(dir, stack, kind, into, usedAt),
    );
    // a Component's accumulation depends on where it is used: never kept
    // (so a finding at the entry that names it names the right one)
    if (tracked.value.keep)
      this.#accumulations.set(dir, {
        value: tracked.value.acc,
        reads: tracked.reads,
      });
    return tracked.value.acc;
  }

  #accumulate(
    dir: string,
    stack: readonly string[],
    kind: 'Kustomization' | 'Component' | 'top',
    into?: Accumulation,
    usedAt?: SourceLocation,
  ): { acc: Accumulation; keep: boolean } {
    const fail = (f: EngineFinding): Accumulation => {
      const acc = into
        ? { ...into, findings: [...into.findings, f], ok: false }
        : { ...emptyAccumulation(), findings: [f], ok: false };
      return acc;
    };
    const file = this.kustomizationFile(dir);
    if (!file)
      return {
        acc: fail(missingKustomization(dir, kind, usedAt)),
        keep: false,
      };
    if (stack.includes(dir))
      return {
        acc: fail(
          finding(
            'kustomize-error',
            'error',
            `is part of a cycle: ${[...stack, dir].join(' → ')}`,
            { file, line: 1 },
          ),
        ),
        keep: false,
      };
    const findings: EngineFinding[] = [];
    const target = readTarget(dir, file, this.#targetFiles, findings);
    let acc: Accumulation;
    if (!target) {
      acc = into
        ? { ...into, findings: [...into.findings, ...findings], ok: false }
        : { ...emptyAccumulation(), findings, ok: false };
    } else if (kind !== 'top' && target.kind !== kind) {
      // said where it is named: that line is the one to change
      const listedUnder = kind === 'Component' ? 'components' : 'resources';
      const belongsUnder = kind === 'Component' ? 'resources' : 'components';
      acc = fail(
        usedAt
          ? finding(
              'kustomize-error',
              'error',
              `lists ${dir} under ${listedUnder}, but it is a ${
                target.kind
              } (${formatLocation(
                target.fields.at(['kind']),
              )}); kustomize fails: a ${
                target.kind
              } goes under ${belongsUnder}`,
              usedAt,
            )
          : finding(
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
    return { acc, keep: target?.kind !== 'Component' };
  }
}

const noKustomizationFile =
  'has no kustomization.yaml, kustomization.yml or Kustomization file; kustomize cannot build it';

function missingKustomization(
  dir: string,
  kind: 'Kustomization' | 'Component' | 'top',
  usedAt?: SourceLocation,
): EngineFinding {
  // said where it is listed: that line is the one to change (the folder
  // itself is fine where Flux builds it, Flux generates its kustomization)
  const listedUnder = kind === 'Component' ? 'components' : 'resources';
  return usedAt && kind !== 'top'
    ? {
        ...finding(
          'kustomize-error',
          'error',
          `lists ${dir} under ${listedUnder}, but it ${noKustomizationFile}`,
          usedAt,
        ),
        // one folder several overlays list: one cause, each line named
        cause: {
          key: `no-kustomization:${dir}`,
          message: `${dir}, listed under ${listedUnder}, ${noKustomizationFile}`,
          subject: `the ${listedUnder} entry`,
        },
      }
    : finding('kustomize-error', 'error', noKustomizationFile, {
        file: dir || '.',
        line: 1,
      });
}
