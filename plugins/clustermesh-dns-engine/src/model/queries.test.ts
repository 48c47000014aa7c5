import { exampleFiles } from '../__testUtils__/trees';
import { defaultConventions } from '../conventions/schema';
import { createRepoTree } from '../tree/RepoTree';
import { buildMeshModel } from './build';
import { validateMesh } from '../report/report';
import type { ManifestObject } from '../core/manifest';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import {
  failedBuildsNote,
  expectedFqdn,
  meshFqdns,
  unevaluatedParts,
  whereMissing,
} from './queries';

describe('the FQDN a cluster should have', () => {
  const files = exampleFiles('gitops-repo');
  const secrets = (c: string) =>
    `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`;

  it('takes a variable both the settings ConfigMap and the Secret define from the one substituteFrom lists later, as Flux does', () => {
    const edited = { ...files };
    const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    edited[settings] = edited[settings].replace(
      '  CLUSTER_NAME: "apps"\n',
      '  CLUSTER_NAME: "apps"\n  SECRET_DOMAIN: "lan.example"\n',
    );
    const fqdn = (conventions = defaultConventions, tree = edited) => {
      const mesh = buildMeshModel(createRepoTree(tree), conventions);
      return expectedFqdn(mesh, mesh.byName.get('apps')!).resolved;
    };
    // the Secret, listed after the ConfigMap, wins: its value is secret
    expect(fqdn()).toBe('clustermesh-apps.<secret:SECRET_DOMAIN>');
    // listed first, the ConfigMap's value is overridden by nothing
    const infrastructure = 'kubernetes/clusters/apps/infrastructure.yaml';
    const reordered = {
      ...edited,
      [infrastructure]: edited[infrastructure].replace(
        '      - kind: ConfigMap\n        name: cluster-settings\n      - kind: Secret\n        name: cluster-secrets\n',
        '      - kind: Secret\n        name: cluster-secrets\n      - kind: ConfigMap\n        name: cluster-settings\n',
      ),
    };
    expect(reordered[infrastructure]).not.toBe(edited[infrastructure]);
    expect(fqdn(defaultConventions, reordered)).toBe(
      'clustermesh-apps.lan.example',
    );
  });

  it('keeps a variable its settings do not define as not known here, never as empty text', () => {
    // no Secret defines SECRET_DOMAIN any more, and apps has no FQDN setting
    const edited = { ...files };
    for (const c of ['apps', 'infra'])
      edited[secrets(c)] = edited[secrets(c)].replace(
        /\n {2}SECRET_DOMAIN: .*/,
        '',
      );
    const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    edited[settings] = edited[settings].replace(
      /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
      '',
    );
    expect(edited[settings]).not.toBe(files[settings]);
    const mesh = buildMeshModel(createRepoTree(edited), defaultConventions);
    const apps = mesh.byName.get('apps')!;
    expect(expectedFqdn(mesh, apps)).toEqual({
      template: 'clustermesh-apps.${SECRET_DOMAIN}',
      resolved: 'clustermesh-apps.<secret:SECRET_DOMAIN>',
    });
    expect(meshFqdns(mesh).get('apps')).toBe(
      'clustermesh-apps.<secret:SECRET_DOMAIN>',
    );
  });
});

describe('where a missing file is pointed at', () => {
  const kustomizationOf = (files: string[]) => ({
    isFile: (path: string) => files.includes(path),
    kustomizationFile: (folder: string) =>
      files.find(f => f === `${folder}/kustomization.yaml`),
  });
  /** A Flux Kustomization declared in a shared file, building `path`. */
  const built = (path: string, line: number): RenderedKustomization => {
    const object: ManifestObject = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: path.split('/').pop()!,
      namespace: 'flux-system',
      body: {},
      source: { file: 'kubernetes/flux/apps.yaml', index: 0, line, root: {} },
    };
    return {
      key: `flux-system/${object.name}`,
      name: object.name,
      namespace: 'flux-system',
      path,
      object,
      postBuild: true,
      substituteFrom: [],
      dependsOn: [],
      variables: {} as RenderedKustomization['variables'],
      objects: [],
      failed: false,
    };
  };
  const cluster = {
    dir: 'kubernetes/clusters/k0s',
    render: {
      root: 'kubernetes/flux',
      // an app's Kustomization first, as the render lists them
      kustomizations: [
        built('kubernetes/clusters/k0s/apps/cert-manager/app', 30),
        built('kubernetes/clusters/k0s/apps', 2),
      ],
    },
  };
  const missing = 'kubernetes/infrastructure/clustermesh/dnsendpoint.yaml';

  it("points at the Flux Kustomization building the cluster's top folder when no kustomization file is on the way, never at a folder or an app", () => {
    // the cluster's folder holds only `apps`, whose kustomization Flux generates
    const repository = kustomizationOf([
      'kubernetes/clusters/k0s/apps/cert-manager/app/kustomization.yaml',
    ]);
    expect(whereMissing(repository, cluster, missing)).toEqual({
      file: 'kubernetes/flux/apps.yaml',
      line: 2,
    });
  });

  it("passes over the cluster folder's implicit root (no kustomization, no object) to the Flux Kustomization under it", () => {
    // a bare cluster folder reconciled as it is: Flux generates its kustomization
    const implicit = {
      ...built('kubernetes/clusters/k0s', 1),
      key: 'flux-system/flux-system',
      object: undefined,
    };
    const bare = {
      dir: cluster.dir,
      render: {
        root: cluster.dir,
        kustomizations: [implicit, ...cluster.render.kustomizations],
      },
    };
    expect(whereMissing(kustomizationOf([]), bare, missing)).toEqual({
      file: 'kubernetes/flux/apps.yaml',
      line: 2,
    });
    /** The bare cluster folder with these Kustomizations outside it. */
    const applying = (...kustomizations: RenderedKustomization[]) => ({
      dir: cluster.dir,
      render: {
        root: cluster.dir,
        kustomizations: [implicit, ...kustomizations],
      },
    });
    // nothing under the folder: any Flux Kustomization of the cluster
    expect(
      whereMissing(
        kustomizationOf([]),
        applying(built('kubernetes/apps/cilium', 4)),
        missing,
      ),
    ).toEqual({ file: 'kubernetes/flux/apps.yaml', line: 4 });
    // several: the one the missing thing is for (the Cilium values'
    // Kustomization, which substitutes the settings), not the first
    const infrastructure = built('kubernetes/infrastructure', 9);
    expect(
      whereMissing(
        kustomizationOf([]),
        applying(built('kubernetes/apps/databases', 4), infrastructure),
        'kubernetes/clusters/k0s/cluster-settings.yaml',
        infrastructure.object,
      ),
    ).toEqual({ file: 'kubernetes/flux/apps.yaml', line: 9 });
  });

  it("prefers the kustomization of the missing file's folder, then the cluster's, then the top folder's", () => {
    const all = [
      'kubernetes/infrastructure/clustermesh/kustomization.yaml',
      'kubernetes/clusters/k0s/kustomization.yaml',
      'kubernetes/clusters/k0s/apps/kustomization.yaml',
    ];
    expect(whereMissing(kustomizationOf(all), cluster, missing).file).toBe(
      all[0],
    );
    expect(
      whereMissing(kustomizationOf(all.slice(1)), cluster, missing).file,
    ).toBe(all[1]);
    expect(
      whereMissing(kustomizationOf(all.slice(2)), cluster, missing),
    ).toEqual({ file: all[2], line: 1 });
  });
});

describe('the parts of a cluster not evaluated, said', () => {
  const part = (message: string, file: string, line: number) => ({
    code: 'not-evaluated' as const,
    severity: 'warning' as const,
    message,
    location: { file, line },
    unbuilt: true,
  });

  it('says where each part is, so the one that may hold what is looked for can be found; one part is said whole', () => {
    const many = unevaluatedParts(
      {
        findings: [
          part(
            'Kustomization flux-system/apps builds ExternalArtifact apps',
            'clusters/p/apps.yaml',
            12,
          ),
          part(
            'Kustomization flux-system/infra-controllers builds ExternalArtifact infrastructure',
            'clusters/p/infrastructure.yaml',
            11,
          ),
          part(
            'Kustomization flux-system/infra-configs builds ExternalArtifact infrastructure',
            'clusters/p/infrastructure.yaml',
            39,
          ),
        ],
      },
      'production',
    );
    expect(many?.said).toBe(
      '3 parts of what production applies are not evaluated (clusters/p/apps.yaml:12, clusters/p/infrastructure.yaml:11, clusters/p/infrastructure.yaml:39)',
    );
    // none named for what is looked for: each is listed as not evaluated
    expect(many?.example).toBeUndefined();
    // the part named for what is looked for is the example (Lingkar's
    // `cilium`, not the first in order)
    const named = unevaluatedParts(
      {
        findings: [
          part(
            'Kustomization flux-system/cert-manager builds ExternalArtifact infra',
            'clusters/p/cert-manager.yaml',
            19,
          ),
          part(
            'Kustomization flux-system/cilium builds ExternalArtifact infra',
            'clusters/p/cilium.yaml',
            19,
          ),
        ],
      },
      'production',
      undefined,
      /cilium/i,
    );
    expect(named?.example).toBe(
      'e.g. Kustomization flux-system/cilium builds ExternalArtifact infra',
    );
    const one = unevaluatedParts(
      {
        findings: [
          part(
            'ResourceSet flux-system/platform is not expanded',
            'clusters/p/rs.yaml',
            3,
          ),
        ],
      },
      'production',
    );
    expect([one?.said, one?.example]).toEqual([
      'one part of what production applies is not evaluated',
      'ResourceSet flux-system/platform is not expanded',
    ]);
  });

  it('says the parts of CRDs not evaluated apart, which the list of all not evaluated shows too', () => {
    const withCrds = unevaluatedParts(
      {
        findings: [
          part(
            'Kustomization flux-system/apps builds ExternalArtifact apps',
            'clusters/p/apps.yaml',
            12,
          ),
          {
            ...part(
              'Kustomization flux-system/infra-crds builds ExternalArtifact infrastructure (CRDs, by its name)',
              'clusters/p/infrastructure.yaml',
              11,
            ),
            unbuilt: undefined,
            holdsNoMeshObjects: true,
          },
        ],
      },
      'production',
    );
    expect(withCrds?.said).toBe(
      "one part of what production applies is not evaluated (besides 1 that makes only kinds no check reads, such as CRDs, Namespaces or Flux's own controllers)",
    );
  });
});

describe('failedBuildsNote', () => {
  const error = (file: string, holdsNothingBack?: boolean) => ({
    code: 'flux-error' as const,
    severity: 'error' as const,
    message: 'fails',
    location: { file, line: 1 },
    ...(holdsNothingBack && { holdsNothingBack }),
  });

  it('says what fails to build may hold what is missing, with where, and nothing when nothing fails', () => {
    expect(
      failedBuildsNote(
        { findings: [error('a/cluster.yaml'), error('b/ks.yaml')] },
        'Cilium',
      ),
    ).toBe(
      '; but 2 Flux or kustomize errors (among the errors) keep parts of what it applies from being applied (a/cluster.yaml, b/ks.yaml), and Cilium may be among them',
    );
    // a path that does not exist holds nothing back
    expect(failedBuildsNote({ findings: [error('c.yaml', true)] }, 'it')).toBe(
      '',
    );
  });
});

describe('a cluster that runs another CNI', () => {
  const release = (name: string, chart: string) =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: kube-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: ${chart}\n      sourceRef:\n        kind: HelmRepository\n        name: ${name}\n`;
  const membershipOf = (chart: string) =>
    buildMeshModel(
      createRepoTree({
        'kubernetes/clusters/a/cilium.yaml': release('cilium', 'cilium'),
        'kubernetes/clusters/b/cni.yaml': release('cni', chart),
      }),
      { ...defaultConventions, clusters: ['a', 'b'] },
    ).byName.get('b')!.membership;

  it('is outside the mesh, said to run that CNI, not Cilium', () => {
    expect(membershipOf('flannel')).toEqual({
      member: false,
      reason:
        'it runs Flannel (HelmRelease kube-system/cni), not Cilium: it cannot join a Cilium ClusterMesh',
      location: { file: 'kubernetes/clusters/b/cni.yaml', line: 1 },
    });
    expect(membershipOf('projectcalico/tigera-operator').reason).toMatch(
      /^it runs Calico /,
    );
    // a chart of no CNI: no HelmRelease cilium, said as before
    expect(membershipOf('podinfo').reason).toMatch(
      /^no HelmRelease cilium is applied to it/,
    );
  });
});

describe("a cluster's plain Cilium values file (cilium.valuesFile)", () => {
  const sync = (c: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/${c}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
  const meshValues =
    'cluster:\n  name: a\n  id: 1\nclustermesh:\n  useAPIServer: true\n';
  const treeOf = (values: string) =>
    createRepoTree({
      // what an Ansible inventory keeps, which Flux's source leaves out
      '.sourceignore': 'inventory\n',
      'clusters/a/flux-system/gotk-sync.yaml': sync('a'),
      'inventory/a/cilium-values.yaml': values,
    });
  const conventions = {
    ...defaultConventions,
    clustersPath: 'clusters',
    clusters: ['a'],
    cilium: {
      ...defaultConventions.cilium,
      valuesFile: 'inventory/{cluster}/cilium-values.yaml',
    },
  };
  const membershipOf = (values: string) =>
    buildMeshModel(treeOf(values), conventions).byName.get('a')!;

  it('is read where the sources leave it out (its installer reads it, not Flux)', () => {
    const a = membershipOf(meshValues);
    expect(a.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(a.membership).toMatchObject({ member: true });
  });

  it('says an FQDN and LB IP not yet written out there as missing there, not as settings variables nothing reads', () => {
    // records kept by hand: nothing of the repository reads settings
    const report = validateMesh(treeOf(meshValues), {
      ...conventions,
      dns: { ...defaultConventions.dns, mode: 'manual' },
    });
    const check = (rule: string) =>
      report.clusters[0].checks.find(c => c.ruleId === rule);
    expect(check('fqdn-valid')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'its FQDN (to be written out in its Cilium values: no settings are read here, so no CILIUM_CLUSTERMESH_FQDN) is not set',
      location: { file: 'inventory/a/cilium-values.yaml' },
    });
    expect(check('lb-ip-valid')?.message).toMatch(
      /^its LB IP \(to be written out in its Cilium values/,
    );
  });

  it("is not taken for the chart's values when it holds none of its keys (an Ansible variable holding them)", () => {
    const a = membershipOf(
      'cilium_version: 1.18.0\ncilium_helm_values:\n  clustermesh:\n    useAPIServer: true\n',
    );
    expect(a.membership).toEqual({
      member: false,
      reason:
        "its Cilium values file inventory/a/cilium-values.yaml (conventions cilium.valuesFile) holds none of the Cilium chart's keys (it holds cilium_version, cilium_helm_values): not read as Cilium values; point cilium.valuesFile at a file of the chart's values, or say it in the conventions (mesh.include or mesh.exclude)",
      location: { file: 'inventory/a/cilium-values.yaml', line: 1 },
    });
    expect(a.membershipUnknown).toBe(true);
    // a helmfile (fobiat's bootstrap, its cilium release's values inline)
    const helmfile = membershipOf(
      'repositories:\n  - {name: cilium, url: https://helm.cilium.io}\nreleases:\n  - name: cilium\n    chart: cilium/cilium\n    values:\n      - ipam: {mode: kubernetes}\n',
    );
    expect(helmfile.membership.reason).toBe(
      "its Cilium values file inventory/a/cilium-values.yaml (conventions cilium.valuesFile) holds none of the Cilium chart's keys (it holds repositories, releases): not read as Cilium values; it is a helmfile, whose releases install charts: point cilium.valuesFile at the file of the chart's values its cilium release lists (values: [file]; values written inline in the helmfile are not read: move them to such a file), or say it in the conventions (mesh.include or mesh.exclude)",
    );
  });
});

describe('a cluster whose root Kustomization fails', () => {
  it('is not known to be in the mesh or not, not outside it', () => {
    const sync = (c: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./kubernetes/clusters/${c}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
    const mesh = buildMeshModel(
      createRepoTree({
        'kubernetes/clusters/b/flux-system/gotk-sync.yaml': sync('b'),
        // a file its kustomization lists is gone: kustomize fails the build
        'kubernetes/clusters/b/kustomization.yaml':
          'resources:\n  - flux-system/gotk-sync.yaml\n  - cilium.yaml\n',
      }),
      { ...defaultConventions, clusters: ['b'] },
    );
    const b = mesh.byName.get('b')!;
    expect(b.membershipUnknown).toBe(true);
    expect(b.membership.reason).toMatch(
      /^its root Kustomization flux-system\/flux-system fails \(the error below\): Flux applies nothing of the cluster/,
    );
    // an entry point the bootstrap's Kustomization reconciles, declared
    // nowhere here (tvories' cluster-0): its folder named, not an object
    const implicit = buildMeshModel(
      createRepoTree({
        'kubernetes/clusters/c/kustomization.yaml':
          'resources:\n  - cilium.yaml\n',
      }),
      { ...defaultConventions, clusters: ['c'] },
    ).byName.get('c')!;
    expect(implicit.membership.reason).toMatch(
      /^its entry point kubernetes\/clusters\/c \(which the bootstrap's Kustomization flux-system\/flux-system reconciles\) fails \(the error below\)/,
    );
  });
});
