import { http, HttpResponse, JsonBodyType } from 'msw';
import type { SetupServer } from 'msw/node';
import {
  ClusterDetail,
  ClusterMeshDnsClient,
  ClusterPool,
  LiveReport,
  RepositoryMatch,
  SourceReport,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** Where the test backend answers. */
export const baseUrl = 'http://localhost:7007/api/clustermesh-dns';

/** The typed client, talking to msw through the global fetch. */
export function createClient() {
  return new ClusterMeshDnsClient({
    discoveryApi: { getBaseUrl: async () => baseUrl },
    fetchApi: { fetch: (...args) => fetch(...args) },
  });
}

type Answer<T> = T | ((request: { ref?: string }) => T | Response);

export interface BackendOptions {
  sources?: SourceSummary[] | Response;
  reports?: Record<string, Answer<SourceReport>>;
  details?: Record<string, Answer<ClusterDetail>>;
  pools?: Record<string, ClusterPool | Response>;
  live?: Record<string, LiveReport>;
  runLive?: Record<string, LiveReport>;
  match?: (repoUrl: string) => RepositoryMatch;
}

export interface BackendLog {
  method: string;
  path: string;
  ref?: string;
  query: string;
}

function answer<T extends JsonBodyType>(
  value: Answer<T> | undefined,
  ref: string | undefined,
  what: string,
) {
  if (value === undefined) {
    return HttpResponse.json(
      { error: { name: 'NotFoundError', message: `no ${what}` } },
      { status: 404 },
    );
  }
  const result = typeof value === 'function' ? value({ ref }) : value;
  return result instanceof Response ? result : HttpResponse.json(result);
}

/**
 * Serves the clustermesh-dns API with msw, from the given answers
 * (`details` and `pools` are keyed `<source>/<cluster>`), and logs every
 * request so tests can say what was (and was not) fetched.
 */
export function serveBackend(
  server: SetupServer,
  options: BackendOptions,
): BackendLog[] {
  const log: BackendLog[] = [];
  const record = (request: Request) => {
    const url = new URL(request.url);
    const entry = {
      method: request.method,
      path: url.pathname.replace('/api/clustermesh-dns', ''),
      ref: url.searchParams.get('ref') ?? undefined,
      query: url.search,
    };
    log.push(entry);
    return entry;
  };
  server.use(
    http.get(`${baseUrl}/sources`, ({ request }) => {
      record(request);
      const sources = options.sources ?? [];
      return sources instanceof Response
        ? sources
        : HttpResponse.json({ items: sources });
    }),
    http.get(`${baseUrl}/sources/match`, ({ request }) => {
      record(request);
      const repoUrl = new URL(request.url).searchParams.get('repoUrl') ?? '';
      return HttpResponse.json(options.match ? options.match(repoUrl) : {});
    }),
    http.get(`${baseUrl}/sources/:id/report`, ({ request, params }) => {
      const { ref } = record(request);
      return answer(
        options.reports?.[params.id as string],
        ref,
        `source ${params.id}`,
      );
    }),
    http.post(`${baseUrl}/sources/:id/refresh`, ({ request, params }) => {
      record(request);
      return answer(
        options.reports?.[params.id as string],
        undefined,
        `source ${params.id}`,
      );
    }),
    http.get(`${baseUrl}/sources/:id/live`, ({ request, params }) => {
      record(request);
      const last = options.live?.[params.id as string];
      // as the backend answers a source whose live checks have not run
      if (last === undefined) return new HttpResponse(null, { status: 204 });
      return answer(last, undefined, 'live checks');
    }),
    http.post(`${baseUrl}/sources/:id/live`, ({ request, params }) => {
      record(request);
      return answer(
        options.runLive?.[params.id as string],
        undefined,
        'live checks',
      );
    }),
    http.get(
      `${baseUrl}/sources/:id/clusters/:cluster/pool`,
      ({ request, params }) => {
        record(request);
        const pool = options.pools?.[`${params.id}/${params.cluster}`];
        if (pool instanceof Response) return pool;
        return answer(pool, undefined, `cluster ${params.cluster}`);
      },
    ),
    http.get(
      `${baseUrl}/sources/:id/clusters/:cluster`,
      ({ request, params }) => {
        const { ref } = record(request);
        return answer(
          options.details?.[`${params.id}/${params.cluster}`],
          ref,
          `cluster ${params.cluster}`,
        );
      },
    ),
  );
  return log;
}

export * from './fixtures';
