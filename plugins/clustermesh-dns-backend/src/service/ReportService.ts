import {
  SourceReport,
  validateMesh,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
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
    const info = { id: source.id, title: source.title, type: source.type };
    try {
      const tree = readDirectoryTree(source.target);
      const conventions = loadConventions(
        tree,
        source.target,
        source.conventionsFile,
      );
      return { source: info, readAt, report: validateMesh(tree, conventions) };
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(
        `clustermesh-dns source ${source.id} cannot be read: ${message}`,
      );
      return { source: info, readAt, error: message };
    }
  }
}
