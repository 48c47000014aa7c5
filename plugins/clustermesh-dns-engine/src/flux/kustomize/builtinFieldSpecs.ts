import type { FieldSpec } from './fieldSpec';
import type { NameBackReference, TransformerConfig } from './transformerConfig';

/**
 * kustomize's built-in transformer configuration: which fields its
 * namespace, name, label and annotation transformers touch, and which
 * fields refer to which kinds by name. Written from kustomize's documented
 * tables (api/internal/konfig/builtinpluginconsts), checked against
 * `kubectl kustomize` in the tests.
 */

const fs = (
  path: string,
  kind?: string,
  extra: Partial<FieldSpec> = {},
): FieldSpec => ({
  path,
  ...(kind ? { kind } : {}),
  ...extra,
});

/** Where each workload kind keeps its pod template's metadata and spec. */
const podTemplates: {
  kind: string;
  group?: string;
  version?: string;
  template: string;
}[] = [
  { kind: 'ReplicationController', version: 'v1', template: 'spec/template' },
  { kind: 'Deployment', template: 'spec/template' },
  { kind: 'ReplicaSet', template: 'spec/template' },
  { kind: 'DaemonSet', template: 'spec/template' },
  { kind: 'StatefulSet', group: 'apps', template: 'spec/template' },
  { kind: 'Job', group: 'batch', template: 'spec/template' },
  {
    kind: 'CronJob',
    group: 'batch',
    template: 'spec/jobTemplate/spec/template',
  },
];

const metadataLabels: FieldSpec[] = [
  fs('metadata/labels', undefined, { create: true }),
  ...podTemplates.map(t =>
    fs(`${t.template}/metadata/labels`, t.kind, {
      group: t.group,
      version: t.version,
      create: true,
    }),
  ),
  fs('spec/volumeClaimTemplates[]/metadata/labels', 'StatefulSet', {
    group: 'apps',
    create: true,
  }),
  fs('spec/jobTemplate/metadata/labels', 'CronJob', {
    group: 'batch',
    create: true,
  }),
].map(clean);

const affinityTerms = [
  'affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'topologySpreadConstraints/labelSelector/matchLabels',
];

const selectorLabels: FieldSpec[] = [
  fs('spec/selector', 'Service', { version: 'v1', create: true }),
  fs('spec/selector', 'ReplicationController', { version: 'v1', create: true }),
  fs('spec/selector/matchLabels', 'Deployment', { create: true }),
  ...affinityTerms.map(p =>
    fs(`spec/template/spec/${p}`, 'Deployment', {
      group: 'apps',
      create: false,
    }),
  ),
  fs('spec/selector/matchLabels', 'ReplicaSet', { create: true }),
  fs('spec/selector/matchLabels', 'DaemonSet', { create: true }),
  fs('spec/selector/matchLabels', 'StatefulSet', {
    group: 'apps',
    create: true,
  }),
  ...affinityTerms.map(p =>
    fs(`spec/template/spec/${p}`, 'StatefulSet', {
      group: 'apps',
      create: false,
    }),
  ),
  fs('spec/selector/matchLabels', 'Job', { group: 'batch', create: false }),
  fs('spec/jobTemplate/spec/selector/matchLabels', 'CronJob', {
    group: 'batch',
    create: false,
  }),
  fs('spec/selector/matchLabels', 'PodDisruptionBudget', {
    group: 'policy',
    create: false,
  }),
  ...[
    'spec/podSelector',
    'spec/ingress/from/podSelector',
    'spec/egress/to/podSelector',
  ].map(p =>
    fs(`${p}/matchLabels`, 'NetworkPolicy', {
      group: 'networking.k8s.io',
      create: false,
    }),
  ),
].map(clean);

const annotations: FieldSpec[] = [
  fs('metadata/annotations', undefined, { create: true }),
  ...podTemplates.map(t =>
    fs(`${t.template}/metadata/annotations`, t.kind, {
      // kustomize's annotation table names no group for StatefulSet
      group: t.kind === 'StatefulSet' ? undefined : t.group,
      version: t.version,
      create: true,
    }),
  ),
  fs('spec/jobTemplate/metadata/annotations', 'CronJob', {
    group: 'batch',
    create: true,
  }),
].map(clean);

/** A field spec without empty fields. */
export function clean(spec: FieldSpec): FieldSpec {
  const out: FieldSpec = { path: spec.path };
  if (spec.kind) out.kind = spec.kind;
  if (spec.group) out.group = spec.group;
  if (spec.version) out.version = spec.version;
  if (spec.create) out.create = true;
  return out;
}

/** Pod spec locations of the kinds kustomize follows references from. */
const podSpecs: { kind: string; version?: string; spec: string }[] = [
  { kind: 'Pod', version: 'v1', spec: 'spec' },
  { kind: 'PodTemplate', spec: 'template/spec' },
  ...['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job'].map(
    kind => ({ kind, spec: 'spec/template/spec' }),
  ),
  { kind: 'CronJob', spec: 'spec/jobTemplate/spec/template/spec' },
];

const inPodSpecs = (paths: string[], kinds = podSpecs): FieldSpec[] =>
  kinds.flatMap(k =>
    paths.map(p => clean(fs(`${k.spec}/${p}`, k.kind, { version: k.version }))),
  );

const withWorkloads = (path: string): FieldSpec[] => [
  fs(`spec/${path}`, 'Pod'),
  ...[
    'StatefulSet',
    'Deployment',
    'ReplicationController',
    'Job',
    'DaemonSet',
  ].map(kind => fs(`spec/template/spec/${path}`, kind)),
  fs(`spec/jobTemplate/spec/template/spec/${path}`, 'CronJob'),
];

const scaledBy = [fs('spec/scaleTargetRef/name', 'HorizontalPodAutoscaler')];
const rbacRules = ['Role', 'ClusterRole'].map(kind =>
  fs('rules/resourceNames', kind),
);

const nameReference: NameBackReference[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map(
    kind => ({ kind, fieldSpecs: scaledBy }),
  ),
  {
    kind: 'ConfigMap',
    version: 'v1',
    fieldSpecs: [
      ...inPodSpecs([
        'volumes/configMap/name',
        'containers/env/valueFrom/configMapKeyRef/name',
        'initContainers/env/valueFrom/configMapKeyRef/name',
        'containers/envFrom/configMapRef/name',
        'initContainers/envFrom/configMapRef/name',
        'volumes/projected/sources/configMap/name',
      ]),
      fs('spec/configSource/configMap', 'Node'),
      ...rbacRules,
      fs(
        'metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap',
        'Ingress',
      ),
    ],
  },
  {
    kind: 'Secret',
    version: 'v1',
    fieldSpecs: [
      ...inPodSpecs([
        'volumes/secret/secretName',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name',
        'volumes/projected/sources/secret/name',
      ]),
      fs('spec/tls/secretName', 'Ingress'),
      ...['ingress.kubernetes.io', 'nginx.ingress.kubernetes.io'].map(d =>
        fs(`metadata/annotations/${d}\\/auth-secret`, 'Ingress'),
      ),
      fs(
        'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret',
        'Ingress',
      ),
      fs('imagePullSecrets/name', 'ServiceAccount'),
      ...['secretName', 'adminSecretName', 'userSecretName', 'secretRef'].map(
        p => fs(`parameters/${p}`, 'StorageClass'),
      ),
      ...rbacRules,
      fs(
        'spec/template/spec/containers/env/valueFrom/secretKeyRef/name',
        'Service',
        { group: 'serving.knative.dev', version: 'v1' },
      ),
      fs('spec/azureFile/secretName', 'PersistentVolume'),
    ].map(clean),
  },
  {
    kind: 'Service',
    version: 'v1',
    fieldSpecs: [
      fs('spec/serviceName', 'StatefulSet', { group: 'apps' }),
      ...[
        'spec/rules/http/paths/backend/serviceName',
        'spec/backend/serviceName',
        'spec/rules/http/paths/backend/service/name',
        'spec/defaultBackend/service/name',
      ].map(p => fs(p, 'Ingress')),
      fs('spec/service/name', 'APIService', {
        group: 'apiregistration.k8s.io',
      }),
      ...['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map(
        kind =>
          fs('webhooks/clientConfig/service', kind, {
            group: 'admissionregistration.k8s.io',
          }),
      ),
    ],
  },
  {
    kind: 'Role',
    group: 'rbac.authorization.k8s.io',
    fieldSpecs: [
      fs('roleRef/name', 'RoleBinding', { group: 'rbac.authorization.k8s.io' }),
    ],
  },
  {
    kind: 'ClusterRole',
    group: 'rbac.authorization.k8s.io',
    fieldSpecs: ['RoleBinding', 'ClusterRoleBinding'].map(kind =>
      fs('roleRef/name', kind, { group: 'rbac.authorization.k8s.io' }),
    ),
  },
  {
    kind: 'ServiceAccount',
    version: 'v1',
    fieldSpecs: [
      ...['RoleBinding', 'ClusterRoleBinding'].map(kind =>
        fs('subjects', kind, { group: 'rbac.authorization.k8s.io' }),
      ),
      ...withWorkloads('serviceAccountName'),
    ],
  },
  {
    kind: 'PersistentVolumeClaim',
    version: 'v1',
    fieldSpecs: withWorkloads('volumes/persistentVolumeClaim/claimName'),
  },
  {
    kind: 'PersistentVolume',
    version: 'v1',
    fieldSpecs: [
      fs('spec/volumeName', 'PersistentVolumeClaim'),
      fs('rules/resourceNames', 'ClusterRole'),
    ],
  },
  {
    kind: 'StorageClass',
    version: 'v1',
    group: 'storage.k8s.io',
    fieldSpecs: [
      fs('spec/storageClassName', 'PersistentVolume'),
      fs('spec/storageClassName', 'PersistentVolumeClaim'),
      fs('spec/volumeClaimTemplates/spec/storageClassName', 'StatefulSet'),
    ],
  },
  {
    kind: 'PriorityClass',
    version: 'v1',
    group: 'scheduling.k8s.io',
    fieldSpecs: withWorkloads('priorityClassName'),
  },
  // kustomize also lists IngressClass, under the group "networking.k8s.io/v1", which no object has: it never applies
  {
    kind: 'ValidatingAdmissionPolicy',
    group: 'admissionregistration.k8s.io',
    fieldSpecs: [
      fs('spec/policyName', 'ValidatingAdmissionPolicyBinding', {
        group: 'admissionregistration.k8s.io',
      }),
    ],
  },
].map(ref => ({ ...ref, fieldSpecs: ref.fieldSpecs.map(clean) }));

/** kustomize's built-in transformer configuration. */
export const defaultTransformerConfig: TransformerConfig = {
  namePrefix: [{ path: 'metadata/name' }],
  nameSuffix: [{ path: 'metadata/name' }],
  namespace: [
    { path: 'metadata/name', kind: 'Namespace', create: true },
    {
      path: 'spec/service/namespace',
      group: 'apiregistration.k8s.io',
      kind: 'APIService',
      create: true,
    },
    {
      path: 'spec/conversion/webhook/clientConfig/service/namespace',
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
    },
  ],
  commonLabels: [...selectorLabels, ...metadataLabels],
  templateLabels: metadataLabels,
  labels: [],
  commonAnnotations: annotations,
  nameReference,
};
