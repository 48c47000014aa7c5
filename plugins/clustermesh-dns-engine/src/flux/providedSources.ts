import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject, ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import type { LabelSelector } from '../k8s/labelSelector';
import { locate } from '../yaml/locate';
import { stringMapAt } from './kustomize/immutable';

/**
 * A Secret or ConfigMap that is not in the repository as an object, but
 * that something else provides: an ExternalSecret, a SealedSecret, or
 * whatever the conventions say is created outside the repository. Flux
 * substitutes from it like from any other; its values are never known
 * offline, and its keys only sometimes.
 *
 * @public
 */
export interface ProvidedSource {
  kind: 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
  /** Who provides it, for messages: `ExternalSecret flux-system/cluster-secrets`. */
  by: string;
  /** The keys it is known to hold; undefined when any key may be there. */
  keys?: string[];
  location?: SourceLocation;
  /** What the provided data depends on (for memo identities). */
  identity: object;
  /**
   * The namespaces it is made in, where that is not one (a
   * ClusterExternalSecret's): `*` for every namespace.
   */
  namespaces?: readonly string[];
  /**
   * The label selectors of the namespaces it is made in (a
   * ClusterExternalSecret's), matched against the cluster's Namespaces.
   */
  namespaceSelectors?: readonly LabelSelector[];
}

/** The namespace of a source made in every namespace (a ClusterExternalSecret's with an empty selector). @public */
export const everyNamespace = '*';

const isGroup = (apiVersion: string, group: string) =>
  apiVersion.startsWith(`${group}/`);

/** The keys an ExternalSecret writes, when they can be known without its store. */
function externalSecretKeys(spec: Record<string, any>): string[] | undefined {
  const template = getPath(spec, ['target', 'template']);
  if (isRecord(template) && template.mergePolicy !== 'Merge') {
    const data = isRecord(template.data) ? Object.keys(template.data) : [];
    return template.data === undefined ? undefined : data;
  }
  if (Array.isArray(spec.dataFrom) && spec.dataFrom.length) return undefined;
  if (getPath(spec, ['target', 'creationPolicy']) === 'Merge') return undefined;
  return Array.isArray(spec.data)
    ? spec.data
        .map((d: unknown) => (isRecord(d) ? d.secretKey : undefined))
        .filter((k: unknown): k is string => typeof k === 'string')
    : [];
}

/**
 * The namespaces a ClusterExternalSecret makes its ExternalSecret in:
 * every one for an empty selector (`namespaceSelectors: [{}]`), those it
 * names (`namespaces`), and those its label selectors admit.
 */
function clusterExternalSecretNamespaces(spec: Record<string, unknown>): {
  namespaces: string[];
  selectors: LabelSelector[];
} {
  const selectors = [
    ...(Array.isArray(spec.namespaceSelectors) ? spec.namespaceSelectors : []),
    ...(spec.namespaceSelector !== undefined ? [spec.namespaceSelector] : []),
  ].filter(isRecord) as LabelSelector[];
  const empty = (selector: LabelSelector) =>
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0;
  if (selectors.some(empty))
    return { namespaces: [everyNamespace], selectors: [] };
  const named = Array.isArray(spec.namespaces)
    ? spec.namespaces.filter((n): n is string => typeof n === 'string')
    : [];
  return { namespaces: named, selectors };
}

/**
 * The namespaces a controller copies a ConfigMap or Secret into, by its
 * annotations: kubernetes-replicator's `replicate-to` (namespace patterns,
 * comma-separated), or emberstack reflector's automatic reflection
 * (`reflection-auto-enabled`, into `reflection-auto-namespaces`, else the
 * allowed ones, else all). An ExternalSecret's own annotations (or its
 * template's) go to the Secret it makes. `every` where a pattern takes any
 * namespace; undefined where it is copied nowhere.
 *
 * @public
 */
export function replicatedTo(
  object: Pick<ManifestObject, 'kind' | 'body'>,
): { every: boolean; patterns: RegExp[] } | undefined {
  const annotations = {
    ...stringMapAt(object.body, 'metadata', 'annotations'),
    ...(object.kind === 'ExternalSecret'
      ? stringMapAt(
          object.body,
          'spec',
          'target',
          'template',
          'metadata',
          'annotations',
        )
      : {}),
  };
  const reflector = 'reflector.v1.k8s.emberstack.com';
  let list = annotations['replicator.v1.mittwald.de/replicate-to'];
  if (
    list === undefined &&
    annotations[`${reflector}/reflection-auto-enabled`] === 'true' &&
    annotations[`${reflector}/reflection-allowed`] === 'true'
  )
    list =
      annotations[`${reflector}/reflection-auto-namespaces`] ||
      annotations[`${reflector}/reflection-allowed-namespaces`] ||
      '.*';
  if (list === undefined) return undefined;
  const written = list
    .split(',')
    .map(p => p.trim())
    .filter(Boolean);
  if (!written.length) return undefined;
  const patterns = written.flatMap(p => {
    try {
      return [new RegExp(`^(?:${p})$`)];
    } catch {
      return [];
    }
  });
  return {
    every: patterns.some(p => p.test('') && p.test('any-namespace')),
    patterns,
  };
}

/**
 * The Secret a secret operator's object makes, by its spec: Infisical's
 * `InfisicalSecret` (`managedSecretReference`), 1Password's
 * `OnePasswordItem` (its own name), Vault Secrets Operator's static and
 * dynamic secrets (`destination`, with `create`), Bitwarden's
 * `BitwardenSecret` (`secretName`).
 */
function operatorSecret(
  object: Pick<ManifestObject, 'apiVersion' | 'kind' | 'name'>,
  spec: Record<string, unknown>,
): { name: string; namespace?: string } | undefined {
  const text = (value: unknown) =>
    typeof value === 'string' && value ? value : undefined;
  if (
    object.kind === 'InfisicalSecret' &&
    isGroup(object.apiVersion, 'secrets.infisical.com')
  ) {
    const name = text(getPath(spec, ['managedSecretReference', 'secretName']));
    return name
      ? {
          name,
          namespace: text(
            getPath(spec, ['managedSecretReference', 'secretNamespace']),
          ),
        }
      : undefined;
  }
  if (
    object.kind === 'OnePasswordItem' &&
    isGroup(object.apiVersion, 'onepassword.com')
  )
    return { name: object.name };
  if (
    (object.kind === 'VaultStaticSecret' ||
      object.kind === 'VaultDynamicSecret') &&
    isGroup(object.apiVersion, 'secrets.hashicorp.com') &&
    getPath(spec, ['destination', 'create']) === true
  ) {
    const name = text(getPath(spec, ['destination', 'name']));
    return name ? { name } : undefined;
  }
  if (
    object.kind === 'BitwardenSecret' &&
    isGroup(object.apiVersion, 'k8s.bitwarden.com')
  ) {
    const name = text(spec.secretName);
    return name ? { name } : undefined;
  }
  return undefined;
}

/**
 * The name of the Secret a document (as written, in any file) makes
 * another controller create: an ExternalSecret's or SealedSecret's target,
 * or a secret operator's (see operatorSecret). Undefined for anything else.
 *
 * @internal
 */
export function madeSecretName(value: Record<string, unknown>): unknown {
  const name = getPath(value, ['metadata', 'name']);
  if (value.kind === 'ExternalSecret' || value.kind === 'SealedSecret')
    return (
      getPath(value, ['spec', 'target', 'name']) ??
      getPath(value, ['spec', 'template', 'metadata', 'name']) ??
      name
    );
  const spec = isRecord(value.spec) ? value.spec : {};
  return operatorSecret(
    {
      apiVersion: String(value.apiVersion ?? ''),
      kind: String(value.kind ?? ''),
      name: String(name ?? ''),
    },
    spec,
  )?.name;
}

/**
 * The Secret an object makes another controller create, if it is one of
 * those objects: an ExternalSecret (External Secrets Operator; the Secret
 * is `spec.target.name`, by default the ExternalSecret's name, unless its
 * creationPolicy is None), a ClusterExternalSecret (the same, from
 * `spec.externalSecretSpec`, by default named `spec.externalSecretName` or
 * its own name, in the namespaces it selects), a SealedSecret (Bitnami;
 * the Secret has its name and the keys of `spec.encryptedData`), or another
 * secret operator's object (see operatorSecret; its keys not known).
 *
 * @public
 */
export function providedBy(
  object: ManifestObject,
  namespace: string,
): ProvidedSource | undefined {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  if (
    object.kind === 'ExternalSecret' &&
    isGroup(object.apiVersion, 'external-secrets.io')
  ) {
    if (getPath(spec, ['target', 'creationPolicy']) === 'None')
      return undefined;
    const target = getPath(spec, ['target', 'name']);
    return {
      kind: 'Secret',
      namespace,
      name: typeof target === 'string' && target ? target : object.name,
      by: describeObject({ ...object, namespace }),
      keys: externalSecretKeys(spec),
      location: locate(object),
      identity: object.body,
    };
  }
  if (
    object.kind === 'ClusterExternalSecret' &&
    isGroup(object.apiVersion, 'external-secrets.io')
  ) {
    const external = isRecord(spec.externalSecretSpec)
      ? spec.externalSecretSpec
      : {};
    const { namespaces, selectors } = clusterExternalSecretNamespaces(spec);
    if (
      (!namespaces.length && !selectors.length) ||
      getPath(external, ['target', 'creationPolicy']) === 'None'
    )
      return undefined;
    const target = getPath(external, ['target', 'name']);
    const externalSecretName =
      typeof spec.externalSecretName === 'string' && spec.externalSecretName
        ? spec.externalSecretName
        : object.name;
    return {
      kind: 'Secret',
      namespace: namespaces[0] ?? '',
      namespaces,
      ...(selectors.length && { namespaceSelectors: selectors }),
      name: typeof target === 'string' && target ? target : externalSecretName,
      by: describeObject(object),
      keys: externalSecretKeys(external),
      location: locate(object),
      identity: object.body,
    };
  }
  // other secret operators: the Secret's name (and namespace) their spec
  // gives, its keys in the store, not known here (yamshy's InfisicalSecret)
  const operated = operatorSecret(object, spec);
  if (operated)
    return {
      kind: 'Secret',
      namespace: operated.namespace ?? namespace,
      name: operated.name,
      by: describeObject({ ...object, namespace }),
      location: locate(object),
      identity: object.body,
    };
  if (
    object.kind === 'SealedSecret' &&
    isGroup(object.apiVersion, 'bitnami.com')
  ) {
    return {
      kind: 'Secret',
      namespace,
      name: object.name,
      by: describeObject({ ...object, namespace }),
      keys: isRecord(spec.encryptedData) ? Object.keys(spec.encryptedData) : [],
      location: locate(object),
      identity: object.body,
    };
  }
  return undefined;
}

/**
 * What an applied object makes in the cluster, by kind, namespace and name:
 * the Secret an ExternalSecret or SealedSecret makes (`provided`), else the
 * object itself. One answer for every "is X made here?" question.
 *
 * @public
 */
export function madeObject(
  object: ManifestObject,
  namespace: string,
): {
  kind: string;
  namespace: string;
  name: string;
  provided?: ProvidedSource;
  /** Where, and by what, in words (located on demand: most are not asked). */
  origin(): { by: string; location: SourceLocation };
} {
  const provided = providedBy(object, namespace);
  const origin = () => ({
    by: provided?.by ?? describeObject({ ...object, namespace }),
    location: provided?.location ?? locate(object),
  });
  return provided
    ? { ...provided, provided, origin }
    : { kind: object.kind, namespace, name: object.name, origin };
}

/** Sources the conventions declare as created outside the repository. @public */
export function externalSource(source: {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  namespace: string;
}): ProvidedSource {
  return {
    ...source,
    by: 'outside the repository (conventions flux.externalSources)',
    identity: source,
  };
}
