import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import plugin, {
  ClusterMeshDnsPage,
  ClusterMeshLbIpPickerFieldExtension,
  clustermeshDnsLegacyPlugin,
  EntityClusterMeshDnsCard,
  EntityClusterMeshDnsContent,
  isClusterMeshDnsAvailable,
} from './index';
import { clustermeshDnsLbIpPickerField, clustermeshDnsPage } from './plugin';

describe('the plugin', () => {
  it('brings the API, the page, the entity tab and card and the form field to the new frontend system', () => {
    for (const id of [
      'api:clustermesh-dns',
      'page:clustermesh-dns',
      'entity-content:clustermesh-dns/cluster',
      'entity-card:clustermesh-dns/cluster',
      'scaffolder-form-field:clustermesh-dns/lb-ip-picker',
    ]) {
      expect(plugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('mounts the page at /clustermesh-dns, or where app-config says', () => {
    expect(
      createExtensionTester(clustermeshDnsPage).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/clustermesh-dns');
    expect(
      createExtensionTester(clustermeshDnsPage, {
        config: { path: '/mesh-dns', templateRef: 'template:ops/dns' },
      }).get(coreExtensionData.routePath),
    ).toBe('/mesh-dns');
  });

  it('loads the form field lazily', async () => {
    const loader = createExtensionTester(clustermeshDnsLbIpPickerField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    expect(await loader()).toEqual(
      expect.objectContaining({ $$type: '@backstage/scaffolder/FormField' }),
    );
  });

  it('exports the legacy plugin and its extensions', () => {
    expect(clustermeshDnsLegacyPlugin.getId()).toBe('clustermesh-dns');
    for (const extension of [
      ClusterMeshDnsPage,
      EntityClusterMeshDnsContent,
      EntityClusterMeshDnsCard,
      ClusterMeshLbIpPickerFieldExtension,
    ])
      expect(extension).toBeInstanceOf(Function);
    expect(typeof isClusterMeshDnsAvailable).toBe('function');
  });
});
