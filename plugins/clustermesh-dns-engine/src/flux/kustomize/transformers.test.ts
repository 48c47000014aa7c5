import {
  bothBuilds,
  byId,
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';

const kubectl = haveKubectl(
  'the transformer cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

function expectSame(files: Record<string, string>, dir = 'app') {
  const { engine, real } = bothBuilds(files, dir);
  if ('error' in real) throw new Error(`kubectl failed: ${real.error}`);
  expect(engine.messages.filter(m => !m.startsWith('not-evaluated'))).toEqual(
    [],
  );
  expect(byId(engine.bodies)).toEqual(byId(real.objects));
  return engine;
}

const workloads = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
      containers:
        - name: web
          envFrom: [{configMapRef: {name: settings}}, {secretRef: {name: secrets}}]
          env: [{name: A, valueFrom: {configMapKeyRef: {name: settings, key: A}}}]
      volumes:
        - {name: a, configMap: {name: settings}}
        - {name: b, secret: {secretName: secrets}}
        - name: c
          projected: {sources: [{configMap: {name: settings}}, {secret: {name: secrets}}]}
        - {name: d, persistentVolumeClaim: {claimName: data}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: external}
spec:
  type: ExternalName
  externalName: example.com
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: job}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: job, envFrom: [{configMapRef: {name: settings}}]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects:
  - {kind: ServiceAccount, name: web}
  - {kind: ServiceAccount, name: default}
  - {kind: ServiceAccount, name: other, namespace: elsewhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web}
rules: [{apiGroups: [""], resources: [configmaps], resourceNames: [settings], verbs: [get]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {selector: {matchLabels: {app: web}}, minAvailable: 1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {name: pool}
spec: {blocks: [{cidr: 10.0.0.0/24}]}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app}
spec:
  chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: charts}}}
  valuesFrom: [{kind: ConfigMap, name: values}, {kind: Secret, name: secrets}]
`;

describeKubectl(
  'namespace, prefixes, suffixes, labels, annotations, name references',
  () => {
    it('transforms a base of workloads, RBAC and custom resources as kubectl does', () => {
      expect(
        expectSame({
          'base/kustomization.yaml': `resources: [objects.yaml]
configMapGenerator:
  - name: settings
    literals: [A=1]
secretGenerator:
  - name: secrets
    literals: [B=2]
`,
          'base/objects.yaml': workloads,
          'app/kustomization.yaml': `namespace: apps
namePrefix: pre-
nameSuffix: -suf
commonLabels: {team: platform}
labels:
  - pairs: {tier: web}
    includeTemplates: true
  - pairs: {selected: "yes"}
    includeSelectors: true
  - pairs: {custom: x}
    fields: [{path: spec/chart/spec/labels, kind: HelmRelease, create: true}]
commonAnnotations: {owner: sre}
resources: [../base]
`,
        }).ok,
      ).toBe(true);
    });

    it('runs builtin label and annotation transformers of its transformers field (inline and from a file) after the fields, as kubectl does', () => {
      const built = expectSame({
        'base/kustomization.yaml': `resources: [objects.yaml]
configMapGenerator:
  - name: settings
    literals: [A=1]
`,
        // its Namespace becomes downloads, labelled by the transformer
        'base/objects.yaml': workloads,
        'app/annotations.yaml': `apiVersion: builtin
kind: AnnotationsTransformer
metadata: {name: prune}
annotations: {kustomize.toolkit.fluxcd.io/prune: disabled}
fieldSpecs:
  - path: metadata/annotations
    create: true
`,
        'app/kustomization.yaml': `namespace: downloads
commonLabels: {team: media}
resources: [../base]
transformers:
  - |-
    apiVersion: builtin
    kind: LabelTransformer
    metadata:
      name: not-used
    labels:
      routed-gateway: "true"
    fieldSpecs:
      - kind: Namespace
        path: metadata/labels
        create: true
  - ./annotations.yaml
  - |-
    apiVersion: builtin
    kind: LabelTransformer
    metadata:
      name: no-field-specs
    labels:
      ignored: "yes"
`,
      });
      expect(built.ok).toBe(true);
      // evaluated: nothing of it is left to report
      expect(built.messages).toEqual([]);
    });

    it('runs a builtin NamespaceTransformer of its transformers field (unsetOnly, setRoleBindingSubjects) as kubectl does', () => {
      const objects = `apiVersion: v1
kind: ConfigMap
metadata: {name: unset}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: set, namespace: other}
---
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
  - {kind: ServiceAccount, name: default, namespace: other}
  - {kind: ServiceAccount, name: default}
  - {kind: ServiceAccount, name: sa2, namespace: default}
`;
      for (const options of [
        'unsetOnly: true',
        'unsetOnly: false',
        'setRoleBindingSubjects: allServiceAccounts',
        'setRoleBindingSubjects: none',
        'unsetOnly: true\n    setRoleBindingSubjects: allServiceAccounts',
      ]) {
        const built = expectSame({
          'app/objects.yaml': objects,
          'app/kustomization.yaml': `resources: [objects.yaml]
transformers:
  - |-
    apiVersion: builtin
    kind: NamespaceTransformer
    metadata:
      name: not-used
      namespace: media
    ${options}
`,
        });
        expect(built.messages).toEqual([]);
      }
    });

    it('runs its transformers in kustomize order: patches before namespace and prefix, JSON 6902 patches after labels', () => {
      expect(
        expectSame({
          'app/kustomization.yaml': `resources: [cm.yaml]
namespace: late
namePrefix: p-
commonLabels: {added: label}
patches:
  - target: {kind: ConfigMap, name: cm}
    patch: |-
      - op: add
        path: /data/seenNamespace
        value: none
  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: cm}
      data: {smp: "1"}
patchesStrategicMerge:
  - |-
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: cm}
    data: {psm: "1"}
patchesJson6902:
  - target: {version: v1, kind: ConfigMap, name: p-cm}
    patch: |-
      - op: copy
        from: /metadata/labels/added
        path: /data/labelAtJson6902
`,
          'app/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "1"}\n',
        }).ok,
      ).toBe(true);
    });

    it('hashes after the overlay renamed a generated ConfigMap, and updates references in every layer', () => {
      expect(
        expectSame({
          'base/kustomization.yaml':
            'namePrefix: b-\nconfigMapGenerator:\n  - name: settings\n    literals: [A=1]\nresources: [pod.yaml]\n',
          'base/pod.yaml':
            'apiVersion: v1\nkind: Pod\nmetadata: {name: pod}\nspec:\n  containers: [{name: c, envFrom: [{configMapRef: {name: settings}}]}]\n',
          'other/kustomization.yaml':
            'namePrefix: o-\nconfigMapGenerator:\n  - name: settings\n    literals: [A=2]\nresources: [pod.yaml]\n',
          'other/pod.yaml':
            'apiVersion: v1\nkind: Pod\nmetadata: {name: pod}\nspec:\n  containers: [{name: c, envFrom: [{configMapRef: {name: settings}}]}]\n',
          'app/kustomization.yaml':
            'namePrefix: top-\nresources: [../base, ../other]\n',
        }).ok,
      ).toBe(true);
    });

    it('follows configurations: a HelmRelease valuesFrom gets the hashed name, a Flux substituteFrom does not', () => {
      const engine = expectSame({
        'app/kustomization.yaml': `namespace: kube-system
resources: [helmrelease.yaml, ks.yaml]
configMapGenerator:
  - name: cilium-values
    files: [values.yaml=cilium-values.yaml]
  - name: settings
    envs: [settings.env]
configurations: [kustomizeconfig.yaml]
`,
        'app/kustomizeconfig.yaml': `nameReference:
  - kind: ConfigMap
    version: v1
    fieldSpecs:
      - path: spec/valuesFrom/name
        kind: HelmRelease
`,
        'app/cilium-values.yaml': 'clustermesh:\n  useAPIServer: true\n',
        'app/settings.env': 'CLUSTER=infra\n',
        'app/helmrelease.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium}
spec:
  chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}
  valuesFrom: [{kind: ConfigMap, name: cilium-values, valuesKey: values.yaml}]
`,
        'app/ks.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps}
spec:
  path: ./apps
  postBuild:
    substituteFrom: [{kind: ConfigMap, name: settings}]
`,
      });
      const hr = engine.bodies.find(o => o.kind === 'HelmRelease');
      expect(hr.spec.valuesFrom[0].name).toMatch(
        /^cilium-values-[a-z0-9]{10}$/,
      );
      const ks = engine.bodies.find(o => o.kind === 'Kustomization');
      expect(ks.spec.postBuild.substituteFrom[0].name).toBe('settings');
    });

    it('applies labels, then commonLabels (the later wins on a shared key)', () => {
      expect(
        expectSame({
          'app/kustomization.yaml':
            'resources: [cm.yaml]\ncommonLabels: {a: common}\nlabels: [{pairs: {a: labels, b: labels}}]\n',
          'app/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
        }).ok,
      ).toBe(true);
    });

    it('runs components after the resources and generators of the kustomization that lists them, before its transformers', () => {
      expect(
        expectSame({
          'app/kustomization.yaml': `resources: [cm.yaml]
namespace: apps
configMapGenerator:
  - name: settings
    literals: [A=1]
components: [../components/mesh, ../components/labels]
`,
          'app/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {k: v}\n',
          'components/mesh/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [dnsendpoint.yaml]
configMapGenerator:
  - name: settings
    behavior: merge
    literals: [B=2]
patches:
  - target: {kind: ConfigMap, name: plain}
    patch: |-
      - op: add
        path: /data/fromComponent
        value: mesh
`,
          'components/mesh/dnsendpoint.yaml':
            'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata: {name: clustermesh}\nspec:\n  endpoints: [{dnsName: mesh.example.com, recordType: A, targets: [10.0.0.5]}]\n',
          'components/labels/kustomization.yaml':
            'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {mesh: "true"}\nnamePrefix: c-\n',
        }).ok,
      ).toBe(true);
    });

    it('fails where kubectl fails', () => {
      for (const [what, kustomization] of [
        [
          'a label value that is a number',
          'resources: [cm.yaml]\ncommonLabels: {version: 1}\n',
        ],
        [
          'a namespace that is a number',
          'resources: [cm.yaml]\nnamespace: 12\n',
        ],
      ]) {
        const files = {
          'app/kustomization.yaml': kustomization,
          'app/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
        };
        const engine = engineBuild(files, 'app');
        expect({
          what,
          engine: engine.ok,
          kubectl: 'objects' in kubectlBuild(files, 'app'),
        }).toEqual({ what, engine: false, kubectl: false });
        expect(engine.messages[0]).toMatch(
          /^kustomize-error app\/kustomization.yaml:[23] /,
        );
      }
    });
  },
);
