import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ConfigReader } from '@backstage/config';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { ClusterMeshDnsClient } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
// the real backend, read over HTTP as the module reads it in an app
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import clustermeshDnsPlugin from '@clustermesh-dns/backstage-plugin-clustermesh-dns-backend';
import {
  ClusterMeshDnsEntityProvider,
  markdownCode,
  markdownText,
} from './ClusterMeshDnsEntityProvider';
import { ClusterMeshDnsAnnotationProcessor } from './ClusterMeshDnsAnnotationProcessor';
import { readCatalogSources } from './config';

const examples = path.resolve(__dirname, '../../../examples');
// the two example sources as app-config.yaml has them
const clustermeshDns = {
  sources: [
    {
      id: 'example',
      title: 'Example GitOps repository (after Story 13)',
      type: 'local',
      target: path.join(examples, 'gitops-repo'),
      catalog: {
        owner: 'group:default/platform-engineering',
        system: 'clustermesh',
      },
    },
    {
      id: 'example-before',
      title: 'Example GitOps repository (before Story 13)',
      type: 'local',
      target: path.join(
        examples,
        'templates/clustermesh-dns/gitops-repo-before',
      ),
      catalog: {
        owner: 'group:default/platform-engineering',
        system: 'clustermesh',
      },
    },
  ],
};

async function setup() {
  // the clustermesh-dns backend itself, read over HTTP as the module reads it
  const backend = await startTestBackend({
    features: [
      clustermeshDnsPlugin,
      mockServices.rootConfig.factory({ data: { clustermeshDns } }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  let failing: RegExp | undefined;
  const client = new ClusterMeshDnsClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `http://127.0.0.1:${port}/api/${pluginId}`,
    },
    fetchApi: {
      fetch: async (input, init) => {
        if (failing?.test(String(input)))
          throw new Error('connect ECONNREFUSED');
        return fetch(input, init);
      },
    },
  });
  const logger = mockServices.logger.mock();
  const provider = new ClusterMeshDnsEntityProvider({
    client,
    sources: readCatalogSources(new ConfigReader({ clustermeshDns }), '/'),
    logger,
  });
  const mutations: EntityProviderMutation[] = [];
  await provider.connect({
    applyMutation: async m => {
      mutations.push(m);
    },
    refresh: async () => {},
  });
  return {
    provider,
    mutations,
    logger,
    fail: (pattern?: RegExp) => {
      failing = pattern;
    },
    stop: () => backend.stop(),
  };
}

describe('ClusterMeshDnsEntityProvider', () => {
  it('emits the four cluster entities of the two example sources', async () => {
    const t = await setup();
    await t.provider.refresh();
    expect(t.mutations).toHaveLength(1);
    const [mutation] = t.mutations;
    expect(mutation.type).toBe('full');
    const entities = mutation.type === 'full' ? mutation.entities : [];
    expect(entities.map(e => e.entity.metadata.name)).toEqual([
      'example-apps',
      'example-infra',
      'example-before-apps',
      'example-before-infra',
    ]);
    expect(entities[1]).toEqual({
      locationKey: 'clustermesh-dns:example',
      entity: {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: {
          name: 'example-infra',
          title: 'infra cluster of Example GitOps repository (after Story 13)',
          // Markdown: the FQDN is code, its placeholder not taken for a tag.
          description:
            'Kubernetes cluster infra of Example GitOps repository (after Story 13) (FQDN `clustermesh-infra.<secret:SECRET_DOMAIN>`, LB IP 10.25.11.100), from ClusterMesh DNS.',
          annotations: {
            'clustermesh-dns.io/source': 'example',
            'clustermesh-dns.io/cluster': 'infra',
            'backstage.io/managed-by-location': 'clustermesh-dns:example',
            'backstage.io/managed-by-origin-location':
              'clustermesh-dns:example',
            'backstage.io/source-location': `file:${path.join(
              examples,
              'gitops-repo',
            )}/`,
          },
        },
        spec: {
          type: 'kubernetes-cluster',
          owner: 'group:default/platform-engineering',
          system: 'clustermesh',
        },
      },
    });
    // Clusters of the same name in two sources can be told apart.
    expect(entities.map(e => e.entity.metadata.title)).toEqual([
      'apps cluster of Example GitOps repository (after Story 13)',
      'infra cluster of Example GitOps repository (after Story 13)',
      'apps cluster of Example GitOps repository (before Story 13)',
      'infra cluster of Example GitOps repository (before Story 13)',
    ]);
    for (const { entity } of entities) {
      expect(entity.spec).toMatchObject({
        owner: 'group:default/platform-engineering',
        system: 'clustermesh',
      });
      expect(entity.metadata.annotations?.['clustermesh-dns.io/cluster']).toBe(
        entity.metadata.name.replace(/^example(-before)?-/, ''),
      );
    }
    await t.stop();
  });

  it('keeps the entities of a source that fails, and applies nothing when the backend is gone', async () => {
    const t = await setup();
    await t.provider.refresh();
    t.fail(/sources\/example\/report/);
    await t.provider.refresh();
    expect(t.mutations).toHaveLength(2);
    const second = t.mutations[1];
    expect(second.type).toBe('full');
    expect(
      second.type === 'full' &&
        second.entities.map(e => e.entity.metadata.name),
    ).toEqual([
      'example-apps',
      'example-infra',
      'example-before-apps',
      'example-before-infra',
    ]);
    expect(t.logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^ClusterMesh DNS source example: its report cannot be read \(.*ECONNREFUSED\); keeping its 2 cluster entities$/,
      ),
    );

    t.fail(/./);
    await expect(t.provider.refresh()).rejects.toThrow('ECONNREFUSED');
    expect(t.mutations).toHaveLength(2);
    await t.stop();
  });

  it('never removes what it has not read: a first read with a failing source adds only', async () => {
    const t = await setup();
    t.fail(/sources\/example-before\/report/);
    await t.provider.refresh();
    expect(t.mutations).toEqual([
      {
        type: 'delta',
        added: [
          expect.objectContaining({
            entity: expect.objectContaining({
              metadata: expect.objectContaining({ name: 'example-apps' }),
            }),
          }),
          expect.objectContaining({
            entity: expect.objectContaining({
              metadata: expect.objectContaining({ name: 'example-infra' }),
            }),
          }),
        ],
        removed: [],
      },
    ]);
    await t.stop();
  });
});

describe('ClusterMeshDnsAnnotationProcessor', () => {
  it('annotates the existing entities of a source whose catalog output is off', async () => {
    const sources = readCatalogSources(
      new ConfigReader({
        clustermeshDns: {
          sources: [
            {
              id: 'prod',
              type: 'url',
              target: 'https://github.com/acme/gitops',
              catalog: {
                enabled: false,
                annotate: { infra: 'resource:infra-cluster' },
              },
            },
          ],
        },
      }),
    );
    const processor = new ClusterMeshDnsAnnotationProcessor(sources);
    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: { name: 'infra-cluster', annotations: { a: 'b' } },
      spec: { type: 'kubernetes-cluster', owner: 'platform' },
    };
    const location = {
      type: 'url',
      target: 'https://example.com/catalog-info.yaml',
    };
    expect(
      await processor.preProcessEntity(entity, location, () => {}),
    ).toEqual({
      ...entity,
      metadata: {
        name: 'infra-cluster',
        annotations: {
          a: 'b',
          'clustermesh-dns.io/source': 'prod',
          'clustermesh-dns.io/cluster': 'infra',
        },
      },
    });
    const other = { ...entity, metadata: { name: 'other' } };
    expect(await processor.preProcessEntity(other, location, () => {})).toBe(
      other,
    );
  });
});

describe('markdown of the description', () => {
  it('escapes what markdown would read in a text', () => {
    expect(markdownText('home_ops <main> `x` *y* [z]')).toBe(
      'home\\_ops \\<main\\> \\`x\\` \\*y\\* \\[z\\]',
    );
    expect(markdownText('monosense-io/k8s-gitops (main)')).toBe(
      'monosense-io/k8s-gitops (main)',
    );
  });

  it('makes a code span of any text', () => {
    expect(markdownCode('clustermesh-infra.<secret:SECRET_DOMAIN>')).toBe(
      '`clustermesh-infra.<secret:SECRET_DOMAIN>`',
    );
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('`a')).toBe('`` `a ``');
  });
});
