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

  it('takes the range of the provider whose ExternalDNS takes the cluster’s name, not of another one of the cluster filtering another zone', () => {
    const checks = exampleChecks(
      f => {
        withoutExampleExternalDns(f);
        replace(exampleFile.dnsEndpoint, 'recordTTL: 300', 'recordTTL: 30')(f);
        // Cloudflare serves another zone; a router's webhook the mesh's
        f['kubernetes/clusters/infra/external-dns.yaml'] = [
          externalDnsRelease('cloudflare', [
            'sources: [crd]',
            'domainFilters: [public.example.org]',
          ]),
          externalDnsRelease('webhook', [
            'sources: [crd]',
            'domainFilters: [example.net]',
          ]).replace('name: external-dns,', 'name: external-dns-router,'),
        ].join('---\n');
        f['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - external-dns.yaml\n';
      },
      { dns: { ttl: 30 } },
    ).filter(c => c.ruleId === 'ttl-valid' && c.cluster === 'infra');
    expect(checks.map(c => [c.outcome, c.message])).toEqual([
      ['pass', expect.stringMatching(/^TTL 30 is within 1\.\.2147483647/)],
    ]);
  });

  it("checks in manual mode the record's row of the records document, and says when the provider is only the default", () => {
    const document = (appsTtl: number) =>
      [
        '# ClusterMesh DNS records',
        '',
        '| Cluster | Name | Type | Value | TTL |',
        '|---|---|---|---|---|',
        `| apps | \`clustermesh-apps.\${SECRET_DOMAIN}\` | A | 10.25.11.120 | ${appsTtl} |`,
        '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
        '',
      ].join('\n');
    const checks = (appsTtl: number) =>
      exampleChecks(
        f => {
          withoutExampleExternalDns(f);
          f['docs/clustermesh-dns-records.md'] = document(appsTtl);
        },
        { dns: { mode: 'manual' } },
      ).filter(c => c.ruleId === 'ttl-valid');
    const failing = checks(30);
    expect(
      failing.map(c => [c.cluster, c.outcome, c.message, c.location]),
    ).toEqual([
      [
        'apps',
        'fail',
        "docs/clustermesh-dns-records.md lists the record with TTL 30, outside 1 (auto) or 60..86400 for Cloudflare (the default dns.provider: nothing says the zone's provider)",
        { file: 'docs/clustermesh-dns-records.md', line: 5 },
      ],
      [
        'infra',
        'pass',
        "TTL 300 is within 1 (auto) or 60..86400 for Cloudflare (the default dns.provider: nothing says the zone's provider)",
        { file: 'docs/clustermesh-dns-records.md', line: 6 },
      ],
    ]);
    // another provider, set in the conventions: its range, not a guess
    const other = exampleChecks(
      f => {
        withoutExampleExternalDns(f);
        f['docs/clustermesh-dns-records.md'] = document(30);
      },
      { dns: { mode: 'manual', provider: 'other' } },
    ).filter(c => c.ruleId === 'ttl-valid');
    expect(other.map(c => [c.cluster, c.outcome, c.message])).toEqual([
      ['apps', 'pass', 'TTL 30 is within 1..2147483647'],
      ['infra', 'pass', 'TTL 300 is within 1..2147483647'],
    ]);
    // the records kept by hand at the conventions' provider, as configure
    // checks the TTL it writes: not by the range of the cluster's
    // ExternalDNS (a router's Pi-hole)
    const beside = exampleChecks(
      f => {
        replace(
          'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml',
          'name: cloudflare',
          'name: pihole',
        )(f);
        f['docs/clustermesh-dns-records.md'] = document(30);
      },
      { dns: { mode: 'manual', provider: 'cloudflare' } },
    ).filter(c => c.ruleId === 'ttl-valid' && c.cluster === 'apps');
    expect(beside.map(c => [c.outcome, c.message])).toEqual([
      [
        'fail',
        'docs/clustermesh-dns-records.md lists the record with TTL 30, outside 1 (auto) or 60..86400 for Cloudflare',
      ],
    ]);
  });
});
