import { formatLocation, SourceLocation } from '../yaml/documents';
import {
  certificateNameCovers,
  clusterNameProblem,
  hostnameProblem,
} from '../net/names';
import {
  describeInvalidIp,
  IpRange,
  parseIpAddress,
  rangeContains,
  rangeOverlap,
  recordTypeFor,
} from '../net/ip';
import { getPath, isRecord, locate } from '../model/locate';
import { clusterPath } from '../model/conventions';
import type {
  ClusterModel,
  DnsEndpointRecord,
  LabelSelector,
  MeshModel,
  PoolModel,
} from '../model/mesh';
import { describeObject } from '../model/types';
import { shapeProblems } from './shapes';
import {
  expectedFqdn,
  hasUnresolved,
  q,
  resultsFor,
  verbatimHint,
} from './helpers';
import type { CheckResult, RuleDefinition } from './types';

const LB_IPAM_KEYS = ['lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips'];

/** Labels of the clustermesh-apiserver service as the Cilium chart renders it, plus LB IPAM's service labels. */
function apiserverServiceLabels(
  mesh: MeshModel,
  cluster: ClusterModel,
): Record<string, string> {
  const common = getPath(cluster.cilium?.values, ['commonLabels']);
  return {
    ...(isRecord(common)
      ? Object.fromEntries(
          Object.entries(common).map(([k, v]) => [k, String(v)]),
        )
      : {}),
    'k8s-app': 'clustermesh-apiserver',
    'app.kubernetes.io/name': 'clustermesh-apiserver',
    'app.kubernetes.io/part-of': 'cilium',
    'io.kubernetes.service.namespace':
      cluster.cilium?.releaseNamespace ??
      mesh.conventions.cilium.helmRelease.namespace,
    'io.kubernetes.service.name': mesh.conventions.cilium.serviceName,
  };
}

/** Kubernetes label selector semantics; an absent selector admits every service. */
export function selectorAdmits(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== String(v)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const values = (e.values ?? []).map(String);
    if (e.operator === 'In' && !(has && values.includes(labels[e.key])))
      return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key]))
      return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const expectedCache = new WeakMap<MeshModel, Map<string, string>>();

/** Each cluster's FQDN (or, when it has none, the one the conventions give it), computed once per mesh. */
function expectedFqdns(mesh: MeshModel): Map<string, string> {
  let map = expectedCache.get(mesh);
  if (!map) {
    map = new Map(
      mesh.clusters.map(c => [
        c.name,
        c.fqdn?.value ?? expectedFqdn(mesh, c).resolved,
      ]),
    );
    expectedCache.set(mesh, map);
  }
  return map;
}

/** The DNSEndpoint records of a cluster whose dnsName is its FQDN. */
function fqdnRecords(cluster: ClusterModel) {
  const fqdn = cluster.fqdn?.value.replace(/\.$/, '');
  return cluster.dnsEndpoints.flatMap(endpoint =>
    endpoint.records
      .filter(
        r =>
          typeof r.dnsName === 'string' &&
          r.dnsName.replace(/\.$/, '') === fqdn,
      )
      .map(record => ({ endpoint, record })),
  );
}

/** clustermesh.config.clusters as a list (the chart accepts a list or a map by name). */
type MeshEntry = {
  name: string;
  entry: Record<string, any>;
  /** Index (list) or name (map) of the entry under clustermesh.config.clusters. */
  key: string | number;
};
/** The enabled entries, made on demand: a mesh has one per peer in every cluster. */
type MeshEntries = {
  list(): MeshEntry[];
  byName(name: string): MeshEntry | undefined;
  /**
   * The fields of the entry of a name when it is a plain, enabled map, with
   * no wrapper made (the common case of a rule); undefined otherwise, and
   * then {@link MeshEntries.byName} says more.
   */
  fieldsOf(name: string): Record<string, any> | undefined;
};

const meshEntriesBase = ['clustermesh', 'config', 'clusters'];

/** The values path of an entry's field, built only for messages. */
function entryPath(e: MeshEntry, ...field: string[]): (string | number)[] {
  return [...meshEntriesBase, e.key, ...field];
}

/** Entries by the clusters value they come from: substituted values are kept between validations. */
const meshEntriesCache = new WeakMap<object, MeshEntries>();
const noEntries: MeshEntries = {
  list: () => [],
  byName: () => undefined,
  fieldsOf: () => undefined,
};

/**
 * Where each name stands in a list of entries, by the names in order:
 * every cluster of a mesh lists the same clusters, so they share one index.
 */
const nameIndexes = new Map<string, Map<string, number>>();

function nameIndex(names: string[]): Map<string, number> {
  const signature = names.join('\u0000');
  let index = nameIndexes.get(signature);
  if (!index) {
    index = new Map(names.map((name, i) => [name, i])); // the last one wins
    if (nameIndexes.size >= 16) nameIndexes.clear();
    nameIndexes.set(signature, index);
  }
  return index;
}

/** clustermesh.config.clusters as a list (the chart accepts a list or a map by name), without disabled entries. */
function meshConfigEntries(cluster: ClusterModel): MeshEntries {
  const value = getPath(cluster.cilium?.values, [
    'clustermesh',
    'config',
    'clusters',
  ]);
  if (!value || typeof value !== 'object') return noEntries;
  let entries = meshEntriesCache.get(value);
  if (entries) return entries;
  const at = (key: string | number): MeshEntry | undefined => {
    const entry = (value as any)[key];
    const fields = isRecord(entry) ? entry : {};
    if (fields.enabled === false) return undefined;
    const name = Array.isArray(value) ? String(entry?.name ?? '') : key;
    return { name: String(name), entry: fields, key };
  };
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, i) => i)
    : Object.keys(value);
  const list = () =>
    keys.map(at).filter((e): e is MeshEntry => e !== undefined);
  const plainEnabled = (entry: unknown) =>
    isRecord(entry) && entry.enabled !== false ? entry : undefined;
  if (Array.isArray(value)) {
    const index = nameIndex(value.map(e => String(e?.name ?? '')));
    entries = {
      list,
      fieldsOf: name => {
        const i = index.get(name);
        return i === undefined ? undefined : plainEnabled(value[i]);
      },
      byName: name => {
        const i = index.get(name);
        if (i === undefined) return undefined;
        // a later disabled duplicate does not hide an earlier enabled one
        return (
          at(i) ??
          list()
            .reverse()
            .find(e => e.name === name)
        );
      },
    };
  } else {
    entries = {
      list,
      fieldsOf: name =>
        Object.prototype.hasOwnProperty.call(value, name)
          ? plainEnabled((value as any)[name])
          : undefined,
      byName: name =>
        Object.prototype.hasOwnProperty.call(value, name)
          ? at(name)
          : undefined,
    };
  }
  meshEntriesCache.set(value, entries);
  return entries;
}

function noCilium(mesh: MeshModel, cluster: ClusterModel): string {
  const { cilium } = mesh.conventions;
  return cilium.valuesFile
    ? `the Cilium values file ${clusterPath(
        cilium.valuesFile,
        cluster.name,
      )} cannot be read`
    : `no HelmRelease ${cilium.helmRelease.name} is applied to the cluster, and no plain values file is configured (conventions cilium.valuesFile)`;
}

const describeRange = (range: IpRange) => range.text;

/** Orders ranges by family, then start address. */
function compareRanges(a: IpRange, b: IpRange): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  if (a.first === b.first) return 0;
  return a.first < b.first ? -1 : 1;
}

/** Whether a record TTL is within the provider's range. @public */
export function isValidTtl(ttl: unknown, provider: 'cloudflare' | 'other') {
  return (
    typeof ttl === 'number' &&
    Number.isInteger(ttl) &&
    (provider === 'cloudflare'
      ? ttl === 1 || (ttl >= 60 && ttl <= 86400)
      : ttl >= 1 && ttl <= 2147483647)
  );
}

/** The provider's TTL range, in words. @public */
export function ttlRange(provider: 'cloudflare' | 'other'): string {
  return provider === 'cloudflare'
    ? '1 (auto) or 60..86400 for Cloudflare'
    : '1..2147483647';
}

/** The rule catalog, in the order checks are reported. @public */
export const rules: RuleDefinition[] = [
  {
    id: 'settings-present',
    title: 'Settings present',
    severity: 'error',
    scope: 'cluster',
    checks:
      "The FQDN and LB IP variables exist in the cluster's settings ConfigMap.",
    fix: 'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to `kubernetes/clusters/<cluster>/cluster-settings.yaml` (or run `clustermesh-dns configure`).',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const { settings, variables } = mesh.conventions;
      if (!c.settingsObject) {
        return [
          r.fail(
            `no ConfigMap ${settings.namespace}/${settings.configMap} is applied to the cluster`,
            c.settingsLocation,
          ),
        ];
      }
      const missing = [variables.fqdn, variables.lbIp].filter(
        v => !c.settings.has(v),
      );
      if (missing.length) {
        return [
          r.fail(
            `${missing.join(' and ')} ${
              missing.length > 1 ? 'are' : 'is'
            } not set in ConfigMap ${settings.namespace}/${settings.configMap}`,
            c.settingsLocation,
          ),
        ];
      }
      return [
        r.pass(
          `${variables.fqdn} = ${q(c.fqdn!.raw)} and ${variables.lbIp} = ${q(
            c.lbIp!.raw,
          )}`,
          c.fqdn!.location,
        ),
      ];
    },
  },
  {
    id: 'fqdn-valid',
    title: 'FQDN is a valid DNS name',
    severity: 'error',
    scope: 'cluster',
    checks:
      'The FQDN, after substitution, is an RFC 1123 hostname: labels of at most 63 characters, at most 253 in all, lower case, no `_`.',
    fix: 'Use lower-case letters, digits and `-` only; make sure every `${VAR}` in it is substituted where the settings ConfigMap is applied.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.fqdn)
        return [
          r.skip(
            `${mesh.conventions.variables.fqdn} is not set`,
            c.settingsLocation,
          ),
        ];
      const problem = hostnameProblem(c.fqdn.value);
      if (problem) {
        return [
          r.fail(
            `FQDN ${q(c.fqdn.value)} ${problem}${
              hasUnresolved(c.fqdn.value) ? verbatimHint(c) : ''
            }`,
            c.fqdn.location,
          ),
        ];
      }
      const secret = c.fqdn.value.includes('<secret:')
        ? ' (secret parts checked as one label each)'
        : '';
      return [
        r.pass(
          `FQDN ${q(c.fqdn.value)} is a valid DNS name${secret}`,
          c.fqdn.location,
        ),
      ];
    },
  },
  {
    id: 'fqdn-convention',
    title: 'FQDN follows the convention',
    severity: 'warning',
    scope: 'cluster',
    checks:
      'The FQDN matches the configured template (default `clustermesh-{cluster}.${SECRET_DOMAIN}`).',
    fix: 'Rename the record to the template, or set `fqdnTemplate` in the conventions if the team uses another scheme.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.fqdn)
        return [
          r.skip(
            `${mesh.conventions.variables.fqdn} is not set`,
            c.settingsLocation,
          ),
        ];
      const expected = expectedFqdn(mesh, c);
      if (
        c.fqdn.raw === expected.template ||
        c.fqdn.value === expected.resolved
      ) {
        return [
          r.pass(
            `FQDN ${q(c.fqdn.raw)} follows ${q(mesh.conventions.fqdnTemplate)}`,
            c.fqdn.location,
          ),
        ];
      }
      return [
        r.fail(
          `FQDN ${q(c.fqdn.raw)} does not follow ${q(
            mesh.conventions.fqdnTemplate,
          )} (expected ${q(expected.template)})`,
          c.fqdn.location,
        ),
      ];
    },
  },
  {
    id: 'cluster-name-valid',
    title: 'Cluster name valid for Cilium',
    severity: 'error',
    scope: 'cluster',
    checks:
      "Cilium's rule for cluster names: at most 32 characters of `a-z`, `0-9` and `-`, beginning and ending with a letter or digit.",
    fix: 'Rename the cluster (its folder and `cluster.name` in the Cilium values).',
    run(_mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const where =
        c.cilium && getPath(c.cilium.values, ['cluster', 'name']) !== undefined
          ? c.cilium.locate(['cluster', 'name'])
          : { file: c.dir, line: 1 };
      const names = [...new Set([c.name, c.ciliumName])];
      const out: CheckResult[] = [];
      for (const name of names) {
        const problem = clusterNameProblem(name);
        if (problem)
          out.push(
            r.fail(
              `cluster name ${q(name)} ${problem}`,
              name === c.name ? { file: c.dir, line: 1 } : where,
            ),
          );
      }
      return out.length
        ? out
        : [
            r.pass(
              `cluster name ${q(c.ciliumName)} is valid for Cilium`,
              where,
            ),
          ];
    },
  },
  {
    id: 'lb-ip-valid',
    title: 'LB IP is an address',
    severity: 'error',
    scope: 'cluster',
    checks:
      'The LB IP is one IPv4 or IPv6 address (the record is A for IPv4, AAAA for IPv6).',
    fix: 'Write a single address such as `10.25.11.100`, without a prefix length.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.lbIp)
        return [
          r.skip(
            `${mesh.conventions.variables.lbIp} is not set`,
            c.settingsLocation,
          ),
        ];
      if (!c.lbIpAddress)
        return [
          r.fail(
            `LB IP ${q(c.lbIp.value)} ${describeInvalidIp(c.lbIp.value)}`,
            c.lbIp.location,
          ),
        ];
      const family = c.lbIpAddress.family === 'ipv4' ? 'IPv4' : 'IPv6';
      return [
        r.pass(
          `LB IP ${c.lbIpAddress.text} is an ${family} address (${recordTypeFor(
            c.lbIpAddress.family,
          )} record)`,
          c.lbIp.location,
        ),
      ];
    },
  },
  {
    id: 'lb-ip-in-pool',
    title: 'LB IP inside a pool',
    severity: 'error',
    scope: 'cluster',
    checks:
      'The LB IP is inside an enabled CiliumLoadBalancerIPPool of the cluster whose serviceSelector admits the clustermesh-apiserver service.',
    fix: "Pick an address from the cluster's pool, or widen the pool (its blocks) or its serviceSelector.",
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.lbIpAddress) {
        return [
          r.skip(
            c.lbIp
              ? `LB IP ${q(c.lbIp.value)} is not a valid address`
              : `${mesh.conventions.variables.lbIp} is not set`,
            c.lbIp?.location ?? c.settingsLocation,
          ),
        ];
      }
      const ip = c.lbIpAddress;
      if (c.pools.length === 0) {
        return [
          r.fail(
            `LB IP ${ip.text} cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster`,
            c.lbIp!.location,
          ),
        ];
      }
      const containing = c.pools.filter(p =>
        p.blocks.some(b => b.range && rangeContains(b.range, ip)),
      );
      const enabled = containing.filter(p => !p.disabled);
      if (enabled.length === 0) {
        if (containing.length) {
          return [
            r.fail(
              `LB IP ${ip.text} is only in the disabled pool ${containing[0].name}`,
              containing[0].location,
            ),
          ];
        }
        const pools = c.pools
          .map(
            p =>
              `${p.name} [${p.blocks
                .map(b => b.text)
                .join(', ')}] at ${formatLocation(p.location)}`,
          )
          .join('; ');
        return [
          r.fail(
            `LB IP ${ip.text} is outside every pool of the cluster: ${pools}`,
            c.lbIp!.location,
          ),
        ];
      }
      const labels = apiserverServiceLabels(mesh, c);
      const admitting = enabled.find(p =>
        selectorAdmits(p.serviceSelector, labels),
      );
      if (!admitting) {
        const p = enabled[0];
        return [
          r.fail(
            `LB IP ${ip.text} is in pool ${
              p.name
            }, but its serviceSelector does not admit the ${
              mesh.conventions.cilium.serviceName
            } service (labels ${JSON.stringify(labels)})`,
            locate(p.object, ['spec', 'serviceSelector']),
          ),
        ];
      }
      const block = admitting.blocks.find(
        b => b.range && rangeContains(b.range, ip),
      )!;
      return [
        r.pass(
          `LB IP ${ip.text} is in pool ${admitting.name} block ${block.text}`,
          block.location,
        ),
      ];
    },
  },
  {
    id: 'lb-ip-unique',
    title: 'LB IPs unique',
    severity: 'error',
    scope: 'mesh',
    checks: 'No two clusters share an LB IP.',
    fix: 'Give each cluster its own address from its own pool.',
    run(mesh) {
      const r = resultsFor(this);
      const byIp = new Map<string, ClusterModel[]>();
      for (const c of mesh.clusters) {
        if (c.lbIpAddress)
          byIp.set(c.lbIpAddress.text, [
            ...(byIp.get(c.lbIpAddress.text) ?? []),
            c,
          ]);
      }
      const out = [...byIp]
        .filter(([, cs]) => cs.length > 1)
        .flatMap(([ip, cs]) =>
          cs.map(c => ({
            ...resultsFor(this, c).fail(
              `LB IP ${ip} is also the LB IP of ${cs
                .filter(o => o !== c)
                .map(o => o.name)
                .join(', ')}`,
              c.lbIp!.location,
            ),
          })),
        );
      return out.length
        ? out
        : [
            r.pass(
              byIp.size
                ? `the ${byIp.size} LB IPs are all different`
                : 'no LB IP is set yet',
            ),
          ];
    },
  },
  {
    id: 'fqdn-unique',
    title: 'FQDNs unique',
    severity: 'error',
    scope: 'mesh',
    checks: 'No two clusters share an FQDN.',
    fix: 'Give each cluster its own name (the template puts the cluster name in it).',
    run(mesh) {
      const r = resultsFor(this);
      const byName = new Map<string, ClusterModel[]>();
      for (const c of mesh.clusters) {
        if (c.fqdn) {
          const key = c.fqdn.value.toLowerCase().replace(/\.$/, '');
          byName.set(key, [...(byName.get(key) ?? []), c]);
        }
      }
      const out = [...byName]
        .filter(([, cs]) => cs.length > 1)
        .flatMap(([name, cs]) =>
          cs.map(c =>
            resultsFor(this, c).fail(
              `FQDN ${q(name)} is also the FQDN of ${cs
                .filter(o => o !== c)
                .map(o => o.name)
                .join(', ')}`,
              c.fqdn!.location,
            ),
          ),
        );
      return out.length
        ? out
        : [
            r.pass(
              byName.size
                ? `the ${byName.size} FQDNs are all different`
                : 'no FQDN is set yet',
            ),
          ];
    },
  },
  {
    id: 'pools-disjoint',
    title: 'Pools disjoint',
    severity: 'error',
    scope: 'mesh',
    checks:
      'Enabled pools of one cluster do not overlap (Cilium marks the later one PoolConflict), nor do pools of clusters that share an L2/BGP network.',
    fix: 'Split the address range so each pool, and each cluster on a shared network, has its own block; list the clusters that share a network in `pools.networks`.',
    run(mesh) {
      const r = resultsFor(this);
      const out: CheckResult[] = [];
      const networks = mesh.conventions.pools.networks ?? [
        mesh.clusters.map(c => c.name),
      ];
      const networksOf = new Map<string, Set<number>>();
      networks.forEach((members, i) =>
        members.forEach(m =>
          networksOf.set(m, (networksOf.get(m) ?? new Set()).add(i)),
        ),
      );
      const shareNetwork = (a: ClusterModel, b: ClusterModel) =>
        [...(networksOf.get(a.name) ?? [])].some(n =>
          networksOf.get(b.name)?.has(n),
        );
      type Entry = {
        cluster: ClusterModel;
        pool: PoolModel;
        block: PoolModel['blocks'][number];
        range: IpRange;
      };
      const entries: Entry[] = mesh.clusters.flatMap(cluster =>
        cluster.pools
          .filter(pool => !pool.disabled)
          .flatMap(pool =>
            pool.blocks.flatMap(block =>
              block.range ? [{ cluster, pool, block, range: block.range }] : [],
            ),
          ),
      );
      // sweep by start address: only ranges still open can overlap the next one
      entries.sort((a, b) => compareRanges(a.range, b.range));
      let open: Entry[] = [];
      for (const b of entries) {
        open = open.filter(
          a =>
            a.range.family === b.range.family && a.range.last >= b.range.first,
        );
        for (const a of open) {
          const sameCluster = a.cluster === b.cluster;
          if (
            sameCluster
              ? a.pool === b.pool
              : !shareNetwork(a.cluster, b.cluster)
          )
            continue;
          const overlap = rangeOverlap(a.range, b.range)!;
          const where = sameCluster
            ? `pool ${a.pool.name} of the same cluster`
            : `pool ${a.pool.name} of ${a.cluster.name} on the same network`;
          out.push(
            resultsFor(this, b.cluster).fail(
              `pool ${b.pool.name} block ${b.block.text} overlaps ${where} (${
                a.block.text
              }, at ${formatLocation(a.block.location)}) on ${describeRange(
                overlap,
              )}`,
              b.block.location,
            ),
          );
        }
        open.push(b);
      }
      return out.length
        ? out
        : [
            r.pass(
              `the pools of ${mesh.clusters.length} clusters do not overlap`,
            ),
          ];
    },
  },
  {
    id: 'peers-complete',
    title: 'Peers complete',
    severity: 'error',
    scope: 'cluster',
    checks:
      "Every cluster has a peer FQDN variable for every other cluster (or its configured peers), equal to that peer's own FQDN.",
    fix: "Add `CILIUM_CLUSTERMESH_<PEER>_FQDN` for each peer to the settings, with the peer's FQDN.",
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const out: CheckResult[] = [];
      const expectedByName = expectedFqdns(mesh);
      const values = c.peerValues();
      for (let i = 0; i < c.peers.length; i++) {
        const value = values[i];
        const expected = expectedByName.get(c.peers[i].peer);
        if (value !== undefined && value === expected) continue; // the common case, kept cheap
        const { peer, variable } = c.peers[i];
        const peerModel = mesh.byName.get(peer);
        if (value === undefined) {
          out.push(
            r.fail(
              `${variable} is not set: the peer ${peer} is not known by FQDN${
                expected ? ` (expected ${q(expected)})` : ''
              }`,
              c.settingsLocation,
            ),
          );
        } else if (!peerModel) {
          out.push(
            r.fail(
              `${variable} names the peer ${peer}, which is not a cluster of the mesh`,
              c.settings.get(variable)!.location,
            ),
          );
        } else if (expected !== undefined) {
          out.push(
            r.fail(
              `${variable} is ${q(value)}, but ${peer}'s FQDN is ${q(
                expected,
              )}${
                peerModel.fqdn
                  ? ` (${formatLocation(peerModel.fqdn.location)})`
                  : ''
              }`,
              c.settings.get(variable)!.location,
            ),
          );
        }
      }
      if (out.length) return out;
      if (c.peers.length === 0) return [r.pass('has no peers to know')];
      const first = c.settings.get(c.peers[0].variable)!;
      return [
        r.pass(
          c.peers.length <= 3
            ? `knows ${c.peers
                .map((p, i) => `${p.peer} as ${q(values[i])}`)
                .join(', ')}`
            : `knows all ${c.peers.length} peers by FQDN (${
                c.peers[0].peer
              } as ${q(first.value)}, ...)`,
          first.location,
        ),
      ];
    },
  },
  {
    id: 'dnsendpoint-matches',
    title: 'DNS record matches',
    severity: 'error',
    scope: 'cluster',
    checks:
      'A DNSEndpoint applied to the cluster renders dnsName = FQDN, targets = [LB IP], the record type of the address family, the configured TTL and, for Cloudflare, "DNS only" (`cloudflare-proxied: "false"`). In manual mode, the records document lists the record.',
    fix: 'Edit the DNSEndpoint (or run `clustermesh-dns configure`); for Cloudflare add providerSpecific `external-dns.alpha.kubernetes.io/cloudflare-proxied: "false"`.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const { dns } = mesh.conventions;
      if (dns.mode === 'externaldns' && c.dnsEndpoints.length === 0) {
        return [
          r.fail(
            'no DNSEndpoint is applied to the cluster: no DNS record will be created for its ClusterMesh API server',
            c.fqdn?.location ?? c.settingsLocation,
          ),
        ];
      }
      if (!c.fqdn || !c.lbIpAddress)
        return [
          r.skip(
            'the FQDN or the LB IP is missing or invalid',
            c.settingsLocation,
          ),
        ];
      if (dns.mode === 'manual') {
        const bytes = mesh.index.tree.read(dns.recordsDocument);
        const where = { file: dns.recordsDocument, line: 1 };
        if (!bytes)
          return [
            r.fail(
              `DNS mode is manual, but the records document ${dns.recordsDocument} does not exist`,
              where,
            ),
          ];
        const text = new TextDecoder().decode(bytes);
        const names = [c.fqdn.value, c.fqdn.raw];
        const line = text
          .split('\n')
          .findIndex(
            l =>
              names.some(n => l.includes(n)) && l.includes(c.lbIpAddress!.text),
          );
        return line >= 0
          ? [
              r.pass(
                `the records document lists ${c.fqdn.raw} → ${c.lbIpAddress.text}`,
                { file: dns.recordsDocument, line: line + 1 },
              ),
            ]
          : [
              r.fail(
                `the records document has no line with ${q(c.fqdn.raw)} and ${
                  c.lbIpAddress.text
                }`,
                where,
              ),
            ];
      }
      const matching = fqdnRecords(c);
      if (matching.length === 0) {
        const seen = c.dnsEndpoints.flatMap(e =>
          e.records.map(
            rec => `${q(rec.dnsName)} at ${formatLocation(rec.location)}`,
          ),
        );
        return [
          r.fail(
            `no DNSEndpoint applied to the cluster has dnsName ${q(
              c.fqdn.value,
            )}${seen.length ? `; found ${seen.join(', ')}` : ''}${
              hasUnresolved(c.fqdn.value) ? verbatimHint(c) : ''
            }`,
            c.dnsEndpoints[0]?.records[0]?.location ?? c.fqdn.location,
          ),
        ];
      }
      const out: CheckResult[] = [];
      const wantType = recordTypeFor(c.lbIpAddress.family);
      for (const { endpoint, record } of matching) {
        const at = (field: string) =>
          locate(endpoint.object, ['spec', 'endpoints', record.index, field]);
        const name = `${describeObject(endpoint.object)} endpoint ${
          record.index
        }`;
        const targets = Array.isArray(record.targets)
          ? record.targets.map(String)
          : [];
        const target = parseIpAddress(targets[0] ?? '');
        if (
          targets.length !== 1 ||
          !target ||
          target.text !== c.lbIpAddress.text
        ) {
          out.push(
            r.fail(
              `${name} targets ${JSON.stringify(
                record.targets ?? [],
              )}, not [${q(c.lbIpAddress.text)}]${
                targets.some(hasUnresolved) ? ' (unresolved variable)' : ''
              }`,
              at('targets'),
            ),
          );
        }
        if (record.recordType !== wantType)
          out.push(
            r.fail(
              `${name} has recordType ${q(record.recordType)}, not ${q(
                wantType,
              )} for ${c.lbIpAddress.text}`,
              at('recordType'),
            ),
          );
        if (record.recordTTL !== dns.ttl)
          out.push(
            r.fail(
              `${name} has recordTTL ${q(
                record.recordTTL,
              )}, not the configured ${dns.ttl}`,
              at('recordTTL'),
            ),
          );
        if (dns.provider === 'cloudflare') {
          const key = `${dns.externalDnsAnnotationPrefix}cloudflare-proxied`;
          const entries = Array.isArray(record.providerSpecific)
            ? record.providerSpecific
            : [];
          const proxied = entries.find((e: any) => e?.name === key);
          if (!proxied || String(proxied.value) !== 'false') {
            out.push(
              r.fail(
                `${name} is not "DNS only": providerSpecific ${key} must be "false"${
                  proxied ? ` (is ${q(proxied.value)})` : ''
                }`,
                at('providerSpecific'),
              ),
            );
          }
        }
        if (out.length === 0) {
          return [
            r.pass(
              `${name}: ${c.fqdn.value} ${wantType} ${c.lbIpAddress.text} TTL ${
                dns.ttl
              }${dns.provider === 'cloudflare' ? ', DNS only' : ''}`,
              record.location,
            ),
          ];
        }
      }
      return out;
    },
  },
  {
    id: 'dnsendpoint-included',
    title: 'DNSEndpoint included',
    severity: 'error',
    scope: 'cluster',
    checks:
      "The DNSEndpoint file is reachable from the cluster's Flux Kustomizations (listed in a kustomization.yaml on the way).",
    fix: 'Add `dnsendpoint.yaml` to the `resources` of `kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml`.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (mesh.conventions.dns.mode === 'manual')
        return [r.skip('DNS mode is manual: no DNSEndpoint to include')];
      const file = mesh.conventions.dnsEndpoint.file;
      const applied = c.render.objects.some(
        ({ object }) => object.source.file === file,
      );
      if (applied)
        return [
          r.pass(`${file} is applied by the cluster's Flux Kustomizations`, {
            file,
            line: 1,
          }),
        ];
      if (!mesh.index.isFile(file)) {
        const other = c.dnsEndpoints[0];
        return other
          ? [
              r.pass(
                `the DNSEndpoint in ${other.object.source.file} is applied (conventions name ${file})`,
                locate(other.object),
              ),
            ]
          : [
              r.fail(
                `no DNSEndpoint is applied to the cluster and ${file} does not exist`,
                { file, line: 1 },
              ),
            ];
      }
      const dir = file.slice(0, file.lastIndexOf('/'));
      const kfile = mesh.renderer.kustomize.kustomizationFile(dir);
      return [
        r.fail(
          `${file} exists but no Flux Kustomization of the cluster applies it${
            kfile ? `: add it to the resources of ${kfile}` : ''
          }`,
          { file, line: 1 },
        ),
      ];
    },
  },
  {
    id: 'service-annotation',
    title: 'Service annotation',
    severity: 'error',
    scope: 'cluster',
    checks:
      'clustermesh.apiserver.service is type LoadBalancer with the LB IPAM annotation (`lbipam.cilium.io/ips`, or the older `io.cilium/lb-ipam-ips`) equal to the LB IP, and clustermesh.useAPIServer is true.',
    fix: 'In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}}`.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.cilium) return [r.skip(noCilium(mesh, c))];
      const v = c.cilium.values;
      const out: CheckResult[] = [];
      if (getPath(v, ['clustermesh', 'useAPIServer']) !== true) {
        out.push(
          r.fail(
            'clustermesh.useAPIServer is not true: the chart creates no clustermesh-apiserver service',
            c.cilium.locate(['clustermesh', 'useAPIServer']),
          ),
        );
      }
      const service = ['clustermesh', 'apiserver', 'service'];
      const type = getPath(v, [...service, 'type']);
      if (type !== 'LoadBalancer')
        out.push(
          r.fail(
            `clustermesh.apiserver.service.type is ${q(
              type ?? 'NodePort (chart default)',
            )}, not "LoadBalancer"`,
            c.cilium.locate([...service, 'type']),
          ),
        );
      const annotations = getPath(v, [...service, 'annotations']);
      const key = LB_IPAM_KEYS.find(
        k => isRecord(annotations) && annotations[k] !== undefined,
      );
      if (!key) {
        out.push(
          r.fail(
            `clustermesh.apiserver.service has no LB IPAM annotation (${LB_IPAM_KEYS.join(
              ' or ',
            )})`,
            c.cilium.locate([...service, 'annotations']),
          ),
        );
      } else {
        const value = (annotations as any)[key];
        const where = c.cilium.locate([...service, 'annotations', key]);
        if (typeof value !== 'string') {
          out.push(
            r.fail(
              `annotation ${key} is ${q(
                value,
              )}: annotation values must be strings`,
              where,
            ),
          );
        } else if (!c.lbIpAddress) {
          out.push(
            r.skip(
              `annotation ${key} is ${q(
                value,
              )}; the LB IP is missing or invalid`,
              where,
            ),
          );
        } else if (parseIpAddress(value.trim())?.text !== c.lbIpAddress.text) {
          out.push(
            r.fail(
              `annotation ${key} is ${q(value)}, not the LB IP ${
                c.lbIpAddress.text
              }${hasUnresolved(value) ? ' (unresolved variable)' : ''}`,
              where,
            ),
          );
        } else if (out.length === 0) {
          return [
            r.pass(
              `clustermesh-apiserver is a LoadBalancer with ${key}: ${value}`,
              where,
            ),
          ];
        }
      }
      return out;
    },
  },
  {
    id: 'peers-by-fqdn',
    title: 'Peers by FQDN',
    severity: 'error',
    scope: 'cluster',
    checks:
      'clustermesh.config.clusters lists every peer by `address` (its FQDN) and `port`, not by `ips`. An entry for the cluster itself is allowed: the agent skips it.',
    fix: 'For each peer write `{name: <peer>, address: ${CILIUM_CLUSTERMESH_<PEER>_FQDN}, port: 2379}` and remove `ips`.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.cilium) return [r.skip(noCilium(mesh, c))];
      const cilium = c.cilium;
      const entries = meshConfigEntries(c);
      const base = ['clustermesh', 'config'];
      const out: CheckResult[] = [];
      if (getPath(cilium.values, [...base, 'enabled']) !== true) {
        out.push(
          r.fail(
            'clustermesh.config.enabled is not true: the chart writes no mesh configuration',
            cilium.locate([...base, 'enabled']),
          ),
        );
      }
      const port = mesh.conventions.cilium.apiserverPort;
      for (const { peer } of c.peers) {
        const peerModel = mesh.byName.get(peer);
        const peerName = peerModel?.ciliumName ?? peer;
        const expected = peerModel?.fqdn?.value;
        const fields = entries.fieldsOf(peerName);
        // the common case, kept cheap: reached by its FQDN on the apiserver port
        if (
          fields &&
          fields.ips === undefined &&
          typeof fields.address === 'string' &&
          (!expected || fields.address === expected) &&
          Number(fields.port) === port
        )
          continue;
        const entry = entries.byName(peerName);
        const e = entry?.entry;
        if (!entry || !e) {
          out.push(
            r.fail(
              `clustermesh.config.clusters has no entry for the peer ${peerName}`,
              cilium.locate([...base, 'clusters']),
            ),
          );
          continue;
        }
        const at = (field: string) => cilium.locate(entryPath(entry, field));
        if (e.ips !== undefined) {
          out.push(
            r.fail(
              `the entry for ${peerName} lists ips ${JSON.stringify(
                e.ips,
              )}: peers must be reached by address (FQDN)`,
              at('ips'),
            ),
          );
        }
        if (typeof e.address !== 'string') {
          out.push(
            r.fail(
              `the entry for ${peerName} has no address`,
              cilium.locate(entryPath(entry)),
            ),
          );
        } else if (expected && e.address !== expected) {
          out.push(
            r.fail(
              `the entry for ${peerName} has address ${q(
                e.address,
              )}, not ${peerName}'s FQDN ${q(expected)}${
                hasUnresolved(e.address) ? ' (unresolved variable)' : ''
              }`,
              at('address'),
            ),
          );
        }
        if (e.port === undefined) {
          out.push(
            r.fail(
              `the entry for ${peerName} has no port (the chart writes https://<address>: without one)`,
              cilium.locate(entryPath(entry)),
            ),
          );
        } else if (Number(e.port) !== port) {
          out.push(
            r.fail(
              `the entry for ${peerName} has port ${q(e.port)}, not ${port}`,
              at('port'),
            ),
          );
        }
      }
      if (out.length) return out;
      const names =
        c.peers.length <= 3
          ? c.peers.map(p => p.peer).join(', ') || 'no peer'
          : `all ${c.peers.length} peers`;
      return [
        r.pass(
          `reaches ${names} by FQDN on port ${port}`,
          cilium.locate([...base, 'clusters']),
        ),
      ];
    },
  },
  {
    id: 'tls-san',
    title: 'TLS SAN',
    severity: 'error',
    scope: 'cluster',
    checks:
      "clustermesh.apiserver.tls.server.extraDnsNames contains the cluster's FQDN, since peers that connect by name verify it.",
    fix: 'Add `${CILIUM_CLUSTERMESH_FQDN}` to `clustermesh.apiserver.tls.server.extraDnsNames`.',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      if (!c.cilium) return [r.skip(noCilium(mesh, c))];
      const path = [
        'clustermesh',
        'apiserver',
        'tls',
        'server',
        'extraDnsNames',
      ];
      const names = getPath(c.cilium.values, path);
      const list = Array.isArray(names) ? names.map(String) : [];
      if (!c.fqdn) {
        return list.length
          ? [
              r.skip(
                `${mesh.conventions.variables.fqdn} is not set`,
                c.settingsLocation,
              ),
            ]
          : [
              r.fail(
                'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
                c.cilium.locate(path),
              ),
            ];
      }
      const fqdn = c.fqdn.value.replace(/\.$/, '');
      return list.some(n => certificateNameCovers(n, fqdn))
        ? [
            r.pass(
              `the server certificate names ${fqdn}`,
              c.cilium.locate(path),
            ),
          ]
        : [
            r.fail(
              `clustermesh.apiserver.tls.server.extraDnsNames ${
                list.length ? JSON.stringify(list) : 'is empty'
              }; it must contain ${q(fqdn)}`,
              c.cilium.locate(path),
            ),
          ];
    },
  },
  {
    id: 'substitution-complete',
    title: 'Substitution complete',
    severity: 'error',
    scope: 'cluster',
    checks:
      'No `${VAR}` is left unresolved in anything the rules read, and no post-build substitution of the cluster fails (strict mode, invalid names, broken YAML).',
    fix: 'Define the variable where the Kustomization substitutes from, give it a default (`${VAR:=value}`), or apply the settings through a substituting Kustomization.',
    run(_mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const out: CheckResult[] = [];
      for (const f of c.render.findings) {
        if (f.code === 'substitution-failed' && f.severity === 'error')
          out.push(r.fail(f.message.replace(/^\S+:\d+ /, ''), f.location));
      }
      // values the rules read; locations are only looked up for the failures
      let read = 0;
      const check = (
        what: string,
        value: unknown,
        where: () => SourceLocation | undefined,
      ) => {
        read++;
        if (hasUnresolved(value))
          out.push(
            r.fail(
              `${what} ${q(
                value,
              )} still holds an unresolved variable${verbatimHint(c)}`,
              where(),
            ),
          );
      };
      if (c.fqdn) check('FQDN', c.fqdn.value, () => c.fqdn!.location);
      if (c.lbIp) check('LB IP', c.lbIp.value, () => c.lbIp!.location);
      const peerValues = c.peerValues();
      for (let i = 0; i < c.peers.length; i++) {
        read++;
        if (hasUnresolved(peerValues[i])) {
          const v = c.peers[i].variable;
          out.push(
            r.fail(
              `${v} ${q(
                peerValues[i],
              )} still holds an unresolved variable${verbatimHint(c)}`,
              c.settings.get(v)?.location,
            ),
          );
        }
      }
      for (const e of c.dnsEndpoints) {
        for (const rec of e.records) {
          check(
            `${describeObject(e.object)} dnsName`,
            rec.dnsName,
            () => rec.location,
          );
          for (const t of Array.isArray(rec.targets) ? rec.targets : [])
            check(`${describeObject(e.object)} target`, t, () => rec.location);
        }
      }
      if (c.cilium) {
        const cil = c.cilium;
        const service = ['clustermesh', 'apiserver', 'service', 'annotations'];
        const annotations = getPath(cil.values, service);
        for (const k of LB_IPAM_KEYS) {
          if (isRecord(annotations) && annotations[k] !== undefined)
            check(`annotation ${k}`, annotations[k], () =>
              cil.locate([...service, k]),
            );
        }
        for (const e of meshConfigEntries(c).list()) {
          // resolved addresses are counted without building a check for each
          if (!hasUnresolved(e.entry.address)) read++;
          else
            check(`mesh entry ${e.name} address`, e.entry.address, () =>
              cil.locate(entryPath(e, 'address')),
            );
        }
        const sanPath = [
          'clustermesh',
          'apiserver',
          'tls',
          'server',
          'extraDnsNames',
        ];
        const sans = getPath(cil.values, sanPath);
        (Array.isArray(sans) ? sans : []).forEach((v, i) =>
          check('extraDnsNames entry', v, () => cil.locate([...sanPath, i])),
        );
        check('cluster.name', getPath(cil.values, ['cluster', 'name']), () =>
          cil.locate(['cluster', 'name']),
        );
      }
      return out.length
        ? out
        : [r.pass(`every value the checks read is resolved (${read} values)`)];
    },
  },
  {
    id: 'ttl-valid',
    title: 'TTL valid',
    severity: 'error',
    scope: 'cluster',
    checks:
      "The TTL is within the provider's range (Cloudflare: 1 = auto, or 60..86400; others: 1..2147483647).",
    fix: 'Use 300 (the story), or 1 for Cloudflare\'s "auto".',
    run(mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const { dns } = mesh.conventions;
      const valid = (ttl: unknown) => isValidTtl(ttl, dns.provider);
      const range = ttlRange(dns.provider);
      const out: CheckResult[] = [];
      if (!valid(dns.ttl))
        out.push(r.fail(`the configured TTL ${dns.ttl} is outside ${range}`));
      const records: { rec: DnsEndpointRecord; obj: any }[] = fqdnRecords(
        c,
      ).map(m => ({ rec: m.record, obj: m.endpoint.object }));
      for (const { rec, obj } of records) {
        if (rec.recordTTL !== undefined && !valid(rec.recordTTL)) {
          out.push(
            r.fail(
              `${describeObject(obj)} has recordTTL ${q(
                rec.recordTTL,
              )}, outside ${range}`,
              locate(obj, ['spec', 'endpoints', rec.index, 'recordTTL']),
            ),
          );
        }
      }
      return out.length
        ? out
        : [
            r.pass(
              `TTL ${records[0]?.rec.recordTTL ?? dns.ttl} is within ${range}`,
              records[0]?.rec.location,
            ),
          ];
    },
  },
  {
    id: 'manifest-shape',
    title: 'Manifest shape',
    severity: 'error',
    scope: 'cluster',
    checks:
      'The objects the rules read (DNSEndpoint, CiliumLoadBalancerIPPool, HelmRelease, Flux Kustomization) have the shape their CRDs define for those fields: types, required fields, enums. The offline stand-in for `kubectl --dry-run=client`.',
    fix: 'Correct the field named in the message (its type or value) as the CRD defines it.',
    run(_mesh, cluster) {
      const r = resultsFor(this, cluster);
      const c = cluster!;
      const out: CheckResult[] = [];
      let checked = 0;
      for (const { object } of c.render.objects) {
        const problems = shapeProblems(
          object.apiVersion,
          object.kind,
          object.body,
        );
        if (!problems) continue;
        checked++;
        for (const p of problems)
          out.push(
            r.fail(
              `${describeObject(object)}: ${p.message}`,
              locate(object, p.path),
            ),
          );
      }
      return out.length
        ? out
        : [r.pass(`${checked} objects have the shape their CRDs define`)];
    },
  },
];

/** A rule by id. @public */
export function ruleById(id: string): RuleDefinition | undefined {
  return rules.find(rule => rule.id === id);
}
