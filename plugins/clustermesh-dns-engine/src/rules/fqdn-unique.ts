import {
  secretPlaceholderPattern,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defineMeshRule, q, sharedValues } from './rule';

/** No two clusters share an FQDN. @public */
export const fqdnUnique = defineMeshRule({
  id: 'fqdn-unique',
  title: 'FQDNs unique',
  severity: 'error',
  scope: 'mesh',
  description: 'No two clusters share an FQDN.',
  remediation: c =>
    `Give each cluster its own name (the template \`${c.fqdnTemplate}\` puts the cluster name in it).`,
  messages: {
    shared: 'FQDN {{fqdn}} is shared by {{clusters}}',
    unique: '{{count:FQDN}} set, no two the same',
    none: 'no FQDN is set yet',
    single:
      'only {{cluster}} has an FQDN set: there is none to compare it with',
    unknown:
      'the FQDNs of {{clusters}} differ only in {{variables}}, not known here: whether they differ cannot be told',
  },
  check(mesh, r) {
    // a placeholder is each cluster's own unknown value: equal placeholders
    // are not equal names
    const { distinct, shared } = sharedValues(mesh.members, c =>
      c.fqdn && unknownVariables(c.fqdn.value).length === 0
        ? c.fqdn.value.toLowerCase().replace(/\.$/, '')
        : undefined,
    );
    if (shared.length)
      return shared.map(({ cluster, value, sharers }) =>
        r
          .forCluster(cluster)
          .fail(
            'shared',
            { fqdn: q(value), clusters: sharers },
            cluster.fqdn!.location,
          ),
      );
    // names whose known parts are equal may be the same name
    const byKnownPart = new Map<string, number>();
    const knownPartOf = new Map<(typeof mesh.members)[number], string>();
    for (const c of mesh.members) {
      if (!c.fqdn) continue;
      const known = c.fqdn.value
        .toLowerCase()
        .replace(/\.$/, '')
        .replace(secretPlaceholderPattern, '');
      knownPartOf.set(c, known);
      byKnownPart.set(known, (byKnownPart.get(known) ?? 0) + 1);
    }
    const maybeEqual = mesh.members.filter(
      c =>
        c.fqdn &&
        unknownVariables(c.fqdn.value).length > 0 &&
        byKnownPart.get(knownPartOf.get(c)!)! > 1,
    );
    if (maybeEqual.length)
      return [
        r.notEvaluated('unknown', {
          clusters: maybeEqual.map(c => c.name).join(', '),
          variables: [
            ...new Set(
              maybeEqual.flatMap(c => unknownVariables(c.fqdn!.value)),
            ),
          ].join(', '),
        }),
      ];
    // names with unknown parts whose known parts differ are different too
    const named = mesh.members.filter(c => c.fqdn);
    // nothing set, or one name alone: nothing compared, not a pass
    if (!named.length) return [r.notEvaluated('none', {})];
    if (named.length === 1 && mesh.members.length > 1)
      return [
        r.notEvaluated(
          'single',
          { cluster: named[0].name },
          named[0].fqdn!.location,
        ),
      ];
    return [r.pass('unique', { count: Math.max(named.length, distinct) })];
  },
});
