import {
  describeRule,
  exampleChecks,
  exampleFile,
  fixtureClusterChecks,
  Files,
  replace,
} from '../__testUtils__/rules';
import {
  fixtureFiles,
  knownDomain,
  repositoryConventions,
} from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { generateSyntheticMesh } from '../testUtils/syntheticMesh';
import { createRepoTree } from '../tree/RepoTree';
import { peersByFqdn } from './peers-by-fqdn';

describe('peers-by-fqdn', () => {
  describeRule(peersByFqdn, {
    edit: replace(
      exampleFile.helmRelease,
      '            address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n',
      '            port: 2379\n            ips: [10.25.11.120]\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.helmRelease}:47`,
      message: /the entry for apps lists ips \["10.25.11.120"\]/,
    },
  });
});

describe('peers-by-fqdn remediation', () => {
  it("says a peer's variable the settings do not set is why the entry takes its default, the cluster's own FQDN (raphaelCamblong's copy)", () => {
    const checks = exampleChecks(
      replace(
        exampleFile.settings('apps'),
        /\n {2}CILIUM_CLUSTERMESH_INFRA_FQDN: .*/,
        '',
      ),
    ).filter(
      c =>
        c.ruleId === 'peers-by-fqdn' &&
        c.cluster === 'apps' &&
        c.outcome === 'fail',
    );
    expect(checks.map(c => [c.message, c.remediation])).toEqual([
      [
        `the entry for infra has address "clustermesh-apps.example.net", not infra's FQDN "clustermesh-infra.example.net": CILIUM_CLUSTERMESH_INFRA_FQDN is not set for the cluster, so the default the entry gives it is taken`,
        expect.stringMatching(/^Set the entry's variable to the peer's FQDN/),
      ],
    ]);
  });

  it("says once the one undefined variable that fails the Kustomization applying the values: the values it leaves unsubstituted are not compared (gavinmcfall's dr entry)", () => {
    const checks = exampleChecks(f => {
      replace(
        exampleFile.helmRelease,
        'address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}',
        'address: ${CILIUM_CLUSTERMESH_APPS_FQDN}',
      )(f);
      replace(
        exampleFile.settings('infra'),
        /\n {2}CILIUM_CLUSTERMESH_APPS_FQDN: .*/,
        '',
      )(f);
    }).filter(c => c.cluster === 'infra');
    const failing = checks.filter(c => c.outcome === 'fail');
    // the missing entry (peers-complete) and the failure it makes
    // (substitution-complete); the values left unsubstituted fail nothing
    expect(failing.map(c => c.ruleId)).toEqual([
      'peers-complete',
      'substitution-complete',
    ]);
    expect(failing[1].message).toMatch(
      /\$\{CILIUM_CLUSTERMESH_APPS_FQDN\} is not defined/,
    );
    expect(
      checks.find(
        c => c.ruleId === 'peers-by-fqdn' && c.outcome === 'not-evaluated',
      )?.message,
    ).toMatch(
      /, left unsubstituted because Kustomization flux-system\/cluster-infra-infrastructure fails \(its error is said once, where it is\)/,
    );
  });

  it('says to remove `ips` only where an entry lists them', () => {
    const infra = (edit: (files: Files) => void) =>
      exampleChecks(edit).find(
        c =>
          c.ruleId === 'peers-by-fqdn' &&
          c.cluster === 'infra' &&
          c.outcome === 'fail',
      )!.remediation;
    const appsEntry =
      '            address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n';
    expect(
      infra(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          '            port: 2379\n            ips: [10.25.11.120]\n',
        ),
      ),
    ).toMatch(/ and remove `ips`\.$/);
    // an entry without its address, and no ips anywhere
    expect(
      infra(
        replace(exampleFile.helmRelease, appsEntry, '            port: 2379\n'),
      ),
    ).not.toMatch(/ips/);
  });
});

describe('clustermesh.config off', () => {
  it('fails where the chart writes no mesh configuration, advising to switch it on with the peers', () => {
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        '      config:\n        enabled: true\n',
        '      config:\n        enabled: false\n',
      ),
    ).filter(c => c.ruleId === 'peers-by-fqdn');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'fail',
        'clustermesh.config.enabled is not true: the chart writes no mesh configuration',
      ]),
    );
    expect(checks[0].remediation).toBe(
      'Set `clustermesh.config.enabled: true` in the Cilium values, with `clustermesh.config.clusters` listing each peer as `{name: <peer>, address: ${CILIUM_CLUSTERMESH_{PEER}_FQDN}, port: 2379}` (or run `clustermesh-dns configure`, which writes both).',
    );
  });
});

describe('clustermesh.config.clusters entries', () => {
  const appsEntry =
    '          - name: apps\n            address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n';
  const peerFailures = (edit: (files: Files) => void) =>
    exampleChecks(edit)
      .filter(
        r =>
          r.ruleId === 'peers-by-fqdn' &&
          r.cluster === 'infra' &&
          r.outcome === 'fail',
      )
      .map(r => r.message);

  const withClusterMeshSecret =
    (kind: 'ExternalSecret' | 'Secret') => (f: Files) => {
      const core = 'kubernetes/infrastructure/networking/cilium/core';
      f[`${core}/clustermesh-secret.yaml`] =
        kind === 'ExternalSecret'
          ? 'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: clustermesh\n  namespace: kube-system\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault\n  target:\n    name: cilium-clustermesh\n  dataFrom:\n    - extract:\n        key: clustermesh\n'
          : 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-clustermesh\n  namespace: kube-system\nstringData:\n  apps: "endpoints: []"\n';
      replace(
        `${core}/kustomization.yaml`,
        '  - helmrelease.yaml\n',
        '  - helmrelease.yaml\n  - clustermesh-secret.yaml\n',
      )(f);
    };

  it('says once what an entry by ips (a NodePort mesh) needs: its address and the apiserver port, not a finding per field', () => {
    expect(
      peerFailures(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          '          - name: apps\n            ips: [10.25.11.120]\n            port: 32379\n',
        ),
      ),
    ).toEqual([
      'the entry for apps lists ips ["10.25.11.120"], no address and port 32379: peers must be reached by address (their FQDN) on port 2379',
    ]);
    // the peer's service still a NodePort (rajsinghtech's): its port said as such
    expect(
      peerFailures(f => {
        replace(
          exampleFile.helmRelease,
          appsEntry,
          '          - name: apps\n            ips: [10.25.11.120]\n            port: 32379\n',
        )(f);
        replace(
          exampleFile.helmRelease,
          'type: LoadBalancer',
          'type: NodePort',
        )(f);
      }),
    ).toEqual([
      'the entry for apps lists ips ["10.25.11.120"], no address and port 32379 (the peer\'s node port: its clustermesh-apiserver service is a NodePort for now; its FQDN will name the LoadBalancer address on the API server\'s port): peers must be reached by address (their FQDN) on port 2379',
    ]);
    expect(
      peerFailures(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          '          - name: apps\n            ips: [10.25.11.120]\n            address: ${CILIUM_CLUSTERMESH_APPS_FQDN}\n            port: 2379\n',
        ),
      ),
    ).toEqual([
      'the entry for apps lists ips ["10.25.11.120"]: peers must be reached by address (their FQDN) on port 2379',
    ]);
  });

  it("fails when something else the cluster applies makes the chart's Secret cilium-clustermesh (an ExternalSecret's target, a Secret)", () => {
    const failure = exampleChecks(withClusterMeshSecret('ExternalSecret')).find(
      r =>
        r.ruleId === 'peers-by-fqdn' &&
        r.cluster === 'infra' &&
        r.outcome === 'fail',
    )!;
    expect(failure).toMatchObject({
      message:
        'clustermesh.config.enabled makes the chart write Secret kube-system/cilium-clustermesh, which ExternalSecret kube-system/clustermesh also makes (kubernetes/infrastructure/networking/cilium/core/clustermesh-secret.yaml:1): Helm refuses to take over an object it does not own, or the two overwrite each other',
      location: { file: exampleFile.helmRelease },
    });
    expect(failure.remediation).toMatch(/^Keep one owner of Secret/);
    // an ExternalSecret that only merges keys into the chart's Secret makes none
    expect(
      peerFailures(f => {
        withClusterMeshSecret('ExternalSecret')(f);
        replace(
          'kubernetes/infrastructure/networking/cilium/core/clustermesh-secret.yaml',
          '    name: cilium-clustermesh\n',
          '    name: cilium-clustermesh\n    creationPolicy: Merge\n',
        )(f);
      }),
    ).toEqual([]);
    expect(
      peerFailures(withClusterMeshSecret('Secret')).map(m =>
        m.replace(/ \(.*\)/, ''),
      ),
    ).toEqual([
      'clustermesh.config.enabled makes the chart write Secret kube-system/cilium-clustermesh, which Secret kube-system/cilium-clustermesh also makes: Helm refuses to take over an object it does not own, or the two overwrite each other',
    ]);
  });

  it('counts a disabled entry as missing', () => {
    expect(
      peerFailures(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          appsEntry.replace(
            'port: 2379\n',
            'port: 2379\n            enabled: false\n',
          ),
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /clustermesh.config.clusters has no entry for the peer apps/,
      ),
    ]);
  });

  it('names an entry under a name no cluster goes by beside the peer it finds none for (a peer renamed)', () => {
    expect(
      peerFailures(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          appsEntry.replace('- name: apps\n', '- name: apps-old\n'),
        ),
      ),
    ).toEqual([
      'clustermesh.config.clusters has no entry for the peer apps; an entry is named "apps-old", which no cluster of the repository is (its Cilium cluster.name): a peer renamed, or a cluster of another repository?',
    ]);
    // the remedy renames it, not a new entry by variable (samip5's nebula-0)
    const [failure] = exampleChecks(f => {
      f[exampleFile.helmRelease] = f[exampleFile.helmRelease].replace(
        appsEntry,
        appsEntry.replace('- name: apps\n', '- name: apps-old\n'),
      );
    }).filter(
      r =>
        r.ruleId === 'peers-by-fqdn' &&
        r.cluster === 'infra' &&
        r.outcome === 'fail',
    );
    expect(failure.remediation).toBe(
      "Name each peer's entry by that peer's Cilium name (`cluster.name` in its values, as the message gives it): rename the entry named otherwise, or take it out if it is no peer's; `clustermesh-dns configure` writes the entries by those names.",
    );
  });

  it("warns the renamed cluster itself where the entry under its old name resolves to its own FQDN: its agent skips only the entry of its own name, so it dials itself (JMacalinao's lab renamed lab-cluster)", () => {
    const checks = exampleChecks(f => {
      f[exampleFile.helmRelease] = f[exampleFile.helmRelease].replace(
        appsEntry,
        appsEntry.replace('- name: apps\n', '- name: apps-old\n'),
      );
    }).filter(r => r.ruleId === 'peers-by-fqdn' && r.cluster === 'apps');
    expect(
      checks.map(r => [r.outcome, r.severity, r.message, r.location?.file]),
    ).toContainEqual([
      'fail',
      'warning',
      'the entry "apps-old" has this cluster\'s own FQDN, clustermesh-apps.example.net, as its address, but not its Cilium name ("apps"): the agent skips only the entry of its own name, so it connects to its own clustermesh-apiserver as to a peer',
      exampleFile.helmRelease,
    ]);
    expect(checks.find(r => r.outcome === 'fail')?.remediation).toMatch(
      /^Name the cluster's own entry by its Cilium name/,
    );
    // its own Cilium name not known here (a SOPS value): whether the entry
    // is its own cannot be told (worlddrknss')
    expect(
      exampleChecks(f => {
        f[exampleFile.helmRelease] = f[exampleFile.helmRelease].replace(
          appsEntry,
          appsEntry.replace('- name: apps\n', '- name: apps-old\n'),
        );
        f[exampleFile.settings('apps')] = f[
          exampleFile.settings('apps')
        ].replace(/\n {2}CLUSTER_NAME: .*/, '');
        const secrets = 'kubernetes/clusters/apps/cluster-secrets.sops.yaml';
        f[secrets] = f[secrets].replace(
          /(SECRET_DOMAIN: ENC\[[^\]]*\])/,
          '$1\n  CLUSTER_NAME: ENC[AES256_GCM,data:YXBwcw==,iv:Yx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd9Ss8Aa7Qq6=,tag:Qp0Oo9Ii8Uu7Yy6Tt5Rr4Ee==,type:str]',
        );
      })
        .filter(r => r.ruleId === 'peers-by-fqdn' && r.cluster === 'apps')
        .map(r => r.message),
    ).not.toContainEqual(expect.stringContaining("this cluster's own FQDN"));
    // its own entry, by its own name, is skipped: nothing said
    expect(
      exampleChecks(() => undefined)
        .filter(r => r.ruleId === 'peers-by-fqdn' && r.outcome === 'fail')
        .map(r => r.message),
    ).toEqual([]);
  });

  it('does not let a later disabled duplicate hide an enabled entry', () => {
    expect(
      peerFailures(
        replace(
          exampleFile.helmRelease,
          appsEntry,
          `${appsEntry}          - name: apps\n            address: wrong.example.com\n            port: 2379\n            enabled: false\n`,
        ),
      ),
    ).toEqual([]);
  });

  it('reads the map form, entries by name', () => {
    const failures = exampleChecks(f => {
      f[exampleFile.helmRelease] = f[exampleFile.helmRelease]
        .replace(
          / {10}- name: infra\n {12}address: (.*)\n {12}port: 2379\n/,
          '          infra:\n            address: $1\n            port: 2379\n',
        )
        .replace(
          appsEntry,
          '          apps:\n            address: wrong.example.com\n            port: 2379\n',
        );
    }).filter(
      r =>
        r.ruleId === 'peers-by-fqdn' &&
        r.cluster === 'infra' &&
        r.outcome === 'fail',
    );
    expect(failures.map(f => f.message)).toEqual([
      expect.stringMatching(
        /the entry for apps has address "wrong.example.com"/,
      ),
    ]);
  });
});

describe('peers-by-fqdn without peers or peer FQDNs', () => {
  const outcomes = (edit: (files: Files) => void, cluster = 'infra') =>
    exampleChecks(edit)
      .filter(r => r.ruleId === 'peers-by-fqdn' && r.cluster === cluster)
      .map(r => [r.outcome, r.message]);

  it('does not apply to a cluster with no peer (a mesh of one, or its first cluster)', () => {
    // the first cluster of a mesh being built: no mesh configuration yet
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        / {6}config:\n {8}enabled: true\n[\s\S]*?port: 2379\n[\s\S]*?port: 2379\n/,
        '',
      ),
      { mesh: { exclude: ['apps'] } },
    ).filter(r => r.ruleId === 'peers-by-fqdn');
    expect(checks.map(r => [r.cluster, r.outcome, r.message])).toEqual([
      ['infra', 'not-applicable', 'the cluster has no peer to reach'],
    ]);
  });

  it("leaves a peer whose own Cilium name Flux does not substitute to that peer's error, once per peer", () => {
    // apps's settings hold the variable itself: its values get `${CLUSTER_NAME}`
    expect(
      outcomes(
        replace(
          exampleFile.settings('apps'),
          'CLUSTER_NAME: "apps"',
          'CLUSTER_NAME: "$${CLUSTER_NAME}"',
        ),
      ),
    ).toEqual([
      [
        'not-evaluated',
        'the entry for the peer apps cannot be looked up: apps\'s Cilium cluster name is "${CLUSTER_NAME}", which Flux leaves as written (substitution-complete reports it on apps)',
      ],
    ]);
  });

  it('says when an address could not be compared with an FQDN that is not set', () => {
    expect(
      outcomes(files => {
        replace(
          exampleFile.settings('infra'),
          /\n {2}CILIUM_CLUSTERMESH_APPS_FQDN: .*/,
          '',
        )(files);
        replace(
          exampleFile.settings('apps'),
          /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
          '',
        )(files);
        replace(
          exampleFile.helmRelease,
          'address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}',
          'address: apps.mesh.cilium.io',
        )(files);
      }),
    ).toEqual([
      [
        'pass',
        'reaches apps by address on port 2379; the FQDN of apps is not set, so that address is not compared with it',
      ],
    ]);
  });
});

describe('peers that go by one Cilium name', () => {
  it('names each missing peer by its cluster, with the Cilium name they share ("default": the chart default where CLUSTER_NAME is unset), in one finding', () => {
    expect(
      fixtureClusterChecks('shared-default-name', 'alpha', 'peers-by-fqdn').map(
        c => c.message,
      ),
    ).toEqual([
      'clustermesh.config.clusters has no entry for the peers beta (Cilium name "default"), gamma (Cilium name "default")',
    ]);
  });
});

describe('an entry for a cluster outside the mesh', () => {
  const helmRelease =
    'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
  /**
   * A synthetic mesh whose shared Cilium values enable ClusterMesh unless a
   * cluster's settings say `CLUSTERMESH: "false"`, as these clusters' do.
   */
  const meshWithout = (clusters: number, outside: readonly string[]) => {
    const files = generateSyntheticMesh({ clusters });
    files[helmRelease] = files[helmRelease]
      .replace('useAPIServer: true', 'useAPIServer: ${CLUSTERMESH:=true}')
      .replace(
        /config:\n(\s+)enabled: true/,
        'config:\n$1enabled: ${CLUSTERMESH:=true}',
      );
    for (const c of outside) {
      const settings = `kubernetes/clusters/${c}/cluster-settings.yaml`;
      files[settings] = files[settings].replace(
        '\ndata:\n',
        '\ndata:\n  CLUSTERMESH: "false"\n',
      );
    }
    return validateMesh(createRepoTree(files), resolveConventions(knownDomain));
  };

  it('warns the clusters that still list it: no clustermesh-apiserver answers there', () => {
    const report = meshWithout(3, ['c003']);
    const byName = Object.fromEntries(report.clusters.map(c => [c.name, c]));
    expect(byName.c003.status).toBe('outside');
    for (const name of ['c001', 'c002']) {
      const results = byName[name].checks.filter(
        c => c.ruleId === 'peers-by-fqdn',
      );
      expect(results.map(c => [c.outcome, c.severity])).toEqual([
        ['fail', 'warning'],
        ['pass', 'info'],
      ]);
      expect(results[0].message).toMatch(
        /^the entry for c003 names a cluster outside the mesh, where no clustermesh-apiserver runs, so the agents keep failing to connect to it; c003: its Cilium values do not enable ClusterMesh/,
      );
      expect(results[0].location).toEqual({
        file: helmRelease,
        line: expect.any(Number),
      });
      expect(results[0].remediation).toMatch(/^Remove the entry/);
      expect(byName[name].status).toBe('warn');
    }
    // a warning: the mesh is not failed for it
    expect(report.summary.status).not.toBe('fail');
    // the others switched off, the one left still lists them (red-lichtie's
    // prod after dev was switched off): said there too
    const last = meshWithout(2, ['c002']).clusters.find(
      c => c.name === 'c001',
    )!;
    expect(
      last.checks
        .filter(c => c.ruleId === 'peers-by-fqdn')
        .map(c => [c.outcome, c.severity, c.message.slice(0, 40)]),
    ).toEqual([
      ['fail', 'warning', 'the entry for c002 names a cluster outsi'],
      ['not-applicable', 'info', 'the cluster has no peer to reach'],
    ]);
  });

  it('says it once per cluster for every such entry, with the reason they share', () => {
    const warnings = meshWithout(4, ['c003', 'c004'])
      .clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'peers-by-fqdn' && c.outcome === 'fail');
    expect(warnings.map(w => [w.cluster, w.severity])).toEqual([
      ['c001', 'warning'],
      ['c002', 'warning'],
    ]);
    expect(warnings[0].message).toMatch(
      /^the entries for c003, c004 name clusters outside the mesh, where no clustermesh-apiserver runs, so the agents keep failing to connect to them; each: its Cilium values do not enable ClusterMesh/,
    );
  });

  it("says where an entry no cluster claims may be meant for a cluster outside the mesh whose values set no cluster.name (rajsinghtech's robbinsdale)", () => {
    const files = generateSyntheticMesh({
      clusters: 3,
      name: i => `site-${i}`,
    });
    files[helmRelease] = files[helmRelease]
      .replace('useAPIServer: true', 'useAPIServer: ${CLUSTERMESH:=true}')
      .replace(
        /config:\n(\s+)enabled: true/,
        'config:\n$1enabled: ${CLUSTERMESH:=true}',
      )
      // the peers list it by its site's name alone, and site-2 not at all
      .replace('- name: "site-3"', '- name: "3"')
      .replace(
        /\n {10}- name: "site-2"\n {12}address: .*\n {12}port: 2379/,
        '',
      );
    const settings = 'kubernetes/clusters/site-3/cluster-settings.yaml';
    files[settings] = files[settings]
      .replace('CLUSTER_NAME: "site-3"', 'CLUSTER_NAME: ""')
      .replace('\ndata:\n', '\ndata:\n  CLUSTERMESH: "false"\n');
    const failure = validateMesh(
      createRepoTree(files),
      resolveConventions(knownDomain),
    )
      .clusters.flatMap(c => c.checks)
      .find(
        c =>
          c.ruleId === 'peers-by-fqdn' &&
          c.cluster === 'site-1' &&
          c.outcome === 'fail',
      );
    expect(failure?.message).toMatch(
      /^clustermesh\.config\.clusters has no entry for the peer site-2; an entry is named "3", which no cluster of the repository is \(its Cilium cluster\.name\): site-3, outside the mesh, sets no cluster\.name in the values read here \(the chart names it "default"\): the entry may be meant for it$/,
    );
  });

  it('says nothing of a cluster the conventions exclude whose values still run the apiserver', () => {
    const report = validateMesh(
      createRepoTree(generateSyntheticMesh({ clusters: 3 })),
      resolveConventions({ ...knownDomain, mesh: { exclude: ['c003'] } }),
    );
    expect(report.clusters.map(c => c.status)).toEqual([
      'pass',
      'pass',
      'outside',
    ]);
  });

  it('says nothing while every cluster listed is in the mesh', () => {
    const report = meshWithout(3, []);
    expect(
      report.clusters
        .flatMap(c => c.checks)
        .filter(c => c.ruleId === 'peers-by-fqdn' && c.outcome !== 'pass'),
    ).toEqual([]);
  });
});

describe('peers-by-fqdn how to fix, where the entries are in an overlay patch', () => {
  it('says the Kustomization applying the patch does not substitute the variables it asks for', () => {
    const files = fixtureFiles('configure-overlay-patches/repo');
    const alpha = validateMesh(
      createRepoTree(files),
      repositoryConventions(files),
    )
      .clusters.find(c => c.name === 'alpha')!
      .checks.find(c => c.ruleId === 'peers-by-fqdn' && c.outcome === 'fail')!;
    expect(alpha.location?.file).toBe('infra/cilium/alpha/release.yaml');
    expect(alpha.remediation).toContain(
      'Kustomization flux-system/infra-cilium, which applies infra/cilium/alpha/release.yaml, does not substitute',
    );
  });
});
