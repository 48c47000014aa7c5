import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  clusterNameProblem,
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths } from '../cilium/values';
import { hasUnresolvedReference } from '../flux/envsubst';
import {
  ciliumUnavailableReason,
  clustersByCiliumName,
  variableOnLine,
  unreadValuesMaySet,
  valuesFileFilling,
} from '../model/queries';
import { firstFew } from '../core/text';
import { getPath } from '../core/paths';
import type { ClusterModel } from '../model/types';
import {
  caseVariantNote,
  defineClusterRule,
  installedAsWritten,
  q,
  writtenOutBecause,
  ciliumApplierWords,
} from './rule';

/** The name Cilium's chart gives a cluster without `cluster.name`; its agent refuses it beside a cluster.id. */
const chartDefaultName = 'default';

/** Whether the cluster's Cilium values set cluster.name. */
function setsName(c: ClusterModel): boolean {
  const value = getPath(c.cilium?.values, ciliumValuesPaths.clusterName);
  return value !== undefined && value !== null && value !== '';
}

/** Cilium's rule for cluster names, and a name of its own for each cluster of the mesh. @public */
export const clusterNameValid = defineClusterRule({
  id: 'cluster-name-valid',
  title: 'Cluster name valid for Cilium',
  severity: 'error',
  scope: 'cluster',
  description:
    "Cilium's rule for cluster names, for the `cluster.name` of the Cilium values (the folder's name only where they are not read): at most 32 characters of `a-z`, `0-9` and `-`, beginning and ending with a letter or digit. Each cluster of the mesh has a `cluster.name` of its own: the chart's default, `default`, is refused by the Cilium agent of a cluster with a `cluster.id`, and two clusters of one name cannot be told apart.",
  remediation: (c, failure) => {
    if (failure?.id === 'bootstrapVerbatim')
      return "Have the bootstrap give the release the cluster's name (`set: [{name: cluster.name, value: <cluster>}]` on the Cilium release of its helmfile, or `--set cluster.name=<cluster>` where a script runs helm, from a value per cluster), or keep the name written out in values only that cluster's bootstrap reads.";
    if (failure?.id === 'emptied')
      return 'Define the variable `cluster.name` reads for each cluster, in the settings the Kustomization applying the Cilium values substitutes from (or give it a default: `${NAME:=<cluster>}`).';
    // a file a bootstrap installs as it is takes the name itself (J55's),
    // as do values no Kustomization substitutes (Derlinn's)
    const literal = writtenOutBecause(c, failure);
    if (literal && !literal.note)
      return `Give each cluster a valid name of its own in \`cluster.name\` of its Cilium values, the name itself: ${literal.why}.`;
    const unsubstituted = failure?.unsubstitutedBy?.();
    return unsubstituted
      ? `Give each cluster a valid name of its own in \`cluster.name\` of its Cilium values, the name itself: Kustomization ${unsubstituted}, which applies ${
          failure!.location?.file
        }, does not substitute.`
      : `Give each cluster a valid name of its own in \`cluster.name\` of its Cilium values (a \`CLUSTER_NAME\` setting per cluster, substituted into \`cluster.name: \${CLUSTER_NAME}\`).${
          literal?.note ?? ''
        }`;
  },
  messages: {
    invalid: 'cluster name {{name}} {{problem}}',
    valid: 'cluster name {{name}} is valid for Cilium',
    unknown:
      'cluster.name in the Cilium values comes from {{variables}}, which is not known here',
    unsubstituted:
      'cluster.name {{name}} is left as written, not substituted (substitution-complete says why): the name is checked once Flux substitutes it',
    plainFile:
      'cluster.name {{name}} is left as written in a plain values file, which Flux does not substitute (substitution-complete says so): the name is checked once it is written out',
    templated:
      "cluster.name {{name}} is filled in by Terraform's templatefile ({{at}}) as it installs Cilium, with values not known here",
    notSet: `cluster.name is not set in the Cilium values{{caseVariant}}: the chart names the cluster "${chartDefaultName}", which Cilium refuses for a cluster of a mesh`,
    unreadMaySet:
      'cluster.name is not set in the Cilium values read here, but values from {{sources}} are not read here and may set it',
    emptied: `cluster.name is \${{{variable}}} in the Cilium values, which no source of {{by}} defines: Flux (strict only from 2.9) substitutes an empty string, and the chart names the cluster "${chartDefaultName}", which Cilium refuses for a cluster of a mesh`,
    reserved: `cluster.name is "${chartDefaultName}", the chart's default, which Cilium refuses for a cluster of a mesh`,
    shared: 'cluster.name {{name}} is also the cluster.name of {{others}}',
    noValues:
      'the Cilium values are not read here ({{reason}}): its cluster.name is not known (the folder name {{name}} is valid)',
    bootstrapVerbatim:
      '{{helmfile}} installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: `{{line}}` reaches that first install as written, and Cilium refuses a cluster.name that is no valid name',
  },
  fieldAbsence: ['notSet', 'emptied'],
  fieldsOf: 'cilium',
  check(mesh, c, r) {
    const set = setsName(c);
    // written, but empty once substituted (an empty string, or YAML's null
    // it reads as): an undefined variable Flux before 2.9 replaces with nothing
    const emptied =
      !set &&
      getPath(c.cilium?.values, ciliumValuesPaths.clusterName) !== undefined;
    const where =
      set || emptied
        ? c.cilium!.locate(ciliumValuesPaths.clusterName)
        : c.cilium?.locate(['cluster']) ?? { file: c.dir, line: 1 };
    const out: CheckResult[] = [];
    // the variable the line writes, as Flux's envsubst reads it
    const variable = emptied
      ? variableOnLine(mesh.repository, where)
      : undefined;
    // values not found say nothing of the name: the folder's is checked
    if (variable)
      out.push(
        r.fail('emptied', { variable, by: ciliumApplierWords(c) }, where),
      );
    else if (c.cilium && !set)
      out.push(
        // values that cannot be read (a ConfigMap's text, not valid YAML:
        // SChimera's copy) may set it
        unreadValuesMaySet(c, ciliumValuesPaths.clusterName)
          ? r.notEvaluated(
              'unreadMaySet',
              { sources: firstFew(c.cilium.unread) },
              where,
            )
          : r.fail(
              'notSet',
              {
                caseVariant: caseVariantNote(c, ciliumValuesPaths.clusterName),
              },
              where,
            ),
      );
    const unknown = unknownVariables(c.ciliumName);
    // `${CLUSTER_NAME}` as written: one cause, which substitution-complete reports
    const unsubstituted = set && hasUnresolvedReference(c.ciliumName);
    if (unknown.length)
      out.push(
        r.notEvaluated('unknown', { variables: unknown.join(', ') }, where),
      );
    else if (unsubstituted) {
      const filling = valuesFileFilling(mesh, c);
      if (filling?.templatedBy)
        out.push(
          r.notEvaluated(
            'templated',
            {
              name: q(c.ciliumName),
              at: formatLocation(filling.templatedBy),
            },
            where,
          ),
        );
      else
        out.push(
          r.notEvaluated(
            filling ? 'plainFile' : 'unsubstituted',
            { name: q(c.ciliumName) },
            where,
          ),
        );
    }
    // Cilium knows the cluster by cluster.name, never by its folder: the
    // folder's name is checked only where the values are not read
    let names: string[] = [];
    if (set) names = [c.ciliumName];
    else if (!c.cilium) names = [c.name];
    for (const name of names) {
      if (set && (unknown.length || unsubstituted)) continue;
      const problem = clusterNameProblem(name);
      if (problem)
        out.push(
          r.fail(
            'invalid',
            { name: q(name), problem },
            name === c.name ? { file: c.dir, line: 1 } : where,
          ),
        );
    }
    if (set && c.ciliumName === chartDefaultName)
      out.push(r.fail('reserved', {}, where));
    else if (set && !unknown.length && !unsubstituted) {
      const others = (
        clustersByCiliumName(mesh.members).get(c.ciliumName) ?? []
      ).filter(m => m !== c && setsName(m));
      if (others.length)
        out.push(
          r.fail(
            'shared',
            {
              name: q(c.ciliumName),
              others: others.map(o => o.name).join(', '),
            },
            where,
          ),
        );
    }
    // a bootstrap installs these values as they are: the name as written,
    // a variable, reaches that first install (lenaxia's copy)
    const verbatim = set
      ? installedAsWritten(mesh, c, ciliumValuesPaths.clusterName)
      : undefined;
    if (verbatim)
      out.push(
        r.warn(
          'bootstrapVerbatim',
          { helmfile: verbatim.helmfile, line: verbatim.line },
          verbatim.at,
        ),
      );
    if (out.length) return out;
    // the folder's name says nothing of cluster.name when the values are not read
    if (!c.cilium)
      return [
        r.notEvaluated(
          'noValues',
          { reason: ciliumUnavailableReason(mesh, c), name: q(c.name) },
          where,
        ),
      ];
    return [r.pass('valid', { name: q(c.ciliumName) }, where)];
  },
});
