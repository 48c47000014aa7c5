import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ScmIntegrations } from '@backstage/integration';
import { clustermeshDnsPermissions } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { registerActions } from './actions';
import { InProcessEngineRunner } from './engine/EngineRunner';
import { WorkerEngineRunner } from './engine/WorkerEngineRunner';
import { readPluginOptions } from './config/config';
import { LiveChecks } from './live/LiveChecks';
import { createRouter } from './router';
import { SourceReader } from './scm/SourceReader';
import { Redactor } from './service/Redactor';
import { EngineFailureError, ReportStore } from './service/ReportStore';

/**
 * The ClusterMesh DNS backend plugin: the mesh report of each configured
 * GitOps repository (local folders and SCM URLs), refreshed on a schedule,
 * cached for every replica, served by an OpenAPI-described REST API, with
 * live DNS, provider and Service checks on request.
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
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        cache: coreServices.cache,
        scheduler: coreServices.scheduler,
        urlReader: coreServices.urlReader,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        actionsRegistry: actionsRegistryServiceRef,
        lifecycle: coreServices.lifecycle,
      },
      async init(deps) {
        const { config, logger, scheduler } = deps;
        const integrations = ScmIntegrations.fromConfig(config);
        const hostKind = (host: string) => integrations.byHost(host)?.type;
        const options = readPluginOptions(config, { hostKind });
        const redactor = new Redactor(
          options.sources.flatMap(source => [
            ...Object.entries(source.values).map(([name, value]) => ({
              value,
              placeholder: `<secret:${name}>`,
            })),
            ...(source.live.cloudflare
              ? [
                  {
                    value: source.live.cloudflare.apiToken,
                    placeholder: '<redacted>',
                  },
                ]
              : []),
          ]),
        );
        // a big repository takes seconds of CPU to validate: off the event loop
        const engine = options.validationWorker
          ? new WorkerEngineRunner(logger)
          : new InProcessEngineRunner();
        const store = new ReportStore({
          options,
          cache: deps.cache,
          logger,
          redactor,
          engine,
          reader: new SourceReader(deps.urlReader, {
            maxFileSize: options.maxFileSize,
          }),
        });
        const live = new LiveChecks({
          store,
          options,
          cache: deps.cache,
          logger,
          redactor,
          discovery: deps.discovery,
          auth: deps.auth,
        });
        deps.lifecycle.addShutdownHook(() => store.close());
        deps.permissionsRegistry.addPermissions(clustermeshDnsPermissions);
        registerActions({
          actionsRegistry: deps.actionsRegistry,
          permissions: deps.permissions,
          store,
        });

        for (const source of options.sources) {
          await scheduler.scheduleTask({
            id: `clustermesh-dns-refresh-${source.id}`,
            ...options.schedule,
            fn: async () => {
              try {
                await store.refresh(source.id);
              } catch (error) {
                // an engine failure is logged with its stack where it happened
                if (!(error instanceof EngineFailureError))
                  logger.error(
                    `clustermesh-dns refresh of ${source.id} failed`,
                    error as Error,
                  );
              }
            },
          });
        }
        logger.info(
          `Serving ClusterMesh DNS reports of ${
            options.sources.length
          } source(s): ${
            options.sources.map(s => `${s.id} (${s.type})`).join(', ') ||
            'none configured'
          }`,
        );

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            store,
            live,
            hostKind,
            constantRoute: options.constantRoute,
          }),
        );
      },
    });
  },
});
