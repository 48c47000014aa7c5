import { createPermission } from '@backstage/plugin-permission-common';

/** Reading the reports of the configured sources. @public */
export const clustermeshDnsReportReadPermission = createPermission({
  name: 'clustermesh-dns.report.read',
  attributes: { action: 'read' },
});

/** Running the live checks of a source (DNS queries, provider and Kubernetes API calls). @public */
export const clustermeshDnsLiveRunPermission = createPermission({
  name: 'clustermesh-dns.live.run',
  attributes: { action: 'update' },
});

/** Every permission of the plugin. @public */
export const clustermeshDnsPermissions = [
  clustermeshDnsReportReadPermission,
  clustermeshDnsLiveRunPermission,
];
