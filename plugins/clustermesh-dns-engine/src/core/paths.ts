/** A path into a parsed value: map keys and sequence indexes. @public */
export type ObjectPath = readonly (string | number)[];

/** Reads a nested field of a plain value; undefined when any step is missing. @public */
export function getPath(value: unknown, path: ObjectPath): unknown {
  let current: any = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = current[segment as any];
  }
  return current;
}

/** A plain object (not an array, not null). @public */
export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property test that a `__proto__` key or a null-prototype map cannot fool. @public */
export const hasOwn = (o: object, key: PropertyKey): boolean =>
  Object.prototype.hasOwnProperty.call(o, key);

/**
 * Sets a key as own data; `__proto__` too, so a manifest cannot reach
 * Object.prototype.
 *
 * @public
 */
export function defineOwn(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
) {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
