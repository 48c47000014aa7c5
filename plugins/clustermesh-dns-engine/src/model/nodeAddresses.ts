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
 * gateway (Talos' talhelper `talconfig.yaml`). LB IPAM giving one of these
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
 * The machine addresses of every talhelper configuration in the
 * repository, as written (a `${VAR}` talhelper fills in from its
 * environment is left out: not known here).
 *
 * @public
 */
export function nodeAddresses(tree: RepoTree): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const file of tree.paths()) {
    if (!talconfig.test(basenamePath(file))) continue;
    const text = readTextFile(tree, file);
    if (text === undefined) continue;
    for (const { value: root } of parseYamlText(file, text).documents) {
      if (!isRecord(root)) continue;
      const cluster =
        typeof root.clusterName === 'string' ? root.clusterName : undefined;
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

/** The host of a URL, an IPv6 address without its brackets; undefined if it is none. */
function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}
