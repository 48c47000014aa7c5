import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import clustermeshDnsPlugin from '@clustermesh-dns/backstage-plugin-clustermesh-dns';
import { navModule } from './modules/nav';

/**
 * The app's features. ClusterMesh DNS brings its page (with a navigation
 * item, see modules/nav), the cluster entities' tab and overview card (in
 * the catalog's entity pages), the scaffolder field ClusterMeshLbIpPicker
 * and its API client.
 */
export const features = [
  catalogPlugin,
  scaffolderPlugin,
  clustermeshDnsPlugin,
  navModule,
];

export default createApp({ features });
