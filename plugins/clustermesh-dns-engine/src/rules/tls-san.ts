import {
  CheckResult,
  certificateNameCovers,
  parseIpAddress,
  secretPlaceholder,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  chartServerName,
  ciliumValuesPaths,
  extraDnsNames,
} from '../cilium/values';
import { getPath } from '../core/paths';
import { firstFew } from '../core/text';
import { hasUnresolvedReference } from '../flux/envsubst';
import { nameMayCover } from '../model/fqdn';
import {
  ciliumUnavailableReason,
  meshEntriesOf,
  meshEntryHost,
  membersByFqdn,
  unreadValuesMaySet,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import {
  defineClusterRule,
  writtenOutBecause,
  q,
  substitutionRemedy,
  unsetValue,
} from './rule';

/** The API server's certificate names the cluster's FQDN. @public */
export const tlsSan = defineClusterRule({
  id: 'tls-san',
  title: 'TLS SAN',
  severity: 'error',
  scope: 'cluster',
  description:
    "clustermesh.apiserver.tls.server.extraDnsNames contains the cluster's FQDN, since peers that connect by name verify it; a name under mesh.cilium.io needs none, the chart's certificate naming `*.mesh.cilium.io` already. Where the certificate is provided rather than made by the chart (`clustermesh.apiserver.tls.auto.enabled: false`; extraDnsNames feeds only the chart's own), or values not read here (a Secret's) may say so, its names are not evaluated.",
  remediation: (c, failure) => {
    if (failure?.id === 'othersNames')
      return "Take the other cluster's FQDN out of `clustermesh.apiserver.tls.server.extraDnsNames`: each cluster's certificate names its own.";
    if (failure?.id === 'othersNamesUnset')
      return "Put this cluster's own FQDN in `clustermesh.apiserver.tls.server.extraDnsNames` in place of the other cluster's: each cluster's certificate names its own (`clustermesh-dns configure` writes it, with the FQDN where the repository keeps it).";
    const literal = writtenOutBecause(c, failure, true);
    if (literal && !literal.note)
      return `Add the FQDN itself to \`clustermesh.apiserver.tls.server.extraDnsNames\`: ${literal.why}.`;
    return `Add \`\${${
      c.variables.fqdn
    }}\` to \`clustermesh.apiserver.tls.server.extraDnsNames\`.${
      literal?.note ?? ''
    }${substitutionRemedy(c, failure, c.variables.fqdn)}`;
  },
  messages: {
    noValues: '{{reason}}',
    notSet: '{{variable}} is not set',
    names: 'the server certificate names {{fqdn}}',
    othersNames:
      'the server certificate also names {{names}}, the FQDN of another cluster of the mesh: a name kept from the folder this one was copied from?',
    othersNamesUnset:
      'the server certificate names {{names}}, the FQDN of another cluster of the mesh, and {{variable}} is not set: a name kept from the folder this one was copied from?',
    defaultName:
      "the chart's server certificate names *.mesh.cilium.io, which covers {{fqdn}}",
    unknown:
      "clustermesh.apiserver.tls.server.extraDnsNames {{names}}, and the FQDN {{fqdn}} holds {{variables}}, not known here: whether the certificate covers it cannot be told (give it in the conventions' values)",
    unknownName:
      'clustermesh.apiserver.tls.server.extraDnsNames is {{names}}, which holds {{variables}}, not known here: whether it names {{fqdn}} cannot be told',
    empty:
      'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
    missing:
      'clustermesh.apiserver.tls.server.extraDnsNames {{names}}; it must contain {{fqdn}}',
    asWritten:
      'clustermesh.apiserver.tls.server.extraDnsNames holds {{names}} as written, which Flux does not substitute there (substitution-complete reports why): whether the certificate names {{fqdn}} once it does is not told',
    peersReach:
      '{{variable}} is not set; the peers reach the cluster by {{addresses}}, which the server certificate names',
    provided:
      "clustermesh.apiserver.tls.auto.enabled is false: the server certificate is provided, not made by the chart (extraDnsNames feeds only the chart's own), so whether it names {{fqdn}} is not read here",
    autoUnread:
      'clustermesh.apiserver.tls.server.extraDnsNames names {{fqdn}}, but values from {{sources}} are not read here and may set clustermesh.apiserver.tls.auto.enabled: false (a provided certificate, whose names are not read)',
    peerAddress:
      '{{variable}} is not set; the peers reach the cluster by {{addresses}}, which the server certificate does not name (clustermesh.apiserver.tls.server.extraDnsNames {{names}}; the chart adds *.mesh.cilium.io)',
  },
  fieldAbsence: ['notSet', 'missing'],
  fieldsOf: 'cilium',
  check(mesh, c, r) {
    if (!c.cilium)
      return [
        r.notEvaluated('noValues', {
          reason: ciliumUnavailableReason(mesh, c),
        }),
      ];
    const where = c.cilium.locate(ciliumValuesPaths.extraDnsNames);
    const list = extraDnsNames(c.cilium.values).map(String);
    const fqdnText = c.fqdn ? q(c.fqdn.value.replace(/\.$/, '')) : 'the FQDN';
    // a certificate the owner provides: extraDnsNames is not in it
    if (getPath(c.cilium.values, ciliumValuesPaths.tlsAutoEnabled) === false)
      return [
        r.notEvaluated(
          'provided',
          { fqdn: fqdnText },
          c.cilium.locate(ciliumValuesPaths.tlsAutoEnabled),
        ),
      ];
    // values not read (a Secret's) may provide one, unless the release's
    // own values, which win over them, say the chart makes it
    const inlineAuto =
      c.cilium.kind === 'helmrelease'
        ? getPath(c.cilium.object?.body, [
            'spec',
            'values',
            ...ciliumValuesPaths.tlsAutoEnabled,
          ])
        : true;
    const passOr = (pass: CheckResult[]): CheckResult[] =>
      inlineAuto === undefined &&
      unreadValuesMaySet(c, ciliumValuesPaths.tlsAutoEnabled)
        ? [
            r.notEvaluated(
              'autoUnread',
              { fqdn: fqdnText, sources: firstFew(c.cilium!.unread) },
              where,
            ),
          ]
        : pass;
    if (!c.fqdn) {
      // no FQDN of its own: the names the peers connect by are the ones
      // the certificate must hold (a mesh on <cluster>.mesh.cilium.io,
      // resolved by hosts entries, needs none beyond the chart's)
      const variable = mesh.conventions.variables.fqdn;
      const { names: used, connected } = howPeersConnect(mesh, c);
      const uncovered = used.filter(
        a => ![...list, chartServerName].some(n => certificateNameCovers(n, a)),
      );
      if (uncovered.length)
        return [
          r.fail(
            'peerAddress',
            {
              variable,
              addresses: uncovered.map(q).join(', '),
              names: list.length ? `is ${JSON.stringify(list)}` : 'is empty',
            },
            where,
          ),
        ];
      if (used.length)
        return [
          r.pass(
            'peersReach',
            { variable, addresses: used.map(q).join(', ') },
            where,
          ),
        ];
      // peers connect, by IP, to a certificate that will need the FQDN
      // once they connect by name (the story's starting point)
      if (connected && !list.length) return [r.fail('empty', {}, where)];
      const unset = unsetValue(mesh, c, 'fqdn');
      // another member's name where its own is not set: a copied folder's
      // (NNMavy's lab naming staging), said rather than "not set" alone
      const others = othersNamed(mesh, c, list);
      if (others.length)
        return [
          r.warn(
            'othersNamesUnset',
            { names: others.join(', '), variable: unset.data.variable },
            where,
          ),
        ];
      return [r.notEvaluated('notSet', unset.data, unset.location)];
    }
    const fqdn = c.fqdn.value.replace(/\.$/, '');
    if (list.some(n => certificateNameCovers(n, fqdn))) {
      // another member's FQDN beside its own: kept from a copied folder
      // (a name not known here is each cluster's own value, not compared)
      const others = othersNamed(mesh, c, list, fqdn);
      return passOr([
        r.pass('names', { fqdn }, where),
        ...(others.length
          ? [r.warn('othersNames', { names: others.join(', ') }, where)]
          : []),
      ]);
    }
    // the chart puts *.mesh.cilium.io in the certificate beside extraDnsNames
    if (certificateNameCovers(chartServerName, fqdn))
      return passOr([r.pass('defaultName', { fqdn }, where)]);
    const unknown = unknownVariables(fqdn);
    // the chart's name may cover a name of which nothing is known; a domain
    // not known here is a zone ExternalDNS publishes in, never mesh.cilium.io
    const wholeUnknown = fqdn === secretPlaceholder(unknown[0] ?? '');
    if (
      unknown.length &&
      (wholeUnknown || list.some(n => nameMayCover(n, fqdn)))
    )
      return [
        r.notEvaluated(
          'unknown',
          {
            names: list.length ? `is ${JSON.stringify(list)}` : 'is empty',
            fqdn: q(fqdn),
            variables: unknown.join(', '),
          },
          where,
        ),
      ];
    // a name of the list not known here (its variable's source failed, or
    // is secret) may be the FQDN
    const unknownNames = list.filter(
      n => unknownVariables(n).length > 0 && nameMayCover(fqdn, n),
    );
    if (unknownNames.length)
      return [
        r.notEvaluated(
          'unknownName',
          {
            names: JSON.stringify(list),
            variables: [...new Set(unknownNames.flatMap(unknownVariables))]
              .map(v => `\${${v}}`)
              .join(', '),
            fqdn: q(fqdn),
          },
          where,
        ),
      ];
    // a name left as written (the values not substituted): one cause,
    // which substitution-complete reports; what Flux would write is not told
    const asWritten = list.filter(hasUnresolvedReference);
    if (asWritten.length)
      return [
        r.notEvaluated(
          'asWritten',
          { names: asWritten.map(q).join(', '), fqdn: q(fqdn) },
          where,
        ),
      ];
    return list.some(n => certificateNameCovers(n, fqdn))
      ? passOr([r.pass('names', { fqdn }, where)])
      : [
          r.fail(
            'missing',
            {
              names: list.length ? JSON.stringify(list) : 'is empty',
              fqdn: q(fqdn),
            },
            where,
          ),
        ];
  },
});

/**
 * Whether other clusters of the mesh connect to the cluster (an entry for
 * it in their mesh configuration), and the host names they connect by (their `clustermesh.config.clusters` entries for
 * it), fully known ones only; IP addresses are not certificate names.
 */
function howPeersConnect(
  mesh: MeshModel,
  cluster: ClusterModel,
): { names: string[]; connected: boolean } {
  const names = new Set<string>();
  let connected = false;
  for (const other of mesh.clusters) {
    if (other === cluster || !other.peers.some(p => p.peer === cluster.name))
      continue;
    // connected only where the peer's mesh configuration has an entry for
    // it: a peer meant to know it, but not yet listing it, does not connect
    const fields = meshEntriesOf(mesh, other).fieldsOf(cluster.ciliumName);
    if (!fields) continue;
    connected = true;
    const address = meshEntryHost(other, fields);
    if (
      typeof address === 'string' &&
      address !== '' &&
      !hasUnresolvedReference(address) &&
      !unknownVariables(address).length &&
      !parseIpAddress(address)
    )
      names.add(address.replace(/\.$/, ''));
  }
  return { names: [...names], connected };
}

/**
 * The names of a certificate's list that are another member's FQDN, each
 * with whose: a name not known here is each cluster's own value, not
 * compared, nor the cluster's own FQDN, even where a copy's settings hold
 * another cluster's (fqdn-unique says so: corruptmane's lab3).
 */
function othersNamed(
  mesh: MeshModel,
  c: ClusterModel,
  names: readonly string[],
  fqdn?: string,
): string[] {
  return names.flatMap(n => {
    if (unknownVariables(n).length || n.replace(/\.$/, '') === fqdn) return [];
    const other = membersByFqdn(mesh).get(n.replace(/\.$/, ''));
    return other && other !== c ? [`${q(n)} (${other.name}'s)`] : [];
  });
}
