import type { SourceLocation } from '../yaml/documents';
import type { Severity } from '../model/types';
import type { ClusterModel, MeshModel } from '../model/mesh';

/** @public */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** The outcome of one rule for one cluster (or the whole mesh). @public */
export interface CheckResult {
  ruleId: string;
  status: CheckStatus;
  /** The rule's severity for a failure; `info` for passes and skips. */
  severity: Severity;
  /** Undefined for mesh-wide results. */
  cluster?: string;
  /** One line naming the cluster, the value and the file:line. */
  message: string;
  location?: SourceLocation;
}

/** @public */
export interface RuleDefinition {
  id: string;
  title: string;
  severity: 'error' | 'warning';
  scope: 'cluster' | 'mesh';
  /** What the rule checks. */
  checks: string;
  /** How to fix a failure. */
  fix: string;
  /** Per cluster (scope `cluster`) or once (scope `mesh`, `cluster` undefined). */
  run(mesh: MeshModel, cluster: ClusterModel | undefined): CheckResult[];
}
