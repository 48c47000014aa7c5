import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { manifestShape } from './manifest-shape';
import { exampleTree, knownDomain } from '../__testUtils__/trees';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';

describe('manifest-shape', () => {
  describeRule(manifestShape, {
    edit: replace(
      exampleFile.dnsEndpoint,
      'recordTTL: 300',
      'recordTTL: "300"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:12`,
      message:
        /DNSEndpoint kube-system\/clustermesh-apiserver: spec.endpoints.0.recordTTL must be number, not string/,
    },
  });
});

describe('manifest-shape on null fields', () => {
  it('takes a field with no value as absent, as the API server prunes it', () => {
    const failures = exampleChecks(files => {
      const file = 'kubernetes/clusters/infra/infrastructure.yaml';
      files[
        file
      ] = `${files[file]}---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: extra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./kubernetes/clusters/infra/vars\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n`;
    }).filter(r => r.ruleId === 'manifest-shape' && r.outcome === 'fail');
    expect(failures).toEqual([]);
  });

  it('checks the fields of a HelmRelease it reads, not the values it passes to the chart', () => {
    const shapeFailures = (edit: Parameters<typeof exampleChecks>[0]) =>
      exampleChecks(edit)
        .filter(r => r.ruleId === 'manifest-shape' && r.outcome === 'fail')
        .map(f => f.message)
        // each cluster renders the shared HelmRelease: one message per cause
        .filter((m, i, all) => all.indexOf(m) === i);
    // nulls inside the values are the chart's business; a null field is absent
    expect(
      shapeFailures(
        replace(
          exampleFile.helmRelease,
          '    kubeProxyReplacement: true\n',
          '    kubeProxyReplacement: true\n    hubble: null\n    extra:\n      - null\n  valuesFrom:\n',
        ),
      ),
    ).toEqual([]);
    // the fields around them are still checked
    expect(
      shapeFailures(
        replace(exampleFile.helmRelease, 'interval: 30m', 'interval: soon'),
      ),
    ).toEqual([
      expect.stringMatching(
        /HelmRelease kube-system\/cilium: spec.interval must be a Go duration/,
      ),
    ]);
    // a field the CRD does not declare under chart (valuesFrom one level
    // too deep): Flux's server-side apply refuses it
    expect(
      shapeFailures(
        replace(
          exampleFile.helmRelease,
          '        namespace: flux-system\n  values:\n',
          '        namespace: flux-system\n    valuesFrom:\n      - {kind: ConfigMap, name: cilium-values}\n  values:\n',
        ),
      ),
    ).toEqual([
      "HelmRelease kube-system/cilium: spec.chart.valuesFrom is not a field the CRD declares there: Flux's server-side apply fails the Kustomization (field not declared in schema)",
    ]);
    expect(
      shapeFailures(
        replace(
          exampleFile.helmRelease,
          '\n  values:\n',
          '\n  releaseName: []\n  values:\n',
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /HelmRelease kube-system\/cilium: spec.releaseName must be string, not a list/,
      ),
    ]);
  });

  it('says what a wrong value is, in the schema’s words', () => {
    const failures = exampleChecks(
      replace(exampleFile.dnsEndpoint, /targets:\n {8}- .*\n/, 'targets: {}\n'),
    ).filter(r => r.ruleId === 'manifest-shape' && r.outcome === 'fail');
    expect(failures.map(f => f.message)).toContain(
      'DNSEndpoint kube-system/clustermesh-apiserver: spec.endpoints.0.targets must be a list, not a map',
    );
  });
});

describe('manifest-shape on SOPS-encrypted manifests', () => {
  it('does not check the ciphertext of a manifest Flux decrypts', () => {
    const checks = exampleChecks(files => {
      const pool = exampleFile.pool('infra');
      files[pool] = `${files[pool].replace(
        'stop: 10.25.11.119',
        'stop: ENC[AES256_GCM,data:Qm9z,iv:c,tag:d,type:str]',
      )}  serviceSelector: ENC[AES256_GCM,data:eA==,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:x,type:str]\n  version: 3.9.0\n`;
    }).filter(c => c.ruleId === 'manifest-shape' && c.cluster === 'infra');
    expect(checks.map(c => `${c.outcome}: ${c.message}`)).toEqual([
      'not-evaluated: CiliumLoadBalancerIPPool lb-ippool-infra is encrypted with SOPS: Flux decrypts it, its fields are not known here',
    ]);
  });

  it("checks a HelmRelease whose only ciphertext is in its values (an encrypted_regex): an app's password leaves the rest known", () => {
    const release = (values: string, shape = '  interval: 1h') =>
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: onedev, namespace: onedev}',
        'spec:',
        shape,
        '  chart: {spec: {chart: onedev, sourceRef: {kind: HelmRepository, name: onedev}}}',
        '  values:',
        values,
        'sops:',
        '  mac: ENC[AES256_GCM,data:x,type:str]',
        '  version: 3.9.0',
        '',
      ].join('\n');
    const checksWith = (text: string) =>
      exampleChecks(files => {
        files['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - onedev.yaml\n';
        files['kubernetes/clusters/infra/onedev.yaml'] = text;
      })
        .filter(c => c.ruleId === 'manifest-shape' && c.cluster === 'infra')
        .map(c => `${c.outcome}: ${c.message}`);
    const password =
      '    database:\n      password: ENC[AES256_GCM,data:cGFzcw==,type:str]';
    expect(checksWith(release(password))).toEqual([
      expect.stringMatching(/^pass: /),
    ]);
    // the rest is checked: a wrong field is still said
    expect(checksWith(release(password, '  interval: [1h]'))).toEqual([
      'fail: HelmRelease onedev/onedev: spec.interval must be string, not a list',
    ]);
    // ciphertext where the CRD defines the field: not known here
    expect(
      checksWith(
        release(password, '  interval: ENC[AES256_GCM,data:MWg=,type:str]'),
      ),
    ).toEqual([
      'not-evaluated: HelmRelease onedev/onedev is encrypted with SOPS: Flux decrypts it, its fields are not known here',
    ]);
  });
});

describe('manifest-shape on API versions an older Flux serves', () => {
  // DRAGandDROP's podinfo: a v1beta1 Kustomization, with a commonMetadata
  // v1beta1 does not have, in a repository pinned to Flux v2.2.3
  const withV1beta1 = (files: Record<string, string>) => {
    const file = 'kubernetes/clusters/infra/infrastructure.yaml';
    files[file] +=
      '---\napiVersion: kustomize.toolkit.fluxcd.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./kubernetes/clusters/infra/vars\n  prune: true\n  commonMetadata:\n    labels: {app: podinfo}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n';
  };
  const shapeFailures = (
    conventions?: Parameters<typeof exampleChecks>[1],
    edit: (files: Record<string, string>) => void = () => {},
  ) =>
    exampleChecks(files => {
      withV1beta1(files);
      edit(files);
    }, conventions)
      .filter(r => r.ruleId === 'manifest-shape' && r.outcome === 'fail')
      .map(f => f.message);

  it('takes kustomize.toolkit.fluxcd.io/v1beta1 as served where the repository deploys a Flux before 2.7', () => {
    expect(shapeFailures({ flux: { version: '2.2' } })).toEqual([]);
    // found in the repository (flux bootstrap's gotk-components.yaml)
    const tree = exampleTree('gitops-repo', files => {
      withV1beta1(files);
      const dir = 'kubernetes/clusters/infra/flux-system';
      files[`${dir}/gotk-components.yaml`] =
        '# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.2.3\n# Components: source-controller,kustomize-controller\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
      files[`${dir}/kustomization.yaml`] += '  - gotk-components.yaml\n';
    });
    const detected = resolveConventions(knownDomain, detectConventions(tree));
    expect(detected.flux.version).toBe('2.2');
    expect(
      validateMesh(tree, detected)
        .clusters.flatMap(c => c.checks)
        .filter(r => r.ruleId === 'manifest-shape' && r.outcome === 'fail'),
    ).toEqual([]);
  });

  it('says Flux 2.7 removed it, where the repository deploys a later Flux or no version is found', () => {
    for (const [conventions, said] of [
      [{ flux: { version: '2.7' } }, 'the repository deploys Flux 2.7'],
      [undefined, 'no older Flux version is found in the repository'],
    ] as const)
      expect(shapeFailures(conventions)).toEqual([
        `Kustomization flux-system/podinfo: kustomize.toolkit.fluxcd.io/v1beta1 is not a served version (kustomize.toolkit.fluxcd.io/v1, kustomize.toolkit.fluxcd.io/v1beta2): Flux 2.7 removed it, and ${said}`,
      ]);
  });
});
