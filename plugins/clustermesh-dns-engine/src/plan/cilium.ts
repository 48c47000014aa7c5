import {
  certificateNameCovers,
  formatLocation,
  parseCidr,
  rangeOverlap,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  announcedClass,
  chartEnables,
  chartServerName,
  ciliumMeshConfigSecret,
  ciliumValuesPaths,
  defaultIpamOtherThanLbIpam,
} from '../cilium/values';
import { fqdnTemplateFor } from '../conventions/templates';
import { describeObject } from '../core/manifest';
import { inWords } from '../core/text';
import { getPath, isRecord, ObjectPath } from '../core/paths';
import {
  envsubst,
  hasUnresolvedReference,
  referencedVariables,
} from '../flux/envsubst';
import { chartReadsServiceLabels } from '../cilium/version';
import { announcementsOf } from '../model/announcements';
import { ownTalosNets } from '../model/nodeAddresses';
import {
  apiserverLabels,
  ciliumVersion,
  cloudLoadBalancerApplied,
  meshPeersSecretElsewhere,
} from '../model/queries';
import type { SubstitutionScope } from '../model/writeTargets';
import { hasSecretPlaceholder } from '../model/writeTargets';
import type { CiliumWriteTarget } from '../model/writeTargets';
import type { YamlTextEditor } from '../yaml/edit';
import { lineAtPath } from '../yaml/lines';
import { locate } from '../yaml/locate';
import {
  ChangeContext,
  committedFqdn,
  otherClusterNamed,
  peersAfter,
  resolvedFqdn,
  scopeOf,
  sharedFqdnTemplate,
  substitutesAfter,
  variableIn,
} from './change';
import { planPeers } from './peers';
import { EditSet, PlanError } from './transaction';

/** What planning reads and changes in a YAML file: a {@link YamlTextEditor}, or a probe. */
export type ValuesEditor = Pick<
  YamlTextEditor,
  | 'get'
  | 'setScalar'
  | 'setEntries'
  | 'appendItem'
  | 'insertItem'
  | 'deleteKey'
  | 'deleteItem'
>;

/** A value as an edit note gives it: a string as it is, anything else as JSON. */
const asNoted = (value: unknown) =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** Reads parsed documents and notes each edit asked for (what, and at which path), editing nothing. */
class ChangeProbe implements ValuesEditor {
  readonly edits: string[] = [];
  constructor(
    private readonly documents: readonly unknown[],
    /** Two scalars that say the same (a literal and the variable holding it); by default only equal ones. */
    private readonly same: (had: unknown, wanted: unknown) => boolean = (
      had,
      wanted,
    ) => had === wanted,
  ) {}
  get changes(): boolean {
    return this.edits.length > 0;
  }
  get(doc: number, path: ObjectPath): unknown {
    return getPath(this.documents[doc], path);
  }
  setScalar(doc: number, path: ObjectPath, value: unknown) {
    if (!this.same(this.get(doc, path), value))
      this.edits.push(`set ${path.join('.')}: ${asNoted(value)}`);
  }
  setEntries(_doc: number, path: ObjectPath, entries: unknown) {
    this.edits.push(`set ${path.join('.')}: ${asNoted(entries)}`);
  }
  appendItem(doc: number, path: ObjectPath, item: unknown) {
    const list = this.get(doc, path);
    // a scalar already there in another form (a literal for its variable)
    if (
      typeof item !== 'object' &&
      Array.isArray(list) &&
      list.some(had => this.same(had, item))
    )
      return;
    this.edits.push(`add ${asNoted(item)} to ${path.join('.')}`);
  }
  insertItem(_doc: number, path: ObjectPath, _index: number, item: unknown) {
    this.edits.push(`add ${asNoted(item)} to ${path.join('.')}`);
  }
  deleteKey(_doc: number, path: ObjectPath) {
    this.edits.push(`remove ${path.join('.')}`);
  }
  deleteItem(_doc: number, path: ObjectPath) {
    this.edits.push(`remove ${path.join('.')}`);
  }
}

/** The values one target gets: each as its file can say it. */
export interface CiliumValues {
  /** The clusters whose own service, certificate and mesh switch are set here. */
  own: boolean;
  lbIp?: string;
  fqdn?: string;
  /** The entries of `clustermesh.config.clusters`, by name. */
  peers: string[];
  /** The address of a peer's entry (computed when an entry is written). */
  address(peer: string): string;
  /** Entries to take out. */
  gone: string[];
  /**
   * The peer variables of the clusters taken out: an entry whose address
   * names one is theirs, whatever its name (a deleted folder's cluster
   * whose Cilium name is not known any more).
   */
  goneVariables: string[];
  /** The name of a cluster's entry: Cilium's cluster.name of it (the folder's when not known). */
  entryName(cluster: string): string;
  /** The clusters this change configures: their entries are brought up to date. */
  configuredPeers: ReadonlySet<string>;
}

/**
 * Plans the Cilium values of every target: for the clusters this change
 * configures, the service type and LB IPAM annotation, the FQDN in the
 * server certificate and the mesh switches; for every member, the peers by
 * FQDN (the clusters added, the removed ones taken out).
 */
export function planCilium(edits: EditSet, ctx: ChangeContext) {
  // every HelmChartConfig to edit by hand, and every file whose values
  // cannot be said, at once (one cluster's file is often another's twin)
  const byHand: PlanError[] = [];
  for (const target of ctx.cilium) {
    // the peers go in a Secret made elsewhere, not in the values
    const secret =
      target.kind === 'helmchartconfig'
        ? undefined
        : meshSecretElsewhere(ctx, target);
    let values: CiliumValues | undefined;
    try {
      values = targetValues(ctx, target, !secret);
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      byHand.push(error);
      continue;
    }
    if (!values) continue;
    if (target.kind === 'helmchartconfig') {
      try {
        checkValuesContent(edits, ctx, target, values);
      } catch (error) {
        if (!(error instanceof PlanError)) throw error;
        byHand.push(error);
      }
      continue;
    }
    if (secret) ctx.notes.push(secret.note);
    if (target.valuesFileBeside) {
      const file = target.valuesFileBeside;
      const installers = ctx.readByBootstrap(file);
      // values of its own, or a block the change adds (bo0tzz's release
      // of valuesFrom alone, its values file read by the bootstrap)
      const holdsOwn = target.clusters.some(c => {
        const own = getPath(
          ctx.mesh.byName.get(c)?.cilium?.object?.source.root,
          ['spec', 'values'],
        );
        return isRecord(own) && Object.keys(own).length > 0;
      });
      ctx.notes.push(
        `${target.file}: the other Cilium values of ${target.clusters.join(
          ', ',
        )} are in ${file}, which a kustomize generator makes the ConfigMap the HelmRelease takes through valuesFrom; the ClusterMesh values go in its spec.values ${
          holdsOwn ? 'beside the values it holds itself' : '(a block new to it)'
        }, which Flux merges over that file's${
          installers.length
            ? `${
                holdsOwn ? ' (' : ', not in the file itself, since '
              }${installers.join(
                ', ',
              )} installs ${file} as it is to bootstrap a new cluster${
                holdsOwn ? ': that' : ', whose'
              } first install has no ClusterMesh values until Flux reconciles the HelmRelease${
                holdsOwn ? ')' : ''
              }`
            : ''
        }.`,
      );
    }
    if (target.valuesLayers) {
      const installers = target.valuesLayers.flatMap(file =>
        ctx.readByBootstrap(file).length ? [file] : [],
      );
      ctx.notes.push(
        `${target.file}: the Cilium values of ${target.clusters.join(
          ', ',
        )} come through valuesFrom from ${inWords(
          target.valuesLayers,
        )} (ConfigMaps a kustomize generator makes), which Flux merges in that order: the ClusterMesh values go in the last, which wins over the others${
          installers.length
            ? ` (not in ${inWords(
                installers,
              )}, which a bootstrap installs as it is)`
            : ''
        }.`,
      );
    }
    if (target.valuesText) {
      if (!valuesTextLacks(edits, ctx, target, values, !!secret)) continue;
      const { configMap, file, holdsMesh } = target.valuesText;
      ctx.notes.push(
        `${target.file}: the other Cilium values of ${target.clusters.join(
          ', ',
        )} are in the text of ${configMap} (${file}), which the HelmRelease takes through valuesFrom and configure does not edit (YAML inside a text): the ClusterMesh values go in its spec.values, which Flux merges over them${
          holdsMesh
            ? ', where they win over the clustermesh block of that text'
            : ''
        }; move them there by hand if you keep them together.`,
      );
    }
    // the file as read: when nothing would change, no editor is opened
    const documents = edits.readDocuments(target.file);
    if (documents) {
      const probe = new ChangeProbe(documents);
      planCiliumTarget(probe, ctx, target, values, () => {}, !!secret);
      if (!probe.changes) continue;
    }
    const single = target.clusters.length === 1 ? target.clusters[0] : '';
    planCiliumTarget(
      edits.editor(
        target.file,
        single ? `the Cilium values of ${single}` : 'the Cilium values',
      ),
      ctx,
      target,
      values,
      text => edits.reason(target.file, text),
      !!secret,
      path => commentAbove(ctx, target, documents?.[target.doc], path),
    );
  }
  if (byHand.length) {
    const [first, ...others] = byHand;
    first.also = others;
    throw first;
  }
  const podCidrs = overlappingPodCidrsNote(ctx);
  if (podCidrs) ctx.notes.push(podCidrs);
}

/** The cluster-pool IPAM's default pod CIDR (the chart's `ipam.operator.clusterPoolIPv4PodCIDRList`). */
const defaultPodCidr = '10.0.0.0/8';
/** Its IPv6 default (`clusterPoolIPv6PodCIDRList`), where `ipv6.enabled`. */
const defaultPodCidrV6 = 'fd00::/104';

/**
 * Said where two configured clusters give pods addresses from overlapping
 * CIDRs by Cilium's cluster-pool IPAM (the chart's default mode, and its
 * default list where the values set none): ClusterMesh needs each
 * cluster's pod CIDRs apart. Pod CIDRs another IPAM gives (`kubernetes`:
 * the cluster's own) are not read here.
 */
function overlappingPodCidrsNote(ctx: ChangeContext): string | undefined {
  const pools = [...ctx.configured.keys()].flatMap(name => {
    const cluster = ctx.mesh.byName.get(name);
    const cilium = cluster?.cilium;
    // every value of a HelmRelease read: the chart's defaults hold for the rest
    if (!cilium || cilium.kind !== 'helmrelease' || cilium.unread.length)
      return [];
    const { values } = cilium;
    const mode = getPath(values, ['ipam', 'mode']) ?? 'cluster-pool';
    // Kubernetes' own IPAM: the pod CIDRs of the cluster's talhelper
    // configuration
    if (mode === 'kubernetes') {
      const own = ownTalosNets(ctx.mesh.repository.talosNetworks(), cluster!);
      if (!own?.cidrs.length) return [];
      const ranges = own.cidrs.flatMap(text => {
        const range = parseCidr(text);
        return range ? [range] : [];
      });
      return ranges.length === own.cidrs.length
        ? [
            {
              name,
              list: own.cidrs,
              byDefault: false,
              ranges,
              source: `clusterPodNets at ${formatLocation(own.location)}`,
            },
          ]
        : [];
    }
    if (mode !== 'cluster-pool') return [];
    // IPv4's list, and IPv6's where the cluster runs it (vbalexr's dual
    // stack): each family's ranges apart
    const families = [
      { key: 'clusterPoolIPv4PodCIDRList', byDefault: defaultPodCidr },
      ...(getPath(values, ['ipv6', 'enabled']) === true
        ? [{ key: 'clusterPoolIPv6PodCIDRList', byDefault: defaultPodCidrV6 }]
        : []),
    ];
    return families.flatMap(family => {
      const written = getPath(values, ['ipam', 'operator', family.key]);
      const list =
        written === undefined
          ? [family.byDefault]
          : (Array.isArray(written) ? written : [written]).map(String);
      const ranges = list.flatMap(text => {
        const range = parseCidr(text);
        return range ? [range] : [];
      });
      // a list not read (a variable not known here) says nothing
      return ranges.length === list.length && ranges.length
        ? [
            {
              name,
              list,
              byDefault: written === undefined,
              ranges,
              source: `ipam.operator.${family.key}`,
            },
          ]
        : [];
    });
  });
  // the clusters of one list are said together: a mesh left at the chart's
  // default is one line, not a pair per two clusters (n² of them)
  const lists = new Map<
    string,
    { names: string[]; pool: (typeof pools)[number] }
  >();
  for (const pool of pools) {
    const key = `${pool.byDefault}|${pool.source}|${pool.list.join(',')}`;
    const list = lists.get(key);
    if (list) list.names.push(pool.name);
    else lists.set(key, { names: [pool.name], pool });
  }
  const groups = [...lists.values()];
  const involved = new Set<string>();
  for (const group of groups)
    if (new Set(group.names).size > 1)
      group.names.forEach(n => involved.add(n));
  for (let i = 0; i < groups.length; i++)
    for (let j = i + 1; j < groups.length; j++) {
      const [a, b] = [groups[i], groups[j]];
      // (a cluster has one list per family, and families never overlap:
      // two groups that overlap are two clusters' lists)
      if (a.pool.ranges.some(x => b.pool.ranges.some(y => rangeOverlap(x, y))))
        [...a.names, ...b.names].forEach(n => involved.add(n));
    }
  if (!involved.size) return undefined;
  // the lists of the clusters that overlap, not every cluster's
  const said = groups
    .filter(({ names }) => names.some(n => involved.has(n)))
    .map(
      ({ names, pool }) =>
        `${inWords(names)}${names.length > 1 ? ' each' : ''} ${pool.list.join(
          ', ',
        )} (${pool.byDefault ? "the chart's default" : pool.source})`,
    )
    .join('; ');
  return `${inWords([
    ...involved,
  ])} give pods addresses from overlapping CIDRs (${said}): ClusterMesh needs each cluster's pod CIDRs apart, so give each cluster its own (its Cilium values' ipam.operator.clusterPoolIPv4PodCIDRList, and clusterPoolIPv6PodCIDRList where IPv6 runs, or its Kubernetes pod CIDRs where ipam.mode is kubernetes; not written by this change).`;
}

/**
 * The Secret Cilium reads the peers from (`cilium-clustermesh`), when the
 * repository makes it itself for a cluster of the target (an ExternalSecret,
 * a SealedSecret, a Secret) and the values do not enable the chart's own:
 * the change then leaves the chart's mesh configuration off, as enabling it
 * would make Helm fail on a Secret it does not own, and says where the peers
 * go instead.
 */
function meshSecretElsewhere(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
): { note: string } | undefined {
  // every cluster of the values: for one whose Secret the chart makes, the
  // peers go in the values (the rules then fail the one that has two)
  const found = target.clusters.map(name => {
    const cluster = ctx.mesh.byName.get(name);
    return cluster && meshPeersSecretElsewhere(cluster);
  });
  if (found.length === 0 || !found.every(f => f !== undefined))
    return undefined;
  const { namespace, elsewhere } = found[0]!;
  return {
    note: `The peers of ${target.clusters.join(
      ', ',
    )} are not written in the Cilium values: Secret ${namespace}/${ciliumMeshConfigSecret}, where Cilium reads them, is made by ${
      elsewhere.by
    } (${formatLocation(
      elsewhere.location,
    )}), and with clustermesh.config.enabled the chart would make it too (Helm fails on a Secret it does not own). In that Secret, give each peer a key of its cluster name whose etcd configuration has endpoints: [https://<peer FQDN>:${
      ctx.conventions.cilium.apiserverPort
    }].`,
  };
}

/**
 * RKE2's HelmChartConfig holds the values as YAML in a text field, which
 * configure does not edit: the change goes through when they already say
 * what it would write, and is refused naming what to change by hand.
 */
function checkValuesContent(
  edits: EditSet,
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  values: CiliumValues,
) {
  const text = getPath(
    edits.readDocuments(target.file)?.[target.doc],
    target.root,
  );
  const parsed =
    typeof text === 'string'
      ? edits.readHelmValues(target.file, text)
      : undefined;
  const probe = new ChangeProbe([parsed], sameOnceSubstituted(ctx, target));
  if (parsed !== undefined)
    planCiliumTarget(
      probe,
      ctx,
      { ...target, doc: 0, root: [] },
      values,
      () => {},
    );
  if (parsed !== undefined && !probe.changes) return;
  const paths = [...new Set(probe.edits)];
  // what the mesh rules need of these values too, asked for in the same
  // round of edits by hand (not after it)
  if (parsed !== undefined && target.clusters.length === 1) {
    if (getPath(parsed, ciliumValuesPaths.clusterName) === undefined)
      paths.push(`set cluster.name: ${target.clusters[0]}`);
    if (getPath(parsed, ciliumValuesPaths.clusterId) === undefined)
      paths.push(
        "set cluster.id to a number of its own (1..255, none of the other clusters')",
      );
  }
  const config = ctx.mesh.byName.get(target.clusters[0])?.cilium?.object;
  cannot(
    target,
    `holds the Cilium values of ${target.clusters.join(', ')} in ${
      config ? describeObject(config) : 'a HelmChartConfig'
    } (${
      config?.kind === 'HelmChart'
        ? "k3s's or RKE2's Helm controller installs it"
        : 'RKE2 installs Cilium'
    }), inside its valuesContent text, which configure does not edit: ${
      paths.length
        ? `${paths.join(
            '; ',
          )} there by hand (as this change would write them in a values file), then run it again`
        : 'write the clustermesh values there by hand'
    }, or point cilium.valuesFile at a values file`,
  );
}

/**
 * Whether the values a ConfigMap's text gives the release (see
 * CiliumWriteTarget.valuesText) lack something the change writes, or
 * cannot be read: where they say it all (moved there by hand), nothing is
 * written over them.
 */
function valuesTextLacks(
  edits: EditSet,
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  values: CiliumValues,
  meshSecret: boolean,
): boolean {
  const layer = target.valuesText!;
  if (!layer.holdsMesh) return true;
  const text = getPath(
    edits.readDocuments(layer.file)?.[layer.doc],
    layer.root,
  );
  const parsed =
    typeof text === 'string'
      ? edits.readHelmValues(layer.file, text)
      : undefined;
  if (parsed === undefined) return true;
  const probe = new ChangeProbe([parsed], sameOnceSubstituted(ctx, target));
  planCiliumTarget(
    probe,
    ctx,
    { ...target, file: layer.file, doc: 0, root: [] },
    values,
    () => {},
    meshSecret,
  );
  return probe.changes;
}

/**
 * For the values of one cluster: whether two scalars come out the same
 * once Flux substitutes them after the change (a peer's address written
 * out, where configure would write the variable that holds it).
 */
function sameOnceSubstituted(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
): (had: unknown, wanted: unknown) => boolean {
  if (target.clusters.length !== 1) return (had, wanted) => had === wanted;
  const cluster = target.clusters[0];
  const model = ctx.mesh.byName.get(cluster);
  const { variables } = ctx.conventions;
  const peerOf = new Map(
    [...ctx.members, ...ctx.removed].map(p => [ctx.peerVariable(p), p]),
  );
  const lookup = (name: string): string | undefined => {
    if (name === variables.fqdn) return resolvedFqdn(ctx, cluster);
    if (name === variables.lbIp)
      return ctx.configured.get(cluster)?.text ?? model?.lbIp?.value;
    const peer = peerOf.get(name);
    if (peer !== undefined) return resolvedFqdn(ctx, peer);
    return model?.settings.value(name);
  };
  const value = (v: unknown) => {
    if (typeof v !== 'string') return v === undefined ? v : String(v);
    const out = envsubst(v, lookup, { strict: true });
    return out.ok ? out.output : v;
  };
  return (had, wanted) => had === wanted || value(had) === value(wanted);
}

/** Why a value cannot be said in a file, as a plan error. */
function cannot(target: CiliumWriteTarget, what: string): never {
  throw new PlanError(target.file, what);
}

/**
 * The values a target gets, each by its settings variable where Flux
 * substitutes it for every cluster of the file, else (a file of one
 * cluster) written out; undefined when nothing changes for its clusters.
 */
function targetValues(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  /** Whether the peers are written in the values (not in a Secret made elsewhere). */
  peersInValues = true,
): CiliumValues | undefined {
  const { conventions } = ctx;
  const { variables } = conventions;
  const clusters = target.clusters.filter(c => ctx.members.includes(c));
  const configured = clusters.filter(c => ctx.configured.has(c));
  const learns = clusters.some(c =>
    [...ctx.configured.keys()].some(p => ctx.knows(c, p)),
  );
  if (!configured.length && !learns && !ctx.removed.size) return undefined;
  const scopes: { cluster: string; scope: SubstitutionScope }[] = [];
  const substitutes = substitutesAfter(ctx);
  for (const c of clusters) {
    const k = target.appliedBy.get(c);
    if (k) scopes.push({ cluster: c, scope: scopeOf(ctx, c, k) });
  }
  const single = clusters.length === 1 ? clusters[0] : undefined;
  const form = (c: string) => ctx.forms.get(c)!;
  // a file of one cluster that a bootstrap helmfile also installs as it
  // is: its values written out, when every name is known and not secret
  const bootstrap = single ? ctx.readByBootstrap(target.file) : [];
  // a name resolved from the repository's plain values only (a domain
  // given inline in a Kustomization too), never from a secret or a value
  // given to this run
  const plainName = (of: string) => {
    const name = committedFqdn(ctx, of);
    return hasUnresolvedReference(name) || hasSecretPlaceholder(name)
      ? undefined
      : name;
  };
  const plain = (of: string) => plainName(of) !== undefined;
  const writtenForBootstrap =
    bootstrap.length > 0 &&
    target.kind !== 'values-file' &&
    [single!, ...peersAfter(ctx, single!)].every(plain);
  if (writtenForBootstrap && configured.length)
    ctx.notes.push(
      `${single}: the Cilium values are written out in ${
        target.file
      } (its LB IP and FQDNs as they are, not by settings variable), because ${bootstrap.join(
        ', ',
      )} ${
        bootstrap.length > 1 ? 'read' : 'reads'
      } it to install a new cluster (bootstrap), where Flux does not substitute.`,
    );
  else if (bootstrap.length > 0 && configured.length) {
    ctx.notes.push(
      `${single}: its LB IP is written out in ${
        target.file
      } (not by settings variable), because ${bootstrap.join(', ')} ${
        bootstrap.length > 1 ? 'read' : 'reads'
      } it to install a new cluster (bootstrap), where Flux does not substitute; its FQDNs, secret here, cannot be: their \${…} references reach that first install as they are, until Flux reconciles the HelmRelease${
        ctx.settings.has(single!) && ctx.addsKey(single!, variables.lbIp)
          ? `. ${variables.lbIp} in the settings holds the same address, for the record and the checks (service-annotation fails where the two differ): change both together`
          : ''
      }.`,
    );
    ctx.bootstrapExplained.add(target.file);
  }
  const substituted =
    !writtenForBootstrap &&
    target.kind !== 'values-file' &&
    scopes.length === clusters.length &&
    scopes.every(s => substitutes(s.scope.kustomization));
  const scopeList = scopes.map(s => s.scope);
  const inSettings = clusters.every(c => form(c).kind !== 'files-template');
  // in a shared file, each peer by its variable, defaulting to the
  // cluster's own FQDN, where every cluster has its peers' variables (not
  // so where no settings are written: the entries a parent's patch gives
  // in place, the peers there by the template)
  const sharedByVariable =
    !single &&
    substituted &&
    inSettings &&
    variableIn(scopeList, variables.fqdn) !== undefined &&
    scopes.every(({ cluster, scope }) =>
      ctx.members.every(
        peer =>
          peer === cluster ||
          !ctx.knows(cluster, peer) ||
          scope.resolves(ctx.peerVariable(peer)),
      ),
    );
  // said when the file first gets such entries (a reviewer reads them then)
  if (
    sharedByVariable &&
    peersInValues &&
    configured.length &&
    !ctx.mesh.repository
      .readText(target.file)
      ?.includes(`:=\${${variables.fqdn}}}`)
  ) {
    const example = ctx.peerVariable(ctx.members[0]);
    ctx.notes.push(
      `${target.file}, shared by ${clusters.join(
        ', ',
      )}, lists every cluster of the mesh in clustermesh.config.clusters, each by its peer variable with the cluster's own FQDN as the default (\${${example}:=\${${
        variables.fqdn
      }}}): Flux gives each cluster its peers' FQDNs from its settings, and the entry of the cluster itself, which has no such variable, resolves to its own FQDN, an entry its agent skips.`,
    );
  }

  /** A cluster's FQDN written out in a file of its own: the name, or the template where substituted. */
  const writtenOut = (of: string, forCluster: string): string => {
    const f = form(forCluster);
    if (writtenForBootstrap) return plainName(of)!;
    const resolved = resolvedFqdn(ctx, of);
    if (
      (f.kind === 'literal' || f.kind === 'settings-resolved') &&
      !hasSecretPlaceholder(resolved)
    )
      return resolved;
    const template = fqdnTemplateFor(conventions, of);
    const unresolved = referencedVariables(template).filter(
      v => !variableResolves(scopeList, v),
    );
    if (substituted && !unresolved.length) return template;
    // substituted, but only a source whose keys are not known here may
    // define them (rwlove's ExternalSecret through the webhook): not known,
    // not "not substituted"
    const maybeFrom = substituted
      ? unresolved.map(
          v =>
            scopeList
              .map(s => s.kustomization.variables.get(v))
              .find(found => found?.unverified)?.origin,
        )
      : [];
    if (
      substituted &&
      unresolved.length &&
      maybeFrom.every(o => o !== undefined)
    )
      return cannot(
        target,
        `is substituted by Flux, but the FQDN of ${of}, ${template}, needs ${unresolved.join(
          ', ',
        )}, which only sources whose keys are not known here may define (such as ${
          maybeFrom[0]
        }): give ${unresolved[0]} with the values of this run, --value ${
          unresolved[0]
        }=<value>, where that source defines it`,
      );
    return cannot(
      target,
      `is not substituted by Flux with ${referencedVariables(template).join(
        ', ',
      )}, so it needs the FQDN of ${of} written out, and ${
        f.kind === 'files-template'
          ? 'that name is secret here (its domain comes from a Secret or from the values given to this run): it is not written into a plain file; if the domain is not secret, name it in the FQDN template (fqdnTemplate in the conventions, --fqdn-template: clustermesh-{cluster}.<domain>)'
          : 'its value is not known here'
      }; write it there yourself, or have Flux substitute the file`,
    );
  };

  const addresses = new Map<string, string>();
  const values: CiliumValues = {
    own: configured.length > 0,
    peers: single ? peersAfter(ctx, single) : ctx.members,
    address(peer) {
      let address = addresses.get(peer);
      if (address === undefined) {
        address = peerAddress(peer);
        addresses.set(peer, address);
      }
      return address;
    },
    gone: [...ctx.removed],
    goneVariables: [...ctx.removed].map(ctx.peerVariable),
    entryName(cluster) {
      // the agent matches entries by its cluster.name, not by the folder
      const name = ctx.mesh.byName.get(cluster)?.ciliumName;
      return name &&
        !hasUnresolvedReference(name) &&
        !hasSecretPlaceholder(name)
        ? name
        : cluster;
    },
    configuredPeers: new Set(ctx.configured.keys()),
  };
  if (configured.length) {
    // the LB IP: the settings variable, or the address in a file of its
    // own (always in one a bootstrap installs as it is: the address is no
    // secret, the first install gets it)
    values.lbIp =
      (substituted &&
        !bootstrap.length &&
        variableIn(scopeList, variables.lbIp)) ||
      (single
        ? ctx.configured.get(single)?.text ??
          ctx.mesh.byName.get(single)!.lbIp!.value
        : sharedLbIpRefused(ctx, target, clusters, scopes));
    // written out where Flux substitutes, but not from the settings the
    // change writes it in too: said, as for a bootstrap's file
    if (
      single &&
      substituted &&
      !bootstrap.length &&
      ctx.configured.has(single) &&
      !values.lbIp?.includes('${') &&
      ctx.settings.has(single) &&
      ctx.addsKey(single, variables.lbIp)
    )
      ctx.notes.push(
        `${single}: its LB IP is written out in ${
          target.file
        } (not by settings variable), because ${notSubstituting(
          ctx,
          scopes,
          variables.lbIp,
        )}; ${
          variables.lbIp
        } in the settings holds the same address, for the record and the checks (service-annotation fails where the two differ): change both together.`,
      );
    const sharedFqdn = (): string => {
      const shared = substituted
        ? sharedFqdnTemplate(ctx, scopes)
        : { why: 'Flux does not substitute it', noNameVariable: true as const };
      if ('failing' in shared)
        return cannot(
          target,
          `is shared by ${clusters.join(', ')}, and ${
            shared.why
          }: no value of its Kustomization reaches the file until that is fixed`,
        );
      return 'template' in shared
        ? shared.template
        : cannot(
            target,
            inSettings
              ? `is shared by ${clusters.join(', ')}, but ${
                  variables.fqdn
                } is not substituted in it for every one of them, and ${
                  shared.why
                }; or, if the domain may be in plain files, name it in the FQDN template itself (fqdnTemplate, --fqdn-template: ${fqdnTemplateExample(
                  conventions.fqdnTemplate,
                )})`
              : `is shared by ${clusters.join(', ')}, and ${
                  shared.why
                }: one file cannot hold each cluster's own FQDN there (it would go as the template, not from the settings: ${
                  form(clusters[0]).why
                }); ${
                  'noNameVariable' in shared
                    ? "have Flux substitute in it a variable holding each cluster's name (CLUSTER_NAME in the settings of each), or, "
                    : ''
                }if the domain may be in plain files, name it in the FQDN template itself (fqdnTemplate, --fqdn-template: ${fqdnTemplateExample(
                  conventions.fqdnTemplate,
                )})`,
          );
    };
    values.fqdn =
      (substituted && inSettings && variableIn(scopeList, variables.fqdn)) ||
      (single ? writtenOut(single, single) : sharedFqdn());
  }
  // the peers: every member in a shared file (the agent skips its own entry), or the cluster's peers
  function peerAddress(peer: string): string {
    const variable = ctx.peerVariable(peer);
    if (sharedByVariable) return `\${${variable}:=\${${variables.fqdn}}}`;
    const address =
      single && substituted && inSettings
        ? variableIn(scopeList, variable)
        : undefined;
    return address ?? writtenOut(peer, single ?? peer);
  }
  return values;
}

/** The Kustomizations (and their files) that do not substitute a variable, for a message. */
/** Why a file several clusters share cannot hold each one's LB IP: it is not substituted with it for every one of them. */
function sharedLbIpRefused(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  clusters: readonly string[],
  scopes: readonly { cluster: string; scope: SubstitutionScope }[],
): never {
  const { lbIp } = ctx.conventions.variables;
  // a plain values file no Kustomization applies (tonybutt's
  // helm-values.yaml, rendered into manifests by hand)
  if (!scopes.length)
    return cannot(
      target,
      `is shared by ${clusters.join(
        ', ',
      )}, and no Flux Kustomization applies it (an installer or \`helm template\` reads it), so Flux never substitutes it and it cannot hold each cluster's own ${lbIp}: give each cluster a values file of its own (cilium.valuesFile with {cluster}), or write the ClusterMesh values there by hand`,
    );
  return cannot(
    target,
    `is shared by ${clusters.join(
      ', ',
    )}, but Flux does not substitute ${lbIp} in it for every one of them: ${notSubstituting(
      ctx,
      scopes,
      lbIp,
    )}; define it for each of them: in a settings ConfigMap their postBuild.substituteFrom names, in their own namespace (${[
      ...new Set(
        scopes
          .filter(s => !s.scope.resolves(lbIp))
          .map(s => s.scope.kustomization.namespace),
      ),
    ].join(
      ', ',
    )}: Flux looks substitution sources up there), or in their postBuild.substitute`,
  );
}

function notSubstituting(
  ctx: ChangeContext,
  scopes: readonly { cluster: string; scope: SubstitutionScope }[],
  variable: string,
): string {
  const missing = new Map<string, string[]>();
  for (const { cluster, scope } of scopes) {
    if (scope.resolves(variable)) continue;
    const k = scope.kustomization;
    const where = `Kustomization ${k.key}${
      k.object ? ` (${k.object.source.file})` : ''
    }`;
    missing.set(where, [...(missing.get(where) ?? []), cluster]);
  }
  const settings = [...ctx.settings.values()][0]?.configMap ?? 'settings';
  return [...missing]
    .slice(0, 3)
    .map(
      ([where, clusters]) =>
        `${where} applies it for ${clusters.join(
          ', ',
        )} without ConfigMap ${settings}`,
    )
    .join('; ');
}

function variableResolves(scopes: SubstitutionScope[], name: string) {
  return scopes.length > 0 && scopes.every(s => s.resolves(name));
}

function planCiliumTarget(
  editor: ValuesEditor,
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  values: CiliumValues,
  why: (text: string) => void,
  /** The mesh configuration's Secret is made elsewhere: peers go there. */
  meshSecret = false,
  /** The comment right above a values key (or a parent) in the file, if any. */
  commentOf: (
    path: ObjectPath,
  ) => { key: string; text: string } | undefined = () => undefined,
) {
  const { cilium } = ctx.conventions;
  const doc = target.doc;
  const at = (...path: Array<string | number>) => [...target.root, ...path];
  /** Sets a value the mesh needs, saying when the file said otherwise. */
  const require = (
    path: Array<string | number>,
    value: string | boolean | number,
    reason: string,
  ) => {
    const was = editor.get(doc, at(...path));
    if (was === value) return;
    // not in this file (an overlay patch), or written with a variable
    // (`${CILIUM_CLUSTERMESH_ENABLED:=true}`), and what the values of the
    // target's members merge to already says it: nothing to write (a
    // cluster outside the mesh keeps the value its own settings give)
    // (a switch as the chart reads it: a value only a source of unknown
    // keys may change is taken as membership takes it)
    const says = (v: unknown) =>
      value === true ? chartEnables(v) : v === value;
    const members = target.clusters.filter(c => ctx.members.includes(c));
    if (
      (was === undefined ||
        (typeof was === 'string' && hasUnresolvedReference(was))) &&
      (members.length ? members : target.clusters).every(
        c =>
          says(getPath(ctx.mesh.byName.get(c)?.cilium?.values, path)) ||
          // switched on in its own settings by this change
          (value === true && ctx.switchesOn.has(c)),
      )
    )
      return;
    editor.setScalar(doc, at(...path), value);
    if (was === undefined || was === null) {
      why(`${path.join('.')}: ${value}, ${reason}`);
      return;
    }
    // a reviewer should see why the file said otherwise (`# DISABLED: …`)
    const comment = commentOf(at(...path));
    why(
      `${path.join('.')}: ${value}, ${reason} (it was ${JSON.stringify(
        was,
      )} in ${target.file}: the change overrides it${
        comment
          ? `; the comment above ${comment.key} there says "${comment.text}", which the change leaves for you to update`
          : ''
      })`,
    );
  };
  if (values.own) {
    require([
      'clustermesh',
      'useAPIServer',
    ], true, 'so the clustermesh-apiserver runs and peers connect to it');
    require([
      'clustermesh',
      'apiserver',
      'service',
      'type',
    ], 'LoadBalancer', 'so the clustermesh-apiserver gets an LB IPAM address');
    // scaled to nothing (`replicas: 0`, TheBranchDriftCatalyst's until a
    // peer is wired up): the mesh the change makes needs one running
    const replicas = getPath(
      ctx.mesh.byName.get(target.clusters[0])?.cilium?.values,
      ciliumValuesPaths.apiserverReplicas,
    );
    if (replicas === 0 || replicas === '0')
      require([
        'clustermesh',
        'apiserver',
        'replicas',
      ], 1, 'so a clustermesh-apiserver runs behind the service the peers connect to');
    // LB IPAM left to services of its classes (`defaultLBServiceIPAM:
    // none`, jfroy's flatops): the class of the announcer that is on
    const merged = ctx.mesh.byName.get(target.clusters[0])?.cilium?.values;
    const defaultIpam = defaultIpamOtherThanLbIpam(merged);
    // another controller of LoadBalancer services, which answers those of
    // no class (psimaker's kube-vip-cloud-provider, an AWS load balancer
    // controller): the class keeps the service LB IPAM's
    const cloud = defaultIpam
      ? undefined
      : target.clusters
          .map(name => ctx.mesh.byName.get(name))
          .map(c => c && cloudLoadBalancerApplied(c.render))
          .find(found => found !== undefined);
    const announced = (defaultIpam || cloud) && announcedClass(merged);
    const writtenClass =
      announced &&
      !chartEnables(getPath(merged, ciliumValuesPaths.serviceLoadBalancerClass))
        ? announced
        : undefined;
    if (writtenClass)
      require([
        'clustermesh',
        'apiserver',
        'service',
        'loadBalancerClass',
      ], writtenClass, defaultIpam
        ? `so that LB IPAM serves the service, which the values' defaultLBServiceIPAM: ${defaultIpam} leaves to services of its classes`
        : `so that LB IPAM serves the service, not ${describeObject(
            cloud!.object,
          )}, which answers LoadBalancer services of no class`);
    const annotations = editor.get(
      doc,
      at('clustermesh', 'apiserver', 'service', 'annotations'),
    ) as Record<string, unknown> | null | undefined;
    // values that ask LB IPAM by the service's loadBalancerIP keep asking so
    const loadBalancerIp = at(
      'clustermesh',
      'apiserver',
      'service',
      'loadBalancerIP',
    );
    const requestedIp = editor.get(doc, loadBalancerIp);
    const byField =
      requestedIp !== undefined &&
      requestedIp !== null &&
      annotations?.[cilium.lbIpamAnnotation] === undefined;
    if (!byField && annotations?.[cilium.lbIpamAnnotation] !== values.lbIp) {
      editor.setEntries(
        doc,
        at('clustermesh', 'apiserver', 'service', 'annotations'),
        { [cilium.lbIpamAnnotation]: values.lbIp },
      );
      why(
        `${cilium.lbIpamAnnotation}: ${values.lbIp}, so the service keeps the address the record points at`,
      );
    }
    if (
      values.lbIp !== undefined &&
      requestedIp !== undefined &&
      requestedIp !== null &&
      requestedIp !== values.lbIp
    ) {
      editor.setScalar(doc, loadBalancerIp, values.lbIp);
      why(
        `loadBalancerIP: ${values.lbIp}, so the service keeps the address the record points at`,
      );
    }
    labelForAnnouncement(editor, ctx, target, at, why, writtenClass);
    const fqdn = values.fqdn!;
    const sans = editor.get(
      doc,
      at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
    );
    let covered =
      (Array.isArray(sans) && sans.some(n => certificateNameCovers(n, fqdn))) ||
      // a mesh on <cluster>.mesh.cilium.io needs no name beyond the chart's
      target.clusters.every(c =>
        certificateNameCovers(chartServerName, resolvedFqdn(ctx, c)),
      );
    // in a cluster's own values, another cluster's name is one copied with
    // its folder (TrentScholl's edge, copied from dr): its certificate must
    // not answer for that peer, so the name is replaced, or dropped
    const [own] = target.clusters;
    if (target.clusters.length === 1 && Array.isArray(sans)) {
      const sansPath = at(
        'clustermesh',
        'apiserver',
        'tls',
        'server',
        'extraDnsNames',
      );
      // from the last, so that each index still names its item
      for (let i = sans.length - 1; i >= 0; i--) {
        const other = otherClusterNamed(ctx, own, String(sans[i]));
        if (other === undefined) continue;
        const copied = `${other}'s name (kept from the folder this one was copied from?)`;
        if (covered) {
          editor.deleteItem(doc, [...sansPath, i]);
          why(
            `${String(sans[i])} out of the server certificate: it is ${copied}`,
          );
        } else {
          editor.setScalar(doc, [...sansPath, i], fqdn);
          why(
            `${fqdn} in the server certificate in place of ${String(
              sans[i],
            )}, ${copied}`,
          );
        }
        covered = true;
      }
    }
    if (!covered) {
      editor.appendItem(
        doc,
        at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
        fqdn,
      );
      why(`${fqdn} in the server certificate, since peers now connect by name`);
    }
    if (!meshSecret)
      require([
        'clustermesh',
        'config',
        'enabled',
      ], true, 'so the peers below are used');
  }
  if (meshSecret) return;
  planPeers(
    editor,
    doc,
    at('clustermesh', 'config', 'clusters'),
    values,
    ctx.conventions.cilium.apiserverPort,
    why,
    inheritedPeers(ctx, target, editor),
  );
}

/**
 * Where none of a cluster's Cilium announcements takes the clustermesh-
 * apiserver service, and one would but for its selector's labels
 * (rajsinghtech's L2 policy for `expose: "yes"` services): those labels on
 * the service (`clustermesh.apiserver.service.labels`), for every cluster
 * the values are written for alike, so the address the record points at
 * is announced. A chart before 1.17 does not put them on the service:
 * said, for the selector to be widened by hand.
 */
function labelForAnnouncement(
  editor: ValuesEditor,
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  at: (...path: Array<string | number>) => Array<string | number>,
  why: (text: string) => void,
  /** The load balancer class the change writes for the service, if it writes one. */
  writtenClass: string | undefined,
) {
  let found:
    | {
        labels: Record<string, string>;
        by: string;
        version?: string;
        old: boolean;
      }
    | undefined;
  for (const name of target.clusters) {
    const cluster = ctx.mesh.byName.get(name);
    if (!cluster?.cilium) return;
    const values = cluster.cilium.values;
    const configured = getPath(
      values,
      ciliumValuesPaths.serviceLoadBalancerClass,
    );
    const serviceClass =
      typeof configured === 'string' && chartEnables(configured)
        ? configured
        : writtenClass;
    const list = announcementsOf(
      apiserverLabels(ctx.mesh, cluster),
      cluster,
      serviceClass,
    );
    // announced already, not known, or nothing to go by
    if (!list.length || list.some(a => a.not === undefined || a.unknown))
      return;
    const candidate = list.find(a => a.admitBy);
    if (!candidate?.admitBy) return;
    // a label the values give another value is the owner's: not overridden
    const own = getPath(values, ciliumValuesPaths.serviceLabels);
    if (
      isRecord(own) &&
      Object.entries(candidate.admitBy).some(
        ([k, v]) => own[k] !== undefined && String(own[k]) !== v,
      )
    )
      return;
    const version = ciliumVersion(cluster);
    const next = {
      labels: candidate.admitBy,
      by: `${describeObject(candidate.object)} (${formatLocation(
        locate(candidate.object),
      )})`,
      version: version?.text,
      old: version !== undefined && !chartReadsServiceLabels(version),
    };
    if (found && JSON.stringify(found.labels) !== JSON.stringify(next.labels))
      return;
    found = found ?? next;
  }
  if (!found) return;
  const written = Object.entries(found.labels)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  if (found.old) {
    ctx.notes.push(
      `no Cilium announcement takes the clustermesh-apiserver service: ${found.by} would, but for its serviceSelector, which asks for ${written}; the chart of Cilium ${found.version} does not put clustermesh.apiserver.service.labels on the service (read from 1.17), so add an announcement that takes it (a CiliumL2AnnouncementPolicy or a BGP advertisement whose serviceSelector asks for k8s-app: clustermesh-apiserver), or its LB IP is not announced.`,
    );
    return;
  }
  editor.setEntries(
    target.doc,
    at('clustermesh', 'apiserver', 'service', 'labels'),
    found.labels,
  );
  why(
    `clustermesh.apiserver.service.labels ${written}, so that ${found.by}, whose serviceSelector asks for them, announces the LB IP the record points at`,
  );
}

/**
 * The `clustermesh.config.clusters` the target's clusters get from the
 * values under this layer (a `valuesFrom` ConfigMap, a shared base), when
 * the layer itself has none: a list written here replaces that one (Helm
 * and kustomize merge maps, not lists), so its entries must be carried.
 */
function inheritedPeers(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  editor: ValuesEditor,
): unknown[] | undefined {
  const path = ['clustermesh', 'config', 'clusters'];
  if (editor.get(target.doc, [...target.root, ...path]) !== undefined)
    return undefined;
  const lists = target.clusters.map(c =>
    getPath(ctx.mesh.byName.get(c)?.cilium?.values, path),
  );
  if (!lists.some(l => Array.isArray(l) && l.length)) return undefined;
  const texts = new Set(lists.map(l => JSON.stringify(l ?? [])));
  if (texts.size > 1 || !Array.isArray(lists[0]))
    throw new PlanError(
      target.file,
      `would get clustermesh.config.clusters, which replaces the list the values under it give ${target.clusters.join(
        ', ',
      )}, and those lists differ: add the peers there, or list them all here by hand`,
    );
  return lists[0];
}

/**
 * The comment lines right above a key of a values file, or above the
 * nearest of its parents that has one (`# DISABLED: …` over `clustermesh:`),
 * joined, with that key; undefined when there is none.
 */
function commentAbove(
  ctx: ChangeContext,
  target: CiliumWriteTarget,
  document: unknown,
  path: ObjectPath,
): { key: string; text: string } | undefined {
  // values inside a ConfigMap's text have no lines of the file
  if (target.kind === 'values-configmap' || document === undefined)
    return undefined;
  const text = ctx.mesh.repository.readText(target.file);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  for (let end = path.length; end > target.root.length; end--) {
    const line = lineAtPath(document, path.slice(0, end));
    if (line === undefined) continue;
    const comments: string[] = [];
    for (let i = line - 2; i >= 0 && /^\s*#/.test(lines[i]); i--)
      comments.unshift(lines[i].trim().replace(/^#+\s*/, ''));
    if (comments.length)
      return { key: String(path[end - 1]), text: comments.join(' ') };
  }
  return undefined;
}

/** The FQDN template with its variables written out, for a message: `clustermesh-{cluster}.<SECRET_DOMAIN>`. */
function fqdnTemplateExample(template: string): string {
  const shown = envsubst(template, variable => `<${variable}>`, {
    strict: false,
  });
  return shown.ok ? shown.output : template;
}
