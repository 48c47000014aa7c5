import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  clusterNameProblem,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths } from '../cilium/values';
import { getPath } from '../core/paths';
import { defineClusterRule, q } from './rule';

/** Cilium's rule for cluster names. @public */
export const clusterNameValid = defineClusterRule({
  id: 'cluster-name-valid',
  title: 'Cluster name valid for Cilium',
  severity: 'error',
  scope: 'cluster',
  description:
    "Cilium's rule for cluster names: at most 32 characters of `a-z`, `0-9` and `-`, beginning and ending with a letter or digit.",
  remediation: c =>
    `Rename the cluster (its folder under \`${c.clustersPath}\` and \`cluster.name\` in the Cilium values).`,
  messages: {
    invalid: 'cluster name {{name}} {{problem}}',
    valid: 'cluster name {{name}} is valid for Cilium',
    unknown:
      'cluster.name in the Cilium values comes from {{variables}}, which is not known here',
  },
  check(_mesh, c, r) {
    const where =
      c.cilium &&
      getPath(c.cilium.values, ciliumValuesPaths.clusterName) !== undefined
        ? c.cilium.locate(ciliumValuesPaths.clusterName)
        : { file: c.dir, line: 1 };
    const out: CheckResult[] = [];
    const unknown = unknownVariables(c.ciliumName);
    if (unknown.length)
      out.push(
        r.notEvaluated('unknown', { variables: unknown.join(', ') }, where),
      );
    for (const name of new Set([c.name, c.ciliumName])) {
      if (name === c.ciliumName && unknown.length) continue;
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
    return out.length
      ? out
      : [r.pass('valid', { name: q(c.ciliumName) }, where)];
  },
});
