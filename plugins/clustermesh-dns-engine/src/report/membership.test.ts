import { fixtureTree, knownDomain } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { generateSyntheticMesh } from '../testUtils/syntheticMesh';
import { createRepoTree } from '../tree/RepoTree';
import { exampleTree } from '../__testUtils__/trees';
import { sourceKustomization } from '../__testUtils__/rules';
import { validateMesh } from './report';

/** The conventions with the example repositories' SOPS domain given. */
const withDomain = resolveConventions(knownDomain);

const helmRelease =
  'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';

describe('the mesh is the clusters in it', () => {
  it('runs no rule for a cluster outside the mesh, and leaves it out of the others’ peers', () => {
    const files = generateSyntheticMesh({ clusters: 3 });
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({ ...knownDomain, mesh: { exclude: ['c003'] } }),
    );
    const byName = Object.fromEntries(report.clusters.map(c => [c.name, c]));
    expect(byName.c003).toMatchObject({
      status: 'outside',
      checks: [],
      membership: {
        member: false,
        reason: 'excluded by the conventions (mesh.exclude)',
      },
    });
    // the members only need to know each other
    expect(byName.c001.peers).toEqual({ expected: 1, missing: [] });
    expect(byName.c001.status).toBe('pass');
    expect(report.summary).toMatchObject({
      clusters: 3,
      passing: 2,
      outside: 1,
      status: 'pass',
    });
    expect(report.overrides).toEqual([
      { what: 'cluster c003 outside the mesh', source: 'mesh.exclude' },
    ]);
  });

  it("says the Flux errors of a cluster its Cilium values keep outside the mesh as warnings, not failing the mesh; not those of a cluster whose Cilium is not found (hugginsio's cluster in the making)", () => {
    const files = generateSyntheticMesh({ clusters: 3 });
    const folder = 'kubernetes/clusters/c003';
    // c003's own values switch the mesh off, and its folder lists a file
    // not written yet
    files[`${folder}/cluster-settings.yaml`] = files[
      `${folder}/cluster-settings.yaml`
    ].replace(/\n$/, '\n  CILIUM_CLUSTERMESH_ENABLED: "false"\n');
    files[`${folder}/kustomization.yaml`] += '  - apps.yaml\n';
    files[`${folder}/apps.yaml`] = files[`${folder}/vars.yaml`]
      .replace('cluster-c003-vars', 'cluster-c003-apps')
      .replace('./kubernetes/clusters/c003/vars', './kubernetes/apps/c003');
    files['kubernetes/apps/c003/kustomization.yaml'] =
      'resources:\n  - ./media/ks.yaml\n';
    const shared = Object.keys(files).find(
      f => f.endsWith('helmrelease.yaml') && files[f].includes('useAPIServer'),
    )!;
    files[shared] = files[shared]
      .replace(
        'useAPIServer: true',
        'useAPIServer: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      )
      .replace(
        'config:\n        enabled: true',
        'config:\n        enabled: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      );
    const report = validateMesh(createRepoTree(files), withDomain);
    expect(report.clusters.find(c => c.name === 'c003')?.status).toBe(
      'outside',
    );
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'kustomize-error',
        severity: 'warning',
        cluster: 'c003',
        message: expect.stringMatching(
          /refers to \.\/media\/ks\.yaml, which does not exist .*\(not an error here: c003 is outside the mesh, and nothing ClusterMesh DNS checks depends on it\)$/,
        ),
      }),
    ]);
    expect(report.summary).toMatchObject({ errors: 0, status: 'warn' });
    // with no member at all, no verdict on a mesh: none is there
    const noMesh = validateMesh(
      createRepoTree(files),
      resolveConventions({
        ...knownDomain,
        mesh: { exclude: ['c001', 'c002'] },
      }),
    );
    expect(noMesh.summary).toMatchObject({
      errors: 0,
      warnings: 1,
      status: 'outside',
    });
    // no Cilium applied at all: outside only as far as what is applied
    // tells (its failing builds may be where Cilium was meant), kept
    files[`${folder}/kustomization.yaml`] = files[
      `${folder}/kustomization.yaml`
    ].replace('  - infrastructure.yaml\n', '');
    const withoutCilium = validateMesh(createRepoTree(files), withDomain);
    expect(
      withoutCilium.findings.find(f => f.code === 'kustomize-error'),
    ).toMatchObject({
      severity: 'error',
      message:
        'refers to ./media/ks.yaml, which does not exist (kubernetes/apps/c003/media/ks.yaml)',
    });
    expect(withoutCilium.summary.status).toBe('fail');
    // what fails is a Kustomization of a folder that is nowhere (a cluster
    // not bootstrapped yet, justingarfield's production): it holds nothing
    // back, Cilium neither, so the cluster is known to be outside
    files[`${folder}/apps.yaml`] = files[`${folder}/apps.yaml`].replace(
      './kubernetes/apps/c003',
      './kubernetes/later/c003',
    );
    files[`${folder}/kustomization.yaml`] = files[
      `${folder}/kustomization.yaml`
    ]
      .split('\n')
      .filter(line => !line.includes('/cilium/'))
      .join('\n');
    const nothingHeldBack = validateMesh(createRepoTree(files), withDomain);
    expect(
      nothingHeldBack.findings.find(f => f.code === 'flux-error'),
    ).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(
        /reconciles kubernetes\/later\/c003, which does not exist in the repository; Flux fails the Kustomization .*\(not an error here: c003 is outside the mesh, and nothing ClusterMesh DNS checks depends on it\)$/,
      ),
    });
    expect(nothingHeldBack.summary).toMatchObject({ errors: 0 });
  });

  it("takes every cluster for outside the mesh where no file of the repository names Cilium, its failing builds said as warnings (DecentM's Flannel clusters)", () => {
    const entry = (c: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {interval: 10m, path: ./kubernetes/clusters/${c}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
    const apps = (name: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {interval: 10m, path: ./apps/staging, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
    const files: Record<string, string> = {
      'kubernetes/clusters/production/flux-system/gotk-sync.yaml':
        entry('production'),
      'kubernetes/clusters/staging/flux-system/gotk-sync.yaml':
        entry('staging'),
      // two files of one folder add the same Kustomization: its root fails
      'kubernetes/clusters/staging/apps.yaml': apps('apps'),
      'kubernetes/clusters/staging/more-apps.yaml': apps('apps'),
      'apps/staging/kustomization.yaml': 'resources: [../base/whoami]\n',
    };
    const report = validateMesh(createRepoTree(files), withDomain);
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['production', 'outside'],
      ['staging', 'outside'],
    ]);
    expect(report.clusters[1].membership.reason).toBe(
      'no file of the repository names Cilium (no chart, image, values or object of it): the cluster runs another network plugin or none, so ClusterMesh does not apply',
    );
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(report.findings.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /a second time; kustomize fails .*\(not an error here: staging is outside the mesh, and nothing ClusterMesh DNS checks depends on it\)$/,
      ),
    );
    // a part from elsewhere not read (a ResourceSet) may bring Cilium: not
    // known there
    const withResourceSet = {
      ...files,
      'kubernetes/clusters/production/addons.yaml':
        'apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata: {name: addons, namespace: flux-system}\nspec:\n  inputs: [{name: a}]\n  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: << inputs.name >>}\n',
    };
    expect(
      validateMesh(createRepoTree(withResourceSet), withDomain).clusters.find(
        c => c.name === 'production',
      )?.membership.unknown,
    ).toBe(true);
    // one file naming Cilium (its chart's repository): not known, kept
    files['kubernetes/clusters/staging/repository.yaml'] =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: cilium, namespace: flux-system}\nspec: {url: https://helm.cilium.io}\n';
    const named = validateMesh(createRepoTree(files), withDomain);
    expect(named.findings.some(f => f.severity === 'error')).toBe(true);
  });

  it('finds the members from their Cilium values, saying why', () => {
    const report = validateMesh(exampleTree('gitops-repo'), withDomain);
    expect(report.clusters.map(c => c.membership)).toEqual([
      {
        member: true,
        reason: 'clustermesh.useAPIServer is true in its Cilium values',
        location: { file: helmRelease, line: expect.any(Number) },
      },
      expect.objectContaining({ member: true }),
    ]);
  });

  it('has no member when the Cilium values do not enable ClusterMesh, and says nothing passed', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[helmRelease] = files[helmRelease]
          .replace('useAPIServer: true', 'useAPIServer: false')
          .replace(/config:\n(\s+)enabled: true/, 'config:\n$1enabled: false');
      }),
      withDomain,
    );
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['apps', 'outside'],
      ['infra', 'outside'],
    ]);
    expect(report.clusters[0].membership.reason).toMatch(
      /do not enable ClusterMesh/,
    );
    expect(report.summary.status).toBe('outside');
    expect(report.meshChecks).toEqual([]);
  });

  it('reads a HelmRelease and a pool as kustomize does: `useAPIServer: yes` is the string "yes" (on, for the chart), `allowFirstLastIPs: No` the string "No"', () => {
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[helmRelease] = files[helmRelease].replace(
          'useAPIServer: true',
          'useAPIServer: yes',
        );
        files[pool] = files[pool].replace(
          /spec:\n/,
          'spec:\n  allowFirstLastIPs: No\n',
        );
      }),
      withDomain,
    );
    expect(report.clusters[0].membership).toEqual({
      member: true,
      reason:
        'clustermesh.useAPIServer is "yes" in its Cilium values, which the chart takes for true',
      location: { file: helmRelease, line: expect.any(Number) },
    });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ errors: 0, status: 'pass' });
  });

  /** Values that do not enable ClusterMesh, and more from a ConfigMap key named by a secret value. */
  const partlyRead = exampleTree('gitops-repo', files => {
    files[helmRelease] = files[helmRelease]
      .replace('useAPIServer: true', 'useAPIServer: false')
      .replace(/config:\n(\s+)enabled: true/, 'config:\n$1enabled: false')
      .replace(
        '  values:\n',
        '  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-values\n      valuesKey: ${SECRET_DOMAIN}.yaml\n  values:\n',
      );
  });

  it('does not call a cluster outside the mesh when some of its Cilium values were not read', () => {
    const report = validateMesh(partlyRead, resolveConventions({}));
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['apps', 'not-evaluated'],
      ['infra', 'not-evaluated'],
    ]);
    expect(report.clusters[0].membership).toEqual({
      member: false,
      unknown: true,
      reason:
        'the Cilium values read here do not enable ClusterMesh, but those from ConfigMap cilium-values key <secret:SECRET_DOMAIN>.yaml (it depends on SECRET_DOMAIN) are not read; say it in the conventions (mesh.include or mesh.exclude)',
      location: { file: helmRelease, line: expect.any(Number) },
    });
    expect(report.summary).toMatchObject({
      outside: 0,
      notEvaluated: 2,
      status: 'not-evaluated',
    });
    expect(report.notEvaluated.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /takes values from ConfigMap cilium-values key <secret:SECRET_DOMAIN>\.yaml/,
      ),
    );
  });

  /** The report of the valuesFrom fixture, edited. */
  const valuesFromReport = (edit: (files: Record<string, string>) => void) =>
    validateMesh(
      fixtureTree('configure-valuesfrom/repo', edit),
      resolveConventions({}),
    );
  const valuesKustomization =
    'kubernetes/infrastructure/networking/cilium/app/kustomization.yaml';
  /** The Cilium values' generator taken out: the release finds no ConfigMap. */
  const withoutValuesGenerator = (files: Record<string, string>) => {
    files[valuesKustomization] = files[valuesKustomization].replace(
      /configMapGenerator:[\s\S]*$/,
      '',
    );
  };

  it('does not call a cluster outside the mesh when helm-controller fails its Cilium release (a values ConfigMap the cluster does not apply): it fails, by that error', () => {
    const report = valuesFromReport(files => {
      // the generated values ConfigMap is gone, so the release cannot find
      // one: the repository defines it where no cluster applies it
      withoutValuesGenerator(files);
      files['kubernetes/unused/cilium-values.yaml'] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cilium-values\n  namespace: kube-system\ndata:\n  values.yaml: "{}"\n';
    });
    const east = report.clusters.find(c => c.name === 'east')!;
    // whether it is a member is not known, but Flux fails on its files
    expect(east.status).toBe('fail');
    expect(east.counts.failed).toBe(0);
    expect(east.membership.reason).toMatch(
      /^the Cilium values read here do not enable ClusterMesh, but those from ConfigMap kube-system\/cilium-values, which the cluster does not apply \(helm-controller fails the release\) are not read/,
    );
    expect(report.findings.map(f => f.message)).toContainEqual(
      expect.stringMatching(/helm-controller fails the release$/),
    );
  });

  it('takes a values source no manifest of the repository defines for one made outside it (a script, by hand): not read, not a failing release', () => {
    const report = valuesFromReport(withoutValuesGenerator);
    expect(report.findings.map(f => f.code)).not.toContain('flux-error');
    expect(report.notEvaluated.map(f => f.message)).toContainEqual(
      'HelmRelease kube-system/cilium takes values from ConfigMap kube-system/cilium-values, which no manifest of the repository defines: made outside it (by hand, a script, a bootstrap) or missing (then helm-controller fails the release); those values are not read',
    );
    expect(report.clusters.find(c => c.name === 'east')!.status).toBe(
      'not-evaluated',
    );
  });

  it("says a values ConfigMap is applied only under its hashed name, which a HelmRelease's valuesFrom does not follow", () => {
    const report = valuesFromReport(files => {
      // the generator's name gets a content hash; nothing renames valuesFrom
      files[valuesKustomization] = files[valuesKustomization].replace(
        /generatorOptions:[\s\S]*$/,
        '',
      );
    });
    expect(report.findings.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /^HelmRelease kube-system\/cilium takes values from ConfigMap kube-system\/cilium-values, which cluster east applies only as cilium-values-[a-z0-9]{10}: a generator names it with a content hash, and kustomize does not rename a HelmRelease's valuesFrom \(set generatorOptions\.disableNameSuffixHash: true, or a configurations nameReference for HelmRelease valuesFrom\); helm-controller fails the release$/,
      ),
    );
  });

  it('does not call a cluster outside the mesh when its values file is not valid YAML (helm-controller fails the release): it fails, by that error', () => {
    const values =
      'kubernetes/infrastructure/networking/cilium/app/values.yaml';
    const report = valuesFromReport(files => {
      // ClusterMesh on, below a key written twice
      files[values] = `${files[values].replace(
        'ipam:\n',
        'cluster:\n    name: again\nipam:\n',
      )}clustermesh:\n    useAPIServer: true\n`;
    });
    const east = report.clusters.find(c => c.name === 'east')!;
    expect(east.status).toBe('fail');
    expect(east.membership.reason).toMatch(
      /^the Cilium values read here do not enable ClusterMesh, but those from ConfigMap kube-system\/cilium-values key values\.yaml \(not valid YAML, at kubernetes\/infrastructure\/networking\/cilium\/app\/values\.yaml:\d+\) are not read/,
    );
    expect(
      report.findings.filter(f => f.code === 'yaml-invalid').length,
    ).toBeGreaterThan(0);
  });

  it('does not call a cluster outside the mesh when the Kustomization that may apply Cilium is not evaluated', () => {
    const infrastructure = 'kubernetes/clusters/infra/infrastructure.yaml';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[infrastructure] = files[infrastructure].replace(
          'name: flux-system\n',
          'name: platform\n',
        );
      }),
      withDomain,
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.status).toBe('not-evaluated');
    expect(infra.membership).toEqual({
      member: false,
      unknown: true,
      reason:
        'no HelmRelease cilium is among the objects evaluated, but one part of what the cluster applies is not evaluated (Kustomization flux-system/cluster-infra-infrastructure builds GitRepository platform, which no manifest of the repository defines (made outside it, by a bootstrap, or missing: then Flux cannot reconcile it), so whether it is this repository is not known; its objects are not evaluated); say it in the conventions (mesh.include or mesh.exclude)',
      location: { file: infrastructure, line: 11 },
    });
    // the other cluster is still checked
    expect(
      report.clusters.find(c => c.name === 'apps')!.membership.member,
    ).toBe(true);
  });

  it('says a cluster without Cilium is outside the mesh as it stands, and that its build errors may keep Cilium out', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        // the file that would list Cilium is gone
        const networking =
          'kubernetes/infrastructure/networking/kustomization.yaml';
        files[networking] = files[networking].replace(
          '  - cilium\n',
          '  - cilium/ks-gone.yaml\n',
        );
        // and no Cilium object of its own
        for (const c of ['apps', 'infra']) {
          const own = `kubernetes/clusters/${c}/kustomization.yaml`;
          files[own] = files[own].replace(/\n {2}- .*\/cilium\/ipam\/.*/g, '');
        }
      }),
      withDomain,
    );
    expect(report.clusters.map(c => [c.name, c.membership.reason])).toEqual([
      [
        'apps',
        'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile); but 1 Flux or kustomize error (among the errors) keeps parts of what it applies from being applied (kubernetes/infrastructure/networking/kustomization.yaml), and Cilium may be among them',
      ],
      [
        'infra',
        'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile); but 1 Flux or kustomize error (among the errors) keeps parts of what it applies from being applied (kubernetes/infrastructure/networking/kustomization.yaml), and Cilium may be among them',
      ],
    ]);
  });

  it('does not hedge for a Kustomization whose folder is nowhere in the repository: nothing is kept from being applied there', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        for (const c of ['apps', 'infra']) {
          const own = `kubernetes/clusters/${c}/kustomization.yaml`;
          files[own] = files[own].replace(/\n {2}- .*\/cilium\/ipam\/.*/g, '');
          const infrastructure = `kubernetes/clusters/${c}/infrastructure.yaml`;
          files[infrastructure] = files[infrastructure].replace(
            'path: ./kubernetes/infrastructure',
            'path: ./kubernetes/gone',
          );
        }
      }),
      withDomain,
    );
    expect(report.clusters.map(c => [c.name, c.membership.reason])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile)',
      ]),
    );
    // the error itself is still reported
    expect(report.findings.map(f => [f.code, f.message])).toContainEqual([
      'flux-error',
      expect.stringMatching(
        /reconciles kubernetes\/gone.*, which does not exist in the repository/,
      ),
    ]);
  });

  it("does not call a cluster outside the mesh whose own bootstrap helmfile, beside another cluster's, installs the cilium chart (aclerici38's house); a shared folder's name is no cluster's", () => {
    const helmfile =
      'releases:\n  - name: cilium\n    namespace: kube-system\n    chart: oci://ghcr.io/home-operations/charts-mirror/cilium\n    version: 1.17.2\n    values: [../../../kubernetes/infrastructure/networking/cilium/core/values.yaml]\n';
    const reasons = (bootstrap: Record<string, string>) =>
      validateMesh(
        exampleTree('gitops-repo', files => {
          // Flux installs Cilium in neither cluster
          const networking =
            'kubernetes/infrastructure/networking/kustomization.yaml';
          files[networking] = files[networking].replace('  - cilium\n', '');
          for (const c of ['apps', 'infra']) {
            const own = `kubernetes/clusters/${c}/kustomization.yaml`;
            files[own] = files[own].replace(
              /\n {2}- .*\/cilium\/ipam\/.*/g,
              '',
            );
          }
          Object.assign(files, bootstrap);
        }),
        withDomain,
      ).clusters.map(c => [
        c.name,
        c.status === 'not-evaluated',
        c.membership.reason,
      ]);
    expect(
      reasons({
        'bootstrap/clusters/apps/helmfile.yaml': helmfile,
        'bootstrap/clusters/infra/helmfile.yaml': helmfile,
      }),
    ).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        true,
        `no HelmRelease cilium is applied to it, but its bootstrap helmfile bootstrap/clusters/${c}/helmfile.yaml installs the cilium chart, with values not read here: point cilium.valuesFile at them, or say it in the conventions (mesh.include or mesh.exclude)`,
      ]),
    );
    // one helmfile in a folder that only happens to be named like a
    // cluster (the template's bootstrap/apps): no cluster's own
    expect(reasons({ 'bootstrap/apps/helmfile.yaml': helmfile })).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        false,
        expect.stringMatching(
          /^no HelmRelease cilium is applied to it \(and no plain values file is configured in cilium\.valuesFile\); the repository defines HelmRelease cilium/,
        ),
      ]),
    );
  });

  it('reads a release of the cilium chart under another name (cni) as the Cilium values', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[helmRelease] = files[helmRelease].replace(
          'name: cilium\n',
          'name: cni\n',
        );
      }),
      withDomain,
    );
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['apps', 'pass'],
      ['infra', 'pass'],
    ]);
  });

  it('does not call a cluster outside the mesh when it applies Cilium objects but no Cilium install is read (installed by Ansible, say)', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        // no release of Cilium in the repository
        files[helmRelease] =
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cilium-installed-elsewhere\n  namespace: kube-system\ndata: {}\n';
      }),
      withDomain,
    );
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml';
    expect(report.clusters.find(c => c.name === 'infra')).toMatchObject({
      status: 'not-evaluated',
      membership: {
        member: false,
        reason:
          "no HelmRelease cilium is applied to it, but it applies Cilium's CiliumLoadBalancerIPPool lb-ippool-infra: Cilium is installed another way, whose values are not read here; point cilium.valuesFile at them, or say it in the conventions (mesh.include or mesh.exclude)",
        location: { file: pool, line: 3 },
      },
    });
  });

  it("takes a GatewayClass of Cilium's gateway controller for Cilium installed another way, as any Cilium object", () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[helmRelease] =
          'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: cilium\nspec:\n  controllerName: io.cilium/gateway-controller\n';
        for (const c of ['infra', 'apps']) {
          const list = `kubernetes/clusters/${c}/kustomization.yaml`;
          files[list] = files[list].replace(
            / {2}- .*(lb-ippool-|l2-announcement).*\n/g,
            '',
          );
        }
      }),
      withDomain,
    );
    expect(report.clusters.find(c => c.name === 'infra')).toMatchObject({
      status: 'not-evaluated',
      membership: {
        member: false,
        reason:
          "no HelmRelease cilium is applied to it, but it applies Cilium's GatewayClass cilium: Cilium is installed another way, whose values are not read here; point cilium.valuesFile at them, or say it in the conventions (mesh.include or mesh.exclude)",
      },
    });
  });

  it("reads a cluster's HelmRelease when the conventions' cilium.valuesFile has no file for it (the values file is for the clusters whose Cilium is installed another way)", () => {
    const tree = exampleTree('gitops-repo', files => {
      files['bootstrap/apps/cilium-values.yaml'] =
        'clustermesh:\n  useAPIServer: true\n';
    });
    const report = validateMesh(
      tree,
      resolveConventions({
        ...knownDomain,
        cilium: { valuesFile: 'bootstrap/{cluster}/cilium-values.yaml' },
      }),
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.membership).toMatchObject({
      member: true,
      reason: 'clustermesh.useAPIServer is true in its Cilium values',
      location: { file: helmRelease },
    });
    expect(
      report.findings.filter(f =>
        /cilium-values\.yaml/.test(f.location?.file ?? ''),
      ),
    ).toEqual([]);
  });

  /**
   * The example, with infra applying a file of another source instead of
   * the infrastructure (and its Cilium), and no Cilium pool or L2 policy:
   * a cluster without Cilium.
   */
  const infraWith = (file: string, yaml: string[]) => {
    const clusterFolder = 'kubernetes/clusters/infra';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[`${clusterFolder}/kustomization.yaml`] = files[
          `${clusterFolder}/kustomization.yaml`
        ]
          .replace('  - infrastructure.yaml\n', `  - ${file}\n`)
          .replace(/\n.*\n.*lb-ippool-infra\.yaml\n/, '\n')
          .replace(/ {2}- .*l2-announcement\.yaml\n/, '');
        files[`${clusterFolder}/${file}`] = [...yaml, ''].join('\n');
      }),
      withDomain,
    );
    return { report, infra: report.clusters.find(c => c.name === 'infra')! };
  };

  it("does not wait on Flux's own manifests: a cluster whose only unread Kustomization installs Flux is outside the mesh", () => {
    const { report, infra } = infraWith('flux.yaml', [
      'apiVersion: source.toolkit.fluxcd.io/v1beta2',
      'kind: OCIRepository',
      'metadata:',
      '  name: flux-manifests',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  url: oci://ghcr.io/fluxcd/flux-manifests',
      '  ref:',
      '    tag: v2.5.1',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: flux',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  path: ./',
      '  prune: true',
      '  sourceRef:',
      '    kind: OCIRepository',
      '    name: flux-manifests',
    ]);
    expect(infra.status).toBe('outside');
    expect(infra.membership.reason).toMatch(
      /^no HelmRelease cilium is applied to it/,
    );
    // still said, with what it is
    expect(report.notEvaluated.map(f => f.message)).toContain(
      "Kustomization flux-system/flux builds OCIRepository flux-manifests (oci://ghcr.io/fluxcd/flux-manifests: Flux's own controllers), not this repository (sources treated as this repository: flux-system); its objects are not evaluated",
    );
  });

  it("knows Flux's own manifests by the one file that defines their source, where the cluster does not apply it (viminaria's repositories/oci)", () => {
    const clusterFolder = 'kubernetes/clusters/infra';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[`${clusterFolder}/kustomization.yaml`] += '  - flux.yaml\n';
        files[`${clusterFolder}/flux.yaml`] =
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux, namespace: flux-system}\nspec: {interval: 10m, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: flux-manifests}}\n';
        // applied by a bootstrap, not by the cluster's Kustomizations
        files['repositories/oci/flux-manifests.yaml'] =
          'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: flux-manifests, namespace: flux-system}\nspec: {interval: 10m, url: oci://ghcr.io/fluxcd/flux-manifests, ref: {tag: v2.8.2}}\n';
      }),
      withDomain,
    );
    expect(
      [...report.notEvaluated, ...report.findings].map(f => f.message),
    ).toContainEqual(
      expect.stringContaining(
        "builds OCIRepository flux-manifests (oci://ghcr.io/fluxcd/flux-manifests: Flux's own controllers), not this repository",
      ),
    );
  });

  it("does not take a tenant's Kustomization of another repository, confined to its namespace, for a place Cilium or the settings may be", () => {
    const tenant = (targetNamespace: string) =>
      sourceKustomization('https://github.com/example/tenant-a-apps').replace(
        'spec: {interval: 1h, path: ./deploy,',
        `spec: {interval: 1h, targetNamespace: ${targetNamespace}, serviceAccountName: tenant-a-deployer, path: ./deploy,`,
      );
    const withTenant = (targetNamespace: string, edit = (_: any) => {}) =>
      validateMesh(
        exampleTree('gitops-repo', files => {
          for (const c of ['apps', 'infra']) {
            const folder = `kubernetes/clusters/${c}`;
            files[`${folder}/kustomization.yaml`] += '  - tenant.yaml\n';
            files[`${folder}/tenant.yaml`] = tenant(targetNamespace);
          }
          edit(files);
        }),
        withDomain,
      );
    /** Each cluster's membership reason without the Cilium release, beside a tenant confined there. */
    const reasonsWithoutCilium = (targetNamespace: string) =>
      withTenant(targetNamespace, files => {
        const ks =
          'kubernetes/infrastructure/networking/cilium/core/kustomization.yaml';
        files[ks] = files[ks].replace('  - helmrelease.yaml\n', '');
      }).clusters.map(c => c.membership.reason);
    // not the tenant's part (the pools say Cilium is installed another way)
    for (const reason of reasonsWithoutCilium('tenant-a'))
      expect(reason).toMatch(
        /^no HelmRelease cilium is applied to it, but it applies Cilium's CiliumLoadBalancerIPPool/,
      );
    // confined to the release's namespace, it may hold it
    for (const reason of reasonsWithoutCilium('kube-system'))
      expect(reason).toMatch(
        /^no HelmRelease cilium is among the objects evaluated, but one part of what the cluster applies is not evaluated \(Kustomization flux-system\/addons/,
      );
    // no settings yet (nothing substitutes from any): a failure, not
    // hidden by what the tenant may apply
    const withoutSettings = (files: Record<string, string>) => {
      for (const c of ['apps', 'infra']) {
        delete files[`kubernetes/clusters/${c}/cluster-settings.yaml`];
        const vars = `kubernetes/clusters/${c}/vars/kustomization.yaml`;
        files[vars] = files[vars].replace('  - ../cluster-settings.yaml\n', '');
        const infrastructure = `kubernetes/clusters/${c}/infrastructure.yaml`;
        files[infrastructure] = files[infrastructure].replace(
          '      - kind: ConfigMap\n        name: cluster-settings\n',
          '',
        );
      }
    };
    const settingsOutcome = (targetNamespace: string) =>
      withTenant(targetNamespace, withoutSettings)
        .clusters.find(c => c.name === 'infra')!
        .checks.find(c => c.ruleId === 'settings-present')!;
    expect(settingsOutcome('tenant-a')).toMatchObject({
      outcome: 'fail',
      message:
        'no ConfigMap flux-system/cluster-settings is applied to the cluster, and Kustomization flux-system/cluster-infra-infrastructure, which applies the Cilium values, substitutes from Secret cluster-secrets only, which does not set CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP',
    });
    // one confined to the settings' namespace may still hold them
    expect(settingsOutcome('flux-system').outcome).toBe('not-evaluated');
  });

  it('lists what a cluster outside the mesh does not read as not read, not as not evaluated: no check reads it', () => {
    // Cilium read without ClusterMesh; a source of the repository's own
    // owner that is not this repository, which it does not read
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[helmRelease] = files[helmRelease]
          .replace('useAPIServer: true', 'useAPIServer: false')
          .replace(/config:\n(\s+)enabled: true/, 'config:\n$1enabled: false');
        const folder = 'kubernetes/clusters/infra';
        files[`${folder}/kustomization.yaml`] += '  - addons.yaml\n';
        files[`${folder}/addons.yaml`] = sourceKustomization(
          'https://github.com/example/platform',
        );
      }),
      withDomain,
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.status).toBe('outside');
    expect(report.notEvaluated).toContainEqual(
      expect.objectContaining({
        severity: 'info',
        message: expect.stringMatching(
          /^Kustomization flux-system\/addons builds GitRepository addons/,
        ),
      }),
    );
    expect(report.summary.unevaluated).toBe(0);
  });

  it("does not wait on another owner's project either, but on a source of the repository's own owner", () => {
    const addons = (url: string) => [sourceKustomization(url)];
    const other = infraWith(
      'addons.yaml',
      addons('https://github.com/csi-addons/kubernetes-csi-addons'),
    ).infra;
    expect(other.status).toBe('outside');
    expect(other.membership.reason).toMatch(
      /^no HelmRelease cilium is applied to it/,
    );
    // the repository's own owner (example), or one written as a variable: it may hold Cilium
    for (const url of [
      'https://github.com/example/platform',
      'https://github.com/${GITHUB_OWNER}/platform',
    ])
      expect(infraWith('addons.yaml', addons(url)).infra.status).toBe(
        'not-evaluated',
      );
    // another owner's source that builds a folder this repository has too
    // (a private companion, the repository renamed): it may hold Cilium
    const twin = infraWith('addons.yaml', [
      sourceKustomization(
        'https://github.com/someone-else/infra-private',
      ).replace('path: ./deploy', 'path: ./kubernetes/infrastructure'),
    ]).infra;
    expect(twin.status).toBe('not-evaluated');
  });

  it("does not take Flux's own manifests for a place a missing object may be: a missing pool fails", () => {
    const clusterFolder = 'kubernetes/clusters/infra';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[`${clusterFolder}/kustomization.yaml`] = files[
          `${clusterFolder}/kustomization.yaml`
        ]
          .replace(/\n.*\n.*lb-ippool-infra\.yaml\n/, '\n')
          .replace('  - vars.yaml\n', '  - vars.yaml\n  - flux.yaml\n');
        files[`${clusterFolder}/flux.yaml`] = [
          'apiVersion: source.toolkit.fluxcd.io/v1beta2',
          'kind: OCIRepository',
          'metadata: {name: flux-manifests, namespace: flux-system}',
          'spec: {interval: 10m, url: oci://ghcr.io/fluxcd/flux-manifests, ref: {tag: v2.5.1}}',
          '---',
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: flux, namespace: flux-system}',
          'spec: {interval: 10m, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: flux-manifests}}',
          '',
        ].join('\n');
      }),
      withDomain,
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.checks.find(c => c.ruleId === 'lb-ip-in-pool')).toMatchObject({
      outcome: 'fail',
      message: expect.not.stringContaining('may provide it'),
    });
  });

  it('does not wait on a Kustomization of CRDs from another source either (by its name, its source’s or its path)', () => {
    // the source's name says it (built from its root, its spec.ignore
    // keeping the CRD folder)
    const bySource = infraWith('gateway-api.yaml', [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: gateway-api, namespace: flux-system}',
      'spec:',
      '  interval: 1h',
      '  prune: true',
      '  sourceRef: {kind: GitRepository, name: gateway-api-crd}',
    ]);
    expect(bySource.infra.status).toBe('outside');
    const { report, infra } = infraWith('gateway-api.yaml', [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: gateway-api-crds',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1h',
      '  path: ./config/crd/experimental',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: gateway-api',
    ]);
    expect(infra.status).toBe('outside');
    expect(report.notEvaluated.map(f => f.message)).toContain(
      "Kustomization flux-system/gateway-api-crds builds GitRepository gateway-api (CRDs, by its name, its source's or its path), which no manifest of the repository defines (made outside it, by a bootstrap, or missing: then Flux cannot reconcile it), so whether it is this repository is not known; its objects are not evaluated",
    );
  });

  it('takes the conventions’ word for such a cluster', () => {
    const report = validateMesh(
      partlyRead,
      resolveConventions({ mesh: { exclude: ['apps', 'infra'] } }),
    );
    expect(report.clusters.map(c => c.status)).toEqual(['outside', 'outside']);
    expect(report.summary.status).toBe('outside');
  });
});

describe('rules the conventions switch off or change', () => {
  it('reports a rule switched off as not applicable, and one with another severity with it', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
        files[settings] = files[settings].replace(
          '"clustermesh-infra.${SECRET_DOMAIN}"',
          '"mesh-infra.${SECRET_DOMAIN}"',
        );
      }),
      resolveConventions({
        rules: { 'fqdn-convention': 'error', 'tls-san': 'off' },
      }),
    );
    const checks = [
      ...report.clusters.flatMap(c => c.checks),
      ...report.meshChecks,
    ];
    expect(
      checks.filter(
        c => c.ruleId === 'fqdn-convention' && c.outcome === 'fail',
      ),
    ).toEqual([
      expect.objectContaining({ cluster: 'infra', severity: 'error' }),
    ]);
    expect(checks.filter(c => c.ruleId === 'tls-san')).toEqual([
      {
        ruleId: 'tls-san',
        outcome: 'not-applicable',
        severity: 'info',
        message: 'switched off in the conventions (rules.tls-san: off)',
      },
    ]);
    expect(report.overrides).toEqual([
      {
        what: 'rule fqdn-convention as error',
        source: 'rules.fqdn-convention',
      },
      { what: 'rule tls-san switched off', source: 'rules.tls-san' },
    ]);
  });
});
