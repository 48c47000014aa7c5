import { lineAtPath, SourceLocation } from '../yaml/documents';
import type { ManifestObject } from './types';

/**
 * The file and line of a field of an object, or of the nearest enclosing
 * field that exists in the source (a missing field points at its parent).
 *
 * @public
 */
export function locate(
  object: Pick<ManifestObject, 'source'>,
  path: readonly (string | number)[] = [],
): SourceLocation {
  const { source } = object;
  return {
    file: source.file,
    line: lineAtPath(source.root, path) ?? source.line,
  };
}

/** Reads a nested field of a plain value; undefined when any step is missing. @public */
export function getPath(
  value: unknown,
  path: readonly (string | number)[],
): unknown {
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
