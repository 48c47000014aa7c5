import {
  secretPlaceholderPattern,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { lineAt, sameSecretSource, secretSourceOf } from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { defineMeshRule, q, sharedValues } from './rule';

/**
 * Whether a cluster's value of a variable not known here is written in a
 * file of the repository, on a line of its own (a Secret's entry, SOPS or
 * not): not one a source of unknown keys may hold, nor one another
 * controller makes (an ExternalSecret's, per cluster from its store).
 */
function writtenInRepository(
  mesh: MeshModel,
  cluster: ClusterModel,
  variable: string,
): boolean {
  const source = secretSourceOf(mesh, cluster, variable);
  const line = source && lineAt(mesh.repository, source.location);
  return (
    !cluster.settings.get(variable)?.unverified &&
    line?.trim().startsWith(`${variable}:`) === true
  );
}

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
    sharedSource:
      'FQDN {{fqdn}} is shared by {{clusters}}: {{variables}}, not known here, comes from one place for them all ({{file}}), so the names are the same',
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
    // one text whose unknown parts all clusters read from one place (a
    // Secret every cluster applies from one file) is one name
    const byText = new Map<string, (typeof mesh.members)[number][]>();
    for (const c of mesh.members)
      if (c.fqdn && unknownVariables(c.fqdn.value).length)
        byText.set(c.fqdn.value.toLowerCase(), [
          ...(byText.get(c.fqdn.value.toLowerCase()) ?? []),
          c,
        ]);
    const sameName = [...byText.values()].flatMap(([first, ...others]) => {
      const variables = unknownVariables(first.fqdn!.value);
      const alike = variables.every(v => writtenInRepository(mesh, first, v))
        ? others.filter(o =>
            variables.every(v => sameSecretSource(mesh, first, o, v)),
          )
        : [];
      return alike.length ? [{ all: [first, ...alike], variables }] : [];
    });
    if (sameName.length)
      return sameName.flatMap(({ all, variables }) => {
        const clusters = all
          .map(c => c.name)
          .sort()
          .join(', ');
        const file = secretSourceOf(mesh, all[0], variables[0])?.location.file;
        return all.map(c =>
          r.forCluster(c).fail(
            'sharedSource',
            {
              fqdn: q(c.fqdn!.value),
              clusters,
              variables: variables.join(', '),
              file: file ?? 'one source',
            },
            c.fqdn!.location,
          ),
        );
      });
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
