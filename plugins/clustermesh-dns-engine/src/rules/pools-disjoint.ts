import {
  CheckResult,
  compareAddresses,
  formatLocation,
  IpRange,
  rangeOverlap,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { PoolBlock, PoolModel } from '../cilium/pools';
import { classLbIpamIgnores } from '../cilium/values';
import { describeObject } from '../core/manifest';
import {
  metalLbPoolApplied,
  poolAdmitsApiserver,
  shareNetwork,
} from '../model/queries';
import type { ClusterModel } from '../model/types';
import { defineMeshRule, q } from './rule';

/** Pools of one cluster, or of clusters on one network, do not overlap. @public */
export const poolsDisjoint = defineMeshRule({
  id: 'pools-disjoint',
  title: 'Pools disjoint',
  severity: 'error',
  scope: 'mesh',
  description:
    'Enabled pools of one cluster do not overlap (Cilium marks the later one PoolConflict), nor do pools of clusters that share an L2/BGP network when both may give the clustermesh-apiserver service its address (a pool whose serviceSelector admits other services only, such as an anycast pool every cluster announces, or any pool of a cluster whose clustermesh-apiserver service is of a load balancer class LB IPAM does not serve, is not compared across clusters). Both clusters of an overlap fail.',
  remediation: (_c, failure) =>
    failure?.id === 'oneDocument'
      ? // one file every cluster applies: splitting it needs per-cluster values
        "Give each cluster its own block of that pool: write the block's start and stop (or cidr) as variables (such as `${LB_POOL_START}` and `${LB_POOL_STOP}`) that each cluster's settings set to a range of its own, or apply a pool from each cluster's own folder instead; if the clusters are on separate networks, list them in `pools.networks` of the conventions."
      : 'Split the address range so each pool, and each cluster on a shared network, has its own block; list the clusters that share a network in `pools.networks` of the conventions.',
  messages: {
    overlap:
      'pool {{pool}} block {{block}} overlaps block {{otherBlock}} of {{other}} (at {{otherLocation}}){{network}}; both hold {{overlap}}',
    overlapAcross:
      'pool {{pool}} block {{block}} of {{cluster}} overlaps block {{otherBlock}} of pool {{otherPool}} of {{other}}{{network}}; both hold {{overlap}}',
    oneDocument:
      'pool {{pool}} block {{block}} is one document (at {{location}}) that {{cluster}} and {{other}} both apply{{network}}: both give out {{overlap}}',
    overlapsMany: 'pool {{pool}} block {{block}} overlaps {{others}}',
    twoVersions:
      'pool {{pool}} is one object of the cluster (pools are cluster-scoped), applied from {{places}} with other blocks ({{blocks}}): each reconcile overwrites the other version, so its blocks are those of the last to run',
    disjoint: 'the pools of the {{count:cluster}} do not overlap',
    disjointWhereCompared:
      'the pools of the {{count:cluster}} that may give the clustermesh-apiserver its address do not overlap; {{skipped}} overlap across clusters, but cannot give it its address, so they are not compared',
    ownDisjointOnly:
      'no two pools of one of the {{count:cluster}} overlap; {{skipped}} overlap across clusters, but none can give the clustermesh-apiserver its address, so they are not compared',
    someUnknown:
      'the known blocks of the {{count:cluster}} do not overlap{{skipped}}, but the blocks {{blocks}} come from values not known here',
    noneKnown:
      'no block of the pools of the {{count:cluster}} is known here: the blocks {{blocks}} come from values not known here',
    metalLb:
      'the Cilium pools of the mesh do not overlap, but MetalLB gives the addresses of {{clusters}}, whose pools are not compared with them: an overlap on a shared network is not known here',
    noPools:
      'no cluster of the mesh applies a pool with a block: nothing to compare',
  },
  check(mesh, r) {
    const out: CheckResult[] = [];
    const sameNetwork = (a: ClusterModel, b: ClusterModel) =>
      shareNetwork(mesh, a.name, b.name);
    type Entry = {
      cluster: ClusterModel;
      pool: PoolModel;
      block: PoolBlock;
      range: IpRange;
    };
    /** Why a pool cannot give the clustermesh-apiserver its address, or undefined where it may. */
    const notGiving = new Map<PoolModel, string | undefined>();
    const whyNotGiving = ({ cluster, pool }: Entry) => {
      if (notGiving.has(pool)) return notGiving.get(pool);
      // a class LB IPAM does not serve: no pool of the cluster gives it one
      const ignored = classLbIpamIgnores(cluster.cilium?.values);
      let why: string | undefined;
      if (ignored !== undefined)
        why = `their cluster's clustermesh-apiserver service of class ${String(
          ignored,
        )}, which LB IPAM does not serve`;
      else if (!poolAdmitsApiserver(mesh, cluster, pool))
        why = 'a serviceSelector admitting other services only';
      notGiving.set(pool, why);
      return why;
    };
    const admitsApiserver = (e: Entry) => whyNotGiving(e) === undefined;
    // a pool's name is the object (cluster-scoped): two documents of one
    // name are two versions of it, not two pools that overlap
    const blocksOf = (pool: PoolModel) =>
      pool.blocks.map(b => b.text).join(', ');
    for (const cluster of mesh.members) {
      const byName = new Map<string, PoolModel[]>();
      for (const pool of cluster.pools)
        byName.set(pool.name, [...(byName.get(pool.name) ?? []), pool]);
      for (const [name, versions] of byName)
        if (new Set(versions.map(blocksOf)).size > 1)
          out.push(
            r.forCluster(cluster).fail(
              'twoVersions',
              {
                pool: q(name),
                places: versions
                  .map(v => formatLocation(v.location))
                  .join(' and '),
                blocks: versions.map(v => blocksOf(v) || 'none').join('; '),
              },
              versions[1].location,
            ),
          );
    }
    /** The first version of each pool name of a cluster: the one compared. */
    const firstOfName = (cluster: ClusterModel, pool: PoolModel) =>
      cluster.pools.find(p => p.name === pool.name) === pool;
    const entries: Entry[] = mesh.members.flatMap(cluster =>
      cluster.pools
        .filter(pool => !pool.disabled && firstOfName(cluster, pool))
        .flatMap(pool =>
          pool.blocks.flatMap(block =>
            block.range ? [{ cluster, pool, block, range: block.range }] : [],
          ),
        ),
    );
    // without pools.networks every member is taken to share one network
    const network = mesh.conventions.pools.networks
      ? 'on the same network'
      : 'on the same network (assumed: no pools.networks)';
    const describeOther = (a: Entry, sameCluster: boolean) =>
      sameCluster
        ? `pool ${q(a.pool.name)} of the same cluster`
        : `pool ${q(a.pool.name)} of ${a.cluster.name}`;
    /** A block's failure: the blocks it overlaps, of its cluster or of others on its network. */
    const overlapResult = (b: Entry, overlapping: Entry[]) => {
      if (overlapping.length === 1 && overlapping[0].cluster !== b.cluster) {
        // one overlap of two clusters: the same text for both (one cause,
        // said once for the two), the clusters in name order; each result
        // is at its own block
        const [first, second] = [b, overlapping[0]].sort((x, y) =>
          x.cluster.name.localeCompare(y.cluster.name),
        );
        const at = (e: Entry) =>
          e.block.location && formatLocation(e.block.location);
        // one file both clusters apply (astroterm's announce.yaml, the
        // block written out): the same addresses, not two pools' ranges
        if (at(first) && at(first) === at(second))
          return r.forCluster(b.cluster).fail(
            'oneDocument',
            {
              pool: q(first.pool.name),
              block: first.block.text,
              location: at(first)!,
              cluster: first.cluster.name,
              other: second.cluster.name,
              network: `, ${network}`,
              overlap: rangeOverlap(first.range, second.range)!.text,
            },
            b.block.location,
          );
        return r.forCluster(b.cluster).fail(
          'overlapAcross',
          {
            pool: q(first.pool.name),
            block: first.block.text,
            cluster: first.cluster.name,
            otherBlock: second.block.text,
            otherPool: q(second.pool.name),
            other: second.cluster.name,
            network: `, ${network}`,
            overlap: rangeOverlap(first.range, second.range)!.text,
          },
          b.block.location,
        );
      }
      if (overlapping.length === 1) {
        const [a] = overlapping;
        return r.forCluster(b.cluster).fail(
          'overlap',
          {
            pool: q(b.pool.name),
            block: b.block.text,
            other: describeOther(a, a.cluster === b.cluster),
            network: a.cluster === b.cluster ? '' : `, ${network}`,
            otherBlock: a.block.text,
            otherLocation: formatLocation(a.block.location),
            overlap: rangeOverlap(a.range, b.range)!.text,
          },
          b.block.location,
        );
      }
      return r.forCluster(b.cluster).fail(
        'overlapsMany',
        {
          pool: q(b.pool.name),
          block: b.block.text,
          // the network said once, after the pools of other clusters
          others: `${overlapping
            .map(
              a =>
                `${describeOther(a, a.cluster === b.cluster)} (${
                  a.block.text
                }, at ${formatLocation(a.block.location)})`,
            )
            .join(', ')}${
            overlapping.some(a => a.cluster !== b.cluster) ? `, ${network}` : ''
          }`,
        },
        b.block.location,
      );
    };
    /** Blocks of other clusters each block overlaps, found when the later one was swept. */
    const partners = new Map<Entry, Entry[]>();
    /** The blocks whose finding is said. */
    const said = new Set<Entry>();
    // sweep by start address: only ranges still open can overlap the next one
    entries.sort((a, b) => compareAddresses(a.range, b.range));
    let open: Entry[] = [];
    /** Pools that overlap another cluster's but cannot give the clustermesh-apiserver its address, by why. */
    const notComparedBy = new Map<string, Set<string>>();
    const notComparedText = () =>
      [...notComparedBy]
        .map(([why, pools]) => `${[...pools].sort().join(', ')} (${why})`)
        .join('; ');
    for (const b of entries) {
      open = open.filter(
        a => a.range.family === b.range.family && a.range.last >= b.range.first,
      );
      for (const a of open)
        if (
          a.cluster !== b.cluster &&
          sameNetwork(a.cluster, b.cluster) &&
          !(admitsApiserver(a) && admitsApiserver(b))
        )
          for (const e of [a, b])
            if (!admitsApiserver(e)) {
              const why = whyNotGiving(e)!;
              notComparedBy.set(
                why,
                (notComparedBy.get(why) ?? new Set()).add(
                  `pool ${q(e.pool.name)} of ${e.cluster.name}`,
                ),
              );
            }
      const overlapping = open.filter(a =>
        a.cluster === b.cluster
          ? a.pool !== b.pool
          : sameNetwork(a.cluster, b.cluster) &&
            admitsApiserver(a) &&
            admitsApiserver(b),
      );
      // one finding per block, however many blocks it overlaps
      if (overlapping.length) {
        out.push(overlapResult(b, overlapping));
        said.add(b);
      }
      for (const a of overlapping)
        if (a.cluster !== b.cluster)
          partners.set(a, [...(partners.get(a) ?? []), b]);
      open.push(b);
    }
    // the other cluster of an overlap fails too, at each of its blocks that
    // overlaps (one fixing its own file from its own list fixes them all)
    for (const [a, others] of partners)
      if (!said.has(a)) out.push(overlapResult(a, others));
    if (out.length) return out;
    const unknown = mesh.members.flatMap(cluster =>
      cluster.pools
        .filter(pool => !pool.disabled)
        .flatMap(pool =>
          pool.blocks
            .filter(b => b.unknown?.length)
            .map(b => `${b.text} (${pool.name} of ${cluster.name})`),
        ),
    );
    if (unknown.length)
      return [
        entries.length
          ? r.notEvaluated('someUnknown', {
              count: mesh.members.length,
              blocks: unknown.join(', '),
              skipped: notComparedBy.size
                ? ` (${notComparedText()} not compared: they cannot give the clustermesh-apiserver its address)`
                : '',
            })
          : r.notEvaluated('noneKnown', {
              count: mesh.members.length,
              blocks: unknown.join(', '),
            }),
      ];
    // members whose addresses MetalLB gives (no Cilium pool): its pools are
    // not compared, and an overlap with them is not known
    const withCiliumPools = mesh.members.filter(c =>
      c.pools.some(p => !p.disabled),
    );
    const byMetalLb = mesh.members.flatMap(c => {
      if (
        c.pools.some(p => !p.disabled) ||
        !withCiliumPools.some(o => sameNetwork(c, o))
      )
        return [];
      const pool = metalLbPoolApplied(c);
      return pool ? [`${c.name} (${describeObject(pool)})`] : [];
    });
    if (byMetalLb.length && entries.length)
      return [r.notEvaluated('metalLb', { clusters: byMetalLb.join(', ') })];
    // nothing compared is no pass (lb-ip-in-pool says a cluster has no pool)
    if (!entries.length) return [r.notApplicable('noPools', {})];
    // the clusters whose pools were compared (lb-ip-in-pool says which have none)
    const compared = mesh.members.filter(c => c.pools.some(p => !p.disabled));
    if (!notComparedBy.size)
      return [r.pass('disjoint', { count: compared.length })];
    // no pool may give it its address (rajsinghtech's tailscale class):
    // only each cluster's own pools were compared, and said so
    return [
      r.pass(
        entries.some(admitsApiserver)
          ? 'disjointWhereCompared'
          : 'ownDisjointOnly',
        { count: compared.length, skipped: notComparedText() },
      ),
    ];
  },
});
