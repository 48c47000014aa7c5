import type {
  CheckOutcome,
  ClusterReport,
  DeclaredStatus,
  Finding,
  MeshReport,
  SourceLocation,
} from '../report/types';

/**
 * What the backend API answers (`/api/clustermesh-dns`, described by the
 * OpenAPI document of the backend plugin). The typed client returns these.
 */

/** A repository by its normalised host, owner and name. @public */
export interface RepositoryRef {
  /** `github.com`, `gitlab.example.com`, ... (lower case, no port 443). */
  host: string;
  /** Owner, group or organisation (GitLab subgroups joined by `/`). */
  owner: string;
  /** Repository name, without `.git`. */
  name: string;
  /** The repository's web URL. */
  url: string;
}

/** A configured source, as listed. @public */
export interface SourceSummary {
  id: string;
  title: string;
  type: 'local' | 'url';
  /** The repository the source reads, for `url` sources. */
  repository?: RepositoryRef;
  /** The branch (or ref) read on schedule, for `url` sources. */
  branch?: string;
  /**
   * The repository's web URL at that branch (a tree URL, e.g.
   * `https://github.com/acme/gitops/tree/main`), for links to files; `url`
   * sources only.
   */
  treeUrl?: string;
  /** Whether its clusters are in the catalog. */
  catalog: boolean;
  /** Whether live checks can run for it (a provider or Kubernetes is configured). */
  liveChecks: { dns: boolean; provider: boolean; service: boolean };
}

/** The source that reads a repository URL, if any. @public */
export interface RepositoryMatch {
  /** The URL asked about, normalised; undefined when it is not a repository URL. */
  repository?: RepositoryRef;
  /** The source reading that repository; undefined when none does. */
  source?: SourceSummary;
}

/** A source's report is served even when the last read failed: then it is stale. @public */
export interface StaleState {
  /** Why the last read failed (a repository problem, never a secret). */
  error: string;
  /** When reads started failing (ISO 8601). */
  since: string;
}

/**
 * The report of a source at one revision, as the page lists it: the summary
 * rows of every cluster (checks are fetched per cluster).
 *
 * @public
 */
export interface SourceReport {
  source: SourceSummary;
  /** The ref asked for (a branch, tag or commit); the configured branch when none. */
  ref?: string;
  /** The revision read (a commit SHA for SCM sources, a content hash for local ones). */
  revision?: string;
  /** When the repository was read (ISO 8601). */
  readAt?: string;
  /** The report, absent only when the source was never read successfully. */
  report?: SourceReportBody;
  /** Set when the last read failed and an older report is served (or none). */
  stale?: StaleState;
}

/** A cluster's row, without its checks. @public */
export type ClusterSummary = Omit<ClusterReport, 'checks'> & {
  /** The rules whose checks failed, for filtering. */
  failingRules: string[];
};

/** The report as the list page needs it. @public */
export type SourceReportBody = Omit<MeshReport, 'clusters'> & {
  clusters: ClusterSummary[];
};

/** One peer of a cluster, and whether it knows the cluster by FQDN. @public */
export interface PeerState {
  peer: string;
  /** The variable that holds the peer's FQDN in this cluster's settings. */
  variable: string;
  /** Its value here, when set. */
  value?: string;
  /** Whether the peer's own settings know this cluster by its FQDN. */
  knowsThisCluster: boolean | 'unknown';
}

/** One cluster, with its checks, peers and the findings that concern it. @public */
export interface ClusterDetail {
  source: SourceSummary;
  ref?: string;
  revision?: string;
  cluster: ClusterReport;
  peers: PeerState[];
  /** Findings of the report that concern this cluster (or every cluster). */
  findings: Finding[];
}

/** An address in a cluster's pools and what uses it. @public */
export interface AddressUse {
  address: string;
  /** What uses it: the cluster's ClusterMesh LB IP, another Service's LB IPAM annotation, ... */
  usedBy: { what: string; cluster?: string; location?: SourceLocation }[];
}

/** A cluster's LB IPAM pools, for picking an address. @public */
export interface ClusterPool {
  source: SourceSummary;
  cluster: string;
  /** The pools that would give an address to the clustermesh-apiserver service. */
  pools: {
    name: string;
    blocks: string[];
    disabled: boolean;
    /** Whether its serviceSelector admits the clustermesh-apiserver service. */
    admitsApiServer: boolean;
    location: SourceLocation;
  }[];
  /** The cluster's current LB IP, when set. */
  current?: string;
  /** Addresses in those pools that something already uses. */
  used: AddressUse[];
  /** How many addresses are free in the admitting pools. */
  free: number;
  /** A free address to suggest (the lowest), when there is one. */
  suggestion?: string;
}

/** The live checks a source can run. @public */
export type LiveCheckId =
  | 'dns-resolves'
  | 'provider-record'
  | 'service-ip-assigned';

/** One live check of one cluster. @public */
export interface LiveCheckResult {
  check: LiveCheckId;
  cluster: string;
  outcome: CheckOutcome;
  /** What was found, or why it was not checked. Never a secret. */
  message: string;
  /** E.g. the answers of the resolver, the record's TTL, the Service's ingress IP. */
  observed?: Record<string, string | number | boolean | string[]>;
}

/** The last live checks of a source. @public */
export interface LiveReport {
  sourceId: string;
  /** When they ran (ISO 8601). */
  ranAt: string;
  /** The revision whose declared values they were compared with. */
  revision?: string;
  results: LiveCheckResult[];
  /** Per cluster, the worst live outcome. */
  status: Record<string, DeclaredStatus>;
}
