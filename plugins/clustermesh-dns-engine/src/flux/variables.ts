import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { secretPlaceholder } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from '../core/manifest';
import { hasOwn, isRecord } from '../core/paths';
import { locate } from '../yaml/locate';
import { isValidVariableName } from './envsubst';
import type { ProvidedSource } from './providedSources';

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
  /**
   * True when the source's keys are not known (an ExternalSecret that
   * extracts a whole vault item): it may define the variable, or not.
   */
  readonly unverified?: boolean;
  /**
   * True when the value is one given to this run (the conventions' values,
   * `--value`) for a source made outside the repository: the repository
   * does not hold it.
   */
  readonly given?: boolean;
}

/** The variables a Kustomization's substitution sees. @public */
export interface Variables {
  /** The text Flux inserts for a variable, or undefined when it is not defined. */
  value(name: string): string | undefined;
  /** Everything about a variable, or undefined. */
  get(name: string): VariableValue | undefined;
  /** Every defined name. */
  names(): string[];
  /**
   * Whether the Kustomization defines it itself (`postBuild.substitute`,
   * also as a parent's patches set it): that value wins over every source.
   */
  inline(name: string): boolean;
  /**
   * Whether a source whose keys are known, listed after the ConfigMap or
   * Secret named (`cluster-settings-user` after `cluster-settings`),
   * defines the name: Flux inserts that source's value, not the named one's.
   */
  definedAfter(name: string, source: { kind: string; name: string }): boolean;
  /** The names {@link Variables.definedAfter} is true of, for one source. */
  namesAfter(source: { kind: string; name: string }): ReadonlySet<string>;
}

/**
 * What a {@link VariableScope} may remember between scopes (a memo of the
 * engine cache): identities of source objects, their key lists, and which
 * names are valid. Without one, nothing is remembered and a scope has no
 * identity.
 *
 * @public
 */
export interface VariableScopeMemo {
  objectId(o: object): number;
  keysOf(record: Record<string, unknown>): string[];
  isValidName(name: string): boolean;
}

interface Layer {
  has(name: string): boolean;
  value(name: string): string;
  get(name: string): VariableValue;
  names(): string[];
  /** Any name may be defined here (its keys are not known). */
  opaque?: boolean;
  /** The Kustomization's own `postBuild.substitute`. */
  inline?: boolean;
  /** The ConfigMap or Secret whose data it is. */
  source?: { kind: string; name: string };
}

/** A ConfigMap data value as text (parsed YAML may hold numbers, booleans or null). */
/** A Secret's `data` value as text (kustomize and the API server keep it base64). */
function fromBase64(text: string): string {
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(text.replace(/\s/g, '')), c => c.charCodeAt(0)),
    );
  } catch {
    return text; // not base64: the API server refuses the Secret, said elsewhere
  }
}

function dataText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  return raw === null || raw === undefined ? '' : String(raw);
}

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
  #knownValues?: Readonly<Record<string, string>>;

  constructor(private readonly memo?: VariableScopeMemo) {}

  #keysOf(record: Record<string, unknown>): string[] {
    return this.memo ? this.memo.keysOf(record) : Object.keys(record);
  }

  /**
   * Adds the data of a ConfigMap; of a Secret, its keys, and its values
   * where it is kept in clear and `readPlainSecrets` says so (its
   * `stringData` over its base64 `data`, as the API server stores them);
   * a SOPS-encrypted Secret's values are never read.
   */
  addSource(
    source: ManifestObject,
    kind: 'ConfigMap' | 'Secret',
    sops: boolean,
    knownValues: Readonly<Record<string, string>>,
    /** Read a Secret's values where it is kept in clear (the CLI's default). */
    readPlainSecrets = false,
  ) {
    this.#namesAfter.clear();
    const named = `${kind} ${source.namespace ?? ''}/${source.name}`;
    const records = (kind === 'ConfigMap' ? ['data'] : ['stringData', 'data'])
      .filter(f => isRecord(source.body[f]))
      .map(field => ({
        field,
        record: source.body[field] as Record<string, unknown>,
      }));
    const fieldOf = (name: string) =>
      records.find(r => hasOwn(r.record, name))?.field;
    // a SOPS-encrypted ConfigMap's values are ciphertext here, as a
    // Secret's are (Flux decrypts both); a key left in clear is read
    const encrypted = (name: string) =>
      sops &&
      dataText(
        records.find(r => hasOwn(r.record, name))?.record[name],
      ).startsWith('ENC[');
    // a Secret's value kept in clear in the repository (the whole Secret,
    // or a key a SOPS file's encrypted_regex leaves in clear: s0len's,
    // worlddrknss') is read as Flux reads it where the conventions say so;
    // an encrypted one never
    const sealed = (name: string) =>
      (kind === 'Secret' && !readPlainSecrets) || encrypted(name);
    const originOf = (name: string) => {
      if (!sops) return named;
      return encrypted(name)
        ? `${named} (SOPS-encrypted)`
        : `${named} (a SOPS file that leaves this key in clear${
            kind === 'Secret' && !readPlainSecrets
              ? "; a Secret's values are not read here"
              : ''
          })`;
    };
    const value = (name: string) => {
      if (sealed(name)) return knownValues[name] ?? secretPlaceholder(name);
      const held =
        records.length === 1
          ? records[0]
          : records.find(r => hasOwn(r.record, name))!;
      let text = dataText(held.record[name]);
      if (kind === 'Secret' && held.field === 'data') text = fromBase64(text);
      return text.includes('\n') ? text.replace(/\n/g, '') : text; // Flux drops newlines
    };
    const single = records.length === 1 ? records[0].record : undefined;
    if (this.memo)
      this.#identity += `${kind[0]}${this.memo.objectId(source.body)}${
        sops ? 's' : ''
      }${readPlainSecrets ? 'r' : ''};`;
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
          secret: sealed(name) && knownValues[name] === undefined,
          origin: originOf(name),
          get location() {
            location ??= locate(source, [fieldOf(name)!, name]);
            return location;
          },
        };
      },
      names: () =>
        single
          ? this.#keysOf(single)
          : records.flatMap(r => this.#keysOf(r.record)),
      source: { kind, name: source.name },
    });
  }

  /**
   * Adds a source another controller provides (an ExternalSecret, a
   * SealedSecret) or that is made outside the repository: its values are
   * never known offline (the conventions' `values` may give them), and when
   * its keys are unknown it may define any variable.
   */
  addProvided(
    source: ProvidedSource,
    knownValues: Readonly<Record<string, string>>,
  ) {
    this.#namesAfter.clear();
    const origin = `${source.kind} ${source.namespace}/${source.name} (from ${source.by})`;
    const keys = source.keys && new Set(source.keys);
    const value = (name: string) =>
      knownValues[name] ?? secretPlaceholder(name);
    if (this.memo) this.#identity += `p${this.memo.objectId(source.identity)};`;
    this.#knownValues = knownValues;
    this.#layers.push({
      has: keys ? name => keys.has(name) : () => true,
      value,
      get: name => ({
        value: value(name),
        secret: knownValues[name] === undefined,
        origin,
        location: source.location,
        // a value given for it (--value) is what the cluster has
        unverified: !keys && knownValues[name] === undefined,
        given: knownValues[name] !== undefined,
      }),
      names: () => source.keys ?? [],
      opaque: !keys,
    });
  }

  /** True when a source may define variables whose names are not known. */
  get hasOpaqueSource(): boolean {
    return this.#layers.some(l => l.opaque);
  }

  /** Adds inline variables (`spec.postBuild.substitute`). */
  addInline(
    values: Record<string, string>,
    origin: string,
    locateName: (name: string) => SourceLocation | undefined,
  ) {
    this.#namesAfter.clear();
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
      inline: true,
    });
  }

  /**
   * A key that is equal for two scopes whose variables are certainly equal
   * (same source objects, same inline values), without reading them;
   * undefined without a memo, which gives objects their identities.
   */
  get identity(): string | undefined {
    if (!this.memo) return undefined;
    return `${this.#identity}${
      this.#knownValues ? this.memo.objectId(this.#knownValues) : ''
    }`;
  }

  get isEmpty(): boolean {
    return this.#layers.every(l => !l.opaque && l.names().length === 0);
  }

  /** Names Flux refuses (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`), which fail the whole Kustomization. */
  invalidNames(): string[] {
    const valid = (name: string) =>
      this.memo ? this.memo.isValidName(name) : isValidVariableName(name);
    const invalid: string[] = [];
    for (const layer of this.#layers) {
      for (const name of layer.names())
        if (!valid(name) && !invalid.includes(name)) invalid.push(name);
    }
    return invalid;
  }

  /**
   * The layer that defines a name: the last one that has it, except that a
   * source whose keys are not known (an ExternalSecret extracting a whole
   * vault item) is taken to define only names no known source defines. In
   * real repositories the cluster's secrets and its settings hold different
   * names (`cluster-secrets` after `cluster-settings`); reading every
   * setting as "maybe overridden by the secrets" would leave nothing known.
   */
  #layerOf(name: string): Layer | undefined {
    let opaque: Layer | undefined;
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const layer = this.#layers[i];
      if (layer.opaque) opaque ??= layer;
      else if (layer.has(name)) return layer;
    }
    return opaque;
  }

  value(name: string): string | undefined {
    return this.#layerOf(name)?.value(name);
  }

  /** The names sources listed after a source define, by `kind/name`: asked for every setting of a mesh. */
  readonly #namesAfter = new Map<string, ReadonlySet<string>>();

  definedAfter(name: string, source: { kind: string; name: string }): boolean {
    return this.namesAfter(source).has(name);
  }

  namesAfter(source: { kind: string; name: string }): ReadonlySet<string> {
    const key = `${source.kind}/${source.name}`;
    let after = this.#namesAfter.get(key);
    if (!after) {
      const at = this.#layers.findLastIndex(
        l => l.source?.kind === source.kind && l.source.name === source.name,
      );
      // the sources with known keys after it (inline values are said apart)
      after = new Set(
        at < 0
          ? []
          : this.#layers
              .slice(at + 1)
              .filter(l => !l.opaque && !l.inline)
              .flatMap(l => l.names()),
      );
      this.#namesAfter.set(key, after);
    }
    return after;
  }

  get(name: string): VariableValue | undefined {
    return this.#layerOf(name)?.get(name);
  }

  names(): string[] {
    return [...new Set(this.#layers.flatMap(l => l.names()))];
  }

  inline(name: string): boolean {
    // asked for every peer of a mesh: most scopes have no inline values,
    // and those that have them list them last (postBuild.substitute wins
    // over all), so the sources' data (a mesh's settings) is not searched
    let i = this.#layers.length - 1;
    for (; i >= 0 && this.#layers[i].inline; i--)
      if (this.#layers[i].has(name)) return true;
    for (let j = i; j >= 0; j--)
      if (this.#layers[j].inline) return this.#layerOf(name)?.inline === true;
    return false;
  }
}
