import {
  envsubst,
  EnvsubstDependencies,
  isValidVariableName,
  referencedVariables,
} from './envsubst';
import { ScalarAt, SourceLocation, withScalarsAt } from '../yaml/documents';
import {
  GoYamlStyle,
  goYamlStyle,
  reparseScalar,
  writeGoYamlScalar,
} from '../yaml/scalars';
import { getPath, isRecord, locate } from '../model/locate';
import type { ManifestObject } from '../model/types';
import { secretPlaceholder } from '../net/names';

/** One variable available to a Flux Kustomization's post-build substitution. @public */
export interface VariableValue {
  /** The text Flux inserts (newlines removed, as Flux does); a placeholder for secrets. */
  readonly value: string;
  /** True when the value comes from a Secret (SOPS or not): it is never shown. */
  readonly secret: boolean;
  /** Where the variable is defined, for messages: `ConfigMap flux-system/cluster-settings`. */
  readonly origin: string;
  /** File and line of the definition (computed when first read). */
  readonly location?: SourceLocation;
}

/** The variables a Kustomization's substitution sees. @public */
export interface Variables {
  /** The text Flux inserts for a variable, or undefined when it is not defined. */
  value(name: string): string | undefined;
  /** Everything about a variable, or undefined. */
  get(name: string): VariableValue | undefined;
  /** Every defined name. */
  names(): string[];
}

interface Layer {
  has(name: string): boolean;
  value(name: string): string;
  get(name: string): VariableValue;
  names(): string[];
}

/** A ConfigMap data value as text (parsed YAML may hold numbers, booleans or null). */
function dataText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  return raw === null || raw === undefined ? '' : String(raw);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** A number for an object's identity. */
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

/** Names by data record: the same settings are read by every Kustomization of a cluster. */
const namesCache = new WeakMap<object, string[]>();

function keysOf(record: Record<string, unknown>): string[] {
  let names = namesCache.get(record);
  if (!names) {
    names = Object.keys(record);
    namesCache.set(record, names);
  }
  return names;
}

const hasOwn = (o: object, k: string) =>
  Object.prototype.hasOwnProperty.call(o, k);

/**
 * The variables of one Kustomization: its substitution sources in order
 * (later ones win), then `postBuild.substitute` (wins over all). Values are
 * read from the sources' data when asked for, since a mesh's settings hold
 * one variable per peer; locations only when a message needs them.
 *
 * @public
 */
export class VariableScope implements Variables {
  readonly #layers: Layer[] = [];
  /** What the values depend on: the source objects' bodies and the inline values. */
  #identity = '';

  /** Adds the data of a ConfigMap, or the keys of a Secret (values never read). */
  addSource(
    source: ManifestObject,
    kind: 'ConfigMap' | 'Secret',
    sops: boolean,
    knownValues: Readonly<Record<string, string>>,
  ) {
    const origin = `${kind} ${source.namespace ?? ''}/${source.name}${
      sops ? ' (SOPS-encrypted)' : ''
    }`;
    const records = (kind === 'ConfigMap' ? ['data'] : ['data', 'stringData'])
      .filter(f => isRecord(source.body[f]))
      .map(field => ({
        field,
        record: source.body[field] as Record<string, unknown>,
      }));
    const fieldOf = (name: string) =>
      records.find(r => hasOwn(r.record, name))?.field;
    const value =
      kind === 'Secret'
        ? (name: string) => knownValues[name] ?? secretPlaceholder(name)
        : (name: string) => {
            const text = dataText(records[0].record[name]);
            return text.includes('\n') ? text.replace(/\n/g, '') : text; // Flux drops newlines
          };
    const single = records.length === 1 ? records[0].record : undefined;
    this.#identity += `${kind[0]}${objectId(source.body)}${sops ? 's' : ''};`;
    this.#knownValues = knownValues;
    this.#layers.push({
      has: single
        ? name => hasOwn(single, name)
        : name => fieldOf(name) !== undefined,
      value,
      get: name => {
        let location: SourceLocation | undefined;
        return {
          value: value(name),
          secret: kind === 'Secret' && knownValues[name] === undefined,
          origin,
          get location() {
            location ??= locate(source, [fieldOf(name)!, name]);
            return location;
          },
        };
      },
      names: () =>
        single ? keysOf(single) : records.flatMap(r => keysOf(r.record)),
    });
  }

  /** Adds inline variables (`spec.postBuild.substitute`). */
  addInline(
    values: Record<string, string>,
    origin: string,
    locateName: (name: string) => SourceLocation | undefined,
  ) {
    if (Object.keys(values).length)
      this.#identity += `i${JSON.stringify(values)};`;
    this.#layers.push({
      has: name => hasOwn(values, name),
      value: name => values[name].replace(/\n/g, ''),
      get: name => ({
        value: values[name].replace(/\n/g, ''),
        secret: false,
        origin,
        location: locateName(name),
      }),
      names: () => Object.keys(values),
    });
  }

  #knownValues?: Readonly<Record<string, string>>;

  /**
   * A key that is equal for two scopes whose variables are certainly equal
   * (same source objects, same inline values), without reading them.
   */
  get identity(): string {
    return `${this.#identity}${
      this.#knownValues ? objectId(this.#knownValues) : ''
    }`;
  }

  get isEmpty(): boolean {
    return this.#layers.every(l => l.names().length === 0);
  }

  /** Names Flux refuses (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`), which fail the whole Kustomization. */
  invalidNames(): string[] {
    const invalid: string[] = [];
    for (const layer of this.#layers) {
      for (const name of layer.names())
        if (!validName(name) && !invalid.includes(name)) invalid.push(name);
    }
    return invalid;
  }

  value(name: string): string | undefined {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      if (this.#layers[i].has(name)) return this.#layers[i].value(name);
    }
    return undefined;
  }

  get(name: string): VariableValue | undefined {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      if (this.#layers[i].has(name)) return this.#layers[i].get(name);
    }
    return undefined;
  }

  names(): string[] {
    return [...new Set(this.#layers.flatMap(l => l.names()))];
  }
}

const nameValidity = new Map<string, boolean>();

/** {@link isValidVariableName}, remembered: a mesh checks the same names for every cluster. */
function validName(name: string): boolean {
  let valid = nameValidity.get(name);
  if (valid === undefined) {
    valid = isValidVariableName(name);
    if (nameValidity.size > 100_000) nameValidity.clear();
    nameValidity.set(name, valid);
  }
  return valid;
}

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
  substitutedField?(
    path: readonly (string | number)[],
  ): SubstitutedField | undefined;
}

/** @public */
export interface SubstitutionProblem {
  path: (string | number)[];
  severity: 'error' | 'warning';
  message: string;
  variable?: string;
}

const DISABLED_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

/** How a string with a `$` reads to Flux, wherever it stands. */
interface StringReading {
  isKey: boolean;
  raw: string;
  style: GoYamlStyle;
  /** The text Flux substitutes: the string as yaml.v2 writes it. */
  text: string;
  variables: string[];
  /**
   * The last outcome, with the variables it depended on: the same string
   * in every cluster of a mesh mostly comes out the same.
   */
  last?: {
    strict: boolean;
    dependencies: Dependencies;
    outcome: StringOutcome;
  };
}

/** What an outcome depended on: name, value then, and whether the value (not only being defined) mattered. */
type Dependencies = Array<[string, string | undefined, boolean]>;

/** The path of string n of a plan. */
const pathOf = (plan: BodyPlan, n: number) => [
  ...plan.parents[n],
  plan.keys[n],
];

/**
 * The string of a plan at a path (a value over a key that holds a `$` too);
 * looked up rarely (messages, one setting at a time), so no index is kept.
 */
function stringAt(
  plan: BodyPlan,
  path: readonly (string | number)[],
): number | undefined {
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

/** What substituting a body gave for one set of variable values. */
interface BodyResult {
  body: Record<string, any>;
  /** Per string of the plan, 1 when substitution changed it (compact: a mesh keeps many results). */
  changed: Uint8Array;
  /** How many strings changed. */
  changes: number;
  problems: SubstitutionProblem[];
}

/** The strings of a body that substitution may touch, found once per body. */
interface BodyPlan {
  // The strings with a `$`, as parallel lists (a mesh's settings hold
  // hundreds of thousands): the path of the map or sequence holding each
  // (shared by siblings), its key or index there (for a map key, the key
  // itself), and how it reads.
  parents: (string | number)[][];
  keys: (string | number)[];
  readings: StringReading[];
  /** Every variable the strings refer to. */
  variables: string[];
  /** Results by the values of those variables: a mesh renders the same objects for every cluster. */
  results: Map<string, BodyResult>;
  /** The strings that refer to each variable (made when first needed). */
  byVariable?: Map<string, number[]>;
  /**
   * The last result computed, with the value ids it was computed for and
   * what each string depended on (none for a failed string).
   */
  last?: {
    strict: boolean;
    ids: (number | string)[];
    result: BodyResult;
    dependencies: (Dependencies | undefined)[];
  };
}

const plans = new WeakMap<object, BodyPlan>();

/**
 * Lets a body that differs from another only in one scalar without a `$`
 * (a settings value edited on its line) start from the other's plan and
 * last result, so it is not walked and substituted again.
 *
 * @internal
 */
export function carryPlan(
  before: object,
  after: object,
  path: readonly (string | number)[],
  scalar: unknown,
) {
  const plan = plans.get(before);
  if (!plan || plans.has(after)) return;
  const dollar = (v: unknown) => typeof v === 'string' && v.includes('$');
  if (dollar(getPath(before, path)) || dollar(scalar)) return;
  const carried: BodyPlan = {
    parents: plan.parents,
    keys: plan.keys,
    readings: plan.readings,
    variables: plan.variables,
    byVariable: plan.byVariable,
    results: new Map(),
  };
  if (plan.last) {
    const body = withScalarsAt(plan.last.result.body, [
      [path.slice(0, -1), path[path.length - 1], scalar],
    ]);
    if (body !== undefined)
      carried.last = {
        ...plan.last,
        result: { ...plan.last.result, body: body as Record<string, any> },
      };
  }
  plans.set(after, carried);
}

/** Readings of values and of map keys, by text: the settings of a mesh repeat the same values. */
const readings = {
  value: new Map<string, StringReading>(),
  key: new Map<string, StringReading>(),
};

function reading(raw: string, isKey: boolean): StringReading {
  const memo = isKey ? readings.key : readings.value;
  let found = memo.get(raw);
  if (!found) {
    const style: GoYamlStyle = isKey ? 'plain' : goYamlStyle(raw);
    const text = style === 'literal' ? raw : writeGoYamlScalar(raw, style);
    found = { isKey, raw, style, text, variables: referencedVariables(text) };
    if (memo.size > 100_000) memo.clear();
    memo.set(raw, found);
  }
  return found;
}

function planFor(body: Record<string, any>): BodyPlan {
  let plan = plans.get(body);
  if (plan) return plan;
  const parents: (string | number)[][] = [];
  const keys: (string | number)[] = [];
  const stringReadings: StringReading[] = [];
  const variableNames = new Set<string>();
  const add = (
    parent: (string | number)[],
    key: string | number,
    raw: string,
    isKey: boolean,
  ) => {
    const read = reading(raw, isKey);
    for (const name of read.variables) variableNames.add(name);
    parents.push(parent);
    keys.push(key);
    stringReadings.push(read);
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
  plan = {
    parents,
    keys,
    readings: stringReadings,
    variables: [...variableNames],
    results: new Map(),
  };
  plans.set(body, plan);
  return plan;
}

/** The outcome of substituting one string, independent of where it stands. */
type StringOutcome =
  | { kind: 'unchanged' }
  | { kind: 'value'; value: unknown; variables: string[]; warning?: string }
  | { kind: 'error'; message: string; variable?: string };

/**
 * Small ids for variable values, so memo keys stay short. Ids are never
 * reused, so keys built before the table was emptied never match again.
 */
const valueIds = new Map<string, number>();
let lastValueId = 0;

function valueId(value: string): number {
  let id = valueIds.get(value);
  if (id === undefined) {
    if (valueIds.size > 200_000) valueIds.clear();
    id = ++lastValueId;
    valueIds.set(value, id);
  }
  return id;
}

/**
 * The outcome of a string for these variables (the last one when its
 * dependencies still hold), with what it depended on.
 */
function outcomeFor(
  s: StringReading,
  lookup: (name: string) => string | undefined,
  strict: boolean,
): { outcome: StringOutcome; dependencies?: Dependencies } {
  const last = s.last;
  if (last && last.strict === strict && dependenciesHold(last, lookup))
    return last;
  const found: EnvsubstDependencies = new Map();
  const outcome = computeOutcome(s, lookup, strict, found);
  if (outcome.kind === 'error') return { outcome };
  s.last = {
    strict,
    dependencies: [...found].map(([name, valueUsed]) => [
      name,
      lookup(name),
      valueUsed,
    ]),
    outcome,
  };
  return s.last;
}

/** What an outcome recorded about one variable. */
function dependencyOn(
  dependencies: Dependencies | undefined,
  name: string,
): Dependencies[number] | undefined {
  if (dependencies)
    for (const dependency of dependencies)
      if (dependency[0] === name) return dependency;
  return undefined;
}

function dependenciesHold(
  last: { dependencies: Dependencies },
  lookup: (name: string) => string | undefined,
): boolean {
  for (const [name, then, valueUsed] of last.dependencies) {
    const now = lookup(name);
    if (valueUsed ? now !== then : (now === undefined) !== (then === undefined))
      return false;
  }
  return true;
}

function computeOutcome(
  s: StringReading,
  lookup: (name: string) => string | undefined,
  strict: boolean,
  dependencies: EnvsubstDependencies,
): StringOutcome {
  const result = envsubst(s.text, lookup, { strict, dependencies });
  if (!result.ok) {
    return {
      kind: 'error',
      variable: result.variable,
      message: result.variable
        ? `\${${result.variable}} is not defined and has no default; Flux's strict substitution fails the Kustomization`
        : `"${s.raw}" is not valid Flux substitution syntax: ${result.error}`,
    };
  }
  if (result.output === s.text) return { kind: 'unchanged' };
  if (s.style === 'literal')
    return { kind: 'value', value: result.output, variables: result.variables };
  const reparsed = reparseScalar(result.output);
  if (!reparsed.ok) {
    return {
      kind: 'error',
      variable: result.variables[0],
      message: `after substitution "${result.output}" is no longer valid YAML (${reparsed.reason}); Flux fails the Kustomization`,
    };
  }
  const warning =
    s.style === 'plain' && / #/.test(result.output) && !/ #/.test(s.text)
      ? `the substituted value "${
          result.output
        }" contains " #", which YAML reads as the start of a comment: Flux applies "${String(
          reparsed.value,
        )}"`
      : undefined;
  return {
    kind: 'value',
    value: reparsed.value,
    variables: result.variables,
    warning,
  };
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
  if (substitutionDisabled(object)) return { object, problems: [] };
  const plan = planFor(object.body);
  if (plan.readings.length === 0) return { object, problems: [] };
  const strict = options.strict ? '1' : '0';

  // same sources: the same result, found without reading a variable
  const identityKey =
    variables instanceof VariableScope
      ? `#${strict}${variables.identity}`
      : undefined;
  let result = identityKey ? plan.results.get(identityKey) : undefined;
  if (!result) {
    const valueIdsOfBody = plan.variables.map(name => {
      const v = variables.value(name);
      return v === undefined ? '-' : valueId(v);
    });
    // one flat string: a long key built with += keeps every piece alive
    const key = `${strict},${valueIdsOfBody.join(',')}`;
    result = plan.results.get(key);
    if (!result) {
      const computed =
        substituteChanges(plan, valueIdsOfBody, variables, options.strict) ??
        substituteBody(object.body, plan, variables, options.strict);
      result = computed.result;
      if (plan.results.size >= 2048) plan.results.clear();
      plan.results.set(key, result);
      plan.last = {
        strict: options.strict,
        ids: valueIdsOfBody,
        result,
        dependencies: computed.dependencies,
      };
    }
    if (identityKey) plan.results.set(identityKey, result);
  }
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

/**
 * The result for new values from the last result of the same body, when
 * only a few variables changed (the next cluster of a mesh, the same
 * cluster after a change): only the strings that refer to a changed
 * variable are substituted again, and only the containers on their way are
 * copied. Undefined when that cannot be done simply (problems, renamed
 * keys, many changes); the body is then substituted in full.
 */
function substituteChanges(
  plan: BodyPlan,
  ids: readonly (number | string)[],
  variables: Variables,
  strict: boolean,
): Computed | undefined {
  const last = plan.last;
  if (!last || last.strict !== strict || last.result.problems.length)
    return undefined;
  if (!plan.byVariable) {
    plan.byVariable = new Map();
    plan.readings.forEach((read, n) => {
      for (const name of read.variables) {
        const list = plan.byVariable!.get(name);
        if (list) list.push(n);
        else plan.byVariable!.set(name, [n]);
      }
    });
  }
  // a string is affected when a value it used changed, or whether a
  // variable it only looked up is defined
  const affected = new Set<number>();
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === last.ids[i]) continue;
    const name = plan.variables[i];
    const definedness = (ids[i] === '-') !== (last.ids[i] === '-');
    for (const n of plan.byVariable.get(name) ?? []) {
      const used = dependencyOn(last.dependencies[n], name);
      if (!used || used[2] || definedness) affected.add(n);
    }
    if (affected.size > 8 && affected.size * 4 > plan.readings.length)
      return undefined; // most of the body: substitute it in full
  }
  const lookup = (name: string) => variables.value(name);
  const changed = last.result.changed.slice();
  const dependencies = last.dependencies.slice();
  let changes = last.result.changes;
  const scalars: ScalarAt[] = [];
  for (const n of affected) {
    const read = plan.readings[n];
    const evaluated = outcomeFor(read, lookup, strict);
    const { outcome } = evaluated;
    if (read.isKey || outcome.kind === 'error') return undefined;
    if (outcome.kind === 'value' && outcome.warning) return undefined;
    dependencies[n] = evaluated.dependencies;
    const now = outcome.kind === 'value' ? 1 : 0;
    changes += now - changed[n];
    changed[n] = now;
    scalars.push([
      plan.parents[n],
      plan.keys[n],
      outcome.kind === 'value' ? outcome.value : read.raw,
    ]);
  }
  const body = scalars.length
    ? withScalarsAt(last.result.body, scalars)
    : last.result.body;
  if (body === undefined) return undefined;
  return {
    result: {
      body: body as Record<string, any>,
      changed,
      changes,
      problems: [],
    },
    dependencies,
  };
}

/** A body's result, with what each of its strings depended on. */
interface Computed {
  result: BodyResult;
  dependencies: (Dependencies | undefined)[];
}

function substituteBody(
  original: Record<string, any>,
  plan: BodyPlan,
  variables: Variables,
  strict: boolean,
): Computed {
  const problems: SubstitutionProblem[] = [];
  const scalars: ScalarAt[] = [];
  const renames: { path: (string | number)[]; key: string }[] = [];
  const changed = new Uint8Array(plan.readings.length);
  let changeCount = 0;
  const lookup = (name: string) => variables.value(name);
  const dependencies: (Dependencies | undefined)[] = new Array(
    plan.readings.length,
  );
  plan.readings.forEach((read, i) => {
    const evaluated = outcomeFor(read, lookup, strict);
    const { outcome } = evaluated;
    dependencies[i] = evaluated.dependencies;
    if (outcome.kind === 'unchanged') return;
    if (outcome.kind === 'error') {
      problems.push({
        path: pathOf(plan, i),
        severity: 'error',
        message: outcome.message,
        variable: outcome.variable,
      });
      return;
    }
    if (outcome.warning) {
      problems.push({
        path: pathOf(plan, i),
        severity: 'warning',
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
  return {
    result: { body, changed, changes: changeCount, problems },
    dependencies,
  };
}
