import { isScalar, parseDocument, Schema } from 'yaml';

/**
 * How Go's yaml.v2 (used by kustomize and kustomize-controller to turn a
 * resource into the YAML text that Flux substitutes) writes a string.
 * Flux runs envsubst on that text and parses the result again, so the style
 * decides what a substituted value becomes: a plain `${PORT}` turns into the
 * number 2379, a `#` in a plain value starts a comment.
 */
/** @public */
export type GoYamlStyle = 'plain' | 'single' | 'double' | 'literal';

const yaml11 = { version: '1.1' as const };

/** The implicit scalar tags of YAML 1.1 (null, bool, int, float, timestamp...), from the yaml library. */
const implicitTags = new Schema({ schema: 'yaml-1.1' }).tags.filter(
  (t: any) => t.test instanceof RegExp && t.tag !== 'tag:yaml.org,2002:merge',
) as {
  test: RegExp;
  resolve: (
    text: string,
    onError: (m: string) => void,
    options: any,
  ) => unknown;
}[];

/**
 * The first characters for which Go's yaml.v2 (kustomize, Flux) looks for
 * a null, boolean, number or timestamp; any other plain scalar is a string
 * to it, even `e5`, which the yaml library's YAML 1.1 tags read as 500000.
 */
const implicitStart = /^[-+.~0-9nNyYtTfFoO]/;

/**
 * Who reads a file's plain scalars: kustomize (kyaml, on Go's yaml.v3) for
 * manifests, where `no`, `on` or `y` are strings and only `true`/`false`
 * are booleans; Helm (Go's yaml.v2, YAML 1.1) for values files and values
 * kept in a ConfigMap, where `no` is false.
 *
 * @public
 */
export type YamlDialect = 'kustomize' | 'helm';

/** The YAML 1.1 booleans that yaml.v3 (kustomize) reads as strings. */
const yaml11OnlyBoolean =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
/** YAML 1.1's base 60 numbers (`190:20:30`), strings to yaml.v3 and yaml.v2. */
const base60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** Longer values are rarely repeated (certificates, scripts); they are not interned. */
const maxInternedLength = 256;

/**
 * Resolves plain scalars as Go's YAML libraries read them, remembering each
 * text's resolution: keys and values recur in every file of a mesh. One
 * resolver belongs to one engine cache (or to one validation) and one
 * dialect.
 *
 * @public
 */
export class ScalarResolver {
  readonly #resolutions = new Map<string, { value: unknown } | null>();
  readonly #interned = new Map<string, string>();
  /** What a reader built on this resolver (its js-yaml schema), made once. @internal */
  readerState?: unknown;

  constructor(
    private readonly maxEntries = 100_000,
    /** Who reads the files this resolver reads. */
    readonly dialect: YamlDialect = 'kustomize',
  ) {}

  /**
   * The value of a plain scalar of a file as its reader (the dialect's)
   * reads it, when it is not a string.
   */
  resolvePlain(text: string): { value: unknown } | undefined {
    const resolved = this.resolve(text);
    // only what YAML 1.1 reads as a boolean or a number may differ
    if (!resolved) return resolved;
    if (
      typeof resolved.value === 'boolean' &&
      this.dialect === 'kustomize' &&
      yaml11OnlyBoolean.test(text)
    )
      return undefined;
    if (typeof resolved.value === 'number' && base60.test(text))
      return undefined;
    return resolved;
  }

  /**
   * The value of a plain scalar's text as yaml.v2 reads it, when it is not
   * a string: the yaml library's YAML 1.1 tags, for the scalars yaml.v2
   * resolves at all. Flux reads a manifest so after substitution.
   */
  resolve(text: string): { value: unknown } | undefined {
    if (text !== '' && !implicitStart.test(text)) return undefined;
    let resolution = this.#resolutions.get(text);
    if (resolution === undefined) {
      resolution = resolveWithTags(text) ?? null;
      if (this.#resolutions.size >= this.maxEntries) this.#resolutions.clear();
      this.#resolutions.set(text, resolution);
    }
    return resolution ?? undefined;
  }

  /**
   * One copy of a short string value read from files: a mesh's settings
   * hold the same peer names in every cluster, and copies that survive
   * parsing cost the garbage collector more than a lookup.
   */
  intern(text: string): string {
    if (text.length > maxInternedLength) return text;
    const found = this.#interned.get(text);
    if (found !== undefined) return found;
    if (this.#interned.size >= this.maxEntries) this.#interned.clear();
    this.#interned.set(text, text);
    return text;
  }

  /** How many strings are interned (for tests). */
  get internedSize(): number {
    return this.#interned.size;
  }

  /** How many resolutions are remembered (for tests). */
  get size(): number {
    return this.#resolutions.size;
  }
}

function resolveWithTags(text: string): { value: unknown } | undefined {
  for (const tag of implicitTags) {
    if (tag.test.test(text)) {
      let failed = false;
      let value = tag.resolve(text, () => (failed = true), {
        intAsBigInt: false,
      });
      if (isScalar(value)) value = value.value; // some tags (bool) resolve to a Scalar
      if (!failed)
        return { value: typeof value === 'bigint' ? Number(value) : value };
    }
  }
  return undefined;
}

const indicators = new Set([...`-?:,[]{}#&*!|>'"%@\``]);
// control characters make yaml.v2 use double quotes
/* eslint-disable no-control-regex */
const specialCharacters =
  /[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/;
/* eslint-enable no-control-regex */

/** True when text can be written as a plain scalar without changing its structure. */
function plainSafe(text: string): boolean {
  return !(
    text === '' ||
    /^\s|\s$/.test(text) ||
    indicators.has(text[0]) ||
    text.includes(': ') ||
    text.includes(' #') ||
    text.endsWith(':') ||
    text.includes('\t') ||
    text.includes('\n')
  );
}

/** The style yaml.v2 picks for a string value. */
export function goYamlStyle(
  value: string,
  scalars: ScalarResolver,
): GoYamlStyle {
  if (value.includes('\n')) return 'literal';
  if (specialCharacters.test(value)) return 'double';
  if (!plainSafe(value)) return 'single';
  // strings that YAML would read as null, bool or a number are quoted
  return scalars.resolve(value) ? 'double' : 'plain';
}

/** Writes a string in the given style as a single-line (or literal block) scalar. */
export function writeGoYamlScalar(value: string, style: GoYamlStyle): string {
  switch (style) {
    case 'plain':
      return value;
    case 'single':
      return `'${value.replace(/'/g, "''")}'`;
    case 'double':
      return JSON.stringify(value);
    case 'literal':
      return `|-\n${value
        .split('\n')
        .map(line => `  ${line}`)
        .join('\n')}`;
    default:
      return value;
  }
}

/** Result of reading a substituted scalar back: a scalar, or the collection it became. */
export type ReparsedScalar =
  | {
      ok: true;
      value:
        | string
        | number
        | boolean
        | null
        | unknown[]
        | Record<string, unknown>;
    }
  | { ok: false; reason: string };

function fullParse(text: string): ReparsedScalar {
  const doc = parseDocument(`v: ${text}\n`, yaml11);
  if (doc.errors.length) {
    return { ok: false, reason: doc.errors[0].message.split('\n')[0] };
  }
  const node = (doc.contents as any)?.items?.[0]?.value;
  if (node === null || node === undefined) return { ok: true, value: null };
  // Flux parses the substituted text whole: `args: ${ARGS:=[]}` is a list
  if (!isScalar(node)) return { ok: true, value: node.toJSON() };
  const value = node.value;
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null
  ) {
    return { ok: true, value };
  }
  if (typeof value === 'bigint') return { ok: true, value: Number(value) };
  return {
    ok: true,
    value: typeof node.source === 'string' ? node.source : String(value),
  };
}

/**
 * Parses scalar text as it stands after substitution, the way Flux does
 * after envsubst: YAML 1.1 resolution (so `true`, `2379`, `~` change type),
 * a flow collection (`[]`, `{a: 1}`) read as one, and a failure when the
 * text is no longer valid YAML. Simple text is
 * resolved with the library's YAML 1.1 tags directly; anything that could
 * change structure goes through the full parser.
 */
export function reparseScalar(
  text: string,
  scalars: ScalarResolver,
): ReparsedScalar {
  if (plainSafe(text) && !specialCharacters.test(text)) {
    const implicit = scalars.resolve(text);
    if (!implicit) return { ok: true, value: text };
    const v = implicit.value;
    if (v === null || typeof v === 'number' || typeof v === 'boolean')
      return { ok: true, value: v };
    return { ok: true, value: text }; // timestamps are kept as written
  }
  if (/^'[^']*'$/.test(text)) return { ok: true, value: text.slice(1, -1) };
  return fullParse(text);
}

/** A plain scalar's value as the resolver's dialect reads it; timestamps stay as written. */
export function plainValue(text: string, scalars: ScalarResolver): unknown {
  const value = scalars.resolvePlain(text)?.value;
  if (value === null || typeof value === 'boolean') return value;
  // as in Kubernetes' JSON: no NaN, no infinities, no negative zero
  if (typeof value === 'number')
    return Number.isFinite(value) ? value + 0 : null;
  return text;
}
