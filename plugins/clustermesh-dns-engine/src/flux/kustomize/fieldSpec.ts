import { hasOwn, isRecord } from '../../core/paths';
import { withField } from './immutable';
import { groupVersion } from './resource';

/**
 * A kustomize field spec: which objects (group, version, kind; empty matches
 * all) and which field, as a `/`-separated path that steps into every item
 * of a sequence on the way (`spec/containers/env`); `create` adds missing
 * maps and the final field.
 */
export interface FieldSpec {
  group?: string;
  version?: string;
  kind?: string;
  path: string;
  create?: boolean;
}

/** Thrown when a field spec meets a scalar where it needs a map or sequence. */
export class FieldSpecError extends Error {}

/** Splits a field-spec path on `/`, keeping `\/` as a slash inside a key. */
export function splitFieldPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && path[i + 1] === '/') {
      current += '/';
      i++;
    } else if (path[i] === '/') {
      parts.push(current);
      current = '';
    } else {
      current += path[i];
    }
  }
  parts.push(current);
  return parts.filter(p => p !== '');
}

/** Whether a field spec applies to an object, by its current apiVersion and kind. */
export function fieldSpecSelects(
  spec: Pick<FieldSpec, 'group' | 'version' | 'kind'>,
  apiVersion: string,
  kind: string,
): boolean {
  if (spec.kind && spec.kind !== kind) return false;
  const gv = groupVersion(apiVersion);
  if (spec.group && spec.group !== gv.group) return false;
  if (spec.version && spec.version !== gv.version) return false;
  return true;
}

/**
 * Applies `set` to every value a field spec reaches in a body and returns
 * the new body (the same object when nothing changed). `createAs` says what
 * a created final field starts as; without it nothing is created.
 */
export function applyFieldSpec(
  body: Record<string, any>,
  spec: FieldSpec,
  set: (current: unknown) => unknown,
  createAs?: () => unknown,
): Record<string, any> {
  if (
    !fieldSpecSelects(
      spec,
      String(body.apiVersion ?? ''),
      String(body.kind ?? ''),
    )
  )
    return body;
  const segments = splitFieldPath(spec.path);
  const visit = (node: unknown, i: number): unknown => {
    if (i === segments.length) return set(node);
    if (node === null || node === undefined) return node;
    if (Array.isArray(node)) {
      let changed = false;
      const items = node.map(item => {
        const next = visit(item, i);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? items : node;
    }
    if (!isRecord(node))
      throw new FieldSpecError(
        `the field spec ${spec.path} meets a scalar at ${segments
          .slice(0, i)
          .join('/')}, where it needs a map or a sequence`,
      );
    const raw = segments[i];
    const isSeq = raw.endsWith('[]');
    const key = isSeq ? raw.slice(0, -2) : raw;
    const last = i === segments.length - 1;
    const create = spec.create && createAs && !isSeq;
    const present = hasOwn(node, key);
    let child = present ? node[key] : undefined;
    if ((child === undefined || child === null) && create) {
      child = last ? createAs() : {};
    } else if (!present) {
      return node;
    }
    const next = visit(child, i + 1);
    return present && next === node[key] ? node : withField(node, key, next);
  };
  return visit(body, 0) as Record<string, any>;
}
