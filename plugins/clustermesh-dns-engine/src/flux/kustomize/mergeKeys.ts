/**
 * What strategic merge needs from a kind's OpenAPI schema: which lists merge
 * by key (and by which keys), which merge as sets of scalars. kustomize
 * (kyaml) reads this from its built-in Kubernetes 1.21 schema; a kind it
 * does not know (every custom resource: Flux Kustomization, HelmRelease,
 * Cilium pools, ...) has no schema, so its lists are replaced whole.
 *
 * The table covers the built-in kinds GitOps repositories patch: the
 * workloads' pod templates, Services, ServiceAccounts, webhooks, and the
 * metadata lists every built-in kind shares.
 */
export interface MergeSchema {
  fields?: Record<string, MergeSchema>;
  /** A list that merges: by these keys, or (empty) as a set of scalars. */
  mergeKeys?: string[];
  /** Schema of a list's items. */
  items?: MergeSchema;
}

const keyed = (keys: string[], items?: MergeSchema): MergeSchema => ({
  mergeKeys: keys,
  items,
});
const fields = (f: Record<string, MergeSchema>): MergeSchema => ({ fields: f });

const objectMeta = fields({
  finalizers: keyed([]),
  ownerReferences: keyed(['uid']),
});

const container = fields({
  ports: keyed(['containerPort', 'protocol']),
  env: keyed(['name']),
  volumeMounts: keyed(['mountPath']),
  volumeDevices: keyed(['devicePath']),
});

const podSpec = fields({
  containers: keyed(['name'], container),
  initContainers: keyed(['name'], container),
  ephemeralContainers: keyed(['name'], container),
  volumes: keyed(['name']),
  imagePullSecrets: keyed(['name']),
  hostAliases: keyed(['ip']),
  topologySpreadConstraints: keyed(['topologyKey', 'whenUnsatisfiable']),
});

const podTemplate = fields({ metadata: objectMeta, spec: podSpec });
const withMeta = (rest: Record<string, MergeSchema> = {}) =>
  fields({ metadata: objectMeta, ...rest });
const workload = withMeta({ spec: fields({ template: podTemplate }) });

/** Schemas by `apiVersion/kind`, for the versions in kustomize's built-in schema (a constant table). */
const table: [string[], string[], MergeSchema][] = [];
const add = (apiVersions: string[], kinds: string[], schema: MergeSchema) => {
  table.push([apiVersions, kinds, schema]);
};

add(
  ['apps/v1'],
  ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
  workload,
);
add(['v1'], ['ReplicationController'], workload);
add(['batch/v1'], ['Job'], workload);
add(
  ['batch/v1', 'batch/v1beta1'],
  ['CronJob'],
  withMeta({
    spec: fields({
      jobTemplate: fields({
        metadata: objectMeta,
        spec: fields({ template: podTemplate }),
      }),
    }),
  }),
);
add(['v1'], ['Pod'], withMeta({ spec: podSpec }));
add(['v1'], ['PodTemplate'], withMeta({ template: podTemplate }));
add(
  ['v1'],
  ['Service'],
  withMeta({ spec: fields({ ports: keyed(['port', 'protocol']) }) }),
);
add(['v1'], ['ServiceAccount'], withMeta({ secrets: keyed(['name']) }));
add(['v1'], ['Node'], withMeta({ spec: fields({ podCIDRs: keyed([]) }) }));
add(
  ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'],
  ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  withMeta({ webhooks: keyed(['name']) }),
);
add(
  ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1'],
  ['CSINode'],
  withMeta({ spec: fields({ drivers: keyed(['name']) }) }),
);

// built-in kinds with no merging list besides their metadata
const metaOnly = withMeta();
add(
  ['v1'],
  [
    'ConfigMap',
    'Secret',
    'Namespace',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Endpoints',
    'LimitRange',
    'ResourceQuota',
    'Event',
    'ComponentStatus',
  ],
  metaOnly,
);
add(
  ['networking.k8s.io/v1'],
  ['Ingress', 'IngressClass', 'NetworkPolicy'],
  metaOnly,
);
add(['networking.k8s.io/v1beta1'], ['Ingress', 'IngressClass'], metaOnly);
add(
  ['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1beta1'],
  ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  metaOnly,
);
add(['policy/v1', 'policy/v1beta1'], ['PodDisruptionBudget'], metaOnly);
add(['policy/v1beta1'], ['PodSecurityPolicy'], metaOnly);
add(
  ['autoscaling/v1', 'autoscaling/v2beta1', 'autoscaling/v2beta2'],
  ['HorizontalPodAutoscaler'],
  metaOnly,
);
add(
  ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1'],
  ['StorageClass', 'VolumeAttachment', 'CSIDriver'],
  metaOnly,
);
add(
  ['scheduling.k8s.io/v1', 'scheduling.k8s.io/v1beta1'],
  ['PriorityClass'],
  metaOnly,
);
add(
  ['apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1'],
  ['CustomResourceDefinition'],
  metaOnly,
);
add(
  ['apiregistration.k8s.io/v1', 'apiregistration.k8s.io/v1beta1'],
  ['APIService'],
  metaOnly,
);
add(['coordination.k8s.io/v1'], ['Lease'], metaOnly);
add(
  ['discovery.k8s.io/v1', 'discovery.k8s.io/v1beta1'],
  ['EndpointSlice'],
  metaOnly,
);
add(['node.k8s.io/v1', 'node.k8s.io/v1beta1'], ['RuntimeClass'], metaOnly);
add(
  ['certificates.k8s.io/v1', 'certificates.k8s.io/v1beta1'],
  ['CertificateSigningRequest'],
  metaOnly,
);

const schemas: ReadonlyMap<string, MergeSchema> = new Map(
  table.flatMap(([versions, kinds, schema]) =>
    versions.flatMap(v => kinds.map(k => [`${v}/${k}`, schema] as const)),
  ),
);

/** The merge schema of a kind, or undefined when kustomize has none (custom resources). */
export function mergeSchemaOf(
  apiVersion: unknown,
  kind: unknown,
): MergeSchema | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return undefined;
  return schemas.get(`${apiVersion}/${kind}`);
}
