import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { clustermeshDnsApiRef } from '../../api';
import { getClusterMeshDnsEntityRef } from '../../annotations';
import { rootRouteRef } from '../../routes';
import { viewStateQuery } from '../../lib/viewState';
import { rowKey } from '../ClusterMeshDnsPage/rows';

function useOptionalPageRoute(): (() => string) | undefined {
  try {
    return useRouteRef(rootRouteRef);
  } catch {
    // The app mounts the entity views but not the page.
    return undefined;
  }
}

/**
 * The cluster an entity stands for (from its annotations), fetched with one
 * request, and links to it on the ClusterMesh DNS page.
 */
export function useEntityCluster() {
  const { entity } = useEntity();
  const api = useApi(clustermeshDnsApiRef);
  const ref = getClusterMeshDnsEntityRef(entity);
  const page = useOptionalPageRoute();
  const detail = useAsyncRetry(
    async () => (ref ? api.getCluster(ref.sourceId, ref.cluster) : undefined),
    [api, ref?.sourceId, ref?.cluster],
  );
  const clusterHref = (cluster: string) =>
    page && ref
      ? `${page()}?${viewStateQuery({
          source: ref.sourceId,
          q: cluster,
          open: [rowKey(ref.sourceId, cluster)],
        })}`
      : undefined;
  return { entity, ref, detail, clusterHref };
}
