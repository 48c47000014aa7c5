import path from 'node:path';
import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** What the catalog module reads of a source's configuration. @public */
export interface CatalogSourceConfig {
  /** The source's id. */
  id: string;
  /** A local source's folder, absolute (for `backstage.io/source-location`). */
  folder?: string;
  /** Whether the provider emits its clusters. */
  enabled: boolean;
  /** The entities' owner (default `unknown`). */
  owner: string;
  /** The entities' system. */
  system?: string;
  /** Entity name template: `{source}`, `{cluster}`. */
  entityName: string;
  /** With `enabled: false`: entity ref (normalised) → mesh cluster. */
  annotate: Map<string, string>;
}

/**
 * Reads the `catalog` part of `clustermeshDns.sources` (the backend plugin
 * validates the rest). Paths of local sources are resolved from `cwd`, the
 * backend's working directory, as the plugin resolves them.
 *
 * @public
 */
export function readCatalogSources(
  config: Config,
  cwd = process.cwd(),
): CatalogSourceConfig[] {
  return (config.getOptionalConfigArray('clustermeshDns.sources') ?? []).map(
    (entry, index) => {
      const where = `clustermeshDns.sources[${index}].catalog`;
      const catalog = entry.getOptionalConfig('catalog');
      const annotate = new Map<string, string>();
      const map = catalog?.getOptionalConfig('annotate');
      for (const cluster of map?.keys() ?? []) {
        const ref = map!.getString(cluster);
        try {
          annotate.set(
            stringifyEntityRef(
              parseEntityRef(ref, { defaultNamespace: 'default' }),
            ).toLocaleLowerCase('en-US'),
            cluster,
          );
        } catch (error) {
          throw new Error(
            `${where}.annotate.${cluster} "${ref}" is not an entity reference: ${
              (error as Error).message
            }`,
          );
        }
      }
      const type = entry.getString('type');
      return {
        id: entry.getString('id'),
        folder:
          type === 'local'
            ? path.resolve(cwd, entry.getString('target'))
            : undefined,
        enabled: catalog?.getOptionalBoolean('enabled') ?? true,
        owner: catalog?.getOptionalString('owner') ?? 'unknown',
        system: catalog?.getOptionalString('system'),
        entityName:
          catalog?.getOptionalString('entityName') ?? '{source}-{cluster}',
        annotate,
      };
    },
  );
}
