import {
  CheckResult,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths } from '../cilium/values';
import { getPath } from '../core/paths';
import { hasUnresolvedReference } from '../flux/envsubst';
import {
  ciliumUnavailableReason,
  unreadValuesMaySet,
  variableOnLine,
} from '../model/queries';
import { firstFew } from '../core/text';
import type { ClusterModel } from '../model/types';
import {
  caseVariantNote,
  defineMeshRule,
  installedAsWritten,
  q,
  sharedValues,
  writtenOutBecause,
  ciliumApplierWords,
} from './rule';

/** What a member's values say its cluster.id is. */
type ClusterId =
  | { kind: 'id'; id: number }
  | { kind: 'unknown'; variables: string[] }
  | { kind: 'unresolved' }
  | { kind: 'invalid'; value: unknown }
  | { kind: 'notSet' }
  /** Its Cilium values were not found or read: nothing is known of its ID. */
  | { kind: 'noValues' };

function clusterIdOf(c: ClusterModel): ClusterId {
  if (!c.cilium) return { kind: 'noValues' };
  const value = getPath(c.cilium?.values, ciliumValuesPaths.clusterId);
  // an empty string or YAML's null: a variable substituted with nothing
  if (value === undefined || value === null || value === '')
    return { kind: 'notSet' };
  const unknown = unknownVariables(value);
  if (unknown.length) return { kind: 'unknown', variables: unknown };
  // substitution-complete reports a variable left in it
  if (hasUnresolvedReference(value)) return { kind: 'unresolved' };
  const id =
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isInteger(id)
    ? { kind: 'id', id }
    : { kind: 'invalid', value };
}

/** The highest cluster.id the mesh allows: 255, or 511 with maxConnectedClusters 511. */
function maxIdOf(c: ClusterModel): number {
  const max = getPath(c.cilium?.values, ciliumValuesPaths.maxConnectedClusters);
  return max === 511 || max === '511' ? 511 : 255;
}

/** Each cluster of the mesh has its own Cilium cluster.id, in the range the mesh allows. @public */
export const clusterIdUnique = defineMeshRule({
  id: 'cluster-id-unique',
  title: 'Cluster IDs unique',
  severity: 'error',
  scope: 'mesh',
  description:
    "Each cluster of the mesh has its own Cilium `cluster.id`, from 1 to 255 (511 with `clustermesh.maxConnectedClusters: 511`): ClusterMesh tells the clusters' identities apart by it, and the chart's default, 0, is for a cluster outside any mesh.",
  remediation: (c, failure) => {
    if (failure?.id === 'sharedSetting')
      return "Give the variable the message names a number of each cluster's own in its settings (1..255, or up to 511 with `clustermesh.maxConnectedClusters: 511`).";
    if (failure?.id === 'bootstrapVerbatim')
      return "Have the bootstrap give the release the cluster's ID (`set: [{name: cluster.id, value: <id>}]` on the Cilium release of its helmfile, or `--set cluster.id=<id>` where a script runs helm, from a value per cluster), or keep the number written out in values only that cluster's bootstrap reads.";
    // a file a bootstrap helmfile installs as it is takes the number itself
    const literal = writtenOutBecause(c, failure);
    if (failure?.id === 'emptied' && !(literal && !literal.note))
      return 'Define the variable `cluster.id` reads for each cluster, a number of its own, in the settings the Kustomization applying the Cilium values substitutes from (or give it a default: `${ID:=<number>}`).';
    // and values no Kustomization substitutes (Derlinn's)
    const unsubstituted = failure?.unsubstitutedBy?.();
    if (!literal && unsubstituted)
      return `Give each cluster its own \`cluster.id\` in its Cilium values, the number itself: Kustomization ${unsubstituted}, which applies ${
        failure!.location?.file
      }, does not substitute.`;
    return literal && !literal.note
      ? `Give each cluster its own \`cluster.id\` in its Cilium values, the number itself: ${literal.why}.`
      : `Give each cluster its own \`cluster.id\` in its Cilium values (a \`CLUSTER_ID\` setting per cluster, substituted into \`cluster.id: \${CLUSTER_ID}\`).${
          literal?.note ?? ''
        }`;
  },
  messages: {
    shared: 'cluster.id {{id}} is shared by {{clusters}}',
    sharedSetting:
      'cluster.id {{id}} is shared by {{clusters}}: their settings give {{variable}}, which the Cilium values take it from, the same value',
    oneLine:
      'cluster.id {{id}} is written once for {{clusters}}: the values they share give each of them the same number',
    outOfRange: 'cluster.id {{id}} is not within 1..{{max}}{{why}}',
    invalid: 'cluster.id {{value}} is not a whole number',
    notSet:
      "cluster.id is not set{{caseVariant}}: the chart's default, 0, is for a cluster outside any mesh",
    emptied:
      "cluster.id is ${{{variable}}} in the Cilium values, which no source of {{by}} defines: Flux (strict only from 2.9) substitutes an empty string, and the chart's default, 0, is for a cluster outside any mesh",
    unreadMaySet:
      'cluster.id is not set in the Cilium values read here, but values from {{sources}} are not read here and may set it: whether all cluster IDs differ cannot be told',
    unique: '{{count:cluster ID}} set, no two the same',
    unknown:
      'the cluster.id of {{clusters}} comes from {{variables}}, not known here: whether all cluster IDs differ cannot be told',
    unresolved:
      'the cluster.id of {{clusters}} still holds a variable (substitution-complete says which): whether all cluster IDs differ cannot be told',
    noValues:
      'the Cilium values of {{clusters}} are not read here ({{reason}}): whether all cluster IDs differ cannot be told',
    bootstrapVerbatim:
      '{{helmfile}} installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: `{{line}}` reaches that first install as written, which is no cluster.id (a number) until Flux reconciles the HelmRelease',
  },
  check(mesh, r) {
    // a bootstrap installs the values as they are: the ID as written, a
    // variable, reaches that first install (lenaxia's copy)
    const verbatim = mesh.members.flatMap(c => {
      const found = installedAsWritten(mesh, c, ciliumValuesPaths.clusterId);
      return found
        ? [
            r
              .forCluster(c)
              .warn(
                'bootstrapVerbatim',
                { helmfile: found.helmfile, line: found.line },
                found.at,
              ),
          ]
        : [];
    });
    return [...verdicts(), ...verbatim];

    /** The rule's failures, else what it could not tell, else its pass. */
    function verdicts(): CheckResult[] {
      const out: CheckResult[] = [];
      const ids = new Map(mesh.members.map(c => [c, clusterIdOf(c)]));
      // where to change it: the setting substituted into it, else the values
      const placeOf = (
        c: ClusterModel,
      ): { location?: SourceLocation; setting?: string } => {
        const field = c.cilium?.object?.substitutedField?.([
          'spec',
          'values',
          ...ciliumValuesPaths.clusterId,
        ]);
        const located = c.cilium?.locate(ciliumValuesPaths.clusterId);
        // values from a file a generator reads (permalost's values.yaml,
        // given through valuesFrom): the variable on its line
        let variable: string | undefined;
        if (field)
          variable =
            field.variables.length === 1 ? field.variables[0] : undefined;
        else if (located) variable = variableOnLine(mesh.repository, located);
        const setting = variable ? c.settings.get(variable) : undefined;
        return setting
          ? { location: setting.location, setting: variable }
          : { location: located };
      };
      const where = (c: ClusterModel) => placeOf(c).location;
      for (const [c, found] of ids) {
        const rc = r.forCluster(c);
        if (
          found.kind === 'notSet' &&
          c.cilium &&
          unreadValuesMaySet(c, ciliumValuesPaths.clusterId)
        )
          out.push(
            rc.notEvaluated(
              'unreadMaySet',
              { sources: firstFew(c.cilium.unread) },
              c.cilium.locate(['cluster']),
            ),
          );
        else if (found.kind === 'notSet') {
          // written, but empty once substituted: the variable no source
          // defines (sepffuzzball's `id: ${CLUSTER_ID}`), said as such
          const value = getPath(c.cilium?.values, ciliumValuesPaths.clusterId);
          const written =
            value === null || value === ''
              ? c.cilium!.locate(ciliumValuesPaths.clusterId)
              : undefined;
          const variable = written && variableOnLine(mesh.repository, written);
          out.push(
            variable
              ? rc.fail(
                  'emptied',
                  { variable, by: ciliumApplierWords(c) },
                  written,
                )
              : rc.fail(
                  'notSet',
                  {
                    caseVariant: caseVariantNote(
                      c,
                      ciliumValuesPaths.clusterId,
                    ),
                  },
                  c.cilium?.locate(['cluster']),
                ),
          );
        } else if (found.kind === 'invalid')
          out.push(rc.fail('invalid', { value: q(found.value) }, where(c)));
        else if (found.kind === 'id') {
          const max = maxIdOf(c);
          if (found.id < 1 || found.id > max)
            out.push(
              rc.fail(
                'outOfRange',
                {
                  id: found.id,
                  max,
                  why:
                    found.id > 255 && max === 255
                      ? ' (set clustermesh.maxConnectedClusters: 511 for more)'
                      : '',
                },
                where(c),
              ),
            );
        }
      }
      const { distinct, shared } = sharedValues(mesh.members, c => {
        const found = ids.get(c)!;
        return found.kind === 'id' ? String(found.id) : undefined;
      });
      for (const { cluster, value, sharers, all } of shared) {
        // one line of values every one of them applies (a shared HelmRelease
        // with the number written out): one cause, said alike for each
        const { location: at, setting } = placeOf(cluster);
        const onePlace =
          at !== undefined &&
          all.every(o => {
            const other = where(o);
            return other?.file === at.file && other.line === at.line;
          });
        out.push(
          onePlace
            ? r
                .forCluster(cluster)
                .fail('oneLine', { id: value, clusters: sharers }, at)
            : r
                .forCluster(cluster)
                .fail(
                  setting ? 'sharedSetting' : 'shared',
                  { id: value, clusters: sharers, variable: setting ?? '' },
                  at,
                ),
        );
      }
      if (out.length) return out;
      const unknown = mesh.members.filter(c => ids.get(c)!.kind === 'unknown');
      if (unknown.length)
        return [
          r.notEvaluated('unknown', {
            clusters: unknown.map(c => c.name).join(', '),
            variables: [
              ...new Set(
                unknown.flatMap(c => {
                  const found = ids.get(c)!;
                  return found.kind === 'unknown' ? found.variables : [];
                }),
              ),
            ].join(', '),
          }),
        ];
      const noValues = mesh.members.filter(
        c => ids.get(c)!.kind === 'noValues',
      );
      if (noValues.length)
        return [
          r.notEvaluated('noValues', {
            clusters: noValues.map(c => c.name).join(', '),
            reason: ciliumUnavailableReason(mesh, noValues[0]),
          }),
        ];
      const unresolved = mesh.members.filter(
        c => ids.get(c)!.kind === 'unresolved',
      );
      if (unresolved.length)
        return [
          r.notEvaluated('unresolved', {
            clusters: unresolved.map(c => c.name).join(', '),
          }),
        ];
      return [r.pass('unique', { count: distinct })];
    }
  },
});
