import fs from 'node:fs';
import os from 'node:os';
import { join as joinPath } from 'node:path';
import request from 'supertest';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { clustermeshDnsLiveRunPermission } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { JsonObject } from '@backstage/types';
import {
  createHarness,
  exampleBeforeRepo,
  exampleRepo,
} from './__testUtils__/harness';
import { tableResolver } from './__testUtils__/resolver';
import { etagMatches } from './router';

// Every request and every answer of these tests passes wrapServer's proxy,
// which checks both against src/schema/openapi.yaml: a wrong answer fails
// the test (src/schema/wrapServer.test.ts shows that it does).

const sources: JsonObject[] = [
  {
    id: 'example',
    title: 'Example',
    type: 'local',
    target: exampleRepo,
    values: { SECRET_DOMAIN: 'mesh.example.org' },
    catalog: { owner: 'group:platform-engineering', system: 'clustermesh' },
  },
  { id: 'example-before', type: 'local', target: exampleBeforeRepo },
  {
    id: 'remote',
    type: 'url',
    target: 'https://github.com/acme/gitops',
    branch: 'main',
  },
];

const resolver = tableResolver({
  'clustermesh-infra.mesh.example.org': [{ address: '10.25.11.100', ttl: 300 }],
  'clustermesh-apps.mesh.example.org': [{ address: '10.25.11.199', ttl: 300 }],
});

async function setup(
  extra: Partial<Parameters<typeof createHarness>[0]> = {},
  clustermeshDns: JsonObject = {},
) {
  const harness = await createHarness({
    clustermeshDns: {
      sources,
      dns: { servers: ['192.0.2.53'] },
      ...clustermeshDns,
    },
    createResolver: resolver,
    ...extra,
  });
  return { ...harness, server: await harness.wrapped() };
}

describe('the REST API, checked against its OpenAPI document', () => {
  it('lists the sources with the repository each reads', async () => {
    const { server } = await setup();
    const res = await request(server).get('/sources');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        id: 'example',
        title: 'Example',
        type: 'local',
        catalog: true,
        liveChecks: { dns: true, provider: false, service: false },
      },
      {
        id: 'example-before',
        title: 'example-before',
        type: 'local',
        catalog: true,
        liveChecks: { dns: true, provider: false, service: false },
      },
      {
        id: 'remote',
        title: 'remote',
        type: 'url',
        repository: {
          host: 'github.com',
          owner: 'acme',
          name: 'gitops',
          url: 'https://github.com/acme/gitops',
        },
        branch: 'main',
        treeUrl: 'https://github.com/acme/gitops/tree/main',
        catalog: true,
        liveChecks: { dns: true, provider: false, service: false },
      },
    ]);
  });

  it('matches a repository URL in the RepoUrlPicker form, and says when none matches', async () => {
    const { server } = await setup();
    const matched = await request(server)
      .get('/sources/match')
      .query({ repoUrl: 'github.com?owner=Acme&repo=gitops' });
    expect(matched.status).toBe(200);
    expect(matched.body.repository).toEqual({
      host: 'github.com',
      owner: 'acme',
      name: 'gitops',
      url: 'https://github.com/acme/gitops',
    });
    expect(matched.body.source.id).toBe('remote');

    const unmatched = await request(server)
      .get('/sources/match')
      .query({ repoUrl: 'https://github.com/acme/other/pull/4' });
    expect(unmatched.body).toEqual({
      repository: {
        host: 'github.com',
        owner: 'acme',
        name: 'other',
        url: 'https://github.com/acme/other',
      },
    });
    const notRepository = await request(server)
      .get('/sources/match')
      .query({ repoUrl: 'not a url' });
    expect(notRepository.body).toEqual({});
  });

  it("serves a source's report with an ETag, and 304 for a matching If-None-Match", async () => {
    const { server } = await setup();
    const res = await request(server).get('/sources/example/report');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.body.stale).toBeUndefined();
    expect(res.body.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.report.summary).toMatchObject({ clusters: 2 });
    expect(
      res.body.report.clusters.map((c: any) => [c.name, c.lbIp.value]),
    ).toEqual([
      ['apps', '10.25.11.120'],
      ['infra', '10.25.11.100'],
    ]);
    // summary rows: no checks, the failing rules instead
    expect(res.body.report.clusters[0].checks).toBeUndefined();
    expect(res.body.report.clusters[0].failingRules).toEqual(expect.any(Array));

    const again = await request(server)
      .get('/sources/example/report')
      .set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const other = await request(server)
      .get('/sources/example/report')
      .set('If-None-Match', '"something-else"');
    expect(other.status).toBe(200);
    expect(other.headers.etag).toBe(res.headers.etag);
  });

  it("does not evaluate a cluster of a local source whose Flux tracks another branch than the folder's checkout", async () => {
    const dir = fs.mkdtempSync(joinPath(os.tmpdir(), 'cmdns-branch-'));
    try {
      fs.cpSync(exampleRepo, dir, { recursive: true });
      const sync = joinPath(
        dir,
        'kubernetes/clusters/apps/flux-system/gotk-sync.yaml',
      );
      fs.writeFileSync(
        sync,
        fs
          .readFileSync(sync, 'utf8')
          .replace('branch: main', 'branch: development'),
      );
      fs.mkdirSync(joinPath(dir, '.git'));
      fs.writeFileSync(joinPath(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
      const { server } = await setup(
        {},
        {
          sources: [
            {
              id: 'branches',
              type: 'local',
              target: dir,
              values: { SECRET_DOMAIN: 'mesh.example.org' },
            },
          ],
        },
      );
      const res = await request(server).get('/sources/branches/report');
      expect(res.status).toBe(200);
      expect(
        res.body.report.clusters.map((c: any) => [c.name, c.status]),
      ).toEqual([
        ['apps', 'not-evaluated'],
        ['infra', 'pass'],
      ]);
      expect(res.body.report.clusters[0].membership.reason).toMatch(
        /^its Flux reconciles branch development of this repository, and this run read branch main/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 400 with the reason for bad parameters', async () => {
    const { server } = await setup();
    const badRef = await request(server)
      .get('/sources/remote/report')
      .query({ ref: '../../etc' });
    expect(badRef.status).toBe(400);
    expect(badRef.body.error.message).toMatch(/ref/);
    const unknown = await request(server)
      .get('/sources/example/report')
      .query({ branch: 'main' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/branch/);
    const badId = await request(server).get('/sources/Not_An_Id/report');
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/sourceId/);
    const missing = await request(server).get('/sources/match');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/repoUrl/);
    const refOfLocal = await request(server)
      .get('/sources/example/report')
      .query({ ref: 'main' });
    expect(refOfLocal.status).toBe(400);
    expect(refOfLocal.body.error.message).toBe(
      'ref is only for url sources; source "example" is a local folder',
    );
  });

  it('answers 404 for an unknown source or cluster', async () => {
    const { server } = await setup();
    const source = await request(server).get('/sources/nope/report');
    expect(source.status).toBe(404);
    expect(source.body.error.message).toBe('No ClusterMesh DNS source "nope"');
    const cluster = await request(server).get('/sources/example/clusters/nope');
    expect(cluster.status).toBe(404);
    expect(cluster.body.error.message).toBe(
      'No cluster "nope" in source "example"',
    );
    const pool = await request(server).get(
      '/sources/example/clusters/nope/pool',
    );
    expect(pool.status).toBe(404);
    const live = await request(server).get('/sources/nope/live');
    expect(live.status).toBe(404);
    // a known source whose live checks have not run: nothing yet, no error
    const notRun = await request(server).get('/sources/example/live');
    expect(notRun.status).toBe(204);
    expect(notRun.text).toBe('');
    const refresh = await request(server).post('/sources/nope/refresh');
    expect(refresh.status).toBe(404);
  });

  it('answers 401 to a request without credentials', async () => {
    const { server } = await setup();
    for (const [method, path] of [
      ['get', '/sources'],
      ['get', '/sources/match?repoUrl=github.com%3Fowner%3Da%26repo%3Db'],
      ['get', '/sources/example/report'],
      ['get', '/sources/example/clusters/infra'],
      ['get', '/sources/example/clusters/infra/pool'],
      ['post', '/sources/example/refresh'],
      ['get', '/sources/example/live'],
      ['post', '/sources/example/live'],
    ] as const) {
      const res = await request(server)
        [method](path)
        .set('Authorization', mockCredentials.none.header());
      expect([path, res.status]).toEqual([path, 401]);
    }
  });

  it('answers 403 when the permission framework denies', async () => {
    const { server } = await setup({
      permissions: mockServices.permissions({ result: AuthorizeResult.DENY }),
    });
    for (const [method, path] of [
      ['get', '/sources'],
      ['get', '/sources/match?repoUrl=github.com%3Fowner%3Da%26repo%3Db'],
      ['get', '/sources/example/report'],
      ['get', '/sources/example/clusters/infra'],
      ['get', '/sources/example/clusters/infra/pool'],
      ['post', '/sources/example/refresh'],
      ['get', '/sources/example/live'],
      ['post', '/sources/example/live'],
    ] as const) {
      const res = await request(server)[method](path);
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.body.error.message).toMatch(
        /clustermesh-dns\.(report\.read|live\.run)/,
      );
    }
  });

  it('needs clustermesh-dns.live.run to run live checks, and report.read to read them', async () => {
    const permissions = mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(r => ({
          result:
            r.permission.name === clustermeshDnsLiveRunPermission.name
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        })),
    });
    const { server } = await setup({ permissions });
    expect((await request(server).post('/sources/example/live')).status).toBe(
      403,
    );
    expect((await request(server).get('/sources/example/report')).status).toBe(
      200,
    );
  });

  it('serves one cluster with its checks and peers, with ETag and 304', async () => {
    const { server } = await setup();
    const res = await request(server).get('/sources/example/clusters/infra');
    expect(res.status).toBe(200);
    expect(res.body.cluster.name).toBe('infra');
    expect(res.body.cluster.checks.length).toBeGreaterThan(0);
    expect(res.body.peers).toEqual([
      expect.objectContaining({
        peer: 'apps',
        variable: 'CILIUM_CLUSTERMESH_APPS_FQDN',
        knowsThisCluster: true,
      }),
    ]);
    expect(res.body.revision).toMatch(/^[0-9a-f]{40}$/);
    const again = await request(server)
      .get('/sources/example/clusters/infra')
      .set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
    const otherCluster = await request(server)
      .get('/sources/example/clusters/apps')
      .set('If-None-Match', res.headers.etag);
    expect(otherCluster.status).toBe(200);
  });

  it("serves a cluster's pool, the addresses in use and a free one, with ETag and 304", async () => {
    const { server } = await setup();
    const res = await request(server).get(
      '/sources/example/clusters/infra/pool',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cluster: 'infra',
      current: '10.25.11.100',
      suggestion: '10.25.11.101',
      free: 19,
      used: [
        {
          address: '10.25.11.100',
          usedBy: [expect.objectContaining({ cluster: 'infra' })],
        },
      ],
    });
    const again = await request(server)
      .get('/sources/example/clusters/infra/pool')
      .set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
  });

  it('refreshes on demand: an unchanged folder keeps its revision and ETag', async () => {
    const { server, logger } = await setup();
    const first = await request(server).get('/sources/example/report');
    const refreshed = await request(server).post('/sources/example/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.etag).toBe(first.headers.etag);
    expect(refreshed.body).toEqual(first.body);
    expect(logger.all()).toContain(
      'clustermesh-dns source example unchanged at',
    );
  });

  it('runs the live checks on request and serves the last results with when they ran', async () => {
    const clock = () => new Date('2026-12-01T10:00:00.000Z');
    const { server } = await setup({ clock });
    const none = await request(server).get('/sources/example/live');
    expect(none.status).toBe(204);
    const ran = await request(server).post('/sources/example/live');
    expect(ran.status).toBe(200);
    expect(ran.body.ranAt).toBe('2026-12-01T10:00:00.000Z');
    expect(ran.body.results).toEqual([
      expect.objectContaining({
        check: 'dns-resolves',
        cluster: 'apps',
        outcome: 'fail',
        message:
          'clustermesh-apps.<secret:SECRET_DOMAIN> A is 10.25.11.199, not the LB IP 10.25.11.120',
      }),
      expect.objectContaining({
        check: 'dns-resolves',
        cluster: 'infra',
        outcome: 'pass',
      }),
    ]);
    expect(ran.body.status).toEqual({ apps: 'fail', infra: 'pass' });
    const last = await request(server).get('/sources/example/live');
    expect(last.status).toBe(200);
    expect(last.body).toEqual(ran.body);
  });

  it('serves the benchmark constant route only when configured', async () => {
    const off = await setup();
    expect(
      (await request(off.server).get('/sources/example/report/constant'))
        .status,
    ).toBe(404);
    const on = await setup({}, { benchmark: { constantRoute: true } });
    const report = await request(on.server).get('/sources/example/report');
    const constant = await request(on.server).get(
      '/sources/example/report/constant',
    );
    expect(constant.status).toBe(200);
    expect(constant.text).toBe(report.text);
    expect(constant.headers.etag).toBe(report.headers.etag);
  });

  it('serves its OpenAPI document at /openapi.json', async () => {
    const { app } = await setup();
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.info.title).toBe('clustermesh-dns');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/sources',
        '/sources/match',
        '/sources/{sourceId}/report',
        '/sources/{sourceId}/clusters/{cluster}',
        '/sources/{sourceId}/clusters/{cluster}/pool',
        '/sources/{sourceId}/refresh',
        '/sources/{sourceId}/live',
      ]),
    );
  });

  it('answers an engine defect with a 500 that says so, logged with its stack', async () => {
    const { server, logger } = await setup({
      engine: {
        inspect: () => {
          throw new TypeError(
            "Cannot read properties of undefined (reading 'spec')",
          );
        },
      },
    });
    const res = await request(server).get('/sources/example/report');
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(
      /^The ClusterMesh DNS engine failed on source "example" at revision [0-9a-f]{40} \(since .*\); this is a defect of the engine/,
    );
    const logged = logger.lines.find(l => l.level === 'error');
    expect(logged?.text).toMatch(
      /the engine failed on source example at revision [0-9a-f]{40} EngineDefect: TypeError: Cannot read properties of undefined \(reading 'spec'\)\n\s*TypeError: .*\n\s+at /,
    );
    // and it stays a 500 until a refresh succeeds, never "cannot be read"
    const again = await request(server).get('/sources/example/clusters/infra');
    expect(again.status).toBe(500);
  });
});

describe('etagMatches', () => {
  it('compares weakly and reads lists and *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });
});
