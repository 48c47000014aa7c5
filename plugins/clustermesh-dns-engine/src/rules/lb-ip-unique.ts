import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defineMeshRule, sharedValues } from './rule';

/** No two clusters share an LB IP. @public */
export const lbIpUnique = defineMeshRule({
  id: 'lb-ip-unique',
  title: 'LB IPs unique',
  severity: 'error',
  scope: 'mesh',
  description: 'No two clusters share an LB IP.',
  remediation: c =>
    `Give each cluster its own address from its own pool, in \`${c.variables.lbIp}\`.`,
  messages: {
    shared: 'LB IP {{ip}} is also the LB IP of {{others}}',
    unique: '{{count:LB IP}} set, no two the same',
    none: 'no LB IP is set yet',
    unknown:
      'the LB IP of {{clusters}} comes from {{variables}}, not known here: whether all LB IPs differ cannot be told',
  },
  check(mesh, r) {
    const { distinct, shared } = sharedValues(
      mesh.members,
      c => c.lbIpAddress?.text,
    );
    if (shared.length)
      return shared.map(({ cluster, value, others }) =>
        r
          .forCluster(cluster)
          .fail('shared', { ip: value, others }, cluster.lbIp!.location),
      );
    const unknown = mesh.members.filter(
      c => unknownVariables(c.lbIp?.value).length > 0,
    );
    if (unknown.length)
      return [
        r.notEvaluated('unknown', {
          clusters: unknown.map(c => c.name).join(', '),
          variables: [
            ...new Set(unknown.flatMap(c => unknownVariables(c.lbIp!.value))),
          ].join(', '),
        }),
      ];
    // nothing set, nothing compared: not a pass
    return [
      distinct
        ? r.pass('unique', { count: distinct })
        : r.notEvaluated('none', {}),
    ];
  },
});
