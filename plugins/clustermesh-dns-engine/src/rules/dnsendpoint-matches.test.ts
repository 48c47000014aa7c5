import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { dnsEndpointMatches } from './dnsendpoint-matches';

/** The example's DNSEndpoint without its cloudflare-proxied entry. */
const withoutProxiedKey = replace(
  exampleFile.dnsEndpoint,
  / {6}providerSpecific:\n.*\n.*\n/,
  '',
);

const infraResult = (
  edit?: Parameters<typeof exampleChecks>[0],
  conventions?: Parameters<typeof exampleChecks>[1],
) =>
  exampleChecks(edit, conventions).find(
    c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra',
  )!;

describe('dnsendpoint-matches', () => {
  describeRule(dnsEndpointMatches, {
    edit: replace(
      exampleFile.dnsEndpoint,
      '      recordType: A\n',
      '      recordType: AAAA\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:11`,
      message: /has recordType "AAAA", not "A" for 10.25.11.100/,
    },
  });

  describe('DNS only on Cloudflare', () => {
    it('passes a record without the key when ExternalDNS runs without --cloudflare-proxied', () => {
      expect(
        infraResult(withoutProxiedKey, { dns: { proxiedByDefault: false } }),
      ).toMatchObject({
        outcome: 'pass',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0: clustermesh-infra.example.net A 10.25.11.100 TTL 300, DNS only (no external-dns.alpha.kubernetes.io/cloudflare-proxied, and ExternalDNS runs without --cloudflare-proxied)',
      });
    });

    it('fails a record without the key when ExternalDNS proxies by default', () => {
      expect(
        infraResult(withoutProxiedKey, { dns: { proxiedByDefault: true } }),
      ).toMatchObject({
        outcome: 'fail',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 is proxied: it has no providerSpecific external-dns.alpha.kubernetes.io/cloudflare-proxied "false", and ExternalDNS runs with --cloudflare-proxied',
      });
    });

    it('does not evaluate a record without the key when no ExternalDNS deployment says', () => {
      expect(infraResult(withoutProxiedKey)).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'has no providerSpecific external-dns.alpha.kubernetes.io/cloudflare-proxied, and no Cloudflare ExternalDNS deployment was found',
        ),
      });
    });

    it('says when the key has the prefix the deployed ExternalDNS does not read', () => {
      const result = infraResult(undefined, {
        dns: {
          externalDnsAnnotationPrefix: 'external-dns.kubernetes.io/',
          proxiedByDefault: true,
        },
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 is proxied: it has no providerSpecific external-dns.kubernetes.io/cloudflare-proxied "false" ("external-dns.alpha.kubernetes.io/cloudflare-proxied" is not read: this ExternalDNS reads external-dns.kubernetes.io/ keys), and ExternalDNS runs with --cloudflare-proxied',
      });
    });
  });
});
