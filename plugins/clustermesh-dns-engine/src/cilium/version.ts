/**
 * Cilium's version as its chart pins it, for what changed between
 * releases: LB IPAM reads `lbipam.cilium.io/ips` from 1.15 only (before,
 * `io.cilium/lb-ipam-ips`, which later releases still read).
 */

/** Where a HelmRelease pins its chart's version. */
export const chartVersionPath = ['spec', 'chart', 'spec', 'version'];

/** Where an OCIRepository of the chart (a `chartRef`) pins it. */
export const ociTagPath = ['spec', 'ref', 'tag'];

/** A release line, `major.minor`. */
export interface CiliumMinor {
  major: number;
  minor: number;
}

/** The first release whose LB IPAM reads `lbipam.cilium.io/ips`. */
const newAnnotationSince: CiliumMinor = { major: 1, minor: 15 };

/**
 * The release line a chart version pins (`1.14.3`, `v1.14.3`, `1.14.x`,
 * `~1.14.0`); undefined for anything that may be another line (`>=1.14`,
 * `*`, `^1.14`) or is not a version.
 */
export function pinnedCiliumMinor(version: unknown): CiliumMinor | undefined {
  if (typeof version !== 'string') return undefined;
  const match =
    /^[~=]?\s*v?(\d+)\.(\d+)(?:\.(?:\d+|x|\*)(?:[-+][\w.-]*)?)?$/.exec(
      version.trim(),
    );
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Whether a release line comes before another. */
const before = (version: CiliumMinor, since: CiliumMinor) =>
  version.major < since.major ||
  (version.major === since.major && version.minor < since.minor);

/**
 * The release line whose chart puts `clustermesh.apiserver.service.labels`
 * on the service: added for 1.18 and backported to a 1.17 patch release,
 * so a 1.17 chart is read as having it (one pinned before the backport is
 * not told apart).
 */
const serviceLabelsSince: CiliumMinor = { major: 1, minor: 17 };

/** Whether a release line's chart labels the clustermesh-apiserver service with `clustermesh.apiserver.service.labels`. */
export function chartReadsServiceLabels(version: CiliumMinor): boolean {
  return !before(version, serviceLabelsSince);
}

/** Whether a release line's LB IPAM reads only the older `io.cilium/lb-ipam-ips`. */
export function readsOnlyOldLbIpamAnnotation(version: CiliumMinor): boolean {
  return before(version, newAnnotationSince);
}

/** The release line that brought LB IPAM (`CiliumLoadBalancerIPPool`). */
const lbIpamSince: CiliumMinor = { major: 1, minor: 13 };

/** Whether a release line comes before LB IPAM: no pool kind, no address from one. */
export function hasNoLbIpam(version: CiliumMinor): boolean {
  return before(version, lbIpamSince);
}

/** The release line that removed `CiliumBGPPeeringPolicy` and the BGP control plane behind it (BGPv1). */
const bgpPeeringPolicyRemovedIn: CiliumMinor = { major: 1, minor: 19 };

/** Whether a release line no longer has `CiliumBGPPeeringPolicy` (BGPv1): such a policy announces nothing. */
export function hasNoBgpPeeringPolicy(version: CiliumMinor): boolean {
  return !before(version, bgpPeeringPolicyRemovedIn);
}
