import {
  formatLocation,
  IpAddress,
  MeshReport,
  recordTypeFor,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineCache } from '../cache/EngineCache';
import type { MeshConventions } from '../conventions/schema';
import { clusterPath } from '../conventions/templates';
import { buildMeshModel, discoverClusters } from '../model/build';
import { PoolLookup, poolOfAddress } from '../model/queries';
import { reportFromModel } from '../report/report';
import type { RepoTree } from '../tree/RepoTree';
import { overlayTree } from '../tree/overlay';
import { YamlEditError } from '../yaml/edit';
import { planCilium } from './cilium';
import { planDnsEndpoint } from './dnsEndpoint';
import {
  checkInput,
  MeshDnsChangeInput,
  plannedFqdn,
  PlanProblem,
} from './input';
import { rememberLineEdits } from './lineEdits';
import { planRecordsDocument } from './recordsDocument';
import { planSettings } from './settings';
import { summaryMarkdown } from './summary';
import { EditSet, FileEdit, PlanError } from './transaction';

/** What planning reads with. @public */
export interface PlanOptions {
  /** What is remembered between validations; a fresh cache when absent. */
  cache?: EngineCache;
}

/** A DNS record the change makes (or asks a person to make). @public */
export interface MeshDnsRecord {
  cluster: string;
  /** As Flux inserts it; secret parts as `<secret:NAME>`. */
  fqdn: string;
  type: 'A' | 'AAAA';
  value: string;
  ttl: number;
}

/** @public */
export interface MeshDnsChangePlan {
  /** Empty when there are problems: nothing is half-changed. */
  edits: FileEdit[];
  records: MeshDnsRecord[];
  problems: PlanProblem[];
  /** Markdown for the pull-request body. */
  summary: string;
  /** Rules failing before and passing once the edits are applied. */
  fixedRules: string[];
  /** The report of the repository with the edits applied. */
  report?: MeshReport;
}

/**
 * Plans the ClusterMesh DNS change of the story for any number of clusters:
 * cluster settings (FQDN, LB IP, peer FQDNs), the DNSEndpoint or the records
 * document, and the Cilium values (LoadBalancer service, LB IPAM annotation,
 * peers by FQDN, the FQDN in the server certificate). Pure: returns whole
 * files, writes nothing. The plan is validated with the rule catalog; on any
 * problem it has no edits.
 *
 * @public
 */
export function planMeshDnsChange(
  tree: RepoTree,
  input: MeshDnsChangeInput,
  baseConventions: MeshConventions,
  options: PlanOptions = {},
): MeshDnsChangePlan {
  const cache = options.cache ?? new EngineCache();
  const conventions: MeshConventions = {
    ...baseConventions,
    dns: {
      ...baseConventions.dns,
      ttl: input.ttl ?? baseConventions.dns.ttl,
      mode: input.mode ?? baseConventions.dns.mode,
    },
  };
  const empty = (problems: PlanProblem[]): MeshDnsChangePlan => ({
    edits: [],
    records: [],
    problems,
    summary: `The change was not planned:\n\n${problems
      .map(p => `- \`${p.field}\`: ${p.message}`)
      .join('\n')}\n`,
    fixedRules: [],
  });
  const known = discoverClusters(cache.treeIndex(tree), conventions);
  const { problems, addresses } = checkInput(input, conventions, known);
  if (problems.length) return empty(problems);

  const planned = planEdits(
    tree,
    input,
    conventions,
    addresses,
    problems,
    cache,
  );
  if ('problems' in planned) return empty(planned.problems);
  const { fileEdits, records, failingBefore } = planned;
  const after = reportFromModel(
    buildMeshModel(
      overlayTree(tree, new Map(fileEdits.map(e => [e.path, e.after]))),
      conventions,
      { cache },
    ),
  );
  const errors = [
    ...after.findings
      .filter(f => f.severity === 'error')
      .map(f => ({
        field: f.location ? formatLocation(f.location) : 'repository',
        message: f.message,
      })),
    ...[...after.clusters.flatMap(c => c.checks), ...after.meshChecks]
      .filter(c => c.outcome === 'fail' && c.severity === 'error')
      .map(c => ({
        field: c.location
          ? formatLocation(c.location)
          : c.cluster ?? 'repository',
        message: `[${c.ruleId}] ${c.cluster ? `${c.cluster}: ` : ''}${
          c.message
        }`,
      })),
  ];
  if (errors.length) return { ...empty(errors), report: after };

  const nowFailing = failingRules(after);
  const fixedRules = [...failingBefore]
    .filter(id => !nowFailing.has(id))
    .sort();
  return {
    edits: fileEdits,
    records,
    problems: [],
    summary: summaryMarkdown(fileEdits, records, fixedRules, after),
    fixedRules,
    report: after,
  };
}

/**
 * The edits for a valid input, planned on the model of the repository as
 * it is, with the rules that fail on it now; the model goes when this
 * returns, before the edited repository is validated.
 */
function planEdits(
  tree: RepoTree,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
  problems: PlanProblem[],
  cache: EngineCache,
):
  | { problems: PlanProblem[] }
  | {
      fileEdits: FileEdit[];
      records: MeshDnsRecord[];
      failingBefore: Set<string>;
    } {
  const before = buildMeshModel(tree, conventions, { cache });
  const ttl = conventions.dns.ttl;
  const records: MeshDnsRecord[] = input.clusters.map((c, i) => ({
    cluster: c.name,
    fqdn: plannedFqdn(conventions, c.name),
    type: recordTypeFor(addresses[i].family),
    value: addresses[i].text,
    ttl,
  }));
  input.clusters.forEach((c, i) => {
    const problem = poolProblem(
      poolOfAddress(before, before.byName.get(c.name)!, addresses[i]),
      c,
      conventions,
    );
    if (problem)
      problems.push({ field: `clusters[${i}].ip`, message: problem });
  });
  const families = new Set(records.map(r => r.type));
  if (
    families.size > 1 &&
    conventions.dns.mode === 'externaldns' &&
    !conventions.cilium.valuesFile
  ) {
    problems.push({
      field: 'clusters',
      message:
        'mixes IPv4 and IPv6 addresses; one shared DNSEndpoint entry cannot carry both record types',
    });
  }
  if (problems.length) return { problems };

  const edits = new EditSet(tree, cache.treeIndex(tree), cache.yamlFiles(tree));
  try {
    planSettings(edits, before, input, conventions, addresses);
    planCilium(edits, before, input, conventions);
    if (conventions.dns.mode === 'externaldns')
      planDnsEndpoint(edits, conventions, records[0].type);
    else planRecordsDocument(edits, conventions, records, input);
  } catch (error) {
    if (error instanceof PlanError)
      return { problems: [{ field: error.field, message: error.message }] };
    if (error instanceof YamlEditError)
      return { problems: [{ field: error.file, message: error.message }] };
    throw error;
  }

  const fileEdits = edits.edits();
  // files changed line by line are read again from what they read as before
  for (const e of fileEdits) {
    const lines = edits.lineEdits(e.path);
    if (lines && e.before !== undefined)
      rememberLineEdits(cache, e.path, e.before, e.after, lines);
  }
  return {
    fileEdits,
    records,
    failingBefore: failingRules(reportFromModel(before)),
  };
}

/** Why an address cannot be the cluster's LB IP, as Cilium LB IPAM decides; undefined when it can. */
function poolProblem(
  found: PoolLookup,
  cluster: { name: string; ip: string },
  conventions: MeshConventions,
): string | undefined {
  const { name, ip } = cluster;
  switch (found.kind) {
    case 'no-pools':
      return `${name} has no CiliumLoadBalancerIPPool to take ${ip} from (expected in ${clusterPath(
        conventions.pools.file,
        name,
      )})`;
    case 'outside':
      return `${ip} is outside the LB IPAM pools of ${name} (${found.pools
        .filter(p => !p.disabled)
        .flatMap(p => p.blocks.map(b => `${p.name}: ${b.text}`))
        .join(', ')})`;
    case 'disabled':
      return `${ip} is only in the disabled pool ${found.pool.name} of ${name}`;
    case 'not-admitted':
      return `${ip} is in pool ${found.pool.name} of ${name}, but its serviceSelector does not admit the ${conventions.cilium.serviceName} service`;
    default:
      return undefined;
  }
}

/** The ids of the rules that fail somewhere in a report. */
function failingRules(report: MeshReport): Set<string> {
  return new Set(
    [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
      .filter(c => c.outcome === 'fail')
      .map(c => c.ruleId),
  );
}
