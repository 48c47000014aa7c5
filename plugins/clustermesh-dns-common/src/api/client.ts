import type {
  ClusterDetail,
  ClusterPool,
  LiveReport,
  RepositoryMatch,
  SourceReport,
  SourceSummary,
} from './types';

/** Which revision of a source: its configured branch, or another ref. @public */
export interface RefOptions {
  /** A branch, tag or commit of an SCM source (default: the configured branch). */
  ref?: string;
}

/** The backend API, as the frontend and other clients see it. @public */
export interface ClusterMeshDnsApi {
  /** Every configured source, with the repository each reads. */
  listSources(): Promise<SourceSummary[]>;
  /** The source that reads a repository URL (a template's `repoUrl`), if any. */
  matchRepository(repoUrl: string): Promise<RepositoryMatch>;
  /** A source's report: a summary row per cluster. */
  getReport(sourceId: string, options?: RefOptions): Promise<SourceReport>;
  /** One cluster with its checks, peers and findings. */
  getCluster(
    sourceId: string,
    cluster: string,
    options?: RefOptions,
  ): Promise<ClusterDetail>;
  /** A cluster's pools, the addresses in use and a free one to suggest. */
  getPool(
    sourceId: string,
    cluster: string,
    options?: RefOptions,
  ): Promise<ClusterPool>;
  /** Reads the source again now (the scheduled refresh, on demand). */
  refresh(sourceId: string): Promise<SourceReport>;
  /** Runs the live checks of a source (permission `clustermesh-dns.live.run`). */
  runLiveChecks(sourceId: string): Promise<LiveReport>;
  /** The last live checks of a source, undefined when none ran. */
  getLiveChecks(sourceId: string): Promise<LiveReport | undefined>;
}

/** An error answer of the backend, with its status. @public */
export class ClusterMeshDnsRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ClusterMeshDnsRequestError';
  }
}

/**
 * Typed client of the clustermesh-dns backend. Takes Backstage's discovery
 * and fetch APIs (or anything shaped like them), so it works in the browser
 * and in other backend plugins.
 *
 * @public
 */
export class ClusterMeshDnsClient implements ClusterMeshDnsApi {
  constructor(
    private readonly options: {
      discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
      fetchApi: { fetch: typeof fetch };
    },
  ) {}

  async listSources(): Promise<SourceSummary[]> {
    const body = await this.#request<{ items: SourceSummary[] }>('/sources');
    return body.items;
  }

  matchRepository(repoUrl: string): Promise<RepositoryMatch> {
    return this.#request(`/sources/match${query({ repoUrl })}`);
  }

  getReport(sourceId: string, options: RefOptions = {}): Promise<SourceReport> {
    return this.#request(
      `/sources/${encodeURIComponent(sourceId)}/report${query({ ...options })}`,
    );
  }

  getCluster(
    sourceId: string,
    cluster: string,
    options: RefOptions = {},
  ): Promise<ClusterDetail> {
    return this.#request(
      `/sources/${encodeURIComponent(sourceId)}/clusters/${encodeURIComponent(
        cluster,
      )}${query({ ...options })}`,
    );
  }

  getPool(
    sourceId: string,
    cluster: string,
    options: RefOptions = {},
  ): Promise<ClusterPool> {
    return this.#request(
      `/sources/${encodeURIComponent(sourceId)}/clusters/${encodeURIComponent(
        cluster,
      )}/pool${query({ ...options })}`,
    );
  }

  refresh(sourceId: string): Promise<SourceReport> {
    return this.#request(
      `/sources/${encodeURIComponent(sourceId)}/refresh`,
      'POST',
    );
  }

  runLiveChecks(sourceId: string): Promise<LiveReport> {
    return this.#request(
      `/sources/${encodeURIComponent(sourceId)}/live`,
      'POST',
    );
  }

  /** The last live checks of a source; undefined when none has run yet (204). */
  getLiveChecks(sourceId: string): Promise<LiveReport | undefined> {
    return this.#request<LiveReport | undefined>(
      `/sources/${encodeURIComponent(sourceId)}/live`,
    );
  }

  async #request<T>(path: string, method = 'GET'): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('clustermesh-dns');
    const response = await this.options.fetchApi.fetch(`${base}${path}`, {
      method,
    });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        const body = await response.json();
        if (body?.error?.message) message = body.error.message;
      } catch {
        // not JSON: keep the status line
      }
      throw new ClusterMeshDnsRequestError(
        response.status,
        `Request to clustermesh-dns ${path} failed: ${message}`,
      );
    }
    // 204: nothing to send (no live checks have run yet)
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

/** `?a=b&c=d` of the defined options, or nothing. */
function query(options: { [key: string]: string | undefined }): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options))
    if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
