import { useEffect, useRef, useState } from 'react';
import type {
  ClusterMeshDnsApi,
  ClusterPool,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

export interface PoolState {
  loading: boolean;
  value?: ClusterPool;
  error?: Error;
}

/** The pools of the named clusters of a source: one request per cluster, kept. */
export function usePools(
  api: ClusterMeshDnsApi,
  sourceId: string | undefined,
  clusters: string[],
): Record<string, PoolState> {
  const [pools, setPools] = useState<Record<string, PoolState>>({});
  const asked = useRef(new Set<string>());
  const forSource = useRef(sourceId);
  if (forSource.current !== sourceId) {
    forSource.current = sourceId;
    asked.current = new Set();
  }
  const key = clusters.join('\n');
  useEffect(() => {
    if (!sourceId) return;
    for (const cluster of key.split('\n').filter(Boolean)) {
      const id = `${sourceId}/${cluster}`;
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      setPools(p => ({ ...p, [id]: { loading: true } }));
      api.getPool(sourceId, cluster).then(
        value => setPools(p => ({ ...p, [id]: { loading: false, value } })),
        error => setPools(p => ({ ...p, [id]: { loading: false, error } })),
      );
    }
  }, [api, sourceId, key]);
  if (!sourceId) return {};
  return Object.fromEntries(
    clusters.map(c => [c, pools[`${sourceId}/${c}`] ?? { loading: true }]),
  );
}
