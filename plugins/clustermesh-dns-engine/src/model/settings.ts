import {
  secretPlaceholder,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject } from '../core/manifest';
import { hasOwn, isRecord } from '../core/paths';
import type { SubstitutedObject } from '../flux/substitute';
import type { Variables } from '../flux/variables';
import { locate } from '../yaml/locate';

/** A variable of a cluster's settings. @public */
export interface SettingValue {
  name: string;
  /** As written in the repository. */
  raw: string;
  /** As stored in the cluster and inserted by Flux (secret values as placeholders). */
  value: string;
  secret: boolean;
  origin: string;
  location: SourceLocation;
  /** Only a source whose keys are not known may define it: whether it does is unknown. */
  unverified?: boolean;
  /** Its value is one given to this run for a source made outside the repository. */
  given?: boolean;
}

/**
 * The settings of a cluster: its settings ConfigMap (as stored in the
 * cluster, after the substitution of the Kustomization that applies it),
 * then the keys of its settings Secret, then the variables the Cilium
 * values are substituted with (inline `postBuild.substitute`, values a
 * parent's patches inject, sources other controllers provide). A cluster of a large mesh has one
 * peer variable per other cluster, so values are read straight from the
 * ConfigMap and the full {@link SettingValue} is only built when asked for.
 *
 * @public
 */
export class ClusterSettings {
  readonly #data: Record<string, unknown>;
  readonly #secretKeys = new Map<
    string,
    { object: SubstitutedObject; field: string }
  >();
  readonly #built = new Map<string, SettingValue>();
  /** What sources listed after the ConfigMap define (`cluster-settings-user`), once asked. */
  #namesAfter?: ReadonlySet<string>;

  constructor(
    readonly configMap: SubstitutedObject | undefined,
    readonly secret: SubstitutedObject | undefined,
    private readonly knownValues: Readonly<Record<string, string>>,
    /** The variables of the Kustomization that applies the Cilium values, and where it is. */
    private readonly scope?: { variables: Variables; location: SourceLocation },
  ) {
    this.#data =
      configMap && isRecord(configMap.body.data) ? configMap.body.data : {};
    for (const field of ['data', 'stringData']) {
      const data = secret?.body[field];
      if (!isRecord(data)) continue;
      for (const key of Object.keys(data)) {
        if (!this.#secretKeys.has(key))
          this.#secretKeys.set(key, { object: secret!, field });
      }
    }
  }

  #inConfigMap(name: string): boolean {
    return hasOwn(this.#data, name);
  }

  /**
   * The settings ConfigMap, when it holds a variable whose value Flux takes
   * from another source (a Secret listed after it): described, for saying
   * why its plain value is not the one inserted.
   */
  shadowedIn(name: string): string | undefined {
    return this.#inConfigMap(name) &&
      this.#fromScope(name) &&
      !this.#inline(name)
      ? describeObject(this.configMap!)
      : undefined;
  }

  /** Whether the settings ConfigMap itself holds a variable (a plain value of the repository). */
  inConfigMap(name: string): boolean {
    return this.#inConfigMap(name) && !this.#fromScope(name);
  }

  has(name: string): boolean {
    return (
      this.#inConfigMap(name) ||
      this.#secretKeys.has(name) ||
      this.scope?.variables.get(name) !== undefined
    );
  }

  /**
   * Whether the Kustomization applying the Cilium values defines the
   * variable itself (`postBuild.substitute`): Flux inserts that value
   * there, whatever the settings ConfigMap holds.
   */
  #inline(name: string): boolean {
    return this.scope?.variables.inline(name) === true;
  }

  /**
   * Whether Flux's order of the sources decides the value: defined inline,
   * in both the ConfigMap and the Secret, or in a source listed after the
   * ConfigMap (`cluster-settings-user`): the one listed later in
   * `substituteFrom` wins, as the scope layers them.
   */
  #fromScope(name: string): boolean {
    return (
      this.#inline(name) ||
      (this.scope !== undefined &&
        this.#inConfigMap(name) &&
        (this.#secretKeys.has(name) ||
          (this.#namesAfter ??= this.scope.variables.namesAfter(
            this.configMap!,
          )).has(name)))
    );
  }

  /** The value Flux inserts for a variable (secrets as placeholders), or undefined. */
  value(name: string): string | undefined {
    if (this.#fromScope(name)) return this.scope!.variables.value(name);
    const v = this.#data[name];
    // parsed data holds strings, numbers, booleans or null, never the functions Object.prototype has
    if (typeof v === 'string') return v;
    if (this.#inConfigMap(name))
      return v === null || v === undefined ? '' : String(v);
    if (this.#secretKeys.has(name))
      return this.knownValues[name] ?? secretPlaceholder(name);
    return this.scope?.variables.value(name);
  }

  /** Everything about one variable, or undefined. */
  get(name: string): SettingValue | undefined {
    let built = this.#built.get(name);
    if (built || !this.has(name)) return built;
    if (this.#inConfigMap(name) && !this.#fromScope(name)) {
      const object = this.configMap!;
      const value = this.value(name)!;
      built = {
        name,
        raw: object.substitutedField?.(['data', name])?.raw ?? value,
        value,
        secret: false,
        origin: describeObject(object),
        location: locate(object, ['data', name]),
      };
    } else if (!this.#secretKeys.has(name) || this.#fromScope(name)) {
      const variable = this.scope!.variables.get(name)!;
      built = {
        name,
        raw: variable.value,
        value: variable.value,
        secret: variable.secret,
        origin: variable.origin,
        location: variable.location ?? this.scope!.location,
        unverified: variable.unverified,
        given: variable.given,
      };
    } else {
      const { object, field } = this.#secretKeys.get(name)!;
      const known = this.knownValues[name];
      built = {
        name,
        raw: known ?? secretPlaceholder(name),
        value: known ?? secretPlaceholder(name),
        secret: known === undefined,
        origin: describeObject(object),
        location: locate(object, [field, name]),
      };
    }
    this.#built.set(name, built);
    return built;
  }
}
