import { formatLocation } from './location';
import type { CheckResult } from './types';

/**
 * A cluster's name as a folder of a path (`clusters/dev/…`, `…/dev.yaml`).
 *
 * @public
 */
export const clusterSegment = (cluster: string) =>
  // a cluster's name is a DNS label: no character a pattern reads
  new RegExp(`(?<=/)${cluster}(?=[/.])`, 'g');

/**
 * Check results of one cause: one rule's message, for the clusters that
 * have it at one place or each at its own file (its folder in the path).
 *
 * @public
 */
export interface CheckGroup {
  /** The first result of the group. */
  check: CheckResult;
  /** The clusters of its results, in order. */
  clusters: string[];
  /** Where they are (`file:line`), each place once. */
  places: string[];
}

/**
 * Groups check results by cause: the same message of the same rule at one
 * place, or at each cluster's own file, is one group naming the clusters
 * (a shared file's warning said once, not per cluster). A result of no
 * cluster (a mesh check's) is a group of its own.
 *
 * @public
 */
export function groupChecks(checks: readonly CheckResult[]): CheckGroup[] {
  const groups = new Map<string, CheckGroup>();
  for (const c of checks) {
    const where = c.location ? formatLocation(c.location) : '';
    const place = c.cluster
      ? where.replace(clusterSegment(c.cluster), '\u0000')
      : where;
    const key = `${c.ruleId}\u0000${c.message}\u0000${place}`;
    const group = groups.get(key);
    if (group && c.cluster) {
      group.clusters.push(c.cluster);
      if (where && !group.places.includes(where)) group.places.push(where);
    } else
      groups.set(c.cluster ? key : `${key}\u0000${groups.size}`, {
        check: c,
        clusters: c.cluster ? [c.cluster] : [],
        places: where ? [where] : [],
      });
  }
  return [...groups.values()];
}
