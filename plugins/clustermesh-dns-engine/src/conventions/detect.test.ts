import type { DetectedConvention } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { exampleTree, fixtureTree } from '../__testUtils__/trees';
import { ciliumReleaseHead, externalDnsRelease } from '../__testUtils__/rules';
import { buildMeshModel } from '../model/build';
import { planMeshDnsChange } from '../plan/plan';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';
import { detectConventions } from './detect';
import { settingsFileOf } from './templates';
import { parseConventions, resolveConventions } from './resolve';
import { legacyRecordsDocumentMarkers, recordsDocumentMarker } from './schema';

type Files = Record<string, string>;

const fluxKustomization = (
  name: string,
  path: string,
  extra = '',
) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;

const substituteFrom = (...refs: [string, string][]) =>
  `  postBuild:\n    substituteFrom:\n${refs
    .map(([kind, name]) => `      - kind: ${kind}\n        name: ${name}\n`)
    .join('')}`;

const kustomization = (...resources: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources
    .map(r => `  - ${r}\n`)
    .join('')}`;

/** The clusters of a report with the entry points they are read from. */
const entriesOf = (report: { clusters: { name: string; entry: string }[] }) =>
  report.clusters.map(c => [c.name, c.entry]);

const settingOf = (found: DetectedConvention[], setting: string) =>
  found.find(f => f.setting === setting);

/**
 * Clusters under `clusters/`, each applying `apps` with these substitution
 * sources and a settings ConfigMap `settings` with `data` (YAML lines).
 */
function settingsRepository(
  clusters: string[],
  sources: [string, string][],
  settings: string,
  data: (cluster: string) => string,
): Files {
  const files: Files = {};
  for (const c of clusters) {
    files[`clusters/${c}/kustomization.yaml`] = kustomization(
      'apps.yaml',
      'vars.yaml',
    );
    files[`clusters/${c}/apps.yaml`] = fluxKustomization(
      'apps',
      './apps',
      substituteFrom(...sources),
    );
    files[
      `clusters/${c}/vars.yaml`
    ] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${settings}\n  namespace: flux-system\ndata:\n${data(
      c,
    )}`;
  }
  return files;
}

/** Clusters whose entry is a `flux/` sub-folder, settings in per-cluster Secrets an ExternalSecret makes. */
function entrySubFolderRepository(): Files {
  const files: Files = {};
  for (const c of ['alpha', 'beta', 'gamma']) {
    files[`kube/clusters/${c}/flux/kustomization.yaml`] = kustomization(
      'flux-repo.yaml',
      '../../../deploy/apps/',
    );
    files[`kube/clusters/${c}/flux/flux-repo.yaml`] = fluxKustomization(
      `0-${c}-config`,
      `./kube/clusters/${c}/flux`,
    );
    files[`kube/clusters/${c}/talos/talconfig.yaml`] =
      'clusterName: x\nnodes: []\n';
    files[`kube/clusters/${c}/config/externalsecret.yaml`] =
      'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: vars\n';
  }
  files['kube/deploy/apps/kustomization.yaml'] = kustomization('ks.yaml');
  files['kube/deploy/apps/ks.yaml'] = fluxKustomization(
    'apps',
    './kube/deploy/apps/app',
    substituteFrom(['Secret', 'alpha-vars'], ['Secret', 'alpha-secrets']),
  );
  files['kube/deploy/apps/other-ks.yaml'] = fluxKustomization(
    'other',
    './kube/deploy/apps/other',
    substituteFrom(['Secret', 'beta-vars']),
  );
  return files;
}

describe('detectConventions', () => {
  it('keeps the story layout and says why', () => {
    const { conventions, found } = detectConventions(
      exampleTree('gitops-repo'),
    );
    expect(conventions).toEqual({
      cilium: { lbIpamAnnotation: 'lbipam.cilium.io/ips' },
      // its ExternalDNS publishes to Cloudflare, without --cloudflare-proxied
      dns: { provider: 'cloudflare', proxiedByDefault: false },
      variables: { lbIp: 'CILIUM_CLUSTERMESH_LB_IP' },
      // the names its settings hold
      fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
    });
    expect(settingOf(found, 'clustersPath')).toMatchObject({
      value: 'kubernetes/clusters',
      source: 'detected',
      reason: expect.stringMatching(
        /^the Flux entry points of apps, infra are under it; e.g. Kustomization flux-system\/flux-system at kubernetes\/clusters\/apps\/flux-system\/gotk-sync.yaml:\d+ reconciles kubernetes\/clusters\/apps, which holds it$/,
      ),
    });
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      value: 'true',
      source: 'default',
    });
  });

  it('finds an entry sub-folder and per-cluster settings Secrets, and keeps other folders out', () => {
    const tree = createRepoTree(entrySubFolderRepository());
    const { conventions, found } = detectConventions(tree);
    expect(conventions).toMatchObject({
      clustersPath: 'kube/clusters',
      entryPath: 'flux',
      settings: { secret: '{cluster}-vars' },
    });
    expect(settingOf(found, 'entryPath')?.reason).toBe(
      "each cluster's Flux entry point is its flux/ folder; e.g. Kustomization flux-system/0-alpha-config at kube/clusters/alpha/flux/flux-repo.yaml:8 reconciles kube/clusters/alpha/flux, which holds it",
    );
    expect(settingOf(found, 'settings.secret')?.reason).toMatch(
      /^Secret \{cluster\}-vars is named by 2 substituteFrom reference\(s\), e\.g\. kube\/deploy\/apps\/ks\.yaml:\d+; none names cluster-secrets$/,
    );
    // the cluster is rendered from its entry: talos/ is never read as a manifest
    const model = buildMeshModel(
      tree,
      resolveConventions({}, { conventions, found: [] }),
    );
    expect(model.clusters.map(c => [c.name, c.render.root])).toEqual([
      ['alpha', 'kube/clusters/alpha/flux'],
      ['beta', 'kube/clusters/beta/flux'],
      ['gamma', 'kube/clusters/gamma/flux'],
    ]);
    expect(
      model.findings.filter(f => f.location?.file.includes('talos')),
    ).toEqual([]);
  });

  it("takes a cluster's own settings, listed after shared defaults as often, over the defaults whatever their names", () => {
    // shared defaults first, the cluster's own values last: they win
    const files = settingsRepository(
      ['blue', 'red'],
      [
        ['ConfigMap', 'vars-base'],
        ['ConfigMap', 'vars-cluster'],
      ],
      'vars-cluster',
      c => `  CLUSTER: ${c}\n`,
    );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.settings).toEqual({ configMap: 'vars-cluster' });
    expect(settingOf(found, 'settings.configMap')?.reason).toMatch(
      /; listed after vars-base, named as often, so its values win$/,
    );
    // of three, the last one listed wins, whatever the names
    for (const c of ['blue', 'red'])
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'apps',
        './apps',
        substituteFrom(
          ['ConfigMap', 'vars-base'],
          ['ConfigMap', 'vars-a'],
          ['ConfigMap', 'vars-b'],
        ),
      );
    const three = detectConventions(createRepoTree(files));
    expect(three.conventions.settings).toEqual({ configMap: 'vars-b' });
    expect(settingOf(three.found, 'settings.configMap')?.reason).toMatch(
      /; listed after vars-a, vars-base, named as often, so its values win$/,
    );
  });

  it("does not take one app's own variables (a storage driver's ConfigMap, substituted into its Kustomization in each cluster) for the settings", () => {
    const files: Files = {};
    const driver = (name: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: storage\nspec:\n  chart:\n    spec:\n      chart: ${name}\n`;
    files['controllers/base/csi/kustomization.yaml'] =
      kustomization('release.yaml');
    files['controllers/base/csi/release.yaml'] = driver('democratic-csi');
    files['infra/cilium/kustomization.yaml'] = kustomization('release.yaml');
    files['infra/cilium/release.yaml'] = `${ciliumReleaseHead.join(
      '\n',
    )}\n  chart:\n    spec:\n      chart: cilium\n`;
    for (const c of ['dev', 'prod']) {
      files[`clusters/${c}/kustomization.yaml`] = kustomization(
        'csi.yaml',
        'driver-config.yaml',
        'infra.yaml',
      );
      files[`clusters/${c}/csi.yaml`] = fluxKustomization(
        'csi',
        './controllers/base/csi',
        substituteFrom(
          ['ConfigMap', 'nas-config'],
          ['Secret', 'nas-credentials'],
        ),
      );
      files[
        `clusters/${c}/driver-config.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nas-config\n  namespace: flux-system\ndata:\n  NAS_HOST: 192.168.20.6\n`;
      files[`clusters/${c}/infra.yaml`] = fluxKustomization(
        'infra',
        './infra/cilium',
      );
    }
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    expect(conventions.settings).toBeUndefined();
    expect(settingOf(found, 'settings.configMap')).toMatchObject({
      source: 'default',
      value: 'cluster-settings',
      reason:
        "no ConfigMap is substituted from as the clusters' settings: ConfigMap nas-config is substituted only into Kustomization csi (2 times, one per cluster), whose folders apply neither Cilium nor other Flux Kustomizations: that app's own variables",
    });
    expect(settingOf(found, 'settings.secret')?.reason).toMatch(
      /^no Secret is substituted from as the clusters' settings: Secret nas-credentials is substituted only into Kustomization csi/,
    );
    // the same Kustomization applying Cilium too: it may well be the settings
    for (const c of ['dev', 'prod'])
      files[`clusters/${c}/csi.yaml`] = fluxKustomization(
        'csi',
        './infra/cilium',
        substituteFrom(['ConfigMap', 'nas-config']),
      );
    expect(
      detectConventions(createRepoTree(files)).conventions.settings,
    ).toEqual({ configMap: 'nas-config' });
  });

  it('takes the FQDN template from the names the settings already hold, own or as a peer', () => {
    const names: Record<string, string> = {
      blue: '  CILIUM_CLUSTERMESH_FQDN: "blue.mesh.${DOMAIN}"\n  CILIUM_CLUSTERMESH_GREEN_FQDN: "green.mesh.${DOMAIN}"\n',
      red: '  CILIUM_CLUSTERMESH_FQDN: red.mesh.${DOMAIN}\n',
      // green holds no name of its own: blue's entry for it counts
      green: '  CLUSTER: green\n',
      // a cluster named otherwise follows another template
      teal: '  CILIUM_CLUSTERMESH_FQDN: "mesh-teal.example.net"\n',
    };
    const files = settingsRepository(
      Object.keys(names),
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c => names[c],
    );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.fqdnTemplate).toBe('{cluster}.mesh.${DOMAIN}');
    expect(settingOf(found, 'fqdnTemplate')).toEqual({
      setting: 'fqdnTemplate',
      value: '{cluster}.mesh.${DOMAIN}',
      source: 'detected',
      reason:
        'the settings already name blue, green, red this way (e.g. CILIUM_CLUSTERMESH_FQDN: blue.mesh.${DOMAIN} at clusters/blue/vars.yaml:7); teal follows another template, which fqdn-convention reports',
      location: { file: 'clusters/blue/vars.yaml', line: 7 },
    });
    // the one that differs is the one reported
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions(
        { mesh: { include: Object.keys(names) } },
        detectConventions(createRepoTree(files)),
      ),
    );
    const convention = (cluster: string) =>
      report.clusters
        .find(c => c.name === cluster)
        ?.checks.find(c => c.ruleId === 'fqdn-convention')?.outcome;
    expect(convention('teal')).toBe('fail');
    expect(convention('blue')).not.toBe('fail');
    expect(convention('red')).not.toBe('fail');
  });

  it("takes the FQDN template from the names a cluster's Kustomization gives inline, in its own substitute or in the patch text it gives its children (herobrauni's copy)", () => {
    const files: Record<string, string> = {};
    for (const c of ['home', 'cloud']) {
      files[`clusters/${c}/sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'cluster-apps',
        './apps',
        // home's in its own substitute, cloud's in the patch text
        c === 'home'
          ? [
              '  postBuild:',
              '    substitute:',
              '      CILIUM_CLUSTERMESH_FQDN: clustermesh-home.brauni.dev',
              '',
            ].join('\n')
          : [
              '  patches:',
              '    - patch: |-',
              '        apiVersion: kustomize.toolkit.fluxcd.io/v1',
              '        kind: Kustomization',
              '        metadata:',
              '          name: _',
              '        spec:',
              '          postBuild:',
              '            substitute:',
              `              CLUSTER_NAME: ${c}`,
              `              CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.brauni.dev`,
              '      target:',
              '        kind: Kustomization',
              '',
            ].join('\n'),
      );
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.fqdnTemplate).toBe('clustermesh-{cluster}.brauni.dev');
    expect(settingOf(found, 'fqdnTemplate')?.reason).toMatch(
      /^the settings already name cloud, home this way/,
    );
    // the example on its own line of the patch text
    expect(settingOf(found, 'fqdnTemplate')?.location).toEqual({
      file: 'clusters/cloud/apps.yaml',
      line: 23,
    });
    expect(files['clusters/cloud/apps.yaml'].split('\n')[22]).toContain(
      'CILIUM_CLUSTERMESH_FQDN: clustermesh-cloud.brauni.dev',
    );
  });

  it("takes no leftover folder holding Flux's own install alone for the clusters folder (BoKKeR's clusters/my-cluster)", () => {
    const files: Record<string, string> = {
      'kubernetes/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/flux',
      ),
      'kubernetes/flux/config/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cluster.yaml\n',
      'kubernetes/flux/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - config\n',
      'clusters/my-cluster/flux-system/gotk-components.yaml':
        '# Flux Version: v2.5.1\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
    };
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'clustersPath')?.value).not.toBe('clusters');
    // with a file of its own there, the folder is a candidate as before
    files['clusters/my-cluster/apps.yaml'] = fluxKustomization(
      'apps',
      './apps',
    );
    expect(
      settingOf(detectConventions(createRepoTree(files)).found, 'clustersPath')
        ?.value,
    ).toBe('clusters');
  });

  it('detects manual mode from a records document, written now or before it named the command', () => {
    for (const marker of [
      recordsDocumentMarker,
      ...legacyRecordsDocumentMarkers,
    ]) {
      const tree = exampleTree('gitops-repo', files => {
        files[
          'docs/clustermesh-dns-records.md'
        ] = `# ClusterMesh DNS records\n\n${marker}: create these records in\nthe DNS provider.\n`;
      });
      const { conventions, found } = detectConventions(tree);
      expect(conventions.dns?.mode).toBe('manual');
      expect(settingOf(found, 'dns.mode')?.location).toEqual({
        file: 'docs/clustermesh-dns-records.md',
        line: 3,
      });
    }
    // a document of the same name that is not configure's says nothing
    const other = exampleTree('gitops-repo', files => {
      files['docs/clustermesh-dns-records.md'] = '# Our DNS records\n';
    });
    expect(detectConventions(other).conventions.dns?.mode).toBeUndefined();
  });

  it('takes the FQDN template from a folder named in capitals, whose FQDN holds the name lower-case', () => {
    const files = settingsRepository(
      ['Data', 'web'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c => `  CILIUM_CLUSTERMESH_FQDN: ${c.toLowerCase()}.mesh.example.net\n`,
    );
    const detected = detectConventions(createRepoTree(files));
    expect(detected.conventions.fqdnTemplate).toBe(
      '{cluster}.mesh.example.net',
    );
    expect(settingOf(detected.found, 'fqdnTemplate')?.reason).toMatch(
      /^the settings already name Data, web this way/,
    );
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({ mesh: { include: ['Data', 'web'] } }, detected),
    );
    expect(
      report.clusters
        .find(c => c.name === 'Data')
        ?.checks.find(c => c.ruleId === 'fqdn-convention')?.outcome,
    ).not.toBe('fail');
  });

  it('keeps the default FQDN template when the settings follow two as often, or name no cluster', () => {
    const tied = settingsRepository(
      ['blue', 'red'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        `  CILIUM_CLUSTERMESH_FQDN: ${
          c === 'blue' ? 'blue.mesh.example.net' : 'mesh-red.example.net'
        }\n`,
    );
    expect(
      detectConventions(createRepoTree(tied)).conventions.fqdnTemplate,
    ).toBeUndefined();
    // a name without the cluster's in it says nothing about the template
    const unnamed = settingsRepository(
      ['blue', 'red'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      () => '  CILIUM_CLUSTERMESH_FQDN: mesh.example.net\n',
    );
    expect(
      detectConventions(createRepoTree(unnamed)).conventions.fqdnTemplate,
    ).toBeUndefined();
  });

  it("finds the FQDN template in settings a configMapGenerator makes from each cluster's env file (psimaker's cluster.env, written by configure)", () => {
    const files = settingsRepository(
      ['home', 'lab'],
      [['ConfigMap', 'cluster-vars']],
      'other',
      () => '  unrelated: x\n',
    );
    for (const c of ['home', 'lab']) {
      delete files[`clusters/${c}/vars.yaml`];
      files[`clusters/${c}/kustomization.yaml`] = `${kustomization(
        'apps.yaml',
      )}configMapGenerator:\n  - name: cluster-vars\n    namespace: flux-system\n    envs: [cluster.env]\n    literals: [CLUSTER_NAME=${c}]\n`;
      files[
        `clusters/${c}/cluster.env`
      ] = `# ClusterMesh\nCILIUM_CLUSTERMESH_FQDN=clustermesh-${c}.homelab.example.com\nCILIUM_CLUSTERMESH_LB_IP=10.0.0.1\n`;
    }
    const detected = detectConventions(createRepoTree(files));
    expect(detected.conventions.fqdnTemplate).toBe(
      'clustermesh-{cluster}.homelab.example.com',
    );
    expect(settingOf(detected.found, 'fqdnTemplate')?.reason).toBe(
      'the settings already name home, lab this way (e.g. CILIUM_CLUSTERMESH_FQDN: clustermesh-home.homelab.example.com at clusters/home/cluster.env:2)',
    );
  });

  it("takes the FQDN template made of each cluster's own domain entry when the names are written out in different domains", () => {
    const domains: Record<string, string> = {
      dev: 'dev.lab.example.net',
      prod: 'lab.example.net',
    };
    const files = settingsRepository(
      Object.keys(domains),
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        // prod's other entry holds the same domain: dev decides between them
        `  cluster_domain: ${domains[c]}\n  home_domain: lab.example.net\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.${domains[c]}\n`,
    );
    const detected = detectConventions(createRepoTree(files));
    expect(detected.conventions.fqdnTemplate).toBe(
      'clustermesh-{cluster}.${cluster_domain}',
    );
    expect(settingOf(detected.found, 'fqdnTemplate')).toMatchObject({
      source: 'detected',
      reason:
        'the settings already name dev, prod this way (e.g. CILIUM_CLUSTERMESH_FQDN: clustermesh-dev.dev.lab.example.net at clusters/dev/vars.yaml:9, beside cluster_domain: dev.lab.example.net)',
    });
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({ mesh: { include: ['dev', 'prod'] } }, detected),
    );
    for (const cluster of ['dev', 'prod'])
      expect(
        report.clusters
          .find(c => c.name === cluster)
          ?.checks.find(c => c.ruleId === 'fqdn-convention'),
      ).toMatchObject({
        outcome: 'pass',
        message: expect.stringContaining(
          'follows "clustermesh-{cluster}.${cluster_domain}"',
        ),
      });
    // names in one domain: the template written out, as before
    const oneDomain = settingsRepository(
      ['dev', 'prod'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        `  cluster_domain: example.net\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.example.net\n`,
    );
    expect(
      detectConventions(createRepoTree(oneDomain)).conventions.fqdnTemplate,
    ).toBe('clustermesh-{cluster}.example.net');
    // one of two in its domain entry, the other not: no template is the mesh's
    const half = settingsRepository(
      ['dev', 'prod'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        c === 'dev'
          ? `  cluster_domain: dev.example.net\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-dev.dev.example.net\n`
          : `  cluster_domain: example.net\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-prod.other.org\n`,
    );
    expect(
      detectConventions(createRepoTree(half)).conventions.fqdnTemplate,
    ).toBeUndefined();
  });

  it('lets the other clusters decide where a name that occurs twice goes, and keeps the default on a tie of three', () => {
    const names: Record<string, string> = {
      mesh: 'mesh.mesh.example.net',
      blue: 'mesh.blue.example.net',
      red: 'mesh.red.example.net',
    };
    const files = settingsRepository(
      Object.keys(names),
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c => `  CILIUM_CLUSTERMESH_FQDN: ${names[c]}\n`,
    );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.fqdnTemplate).toBe('mesh.{cluster}.example.net');
    // mesh follows it too: no cluster is said to follow another
    expect(settingOf(found, 'fqdnTemplate')?.reason).toMatch(
      /^the settings already name blue, mesh, red this way \(e\.g\. CILIUM_CLUSTERMESH_FQDN: mesh\.[a-z]+\.example\.net at clusters\/[a-z]+\/vars\.yaml:7\)$/,
    );
    const threeWays = settingsRepository(
      ['blue', 'red', 'teal'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        `  CILIUM_CLUSTERMESH_FQDN: ${
          { blue: 'blue.a.net', red: 'b-red.net', teal: 'c.teal.net' }[c]
        }\n`,
    );
    expect(
      detectConventions(createRepoTree(threeWays)).conventions.fqdnTemplate,
    ).toBeUndefined();
  });

  it("does not take an app's own Secret, named by its Kustomization in each cluster, for the settings", () => {
    const files: Files = {};
    for (const c of ['blue', 'red']) {
      files[`clusters/${c}/adguard-home.yaml`] = fluxKustomization(
        'adguard-home',
        './apps/adguard-home',
        substituteFrom(['Secret', 'adguard-home-secret']),
      );
      files[`clusters/${c}/kustomization.yaml`] =
        kustomization('adguard-home.yaml');
    }
    const { conventions } = detectConventions(createRepoTree(files));
    expect(conventions.settings).toBeUndefined();
  });

  it("counts the substitution sources a parent's patches give every Kustomization it applies", () => {
    const patched = (sources: string) =>
      `  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          postBuild:\n            substituteFrom:\n${sources}      target:\n        kind: Kustomization\n`;
    const files: Files = {};
    for (const c of ['blue', 'red']) {
      // the parent substitutes from a token Secret; its children, from the
      // settings the patch names
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'apps',
        './apps',
        `${substituteFrom(['Secret', 'a-token'])}${patched(
          '              - kind: Secret\n                name: cluster-config-secret\n',
        )}`,
      );
      files[`clusters/${c}/kustomization.yaml`] = kustomization('apps.yaml');
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.settings).toEqual({ secret: 'cluster-config-secret' });
    expect(settingOf(found, 'settings.secret')?.reason).toMatch(
      /^Secret cluster-config-secret is named by 2 substituteFrom reference\(s\), e\.g\. clusters\/blue\/apps\.yaml:\d+; none names cluster-secrets; a parent's patches give it to every Kustomization they apply, not a-token, named as often$/,
    );
  });

  it('reads per-cluster settings names ({cluster}-vars) for whose names they hold', () => {
    const files: Files = {};
    for (const c of ['blue', 'red']) {
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'apps',
        './apps',
        substituteFrom(['ConfigMap', `${c}-vars`]),
      );
      files[`clusters/${c}/kustomization.yaml`] = kustomization('apps.yaml');
    }
    // both in one shared file, out of the clusters' folders
    files['shared/vars.yaml'] = ['blue', 'red']
      .map(
        c =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${c}-vars\ndata:\n  CILIUM_CLUSTERMESH_FQDN: cm.${c}.example.net\n`,
      )
      .join('---\n');
    const { conventions } = detectConventions(createRepoTree(files));
    expect(conventions.settings).toEqual({ configMap: '{cluster}-vars' });
    expect(conventions.fqdnTemplate).toBe('cm.{cluster}.example.net');
  });

  it("takes the one entry point outside the clusters folder that builds one cluster folder's parts for that cluster's entry point", () => {
    const ks = (name: string, path: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {interval: 1h, path: ${path}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
    const tree = createRepoTree({
      'infrastructure/flux/cluster/kustomization.yaml':
        'resources: [sync.yaml, apps.yaml]\n',
      'infrastructure/flux/cluster/sync.yaml': ks(
        'flux-system',
        './infrastructure/flux/cluster',
      ),
      'infrastructure/flux/cluster/apps.yaml': ks(
        'cluster-apps',
        './clusters/aeon/apps',
      ),
      'clusters/aeon/apps/kustomization.yaml': 'resources: [echo.yaml]\n',
      'clusters/aeon/apps/echo.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo, namespace: default}\n',
    });
    const detection = detectConventions(tree);
    expect(detection.conventions.entries).toEqual({
      aeon: 'infrastructure/flux/cluster',
    });
    expect(settingOf(detection.found, 'entries')?.reason).toMatch(
      /^the repository's one Flux entry point, infrastructure\/flux\/cluster \(.*\), builds clusters\/aeon\/apps \(Kustomization at infrastructure\/flux\/cluster\/apps\.yaml:4\): it is aeon's/,
    );
    // rendered from that entry point: its Kustomizations are aeon's
    const model = buildMeshModel(tree, resolveConventions({}, detection));
    expect(
      model.clusters.map(c => [
        c.name,
        c.render.kustomizations.map(k => k.name).sort(),
      ]),
    ).toEqual([['aeon', ['cluster-apps', 'flux-system']]]);
  });

  it('finds clusters whose entry is a ks.yaml the source ignores (a bootstrap applies it), and a shared folder that declares their source as a layer', () => {
    // k/<cluster>/ks.yaml reconcile their folders (no kustomization file:
    // Flux generates one); GitRepository homelab ignores them; k/shared
    // alone declares homelab, so every cluster applies it
    const tree = fixtureTree('ignored-entry-shared-layer');
    const detection = detectConventions(tree);
    expect(detection.conventions.clusters).toEqual(['blue', 'green']);
    expect(settingOf(detection.found, 'clusters')?.reason).toBe(
      "k/shared is not a cluster: GitRepository homelab, which the clusters' entries build from (k/blue/ks.yaml:12), is declared only in it (k/shared/flux/gitrepository.yaml:8): each cluster applies it",
    );
    const model = buildMeshModel(tree, resolveConventions({}, detection));
    expect(model.findings).toEqual([]);
    // rendered from the ignored entry: its substitution names the cluster
    expect(model.clusters.map(c => [c.name, c.ciliumName])).toEqual([
      ['blue', 'blue'],
      ['green', 'green'],
    ]);
  });

  it("does not take a cluster's name for letters of a settings name every cluster shares (cluster a, cluster-vars)", () => {
    const files: Files = {};
    for (const c of ['a', 'b']) {
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'apps',
        './apps',
        substituteFrom(['ConfigMap', 'cluster-vars']),
      );
      files[
        `clusters/${c}/vars.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  CLUSTER: ${c}\n`;
      files[`clusters/${c}/kustomization.yaml`] = kustomization(
        'apps.yaml',
        'vars.yaml',
      );
    }
    expect(
      detectConventions(createRepoTree(files)).conventions.settings,
    ).toEqual({ configMap: 'cluster-vars' });
  });

  it("does not name a cluster after Flux's own entry folder (flux-config), and takes the folder around it", () => {
    const tree = createRepoTree({
      'kubernetes/main/flux-config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/main/flux-config',
      ),
      'kubernetes/main/flux-config/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/main/applications',
      ),
      'kubernetes/main/applications/kustomization.yaml': 'resources: []\n',
      'kubernetes/old/applications/kustomization.yaml': 'resources: []\n',
    });
    const { conventions } = detectConventions(tree);
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'flux-config',
    });
  });

  /**
   * Two clusters each installing Flux with a flux-instance HelmRelease that
   * syncs its `cluster/config`; `values` goes before `sync` in its
   * `instance` values, `spec` before its values.
   */
  const fluxInstanceClusters = (values: string, spec = '') => {
    const files: Files = {};
    for (const c of ['main', 'staging']) {
      files[`kubernetes/${c}/cluster/config/cluster.yaml`] = fluxKustomization(
        'cluster-apps',
        `./kubernetes/${c}/apps`,
      );
      files[
        `kubernetes/${c}/apps/flux-system/flux-instance/helmrelease.yaml`
      ] = `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n  namespace: flux-system\nspec:\n${spec}  values:\n    instance:\n${values}      sync:\n        kind: GitRepository\n        path: kubernetes/${c}/cluster/config\n`;
    }
    return files;
  };

  it('cites a version written in the tree over its copy left beside it (kubernetes.orig/), neither applied as a Flux object', () => {
    const files = fluxInstanceClusters('');
    const values = '---\ninstance:\n  distribution:\n    version: 2.5.1\n';
    // the copy of the tree, found first, and the chart's values file
    files['kubernetes.orig/main/apps/flux-system/flux-instance/values.yaml'] =
      values;
    files['kubernetes/main/apps/flux-system/flux-instance/values.yaml'] =
      values;
    // which its folder's kustomization does not list: no object applied
    files['kubernetes/main/apps/flux-system/flux-instance/kustomization.yaml'] =
      kustomization('helmrelease.yaml');
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux 2\.5\.1 \(kubernetes\/main\/apps\/flux-system\/flux-instance\/values\.yaml:4\)/,
    );
  });

  it("reads the Flux of the fluxcd-community flux2 chart a HelmRelease or a bootstrap helmfile installs (blthazr's 2.17.2: Flux 2.7)", () => {
    const release = (version: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  chart:\n    spec:\n      chart: flux2\n      version: ${version}\n      sourceRef: {kind: HelmRepository, name: fluxcd-community}\n`;
    const strictness = (files: Files) =>
      settingOf(
        detectConventions(createRepoTree(files)).found,
        'flux.strictSubstitution',
      );
    expect(
      strictness({
        'kubernetes/apps/flux-system/flux/app/helmrelease.yaml':
          release('2.17.2'),
      }),
    ).toMatchObject({
      value: 'false',
      reason: expect.stringMatching(
        /^Flux 2\.17\.2 of the flux2 chart \(Flux 2\.7\) \(kubernetes\/apps\/flux-system\/flux\/app\/helmrelease\.yaml:10\)/,
      ),
    });
    expect(
      strictness({
        'bootstrap/helmfile.yaml':
          'releases:\n  - name: flux\n    namespace: flux-system\n    chart: oci://ghcr.io/fluxcd-community/charts/flux2\n    version: 2.16.0\n',
      }),
    ).toMatchObject({ value: 'false', source: 'detected' });
  });

  it('reads the entry of a FluxInstance chart (instance.sync.path)', () => {
    const files = fluxInstanceClusters(
      '      distribution:\n        version: 2.7.x\n',
    );
    for (const c of ['main', 'staging'])
      files[`kubernetes/${c}/bootstrap/helmfile.yaml`] = 'releases: []\n';
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'cluster/config',
      flux: { strictSubstitution: false },
    });
    expect(settingOf(found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux 2\.7\.x \(kubernetes\/main\/apps\/flux-system\/flux-instance\/helmrelease\.yaml:\d+\), as in all 2 places found, replaces an undefined variable without a default by an empty string \(strict only from Flux 2\.9\)$/,
    );
  });

  it('resolves 2.x among the Flux versions of a pinned flux-operator manifests artifact: strict only from v0.53.0, which brought Flux 2.9', () => {
    const pinned = (tag: string) =>
      detectConventions(
        createRepoTree(
          fluxInstanceClusters(
            `      distribution:\n        version: 2.x\n        artifact: oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:${tag}\n`,
          ),
        ),
      );
    const old = pinned('v0.37.1');
    expect(old.conventions.flux?.strictSubstitution).toBe(false);
    expect(settingOf(old.found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux 2\.x, resolved in the pinned flux-operator-manifests:v0\.37\.1 \(before flux-operator v0\.53\.0, which brought Flux 2\.9: Flux 2\.8 at most\) \(kubernetes\/main\/.*\), as in all 2 places found, replaces an undefined variable without a default by an empty string/,
    );
    expect(
      pinned('v0.53.2').conventions.flux?.strictSubstitution,
    ).toBeUndefined();
  });

  it("takes the flux-instance chart's default (2.x, strict) where its values set no version, and only where none is written", () => {
    const files = fluxInstanceClusters(
      '',
      '  chartRef: {kind: OCIRepository, name: flux-instance}\n',
    );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.strictSubstitution).toBeUndefined();
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      source: 'detected',
      value: 'true',
      reason: expect.stringMatching(
        // located at its values' instance, where the version would go
        /^Flux 2\.x, the flux-instance chart's default where its values set no instance\.distribution\.version \(kubernetes\/main\/apps\/flux-system\/flux-instance\/helmrelease\.yaml:9\), as in all 2 places found, fails a Kustomization on an undefined variable without a default \(strict since Flux 2\.9\)$/,
      ),
    });
    // a version written anywhere decides, the default not
    files['clusters/legacy/flux-system/gotk-components.yaml'] =
      '# Flux Version: v2.6.4\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
    files['clusters/legacy/flux-system/gotk-sync.yaml'] = fluxKustomization(
      'flux-system',
      './clusters/legacy',
    );
    const written = detectConventions(createRepoTree(files));
    expect(settingOf(written.found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux v2\.6\.4 /,
    );
  });

  it("resolves the chart's default in the artifact its values pin, and takes it over a version only an archive folder writes (operinko)", () => {
    const files = fluxInstanceClusters(
      '      distribution:\n        artifact: oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:v0.40.0\n',
      '  chartRef: {kind: OCIRepository, name: flux-instance}\n',
    );
    // what main ran before the flux-operator, kept for the record in an
    // archive folder, or a copy left beside the tree (andycooney's
    // `kubernetes.orig/`)
    for (const record of ['archive', 'kubernetes.orig']) {
      const kept = { ...files };
      kept[`${record}/flux/cluster/gotk-components.yaml`] =
        '# Flux Version: v2.7.3\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
      kept[`${record}/flux-system/flux-instance/values.yaml`] =
        'instance:\n  distribution:\n    version: 2.7.3\n  sync:\n    kind: GitRepository\n    url: https://github.com/acme/old-home.git\n    path: kubernetes/main/cluster/config\n';
      const { conventions, found } = detectConventions(createRepoTree(kept));
      expect(conventions.flux?.strictSubstitution).toBe(false);
      expect(settingOf(found, 'flux.strictSubstitution')?.reason).toMatch(
        /^Flux 2\.x, the flux-instance chart's default where its values set no instance\.distribution\.version, resolved in the pinned flux-operator-manifests:v0\.40\.0 \(before flux-operator v0\.53\.0, which brought Flux 2\.9: Flux 2\.8 at most\) \(kubernetes\/main\/apps\/flux-system\/flux-instance\/helmrelease\.yaml:\d+\), as in all 2 places found, replaces/,
      );
      // main's entry point is the sync in use, not the archived one
      expect(JSON.stringify(found)).not.toContain(`${record}/`);
    }
  });

  it("takes no Kustomization left over in a folder that another Kustomization reconciles for one applied by hand (xrs444's infrastructure/configs/kustomization-configs.yaml)", () => {
    const files: Files = {
      'cluster/flux-system/kustomization.yaml': kustomization('gotk-sync.yaml'),
      'cluster/flux-system/gotk-sync.yaml': fluxKustomization(
        'flux-system',
        './cluster',
      ),
      'cluster/infrastructure.yaml': `${fluxKustomization(
        'infra-controllers',
        './infrastructure/controllers',
      )}---\n${fluxKustomization('infra-configs', './infrastructure/configs')}`,
    };
    for (const [folder, app] of [
      ['controllers', 'cert-manager'],
      ['configs', 'cluster-issuers'],
    ]) {
      files[`infrastructure/${folder}/kustomization.yaml`] = kustomization(
        `./${app}`,
      );
      // left over: its folder's kustomization does not list it
      files[`infrastructure/${folder}/kustomization-${folder}.yaml`] =
        fluxKustomization(`infra-${folder}`, `./infrastructure/${folder}`);
      files[`infrastructure/${folder}/${app}/kustomization.yaml`] =
        kustomization(`kustomization-${app}.yaml`);
      files[`infrastructure/${folder}/${app}/kustomization-${app}.yaml`] =
        fluxKustomization(app, `./infrastructure/${folder}/${app}`);
    }
    const tree = createRepoTree(files);
    const report = validateMesh(
      tree,
      resolveConventions(detectConventions(tree).conventions),
    );
    // the one cluster, from its entry point: no leftover's folder
    expect(entriesOf(report)).toEqual([['cluster', 'cluster']]);
    expect(report.findings).toEqual([]);
    // a clusters/ folder of files only (david-driscoll's Pulumi cluster
    // definitions) is no folder of cluster folders: said the same
    files['clusters/alpha.yaml'] = 'key: alpha\ntype: dockge\n';
    const withDefinitions = createRepoTree(files);
    expect(
      detectConventions(withDefinitions).conventions.clustersPath,
    ).toBeUndefined();
    expect(
      entriesOf(
        validateMesh(
          withDefinitions,
          resolveConventions(detectConventions(withDefinitions).conventions),
        ),
      ),
    ).toEqual([['cluster', 'cluster']]);
  });

  it('takes a clusters/ folder the one Flux entry point reconciles as a whole for that single cluster, not for a folder of clusters (luzero-luvis)', () => {
    // `flux bootstrap --path=clusters`: the bootstrap's own folder sits
    // in clusters/ beside the Kustomizations that build the cluster
    const files: Files = {
      'clusters/flux-system/gotk-sync.yaml': fluxKustomization(
        'flux-system',
        './clusters',
      ),
      'clusters/flux-system/kustomization.yaml':
        kustomization('gotk-sync.yaml'),
      'clusters/infrastructure.yaml': fluxKustomization(
        'cni',
        './infrastructure/cni',
      ),
      'infrastructure/cni/kustomization.yaml': kustomization('cilium.yaml'),
      'infrastructure/cni/cilium.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  values:\n    cluster:\n      name: lab\n      id: 1\n',
    };
    const tree = createRepoTree(files);
    const { conventions } = detectConventions(tree);
    expect(conventions.clustersPath).toBeUndefined();
    const report = validateMesh(tree, resolveConventions(conventions));
    // not a cluster `flux-system` of the bootstrap's files alone, whose
    // Cilium no kustomization lists: the whole folder's cluster, whose
    // Cilium it reads
    expect(entriesOf(report)).toEqual([['cluster', 'clusters']]);
    expect(report.clusters[0].membership.reason).toMatch(
      /^its Cilium values do not enable ClusterMesh/,
    );
  });

  it("reads the clusters a root .sourceignore leaves out where each cluster's own GitRepository takes its folder back in (hagak)", () => {
    // a template's `.sourceignore` at the root; each cluster's source,
    // applied by its bootstrap, ignores all but its own folder: Flux adds
    // spec.ignore after the .sourceignore, so its `!` line wins
    const files: Files = { '.sourceignore': '/*\n!/apps/\n!/clusters/\n' };
    for (const [c, id] of [
      ['test', 1],
      ['prod', 2],
    ] as const) {
      files[`kubernetes/${c}/flux/config/cluster.yaml`] = [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: GitRepository',
        'metadata: {name: flux-system, namespace: flux-system}',
        'spec:',
        '  url: https://example.com/lab.git',
        '  ref: {branch: main}',
        '  ignore: |',
        '    /*',
        `    !/kubernetes/${c}`,
        '---',
        fluxKustomization('cluster', `./kubernetes/${c}/flux`),
      ].join('\n');
      // no kustomization.yaml: Flux generates one of the folder's files
      files[
        `kubernetes/${c}/flux/cilium.yaml`
      ] = `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  values:\n    cluster:\n      name: ${c}\n      id: ${id}\n`;
    }
    const tree = createRepoTree(files);
    const { conventions } = detectConventions(tree);
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'flux',
    });
    const report = validateMesh(tree, resolveConventions(conventions));
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['prod', 'outside'],
      ['test', 'outside'],
    ]);
    expect(report.findings).toEqual([]);
  });

  it('takes a Kustomization applied by hand that reconciles the folder holding it for the one entry point, not the app folders below it that reconcile themselves (AlinaNova21)', () => {
    const files: Files = {
      // `kubectl apply -f kubernetes/ks.yaml` once: its folder's
      // kustomization.yaml leaves it out
      'kubernetes/ks.yaml': fluxKustomization('cluster', './kubernetes'),
      'kubernetes/kustomization.yaml': kustomization('kube-system'),
      'kubernetes/kube-system/kustomization.yaml': kustomization(
        'cilium/ks.yaml',
        'snapshot-controller/ks.yaml',
      ),
      'kubernetes/kube-system/cilium/ks.yaml': fluxKustomization(
        'cilium',
        './kubernetes/kube-system/cilium/app',
      ),
      'kubernetes/kube-system/cilium/app/kustomization.yaml':
        kustomization('helmrelease.yaml'),
      'kubernetes/kube-system/cilium/app/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  chart: {spec: {chart: cilium, version: 1.18.4}}\n',
      // an app whose Kustomization reconciles its own folder (Flux
      // generates its kustomization)
      'kubernetes/kube-system/snapshot-controller/ks.yaml': fluxKustomization(
        'snapshot-controller',
        './kubernetes/kube-system/snapshot-controller',
      ),
      'kubernetes/kube-system/snapshot-controller/app/ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: snapshots}\n',
    };
    const tree = createRepoTree(files);
    const report = validateMesh(
      tree,
      resolveConventions({}, detectConventions(tree)),
    );
    expect(entriesOf(report)).toEqual([['cluster', 'kubernetes']]);
    expect(
      report.conventions.find(c => c.setting === 'entries')?.reason,
    ).toMatch(
      /^the repository's one Flux entry point, kubernetes \(Kustomization flux-system\/cluster at kubernetes\/ks\.yaml:\d+ reconciles kubernetes, which holds it, applied by hand/,
    );
  });

  it("takes a flux-operator sync below the others' entry folder for that cluster's entry point, where nothing reconciles the entry folder", () => {
    const files: Files = {
      // tivoli: its flux/ folder reconciles itself
      'kubernetes/tivoli/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/tivoli/flux',
      ),
      // main: a flux-operator sync of flux/config, whose Kustomizations
      // apply flux/settings and apps; nothing builds flux/ as a whole
      'kubernetes/main/flux/config/cluster.yaml': `${fluxKustomization(
        'cluster-settings',
        './kubernetes/main/flux/settings',
      )}---\n${fluxKustomization('cluster-apps', './kubernetes/main/apps')}`,
      'kubernetes/main/flux/settings/kustomization.yaml': kustomization(),
      'kubernetes/main/apps/flux-system/instance/values.yaml':
        'instance:\n  sync:\n    kind: GitRepository\n    url: https://github.com/acme/home-cluster.git\n    path: kubernetes/main/flux/config\n',
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'flux',
      entries: { main: 'kubernetes/main/flux/config' },
    });
    expect(settingOf(found, 'entries')?.reason).toMatch(
      /^main's Flux entry point is kubernetes\/main\/flux\/config \(.*\), below kubernetes\/main\/flux, which nothing reconciles$/,
    );
    // the default settings file of each: in the folder Flux reconciles
    const resolved = resolveConventions(
      {},
      detectConventions(createRepoTree(files)),
    );
    expect(['main', 'tivoli'].map(c => settingsFileOf(resolved, c))).toEqual([
      'kubernetes/main/flux/config/cluster-settings.yaml',
      'kubernetes/tivoli/flux/cluster-settings.yaml',
    ]);
  });

  it("does not take a project's manifests, reconciled from a GitRepository of another URL than the one the sync names, for an entry point of this repository", () => {
    const files = fluxInstanceClusters('');
    for (const c of ['main', 'staging'])
      files[`kubernetes/${c}/apps/flux-system/flux-instance/helmrelease.yaml`] =
        files[
          `kubernetes/${c}/apps/flux-system/flux-instance/helmrelease.yaml`
        ].replace(
          '        kind: GitRepository\n',
          '        kind: GitRepository\n        url: https://github.com/acme/home-ops\n',
        );
    // the operator's project, whose ./kubernetes folder is its manifests
    files['kubernetes/main/apps/keycloak/operator/ks.yaml'] = `${[
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: keycloak-k8s-resources',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1h',
      '  url: https://github.com/keycloak/keycloak-k8s-resources',
      '  ref:',
      '    tag: 26.0.0',
    ].join('\n')}\n---\n${fluxKustomization(
      'keycloak-operator',
      './kubernetes',
    ).replace('name: flux-system\n', 'name: keycloak-k8s-resources\n')}`;
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'cluster/config',
    });
    expect(conventions.flux?.sourceNames).toBeUndefined();
    expect(settingOf(found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of main, staging are under it/,
    );
    // two projects whose manifests are at that path (LukeEvansTech's
    // private fleets): neither is this repository
    files['kubernetes/main/apps/home/fleet/ks.yaml'] = files[
      'kubernetes/main/apps/keycloak/operator/ks.yaml'
    ]
      .replace(/keycloak-k8s-resources/g, 'shelly-fleet')
      .replace('keycloak-operator', 'shelly-fleet-sync')
      .replace('github.com/shelly-fleet', 'github.com/acme/shelly-fleet');
    const two = detectConventions(createRepoTree(files));
    expect(two.conventions.flux?.sourceNames).toBeUndefined();
    expect(two.conventions.clustersPath).toBe('kubernetes');
  });

  it('reads the entry and the version of FluxInstance chart values kept in a file of their own', () => {
    const files: Files = {};
    for (const c of ['main', 'staging']) {
      files[`kubernetes/${c}/cluster/config/cluster.yaml`] = fluxKustomization(
        'cluster-apps',
        `./kubernetes/${c}/apps`,
      );
      const app = `kubernetes/${c}/apps/flux-system/flux-instance/app`;
      files[`${app}/kustomization.yaml`] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\nconfigMapGenerator:\n  - name: flux-instance-helm-values\n    files:\n      - values.yaml=./helm-values.yaml\n';
      files[
        `${app}/helm-values.yaml`
      ] = `---\ninstance:\n  distribution:\n    version: 2.8.1\n  sync:\n    kind: GitRepository\n    path: kubernetes/${c}/cluster/config\n`;
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'cluster/config',
      flux: { strictSubstitution: false },
    });
    expect(settingOf(found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of main, staging are under it; e\.g\. the flux-instance chart values kubernetes\/main\/apps\/flux-system\/flux-instance\/app\/helm-values\.yaml sync it \(instance\.sync\.path at kubernetes\/main\/apps\/flux-system\/flux-instance\/app\/helm-values\.yaml:7\)$/,
    );
    expect(settingOf(found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux 2\.8\.1 \(kubernetes\/main\/apps\/flux-system\/flux-instance\/app\/helm-values\.yaml:4\)/,
    );
  });

  it('reads the Flux version a bootstrap helmfile gives the flux-instance chart, also from a Go template the GitRepository ignores', () => {
    const files: Files = {
      // the bootstrap: the Flux Operator, then the instance, per environment
      'bootstrap/helmfile.d/01-core.yaml.gotmpl': [
        'releases:',
        '  - name: flux-operator',
        '    namespace: flux-system',
        '    chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator',
        '    version: 0.32.0',
        '  - name: flux-instance',
        '    namespace: flux-system',
        '    chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance',
        '    version: 0.32.0',
        '    values:',
        '      - instance:',
        '          distribution:',
        '            version: v2.7.2',
        '          sync:',
        '            kind: GitRepository',
        '            path: kubernetes/clusters/{{ .Environment.Name }}',
        '',
      ].join('\n'),
      // a helmfile whose templates YAML cannot read is passed over
      'bootstrap/helmfile.yaml':
        '{{ if eq .Environment.Name "default" }}\nreleases: []\n{{ end }}\n# flux-instance\n',
    };
    for (const c of ['apps', 'infra'])
      files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux).toMatchObject({ strictSubstitution: false });
    expect(settingOf(found, 'flux.strictSubstitution')?.reason).toBe(
      'Flux v2.7.2 (bootstrap/helmfile.d/01-core.yaml.gotmpl:13) replaces an undefined variable without a default by an empty string (strict only from Flux 2.9)',
    );
  });

  it("takes Flux's version from its repository at a release tag, and not from a bootstrap left behind whose sync path is gone", () => {
    const files: Files = {
      // the Flux of both clusters: its own manifests at a release tag
      'kubernetes/shared/flux.yaml': [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: GitRepository',
        'metadata: {name: flux, namespace: flux-system}',
        'spec:',
        '  interval: 1h',
        '  url: https://github.com/fluxcd/flux2',
        '  ref:',
        '    tag: v2.9.4',
        '  ignore: |',
        '    /*',
        '    !/manifests',
        '',
      ].join('\n'),
      // an old install, archived: its sync path no longer exists
      'archive/base/flux-system/gotk-components.yaml':
        '# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v0.29.5\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
      'archive/base/flux-system/gotk-sync.yaml': fluxKustomization(
        'flux-system',
        './cluster/base',
      ),
    };
    for (const c of ['apps', 'infra'])
      files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.strictSubstitution).toBeUndefined();
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      value: 'true',
      reason:
        'Flux v2.9.4 (kubernetes/shared/flux.yaml:8) fails a Kustomization on an undefined variable without a default (strict since Flux 2.9)',
    });
  });

  it('prefers the Flux versions of what the clusters apply to those of a folder left behind (kube_old/), which nothing reconciles', () => {
    const files: Files = {
      'kube_old/flux/config/kustomization.yaml': kustomization('flux.yaml'),
      'kube_old/flux/config/flux.yaml':
        'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n  namespace: flux-system\nspec:\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref:\n    tag: v2.2.3\n',
    };
    for (const c of ['apps', 'infra']) {
      files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
      files[`kubernetes/clusters/${c}/flux-system/gotk-components.yaml`] =
        '# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.9.1\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
    }
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      value: 'true',
      reason: expect.stringMatching(
        /^Flux v2\.9\.1 \(kubernetes\/clusters\/apps\/flux-system\/gotk-components\.yaml:2\), as in all 2 places found,/,
      ),
    });
  });

  it('reads the Flux version of a flux-manifests tag written as a variable with a default (${FLUXCD_VERSION:=v2.8.5})', () => {
    const files: Files = {
      'kube/flux/install.yaml':
        'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n  namespace: flux-system\nspec:\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref:\n    tag: ${FLUXCD_VERSION:=v2.8.5}\n',
    };
    for (const c of ['apps', 'infra'])
      files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      value: 'false',
      reason:
        'Flux v2.8.5 (kube/flux/install.yaml:9) replaces an undefined variable without a default by an empty string (strict only from Flux 2.9)',
    });
  });

  /** Two clusters whose entries reconcile their folder from a GitRepository named after the repository. */
  function ownNamedSource(): Files {
    const files: Files = {};
    const gitRepository = (name: string, ref: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 30m\n  ref:\n    branch: ${ref}\n  url: https://github.com/acme/home-ops.git\n`;
    for (const c of ['main', 'edge']) {
      files[`kubernetes/${c}/flux/config/cluster.yaml`] = `${gitRepository(
        'home-ops-kubernetes',
        'main',
      )}---\n${fluxKustomization('cluster', `./kubernetes/${c}/flux`).replace(
        'name: flux-system\n',
        'name: home-ops-kubernetes\n',
      )}`;
      files[`kubernetes/${c}/flux/apps.yaml`] = fluxKustomization(
        'cluster-apps',
        `./kubernetes/${c}/apps`,
      ).replace('name: flux-system\n', 'name: home-ops-kubernetes\n');
      files[`kubernetes/${c}/flux/config/flux.yaml`] =
        'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n  namespace: flux-system\nspec:\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref:\n    tag: v2.3.0\n';
    }
    // the same repository under a third name; and its other branch, another tree
    files['kubernetes/shared/sources.yaml'] = `${gitRepository(
      'home-ops',
      'main',
    )}---\n${gitRepository('home-ops-next', 'next')}`;
    files['kubernetes/shared/kustomization.yaml'] =
      kustomization('sources.yaml');
    return files;
  }

  it('takes the GitRepository the entry points reconcile from, and one with its URL and ref, as this repository', () => {
    const { conventions, found } = detectConventions(
      createRepoTree(ownNamedSource()),
    );
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'flux',
      flux: {
        sourceNames: ['flux-system', 'home-ops-kubernetes', 'home-ops'],
        strictSubstitution: false,
      },
    });
    expect(settingOf(found, 'flux.sourceNames')?.reason).toBe(
      'Kustomization flux-system/cluster reconciles kubernetes/edge/flux, which holds it, from GitRepository home-ops-kubernetes (kubernetes/edge/flux/config/cluster.yaml:23); GitRepository home-ops fetches the same repository and ref as home-ops-kubernetes (kubernetes/shared/sources.yaml:10)',
    );
    expect(settingOf(found, 'flux.strictSubstitution')?.reason).toMatch(
      /^Flux v2\.3\.0 \(kubernetes\/edge\/flux\/config\/flux\.yaml:9\), as in all 2 places found, replaces an undefined variable/,
    );
  });

  it("reads the ExternalDNS the entry points the conventions name reach, not one whose ks.yaml is left out (jalim's commented-out powerdns)", () => {
    const files: Files = {
      // applied by the bootstrap: no Kustomization reconciles its folder
      'kubernetes/flux/apps.yaml': fluxKustomization(
        'cluster-apps',
        './kubernetes/apps',
      ),
      'kubernetes/apps/kustomization.yaml': kustomization('./pdns/ks.yaml'),
      'kubernetes/apps/pdns/ks.yaml': fluxKustomization(
        'pdns',
        './kubernetes/apps/pdns/app',
      ),
      'kubernetes/apps/pdns/app/helmrelease.yaml': externalDnsRelease('pdns', [
        'sources: [crd]',
      ]),
      // its ks.yaml is listed nowhere: it runs in no cluster
      'kubernetes/apps/cloudflare/ks.yaml': fluxKustomization(
        'cloudflare',
        './kubernetes/apps/cloudflare/app',
      ),
      'kubernetes/apps/cloudflare/app/helmrelease.yaml': externalDnsRelease(
        'cloudflare',
        ['sources: [crd]'],
      ),
    };
    const provider = (explicit = {}) =>
      settingOf(
        detectConventions(createRepoTree(files), explicit).found,
        'dns.provider',
      );
    expect(provider({ entries: { main: 'kubernetes/flux' } })).toMatchObject({
      value: 'other',
      reason: expect.not.stringMatching(/cloudflare\/app/),
    });
  });

  it("takes a GitRepository of the URL and branch a FluxInstance syncs as this repository (stuttgart-things' flux-apps), not one of another branch or URL", () => {
    const files: Files = {};
    const gitRepository = (name: string, ref: string, url: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  ref:\n    ${ref}\n  url: ${url}\n`;
    for (const c of ['east', 'west']) {
      files[`clusters/${c}/flux.yaml`] = [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: FluxInstance',
        'metadata: {name: flux, namespace: flux-system}',
        'spec:',
        '  distribution: {version: 2.x, registry: ghcr.io/fluxcd}',
        '  sync:',
        '    kind: GitRepository',
        '    url: ssh://git@github.com/acme/fleet.git',
        '    ref: refs/heads/main',
        `    path: clusters/${c}`,
        '',
      ].join('\n');
      files[`clusters/${c}/apps.yaml`] = fluxKustomization(
        'apps',
        './apps',
      ).replace('name: flux-system\n', 'name: fleet-apps\n');
    }
    files['clusters/east/sources.yaml'] = `${gitRepository(
      'fleet-apps',
      'branch: main',
      'https://github.com/acme/fleet',
    )}---\n${gitRepository(
      'fleet-next',
      'name: refs/heads/next',
      'https://github.com/acme/fleet',
    )}---\n${gitRepository(
      'upstream',
      'branch: main',
      'https://github.com/other/fleet',
    )}`;
    files['clusters/west/sources.yaml'] = gitRepository(
      'fleet-apps',
      'name: refs/heads/main',
      'https://github.com/acme/fleet.git',
    );
    files['apps/kustomization.yaml'] = kustomization('cm.yaml');
    files['apps/cm.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: apps\n  namespace: default\n';
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.sourceNames).toEqual([
      'flux-system',
      'fleet-apps',
    ]);
    expect(settingOf(found, 'flux.sourceNames')?.reason).toBe(
      "GitRepository fleet-apps fetches the same repository and ref as the FluxInstance's sync at clusters/east/flux.yaml:8 (clusters/east/sources.yaml:10)",
    );
  });

  describe('with Kustomizations that build an ExternalArtifact (Flux 2.7 ArtifactGenerator)', () => {
    /** Two clusters; each builds its folder of `infrastructure` from the artifact, three Kustomizations each. */
    const artifactRepository = (copy: string, stripped = '') => {
      const files: Files = {
        'flux/artifacts/generator.yaml': `apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: split\n  namespace: flux-system\nspec:\n  sources:\n    - alias: repo\n      kind: GitRepository\n      name: flux-system\n  artifacts:\n    - name: infra\n      copy:\n${copy}`,
        'flux/artifacts/kustomization.yaml': kustomization('generator.yaml'),
      };
      for (const c of ['east', 'west']) {
        files[`clusters/${c}/flux/sync.yaml`] = fluxKustomization(
          'flux-system',
          `./clusters/${c}`,
        );
        files[`clusters/${c}/artifacts.yaml`] = fluxKustomization(
          'artifacts',
          './flux/artifacts',
        );
        for (const part of ['network', 'storage', 'dns'])
          files[`clusters/${c}/${part}.yaml`] = fluxKustomization(
            `${part}`,
            `./${`infrastructure/${c}/${part}`.slice(stripped.length)}`,
          ).replace(
            'kind: GitRepository\n    name: flux-system',
            'kind: ExternalArtifact\n    name: infra',
          );
        for (const part of ['network', 'storage', 'dns'])
          files[`infrastructure/${c}/${part}/kustomization.yaml`] =
            kustomization('config.yaml');
        for (const part of ['network', 'storage', 'dns'])
          files[
            `infrastructure/${c}/${part}/config.yaml`
          ] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${part}\n  namespace: default\ndata:\n  cluster: ${c}\n`;
      }
      const tree = createRepoTree(files);
      const detection = detectConventions(tree);
      return {
        tree,
        detection,
        report: validateMesh(tree, resolveConventions({}, detection)),
      };
    };

    it("takes an artifact that copies this repository's folders to the same paths for this repository", () => {
      const { detection, report } = artifactRepository(
        '        - from: "@repo/infrastructure/**"\n          to: "@artifact/infrastructure/"\n',
      );
      expect(detection.conventions.flux?.sourceNames).toEqual([
        'flux-system',
        'infra',
      ]);
      expect(settingOf(detection.found, 'flux.sourceNames')).toMatchObject({
        reason:
          "ExternalArtifact infra is this repository's infrastructure as it is: ArtifactGenerator split copies it from GitRepository flux-system to the same paths",
        location: { file: 'flux/artifacts/generator.yaml', line: 12 },
      });
      // what the artifact's Kustomizations apply is read
      expect(report.notEvaluated).toEqual([]);
    });

    it('does not take it for this repository when a Kustomization builds a path outside the copied folders (not in the artifact)', () => {
      const { detection } = artifactRepository(
        '        - from: "@repo/infrastructure/east/**"\n          to: "@artifact/infrastructure/east/"\n',
      );
      expect(detection.conventions.flux?.sourceNames).toBeUndefined();
    });

    it("takes an artifact whose copies keep the paths below one folder for that folder (the artifact's root)", () => {
      // the shape of a monorepo split into artifacts: infrastructure/ at
      // the root, and its clusters' folders at the same paths below it
      const { tree, detection, report } = artifactRepository(
        '        - from: "@repo/infrastructure/east/**"\n          to: "@artifact/east/"\n        - from: "@repo/infrastructure/west/**"\n          to: "@artifact/west"\n',
        'infrastructure/',
      );
      expect(detection.conventions.flux?.sourceNames).toBeUndefined();
      expect(detection.conventions.flux?.sourceRoots).toEqual({
        infra: 'infrastructure',
      });
      expect(settingOf(detection.found, 'flux.sourceRoots')).toMatchObject({
        reason:
          "ExternalArtifact infra is this repository's infrastructure/east, infrastructure/west as it is: ArtifactGenerator split copies it from GitRepository flux-system with infrastructure/ as the artifact's root",
        location: { file: 'flux/artifacts/generator.yaml', line: 12 },
      });
      expect(report.notEvaluated).toEqual([]);
      // each cluster's ConfigMaps, read from the folders below the root
      const model = buildMeshModel(tree, resolveConventions({}, detection));
      expect(
        model.clusters.map(c => [
          c.name,
          c.render.objects
            .filter(o => o.object.kind === 'ConfigMap')
            .map(o => o.object.source.file)
            .sort(),
        ]),
      ).toEqual(
        ['east', 'west'].map(c => [
          c,
          ['dns', 'network', 'storage'].map(
            part => `infrastructure/${c}/${part}/config.yaml`,
          ),
        ]),
      );
    });

    it('says once, not per Kustomization nor per artifact, that those it does not build are not evaluated', () => {
      // copied under another name: not this repository's paths
      const { detection, report } = artifactRepository(
        '        - from: "@repo/infrastructure/**"\n          to: "@artifact/infra/"\n',
      );
      expect(detection.conventions.flux?.sourceNames).toBeUndefined();
      expect(report.notEvaluated).toEqual([
        expect.objectContaining({
          message:
            "Kustomizations build ExternalArtifacts, which ArtifactGenerators compose; this engine builds one only when its copies keep this repository's paths (below one folder) and it is built only inside them, so what they apply is not evaluated",
          affects: expect.objectContaining({
            count: 6,
            clusters: ['east', 'west'],
          }),
        }),
      ]);
    });
  });

  it("says why it takes no Flux entry point where each cluster's Kustomization reconciles the folder holding it but is left out of that build", () => {
    const files: Files = {};
    for (const c of ['kind', 'lab']) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
      files[`clusters/${c}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
      // the cluster's list leaves flux-system out (applied another way)
      files[`clusters/${c}/kustomization.yaml`] = kustomization('apps.yaml');
      files[`clusters/${c}/apps.yaml`] = fluxKustomization('apps', './apps');
    }
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'clustersPath')?.reason).toMatch(
      /^no Flux entry point found that applies itself: 2 Kustomizations \(e\.g\. clusters\/kind\/flux-system\/gotk-sync\.yaml:\d+\) reconcile the folders holding them, but those folders' kustomizations do not list them; clusters\/ exists$/,
    );
  });

  it('takes a Kustomization reconciling the folder that holds it for an entry point where the folder applies it through a Kustomization of its own', () => {
    // lunapageofspace's shape: `apps` (Flux generates its kustomization)
    // applies flux-system/instance/ks.yaml, whose `roots` Kustomization
    // applies the one reconciling `apps`
    const files: Files = {};
    for (const c of ['main', 'testing']) {
      const apps = `kubernetes/${c}/apps`;
      files[`${apps}/flux-system/instance/ks.yaml`] = fluxKustomization(
        'flux-instance-roots',
        `./${apps}/flux-system/instance/roots`,
      );
      files[`${apps}/flux-system/instance/roots/cluster.yaml`] =
        fluxKustomization('cluster-apps', `./${apps}`);
      // flux-system's own list takes the roots only through that one
      files[`${apps}/flux-system/kustomization.yaml`] =
        kustomization('./instance/ks.yaml');
      files[`${apps}/flux-system/instance/roots/kustomization.yaml`] =
        kustomization('./cluster.yaml');
      files[`${apps}/network/app/cm.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: network\n';
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBe('kubernetes');
    expect(conventions.entryPath).toBe('apps');
    expect(settingOf(found, 'entryPath')?.reason).toMatch(
      /reconciles kubernetes\/main\/apps, which holds it and applies it through the Kustomization reconciling kubernetes\/main\/apps\/flux-system\/instance\/roots$/,
    );
    // not one the folder does not apply at all
    delete files['kubernetes/main/apps/flux-system/instance/ks.yaml'];
    delete files['kubernetes/testing/apps/flux-system/instance/ks.yaml'];
    expect(
      detectConventions(createRepoTree(files)).conventions.entryPath,
    ).toBeUndefined();
  });

  it('does not take a mirror of the entry folder (another source) for this repository, nor read hidden folders', () => {
    const files: Files = {};
    for (const c of ['main', 'edge']) {
      files[`kube/clusters/${c}/flux/flux-repo.yaml`] = `${fluxKustomization(
        `0-${c}-config`,
        `./kube/clusters/${c}/flux`,
      )}---\n${fluxKustomization(
        `0-${c}-mirror`,
        `./kube/clusters/${c}/flux`,
      ).replace('name: flux-system\n', 'name: soft-serve\n')}`;
    }
    // an archived install of an old Flux: not what the clusters run
    files['.archive/kube/clusters/main/flux/flux-install.yaml'] =
      'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n  namespace: flux-system\nspec:\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref:\n    tag: v2.1.0\n';
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBe('kube/clusters');
    expect(conventions.flux).toBeUndefined();
    expect(settingOf(found, 'flux.sourceNames')).toBeUndefined();
    expect(settingOf(found, 'flux.strictSubstitution')?.source).toBe('default');
  });

  it('writes the ClusterMesh variables in lower_snake_case where every settings key is (cluster_name, domain)', () => {
    const files = settingsRepository(
      ['local', 'prod'],
      [['ConfigMap', 'cluster-settings']],
      'cluster-settings',
      c =>
        `  cluster_name: ${c}\n  cilium_cluster_id: "1"\n  domain: example.net\n`,
    );
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    // the report says where each came from
    expect(
      resolveConventions({}, detectConventions(tree))
        .provenance?.filter(p => p.setting.startsWith('variables.'))
        .map(p => [p.setting, p.value, p.source]),
    ).toEqual([
      ['variables.fqdn', 'cilium_clustermesh_fqdn', 'detected'],
      ['variables.lbIp', 'cilium_clustermesh_lb_ip', 'detected'],
      ['variables.peerFqdn', 'cilium_clustermesh_{peer}_fqdn', 'detected'],
    ]);
    expect(conventions.variables).toEqual({
      fqdn: 'cilium_clustermesh_fqdn',
      lbIp: 'cilium_clustermesh_lb_ip',
      peerFqdn: 'cilium_clustermesh_{peer}_fqdn',
    });
    expect(settingOf(found, 'variables.peerFqdn')?.reason).toMatch(
      /^the keys of ConfigMap cluster-settings are lower_snake_case \(e\.g\. cluster_name, cilium_cluster_id, domain; at clusters\/local\/vars.yaml:\d+\)$/,
    );
    // one upper-case key, and the defaults stay
    files['clusters/prod/vars.yaml'] += '  EXTRA: "1"\n';
    expect(
      detectConventions(createRepoTree(files)).conventions.variables,
    ).toBeUndefined();
  });

  it('takes one of two sources of different URLs reconciling the same folder for this repository, not both (a public and a private repository)', () => {
    const gitRepository = (name: string, url: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: ${url}\n  ref:\n    branch: main\n`;
    const files: Files = {};
    for (const c of ['alpha', 'beta']) {
      const root = (name: string, source: string) =>
        fluxKustomization(name, `./kubernetes/${c}/apps`).replace(
          'name: flux-system\n',
          `name: ${source}\n`,
        );
      files[`kubernetes/${c}/apps/roots.yaml`] = [
        gitRepository('apps-public', 'https://example.com/owner/homelab.git'),
        root('apps-public', 'apps-public'),
        gitRepository(
          'apps-private',
          'ssh://git@example.com/owner/homelab-private.git',
        ),
        root('apps-private', 'apps-private'),
      ].join('---\n');
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.sourceNames).toEqual([
      'flux-system',
      'apps-public',
    ]);
    expect(settingOf(found, 'flux.sourceNames')?.reason).toMatch(
      /; GitRepository apps-private reconciles it too from another URL: another repository, whose objects are not evaluated \(name it in flux.sourceNames if it is this one\)$/,
    );
    // the URL that reconciles more of the folders that hold it wins
    for (const c of ['alpha', 'beta'])
      files[`kubernetes/${c}/infra/root.yaml`] = fluxKustomization(
        'infra-private',
        `./kubernetes/${c}/infra`,
      ).replace('name: flux-system\n', 'name: apps-private\n');
    expect(
      detectConventions(createRepoTree(files)).conventions.flux?.sourceNames,
    ).toEqual(['flux-system', 'apps-private']);
  });

  it('takes a single entry point at the top of the repository for a repository of one cluster, not its other folders for clusters', () => {
    // `flux bootstrap --path=infrastructure`, beside folders of other tools
    const files: Files = {
      'infrastructure/kustomization.yaml': kustomization(
        'cilium/helmrelease.yaml',
        'flux/gitops-source.yaml',
      ),
      'infrastructure/cilium/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  values: {}\n',
      'infrastructure/flux/gitops-source.yaml': fluxKustomization(
        'infrastructure',
        './infrastructure',
      ),
      'services/kustomization.yaml': kustomization('app.yaml'),
      'services/app.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n',
      'hosts/node1/configuration.nix': '{ }\n',
    };
    const tree = createRepoTree(files);
    const { conventions } = detectConventions(tree);
    expect(conventions.clustersPath).toBeUndefined();
    expect(conventions.clusters).toBeUndefined();
    const report = validateMesh(tree, resolveConventions(conventions));
    // its other folders (services, hosts) are no clusters
    expect(entriesOf(report)).toEqual([['infrastructure', 'infrastructure']]);
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ clusters: 1, errors: 0 });
  });

  it('finds cluster folders at the top of the repository: the folders with an entry point, not the others', () => {
    const files: Files = {
      'docs/kustomization.yaml': kustomization('site.yaml'),
      'docs/site.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: site}\n',
    };
    for (const c of ['prod', 'staging']) {
      files[`${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./${c}`,
      );
      files[`${c}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
    }
    const tree = createRepoTree(files);
    const detection = detectConventions(tree);
    expect(detection.conventions).toMatchObject({
      clustersPath: '',
      clusters: ['prod', 'staging'],
    });
    const report = validateMesh(
      tree,
      resolveConventions(detection.conventions),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['prod', 'staging']);
    expect(report.findings.filter(f => f.code === 'no-clusters')).toEqual([]);
  });

  it("names a cluster found at the top of the repository as the conventions' entries name its entry point, once (ewatkins' kubernetes/flux as a, kubernetes-b/flux as b)", () => {
    const files: Files = {};
    for (const dir of ['kubernetes', 'kubernetes-b']) {
      files[`${dir}/flux/config/cluster.yaml`] = fluxKustomization(
        'cluster',
        `./${dir}/flux`,
      );
      files[`${dir}/flux/kustomization.yaml`] = kustomization('config');
      files[`${dir}/flux/config/kustomization.yaml`] =
        kustomization('cluster.yaml');
    }
    const tree = createRepoTree(files);
    // without entries: the folders' names, at the top of the repository
    const byFolders = detectConventions(tree);
    expect(
      validateMesh(
        tree,
        resolveConventions(byFolders.conventions),
      ).clusters.map(c => c.name),
    ).toEqual(['kubernetes', 'kubernetes-b']);
    expect(settingOf(byFolders.found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of kubernetes-b, kubernetes are folders at the top of the repository; e\.g\./,
    );
    expect(
      planMeshDnsChange(
        tree,
        {
          clusters: [
            { name: 'a', ip: '10.0.0.10' },
            { name: 'kubernetes', ip: '10.1.0.10' },
          ],
        },
        resolveConventions({}, byFolders),
      ).problems.map(p => p.message),
    ).toContainEqual(
      '"a" is not a cluster of the repository (the top of the repository has kubernetes, kubernetes-b)',
    );
    const explicit = {
      entries: { a: 'kubernetes/flux', b: 'kubernetes-b/flux' },
    };
    const detection = detectConventions(tree, explicit);
    expect(detection.conventions.clusters).not.toContain('kubernetes');
    const report = validateMesh(tree, resolveConventions(explicit, detection));
    expect(entriesOf(report)).toEqual([
      ['a', 'kubernetes/flux'],
      ['b', 'kubernetes-b/flux'],
    ]);
    // the detected clusters say the names the run uses, and where from
    const clusters = report.conventions?.find(p => p.setting === 'clusters');
    expect(clusters?.value).toBe('a, b');
    expect(clusters?.reason).toMatch(
      /; named as the conventions' entries name their entry points \(a: kubernetes\/flux, b: kubernetes-b\/flux\)$/,
    );
  });

  it("keeps the default settings name where a cluster is named cluster: cluster-settings is no {cluster}-settings (mrwulf's cluster and cluster-lab)", () => {
    const files: Files = {};
    for (const dir of ['cluster', 'cluster-lab']) {
      files[`${dir}/flux/config/cluster.yaml`] = fluxKustomization(
        'cluster',
        `./${dir}/flux`,
      );
      files[`${dir}/flux/config/kustomization.yaml`] =
        kustomization('cluster.yaml');
      files[`${dir}/flux/kustomization.yaml`] = kustomization(
        'config',
        'apps.yaml',
        'cluster-settings.yaml',
      );
      files[`${dir}/flux/apps.yaml`] = ['apps', 'infra']
        .map(k =>
          fluxKustomization(
            k,
            `./${dir}/apps`,
            substituteFrom(
              ['ConfigMap', 'cluster-settings'],
              ['Secret', 'cluster-secrets'],
            ),
          ),
        )
        .join('---\n');
      files[`${dir}/flux/cluster-settings.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata: {CLUSTER_NAME: x}\n';
      files[`${dir}/apps/kustomization.yaml`] = kustomization('app.yaml');
      files[`${dir}/apps/app.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\n';
    }
    const detection = detectConventions(createRepoTree(files));
    expect(detection.conventions.clusters).toEqual(['cluster', 'cluster-lab']);
    expect(detection.conventions.settings?.configMap).toBeUndefined();
    expect(detection.conventions.settings?.secret).toBeUndefined();
    expect(settingOf(detection.found, 'settings.configMap')).toBeUndefined();
  });

  it("does not take a folder of this repository for one a Kustomization of another repository's source builds (mrwulf's other-apps of other-git at ./)", () => {
    const files: Files = {
      'docs/kustomization.yaml': kustomization('site.yaml'),
      'docs/site.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: site}\n',
    };
    for (const c of ['home', 'lab']) {
      files[`${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./${c}`,
      );
      files[`${c}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
    }
    files['home/other.yaml'] = fluxKustomization('other-apps', './').replace(
      'name: flux-system\n',
      'name: other-git\n',
    );
    const detection = detectConventions(createRepoTree(files));
    expect(detection.conventions.clusters).toEqual(['home', 'lab']);
    expect(settingOf(detection.found, 'clusters')?.reason).not.toMatch(
      /docs is not a cluster: cluster home applies it/,
    );
  });

  it('takes a cluster the conventions give an entry point of its own (entries), with no folder under the clusters path', () => {
    // the Flux folders a bootstrap task applies, one per cluster, side by side
    const files: Files = {};
    for (const [c, dir] of [
      ['main', 'kubernetes/flux'],
      ['edge', 'kubernetes/flux-edge'],
    ])
      files[`${dir}/apps.yaml`] = fluxKustomization(
        'cluster-apps',
        `./kubernetes/apps${c === 'main' ? '' : `-${c}`}`,
      );
    for (const apps of ['kubernetes/apps', 'kubernetes/apps-edge'])
      files[`${apps}/kustomization.yaml`] = kustomization('app.yaml');
    files['kubernetes/apps/app.yaml'] = files['kubernetes/apps-edge/app.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\n';
    const tree = createRepoTree(files);
    const entries = { main: 'kubernetes/flux', edge: 'kubernetes/flux-edge' };
    const report = validateMesh(
      tree,
      resolveConventions({ entries }, detectConventions(tree)),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['edge', 'main']);
    expect(report.findings.filter(f => f.code === 'no-clusters')).toEqual([]);
    // listed, with an entry point that holds no Flux object: said as such
    const listed = validateMesh(
      tree,
      resolveConventions(
        {
          clusters: ['main', 'edge', 'dr'],
          entries: { ...entries, dr: 'kubernetes/flux-dr' },
        },
        detectConventions(tree),
      ),
    );
    expect(listed.clusters.map(c => c.name)).toEqual(['edge', 'main']);
    expect(
      listed.findings.filter(f => f.code === 'no-clusters').map(f => f.message),
    ).toEqual([
      'the conventions list cluster dr with the entry point kubernetes/flux-dr (entries), which holds no Flux Kustomization or FluxInstance (it does not exist), and kubernetes/clusters/dr/ does not exist',
    ]);
  });

  it('takes no entry point from a template: a source named by a placeholder, a path that does not exist', () => {
    // a library of components other repositories reconcile, one of which
    // carries a Kustomization template for them
    const files: Files = {
      'infrastructure/cert-manager/kustomization.yaml':
        kustomization('release.yaml'),
      'infrastructure/cert-manager/release.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
      'infrastructure/csi-driver/kustomization.yaml':
        kustomization('automation.yaml'),
      'infrastructure/csi-driver/automation.yaml': fluxKustomization(
        'csi-driver',
        './infrastructure/csi-driver',
      ).replace('name: flux-system\n', 'name: FLUX_REPO_NAME\n'),
      // a FluxInstance whose path each cluster patches
      'platform/flux/instance.yaml':
        'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\nspec:\n  sync:\n    kind: GitRepository\n    path: ./clusters/PLACEHOLDER\n',
    };
    for (const c of ['mgmt', 'edge'])
      files[`clusters/${c}/flux/sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBe('clusters');
    expect(settingOf(found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of edge, mgmt are under it/,
    );
    expect(conventions.flux?.sourceNames ?? []).not.toContain('FLUX_REPO_NAME');
    // the library alone: no cluster at all
    delete files['clusters/mgmt/flux/sync.yaml'];
    delete files['clusters/edge/flux/sync.yaml'];
    const library = detectConventions(createRepoTree(files));
    expect(library.conventions.clustersPath).toBeUndefined();
    expect(settingOf(library.found, 'clustersPath')?.value).not.toBe(
      'infrastructure',
    );
  });

  it("takes each cluster's own GitRepository's ignore rules where its entry point is its folder's plain kustomization (found after the others')", () => {
    const source = (kept: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: gitops\n  namespace: flux-system\nspec:\n  url: https://github.com/example/gitops\n  ref: {branch: main}\n  ignore: |\n    /*\n    !/k8s/global\n    !/k8s/clusters/${kept}\n`;
    const reconciling = (name: string, path: string) =>
      fluxKustomization(name, path).replace(
        'name: flux-system\n',
        'name: gitops\n',
      );
    const files: Files = {
      'k8s/global/namespace.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n',
      // nas: its flux/ folder reconciles itself, with its own source
      'k8s/clusters/nas/flux/config/cluster.yaml': `${source(
        'nas',
      )}---\n${reconciling('cluster', './k8s/clusters/nas/flux')}`,
      'k8s/clusters/nas/flux/global.yaml': reconciling(
        'global',
        './k8s/global',
      ),
    };
    for (const c of ['edge', 'lab']) {
      // the bootstrap applies the folder's kustomization: its source, and
      // a Kustomization of part of its flux/ folder
      files[`k8s/clusters/${c}/kustomization.yaml`] = kustomization(
        './flux/repositories/gitops.yaml',
        './deploy-cluster.yaml',
      );
      files[`k8s/clusters/${c}/flux/repositories/gitops.yaml`] = source(c);
      files[`k8s/clusters/${c}/deploy-cluster.yaml`] = reconciling(
        'deploy',
        `./k8s/clusters/${c}/flux/deploy`,
      );
      files[`k8s/clusters/${c}/flux/deploy/global.yaml`] = reconciling(
        'global',
        './k8s/global',
      );
    }
    // a service there asks LB IPAM with the older key: what that entry
    // point reaches counts for the conventions too, beside a file nas
    // reaches that only names the key in a comment
    files['k8s/clusters/nas/flux/global.yaml'] +=
      '# a Service here may ask io.cilium/lb-ipam-ips one day\n';
    files['k8s/clusters/edge/flux/deploy/dns.yaml'] =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: dns\n  namespace: tools\n  annotations:\n    io.cilium/lb-ipam-ips: 10.0.0.53\nspec:\n  type: LoadBalancer\n';
    const tree = createRepoTree(files);
    const detection = detectConventions(tree);
    expect(detection.conventions.entries).toEqual({
      edge: 'k8s/clusters/edge',
      lab: 'k8s/clusters/lab',
    });
    // every cluster's list: a folder is left out only where all leave it out
    expect(detection.conventions.flux?.sourceIgnore).toHaveLength(3);
    expect(settingOf(detection.found, 'flux.sourceIgnore')?.value).toBe(
      '3 lists',
    );
    expect(
      detection.found.filter(f => f.setting === 'flux.sourceIgnore'),
    ).toHaveLength(1);
    expect(settingOf(detection.found, 'cilium.lbIpamAnnotation')).toMatchObject(
      {
        value: 'io.cilium/lb-ipam-ips',
        location: {
          file: 'k8s/clusters/edge/flux/deploy/dns.yaml',
          line: 7,
        },
      },
    );
    const report = validateMesh(
      tree,
      resolveConventions(detection.conventions),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['edge', 'lab', 'nas']);
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
  });

  it('leaves out what every GitRepository of this repository leaves out (spec.ignore), and keeps what only some do', () => {
    const gitRepository = (ignore: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: homelab\n  namespace: flux-system\nspec:\n  url: https://github.com/example/homelab\n  ref: {branch: main}\n  ignore: |\n${ignore
        .split('\n')
        .map(l => `    ${l}`)
        .join('\n')}\n`;
    /** Each cluster's source: everything but the shared folder and its own, nor helmfile's files. */
    const ignoreFor = (c: string) =>
      `/*\n!/kubernetes/defaults\n!/kubernetes/${c}\n/kubernetes/**/helmfile*.yaml`;
    const files = (ignores: Record<string, string>): Files => {
      const out: Files = {
        // helmfile's own files beside Flux's manifests: not Kubernetes objects
        'kubernetes/defaults/helmfile.yaml':
          'repositories:\n  - name: cilium\n    url: https://helm.cilium.io\n',
        'kubernetes/defaults/namespace.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n',
      };
      for (const [c, ignore] of Object.entries(ignores)) {
        out[`kubernetes/${c}/flux/config/cluster.yaml`] = `${gitRepository(
          ignore,
        )}---\n${fluxKustomization('cluster', `./kubernetes/${c}/flux`).replace(
          'name: flux-system\n',
          'name: homelab\n',
        )}`;
        out[`kubernetes/${c}/flux/defaults.yaml`] = fluxKustomization(
          'defaults',
          './kubernetes/defaults',
        ).replace('name: flux-system\n', 'name: homelab\n');
      }
      return out;
    };
    const errorsOf = (ignores: Record<string, string>) => {
      const tree = createRepoTree(files(ignores));
      const detection = detectConventions(tree);
      const report = validateMesh(
        tree,
        resolveConventions(detection.conventions),
      );
      return {
        detection,
        report,
        codes: report.findings
          .filter(f => f.severity === 'error')
          .map(f => f.code),
      };
    };
    const both = errorsOf({
      darwin: ignoreFor('darwin'),
      staging: ignoreFor('staging'),
    });
    expect(both.detection.conventions.flux?.sourceIgnore).toHaveLength(2);
    expect(both.codes).toEqual([]);
    // each source ignores the other cluster's folder: both clusters are read
    expect(both.report.clusters.map(c => c.name)).toEqual([
      'darwin',
      'staging',
    ]);
    // one source does not leave helmfile.yaml out: Flux's generated
    // kustomization decodes it, and fails
    const one = errorsOf({
      darwin: ignoreFor('darwin'),
      staging: '/kubernetes/**/*.md',
    });
    expect(one.codes).toContain('manifest-invalid');
    // a list that keeps another folder than its own (a copy left unchanged):
    // both lists leave darwin out; it is still a cluster, whose Flux fails
    const stale = errorsOf({
      darwin: ignoreFor('test'),
      staging: ignoreFor('staging'),
    });
    expect(stale.report.clusters.map(c => c.name)).toEqual([
      'darwin',
      'staging',
    ]);
    expect(
      stale.report.findings
        .filter(f => f.severity === 'error')
        .map(f => `${f.cluster}: ${f.message}`),
    ).toContain(
      "darwin: Kustomization flux-system/cluster reconciles kubernetes/darwin/flux, which the source's ignore rules (.sourceignore, spec.ignore) leave out of what Flux fetches; Flux fails the Kustomization",
    );
    // configure knows it as a cluster too (whatever else stops the change)
    const staleTree = createRepoTree(
      files({ darwin: ignoreFor('test'), staging: ignoreFor('staging') }),
    );
    const plan = planMeshDnsChange(
      staleTree,
      { clusters: [{ name: 'darwin', ip: '10.0.0.1' }] },
      resolveConventions(detectConventions(staleTree).conventions),
    );
    expect(plan.problems.map(p => p.message).join('\n')).not.toMatch(
      /is not a cluster of the repository/,
    );
    // the setting shows the patterns, not the comments between them
    const commented = detectConventions(
      createRepoTree(
        files({ darwin: '# all but\n/*\n# its folder\n!/kubernetes/darwin' }),
      ),
    );
    expect(settingOf(commented.found, 'flux.sourceIgnore')?.value).toBe(
      '/* !/kubernetes/darwin',
    );
    // why, in a sentence: one list or several, one other source or more
    const because = (ignores: Record<string, string>) =>
      settingOf(
        detectConventions(createRepoTree(files(ignores))).found,
        'flux.sourceIgnore',
      )?.reason;
    const same = '/*\n!/kubernetes';
    expect(because({ darwin: same, staging: same })).toBe(
      "GitRepository homelab leaves these paths out of what Flux builds (spec.ignore at kubernetes/darwin/flux/config/cluster.yaml:9), and so does 1 other GitRepository of this repository: each cluster's Flux applies its own list, so a file is read here unless every one leaves it out, and a Kustomization whose own source leaves its path out fails",
    );
    expect(
      because({ darwin: ignoreFor('darwin'), staging: ignoreFor('staging') }),
    ).toMatch(
      /, and 1 other GitRepository of this repository leaves out paths of its own: each cluster's Flux applies its own list, so a file is read here unless every one leaves it out, and a Kustomization whose own source leaves its path out fails$/,
    );
    // an archived copy of a cluster's Flux folder, which no entry point
    // builds (Ramblurr's archive/): its source's wider list is no cluster's
    const archived = files({ darwin: ignoreFor('darwin') });
    archived['archive/old/flux/config/cluster.yaml'] = `${gitRepository(
      '/*\n!/kubernetes',
    )}---\n${fluxKustomization('cluster', './kubernetes/old/flux')}`;
    const fromArchive = detectConventions(createRepoTree(archived));
    expect(fromArchive.conventions.flux?.sourceIgnore).toEqual([
      `${ignoreFor('darwin')}\n`,
    ]);
    expect(settingOf(fromArchive.found, 'flux.sourceIgnore')?.reason).toMatch(
      /^GitRepository homelab leaves these paths out of what Flux builds \(spec\.ignore at kubernetes\/darwin\/flux\/config\/cluster\.yaml:9\)$/,
    );
  });

  it("leaves nothing out when another cluster's entry point is reconciled from a source no file declares (a FluxInstance's sync)", () => {
    // tivoli's own GitRepository keeps only its folder; main is synced by a
    // FluxInstance, whose GitRepository flux-system is made by the operator
    const files: Files = {
      'kubernetes/tivoli/flux/config/cluster.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: tivoli-src\n  namespace: flux-system\nspec:\n  url: https://github.com/example/home\n  ref: {branch: main}\n  ignore: |\n    /*\n    !/kubernetes/tivoli\n---\n${fluxKustomization(
        'cluster',
        './kubernetes/tivoli/flux',
      ).replace('name: flux-system\n', 'name: tivoli-src\n')}`,
      'kubernetes/main/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/main/flux',
      ),
      'kubernetes/main/flux/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/main/apps',
      ),
      'kubernetes/main/apps/kustomization.yaml': kustomization('ns.yaml'),
      'kubernetes/main/apps/ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n',
    };
    const tree = createRepoTree(files);
    const detection = detectConventions(tree);
    expect(detection.conventions.flux?.sourceIgnore).toBeUndefined();
    expect(settingOf(detection.found, 'flux.sourceIgnore')?.reason).toMatch(
      /^GitRepository tivoli-src leaves paths out \(spec\.ignore at kubernetes\/tivoli\/flux\/config\/cluster\.yaml:\d+\), but kubernetes\/main\/flux is reconciled from flux-system, which no file here declares \(a FluxInstance or the bootstrap makes it\), which leaves nothing out/,
    );
    // main's folders are read: no flux-error says they are missing
    const report = validateMesh(
      tree,
      resolveConventions(detection.conventions),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['main', 'tivoli']);
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    // tivoli's own source still leaves main's folders out of what tivoli's
    // Kustomizations fetch
    const crossing = createRepoTree({
      ...files,
      'kubernetes/tivoli/flux/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/main/apps',
      ).replace('name: flux-system\n', 'name: tivoli-src\n'),
    });
    expect(
      validateMesh(
        crossing,
        resolveConventions(detectConventions(crossing).conventions),
      )
        // (a warning here: no file of this repository names Cilium)
        .findings.filter(f => f.code === 'flux-error')
        .map(f => `${f.cluster}: ${f.message}`),
    ).toEqual([
      expect.stringMatching(
        /^tivoli: Kustomization flux-system\/apps reconciles kubernetes\/main\/apps, which the source's ignore rules \(\.sourceignore, spec\.ignore\) leave out of what Flux fetches; Flux fails the Kustomization/,
      ),
    ]);
    // and applies nothing of it: main's namespace is not tivoli's
    const tivoli = buildMeshModel(
      crossing,
      resolveConventions(detectConventions(crossing).conventions),
    ).byName.get('tivoli')!;
    expect(
      tivoli.render.objects.filter(({ object }) => object.kind === 'Namespace'),
    ).toEqual([]);
    // main synced by the flux-instance chart's values (no Kustomization of
    // its own declared for its folder)
    delete files['kubernetes/main/flux/config/cluster.yaml'];
    files['kubernetes/main/apps/flux-instance/values.yaml'] =
      'instance:\n  distribution:\n    version: 2.6.x\n  sync:\n    kind: GitRepository\n    url: https://github.com/example/home\n    ref: refs/heads/main\n    path: kubernetes/main/flux\n';
    const synced = detectConventions(createRepoTree(files));
    expect(synced.conventions.flux?.sourceIgnore).toBeUndefined();
    expect(settingOf(synced.found, 'flux.sourceIgnore')?.reason).toMatch(
      /but kubernetes\/main\/flux is reconciled from the GitRepository the FluxInstance's sync makes \(kubernetes\/main\/apps\/flux-instance\/values\.yaml:\d+\), which leaves nothing out/,
    );
  });

  it("takes the source a flux-instance HelmRelease's sync makes, named for the namespace a Kustomization's targetNamespace gives it, for this repository", () => {
    const ks = (name: string, path: string, extra = '') =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: gitops-system\nspec:\n${extra}  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: gitops-system\n    namespace: gitops-system\n`;
    const files: Files = {
      'kubernetes/flux/cluster/ks.yaml': ks(
        'cluster-apps',
        './kubernetes/apps',
      ),
      'kubernetes/apps/gitops-system/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: gitops-system\nresources:\n  - ./flux-instance/ks.yaml\n',
      'kubernetes/apps/gitops-system/flux-instance/ks.yaml': ks(
        'flux-instance',
        './kubernetes/apps/gitops-system/flux-instance/app',
        '  targetNamespace: gitops-system\n',
      ),
      'kubernetes/apps/gitops-system/flux-instance/app/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n',
      // no namespace of its own: the Kustomization's targetNamespace places it
      'kubernetes/apps/gitops-system/flux-instance/app/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\nspec:\n  interval: 30m\n  chartRef: {kind: OCIRepository, name: flux-instance}\n  values:\n    instance:\n      sync:\n        kind: GitRepository\n        url: https://github.com/example/home-ops.git\n        ref: refs/heads/main\n        path: kubernetes/flux/cluster\n',
    };
    const found = detectConventions(createRepoTree(files));
    expect(found.conventions.flux?.sourceNames).toContain('gitops-system');
    expect(settingOf(found.found, 'flux.sourceNames')?.reason).toMatch(
      /the flux-operator HelmRelease gitops-system\/flux-instance syncs it \(instance\.sync\.path at kubernetes\/apps\/gitops-system\/flux-instance\/app\/helmrelease\.yaml:\d+; repository https:\/\/github\.com\/example\/home-ops\.git\) from GitRepository gitops-system, which it makes/,
    );
    // a sync path that picks each cluster's folder by a variable: the same
    // source, for every cluster
    const perCluster: Files = {};
    for (const [file, text] of Object.entries(files))
      perCluster[
        file.replace('kubernetes/flux/cluster', 'kubernetes/clusters/a')
      ] = text.replace(
        'path: kubernetes/flux/cluster',
        'path: kubernetes/clusters/${CLUSTER_NAME}',
      );
    const variable = detectConventions(createRepoTree(perCluster));
    expect(variable.conventions.flux?.sourceNames).toContain('gitops-system');
  });

  it("takes a FluxInstance's sync path that picks the cluster's folder by a variable for each cluster's entry point", () => {
    const files: Files = {
      // one flux-instance values file for every cluster; each cluster's
      // install sets CLUSTER_NAME
      'kubernetes/apps/flux/instance/values.yaml':
        'instance:\n  distribution:\n    version: 2.9.x\n  sync:\n    kind: GitRepository\n    url: https://github.com/example/infra\n    ref: refs/heads/main\n    path: kubernetes/clusters/${CLUSTER_NAME}/flux\n',
    };
    for (const c of ['atlantis', 'fairy']) {
      files[`kubernetes/clusters/${c}/flux/apps.yaml`] = fluxKustomization(
        'apps',
        `./kubernetes/clusters/${c}/apps`,
      );
      files[`kubernetes/clusters/${c}/apps/kustomization.yaml`] =
        kustomization('ns.yaml');
      files[`kubernetes/clusters/${c}/apps/ns.yaml`] =
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n';
      // Talos' machine config beside it: no Kubernetes object, Flux never reads it
      files[`kubernetes/clusters/${c}/talos/talconfig.yaml`] =
        'clusterName: lab\nnodes:\n  - hostname: node1\n';
    }
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    expect(conventions).toMatchObject({ entryPath: 'flux' });
    expect(settingOf(found, 'entryPath')?.reason).toBe(
      "each cluster's Flux entry point is its flux/ folder; e.g. the flux-instance chart values kubernetes/apps/flux/instance/values.yaml sync kubernetes/clusters/${CLUSTER_NAME}/flux, kubernetes/clusters/atlantis/flux with CLUSTER_NAME = atlantis (instance.sync.path at kubernetes/apps/flux/instance/values.yaml:8; repository https://github.com/example/infra)",
    );
    const report = validateMesh(tree, resolveConventions(conventions));
    expect(report.clusters.map(c => [c.name, c.entry])).toEqual([
      ['atlantis', 'kubernetes/clusters/atlantis/flux'],
      ['fairy', 'kubernetes/clusters/fairy/flux'],
    ]);
    // the Talos files are not read as manifests
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
  });

  it("takes a FluxInstance's sync path that is one variable for the paths the clusters' settings give it, not every top folder", () => {
    const files: Files = {
      // one flux-operator HelmRelease for every cluster, its path a setting
      'kubernetes/apps/flux-system/flux-instance/app/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n  namespace: flux-system\nspec:\n  values:\n    instance:\n      distribution:\n        version: 2.x\n      sync:\n        kind: GitRepository\n        url: https://example.com/home.git\n        path: ${CLUSTER_SYNC_PATH}\n',
      // task runner files at the top: no Kubernetes object, never synced
      '.taskfiles/bootstrap.yaml': 'version: "3"\ntasks: {}\n',
      'infrastructure/talos/talconfig.yaml': 'clusterName: lab\n',
    };
    for (const c of ['main', 'staging']) {
      files[`kubernetes/clusters/${c}/kustomization.yaml`] = kustomization(
        'cluster-settings.yaml',
      );
      files[
        `kubernetes/clusters/${c}/cluster-settings.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  CLUSTER_SYNC_PATH: kubernetes/clusters/${c}\n`;
    }
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    expect(settingOf(found, 'clustersPath')?.reason).toContain(
      'syncs ${CLUSTER_SYNC_PATH}, kubernetes/clusters/main with CLUSTER_SYNC_PATH = kubernetes/clusters/main (kubernetes/clusters/main/cluster-settings.yaml:7)',
    );
    const report = validateMesh(tree, resolveConventions(conventions));
    expect(report.clusters.map(c => c.name)).toEqual(['main', 'staging']);
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
  });

  it('says when the one entry point found reconciles the whole repository (the bootstrap at the root), not a folder per cluster', () => {
    const files: Files = {
      'flux-system/gotk-sync.yaml': fluxKustomization('flux-system', './'),
      'flux-system/kustomization.yaml': kustomization('gotk-sync.yaml'),
    };
    for (const c of ['staging', 'production']) {
      // placeholders the bootstrap would fill
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] =
        '# This file will be generated automatically by flux bootstrap.\n';
      files[`clusters/${c}/infrastructure.yaml`] = fluxKustomization(
        'infra',
        `./infrastructure/${c}`,
      );
    }
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'clustersPath')?.reason).toBe(
      'the one Flux entry point found reconciles the whole repository (path ./ at flux-system/gotk-sync.yaml:8), not one folder per cluster; clusters/ exists',
    );
  });

  it('takes a bootstrap or shared folder beside clusters with entry points for a layer they share, not a cluster', () => {
    const files: Files = {
      // the Flux install every cluster's bootstrap applies, by hand
      'kubernetes/bootstrap/flux/kustomization.yaml': kustomization(
        'github.com/fluxcd/flux2/manifests/install?ref=v2.5.1',
      ),
      'kubernetes/shared/ks.yaml': fluxKustomization(
        'shared',
        './kubernetes/shared/apps',
      ),
    };
    for (const c of ['darwin', 'hyperlab', 'staging'])
      files[`kubernetes/${c}/flux/config/cluster.yaml`] = fluxKustomization(
        'cluster',
        `./kubernetes/${c}/flux`,
      );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      clusters: ['darwin', 'hyperlab', 'staging'],
    });
    expect(settingOf(found, 'clusters')?.reason).toBe(
      'kubernetes/bootstrap is not a cluster: it has no Flux entry point of its own, and its name says it is a layer the clusters share; kubernetes/shared is not a cluster: it has no Flux entry point of its own, and its name says it is a layer the clusters share',
    );
  });

  it('does not take a folder no Flux object reconciles, beside clusters with entry points, for a cluster (a kind cluster set up by hand)', () => {
    const files: Files = {
      // a local test cluster: Helm values installed by a task, and a
      // kustomization of settings applied by hand; no Flux Kustomization
      'kubernetes/kind/kube-system/cilium/app/values.yaml':
        'cluster:\n  name: kind\nipam:\n  mode: kubernetes\n',
      'kubernetes/kind/flux-system/kustomization.yaml': kustomization(
        './resources/configmap.yaml',
      ),
      'kubernetes/kind/flux-system/resources/configmap.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  CLUSTER_NAME: kind\n',
      // a cluster whose Flux objects are its only mark: applied by hand too,
      // but Flux reconciles what it holds
      'kubernetes/edge/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/edge/apps',
      ),
      'kubernetes/edge/apps/kustomization.yaml': kustomization(),
    };
    for (const c of ['blade', 'mini'])
      files[`kubernetes/${c}/ks.yaml`] = fluxKustomization(
        `cluster-${c}`,
        `./kubernetes/${c}`,
      );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'kubernetes',
      clusters: ['blade', 'edge', 'mini'],
    });
    expect(settingOf(found, 'clusters')?.reason).toBe(
      'kubernetes/kind is not a cluster Flux builds: no Flux Kustomization or FluxInstance of the repository reconciles it and it holds none (list it in clusters to check it anyway)',
    );
    // named in the conventions, it is not detected away
    const named = detectConventions(createRepoTree(files), {
      clusters: ['blade', 'kind', 'mini'],
    });
    expect(named.conventions.clusters).toBeUndefined();
    expect(settingOf(named.found, 'clusters')).toBeUndefined();
  });

  it("takes a top-level cluster folder of a generic name (Stackclash's `cluster/flux`) where the entry folder is given, and no folder as applied by Flux's own manifests at ./ (an OCIRepository)", () => {
    const files: Files = {};
    for (const c of ['cluster', 'second']) {
      files[`${c}/flux/config/kustomization.yaml`] = kustomization(
        './cluster.yaml',
        './flux.yaml',
      );
      files[`${c}/flux/config/cluster.yaml`] = fluxKustomization(
        'cluster',
        `./${c}/flux`,
      );
      // Flux's own install, from the flux-manifests artifact, not this repository
      files[`${c}/flux/config/flux.yaml`] = fluxKustomization(
        'flux',
        './',
      ).replace('kind: GitRepository', 'kind: OCIRepository');
      files[`${c}/flux/kustomization.yaml`] = kustomization('./config');
    }
    files['provision/ansible/inventory.yaml'] = 'all: {}\n';
    files['provision/kustomization.yaml'] = kustomization();
    const { conventions, found } = detectConventions(createRepoTree(files), {
      clustersPath: '',
      entryPath: 'flux',
    });
    expect(conventions.clusters).toEqual(['cluster', 'second']);
    expect(
      found
        .filter(f => f.setting === 'clusters')
        .map(f => f.reason)
        .join('\n'),
    ).not.toContain('provision is not a cluster: cluster');
  });

  it("takes a first cluster's folder of a generic name (xorcat's `cluster/flux`) for a cluster beside a copy of it (`cluster-b/flux`), and alone for a single cluster", () => {
    const files: Files = {};
    for (const c of ['cluster', 'cluster-b']) {
      files[`${c}/flux/flux-system/flux-cluster.yaml`] = fluxKustomization(
        'flux-cluster',
        `./${c}/flux`,
      );
      files[`${c}/flux/kustomization.yaml`] = kustomization(
        './flux-system/flux-cluster.yaml',
      );
    }
    files['provision/kustomization.yaml'] = kustomization();
    const { conventions } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBe('');
    expect(conventions.clusters).toEqual(['cluster', 'cluster-b']);
    // a bootstrap folder of the same shape is no cluster
    const withBootstrap = {
      ...files,
      'bootstrap/flux/kustomization.yaml': kustomization('./sync.yaml'),
      'bootstrap/flux/sync.yaml': fluxKustomization(
        'bootstrap',
        './bootstrap/flux',
      ),
    };
    expect(
      detectConventions(createRepoTree(withBootstrap)).conventions.clusters,
    ).toEqual(['cluster', 'cluster-b']);
    // the first cluster alone: a repository of a single cluster
    const single = Object.fromEntries(
      Object.entries(files).filter(([f]) => !f.startsWith('cluster-b/')),
    );
    expect(
      detectConventions(createRepoTree(single)).conventions.clusters,
    ).toBeUndefined();
  });

  it('finds one entry point for every cluster that picks the cluster folder by a variable an installer sets, and renders each cluster from it', () => {
    const settings = substituteFrom(['ConfigMap', 'cluster-settings']);
    const files: Files = {
      // applied by hand with the ConfigMap an installer makes per cluster
      // (ENVIRONMENT, the cluster's name), not by a file of the repository
      'kubernetes/flux/config/kustomization.yaml':
        kustomization('./cluster.yaml'),
      'kubernetes/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/flux',
        settings,
      ),
      'kubernetes/flux/apps.yaml': fluxKustomization(
        'cluster-apps',
        './kubernetes/clusters/${ENVIRONMENT}/apps',
        settings,
      ),
      // notes, not a cluster: the variable picks no folder in it
      'kubernetes/clusters/notes/apps.yaml': fluxKustomization(
        'old',
        './kubernetes/clusters/notes/old',
      ),
    };
    for (const [c, id] of [
      ['alpha', 1],
      ['beta', 2],
    ] as const) {
      const apps = `kubernetes/clusters/${c}/apps`;
      files[`${apps}/kustomization.yaml`] = kustomization('./cilium/ks.yaml');
      // each child picks its folder by the variable again
      files[`${apps}/cilium/ks.yaml`] = fluxKustomization(
        'cilium',
        './kubernetes/clusters/${ENVIRONMENT}/apps/cilium/app',
      );
      files[`${apps}/cilium/app/kustomization.yaml`] =
        kustomization('./helmrelease.yaml');
      files[`${apps}/cilium/app/helmrelease.yaml`] = [
        ...ciliumReleaseHead,
        '  chart:',
        '    spec:',
        '      chart: cilium',
        '      sourceRef: { kind: HelmRepository, name: cilium, namespace: flux-system }',
        '  values:',
        `    cluster: { name: ${c}, id: ${id} }`,
        '    clustermesh:',
        '      useAPIServer: true',
        '',
      ].join('\n');
    }
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    expect(conventions).toMatchObject({
      sharedEntry: { path: 'kubernetes/flux', variable: 'ENVIRONMENT' },
      clusters: ['alpha', 'beta'],
    });
    expect(settingOf(found, 'sharedEntry')).toMatchObject({
      value: 'path: kubernetes/flux, variable: ENVIRONMENT',
      reason:
        "Kustomization flux-system/cluster-apps at kubernetes/flux/apps.yaml:8, which kubernetes/flux applies, builds kubernetes/clusters/${ENVIRONMENT}/apps: one Flux entry point for every cluster, which picks the cluster's folder by ENVIRONMENT; each cluster is rendered from it with ENVIRONMENT set to its folder's name",
    });
    expect(settingOf(found, 'clusters')?.reason).toBe(
      "kubernetes/clusters/notes is not a cluster: the shared entry point's Kustomization flux-system/cluster-apps builds no folder in it",
    );
    const report = validateMesh(tree, resolveConventions(conventions));
    // each cluster rendered from the shared entry with its own folder:
    // its Cilium values are read and its ClusterMesh found on
    expect(
      report.clusters.map(c => [c.name, c.entry, c.membership.member]),
    ).toEqual([
      ['alpha', 'kubernetes/flux', true],
      ['beta', 'kubernetes/flux', true],
    ]);
    expect(report.findings.filter(f => /ENVIRONMENT/.test(f.message))).toEqual(
      [],
    );
    // the settings ConfigMap is the installer's: its variables not known, not missing
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(report.notEvaluated.map(f => f.message)).toContain(
      "ConfigMap flux-system/cluster-settings is named by substituteFrom, and no manifest of the repository defines it: made outside it (a bootstrap, Terraform, an operator in the cluster) or missing; its variables are not known here (declare it in the conventions' flux.externalSources)",
    );
    // the change cannot write into the installer's ConfigMap: said once, where it is named
    const plan = planMeshDnsChange(
      tree,
      {
        clusters: [
          { name: 'alpha', ip: '10.0.0.1' },
          { name: 'beta', ip: '10.0.0.2' },
        ],
      },
      resolveConventions({
        ...conventions,
        values: { SECRET_DOMAIN: 'example.net' },
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(
      plan.problems.filter(p => p.field.startsWith('kubernetes/')),
    ).toEqual([
      {
        field: 'kubernetes/flux/config/cluster.yaml',
        message:
          'ConfigMap cluster-settings, which Kustomization flux-system/cluster substitutes from, is made outside the repository (no manifest of it defines one): the change cannot write the ClusterMesh settings there; add them where it is made (an installer, Terraform), or keep them in a ConfigMap of the repository that the Kustomization applying the Cilium values substitutes from, named in the conventions (settings.configMap, settings.file)',
      },
    ]);
  });

  it("gives a cluster whose own folder is its bootstrap's root that folder as entry point, beside clusters whose flux/ folder reconciles itself", () => {
    const { conventions, found } = detectConventions(
      fixtureTree('configure-own-folder-entry/repo'),
    );
    expect(conventions).toMatchObject({
      entryPath: 'flux',
      entries: { a: 'clusters/a' },
    });
    expect(settingOf(found, 'entries')?.reason).toBe(
      "a's entry point is clusters/a, not clusters/a/flux: its build applies a Kustomization that reconciles clusters/a/flux/deploy (clusters/a/deploy-cluster.yaml:10), and nothing reconciles clusters/a/flux as a whole",
    );
    expect(settingOf(found, 'entryPath')?.reason).toMatch(
      /^the Flux entry point of each cluster but a \(see entries\) is its flux\/ folder; e\.g\. /,
    );
    // once a/flux reconciles itself too, it is a's entry like b's
    const selfSynced = detectConventions(
      fixtureTree('configure-own-folder-entry/repo', files => {
        files['clusters/a/flux/sync.yaml'] = fluxKustomization(
          'flux-system',
          './clusters/a/flux',
        );
      }),
    );
    expect(selfSynced.conventions.entries).toBeUndefined();
  });

  it('takes a folder named as a layer (base) for a cluster when a Kustomization of its own reconciles it', () => {
    const files: Files = {};
    for (const c of ['prod', 'base'])
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
    // a layer the clusters share, with no entry point of its own
    files['clusters/shared/kustomization.yaml'] = kustomization('notes.yaml');
    files['clusters/shared/notes.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n';
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clusters).toEqual(['base', 'prod']);
    expect(settingOf(found, 'clusters')?.reason).toBe(
      'clusters/shared is not a cluster: it has no Flux entry point of its own, and its name says it is a layer the clusters share',
    );
  });

  it('takes no folder of an Argo CD repository for a cluster, though it has some Flux objects elsewhere', () => {
    const files: Files = {
      // a Flux object the repository keeps, reconciling nothing of the clusters
      'contrib/flux/sync.yaml': fluxKustomization(
        'flux-system',
        './clusters/non-existent',
      ),
    };
    for (const c of ['east', 'west', 'common']) {
      files[`clusters/${c}/kustomization.yaml`] =
        kustomization('app-project.yaml');
      files[`clusters/${c}/app-project.yaml`] =
        'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: apps\n  namespace: argocd\nspec:\n  sourceRepos: ["*"]\n';
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clusters).toEqual([]);
    expect(settingOf(found, 'clusters')?.reason).toBe(
      "the folders of clusters (common, east, west) are Argo CD's: AppProject apps at clusters/common/app-project.yaml:1, and no Flux entry point or Flux Kustomization reconciles any of them; the checks read what Flux applies (name the clusters in clusters to check them anyway)",
    );
  });

  it('finds groups of clusters, not clusters, when the entry picks a group and then a cluster by two variables', () => {
    // a company layout: clusters/<environment>/<NN>, each overlay of its
    // environment's base; one sync Kustomization for all, its path patched
    // per cluster (`./clusters/${ENVIRONMENT}/${CLUSTER}`)
    const files: Files = {
      'platform/flux/base/kustomization.yaml': kustomization('./sync.yaml'),
      'platform/flux/base/sync.yaml': fluxKustomization(
        'flux-system',
        './clusters/${ENVIRONMENT}/${CLUSTER}',
      ),
    };
    for (const env of ['dev', 'prod']) {
      files[`clusters/${env}/base/kustomization.yaml`] = kustomization(
        '../../../platform/flux/base',
      );
      for (const nn of ['00', '01']) {
        files[`clusters/${env}/${nn}/kustomization.yaml`] = `${kustomization(
          '../base',
        )}patches:\n  - path: ../../../platform/flux/${env}/${nn}.yaml\n`;
        files[`platform/flux/${env}/${nn}.yaml`] = [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: { name: flux-system, namespace: flux-system }',
          'spec:',
          `  path: ./clusters/${env}/${nn}`,
          '',
        ].join('\n');
      }
    }
    const tree = createRepoTree(files);
    const { conventions, found } = detectConventions(tree);
    expect(conventions.clusters).toEqual([]);
    expect(settingOf(found, 'clusters')?.reason).toBe(
      "clusters/dev, clusters/prod hold groups of clusters, not clusters: Kustomization flux-system/flux-system reconciles ./clusters/${ENVIRONMENT}/${CLUSTER} (platform/flux/base/sync.yaml:8), a cluster's folder picked by ENVIRONMENT and then CLUSTER; check one group as a mesh with clustersPath: clusters/dev (its folders: 00, 01, base)",
    );
    // building a group as one cluster would apply its base once per
    // overlay: nothing is built, nothing false is said
    const report = validateMesh(
      tree,
      resolveConventions({}, { conventions, found }),
    );
    expect(report.clusters).toEqual([]);
    expect(report.findings.map(f => [f.code, f.severity])).toEqual([
      ['no-clusters', 'warning'],
    ]);
    // one group as the mesh, as the advice says: its clusters, not its base
    const group = detectConventions(tree, { clustersPath: 'clusters/dev' });
    expect(group.conventions.clusters).toEqual(['00', '01']);
  });

  it("takes the FQDN template from the peers' addresses in the Cilium values, where no certificate name is written", () => {
    const files: Files = {};
    for (const [c, peer] of [
      ['k0s', 'main'],
      ['main', 'k0s'],
    ]) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
      files[
        `clusters/${c}/cilium/helm-values.yaml`
      ] = `cluster:\n  name: ${c}\nclustermesh:\n  useAPIServer: true\n  config:\n    enabled: true\n    clusters:\n      - name: ${peer}\n        address: ${peer}.mesh.cilium.io\n        port: 2379\n`;
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.fqdnTemplate).toBe('{cluster}.mesh.cilium.io');
    expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
      'the Cilium values already name k0s, main this way (e.g. address: main.mesh.cilium.io at clusters/k0s/cilium/helm-values.yaml:9)',
    );
  });

  it("takes the FQDN template from what overlays' JSON 6902 patches write into a shared release's values, and not from entries pinned by ips", () => {
    const files: Files = {};
    for (const [c, peer] of [
      ['production', 'staging'],
      ['staging', 'production'],
    ]) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
      files[`infrastructure/${c}/cilium-values.yaml`] = [
        '- op: add',
        '  path: /spec/values',
        '  value:',
        '    cluster:',
        `      name: ${c}`,
        '    clustermesh:',
        '      config:',
        '        enabled: true',
        '        clusters:',
        `          - name: ${peer}`,
        `            address: clustermesh-${peer}.lab.example`,
        '            port: 2379',
        '',
      ].join('\n');
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.fqdnTemplate).toBe('clustermesh-{cluster}.lab.example');
    expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
      'the Cilium values already name production, staging this way (e.g. address: clustermesh-staging.lab.example at infrastructure/production/cilium-values.yaml:11)',
    );
    // entries pinned to addresses (ips) are reached at <name>.<domain>,
    // which the chart maps itself: no name a DNS publishes
    for (const c of ['production', 'staging'])
      files[`infrastructure/${c}/cilium-values.yaml`] +=
        '            ips: [10.0.0.1]\n';
    expect(
      detectConventions(createRepoTree(files)).conventions.fqdnTemplate,
    ).toBeUndefined();
  });

  it("takes the GitRepository a flux-operator's sync makes (instance.sync.name) for this repository", () => {
    const files: Files = {
      'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml':
        'instance:\n  sync:\n    kind: GitRepository\n    name: home-kubernetes\n    url: https://example.invalid/home.git\n    path: kubernetes/flux/cluster\n',
      'kubernetes/flux/cluster/ks.yaml': fluxKustomization(
        'cluster-apps',
        './kubernetes/apps',
      ).replace('name: flux-system', 'name: home-kubernetes'),
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.sourceNames).toEqual([
      'flux-system',
      'home-kubernetes',
    ]);
    expect(settingOf(found, 'flux.sourceNames')?.reason).toBe(
      'the flux-instance chart values kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml sync it (instance.sync.path at kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml:6; repository https://example.invalid/home.git) from GitRepository home-kubernetes, which it makes',
    );
  });

  it("does not take an app's ks.yaml that reconciles its own folder for an entry point when a Kustomization of the cluster reconciles a folder around it", () => {
    // one cluster, synced by the flux-operator: apps whose ks.yaml path is
    // their own folder (Flux generates its kustomization, holding the ks.yaml)
    const single: Files = {
      'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml':
        'instance:\n  sync:\n    kind: GitRepository\n    path: kubernetes/flux/cluster\n',
      'kubernetes/flux/cluster/ks.yaml': fluxKustomization(
        'cluster-apps',
        './kubernetes/apps',
      ),
    };
    for (const app of ['dns', 'echo'])
      single[`kubernetes/apps/network/${app}/ks.yaml`] = fluxKustomization(
        app,
        `./kubernetes/apps/network/${app}`,
      );
    const one = detectConventions(createRepoTree(single));
    expect(one.conventions.clustersPath).toBeUndefined();
    expect(one.conventions.clusters).toBeUndefined();
    const report = validateMesh(
      createRepoTree(single),
      resolveConventions(one.conventions),
    );
    // the one cluster of its entry point, not an app's ks.yaml
    expect(entriesOf(report)).toEqual([['cluster', 'kubernetes/flux/cluster']]);
    // its folder is its entry point's, not a clusters folder the
    // repository does not have (Chrtol's JSON said kubernetes/clusters/cluster)
    expect(report.clusters.map(c => c.dir)).toEqual([
      'kubernetes/flux/cluster',
    ]);

    // clusters under kubernetes/<c>/flux: a stray ks.yaml of the same
    // shape, listed by no kustomization, is no second layout
    const clusters: Files = {};
    for (const c of ['main', 'lab']) {
      clusters[`kubernetes/${c}/flux/config/cluster.yaml`] = fluxKustomization(
        'cluster',
        `./kubernetes/${c}/flux`,
      );
      clusters[`kubernetes/${c}/flux/apps.yaml`] = fluxKustomization(
        'cluster-apps',
        `./kubernetes/${c}/apps`,
      );
    }
    clusters['kubernetes/main/apps/flux-system/kustomization.yaml'] =
      '# - notifications/ks.yaml\nresources: []\n';
    clusters['kubernetes/main/apps/flux-system/notifications/ks.yaml'] =
      fluxKustomization(
        'notifications',
        './kubernetes/main/apps/flux-system/notifications',
      );
    const two = detectConventions(createRepoTree(clusters));
    expect(two.conventions).toMatchObject({
      clustersPath: 'kubernetes',
      entryPath: 'flux',
    });
    expect(settingOf(two.found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of lab, main are under it/,
    );
  });

  it("says entry points side by side whose folders have Flux's own names (isvicy's `bootstrap/flux`, `bootstrap/flux-lab`) are not taken for clusters, and how to have them read", () => {
    const files: Files = {};
    for (const name of ['flux', 'flux-lab']) {
      files[`kubernetes/bootstrap/${name}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
      files[`kubernetes/bootstrap/${name}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/bootstrap/${name}`);
    }
    const detected = detectConventions(createRepoTree(files));
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions(detected.conventions),
    );
    expect(report.clusters).toEqual([]);
    expect(report.findings.map(f => f.message)).toEqual([
      expect.stringMatching(
        /^the repository's 2 Flux entry points are side by side in kubernetes\/bootstrap: kubernetes\/bootstrap\/flux-lab \(.*\); kubernetes\/bootstrap\/flux \(.*\); but their folders' names \(flux-lab, flux\) are taken for Flux's own folders, not clusters', so no cluster was found and nothing was checked \(to check them as clusters, set in the conventions clustersPath: "kubernetes\/bootstrap", or name the folders for their clusters\)$/,
      ),
    ]);
    // the way out it gives reads both
    const explicit = { clustersPath: 'kubernetes/bootstrap' };
    const given = validateMesh(
      createRepoTree(files),
      resolveConventions(
        explicit,
        detectConventions(createRepoTree(files), explicit),
      ),
    );
    expect(given.clusters.map(c => c.name)).toEqual(['flux', 'flux-lab']);
  });

  it('says where entry points at different depths are, and the conventions that read each kind, instead of "no Flux entry point"', () => {
    // an older cluster at the top (`k3s/flux`), a newer one under
    // `kubernetes/<cluster>/flux`: no one clusters folder holds both
    const files: Files = {
      'k3s/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './k3s/flux',
      ),
      'k3s/flux/apps.yaml': fluxKustomization('apps', './k3s/apps'),
      'kubernetes/utility/flux/config/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/utility/flux',
      ),
      'kubernetes/utility/flux/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/utility/apps',
      ),
    };
    const detected = detectConventions(createRepoTree(files));
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions(detected.conventions),
    );
    expect(report.clusters).toEqual([]);
    expect(
      report.findings.map(f => [f.code, f.severity, f.location?.file]),
    ).toEqual([['no-clusters', 'warning', 'k3s/flux/config/cluster.yaml']]);
    expect(report.findings[0].message).toMatch(
      /^no clusters folder holds the repository's 2 Flux entry points side by side: k3s\/flux \(Kustomization flux-system\/cluster at k3s\/flux\/config\/cluster.yaml:\d+ reconciles k3s\/flux, which holds it\); kubernetes\/utility\/flux \(.*\); their folders differ in depth or shape, so no cluster was found and nothing was checked \(to check the clusters of one kind of folder, set in the conventions clustersPath: "", entryPath: flux or clustersPath: "kubernetes", entryPath: flux; to check them all, name each cluster's entry point in the conventions' entries: \{k3s: k3s\/flux, utility: kubernetes\/utility\/flux\}\)$/,
    );
    // the way out it gives reads the newer cluster
    const explicit = { clustersPath: 'kubernetes', entryPath: 'flux' };
    const utility = validateMesh(
      createRepoTree(files),
      resolveConventions(
        explicit,
        detectConventions(createRepoTree(files), explicit),
      ),
    );
    expect(utility.clusters.map(c => c.name)).toEqual(['utility']);
    // the entries it suggests read both (cbirkenbeul's)
    const entries = {
      entries: { k3s: 'k3s/flux', utility: 'kubernetes/utility/flux' },
    };
    expect(
      validateMesh(
        createRepoTree(files),
        resolveConventions(
          entries,
          detectConventions(createRepoTree(files), entries),
        ),
      ).clusters.map(c => c.name),
    ).toEqual(['k3s', 'utility']);
  });

  it("takes the layer folders one cluster's Kustomization of the clusters folder itself lists for that cluster's, not clusters (Apocrathia's 01-bootstrap … 04-apps)", () => {
    const layer = (folder: string, app: string) =>
      fluxKustomization(app, `./flux/manifests/${folder}/${app}/app`);
    const files: Files = {
      'flux/manifests/01-bootstrap/kustomization.yaml':
        kustomization('flux-system'),
      'flux/manifests/01-bootstrap/flux-system/kustomization.yaml':
        kustomization('gotk-sync.yaml', 'manifests.yaml'),
      'flux/manifests/01-bootstrap/flux-system/gotk-sync.yaml':
        fluxKustomization('flux-system', './flux/manifests/01-bootstrap'),
      // the clusters folder itself, whose kustomization lists each layer's apps
      'flux/manifests/01-bootstrap/flux-system/manifests.yaml':
        fluxKustomization('manifests', './flux/manifests'),
      'flux/manifests/kustomization.yaml': kustomization(
        '02-infrastructure/cilium/flux-kustomization.yaml',
        '03-services/gateway/flux-kustomization.yaml',
      ),
      'flux/manifests/02-infrastructure/cilium/flux-kustomization.yaml': layer(
        '02-infrastructure',
        'cilium',
      ),
      'flux/manifests/02-infrastructure/cilium/app/kustomization.yaml':
        kustomization(),
      'flux/manifests/03-services/gateway/flux-kustomization.yaml': layer(
        '03-services',
        'gateway',
      ),
      'flux/manifests/03-services/gateway/app/kustomization.yaml':
        kustomization(),
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBe('flux/manifests');
    expect(conventions.clusters).toEqual(['01-bootstrap']);
    expect(settingOf(found, 'clusters')?.reason).toMatch(
      /^flux\/manifests\/02-infrastructure is not a cluster: cluster 01-bootstrap applies it \(flux\/manifests\/01-bootstrap\/flux-system\/manifests\.yaml:\d+\); flux\/manifests\/03-services is not a cluster: cluster 01-bootstrap applies it/,
    );
  });

  it('says a Kustomization at the top of the clusters folder, not a cluster, applies a folder under it', () => {
    const tree = createRepoTree({
      'kubernetes/layers.yaml': fluxKustomization(
        'infrastructure',
        './kubernetes/infrastructure',
      ),
      'kubernetes/infrastructure/kustomization.yaml': kustomization(),
    });
    const explicit = { clustersPath: 'kubernetes' };
    const { conventions, found } = detectConventions(tree, explicit);
    expect(settingOf(found, 'clusters')?.reason).toBe(
      'kubernetes/infrastructure is not a cluster: a Kustomization at the top of the clusters folder applies it (kubernetes/layers.yaml:8)',
    );
    const report = validateMesh(
      tree,
      resolveConventions(explicit, { conventions, found }),
    );
    expect(report.findings.map(f => f.message)).toEqual([
      'no folder of the clusters folder is a cluster: kubernetes/infrastructure is not a cluster: a Kustomization at the top of the clusters folder applies it (kubernetes/layers.yaml:8) (set clustersPath, entryPath or clusters in the conventions if the clusters are elsewhere)',
    ]);
  });

  it("says when the default template's domain variable appears nowhere in the repository", () => {
    const files: Files = {};
    for (const c of ['main', 'raspi'])
      files[`clusters/${c}/flux/sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
    const note = (f: Files, values?: Record<string, string>) =>
      settingOf(
        detectConventions(createRepoTree(f), values ? { values } : {}).found,
        'fqdnTemplate',
      );
    // the default, kept: found is only that it cannot hold
    expect(note(files)).toEqual({
      setting: 'fqdnTemplate',
      value: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
      source: 'default',
      reason:
        "SECRET_DOMAIN, the domain of the default template, appears nowhere in the repository: the clusters' FQDNs are not known until fqdnTemplate names this repository's domain (clustermesh-{cluster}.<domain>) or --value SECRET_DOMAIN=<domain> gives it",
    });
    // gi8lino: the variable the repository's host names end in, suggested
    const hosts: Files = { ...files };
    for (const app of ['grafana', 'paperless', 'immich'])
      hosts[
        `apps/${app}/ingress.yaml`
      ] = `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${app}\nspec:\n  rules:\n    - host: ${app}.\${BASE_DOMAIN}\n`;
    hosts['apps/other/ingress.yaml'] =
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: other\nspec:\n  rules:\n    - host: other.${OTHER_DOMAIN}\n';
    expect(note(hosts)?.reason).toMatch(
      /; the repository's host names end in \$\{BASE_DOMAIN\} \(3 places, e\.g\. apps\/grafana\/ingress\.yaml:7\): fqdnTemplate: clustermesh-\{cluster\}\.\$\{BASE_DOMAIN\} names the clusters in that domain$/,
    );
    // sujiba: host names of an archived docker-compose setup no cluster
    // runs are not counted
    const archived = {
      ...hosts,
      'archive/docker/compose.yaml': `services:\n${[1, 2, 3, 4, 5, 6, 7]
        .map(
          n =>
            `  app${n}:\n    labels: [traefik.host=app${n}.\${OLD_DOMAIN}]\n`,
        )
        .join('')}`,
    };
    expect(note(archived)?.reason).toMatch(
      /host names end in \$\{BASE_DOMAIN\} \(3 places, e\.g\. apps\/grafana\/ingress\.yaml:7\)/,
    );
    // QNimbus: an app's host name substituted inline (GATUS_DOMAIN) does
    // not hide the variable the host names end in
    const gatus = { ...hosts };
    for (const app of ['echo', 'whoami', 'status'])
      gatus[`clusters/main/${app}.yaml`] = fluxKustomization(
        app,
        `./apps/${app}`,
      ).replace(
        '  prune: true\n',
        `  prune: true\n  postBuild:\n    substitute:\n      GATUS_DOMAIN: ${app}.proxii.nl\n`,
      );
    // (three values for two clusters: apps' host names, not offered)
    expect(note(gatus)?.reason).toMatch(
      /; the repository's host names end in \$\{BASE_DOMAIN\} \(3 places/,
    );
    expect(note(gatus)?.reason).not.toMatch(/GATUS_DOMAIN/);
    // one value per cluster at most: offered, beside the host names'
    delete gatus['clusters/main/status.yaml'];
    expect(note(gatus)?.reason).toMatch(
      /; 2 Flux Kustomizations substitute GATUS_DOMAIN \(2 values, e\.g\. echo\.proxii\.nl\) inline .*; the repository's host names end in \$\{BASE_DOMAIN\} \(3 places/,
    );
    // the domains the repository's ExternalDNS publish in, named as candidates
    const published = {
      ...files,
      'clusters/main/external-dns.yaml': externalDnsRelease('cloudflare', [
        'domainFilters: [public.example]',
      ]),
      'clusters/raspi/external-dns.yaml': externalDnsRelease('webhook', [
        'sources: [service]',
        'domainFilters: [home.example]',
      ]),
    };
    expect(note(published)?.reason).toMatch(
      /appears nowhere in the repository: .*; the repository's ExternalDNS publish in public\.example \(HelmRelease network\/external-dns, clusters\/main\/external-dns\.yaml:\d+\), home\.example \(HelmRelease network\/external-dns, clusters\/raspi\/external-dns\.yaml:\d+\): fqdnTemplate: clustermesh-\{cluster\}\.<one of them> takes the one the ClusterMesh names belong in$/,
    );
    // a settings entry holding one of them names it by its variable
    // (FreekingDean's `DOMAIN: deangalvin.dev`)
    const withEntry = {
      ...published,
      'clusters/raspi/settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  TZ: UTC\n  DOMAIN: home.example\n',
    };
    expect(note(withEntry)?.reason).toMatch(
      /: fqdnTemplate: clustermesh-\{cluster\}\.<one of them> takes the one the ClusterMesh names belong in; the settings hold DOMAIN = home\.example \(clusters\/raspi\/settings\.yaml:6\), one of them: fqdnTemplate: clustermesh-\{cluster\}\.\$\{DOMAIN\} names the clusters in that domain$/,
    );
    // QNimbus: four domains, none left out unsaid
    const four = {
      ...files,
      'clusters/main/external-dns.yaml': externalDnsRelease('cloudflare', [
        'domainFilters: [a.example, b.example, c.example, d.example]',
      ]),
    };
    expect(note(four)?.reason).toMatch(
      /publish in a\.example \(.*\), b\.example \(.*\), c\.example \(.*\) and d\.example: fqdnTemplate/,
    );
    expect(note(files, { SECRET_DOMAIN: 'ok8.sh' })).toBeUndefined();
    // documentation that quotes it defines nothing; a Secret that holds it does
    expect(
      note({ ...files, 'docs/notes.md': 'Apps: app.${SECRET_DOMAIN}\n' })
        ?.reason,
    ).toMatch(
      /^SECRET_DOMAIN, the domain of the default template, appears nowhere/,
    );
    expect(
      note({
        ...files,
        'clusters/main/secret.sops.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:x,type:str]\n',
      }),
    ).toBeUndefined();
    // a domain the Kustomizations substitute inline is offered
    const inline = note({
      ...files,
      'clusters/main/apps.yaml': fluxKustomization(
        'apps',
        './apps/main',
        '  postBuild:\n    substitute:\n      CLUSTER: main\n      DOMAIN: sillock.example\n',
      ),
    });
    expect(inline?.reason).toMatch(
      /; one Flux Kustomization substitutes DOMAIN = sillock\.example inline \(clusters\/main\/apps\.yaml:\d+\): fqdnTemplate: clustermesh-\{cluster\}\.\$\{DOMAIN\} holds where the Kustomizations that apply the Cilium values and the DNSEndpoint substitute it too$/,
    );
    // of two, the one most Kustomizations substitute; not one app's own
    const app = (c: string, name: string, domain: string) =>
      fluxKustomization(
        name,
        `./apps/${c}/${name}`,
        `  postBuild:\n    substitute:\n      ${domain}\n`,
      );
    const shared = note({
      ...files,
      'clusters/main/a-auth.yaml': app(
        'main',
        'auth',
        'GATUS_DOMAIN: apps.example',
      ),
      'clusters/main/apps.yaml': app('main', 'apps', 'DOMAIN: home.example'),
      'clusters/raspi/apps.yaml': app('raspi', 'apps', 'DOMAIN: home.example'),
    });
    expect(shared?.reason).toMatch(
      /; 2 Flux Kustomizations substitute DOMAIN = home\.example inline \(clusters\/main\/apps\.yaml:\d+\)/,
    );
    // a value per cluster: not said to be one
    const each = note({
      ...files,
      'clusters/main/apps.yaml': app('main', 'apps', 'DOMAIN: main.example'),
      'clusters/raspi/apps.yaml': app('raspi', 'apps', 'DOMAIN: local'),
    });
    expect(each?.reason).toMatch(
      /; 2 Flux Kustomizations substitute DOMAIN \(2 values, e\.g\. main\.example\) inline \(clusters\/main\/apps\.yaml:\d+\)/,
    );
    // a SOPS file's key names it, though its value is encrypted
    expect(
      note({
        ...files,
        'clusters/main/secrets.sops.yaml':
          'stringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:x]\n',
      }),
    ).toBeUndefined();
  });

  it('checks a repository of one cluster as that one cluster, from its entry point: outside the mesh, with why', () => {
    const files: Files = {
      // the values file is the flux-instance release's, not built as a manifest
      'kubernetes/apps/kustomization.yaml': kustomization(),
      'kubernetes/flux/cluster/ks.yaml': fluxKustomization(
        'cluster-apps',
        './kubernetes/apps',
      ),
      'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml':
        '---\ninstance:\n  sync:\n    kind: GitRepository\n    path: kubernetes/flux/cluster\n',
    };
    const tree = createRepoTree(files);
    const report = validateMesh(
      tree,
      resolveConventions(detectConventions(tree).conventions),
    );
    // one cluster, said outside the mesh with why, as one cluster in a
    // clusters folder is: not a warning that fails --fail-on warning
    expect(entriesOf(report)).toEqual([['cluster', 'kubernetes/flux/cluster']]);
    expect(report.clusters[0]).toMatchObject({
      status: 'outside',
      membership: {
        member: false,
        reason:
          'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile)',
      },
    });
    expect(settingOf(detectConventions(tree).found, 'entries')).toEqual(
      expect.objectContaining({
        value: 'cluster: kubernetes/flux/cluster',
        reason:
          "the repository's one Flux entry point, kubernetes/flux/cluster (the flux-instance chart values kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml sync it (instance.sync.path at kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml:5)), is a single cluster's, with no folder of clusters beside it: it is checked as one cluster, named \"cluster\" (its folders have generic names) (a mesh's clusters each have a folder of their own, e.g. clusters/<cluster>)",
      }),
    );
    expect(report.findings.filter(f => f.severity !== 'info')).toEqual([]);
    expect(report.summary).toMatchObject({
      clusters: 1,
      errors: 0,
      warnings: 0,
      status: 'outside',
    });
    // its Flux also applying to another cluster (samcday's cloud-cluster):
    // said, and that those clusters are not evaluated
    const remote = createRepoTree({
      ...files,
      'kubernetes/apps/cloud.yaml': fluxKustomization(
        'cloud-cluster',
        './kubernetes/cloud',
      ).replace(
        '  prune: true\n',
        '  prune: true\n  kubeConfig:\n    secretRef: {name: admin-kubeconfig}\n',
      ),
      'kubernetes/cloud/ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: cloud}\n',
    });
    expect(
      validateMesh(
        remote,
        resolveConventions(detectConventions(remote).conventions),
      ).findings.map(f => f.message),
    ).toEqual([
      expect.stringMatching(
        /^no clusters folder \(kubernetes\/clusters\): the repository's one Flux entry point, kubernetes\/flux\/cluster, is a single cluster \(.*\), whose Flux also applies one Kustomization to other clusters through spec\.kubeConfig \(e\.g\. kubernetes\/apps\/cloud\.yaml:\d+\): those clusters have no entry point of their own here and are not evaluated, so there is no mesh of its clusters to check/,
      ),
    ]);
    // the flux-operator's `sync` folder names no cluster either: the one
    // cluster goes by "cluster"
    const sync = createRepoTree({
      'kubernetes/apps/kustomization.yaml': kustomization(),
      'kubernetes/flux/sync/ks.yaml': files['kubernetes/flux/cluster/ks.yaml'],
      'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml': files[
        'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml'
      ].replace('kubernetes/flux/cluster', 'kubernetes/flux/sync'),
    });
    const synced = validateMesh(
      sync,
      resolveConventions(detectConventions(sync).conventions),
    );
    expect(entriesOf(synced)).toEqual([['cluster', 'kubernetes/flux/sync']]);
    expect(synced.findings).toEqual([]);
    // without any entry point or clusters folder, nothing was checked:
    // a warning (a script may make its entry), not a failure
    const empty = validateMesh(
      createRepoTree({ 'README.md': '# nothing\n' }),
      resolveConventions({}),
    );
    expect(empty.findings.map(f => [f.code, f.severity])).toEqual([
      ['no-clusters', 'warning'],
    ]);
    expect(empty.summary.status).toBe('outside');
  });

  it('says why no folder of the clusters folder is a cluster (clusters managed by other tools)', () => {
    const report = validateMesh(
      createRepoTree({
        'kubernetes/clusters/application/helmfile.yaml': 'releases: []\n',
        'kubernetes/clusters/mlops/helmfile.yaml': 'releases: []\n',
      }),
      resolveConventions({}),
    );
    // the default folder holds no cluster: nothing was checked, not a failure
    expect(report.findings.map(f => [f.code, f.severity, f.message])).toEqual([
      [
        'no-clusters',
        'warning',
        'no folder of the clusters folder is a Flux cluster: application, mlops hold no Flux Kustomization, FluxInstance or kustomization file (set clustersPath, entryPath or clusters in the conventions if the clusters are elsewhere); nothing was checked',
      ],
    ]);
    expect(report.summary.errors).toBe(0);
    // the folder the conventions file names: a mistake in them
    const named = validateMesh(
      createRepoTree({
        'kubernetes/clusters/application/helmfile.yaml': 'releases: []\n',
      }),
      parseConventions('clustersPath: kubernetes/clusters\n'),
    );
    expect(named.findings.map(f => [f.code, f.severity])).toEqual([
      ['no-clusters', 'error'],
    ]);
  });

  it('keeps folders another cluster applies out of the clusters (hub and spoke)', () => {
    const files: Files = {
      'clusters/main/flux-system/gotk-sync.yaml': fluxKustomization(
        'flux-system',
        './clusters/main',
      ),
      'clusters/main/flux-system/gotk-components.yaml':
        '# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.8.0\n# Components: source-controller,kustomize-controller\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
      'clusters/main/flux-configs/config-sync.yaml': fluxKustomization(
        'main-configs',
        './clusters/main-configs',
      ),
      'clusters/main-configs/kustomization.yaml': kustomization(
        'clusters/test-flux.yaml',
      ),
      'clusters/main-configs/clusters/test-flux.yaml': fluxKustomization(
        'test-configs',
        './clusters/test-configs',
      ),
      'clusters/test-configs/kustomization.yaml': kustomization('pool.yaml'),
      'clusters/test-configs/pool.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: p\nspec:\n  blocks: []\n',
      'clusters/notes/README.md': '# not a cluster\n',
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      clustersPath: 'clusters',
      clusters: ['main'],
      flux: { strictSubstitution: false },
    });
    expect(settingOf(found, 'clusters')?.reason).toMatch(
      /^clusters\/main-configs is not a cluster: cluster main applies it \(clusters\/main\/flux-configs\/config-sync\.yaml:\d+\); clusters\/test-configs is not a cluster: cluster main applies it \(clusters\/main-configs\/clusters\/test-flux\.yaml:\d+\)$/,
    );
    // a folder with only a README is never a cluster
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({}, detectConventions(createRepoTree(files))),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['main']);
  });

  it('takes bootstraps for entry points, not a ks.yaml a parent applies, and keeps a cluster another cluster borrows an app from', () => {
    const files: Files = {};
    for (const c of ['east', 'west', 'lab']) {
      files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
        fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
      files[`kubernetes/clusters/${c}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
      files[`kubernetes/clusters/${c}/apps/kustomization.yaml`] = kustomization(
        ...['tier-0', 'tier-1', 'tier-2', 'tier-3'].map(
          t => `../../../apps/${t}/ks.yaml`,
        ),
      );
    }
    // four app tiers, each reconciling the folder its ks.yaml is in; the
    // folder's build does not list the ks.yaml: a parent applies it
    for (const t of ['tier-0', 'tier-1', 'tier-2', 'tier-3']) {
      files[`kubernetes/apps/${t}/ks.yaml`] = fluxKustomization(
        t,
        `./kubernetes/apps/${t}`,
      );
      files[`kubernetes/apps/${t}/kustomization.yaml`] =
        kustomization('app.yaml');
      files[`kubernetes/apps/${t}/app.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n';
    }
    // lab's entry sits in another sub-folder; east applies one of lab's apps
    delete files['kubernetes/clusters/lab/flux-system/gotk-sync.yaml'];
    delete files['kubernetes/clusters/lab/flux-system/kustomization.yaml'];
    files['kubernetes/clusters/lab/flux/config/cluster.yaml'] =
      fluxKustomization('flux-system', './kubernetes/clusters/lab/flux/config');
    files['kubernetes/clusters/lab/flux/config/kustomization.yaml'] =
      kustomization('cluster.yaml');
    files['kubernetes/clusters/lab/plugin/app/pod.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plugin\n';
    files['kubernetes/clusters/east/apps/plugin.yaml'] = fluxKustomization(
      'plugin',
      './kubernetes/clusters/lab/plugin/app',
    );
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clustersPath).toBeUndefined(); // the default, kubernetes/clusters
    expect(settingOf(found, 'clustersPath')).toMatchObject({
      source: 'detected',
      value: 'kubernetes/clusters',
      reason: expect.stringMatching(
        /^the Flux entry points of east, west are under it; e\.g\. Kustomization flux-system\/flux-system at kubernetes\/clusters\/east\/flux-system\/gotk-sync\.yaml:\d+ reconciles kubernetes\/clusters\/east, which holds it$/,
      ),
    });
    // lab is not taken for a part of east
    expect(conventions.clusters).toBeUndefined();
    expect(settingOf(found, 'clusters')).toBeUndefined();
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({}, detectConventions(createRepoTree(files))),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['east', 'lab', 'west']);
  });

  it('does not take a source of another URL for this repository, though it reconciles a folder of the same path', () => {
    const files: Files = {};
    const gitRepository = (name: string, url: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1m\n  ref:\n    branch: main\n  url: ${url}\n`;
    for (const c of ['development', 'production']) {
      const dir = `kubernetes/clusters/${c}`;
      files[`${dir}/flux-system/gotk-sync.yaml`] = `${gitRepository(
        'flux-system',
        'ssh://git@github.com/acme/homelab',
      )}---\n${fluxKustomization('flux-system', `./${dir}`)}`;
      files[`${dir}/flux-system/kustomization.yaml`] =
        kustomization('gotk-sync.yaml');
      files[`${dir}/kustomization.yaml`] = kustomization('flux-system', 'apps');
      files[`${dir}/apps/kustomization.yaml`] = kustomization('private');
    }
    // a private repository laid out like this one: its apps folder has the same path
    const privateDir = 'kubernetes/clusters/production/apps/private';
    files[`${privateDir}/kustomization.yaml`] = kustomization('source.yaml');
    files[`${privateDir}/source.yaml`] = `${gitRepository(
      'homelab-private',
      'ssh://git@github.com/acme/homelab-private',
    )}---\n${fluxKustomization(
      'private-apps',
      './kubernetes/clusters/production/apps',
    ).replace('name: flux-system\n', 'name: homelab-private\n')}`;
    files['kubernetes/clusters/development/apps/private/kustomization.yaml'] =
      kustomization();
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.flux?.sourceNames).toBeUndefined();
    expect(settingOf(found, 'flux.sourceNames')).toBeUndefined();
    expect(settingOf(found, 'clustersPath')?.reason).toMatch(
      /^the Flux entry points of development, production are under it/,
    );
  });

  it('says strict substitution was found from the Flux version, also when it is the default', () => {
    const files: Files = {};
    for (const c of ['east', 'west']) {
      const dir = `kubernetes/clusters/${c}`;
      files[`${dir}/flux-system/gotk-sync.yaml`] = fluxKustomization(
        'flux-system',
        `./${dir}`,
      );
      files[`${dir}/flux-system/gotk-components.yaml`] =
        '---\n# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.9.4\n# Components: source-controller,kustomize-controller\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
      files[`${dir}/flux-system/kustomization.yaml`] = kustomization(
        'gotk-components.yaml',
        'gotk-sync.yaml',
      );
    }
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'flux.strictSubstitution')).toMatchObject({
      value: 'true',
      source: 'detected',
      reason: expect.stringMatching(
        /^Flux v2\.9\.4 \(kubernetes\/clusters\/east\/flux-system\/gotk-components\.yaml:3\)/,
      ),
    });
    // the feature gate given to kustomize-controller wins over the version
    const gated = { ...files };
    gated['kubernetes/clusters/east/flux-system/kustomization.yaml'] += [
      'patches:',
      '  - patch: |',
      '      - op: add',
      '        path: /spec/template/spec/containers/0/args/-',
      '        value: --feature-gates=StrictPostBuildSubstitutions=false',
      '    target:',
      '      kind: Deployment',
      '      name: kustomize-controller',
      '',
    ].join('\n');
    const { found: withGate, conventions } = detectConventions(
      createRepoTree(gated),
    );
    expect(conventions.flux?.strictSubstitution).toBe(false);
    expect(settingOf(withGate, 'flux.strictSubstitution')).toMatchObject({
      value: 'false',
      reason:
        'kustomize-controller runs with the feature gate StrictPostBuildSubstitutions=false (kubernetes/clusters/east/flux-system/kustomization.yaml:10)',
    });
  });

  it('says why the default clusters folder is kept when the one entry point is shared, not one per cluster', () => {
    const files: Files = {
      'kubernetes/flux/cluster.yaml': fluxKustomization(
        'cluster',
        './kubernetes/flux',
      ),
      'kubernetes/flux/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/clusters/${ENVIRONMENT}/apps',
      ),
      'kubernetes/clusters/main/apps/kustomization.yaml': kustomization(),
    };
    const { found } = detectConventions(createRepoTree(files));
    expect(settingOf(found, 'clustersPath')?.reason).toBe(
      'the Flux entry point found (kubernetes/flux) is not one folder per cluster; kubernetes/clusters/ exists',
    );
  });

  it('does not take the kustomize base the cluster folders build on for a cluster', () => {
    const files: Files = {
      'clusters/base/kustomization.yaml': kustomization('apps.yaml'),
      'clusters/base/apps.yaml': fluxKustomization(
        'apps',
        './apps/__CLUSTER__',
      ),
    };
    for (const c of ['local', 'prod']) {
      files[`clusters/${c}/kustomization.yaml`] = kustomization('../base');
      files[`clusters/${c}/sync.yaml`] = fluxKustomization(
        'flux-system',
        `./clusters/${c}`,
      );
    }
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.clusters).toEqual(['local', 'prod']);
    expect(settingOf(found, 'clusters')?.reason).toMatch(
      /^clusters\/base is not a cluster: cluster local applies it \(clusters\/local\/kustomization\.yaml:4\)$/,
    );
  });

  it('does not take a folder of kustomize Components for a cluster, even one named like the entry folder', () => {
    const files: Files = {};
    for (const c of ['main', 'utility']) {
      files[`kubernetes/${c}/flux/flux-sync.yaml`] = fluxKustomization(
        'cluster',
        `./kubernetes/${c}/flux`,
      );
      files[`kubernetes/${c}/flux/kustomization.yaml`] =
        kustomization('flux-sync.yaml');
    }
    // Flux Alerts shared through kustomize `components:`, under a `flux/` folder
    files['kubernetes/components/flux/alerts/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./alert.yaml\n';
    files['kubernetes/components/flux/alerts/alert.yaml'] =
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata:\n  name: flux\nspec:\n  providerRef:\n    name: pushover\n';
    const tree = createRepoTree(files);
    const report = validateMesh(
      tree,
      resolveConventions({}, detectConventions(tree)),
    );
    expect(report.clusters.map(c => c.name)).toEqual(['main', 'utility']);
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
  });

  it('finds the settings ConfigMap the Kustomizations substitute from, and an LB IP variable by its name', () => {
    const files: Files = {
      'kubernetes/clusters/infra/flux-system/gotk-sync.yaml': fluxKustomization(
        'flux-system',
        './kubernetes/clusters/infra',
      ),
      'kubernetes/clusters/infra/settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform-vars\n  namespace: flux-system\ndata:\n  CLUSTER: infra\n  CLUSTERMESH_IP: 10.25.11.100\n',
      'kubernetes/clusters/infra/apps.yaml': fluxKustomization(
        'apps',
        './kubernetes/apps',
        substituteFrom(['ConfigMap', 'platform-vars']),
      ),
      'kubernetes/clusters/infra/network.yaml': fluxKustomization(
        'network',
        './kubernetes/network',
        substituteFrom(['ConfigMap', 'platform-vars']),
      ),
      'kubernetes/clusters/infra/versions.yaml': fluxKustomization(
        'versions',
        './kubernetes/versions',
        substituteFrom(['ConfigMap', 'infra-versions']),
      ),
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions).toMatchObject({
      settings: { configMap: 'platform-vars' },
      variables: { lbIp: 'CLUSTERMESH_IP' },
    });
    expect(settingOf(found, 'variables.lbIp')?.reason).toBe(
      'CLUSTERMESH_IP is set in 1 place(s), e.g. kubernetes/clusters/infra/settings.yaml:8, and CILIUM_CLUSTERMESH_LB_IP nowhere',
    );
  });

  it("takes the LB IP variable most Cilium values bind the annotation to (the default on a tie), not the first file's typo", () => {
    const release = (variable: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  values:\n    clustermesh:\n      useAPIServer: true\n      apiserver:\n        service:\n          type: LoadBalancer\n          annotations:\n            lbipam.cilium.io/ips: \${${variable}}\n`;
    const files = {
      // sorted first: its typo is read first
      'kubernetes/alpha/cilium/helmrelease.yaml': release(
        'CILIUM_CLUSTERMESH_LB_IPX',
      ),
      'kubernetes/beta/cilium/helmrelease.yaml': release(
        'CILIUM_CLUSTERMESH_LB_IP',
      ),
    };
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.variables?.lbIp).toBe('CILIUM_CLUSTERMESH_LB_IP');
    expect(settingOf(found, 'variables.lbIp')?.reason).toBe(
      "the clustermesh-apiserver's lbipam.cilium.io/ips annotation is ${CILIUM_CLUSTERMESH_LB_IP} (kubernetes/beta/cilium/helmrelease.yaml:12); other Cilium values bind it to ${CILIUM_CLUSTERMESH_LB_IPX} (kubernetes/alpha/cilium/helmrelease.yaml:12), which the checks of those clusters then miss",
    );
  });

  describe('ExternalDNS', () => {
    /** An ExternalDNS HelmRelease (chart 1.20.0) in network, with these values. */
    const release = (name: string, values: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.20.0\n  values:\n${values}`;
    const externalDns = (chartVersion: string, values: string) => ({
      'kubernetes/apps/network/external-dns/helmrelease.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: ${chartVersion}\n  values:\n${values}`,
    });

    it('reads the prefix of the ExternalDNS that reads DNSEndpoints, beside one that does not', () => {
      const { found } = detectConventions(
        createRepoTree({
          ...externalDns(
            '1.21.1',
            '    provider:\n      name: cloudflare\n    sources: [crd, gateway-httproute]\n',
          ),
          'kubernetes/apps/network/unifi-dns/helmrelease.yaml':
            'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: unifi-dns\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.22.0\n  values:\n    provider:\n      name: webhook\n    sources: [gateway-httproute, service]\n',
        }),
      );
      expect(settingOf(found, 'dns.externalDnsAnnotationPrefix')).toMatchObject(
        {
          value: 'external-dns.alpha.kubernetes.io/',
          reason:
            'HelmRelease network/external-dns deploys ExternalDNS v0.21 (chart external-dns 1.21.1 at kubernetes/apps/network/external-dns/helmrelease.yaml:10), which reads external-dns.alpha.kubernetes.io/ keys (the prefix changed in v0.22.0)',
        },
      );
    });

    it("takes an ExternalDNS as applied where a Kustomization reaches it by a path that picks the cluster's folder by a variable", () => {
      const files: Files = {};
      for (const c of ['main', 'k0s']) {
        files[`clusters/${c}/flux/sync.yaml`] = fluxKustomization(
          'flux-system',
          `./clusters/${c}/flux`,
        );
        // one shared definition: the folder picked by ENVIRONMENT
        files[`clusters/${c}/flux/apps.yaml`] = fluxKustomization(
          'cluster-apps',
          './clusters/${ENVIRONMENT}/apps',
          `  postBuild:\n    substitute:\n      ENVIRONMENT: ${c}\n`,
        );
      }
      files['clusters/main/apps/external-dns/ks.yaml'] = fluxKustomization(
        'external-dns',
        './clusters/${ENVIRONMENT}/apps/external-dns/app',
      );
      files['clusters/main/apps/external-dns/app/helmrelease.yaml'] =
        externalDnsRelease('webhook', ['sources: [service]']);
      const { found } = detectConventions(createRepoTree(files));
      expect(settingOf(found, 'dns.provider')?.reason).toMatch(
        /uses provider webhook; none uses Cloudflare/,
      );
      expect(settingOf(found, 'dns.provider')?.reason).not.toMatch(
        /no cluster's Flux applies/,
      );
    });

    it("takes an ExternalDNS as applied where a listed folder's kustomization reaches a base outside it, patched per environment, saying each release once (alexrf45)", () => {
      const files: Files = {};
      for (const [c, env] of [
        ['memphis', 'dev'],
        ['horus', 'prod'],
      ]) {
        files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxKustomization(
          'flux-system',
          `./clusters/${c}`,
        );
        files[`clusters/${c}/apps.yaml`] = fluxKustomization(
          'apps',
          `./applications/${env}`,
        );
        files[`applications/${env}/kustomization.yaml`] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./external-dns\n';
        files[`applications/${env}/external-dns/kustomization.yaml`] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base/external-dns\npatches:\n  - path: deploy.yaml\n    target:\n      kind: HelmRelease\n';
        files[`applications/${env}/external-dns/deploy.yaml`] =
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: external-dns, namespace: network}\nspec:\n  values:\n    provider: {name: webhook}\n';
      }
      files['applications/base/external-dns/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deploy.yaml\n';
      files['applications/base/external-dns/deploy.yaml'] = externalDnsRelease(
        'pihole',
        ['sources: [service]'],
      );
      const reason = settingOf(
        detectConventions(createRepoTree(files)).found,
        'dns.provider',
      )?.reason;
      expect(reason).not.toMatch(/no cluster's Flux applies/);
      expect(reason).toMatch(/uses provider webhook; none uses Cloudflare/);
      expect(reason?.match(/uses provider/g)).toHaveLength(1);
    });

    it("takes what an entry folder without a kustomization builds through a folder below it that lists files from elsewhere (isvicy's `flux-system` listing `../../../flux/config`)", () => {
      const files: Files = {
        'kubernetes/bootstrap/flux/flux-system/kustomization.yaml':
          kustomization('gotk-sync.yaml', '../../../flux/config'),
        'kubernetes/bootstrap/flux/flux-system/gotk-sync.yaml':
          fluxKustomization('flux-system', './kubernetes/bootstrap/flux'),
        'kubernetes/flux/config/kustomization.yaml':
          kustomization('cluster.yaml'),
        'kubernetes/flux/config/cluster.yaml': fluxKustomization(
          'cluster-apps',
          './kubernetes/apps',
        ),
        ...externalDns(
          '1.20.0',
          '    provider: {name: cloudflare}\n    sources: [crd]\n',
        ),
      };
      const reason = settingOf(
        detectConventions(createRepoTree(files)).found,
        'dns.provider',
      )?.reason;
      expect(reason).toMatch(/uses provider cloudflare/);
      expect(reason).not.toMatch(/no cluster's Flux applies/);
      // the folder below not listing it: not applied
      files['kubernetes/bootstrap/flux/flux-system/kustomization.yaml'] =
        kustomization('gotk-sync.yaml');
      expect(
        settingOf(
          detectConventions(createRepoTree(files)).found,
          'dns.provider',
        )?.reason,
      ).toMatch(/no cluster's Flux applies it/);
    });

    it('says when no cluster applies the ExternalDNS its settings are read from (its entry commented out), and prefers one in what Flux builds over one every source leaves out', () => {
      const networking =
        'kubernetes/infrastructure/networking/kustomization.yaml';
      const commentedOut = exampleTree('gitops-repo', files => {
        files[networking] = files[networking].replace(
          '  - external-dns\n',
          '  # - external-dns\n',
        );
      });
      const { found } = detectConventions(commentedOut);
      for (const setting of [
        'dns.provider',
        'dns.externalDnsAnnotationPrefix',
        'dns.proxiedByDefault',
      ])
        expect(settingOf(found, setting)?.reason).toMatch(
          /; but no cluster's Flux applies it \(no kustomization a cluster builds reaches its file\), so it runs in no cluster yet$/,
        );
      // a Kustomization of the clusters builds an ExternalArtifact, which is
      // not read: it may apply it (Lingkar's artifact of its infra folder)
      const byArtifact = exampleTree('gitops-repo', files => {
        files[networking] = files[networking].replace(
          '  - external-dns\n',
          '  # - external-dns\n',
        );
        files['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - artifact-apps.yaml\n';
        files['kubernetes/clusters/infra/artifact-apps.yaml'] =
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: network, namespace: flux-system}\nspec:\n  interval: 1h\n  path: ./network\n  prune: true\n  sourceRef: {kind: ExternalArtifact, name: infra}\n';
      });
      expect(
        settingOf(detectConventions(byArtifact).found, 'dns.provider')?.reason,
      ).toMatch(
        /; no kustomization read here reaches its file, but 1 Kustomization of the clusters builds ExternalArtifacts, which are not evaluated, and may apply it \(e\.g\. network at kubernetes\/clusters\/infra\/artifact-apps\.yaml\): whether it runs is not known$/,
      );
      // applied: nothing said
      expect(
        settingOf(
          detectConventions(exampleTree('gitops-repo')).found,
          'dns.provider',
        )?.reason,
      ).not.toMatch(/no cluster's Flux applies/);
      // an old copy in a folder every source leaves out is not read
      const archived = exampleTree('gitops-repo', files => {
        files[networking] = files[networking].replace(
          '  - external-dns\n',
          '  # - external-dns\n',
        );
        const sync = 'kubernetes/clusters/infra/flux-system/gotk-sync.yaml';
        for (const c of ['infra', 'apps']) {
          const file = sync.replace('infra', c);
          files[file] = files[file].replace(
            /(kind: GitRepository[\s\S]*?spec:\n)/,
            '$1  ignore: |\n    /archive\n',
          );
        }
        files['archive/external-dns/helmrelease.yaml'] = files[
          'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml'
        ].replace('name: cloudflare', 'name: aws');
      });
      expect(
        settingOf(detectConventions(archived).found, 'dns.provider')?.reason,
      ).toMatch(
        /^HelmRelease kube-system\/external-dns \(kubernetes\/infrastructure\/networking\/external-dns\/helmrelease\.yaml:4\) uses provider cloudflare/,
      );
    });

    it("reads a release's values from the overlays that add its valuesFrom ConfigMap to its base (red-lichtie's chart overrides per cluster), when they agree", () => {
      const base = 'kubernetes/infrastructure/external-dns';
      const overrides = (sources: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: external-dns-overrides\n  namespace: network\ndata:\n  values.yaml: |\n    provider: rfc2136\n    sources: [${sources}]\n`;
      const files = (dev: string): Files => ({
        [`${base}/app/kustomization.yaml`]: kustomization('helmrelease.yaml'),
        [`${base}/app/helmrelease.yaml`]:
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 6.26.4\n  valuesFrom:\n    - kind: ConfigMap\n      name: external-dns-overrides\n',
        [`${base}/prod/kustomization.yaml`]: kustomization(
          '../app',
          'overrides.yaml',
        ),
        [`${base}/prod/overrides.yaml`]: overrides('gateway-httproute'),
        [`${base}/dev/kustomization.yaml`]: kustomization(
          '../app',
          'overrides.yaml',
        ),
        [`${base}/dev/overrides.yaml`]: overrides(dev),
      });
      // none reads DNSEndpoints: the records by hand
      const { conventions, found } = detectConventions(
        createRepoTree(files('gateway-httproute')),
      );
      expect(conventions.dns?.mode).toBe('manual');
      expect(settingOf(found, 'dns.mode')?.reason).toMatch(
        /^the repository's ExternalDNS \(HelmRelease network\/external-dns\) reads no DNSEndpoints \(no crd source\)/,
      );
      // the overlays differ (one reads DNSEndpoints): not known, not manual
      expect(
        detectConventions(createRepoTree(files('crd, gateway-httproute')))
          .conventions.dns?.mode,
      ).toBeUndefined();
    });

    it('reads the prefix from the version the chart deploys, and the proxy flag from its arguments', () => {
      const { conventions, found } = detectConventions(
        createRepoTree(
          externalDns(
            '1.22.0',
            '    provider:\n      name: cloudflare\n    extraArgs:\n      - --cloudflare-proxied\n',
          ),
        ),
      );
      // none reads DNSEndpoints, and there is none: the records by hand
      expect(conventions.dns).toEqual({
        externalDnsAnnotationPrefix: 'external-dns.kubernetes.io/',
        provider: 'cloudflare',
        proxiedByDefault: true,
        mode: 'manual',
      });
      expect(settingOf(found, 'dns.mode')?.reason).toBe(
        "the repository's ExternalDNS (HelmRelease network/external-dns) reads no DNSEndpoints (no crd source), and it applies no DNSEndpoint CRD and holds no DNSEndpoint: the records are kept by hand: configure lists them in docs/clustermesh-dns-records.md, or in the clusters' CoreDNS hosts entries where they keep the peers (set dns.mode: externaldns in the conventions, and add crd to an ExternalDNS's sources, to publish them from DNSEndpoints)",
      );
      // one that reads them keeps DNSEndpoints the way
      expect(
        detectConventions(
          createRepoTree(
            externalDns(
              '1.22.0',
              '    provider: cloudflare\n    sources: [crd]\n',
            ),
          ),
        ).conventions.dns?.mode,
      ).toBeUndefined();
      // a DNSEndpoint in a folder kept for the record runs nowhere
      expect(
        detectConventions(
          createRepoTree({
            ...externalDns('1.22.0', '    provider:\n      name: cloudflare\n'),
            '.archived/networking/tunnel/dnsendpoint.yaml':
              'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata: {name: tunnel}\nspec: {endpoints: []}\n',
          }),
        ).conventions.dns?.mode,
      ).toBe('manual');
      expect(settingOf(found, 'dns.externalDnsAnnotationPrefix')?.reason).toBe(
        'HelmRelease network/external-dns deploys ExternalDNS v0.22 (chart external-dns 1.22.0 at kubernetes/apps/network/external-dns/helmrelease.yaml:10), which reads external-dns.kubernetes.io/ keys (the prefix changed in v0.22.0)',
      );
    });

    it("says where objects carry ExternalDNS's annotations though the repository deploys no ExternalDNS (TheKitty-zone's, installed by Terraform)", () => {
      const ingress =
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: hubble\n  namespace: kube-system\n  annotations:\n    external-dns.alpha.kubernetes.io/hostname: hubble.example.net\nspec: {rules: []}\n';
      const { conventions, found } = detectConventions(
        createRepoTree({ 'infrastructure/configs/ingress.yaml': ingress }),
      );
      expect(conventions.dns?.mode).toBe('manual');
      expect(settingOf(found, 'dns.mode')?.reason).toMatch(
        /^Flux applies no ExternalDNS and no DNSEndpoint CRD from the repository, and the repository holds no DNSEndpoint, yet Ingress hubble \(infrastructure\/configs\/ingress\.yaml:7\) carries ExternalDNS's annotation external-dns\.alpha\.kubernetes\.io\/hostname: an ExternalDNS installed another way .* \(set dns\.mode: externaldns in the conventions if it reads DNSEndpoints\)$/,
      );
      // none annotated: the kind not known
      expect(
        settingOf(
          detectConventions(
            createRepoTree({
              'infrastructure/configs/ingress.yaml': ingress.replace(
                /\n {2}annotations:\n.*/,
                '',
              ),
            }),
          ).found,
          'dns.mode',
        )?.reason,
      ).toMatch(
        /^Flux applies no ExternalDNS and no DNSEndpoint CRD from the repository, and the repository holds no DNSEndpoint: a DNSEndpoint would be/,
      );
      // its ExternalDNS kept in an archive no cluster applies (codehoschi's)
      expect(
        settingOf(
          detectConventions(
            createRepoTree({
              'infrastructure/configs/ingress.yaml': ingress,
              '.archive/external-dns/helmrelease.yaml':
                'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: external-dns, namespace: network}\nspec:\n  chart: {spec: {chart: external-dns, version: 1.15.0}}\n  values: {provider: cloudflare, sources: [ingress]}\n',
            }),
          ).found,
          'dns.mode',
        )?.reason,
      ).toContain(
        "carries ExternalDNS's annotation external-dns.alpha.kubernetes.io/hostname: the repository's ExternalDNS is in .archive/external-dns/helmrelease.yaml, which no cluster applies (retired, or installed another way)",
      );
    });

    it("reads the ExternalDNS an older chart deploys from the chart's changelog (1.12.1: v0.13), and none before 1.9", () => {
      const reasonOf = (version: string) =>
        settingOf(
          detectConventions(
            createRepoTree(externalDns(version, '    provider: cloudflare\n')),
          ).found,
          'dns.externalDnsAnnotationPrefix',
        )?.reason;
      expect(reasonOf('1.12.1')).toMatch(
        /^HelmRelease network\/external-dns deploys ExternalDNS v0\.13 \(chart external-dns 1\.12\.1 at /,
      );
      expect(reasonOf('1.10.0')).toMatch(/deploys ExternalDNS v0\.12 /);
      expect(reasonOf('1.8.0')).not.toMatch(/deploys ExternalDNS/);
    });

    it('reads a chart version range that pins the minor (~1.22, 1.16.x) as that minor; not one that does not (^1.16)', () => {
      const prefixOf = (range: string) =>
        settingOf(
          detectConventions(
            createRepoTree(externalDns(range, '    provider: cloudflare\n')),
          ).found,
          'dns.externalDnsAnnotationPrefix',
        );
      expect(prefixOf('"~1.22"')).toMatchObject({
        value: 'external-dns.kubernetes.io/',
        reason:
          'HelmRelease network/external-dns deploys ExternalDNS v0.22 (chart external-dns ~1.22 (1.22.x) at kubernetes/apps/network/external-dns/helmrelease.yaml:10), which reads external-dns.kubernetes.io/ keys (the prefix changed in v0.22.0)',
      });
      expect(prefixOf('1.16.x')?.value).toBe(
        'external-dns.alpha.kubernetes.io/',
      );
      expect(prefixOf('1.16.x')?.source).toBe('detected');
      expect(prefixOf('"^1.16"')?.source).toBe('default');
    });

    it('takes another provider when every ExternalDNS names one that is not Cloudflare', () => {
      const { conventions, found } = detectConventions(
        createRepoTree(
          externalDns('1.20.0', '    provider:\n      name: rfc2136\n'),
        ),
      );
      expect(conventions.dns).toMatchObject({ provider: 'other' });
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        'HelmRelease network/external-dns (kubernetes/apps/network/external-dns/helmrelease.yaml:1) uses provider rfc2136; none uses Cloudflare, so its TTL range and "DNS only" do not apply',
      );
      // beside a Cloudflare one that reads no DNSEndpoint: that one says so
      const both = detectConventions(
        createRepoTree({
          ...externalDns(
            '1.20.0',
            '    provider:\n      name: rfc2136\n    sources: [crd]\n',
          ),
          'kubernetes/apps/network/public-dns/helmrelease.yaml':
            'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: public-dns\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.20.0\n  values:\n    provider: cloudflare\n    sources: [gateway-httproute]\n',
        }),
      );
      expect(both.conventions.dns).toMatchObject({ provider: 'other' });
      expect(settingOf(both.found, 'dns.provider')?.reason).toBe(
        'HelmRelease network/external-dns (kubernetes/apps/network/external-dns/helmrelease.yaml:1) uses provider rfc2136, and it is what reads DNSEndpoints; HelmRelease network/public-dns publishes to Cloudflare but reads no DNSEndpoint (no crd source), so Cloudflare\'s TTL range and "DNS only" do not apply to the records',
      );
      // a Cloudflare deployment: Cloudflare's rules, detected, so said
      const cloudflare = detectConventions(
        createRepoTree(externalDns('1.20.0', '    provider: cloudflare\n')),
      );
      expect(cloudflare.conventions.dns?.provider).toBe('cloudflare');
      expect(settingOf(cloudflare.found, 'dns.provider')?.reason).toBe(
        'HelmRelease network/external-dns (kubernetes/apps/network/external-dns/helmrelease.yaml:1) uses provider cloudflare: Cloudflare\'s TTL range and "DNS only" apply',
      );
    });

    it("reads a shared release as each overlay's patches make it", () => {
      // ashmantis1's shape: a base release naming no provider, an overlay
      // per zone patching in its provider and renaming it
      const base = 'kubernetes/bases/external-dns';
      const overlay = 'kubernetes/overlays/infra/external-dns-cloudflare';
      const files: Files = {
        'clusters/infra/flux-system/gotk-sync.yaml': fluxKustomization(
          'flux-system',
          './clusters/infra',
        ),
        'clusters/infra/external-dns.yaml': fluxKustomization(
          'external-dns-cloudflare',
          `./${overlay}`,
        ),
        [`${base}/kustomization.yaml`]: kustomization('release.yaml'),
        [`${base}/release.yaml`]:
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: "*"\n  values:\n    sources:\n      - crd\n',
        [`${overlay}/kustomization.yaml`]: `namespace: external-dns-cloudflare
resources:
  - ../../../bases/external-dns
patches:
  - target:
      kind: HelmRelease
    path: ./external-dns-patch.yaml
  - target:
      kind: HelmRelease
    patch: |
      - op: replace
        path: /metadata/name
        value: external-dns-cloudflare
`,
        [`${overlay}/external-dns-patch.yaml`]:
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\nspec:\n  chart:\n    spec:\n      version: "1.20.0"\n  values:\n    provider: cloudflare\n',
      };
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns?.provider).toBe('cloudflare');
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        `HelmRelease external-dns-cloudflare/external-dns-cloudflare (${base}/release.yaml:1) uses provider cloudflare: Cloudflare's TTL range and "DNS only" apply`,
      );
    });

    it('reads the proxy default of no Cloudflare ExternalDNS where another provider publishes the DNSEndpoints', () => {
      const proxiedRelease = (name: string, values: string) =>
        `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: network\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.20.0\n  values:\n${values}`;
      const pihole = proxiedRelease(
        'external-dns-pihole',
        '    provider:\n      name: pihole\n    sources: [crd, ingress]\n',
      );
      // the Cloudflare one publishes routes only: the records are pihole's
      const routesOnly = detectConventions(
        createRepoTree({
          'kubernetes/apps/network/pihole/helmrelease.yaml': pihole,
          'kubernetes/apps/network/cloudflare/helmrelease.yaml': proxiedRelease(
            'external-dns-cloudflare',
            '    provider:\n      name: cloudflare\n    extraArgs:\n      - --cloudflare-proxied\n    sources: [gateway-httproute]\n',
          ),
        }),
      );
      expect(routesOnly.conventions.dns?.provider).toBe('other');
      expect(routesOnly.conventions.dns?.proxiedByDefault).toBeUndefined();
      expect(settingOf(routesOnly.found, 'dns.proxiedByDefault')).toEqual({
        setting: 'dns.proxiedByDefault',
        value: 'unknown',
        source: 'default',
        reason:
          "not applicable: the zone is not Cloudflare's (dns.provider other), so no record is proxied",
      });
    });

    it('reads the ExternalDNS Flux applies, not one whose only Kustomization is commented out', () => {
      const app = 'kubernetes/apps/network/external-dns';
      const files: Files = {
        // one cluster, synced by the flux-operator
        'kubernetes/apps/flux-system/flux-instance/app/helm-values.yaml':
          'instance:\n  sync:\n    kind: GitRepository\n    path: kubernetes/flux/cluster\n',
        'kubernetes/flux/cluster/ks.yaml': fluxKustomization(
          'cluster-apps',
          './kubernetes/apps',
        ),
        // Flux generates kubernetes/apps' kustomization: network's own lists
        // only the ks.yaml, which applies bind; cloudflare's is commented out
        'kubernetes/apps/network/kustomization.yaml': kustomization(
          './external-dns/ks.yaml',
        ),
        [`${app}/ks.yaml`]: `${fluxKustomization(
          'external-dns-bind',
          `./${app}/bind`,
        )}---\n${fluxKustomization(
          'external-dns-cloudflare',
          `./${app}/cloudflare`,
        )
          .split('\n')
          .map(line => (line ? `# ${line}` : line))
          .join('\n')}`,
        [`${app}/bind/kustomization.yaml`]: kustomization('helmrelease.yaml'),
        [`${app}/bind/helmrelease.yaml`]: release(
          'external-dns-bind',
          '    provider:\n      name: rfc2136\n    sources: [crd]\n',
        ),
        [`${app}/cloudflare/kustomization.yaml`]:
          kustomization('helmrelease.yaml'),
        [`${app}/cloudflare/helmrelease.yaml`]: release(
          'external-dns-cloudflare',
          '    provider: cloudflare\n    sources: [crd]\n',
        ),
      };
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns?.provider).toBe('other');
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        `HelmRelease network/external-dns-bind (${app}/bind/helmrelease.yaml:1) uses provider rfc2136; none uses Cloudflare, so its TTL range and "DNS only" do not apply`,
      );
      expect(settingOf(found, 'dns.proxiedByDefault')?.source).toBe('default');
    });

    it("reads an ExternalDNS a cluster's kustomization lists from outside its folder (`../../apps/shared/ks.yaml`), not only one below it", () => {
      const files: Files = {};
      for (const c of ['a', 'b']) {
        files[`kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`] =
          fluxKustomization('flux-system', `./kubernetes/clusters/${c}`);
        files[`kubernetes/clusters/${c}/flux-system/kustomization.yaml`] =
          kustomization('gotk-sync.yaml');
      }
      // a: the shared apps, listed from outside its folder
      files['kubernetes/clusters/a/kustomization.yaml'] = kustomization(
        'flux-system',
        '../../apps/shared/ks.yaml',
      );
      files['kubernetes/apps/shared/ks.yaml'] = fluxKustomization(
        'shared-dns',
        './kubernetes/apps/shared/app',
      );
      files['kubernetes/apps/shared/app/kustomization.yaml'] =
        kustomization('helmrelease.yaml');
      files['kubernetes/apps/shared/app/helmrelease.yaml'] = release(
        'cloudflare-dns',
        '    provider: {name: cloudflare}\n    sources: [crd]\n',
      );
      // b: one of its own, below its folder, that reads no DNSEndpoints
      files['kubernetes/clusters/b/kustomization.yaml'] = kustomization(
        'flux-system',
        'external-dns.yaml',
      );
      files['kubernetes/clusters/b/external-dns.yaml'] = release(
        'external-dns',
        '    provider: {name: webhook}\n    sources: [service]\n',
      );
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns?.provider).toBe('cloudflare');
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        'HelmRelease network/cloudflare-dns (kubernetes/apps/shared/app/helmrelease.yaml:1) uses provider cloudflare: Cloudflare\'s TTL range and "DNS only" apply',
      );
    });

    it("takes the chart's default provider, aws, where no value or flag names one: not Cloudflare", () => {
      const { conventions, found } = detectConventions(
        createRepoTree(externalDns('1.20.0', '    sources: [crd]\n')),
      );
      expect(conventions.dns).toMatchObject({ provider: 'other' });
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        'HelmRelease network/external-dns (kubernetes/apps/network/external-dns/helmrelease.yaml:1) uses provider aws (the chart\'s default: no provider set); none uses Cloudflare, so its TTL range and "DNS only" do not apply',
      );
      // a flag with its value apart names it too
      const flagged = detectConventions(
        createRepoTree(
          externalDns('1.20.0', '    extraArgs: [--provider, cloudflare]\n'),
        ),
      );
      expect(flagged.conventions.dns?.provider).toBe('cloudflare');
    });

    it('keeps the alpha prefix for an older ExternalDNS, and finds DNS only by default without the flag', () => {
      const { conventions, found } = detectConventions(
        createRepoTree(
          externalDns(
            '1.21.1',
            '    provider: cloudflare\n    image:\n      repository: registry.k8s.io/external-dns/external-dns\n      tag: v0.20.0\n',
          ),
        ),
      );
      expect(conventions.dns).toEqual({
        provider: 'cloudflare',
        proxiedByDefault: false,
        mode: 'manual',
      });
      expect(settingOf(found, 'dns.externalDnsAnnotationPrefix')).toMatchObject(
        {
          source: 'detected',
          value: 'external-dns.alpha.kubernetes.io/',
          reason: expect.stringContaining('v0.20.0 (image tag v0.20.0'),
        },
      );
    });

    it("reads Bitnami's chart proxying Cloudflare records unless cloudflare.proxied is false, its default true (SparksD2145's)", () => {
      const proxied = (values: string) =>
        detectConventions(
          createRepoTree(
            externalDns(
              '9.0.3',
              `    provider: cloudflare\n    sources: [crd]\n${values}`,
            ),
          ),
        ).conventions.dns?.proxiedByDefault;
      expect(proxied('    cloudflare:\n      proxied: true\n')).toBe(true);
      expect(proxied('')).toBe(true);
      expect(proxied('    cloudflare:\n      proxied: false\n')).toBe(false);
      // the kubernetes-sigs chart (1.x) has no such value: its flags decide
      expect(
        detectConventions(
          createRepoTree(
            externalDns(
              '1.15.0',
              '    provider: cloudflare\n    sources: [crd]\n    cloudflare:\n      proxied: true\n',
            ),
          ),
        ).conventions.dns?.proxiedByDefault,
      ).toBe(false);
    });

    it("reads ExternalDNS's version from the chart where the image is a fork numbered its own way (samipsolutions')", () => {
      const prefix = (repository: string, tag: string) =>
        settingOf(
          detectConventions(
            createRepoTree(
              externalDns(
                '1.11.0',
                `    provider: pdns\n    image:\n      repository: ${repository}\n      tag: ${tag}\n`,
              ),
            ),
          ).found,
          'dns.externalDnsAnnotationPrefix',
        );
      expect(prefix('docker.io/samip537/external-dns', 'v1.2.0')).toMatchObject(
        {
          value: 'external-dns.alpha.kubernetes.io/',
          reason: expect.stringContaining('chart external-dns 1.11.0'),
        },
      );
      // upstream's image: its tag is ExternalDNS's version
      expect(
        prefix('registry.k8s.io/external-dns/external-dns', 'v0.22.1'),
      ).toMatchObject({ value: 'external-dns.kubernetes.io/' });
      // a staging build: the release it was built after (npmulder's, over
      // chart 1.21.1)
      expect(
        prefix(
          'gcr.io/k8s-staging-external-dns/external-dns',
          'v20250402-v0.16.1-48-g1efdf416',
        ),
      ).toMatchObject({
        value: 'external-dns.alpha.kubernetes.io/',
        reason: expect.stringContaining(
          'ExternalDNS v0.16.1 (image tag v20250402-v0.16.1-48-g1efdf416',
        ),
      });
    });

    it('takes the chart’s annotationPrefix when it sets one', () => {
      const { conventions } = detectConventions(
        createRepoTree(
          externalDns(
            '1.22.0',
            '    provider: cloudflare\n    annotationPrefix: dns.example.com/\n',
          ),
        ),
      );
      expect(conventions.dns?.externalDnsAnnotationPrefix).toBe(
        'dns.example.com/',
      );
    });

    it("takes an --annotation-prefix flag over the version's default (mrwulf's external-dns.kubernetes.io/ on v0.21)", () => {
      const detection = detectConventions(
        createRepoTree(
          externalDns(
            '1.21.1',
            '    provider: cloudflare\n    extraArgs:\n      - --annotation-prefix=external-dns.kubernetes.io/\n      - --cloudflare-proxied\n',
          ),
        ),
      );
      expect(
        settingOf(detection.found, 'dns.externalDnsAnnotationPrefix'),
      ).toMatchObject({
        value: 'external-dns.kubernetes.io/',
        reason: expect.stringContaining(
          'runs with --annotation-prefix=external-dns.kubernetes.io/',
        ),
      });
    });

    it('follows a chartRef to a mirror of the chart under another name, and does not take a webhook sidecar for ExternalDNS', () => {
      const files: Files = {
        // a Cloudflare deployment whose HelmRelease never says external-dns
        'apps/network/cloudflare-dns/ocirepository.yaml':
          'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: cloudflare-dns\nspec:\n  interval: 1h\n  ref:\n    tag: 1.21.1\n  url: oci://ghcr.io/example/charts-mirror/external-dns\n',
        'apps/network/cloudflare-dns/helmrelease.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cloudflare-dns\nspec:\n  chartRef:\n    kind: OCIRepository\n    name: cloudflare-dns\n  values:\n    provider:\n      name: cloudflare\n    extraArgs:\n      - --cloudflare-proxied\n',
        // a webhook provider: its sidecar's tag is not ExternalDNS's version
        'apps/network/mikrotik-dns/ocirepository.yaml':
          'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: external-dns\n  namespace: network\nspec:\n  ref:\n    tag: 1.20.0\n  url: oci://ghcr.io/example/charts-mirror/external-dns\n',
        'apps/network/mikrotik-dns/helmrelease.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns-mikrotik\n  namespace: network\nspec:\n  chartRef:\n    kind: OCIRepository\n    name: external-dns\n  values:\n    provider:\n      name: webhook\n      webhook:\n        image:\n          repository: ghcr.io/example/external-dns-provider-mikrotik\n          tag: v1.5.12\n',
      };
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns).toEqual({
        proxiedByDefault: true,
        mode: 'manual',
      });
      expect(settingOf(found, 'dns.proxiedByDefault')?.reason).toBe(
        'HelmRelease cloudflare-dns (apps/network/cloudflare-dns/helmrelease.yaml:1) runs with --cloudflare-proxied: a record without cloudflare-proxied "false" is proxied',
      );
      // both read as chart 1.2x, ExternalDNS v0.2x: the alpha prefix, not v1.5.12
      expect(settingOf(found, 'dns.externalDnsAnnotationPrefix')).toMatchObject(
        {
          source: 'detected',
          value: 'external-dns.alpha.kubernetes.io/',
          reason: expect.stringMatching(
            /ExternalDNS v0\.2[01] \(chart external-dns 1\.2[01]\.\d at apps\/network\/[a-z-]+\/ocirepository\.yaml:\d+\)/,
          ),
        },
      );
      expect(JSON.stringify(found)).not.toContain('1.5.12');
    });

    it('reads the values a HelmRelease takes from a ConfigMap its folder generates (valuesFrom, hashed name)', () => {
      const dir = 'infrastructure/base/external-dns';
      const files: Files = {
        [`${dir}/release.yaml`]: `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\nspec:\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.20.0\n  valuesFrom:\n    - kind: ConfigMap\n      name: external-dns-values\n`,
        [`${dir}/kustomization.yaml`]:
          'namespace: external-dns\nresources: [release.yaml]\nconfigMapGenerator:\n  - name: external-dns-values\n    files: [values.yaml=../values/external-dns.yaml]\nconfigurations: [kustomizeconfig.yaml]\n',
        [`${dir}/kustomizeconfig.yaml`]:
          'nameReference:\n  - kind: ConfigMap\n    version: v1\n    fieldSpecs:\n      - path: spec/valuesFrom/name\n        kind: HelmRelease\n',
        'infrastructure/base/values/external-dns.yaml':
          'provider:\n  name: cloudflare\nextraArgs:\n  - --cloudflare-proxied\n',
      };
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns).toMatchObject({ proxiedByDefault: true });
      expect(settingOf(found, 'dns.proxiedByDefault')?.reason).toMatch(
        /^HelmRelease external-dns \(infrastructure\/base\/external-dns\/release\.yaml:1\) runs with --cloudflare-proxied/,
      );
      // a values source its folder does not build is not read: not known
      delete files[`${dir}/kustomization.yaml`];
      const unread = detectConventions(createRepoTree(files));
      expect(unread.conventions.dns?.proxiedByDefault).toBeUndefined();
    });

    it('takes the FQDN domain from the one variable every ExternalDNS that reads DNSEndpoints filters on', () => {
      const files = (filters: string) =>
        createRepoTree({
          ...externalDns(
            '1.20.0',
            `    provider: {name: cloudflare}\n    sources: [crd, service]\n    domainFilters: ${filters}\n`,
          ),
          // the default template's variable is used elsewhere
          'kubernetes/apps/network/echo/ingress.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo}\ndata: {host: "echo.${SECRET_DOMAIN}"}\n',
        });
      const { conventions, found } = detectConventions(
        files('["${CLUSTER_DOMAIN}"]'),
      );
      expect(conventions.fqdnTemplate).toBe(
        'clustermesh-{cluster}.${CLUSTER_DOMAIN}',
      );
      expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
        "every ExternalDNS that reads DNSEndpoints publishes only names in ${CLUSTER_DOMAIN} (HelmRelease network/external-dns: domain filter), so the clusters' FQDNs are made in it",
      );
      // a literal domain where the default's variable is used (it may hold
      // it), or the default's own variable: the default stays
      for (const filters of ['[example.net]', '["${SECRET_DOMAIN}"]'])
        expect(
          detectConventions(files(filters)).conventions.fqdnTemplate,
        ).toBeUndefined();
    });

    it('takes the provider whose domain filters alone take the FQDNs where the deployments publish to several', () => {
      const tree = createRepoTree({
        'clusters/main/flux/sync.yaml': fluxKustomization(
          'flux-system',
          './clusters/main',
        ),
        // the default template's variable is used: it stays the template
        'clusters/main/echo.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo}\ndata: {host: "echo.${SECRET_DOMAIN}"}\n',
        // the public zone at Cloudflare, the home zone on a router
        'clusters/main/external-dns.yaml': externalDnsRelease('cloudflare', [
          'sources: [crd, ingress]',
          'excludeDomains: [home.example]',
        ]),
        'clusters/main/external-dns-router.yaml': externalDnsRelease(
          'webhook',
          ['sources: [crd, service]', 'domainFilters: [home.example]'],
        ).replace('name: external-dns,', 'name: external-dns-router,'),
      });
      const provider = (fqdnTemplate?: string) => {
        const explicit = fqdnTemplate ? { fqdnTemplate } : {};
        const { conventions, found } = detectConventions(tree, explicit);
        return [conventions.dns?.provider, settingOf(found, 'dns.provider')];
      };
      expect(provider('clustermesh-{cluster}.home.example')).toEqual([
        'other',
        expect.objectContaining({
          source: 'detected',
          reason: expect.stringMatching(
            /^the ExternalDNS deployments publish to several providers, and the clusters' FQDNs \(clustermesh-\{cluster\}\.home\.example\) are taken by the domain filters of HelmRelease network\/external-dns-router \(clusters\/main\/external-dns-router\.yaml:\d+\) alone, which uses provider webhook; /,
          ),
        }),
      ]);
      // a secret domain: not known which, the default kept
      expect(provider()).toEqual([
        undefined,
        expect.objectContaining({ source: 'default', value: 'cloudflare' }),
      ]);
      // NNMavy: two providers take the FQDNs' domain, neither Cloudflare
      const two = createRepoTree({
        'clusters/main/flux/sync.yaml': fluxKustomization(
          'flux-system',
          './clusters/main',
        ),
        'clusters/main/echo.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo}\ndata: {host: "echo.${SECRET_DOMAIN}"}\n',
        'clusters/main/external-dns.yaml': externalDnsRelease('cloudflare', [
          'sources: [crd]',
          'domainFilters: [other.example]',
        ]),
        'clusters/main/external-dns-ovh.yaml': externalDnsRelease('ovh', [
          'sources: [crd]',
          'domainFilters: [home.example]',
        ]).replace('name: external-dns,', 'name: external-dns-ovh,'),
        'clusters/main/external-dns-router.yaml': externalDnsRelease(
          'webhook',
          ['sources: [crd]', 'domainFilters: [home.example]'],
        ).replace('name: external-dns,', 'name: external-dns-router,'),
      });
      const { conventions, found } = detectConventions(two, {
        fqdnTemplate: 'clustermesh-{cluster}.home.example',
      });
      expect(conventions.dns?.provider).toBe('other');
      expect(settingOf(found, 'dns.provider')?.reason).toMatch(
        /alone, which use providers ovh, webhook; so Cloudflare's TTL range and "DNS only" do not apply$/,
      );
    });

    it('leaves out a provider whose label filter asks for labels a new DNSEndpoint does not carry where another takes the FQDNs (operinko)', () => {
      const files = (cloudflareValues: string[]) =>
        createRepoTree({
          'clusters/main/flux/sync.yaml': fluxKustomization(
            'flux-system',
            './clusters/main',
          ),
          'clusters/main/external-dns.yaml': externalDnsRelease('cloudflare', [
            'sources: [crd, ingress]',
            'domainFilters: [home.example]',
            ...cloudflareValues,
          ]),
          // a filter a record without annotations passes
          'clusters/main/internal-dns.yaml': externalDnsRelease('rfc2136', [
            'sources: [crd, service]',
            'domainFilters: [home.example]',
            'extraArgs: ["--annotation-filter=external-dns.alpha.kubernetes.io/ignore notin (true)"]',
          ]).replace('name: external-dns,', 'name: internal-dns,'),
        });
      const detect = (cloudflareValues: string[]) => {
        const { conventions, found } = detectConventions(
          files(cloudflareValues),
          { fqdnTemplate: 'clustermesh-{cluster}.home.example' },
        );
        return [conventions.dns?.provider, settingOf(found, 'dns.provider')];
      };
      expect(detect(['labelFilter: route.scope=external'])).toEqual([
        'other',
        expect.objectContaining({
          source: 'detected',
          reason: expect.stringMatching(
            /are taken by the domain filters of HelmRelease network\/internal-dns \(clusters\/main\/internal-dns\.yaml:\d+\) alone \(HelmRelease network\/external-dns \(clusters\/main\/external-dns\.yaml:\d+\) takes only objects whose labels match route\.scope=external \(--label-filter\), and the DNSEndpoint's do not: a new DNSEndpoint carries no labels or annotations where another takes it\), which uses provider rfc2136; so Cloudflare's TTL range and "DNS only" do not apply$/,
          ),
        }),
      ]);
      // without the filter both take it: not known which, the default kept
      expect(detect([])).toEqual([
        undefined,
        expect.objectContaining({ source: 'default', value: 'cloudflare' }),
      ]);
    });

    it("takes a cluster's literal domain filter that is its own value of the variable the others filter on as that variable", () => {
      const files = (nasDomain: string) => {
        const out: Files = {};
        for (const [c, domain] of [
          ['main', 'main.example'],
          ['nas', nasDomain],
        ]) {
          out[`clusters/${c}/flux/sync.yaml`] = fluxKustomization(
            'flux-system',
            `./clusters/${c}`,
          );
          out[
            `clusters/${c}/cluster-settings.yaml`
          ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  EXTERNAL_DOMAIN: ${domain}\n`;
        }
        out['clusters/main/external-dns.yaml'] = externalDnsRelease(
          'cloudflare',
          ['sources: [crd]', 'domainFilters: ["${EXTERNAL_DOMAIN}"]'],
        );
        // nas's router ExternalDNS writes its domain out
        out['clusters/nas/external-dns.yaml'] = externalDnsRelease('webhook', [
          'sources: [crd, service]',
          'domainFilters: [nas.example]',
        ]);
        return createRepoTree(out);
      };
      const { conventions, found } = detectConventions(files('nas.example'));
      expect(conventions.fqdnTemplate).toBe(
        'clustermesh-{cluster}.${EXTERNAL_DOMAIN}',
      );
      expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
        "every ExternalDNS that reads DNSEndpoints publishes only names in ${EXTERNAL_DOMAIN} (HelmRelease network/external-dns: domain filter; nas.example, written out, is its cluster's value of it), so the clusters' FQDNs are made in it",
      );
      // another domain than its own: no one template
      expect(
        detectConventions(files('other.example')).conventions.fqdnTemplate,
      ).toBeUndefined();
    });

    it("takes the one domain an ExternalDNS that reads no DNSEndpoints publishes in, where the default template's variable appears nowhere", () => {
      const files = (elsewhere: Record<string, string> = {}) =>
        createRepoTree({
          ...externalDns(
            '1.20.0',
            '    provider: {name: cloudflare}\n    sources: [service, ingress]\n    domainFilters: ["${PUBLIC_DOMAIN}"]\n',
          ),
          ...elsewhere,
        });
      const { conventions, found } = detectConventions(files());
      expect(conventions.fqdnTemplate).toBe(
        'clustermesh-{cluster}.${PUBLIC_DOMAIN}',
      );
      expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
        "SECRET_DOMAIN, the domain of the default template, appears nowhere in the repository, and its ExternalDNS publishes names only in ${PUBLIC_DOMAIN} (HelmRelease network/external-dns: domain filter; it reads no DNSEndpoints), so the clusters' FQDNs are made in it",
      );
      // a second cluster's copy of the release, and another release: each
      // named once
      const cloudflareRelease = Object.values(
        externalDns(
          '1.20.0',
          '    provider: {name: cloudflare}\n    sources: [service, ingress]\n    domainFilters: ["${PUBLIC_DOMAIN}"]\n',
        ),
      )[0];
      expect(
        settingOf(
          detectConventions(
            files({
              'kubernetes/edge/network/external-dns/helmrelease.yaml':
                cloudflareRelease,
              'kubernetes/apps/network/unifi-dns/helmrelease.yaml':
                cloudflareRelease.replace(
                  'name: external-dns\n',
                  'name: unifi-dns\n',
                ),
            }),
          ).found,
          'fqdnTemplate',
        )?.reason,
      ).toMatch(
        /\(HelmRelease network\/external-dns, HelmRelease network\/unifi-dns: domain filter; none reads DNSEndpoints\)/,
      );
      // another that reads DNSEndpoints, of no domain filter: the claim
      // that none reads them is not made (david-driscoll's Technitium)
      expect(
        settingOf(
          detectConventions(
            files({
              'kubernetes/apps/network/technitium/helmrelease.yaml':
                cloudflareRelease
                  .replace('name: external-dns\n', 'name: technitium-dns\n')
                  .replace('sources: [service, ingress]', 'sources: [crd]')
                  .replace('    domainFilters: ["${PUBLIC_DOMAIN}"]\n', ''),
            }),
          ).found,
          'fqdnTemplate',
        )?.reason,
      ).toMatch(
        /\(HelmRelease network\/external-dns: domain filter\), so the clusters' FQDNs are made in it$/,
      );
      // the default's variable used elsewhere: it stays
      expect(
        detectConventions(
          files({
            'kubernetes/apps/network/echo/ingress.yaml':
              'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo}\ndata: {host: "echo.${SECRET_DOMAIN}"}\n',
          }),
        ).conventions.fqdnTemplate,
      ).toBeUndefined();
    });

    it('takes the FQDN domain written out in the domain filter when the default template’s variable appears nowhere', () => {
      const { conventions, found } = detectConventions(
        createRepoTree({
          ...externalDns(
            '1.20.0',
            '    provider: {name: cloudflare}\n    sources: [crd]\n    domainFilters: [example.org]\n',
          ),
          // another variable whose name holds the default's is not it
          'kubernetes/apps/home/homepage/config.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: homepage}\ndata: {url: "https://{{HOMEPAGE_VAR_SECRET_DOMAIN_NAME}}"}\n',
          // nor one in a folder kept for the record, which nothing applies
          '.archive/self-hosted/convertx/helmrelease.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: convertx}\ndata: {host: "convertx.${SECRET_DOMAIN}"}\n',
        }),
      );
      expect(conventions.fqdnTemplate).toBe(
        'clustermesh-{cluster}.example.org',
      );
      expect(settingOf(found, 'fqdnTemplate')?.reason).toBe(
        "every ExternalDNS that reads DNSEndpoints publishes only names in example.org (HelmRelease network/external-dns: domain filter), so the clusters' FQDNs are made in it",
      );
      // two domains: which one is not known
      expect(
        detectConventions(
          createRepoTree(
            externalDns(
              '1.20.0',
              '    provider: {name: cloudflare}\n    sources: [crd]\n    domainFilters: [example.org, example.com]\n',
            ),
          ),
        ).conventions.fqdnTemplate,
      ).toBeUndefined();
    });

    it("takes Cloudflare from a cert-manager issuer's DNS-01 solver where no configured ExternalDNS names a provider (one left at its chart's defaults says nothing)", () => {
      const issuer =
        'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: letsencrypt}\nspec:\n  acme:\n    solvers:\n      - dns01:\n          cloudflare:\n            apiTokenSecretRef: {name: cloudflare-token, key: token}\n';
      const { conventions, found } = detectConventions(
        createRepoTree({
          // installed for its CRDs only: no provider, no sources
          ...externalDns('1.20.0', '    crds: {create: true}\n'),
          'kubernetes/apps/cert-manager/issuer.yaml': issuer,
        }),
      );
      expect(conventions.dns?.provider).toBe('cloudflare');
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        'ClusterIssuer letsencrypt (kubernetes/apps/cert-manager/issuer.yaml:8) solves ACME DNS-01 challenges at Cloudflare, so the zone is there: Cloudflare\'s TTL range and "DNS only" apply',
      );
      // a configured ExternalDNS says where its records go: it wins
      expect(
        detectConventions(
          createRepoTree({
            ...externalDns(
              '1.20.0',
              '    provider: {name: rfc2136}\n    sources: [crd]\n',
            ),
            'kubernetes/apps/cert-manager/issuer.yaml': issuer,
          }),
        ).conventions.dns?.provider,
      ).toBe('other');
    });

    it("takes another provider from an issuer's DNS-01 webhook where none solves at Cloudflare (mrtbi's Hetzner), and Cloudflare where one of them does", () => {
      const hetzner =
        'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: hetzner-dns01}\nspec:\n  acme:\n    solvers:\n      - http01: {ingress: {}}\n      - dns01:\n          webhook:\n            groupName: acme.hetzner.com\n            solverName: hetzner\n';
      const detect = (files: Files) => detectConventions(createRepoTree(files));
      const { conventions, found } = detect({
        'kubernetes/apps/cert-manager/issuers/hetzner.yaml': hetzner,
      });
      expect(conventions.dns?.provider).toBe('other');
      expect(settingOf(found, 'dns.provider')?.reason).toBe(
        'ClusterIssuer hetzner-dns01 (kubernetes/apps/cert-manager/issuers/hetzner.yaml:9) solves ACME DNS-01 challenges with a webhook (acme.hetzner.com, hetzner), and no issuer at Cloudflare, so the zone is taken to be elsewhere: Cloudflare\'s TTL range and "DNS only" do not apply (set dns.provider: cloudflare in the conventions if it is there)',
      );
      expect(
        detect({
          'kubernetes/apps/cert-manager/issuers/hetzner.yaml': hetzner,
          'kubernetes/apps/cert-manager/issuers/cloudflare.yaml': hetzner
            .replace('hetzner-dns01', 'cloudflare-dns01')
            .replace(
              /webhook:[^]*$/,
              'cloudflare: {apiTokenSecretRef: {name: t, key: k}}\n',
            ),
        }).conventions.dns?.provider,
      ).toBe('cloudflare');
      // no DNS-01 solver: nothing said
      expect(
        detect({
          'kubernetes/apps/cert-manager/issuers/http.yaml':
            'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: http}\nspec:\n  acme:\n    solvers:\n      - http01: {ingress: {}}\n',
        }).conventions.dns?.provider,
      ).toBeUndefined();
    });

    it('keeps the default provider, saying why, where the ExternalDNS deployments publish to several', () => {
      const files: Files = {
        ...externalDns(
          '1.20.0',
          '    provider: {name: cloudflare}\n    sources: [crd]\n    domainFilters: [example.org]\n',
        ),
        'kubernetes/apps/network/bind-dns/helmrelease.yaml': externalDns(
          '1.20.0',
          '    provider: {name: rfc2136}\n    sources: [crd]\n    domainFilters: [home.example.org]\n',
        )['kubernetes/apps/network/external-dns/helmrelease.yaml'].replace(
          'name: external-dns\n  namespace',
          'name: bind-dns\n  namespace',
        ),
      };
      // one that reads no DNSEndpoints publishes none of the mesh's records
      const internal = createRepoTree({
        ...files,
        'kubernetes/apps/network/bind-dns/helmrelease.yaml': files[
          'kubernetes/apps/network/bind-dns/helmrelease.yaml'
        ].replace('sources: [crd]', 'sources: [ingress, service]'),
      });
      expect(detectConventions(internal).conventions.dns?.provider).toBe(
        'cloudflare',
      );
      const { conventions, found } = detectConventions(createRepoTree(files));
      expect(conventions.dns?.provider).toBeUndefined();
      expect(settingOf(found, 'dns.provider')).toEqual({
        setting: 'dns.provider',
        value: 'cloudflare',
        source: 'default',
        reason:
          "the ExternalDNS deployments publish to several providers (cloudflare, rfc2136): a record's provider is the one whose domain filters take its name; where that is not known, Cloudflare's narrower TTL range is kept",
      });
    });

    it('says when no ExternalDNS is found', () => {
      const { found } = detectConventions(
        createRepoTree({ 'a.yaml': 'a: 1\n' }),
      );
      expect(settingOf(found, 'dns.proxiedByDefault')).toEqual({
        setting: 'dns.proxiedByDefault',
        value: 'unknown',
        source: 'default',
        reason:
          'no Cloudflare ExternalDNS deployment found: a record is DNS only when its DNSEndpoint says cloudflare-proxied "false"',
      });
    });
  });

  it("takes the LB IPAM annotation key the repository's other services use, where the Cilium values annotate none", () => {
    const service = (name: string, key: string) =>
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    ${key}: 10.1.1.5\nspec:\n  type: LoadBalancer\n`;
    const files: Files = {
      'kubernetes/apps/network/gateway.yaml': service(
        'gateway',
        'io.cilium/lb-ipam-ips',
      ),
      'kubernetes/apps/home/dns.yaml': service('dns', 'io.cilium/lb-ipam-ips'),
      'kubernetes/apps/home/mqtt.yaml': service('mqtt', 'lbipam.cilium.io/ips'),
    };
    // both keys used (judahrand: 6 and 5): the current one, not a vote
    const { conventions, found } = detectConventions(createRepoTree(files));
    expect(conventions.cilium?.lbIpamAnnotation).toBe('lbipam.cilium.io/ips');
    expect(settingOf(found, 'cilium.lbIpamAnnotation')?.reason).toBe(
      "the repository's other services ask LB IPAM for their addresses with both keys (1 place with it, e.g. kubernetes/apps/home/mqtt.yaml:6; 2 with io.cilium/lb-ipam-ips): the clustermesh-apiserver's takes the current one, which Cilium reads from 1.15 on (the older key is deprecated)",
    );
    // one of the Cilium releases pinned reads only the older key: that one
    const pinned = (version: string) =>
      [
        ...ciliumReleaseHead,
        '  chart:',
        '    spec:',
        '      chart: cilium',
        `      version: ${version}`,
        '',
      ].join('\n');
    const withOld = {
      ...files,
      'kubernetes/clusters/a/cilium.yaml': pinned('1.14.5'),
      'kubernetes/clusters/b/cilium.yaml': pinned('1.16.3'),
    };
    const pinnedOld = detectConventions(createRepoTree(withOld));
    expect(pinnedOld.conventions.cilium?.lbIpamAnnotation).toBe(
      'io.cilium/lb-ipam-ips',
    );
    expect(settingOf(pinnedOld.found, 'cilium.lbIpamAnnotation')?.reason).toBe(
      "the repository's other services ask LB IPAM for their addresses with both keys (2 with it; 1 with lbipam.cilium.io/ips, e.g. kubernetes/apps/home/mqtt.yaml:6), and it pins Cilium 1.14.5 (kubernetes/clusters/a/cilium.yaml:10), whose LB IPAM reads only io.cilium/lb-ipam-ips: the clustermesh-apiserver's takes that one, which every Cilium reads",
    );
    // the older key alone: the repository's way, followed
    delete files['kubernetes/apps/home/mqtt.yaml'];
    const older = detectConventions(createRepoTree(files));
    expect(older.conventions.cilium?.lbIpamAnnotation).toBe(
      'io.cilium/lb-ipam-ips',
    );
    expect(settingOf(older.found, 'cilium.lbIpamAnnotation')?.reason).toBe(
      "the repository's other services ask LB IPAM for their addresses with it (2 places, e.g. kubernetes/apps/home/dns.yaml:6): the clustermesh-apiserver's follows them",
    );
    // a value that asks for no address (kube-on-the-cheap's `auto`) is no
    // way of asking: the default key, not the older one; variables and
    // address lists do ask
    const askingWith = (value: string) =>
      settingOf(
        detectConventions(
          createRepoTree({
            'kubernetes/apps/envoy.yaml': service(
              'envoy',
              'io.cilium/lb-ipam-ips',
            ).replace('10.1.1.5', value),
          }),
        ).found,
        'cilium.lbIpamAnnotation',
      );
    expect(askingWith('auto')).toMatchObject({
      value: 'lbipam.cilium.io/ips',
      source: 'default',
    });
    expect(askingWith('"${GATEWAY_IP}, 10.1.1.6"')).toMatchObject({
      value: 'io.cilium/lb-ipam-ips',
      source: 'detected',
    });
  });

  it('lets the conventions file win, and the report says what the repository suggested', () => {
    const tree = createRepoTree(entrySubFolderRepository());
    const conventions = resolveConventions(
      { entryPath: 'boot' },
      detectConventions(tree, { entryPath: 'boot' }),
      '.clustermesh-dns.yaml',
    );
    expect(conventions.entryPath).toBe('boot');
    expect(
      conventions.provenance?.find(p => p.setting === 'entryPath'),
    ).toEqual({
      setting: 'entryPath',
      value: 'boot',
      source: 'conventions',
      reason: 'set in .clustermesh-dns.yaml',
    });
    expect(
      validateMesh(tree, conventions).conventions.map(c => c.setting),
    ).toEqual(
      expect.arrayContaining(['clustersPath', 'entryPath', 'settings.secret']),
    );
  });
});
