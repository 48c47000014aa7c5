import path from 'node:path';
import express from 'express';
import type { Server } from 'node:http';
import { ConfigReader } from '@backstage/config';
import type {
  CacheService,
  PermissionsService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { CacheManager } from '@backstage/backend-defaults/cache';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { wrapServer } from '@backstage/backend-openapi-utils/testUtils';
import { ScmIntegrations } from '@backstage/integration';
import type { JsonObject } from '@backstage/types';
import { readPluginOptions } from '../config/config';
import { LiveChecks } from '../live/LiveChecks';
import type { ResolverFactory } from '../live/dns';
import { createRouter } from '../router';
import { SourceReader } from '../scm/SourceReader';
import { Redactor } from '../service/Redactor';
import { ReportStore } from '../service/ReportStore';
import {
  EngineRunner,
  InProcessEngineRunner,
  InspectFunction,
} from '../engine/EngineRunner';
import { CapturingLogger } from './logger';
import { resolveLocalhostIpv6 } from './localhost';

export const examples = path.resolve(__dirname, '../../../../examples');
export const exampleRepo = path.join(examples, 'gitops-repo');
export const exampleBeforeRepo = path.join(
  examples,
  'templates/clustermesh-dns/gitops-repo-before',
);

/** The plugin's parts, wired as plugin.ts wires them, over test doubles. */
export interface Harness {
  app: express.Express;
  store: ReportStore;
  live: LiveChecks;
  logger: CapturingLogger;
  cache: CacheService;
  /** The app behind wrapServer's proxy: every request and answer checked against the document. */
  wrapped(): Promise<Server>;
}

export async function createHarness(options: {
  /** The whole `clustermeshDns` block. */
  clustermeshDns: JsonObject;
  integrations?: JsonObject;
  permissions?: PermissionsService;
  httpAuth?: ReturnType<typeof mockServices.httpAuth>;
  urlReader?: UrlReaderService;
  /** The engine function (in process); or a whole runner. */
  engine?: { inspect: InspectFunction } | EngineRunner;
  cache?: CacheService;
  createResolver?: ResolverFactory;
  fetch?: typeof fetch;
  clock?: () => Date;
}): Promise<Harness> {
  const config = new ConfigReader({
    clustermeshDns: options.clustermeshDns,
    integrations: options.integrations ?? {},
  });
  const logger = new CapturingLogger();
  const integrations = ScmIntegrations.fromConfig(config);
  const hostKind = (host: string) => integrations.byHost(host)?.type;
  const pluginOptions = readPluginOptions(config, { hostKind });
  const redactor = new Redactor(
    pluginOptions.sources.flatMap(s => [
      ...Object.entries(s.values).map(([name, value]) => ({
        value,
        placeholder: `<secret:${name}>`,
      })),
      ...(s.live.cloudflare
        ? [{ value: s.live.cloudflare.apiToken, placeholder: '<redacted>' }]
        : []),
    ]),
  );
  const cache =
    options.cache ??
    CacheManager.fromConfig(new ConfigReader({})).forPlugin('clustermesh-dns');
  const urlReader =
    options.urlReader ??
    UrlReaders.default({ config, logger: mockServices.logger.mock() });
  const store = new ReportStore({
    options: pluginOptions,
    cache,
    logger,
    redactor,
    reader: new SourceReader(urlReader, {
      maxFileSize: pluginOptions.maxFileSize,
    }),
    engine:
      options.engine && 'close' in options.engine
        ? options.engine
        : new InProcessEngineRunner(options.engine?.inspect),
    clock: options.clock,
  });
  const live = new LiveChecks({
    store,
    options: pluginOptions,
    cache,
    logger,
    redactor,
    discovery: mockServices.discovery(),
    auth: mockServices.auth(),
    createResolver: options.createResolver,
    fetch: options.fetch,
    clock: options.clock,
  });
  const router = await createRouter({
    httpAuth: options.httpAuth ?? mockServices.httpAuth(),
    permissions: options.permissions ?? mockServices.permissions(),
    store,
    live,
    hostKind,
    constantRoute: pluginOptions.constantRoute,
  });
  const app = express().use(router).use(mockErrorHandler());
  return {
    app,
    store,
    live,
    logger,
    cache,
    wrapped: async () => {
      resolveLocalhostIpv6();
      return wrapServer(app);
    },
  };
}
