import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { setupServer } from 'msw/node';
import { http, passthrough } from 'msw';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { inspectMesh } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import { createHarness, exampleRepo } from './__testUtils__/harness';
import { GithubDouble } from './__testUtils__/github';
import type { InspectFunction } from './engine/EngineRunner';

const sha1 = '1111111111111111111111111111111111111111';
const sha2 = '2222222222222222222222222222222222222222';
const sha3 = '3333333333333333333333333333333333333333';

describe('a url source read through the GitHub URL reader', () => {
  const server = setupServer(
    // the proxy of wrapServer is on loopback: not GitHub
    http.all(/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])/, () => passthrough()),
  );
  registerMswTestHooks(server);

  async function setup() {
    const github = new GithubDouble(server);
    let validations = 0;
    const inspect: InspectFunction = (...args) => {
      validations++;
      return inspectMesh(...args);
    };
    const engine = { inspect };
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const clock = () => new Date(now);
    const harness = await createHarness({
      clustermeshDns: {
        sources: [
          {
            id: 'home',
            type: 'url',
            target: 'https://github.com/acme/gitops',
            branch: 'main',
          },
        ],
        readTree: { maxFileSize: 64 * 1024 },
      },
      integrations: {
        github: [{ host: 'github.com', token: 'ghp_test-token' }],
      },
      engine,
      clock,
    });
    return {
      ...harness,
      github,
      server: await harness.wrapped(),
      validations: () => validations,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('reads the archive once, then costs one conditional request and no validation while unchanged', async () => {
    const t = await setup();
    await t.github.commit('main', sha1, exampleRepo);

    const first = await request(t.server).get('/sources/home/report');
    expect(first.status).toBe(200);
    expect(first.body.revision).toBe(sha1);
    expect(first.body.readAt).toBe('2026-12-01T10:00:00.000Z');
    expect(first.body.source.repository.url).toBe(
      'https://github.com/acme/gitops',
    );
    expect(first.body.report.clusters.map((c: any) => c.name)).toEqual([
      'apps',
      'infra',
    ]);
    expect(t.github.paths()).toEqual([
      '/repos/acme/gitops/commits/main/status?per_page=0',
      `/repos/acme/gitops/tarball/${sha1}`,
    ]);
    expect(t.github.requests[0].authorization).toBe('Bearer ghp_test-token');
    expect(t.validations()).toBe(1);

    t.github.requests.length = 0;
    t.advance(600_000);
    const refreshed = await request(t.server).post('/sources/home/refresh');
    expect(refreshed.status).toBe(200);
    expect(t.github.paths()).toEqual([
      '/repos/acme/gitops/commits/main/status?per_page=0',
    ]);
    expect(t.validations()).toBe(1);
    expect(refreshed.headers.etag).toBe(first.headers.etag);
    expect(refreshed.body).toEqual(first.body);
    expect(t.logger.all()).toContain(
      `clustermesh-dns source home unchanged at ${sha1}; not validated again`,
    );

    // reads served from the cache cost nothing
    t.github.requests.length = 0;
    await request(t.server).get('/sources/home/report');
    await request(t.server).get('/sources/home/clusters/infra');
    expect(t.github.requests).toEqual([]);

    // a new commit: read and validated again
    await t.github.commit('main', sha2, exampleRepo);
    const moved = await request(t.server).post('/sources/home/refresh');
    expect(moved.body.revision).toBe(sha2);
    expect(moved.headers.etag).not.toBe(first.headers.etag);
    expect(t.validations()).toBe(2);
  });

  it('serves the last good report, stale with the error and since when, during an outage', async () => {
    const t = await setup();
    await t.github.commit('main', sha1, exampleRepo);
    const good = await request(t.server).get('/sources/home/report');

    t.github.fail = 503;
    t.advance(60_000);
    const down = await request(t.server).post('/sources/home/refresh');
    expect(down.status).toBe(200);
    expect(down.body.report).toEqual(good.body.report);
    expect(down.body.revision).toBe(sha1);
    expect(down.body.readAt).toBe(good.body.readAt);
    expect(down.body.stale).toEqual({
      error: expect.stringMatching(
        /^https:\/\/github\.com\/acme\/gitops at main cannot be read: Request failed for https:\/\/api\.github\.com\/repos\/acme\/gitops\/commits\/main\/status\?per_page=0, 503/,
      ),
      since: '2026-12-01T10:01:00.000Z',
    });
    expect(down.headers.etag).not.toBe(good.headers.etag);
    // GET serves the same stale report
    const served = await request(t.server).get('/sources/home/report');
    expect(served.body).toEqual(down.body);

    // still down later: `since` stays when the failures began
    t.advance(60_000);
    const still = await request(t.server).post('/sources/home/refresh');
    expect(still.body.stale.since).toBe('2026-12-01T10:01:00.000Z');
    expect(t.logger.lines.filter(l => l.level === 'warn')).toHaveLength(2);

    // back, unchanged: the report is fresh again, without reading the archive
    t.github.fail = undefined;
    t.github.requests.length = 0;
    const back = await request(t.server).post('/sources/home/refresh');
    expect(back.body.stale).toBeUndefined();
    expect(back.body.report).toEqual(good.body.report);
    expect(back.headers.etag).toBe(good.headers.etag);
    expect(t.github.paths()).toEqual([
      '/repos/acme/gitops/commits/main/status?per_page=0',
    ]);
  });

  it('answers a source that was never readable with its error, not a 500', async () => {
    const t = await setup();
    const res = await request(t.server).get('/sources/home/report');
    expect(res.status).toBe(200);
    expect(res.body.report).toBeUndefined();
    expect(res.body.stale.error).toMatch(/cannot be read: .*404/);
    const cluster = await request(t.server).get('/sources/home/clusters/infra');
    expect(cluster.status).toBe(404);
    expect(cluster.body.error.message).toMatch(
      /^Source "home" has no report yet: /,
    );
  });

  it('reports a repository with no clusters', async () => {
    const t = await setup();
    await t.github.commit('main', sha1, { 'README.md': '# nothing here\n' });
    const res = await request(t.server).get('/sources/home/report');
    expect(res.status).toBe(200);
    expect(res.body.report.summary.clusters).toBe(0);
    expect(res.body.report.clusters).toEqual([]);
    expect(res.body.report.findings.map((f: any) => f.code)).toContain(
      'no-clusters',
    );
  });

  it('reports malformed files as findings, leaves out binary and oversized files', async () => {
    const t = await setup();
    const files: Record<string, string | Buffer> = {};
    const walk = (dir: string, prefix = '') => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(path.join(dir, entry.name), rel);
        else files[rel] = fs.readFileSync(path.join(dir, entry.name));
      }
    };
    walk(exampleRepo);
    files['kubernetes/clusters/apps/cluster-settings.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  A: [unclosed\n';
    files['docs/diagram.png'] = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0,
    ]);
    files['kubernetes/blob.yaml'] = Buffer.from('a: b\n\0\0binary');
    files['kubernetes/huge.yaml'] = `# ${'x'.repeat(70 * 1024)}\n`;
    await t.github.commit('main', sha1, files);
    const res = await request(t.server).get('/sources/home/report');
    expect(res.status).toBe(200);
    expect(res.body.stale).toBeUndefined();
    const apps = res.body.report.clusters.find((c: any) => c.name === 'apps');
    expect(apps.status).toBe('fail');
    expect(res.body.report.findings).toContainEqual(
      expect.objectContaining({
        code: 'yaml-invalid',
        location: expect.objectContaining({
          file: 'kubernetes/clusters/apps/cluster-settings.yaml',
        }),
      }),
    );
    expect(t.logger.all()).toContain(
      'left out 2 binary and 1 oversized file(s)',
    );
  });

  it('reports another ref on request, read once, and its clusters', async () => {
    const t = await setup();
    await t.github.commit('main', sha1, exampleRepo);
    await t.github.commit('feature/dns', sha3, exampleRepo);
    await request(t.server).get('/sources/home/report');
    t.github.requests.length = 0;

    const atRef = await request(t.server)
      .get('/sources/home/report')
      .query({ ref: 'feature/dns' });
    expect(atRef.status).toBe(200);
    expect(atRef.body.ref).toBe('feature/dns');
    expect(atRef.body.stale).toBeUndefined();
    expect(atRef.body.revision).toBe(sha3);
    expect(t.github.paths()).toEqual([
      '/repos/acme/gitops/commits/feature%2Fdns/status?per_page=0',
      `/repos/acme/gitops/tarball/${sha3}`,
    ]);

    t.github.requests.length = 0;
    const again = await request(t.server)
      .get('/sources/home/report')
      .query({ ref: 'feature/dns' })
      .set('If-None-Match', atRef.headers.etag);
    expect(again.status).toBe(304);
    const cluster = await request(t.server)
      .get('/sources/home/clusters/infra')
      .query({ ref: 'feature/dns' });
    expect(cluster.body.ref).toBe('feature/dns');
    expect(cluster.body.revision).toBe(sha3);
    const pool = await request(t.server)
      .get('/sources/home/clusters/infra/pool')
      .query({ ref: 'feature/dns' });
    expect(pool.body.suggestion).toBe('10.25.11.101');
    expect(t.github.requests).toEqual([]);

    // the configured branch is unaffected
    const main = await request(t.server).get('/sources/home/report');
    expect(main.body.revision).toBe(sha1);
    expect(main.body.ref).toBeUndefined();

    // an unknown ref: an answer with the error, not kept
    const unknown = await request(t.server)
      .get('/sources/home/report')
      .query({ ref: 'nope' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({
      ref: 'nope',
      stale: { error: expect.stringMatching(/404/) },
    });
  });
});
