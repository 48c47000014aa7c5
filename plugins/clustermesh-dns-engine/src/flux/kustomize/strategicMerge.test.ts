import { parse, stringify } from 'yaml';
import {
  byId,
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';
import { mergeSchemaOf } from './mergeKeys';
import { SmpError, strategicMerge } from './strategicMerge';

const kubectl = haveKubectl(
  'the strategic merge cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

const deployment = (name: string, spec: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${spec}`;

/** [what, resource (with metadata.name NAME), patch (NAME replaced)] */
const cases: [string, string, string][] = [
  [
    'containers merge by name, the patch first',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{name: a, image: A}, {name: b, image: B, args: [x]}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{name: b, image: B2, args: [w, z]}, {name: c, image: C}]\n',
    ),
  ],
  [
    'env by name, $patch: delete of an element, volumeMounts by mountPath',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          env: [{name: X, value: x}, {name: W, value: w}]\n          volumeMounts: [{name: v, mountPath: /a}, {name: w, mountPath: /b}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          env: [{name: X, $patch: delete}, {name: Z, value: z}, {name: W, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n          volumeMounts: [{name: w2, mountPath: /b}]\n',
    ),
  ],
  [
    'a list replaced by $patch: replace, a list deleted by $patch: delete',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      volumes: [{name: v1, emptyDir: {}}]\n      imagePullSecrets: [{name: one}]\n      containers: [{name: a}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      volumes: [{$patch: replace}, {name: v9, configMap: {name: c}}]\n      imagePullSecrets: [{$patch: delete}]\n',
    ),
  ],
  [
    'ports merge by containerPort and protocol',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP}, {containerPort: 53, protocol: TCP}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          ports: [{containerPort: 80, protocol: TCP, name: http}, {containerPort: 53, protocol: TCP, name: dns-tcp}, {containerPort: 9090}]\n',
    ),
  ],
  [
    'maps: $patch replace and delete, null deletes, untouched keys stay',
    deployment(
      'NAME',
      'spec:\n  replicas: 2\n  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}\n  template:\n    metadata: {labels: {a: "1"}, annotations: {b: "2"}}\n    spec:\n      nodeSelector: {x: y}\n      containers: [{name: a, resources: {limits: {cpu: "1"}, requests: {cpu: "1"}}}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  replicas: null\n  strategy: {$patch: replace, type: Recreate}\n  template:\n    metadata: {labels: {$patch: delete}}\n    spec:\n      nodeSelector: null\n      containers: [{name: a, resources: {limits: null, requests: {memory: 1Gi}}}]\n',
    ),
  ],
  [
    'directives kyaml does not know stay as fields; tolerations and args are replaced',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      tolerations: [{key: a}, {key: b}]\n      containers: [{name: a, args: [p, q]}, {name: b}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n  template:\n    spec:\n      $setElementOrder/containers: [{name: b}, {name: a}]\n      tolerations: [{key: c}]\n      containers:\n        - name: a\n          args: [x]\n          $deleteFromPrimitiveList/args: [q]\n',
    ),
  ],
  [
    'metadata finalizers merge as a set on built-in kinds',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n  finalizers: [a, b]\ndata: {k: v}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n  finalizers: [c, a]\ndata: {k: null, l: w}\n',
  ],
  [
    'Service ports merge by port and protocol',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: NAME\nspec:\n  type: ClusterIP\n  ports: [{port: 80, targetPort: 8080}, {port: 443}]\n  selector: {app: x}\n',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: NAME\n  annotations: {lbipam.cilium.io/ips: 10.0.0.5}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80, name: http}, {port: 2379, name: etcd}]\n',
  ],
  [
    'custom resources: maps merge, lists are replaced (a Flux Kustomization)',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: NAME\n  namespace: flux-system\n  finalizers: [a]\nspec:\n  interval: 1h\n  path: ./apps\n  dependsOn: [{name: a}, {name: b}]\n  postBuild:\n    substitute: {A: "1"}\n    substituteFrom: [{kind: ConfigMap, name: one}]\n',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: NAME\n  namespace: flux-system\n  finalizers: [b]\nspec:\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n  dependsOn: [{name: c}]\n  postBuild:\n    substitute: {B: "2"}\n    substituteFrom: [{kind: ConfigMap, name: cluster-settings}, {kind: Secret, name: cluster-secrets, optional: true}]\n',
  ],
  [
    'custom resources: a HelmRelease values tree, nested $patch and null',
    'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: NAME\nspec:\n  values:\n    clustermesh:\n      useAPIServer: false\n      config: {enabled: true, clusters: [{name: a, address: x}]}\n    hubble: {enabled: true, relay: {enabled: true}}\n    operator: {replicas: 2}\n',
    'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: NAME\nspec:\n  values:\n    clustermesh:\n      useAPIServer: true\n      config: {clusters: [{name: b, address: peer.example, port: 2379}]}\n    hubble: {$patch: replace, enabled: false}\n    operator: {$patch: delete}\n    ipam: {mode: kubernetes, extra: null}\n',
  ],
  [
    'a keyed list the resource lacks is added as the patch has it',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{name: a}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      initContainers: [{name: init, image: busybox, env: [{name: A, value: "1"}]}]\n      hostAliases: [{ip: 1.2.3.4, hostnames: [a]}]\n',
    ),
  ],
  [
    'CronJob pod template containers merge by name; topology spread constraints by two keys',
    'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: NAME\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          topologySpreadConstraints: [{topologyKey: zone, whenUnsatisfiable: DoNotSchedule, maxSkew: 1}]\n          containers: [{name: a, image: A}, {name: b, image: B}]\n',
    'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: NAME\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          topologySpreadConstraints: [{topologyKey: zone, whenUnsatisfiable: DoNotSchedule, maxSkew: 2}, {topologyKey: host, whenUnsatisfiable: ScheduleAnyway, maxSkew: 1}]\n          containers: [{name: b, image: B2}]\n',
  ],
  [
    'kyaml quirks: an item without its merge key in the resource, a replaced item, a repeated key',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{image: noname}, {name: a, image: A}]\n      initContainers: [{name: a, image: A, args: [keep]}, {name: b}]\n      ephemeralContainers: [{name: a, image: A}, {name: a, image: A3}, {name: c}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{name: b, image: B}]\n      initContainers: [{name: a, $patch: replace, image: NEW}]\n      ephemeralContainers: [{name: a, image: A2}, {name: a, args: [x]}]\n',
    ),
  ],
  [
    'empty and null lists, a $patch: merge item, maps the resource lacks',
    deployment(
      'NAME',
      'spec:\n  template:\n    spec:\n      containers: [{name: a, env: [{name: A, value: "1"}], ports: [{containerPort: 1}]}]\n      volumes: [{name: v, emptyDir: {}}]\n      imagePullSecrets: [{name: s}]\n',
    ),
    deployment(
      'NAME',
      'spec:\n  template:\n    metadata:\n      annotations: {$patch: replace, a: b}\n      labels: {x: null, y2: "2"}\n    spec:\n      containers: [{name: a, env: [], ports: null}]\n      volumes: [{$patch: merge}, {name: w, secret: {secretName: s}}]\n      imagePullSecrets: []\n      securityContext: {runAsNonRoot: true, sysctls: [{name: x, value: "1"}]}\n',
    ),
  ],
];

describeKubectl('strategic merge as kubectl does it', () => {
  it('merges as kubectl kustomize does (untargeted and targeted patches)', () => {
    const files: Record<string, string> = {};
    const resources: string[] = [];
    const patches: string[] = [];
    cases.forEach(([, resource, patch], i) => {
      const indent = (text: string) => text.replace(/\n(?=.)/g, '\n      ');
      for (const [mode, name] of [
        ['plain', `u${i}`],
        ['targeted', `t${i}`],
      ]) {
        files[`app/${name}.yaml`] = resource.replace('NAME', name);
        resources.push(`${name}.yaml`);
        const body = patch.replace(
          'NAME',
          mode === 'targeted' ? 'ignored' : name,
        );
        patches.push(
          mode === 'targeted'
            ? `  - target: {name: ${name}}\n    patch: |-\n      ${indent(
                body,
              )}\n`
            : `  - patch: |-\n      ${indent(body)}\n`,
        );
      }
    });
    files['app/kustomization.yaml'] = `resources:\n${resources
      .map(r => `  - ${r}\n`)
      .join('')}patches:\n${patches.join('')}`;
    const engine = engineBuild(files, 'app');
    const real = kubectlBuild(files, 'app');
    if ('error' in real) throw new Error(real.error);
    expect(engine.messages).toEqual([]);
    const mine = byId(engine.bodies);
    const theirs = byId(real.objects);
    for (const [i, [what]] of cases.entries()) {
      for (const name of [`u${i}`, `t${i}`]) {
        const key = Object.keys(theirs).find(k => k.endsWith(`/${name}`))!;
        expect({ what, name, object: mine[key] }).toEqual({
          what,
          name,
          object: theirs[key],
        });
      }
    }
  });

  it('deletes an object with a whole-object $patch: delete', () => {
    const files = {
      'app/kustomization.yaml':
        'resources: [a.yaml]\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: a}\n      $patch: delete\n',
      'app/a.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    };
    const real = kubectlBuild(files, 'app');
    expect(engineBuild(files, 'app').bodies).toEqual(
      'objects' in real ? real.objects : real,
    );
  });
});

describe('strategic merge', () => {
  it('never mutates its inputs (property: deep-frozen resources and patches)', () => {
    const fcx = require('fast-check') as typeof import('fast-check');
    const freeze = (v: any): any => {
      if (v && typeof v === 'object') {
        Object.values(v).forEach(freeze);
        Object.freeze(v);
      }
      return v;
    };
    const value = fcx.letrec<{ node: unknown }>(tie => ({
      node: fcx.oneof(
        { depthSize: 'small' },
        fcx.constantFrom('a', 1, true, null),
        fcx.dictionary(
          fcx.constantFrom('name', 'x', '$patch', 'containers'),
          tie('node'),
          { maxKeys: 3 },
        ),
        fcx.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    const schema = mergeSchemaOf('apps/v1', 'Deployment');
    let merged = 0;
    fcx.assert(
      fcx.property(
        fcx.dictionary(fcx.constantFrom('spec', 'metadata', 'x'), value),
        fcx.dictionary(fcx.constantFrom('spec', 'metadata', 'x'), value),
        (dest, patch) => {
          try {
            strategicMerge(freeze(dest), freeze(patch), schema);
            merged++;
          } catch (e) {
            // a refused merge (a type clash, an unknown directive) is not a mutation
            if (!(e instanceof SmpError)) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 1 },
    );
    expect(merged).toBeGreaterThan(50);
  });

  it('never changes the resource or the patch it merges', () => {
    const dest = parse(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: a, env: [{name: X, value: x}]}]\n',
    );
    const patch = parse(
      'spec:\n  template:\n    spec:\n      containers: [{name: a, env: [{name: X, value: w}, {name: Z, $patch: delete}]}]\n  strategy: {$patch: replace, type: Recreate}\n',
    );
    const before = JSON.stringify([dest, patch]);
    const out = strategicMerge(
      dest,
      patch,
      mergeSchemaOf('apps/v1', 'Deployment'),
    )!;
    expect(JSON.stringify([dest, patch])).toBe(before);
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'a', env: [{ name: 'X', value: 'w' }] },
    ]);
    expect(out.metadata).toBe(dest.metadata); // untouched parts are shared
  });
});

describeKubectl('strategic merge, property-based against kubectl', () => {
  const fc = require('fast-check') as typeof import('fast-check');
  const scalar = fc.oneof(
    fc.constantFrom('alpha', 'beta', 'x1', '', '10.0.0.5', 'a b'),
    fc.integer({ min: -3, max: 300 }),
    fc.boolean(),
  );
  const key = fc.constantFrom('a', 'b', 'c', 'name', 'items', 'spec');
  /**
   * Values of custom resources (no schema: maps merge, lists are replaced).
   * The type of a value follows its key, so resource and patch agree (a
   * type clash fails kustomize, and would fail the whole batch).
   */
  const tree = (directives: boolean) =>
    fc.letrec<{ map: Record<string, unknown>; list: unknown[] }>(tie => ({
      map: fc
        .record(
          {
            a: fc.oneof(scalar, fc.constant(null)),
            name: scalar,
            b: fc.oneof({ depthSize: 'small' }, tie('map'), fc.constant(null)),
            spec: fc.oneof(
              { depthSize: 'small' },
              tie('map'),
              fc.constant(null),
            ),
            c: fc.oneof({ depthSize: 'small' }, tie('list'), fc.constant(null)),
            items: fc.oneof(
              { depthSize: 'small' },
              tie('list'),
              fc.constant(null),
            ),
            ...(directives
              ? { $patch: fc.constantFrom('replace', 'delete', 'merge') }
              : {}),
          },
          { requiredKeys: [] },
        )
        .map(m => m as Record<string, unknown>),
      list: fc.array(fc.oneof(scalar, tie('map')), { maxLength: 3 }),
    })).map;
  const container = (withDirectives: boolean) =>
    fc.record(
      {
        name: fc.constantFrom('a', 'b', 'c'),
        image: fc.constantFrom('img:1', 'img:2'),
        env: fc.array(
          fc.record(
            {
              name: fc.constantFrom('A', 'B', 'C'),
              value: fc.constantFrom('1', '2'),
            },
            { requiredKeys: ['name'] },
          ),
          { maxLength: 3 },
        ),
        ports: fc.array(
          fc.record(
            {
              containerPort: fc.constantFrom(80, 443),
              protocol: fc.constantFrom('TCP', 'UDP'),
              name: fc.constantFrom('p', 'q'),
            },
            { requiredKeys: ['containerPort'] },
          ),
          { maxLength: 3 },
        ),
        ...(withDirectives ? { $patch: fc.constantFrom('delete') } : {}),
      },
      { requiredKeys: ['name'] },
    );
  const podSpec = (patch: boolean) =>
    fc.record(
      {
        containers: fc.array(container(patch), { maxLength: 3 }),
        volumes: fc.array(
          fc.record({
            name: fc.constantFrom('v', 'w'),
            emptyDir: fc.constant({}),
          }),
          { maxLength: 2 },
        ),
        nodeSelector: fc.option(fc.dictionary(key, fc.constantFrom('x', 'z')), {
          nil: null,
        }),
      },
      { requiredKeys: [] },
    );

  it('gives what kubectl gives for random resources and patches', () => {
    const crs = fc.sample(fc.tuple(tree(false), tree(true)), {
      numRuns: 120,
      seed: 99,
    });
    const deployments = fc.sample(fc.tuple(podSpec(false), podSpec(true)), {
      numRuns: 120,
      seed: 1234,
    });
    const files: Record<string, string> = {};
    const resources: string[] = [];
    const patches: string[] = [];
    const add = (
      name: string,
      apiVersion: string,
      kind: string,
      body: object,
      patch: object,
    ) => {
      // YAML (plain scalars where possible, as people write it); kyaml keeps a replaced value's quoting
      files[`app/${name}.yaml`] = stringify({
        apiVersion,
        kind,
        metadata: { name },
        ...body,
      });
      files[`app/${name}-patch.yaml`] = stringify({
        apiVersion,
        kind,
        metadata: { name },
        ...patch,
      });
      resources.push(`${name}.yaml`);
      patches.push(`${name}-patch.yaml`);
    };
    crs.forEach(([spec, patch], i) =>
      add(`cr${i}`, 'example.com/v1', 'Thing', { spec }, { spec: patch }),
    );
    deployments.forEach(([spec, patch], i) =>
      add(
        `d${i}`,
        'apps/v1',
        'Deployment',
        { spec: { template: { spec } } },
        { spec: { template: { spec: patch } } },
      ),
    );
    files['app/kustomization.yaml'] = `resources:\n${resources
      .map(r => `  - ${r}\n`)
      .join('')}patches:\n${patches.map(p => `  - path: ${p}\n`).join('')}`;
    const engine = engineBuild(files, 'app');
    const real = kubectlBuild(files, 'app');
    if ('error' in real) throw new Error(real.error);
    expect(engine.messages).toEqual([]);
    const mine = byId(engine.bodies);
    const theirs = byId(real.objects);
    expect(Object.keys(mine).sort()).toEqual(Object.keys(theirs).sort());
    for (const k of Object.keys(theirs)) {
      const name = k.split('/').pop()!;
      expect({
        k,
        object: mine[k],
        patch: files[`app/${name}-patch.yaml`],
      }).toEqual({
        k,
        object: theirs[k],
        patch: files[`app/${name}-patch.yaml`],
      });
    }
  });
});
