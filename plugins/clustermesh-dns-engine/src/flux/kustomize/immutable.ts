import { defineOwn, hasOwn, isRecord } from '../../core/paths';

/**
 * Copy-on-write helpers. Parsed values are shared (between builds, caches
 * and objects), so a transformation never mutates one: it copies the maps
 * and sequences on the way to what it changes and shares the rest.
 */

/** A shallow copy of a map with one key set (`__proto__` safely). */
export function withField(
  map: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, any> {
  const copy: Record<string, unknown> = { ...map };
  defineOwn(copy, key, value);
  return copy;
}

/** A shallow copy of a map without one key. */
export function withoutField(
  map: Record<string, unknown>,
  key: string,
): Record<string, any> {
  if (!hasOwn(map, key)) return map;
  const copy: Record<string, unknown> = { ...map };
  delete copy[key];
  return copy;
}

/** Returned by an update to remove the key. */
export const DELETE: unique symbol = Symbol('delete');

/**
 * Returns a copy of `root` with `update` applied to the value at `path`
 * (missing maps on the way are created); `update` returning `DELETE`
 * removes the key. Containers off the path are shared.
 */
export function updateIn(
  root: Record<string, any>,
  path: readonly string[],
  update: (current: unknown) => unknown,
): Record<string, any> {
  const step = (node: unknown, i: number): unknown => {
    if (i === path.length) return update(node);
    const map = isRecord(node) ? node : {};
    const key = path[i];
    const current = hasOwn(map, key) ? map[key] : undefined;
    const next = step(current, i + 1);
    if (next === DELETE) return withoutField(map, key);
    return next === current && node === map ? map : withField(map, key, next);
  };
  return step(root, 0) as Record<string, any>;
}

/** Reads a string field of a map; undefined when absent or not a string. */
export function stringAt(
  value: unknown,
  ...path: string[]
): string | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (!isRecord(current) || !hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return typeof current === 'string' ? current : undefined;
}

/**
 * A string map of a field (labels, annotations), as kustomize reads it:
 * scalars as their text, null as "", nested values dropped.
 */
export function stringMapAt(
  value: unknown,
  ...path: string[]
): Record<string, string> {
  let current: unknown = value;
  for (const key of path) {
    if (!isRecord(current) || !hasOwn(current, key)) return {};
    current = current[key];
  }
  if (!isRecord(current)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(current))
    if (v === null || v === undefined) defineOwn(out, k, '');
    else if (typeof v !== 'object') defineOwn(out, k, String(v));
  return out;
}

/** Bodies made from a body by a named change (see {@link derivedOnce}). */
const derived = new WeakMap<object, Map<string, Record<string, any>>>();

/**
 * The body a change makes from `body`, made once while `body` lives: the
 * change is named by `key` and must depend on nothing else. A build that
 * starts from kept objects (parsed files, generated resources) then gets the
 * same objects out, so what is remembered about them downstream holds too.
 */
export function derivedOnce(
  body: Record<string, any>,
  key: string,
  make: () => Record<string, any>,
): Record<string, any> {
  let made = derived.get(body);
  if (!made) derived.set(body, (made = new Map()));
  let result = made.get(key);
  if (!result) made.set(key, (result = make()));
  return result;
}
