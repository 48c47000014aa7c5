import {
  describeRule,
  exampleChecks,
  exampleFile,
  externalDnsRelease,
  Files,
  replace,
  secretsByBootstrap,
  sourceKustomization,
  withoutExampleExternalDns,
} from '../__testUtils__/rules';
import { dnsEndpointIncluded } from './dnsendpoint-included';
import { exampleTree, knownDomain } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';

const clustermeshKustomization =
  'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml';

/** A game server's DNSEndpoint beside the cluster's, with a variable nobody sets. */
function withGameServerRecord(files: Files) {
  files['kubernetes/infrastructure/networking/cilium/clustermesh/game.yaml'] =
    'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata:\n  name: minecraft\n  namespace: games\nspec:\n  endpoints:\n    - dnsName: mc.${GAME_DOMAIN}\n      recordType: A\n      targets: ["${GAME_IP}"]\n';
  replace(
    clustermeshKustomization,
    '  - dnsendpoint.yaml\n',
    '  - dnsendpoint.yaml\n  - game.yaml\n',
  )(files);
}

describe('dnsendpoint-included', () => {
  describeRule(dnsEndpointIncluded, {
    edit: replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', ''),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:1`,
      message:
        /exists but no Flux Kustomization of the cluster applies it: add it to the resources of kubernetes\/infrastructure\/networking\/cilium\/clustermesh\/kustomization.yaml/,
    },
  });

  it('fails a missing DNSEndpoint though a substitution Secret is made outside Flux: a source of variables whose keys are read adds no object', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        delete files[exampleFile.dnsEndpoint];
        replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
        // the SOPS Secret a bootstrap applies, not Flux
        secretsByBootstrap(files);
      }),
      resolveConventions(knownDomain),
    );
    expect(
      report.notEvaluated.some(f =>
        f.message.startsWith(
          'Secret flux-system/cluster-secrets is named by substituteFrom, and the repository defines it only in',
        ),
      ),
    ).toBe(true);
    const infra = report.clusters
      .find(c => c.name === 'infra')!
      .checks.find(c => c.ruleId === 'dnsendpoint-included')!;
    expect(infra.outcome).toBe('fail');
    expect(infra.message).not.toMatch(/may provide it/);
  });

  it("takes a record whose dnsName is the FQDN variable left as written for the cluster's: not missing, but not substituted (JefeDavis' copy)", () => {
    const checks = exampleChecks(files => {
      replace(
        exampleFile.dnsEndpoint,
        'name: clustermesh-apiserver',
        'name: apiserver-record',
      )(files);
      // applied by a Kustomization that does not substitute
      const ks = 'kubernetes/clusters/infra/infrastructure.yaml';
      files[ks] = files[ks].replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, '\n');
    }).filter(c => c.cluster === 'infra');
    expect(checks.find(c => c.ruleId === 'dnsendpoint-included')?.outcome).toBe(
      'pass',
    );
    expect(
      checks.find(
        c => c.ruleId === 'substitution-complete' && c.outcome === 'fail',
      )?.message,
    ).toMatch(
      /DNSEndpoint kube-system\/apiserver-record dnsName "\$\{CILIUM_CLUSTERMESH_FQDN\}"/,
    );
  });

  it('says no DNSEndpoint would be published where the ExternalDNS the repository has is applied to no cluster, as configure refuses to write one', () => {
    const checks = exampleChecks(files => {
      // the record gone, and ExternalDNS commented out of the kustomization
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
      replace(
        'kubernetes/infrastructure/networking/kustomization.yaml',
        '  - external-dns\n',
        '  # - external-dns\n',
      )(files);
    }).filter(c => c.ruleId === 'dnsendpoint-included');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'fail',
        'no DNSEndpoint of the cluster is applied, and none would be published: no cluster runs ExternalDNS (the repository has HelmRelease kube-system/external-dns, kubernetes/infrastructure/networking/external-dns/helmrelease.yaml:4, but no kustomization of a cluster applies it)',
      ]),
    );
    expect(checks[0].remediation).toMatch(/--mode manual/);
  });

  it("says no DNSEndpoint would be published where the cluster's ExternalDNS reads no DNSEndpoints, and to add the crd source", () => {
    const checks = exampleChecks(files => {
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
      replace(
        'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml',
        '      - crd\n',
        '      - service\n',
      )(files);
    }).filter(c => c.ruleId === 'dnsendpoint-included');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'fail',
        'no DNSEndpoint of the cluster is applied, and none would be published: its ExternalDNS (HelmRelease kube-system/external-dns, kubernetes/infrastructure/networking/external-dns/helmrelease.yaml:4) reads no DNSEndpoints (no crd source)',
      ]),
    );
    expect(checks[0].remediation).toMatch(
      /^Add `crd` to the sources of the cluster's ExternalDNS .*--mode manual/,
    );
  });

  it('says no DNSEndpoint would be published where the repository deploys ExternalDNS to the other clusters only', () => {
    const checks = exampleChecks(files => {
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
      withoutExampleExternalDns(files);
      // ExternalDNS in apps' own folder only
      files['kubernetes/clusters/apps/kustomization.yaml'] +=
        '  - external-dns.yaml\n';
      files['kubernetes/clusters/apps/external-dns.yaml'] = externalDnsRelease(
        'cloudflare',
        ['sources: [crd]'],
      );
    }).filter(c => c.ruleId === 'dnsendpoint-included');
    const infra = checks.find(c => c.cluster === 'infra')!;
    expect(infra).toMatchObject({
      outcome: 'fail',
      message:
        'no DNSEndpoint of the cluster is applied, and none would be published: the repository deploys ExternalDNS to apps, not to this cluster',
      remediation: expect.stringMatching(
        /^Deploy ExternalDNS \(with the crd source\) to the cluster, .*--mode manual/,
      ),
    });
    // apps, which runs it, is told to run configure
    expect(checks.find(c => c.cluster === 'apps')!.message).toMatch(
      /^no DNSEndpoint of the cluster is applied and .* does not exist$/,
    );
  });

  it("points a missing DNSEndpoint at the Kustomization applying Cilium where no kustomization would list it (not at an app's the cluster applies first)", () => {
    const result = exampleChecks(files => {
      // no records folder, and cluster folders Flux generates a kustomization for
      for (const f of Object.keys(files))
        if (f.includes('/cilium/clustermesh/')) delete files[f];
      files['kubernetes/infrastructure/networking/cilium/kustomization.yaml'] =
        files[
          'kubernetes/infrastructure/networking/cilium/kustomization.yaml'
        ].replace('  - clustermesh\n', '');
      for (const c of ['infra', 'apps']) {
        const dir = `kubernetes/clusters/${c}`;
        delete files[`${dir}/kustomization.yaml`];
        // what it listed from elsewhere, now in a folder of its own
        files[
          `${dir}/a-pool/kustomization.yaml`
        ] = `resources:\n  - ../../../infrastructure/networking/cilium/ipam/lb-ippool-${c}.yaml\n  - ../../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\n`;
      }
    }).find(c => c.ruleId === 'dnsendpoint-included' && c.cluster === 'infra');
    expect(result).toMatchObject({
      outcome: 'fail',
      location: {
        file: 'kubernetes/clusters/infra/infrastructure.yaml',
        line: 2,
      },
    });
  });

  it('says where configure writes the DNSEndpoint, not a folder of another layout, when the repository keeps nothing where the conventions place it', () => {
    const checks = exampleChecks(files => {
      // another layout: no clustermesh folder at all
      for (const file of Object.keys(files))
        if (
          file.startsWith(
            'kubernetes/infrastructure/networking/cilium/clustermesh/',
          )
        )
          delete files[file];
      replace(
        'kubernetes/infrastructure/networking/cilium/kustomization.yaml',
        '  - clustermesh\n',
        '',
      )(files);
    });
    const infra = checks.find(
      c => c.cluster === 'infra' && c.ruleId === 'dnsendpoint-included',
    )!;
    expect(infra).toMatchObject({
      outcome: 'fail',
      location: { file: 'kubernetes/clusters/infra/kustomization.yaml' },
      // no default path of another layout in the message either
      message: 'no DNSEndpoint of the cluster is applied',
    });
    // not a folder of another layout: where configure would write it
    expect(infra.remediation).toBe(
      "Run `clustermesh-dns configure`, which writes the cluster's DNSEndpoint beside its Cilium values, in a folder a Flux Kustomization of the cluster applies (or write it there yourself and list it in the `resources` of that folder's kustomization; set the conventions' `dnsEndpoint.file` to where this repository keeps such files).",
    );
    // where the repository has that folder, the remedy names it plainly
    const kept = exampleChecks(files => {
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
    }).find(c => c.cluster === 'infra' && c.ruleId === 'dnsendpoint-included')!;
    expect(kept.outcome).toBe('fail');
    expect(kept.message).toBe(
      `no DNSEndpoint of the cluster is applied and ${exampleFile.dnsEndpoint} does not exist`,
    );
    expect(kept.remediation).not.toMatch(/does not use/);
  });

  it("fails a missing DNSEndpoint beside a project's release manifest or CRDs, which cannot hold it, but not beside another remote resource", () => {
    const missingWith = (remote: string) =>
      exampleChecks(files => {
        delete files[exampleFile.dnsEndpoint];
        replace(
          clustermeshKustomization,
          '  - dnsendpoint.yaml\n',
          `  - ${remote}\n`,
        )(files);
      }).find(
        c => c.cluster === 'infra' && c.ruleId === 'dnsendpoint-included',
      );
    expect(
      missingWith(
        'https://github.com/grafana/tempo-operator/releases/download/v0.19.0/tempo-operator.yaml',
      )?.outcome,
    ).toBe('fail');
    // one file of another project at a release tag, or its CRDs: the same
    // for whichever URL form addresses it
    for (const file of [
      'https://raw.githubusercontent.com/dragonflydb/dragonfly-operator/v1.1.2/manifests/deploy.yaml',
      'https://raw.githubusercontent.com/example/operator/main/config/crd/bases.yaml',
    ])
      expect(missingWith(file)?.outcome).toBe('fail');
    expect(
      missingWith('https://github.com/example/platform//clustermesh?ref=v1')
        ?.outcome,
    ).toBe('not-evaluated');
    expect(
      missingWith(
        'https://raw.githubusercontent.com/example/platform/main/clustermesh/dnsendpoint.yaml',
      )?.outcome,
    ).toBe('not-evaluated');
    // a base of another owner's project (the repository is example's)
    expect(
      missingWith(
        'https://github.com/metal3-io/baremetal-operator/config/overlays/basic-auth_tls?ref=v0.10.2',
      )?.outcome,
    ).toBe('fail');
  });

  it("fails a missing DNSEndpoint beside a Flux Kustomization of another owner's Git repository, not beside one of the repository's owner", () => {
    const missingWith = (url: string) =>
      exampleChecks(files => {
        delete files[exampleFile.dnsEndpoint];
        replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
        files['kubernetes/clusters/infra/addons.yaml'] =
          sourceKustomization(url);
        files['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - addons.yaml\n';
      }).find(
        c => c.cluster === 'infra' && c.ruleId === 'dnsendpoint-included',
      );
    expect(
      missingWith('https://github.com/csi-addons/kubernetes-csi-addons')
        ?.outcome,
    ).toBe('fail');
    // the repository's own owner (example): it may hold the record
    expect(missingWith('https://github.com/example/platform')?.outcome).toBe(
      'not-evaluated',
    );
  });

  it('fails a missing DNSEndpoint beside a ConfigMap whose key is read from a URL: that key adds no object, even where the Cilium values read it', () => {
    const checks = exampleChecks(files => {
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
      files[
        clustermeshKustomization
      ] += `configMapGenerator:\n  - name: cilium-extra\n    files:\n      - https://raw.githubusercontent.com/example/charts/main/values.yaml\n`;
      replace(
        exampleFile.helmRelease,
        '  values:\n',
        `  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-extra\n      optional: true\n  values:\n`,
      )(files);
    });
    expect(
      checks.find(
        c => c.cluster === 'infra' && c.ruleId === 'dnsendpoint-included',
      ),
    ).toMatchObject({ outcome: 'fail' });
  });

  it('is not satisfied by an unrelated DNSEndpoint, and says it saw one', () => {
    const checks = exampleChecks(files => {
      withGameServerRecord(files);
      delete files[exampleFile.dnsEndpoint];
      replace(clustermeshKustomization, '  - dnsendpoint.yaml\n', '')(files);
    });
    const infra = checks.filter(c => c.cluster === 'infra');
    expect(infra.find(c => c.ruleId === 'dnsendpoint-included')).toMatchObject({
      outcome: 'fail',
      message: `no DNSEndpoint of the cluster is applied and ${exampleFile.dnsEndpoint} does not exist (1 other DNSEndpoint(s) are applied, none named kube-system/clustermesh-apiserver or with dnsName "clustermesh-infra.example.net")`,
    });
    // the game server's unset variables are not the cluster's ClusterMesh DNS problem
    expect(infra.find(c => c.ruleId === 'substitution-complete')?.outcome).toBe(
      'pass',
    );
  });

  it('changes nothing when an unrelated DNSEndpoint sits beside the cluster’s own', () => {
    const outcomes = (checks: ReturnType<typeof exampleChecks>) =>
      checks.map(c => `${c.cluster}/${c.ruleId}: ${c.outcome}`);
    expect(outcomes(exampleChecks(withGameServerRecord))).toEqual(
      outcomes(exampleChecks()),
    );
  });

  it('counts a DNSEndpoint of another name whose dnsName is the FQDN as the cluster’s own', () => {
    const checks = exampleChecks(
      replace(
        exampleFile.dnsEndpoint,
        'name: clustermesh-apiserver',
        'name: mesh-record',
      ),
    );
    expect(
      checks
        .filter(c => c.ruleId.startsWith('dnsendpoint-'))
        .map(c => `${c.cluster}/${c.ruleId}: ${c.outcome}`),
    ).toEqual([
      'apps/dnsendpoint-matches: pass',
      'apps/dnsendpoint-included: pass',
      'infra/dnsendpoint-matches: pass',
      'infra/dnsendpoint-included: pass',
    ]);
  });

  it("passes another file's DNSEndpoint without naming a default path the repository does not keep", () => {
    const dir = 'kubernetes/infrastructure/networking/cilium/clustermesh';
    const checks = exampleChecks(
      files => {
        // the record moved to a folder of the repository's own naming
        files['kubernetes/infrastructure/networking/records/dnsendpoint.yaml'] =
          files[`${dir}/dnsendpoint.yaml`];
        files[
          'kubernetes/infrastructure/networking/records/kustomization.yaml'
        ] = 'resources:\n  - dnsendpoint.yaml\n';
        delete files[`${dir}/dnsendpoint.yaml`];
        files[`${dir}/kustomization.yaml`] = files[
          `${dir}/kustomization.yaml`
        ].replace('  - dnsendpoint.yaml\n', '  - ../../records\n');
      },
      { dnsEndpoint: { file: 'deploy/clustermesh/dnsendpoint.yaml' } },
    );
    expect(
      checks.find(
        c => c.ruleId === 'dnsendpoint-included' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      outcome: 'pass',
      message:
        'the DNSEndpoint in kubernetes/infrastructure/networking/records/dnsendpoint.yaml is applied',
    });
  });
});
