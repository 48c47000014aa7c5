import { parse, stringify } from 'yaml';
import { located } from '../../__testUtils__/yaml';
import { createRepoTree } from '../../tree/RepoTree';
import { TreeIndex } from '../../tree/TreeIndex';
import { YamlFiles } from '../../yaml/files';
import { KustomizeEngine } from '../kustomize';
import type { FluxKustomizeOverlay } from './overlay';
import {
  byId,
  engineFor,
  haveKubectl,
  kubectlBuild,
  plain,
} from './__testUtils__/crossCheck';

const kubectl = haveKubectl(
  'the Flux overlay cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

const at = (line: number) => ({ file: 'clusters/infra/apps.yaml', line });

/**
 * The folder as kustomize-controller leaves it before `kustomize build`:
 * its kustomization.yaml (or the one Flux generates) edited with the Flux
 * Kustomization's additions (written independently of the engine).
 */
function fluxEdited(
  files: Record<string, string>,
  dir: string,
  overlay: FluxKustomizeOverlay,
) {
  const out = { ...files };
  const file = `${dir}/kustomization.yaml`;
  let k: any;
  if (files[file]) {
    k = parse(files[file]);
    if (!k.resources) k.buildMetadata = ['originAnnotations'];
  } else {
    const resources: string[] = [];
    const below = Object.keys(files)
      .filter(p => p.startsWith(`${dir}/`))
      .sort();
    const units = new Set(
      below
        .filter(p => /\/kustomization\.yaml$/.test(p))
        .map(p => p.slice(0, -'/kustomization.yaml'.length)),
    );
    for (const p of below) {
      const unit = [...units].find(u => u !== dir && p.startsWith(`${u}/`));
      if (unit) {
        if (!resources.includes(`./${unit.slice(dir.length + 1)}`))
          resources.push(`./${unit.slice(dir.length + 1)}`);
      } else if (/\.ya?ml$/.test(p))
        resources.push(`./${p.slice(dir.length + 1)}`);
    }
    k = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources,
    };
  }
  if (overlay.namespace) k.namespace = overlay.namespace;
  for (const p of overlay.patches ?? [])
    (k.patches ??= []).push({
      patch: p.patch,
      ...(p.target ? { target: p.target } : {}),
    });
  for (const c of overlay.components ?? []) (k.components ??= []).push(c.path);
  for (const p of overlay.patchesStrategicMerge ?? [])
    (k.patchesStrategicMerge ??= []).push(JSON.stringify(p.patch));
  for (const p of overlay.patchesJson6902 ?? [])
    (k.patchesJson6902 ??= []).push({
      target: p.target,
      patch: JSON.stringify(p.patch),
    });
  out[file] = stringify(k);
  return out;
}

function expectLikeFlux(
  files: Record<string, string>,
  dir: string,
  overlay: FluxKustomizeOverlay,
) {
  const engine = engineFor(files);
  const built = engine.buildFluxPath(dir, overlay);
  const real = kubectlBuild(fluxEdited(files, dir, overlay), dir);
  if ('error' in real) throw new Error(`kubectl failed: ${real.error}`);
  expect(built.findings.map(f => `${f.code} ${located(f)}`)).toEqual([]);
  expect(byId(built.objects.map(o => plain(o.body)))).toEqual(
    byId(real.objects),
  );
  return built;
}

const ks = (
  name: string,
  extra = '',
) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  path: ./kubernetes/apps/${name}
${extra}`;

const parentPatch = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: not-used
spec:
  interval: 1h
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
      - kind: Secret
        name: cluster-secrets
`;

describeKubectl(
  'KustomizeEngine.buildFluxPath, as kustomize-controller builds',
  () => {
    it("applies a parent Kustomization's spec.patches to every child Kustomization it builds", () => {
      const files = {
        'kubernetes/apps/kustomization.yaml':
          'resources:\n  - cilium/ks.yaml\n  - external-dns/ks.yaml\n',
        'kubernetes/apps/cilium/ks.yaml': ks(
          'cilium',
          '  postBuild:\n    substitute: {APP: cilium}\n',
        ),
        'kubernetes/apps/external-dns/ks.yaml': ks(
          'external-dns',
          '  dependsOn: [{name: cilium}]\n',
        ),
      };
      const built = expectLikeFlux(files, 'kubernetes/apps', {
        origin: 'Kustomization flux-system/cluster-apps',
        key: 'cluster-apps',
        patches: [
          {
            patch: parentPatch,
            target: {
              group: 'kustomize.toolkit.fluxcd.io',
              kind: 'Kustomization',
            },
            location: at(12),
          },
        ],
      });
      const cilium = built.objects.find(o => o.name === 'cilium')!;
      expect(cilium.body.spec.postBuild).toEqual({
        substitute: { APP: 'cilium' },
        substituteFrom: [
          { kind: 'ConfigMap', name: 'cluster-settings' },
          { kind: 'Secret', name: 'cluster-secrets' },
        ],
      });
    });

    it("sets the targetNamespace over the kustomization's own namespace, in a generated kustomization too", () => {
      const files = {
        'app/kustomization.yaml':
          'namespace: own\nresources: [objects.yaml, ../shared]\n',
        'app/objects.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: own}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: elsewhere}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: ServiceAccount, name: default, namespace: own}]\n',
        'shared/kustomization.yaml': 'resources: [cm.yaml]\n',
        'shared/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n',
        'plain/a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n',
        'plain/sub/kustomization.yaml': 'resources: [b.yaml]\n',
        'plain/sub/b.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata: {name: b}\n',
      };
      const overlay = {
        origin: 'Kustomization flux-system/app',
        key: 'ns',
        namespace: 'target',
      };
      const built = expectLikeFlux(files, 'app', overlay);
      expect(
        built.objects
          .map(o => `${o.kind} ${o.namespace ?? ''}/${o.name}`)
          .sort(),
      ).toEqual([
        'ClusterRoleBinding /b',
        'ConfigMap target/a',
        'ConfigMap target/shared',
        'Namespace /target',
      ]);
      expect(expectLikeFlux(files, 'plain', overlay).ok).toBe(true);
    });

    it('appends components, patchesStrategicMerge and patchesJson6902; a missing component may be ignored', () => {
      const files = {
        'app/kustomization.yaml':
          'resources: [hr.yaml]\npatches:\n  - target: {kind: HelmRelease}\n    patch: |-\n      - op: add\n        path: /spec/values/own\n        value: first\n',
        'app/hr.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  values:\n    clustermesh: {useAPIServer: false}\n',
        'components/mesh/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - target: {kind: HelmRelease, name: cilium}\n    patch: |-\n      - op: replace\n        path: /spec/values/clustermesh/useAPIServer\n        value: true\n',
      };
      expect(
        expectLikeFlux(files, 'app', {
          origin: 'Kustomization flux-system/cilium',
          key: 'c',
          components: [{ path: '../components/mesh', location: at(20) }],
          patches: [
            {
              patch:
                '- op: add\n  path: /spec/values/fromFlux\n  value: second\n',
              target: { kind: 'HelmRelease' },
              location: at(21),
            },
          ],
          patchesStrategicMerge: [
            {
              patch: {
                apiVersion: 'helm.toolkit.fluxcd.io/v2',
                kind: 'HelmRelease',
                metadata: { name: 'cilium', namespace: 'kube-system' },
                spec: { interval: '30m' },
              },
              location: at(22),
            },
          ],
          patchesJson6902: [
            {
              target: {
                group: 'helm.toolkit.fluxcd.io',
                version: 'v2',
                kind: 'HelmRelease',
                name: 'cilium',
              },
              patch: [{ op: 'add', path: '/spec/values/json', value: 'third' }],
              location: at(23),
            },
          ],
        }).ok,
      ).toBe(true);
      const engine = engineFor(files);
      const ignored = engine.buildFluxPath('app', {
        origin: 'Kustomization flux-system/cilium',
        key: 'missing',
        ignoreMissingComponents: true,
        components: [{ path: '../components/none', location: at(20) }],
      });
      expect(ignored.ok).toBe(true);
      const failed = engine.buildFluxPath('app', {
        origin: 'Kustomization flux-system/cilium',
        key: 'missing-not-ignored',
        components: [{ path: '../components/none', location: at(20) }],
      });
      expect(failed.findings.map(f => `${f.code} ${located(f)}`)).toEqual([
        'kustomize-error clusters/infra/apps.yaml:20 refers to the component ../components/none, which is not a directory of the repository',
      ]);
    });

    it('adds origin annotations, as Flux asks for a kustomization that lists no resources', () => {
      expect(
        expectLikeFlux(
          {
            'settings/kustomization.yaml':
              'configMapGenerator:\n  - name: cluster-settings\n    envs: [cluster-settings.env]\ngeneratorOptions:\n  disableNameSuffixHash: true\n',
            'settings/cluster-settings.env': 'CLUSTER_NAME=infra\n',
          },
          'settings',
          { origin: 'Kustomization flux-system/settings', key: 's' },
        ).ok,
      ).toBe(true);
    });
  },
);

describe('KustomizeEngine.buildFluxPath', () => {
  it('points a failing overlay patch at the Flux Kustomization, reports images, and a missing folder', () => {
    const engine = engineFor({
      'app/kustomization.yaml': 'resources: [cm.yaml]\n',
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
    });
    const result = engine.buildFluxPath('app', {
      origin: 'Kustomization flux-system/apps',
      key: 'bad',
      patches: [
        {
          patch:
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: missing}\ndata: {a: b}\n',
          location: at(30),
        },
        { patch: { not: 'text' }, location: at(31) },
      ],
      images: { location: at(40) },
    });
    expect(result.ok).toBe(false);
    expect(result.findings.map(f => `${f.code} ${located(f)}`)).toEqual([
      'not-evaluated clusters/infra/apps.yaml:40 Kustomization flux-system/apps sets spec.images, which this engine does not evaluate; image references may differ from what Flux applies',
      'kustomize-error clusters/infra/apps.yaml:31 Kustomization flux-system/apps spec.patches[1] has a patch that is not a string (YAML or JSON text); kustomize fails',
      'kustomize-error clusters/infra/apps.yaml:30 Kustomization flux-system/apps spec.patches[0] patches ConfigMap missing (v1), which the build does not have (no resource matches its apiVersion, kind, name and namespace); kustomize fails',
    ]);
    expect(
      engine
        .buildFluxPath('nothere')
        .findings.map(f => `${f.code} ${located(f)}`),
    ).toEqual(['flux-error nothere:1 does not exist in the repository']);
    // there, but left out by the sources' ignore rules: said so
    const tree = createRepoTree({
      'kept/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      'other/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    });
    const ignoring = new KustomizeEngine(
      new TreeIndex(tree, ['/*\n!/kept\n']),
      new YamlFiles(tree),
    );
    expect(
      ignoring
        .buildFluxPath('other')
        .findings.map(f => `${f.code} ${located(f)}`),
    ).toEqual([
      "flux-error other:1 is left out of what Flux fetches by the sources' ignore rules (.sourceignore, spec.ignore: the conventions' flux.sourceIgnore)",
    ]);
  });

  it('caches builds by folder and overlay key', () => {
    const engine = engineFor({
      'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    const one = engine.buildFluxPath('app', {
      origin: 'o',
      key: 'k1',
      namespace: 'x',
    });
    expect(
      engine.buildFluxPath('app', { origin: 'o', key: 'k1', namespace: 'x' }),
    ).toBe(one);
    const two = engine.buildFluxPath('app', {
      origin: 'o',
      key: 'k2',
      namespace: 'y',
    });
    expect(two.objects[0].namespace).toBe('y');
    expect(engine.buildFluxPath('app')).toBe(engine.buildFluxPath('app'));
    expect(engine.buildFluxPath('app').objects[0].namespace).toBeUndefined();
  });
});
