import type { EngineFinding } from '../core/finding';
import { formatLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject, ManifestObject } from '../core/manifest';
import { getPath } from '../core/paths';
import { clampPath } from '../tree/RepoTree';
import type { TreeIndex } from '../tree/TreeIndex';
import type { YamlFiles } from '../yaml/files';
import { locate } from '../yaml/locate';
import {
  ClusterRender,
  FluxRenderOptions,
  isFluxKustomization,
  KustomizationSpec,
  readKustomizationSpec,
  RenderedKustomization,
} from './fluxKustomization';
import { buildGeneratedKustomization } from './generatedKustomization';
import { BuildResult, KustomizeEngine, withNamespace } from './kustomize';
import { externalSource, ProvidedSource, providedBy } from './providedSources';
import { isSopsEncrypted } from './sops';
import type { SubstitutionMemo } from './substitutionMemo';

const storedKey = (kind: string, namespace: string | undefined, name: string) =>
  `${kind}/${namespace ?? ''}/${name}`;

/** An object stored in the cluster, or a source another controller provides. */
type StoredSource = ManifestObject | ProvidedSource;

const isProvided = (s: StoredSource): s is ProvidedSource => 'by' in s;

/** What a stored source holds, to see whether it changed between passes. */
const storedBody = (s: StoredSource) => (isProvided(s) ? s.by : s.body);

/**
 * Renders what Flux applies to a cluster: starting from the cluster's
 * directory (as the flux-system Kustomization does), builds every Flux
 * Kustomization found on the way with kustomize, and applies post-build
 * substitution with the variables each one would read from the cluster.
 *
 * Substitution is one pass, as in Flux: a ConfigMap's values are taken as
 * stored in the cluster, i.e. as the Kustomization that applies it rendered
 * them. Since that can depend on other sources, rendering repeats until the
 * stored sources no longer change.
 *
 * @public
 */
export class FluxRenderer {
  readonly #index: TreeIndex;
  readonly #engine: KustomizeEngine;
  readonly #options: FluxRenderOptions;
  readonly #substitution: SubstitutionMemo;
  readonly #pathBuilds = new Map<string, BuildResult>();
  /** The sources the conventions say are made outside the repository. */
  readonly #external: Map<string, StoredSource>;

  constructor(
    index: TreeIndex,
    files: YamlFiles,
    options: FluxRenderOptions,
    substitution: SubstitutionMemo,
  ) {
    this.#index = index;
    this.#engine = new KustomizeEngine(index, files);
    this.#options = options;
    this.#substitution = substitution;
    this.#external = new Map(
      (options.externalSources ?? []).map(source => {
        const provided = externalSource(source);
        return [
          storedKey(provided.kind, provided.namespace, provided.name),
          provided,
        ];
      }),
    );
  }

  get kustomize(): KustomizeEngine {
    return this.#engine;
  }

  /**
   * What kustomize-controller builds for a path: the kustomization file if
   * there is one, else a generated one listing every YAML file below it
   * (a sub-directory with its own kustomization file counts as one entry).
   */
  buildPath(path: string): BuildResult {
    let result = this.#pathBuilds.get(path);
    if (result) return result;
    if (this.#engine.kustomizationFile(path)) {
      result = this.#engine.build(path);
    } else if (!this.#index.isDir(path)) {
      result = {
        objects: [],
        findings: [
          {
            code: 'flux-error',
            severity: 'error',
            message: 'does not exist in the repository',
            location: { file: path || '.', line: 1 },
          },
        ],
        ok: false,
      };
    } else {
      result = buildGeneratedKustomization(path, this.#index, this.#engine);
    }
    this.#pathBuilds.set(path, result);
    return result;
  }

  /** Renders one cluster whose Flux entry point is `root` (e.g. `kubernetes/clusters/infra`). */
  renderCluster(cluster: string, root: string): ClusterRender {
    const rootBuild = this.buildPath(root);
    // The Kustomization that reconciles the cluster directory itself (flux-system) is the root.
    const rootDecl = rootBuild.objects.find(
      o =>
        isFluxKustomization(o) &&
        clampPath(String(getPath(o.body, ['spec', 'path']) ?? '')) === root,
    );

    let stored = new Map<string, StoredSource>();
    let rendered: RenderedKustomization[] = [];
    let findings: EngineFinding[] = [];
    for (let pass = 0; pass < 5; pass++) {
      const reads: { key: string; seen: StoredSource | undefined }[] = [];
      const next = new Map<string, StoredSource>(this.#external);
      findings = [];
      rendered = [];
      const queue: { decl?: ManifestObject; parent?: string }[] = [
        { decl: rootDecl },
      ];
      const visited = new Map<string, RenderedKustomization>();
      while (queue.length) {
        const { decl, parent } = queue.shift()!;
        const spec = readKustomizationSpec(
          decl,
          root,
          findings,
          cluster,
          this.#options.sourceNames,
        );
        if (!spec) continue;
        const already = visited.get(spec.key);
        if (already) {
          if (decl && already.object && decl !== already.object) {
            findings.push({
              code: 'flux-error',
              severity: 'warning',
              cluster,
              message: `declares Kustomization ${
                spec.key
              } again (first at ${formatLocation(
                locate(already.object),
              )}); the cluster keeps only one`,
              location: locate(decl),
            });
          }
          continue;
        }
        const lookupSource = sourceLookup(
          spec.namespace,
          [next, stored],
          reads,
        );
        const kustomization = this.#renderKustomization(
          spec,
          parent,
          lookupSource,
          findings,
          cluster,
        );
        visited.set(spec.key, kustomization);
        rendered.push(kustomization);
        for (const object of kustomization.objects) {
          const namespace = object.namespace ?? kustomization.namespace;
          const key = storedKey(object.kind, namespace, object.name);
          // what another controller provides is what Flux will find
          if (!next.has(key) || !isProvided(next.get(key)!))
            next.set(key, object);
          const provided = providedBy(object, namespace);
          if (provided)
            next.set(
              storedKey(provided.kind, provided.namespace, provided.name),
              provided,
            );
          if (
            isFluxKustomization(object) &&
            object !== rootDecl &&
            !sameDeclaration(object, rootDecl)
          ) {
            queue.push({ decl: object, parent: kustomization.key });
          }
        }
      }
      const converged = reads.every(({ key, seen }) => {
        const now = next.get(key);
        return (
          now === seen ||
          (now &&
            seen &&
            JSON.stringify(storedBody(now)) ===
              JSON.stringify(storedBody(seen)))
        );
      });
      stored = next;
      if (converged) break;
    }

    const objects = rendered.flatMap(k =>
      k.objects.map(object => ({ object, appliedBy: k })),
    );
    return {
      cluster,
      root,
      kustomizations: rendered,
      objects,
      findings: dedupe(findings),
    };
  }

  #renderKustomization(
    spec: KustomizationSpec,
    parent: string | undefined,
    lookupSource: (kind: string, name: string) => StoredSource | undefined,
    findings: EngineFinding[],
    cluster: string,
  ): RenderedKustomization {
    const built = this.buildPath(spec.path);
    findings.push(...built.findings.map(f => ({ ...f, cluster })));
    let failed = !built.ok;
    let objects: ManifestObject[] = built.objects;
    if (spec.targetNamespace)
      objects = objects.map(o => withNamespace(o, spec.targetNamespace!));
    // objects without a namespace land in the Kustomization's namespace in the cluster
    const declLocation = spec.object
      ? locate(spec.object)
      : { file: `${spec.path}/`, line: 1 };

    const variables = this.#substitution.scope();
    if (spec.postBuild) {
      for (const ref of spec.substituteFrom) {
        const source = lookupSource(ref.kind, ref.name);
        if (!source) {
          if (!ref.optional) {
            const where = spec.object
              ? locate(spec.object, ['spec', 'postBuild', 'substituteFrom'])
              : declLocation;
            findings.push({
              code: 'flux-error',
              severity: 'error',
              cluster,
              message: `Kustomization ${spec.key} substitutes from ${ref.kind} ${spec.namespace}/${ref.name}, which nothing in cluster ${cluster} applies; Flux fails the Kustomization (mark it optional if it may be missing)`,
              location: where,
            });
            failed = true;
          }
          continue;
        }
        if (isProvided(source))
          variables.addProvided(source, this.#options.knownValues);
        else
          variables.addSource(
            source,
            ref.kind,
            ref.kind === 'Secret' && isSopsEncrypted(source.body),
            this.#options.knownValues,
          );
      }
      variables.addInline(
        spec.substitute,
        `Kustomization ${spec.key} spec.postBuild.substitute`,
        name =>
          spec.object
            ? locate(spec.object, ['spec', 'postBuild', 'substitute', name])
            : declLocation,
      );
      const invalid = variables.invalidNames();
      if (invalid.length) {
        for (const name of invalid) {
          const v = variables.get(name)!;
          findings.push({
            code: 'substitution-failed',
            severity: 'error',
            cluster,
            message: `the variable name "${name}" (${v.origin}) is invalid: Flux requires ^[_[:alpha:]][_[:alpha:][:digit:]]*$ and fails Kustomization ${spec.key}`,
            location: v.location,
          });
        }
        failed = true;
      } else if (!variables.isEmpty || this.#options.substituteAlways) {
        objects = objects.map(object => {
          const result = this.#substitution.substituteObject(
            object,
            variables,
            {
              strict: this.#options.strictSubstitution,
            },
          );
          for (const problem of result.problems) {
            const where = locate(object, problem.path);
            if (problem.severity === 'error') failed = true;
            const subject = `${describeObject(
              object,
            )}, applied by Kustomization ${spec.key}`;
            findings.push({
              code: 'substitution-failed',
              severity: problem.severity,
              cluster,
              message: `in ${subject}: ${problem.message}`,
              location: where,
              cause: {
                // one undefined variable is one cause wherever it is used;
                // anything else is a cause where it stands
                key:
                  problem.reason === 'undefined'
                    ? `undefined:${problem.variable}`
                    : `${problem.reason}:${where.file}:${where.line}`,
                message: problem.message,
                subject,
              },
            });
          }
          return result.object;
        });
      }
    }
    return {
      key: spec.key,
      name: spec.name,
      namespace: spec.namespace,
      path: spec.path,
      object: spec.object,
      parent,
      postBuild: spec.postBuild,
      substituteFrom: spec.substituteFrom,
      dependsOn: spec.dependsOn,
      variables,
      objects,
      failed,
    };
  }
}

/** Looks substitution sources up in the stored objects, recording each read. */
function sourceLookup(
  namespace: string,
  maps: ReadonlyMap<string, StoredSource>[],
  reads: { key: string; seen: StoredSource | undefined }[],
) {
  return (kind: string, name: string) => {
    const key = storedKey(kind, namespace, name);
    const found = maps.map(m => m.get(key)).find(Boolean);
    reads.push({ key, seen: found });
    return found;
  };
}

function sameDeclaration(
  a: ManifestObject,
  b: ManifestObject | undefined,
): boolean {
  return (
    !!b && a.source.file === b.source.file && a.source.index === b.source.index
  );
}

function dedupe(findings: EngineFinding[]): EngineFinding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    const key = `${f.code}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
