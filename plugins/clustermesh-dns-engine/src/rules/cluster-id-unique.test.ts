import {
  bootstrapHelmfile,
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { clusterIdUnique } from './cluster-id-unique';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { fixtureTree } from '../__testUtils__/trees';

const idOf = (cluster: string, from: string, to: string) =>
  replace(exampleFile.settings(cluster), `CLUSTER_ID: "${from}"`, to);

describe('cluster-id-unique', () => {
  describeRule(clusterIdUnique, {
    edit: idOf('apps', '2', 'CLUSTER_ID: "1"'),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:12`,
      message:
        /^cluster\.id 1 is shared by apps, infra: their settings give CLUSTER_ID, which the Cilium values take it from, the same value$/,
    },
  });

  const failures = (edit: Parameters<typeof exampleChecks>[0]) =>
    exampleChecks(edit)
      .filter(c => c.ruleId === 'cluster-id-unique' && c.outcome === 'fail')
      .map(c => `${c.cluster}: ${c.message}`);

  it('warns, beside its pass, where a bootstrap helmfile installs the values with cluster.id as a variable, which reaches that install as written', () => {
    // lenaxia's copy: the ID a per-cluster variable in values the
    // bootstrap helmfile reads as they are
    const checks = exampleChecks(files => {
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(
        exampleFile.helmRelease,
      );
    }).filter(c => c.ruleId === 'cluster-id-unique');
    expect(checks.map(c => [c.cluster ?? '', c.outcome, c.severity])).toEqual([
      ['apps', 'fail', 'warning'],
      ['infra', 'fail', 'warning'],
      ['', 'pass', 'info'],
    ]);
    expect(checks[0]).toMatchObject({
      message:
        'bootstrap/helmfile.yaml installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: `id: ${CLUSTER_ID}` reaches that first install as written, which is no cluster.id (a number) until Flux reconciles the HelmRelease',
      location: { file: exampleFile.helmRelease, line: 21 },
    });
    expect(checks[0].remediation).toMatch(
      /^Have the bootstrap give the release the cluster's ID/,
    );
  });

  it("says an ID written as a variable no source defines as such, not as not set (sepffuzzball's copy)", () => {
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        'id: ${CLUSTER_ID}',
        'id: ${CLUSTER_NUMBER}',
      ),
      { flux: { strictSubstitution: false } },
    ).filter(
      c =>
        c.ruleId === 'cluster-id-unique' &&
        c.cluster === 'infra' &&
        c.outcome === 'fail',
    );
    expect(checks).toEqual([
      expect.objectContaining({
        message:
          "cluster.id is ${CLUSTER_NUMBER} in the Cilium values, which no source of Kustomization flux-system/cluster-infra-infrastructure defines: Flux (strict only from 2.9) substitutes an empty string, and the chart's default, 0, is for a cluster outside any mesh",
        location: { file: exampleFile.helmRelease, line: 21 },
        remediation: expect.stringMatching(
          /^Define the variable `cluster\.id` reads for each cluster/,
        ),
      }),
    ]);
  });

  it('fails an ID outside 1..255, and says how to allow up to 511', () => {
    expect(failures(idOf('apps', '2', 'CLUSTER_ID: "300"'))).toEqual([
      'apps: cluster.id 300 is not within 1..255 (set clustermesh.maxConnectedClusters: 511 for more)',
    ]);
    expect(failures(idOf('infra', '1', 'CLUSTER_ID: "0"'))).toEqual([
      'infra: cluster.id 0 is not within 1..255',
    ]);
  });

  it('says one number written once in the values the clusters share as one cause, alike for each', () => {
    const shared = exampleChecks(
      replace(exampleFile.helmRelease, 'id: ${CLUSTER_ID}', 'id: 1'),
    ).filter(c => c.ruleId === 'cluster-id-unique' && c.outcome === 'fail');
    expect(shared.map(c => [c.cluster, c.message, c.location?.file])).toEqual(
      ['apps', 'infra'].map(cluster => [
        cluster,
        'cluster.id 1 is written once for apps, infra: the values they share give each of them the same number',
        exampleFile.helmRelease,
      ]),
    );
  });

  it("says two settings of one value where the shared values file a generator reads substitutes the ID (permalost's values.yaml), not one number written once", () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const shared = exampleChecks(files => {
      replace(
        exampleFile.helmRelease,
        /\n\s+cluster:\n\s+name: \$\{CLUSTER_NAME\}\n\s+id: \$\{CLUSTER_ID\}/,
        '',
      )(files);
      replace(
        exampleFile.helmRelease,
        '  values:\n',
        '  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n  values:\n',
      )(files);
      files[`${core}/values.yaml`] =
        'cluster:\n  name: ${CLUSTER_NAME}\n  id: ${CLUSTER_ID}\n';
      files[`${core}/kustomization.yaml`] +=
        'configMapGenerator:\n  - name: cilium-values\n    namespace: kube-system\n    files: [values.yaml]\ngeneratorOptions:\n  disableNameSuffixHash: true\n';
      idOf('apps', '2', 'CLUSTER_ID: "1"')(files);
    }).filter(c => c.ruleId === 'cluster-id-unique' && c.outcome === 'fail');
    // the fix is in the settings (not the shared values, which a
    // Kustomization that does not substitute the settings applies)
    expect(shared[0].remediation).toMatch(
      /^Give the variable the message names a number of each cluster's own in its settings/,
    );
    expect(shared.map(c => [c.cluster, c.message, c.location])).toEqual([
      [
        'apps',
        'cluster.id 1 is shared by apps, infra: their settings give CLUSTER_ID, which the Cilium values take it from, the same value',
        { file: exampleFile.settings('apps'), line: 12 },
      ],
      [
        'infra',
        'cluster.id 1 is shared by apps, infra: their settings give CLUSTER_ID, which the Cilium values take it from, the same value',
        { file: exampleFile.settings('infra'), line: 12 },
      ],
    ]);
  });

  it("allows up to 511 with maxConnectedClusters: 511, and fails a cluster without an ID (the chart's 0)", () => {
    expect(
      failures(files => {
        idOf('apps', '2', 'CLUSTER_ID: "300"')(files);
        replace(
          exampleFile.helmRelease,
          '    clustermesh:\n',
          '    clustermesh:\n      maxConnectedClusters: 511\n',
        )(files);
      }),
    ).toEqual([]);
    expect(
      failures(
        replace(exampleFile.helmRelease, /\n\s+id: \$\{CLUSTER_ID\}/, ''),
      ),
    ).toEqual([
      "apps: cluster.id is not set: the chart's default, 0, is for a cluster outside any mesh",
      "infra: cluster.id is not set: the chart's default, 0, is for a cluster outside any mesh",
    ]);
  });

  it('cannot tell when an ID still holds a variable, and does not pass it', () => {
    const checks = exampleChecks(idOf('apps', '2', 'CLUSTER_ID: "${APPS_ID}"'));
    expect(checks.find(c => c.ruleId === 'cluster-id-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the cluster.id of apps still holds a variable (substitution-complete says which): whether all cluster IDs differ cannot be told',
    });
  });

  it('cannot tell when an ID comes from a secret', () => {
    const checks = exampleChecks(files => {
      idOf('apps', '2', 'CLUSTER_ID: "${APPS_ID}"')(files);
      replace(
        'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
        '  SECRET_DOMAIN:',
        '  APPS_ID: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:',
      )(files);
    });
    expect(checks.find(c => c.ruleId === 'cluster-id-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the cluster.id of apps comes from APPS_ID, not known here: whether all cluster IDs differ cannot be told',
    });
  });

  it('cannot tell for a member whose Cilium values are not found (Cilium installed outside Flux), and does not fail it', () => {
    const checks = exampleChecks(undefined, {
      cilium: { helmRelease: { name: 'cilium-elsewhere' } },
      mesh: { include: ['apps', 'infra'] },
    });
    expect(checks.filter(c => c.ruleId === 'cluster-id-unique')).toMatchObject([
      {
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /^the Cilium values of apps, infra are not read here \(.*cilium-elsewhere.*\): whether all cluster IDs differ cannot be told$/,
        ),
      },
    ]);
  });
});

describe('cluster-id-unique where a bootstrap helmfile installs the values', () => {
  it('advises the number itself in values a bootstrap helmfile installs as they are', () => {
    const release = 'clusters/b/apps/cilium/helmrelease.yaml';
    const tree = fixtureTree('configure-own-folder-entry/repo', files => {
      files[release] = files[release].replace('id: ${CLUSTER_ID}', 'id: 0');
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(release);
    });
    const check = validateMesh(
      tree,
      resolveConventions({}, detectConventions(tree)),
    )
      .clusters.find(c => c.name === 'b')!
      .checks.find(
        k => k.ruleId === 'cluster-id-unique' && k.outcome === 'fail',
      )!;
    expect(check.message).toBe('cluster.id 0 is not within 1..255');
    expect(check.remediation).toBe(
      `Give each cluster its own \`cluster.id\` in its Cilium values, the number itself: bootstrap/helmfile.yaml reads ${release} to install a new cluster, where Flux does not substitute.`,
    );
  });
});
