import type { ManifestObject } from '../core/manifest';
import { getPath, ObjectPath } from '../core/paths';
import { parsedKeys, withScalarsAt, ScalarAt } from '../yaml/lines';
import type { ScalarResolver } from '../yaml/scalars';
import {
  EnvsubstDependencies,
  EnvsubstTemplates,
  isValidVariableName,
} from './envsubst';
import {
  BodyPlan,
  BodyResult,
  computeOutcome,
  planBody,
  readString,
  StringOutcome,
  StringReading,
  substituteBody,
  SubstitutedObject,
  substitutedObject,
  substitutionDisabled,
  SubstitutionProblem,
} from './substitute';
import { Variables, VariableScope, VariableScopeMemo } from './variables';
import {
  Dependencies,
  dependenciesHold,
  dependencyOn,
} from './substitutionDependencies';

/** How much a {@link SubstitutionMemo} keeps. @public */
export interface SubstitutionMemoLimits {
  /** Distinct strings whose reading and last outcome are kept. */
  strings: number;
  /** Results kept per object body (one per set of variable values). */
  resultsPerBody: number;
  /** Distinct variable values given ids (memo keys). */
  values: number;
  /** Parsed envsubst texts. */
  templates: number;
}

/** @public */
export const defaultSubstitutionMemoLimits: SubstitutionMemoLimits = {
  strings: 100_000,
  resultsPerBody: 2048,
  values: 200_000,
  templates: 50_000,
};

/** A reading with its last outcome: the same string in every cluster of a mesh mostly comes out the same. */
interface MemoReading extends StringReading {
  last?: {
    strict: boolean;
    dependencies: Dependencies;
    outcome: StringOutcome;
  };
}

interface MemoPlan extends BodyPlan {
  readings: MemoReading[];
  /** Results by the values of the plan's variables (or by the scope's identity). */
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

/** A body's result, with what each of its strings depended on. */
interface Computed {
  result: BodyResult;
  dependencies: (Dependencies | undefined)[];
}

/**
 * Flux post-build substitution, remembered: what substituting a body gave
 * for each set of variable values, and what each string depended on. A mesh
 * renders the same objects for every cluster with other values, and a
 * backend or the planner validates the same repository again; both only
 * substitute what changed. Gives exactly the results of
 * {@link substituteObject} (a property test holds it). Owned by an engine
 * cache.
 *
 * @public
 */
export class SubstitutionMemo implements VariableScopeMemo {
  readonly templates: EnvsubstTemplates;
  readonly #limits: SubstitutionMemoLimits;
  readonly #plans = new WeakMap<object, MemoPlan>();
  readonly #readings = {
    value: new Map<string, MemoReading>(),
    key: new Map<string, MemoReading>(),
  };
  /** Small ids for variable values, so memo keys stay short; never reused. */
  readonly #valueIds = new Map<string, number>();
  #lastValueId = 0;
  readonly #objectIds = new WeakMap<object, number>();
  #nextObjectId = 1;
  readonly #keyLists = new WeakMap<object, string[]>();
  readonly #nameValidity = new Map<string, boolean>();

  constructor(
    readonly scalars: ScalarResolver,
    limits: Partial<SubstitutionMemoLimits> = {},
  ) {
    this.#limits = { ...defaultSubstitutionMemoLimits, ...limits };
    this.templates = new EnvsubstTemplates(this.#limits.templates);
  }

  /** A variable scope whose identity this memo gives. */
  scope(): VariableScope {
    return new VariableScope(this);
  }

  objectId(o: object): number {
    let id = this.#objectIds.get(o);
    if (id === undefined) {
      id = this.#nextObjectId++;
      this.#objectIds.set(o, id);
    }
    return id;
  }

  keysOf(record: Record<string, unknown>): string[] {
    // a substituted copy of settings keeps the parsed map's keys
    const parsed = parsedKeys(record);
    if (parsed) return parsed;
    let names = this.#keyLists.get(record);
    if (!names) {
      names = Object.keys(record);
      this.#keyLists.set(record, names);
    }
    return names;
  }

  isValidName(name: string): boolean {
    let valid = this.#nameValidity.get(name);
    if (valid === undefined) {
      valid = isValidVariableName(name);
      if (this.#nameValidity.size >= this.#limits.strings)
        this.#nameValidity.clear();
      this.#nameValidity.set(name, valid);
    }
    return valid;
  }

  /** Strings whose reading is kept (for tests). */
  get size(): number {
    return this.#readings.value.size + this.#readings.key.size;
  }

  #valueId(value: string): number {
    let id = this.#valueIds.get(value);
    if (id === undefined) {
      if (this.#valueIds.size >= this.#limits.values) this.#valueIds.clear();
      id = ++this.#lastValueId;
      this.#valueIds.set(value, id);
    }
    return id;
  }

  #reading(raw: string, isKey: boolean): MemoReading {
    const memo = isKey ? this.#readings.key : this.#readings.value;
    let found = memo.get(raw);
    if (!found) {
      found = readString(raw, isKey, this.scalars, this.templates);
      if (memo.size >= this.#limits.strings) memo.clear();
      memo.set(raw, found);
    }
    return found;
  }

  #planFor(body: Record<string, any>): MemoPlan {
    let plan = this.#plans.get(body);
    if (!plan) {
      plan = {
        ...planBody(body, (raw, isKey) => this.#reading(raw, isKey)),
        results: new Map(),
      };
      this.#plans.set(body, plan);
    }
    return plan;
  }

  /**
   * The outcome of a string for these variables (the last one when its
   * dependencies still hold), with what it depended on.
   */
  #outcomeFor(
    s: MemoReading,
    lookup: (name: string) => string | undefined,
    strict: boolean,
  ): { outcome: StringOutcome; dependencies?: Dependencies } {
    const last = s.last;
    if (last && last.strict === strict && dependenciesHold(last, lookup))
      return last;
    const found: EnvsubstDependencies = new Map();
    const outcome = computeOutcome(s, lookup, strict, this.scalars, {
      dependencies: found,
      templates: this.templates,
    });
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

  /** {@link substituteObject}, remembered. */
  substituteObject(
    object: ManifestObject,
    variables: Variables,
    options: { strict: boolean },
  ): { object: SubstitutedObject; problems: SubstitutionProblem[] } {
    if (substitutionDisabled(object)) return { object, problems: [] };
    const plan = this.#planFor(object.body);
    if (plan.readings.length === 0) return { object, problems: [] };
    const strict = options.strict ? '1' : '0';

    // same sources: the same result, found without reading a variable
    const identity =
      variables instanceof VariableScope ? variables.identity : undefined;
    const identityKey =
      identity === undefined ? undefined : `#${strict}${identity}`;
    let result = identityKey ? plan.results.get(identityKey) : undefined;
    if (!result) {
      const ids = plan.variables.map(name => {
        const v = variables.value(name);
        return v === undefined ? '-' : this.#valueId(v);
      });
      // one flat string: a long key built with += keeps every piece alive
      const key = `${strict},${ids.join(',')}`;
      result = plan.results.get(key);
      if (!result) {
        const computed =
          this.#substituteChanges(plan, ids, variables, options.strict) ??
          this.#substituteAll(object.body, plan, variables, options.strict);
        result = computed.result;
        if (plan.results.size >= this.#limits.resultsPerBody)
          plan.results.clear();
        plan.results.set(key, result);
        plan.last = {
          strict: options.strict,
          ids,
          result,
          dependencies: computed.dependencies,
        };
      }
      if (identityKey) plan.results.set(identityKey, result);
    }
    return substitutedObject(object, plan, result);
  }

  #substituteAll(
    original: Record<string, any>,
    plan: MemoPlan,
    variables: Variables,
    strict: boolean,
  ): Computed {
    const lookup = (name: string) => variables.value(name);
    const dependencies: (Dependencies | undefined)[] = new Array(
      plan.readings.length,
    );
    const result = substituteBody(original, plan, n => {
      const evaluated = this.#outcomeFor(plan.readings[n], lookup, strict);
      dependencies[n] = evaluated.dependencies;
      return evaluated.outcome;
    });
    return { result, dependencies };
  }

  /**
   * The result for new values from the last result of the same body, when
   * only a few variables changed (the next cluster of a mesh, the same
   * cluster after a change): only the strings that refer to a changed
   * variable are substituted again, and only the containers on their way
   * are copied. Undefined when that cannot be done simply (problems,
   * renamed keys, many changes); the body is then substituted in full.
   */
  #substituteChanges(
    plan: MemoPlan,
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
      const evaluated = this.#outcomeFor(read, lookup, strict);
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

  /**
   * Lets a body that differs from another only in one scalar without a `$`
   * (a settings value edited on its line) start from the other's plan and
   * last result, so it is not walked and substituted again.
   */
  carryPlan(before: object, after: object, path: ObjectPath, scalar: unknown) {
    const plan = this.#plans.get(before);
    if (!plan || this.#plans.has(after)) return;
    const dollar = (v: unknown) => typeof v === 'string' && v.includes('$');
    if (dollar(getPath(before, path)) || dollar(scalar)) return;
    const carried: MemoPlan = {
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
    this.#plans.set(after, carried);
  }
}
