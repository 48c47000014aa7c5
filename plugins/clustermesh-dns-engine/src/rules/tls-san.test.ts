import {
  describeRule,
  exampleChecks,
  exampleFile,
  Files,
  replace,
  withSecretKey,
} from '../__testUtils__/rules';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { exampleTree } from '../__testUtils__/trees';
import { tlsSan } from './tls-san';

/** The example without the FQDN in the certificate. */
const withoutSan = replace(
  exampleFile.helmRelease,
  '            extraDnsNames:\n              - ${CILIUM_CLUSTERMESH_FQDN}\n',
  '',
);

describe('tls-san', () => {
  describeRule(tlsSan, {
    edit: replace(
      exampleFile.helmRelease,
      '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
      '              - clustermesh.example.org\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.helmRelease}:36`,
      message:
        /extraDnsNames \["clustermesh.example.org"\]; it must contain "clustermesh-apps.example.net"/,
    },
  });

  it("warns of another cluster's FQDN beside the cluster's own in its certificate (kept from a copied folder)", () => {
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
        '              - ${CILIUM_CLUSTERMESH_FQDN}\n              - clustermesh-infra.${SECRET_DOMAIN}\n',
      ),
    ).filter(c => c.ruleId === 'tls-san');
    expect(
      checks.map(c => [c.cluster, c.outcome, c.severity, c.message]),
    ).toEqual([
      [
        'apps',
        'pass',
        'info',
        'the server certificate names clustermesh-apps.example.net',
      ],
      [
        'apps',
        'fail',
        'warning',
        'the server certificate also names "clustermesh-infra.example.net" (infra\'s), the FQDN of another cluster of the mesh: a name kept from the folder this one was copied from?',
      ],
      [
        'infra',
        'pass',
        'info',
        'the server certificate names clustermesh-infra.example.net',
      ],
    ]);
  });

  it("warns of another cluster's FQDN in the certificate where the cluster's own is not set (NNMavy's copied lab)", () => {
    const checks = exampleChecks(files => {
      // apps' own FQDN not set yet: the name it falls back to is infra's
      replace(
        exampleFile.helmRelease,
        '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
        '              - ${CILIUM_CLUSTERMESH_FQDN:=clustermesh-infra.${SECRET_DOMAIN}}\n',
      )(files);
      replace(
        exampleFile.settings('apps'),
        /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
        '',
      )(files);
      // nor do the peers reach it yet: no entry names it
      replace(
        exampleFile.helmRelease,
        /\n {10}- name: apps\n.*\n.*port: 2379/,
        '',
      )(files);
    }).filter(c => c.ruleId === 'tls-san' && c.cluster === 'apps');
    expect(checks.map(c => [c.outcome, c.severity, c.message])).toEqual([
      [
        'fail',
        'warning',
        'the server certificate names "clustermesh-infra.example.net" (infra\'s), the FQDN of another cluster of the mesh, and CILIUM_CLUSTERMESH_FQDN is not set: a name kept from the folder this one was copied from?',
      ],
    ]);
    expect(checks[0].remediation).toMatch(
      /^Put this cluster's own FQDN in `clustermesh\.apiserver\.tls\.server\.extraDnsNames` in place of the other cluster's/,
    );
  });

  it("names the copy, not the cluster it was copied from, where both clusters' settings hold one FQDN (TrentScholl's edge before configure)", () => {
    // infra's settings copied from apps' and not changed yet (the copy
    // sorts after the original, as edge after dr): infra holds apps' FQDN,
    // and apps' certificate names it, rightly
    const checks = exampleChecks(
      replace(
        exampleFile.settings('infra'),
        /CILIUM_CLUSTERMESH_FQDN: .*/,
        'CILIUM_CLUSTERMESH_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
      ),
    ).filter(c => c.ruleId === 'tls-san');
    expect(
      checks.filter(c => c.cluster === 'apps').map(c => c.outcome),
    ).toEqual(['pass']);
    // the copy's certificate names the FQDN its settings hold, which is
    // apps': the settings are the cause (fqdn-unique), not the shared
    // values' `${CILIUM_CLUSTERMESH_FQDN}` (corruptmane's lab3)
    expect(
      checks.filter(c => c.cluster === 'infra').map(c => c.outcome),
    ).toEqual(['pass']);
  });

  it("leaves a name Flux does not substitute to substitution-complete, the one cause, not a second error (Euvaz's copy without the label its parent's patch selects)", () => {
    const checks = exampleChecks(
      replace(
        'kubernetes/clusters/apps/infrastructure.yaml',
        /\n {2}postBuild:\n(?: {4}.*\n)+/,
        '\n',
      ),
    ).filter(c => c.cluster === 'apps');
    expect(checks.find(c => c.ruleId === 'tls-san')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'clustermesh.apiserver.tls.server.extraDnsNames holds "${CILIUM_CLUSTERMESH_FQDN}" as written, which Flux does not substitute there (substitution-complete reports why): whether the certificate names "clustermesh-apps.example.net" once it does is not told',
    });
    expect(
      checks.find(c => c.ruleId === 'substitution-complete')?.outcome,
    ).toBe('fail');
  });

  it("passes an FQDN under mesh.cilium.io without extraDnsNames: the chart's certificate names *.mesh.cilium.io", () => {
    const checks = exampleChecks(files => {
      withoutSan(files);
      for (const c of ['infra', 'apps'])
        replace(
          exampleFile.settings(c),
          `CILIUM_CLUSTERMESH_FQDN: "clustermesh-${c}.\${SECRET_DOMAIN}"`,
          `CILIUM_CLUSTERMESH_FQDN: "${c}.mesh.cilium.io"`,
        )(files);
    }).filter(c => c.ruleId === 'tls-san');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual([
      [
        'apps',
        'pass',
        "the chart's server certificate names *.mesh.cilium.io, which covers apps.mesh.cilium.io",
      ],
      [
        'infra',
        'pass',
        "the chart's server certificate names *.mesh.cilium.io, which covers infra.mesh.cilium.io",
      ],
    ]);
  });

  it('without an FQDN, checks the names the peers connect by', () => {
    /** No FQDN variables; the peers' entries name each cluster by `address`. */
    const byAddress = (address: (c: string) => string) => (files: Files) => {
      withoutSan(files);
      for (const c of ['infra', 'apps']) {
        replace(
          exampleFile.settings(c),
          /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
          '',
        )(files);
        replace(
          exampleFile.helmRelease,
          `address: \${CILIUM_CLUSTERMESH_${c.toUpperCase()}_FQDN:=\${CILIUM_CLUSTERMESH_FQDN}}`,
          `address: ${address(c)}`,
        )(files);
      }
    };
    const tls = (edit: (files: Files) => void) =>
      exampleChecks(edit)
        .filter(c => c.ruleId === 'tls-san')
        .map(c => [c.cluster, c.outcome, c.message]);
    expect(tls(byAddress(c => `${c}.mesh.cilium.io`))).toEqual([
      [
        'apps',
        'pass',
        'CILIUM_CLUSTERMESH_FQDN is not set; the peers reach the cluster by "apps.mesh.cilium.io", which the server certificate names',
      ],
      [
        'infra',
        'pass',
        'CILIUM_CLUSTERMESH_FQDN is not set; the peers reach the cluster by "infra.mesh.cilium.io", which the server certificate names',
      ],
    ]);
    expect(tls(byAddress(c => `${c}.example.org`))[0]).toEqual([
      'apps',
      'fail',
      'CILIUM_CLUSTERMESH_FQDN is not set; the peers reach the cluster by "apps.example.org", which the server certificate does not name (clustermesh.apiserver.tls.server.extraDnsNames is empty; the chart adds *.mesh.cilium.io)',
    ]);
    // peers by IP address: a certificate that names no FQDN is the
    // story's starting point (they are to connect by name)
    expect(
      tls(byAddress(c => (c === 'apps' ? '10.0.0.2' : '10.0.0.1'))),
    ).toEqual([
      [
        'apps',
        'fail',
        'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
      ],
      [
        'infra',
        'fail',
        'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
      ],
    ]);
    // no peer lists infra in its mesh configuration (judged on
    // rajsinghtech's kubernetes-manifests): nobody connects to it yet, and
    // with no FQDN, what its certificate must name is not known
    expect(
      tls(files => {
        byAddress(c => (c === 'apps' ? '10.0.0.2' : '10.0.0.1'))(files);
        replace(
          exampleFile.helmRelease,
          /\n {10}- name: infra\n {12}address: 10\.0\.0\.1\n {12}port: 2379/,
          '',
        )(files);
      }),
    ).toEqual([
      [
        'apps',
        'fail',
        'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
      ],
      ['infra', 'not-evaluated', 'CILIUM_CLUSTERMESH_FQDN is not set'],
    ]);
    // a mesh of one: nobody connects, nothing to name
    expect(
      exampleChecks(
        byAddress(c => `${c}.example.org`),
        {
          mesh: { exclude: ['apps'] },
        },
      )
        .filter(c => c.ruleId === 'tls-san')
        .map(c => [c.cluster, c.outcome, c.message]),
    ).toEqual([
      ['infra', 'not-evaluated', 'CILIUM_CLUSTERMESH_FQDN is not set'],
    ]);
  });

  it('calls the certificate wrong only when no value of what is not known here would make it right', () => {
    const tlsOf = (edit?: (files: Record<string, string>) => void) =>
      validateMesh(
        exampleTree('gitops-repo', files => {
          withoutSan(files);
          edit?.(files);
        }),
        resolveConventions({}),
      )
        .clusters.find(c => c.name === 'infra')!
        .checks.find(c => c.ruleId === 'tls-san');
    // clustermesh-infra.<domain> is in no certificate whatever the domain
    expect(tlsOf()).toMatchObject({
      outcome: 'fail',
      message:
        'clustermesh.apiserver.tls.server.extraDnsNames is empty; it must contain "clustermesh-infra.<secret:SECRET_DOMAIN>"',
    });
    // a name kept whole in the Secret may be <name>.mesh.cilium.io, which
    // the chart's certificate names
    expect(
      tlsOf(files => {
        replace(
          'kubernetes/clusters/infra/cluster-secrets.sops.yaml',
          'stringData:\n',
          'stringData:\n  CLUSTERMESH_NAME: ENC[AES256_GCM,data:AAAA,type:str]\n',
        )(files);
        replace(
          exampleFile.settings('infra'),
          'CILIUM_CLUSTERMESH_FQDN: "clustermesh-infra.${SECRET_DOMAIN}"',
          'CILIUM_CLUSTERMESH_FQDN: "${CLUSTERMESH_NAME}"',
        )(files);
      }),
    ).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'clustermesh.apiserver.tls.server.extraDnsNames is empty, and the FQDN "<secret:CLUSTERMESH_NAME>" holds CLUSTERMESH_NAME, not known here: whether the certificate covers it cannot be told (give it in the conventions\' values)',
    });
  });
});

describe('tls-san with a certificate name not known here', () => {
  it('does not call the certificate wrong when a name of extraDnsNames is not known here (a secret, or a source Flux fails to read): not evaluated', () => {
    const checks = exampleChecks(files => {
      withSecretKey('CLUSTERMESH_CERT_NAME')(files);
      replace(
        exampleFile.helmRelease,
        '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
        '              - ${CLUSTERMESH_CERT_NAME}\n',
      )(files);
    }).filter(c => c.ruleId === 'tls-san');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual([
      [
        'apps',
        'not-evaluated',
        'clustermesh.apiserver.tls.server.extraDnsNames is ["<secret:CLUSTERMESH_CERT_NAME>"], which holds ${CLUSTERMESH_CERT_NAME}, not known here: whether it names "clustermesh-apps.example.net" cannot be told',
      ],
      [
        'infra',
        'not-evaluated',
        'clustermesh.apiserver.tls.server.extraDnsNames is ["<secret:CLUSTERMESH_CERT_NAME>"], which holds ${CLUSTERMESH_CERT_NAME}, not known here: whether it names "clustermesh-infra.example.net" cannot be told',
      ],
    ]);
  });
});

describe('tls-san where the certificate may be provided', () => {
  const outcomes = (edit: (files: Files) => void) =>
    exampleChecks(edit)
      .filter(c => c.ruleId === 'tls-san')
      .map(c => [c.cluster, c.outcome, c.message]);

  it("does not judge a provided certificate (tls.auto.enabled: false) by extraDnsNames, which only the chart's own certificate reads", () => {
    expect(
      outcomes(
        replace(
          exampleFile.helmRelease,
          '        tls:\n',
          '        tls:\n          auto:\n            enabled: false\n',
        ),
      ),
    ).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'not-evaluated',
        `clustermesh.apiserver.tls.auto.enabled is false: the server certificate is provided, not made by the chart (extraDnsNames feeds only the chart's own), so whether it names "clustermesh-${c}.example.net" is not read here`,
      ]),
    );
  });

  it('does not pass while values not read (a Secret) may provide the certificate, unless the release itself says the chart makes it', () => {
    const fromSecret = replace(
      exampleFile.helmRelease,
      '  values:\n',
      '  valuesFrom:\n    - kind: Secret\n      name: cilium-tls\n      optional: true\n  values:\n',
    );
    const secret = (files: Files) => {
      const core = 'kubernetes/infrastructure/networking/cilium/core';
      files[`${core}/kustomization.yaml`] += '  - secret.yaml\n';
      files[`${core}/secret.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-tls\n  namespace: kube-system\nstringData:\n  values.yaml: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:AAAA,type:str]\n  version: 3.9.0\n';
    };
    const unread = outcomes(files => {
      fromSecret(files);
      secret(files);
    });
    expect(unread.map(([c, outcome]) => [c, outcome])).toEqual([
      ['apps', 'not-evaluated'],
      ['infra', 'not-evaluated'],
    ]);
    expect(unread[0][2]).toMatch(
      /^clustermesh.apiserver.tls.server.extraDnsNames names "clustermesh-apps.example.net", but values from .*cilium-tls.* are not read here and may set clustermesh.apiserver.tls.auto.enabled: false/,
    );
    const stated = outcomes(files => {
      fromSecret(files);
      secret(files);
      replace(
        exampleFile.helmRelease,
        '        tls:\n',
        '        tls:\n          auto:\n            enabled: true\n',
      )(files);
    });
    expect(stated.map(([c, outcome]) => [c, outcome])).toEqual([
      ['apps', 'pass'],
      ['infra', 'pass'],
    ]);
    // read into a peer's certificate paths (targetPath) only: they cannot
    // switch the chart's own certificate off
    const peerCertificate = outcomes(files => {
      replace(
        exampleFile.helmRelease,
        '  values:\n',
        '  valuesFrom:\n    - kind: Secret\n      name: cilium-tls\n      valuesKey: ca.crt\n      targetPath: clustermesh.config.clusters[0].tls.caCert\n  values:\n',
      )(files);
      secret(files);
    });
    expect(peerCertificate.map(([c, outcome]) => [c, outcome])).toEqual([
      ['apps', 'pass'],
      ['infra', 'pass'],
    ]);
  });
});
