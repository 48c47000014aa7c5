import { createDevApp } from '@backstage/frontend-dev-utils';
import {
  ApiBlueprint,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import plugin, { clustermeshDnsApiRef } from '../src';
import { InMemoryClusterMeshDnsApi } from './InMemoryClusterMeshDnsApi';

// The plugin alone, its API answering from memory (the example repositories
// and a 511-cluster source), so no backend is needed.
const inMemoryApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: clustermeshDnsApiRef,
      deps: {},
      factory: () => new InMemoryClusterMeshDnsApi(),
    }),
});

createDevApp({
  features: [
    plugin,
    createFrontendModule({
      pluginId: 'clustermesh-dns',
      extensions: [inMemoryApi],
    }),
  ],
});
