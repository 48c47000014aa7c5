import type { IpFamily } from '../net/ip';

/**
 * The MeshReport: what validating a GitOps repository says about its
 * ClusterMesh DNS configuration. Plain JSON, shared by the engine that
 * makes it, the backend that serves it, and the page and CLI that show it.
 *
 * Two principles hold everywhere: unknown is not pass (a check that could
 * not read its inputs is "not evaluated", with why), and one finding per
 * cause (a mistake repeated across clusters or values is one finding that
 * lists what it affects).
 */

/** A place in the repository that a message can point at. @public */
export interface SourceLocation {
  /** Repository path, POSIX, relative to the repository root. */
  file: string;
  /** 1-based line. */
  line: number;
}

/** @public */
export type Severity = 'error' | 'warning' | 'info';

/**
 * What a finding is about. Findings are problems of reading and rendering
 * the repository, found before any rule runs.
 *
 * @public
 */
export type FindingCode =
  /** A file is not valid YAML (or not text). */
  | 'yaml-invalid'
  /** A document is not a Kubernetes object kustomize can build. */
  | 'manifest-invalid'
  /** kustomize would fail on a kustomization. */
  | 'kustomize-error'
  /** Flux would fail to reconcile a Kustomization or HelmRelease. */
  | 'flux-error'
  /** Post-build substitution fails or leaves a problem. */
  | 'substitution-failed'
  /** A feature the engine does not evaluate, where it is used. */
  | 'not-evaluated'
  /** The repository has no cluster to check. */
  | 'no-clusters';

/**
 * Something the engine found while reading and rendering the repository:
 * one finding per cause. The message does not repeat the location: show
 * `location` beside it.
 *
 * @public
 */
export interface Finding {
  /** Stable within a report; checks that fail because of it name it in `cause`. */
  id: string;
  code: FindingCode;
  severity: Severity;
  /** One line; names the object and the cause, not the file and line. */
  message: string;
  /** Where the cause is. */
  location?: SourceLocation;
  /** Why there is no location, when there is none. */
  unlocated?: string;
  /** The cluster, when the finding concerns one cluster only. */
  cluster?: string;
  /** What the cause affects, when it shows in more than one place. */
  affects?: FindingEffects;
}

/** The places one cause shows up: counted, with the first few named. @public */
export interface FindingEffects {
  /** How many places (objects, values, files) the cause affects. */
  count: number;
  /** The clusters affected. */
  clusters: string[];
  /** The first places affected (at most a few), each with what is there. */
  examples: { location: SourceLocation; what: string }[];
}

/** The ids of the rule catalog, in the order checks are reported. @public */
export const ruleIds = [
  'settings-present',
  'fqdn-valid',
  'fqdn-convention',
  'cluster-name-valid',
  'cluster-id-unique',
  'lb-ip-valid',
  'lb-ip-in-pool',
  'lb-ip-unique',
  'lb-ip-announced',
  'fqdn-unique',
  'pools-disjoint',
  'peers-complete',
  'dnsendpoint-matches',
  'dnsendpoint-included',
  'service-annotation',
  'peers-by-fqdn',
  'tls-san',
  'ca-shared',
  'substitution-complete',
  'ttl-valid',
  'manifest-shape',
] as const;

/** The id of a rule of the catalog. @public */
export type RuleId = (typeof ruleIds)[number];

/**
 * The outcome of one check:
 * - `pass`: checked, and right;
 * - `fail`: checked, and wrong (see the severity);
 * - `not-applicable`: the rule does not apply here (a DNSEndpoint rule in
 *   manual DNS mode, a rule the conventions switch off);
 * - `not-evaluated`: the rule applies but its inputs could not be read (an
 *   unresolved variable, a file that cannot be built); the message says why.
 *
 * @public
 */
export type CheckOutcome = 'pass' | 'fail' | 'not-applicable' | 'not-evaluated';

/** The outcome of one rule for one cluster (or the whole mesh). @public */
export interface CheckResult {
  ruleId: RuleId;
  outcome: CheckOutcome;
  /** The severity of a failure (the rule's, or the one the conventions give it); `info` otherwise. */
  severity: Severity;
  /** Undefined for mesh-wide results. */
  cluster?: string;
  /** One line naming the value (or, not evaluated, why); the cluster and location are beside it. */
  message: string;
  location?: SourceLocation;
  /** How to fix a failure, in this repository's conventions. */
  remediation?: string;
  /** The finding this outcome comes from, when one cause explains it (its `id`). */
  cause?: string;
}

/**
 * The declared (offline) status of a cluster: failing (an error), warnings,
 * passing (every applicable check passed), not evaluated (no failure, but
 * some applicable check could not be evaluated), or outside the mesh (the
 * cluster does not take part in ClusterMesh: no rule runs for it).
 *
 * @public
 */
export type DeclaredStatus =
  | 'pass'
  | 'warn'
  | 'fail'
  | 'not-evaluated'
  | 'outside';

/** Whether a cluster is in the mesh, and why the engine thinks so. @public */
export interface MeshMembership {
  member: boolean;
  /**
   * Set where whether it is in the mesh could not be read (a value of a
   * Secret not read, a source not evaluated): `member` is then false, no
   * check ran for it, and its status is not evaluated (or failing).
   */
  unknown?: true;
  /** E.g. `clustermesh.useAPIServer is true (…/helmrelease.yaml:30)`, or `listed in conventions.clusters`. */
  reason: string;
  location?: SourceLocation;
}

/** One cluster's row of the report. @public */
export interface ClusterReport {
  name: string;
  /** The cluster's folder under the clusters path. */
  dir: string;
  /** The folder Flux reconciles for it (its entry point). */
  entry: string;
  membership: MeshMembership;
  fqdn?: {
    /** As written in the settings (may hold `${VAR}`). */
    template: string;
    /** As Flux inserts it; secret parts as `<secret:NAME>`. */
    resolved: string;
    secret: boolean;
    location: SourceLocation;
  };
  lbIp?: { value: string; family?: IpFamily; location: SourceLocation };
  /** The pool (and block) that holds the LB IP, as the rules see it. */
  pool?: { name: string; block: string; location: SourceLocation };
  record?: {
    type?: 'A' | 'AAAA';
    ttl: number;
    mode: 'externaldns' | 'manual';
    /** Cloudflare "DNS only" (not proxied), when known. */
    dnsOnly?: boolean;
    location?: SourceLocation;
  };
  /** The peers the cluster should know by FQDN, those without a variable, and each peer's entry. */
  peers: {
    expected: number;
    missing: string[];
  };
  status: DeclaredStatus;
  counts: CheckCounts;
  checks: CheckResult[];
}

/** How many checks had each outcome (failures split by severity). @public */
export interface CheckCounts {
  passed: number;
  failed: number;
  warnings: number;
  notApplicable: number;
  notEvaluated: number;
}

/**
 * A convention the report was made with, and where it came from: the
 * conventions file, detection in the repository (with why), or the default.
 *
 * @public
 */
export interface DetectedConvention {
  /** The setting, as in the conventions file: `clustersPath`, `variables.lbIp`, ... */
  setting: string;
  value: string;
  source: 'conventions' | 'detected' | 'default';
  /** Why this value: what was found, or that nothing was. */
  reason: string;
  location?: SourceLocation;
}

/** What the conventions switched off or changed, so the report says so. @public */
export interface ConventionOverride {
  /** `rule <id> off`, `rule <id> as warning`, `cluster <name> excluded`, ... */
  what: string;
  /** Where it is set. */
  source: string;
}

/**
 * The result of validating one repository: every cluster with its checks,
 * the mesh-wide checks, what could not be read or evaluated, and what the
 * engine detected.
 *
 * @public
 */
export interface MeshReport {
  /** Version of this report format. */
  version: 2;
  clusters: ClusterReport[];
  /** Mesh-wide checks that passed, and failures that concern no single cluster. */
  meshChecks: CheckResult[];
  /** Problems of reading and rendering (YAML, kustomize, Flux), one per cause. */
  findings: Finding[];
  /**
   * Features the engine does not evaluate, where they are used; severity
   * `info` for those no check reads from (a project's release manifest, a
   * substitution source only an app's Kustomization reads).
   */
  notEvaluated: Finding[];
  /** The conventions the report was made with, and where each came from. */
  conventions: DetectedConvention[];
  /** Rules or clusters the conventions switched off or changed. */
  overrides: ConventionOverride[];
  summary: MeshSummary;
}

/** The counts of a report, for a summary bar. @public */
export interface MeshSummary {
  /** Every cluster folder found. */
  clusters: number;
  /** Clusters by status. */
  passing: number;
  warning: number;
  failing: number;
  notEvaluated: number;
  outside: number;
  /** Checks and findings by outcome: errors and warnings count both. */
  errors: number;
  warnings: number;
  passed: number;
  notApplicable: number;
  /** Checks not evaluated, and features not evaluated that a check may read from (not those of severity `info`). */
  unevaluated: number;
  status: DeclaredStatus;
}
