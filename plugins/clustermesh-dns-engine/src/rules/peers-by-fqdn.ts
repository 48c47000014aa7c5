import {
  CheckResult,
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { MeshEntry, meshEntryPath } from '../cilium/meshEntries';
import {
  chartEnables,
  ciliumMeshConfigSecret,
  ciliumValuesPaths,
} from '../cilium/values';
import { getPath, isRecord } from '../core/paths';
import { firstFew } from '../core/text';
import type { ClusterModel, MeshModel } from '../model/types';
import { hasUnresolvedReference } from '../flux/envsubst';
import {
  ciliumUnavailableReason,
  lineAt,
  meshEntriesOf,
  secretMadeElsewhere,
} from '../model/queries';
import {
  defineClusterRule,
  failingApplierOf,
  writtenOutBecause,
  q,
  substitutionRemedy,
} from './rule';

/** Cilium reaches every peer by its FQDN. @public */
export const peersByFqdn = defineClusterRule({
  id: 'peers-by-fqdn',
  title: 'Peers by FQDN',
  severity: 'error',
  scope: 'cluster',
  description:
    'clustermesh.config.clusters lists every peer by `address` (its FQDN) and `port`, not by `ips`. An entry for the cluster itself is allowed: the agent skips it; one with the own FQDN of the cluster under another name than its Cilium name (the cluster renamed, its old entry left) is a warning: the agent skips only the entry of its own name, so it connects to itself as to a peer. With `clustermesh.config.enabled` the chart writes Secret `cilium-clustermesh` in its namespace: nothing else the cluster applies may make that Secret (a Secret, an ExternalSecret, a SealedSecret), or Helm fails the release; without it, when the repository makes that Secret itself, the peers are there and the check is not evaluated. An entry for a cluster of the repository that is outside the mesh and whose Cilium values (read) do not set `clustermesh.useAPIServer` is a warning: no clustermesh-apiserver answers there.',
  remediation: (c, failure) => {
    if (failure?.id === 'emptyAddress')
      return 'Take the entry out of `clustermesh.config.clusters` (`clustermesh-dns configure --remove <cluster>` does, with the settings entries of that cluster), or, if that cluster is still to be reached, define the variable its address names.';
    if (failure?.id === 'secretElsewhere')
      return `Keep one owner of Secret \`${ciliumMeshConfigSecret}\`: remove the other object that makes it, or set \`clustermesh.config.enabled\` to false and list the peers (by FQDN) in that Secret.`;
    if (failure?.id === 'notEnabled') {
      // where Flux does not substitute the values, the names themselves
      const literal = writtenOutBecause(c, failure, true);
      return `Set \`clustermesh.config.enabled: true\` in the Cilium values, with \`clustermesh.config.clusters\` listing each peer as \`{name: <peer>, address: ${
        literal && !literal.note
          ? "<the peer's FQDN>"
          : `\${${c.variables.peerFqdn}}`
      }, port: ${c.cilium.apiserverPort}}\`${
        literal && !literal.note ? `, the name itself (${literal.why})` : ''
      } (or run \`clustermesh-dns configure\`, which writes both).`;
    }
    if (failure?.id === 'addressDefaulted')
      return "Set the entry's variable to the peer's FQDN in the cluster's settings (peers-complete names it), or run `clustermesh-dns configure`, which writes it.";
    // an entry there under another name (a peer's folder name, not its
    // Cilium name): renamed, not written anew
    if (
      (failure?.id === 'noEntry' || failure?.id === 'noEntries') &&
      failure.data?.unclaimed
    )
      return "Name each peer's entry by that peer's Cilium name (`cluster.name` in its values, as the message gives it): rename the entry named otherwise, or take it out if it is no peer's; `clustermesh-dns configure` writes the entries by those names.";
    if (failure?.id === 'selfUnderOtherName')
      return "Name the cluster's own entry by its Cilium name (`cluster.name` in its values, as the message gives it), or take the entry out if it is no peer's; `clustermesh-dns configure` writes the entries by those names.";
    if (failure?.id === 'outsidePeer' || failure?.id === 'outsidePeers')
      return "Remove the entry, or enable ClusterMesh in that cluster's Cilium values (`clustermesh.useAPIServer: true`) so it joins the mesh.";
    // `ips` named only where an entry lists them
    const ips = failure?.id === 'ips';
    const literal = writtenOutBecause(c, failure, true);
    if (literal && !literal.note)
      return `For each peer write \`{name: <peer>, address: <the peer's FQDN>, port: ${
        c.cilium.apiserverPort
      }}\`, the name itself (${literal.why})${
        ips ? ', and remove `ips`' : ''
      }.`;
    return `For each peer write \`{name: <peer>, address: \${${
      c.variables.peerFqdn
    }}, port: ${c.cilium.apiserverPort}}\`${ips ? ' and remove `ips`' : ''}.${
      literal?.note ?? ''
    }${substitutionRemedy(c, failure)}`;
  },
  messages: {
    applierFails:
      '{{what}} is {{value}}, left unsubstituted because Kustomization {{by}} fails (its error is said once, where it is): Flux applies none of what it builds, so this is compared once that is fixed',
    noValues: '{{reason}}',
    notEnabled:
      'clustermesh.config.enabled is not true: the chart writes no mesh configuration',
    peersInSecret:
      'the peers are in Secret {{secret}}, which {{by}} makes ({{where}}), not in the Cilium values (clustermesh.config.enabled is not true): whether each is reached by its FQDN is not known here',
    secretElsewhere:
      'clustermesh.config.enabled makes the chart write Secret {{secret}}, which {{by}} also makes ({{where}}): Helm refuses to take over an object it does not own, or the two overwrite each other',
    noEntry:
      'clustermesh.config.clusters has no entry for the peer {{peer}}{{unclaimed}}',
    noEntries:
      'clustermesh.config.clusters has no entry for the peers {{peers}}{{unclaimed}}',
    ips: 'the entry for {{peer}} lists ips {{ips}}{{also}}: peers must be reached by address (their FQDN) on port {{expected}}',
    noAddress: 'the entry for {{peer}} has no address',
    address:
      "the entry for {{peer}} has address {{address}}, not {{peer}}'s FQDN {{fqdn}}{{unresolved}}",
    addressDefaulted:
      "the entry for {{peer}} has address {{address}}, not {{peer}}'s FQDN {{fqdn}}: {{variable}} is not set for the cluster, so the default the entry gives it is taken",
    noPort:
      'the entry for {{peer}} has no port (the chart writes https://<address>: without one)',
    port: 'the entry for {{peer}} has port {{port}}, not {{expected}}',
    reaches: 'reaches {{peers}} by FQDN on port {{port}}',
    reachesByAddress:
      'reaches {{peers}} by address on port {{port}}; the FQDN of {{unset}} is not set, so that address is not compared with it',
    noPeers: 'the cluster has no peer to reach',
    unknownPeer:
      "the entry for the peer {{peer}} cannot be looked up: its Cilium cluster name comes from {{variables}}, which is not known here (give it in the conventions' values)",
    unresolvedPeer:
      "the entry for the peer {{peer}} cannot be looked up: {{peer}}'s Cilium cluster name is {{name}}, which Flux leaves as written (substitution-complete reports it on {{peer}})",
    outsidePeer:
      'the entry for {{peer}} names a cluster outside the mesh, where no clustermesh-apiserver runs, so the agents keep failing to connect to it; {{reasons}}',
    emptyAddress:
      'the {{entries}} {{name}} no cluster of the repository, and Flux leaves {{their}} address empty (a variable defined nowhere: a cluster taken out, its entry left behind?): the agents keep failing to connect to {{them}}',
    outsidePeers:
      'the entries for {{peers}} name clusters outside the mesh, where no clustermesh-apiserver runs, so the agents keep failing to connect to them; {{reasons}}',
    selfUnderOtherName:
      "the entry {{name}} has this cluster's own FQDN, {{fqdn}}, as its address, but not its Cilium name ({{own}}): the agent skips only the entry of its own name, so it connects to its own clustermesh-apiserver as to a peer",
    unknownAddress:
      "the entry for {{peer}} has address {{address}} and {{peer}}'s FQDN is {{fqdn}}: {{variables}} is not known here, so they cannot be compared (give it in the conventions' values)",
  },
  fieldAbsence: ['notEnabled', 'noEntry', 'noEntries'],
  fieldsOf: 'cilium',
  check(mesh, c, r) {
    if (!c.cilium)
      return [
        r.notEvaluated('noValues', {
          reason: ciliumUnavailableReason(mesh, c),
        }),
      ];
    const cilium = c.cilium;
    const entries = meshEntriesOf(mesh, c);
    // an entry of no cluster of the repository whose address Flux emptied
    // (a variable defined nowhere: a cluster taken out, its folder deleted,
    // its entry left behind)
    // `address: ${X}` with X defined nowhere reads as null; looked for in
    // the values first (a mesh's every cluster lists every peer)
    const emptyAddress = (e: unknown) =>
      isRecord(e) &&
      e.ips === undefined &&
      (e.address === '' || e.address === null);
    const raw = getPath(cilium.values, ciliumValuesPaths.meshClusters);
    const anyEmpty = Array.isArray(raw)
      ? raw.some(emptyAddress)
      : isRecord(raw) && Object.values(raw).some(emptyAddress);
    const known = anyEmpty
      ? new Set(mesh.clusters.map(o => o.ciliumName))
      : undefined;
    const emptied = known
      ? entries.list().filter(
          e =>
            !known.has(e.name) &&
            // a name not known here may be any cluster's
            !unknownVariables(e.name).length &&
            !hasUnresolvedReference(e.name) &&
            emptyAddress(e.entry),
        )
      : [];
    const leftBehind = emptied.length
      ? [
          r.warn(
            'emptyAddress',
            emptied.length > 1
              ? {
                  entries: `entries ${firstFew(emptied.map(e => q(e.name)))}`,
                  name: 'name',
                  their: 'their',
                  them: 'them',
                }
              : {
                  entries: `entry ${q(emptied[0].name)}`,
                  name: 'names',
                  their: 'its',
                  them: 'it',
                },
            cilium.locate(meshEntryPath(emptied[0], 'address')),
          ),
        ]
      : [];
    // a cluster of the repository the mesh does not hold, still listed,
    // whose values (read: not guessed, Cilium installed outside Flux may
    // run one) run no clustermesh-apiserver; one result for all of them
    const listed: { peer: string; reason: string; entry: MeshEntry }[] = [];
    for (const other of outsideWithoutApiserver(mesh)) {
      if (other === c || other.ciliumName === c.ciliumName) continue;
      const entry = entries.byName(other.ciliumName);
      if (!entry?.entry) continue;
      listed.push({
        peer:
          other.ciliumName === other.name
            ? other.name
            : `${other.name} (Cilium name ${q(other.ciliumName)})`,
        reason: other.membership.reason,
        entry,
      });
    }
    const stale: CheckResult[] = listed.length
      ? [
          r.warn(
            listed.length === 1 ? 'outsidePeer' : 'outsidePeers',
            {
              peer: listed[0].peer,
              peers: firstFew(listed.map(l => l.peer)),
              reasons: outsideReasons(listed),
            },
            cilium.locate(meshEntryPath(listed[0].entry)),
          ),
        ]
      : [];
    // a mesh's first cluster (or its last, the others switched off):
    // nothing to list, and no configuration needed but for stale entries
    if (!c.peers.length)
      return [...leftBehind, ...stale, r.notApplicable('noPeers', {})];
    /** Peers reached by an address that is not compared: their FQDN is not set. */
    const unset: string[] = [];
    const out: CheckResult[] = [];
    const enabled = chartEnables(
      getPath(cilium.values, ciliumValuesPaths.meshConfigEnabled),
    );
    // the Secret Cilium reads the peers from, made by something else
    const elsewhere = secretMadeElsewhere(
      c,
      cilium.releaseNamespace,
      ciliumMeshConfigSecret,
    );
    if (elsewhere) {
      const data = {
        secret: `${cilium.releaseNamespace}/${ciliumMeshConfigSecret}`,
        by: elsewhere.by,
        where: formatLocation(elsewhere.location),
      };
      const at = cilium.locate(ciliumValuesPaths.meshConfigEnabled);
      // both make it: Helm fails; else the peers are in that Secret
      return [
        enabled
          ? r.fail('secretElsewhere', data, at)
          : r.notEvaluated('peersInSecret', data, elsewhere.location),
      ];
    }
    if (!enabled)
      out.push(
        r.fail(
          'notEnabled',
          {},
          cilium.locate(ciliumValuesPaths.meshConfigEnabled),
        ),
      );
    const port = mesh.conventions.cilium.apiserverPort;
    /** The peers with no entry: one finding for them all (one cause). */
    const noEntry: string[] = [];
    for (const { peer } of c.peers) {
      const peerModel = mesh.byName.get(peer);
      const peerName = peerModel?.ciliumName ?? peer;
      const expected = peerModel?.fqdn?.value;
      const fields = entries.fieldsOf(peerName);
      // the common case, kept cheap: reached by its FQDN on the apiserver port
      if (
        fields &&
        fields.ips === undefined &&
        typeof fields.address === 'string' &&
        (!expected || fields.address === expected) &&
        Number(fields.port) === port
      ) {
        if (!expected) unset.push(peer);
        continue;
      }
      const entry = entries.byName(peerName);
      const e = entry?.entry;
      // the peer's own name is not substituted: that is its error, not this one's
      if ((!entry || !e) && hasUnresolvedReference(peerName)) {
        out.push(
          r.notEvaluated(
            'unresolvedPeer',
            { peer, name: q(peerName) },
            cilium.locate(ciliumValuesPaths.meshClusters),
          ),
        );
        continue;
      }
      if ((!entry || !e) && unknownVariables(peerName).length) {
        out.push(
          r.notEvaluated(
            'unknownPeer',
            {
              peer: peer,
              variables: unknownVariables(peerName).join(', '),
            },
            cilium.locate(ciliumValuesPaths.meshClusters),
          ),
        );
        continue;
      }
      if (!entry || !e) {
        // two peers may go by one Cilium name (both "default"): say whose
        noEntry.push(
          peerName === peer ? peer : `${peer} (Cilium name ${q(peerName)})`,
        );
        continue;
      }
      const at = (field: string) => cilium.locate(meshEntryPath(entry, field));
      // an entry by ips (a NodePort mesh) is one choice: one finding that
      // says all the entry needs, not one per field it implies
      if (e.ips !== undefined) {
        const also = [
          typeof e.address !== 'string' && 'no address',
          typeof e.address === 'string' &&
            expected !== undefined &&
            e.address !== expected &&
            !unknownVariables(e.address + expected).length &&
            `address ${q(e.address)} instead of ${q(expected)}`,
          e.port === undefined && 'no port',
          e.port !== undefined &&
            Number(e.port) !== port &&
            `port ${e.port}${nodePortNote(peerModel)}`,
        ].filter((x): x is string => typeof x === 'string');
        out.push(
          r.fail(
            'ips',
            {
              peer: peerName,
              ips: JSON.stringify(e.ips),
              // `, no address and port 32379`; ` and port 32379`
              also: also.length
                ? `${also.length > 1 ? ',' : ' and'} ${also
                    .join(', ')
                    .replace(/, ([^,]*)$/, ' and $1')}`
                : '',
              expected: port,
            },
            at('ips'),
          ),
        );
        continue;
      }
      if (typeof e.address !== 'string') {
        out.push(
          r.fail(
            'noAddress',
            { peer: peerName },
            cilium.locate(meshEntryPath(entry)),
          ),
        );
      } else if (
        expected &&
        e.address !== expected &&
        unknownVariables(e.address + expected).length
      ) {
        out.push(
          r.notEvaluated(
            'unknownAddress',
            {
              peer: peerName,
              address: q(e.address),
              fqdn: q(expected),
              variables: [
                ...new Set(unknownVariables(e.address + expected)),
              ].join(', '),
            },
            at('address'),
          ),
        );
      } else if (failingApplierOf(e.address, cilium.appliedBy)) {
        out.push(
          r.notEvaluated(
            'applierFails',
            {
              what: `the address of the entry for ${peerName}`,
              value: q(e.address),
              by: cilium.appliedBy!.key,
            },
            at('address'),
          ),
        );
      } else if (expected && e.address !== expected) {
        // a peer variable the settings do not set, its default taken (the
        // cluster's own FQDN, raphaelCamblong's copy): the variable is the
        // fix, not the entry
        const line = lineAt(mesh.repository, at('address'));
        const variable = line?.match(/\$\{([A-Za-z_][A-Za-z0-9_]*):?[=-]/)?.[1];
        if (variable && c.settings.get(variable) === undefined)
          out.push(
            r.fail(
              'addressDefaulted',
              {
                peer: peerName,
                address: q(e.address),
                fqdn: q(expected),
                variable,
              },
              at('address'),
            ),
          );
        else
          out.push(
            r.fail(
              'address',
              {
                peer: peerName,
                address: q(e.address),
                fqdn: q(expected),
                unresolved: hasUnresolvedReference(e.address)
                  ? ' (unresolved variable)'
                  : '',
              },
              at('address'),
            ),
          );
      }
      if (e.port === undefined) {
        out.push(
          r.fail(
            'noPort',
            { peer: peerName },
            cilium.locate(meshEntryPath(entry)),
          ),
        );
      } else if (Number(e.port) !== port) {
        out.push(
          r.fail(
            'port',
            { peer: peerName, port: q(e.port), expected: port },
            at('port'),
          ),
        );
      }
    }
    if (noEntry.length) {
      // an entry under a name no cluster goes by: a peer renamed since
      const names = new Set(mesh.clusters.map(o => o.ciliumName));
      const unclaimed = entries
        .list()
        .map(e => e.name)
        .filter(
          name =>
            !names.has(name) &&
            // a name not known here may be any cluster's
            !unknownVariables(name).length &&
            !hasUnresolvedReference(name),
        );
      out.push(
        r.fail(
          noEntry.length === 1 ? 'noEntry' : 'noEntries',
          {
            peer: noEntry[0],
            peers: firstFew(noEntry),
            unclaimed: unclaimed.length
              ? `; ${
                  unclaimed.length === 1 ? 'an entry is' : 'entries are'
                } named ${firstFew(
                  unclaimed.map(q),
                )}, which no cluster of the repository is (its Cilium cluster.name): ${
                  unnamedLike(mesh, unclaimed) ??
                  'a peer renamed, or a cluster of another repository?'
                }`
              : '',
          },
          cilium.locate(ciliumValuesPaths.meshClusters),
        ),
      );
    }
    // an entry with this cluster's own address under a name no cluster
    // goes by (the cluster renamed, its old entry left): the agent skips
    // only the entry of its own name (a peer's entry with this address is
    // that peer's finding: addressDefaulted)
    const own = c.fqdn?.value;
    const candidate =
      own === undefined
        ? undefined
        : entries
            .list()
            .find(
              e =>
                e.name !== c.ciliumName &&
                isRecord(e.entry) &&
                e.entry.ips === undefined &&
                e.entry.enabled !== false &&
                e.entry.address === own,
            );
    // no cluster goes by its name, where every name is known here (one not
    // known may be the entry's)
    const self =
      candidate &&
      [candidate.name, ...mesh.clusters.map(o => o.ciliumName)].every(
        name => !unknownVariables(name).length && !hasUnresolvedReference(name),
      ) &&
      !mesh.clusters.some(o => o.ciliumName === candidate.name)
        ? candidate
        : undefined;
    if (self)
      stale.push(
        r.warn(
          'selfUnderOtherName',
          { name: q(self.name), fqdn: own!, own: q(c.ciliumName) },
          cilium.locate(meshEntryPath(self, 'address')),
        ),
      );
    stale.push(...leftBehind);
    if (out.length) return [...out, ...stale];
    const list = (names: string[], all: string) =>
      names.length <= 3 ? names.join(', ') : `${all} ${names.length} peers`;
    const peers = list(
      c.peers.map(p => p.peer),
      'all',
    );
    return [
      ...stale,
      unset.length
        ? r.pass(
            'reachesByAddress',
            { peers, port, unset: list(unset, 'the') },
            cilium.locate(ciliumValuesPaths.meshClusters),
          )
        : r.pass(
            'reaches',
            { peers, port },
            cilium.locate(ciliumValuesPaths.meshClusters),
          ),
    ];
  },
});

/** Why each listed cluster is outside the mesh: once when they share a reason (one shared HelmRelease). */
function outsideReasons(
  listed: readonly { peer: string; reason: string }[],
): string {
  const distinct = new Set(listed.map(l => l.reason));
  if (distinct.size === 1)
    return `${listed.length === 1 ? listed[0].peer : 'each'}: ${
      listed[0].reason
    }`;
  return `${listed
    .slice(0, 3)
    .map(l => `${l.peer}: ${l.reason}`)
    .join('; ')}${listed.length > 3 ? `; and ${listed.length - 3} more` : ''}`;
}

/** The clusters outside the mesh whose Cilium values (read) run no clustermesh-apiserver, once per mesh. */
const outsideByMesh = new WeakMap<MeshModel, ClusterModel[]>();

function outsideWithoutApiserver(mesh: MeshModel): ClusterModel[] {
  let found = outsideByMesh.get(mesh);
  if (!found) {
    found = mesh.clusters.filter(
      o =>
        !o.membership.member &&
        !o.membershipUnknown &&
        o.cilium !== undefined &&
        !chartEnables(getPath(o.cilium.values, ciliumValuesPaths.useApiServer)),
    );
    outsideByMesh.set(mesh, found);
  }
  return found;
}

/**
 * The clusters outside the mesh whose values read set no cluster.name
 * (rajsinghtech's talos-robbinsdale, its mesh values left out), named
 * like an entry no cluster claims (`robbinsdale`): the entry may be meant
 * for one of them, said as such.
 */
function unnamedLike(
  mesh: MeshModel,
  unclaimed: readonly string[],
): string | undefined {
  const like = mesh.clusters.filter(
    o =>
      !o.membership.member &&
      o.cilium !== undefined &&
      [undefined, null, ''].includes(
        getPath(o.cilium.values, ciliumValuesPaths.clusterName) as
          | string
          | null
          | undefined,
      ) &&
      unclaimed.some(n => o.name.split(/[-_.]/).includes(n)),
  );
  if (!like.length) return undefined;
  return `${like.map(o => o.name).join(', ')}, outside the mesh, ${
    like.length === 1 ? 'sets' : 'set'
  } no cluster.name in the values read here (the chart names ${
    like.length === 1 ? 'it' : 'them'
  } "default"): the entry may be meant for ${
    like.length === 1 ? 'it' : 'one of them'
  }`;
}

/**
 * Said of an entry's port other than the API server's, where the peer's
 * clustermesh-apiserver service is a NodePort (the chart's default type):
 * the port is its node port, right for reaching it by node IPs, and the
 * API server's port is the one behind the LoadBalancer its FQDN names.
 */
function nodePortNote(peer: ClusterModel | undefined): string {
  const type = getPath(peer?.cilium?.values, ciliumValuesPaths.serviceType);
  return peer?.cilium && (type === undefined || type === 'NodePort')
    ? " (the peer's node port: its clustermesh-apiserver service is a NodePort for now; its FQDN will name the LoadBalancer address on the API server's port)"
    : '';
}
