import type { IpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  formatLocation,
  secretPlaceholder,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { chartEnables, ciliumValuesPaths } from '../cilium/values';
import type { MeshConventions } from '../conventions/schema';
import { getPath, isRecord, type ObjectPath } from '../core/paths';
import { describeObject } from '../core/manifest';
import { firstFew } from '../core/text';
import { isSopsEncrypted } from '../flux/sops';
import {
  clusterValues,
  fqdnTemplateFor,
  peerFqdnVariable,
  defaultSettingsFile,
  resolveFqdnTemplate,
  settingsFileOf,
  variableReference,
} from '../conventions/templates';
import { envsubst, referencedVariables } from '../flux/envsubst';
import type {
  ClusterRender,
  RenderedKustomization,
} from '../flux/fluxKustomization';
import type { ClusterModel, MeshModel } from '../model/types';
import {
  CiliumWriteTarget,
  ciliumWriteTargets,
  declaredByOthers,
  FqdnForm,
  fqdnForm,
  fqdnTemplateResolvesFor,
  hasSecretPlaceholder,
  passedThrough,
  substitutedInline,
  patchedSubstituteNote,
  SettingsWriteTarget,
  settingsReadByNothing,
  settingsUnread,
  settingsWriteTarget,
  substitutionScope,
  SubstitutionScope,
} from '../model/writeTargets';
import { YamlTextEditor } from '../yaml/edit';
import {
  clustersByCiliumName,
  inRepositoryLayout,
  lineAt,
  meshEntriesOf,
  meshPeersSecretElsewhere,
} from '../model/queries';
import type { BootstrapReader } from '../flux/bootstrapReads';
import type { MeshDnsChangeInput, PlanProblem } from './input';

/**
 * A variable of a shared ClusterMesh switch that a cluster's own settings
 * set to false: in its settings write file, or in the inline
 * `postBuild.substitute` of its own Kustomization (`inline`), which wins
 * over any source.
 */
export interface OwnSwitch {
  variable: string;
  inline?: { file: string; doc: number };
}

/**
 * What a change decides before it edits anything: the mesh after it, each
 * cluster's peers, where each cluster's settings are written and in which
 * form its FQDN is written (one form per cluster, used in every file).
 */
export interface ChangeContext {
  mesh: MeshModel;
  conventions: MeshConventions;
  input: MeshDnsChangeInput;
  /** The clusters this change configures, with their LB IPs. */
  configured: Map<string, IpAddress>;
  /** The clusters this change takes out. */
  removed: Set<string>;
  /** Names given to take out that no cluster or peer entry knows: nothing to remove. */
  unknownRemoved: string[];
  /** The clusters of the mesh after the change, in the model's order. */
  members: string[];
  /**
   * Clusters whose settings pass through a shared ConfigMap from a source
   * of their own that configure cannot write (a Secret, a SOPS file), with
   * the ClusterMesh entries there already: left as they are.
   */
  settledSettings: ReadonlySet<string>;
  /**
   * Clusters whose settings pass through a shared ConfigMap from a plain
   * ConfigMap of their own: their entries are written there, and a line
   * passing each through in the shared one.
   */
  passedThroughOwn: ReadonlyMap<string, OwnSettingsSource>;
  /** Where each cluster's settings are written (members and removed clusters). */
  settings: Map<string, SettingsWriteTarget>;
  /** How each member's FQDN is written. */
  forms: Map<string, FqdnForm>;
  /** Whether a cluster's settings hold a key once the change is made (a key the change writes). */
  addsKey(cluster: string, key: string): boolean;
  /** The variable of a peer's FQDN (remembered: a mesh asks it n² times). */
  peerVariable(peer: string): string;
  /** The FQDN template of a cluster (remembered). */
  template(cluster: string): string;
  /** Whether a cluster knows a peer after the change. */
  knows(cluster: string, peer: string): boolean;
  /** The Cilium values to write. */
  cilium: CiliumWriteTarget[];
  /** How the values are written, and why: for the summary. */
  notes: string[];
  /** The bootstrap helmfiles that install a file's values as they are. */
  readByBootstrap: BootstrapReader;
  /** The files whose bootstrap install a note already explains: said once. */
  bootstrapExplained: Set<string>;
  /**
   * Configured clusters whose own settings switch ClusterMesh off through
   * the variable of values they share (`useAPIServer:
   * ${CILIUM_CLUSTERMESH_ENABLED:=true}`, `"false"` in theirs): the
   * variables their settings set to true, the shared values left as they are.
   */
  switchesOn: ReadonlyMap<string, readonly OwnSwitch[]>;
}

/**
 * Why a cluster needs no settings where its Cilium values are written out
 * for the bootstrap helmfile that also installs them: its own values file,
 * records kept by hand, an FQDN template without variables, and no file of
 * the repository naming a settings variable of the mesh. Nothing would
 * read them (undefined when something may).
 */
function writtenOutForBootstrap(
  mesh: MeshModel,
  conventions: MeshConventions,
  cluster: string,
  members: readonly string[],
  cilium: readonly CiliumWriteTarget[],
  readByBootstrap: BootstrapReader,
): string | undefined {
  if (
    conventions.dns.mode !== 'manual' ||
    conventions.settings.create === 'always'
  )
    return undefined;
  const { fqdn, lbIp } = conventions.variables;
  const variables = [
    fqdn,
    lbIp,
    ...members.map(m => peerFqdnVariable(conventions, m)),
  ];
  if (variables.some(v => mesh.repository.mentions(v))) return undefined;
  if (
    members.some(
      m => referencedVariables(fqdnTemplateFor(conventions, m)).length > 0,
    )
  )
    return undefined;
  const own = cilium.find(
    t => t.clusters.length === 1 && t.clusters[0] === cluster,
  );
  if (!own || own.kind === 'values-file') return undefined;
  const readers = readByBootstrap(own.file);
  if (!readers.length) return undefined;
  return `nothing would read one: its Cilium values are written out in ${
    own.file
  }, which ${readers.join(', ')} ${
    readers.length > 1 ? 'read' : 'reads'
  } to install a new cluster, the records are kept by hand, and the FQDN template has no variables`;
}

/**
 * Why a new settings file is not where the conventions' settings.file
 * says, when it is not: beside the Kustomization that reads it, listed
 * where that one is listed, it lands in its namespace.
 */
function newSettingsPlace(
  conventions: MeshConventions,
  cluster: string,
  file: string,
): string {
  const conventional = settingsFileOf(conventions, cluster);
  // said only of a place someone chose: the default is no one's
  return conventional === file ||
    conventions.settings.file === defaultSettingsFile(conventions)
    ? ''
    : `; not at ${conventional} (the conventions' settings.file): beside that Kustomization, and listed where its file is listed, the ConfigMap lands in the namespace it reads it from`;
}

/** The configured clusters that get no settings, one note per reason. */
function unreadSettingsNotes(
  unread: ReadonlyMap<string, string>,
  configured: ReadonlyMap<string, unknown>,
): string[] {
  const byReason = new Map<string, string[]>();
  for (const [name, why] of unread)
    if (configured.has(name))
      byReason.set(why, [...(byReason.get(why) ?? []), name]);
  return [...byReason].map(
    ([why, names]) =>
      `${names.join(', ')}: no settings ConfigMap is written (${why}).`,
  );
}

/** The peers a cluster knows after the change: its configured peers, or every other member. */
export function peersAfter(ctx: ChangeContext, cluster: string): string[] {
  return (
    ctx.conventions.peers?.[cluster] ?? ctx.members.filter(m => m !== cluster)
  ).filter(p => !ctx.removed.has(p));
}

/** Each context's clusters' FQDNs as Flux inserts them: a mesh asks n² times. */
const resolvedFqdns = new WeakMap<ChangeContext, Map<string, string>>();

/** The FQDN of a cluster as Flux inserts it (secret parts as placeholders). */
export function resolvedFqdn(ctx: ChangeContext, cluster: string): string {
  let known = resolvedFqdns.get(ctx);
  if (!known) resolvedFqdns.set(ctx, (known = new Map()));
  let fqdn = known.get(cluster);
  if (fqdn === undefined) {
    const model = ctx.mesh.byName.get(cluster);
    const form = ctx.forms.get(cluster);
    fqdn =
      form?.kind === 'literal' || form?.kind === 'settings-resolved'
        ? form.name
        : resolveFqdnTemplate(
            ctx.conventions,
            cluster,
            name =>
              model?.settings.value(name) ??
              clusterValues(ctx.conventions, cluster)[name] ??
              secretPlaceholder(name),
          ).resolved;
    known.set(cluster, fqdn);
  }
  return fqdn;
}

/** Every cluster's name as files write it, by context: asked per cluster's file. */
const clusterNamesWritten = new WeakMap<ChangeContext, Map<string, string>>();

/**
 * The repository's other cluster whose name, as files write it (the
 * resolved FQDN, the conventions' template), this is: in a cluster's own
 * file, one kept from the folder it was copied from (a certificate name,
 * a record). Undefined for the cluster's own name and any other text.
 */
export function otherClusterNamed(
  ctx: ChangeContext,
  own: string,
  name: string,
): string | undefined {
  let names = clusterNamesWritten.get(ctx);
  if (!names) {
    names = new Map();
    for (const c of ctx.mesh.clusters)
      for (const written of [
        resolvedFqdn(ctx, c.name),
        fqdnTemplateFor(ctx.conventions, c.name),
      ])
        names.set(written, c.name);
    clusterNamesWritten.set(ctx, names);
  }
  const cluster = names.get(name);
  return cluster === own ? undefined : cluster;
}

/**
 * A cluster's own ConfigMap that its Kustomization substitutes a shared
 * settings ConfigMap from (its values passed through, `KEY: "${KEY}"`).
 */
export interface OwnSettingsSource {
  file: string;
  doc: number;
  configMap: string;
  /** The Kustomization applying it, and whether it substitutes (a `${…}` written there stays as written where not). */
  appliedBy: { key: string; substitutes: boolean };
  /** The document as written. */
  root: unknown;
}

/**
 * A variable's value as the Kustomization applying the cluster's Cilium
 * values inserts it, where the repository holds it in clear (its inline
 * `postBuild.substitute`, a plain ConfigMap) and no value is given to this
 * run for it: what Flux writes into the FQDN there (deedee-ops'
 * EXTERNAL_ROOT_DOMAIN).
 */
function insertedPlainly(
  ctx: ChangeContext,
  cluster: string,
  name: string,
): string | undefined {
  if (clusterValues(ctx.conventions, cluster)[name] !== undefined)
    return undefined;
  // the Kustomization applying the Cilium values, else the one applying
  // the settings written there (it substitutes what they hold)
  const settings = ctx.settings.get(cluster);
  for (const scope of [
    ctx.mesh.byName.get(cluster)?.cilium?.appliedBy?.variables,
    settings?.substituted ? settings.appliedBy?.variables : undefined,
  ]) {
    const variable = scope?.get(name);
    if (variable && !variable.secret && !variable.unverified)
      return variable.value;
  }
  return undefined;
}

/**
 * A cluster's FQDN for a file the change commits (the records document): a
 * value the repository keeps secret, or that only this run was given,
 * stays its `${NAME}`, never written out.
 */
export function committedFqdn(
  ctx: ChangeContext,
  cluster: string,
  /**
   * For a document of names (the records document): a plain value Flux
   * inserts is written out, not only the settings' own.
   */
  asInserted = false,
): string {
  const form = ctx.forms.get(cluster);
  // resolved from plain values of the repository only
  if (form?.kind === 'literal' || form?.kind === 'settings-resolved')
    return form.name;
  const settings = ctx.mesh.byName.get(cluster)?.settings;
  return resolveFqdnTemplate(ctx.conventions, cluster, name => {
    const setting = settings?.get(name);
    // a Secret's key reads as known once a value is given: still secret
    const plain =
      setting &&
      !setting.secret &&
      (clusterValues(ctx.conventions, cluster)[name] === undefined ||
        settings!.inConfigMap(name));
    if (plain) return setting.value;
    return (
      (asInserted ? insertedPlainly(ctx, cluster, name) : undefined) ??
      variableReference(name)
    );
  }).resolved;
}

/**
 * What a cluster's settings hold for a cluster's FQDN (its own or a
 * peer's), in the writing cluster's form; undefined when its form keeps the
 * FQDN out of the settings.
 */
export function settingsFqdn(
  ctx: ChangeContext,
  cluster: string,
  of: string,
): string | undefined {
  const form = ctx.forms.get(cluster);
  if (!form) return undefined;
  switch (form.kind) {
    case 'literal':
    case 'settings-template':
      return ctx.template(of);
    case 'settings-resolved': {
      if (of === cluster) return form.name;
      // the peer's name with the writing cluster's plain values
      const model = ctx.mesh.byName.get(cluster)!;
      const result = envsubst(
        ctx.template(of),
        name => model.settings.value(name),
        { strict: false },
      );
      return result.ok ? result.output : undefined;
    }
    default:
      return undefined;
  }
}

/** What the peer check of a change computed: each text's variables, resolutions by text and values, each writer's values and each peer's own name. */
const peerFqdnMemos = new WeakMap<
  ChangeContext,
  {
    variables: Map<string, string[]>;
    /** By text, then by the values of its variables (joined when several). */
    resolved: Map<string, Map<string | undefined, string | undefined>>;
    /** Each writing cluster's values, by variable. */
    values: Map<string, Map<string, string | undefined>>;
    own: Map<string, string>;
  }
>();

/**
 * A peer's FQDN as a cluster's settings hold it, checked where it resolves:
 * in the writing cluster's substitution it must be the peer's own name. A
 * template whose variables differ between the clusters (a domain per
 * cluster) is written there as the peer's resolved name; a problem when
 * that name holds values not known here.
 */
export function peerFqdnWhereWritten(
  ctx: ChangeContext,
  cluster: string,
  peer: string,
  written: string,
): { value: string } | { problem: string } {
  // a mesh writes N × (N - 1) of these, mostly of one template and values
  let memo = peerFqdnMemos.get(ctx);
  if (!memo)
    peerFqdnMemos.set(
      ctx,
      (memo = {
        variables: new Map(),
        resolved: new Map(),
        values: new Map(),
        own: new Map(),
      }),
    );
  let values = memo.values.get(cluster);
  if (!values) memo.values.set(cluster, (values = new Map()));
  const writer = ctx.mesh.byName.get(cluster);
  const writerValues = values;
  const lookup = (name: string) => {
    if (writerValues.has(name)) return writerValues.get(name);
    const value =
      writer?.settings.value(name) ??
      clusterValues(ctx.conventions, cluster)[name] ??
      secretPlaceholder(name);
    writerValues.set(name, value);
    return value;
  };
  let variables = memo.variables.get(written);
  if (!variables)
    memo.variables.set(written, (variables = referencedVariables(written)));
  const valuesKey =
    variables.length === 1
      ? lookup(variables[0])
      : variables.map(v => `${lookup(v)}`).join('\0');
  let byValues = memo.resolved.get(written);
  if (!byValues) memo.resolved.set(written, (byValues = new Map()));
  let asResolved = byValues.get(valuesKey);
  if (asResolved === undefined && !byValues.has(valuesKey)) {
    const result = envsubst(written, lookup, { strict: false });
    asResolved = result.ok ? result.output : undefined;
    byValues.set(valuesKey, asResolved);
  }
  let own = memo.own.get(peer);
  if (own === undefined) memo.own.set(peer, (own = resolvedFqdn(ctx, peer)));
  if (asResolved === own) return { value: written };
  // the peer's name written out: only where no part of it is secret (a
  // value given to this run stays out of the files)
  const committed = committedFqdn(ctx, peer);
  const secret = referencedVariables(committed);
  if (!unknownVariables(own).length && !secret.length) return { value: own };
  if (!unknownVariables(own).length)
    return {
      problem: `${peer}'s FQDN, ${ctx.template(
        peer,
      )}, is ${own} with ${peer}'s own ${secret.join(
        ', ',
      )}, but written in the settings of ${cluster} it would resolve with ${cluster}'s${
        asResolved === undefined ? '' : ` (${asResolved})`
      }: their Secrets hold different values, and ${peer}'s, secret, is not written into a plain file; keep ${peer}'s value in a key of ${cluster}'s Secret too and name ${peer}'s FQDN with it there, or use one domain for the mesh`,
    };
  return {
    problem: `${peer}'s FQDN, ${ctx.template(
      peer,
    )}, resolves to ${own} for ${peer}, but written in the settings of ${cluster} it would resolve with ${cluster}'s values${
      asResolved === undefined ? '' : ` (${asResolved})`
    }; give the values not known here (the conventions' values, or --value) so the peer's name can be written resolved`,
  };
}

/** The substitution of a Kustomization for a cluster, once the change has added its settings keys. */
export function scopeOf(
  ctx: ChangeContext,
  cluster: string,
  kustomization: RenderedKustomization,
): SubstitutionScope {
  const target = ctx.settings.get(cluster);
  return substitutionScope(
    kustomization,
    target?.configMap,
    {
      has: key => ctx.addsKey(cluster, key),
    },
    target?.wires === kustomization,
    target?.format === 'inline' && target.appliedBy === kustomization,
    target?.wiresAlso,
  );
}

/**
 * Said where the FQDN template is the default one and the values given
 * (`--value EXTERNAL_DOMAIN=…`, lambchop4prez's) are none of its
 * variables: the repository's domain variable goes in the template.
 */
function unusedGivenValues(
  conventions: MeshConventions,
  template: string,
): string {
  const byDefault = !conventions.provenance?.some(
    p => p.setting === 'fqdnTemplate' && p.source !== 'default',
  );
  const given = Object.keys(conventions.values);
  const used = referencedVariables(template);
  if (!byDefault || !given.length || given.some(v => used.includes(v)))
    return '';
  return `; that template is the default (fqdnTemplate), and the values given to this run (${given.join(
    ', ',
  )}) are none of its variables: name the repository's domain variable in it (--fqdn-template clustermesh-{cluster}.\${${
    given[0]
  }})`;
}

/**
 * Whether a Kustomization substitutes once the change is made: it does
 * now, or the change has it substitute from the settings it creates.
 */
export function substitutesAfter(
  ctx: ChangeContext,
): (k: RenderedKustomization) => boolean {
  const wired = new Set<RenderedKustomization>();
  for (const target of ctx.settings.values())
    if (target.wires) wired.add(target.wires);
  return k => k.postBuild || wired.has(k);
}

/**
 * How a file applied by `scopes` (one per cluster it is applied to) refers
 * to a cluster value: by its settings variable when that resolves for
 * every cluster, else undefined (the caller writes a literal where the file
 * is the cluster's own).
 */
export function variableIn(
  scopes: readonly SubstitutionScope[],
  variable: string,
): string | undefined {
  return scopes.length > 0 && scopes.every(s => s.resolves(variable))
    ? variableReference(variable)
    : undefined;
}

/** CLUSTER_NAME before CLUSTER before anything else holding the name. */
const rankNameVariable = (name: string) =>
  ['CLUSTER_NAME', 'CLUSTER'].indexOf(name) >= 0
    ? ['CLUSTER_NAME', 'CLUSTER'].indexOf(name)
    : 2 + name.length;

/**
 * A variable whose value is each cluster's name inside the same text
 * (`homelab-{cluster}`), CLUSTER_NAME first; undefined when none is.
 */
function nameFraming(
  scopes: readonly { cluster: string; scope: SubstitutionScope }[],
  names: readonly string[],
): { variable: string; before: string; after: string } | undefined {
  const framings = names.flatMap(variable => {
    let frame: { before: string; after: string } | undefined;
    for (const { cluster, scope } of scopes) {
      const value = scope.kustomization.variables.value(variable);
      const at = value?.indexOf(cluster) ?? -1;
      if (value === undefined || at < 0 || hasSecretPlaceholder(value))
        return [];
      const here = {
        before: value.slice(0, at),
        after: value.slice(at + cluster.length),
      };
      if (frame && (frame.before !== here.before || frame.after !== here.after))
        return [];
      frame = here;
    }
    return frame && (frame.before || frame.after)
      ? [{ variable, ...frame }]
      : [];
  });
  return framings.sort(
    (a, b) => rankNameVariable(a.variable) - rankNameVariable(b.variable),
  )[0];
}

/**
 * Why Flux substitutes nothing where a Kustomization applying the shared
 * file fails before its post-build (a substitution source missing from its
 * namespace: tscibilia's settings in flux-system, read from kube-system),
 * in words with the error's place; undefined where none fails.
 */
function failingSubstitution(
  ctx: ChangeContext,
  scopes: readonly { cluster: string; scope: SubstitutionScope }[],
): string | undefined {
  const failing = scopes.filter(s => s.scope.kustomization.failed);
  if (!failing.length) return undefined;
  const [first] = failing;
  const { key, object } = first.scope.kustomization;
  // the error is the Kustomization's own, or at its object (found where
  // the Kustomization applying it builds)
  const error = ctx.mesh.byName
    .get(first.cluster)
    ?.render.findings.find(
      f =>
        f.severity === 'error' &&
        (f.build === key ||
          (object !== undefined && f.location?.file === object.source.file)),
    );
  const clusters = [...new Set(failing.map(s => s.cluster))].join(', ');
  return `Flux fails Kustomization ${key} of ${clusters}, which applies it, before it substitutes anything${
    error
      ? ` (${error.location ? `${formatLocation(error.location)}: ` : ''}${
          error.message
        })`
      : ''
  }`;
}

/**
 * The FQDN template of shared files for clusters whose FQDN is not in
 * their settings: the conventions' template with a variable that holds
 * each cluster's name (such as CLUSTER_NAME), when every scope has one
 * and the template's other variables; else why not, in words.
 */
export function sharedFqdnTemplate(
  ctx: ChangeContext,
  scopes: readonly { cluster: string; scope: SubstitutionScope }[],
):
  | { template: string }
  | {
      why: string;
      noNameVariable?: true;
      /** A Kustomization applying the file fails before it substitutes: that is the fix. */
      failing?: true;
    } {
  const clusters = scopes.map(s => s.cluster).join(', ');
  if (!scopes.length)
    return { why: 'Flux substitutes nothing in it', noNameVariable: true };
  const names = scopes[0].scope.kustomization.variables.names();
  const variable = names
    .filter(n =>
      scopes.every(s => s.scope.kustomization.variables.value(n) === s.cluster),
    )
    .sort((a, b) => rankNameVariable(a) - rankNameVariable(b))[0];
  let template: string;
  if (variable)
    template = ctx.conventions.fqdnTemplate
      .split('{cluster}')
      .join(variableReference(variable));
  else {
    // a variable holding the name inside a constant text (CLUSTER_NAME:
    // homelab-ms-01): a template that writes that text uses it
    const framing = nameFraming(scopes, names);
    const framed = framing && `${framing.before}{cluster}${framing.after}`;
    if (!framing || !ctx.conventions.fqdnTemplate.includes(framed!)) {
      const failing = failingSubstitution(ctx, scopes);
      if (failing) return { why: failing, failing: true };
      return {
        why: `no variable holding the cluster name is substituted in it for every one of ${clusters}${
          framing
            ? ` (${
                framing.variable
              } holds ${framed} there: an FQDN template that writes ${framed}, such as ${ctx.conventions.fqdnTemplate
                .split('{cluster}')
                .join(framed)}, uses it)`
            : ''
        }`,
        noNameVariable: true,
      };
    }
    template = ctx.conventions.fqdnTemplate
      .split(framed!)
      .join(variableReference(framing.variable));
  }
  const unresolved = referencedVariables(template).filter(
    v => !scopes.every(s => s.scope.resolves(v)),
  );
  // only a source whose keys are not known may define them (an
  // ExternalSecret's Secret, TorStava's SECRET_DOMAIN): not known, not missing
  const maybeFrom = unresolved.length
    ? unresolved.map(v =>
        scopes
          .map(s => s.scope.kustomization.variables.get(v))
          .find(found => found?.unverified),
      )
    : [];
  if (unresolved.length && maybeFrom.every(found => found !== undefined))
    return {
      why: `${variable} holds the cluster name there, but the FQDN template ${template} also needs ${unresolved.join(
        ', ',
      )}, which only sources whose keys are not known here may define for ${clusters} (such as ${
        maybeFrom[0]!.origin
      }; give ${unresolved[0]} with the values of this run, --value ${
        unresolved[0]
      }=<value>, where that source defines it)`,
    };
  return unresolved.length
    ? {
        why: `${variable} holds the cluster name there, but the FQDN template ${template} also needs ${unresolved.join(
          ', ',
        )}, which Flux does not substitute in it for every one of ${clusters}${
          unresolved.some(
            v =>
              ctx.conventions.values[v] !== undefined ||
              Object.values(ctx.conventions.valuesByCluster ?? {}).some(
                own => own[v] !== undefined,
              ),
          )
            ? ' (a value given to this run is not in the cluster: define it in the settings the Kustomization substitutes from)'
            : ''
        }`,
      }
    : { template };
}

/**
 * Decides the change: who is in the mesh after it, where everything is
 * written and in which form. Problems name the input field or the file.
 */
export function decideChange(
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
  readByBootstrap: BootstrapReader,
): { context: ChangeContext } | { problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const configured = new Map(
    input.clusters.map((c, i) => [c.name, addresses[i]] as const),
  );
  const removed = new Set(input.remove ?? []);
  // known as a peer: by a settings entry, or an entry of the Cilium values
  // (an entry's address naming the variable counts, though no source
  // defines it any more: planPeers takes such an entry out)
  const peerVariableUsed = (name: string) => {
    const variable = peerFqdnVariable(conventions, name);
    return (
      mesh.clusters.some(
        c =>
          c.settings.has(variable) ||
          meshEntriesOf(mesh, c).byName(name) !== undefined,
      ) || mesh.repository.mentions(variable)
    );
  };
  (input.remove ?? []).forEach((name, i) => {
    const c = mesh.byName.get(name);
    if (!c?.membership.member || conventions.mesh.exclude.includes(name))
      return;
    // every switch that keeps it in, at once: the user turns them off in one go
    const cilium = conventions.mesh.include.includes(name)
      ? undefined
      : c.cilium;
    const switches = cilium
      ? [ciliumValuesPaths.useApiServer, ciliumValuesPaths.meshConfigEnabled]
          .filter(path => chartEnables(getPath(cilium.values, path)))
          .map(
            path =>
              `${path.join('.')} (${formatLocation(cilium.locate(path))})`,
          )
      : [];
    problems.push({
      field: `remove[${i}]`,
      message: switches.length
        ? `${name} is still in the mesh: its Cilium values enable ClusterMesh with ${switches.join(
            ' and ',
          )}. Set ${
            switches.length > 1 ? 'each' : 'it'
          } to false in ${name}'s own values (where the values are shared: an overlay of ${name}'s own, or a variable its settings set to false, written in the shared values as \`\${CILIUM_CLUSTERMESH_ENABLED:=true}\`), delete its cluster folder, or list it in the conventions' mesh.exclude, then run again`
        : `${name} is still in the mesh: ${c.membership.reason}${
            c.membership.location
              ? ` (${formatLocation(c.membership.location)})`
              : ''
          }. Turn ClusterMesh off in its Cilium values, delete its cluster folder, or list it in the conventions' mesh.exclude, then run again`,
    });
  });
  const unknownRemoved = (input.remove ?? []).filter(
    name => !mesh.byName.has(name) && !peerVariableUsed(name),
  );

  // the Cilium values of every cluster (those outside the mesh too: a
  // cluster that shares its values with a configured one joins it)
  const candidates = mesh.clusters.filter(
    c => !removed.has(c.name) && !conventions.mesh.exclude.includes(c.name),
  );
  const cilium: CiliumWriteTarget[] = [];
  const joining = new Set<string>();
  const switchesOn = new Map<string, OwnSwitch[]>();
  /** Configured clusters whose Cilium values are not found: what else they need follows from where those are. */
  const withoutValues = new Set<string>();
  for (const t of ciliumWriteTargets(mesh, candidates)) {
    if ('problem' in t) {
      const field = noValuesField(mesh, t, input);
      if (configured.has(t.cluster)) withoutValues.add(t.cluster);
      if (configured.has(t.cluster) && !problems.some(p => p.field === field))
        problems.push({ field, message: whyNoValues(mesh, t) });
      continue;
    }
    cilium.push(t);
    // sharing the values of a configured cluster makes a cluster join when
    // the change switches the mesh on in them; where they switch it on
    // already, a cluster they leave off is off by its own (its settings'
    // value of the switch's variable, JasonKoopmans' retired cluster)
    // (the mesh's configuration on, or its peers in a Secret made
    // elsewhere, which the change does not switch on in the values:
    // monosense's ExternalSecret)
    const switchedOn = (c: string) => {
      const cluster = mesh.byName.get(c);
      const on = (path: ObjectPath) =>
        chartEnables(getPath(cluster?.cilium?.values, path));
      return (
        on(ciliumValuesPaths.useApiServer) &&
        (on(ciliumValuesPaths.meshConfigEnabled) ||
          (cluster !== undefined &&
            meshPeersSecretElsewhere(cluster) !== undefined))
      );
    };
    const own = t.clusters.filter(c => configured.has(c));
    // one off by its own settings' value of a variable of the shared
    // switch is switched on there, not in the values the others share
    for (const c of own.filter(o => !switchedOn(o))) {
      const variables = ownSwitchVariables(mesh, c);
      if (variables) switchesOn.set(c, variables);
    }
    if (own.some(c => !switchedOn(c) && !switchesOn.has(c)))
      for (const c of t.clusters) joining.add(c);
  }
  problems.push(...sharedWithExcluded(mesh, cilium, configured, removed));
  const members = mesh.clusters
    .filter(
      c =>
        !removed.has(c.name) &&
        !conventions.mesh.exclude.includes(c.name) &&
        (c.membership.member || configured.has(c.name) || joining.has(c.name)),
    )
    .map(c => c.name);
  for (const name of members) {
    if (configured.has(name)) continue;
    const c = mesh.byName.get(name)!;
    if (!c.lbIp) {
      problems.push({
        field: 'clusters',
        message: `${name} ${
          c.membership.member
            ? `is in the mesh (${c.membership.reason})`
            : 'shares its Cilium values with a cluster this change configures, so it joins the mesh'
        }, but has no LB IP (${
          conventions.variables.lbIp
        } in its settings): configure it in the same run, with its LB IP${
          c.membership.member
            ? ''
            : ', or give each cluster of this change Cilium values of its own (a values patch in its overlay, or a values file of its own), for the change to write in'
        }`,
      });
    }
  }
  // the agents tell clusters apart by Cilium's cluster.name, and the peer
  // entries are named by it: members of one name cannot be told apart
  const byCiliumName = clustersByCiliumName(
    members.map(name => mesh.byName.get(name)!),
  );
  for (const [ciliumName, named] of byCiliumName) {
    if (named.length < 2) continue;
    const at = named.flatMap(c =>
      c.cilium ? [formatLocation(c.cilium.locate(['cluster', 'name']))] : [],
    );
    problems.push({
      field: 'clusters',
      message: `${named
        .map(c => c.name)
        .join(', ')} all have Cilium's cluster.name ${JSON.stringify(
        ciliumName,
      )}${
        at.length ? ` (${[...new Set(at)].join(', ')})` : ''
      }: ClusterMesh tells its clusters apart by that name, and the peer entries this change writes are named by it; give each cluster its own cluster.name${
        idsDiffer(named) ? '' : ' (and cluster.id)'
      } in its Cilium values, then run again`,
    });
  }
  // a removal may leave one cluster (a mesh taken apart: its peer entries
  // go); a change that configures clusters needs two
  if (
    members.length < 2 &&
    problems.length === 0 &&
    (configured.size > 0 || removed.size === 0)
  )
    problems.push({
      field: 'clusters',
      message: `the mesh after this change would be ${
        members.length ? members.join(', ') : 'empty'
      }; ClusterMesh needs at least two configured clusters${
        // the last member of a mesh taken apart: what is left to do
        members.length === 1 && mesh.byName.get(members[0])?.membership.member
          ? ` (${members[0]} is the mesh's last member: name another cluster in this run to give it a peer, or switch ClusterMesh off in its Cilium values and take it out too with --remove ${members[0]})`
          : ''
      }`,
    });

  // where each cluster's settings are written, and the form of its FQDN
  const settings = new Map<string, SettingsWriteTarget>();
  const forms = new Map<string, FqdnForm>();
  /** Clusters whose settings nothing reads, and why. */
  const unreadSettings = new Map<string, string>();
  /** Clusters whose entries a parent's patch gives inline already. */
  const patchedSettled = new Set<string>();
  const writing = [...members, ...[...removed].filter(r => mesh.byName.has(r))];
  for (const name of writing) {
    const cluster = mesh.byName.get(name)!;
    const target = settingsWriteTarget(mesh, cluster);
    const unread =
      (('problem' in target ||
        target.create ||
        settingsReadByNothing(cluster)) &&
        settingsUnread(mesh, cluster)) ||
      (!removed.has(name) &&
        writtenOutForBootstrap(
          mesh,
          conventions,
          name,
          members,
          cilium,
          readByBootstrap,
        ));
    // the entries in place where a parent's patch gives the Cilium
    // Kustomization its values inline (Tanguille's, judahrand's and
    // MaksimShakavin's copies, added by hand): Flux takes those over any
    // settings, which need nothing
    const patched =
      !unread &&
      !removed.has(name) &&
      patchedEntriesInPlace(mesh, name, configured, [...configured.keys()]);
    if (patched) patchedSettled.add(name);
    if (unread) unreadSettings.set(name, unread);
    else if ('problem' in target) {
      if (!patched) {
        // one settings object shared by the clusters is one problem; none
        // while the Cilium values are not found (a plain values file, once
        // named, may need none)
        if (
          !withoutValues.has(name) &&
          needsSettings(name, configured, members, removed) &&
          !problems.some(
            p => p.field === target.file && p.message === target.problem,
          )
        )
          problems.push({ field: target.file, message: target.problem });
        continue;
      }
      // nor a settings file to create for it
    } else if (!(patched && target.create)) settings.set(name, target);
    if (removed.has(name)) continue;
    // no settings to create where nothing reads them: the values are
    // written out
    const form = fqdnForm(mesh, cluster, settings.get(name));
    if (form.kind === 'unresolvable') {
      // a member the run does not name: its peers' entries are written by
      // its FQDN all the same (psimaker's --remove, no template given)
      problems.push({
        field: configured.has(name)
          ? `clusters[${input.clusters.findIndex(c => c.name === name)}].name`
          : 'clusters',
        message: `the FQDN of ${name}${
          configured.has(name)
            ? ''
            : ' (in the mesh: its peers know it by that name)'
        }, ${form.template}, cannot be resolved: ${form.why}${unusedGivenValues(
          conventions,
          form.template,
        )}`,
      });
      continue;
    }
    // its FQDN variable where the values are substituted already, no
    // settings written (a parent's patch gives it inline: SquaredPotato's
    // copy): the values and the record refer to it, as to a setting
    const patchedFqdn =
      patched &&
      form.kind === 'files-template' &&
      cluster.cilium?.appliedBy?.variables.inline(conventions.variables.fqdn);
    // no FQDN variable there, but the template's variables are (Jonnobrow's
    // copy: CLUSTER_NAME in the patch, CLUSTER_DOMAIN a plain setting): no
    // settings are written, so the template goes where Flux substitutes it
    const patchedTemplate =
      patched &&
      (form.kind === 'settings-template' ||
        form.kind === 'settings-resolved') &&
      !cluster.cilium?.appliedBy?.variables.inline(conventions.variables.fqdn);
    const applier = cluster.cilium?.appliedBy?.key;
    let written: FqdnForm = form;
    if (patchedFqdn)
      written = {
        kind: 'settings-template',
        template: form.template,
        why: `${conventions.variables.fqdn} is in the postBuild.substitute a parent's patch gives Kustomization ${applier}`,
      };
    else if (patchedTemplate)
      written = {
        kind: 'files-template',
        template: fqdnTemplateFor(conventions, name),
        why: `Kustomization ${applier} substitutes the template's variables where the values are (a parent's patch gives them), and no settings are written`,
      };
    forms.set(name, written);
  }
  const passedThroughOwn = passedThroughWritable(
    mesh,
    settings,
    configured,
    removed,
  );
  const sharedSettled = sharedEntriesSettled(
    mesh,
    settings,
    configured,
    removed,
    passedThroughOwn,
  );
  const passedSettled = [...sharedSettled]
    .filter(([, how]) => how === 'passed')
    .map(([name]) => name);
  const substitutedSettled = [...sharedSettled]
    .filter(([, how]) => how === 'substituted')
    .map(([name]) => name);
  const settled = new Set([...sharedSettled.keys(), ...patchedSettled]);
  problems.push(
    ...sharedSettings(mesh, settings, configured, removed, [
      ...settled,
      ...passedThroughOwn.keys(),
    ]),
  );
  problems.push(...selfAppliedUnderStrictness(mesh, settings, removed));
  problems.push(...ciliumAppliedTwice(mesh, configured));
  if (problems.length) return { problems };

  const memberSet = new Set(members);
  const peerVariables = new Map<string, string>();
  const peerVariable = (peer: string) => {
    let variable = peerVariables.get(peer);
    if (variable === undefined) {
      variable = peerFqdnVariable(conventions, peer);
      peerVariables.set(peer, variable);
    }
    return variable;
  };
  const peerOfVariable = new Map(members.map(m => [peerVariable(m), m]));
  const templates = new Map<string, string>();
  const knows = (cluster: string, peer: string) => {
    const listed = conventions.peers?.[cluster];
    if (listed) return listed.includes(peer) && !removed.has(peer);
    return peer !== cluster && memberSet.has(peer);
  };
  const context: ChangeContext = {
    mesh,
    conventions,
    input,
    configured,
    removed,
    unknownRemoved,
    members,
    settledSettings: settled,
    passedThroughOwn,
    settings,
    forms,
    addsKey(cluster, key) {
      // entries a parent's patch gives in place: no settings are written
      if (!memberSet.has(cluster) || patchedSettled.has(cluster)) return false;
      if (key === conventions.variables.lbIp) return true;
      if (forms.get(cluster)?.kind === 'files-template') return false;
      if (key === conventions.variables.fqdn) return true;
      const peer = peerOfVariable.get(key);
      return peer !== undefined && knows(cluster, peer);
    },
    peerVariable,
    template(cluster) {
      let template = templates.get(cluster);
      if (template === undefined) {
        template = fqdnTemplateFor(conventions, cluster);
        templates.set(cluster, template);
      }
      return template;
    },
    knows,
    cilium: cilium.filter(t => t.clusters.some(c => memberSet.has(c))),
    readByBootstrap,
    bootstrapExplained: new Set(),
    switchesOn,
    notes: [
      ...ownPatchNotes(mesh, cilium, configured),
      ...(passedSettled.length
        ? [
            `${passedSettled.join(
              ', ',
            )}: the ClusterMesh entries pass through the shared settings ConfigMap from each cluster's own source already; the settings are left as they are.`,
          ]
        : []),
      ...(substitutedSettled.length
        ? [
            `${substitutedSettled.join(
              ', ',
            )}: the shared settings ConfigMap gives each its own ClusterMesh entries already, made each cluster's by Flux's substitution (${substitutedSettled
              .map(
                c =>
                  `${c}'s LB IP ${mesh.byName
                    .get(c)
                    ?.settings.value(conventions.variables.lbIp)}`,
              )
              .join(', ')}); the settings are left as they are.`,
          ]
        : []),
      ...patchedSettledNotes(mesh, patchedSettled),
      ...[...settings]
        .filter(([name, t]) => t.create && !removed.has(name))
        .map(
          ([name, t]) =>
            `${name}: no settings ConfigMap was applied${
              t.wires ? ' and no Kustomization substituted from one' : ''
            }, so ${t.file} is created ${
              t.create!.ownFolder
                ? `in the cluster's own folder, applied by Kustomization ${t.appliedBy?.key}, for Kustomization `
                : 'next to Kustomization '
            }${t.create!.substitutedBy}, which applies the Cilium values and ${
              t.wires
                ? 'now substitutes from it'
                : `substitutes from it already (${
                    t.create!.required
                      ? 'not optional: Flux fails it until this file is there'
                      : 'optional'
                  })`
            }${
              t.create!.selfApplied
                ? ' (optional: that Kustomization applies it too, so at its first reconcile after the merge the ConfigMap is not there yet, and Flux applies the values with their ${...} as written until the next one)'
                : ''
            }${newSettingsPlace(conventions, name, t.file)}.`,
        ),
      ...unreadSettingsNotes(unreadSettings, configured),
      ...encryptedUnderNewSubstitution(settings, removed),
      ...formNotes(forms, members, conventions.dns.mode, settled),
      ...unknownRemoved.map(
        name =>
          `${name}: not a cluster of the repository, and no cluster knows it as a peer (${peerFqdnVariable(
            conventions,
            name,
          )}): nothing to remove.`,
      ),
    ],
  };
  return { context };
}

/**
 * What a problem of a cluster's Cilium values names: the file, or the
 * cluster's input field when the file is only the conventions' default
 * path, which the repository does not have.
 */
function noValuesField(
  mesh: MeshModel,
  t: { cluster: string; file: string },
  input: MeshDnsChangeInput,
): string {
  if (
    mesh.repository.isFile(t.file) ||
    inRepositoryLayout(mesh.repository, t.file)
  )
    return t.file;
  const i = input.clusters.findIndex(c => c.name === t.cluster);
  return i >= 0 ? `clusters[${i}]` : t.file;
}

/** Why a cluster has no Cilium values to write: the file is missing or broken, or nothing applies it. */
function whyNoValues(
  mesh: MeshModel,
  t: { file: string; problem: string },
): string {
  const text = mesh.repository.readText(t.file);
  if (text === undefined)
    return inRepositoryLayout(mesh.repository, t.file)
      ? `does not exist; it should hold the Cilium HelmRelease (${t.problem})`
      : t.problem;
  try {
    // the file reads: the problem is what applies it, not the file
    new YamlTextEditor(t.file, text); // eslint-disable-line no-new
    return t.problem;
  } catch (error) {
    return (error as Error).message.replace(`${t.file}: `, '');
  }
}

/** Where the change writes clusters' Cilium values in their overlays' own patches of a release from elsewhere, and why: one note per release. */
function ownPatchNotes(
  mesh: MeshModel,
  cilium: readonly CiliumWriteTarget[],
  configured: ReadonlyMap<string, unknown>,
): string[] {
  const byRelease = new Map<string, { cluster: string; file: string }[]>();
  for (const t of cilium) {
    const [name] = t.clusters;
    const release = mesh.byName.get(name)?.cilium?.object?.source.file;
    if (
      t.kind === 'helmrelease' &&
      t.clusters.length === 1 &&
      configured.has(name) &&
      release !== undefined &&
      release !== t.file
    )
      byRelease.set(release, [
        ...(byRelease.get(release) ?? []),
        { cluster: name, file: t.file },
      ]);
  }
  return [...byRelease].map(([release, own]) =>
    own.length === 1
      ? `${own[0].cluster}: the Cilium values go in ${own[0].file}, its overlay's own patch of the HelmRelease in ${release}: other clusters that build ${release} do not read them.`
      : `${own
          .map(o => o.cluster)
          .join(
            ', ',
          )}: the Cilium values go in each one's overlay's own patch of the HelmRelease in ${release} (${firstFew(
          own.map(o => o.file),
        )}): other clusters that build ${release} do not read them.`,
  );
}

/**
 * The Cilium values the change writes that a cluster the conventions keep
 * out of the mesh (mesh.exclude) reads too (a base every overlay builds):
 * the mesh values would reach it.
 */
function sharedWithExcluded(
  mesh: MeshModel,
  cilium: readonly CiliumWriteTarget[],
  configured: ReadonlyMap<string, unknown>,
  removed: ReadonlySet<string>,
): PlanProblem[] {
  const excluded = mesh.clusters.filter(
    c => mesh.conventions.mesh.exclude.includes(c.name) && !removed.has(c.name),
  );
  if (!excluded.length) return [];
  const key = (t: CiliumWriteTarget) =>
    `${t.file}#${t.doc}#${t.root.join('.')}`;
  const written = new Map(
    cilium
      .filter(t => t.clusters.some(c => configured.has(c)))
      .map(t => [key(t), t] as const),
  );
  const problems: PlanProblem[] = [];
  for (const t of ciliumWriteTargets(mesh, excluded)) {
    if ('problem' in t) continue;
    const shared = written.get(key(t));
    if (!shared) continue;
    const kept = t.clusters.join(', ');
    problems.push({
      field: t.file,
      message: `holds the Cilium values of ${shared.clusters.join(
        ', ',
      )} and of ${kept}, which the conventions keep out of the mesh (mesh.exclude): the mesh values written here would reach ${kept} too; give the mesh clusters values of their own (a patch in each one's overlay), or take ${kept} out of mesh.exclude`,
    });
  }
  return problems;
}

/** Whether clusters' Cilium values set cluster.id each, and no two alike. */
function idsDiffer(clusters: readonly ClusterModel[]): boolean {
  const ids = clusters.map(c =>
    getPath(c.cilium?.values, ciliumValuesPaths.clusterId),
  );
  return (
    ids.every(id => id !== undefined && id !== null && id !== '') &&
    new Set(ids.map(String)).size === ids.length
  );
}

/**
 * The settings objects several clusters read (one ConfigMap every cluster
 * applies), of the change or outside the mesh: a cluster's own FQDN and
 * LB IP cannot go there, the last cluster written would win for all, and
 * a cluster outside the mesh would take them for its own.
 */
function sharedSettings(
  mesh: MeshModel,
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  configured: ReadonlyMap<string, { text: string }>,
  removed: ReadonlySet<string>,
  /** Clusters whose entries pass through the shared object (there, or written). */
  settled: readonly string[] = [],
): PlanProblem[] {
  const keyOf = (t: SettingsWriteTarget) => `${t.file}#${t.doc}`;
  const byObject = new Map<string, string[]>();
  for (const [name, target] of settings) {
    if (removed.has(name)) continue;
    const key = keyOf(target);
    byObject.set(key, [...(byObject.get(key) ?? []), name]);
  }
  // the clusters outside the mesh that read an object a configured
  // cluster's own entries go in (peers' entries alone harm none)
  const ownWritten = new Set(
    [...settings]
      .filter(([name]) => configured.has(name))
      .map(([, t]) => keyOf(t)),
  );
  const outsiders = new Map<string, string[]>();
  if (ownWritten.size)
    for (const other of mesh.clusters) {
      if (settings.has(other.name) || removed.has(other.name)) continue;
      const target = settingsWriteTarget(mesh, other);
      if ('problem' in target || target.create) continue;
      const key = keyOf(target);
      if (ownWritten.has(key))
        outsiders.set(key, [...(outsiders.get(key) ?? []), other.name]);
    }
  return [...byObject]
    .filter(([key, clusters]) => clusters.length > 1 || outsiders.has(key))
    .filter(([, clusters]) => !clusters.every(c => settled.includes(c)))
    .map(([key, clusters]) => {
      const file = key.slice(0, key.lastIndexOf('#'));
      const outside = outsiders.get(key) ?? [];
      const own = clusters
        .filter(c => configured.has(c))
        .flatMap(c => ownSettingsSources(mesh, c, settings.get(c)!));
      const passed = !outside.length
        ? passedThrough(mesh, clusters, settings.get(clusters[0])!)
        : undefined;
      const inline =
        !outside.length && !passed
          ? substitutedInline(mesh, clusters, settings.get(clusters[0])!)
          : undefined;
      const { fqdn, lbIp } = mesh.conventions.variables;
      // what the shared ConfigMap is, said alike in each refusal
      const held = `holds ConfigMap ${
        settings.get(clusters[0])!.configMap
      }, which ${clusters.join(', ')} all apply, each its own values in it`;
      if (inline)
        return {
          field: file,
          message: `${held} made by Flux's substitution (${
            inline.example
          }) from the postBuild.substitute of ${inline.sources.join(
            '; ',
          )}, which configure does not write: add the entries that way by hand (\`${lbIp}: "\${${lbIp}}"\` here and each cluster's LB IP in its postBuild.substitute; ${fqdn} here as a template of a variable holding each cluster's name, or passed through too; the peers' FQDNs here), then run configure again: it leaves them as they are and plans the rest`,
        };
      // each cluster's values inline in a parent's patch (cubic3d)
      const first = mesh.byName.get(clusters[0]);
      const patchedInline = first
        ? patchedSubstituteNote(mesh, first).replace(/^its /, '')
        : '';
      if (passed)
        return {
          field: file,
          message: `${held} passed through by Flux's substitution (${
            passed.example
          }) from ${passed.sources.join(
            '; ',
          )}: a cluster's own FQDN and LB IP belong there, with a line here passing each through, which configure writes only where each cluster's own is a plain ConfigMap of the repository (${unwritableOwners(
            passed.owners,
          )}); add them by hand (${
            passed.keys
          } in each cluster's own, and \`KEY: "\${KEY}"\` lines here), or name the conventions' settings after an object each cluster has of its own that the Kustomization applying the Cilium values substitutes from`,
        };
      return {
        field: file,
        message: `holds ConfigMap ${
          settings.get(clusters[0])!.configMap
        }, the settings of ${
          outside.length
            ? `${clusters.join(', ')} and of ${outside.join(
                ', ',
              )} (outside the mesh)`
            : clusters.join(', ')
        } alike: each cluster's own FQDN and LB IP cannot be written there (${[
          ...(clusters.length > 1 ? ['the last would win for all'] : []),
          ...(outside.length
            ? [`${outside.join(', ')} would take them for its own`]
            : []),
        ].join(', and ')}); ${
          patchedInline ? `each cluster's ${patchedInline}` : ''
        }give each cluster a settings ConfigMap of its own, named in the conventions (settings.configMap, settings.file)${
          own.length ? ` (${own.join('; ')})` : ''
        }, or a patch file of this one in each cluster's overlay, with a \`data:\` of its own (the change writes there)`,
      };
    });
}

/**
 * The clusters sharing a settings ConfigMap where the ClusterMesh entries
 * are each one's own already, for every one of them: passed through from
 * each cluster's own source (see passedThrough; 1activegeek's and
 * DylansDecoded's copies, added by hand), or made each one's by Flux's
 * substitution otherwise (TomTucka's copy: `${CILIUM_CLUSTERMESH_LB_IP}`
 * from each cluster's inline `postBuild.substitute`, the FQDN a template of
 * its name), the FQDNs then all different. Each cluster's FQDN, the LB IP
 * asked and every configured peer's FQDN must be there. Their settings are
 * left as they are, the rest of the change planned. Every cluster of that
 * object or none.
 */
function sharedEntriesSettled(
  mesh: MeshModel,
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  configured: ReadonlyMap<string, { text: string }>,
  removed: ReadonlySet<string>,
  /** The clusters whose own sources configure writes instead. */
  written: ReadonlyMap<string, unknown>,
): Map<string, 'passed' | 'substituted'> {
  const { conventions } = mesh;
  const { fqdn, lbIp } = conventions.variables;
  const settled = new Map<string, 'passed' | 'substituted'>();
  // each configured peer's variable, named once (asked of every cluster)
  const peerVariables = [...configured.keys()].map(
    peer => [peer, peerFqdnVariable(conventions, peer)] as const,
  );
  for (const clusters of sharedSettingsGroups(settings, removed)) {
    if (clusters.some(c => written.has(c))) continue;
    const passed = passedThrough(mesh, clusters, settings.get(clusters[0])!);
    const valuesOf = (c: string) => mesh.byName.get(c)?.settings;
    // not passed through: each its own only where the FQDNs differ (a
    // name written out would be every cluster's)
    if (
      !passed &&
      new Set(clusters.map(c => valuesOf(c)?.value(fqdn))).size !==
        clusters.length
    )
      continue;
    // the entries of the shared object itself, not variables the Cilium
    // values get elsewhere (a parent's patch: said apart)
    const file = settings.get(clusters[0])!.file;
    const inShared = (c: string, key: string) =>
      valuesOf(c)?.get(key)?.location.file === file;
    const inPlace = clusters.every(c => {
      const values = valuesOf(c);
      const ip = configured.get(c)?.text;
      return (
        inShared(c, fqdn) &&
        inShared(c, lbIp) &&
        values?.value(fqdn) !== undefined &&
        values.value(lbIp) !== undefined &&
        (ip === undefined || values.value(lbIp) === ip) &&
        peerVariables.every(
          ([peer, variable]) =>
            peer === c || values.value(variable) !== undefined,
        )
      );
    });
    if (inPlace)
      clusters.forEach(c => settled.set(c, passed ? 'passed' : 'substituted'));
  }
  return settled;
}

/**
 * Whether a parent's patch gives the cluster's Cilium Kustomization its
 * values inline (see patchedSubstituteNote) with the ClusterMesh entries
 * among them: its FQDN, the LB IP asked (if any), and the FQDN of each
 * configured peer of `peers`.
 */
function patchedEntriesInPlace(
  mesh: MeshModel,
  name: string,
  configured: ReadonlyMap<string, { text: string }>,
  peers: readonly string[],
): boolean {
  const { conventions } = mesh;
  const { fqdn, lbIp } = conventions.variables;
  const cluster = mesh.byName.get(name);
  if (!cluster || !patchedSubstituteNote(mesh, cluster)) return false;
  const variables = cluster.cilium?.appliedBy?.variables;
  const inline = (key: string) =>
    variables?.inline(key) && !variables.get(key)?.secret
      ? variables.value(key)
      : undefined;
  const ip = configured.get(name)?.text;
  // an FQDN the template gives where the values are substituted needs
  // no variable (SquaredPotato's copy: the domain a secret)
  return (
    (inline(fqdn) !== undefined || fqdnTemplateResolvesFor(mesh, cluster)) &&
    inline(lbIp) !== undefined &&
    (ip === undefined || inline(lbIp) === ip) &&
    peers.every(
      peer =>
        peer === name ||
        !configured.has(peer) ||
        inline(peerFqdnVariable(conventions, peer)) !== undefined ||
        fqdnTemplateResolvesFor(mesh, cluster, peer),
    )
  );
}

/**
 * What is said of the clusters whose entries a parent's patch gives their
 * Cilium Kustomization already: all of them, or the LB IP with the FQDN
 * going by the template (no FQDN variable there: Jonnobrow's copy).
 */
function patchedSettledNotes(
  mesh: MeshModel,
  patchedSettled: ReadonlySet<string>,
): string[] {
  const { fqdn } = mesh.conventions.variables;
  const byTemplate = [...patchedSettled].filter(
    name => !mesh.byName.get(name)?.cilium?.appliedBy?.variables.inline(fqdn),
  );
  const all = [...patchedSettled].filter(name => !byTemplate.includes(name));
  const where =
    "the postBuild.substitute a parent's patch gives each cluster's Kustomization applying the Cilium values";
  return [
    ...(all.length
      ? [
          `${all.join(
            ', ',
          )}: the ClusterMesh entries are in ${where} already, which Flux takes over any settings; no settings are written.`,
        ]
      : []),
    ...(byTemplate.length
      ? [
          `${byTemplate.join(
            ', ',
          )}: the LB IP is in ${where} already, which Flux takes over any settings, and the FQDNs go by the template there; no settings are written.`,
        ]
      : []),
  ];
}

/** Why each cluster's own source of passed-through settings is not written here. */
function unwritableOwners(
  owners: ReadonlyMap<string, ClusterRender['objects'][number]>,
): string {
  return [...owners]
    .map(([name, { object }]) => {
      const root = object.source.root;
      const how = [
        ...(isRecord(root) && isSopsEncrypted(root) ? ['SOPS-encrypted'] : []),
        ...(object.source.index < 0 ? ['made by a generator'] : []),
      ];
      return `${name}'s is ${object.kind} ${object.name}${how
        .map(h => `, ${h}`)
        .join('')}`;
    })
    .join(', ');
}

/** The clusters (two or more) of each settings object several share. */
function sharedSettingsGroups(
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  /** Clusters left out (none: the clusters leaving the mesh read it too). */
  removed: ReadonlySet<string> = new Set(),
): string[][] {
  const byObject = new Map<string, string[]>();
  for (const [name, target] of settings) {
    if (removed.has(name)) continue;
    const key = `${target.file}#${target.doc}`;
    byObject.set(key, [...(byObject.get(key) ?? []), name]);
  }
  return [...byObject.values()].filter(clusters => clusters.length > 1);
}

/**
 * The clusters sharing a settings ConfigMap that passes each one's values
 * through (see passedThrough) from a plain ConfigMap of its own (elcattivo66's,
 * judahrand's, 1activegeek's copies): each cluster's entries are written
 * in its own, with a line passing each through in the shared one. Not
 * where a cluster outside the change reads the shared one too (its own
 * values would lack the entries), nor a Secret or SOPS file of its own,
 * which configure cannot write: refused as before, with the advice.
 */
function passedThroughWritable(
  mesh: MeshModel,
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  configured: ReadonlyMap<string, { text: string }>,
  removed: ReadonlySet<string>,
): Map<string, OwnSettingsSource> {
  const writable = new Map<string, OwnSettingsSource>();
  const readers = (target: SettingsWriteTarget) =>
    mesh.clusters.filter(c =>
      c.render.objects.some(
        ({ object }) =>
          object.source.file === target.file &&
          object.source.index === target.doc,
      ),
    ).length;
  for (const clusters of sharedSettingsGroups(settings)) {
    if (!clusters.some(c => configured.has(c) || removed.has(c))) continue;
    const target = settings.get(clusters[0])!;
    if (readers(target) !== clusters.length) continue;
    const passed = passedThrough(mesh, clusters, target);
    if (!passed) continue;
    const own = [...passed.owners].filter(
      ([, { object }]) =>
        object.kind === 'ConfigMap' &&
        object.source.index >= 0 &&
        !(isRecord(object.source.root) && isSopsEncrypted(object.source.root)),
    );
    if (own.length !== clusters.length) continue;
    for (const [name, { object, appliedBy }] of own)
      writable.set(name, {
        file: object.source.file,
        doc: object.source.index,
        configMap: object.name,
        appliedBy: { key: appliedBy.key, substitutes: appliedBy.postBuild },
        root: object.source.root,
      });
  }
  return writable;
}

/**
 * The ConfigMaps besides the settings that the Kustomization applying a
 * cluster's settings substitutes from and that no other cluster applies:
 * the cluster's own values may go there, named in the conventions.
 */
function ownSettingsSources(
  mesh: MeshModel,
  name: string,
  target: SettingsWriteTarget,
): string[] {
  const cluster = mesh.byName.get(name);
  const applier = cluster?.cilium?.appliedBy ?? target.appliedBy;
  if (!cluster || !applier) return [];
  return applier.substituteFrom.flatMap(reference => {
    if (reference.kind !== 'ConfigMap' || reference.name === target.configMap)
      return [];
    const file = cluster.render.objects.find(
      ({ object }) =>
        object.kind === 'ConfigMap' && object.name === reference.name,
    )?.object.source.file;
    const shared = mesh.clusters.some(
      other =>
        other !== cluster &&
        other.render.objects.some(o => o.object.source.file === file),
    );
    return file && !shared
      ? [
          `${name}'s Kustomization ${applier.key} also substitutes from ConfigMap ${reference.name}, in ${file}, which only ${name} applies`,
        ]
      : [];
  });
}

/**
 * Said where the change has a Kustomization substitute for the first time
 * while it applies SOPS-encrypted files: Flux substitutes their decrypted
 * values too, and a `${...}` in them (not readable here) would be replaced.
 */
function encryptedUnderNewSubstitution(
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  removed: ReadonlySet<string>,
): string[] {
  const notes = new Map<string, string>();
  for (const [name, t] of settings) {
    const k = t.wires;
    // each cluster's bootstrap is a flux-system/flux-system of its own
    const declared = `${k?.key}@${k?.object?.source.file}`;
    if (!k || k.postBuild || removed.has(name) || notes.has(declared)) continue;
    const files = [
      ...new Set(
        k.objects.filter(o => isSopsEncrypted(o.body)).map(o => o.source.file),
      ),
    ];
    if (files.length)
      notes.set(
        declared,
        `Kustomization ${
          k.key
        } substitutes for the first time, and it applies SOPS-encrypted files (${firstFew(
          files,
        )}): Flux substitutes their decrypted values too, which are not read here; a \`\${...}\` in them that no source defines would be replaced (escape it as \`$\${...}\`).`,
      );
  }
  return [...notes.values()];
}

/**
 * A configured cluster whose Cilium release two Kustomizations apply,
 * each its own way: which values the cluster runs is not defined, nor is
 * which Kustomization the settings must reach.
 */
function ciliumAppliedTwice(
  mesh: MeshModel,
  configured: ReadonlyMap<string, unknown>,
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const cluster of mesh.clusters) {
    const release = cluster.cilium?.object;
    if (!configured.has(cluster.name) || !release) continue;
    // the render's answer: the release's document applied twice
    const twice = cluster.render.appliedTwice?.find(
      ({ object }) =>
        object.source.file === release.source.file &&
        object.source.index === release.source.index &&
        object.kind === release.kind &&
        object.name === release.name,
    );
    if (!twice) continue;
    const appliers = [twice.first.key, twice.again.key];
    problems.push({
      field: release.source.file,
      message: `${describeObject(release)} of ${
        cluster.name
      } is applied by Kustomizations ${appliers.join(
        ' and ',
      )}, each its own way: which values the cluster runs, and which Kustomization its settings must reach, is not defined`,
      remedy:
        'Let one Kustomization apply the Cilium release (a folder without a kustomization file has the one Flux generates take in every sub-folder that has one: give it a kustomization that lists what it applies), then configure again.',
    });
  }
  return problems;
}

/**
 * A settings ConfigMap that the Kustomization substituting from it applies
 * itself is missing at that Kustomization's first reconcile: with strict
 * substitution, every variable it holds is then undefined and Flux fails
 * the Kustomization before applying anything, the ConfigMap included, for
 * good.
 */
function selfAppliedUnderStrictness(
  mesh: MeshModel,
  settings: ReadonlyMap<string, SettingsWriteTarget>,
  removed: ReadonlySet<string>,
): PlanProblem[] {
  if (!mesh.conventions.flux.strictSubstitution) return [];
  return [...settings]
    .filter(([name, t]) => t.create?.selfApplied && !removed.has(name))
    .map(([name, t]) => ({
      field: t.wires?.object?.source.file ?? t.file,
      message: `Kustomization ${
        t.create!.substitutedBy
      } applies the Cilium values of ${name} and would also apply its new settings ConfigMap ${
        t.configMap
      } (${
        t.file
      }): at its first reconcile the ConfigMap is not there yet, and this repository's Flux substitutes strictly, so it would fail on the undefined variables before applying anything, the ConfigMap included, for good`,
      remedy: `Apply the Cilium release with a Kustomization of its own (its own file, \`dependsOn\` the one that applies the settings), or create ConfigMap ${t.configMap} in the cluster before Flux (as bootstrap does) and name it in the conventions' settings.configMap; then configure again.`,
    }));
}

function needsSettings(
  name: string,
  configured: ReadonlyMap<string, unknown>,
  members: readonly string[],
  removed: ReadonlySet<string>,
): boolean {
  return configured.has(name) || removed.has(name) || members.includes(name);
}

/** One line per form, naming its clusters, for the summary. */
function formNotes(
  forms: ReadonlyMap<string, FqdnForm>,
  members: readonly string[],
  /** In manual mode the records are kept by hand: no DNSEndpoint takes the name. */
  mode: MeshConventions['dns']['mode'],
  /** Clusters whose settings are left as they are: nothing is written there. */
  settled: ReadonlySet<string>,
): string[] {
  const byWhy = new Map<string, { form: FqdnForm; clusters: string[] }>();
  for (const name of members) {
    const form = forms.get(name);
    if (!form) continue;
    if (settled.has(name) && form.kind.startsWith('settings-')) continue;
    const why = form.why.replace(
      new RegExp(`(^|[^a-z0-9])${name}($|[^a-z0-9])`, 'g'),
      // {cluster}, as in the conventions' names: Markdown would eat <cluster>
      '$1{cluster}$2',
    );
    const key = `${form.kind}|${why}`;
    const entry = byWhy.get(key) ?? { form: { ...form, why }, clusters: [] };
    entry.clusters.push(name);
    byWhy.set(key, entry);
  }
  const what: Record<FqdnForm['kind'], string> = {
    literal: 'the FQDN is written as it is',
    'settings-template': 'the FQDN template is written in the settings',
    'settings-resolved': 'the resolved FQDN is written in the settings',
    'files-template': `the FQDN template is written in the files Flux substitutes (${
      mode === 'manual'
        ? 'the Cilium values'
        : 'the DNSEndpoint, the Cilium values'
    }), not in the settings`,
    unresolvable: 'the FQDN cannot be resolved',
  };
  return [...byWhy.values()].map(({ form, clusters }) => {
    const why =
      clusters.length > 1
        ? form.why
        : form.why.replace(/\{cluster\}/g, clusters[0]);
    return `${clusters.join(', ')}: ${what[form.kind]}, because ${why}.`;
  });
}

/**
 * The variables through which a cluster's own settings switch ClusterMesh
 * off in values it shares: each switch it leaves off is a variable
 * reference (`${CILIUM_CLUSTERMESH_ENABLED:=true}`) whose value the
 * cluster's settings write file gives (a ConfigMap, an env file, its
 * Kustomization's inline substitute). Undefined where a switch is off
 * some other way: then the values themselves are the place to change.
 */
function ownSwitchVariables(
  mesh: MeshModel,
  name: string,
): OwnSwitch[] | undefined {
  const cluster = mesh.byName.get(name);
  const cilium = cluster?.cilium;
  const applier = cilium?.appliedBy;
  if (!cluster || !cilium || !applier) return undefined;
  const target = settingsWriteTarget(mesh, cluster);
  if ('problem' in target || target.create) return undefined;
  // the cluster's own declaration of that Kustomization (no other applies it)
  const declaration = applier.object;
  const ownDeclaration =
    declaration !== undefined &&
    declaration.source.index >= 0 &&
    !declaredByOthers(mesh, cluster, declaration.source);
  const found: OwnSwitch[] = [];
  for (const path of [
    ciliumValuesPaths.useApiServer,
    ciliumValuesPaths.meshConfigEnabled,
  ]) {
    if (chartEnables(getPath(cilium.values, path))) continue;
    const line = lineAt(mesh.repository, cilium.locate(path)) ?? '';
    const off = referencedVariables(line).flatMap((variable): OwnSwitch[] => {
      const given = applier.variables.get(variable);
      if (
        given === undefined ||
        given.secret ||
        given.value.trim().toLowerCase() !== 'false'
      )
        return [];
      if (applier.variables.inline(variable))
        return ownDeclaration &&
          given.location?.file === declaration.source.file
          ? [
              {
                variable,
                inline: {
                  file: declaration.source.file,
                  doc: declaration.source.index,
                },
              },
            ]
          : [];
      return given.location?.file === target.file ? [{ variable }] : [];
    });
    if (!off.length) return undefined;
    for (const s of off)
      if (!found.some(f => f.variable === s.variable)) found.push(s);
  }
  return found.length ? found : undefined;
}
