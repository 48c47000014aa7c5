import type { SourceReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  EngineCache,
  validateMesh,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import {
  loadConventions,
  readDirectoryTree,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SourceConfig } from './sources';

/**
 * Validates configured repositories. A repository problem is never an
 * exception: it is a report finding, or `error` when nothing can be read.
 *
 * @public
 */
export class ReportService {
  /** One engine cache per source: a source re-read parses only what changed. */
  readonly #caches = new Map<string, EngineCache>();

  constructor(
    private readonly sources: SourceConfig[],
    private readonly logger: LoggerService,
  ) {}

  list(): SourceConfig[] {
    return this.sources;
  }

  get(id: string): SourceConfig | undefined {
    return this.sources.find(s => s.id === id);
  }

  report(source: SourceConfig): SourceReport {
    const readAt = new Date().toISOString();
    const info = {
      id: source.id,
      title: source.title,
      type: source.type,
      catalog: false,
      liveChecks: { dns: false, provider: false, service: false },
    };
    try {
      let cache = this.#caches.get(source.id);
      if (!cache) {
        cache = new EngineCache();
        this.#caches.set(source.id, cache);
      }
      const tree = readDirectoryTree(source.target);
      const conventions = loadConventions(
        tree,
        source.target,
        source.conventionsFile,
        { cache },
      );
      const { clusters, ...rest } = validateMesh(tree, conventions, {
        cache,
      });
      return {
        source: info,
        readAt,
        report: {
          ...rest,
          clusters: clusters.map(({ checks, ...row }) => ({
            ...row,
            failingRules: [
              ...new Set(
                checks.filter(c => c.outcome === 'fail').map(c => c.ruleId),
              ),
            ],
          })),
        },
      };
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(
        `clustermesh-dns source ${source.id} cannot be read: ${message}`,
      );
      return { source: info, stale: { error: message, since: readAt } };
    }
  }
}
