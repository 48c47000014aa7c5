import {
  addressAt,
  ClusterPool,
  compareAddresses,
  IpAddress,
  MeshReport,
  PeerState,
  rangeContains,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { allocatableRange, PoolModel } from '../cilium/pools';
import type { MeshConventions } from '../conventions/schema';
import { selectorAdmits } from '../k8s/labelSelector';
import { buildMeshModel } from '../model/build';
import {
  apiserverLabels,
  meshFqdns,
  peerKnownByEntry,
  requestedAddresses,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import type { RepoTree } from '../tree/RepoTree';
import { reportFromModel, ValidateOptions } from './report';

/** A cluster's pools and addresses, as the address picker needs them. @public */
export type ClusterPoolInfo = Omit<ClusterPool, 'source'>;

/**
 * A validated repository with the answers the report does not carry (they
 * grow with the square of the mesh): each cluster's peers, and its pools
 * with the addresses in use. The model stays in memory while this is kept.
 *
 * @public
 */
export interface MeshInspection {
  report: MeshReport;
  /** The peers of a cluster and whether each knows it by FQDN; undefined for an unknown cluster. */
  peersOf(cluster: string): PeerState[] | undefined;
  /** A cluster's pools, the addresses in use and a free one; undefined for an unknown cluster. */
  poolOf(cluster: string): ClusterPoolInfo | undefined;
}

/**
 * Validates a repository like `validateMesh`, keeping the model to answer
 * questions about one cluster afterwards.
 *
 * @public
 */
export function inspectMesh(
  tree: RepoTree,
  conventions: MeshConventions,
  options: ValidateOptions = {},
): MeshInspection {
  const mesh = buildMeshModel(tree, conventions, options);
  return {
    report: reportFromModel(mesh),
    peersOf: name => {
      const cluster = mesh.byName.get(name);
      return cluster && peerStates(mesh, cluster);
    },
    poolOf: name => {
      const cluster = mesh.byName.get(name);
      return cluster && poolInfo(mesh, cluster);
    },
  };
}

function peerStates(mesh: MeshModel, cluster: ClusterModel): PeerState[] {
  const fqdns = meshFqdns(mesh);
  const own = fqdns.get(cluster.name);
  const values = cluster.peerValues();
  return cluster.peers.map(({ peer, variable }, i) => {
    const peerModel = mesh.byName.get(peer);
    let knowsThisCluster: boolean | 'unknown' = 'unknown';
    if (peerModel && own !== undefined) {
      const back = peerModel.peers.findIndex(p => p.peer === cluster.name);
      knowsThisCluster =
        back >= 0 &&
        (peerModel.peerValues()[back] === own ||
          (peerModel.peerValues()[back] === undefined &&
            peerKnownByEntry(mesh, peerModel, cluster.name) !== undefined));
    }
    // without a variable, a peer may be known by its mesh entry's address
    const value = values[i] ?? peerKnownByEntry(mesh, cluster, peer)?.address;
    return value === undefined
      ? { peer, variable, knowsThisCluster }
      : { peer, variable, value, knowsThisCluster };
  });
}

/** Addresses of the mesh and of the cluster's Services that LB IPAM cannot give again. */
function usedAddresses(
  mesh: MeshModel,
  cluster: ClusterModel,
): {
  address: IpAddress;
  what: string;
  cluster?: string;
  location?: SourceLocation;
}[] {
  const used: {
    address: IpAddress;
    what: string;
    cluster?: string;
    location?: SourceLocation;
  }[] = [];
  for (const c of mesh.clusters)
    if (c.lbIpAddress)
      used.push({
        address: c.lbIpAddress,
        what: `the ClusterMesh LB IP of ${c.name}`,
        cluster: c.name,
        location: c.lbIp?.location,
      });
  for (const { address, what, location } of requestedAddresses(cluster))
    used.push({ address, what, location, cluster: cluster.name });
  return used;
}

/** The most free addresses counted exactly; above it, "at least". */
const countLimit = 1_000_000n;

function poolInfo(mesh: MeshModel, cluster: ClusterModel): ClusterPoolInfo {
  const labels = apiserverLabels(mesh, cluster);
  const admits = (p: PoolModel) => selectorAdmits(p.serviceSelector, labels);
  const givers = cluster.pools.filter(p => !p.disabled && admits(p));
  const ranges = givers.flatMap(p =>
    p.blocks.flatMap(b => {
      const range = allocatableRange(p, b);
      return range ? [range] : [];
    }),
  );
  const inPools = (a: IpAddress) => ranges.some(r => rangeContains(r, a));
  const byAddress = new Map<
    string,
    {
      address: IpAddress;
      usedBy: { what: string; cluster?: string; location?: SourceLocation }[];
    }
  >();
  for (const use of usedAddresses(mesh, cluster)) {
    if (!inPools(use.address)) continue;
    const entry = byAddress.get(use.address.text) ?? {
      address: use.address,
      usedBy: [],
    };
    const { address: _address, ...by } = use;
    entry.usedBy.push(by);
    byAddress.set(use.address.text, entry);
  }
  const taken = new Set(
    [...byAddress.values()].map(e => `${e.address.family}:${e.address.value}`),
  );
  // the lowest free address, and the number of free ones (ranges may overlap)
  let suggestion: string | undefined;
  let free = 0n;
  const seen = new Set<string>();
  for (const range of [...ranges].sort(compareAddresses)) {
    const key = `${range.family}:${range.first}-${range.last}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const takenHere = [...byAddress.values()].filter(e =>
      rangeContains(range, e.address),
    ).length;
    free += range.last - range.first + 1n - BigInt(takenHere);
    for (
      let v = range.first;
      suggestion === undefined && v <= range.last && v - range.first < 65_536n;
      v++
    )
      if (!taken.has(`${range.family}:${v}`))
        suggestion = addressAt(range.family, v).text;
  }
  return {
    cluster: cluster.name,
    pools: cluster.pools.map(p => ({
      name: p.name,
      blocks: p.blocks.map(b => b.text),
      disabled: p.disabled,
      admitsApiServer: admits(p),
      location: p.location,
    })),
    current: cluster.lbIpAddress?.text,
    used: [...byAddress.values()]
      .sort((a, b) => compareAddresses(a.address, b.address))
      .map(e => ({ address: e.address.text, usedBy: e.usedBy })),
    free: Number(free > countLimit ? countLimit : free),
    suggestion,
  };
}
