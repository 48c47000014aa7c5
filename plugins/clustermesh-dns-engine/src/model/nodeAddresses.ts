import { inRecordFolder } from '../conventions/detect/scan';
import {
  parseIpAddress,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord, ObjectPath } from '../core/paths';
import type { RepoTree } from '../tree/RepoTree';
import { basenamePath } from '../tree/RepoTree';
import { readTextFile } from '../yaml/decode';
import { parseYamlText } from '../yaml/documents';
import { lineAtPath } from '../yaml/lines';

/**
 * An address the repository gives the cluster's machines, not a
 * LoadBalancer service: a node's, the API server's VIP or endpoint, the
 * gateway (Talos' talhelper `talconfig.yaml`), an Ansible inventory's host. LB IPAM giving one of these
 * to a service hands it an address something else answers.
 *
 * @public
 */
export interface NodeAddress {
  /** Canonical text of the address. */
  ip: string;
  /** What it is, for messages: `the API server VIP of node k8s-1`. */
  what: string;
  /** The Talos cluster's name (`clusterName`), when written. */
  cluster?: string;
  location: SourceLocation;
}

/** A talhelper configuration, the Talos machine settings of one cluster. */
const talconfig = /^talconfig\.ya?ml$/;

/**
 * An Ansible inventory in YAML: `hosts.yaml`, `inventory.yml`, or a YAML
 * file in an `inventory`/`inventories` folder (not its group_vars or
 * host_vars, which hold variables, not hosts).
 */
const ansibleInventory = (file: string) =>
  /\.ya?ml$/.test(file) &&
  (/^(hosts|inventory)\.ya?ml$/.test(basenamePath(file)) ||
    (/(^|\/)inventor(y|ies)\//.test(file) &&
      !/(^|\/)(group|host)_vars\//.test(file)));

/**
 * The machine addresses of every talhelper configuration and Ansible
 * inventory in the repository, as written (a `${VAR}` talhelper fills in
 * from its environment, or a Jinja template, is left out: not known here).
 *
 * @public
 */
export function nodeAddresses(tree: RepoTree): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const file of tree.paths()) {
    const isTalos = talconfig.test(basenamePath(file));
    if (!isTalos && !ansibleInventory(file)) continue;
    const text = readTextFile(tree, file);
    if (text === undefined) continue;
    for (const { value: root } of parseYamlText(file, text).documents) {
      if (!isRecord(root)) continue;
      const cluster =
        isTalos && typeof root.clusterName === 'string'
          ? root.clusterName
          : undefined;
      const add = (value: unknown, what: string, path: ObjectPath) => {
        if (typeof value !== 'string') return;
        // an address, an address with its prefix, or a URL's host
        const host = /^https?:\/\//.test(value)
          ? urlHost(value)
          : value.split('/')[0];
        const ip = host ? parseIpAddress(host.trim()) : undefined;
        if (!ip) return;
        out.push({
          ip: ip.text,
          what,
          ...(cluster && { cluster }),
          location: { file, line: lineAtPath(root, path) ?? 1 },
        });
      };
      if (!isTalos) {
        inventoryHosts(root, (host, path) =>
          add(
            getPath(root, [...path, 'ansible_host']) ?? host,
            `the address of Ansible host ${host}`,
            getPath(root, [...path, 'ansible_host']) === undefined
              ? path
              : [...path, 'ansible_host'],
          ),
        );
        continue;
      }
      add(root.endpoint, 'the API server endpoint', ['endpoint']);
      const nodes = Array.isArray(root.nodes) ? root.nodes : [];
      nodes.forEach((node, n) => {
        if (!isRecord(node)) return;
        const name =
          typeof node.hostname === 'string' ? node.hostname : `#${n + 1}`;
        add(node.ipAddress, `the address of node ${name}`, [
          'nodes',
          n,
          'ipAddress',
        ]);
        const links = Array.isArray(node.networkInterfaces)
          ? node.networkInterfaces
          : [];
        links.forEach((link, l) => {
          const at = ['nodes', n, 'networkInterfaces', l];
          const addresses = getPath(link, ['addresses']);
          if (Array.isArray(addresses))
            addresses.forEach((a, i) =>
              add(a, `an address of node ${name}`, [...at, 'addresses', i]),
            );
          add(getPath(link, ['vip', 'ip']), 'the API server VIP', [
            ...at,
            'vip',
            'ip',
          ]);
          const routes = getPath(link, ['routes']);
          if (Array.isArray(routes))
            routes.forEach((route, i) =>
              add(getPath(route, ['gateway']), 'the gateway', [
                ...at,
                'routes',
                i,
                'gateway',
              ]),
            );
        });
      });
    }
  }
  return out;
}

/**
 * Each host of an Ansible YAML inventory (groups of `hosts` and
 * `children`, from the top-level groups down), with the path of its
 * entry. A file that is no inventory has no group of that shape: none.
 */
function inventoryHosts(
  root: Record<string, unknown>,
  visit: (host: string, path: ObjectPath) => void,
): void {
  const group = (value: unknown, path: ObjectPath, depth: number) => {
    // an inventory nests groups a few levels deep; a cycle cannot occur
    // in parsed YAML without aliases, but depth keeps a stray one short
    if (!isRecord(value) || depth > 16) return;
    if (isRecord(value.hosts))
      for (const host of Object.keys(value.hosts))
        visit(host, [...path, 'hosts', host]);
    if (isRecord(value.children))
      for (const [name, child] of Object.entries(value.children))
        group(child, [...path, 'children', name], depth + 1);
  };
  for (const [name, value] of Object.entries(root)) group(value, [name], 0);
}

/** The host of a URL, an IPv6 address without its brackets; undefined if it is none. */
function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/**
 * The networks a talhelper configuration gives its cluster: its pod CIDRs
 * (`clusterPodNets`) and Service CIDRs (`clusterSvcNets`), each where
 * written out (a `${VAR}` talhelper fills in leaves that list out).
 *
 * @public
 */
export interface TalosNetworks {
  file: string;
  /** The pod CIDRs; empty where not written out. */
  cidrs: string[];
  location: SourceLocation;
  /** The Service CIDRs, where written out. */
  serviceCidrs?: { cidrs: string[]; location: SourceLocation };
}

/**
 * The `clusterPodNets` and `clusterSvcNets` of every talhelper
 * configuration of the repository, as written: the pod CIDRs a cluster on
 * Kubernetes' own IPAM (Cilium's `ipam.mode: kubernetes`) uses, and the
 * CIDRs its Services' ClusterIPs come from.
 *
 * @public
 */
export function talosNetworks(tree: RepoTree): TalosNetworks[] {
  const out: TalosNetworks[] = [];
  for (const file of tree.paths()) {
    // one kept for the record (`.archive/`) is no running cluster's
    if (!talconfig.test(basenamePath(file)) || inRecordFolder(file)) continue;
    const text = readTextFile(tree, file);
    if (text === undefined) continue;
    for (const { value: root } of parseYamlText(file, text).documents) {
      if (!isRecord(root)) continue;
      const written = (key: string) => {
        const nets = root[key];
        if (!Array.isArray(nets)) return undefined;
        const cidrs = nets.filter(
          (n): n is string => typeof n === 'string' && !n.includes('$'),
        );
        return cidrs.length === nets.length && cidrs.length
          ? {
              cidrs,
              location: { file, line: lineAtPath(root, [key]) ?? 1 },
            }
          : undefined;
      };
      const pods = written('clusterPodNets');
      const services = written('clusterSvcNets');
      if (pods || services)
        out.push({
          file,
          cidrs: pods?.cidrs ?? [],
          location: pods?.location ?? { file, line: 1 },
          ...(services && { serviceCidrs: services }),
        });
    }
  }
  return out;
}

/**
 * The talhelper configuration of a cluster: the one in its folder
 * (DaHofa02's, InvisCo's copies), else the one in a folder of its name
 * beside the clusters' (Echelon101's `talos/srvdev/`); undefined unless
 * exactly one.
 *
 * @public
 */
export function ownTalosNets(
  all: readonly TalosNetworks[],
  cluster: { name: string; dir: string },
): TalosNetworks | undefined {
  const inFolder = all.filter(n => n.file.startsWith(`${cluster.dir}/`));
  const own = inFolder.length
    ? inFolder
    : all.filter(n => n.file.split('/').slice(0, -1).includes(cluster.name));
  return own.length === 1 ? own[0] : undefined;
}
