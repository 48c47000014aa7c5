import { secretPlaceholderPattern } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from '../core/manifest';
import { isRecord, ObjectPath } from '../core/paths';
import { ScalarAt, withScalarsAt } from '../yaml/lines';
import {
  GoYamlStyle,
  goYamlStyle,
  reparseScalar,
  ScalarResolver,
  writeGoYamlScalar,
} from '../yaml/scalars';
import {
  envsubst,
  EnvsubstDependencies,
  EnvsubstTemplates,
  isValidVariableName,
  referencedVariables,
} from './envsubst';
import type { Variables } from './variables';

/**
 * Flux post-build substitution of one object, as kustomize-controller does
 * it on the YAML text: each string is written as Go's yaml.v2 writes it,
 * substituted, and read back, so types change (`${PORT}` → 2379) and broken
 * YAML is reported where it happens. This file is the semantics;
 * `substitutionMemo.ts` gives the same results faster by remembering.
 */

/** A field whose text came out of substitution. @public */
export interface SubstitutedField {
  /** The text before substitution. */
  raw: string;
  /** The variables it referred to. */
  variables: string[];
}

/** A substituted object: the object, plus which of its fields were substituted. @public */
export interface SubstitutedObject extends ManifestObject {
  /** The field at a path, when substitution changed it. */
  substitutedField?(path: ObjectPath): SubstitutedField | undefined;
}

/** @public */
export interface SubstitutionProblem {
  path: (string | number)[];
  /** `info`: not evaluated (what Flux does depends on a value not known here). */
  severity: 'error' | 'warning' | 'info';
  /**
   * What went wrong: an undefined variable (strict mode), text that is not
   * Flux's syntax, a value that breaks the YAML, or a value with " #";
   * `unknown`: whether the value keeps the YAML valid depends on a
   * variable whose value is not known here.
   */
  reason: SubstitutionFailure;
  message: string;
  variable?: string;
  /** Every variable of the value that is not defined (`undefined`), when more than one. */
  variables?: string[];
}

/** @public */
export type SubstitutionFailure =
  | 'undefined'
  | 'syntax'
  | 'yaml'
  | 'comment'
  | 'unknown';

/** At most this much of a value is quoted in a message (a dashboard can be 300 kB). */
const quoteLimit = 80;

/** A value quoted for a message, cut around its first `${` when long. */
export function excerpt(text: string): string {
  if (text.length <= quoteLimit) return `"${text}"`;
  const at = Math.max(0, text.indexOf('${') - 20);
  const cut = text.slice(at, at + quoteLimit).replace(/\s+/g, ' ');
  return `"${at > 0 ? '…' : ''}${cut}…" (${text.length} characters)`;
}

/** @public */
export interface SubstituteOptions {
  /** kustomize-controller's strict mode: an undefined variable without default fails. */
  strict: boolean;
  /** Resolver of plain scalars read back after substitution; a fresh one when absent. */
  scalars?: ScalarResolver;
}

/** How a string with a `$` reads to Flux, wherever it stands. @internal */
export interface StringReading {
  isKey: boolean;
  raw: string;
  style: GoYamlStyle;
  /** The text Flux substitutes: the string as yaml.v2 writes it. */
  text: string;
  variables: string[];
}

/** Reads one string (a value, or a map key) as Flux sees it. @internal */
export function readString(
  raw: string,
  isKey: boolean,
  scalars: ScalarResolver,
  templates?: EnvsubstTemplates,
): StringReading {
  const style: GoYamlStyle = isKey ? 'plain' : goYamlStyle(raw, scalars);
  const text = style === 'literal' ? raw : writeGoYamlScalar(raw, style);
  return {
    isKey,
    raw,
    style,
    text,
    variables: referencedVariables(text, templates),
  };
}

/**
 * The strings of a body that substitution may touch, as parallel lists (a
 * mesh's settings hold hundreds of thousands): the path of the map or
 * sequence holding each (shared by siblings), its key or index there (for a
 * map key, the key itself), and how it reads.
 *
 * @internal
 */
export interface BodyPlan {
  parents: (string | number)[][];
  keys: (string | number)[];
  readings: StringReading[];
  /** Every variable the strings refer to. */
  variables: string[];
}

/** Finds the strings of a body that hold a `$`. @internal */
export function planBody<R extends StringReading>(
  body: Record<string, any>,
  read: (raw: string, isKey: boolean) => R,
): BodyPlan & { readings: R[] } {
  const parents: (string | number)[][] = [];
  const keys: (string | number)[] = [];
  const readings: R[] = [];
  const variableNames = new Set<string>();
  const add = (
    parent: (string | number)[],
    key: string | number,
    raw: string,
    isKey: boolean,
  ) => {
    const reading = read(raw, isKey);
    for (const name of reading.variables) variableNames.add(name);
    parents.push(parent);
    keys.push(key);
    readings.push(reading);
  };
  // paths are built only for containers; strings keep their container's
  const walk = (value: unknown, path: (string | number)[]) => {
    const each = (item: unknown, key: string | number) => {
      if (typeof item === 'string') {
        if (item.includes('$')) add(path, key, item, false);
      } else if (item !== null && typeof item === 'object') {
        walk(item, [...path, key]);
      }
    };
    if (Array.isArray(value)) {
      value.forEach(each);
    } else if (isRecord(value)) {
      for (const k of Object.keys(value)) {
        if (k.includes('$')) add(path, k, k, true);
        each(value[k], k);
      }
    }
  };
  walk(body, []);
  return { parents, keys, readings, variables: [...variableNames] };
}

/** The path of string n of a plan. @internal */
export const pathOf = (plan: BodyPlan, n: number) => [
  ...plan.parents[n],
  plan.keys[n],
];

/**
 * The string of a plan at a path (a value over a key that holds a `$` too);
 * looked up rarely (messages, one setting at a time), so no index is kept.
 */
function stringAt(plan: BodyPlan, path: ObjectPath): number | undefined {
  const key = path[path.length - 1];
  for (let n = plan.readings.length - 1; n >= 0; n--) {
    const parent = plan.parents[n];
    if (
      plan.keys[n] === key &&
      parent.length === path.length - 1 &&
      parent.every((step, i) => step === path[i])
    )
      return n;
  }
  return undefined;
}

/**
 * Every variable of a text that strict substitution finds undefined, in
 * order, from the first: Flux stops at the first, so the owner would
 * otherwise meet them one run at a time (a CronJob's shell script).
 */
function undefinedVariables(
  text: string,
  lookup: (name: string) => string | undefined,
  first: string,
): string[] {
  const missing = [first];
  const without = (name: string) =>
    missing.includes(name) ? '' : lookup(name);
  for (;;) {
    const again = envsubst(text, without, { strict: true });
    if (again.ok || !again.variable || missing.includes(again.variable))
      return missing;
    missing.push(again.variable);
  }
}

/** The outcome of substituting one string, independent of where it stands. @internal */
export type StringOutcome =
  | { kind: 'unchanged' }
  | {
      kind: 'value';
      value: unknown;
      variables: string[];
      warning?: string;
      /** Not evaluated: the YAML validity depends on a value not known here. */
      unknown?: { message: string; variable: string };
    }
  | {
      kind: 'error';
      reason: Exclude<SubstitutionFailure, 'comment' | 'unknown'>;
      message: string;
      variable?: string;
      variables?: string[];
    };

/** Substitutes one string. @internal */
export function computeOutcome(
  s: StringReading,
  lookup: (name: string) => string | undefined,
  strict: boolean,
  scalars: ScalarResolver,
  memo: {
    dependencies?: EnvsubstDependencies;
    templates?: EnvsubstTemplates;
  } = {},
): StringOutcome {
  const result = envsubst(s.text, lookup, { strict, ...memo });
  if (!result.ok) {
    const missing = result.variable
      ? undefinedVariables(s.text, lookup, result.variable)
      : [];
    if (missing.length > 1)
      return {
        kind: 'error',
        reason: 'undefined',
        variable: missing[0],
        variables: missing,
        message: `${missing
          .slice(0, -1)
          .map(name => `\${${name}}`)
          .join(', ')} and \${${
          missing[missing.length - 1]
        }} are not defined and have no default (a script's own variables? escape each as $\${NAME} to keep it as written, or annotate the object kustomize.toolkit.fluxcd.io/substitute: disabled, a generator's by its generatorOptions.annotations, for Flux to leave it all as written); Flux's strict substitution fails the Kustomization`,
      };
    return result.variable
      ? {
          kind: 'error',
          reason: 'undefined',
          variable: result.variable,
          message: isValidVariableName(result.variable)
            ? `\${${result.variable}} is not defined and has no default; Flux's strict substitution fails the Kustomization`
            : `\${${result.variable}} is not defined and cannot be (not a variable name: escape it as $\${${result.variable}} to keep it as written); Flux's strict substitution fails the Kustomization`,
        }
      : {
          kind: 'error',
          reason: 'syntax',
          message: `${excerpt(s.raw)} is not valid Flux substitution syntax: ${
            result.error
          }`,
        };
  }
  if (result.output === s.text) return { kind: 'unchanged' };
  if (s.style === 'literal')
    return { kind: 'value', value: result.output, variables: result.variables };
  const reparsed = reparseScalar(result.output, scalars);
  // a map key must stay a scalar
  const keyCollection =
    s.isKey &&
    reparsed.ok &&
    reparsed.value !== null &&
    typeof reparsed.value === 'object';
  // a value not known here (a Secret's) stands as its placeholder, whose
  // text is no value of the cluster: what it does to the YAML is unknown
  // (also where it came in a value of another variable)
  const unknownValues = [
    ...new Set(
      [...result.output.matchAll(secretPlaceholderPattern)].map(m => m[1]),
    ),
  ];
  if ((!reparsed.ok || keyCollection) && unknownValues.length) {
    return {
      kind: 'value',
      value: result.output,
      variables: result.variables,
      unknown: {
        variable: unknownValues[0],
        message: `whether ${excerpt(
          s.raw,
        )} stays valid YAML after substitution depends on the value of ${unknownValues
          .map(name => `\${${name}}`)
          .join(
            ', ',
          )}, not known here; Flux fails the Kustomization if it does not`,
      },
    };
  }
  if (!reparsed.ok || keyCollection) {
    return {
      kind: 'error',
      reason: 'yaml',
      variable: result.variables[0],
      message: `after substitution ${excerpt(
        result.output,
      )} is no longer valid YAML (${
        reparsed.ok ? 'the key turns into a YAML collection' : reparsed.reason
      }); Flux fails the Kustomization`,
    };
  }
  const warning =
    s.style === 'plain' && / #/.test(result.output) && !/ #/.test(s.text)
      ? `the substituted value ${excerpt(
          result.output,
        )} contains " #", which YAML reads as the start of a comment: Flux applies ${excerpt(
          String(reparsed.value),
        )}`
      : undefined;
  return {
    kind: 'value',
    value: reparsed.value,
    variables: result.variables,
    warning,
  };
}

/** What substituting a body gave for one set of variable values. @internal */
export interface BodyResult {
  body: Record<string, any>;
  /** Per string of the plan, 1 when substitution changed it (compact: a mesh keeps many results). */
  changed: Uint8Array;
  /** How many strings changed. */
  changes: number;
  problems: SubstitutionProblem[];
}

function renameKey(root: any, path: (string | number)[], newKey: string): any {
  if (path.length === 1) {
    return Object.fromEntries(
      Object.entries(root).map(([k, v]) =>
        k === path[0] ? [newKey, v] : [k, v],
      ),
    );
  }
  const [head, ...rest] = path;
  const copy: any = Array.isArray(root) ? [...root] : { ...root };
  copy[head as any] = renameKey(root[head as any], rest, newKey);
  return copy;
}

/** Substitutes every string of a plan, each by its outcome. @internal */
export function substituteBody(
  original: Record<string, any>,
  plan: BodyPlan,
  outcomeOf: (n: number) => StringOutcome,
): BodyResult {
  const problems: SubstitutionProblem[] = [];
  const scalars: ScalarAt[] = [];
  const renames: { path: (string | number)[]; key: string }[] = [];
  const changed = new Uint8Array(plan.readings.length);
  let changeCount = 0;
  plan.readings.forEach((read, i) => {
    const outcome = outcomeOf(i);
    if (outcome.kind === 'unchanged') return;
    if (outcome.kind === 'error') {
      problems.push({
        path: pathOf(plan, i),
        severity: 'error',
        reason: outcome.reason,
        message: outcome.message,
        variable: outcome.variable,
        ...(outcome.variables && { variables: outcome.variables }),
      });
      return;
    }
    if (outcome.unknown)
      problems.push({
        path: pathOf(plan, i),
        severity: 'info',
        reason: 'unknown',
        message: outcome.unknown.message,
        variable: outcome.unknown.variable,
      });
    if (outcome.warning) {
      problems.push({
        path: pathOf(plan, i),
        severity: 'warning',
        reason: 'comment',
        message: outcome.warning,
        variable: outcome.variables[0],
      });
    }
    changed[i] = 1;
    changeCount += 1;
    if (read.isKey) {
      renames.push({ path: pathOf(plan, i), key: String(outcome.value) });
      return;
    }
    scalars.push([plan.parents[i], plan.keys[i], outcome.value]);
  });
  let body = scalars.length
    ? (withScalarsAt(original, scalars) as Record<string, any>)
    : original;
  // keys last, deepest first, so a rename never moves a path still to be renamed
  for (const { path, key } of renames.reverse())
    body = renameKey(body, path, key);
  return { body, changed, changes: changeCount, problems };
}

/** The object a body result stands for, with its substituted fields. @internal */
export function substitutedObject(
  object: ManifestObject,
  plan: BodyPlan,
  result: BodyResult,
): { object: SubstitutedObject; problems: SubstitutionProblem[] } {
  const { body, changed, changes, problems } = result;
  if (changes === 0) return { object, problems };
  const name = body.metadata?.name;
  const namespace = body.metadata?.namespace;
  return {
    object: {
      ...object,
      name: typeof name === 'string' ? name : object.name,
      namespace: typeof namespace === 'string' ? namespace : object.namespace,
      body,
      substitutedField(path) {
        const n = stringAt(plan, path);
        if (n === undefined || !changed[n]) return undefined;
        return {
          raw: plan.readings[n].raw,
          variables: plan.readings[n].variables,
        };
      },
    },
    problems,
  };
}

const DISABLED_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

/** True when an object opts out with the label or annotation `kustomize.toolkit.fluxcd.io/substitute: disabled`. @public */
export function substitutionDisabled(object: ManifestObject): boolean {
  const metadata = object.body.metadata ?? {};
  return (
    metadata.labels?.[DISABLED_KEY] === 'disabled' ||
    metadata.annotations?.[DISABLED_KEY] === 'disabled'
  );
}

/**
 * Applies Flux post-build substitution to one object, computed afresh.
 * The engine renders through the engine cache's substitution memo, which
 * gives the same results (a property test holds them equal).
 *
 * @public
 */
export function substituteObject(
  object: ManifestObject,
  variables: Variables,
  options: SubstituteOptions,
): { object: SubstitutedObject; problems: SubstitutionProblem[] } {
  if (substitutionDisabled(object)) return { object, problems: [] };
  const scalars = options.scalars ?? new ScalarResolver();
  const plan = planBody(object.body, (raw, isKey) =>
    readString(raw, isKey, scalars),
  );
  if (plan.readings.length === 0) return { object, problems: [] };
  const lookup = (name: string) => variables.value(name);
  const result = substituteBody(object.body, plan, n =>
    computeOutcome(plan.readings[n], lookup, options.strict, scalars),
  );
  return substitutedObject(object, plan, result);
}
