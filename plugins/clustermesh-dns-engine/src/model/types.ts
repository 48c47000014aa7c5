import type { EngineFinding } from '../core/finding';
import type {
  IpAddress,
  MeshMembership,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { MeshEntriesMemo } from '../cilium/meshEntries';
import type { BootstrapReader } from '../flux/bootstrapReads';
import type { ChartSourceGap } from '../flux/chartSource';
import type { PoolModel } from '../cilium/pools';
import type { ExternalDnsDeployment } from '../conventions/detect/externalDns';
import type { MeshConventions } from '../conventions/schema';
import type { ObjectPath } from '../core/paths';
import type { HelmValues } from '../flux/helmValues';
import type {
  ClusterRender,
  RenderedKustomization,
} from '../flux/fluxKustomization';
import type { SubstitutedObject } from '../flux/substitute';
import type { ClusterSettings, SettingValue } from './settings';
import type { NodeAddress, TalosNetworks } from './nodeAddresses';

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

/** A DNSEndpoint applied to a cluster. @public */
export interface DnsEndpointModel {
  object: SubstitutedObject;
  appliedBy: RenderedKustomization;
  records: DnsEndpointRecord[];
  /** Why it is the cluster's ClusterMesh record: its configured name, or a dnsName that is the FQDN. */
  ownedBy: 'name' | 'dnsName';
}

/** The Cilium Helm values of a cluster, merged as helm-controller does. @public */
export interface CiliumValuesModel extends HelmValues {
  /** A Flux HelmRelease, a plain values file, or RKE2's `HelmChartConfig` (its `valuesContent`). */
  kind: 'helmrelease' | 'values-file' | 'helmchartconfig';
  /** The HelmRelease (or HelmChartConfig), or undefined for a plain values file. */
  object?: SubstitutedObject;
  appliedBy?: RenderedKustomization;
  file: string;
  /** Namespace of the release (where the clustermesh-apiserver service lives). */
  releaseNamespace: string;
  locate(path: ObjectPath): SourceLocation;
}

/** A peer a cluster should know by FQDN, and the variable that holds it. @public */
export interface PeerSetting {
  readonly peer: string;
  readonly variable: string;
}

/**
 * A cluster's FQDN, and where the model read it: the one answer to "what is
 * this cluster's FQDN" (see `clusterFqdn` in model/fqdn.ts).
 *
 * @public
 */
export interface ClusterFqdn extends SettingValue {
  /**
   * `settings`: the FQDN variable of its settings (`name` is the variable).
   * `files`: the settings have none; the conventions' template (`name`) as
   * the files Flux substitutes render it: the Cilium values' extraDnsNames,
   * or a DNSEndpoint's dnsName (`location`).
   */
  source: 'settings' | 'files';
  /** For `files`: why the name is not in the settings (stored verbatim, the domain secret). */
  why?: string;
}

/** What the rules read about one cluster. @public */
export interface ClusterModel {
  name: string;
  dir: string;
  render: ClusterRender;
  /**
   * A HelmRelease's values as helm-controller merges them in this cluster
   * (`valuesFrom` read from what it applies); `unread` when a source is not.
   */
  releaseValues(
    object: SubstitutedObject,
    appliedBy: RenderedKustomization,
  ): { values: Record<string, any>; unread: boolean };
  /** The chart source a HelmRelease names, when this cluster does not apply it (helm-controller fails the release). */
  chartSourceGap(
    object: SubstitutedObject,
    appliedBy: RenderedKustomization,
  ): ChartSourceGap | undefined;
  /** Problems of rendering and reading this cluster (the render's, then the values'). */
  findings: EngineFinding[];
  settings: ClusterSettings;
  settingsObject?: {
    object: SubstitutedObject;
    appliedBy: RenderedKustomization;
  };
  settingsLocation: SourceLocation;
  /** Its FQDN: the settings' variable, or the template the files Flux substitutes render; undefined when neither says. */
  fqdn?: ClusterFqdn;
  /**
   * Its LB IP (see `clusterLbIp`): the settings' variable; or, where the
   * settings have none a check can read, the one address its Cilium values
   * ask for (then `name` is that values path and `origin` says so).
   */
  lbIp?: SettingValue;
  lbIpAddress?: IpAddress;
  /** Whether the cluster takes part in ClusterMesh, and why. */
  membership: MeshMembership;
  /**
   * True when that is not known: the Cilium values read do not enable
   * ClusterMesh, and some were not read (a Secret's, a key that depends on
   * a value not known here). Such a cluster is not checked, nor passed.
   */
  membershipUnknown: boolean;
  /**
   * Set when its Flux reconciles another ref of the repository than the
   * branch read (`conventions.flux.branch`): another branch, or a tag,
   * semver range or commit it is pinned to. It is not evaluated here.
   */
  otherBranch?: {
    /** The ref as said: `branch development`, `tag v1.0.0`. */
    ref: string;
    /** The branch it reconciles, when it is a branch. */
    branch?: string;
    reason: string;
    location: SourceLocation;
  };
  /** The peers it should know by FQDN: the other members (or its configured peers); none outside the mesh. */
  peers: PeerSetting[];
  /** The value of each peer's variable (same order as peers), undefined when not set. */
  peerValues(): readonly (string | undefined)[];
  pools: PoolModel[];
  /**
   * The cluster's own DNSEndpoints: the one of the configured name and
   * namespace, and any with a dnsName that is the cluster's FQDN. Others
   * (a game server's, a tunnel's) are not the rules' business.
   */
  dnsEndpoints: DnsEndpointModel[];
  /** How many other DNSEndpoints are applied to the cluster. */
  unrelatedDnsEndpoints: number;
  cilium?: CiliumValuesModel;
  /** Cilium's cluster.name (resolved), falling back to the directory name. */
  ciliumName: string;
}

/** What the rules may ask of the repository beyond the clusters. @public */
export interface RepositoryFacts {
  isFile(path: string): boolean;
  /** The text of a file, undefined when it does not exist or is not text. */
  readText(path: string): string | undefined;
  /** The kustomization file of a folder, if it has one. */
  kustomizationFile(dir: string): string | undefined;
  /**
   * Whether the build of a folder applies a file: its kustomization lists
   * it (folder by folder), or it has none and the file is below it.
   */
  builds(dir: string, file: string): boolean;
  /**
   * Whether any file of the repository holds this text (documentation
   * aside), or any but those `except` leaves out.
   */
  mentions(text: string, except?: (file: string) => boolean): boolean;
  /** The ExternalDNS deployments written anywhere in the repository, applied or not. */
  externalDnsDeployments(): readonly ExternalDnsDeployment[];
  /**
   * The bootstrap helmfiles that install a file's values as they are
   * (where Flux does not substitute); none for most files.
   */
  readByBootstrap: BootstrapReader;
  /**
   * The CiliumLoadBalancerIPPools written in the repository that Flux
   * applies to none of its clusters, as written (read when a check asks).
   */
  unappliedPools(): readonly PoolModel[];
  /**
   * The addresses the repository gives machines (nodes, the API server's
   * VIP, the gateway: Talos' talconfig.yaml), read when a check asks.
   */
  nodeAddresses(): readonly NodeAddress[];
  /** The pod and Service CIDRs the repository's talhelper configurations give (`clusterPodNets`, `clusterSvcNets`), read when asked. */
  talosNetworks(): readonly TalosNetworks[];
}

/** @public */
export interface MeshModel {
  conventions: MeshConventions;
  /** Every cluster found. */
  clusters: ClusterModel[];
  /** The clusters in the mesh: the rules run for these. */
  members: ClusterModel[];
  /** Problems of reading and rendering, each with its file and line. */
  findings: EngineFinding[];
  /** The clusters by name. */
  byName: ReadonlyMap<string, ClusterModel>;
  repository: RepositoryFacts;
  /** Answers computed once per model by the queries (see queries.ts). @internal */
  memo: {
    expectedFqdns?: Map<string, string>;
    meshEntries?: MeshEntriesMemo;
  };
}
