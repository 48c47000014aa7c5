import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { PlanProblem } from './input';
import type { FileEdit } from './transaction';

// What a plan is, apart from how it is made (plan.ts), so that the parts
// that render it (summary, records document) depend on it and not on the
// planner.

/** A DNS record the change makes (or asks a person to make). @public */
export interface MeshDnsRecord {
  cluster: string;
  /** As Flux inserts it; secret parts as `<secret:NAME>`. */
  fqdn: string;
  /**
   * As the repository's files write it, where that differs: a value the
   * repository keeps secret, given only to this run, stays `${NAME}` (what
   * a committed summary shows).
   */
  committedFqdn?: string;
  type: 'A' | 'AAAA';
  value: string;
  ttl: number;
}

/** @public */
export interface MeshDnsChangePlan {
  /** The files to write; empty when the change is refused: nothing is half-changed. */
  edits: FileEdit[];
  /**
   * The files the change would write, also when it is refused, so a dry
   * run shows the diff next to the reasons.
   */
  proposed: FileEdit[];
  records: MeshDnsRecord[];
  /** The clusters the change takes out of the mesh. */
  removed: string[];
  /** Why the change is refused: bad input, or errors the change causes or depends on. */
  problems: PlanProblem[];
  /** Errors of the repository that were there before and have nothing to do with the change. */
  alreadyThere: PlanProblem[];
  /** How values are written (the FQDN's form per cluster, where the DNSEndpoint goes) and why. */
  decisions: string[];
  /** Markdown for the pull-request body. */
  summary: string;
  /** Rules failing before and passing for every cluster once the edits are applied. */
  fixedRules: string[];
  /**
   * Rules failing before and no longer failing once the edits are applied,
   * but not evaluated for some cluster (unknown is not pass).
   */
  unsettledRules: string[];
  /**
   * Rules the change is about that still fail for a cluster it configures
   * where it writes nothing (a second run): nothing it would write fixes
   * them (the failures are among `alreadyThere`).
   */
  unfixedRules: string[];
  /** The report of the repository with the edits applied. */
  report?: MeshReport;
}
