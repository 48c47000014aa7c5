import {
  bothBuilds,
  byId,
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';
import { applyJsonPatch, JsonPatchFailure } from './jsonPatch';

const kubectl = haveKubectl('the patch cross-checks with kubectl kustomize');
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

const configMaps = Array.from(
  { length: 6 },
  (_, i) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-${i}
  ${i % 2 ? 'namespace: other\n  ' : ''}labels: {app: app-${i % 3}, tier: ${
    i < 3 ? 'front' : 'back'
  }${i === 5 ? ', legacy: "true"' : ''}}
  annotations: {index: "${i}"${i === 4 ? ', flux: skip' : ''}}
data: {k: v}
`,
).join('---\n');

/** A JSON 6902 patch that records which objects a target selects. */
const mark = (target: string, key: string) => `  - target: ${target}
    patch: |-
      - op: add
        path: /data/${key}
        value: selected
`;

describeKubectl('patch targets', () => {
  it('select by group, version, kind, anchored name and namespace patterns, label and annotation selectors', () => {
    const engine = expectSame({
      'app/kustomization.yaml': `resources: [objects.yaml, deploy.yaml]
patches:
${mark('{kind: ConfigMap, name: "cm-[0-2]"}', 'nameRange')}${mark(
        '{name: "cm"}',
        'partialNameNotMatched',
      )}${mark('{name: "cm-1|cm-4"}', 'alternation')}${mark(
        '{namespace: other}',
        'namespaceOther',
      )}${mark('{namespace: default}', 'namespaceDefault')}${mark(
        '{labelSelector: "app=app-1"}',
        'labelEquals',
      )}${mark(
        '{labelSelector: "app!=app-1,tier in (front)"}',
        'labelNotEqualsIn',
      )}${mark(
        '{labelSelector: "app notin (app-0, app-2)"}',
        'labelNotIn',
      )}${mark('{labelSelector: "legacy"}', 'labelExists')}${mark(
        '{labelSelector: "!legacy,tier==back"}',
        'labelNotExists',
      )}${mark('{annotationSelector: "flux=skip"}', 'annotation')}${mark(
        '{group: apps, version: v1, kind: Deployment}',
        'gvk',
      )}${mark('{kind: Secret}', 'nothing')}${mark(
        '{version: v1, kind: "Config.*"}',
        'kindPattern',
      )}`,
      'app/objects.yaml': configMaps,
      'app/deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cm-0}\ndata: {}\n',
    });
    // in namespace "default" (none set), and without the label `notin` names
    expect(engine.bodies.find(o => o.kind === 'Deployment').data).toEqual({
      gvk: 'selected',
      namespaceDefault: 'selected',
      labelNotIn: 'selected',
    });
  });

  it('matches a target by the name an object had before a prefix (and its namespace before the namespace transformer)', () => {
    expect(
      expectSame({
        'base/kustomization.yaml':
          'namePrefix: b-\nnamespace: base-ns\nresources: [cm.yaml]\n',
        'base/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "1"}\n',
        'app/kustomization.yaml': `resources: [../base]
patches:
${mark('{name: cm}', 'byOriginalName')}${mark(
          '{name: b-cm}',
          'byCurrentName',
        )}${mark(
          '{namespace: default, name: cm}',
          'byOriginalNamespace',
        )}  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: cm, namespace: default}
      data: {smpByOriginalId: "1"}
`,
      }).ok,
    ).toBe(true);
  });
});

describeKubectl('patch sources and kinds', () => {
  it('reads patches inline and from files, strategic merge and JSON 6902, old and new fields', () => {
    expect(
      expectSame({
        'app/kustomization.yaml': `resources: [deploy.yaml, ks.yaml]
patches:
  - path: patches/replicas.yaml
  - path: patches/image.json
    target: {kind: Deployment}
  - path: patches/two-docs.yaml
  - target: {kind: Kustomization, group: kustomize.toolkit.fluxcd.io}
    patch: |-
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: not-used
      spec:
        interval: 10m
        prune: true
        sourceRef: {kind: GitRepository, name: flux-system}
        postBuild:
          substituteFrom:
            - {kind: ConfigMap, name: cluster-settings}
  - options: {allowNameChange: true}
    target: {kind: ConfigMap, name: settings}
    patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: renamed-by-patch}
patchesStrategicMerge:
  - patches/psm.yaml
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: web}
    path: patches/ops.yaml
  - target: {version: v1, kind: ConfigMap, name: settings}
    patch: '[{"op": "move", "from": "/data/a", "path": "/data/moved"}, {"op": "test", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/b"}]'
`,
        'app/deploy.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers: [{name: web, image: web:1}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1", b: "2"}\n',
        'app/ks.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\nspec:\n  path: ./infra\n  postBuild: {substitute: {A: "1"}}\n',
        'app/patches/replicas.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n',
        'app/patches/image.json':
          '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "web:2"}]',
        'app/patches/two-docs.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {c: "3"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {two: docs}}\n',
        'app/patches/psm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {d: "4"}\n',
        'app/patches/ops.yaml':
          '- op: add\n  path: /metadata/annotations\n  value: {from: ops}\n- op: copy\n  from: /spec/replicas\n  path: /spec/minReadySeconds\n',
      }).ok,
    ).toBe(true);
  });

  it('fails as kubectl does: a missing untargeted object, a failing operation, a JSON patch without target', () => {
    const cases: [string, string, RegExp][] = [
      [
        'untargeted strategic merge patch of a missing object',
        'patches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: missing}\n      data: {x: "1"}\n',
        /^kustomize-error app\/kustomization.yaml:3 the patch patches ConfigMap missing \(v1\), which the build does not have/,
      ],
      [
        'an operation that removes a key that does not exist',
        'patches:\n  - target: {kind: ConfigMap}\n    patch: |-\n      - op: remove\n        path: /data/nothere\n',
        /^kustomize-error app\/kustomization.yaml:3 the patch cannot be applied to ConfigMap cm: operation 0 \(\/data\/nothere\) removes a key that does not exist; kustomize fails$/,
      ],
      [
        'a JSON 6902 patch without target',
        'patches:\n  - patch: \'[{"op": "add", "path": "/data/x", "value": "1"}]\'\n',
        /^kustomize-error app\/kustomization.yaml:3 the patch is a JSON 6902 patch without a target/,
      ],
      [
        'a patch file that does not exist',
        'patches:\n  - path: nothere.yaml\n',
        /^kustomize-error app\/kustomization.yaml:3 the patch reads nothere.yaml, which does not exist/,
      ],
      [
        'a patch that is neither kind',
        'patches:\n  - target: {kind: ConfigMap}\n    patch: |-\n      metadata:\n        annotations: {a: b}\n',
        /neither a strategic merge patch/,
      ],
      [
        'a resource that is a scalar where the patch has a map',
        'patches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: cm}\n      data: {k: {nested: map}}\n',
        /cannot be merged into ConfigMap cm: data.k is the scalar "v" in the resource but a map in the patch/,
      ],
    ];
    for (const [what, patches, message] of cases) {
      const files = {
        'app/kustomization.yaml': `resources: [cm.yaml]\n${patches}`,
        'app/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n',
      };
      const engine = engineBuild(files, 'app');
      const real = kubectlBuild(files, 'app');
      expect({ what, engine: engine.ok, kubectl: 'objects' in real }).toEqual({
        what,
        engine: false,
        kubectl: false,
      });
      expect({ what, messages: engine.messages }).toEqual({
        what,
        messages: [expect.stringMatching(message)],
      });
    }
  });
});

describe('applyJsonPatch', () => {
  it('copies only the containers on the paths it changes', () => {
    const body = {
      metadata: { name: 'a', labels: { x: '1' } },
      spec: { list: [1, 2], other: { deep: true } },
    };
    const out = applyJsonPatch(body, [
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'replace', path: '/metadata/labels/x', value: '2' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'a', labels: { x: '2' } },
      spec: { list: [1, 2, 3], other: { deep: true } },
    });
    expect(body.spec.list).toEqual([1, 2]);
    expect(body.metadata.labels.x).toBe('1');
    expect(out.spec.other).toBe(body.spec.other);
  });

  it('names the operation and the path that fail', () => {
    expect(() =>
      applyJsonPatch({ a: {} }, [
        { op: 'add', path: '/a/b', value: 1 },
        { op: 'remove', path: '/a/c' },
      ]),
    ).toThrow(
      new JsonPatchFailure(1, '/a/c', 'removes a key that does not exist'),
    );
    expect(() =>
      applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]),
    ).toThrow('operation 0 (/a) is a test that fails');
  });
});

describe('patches over what the engine does not fetch', () => {
  it('does not call a patched object missing when the build has remote resources', () => {
    const built = engineBuild(
      {
        'app/kustomization.yaml':
          'resources:\n  - https://example.com/operator/release.yaml\n  - cm.yaml\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: operator-defaults, namespace: operator}\n      data: {x: "1"}\n',
        'app/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
      },
      'app',
    );
    expect(built.ok).toBe(true);
    expect(built.messages).toEqual([
      'not-evaluated app/kustomization.yaml:2 refers to the remote resource https://example.com/operator/release.yaml, which this engine does not fetch',
      'not-evaluated app/kustomization.yaml:5 the patch patches ConfigMap operator/operator-defaults (v1), which is not among the objects evaluated here (the build has resources this engine does not fetch)',
    ]);
    // the patch is said, but it cannot hide what a check finds missing:
    // it adds no object, and the one it patches is the remote one's
    expect(built.findings.map(f => f.severity)).toEqual(['warning', 'info']);
  });
});
