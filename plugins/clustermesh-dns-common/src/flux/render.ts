import { normalizePath, TreeIndex } from '../tree/RepoTree';
import { formatLocation } from '../yaml/documents';
import { getPath, isRecord, locate } from '../model/locate';
import { describeObject, Finding, ManifestObject } from '../model/types';
import { BuildResult, KustomizeEngine, withNamespace } from './kustomize';
import {
  SubstitutedObject,
  substituteObject,
  Variables,
  VariableScope,
} from './substitute';
import { YamlFileCache } from './YamlFileCache';

/** API group of Flux Kustomizations. @public */
export const FLUX_KUSTOMIZATION_GROUP = 'kustomize.toolkit.fluxcd.io';

/** @public */
export interface FluxRenderOptions {
  /** kustomize-controller's strict substitution (default since v1.9). */
  strictSubstitution: boolean;
  /** Substitute even when a Kustomization defines no variable (Flux's `substituteStrategy: Always`). */
  substituteAlways: boolean;
  /** Names of the GitRepository sources that are this repository. */
  sourceNames: readonly string[];
  /** Values for variables that are secret in the repository (never decrypted). */
  knownValues: Readonly<Record<string, string>>;
}

/** A substitution source of a Kustomization. @public */
export interface SubstituteReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  optional: boolean;
}

/** A Flux Kustomization as rendered for one cluster. @public */
export interface RenderedKustomization {
  /** `namespace/name` */
  key: string;
  name: string;
  namespace: string;
  /** The directory it builds, relative to the repository root. */
  path: string;
  /** The object that declares it; undefined for an implicit cluster root. */
  object?: ManifestObject;
  /** Key of the Kustomization that applies this one. */
  parent?: string;
  postBuild: boolean;
  substituteFrom: SubstituteReference[];
  dependsOn: string[];
  /** The variables its post-build substitution used (last pass). */
  variables: Variables;
  /** Objects it applies, after substitution. */
  objects: SubstitutedObject[];
  /** True when Flux would fail to reconcile it. */
  failed: boolean;
}

/** Everything Flux would apply to one cluster. @public */
export interface ClusterRender {
  cluster: string;
  root: string;
  kustomizations: RenderedKustomization[];
  /** Every applied object, with the Kustomization that applies it. */
  objects: { object: SubstitutedObject; appliedBy: RenderedKustomization }[];
  findings: Finding[];
}

/** What the renderer reads from a Kustomization object before building it. */
interface KustomizationSpec
  extends Omit<
    RenderedKustomization,
    'variables' | 'objects' | 'failed' | 'parent'
  > {
  substitute: Record<string, string>;
  targetNamespace?: string;
}

const isFluxKustomization = (o: ManifestObject) =>
  o.kind === 'Kustomization' &&
  o.apiVersion.startsWith(`${FLUX_KUSTOMIZATION_GROUP}/`);

const storedKey = (kind: string, namespace: string | undefined, name: string) =>
  `${kind}/${namespace ?? ''}/${name}`;

/** True when a Secret is SOPS-encrypted. @public */
export function isSopsEncrypted(body: Record<string, any>): boolean {
  const sops = body.sops;
  return (
    isRecord(sops) &&
    ('mac' in sops || 'lastmodified' in sops || 'version' in sops)
  );
}

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
  readonly #pathBuilds = new Map<string, BuildResult>();

  constructor(
    index: TreeIndex,
    files: YamlFileCache,
    options: FluxRenderOptions,
  ) {
    this.#index = index;
    this.#engine = new KustomizeEngine(index, files);
    this.#options = options;
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
            message: `${path || '.'}/ does not exist in the repository`,
            location: { file: path || '.', line: 1 },
          },
        ],
        ok: false,
      };
    } else {
      result = this.#generated(path);
    }
    this.#pathBuilds.set(path, result);
    return result;
  }

  #generated(dir: string): BuildResult {
    const objects: ManifestObject[] = [];
    const findings: Finding[] = [];
    let ok = true;
    const walk = (current: string) => {
      const { files, dirs } = this.#index.list(current);
      // filepath.Walk visits entries in lexical order, files and directories mixed
      const entries = [
        ...files.map(name => ({ name, dir: false })),
        ...dirs.map(name => ({ name, dir: true })),
      ].sort((a, b) => compareBytes(a.name, b.name));
      for (const entry of entries) {
        const path = current ? `${current}/${entry.name}` : entry.name;
        if (entry.dir) {
          if (this.#engine.kustomizationFile(path)) {
            const built = this.#engine.build(path);
            objects.push(...built.objects);
            findings.push(...built.findings);
            ok &&= built.ok;
          } else {
            walk(path);
          }
        } else if (/\.ya?ml$/.test(entry.name)) {
          const built = this.#engine.fileObjects(path);
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

  /** Renders one cluster whose Flux entry point is `root` (e.g. `kubernetes/clusters/infra`). */
  renderCluster(cluster: string, root: string): ClusterRender {
    const rootBuild = this.buildPath(root);
    // The Kustomization that reconciles the cluster directory itself (flux-system) is the root.
    const rootDecl = rootBuild.objects.find(
      o =>
        isFluxKustomization(o) &&
        normalizePath(String(getPath(o.body, ['spec', 'path']) ?? '')) === root,
    );

    let stored = new Map<string, ManifestObject>();
    let rendered: RenderedKustomization[] = [];
    let findings: Finding[] = [];
    for (let pass = 0; pass < 5; pass++) {
      const reads: { key: string; seen: ManifestObject | undefined }[] = [];
      const next = new Map<string, ManifestObject>();
      findings = [];
      rendered = [];
      const queue: { decl?: ManifestObject; parent?: string }[] = [
        { decl: rootDecl },
      ];
      const visited = new Map<string, RenderedKustomization>();
      while (queue.length) {
        const { decl, parent } = queue.shift()!;
        const spec = this.#readSpec(decl, root, findings, cluster);
        if (!spec) continue;
        const already = visited.get(spec.key);
        if (already) {
          if (decl && already.object && decl !== already.object) {
            findings.push({
              code: 'flux-error',
              severity: 'warning',
              cluster,
              message: `${formatLocation(
                locate(decl),
              )} declares Kustomization ${
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
          next.set(
            storedKey(
              object.kind,
              object.namespace ?? kustomization.namespace,
              object.name,
            ),
            object,
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
            JSON.stringify(now.body) === JSON.stringify(seen.body))
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

  #readSpec(
    decl: ManifestObject | undefined,
    root: string,
    findings: Finding[],
    cluster: string,
  ): KustomizationSpec | undefined {
    if (!decl) {
      return {
        key: 'flux-system/flux-system',
        name: 'flux-system',
        namespace: 'flux-system',
        path: root,
        postBuild: false,
        substituteFrom: [],
        dependsOn: [],
        substitute: {},
      };
    }
    const spec = isRecord(decl.body.spec) ? decl.body.spec : {};
    const namespace = decl.namespace ?? 'flux-system';
    const key = `${namespace}/${decl.name}`;
    const rawPath = typeof spec.path === 'string' ? spec.path : '';
    const path = normalizePath(rawPath);
    if (path === undefined) {
      findings.push({
        code: 'flux-error',
        severity: 'error',
        cluster,
        message: `${formatLocation(
          locate(decl, ['spec', 'path']),
        )} Kustomization ${key} has the path "${rawPath}", outside the repository`,
        location: locate(decl, ['spec', 'path']),
      });
      return undefined;
    }
    const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
    if (
      typeof sourceRef.name === 'string' &&
      !this.#options.sourceNames.includes(sourceRef.name)
    ) {
      const where = locate(decl, ['spec', 'sourceRef']);
      findings.push({
        code: 'not-evaluated',
        severity: 'warning',
        cluster,
        message: `${formatLocation(where)} Kustomization ${key} builds ${
          sourceRef.kind ?? 'a source'
        } ${
          sourceRef.name
        }, not this repository (sources treated as this repository: ${this.#options.sourceNames.join(
          ', ',
        )}); its objects are not evaluated`,
        location: where,
      });
      return undefined;
    }
    for (const field of [
      'patches',
      'patchesStrategicMerge',
      'patchesJson6902',
      'images',
      'namePrefix',
      'nameSuffix',
      'components',
      'commonMetadata',
    ]) {
      if (spec[field] !== undefined) {
        const where = locate(decl, ['spec', field]);
        findings.push({
          code: 'not-evaluated',
          severity: 'warning',
          cluster,
          message: `${formatLocation(
            where,
          )} Kustomization ${key} uses spec.${field}, which this engine does not evaluate; its objects may differ from what Flux applies`,
          location: where,
        });
      }
    }
    const postBuild = isRecord(spec.postBuild) ? spec.postBuild : undefined;
    const substitute: Record<string, string> = {};
    if (isRecord(postBuild?.substitute)) {
      for (const [k, v] of Object.entries(postBuild!.substitute))
        substitute[k] = String(v);
    }
    const substituteFrom: SubstituteReference[] = Array.isArray(
      postBuild?.substituteFrom,
    )
      ? postBuild!.substituteFrom
          .filter(isRecord)
          .filter(
            (r: any) =>
              (r.kind === 'ConfigMap' || r.kind === 'Secret') &&
              typeof r.name === 'string',
          )
          .map((r: any) => ({
            kind: r.kind,
            name: r.name,
            optional: r.optional === true,
          }))
      : [];
    const dependsOn = Array.isArray(spec.dependsOn)
      ? spec.dependsOn
          .filter(isRecord)
          .map((d: any) => `${d.namespace ?? namespace}/${d.name}`)
      : [];
    return {
      key,
      name: decl.name,
      namespace,
      path,
      object: decl,
      postBuild: postBuild !== undefined,
      substitute,
      substituteFrom,
      dependsOn,
      targetNamespace:
        typeof spec.targetNamespace === 'string'
          ? spec.targetNamespace
          : undefined,
    };
  }

  #renderKustomization(
    spec: KustomizationSpec,
    parent: string | undefined,
    lookupSource: (kind: string, name: string) => ManifestObject | undefined,
    findings: Finding[],
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

    const variables = new VariableScope();
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
              message: `${formatLocation(where)} Kustomization ${
                spec.key
              } substitutes from ${ref.kind} ${spec.namespace}/${
                ref.name
              }, which nothing in cluster ${cluster} applies; Flux fails the Kustomization (mark it optional if it may be missing)`,
              location: where,
            });
            failed = true;
          }
          continue;
        }
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
            message: `${formatLocation(
              v.location,
            )} the variable name "${name}" (${
              v.origin
            }) is invalid: Flux requires ^[_[:alpha:]][_[:alpha:][:digit:]]*$ and fails Kustomization ${
              spec.key
            }`,
            location: v.location,
          });
        }
        failed = true;
      } else if (!variables.isEmpty || this.#options.substituteAlways) {
        objects = objects.map(object => {
          const result = substituteObject(object, variables, {
            strict: this.#options.strictSubstitution,
          });
          for (const problem of result.problems) {
            const where = locate(object, problem.path);
            if (problem.severity === 'error') failed = true;
            findings.push({
              code: 'substitution-failed',
              severity: problem.severity,
              cluster,
              message: `${formatLocation(where)} in ${describeObject(
                object,
              )}, applied by Kustomization ${spec.key}: ${problem.message}`,
              location: where,
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
  maps: ReadonlyMap<string, ManifestObject>[],
  reads: { key: string; seen: ManifestObject | undefined }[],
) {
  return (kind: string, name: string) => {
    const key = storedKey(kind, namespace, name);
    const found = maps.map(m => m.get(key)).find(Boolean);
    reads.push({ key, seen: found });
    return found;
  };
}

/** Go's string order (byte-wise), which filepath.Walk uses. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function sameDeclaration(
  a: ManifestObject,
  b: ManifestObject | undefined,
): boolean {
  return (
    !!b && a.source.file === b.source.file && a.source.index === b.source.index
  );
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    const key = `${f.code}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export { isFluxKustomization };
