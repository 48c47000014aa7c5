import type { ClusterReport } from './types';

/**
 * Whether the report found a cluster's record: a DNSEndpoint of the cluster
 * holds it (its location); in manual mode the record is made outside the
 * repository, and is known once the LB IP gives its type, for a cluster in
 * the mesh. Otherwise the report's `record` holds only the configured
 * defaults (TTL, mode), not a record.
 *
 * @public
 */
export function hasRecord(
  cluster: Pick<ClusterReport, 'record' | 'status'>,
): boolean {
  const { record } = cluster;
  if (!record) return false;
  if (record.location) return true;
  return (
    record.mode === 'manual' &&
    record.type !== undefined &&
    cluster.status !== 'outside'
  );
}
