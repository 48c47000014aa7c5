import {
  formatLocation,
  secretPlaceholderPattern,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  clusterPath,
  clusterValues,
  fqdnTemplateFor,
  isClusterMeshVariable,
  settingsFileOf,
} from '../conventions/templates';
import type { ObjectPath } from '../core/paths';
import { getPath, isRecord } from '../core/paths';
import { envsubst, referencedVariables } from '../flux/envsubst';
import type {
  ClusterRender,
  RenderedKustomization,
} from '../flux/fluxKustomization';
import { valuesReferences } from '../flux/helmValues';
import { kustomizationFileNames } from '../flux/kustomize';
import type { SubstitutedObject } from '../flux/substitute';
import type { VariableValue } from '../flux/variables';
import { describeObject, ManifestObject, PatchOrigin } from '../core/manifest';
import { firstFew, inWords } from '../core/text';
import {
  basenamePath,
  dirnamePath,
  isPathUnder,
  joinPath,
} from '../tree/RepoTree';
import type { ClusterModel, MeshModel } from './types';
import {
  ciliumObjectApplied,
  otherCniNote,
  publishedDomainsOf,
  templateNamedNowhere,
  unevaluatedParts,
  unevaluatedPartsNote,
} from './queries';
import { externalSourceCause } from '../flux/render';
import { lbIpamAnnotationKeys } from '../cilium/values';

/**
 * Where the change writes, asked of the model of the repository as it is:
 * which file holds a cluster's settings and whether Flux substitutes what is
 * written there, where a variable resolves, which file holds the Cilium
 * values of each cluster (a HelmRelease, the values file a ConfigMap
 * generator reads, a plain values file), and where a DNSEndpoint is applied.
 * A value is only written where it resolves as Flux applies it.
 */

/** Where a cluster's settings entries are written. @public */
export interface SettingsWriteTarget {
  /**
   * The file: a YAML file with the settings ConfigMap, the env file its
   * generator reads, or (`inline`) the file declaring the Flux
   * Kustomization that applies the Cilium values, whose own
   * `postBuild.substitute` takes the entries.
   */
  file: string;
  format: 'yaml' | 'env' | 'inline';
  /** Index of the ConfigMap's (or the Kustomization's) document in a YAML file. */
  doc: number;
  /** Name of the settings ConfigMap. */
  configMap: string;
  /** The Kustomization that applies it (undefined when the cluster has none yet). */
  appliedBy?: RenderedKustomization;
  /** Whether Flux substitutes what is written in it before storing it. */
  substituted: boolean;
  /**
   * A settings ConfigMap the change creates, when the cluster has none:
   * the kustomization that must list the new file (none when Flux
   * generates it), the entry it follows there, and the namespace written
   * in it (as the Kustomization beside it writes its own).
   */
  create?: {
    kustomization?: string;
    after?: string;
    namespace?: string;
    /** The Kustomization that substitutes from it (`namespace/name`). */
    substitutedBy: string;
    /**
     * That Kustomization applies the new ConfigMap itself (the bootstrap's
     * own, reconciling the cluster's folder): the ConfigMap does not exist
     * before its first reconcile, so the reference must be optional.
     */
    selfApplied?: boolean;
    /**
     * In the cluster's own folder (the conventions' settings file), not
     * next to that Kustomization, which other clusters share.
     */
    ownFolder?: boolean;
    /**
     * That Kustomization names it already, not optional (Flux fails it
     * while the ConfigMap is missing), rather than optional.
     */
    required?: boolean;
  };
  /** The Kustomization the change has substitute from the new ConfigMap: the one applying the Cilium values. */
  wires?: RenderedKustomization;
  /**
   * The sources it is made to substitute from too: those of its namespace
   * that hold the variables of the cluster's FQDN template it has no value
   * for (the Secret with SECRET_DOMAIN that other Kustomizations there
   * substitute from), so the template resolves in the files it applies.
   */
  wiresAlso?: readonly SubstitutionSource[];
}

/** A substitution source the change names in a Kustomization's substituteFrom. @public */
export interface SubstitutionSource {
  kind: 'Secret';
  name: string;
  /** The variables it holds that are wanted there. */
  keys: readonly string[];
  /** The file that makes it, for what is said. */
  file: string;
}

/**
 * The Secrets of a Kustomization's namespace holding the variables of the
 * cluster's FQDN template that it has no value for, one per variable (one
 * the cluster's other Kustomizations substitute from first): what the
 * change adds to its substituteFrom with the new settings, so that the
 * template resolves where the Cilium values and the record are.
 */
function templateSources(
  mesh: MeshModel,
  cluster: ClusterModel,
  kustomization: RenderedKustomization,
): SubstitutionSource[] {
  const { conventions } = mesh;
  const isMesh = isClusterMeshVariable(conventions);
  const wanted = referencedVariables(
    fqdnTemplateFor(conventions, cluster.name),
  ).filter(v => !isMesh(v) && !kustomization.variables.get(v));
  const found = new Map<string, SubstitutionSource>();
  const named = (kind: string, name: string) =>
    cluster.render.kustomizations.some(k =>
      k.substituteFrom.some(r => r.kind === kind && r.name === name),
    );
  for (const variable of wanted) {
    const holders = cluster.render.objects
      .map(({ object }) => object)
      .filter(
        o =>
          o.kind === 'Secret' &&
          o.namespace === kustomization.namespace &&
          [o.body.data, o.body.stringData].some(
            d => isRecord(d) && variable in d,
          ),
      )
      .sort(
        (a, b) => Number(named(b.kind, b.name)) - Number(named(a.kind, a.name)),
      );
    const holder = holders[0];
    if (!holder) continue;
    const key = `${holder.kind}/${holder.name}`;
    const source = found.get(key);
    found.set(key, {
      kind: 'Secret',
      name: holder.name,
      keys: [...(source?.keys ?? []), variable],
      file: holder.source.file,
    });
  }
  return [...found.values()];
}

/**
 * Why a cluster needs no settings ConfigMap, or undefined when it may:
 * it has none, no file of the repository names its FQDN or LB IP variable,
 * and either nothing could read them (Cilium values in a plain values file
 * another installer reads, written out, and records made by hand) or the
 * cluster is configured without them (its Cilium values ask for the LB IP
 * written out, and its FQDN is the conventions' template written out in
 * the files Flux applies).
 *
 * @public
 */
export function settingsUnread(
  mesh: MeshModel,
  cluster: ClusterModel,
): string | undefined {
  const { conventions } = mesh;
  const { fqdn, lbIp } = conventions.variables;
  if ([fqdn, lbIp].some(v => mentionedFor(mesh, cluster, v))) return undefined;
  if (!cluster.settingsObject || settingsReadByNothing(cluster)) {
    // one text for every such cluster: the summary says it once
    if (
      cluster.cilium?.kind === 'values-file' &&
      conventions.dns.mode === 'manual'
    )
      return `nothing would read one: the Cilium values are plain values files (conventions cilium.valuesFile: ${conventions.cilium.valuesFile}), which Flux does not substitute and which hold the FQDN and LB IP written out, DNS mode is manual (no DNSEndpoint), and no file of the repository names ${fqdn} or ${lbIp}`;
    // where configure writes the values out (or wrote them)
    const written = settingsNotWanted(mesh, cluster);
    if (written) return written;
  }
  // values written out where Flux applies them: settings of other keys
  // (a cluster's own CLUSTER_NAME) are no place these must be
  if (
    cluster.lbIp &&
    cluster.lbIp.name !== lbIp &&
    cluster.fqdn?.source === 'files' &&
    referencedVariables(cluster.fqdn.raw).length === 0
  )
    return `the cluster is configured without ${
      cluster.settingsObject ? 'settings variables' : 'one'
    }: its Cilium values ask for the LB IP written out, its FQDN is written out where Flux applies it, and no file of the repository names ${fqdn} or ${lbIp}`;
  return undefined;
}

/**
 * Where whether a cluster wants settings is not known: none are applied,
 * nothing substitutes its Cilium values, no file names the settings
 * variables, and its FQDN template is a guess (a variable of it named
 * nowhere, jash2105's values written out per cluster): the values may be
 * written out as they are, or the settings may be wanted under names the
 * guess does not make. The guess; undefined otherwise.
 */
export function settingsWantedUnknown(
  mesh: MeshModel,
  cluster: ClusterModel,
): ReturnType<typeof templateNamedNowhere> {
  if (cluster.settingsObject || cluster.cilium?.appliedBy?.postBuild)
    return undefined;
  const { fqdn, lbIp } = mesh.conventions.variables;
  if ([fqdn, lbIp].some(v => mesh.repository.mentions(v))) return undefined;
  return templateNamedNowhere(mesh, cluster.name);
}

/**
 * Whether a variable is named where a cluster may read it: in a file it
 * applies, or one no cluster applies (an installer outside Flux that
 * templates the values), not only in other clusters' files (a
 * Kustomization of another cluster substituting it inline).
 */
function mentionedFor(
  mesh: MeshModel,
  cluster: ClusterModel,
  variable: string,
): boolean {
  if (!mesh.repository.mentions(variable)) return false;
  if (
    filesAppliedBy(cluster).some(file =>
      mesh.repository.readText(file)?.includes(variable),
    )
  )
    return true;
  const appliers = appliersOf(mesh);
  return mesh.repository.mentions(variable, file => {
    const clusters = appliers.get(file);
    return clusters !== undefined && !clusters.has(cluster);
  });
}

/**
 * The files a cluster applies: its objects' (with the files a generator
 * read whole and the patch files applied to them), its Kustomizations'.
 */
function filesAppliedBy(cluster: ClusterModel): string[] {
  return [
    ...new Set([
      ...cluster.render.objects.flatMap(({ object: { source } }) => [
        source.file,
        ...Object.values(source.keyFiles ?? {}),
        ...(source.patches ?? []).map(p => p.file),
      ]),
      ...cluster.render.kustomizations.flatMap(k =>
        k.object ? [k.object.source.file] : [],
      ),
    ]),
  ];
}

/** The clusters applying each file; once per mesh. */
const appliersByMesh = new WeakMap<MeshModel, Map<string, Set<ClusterModel>>>();

function appliersOf(mesh: MeshModel) {
  let byFile = appliersByMesh.get(mesh);
  if (!byFile) {
    byFile = new Map();
    for (const c of mesh.clusters)
      for (const file of filesAppliedBy(c)) {
        const set = byFile.get(file);
        if (set) set.add(c);
        else byFile.set(file, new Set([c]));
      }
    appliersByMesh.set(mesh, byFile);
  }
  return byFile;
}

/** Each mesh's Cilium write targets, found once. */
const ciliumTargetsOfMesh = new WeakMap<
  MeshModel,
  ReturnType<typeof ciliumWriteTargets>
>();

/**
 * The file of a cluster's own Cilium values, where the change would write
 * them (a layer no other cluster shares); undefined when shared.
 */
function ownCiliumValues(
  mesh: MeshModel,
  cluster: ClusterModel,
): string | undefined {
  let targets = ciliumTargetsOfMesh.get(mesh);
  if (!targets) {
    targets = ciliumWriteTargets(mesh, mesh.clusters);
    ciliumTargetsOfMesh.set(mesh, targets);
  }
  const target = targets.find(
    t => !('problem' in t) && t.clusters.includes(cluster.name),
  );
  return target && !('problem' in target) && target.clusters.length === 1
    ? target.file
    : undefined;
}

/**
 * The Kustomizations of a cluster that substitute from its settings
 * ConfigMap (or that a substitution webhook gives its keys); undefined
 * when its settings are no ConfigMap.
 */
function settingsReaders(cluster: ClusterModel) {
  const found = cluster.settingsObject;
  if (!found || found.object.kind !== 'ConfigMap') return undefined;
  const namespace = found.object.namespace ?? found.appliedBy.namespace;
  return cluster.render.kustomizations.filter(
    k =>
      (k.namespace === namespace &&
        k.substituteFrom.some(
          r => r.kind === 'ConfigMap' && r.name === found.object.name,
        )) ||
      k.injectedFrom?.some(
        r =>
          r.kind === 'ConfigMap' &&
          r.name === found.object.name &&
          r.namespace === namespace,
      ),
  );
}

/**
 * Whether a cluster's settings ConfigMap is read by nothing of the mesh:
 * no Kustomization of the cluster substitutes from it (a repository whose
 * Kustomizations substitute nothing keeps one for its own notes), or,
 * where the Cilium values are read, none that applies them or a
 * DNSEndpoint of the cluster (settings only its Flux entry substitutes).
 *
 * @public
 */
export function settingsReadByNothing(cluster: ClusterModel): boolean {
  const readers = settingsReaders(cluster);
  if (!readers) return false;
  if (!cluster.cilium) return readers.length === 0;
  return !readers.some(
    k =>
      k.key === cluster.cilium?.appliedBy?.key ||
      cluster.dnsEndpoints.some(e => e.appliedBy.key === k.key),
  );
}

/**
 * Whether the change can configure a cluster without a settings ConfigMap,
 * writing its values out, as the repository writes its other Cilium values:
 * it has none, no Kustomization of it substitutes from one, the FQDN
 * template has no variables, its Cilium values are its own (no other
 * cluster shares the file) and the Kustomization applying them does not
 * substitute. The reason, or undefined.
 *
 * @public
 */
export function settingsNotWanted(
  mesh: MeshModel,
  cluster: ClusterModel,
): string | undefined {
  const { conventions } = mesh;
  if (
    conventions.settings.create === 'always' ||
    (cluster.settingsObject && !settingsReadByNothing(cluster))
  )
    return undefined;
  if (referencedVariables(fqdnTemplateFor(conventions, cluster.name)).length)
    return undefined;
  const applier = cluster.cilium?.appliedBy;
  // a substitution a parent's patches set (martinohmann's cluster-apps,
  // every child from Secret cluster-secrets): no settings can be wired in
  // here, and values written out need none
  const patched =
    applier?.postBuild &&
    applier.object !== undefined &&
    applier.object.source.index >= 0 &&
    substituteFromSetElsewhere(applier);
  if (!applier || (applier.postBuild && !patched)) return undefined;
  const { fqdn, lbIp } = conventions.variables;
  if ([fqdn, lbIp].some(v => mentionedFor(mesh, cluster, v))) return undefined;
  if (!ownCiliumValues(mesh, cluster)) return undefined;
  const readers = settingsReaders(cluster);
  const unread = cluster.settingsObject
    ? `the one it has, ${describeObject({
        ...cluster.settingsObject.object,
        namespace:
          cluster.settingsObject.object.namespace ??
          cluster.settingsObject.appliedBy.namespace,
      })}, is read by nothing${
        readers?.length
          ? ` of the mesh: ${firstFew(
              readers.map(k => `Kustomization ${k.key}`),
            )}, which ${
              readers.length > 1 ? 'substitute' : 'substitutes'
            } from it, ${
              readers.length > 1 ? 'apply' : 'applies'
            } neither the Cilium values nor a DNSEndpoint`
          : ': no Kustomization substitutes from it'
      }; `
    : '';
  return `${unread}its values are written out instead, as the repository writes its other Cilium values: the layer of its Cilium values the change writes is its own (no other cluster shares it), Kustomization ${
    applier.key
  } applies it ${
    patched
      ? `substituting only from what the spec.patches of Kustomization ${
          applier.parent ?? 'its parent'
        } set (${applier.substituteFrom
          .map(r => `${r.kind} ${r.name}`)
          .join(', ')}), where no settings ConfigMap can be added`
      : 'without substitution'
  }, and the FQDN template has no variables`;
}

/**
 * Where a cluster's settings entries go, or why they cannot be written:
 * the settings ConfigMap the model found (a YAML document, or the env file
 * of a ConfigMap generator), else the conventions' settings file.
 *
 * @public
 */
export function settingsWriteTarget(
  mesh: MeshModel,
  cluster: ClusterModel,
): SettingsWriteTarget | { problem: string; file: string } {
  const { conventions } = mesh;
  const configMap = clusterPath(conventions.settings.configMap, cluster.name);
  const found = cluster.settingsObject;
  if (!found) {
    const file = settingsFileOf(conventions, cluster.name);
    if (mesh.repository.isFile(file))
      return { file, format: 'yaml', doc: -1, configMap, substituted: false };
    const outside = madeOutside(mesh, cluster, configMap);
    // the Kustomization applying the Cilium values names it already, as
    // optional (a parent's patches give every child the reference): it
    // may be written here, next to that Kustomization
    const applier =
      cluster.cilium?.kind === 'helmrelease'
        ? cluster.cilium.appliedBy
        : undefined;
    const reference = applier?.substituteFrom.find(
      r => r.kind === 'ConfigMap' && r.name === configMap,
    );
    // or names it, not optional, while the repository defines it for
    // other clusters only (a cluster folder copied without its settings
    // file, which Flux fails on): written here, it is what is missing
    const referenced =
      reference !== undefined &&
      (outside === undefined
        ? // unless what is not evaluated (a ResourceSet) may make it
          !reference.optional && !unevaluatedParts(cluster.render, cluster.name)
        : reference.optional === true &&
          cluster.findings.some(
            f =>
              f.cause?.key ===
              externalSourceCause(
                `ConfigMap ${applier!.namespace}/${configMap}`,
              ),
          ));
    const created =
      !outside || referenced
        ? newSettingsTarget(mesh, cluster, referenced)
        : undefined;
    if (created && 'create' in created && referenced && !reference.optional) {
      const needs = (k: RenderedKustomization | undefined) =>
        k?.substituteFrom.some(
          r => r.kind === 'ConfigMap' && r.name === configMap && !r.optional,
        );
      const appliedBy = created.create?.selfApplied
        ? applier
        : created.appliedBy;
      // applied by a Kustomization that needs it to build, which Flux
      // fails before applying it; unless the other clusters' settings are
      // applied so too (their bootstrap made the ConfigMap first)
      if (
        needs(appliedBy) &&
        !mesh.clusters.some(
          o => o !== cluster && needs(o.settingsObject?.appliedBy),
        )
      )
        return {
          file: created.file,
          problem: `would be applied by Kustomization ${
            appliedBy!.key
          }, which substitutes from ConfigMap ${configMap} (not optional) and so fails before applying it: mark that reference optional (optional: true), then run configure again`,
        };
      // only where the conventions keep each cluster's settings (where
      // the other clusters keep theirs): elsewhere it is not known to be
      // what the Kustomization is missing
      if (created.file === settingsFileOf(conventions, cluster.name))
        return { ...created, create: { ...created.create!, required: true } };
    } else if (created) return created;
    if (outside)
      return {
        // where the settings are named: the file they would go in does not exist
        file: outside.object?.source.file ?? file,
        problem: `ConfigMap ${configMap}, which Kustomization ${outside.key} substitutes from, is made outside the repository (no manifest of it defines one): the change cannot write the ClusterMesh settings there; add them where it is made (an installer, Terraform), or keep them in a ConfigMap of the repository that the Kustomization applying the Cilium values substitutes from, named in the conventions (settings.configMap, settings.file)`,
      };
    return {
      file,
      problem: `does not exist, and no ConfigMap ${configMap} is applied to ${
        cluster.name
      }${
        cluster.render.kustomizations.some(k =>
          k.substituteFrom.some(r => r.name === configMap),
        )
          ? ''
          : ` (and none of the Kustomizations of ${cluster.name} substitutes from one)`
      }${unevaluatedPartsNote(cluster)}: ${patchedSubstituteNote(
        mesh,
        cluster,
      )}create the settings ConfigMap and have the Kustomization that applies the Cilium values substitute it, or name yours in the conventions (settings.configMap, settings.file)`,
    };
  }
  const { object, appliedBy } = found;
  const inline = inlineSettingsTarget(mesh, cluster, object.name);
  if (inline) return inline;
  const substituted = appliedBy.postBuild;
  const source = object.source;
  const wiring = wiringOfSettings(mesh, cluster, object);
  // a shared ConfigMap each overlay patches with its cluster's values: the
  // cluster's own patch holds them (and wins over the shared file)
  const patch = ownSettingsPatch(mesh, cluster, object);
  if (patch)
    return {
      file: patch.file,
      format: 'yaml',
      doc: patch.index,
      configMap: object.name,
      appliedBy,
      substituted,
      ...wiring,
    };
  if (source.index >= 0)
    return {
      file: source.file,
      format: 'yaml',
      doc: source.index,
      configMap: object.name,
      appliedBy,
      substituted,
      ...wiring,
    };
  // generated by kustomize: an env file holds its keys, or the kustomization lists them
  const base = basenamePath(source.file);
  if (!(kustomizationFileNames as readonly string[]).includes(base))
    return {
      file: source.file,
      format: 'env',
      doc: -1,
      configMap: object.name,
      appliedBy,
      substituted,
      ...wiring,
    };
  return {
    file: source.file,
    problem: `generates ConfigMap ${object.name} from literals or several files; add the ClusterMesh settings to it by hand, or keep them in one env file`,
  };
}

/**
 * The strategic merge patch file that gives one cluster's settings
 * ConfigMap its data, when no other cluster's settings read it (an
 * overlay's `patches: [{path: settings.yaml, target: {kind: ConfigMap}}]`
 * over a ConfigMap its base shares): the last such patch, which wins.
 */
function ownSettingsPatch(
  mesh: MeshModel,
  cluster: ClusterModel,
  object: SubstitutedObject,
): { file: string; index: number } | undefined {
  const patches = object.source.patches ?? [];
  for (let i = patches.length - 1; i >= 0; i--) {
    const patch = patches[i];
    if (
      patch.kind !== 'merge' ||
      patch.index === undefined ||
      patch.line !== undefined ||
      !isRecord(patch.document) ||
      !isRecord(patch.document.data)
    )
      continue;
    const shared = mesh.clusters.some(
      other =>
        other !== cluster &&
        other.settingsObject?.object.source.patches?.some(
          p => p.file === patch.file && p.kind === 'merge',
        ),
    );
    return shared ? undefined : { file: patch.file, index: patch.index };
  }
  return undefined;
}

/** The inline `postBuild.substitute` of the Kustomization applying a cluster's Cilium values, as its file says it. @public */
export interface InlineSubstitute {
  kustomization: RenderedKustomization;
  file: string;
  doc: number;
  keys: Set<string>;
}

/**
 * Where the cluster's own values are in a `postBuild.substitute` that a
 * parent's patch gives the Kustomization applying its Cilium values
 * (pwyde: each cluster's `ks.yaml` patches every child with its values):
 * said, as configure writes no patch's text, ending with ", or " before
 * the other ways. Empty where that is not so.
 *
 * @public
 */
export function patchedSubstituteNote(
  mesh: MeshModel,
  cluster: ClusterModel,
): string {
  const applier =
    cluster.cilium?.kind === 'helmrelease'
      ? cluster.cilium.appliedBy
      : undefined;
  const declaredIn = applier?.object?.source.file;
  if (!applier || !declaredIn) return '';
  // inline first: a mesh's sources hold one variable per peer
  const patched = applier.variables.names().filter(name => {
    if (!applier.variables.inline(name)) return false;
    const at = applier.variables.get(name)?.location;
    return at !== undefined && at.file !== declaredIn;
  });
  if (!patched.length) return '';
  const at = applier.variables.get(patched[0])!.location!;
  const { fqdn, lbIp } = mesh.conventions.variables;
  // what is not there yet: an FQDN the template gives where it is
  // substituted needs no variable (SquaredPotato's copy)
  const byTemplate = fqdnTemplateResolvesFor(mesh, cluster);
  const lacking = [
    ...(applier.variables.inline(fqdn) || byTemplate ? [] : [fqdn]),
    ...(applier.variables.inline(lbIp) ? [] : [lbIp]),
  ];
  // all there (a new address asked): what changes, the FQDN by template not
  const changing = byTemplate ? [lbIp] : [fqdn, lbIp];
  return `its own values (${firstFew(
    patched,
  )}) are in the postBuild.substitute a parent's patch gives Kustomization ${
    applier.key
  } (${formatLocation(
    at,
  )}), the text of a patch, which configure does not edit: ${
    lacking.length ? 'add' : 'set'
  } ${inWords(lacking.length ? lacking : changing)}${
    byTemplate ? '' : " (and the peers')"
  } there by hand${
    byTemplate ? ` (${fqdnsByTemplate(mesh, applier.key)})` : ''
  }, or `;
}

/** How the FQDNs are written where no FQDN variable is needed (see fqdnTemplateResolvesFor). */
function fqdnsByTemplate(mesh: MeshModel, kustomization: string): string {
  const template = fqdnTemplateFor(mesh.conventions, '{cluster}');
  return referencedVariables(template).length
    ? `the FQDNs are written as the template, ${template}, whose variables Kustomization ${kustomization} substitutes`
    : `the FQDNs are written out: the template, ${template}, has no variables`;
}

/**
 * Whether the FQDN of `of` (a cluster, or a peer of it) can be written in
 * a cluster's Cilium values as the conventions' template, every variable
 * of it defined where they are substituted (SquaredPotato's copy:
 * CLUSTER_NAME in a parent's patch, SECRET_DOMAIN from its Secret): no
 * FQDN variable is needed for it there.
 *
 * @public
 */
export function fqdnTemplateResolvesFor(
  mesh: MeshModel,
  cluster: ClusterModel,
  of: string = cluster.name,
): boolean {
  const applier = cluster.cilium?.appliedBy;
  if (!applier?.postBuild) return false;
  return referencedVariables(fqdnTemplateFor(mesh.conventions, of)).every(
    v =>
      applier.variables.value(v) !== undefined &&
      !applier.variables.get(v)?.unverified,
  );
}

/** The inline `postBuild.substitute` of the Kustomization applying a cluster's Cilium HelmRelease, if its declaration has one. @public */
export function inlineSubstituteOf(
  cluster: ClusterModel,
): InlineSubstitute | undefined {
  const kustomization =
    cluster.cilium?.kind === 'helmrelease'
      ? cluster.cilium.appliedBy
      : undefined;
  const declaration = kustomization?.object;
  if (!kustomization || !declaration || declaration.source.index < 0)
    return undefined;
  const inline = getPath(declaration.source.root, [
    'spec',
    'postBuild',
    'substitute',
  ]);
  if (!isRecord(inline)) return undefined;
  return {
    kustomization,
    file: declaration.source.file,
    doc: declaration.source.index,
    keys: new Set(Object.keys(inline)),
  };
}

/**
 * Whether another cluster applies a Flux Kustomization declared in this
 * document too (a shared declaration): its inline values are not this
 * cluster's alone.
 *
 * @public
 */
export function declaredByOthers(
  mesh: MeshModel,
  cluster: ClusterModel,
  declaration: { file: string; index: number },
): boolean {
  return mesh.clusters.some(
    c =>
      c !== cluster &&
      c.render.kustomizations.some(
        k =>
          k.object?.source.file === declaration.file &&
          k.object.source.index === declaration.index,
      ),
  );
}

/**
 * The cluster's own Flux Kustomization applying its Cilium values, as the
 * place of its settings entries, when that Kustomization gives the values
 * their variables inline (`postBuild.substitute: {CLUSTER_NAME: east}`)
 * and does not substitute from the settings ConfigMap, which therefore
 * never reaches the values (applied by a parent, in another namespace),
 * or the cluster has none (ksefuke-labs').
 * Only a declaration no other cluster applies: the entries are this
 * cluster's own.
 *
 * @public
 */
export function inlineSettingsTarget(
  mesh: MeshModel,
  cluster: ClusterModel,
  configMap: string,
): SettingsWriteTarget | undefined {
  const inline = inlineSubstituteOf(cluster);
  if (!inline) return undefined;
  const applier = inline.kustomization;
  // named by its sources (its own, or a parent's patches give it): a
  // settings ConfigMap of its namespace reaches the values
  if (
    applier.substituteFrom.some(
      r => r.kind === 'ConfigMap' && r.name === configMap,
    )
  )
    return undefined;
  const { file, doc: index } = inline;
  if (declaredByOthers(mesh, cluster, { file, index })) return undefined;
  return {
    file,
    format: 'inline',
    doc: index,
    configMap,
    appliedBy: applier,
    substituted: false,
  };
}

/**
 * The Kustomization of a cluster that substitutes from the settings
 * ConfigMap when no file of the repository defines it (an installer makes
 * it), or the conventions declare it made outside.
 */
function madeOutside(
  mesh: MeshModel,
  cluster: ClusterModel,
  configMap: string,
): RenderedKustomization | undefined {
  for (const k of cluster.render.kustomizations) {
    if (
      !k.substituteFrom.some(
        r => r.kind === 'ConfigMap' && r.name === configMap,
      )
    )
      continue;
    const source = `ConfigMap ${k.namespace}/${configMap}`;
    if (
      cluster.findings.some(
        f => f.cause?.key === externalSourceCause(source),
      ) ||
      mesh.conventions.flux.externalSources.some(
        e =>
          e.kind === 'ConfigMap' &&
          e.name === configMap &&
          e.namespace === k.namespace,
      )
    )
      return k;
  }
  return undefined;
}

/**
 * A settings ConfigMap to create for a cluster that has none, and whose
 * Flux Kustomizations substitute from none (a repository that uses no
 * post-build substitution): a file next to the Kustomization that applies
 * the cluster's Cilium HelmRelease, listed where that Kustomization's file
 * is listed, so the same build applies both in the same namespace, and
 * that Kustomization made to substitute from it. Only where that
 * Kustomization is declared in a file of the repository that no other
 * cluster applies: the ConfigMap holds this cluster's own values. When the
 * Kustomization names it already (an optional reference a parent's patches
 * give), it is only written, not wired.
 */
function newSettingsTarget(
  mesh: MeshModel,
  cluster: ClusterModel,
  /** The Kustomization applying the Cilium values substitutes from it already (optional). */
  referenced = false,
): SettingsWriteTarget | { problem: string; file: string } | undefined {
  const { conventions } = mesh;
  const configMap = clusterPath(conventions.settings.configMap, cluster.name);
  const { cilium } = cluster;
  if (
    cilium?.kind !== 'helmrelease' ||
    !cilium.appliedBy ||
    (!referenced &&
      cluster.render.kustomizations.some(k =>
        k.substituteFrom.some(
          r => r.kind === 'ConfigMap' && r.name === configMap,
        ),
      ))
  )
    return undefined;
  const wires = cilium.appliedBy;
  const declaration = wires.object;
  if (!declaration || declaration.source.index < 0) return undefined;
  // a name the repository's Kustomizations substitute from, though no file
  // defines it: made outside (a bootstrap); one written here would be
  // taken over by Flux, which drops the keys it does not list
  const named = conventions.provenance?.find(
    p => p.setting === 'settings.configMap' && p.source === 'detected',
  );
  if (named && !referenced)
    return {
      file: declaration.source.file,
      problem: `applies the Cilium values of ${cluster.name}; the settings ConfigMap ${configMap}, which Kustomizations of the repository substitute from (${named.reason}), is defined by no file of it: it is made outside the repository, and one written here would be taken over by Flux, dropping the keys it does not list; add the ClusterMesh settings where it is made and have this Kustomization substitute from it, or keep them in a ConfigMap of the repository named in the conventions (settings.configMap, settings.file)`,
    };
  const declaredIn = declaration.source.file;
  if (!referenced && substituteFromSetElsewhere(wires)) {
    const parent = cluster.render.kustomizations.find(
      k => k.key === wires.parent,
    );
    // those the cluster applies from here: one made outside the repository
    // cannot take the settings
    const listedConfigMaps = wires.substituteFrom
      .filter(
        r =>
          r.kind === 'ConfigMap' &&
          cluster.render.objects.some(
            ({ object }) =>
              object.kind === 'ConfigMap' && object.name === r.name,
          ),
      )
      .map(r => r.name);
    // shared by other clusters: each one's ConfigMap goes in its own folder
    const sharedDeclaration = mesh.clusters.some(
      c =>
        c !== cluster &&
        c.render.kustomizations.some(k => k.object?.source.file === declaredIn),
    );
    // its own declaration, patched by merge (h-wb's cluster-apps): a
    // postBuild.substitute of its own is kept beside the patch's (maps
    // merge; only the substituteFrom list is replaced), so the entries go
    // there, unless the team keeps them in a ConfigMap (settings.create)
    // or the values are written out (martinohmann's)
    if (
      !sharedDeclaration &&
      conventions.settings.create !== 'always' &&
      mergePatchesKeepOwnSubstitute(declaration) &&
      !settingsNotWanted(mesh, cluster)
    )
      return {
        file: declaredIn,
        format: 'inline',
        doc: declaration.source.index,
        configMap,
        appliedBy: wires,
        substituted: false,
      };
    // each cluster's own values inline in that patch (mchestr): the
    // entries may go there too
    const inline = patchedSubstituteNote(mesh, cluster);
    return {
      file: declaredIn,
      problem: `declares Kustomization ${
        wires.key
      }, which applies the Cilium values of ${
        cluster.name
      }; its postBuild.substituteFrom is set by ${
        parent
          ? `the spec.patches of Kustomization ${parent.key}${
              parent.object ? ` (${parent.object.source.file})` : ''
            }`
          : 'a patch'
      } (${wires.substituteFrom
        .map(r => `${r.kind} ${r.name}`)
        .join(', ')}), which would replace an entry added here: ${
        inline ? `${inline.replace(/, or $/, '')}; or ` : ''
      }add {kind: ConfigMap, name: ${configMap}, optional: true} to that list (optional, since every Kustomization it patches gets it), and configure then writes it ${
        sharedDeclaration
          ? "in each cluster's own folder"
          : 'next to this Kustomization'
      }${
        listedConfigMaps.length
          ? `; or, if ${listedConfigMaps
              .map(name => `ConfigMap ${name}`)
              .join(
                ' or ',
              )} holds the cluster's settings, name it in the conventions' settings.configMap and configure writes them there`
          : ''
      }`,
    };
  }
  if (
    mesh.clusters.some(
      c =>
        c !== cluster &&
        c.render.kustomizations.some(k => k.object?.source.file === declaredIn),
    )
  )
    // shared by other clusters: each one's ConfigMap goes in its own folder
    return referenced ? ownFolderSettings(mesh, cluster, wires) : undefined;
  // each cluster's own Kustomization, but all in one folder (`cilium/app.yaml`
  // for one, `cilium/local.yaml` for another): a ConfigMap beside them would
  // be one file for all, so each cluster's goes in its own folder
  if (
    mesh.clusters.some(
      c =>
        c !== cluster &&
        c.cilium?.appliedBy?.object &&
        dirnamePath(c.cilium.appliedBy.object.source.file) ===
          dirnamePath(declaredIn),
    )
  )
    return listingFolderSettings(mesh, cluster, wires, !referenced);
  // its own Kustomization gives the values their variables inline and
  // substitutes from nothing (ksefuke-labs'): the entries go beside them,
  // not in a ConfigMap of their own
  const inline =
    !referenced &&
    !wires.substituteFrom.length &&
    conventions.settings.create !== 'always' &&
    !settingsNotWanted(mesh, cluster)
      ? inlineSettingsTarget(mesh, cluster, configMap)
      : undefined;
  if (inline) return inline;
  // the conventions' file name for this cluster; named after the
  // ConfigMap it holds where that name differs (`cluster-settings-main`)
  const conventional = basenamePath(settingsFileOf(conventions, cluster.name));
  const file = joinPath(
    dirnamePath(declaredIn),
    conventional.replace(/\.ya?ml$/, '') === configMap
      ? conventional
      : `${configMap}.yaml`,
  );
  if (!file || mesh.repository.isFile(file)) return undefined;
  const appliedBy = cluster.render.kustomizations.find(
    k => k.key === wires.parent,
  );
  const written = getPath(declaration.source.root, ['metadata', 'namespace']);
  return {
    file,
    format: 'yaml',
    doc: -1,
    configMap,
    appliedBy,
    substituted: appliedBy?.postBuild ?? false,
    create: {
      ...listingOf(mesh, declaredIn, appliedBy?.path, declaredIn),
      namespace: typeof written === 'string' ? wires.namespace : undefined,
      substitutedBy: wires.key,
      ...(!appliedBy &&
        isPathUnder(declaredIn, wires.path) && { selfApplied: true }),
    },
    // a Kustomization that names it already needs no change
    wires: referenced ? undefined : wires,
    ...(!referenced && { wiresAlso: templateSources(mesh, cluster, wires) }),
  };
}

/**
 * Whether a Kustomization's postBuild.substituteFrom is set by a parent's
 * spec.patches (which replaces the list whole: a custom resource's lists
 * have no merge key), so an entry added where it is declared would be
 * lost; also where the list declared is as long as the one the patch sets.
 */
function substituteFromSetElsewhere(wires: RenderedKustomization): boolean {
  const declaration = wires.object!;
  const declared = getPath(declaration.source.root, [
    'spec',
    'postBuild',
    'substituteFrom',
  ]);
  const setByPatch = (declaration.source.patches ?? []).some(p =>
    p.kind === 'merge'
      ? getPath(p.document, ['spec', 'postBuild', 'substituteFrom']) !==
        undefined
      : p.operations.some(
          op =>
            op.path[0] === 'spec' &&
            (op.path.length === 1 ||
              (op.path[1] === 'postBuild' &&
                (op.path.length === 2 || op.path[2] === 'substituteFrom'))),
        ),
  );
  return (
    setByPatch ||
    wires.substituteFrom.length !==
      (Array.isArray(declared) ? declared.length : 0)
  );
}

/**
 * Whether the patches that set a Kustomization's postBuild are strategic
 * merges that keep its own `postBuild.substitute` (a map merged key by
 * key, no `$patch` directive), and at least one is known: a JSON 6902
 * operation on postBuild, or one not known, may replace it whole.
 */
function mergePatchesKeepOwnSubstitute(declaration: ManifestObject): boolean {
  const touching = (declaration.source.patches ?? []).filter(p =>
    p.kind === 'merge'
      ? getPath(p.document, ['spec', 'postBuild']) !== undefined
      : p.operations.some(
          op =>
            op.path[0] === 'spec' &&
            (op.path.length === 1 || op.path[1] === 'postBuild'),
        ),
  );
  return (
    touching.length > 0 &&
    touching.every(
      p =>
        p.kind === 'merge' &&
        !JSON.stringify(getPath(p.document, ['spec', 'postBuild'])).includes(
          '"$patch"',
        ) &&
        getPath(p.document, ['spec', '$patch']) === undefined,
    )
  );
}

/** The values configure writes under `clustermesh`, which a patch may set too. */
const meshWrites: readonly (readonly string[])[] = [
  ['apiserver', 'service'],
  ['apiserver', 'tls', 'server', 'extraDnsNames'],
  ['config', 'clusters'],
];

/**
 * Which of the values configure writes a release's patch sets (a strategic
 * merge document's keys, a JSON 6902 operation's path), said as paths;
 * undefined where it sets none of them. A strategic merge merges maps into
 * the release's values (a custom resource's lists it replaces): one that
 * sets only the service's type LoadBalancer and annotations other than LB
 * IPAM's leaves what configure writes beside them in place.
 */
function meshWritesSetBy(patch: PatchOrigin): string | undefined {
  // a path and a write overlap where one is a prefix of the other
  const overlaps = (path: readonly string[], write: readonly string[]) =>
    path.every((k, i) => i >= write.length || write[i] === k);
  const mergeSets = (document: unknown, write: readonly string[]) => {
    const value = getPath(document, [
      'spec',
      'values',
      'clustermesh',
      ...write,
    ]);
    if (value === undefined) return false;
    if (write.join('.') !== 'apiserver.service' || !isRecord(value))
      return true;
    // merged beside what configure writes only where it sets the type
    // LoadBalancer and annotations other than LB IPAM's, nothing else
    // (a class, an address, labels, a `$patch` directive win)
    const annotations = value.annotations;
    return Object.entries(value).some(([key, v]) =>
      key === 'type'
        ? v !== 'LoadBalancer'
        : key !== 'annotations' ||
          !isRecord(annotations) ||
          lbIpamAnnotationKeys.some(k => annotations[k] !== undefined) ||
          '$patch' in annotations,
    );
  };
  const set = meshWrites.filter(write =>
    patch.kind === 'merge'
      ? mergeSets(patch.document, write)
      : patch.operations.some(
          op =>
            op.path[0] === 'spec' &&
            op.path[1] === 'values' &&
            op.path[2] === 'clustermesh' &&
            overlaps(op.path.slice(3), write),
        ),
  );
  return set.length
    ? set.map(w => `clustermesh.${w.join('.')}`).join(', ')
    : undefined;
}

/**
 * The Kustomization applying a cluster's Cilium values made to substitute
 * from the settings the cluster has, where it does not yet and the values
 * are one file several clusters share, which needs each cluster's values
 * from its settings (isvicy's `cilium/ks.yaml` without a postBuild beside
 * each cluster's cluster-settings in flux-system): its declaration is
 * plain, not a patch's list, and the settings are in its namespace, where
 * Flux looks substitution sources up.
 */
function wiringOfSettings(
  mesh: MeshModel,
  cluster: ClusterModel,
  settings: SubstitutedObject,
): Pick<SettingsWriteTarget, 'wires' | 'wiresAlso'> {
  const { cilium } = cluster;
  const wires = cilium?.kind === 'helmrelease' ? cilium.appliedBy : undefined;
  const declaration = wires?.object;
  if (
    !wires ||
    !declaration ||
    declaration.source.index < 0 ||
    wires.namespace !== settings.namespace ||
    wires.substituteFrom.some(
      r => r.kind === 'ConfigMap' && r.name === settings.name,
    ) ||
    substituteFromSetElsewhere(wires) ||
    !mesh.clusters.some(
      o =>
        o !== cluster &&
        o.cilium?.object?.source.file === cilium!.object?.source.file,
    )
  )
    return {};
  return { wires, wiresAlso: templateSources(mesh, cluster, wires) };
}

/**
 * A new settings ConfigMap at the conventions' settings file of a cluster
 * whose Cilium values' Kustomization, which names it already (optional),
 * other clusters share: where the cluster applies the other files of that
 * folder, listed beside them, in the namespace the Kustomization reads.
 */
function ownFolderSettings(
  mesh: MeshModel,
  cluster: ClusterModel,
  wires: RenderedKustomization,
): SettingsWriteTarget | undefined {
  const { conventions } = mesh;
  const file = settingsFileOf(conventions, cluster.name);
  const dir = dirnamePath(file);
  if (mesh.repository.isFile(file)) return undefined;
  // a file of that folder the cluster applies, from the folder's own build
  const sibling = cluster.render.objects.find(
    ({ object }) =>
      object.source.index >= 0 && dirnamePath(object.source.file) === dir,
  );
  if (!sibling) return undefined;
  // no kustomization file up to the folder Flux builds: Flux generates one
  // that takes every file, the new one too
  const listing = listingOf(mesh, file, sibling.appliedBy.path);
  return {
    file,
    format: 'yaml',
    doc: -1,
    configMap: clusterPath(conventions.settings.configMap, cluster.name),
    appliedBy: sibling.appliedBy,
    substituted: sibling.appliedBy.postBuild,
    create: {
      ...listing,
      namespace: wires.namespace,
      substitutedBy: wires.key,
      ownFolder: true,
    },
  };
}

/**
 * A new settings ConfigMap in the cluster's own folder that lists its
 * Cilium values' Kustomization (`clusters/<c>/infrastructure`, listing
 * `…/cilium/<c>.yaml`), where the Kustomizations of every cluster sit in
 * one folder: listed in that folder's kustomization, so the same parent
 * applies it, in the namespace the Kustomization reads.
 */
function listingFolderSettings(
  mesh: MeshModel,
  cluster: ClusterModel,
  wires: RenderedKustomization,
  /** The Kustomization names it not yet: the change adds it to its substituteFrom. */
  wire: boolean,
): SettingsWriteTarget | undefined {
  const { conventions } = mesh;
  const parent = cluster.render.kustomizations.find(
    k => k.key === wires.parent,
  );
  const dir = parent?.path;
  if (
    dir === undefined ||
    !(dir === cluster.dir || dir.startsWith(`${cluster.dir}/`))
  )
    return undefined;
  const kustomization = mesh.repository.kustomizationFile(dir);
  const configMap = clusterPath(conventions.settings.configMap, cluster.name);
  const file = joinPath(
    dir,
    basenamePath(settingsFileOf(conventions, cluster.name)),
  );
  if (!kustomization || !file || mesh.repository.isFile(file)) return undefined;
  return {
    file,
    format: 'yaml',
    doc: -1,
    configMap,
    appliedBy: parent,
    substituted: parent!.postBuild,
    create: {
      kustomization,
      namespace: wires.namespace,
      substitutedBy: wires.key,
      ownFolder: true,
    },
    ...(wire && { wires }),
  };
}

/**
 * The kustomization whose build takes a file (the nearest one at or above
 * its folder, up to the folder a Flux Kustomization builds) and the entry
 * that lists it there; none when Flux generates the kustomization.
 */
function listingOf(
  mesh: MeshModel,
  file: string,
  builtFolder: string | undefined,
  /**
   * A file the listing kustomization must apply (the declaration the new
   * file goes beside): a nearer kustomization that does not (the folder
   * a `ks.yaml` beside it builds itself) is passed by.
   */
  applying?: string,
): { kustomization?: string; after?: string } {
  for (let dir = dirnamePath(file); ; dir = dirnamePath(dir)) {
    const kustomization = mesh.repository.kustomizationFile(dir);
    if (
      kustomization &&
      (applying === undefined || mesh.repository.builds(dir, applying))
    )
      return {
        kustomization,
        after: dir ? file.slice(dir.length + 1) : file,
      };
    if (!dir || dir === builtFolder) return {};
  }
}

/** How Flux substitutes one Kustomization, after the change adds settings keys. @public */
export interface SubstitutionScope {
  kustomization: RenderedKustomization;
  /** Variables it will see: defined now, or added to a settings ConfigMap it substitutes from. */
  resolves(name: string): boolean;
  /** Whether a variable comes from a Secret (its value is never known here). */
  secret(name: string): boolean;
}

/**
 * Whether a variable is there to count on: a source from outside the
 * repository whose keys are not known may define any name, so one only it
 * might hold counts when this run was given its value (the conventions'
 * values), not otherwise.
 */
const definedFor = (v: VariableValue | undefined) =>
  v !== undefined && (!v.unverified || !v.secret);

/**
 * The variables a Kustomization substitutes with once the change has added
 * `added` keys to the settings ConfigMap named `configMap` (`wired`: and
 * has made the Kustomization substitute from it; `inline`: to the
 * Kustomization's own postBuild.substitute).
 *
 * @public
 */
export function substitutionScope(
  kustomization: RenderedKustomization,
  configMap: string | undefined,
  added: { has(name: string): boolean },
  wired = false,
  /** The change writes the keys into this Kustomization's own postBuild.substitute. */
  inline = false,
  /** Sources the change adds to its substituteFrom besides the settings, when wired. */
  also: readonly SubstitutionSource[] = [],
): SubstitutionScope {
  const fromAlso = (name: string) =>
    wired ? also.find(source => source.keys.includes(name)) : undefined;
  const readsSettings =
    inline ||
    (configMap !== undefined &&
      (wired ||
        kustomization.substituteFrom.some(
          r => r.kind === 'ConfigMap' && r.name === configMap,
        ) ||
        // a substitution webhook writes its ConfigMap's keys into it
        (kustomization.injectedFrom?.some(
          r => r.kind === 'ConfigMap' && r.name === configMap,
        ) ??
          false)));
  return {
    kustomization,
    resolves: name =>
      (kustomization.postBuild &&
        definedFor(kustomization.variables.get(name))) ||
      ((kustomization.postBuild || wired) &&
        readsSettings &&
        added.has(name)) ||
      !!fromAlso(name),
    secret: name =>
      kustomization.variables.get(name)?.secret === true ||
      fromAlso(name)?.kind === 'Secret',
  };
}

/**
 * How a cluster's FQDN is written:
 * - `literal`: the name has no variables, it is written as it is;
 * - `settings-template`: the settings are substituted with the variables
 *   the template uses, so the template goes in the settings;
 * - `settings-resolved`: the settings are stored verbatim, and the template's
 *   variables are plain values in the repository: the resolved name goes
 *   in the settings;
 * - `files-template`: the settings are stored verbatim and a variable of the
 *   template is a secret (or known only from configuration): the name is
 *   never written out in a plain file, the template goes in the files that
 *   Flux substitutes instead of a settings variable.
 *
 * @public
 */
export type FqdnForm =
  | { kind: 'literal'; name: string; why: string }
  | { kind: 'settings-template'; template: string; why: string }
  | { kind: 'settings-resolved'; name: string; why: string }
  | { kind: 'files-template'; template: string; why: string }
  | { kind: 'unresolvable'; template: string; why: string };

/**
 * Decides how a cluster's FQDN (and its peers', which use the same
 * template) is written, from where its settings are applied and where the
 * template's variables are defined.
 *
 * @public
 */
export function fqdnForm(
  mesh: MeshModel,
  cluster: ClusterModel,
  target: SettingsWriteTarget | undefined,
  name: string = cluster.name,
): FqdnForm {
  const { conventions } = mesh;
  const template = fqdnTemplateFor(conventions, name);
  const variables = referencedVariables(template);
  if (variables.length === 0)
    return {
      kind: 'literal',
      name: template,
      why: 'the FQDN template has no variables',
    };
  const settingsName = target?.configMap ?? 'the settings ConfigMap';
  const applier = target?.appliedBy;
  // a source whose keys are not known here (a Secret made outside the
  // repository) may define any name: one the repository never uses is
  // taken for missing, not for a secret it holds
  const unverified = (v: string) => {
    const found = [cluster.settings.get(v), applier?.variables.get(v)].filter(
      x => x !== undefined,
    ) as { origin: string; unverified?: boolean }[];
    return found.length > 0 && found.every(x => x.unverified)
      ? found[0].origin
      : undefined;
  };
  const guessed = variables.filter(
    v =>
      clusterValues(conventions, cluster.name)[v] === undefined &&
      unverified(v) !== undefined &&
      !mesh.repository.mentions(v),
  );
  /** The template cannot be resolved: these variables are not defined. */
  const undefinedIn = (names: string[], why: string) => ({
    kind: 'unresolvable' as const,
    template,
    why: `${names.join(', ')} ${
      names.length > 1 ? 'are' : 'is'
    } not defined for ${cluster.name}${why}`,
  });
  if (guessed.length)
    return undefinedIn(
      guessed,
      `: the repository never names ${
        guessed.length > 1 ? 'them' : 'it'
      }, and only ${unverified(
        guessed[0],
      )}, whose keys are not known here, could (give the FQDN template of the names you use: --fqdn-template, the action's fqdnTemplate or the conventions' fqdnTemplate; or give ${
        guessed[0]
      } with the values of this run if that source holds it)`,
    );
  if (
    target?.substituted &&
    applier &&
    variables.every(v => applier.variables.value(v) !== undefined)
  )
    return {
      kind: 'settings-template',
      template,
      why: `ConfigMap ${settingsName} is applied by Kustomization ${
        applier.key
      }, which substitutes ${variables.join(', ')}`,
    };
  // where the name is used (the Cilium values, the DNSEndpoint), a later
  // substitution source wins: a Secret listed after the settings that
  // defines the variable too gives its value, not the settings'
  const consumers = [
    cluster.cilium?.appliedBy,
    ...cluster.dnsEndpoints.map(e => e.appliedBy),
  ].filter(k => k !== undefined);
  // (a source whose keys are not known may not define it: not taken)
  const secretWhereUsed = (v: string) =>
    consumers.find(k => {
      const used = k.variables.get(v);
      return used?.secret === true && !used.unverified;
    });
  // a variable as the cluster's plain settings (or repository) define it
  const plain = new Map<string, string>();
  const secret: string[] = [];
  const missing: string[] = [];
  const overridden: string[] = [];
  /** Secret variables no source of the cluster is known to define: their value only this run gives (LeafdTK's copy). */
  const givenOnly: string[] = [];
  for (const v of variables) {
    const setting = cluster.settings.get(v);
    const usedSecret = secretWhereUsed(v);
    // a value only this run gives (a source made outside the repository,
    // TorStava's SECRET_DOMAIN) is not the repository's to write out
    const plainSetting =
      setting &&
      !setting.secret &&
      !setting.origin.startsWith('Secret') &&
      !setting.unverified &&
      !setting.given;
    // the settings ConfigMap holds it too, but a later Secret gives it
    const shadowedIn = plainSetting
      ? setting.origin
      : cluster.settings.shadowedIn(v);
    if (shadowedIn && usedSecret) {
      secret.push(v);
      overridden.push(
        `${v} (Kustomization ${usedSecret.key} substitutes it from ${
          usedSecret.variables.get(v)!.origin
        }, listed after ${shadowedIn})`,
      );
    } else if (plainSetting) {
      plain.set(v, setting.value);
    } else if (
      setting ||
      // in a Secret the change has the values' Kustomization read too
      target?.wiresAlso?.some(source => source.keys.includes(v))
    ) {
      secret.push(v);
    } else if (clusterValues(conventions, cluster.name)[v] !== undefined) {
      // only this run gives it: not the repository's to write out either
      secret.push(v);
      givenOnly.push(v);
    } else {
      missing.push(v);
    }
  }
  const unsubstituted = variables.filter(
    v => applier?.variables.value(v) === undefined,
  );
  let verbatim = 'there is no settings ConfigMap';
  if (target && target.substituted && applier)
    // it substitutes, but not these: a `${VAR}` Flux does not define
    // becomes empty (strict mode fails instead); not written there
    verbatim = `ConfigMap ${settingsName} is applied by Kustomization ${
      applier.key
    }, whose post-build substitution does not define ${unsubstituted.join(
      ', ',
    )}, so a template written there would lose ${
      unsubstituted.length > 1 ? 'them' : 'it'
    }`;
  else if (target?.format === 'inline')
    // the entries are substitution values themselves: used as written
    verbatim = `the settings go in the postBuild.substitute of Kustomization ${
      applier?.key ?? target.file
    }, whose values Flux uses as they are written`;
  else if (target)
    verbatim = `ConfigMap ${settingsName}${
      target.create ? `, which this change creates (${target.file}),` : ''
    } is applied${
      applier ? ` by Kustomization ${applier.key}` : ''
    } without post-build substitution, so Flux stores its values verbatim`;
  if (missing.length) {
    // the domains the cluster's ExternalDNS publish in: the names it uses;
    // a value given to this run said by its variable, as the files hold it
    const given = Object.entries(clusterValues(conventions, cluster.name));
    const asWritten = (filter: string) =>
      given.reduce(
        (text, [variable, value]) =>
          value ? text.split(value).join(`\${${variable}}`) : text,
        filter.trim().replace(secretPlaceholderPattern, '$${$1}'),
      );
    const published = [...new Set(publishedDomainsOf(cluster).map(asWritten))]
      .filter(f => f && !missing.some(v => referencedVariables(f).includes(v)))
      .slice(0, 3);
    return undefinedIn(
      missing,
      ` (give the FQDN template of the names you use: --fqdn-template, the action's fqdnTemplate or the conventions' fqdnTemplate${
        published.length
          ? `, e.g. in a domain its ExternalDNS publishes in: ${published
              .map(f => `clustermesh-{cluster}.${f}`)
              .join(', ')}`
          : ''
      }; or define ${missing[0]} in its settings)`,
    );
  }
  if (secret.length === 0) {
    const result = envsubst(template, n => plain.get(n), { strict: false });
    const resolved = result.ok ? result.output : template;
    return {
      kind: 'settings-resolved',
      name: resolved,
      why: `${verbatim}, and ${[...plain.keys()].join(', ')} ${
        plain.size > 1 ? 'are plain values' : 'is a plain value'
      } there: the resolved name is written`,
    };
  }
  return {
    kind: 'files-template',
    template,
    why: `${verbatim}, and ${secret.join(', ')} ${
      secret.length > 1 ? 'are' : 'is'
    } ${
      givenOnly.length === secret.length
        ? 'a value given to this run, which no source of the cluster is known to define'
        : 'secret'
    }${
      overridden.length
        ? ` where the name is used: ${overridden.join('; ')}`
        : ''
    }: the name is not written out in a plain file; the template goes into the files Flux substitutes`,
  };
}

/**
 * How to make an inline patch of the Cilium values editable: a patch file
 * a kustomization lists; a Flux Kustomization's spec.patches takes inline
 * text only, so there the patch moves to a kustomization of its folder.
 */
function movePatchAdvice(file: string): string {
  const inKustomization = /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(
    file,
  );
  return `move the patch to a file of its own, listed ${
    inKustomization
      ? 'there'
      : "in a kustomization.yaml of the folder the Kustomization builds (a Flux Kustomization's spec.patches takes inline text only)"
  } (\`patches: [{path: cilium-values.yaml, target: …}]\`), and run configure again; or write the values there by hand`;
}

/** Whether a text still holds a secret placeholder. */
export const hasSecretPlaceholder = (text: string) =>
  new RegExp(secretPlaceholderPattern.source).test(text);

/** Where the Cilium values of one or more clusters are written. @public */
export interface CiliumWriteTarget {
  file: string;
  /** Index of the document; 0 for a values file. */
  doc: number;
  /** Path of the values in the document. */
  root: ObjectPath;
  /**
   * `helmchartconfig`: RKE2's HelmChartConfig, whose values are YAML inside
   * its `valuesContent` text (`root` is that field): read, never edited.
   */
  kind: 'helmrelease' | 'values-configmap' | 'values-file' | 'helmchartconfig';
  /**
   * The ConfigMap whose text (`data: {values.yaml: |…}`, a document of
   * the repository) the HelmRelease takes its other values from
   * (`valuesFrom`): YAML inside a text, which configure does not edit.
   * Where it says all the mesh needs, nothing is written; else the values
   * go in the release's `spec.values`, which Flux merges over it.
   */
  valuesText?: {
    file: string;
    doc: number;
    root: ObjectPath;
    configMap: string;
    /** Whether its text holds a `clustermesh` block. */
    holdsMesh: boolean;
  };
  /**
   * The values file a kustomize generator makes the ConfigMap the
   * HelmRelease also takes its values from (Jonnobrow's
   * `helm/values.yaml`), where the values are written in the release's
   * own `spec.values` instead: said, as the owner keeps them there.
   */
  valuesFileBeside?: string;
  /**
   * For a generated values layer written in: every file the HelmRelease
   * takes its values from through valuesFrom (ConfigMaps a kustomize
   * generator makes), in order, where there are several (tuxpeople's
   * `values.yaml` and `ingress-values.yaml`): the last wins, said.
   */
  valuesLayers?: string[];
  /** The clusters whose values these are (several when the file is shared). */
  clusters: string[];
  /** The Kustomization that applies the values, per cluster (none for a values file). */
  appliedBy: Map<string, RenderedKustomization>;
}

/**
 * The file and path where each cluster's Cilium values are written: the
 * conventions' plain values file; else the layer of the HelmRelease's values
 * that already holds `clustermesh` (a kustomize patch file of the release
 * that sets it, its `spec.values`, or the values file that a `valuesFrom`
 * ConfigMap generator reads); else `spec.values`, or the
 * last generated values file when the release has no inline values. Clusters
 * that share the file share the target.
 *
 * @public
 */
export function ciliumWriteTargets(
  mesh: MeshModel,
  clusters: readonly ClusterModel[],
): (CiliumWriteTarget | { cluster: string; problem: string; file: string })[] {
  const { conventions } = mesh;
  const out = new Map<string, CiliumWriteTarget>();
  const problems: { cluster: string; problem: string; file: string }[] = [];
  for (const cluster of clusters) {
    let target: Omit<CiliumWriteTarget, 'clusters' | 'appliedBy'> | undefined;
    let appliedBy: RenderedKustomization | undefined;
    // the values file, unless the cluster's Cilium is a HelmRelease (or
    // RKE2's config) and the file is not there: the model read that
    if (
      conventions.cilium.valuesFile &&
      (cluster.cilium?.kind === 'values-file' || !cluster.cilium)
    ) {
      target = {
        file: clusterPath(conventions.cilium.valuesFile, cluster.name),
        doc: 0,
        root: [],
        kind: 'values-file',
      };
    } else if (cluster.cilium?.kind === 'helmchartconfig') {
      // checked, not edited: values already right need no edit there
      const config = cluster.cilium.object!;
      target = {
        file: config.source.file,
        doc: config.source.index,
        root: ['spec', 'valuesContent'],
        kind: 'helmchartconfig',
      };
      appliedBy = cluster.cilium.appliedBy;
    } else if (cluster.cilium?.object) {
      const hr = cluster.cilium.object;
      const layer = valuesLayerOf(mesh, cluster, hr);
      if ('problem' in layer) {
        problems.push({
          cluster: cluster.name,
          problem: layer.problem,
          file: layer.file ?? hr.source.file,
        });
        continue;
      }
      target = layer.target;
      appliedBy = layer.appliedBy;
    } else {
      const file = conventions.cilium.helmRelease.file;
      problems.push({
        cluster: cluster.name,
        file,
        problem: `no HelmRelease ${
          conventions.cilium.helmRelease.name
        } is applied to ${
          cluster.name
        }, and no plain values file is configured (conventions cilium.valuesFile)${installedElsewhere(
          cluster,
        )}${unevaluatedPartsNote(cluster)}`,
      });
      continue;
    }
    const key = `${target.file}#${target.doc}#${target.root.join('.')}`;
    const existing: CiliumWriteTarget = out.get(key) ?? {
      ...target,
      clusters: [],
      appliedBy: new Map(),
    };
    existing.clusters.push(cluster.name);
    if (appliedBy) existing.appliedBy.set(cluster.name, appliedBy);
    out.set(key, existing);
  }
  return [...out.values(), ...problems];
}

/**
 * The last strategic merge patch file of a cluster's Cilium HelmRelease
 * that sets `spec.values` and that no other cluster's release takes.
 */
function ownValuesPatch(
  mesh: MeshModel,
  cluster: ClusterModel,
): Pick<CiliumWriteTarget, 'file' | 'doc' | 'root'> | undefined {
  const hr = cluster.cilium?.kind === 'helmrelease' && cluster.cilium.object;
  if (!hr) return undefined;
  const patch = [...(hr.source.patches ?? [])]
    .reverse()
    .find(
      p =>
        p.kind === 'merge' &&
        p.line === undefined &&
        p.index !== undefined &&
        isRecord(getPath(p.document, ['spec', 'values'])),
    );
  if (patch?.kind !== 'merge' || patch.index === undefined) return undefined;
  const sharedWith = mesh.clusters.some(
    c =>
      c !== cluster &&
      c.cilium?.object?.source.patches?.some(p => p.file === patch.file),
  );
  return sharedWith
    ? undefined
    : { file: patch.file, doc: patch.index, root: ['spec', 'values'] };
}

function valuesLayerOf(
  mesh: MeshModel,
  cluster: ClusterModel,
  hr: SubstitutedObject,
):
  | {
      target: Omit<CiliumWriteTarget, 'clusters' | 'appliedBy'>;
      appliedBy: RenderedKustomization;
    }
  | {
      problem: string;
      /** The file the problem is in, when not the HelmRelease's. */
      file?: string;
    } {
  const spec = isRecord(hr.body.spec) ? hr.body.spec : {};
  const inline = {
    target: {
      file: hr.source.file,
      doc: hr.source.index,
      root: ['spec', 'values'],
      kind: 'helmrelease' as const,
    },
    appliedBy: cluster.cilium!.appliedBy!,
  };
  const generated: {
    target: Omit<CiliumWriteTarget, 'clusters' | 'appliedBy'>;
    appliedBy: RenderedKustomization;
    values: unknown;
  }[] = [];
  /** The last ConfigMap document of the repository whose text gives values (SChimera's `cilium-values`). */
  let valuesText: CiliumWriteTarget['valuesText'];
  for (const ref of valuesReferences(spec)) {
    if (ref.kind !== 'ConfigMap') continue;
    const key = ref.valuesKey;
    const namespace = hr.namespace ?? cluster.cilium!.appliedBy?.namespace;
    const found = cluster.render.objects.find(
      ({ object, appliedBy }) =>
        object.kind === 'ConfigMap' &&
        object.name === ref.name &&
        (object.namespace ?? appliedBy.namespace) === namespace,
    );
    if (!found || ref.targetPath !== undefined) continue;
    const file = generatorFile(mesh, found.object, key);
    const text = getPath(found.object.body, ['data', key]);
    if (!file && found.object.source.index >= 0 && typeof text === 'string')
      valuesText = {
        file: found.object.source.file,
        doc: found.object.source.index,
        root: ['data', key],
        configMap: describeObject({
          ...found.object,
          namespace: found.object.namespace ?? namespace,
        }),
        holdsMesh: /^clustermesh:/m.test(text),
      };
    if (file && typeof text === 'string')
      generated.push({
        target: { file, doc: 0, root: [], kind: 'values-configmap' },
        appliedBy: found.appliedBy,
        values: clustermeshIn(mesh, file),
      });
  }
  const hasInline = isRecord(spec.values);
  // a kustomize patch file of the release (a cluster's overlay) that sets
  // the clustermesh values, or a JSON 6902 one that replaces the values
  // whole (`op: add, path: /spec/values`): they are written there, where
  // they win; the last such patch applied wins
  for (const p of [...(hr.source.patches ?? [])].reverse()) {
    const setsMesh =
      p.kind === 'merge' &&
      getPath(p.document, ['spec', 'values', 'clustermesh']) !== undefined;
    const replacing =
      p.kind === 'json'
        ? [...p.operations]
            .reverse()
            .find(
              op =>
                op.path.length === 2 &&
                op.path[0] === 'spec' &&
                op.path[1] === 'values' &&
                isRecord(op.value),
            )
        : undefined;
    // a patch written as text (a kustomization's, or a Flux Kustomization's
    // spec.patches) that sets what configure writes: the cluster's own
    // values, which win over anything written in the release (a base every
    // cluster builds), and YAML in a string is not edited here
    const overriding =
      p.line !== undefined && !replacing ? meshWritesSetBy(p) : undefined;
    if (overriding)
      return {
        file: p.file,
        problem: `the ClusterMesh values of ${describeObject(
          hr,
        )} (${overriding}) are set by a patch written inline at ${p.file}:${
          p.line
        }, which configure does not edit (YAML inside a text) and which wins over anything written in the HelmRelease: ${movePatchAdvice(
          p.file,
        )}`,
      };
    if (!setsMesh && !replacing) continue;
    // a patch written as text inside a kustomization (or a Flux
    // Kustomization's spec.patches): YAML in a string, not edited here.
    // One that replaces the values whole overwrites anything written in
    // the release; one that merges keeps what it does not set there
    if (p.line !== undefined) {
      if (!replacing) continue;
      return {
        file: p.file,
        problem: `the Cilium values of ${describeObject(
          hr,
        )} are replaced whole by a patch written inline at ${p.file}:${
          p.line
        }, which configure does not edit (YAML inside a text): anything written in the HelmRelease would be overwritten; ${movePatchAdvice(
          p.file,
        )}`,
      };
    }
    if (setsMesh && p.kind === 'merge' && p.index !== undefined)
      return {
        ...inline,
        target: { ...inline.target, file: p.file, doc: p.index },
      };
    if (replacing)
      return {
        ...inline,
        target: {
          ...inline.target,
          file: p.file,
          doc: 0,
          root: [replacing.index, 'value'],
        },
      };
  }
  if (hasInline && getPath(spec.values, ['clustermesh']) !== undefined)
    return inline;
  const holding = generated.filter(g => g.values !== undefined);
  if (holding.length) return holding[holding.length - 1];
  // a base patched by the cluster's own overlay: the values go in that
  // patch, beside the cluster's other values, where no other cluster that
  // builds the base (left out of the mesh, or written out) reads them
  const own = ownValuesPatch(mesh, cluster);
  if (own) return { ...inline, target: { ...inline.target, ...own } };
  // the values a ConfigMap's text gives: checked there, written over it
  if (valuesText && (valuesText.holdsMesh || !hasInline))
    return { ...inline, target: { ...inline.target, valuesText } };
  if (generated.length === 0) return inline;
  // the release's own values beside those of a generated file: written
  // there, where Flux substitutes them, and said; also where it has none
  // yet but a bootstrap installs the file as it is (yamshy's: its helmfile
  // would install the LoadBalancer clustermesh-apiserver, waiting)
  const generatedFile = generated[generated.length - 1].target.file;
  if (hasInline || mesh.repository.readByBootstrap(generatedFile).length)
    return {
      ...inline,
      target: {
        ...inline.target,
        valuesFileBeside: generatedFile,
      },
    };
  const last = generated[generated.length - 1];
  return generated.length > 1
    ? {
        ...last,
        target: {
          ...last.target,
          valuesLayers: generated.map(g => g.target.file),
        },
      }
    : last;
}

/** Whether a values file (as the repository has it) holds a `clustermesh` block. */
function clustermeshIn(mesh: MeshModel, file: string): unknown {
  const text = mesh.repository.readText(file);
  return text !== undefined && /^clustermesh:/m.test(text) ? true : undefined;
}

/**
 * The file a kustomize ConfigMap generator read a key from
 * (`files: [key=path]` or `files: [path]`, in whichever generator of a
 * merge gave it), or undefined.
 */
export function generatorFile(
  mesh: MeshModel,
  object: SubstitutedObject,
  key: string,
): string | undefined {
  const file =
    object.source.index < 0 ? object.source.keyFiles?.[key] : undefined;
  return file && mesh.repository.isFile(file) ? file : undefined;
}

/** Where a new DNSEndpoint file goes, and the kustomization that must list it. @public */
export interface DnsEndpointPlacement {
  file: string;
  /** The kustomization file of its folder (undefined: Flux generates one that takes every file). */
  kustomization?: string;
  /** Why there. */
  why: string;
}

/** What installs Cilium for clusters, in words: `HelmRelease`, RKE2's `HelmChartConfig`. @public */
export function ciliumInstallNoun(clusters: readonly ClusterModel[]): string {
  const kinds = new Set(clusters.map(c => c.cilium?.kind));
  if (kinds.size === 1 && kinds.has('helmchartconfig'))
    // RKE2's HelmChartConfig, or a HelmChart k3s's Helm controller installs
    return [...new Set(clusters.map(c => c.cilium!.object!.kind))].join(' or ');
  if (kinds.size === 1 && kinds.has('values-file')) return 'values file';
  return 'HelmRelease';
}

/**
 * The folder where a new DNSEndpoint is applied to every one of `clusters`
 * with post-build substitution: the conventions' folder when it is applied
 * (or a Flux Kustomization builds a folder under it, as a component's
 * `ks.yaml` builds its `app/`), else the folder of the Cilium HelmRelease.
 *
 * @public
 */
export function dnsEndpointPlacement(
  mesh: MeshModel,
  clusters: readonly ClusterModel[],
  substitutes: (k: RenderedKustomization) => boolean = k => k.postBuild,
  /** How the folder is applied, said in the why. */
  how = 'with substitution',
): DnsEndpointPlacement | { problem: string; file: string } {
  const { conventions } = mesh;
  // a `{cluster}` in the conventions' file names one file per cluster
  const perCluster = conventions.dnsEndpoint.file.includes('{cluster}');
  const conventional =
    perCluster && clusters.length === 1
      ? clusterPath(conventions.dnsEndpoint.file, clusters[0].name)
      : conventions.dnsEndpoint.file;
  const name = basenamePath(conventional);
  const candidates: { dir: string; why: string }[] =
    perCluster && clusters.length > 1
      ? []
      : [
          {
            dir: dirnamePath(conventional),
            why: 'the folder of the conventions (dnsEndpoint.file)',
          },
        ];
  const install = ciliumInstallNoun(clusters);
  const hrFiles = new Set(
    clusters
      .map(c => c.cilium?.object?.source.file)
      .filter((f): f is string => f !== undefined),
  );
  // a HelmRelease taken from a base outside the folder its Kustomization
  // builds (`../../bases/cilium`): the record goes in that folder, the
  // cluster's overlay, not in the base every overlay shares
  const builtPaths = new Set(clusters.map(c => c.cilium?.appliedBy?.path));
  const builtPath = [...builtPaths][0];
  if (
    hrFiles.size === 1 &&
    builtPaths.size === 1 &&
    builtPath !== undefined &&
    !isPathUnder(dirnamePath([...hrFiles][0]), builtPath)
  )
    candidates.push({
      dir: builtPath,
      why: `in ${builtPath}, which Kustomization ${
        clusters[0].cilium!.appliedBy!.key
      } builds for ${clusters
        .map(c => c.name)
        .join(
          ', ',
        )} ${how}: the Cilium ${install} comes from the base ${dirnamePath(
        [...hrFiles][0],
      )}, which the change leaves as it is`,
    });
  if (hrFiles.size === 1)
    candidates.push({
      dir: dirnamePath([...hrFiles][0]),
      why: `next to the Cilium ${install}, which is applied to ${
        clusters.length === 1 ? clusters[0].name : 'every cluster'
      } ${how}`,
    });
  /** The clusters outside the group that apply a folder (a base they share too). */
  const othersApplying = (dir: string) =>
    mesh.clusters.filter(
      o =>
        !clusters.includes(o) &&
        (o.render.kustomizations.some(k => k.path === dir) ||
          o.render.objects.some(
            ({ object }) => dirnamePath(object.source.file) === dir,
          )),
    );
  let sharedWith: { dir: string; others: ClusterModel[] } | undefined;
  for (const { dir, why } of candidates) {
    const folder = appliedFolder(mesh, clusters, dir, substitutes);
    if (!folder) continue;
    // another cluster would get the record too: a second one of its own,
    // or one whose variables it does not define (outside the mesh)
    const others = othersApplying(folder.dir);
    if (others.length) {
      sharedWith ??= { dir: folder.dir, others };
      continue;
    }
    return {
      file: folder.dir ? `${folder.dir}/${name}` : name,
      kustomization: mesh.repository.kustomizationFile(folder.dir),
      why: folder.dir === dir ? why : `${why}: ${folder.why}`,
    };
  }
  return {
    file: conventional,
    problem: sharedWith
      ? `is not in a folder that Flux applies to ${clusters
          .map(c => c.name)
          .join(', ')} alone: ${
          sharedWith.dir
        } is applied to ${sharedWith.others
          .map(c => c.name)
          .join(', ')} too, which would get the record as well${
          sharedWith.others.some(o => !o.membership.member)
            ? ' (outside the mesh, with its variables undefined)'
            : ''
        }; set dnsEndpoint.file in the conventions to a file in a folder only these clusters apply (\`{cluster}\` in it for one file per cluster)`
      : `is not in a folder that Flux applies to ${clusters
          .map(c => c.name)
          .join(', ')} with substitution, and ${
          hrFiles.size > 1
            ? `their Cilium ${install}s are in folders of their own`
            : `neither is the Cilium ${install}`
        }; set dnsEndpoint.file in the conventions to a file in such a folder (\`{cluster}\` in it for one file per cluster)`,
  };
}

/**
 * A folder at or under `dir` whose files Flux applies, with substitution,
 * to each of the clusters: `dir` itself when its kustomization is built, or
 * the path of a Flux Kustomization under it.
 */
function appliedFolder(
  mesh: MeshModel,
  clusters: readonly ClusterModel[],
  dir: string,
  substitutes: (k: RenderedKustomization) => boolean,
): { dir: string; why: string } | undefined {
  const built = (c: ClusterModel) =>
    c.render.objects.find(
      ({ object, appliedBy }) =>
        substitutes(appliedBy) && dirnamePath(object.source.file) === dir,
    );
  if (mesh.repository.kustomizationFile(dir) && clusters.every(c => built(c)))
    return { dir, why: '' };
  // a Flux Kustomization that builds a folder under it (`<dir>/app`)
  const paths = clusters.map(
    c =>
      new Set(
        c.render.kustomizations
          .filter(k => substitutes(k) && !k.failed && isPathUnder(k.path, dir))
          .map(k => k.path),
      ),
  );
  const shared = [...(paths[0] ?? [])]
    .filter(p => paths.every(set => set.has(p)))
    .sort((a, b) => a.length - b.length);
  if (shared.length)
    return {
      dir: shared[0],
      why: `the folder a Flux Kustomization builds (${shared[0]})`,
    };
  return undefined;
}

/**
 * Said when a cluster runs Cilium that no HelmRelease here installs; not
 * when parts of the cluster are not evaluated, which may hold the release.
 */
function installedElsewhere(cluster: ClusterModel): string {
  const otherCni = otherCniNote(cluster.render);
  if (otherCni) return `; ${otherCni}`;
  if (unevaluatedParts(cluster.render, cluster.name)) return '';
  const object = ciliumObjectApplied(cluster.render);
  return object
    ? `; it applies Cilium's ${describeObject(
        object,
      )}, so Cilium is installed another way: configure writes Cilium values only into a HelmRelease or the values file cilium.valuesFile names`
    : '';
}

/**
 * A settings ConfigMap several clusters apply whose `${KEY}` lines the
 * Kustomization applying it substitutes, for each cluster, from its own
 * inline `postBuild.substitute` (TomTucka's copy: `CLUSTER_NAME: home` in
 * `clusters/home/ks.yaml`): a line as example, and where each cluster's
 * values are. Undefined where it is not so.
 *
 * @public
 */
export function substitutedInline(
  mesh: MeshModel,
  clusters: readonly string[],
  /** The shared settings object. */
  target: { configMap: string; file: string; doc: number },
): { example: string; sources: string[] } | undefined {
  const sources: string[] = [];
  let example: string | undefined;
  for (const name of clusters) {
    const shared = sharedSettingsOf(mesh.byName.get(name), target);
    if (!shared) return undefined;
    const { applied, data } = shared;
    const { variables } = applied.appliedBy;
    const line = Object.entries(data).find(([, v]) => {
      const key = typeof v === 'string' && /^\$\{(\w+)\}$/.exec(v)?.[1];
      return key && variables.inline(key);
    });
    if (!line) return undefined;
    const key = String(line[1]).slice(2, -1);
    const at = variables.get(key)?.location;
    if (!at || at.file === target.file) return undefined;
    example ??= `${line[0]}: "${String(line[1])}"`;
    sources.push(`${name}'s ${at.file}`);
  }
  return example ? { example, sources } : undefined;
}

/**
 * The shared settings object as a cluster applies it, with its `data` as
 * written, where a Kustomization substitutes it; undefined otherwise.
 */
function sharedSettingsOf(
  cluster: ClusterModel | undefined,
  target: { configMap: string; file: string; doc: number },
):
  | { applied: ClusterRender['objects'][number]; data: Record<string, unknown> }
  | undefined {
  const applied = cluster?.render.objects.find(
    ({ object }) =>
      object.kind === 'ConfigMap' &&
      object.name === target.configMap &&
      object.source.file === target.file &&
      object.source.index === target.doc,
  );
  const data = getPath(applied?.object.source.root, ['data']);
  return applied?.appliedBy.postBuild && isRecord(data)
    ? { applied, data }
    : undefined;
}

/**
 * A settings ConfigMap several clusters apply from one file, whose values
 * are each one variable (`CLUSTER_NAME: "${CLUSTER_NAME}"`) that the
 * Kustomization applying it substitutes from a source of each cluster's
 * own: an example line, those sources (`main: file`), and the keys a
 * cluster's own FQDN and LB IP take. Undefined where it is not so.
 *
 * @public
 */
export function passedThrough(
  mesh: MeshModel,
  clusters: readonly string[],
  /** The shared settings object. */
  target: { configMap: string; file: string; doc: number },
):
  | {
      example: string;
      sources: string[];
      keys: string;
      /** Each cluster's own object its values come from. */
      owners: Map<string, ClusterRender['objects'][number]>;
    }
  | undefined {
  const sources: string[] = [];
  const owners = new Map<string, ClusterRender['objects'][number]>();
  let example: string | undefined;
  for (const name of clusters) {
    const cluster = mesh.byName.get(name);
    const shared = sharedSettingsOf(cluster, target);
    if (!shared) return undefined;
    const { applied, data } = shared;
    const lines = Object.entries(data);
    if (
      !lines.length ||
      // `${KEY:=}`: an empty default, for a key some cluster has none of;
      // `${quote}${KEY}${quote}`: a number kept text, as Flux's docs show
      !lines.every(
        ([, v]) =>
          typeof v === 'string' &&
          /^(?:(\$\{\w+\})\$\{\w+(?::=)?\}\1|\$\{\w+(?::=)?\})$/.test(v),
      )
    )
      return undefined;
    example ??= `${lines[0][0]}: "${String(lines[0][1])}"`;
    // the cluster's own object those values come from
    const from = applied.appliedBy.substituteFrom
      .map(ref =>
        cluster!.render.objects.find(
          ({ object }) =>
            object.kind === ref.kind &&
            object.name === ref.name &&
            object.source.file !== target.file,
        ),
      )
      .find(Boolean);
    if (!from) return undefined;
    sources.push(`${name}'s ${from.object.source.file}`);
    owners.set(name, from);
  }
  const files = [...owners.values()].map(o => o.object.source.file);
  if (!example || new Set(files).size !== files.length) return undefined;
  const { fqdn, lbIp } = mesh.conventions.variables;
  return { example, sources, keys: `${fqdn}, ${lbIp} and the peers'`, owners };
}
