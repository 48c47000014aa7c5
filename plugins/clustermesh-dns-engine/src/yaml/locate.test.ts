import { getPath } from '../core/paths';
import { engineBuild } from '../flux/kustomize/__testUtils__/crossCheck';
import { locate } from './locate';

// The shape of Flux's own example repository: a base HelmRelease, and a
// per-cluster overlay that patches its values
const base = {
  'infrastructure/base/cilium/kustomization.yaml':
    'resources:\n  - helmrelease.yaml\n',
  'infrastructure/base/cilium/helmrelease.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cilium
  namespace: kube-system
spec:
  interval: 30m
  values:
    cluster:
      name: base
      id: 0
    clustermesh:
      useAPIServer: true
      config:
        enabled: true
        clusters:
          - name: base
            address: base.example.net
`,
};

const ciliumIn = (files: Record<string, string>, dir: string) => {
  const build = engineBuild(files, dir);
  expect(build.messages).toEqual([]);
  const hr = build.objects.find(o => o.kind === 'HelmRelease');
  if (!hr) throw new Error('no HelmRelease built');
  return hr;
};

describe('locate', () => {
  it('locates a field a strategic merge patch file sets in the patch, and the others in the base', () => {
    const hr = ciliumIn(
      {
        ...base,
        'infrastructure/east/kustomization.yaml': `resources:
  - ../base/cilium
patches:
  - path: cilium-values.yaml
`,
        'infrastructure/east/cilium-values.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cilium
  namespace: kube-system
spec:
  values:
    cluster:
      name: east
      id: 2
    clustermesh:
      apiserver:
        service:
          type: LoadBalancer
`,
      },
      'infrastructure/east',
    );
    const patch = 'infrastructure/east/cilium-values.yaml';
    const baseFile = 'infrastructure/base/cilium/helmrelease.yaml';
    expect(locate(hr, ['spec', 'values', 'cluster', 'id'])).toEqual({
      file: patch,
      line: 10,
    });
    // a missing field under what only the patch has: its deepest parent there
    expect(
      locate(hr, [
        'spec',
        'values',
        'clustermesh',
        'apiserver',
        'service',
        'annotations',
      ]),
    ).toEqual({ file: patch, line: 13 });
    // only the base has it
    expect(
      locate(hr, ['spec', 'values', 'clustermesh', 'useAPIServer']),
    ).toEqual({ file: baseFile, line: 13 });
    expect(
      locate(hr, [
        'spec',
        'values',
        'clustermesh',
        'config',
        'clusters',
        0,
        'address',
      ]),
    ).toEqual({ file: baseFile, line: 18 });
    // the patch names the object; its identity is the base's
    expect(locate(hr, ['metadata', 'name'])).toEqual({
      file: baseFile,
      line: 4,
    });
    expect(locate(hr, ['spec', 'interval'])).toEqual({
      file: baseFile,
      line: 7,
    });
  });

  it('locates what an inline JSON 6902 patch writes on its line of the block text, blank lines before the text counted', () => {
    const hr = ciliumIn(
      {
        ...base,
        'infrastructure/west/kustomization.yaml': `resources:
  - ../base/cilium
patches:
  - target: {kind: HelmRelease, name: cilium}
    patch: |

      - op: add
        path: /spec/values/cluster
        value:
          name: west
          id: 2
`,
      },
      'infrastructure/west',
    );
    expect(locate(hr, ['spec', 'values', 'cluster', 'id'])).toEqual({
      file: 'infrastructure/west/kustomization.yaml',
      line: 11,
    });
    // cross-checked: the text kustomize applies is these lines
    expect(getPath(hr.body, ['spec', 'values', 'cluster', 'id'])).toBe(2);
  });

  it('locates what an inline patch sets on its own line of the block text, and what a JSON 6902 patch file writes at its operation', () => {
    const hr = ciliumIn(
      {
        ...base,
        'infrastructure/west/kustomization.yaml': `resources:
  - ../base/cilium
patches:
  - target: {kind: HelmRelease, name: cilium}
    path: peers.yaml
  - patch: |-
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: {name: cilium, namespace: kube-system}
      spec: {values: {cluster: {name: west}}}
`,
        'infrastructure/west/peers.yaml': `- op: replace
  path: /spec/values/clustermesh/config/clusters
  value:
    - name: east
      address: clustermesh-east.example.net
- op: remove
  path: /spec/interval
`,
      },
      'infrastructure/west',
    );
    // the `spec:` line of the patch text, a line of the kustomization
    expect(locate(hr, ['spec', 'values', 'cluster', 'name'])).toEqual({
      file: 'infrastructure/west/kustomization.yaml',
      line: 10,
    });
    expect(
      locate(hr, [
        'spec',
        'values',
        'clustermesh',
        'config',
        'clusters',
        0,
        'address',
      ]),
    ).toEqual({ file: 'infrastructure/west/peers.yaml', line: 5 });
    expect(locate(hr, ['spec', 'values', 'cluster', 'id'])).toEqual({
      file: 'infrastructure/base/cilium/helmrelease.yaml',
      line: 11,
    });
  });
});
