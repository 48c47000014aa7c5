import {
  describeRule,
  exampleChecks,
  exampleFile,
  fixtureClusterChecks,
  filesTemplateChecks,
  filesTemplateFile,
  replace,
  withOutsideSettingsSource,
} from '../__testUtils__/rules';
import { exampleTree, fixtureTree } from '../__testUtils__/trees';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { peersComplete } from './peers-complete';

/** A cluster's settings without its entry for a peer (its upper-cased name). */
const withoutPeerSetting = (cluster: string, peer: string) =>
  replace(
    exampleFile.settings(cluster),
    new RegExp(`\\n {2}CILIUM_CLUSTERMESH_${peer}_FQDN: .*`),
    '',
  );

describe('peers-complete', () => {
  describeRule(peersComplete, {
    edit: replace(
      exampleFile.settings('infra'),
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-infra.${SECRET_DOMAIN}"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:16`,
      message:
        /CILIUM_CLUSTERMESH_APPS_FQDN is "clustermesh-infra.example.net", but apps's FQDN is "clustermesh-apps.example.net"/,
    },
  });

  it("fails a peer key missing from the settings though the Kustomization applying them substitutes from a source of unknown keys: it adds no key (gavinmcfall's cluster-user-settings)", () => {
    const check = (kustomization: string) =>
      exampleChecks(f => {
        withoutPeerSetting('apps', 'INFRA')(f);
        replace(
          `kubernetes/clusters/apps/${kustomization}.yaml`,
          '        name: cluster-secrets\n',
          '        name: cluster-secrets\n      - kind: ConfigMap\n        name: user-settings\n        optional: true\n',
        )(f);
      }).find(c => c.ruleId === 'peers-complete' && c.cluster === 'apps');
    expect(check('vars')?.outcome).toBe('fail');
    // given to the Kustomization that substitutes the Cilium values, it
    // may define the variable there: not evaluated
    expect(check('infrastructure')?.outcome).toBe('not-evaluated');
  });

  it("fails a peer key missing where the Kustomization substituting the values names no source (its inline substitute alone), though a build of another repository is not read (corruptmane's cvgen)", () => {
    const checks = exampleChecks(f => {
      // infra's values substituted from its inline entries only
      const ks = 'kubernetes/clusters/infra/infrastructure.yaml';
      f[ks] = f[ks].replace(
        /\n {4}substituteFrom:\n(?: {6,}.*\n)+/,
        '\n    substitute:\n      CLUSTER_NAME: infra\n      CLUSTER_ID: "1"\n      CILIUM_CLUSTERMESH_FQDN: clustermesh-infra.example.net\n      CILIUM_CLUSTERMESH_LB_IP: 10.25.11.100\n',
      );

      // an app built from a source no file declares: not read
      f['kubernetes/clusters/infra/addons.yaml'] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: cvgen-infra, namespace: flux-system}',
        'spec: {interval: 1h, path: ./deploy/k8s/infra, prune: true, sourceRef: {kind: GitRepository, name: cvgen}}',
        '',
      ].join('\n');
      // and no settings ConfigMap: its values are all inline
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        '  - vars.yaml\n',
        '  - addons.yaml\n',
      )(f);
    }).filter(c => c.ruleId === 'peers-complete' && c.cluster === 'infra');
    expect(checks.map(c => [c.outcome, c.message])).toEqual([
      [
        'fail',
        expect.stringMatching(/^CILIUM_CLUSTERMESH_APPS_FQDN is not set/),
      ],
    ]);
  });

  it('sends the owner to the value of the variable that is there, not to add one, where it names another FQDN (Lokiraze)', () => {
    const [check] = exampleChecks(
      replace(
        exampleFile.settings('infra'),
        'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
        'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-infra.${SECRET_DOMAIN}"',
      ),
    ).filter(c => c.ruleId === 'peers-complete' && c.outcome === 'fail');
    expect(check.remediation).toMatch(
      /^Set the variable the message names to the peer's FQDN/,
    );
  });

  it('offers, for a peer not known by FQDN, the mesh entry a repository that names peers by the template writes, besides the variable (cubic3d)', () => {
    const [check] = exampleChecks(withoutPeerSetting('infra', 'APPS')).filter(
      c => c.ruleId === 'peers-complete' && c.outcome === 'fail',
    );
    expect(check.remediation).toMatch(
      /^Add `CILIUM_CLUSTERMESH_\{PEER\}_FQDN` for each peer .*; where the Cilium values name the peers by the FQDN template instead \(no peer variables\), give each peer an entry `\{name: <peer>, address: <its FQDN>, port: 2379\}` in `clustermesh\.config\.clusters`/,
    );
  });

  it("expects of a copied peer, whose settings still hold the FQDN of the cluster it was copied from, the name it should have (roxedus' lab, copied from dr)", () => {
    const checks = exampleChecks(files => {
      // infra's settings copied from apps' and not changed yet
      replace(
        exampleFile.settings('infra'),
        /CILIUM_CLUSTERMESH_FQDN: .*/,
        'CILIUM_CLUSTERMESH_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
      )(files);
      withoutPeerSetting('apps', 'INFRA')(files);
    }).filter(c => c.ruleId === 'peers-complete' && c.cluster === 'apps');
    expect(checks.map(c => c.message)).toEqual([
      expect.stringMatching(
        /^CILIUM_CLUSTERMESH_INFRA_FQDN is not set: the peer infra is not known by FQDN \(expected "clustermesh-infra\.example\.net"\)/,
      ),
    ]);
  });

  it("compares each cluster's view of a peer with the peer's own FQDN where each cluster's Secret holds its own domain (valuesByCluster)", () => {
    const outcomes = (
      valuesByCluster: Record<string, Record<string, string>>,
    ) =>
      validateMesh(
        exampleTree('gitops-repo'),
        resolveConventions({ valuesByCluster }),
      )
        .clusters.flatMap(c => c.checks)
        .filter(c => c.ruleId === 'peers-complete')
        .map(c => [c.cluster, c.outcome, c.message]);
    // one domain in both Secrets: as with --value SECRET_DOMAIN
    expect(
      outcomes({
        infra: { SECRET_DOMAIN: 'example.net' },
        apps: { SECRET_DOMAIN: 'example.net' },
      }).map(o => o[1]),
    ).toEqual(['pass', 'pass']);
    // two domains: each cluster's settings name the peer in its own domain,
    // which is not the peer's (Flux substitutes them so)
    expect(
      outcomes({
        infra: { SECRET_DOMAIN: 'example.net' },
        apps: { SECRET_DOMAIN: 'example.org' },
      }),
    ).toEqual([
      [
        'apps',
        'fail',
        expect.stringContaining(
          'CILIUM_CLUSTERMESH_INFRA_FQDN is "clustermesh-infra.example.org", but infra\'s FQDN is "clustermesh-infra.example.net"',
        ),
      ],
      [
        'infra',
        'fail',
        expect.stringContaining(
          'CILIUM_CLUSTERMESH_APPS_FQDN is "clustermesh-apps.example.net", but apps\'s FQDN is "clustermesh-apps.example.org"',
        ),
      ],
    ]);
  });

  it("does not pass a peer name made with one value given for every cluster where the clusters' SOPS values differ in length", () => {
    const longerInApps = (files: Record<string, string>) => {
      const apps = 'kubernetes/clusters/apps/cluster-secrets.sops.yaml';
      files[apps] = files[apps].replace(
        /data:[A-Za-z0-9+/=]+,/,
        `data:${Buffer.alloc(23).toString('base64')},`,
      );
    };
    const checks = validateMesh(
      exampleTree('gitops-repo', longerInApps),
      resolveConventions({ values: { SECRET_DOMAIN: 'example.net' } }),
    )
      .clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'peers-complete');
    expect(checks.find(c => c.cluster === 'infra')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        "CILIUM_CLUSTERMESH_APPS_FQDN is \"clustermesh-apps.example.net\", written as apps's FQDN with the SECRET_DOMAIN given to this run for every cluster, but this cluster's SOPS value of SECRET_DOMAIN is 11 bytes long and apps's 23: not one value, so the name written here is not known to be apps's (give each cluster its own: --value <cluster>:SECRET_DOMAIN=<value>)",
    });
  });

  it("says what to write for a peer whose own FQDN is a value not known here: the conventions' name, not the peer's variable", () => {
    const checksWith = (
      conventions: Parameters<typeof resolveConventions>[0],
    ) =>
      validateMesh(
        exampleTree('gitops-repo', files => {
          // infra's FQDN only in a ConfigMap made outside the repository
          replace(
            exampleFile.settings('infra'),
            /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
            '',
          )(files);
          withOutsideSettingsSource('infra')(files);
          withoutPeerSetting('apps', 'INFRA')(files);
        }),
        resolveConventions(conventions),
      ).clusters.flatMap(c => c.checks);
    const messageWith = (
      conventions: Parameters<typeof resolveConventions>[0],
    ) =>
      checksWith(conventions).find(
        c => c.ruleId === 'peers-complete' && c.cluster === 'apps',
      )?.message;
    // the template no one gave: said to be the default one
    expect(messageWith({ values: { SECRET_DOMAIN: 'example.net' } })).toBe(
      'CILIUM_CLUSTERMESH_INFRA_FQDN is not set: the peer infra is not known by FQDN (by the default template: "clustermesh-infra.${SECRET_DOMAIN}")',
    );
    expect(
      messageWith({
        values: { SECRET_DOMAIN: 'example.net' },
        fqdnTemplate: 'mesh-{cluster}.${SECRET_DOMAIN}',
      }),
    ).toBe(
      'CILIUM_CLUSTERMESH_INFRA_FQDN is not set: the peer infra is not known by FQDN (by the conventions\' template: "mesh-infra.${SECRET_DOMAIN}")',
    );
  });

  it("leaves a peer variable no file reads to the mesh entries, not evaluated where the peer's Cilium name is not known here (MrDynamo's copy)", () => {
    const checks = exampleChecks(files => {
      // the peers written out in the values, by name; no peer variables
      replace(
        exampleFile.helmRelease,
        '${CILIUM_CLUSTERMESH_INFRA_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}',
        'clustermesh-infra.${SECRET_DOMAIN}',
      )(files);
      replace(
        exampleFile.helmRelease,
        '${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}',
        'clustermesh-apps.${SECRET_DOMAIN}',
      )(files);
      withoutPeerSetting('infra', 'APPS')(files);
      // apps' name from a ConfigMap made outside the repository
      replace(
        exampleFile.settings('apps'),
        /\n {2}CLUSTER_NAME: .*/,
        '',
      )(files);
      withOutsideSettingsSource('apps')(files);
    }).filter(c => c.ruleId === 'peers-complete' && c.cluster === 'infra');
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'not-evaluated',
        message:
          "CILIUM_CLUSTERMESH_APPS_FQDN is not set, and whether the Cilium values' mesh entries name apps cannot be told: apps's Cilium cluster name comes from CLUSTER_NAME, which is not known here (give it in the conventions' values)",
      }),
    ]);
  });

  it("says a peer variable a source of unknown keys may hold, which no file uses, is used by no file, not that it is not set (aclerici38's ExternalSecret)", () => {
    const checks = exampleChecks(files => {
      // the peers listed by address, not by their variables
      replace(
        exampleFile.helmRelease,
        'address: ${CILIUM_CLUSTERMESH_INFRA_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}',
        'ips: [10.40.40.41]',
      )(files);
      withoutPeerSetting('apps', 'INFRA')(files);
      withOutsideSettingsSource('apps')(files);
    }).filter(c => c.ruleId === 'peers-complete' && c.cluster === 'apps');
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(
          /^CILIUM_CLUSTERMESH_INFRA_FQDN is used by no file \(ConfigMap flux-system\/bootstrap-settings.* may hold it, its keys not known here\), and no mesh entry names infra by its FQDN: the peer infra is not known by FQDN/,
        ),
      }),
    ]);
  });

  it("expects no name of a default template whose domain the repository names nowhere, and says to set the template (BSFishy's copy)", () => {
    const checks = validateMesh(
      exampleTree('gitops-repo', files => {
        for (const [file, text] of Object.entries(files))
          files[file] = text.replace(/SECRET_DOMAIN/g, 'ZONE');
        withoutPeerSetting('apps', 'INFRA')(files);
      }),
      resolveConventions({}),
    ).clusters.flatMap(c => c.checks);
    expect(
      checks.find(c => c.ruleId === 'peers-complete' && c.cluster === 'apps')
        ?.message,
    ).toBe(
      'CILIUM_CLUSTERMESH_INFRA_FQDN is not set: the peer infra is not known by FQDN (the default template, "clustermesh-infra.${SECRET_DOMAIN}", uses SECRET_DOMAIN, which the repository names nowhere: set fqdnTemplate to the names you use)',
    );
  });

  describe("with the domain in each cluster's own SOPS Secret, not known here", () => {
    const checksOf = (edit?: (files: Record<string, string>) => void) =>
      validateMesh(
        exampleTree('gitops-repo', edit),
        resolveConventions({}),
      ).clusters.flatMap(c =>
        c.checks.filter(r => r.ruleId === 'peers-complete'),
      );

    it('does not pass a peer name that only the same unknown value in both Secrets would make equal', () => {
      const infra = checksOf().find(c => c.cluster === 'infra');
      expect(infra).toMatchObject({
        outcome: 'not-evaluated',
        message:
          'CILIUM_CLUSTERMESH_APPS_FQDN is "clustermesh-apps.<secret:SECRET_DOMAIN>", written as apps\'s FQDN, but SECRET_DOMAIN comes from kubernetes/clusters/infra/cluster-secrets.sops.yaml in this cluster and from kubernetes/clusters/apps/cluster-secrets.sops.yaml for apps: the names are equal only if both hold the same value, which is not known here (give it in the conventions\' values)',
      });
    });

    it("fails a peer name whose value not known here each cluster's SOPS line keeps at another length: another name", () => {
      const longerInApps = (files: Record<string, string>) => {
        const apps = 'kubernetes/clusters/apps/cluster-secrets.sops.yaml';
        files[apps] = files[apps].replace(
          /data:[A-Za-z0-9+/=]+,/,
          `data:${Buffer.alloc(23).toString('base64')},`,
        );
      };
      const infra = checksOf(longerInApps).find(c => c.cluster === 'infra');
      expect(infra).toMatchObject({
        outcome: 'fail',
        severity: 'error',
        message:
          "CILIUM_CLUSTERMESH_APPS_FQDN is \"clustermesh-apps.<secret:SECRET_DOMAIN>\", written as apps's FQDN, but this cluster's SOPS value of SECRET_DOMAIN (kubernetes/clusters/infra/cluster-secrets.sops.yaml) is 11 bytes long and apps's (kubernetes/clusters/apps/cluster-secrets.sops.yaml) 23: not one value, so the name written here is another name than apps's FQDN (write it with a value this cluster holds for apps, or written out)",
        remediation: expect.stringMatching(
          // or one domain the clusters share (prehor's, qlonik's)
          /^Write the peer's FQDN with a variable this cluster holds.* Or name the clusters in a domain they all share, which is not secret \(`clustermesh-dns configure --fqdn-template 'clustermesh-\{cluster\}\.<shared domain>'`/,
        ),
      });
    });

    it('passes when both clusters read the value from the same Secret file', () => {
      const checks = checksOf(files => {
        // one Secret for both clusters, kept with infra's
        files['kubernetes/clusters/apps/kustomization.yaml'] = files[
          'kubernetes/clusters/apps/kustomization.yaml'
        ].replace(
          'cluster-secrets.sops.yaml',
          '../infra/cluster-secrets.sops.yaml',
        );
      });
      expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
        ['apps', 'pass'],
        ['infra', 'pass'],
      ]);
    });
    it("passes when each cluster's Secret holds the same SOPS ciphertext (one value, copied), also from a Secret that is not the settings' (substituted into them)", () => {
      const copied = (files: Record<string, string>) => {
        const infra =
          files['kubernetes/clusters/infra/cluster-secrets.sops.yaml'];
        const line = /^ {2}SECRET_DOMAIN: .*$/m.exec(infra)![0];
        const apps = 'kubernetes/clusters/apps/cluster-secrets.sops.yaml';
        files[apps] = files[apps].replace(/^ {2}SECRET_DOMAIN: .*$/m, line);
      };
      expect(checksOf(copied).map(c => [c.cluster, c.outcome])).toEqual([
        ['apps', 'pass'],
        ['infra', 'pass'],
      ]);
      // a Secret of another name, which the Kustomization applying the
      // settings substitutes into them
      const renamed = (files: Record<string, string>, copy = true) => {
        if (copy) copied(files);
        for (const [file, text] of Object.entries(files))
          if (file.startsWith('kubernetes/clusters/'))
            files[file] = text.replace(
              /name: cluster-secrets\b/g,
              'name: vault-secrets',
            );
      };
      expect(checksOf(renamed).map(c => [c.cluster, c.outcome])).toEqual([
        ['apps', 'pass'],
        ['infra', 'pass'],
      ]); // not copied: each read from its own file, as said
      expect(
        checksOf(files => renamed(files, false)).find(
          c => c.cluster === 'infra',
        )?.message,
      ).toContain(
        'SECRET_DOMAIN comes from kubernetes/clusters/infra/cluster-secrets.sops.yaml in this cluster and from kubernetes/clusters/apps/cluster-secrets.sops.yaml for apps',
      );
    });
  });

  describe('with the FQDN as a template in the files Flux substitutes (no peer variables)', () => {
    const checksOf = (edit?: Parameters<typeof filesTemplateChecks>[0]) =>
      filesTemplateChecks(edit).filter(c => c.ruleId === 'peers-complete');

    it("knows a peer by its mesh entry address when that renders to the peer's FQDN", () => {
      // the domain from one Secret file for both clusters
      const sharedSecret = (files: Record<string, string>) => {
        files['kubernetes/clusters/apps/kustomization.yaml'] = files[
          'kubernetes/clusters/apps/kustomization.yaml'
        ].replace(
          'cluster-secrets.sops.yaml',
          '../infra/cluster-secrets.sops.yaml',
        );
      };
      expect(checksOf(sharedSecret)).toEqual([
        expect.objectContaining({
          cluster: 'apps',
          outcome: 'pass',
          message:
            'knows infra as "clustermesh-infra.<secret:SECRET_DOMAIN>" (its mesh entry address)',
          location: { file: filesTemplateFile.helmRelease, line: 43 },
        }),
        expect.objectContaining({
          cluster: 'infra',
          outcome: 'pass',
          message:
            'knows apps as "clustermesh-apps.<secret:SECRET_DOMAIN>" (its mesh entry address)',
          location: { file: filesTemplateFile.helmRelease, line: 46 },
        }),
      ]);
      // each cluster's own Secret: equal as text only
      expect(checksOf().map(c => [c.cluster, c.outcome, c.message])).toEqual([
        [
          'apps',
          'not-evaluated',
          'its mesh entry for infra is "clustermesh-infra.<secret:SECRET_DOMAIN>", written as infra\'s FQDN, but SECRET_DOMAIN comes from kubernetes/clusters/apps/cluster-secrets.sops.yaml in this cluster and from kubernetes/clusters/infra/cluster-secrets.sops.yaml for infra: the names are equal only if both hold the same value, which is not known here (give it in the conventions\' values)',
        ],
        [
          'infra',
          'not-evaluated',
          expect.stringMatching(/^its mesh entry for apps is/),
        ],
      ]);
    });

    it('does not know a peer whose entry has another address', () => {
      const checks = checksOf(
        replace(
          filesTemplateFile.helmRelease,
          'address: clustermesh-apps.${SECRET_DOMAIN}',
          'address: clustermesh-infra.${SECRET_DOMAIN}',
        ),
      );
      expect(checks.find(c => c.cluster === 'infra')).toMatchObject({
        outcome: 'fail',
        // the repository names its peers by entries only: no variable said
        message:
          'no mesh entry of its Cilium values names the peer apps by its FQDN (expected "clustermesh-apps.${SECRET_DOMAIN}"), and the repository uses no peer variables (it names its peers in the Cilium values): the peer apps is not known by FQDN',
      });
    });
  });
});

describe('peers-complete with several peers missing', () => {
  it('says the entries missing, in one finding, where the repository names its peers in the Cilium values alone', () => {
    // one entry by address, no peer variable anywhere: the peers go in
    // the values' entries, as that one does
    const tree = fixtureTree('shared-default-name', files => {
      const release = 'kubernetes/infrastructure/cilium/helmrelease.yaml';
      files[release] = files[release].replace(
        '      config:\n        enabled: true\n',
        '      config:\n        enabled: true\n        clusters:\n          - name: edge\n            address: clustermesh-edge.example.net\n            port: 2379\n',
      );
    });
    const alpha = validateMesh(
      tree,
      resolveConventions({}, detectConventions(tree)),
    )
      .clusters.find(c => c.name === 'alpha')!
      .checks.filter(c => c.ruleId === 'peers-complete');
    expect(alpha.map(c => [c.outcome, c.message])).toEqual([
      [
        'fail',
        'no mesh entry of its Cilium values names the peers beta, gamma by FQDN, and the repository uses no peer variables (it names its peers in the Cilium values): they are not known by FQDN',
      ],
    ]);
  });

  it('says them in one finding per cluster, not one per peer', () => {
    expect(
      fixtureClusterChecks(
        'shared-default-name',
        'alpha',
        'peers-complete',
      ).map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'fail',
        'CILIUM_CLUSTERMESH_BETA_FQDN, CILIUM_CLUSTERMESH_GAMMA_FQDN are not set: the peers beta, gamma are not known by FQDN',
      ],
    ]);
  });
});
