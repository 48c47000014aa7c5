import { Node, parseTemplate, Template } from './envsubstParser';

/**
 * Flux's post-build variable substitution language (fluxcd/pkg `envsubst`, a
 * fork of drone/envsubst), reimplemented to behave the same on the inputs
 * kustomize-controller sees:
 *
 * - `${VAR}` and the bash-like operators `${VAR:=default}`, `${VAR:-default}`,
 *   `${VAR=default}`, `${VAR:+x}`, `${VAR:?x}` (all four fall back to the
 *   default when the value is empty, as in Flux, not bash), `${#VAR}`,
 *   `${VAR^}`, `${VAR^^}`, `${VAR,}`, `${VAR,,}`, `${VAR:offset[:length]}`,
 *   `${VAR#glob}`, `${VAR##glob}`, `${VAR%glob}`, `${VAR%%glob}`,
 *   `${VAR/from/to}`, `${VAR//from/to}`, `${VAR/#from/to}`, `${VAR/%from/to}`;
 * - `$$` writes one `$`, so `$${VAR}` stays literally `${VAR}`;
 * - `$VAR` without braces is plain text;
 * - strict mode: a variable that is not defined and has no default fails,
 *   as kustomize-controller does from v1.9 on.
 *
 * Values are inserted verbatim: there is no second pass over them.
 */

/** @public */
export type EnvsubstResult =
  | { ok: true; output: string; variables: string[] }
  | { ok: false; error: string; variable?: string };

const defaultOps = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Go's path.Match as a regular expression (`*` and `?` never match `/`). */
function globToRegExp(pattern: string, anchorEnd: boolean): RegExp | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      i += 1;
      if (i >= pattern.length) return undefined;
      re += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return undefined;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^(?:${re})${anchorEnd ? '$' : ''}`, 'u');
  } catch {
    return undefined;
  }
}

function globMatches(pattern: string, s: string): boolean | undefined {
  const re = globToRegExp(pattern, true);
  return re ? re.test(s) : undefined;
}

function trimPrefix(s: string, pattern: string, longest: boolean): string {
  const chars = [...s];
  const order = longest
    ? chars.map((_, i) => chars.length - i)
    : chars.map((_, i) => i + 1);
  for (const len of order) {
    const candidate = chars.slice(0, len).join('');
    const match = globMatches(pattern, candidate);
    if (match === undefined) return s;
    if (match) return s.slice(candidate.length);
  }
  return s;
}

const reverse = (s: string) => [...s].reverse().join('');

function applyOp(op: string, v: string, args: string[]): string {
  switch (op) {
    case ',':
      return v ? v[0].toLowerCase() + v.slice(1) : v;
    case ',,':
      return v.toLowerCase();
    case '^':
      return v ? v[0].toUpperCase() + v.slice(1) : v;
    case '^^':
      return v.toUpperCase();
    case '#':
      // `${#VAR}` is the length; `${VAR#glob}` trims the shortest prefix
      return args.length === 0
        ? String(encoder.encode(v).length)
        : trimPrefix(v, args[0], false);
    case '##':
      return trimPrefix(v, args[0] ?? '', true);
    case '%':
      return reverse(trimPrefix(reverse(v), reverse(args[0] ?? ''), false));
    case '%%':
      return reverse(trimPrefix(reverse(v), reverse(args[0] ?? ''), true));
    case ':':
      return substring(v, args);
    case '/':
      return args[0] === undefined
        ? v
        : v.replace(args[0], () => args[1] ?? '');
    case '//':
      return args[0] === undefined || args[0] === ''
        ? v
        : v.split(args[0]).join(args[1] ?? '');
    case '/#':
      return args.length === 2 && v.startsWith(args[0])
        ? args[1] + v.slice(args[0].length)
        : v;
    case '/%':
      return args.length === 2 && v.endsWith(args[0])
        ? v.slice(0, v.length - args[0].length) + args[1]
        : v;
    default:
      // '', '=', ':=', ':-', ':?', ':+', '-', '+', '?': Flux's toDefault
      return v.length === 0 && args.length > 0 ? args.join('') : v;
  }
}

/** Go's byte-indexed substring of ${VAR:pos:len}. */
function substring(v: string, args: string[]): string {
  const bytes = encoder.encode(v);
  const parseInt10 = (s: string) =>
    /^\s*-?\d+\s*$/.test(s) ? parseInt(s, 10) : NaN;
  let pos = parseInt10(args[0] ?? '');
  if (Number.isNaN(pos)) return v;
  if (pos < 0) pos = Math.max(0, bytes.length + pos);
  if (args.length === 1)
    return pos < bytes.length ? decoder.decode(bytes.slice(pos)) : '';
  const length = parseInt10(args[1]);
  if (Number.isNaN(length)) return v;
  if (length < 0) {
    const end = bytes.length + length;
    return end < pos ? '' : decoder.decode(bytes.slice(pos, end));
  }
  if (pos + length >= bytes.length) {
    return pos < bytes.length ? decoder.decode(bytes.slice(pos)) : '';
  }
  return decoder.decode(bytes.slice(pos, pos + length));
}

class VarNotSet extends Error {
  constructor(readonly variable: string) {
    super(`variable not set (strict mode): "${variable}"`);
  }
}

/**
 * What an output depended on, by variable: true when the variable's value
 * reached the output (or chose a default), false when only whether it is
 * defined mattered (a default that was not taken: strict mode still fails
 * on its undefined variables). Lookups that agree on these give the same
 * output.
 *
 * @public
 */
export type EnvsubstDependencies = Map<string, boolean>;

function depend(deps: EnvsubstDependencies, name: string, valueUsed: boolean) {
  deps.set(name, deps.get(name) === true || valueUsed);
}

function evaluate(
  nodes: Node[],
  lookup: (name: string) => string | undefined,
  strict: boolean,
  deps?: EnvsubstDependencies,
): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += node.value;
      continue;
    }
    const argDeps: EnvsubstDependencies | undefined = deps && new Map();
    const args = node.args.map(arg => evaluate(arg, lookup, strict, argDeps));
    const found = lookup(node.param);
    if (found === undefined && strict && !defaultOps.has(node.op)) {
      throw new VarNotSet(node.param);
    }
    const value = found ?? '';
    out += applyOp(node.op, value, args);
    if (deps) {
      // applyOp's default branch takes the arguments only for an empty value
      const takesDefault = node.op === '' || defaultOps.has(node.op);
      const argsUsed = !takesDefault || (value.length === 0 && args.length > 0);
      depend(deps, node.param, true);
      for (const [name, used] of argDeps!) depend(deps, name, argsUsed && used);
    }
  }
  return out;
}

/**
 * Parsed texts, kept by an engine cache: the same texts recur in every
 * cluster of a mesh. Bounded by the number of texts.
 *
 * @public
 */
export class EnvsubstTemplates {
  readonly #templates = new Map<string, Template>();

  constructor(private readonly maxEntries = 50_000) {}

  /** @internal */
  get(input: string): Template {
    let t = this.#templates.get(input);
    if (!t) {
      t = parseTemplate(input);
      if (this.#templates.size >= this.maxEntries) this.#templates.clear();
      this.#templates.set(input, t);
    }
    return t;
  }

  get size(): number {
    return this.#templates.size;
  }
}

const template = (input: string, templates?: EnvsubstTemplates) =>
  templates ? templates.get(input) : parseTemplate(input);

/**
 * Substitutes variables in a text as Flux's kustomize-controller does.
 *
 * @param lookup - the value of a variable, undefined when it is not defined
 * @public
 */
export function envsubst(
  input: string,
  lookup: (name: string) => string | undefined,
  options: {
    strict: boolean;
    /** Filled with what the output depended on (see {@link EnvsubstDependencies}). */
    dependencies?: EnvsubstDependencies;
    /** Parsed texts to reuse; each text is parsed afresh without. */
    templates?: EnvsubstTemplates;
  },
): EnvsubstResult {
  if (!input.includes('$')) return { ok: true, output: input, variables: [] };
  const t = template(input, options.templates);
  if ('error' in t) return { ok: false, error: t.error };
  try {
    const output = evaluate(
      t.nodes,
      lookup,
      options.strict,
      options.dependencies,
    );
    return { ok: true, output, variables: t.variables };
  } catch (error) {
    if (error instanceof VarNotSet) {
      return { ok: false, error: error.message, variable: error.variable };
    }
    return { ok: false, error: (error as Error).message };
  }
}

/** The names of the variables a text refers to (`${NAME...}`), in order. @public */
export function referencedVariables(
  input: string,
  templates?: EnvsubstTemplates,
): string[] {
  if (!input.includes('${')) return [];
  const t = template(input, templates);
  return 'error' in t ? [] : t.variables;
}

/** Flux's rule for variable names: `^[_[:alpha:]][_[:alpha:][:digit:]]*$`. @public */
export function isValidVariableName(name: string): boolean {
  return /^[_A-Za-z][_A-Za-z0-9]*$/.test(name);
}

/** True when a value is text that still holds a `${...}` reference. @public */
export function hasUnresolvedReference(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.includes('${') &&
    /\$\{[^}]*\}/.test(value)
  );
}
