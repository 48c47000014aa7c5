import {
  withoutLbIp as withoutLbIpOf,
  describeRule,
  exampleChecks,
  exampleFile,
  filesTemplateChecks,
  filesTemplateFile,
  Files,
  replace,
  secretsByBootstrap,
} from '../__testUtils__/rules';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { validateMesh } from '../report/report';
import {
  bootstrapSync,
  exampleTree,
  fixtureFiles,
  fixtureTree,
  repositoryConventions,
  valuesFileMeshFiles,
} from '../__testUtils__/trees';
import { createRepoTree, type RepoTree } from '../tree/RepoTree';
import { settingsPresent } from './settings-present';

const withoutLbIp = withoutLbIpOf('infra');

/** The report of a tree with the conventions detected there and a written-out FQDN template. */
const reportWithTemplate = (tree: RepoTree) =>
  validateMesh(
    tree,
    resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
      detectConventions(tree),
    ),
  );

/**
 * Clusters alpha (id 1) and beta (id 2), each bootstrapped from its folder,
 * and one Cilium release in `infrastructure/cilium` (a folder Flux
 * generates no kustomization for) whose name and id are variables; `each`
 * adds a cluster's own files.
 */
function sharedCiliumClusters(
  each: (files: Record<string, string>, c: string, id: number) => void,
): Record<string, string> {
  const files: Record<string, string> = {
    'infrastructure/cilium/kustomization.yaml':
      'namespace: kube-system\nresources: [release.yaml]\n',
    'infrastructure/cilium/release.yaml':
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium}\nspec:\n  interval: 1h\n  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}\n  values:\n    cluster: {name: "${CLUSTER_NAME}", id: "${CLUSTER_ID}"}\n    clustermesh: {useAPIServer: true}\n',
  };
  for (const [c, id] of [
    ['alpha', 1],
    ['beta', 2],
  ] as const) {
    files[`clusters/${c}/flux-system/gotk-sync.yaml`] = bootstrapSync(
      `clusters/${c}`,
    );
    each(files, c, id);
  }
  return files;
}

/**
 * A cluster's apps Kustomization building `path`, whose patch gives every
 * child Kustomization these `postBuild` lines.
 */
const appsPatchingChildren = (path: string, postBuild: string[]) =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata: {name: apps, namespace: flux-system}',
    'spec:',
    '  interval: 10m',
    `  path: ${path}`,
    '  prune: true',
    '  sourceRef: {kind: GitRepository, name: flux-system}',
    '  patches:',
    '    - patch: |-',
    '        apiVersion: kustomize.toolkit.fluxcd.io/v1',
    '        kind: Kustomization',
    '        metadata: {name: not-used}',
    '        spec:',
    '          postBuild:',
    ...postBuild.map(line => `            ${line}`),
    '      target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}',
    '',
  ].join('\n');

describe('settings-present', () => {
  describeRule(settingsPresent, {
    edit: withoutLbIp,
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:10`,
      message: /CILIUM_CLUSTERMESH_LB_IP is not set/,
    },
  });

  it('calls a key missing from the settings found an error, even beside a remote resource: it only adds objects', () => {
    const checks = exampleChecks(files => {
      withoutLbIp(files);
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        '  - vars.yaml\n',
        '  - vars.yaml\n  - https://example.com/platform/crds.yaml\n',
      )(files);
    });
    expect(
      checks.find(
        c => c.ruleId === 'settings-present' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      outcome: 'fail',
      severity: 'error',
      message:
        'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings',
    });
  });

  it('calls a key missing from the settings an error beside a SOPS Secret a bootstrap applies: its keys are read, and it holds none of them', () => {
    const checks = exampleChecks(files => {
      withoutLbIp(files);
      secretsByBootstrap(files);
    });
    expect(
      checks.find(
        c => c.ruleId === 'settings-present' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      outcome: 'fail',
      message:
        'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings',
    });
  });

  it('says to add the keys to the settings where they are, not where the conventions keep them', () => {
    const result = exampleChecks(f => {
      f['kubernetes/clusters/infra/vars/settings.yaml'] = f[
        exampleFile.settings('infra')
      ].replace(/\n {2}CILIUM_CLUSTERMESH_LB_IP: .*/, '');
      delete f[exampleFile.settings('infra')];
      f['kubernetes/clusters/infra/vars/kustomization.yaml'] = f[
        'kubernetes/clusters/infra/vars/kustomization.yaml'
      ].replace('../cluster-settings.yaml', './settings.yaml');
    }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(result).toMatchObject({ outcome: 'fail' });
    expect(result.remediation).toBe(
      'Add `CILIUM_CLUSTERMESH_LB_IP` to `kubernetes/clusters/infra/vars/settings.yaml` (or run `clustermesh-dns configure`).',
    );
  });

  it('does not take the settings for hidden in a ResourceSet whose every object lands in another namespace (preview apps), and does where one may land anywhere', () => {
    const outcome = (namespaceLines: string) =>
      exampleChecks(f => {
        delete f[exampleFile.settings('infra')];
        f['kubernetes/clusters/infra/vars/kustomization.yaml'] = f[
          'kubernetes/clusters/infra/vars/kustomization.yaml'
        ].replace('  - ../cluster-settings.yaml\n', '');
        // a cluster with no settings yet, whose Cilium is not substituted
        replace(
          'kubernetes/clusters/infra/infrastructure.yaml',
          /\n {2}postBuild:[^]*$/,
          '\n',
        )(f);
        f['kubernetes/clusters/infra/previews.yaml'] = [
          'apiVersion: fluxcd.controlplane.io/v1',
          'kind: ResourceSet',
          'metadata: {name: previews, namespace: flux-system}',
          'spec:',
          '  inputsFrom:',
          '    - {kind: ResourceSetInputProvider, name: pull-requests}',
          '  resources:',
          '    - apiVersion: v1',
          '      kind: ConfigMap',
          '      metadata:',
          '        name: values-pr-<< inputs.id >>',
          namespaceLines,
          '    - apiVersion: kustomize.toolkit.fluxcd.io/v1',
          '      kind: Kustomization',
          '      metadata: {name: app-pr-<< inputs.id >>, namespace: preview}',
          '      spec:',
          '        path: ./apps/app',
          '        targetNamespace: preview',
          '        sourceRef: {kind: GitRepository, name: flux-system}',
          '',
        ].join('\n');
        f['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - previews.yaml\n';
      }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(outcome('        namespace: preview')).toMatchObject({
      outcome: 'fail',
      message:
        'no ConfigMap flux-system/cluster-settings is applied to the cluster',
    });
    expect(outcome('        namespace: << inputs.namespace >>')).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /^no ConfigMap flux-system\/cluster-settings is applied to the cluster; but the cluster uses what the engine does not evaluate, which may provide it: ResourceSet flux-system\/previews/,
      ),
    });
  });

  it('says too that the Kustomization applying the Cilium values must substitute, where it does not', () => {
    const result = exampleChecks(f => {
      withoutLbIpOf('infra')(f);
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        /\n {2}postBuild:\n[\s\S]*$/,
        '\n',
      )(f);
    }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(result.remediation).toBe(
      'Add `CILIUM_CLUSTERMESH_LB_IP` to `kubernetes/clusters/infra/cluster-settings.yaml` (or run `clustermesh-dns configure`). Kustomization flux-system/cluster-infra-infrastructure, which applies the Cilium values (kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml), does not substitute: give it `postBuild.substituteFrom: [{kind: ConfigMap, name: cluster-settings}]` too, or the variables never reach them.',
    );
  });

  it('says where configure would create the settings: listed in the resources of the kustomization that applies them, and substituted by the Kustomization applying the Cilium values', () => {
    const result = exampleChecks(f => {
      // a cluster with no settings yet, whose Cilium is not substituted
      delete f[exampleFile.settings('infra')];
      const vars = 'kubernetes/clusters/infra/vars/kustomization.yaml';
      f[vars] = f[vars].replace('  - ../cluster-settings.yaml\n', '');
      const infrastructure = 'kubernetes/clusters/infra/infrastructure.yaml';
      f[infrastructure] = f[infrastructure].replace(
        /\n {2}postBuild:[^]*$/,
        '\n',
      );
    }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(result).toMatchObject({
      outcome: 'fail',
      message:
        'no ConfigMap flux-system/cluster-settings is applied to the cluster',
      location: {
        file: 'kubernetes/clusters/infra/kustomization.yaml',
        line: 1,
      },
    });
    expect(result.remediation).toBe(
      'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to a ConfigMap `cluster-settings` in a new `kubernetes/clusters/infra/cluster-settings.yaml` (listed in the resources of `kubernetes/clusters/infra/kustomization.yaml`), and have Kustomization flux-system/cluster-infra-infrastructure, which applies the Cilium values, substitute from it (`postBuild.substituteFrom`); or run `clustermesh-dns configure`, which writes both.',
    );
  });

  it("reads the copy of the settings the Kustomization applying the Cilium values substitutes from, in its own namespace, not the settings namespace's", () => {
    const settings = (namespace: string, data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: ${namespace}}\ndata:\n${data}`;
    const files: Record<string, string> = {
      'infrastructure/cilium/kustomization.yaml':
        'namespace: kube-system\nresources: [release.yaml]\n',
      'infrastructure/cilium/release.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium}\nspec:\n  interval: 1h\n  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}\n  values:\n    cluster: {name: alpha, id: 1}\n    clustermesh: {useAPIServer: true}\n',
      'clusters/alpha/flux-system/gotk-sync.yaml':
        bootstrapSync('clusters/alpha'),
      // a namespace component's copies: flux-system's is stale
      'clusters/alpha/settings-flux-system.yaml': settings(
        'flux-system',
        '  CILIUM_CLUSTERMESH_FQDN: clustermesh-alpha.example.net\n',
      ),
      'clusters/alpha/settings-kube-system.yaml': settings(
        'kube-system',
        '  CILIUM_CLUSTERMESH_FQDN: clustermesh-alpha.example.net\n  CILIUM_CLUSTERMESH_LB_IP: 10.0.0.10\n',
      ),
      'clusters/alpha/infrastructure.yaml':
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: kube-system}\nspec:\n  interval: 10m\n  path: ./infrastructure/cilium\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n',
    };
    const report = reportWithTemplate(createRepoTree(files));
    const alpha = report.clusters.find(c => c.name === 'alpha')!;
    expect(alpha.lbIp?.value).toBe('10.0.0.10');
    expect(
      alpha.checks.find(k => k.ruleId === 'settings-present'),
    ).toMatchObject({
      outcome: 'pass',
      location: { file: 'clusters/alpha/settings-kube-system.yaml' },
    });
  });

  it("names, where the repository keeps no settings at all, where configure would write them (beside the variables given inline, or a file it would create, with the Kustomization to substitute from it), not the conventions' default path", () => {
    // folders Flux generates a kustomization for; one shared Cilium
    // release, substituted inline per cluster
    const files = sharedCiliumClusters((f, c, id) => {
      f[
        `clusters/${c}/infrastructure.yaml`
      ] = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./infrastructure/cilium\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n  postBuild:\n    substitute: {CLUSTER_NAME: ${c}, CLUSTER_ID: "${id}"}\n`;
    });
    const report = reportWithTemplate(createRepoTree(files));
    expect(
      report.clusters.map(c => [
        c.name,
        c.checks.find(k => k.ruleId === 'settings-present')?.remediation,
      ]),
    ).toEqual(
      ['alpha', 'beta'].map(c => [
        c,
        `Add \`CILIUM_CLUSTERMESH_FQDN\` and \`CILIUM_CLUSTERMESH_LB_IP\` to the postBuild.substitute at \`clusters/${c}/infrastructure.yaml:10\`, where the Kustomization applying the Cilium values gets its other variables; or give that Kustomization a ConfigMap \`cluster-settings\` of the cluster to substitute from (\`postBuild.substituteFrom\`), in its own namespace.`,
      ]),
    );
    // a team that keeps its settings in ConfigMaps (settings.create: always)
    const tree = createRepoTree(files);
    const inConfigMaps = validateMesh(
      tree,
      resolveConventions(
        {
          fqdnTemplate: 'clustermesh-{cluster}.example.net',
          settings: { create: 'always' },
        },
        detectConventions(tree),
      ),
    );
    expect(
      inConfigMaps.clusters.map(c => [
        c.name,
        c.checks.find(k => k.ruleId === 'settings-present')?.remediation,
      ]),
    ).toEqual(
      ['alpha', 'beta'].map(c => [
        c,
        `Add \`CILIUM_CLUSTERMESH_FQDN\` and \`CILIUM_CLUSTERMESH_LB_IP\` to a ConfigMap \`cluster-settings\` in a new \`clusters/${c}/cluster-settings.yaml\`, and have Kustomization flux-system/infra, which applies the Cilium values, substitute from it (\`postBuild.substituteFrom\`); or run \`clustermesh-dns configure\`, which writes both.`,
      ]),
    );
    // beside a Kustomization of another repository (not evaluated): the
    // Cilium values are substituted only inline, so nothing it makes could
    // bring them a ConfigMap
    files['clusters/alpha/apps.yaml'] =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {interval: 10m, path: ./deploy, prune: true, sourceRef: {kind: GitRepository, name: platform-apps}}\n';
    const beside = createRepoTree(files);
    const alpha = validateMesh(
      beside,
      resolveConventions(
        { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
        detectConventions(beside),
      ),
    )
      .clusters.find(c => c.name === 'alpha')!
      .checks.find(k => k.ruleId === 'settings-present')!;
    expect(alpha).toMatchObject({
      outcome: 'fail',
      message:
        'no ConfigMap flux-system/cluster-settings is applied to the cluster, and Kustomization flux-system/infra, which applies the Cilium values, substitutes only its own postBuild.substitute, which does not set CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP',
      // at that substitution, where the variables would go
      location: { file: 'clusters/alpha/infrastructure.yaml', line: 10 },
    });
  });

  it('says where the Kustomization applying the Cilium values substitutes from Secrets only, at the list a parent patch sets', () => {
    const files = sharedCiliumClusters((f, c, id) => {
      f[
        `clusters/${c}/secrets.yaml`
      ] = `apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData: {CLUSTER_NAME: ${c}, CLUSTER_ID: "${id}"}\n`;
      // the apps Kustomization's patch gives every child its substitution
      f[`clusters/${c}/apps.yaml`] = appsPatchingChildren(`./apps/${c}`, [
        'substituteFrom:',
        '  - {kind: Secret, name: cluster-secrets}',
      ]);
      f[
        `apps/${c}/cilium.yaml`
      ] = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: cilium, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./infrastructure/cilium\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n`;
    });
    const report = reportWithTemplate(createRepoTree(files));
    const alpha = report.clusters
      .find(c => c.name === 'alpha')!
      .checks.find(k => k.ruleId === 'settings-present')!;
    expect(alpha).toMatchObject({
      outcome: 'fail',
      message:
        'no ConfigMap flux-system/cluster-settings is applied to the cluster, and Kustomization flux-system/cilium, which applies the Cilium values, substitutes from Secret cluster-secrets only, which does not set CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP',
      // the list the parent's patch sets, where the ConfigMap is to be named
      location: { file: 'clusters/alpha/apps.yaml' },
    });
  });

  it("names, as the remedy, the substitute a parent's patch gives the Cilium Kustomization, where configure cannot create settings (auricom's and Arcus' copies)", () => {
    const files = sharedCiliumClusters((f, c, id) => {
      // one folder of apps both clusters apply, their values by the patch
      f[`clusters/${c}/apps.yaml`] = appsPatchingChildren('./apps', [
        'substitute:',
        `  CLUSTER_NAME: ${c}`,
        `  CLUSTER_ID: "${id}"`,
      ]);
      f[
        'apps/cilium.yaml'
      ] = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  interval: 10m\n  path: ./infrastructure/cilium\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n`;
    });
    const alpha = reportWithTemplate(createRepoTree(files))
      .clusters.find(c => c.name === 'alpha')!
      .checks.find(k => k.ruleId === 'settings-present')!;
    expect(alpha).toMatchObject({
      outcome: 'fail',
      // the substitute on its own line of the patch text
      location: { file: 'clusters/alpha/apps.yaml', line: 16 },
      remediation:
        'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to the postBuild.substitute at `clusters/alpha/apps.yaml:16`, where the Kustomization applying the Cilium values gets its other variables; or give that Kustomization a ConfigMap `cluster-settings` of the cluster to substitute from (`postBuild.substituteFrom`), in its own namespace.',
    });

    // Doc-Home-ops' copy: each cluster's settings ConfigMap beside, which
    // the parent reads and the Cilium Kustomization does not
    for (const c of ['alpha', 'beta']) {
      files[
        `clusters/${c}/settings.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata: {CLUSTER_NAME: ${c}}\n`;
      files[`clusters/${c}/apps.yaml`] = files[
        `clusters/${c}/apps.yaml`
      ].replace(
        '  patches:\n',
        '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n  patches:\n',
      );
    }
    const patched = reportWithTemplate(createRepoTree(files))
      .clusters.find(c => c.name === 'alpha')!
      .checks.find(k => k.ruleId === 'settings-present')!;
    expect(patched).toMatchObject({
      outcome: 'fail',
      message:
        "CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set where Kustomization kube-system/cilium reads them: it applies the Cilium values and substitutes only the postBuild.substitute a parent's patch gives it, which ConfigMap flux-system/cluster-settings does not reach",
      location: { file: 'clusters/alpha/apps.yaml', line: 19 },
      remediation:
        'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to the postBuild.substitute that patch gives, at `clusters/alpha/apps.yaml:19` (configure does not edit the text of a patch); or give that Kustomization a ConfigMap `cluster-settings` of the cluster to substitute from (`postBuild.substituteFrom`), in its own namespace.',
    });
  });

  it('names the settings ConfigMap it read, in the namespace where the Kustomization applying the Cilium values substitutes it from', () => {
    const result = exampleChecks(f => {
      withoutLbIp(f);
      const settings = exampleFile.settings('infra');
      f[settings] = f[settings].replace(
        'namespace: flux-system',
        'namespace: kube-system',
      );
      const infrastructure = 'kubernetes/clusters/infra/infrastructure.yaml';
      f[infrastructure] = f[infrastructure].replace(
        'namespace: flux-system',
        'namespace: kube-system',
      );
    }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(result.message).toMatch(
      /^CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap kube-system\/cluster-settings[;,]/,
    );
  });

  it('does not say a key is missing from a settings ConfigMap the repository does not hold, when a source made outside it may set it', () => {
    const result = exampleChecks(f => {
      // the settings ConfigMap is made outside the repository
      delete f[exampleFile.settings('infra')];
      f['kubernetes/clusters/infra/vars/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '        name: cluster-settings\n',
        '        name: bootstrap-settings\n',
      )(f);
    }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra')!;
    expect(result).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /^CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are set in no file of the repository \(no ConfigMap flux-system\/cluster-settings is in it\); .* may set them, but its keys are not known here$/,
      ),
    });
  });

  it('does not call a key missing when what the engine does not evaluate may change the settings', () => {
    const checks = exampleChecks(files => {
      withoutLbIp(files);
      // a transformer of the settings' own build may add the key
      replace(
        'kubernetes/clusters/infra/vars/kustomization.yaml',
        '  - ../cluster-settings.yaml\n',
        '  - ../cluster-settings.yaml\ntransformers:\n  - ./labels.yaml\n',
      )(files);
    });
    const infra = checks.find(
      c => c.ruleId === 'settings-present' && c.cluster === 'infra',
    );
    expect(infra).toMatchObject({
      outcome: 'not-evaluated',
      severity: 'info',
      message:
        'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings; but the cluster uses what the engine does not evaluate, which may provide it: uses "transformers", which this engine does not evaluate; objects built from kubernetes/clusters/infra/vars/ may differ from what Flux applies (kubernetes/clusters/infra/vars/kustomization.yaml:5)',
    });
    expect(infra).not.toHaveProperty('remediation');
  });

  describe('where a part that is not read acts decides what it may hide', () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    /** Cilium's release also takes a certificate from a Secret (not read). */
    const ciliumValuesFromSecret = (files: Record<string, string>) => {
      replace(
        exampleFile.helmRelease,
        'spec:\n  interval: 30m\n',
        'spec:\n  interval: 30m\n  valuesFrom:\n    - kind: Secret\n      name: cilium-creds\n      targetPath: clustermesh.config.clusters[0].tls.cert\n',
      )(files);
      files[`${core}/creds.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-creds\n  namespace: kube-system\nstringData:\n  cert: x\n';
      replace(
        `${core}/kustomization.yaml`,
        '  - helmrelease.yaml\n',
        '  - helmrelease.yaml\n  - creds.yaml\n',
      )(files);
    };
    const infraCheck = (
      checks: ReturnType<typeof exampleChecks>,
      rule: string,
    ) => checks.find(c => c.ruleId === rule && c.cluster === 'infra');

    it("a release's values read from a Secret may hide a field of that release's values it may set, never a settings key", () => {
      const withoutAnnotation = replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '',
      );
      const checks = (targetPath: string) =>
        exampleChecks(files => {
          ciliumValuesFromSecret(files);
          files[exampleFile.helmRelease] = files[
            exampleFile.helmRelease
          ].replace(
            'targetPath: clustermesh.config.clusters[0].tls.cert',
            `targetPath: ${targetPath}`,
          );
          withoutLbIp(files);
          withoutAnnotation(files);
        });
      // the Secret may set the annotation: not called missing
      const annotated = checks(
        'clustermesh.apiserver.service.annotations.lbipam\\.cilium\\.io/ips',
      );
      expect(infraCheck(annotated, 'settings-present')).toMatchObject({
        outcome: 'fail',
        severity: 'error',
        message:
          'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings',
      });
      expect(infraCheck(annotated, 'service-annotation')).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'may provide it: HelmRelease kube-system/cilium takes values from Secret kube-system/cilium-creds',
        ),
      });
      // a peer's certificate: nothing a check reads
      const certificate = checks('clustermesh.config.clusters[0].tls.cert');
      expect(infraCheck(certificate, 'service-annotation')).toMatchObject({
        outcome: 'fail',
        severity: 'error',
      });
    });

    it('keeps a NodePort written in the values an error whatever a Secret of the release may add', () => {
      const checks = exampleChecks(files => {
        ciliumValuesFromSecret(files);
        replace(
          exampleFile.helmRelease,
          'targetPath: clustermesh.config.clusters[0].tls.cert',
          'targetPath: clustermesh.apiserver.service.annotations.lbipam\\.cilium\\.io/ips',
        )(files);
        replace(
          exampleFile.helmRelease,
          '          type: LoadBalancer\n          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
          '          type: NodePort\n',
        )(files);
      });
      expect(infraCheck(checks, 'service-annotation')).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^clustermesh.apiserver.service.type is "NodePort", not "LoadBalancer"/,
        ),
      });
    });

    it('names one Secret read for several paths once, with its paths', () => {
      const report = validateMesh(
        exampleTree('gitops-repo', files => {
          ciliumValuesFromSecret(files);
          replace(
            exampleFile.helmRelease,
            '      targetPath: clustermesh.config.clusters[0].tls.cert\n',
            '      targetPath: clustermesh.config.clusters[0].tls.cert\n    - kind: Secret\n      name: cilium-creds\n      targetPath: clustermesh.config.clusters[0].tls.key\n',
          )(files);
        }),
        resolveConventions({ values: { SECRET_DOMAIN: 'example.net' } }),
      );
      expect(
        report.notEvaluated
          .filter(f => f.message.includes('cilium-creds'))
          .map(f => [f.message, f.location?.line]),
      ).toEqual([
        [
          'HelmRelease kube-system/cilium takes values from Secret kube-system/cilium-creds (2 entries: clustermesh.config.clusters[0].tls.cert, clustermesh.config.clusters[0].tls.key); secret values are not read',
          11,
        ],
      ]);
    });

    it("a transformer of another Flux Kustomization's build cannot change the settings", () => {
      const checks = exampleChecks(files => {
        withoutLbIp(files);
        // in the infrastructure, which the settings' Kustomization does not build
        replace(
          `${core}/kustomization.yaml`,
          '  - helmrelease.yaml\n',
          '  - helmrelease.yaml\ntransformers:\n  - ./labels.yaml\n',
        )(files);
      });
      expect(infraCheck(checks, 'settings-present')).toMatchObject({
        outcome: 'fail',
        severity: 'error',
      });
    });
  });

  it("fails entries set in a settings ConfigMap that no Kustomization applying the Cilium values reads, saying where it reads them (npawelek's copy)", () => {
    /** infra's Cilium Kustomization substitutes from a ConfigMap of its own, holding `data` (the settings' entries not in it). */
    const readingOwn = (data: string, edit?: (files: Files) => void) =>
      exampleChecks(files => {
        replace(
          'kubernetes/clusters/infra/infrastructure.yaml',
          '        name: cluster-settings\n',
          '        name: cilium-settings\n',
        )(files);
        files[
          'kubernetes/clusters/infra/cilium-settings.yaml'
        ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-settings, namespace: flux-system}\ndata:\n  CLUSTER_NAME: infra\n  CLUSTER_ID: "1"\n${data}`;
        replace(
          'kubernetes/clusters/infra/kustomization.yaml',
          '  - vars.yaml\n',
          '  - vars.yaml\n  - cilium-settings.yaml\n',
        )(files);
        edit?.(files);
      }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra');
    expect(readingOwn('')).toMatchObject({
      outcome: 'fail',
      message:
        'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are set in ConfigMap flux-system/cluster-settings, but not where Kustomization flux-system/cluster-infra-infrastructure reads them: it applies the Cilium values and substitutes from ConfigMap flux-system/cilium-settings, Secret flux-system/cluster-secrets, not from that ConfigMap, which no Kustomization applying the Cilium values or a DNSEndpoint reads',
      remediation: expect.stringMatching(/^Move `CILIUM_CLUSTERMESH_FQDN`/),
    });
    // thomloy's copy: the values say the name and the address themselves
    // (the LB IP from a parent's patch): the entries are only unused
    const written = readingOwn(
      '  CILIUM_CLUSTERMESH_LB_IP: 10.25.11.100\n  CILIUM_CLUSTERMESH_APPS_FQDN: clustermesh-apps.${SECRET_DOMAIN}\n',
      replace(
        exampleFile.helmRelease,
        '- ${CILIUM_CLUSTERMESH_FQDN}',
        '- clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
      ),
    );
    expect(written?.message).not.toMatch(/not where Kustomization/);
  });

  describe('beside a substitution source made outside the repository (Terraform)', () => {
    /** infra's infrastructure also substitutes from a ConfigMap no file defines. */
    const fromOutside = (files: Record<string, string>) =>
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '      - kind: Secret\n        name: cluster-secrets\n',
        '      - kind: Secret\n        name: cluster-secrets\n      - kind: ConfigMap\n        name: bootstrap-settings\n        optional: true\n',
      )(files);

    it('does not call a variable missing: the source may define it', () => {
      const infra = exampleChecks(files => {
        withoutLbIp(files);
        fromOutside(files);
      }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra');
      expect(infra).toMatchObject({
        outcome: 'not-evaluated',
        message:
          'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings; ConfigMap flux-system/bootstrap-settings (from outside the repository) may set it, but its keys are not known here',
      });
    });

    it("says a source the repository has only in another namespace is made outside it, if at all, not that another namespace's files hold it (shelmus' copy)", () => {
      const infra = exampleChecks(files => {
        withoutLbIp(files);
        fromOutside(files);
        // required: Flux fails without it (the flux-error says so)
        replace(
          'kubernetes/clusters/infra/infrastructure.yaml',
          '        name: bootstrap-settings\n        optional: true\n',
          '        name: bootstrap-settings\n',
        )(files);
        // a ConfigMap of that name the cluster applies in another namespace
        files['kubernetes/clusters/infra/bootstrap-settings.yaml'] =
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bootstrap-settings, namespace: kube-system}\ndata: {NODE_CIDR: 10.0.0.0/24}\n';
        replace(
          'kubernetes/clusters/infra/kustomization.yaml',
          '  - vars.yaml\n',
          '  - vars.yaml\n  - bootstrap-settings.yaml\n',
        )(files);
      }).find(c => c.ruleId === 'settings-present' && c.cluster === 'infra');
      expect(infra).toMatchObject({
        outcome: 'not-evaluated',
        message:
          'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings; ConfigMap flux-system/bootstrap-settings (from outside the repository, whose ConfigMap bootstrap-settings is in another namespace (kubernetes/clusters/infra/bootstrap-settings.yaml)) may set it, but its keys are not known here',
      });
    });

    it('still calls a missing DNSEndpoint and a missing certificate name errors: substitution adds no object and no field', () => {
      const checks = exampleChecks(files => {
        fromOutside(files);
        replace(
          'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
          '  - dnsendpoint.yaml\n',
          '',
        )(files);
        replace(
          exampleFile.helmRelease,
          '            extraDnsNames:\n              - ${CILIUM_CLUSTERMESH_FQDN}\n',
          '',
        )(files);
      }).filter(c => c.cluster === 'infra');
      for (const rule of ['dnsendpoint-included', 'tls-san'])
        expect(checks.find(c => c.ruleId === rule)).toMatchObject({
          outcome: 'fail',
          severity: 'error',
        });
    });
  });

  describe('where the Kustomization applying the Cilium values substitutes only inline (the settings ConfigMap never reaches them)', () => {
    const checksOf = (edit?: (f: Record<string, string>) => void) => {
      const tree = fixtureTree('configure-inline-only/repo', edit);
      return validateMesh(
        tree,
        resolveConventions({}, detectConventions(tree)),
      ).clusters.flatMap(c =>
        c.checks
          .filter(k => k.ruleId === 'settings-present')
          .map(k => ({ ...k, remediation: k.remediation })),
      );
    };

    it('fails at that postBuild.substitute, even with the variables in the settings ConfigMap', () => {
      const inSettings = (f: Record<string, string>) => {
        for (const c of ['infra', 'apps'])
          f[`kubernetes/clusters/${c}/cluster-settings.yaml`] +=
            '  CILIUM_CLUSTERMESH_FQDN: clustermesh-x.example.net\n  CILIUM_CLUSTERMESH_LB_IP: 10.25.11.100\n';
      };
      for (const edit of [undefined, inSettings])
        expect(checksOf(edit)[1]).toMatchObject({
          cluster: 'infra',
          outcome: 'fail',
          message:
            'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set where Kustomization kube-system/cilium reads them: it applies the Cilium values and substitutes only its own postBuild.substitute, which ConfigMap flux-system/cluster-settings does not reach',
          location: { file: 'kubernetes/apps/infra/cilium.yaml', line: 14 },
          remediation:
            'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to the postBuild.substitute in `kubernetes/apps/infra/cilium.yaml` (or run `clustermesh-dns configure`).',
        });
    });

    it("takes the settings as reaching the values when a parent's patches give that Kustomization substituteFrom", () => {
      const patched = (f: Record<string, string>) => {
        for (const c of ['infra', 'apps']) {
          f[`kubernetes/clusters/${c}/apps.yaml`] +=
            '  patches:\n    - patch: |\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          postBuild:\n            substituteFrom:\n              - kind: ConfigMap\n                name: cluster-settings\n      target:\n        kind: Kustomization\n';
          f[`kubernetes/apps/${c}/cluster-settings.yaml`] =
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-x.example.net\n  CILIUM_CLUSTERMESH_LB_IP: 10.25.11.100\n';
          f[`kubernetes/apps/${c}/kustomization.yaml`] +=
            '  - cluster-settings.yaml\n';
        }
      };
      expect(
        checksOf(patched).map(c => [c.outcome, c.message.slice(0, 40)]),
      ).not.toContainEqual(['fail', expect.anything()]);
    });

    it("points at the Kustomization's own file though a parent's patch adds to its postBuild.substitute", () => {
      const patched = (f: Record<string, string>) => {
        for (const c of ['infra', 'apps'])
          f[`kubernetes/clusters/${c}/apps.yaml`] +=
            '  patches:\n    - patch: |\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          postBuild:\n            substitute:\n              CLUSTER: ${CLUSTER}\n      target:\n        kind: Kustomization\n';
      };
      expect(checksOf(patched)[1]).toMatchObject({
        cluster: 'infra',
        outcome: 'fail',
        location: { file: 'kubernetes/apps/infra/cilium.yaml', line: 14 },
      });
    });

    it('passes with them there', () => {
      const inline = (f: Record<string, string>) => {
        for (const c of ['infra', 'apps'])
          f[`kubernetes/apps/${c}/cilium.yaml`] +=
            '      CILIUM_CLUSTERMESH_FQDN: clustermesh-x.example.net\n      CILIUM_CLUSTERMESH_LB_IP: 10.25.11.100\n';
      };
      expect(checksOf(inline).map(c => c.outcome)).toEqual(['pass', 'pass']);
    });
  });

  /** Cluster b's settings-present check on the own-folder-entry fixture, edited. */
  const ownFolderCheckOfB = (
    edit: (files: Record<string, string>) => void,
    explicit = {},
  ) => {
    const tree = fixtureTree('configure-own-folder-entry/repo', edit);
    return validateMesh(
      tree,
      resolveConventions(explicit, detectConventions(tree)),
    )
      .clusters.find(c => c.name === 'b')!
      .checks.find(c => c.ruleId === 'settings-present');
  };

  it('says when the settings ConfigMap is made outside the repository and the Kustomization applying the Cilium values does not substitute from it', () => {
    const check = ownFolderCheckOfB(
      files => {
        // an installer makes ConfigMap platform (no file defines it); only
        // b's apps Kustomization substitutes from it
        files['clusters/b/flux/sync.yaml'] += [
          '---',
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: apps, namespace: flux-system}',
          'spec:',
          '  interval: 10m',
          '  path: ./clusters/b/apps/other',
          '  prune: true',
          '  sourceRef: {kind: GitRepository, name: flux-system}',
          '  postBuild:',
          '    substituteFrom:',
          '      - {kind: ConfigMap, name: platform}',
          '',
        ].join('\n');
        files['clusters/b/apps/other/kustomization.yaml'] =
          'resources: [app.yaml]\n';
        files['clusters/b/apps/other/app.yaml'] =
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {zone: "${ZONE}"}\n';
      },
      { settings: { configMap: 'platform' } },
    );
    expect(check).toMatchObject({
      outcome: 'fail',
      message:
        'ConfigMap flux-system/platform is made outside the repository (no manifest of the repository defines it; Kustomization flux-system/apps substitutes from it), and Kustomization flux-system/cilium, which applies the Cilium values, does not substitute from it: whatever it holds never reaches them',
      location: { file: 'clusters/b/flux/sync.yaml', line: 20 },
    });
  });

  it('names the settings ConfigMap in the namespace of the Kustomization applying the Cilium values, where Flux would read it', () => {
    const checks = exampleChecks(files => {
      // infra's settings are gone; its infrastructure is reconciled from kube-system
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        '  - vars.yaml\n',
        '',
      )(files);
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '  namespace: flux-system\n',
        '  namespace: kube-system\n',
      )(files);
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '    name: flux-system\n',
        '    name: flux-system\n    namespace: flux-system\n',
      )(files);
    });
    expect(
      checks.find(
        c => c.ruleId === 'settings-present' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      // the secrets it also reads are not applied in kube-system: unknown
      outcome: 'not-evaluated',
      message: expect.stringContaining(
        '(no ConfigMap kube-system/cluster-settings is in it)',
      ),
    });
  });

  it('names the ConfigMaps the Cilium values are substituted from when the settings ConfigMap is not applied', () => {
    // b keeps its settings under another name than a's
    const check = ownFolderCheckOfB(files => {
      files['clusters/b/flux/cluster-settings.yaml'] = files[
        'clusters/b/flux/cluster-settings.yaml'
      ].replace('name: cluster-settings', 'name: cluster-vars');
      files['clusters/b/flux/sync.yaml'] = files[
        'clusters/b/flux/sync.yaml'
      ].replace('name: cluster-settings', 'name: cluster-vars');
    });
    expect(check).toMatchObject({
      outcome: 'fail',
      message:
        "no ConfigMap flux-system/cluster-settings is applied to the cluster; Kustomization flux-system/cilium, which applies its Cilium values, substitutes from ConfigMap cluster-vars: if one holds the cluster's settings, name it in the conventions' settings.configMap",
    });
  });

  describe('in a cluster folder without a kustomization, whose apps each have a Flux Kustomization', () => {
    /** `one`: Cilium (no settings anywhere) and an app substituting from an optional Secret no file defines. */
    const report = (
      optionalSecretOn: 'mail' | 'cilium' | 'entry' | 'pools',
      /** No Cilium installed: the cluster is outside the mesh. */
      withoutCilium = false,
    ) => {
      const flux = (name: string, path: string, extra = '') =>
        `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
      const optional =
        '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: oidc-credentials\n        optional: true\n';
      const files: Record<string, string> = {
        'kubernetes/clusters/one/bootstrap/entrypoint.yaml': flux(
          'cluster-apps',
          './kubernetes/clusters/one/apps',
          optionalSecretOn === 'entry' ? optional : '',
        ),
        'kubernetes/clusters/one/apps/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cilium.yaml\n  - mail.yaml\n${
          optionalSecretOn === 'pools' ? '  - pools.yaml\n' : ''
        }`,
        'kubernetes/clusters/one/apps/pools.yaml': flux(
          'pools',
          './kubernetes/apps/pools',
          optional,
        ),
        'kubernetes/apps/pools/pool.yaml':
          'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\nspec:\n  blocks:\n    - cidr: ${POOL_CIDR}\n',
        'kubernetes/clusters/one/apps/cilium.yaml': flux(
          'cilium',
          './kubernetes/apps/cilium',
          `  targetNamespace: kube-system\n${
            optionalSecretOn === 'cilium' ? optional : ''
          }`,
        ),
        'kubernetes/clusters/one/apps/mail.yaml': flux(
          'mail',
          './kubernetes/apps/mail',
          optionalSecretOn === 'mail' ? optional : '',
        ),
        'kubernetes/apps/cilium/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - helmrelease.yaml\n',
        'kubernetes/apps/cilium/helmrelease.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\nspec:\n  chart:\n    spec:\n      chart: cilium\n      version: 1.17.4\n  values:\n    cluster:\n      name: one\n      id: 1\n    clustermesh:\n      useAPIServer: true\n',
        'kubernetes/apps/mail/configmap.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mail\n  namespace: default\ndata:\n  client: ${CLIENT_ID:=none}\n',
      };
      if (withoutCilium)
        delete files['kubernetes/apps/cilium/helmrelease.yaml'];
      const tree = createRepoTree(files);
      // the domain given: the FQDN template is no guess, so the settings
      // it needs are checked
      return validateMesh(
        tree,
        resolveConventions(
          { values: { SECRET_DOMAIN: 'example.net' } },
          detectConventions(tree),
        ),
      );
    };
    const checksNotEvaluated = (
      r: Pick<MeshReport, 'clusters' | 'meshChecks'>,
    ) =>
      [...r.meshChecks, ...r.clusters.flatMap(c => c.checks)].filter(
        c => c.outcome === 'not-evaluated',
      ).length;
    const repository = (optionalSecretOn: 'mail' | 'cilium' | 'entry') =>
      report(optionalSecretOn).clusters.find(c => c.name === 'one')!;

    it("fails without settings, whatever an app's own optional Secret holds, and points at a file", () => {
      const one = repository('mail');
      expect(
        one.checks.find(c => c.ruleId === 'settings-present'),
      ).toMatchObject({
        outcome: 'fail',
        message:
          'no ConfigMap flux-system/cluster-settings is applied to the cluster',
        // the cluster folder has no kustomization: the one under it
        location: {
          file: 'kubernetes/clusters/one/apps/kustomization.yaml',
          line: 1,
        },
      });
      // no finding of the cluster points at its bare folder
      expect(
        one.checks.filter(c => c.location?.file === 'kubernetes/clusters/one'),
      ).toEqual([]);
    });

    it("points at the Kustomization of the Cilium values where it is declared outside the cluster's folder, not at an unrelated build in it (iamryanmacdonald's oci)", () => {
      const flux = (name: string, path: string) =>
        `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
      const files: Record<string, string> = {
        'kubernetes/clusters/one/flux-system/sync.yaml': flux(
          'flux-system',
          './kubernetes/clusters/one',
        ),
        'kubernetes/clusters/one/apps.yaml': flux(
          'apps',
          './kubernetes/apps/one',
        ),
        // Flux's own instance values, a build of the cluster's folder
        'kubernetes/clusters/one/flux-system/instance/app/kustomization.yaml':
          'configMapGenerator:\n  - name: flux-instance-values\n    literals: [a=b]\n',
        'kubernetes/apps/one/kustomization.yaml':
          'resources:\n  - cilium.yaml\n',
        'kubernetes/apps/one/cilium.yaml': flux(
          'cilium',
          './kubernetes/apps/cilium',
        ),
        'kubernetes/apps/cilium/kustomization.yaml':
          'resources:\n  - helmrelease.yaml\n',
        'kubernetes/apps/cilium/helmrelease.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  chart:\n    spec:\n      chart: cilium\n      version: 1.17.4\n  values:\n    cluster:\n      name: one\n      id: 1\n    clustermesh:\n      useAPIServer: true\n',
      };
      const tree = createRepoTree(files);
      const one = validateMesh(
        tree,
        resolveConventions({}, detectConventions(tree)),
      ).clusters.find(c => c.name === 'one')!;
      expect(
        one.checks.find(c => c.ruleId === 'settings-present')?.location,
      ).toEqual({ file: 'kubernetes/apps/one/cilium.yaml', line: 1 });
    });

    it("lists an app's own Secret as not read, but not as a check not evaluated", () => {
      const { notEvaluated, summary, ...checked } = report('mail');
      expect(notEvaluated).toEqual([
        expect.objectContaining({
          severity: 'info',
          message: expect.stringContaining(
            'Kustomization flux-system/mail substitutes from Secret flux-system/oidc-credentials (optional), which no manifest of the repository defines',
          ),
        }),
      ]);
      // the checks not evaluated, not the Secret
      expect(summary.unevaluated).toBe(checksNotEvaluated(checked));
    });

    it("fails without settings, whatever a Secret only the pools' Kustomization reads holds: it is not where the checks read the variables", () => {
      const { clusters } = report('pools');
      expect(
        clusters[0].checks.find(c => c.ruleId === 'settings-present'),
      ).toMatchObject({ outcome: 'fail' });
    });

    it('counts a Secret a Kustomization above the one applying the Cilium values substitutes from (it writes its children), though it cannot make the settings', () => {
      const { notEvaluated, summary, ...checked } = report('entry');
      expect(notEvaluated).toEqual([
        expect.objectContaining({ severity: 'warning' }),
      ]);
      expect(
        checked.clusters[0].checks.find(c => c.ruleId === 'settings-present'),
      ).toMatchObject({ outcome: 'fail' });
      expect(summary.unevaluated).toBe(checksNotEvaluated(checked) + 1);
    });

    it('lists that Secret as not read, not as not evaluated, when the cluster has no Cilium: outside the mesh whatever it holds', () => {
      const { notEvaluated, summary, clusters } = report('entry', true);
      expect(clusters[0].membership).toMatchObject({
        member: false,
        reason: expect.stringContaining('no HelmRelease cilium is applied'),
      });
      expect(notEvaluated).toEqual([
        expect.objectContaining({
          severity: 'info',
          message: expect.stringContaining(
            'Kustomization flux-system/cluster-apps substitutes from Secret flux-system/oidc-credentials (optional)',
          ),
        }),
      ]);
      expect(summary.unevaluated).toBe(0);
    });

    it('is not evaluated when the Kustomization applying the Cilium values substitutes from that Secret', () => {
      expect(
        repository('cilium').checks.find(c => c.ruleId === 'settings-present'),
      ).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'Secret flux-system/oidc-credentials (from outside the repository) may set them, but its keys are not known here',
        ),
      });
    });
  });

  describe('with the FQDN as a template in the files Flux substitutes (settings stored verbatim, SECRET_DOMAIN only in a SOPS Secret)', () => {
    const checksOf = (edit?: Parameters<typeof filesTemplateChecks>[0]) =>
      filesTemplateChecks(edit).filter(
        c => c.ruleId === 'settings-present' && c.cluster === 'infra',
      );

    it('requires only the LB IP, and says where the FQDN comes from and why', () => {
      expect(checksOf()).toEqual([
        expect.objectContaining({
          outcome: 'pass',
          message: expect.stringMatching(
            /^CILIUM_CLUSTERMESH_LB_IP = "10\.25\.11\.100"; FQDN "clustermesh-infra\.<secret:SECRET_DOMAIN>" by template .* in kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml, not a settings variable: .*stores its values verbatim, and SECRET_DOMAIN is secret/,
          ),
        }),
      ]);
    });

    it('fails for the LB IP alone when it is missing', () => {
      expect(
        checksOf(
          replace(
            filesTemplateFile.settings('infra'),
            '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n',
            '',
          ),
        ),
      ).toEqual([
        expect.objectContaining({
          outcome: 'fail',
          message:
            'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings',
          location: { file: filesTemplateFile.settings('infra'), line: 11 },
        }),
      ]);
    });

    it('requires the FQDN variable when no file names the FQDN by the template', () => {
      expect(
        checksOf(files => {
          replace(
            filesTemplateFile.helmRelease,
            '              - clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}\n',
            '              - clustermesh.example.org\n',
          )(files);
          replace(
            filesTemplateFile.dnsEndpoint,
            'dnsName: clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
            'dnsName: mesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
          )(files);
        }),
      ).toEqual([
        expect.objectContaining({
          outcome: 'fail',
          message:
            'CILIUM_CLUSTERMESH_FQDN is not set in ConfigMap flux-system/cluster-settings',
        }),
      ]);
    });
  });
});

describe('settings-present where nothing reads the settings (Cilium values in plain files another installer reads, records made by hand)', () => {
  /** The fixture's two clusters with ClusterMesh on in their values files, given as written out. */
  const meshFiles = valuesFileMeshFiles;
  const settingsChecks = (files: Record<string, string>) =>
    validateMesh(createRepoTree(files), repositoryConventions(files))
      .clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'settings-present');

  it('does not apply, and says why: no settings ConfigMap is wanted', () => {
    const checks = settingsChecks(meshFiles());
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['east', 'not-applicable'],
      ['west', 'not-applicable'],
    ]);
    expect(checks[0].message).toBe(
      'no settings ConfigMap is needed (nothing would read one: the Cilium values are plain values files (conventions cilium.valuesFile: terraform/cilium/values-{cluster}.yaml), which Flux does not substitute and which hold the FQDN and LB IP written out, DNS mode is manual (no DNSEndpoint), and no file of the repository names CILIUM_CLUSTERMESH_FQDN or CILIUM_CLUSTERMESH_LB_IP)',
    );
    expect(checks[0].location).toMatchObject({
      file: 'terraform/cilium/values-east.yaml',
    });
  });

  it('still applies where a file names a settings variable (an installer that templates the values from it)', () => {
    const checks = settingsChecks(
      meshFiles(files => {
        files['terraform/cilium.tf'] = [
          'resource "helm_release" "cilium" {',
          '  values = [templatefile("cilium/values.yaml", { lb_ip = var.CILIUM_CLUSTERMESH_LB_IP })]',
          '}',
          '',
        ].join('\n');
      }),
    );
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['east', 'fail'],
      ['west', 'fail'],
    ]);
  });

  it("applies only to the cluster whose generator reads a file naming a settings variable, not to the others (tvories' values.yaml of a configMapGenerator)", () => {
    const checks = settingsChecks(
      meshFiles(files => {
        const dir = 'clusters/east/network';
        files[`${dir}/kustomization.yaml`] +=
          'configMapGenerator:\n  - name: gateway-values\n    files: [values.yaml]\n';
        files[`${dir}/values.yaml`] =
          'service:\n  annotations:\n    lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n';
      }),
    );
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['east', 'fail'],
      ['west', 'not-applicable'],
    ]);
  });

  it('still applies with ExternalDNS: the DNSEndpoint is substituted from the settings', () => {
    const checks = settingsChecks(
      meshFiles(files => {
        files['.clustermesh-dns.yaml'] = files['.clustermesh-dns.yaml'].replace(
          'mode: manual',
          'mode: externaldns',
        );
      }),
    );
    expect(checks.map(c => c.outcome)).toEqual(['fail', 'fail']);
  });
});

describe('settings-present where the values are written out (no substitution anywhere, an FQDN template without variables)', () => {
  const checksOf = (files: Record<string, string>) =>
    validateMesh(createRepoTree(files), repositoryConventions(files))
      .clusters.flatMap(c => c.checks)
      .filter(c => ['settings-present', 'peers-complete'].includes(c.ruleId))
      .map(c => [c.ruleId, c.cluster, c.outcome]);

  it('does not ask for settings before configure writes the values out, nor peer variables in them', () => {
    const files = fixtureFiles('configure-literal-values/repo');
    expect(checksOf(files)).toEqual(
      ['north', 'south'].flatMap(c => [
        ['settings-present', c, 'not-applicable'],
        ['peers-complete', c, 'not-applicable'],
      ]),
    );
  });

  it("says whether settings are wanted is not known where the FQDN template is a guess whose domain the repository names nowhere (jash2105's overlays, no ExternalDNS)", () => {
    const files = fixtureFiles('configure-literal-values/repo');
    for (const path of Object.keys(files))
      if (path.includes('/apps/network/')) delete files[path];
    for (const c of ['north', 'south']) {
      const k = `kubernetes/${c}/apps/kustomization.yaml`;
      files[k] = files[k].replace(
        '  - ./network/external-dns/install.yaml\n',
        '',
      );
    }
    const all = validateMesh(
      createRepoTree(files),
      repositoryConventions(files),
    ).clusters.flatMap(c => c.checks);
    const checks = all.filter(c => c.ruleId === 'settings-present');
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['north', 'not-evaluated'],
      ['south', 'not-evaluated'],
    ]);
    // nor whether the peers are known by settings variables (peers-by-fqdn
    // judges the entries themselves)
    expect(
      all
        .filter(c => c.ruleId === 'peers-complete')
        .map(c => [c.cluster, c.outcome, c.message.split(':')[0]]),
    ).toEqual(
      ['north', 'south'].map(c => [
        c,
        'not-evaluated',
        'whether the cluster knows its peers by settings variables is not known',
      ]),
    );
    expect(checks[0].message).toBe(
      'whether the cluster needs a settings ConfigMap is not known: nothing substitutes its Cilium values and no file names the settings variables, so its FQDN and LB IP may be written out as they are, but the default FQDN template, "clustermesh-{cluster}.${SECRET_DOMAIN}", uses SECRET_DOMAIN, which the repository names nowhere (set fqdnTemplate to the names you use, or give the value)',
    );
  });

  it('asks for them where the team keeps its addresses in settings (settings.create: always)', () => {
    const files = fixtureFiles('configure-literal-values/repo');
    files['.clustermesh-dns.yaml'] = 'settings:\n  create: always\n';
    expect(checksOf(files)).toEqual(
      ['north', 'south'].flatMap(c => [
        ['settings-present', c, 'fail'],
        ['peers-complete', c, 'fail'],
      ]),
    );
  });
});

describe('settings-present on one settings ConfigMap every cluster takes from a shared component', () => {
  it('says each cluster needs its own values, which the shared file cannot hold, not to add them there', () => {
    const files = fixtureFiles('configure-settings-overlay-patch/repo');
    // no overlay patches its values in: both take the component's file
    for (const overlay of ['dev', 'prd']) {
      const k = `infrastructure/overlays/${overlay}/kustomization.yaml`;
      files[k] = files[k].replace(/patches:[\s\S]*$/, '');
    }
    const conventions = resolveConventions(
      { values: { DOMAIN: 'mesh.example.test' } },
      detectConventions(createRepoTree(files)),
    );
    const dev = validateMesh(createRepoTree(files), conventions)
      .clusters.find(c => c.name === 'dev')!
      .checks.find(c => c.ruleId === 'settings-present')!;
    expect(dev).toMatchObject({
      outcome: 'fail',
      message:
        'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap flux-system/settings, which production takes from the same file: each cluster needs its own values, which one shared file cannot hold',
      remediation: expect.stringMatching(
        /^Give each cluster `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` in settings of its own: a patch of this ConfigMap in each cluster's overlay/,
      ),
    });
  });
});
