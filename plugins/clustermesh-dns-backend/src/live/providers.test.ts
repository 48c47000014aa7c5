import request from 'supertest';
import { setupServer } from 'msw/node';
import { http, HttpResponse, passthrough, delay } from 'msw';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { createHarness, exampleRepo } from '../__testUtils__/harness';
import { tableResolver } from '../__testUtils__/resolver';

const token = 'cf-token-0123456789abcdef-SECRET';
const zoneId = '0123456789abcdef0123456789abcdef';
const cloudflare = `https://api.cloudflare.com/client/v4/zones/${zoneId}/dns_records`;
const kubernetes =
  'http://localhost:0/api/kubernetes/proxy/api/v1/namespaces/kube-system/services/clustermesh-apiserver';

interface Seen {
  url: string;
  authorization?: string;
  cluster?: string;
}

describe('live checks of the DNS provider and the LoadBalancer Service', () => {
  const server = setupServer(
    http.all(/^http:\/\/(localhost|127\.0\.0\.1|\[::1\]):(?!0\/)/, () =>
      passthrough(),
    ),
  );
  registerMswTestHooks(server);

  async function setup(options: { timeout?: string } = {}) {
    const harness = await createHarness({
      clustermeshDns: {
        sources: [
          {
            id: 'example',
            type: 'local',
            target: exampleRepo,
            values: { SECRET_DOMAIN: 'mesh.example.org' },
            liveChecks: {
              dns: false,
              cloudflare: { zoneId, apiToken: token },
              kubernetes: {
                clusters: { infra: 'k8s-infra', apps: 'k8s-apps' },
              },
            },
          },
        ],
        ...(options.timeout
          ? {
              cloudflare: { timeout: options.timeout },
              kubernetes: { timeout: options.timeout },
            }
          : {}),
      },
      createResolver: tableResolver({}),
    });
    return { ...harness, server: await harness.wrapped() };
  }

  function serve(
    records: Record<string, object[]>,
    services: Record<string, object | number>,
    seen: Seen[],
  ) {
    server.use(
      http.get(cloudflare, ({ request: req }) => {
        const url = new URL(req.url);
        seen.push({
          url: req.url,
          authorization: req.headers.get('authorization') ?? undefined,
        });
        return HttpResponse.json({
          success: true,
          errors: [],
          result: records[url.searchParams.get('name')!] ?? [],
        });
      }),
      http.get(kubernetes, ({ request: req }) => {
        const cluster = req.headers.get('backstage-kubernetes-cluster') ?? '';
        seen.push({
          url: req.url,
          authorization: req.headers.get('authorization') ?? undefined,
          cluster,
        });
        const answer = services[cluster];
        return typeof answer === 'number'
          ? HttpResponse.json(
              { kind: 'Status', code: answer },
              { status: answer },
            )
          : HttpResponse.json(answer);
      }),
    );
  }

  const lb = (ip?: string) => ({
    spec: { type: 'LoadBalancer' },
    status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
  });

  it('compares the Cloudflare record and the Service with the declared values: match and mismatch', async () => {
    const seen: Seen[] = [];
    serve(
      {
        'clustermesh-infra.mesh.example.org': [
          {
            type: 'A',
            name: 'clustermesh-infra.mesh.example.org',
            content: '10.25.11.100',
            ttl: 300,
            proxied: false,
          },
        ],
        'clustermesh-apps.mesh.example.org': [
          {
            type: 'A',
            name: 'clustermesh-apps.mesh.example.org',
            content: '10.25.11.99',
            ttl: 1,
            proxied: true,
          },
        ],
      },
      { 'k8s-infra': lb('10.25.11.100'), 'k8s-apps': lb() },
      seen,
    );
    const t = await setup();
    const res = await request(t.server).post('/sources/example/live');
    expect(res.status).toBe(200);
    expect(
      res.body.results.map((r: any) => [
        r.cluster,
        r.check,
        r.outcome,
        r.message,
      ]),
    ).toEqual([
      [
        'apps',
        'provider-record',
        'fail',
        'Cloudflare A record clustermesh-apps.<secret:SECRET_DOMAIN>: its content is 10.25.11.99, not the LB IP 10.25.11.120; its TTL is 1 (auto), declared 300; it is proxied; ClusterMesh peers need "DNS only" (cloudflare-proxied: "false")',
      ],
      [
        'apps',
        'service-ip-assigned',
        'fail',
        'Service kube-system/clustermesh-apiserver in Kubernetes cluster k8s-apps has no LoadBalancer IP yet (pending); expected 10.25.11.120',
      ],
      [
        'infra',
        'provider-record',
        'pass',
        'Cloudflare A record clustermesh-infra.<secret:SECRET_DOMAIN> is 10.25.11.100, TTL 300, DNS only',
      ],
      [
        'infra',
        'service-ip-assigned',
        'pass',
        'Service kube-system/clustermesh-apiserver in Kubernetes cluster k8s-infra got the LB IP 10.25.11.100',
      ],
    ]);
    expect(res.body.status).toEqual({ apps: 'fail', infra: 'pass' });
    // the token only in the Authorization header to Cloudflare; the Kubernetes plugin gets a service token
    const cf = seen.filter(s => s.url.startsWith(cloudflare));
    expect(cf.map(s => s.authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${token}`,
    ]);
    expect(cf.map(s => new URL(s.url).searchParams.get('type'))).toEqual([
      'A',
      'A',
    ]);
    const k8s = seen.filter(s => s.cluster);
    expect(k8s.map(s => s.cluster).sort()).toEqual(['k8s-apps', 'k8s-infra']);
    expect(
      k8s.every(
        s =>
          s.authorization?.startsWith('Bearer ') &&
          !s.authorization.includes(token),
      ),
    ).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(JSON.stringify(res.body)).not.toContain('mesh.example.org');
  });

  it('reports a refused token (401) once, never echoing it, and a missing Service', async () => {
    const seen: Seen[] = [];
    serve({}, { 'k8s-infra': 404, 'k8s-apps': 403 }, []);
    server.use(
      http.get(cloudflare, ({ request: req }) => {
        seen.push({
          url: req.url,
          authorization: req.headers.get('authorization') ?? undefined,
        });
        return HttpResponse.json(
          {
            success: false,
            errors: [
              {
                code: 10000,
                message: `Authentication error for ${req.headers.get(
                  'authorization',
                )}`,
              },
            ],
          },
          { status: 401 },
        );
      }),
    );
    const t = await setup();
    const res = await request(t.server).post('/sources/example/live');
    expect(seen.length).toBeGreaterThan(0);
    expect(
      res.body.results.map((r: any) => [
        r.cluster,
        r.check,
        r.outcome,
        r.message,
      ]),
    ).toEqual([
      [
        'apps',
        'provider-record',
        'not-evaluated',
        'Cloudflare: the Cloudflare API refused the configured token (401); check liveChecks.cloudflare.apiToken and its Zone.DNS read permission',
      ],
      [
        'apps',
        'service-ip-assigned',
        'not-evaluated',
        "the Kubernetes plugin refused this plugin's service token (403); allow it the kubernetes.proxy permission",
      ],
      [
        'infra',
        'provider-record',
        'not-evaluated',
        expect.stringMatching(
          /^Cloudflare(:| not asked:) the Cloudflare API refused the configured token \(401\)/,
        ),
      ],
      [
        'infra',
        'service-ip-assigned',
        'fail',
        'Service kube-system/clustermesh-apiserver does not exist in Kubernetes cluster k8s-infra',
      ],
    ]);
    const everything =
      JSON.stringify(res.body) +
      t.logger.all() +
      JSON.stringify(
        (await request(t.server).get('/sources/example/live')).body,
      );
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(0, 12));
  });

  it('gives up after a timeout: the rest is not evaluated, not one timeout each', async () => {
    let cloudflareAsked = 0;
    let kubernetesAsked = 0;
    server.use(
      http.get(cloudflare, async () => {
        cloudflareAsked++;
        await delay('infinite');
        return HttpResponse.json({});
      }),
      http.get(kubernetes, async () => {
        kubernetesAsked++;
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const t = await setup({ timeout: '300ms' });
    const res = await request(t.server).post('/sources/example/live');
    const messages = res.body.results.map((r: any) => [
      r.check,
      r.outcome,
      r.message,
    ]);
    expect(messages).toEqual(
      expect.arrayContaining([
        [
          'provider-record',
          'not-evaluated',
          'Cloudflare: the Cloudflare API did not answer within 300 ms',
        ],
        [
          'service-ip-assigned',
          'not-evaluated',
          expect.stringMatching(
            /^the Kubernetes proxy did not answer for Service kube-system\/clustermesh-apiserver in Kubernetes cluster k8s-\w+ within 300 ms$/,
          ),
        ],
      ]),
    );
    expect(
      res.body.results.every((r: any) => r.outcome === 'not-evaluated'),
    ).toBe(true);
    // both clusters went in parallel (4 in flight): each API asked at most once per cluster
    expect(cloudflareAsked).toBeLessThanOrEqual(2);
    expect(kubernetesAsked).toBeLessThanOrEqual(2);
  });
});
