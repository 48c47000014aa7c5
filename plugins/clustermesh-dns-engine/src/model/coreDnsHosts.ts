import {
  parseIpAddress,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { isRecord, ObjectPath } from '../core/paths';
import type { SubstitutedObject } from '../flux/substitute';
import { deepestLine } from '../yaml/lines';
import { locate } from '../yaml/locate';
import type { ClusterModel, MeshModel } from './types';

/**
 * A name the cluster's CoreDNS answers from its `hosts` plugin: the way
 * home labs resolve `<cluster>.mesh.cilium.io` without a DNS provider (the
 * Cilium agents, on the host network, ask the cluster's DNS).
 *
 * @public
 */
export interface HostsEntry {
  /** Lower case, without a trailing dot. */
  name: string;
  /** The address as parsed (its canonical text). */
  address: string;
  /** The TTL CoreDNS answers it with: its block's `ttl`, else the plugin's default. */
  ttl: number;
  location: SourceLocation;
}

/** The hosts plugin's TTL when its block sets none (CoreDNS documents 3600 s). */
export const hostsDefaultTtl = 3600;

/** The `ttl SECONDS` of a hosts block's text, else the plugin's default. */
function ttlOfBlock(text: string): number {
  const set = /^[ \t]*ttl[ \t]+(\d+)[ \t]*(?:#.*)?$/m.exec(text);
  return set ? Number(set[1]) : hostsDefaultTtl;
}

/** ConfigMap keys that hold a Corefile: CoreDNS's own, k3s's and AKS's `coredns-custom` (`*.server`, `*.override`). */
const corefileKey = /^(Corefile|.+\.server|.+\.override)$/;

/**
 * The entries of hosts-file lines (`<address> <name>...`), in the text of
 * a `hosts` block or of a hosts file; each at its line, counted from the
 * text's first line. Other lines (`fallthrough`, `ttl 60`, comments) are not
 * entries.
 */
function entriesOfLines(
  text: string,
  lineOf: (index: number) => SourceLocation,
  ttl: number,
): HostsEntry[] {
  return text.split('\n').flatMap((line, i) => {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const parsed = parseIpAddress(address ?? '');
    if (!parsed) return [];
    return names.map(n => ({
      name: n.toLowerCase().replace(/\.$/, ''),
      address: parsed.text,
      ttl,
      location: lineOf(i),
    }));
  });
}

const hostsBlocks = /^[ \t]*hosts\b([^{\n]*)\{([^}]*)\}/gm;

/** The inline entries of every `hosts { … }` block of a Corefile. */
function entriesOfCorefile(
  text: string,
  lineOf: (index: number) => SourceLocation,
): HostsEntry[] {
  const entries: HostsEntry[] = [];
  for (const block of text.matchAll(hostsBlocks)) {
    const before = text.slice(0, block.index! + block[0].indexOf('{'));
    const first = before.split('\n').length - 1;
    entries.push(
      ...entriesOfLines(block[2], i => lineOf(first + i), ttlOfBlock(block[2])),
    );
  }
  return entries;
}

/** The TTL of the hosts block that reads a file (`hosts /etc/coredns/NodeHosts { ttl 60 }`) in a Corefile. */
function ttlOfFileIn(corefile: string | undefined, file: string): number {
  for (const block of corefile?.matchAll(hostsBlocks) ?? [])
    if (block[1].trim().split(/\s+/)[0]?.endsWith(`/${file}`))
      return ttlOfBlock(block[2]);
  return hostsDefaultTtl;
}

/**
 * The line of each line of a text value: exact where the object's own file
 * holds the key (a block scalar starts on the next line), else the place
 * the value comes from.
 */
function linesOf(
  object: SubstitutedObject,
  path: ObjectPath,
): (index: number) => SourceLocation {
  const own = deepestLine(object.source.root, path);
  const at = locate(object, path);
  if (own.depth !== path.length || own.line === undefined) return () => at;
  return i => ({ file: object.source.file, line: own.line! + 1 + i });
}

function readHostsEntries(cluster: ClusterModel): HostsEntry[] {
  const entries: HostsEntry[] = [];
  for (const { object, appliedBy } of cluster.render.objects) {
    if (object.kind === 'ConfigMap' && isRecord(object.body.data)) {
      for (const [key, value] of Object.entries(object.body.data)) {
        if (typeof value !== 'string') continue;
        const lineOf = linesOf(object, ['data', key]);
        // k3s keeps its node hosts as a hosts file beside the Corefile
        if (key === 'NodeHosts')
          entries.push(
            ...entriesOfLines(
              value,
              lineOf,
              ttlOfFileIn(object.body.data.Corefile, key),
            ),
          );
        else if (corefileKey.test(key))
          entries.push(...entriesOfCorefile(value, lineOf));
      }
      continue;
    }
    if (object.kind !== 'HelmRelease') continue;
    // the coredns chart's `servers[].plugins[]`, a hosts plugin's block in `configBlock`
    const { values } = cluster.releaseValues(object, appliedBy);
    const servers = Array.isArray(values.servers) ? values.servers : [];
    servers.forEach((server: unknown, s: number) => {
      const plugins = isRecord(server) ? server.plugins : undefined;
      if (!Array.isArray(plugins)) return;
      plugins.forEach((plugin: unknown, p: number) => {
        if (
          !isRecord(plugin) ||
          plugin.name !== 'hosts' ||
          typeof plugin.configBlock !== 'string'
        )
          return;
        const path = [
          'spec',
          'values',
          'servers',
          s,
          'plugins',
          p,
          'configBlock',
        ];
        entries.push(
          ...entriesOfLines(
            plugin.configBlock,
            linesOf(object, path),
            ttlOfBlock(plugin.configBlock),
          ),
        );
      });
    });
  }
  return entries;
}

/** Asked for each peer of every cluster: read once per cluster model. */
const hostsByCluster = new WeakMap<ClusterModel, HostsEntry[]>();

/**
 * The names a cluster's CoreDNS answers from `hosts` entries in what Flux
 * applies to it: the coredns chart's values (`servers[].plugins[]` named
 * `hosts`, inline entries in `configBlock`), and Corefiles in ConfigMaps
 * (`Corefile`, and `coredns-custom`'s `*.server` and `*.override` keys),
 * with k3s's `NodeHosts`. Entries read from a file (`hosts /etc/hosts`)
 * are not among them.
 *
 * @public
 */
export function coreDnsHostsOf(cluster: ClusterModel): HostsEntry[] {
  let found = hostsByCluster.get(cluster);
  if (!found) {
    found = readHostsEntries(cluster);
    hostsByCluster.set(cluster, found);
  }
  return found;
}

/**
 * The entries for a cluster's FQDN in each of its peers' CoreDNS: the
 * records that count in manual mode, as the peers connect by that name.
 *
 * @public
 */
export function peersHostsEntries(
  mesh: MeshModel,
  cluster: ClusterModel,
): { peer: ClusterModel; entries: HostsEntry[] }[] {
  const fqdn = cluster.fqdn?.value.toLowerCase().replace(/\.$/, '');
  return mesh.members
    .filter(m => m !== cluster)
    .map(peer => ({
      peer,
      entries: coreDnsHostsOf(peer).filter(e => e.name === fqdn),
    }));
}
