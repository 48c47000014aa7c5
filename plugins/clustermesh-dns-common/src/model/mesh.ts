import { RepoTree, TreeIndex } from '../tree/RepoTree';
import {
  formatLocation,
  parseYamlText,
  SourceLocation,
  YamlDocument,
  lineAtPath,
} from '../yaml/documents';
import { YamlFileCache } from '../flux/YamlFileCache';
import {
  ClusterRender,
  FluxRenderer,
  RenderedKustomization,
} from '../flux/render';
import { SubstitutedObject } from '../flux/substitute';
import {
  IpAddress,
  IpRange,
  parseCidr,
  parseIpAddress,
  parseStartStop,
} from '../net/ip';
import { clusterPath, MeshConventions, peerFqdnVariable } from './conventions';
import { getPath, isRecord, locate } from './locate';
import { Finding, ManifestObject } from './types';
import { ClusterSettings, SettingValue } from './settings';

/** @public */
export interface PoolBlock {
  text: string;
  range?: IpRange;
  problem?: string;
  location: SourceLocation;
}

/** @public */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A CiliumLoadBalancerIPPool applied to a cluster. @public */
export interface PoolModel {
  name: string;
  object: ManifestObject;
  disabled: boolean;
  blocks: PoolBlock[];
  serviceSelector?: LabelSelector;
  location: SourceLocation;
}

/** One entry of a DNSEndpoint's spec.endpoints. @public */
export interface DnsEndpointRecord {
  index: number;
  dnsName: unknown;
  recordType: unknown;
  recordTTL: unknown;
  targets: unknown;
  providerSpecific: unknown;
  location: SourceLocation;
}

/** @public */
export interface DnsEndpointModel {
  object: SubstitutedObject;
  appliedBy: RenderedKustomization;
  records: DnsEndpointRecord[];
}

/** The Cilium Helm values of a cluster, merged as helm-controller does. @public */
export interface CiliumValuesModel {
  kind: 'helmrelease' | 'values-file';
  /** The HelmRelease, or undefined for a plain values file. */
  object?: SubstitutedObject;
  appliedBy?: RenderedKustomization;
  file: string;
  values: Record<string, any>;
  /** Namespace of the release (where the clustermesh-apiserver service lives). */
  releaseNamespace: string;
  /** File and line of a values path (or of its nearest existing parent). */
  locate(path: readonly (string | number)[]): SourceLocation;
}

/** A peer a cluster should know by FQDN, and the variable that holds it. @public */
export interface PeerSetting {
  readonly peer: string;
  readonly variable: string;
}

/** What the rules read about one cluster. @public */
export interface ClusterModel {
  name: string;
  dir: string;
  render: ClusterRender;
  settings: ClusterSettings;
  settingsObject?: {
    object: SubstitutedObject;
    appliedBy: RenderedKustomization;
  };
  settingsLocation: SourceLocation;
  fqdn?: SettingValue;
  lbIp?: SettingValue;
  lbIpAddress?: IpAddress;
  peers: PeerSetting[];
  /** The value of each peer's variable (same order as peers), undefined when not set. */
  peerValues(): readonly (string | undefined)[];
  pools: PoolModel[];
  dnsEndpoints: DnsEndpointModel[];
  cilium?: CiliumValuesModel;
  /** Cilium's cluster.name (resolved), falling back to the directory name. */
  ciliumName: string;
}

/** @public */
export interface MeshModel {
  conventions: MeshConventions;
  clusters: ClusterModel[];
  /** Problems of reading and rendering, each with its file and line. */
  findings: Finding[];
  index: TreeIndex;
  files: YamlFileCache;
  renderer: FluxRenderer;
  /** The clusters by name. */
  byName: ReadonlyMap<string, ClusterModel>;
}

const POOL_KINDS = new Set(['cilium.io/v2alpha1', 'cilium.io/v2']);

/** Discovers the clusters: the sub-folders of the clusters path. @public */
export function discoverClusters(
  index: TreeIndex,
  conventions: MeshConventions,
): string[] {
  const dirs = index.list(conventions.clustersPath).dirs;
  return conventions.clusters
    ? conventions.clusters.filter(c => dirs.includes(c))
    : [...dirs];
}

/**
 * Builds the mesh model of a repository: renders every cluster as Flux
 * would and extracts the settings, pools, DNSEndpoints and Cilium values
 * the rules read, each with its file and line.
 *
 * @public
 */
export function buildMeshModel(
  tree: RepoTree,
  conventions: MeshConventions,
): MeshModel {
  const index = TreeIndex.of(tree);
  const files = new YamlFileCache(tree);
  const renderer = new FluxRenderer(index, files, {
    strictSubstitution: conventions.flux.strictSubstitution,
    substituteAlways: conventions.flux.substituteAlways,
    sourceNames: conventions.flux.sourceNames,
    knownValues: conventions.values,
  });
  const findings: Finding[] = [];
  if (!index.isDir(conventions.clustersPath)) {
    findings.push({
      code: 'no-clusters',
      severity: 'error',
      message: `${conventions.clustersPath}/ does not exist: no cluster to check (set clustersPath in the conventions)`,
      location: { file: conventions.clustersPath, line: 1 },
    });
  }
  const names = discoverClusters(index, conventions);
  for (const missing of conventions.clusters?.filter(c => !names.includes(c)) ??
    []) {
    findings.push({
      code: 'no-clusters',
      severity: 'error',
      message: `${conventions.clustersPath}/${missing}/ does not exist, but the conventions list cluster ${missing}`,
      location: { file: conventions.clustersPath, line: 1 },
    });
  }
  if (index.isDir(conventions.clustersPath) && names.length === 0) {
    findings.push({
      code: 'no-clusters',
      severity: 'error',
      message: `${conventions.clustersPath}/ has no cluster folders`,
      location: { file: conventions.clustersPath, line: 1 },
    });
  }
  // one object per peer, shared by every cluster that has it as a peer
  const peerSettings = new Map<string, PeerSetting>(
    names.map(peer => [
      peer,
      { peer, variable: peerFqdnVariable(conventions, peer) },
    ]),
  );
  const clusters = names.map(name =>
    extractCluster(
      name,
      `${conventions.clustersPath}/${name}`,
      renderer,
      files,
      index,
      conventions,
      names,
      peerSettings,
    ),
  );
  // a problem in a shared file is found once per cluster: report it once
  const seen = new Map<string, Finding>();
  for (const finding of clusters.flatMap(c => c.render.findings)) {
    const key = `${finding.code}|${finding.message}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, { ...finding });
    } else if (first.cluster !== finding.cluster) {
      delete first.cluster;
    }
  }
  findings.push(...seen.values());
  const byName = new Map(clusters.map(c => [c.name, c]));
  return { conventions, clusters, findings, index, files, renderer, byName };
}

function extractCluster(
  name: string,
  dir: string,
  renderer: FluxRenderer,
  files: YamlFileCache,
  index: TreeIndex,
  conventions: MeshConventions,
  allClusters: string[],
  peerSettings: ReadonlyMap<string, PeerSetting>,
): ClusterModel {
  const render = renderer.renderCluster(name, dir);
  const { settings: s } = conventions;
  let settingsObject: ClusterModel['settingsObject'];
  let secretObject: SubstitutedObject | undefined;
  for (const { object, appliedBy } of render.objects) {
    if ((object.namespace ?? appliedBy.namespace) !== s.namespace) continue;
    if (
      object.kind === 'ConfigMap' &&
      object.name === s.configMap &&
      isRecord(object.body.data)
    ) {
      settingsObject = { object, appliedBy };
    } else if (object.kind === 'Secret' && object.name === s.secret) {
      secretObject = object;
    }
  }
  const settings = new ClusterSettings(
    settingsObject?.object,
    secretObject,
    conventions.values,
  );
  const settingsLocation: SourceLocation = settingsObject
    ? locate(settingsObject.object, ['data'])
    : { file: clusterPath(s.file, name), line: 1 };
  const fqdn = settings.get(conventions.variables.fqdn);
  const lbIp = settings.get(conventions.variables.lbIp);
  let peerValues: (string | undefined)[] | undefined;
  const peers = (
    conventions.peers?.[name] ?? allClusters.filter(c => c !== name)
  ).map(
    peer =>
      peerSettings.get(peer) ?? {
        peer,
        variable: peerFqdnVariable(conventions, peer),
      },
  );

  const pools: PoolModel[] = [];
  const dnsEndpoints: DnsEndpointModel[] = [];
  let helmRelease:
    | { object: SubstitutedObject; appliedBy: RenderedKustomization }
    | undefined;
  for (const { object, appliedBy } of render.objects) {
    if (
      object.kind === 'CiliumLoadBalancerIPPool' &&
      POOL_KINDS.has(object.apiVersion)
    ) {
      pools.push(readPool(object));
    } else if (
      object.kind === 'DNSEndpoint' &&
      object.apiVersion.startsWith('externaldns.k8s.io/')
    ) {
      dnsEndpoints.push({ object, appliedBy, records: readEndpoints(object) });
    } else if (
      object.kind === 'HelmRelease' &&
      object.apiVersion.startsWith('helm.toolkit.fluxcd.io/') &&
      object.name === conventions.cilium.helmRelease.name
    ) {
      const ns = object.namespace ?? appliedBy.namespace;
      if (!helmRelease || ns === conventions.cilium.helmRelease.namespace)
        helmRelease = { object, appliedBy };
    }
  }

  let cilium: CiliumValuesModel | undefined;
  if (conventions.cilium.valuesFile) {
    cilium = readValuesFile(
      clusterPath(conventions.cilium.valuesFile, name),
      files,
      index,
      render.findings,
      name,
      conventions,
    );
  } else if (helmRelease) {
    cilium = readHelmReleaseValues(
      helmRelease.object,
      helmRelease.appliedBy,
      render,
      name,
    );
  }
  const clusterNameValue = getPath(cilium?.values, ['cluster', 'name']);
  return {
    name,
    dir,
    render,
    settings,
    settingsObject,
    settingsLocation,
    fqdn,
    lbIp,
    lbIpAddress: lbIp ? parseIpAddress(lbIp.value) : undefined,
    peers,
    peerValues: () =>
      (peerValues ??= peers.map(p => settings.value(p.variable))),
    pools,
    dnsEndpoints,
    cilium,
    ciliumName:
      typeof clusterNameValue === 'string' && clusterNameValue
        ? clusterNameValue
        : name,
  };
}

function readPool(object: ManifestObject): PoolModel {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const field = Array.isArray(spec.blocks) ? 'blocks' : 'cidrs';
  const blocks: PoolBlock[] = (
    Array.isArray(spec[field]) ? spec[field] : []
  ).map((block: unknown, i: number): PoolBlock => {
    const location = locate(object, ['spec', field, i]);
    if (!isRecord(block))
      return {
        text: String(block),
        problem: 'is not a map with cidr or start',
        location,
      };
    if (typeof block.cidr === 'string') {
      const range = parseCidr(block.cidr);
      return range
        ? { text: block.cidr, range, location }
        : { text: block.cidr, problem: 'is not a valid CIDR', location };
    }
    if (typeof block.start === 'string') {
      const stop = typeof block.stop === 'string' ? block.stop : undefined;
      const range = parseStartStop(block.start, stop);
      const text = stop ? `${block.start}-${stop}` : block.start;
      return range
        ? { text, range, location }
        : { text, problem: 'is not a valid start/stop range', location };
    }
    return {
      text: JSON.stringify(block),
      problem: 'has neither cidr nor start',
      location,
    };
  });
  const selector = isRecord(spec.serviceSelector)
    ? (spec.serviceSelector as LabelSelector)
    : undefined;
  return {
    name: object.name,
    object,
    disabled: spec.disabled === true,
    blocks,
    serviceSelector: selector,
    location: locate(object),
  };
}

function readEndpoints(object: ManifestObject): DnsEndpointRecord[] {
  const endpoints = getPath(object.body, ['spec', 'endpoints']);
  if (!Array.isArray(endpoints)) return [];
  return endpoints.map((e, index) => ({
    index,
    dnsName: e?.dnsName,
    recordType: e?.recordType,
    recordTTL: e?.recordTTL,
    targets: e?.targets,
    providerSpecific: e?.providerSpecific,
    location: locate(object, ['spec', 'endpoints', index]),
  }));
}

/** helm-controller's merge: maps merge key by key, everything else is replaced. */
function mergeValues(base: any, over: any): any {
  if (!isRecord(base) || !isRecord(over)) return over;
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = k in out ? mergeValues(out[k], v) : v;
  return out;
}

interface ValuesLayer {
  values: Record<string, any>;
  locate(path: readonly (string | number)[]): SourceLocation;
}

function layeredValues(
  layers: ValuesLayer[],
  base: Omit<CiliumValuesModel, 'values' | 'locate'>,
): CiliumValuesModel {
  const values = layers.reduce(
    (acc, l) => mergeValues(acc, l.values),
    {} as Record<string, any>,
  );
  return {
    ...base,
    values,
    locate(path) {
      for (let i = layers.length - 1; i >= 0; i--) {
        if (getPath(layers[i].values, path) !== undefined)
          return layers[i].locate(path);
      }
      // the nearest existing parent, in the last layer that has one
      for (let depth = path.length - 1; depth >= 0; depth--) {
        for (let i = layers.length - 1; i >= 0; i--) {
          if (getPath(layers[i].values, path.slice(0, depth)) !== undefined)
            return layers[i].locate(path.slice(0, depth));
        }
      }
      return { file: base.file, line: 1 };
    },
  };
}

function docLayer(doc: YamlDocument, lineOffset: number): ValuesLayer {
  return {
    values: isRecord(doc.value) ? doc.value : {},
    locate(path) {
      return {
        file: doc.file,
        line: (lineAtPath(doc.value, path) ?? doc.line) + lineOffset,
      };
    },
  };
}

function readHelmReleaseValues(
  object: SubstitutedObject,
  appliedBy: RenderedKustomization,
  render: ClusterRender,
  cluster: string,
): CiliumValuesModel {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const namespace = object.namespace ?? appliedBy.namespace;
  const layers: ValuesLayer[] = [];
  const valuesFrom = Array.isArray(spec.valuesFrom) ? spec.valuesFrom : [];
  valuesFrom.forEach((ref: any, i: number) => {
    const where = locate(object, ['spec', 'valuesFrom', i]);
    if (
      !isRecord(ref) ||
      (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') ||
      typeof ref.name !== 'string'
    )
      return;
    const key =
      typeof ref.valuesKey === 'string' ? ref.valuesKey : 'values.yaml';
    const found = render.objects.find(
      ({ object: o, appliedBy: k }) =>
        o.kind === ref.kind &&
        o.name === ref.name &&
        (o.namespace ?? k.namespace) === namespace,
    );
    if (!found) {
      if (ref.optional !== true) {
        render.findings.push({
          code: 'flux-error',
          severity: 'error',
          cluster,
          message: `${formatLocation(where)} HelmRelease ${namespace}/${
            object.name
          } takes values from ${ref.kind} ${namespace}/${
            ref.name
          }, which nothing in cluster ${cluster} applies; helm-controller fails the release`,
          location: where,
        });
      }
      return;
    }
    if (ref.kind === 'Secret') {
      render.findings.push({
        code: 'not-evaluated',
        severity: 'warning',
        cluster,
        message: `${formatLocation(where)} HelmRelease ${namespace}/${
          object.name
        } takes values from Secret ${namespace}/${
          ref.name
        }; secret values are not read`,
        location: where,
      });
      return;
    }
    const text = getPath(found.object.body, ['data', key]);
    if (typeof text !== 'string') {
      if (ref.optional !== true) {
        render.findings.push({
          code: 'flux-error',
          severity: 'error',
          cluster,
          message: `${formatLocation(where)} ConfigMap ${namespace}/${
            ref.name
          } has no key ${key}; helm-controller fails the release`,
          location: where,
        });
      }
      return;
    }
    const keyLocation = locate(found.object, ['data', key]);
    if (typeof ref.targetPath === 'string') {
      const path = ref.targetPath.split('.');
      const values: Record<string, any> = {};
      let cursor = values;
      for (const segment of path.slice(0, -1)) {
        cursor[segment] = {};
        cursor = cursor[segment];
      }
      cursor[path[path.length - 1]] = text;
      layers.push({ values, locate: () => keyLocation });
      return;
    }
    const parsed = parseYamlText(keyLocation.file, text);
    for (const p of parsed.problems) {
      render.findings.push({
        code: 'yaml-invalid',
        severity: 'error',
        cluster,
        message: `${keyLocation.file}:${
          keyLocation.line + p.line
        } the values in ConfigMap ${namespace}/${ref.name} key ${key} ${
          p.message
        }`,
        location: { file: keyLocation.file, line: keyLocation.line + p.line },
      });
    }
    if (parsed.documents[0])
      layers.push(docLayer(parsed.documents[0], keyLocation.line));
  });
  if (isRecord(spec.values)) {
    layers.push({
      values: spec.values,
      locate: path => locate(object, ['spec', 'values', ...path]),
    });
  }
  return layeredValues(layers, {
    kind: 'helmrelease',
    object,
    appliedBy,
    file: object.source.file,
    releaseNamespace:
      typeof spec.targetNamespace === 'string'
        ? spec.targetNamespace
        : namespace,
  });
}

function readValuesFile(
  file: string,
  files: YamlFileCache,
  index: TreeIndex,
  findings: Finding[],
  cluster: string,
  conventions: MeshConventions,
): CiliumValuesModel | undefined {
  if (!index.isFile(file)) {
    findings.push({
      code: 'flux-error',
      severity: 'error',
      cluster,
      message: `${file}:1 the Cilium values file of cluster ${cluster} (conventions cilium.valuesFile) does not exist`,
      location: { file, line: 1 },
    });
    return undefined;
  }
  const read = files.read(file);
  for (const p of read.problems) {
    findings.push({
      code: 'yaml-invalid',
      severity: 'error',
      cluster,
      message: `${p.file}:${p.line} ${p.message}`,
      location: { file: p.file, line: p.line },
    });
  }
  const doc = read.documents[0];
  return layeredValues(doc ? [docLayer(doc, 0)] : [], {
    kind: 'values-file',
    file,
    releaseNamespace: conventions.cilium.helmRelease.namespace,
  });
}
