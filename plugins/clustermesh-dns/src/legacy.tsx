import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { clustermeshDnsApiFactory } from './api';
import type { ClusterMeshDnsPageProps } from './components/ClusterMeshDnsPage';
import {
  ClusterMeshLbIpPicker,
  lbIpPickerFieldName,
  lbIpPickerSchema,
  lbIpPickerValidation,
} from './components/LbIpPicker';
import {
  entityContentRouteRef,
  rootRouteRef,
  scaffolderTemplateRouteRef,
} from './routes';

/**
 * ClusterMesh DNS for legacy apps (`createApp` from
 * `@backstage/app-defaults`): provides the API; mount the extensions below.
 *
 * @public
 */
export const clustermeshDnsLegacyPlugin = createPlugin({
  id: 'clustermesh-dns',
  apis: [clustermeshDnsApiFactory],
  routes: { root: rootRouteRef, entityContent: entityContentRouteRef },
  externalRoutes: { scaffolderTemplate: scaffolderTemplateRouteRef },
});

/**
 * The ClusterMesh DNS page for legacy apps, with its own header:
 * `<Route path="/clustermesh-dns" element={<ClusterMeshDnsPage />} />`.
 *
 * @public
 */
export const ClusterMeshDnsPage: (
  props: ClusterMeshDnsPageProps,
) => JSX.Element = clustermeshDnsLegacyPlugin.provide(
  createRoutableExtension({
    name: 'ClusterMeshDnsPage',
    component: () =>
      import('./components/ClusterMeshDnsPage/LegacyPage').then(
        m => m.LegacyClusterMeshDnsPage,
      ),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The cluster entity's ClusterMesh DNS tab for legacy apps; show it with
 * `isClusterMeshDnsAvailable`.
 *
 * @public
 */
export const EntityClusterMeshDnsContent: () => JSX.Element =
  clustermeshDnsLegacyPlugin.provide(
    createRoutableExtension({
      name: 'EntityClusterMeshDnsContent',
      component: () =>
        import('./components/EntityContent').then(
          m => m.EntityClusterMeshDnsContent,
        ),
      mountPoint: entityContentRouteRef,
    }),
  );

/**
 * The cluster entity's ClusterMesh DNS card for legacy apps; show it with
 * `isClusterMeshDnsAvailable`.
 *
 * @public
 */
export const EntityClusterMeshDnsCard: () => JSX.Element =
  clustermeshDnsLegacyPlugin.provide(
    createComponentExtension({
      name: 'EntityClusterMeshDnsCard',
      component: {
        lazy: () =>
          import('./components/EntityContent').then(
            m => m.EntityClusterMeshDnsCard,
          ),
      },
    }),
  );

/**
 * The scaffolder field `ClusterMeshLbIpPicker` for legacy apps: put it inside
 * `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const ClusterMeshLbIpPickerFieldExtension =
  clustermeshDnsLegacyPlugin.provide(
    createScaffolderFieldExtension({
      name: lbIpPickerFieldName,
      component: ClusterMeshLbIpPicker,
      validation: lbIpPickerValidation,
      schema: lbIpPickerSchema.schema,
    }),
  );
