import { hasOwn, isRecord } from '../../core/paths';

/**
 * kyaml's list helpers for strategic merge of keyed lists, ported with
 * their quirks (see walkKeyedList in strategicMerge.ts).
 */

const missingOrNull = (v: unknown) => v === undefined || v === null;

/** The text kyaml compares keys by: a scalar's text, "" for anything else. */
export const textOf = (v: unknown) =>
  v === null || v === undefined || typeof v === 'object' ? '' : String(v);
const isEmptyMap = (v: unknown) => isRecord(v) && Object.keys(v).length === 0;
export const dropped = (v: unknown) => missingOrNull(v) || isEmptyMap(v);

/** kyaml's FieldMatcher: the field's value when present (and, with a value to match, equal to it). */
function fieldMatch(
  item: unknown,
  key: string,
  value: string | undefined,
): boolean {
  if (key === '')
    return (
      !isRecord(item) && !Array.isArray(item) && textOf(item) === (value ?? '')
    );
  if (!isRecord(item) || !hasOwn(item, key)) return false;
  return value === undefined || value === '' || textOf(item[key]) === value;
}

/**
 * kyaml's ElementSetter on a list: drops null and empty-map items, removes
 * (or, with an element, replaces) the items matching the keys and values,
 * appends the element when none matched. Values may be shorter than keys:
 * the last match then stands for the rest, as in kyaml.
 */
export function elementSetter(
  list: unknown[],
  keys: string[],
  values: string[],
  element?: unknown,
): unknown[] {
  const ks = keys.length ? keys : [''];
  const mappingSetter = ks[0] !== '' && values.length > 0 && values[0] !== '';
  const out: unknown[] = [];
  let matched = false;
  for (const item of list) {
    if (dropped(item)) continue;
    if (!isRecord(item) && mappingSetter) {
      out.push(item);
      continue;
    }
    let found = false;
    for (let j = 0; j < ks.length; j++) {
      if (j < values.length) found = fieldMatch(item, ks[j], values[j]);
      else if (j === 0) found = false;
      if (!found) break;
    }
    if (!found) {
      if (values.length > 0) out.push(item);
      continue;
    }
    matched = true;
    if (element !== undefined) out.push(element);
  }
  if (element !== undefined && !missingOrNull(element) && !matched)
    out.push(element);
  return out;
}

/** kyaml's ElementMatcher by keys and values: the first map item whose fields have exactly these values. */
export function findElement(
  list: unknown[],
  keys: string[],
  values: string[],
): number {
  if (!keys.length || keys[0] === '')
    return list.findIndex(
      item => !isRecord(item) && textOf(item) === (values[0] ?? ''),
    );
  return list.findIndex(
    item =>
      isRecord(item) &&
      keys.every((k, i) => hasOwn(item, k) && textOf(item[k]) === values[i]),
  );
}

/** kyaml's validateKeys: only the keys that have a value somewhere (all of them when none has). */
export function validateKeys(
  tuples: string[][],
  values: string[],
  keys: string[],
): [string[], string[]] {
  const used = new Set<string>();
  for (const t of tuples) t.forEach((v, i) => v !== '' && used.add(keys[i]));
  if (!used.size) return [keys, values];
  return [
    keys.filter(k => used.has(k)),
    values.filter((v, i) => v !== '' || used.has(keys[i])),
  ];
}

/** kyaml's merge of key tuples that agree where both have values ([80, ""] and [80, "TCP"]). */
export function mergeTuples(tuples: string[][]): string[][] {
  const out = tuples.map(t => [...t]);
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < out.length; j++) {
      const a = out[i];
      const b = out[j];
      let common = false;
      let ok = true;
      const merged = a.map((x, n) => {
        if (x === b[n]) {
          common = true;
          return x;
        }
        if (x !== '' && b[n] !== '') ok = false;
        return x !== '' ? x : b[n];
      });
      if (ok && common) {
        out[i] = merged;
        out[j] = [...merged];
      }
    }
  }
  return out;
}
