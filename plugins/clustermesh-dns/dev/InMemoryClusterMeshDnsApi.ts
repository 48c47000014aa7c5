import type {
  ClusterDetail,
  ClusterMeshDnsApi,
  ClusterPool,
  LiveReport,
  MeshReport,
  RefOptions,
  RepositoryMatch,
  SourceReport,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  clusterDetail,
  exampleAfterReport,
  exampleBeforeReport,
  exampleBeforeSource,
  exampleSource,
  githubSource,
  largeReport,
  poolOf,
  sourceReport,
} from '../src/__testUtils__/fixtures';

const pause = () => new Promise(resolve => setTimeout(resolve, 300));

/**
 * The backend's answers from memory, so the dev app runs without a backend:
 * the two example repositories, and a GitHub source of 511 clusters.
 */
export class InMemoryClusterMeshDnsApi implements ClusterMeshDnsApi {
  readonly #reports = new Map<string, MeshReport>([
    [exampleSource.id, exampleAfterReport],
    [exampleBeforeSource.id, exampleBeforeReport],
    [githubSource.id, largeReport(511)],
  ]);
  readonly #sources = [exampleSource, exampleBeforeSource, githubSource];
  #live = new Map<string, LiveReport>();

  #source(id: string): SourceSummary {
    const source = this.#sources.find(s => s.id === id);
    if (!source) throw new Error(`no source ${id}`);
    return source;
  }

  async listSources() {
    await pause();
    return this.#sources;
  }

  async matchRepository(repoUrl: string): Promise<RepositoryMatch> {
    const source = repoUrl.includes('repo=home-ops') ? githubSource : undefined;
    return { repository: source?.repository, source };
  }

  async getReport(id: string, options?: RefOptions): Promise<SourceReport> {
    await pause();
    const source = this.#source(id);
    return sourceReport(source, this.#reports.get(id), { ref: options?.ref });
  }

  async getCluster(id: string, cluster: string): Promise<ClusterDetail> {
    await pause();
    return clusterDetail(this.#source(id), this.#reports.get(id)!, cluster);
  }

  async getPool(id: string, cluster: string): Promise<ClusterPool> {
    await pause();
    return poolOf(this.#source(id), this.#reports.get(id)!, cluster);
  }

  async refresh(id: string) {
    return this.getReport(id);
  }

  async runLiveChecks(id: string): Promise<LiveReport> {
    await pause();
    const report = this.#reports.get(id)!;
    const live: LiveReport = {
      sourceId: id,
      ranAt: new Date().toISOString(),
      results: report.clusters.map(c => ({
        check: 'dns-resolves',
        cluster: c.name,
        outcome: c.status === 'pass' ? 'pass' : 'fail',
        message:
          c.status === 'pass'
            ? `${c.fqdn?.resolved} resolves to ${c.lbIp?.value}`
            : `${c.fqdn?.resolved ?? c.name} has no A record`,
      })),
      status: Object.fromEntries(
        report.clusters.map(c => [
          c.name,
          c.status === 'pass' ? 'pass' : 'fail',
        ]),
      ),
    };
    this.#live.set(id, live);
    return live;
  }

  async getLiveChecks(id: string) {
    return this.#live.get(id);
  }
}
