import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from '../core/manifest';
import type { ObjectPath } from '../core/paths';
import { lineAtPath } from './lines';

/**
 * The file and line of a field of an object, or of the nearest enclosing
 * field that exists in the source (a missing field points at its parent).
 *
 * @public
 */
export function locate(
  object: Pick<ManifestObject, 'source'>,
  path: ObjectPath = [],
): SourceLocation {
  const { source } = object;
  return {
    file: source.file,
    line: lineAtPath(source.root, path) ?? source.line,
  };
}
