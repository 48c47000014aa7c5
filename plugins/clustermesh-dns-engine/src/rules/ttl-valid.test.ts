import {
  describeRule,
  exampleChecks,
  exampleFile,
  externalDnsRelease,
  replace,
  withoutExampleExternalDns,
} from '../__testUtils__/rules';
import { ttlValid } from './ttl-valid';

describe('ttl-valid', () => {
  describeRule(ttlValid, {
    edit: replace(exampleFile.dnsEndpoint, 'recordTTL: 300', 'recordTTL: 30'),
    conventions: { dns: { ttl: 30 } },
    fails: {
      cluster: 'apps',
      at: `${exampleFile.dnsEndpoint}:12`,
      message:
        /has recordTTL 30, outside 1 \(auto\) or 60..86400 for Cloudflare/,
    },
  });

  it('does not apply to a cluster with no record, and says the configured TTL is valid', () => {
    const checks = exampleChecks(f => {
      delete f[exampleFile.dnsEndpoint];
      f[
        'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml'
      ] = f[
        'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml'
      ].replace('  - dnsendpoint.yaml\n', '');
    }).filter(c => c.ruleId === 'ttl-valid');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'not-applicable',
        'the cluster has no record to check (the configured TTL 300, dns.ttl, what configure writes, is within 1 (auto) or 60..86400 for Cloudflare)',
      ]),
    );
  });

  it("takes each cluster's TTL range from the provider of its own ExternalDNS (one cluster on Cloudflare, another on a router's webhook)", () => {
    const externalDns =
      (cluster: string, provider: string) => (f: Record<string, string>) => {
        f[`kubernetes/clusters/${cluster}/external-dns.yaml`] =
          externalDnsRelease(provider, ['sources: [crd]']);
        f[`kubernetes/clusters/${cluster}/kustomization.yaml`] +=
          '  - external-dns.yaml\n';
      };
    const checks = exampleChecks(
      f => {
        withoutExampleExternalDns(f);
        replace(exampleFile.dnsEndpoint, 'recordTTL: 300', 'recordTTL: 30')(f);
        externalDns('infra', 'cloudflare')(f);
        externalDns('apps', 'webhook')(f);
      },
      { dns: { ttl: 30 } },
    ).filter(c => c.ruleId === 'ttl-valid');
    expect(checks.map(c => [c.cluster, c.outcome])).toEqual([
      ['apps', 'pass'],
      ['infra', 'fail'],
      ['infra', 'fail'],
    ]);
    expect(checks[0].message).toMatch(/^TTL 30 is within 1\.\.2147483647/);
    expect(checks[1].message).toMatch(/for Cloudflare$/);
  });
});
