import {
  IpRange,
  parseCidr,
  parseStartStop,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import type { LabelSelector } from '../k8s/labelSelector';
import { locate } from '../yaml/locate';

/** The API versions of CiliumLoadBalancerIPPool: `v2` from Cilium 1.18, `v2alpha1` before. @public */
export const poolApiVersions: ReadonlySet<string> = new Set([
  'cilium.io/v2alpha1',
  'cilium.io/v2',
]);

/** @public */
export function isLoadBalancerPool(object: {
  kind: string;
  apiVersion: string;
}): boolean {
  return (
    object.kind === 'CiliumLoadBalancerIPPool' &&
    poolApiVersions.has(object.apiVersion)
  );
}

/** One block of a pool (`cidr`, or `start`/`stop`). @public */
export interface PoolBlock {
  text: string;
  /** `cidr` blocks lose their first and last address unless the pool allows them. */
  kind: 'cidr' | 'range';
  range?: IpRange;
  problem?: string;
  /**
   * The variables of a block written from values not known here, or
   * `SOPS` for a block of a pool encrypted with SOPS (it has no range then).
   */
  unknown?: string[];
  location: SourceLocation;
}

/** A CiliumLoadBalancerIPPool applied to a cluster. @public */
export interface PoolModel {
  name: string;
  object: ManifestObject;
  disabled: boolean;
  /**
   * `spec.allowFirstLastIPs: "No"`: the first and last address of each CIDR
   * are reserved. When it is `Yes` or unset, Cilium gives them out too.
   */
  reservesFirstLast: boolean;
  blocks: PoolBlock[];
  serviceSelector?: LabelSelector;
  location: SourceLocation;
}

/**
 * Where a block is written: at its bounds, so that an overlay's patch of
 * one (a JSON 6902 `replace` of `/spec/blocks/0/start`) is where the
 * block's addresses are read, not the base's line.
 */
function blockLocation(
  object: ManifestObject,
  path: readonly (string | number)[],
  block: unknown,
) {
  const bounds = isRecord(block)
    ? ['cidr', 'start', 'stop'].filter(k => typeof block[k] === 'string')
    : [];
  const located = bounds.map(k => locate(object, [...path, k]));
  return (
    located.find(l => l.file !== object.source.file) ??
    located[0] ??
    locate(object, path)
  );
}

/**
 * A pool block holding one address, written as the cluster's pools write
 * theirs: `cidrs` where they all use only that older field (Cilium before
 * 1.15 has no `blocks`), else `blocks` with start and stop.
 *
 * @public
 */
export function blockHolding(
  ip: string,
  pools: readonly Pick<PoolModel, 'object'>[],
): string {
  const olderField =
    pools.length > 0 &&
    pools.every(
      p =>
        Array.isArray(getPath(p.object.body, ['spec', 'cidrs'])) &&
        !Array.isArray(getPath(p.object.body, ['spec', 'blocks'])),
    );
  const cidr = `{cidr: ${ip}/${ip.includes(':') ? 128 : 32}}`;
  if (olderField) return `spec.cidrs: [${cidr}]`;
  // blocks written as CIDRs only (ionut-maxim's `blocks: [{cidr: …}]`)
  const blocks = pools.flatMap(p => {
    const list = getPath(p.object.body, ['spec', 'blocks']);
    return Array.isArray(list) ? list : [];
  });
  return blocks.length > 0 &&
    blocks.every(b => isRecord(b) && b.cidr !== undefined)
    ? `spec.blocks: [${cidr}]`
    : `spec.blocks: [{start: ${ip}, stop: ${ip}}]`;
}

/** Reads a pool's blocks (`blocks`, or the older `cidrs`), each with its line. @public */
export function readPool(object: ManifestObject): PoolModel {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const field = Array.isArray(spec.blocks) ? 'blocks' : 'cidrs';
  const blocks: PoolBlock[] = (
    Array.isArray(spec[field]) ? spec[field] : []
  ).map((block: unknown, i: number): PoolBlock => {
    const location = blockLocation(object, ['spec', field, i], block);
    if (!isRecord(block))
      return {
        text: String(block),
        kind: 'range',
        problem: 'is not a map with cidr or start',
        location,
      };
    const bounds = [block.cidr, block.start, block.stop].filter(
      (v): v is string => typeof v === 'string',
    );
    // Flux decrypts a SOPS-encrypted pool; here its bounds are ciphertext
    if (bounds.some(v => v.startsWith('ENC[')))
      return {
        text: '(encrypted with SOPS)',
        kind: typeof block.cidr === 'string' ? 'cidr' : 'range',
        unknown: ['SOPS'],
        location,
      };
    const text = bounds.join('-');
    const unknown = unknownVariables(text);
    if (unknown.length)
      return {
        text,
        kind: typeof block.cidr === 'string' ? 'cidr' : 'range',
        unknown,
        location,
      };
    if (typeof block.cidr === 'string') {
      const range = parseCidr(block.cidr);
      return range
        ? { text: block.cidr, kind: 'cidr', range, location }
        : {
            text: block.cidr,
            kind: 'cidr',
            problem: 'is not a valid CIDR',
            location,
          };
    }
    if (typeof block.start === 'string') {
      const stop = typeof block.stop === 'string' ? block.stop : undefined;
      const range = parseStartStop(block.start, stop);
      const rangeText = stop ? `${block.start}-${stop}` : block.start;
      return range
        ? { text: rangeText, kind: 'range', range, location }
        : {
            text: rangeText,
            kind: 'range',
            problem: 'is not a valid start/stop range',
            location,
          };
    }
    // written, but empty: a variable Flux (not strict) replaced with
    // nothing (sklab-dev's copy: `cidr: ${CLUSTER_LB_CIDR}`)
    const empty = (['cidr', 'start'] as const).find(
      k => k in block && (block[k] === null || block[k] === ''),
    );
    if (empty)
      return {
        text: `${empty} (empty)`,
        kind: empty === 'cidr' ? 'cidr' : 'range',
        problem: `has an empty ${empty}`,
        location,
      };
    return {
      text: JSON.stringify(block),
      kind: 'range',
      problem: 'has neither cidr nor start',
      location,
    };
  });
  const selector = isRecord(spec.serviceSelector)
    ? (spec.serviceSelector as LabelSelector)
    : undefined;
  return {
    name: object.name,
    object,
    disabled: spec.disabled === true,
    reservesFirstLast: String(spec.allowFirstLastIPs).toLowerCase() === 'no',
    blocks,
    serviceSelector: selector,
    location: locate(object),
  };
}

/**
 * The addresses LB IPAM gives out from a block: every one, except that a
 * pool with `allowFirstLastIPs: "No"` reserves the first and last address of
 * each CIDR (not of /32, /31, /128 or /127 blocks, which would be unusable).
 *
 * @public
 */
export function allocatableRange(
  pool: PoolModel,
  block: PoolBlock,
): IpRange | undefined {
  const range = block.range;
  if (!range || block.kind !== 'cidr' || !pool.reservesFirstLast) return range;
  if (range.last - range.first < 2n) return range;
  return { ...range, first: range.first + 1n, last: range.last - 1n };
}
