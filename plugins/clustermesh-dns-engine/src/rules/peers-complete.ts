import {
  CheckResult,
  formatLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { meshFqdns } from '../model/queries';
import { defineClusterRule, q } from './rule';

/** Each cluster knows each peer by the peer's FQDN. @public */
export const peersComplete = defineClusterRule({
  id: 'peers-complete',
  title: 'Peers complete',
  severity: 'error',
  scope: 'cluster',
  description:
    "Every cluster has a peer FQDN variable for every other cluster (or its configured peers), equal to that peer's own FQDN.",
  remediation: c =>
    `Add \`${c.variables.peerFqdn}\` for each peer (its name upper-cased, \`-\` as \`_\`) to the settings, with the peer's FQDN.`,
  messages: {
    notSet:
      '{{variable}} is not set: the peer {{peer}} is not known by FQDN{{expected}}',
    notInMesh:
      '{{variable}} names the peer {{peer}}, which is not a cluster of the mesh',
    differs:
      "{{variable}} is {{value}}, but {{peer}}'s FQDN is {{expected}}{{where}}",
    noPeers: 'has no peers to know',
    knowsFew: 'knows {{peers}}',
    knowsAll: 'knows all {{count}} peers by FQDN ({{first}} as {{value}}, ...)',
  },
  absence: ['notSet'],
  check(mesh, c, r) {
    const out: CheckResult[] = [];
    const fqdns = meshFqdns(mesh);
    const values = c.peerValues();
    for (let i = 0; i < c.peers.length; i++) {
      const value = values[i];
      const expected = fqdns.get(c.peers[i].peer);
      if (value !== undefined && value === expected) continue; // the common case, kept cheap
      const { peer, variable } = c.peers[i];
      const peerModel = mesh.byName.get(peer);
      if (value === undefined) {
        out.push(
          r.fail(
            'notSet',
            {
              variable,
              peer,
              expected: expected ? ` (expected ${q(expected)})` : '',
            },
            c.settingsLocation,
          ),
        );
      } else if (!peerModel) {
        out.push(
          r.fail(
            'notInMesh',
            { variable, peer },
            c.settings.get(variable)!.location,
          ),
        );
      } else if (expected !== undefined) {
        out.push(
          r.fail(
            'differs',
            {
              variable,
              value: q(value),
              peer,
              expected: q(expected),
              where: peerModel.fqdn
                ? ` (${formatLocation(peerModel.fqdn.location)})`
                : '',
            },
            c.settings.get(variable)!.location,
          ),
        );
      }
    }
    if (out.length) return out;
    if (c.peers.length === 0) return [r.pass('noPeers')];
    const first = c.settings.get(c.peers[0].variable)!;
    return [
      c.peers.length <= 3
        ? r.pass(
            'knowsFew',
            {
              peers: c.peers
                .map((p, i) => `${p.peer} as ${q(values[i])}`)
                .join(', '),
            },
            first.location,
          )
        : r.pass(
            'knowsAll',
            {
              count: c.peers.length,
              first: c.peers[0].peer,
              value: q(first.value),
            },
            first.location,
          ),
    ];
  },
});
