import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { setupServer } from 'msw/node';
import { http, HttpResponse, passthrough } from 'msw';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { createHarness, exampleRepo } from './__testUtils__/harness';
import { tableResolver } from './__testUtils__/resolver';

// A repository with a SOPS-encrypted Secret (infra) and a plain Secret
// (apps), a source with secret `values` and a Cloudflare token: no value of
// theirs may appear in any answer or log line.
const plainDomain = 'plain-secret-domain.example';
const plainKey = 'plain-api-key-value-0042';
const plainData = 'plain-data-value-0077';
const configDomain = 'config-secret-domain.example';
const token = 'cf-secret-token-9f8e7d6c5b4a';
const sopsCiphertext =
  'ENC[AES256_GCM,data:n3Rq0pZkV1c2mQa=,iv:8kXy3Hq1f0Yw5rT2mLkP9aB7cD4eF6gH1jK0lM2nO3p=,tag:Q1w2E3r4T5y6U7i8O9p0Aa==,type:str]';
const secrets = [
  plainDomain,
  plainKey,
  plainData,
  Buffer.from(plainData).toString('base64'),
  configDomain,
  token,
  sopsCiphertext,
  'n3Rq0pZkV1c2mQa=',
  '8kXy3Hq1f0Yw5rT2mLkP9aB7cD4eF6gH1jK0lM2nO3p=',
];

describe('secrets never leave the backend', () => {
  const server = setupServer(
    http.all(/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])/, () => passthrough()),
  );
  registerMswTestHooks(server);
  let repo: string;

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-secrets-'));
    fs.cpSync(exampleRepo, repo, { recursive: true });
    fs.writeFileSync(
      path.join(repo, 'kubernetes/clusters/apps/cluster-secrets.sops.yaml'),
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: cluster-secrets',
        '  namespace: flux-system',
        'stringData:',
        `  SECRET_DOMAIN: ${plainDomain}`,
        `  API_KEY: ${plainKey}`,
        'data:',
        `  OTHER: ${Buffer.from(plainData).toString('base64')}`,
        '',
      ].join('\n'),
    );
    // a conventions file asking for unencrypted Secrets to be read: the
    // backend reads none, whatever it says
    fs.writeFileSync(
      path.join(repo, '.clustermesh-dns.yaml'),
      'flux:\n  readPlainSecrets: true\n',
    );
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('in no answer of any route and no log line', async () => {
    expect(
      fs.readFileSync(
        path.join(repo, 'kubernetes/clusters/infra/cluster-secrets.sops.yaml'),
        'utf8',
      ),
    ).toContain(sopsCiphertext);
    server.use(
      http.get(
        'https://api.cloudflare.com/client/v4/zones/:zone/dns_records',
        ({ request: req }) =>
          HttpResponse.json({
            success: true,
            errors: [],
            result: [
              {
                type: 'A',
                name: new URL(req.url).searchParams.get('name'),
                content: '10.0.0.1',
                ttl: 300,
                proxied: false,
              },
            ],
          }),
      ),
    );
    const harness = await createHarness({
      clustermeshDns: {
        sources: [
          {
            id: 'secrets',
            type: 'local',
            target: repo,
            values: { SECRET_DOMAIN: configDomain },
            liveChecks: {
              cloudflare: {
                zoneId: 'abcdefabcdefabcdefabcdefabcdefab',
                apiToken: token,
              },
            },
          },
        ],
        dns: { servers: ['192.0.2.53'] },
      },
      createResolver: tableResolver({
        [`clustermesh-infra.${configDomain}`]: [
          { address: '10.25.11.100', ttl: 300 },
        ],
        [`clustermesh-apps.${configDomain}`]: [
          { address: '10.25.11.7', ttl: 300 },
        ],
      }),
    });
    const app = await harness.wrapped();
    const bodies: string[] = [];
    const get = async (method: 'get' | 'post', route: string) => {
      const res = await request(app)[method](route);
      expect([route, res.status]).toEqual([route, 200]);
      bodies.push(res.text);
      return res;
    };
    const report = await get('get', '/sources/secrets/report');
    expect(report.body.report.summary.clusters).toBe(2);
    // the names the secret domain makes are checked, not left unknown
    expect(report.body.report.summary.unevaluated).toBe(0);
    for (const cluster of ['infra', 'apps']) {
      const detail = await get('get', `/sources/secrets/clusters/${cluster}`);
      expect(detail.body.cluster.fqdn.resolved).toBe(
        `clustermesh-${cluster}.<secret:SECRET_DOMAIN>`,
      );
      await get('get', `/sources/secrets/clusters/${cluster}/pool`);
    }
    await get('get', '/sources');
    await get(
      'get',
      '/sources/match?repoUrl=github.com%3Fowner%3Dacme%26repo%3Dgitops',
    );
    await get('post', '/sources/secrets/refresh');
    const live = await get('post', '/sources/secrets/live');
    expect(
      live.body.results.map((r: any) => [r.cluster, r.check, r.outcome]),
    ).toEqual([
      ['apps', 'dns-resolves', 'fail'],
      ['apps', 'provider-record', 'fail'],
      ['infra', 'dns-resolves', 'pass'],
      ['infra', 'provider-record', 'fail'],
    ]);
    await get('get', '/sources/secrets/live');

    const logs = harness.logger.all();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const body of bodies) expect(body).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
