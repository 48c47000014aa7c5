import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createClustermeshDnsActions } from './actions';

/**
 * Registers the ClusterMesh DNS actions with the scaffolder.
 *
 * @public
 */
export const scaffolderModuleClustermeshDns = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'clustermesh-dns',
  register({ registerInit }) {
    registerInit({
      deps: { scaffolderActions: scaffolderActionsExtensionPoint },
      async init({ scaffolderActions }) {
        scaffolderActions.addActions(...createClustermeshDnsActions());
      },
    });
  },
});
