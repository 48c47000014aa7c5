/** Where an object came from, to point at lines. @public */
export interface ObjectSource {
  file: string;
  /** Index of the document in its file. */
  index: number;
  /** Line of the document's first line of content. */
  line: number;
  /** The document's value as parsed, for line numbers of its fields. */
  root: unknown;
  /**
   * A generated ConfigMap's or Secret's keys read whole from files (the
   * generator's `files`): each key's file, whose lines its text has.
   */
  keyFiles?: Readonly<Record<string, string>>;
  /**
   * What a generator could not read for a generated ConfigMap or Secret (a
   * missing env file, a URL): kustomize fails the build, and keys it would
   * hold are not known here.
   */
  unread?: string;
  /**
   * The kustomize patches applied to the object, in order: fields they set
   * are located in the patch, not in the file the object was read from.
   */
  patches?: readonly PatchOrigin[];
}

/**
 * A patch applied to an object, for locating the fields it sets.
 *
 * @public
 */
export type PatchOrigin = {
  /** The patch file, or the kustomization that holds the patch inline. */
  file: string;
  /**
   * Where an inline patch is declared: the lines of inline text are not
   * lines of the file, so every field the patch sets is located here.
   */
  line?: number;
  /**
   * For inline text in a block scalar, whose lines are the file's: added
   * to a line of the text to give the file's (fields are located there,
   * not at `line`).
   */
  lineOffset?: number;
} & (
  | {
      kind: 'merge';
      /** The strategic merge patch document, as parsed. */
      document: unknown;
      /** Its index among the documents of `file`, for a patch file. */
      index?: number;
    }
  | {
      kind: 'json';
      /** The JSON 6902 operations that write (add, replace, copy, move). */
      operations: readonly {
        /** The keys of the path it writes. */
        path: readonly string[];
        /** The value it writes, as parsed. */
        value?: unknown;
        /** The operation's line in the file. */
        line?: number;
        /** Its index in the patch's list of operations. */
        index: number;
      }[];
    }
);

/**
 * A Kubernetes object as kustomize builds it and Flux applies it.
 * Bodies are never mutated: transformations return new objects that share
 * what did not change.
 *
 * @public
 */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Record<string, any>;
  source: ObjectSource;
}

/** `group/Kind/namespace/name`, the identity Flux and kustomize use. @public */
export function objectKey(o: {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/**
 * Kinds kustomize treats as cluster-scoped (its built-in schema); every
 * other kind, custom resources included, gets the kustomization's namespace.
 */
const clusterScopedKinds = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Whether kustomize's built-in schema knows a kind as cluster-scoped. */
export const isClusterScopedKind = (kind: string) =>
  clusterScopedKinds.has(kind);

/**
 * Custom resources their CRDs make cluster-scoped, which kustomize's schema
 * does not know (it gives them a namespace): the API server keeps one of
 * each name, whatever namespace the manifest or its Kustomization says.
 */
const clusterScopedCustomKinds = new Set([
  'CiliumLoadBalancerIPPool',
  'CiliumL2AnnouncementPolicy',
  'CiliumBGPClusterConfig',
  'CiliumBGPPeerConfig',
  'CiliumBGPAdvertisement',
  'CiliumBGPPeeringPolicy',
  'CiliumBGPNodeConfigOverride',
  'CiliumCIDRGroup',
  'CiliumClusterwideNetworkPolicy',
  'CiliumPodIPPool',
  'ClusterIssuer',
  'ClusterSecretStore',
  'ClusterExternalSecret',
]);

/** Whether the API server keeps a kind without a namespace (built in, or a known CRD's). */
export const isClusterScopedInCluster = (kind: string) =>
  clusterScopedKinds.has(kind) || clusterScopedCustomKinds.has(kind);

/** `Kind namespace/name` for messages. @public */
export function describeObject(o: {
  kind: string;
  namespace?: string;
  name: string;
}): string {
  // a cluster-scoped kind is one object whatever namespace a manifest
  // (or kustomize, for a custom resource) gives it
  const namespace = isClusterScopedInCluster(o.kind) ? undefined : o.namespace;
  return `${o.kind} ${namespace ? `${namespace}/` : ''}${o.name}`;
}
