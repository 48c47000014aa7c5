import type {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  KubernetesValidatorFunctions,
} from '@backstage/catalog-model';
import type {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type {
  ClusterMeshDnsApi,
  ClusterSummary,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { CatalogSourceConfig } from './config';

/** The annotation naming the source (`clustermeshDns.sources[].id`) of a cluster entity. @public */
export const ANNOTATION_CLUSTERMESH_DNS_SOURCE = 'clustermesh-dns.io/source';
/** The annotation naming the cluster in its source. @public */
export const ANNOTATION_CLUSTERMESH_DNS_CLUSTER = 'clustermesh-dns.io/cluster';

/** The entity name of a cluster, from the source's template; undefined when it is not a valid name. @public */
export function clusterEntityName(
  template: string,
  source: string,
  cluster: string,
): string | undefined {
  const name = template
    .replace(/\{source\}/g, source)
    .replace(/\{cluster\}/g, cluster);
  return KubernetesValidatorFunctions.isValidObjectName(name)
    ? name
    : undefined;
}

/** Where a source's files are, as `backstage.io/source-location` wants it. */
function sourceLocation(
  source: SourceSummary,
  config: CatalogSourceConfig | undefined,
): string | undefined {
  if (source.treeUrl) return `url:${source.treeUrl}/`;
  if (source.repository) return `url:${source.repository.url}`;
  if (config?.folder) return `file:${config.folder}/`;
  return undefined;
}

/**
 * Emits one `Resource` of type `kubernetes-cluster` per cluster of every
 * ClusterMesh DNS source whose catalog output is on, reading the reports
 * from the clustermesh-dns backend over HTTP. A source that cannot be read
 * keeps the entities it had: its last report is served stale by the
 * backend, or this provider keeps what it emitted last.
 *
 * @public
 */
export class ClusterMeshDnsEntityProvider implements EntityProvider {
  #connection?: EntityProviderConnection;
  /** What each source gave last, kept for when it cannot be read. */
  readonly #last = new Map<string, DeferredEntity[]>();

  constructor(
    private readonly options: {
      client: ClusterMeshDnsApi;
      sources: CatalogSourceConfig[];
      logger: LoggerService;
      taskRunner?: SchedulerServiceTaskRunner;
    },
  ) {}

  getProviderName(): string {
    return 'ClusterMeshDnsEntityProvider';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
    await this.options.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          this.options.logger.error(
            'ClusterMesh DNS clusters could not be read; the catalog keeps the entities it has',
            error as Error,
          );
        }
      },
    });
  }

  /** Reads every source's report and applies the entities (what the schedule runs). */
  async refresh(): Promise<void> {
    const connection = this.#connection;
    if (!connection)
      throw new Error('ClusterMeshDnsEntityProvider is not connected');
    const { client } = this.options;
    const configs = new Map(this.options.sources.map(s => [s.id, s]));
    // fails when the backend cannot be reached: nothing is applied
    const sources = await client.listSources();
    const entities: DeferredEntity[] = [];
    let complete = true;
    for (const source of sources) {
      const config = configs.get(source.id);
      if (config && !config.enabled) continue;
      const read = await this.#read(source, config);
      if (read) {
        this.#last.set(source.id, read);
        entities.push(...read);
        continue;
      }
      // it cannot be read: keep what it gave last
      const last = this.#last.get(source.id);
      if (last) entities.push(...last);
      else complete = false;
    }
    if (complete) {
      await connection.applyMutation({ type: 'full', entities });
    } else {
      // a source never read is not known: add what is, remove nothing
      await connection.applyMutation({
        type: 'delta',
        added: entities,
        removed: [],
      });
    }
  }

  /** A source's entities, or undefined (logged) when its clusters cannot be read. */
  async #read(
    source: SourceSummary,
    config: CatalogSourceConfig | undefined,
  ): Promise<DeferredEntity[] | undefined> {
    const keep = (why: string) => {
      const last = this.#last.get(source.id);
      this.options.logger.warn(
        `ClusterMesh DNS source ${source.id}: ${why}; ${
          last
            ? `keeping its ${last.length} cluster entities`
            : 'its entities are left as they are'
        }`,
      );
      return undefined;
    };
    let report;
    try {
      report = await this.options.client.getReport(source.id);
    } catch (error) {
      return keep(`its report cannot be read (${(error as Error).message})`);
    }
    if (!report.report)
      return keep(
        `it has no report yet (${report.stale?.error ?? 'not read'})`,
      );
    return report.report.clusters.flatMap(cluster => {
      const entity = this.#entity(source, config, cluster);
      return entity
        ? [{ entity, locationKey: `clustermesh-dns:${source.id}` }]
        : [];
    });
  }

  #entity(
    source: SourceSummary,
    config: CatalogSourceConfig | undefined,
    cluster: ClusterSummary,
  ): Entity | undefined {
    const template = config?.entityName ?? '{source}-{cluster}';
    const name = clusterEntityName(template, source.id, cluster.name);
    if (!name) {
      this.options.logger.warn(
        `ClusterMesh DNS source ${source.id}: cluster ${cluster.name} gives no valid entity name from "${template}"; it is left out`,
      );
      return undefined;
    }
    const location = sourceLocation(source, config);
    // The description is markdown: the FQDN is code, so that a secret's
    // placeholder (`<secret:NAME>`) is not taken for an HTML tag.
    const facts = [
      cluster.fqdn && `FQDN ${markdownCode(cluster.fqdn.resolved)}`,
      cluster.lbIp && `LB IP ${cluster.lbIp.value}`,
    ].filter(Boolean);
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        // Clusters of different sources often share a name: the title says
        // which source (the name stays `<source>-<cluster>`: links use it).
        title: `${cluster.name} cluster of ${source.title}`,
        description: `Kubernetes cluster ${cluster.name} of ${markdownText(
          source.title,
        )}${
          facts.length ? ` (${facts.join(', ')})` : ''
        }, from ClusterMesh DNS.`,
        annotations: {
          [ANNOTATION_CLUSTERMESH_DNS_SOURCE]: source.id,
          [ANNOTATION_CLUSTERMESH_DNS_CLUSTER]: cluster.name,
          [ANNOTATION_LOCATION]: `clustermesh-dns:${source.id}`,
          [ANNOTATION_ORIGIN_LOCATION]: `clustermesh-dns:${source.id}`,
          ...(location ? { [ANNOTATION_SOURCE_LOCATION]: location } : {}),
        },
      },
      spec: {
        type: 'kubernetes-cluster',
        owner: config?.owner ?? 'unknown',
        ...(config?.system ? { system: config.system } : {}),
      },
    };
  }
}

/** Text shown as itself in markdown: the characters markdown would read are escaped. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, '\\$&');
}

/** A markdown code span of the text (fenced by more backticks than it holds). */
export function markdownCode(text: string): string {
  const longest = Math.max(
    0,
    ...(text.match(/`+/g) ?? []).map(run => run.length),
  );
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
