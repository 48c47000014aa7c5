import {
  createFrontendPlugin,
  PageBlueprint,
  StandardSchemaV1,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { Content } from '@backstage/core-components';
import DnsIcon from '@mui/icons-material/Dns';
import { clustermeshDnsApi } from './api';
import { isClusterMeshDnsAvailable } from './annotations';
import { externalRoutes, routes } from './routes';

/**
 * An optional string in app-config, with its JSON schema (the framework
 * documents and checks extension config through it).
 */
const optionalStringSchema = {
  '~standard': {
    version: 1 as const,
    vendor: 'clustermesh-dns',
    validate: (value: unknown) =>
      value === undefined || typeof value === 'string'
        ? { value }
        : { issues: [{ message: `Expected a string, got ${typeof value}` }] },
    jsonSchema: {
      input: () => ({ type: 'string' }),
      output: () => ({ type: 'string' }),
    },
  },
};
const optionalString: StandardSchemaV1<string | undefined> =
  optionalStringSchema;

/**
 * The page at `/clustermesh-dns`. Config: `path`, `title`, and
 * `templateRef` (the template "Configure DNS" opens).
 *
 * @public
 */
export const clustermeshDnsPage = PageBlueprint.makeWithOverrides({
  configSchema: { templateRef: optionalString },
  factory(originalFactory, { config }) {
    return originalFactory({
      path: '/clustermesh-dns',
      title: 'ClusterMesh DNS',
      icon: <DnsIcon fontSize="inherit" />,
      routeRef: routes.root,
      loader: () =>
        import('./components/ClusterMeshDnsPage').then(m => (
          <Content>
            <m.ClusterMeshDnsPage templateRef={config.templateRef} />
          </Content>
        )),
    });
  },
});

/** The cluster entity's tab; mounted only on annotated cluster entities. @public */
export const clustermeshDnsEntityContent = EntityContentBlueprint.make({
  name: 'cluster',
  params: {
    path: '/clustermesh-dns',
    title: 'ClusterMesh DNS',
    routeRef: routes.entityContent,
    filter: isClusterMeshDnsAvailable,
    loader: () =>
      import('./components/EntityContent').then(m => (
        <m.EntityClusterMeshDnsContent />
      )),
  },
});

/** The cluster entity's overview card; mounted only on annotated cluster entities. @public */
export const clustermeshDnsEntityCard = EntityCardBlueprint.make({
  name: 'cluster',
  params: {
    type: 'info',
    filter: isClusterMeshDnsAvailable,
    loader: () =>
      import('./components/EntityContent').then(m => (
        <m.EntityClusterMeshDnsCard />
      )),
  },
});

/** The scaffolder field `ClusterMeshLbIpPicker`. @public */
export const clustermeshDnsLbIpPickerField = FormFieldBlueprint.make({
  name: 'lb-ip-picker',
  params: {
    field: () =>
      import('./components/LbIpPicker/formField').then(
        m => m.clusterMeshLbIpPickerFormField,
      ),
  },
});

/**
 * ClusterMesh DNS for the new frontend system: the page, the cluster
 * entity's tab and card, the scaffolder field and the API.
 *
 * @public
 */
export const clustermeshDnsPlugin = createFrontendPlugin({
  pluginId: 'clustermesh-dns',
  title: 'ClusterMesh DNS',
  icon: <DnsIcon fontSize="inherit" />,
  extensions: [
    clustermeshDnsApi,
    clustermeshDnsPage,
    clustermeshDnsEntityContent,
    clustermeshDnsEntityCard,
    clustermeshDnsLbIpPickerField,
  ],
  routes,
  externalRoutes,
});
