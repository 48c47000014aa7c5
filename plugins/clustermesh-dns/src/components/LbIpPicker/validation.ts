import {
  ClusterPool,
  describeInvalidIp,
  formatLocation,
  parseIpAddress,
  rangeContains,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { canonicalAddress, parseBlock } from '../../lib/ip';
import type { ClusterEntry } from '../../lib/configure';

/** A problem with one entry of the form. */
export interface EntryProblem {
  index: number;
  field: 'name' | 'ip';
  message: string;
}

/** What the source says, for checking the entries against it. */
export interface ValidationContext {
  /** The clusters of the source, when known. */
  clusters?: string[];
  sourceTitle?: string;
  /** The pools of each cluster, when loaded. */
  pools: Record<string, ClusterPool | undefined>;
}

/** The pools that would give the clustermesh-apiserver an address. */
export function admittingPools(pool: ClusterPool) {
  return pool.pools.filter(p => !p.disabled && p.admitsApiServer);
}

/** `lb-ippool-apps: 10.25.11.120-10.25.11.139`, for messages. */
export function describePools(pool: ClusterPool): string {
  return admittingPools(pool)
    .map(p => `${p.name}: ${p.blocks.join(', ')}`)
    .join('; ');
}

/** Why an address cannot be the cluster's ClusterMesh LB IP, or undefined. */
export function addressProblem(
  entry: ClusterEntry,
  index: number,
  entries: ClusterEntry[],
  pool: ClusterPool | undefined,
): string | undefined {
  const who = entry.name || 'this cluster';
  const ip = entry.ip ?? '';
  if (ip === '') return `Enter the LB IP of ${who}`;
  const address = parseIpAddress(ip);
  if (!address)
    return `"${ip}" is not an IP address: it ${describeInvalidIp(ip)}`;
  if (pool) {
    const pools = admittingPools(pool);
    if (pools.length === 0) {
      return `${who} has no enabled LB IPAM pool that admits the clustermesh-apiserver service`;
    }
    const inside = pools.some(p =>
      p.blocks.some(block => {
        const range = parseBlock(block);
        return range ? rangeContains(range, address) : false;
      }),
    );
    if (!inside) {
      return `${
        address.text
      } is outside the LB IPAM pools of ${who} (${describePools(pool)})`;
    }
    const isCurrent =
      pool.current !== undefined &&
      canonicalAddress(pool.current) === address.text;
    const use = isCurrent
      ? undefined
      : pool.used.find(u => canonicalAddress(u.address) === address.text);
    if (use) {
      const by = use.usedBy
        .map(
          u =>
            `${u.what}${u.cluster ? ` in ${u.cluster}` : ''}${
              u.location ? ` (${formatLocation(u.location)})` : ''
            }`,
        )
        .join('; ');
      return `${address.text} is in use by ${by || 'another service'}`;
    }
  }
  const other = entries.findIndex(
    (e, i) => i !== index && e.ip && canonicalAddress(e.ip) === address.text,
  );
  if (other >= 0) {
    return `${address.text} is also given to ${
      entries[other].name || `cluster ${other + 1}`
    } in this form`;
  }
  return undefined;
}

/**
 * Every problem of the form's entries: a cluster missing, unknown or listed
 * twice; an address malformed, outside the cluster's pools, used by
 * something else, or given to two clusters.
 */
export function validateEntries(
  entries: ClusterEntry[],
  context: ValidationContext,
): EntryProblem[] {
  const problems: EntryProblem[] = [];
  entries.forEach((entry, index) => {
    const name = entry.name ?? '';
    if (!name) {
      problems.push({ index, field: 'name', message: 'Choose a cluster' });
    } else if (entries.findIndex(e => e.name === name) !== index) {
      problems.push({
        index,
        field: 'name',
        message: `${name} is listed more than once`,
      });
    } else if (context.clusters && !context.clusters.includes(name)) {
      problems.push({
        index,
        field: 'name',
        message: `${name} is not a cluster of ${
          context.sourceTitle ?? 'the source'
        }`,
      });
    }
    const message = addressProblem(
      entry,
      index,
      entries,
      name ? context.pools[name] : undefined,
    );
    if (message) problems.push({ index, field: 'ip', message });
  });
  return problems;
}
