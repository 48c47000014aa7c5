import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
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
});
