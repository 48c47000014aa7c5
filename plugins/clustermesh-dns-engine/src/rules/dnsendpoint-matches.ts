import {
  CheckResult,
  formatLocation,
  parseIpAddress,
  recordTypeFor,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  defaultTargetsOf,
  ExternalDnsDeployment,
} from '../conventions/detect/externalDns';
import { describeObject, type ManifestObject } from '../core/manifest';
import { hasUnresolvedReference, referencedVariables } from '../flux/envsubst';
import {
  crdPartsNote,
  dnsProviderOf,
  clustersRunningExternalDns,
  dnsEndpointCrdOf,
  externalDnsDeploymentsOf,
  ownClusterDnsServer,
  externalDnsPublishes,
  membersByFqdn,
  recordDeleters,
  recordsOfCluster,
  secretSourceOf,
  unevaluatedParts,
  unsubstitutedSettingsHint,
  cloudflareProxiedEntries,
  cloudflareProxiedKey,
} from '../model/queries';
import { clusterRecordRow } from '../model/recordsDocument';
import { peersHostsEntries } from '../model/coreDnsHosts';
import { nameMayCover } from '../model/fqdn';
import type { ClusterModel, MeshModel } from '../model/types';
import { locate } from '../yaml/locate';
import {
  conventionsPath,
  defineClusterRule,
  failingApplierOf,
  q,
  RuleResults,
  unknownValueAdvice,
} from './rule';

/** The cluster's DNS record says what its settings say. @public */
/**
 * Said where whether a deployment publishes the record is not known: the
 * other clusters' deployments that would then take it for their own and
 * delete it (and the values not known here that rests on).
 */
function deletionIfPublished(
  w: {
    publisher: string;
    others: string;
    fqdn: string;
    owner: string;
    they: string;
    delete: string;
  },
  notKnown: readonly string[],
): string {
  const unknown = [...new Set(notKnown)];
  return `; and if ${w.publisher} publishes it, ${w.others} may also manage ${
    w.fqdn
  } with --policy=sync and ${w.owner} of ${w.publisher}, and then ${w.they} ${
    w.delete
  } it on every sync${
    unknown.length
      ? ` (if ${unknown.join(', ')}, not known here, ${
          unknown.length > 1 ? 'are' : 'is'
        } the same there)`
      : ''
  }`;
}

export const dnsEndpointMatches = defineClusterRule({
  id: 'dnsendpoint-matches',
  title: 'DNS record matches',
  severity: 'error',
  scope: 'cluster',
  description:
    "The cluster's DNSEndpoint renders dnsName = FQDN, targets = [LB IP], the record type of the address family, the configured TTL and, for Cloudflare, \"DNS only\": `cloudflare-proxied: \"false\"` with the prefix the deployed ExternalDNS reads, or no such key when ExternalDNS runs without `--cloudflare-proxied`; and, where the cluster's ExternalDNS deployments are read, one of them publishes it: it reads the `crd` source, the name is in its domain filters, and the DNSEndpoint passes its annotation and label filters; and it holds no record of another member's FQDN that member publishes itself (a cluster folder copied from another keeps its entry: with other targets an error, with the same a warning, as they go stale where that member moves); and no other cluster's ExternalDNS deletes it (`--policy=sync` with the same TXT owner id, TXT prefix and suffix, and provider, the name in its domains). A warning where every member's record goes to a DNS server inside that member (a Service name, each cluster's own): a peer resolves it only where its resolvers reach that cluster's server. Where the repository deploys no ExternalDNS to the cluster, the record is still compared (a mismatch fails; a match is said in the one outcome, which is not evaluated), and whether one publishes it (and the cluster knows the DNSEndpoint kind, or Flux fails the Kustomization that applies it) is not evaluated; so is whether the kind is known where the cluster's ExternalDNS brings no CRD (the external-dns chart before 1.14.4, or `install.crds: Skip`) and no file applies it. In manual mode, the records document lists the record, or the peers' CoreDNS answers the FQDN with the LB IP from `hosts` entries (the coredns chart's `configBlock`, a Corefile in a ConfigMap such as `coredns-custom`): an entry with another address fails.",
  remediation: (c, failure) => {
    if (
      failure?.id === 'deletedBy' ||
      failure?.id === 'deletedByGiven' ||
      failure?.id === 'deletedByCopied'
    )
      return "Give each cluster's ExternalDNS its own TXT owner id (the chart's `txtOwnerId`, or `--txt-owner-id`) or TXT prefix (`txtPrefix`, `--txt-prefix`), or run the others with `--policy=upsert-only`; keep the owner id of the cluster whose records the zone already holds (an ExternalDNS leaves records of another owner id alone) and change the new cluster's. With `--registry=noop` (a Pi-hole's), which keeps no ownership records, only `--policy=upsert-only` or a DNS server of its own for each keeps the others' records.";
    if (failure?.id === 'ownServerOnly')
      return "Have every cluster's ExternalDNS write to one DNS server the peers' resolvers use (by its address, not a Service name inside the cluster), or forward the zone from each cluster's resolvers to the other clusters' servers (their LoadBalancer addresses); where they already do, nothing needs to change (resolvers are not read here).";
    if (failure?.id === 'othersName')
      return "Give the entry this cluster's own FQDN (where it is the cluster's record), or take it out of this cluster's DNSEndpoint: the cluster whose FQDN it is publishes its own record (a cluster folder copied from another keeps that cluster's entry; `clustermesh-dns configure` writes the cluster's own).";
    if (failure?.id === 'defaultTargets')
      return 'Take `--default-targets` off the ExternalDNS that publishes the record (or run ExternalDNS v0.18 or later without `--force-default-targets`, which fills only empty targets), or publish the record with an ExternalDNS that has none.';
    if (failure?.id === 'notInDomains')
      return "Give the cluster an FQDN in a domain its ExternalDNS publishes (the FQDN template: fqdnTemplate in the conventions, or `--fqdn-template`), or add the FQDN's domain to that ExternalDNS's domain filters (the chart's `domainFilters`, or `--domain-filter`; its RFC2136 zones, `--rfc2136-zone`; or take it out of `--exclude-domains`), or create the records by hand (`clustermesh-dns configure --mode manual` writes the records document).";
    if (failure?.id === 'notPublished')
      return "Have an ExternalDNS of the cluster publish it, as the message says: where none reads the `crd` source, add `crd` to the sources of one (the chart's `sources`, or `--source=crd`); where one does, let its domain, annotation or label filters take the record; or create the records by hand (`clustermesh-dns configure --mode manual` writes the records document).";
    return c.dns.mode === 'manual'
      ? `List the record in \`${c.dns.recordsDocument}\` (or run \`clustermesh-dns configure --mode manual\`).`
      : `Edit the DNSEndpoint in ${
          // the one found, else where the conventions keep it
          failure && failure.id !== 'noEndpoint' && failure.location
            ? `\`${failure.location.file}\``
            : conventionsPath(c.dnsEndpoint.file, 'dnsEndpoint.file', failure)
        } (or run \`clustermesh-dns configure\`)${
          c.dns.provider === 'cloudflare'
            ? `; for Cloudflare add providerSpecific \`${c.dns.externalDnsAnnotationPrefix}cloudflare-proxied: "false"\``
            : ''
        }.`;
  },
  messages: {
    applierFails:
      '{{what}} {{value}} are left unsubstituted because Kustomization {{by}} fails (its error is said once, where it is): Flux applies none of what it builds, so they are compared once that is fixed',
    othersName:
      "{{endpoint}} publishes {{fqdn}}, the FQDN of {{other}}, whose own DNSEndpoint publishes it too ({{where}}){{targets}}: two clusters' ExternalDNS take one name",
    noEndpoint:
      'no DNSEndpoint of the cluster is applied: no DNS record will be created for its ClusterMesh API server',
    noEndpointCompared:
      'no DNSEndpoint of the cluster is applied, so no record is compared with the FQDN and the LB IP (dnsendpoint-included reports the missing record)',
    noAddress: 'its {{what}} {{is}} missing or invalid',
    unknown:
      'the LB IP comes from {{variables}}, which is not known here: {{advice}}',
    noDocument:
      'DNS mode is manual, but the records document {{file}} does not exist',
    listed: 'the records document lists {{fqdn}} → {{ip}}',
    hosts: 'the CoreDNS hosts entries of {{peers}} answer {{fqdn}} with {{ip}}',
    hostsElsewhere:
      'the CoreDNS hosts entry of {{peer}} answers {{fqdn}} with {{address}}, not the LB IP {{ip}}: {{peer}} would connect to another address',
    hostsPartly:
      'the CoreDNS hosts entries of {{peers}} answer {{fqdn}} with {{ip}}; {{without}} {{has}} none, and whether {{they}} {{resolve}} it another way is not known here',
    notListed: 'the records document has no line with {{fqdn}} and {{ip}}',
    otherValue:
      'the records document lists {{fqdn}} with {{value}}, not the LB IP {{ip}}',
    noRecord:
      'no DNSEndpoint of the cluster has dnsName {{fqdn}}{{found}}{{hint}}',
    unknownName:
      'a DNSEndpoint of the cluster has dnsName {{name}}, which holds {{variables}}, not known here: whether it is the FQDN {{fqdn}} cannot be told',
    targets: '{{endpoint}} targets {{targets}}, not [{{ip}}]{{unresolved}}',
    unknownTarget:
      '{{endpoint}} targets {{targets}}: {{variables}} is not known here, so whether the record points at the LB IP {{ip}} cannot be told ({{advice}})',
    recordType:
      '{{endpoint}} has recordType {{type}}, not {{expected}} for {{ip}}',
    ttl: '{{endpoint}} has recordTTL {{ttl}}, not the TTL of the conventions (dns.ttl) {{expected}}',
    noTtl:
      "{{endpoint}} sets no recordTTL, so the provider's default TTL applies, not the TTL of the conventions (dns.ttl) {{expected}}: add recordTTL: {{expected}}",
    proxied:
      '{{endpoint}} is not "DNS only": providerSpecific {{key}} must be "false"{{actual}}',
    proxiedByDefault:
      '{{endpoint}} is proxied: it has no providerSpecific {{key}} "false"{{ignored}}, and ExternalDNS runs with --cloudflare-proxied',
    proxyUnknown:
      '{{endpoint}} has no providerSpecific {{key}}{{ignored}}, and no Cloudflare ExternalDNS deployment was found to tell whether --cloudflare-proxied is on: set it to "false" to be sure the record is DNS only',
    matches: '{{endpoint}}: {{fqdn}} {{type}} {{ip}} TTL {{ttl}}{{dnsOnly}}',
    noPublisherHere:
      '{{endpoint}} is {{record}}, as it should be, but whether an ExternalDNS publishes it is not known: the repository deploys no ExternalDNS to the cluster{{crd}}{{unread}}, so ExternalDNS (with the crd source) must run there another way; without the DNSEndpoint kind, Flux fails {{appliedBy}}, which applies the record',
    noCrdHere:
      '{{endpoint}} is {{record}}, as it should be, but whether the kind DNSEndpoint is known to the cluster is not known: {{why}}, and no file of the repository applies the CRD to the cluster{{unread}}; installed another way, it is, else Flux fails {{appliedBy}}, which applies the record{{alsoApplied}}',
    notPublished:
      'no ExternalDNS of the cluster publishes {{endpoint}}: {{why}}',
    notInDomains:
      'no ExternalDNS of the cluster publishes {{endpoint}}: {{why}}',
    publicationUnknown:
      'whether an ExternalDNS of the cluster publishes {{endpoint}} is not known: {{why}}',
    defaultTargets:
      '{{publisher}} runs with --default-targets={{targets}}, which it puts in place of the targets of {{endpoint}} ({{because}}): the record would not point at the LB IP',
    defaultTargetsUnknown:
      '{{publisher}} runs with --default-targets={{targets}}; before ExternalDNS v0.18 (or with --force-default-targets) it replaces the targets of {{endpoint}}, and its version is not known here',
    ownServerOnly:
      "{{endpoint}} goes to {{server}}, a DNS server inside the cluster ({{publisher}}), and each other member's record to a server inside that member: a peer resolves {{fqdn}} only where its resolvers reach this cluster's server (the zone forwarded there), which is not checked here",
    deletedBy:
      '{{others}} also {{manage}} {{fqdn}} with --policy=sync and {{owner}} of {{publisher}}: taking the record for {{their}} own, with no DNSEndpoint for it, {{they}} {{delete}} it on every sync',
    deletedByCopied:
      '{{others}} also {{manage}} {{fqdn}} with --policy=sync and {{owner}} of {{publisher}}: taking the record for {{their}} own, with no DNSEndpoint for it, {{they}} {{delete}} it on every sync ({{variables}}, not known here, {{is}} one value in both clusters: {{from}})',
    deletedByGiven:
      '{{others}} also {{manage}} {{fqdn}} with --policy=sync and {{owner}} of {{publisher}}: taking the record for {{their}} own, with no DNSEndpoint for it, {{they}} {{delete}} it on every sync, if {{variables}}, given to this run for every cluster alike, {{is}} the same in {{their}} own Secret (its SOPS text is as long, encrypted apart)',
    deletionGiven:
      '{{others}} may also manage {{fqdn}} with --policy=sync and {{owner}} of {{publisher}}, but {{variables}}, given to this run for every cluster alike, is another value in {{their}} own Secret (its SOPS text has another length): only if {{their}} domain still takes {{fqdn}} {{do}} {{they}} delete the record on every sync',
    deletionUnknown:
      '{{others}} may also manage {{fqdn}} with --policy=sync and {{owner}} of {{publisher}}: {{condition}}, {{they}} {{delete}} the record on every sync{{check}}',
    noExternalDns:
      'no ExternalDNS of the cluster publishes {{endpoint}}: the repository deploys ExternalDNS to {{others}}, not to this cluster (and the DNSEndpoint CRD comes with it: without one, Flux fails the Kustomization that applies it)',
  },
  // a records document is a file of the repository, which nothing Flux
  // builds from elsewhere can provide (lunapageofspace)
  absence: ['noEndpoint', 'noRecord', 'noExternalDns'],
  check(mesh, c, r) {
    const { dns } = mesh.conventions;
    const othersNames = (): CheckResult[] => {
      const found: CheckResult[] = [];
      // another member's name in this cluster's DNSEndpoint (a cluster folder
      // copied from it), which that member publishes itself: one name, two
      // publishers (with other targets, two answers; with the same, a stale
      // one where it moves); a hub that alone publishes the others' is not
      for (const endpoint of c.dnsEndpoints)
        for (const record of endpoint.records) {
          const other =
            typeof record.dnsName === 'string'
              ? membersByFqdn(mesh).get(record.dnsName.replace(/\.$/, ''))
              : undefined;
          const theirs =
            other &&
            recordsOfCluster(other).find(
              t => t.endpoint.object !== endpoint.object,
            );
          if (!other || other === c || !theirs) continue;
          const here = JSON.stringify(record.targets ?? []);
          const there = JSON.stringify(theirs.record.targets ?? []);
          found.push(
            (here === there ? r.warn : r.fail)(
              'othersName',
              {
                endpoint: `${describeObject(endpoint.object)} endpoint ${
                  record.index
                }`,
                fqdn: q(record.dnsName),
                other: other.name,
                where: formatLocation(theirs.record.location),
                targets:
                  here === there
                    ? ` with the same targets, which stay here where ${other.name} moves`
                    : `, with targets ${here} here and ${there} there`,
              },
              record.location,
            ),
          );
        }
      return found;
    };

    if (dns.mode === 'externaldns' && c.dnsEndpoints.length === 0)
      // one cause, one finding: dnsendpoint-included says the record is
      // missing and why, unless the team switched that rule off
      return [
        mesh.conventions.rules['dnsendpoint-included'] === 'off'
          ? r.fail('noEndpoint', {}, c.fqdn?.location ?? c.settingsLocation)
          : r.notEvaluated(
              'noEndpointCompared',
              {},
              c.fqdn?.location ?? c.settingsLocation,
            ),
      ];
    const unknown = unknownVariables(c.lbIp?.value);
    if (unknown.length)
      return [
        r.notEvaluated(
          'unknown',
          {
            variables: unknown.join(', '),
            advice: unknownValueAdvice(mesh, unknown, 'check the record'),
          },
          c.lbIp?.location,
        ),
      ];
    if (!c.fqdn || !c.lbIpAddress) {
      // a copied folder's record of another member fails without either:
      // that failure is the outcome, not a "not evaluated" beside it
      const others = othersNames();
      if (others.length) return others;
      return [
        r.notEvaluated(
          'noAddress',
          {
            what: [!c.fqdn && 'FQDN', !c.lbIpAddress && 'LB IP']
              .filter(Boolean)
              .join(' and '),
            is: !c.fqdn && !c.lbIpAddress ? 'are' : 'is',
          },
          c.settingsLocation,
        ),
      ];
    }
    const ip = c.lbIpAddress.text;
    if (dns.mode === 'manual') {
      const { file, present, row, named } = clusterRecordRow(mesh, c);
      // a peer's CoreDNS answers from its hosts entries before any zone
      const hosts = hostsOutcome(mesh, c, r);
      if (hosts?.outcome === 'fail') return [hosts];
      if (row)
        return [
          r.pass(
            'listed',
            { fqdn: row.name ?? c.fqdn.raw, ip },
            { file, line: row.line },
          ),
        ];
      if (hosts) return [hosts];
      if (!present) return [r.fail('noDocument', { file }, { file, line: 1 })];
      if (named?.value !== undefined)
        return [
          r.fail(
            'otherValue',
            { fqdn: named.name ?? c.fqdn.raw, value: named.value, ip },
            { file, line: named.line },
          ),
        ];
      return [
        r.fail('notListed', { fqdn: q(c.fqdn.raw), ip }, { file, line: 1 }),
      ];
    }
    const matching = recordsOfCluster(c);
    // a record whose name holds values not known here (a variable whose
    // source is not read) may be the FQDN: not compared
    const fqdn = c.fqdn.value;
    const unknownName = matching.length
      ? undefined
      : c.dnsEndpoints
          .flatMap(e => e.records)
          .find(
            rec =>
              typeof rec.dnsName === 'string' &&
              unknownVariables(rec.dnsName).length > 0 &&
              (nameMayCover(fqdn, rec.dnsName) ||
                nameMayCover(rec.dnsName, fqdn)),
          );
    if (unknownName)
      return [
        r.notEvaluated(
          'unknownName',
          {
            name: q(unknownName.dnsName),
            variables: unknownVariables(String(unknownName.dnsName))
              .map(v => `\${${v}}`)
              .join(', '),
            fqdn: q(fqdn),
          },
          unknownName.location,
        ),
      ];
    if (matching.length === 0) {
      const seen = c.dnsEndpoints.flatMap(e =>
        e.records.map(
          rec => `${q(rec.dnsName)} at ${formatLocation(rec.location)}`,
        ),
      );
      return [
        r.fail(
          'noRecord',
          {
            fqdn: q(c.fqdn.value),
            found: seen.length ? `; found ${seen.join(', ')}` : '',
            hint:
              c.fqdn.source === 'settings' &&
              hasUnresolvedReference(c.fqdn.value)
                ? unsubstitutedSettingsHint(c)
                : '',
          },
          c.dnsEndpoints[0]?.records[0]?.location ?? c.fqdn.location,
        ),
      ];
    }
    const out: CheckResult[] = othersNames();
    const wantType = recordTypeFor(c.lbIpAddress.family);
    // the ExternalDNS deployments the cluster runs (none read: not judged)
    const externalDns = externalDnsDeploymentsOf(c);
    // none here, while the repository runs it in other clusters: not
    // installed another way (as it may be when the repository runs none)
    const others = externalDns.length
      ? []
      : clustersRunningExternalDns(mesh).filter(o => o !== c.name);
    for (const { endpoint, record } of matching) {
      const at = (field: string) =>
        locate(endpoint.object, ['spec', 'endpoints', record.index, field]);
      const name = `${describeObject(endpoint.object)} endpoint ${
        record.index
      }`;
      const targets = Array.isArray(record.targets)
        ? record.targets.map(String)
        : [];
      const target = parseIpAddress(targets[0] ?? '');
      // a value not known here (the LB IP read from the Cilium values, the
      // record's from a Secret): not compared
      const targetUnknown =
        targets.length === 1 ? unknownVariables(targets[0]) : [];
      if (targetUnknown.length)
        out.push(
          r.notEvaluated(
            'unknownTarget',
            {
              endpoint: name,
              targets: JSON.stringify(record.targets ?? []),
              variables: targetUnknown.join(', '),
              ip: q(ip),
              advice: unknownValueAdvice(
                mesh,
                targetUnknown,
                'check the record',
              ),
            },
            at('targets'),
          ),
        );
      else if (
        targets.some(t => failingApplierOf(t, endpoint.appliedBy) !== undefined)
      )
        out.push(
          r.notEvaluated(
            'applierFails',
            {
              what: `the targets of ${name}`,
              value: JSON.stringify(record.targets ?? []),
              by: endpoint.appliedBy.key,
            },
            at('targets'),
          ),
        );
      else if (targets.length !== 1 || !target || target.text !== ip) {
        out.push(
          r.fail(
            'targets',
            {
              endpoint: name,
              targets: JSON.stringify(record.targets ?? []),
              ip: q(ip),
              unresolved: targets.some(hasUnresolvedReference)
                ? ' (unresolved variable)'
                : '',
            },
            at('targets'),
          ),
        );
      }
      if (record.recordType !== wantType)
        out.push(
          r.fail(
            'recordType',
            {
              endpoint: name,
              type: q(record.recordType),
              expected: q(wantType),
              ip,
            },
            at('recordType'),
          ),
        );
      if (record.recordTTL === undefined || record.recordTTL === null)
        out.push(
          r.fail(
            'noTtl',
            { endpoint: name, expected: dns.ttl },
            at('recordTTL'),
          ),
        );
      else if (record.recordTTL !== dns.ttl)
        out.push(
          r.fail(
            'ttl',
            { endpoint: name, ttl: q(record.recordTTL), expected: dns.ttl },
            at('recordTTL'),
          ),
        );
      let dnsOnly = '';
      // Cloudflare's key matters only where an ExternalDNS may publish the record
      if (
        !others.length &&
        dnsProviderOf(mesh, c, String(record.dnsName)) === 'cloudflare'
      ) {
        const key = cloudflareProxiedKey(dns.externalDnsAnnotationPrefix);
        // a key of the other prefix is not read by this ExternalDNS
        const { read: proxied, ignored: other } = cloudflareProxiedEntries(
          record.providerSpecific,
          dns.externalDnsAnnotationPrefix,
        );
        const ignored = other
          ? ` (${q(other.name)} is not read: this ExternalDNS reads ${
              dns.externalDnsAnnotationPrefix
            } keys)`
          : '';
        if (proxied) {
          if (String(proxied.value) !== 'false')
            out.push(
              r.fail(
                'proxied',
                { endpoint: name, key, actual: ` (is ${q(proxied.value)})` },
                at('providerSpecific'),
              ),
            );
          else dnsOnly = ', DNS only';
        } else if (dns.proxiedByDefault === false) {
          dnsOnly = `, DNS only (no ${key}, and ExternalDNS runs without --cloudflare-proxied)`;
        } else if (dns.proxiedByDefault === true) {
          out.push(
            r.fail(
              'proxiedByDefault',
              { endpoint: name, key, ignored },
              at('providerSpecific'),
            ),
          );
        } else if (!out.some(o => o.outcome === 'fail')) {
          return [
            ...out,
            r.notEvaluated(
              'proxyUnknown',
              { endpoint: name, key, ignored },
              record.location,
            ),
          ];
        }
      }
      if (others.length)
        out.push(
          r.fail(
            'noExternalDns',
            { endpoint: name, others: others.join(', ') },
            record.location,
          ),
        );
      const publications = externalDns.map(d =>
        externalDnsPublishes(d, endpoint.object, String(record.dnsName)),
      );
      // another cluster's ExternalDNS that owns the same records deletes
      // it: asked for each of this cluster's that publishes it (a public
      // provider's and a router's may both take the name)
      const publishers = externalDns.filter(
        (_d, i) => publications[i].verdict === 'yes',
      );
      const publisher = publishers[0];
      const deletersBy = publishers.map(p => ({
        publisher: p,
        candidates: recordDeleters(mesh, c, p, String(record.dnsName)),
      }));
      // a value given to this run stands for every cluster's own Secret:
      // where theirs differ (SOPS keeps the length), the names compared
      // through it are not the names
      const given = referencedVariables(c.fqdn.raw).filter(
        v => mesh.conventions.values[v] !== undefined,
      );
      const ownValue = (cluster: string, v: string) =>
        mesh.conventions.valuesByCluster?.[cluster]?.[v] !== undefined;
      const differs = (other: string) =>
        given.some(v => {
          // given for each of the two: the names compared are theirs
          if (ownValue(c.name, v) && ownValue(other, v)) return false;
          const mine = secretSourceOf(mesh, c, v)?.length;
          const theirs = secretSourceOf(
            mesh,
            mesh.byName.get(other),
            v,
          )?.length;
          return mine !== undefined && theirs !== undefined && mine !== theirs;
        });
      const certainOf = (list: (typeof deletersBy)[number]['candidates']) =>
        list.filter(d => d.certain && !differs(d.cluster));
      // every publisher another cluster's ExternalDNS surely deletes it
      // from (fixing one owner id shows no second failure then)
      const lost = deletersBy.filter(b => certainOf(b.candidates).length);
      const losing =
        lost[0] ?? deletersBy.find(b => b.candidates.length) ?? deletersBy[0];
      const candidates = losing?.candidates ?? [];
      const wording = (
        list: typeof candidates,
        by: ExternalDnsDeployment = losing!.publisher,
      ) => {
        const several = list.length > 1;
        return {
          others: list
            .map(
              d =>
                `${d.deployment.description} (${d.cluster}${
                  mesh.members.some(m => m.name === d.cluster)
                    ? ''
                    : ', outside the mesh'
                })`,
            )
            .join(', '),
          manage: several ? 'manage' : 'manages',
          fqdn: q(record.dnsName),
          // no ownership records at all (a Pi-hole's --registry=noop):
          // each takes every record of its domain for its own
          owner:
            by.ownership.registry === 'noop'
              ? 'no ownership records (--registry=noop)'
              : `the TXT owner id ${q(by.ownership.owner)}`,
          publisher: by.description,
          they: several ? 'they' : 'it',
          their: several ? 'their' : 'its',
          delete: several ? 'delete' : 'deletes',
        };
      };
      for (const { publisher: by, candidates: found } of lost) {
        const deleters = certainOf(found);
        // equal only through a value given to this run for every cluster,
        // which each cluster keeps in its own SOPS text (equal lengths,
        // encrypted apart): said, as the verdict rests on it
        const restsOn = given.filter(v =>
          deleters.some(d => {
            if (ownValue(c.name, v) && ownValue(d.cluster, v)) return false;
            const mine = secretSourceOf(mesh, c, v)?.ciphertext;
            const theirs = secretSourceOf(
              mesh,
              mesh.byName.get(d.cluster),
              v,
            )?.ciphertext;
            return (
              mine !== undefined && theirs !== undefined && mine !== theirs
            );
          }),
        );
        // certain through a value not known here that both read from one
        // SOPS text: said, with where
        const copied = [
          ...new Set(deleters.flatMap(d => d.sharedVariables ?? [])),
        ];
        // one SOPS text, or one source another controller fills (an
        // ExternalSecret's remote key: siggerzz's Infisical)
        const sources = [
          c,
          ...deleters.map(d => mesh.byName.get(d.cluster)),
        ].flatMap(k =>
          copied.flatMap(v => {
            const source = secretSourceOf(mesh, k, v);
            return source
              ? [{ source, origin: k!.settings.get(v)?.origin }]
              : [];
          }),
        );
        const files = [...new Set(sources.map(x => x.source.location.file))];
        const sops = sources.every(x => x.source.ciphertext !== undefined);
        const origins = [
          ...new Set(sources.flatMap(x => (x.origin ? [x.origin] : []))),
        ];
        const from = sops
          ? `the same SOPS text in ${files.join(' and ')}`
          : `the same source${
              origins.length === 1 ? `, ${origins[0]},` : ''
            } in ${files.join(' and ')}`;
        if (restsOn.length)
          out.push(
            r.fail(
              'deletedByGiven',
              {
                ...wording(deleters, by),
                variables: restsOn.join(', '),
                is: restsOn.length > 1 ? 'are each' : 'is',
              },
              record.location,
            ),
          );
        else if (copied.length)
          out.push(
            r.fail(
              'deletedByCopied',
              {
                ...wording(deleters, by),
                variables: copied.join(', '),
                is: copied.length > 1 ? 'are each' : 'is',
                from,
              },
              record.location,
            ),
          );
        else
          out.push(r.fail('deletedBy', wording(deleters, by), record.location));
      }
      // each member's record in a DNS server inside that member (red-
      // lichtie's bind9 Service per cluster): a peer finds this one only
      // where its resolvers reach this cluster's server
      const ownServer = ownClusterDnsServer(publishers);
      if (ownServer && mesh.members.length > 1 && membersOwnServers(mesh))
        out.push(
          r.warn(
            'ownServerOnly',
            {
              endpoint: name,
              server: ownServer,
              publisher: publishers[0].description,
              fqdn: q(record.dnsName),
            },
            record.location,
          ),
        );
      // a global target in place of the record's own
      const defaults = publisher && defaultTargetsOf(publisher);
      if (defaults && defaults.replaces !== false) {
        const data = {
          endpoint: name,
          publisher: `${publisher!.description} (${formatLocation(
            publisher!.location,
          )})`,
          targets: defaults.targets.join(', '),
          version: publisher!.version
            ? `v${publisher!.version.slice(0, 2).join('.')}`
            : '',
          because: defaults.forced
            ? 'it runs with --force-default-targets'
            : `ExternalDNS v${publisher!.version
                ?.slice(0, 2)
                .join('.')} is before v0.18`,
        };
        out.push(
          defaults.replaces
            ? r.fail('defaultTargets', data, record.location)
            : r.notEvaluated('defaultTargetsUnknown', data, record.location),
        );
      }
      if (publications.length && !publications.some(p => p.verdict === 'yes')) {
        const why = publications.map(p => ('why' in p ? p.why : '')).join('; ');
        if (publications.some(p => p.verdict === 'unknown')) {
          // and whether the cluster knows the kind, when nothing installs it
          const crdless =
            externalDns.every(d => d.noCrd) && !dnsEndpointCrdOf(c);
          // and, should one publish it, whether another cluster's deletes it
          const ifPublished = externalDns
            .filter((_d, i) => publications[i].verdict === 'unknown')
            .map(p => ({
              by: p,
              deleters: recordDeleters(mesh, c, p, String(record.dnsName)),
            }))
            .find(p => p.deleters.length);
          const deletion = ifPublished
            ? deletionIfPublished(
                wording(ifPublished.deleters, ifPublished.by),
                ifPublished.deleters.flatMap(d => d.unknownVariables),
              )
            : '';
          if (out.length === 0)
            return [
              r.notEvaluated(
                'publicationUnknown',
                {
                  endpoint: name,
                  why: `${
                    crdless
                      ? `${why}; besides, no file of the repository applies the DNSEndpoint CRD (${noCrdWhy(
                          externalDns,
                        )})${crdPartsNote(
                          c,
                        )}: installed another way, it is known, else Flux fails Kustomization ${
                          endpoint.appliedBy.key
                        }, which applies the record`
                      : why
                  }${deletion}`,
                },
                record.location,
              ),
            ];
        } else
          out.push(
            r.fail(
              // kept out by its name's domain alone: another name, or
              // another domain filter, not another source
              publications.every(p => 'byDomain' in p && p.byDomain)
                ? 'notInDomains'
                : 'notPublished',
              { endpoint: name, why },
              record.location,
            ),
          );
      }
      const maybe = candidates.filter(d => !d.certain || differs(d.cluster));
      const otherValue = maybe.filter(d => differs(d.cluster));
      if (out.length === 0 && otherValue.length)
        return [
          r.notEvaluated(
            'deletionGiven',
            {
              ...wording(otherValue),
              variables: given.join(', '),
              do: otherValue.length > 1 ? 'do' : 'does',
            },
            record.location,
          ),
        ];
      if (out.length === 0 && maybe.length) {
        // what the verdict rests on: values not known here, the server
        const variables = [...new Set(maybe.flatMap(d => d.unknownVariables))];
        const server = maybe.find(d => d.serverUnknown)?.serverUnknown;
        const conditions = [
          ...(variables.length
            ? [
                `${variables.join(', ')}, not known here, ${
                  variables.length > 1 ? 'are' : 'is'
                } the same there`,
              ]
            : []),
          ...(server
            ? [
                `${
                  maybe.length > 1 ? 'they write' : 'it writes'
                } to the same DNS server (${server})`,
              ]
            : []),
        ];
        return [
          r.notEvaluated(
            'deletionUnknown',
            {
              ...wording(maybe),
              condition: `if ${
                conditions.length
                  ? conditions.join(' and ')
                  : 'values not known here (read from its environment) are the same there'
              }`,
              check: variables.length
                ? ` (give ${
                    variables.length > 1 ? 'them' : 'it'
                  } in the conventions' values to check)`
                : '',
            },
            record.location,
          ),
        ];
      }
      if (out.length === 0) {
        const matches = r.pass(
          'matches',
          {
            endpoint: name,
            fqdn: c.fqdn.value,
            type: wantType,
            ip,
            ttl: dns.ttl,
            dnsOnly,
          },
          record.location,
        );
        // the record as compared, said in an outcome that is not a pass
        const compared = `${c.fqdn.value} ${wantType} ${ip} TTL ${dns.ttl}${dnsOnly}`;
        // it publishes DNSEndpoints, if the kind is known there
        const withoutCrd = externalDns.filter(d => d.noCrd);
        if (
          withoutCrd.length &&
          withoutCrd.length === externalDns.length &&
          !dnsEndpointCrdOf(c)
        )
          return [
            r.notEvaluated(
              'noCrdHere',
              {
                endpoint: name,
                record: compared,
                why: noCrdWhy(withoutCrd),
                appliedBy: `Kustomization ${endpoint.appliedBy.key}`,
                alsoApplied: otherEndpointsNote(c, endpoint.object),
                unread: crdPartsNote(c),
              },
              record.location,
            ),
          ];
        if (externalDns.length) return [matches];
        // the record is right; who publishes it is not in the repository
        const crd = dnsEndpointCrdOf(c);
        return [
          r.notEvaluated(
            'noPublisherHere',
            {
              endpoint: name,
              record: compared,
              crd: crd
                ? ` (the DNSEndpoint CRD is applied, ${formatLocation(
                    locate(crd, []),
                  )}, but nothing here reads it)`
                : ' nor its DNSEndpoint CRD',
              appliedBy: `Kustomization ${endpoint.appliedBy.key}`,
              // what is not read may deploy them
              unread: unreadNote(c, 'among what is read ', 'them'),
            },
            record.location,
          ),
        ];
      }
    }
    return out;
  },
});

/**
 * A record kept in the peers' CoreDNS (`hosts` entries) rather than at a
 * provider: the peers connect by the cluster's FQDN, so theirs are the
 * entries that count. Undefined when no peer's CoreDNS names it.
 */
function hostsOutcome(
  mesh: MeshModel,
  c: ClusterModel,
  r: RuleResults<'hosts' | 'hostsElsewhere' | 'hostsPartly'>,
): CheckResult | undefined {
  const fqdn = c.fqdn!.value.toLowerCase().replace(/\.$/, '');
  const ip = c.lbIpAddress!.text;
  const found = peersHostsEntries(mesh, c);
  const wrong = found.flatMap(({ peer, entries }) =>
    entries.filter(e => e.address !== ip).map(e => ({ peer, entry: e })),
  );
  if (wrong.length)
    return r.fail(
      'hostsElsewhere',
      {
        peer: wrong[0].peer.name,
        fqdn: q(fqdn),
        address: wrong[0].entry.address,
        ip,
      },
      wrong[0].entry.location,
    );
  const having = found.filter(f => f.entries.length);
  if (!having.length) return undefined;
  const data = {
    peers: having.map(f => f.peer.name).join(', '),
    fqdn: q(fqdn),
    ip,
  };
  const location = having[0].entries[0].location;
  const without = found.filter(f => !f.entries.length).map(f => f.peer.name);
  if (!without.length) return r.pass('hosts', data, location);
  const one = without.length === 1;
  return r.notEvaluated(
    'hostsPartly',
    {
      ...data,
      without: without.join(', '),
      has: one ? 'has' : 'have',
      they: one ? 'it' : 'they',
      resolve: one ? 'resolves' : 'resolve',
    },
    location,
  );
}

/** Why the deployments that publish a record bring no DNSEndpoint CRD, each once. */
/**
 * The cluster's other DNSEndpoints (not ClusterMesh's), which need the
 * CRD as much: where they are applied already, it is installed.
 */
function otherEndpointsNote(
  cluster: ClusterModel,
  record: ManifestObject,
): string {
  const others = cluster.render.objects.filter(
    ({ object }) =>
      object.kind === 'DNSEndpoint' &&
      object !== record &&
      !cluster.dnsEndpoints.some(e => e.object === object),
  );
  if (!others.length) return '';
  const first = others[0].object;
  return `; the cluster applies ${describeObject(first)} too (${formatLocation(
    locate(first),
  )}${
    others.length > 1 ? `, and ${others.length - 1} more` : ''
  }), which needs the CRD as well: where that one is applied now, the CRD is there, and a new cluster needs it installed the same way`;
}

/** What of the cluster is not read and may hold what was not found: said after "not found". */
function unreadNote(
  cluster: ClusterModel,
  lead = 'among what is read ',
  what = 'it',
): string {
  const unread = unevaluatedParts(cluster.render, cluster.name);
  return unread
    ? ` ${lead}(${unread.said} and may hold ${what}${
        unread.example ? `: ${unread.example}` : ''
      })`
    : '';
}

function noCrdWhy(deployments: readonly ExternalDnsDeployment[]): string {
  return [
    ...new Set(deployments.map(d => `${d.description}: ${d.noCrd}`)),
  ].join('; ');
}

/** Whether every member's ExternalDNS reading DNSEndpoints writes to a server inside it; once per mesh. */
const ownServersByMesh = new WeakMap<MeshModel, boolean>();

function membersOwnServers(mesh: MeshModel): boolean {
  let all = ownServersByMesh.get(mesh);
  if (all === undefined) {
    all = mesh.members.every(
      m =>
        ownClusterDnsServer(
          externalDnsDeploymentsOf(m).filter(d => d.sources.includes('crd')),
        ) !== undefined,
    );
    ownServersByMesh.set(mesh, all);
  }
  return all;
}
