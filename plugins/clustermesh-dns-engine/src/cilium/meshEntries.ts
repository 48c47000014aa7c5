import { getPath, hasOwn, isRecord } from '../core/paths';
import { ciliumValuesPaths } from './values';

/** One enabled entry of `clustermesh.config.clusters` (the chart accepts a list, or a map by name). @public */
export interface MeshEntry {
  name: string;
  entry: Record<string, any>;
  /** Index (list) or name (map) of the entry under clustermesh.config.clusters. */
  key: string | number;
}

/** The enabled entries of `clustermesh.config.clusters`, made on demand: a mesh has one per peer in every cluster. @public */
export interface MeshEntries {
  list(): MeshEntry[];
  byName(name: string): MeshEntry | undefined;
  /**
   * The fields of the entry of a name when it is a plain, enabled map, with
   * no wrapper made (the common case of a rule); undefined otherwise, and
   * then {@link MeshEntries.byName} says more.
   */
  fieldsOf(name: string): Record<string, any> | undefined;
}

/** The values path of an entry's field. @public */
export function meshEntryPath(
  e: MeshEntry,
  ...field: string[]
): (string | number)[] {
  return [...ciliumValuesPaths.meshClusters, e.key, ...field];
}

const noEntries: MeshEntries = {
  list: () => [],
  byName: () => undefined,
  fieldsOf: () => undefined,
};

/**
 * Remembers the entries of each clusters value (substituted values are
 * kept between validations), and where each name stands in a list: every
 * cluster of a mesh lists the same clusters, so they share one index.
 * Owned by an engine cache.
 *
 * @public
 */
export class MeshEntriesMemo {
  readonly #entries = new WeakMap<object, MeshEntries>();
  readonly #nameIndexes = new Map<string, Map<string, number>>();

  constructor(private readonly maxNameIndexes = 16) {}

  /** @internal */
  entries(value: object): MeshEntries | undefined {
    return this.#entries.get(value);
  }

  /** @internal */
  remember(value: object, entries: MeshEntries) {
    this.#entries.set(value, entries);
  }

  /** @internal */
  nameIndex(names: string[]): Map<string, number> {
    const signature = names.join('\u0000');
    let index = this.#nameIndexes.get(signature);
    if (!index) {
      index = new Map(names.map((name, i) => [name, i])); // the last one wins
      if (this.#nameIndexes.size >= this.maxNameIndexes)
        this.#nameIndexes.clear();
      this.#nameIndexes.set(signature, index);
    }
    return index;
  }
}

/**
 * `clustermesh.config.clusters` of Cilium values as entries, without the
 * disabled ones.
 *
 * @public
 */
export function meshConfigEntries(
  values: unknown,
  memo?: MeshEntriesMemo,
): MeshEntries {
  const value = getPath(values, ciliumValuesPaths.meshClusters);
  if (!value || typeof value !== 'object') return noEntries;
  const known = memo?.entries(value);
  if (known) return known;
  const at = (key: string | number): MeshEntry | undefined => {
    const entry = (value as any)[key];
    const fields = isRecord(entry) ? entry : {};
    if (fields.enabled === false) return undefined;
    const name = Array.isArray(value) ? String(entry?.name ?? '') : key;
    return { name: String(name), entry: fields, key };
  };
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, i) => i)
    : Object.keys(value);
  const list = () =>
    keys.map(at).filter((e): e is MeshEntry => e !== undefined);
  const plainEnabled = (entry: unknown) =>
    isRecord(entry) && entry.enabled !== false ? entry : undefined;
  let entries: MeshEntries;
  if (Array.isArray(value)) {
    const names = value.map(e => String(e?.name ?? ''));
    const index = memo
      ? memo.nameIndex(names)
      : new Map(names.map((name, i) => [name, i]));
    entries = {
      list,
      fieldsOf: name => {
        const i = index.get(name);
        return i === undefined ? undefined : plainEnabled(value[i]);
      },
      byName: name => {
        const i = index.get(name);
        if (i === undefined) return undefined;
        // a later disabled duplicate does not hide an earlier enabled one
        return (
          at(i) ??
          list()
            .reverse()
            .find(e => e.name === name)
        );
      },
    };
  } else {
    entries = {
      list,
      fieldsOf: name =>
        hasOwn(value, name) ? plainEnabled((value as any)[name]) : undefined,
      byName: name => (hasOwn(value, name) ? at(name) : undefined),
    };
  }
  memo?.remember(value, entries);
  return entries;
}
