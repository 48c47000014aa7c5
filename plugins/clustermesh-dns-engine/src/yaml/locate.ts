import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject, PatchOrigin } from '../core/manifest';
import type { ObjectPath } from '../core/paths';
import { deepestLine } from './lines';

const isIdentity = (path: ObjectPath) =>
  path[0] === 'apiVersion' ||
  path[0] === 'kind' ||
  (path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace'));

const isPrefix = (prefix: readonly string[], path: ObjectPath) =>
  prefix.length > 0 &&
  prefix.length <= path.length &&
  prefix.every((s, i) => s === String(path[i]));

/**
 * The file and line of a field of an object, or of the nearest enclosing
 * field that exists in the source (a missing field points at its parent).
 * A field a kustomize patch sets is located in the patch: the last patch
 * that goes deepest along the path, unless the object's own file goes
 * deeper.
 *
 * @public
 */
export function locate(
  object: Pick<ManifestObject, 'source'> & { body?: unknown },
  path: ObjectPath = [],
): SourceLocation {
  const { source } = object;
  const own = deepestLine(source.root, path);
  let best = { file: source.file, line: own.line ?? source.line };
  let depth = own.depth;
  for (const patch of source.patches ?? []) {
    const found = patchedAt(patch, path, object.body);
    // a patch that sets the field itself wins a tie (it is applied after);
    // identity fields only name the patched object
    if (
      found &&
      (found.depth > depth ||
        (found.depth === depth && depth === path.length && !isIdentity(path)))
    ) {
      best = { file: patch.file, line: found.line };
      depth = found.depth;
    }
  }
  return best;
}

/** How deep a path goes into what a patch sets, and where; undefined when the patch sets nothing on it. */
function patchedAt(
  patch: PatchOrigin,
  path: ObjectPath,
  body: unknown,
): { line: number; depth: number } | undefined {
  if (patch.kind === 'merge') {
    const { line, depth } = deepestLine(patch.document, path, body ?? {});
    if (depth === 0) return undefined;
    const at = inFile(patch, line);
    return at === undefined ? undefined : { line: at, depth };
  }
  let best: { line: number; depth: number } | undefined;
  for (const op of patch.operations) {
    if (!isPrefix(op.path, path)) continue;
    // inside the value the operation writes, when it is a parsed map
    const inside = deepestLine(op.value, path.slice(op.path.length));
    const line = inFile(patch, inside.line ?? op.line);
    const depth = op.path.length + inside.depth;
    if (line !== undefined && (!best || depth >= best.depth))
      best = { line, depth };
  }
  return best;
}

/**
 * A line of a patch's documents as a line of its file: inline block text
 * is offset; other inline text is located where the patch is declared.
 */
function inFile(patch: PatchOrigin, line: number | undefined) {
  if (patch.lineOffset !== undefined && line !== undefined)
    return line + patch.lineOffset;
  return patch.line ?? line;
}
