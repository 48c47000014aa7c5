import {
  CheckResult,
  formatLocation,
  isValidTtl,
  ttlRange,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject } from '../core/manifest';
import {
  dnsProviderIsDefault,
  dnsProviderOf,
  recordsOfCluster,
} from '../model/queries';
import { clusterRecordRow } from '../model/recordsDocument';
import { hostsDefaultTtl, peersHostsEntries } from '../model/coreDnsHosts';
import { locate } from '../yaml/locate';
import { defineClusterRule, q } from './rule';

/** The TTL is within the provider's range. @public */
export const ttlValid = defineClusterRule({
  id: 'ttl-valid',
  title: 'TTL valid',
  severity: 'error',
  scope: 'cluster',
  description:
    "The TTL is within the provider's range (Cloudflare: 1 = auto, or 60..86400; others: 1..2147483647): the configured one, each DNSEndpoint record's `recordTTL`, and in manual mode the record's row of the records document, by the range of the provider the document is written for (the conventions' `dns.provider`). Where no ExternalDNS of the cluster and no conventions say which provider it is, Cloudflare's range (the default `dns.provider`, the narrower) is used, and said.",
  remediation: c =>
    `Use ${c.dns.ttl} (the conventions' \`dns.ttl\`), or 1 for Cloudflare's "auto".`,
  messages: {
    configured: 'the configured TTL {{ttl}} is outside {{range}}',
    record: '{{endpoint}} has recordTTL {{ttl}}, outside {{range}}',
    documentRow:
      '{{file}} lists the record with TTL {{ttl}}, outside {{range}}',
    valid: 'TTL {{ttl}} is within {{range}}',
    noRecord:
      'the cluster has no record to check (the configured TTL {{ttl}}, dns.ttl, what configure writes, is within {{range}})',
    inHosts:
      "its peers' CoreDNS hosts entries answer the name ({{where}}), with TTL {{ttl}} ({{why}}): CoreDNS serves it, not the DNS provider, so the provider's range does not apply",
  },
  check(mesh, c, r) {
    const { dns } = mesh.conventions;
    // the provider of the ExternalDNS whose filters take the cluster's name
    // (a public zone at Cloudflare beside an internal one on a router); in
    // manual mode the one the records document is written for, as
    // configure checks the TTL it is given
    const provider =
      dns.mode === 'manual'
        ? dns.provider
        : dnsProviderOf(mesh, c, c.fqdn?.value);
    const valid = (ttl: unknown) => isValidTtl(ttl, provider);
    // the default provider is a guess: said, so the range is not read as
    // the repository's
    const range = `${ttlRange(provider)}${
      dnsProviderIsDefault(mesh, c)
        ? " (the default dns.provider: nothing says the zone's provider)"
        : ''
    }`;
    const out: CheckResult[] = [];
    if (!valid(dns.ttl))
      out.push(r.fail('configured', { ttl: dns.ttl, range }));
    if (dns.mode === 'manual') {
      const { file, row } = clusterRecordRow(mesh, c);
      if (row?.ttl !== undefined) {
        const ttl = Number(row.ttl);
        const location = { file, line: row.line };
        if (!valid(ttl))
          return [
            ...out,
            r.fail(
              'documentRow',
              {
                file,
                // a number as written; anything else quoted, as found
                ttl: /^\d+$/.test(row.ttl) ? row.ttl : q(row.ttl),
                range,
              },
              location,
            ),
          ];
        if (!out.length)
          return [r.pass('valid', { ttl: row.ttl, range }, location)];
      }
      if (out.length) return out;
      // answered by the peers' CoreDNS hosts entries, with their block's TTL
      const hosts = peersHostsEntries(mesh, c).flatMap(p => p.entries);
      if (hosts.length && !row)
        return [
          r.notApplicable(
            'inHosts',
            {
              where: formatLocation(hosts[0].location),
              ttl: hosts[0].ttl,
              why:
                hosts[0].ttl === hostsDefaultTtl
                  ? "the hosts plugin's default: its block sets no ttl"
                  : "its block's ttl",
            },
            hosts[0].location,
          ),
        ];
      return [r.notApplicable('noRecord', { ttl: String(dns.ttl), range })];
    }
    const records = recordsOfCluster(c);
    for (const { endpoint, record } of records) {
      if (record.recordTTL !== undefined && !valid(record.recordTTL)) {
        out.push(
          r.fail(
            'record',
            {
              endpoint: describeObject(endpoint.object),
              ttl: q(record.recordTTL),
              range,
            },
            locate(endpoint.object, [
              'spec',
              'endpoints',
              record.index,
              'recordTTL',
            ]),
          ),
        );
      }
    }
    if (out.length) return out;
    const first = records[0]?.record;
    // no record: nothing of the repository's to check (a pass would count
    // the tool's own setting as the cluster's)
    if (!first)
      return [r.notApplicable('noRecord', { ttl: String(dns.ttl), range })];
    return [
      r.pass(
        'valid',
        { ttl: String(first.recordTTL ?? dns.ttl), range },
        first.location,
      ),
    ];
  },
});
