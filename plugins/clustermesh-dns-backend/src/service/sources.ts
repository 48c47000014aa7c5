import path from 'node:path';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** A configured repository. @public */
export interface SourceConfig {
  id: string;
  title: string;
  type: 'local';
  target: string;
  conventionsFile?: string;
}

/**
 * Reads `clustermeshDns.sources`, with errors that name the entry and field.
 *
 * @public
 */
export function readSourcesConfig(
  config: Config,
  cwd = process.cwd(),
): SourceConfig[] {
  const entries = config.getOptionalConfigArray('clustermeshDns.sources') ?? [];
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const where = `clustermeshDns.sources[${i}]`;
    const id = entry.getString('id');
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) {
      throw new InputError(
        `${where}.id "${id}" must be lower-case letters, digits and "-"`,
      );
    }
    if (seen.has(id))
      throw new InputError(`${where}.id "${id}" is used by another source`);
    seen.add(id);
    const type = entry.getString('type');
    if (type !== 'local')
      throw new InputError(
        `${where}.type "${type}" is not supported (supported: local)`,
      );
    const conventionsFile = entry.getOptionalString('conventionsFile');
    return {
      id,
      title: entry.getOptionalString('title') ?? id,
      type,
      target: path.resolve(cwd, entry.getString('target')),
      conventionsFile: conventionsFile && path.resolve(cwd, conventionsFile),
    };
  });
}
