import {
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { poolsHolding, requestedAddresses } from '../model/queries';
import { defineMeshRule, sharedValues } from './rule';

/** No two clusters share an LB IP. @public */
export const lbIpUnique = defineMeshRule({
  id: 'lb-ip-unique',
  title: 'LB IPs unique',
  severity: 'error',
  scope: 'mesh',
  description:
    "No two clusters share an LB IP, and no other Service or Gateway asks LB IPAM for it (an LB IPAM annotation, `spec.loadBalancerIP`, a Gateway's `spec.addresses`, or the same in a HelmRelease's values for a Service its chart makes, outside a block with `enabled: false`): not one of the cluster's own, as LB IPAM gives an address to one service only, nor one of another member whose pools hold it, as Cilium answers a local LoadBalancer address itself and that member would never reach the cluster.",
  remediation: (c, failure) =>
    failure?.id === 'taken' || failure?.id === 'takenByPeer'
      ? `Give the cluster an address of its pool that no other Service or Gateway of the mesh asks for, as its LB IP (\`${c.variables.lbIp}\` in its settings, or the clustermesh-apiserver's LB IPAM annotation where the address is written out).`
      : `Give each cluster its own address from its own pool, as its LB IP (\`${c.variables.lbIp}\` in its settings, or the clustermesh-apiserver's LB IPAM annotation where the address is written out).`,
  messages: {
    shared: 'LB IP {{ip}} is also the LB IP of {{others}}',
    taken:
      'LB IP {{ip}} is also asked for by {{other}} of the same cluster ({{where}}): LB IPAM gives it to one of them only',
    takenByPeer:
      "LB IP {{ip}} is also asked for by {{other}} of {{peer}} ({{where}}), whose pool holds it: where {{peer}} gets it, {{peer}}'s Cilium answers that address itself and never reaches this cluster's API server",
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
    // another Service or Gateway of the cluster asking for the same address
    const taken = mesh.members.flatMap(c =>
      requestedAddresses(c)
        .filter(
          a =>
            a.address.text === c.lbIpAddress?.text &&
            // the clustermesh-apiserver Service itself, when written out
            !(
              a.object.kind === 'Service' &&
              a.object.name === mesh.conventions.cilium.serviceName
            ),
        )
        .map(a =>
          r.forCluster(c).fail(
            'taken',
            {
              ip: a.address.text,
              other: a.what,
              where: formatLocation(a.location),
            },
            c.lbIp!.location,
          ),
        ),
    );
    // a Service of another member asking for it from a pool of its own
    // (pools that overlap): Cilium serves a local LoadBalancer address itself
    const takenByPeer = mesh.members.flatMap(c => {
      const ip = c.lbIpAddress;
      if (!ip) return [];
      return mesh.members
        .filter(o => o !== c && poolsHolding(o, ip).length > 0)
        .flatMap(o =>
          requestedAddresses(o)
            .filter(
              a =>
                a.address.text === ip.text &&
                !(
                  a.object.kind === 'Service' &&
                  a.object.name === mesh.conventions.cilium.serviceName
                ),
            )
            .map(a =>
              r.forCluster(c).fail(
                'takenByPeer',
                {
                  ip: ip.text,
                  other: a.what,
                  peer: o.name,
                  where: formatLocation(a.location),
                },
                c.lbIp!.location,
              ),
            ),
        );
    });
    if (shared.length || taken.length || takenByPeer.length)
      return [
        ...shared.map(({ cluster, value, others }) =>
          r
            .forCluster(cluster)
            .fail('shared', { ip: value, others }, cluster.lbIp!.location),
        ),
        ...taken,
        ...takenByPeer,
      ];
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
