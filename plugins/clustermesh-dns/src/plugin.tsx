import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import DnsIcon from '@mui/icons-material/Dns';
import { rootRouteRef } from './routes';
import { clustermeshDnsApi } from './api';

export const clustermeshDnsPage = PageBlueprint.make({
  params: {
    path: '/clustermesh-dns',
    title: 'ClusterMesh DNS',
    icon: <DnsIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/ClusterMeshDnsPage').then(m => (
        <m.ClusterMeshDnsPage />
      )),
  },
});

/**
 * ClusterMesh DNS: every cluster's ClusterMesh FQDN → IP mapping with its
 * validation status.
 *
 * @public
 */
export const clustermeshDnsPlugin = createFrontendPlugin({
  pluginId: 'clustermesh-dns',
  extensions: [clustermeshDnsApi, clustermeshDnsPage],
  routes: { root: rootRouteRef },
});
