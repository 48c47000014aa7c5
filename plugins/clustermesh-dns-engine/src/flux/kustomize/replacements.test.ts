import {
  bothBuilds,
  byId,
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';
import { splitReplacementPath } from './replacements';

const kubectl = haveKubectl(
  'the replacement cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

describe('replacement paths', () => {
  it('splits as kyaml does', () => {
    expect(
      splitReplacementPath(
        'spec.template.spec.containers.[name=app.main].image',
      ),
    ).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      '[name=app.main]',
      'image',
    ]);
    expect(splitReplacementPath('spec.list.[0].x')).toEqual([
      'spec',
      'list',
      '0',
      'x',
    ]);
    // an escaped dot is one of the key's (jahanson's `data.emqx\.conf`,
    // which kubectl kustomize 5.5 reads as the key emqx.conf)
    expect(splitReplacementPath('data.emqx\\.conf')).toEqual([
      'data',
      'emqx.conf',
    ]);
  });
});

describeKubectl('replacements', () => {
  it('copies values as kubectl does: a Namespace into Flux targetNamespace, list filters, delimiters, create, types, a key with a dot', () => {
    const files = {
      'app/kustomization.yaml': `namePrefix: p-
resources: [objects.yaml]
replacements:
  - source: {kind: Namespace, name: media}
    targets:
      - select: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}
        fieldPaths: [spec.targetNamespace]
        options: {create: true}
  - source: {kind: ConfigMap, name: settings, fieldPath: data.IMAGE_TAG}
    targets:
      - select: {kind: Deployment}
        fieldPaths:
          - spec.template.spec.containers.[name=app].image
        options: {delimiter: ':', index: 1}
  - source: {kind: ConfigMap, name: settings, fieldPath: data.REPLICAS}
    targets:
      - select: {kind: Deployment}
        fieldPaths: [spec.replicas]
  - source: {kind: ConfigMap, name: settings, fieldPath: data.HOST, options: {delimiter: '.', index: 0}}
    targets:
      - select: {kind: ConfigMap, labelSelector: "role=target"}
        reject: [{name: skipped}]
        fieldPaths: [data.host, metadata.annotations.host]
        options: {create: true}
  - source: {kind: ConfigMap, name: settings, fieldPath: data.app\\.conf}
    targets:
      - select: {kind: ConfigMap, name: target}
        fieldPaths: [data.copied\\.conf]
        options: {create: true}
  - path: more-replacements.yaml
`,
      'app/more-replacements.yaml': `- source: {kind: Deployment, name: app, fieldPath: spec.template.spec.containers.0.name}
  targets:
    - select: {kind: Service}
      fieldPaths:
        - spec.selector.app
        - spec.ports.[name=http].name
`,
      'app/objects.yaml': `apiVersion: v1
kind: Namespace
metadata: {name: media}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: media, namespace: flux-system}
spec: {path: ./apps/media, prune: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {IMAGE_TAG: v2.1.0, REPLICAS: "3", HOST: web.example.com, app.conf: "a = 1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 1
  template:
    spec:
      containers: [{name: app, image: "registry/app:v1"}, {name: sidecar, image: "registry/side:v1"}]
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  selector: {app: placeholder}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: target, labels: {role: target}}
data: {other: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: skipped, labels: {role: target}}
`,
    };
    const { engine, real } = bothBuilds(files, 'app');
    if ('error' in real) throw new Error(real.error);
    expect(engine.messages).toEqual([]);
    expect(byId(engine.bodies)).toEqual(byId(real.objects));
  });

  it('fails as kubectl does', () => {
    for (const [what, replacement, message] of [
      [
        'a missing target field',
        '  - source: {kind: ConfigMap, name: a}\n    targets: [{select: {kind: ConfigMap}, fieldPaths: [data.missing]}]\n',
        /finds no field data.missing/,
      ],
      [
        'no source',
        '  - source: {kind: Secret}\n    targets: [{select: {kind: ConfigMap}}]\n',
        /selects no source object/,
      ],
      [
        'several sources',
        '  - source: {kind: ConfigMap}\n    targets: [{select: {kind: ConfigMap}}]\n',
        /selects several sources/,
      ],
      [
        'a missing source field',
        '  - source: {kind: ConfigMap, name: a, fieldPath: data.none}\n    targets: [{select: {kind: ConfigMap}}]\n',
        /finds no data.none in the source/,
      ],
    ] as [string, string, RegExp][]) {
      const files = {
        'app/kustomization.yaml': `resources: [cm.yaml]\nreplacements:\n${replacement}`,
        'app/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: w}\n',
      };
      const engine = engineBuild(files, 'app');
      expect({
        what,
        engine: engine.ok,
        kubectl: 'objects' in kubectlBuild(files, 'app'),
      }).toEqual({ what, engine: false, kubectl: false });
      expect({ what, messages: engine.messages }).toEqual({
        what,
        messages: [
          expect.stringMatching(
            /^kustomize-error app\/kustomization.yaml:3 the replacement /,
          ),
        ],
      });
      expect(engine.messages[0]).toMatch(message);
    }
  });
});
