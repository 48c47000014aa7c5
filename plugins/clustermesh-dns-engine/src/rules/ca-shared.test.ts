import {
  describeRule,
  exampleChecks,
  exampleFile,
  Files,
  replace,
} from '../__testUtils__/rules';
import { caShared } from './ca-shared';

const clustermesh = 'kubernetes/infrastructure/networking/cilium/clustermesh';

/** The example's shared values with `tls.ca.cert` from each cluster's settings. */
function caFromSettings(apps: string, infra: string) {
  return (files: Files) => {
    replace(
      exampleFile.helmRelease,
      '    kubeProxyReplacement: true\n',
      '    kubeProxyReplacement: true\n    tls:\n      ca:\n        cert: ${CILIUM_CA_CERT}\n        key: ${CILIUM_CA_KEY}\n',
    )(files);
    for (const [cluster, cert] of [
      ['apps', apps],
      ['infra', infra],
    ])
      files[
        exampleFile.settings(cluster)
      ] += `  CILIUM_CA_CERT: "${cert}"\n  CILIUM_CA_KEY: "a2V5"\n`;
  };
}

/** The example without the ExternalSecret that makes cilium-ca. */
const withoutCaSecret = replace(
  `${clustermesh}/kustomization.yaml`,
  '  - externalsecret.yaml\n',
  '',
);

/** A cilium-ca Secret applied by the cluster's own folder, its data as written. */
function caSecretOf(cluster: string, data: string) {
  return (files: Files) => {
    files[`kubernetes/clusters/${cluster}/cilium-ca.sops.yaml`] = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: cilium-ca',
      '  namespace: kube-system',
      'data:',
      `  ca.crt: ${data}`,
      'sops:',
      '  version: 3.9.0',
      '',
    ].join('\n');
    files[`kubernetes/clusters/${cluster}/kustomization.yaml`] +=
      '  - cilium-ca.sops.yaml\n';
  };
}

/** The example's chart not listing the peers (clustermesh.config.enabled false). */
const peersNotListed = replace(
  exampleFile.helmRelease,
  '      config:\n        enabled: true\n',
  '      config:\n        enabled: false\n',
);

const caChecks = (edit?: (f: Files) => void) =>
  exampleChecks(edit)
    .filter(c => c.ruleId === 'ca-shared')
    .map(c => [c.cluster, c.outcome, c.severity, c.message]);

describe('ca-shared', () => {
  describeRule(caShared, {
    edit: caFromSettings('Y2EtYXBwcw==', 'Y2EtaW5mcmE='),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.helmRelease}:25`,
      message: /its tls\.ca\.cert differs from infra's tls\.ca\.cert/,
    },
  });

  it("passes where every cluster applies one cilium-ca Secret, made from one ExternalSecret (the example's)", () => {
    expect(caChecks()).toEqual([
      [
        'apps',
        'pass',
        'info',
        "its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as infra's does",
      ],
      [
        'infra',
        'pass',
        'info',
        "its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as apps's does",
      ],
    ]);
  });

  it('passes on one tls.ca.cert in every cluster, and fails on two', () => {
    expect(caChecks(caFromSettings('Y2E=', 'Y2E='))).toEqual([
      [
        'apps',
        'pass',
        'info',
        "its ClusterMesh CA comes from the same tls.ca.cert, as infra's does",
      ],
      [
        'infra',
        'pass',
        'info',
        "its ClusterMesh CA comes from the same tls.ca.cert, as apps's does",
      ],
    ]);
    expect(caChecks(caFromSettings('Y2EtYXBwcw==', 'Y2EtaW5mcmE='))).toEqual([
      [
        'apps',
        'fail',
        'error',
        "its ClusterMesh CA is not its peers': its tls.ca.cert differs from infra's tls.ca.cert: each refuses the other's certificates",
      ],
      [
        'infra',
        'fail',
        'error',
        "its ClusterMesh CA is not its peers': its tls.ca.cert differs from apps's tls.ca.cert: each refuses the other's certificates",
      ],
    ]);
  });

  it('warns where no CA is given, as each chart then makes its own (a cilium-ca copied by hand aside)', () => {
    const checks = exampleChecks(withoutCaSecret).filter(
      c => c.ruleId === 'ca-shared',
    );
    expect(
      checks.map(c => [c.cluster, c.outcome, c.severity, c.message]),
    ).toEqual([
      [
        'apps',
        'fail',
        'warning',
        "its chart makes its own CA (no tls.ca.cert in its values, no cilium-ca Secret applied), so apps, infra refuse each other's certificates, unless a cilium-ca Secret of one CA is put in each cluster outside what Flux applies (by hand, by a bootstrap script)",
      ],
      [
        'infra',
        'fail',
        'warning',
        "its chart makes its own CA (no tls.ca.cert in its values, no cilium-ca Secret applied), so infra, apps refuse each other's certificates, unless a cilium-ca Secret of one CA is put in each cluster outside what Flux applies (by hand, by a bootstrap script)",
      ],
    ]);
    expect(checks[0].remediation).toMatch(
      /^Give every cluster of the mesh one CA/,
    );
  });

  it('names the peer whose chart makes its own CA, where the cluster has a Secret of its own', () => {
    const checks = caChecks(files => {
      withoutCaSecret(files);
      // infra alone applies a SOPS-encrypted cilium-ca
      caSecretOf('infra', 'ENC[AES256_GCM,data:abc,type:str]')(files);
    });
    expect(checks.find(c => c[0] === 'infra')).toEqual([
      'infra',
      'fail',
      'warning',
      "apps's chart makes its own CA (no tls.ca.cert in its values, no cilium-ca Secret applied), so infra, apps refuse each other's certificates, unless a cilium-ca Secret of one CA is put in each cluster outside what Flux applies (by hand, by a bootstrap script)",
    ]);
  });

  it('does not evaluate a CA it cannot compare: secrets written differently, cert-manager, a trust bundle, a mesh entry naming the peer CA', () => {
    const secretPer = (text: (c: string) => string) => (files: Files) => {
      withoutCaSecret(files);
      for (const c of ['apps', 'infra']) caSecretOf(c, text(c))(files);
    };
    // SOPS ciphertext differs per file even for one CA: not compared
    expect(
      caChecks(secretPer(c => `ENC[AES256_GCM,data:${c},type:str]`))[0],
    ).toEqual([
      'apps',
      'not-evaluated',
      'info',
      "whether it shares its ClusterMesh CA is not known: Secret kube-system/cilium-ca and infra's Secret kube-system/cilium-ca are written differently, and what a secret holds is not read",
    ]);
    // one text in both: one CA
    expect(caChecks(secretPer(() => 'Y2E='))[0]).toEqual([
      'apps',
      'pass',
      'info',
      "its ClusterMesh CA comes from the same Secret kube-system/cilium-ca, as infra's does",
    ]);
    const inValues = (text: string) =>
      replace(
        exampleFile.helmRelease,
        '    kubeProxyReplacement: true\n',
        `    kubeProxyReplacement: true\n${text}`,
      );
    expect(
      caChecks(
        replace(
          exampleFile.helmRelease,
          '        tls:\n',
          '        tls:\n          auto:\n            method: certmanager\n            certManagerIssuerRef: {kind: ClusterIssuer, name: mesh-ca}\n',
        ),
      )[0],
    ).toEqual([
      'apps',
      'not-evaluated',
      'info',
      'whether it shares its ClusterMesh CA is not known: its certificates are issued by cert-manager (ClusterIssuer mesh-ca), whose CA is not read',
    ]);
    expect(
      caChecks(files => {
        withoutCaSecret(files);
        inValues('    tls:\n      caBundle:\n        enabled: true\n')(files);
      })[0],
    ).toEqual([
      'apps',
      'not-evaluated',
      'info',
      'whether it shares its ClusterMesh CA is not known: its chart makes its own CA, but tls.caBundle.enabled makes it trust the CAs of a bundle not read here',
    ]);
    expect(
      caChecks(files => {
        withoutCaSecret(files);
        replace(
          exampleFile.helmRelease,
          '          - name: infra\n            address: ${CILIUM_CLUSTERMESH_INFRA_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n',
          '          - name: infra\n            address: ${CILIUM_CLUSTERMESH_INFRA_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n            tls:\n              caCert: Y2E=\n',
        )(files);
      })[0],
    ).toEqual([
      'apps',
      'not-evaluated',
      'info',
      "whether it shares its ClusterMesh CA is not known: its mesh entry for infra gives that peer's CA (tls.caCert), which is not compared here",
    ]);
  });

  it('does not pass while values not read (a SOPS Secret) may set tls.ca, unless they are read into other paths only', () => {
    const secretValues = (valuesFrom: string) => (files: Files) => {
      replace(
        exampleFile.helmRelease,
        '  values:\n',
        `${valuesFrom}  values:\n`,
      )(files);
      const core = 'kubernetes/infrastructure/networking/cilium/core';
      files[`${core}/kustomization.yaml`] += '  - secret.yaml\n';
      files[`${core}/secret.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-values\n  namespace: kube-system\nstringData:\n  values.yaml: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:AAAA,type:str]\n  version: 3.9.0\n';
    };
    const whole = caChecks(
      secretValues(
        '  valuesFrom:\n    - kind: Secret\n      name: cilium-values\n',
      ),
    );
    expect(whole.map(c => c.slice(0, 2))).toEqual([
      ['apps', 'not-evaluated'],
      ['infra', 'not-evaluated'],
    ]);
    expect(whole[0][3]).toMatch(
      /^whether it shares its ClusterMesh CA is not known: its values from .*cilium-values.* are not read and may set tls\.ca$/,
    );
    const elsewhere = caChecks(
      secretValues(
        '  valuesFrom:\n    - kind: Secret\n      name: cilium-values\n      valuesKey: token\n      targetPath: hubble.relay.token\n',
      ),
    );
    expect(elsewhere.map(c => c.slice(0, 2))).toEqual([
      ['apps', 'pass'],
      ['infra', 'pass'],
    ]);
  });

  it("does not evaluate a cluster whose chart does not list its peers: the Secret that does carries each peer's CA (monosense-io's ExternalSecret of the connected mesh)", () => {
    const checks = caChecks(files => {
      withoutCaSecret(files);
      peersNotListed(files);
      files[`${clustermesh}/kustomization.yaml`] += '  - mesh-secret.yaml\n';
      files[`${clustermesh}/mesh-secret.yaml`] = [
        'apiVersion: external-secrets.io/v1',
        'kind: ExternalSecret',
        'metadata:',
        '  name: cilium-clustermesh',
        '  namespace: kube-system',
        'spec:',
        '  secretStoreRef: {kind: ClusterSecretStore, name: onepassword}',
        '  target: {name: cilium-clustermesh}',
        '  dataFrom:',
        '    - extract: {key: "kubernetes/${CLUSTER_NAME}/cilium-clustermesh"}',
        '',
      ].join('\n');
    });
    expect(checks).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'not-evaluated',
        'info',
        "whether it shares its ClusterMesh CA is not known: Secret kube-system/cilium-clustermesh, which ExternalSecret kube-system/cilium-clustermesh makes, may carry each peer's CA, which is not read",
      ]),
    );
  });

  it("does not evaluate a cluster whose chart lists no peers and whose repository makes no Secret of them: `cilium clustermesh connect` writes it with each peer's CA", () => {
    expect(
      caChecks(files => {
        withoutCaSecret(files);
        peersNotListed(files);
      })[0],
    ).toEqual([
      'apps',
      'not-evaluated',
      'info',
      "whether it shares its ClusterMesh CA is not known: its chart does not list its peers (clustermesh.config.enabled is not true): Secret kube-system/cilium-clustermesh, made outside the repository (as `cilium clustermesh connect` makes it), carries each peer's CA, which is not read",
    ]);
  });
});
