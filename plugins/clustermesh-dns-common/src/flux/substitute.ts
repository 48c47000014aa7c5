import { envsubst } from './envsubst';
import type { SourceLocation } from '../yaml/documents';
import { goYamlStyle, reparseScalar, writeGoYamlScalar } from '../yaml/scalars';
import { isRecord } from '../model/locate';
import type { ManifestObject } from '../model/types';

/** One variable available to a Flux Kustomization's post-build substitution. @public */
export interface VariableValue {
  /** The text Flux inserts (newlines removed, as Flux does); a placeholder for secrets. */
  value: string;
  /** True when the value comes from a Secret (SOPS or not): it is never shown. */
  secret: boolean;
  /** Where the variable is defined, for messages: `ConfigMap flux-system/cluster-settings`. */
  origin: string;
  location?: SourceLocation;
}

/** @public */
export type Variables = ReadonlyMap<string, VariableValue>;

/** A field whose text came out of substitution. @public */
export interface SubstitutedField {
  /** The text before substitution. */
  raw: string;
  /** The variables it referred to. */
  variables: string[];
}

/** A substituted object: the object, plus which of its fields were substituted. @public */
export interface SubstitutedObject extends ManifestObject {
  /** Keyed by `JSON.stringify(path)`. */
  substituted?: ReadonlyMap<string, SubstitutedField>;
}

/** @public */
export interface SubstitutionProblem {
  path: (string | number)[];
  severity: 'error' | 'warning';
  message: string;
  variable?: string;
}

const DISABLED_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

/** Paths of the strings (values and keys) of a body that contain `$`, cached per body. */
const dollarPaths = new WeakMap<
  object,
  { path: (string | number)[]; isKey: boolean }[]
>();

function findDollarStrings(body: Record<string, any>) {
  let found = dollarPaths.get(body);
  if (found) return found;
  found = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      if (value.includes('$')) found!.push({ path, isKey: false });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('$')) found!.push({ path: [...path, k], isKey: true });
        walk(v, [...path, k]);
      }
    }
  };
  walk(body, []);
  dollarPaths.set(body, found);
  return found;
}

/** Copies the containers along a path and sets the value at its end. */
function setPath(root: any, path: (string | number)[], value: unknown): any {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(root) ? [...root] : { ...root };
  copy[head as any] = setPath(root[head as any], rest, value);
  return copy;
}

function renameKey(root: any, path: (string | number)[], newKey: string): any {
  if (path.length === 1) {
    const entries = Object.entries(root).map(([k, v]) =>
      k === path[0] ? [newKey, v] : [k, v],
    );
    return Object.fromEntries(entries);
  }
  const [head, ...rest] = path;
  const copy: any = Array.isArray(root) ? [...root] : { ...root };
  copy[head as any] = renameKey(root[head as any], rest, newKey);
  return copy;
}

/** True when an object opts out with the label or annotation `kustomize.toolkit.fluxcd.io/substitute: disabled`. @public */
export function substitutionDisabled(object: ManifestObject): boolean {
  const metadata = object.body.metadata ?? {};
  return (
    metadata.labels?.[DISABLED_KEY] === 'disabled' ||
    metadata.annotations?.[DISABLED_KEY] === 'disabled'
  );
}

/**
 * Applies Flux post-build substitution to one object, field by field, the
 * way kustomize-controller does on the whole YAML text: each string is
 * written as Go's yaml.v2 writes it, substituted, and read back, so types
 * change (`${PORT}` → 2379) and broken YAML is reported where it happens.
 *
 * @public
 */
export function substituteObject(
  object: ManifestObject,
  variables: Variables,
  options: { strict: boolean },
): { object: SubstitutedObject; problems: SubstitutionProblem[] } {
  const problems: SubstitutionProblem[] = [];
  if (substitutionDisabled(object)) return { object, problems };
  const targets = findDollarStrings(object.body);
  if (targets.length === 0) return { object, problems };

  const lookup = (name: string) => variables.get(name)?.value;
  let body = object.body;
  const substituted = new Map<string, SubstitutedField>();
  // keys last, deepest first, so renaming a key never moves a value path still to be visited
  const ordered = [
    ...targets.filter(t => !t.isKey),
    ...targets.filter(t => t.isKey).reverse(),
  ];
  for (const { path, isKey } of ordered) {
    const raw = isKey
      ? String(path[path.length - 1])
      : (getAt(object.body, path) as string);
    const style = isKey ? 'plain' : goYamlStyle(raw);
    const text = style === 'literal' ? raw : writeGoYamlScalar(raw, style);
    const result = envsubst(text, lookup, options);
    if (!result.ok) {
      problems.push({
        path,
        severity: 'error',
        variable: result.variable,
        message: result.variable
          ? `\${${result.variable}} is not defined and has no default; Flux's strict substitution fails the Kustomization`
          : `"${raw}" is not valid Flux substitution syntax: ${result.error}`,
      });
      continue;
    }
    if (result.output === text) continue;
    let value: unknown;
    if (style === 'literal') {
      value = result.output;
    } else {
      const reparsed = reparseScalar(result.output);
      if (!reparsed.ok) {
        problems.push({
          path,
          severity: 'error',
          variable: result.variables[0],
          message: `after substitution "${result.output}" is no longer valid YAML (${reparsed.reason}); Flux fails the Kustomization`,
        });
        continue;
      }
      value = reparsed.value;
      if (style === 'plain' && / #/.test(result.output) && !/ #/.test(text)) {
        problems.push({
          path,
          severity: 'warning',
          variable: result.variables[0],
          message: `the substituted value "${
            result.output
          }" contains " #", which YAML reads as the start of a comment: Flux applies "${String(
            value,
          )}"`,
        });
      }
    }
    substituted.set(JSON.stringify(path), { raw, variables: result.variables });
    if (isKey) {
      body = renameKey(body, path, String(value));
    } else {
      body = setPath(body, path, value);
    }
  }
  if (body === object.body) return { object, problems };
  const name = body.metadata?.name;
  const namespace = body.metadata?.namespace;
  return {
    object: {
      ...object,
      name: typeof name === 'string' ? name : object.name,
      namespace: typeof namespace === 'string' ? namespace : object.namespace,
      body,
      substituted,
    },
    problems,
  };
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  let current: any = root;
  for (const segment of path) current = current?.[segment as any];
  return current;
}
