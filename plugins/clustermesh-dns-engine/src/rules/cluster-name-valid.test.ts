import {
  bootstrapHelmfile,
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { clusterNameValid } from './cluster-name-valid';
import { resolveConventions } from '../conventions/resolve';

const nameOf = (cluster: string, to: string) =>
  replace(
    exampleFile.settings(cluster),
    `CLUSTER_NAME: "${cluster}"`,
    `CLUSTER_NAME: "${to}"`,
  );

const failures = (edit: Parameters<typeof exampleChecks>[0]) =>
  exampleChecks(edit)
    .filter(c => c.ruleId === 'cluster-name-valid' && c.outcome === 'fail')
    .map(c => `${c.cluster}: ${c.message} (${c.location?.line})`);

describe('cluster-name-valid', () => {
  describeRule(clusterNameValid, {
    edit: nameOf('infra', 'Infra_1'),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.helmRelease}:20`,
      message: /cluster name "Infra_1" has the character "I"/,
    },
  });

  it('keeps a missing cluster.name an error beside a builtin annotation transformer, which sets only metadata, but not beside one that may set more', () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const withTransformer = (transformer: string) =>
      exampleChecks(files => {
        replace(
          exampleFile.helmRelease,
          '      name: ${CLUSTER_NAME}\n',
          '',
        )(files);
        files[`${core}/transformer.yaml`] = transformer;
        files[`${core}/kustomization.yaml`] +=
          'transformers:\n  - transformer.yaml\n';
      }).find(c => c.ruleId === 'cluster-name-valid' && c.cluster === 'infra')!
        .outcome;
    // as kubectl kustomize builds it: only the annotations change
    expect(
      withTransformer(
        'apiVersion: builtin\nkind: AnnotationsTransformer\nmetadata:\n  name: prune\nannotations:\n  kustomize.toolkit.fluxcd.io/prune: disabled\nfieldSpecs:\n  - path: metadata/annotations\n    create: true\n',
      ),
    ).toBe('fail');
    // kustomize's label transformer, given metadata field specs only (a
    // Namespace's labels), as kubectl kustomize builds it
    expect(
      withTransformer(
        'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: team\nlabels:\n  team: net\nfieldSpecs:\n  - path: metadata/labels\n    kind: Namespace\n    create: true\n',
      ),
    ).toBe('fail');
    // without field specs it sets nothing, as kubectl kustomize builds it;
    // a kind that is no builtin (LabelsTransformer) is not evaluated; a
    // plugin may set anything
    expect(
      withTransformer(
        'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: team\nlabels:\n  team: net\n',
      ),
    ).toBe('fail');
    expect(
      withTransformer(
        'apiVersion: builtin\nkind: LabelsTransformer\nmetadata:\n  name: team\nlabels:\n  team: net\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n',
      ),
    ).toBe('not-evaluated');
    expect(
      withTransformer(
        'apiVersion: example.com/v1\nkind: ValuesInjector\nmetadata:\n  name: inject\n',
      ),
    ).toBe('not-evaluated');
  });

  it('warns where a bootstrap helmfile installs the values with cluster.name as a variable, which reaches that install as written', () => {
    // lenaxia's copy: the name made a per-cluster variable for a second
    // cluster, in values the bootstrap helmfile reads as they are
    const warning = exampleChecks(files => {
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(
        exampleFile.helmRelease,
      );
    }).find(
      c =>
        c.ruleId === 'cluster-name-valid' &&
        c.cluster === 'infra' &&
        c.severity === 'warning',
    );
    expect(warning).toMatchObject({
      outcome: 'fail',
      message:
        'bootstrap/helmfile.yaml installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: `name: ${CLUSTER_NAME}` reaches that first install as written, and Cilium refuses a cluster.name that is no valid name',
      location: { file: exampleFile.helmRelease, line: 20 },
    });
    expect(warning?.remediation).toMatch(
      /^Have the bootstrap give the release the cluster's name/,
    );
    // JefeDavis: the helmfile sets cluster.name itself, which wins over
    // the values it reads: no warning
    const set = exampleChecks(files => {
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(
        exampleFile.helmRelease,
        [
          '    set:',
          '      - name: cluster.name',
          '        value: {{ requiredEnv "CLUSTER" }}',
        ],
      );
    }).filter(
      c =>
        c.ruleId === 'cluster-name-valid' &&
        c.cluster === 'infra' &&
        c.severity === 'warning',
    );
    expect(set).toEqual([]);
  });

  it('does not pass on Cilium values it does not read: the folder name says nothing of cluster.name', () => {
    // Cilium installed outside Flux (Terraform), the clusters named in the mesh
    const checks = exampleChecks(
      files => {
        delete files[exampleFile.helmRelease];
      },
      { mesh: { include: ['apps', 'infra'] } },
    ).filter(c => c.ruleId === 'cluster-name-valid');
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['apps', 'not-evaluated'],
      ['infra', 'not-evaluated'],
    ]);
    expect(checks[0].message).toMatch(
      /^the Cilium values are not read here \(.+\): its cluster.name is not known \(the folder name "apps" is valid\)$/,
    );
  });

  it("fails a mesh cluster without cluster.name: the chart's default is refused beside a cluster.id", () => {
    expect(
      failures(
        replace(exampleFile.helmRelease, /\n\s+name: \$\{CLUSTER_NAME\}/, ''),
      ),
    ).toEqual([
      'apps: cluster.name is not set in the Cilium values: the chart names the cluster "default", which Cilium refuses for a cluster of a mesh (19)',
      'infra: cluster.name is not set in the Cilium values: the chart names the cluster "default", which Cilium refuses for a cluster of a mesh (19)',
    ]);
  });

  it("has the name and ID written in the values themselves where no Kustomization substitutes them, else by a setting substituted (Derlinn's, MrDynamo's)", () => {
    const remedies = (unsubstituted: boolean) =>
      exampleChecks(files => {
        replace(
          exampleFile.helmRelease,
          /\n\s+name: \$\{CLUSTER_NAME\}\n\s+id: \$\{CLUSTER_ID\}/,
          '',
        )(files);
        if (unsubstituted)
          for (const c of ['infra', 'apps']) {
            const ks = `kubernetes/clusters/${c}/infrastructure.yaml`;
            files[ks] = files[ks].replace(
              /\n {2}postBuild:\n(?: {4,}.*\n)+/,
              '\n',
            );
          }
      })
        .filter(
          c =>
            c.cluster === 'infra' &&
            (c.ruleId === 'cluster-name-valid' ||
              c.ruleId === 'cluster-id-unique') &&
            c.outcome === 'fail',
        )
        .map(c => c.remediation);
    expect(remedies(false)).toEqual([
      'Give each cluster a valid name of its own in `cluster.name` of its Cilium values (a `CLUSTER_NAME` setting per cluster, substituted into `cluster.name: ${CLUSTER_NAME}`).',
      'Give each cluster its own `cluster.id` in its Cilium values (a `CLUSTER_ID` setting per cluster, substituted into `cluster.id: ${CLUSTER_ID}`).',
    ]);
    expect(remedies(true)).toEqual([
      `Give each cluster a valid name of its own in \`cluster.name\` of its Cilium values, the name itself: Kustomization flux-system/cluster-infra-infrastructure, which applies ${exampleFile.helmRelease}, does not substitute.`,
      `Give each cluster its own \`cluster.id\` in its Cilium values, the number itself: Kustomization flux-system/cluster-infra-infrastructure, which applies ${exampleFile.helmRelease}, does not substitute.`,
    ]);
  });

  it("has the name written in values one cluster's bootstrap installs as they are, as the ID (J55's copy)", () => {
    const remedy = clusterNameValid.remediation(resolveConventions({}), {
      id: 'notSet',
      location: {
        file: 'kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml',
        line: 12,
      },
      readByBootstrap: () => [
        'bootstrap/helmfile.d/templates/values.yaml.gotmpl',
      ],
      sharedFile: () => false,
    });
    expect(remedy).toBe(
      'Give each cluster a valid name of its own in `cluster.name` of its Cilium values, the name itself: bootstrap/helmfile.d/templates/values.yaml.gotmpl reads kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml to install a new cluster, where Flux does not substitute.',
    );
  });

  it("says where a key of other case holds the name, which the chart does not read (snoopy82481's `Cluster:`)", () => {
    const checks = exampleChecks(
      replace(exampleFile.helmRelease, '\n    cluster:\n', '\n    Cluster:\n'),
    ).filter(
      c =>
        c.cluster === 'apps' &&
        (c.ruleId === 'cluster-name-valid' ||
          c.ruleId === 'cluster-id-unique') &&
        c.outcome === 'fail',
    );
    expect(checks.map(c => c.message)).toEqual([
      `cluster.name is not set in the Cilium values (the values set \`Cluster.name\` at ${exampleFile.helmRelease}:20, which the chart does not read: its keys are case-sensitive): the chart names the cluster "default", which Cilium refuses for a cluster of a mesh`,
      `cluster.id is not set (the values set \`Cluster.id\` at ${exampleFile.helmRelease}:21, which the chart does not read: its keys are case-sensitive): the chart's default, 0, is for a cluster outside any mesh`,
    ]);
  });

  it("does not fail a missing cluster.name where values it cannot read may set it (a valuesFrom ConfigMap's text, not valid YAML: SChimera's copy)", () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const checks = exampleChecks(files => {
      replace(
        exampleFile.helmRelease,
        /\n\s+name: \$\{CLUSTER_NAME\}\n\s+id: \$\{CLUSTER_ID\}/,
        '',
      )(files);
      replace(
        exampleFile.helmRelease,
        '  values:\n',
        '  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values, valuesKey: values.yaml}\n  values:\n',
      )(files);
      files[`${core}/values.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-values, namespace: kube-system}\ndata:\n  values.yaml: |\n    cluster:\n      name: ${CLUSTER_NAME}\n    routingMode: native\n      clustermesh: {}\n';
      replace(
        `${core}/kustomization.yaml`,
        '  - helmrelease.yaml\n',
        '  - helmrelease.yaml\n  - values.yaml\n',
      )(files);
    });
    const of = (rule: string) =>
      checks
        .filter(c => c.ruleId === rule && c.cluster === 'infra')
        .map(c => [c.outcome, c.message]);
    expect(of('cluster-name-valid')).toEqual([
      [
        'not-evaluated',
        expect.stringMatching(
          /^cluster\.name is not set in the Cilium values read here, but values from ConfigMap kube-system\/cilium-values key values\.yaml \(not valid YAML, at kubernetes\/infrastructure\/networking\/cilium\/core\/values\.yaml:\d+\) are not read here and may set it$/,
        ),
      ],
    ]);
    expect(of('cluster-id-unique')).toEqual([
      [
        'not-evaluated',
        expect.stringMatching(
          /^cluster\.id is not set in the Cilium values read here, but values from ConfigMap kube-system\/cilium-values key values\.yaml .* may set it: whether all cluster IDs differ cannot be told$/,
        ),
      ],
    ]);
  });

  it("points at the values file a generator makes the values ConfigMap of, where most values are, not at the few spec.values beside it (mrtbi's copy)", () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const checks = exampleChecks(files => {
      replace(
        exampleFile.helmRelease,
        / {2}values:\n {4}cluster:\n.*\n.*\n {4}kubeProxyReplacement: true\n {4}l2announcements:\n {6}enabled: true\n/,
        '  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n  values:\n',
      )(files);
      files[`${core}/values.yaml`] =
        'kubeProxyReplacement: true\nl2announcements:\n  enabled: true\nroutingMode: native\n';
      files[`${core}/kustomization.yaml`] +=
        'configMapGenerator:\n  - name: cilium-values\n    namespace: kube-system\n    files: [values.yaml]\ngeneratorOptions: {disableNameSuffixHash: true}\n';
    });
    expect(
      checks
        .filter(c => c.ruleId === 'cluster-name-valid' && c.cluster === 'infra')
        .map(c => [c.outcome, c.location]),
    ).toEqual([['fail', { file: `${core}/values.yaml`, line: 1 }]]);
  });

  it('says which variable Flux replaced with nothing where cluster.name is a variable no source defines (not strict)', () => {
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        'name: ${CLUSTER_NAME}',
        'name: ${clusterName}',
      ),
      { flux: { strictSubstitution: false } },
    ).filter(c => c.ruleId === 'cluster-name-valid' && c.cluster === 'infra');
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message:
          'cluster.name is ${clusterName} in the Cilium values, which no source of Kustomization flux-system/cluster-infra-infrastructure defines: Flux (strict only from 2.9) substitutes an empty string, and the chart names the cluster "default", which Cilium refuses for a cluster of a mesh',
        location: { file: exampleFile.helmRelease, line: 20 },
        remediation: expect.stringMatching(
          /^Define the variable `cluster\.name` reads for each cluster/,
        ),
      }),
    ]);
  });

  it("checks Cilium's cluster.name, not the folder's name, which Cilium never sees", () => {
    // the folder is `Infra`, its Cilium values name it `infra`
    const checks = exampleChecks(files => {
      for (const path of Object.keys(files)) {
        const content = files[path]
          .split('clusters/infra')
          .join('clusters/Infra');
        delete files[path];
        files[path.replace('clusters/infra/', 'clusters/Infra/')] = content;
      }
    }).filter(c => c.ruleId === 'cluster-name-valid');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual([
      ['Infra', 'pass', 'cluster name "infra" is valid for Cilium'],
      ['apps', 'pass', 'cluster name "apps" is valid for Cilium'],
    ]);
  });

  it('fails the name "default", and two clusters of one name', () => {
    expect(failures(nameOf('apps', 'default'))).toEqual([
      'apps: cluster.name is "default", the chart\'s default, which Cilium refuses for a cluster of a mesh (20)',
    ]);
    expect(failures(nameOf('apps', 'infra'))).toEqual([
      'apps: cluster.name "infra" is also the cluster.name of infra (20)',
      'infra: cluster.name "infra" is also the cluster.name of apps (20)',
    ]);
  });
});
