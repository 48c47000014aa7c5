import {
  formatLocation,
  IpAddress,
  parseCidr,
  parseIpAddress,
  parseStartStop,
  rangeContains,
  secretPlaceholder,
  secretPlaceholderPattern,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  MeshEntries,
  meshConfigEntries,
  meshEntryPath,
} from '../cilium/meshEntries';
import {
  allocatableRange,
  PoolBlock,
  PoolModel,
  readPool,
} from '../cilium/pools';
import {
  chartReadsServiceLabels,
  chartVersionPath,
  CiliumMinor,
  ociTagPath,
  pinnedCiliumMinor,
} from '../cilium/version';
import {
  apiserverServiceLabels,
  chartServiceAddresses,
  chartEnables,
  ciliumMeshConfigSecret,
  ciliumValuesPaths,
  lbIpamAnnotationKeys,
} from '../cilium/values';
import {
  ExternalDnsDeployment,
  externalDnsServer,
  inDomain,
  readExternalDnsChartSources,
  readExternalDnsDeployments,
  semver,
} from '../conventions/detect/externalDns';
import {
  clusterPath,
  clusterValues,
  fqdnTemplateFor,
  resolveFqdnTemplate,
} from '../conventions/templates';
import type { EngineFinding } from '../core/finding';
import { describeObject, ManifestObject } from '../core/manifest';
import { escapeRegExp, firstFew } from '../core/text';
import { getPath, isRecord, ObjectPath } from '../core/paths';
import {
  ClusterRender,
  isFluxKustomization,
  RenderedKustomization,
} from '../flux/fluxKustomization';
import {
  envsubst,
  hasUnresolvedReference,
  referencedVariables,
} from '../flux/envsubst';
import type { SubstitutedObject } from '../flux/substitute';
import { chartSourceFinding } from '../flux/chartSource';
import { sopsCiphertext, sopsPlaintextLength } from '../flux/sops';
import { stringMapAt } from '../flux/kustomize/immutable';
import {
  filtersOfMetadata,
  metadataFiltered,
  notKnownHere,
  parseSelectorWithReferences,
  type Publication,
} from '../conventions/detect/externalDnsFilters';
import { madeObject } from '../flux/providedSources';
import {
  parseSelectorString,
  requirementsAdmit,
  selectorAdmits,
} from '../k8s/labelSelector';
import { clampPath, dirnamePath } from '../tree/RepoTree';
import { locate } from '../yaml/locate';
import type {
  ClusterModel,
  DnsEndpointModel,
  DnsEndpointRecord,
  MeshModel,
  RepositoryFacts,
} from './types';

/**
 * The questions the rules, the report rows and the planner ask of a model,
 * each answered in one place.
 */

/**
 * The FQDN a cluster should have by the conventions, resolved with its
 * settings; a variable they do not define is not known here (a placeholder),
 * not empty.
 *
 * @public
 */
export function expectedFqdn(
  mesh: MeshModel,
  cluster: ClusterModel,
): { template: string; resolved: string } {
  return resolveFqdnTemplate(
    mesh.conventions,
    cluster.name,
    name =>
      cluster.settings.value(name) ??
      clusterValues(mesh.conventions, cluster.name)[name] ??
      secretPlaceholder(name),
  );
}

/**
 * Each cluster's FQDN: the one its settings give, or when they give none
 * the one the conventions give it. Computed once per model.
 *
 * @public
 */
export function meshFqdns(mesh: MeshModel): ReadonlyMap<string, string> {
  mesh.memo.expectedFqdns ??= new Map(
    mesh.members.map(c => [
      c.name,
      // a copy still holding the cluster's it was copied from (whose name
      // that FQDN holds) is known to its peers by the name it should have
      c.fqdn && membersByFqdn(mesh).get(c.fqdn.value.replace(/\.$/, '')) === c
        ? c.fqdn.value
        : expectedFqdn(mesh, c).resolved,
    ]),
  );
  return mesh.memo.expectedFqdns;
}

/**
 * Whether a record's dnsName is a name: a trailing dot on either side
 * ignored, as providers and ExternalDNS compare names.
 *
 * @public
 */
export function sameDnsName(dnsName: unknown, name: string): boolean {
  return (
    typeof dnsName === 'string' &&
    dnsName.replace(/\.$/, '') === name.replace(/\.$/, '')
  );
}

/**
 * The DNS records of a cluster: the DNSEndpoint entries applied to it whose
 * dnsName is its FQDN (a trailing dot on either side ignored).
 *
 * @public
 */
export function recordsOfCluster(
  cluster: ClusterModel,
): { endpoint: DnsEndpointModel; record: DnsEndpointRecord }[] {
  const fqdn = cluster.fqdn?.value;
  if (fqdn === undefined) return [];
  return cluster.dnsEndpoints.flatMap(endpoint =>
    endpoint.records
      .filter(r => sameDnsName(r.dnsName, fqdn))
      .map(record => ({ endpoint, record })),
  );
}

/** Where an address stands among a cluster's LB IPAM pools. @public */
export type PoolLookup =
  | { kind: 'no-pools' }
  /** No block of any pool holds it. */
  | {
      kind: 'outside';
      pools: PoolModel[];
      /** The enabled pools whose serviceSelector admits the service. */
      admitting: PoolModel[];
    }
  /** Only disabled pools hold it. */
  | { kind: 'disabled'; pool: PoolModel }
  /** An enabled pool holds it, but no such pool's serviceSelector admits the service. */
  | { kind: 'not-admitted'; pool: PoolModel; labels: Record<string, string> }
  /** Only as the first or last address of a CIDR of a pool that reserves them (`allowFirstLastIPs: "No"`). */
  | { kind: 'reserved'; pool: PoolModel; block: PoolBlock }
  | { kind: 'in-pool'; pool: PoolModel; block: PoolBlock };

/** Asked per pool and per address (configure asks for every member's): found once per mesh and cluster. */
const labelsByMesh = new WeakMap<
  MeshModel,
  Map<ClusterModel, Record<string, string>>
>();

/** The labels of the cluster's clustermesh-apiserver service, as LB IPAM matches them. @public */
export function apiserverLabels(
  mesh: MeshModel,
  cluster: ClusterModel,
): Record<string, string> {
  let byCluster = labelsByMesh.get(mesh);
  if (!byCluster) labelsByMesh.set(mesh, (byCluster = new Map()));
  let labels = byCluster.get(cluster);
  if (!labels) {
    const version = ciliumVersion(cluster);
    labels = apiserverServiceLabels(
      cluster.cilium?.values,
      cluster.cilium?.releaseNamespace ??
        mesh.conventions.cilium.helmRelease.namespace,
      mesh.conventions.cilium.serviceName,
      // a chart whose version is not read: the labels of the current one
      !version || chartReadsServiceLabels(version),
    );
    byCluster.set(cluster, labels);
  }
  return labels;
}

/** Whether a pool's serviceSelector admits the cluster's clustermesh-apiserver service. @public */
export function poolAdmitsApiserver(
  mesh: MeshModel,
  cluster: ClusterModel,
  pool: PoolModel,
): boolean {
  return selectorAdmits(pool.serviceSelector, apiserverLabels(mesh, cluster));
}

/**
 * The pools of a cluster with a block that holds an address: the enabled
 * ones (those LB IPAM gives from), or with `disabled` those too.
 *
 * @public
 */
export function poolsHolding(
  cluster: ClusterModel,
  address: IpAddress,
  disabled = false,
): PoolModel[] {
  return cluster.pools.filter(
    p =>
      (disabled || !p.disabled) &&
      p.blocks.some(b => b.range && rangeContains(b.range, address)),
  );
}

/**
 * Which pool of a cluster would give an address to its clustermesh-apiserver
 * service: an enabled pool with a block that holds it and a serviceSelector
 * that admits the service, as Cilium LB IPAM decides.
 *
 * @public
 */
export function poolOfAddress(
  mesh: MeshModel,
  cluster: ClusterModel,
  address: IpAddress,
): PoolLookup {
  if (cluster.pools.length === 0) return { kind: 'no-pools' };
  const containing = poolsHolding(cluster, address, true);
  const enabled = containing.filter(p => !p.disabled);
  if (enabled.length === 0) {
    return containing.length
      ? { kind: 'disabled', pool: containing[0] }
      : {
          kind: 'outside',
          pools: cluster.pools,
          admitting: cluster.pools.filter(
            p => !p.disabled && poolAdmitsApiserver(mesh, cluster, p),
          ),
        };
  }
  const labels = apiserverLabels(mesh, cluster);
  const admitting = enabled.filter(p => poolAdmitsApiserver(mesh, cluster, p));
  if (!admitting.length)
    return { kind: 'not-admitted', pool: enabled[0], labels };
  // what LB IPAM gives out: a reserved first or last address is not
  for (const pool of admitting) {
    const block = pool.blocks.find(b => {
      const range = allocatableRange(pool, b);
      return range && rangeContains(range, address);
    });
    if (block) return { kind: 'in-pool', pool, block };
  }
  const pool = admitting[0];
  const block = pool.blocks.find(
    b => b.range && rangeContains(b.range, address),
  )!;
  return { kind: 'reserved', pool, block };
}

/**
 * A pool written in the repository that holds an address though Flux
 * applies it to no cluster (a Kustomization names another cluster's pool
 * file): where an address outside a cluster's pools was meant to be.
 *
 * @public
 */
export function unappliedPoolHolding(
  mesh: MeshModel,
  cluster: Pick<ClusterModel, 'render' | 'settings'>,
  address: IpAddress,
): PoolModel | undefined {
  // how deep in the folders a cluster's Kustomizations build a pool's file is
  const nearness = (of: Pick<ClusterModel, 'render'>, pool: PoolModel) =>
    Math.max(
      0,
      ...of.render.kustomizations.map(k =>
        k.path && pool.object.source.file.startsWith(`${k.path}/`)
          ? k.path.length
          : 0,
      ),
    );
  // a pool of the cluster's own folders whose blocks are its settings'
  // variables (mihirsamdarshi's `cidr: "${NODE_CIDR}"`): read with them,
  // as Flux would substitute them once it applies the file
  const resolved = (p: PoolModel) =>
    nearness(cluster, p) > 0 && p.blocks.some(b => !b.range)
      ? withSettings(p, cluster)
      : p;
  const holding = mesh.repository
    .unappliedPools()
    .map(resolved)
    .filter(
      p =>
        !p.disabled &&
        p.blocks.some(b => b.range && rangeContains(b.range, address)) &&
        // another cluster's own file is not this one's to apply (billm's
        // moria pool named for belegost)
        (nearness(cluster, p) > 0 ||
          !mesh.clusters.some(o => o !== cluster && nearness(o, p) > 0)),
    );
  if (holding.length < 2) return holding[0];
  // a pool of one name in each cluster's own file (snazy2000's copy): the
  // one in the folders the cluster's Kustomizations build, the nearest
  return holding.reduce((best, p) =>
    nearness(cluster, p) > nearness(cluster, best) ? p : best,
  );
}

/** A pool read again with the `${VAR}` of its strings given the cluster's plain settings (where all are). */
function withSettings(
  pool: PoolModel,
  cluster: Pick<ClusterModel, 'settings'>,
): PoolModel {
  const plain = (name: string) => {
    const setting = cluster.settings.get(name);
    return setting && !setting.secret && !setting.unverified
      ? setting.value
      : undefined;
  };
  let unresolved = false;
  const substituted = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return value;
      const result = envsubst(value, plain, { strict: true });
      if (!result.ok) unresolved = true;
      return result.ok ? result.output : value;
    }
    if (Array.isArray(value)) return value.map(substituted);
    if (isRecord(value))
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, substituted(v)]),
      );
    return value;
  };
  const body = substituted(pool.object.body) as Record<string, unknown>;
  return unresolved ? pool : readPool({ ...pool.object, body });
}

/** The entries of the cluster's `clustermesh.config.clusters`. @public */
export function meshEntriesOf(
  mesh: MeshModel,
  cluster: ClusterModel,
): MeshEntries {
  return meshConfigEntries(cluster.cilium?.values, mesh.memo.meshEntries);
}

/**
 * How a cluster knows a peer it has no peer variable for: its
 * `clustermesh.config.clusters` entry for the peer, when the entry's
 * address (as Flux renders it) is the peer's FQDN (as its settings or files
 * give it). Undefined when the peer's FQDN is not known, when there is no
 * such entry, or when its address is another name.
 *
 * @public
 */
/**
 * The host a cluster's agents connect to for a mesh entry: its `address`,
 * or, for an entry pinned to addresses (`ips`), `<name>.<domain>` (the
 * chart's `clustermesh.config.domain`, `mesh.cilium.io` by default), which
 * the chart maps to those addresses itself and which needs no DNS record.
 *
 * @public
 */
export function meshEntryHost(
  cluster: Pick<ClusterModel, 'cilium'>,
  fields: Record<string, any>,
): unknown {
  if (fields.ips === undefined) return fields.address;
  const domain = getPath(cluster.cilium?.values, [
    'clustermesh',
    'config',
    'domain',
  ]);
  return `${fields.name}.${
    typeof domain === 'string' && domain ? domain : 'mesh.cilium.io'
  }`;
}

export function peerKnownByEntry(
  mesh: MeshModel,
  cluster: ClusterModel,
  peer: string,
): { address: string; location(): SourceLocation } | undefined {
  const cilium = cluster.cilium;
  // only a name the peer's own files or settings give (never a guess)
  const peerModel = mesh.byName.get(peer);
  const expected = peerModel?.fqdn?.value;
  if (!cilium || !peerModel || expected === undefined) return undefined;
  // a name the peer holds only as a copy of another cluster's is that one's
  if (membersByFqdn(mesh).get(expected.replace(/\.$/, '')) !== peerModel)
    return undefined;
  const peerName = peerModel.ciliumName;
  const entry = meshEntriesOf(mesh, cluster).byName(peerName);
  // pinned by ips, the entry is reached at the chart's own name, not address
  const address =
    entry?.entry.ips === undefined ? entry?.entry.address : undefined;
  if (
    !entry ||
    !sameDnsName(address, expected) ||
    hasUnresolvedReference(address)
  )
    return undefined;
  return {
    address,
    // looked up only for a message: a mesh has one entry per peer
    location: () => cilium.locate(meshEntryPath(entry, 'address')),
  };
}

/** Why a cluster has no Cilium values to check. @public */
export function ciliumUnavailableReason(
  mesh: MeshModel,
  cluster: ClusterModel,
): string {
  const { cilium } = mesh.conventions;
  return cilium.valuesFile
    ? `the Cilium values file ${clusterPath(
        cilium.valuesFile,
        cluster.name,
      )} cannot be read`
    : `no HelmRelease ${
        cilium.helmRelease.name
      } is applied to the cluster, and no plain values file is configured (conventions cilium.valuesFile)${
        otherCniNote(cluster.render)?.replace(/^/, '; ') ?? ''
      }`;
}

/**
 * What fills in the `${…}` of a cluster's plain Cilium values file, which
 * Flux does not substitute: Terraform's `templatefile` where it renders the
 * file (`templatedBy`), else nothing (a bootstrap installs it as written).
 * Undefined for values Flux applies.
 *
 * @public
 */
export function valuesFileFilling(
  mesh: MeshModel,
  cluster: ClusterModel,
): { file: string; templatedBy?: SourceLocation } | undefined {
  if (cluster.cilium?.kind !== 'values-file') return undefined;
  const file = cluster.cilium.file;
  return {
    file,
    templatedBy: mesh.repository.readByBootstrap.templatedBy?.(file),
  };
}

/**
 * Why a settings value still holds `${...}`: Flux inserts values verbatim,
 * with no second pass, so a settings ConfigMap applied without
 * substitution keeps its references. Empty when that is not the cause.
 *
 * @public
 */
export function unsubstitutedSettingsHint(cluster: ClusterModel): string {
  const applied = cluster.settingsObject?.appliedBy;
  if (!applied || applied.postBuild) return '';
  // only a settings value that holds `${...}` itself is kept so
  const data = cluster.settingsObject!.object.body.data;
  if (
    !isRecord(data) ||
    !Object.values(data).some(v => hasUnresolvedReference(v))
  )
    return '';
  return `; ConfigMap ${
    cluster.settingsObject!.object.name
  } is applied by Kustomization ${
    applied.key
  } without post-build substitution, and Flux inserts its values verbatim (no second pass)`;
}

/**
 * The files of the objects the rules read for a cluster: its settings, its
 * DNS records, its Cilium values and its pools. A problem elsewhere (an
 * unrelated dashboard with a broken `${...}`) is a finding of the
 * repository, not a failure of the cluster's ClusterMesh DNS.
 *
 * @public
 */
export function filesReadByRules(cluster: ClusterModel): Set<string> {
  const files = new Set<string>();
  if (cluster.settingsObject)
    files.add(cluster.settingsObject.object.source.file);
  for (const e of cluster.dnsEndpoints) files.add(e.object.source.file);
  if (cluster.cilium) files.add(cluster.cilium.file);
  for (const p of cluster.pools) files.add(p.object.source.file);
  return files;
}

/** Asked per finding of a cluster: found once per cluster model. */
const readersByCluster = new WeakMap<ClusterModel, ReadonlySet<string>>();

/**
 * The Flux Kustomizations (`namespace/name`) whose post-build substitution
 * can reach what the rules read of a cluster: those applying its Cilium
 * values (and the ConfigMaps and Secrets beside them, where `valuesFrom`
 * reads), its settings, its DNSEndpoints and its pools, and every one
 * applying one of those (a parent's substitution writes its children's
 * specs). Undefined while the Cilium values are not found: then any may.
 *
 * @public
 */
export function kustomizationsRulesReadFrom(
  cluster: ClusterModel,
): ReadonlySet<string> | undefined {
  const cilium = cluster.cilium;
  if (!cilium?.appliedBy) return undefined;
  let readers = readersByCluster.get(cluster);
  if (readers) return readers;
  const direct = new Set<string>([cilium.appliedBy.key]);
  if (cluster.settingsObject) direct.add(cluster.settingsObject.appliedBy.key);
  for (const e of cluster.dnsEndpoints) direct.add(e.appliedBy.key);
  const pools = new Set(cluster.pools.map(p => p.object));
  // valuesFrom reads the HelmRelease's namespace; a chart config's, its release's
  const valuesNamespaces = new Set([
    cilium.object?.namespace ?? cilium.appliedBy.namespace,
    cilium.releaseNamespace,
  ]);
  for (const { object, appliedBy } of cluster.render.objects) {
    if (
      pools.has(object) ||
      ((object.kind === 'ConfigMap' || object.kind === 'Secret') &&
        valuesNamespaces.has(object.namespace ?? appliedBy.namespace))
    )
      direct.add(appliedBy.key);
  }
  // who applies each Flux Kustomization (a cluster folder without a
  // kustomization and an entry of its own may both apply one)
  const appliers = new Map<string, string[]>();
  for (const k of cluster.render.kustomizations)
    for (const object of k.objects) {
      if (!isFluxKustomization(object)) continue;
      const child = `${object.namespace ?? k.namespace}/${object.name}`;
      const list = appliers.get(child);
      if (list) list.push(k.key);
      else appliers.set(child, [k.key]);
    }
  readers = new Set<string>();
  const pending = [...direct];
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    // a cycle (Flux refuses it) ends where it repeats
    if (readers.has(key)) continue;
    (readers as Set<string>).add(key);
    pending.push(...(appliers.get(key) ?? []));
  }
  readersByCluster.set(cluster, readers);
  return readers;
}

/** Asked per rule and per peer: read once per cluster model. */
const deploymentsByCluster = new WeakMap<
  ClusterModel,
  ExternalDnsDeployment[]
>();

/** Asked by every cluster's rule: read once per mesh model. */
const runningByMesh = new WeakMap<MeshModel, string[]>();

/**
 * The ExternalDNS deployments applied to a cluster (its chart's
 * HelmReleases, by name or through a chart source, and plain Deployments),
 * read from what the cluster renders, as detection reads the repository.
 *
 * @public
 */
/**
 * The domains a cluster's ExternalDNS deployments publish in, as written:
 * their domain filters and RFC 2136 zones (LeoEliot's `--rfc2136-zone`),
 * the names a template of the cluster's FQDN may use.
 *
 * @public
 */
export function publishedDomainsOf(cluster: ClusterModel): string[] {
  return [
    ...new Set(
      externalDnsDeploymentsOf(cluster).flatMap(d => [
        ...d.filters.domains,
        ...d.filters.zones,
      ]),
    ),
  ]
    .map(d => d.trim().replace(/\.$/, ''))
    .filter(Boolean);
}

export function externalDnsDeploymentsOf(
  cluster: ClusterModel,
): ExternalDnsDeployment[] {
  let found = deploymentsByCluster.get(cluster);
  if (!found) {
    found = readDeploymentsOf(cluster);
    deploymentsByCluster.set(cluster, found);
  }
  return found;
}

/**
 * The DNS provider that publishes a cluster's records: that of its own
 * ExternalDNS deployments that read DNSEndpoints, when they all name one
 * (a mesh may publish one cluster to Cloudflare and another to a router's
 * webhook); else the conventions'. Given the record's name, only the
 * deployments whose domain filters take it count (a cluster that publishes
 * its public zone to Cloudflare and its internal one to a router).
 *
 * @public
 */
export function dnsProviderOf(
  mesh: MeshModel,
  cluster: ClusterModel,
  dnsName?: string,
): MeshModel['conventions']['dns']['provider'] {
  const deployments = externalDnsDeploymentsOf(cluster);
  const crdReaders = deployments.filter(d => d.sources.includes('crd'));
  // none reads DNSEndpoints yet (the crd source to add): the provider its
  // ExternalDNS publishes to is still the zone's, not the default's
  const readers = crdReaders.length ? crdReaders : deployments;
  const name = dnsName?.toLowerCase().replace(/\.$/, '');
  const taking =
    name && !notKnownHere(name)
      ? readers.filter(
          ({ filters: { domains, excludeDomains } }) =>
            !domains.some(notKnownHere) &&
            (!domains.length || domains.some(f => inDomain(name, f))) &&
            !excludeDomains.some(f => inDomain(name, f)),
        )
      : [];
  const providers = new Set(
    (taking.length ? taking : readers).map(d => d.provider),
  );
  if (providers.size !== 1 || providers.has(undefined))
    return mesh.conventions.dns.provider;
  return providers.has('cloudflare') ? 'cloudflare' : 'other';
}

/**
 * Whether the provider dnsProviderOf answers for a cluster is only the
 * conventions' default: no ExternalDNS of the cluster that reads
 * DNSEndpoints names one, and neither detection nor the conventions file
 * said which (a repository that keeps its records by hand, say).
 *
 * @public
 */
export function dnsProviderIsDefault(
  mesh: MeshModel,
  cluster: ClusterModel,
): boolean {
  const named = externalDnsDeploymentsOf(cluster).some(
    d => d.sources.includes('crd') && d.provider !== undefined,
  );
  return (
    !named &&
    !mesh.conventions.provenance?.some(
      p => p.setting === 'dns.provider' && p.source !== 'default',
    )
  );
}

/**
 * The DNSEndpoint CRD when the cluster applies it itself (a shared crds
 * folder), undefined otherwise (it may come with ExternalDNS's chart, or
 * be installed another way).
 *
 * @public
 */
export function dnsEndpointCrdOf(
  cluster: ClusterModel,
): ManifestObject | undefined {
  return cluster.render.objects.find(
    ({ object }) =>
      object.kind === 'CustomResourceDefinition' &&
      object.name === 'dnsendpoints.externaldns.k8s.io',
  )?.object;
}

/**
 * The clusters of the repository that run ExternalDNS (read once per mesh:
 * every cluster's rule asks).
 *
 * @public
 */
export function clustersRunningExternalDns(mesh: MeshModel): string[] {
  let found = runningByMesh.get(mesh);
  if (!found) {
    found = mesh.clusters
      .filter(c => externalDnsDeploymentsOf(c).length > 0)
      .map(c => c.name);
    runningByMesh.set(mesh, found);
  }
  return found;
}

/**
 * An ExternalDNS the repository deploys though no cluster applies it (its
 * entry commented out of every kustomization): switched off, it publishes
 * no DNSEndpoint. Undefined when a cluster runs one, or none is written.
 */
export function idleExternalDns(
  mesh: MeshModel,
): ExternalDnsDeployment | undefined {
  return clustersRunningExternalDns(mesh).length
    ? undefined
    : mesh.repository.externalDnsDeployments()[0];
}

/** The Kustomization that applies each deployment (by the object it was read from). */
const applierOfDeployment = new WeakMap<
  ExternalDnsDeployment,
  RenderedKustomization
>();

/**
 * The Flux Kustomization that applies an ExternalDNS deployment of the
 * cluster (the one that applies the object it was read from).
 *
 * @public
 */
export function externalDnsApplier(
  cluster: ClusterModel,
  deployment: ExternalDnsDeployment,
): RenderedKustomization | undefined {
  externalDnsDeploymentsOf(cluster);
  return applierOfDeployment.get(deployment);
}

function readDeploymentsOf(cluster: ClusterModel): ExternalDnsDeployment[] {
  const applied = new Map<object, ClusterModel['render']['objects'][number]>();
  const documents = cluster.render.objects
    .filter(({ object }) =>
      ['HelmRelease', 'Deployment', 'OCIRepository'].includes(object.kind),
    )
    .map(({ object, appliedBy }) => {
      const doc = {
        file: object.source.file,
        value: object.body,
        at: (path: ObjectPath = []) => locate(object, path),
        written: (path: ObjectPath) =>
          (object as SubstitutedObject).substitutedField?.(path)?.raw,
      };
      applied.set(doc, { object, appliedBy });
      return doc;
    });
  const deployments = readExternalDnsDeployments(
    documents,
    readExternalDnsChartSources(documents),
    // its valuesFrom as the cluster applies them
    doc => {
      const { object, appliedBy } = applied.get(doc)!;
      return cluster.releaseValues(object, appliedBy);
    },
  );
  // each deployment's object, by where it was read from
  const byPlace = new Map<string, (typeof cluster.render.objects)[number]>(
    [...applied.values()].map(a => {
      const at = locate(a.object);
      return [`${at.file}:${at.line}`, a];
    }),
  );
  for (const d of deployments) {
    const read = byPlace.get(`${d.location.file}:${d.location.line}`);
    if (read) applierOfDeployment.set(d, read.appliedBy);
    // a release whose chart source the cluster does not apply installs nothing
    const gap =
      read?.object.kind === 'HelmRelease'
        ? cluster.chartSourceGap(read.object, read.appliedBy)
        : undefined;
    if (gap)
      d.chartSourceMissing = {
        why: chartSourceFinding(gap, d.description, cluster.name).message,
        fails: gap.otherNamespaces.length > 0,
      };
  }
  return deployments;
}

/**
 * The ExternalDNS deployments of other mesh clusters that delete a record
 * the `publisher` of this cluster writes: they keep the zone in sync
 * (`--policy=sync`) and take the record for their own (the same TXT owner
 * id, prefix and suffix, the txt registry, the same provider), and the
 * name is in their
 * domains. They have no source for it (it is this cluster's DNSEndpoint),
 * so each run deletes it. Where the name or a domain holds a value not
 * known here, the texts are compared as written: `certain` is false, as
 * for an owner id that holds such a value (each cluster may read another
 * value, or the same one).
 *
 * @public
 */
/**
 * Whether a DNS server address is one only its own cluster reaches: a
 * Service's name (`pihole.pihole.svc.cluster.local`, `pihole`), localhost.
 * Each cluster's ExternalDNS then writes to a server of its own.
 */
function clusterLocalServer(address: string): boolean {
  const host = address
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/[/?#].*$/, '')
    .replace(/^\[(.*)\](:\d+)?$/, '$1')
    .replace(/^([^:]*):\d+$/, '$1')
    .toLowerCase();
  const ip = parseIpAddress(host);
  if (ip)
    return ip.family === 'ipv4' ? host.startsWith('127.') : host === '::1';
  return (
    host === 'localhost' ||
    !host.includes('.') ||
    /\.svc(\.cluster\.local)?\.?$/.test(host) ||
    host.endsWith('.cluster.local')
  );
}

/**
 * The DNS server inside the cluster that every one of these ExternalDNS
 * deployments writes to (a Service's name, localhost), where each does;
 * undefined where one writes elsewhere or its server is not known here.
 *
 * @public
 */
export function ownClusterDnsServer(
  deployments: readonly ExternalDnsDeployment[],
): string | undefined {
  const servers = deployments.map(externalDnsServer);
  return servers.length > 0 &&
    servers.every(
      s =>
        s !== undefined && !unknownVariables(s).length && clusterLocalServer(s),
    )
    ? servers[0]
    : undefined;
}

/** The ExternalDNS deployments of the members that keep records in sync, by their ownership. */
const syncingByMesh = new WeakMap<
  MeshModel,
  Map<string, { cluster: ClusterModel; deployment: ExternalDnsDeployment }[]>
>();

const ownershipKey = (
  o: ExternalDnsDeployment['ownership'],
  provider: string | undefined,
) =>
  // with no registry (noop) there is no owner: every such deployment of
  // a provider takes the others' records for its own
  o.registry === 'noop'
    ? `noop\0${provider}`
    : `${o.owner}\0${o.txtPrefix}\0${o.txtSuffix}\0${provider}`;

function syncingOwners(mesh: MeshModel) {
  let byKey = syncingByMesh.get(mesh);
  if (!byKey) {
    byKey = new Map();
    // every cluster's, those outside the mesh too: their ExternalDNS
    // deletes a member's record all the same
    for (const cluster of mesh.clusters)
      for (const deployment of externalDnsDeploymentsOf(cluster)) {
        const o = deployment.ownership;
        if (
          deployment.valuesUnread ||
          o.policy !== 'sync' ||
          (o.registry !== 'txt' && o.registry !== 'noop') ||
          deployment.provider === undefined
        )
          continue;
        const key = ownershipKey(o, deployment.provider);
        const list = byKey.get(key);
        if (list) list.push({ cluster, deployment });
        else byKey.set(key, [{ cluster, deployment }]);
      }
    syncingByMesh.set(mesh, byKey);
  }
  return byKey;
}

/**
 * Whether two deployments of one provider write to the same DNS: hosted
 * providers do (one zone per domain); self-hosted ones when their servers
 * are the same and not each cluster's own. 'maybe' when a server's
 * address holds a value not known here.
 */
function sameDnsServer(
  a: ExternalDnsDeployment,
  b: ExternalDnsDeployment,
): 'yes' | 'no' | 'maybe' {
  const [x, y] = [externalDnsServer(a), externalDnsServer(b)];
  // a cluster's own server is never another's
  const local = (v: string | undefined) =>
    v !== undefined && !unknownVariables(v).length && clusterLocalServer(v);
  if (local(x) || local(y)) return 'no';
  // neither told: the provider's own default, the same for both; a
  // webhook provider's server is its sidecar's setting, not read here
  if (x === undefined && y === undefined)
    return a.provider === 'webhook' ? 'maybe' : 'yes';
  // one told, the other set another way (an environment variable)
  if (x === undefined || y === undefined) return 'maybe';
  if (unknownVariables(`${x} ${y}`).length) return 'maybe';
  return x.replace(/\/+$/, '').toLowerCase() ===
    y.replace(/\/+$/, '').toLowerCase()
    ? 'yes'
    : 'no';
}

/**
 * Another cluster's ExternalDNS that may delete a record, and whether it
 * surely does; where not, what that rests on.
 *
 * @public
 */
export interface RecordDeleter {
  cluster: string;
  deployment: ExternalDnsDeployment;
  certain: boolean;
  /** The values not known here the verdict rests on (domain filters that could take the name, the owner id, the name, the servers). */
  unknownVariables: string[];
  /** Why the two may not write to one DNS server, when that is not known here. */
  serverUnknown?: string;
  /** Values not known here that a certain verdict rests on, one value in both clusters (one SOPS text copied into each). */
  sharedVariables?: string[];
}

/** Why two ExternalDNS deployments may or may not write to one DNS server. */
function serverUnknownWhy(
  a: ExternalDnsDeployment,
  b: ExternalDnsDeployment,
): string {
  const [x, y] = [externalDnsServer(a), externalDnsServer(b)];
  if (x === undefined && y === undefined)
    return "a webhook provider's DNS server is its sidecar's setting, not read here";
  if (x === undefined || y === undefined)
    return `${
      (x === undefined ? a : b).description
    } sets its DNS server in a way not read here (an environment variable)`;
  return `the servers are ${x} and ${y}`;
}

export function recordDeleters(
  mesh: MeshModel,
  cluster: ClusterModel,
  publisher: ExternalDnsDeployment,
  dnsName: string,
): RecordDeleter[] {
  const name = dnsName.toLowerCase().replace(/\.$/, '');
  const own = publisher.ownership;
  if (
    (own.registry !== 'txt' && own.registry !== 'noop') ||
    publisher.valuesUnread
  )
    return [];
  const found: RecordDeleter[] = [];
  // an owner id of values not known here: the same text may be another
  // value in each cluster (or the same one, copied from one template)
  // an owner id left as written (`${CLUSTER_NAME}` that nothing
  // substitutes there) is each cluster's own value once it is: not known
  const noop = own.registry === 'noop';
  const ownerVariables = noop
    ? []
    : [
        ...unknownVariables(own.owner),
        ...(hasUnresolvedReference(own.owner)
          ? referencedVariables(own.owner)
          : []),
      ];
  // only those that share the owner id, TXT prefix and suffix, and
  // provider: another prefix or suffix never finds this one's ownership
  // records (looked up by that key: a mesh asks this for every member)
  for (const { cluster: other, deployment: d } of syncingOwners(mesh).get(
    ownershipKey(own, publisher.provider),
  ) ?? []) {
    if (other === cluster) continue;
    const { domains, excludeDomains } = d.filters;
    if (
      (!domains.length || domains.some(f => inDomain(name, f))) &&
      !excludeDomains.some(f => inDomain(name, f)) &&
      (!d.filters.zones.length ||
        d.filters.zones.some(z => notKnownHere(z) || inDomain(name, z)))
    ) {
      const server = sameDnsServer(publisher, d);
      if (server === 'no') continue;
      // a value not known here, compared as written (the same
      // SECRET_DOMAIN on both sides): only maybe the same name; a filter
      // not known here matters only where no known one takes the name
      const takenByKnown =
        !domains.length ||
        domains.some(f => !notKnownHere(f) && inDomain(name, f));
      const unknown = [
        dnsName,
        ...(takenByKnown ? [] : domains),
        ...excludeDomains.filter(notKnownHere),
        ...d.filters.zones.filter(notKnownHere),
        ...(noop ? [] : [own.owner]),
        ...(server === 'maybe'
          ? [externalDnsServer(publisher) ?? '', externalDnsServer(d) ?? '']
          : []),
      ].flatMap(text => unknownVariables(text));
      // values not known here that both clusters read from one SOPS
      // line (or one file) are one value: the verdict stands on them
      const onlySecrets = (text: string) =>
        !text.includes('${') && !/\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(text);
      const sharedUnknown =
        unknown.length > 0 &&
        [
          name,
          ...domains,
          ...excludeDomains,
          ...d.filters.zones,
          ...(noop ? [] : [own.owner]),
        ]
          .filter(notKnownHere)
          .every(onlySecrets) &&
        unknown.every(v => sameSecretSource(mesh, cluster, other, v));
      found.push({
        cluster: other.name,
        deployment: d,
        certain:
          server === 'yes' &&
          (sharedUnknown ||
            (!d.filters.zones.some(notKnownHere) &&
              !notKnownHere(name) &&
              takenByKnown &&
              !excludeDomains.some(notKnownHere) &&
              !ownerVariables.length)),
        unknownVariables: [...new Set(unknown)],
        ...(server === 'maybe' && {
          serverUnknown: serverUnknownWhy(publisher, d),
        }),
        ...(sharedUnknown && { sharedVariables: [...new Set(unknown)] }),
      });
    }
  }
  return found;
}

/**
 * Whether an ExternalDNS deployment publishes a record of a DNSEndpoint:
 * it reads the `crd` source, the name is in its domain filters and not
 * excluded, and the object's annotations and labels satisfy its
 * `--annotation-filter` and `--label-filter`.
 *
 * @public
 */
export function externalDnsPublishes(
  deployment: ExternalDnsDeployment,
  endpoint: Pick<ManifestObject, 'body'>,
  dnsName: string,
): Publication {
  // named with where it is deployed: the place to change
  const d = `${deployment.description} (${formatLocation(
    deployment.location,
  )})`;
  const missing = deployment.chartSourceMissing;
  if (missing)
    return { verdict: missing.fails ? 'no' : 'unknown', why: missing.why };
  if (!deployment.sources.includes('crd')) {
    if (deployment.valuesUnread)
      return {
        verdict: 'unknown',
        why: `${d} may read DNSEndpoints (source crd) from values not read here (valuesFrom)`,
      };
    if (deployment.defaultSources)
      return {
        verdict: 'no',
        why: `${d} runs the chart's default sources (service, ingress), not crd: it reads no DNSEndpoint`,
      };
    if (!deployment.sources.length)
      return {
        verdict: 'unknown',
        why: `the sources of ${d} are not read here`,
      };
    return {
      verdict: 'no',
      why: `${d} reads sources ${deployment.sources.join(', ')}${
        // set in another file (a patch of a base): where to change them
        deployment.sourcesLocation &&
        deployment.sourcesLocation.file !== deployment.location.file
          ? ` (${formatLocation(deployment.sourcesLocation)})`
          : ''
      }, not crd: it reads no DNSEndpoint`,
    };
  }
  return (
    outsideDomains(deployment, dnsName) ??
    metadataFiltered(deployment, endpoint) ?? { verdict: 'yes' }
  );
}

/**
 * Why an ExternalDNS deployment does not take a name by its domains (its
 * domain filters, exclude-domains, RFC2136 zones), whatever its sources:
 * undefined when they take it.
 */
export function outsideDomains(
  deployment: ExternalDnsDeployment,
  dnsName: string,
): Publication | undefined {
  const d = `${deployment.description} (${formatLocation(
    deployment.location,
  )})`;
  const name = dnsName.toLowerCase().replace(/\.$/, '');
  const { domains, excludeDomains } = deployment.filters;
  if (domains.length && !domains.some(f => inDomain(name, f))) {
    if (notKnownHere(name) || domains.some(notKnownHere))
      return {
        verdict: 'unknown',
        why: `whether ${dnsName} is in the domains ${d} publishes (${domains.join(
          ', ',
        )}) is not known here`,
      };
    return {
      verdict: 'no',
      why: `${d} publishes only names in ${domains.join(
        ', ',
      )} (domain filter), not ${dnsName}`,
      byDomain: true,
    };
  }
  const excluded = excludeDomains.find(f => inDomain(name, f));
  if (excluded)
    return {
      verdict: 'no',
      why: `${d} excludes ${excluded} (exclude-domains)`,
      byDomain: true,
    };
  const { zones } = deployment.filters;
  if (zones.length && !zones.some(z => inDomain(name, z)))
    return zones.some(notKnownHere) || notKnownHere(name)
      ? {
          verdict: 'unknown',
          why: `whether ${dnsName} is in the RFC2136 zones of ${d} (${zones.join(
            ', ',
          )}) is not known here`,
        }
      : {
          verdict: 'no',
          why: `${d} updates only names in its RFC2136 zones (${zones.join(
            ', ',
          )}), not ${dnsName}`,
          byDomain: true,
        };
  return undefined;
}

/**
 * The annotations and labels a new DNSEndpoint needs so that an ExternalDNS
 * deployment reading DNSEndpoints takes it (its `--annotation-filter` and
 * `--label-filter`), added to `metadata`; undefined when its filters ask for
 * what cannot be written (`key>1`, a value not known here) or it would not
 * publish the name anyway. `exists` is met with the record's target under
 * a `…/target` key (what the key means to other sources), else `"true"`.
 * Where `formOf` says so, a filter's values are taken as the repository
 * writes them (`external.${SECRET_DOMAIN}`): the file is substituted with
 * the same variables, and a secret's value is never written out.
 *
 * @public
 */
export function metadataPublishedBy(
  deployment: ExternalDnsDeployment,
  metadata: {
    annotations: Record<string, string>;
    labels: Record<string, string>;
  },
  dnsName: string,
  target: string,
  /**
   * How a file can say a filter's value that substitution changed (given
   * the filter as written): as written, rendered (no secret in it), or not
   * at all (undefined).
   */
  formOf: (written: string) => 'written' | 'rendered' | undefined = () =>
    'rendered',
):
  | { annotations: Record<string, string>; labels: Record<string, string> }
  | undefined {
  const out = {
    annotations: { ...metadata.annotations },
    labels: { ...metadata.labels },
  };
  // the same metadata as the deployment reads it, to check it is taken
  const read = {
    annotations: { ...metadata.annotations },
    labels: { ...metadata.labels },
  };
  for (const f of filtersOfMetadata(deployment)) {
    const form = f.written === undefined ? 'rendered' : formOf(f.written);
    const useWritten = form === 'written';
    if (!form || !f.requirements || (notKnownHere(f.filter) && !useWritten))
      return undefined;
    // the rendered filter's values, where known, pair with the written
    // ones (its requirements are then the rendered text's)
    const renderedRequirements = notKnownHere(f.filter)
      ? undefined
      : f.requirements;
    const fromText = useWritten
      ? parseSelectorWithReferences(f.written!)
      : undefined;
    const written =
      fromText && !('error' in fromText)
        ? fromText.requirements
        : renderedRequirements;
    if (!written) return undefined;
    for (const [i, r] of written.entries()) {
      if (notKnownHere(r.key)) return undefined;
      const readValue = renderedRequirements?.[i]?.values[0] ?? r.values[0];
      if (r.operator === '=' || r.operator === 'in') {
        out[f.field][r.key] = r.values[0];
        read[f.field][r.key] = readValue;
      } else if (r.operator === 'exists') {
        out[f.field][r.key] ??= r.key.endsWith('/target') ? target : 'true';
        read[f.field][r.key] ??= out[f.field][r.key];
      } else if (r.operator === '>' || r.operator === '<') return undefined;
    }
  }
  // the filters taken; a domain not known here may still be its own
  return externalDnsPublishes(deployment, { body: { metadata: read } }, dnsName)
    .verdict !== 'no'
    ? out
    : undefined;
}

/**
 * When some of what a cluster applies is not evaluated (a ResourceSet, a
 * build of another source), what was not found among the rest may still be
 * there: said after "not found" messages; empty when everything was read.
 */
export function unevaluatedPartsNote(cluster: ClusterModel): string {
  // what is looked for is Cilium's (its values, its pools, their settings):
  // a part named for it is the example
  const parts = unevaluatedParts(
    cluster.render,
    cluster.name,
    undefined,
    /cilium/i,
  );
  return `${
    parts
      ? `; but ${parts.said} and may hold it${
          parts.example ? ` (${parts.example})` : ''
        }`
      : ''
  }${failedBuildsNote(cluster.render, 'it')}`;
}

/**
 * What fails to build in a cluster and so applies nothing now (a Flux or
 * kustomize error that holds back what it builds), said as a caveat:
 * `; but 2 Flux or kustomize errors (among the errors) keep parts of what
 * it applies from being applied (files), and <what> may be among them`.
 * Empty when nothing fails.
 *
 * @public
 */
export function failedBuildsNote(
  render: Pick<ClusterRender, 'findings'>,
  what: string,
): string {
  const failed = render.findings.filter(
    f =>
      f.severity === 'error' &&
      (f.code === 'kustomize-error' || f.code === 'flux-error') &&
      !f.holdsNothingBack,
  );
  if (!failed.length) return '';
  const one = failed.length === 1;
  // where: the owner knows whether it can be there
  const at = [
    ...new Set(failed.flatMap(f => (f.location ? [f.location.file] : []))),
  ];
  return `; but ${failed.length} Flux or kustomize ${
    one ? 'error' : 'errors'
  } (among the errors) ${
    one ? 'keeps' : 'keep'
  } parts of what it applies from being applied${
    at.length ? ` (${firstFew(at)})` : ''
  }, and ${what} may be among them`;
}

/**
 * The parts of what a cluster applies that are not evaluated (builds not
 * read, ResourceSets), said in words (`one part of what infra applies is
 * not evaluated`), with the first of them; undefined when all was read.
 */
export function unevaluatedParts(
  render: Pick<ClusterRender, 'findings'>,
  cluster: string,
  /** The namespace of what is looked for: parts confined to another cannot hold it. */
  namespace?: string,
  /** What the part that may hold it is likely named by: that one is the example. */
  about?: RegExp,
): { said: string; first: EngineFinding; example?: string } | undefined {
  const unbuilt = render.findings.filter(
    f =>
      f.unbuilt &&
      (namespace === undefined ||
        f.onlyNamespace === undefined ||
        f.onlyNamespace === namespace),
  );
  if (!unbuilt.length) return undefined;
  const one = unbuilt.length === 1;
  // where each is, so the owner finds the one that may hold what is looked for
  const places = [
    ...new Set(
      unbuilt.flatMap(f => (f.location ? [formatLocation(f.location)] : [])),
    ),
  ];
  // those that hold only CRDs or Flux's own controllers are listed too, apart
  const aside = render.findings.filter(
    f => f.holdsNoMeshObjects && f.code === 'not-evaluated',
  ).length;
  return {
    said: `${
      one ? 'one part' : `${unbuilt.length} parts`
    } of what ${cluster} applies ${one ? 'is' : 'are'} not evaluated${
      !one && places.length ? ` (${firstFew(places)})` : ''
    }${
      aside
        ? ` (besides ${aside} that ${
            aside === 1 ? 'makes' : 'make'
          } only kinds no check reads, such as CRDs, Namespaces or Flux's own controllers)`
        : ''
    }`,
    first: unbuilt[0],
    example: one ? unbuilt[0].message : exampleOf(unbuilt, about),
  };
}

/**
 * One of several parts not evaluated, said where one is named for what is
 * looked for; none otherwise (the parts are listed as not evaluated, each
 * with its reason).
 */
function exampleOf(
  unbuilt: readonly EngineFinding[],
  about?: RegExp,
): string | undefined {
  const part = partNamedFor(unbuilt, about);
  return about?.test(part.message) ? `e.g. ${part.message}` : undefined;
}

/** Of several parts not read, the one its message names for what is looked for, else the first. */
function partNamedFor(
  parts: readonly EngineFinding[],
  about: RegExp | undefined,
): EngineFinding {
  return (about && parts.find(f => about.test(f.message))) ?? parts[0];
}

/**
 * A MetalLB address pool a cluster applies (or one a raw chart's values
 * hold, or else MetalLB's own HelmRelease): its LoadBalancer addresses
 * come from MetalLB, not from Cilium LB IPAM.
 */
export function metalLbPoolApplied(
  cluster: Pick<ClusterModel, 'render' | 'cilium'>,
  /** The address wanted: the pool whose `spec.addresses` hold it, first. */
  address?: IpAddress,
): ManifestObject | undefined {
  const { render } = cluster;
  // the clustermesh-apiserver's namespace: the Cilium release's
  const namespace = cluster.cilium?.releaseNamespace ?? 'kube-system';
  const isPool = (o: { kind?: unknown; apiVersion?: unknown }) =>
    o.kind === 'IPAddressPool' &&
    String(o.apiVersion).startsWith('metallb.io/');
  const objects = render.objects.map(o => o.object);
  const pools = objects.filter(isPool);
  // pools a HelmRelease's values hold as objects (a raw chart's
  // `resources`: Stackclash's dysnix raw), read as such
  for (const release of objects) {
    if (release.kind !== 'HelmRelease') continue;
    const resources = getPath(release.body, ['spec', 'values', 'resources']);
    if (!Array.isArray(resources)) continue;
    for (const item of resources)
      if (isRecord(item) && isPool(item))
        pools.push({
          ...release,
          apiVersion: String(item.apiVersion),
          kind: 'IPAddressPool',
          name: String(getPath(item, ['metadata', 'name']) ?? release.name),
          namespace:
            (getPath(item, ['metadata', 'namespace']) as string | undefined) ??
            release.namespace,
          body: item,
        });
  }
  // else one that serves the clustermesh-apiserver's namespace, not one
  // kept for another (waveFrontSet's blocky-only dns-pool)
  const servesApiServer = (pool: ManifestObject) => {
    const allocation = getPath(pool.body, ['spec', 'serviceAllocation']);
    if (!isRecord(allocation)) return true;
    const namespaces = allocation.namespaces;
    return (
      !allocation.namespaceSelectors &&
      !allocation.serviceSelectors &&
      (!Array.isArray(namespaces) || namespaces.includes(namespace))
    );
  };
  const found =
    (address && pools.find(p => metalLbPoolHolds(p, address))) ??
    pools.find(servesApiServer) ??
    pools[0];
  if (found) return found;
  // MetalLB itself, or TrueCharts' metallb-config chart whose values hold
  // its pools, read no further (xstar97's, viminaria's): it gives the
  // cluster's LoadBalancer addresses
  return objects.find(
    o =>
      o.kind === 'HelmRelease' &&
      /(?:^|\/)metallb(?:-config)?$/.test(
        String(getPath(o.body, ['spec', 'chart', 'spec', 'chart'])),
      ),
  );
}

/** Whether a MetalLB pool's `spec.addresses` (CIDRs, `a-b` ranges) hold an address. */
function metalLbPoolHolds(pool: ManifestObject, address: IpAddress): boolean {
  const addresses = getPath(pool.body, ['spec', 'addresses']);
  if (!Array.isArray(addresses)) return false;
  return addresses.some(entry => {
    if (typeof entry !== 'string') return false;
    const [start, stop] = entry.split('-').map(t => t.trim());
    const range =
      stop === undefined ? parseCidr(start) : parseStartStop(start, stop);
    return !!range && rangeContains(range, address);
  });
}

/**
 * A cloud provider's controller of LoadBalancer services the cluster
 * applies (a cloud controller manager, the AWS load balancer controller,
 * kube-vip's cloud provider), by its chart or its image.
 */
export function cloudLoadBalancerApplied(
  render: Pick<ClusterRender, 'objects'>,
): { object: ManifestObject; name: string } | undefined {
  const controller =
    /(^|[/-])(cloud-controller-manager|cloud-provider(-[a-z0-9]+)*|aws-load-balancer-controller|kube-vip-cloud-provider)(:|$)/;
  for (const { object } of render.objects) {
    if (
      object.kind === 'HelmRelease' &&
      object.apiVersion.startsWith('helm.toolkit.fluxcd.io/')
    ) {
      const chart = getPath(object.body, ['spec', 'chart', 'spec', 'chart']);
      if (typeof chart === 'string' && controller.test(chart))
        return { object, name: `chart ${chart}` };
      continue;
    }
    if (!['Deployment', 'DaemonSet'].includes(object.kind)) continue;
    const containers = getPath(object.body, [
      'spec',
      'template',
      'spec',
      'containers',
    ]);
    for (const c of Array.isArray(containers) ? containers : [])
      if (isRecord(c) && typeof c.image === 'string') {
        const image = c.image.split('@')[0];
        if (controller.test(image.replace(/:[^/:]*$/, '')))
          return { object, name: `image ${image}` };
      }
  }
  return undefined;
}

/** The kube-vip service annotation that asks kube-vip for a LoadBalancer address (`svc_enable`). */
const kubeVipAnnotation = 'kube-vip.io/loadbalancerIPs';

/**
 * An object of the cluster whose Service asks kube-vip for its address
 * (LeafdTK's `kube-vip.io/loadbalancerIPs`, on a Service or in a
 * HelmRelease's values): kube-vip gives the cluster's LoadBalancer
 * addresses. Undefined where none does.
 */
function kubeVipRequest(
  render: Pick<ClusterRender, 'objects'>,
): ManifestObject | undefined {
  return render.objects.find(({ object }) => {
    if (object.kind === 'Service')
      return (
        getPath(object.body, ['metadata', 'annotations', kubeVipAnnotation]) !==
        undefined
      );
    return (
      object.kind === 'HelmRelease' &&
      JSON.stringify(getPath(object.body, ['spec', 'values']) ?? {}).includes(
        `"${kubeVipAnnotation}"`,
      )
    );
  })?.object;
}

/**
 * Whether the Cilium values a cluster's release takes from sources not read
 * here (a Secret's) may set a path: not when every such source is read
 * into target paths (`valuesFrom[].targetPath`) that neither hold the path
 * nor lie inside it.
 *
 * @public
 */
export function unreadValuesMaySet(
  cluster: Pick<ClusterModel, 'cilium' | 'findings'>,
  path: readonly string[],
): boolean {
  const cilium = cluster.cilium;
  if (!cilium?.unread.length) return false;
  const object = cilium.object;
  const release = object
    ? `${object.namespace ?? cilium.appliedBy?.namespace}/${object.name}`
    : undefined;
  const sources = cluster.findings.filter(
    f => release !== undefined && f.valuesOf === release,
  );
  // a source whose finding is not found, or read whole: it may set anything
  if (sources.length < cilium.unread.length) return true;
  return sources.some(
    f =>
      f.valuesPaths === undefined ||
      f.valuesPaths.some(steps => {
        const n = Math.min(steps.length, path.length);
        return path.slice(0, n).every((k, i) => String(steps[i]) === k);
      }),
  );
}

/** Cilium values that say the cluster runs on a managed cloud, whose own controller serves LoadBalancer services. */
const managedClouds = [
  { path: ['gke', 'enabled'], cloud: 'GKE' },
  { path: ['eni', 'enabled'], cloud: 'EKS (AWS ENI)' },
  { path: ['azure', 'enabled'], cloud: 'AKS (Azure IPAM)' },
  { path: ['aksbyocni', 'enabled'], cloud: 'AKS (bring your own CNI)' },
] as const;

/**
 * The managed cloud a cluster's Cilium values say it runs on (`gke.enabled`,
 * `eni.enabled`, `azure.enabled`, `aksbyocni.enabled`): its built-in cloud
 * controller gives a LoadBalancer service without a class a cloud load
 * balancer, though no manifest of the repository deploys that controller.
 *
 * @public
 */
export function managedCloudOf(
  cluster: Pick<ClusterModel, 'cilium'>,
): { cloud: string; setting: string; location: SourceLocation } | undefined {
  const cilium = cluster.cilium;
  if (!cilium) return undefined;
  for (const { path, cloud } of managedClouds)
    if (chartEnables(getPath(cilium.values, [...path])))
      return {
        cloud,
        setting: `${path.join('.')}: true`,
        location: cilium.locate([...path]),
      };
  return undefined;
}

/**
 * Why a cluster with no pool among what Flux applies may still have them:
 * its Cilium values are a plain values file (conventions
 * `cilium.valuesFile`), so Cilium is installed by something else
 * (Terraform, a Helm command), which may apply its pools too; or a pool is
 * a template of a chart of this repository that a HelmRelease of the
 * cluster installs (melchiorhering's cluster-config chart), which Helm
 * renders in the cluster. Undefined when Flux applies Cilium, or the
 * cluster has pools.
 *
 * @public
 */
export function poolsOutsideFlux(
  mesh: MeshModel,
  cluster: ClusterModel,
): string | undefined {
  if (cluster.pools.length) return undefined;
  if (cluster.cilium?.kind === 'values-file')
    return `its Cilium values are a plain values file (conventions cilium.valuesFile: ${mesh.conventions.cilium.valuesFile}), so Cilium is installed outside Flux, and the pools installed with it are not seen here`;
  const charts = localChartsOf(mesh, cluster);
  if (!charts.length) return undefined;
  for (const pool of mesh.repository.unappliedPools()) {
    const chart = charts.find(c =>
      pool.object.source.file.startsWith(`${c.dir}/templates/`),
    );
    if (chart)
      return `pool ${pool.name} (${formatLocation(
        pool.location,
      )}) is a template of the chart ${
        chart.dir
      } of this repository, which ${describeObject(
        chart.release,
      )} installs: Helm renders it in the cluster, and its templates are not rendered here`;
  }
  return undefined;
}

/**
 * The charts of this repository (a folder holding a Chart.yaml) that the
 * cluster's HelmReleases install from its own GitRepository.
 *
 * @public
 */
export function localChartsOf(
  mesh: MeshModel,
  cluster: ClusterModel,
): { release: ManifestObject; dir: string }[] {
  return cluster.render.objects.flatMap(({ object }) => {
    if (object.kind !== 'HelmRelease') return [];
    const spec = getPath(object.body, ['spec', 'chart', 'spec']);
    if (!isRecord(spec) || typeof spec.chart !== 'string') return [];
    const source = isRecord(spec.sourceRef) ? spec.sourceRef : {};
    if (
      source.kind !== 'GitRepository' ||
      !mesh.conventions.flux.sourceNames.includes(String(source.name))
    )
      return [];
    const dir = clampPath(spec.chart);
    return dir && mesh.repository.isFile(`${dir}/Chart.yaml`)
      ? [{ release: object, dir }]
      : [];
  });
}

/**
 * Said after "no CiliumLoadBalancerIPPool" when another controller hands
 * out the cluster's LoadBalancer addresses (MetalLB, a cloud provider's);
 * empty otherwise.
 */
export function otherLoadBalancerNote(
  cluster: Pick<ClusterModel, 'render' | 'cilium'>,
  /** The LB IP wanted: the MetalLB pool that holds it is named. */
  address?: IpAddress,
): string {
  const pool = metalLbPoolApplied(cluster, address);
  if (pool)
    return `; it applies MetalLB's ${describeObject(pool)}${
      address && metalLbPoolHolds(pool, address)
        ? `, which holds ${address.text}`
        : ''
    }: its LoadBalancer addresses come from MetalLB, whose pools Cilium LB IPAM does not read (MetalLB is not handled here)`;
  const managed = managedCloudOf(cluster);
  if (managed)
    return `; its Cilium values set ${managed.setting} (${formatLocation(
      managed.location,
    )}): it runs on ${
      managed.cloud
    }, whose own controller gives LoadBalancer services that cloud's load balancers, not addresses from Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a pool and the service Cilium's loadBalancerClass)`;
  const kubeVip = kubeVipRequest(cluster.render);
  if (kubeVip)
    return `; its services ask kube-vip for their LoadBalancer addresses (kube-vip.io/loadbalancerIPs on ${describeObject(
      kubeVip,
    )}, ${formatLocation(
      locate(kubeVip),
    )}): kube-vip gives them, not Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a CiliumLoadBalancerIPPool for the clustermesh-apiserver, its addresses left out of kube-vip's range)`;
  const cloud = cloudLoadBalancerApplied(cluster.render);
  return cloud
    ? `; it runs ${describeObject(cloud.object)} (${
        cloud.name
      }, ${formatLocation(
        locate(cloud.object),
      )}), a cloud provider's controller of LoadBalancer services: their addresses come from that cloud's load balancers, not from Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a pool and the service Cilium's loadBalancerClass)`
    : '';
}

/** What to do where MetalLB gives a cluster's LoadBalancer addresses, which this tool does not handle. */
export const metalLbRemedy =
  "Leave the cluster out of the mesh (mesh.exclude in the conventions), or give its LB IP to Cilium LB IPAM (a CiliumLoadBalancerIPPool holding it, from Cilium 1.13, with MetalLB's pools leaving it out); or, where the clustermesh-apiserver gets MetalLB's address by hand, switch lb-ip-in-pool and service-annotation off in the conventions' rules and add MetalLB's loadBalancerIPs annotation to clustermesh.apiserver.service.annotations yourself: configure writes Cilium LB IPAM's annotation only, which MetalLB does not read.";

/**
 * A Cilium object (a pool, a BGP or network policy, a GatewayClass of
 * Cilium's gateway controller) a cluster applies: when
 * no Cilium install is read, it says Cilium runs there all the same,
 * installed another way (Ansible, Talos, Terraform, RKE2).
 */
export function ciliumObjectApplied(
  render: Pick<ClusterRender, 'objects'>,
): ManifestObject | undefined {
  return render.objects.find(
    ({ object: o }) =>
      o.apiVersion.startsWith('cilium.io/') ||
      // a Gateway API class Cilium's operator serves
      (o.kind === 'GatewayClass' &&
        getPath(o.body, ['spec', 'controllerName']) ===
          'io.cilium/gateway-controller'),
  )?.object;
}

/**
 * A k8s_gateway (the k8s-gateway chart) a cluster runs whose domain holds
 * a name: it answers that domain inside the network from its own
 * cluster's objects of the kinds it watches, never from another cluster's
 * (the cluster template's split DNS).
 */
export function k8sGatewayServing(
  cluster: ClusterModel,
  name: string,
):
  | {
      object: ManifestObject;
      domain: string;
      /** The kinds it answers from, where its values name them (watchedResources). */
      watched?: string[];
      /** The chart's major version, where pinned: its default watchedResources changed at 3. */
      chartMajor?: number;
    }
  | undefined {
  const lower = name.toLowerCase();
  for (const { object, values, domains } of k8sGatewaysOf(cluster)) {
    const domain = domains.find(d => inDomain(lower, d));
    if (domain && fallsThroughToForward(values, lower)) continue;
    const watched = getPath(values, ['watchedResources']);
    const [major] = semver(getPath(object.body, chartVersionPath)) ?? [];
    if (domain)
      return {
        object,
        domain,
        ...(Array.isArray(watched) &&
          watched.length && { watched: watched.map(String) }),
        ...(major !== undefined && { chartMajor: major }),
      };
  }
  return undefined;
}

/** Each cluster's k8s_gateway releases: asked once per peer's name. */
const k8sGateways = new WeakMap<
  ClusterModel,
  { object: ManifestObject; values: unknown; domains: string[] }[]
>();

function k8sGatewaysOf(cluster: ClusterModel) {
  let found = k8sGateways.get(cluster);
  if (found) return found;
  found = [];
  for (const { object, appliedBy } of cluster.render.objects) {
    if (
      object.kind !== 'HelmRelease' ||
      !object.apiVersion.startsWith('helm.toolkit.fluxcd.io/')
    )
      continue;
    const chart =
      getPath(object.body, ['spec', 'chart', 'spec', 'chart']) ??
      getPath(object.body, ['spec', 'chartRef', 'name']);
    if (typeof chart !== 'string' || !/^k8s[-_]gateway$/.test(chart)) continue;
    const { values } = cluster.releaseValues(
      object as SubstitutedObject,
      appliedBy,
    );
    // `domain: a.example b.example` (the chart's Corefile takes them all)
    const domains = [getPath(values, ['domain']), getPath(values, ['domains'])]
      .flat()
      .flatMap(d => (typeof d === 'string' ? d.split(/\s+/) : []))
      .filter(Boolean);
    found.push({ object, values, domains });
  }
  k8sGateways.set(cluster, found);
  return found;
}

/**
 * Whether a k8s_gateway chart's Corefile passes a name it does not hold on
 * to a `forward` plugin its values add (`fallthrough` for the name's zone,
 * or for every zone where it lists none): the name is then resolved
 * upstream (qlonik's forward to a public resolver), not left unanswered.
 */
function fallsThroughToForward(values: unknown, name: string): boolean {
  const fallthrough = getPath(values, ['fallthrough']);
  if (!isRecord(fallthrough) || !chartEnables(fallthrough.enabled))
    return false;
  const zones = Array.isArray(fallthrough.zones)
    ? fallthrough.zones.filter((z): z is string => typeof z === 'string')
    : [];
  if (zones.length && !zones.some(z => inDomain(name, z))) return false;
  const plugins = getPath(values, ['extraZonePlugins']);
  return (
    Array.isArray(plugins) &&
    plugins.some(p => isRecord(p) && p.name === 'forward')
  );
}

/**
 * Cilium's own agent configuration a cluster applies as rendered manifests
 * (`helm template` output: ConfigMap cilium-config with the agent's keys,
 * tonybutt's manifests/cilium.yaml): Cilium is installed from them, by
 * Flux, with values not read here.
 */
export function renderedCiliumConfig(
  render: Pick<ClusterRender, 'objects'>,
): ManifestObject | undefined {
  return render.objects.find(
    ({ object: o }) =>
      o.kind === 'ConfigMap' &&
      o.name === 'cilium-config' &&
      isRecord(o.body.data) &&
      ['cluster-name', 'identity-allocation-mode', 'ipam'].some(
        key => key in (o.body.data as Record<string, unknown>),
      ),
  )?.object;
}

/** CNIs other than Cilium, by the chart (or DaemonSet) that installs them. */
const otherCnis: readonly { name: string; charts: RegExp }[] = [
  { name: 'Flannel', charts: /^(kube-)?flannel(-ds)?$/ },
  { name: 'Calico', charts: /^(tigera-operator|calico(-node)?)$/ },
  { name: 'Canal', charts: /^canal$/ },
  { name: 'Antrea', charts: /^antrea(-agent)?$/ },
  { name: 'kube-router', charts: /^kube-router$/ },
  { name: 'Weave Net', charts: /^weave(-net)?$/ },
];

/**
 * Another CNI a cluster without Cilium applies (a HelmRelease of the
 * flannel or tigera-operator chart, a kube-flannel-ds DaemonSet): the
 * cluster runs it, not Cilium, and cannot join a Cilium ClusterMesh.
 */
export function otherCniApplied(
  render: Pick<ClusterRender, 'objects'>,
): { cni: string; object: ManifestObject } | undefined {
  for (const { object: o } of render.objects) {
    const chart =
      o.kind === 'HelmRelease'
        ? getPath(o.body, ['spec', 'chart', 'spec', 'chart'])
        : o.kind === 'DaemonSet' && o.name;
    if (typeof chart !== 'string') continue;
    const cni = otherCnis.find(c => c.charts.test(chart.split('/').pop()!));
    if (cni) return { cni: cni.name, object: o };
  }
  return undefined;
}

/** Said of a cluster that runs another CNI: which, and from what. */
export function otherCniNote(
  render: Pick<ClusterRender, 'objects'>,
  /** Where it is applied goes with the note (not where a location is said apart). */
  located = true,
): string | undefined {
  const other = otherCniApplied(render);
  return other
    ? `it runs ${other.cni} (${describeObject(other.object)}${
        located ? `, ${formatLocation(locate(other.object))}` : ''
      }), not Cilium: it cannot join a Cilium ClusterMesh`
    : undefined;
}

/**
 * Whether a path the conventions give (a default one, `{cluster}` filled
 * in) is where the repository's layout has such files: it exists, or its
 * folder is a kustomization (the file was deleted, or is yet to be added),
 * not a default path of another layout.
 */
export function inRepositoryLayout(
  repository: Pick<RepositoryFacts, 'isFile' | 'kustomizationFile'>,
  file: string,
): boolean {
  return (
    repository.isFile(file) ||
    repository.kustomizationFile(dirnamePath(file)) !== undefined
  );
}

/**
 * Where to point at something missing that the conventions place at
 * `file`: the file, or its folder's kustomization, when the repository has
 * that layout; else the kustomization of the cluster's folder, or of the
 * shallowest folder its Kustomizations build there, or the Flux
 * Kustomization that builds that one, or the entry point's kustomization.
 */
export function whereMissing(
  repository: Pick<RepositoryFacts, 'isFile' | 'kustomizationFile'>,
  cluster: {
    dir: string;
    render: Pick<ClusterRender, 'root' | 'kustomizations'>;
  },
  file: string,
  /**
   * The Flux Kustomization the missing thing is for (the one applying the
   * Cilium values, which substitutes the settings): said before another
   * one the cluster's entry happens to declare first.
   */
  concerning?: ManifestObject,
): SourceLocation {
  if (repository.isFile(file)) return { file, line: 1 };
  const { root, kustomizations } = cluster.render;
  for (const folder of [dirnamePath(file), cluster.dir]) {
    const kustomization = repository.kustomizationFile(folder);
    if (kustomization) return { file: kustomization, line: 1 };
  }
  // the cluster's folder may hold only the folders its Kustomizations build
  // (`clusters/<c>/apps`): the shallowest one's kustomization, else the
  // Flux Kustomization that builds it (Flux generates its kustomization);
  // the implicit root of a folder without a kustomization has neither, so
  // the next one down
  const inside = kustomizations
    .filter(k => k.path === cluster.dir || k.path.startsWith(`${cluster.dir}/`))
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  // but the Kustomization the missing thing is for comes first: the
  // kustomization in the cluster's folder that lists it, else itself
  // (iamryanmacdonald's oci declares it elsewhere; its shallowest build is
  // its flux-instance's values)
  if (concerning) {
    const at = locate(concerning);
    for (
      let folder = dirnamePath(at.file);
      folder.startsWith(`${cluster.dir}/`);
      folder = dirnamePath(folder)
    ) {
      const listing = repository.kustomizationFile(folder);
      if (listing) return { file: listing, line: 1 };
    }
    return at;
  }
  for (const k of inside) {
    const builds = repository.kustomizationFile(k.path);
    if (builds) return { file: builds, line: 1 };
    if (k.object) return locate(k.object);
  }
  const entry = repository.kustomizationFile(root);
  if (entry) return { file: entry, line: 1 };
  // a Flux Kustomization the cluster's entry applies itself (not an app's
  // a parent applies), before its bare folder
  const byKey = new Map(kustomizations.map(k => [k.key, k]));
  const declared =
    kustomizations.find(k => k.object && !byKey.get(k.parent ?? '')?.object) ??
    kustomizations.find(k => k.object);
  return declared ? locate(declared.object!) : { file: cluster.dir, line: 1 };
}

/** An address an object of the cluster asks LB IPAM for. @public */
export interface RequestedAddress {
  address: IpAddress;
  /** The object, in words (`Service network/ingress`). */
  what: string;
  object: ManifestObject;
  location: SourceLocation;
  /**
   * Its LB IPAM sharing key (`lbipam.cilium.io/sharing-key`, beside the
   * request), and the namespaces it shares with across namespaces
   * (`lbipam.cilium.io/sharing-cross-namespace`): services of one key
   * share an address by design.
   */
  sharing?: LbIpamSharing;
}

/** An LB IPAM sharing key, and the other namespaces it is shared with. @public */
export interface LbIpamSharing {
  key: string;
  /** `lbipam.cilium.io/sharing-cross-namespace`, split (`*` for every one). */
  crossNamespace: string[];
}

/** The LB IPAM sharing an annotations map asks for, if any. @public */
export function lbIpamSharingOf(
  annotations: unknown,
): LbIpamSharing | undefined {
  if (!isRecord(annotations)) return undefined;
  const key = annotations['lbipam.cilium.io/sharing-key'];
  if (typeof key !== 'string' || !key) return undefined;
  const cross = annotations['lbipam.cilium.io/sharing-cross-namespace'];
  return {
    key,
    crossNamespace:
      typeof cross === 'string'
        ? cross
            .split(',')
            .map(n => n.trim())
            .filter(Boolean)
        : [],
  };
}

/**
 * Whether two requests of one address share it by design: the same LB
 * IPAM sharing key, and, in different namespaces, each allowing the
 * other's (chrishrb's ingress-nginx, EMQX and sftpgo on one address).
 *
 * @public
 */
export function sharedByDesign(
  a: { sharing?: LbIpamSharing; namespace?: string },
  b: { sharing?: LbIpamSharing; namespace?: string },
): boolean {
  if (!a.sharing || !b.sharing || a.sharing.key !== b.sharing.key) return false;
  if (a.namespace === b.namespace) return true;
  const allows = (
    x: { sharing?: LbIpamSharing },
    namespace: string | undefined,
  ) =>
    x.sharing!.crossNamespace.includes('*') ||
    (namespace !== undefined && x.sharing!.crossNamespace.includes(namespace));
  return allows(a, b.namespace) && allows(b, a.namespace);
}

/**
 * An address asked for by a secret value (`${SVC_INGRESS_ADDR}` from a
 * SOPS Secret): not known here. @public
 */
export interface SecretRequestedAddress {
  /** The object, in words. */
  what: string;
  variables: string[];
  /** The address's length in characters, where its SOPS line tells it. */
  length?: number;
  /** IPv6 where the text beside the secret has a `:` (`${PREFIX}:70`): never an IPv4 address. */
  family?: 'ipv6';
  object: ManifestObject;
  location: SourceLocation;
}

/**
 * The addresses the cluster's own objects ask LB IPAM for: a Service's LB
 * IPAM annotation or `spec.loadBalancerIP`, a Gateway's `spec.addresses`
 * and the annotations Cilium gives its Service, and the same written in a
 * HelmRelease's values for a Service its chart makes (an LB IPAM annotation
 * or a `loadBalancerIP` anywhere in them, outside a block switched off by
 * `enabled: false`; the Cilium release's own clustermesh-apiserver Service
 * aside), and those in the spec of a custom resource that makes a Service
 * (a gateway's parameters). LB IPAM gives each address to one service only.
 *
 * @public
 */
export function requestedAddresses(
  cluster: ClusterModel,
  /** Filled with the requests whose address is a secret value, not known here (their SOPS lines read from the repository). */
  secret?: {
    found: SecretRequestedAddress[];
    repository: Pick<RepositoryFacts, 'readText'>;
  },
): RequestedAddress[] {
  const out: RequestedAddress[] = [];
  // a patch of an object from a remote resource sets what it sets on it
  const patched = cluster.findings.flatMap(f =>
    f.patchOfUnfetched ? [f.patchOfUnfetched] : [],
  );
  // only asked where a request is a secret value
  let appliers: Map<ManifestObject, RenderedKustomization> | undefined;
  for (const object of [
    ...cluster.render.objects.map(o => o.object),
    ...patched,
  ]) {
    const gateway =
      object.kind === 'Gateway' &&
      object.apiVersion.startsWith('gateway.networking.k8s.io/');
    const texts: {
      text: unknown;
      path: (string | number)[];
      /** Set for a value its valuesFrom gives, not the release's own spec.values. */
      fromValuesFrom?: boolean;
    }[] = [];
    if (
      object.kind === 'HelmRelease' &&
      object.apiVersion.startsWith('helm.toolkit.fluxcd.io/')
    ) {
      const own = chartServiceAddresses(
        object.body.spec?.values,
        ['spec', 'values'],
        isCiliumRelease(cluster, object),
      );
      texts.push(...own);
      // and those its valuesFrom gives (astroterm's values.yaml a
      // generator makes the ConfigMap of), as helm-controller merges them
      const valuesFrom = getPath(object.body, ['spec', 'valuesFrom']);
      if (Array.isArray(valuesFrom) && valuesFrom.length) {
        appliers ??= new Map(
          cluster.render.objects.map(o => [o.object, o.appliedBy] as const),
        );
        const by = appliers.get(object);
        const merged = by
          ? cluster.releaseValues(object as SubstitutedObject, by).values
          : undefined;
        const ownPaths = new Set(own.map(t => t.path.join('\0')));
        for (const t of chartServiceAddresses(
          merged,
          ['spec', 'values'],
          isCiliumRelease(cluster, object),
        ))
          if (!ownPaths.has(t.path.join('\0')))
            texts.push({ ...t, fromValuesFrom: true });
      }
    } else if (
      object.kind !== 'Service' &&
      !gateway &&
      object.apiVersion.includes('.') &&
      !object.apiVersion.includes('toolkit.fluxcd.io/')
    )
      // a custom resource that makes a Service (kgateway's
      // GatewayParameters, Envoy Gateway's EnvoyProxy) with an LB IPAM
      // annotation or loadBalancerIP anywhere in its spec
      texts.push(...chartServiceAddresses(object.body.spec, ['spec'], false));
    else if (object.kind !== 'Service' && !gateway) continue;
    const annotated = (path: string[]) => {
      const annotations = getPath(object.body, path);
      if (isRecord(annotations))
        for (const key of lbIpamAnnotationKeys)
          texts.push({ text: annotations[key], path: [...path, key] });
    };
    if (object.kind === 'Service' || gateway)
      annotated(['metadata', 'annotations']);
    if (gateway) {
      annotated(['spec', 'infrastructure', 'annotations']);
      const addresses = getPath(object.body, ['spec', 'addresses']);
      if (Array.isArray(addresses))
        addresses.forEach((a, i) => {
          if (isRecord(a) && (a.type ?? 'IPAddress') === 'IPAddress')
            texts.push({
              text: a.value,
              path: ['spec', 'addresses', i, 'value'],
            });
        });
    } else if (object.kind === 'Service')
      texts.push({
        text: getPath(object.body, ['spec', 'loadBalancerIP']),
        path: ['spec', 'loadBalancerIP'],
      });
    for (const { text, path, fromValuesFrom } of texts) {
      if (typeof text !== 'string') continue;
      for (const part of text.split(',')) {
        const address = parseIpAddress(part.trim());
        const variables = address ? [] : unknownVariables(part);
        if (variables.length && secret) {
          // a SOPS value keeps its plaintext's length: a value that is the
          // variable alone is as long as its line says
          const only = /^\s*<secret:([A-Za-z_][A-Za-z0-9_]*)>\s*$/.exec(part);
          appliers ??= new Map(
            cluster.render.objects.map(o => [o.object, o.appliedBy] as const),
          );
          const at = only && appliers.get(object)?.variables.get(only[1]);
          const line = at?.location && lineAt(secret.repository, at.location);
          secret.found.push({
            what: describeObject(object),
            variables,
            length: line ? sopsPlaintextLength(line) : undefined,
            // the written part of `${CLUSTER_LBA_V6_PREFIX}:70`
            // (frantathefranta's): an IPv6 address, whatever the prefix
            ...(part.replace(secretPlaceholderPattern, '').includes(':') && {
              family: 'ipv6' as const,
            }),
            object,
            location: locate(object, path),
          });
        }
        if (address)
          out.push({
            address,
            // the annotations beside the request (a loadBalancerIP's: the
            // Service's own)
            ...(fromValuesFrom ? {} : sharingAt(object, path)),
            what:
              path[0] === 'spec' && path[1] === 'values'
                ? `${describeObject(object)} (a Service of its chart: ${path
                    .slice(2)
                    .join('.')}${
                    fromValuesFrom ? ', from its valuesFrom' : ''
                  })`
                : `${describeObject(object)}${
                    patched.includes(object)
                      ? ' (of a remote resource, as a patch of it sets)'
                      : ''
                  }`,
            object,
            // a valuesFrom value is located at the release's valuesFrom
            location: fromValuesFrom
              ? locate(object, ['spec', 'valuesFrom'])
              : locate(object, path),
          });
      }
    }
  }
  return out;
}

/** The sharing key of a request, read from the annotations beside it. */
function sharingAt(
  object: ManifestObject,
  path: (string | number)[],
): { sharing?: LbIpamSharing } {
  const key = path[path.length - 1];
  const annotations =
    typeof key === 'string' &&
    (lbIpamAnnotationKeys as readonly string[]).includes(key)
      ? getPath(object.body, path.slice(0, -1))
      : getPath(object.body, ['metadata', 'annotations']);
  const sharing = lbIpamSharingOf(annotations);
  return sharing ? { sharing } : {};
}

/** Whether an object is the HelmRelease that gives the cluster its Cilium values. */
function isCiliumRelease(cluster: ClusterModel, object: ManifestObject) {
  const release = cluster.cilium?.object;
  return (
    release !== undefined &&
    release.source.file === object.source.file &&
    release.source.index === object.source.index
  );
}

/**
 * Where a cluster's peers are in the Secret Cilium reads them from
 * (`cilium-clustermesh`), made by something else than the chart (an
 * ExternalSecret, a SealedSecret), and its values leave the chart's own
 * off (no clustermesh.config.enabled): the Secret's namespace and maker.
 * The mesh's peers are then configured there, not in the values.
 *
 * @internal
 */
export function meshPeersSecretElsewhere(
  cluster: Pick<ClusterModel, 'render' | 'cilium'>,
):
  | { namespace: string; elsewhere: { by: string; location: SourceLocation } }
  | undefined {
  if (
    !cluster.cilium ||
    chartEnables(
      getPath(cluster.cilium.values, ciliumValuesPaths.meshConfigEnabled),
    )
  )
    return undefined;
  const namespace = cluster.cilium.releaseNamespace;
  const elsewhere = secretMadeElsewhere(
    cluster,
    namespace,
    ciliumMeshConfigSecret,
  );
  return elsewhere && { namespace, elsewhere };
}

/**
 * What else the cluster applies as the Secret `namespace/name`: a Secret of
 * its own, or the one an ExternalSecret or a SealedSecret makes. A chart
 * that renders the same Secret fails: Helm does not take over an object
 * it does not own (or, once it does, the two overwrite each other).
 *
 * @public
 */
export function secretMadeElsewhere(
  cluster: Pick<ClusterModel, 'render'>,
  namespace: string,
  name: string,
): { by: string; location: SourceLocation } | undefined {
  for (const { object, appliedBy } of cluster.render.objects) {
    const made = madeObject(object, object.namespace ?? appliedBy.namespace);
    if (
      made.kind === 'Secret' &&
      made.name === name &&
      made.namespace === namespace &&
      (made.provided
        ? // `Merge` only adds keys to a Secret something else makes
          getPath(object.body, ['spec', 'target', 'creationPolicy']) !== 'Merge'
        : object.apiVersion === 'v1')
    )
      return made.origin();
  }
  return undefined;
}

/** Asked per pool and per rule: read once per cluster model. */
const versions = new WeakMap<object, CiliumVersion | undefined>();

/**
 * The Cilium release line a cluster runs, as its HelmRelease pins the chart
 * (`spec.chart.spec.version`, or the tag of the OCIRepository its
 * `chartRef` names), and where; undefined when not pinned to one line or
 * not read (a values file, RKE2's HelmChartConfig).
 *
 * @public
 */
export function ciliumVersion(
  cluster: Pick<ClusterModel, 'cilium' | 'render'>,
): CiliumVersion | undefined {
  if (versions.has(cluster)) return versions.get(cluster);
  const version = readCiliumVersion(cluster);
  versions.set(cluster, version);
  return version;
}

/** The release line a cluster's HelmRelease pins, and where it says so. @public */
export type CiliumVersion = CiliumMinor & {
  text: string;
  location: SourceLocation;
};

function readCiliumVersion(
  cluster: Pick<ClusterModel, 'cilium' | 'render'>,
): CiliumVersion | undefined {
  const release =
    cluster.cilium?.kind === 'helmrelease' ? cluster.cilium.object : undefined;
  if (!release) return undefined;
  const pinned = (object: ManifestObject, path: string[]) => {
    const text = getPath(object.body, path);
    const minor = pinnedCiliumMinor(text);
    return (
      minor && { ...minor, text: String(text), location: locate(object, path) }
    );
  };
  if (getPath(release.body, chartVersionPath) !== undefined)
    return pinned(release, chartVersionPath);
  const ref = getPath(release.body, ['spec', 'chartRef']);
  if (!isRecord(ref) || ref.kind !== 'OCIRepository') return undefined;
  const source = cluster.render.objects.find(
    ({ object }) => object.kind === 'OCIRepository' && object.name === ref.name,
  )?.object;
  return source && pinned(source, ociTagPath);
}

/**
 * Whether the Kustomization `key` is `k` or applies it (directly or through
 * its children) in the cluster.
 *
 * @public
 */
export function appliesOrIs(
  cluster: Pick<ClusterModel, 'render'>,
  key: string,
  k: RenderedKustomization | undefined,
): boolean {
  const byKey = new Map(cluster.render.kustomizations.map(r => [r.key, r]));
  for (let at = k; at; at = at.parent ? byKey.get(at.parent) : undefined)
    if (at.key === key) return true;
  return false;
}

const byCiliumNameOf = new WeakMap<
  readonly ClusterModel[],
  Map<string, ClusterModel[]>
>();

/**
 * Clusters by their Cilium `cluster.name` (the folder's where it is not
 * set), those whose name still holds a variable or a value not known here
 * left out: the one answer to
 * "which clusters does ClusterMesh not tell apart". Remembered per list (a
 * rule asks for every cluster of the mesh).
 *
 * @public
 */
export function clustersByCiliumName(
  clusters: readonly ClusterModel[],
): ReadonlyMap<string, readonly ClusterModel[]> {
  let found = byCiliumNameOf.get(clusters);
  if (!found) {
    found = new Map();
    for (const c of clusters) {
      // a name not known here (`<secret:CLUSTER_NAME>` from a source not
      // read) is no name two clusters share
      if (
        hasUnresolvedReference(c.ciliumName) ||
        unknownVariables(c.ciliumName).length
      )
        continue;
      found.set(c.ciliumName, [...(found.get(c.ciliumName) ?? []), c]);
    }
    byCiliumNameOf.set(clusters, found);
  }
  return found;
}

/** A value not known here as a cluster reads it: where, and what its SOPS line keeps. */
export interface SecretSource {
  location: SourceLocation;
  /** The plaintext's length (SOPS keeps it), when the line is SOPS. */
  length?: number;
  /** The SOPS value as written, when the line is SOPS. */
  ciphertext?: string;
}

/** Each cluster's secret sources, by variable (asked for every peer of a mesh). */
const secretSources = new WeakMap<
  ClusterModel,
  Map<string, SecretSource | undefined>
>();

/**
 * Where a cluster reads a value not known here, and what its SOPS line
 * keeps of it: its settings', or the substitution source of the
 * Kustomization that applies its settings (a SOPS Secret substituted into
 * them). Read once per cluster and variable.
 *
 * @public
 */
export function secretSourceOf(
  mesh: MeshModel,
  cluster: ClusterModel | undefined,
  variable: string,
): SecretSource | undefined {
  if (!cluster) return undefined;
  let found = secretSources.get(cluster);
  if (!found) secretSources.set(cluster, (found = new Map()));
  let source = found.get(variable);
  if (source === undefined && !found.has(variable)) {
    const location =
      cluster.settings.get(variable)?.location ??
      cluster.settingsObject?.appliedBy.variables.get(variable)?.location;
    const line = location && lineAt(mesh.repository, location);
    source = location && {
      location,
      length: line ? sopsPlaintextLength(line) : undefined,
      ciphertext: line ? sopsCiphertext(line) : undefined,
    };
    found.set(variable, source);
  }
  return source;
}

/** A SOPS value with its own IV: two alike are one encryption of one value. */
const sopsWithIv = /,iv:[^,\]]+/;

/**
 * The Kustomization of a cluster that would apply a new file of a folder
 * listed in `listing` (its kustomization file): the one that applies the
 * folder's files through that listing, not a `ks.yaml` beside them that a
 * parent applies; else the one applying a file of the folder, or building
 * it.
 *
 * @public
 */
export function applierOfNewFile(
  mesh: MeshModel,
  cluster: ClusterModel,
  dir: string,
  listing: string | undefined,
): RenderedKustomization | undefined {
  const inFolder = cluster.render.objects.filter(
    o => dirnamePath(o.object.source.file) === dir,
  );
  const listed =
    listing === undefined
      ? undefined
      : inFolder.find(o =>
          mesh.repository.builds(dirnamePath(listing), o.object.source.file),
        );
  return (
    (listed ?? inFolder[0])?.appliedBy ??
    cluster.render.kustomizations.find(r => r.path === dir)
  );
}

/**
 * Whether two clusters read a value not known here from one place, so it
 * is one value: one file, or one SOPS value copied into each (the same
 * ciphertext with its random IV, which only the same plaintext gives).
 *
 * @public
 */
export function sameSecretSource(
  mesh: MeshModel,
  cluster: ClusterModel,
  other: ClusterModel | undefined,
  variable: string,
): boolean {
  const here = secretSourceOf(mesh, cluster, variable);
  const there = secretSourceOf(mesh, other, variable);
  return (
    here !== undefined &&
    (here.location.file === there?.location.file ||
      (here.ciphertext !== undefined &&
        here.ciphertext === there?.ciphertext &&
        sopsWithIv.test(here.ciphertext)))
  );
}

/**
 * The parts of the cluster not read that apply CRDs (a Kustomization
 * building the CRDs of another GitRepository): the DNSEndpoint CRD may be
 * among them; said after "no file applies the CRD".
 *
 * @public
 */
export function crdPartsNote(cluster: ClusterModel): string {
  const parts = cluster.render.findings.filter(f => f.holdsCrds);
  if (!parts.length) return '';
  // one named for ExternalDNS first
  const first = partNamedFor(parts, /external-?dns|dnsendpoint/i);
  return ` among what is read (${
    parts.length === 1 ? 'one part' : `${parts.length} parts`
  } with CRDs ${
    parts.length === 1 ? 'is' : 'are'
  } not evaluated and may apply it: ${
    first.location ? `${formatLocation(first.location)} ` : ''
  }${first.message})`;
}

/** The text of the line a location points at. @public */
export function lineAt(
  repository: Pick<RepositoryFacts, 'readText'>,
  at: SourceLocation,
): string | undefined {
  const text = repository.readText(at.file);
  if (text === undefined || at.line < 1) return undefined;
  // walked to, not split: a mesh asks for a line of one file per cluster
  let start = 0;
  for (let line = 1; line < at.line; line++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return undefined;
  }
  const end = text.indexOf('\n', start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

/**
 * The variable a line of a file writes (`name: ${CLUSTER_NAME}`), as
 * Flux's envsubst reads it: what emptied a value Flux substituted with
 * nothing. Undefined where the line holds none.
 *
 * @public
 */
export function variableOnLine(
  repository: Pick<RepositoryFacts, 'readText'>,
  at: SourceLocation,
): string | undefined {
  const line = lineAt(repository, at);
  return line?.includes('$') ? referencedVariables(line)[0] : undefined;
}

/** Per mesh, the networks (indexes into `pools.networks`) of each member. */
const networksByMember = new WeakMap<MeshModel, Map<string, Set<number>>>();

/**
 * Whether two clusters share an L2/BGP network, as the conventions'
 * `pools.networks` list them (without it, every member is taken to share
 * one): their pools' addresses are then one address space.
 *
 * @public
 */
export function shareNetwork(mesh: MeshModel, a: string, b: string): boolean {
  let networksOf = networksByMember.get(mesh);
  if (!networksOf) {
    networksOf = new Map();
    const networks = mesh.conventions.pools.networks ?? [
      mesh.members.map(c => c.name),
    ];
    networks.forEach((members, i) =>
      members.forEach(m =>
        networksOf!.set(m, (networksOf!.get(m) ?? new Set()).add(i)),
      ),
    );
    networksByMember.set(mesh, networksOf);
  }
  const theirs = networksOf.get(b);
  return [...(networksOf.get(a) ?? [])].some(n => theirs?.has(n));
}

const byFqdn = new WeakMap<MeshModel, Map<string, ClusterModel>>();

/**
 * The members by their FQDN (a trailing dot left off): asked for every
 * record and certificate name of every cluster.
 *
 * @public
 */
export function membersByFqdn(mesh: MeshModel): Map<string, ClusterModel> {
  let found = byFqdn.get(mesh);
  if (!found) {
    found = new Map();
    // two members of one FQDN (a folder copied, its settings not yet
    // changed): the one whose name the FQDN's first label holds owns it,
    // else the first (the copy is the other: TrentScholl's edge, from dr)
    const named = (m: ClusterModel, fqdn: string) =>
      new RegExp(`(^|[-_])${escapeRegExp(m.name)}([-_]|$)`, 'i').test(
        fqdn.split('.')[0],
      );
    for (const m of mesh.members) {
      if (!m.fqdn) continue;
      const fqdn = m.fqdn.value.replace(/\.$/, '');
      const held = found.get(fqdn);
      if (!held || (!named(held, fqdn) && named(m, fqdn))) found.set(fqdn, m);
    }
    byFqdn.set(mesh, found);
  }
  return found;
}

/**
 * Where a Kustomization that does not substitute is left out, by a label of
 * its own, of the substitution its parent's patch gives its children
 * (jsenecal: `labelSelector: substitution.flux.home.arpa/disabled notin
 * (true)` on a patch adding `postBuild`, the child labelled `"true"`): the
 * parent, the selector, and the label with its line. Undefined otherwise.
 *
 * @public
 */
export function substitutionOptOut(
  c: ClusterModel,
  kustomization: RenderedKustomization,
):
  | {
      parent: string;
      selector: string;
      label: string;
      location?: SourceLocation;
      /** The label the selector asks for is not there at all (opted in by it, not out). */
      missing?: boolean;
    }
  | undefined {
  const parent = c.render.kustomizations.find(
    k => k.key === kustomization.parent,
  );
  const declared = kustomization.object;
  const patches = getPath(parent?.object?.body, ['spec', 'patches']);
  if (!parent || !declared || !Array.isArray(patches)) return undefined;
  const labels = stringMapAt(declared.body, 'metadata', 'labels');
  for (const entry of patches) {
    const target = isRecord(entry) ? entry.target : undefined;
    const text = isRecord(entry) ? entry.patch : undefined;
    if (
      !isRecord(target) ||
      typeof target.labelSelector !== 'string' ||
      (target.kind !== undefined && target.kind !== 'Kustomization') ||
      target.name !== undefined ||
      typeof text !== 'string' ||
      !text.includes('postBuild')
    )
      continue;
    const parsed = parseSelectorString(target.labelSelector);
    if ('error' in parsed) continue;
    if (requirementsAdmit(parsed.requirements, labels)) continue;
    // the requirement its own label fails
    const failing = parsed.requirements.find(
      r => r.key in labels && !requirementsAdmit([r], labels),
    );
    if (failing)
      return {
        parent: parent.key,
        selector: target.labelSelector,
        label: `${failing.key}: ${JSON.stringify(labels[failing.key])}`,
        location: locate(declared, ['metadata', 'labels', failing.key]),
      };
    // a label it asks for (`substitution.flux.home.arpa/enabled=true`),
    // which the Kustomization lacks: opted in by it, as its siblings are
    const wanted = parsed.requirements.find(
      r =>
        !(r.key in labels) &&
        (r.operator === '=' || r.operator === 'in' || r.operator === 'exists'),
    );
    if (wanted)
      return {
        parent: parent.key,
        selector: target.labelSelector,
        label: `${wanted.key}: ${JSON.stringify(wanted.values[0] ?? '')}`,
        location: locate(declared, ['metadata']),
        missing: true,
      };
  }
  return undefined;
}

export { metadataFiltered, type Publication };

/**
 * A cluster's FQDN template where it is a guess: its variables that no
 * file of the repository names and no value given to the run holds (the
 * default template's SECRET_DOMAIN in a repository with another domain),
 * with the template and whether it is the default; undefined when every
 * variable is named somewhere.
 */
export function templateNamedNowhere(
  mesh: MeshModel,
  cluster: string,
): { template: string; variables: string[]; byDefault: boolean } | undefined {
  const template = fqdnTemplateFor(mesh.conventions, cluster);
  const given = clusterValues(mesh.conventions, cluster);
  const variables = referencedVariables(template).filter(
    v => given[v] === undefined && !mesh.repository.mentions(v),
  );
  if (!variables.length) return undefined;
  return {
    template,
    variables,
    byDefault: !mesh.conventions.provenance?.some(
      p => p.setting === 'fqdnTemplate' && p.source !== 'default',
    ),
  };
}

/** The providerSpecific key of Cloudflare's proxy under an ExternalDNS prefix. @public */
export const cloudflareProxiedKey = (prefix: string) =>
  `${prefix}cloudflare-proxied`;

/**
 * A record's Cloudflare proxy entries: the one under the prefix its
 * ExternalDNS reads, and the first under another prefix, which it does not
 * read (each with its index in providerSpecific).
 *
 * @public
 */
export function cloudflareProxiedEntries(
  providerSpecific: unknown,
  prefix: string,
): {
  read?: { index: number; name: string; value: unknown };
  ignored?: { index: number; name: string; value: unknown };
} {
  const key = cloudflareProxiedKey(prefix);
  const entries = (Array.isArray(providerSpecific) ? providerSpecific : [])
    .map((e, index) => ({ index, name: e?.name, value: e?.value }))
    .filter(
      (e): e is { index: number; name: string; value: unknown } =>
        typeof e.name === 'string' && e.name.endsWith('/cloudflare-proxied'),
    );
  return {
    read: entries.find(e => e.name === key),
    ignored: entries.find(e => e.name !== key),
  };
}
