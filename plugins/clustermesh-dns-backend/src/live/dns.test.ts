import dns from 'node:dns';
import request from 'supertest';
import { createHarness, exampleRepo } from '../__testUtils__/harness';
import {
  dnsmasqBinary,
  startDnsmasq,
  startSilentServer,
} from '../__testUtils__/dnsmasq';
import { serviceVerdict } from '../__testUtils__/services';
import { describeWithServices } from '@clustermesh-dns/test-services';
import { DnsCheck, DnsQuery } from './dns';

const zone = 'mesh.test';
const query = (
  cluster: string,
  expected: string,
  options: Partial<DnsQuery> = {},
): DnsQuery => ({
  cluster,
  name: `clustermesh-${cluster}.${zone}`,
  display: `clustermesh-${cluster}.<secret:SECRET_DOMAIN>`,
  family: 'ipv4',
  expected,
  ttl: 300,
  ...options,
});

describeWithServices(
  'live DNS against dnsmasq on loopback',
  serviceVerdict('dnsmasq', { dnsmasq: dnsmasqBinary() }),
  ({ dnsmasq: binary }) => {
    let dnsmasq: Awaited<ReturnType<typeof startDnsmasq>>;
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    const serversSet: string[][] = [];
    const setServers = dns.promises.Resolver.prototype.setServers;

    beforeAll(async () => {
      dnsmasq = await startDnsmasq(binary, zone, [
        {
          name: `clustermesh-infra.${zone}`,
          address: '10.25.11.100',
          ttl: 300,
        },
        { name: `clustermesh-apps.${zone}`, address: '10.25.11.199', ttl: 300 },
        { name: `clustermesh-edge.${zone}`, address: '10.25.12.10', ttl: 3600 },
        { name: `clustermesh-v6.${zone}`, address: 'fd00:25::10', ttl: 120 },
        ...Array.from({ length: 40 }, (_, i) => ({
          name: `clustermesh-c${i}.${zone}`,
          address: `10.26.0.${i + 1}`,
          ttl: 300,
        })),
      ]);
      silent = await startSilentServer();
    });
    afterAll(async () => {
      await dnsmasq?.stop();
      await silent?.stop();
    });
    beforeEach(() => {
      serversSet.length = 0;
      jest
        .spyOn(dns.promises.Resolver.prototype, 'setServers')
        .mockImplementation(function record(
          this: any,
          servers: readonly string[],
        ) {
          serversSet.push([...servers]);
          return setServers.call(this, [...servers]);
        });
    });
    afterEach(() => jest.restoreAllMocks());

    it('compares answers with the LB IP, A or AAAA by family, and the TTL with the declared one', async () => {
      const check = new DnsCheck({
        servers: [dnsmasq.server],
        timeoutMs: 2000,
        concurrency: 16,
      });
      const results = await check.run([
        query('infra', '10.25.11.100'),
        query('apps', '10.25.11.120'),
        query('edge', '10.25.12.10'),
        query('gone', '10.25.13.1'),
        query('v6', 'fd00:25:0:0::10', { family: 'ipv6', ttl: 300 }),
        query('infra', '10.25.11.100', {
          cluster: 'infra-as-v6',
          family: 'ipv6',
        }),
      ]);
      expect(results.map(r => [r.cluster, r.outcome, r.message])).toEqual([
        [
          'infra',
          'pass',
          'clustermesh-infra.<secret:SECRET_DOMAIN> A is 10.25.11.100 (TTL 300)',
        ],
        [
          'apps',
          'fail',
          'clustermesh-apps.<secret:SECRET_DOMAIN> A is 10.25.11.199, not the LB IP 10.25.11.120',
        ],
        [
          'edge',
          'fail',
          'clustermesh-edge.<secret:SECRET_DOMAIN> A 10.25.12.10 has TTL 3600, above the declared 300',
        ],
        [
          'gone',
          'fail',
          `clustermesh-gone.<secret:SECRET_DOMAIN> does not exist (NXDOMAIN from ${dnsmasq.server})`,
        ],
        [
          'v6',
          'pass',
          'clustermesh-v6.<secret:SECRET_DOMAIN> AAAA is fd00:25::10 (TTL 120)',
        ],
        [
          'infra-as-v6',
          'fail',
          `clustermesh-infra.<secret:SECRET_DOMAIN> has no AAAA record (answer of ${dnsmasq.server})`,
        ],
      ]);
      expect(results[0].observed).toEqual({
        server: dnsmasq.server,
        answers: ['10.25.11.100'],
        ttl: 300,
      });
      // asked only the configured server, and never by the secret-free display name
      expect(serversSet).toEqual([[dnsmasq.server]]);
    });

    it('costs one timeout for a server that never answers: it is not asked again in the run', async () => {
      const before = silent.received();
      const check = new DnsCheck({
        servers: [silent.server, dnsmasq.server],
        timeoutMs: 500,
        concurrency: 16,
      });
      const queries = Array.from({ length: 40 }, (_, i) =>
        query(`c${i}`, `10.26.0.${i + 1}`),
      );
      const results = await check.run(queries);
      expect(results.every(r => r.outcome === 'pass')).toBe(true);
      // the 16 queries in flight when it first timed out, and none after
      expect(silent.received() - before).toBe(16);
      expect(serversSet).toEqual([[silent.server], [dnsmasq.server]]);
    });

    it('says "not evaluated" when no server answers, naming why', async () => {
      const check = new DnsCheck({
        servers: [silent.server],
        timeoutMs: 300,
        concurrency: 16,
      });
      const results = await check.run([
        query('infra', '10.25.11.100'),
        query('apps', '10.25.11.120'),
      ]);
      expect(results.map(r => [r.outcome, r.message])).toEqual([
        [
          'not-evaluated',
          `clustermesh-infra.<secret:SECRET_DOMAIN> could not be resolved: ${silent.server} did not answer within 300 ms`,
        ],
        [
          'not-evaluated',
          `clustermesh-apps.<secret:SECRET_DOMAIN> could not be resolved: ${silent.server} did not answer within 300 ms`,
        ],
      ]);
    });

    it('runs through the API: the source values fill the secret domain, never shown; unresolvable names are not evaluated', async () => {
      const lookups = jest.spyOn(dns, 'lookup');
      const harness = await createHarness({
        clustermeshDns: {
          sources: [
            {
              id: 'example',
              type: 'local',
              target: exampleRepo,
              values: { SECRET_DOMAIN: zone },
            },
            { id: 'no-values', type: 'local', target: exampleRepo },
          ],
          dns: { servers: [silent.server, dnsmasq.server], timeout: '500ms' },
        },
      });
      const server = await harness.wrapped();
      const res = await request(server).post('/sources/example/live');
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
          'dns-resolves',
          'fail',
          'clustermesh-apps.<secret:SECRET_DOMAIN> A is 10.25.11.199, not the LB IP 10.25.11.120',
        ],
        [
          'infra',
          'dns-resolves',
          'pass',
          'clustermesh-infra.<secret:SECRET_DOMAIN> A is 10.25.11.100 (TTL 300)',
        ],
      ]);
      expect(res.body.status).toEqual({ apps: 'fail', infra: 'pass' });
      expect(JSON.stringify(res.body)).not.toContain(zone);

      const without = await request(server).post('/sources/no-values/live');
      expect(
        without.body.results.map((r: any) => [r.outcome, r.message]),
      ).toEqual([
        [
          'not-evaluated',
          'clustermesh-apps.<secret:SECRET_DOMAIN> cannot be resolved offline: SECRET_DOMAIN is kept secret by the repository; set clustermeshDns.sources[1].values.SECRET_DOMAIN to check it',
        ],
        [
          'not-evaluated',
          'clustermesh-infra.<secret:SECRET_DOMAIN> cannot be resolved offline: SECRET_DOMAIN is kept secret by the repository; set clustermeshDns.sources[1].values.SECRET_DOMAIN to check it',
        ],
      ]);
      // only the configured servers were asked; the system resolver never
      expect(
        serversSet.every(
          s => s.length === 1 && [silent.server, dnsmasq.server].includes(s[0]),
        ),
      ).toBe(true);
      expect(
        lookups.mock.calls.filter(([name]) => String(name).endsWith(zone)),
      ).toEqual([]);
      expect(
        dnsmasq
          .queries()
          .filter(
            q =>
              q.includes('clustermesh-apps') || q.includes('clustermesh-infra'),
          ).length,
      ).toBeGreaterThan(0);
      expect(harness.logger.all()).not.toContain(zone);
    });
  },
);
