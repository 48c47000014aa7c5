import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
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
