import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject, ObjectSource } from '../../core/manifest';
import { isRecord } from '../../core/paths';
import { isClusterScopedKind } from '../../core/manifest';
import { stringAt, updateIn, withField, withoutField } from './immutable';

/** What kustomize identifies a resource by, besides its apiVersion. */
export interface ResId {
  kind: string;
  name: string;
  namespace: string | undefined;
}

/** How a generator merges into an existing resource of the same id. */
export type GeneratorBehavior = 'create' | 'replace' | 'merge';

/**
 * A resource while a kustomization is built: its body, and what kustomize
 * keeps beside it in build annotations (the ids it had before each rename,
 * the prefixes and suffixes added to its name, whether a generator asked
 * for a name-suffix hash). Never mutated: each step returns a new one.
 */
export interface Res {
  readonly body: Record<string, any>;
  readonly source: ObjectSource;
  /** Ids before each rename or move, oldest first (kustomize's previous ids). */
  readonly prevIds: readonly ResId[];
  readonly prefixes: readonly string[];
  readonly suffixes: readonly string[];
  /** A generated ConfigMap or Secret whose name still gets its content hash. */
  readonly hashSuffix: boolean;
  readonly behavior?: GeneratorBehavior;
  /** Where a generated resource was declared (the generator entry). */
  readonly generatedAt?: SourceLocation;
  /** What kustomize's origin annotation says: the generator and its kustomization file (else the source file). */
  readonly origin?:
    | { path: string }
    | { configuredIn: string; generator: string };
  /** The object it was read as, returned again while its body is unchanged. */
  readonly read?: ManifestObject;
}

export const apiVersionOf = (r: Res) => stringAt(r.body, 'apiVersion') ?? '';
export const kindOf = (r: Res) => stringAt(r.body, 'kind') ?? '';
export const nameOf = (r: Res) => stringAt(r.body, 'metadata', 'name') ?? '';
export const namespaceOf = (r: Res) => {
  const ns = stringAt(r.body, 'metadata', 'namespace');
  return ns ? ns : undefined;
};

/** `group`, `version` of an apiVersion (`v1` is the core group). */
export function groupVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

/** The namespace kustomize compares ids by: "" and "default" are the same, cluster-scoped kinds have none. */
export function effectiveNamespace(
  kind: string,
  namespace: string | undefined,
): string {
  if (isClusterScopedKind(kind)) return '_non_namespaceable_';
  return namespace && namespace !== 'default' ? namespace : 'default';
}

export const curId = (r: Res): ResId => ({
  kind: kindOf(r),
  name: nameOf(r),
  namespace: namespaceOf(r),
});

/** kustomize's OrgId: the first id the resource had. */
export const orgId = (r: Res): ResId => r.prevIds[0] ?? curId(r);

/** Every id the resource had, the current one last. */
export const allIds = (r: Res): ResId[] => [...r.prevIds, curId(r)];

/** A key of kustomize's ResId (group, version, kind, name, effective namespace). */
export function idKey(apiVersion: string, id: ResId): string {
  // the apiVersion stands for its group and version
  return `${apiVersion}|${id.kind}|${id.name}|${effectiveNamespace(
    id.kind,
    id.namespace,
  )}`;
}

/** Same kind, name and effective namespace (the apiVersion is compared separately). */
export function sameId(a: ResId, b: ResId): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    effectiveNamespace(a.kind, a.namespace) ===
      effectiveNamespace(b.kind, b.namespace)
  );
}

/** Records the current id before a rename or move (kustomize's StorePreviousId). */
export const storePreviousId = (r: Res): Res => ({
  ...r,
  prevIds: [...r.prevIds, curId(r)],
});

export const withBody = (r: Res, body: Record<string, any>): Res =>
  body === r.body ? r : { ...r, body };

/** Sets metadata.name (or metadata.namespace), sharing the rest of the body. */
export function withMeta(
  r: Res,
  field: 'name' | 'namespace',
  value: string | undefined,
): Res {
  return withBody(
    r,
    updateIn(r.body, ['metadata'], meta => {
      const map = isRecord(meta) ? meta : {};
      if (value === undefined) return withoutField(map, field);
      return map[field] === value ? map : withField(map, field, value);
    }),
  );
}

/** The empty list every new resource starts with (shared: lists are never mutated). */
export const NONE: readonly never[] = Object.freeze([]);

/** A resource read from a file (its origin is its file). */
export function fromManifest(o: ManifestObject): Res {
  return {
    body: o.body,
    source: o.source,
    prevIds: NONE,
    prefixes: NONE,
    suffixes: NONE,
    hashSuffix: false,
    read: o,
  };
}

/** The object as the rest of the engine sees it. */
export function toManifest(r: Res): ManifestObject {
  if (r.read && r.read.body === r.body && r.read.source === r.source)
    return r.read;
  return {
    apiVersion: apiVersionOf(r),
    kind: kindOf(r),
    name: nameOf(r),
    namespace: namespaceOf(r),
    body: r.body,
    source: r.source,
  };
}

/** `Kind namespace/name` of a resource, for messages. */
export function describeRes(r: Res): string {
  const ns = namespaceOf(r);
  return `${kindOf(r)} ${ns ? `${ns}/` : ''}${nameOf(r)}`;
}
