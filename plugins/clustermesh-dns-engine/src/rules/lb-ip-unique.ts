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
    unique: 'the {{count}} LB IPs are all different',
    none: 'no LB IP is set yet',
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
    return [distinct ? r.pass('unique', { count: distinct }) : r.pass('none')];
  },
});
