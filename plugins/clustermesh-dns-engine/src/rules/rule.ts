import {
  CheckResult,
  formatLocation,
  RuleId,
  Severity,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineFinding } from '../core/finding';
import type { ObjectPath } from '../core/paths';
import { caseVariantOf, readsValuesPath } from '../cilium/values';
import type { MeshConventions } from '../conventions/schema';
import { escapeRegExp } from '../core/text';
import { hasUnresolvedReference } from '../flux/envsubst';
import { clusterPath, isClusterMeshVariable } from '../conventions/templates';
import {
  appliesOrIs,
  inRepositoryLayout,
  lineAt,
  substitutionOptOut,
} from '../model/queries';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import {
  settingsUnread,
  settingsWantedUnknown,
  settingsWriteTarget,
} from '../model/writeTargets';
import type { ClusterModel, MeshModel, RepositoryFacts } from '../model/types';

/**
 * What every rule declares, as ESLint's rule `meta` does: its id, what it
 * checks, how to fix a failure, and the messages it reports.
 *
 * @public
 */
export interface RuleMeta<MessageId extends string = string> {
  id: RuleId;
  title: string;
  severity: 'error' | 'warning';
  /** What the rule checks, in one or two sentences (the docs). */
  description: string;
  /**
   * How to fix a failure, in the repository's conventions (paths, variable
   * names) and, where it says, at the file the failure points at.
   */
  remediation(
    conventions: MeshConventions,
    /** The failure to fix; none for the rule's docs. */
    failure?: RuleFailure<NoInfer<MessageId>>,
  ): string;
  /** Its messages, by id; `{{name}}` is replaced by the reported data. */
  messages: Record<MessageId, string>;
  /**
   * The messages that report something absent. When the cluster uses a
   * feature the engine does not evaluate, that feature may provide it: such
   * a failure is then "not evaluated", naming the feature, not an error.
   */
  absence?: readonly NoInfer<MessageId>[];
  /**
   * The messages that report a field or key absent from an object that was
   * found and read (a variable missing from the settings, a value missing
   * from the Cilium values). What the engine did not evaluate hides such a
   * field only when it may change what was read (a transformer, values not
   * read); a remote resource or another source only adds objects.
   */
  fieldAbsence?: readonly NoInfer<MessageId>[];
  /**
   * The object whose fields `fieldAbsence` reports missing: the settings
   * (default; without a settings object found, a part not evaluated may
   * add the one that holds them) or the Cilium values (found when the
   * cluster's Cilium release or values file is read).
   */
  fieldsOf?: 'settings' | 'cilium';
  /**
   * The messages that report a variable missing (from the settings, from
   * what a Kustomization substitutes): a substitution source that is not
   * read may define it. Such a source softens no other failure: it adds
   * no object and no field.
   */
  variables?: readonly NoInfer<MessageId>[];
  /**
   * Of `variables`, those that report a key missing from the settings
   * (not a variable inside a settings value): a source that only the
   * Kustomization applying the settings substitutes from cannot add a key
   * to them, so it softens these only where it feeds what substitutes the
   * values (gavinmcfall's cluster-user-settings, given to cluster-apps).
   */
  settingsKeys?: readonly NoInfer<MessageId>[];
}

/** Builds a rule's results, each message from its templates. @public */
export interface RuleResults<MessageId extends string> {
  pass(
    message: MessageId,
    data?: MessageData,
    location?: SourceLocation,
  ): CheckResult;
  fail(
    message: MessageId,
    data?: MessageData,
    location?: SourceLocation,
    /** The finding whose cause this failure is (its id). */
    cause?: string,
  ): CheckResult;
  /**
   * A failure of warning severity whatever the rule's: something that still
   * works, but not as intended (an entry for a cluster outside the mesh).
   */
  warn(
    message: MessageId,
    data?: MessageData,
    location?: SourceLocation,
  ): CheckResult;
  /** The rule does not apply here (e.g. a DNSEndpoint rule in manual DNS mode). */
  notApplicable(
    message: MessageId,
    data?: MessageData,
    location?: SourceLocation,
  ): CheckResult;
  /** The rule applies but its inputs cannot be read; the message says why. */
  notEvaluated(
    message: MessageId,
    data?: MessageData,
    location?: SourceLocation,
  ): CheckResult;
}

/** The values a message template takes. @public */
export type MessageData = Record<string, string | number>;

/** A rule that checks each cluster on its own. @public */
export interface ClusterRule<MessageId extends string = string>
  extends RuleMeta<MessageId> {
  scope: 'cluster';
  check(
    mesh: MeshModel,
    cluster: ClusterModel,
    report: RuleResults<MessageId>,
  ): CheckResult[];
}

/**
 * A rule that looks at the whole mesh at once. Its failures may concern
 * one cluster each (`forCluster`), its passes concern the mesh.
 *
 * @public
 */
export interface MeshRule<MessageId extends string = string>
  extends RuleMeta<MessageId> {
  scope: 'mesh';
  check(
    mesh: MeshModel,
    report: RuleResults<MessageId> & {
      forCluster(cluster: ClusterModel): RuleResults<MessageId>;
    },
  ): CheckResult[];
}

/** @public */
export type Rule = ClusterRule | MeshRule;

/** Declares a per-cluster rule (typed messages). @public */
export function defineClusterRule<MessageId extends string>(
  rule: ClusterRule<MessageId>,
): ClusterRule<MessageId> {
  return rule;
}

/** Declares a mesh-wide rule (typed messages). @public */
export function defineMeshRule<MessageId extends string>(
  rule: MeshRule<MessageId>,
): MeshRule<MessageId> {
  return rule;
}

/**
 * A message template filled in: `{{name}}` is the value, `{{name:noun}}` a
 * count with its noun (`1 peer`, `2 peers`). A missing value is a bug of
 * the rule.
 */
export function formatMessage(template: string, data: MessageData = {}) {
  return template.replace(
    /\{\{(\w+)(?::([^{}]+))?\}\}/g,
    (_, name: string, noun?: string) => {
      if (!(name in data))
        throw new Error(`message "${template}" needs a value for ${name}`);
      const value = data[name];
      if (noun === undefined) return String(value);
      if (value === 1) return `${value} ${noun}`;
      // address → addresses, but LB IP → LB IPs
      return `${value} ${noun}${/(s|x|z|ch|sh)$/.test(noun) ? 'es' : 's'}`;
    },
  );
}

/** A failure as its remedy sees it. @public */
export interface RuleFailure<MessageId extends string = string> {
  id: MessageId;
  location?: SourceLocation;
  /** What the failure's message says (the values of its placeholders). */
  data?: Readonly<MessageData>;
  /**
   * Whether the repository keeps files where a conventions' path (with
   * `{cluster}`, for the failing cluster) points: the file, or its folder's
   * kustomization. Absent when not known (the rule's docs).
   */
  inRepository?: (path: string) => boolean;
  /**
   * The Kustomization that applies the file the failure points at, when it
   * does not substitute (no `spec.postBuild`): a `${VAR}` written there
   * reaches the cluster as written. Absent when it substitutes, or not known.
   */
  unsubstitutedBy?: () => string | undefined;
  /**
   * Where that Kustomization is left out of the substitution a parent's
   * patch gives its children, by a label it has or lacks: the fix, in
   * words. Absent otherwise.
   */
  unsubstitutedOptOut?: () => string | undefined;
  /**
   * The Kustomization that applies the file the failure points at when it
   * substitutes (a postBuild) but defines no such variable: a `${VAR}`
   * written there becomes empty (or fails, strict). Absent otherwise.
   */
  leavesUndefined?: (variable: string) => string | undefined;
  /** Whether the cluster applies a settings ConfigMap (of the conventions' name) at all. */
  settingsApplied?: boolean;
  /** The bootstrap helmfiles that install the failing file's values as they are. */
  readByBootstrap?: () => readonly string[];
  /** Whether other clusters apply the failing file too (one value there is every one's). */
  sharedFile?: () => boolean;
  /**
   * The Kustomization that applies the cluster's Cilium values, with their
   * file, when it does not substitute: settings never reach them. Absent
   * when it substitutes, or not known.
   */
  valuesUnsubstitutedBy?: () => { key: string; file: string } | undefined;
  /**
   * Where the settings of a cluster that has none go, as `configure`
   * creates them: the file, the kustomization that lists it (none when
   * Flux generates one), and the Kustomization that substitutes from it.
   * Absent when the cluster has settings, or they cannot be created.
   */
  newSettings?: () =>
    | { file: string; listedIn?: string; substitutedBy: string }
    | undefined;
}

/** The Kustomization that applies the cluster's Cilium values, in words (for a message naming what substitutes them). @internal */
export function ciliumApplierWords(c: ClusterModel): string {
  return c.cilium?.appliedBy
    ? `Kustomization ${c.cilium.appliedBy.key}`
    : 'the Kustomization applying them';
}

/**
 * The Kustomization that applies a value still holding a `${…}`, where it
 * fails (its strict substitution on another variable, its build): Flux
 * applies none of it, so the value is not what the cluster gets, and the
 * failure is said once, where it is (gavinmcfall's one undefined peer
 * variable). Undefined otherwise.
 *
 * @internal
 */
export function failingApplierOf(
  value: unknown,
  by: { key: string; failed: boolean } | undefined,
): string | undefined {
  return by?.failed && hasUnresolvedReference(value) ? by.key : undefined;
}

/** The Kustomization that applies a file to the cluster, when it substitutes but defines no such variable. */
function undefinedByApplier(
  cluster: ClusterModel,
  file: string,
  variable: string,
  /** The settings ConfigMap: one the Kustomization substitutes from already lacks the key (settings-present says so). */
  settings: string,
): string | undefined {
  const applied = cluster.render.objects.find(
    ({ object }) => object.source.file === file,
  );
  const by = applied?.appliedBy;
  return by?.postBuild &&
    by.variables.get(variable) === undefined &&
    !by.substituteFrom.some(
      ref => ref.kind === 'ConfigMap' && ref.name === settings,
    )
    ? by.key
    : undefined;
}

/** The Kustomization that applies a file to the cluster, when it does not substitute. */
function unsubstitutedApplier(
  cluster: ClusterModel,
  file: string,
): RenderedKustomization | undefined {
  // the object's own file, a generator's key file, or a patch of it
  const applied = cluster.render.objects.find(
    ({ object }) =>
      object.source.file === file ||
      Object.values(object.source.keyFiles ?? {}).includes(file) ||
      (object.source.patches?.some(p => p.file === file) ?? false),
  );
  return applied && !applied.appliedBy.postBuild
    ? applied.appliedBy
    : undefined;
}

/**
 * What a remedy that writes `${VAR}` into the Cilium values adds when the
 * Kustomization applying them does not substitute.
 *
 * @internal
 */
export function substitutionRemedy(
  conventions: MeshConventions,
  failure: RuleFailure | undefined,
  /** The variable the remedy writes, where one: said when the Kustomization substitutes but defines none such. */
  variable?: string,
): string {
  const by = failure?.unsubstitutedBy?.();
  const leaves =
    !by && variable && failure?.location
      ? failure.leavesUndefined?.(variable)
      : undefined;
  // it substitutes, but not from the settings (Bchast93's cilium, from
  // cluster-secrets alone)
  if (leaves)
    return ` Kustomization ${leaves}, which applies ${
      failure!.location!.file
    }, defines no ${variable} in its post-build substitution: add \`{kind: ConfigMap, name: ${
      conventions.settings.configMap
    }}\` to its \`postBuild.substituteFrom\` (the settings that hold it), or write the value out, since Flux substitutes an empty string for it there (strict, from Flux 2.9, it fails the Kustomization).`;
  if (!by || !failure?.location) return '';
  // left out of a parent's substitution by a label: that label is the fix
  // (a substituteFrom of the settings alone would miss the parent's other
  // sources: TylerHendrickson's copy, SECRET_DOMAIN in cluster-secrets)
  const optOut = failure.unsubstitutedOptOut?.();
  if (optOut)
    return ` Kustomization ${by}, which applies ${failure.location.file}, does not substitute: ${optOut}, since Flux leaves \`\${...}\` as written there (substitution-complete says the same).`;
  const substituteFrom = `\`postBuild.substituteFrom: [{kind: ConfigMap, name: ${conventions.settings.configMap}}]\``;
  // a substituteFrom naming a ConfigMap no one applies fails the Kustomization
  return failure.settingsApplied === false
    ? ` Kustomization ${by}, which applies ${failure.location.file}, does not substitute, and the cluster applies no ConfigMap ${conventions.settings.configMap}: write the values out there (as \`clustermesh-dns configure\` does), or create that ConfigMap with them and then give ${by} ${substituteFrom}, since Flux leaves \`\${...}\` as written and fails a Kustomization whose substitution source is missing.`
    : ` Kustomization ${by}, which applies ${failure.location.file}, does not substitute: give it ${substituteFrom}, or write the values out, since Flux leaves \`\${...}\` as written there.`;
}

/**
 * Why a remedy writes the value itself, not a `${VAR}`, into the file a
 * failure points at: the conventions' plain Cilium values file
 * (`cilium.valuesFile`), which Flux never substitutes, or a file a
 * bootstrap helmfile installs as it is (as `configure` writes it there).
 * Undefined when a variable may go there.
 *
 * @internal
 */
export function writtenOutBecause(
  conventions: MeshConventions,
  failure:
    | Pick<RuleFailure, 'location' | 'readByBootstrap' | 'sharedFile'>
    | undefined,
  /** Whether the value may be secret (an FQDN): a bootstrap's file then keeps the variable, said so. */
  maySecret = false,
):
  | {
      why: string;
      /** Set when the variable stays: the sentence a remedy adds about the bootstrap. */
      note?: string;
    }
  | undefined {
  const file = failure?.location?.file;
  if (!file) return undefined;
  const template = conventions.cilium.valuesFile;
  if (template) {
    const pattern = escapeRegExp(template).replace(
      escapeRegExp('{cluster}'),
      '[^/]+',
    );
    if (new RegExp(`^${pattern}$`).test(file))
      return { why: 'Flux does not substitute a plain values file' };
  }
  const helmfiles = failure.readByBootstrap?.() ?? [];
  if (!helmfiles.length) return undefined;
  const why = `${helmfiles.join(', ')} ${
    helmfiles.length > 1 ? 'read' : 'reads'
  } ${file} to install a new cluster, where Flux does not substitute`;
  // a name that may be secret, or a file other clusters share, keeps the
  // variable, as configure leaves it: the first install gets it as written
  const shared = failure.sharedFile?.() ?? false;
  if (!maySecret && !shared) return { why };
  return {
    why,
    note: ` ${why}: ${
      shared
        ? "one file cannot hold each cluster's own value, so"
        : 'write the name itself there if it is not secret, else'
    } the \`\${…}\` reaches that first install as written, until Flux reconciles the HelmRelease.`,
  };
}

/**
 * A conventions' path as a remedy names it: with the setting to change when
 * the repository keeps nothing there (a default of another layout), so the
 * remedy does not send the user to a folder the repository does not have.
 *
 * @internal
 */
export function conventionsPath(
  path: string,
  setting: string,
  failure: Pick<RuleFailure, 'inRepository'> | undefined,
): string {
  const shown = `\`${clusterPath(path, '<cluster>')}\``;
  return failure?.inRepository && !failure.inRepository(path)
    ? `${shown} (the conventions' \`${setting}\`, a place this repository does not use: set it to where the repository keeps such a file)`
    : shown;
}

/**
 * Whether a part not evaluated can hide what a rule found missing, by where
 * it acts: one release's values (`valuesOf`) change that release only and
 * add no object; a build's part (`build`) changes the objects of that build
 * (and of the Kustomizations it applies) only.
 */
function mayHide(
  f: EngineFinding,
  rule: Pick<RuleMeta<string>, 'absence' | 'fieldsOf'>,
  id: string,
  cluster: ClusterModel,
): boolean {
  const objectMissing = rule.absence?.includes(id) ?? false;
  // the object that holds the field found missing, and what applies it
  const holder =
    rule.fieldsOf === 'cilium'
      ? cluster.cilium && {
          // as the values' reader names the release: its namespace, or its Kustomization's
          name: cluster.cilium.object
            ? `${
                cluster.cilium.object.namespace ??
                cluster.cilium.appliedBy?.namespace
              }/${cluster.cilium.object.name}`
            : undefined,
          appliedBy: cluster.cilium.appliedBy,
        }
      : cluster.settingsObject && {
          name: undefined,
          appliedBy: cluster.settingsObject.appliedBy,
        };
  // a part confined to one namespace provides nothing namespaced elsewhere
  if (f.onlyNamespace !== undefined && cluster) {
    const needed =
      rule.fieldsOf === 'cilium'
        ? cluster.cilium?.object?.namespace ??
          cluster.cilium?.appliedBy?.namespace ??
          cluster.cilium?.releaseNamespace
        : cluster.settingsObject?.appliedBy.namespace ??
          cluster.cilium?.appliedBy?.namespace ??
          'flux-system';
    if (needed !== undefined && needed !== f.onlyNamespace) return false;
  }
  if (f.valuesOf !== undefined)
    return (
      !objectMissing &&
      rule.fieldsOf === 'cilium' &&
      holder?.name === f.valuesOf &&
      // values set at paths nothing reads (a peer's certificate) hide nothing
      (f.valuesPaths === undefined || f.valuesPaths.some(readsValuesPath))
    );
  if (f.build !== undefined && f.mayChange && !objectMissing && holder)
    return (
      holder.appliedBy === undefined ||
      appliesOrIs(cluster, f.build, holder.appliedBy)
    );
  return true;
}

/**
 * Said after "not set" where the Cilium values hold the path with other
 * case (`Cluster:`): where it is, and that the chart does not read it.
 * Empty otherwise.
 *
 * @internal
 */
export function caseVariantNote(
  cluster: ClusterModel,
  path: readonly string[],
): string {
  const variant = cluster.cilium && caseVariantOf(cluster.cilium.values, path);
  return variant
    ? ` (the values set \`${variant.join('.')}\` at ${formatLocation(
        cluster.cilium!.locate(variant),
      )}, which the chart does not read: its keys are case-sensitive)`
    : '';
}

/** The results builder of a rule for one cluster (or the mesh). @internal */
export function ruleResults<MessageId extends string>(
  rule: RuleMeta<MessageId>,
  conventions: MeshConventions,
  cluster?: ClusterModel,
  repository?: Pick<RepositoryFacts, 'isFile' | 'kustomizationFile'>,
  /** The mesh, for what a remedy asks of it (where configure writes). */
  mesh?: MeshModel,
): RuleResults<MessageId> {
  const result = (
    declaredOutcome: CheckResult['outcome'],
    declaredSeverity: Severity,
    id: MessageId,
    data?: MessageData,
    location?: SourceLocation,
    cause?: string,
  ): CheckResult => {
    let message = formatMessage(rule.messages[id], data);
    let outcome = declaredOutcome;
    let severity = declaredSeverity;
    // without the object found, its fields may be in what was not read
    const fieldAbsent =
      (rule.fieldAbsence?.includes(id) ?? false) &&
      (rule.fieldsOf === 'cilium'
        ? cluster?.cilium !== undefined
        : cluster?.settingsObject !== undefined);
    // a settings key the Kustomization substituting the values could only
    // read from sources it names: with none (its inline `substitute`
    // alone), nothing not read gives it (corruptmane's cvgen build)
    const keyReadFromNothing =
      (rule.settingsKeys?.includes(id) ?? false) &&
      cluster?.cilium?.appliedBy !== undefined &&
      cluster.cilium.appliedBy.substituteFrom.length === 0;
    const unevaluated =
      outcome === 'fail' &&
      !keyReadFromNothing &&
      (rule.absence?.includes(id) || rule.fieldAbsence?.includes(id))
        ? cluster?.findings.find(
            // an `info` one (spec.images, Flux's own controllers, a source
            // only apps read) cannot provide what is missing
            f =>
              f.code === 'not-evaluated' &&
              f.severity !== 'info' &&
              // keys of a generated object read somewhere add no object
              !(f.onlyDataOf && rule.absence?.includes(id)) &&
              (!f.substitutesOnly ||
                ((rule.variables?.includes(id) ?? false) &&
                  feedsWhatRulesRead(
                    cluster,
                    f,
                    rule.settingsKeys?.includes(id) ?? false,
                  ))) &&
              (!fieldAbsent || f.mayChange) &&
              mayHide(f, rule, id, cluster),
          )
        : undefined;
    if (unevaluated) {
      // the absence may be an artefact of what the engine could not read
      outcome = 'not-evaluated';
      severity = 'info';
      message += `; but the cluster uses what the engine does not evaluate, which may provide it: ${
        unevaluated.message
      }${
        unevaluated.location ? ` (${formatLocation(unevaluated.location)})` : ''
      }`;
    }
    const out: CheckResult = {
      ruleId: rule.id,
      outcome,
      severity,
      cluster: cluster?.name,
      message,
      location,
    };
    if (outcome === 'fail')
      out.remediation = rule.remediation(conventions, {
        id,
        location,
        data,
        // per cluster: a mesh-wide result has no cluster to place a path for
        ...(repository &&
          cluster && {
            inRepository: (path: string) =>
              inRepositoryLayout(repository, clusterPath(path, cluster.name)),
          }),
        ...(cluster &&
          location && {
            unsubstitutedBy: () =>
              unsubstitutedApplier(cluster, location.file)?.key,
            leavesUndefined: (variable: string) =>
              undefinedByApplier(
                cluster,
                location.file,
                variable,
                conventions.settings.configMap,
              ),
            unsubstitutedOptOut: () => {
              const by = unsubstitutedApplier(cluster, location.file);
              const optOut = by && substitutionOptOut(cluster, by);
              if (!optOut) return undefined;
              return optOut.missing
                ? `give it the label \`${optOut.label}\` that the patch of Kustomization ${optOut.parent} asks of the children it gives the substitution (labelSelector \`${optOut.selector}\`)`
                : `take out its label \`${optOut.label}\`, which leaves it out of the substitution the patch of Kustomization ${optOut.parent} gives its children (labelSelector \`${optOut.selector}\`)`;
            },
            settingsApplied: cluster.settingsObject !== undefined,
          }),
        ...(mesh &&
          location && {
            readByBootstrap: () =>
              mesh.repository.readByBootstrap(location.file),
          }),
        ...(mesh &&
          cluster &&
          location && {
            sharedFile: () =>
              mesh.clusters.some(
                other =>
                  other !== cluster &&
                  other.render.objects.some(
                    ({ object }) => object.source.file === location.file,
                  ),
              ),
          }),
        ...(cluster &&
          mesh && {
            newSettings: () => {
              const target = settingsWriteTarget(mesh, cluster);
              return 'problem' in target || !target.create
                ? undefined
                : {
                    file: target.file,
                    listedIn: target.create.kustomization,
                    substitutedBy: target.create.substitutedBy,
                  };
            },
          }),
        ...(cluster && {
          valuesUnsubstitutedBy: () => {
            const applier = cluster.cilium?.appliedBy;
            return applier && !applier.postBuild
              ? { key: applier.key, file: cluster.cilium!.file }
              : undefined;
          },
        }),
      });
    if (cause) out.cause = cause;
    return out;
  };
  return {
    pass: (id, data, location) => result('pass', 'info', id, data, location),
    fail: (id, data, location, cause) =>
      result('fail', rule.severity, id, data, location, cause),
    warn: (id, data, location) => result('fail', 'warning', id, data, location),
    notApplicable: (id, data, location) =>
      result('not-applicable', 'info', id, data, location),
    notEvaluated: (id, data, location) =>
      result('not-evaluated', 'info', id, data, location),
  };
}

/** Quotes a value for a message. */
export const q = (value: unknown) =>
  typeof value === 'string' ? `"${value}"` : JSON.stringify(value);

/**
 * Clusters grouped by a value they should not share (an LB IP, an FQDN):
 * the number of distinct values, and each cluster that shares its value
 * with the others that have it.
 */
export function sharedValues<C extends { name: string }>(
  clusters: readonly C[],
  valueOf: (cluster: C) => string | undefined,
): {
  distinct: number;
  /** Each cluster with a value another has too, with every cluster that has it (`sharers`: their names, sorted). */
  shared: { cluster: C; value: string; sharers: string; all: C[] }[];
} {
  const byValue = new Map<string, C[]>();
  for (const c of clusters) {
    const value = valueOf(c);
    if (value !== undefined)
      byValue.set(value, [...(byValue.get(value) ?? []), c]);
  }
  const shared = [...byValue]
    .filter(([, cs]) => cs.length > 1)
    .flatMap(([value, cs]) =>
      // each cluster's result names them all alike: one cause, said once
      cs.map(cluster => ({
        cluster,
        value,
        all: cs,
        sharers: cs
          .map(o => o.name)
          .sort()
          .join(', '),
      })),
    );
  return { distinct: byValue.size, shared };
}

/** The result of a check that reads a setting the cluster does not set. */
export const skipUnset = (
  r: RuleResults<'notSet'>,
  mesh: MeshModel,
  cluster: ClusterModel,
  value: 'fqdn' | 'lbIp',
): CheckResult[] => {
  const unset = unsetValue(mesh, cluster, value);
  return [r.notEvaluated('notSet', unset.data, unset.location)];
};

/**
 * How a cluster's FQDN or LB IP that nothing sets is said missing: its
 * settings variable, where the settings ConfigMap would hold it; where
 * nothing reads settings (a plain values file, values written out), the
 * value written out in the Cilium values, where it would be.
 */
export function unsetValue(
  mesh: MeshModel,
  cluster: ClusterModel,
  value: 'fqdn' | 'lbIp',
): { data: { variable: string }; location: SourceLocation | undefined } {
  const variable = mesh.conventions.variables[value];
  if (cluster.cilium && settingsUnread(mesh, cluster))
    return {
      data: {
        variable: `its ${
          value === 'fqdn' ? 'FQDN' : 'LB IP'
        } (to be written out in its Cilium values: no settings are read here, so no ${variable})`,
      },
      location: cluster.cilium.locate([]),
    };
  return { data: { variable }, location: cluster.settingsLocation };
}

/**
 * How to get a value not known here checked: a value the conventions may
 * give (a domain), or, for each cluster's own (its LB IP), only where the
 * repository holds it, since a value given holds for every cluster.
 */
export function unknownValueAdvice(
  mesh: MeshModel,
  variables: readonly string[],
  check = 'check it',
): string {
  const own = isClusterMeshVariable(mesh.conventions);
  return variables.length > 0 && variables.every(own)
    ? `it is each cluster's own, so it is checked only where the repository holds it (a value given holds for every cluster)`
    : `give its value in the conventions' values to ${check}`;
}

/**
 * Whether a substitution source not read feeds the substitution of what
 * holds the variables the rules look for (the Cilium values, the
 * DNSEndpoints, the settings): an app's own optional Secret, or one that
 * only a pool's Kustomization reads, gives its variables there only.
 * Anything may, while the Cilium values are not found.
 */
function feedsWhatRulesRead(
  cluster: ClusterModel,
  finding: EngineFinding,
  /** A key missing from the settings: their applier's sources add none. */
  settingsKey = false,
): boolean {
  if (!finding.substitutesFor || !cluster.cilium?.appliedBy) return true;
  const readers = [
    cluster.cilium.appliedBy,
    settingsKey ? undefined : cluster.settingsObject?.appliedBy,
    ...cluster.dnsEndpoints.map(e => e.appliedBy),
  ];
  return readers.some(k => k?.key === finding.substitutesFor);
}

/**
 * A line of the cluster's Cilium values holding a `${…}` that a bootstrap
 * helmfile installs as written (Flux does not substitute that first
 * install): the line, where it is, and those helmfiles. Undefined for a
 * plain values file (another installer's), a line written out, or values
 * no bootstrap reads.
 */
export function installedAsWritten(
  mesh: MeshModel,
  c: ClusterModel,
  valuesPath: ObjectPath,
): { line: string; at: SourceLocation; helmfile: string } | undefined {
  if (!c.cilium || c.cilium.kind === 'values-file') return undefined;
  const at = c.cilium.locate(valuesPath);
  // the bootstrap first: most values files none reads, and one file may be
  // every cluster's
  // a helmfile that sets the path itself (`set: [{name: cluster.name}]`)
  // installs that, not the line
  const helmfiles = mesh.repository
    .readByBootstrap(at.file)
    .filter(h => !mesh.repository.readByBootstrap.sets?.(h, valuesPath));
  if (!helmfiles.length) return undefined;
  const line = lineAt(mesh.repository, at);
  return line?.includes('${')
    ? { line: line.trim(), at, helmfile: helmfiles.join(', ') }
    : undefined;
}

/**
 * The data of a `templateGuessed` message (settings-present, peers-complete)
 * where whether a cluster wants settings is not known, its FQDN template a
 * guess (see settingsWantedUnknown); undefined where it is known.
 */
export function guessedTemplateData(
  mesh: MeshModel,
  c: ClusterModel,
): MessageData | undefined {
  const guess = settingsWantedUnknown(mesh, c);
  return (
    guess && {
      which: guess.byDefault ? 'default' : "conventions'",
      // the conventions' template, one text for every cluster
      template: q(mesh.conventions.fqdnTemplate),
      variables: guess.variables.join(', '),
    }
  );
}
