import {
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { announcerClasses, apiserverLabelsToGive } from '../cilium/values';
import { hasNoBgpPeeringPolicy } from '../cilium/version';
import { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { hasUnresolvedReference } from '../flux/envsubst';
import { stringMapAt } from '../flux/kustomize/immutable';
import { LabelSelector, selectorAdmits } from '../k8s/labelSelector';
import { ciliumVersion } from './queries';
import type { ClusterModel } from './types';

/*
 * How a cluster announces LoadBalancer addresses with Cilium (L2
 * announcement policies, BGP advertisements and peering policies), and
 * whether each announces the clustermesh-apiserver's: read by the
 * lb-ip-announced rule, and by configure to label the service as one selects.
 */

/** What one announcement object says of the clustermesh-apiserver's address. @public */
export interface Announcement {
  object: ManifestObject;
  /** Undefined when it announces it; else why not. */
  not?: string;
  /** Its selector holds a value not known here. */
  unknown?: boolean;
  /**
   * The Cilium feature it needs, when the values read are one layer of
   * the install (a plain values file beside Terraform's `set`, RKE2's
   * defaults) and do not set it: it may be on.
   */
  needs?: string;
  /** The Cilium feature it needs, which the values leave off. */
  off?: 'l2announcements' | 'bgpControlPlane';
  /**
   * Where only its service selector keeps it from announcing the address,
   * and that selector is labels to match (`matchLabels` alone, known
   * here): the labels the service would need.
   */
  admitBy?: Record<string, string>;
}

const isCilium = (o: ManifestObject) => o.apiVersion.startsWith('cilium.io/');

const asSelector = (v: unknown): LabelSelector | undefined =>
  isRecord(v) ? (v as LabelSelector) : undefined;

/** Whether a selector admits the service: undefined, or why not in words. */
function admitting(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
  /** What an absent selector means for this kind. */
  absent: 'all' | 'none',
): string | undefined {
  if (!selector)
    return absent === 'all' ? undefined : 'it has no service selector';
  return selectorAdmits(selector, labels)
    ? undefined
    : `its service selector ${JSON.stringify(selector)} does not admit it`;
}

/** Whether a selector holds a value not known here. */
export const notKnown = (selector: unknown) => {
  const text = JSON.stringify(selector ?? null);
  return unknownVariables(text).length > 0 || hasUnresolvedReference(text);
};

/**
 * The labels a service lacks for a selector that is labels to match alone
 * (`matchLabels`, every value known here, every key one the values can
 * give the clustermesh-apiserver service); undefined for any other.
 */
function labelsAdmitting(
  selector: unknown,
  /** The labels the service has. */
  has: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  if (!isRecord(selector) || notKnown(selector)) return undefined;
  const keys = Object.keys(selector);
  if (keys.length !== 1 || keys[0] !== 'matchLabels') return undefined;
  const labels = selector.matchLabels;
  if (!isRecord(labels)) return undefined;
  return apiserverLabelsToGive(labels, has);
}

/**
 * A feature the values read do not set, where they are one layer of the
 * install (a values file Terraform or helmfile reads beside its own `set`,
 * RKE2's HelmChartConfig over its defaults): whether it is on is not known.
 */
const unsetInLayer = (cluster: ClusterModel, feature: string) =>
  cluster.cilium !== undefined &&
  cluster.cilium.kind !== 'helmrelease' &&
  getPath(cluster.cilium.values, [feature, 'enabled']) === undefined;

/** Whether the cluster's Cilium values (when read) leave a feature off. */
const switchedOff = (cluster: ClusterModel, feature: string) =>
  cluster.cilium !== undefined &&
  getPath(cluster.cilium.values, [feature, 'enabled']) !== true &&
  !unsetInLayer(cluster, feature);

/**
 * Why the service's load-balancer class keeps an announcer kind off it
 * (Cilium announces a service whose class is unset or the announcer's own);
 * undefined when it does not.
 */
const classExcludes = (
  serviceClass: string | undefined,
  announcer: keyof typeof announcerClasses,
) =>
  serviceClass === undefined || serviceClass === announcerClasses[announcer]
    ? undefined
    : `the service's loadBalancerClass ${serviceClass} is not ${announcerClasses[announcer]}, the one it serves`;

/**
 * Whether a CiliumBGPPeerConfig of the cluster selects a BGP advertisement
 * (a family whose `advertisements` selector admits its labels; a family
 * without one selects none): undefined when one does, else why not.
 */
function peerConfigSelects(
  advertisement: ManifestObject,
  peerConfigs: ManifestObject[],
): { not?: string; unknown: boolean } {
  const selectors = peerConfigs.flatMap(p => {
    const families = getPath(p.body, ['spec', 'families']);
    return (Array.isArray(families) ? families : [])
      .filter(isRecord)
      .map(f => asSelector(f.advertisements))
      .filter((s): s is LabelSelector => s !== undefined);
  });
  const labels = stringMapAt(advertisement.body, 'metadata', 'labels');
  if (selectors.some(s => selectorAdmits(s, labels))) return { unknown: false };
  return {
    unknown: selectors.some(notKnown),
    not: peerConfigs.length
      ? `no CiliumBGPPeerConfig family selects it by its labels (${
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || 'none'
        })`
      : 'no CiliumBGPPeerConfig is applied to the cluster to select it',
  };
}

/**
 * What an L2 announcement policy limits its announcing to, which the
 * repository cannot show: the nodes its nodeSelector picks and the node
 * interfaces its patterns match (said, so the pass is not taken for more).
 */
export function l2Limits(policy: ManifestObject): string {
  if (policy.kind !== 'CiliumL2AnnouncementPolicy') return '';
  const nodeSelector = getPath(policy.body, ['spec', 'nodeSelector']);
  const interfaces = getPath(policy.body, ['spec', 'interfaces']);
  const byNodes =
    isRecord(nodeSelector) && Object.keys(nodeSelector).length > 0;
  const byInterfaces = Array.isArray(interfaces) && interfaces.length > 0;
  const limits = [
    ...(byNodes ? ['from the nodes its nodeSelector picks'] : []),
    ...(byInterfaces
      ? [`on interfaces matching ${interfaces.map(String).join(', ')}`]
      : []),
  ];
  const unknown = [
    ...(byNodes ? ['nodes'] : []),
    ...(byInterfaces ? ['interfaces'] : []),
  ].join(' and ');
  return limits.length
    ? `, ${limits.join(', ')} (which ${unknown} match is not known here)`
    : '';
}

/** Undefined when any part announces it; else the first part's reason. */
const anyAnnounces = (reasons: (string | undefined)[], none: string) =>
  reasons.length && reasons.includes(undefined)
    ? undefined
    : reasons[0] ?? none;

/**
 * The cluster's L2 announcement policies and BGP advertisements, each with
 * whether it announces the clustermesh-apiserver's LoadBalancer address:
 * a CiliumL2AnnouncementPolicy with `loadBalancerIPs: true` whose
 * serviceSelector (none: every service) admits it; a CiliumBGPAdvertisement
 * of type Service with the LoadBalancerIP address whose selector admits it
 * (none: no service); a CiliumBGPPeeringPolicy virtual router whose
 * serviceSelector admits it (none: no service), advertising LoadBalancerIP.
 *
 * @public
 */
export function announcementsOf(
  labels: Record<string, string>,
  cluster: ClusterModel,
  serviceClass: string | undefined,
): Announcement[] {
  const out: Announcement[] = [];
  const peerConfigs = cluster.render.objects
    .map(r => r.object)
    .filter(o => isCilium(o) && o.kind === 'CiliumBGPPeerConfig');
  for (const { object } of cluster.render.objects) {
    if (!isCilium(object)) continue;
    const spec = isRecord(object.body.spec) ? object.body.spec : {};
    if (object.kind === 'CiliumL2AnnouncementPolicy') {
      // why not, the feature aside
      let rest: string | undefined;
      if (classExcludes(serviceClass, 'l2'))
        rest = classExcludes(serviceClass, 'l2');
      else if (spec.loadBalancerIPs !== true)
        rest =
          'it does not announce LoadBalancer addresses (loadBalancerIPs is not true)';
      else rest = admitting(asSelector(spec.serviceSelector), labels, 'all');
      const off = switchedOff(cluster, 'l2announcements');
      // its selector alone keeps it off the service
      const admitBy =
        rest !== undefined &&
        !classExcludes(serviceClass, 'l2') &&
        spec.loadBalancerIPs === true
          ? labelsAdmitting(spec.serviceSelector, labels)
          : undefined;
      out.push({
        object,
        ...(!off && admitBy && { admitBy }),
        unknown: notKnown(spec.serviceSelector),
        not: off
          ? "Cilium's values do not switch L2 announcements on (l2announcements.enabled)"
          : rest,
        // it would announce it, were the feature on
        ...(off && rest === undefined && { off: 'l2announcements' as const }),
        ...(unsetInLayer(cluster, 'l2announcements') && {
          needs: 'l2announcements.enabled',
        }),
      });
    } else if (object.kind === 'CiliumBGPAdvertisement') {
      const services = (
        Array.isArray(spec.advertisements) ? spec.advertisements : []
      ).filter(
        (a: unknown) =>
          isRecord(a) &&
          a.advertisementType === 'Service' &&
          Array.isArray(getPath(a, ['service', 'addresses'])) &&
          (getPath(a, ['service', 'addresses']) as unknown[]).includes(
            'LoadBalancerIP',
          ),
      );
      // BGPv2 sends an advertisement only through a peer config selecting it
      const selected = peerConfigSelects(object, peerConfigs);
      const rest =
        classExcludes(serviceClass, 'bgp') ??
        selected.not ??
        anyAnnounces(
          services.map((a: Record<string, unknown>) =>
            admitting(asSelector(a.selector), labels, 'none'),
          ),
          'it advertises no LoadBalancer service addresses',
        );
      const off = switchedOff(cluster, 'bgpControlPlane');
      // a service advertisement whose selector alone keeps it off the service
      const admitBy =
        rest !== undefined &&
        !classExcludes(serviceClass, 'bgp') &&
        selected.not === undefined
          ? services
              .map((a: Record<string, unknown>) =>
                labelsAdmitting(a.selector, labels),
              )
              .find(Boolean)
          : undefined;
      out.push({
        object,
        ...(!off && admitBy && { admitBy }),
        ...(off && rest === undefined && { off: 'bgpControlPlane' as const }),
        ...(unsetInLayer(cluster, 'bgpControlPlane') && {
          needs: 'bgpControlPlane.enabled',
        }),
        unknown:
          selected.unknown ||
          services.some((a: Record<string, unknown>) => notKnown(a.selector)),
        not: off
          ? "Cilium's values do not switch the BGP control plane on (bgpControlPlane.enabled)"
          : rest,
      });
    } else if (object.kind === 'CiliumBGPPeeringPolicy') {
      // Cilium 1.19 removed the kind and BGPv1 with it (snazy2000's copy)
      const version = ciliumVersion(cluster);
      if (version && hasNoBgpPeeringPolicy(version)) {
        out.push({
          object,
          unknown: false,
          not: `Cilium ${version.text} (${formatLocation(
            version.location,
          )}) has no CiliumBGPPeeringPolicy: 1.19 removed the kind and the BGP control plane that read it (BGPv1), so it announces nothing (use CiliumBGPClusterConfig, CiliumBGPPeerConfig and CiliumBGPAdvertisement)`,
        });
        continue;
      }
      const routers = (
        Array.isArray(spec.virtualRouters) ? spec.virtualRouters : []
      ).filter(isRecord);
      const rest =
        classExcludes(serviceClass, 'bgp') ??
        anyAnnounces(
          routers.map((v: Record<string, unknown>) =>
            Array.isArray(v.serviceAdvertisements) &&
            !v.serviceAdvertisements.includes('LoadBalancerIP')
              ? 'its virtual router does not advertise LoadBalancerIP'
              : admitting(asSelector(v.serviceSelector), labels, 'none'),
          ),
          'it has no virtual routers',
        );
      const off = switchedOff(cluster, 'bgpControlPlane');
      out.push({
        object,
        ...(off && rest === undefined && { off: 'bgpControlPlane' as const }),
        ...(unsetInLayer(cluster, 'bgpControlPlane') && {
          needs: 'bgpControlPlane.enabled',
        }),
        unknown: routers.some((v: Record<string, unknown>) =>
          notKnown(v.serviceSelector),
        ),
        not: off
          ? "Cilium's values do not switch the BGP control plane on (bgpControlPlane.enabled)"
          : rest,
      });
    }
  }
  return out;
}
