import { applyOperation, JsonPatchError, Operation } from 'fast-json-patch';
import { hasOwn, isRecord } from '../../core/paths';

/** A JSON 6902 patch that cannot be applied: which operation, at which path, and why. */
export class JsonPatchFailure extends Error {
  constructor(readonly index: number, readonly path: string, reason: string) {
    super(`operation ${index} (${path || '/'}) ${reason}`);
  }
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks that a parsed value is a list of JSON 6902 operations (as kustomize decodes one). */
export function asOperations(value: unknown): Operation[] | string {
  if (!Array.isArray(value)) return 'is not a list of operations';
  for (const [i, op] of value.entries()) {
    if (!isRecord(op)) return `has an operation ${i} that is not a map`;
    if (typeof op.op !== 'string' || !OPS.has(op.op))
      return `has an operation ${i} whose op "${String(
        op.op,
      )}" is not add, remove, replace, move, copy or test`;
    if (typeof op.path !== 'string')
      return `has an operation ${i} without a path`;
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string')
      return `has a ${op.op} operation ${i} without "from"`;
  }
  return value as Operation[];
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The keys of a JSON pointer (`/a/b~1c` is `a`, `b/c`). */
export const pointerKeys = (pointer: string): string[] =>
  pointer.split('/').slice(1).map(unescape);
const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const copyOf = (v: any) => (Array.isArray(v) ? [...v] : { ...v });

/** Go's strconv.Atoi: an optional sign and decimal digits. */
const atoi = (key: string) =>
  /^[+-]?\d+$/.test(key) ? Number(key) : undefined;

class Failure extends Error {}

/**
 * Where a pointer's last key lives, as evanphx/json-patch v4 (kustomize's
 * JSON patch library) finds it: every step before the last must exist and
 * be a map or a list. Copies the containers on the way, so the operation
 * may change them without touching values shared with other objects.
 */
function container(
  root: { doc: any },
  pointer: string,
): { parent: any; key: string; pointer: string[] } {
  const parts = pointer.split('/');
  if (parts.length < 2)
    throw new Failure('has a path that does not exist (the whole document)');
  const keys = pointerKeys(pointer);
  root.doc = copyOf(root.doc);
  let parent = root.doc;
  const resolved: string[] = [];
  for (const key of keys.slice(0, -1)) {
    let child: unknown;
    if (Array.isArray(parent)) {
      const i = indexIn(parent, key, false);
      child = parent[i];
      resolved.push(String(i));
      if (child !== null && typeof child === 'object')
        parent[i] = copyOf(child);
      parent = parent[i];
    } else {
      child = hasOwn(parent, key) ? parent[key] : undefined;
      resolved.push(key);
      if (child === null || typeof child !== 'object')
        throw new Failure('needs a path that does not exist');
      Object.defineProperty(parent, key, {
        value: copyOf(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      parent = parent[key];
    }
    if (parent === null || typeof parent !== 'object')
      throw new Failure('needs a path that does not exist');
  }
  return { parent, key: keys[keys.length - 1], pointer: resolved };
}

/** A list index as v4 reads one (negative counts from the end); `forAdd` allows the end. */
function indexIn(list: unknown[], key: string, forAdd: boolean): number {
  const n = atoi(key);
  const size = forAdd ? list.length + 1 : list.length;
  if (n === undefined)
    throw new Failure(`uses "${key}", which is not an index, on a list`);
  const i = n < 0 ? n + size : n;
  if (i < 0 || i >= size)
    throw new Failure(`uses the index ${n}, outside the list`);
  return i;
}

const pointerOf = (parts: string[], key: string | number) =>
  `/${[...parts.map(escape), escape(String(key))].join('/')}`;

/**
 * Applies JSON 6902 operations to a body as kustomize does (evanphx
 * json-patch v4, whose rules differ from RFC 6902 here and there: `replace`
 * of a missing map key adds it, `copy` from a missing key copies null, a
 * `test` of a missing key passes for null, negative indices count from the
 * end). Each operation is checked against those rules, then applied with
 * fast-json-patch on copies of the containers on its paths; the body is
 * not changed, the rest is shared. Throws {@link JsonPatchFailure}.
 */
export function applyJsonPatch(
  body: Record<string, any>,
  operations: readonly Operation[],
): Record<string, any> {
  const state = { doc: body as any };
  operations.forEach((operation, index) => {
    try {
      const op = translate(state, operation);
      if (op)
        state.doc = applyOperation(
          state.doc,
          op,
          false,
          true,
          true,
          index,
        ).newDocument;
    } catch (e) {
      if (e instanceof Failure)
        throw new JsonPatchFailure(index, operation.path, e.message);
      if (e instanceof JsonPatchError)
        throw new JsonPatchFailure(
          index,
          operation.path,
          e.name === 'TEST_OPERATION_FAILED'
            ? 'is a test that fails'
            : e.message,
        );
      if (e instanceof TypeError)
        throw new JsonPatchFailure(index, operation.path, e.message);
      throw e;
    }
    if (!isRecord(state.doc))
      throw new JsonPatchFailure(
        index,
        operation.path,
        'leaves something that is not an object',
      );
  });
  return state.doc;
}

/** The operation fast-json-patch applies for a v4 operation (undefined: nothing to do). */
function translate(
  state: { doc: any },
  operation: Operation,
): Operation | undefined {
  const op = operation as Operation & { from?: string; value?: unknown };
  if (op.op === 'replace' && op.path === '') {
    if (!isRecord(op.value) && !Array.isArray(op.value))
      throw new Failure(
        'replaces the document with something that is not an object',
      );
    return { op: 'replace', path: '', value: op.value };
  }
  if (op.op === 'test' && op.path === '')
    return { op: 'test', path: '', value: op.value };
  const read = (pointer: string) => {
    const { parent, key, pointer: parts } = container(state, pointer);
    if (Array.isArray(parent)) {
      const i = indexIn(parent, key, false);
      return { value: parent[i], parts, key: i as string | number };
    }
    return {
      value: hasOwn(parent, key) ? parent[key] : undefined,
      parts,
      key,
      exists: hasOwn(parent, key),
    };
  };
  const target = (forAdd: boolean) => {
    const { parent, key, pointer: parts } = container(state, op.path);
    if (Array.isArray(parent)) {
      if (forAdd && key === '-')
        return {
          path: pointerOf(parts, parent.length),
          exists: false,
          value: undefined,
        };
      const i = indexIn(parent, key, forAdd);
      return {
        path: pointerOf(parts, i),
        exists: i < parent.length,
        value: parent[i],
        list: true,
      };
    }
    return {
      path: pointerOf(parts, key),
      exists: hasOwn(parent, key),
      value: parent[key],
    };
  };
  switch (op.op) {
    case 'add':
      return { op: 'add', path: target(true).path, value: op.value ?? null };
    case 'replace': {
      const t = target(false);
      return {
        op: t.exists ? 'replace' : 'add',
        path: t.path,
        value: op.value ?? null,
      } as Operation;
    }
    case 'remove': {
      const t = target(false);
      if (!t.exists) throw new Failure('removes a key that does not exist');
      return { op: 'remove', path: t.path };
    }
    case 'test': {
      const t = target(false);
      if (!t.exists || t.value === undefined) {
        if (op.value === null || op.value === undefined) return undefined;
        throw new Failure('is a test that fails');
      }
      return { op: 'test', path: t.path, value: op.value ?? null };
    }
    case 'copy': {
      const from = read(op.from!);
      const to = target(true);
      return {
        op: 'add',
        path: to.path,
        value: from.value === undefined ? null : from.value,
      };
    }
    case 'move': {
      const from = read(op.from!);
      if (from.exists === false)
        throw new Failure('moves from a key that does not exist');
      const fromPath = pointerOf(from.parts, from.key);
      state.doc = applyOperation(
        state.doc,
        { op: 'remove', path: fromPath },
        false,
        true,
        true,
      ).newDocument;
      return { op: 'add', path: target(true).path, value: from.value };
    }
    default:
      throw new Failure(`has the unknown op "${String(op.op)}"`);
  }
}
