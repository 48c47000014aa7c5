import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { parse } from 'yaml';
import { getPath, isRecord } from '../../core/paths';
import { escapeRegExp } from '../../core/text';
import { clampPath } from '../../tree/RepoTree';
import { literal, ScannedDocument, where } from './scan';

/** The substitution sources the Flux Kustomizations name, by kind. */
export interface SubstitutionReferences {
  ConfigMap: Map<string, SourceLocation[]>;
  Secret: Map<string, SourceLocation[]>;
  /** Names given inline (`postBuild.substitute`), with where. */
  inline: Map<string, SourceLocation[]>;
  /** The distinct string values given inline for each name, the first first. */
  inlineValues: Map<string, string[]>;
  /**
   * By `Kind/name`: how many references list it last of two or more sources
   * of its kind, so that its values win (shared defaults come first, a
   * cluster's own settings last).
   */
  overriding: Map<string, number>;
  /**
   * By `Kind/name`: how many parents' patches give it to every Kustomization
   * they apply: the settings, of names named as often.
   */
  patched: Map<string, number>;
  /**
   * By `Kind/name`: the Kustomizations that substitute from it, each with
   * its folder when written out (`./apps/x` as `apps/x`).
   */
  referencedBy: Map<string, { name: string; path?: string }[]>;
}

/** Collects every `substituteFrom` reference and inline variable of the Flux Kustomizations. */
export function readSubstitutionReferences(
  documents: Iterable<ScannedDocument>,
): SubstitutionReferences {
  const refs: SubstitutionReferences = {
    ConfigMap: new Map(),
    Secret: new Map(),
    inline: new Map(),
    inlineValues: new Map(),
    overriding: new Map(),
    patched: new Map(),
    referencedBy: new Map(),
  };
  const push = (
    map: Map<string, SourceLocation[]>,
    key: string,
    at: SourceLocation,
  ) => {
    const list = map.get(key);
    if (list) list.push(at);
    else map.set(key, [at]);
  };
  for (const doc of documents) {
    const v = doc.value;
    if (
      v.kind !== 'Kustomization' ||
      !String(v.apiVersion).startsWith('kustomize.toolkit.fluxcd.io/')
    )
      continue;
    const path = literal(getPath(v, ['spec', 'path']));
    const by = {
      name: String(getPath(v, ['metadata', 'name']) ?? ''),
      ...(path !== undefined && { path: clampPath(path) }),
    };
    // its own list, and those its patches give the Kustomizations it
    // applies (`spec.patches` of a parent, every child's substitution)
    const lists: {
      from: unknown;
      at: (i: number) => SourceLocation;
      /** The Kustomization's own list (not its patches' for others). */
      own?: boolean;
    }[] = [
      {
        own: true,
        from: getPath(v, ['spec', 'postBuild', 'substituteFrom']),
        at: i => doc.at(['spec', 'postBuild', 'substituteFrom', i]),
      },
    ];
    const patches = getPath(v, ['spec', 'patches']);
    if (Array.isArray(patches))
      patches.forEach((p, j) => {
        if (!isRecord(p) || typeof p.patch !== 'string') return;
        const given = patchedSubstituteFrom(p.patch);
        if (given)
          lists.push({
            from: given,
            at: () => doc.at(['spec', 'patches', j, 'patch']),
          });
      });
    for (const { from, at, own } of lists) {
      if (Array.isArray(from)) {
        const last = new Map<string, string>();
        const count = new Map<string, number>();
        from.forEach((ref, i) => {
          const name = literal(ref?.name);
          if (name && (ref.kind === 'ConfigMap' || ref.kind === 'Secret')) {
            push(refs[ref.kind as 'ConfigMap' | 'Secret'], name, at(i));
            last.set(ref.kind, `${ref.kind}/${name}`);
            const key = `${ref.kind}/${name}`;
            // a patch's list is its children's, not this Kustomization's
            if (own) {
              const list = refs.referencedBy.get(key);
              if (list) list.push(by);
              else refs.referencedBy.set(key, [by]);
            } else refs.patched.set(key, (refs.patched.get(key) ?? 0) + 1);
            count.set(ref.kind, (count.get(ref.kind) ?? 0) + 1);
          }
        });
        for (const [kind, key] of last)
          if (count.get(kind)! > 1)
            refs.overriding.set(key, (refs.overriding.get(key) ?? 0) + 1);
      }
    }
    const inline = getPath(v, ['spec', 'postBuild', 'substitute']);
    if (isRecord(inline))
      for (const [key, value] of Object.entries(inline)) {
        push(
          refs.inline,
          key,
          doc.at(['spec', 'postBuild', 'substitute', key]),
        );
        if (typeof value !== 'string') continue;
        const values = refs.inlineValues.get(key);
        if (!values) refs.inlineValues.set(key, [value]);
        else if (!values.includes(value)) values.push(value);
      }
  }
  return refs;
}

/**
 * The `postBuild.substituteFrom` a Kustomization patch gives (a strategic
 * merge patch of a Flux Kustomization, or a JSON 6902 `add` of the list):
 * its entries, else undefined.
 */
function patchedSubstituteFrom(text: string): unknown[] | undefined {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) {
    const ops = value.filter(
      op =>
        isRecord(op) &&
        typeof op.path === 'string' &&
        op.path.startsWith('/spec/postBuild/substituteFrom'),
    );
    // the whole list, or one entry of it (`/substituteFrom/-`)
    return ops.flatMap(op => {
      if (Array.isArray(op.value)) return op.value;
      return isRecord(op.value) ? [op.value] : [];
    });
  }
  const from = getPath(value, ['spec', 'postBuild', 'substituteFrom']);
  return Array.isArray(from) ? from : undefined;
}

/**
 * A cluster's name as a whole part of a name (between its start, its end,
 * `-` or `.`): `biohazard` in `biohazard-vars`, not `a` in `cluster-vars`.
 * The part before it is captured.
 */
export const clusterNamePart = (cluster: string, flags = '') =>
  new RegExp(`(^|[.-])${escapeRegExp(cluster)}(?=$|[.-])`, flags);

/**
 * The settings object's name as the references show it: the default when
 * it is referenced; else the most referenced name, with a cluster's name in
 * it written `{cluster}` (`biohazard-vars` → `{cluster}-vars`); of names
 * referenced as often, the one listed after the others (a cluster's own
 * settings override shared defaults).
 */
export function settingsName(
  references: Map<string, SourceLocation[]>,
  defaultName: string,
  clusters: readonly string[],
  kind: 'ConfigMap' | 'Secret',
  overriding: ReadonlyMap<string, number> = new Map(),
  patched: ReadonlyMap<string, number> = new Map(),
  referencedBy: SubstitutionReferences['referencedBy'] = new Map(),
): { name: string; reason: string; location?: SourceLocation } | undefined {
  if (references.size === 0) return undefined;
  // an app's own source (`adguard-home-secret` of Kustomization
  // adguard-home, in each cluster) is not the cluster's settings
  const appsOwn = (name: string) => {
    const by = referencedBy.get(`${kind}/${name}`) ?? [];
    return (
      by.length > 0 &&
      !patched.has(`${kind}/${name}`) &&
      by.every(
        k => k.name && (name === k.name || name.startsWith(`${k.name}-`)),
      )
    );
  };
  const named = [...references].filter(([name]) => !appsOwn(name));
  if (named.length === 0) return undefined;
  const templates = new Map<
    string,
    { locations: SourceLocation[]; overriding: number; patched: number }
  >();
  for (const [name, locations] of named) {
    // a cluster's name as a word of it (`biohazard-vars`), not letters of
    // another word (cluster `a` in `cluster-vars`); the default name is
    // itself, also where a cluster is named `cluster` (mrwulf's)
    const cluster =
      name === defaultName
        ? undefined
        : clusters
            .filter(c => clusterNamePart(c).test(name))
            .sort((a, b) => b.length - a.length)[0];
    const template = cluster
      ? name.replace(clusterNamePart(cluster), '$1{cluster}')
      : name;
    const seen = templates.get(template);
    templates.set(template, {
      locations: [...(seen?.locations ?? []), ...locations],
      overriding:
        (seen?.overriding ?? 0) + (overriding.get(`${kind}/${name}`) ?? 0),
      patched: (seen?.patched ?? 0) + (patched.get(`${kind}/${name}`) ?? 0),
    });
  }
  // the default named: kept, unless each cluster's own object is listed
  // last wherever it is named (cbrherms' cluster-settings, then
  // cluster-settings-main): its values win, and a cluster's own FQDN and
  // LB IP go there
  if (templates.has(defaultName)) {
    const own = [...templates.entries()].find(
      ([template, t]) =>
        template.includes('{cluster}') &&
        t.locations.length >= 2 &&
        t.overriding === t.locations.length,
    );
    return own
      ? {
          name: own[0],
          reason: `each cluster's own ${kind} (${
            own[0]
          }) is listed after ${defaultName}, which the clusters share, in each of the ${
            own[1].locations.length
          } substituteFrom lists naming it (e.g. ${where(
            own[1].locations[0],
          )}): its values win, and each cluster's own FQDN and LB IP belong there`,
          location: own[1].locations[0],
        }
      : undefined;
  }
  const ranked = [...templates.entries()].sort(
    (a, b) =>
      b[1].locations.length - a[1].locations.length ||
      b[1].patched - a[1].patched ||
      b[1].overriding - a[1].overriding ||
      a[0].localeCompare(b[0]),
  );
  const [name, { locations, overriding: listedAfter, patched: given }] =
    ranked[0];
  const alike = ranked
    .slice(1)
    .filter(([, t]) => t.locations.length === locations.length);
  const byPatches = alike
    .filter(([, t]) => t.patched < given)
    .map(([other]) => other);
  const tied = alike
    .filter(([, t]) => t.patched === given && t.overriding < listedAfter)
    .map(([other]) => other);
  // a name used once (one cluster's versions ConfigMap) says nothing about the settings
  if (locations.length < 2) return undefined;
  return {
    name,
    reason: `${kind} ${name} is named by ${
      locations.length
    } substituteFrom reference(s), e.g. ${where(
      locations[0],
    )}; none names ${defaultName}${
      byPatches.length
        ? `; a parent's patches give it to every Kustomization they apply, not ${byPatches.join(
            ', ',
          )}, named as often`
        : ''
    }${
      tied.length
        ? `; listed after ${tied.join(', ')}, named as often, so its values win`
        : ''
    }`,
    location: locations[0],
  };
}

/** The longest literal part of a settings name (`{cluster}-vars` → `-vars`), to find the files that may hold one. */
export const settingsNeedle = (name: string) =>
  name.split('{cluster}').sort((a, b) => b.length - a.length)[0];

/** The names of the settings objects named `name` (a `{cluster}` template matches any cluster's, captured). */
export function settingsNamePattern(name: string): RegExp {
  // the cluster's name captured, for whose settings these are
  return new RegExp(
    `^${name.split('{cluster}').map(escapeRegExp).join('([a-z0-9-]+)')}$`,
  );
}

/**
 * The settings ConfigMaps among scanned documents (named `name`, a
 * `{cluster}` in it matching any cluster's), each with its `data`.
 */
export function* settingsConfigMaps(
  documents: Iterable<ScannedDocument>,
  name: string,
): Generator<{ doc: ScannedDocument; data: Record<string, unknown> }> {
  const pattern = settingsNamePattern(name);
  for (const doc of documents) {
    const v = doc.value;
    if (
      v.kind === 'ConfigMap' &&
      pattern.test(String(getPath(v, ['metadata', 'name']))) &&
      isRecord(v.data)
    )
      yield { doc, data: v.data };
  }
}

/** The first entry of a settings ConfigMap whose value is one of these domains, and where. */
export function settingsEntryHolding(
  documents: Iterable<ScannedDocument>,
  name: string,
  domains: readonly string[],
): { key: string; value: string; location: SourceLocation } | undefined {
  for (const { doc, data } of settingsConfigMaps(documents, name))
    for (const [key, value] of Object.entries(data))
      if (typeof value === 'string' && domains.includes(value.trim()))
        return { key, value: value.trim(), location: doc.at(['data', key]) };
  return undefined;
}

const lowerSnakeCase = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Whether the settings ConfigMaps named `name` write every key in
 * lower_snake_case (`cluster_name`, `domain`), at least two of them: the
 * ClusterMesh variables are then written that way too. Reading stops at
 * the first key that is not.
 */
export function lowerCaseSettingsKeys(
  documents: Iterable<ScannedDocument>,
  name: string,
): { examples: string[]; location: SourceLocation } | undefined {
  const keys = new Set<string>();
  let location: SourceLocation | undefined;
  for (const { doc, data } of settingsConfigMaps(documents, name)) {
    for (const key of Object.keys(data)) {
      if (!lowerSnakeCase.test(key)) return undefined;
      keys.add(key);
    }
    location ??= doc.at(['data']);
  }
  // two keys at least, one with an underscore (`domain` alone says little)
  return keys.size >= 2 && [...keys].some(k => k.includes('_')) && location
    ? { examples: [...keys].slice(0, 3), location }
    : undefined;
}
