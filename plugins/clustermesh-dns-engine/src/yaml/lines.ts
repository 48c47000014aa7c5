import { defineOwn, hasOwn, ObjectPath } from '../core/paths';

/**
 * Line tables of parsed values. Each parsed map and sequence carries, under
 * a non-enumerable symbol, the 1-based line of each of its keys (in
 * `Object.keys` order) or items. Arrays are far smaller than a second map
 * of the same keys, and lookups are rare: only messages need them. Being
 * non-enumerable, a table never travels with a spread copy, whose keys may
 * differ.
 */
const LINES = Symbol('clustermesh-dns.lines');
/** The keys of a map, kept on its line table (see keysOf). */
const KEYS = Symbol('clustermesh-dns.keys');

/** Attaches a line table to a parsed map or sequence. @internal */
export function setLineTable(value: object, lines: number[]) {
  Object.defineProperty(value, LINES, {
    value: lines,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

/** The line table of a parsed map or sequence, if it was parsed from YAML. @internal */
export function lineTable(value: object): number[] | undefined {
  return (value as { [LINES]?: number[] })[LINES];
}

/**
 * The keys of a parsed map, in the order of its line table, kept on the
 * table when first asked for: parsed values never change, and the settings
 * of a mesh are wide maps whose lines are looked up once per cluster.
 */
function keysOf(map: object, table: number[]): string[] {
  const holder = table as number[] & { [KEYS]?: string[] };
  const cached = holder[KEYS];
  if (cached) return cached;
  const keys = Object.keys(map);
  Object.defineProperty(holder, KEYS, { value: keys, enumerable: false });
  return keys;
}

/**
 * The keys of a parsed map (or of a copy that kept its line table), made
 * once per table; undefined for a map that was not parsed from YAML.
 *
 * @internal
 */
export function parsedKeys(map: object): string[] | undefined {
  const table = lineTable(map);
  return table && !Array.isArray(map) ? keysOf(map, table) : undefined;
}

/**
 * The line of a field of a parsed value: the key (or item) at the end of
 * the path, or the deepest one that exists on the way. Undefined when the
 * value was not parsed from YAML or the first step is missing.
 *
 * @public
 */
export function lineAtPath(
  root: unknown,
  path: ObjectPath,
): number | undefined {
  return deepestLine(root, path).line;
}

/**
 * How far a path goes into a parsed value, and the line of the deepest
 * field on the way (as {@link lineAtPath}). With `alongside`, the value the
 * path is asked of: a sequence is entered only where it has as many items
 * there (a patch's list that replaced the object's, item for item).
 *
 * @internal
 */
export function deepestLine(
  root: unknown,
  path: ObjectPath,
  alongside?: unknown,
): { line: number | undefined; depth: number } {
  let current: any = root;
  let other: any = alongside;
  let line: number | undefined;
  let depth = 0;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') break;
    if (!hasOwn(current, segment)) break;
    if (
      alongside !== undefined &&
      Array.isArray(current) &&
      !(Array.isArray(other) && other.length === current.length)
    )
      break;
    const table = lineTable(current);
    if (table) {
      const at = Array.isArray(current)
        ? Number(segment)
        : keysOf(current, table).indexOf(String(segment));
      if (table[at]) line = table[at];
    }
    current = current[segment as any];
    other = other?.[segment as any];
    depth += 1;
  }
  return { line, depth };
}

/**
 * The entry of a map that has exactly one key, that one; undefined for
 * anything else (a line of a block map read on its own must be this).
 *
 * @internal
 */
export function soleEntry(
  value: unknown,
  key: string | number,
): { value: unknown } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === String(key)
    ? { value: (value as Record<string, unknown>)[keys[0]] }
    : undefined;
}

/**
 * A scalar to set (see {@link withScalarsAt}): the path of its container
 * (shared by siblings), its key there, and the scalar.
 *
 * @internal
 */
export type ScalarAt = readonly [
  parent: ObjectPath,
  key: string | number,
  scalar: unknown,
];

/**
 * A copy of a parsed value with the scalars at some paths replaced, sharing
 * everything off those paths (each container on them is copied once) and
 * keeping the line of every key and item. Undefined when a path does not
 * lead to a scalar.
 *
 * @internal
 */
export function withScalarsAt(
  root: unknown,
  changes: readonly ScalarAt[],
  depth = 0,
): unknown {
  if (root === null || typeof root !== 'object') return undefined;
  // a mesh changes hundreds of thousands of scalars: nothing is allocated
  // per change but the copies themselves, and a step all changes share is
  // passed down without grouping
  let steps: (string | number)[] | undefined;
  let values: unknown[] | undefined;
  let deeper: Map<string | number, ScalarAt[]> | undefined;
  let shared: string | number | undefined;
  for (let i = 0; i < changes.length; i++) {
    const [parent, key, scalar] = changes[i];
    const step = depth < parent.length ? parent[depth] : key;
    if (depth > parent.length || !hasOwn(root, step)) return undefined;
    if (depth === parent.length) {
      const current = (root as any)[step];
      if (current !== null && typeof current === 'object') return undefined;
      (steps ??= []).push(step);
      (values ??= []).push(scalar);
    } else if (!deeper && (i === 0 || step === shared)) {
      shared = step;
    } else {
      if (!deeper) {
        // the changes so far all went through `shared`
        deeper = new Map();
        const before: ScalarAt[] = [];
        for (let j = 0; j < i; j++)
          if (changes[j][0].length > depth) before.push(changes[j]);
        if (before.length) deeper.set(shared!, before);
      }
      const group = deeper.get(step);
      if (group) group.push(changes[i]);
      else deeper.set(step, [changes[i]]);
    }
  }
  if (!deeper && shared !== undefined) {
    // every change below this container goes through one step
    const below = steps
      ? changes.filter(c => c[0].length > depth)
      : (changes as ScalarAt[]);
    const child = withScalarsAt((root as any)[shared], below, depth + 1);
    if (child === undefined) return undefined;
    (steps ??= []).push(shared);
    (values ??= []).push(child);
  }
  if (deeper) {
    for (const [step, group] of deeper) {
      const child = withScalarsAt((root as any)[step], group, depth + 1);
      if (child === undefined) return undefined;
      (steps ??= []).push(step);
      (values ??= []).push(child);
    }
  }
  steps ??= [];
  values ??= [];
  const table = lineTable(root);
  let copy: any;
  if (Array.isArray(root)) {
    copy = [...root];
    for (let i = 0; i < steps.length; i++) copy[steps[i] as number] = values[i];
  } else {
    const keys = table ? undefined : Object.keys(root);
    if ((table ?? keys!).length <= 32) {
      // a small map: a copy, then each field set (it exists: order kept)
      copy = { ...root };
      for (let i = 0; i < steps.length; i++)
        defineOwn(copy, String(steps[i]), values[i]);
    } else {
      // one pass in key order: faster than a spread for the wide maps of
      // settings, whose changes come in key order (as a body is walked)
      const all = keys ?? keysOf(root, table!);
      copy = {};
      let next = 0;
      for (const key of all) {
        const changed = next < steps.length && steps[next] === key;
        defineOwn(copy, key, changed ? values[next++] : (root as any)[key]);
      }
      if (next < steps.length) {
        // not in key order: by key
        const set = new Map<string | number, unknown>();
        for (let i = 0; i < steps.length; i++) set.set(steps[i], values[i]);
        copy = {};
        for (const key of all)
          defineOwn(
            copy,
            key,
            set.has(key) ? set.get(key) : (root as any)[key],
          );
      }
    }
  }
  if (table) setLineTable(copy, table);
  return copy;
}

/** Where a line (1-based) of a text starts; undefined past its end. */
function lineStart(text: string, line: number): number | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return undefined;
  }
  return start;
}

/**
 * The line of a place inside a literal block scalar (`key: |`, `- |-`),
 * whose content lines are the value's lines one for one: the line after
 * the key's, plus the lines of the value before the place. Undefined when
 * the key's line does not open a literal block (a folded `>` block joins
 * lines; a quoted or plain scalar is on its key's line).
 *
 * @internal
 */
export function lineInLiteralBlock(
  fileText: string,
  keyLine: number,
  value: string,
  offset: number,
): number | undefined {
  const start = lineStart(fileText, keyLine);
  if (start === undefined) return undefined;
  const end = fileText.indexOf('\n', start);
  const line = fileText.slice(start, end < 0 ? undefined : end);
  // `|`, then chomping and indentation indicators, then a comment or nothing
  if (!/(?:^|[\s:-])\|[-+]?[1-9]?[-+]?\s*(?:#.*)?$/.test(line))
    return undefined;
  let before = 0;
  for (
    let at = value.indexOf('\n');
    at >= 0 && at < offset;
    at = value.indexOf('\n', at + 1)
  )
    before += 1;
  return keyLine + 1 + before;
}

/**
 * The line of a variable reference inside a scalar that spans lines in the
 * file but not in its value (a folded `>` block, a quoted scalar broken
 * over lines): folding joins lines and never makes or drops a `${`, so the
 * reference the value holds `before` others of the same text ahead of it is
 * that many further in the file from the key's line. Undefined when the
 * file does not hold as many.
 *
 * @internal
 */
export function lineOfReference(
  fileText: string,
  keyLine: number,
  reference: string,
  before: number,
): number | undefined {
  const start = lineStart(fileText, keyLine);
  if (start === undefined) return undefined;
  let at = fileText.indexOf(reference, start);
  for (let n = 0; n < before && at >= 0; n++)
    at = fileText.indexOf(reference, at + reference.length);
  if (at < 0) return undefined;
  let line = keyLine;
  for (let nl = fileText.indexOf('\n', start); nl >= 0 && nl < at; ) {
    line += 1;
    nl = fileText.indexOf('\n', nl + 1);
  }
  return line;
}
