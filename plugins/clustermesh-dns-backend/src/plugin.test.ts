import request from 'supertest';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import { clustermeshDnsPlugin } from './plugin';
import { exampleBeforeRepo, exampleRepo } from './__testUtils__/harness';
import { CapturingLogger } from './__testUtils__/logger';

const sources: JsonObject[] = [
  { id: 'example', title: 'Example', type: 'local', target: exampleRepo },
  { id: 'example-before', type: 'local', target: exampleBeforeRepo },
];

async function start(
  clustermeshDns: JsonObject = { sources },
  extra: { permissions?: AuthorizeResult.ALLOW | AuthorizeResult.DENY } = {},
) {
  let scheduler: SchedulerService | undefined;
  const actions = actionsRegistryServiceMock();
  const logger = new CapturingLogger();
  const backend = await startTestBackend({
    features: [
      clustermeshDnsPlugin,
      mockServices.rootConfig.factory({ data: { clustermeshDns } }),
      mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
      // the plugin's scheduler, for triggering its tasks
      createBackendModule({
        pluginId: 'clustermesh-dns',
        moduleId: 'test-scheduler',
        register(reg) {
          reg.registerInit({
            deps: { s: coreServices.scheduler },
            async init({ s }) {
              scheduler = s;
            },
          });
        },
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actions,
      }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => logger,
      }),
      ...(extra.permissions
        ? [mockServices.permissions.factory({ result: extra.permissions })]
        : []),
    ],
  });
  return { server: backend.server, scheduler: scheduler!, actions, logger };
}

describe('the clustermesh-dns backend plugin', () => {
  it('schedules one refresh per source, off the request path', async () => {
    const { server, scheduler, logger } = await start();
    const tasks = (await scheduler.getScheduledTasks()).map(t => [
      t.id,
      t.scope,
    ]);
    expect(tasks).toEqual([
      ['clustermesh-dns-refresh-example', 'global'],
      ['clustermesh-dns-refresh-example-before', 'global'],
    ]);
    await scheduler.triggerTask('clustermesh-dns-refresh-example');
    expect(logger.all()).toMatch(
      /clustermesh-dns source example read at [0-9a-f]{40} and validated in \d+ ms: 2 cluster\(s\), status [a-z-]+$/m,
    );
    const validated = logger.lines.length;
    // served from the cache: no read, no validation
    const res = await request(server).get(
      '/api/clustermesh-dns/sources/example/report',
    );
    expect(res.status).toBe(200);
    expect(res.body.report.summary.clusters).toBe(2);
    expect(logger.lines.slice(validated).map(l => l.text)).toEqual([]);
    // the next scheduled run finds the folder unchanged
    await scheduler.triggerTask('clustermesh-dns-refresh-example');
    expect(logger.lines[logger.lines.length - 1].text).toMatch(
      /^clustermesh-dns source example unchanged at [0-9a-f]{40}; not validated again/,
    );
  });

  it('serves the API behind the backend auth: 401 without credentials', async () => {
    const { server } = await start();
    const res = await request(server)
      .get('/api/clustermesh-dns/sources')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('registers the read-only action clustermesh-dns:get-report for MCP clients', async () => {
    const { actions, scheduler } = await start();
    await scheduler.triggerTask('clustermesh-dns-refresh-example');
    const [action] = [...actions.actions.values()];
    expect(action).toMatchObject({
      name: 'get-report',
      attributes: { readOnly: true, destructive: false, idempotent: true },
      visibilityPermission: { name: 'clustermesh-dns.report.read' },
    });
    const listed = await actions.list();
    expect(listed.actions.map(a => a.id)).toEqual(['test:get-report']);

    const all = await actions.invoke({ id: 'test:get-report', input: {} });
    expect(all.output).toEqual({
      sources: [
        { id: 'example', title: 'Example', status: expect.any(String) },
        {
          id: 'example-before',
          title: 'example-before',
          status: expect.any(String),
        },
      ],
    });
    const one = await actions.invoke({
      id: 'test:get-report',
      input: { source: 'example' },
    });
    expect(one.output).toMatchObject({
      source: 'example',
      revision: expect.stringMatching(/^[0-9a-f]{40}$/),
      summary: { clusters: 2 },
      clusters: [
        {
          name: 'apps',
          status: expect.any(String),
          fqdn: 'clustermesh-apps.<secret:SECRET_DOMAIN>',
          lbIp: '10.25.11.120',
          failingRules: expect.any(Array),
        },
        {
          name: 'infra',
          status: expect.any(String),
          fqdn: 'clustermesh-infra.<secret:SECRET_DOMAIN>',
          lbIp: '10.25.11.100',
          failingRules: expect.any(Array),
        },
      ],
    });
    const cluster = await actions.invoke({
      id: 'test:get-report',
      input: { source: 'example', cluster: 'infra' },
    });
    expect((cluster.output as any).checks).toContainEqual(
      expect.objectContaining({ rule: 'lb-ip-in-pool' }),
    );
    await expect(
      actions.invoke({ id: 'test:get-report', input: { source: 'nope' } }),
    ).rejects.toThrow('No ClusterMesh DNS source "nope"');
  });

  it('checks the permission in the action too', async () => {
    const { actions } = await start(
      { sources },
      { permissions: AuthorizeResult.DENY },
    );
    await expect(
      actions.invoke({ id: 'test:get-report', input: { source: 'example' } }),
    ).rejects.toThrow('clustermesh-dns.report.read is needed');
  });

  it('refuses bad configuration, naming the entry and the field', async () => {
    await expect(
      start({ sources: [{ id: 'x', type: 'ftp', target: '/tmp' }] }),
    ).rejects.toThrow(
      'clustermeshDns.sources[0].type "ftp" is not supported (supported: local, url)',
    );
    await expect(
      start({
        sources: [
          { id: 'x', type: 'url', target: 'https://github.com/acme/gitops' },
          { id: 'y', type: 'url', target: 'not a url' },
        ],
      }),
    ).rejects.toThrow(
      'clustermeshDns.sources[1].target "not a url" is not a repository URL (e.g. https://github.com/acme/gitops)',
    );
  });
});
