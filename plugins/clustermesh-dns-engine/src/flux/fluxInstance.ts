import { getPath, isRecord } from '../core/paths';
import { literal } from '../core/text';

/**
 * Values of the flux-operator's flux-instance chart kept in a file of their
 * own (a `valuesFrom` ConfigMap generator reads it): a document that is not
 * a Kubernetes object, with an `instance` map.
 */
export const isFluxInstanceValues = (v: Record<string, any>) =>
  v.kind === undefined &&
  v.apiVersion === undefined &&
  v.instance !== null &&
  typeof v.instance === 'object' &&
  !Array.isArray(v.instance);

/** `namespace/name` of a document. */
const nameOf = (v: Record<string, any>) =>
  `${getPath(v, ['metadata', 'namespace']) ?? 'flux-system'}/${getPath(v, [
    'metadata',
    'name',
  ])}`;

/**
 * Where a document holds a flux-operator sync: a FluxInstance's `spec.sync`,
 * the flux-instance chart's values (`instance.sync`), or a HelmRelease's
 * (`spec.values.instance.sync`); with the namespace the operator names its
 * source after, and how to say who syncs what. Undefined for other documents.
 */
export function instanceSyncOf(
  v: Record<string, any>,
  inFile: string,
  /** The namespace the Flux Kustomization applying the file gives it (`targetNamespace`), if any. */
  givenNamespace?: string,
):
  | {
      at: string[];
      namespace: string;
      describe: (what: string, where: string) => string;
    }
  | undefined {
  const namespace = String(
    getPath(v, ['metadata', 'namespace']) ?? givenNamespace ?? 'flux-system',
  );
  // the repository it syncs, as written: a template copied with another's
  // URL left in (thomloy's onedr0p/home-ops) shows
  const from = (at: readonly string[]) => {
    const url = literal(getPath(v, [...at, 'url']));
    return url ? `; repository ${url}` : '';
  };
  if (
    v.kind === 'FluxInstance' &&
    String(v.apiVersion).startsWith('fluxcd.controlplane.io/')
  )
    return {
      at: ['spec', 'sync'],
      namespace,
      describe: (what, at) =>
        `FluxInstance ${nameOf(v)} syncs ${what} (${at}${from([
          'spec',
          'sync',
        ])})`,
    };
  if (isFluxInstanceValues(v))
    return {
      at: ['instance', 'sync'],
      namespace: 'flux-system',
      describe: (what, at) =>
        `the flux-instance chart values ${inFile} sync ${what} (instance.sync.path at ${at}${from(
          ['instance', 'sync'],
        )})`,
    };
  if (v.kind === 'HelmRelease') {
    // the chart makes the FluxInstance where the release installs
    const target = literal(getPath(v, ['spec', 'targetNamespace']));
    return {
      at: ['spec', 'values', 'instance', 'sync'],
      namespace: target ?? namespace,
      describe: (what, at) =>
        `the flux-operator HelmRelease ${namespace}/${getPath(v, [
          'metadata',
          'name',
        ])} syncs ${what} (instance.sync.path at ${at}${from([
          'spec',
          'values',
          'instance',
          'sync',
        ])})`,
    };
  }
  return undefined;
}

/** A patch a flux-operator sync applies to the Flux Kustomization it makes. */
export interface SyncKustomizationPatch {
  /** The patch text: a strategic merge document, or JSON 6902 operations. */
  patch: string;
  /** The name its target selects (any, when it names none). */
  name?: string;
}

/**
 * The folder a flux-operator sync reconciles and the patches of its
 * `kustomize.patches` that target kind Kustomization: the operator applies
 * them to the sync Kustomization it makes (a `postBuild.substituteFrom`, a
 * `decryption`). Undefined for other documents, and for a sync path that
 * is not written out.
 */
export function syncKustomizationPatches(
  v: Record<string, any>,
  inFile: string,
): { path: string; patches: SyncKustomizationPatch[] } | undefined {
  const sync = instanceSyncOf(v, inFile);
  const path = sync && literal(getPath(v, [...sync.at, 'path']));
  if (!sync || path === undefined) return undefined;
  const listed = getPath(v, [...sync.at.slice(0, -1), 'kustomize', 'patches']);
  const patches = (Array.isArray(listed) ? listed : []).flatMap(p => {
    const target = getPath(p, ['target']);
    const text = getPath(p, ['patch']);
    // a label selector is not read: the patch is not known to apply
    return typeof text === 'string' &&
      isRecord(target) &&
      target.kind === 'Kustomization' &&
      target.labelSelector === undefined &&
      target.annotationSelector === undefined &&
      (target.name === undefined || typeof target.name === 'string')
      ? [{ patch: text, name: target.name as string | undefined }]
      : [];
  });
  return patches.length ? { path, patches } : undefined;
}
