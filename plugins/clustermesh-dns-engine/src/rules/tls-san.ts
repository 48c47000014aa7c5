import { certificateNameCovers } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths, extraDnsNames } from '../cilium/values';
import { ciliumUnavailableReason } from '../model/queries';
import { defineClusterRule, q } from './rule';

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
