import type {
  Finding,
  FindingCode,
  Severity,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from './manifest';

/**
 * A finding as the engine makes it; the report gives each its `id`. The
 * message names the object and the cause, never the file and line.
 *
 * @public
 */
export type EngineFinding = Omit<Finding, 'id'> & {
  /**
   * The cause, when the same cause can show in many places (one undefined
   * variable referred to in twenty objects): findings with the same cause
   * key become one finding that lists what it affects.
   */
  cause?: FindingCause;
  /** Set on the one finding of a group: what its group has in common (for its id). */
  groupKey?: string;
  /**
   * Set on the finding of a Kustomization whose build is not read (another
   * source, a path not known here): what it applies is not known.
   */
  unbuilt?: boolean;
  /**
   * Set on an error that keeps nothing of the repository from being
   * applied: a Kustomization whose folder is in no form in the repository
   * (nothing there to apply, Cilium neither), or two versions of one
   * object (Flux applies both, each over the other).
   */
  holdsNothingBack?: boolean;
  /**
   * On the not-evaluated part of an optional substitution source no
   * manifest of the repository defines: the words saying its variables are
   * not known, which the report replaces where it is taken as absent (as
   * Flux skips it) because every check of its clusters was evaluated.
   */
  optionalSource?: string;
  /**
   * Set on a not-evaluated part that may change what the engine read (a
   * transformer, keys read from URLs, values not read, variables not
   * known), not only add objects it did not see (a remote resource,
   * another source): only such a part can hide a field of a found object.
   */
  mayChange?: boolean;
  /**
   * On a not-evaluated part of one HelmRelease's values (`namespace/name`):
   * it may change that release's values only, and adds no object.
   */
  valuesOf?: string;
  /** With `valuesOf`: the paths of those values it sets (`valuesFrom` targetPaths); undefined: any. */
  valuesPaths?: (string | number)[][];
  /**
   * On a not-evaluated part of a Flux Kustomization's build
   * (`namespace/name`): what it may change is in that build only.
   */
  build?: string;
  /**
   * On a part not evaluated whose Flux Kustomization sets `targetNamespace`:
   * every namespaced object it applies lands there, so it cannot provide a
   * namespaced object of another namespace (the settings in flux-system,
   * the Cilium release in kube-system).
   */
  onlyNamespace?: string;
  /**
   * On a strategic merge patch of an object that is not evaluated (it
   * comes from a remote resource): the patch as an object. What it sets is
   * set on that object whatever the rest of it is, so the checks still read
   * it (an LB IPAM address it asks for).
   */
  patchOfUnfetched?: ManifestObject;
  /** On a remote resource not fetched: its URL (whose project it is tells what it may hold). */
  remoteUrl?: string;
  /**
   * With `remoteUrl`, on a Flux Kustomization of another source: the path
   * it builds there. The same path in this repository makes the source a
   * twin of it (a private companion), whatever its owner.
   */
  remotePath?: string;
  /**
   * Set on a not-evaluated part known to hold only Flux's own controllers,
   * CRDs or another project's release manifest: it cannot provide the
   * settings, DNSEndpoint, pools or Cilium values the rules look for.
   */
  holdsNoMeshObjects?: boolean;
  /** Set on a not-evaluated part taken for CRDs (by its name, its source's or its path): a CRD looked for may be among them. */
  holdsCrds?: boolean;
  /**
   * Set on a substitution source that is not read (made outside the
   * repository): Flux substitution only gives `${VAR}`s their values, so
   * it may define a variable found missing, but adds no object and no
   * field that holds no variable.
   */
  substitutesOnly?: boolean;
  /**
   * Set on a not-evaluated part that can only leave keys of one generated
   * ConfigMap or Secret unknown (a generator's key read from a URL): it
   * matters only where something reads that object (substituteFrom,
   * valuesFrom).
   */
  onlyDataOf?: { kind: string; name: string };
  /**
   * On a substitution source: the Kustomization (`namespace/name`) whose
   * substitution it feeds; only that one's objects can get its variables.
   */
  substitutesFor?: string;
  /**
   * On a substitution source the cluster does not apply: the source
   * (`Secret flux-system/x`) and the files of the repository that define
   * it. When no cluster applies any of them, something other than Flux
   * does (a bootstrap).
   */
  missingSource?: {
    source: string;
    kind: string;
    namespace: string;
    name: string;
    definedIn: readonly string[];
    /** The keys those definitions hold, when they all say (taken for the cluster's). */
    keys?: readonly string[];
    /** Set when the cluster has it in another namespace: where, in words. */
    elsewhere?: string;
  };
};

/** A cause shared by findings, and what one of them affects. @public */
export interface FindingCause {
  /** Equal for the same cause, whatever the place (`undefined:CNPG_HOST`). */
  key: string;
  /** The cause in words, for the one finding. */
  message: string;
  /** What this place is (`ConfigMap default/x, applied by Kustomization flux-system/apps`). */
  subject: string;
}

/** A finding (the location beside the message). @public */
export function finding(
  code: FindingCode,
  severity: Severity,
  message: string,
  location?: SourceLocation,
  cluster?: string,
): EngineFinding {
  const out: EngineFinding = { code, severity, message };
  if (location) out.location = location;
  if (cluster !== undefined) out.cluster = cluster;
  return out;
}

/** The identity of a finding for de-duplication: the same cause at the same place. */
export function findingKey(f: EngineFinding): string {
  return `${f.code}|${f.location?.file ?? ''}:${f.location?.line ?? ''}|${
    f.message
  }`;
}

/** What groups findings: their cause, or the finding itself (its id's key). */
export const groupKeyOf = (f: EngineFinding) =>
  f.cause ? `${f.code}|${f.cause.key}` : findingKey(f);

/**
 * A short id for a finding, the same for the same cause in every report;
 * a finding and the one finding of its group have the same id.
 */
export function findingId(f: EngineFinding): string {
  // FNV-1a over the key: stable, short, and the same on every refresh
  let hash = 0x811c9dc5;
  const key = f.groupKey ?? groupKeyOf(f);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `f${(hash >>> 0).toString(36)}`;
}

/** How many affected places a grouped finding names (the count says the rest). */
const exampleLimit = 3;

const rank = { error: 2, warning: 1, info: 0 } as const;

/**
 * One finding per cause: findings of the same cause (or the same finding
 * found for several clusters, in a file they share) become one, which
 * counts the places it affects and names the first few.
 *
 * @public
 */
export function groupFindings(findings: EngineFinding[]): EngineFinding[] {
  const groups = new Map<string, EngineFinding[]>();
  for (const f of findings) {
    const key = groupKeyOf(f);
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()].map(group => {
    const first = group[0];
    const clusters = [
      ...new Set(
        group.flatMap(f => (f.cluster === undefined ? [] : [f.cluster])),
      ),
    ].sort();
    const places = new Map<
      string,
      { location: SourceLocation; what: string }
    >();
    for (const f of group) {
      if (!f.location) continue;
      const what = f.cause?.subject ?? f.message;
      const key = `${f.location.file}:${f.location.line}|${what}`;
      if (!places.has(key)) places.set(key, { location: f.location, what });
    }
    const { cause: _cause, ...rest } = first;
    const out: EngineFinding = {
      ...rest,
      groupKey: groupKeyOf(first),
      severity: group.reduce(
        (worst, f) => (rank[f.severity] > rank[worst] ? f.severity : worst),
        first.severity,
      ),
    };
    if (clusters.length === 1 && group.every(f => f.cluster !== undefined))
      out.cluster = clusters[0];
    else delete out.cluster;
    if (places.size > 1 || clusters.length > 1) {
      if (places.size > 1 && first.cause) out.message = first.cause.message;
      out.affects = {
        count: Math.max(places.size, 1),
        clusters,
        examples: [...places.values()].slice(0, exampleLimit),
      };
    }
    return out;
  });
}
