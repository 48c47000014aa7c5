import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createRouter } from './router';
import { readSourcesConfig } from './service/sources';
import { ReportService } from './service/ReportService';

/**
 * The ClusterMesh DNS backend plugin: serves the MeshReport of each
 * configured GitOps repository.
 *
 * @public
 */
export const clustermeshDnsPlugin = createBackendPlugin({
  pluginId: 'clustermesh-dns',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
      },
      async init({ config, logger, httpAuth, httpRouter }) {
        const sources = readSourcesConfig(config);
        logger.info(
          `Serving ClusterMesh DNS reports of ${sources.length} source(s): ${
            sources.map(s => s.id).join(', ') || 'none configured'
          }`,
        );
        httpRouter.use(
          await createRouter({
            httpAuth,
            reports: new ReportService(sources, logger),
          }),
        );
      },
    });
  },
});
