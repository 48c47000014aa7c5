import type { EngineFinding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import type { YamlDocument } from '../yaml/types';

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

/** Turns the documents of a manifest file into objects, or findings. */
export function documentsToObjects(docs: readonly YamlDocument[]): {
  objects: ManifestObject[];
  findings: EngineFinding[];
} {
  const objects: ManifestObject[] = [];
  const findings: EngineFinding[] = [];
  for (const doc of docs) {
    const value = doc.value;
    const location = { file: doc.file, line: doc.line };
    if (!isRecord(value)) {
      findings.push({
        code: 'manifest-invalid',
        severity: 'error',
        message: `is not a Kubernetes object (a YAML map with apiVersion, kind and metadata)`,
        location,
      });
      continue;
    }
    const { apiVersion, kind } = value;
    const name = getPath(value, ['metadata', 'name']);
    if (
      typeof apiVersion !== 'string' ||
      typeof kind !== 'string' ||
      typeof name !== 'string' ||
      !name
    ) {
      const missing = [
        typeof apiVersion !== 'string' && 'apiVersion',
        typeof kind !== 'string' && 'kind',
        (typeof name !== 'string' || !name) && 'metadata.name',
      ].filter(Boolean);
      findings.push({
        code: 'manifest-invalid',
        severity: 'error',
        message: `has no ${missing.join(', ')}; kustomize cannot build it`,
        location,
      });
      continue;
    }
    const namespace = getPath(value, ['metadata', 'namespace']);
    objects.push({
      apiVersion,
      kind,
      name,
      namespace:
        typeof namespace === 'string' && namespace ? namespace : undefined,
      body: value,
      source: {
        file: doc.file,
        index: doc.index,
        line: doc.line,
        root: doc.value,
      },
    });
  }
  return { objects, findings };
}

/** Returns an object with the namespace set (cluster-scoped kinds unchanged). */
export function withNamespace(
  object: ManifestObject,
  namespace: string,
): ManifestObject {
  if (clusterScopedKinds.has(object.kind) || object.namespace === namespace)
    return object;
  const metadata = { ...(object.body.metadata ?? {}), namespace };
  return { ...object, namespace, body: { ...object.body, metadata } };
}
