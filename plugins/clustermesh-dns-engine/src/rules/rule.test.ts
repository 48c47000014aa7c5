import { resolveConventions } from '../conventions/resolve';
import { peersByFqdn } from './peers-by-fqdn';
import { formatMessage } from './rule';
import { serviceAnnotation } from './service-annotation';
import { tlsSan } from './tls-san';

describe('formatMessage', () => {
  it('fills in values', () =>
    expect(
      formatMessage('LB IP {{ip}} of {{cluster}}', {
        ip: '10.0.0.1',
        cluster: 'infra',
      }),
    ).toBe('LB IP 10.0.0.1 of infra'));

  it('gives a count its noun, singular for one', () => {
    const template = 'knows its {{count:peer}} by FQDN';
    expect(formatMessage(template, { count: 1 })).toBe(
      'knows its 1 peer by FQDN',
    );
    expect(formatMessage(template, { count: 2 })).toBe(
      'knows its 2 peers by FQDN',
    );
    expect(formatMessage(template, { count: 0 })).toBe(
      'knows its 0 peers by FQDN',
    );
    expect(formatMessage('{{n:LB IP}}', { n: 3 })).toBe('3 LB IPs');
    // judged on KeyboardDabbler: "4 addresss"
    expect(formatMessage('{{n:address}}', { n: 4 })).toBe('4 addresses');
  });

  it('refuses a template whose value is missing (a bug of the rule)', () =>
    expect(() => formatMessage('{{count:peer}}', {})).toThrow(
      'message "{{count:peer}}" needs a value for count',
    ));
});

describe('remedies for a plain Cilium values file (cilium.valuesFile)', () => {
  const conventions = resolveConventions({
    cilium: { valuesFile: 'terraform/cilium/values-{cluster}.yaml' },
  });
  const at = (file: string) => ({
    id: 'noValues' as const,
    location: { file, line: 3 },
  });

  it('write the values themselves there, which Flux does not substitute, and ${VAR} elsewhere', () => {
    const plain = at('terraform/cilium/values-east.yaml');
    expect(serviceAnnotation.remediation(conventions, plain)).toBe(
      'In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: <the LB IP>}`, the address itself: Flux does not substitute a plain values file.',
    );
    expect(tlsSan.remediation(conventions, plain)).toMatch(
      /^Add the FQDN itself to `clustermesh\.apiserver\.tls\.server\.extraDnsNames`/,
    );
    expect(peersByFqdn.remediation(conventions, plain)).toMatch(
      /address: <the peer's FQDN>, port: 2379\}`, the name itself/,
    );
    // switching the mesh configuration on there: the names themselves too
    expect(
      peersByFqdn.remediation(conventions, {
        ...plain,
        id: 'notEnabled' as never,
      }),
    ).toBe(
      "Set `clustermesh.config.enabled: true` in the Cilium values, with `clustermesh.config.clusters` listing each peer as `{name: <peer>, address: <the peer's FQDN>, port: 2379}`, the name itself (Flux does not substitute a plain values file) (or run `clustermesh-dns configure`, which writes both).",
    );
    // a HelmRelease elsewhere: its variable
    expect(
      serviceAnnotation.remediation(
        conventions,
        at('kubernetes/apps/cilium/helmrelease.yaml'),
      ),
    ).toContain('lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}');
  });
});
