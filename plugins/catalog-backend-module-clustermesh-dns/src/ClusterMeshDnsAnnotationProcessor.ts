import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
} from '@backstage/plugin-catalog-node';
import type { CatalogSourceConfig } from './config';
import {
  ANNOTATION_CLUSTERMESH_DNS_CLUSTER,
  ANNOTATION_CLUSTERMESH_DNS_SOURCE,
} from './ClusterMeshDnsEntityProvider';

/**
 * For sources whose catalog output is off (`catalog.enabled: false`):
 * annotates the existing entities named in `catalog.annotate` with their
 * source and cluster, so the ClusterMesh DNS tab finds them.
 *
 * @public
 */
export class ClusterMeshDnsAnnotationProcessor implements CatalogProcessor {
  readonly #targets = new Map<string, { source: string; cluster: string }>();

  constructor(sources: CatalogSourceConfig[]) {
    for (const source of sources)
      if (!source.enabled)
        for (const [ref, cluster] of source.annotate)
          this.#targets.set(ref, { source: source.id, cluster });
  }

  getProcessorName(): string {
    return 'ClusterMeshDnsAnnotationProcessor';
  }

  async preProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    _emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (this.#targets.size === 0) return entity;
    const target = this.#targets.get(
      stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
    );
    if (!target) return entity;
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: {
          ...entity.metadata.annotations,
          [ANNOTATION_CLUSTERMESH_DNS_SOURCE]: target.source,
          [ANNOTATION_CLUSTERMESH_DNS_CLUSTER]: target.cluster,
        },
      },
    };
  }
}
