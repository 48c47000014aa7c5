import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import clustermeshDnsPlugin from '@clustermesh-dns/backstage-plugin-clustermesh-dns';
import { navModule } from './modules/nav';

export default createApp({
  features: [catalogPlugin, scaffolderPlugin, clustermeshDnsPlugin, navModule],
});
