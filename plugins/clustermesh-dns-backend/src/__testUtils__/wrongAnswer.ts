/* eslint-disable no-console */
// Run by src/schema/wrapServer.test.ts in its own process: serves one right
// and one deliberately wrong answer through wrapServer's proxy and prints
// what the proxy's check says about each (one JSON line per request).
// Its own process: the proxy reports a failed check as an unhandled
// rejection, which fails whatever Jest test is running (that is how a wrong
// answer fails the router tests); here the verdicts are collected instead.
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { wrapServer } from '@backstage/backend-openapi-utils/testUtils';
import { mockErrorHandler } from '@backstage/backend-test-utils';
import { spec } from '../schema/openapi.generated';
import { resolveLocalhostIpv6 } from './localhost';

const summary = {
  id: 'example',
  title: 'Example',
  type: 'local',
  catalog: true,
  liveChecks: { dns: true, provider: false, service: false },
};

/**
 * Counts the proxy's checks, so that each request's check is awaited (no
 * wall-clock wait): the proxy checks an answer after the client has it.
 */
function watchChecks(failures: string[]): Promise<unknown>[] {
  const dist = path.join(
    path.dirname(
      require.resolve('@backstage/backend-openapi-utils/package.json'),
    ),
    'dist/schema/validation.cjs.js',
  );
  // eslint-disable-next-line @backstage/no-relative-monorepo-imports
  const { OpenApiProxyValidator } = require(dist);
  const checks: Promise<unknown>[] = [];
  const validate = OpenApiProxyValidator.prototype.validate;
  OpenApiProxyValidator.prototype.validate = function check(
    ...args: unknown[]
  ) {
    const result: Promise<unknown> = validate.apply(this, args);
    checks.push(
      result.catch(error => failures.push(String(error?.message ?? error))),
    );
    return result;
  };
  return checks;
}

async function main() {
  resolveLocalhostIpv6();
  const failures: string[] = [];
  const checks = watchChecks(failures);
  const tick = () => new Promise(resolve => setImmediate(resolve));
  const router = createValidatedOpenApiRouter(
    spec,
  ) as unknown as express.Router;
  router.get('/sources', (_req, res) => {
    res.json({ items: [summary] });
  });
  // wrong on purpose: a source's type outside the enum, and no `catalog`
  router.get('/sources/:sourceId/report', (_req, res) => {
    const { catalog: _catalog, ...rest } = summary;
    res.json({ source: { ...rest, type: 'ftp' } });
  });
  const app = express().use(router).use(mockErrorHandler());
  const server = await wrapServer(app);
  for (const [i, route] of ['/sources', '/sources/example/report'].entries()) {
    failures.length = 0;
    const res = await request(server).get(route);
    while (checks.length <= i) await tick(); // the proxy has started its check
    await checks[i];
    console.log(JSON.stringify({ path: route, status: res.status, failures }));
  }
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
