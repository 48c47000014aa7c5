import path from 'node:path';
import type { JsonObject } from '@backstage/types';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { clustermeshDnsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');

async function startWith(sources: JsonObject[]) {
  const { server } = await startTestBackend({
    features: [
      clustermeshDnsPlugin,
      mockServices.rootConfig.factory({
        data: { clustermeshDns: { sources } },
      }),
    ],
  });
  return server;
}

describe('clustermesh-dns backend', () => {
  it('lists the configured sources', async () => {
    const server = await startWith([
      {
        id: 'example',
        title: 'Example',
        type: 'local',
        target: path.join(examples, 'gitops-repo'),
      },
    ]);
    const res = await request(server).get('/api/clustermesh-dns/sources');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [{ id: 'example', title: 'Example', type: 'local' }],
    });
  });

  it("serves a source's report, every check of the example repository passing", async () => {
    const server = await startWith([
      {
        id: 'example',
        type: 'local',
        target: path.join(examples, 'gitops-repo'),
      },
    ]);
    const res = await request(server).get(
      '/api/clustermesh-dns/sources/example/report',
    );
    expect(res.status).toBe(200);
    expect(res.body.error).toBeUndefined();
    expect(res.body.report.summary).toMatchObject({
      clusters: 2,
      errors: 0,
      status: 'pass',
    });
    expect(
      res.body.report.clusters.map((c: any) => [c.name, c.lbIp.value]),
    ).toEqual([
      ['apps', '10.25.11.120'],
      ['infra', '10.25.11.100'],
    ]);
  });

  it('reports an unreadable repository as an error, not a 500', async () => {
    const server = await startWith([
      {
        id: 'gone',
        type: 'local',
        target: path.join(examples, 'no-such-repo'),
      },
    ]);
    const res = await request(server).get(
      '/api/clustermesh-dns/sources/gone/report',
    );
    expect(res.status).toBe(200);
    expect(res.body.report).toBeUndefined();
    expect(res.body.stale.error).toMatch(
      /no-such-repo is not a readable directory/,
    );
  });

  it('answers 404 for an unknown source', async () => {
    const server = await startWith([]);
    const res = await request(server).get(
      '/api/clustermesh-dns/sources/nope/report',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('No ClusterMesh DNS source "nope"');
  });

  it('refuses a source with an unsupported type, naming the field', async () => {
    await expect(
      startWith([{ id: 'x', type: 'ftp', target: '/tmp' }]),
    ).rejects.toThrow(
      'clustermeshDns.sources[0].type "ftp" is not supported (supported: local)',
    );
  });
});
