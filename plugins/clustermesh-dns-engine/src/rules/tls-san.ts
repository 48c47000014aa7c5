import {
  certificateNameCovers,
  secretPlaceholder,
  secretPlaceholderPattern,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths, extraDnsNames } from '../cilium/values';
import { escapeRegExp } from '../core/text';
import { ciliumUnavailableReason } from '../model/queries';
import { defineClusterRule, q } from './rule';

/** The name the Cilium chart always puts in the clustermesh-apiserver's server certificate. */
const chartServerName = '*.mesh.cilium.io';

/** The API server's certificate names the cluster's FQDN. @public */
export const tlsSan = defineClusterRule({
  id: 'tls-san',
  title: 'TLS SAN',
  severity: 'error',
  scope: 'cluster',
  description:
    "clustermesh.apiserver.tls.server.extraDnsNames contains the cluster's FQDN, since peers that connect by name verify it.",
  remediation: c =>
    `Add \`\${${c.variables.fqdn}}\` to \`clustermesh.apiserver.tls.server.extraDnsNames\`.`,
  messages: {
    noValues: '{{reason}}',
    notSet: '{{variable}} is not set',
    empty:
      'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
    names: 'the server certificate names {{fqdn}}',
    defaultName:
      "the chart's server certificate names *.mesh.cilium.io, which covers {{fqdn}}",
    unknown:
      "clustermesh.apiserver.tls.server.extraDnsNames {{names}}, and the FQDN {{fqdn}} holds {{variables}}, not known here: whether the certificate covers it cannot be told (give it in the conventions' values)",
    missing:
      'clustermesh.apiserver.tls.server.extraDnsNames {{names}}; it must contain {{fqdn}}',
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
    if (!c.fqdn) {
      return list.length
        ? [
            r.notEvaluated(
              'notSet',
              { variable: mesh.conventions.variables.fqdn },
              c.settingsLocation,
            ),
          ]
        : [r.fail('empty', {}, where)];
    }
    const fqdn = c.fqdn.value.replace(/\.$/, '');
    if (list.some(n => certificateNameCovers(n, fqdn)))
      return [r.pass('names', { fqdn }, where)];
    // the chart puts *.mesh.cilium.io in the certificate beside extraDnsNames
    if (certificateNameCovers(chartServerName, fqdn))
      return [r.pass('defaultName', { fqdn }, where)];
    const unknown = unknownVariables(fqdn);
    // the chart's name may cover a name of which nothing is known; a domain
    // not known here is a zone ExternalDNS publishes in, never mesh.cilium.io
    const wholeUnknown = fqdn === secretPlaceholder(unknown[0] ?? '');
    if (unknown.length && (wholeUnknown || list.some(n => mayCover(n, fqdn))))
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
    return list.some(n => certificateNameCovers(n, fqdn))
      ? [r.pass('names', { fqdn }, where)]
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
 * Whether a certificate name covers an FQDN for some value of the values
 * not known here that the FQDN holds (placeholders, each any text).
 */
function mayCover(name: string, fqdn: string): boolean {
  const pattern = new RegExp(
    `^${fqdn
      .split(new RegExp(secretPlaceholderPattern.source))
      .map((part, i) => (i % 2 ? '.+' : escapeRegExp(part)))
      .join('')}$`,
  );
  if (!name.startsWith('*.')) return pattern.test(name);
  const first = fqdn.split('.')[0];
  // a first label that is not known may be any label
  return unknownVariables(first).length > 0
    ? true
    : pattern.test(`${first}.${name.slice(2)}`);
}
