import { hasRecord } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { planMeshDnsChange } from '../plan/plan';
import { knownDomain } from '../__testUtils__/trees';
import { located } from '../__testUtils__/yaml';
import { validateMesh } from './report';
import { defaultConventions } from '../conventions/schema';
import { parseConventions, resolveConventions } from '../conventions/resolve';
import { createRepoTree } from '../tree/RepoTree';
import { generateSyntheticMesh } from '../testUtils/syntheticMesh';
import { exampleTree, fixtureFiles, fixtureTree } from '../__testUtils__/trees';
import { rules } from '../rules';
import {
  childrenSubstitutionPatch,
  withoutExampleExternalDns,
} from '../__testUtils__/rules';

/** The conventions with the example repositories' SOPS domain given. */
const withDomain = resolveConventions(knownDomain);

const failingRules = (report: ReturnType<typeof validateMesh>) =>
  [
    ...new Set(
      [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
        .filter(c => c.outcome === 'fail')
        .map(c => c.ruleId),
    ),
  ].sort();

/** A three-cluster mesh whose c002 settings lack the FQDN of c003. */
function meshWithoutC003InC002() {
  const files = generateSyntheticMesh({ clusters: 3 });
  const settings = 'kubernetes/clusters/c002/cluster-settings.yaml';
  files[settings] = files[settings].replace(
    / {2}CILIUM_CLUSTERMESH_C003_FQDN:.*\n/,
    '',
  );
  return files;
}

describe('validateMesh', () => {
  it("takes a suspended release's missing values Secret for values not read, not for a failing release; and says a suspended Kustomization is checked as resumed", () => {
    const release =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files[release] = files[release].replace(
          '  interval: 30m\n  chart:',
          '  interval: 30m\n  suspend: true\n  valuesFrom:\n    - kind: Secret\n      name: cilium-made-by-hand\n  chart:',
        );
        const infrastructure = 'kubernetes/clusters/apps/infrastructure.yaml';
        files[infrastructure] = files[infrastructure].replace(
          '  interval: 30m\n',
          '  interval: 30m\n  suspend: true\n',
        );
      }),
      resolveConventions(knownDomain),
    );
    const all = [...report.findings, ...report.notEvaluated];
    expect(all.filter(f => f.code === 'flux-error')).toEqual([]);
    expect(all.map(f => [f.severity, f.message])).toEqual(
      expect.arrayContaining([
        [
          'warning',
          expect.stringMatching(
            /^HelmRelease kube-system\/cilium is suspended \(spec.suspend\): helm-controller leaves it as last released; it takes values from Secret kube-system\/cilium-made-by-hand, which nothing in cluster (apps|infra) applies/,
          ),
        ],
        [
          'info',
          'Kustomization flux-system/cluster-apps-infrastructure is suspended (spec.suspend): Flux applies none of its files until it is resumed; they are checked as Flux would apply them then',
        ],
      ]),
    );
  });

  it("says helm-controller fails a release whose chart source the cluster applies only in another namespace, and that whether a release runs is not known where no Kustomization of the cluster applies its source (SmadjaPaul's external-dns, VazardAU's sourceRef, zachbomb's bootstrap-applied repositories)", () => {
    const release =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    const externalDns =
      'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml';
    const reportWith = (edit: (files: Record<string, string>) => void) =>
      validateMesh(
        exampleTree('gitops-repo', edit),
        resolveConventions(knownDomain),
      );
    // a sourceRef without its namespace: looked up in the release's own
    const inOwnNamespace = reportWith(files => {
      files[release] = files[release].replace(
        '        name: cilium\n        namespace: flux-system\n',
        '        name: cilium\n',
      );
    });
    expect(
      inOwnNamespace.findings
        .filter(f => f.code === 'flux-error')
        .map(f => `${f.cluster} ${located(f)}`),
    ).toEqual(
      ['apps', 'infra'].map(
        c =>
          `${c} ${release}:14 HelmRelease kube-system/cilium takes its chart from HelmRepository kube-system/cilium, which cluster ${c} applies only in namespace flux-system: helm-controller looks the source up in kube-system (the sourceRef's namespace, else the release's), fails the release and installs nothing of it`,
      ),
    );
    // its source's file applied by none of the cluster's Kustomizations (a
    // bootstrap may apply it), and ExternalDNS's defined nowhere, beside
    // other sources of the kind kept in Git: not known
    const unknown = reportWith(files => {
      const cilium =
        'kubernetes/infrastructure/networking/cilium/core/kustomization.yaml';
      files[cilium] = files[cilium].replace('  - helmrepository.yaml\n', '');
      files[externalDns] = files[externalDns].replace(
        '        kind: HelmRepository\n        name: external-dns\n',
        '        kind: HelmRepository\n        name: external-dns-charts\n',
      );
    });
    expect(unknown.findings.filter(f => f.code === 'flux-error')).toEqual([]);
    expect(unknown.notEvaluated.map(located)).toContain(
      `${release}:14 HelmRelease kube-system/cilium takes its chart from HelmRepository flux-system/cilium, which no Kustomization of cluster apps applies (the repository defines it in kubernetes/infrastructure/networking/cilium/core/helmrepository.yaml, which a bootstrap may apply) or is missing, when helm-controller fails the release and installs nothing of it; whether it runs is not known here`,
    );
    const published = unknown.clusters.map(
      c => c.checks.find(k => k.ruleId === 'dnsendpoint-matches')!,
    );
    expect(published.map(c => c.outcome)).toEqual([
      'not-evaluated',
      'not-evaluated',
    ]);
    expect(published[0].message).toContain(
      'HelmRelease kube-system/external-dns takes its chart from HelmRepository flux-system/external-dns-charts, which no manifest of the repository defines (made outside it, a bootstrap, by hand) or is missing, when helm-controller fails the release and installs nothing of it; whether it runs is not known here',
    );
  });

  it("says a Flux Operator sync path whose ${VAR} nothing substitutes syncs a folder the repository does not have (JanRi3D's copy)", () => {
    const instance = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: flux-instance, namespace: flux-system}',
      'spec:',
      '  interval: 1h',
      '  chart: {spec: {chart: flux-instance, sourceRef: {kind: HelmRepository, name: controlplaneio}}}',
      '  values:',
      '    instance:',
      '      sync:',
      '        kind: GitRepository',
      '        url: https://github.com/example/gitops',
      '        path: kubernetes/clusters/${CLUSTER_NAME}',
      '',
    ].join('\n');
    const findingsWith = (listedIn: string) =>
      validateMesh(
        exampleTree('gitops-repo', files => {
          files['kubernetes/flux-instance/helmrelease.yaml'] = instance;
          files['kubernetes/flux-instance/kustomization.yaml'] =
            'resources:\n  - helmrelease.yaml\n';
          files[listedIn] += `  - ${
            listedIn.startsWith('kubernetes/clusters/') ? '../..' : '..'
          }/flux-instance\n`;
        }),
        resolveConventions(knownDomain),
      ).findings.filter(f => f.message.includes('Flux Operator syncs'));
    // applied by the clusters' bootstrap Kustomization, which substitutes nothing
    expect(
      findingsWith('kubernetes/clusters/infra/kustomization.yaml').map(located),
    ).toEqual([
      "kubernetes/flux-instance/helmrelease.yaml:12 the flux-operator HelmRelease flux-system/flux-instance syncs kubernetes/clusters/${CLUSTER_NAME} (instance.sync.path at kubernetes/flux-instance/helmrelease.yaml:12; repository https://github.com/example/gitops) as written: Kustomization flux-system/flux-system, which applies it, does not substitute (no spec.postBuild), so the Flux Operator syncs a folder of that name, which the repository does not have, and the cluster's Flux reconciles nothing from it",
    ]);
    // where the Kustomization that applies it substitutes CLUSTER_NAME: nothing to say
    expect(
      findingsWith('kubernetes/infrastructure/kustomization.yaml'),
    ).toEqual([]);
  });

  it("gives findings only the report schema's fields, not what the engine keeps beside them", () => {
    // a remote resource (the engine notes its URL) and a folder that is
    // not there (and that it holds nothing back)
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        const apps = 'kubernetes/clusters/apps/kustomization.yaml';
        files[apps] +=
          '  - https://github.com/example/made-elsewhere//deploy?ref=v1\n';
        const infra = 'kubernetes/clusters/infra/infrastructure.yaml';
        files[infra] = files[infra].replace(
          'path: ./kubernetes/infrastructure',
          'path: ./kubernetes/gone',
        );
      }),
      resolveConventions(knownDomain),
    );
    const all = [...report.findings, ...report.notEvaluated];
    expect(all.map(f => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('made-elsewhere'),
        expect.stringContaining('kubernetes/gone'),
      ]),
    );
    const schema = [
      'id',
      'code',
      'severity',
      'message',
      'location',
      'unlocated',
      'cluster',
      'affects',
    ];
    for (const f of all)
      expect(Object.keys(f).filter(k => !schema.includes(k))).toEqual([]);
  });

  it('takes an optional substitution source no manifest defines as absent where every check was evaluated, and says so; not where a check was not', () => {
    // the cluster templates' `cluster-user-settings`, after the settings
    const withUserSettings = (files: Record<string, string>) => {
      for (const c of ['infra', 'apps']) {
        const ks = `kubernetes/clusters/${c}/infrastructure.yaml`;
        files[ks] = files[ks].replace(
          '      - kind: Secret\n        name: cluster-secrets\n',
          '      - kind: Secret\n        name: cluster-secrets\n      - kind: ConfigMap\n        name: cluster-user-settings\n        optional: true\n',
        );
        expect(files[ks]).toContain('cluster-user-settings');
      }
    };
    const report = validateMesh(
      exampleTree('gitops-repo', withUserSettings),
      withDomain,
    );
    expect(report.summary).toMatchObject({
      passed: 38,
      unevaluated: 0,
      status: 'pass',
    });
    expect(report.notEvaluated.map(f => [f.severity, f.message])).toEqual([
      [
        'info',
        'ConfigMap flux-system/cluster-user-settings is named by substituteFrom (optional), and no manifest of the repository defines it: taken as absent, as Flux skips an optional source it does not find: every value the checks read comes from the sources read here (if it is made in the cluster, a value it holds wins over theirs)',
      ],
    ]);
    // the domain not known: checks not evaluated, and the source may be
    // what defines it
    const unknownDomain = validateMesh(
      exampleTree('gitops-repo', withUserSettings),
      resolveConventions({}),
    );
    expect(unknownDomain.summary.status).toBe('not-evaluated');
    expect(
      unknownDomain.notEvaluated.find(f =>
        f.message.includes('cluster-user-settings'),
      ),
    ).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining('its variables are not known here'),
    });
  });

  it('passes every rule on the example repository after the story, for both clusters', () => {
    const report = validateMesh(exampleTree('gitops-repo'), withDomain);
    expect(report.summary).toEqual({
      clusters: 2,
      passing: 2,
      warning: 0,
      failing: 0,
      notEvaluated: 0,
      outside: 0,
      errors: 0,
      warnings: 0,
      passed: 38,
      notApplicable: 0,
      unevaluated: 0,
      status: 'pass',
    });
    expect(report.findings).toEqual([]);
    for (const cluster of report.clusters) {
      expect(cluster.checks.map(c => c.ruleId).sort()).toEqual(
        rules
          .filter(r => r.scope === 'cluster')
          .map(r => r.id)
          .sort(),
      );
    }
    expect(
      report.clusters.map(c => [
        c.name,
        c.fqdn?.template,
        c.fqdn?.resolved,
        c.lbIp?.value,
        c.pool?.name,
        c.record?.type,
        c.record?.ttl,
      ]),
    ).toEqual([
      [
        'apps',
        'clustermesh-apps.${SECRET_DOMAIN}',
        'clustermesh-apps.example.net',
        '10.25.11.120',
        'lb-ippool-apps',
        'A',
        300,
      ],
      [
        'infra',
        'clustermesh-infra.${SECRET_DOMAIN}',
        'clustermesh-infra.example.net',
        '10.25.11.100',
        'lb-ippool-infra',
        'A',
        300,
      ],
    ]);
  });

  /** The example with two Kustomizations of GitRepository platform, which `definition` defines (or nothing). */
  const platformReport = (definition: string, builds = ['one', 'two']) =>
    validateMesh(
      exampleTree('gitops-repo', files => {
        const dir = 'kubernetes/clusters/infra';
        files[`${dir}/platform.yaml`] =
          definition +
          builds
            .map(
              name =>
                `---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./${name}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: platform\n`,
            )
            .join('');
        files[`${dir}/kustomization.yaml`] = files[
          `${dir}/kustomization.yaml`
        ].replace('resources:\n', 'resources:\n  - platform.yaml\n');
      }),
      resolveConventions(knownDomain),
    ).notEvaluated.filter(f => f.message.includes('GitRepository platform'));

  it('says a source that is not this repository once, however many Kustomizations build it, naming flux.sourceNames', () => {
    expect(
      platformReport(
        '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: platform\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.com/platform.git\n  ref:\n    branch: main\n',
      ),
    ).toEqual([
      expect.objectContaining({
        message:
          "Kustomizations build GitRepository platform, not this repository (sources treated as this repository: flux-system); what they apply is not evaluated (if platform holds this repository's files, name it in the conventions' flux.sourceNames)",
        affects: expect.objectContaining({ count: 2 }),
      }),
    ]);
    // built by one Kustomization: its own finding says it as well
    expect(
      platformReport(
        '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: platform\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.com/platform.git\n',
        ['one'],
      ).map(f => f.message),
    ).toEqual([
      "Kustomization flux-system/one builds GitRepository platform, not this repository (sources treated as this repository: flux-system); its objects are not evaluated (if platform holds this repository's files, name it in the conventions' flux.sourceNames)",
    ]);
  });

  it("says a source of this repository's URL at another branch is this repository there, not another one to name in flux.sourceNames (gjcourt's staging)", () => {
    expect(
      platformReport(
        '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: platform\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://github.com/Example/home-ops.git\n  ref:\n    branch: staging\n',
        ['one'],
      ).map(f => f.message),
    ).toEqual([
      "Kustomization flux-system/one builds GitRepository platform, this repository's URL at branch staging, which is not what this run read (sources treated as this repository: flux-system): what it builds there is not these files; its objects are not evaluated (validate a checkout of branch staging to check them)",
    ]);
    // said once for several
    expect(
      platformReport(
        '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: platform\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: git@github.com:example/home-ops\n  ref:\n    branch: staging\n',
      ).map(f => f.message),
    ).toEqual([
      "Kustomizations build GitRepository platform, this repository's URL at branch staging, which is not what this run read (sources treated as this repository: flux-system): what it builds there is not these files; what they apply is not evaluated (validate a checkout of branch staging to check them)",
    ]);
  });

  it('does not call a source no file defines another repository', () => {
    expect(platformReport('')).toEqual([
      expect.objectContaining({
        message:
          "Kustomizations build GitRepository platform, which no manifest of the repository defines (made outside it, by a bootstrap, or missing: then Flux cannot reconcile it), so whether it is this repository is not known; what they apply is not evaluated (if platform holds this repository's files, name it in the conventions' flux.sourceNames)",
      }),
    ]);
  });

  it('fails the repository before the story with exactly the rules the story fixes', () => {
    const report = validateMesh(
      exampleTree('templates/clustermesh-dns/gitops-repo-before'),
      withDomain,
    );
    expect(failingRules(report)).toEqual([
      // T3: the DNSEndpoint and its kustomization entry (one finding:
      // dnsendpoint-matches has no record to compare)
      'dnsendpoint-included',
      'peers-by-fqdn', // T5: peers by FQDN instead of IPs
      'peers-complete', // T4: peer FQDN variables
      'service-annotation', // T5: static LB IP annotation
      'settings-present', // T4: FQDN and LB IP variables
      // not tls-san: pinned by ips, the peers connect to <name>.mesh.cilium.io,
      // which the chart's own certificate names
    ]);
    expect(report.summary.status).toBe('fail');
  });

  it("passes every rule on the per-component ks.yaml layout with its own conventions, but warns that its bootstrap's values give the clusters no CA they share", () => {
    const files = fixtureFiles('ks-layout');
    const report = validateMesh(
      createRepoTree(files),
      parseConventions(files['.clustermesh-dns.yaml']),
    );
    expect(report.summary).toMatchObject({
      clusters: 2,
      errors: 0,
      warnings: 2,
      notEvaluated: 0,
      status: 'warn',
    });
    expect(
      report.clusters.flatMap(c =>
        c.checks.filter(k => k.outcome !== 'pass').map(k => k.ruleId),
      ),
    ).toEqual(['ca-shared', 'ca-shared']);
    expect(
      report.clusters.map(c => [
        c.name,
        c.fqdn?.resolved,
        c.lbIp?.value,
        c.pool?.block,
      ]),
    ).toEqual([
      ['eu1', 'clustermesh-eu1.mesh.example.org', '10.30.0.10', '10.30.0.0/27'],
      [
        'us1',
        'clustermesh-us1.mesh.example.org',
        '10.30.0.42',
        '10.30.0.32/27',
      ],
    ]);
  });

  it('handles a three-cluster mesh: every cluster knows every other one', () => {
    const report = validateMesh(
      createRepoTree(generateSyntheticMesh({ clusters: 3 })),
      withDomain,
    );
    expect(report.summary).toMatchObject({
      clusters: 3,
      errors: 0,
      status: 'pass',
    });
    expect(report.clusters.map(c => c.peers)).toEqual([
      { expected: 2, missing: [] },
      { expected: 2, missing: [] },
      { expected: 2, missing: [] },
    ]);
  });

  it('finds a peer missing in a three-cluster mesh', () => {
    const files = meshWithoutC003InC002();
    const report = validateMesh(createRepoTree(files), withDomain);
    expect(report.clusters.find(c => c.name === 'c002')!.peers).toEqual({
      expected: 2,
      missing: ['c003'],
    });
    // the shared HelmRelease's ${..._FQDN:=${CILIUM_CLUSTERMESH_FQDN}} then points c002 at itself
    expect(failingRules(report)).toEqual(['peers-by-fqdn', 'peers-complete']);
  });

  it('honours configured peers instead of "every other cluster"', () => {
    const files = meshWithoutC003InC002();
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({ ...knownDomain, peers: { c002: ['c001'] } }),
    );
    expect(report.summary.status).toBe('pass');
  });

  it('reports the one-pass trap: settings applied without substitution keep ${SECRET_DOMAIN}', () => {
    // the story's own layout: cluster-settings applied by the flux-system Kustomization, verbatim
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        for (const c of ['infra', 'apps']) {
          const dir = `kubernetes/clusters/${c}`;
          files[`${dir}/kustomization.yaml`] = files[
            `${dir}/kustomization.yaml`
          ].replace('  - vars.yaml\n', '  - cluster-settings.yaml\n');
        }
      }),
      withDomain,
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.fqdn?.resolved).toBe('clustermesh-infra.${SECRET_DOMAIN}');
    const fqdnValid = infra.checks.find(c => c.ruleId === 'fqdn-valid')!;
    expect(fqdnValid).toMatchObject({ outcome: 'fail' });
    expect(fqdnValid.message).toBe(
      'FQDN "clustermesh-infra.${SECRET_DOMAIN}" contains the unresolved variable ${SECRET_DOMAIN}; ConfigMap cluster-settings is applied by Kustomization flux-system/flux-system without post-build substitution, and Flux inserts its values verbatim (no second pass)',
    );
    expect(fqdnValid.location).toEqual({
      file: 'kubernetes/clusters/infra/cluster-settings.yaml',
      line: 14,
    });
    expect(failingRules(report)).toEqual(
      expect.arrayContaining(['fqdn-valid', 'substitution-complete']),
    );
  });

  it("shows in manual mode the TTL of the records document's row for a cluster, not the configured one", () => {
    const tree = exampleTree('gitops-repo', files => {
      withoutExampleExternalDns(files);
      files['docs/clustermesh-dns-records.md'] = [
        '| Cluster | Name | Type | Value | TTL |',
        '|---|---|---|---|---|',
        '| apps | `clustermesh-apps.${SECRET_DOMAIN}` | A | 10.25.11.120 | 600 |',
        '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
        '',
      ].join('\n');
    });
    const report = validateMesh(
      tree,
      resolveConventions({ ...knownDomain, dns: { mode: 'manual' } }),
    );
    expect(report.clusters.map(c => [c.name, c.record?.ttl])).toEqual([
      ['apps', 600],
      ['infra', 300],
    ]);
    // a cluster the document has no row for has no record kept (the
    // table shows none, as ttl-valid says): Kelcode-Dev's new cluster
    const withoutApps = validateMesh(
      exampleTree('gitops-repo', files => {
        withoutExampleExternalDns(files);
        files['docs/clustermesh-dns-records.md'] = [
          '| Cluster | Name | Type | Value | TTL |',
          '|---|---|---|---|---|',
          '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
          '',
        ].join('\n');
      }),
      resolveConventions({ ...knownDomain, dns: { mode: 'manual' } }),
    );
    expect(
      withoutApps.clusters.map(c => [c.name, c.record?.type, hasRecord(c)]),
    ).toEqual([
      ['apps', undefined, false],
      ['infra', 'A', true],
    ]);
  });

  it('never puts a Secret value in the report', () => {
    const tree = exampleTree('gitops-repo');
    const json = JSON.stringify(validateMesh(tree, defaultConventions));
    expect(json).not.toContain('ENC[');
    expect(json).toContain('<secret:SECRET_DOMAIN>');
  });

  it('does not evaluate a cluster whose Flux reconciles another branch than the one read, nor report what its folder lacks on this one', () => {
    const onDevelopment = exampleTree('gitops-repo', files => {
      const sync = 'kubernetes/clusters/apps/flux-system/gotk-sync.yaml';
      files[sync] = files[sync].replace('branch: main', 'branch: development');
      // what apps applies exists only on its own branch
      delete files['kubernetes/clusters/apps/vars.yaml'];
    });
    const storyClusters = {
      clusters: [
        { name: 'infra', ip: '10.25.11.100' },
        { name: 'apps', ip: '10.25.11.120' },
      ],
    };
    const onMain = resolveConventions({
      ...knownDomain,
      flux: { branch: 'main' },
    });
    const report = validateMesh(onDevelopment, onMain);
    const apps = report.clusters.find(c => c.name === 'apps')!;
    expect(apps.status).toBe('not-evaluated');
    expect(apps.checks).toEqual([]);
    expect(apps.membership).toEqual({
      member: false,
      unknown: true,
      reason:
        'its Flux reconciles branch development of this repository, and this run read branch main: what it applies there is not evaluated (validate a checkout of development to check it)',
      location: {
        file: 'kubernetes/clusters/apps/flux-system/gotk-sync.yaml',
        line: 11,
      },
    });
    // nothing of apps's missing file is said: its row says why it is not evaluated
    expect(
      [...report.findings, ...report.notEvaluated].filter(
        f =>
          f.cluster === 'apps' ||
          f.affects?.clusters?.includes('apps') ||
          f.message.includes('vars.yaml'),
      ),
    ).toEqual([]);
    expect(report.summary.status).toBe('not-evaluated');
    // nor is it said to be checked as these files (aflyingcougar's staging)
    expect(
      report.notEvaluated.filter(f => f.message.includes('different refs')),
    ).toEqual([]);
    // pinned to a tag: the tag's files may differ too
    const onTag = exampleTree('gitops-repo', files => {
      const sync = 'kubernetes/clusters/apps/flux-system/gotk-sync.yaml';
      files[sync] = files[sync].replace('branch: main', 'tag: v1.0.0');
      delete files['kubernetes/clusters/apps/vars.yaml'];
    });
    const tagged = validateMesh(onTag, onMain).clusters.find(
      c => c.name === 'apps',
    )!;
    expect([tagged.status, tagged.membership.reason]).toEqual([
      'not-evaluated',
      'its Flux reconciles tag v1.0.0 of this repository, and this run read branch main: what it applies there is not evaluated (validate a checkout of v1.0.0 to check it)',
    ]);
    expect(
      planMeshDnsChange(onTag, storyClusters, onMain).problems[0],
    ).toMatchObject({
      message: expect.stringMatching(
        /^apps: its Flux reconciles tag v1\.0\.0 \(kubernetes\/clusters\/apps\/flux-system\/gotk-sync\.yaml:11\), not the branch read here/,
      ),
      remedy: expect.stringMatching(
        /^Configure apps where its tag v1\.0\.0 is cut from/,
      ),
    });
    // configure refuses it for what it is, not for what its folder lacks here
    expect(
      planMeshDnsChange(onDevelopment, storyClusters, onMain).problems,
    ).toEqual([
      {
        field: 'clusters[1].name',
        message:
          'apps: its Flux reconciles branch development (kubernetes/clusters/apps/flux-system/gotk-sync.yaml:11), not the branch read here: a change written here is not what it applies',
        remedy:
          "Configure apps on a checkout of development, in a change to that branch (--branch only names the branch the files are from: they must be that branch's).",
      },
    ]);
    // infra, on the branch read, is checked as before
    expect(
      report.clusters.find(c => c.name === 'infra')!.membership.member,
    ).toBe(true);
    // the branch read not known (a scaffolder's fetch has no .git): the
    // change would land on one branch, which the other cluster never applies
    const branchNotKnown = planMeshDnsChange(
      onDevelopment,
      storyClusters,
      withDomain,
    );
    expect(branchNotKnown.problems).toEqual([
      {
        field: 'clusters',
        message:
          'the clusters this change touches reconcile this repository at different refs (apps at branch development (kubernetes/clusters/apps/flux-system/gotk-sync.yaml:11); infra at branch main (kubernetes/clusters/infra/flux-system/gotk-sync.yaml:11)), and which branch these files are from is not known (no branch is checked out: no .git/HEAD, or a detached one): the change lands on one branch, which the clusters on another never apply',
        remedy:
          "Name the branch these files are from (--branch, the action's branch input, or flux.branch in the conventions): a cluster on another branch is then refused, to be configured in a change to its own branch.",
      },
    ]);
    expect(branchNotKnown.edits).toEqual([]);
    // the branch read unknown: every cluster is read from the files given
    const unknown = validateMesh(onDevelopment, withDomain);
    expect(
      unknown.findings.filter(f => f.message.includes('vars.yaml')),
    ).not.toEqual([]);
    expect(
      unknown.clusters.find(c => c.name === 'apps')!.membership.member,
    ).toBe(true);
    // a cluster tracking the branch read is evaluated; the other is not
    const onDevelopmentRead = validateMesh(
      onDevelopment,
      resolveConventions({ ...knownDomain, flux: { branch: 'development' } }),
    );
    expect(
      onDevelopmentRead.clusters.map(c => [c.name, c.membership.member]),
    ).toEqual([
      ['apps', true],
      ['infra', false],
    ]);
    // a branch no cluster tracks (a pull request's): every cluster is read
    // from it, as what its branch will hold, and the refs are said apart
    const proposed = validateMesh(
      onDevelopment,
      resolveConventions({
        ...knownDomain,
        flux: { branch: 'clustermesh-dns' },
      }),
    );
    expect(proposed.clusters.map(c => c.membership.member)).toEqual([
      true,
      true,
    ]);
    expect(proposed.notEvaluated.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /^the clusters reconcile this repository at different refs/,
      ),
    );
    // one branch for every cluster: a checkout of another is a change to it
    const sameBranch = validateMesh(
      exampleTree('gitops-repo'),
      resolveConventions({ ...knownDomain, flux: { branch: 'feature/x' } }),
    );
    expect(sameBranch.summary.status).toBe('pass');
  });

  it("reads a Secret kept in clear as Flux does, its stringData over its base64 data (worlddrknss' cluster variables)", () => {
    const withVars = (secret: string[]) =>
      exampleTree('gitops-repo', files => {
        const release =
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
        files[release] = files[release]
          .replace('useAPIServer: true', 'useAPIServer: ${MESH_ON:=true}')
          .replace(
            /enabled: true(\n *# every cluster)/,
            'enabled: ${MESH_ON:=true}$1',
          );
        const dir = 'kubernetes/clusters/apps';
        files[`${dir}/cluster-vars.yaml`] = [
          'apiVersion: v1',
          'kind: Secret',
          'metadata:',
          '  name: cluster-vars',
          '  namespace: flux-system',
          ...secret,
          '',
        ].join('\n');
        files[`${dir}/kustomization.yaml`] = files[
          `${dir}/kustomization.yaml`
        ].replace('  - vars.yaml\n', '  - vars.yaml\n  - cluster-vars.yaml\n');
        files[`${dir}/infrastructure.yaml`] += [
          '      - kind: Secret',
          '        name: cluster-vars',
          '',
        ].join('\n');
      });
    // as the CLI reads one's own checkout
    const readingThem = resolveConventions({
      ...knownDomain,
      flux: { readPlainSecrets: true },
    });
    const membership = (secret: string[], conventions = readingThem) =>
      validateMesh(withVars(secret), conventions).clusters.map(c => [
        c.name,
        c.membership.member,
      ]);
    // apps switches ClusterMesh off in its own Secret; infra keeps the default
    const off = [
      ['apps', false],
      ['infra', true],
    ];
    expect(membership(['stringData:', '  MESH_ON: "false"'])).toEqual(off);
    expect(membership(['data:', '  MESH_ON: ZmFsc2U='])).toEqual(off);
    expect(
      membership([
        'data:',
        '  MESH_ON: ZmFsc2U=',
        'stringData:',
        '  MESH_ON: "true"',
      ]),
    ).toEqual([
      ['apps', true],
      ['infra', true],
    ]);
    // by default (the backend's page) no Secret's value is read: whether
    // apps is in the mesh is not known
    const unread = validateMesh(
      withVars(['stringData:', '  MESH_ON: "false"']),
      withDomain,
    ).clusters.find(c => c.name === 'apps')!;
    expect(unread.status).toBe('not-evaluated');
    expect(unread.membership.reason).toMatch(
      /^clustermesh\.useAPIServer is \$\{MESH_ON\} in its Cilium values, from a Secret whose value is not read here/,
    );
    // a SOPS-encrypted one never: its value is not known here, and the
    // default of `${MESH_ON:=true}` does not apply (the key is there)
    const sealed = validateMesh(
      withVars([
        'stringData:',
        '  MESH_ON: ENC[AES256_GCM,data:ZmFsc2U=,type:str]',
        'sops:',
        '  version: 3.9.0',
      ]),
      readingThem,
    ).clusters.find(c => c.name === 'apps')!;
    expect(sealed.status).toBe('not-evaluated');
    expect(sealed.membership).toMatchObject({
      member: false,
      reason:
        "clustermesh.useAPIServer is ${MESH_ON} in its Cilium values, from a Secret whose value is not read here: Flux substitutes it before the values are read, so `false` there keeps the cluster out; give its value (--value, the conventions' values), or say it in the conventions (mesh.include or mesh.exclude)",
    });
  });

  it('uses configured values for secret variables', () => {
    const report = validateMesh(
      exampleTree('gitops-repo'),
      resolveConventions({ values: { SECRET_DOMAIN: 'example.net' } }),
    );
    expect(report.clusters.map(c => c.fqdn?.resolved)).toEqual([
      'clustermesh-apps.example.net',
      'clustermesh-infra.example.net',
    ]);
    expect(report.summary.status).toBe('pass');
  });

  it('reports a repository without clusters as a warning (nothing checked), and as an error when the conventions name a clusters folder that does not exist', () => {
    const tree = createRepoTree({ 'README.md': '# nothing' });
    // its Flux entry may be made by a script: nothing wrong can be told
    const report = validateMesh(tree, withDomain);
    expect(report.summary.status).toBe('outside');
    // no file to point at: none is named, and the report says why
    expect(report.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message:
          'no clusters found: no Flux entry point in the repository (a Kustomization reconciling its own folder, a FluxInstance sync.path) and no clusters folder (kubernetes/clusters, clusters, k8s/clusters, kubernetes/flux/clusters); nothing was checked (set clustersPath in the conventions if the clusters are elsewhere)',
        unlocated:
          'no file shows the clusters: the repository has no Flux Kustomization and none of the clusters folders looked for',
      }),
    ]);
    expect(report.findings[0].location).toBeUndefined();
    // Argo CD applies the repository: said, with its Application
    const argo = validateMesh(
      createRepoTree({
        'argocd/apps/echo.yaml':
          '# the echo app\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: echo, namespace: argocd}\nspec: {project: default}\n',
      }),
      withDomain,
    );
    expect(argo.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'warning',
        "argocd/apps/echo.yaml:2 no clusters found: the repository has no Flux Kustomization, but it has Argo CD's Application echo: Argo CD applies it, not Flux, and the checks read what Flux applies; nothing was checked",
      ],
    ]);
    // Flux Kustomizations a bootstrap task applies: the outermost is named
    const applied = validateMesh(
      createRepoTree({
        'kubernetes/flux/apps.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {interval: 1h, path: ./kubernetes/apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n',
        'kubernetes/apps/echo/ks.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: echo, namespace: flux-system}\nspec: {interval: 1h, path: ./kubernetes/apps/echo/app, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n',
      }),
      withDomain,
    );
    expect(applied.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'warning',
        "kubernetes/flux/apps.yaml:4 no clusters found: no Flux entry point in the repository (a Kustomization reconciling its own folder, a FluxInstance sync.path) (its outermost Flux Kustomization, at kubernetes/flux/apps.yaml:4, is applied by something outside it: a bootstrap task or script) and no clusters folder (kubernetes/clusters, clusters, k8s/clusters, kubernetes/flux/clusters); nothing was checked (if kubernetes/flux is what a cluster's bootstrap applies, name it in the conventions' entries, e.g. entries: {<cluster>: kubernetes/flux}; set clustersPath in the conventions if the clusters are elsewhere)",
      ],
    ]);
    // the entry's folder left out by a .sourceignore: said, not taken for a
    // bootstrap's
    const ignored = validateMesh(
      createRepoTree({
        '.sourceignore': '/*\n!/kubernetes/apps/\n',
        'kubernetes/flux/config/cluster.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: cluster, namespace: flux-system}\nspec: {interval: 1h, path: ./kubernetes/flux, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n',
        'kubernetes/apps/echo/ks.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: echo, namespace: flux-system}\nspec: {interval: 1h, path: ./kubernetes/apps/echo/app, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n',
      }),
      withDomain,
    );
    expect(ignored.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'warning',
        "kubernetes/flux/config/cluster.yaml:1 no clusters found: the Flux Kustomizations of kubernetes/flux/config/cluster.yaml are left out of what Flux builds by the sources' ignore rules (a .sourceignore, a GitRepository's spec.ignore), so no cluster's entry point is read and nothing was checked; if a cluster's entry point is there, take its folder in (e.g. !/kubernetes/ after the pattern that leaves it out)",
      ],
    ]);
    // an entry point whose folder moved: its missing path is named, not an app's
    const ks = (name: string, path: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {interval: 1h, path: ${path}, prune: true, sourceRef: {kind: GitRepository, name: home}}\n`;
    const moved = validateMesh(
      createRepoTree({
        'kubernetes/pi/apps/auth/authelia/ks.yaml': ks(
          'authelia',
          './kubernetes/apps/auth/authelia/app',
        ),
        'kubernetes/pi/apps/auth/authelia/app/kustomization.yaml':
          'resources: []\n',
        'kubernetes/pi/flux/apps.yaml': ks('apps', './kubernetes/apps'),
        'kubernetes/pi/flux/config/cluster.yaml': ks(
          'cluster',
          './kubernetes/flux',
        ),
        'kubernetes/pi/flux/config/kustomization.yaml':
          'resources: [cluster.yaml]\n',
      }),
      withDomain,
    );
    expect(moved.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'warning',
        'kubernetes/pi/flux/config/cluster.yaml:4 no clusters found: no Flux entry point in the repository (a Kustomization reconciling its own folder, a FluxInstance sync.path) (its outermost Flux Kustomization, at kubernetes/pi/flux/config/cluster.yaml:4, reconciles kubernetes/flux, which the repository does not hold, nor the paths of 2 more outermost Kustomizations: a moved folder or a mistyped spec.path, which Flux fails to build) and no clusters folder (kubernetes/clusters, clusters, k8s/clusters, kubernetes/flux/clusters); nothing was checked (set clustersPath in the conventions if the clusters are elsewhere)',
      ],
    ]);
    // one reconciling the folder that holds it, whose kustomization leaves
    // it out (Derlinn's cluster-apps, a bootstrap task applies its folder):
    // it is the outermost, not an app's Kustomization it applies
    const selfApplied = validateMesh(
      createRepoTree({
        'kubernetes/apps/authentik/ks.yaml': ks(
          'authentik',
          './kubernetes/apps/authentik/app',
        ),
        'kubernetes/apps/flux-system/cluster-apps.yaml': ks(
          'cluster-apps',
          './kubernetes/apps',
        ),
        'kubernetes/apps/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./authentik/ks.yaml\n',
      }),
      withDomain,
    );
    expect(selfApplied.findings.map(f => located(f))).toEqual([
      expect.stringMatching(
        /^kubernetes\/apps\/flux-system\/cluster-apps\.yaml:4 no clusters found: .* \(its outermost Flux Kustomization, at kubernetes\/apps\/flux-system\/cluster-apps\.yaml:4, is applied by something outside it: a bootstrap task or script\) .*entries: \{<cluster>: kubernetes\/apps\/flux-system\}/,
      ),
    ]);
    // two of one path, declared in the folder they reconcile (kalenarndt's
    // bmrf-ops and media from two sources): neither holds the other, so
    // they are the outermost, not an app's ks.yaml they apply
    const twoOfOnePath = validateMesh(
      createRepoTree({
        'kubernetes/main/flux/config/cluster.yaml': `${ks(
          'ops',
          './kubernetes/main/flux',
        )}---\n${ks('media', './kubernetes/main/flux')}`,
        // Flux's own manifests, an artifact built at its root
        'kubernetes/main/flux/config/flux.yaml':
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux, namespace: flux-system}\nspec: {interval: 1h, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: flux-manifests}}\n',
        'kubernetes/main/flux/config/kustomization.yaml':
          'resources: [cluster.yaml, flux.yaml]\n',
        'kubernetes/main/flux/apps.yaml': ks('apps', './kubernetes/main/apps'),
        'kubernetes/main/flux/kustomization.yaml': 'resources: [apps.yaml]\n',
        'kubernetes/main/apps/kustomization.yaml':
          'resources: [./cm/ks.yaml]\n',
        'kubernetes/main/apps/cm/ks.yaml': ks(
          'cm',
          './kubernetes/main/apps/cm/app',
        ),
        'kubernetes/main/apps/cm/app/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n',
      }),
      withDomain,
    );
    expect(twoOfOnePath.findings.map(f => located(f))).toEqual([
      expect.stringMatching(
        /^kubernetes\/main\/flux\/config\/cluster\.yaml:4 no clusters found: .* \(its outermost Flux Kustomization, at kubernetes\/main\/flux\/config\/cluster\.yaml:4, is applied by something outside it: a bootstrap task or script\) .*entries: \{<cluster>: kubernetes\/main\/flux\/config\}/,
      ),
    ]);
    // `flux bootstrap --path=./`: the root is the one cluster's folder
    // (yagoyudi's), said so, with no entry of an empty path to name
    const root = validateMesh(
      createRepoTree({
        'flux-system/gotk-sync.yaml': ks('flux-system', './'),
        'apps.yaml': ks('apps', './apps'),
        'apps/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
      }),
      withDomain,
    );
    expect(root.findings.map(f => located(f))).toEqual([
      "flux-system/gotk-sync.yaml:4 no clusters found: the Flux entry point, at flux-system/gotk-sync.yaml:4, reconciles the whole repository (path ./): a single cluster whose folder is the repository's root, not one folder per cluster, so there is no mesh to check; nothing was checked (a mesh's clusters each need a folder of their own, e.g. clusters/<cluster>)",
    ]);
    const named = validateMesh(
      tree,
      parseConventions('clustersPath: fleet/clusters\n'),
    );
    expect(named.summary.status).toBe('fail');
    expect(named.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'error',
        'fleet/clusters:1 the clusters folder the conventions name (fleet/clusters) does not exist: no cluster to check',
      ],
    ]);
  });

  it('lists what it does not evaluate, with file and line', () => {
    const report = validateMesh(
      fixtureTree('ks-layout', files => {
        files['kubernetes/apps/network/clustermesh-dns/ks.yaml'] +=
          '  images:\n    - name: ghcr.io/example/app\n      newTag: v2\n';
      }),
      parseConventions(fixtureFiles('ks-layout')['.clustermesh-dns.yaml']),
    );
    expect(report.notEvaluated.map(located)).toEqual([
      'kubernetes/apps/network/clustermesh-dns/ks.yaml:19 Kustomization flux-system/clustermesh-dns sets spec.images, which this engine does not evaluate; image references may differ from what Flux applies',
    ]);
    // spec.images cannot hold what a check reads: not a check unevaluated
    expect(report.summary.unevaluated).toBe(0);
  });

  it('does not take a ${VAR} in the path of a Kustomization in a cluster folder no Kustomization of the repository reconciles for a Flux failure: the shared entry point that applies it may substitute it', () => {
    const kustomization = (name: string, path: string, extra = '') =>
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        `  name: ${name}`,
        '  namespace: flux-system',
        'spec:',
        '  interval: 30m',
        `  path: ${path}`,
        '  prune: true',
        '  sourceRef: { kind: GitRepository, name: flux-system }',
        extra,
      ].join('\n');
    const substitutes =
      '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n';
    // one entry point for every cluster; ENVIRONMENT, from a ConfigMap an
    // installer makes, picks the cluster's folder
    const files: Record<string, string> = {
      'kubernetes/flux/config/cluster.yaml': kustomization(
        'cluster',
        './kubernetes/flux',
        substitutes,
      ),
      'kubernetes/flux/apps.yaml': kustomization(
        'cluster-apps',
        './kubernetes/clusters/${ENVIRONMENT}/apps',
        substitutes,
      ),
    };
    for (const c of ['alpha', 'beta']) {
      const apps = `kubernetes/clusters/${c}/apps`;
      files[`${apps}/kustomization.yaml`] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./cilium/ks.yaml\n';
      files[`${apps}/cilium/ks.yaml`] = [
        kustomization(
          'cilium',
          './kubernetes/clusters/${ENVIRONMENT}/apps/cilium/app',
        ),
        kustomization(
          'cilium-config',
          './kubernetes/clusters/${ENVIRONMENT}/apps/cilium/config',
        ),
      ].join('\n---\n');
      files[`${apps}/cilium/app/kustomization.yaml`] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
    }
    const report = validateMesh(createRepoTree(files), withDomain);
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    // one cause per cluster folder, however many Kustomizations it has
    expect(
      report.notEvaluated.map(f => [
        f.cluster,
        f.message,
        f.affects?.examples.map(e => e.what),
      ]),
    ).toEqual(
      ['alpha', 'beta'].map(c => [
        c,
        `Kustomizations in kubernetes/clusters/${c} build paths that depend on ENVIRONMENT; no Flux Kustomization of the repository reconciles kubernetes/clusters/${c}, so whether the one that applies it substitutes the paths is not known here (name it in the conventions' sharedEntry if one entry point picks this folder by ENVIRONMENT); their objects are not evaluated`,
        [
          'Kustomization flux-system/cilium (./kubernetes/clusters/${ENVIRONMENT}/apps/cilium/app)',
          'Kustomization flux-system/cilium-config (./kubernetes/clusters/${ENVIRONMENT}/apps/cilium/config)',
        ],
      ]),
    );
    // its Cilium may be in what is not evaluated: not known, not outside
    expect(report.clusters.map(c => [c.name, c.status])).toEqual([
      ['alpha', 'not-evaluated'],
      ['beta', 'not-evaluated'],
    ]);
  });

  it("does not take a Cilium HelmRelease that a hub's Flux installs into another cluster (spec.kubeConfig) for the hub's Cilium", () => {
    const fluxKs = (name: string, path: string, extra = '') =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
    const files = {
      'clusters/hub/sync.yaml': fluxKs('flux-system', './clusters/hub'),
      'clusters/hub/pool.yaml':
        'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: mesh-pool}\nspec: {blocks: [{start: 10.0.0.10}]}\n',
      // the spoke's Cilium: a patch points every HelmRelease at its kubeconfig
      'clusters/hub/spoke.yaml': fluxKs(
        'spoke-cilium',
        './infra/spoke-cilium',
        [
          '  targetNamespace: kube-system',
          '  patches:',
          '    - target: {kind: HelmRelease}',
          '      patch: |',
          '        - op: add',
          '          path: /spec/kubeConfig',
          '          value: {secretRef: {name: spoke-kubeconfig}}',
          '',
        ].join('\n'),
      ),
      'infra/spoke-cilium/release.yaml': [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: cilium}',
        'spec:',
        '  chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}',
        '  values:',
        '    cluster: {name: spoke, id: 2}',
        '    clustermesh:',
        '      useAPIServer: true',
        '      apiserver:',
        '        service:',
        '          annotations: {lbipam.cilium.io/ips: 10.0.1.10}',
        '',
      ].join('\n'),
    };
    const report = validateMesh(
      createRepoTree(files),
      resolveConventions({ ...knownDomain, clustersPath: 'clusters' }),
    );
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    // the hub's own Cilium is installed another way: whether it is in the mesh is not known
    expect(report.clusters.map(c => [c.name, c.status, c.lbIp])).toEqual([
      ['hub', 'not-evaluated', undefined],
    ]);
    expect(report.notEvaluated.map(located)).toContain(
      "clusters/hub/spoke.yaml:17 HelmRelease kube-system/cilium, applied by Kustomization flux-system/spoke-cilium, installs its chart into another cluster (spec.kubeConfig: Secret spoke-kubeconfig): its values are not this cluster's Cilium, and are not rendered for any cluster here",
    );
  });

  it('says the clusters a Sveltos ClusterProfile installs Cilium into are not evaluated, not silently left out', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - workload-cilium.yaml\n';
        files['kubernetes/clusters/infra/workload-cilium.yaml'] = [
          'apiVersion: config.projectsveltos.io/v1beta1',
          'kind: ClusterProfile',
          'metadata: {name: cilium}',
          'spec:',
          '  clusterSelector: {matchLabels: {type: workload}}',
          '  helmCharts:',
          '    - repositoryURL: https://helm.cilium.io/',
          '      chartName: cilium/cilium',
          '      chartVersion: 1.18.4',
          '      releaseName: cilium',
          '      releaseNamespace: kube-system',
          '',
        ].join('\n');
      }),
      withDomain,
    );
    expect(report.notEvaluated.map(located)).toContainEqual(
      'kubernetes/clusters/infra/workload-cilium.yaml:6 ClusterProfile cilium (Sveltos), applied by Kustomization flux-system/flux-system, installs Cilium (chart cilium/cilium) into the clusters its clusterSelector selects: they are clusters of their own (Cluster API, say), not folders of this repository, and are not evaluated here',
    );
    // infra's own Cilium is still read and checked
    expect(report.clusters.find(c => c.name === 'infra')!.status).toBe('pass');
  });

  it("says a remote base of another owner's project holds none of the cluster's ClusterMesh objects, naming both owners", () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - snapshots\n';
        files['kubernetes/clusters/infra/snapshots/kustomization.yaml'] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - https://github.com/kubernetes-csi/external-snapshotter//deploy/kubernetes/snapshot-controller?ref=v8.2.0\n';
      }),
      withDomain,
    );
    expect(
      report.notEvaluated
        .filter(f => /snapshotter/.test(f.message))
        .map(f => [
          f.severity,
          f.message.replace(/^.*\(a project/, '(a project'),
        ]),
    ).toEqual([
      [
        'info',
        "(a project of kubernetes-csi, whereas this repository is example's: it holds none of the cluster's ClusterMesh objects)",
      ],
    ]);
  });

  it('is deterministic, with and without warm caches', () => {
    const files = generateSyntheticMesh({ clusters: 5 });
    const a = JSON.stringify(validateMesh(createRepoTree(files), withDomain));
    const b = JSON.stringify(validateMesh(createRepoTree(files), withDomain));
    expect(b).toBe(a);
  });

  it('says a substitution source the cluster has only in another namespace fails the Kustomization, though the file that makes it lies outside the folders Flux builds', () => {
    const dir = 'kubernetes/clusters/apps';
    const teamRepository = (files: Record<string, string>) => {
      // an ExternalSecret kept beside the clusters, listed with `../`
      files['kubernetes/shared/team-vars.yaml'] = [
        'apiVersion: external-secrets.io/v1',
        'kind: ExternalSecret',
        'metadata:',
        '  name: team-vars',
        '  namespace: flux-system',
        'spec:',
        '  secretStoreRef: { kind: ClusterSecretStore, name: vault }',
        '  target: { name: team-vars }',
        '  dataFrom: [{ extract: { key: team } }]',
        '',
      ].join('\n');
      files[`${dir}/kustomization.yaml`] +=
        '  - ../../shared/team-vars.yaml\n  - team.yaml\n';
      // a team's Kustomization, in the team's namespace
      files[`${dir}/team.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        '  name: team',
        '  namespace: team-a',
        'spec:',
        '  interval: 30m',
        '  path: ./kubernetes/team',
        '  prune: true',
        '  sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }',
        '  postBuild:',
        '    substituteFrom:',
        '      - kind: Secret',
        '        name: team-vars',
        '',
      ].join('\n');
      files['kubernetes/team/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
    };
    const teamFindings = (report: ReturnType<typeof validateMesh>) =>
      [...report.findings, ...report.notEvaluated]
        .filter(f => /team-vars/.test(f.message))
        .map(f => `${f.severity} ${f.cluster} ${located(f)}`);
    expect(
      teamFindings(
        validateMesh(exampleTree('gitops-repo', teamRepository), withDomain),
      ),
    ).toEqual([
      "error apps kubernetes/clusters/apps/team.yaml:13 Secret team-a/team-vars is named by substituteFrom, but cluster apps has Secret team-vars only in namespace flux-system (kubernetes/shared/team-vars.yaml:1), and Flux reads a Kustomization's substitution sources from its own namespace, team-a: Flux fails each Kustomization that needs it there (create it in team-a too, or mark it optional)",
    ]);
    // copies in many namespaces (a component that gives each its own): a
    // few named, the rest counted
    const withCopies = validateMesh(
      exampleTree('gitops-repo', files => {
        teamRepository(files);
        for (const ns of ['media', 'games', 'home', 'network', 'storage']) {
          files[`kubernetes/shared/team-vars-${ns}.yaml`] = files[
            'kubernetes/shared/team-vars.yaml'
          ].replace('namespace: flux-system', `namespace: ${ns}`);
          files[
            `${dir}/kustomization.yaml`
          ] += `  - ../../shared/team-vars-${ns}.yaml\n`;
        }
      }),
      withDomain,
    );
    expect(teamFindings(withCopies)).toEqual([
      "error apps kubernetes/clusters/apps/team.yaml:13 Secret team-a/team-vars is named by substituteFrom, but cluster apps has Secret team-vars only in other namespaces: flux-system (kubernetes/shared/team-vars.yaml:1), media, games, home and 2 more, and Flux reads a Kustomization's substitution sources from its own namespace, team-a: Flux fails each Kustomization that needs it there (create it in team-a too, or mark it optional)",
    ]);
    // a parent's patch giving each child Kustomization the source: one
    // cause at the line of the patch text naming it, the namespaces listed
    // (judahrand's copy)
    const child = (team: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${team}\n  namespace: ${team}\nspec:\n  interval: 30m\n  path: ./kubernetes/team\n  prune: true\n  sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }\n`;
    const byPatch = validateMesh(
      exampleTree('gitops-repo', files => {
        teamRepository(files);
        files[`${dir}/kustomization.yaml`] = files[
          `${dir}/kustomization.yaml`
        ].replace('  - team.yaml\n', '  - teams.yaml\n');
        files[`${dir}/teams.yaml`] =
          [
            'apiVersion: kustomize.toolkit.fluxcd.io/v1',
            'kind: Kustomization',
            'metadata:',
            '  name: teams',
            '  namespace: flux-system',
            'spec:',
            '  interval: 30m',
            '  path: ./kubernetes/teams',
            '  prune: true',
            '  sourceRef: { kind: GitRepository, name: flux-system }',
            '',
          ].join('\n') +
          childrenSubstitutionPatch([{ kind: 'Secret', name: 'team-vars' }], {
            group: true,
          });
        files['kubernetes/teams/kustomization.yaml'] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a.yaml\n  - b.yaml\n';
        files['kubernetes/teams/a.yaml'] = child('team-a');
        files['kubernetes/teams/b.yaml'] = child('team-b');
      }),
      withDomain,
    );
    expect(teamFindings(byPatch)).toEqual([
      "error apps kubernetes/clusters/apps/teams.yaml:20 Secret team-vars is named by substituteFrom for Kustomizations of 2 namespaces (team-a, team-b), but cluster apps has Secret team-vars only in namespace flux-system (kubernetes/shared/team-vars.yaml:1), and Flux reads a Kustomization's substitution sources from its own namespace: Flux fails each Kustomization that needs it there (create it in those namespaces too, or mark it optional)",
    ]);
    // a part of the cluster not read may still make it in team-a
    const withUnread = validateMesh(
      exampleTree('gitops-repo', files => {
        teamRepository(files);
        files[`${dir}/kustomization.yaml`] += '  - unread.yaml\n';
        // what a ResourceSet makes is not read
        files[`${dir}/unread.yaml`] = [
          'apiVersion: fluxcd.controlplane.io/v1',
          'kind: ResourceSet',
          'metadata:',
          '  name: teams',
          '  namespace: flux-system',
          'spec:',
          '  resources: []',
          '',
        ].join('\n');
      }),
      withDomain,
    );
    expect(teamFindings(withUnread)).toEqual([
      expect.stringMatching(
        /^warning apps kubernetes\/clusters\/apps\/team\.yaml:13 Secret team-a\/team-vars is named by substituteFrom, and no Kustomization of the cluster read here applies it, but some are not read and may \(e\.g\. .*\); cluster apps has Secret team-vars only in namespace flux-system \(kubernetes\/shared\/team-vars\.yaml:1\), and Flux reads a Kustomization's substitution sources from its own namespace, team-a; its variables are not known here$/,
      ),
    ]);
    // a template of manifests a bootstrap script applies names it: it may
    // make it in team-a (TorStava's resources.yaml.j2 loops over namespaces)
    const template = (files: Record<string, string>) => {
      teamRepository(files);
      files['bootstrap/resources.yaml.j2'] = [
        "{% for namespace in ['flux-system', 'team-a'] %}",
        '---',
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: team-vars',
        '  namespace: {{ namespace }}',
        'stringData:',
        "  {{ ENV['team_vars'] | indent(2) }}",
        '{% endfor %}',
        '',
      ].join('\n');
    };
    expect(
      teamFindings(
        validateMesh(
          exampleTree('gitops-repo', files => {
            template(files);
            files['scripts/bootstrap-apps.sh'] =
              'render_template "${ROOT_DIR}/bootstrap/resources.yaml.j2" | kubectl apply --server-side --filename -\n';
          }),
          withDomain,
        ),
      ),
    ).toEqual([
      "info apps kubernetes/clusters/apps/team.yaml:13 Kustomization team-a/team substitutes from Secret team-a/team-vars, which nothing in cluster apps applies (the repository defines it in kubernetes/shared/team-vars.yaml): maybe made by bootstrap/resources.yaml.j2 (a template of manifests scripts/bootstrap-apps.sh applies), outside Flux, in namespaces not known here; its variables are not known here (declare it in the conventions' flux.externalSources)",
    ]);
    // a template no script applies makes nothing: Flux fails as before
    expect(
      teamFindings(
        validateMesh(exampleTree('gitops-repo', template), withDomain),
      ),
    ).toEqual([
      expect.stringMatching(/^error apps .* only in namespace flux-system/),
    ]);
  });

  it("takes a substitution source defined only where no Flux Kustomization applies it for a bootstrap's, not a Flux failure", () => {
    const moveSecrets =
      (clusters: string[]) => (files: Record<string, string>) => {
        for (const c of clusters) {
          const dir = `kubernetes/clusters/${c}`;
          files[`${dir}/kustomization.yaml`] = files[
            `${dir}/kustomization.yaml`
          ].replace('  - cluster-secrets.sops.yaml\n', '');
          // applied by a bootstrap script, next to the Flux folders
          files[`bootstrap/${c}/cluster-secrets.sops.yaml`] =
            files[`${dir}/cluster-secrets.sops.yaml`];
          delete files[`${dir}/cluster-secrets.sops.yaml`];
        }
      };
    const sourceFindings = (report: ReturnType<typeof validateMesh>) =>
      [...report.findings, ...report.notEvaluated]
        .filter(f => /cluster-secrets/.test(f.message))
        .map(
          f =>
            `${f.severity} ${f.affects?.clusters?.join(',') ?? f.cluster}: ${
              f.message
            }`,
        );
    const bootstrapped = validateMesh(
      exampleTree('gitops-repo', moveSecrets(['apps', 'infra'])),
      withDomain,
    );
    expect(sourceFindings(bootstrapped)).toEqual([
      expect.stringMatching(
        /^warning .*: Secret flux-system\/cluster-secrets is named by substituteFrom, and the repository defines it only in bootstrap\/apps\/cluster-secrets\.sops\.yaml, bootstrap\/infra\/cluster-secrets\.sops\.yaml, which no Flux Kustomization evaluated here applies: something else creates it \(a bootstrap, a script\); whether the cluster has it is not known here; taken as those files define it, it holds SECRET_DOMAIN, whose values are not read$/,
      ),
    ]);
    expect(bootstrapped.summary.errors).toBe(0);
    // a cluster without Cilium is not told such a source is an error that
    // may hold it back
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const withoutCilium = validateMesh(
      exampleTree('gitops-repo', files => {
        moveSecrets(['apps', 'infra'])(files);
        files[`${core}/kustomization.yaml`] = files[
          `${core}/kustomization.yaml`
        ].replace('  - helmrelease.yaml\n', '');
        // nor any Cilium object
        for (const c of ['apps', 'infra']) {
          const k = `kubernetes/clusters/${c}/kustomization.yaml`;
          files[k] = files[k].replace(/ {2}- \.\.\/.*ipam.*\n/g, '');
        }
      }),
      withDomain,
    );
    expect(withoutCilium.clusters.map(c => c.membership)).toEqual([
      {
        member: false,
        reason:
          'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile)',
      },
      {
        member: false,
        reason:
          'no HelmRelease cilium is applied to it (and no plain values file is configured in cilium.valuesFile)',
      },
    ]);
    // its keys are read from those files: a variable none of them holds is
    // undefined (Flux substitutes an empty string), not "maybe defined"
    const undefinedDomain = validateMesh(
      exampleTree('gitops-repo', files => {
        moveSecrets(['apps', 'infra'])(files);
        const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
        files[settings] = files[settings].replace(
          '"clustermesh-apps.${SECRET_DOMAIN}"',
          '"clustermesh-apps.${DOMAIN_PUBLIC}"',
        );
      }),
      withDomain,
    );
    expect(
      undefinedDomain.findings
        .filter(f => f.severity === 'error')
        .map(f => `${f.code} ${f.location?.file}:${f.location?.line}`),
    ).toEqual([
      'substitution-failed kubernetes/clusters/apps/cluster-settings.yaml:14',
    ]);
    expect(
      undefinedDomain.findings.find(f => f.code === 'substitution-failed')
        ?.message,
    ).toMatch(/DOMAIN_PUBLIC/);
    // left in the cluster folders, out of their kustomizations on purpose
    // (applied by hand, decrypted): the same
    const leftOut = validateMesh(
      exampleTree('gitops-repo', files => {
        for (const c of ['apps', 'infra']) {
          const k = `kubernetes/clusters/${c}/kustomization.yaml`;
          files[k] = files[k].replace('  - cluster-secrets.sops.yaml\n', '');
        }
      }),
      withDomain,
    );
    expect(sourceFindings(leftOut)).toEqual([
      expect.stringMatching(
        /^warning .*: Secret flux-system\/cluster-secrets is named by substituteFrom, and the repository defines it only in kubernetes\/clusters\/apps\/cluster-secrets\.sops\.yaml, kubernetes\/clusters\/infra\/cluster-secrets\.sops\.yaml, which no Flux Kustomization evaluated here applies: something else creates it/,
      ),
    ]);
    expect(leftOut.summary.errors).toBe(0);
    // applied by Flux to infra, but not to apps: Flux fails apps' Kustomizations
    const oneMissing = validateMesh(
      exampleTree('gitops-repo', files => {
        const dir = 'kubernetes/clusters/apps';
        files[`${dir}/kustomization.yaml`] = files[
          `${dir}/kustomization.yaml`
        ].replace('  - cluster-secrets.sops.yaml\n', '');
      }),
      withDomain,
    );
    expect(sourceFindings(oneMissing)).toEqual([
      expect.stringMatching(
        /^error apps: Secret flux-system\/cluster-secrets is named by substituteFrom, but the cluster does not apply it, though the repository defines it \(kubernetes\/clusters\/apps\/cluster-secrets\.sops\.yaml, kubernetes\/clusters\/infra\/cluster-secrets\.sops\.yaml\)/,
      ),
    ]);
  });
});
