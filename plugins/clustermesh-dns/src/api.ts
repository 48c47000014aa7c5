import {
  ApiBlueprint,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { createApiFactory } from '@backstage/core-plugin-api';
import {
  ClusterMeshDnsApi,
  ClusterMeshDnsClient,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** The clustermesh-dns backend API (the typed client of the common package). @public */
export const clustermeshDnsApiRef = createApiRef<ClusterMeshDnsApi>({
  id: 'plugin.clustermesh-dns.api',
});

const deps = { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef };
const factory = (options: {
  discoveryApi: typeof discoveryApiRef.T;
  fetchApi: typeof fetchApiRef.T;
}): ClusterMeshDnsApi => new ClusterMeshDnsClient(options);

/** The API for the new frontend system. */
export const clustermeshDnsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({ api: clustermeshDnsApiRef, deps, factory }),
});

/** The same API for legacy apps (`createPlugin`). */
export const clustermeshDnsApiFactory = createApiFactory({
  api: clustermeshDnsApiRef,
  deps,
  factory,
});
