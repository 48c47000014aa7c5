import type { Request, Response, Router } from 'express';
import type {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  clustermeshDnsLiveRunPermission,
  clustermeshDnsReportReadPermission,
  RepositoryMatch,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { LiveChecks } from './live/LiveChecks';
import { spec } from './schema/openapi.generated';
import {
  HostKind,
  parseRepositoryUrl,
  sameRepository,
} from './scm/repositoryUrl';
import type { ReportStore } from './service/ReportStore';

/** What the router needs. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  store: ReportStore;
  live: LiveChecks;
  /** The app's integration type of a host, for repository URL forms. */
  hostKind?: HostKind;
  /** Serves the benchmark's constant route. */
  constantRoute?: boolean;
}

/** Whether an If-None-Match header names this ETag (weak comparison, `*`, lists). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header
    .split(',')
    .some(tag => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * The REST API under `/api/clustermesh-dns`, described by
 * `src/schema/openapi.yaml`: requests are validated against the document
 * before any handler runs (a bad parameter is a 400 naming it).
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const { httpAuth, permissions, store, live } = options;
  // requests are validated against the document at run time; the answers'
  // types are held to it by src/schema/openapi.test.ts
  const router = createValidatedOpenApiRouter(spec) as unknown as Router;

  const authorize = async (
    req: Request<any, any, any, any>,
    permission: BasicPermission,
  ): Promise<BackstageCredentials> => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(
        `Not allowed: ${permission.name} is needed for this request`,
      );
    return credentials;
  };

  /** Sends bytes computed once, or 304 when the client has them. */
  const sendBytes = (
    req: Request<any, any, any, any>,
    res: Response,
    etag: string,
    bytes: Buffer,
  ) => {
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    if (etagMatches(req.header('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(bytes);
  };

  const ref = (req: Request<any, any, any, any>): string | undefined =>
    typeof req.query.ref === 'string' ? req.query.ref : undefined;

  router.get('/sources', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    res.json({ items: store.list() });
  });

  router.get('/sources/match', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const repository = parseRepositoryUrl(
      String(req.query.repoUrl),
      options.hostKind,
    );
    const match: RepositoryMatch = {};
    if (repository) {
      match.repository = repository;
      const source = store
        .list()
        .find(s => s.repository && sameRepository(s.repository, repository));
      if (source) match.source = source;
    }
    res.json(match);
  });

  router.get('/sources/:sourceId/report', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const { etag, bytes } = await store.report(req.params.sourceId, ref(req));
    sendBytes(req, res, etag, bytes);
  });

  router.get('/sources/:sourceId/report/constant', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    if (!options.constantRoute)
      throw new NotFoundError(
        'The constant route is off (clustermeshDns.benchmark.constantRoute)',
      );
    const { etag, bytes } = await store.constant(req.params.sourceId);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.type('application/json').send(bytes);
  });

  router.get('/sources/:sourceId/clusters/:cluster', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const { sourceId, cluster } = req.params;
    const etag = await store.detailEtag(sourceId, 'cluster', cluster, ref(req));
    if (etagMatches(req.header('if-none-match'), etag)) {
      res.setHeader('ETag', etag);
      res.status(304).end();
      return;
    }
    const detail = await store.cluster(sourceId, cluster, ref(req));
    res.setHeader('ETag', detail.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.json(detail.body);
  });

  router.get('/sources/:sourceId/clusters/:cluster/pool', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const { sourceId, cluster } = req.params;
    const etag = await store.detailEtag(sourceId, 'pool', cluster, ref(req));
    if (etagMatches(req.header('if-none-match'), etag)) {
      res.setHeader('ETag', etag);
      res.status(304).end();
      return;
    }
    const pool = await store.pool(sourceId, cluster, ref(req));
    res.setHeader('ETag', pool.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.json(pool.body);
  });

  router.post('/sources/:sourceId/refresh', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const { etag, bytes } = await store.refresh(req.params.sourceId);
    res.setHeader('ETag', etag);
    res.type('application/json').send(bytes);
  });

  router.get('/sources/:sourceId/live', async (req, res) => {
    await authorize(req, clustermeshDnsReportReadPermission);
    const last = await live.last(req.params.sourceId);
    // none run yet is the usual state of a source, not an error
    if (!last) {
      res.status(204).end();
      return;
    }
    res.json(last);
  });

  router.post('/sources/:sourceId/live', async (req, res) => {
    await authorize(req, clustermeshDnsLiveRunPermission);
    res.json(await live.run(req.params.sourceId));
  });

  return router;
}
