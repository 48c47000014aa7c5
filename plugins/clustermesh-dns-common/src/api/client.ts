import type { MeshReport } from '../report/types';

/** A configured repository, as the backend lists it. @public */
export interface SourceInfo {
  id: string;
  title: string;
  type: string;
}

/** The backend's answer for one source. @public */
export interface SourceReport {
  source: SourceInfo;
  /** When the repository was read (ISO 8601). */
  readAt: string;
  report?: MeshReport;
  /** Why the repository could not be read; the report is then absent. */
  error?: string;
}

/** The backend API, as the frontend and other clients see it. @public */
export interface ClusterMeshDnsApi {
  listSources(): Promise<SourceInfo[]>;
  getReport(sourceId: string): Promise<SourceReport>;
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

  async listSources(): Promise<SourceInfo[]> {
    const body = await this.#get<{ items: SourceInfo[] }>('/sources');
    return body.items;
  }

  getReport(sourceId: string): Promise<SourceReport> {
    return this.#get<SourceReport>(
      `/sources/${encodeURIComponent(sourceId)}/report`,
    );
  }

  async #get<T>(path: string): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('clustermesh-dns');
    const response = await this.options.fetchApi.fetch(`${base}${path}`);
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
    return (await response.json()) as T;
  }
}
