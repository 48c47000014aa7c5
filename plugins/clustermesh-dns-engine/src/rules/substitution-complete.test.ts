import {
  childrenSubstitutionPatch,
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
  withoutLbIp as withoutLbIpOf,
  withOutsideSettingsSource,
} from '../__testUtils__/rules';
import { validateMesh } from '../report/report';
import { resolveConventions } from '../conventions/resolve';
import {
  exampleTree,
  knownDomain,
  repositoryConventions,
  valuesFileMeshFiles,
} from '../__testUtils__/trees';
import { createRepoTree } from '../tree/RepoTree';
import { substitutionComplete } from './substitution-complete';

const withoutLbIp = withoutLbIpOf('infra');

describe('substitution-complete', () => {
  describeRule(substitutionComplete, {
    edit: replace(
      exampleFile.dnsEndpoint,
      '      recordTTL: 300\n',
      '      recordTTL: ${CLUSTERMESH_TTL}\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:12`,
      message: /\$\{CLUSTERMESH_TTL\} is not defined and has no default/,
    },
  });

  it("says a plain values file's `${…}` is not Flux's to substitute, and not evaluated where Terraform's templatefile fills it in", () => {
    // m1xxos' shape: Cilium installed by Terraform from a template
    const files = valuesFileMeshFiles(f => {
      f['terraform/cilium/values-east.yaml'] = f[
        'terraform/cilium/values-east.yaml'
      ].replace('  name: east\n', '  name: ${cluster_name}\n');
    });
    const checksOf = (tree: Record<string, string>) =>
      validateMesh(createRepoTree(tree), repositoryConventions(tree))
        .clusters.find(c => c.name === 'east')!
        .checks.filter(c =>
          ['substitution-complete', 'cluster-name-valid'].includes(c.ruleId),
        )
        .map(c => [c.ruleId, c.outcome, c.message, c.remediation]);
    expect(checksOf(files)).toEqual([
      [
        'cluster-name-valid',
        'not-evaluated',
        'cluster.name "${cluster_name}" is left as written in a plain values file, which Flux does not substitute (substitution-complete says so): the name is checked once it is written out',
        undefined,
      ],
      [
        'substitution-complete',
        'fail',
        'cluster.name "${cluster_name}" still holds an unresolved variable: terraform/cilium/values-east.yaml is a plain values file, which Flux does not substitute',
        'Write the values out in the Cilium values file: Flux does not substitute a plain values file, and what installs it from the repository (a bootstrap) takes `${VAR}` as written.',
      ],
    ]);
    files['terraform/cilium.tf'] = [
      'resource "helm_release" "cilium_east" {',
      '  values = [',
      '    templatefile("${path.module}/cilium/values-east.yaml", {',
      '      cluster_name = "east"',
      '    })',
      '  ]',
      '}',
      '',
    ].join('\n');
    expect(checksOf(files)).toEqual([
      [
        'cluster-name-valid',
        'not-evaluated',
        'cluster.name "${cluster_name}" is filled in by Terraform\'s templatefile (terraform/cilium.tf:3) as it installs Cilium, with values not known here',
        undefined,
      ],
      [
        'substitution-complete',
        'not-evaluated',
        'cluster.name "${cluster_name}" is filled in by Terraform\'s templatefile (terraform/cilium.tf:3) as it installs Cilium from terraform/cilium/values-east.yaml, with values not known here',
        undefined,
      ],
    ]);
  });

  it('does not pass values that only a source whose keys are not known here may define: not evaluated, naming them', () => {
    const infra = exampleChecks(f => {
      // infra's LB IP only in a ConfigMap made outside the repository
      withoutLbIp(f);
      withOutsideSettingsSource('infra')(f);
    }).find(c => c.ruleId === 'substitution-complete' && c.cluster === 'infra');
    expect(infra).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /^the values the checks read hold CILIUM_CLUSTERMESH_LB_IP, which only a source whose keys are not known here may define \(ConfigMap flux-system\/bootstrap-settings.*\): where it does not, Flux's strict substitution fails the Kustomization$/,
      ),
    });
    // apps, whose values are all known, passes
    expect(
      exampleChecks(withOutsideSettingsSource('infra')).find(
        c => c.ruleId === 'substitution-complete' && c.cluster === 'apps',
      )?.outcome,
    ).toBe('pass');
  });

  it("does not hold a settings variable no file uses against the substitution (amsc's defaults, only a source of unknown keys may hold them)", () => {
    const infra = exampleChecks(f => {
      withoutLbIp(f);
      withOutsideSettingsSource('infra')(f);
      // no file uses the LB IP variable: no annotation, the record's
      // target written out
      replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '',
      )(f);
      replace(
        exampleFile.dnsEndpoint,
        '${CILIUM_CLUSTERMESH_LB_IP}',
        '10.25.11.100',
      )(f);
    }).find(c => c.ruleId === 'substitution-complete' && c.cluster === 'infra');
    expect(infra).toMatchObject({
      outcome: 'pass',
      message: expect.stringMatching(
        /^every value the checks read is resolved/,
      ),
    });
  });

  it("leaves unchecked, not failed, the values of a generated values text that one undefined variable keeps Flux from substituting (gavinmcfall's helm-values.yaml)", () => {
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    const checks = exampleChecks(
      f => {
        // the clustermesh values in a values file a generator reads
        replace(
          exampleFile.helmRelease,
          '  values:\n',
          '  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n  values:\n',
        )(f);
        f[exampleFile.helmRelease] = f[exampleFile.helmRelease].replace(
          /\n {4}clustermesh:\n[^]*$/,
          '\n',
        );
        f[`${core}/values.yaml`] = [
          'clustermesh:',
          '  useAPIServer: true',
          '  apiserver:',
          '    service:',
          '      type: LoadBalancer',
          '      annotations:',
          '        lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
          '  config:',
          '    enabled: true',
          '    clusters:',
          '      - {name: apps, address: "${CILIUM_CLUSTERMESH_APPS_ADDRESS}", port: 2379}',
          '',
        ].join('\n');
        f[`${core}/kustomization.yaml`] +=
          'configMapGenerator:\n  - name: cilium-values\n    namespace: kube-system\n    files: [values.yaml]\ngeneratorOptions:\n  disableNameSuffixHash: true\n';
      },
      { flux: { strictSubstitution: true } },
    ).filter(c => c.cluster === 'infra');
    const of = (rule: string) =>
      checks.filter(c => c.ruleId === rule).map(c => [c.outcome, c.message]);
    expect(of('substitution-complete')).toEqual([
      [
        'not-evaluated',
        'values the checks read are left unsubstituted because Kustomization flux-system/cluster-infra-infrastructure fails (its error is said once, where it is): Flux applies none of what it builds, so they are checked once that is fixed',
      ],
    ]);
    expect(of('service-annotation')).toEqual([
      [
        'not-evaluated',
        expect.stringMatching(/left unsubstituted because Kustomization/),
      ],
    ]);
  });

  it('takes a value given for a variable a source of unknown keys may define as what the cluster has: its FQDN shown and checked', () => {
    // tholinka's copy: the name written in the files, its domain in a
    // Secret whose keys are not known here
    const report = validateMesh(
      exampleTree('gitops-repo', f => {
        replace(
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
          '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
          '              - clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}\n',
        )(f);
        replace(
          exampleFile.settings('infra'),
          / {2}CILIUM_CLUSTERMESH_FQDN: "[^"]*"\n/,
          '',
        )(f);
        replace(
          'kubernetes/clusters/infra/infrastructure.yaml',
          '        name: cluster-secrets\n',
          '        name: infra-secrets\n',
        )(f);
      }),
      resolveConventions(knownDomain),
    );
    const infra = report.clusters.find(c => c.name === 'infra')!;
    expect(infra.fqdn?.resolved).toBe('clustermesh-infra.example.net');
    expect(infra.checks.find(c => c.ruleId === 'fqdn-valid')?.outcome).toBe(
      'pass',
    );
  });

  it("names each source of unknown keys a value was substituted from: the settings' by the Kustomization applying them, the record's by its own", () => {
    const infra = exampleChecks(
      f => {
        // infra's settings substituted from one Secret made outside the
        // repository, its infrastructure (the record) from another
        replace(
          'kubernetes/clusters/infra/vars.yaml',
          '        name: cluster-secrets\n',
          '        name: vars-secrets\n',
        )(f);
        replace(
          'kubernetes/clusters/infra/infrastructure.yaml',
          '        name: cluster-secrets\n',
          '        name: infra-secrets\n',
        )(f);
      },
      { values: {} },
    ).find(c => c.ruleId === 'substitution-complete' && c.cluster === 'infra');
    expect(infra?.outcome).toBe('not-evaluated');
    expect(infra?.message).toContain('Secret flux-system/vars-secrets');
    expect(infra?.message).toContain('Secret flux-system/infra-secrets');
  });

  it('says an undefined variable once: the values it leaves unresolved are that failure, not a second one', () => {
    const failures = exampleChecks(withoutLbIp).filter(
      c =>
        c.ruleId === 'substitution-complete' &&
        c.cluster === 'infra' &&
        c.outcome === 'fail',
    );
    expect(failures.map(f => f.message)).toEqual([
      expect.stringMatching(
        /^in HelmRelease kube-system\/cilium, applied by Kustomization flux-system\/cluster-infra-infrastructure: \$\{CILIUM_CLUSTERMESH_LB_IP\} is not defined and has no default; Flux's strict substitution fails the Kustomization \(and 1 more place the checks read\)$/,
      ),
    ]);
    // no "stored verbatim" cause: no settings value holds `${...}`
    expect(failures[0].message).not.toMatch(/verbatim/);
  });

  it('names the Kustomization that applies the values without substituting, once, and leaves the name to it', () => {
    const checks = exampleChecks(
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        /\n {2}postBuild:\n(?: {4,}.*\n)+/,
        '\n',
      ),
    ).filter(c => c.cluster === 'infra');
    const failures = checks.filter(
      c => c.ruleId === 'substitution-complete' && c.outcome === 'fail',
    );
    expect(failures.map(f => f.message)).toEqual([
      expect.stringMatching(
        /^an unresolved variable is left in \d+ values: .*; Kustomization flux-system\/cluster-infra-infrastructure, which applies .*, does not substitute \(no spec\.postBuild\), though .*CILIUM_CLUSTERMESH_LB_IP.* are in the cluster's settings$/,
      ),
    ]);
    expect(failures[0].remediation).toMatch(
      /^Add `postBuild\.substituteFrom` \(ConfigMap `cluster-settings`\) to the Flux Kustomization the message names/,
    );
    // `${CLUSTER_NAME}` as written is that cause, not an invalid name too
    expect(
      checks
        .filter(c => c.ruleId === 'cluster-name-valid')
        .map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'not-evaluated',
        'cluster.name "${CLUSTER_NAME}" is left as written, not substituted (substitution-complete says why): the name is checked once Flux substitutes it',
      ],
    ]);
  });

  /**
   * infra's infrastructure Kustomization opted out by its label of the
   * substitution its parent's patch gives the children, its own postBuild
   * replaced by `postBuild`: the failing checks of a rule
   * (substitution-complete's by default).
   */
  const optedOut = (postBuild: string, ruleId = 'substitution-complete') =>
    exampleChecks(files => {
      const ks = 'kubernetes/clusters/infra/infrastructure.yaml';
      files[ks] = files[ks]
        .replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, postBuild)
        .replace(
          '  namespace: flux-system\n',
          '  namespace: flux-system\n  labels:\n    substitution.flux.home.arpa/disabled: "true"\n',
        );
      const sync = 'kubernetes/clusters/infra/flux-system/gotk-sync.yaml';
      files[sync] += childrenSubstitutionPatch(
        [
          { kind: 'ConfigMap', name: 'cluster-settings' },
          { kind: 'Secret', name: 'cluster-secrets' },
        ],
        {
          group: true,
          labelSelector: 'substitution.flux.home.arpa/disabled notin (true)',
        },
      );
    }).filter(
      c => c.cluster === 'infra' && c.ruleId === ruleId && c.outcome === 'fail',
    );

  it("names the label that leaves the Kustomization out of its parent's substitution patch as the cause (jsenecal's opt-out label)", () => {
    const checks = optedOut('\n');
    expect(checks.map(c => c.message)).toEqual([
      expect.stringMatching(
        /^an unresolved variable is left in \d+ values: .*: Kustomization flux-system\/cluster-infra-infrastructure, which applies .*, does not substitute, left out by its label `substitution\.flux\.home\.arpa\/disabled: "true"` of the substitution the patch of Kustomization flux-system\/flux-system gives its children \(labelSelector `substitution\.flux\.home\.arpa\/disabled notin \(true\)`\)$/,
      ),
    ]);
    expect(checks[0].location).toEqual({
      file: 'kubernetes/clusters/infra/infrastructure.yaml',
      line: 8,
    });
    expect(checks[0].remediation).toMatch(/^Take that label out/);
    // the rules failing on the values it leaves as written send the owner
    // to that label, not to substitute from the settings alone (which
    // would miss the parent's Secret: TylerHendrickson's copy)
    const [annotation] = optedOut('\n', 'service-annotation');
    expect(annotation.remediation).toContain(
      'Kustomization flux-system/cluster-infra-infrastructure, which applies kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml, does not substitute: take out its label `substitution.flux.home.arpa/disabled: "true"`, which leaves it out of the substitution the patch of Kustomization flux-system/flux-system gives its children',
    );
    expect(annotation.remediation).not.toContain('substituteFrom');
  });

  it("names the opt-out label as the cause also where the Kustomization keeps a postBuild of its own that brings none of the variables (JefeDavis' copy)", () => {
    const checks = optedOut(
      '\n  postBuild:\n    substitute:\n      APP: infrastructure\n',
    );
    // (strict, Flux fails each value's substitution too: said apart)
    expect(checks.map(c => c.message)).toContainEqual(
      expect.stringMatching(
        /left out by its label `substitution\.flux\.home\.arpa\/disabled: "true"` of the substitution the patch of Kustomization flux-system\/flux-system gives its children/,
      ),
    );
  });

  it("names the label the parent's patch selects by, which the Kustomization lacks, as the cause (Euvaz's opt-in label)", () => {
    const checks = exampleChecks(files => {
      const ks = 'kubernetes/clusters/infra/infrastructure.yaml';
      files[ks] = files[ks].replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, '\n');
      const sync = 'kubernetes/clusters/infra/flux-system/gotk-sync.yaml';
      files[sync] += childrenSubstitutionPatch(
        [{ kind: 'ConfigMap', name: 'cluster-settings' }],
        {
          group: true,
          labelSelector: 'substitution.flux.home.arpa/enabled=true',
        },
      );
    }).filter(
      c =>
        c.cluster === 'infra' &&
        c.ruleId === 'substitution-complete' &&
        c.outcome === 'fail',
    );
    expect(checks.map(c => c.message)).toEqual([
      expect.stringMatching(
        /: Kustomization flux-system\/cluster-infra-infrastructure, which applies .*, does not substitute: the patch of Kustomization flux-system\/flux-system gives the substitution to its children labelled so \(labelSelector `substitution\.flux\.home\.arpa\/enabled=true`\), and it has no label `substitution\.flux\.home\.arpa\/enabled: "true"`$/,
      ),
    ]);
    expect(checks[0].remediation).toMatch(
      /^Give the Kustomization's declaration the label/,
    );
  });

  it('counts a finding that a failed check names as its cause once in the summary', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', withoutLbIp),
      resolveConventions(knownDomain),
    );
    const failed = [
      ...report.clusters.flatMap(c => c.checks),
      ...report.meshChecks,
    ].filter(c => c.outcome === 'fail' && c.severity === 'error');
    const cited = new Set(failed.map(c => c.cause));
    const cause = report.findings.find(
      f => f.code === 'substitution-failed' && cited.has(f.id),
    );
    expect(cause).toBeDefined();
    expect(report.summary.errors).toBe(
      failed.length +
        report.findings.filter(f => f.severity === 'error' && !cited.has(f.id))
          .length,
    );
  });
});
