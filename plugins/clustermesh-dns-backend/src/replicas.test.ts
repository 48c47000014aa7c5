import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { setupServer } from 'msw/node';
import { http, passthrough } from 'msw';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { cacheServiceFactory } from '@backstage/backend-defaults/cache';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { urlReaderServiceFactory } from '@backstage/backend-defaults/urlReader';
import {
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { clustermeshDnsPlugin } from './plugin';
import { exampleRepo } from './__testUtils__/harness';
import { GithubDouble } from './__testUtils__/github';
import { CapturingLogger } from './__testUtils__/logger';
import {
  findExecutable,
  freePort,
  postgresBinaries,
  serviceVerdict,
  ServiceProcess,
  unprivilegedUser,
} from './__testUtils__/services';
import { describeWithServices } from '@clustermesh-dns/test-services';

// Two backend replicas on PostgreSQL and Redis from Debian's packages,
// configured by app-config.production.yaml: the scheduled refresh (a global
// task) runs on one replica per trigger, and both serve the same report
// from the shared cache.

const pgFolders = postgresBinaries();
const binaries = {
  initdb: findExecutable('initdb', pgFolders),
  postgres: findExecutable('postgres', pgFolders),
  'redis-server': findExecutable('redis-server'),
};
const productionConfig = path.resolve(
  __dirname,
  '../../../app-config.production.yaml',
);
/**
 * The Redis clients of the backends' cache: the backends do not close them
 * when they stop, and a client whose server goes away throws an unhandled
 * error. They are disconnected before the test's Redis stops.
 */
function trackRedisClients() {
  // eslint-disable-next-line @backstage/no-relative-monorepo-imports
  const { default: RedisClient } = require('@redis/client/dist/lib/client');
  const clients = new Set<{ disconnect(): Promise<void> }>();
  const connect = RedisClient.prototype.connect;
  RedisClient.prototype.connect = function track(
    this: any,
    ...args: unknown[]
  ) {
    clients.add(this);
    return connect.apply(this, args);
  };
  return async () => {
    RedisClient.prototype.connect = connect;
    for (const client of clients) await client.disconnect().catch(() => {});
  };
}

const until = async (what: string, condition: () => Promise<boolean>) => {
  // a condition, checked between turns; the test's timeout is the hang guard
  for (let turn = 0; !(await condition()); turn++)
    await new Promise(resolve => setTimeout(resolve, 100));
  return what;
};

describeWithServices(
  'two backend replicas on PostgreSQL and Redis',
  serviceVerdict('postgresql, redis-server', binaries),
  bins => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-replicas-'));
    const msw = setupServer(
      http.all(/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])/, () =>
        passthrough(),
      ),
    );
    registerMswTestHooks(msw);
    let postgres: ServiceProcess;
    let redis: ServiceProcess;
    let pgPort: number;
    let redisPort: number;
    const disconnectRedisClients = trackRedisClients();

    beforeAll(async () => {
      // PostgreSQL refuses to run as root: an unprivileged user owns its data
      const user = unprivilegedUser();
      const data = path.join(work, 'pg');
      fs.mkdirSync(data, { mode: 0o700 });
      if (user) {
        fs.chownSync(work, user.uid, user.gid);
        fs.chownSync(data, user.uid, user.gid);
      }
      const asUser = user ? { uid: user.uid, gid: user.gid } : {};
      const initdb = new ServiceProcess(
        bins.initdb,
        [
          '-D',
          data,
          '-U',
          'postgres',
          '--auth=trust',
          '-E',
          'UTF8',
          '--no-sync',
        ],
        asUser,
      );
      await initdb.done('initdb');
      pgPort = await freePort();
      postgres = new ServiceProcess(
        bins.postgres,
        [
          '-D',
          data,
          '-p',
          String(pgPort),
          '-k',
          work,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
        ],
        asUser,
      );
      redisPort = await freePort();
      redis = new ServiceProcess(bins['redis-server'], [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      await postgres.waitUntil('postgres', async () =>
        postgres.output.join('').includes('ready to accept connections'),
      );
      await redis.waitUntil('redis', async () =>
        redis.output.join('').includes('Ready to accept connections'),
      );
    });

    afterAll(async () => {
      await disconnectRedisClients();
      await redis?.stop();
      await postgres?.stop('SIGINT');
      fs.rmSync(work, { recursive: true, force: true });
    });

    /** app-config.production.yaml with the test's services, and the source. */
    function config(): JsonObject {
      const env: Record<string, string> = {
        POSTGRES_HOST: '127.0.0.1',
        POSTGRES_PORT: String(pgPort),
        POSTGRES_USER: 'postgres',
        POSTGRES_PASSWORD: 'unused-with-trust-auth',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      };
      const text = fs
        .readFileSync(productionConfig, 'utf8')
        .replace(/\$\{(\w+)\}/g, (_, name) => env[name] ?? `\${${name}}`);
      const production = yaml.parse(text);
      return {
        backend: {
          database: production.backend.database,
          cache: production.backend.cache,
        },
        integrations: {
          github: [{ host: 'github.com', token: 'ghp_replicas' }],
        },
        clustermeshDns: {
          sources: [
            {
              id: 'home',
              type: 'url',
              target: 'https://github.com/acme/gitops',
              branch: 'main',
            },
          ],
          // only triggerTask runs it: every read is one the test asked for
          schedule: {
            frequency: { trigger: 'manual' },
            timeout: { minutes: 2 },
          },
        },
      };
    }

    async function replica(data: JsonObject) {
      let scheduler: SchedulerService | undefined;
      const logger = new CapturingLogger();
      const backend = await startTestBackend({
        features: [
          clustermeshDnsPlugin,
          createServiceFactory({
            service: coreServices.logger,
            deps: {},
            factory: () => logger,
          }),
          createBackendModule({
            pluginId: 'clustermesh-dns',
            moduleId: 'replica-test',
            register(reg) {
              reg.registerInit({
                deps: { s: coreServices.scheduler },
                async init({ s }) {
                  scheduler = s;
                },
              });
            },
          }),
          mockServices.rootConfig.factory({ data }),
          databaseServiceFactory,
          cacheServiceFactory,
          schedulerServiceFactory,
          urlReaderServiceFactory,
        ],
      });
      return { backend, server: backend.server, scheduler: scheduler!, logger };
    }

    it('reads the source once per triggered refresh in total, and both serve the same report', async () => {
      const github = new GithubDouble(msw);
      const data = config();
      expect(data.backend).toMatchObject({
        database: { client: 'pg' },
        cache: { store: 'redis' },
      });
      const replicas = [await replica(data), await replica(data)];
      try {
        // a refresh is done when a replica says it read and validated the revision
        const validated = async (sha: string) =>
          replicas.some(r =>
            r.logger
              .all()
              .includes(
                `clustermesh-dns source home read at ${sha} and validated`,
              ),
          );

        const task = 'clustermesh-dns-refresh-home';
        const shas = ['a', 'b', 'c', 'd'].map(c => c.repeat(40));
        for (const [i, sha] of shas.entries()) {
          await github.commit('main', sha, exampleRepo);
          // alternately asked on either replica; whichever claims it runs it
          const scheduler = replicas[i % 2].scheduler;
          await until('triggered', async () =>
            scheduler.triggerTask(task).then(
              () => true,
              error => {
                if (error.name === 'ConflictError') return false; // still finishing the last run
                throw error;
              },
            ),
          );
          await until(`revision ${sha}`, () => validated(sha));
        }
        const paths = github.paths();
        expect(paths.filter(p => p.includes('/status'))).toHaveLength(
          shas.length,
        );
        expect(paths.filter(p => p.includes('/tarball/'))).toEqual(
          shas.map(sha => `/repos/acme/gitops/tarball/${sha}`),
        );

        const answers = await Promise.all(
          replicas.map(r =>
            request(r.server).get('/api/clustermesh-dns/sources/home/report'),
          ),
        );
        for (const answer of answers) {
          expect(answer.status).toBe(200);
          expect(answer.body.revision).toBe(shas[shas.length - 1]);
        }
        expect(answers[1].headers.etag).toBe(answers[0].headers.etag);
        expect(answers[1].text).toBe(answers[0].text);
        // serving read nothing more
        expect(github.paths()).toHaveLength(paths.length);

        // each refresh ran once, on one replica or the other
        const runs = replicas.map(
          r =>
            r.logger.lines.filter(l =>
              /source home read at \w+ and validated/.test(l.text),
            ).length,
        );
        expect(runs[0] + runs[1]).toBe(shas.length);
      } finally {
        for (const r of replicas) await r.backend.stop();
      }
    });
  },
);
