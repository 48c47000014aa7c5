import {
  clusterNameProblem,
  describeInvalidIp,
  hostnameProblem,
  IpAddress,
  isValidTtl,
  parseIpAddress,
  secretPlaceholder,
  ttlRange,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { MeshConventions } from '../conventions/schema';
import { clusterValues, resolveFqdnTemplate } from '../conventions/templates';

/** What the person asks for: clusters and their LB IPs, and how DNS is kept. @public */
export interface MeshDnsChangeInput {
  /**
   * Clusters to configure, each with the clustermesh-apiserver LoadBalancer
   * IP: all of the mesh, or some when the others are already configured
   * (they learn the new ones as peers).
   */
  clusters: Array<{ name: string; ip: string }>;
  /** Clusters to take out of the mesh: their settings entries, their record, every peer's entry for them. */
  remove?: string[];
  /** Record TTL (default: the conventions' `dns.ttl`). */
  ttl?: number;
  /** `externaldns` (DNSEndpoint) or `manual` (a records document). */
  mode?: 'externaldns' | 'manual';
  /** Terraform resource of the manual records snippet. */
  cloudflareResource?: 'cloudflare_record' | 'cloudflare_dns_record';
}

/** An input or planning problem: the field it concerns and why. @public */
export interface PlanProblem {
  /** The input field (`clusters[1].ip`, `ttl`) or the file. */
  field: string;
  message: string;
  /** How to fix it: the remediation of the rule whose check failed. */
  remedy?: string;
}

/**
 * A problem as the CLI, the action's log and the change summary list it:
 * where and what, then how to fix it on an indented line. `quote` wraps
 * the field (a backtick in Markdown).
 *
 * @public
 */
export function describeProblem(problem: PlanProblem, quote = ''): string {
  const head = `${quote}${problem.field}${quote}: ${problem.message}`;
  return problem.remedy ? `${head}\n    How to fix: ${problem.remedy}` : head;
}

/**
 * A cluster's FQDN as the change writes it into records: the conventions'
 * template, with the values the conventions know and secret parts as
 * `<secret:NAME>`.
 */
export function plannedFqdn(conventions: MeshConventions, cluster: string) {
  return resolveFqdnTemplate(
    conventions,
    cluster,
    name =>
      clusterValues(conventions, cluster)[name] ?? secretPlaceholder(name),
  ).resolved;
}

/**
 * Where the clusters of the repository come from, as a refusal names them:
 * the clusters folder, and the entry points the conventions give clusters
 * outside it (`entries`, given or detected).
 */
function knownClustersText(
  known: readonly string[],
  conventions: MeshConventions,
  clusterFolders: readonly string[] | undefined,
): string {
  const inFolder = known.filter(c => clusterFolders?.includes(c));
  const elsewhere = known.filter(c => !inFolder.includes(c));
  const given = conventions.provenance?.some(
    p => p.setting === 'entries' && p.source === 'conventions',
  );
  return [
    inFolder.length > 0 &&
      `${
        conventions.clustersPath
          ? `${conventions.clustersPath}/`
          : 'the top of the repository'
      } has ${inFolder.join(', ')}`,
    elsewhere.length > 0 &&
      `${
        given ? "the conventions' entries" : 'the detected entries'
      } name ${elsewhere
        .map(c => `${c} (${conventions.entries?.[c] ?? '?'})`)
        .join(', ')}`,
  ]
    .filter(Boolean)
    .join('; ');
}

/** Checks what the person asked for, naming each bad field. */
export function checkInput(
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  known: readonly string[],
  /** The folders of the clusters path (undefined: it does not exist). */
  clusterFolders: readonly string[] | undefined,
  /** The cluster whose Cilium `cluster.name` is a name, where its folder is named otherwise. */
  clusterOfCiliumName: (name: string) => string | undefined = () => undefined,
  /** Why validation finds no cluster (its no-clusters finding), read only when none is known. */
  whyNoClusters: () => string | undefined = () => undefined,
): { problems: PlanProblem[]; addresses: IpAddress[] } {
  const problems: PlanProblem[] = [];
  const addresses: IpAddress[] = [];
  const remove = input.remove ?? [];
  if (!Array.isArray(remove) || remove.some(r => typeof r !== 'string')) {
    problems.push({ field: 'remove', message: 'must list cluster names' });
    return { problems, addresses };
  }
  if (
    !Array.isArray(input.clusters) ||
    (input.clusters.length === 0 && remove.length === 0)
  ) {
    problems.push({
      field: 'clusters',
      message: 'lists no cluster (and there is nothing to remove)',
    });
    return { problems, addresses };
  }
  remove.forEach((name, i) => {
    const nameProblem = clusterNameProblem(name);
    if (nameProblem)
      problems.push({
        field: `remove[${i}]`,
        message: `"${name}" ${nameProblem}`,
      });
    else if (input.clusters.some(c => c?.name === name))
      problems.push({
        field: `remove[${i}]`,
        message: `"${name}" is also listed in clusters; a cluster is either configured or removed`,
      });
    else if (remove.indexOf(name) !== i)
      problems.push({
        field: `remove[${i}]`,
        message: `"${name}" is listed twice`,
      });
  });
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  input.clusters.forEach((c, i) => {
    const field = `clusters[${i}]`;
    // a cluster's folder is named as the repository names it (`Data`):
    // Cilium knows it by its cluster.name, which its rule checks
    let nameProblem: string | undefined = 'is missing';
    if (typeof c?.name === 'string')
      nameProblem = known.includes(c.name)
        ? undefined
        : clusterNameProblem(c.name);
    if (nameProblem) {
      problems.push({
        field: `${field}.name`,
        message: `"${c?.name ?? ''}" ${nameProblem}`,
      });
    } else if (names.has(c.name)) {
      problems.push({
        field: `${field}.name`,
        message: `"${c.name}" is listed twice`,
      });
    } else if (known.length && !known.includes(c.name)) {
      // the name Cilium knows a cluster by, not its folder's
      const named = clusterOfCiliumName(c.name);
      problems.push({
        field: `${field}.name`,
        message: `"${c.name}" is not a cluster of the repository (${
          // the conventions file's list decides, not the folders
          conventions.provenance?.some(
            p => p.setting === 'clusters' && p.source === 'conventions',
          )
            ? `the conventions' clusters list ${known.join(', ')}`
            : knownClustersText(known, conventions, clusterFolders)
        })${
          named
            ? `: it is the Cilium cluster.name of ${named}; name the cluster by its folder, ${named} (its FQDN and settings variables are made from that name)`
            : ''
        }`,
      });
    } else {
      names.set(c.name, i);
    }
    const address =
      typeof c?.ip === 'string' ? parseIpAddress(c.ip) : undefined;
    if (!address) {
      problems.push({
        field: `${field}.ip`,
        message:
          typeof c?.ip === 'string'
            ? `"${c.ip}" ${describeInvalidIp(c.ip)}`
            : 'is missing',
      });
    } else if (ips.has(address.text)) {
      problems.push({
        field: `${field}.ip`,
        // named as given: each interface names its own field
        message: `${address.text} is also the IP given to ${
          input.clusters[ips.get(address.text)!]?.name
        }; each clustermesh-apiserver needs its own`,
      });
    } else {
      ips.set(address.text, i);
    }
    if (address) addresses[i] = address;
    if (!nameProblem) {
      const fqdnProblem = hostnameProblem(plannedFqdn(conventions, c.name));
      if (fqdnProblem)
        problems.push({
          field: `${field}.name`,
          message: `its FQDN ${fqdnProblem}`,
        });
    }
  });
  if (
    input.ttl !== undefined &&
    !isValidTtl(input.ttl, conventions.dns.provider)
  ) {
    problems.push({
      field: 'ttl',
      message: `${input.ttl} is outside ${ttlRange(conventions.dns.provider)}`,
    });
  }
  if (known.length === 0) {
    // what validation says of the repository: no entry point at all, one
    // cluster, entry points at different depths (said as validate says it)
    let message = 'holds no cluster folder; is this the GitOps repository?';
    if (!clusterFolders) {
      const why = whyNoClusters();
      message = why
        ? `does not exist: ${why.replace(/^no clusters found: /, '')}`
        : 'does not exist, and no Flux entry points show clusters side by side: a repository of one cluster has no mesh to configure, and entry points at different depths need clustersPath and entryPath in the conventions to say where the clusters are (`validate` lists them)';
    }
    problems.push({ field: conventions.clustersPath, message });
  }
  return { problems, addresses };
}
