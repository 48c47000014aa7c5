import type { TreeIndex } from '../tree/TreeIndex';
import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import { isRecord } from '../core/paths';
import { clampPath } from '../tree/RepoTree';
import { locate } from '../yaml/locate';
import type { FluxKustomizeOverlay } from './kustomize/overlay';
import type { SubstitutedObject } from './substitute';
import type { Variables } from './variables';
import { hasUnresolvedReference } from './envsubst';
import { gitRefOf, sameRepository } from './gitRef';

/** API group of Flux Kustomizations. @public */
export const FLUX_KUSTOMIZATION_GROUP = 'kustomize.toolkit.fluxcd.io';

/** @public */
export interface FluxRenderOptions {
  /** kustomize-controller's strict substitution (default since v1.9). */
  strictSubstitution: boolean;
  /** Substitute even when a Kustomization defines no variable (Flux's `substituteStrategy: Always`). */
  substituteAlways: boolean;
  /** Read the values of Secrets kept unencrypted (never a SOPS-encrypted one's). */
  readPlainSecrets?: boolean;
  /** Names of the GitRepository sources that are this repository. */
  sourceNames: readonly string[];
  /**
   * Sources that are a folder of this repository (an OCI artifact pushed
   * from `./platform`): name → that folder, the root their paths start at.
   */
  sourceRoots?: Readonly<Record<string, string>>;
  /** Values for variables that are secret in the repository (never decrypted). */
  knownValues: Readonly<Record<string, string>>;
  /**
   * The whole repository, when the sources leave files out (`spec.ignore`):
   * a cluster's entry Kustomization, which a bootstrap applies by hand, may
   * be one of them (`/k/<cluster>/ks.yaml`).
   */
  entryIndex?: TreeIndex;
  /**
   * The repository's clusters: a file under a folder of another one's name
   * is that cluster's copy of what it defines, not this one's.
   */
  clusters?: readonly string[];
  /**
   * A mutating webhook that adds the keys of its ConfigMaps and Secrets to
   * the `postBuild.substitute` of every Flux Kustomization outside
   * `skipNamespaces`, over the Kustomization's own values.
   */
  substitutionWebhook?: SubstitutionWebhook;
  /** Substitution sources made outside the repository (by a bootstrap, by hand). */
  externalSources?: readonly {
    kind: 'Secret' | 'ConfigMap';
    name: string;
    namespace: string;
  }[];
}

/**
 * What a substitution webhook (xunholy's kustomize-mutating-webhook) adds to
 * each Flux Kustomization: the keys of its sources, read in its namespace.
 *
 * @public
 */
export interface SubstitutionWebhook {
  /** The namespace it runs in, where its sources are. */
  namespace: string;
  sources: readonly { kind: 'ConfigMap' | 'Secret'; name: string }[];
  /** Namespaces whose Kustomizations it leaves alone (its namespaceSelector). */
  skipNamespaces: readonly string[];
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
  /** The sources a substitution webhook adds to its substitution (in the webhook's namespace). */
  injectedFrom?: readonly {
    kind: 'ConfigMap' | 'Secret';
    name: string;
    namespace: string;
  }[];
  dependsOn: string[];
  /** The variables its post-build substitution used (last pass). */
  variables: Variables;
  /** Objects it applies, after substitution. */
  objects: SubstitutedObject[];
  /** True when Flux would fail to reconcile it. */
  failed: boolean;
  /** `spec.commonMetadata`: what it stamps on every object it applies. */
  commonMetadata?: KustomizationSpec['commonMetadata'];
}

/** Everything Flux would apply to one cluster. @public */
export interface ClusterRender {
  cluster: string;
  root: string;
  kustomizations: RenderedKustomization[];
  /** Every applied object, with the Kustomization that applies it. */
  objects: { object: SubstitutedObject; appliedBy: RenderedKustomization }[];
  findings: EngineFinding[];
  /** Documents two Kustomizations apply, each its own way (the applied-twice error's objects). */
  appliedTwice?: AppliedTwice[];
}

/** One document applied by two Kustomizations of a cluster, each its own way. @public */
export interface AppliedTwice {
  /** The second version. */
  object: SubstitutedObject;
  first: RenderedKustomization;
  again: RenderedKustomization;
  /** The versions differ only in their labels and annotations (a folder's commonLabels). */
  metadataOnly?: boolean;
}

/** What the renderer reads from a Kustomization object before building it. */
export interface KustomizationSpec
  extends Omit<
    RenderedKustomization,
    'variables' | 'objects' | 'failed' | 'parent'
  > {
  substitute: Record<string, string>;
  targetNamespace?: string;
  /** What kustomize-controller adds to the build (namespace, patches, components). */
  overlay?: FluxKustomizeOverlay;
  /** `spec.commonMetadata`. */
  commonMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** A Flux Kustomization (not a kustomize kustomization). @public */
export const isFluxKustomization = (o: ManifestObject) =>
  o.kind === 'Kustomization' &&
  o.apiVersion.startsWith(`${FLUX_KUSTOMIZATION_GROUP}/`);

/** What a source fetches: its `spec.url`, and its `spec.ref` as written. @internal */
export interface SourceSpec {
  url: string;
  ref?: unknown;
}

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
  /** What a source the cluster applies fetches (`spec.url`, `spec.ref`), when known. */
  sourceOf: (
    kind: string,
    name: string,
    namespace: string,
  ) => SourceSpec | undefined = () => undefined,
  /** Whether a file of the repository defines the source at all. */
  definedInRepository: (kind: string, name: string) => boolean = () => true,
  /** Sources that are a folder of this repository: name → that folder. */
  sourceRoots: Readonly<Record<string, string>> = {},
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
  const unknown = unknownVariables(rawPath);
  if (unknown.length) {
    findings.push({
      code: 'not-evaluated',
      severity: 'warning',
      cluster,
      message: `Kustomization ${key} builds ${rawPath}, which depends on ${unknown.join(
        ', ',
      )}, not known here; its objects are not evaluated`,
      location: locate(decl, ['spec', 'path']),
      unbuilt: true,
    });
    return undefined;
  }
  const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  const sourceRoot =
    typeof sourceRef.name === 'string' &&
    Object.hasOwn(sourceRoots, sourceRef.name)
      ? clampPath(sourceRoots[sourceRef.name])
      : undefined;
  // Flux joins the path onto the source root securely: `..` stops there
  const inSource = clampPath(rawPath);
  const path =
    sourceRoot && inSource
      ? `${sourceRoot}/${inSource}`
      : sourceRoot ?? inSource;
  if (
    typeof sourceRef.name === 'string' &&
    !sourceNames.includes(sourceRef.name) &&
    sourceRoot === undefined
  ) {
    const where = locate(decl, ['spec', 'sourceRef']);
    const kind = String(sourceRef.kind ?? 'GitRepository');
    const sourceNamespace =
      typeof sourceRef.namespace === 'string' ? sourceRef.namespace : namespace;
    const source = sourceOf(kind, sourceRef.name, sourceNamespace);
    const url = source?.url;
    // this repository's URL at another ref (a `staging` branch beside the
    // one read): not another repository, and not these files either
    const ownUrls = sourceNames
      .map(n => sourceOf('GitRepository', n, sourceNamespace)?.url)
      .filter((u): u is string => u !== undefined)
      .map(sameRepository);
    const otherRef =
      kind === 'GitRepository' &&
      url !== undefined &&
      ownUrls.includes(sameRepository(url))
        ? gitRefOf(source?.ref).text
        : undefined;
    // Flux's own manifests (`oci://ghcr.io/fluxcd/flux-manifests`)
    const fluxItself =
      kind === 'OCIRepository' && url && /\/flux-manifests\/?$/.test(url)
        ? url
        : undefined;
    // CRDs only, by its name, its source's or its path (`gateway-api-crds`,
    // `gateway-api-crd`, `./config/crd`)
    const crdsOnly =
      /(?:^|-)crds?$/.test(decl.name) ||
      /(?:^|-)crds?$/.test(sourceRef.name) ||
      rawPath.split('/').some(segment => /^crds?$/.test(segment));
    // and those pushed from one of its folders (flux.sourceRoots)
    const treated = `sources treated as this repository: ${[
      ...sourceNames.filter(n => !Object.hasOwn(sourceRoots, n)),
      ...Object.entries(sourceRoots).map(
        ([name, folder]) => `${name} (its ${folder}/ folder)`,
      ),
    ].join(', ')}`;
    // a source no file defines is not known to be another repository
    let what =
      fluxItself ||
      kind === 'ExternalArtifact' ||
      definedInRepository(kind, sourceRef.name)
        ? `not this repository (${treated})`
        : `which no manifest of the repository defines (made outside it, by a bootstrap, or missing: then Flux cannot reconcile it), so whether it is this repository is not known`;
    const namesAdvice = ` (if ${sourceRef.name} holds this repository's files, name it in the conventions' flux.sourceNames)`;
    // as the cause of several says it
    let advice =
      !fluxItself &&
      !crdsOnly &&
      kind !== 'ExternalArtifact' &&
      definedInRepository(kind, sourceRef.name)
        ? namesAdvice
        : '';
    let causeAdvice = fluxItself ? '' : namesAdvice;
    if (otherRef) {
      what = `this repository's URL at ${otherRef}, which is not what this run read (${treated}): what it builds there is not these files`;
      advice =
        causeAdvice = ` (validate a checkout of ${otherRef} to check them)`;
    }
    findings.push({
      code: 'not-evaluated',
      severity: 'warning',
      cluster,
      message:
        kind === 'ExternalArtifact'
          ? // Flux 2.7's ArtifactGenerator composes it, often from this repository
            `Kustomization ${key} builds ExternalArtifact ${sourceRef.name}, which an ArtifactGenerator composes; this engine builds one only when its copies keep this repository's paths (below one folder) and it is built only inside them, so its objects are not evaluated`
          : `Kustomization ${key} builds ${sourceRef.kind ?? 'a source'} ${
              sourceRef.name
            }${fluxItself ? ` (${fluxItself}: Flux's own controllers)` : ''}${
              crdsOnly && !fluxItself
                ? " (CRDs, by its name, its source's or its path)"
                : ''
            }, ${what}; its objects are not evaluated${advice}`,
      location: where,
      // one source is one cause, however many Kustomizations build it
      ...(kind === 'ExternalArtifact'
        ? {
            // one cause for them all: what the generators compose is not
            // read, artifact by artifact alike (a generator per app)
            cause: {
              key: `other-source:${kind}`,
              message: `Kustomizations build ExternalArtifacts, which ArtifactGenerators compose; this engine builds one only when its copies keep this repository's paths (below one folder) and it is built only inside them, so what they apply is not evaluated`,
              subject: `Kustomization ${key} (ExternalArtifact ${sourceRef.name})`,
            },
          }
        : {
            cause: {
              key: `other-source:${kind}/${sourceRef.name}`,
              message: `Kustomizations build ${kind} ${sourceRef.name}${
                fluxItself ? ` (${fluxItself}: Flux's own controllers)` : ''
              }${
                crdsOnly && !fluxItself
                  ? " (CRDs, by its name, its source's or its path)"
                  : ''
              }, ${what}; what they apply is not evaluated${causeAdvice}`,
              subject: `Kustomization ${key}`,
            },
          }),
      // Flux's own controllers, or CRDs, hold no Cilium: whether the
      // cluster is in the mesh does not hang on them
      unbuilt: !fluxItself && !crdsOnly,
      ...(fluxItself || crdsOnly ? { holdsNoMeshObjects: true } : {}),
      ...(crdsOnly && !fluxItself && { holdsCrds: true }),
      // whose project it is tells what it may hold
      ...(url && !fluxItself ? { remoteUrl: url, remotePath: path } : {}),
      ...(typeof spec.targetNamespace === 'string' &&
        !unknownVariables(spec.targetNamespace).length &&
        !hasUnresolvedReference(spec.targetNamespace) && {
          onlyNamespace: spec.targetNamespace,
        }),
    });
    return undefined;
  }
  const overlay = readOverlay(decl, spec, key);
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
    overlay,
    commonMetadata: readCommonMetadata(spec.commonMetadata),
  };
}

/**
 * What kustomize-controller adds to the kustomization it builds for a Flux
 * Kustomization: its target namespace, name prefix and suffix, patches and
 * components (undefined when it adds nothing).
 */
function readOverlay(
  decl: ManifestObject,
  spec: Record<string, any>,
  key: string,
): FluxKustomizeOverlay | undefined {
  const at = (...path: (string | number)[]) => locate(decl, ['spec', ...path]);
  const list = (field: string) =>
    Array.isArray(spec[field]) ? (spec[field] as unknown[]) : [];
  const overlay: FluxKustomizeOverlay = {
    origin: `Kustomization ${key}`,
    key: '',
    location: at(),
  };
  if (typeof spec.targetNamespace === 'string')
    overlay.namespace = spec.targetNamespace;
  if (typeof spec.namePrefix === 'string') overlay.namePrefix = spec.namePrefix;
  if (typeof spec.nameSuffix === 'string') overlay.nameSuffix = spec.nameSuffix;
  if (list('patches').length)
    overlay.patches = list('patches').map((p: any, i) => ({
      patch: p?.patch,
      target: p?.target,
      location: at('patches', i),
      textLocation: at('patches', i, 'patch'),
    }));
  if (list('patchesStrategicMerge').length)
    overlay.patchesStrategicMerge = list('patchesStrategicMerge').map(
      (patch, i) => ({ patch, location: at('patchesStrategicMerge', i) }),
    );
  if (list('patchesJson6902').length)
    overlay.patchesJson6902 = list('patchesJson6902').map((p: any, i) => ({
      patch: p?.patch,
      target: p?.target,
      location: at('patchesJson6902', i),
    }));
  if (list('components').length)
    overlay.components = list('components')
      .filter((c): c is string => typeof c === 'string')
      .map((path, i) => ({ path, location: at('components', i) }));
  if (spec.ignoreMissingComponents === true)
    overlay.ignoreMissingComponents = true;
  if (spec.images !== undefined) overlay.images = { location: at('images') };
  const { origin: _o, key: _k, location: _l, ...content } = overlay;
  if (Object.keys(content).length === 0) return undefined;
  // what the build depends on (locations only name it)
  overlay.key = JSON.stringify(content, (name, value) =>
    name === 'location' || name === 'textLocation' ? undefined : value,
  );
  return overlay;
}

/** `spec.commonMetadata`: labels and annotations Flux adds to every object it applies. */
function readCommonMetadata(
  value: unknown,
): KustomizationSpec['commonMetadata'] {
  if (!isRecord(value)) return undefined;
  const strings = (v: unknown) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.entries(v).map(([k, x]) => [k, x === null ? '' : String(x)]),
        )
      : undefined;
  const labels = strings(value.labels);
  const annotations = strings(value.annotations);
  return labels || annotations ? { labels, annotations } : undefined;
}
