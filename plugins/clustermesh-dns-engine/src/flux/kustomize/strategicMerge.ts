import { defineOwn, hasOwn, isRecord } from '../../core/paths';
import {
  dropped,
  elementSetter,
  findElement,
  mergeTuples,
  textOf,
  validateKeys,
} from './keyedList';
import type { MergeSchema } from './mergeKeys';

/**
 * Strategic merge as kustomize applies a patch (kyaml merge2, patch items
 * prepended). Maps merge key by key; a null in the patch deletes; lists of
 * a kind's schema that merge by key (containers by name, ports by
 * containerPort and protocol, ...) merge element by element, the patch's
 * elements first, then the others in their order; every other list (all
 * lists of custom resources) is replaced by the patch's. `$patch: replace`
 * and `$patch: delete` on a map, `$patch: delete` on a keyed list element,
 * and a `- $patch: replace|delete|merge` item in a keyed list are obeyed;
 * kyaml knows no other directive, so `$retainKeys`, `$setElementOrder/...`
 * and `$deleteFromPrimitiveList/...` stay in the output as plain fields.
 */
export class SmpError extends Error {}

/** A field removed by the merge. */
const CLEAR = Symbol('clear');
/** A null kept from the resource (the patch does not mention the field). */
const KEEP_NULL = Symbol('keep-null');
type Walked = unknown | typeof CLEAR | typeof KEEP_NULL;

const missingOrNull = (v: unknown) => v === undefined || v === null;
/** 'list', 'map' or 'scalar' */
const shape = (v: unknown) => {
  if (Array.isArray(v)) return 'list';
  return isRecord(v) ? 'map' : 'scalar';
};
const kindName = (v: unknown) =>
  shape(v) === 'scalar' ? `the scalar ${JSON.stringify(v)}` : `a ${shape(v)}`;

/** Merges a patch into a resource body (both maps); returns undefined when the patch deletes it. */
export function strategicMerge(
  dest: Record<string, any>,
  patch: Record<string, any>,
  schema: MergeSchema | undefined,
): Record<string, any> | undefined {
  const out = walk(dest, patch, schema, []);
  return out === CLEAR || out === undefined || out === null || out === KEEP_NULL
    ? undefined
    : (out as Record<string, any>);
}

function walk(
  dest: unknown,
  origin: unknown,
  schema: MergeSchema | undefined,
  path: string[],
): Walked {
  const first = !missingOrNull(dest) ? dest : origin;
  if (missingOrNull(first)) return walkMap(dest, origin, schema, path);
  const expect = shape(first);
  for (const v of [dest, origin]) {
    if (missingOrNull(v)) continue;
    if (shape(v) !== expect)
      throw new SmpError(
        `${path.join('.') || 'the object'} is ${kindName(
          dest,
        )} in the resource but ${kindName(origin)} in the patch`,
      );
  }
  if (expect === 'map') return walkMap(dest, origin, schema, path);
  if (expect === 'scalar') return mergeScalar(dest, origin);
  if (schema?.mergeKeys) return walkKeyedList(dest, origin, schema, path);
  return origin !== undefined ? origin : dest;
}

/**
 * A string that YAML reads as something else unless quoted ("true", "80",
 * "null", ""): written in quotes in the resource, so the quoting is known.
 */
const QUOTED_SCALAR =
  /^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:\d[\d_]*|0x[\da-fA-F_]+|0o[0-7_]+)|[-+]?(?:\.\d+|\d[\d_]*(?:\.\d*)?)(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/**
 * A scalar of the patch replaces the resource's. kyaml keeps the style of
 * the value it replaces, so a number or boolean that replaces a quoted
 * string ("true", "80") is written quoted: it stays a string.
 */
function mergeScalar(dest: unknown, origin: unknown): unknown {
  if (origin === undefined) return dest;
  if (
    typeof dest === 'string' &&
    (typeof origin === 'number' || typeof origin === 'boolean') &&
    QUOTED_SCALAR.test(dest)
  )
    return String(origin);
  return origin;
}

/** The `$patch` directive of a map, and the map without it. */
function mapDirective(
  patch: Record<string, any>,
): ['merge' | 'replace' | 'delete', Record<string, any>] {
  if (!hasOwn(patch, '$patch')) return ['merge', patch];
  const value = patch.$patch;
  const rest = { ...patch };
  delete rest.$patch;
  if (value === 'merge' || value === 'replace' || value === 'delete')
    return [value, rest];
  throw new SmpError(`unknown patch strategy ${JSON.stringify(value)}`);
}

function walkMap(
  dest: unknown,
  origin: unknown,
  schema: MergeSchema | undefined,
  path: string[],
): Walked {
  let base: unknown;
  let patch: unknown = origin;
  if (missingOrNull(dest)) {
    if (isRecord(origin)) {
      const [directive, rest] = mapDirective(origin);
      if (directive === 'delete') return CLEAR;
      base = rest;
      patch = rest;
    } else if (origin === undefined) {
      return dest === null ? KEEP_NULL : CLEAR;
    } else {
      return origin; // null (cleared by the caller) or a scalar
    }
  } else {
    if (origin === null) return CLEAR;
    base = dest;
    if (isRecord(origin)) {
      const [directive, rest] = mapDirective(origin);
      if (directive === 'delete') return CLEAR;
      patch = rest;
      // kyaml removes the directive from the patch node itself, which is
      // also the resource's node inside a subtree the patch added
      if (directive === 'replace' || dest === origin) base = rest;
    }
  }
  if (!isRecord(base)) return base;
  const patchMap = isRecord(patch) ? patch : {};
  const keys = new Set([...Object.keys(base), ...Object.keys(patchMap)]);
  let out: Record<string, any> = base;
  const set = (key: string, value: unknown) => {
    if (out === base) out = { ...base };
    defineOwn(out, key, value);
  };
  for (const key of keys) {
    const d = hasOwn(base, key) ? base[key] : undefined;
    const p = hasOwn(patchMap, key) ? patchMap[key] : undefined;
    if (p === undefined && base !== patch && !schema?.fields?.[key]) {
      // untouched by the patch: kept as is (an explicit null too); kyaml
      // walks it anyway, which only matters for the lists a schema merges
      continue;
    }
    const value = walk(d, p, schema?.fields?.[key], [...path, key]);
    if (value === CLEAR || value === undefined || value === null) {
      if (hasOwn(out, key)) {
        if (out === base) out = { ...base };
        delete out[key];
      }
    } else if (value === KEEP_NULL) {
      if (d !== null) set(key, null);
    } else if (value !== d) {
      set(key, value);
    }
  }
  return out;
}

/** A list's `- $patch: ...` item (alone in its map), and the list without it. */
function listDirective(
  patch: unknown[],
): ['merge' | 'replace' | 'delete', unknown[]] {
  const i = patch.findIndex(item => isRecord(item) && hasOwn(item, '$patch'));
  if (i < 0) return ['merge', patch];
  const item = patch[i] as Record<string, any>;
  if (Object.keys(item).length > 1) return ['merge', patch];
  const value = item.$patch;
  if (value !== 'merge' && value !== 'replace' && value !== 'delete')
    throw new SmpError(`unknown patch strategy ${JSON.stringify(value)}`);
  return [
    value,
    patch.filter(
      x => !(isRecord(x) && x.$patch === value && Object.keys(x).length === 1),
    ),
  ];
}

/**
 * A list whose schema merges it (kyaml's associative list), as a port of
 * kyaml's algorithm, quirks included: the patch's items come first; an item
 * whose merge key is missing in the resource, or a key repeated there,
 * shapes the result as kyaml does; `$patch: replace` on one item is undone
 * by kyaml's final pass (the resource's item stays).
 */
function walkKeyedList(
  dest: unknown,
  origin: unknown,
  schema: MergeSchema,
  path: string[],
): Walked {
  let base: unknown[];
  let patch: unknown[] | undefined;
  if (missingOrNull(dest)) {
    base = origin as unknown[];
    patch = origin as unknown[];
  } else if (origin === null) {
    return CLEAR;
  } else if (origin === undefined) {
    base = dest as unknown[];
  } else {
    const [directive, rest] = listDirective(origin as unknown[]);
    if (directive === 'delete') return CLEAR;
    patch = rest;
    base =
      directive === 'replace' || dest === origin ? rest : (dest as unknown[]);
  }
  const keys = schema.mergeKeys!.length ? schema.mergeKeys! : [''];
  // the resource's items as the merge leaves them (kyaml merges them in place)
  let items = [...base];
  const sources = patch ? [patch, items] : [items];
  let tuples: string[][] = [];
  const seen = new Set<string>();
  for (const list of sources) {
    for (const item of list) {
      const t = keys.map(k => {
        if (k === '') return textOf(item);
        return isRecord(item) && hasOwn(item, k) ? textOf(item[k]) : '';
      });
      const id = t.join('\u0000');
      if (seen.has(id)) continue;
      seen.add(id);
      tuples.push(t);
    }
  }
  if (keys.length > 1) tuples = mergeTuples(tuples);
  let added: unknown[] = [];
  let lastKeys = keys;
  for (const values of tuples) {
    const [validKeys, validValues] = validateKeys(tuples, values, keys);
    lastKeys = validKeys;
    const [findKeys, findValues] = validateKeys(
      [validValues],
      validValues,
      validKeys,
    );
    const di = findElement(items, findKeys, findValues);
    const pi = patch ? findElement(patch, findKeys, findValues) : -1;
    const d = di >= 0 ? items[di] : undefined;
    const p = pi >= 0 ? patch![pi] : undefined;
    let merged = walk(d, p, schema.items, path);
    if (merged === CLEAR || merged === KEEP_NULL || dropped(merged)) {
      items = elementSetter(items, validKeys, validValues);
      continue;
    }
    validKeys.forEach((k, i) => {
      if (
        k !== '' &&
        isRecord(merged) &&
        !hasOwn(merged, k) &&
        validValues[i] !== ''
      )
        merged = {
          ...(merged as Record<string, unknown>),
          [k]: validValues[i],
        };
    });
    // merged into the resource's item in place unless the patch replaced it
    const inPlace =
      isRecord(d) &&
      !(isRecord(p) && (p.$patch === 'replace' || p.$patch === 'delete'));
    if (inPlace) items[di] = merged;
    added = elementSetter(added, validKeys, validValues, merged);
  }
  if (!tuples.length) return items;
  // kyaml then sets each of the resource's items again, by key
  for (const item of items) {
    if (lastKeys[0] === '') {
      added = elementSetter(added, [''], [textOf(item)], item);
      continue;
    }
    const v: string[] = [];
    for (const k of lastKeys) {
      if (isRecord(item) && hasOwn(item, k)) v.push(textOf(item[k]));
      else added.push(item);
    }
    if (lastKeys.length > 1) added = elementSetter(added, lastKeys, v);
    added = elementSetter(added, lastKeys, v, item);
  }
  return added;
}
