import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { ClusterMeshDnsClient } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { readCatalogSources } from './config';
import { ClusterMeshDnsAnnotationProcessor } from './ClusterMeshDnsAnnotationProcessor';
import { ClusterMeshDnsEntityProvider } from './ClusterMeshDnsEntityProvider';

/**
 * The clustermesh-dns module for the catalog: the clusters of every
 * ClusterMesh DNS source as `Resource` entities of type `kubernetes-cluster`,
 * read from the clustermesh-dns backend with this module's service
 * credentials, and annotations on existing entities for sources that emit
 * none.
 *
 * @public
 */
export const catalogModuleClustermeshDns = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'clustermesh-dns',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ catalog, config, logger, scheduler, discovery, auth }) {
        const sources = readCatalogSources(config);
        const scheduleConfig = config.getOptionalConfig(
          'catalog.providers.clustermeshDns.schedule',
        );
        const schedule = scheduleConfig
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
          : {
              frequency: { minutes: 10 },
              timeout: { minutes: 5 },
              initialDelay: { seconds: 30 },
            };
        const client = new ClusterMeshDnsClient({
          discoveryApi: discovery,
          fetchApi: {
            fetch: async (input, init) => {
              const { token } = await auth.getPluginRequestToken({
                onBehalfOf: await auth.getOwnServiceCredentials(),
                targetPluginId: 'clustermesh-dns',
              });
              const headers = new Headers(init?.headers);
              headers.set('Authorization', `Bearer ${token}`);
              return fetch(input, { ...init, headers });
            },
          },
        });
        catalog.addEntityProvider(
          new ClusterMeshDnsEntityProvider({
            client,
            sources,
            logger,
            taskRunner: scheduler.createScheduledTaskRunner({
              ...schedule,
              scope: 'global',
            }),
          }),
        );
        catalog.addProcessor(new ClusterMeshDnsAnnotationProcessor(sources));
      },
    });
  },
});
