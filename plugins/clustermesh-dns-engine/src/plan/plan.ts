import {
  CheckResult,
  formatLocation,
  IpAddress,
  IpRange,
  MeshReport,
  parseIpAddress,
  rangeOverlap,
  recordTypeFor,
  RuleId,
  secretPlaceholderPattern,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineCache } from '../cache/EngineCache';
import { firstFew, inWords } from '../core/text';
import { substituteObject } from '../flux/substitute';
import { envsubst, referencedVariables } from '../flux/envsubst';
import { getPath, isRecord } from '../core/paths';
import { externalSourceCause, substitutionProblemAt } from '../flux/render';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import type { MeshConventions } from '../conventions/schema';
import { clusterPath } from '../conventions/templates';
import { buildMeshModel, discoverClusters } from '../model/build';
import { clusterRefs, refGroups, saidRefGroups } from '../model/sourceRefs';
import {
  inRepositoryLayout,
  metalLbPoolApplied,
  metalLbRemedy,
  otherLoadBalancerNote,
  poolsOutsideFlux,
  PoolLookup,
  poolOfAddress,
  poolsHolding,
  publishedDomainsOf,
  secretSourceOf,
  shareNetwork,
  unappliedPoolHolding,
  unevaluatedPartsNote,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { blockHolding, type PoolModel } from '../cilium/pools';
import { apiserverLabelsToGive, ciliumValuesPaths } from '../cilium/values';
import type { LabelSelector } from '../k8s/labelSelector';
import { reportFromModel } from '../report/report';
import { dirnamePath, normalizePath, RepoTree } from '../tree/RepoTree';
import { readTextFile } from '../yaml/decode';
import { overlayTree } from '../tree/overlay';
import { YamlEditError } from '../yaml/edit';
import {
  ChangeContext,
  committedFqdn,
  decideChange,
  resolvedFqdn,
} from './change';
import { bootstrapReader } from '../flux/bootstrapReads';
import { planCilium } from './cilium';
import { planDnsEndpoint, splitDnsNote } from './dnsEndpoint';
import { checkInput, MeshDnsChangeInput, PlanProblem } from './input';
import { rememberLineEdits } from './lineEdits';
import { documentListsCluster } from '../model/recordsDocument';
import { planHostsEntries } from './coreDnsHosts';
import { planRecordsDocument } from './recordsDocument';
import { nameSettingsReaders, planSettings } from './settings';
import { summaryMarkdown } from './summary';
import { EditSet, FileEdit, PlanError } from './transaction';
import { gitIgnoredBy } from '../tree/gitIgnore';
import type { MeshDnsChangePlan, MeshDnsRecord } from './types';
import { buildBreaking, judgeChange } from './verdict';

export type { MeshDnsChangePlan, MeshDnsRecord } from './types';

/** What planning reads with. @public */
export interface PlanOptions {
  /** What is remembered between validations; a fresh cache when absent. */
  cache?: EngineCache;
}

/**
 * Plans the ClusterMesh DNS change of the story for any number of clusters,
 * on a new mesh or a running one: cluster settings (FQDN, LB IP, peer
 * FQDNs), the DNSEndpoint or the records document, and the Cilium values
 * (LoadBalancer service, LB IPAM annotation, peers by FQDN, the FQDN in the
 * server certificate); a run may configure some clusters (the others learn
 * them as peers), give one a new address, or take clusters out. Each value
 * is written where it resolves as Flux applies it. Pure: returns whole
 * files, writes nothing. The result is validated with the rule catalog: the
 * change is refused for the errors it causes or depends on, and lists the
 * others as already there.
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
  const refused = (
    problems: PlanProblem[],
    rest: Partial<MeshDnsChangePlan> = {},
  ): MeshDnsChangePlan => {
    const plan: MeshDnsChangePlan = {
      edits: [],
      proposed: [],
      records: [],
      removed: input.remove ?? [],
      alreadyThere: [],
      decisions: [],
      fixedRules: [],
      unsettledRules: [],
      unfixedRules: [],
      ...rest,
      problems,
      summary: '',
    };
    plan.summary = summaryMarkdown(plan);
    return plan;
  };
  // the clusters as validation finds them: in the whole repository
  const index = cache.treeIndex(tree);
  const known = discoverClusters(index, conventions);
  let model: MeshModel | undefined;
  const { problems, addresses } = checkInput(
    input,
    conventions,
    known,
    index.isDir(conventions.clustersPath)
      ? index.list(conventions.clustersPath).dirs
      : undefined,
    // read only to explain a name that is no cluster's folder
    name =>
      (model ??= buildMeshModel(tree, conventions, { cache })).clusters.find(
        c => c.ciliumName === name,
      )?.name,
    () =>
      (model ??= buildMeshModel(tree, conventions, { cache })).findings.find(
        f => f.code === 'no-clusters',
      )?.message,
  );
  if (problems.length) return refused(problems);

  const planned = planEdits(tree, input, conventions, addresses, cache);
  if ('problems' in planned) return refused(planned.problems);
  const { fileEdits, records, before, context, inputProblems, statedByInput } =
    planned;
  // a new file git leaves out would be missing from the commit and the
  // pull request, and the next validation of a clone would not see it
  const ignoredBy = gitIgnoredBy(tree);
  const leftOut = fileEdits.flatMap(e => {
    const by = e.before === undefined ? ignoredBy(e.path) : undefined;
    return by
      ? [
          {
            field: e.path,
            message: `would be created, but ${by.file} leaves it out of git (\`${by.pattern}\`): the commit and the pull request of the change would not hold it`,
            remedy: `Let git take it (un-ignore it, and its folder, in ${
              by.file
            }), or keep it where the repository keeps its files${
              e.path === conventions.dns.recordsDocument
                ? " (the conventions' dns.recordsDocument)"
                : ''
            }; then run the change again.`,
          },
        ]
      : [];
  });
  if (leftOut.length) return refused(leftOut);
  // nothing to write (a second run): the repository after is the one before
  const afterModel = fileEdits.length
    ? buildMeshModel(
        overlayTree(tree, new Map(fileEdits.map(e => [e.path, e.after]))),
        conventions,
        { cache },
      )
    : undefined;
  if (afterModel) nameSettingsReaders(fileEdits, context, afterModel);
  const after = afterModel ? reportFromModel(afterModel) : before;
  const written = new Set(fileEdits.map(e => e.path));
  const broken = afterModel ? brokenBuildsOf(afterModel, written) : undefined;
  const verdict = judgeChange(
    before,
    after,
    written,
    new Set([...context.configured.keys(), ...context.removed]),
    afterModel ? buildFoldersOf(afterModel, written) : [],
    statedByInput,
    broken?.appliers,
    knownOnlyNow(context, fileEdits),
    broken?.paths,
  );
  const nowFailing = outcomesOf(after, 'fail');
  const nowUnevaluated = outcomesOf(after, 'not-evaluated');
  const noLongerFailing = [...outcomesOf(before, 'fail')]
    .filter(id => !nowFailing.has(id))
    .sort();
  // now passing: not merely not applicable any more (a DNSEndpoint rule
  // in manual mode)
  const nowPassing = outcomesOf(after, 'pass');
  const fixedRules = noLongerFailing.filter(
    id => !nowUnevaluated.has(id) && nowPassing.has(id),
  );
  const unsettledRules = noLongerFailing.filter(id => nowUnevaluated.has(id));
  const modeNote = [
    ...detectedModeNote(baseConventions, input.mode),
    ...dnsModeNote(baseConventions, input.mode),
  ];
  const result = {
    proposed: fileEdits,
    records,
    alreadyThere: verdict.alreadyThere,
    // one cause of several clusters' Kustomizations of one name is said once
    decisions: [
      ...new Set([
        ...context.notes,
        ...modeNote,
        ...bootstrapNotes(context, fileEdits),
        ...rolloutNotes(context, fileEdits),
        ...renderedFromTemplates(tree, fileEdits),
      ]),
    ],
    report: after,
  };
  // with substitution that is not strict, what the change would empty is
  // said here: nothing fails in the result to show it
  const emptied =
    afterModel && !conventions.flux.strictSubstitution
      ? emptiedByNewSubstitution(context, afterModel)
      : [];
  if (inputProblems.length || verdict.caused.length || emptied.length)
    return refused([...inputProblems, ...verdict.caused, ...emptied], result);
  const plan: MeshDnsChangePlan = {
    ...result,
    // what was taken out: a name nothing knew is said in the decisions only
    removed: (input.remove ?? []).filter(
      name => !context.unknownRemoved.includes(name),
    ),
    edits: fileEdits,
    problems: [],
    fixedRules,
    unsettledRules,
    unfixedRules: verdict.unfixed,
    summary: '',
  };
  plan.summary = summaryMarkdown(plan);
  return plan;
}

/** Whether every address of a block is in another block. */
function coveredBlock(
  block: IpRange | undefined,
  by: IpRange | undefined,
): boolean {
  const overlap = block && by && rangeOverlap(block, by);
  return (
    overlap !== undefined &&
    overlap.first === block!.first &&
    overlap.last === block!.last
  );
}

/**
 * How the change reaches a running mesh, where that is not at once: the
 * configured clusters that reach their peers by IP today (`ips` in
 * clustermesh.config.clusters, a NodePort mesh) reach them by FQDN after
 * it, at LB IPs (their services made LoadBalancers by the same change,
 * where they are not yet); a member moved to another address is reached
 * there once its record gives it (resolvers keep the old one up to the
 * TTL).
 */
function rolloutNotes(ctx: ChangeContext, fileEdits: FileEdit[]): string[] {
  if (!fileEdits.length) return [];
  const notes: string[] = [];
  // read from the values as they are: a mesh's every cluster lists every peer
  const pinned = (e: unknown) => isRecord(e) && e.ips !== undefined;
  const byIp = [...ctx.configured.keys()].filter(name => {
    const listed = getPath(
      ctx.mesh.byName.get(name)?.cilium?.values,
      ciliumValuesPaths.meshClusters,
    );
    return Array.isArray(listed)
      ? listed.some(pinned)
      : isRecord(listed) && Object.values(listed).some(pinned);
  });
  if (byIp.length) {
    const one = byIp.length === 1;
    // the services this change makes LoadBalancers: their addresses, which
    // the peers reach after it, answer only once it is applied
    const notYet = [...ctx.configured.keys()].filter(
      name =>
        getPath(
          ctx.mesh.byName.get(name)?.cilium?.values,
          ciliumValuesPaths.serviceType,
        ) !== 'LoadBalancer',
    );
    const names =
      ctx.conventions.dns.mode === 'manual'
        ? 'the records created at the DNS provider before it is merged'
        : 'ExternalDNS publishes them once Flux applies the DNSEndpoints';
    notes.push(
      `${inWords(byIp)} ${
        one ? 'reaches its' : 'reach their'
      } peers by IP today (ips in clustermesh.config.clusters); after this change ${
        one ? 'it reaches' : 'they reach'
      } them by FQDN, at their LB IPs: ${
        notYet.length
          ? `the clustermesh-apiserver ${
              notYet.length > 1 ? 'services' : 'service'
            } of ${inWords(notYet)} ${
              notYet.length > 1
                ? 'become LoadBalancers'
                : 'becomes a LoadBalancer'
            } with this change, so ${
              notYet.length > 1
                ? 'those addresses answer'
                : 'that address answers'
            } only once it is applied and announced, and the running mesh's connections drop until then and until the names resolve (${names}); to keep it connected, make the services LoadBalancers in a change of their own first, then this one`
          : `the connections hold only where those names resolve (${names}) and the LB IPs answer (announced): until then the running mesh loses them`
      }.`,
    );
  }
  // a mesh taken apart down to one member: it keeps ClusterMesh on alone
  if (ctx.removed.size && ctx.members.length === 1)
    notes.push(
      `${ctx.members[0]} is the mesh's last member after this change: its Cilium values keep ClusterMesh on with no peer, which does no harm; switch it off there (then --remove ${ctx.members[0]} takes its entries out), or name another cluster in a later run to give it a peer.`,
    );
  const moved = [...ctx.configured].flatMap(([name, address]) => {
    const cluster = ctx.mesh.byName.get(name);
    const was = cluster?.lbIpAddress?.text;
    return cluster?.membership.member && was && was !== address.text
      ? [`${name} from ${was} to ${address.text}`]
      : [];
  });
  if (moved.length)
    notes.push(
      `${inWords(moved)}: the ${
        moved.length > 1
          ? 'services take their new addresses'
          : 'service takes its new address'
      } when Flux applies the change (each Kustomization at its next reconcile, at its own interval: the service and the record may disagree until both have; \`flux reconcile kustomization <name>\` hurries one), and the peers reach ${
        moved.length > 1 ? 'them' : 'it'
      } there once the ${moved.length > 1 ? 'records give' : 'record gives'} ${
        moved.length > 1 ? 'them' : 'it'
      }${
        ctx.conventions.dns.mode === 'manual'
          ? ' (changed at the DNS provider by hand, at the same time)'
          : ''
      }; resolvers may answer with the old address for as long as the old record's TTL.`,
    );
  return notes;
}

/**
 * Where the branch these files are from is not known (a folder without
 * `.git`, as a scaffolder's fetch gives it) and the clusters the change
 * touches (those named, the mesh's members learning them) reconcile this
 * repository at different refs: the change lands on one branch, and a
 * cluster on another never applies it.
 */
function refsApartOnUnknownBranch(
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
): PlanProblem | undefined {
  if (conventions.flux.branch !== undefined) return undefined;
  const named = new Set([
    ...input.clusters.map(c => c.name),
    ...(input.remove ?? []),
  ]);
  const touched = mesh.clusters.filter(
    c => named.has(c.name) || c.membership.member,
  );
  const groups = refGroups(clusterRefs(touched, conventions), touched);
  if (groups.length < 2) return undefined;
  return {
    field: 'clusters',
    message: `the clusters this change touches reconcile this repository at different refs (${saidRefGroups(
      groups,
    )}), and which branch these files are from is not known (no branch is checked out: no .git/HEAD, or a detached one): the change lands on one branch, which the clusters on another never apply`,
    remedy:
      "Name the branch these files are from (--branch, the action's branch input, or flux.branch in the conventions): a cluster on another branch is then refused, to be configured in a change to its own branch.",
  };
}

/**
 * The edits for a valid input, planned on the model of the repository as
 * it is, with its report; the model goes when this returns, before the
 * edited repository is validated.
 */
function planEdits(
  tree: RepoTree,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
  cache: EngineCache,
):
  | { problems: PlanProblem[] }
  | {
      fileEdits: FileEdit[];
      records: MeshDnsRecord[];
      before: MeshReport;
      context: ChangeContext;
      /** Input problems the edits could still be planned with (an address outside its pool). */
      inputProblems: PlanProblem[];
      /** The failed checks those input problems already state (`ruleId|cluster`). */
      statedByInput: ReadonlySet<string>;
    } {
  const mesh = buildMeshModel(tree, conventions, { cache });
  // a cluster whose Flux reconciles another branch: its files are not
  // these, and a change here is not what it applies
  const onOtherBranch = input.clusters.flatMap((c, i) => {
    const elsewhere = mesh.byName.get(c.name)?.otherBranch;
    return elsewhere
      ? [
          {
            field: `clusters[${i}].name`,
            message: `${c.name}: its Flux reconciles ${
              elsewhere.ref
            } (${formatLocation(
              elsewhere.location,
            )}), not the branch read here: a change written here is not what it applies`,
            remedy:
              elsewhere.branch !== undefined
                ? `Configure ${c.name} on a checkout of ${elsewhere.branch}, in a change to that branch (--branch only names the branch the files are from: they must be that branch's).`
                : `Configure ${c.name} where its ${elsewhere.ref} is cut from, then move its ref to include the change (--branch only names the branch the files are from: they must be that branch's).`,
          },
        ]
      : [];
  });
  if (onOtherBranch.length) return { problems: onOtherBranch };
  const branchUnknown = refsApartOnUnknownBranch(mesh, input, conventions);
  if (branchUnknown) return { problems: [branchUnknown] };
  const undefinedDomain = undefinedTemplateVariables(mesh);
  if (undefinedDomain) return { problems: [undefinedDomain] };
  const inputProblems: PlanProblem[] = [];
  const statedByInput = new Set<string>();
  const removed = new Set(input.remove ?? []);
  // the pool of another member that holds each address, if one does
  const heldElsewhere = input.clusters.map((c, i) => {
    for (const other of mesh.members) {
      if (other.name === c.name || removed.has(other.name)) continue;
      // most members hold no pool with the address: the cheap test first
      if (!poolsHolding(other, addresses[i]).length) continue;
      const found = poolOfAddress(mesh, other, addresses[i]);
      if (found.kind === 'in-pool' || found.kind === 'not-admitted')
        return { other, found };
    }
    return undefined;
  });
  input.clusters.forEach((c, i) => {
    // the rule switched off in the conventions: another controller gives
    // the address (samipsolutions' MetalLB on Cilium 1.12), not refused
    if (conventions.rules['lb-ip-in-pool'] === 'off') return;
    const cluster = mesh.byName.get(c.name)!;
    const found = poolOfAddress(mesh, cluster, addresses[i]);
    // pools installed with a Cilium Flux does not apply are not seen here:
    // not known to be missing (validate says so)
    if (found.kind === 'no-pools' && poolsOutsideFlux(mesh, cluster)) return;
    const problem = poolProblem(
      found,
      c,
      conventions,
      unevaluatedPartsNote(cluster),
      file => inRepositoryLayout(mesh.repository, file),
      otherLoadBalancerNote(cluster, addresses[i]),
      heldElsewhere[i] &&
        `pool "${heldElsewhere[i]!.found.pool.name}" of ${
          heldElsewhere[i]!.other.name
        }`,
      found.kind === 'outside' || found.kind === 'no-pools'
        ? unappliedPoolHolding(mesh, cluster, addresses[i])
        : undefined,
    );
    if (problem) {
      // MetalLB's addresses: the ways out (samipsolutions' copy had none)
      if (!problem.remedy && metalLbPoolApplied(cluster))
        problem.remedy = metalLbRemedy;
      inputProblems.push({ field: `clusters[${i}].ip`, ...problem });
      statedByInput.add(`lb-ip-in-pool|${c.name}`);
    }
  });
  // an address a cluster this run leaves as it is keeps: one cause, said
  // once, on the input that causes it
  const given = new Set(input.clusters.map(c => c.name));
  const kept = new Map<string, ClusterModel>();
  for (const m of mesh.members)
    if (m.lbIpAddress && !given.has(m.name) && !removed.has(m.name))
      kept.set(m.lbIpAddress.text, m);
  input.clusters.forEach((c, i) => {
    const holder = kept.get(addresses[i].text);
    if (!holder) return;
    const where = holder.lbIp?.location;
    inputProblems.push({
      field: `clusters[${i}].ip`,
      message: `${addresses[i].text} is the LB IP of ${holder.name}${
        where ? ` (${formatLocation(where)})` : ''
      }, which this run does not re-address`,
      remedy: `Give ${c.name} an address of its pool that no other cluster has, or give ${holder.name} another address in the same run.`,
    });
    statedByInput.add(`lb-ip-unique|${c.name}`);
    statedByInput.add(`lb-ip-unique|${holder.name}`);
  });
  // an address another cluster's pools also hold: its LB IPAM may give it
  // to one of its own services (pools-disjoint says the overlap; the note
  // says what it means for this address)
  const sharedAddresses: string[] = [];
  input.clusters.forEach((c, i) => {
    const held = heldElsewhere[i];
    // outside its own pools: the refusal says whose address it is
    if (!held || statedByInput.has(`lb-ip-in-pool|${c.name}`)) return;
    const { other, found } = held;
    // the cluster's own block all inside the other's (two pools of one
    // /24): no address of it is free of the overlap, which is there already
    const own = poolOfAddress(mesh, mesh.byName.get(c.name)!, addresses[i]);
    const inside =
      own.kind === 'in-pool' && found.kind === 'in-pool'
        ? coveredBlock(own.block.range, found.block.range)
        : false;
    const message = `${addresses[i].text} is also in pool "${
      found.pool.name
    }" of ${other.name} (${formatLocation(
      found.kind === 'in-pool' ? found.block.location : found.pool.location,
    )}): its LB IPAM may give it to one of its own services, and both clusters would answer for it${
      inside && own.kind === 'in-pool' && found.kind === 'in-pool'
        ? `; ${
            formatLocation(own.block.location) ===
            formatLocation(found.block.location)
              ? `both clusters apply that one pool`
              : `every address of block ${own.block.range!.text} of its pool "${
                  own.pool.name
                }" (${formatLocation(
                  own.block.location,
                )}) is in that pool too: the pools overlap already`
          } (pools-disjoint), so no address of it is free of the overlap`
        : ''
    }`;
    const remedy = inside
      ? `Make the pools of ${c.name} and ${other.name} disjoint (pools-disjoint), then give ${c.name} an address of its own pool; clusters on separate networks are listed apart in \`pools.networks\` of the conventions.`
      : `Give ${c.name} an address no other cluster's pool holds, or make the pools disjoint (pools-disjoint); clusters on separate networks are listed apart in \`pools.networks\` of the conventions.`;
    // pools that pools-disjoint compares (one network, both for the
    // apiserver): the address is the overlap that check fails, and the
    // change depends on it
    const oneNetwork = shareNetwork(mesh, c.name, other.name);
    // the team runs pools-disjoint as a warning (or not at all): the
    // overlap is theirs to keep, said, not refused, as validate says it
    const disjointFails =
      (conventions.rules['pools-disjoint'] ?? 'error') === 'error';
    if (found.kind === 'in-pool' && oneNetwork && disjointFails) {
      inputProblems.push({ field: `clusters[${i}].ip`, message, remedy });
      statedByInput.add(`pools-disjoint|${c.name}`);
      statedByInput.add(`pools-disjoint|${other.name}`);
    } else if (oneNetwork)
      // on separate networks (pools.networks) an address each holds is
      // each network's own
      sharedAddresses.push(
        `${c.name}: ${message}; ${remedy[0].toLowerCase()}${remedy.slice(1)}`,
      );
  });
  const decided = decideChange(
    mesh,
    input,
    conventions,
    addresses,
    bootstrapReader(tree),
  );
  // what the cluster lacks (Cilium itself) before what its address lacks
  if ('problems' in decided)
    return { problems: [...decided.problems, ...inputProblems] };
  const context = decided.context;
  context.notes.push(...sharedAddresses);
  let records = recordsOf(
    context,
    mesh,
    input.clusters.map(c => c.name),
  );

  const edits = new EditSet(
    tree,
    cache.treeIndex(tree, conventions.flux.sourceIgnore),
    cache.yamlFiles(tree),
  );
  try {
    planSettings(edits, context);
    planCilium(edits, context);
    if (conventions.dns.mode === 'externaldns') {
      if (context.configured.size || context.removed.size)
        planDnsEndpoint(edits, context);
      const split = splitDnsNote(context, [...context.configured.keys()]);
      if (split) context.notes.push(split);
    } else {
      const inHosts = planHostsEntries(edits, context);
      // answered from hosts entries: with their TTL, not the records'
      records = records.map(r =>
        inHosts.has(r.cluster) ? { ...r, ttl: inHosts.get(r.cluster)! } : r,
      );
      // records the peers' CoreDNS keeps need no row, unless they have one
      const document = edits.before(conventions.dns.recordsDocument);
      const listed = [
        ...context.members.filter(
          c =>
            !inHosts.has(c) ||
            (document !== undefined && documentListsCluster(document, c)),
        ),
        // one whose membership is not known here (its switch a Secret's
        // value) keeps the row it has: only --remove takes it out
        ...mesh.clusters
          .filter(
            c =>
              c.membershipUnknown &&
              !context.removed.has(c.name) &&
              !context.members.includes(c.name) &&
              document !== undefined &&
              documentListsCluster(document, c.name),
          )
          .map(c => c.name),
      ];
      // the peers' names a k8s_gateway may hide (not those in hosts entries)
      const split = splitDnsNote(
        context,
        [...context.configured.keys()].filter(c => !inHosts.has(c)),
      );
      if (split) context.notes.push(split);
      if (listed.length || document !== undefined)
        planRecordsDocument(
          edits,
          conventions,
          // a committed file: secret values stay variables
          recordsOf(context, mesh, listed).map(r => ({
            ...r,
            fqdn: committedFqdn(context, r.cluster, true),
          })),
          input,
          variable => valuesDifferAcross(mesh, listed, variable),
          context.notes,
        );
    }
  } catch (error) {
    if (error instanceof PlanError)
      return {
        problems: [
          ...inputProblems,
          ...[error, ...error.also].map(e => ({
            field: e.field,
            message: e.message,
            ...(e.remedy && { remedy: e.remedy }),
          })),
        ],
      };
    if (error instanceof YamlEditError)
      return {
        problems: [
          ...inputProblems,
          { field: error.file, message: error.detail },
        ],
      };
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
    before: reportFromModel(mesh),
    context,
    inputProblems,
    statedByInput,
  };
}

/**
 * What a Kustomization that applied its files verbatim loses when the
 * change has it substitute from the settings: Flux then reads every
 * `${...}` in them, and, not strict, replaces each it has no value for by
 * nothing (the `${1}` of a Prometheus relabeling). Each such
 * Kustomization once, with the places.
 */
function emptiedByNewSubstitution(
  ctx: ChangeContext,
  after: MeshModel,
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const seen = new Set<RenderedKustomization>();
  for (const [cluster, target] of ctx.settings) {
    const wired = target.wires;
    if (!wired || wired.postBuild || seen.has(wired)) continue;
    seen.add(wired);
    const now = after.byName
      .get(cluster)
      ?.render.kustomizations.find(k => k.key === wired.key);
    if (!now) continue;
    const places: string[] = [];
    const variables = new Set<string>();
    const known = (name: string) => now.variables.value(name);
    for (const object of wired.objects) {
      // a CRD's `${...}` are in its documentation (Flux's own CRDs quote
      // substitution examples): emptying them changes no behaviour
      if (object.kind === 'CustomResourceDefinition') continue;
      for (const problem of substituteObject(object, now.variables, {
        strict: true,
      }).problems) {
        if (problem.reason !== 'undefined' || !problem.variable) continue;
        const text = getPath(object.body, problem.path);
        // every such reference of the value (a values file is one value)
        for (const [name, offsets] of undefinedReferences(
          typeof text === 'string' ? text : '',
          known,
          problem.variable,
        )) {
          variables.add(`\${${name}}`);
          for (const offset of offsets.length ? offsets : [undefined])
            places.push(
              formatLocation(
                substitutionProblemAt(
                  object,
                  { ...problem, variable: name },
                  offset,
                  ctx.mesh.repository.readText,
                ),
              ),
            );
        }
      }
    }
    if (!places.length) continue;
    // the reference found, escaped: what the owner writes
    const example = [...variables][0];
    problems.push({
      field: wired.object?.source.file ?? places[0],
      message: `Kustomization ${
        wired.key
      } applies its files as written today; this change has it substitute from the settings, and this repository's Flux (not strict) would then replace ${firstFew(
        [...variables],
      )}, which no source defines, by nothing (an empty value), at ${firstFew(
        places,
      )}`,
      remedy: `Escape each as $\${...} (\`$${example}\`, which Flux writes as \`${example}\`); or, where it is meant as a Flux variable, give it a value or a default (\`\${NAME:=value}\`); or have Flux leave an object as written (annotation \`kustomize.toolkit.fluxcd.io/substitute: disabled\`); then configure again.`,
    });
  }
  return problems;
}

/**
 * The variables of a value that strict substitution finds undefined, each
 * with the offsets of its uses with no default (`${1}`, not `${1:=x}` nor
 * the escaped `$${1}`); the first found is given.
 */
function undefinedReferences(
  text: string,
  known: (name: string) => string | undefined,
  first: string,
): Map<string, number[]> {
  const found = new Map<string, number[]>();
  let name: string | undefined = first;
  while (name !== undefined && !found.has(name)) {
    const offsets: number[] = [];
    const reference = `\${${name}}`;
    for (
      let at = text.indexOf(reference);
      at >= 0;
      at = text.indexOf(reference, at + 1)
    )
      if (text[at - 1] !== '$') offsets.push(at);
    found.set(name, offsets);
    // the next one, with those found so far given a value
    const result = envsubst(
      text,
      n => known(n) ?? (found.has(n) ? '' : undefined),
      { strict: true },
    );
    name = result.ok ? undefined : result.variable;
  }
  return found;
}

/**
 * A variable of the FQDN template that nothing defines (the default
 * template's SECRET_DOMAIN in a repository without it): no file mentions
 * it and no source of unknown keys (made outside the repository) reaches a
 * Kustomization that may hold it. Flux never substitutes it, and a value
 * given to the run stays out of the files, so no layout can hold the FQDN:
 * said first, with the template that names the domain.
 */
function undefinedTemplateVariables(mesh: MeshModel): PlanProblem | undefined {
  const { conventions } = mesh;
  const template = conventions.fqdnTemplate;
  // a generator's templates (makejinja's `*.j2`, rendered into the
  // files the clusters take) do not count (chrishrb's bootstrap/templates)
  const generatorTemplate = (file: string) =>
    /\.(?:j2|jinja2?|tmpl|tpl)$/.test(file);
  const absent = referencedVariables(template).filter(
    v =>
      !mesh.repository.mentions(v, generatorTemplate) &&
      !mesh.clusters.some(c =>
        c.render.kustomizations.some(k => k.variables.get(v) !== undefined),
      ),
  );
  if (!absent.length) return undefined;
  const example = envsubst(
    template,
    v => conventions.values[v] ?? `<${v === absent[0] ? 'domain' : v}>`,
    { strict: false },
  );
  const one = absent.length === 1;
  // the domain given to this run, and those the clusters' ExternalDNS
  // publish in (LeoEliot's RFC 2136 zone): the names they use
  // a domain that is a secret's (a variable of SOPS-encrypted settings,
  // known here only by a value given to the run: abrondijk's
  // PRIMARY_SECRET_DOMAIN) is offered as its variable, never written out
  const asVariable = (domain: string) => {
    const given = Object.entries(conventions.values).find(
      ([v, value]) => v !== absent[0] && value === domain,
    );
    return given
      ? `\${${given[0]}}`
      : domain.replace(secretPlaceholderPattern, (_, v) => `\${${v}}`);
  };
  const domains = [
    ...new Set([
      ...(conventions.values[absent[0]] ? [conventions.values[absent[0]]] : []),
      ...mesh.clusters
        .flatMap(publishedDomainsOf)
        .filter(d => !referencedVariables(d).length)
        .map(asVariable),
    ]),
  ];
  const withDomain = (domain: string) => {
    const named = envsubst(
      template,
      v => (v === absent[0] ? domain : conventions.values[v] ?? `<${v}>`),
      { strict: false },
    );
    const text = named.ok ? named.output : template;
    // quoted for the shell where it keeps a variable for Flux
    return `--fqdn-template ${text.includes('$') ? `'${text}'` : text}`;
  };
  const fqdnTemplateFlag = domains.length
    ? domains.slice(0, 3).map(withDomain).join(' or ')
    : `--fqdn-template ${example.ok ? example.output : template}`;
  return {
    field: 'fqdnTemplate',
    message: `${template} uses ${absent.join(
      ', ',
    )}, which no file of the repository defines or mentions: Flux would never substitute ${
      one ? 'it' : 'them'
    }, and a value given to this run is not written into the repository`,
    remedy: `name the domain in the template (${fqdnTemplateFlag}, or fqdnTemplate in the conventions), or define ${absent.join(
      ', ',
    )} in the settings each cluster's Kustomizations substitute from, then run again`,
  };
}

/**
 * Whether clusters hold different values of a variable: given per cluster
 * apart, or kept in SOPS lines of different lengths (SOPS keeps the
 * plaintext's length).
 */
function valuesDifferAcross(
  mesh: MeshModel,
  clusters: readonly string[],
  variable: string,
): boolean {
  const seen = new Set<string>();
  for (const name of clusters) {
    const given = mesh.conventions.valuesByCluster?.[name]?.[variable];
    const length = secretSourceOf(
      mesh,
      mesh.byName.get(name),
      variable,
    )?.length;
    if (given !== undefined) seen.add(`=${given}`);
    else if (length !== undefined) seen.add(`#${length}`);
  }
  return seen.size > 1;
}

/** The records of some clusters of the mesh after the change. */
function recordsOf(
  ctx: ChangeContext,
  mesh: MeshModel,
  names: readonly string[],
): MeshDnsRecord[] {
  const out: MeshDnsRecord[] = [];
  for (const name of names) {
    const address =
      ctx.configured.get(name) ??
      parseIpAddress(mesh.byName.get(name)?.lbIp?.value ?? '');
    if (!address) continue;
    const fqdn = resolvedFqdn(ctx, name);
    const committed = committedFqdn(ctx, name);
    out.push({
      cluster: name,
      fqdn,
      ...(committed !== fqdn && { committedFqdn: committed }),
      type: recordTypeFor(address.family),
      value: address.text,
      ttl: ctx.conventions.dns.ttl,
    });
  }
  return out;
}

/** Why an address cannot be the cluster's LB IP, as Cilium LB IPAM decides, and how to fix it; undefined when it can. */
function poolProblem(
  found: PoolLookup,
  cluster: { name: string; ip: string },
  conventions: MeshConventions,
  /** What of the cluster was not evaluated, to say after "has no pool". */
  unevaluated: string,
  /** Whether a path of the conventions is one of the repository's layout. */
  inLayout: (file: string) => boolean,
  /** What to say when another controller hands out the cluster's addresses (see otherLoadBalancerNote). */
  otherLoadBalancer: string,
  /** Another member's pool that holds the address (`pool default of homelab`), if one does. */
  heldBy?: string,
  /** A pool of the repository that holds it, which Flux applies to no cluster. */
  unapplied?: PoolModel,
): { message: string; remedy?: string } | undefined {
  const { name, ip } = cluster;
  const service = conventions.cilium.serviceName;
  const heldBlock = blockHolding(ip, 'pools' in found ? found.pools : []);
  const addBlock = `add a CiliumLoadBalancerIPPool block that holds ${ip} (\`${heldBlock}\`, or ${
    heldBlock.includes('cidr:') ? 'a wider CIDR' : 'a CIDR'
  }) to what Flux applies to ${name}`;
  switch (found.kind) {
    case 'no-pools': {
      // the pool it was meant for, in a file no Kustomization applies,
      // where nothing else explains the absence
      if (unapplied && !unevaluated && !otherLoadBalancer)
        return {
          message: `${name} has no CiliumLoadBalancerIPPool to take ${ip} from; pool ${
            unapplied.name
          } (${formatLocation(
            unapplied.location,
          )}) holds it, but Flux applies that file to no cluster`,
          remedy: `Have a Flux Kustomization of ${name} apply ${unapplied.location.file}, or ${addBlock}.`,
        };
      // MetalLB giving the addresses says more than a part not read
      // (viminaria's, beside Flux's own manifests)
      if (unevaluated && !otherLoadBalancer)
        return {
          message: `${name} has no CiliumLoadBalancerIPPool among the objects evaluated to take ${ip} from${unevaluated}`,
          // a pool there is out of sight: what would let configure go on
          remedy: `${addBlock[0].toUpperCase()}${addBlock.slice(
            1,
          )}, as a file of the repository: a pool that a part not evaluated here makes cannot be checked to hold ${ip}.`,
        };
      const expected = clusterPath(conventions.pools.file, name);
      const inRepository = inLayout(expected);
      return {
        message: `${name} has no CiliumLoadBalancerIPPool to take ${ip} from${
          inRepository ? ` (expected in ${expected})` : ''
        }${otherLoadBalancer}`,
        remedy: otherLoadBalancer
          ? undefined
          : `${addBlock[0].toUpperCase()}${addBlock.slice(1)}${
              inRepository ? ` (${expected})` : ''
            }.`,
      };
    }
    case 'outside':
      // a block whose range is a variable not known here may hold it
      if (
        found.pools.some(
          p => !p.disabled && p.blocks.some(b => b.unknown?.length),
        )
      )
        return undefined;
      {
        // a block left as `${LB_POOL_CIDR}` is no range: whether it would
        // hold the address is not known, and no block added would help
        const unsubstituted = found.pools
          .filter(p => !p.disabled)
          .flatMap(p =>
            p.blocks
              .filter(b => b.problem && /\$\{[^}]+\}/.test(b.text))
              .map(b => ({ pool: p, block: b })),
          );
        if (unsubstituted.length) {
          const names = [
            ...new Set(
              unsubstituted.flatMap(({ block }) =>
                [...block.text.matchAll(/\$\{([^}:=-]+)/g)].map(m => m[1]),
              ),
            ),
          ];
          const files = [
            ...new Set(unsubstituted.map(u => u.block.location.file)),
          ];
          return {
            message: `${ip} cannot be checked against the LB IPAM pools of ${name}: ${unsubstituted
              .map(
                ({ pool, block }) =>
                  `the block ${block.text} of pool "${
                    pool.name
                  }" (${formatLocation(block.location)})`,
              )
              .join(', ')} ${
              unsubstituted.length > 1 ? 'hold' : 'holds'
            } ${names.join(
              ', ',
            )}, which Flux leaves unsubstituted there (validate says why), so ${
              unsubstituted.length > 1 ? 'they are' : 'it is'
            } no range of addresses`,
            remedy: `Define ${names.join(
              ', ',
            )} where the Kustomization that applies ${files.join(
              ', ',
            )} substitutes from, then run configure again.`,
          };
        }
        const blocks = (pools: PoolModel[]) =>
          pools.flatMap(p =>
            p.blocks.length
              ? p.blocks.map(b => `${p.name}: ${b.text}`)
              : [`${p.name}: no blocks`],
          );
        const enabled = found.pools.filter(p => !p.disabled);
        // the pool it was meant for, in a file no Kustomization applies
        // (one commented out): said first, whatever the others admit
        if (unapplied)
          return {
            message: `${ip} is outside the LB IPAM pools of ${name} (${blocks(
              enabled,
            ).join(', ')}); pool ${unapplied.name} (${formatLocation(
              unapplied.location,
            )}) holds it, but Flux applies that file to no cluster`,
            remedy: `Have a Flux Kustomization of ${name} apply ${unapplied.location.file}, or give an address of its own pools' blocks.`,
          };
        // pools kept for other services (`io.kubernetes.service.name:
        // traefik`): their addresses would be refused next
        if (!found.admitting.length)
          return {
            message: `${ip} is outside the LB IPAM pools of ${name} (${blocks(
              enabled,
            ).join(', ')}), and none of them admits the ${service} service: ${
              enabled.length > 1
                ? 'their serviceSelectors take'
                : 'its serviceSelector takes'
            } other services`,
            remedy: `Add a CiliumLoadBalancerIPPool for the ${service} service that holds ${ip} (\`${heldBlock}\`, or a CIDR, with \`serviceSelector: {matchLabels: {io.kubernetes.service.name: ${service}}}\`) to what Flux applies to ${name}, in addresses no other pool holds.`,
          };
        const others = enabled.length - found.admitting.length;
        // another cluster's address: a block for it here would overlap
        if (heldBy)
          return {
            message: `${ip} is outside the LB IPAM pools of ${name} (${blocks(
              enabled,
            ).join(', ')}); it is in ${heldBy}`,
            remedy: `Give ${name} an address of its own pools' blocks${
              others
                ? ` that admit the ${service} service (${blocks(
                    found.admitting,
                  ).join(', ')})`
                : ''
            }: a block here holding ${ip} would overlap ${heldBy} (pools-disjoint).`,
          };
        return {
          message: `${ip} is outside the LB IPAM pools of ${name} (${blocks(
            enabled,
          ).join(', ')})`,
          remedy: `Give an address of ${
            others
              ? `the blocks whose pools admit the ${service} service (${blocks(
                  found.admitting,
                ).join(', ')})`
              : 'those blocks'
          }, or ${addBlock}.`,
        };
      }
    case 'disabled':
      return {
        message: `${ip} is only in the disabled pool "${found.pool.name}" of ${name}`,
        remedy: `Give an address of an enabled pool, or set \`spec.disabled: false\` on pool "${found.pool.name}".`,
      };
    case 'reserved':
      return {
        message: `${ip} is the first or last address of block ${found.block.text} of pool "${found.pool.name}" of ${name}, which reserves them (allowFirstLastIPs: "No"): LB IPAM never gives it out`,
        remedy: `Give another address of that block.`,
      };
    case 'not-admitted': {
      // a pool kept for one other service by name: widening it would let
      // two services take its addresses
      const forService = serviceNamedBy(found.pool.serviceSelector);
      return {
        message: `${ip} is in pool "${
          found.pool.name
        }" of ${name}, but its serviceSelector does not admit the ${service} service${
          forService ? ` (the pool is for service ${forService})` : ''
        }`,
        remedy: forService
          ? `Give an address of a pool whose serviceSelector admits the ${service} service, or add a CiliumLoadBalancerIPPool for it (with \`serviceSelector: {matchLabels: {io.kubernetes.service.name: ${service}}}\`) in addresses no other pool holds.`
          : `Give an address of a pool whose serviceSelector admits the ${service} service, ${labelsAdmitted(
              found.pool.serviceSelector,
              service,
            )}or widen that of pool "${found.pool.name}".`,
      };
    }
    default:
      return undefined;
  }
}

/**
 * A label's value as YAML keeps it a string: quoted where the chart's YAML
 * (1.1, as Helm reads it) would take a boolean, number or null, which the
 * API server refuses as a label.
 */
const labelValue = (value: string) =>
  /^(true|false|yes|no|on|off|y|n|null|~|[-+]?(\.?\d[\d._]*(e[-+]?\d+)?|\.inf|\.nan))?$/i.test(
    value,
  )
    ? JSON.stringify(value)
    : value;

/**
 * The service's labels a pool whose serviceSelector only asks for labels
 * (an opt-in `io.cilium/lb-ipam-pool: bgp-default`) admits: given in the
 * Cilium values, as a remedy's choice; none for a selector of expressions.
 */
function labelsAdmitted(
  selector: LabelSelector | undefined,
  service: string,
): string {
  // those the chart gives the service already are not given again
  const labels =
    selector?.matchLabels && !selector.matchExpressions?.length
      ? apiserverLabelsToGive(selector.matchLabels)
      : undefined;
  if (!labels) return '';
  return `label the ${service} service as it selects (\`clustermesh.apiserver.service.labels: {${Object.entries(
    labels,
  )
    .map(([k, v]) => `${k}: ${labelValue(v)}`)
    .join(', ')}}\` in the Cilium values), `;
}

/** The one service a pool's selector takes by name (`io.kubernetes.service.name: traefik`), if it names one. */
function serviceNamedBy(
  selector: LabelSelector | undefined,
): string | undefined {
  const key = 'io.kubernetes.service.name';
  const byLabel = selector?.matchLabels?.[key];
  if (byLabel !== undefined) return String(byLabel);
  const expression = selector?.matchExpressions?.find(
    e => e.key === key && e.operator === 'In' && e.values?.length === 1,
  );
  return expression?.values?.[0];
}

/** The ids of the rules with this outcome somewhere in a report. */
function outcomesOf(
  report: MeshReport,
  outcome: CheckResult['outcome'],
): Set<string> {
  return new Set(
    [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
      .filter(c => c.outcome === outcome)
      .map(c => c.ruleId),
  );
}

/**
 * The folders of the builds that hold the written files: for each file, the
 * deepest folder a Flux Kustomization builds that contains it. A broken file
 * there fails the whole build, so the change depends on it.
 */
function buildFoldersOf(
  model: MeshModel,
  written: ReadonlySet<string>,
): string[] {
  const paths = new Set<string>();
  for (const cluster of model.clusters)
    for (const k of cluster.render?.kustomizations ?? [])
      if (k.path && k.path !== '.') paths.add(k.path);
  const folders = new Set<string>();
  for (const file of written) {
    // the deepest built folder holding the file: its parents, nearest first
    for (let end = file.lastIndexOf('/'); end > 0; ) {
      const folder = file.slice(0, end);
      if (paths.has(folder)) {
        folders.add(folder);
        break;
      }
      end = file.lastIndexOf('/', end - 1);
    }
  }
  return [...folders];
}

/**
 * The files whose problem fails a Flux Kustomization's build, as the
 * render found them (kustomize refuses the whole build): for each, the
 * Kustomizations that apply a written file among those it fails (the
 * change is not applied until they are fixed), and the folders of every
 * build it fails (astranova: a file only the deeper flux-instance build
 * takes in, under the folder cluster-apps builds).
 */
function brokenBuildsOf(
  model: MeshModel,
  written: ReadonlySet<string>,
): {
  appliers: Map<string, string[]>;
  paths: Map<string, Set<string>>;
} {
  const appliers = new Map<string, string[]>();
  const paths = new Map<string, Set<string>>();
  for (const cluster of model.clusters) {
    const applying = new Set(
      cluster.render.kustomizations
        .filter(k => k.objects.some(o => written.has(o.source.file)))
        .map(k => k.key),
    );
    for (const f of cluster.render.findings) {
      if (
        f.severity !== 'error' ||
        !buildBreaking.has(f.code) ||
        f.build === undefined ||
        !f.location
      )
        continue;
      const { file } = f.location;
      if (applying.has(f.build))
        appliers.set(
          file,
          [...new Set([...(appliers.get(file) ?? []), f.build])].sort(),
        );
      const path = cluster.render.kustomizations.find(
        k => k.key === f.build,
      )?.path;
      if (path) paths.set(file, (paths.get(file) ?? new Set()).add(path));
    }
  }
  return { appliers, paths };
}

/**
 * The files the change edits that makejinja renders from a template of the
 * repository (the cluster template's `makejinja.toml`: `inputs` folders of
 * `.j2` templates rendered into `output`): its next render (`task
 * configure`, `force = true`) overwrites them, so the same change belongs
 * in the template (MatherlyNet).
 */
function renderedFromTemplates(
  tree: RepoTree,
  fileEdits: readonly FileEdit[],
): string[] {
  const configs = tree.paths().filter(p => /(^|\/)makejinja\.toml$/.test(p));
  if (!configs.length) return [];
  const notes: string[] = [];
  for (const config of configs) {
    const text = readTextFile(tree, config) ?? '';
    const dir = dirnamePath(config);
    const at = (path: string) =>
      normalizePath(dir ? `${dir}/${path}` : path) ?? '';
    const list = /^\s*inputs\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? '';
    const inputs = [...list.matchAll(/"([^"]+)"|'([^']+)'/g)].map(m =>
      at(m[1] ?? m[2]),
    );
    const output = at(
      /^\s*output\s*=\s*["']([^"']+)["']/m.exec(text)?.[1] ?? '.',
    );
    const suffix =
      /^\s*jinja_suffix\s*=\s*["']([^"']+)["']/m.exec(text)?.[1] ?? '.j2';
    const rendered: string[] = [];
    for (const e of fileEdits) {
      if (e.before === undefined) continue;
      const inOutput = output === '' || e.path.startsWith(`${output}/`);
      if (!inOutput) continue;
      const relative = output === '' ? e.path : e.path.slice(output.length + 1);
      const template = inputs
        .map(i => (i ? `${i}/${relative}${suffix}` : `${relative}${suffix}`))
        .find(t => tree.read(t) !== undefined);
      if (template) rendered.push(`${e.path} (from ${template})`);
    }
    if (rendered.length)
      notes.push(
        `makejinja renders ${rendered.join(
          ', ',
        )} (${config}): its next render overwrites the change there; make the same change in ${
          rendered.length > 1 ? 'those templates' : 'that template'
        }.`,
      );
  }
  return notes;
}

/**
 * A bootstrap helmfile that reads the values of a HelmRelease the change
 * writes variables into (`readFile … helmrelease.yaml`): it installs them
 * as they are, where Flux does not substitute.
 */
function bootstrapNotes(
  context: Pick<ChangeContext, 'readByBootstrap' | 'bootstrapExplained'>,
  edits: readonly FileEdit[],
): string[] {
  // each `${…}` counted: one the change adds (not one the file had, which
  // a change that only removes entries leaves: rkoosaar's --remove)
  const references = (text: string) => {
    const counts = new Map<string, number>();
    for (const [r] of text.matchAll(/\$\{[^}\n]*\}?/g))
      counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  };
  return edits.flatMap(e => {
    if (e.before === undefined || context.bootstrapExplained.has(e.path))
      return [];
    const before = references(e.before);
    const adds = [...references(e.after)].some(
      ([r, n]) => n > (before.get(r) ?? 0),
    );
    if (!adds) return [];
    return context
      .readByBootstrap(e.path)
      .map(
        helmfile =>
          `${helmfile} reads ${e.path} to install a new cluster (bootstrap), where Flux does not substitute: the \${…} references the change writes there reach that first install as they are, until Flux reconciles the HelmRelease.`,
      );
  });
}

/** The DNS mode detection chose, and why, when the run does not choose one. */
function detectedModeNote(
  conventions: MeshConventions,
  mode: MeshDnsChangeInput['mode'],
): string[] {
  const origin = conventions.provenance?.find(p => p.setting === 'dns.mode');
  return !mode && origin?.source === 'detected'
    ? [`DNS mode ${origin.value} (detected): ${origin.reason}.`]
    : [];
}

/**
 * What a run in another DNS mode than the repository's leaves to do so
 * that validation checks what it wrote. A mode set in the conventions file
 * wins over what is found; otherwise the records document decides (its
 * presence is detected as manual mode).
 */
function dnsModeNote(
  conventions: MeshConventions,
  mode: MeshDnsChangeInput['mode'],
): string[] {
  if (!mode || mode === conventions.dns.mode) return [];
  const origin = conventions.provenance?.find(p => p.setting === 'dns.mode');
  const file = conventions.dns.recordsDocument;
  if (origin?.source === 'conventions')
    return [
      `DNS mode ${mode} is for this run only: set \`dns: {mode: ${mode}}\` in the conventions file (.clustermesh-dns.yaml) so that validation checks the ${
        mode === 'manual' ? 'records document' : 'DNSEndpoint'
      } too.`,
    ];
  if (mode === 'manual')
    return [
      `Validation finds ${file} and checks it (manual DNS mode is detected from it).`,
    ];
  // manual from the records document, or from what ExternalDNS the
  // repository deploys (none, or none reading DNSEndpoints: emerconn's)
  if (origin?.location?.file === file)
    return [
      `Validation takes the DNS mode as manual while ${file} is in the repository: delete it (or set \`dns: {mode: externaldns}\` in the conventions file, .clustermesh-dns.yaml) so that it checks the DNSEndpoint.`,
    ];
  return [
    `Validation takes the DNS mode as manual (detected: ${
      origin?.reason ?? 'the default'
    }): set \`dns: {mode: externaldns}\` in the conventions file (.clustermesh-dns.yaml) so that it checks the DNSEndpoint.`,
  ];
}

/**
 * An undefined variable the change neither references nor defines,
 * reported only once a settings ConfigMap the change creates is in the
 * repository: before, that ConfigMap was named (optional) but defined in
 * no manifest, so any variable might have come from it. Flux's verdict on
 * it does not depend on the change: not a reason to refuse.
 */
function knownOnlyNow(
  context: ChangeContext,
  fileEdits: readonly { path: string; after: string }[],
): (error: {
  code?: string;
  ruleId?: RuleId;
  message: string;
  files: readonly string[];
}) => string | undefined {
  const created = [...context.settings.values()].filter(
    t => t.create && !context.mesh.repository.isFile(t.file),
  );
  // named by substituteFrom, defined by no manifest: taken for one made
  // outside the repository, whose keys are not known
  const unknownSources = created.filter(t =>
    context.mesh.clusters.some(c =>
      c.findings.some(f => {
        const key = f.cause?.key;
        return (
          key?.startsWith(externalSourceCause('ConfigMap ')) &&
          key.endsWith(`/${t.configMap}`)
        );
      }),
    ),
  );
  if (!unknownSources.length) return () => undefined;
  return error => {
    if (
      error.code !== 'substitution-failed' &&
      error.ruleId !== 'substitution-complete'
    )
      return undefined;
    const variable = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(error.message)?.[1];
    if (
      !variable ||
      error.files.some(f => fileEdits.some(e => e.path === f)) ||
      fileEdits.some(e => e.after.includes(variable))
    )
      return undefined;
    const source = unknownSources[0];
    return `known only now: ConfigMap ${source.configMap}, which Kustomizations named (optional) but no manifest defined, is the one the change creates (${source.file}), so before, ${variable} might have come from it; the change does not touch ${variable}: if the clusters have no such ConfigMap yet, Flux fails on it already`;
  };
}
