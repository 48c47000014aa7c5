import {
  ApiBlueprint,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  ClusterMeshDnsApi,
  ClusterMeshDnsClient,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** The clustermesh-dns backend API. @public */
export const clustermeshDnsApiRef = createApiRef<ClusterMeshDnsApi>({
  id: 'plugin.clustermesh-dns.api',
});

export const clustermeshDnsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: clustermeshDnsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ClusterMeshDnsClient({ discoveryApi, fetchApi }),
    }),
});
