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
    shared: 'FQDN {{fqdn}} is also the FQDN of {{others}}',
    unique: 'the {{count}} FQDNs are all different',
    none: 'no FQDN is set yet',
  },
  check(mesh, r) {
    const { distinct, shared } = sharedValues(mesh.members, c =>
      c.fqdn?.value.toLowerCase().replace(/\.$/, ''),
    );
    if (shared.length)
      return shared.map(({ cluster, value, others }) =>
        r
          .forCluster(cluster)
          .fail('shared', { fqdn: q(value), others }, cluster.fqdn!.location),
      );
    return [distinct ? r.pass('unique', { count: distinct }) : r.pass('none')];
  },
});
