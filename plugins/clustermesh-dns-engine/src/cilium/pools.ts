import {
  IpRange,
  parseCidr,
  parseStartStop,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ManifestObject } from '../core/manifest';
import { isRecord } from '../core/paths';
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
  range?: IpRange;
  problem?: string;
  location: SourceLocation;
}

/** A CiliumLoadBalancerIPPool applied to a cluster. @public */
export interface PoolModel {
  name: string;
  object: ManifestObject;
  disabled: boolean;
  blocks: PoolBlock[];
  serviceSelector?: LabelSelector;
  location: SourceLocation;
}

/** Reads a pool's blocks (`blocks`, or the older `cidrs`), each with its line. @public */
export function readPool(object: ManifestObject): PoolModel {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const field = Array.isArray(spec.blocks) ? 'blocks' : 'cidrs';
  const blocks: PoolBlock[] = (
    Array.isArray(spec[field]) ? spec[field] : []
  ).map((block: unknown, i: number): PoolBlock => {
    const location = locate(object, ['spec', field, i]);
    if (!isRecord(block))
      return {
        text: String(block),
        problem: 'is not a map with cidr or start',
        location,
      };
    if (typeof block.cidr === 'string') {
      const range = parseCidr(block.cidr);
      return range
        ? { text: block.cidr, range, location }
        : { text: block.cidr, problem: 'is not a valid CIDR', location };
    }
    if (typeof block.start === 'string') {
      const stop = typeof block.stop === 'string' ? block.stop : undefined;
      const range = parseStartStop(block.start, stop);
      const text = stop ? `${block.start}-${stop}` : block.start;
      return range
        ? { text, range, location }
        : { text, problem: 'is not a valid start/stop range', location };
    }
    return {
      text: JSON.stringify(block),
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
    blocks,
    serviceSelector: selector,
    location: locate(object),
  };
}
