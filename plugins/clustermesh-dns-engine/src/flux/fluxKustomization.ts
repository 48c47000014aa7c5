import type { EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import { isRecord } from '../core/paths';
import { clampPath } from '../tree/RepoTree';
import { locate } from '../yaml/locate';
import type { SubstitutedObject } from './substitute';
import type { Variables } from './variables';

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
  /** Substitution sources made outside the repository (by a bootstrap, by hand). */
  externalSources?: readonly {
    kind: 'Secret' | 'ConfigMap';
    name: string;
    namespace: string;
  }[];
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
  findings: EngineFinding[];
}

/** What the renderer reads from a Kustomization object before building it. */
export interface KustomizationSpec
  extends Omit<
    RenderedKustomization,
    'variables' | 'objects' | 'failed' | 'parent'
  > {
  substitute: Record<string, string>;
  targetNamespace?: string;
}

/** A Flux Kustomization (not a kustomize kustomization). @public */
export const isFluxKustomization = (o: ManifestObject) =>
  o.kind === 'Kustomization' &&
  o.apiVersion.startsWith(`${FLUX_KUSTOMIZATION_GROUP}/`);

/**
 * Reads what the renderer needs from a Flux Kustomization object (or the
 * implicit root of a cluster when there is none); undefined, with a finding,
 * when Flux would not build it from this repository.
 */
export function readKustomizationSpec(
  decl: ManifestObject | undefined,
  root: string,
  findings: EngineFinding[],
  cluster: string,
  sourceNames: readonly string[],
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
  // Flux joins the path onto the source root securely: `..` stops there
  const path = clampPath(rawPath);
  const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  if (
    typeof sourceRef.name === 'string' &&
    !sourceNames.includes(sourceRef.name)
  ) {
    const where = locate(decl, ['spec', 'sourceRef']);
    findings.push({
      code: 'not-evaluated',
      severity: 'warning',
      cluster,
      message: `Kustomization ${key} builds ${sourceRef.kind ?? 'a source'} ${
        sourceRef.name
      }, not this repository (sources treated as this repository: ${sourceNames.join(
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
        message: `Kustomization ${key} uses spec.${field}, which this engine does not evaluate; its objects may differ from what Flux applies`,
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
