import type { IpFamily } from '../net/ip';

/**
 * The MeshReport: what validating a GitOps repository says about its
 * ClusterMesh DNS configuration. Plain JSON, shared by the engine that
 * makes it, the backend that serves it, and the page and CLI that show it.
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
 * Something the engine found while reading and rendering the repository.
 * The message does not repeat the location: show `location` beside it.
 *
 * @public
 */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** One line; names the object and the cause, not the file and line. */
  message: string;
  location?: SourceLocation;
  /** The cluster, when the finding concerns one cluster only. */
  cluster?: string;
}

/** The ids of the rule catalog. @public */
export type RuleId =
  | 'settings-present'
  | 'fqdn-valid'
  | 'fqdn-convention'
  | 'cluster-name-valid'
  | 'lb-ip-valid'
  | 'lb-ip-in-pool'
  | 'lb-ip-unique'
  | 'fqdn-unique'
  | 'pools-disjoint'
  | 'peers-complete'
  | 'dnsendpoint-matches'
  | 'dnsendpoint-included'
  | 'service-annotation'
  | 'peers-by-fqdn'
  | 'tls-san'
  | 'substitution-complete'
  | 'ttl-valid'
  | 'manifest-shape';

/** @public */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** The outcome of one rule for one cluster (or the whole mesh). @public */
export interface CheckResult {
  ruleId: RuleId;
  status: CheckStatus;
  /** The rule's severity for a failure; `info` for passes and skips. */
  severity: Severity;
  /** Undefined for mesh-wide results. */
  cluster?: string;
  /** One line naming the value; the cluster and location are beside it. */
  message: string;
  location?: SourceLocation;
  /** How to fix a failure, in this repository's conventions. */
  remediation?: string;
}

/** The declared (offline) status of a cluster or mesh. @public */
export type DeclaredStatus = 'pass' | 'warn' | 'fail';

/** One cluster's row of the report. @public */
export interface ClusterReport {
  name: string;
  dir: string;
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
    location?: SourceLocation;
  };
  /** Peers the cluster should know by FQDN, and those without a variable. */
  peers: { expected: number; missing: string[] };
  status: DeclaredStatus;
  counts: { passed: number; failed: number; warnings: number; skipped: number };
  checks: CheckResult[];
}

/**
 * The result of validating one repository: every cluster with its checks,
 * the mesh-wide checks, and what could not be read or evaluated.
 *
 * @public
 */
export interface MeshReport {
  /** Version of this report format. */
  version: 1;
  clusters: ClusterReport[];
  /** Mesh-wide checks that passed, and failures that concern no single cluster. */
  meshChecks: CheckResult[];
  /** Problems of reading and rendering (YAML, kustomize, Flux), with file:line. */
  findings: Finding[];
  /** Features the engine does not evaluate, where they are used. */
  notEvaluated: Finding[];
  summary: {
    clusters: number;
    errors: number;
    warnings: number;
    passed: number;
    skipped: number;
    notEvaluated: number;
    status: DeclaredStatus;
  };
}
