import {
  CheckResult,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { hasUnresolvedReference } from '../flux/envsubst';
import { describeObject, ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { LabelSelector, selectorAdmits } from '../k8s/labelSelector';
import { apiserverLabels } from '../model/queries';
import type { ClusterModel } from '../model/types';
import { locate } from '../yaml/locate';
import { defineClusterRule } from './rule';

/** What one announcement object says of the clustermesh-apiserver's address. */
interface Announcement {
  object: ManifestObject;
  /** Undefined when it announces it; else why not. */
  not?: string;
  /** Its selector holds a value not known here. */
  unknown?: boolean;
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
const notKnown = (selector: unknown) => {
  const text = JSON.stringify(selector ?? null);
  return unknownVariables(text).length > 0 || hasUnresolvedReference(text);
};

/** Whether the cluster's Cilium values (when read) leave a feature off. */
const switchedOff = (cluster: ClusterModel, feature: string) =>
  cluster.cilium !== undefined &&
  getPath(cluster.cilium.values, [feature, 'enabled']) !== true;

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
 */
function announcementsOf(
  labels: Record<string, string>,
  cluster: ClusterModel,
): Announcement[] {
  const out: Announcement[] = [];
  for (const { object } of cluster.render.objects) {
    if (!isCilium(object)) continue;
    const spec = isRecord(object.body.spec) ? object.body.spec : {};
    if (object.kind === 'CiliumL2AnnouncementPolicy') {
      let not: string | undefined;
      if (switchedOff(cluster, 'l2announcements'))
        not =
          "Cilium's values do not switch L2 announcements on (l2announcements.enabled)";
      else if (spec.loadBalancerIPs !== true)
        not =
          'it does not announce LoadBalancer addresses (loadBalancerIPs is not true)';
      else not = admitting(asSelector(spec.serviceSelector), labels, 'all');
      out.push({
        object,
        unknown: notKnown(spec.serviceSelector),
        not,
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
      out.push({
        object,
        unknown: services.some((a: Record<string, unknown>) =>
          notKnown(a.selector),
        ),
        not: switchedOff(cluster, 'bgpControlPlane')
          ? "Cilium's values do not switch the BGP control plane on (bgpControlPlane.enabled)"
          : anyAnnounces(
              services.map((a: Record<string, unknown>) =>
                admitting(asSelector(a.selector), labels, 'none'),
              ),
              'it advertises no LoadBalancer service addresses',
            ),
      });
    } else if (object.kind === 'CiliumBGPPeeringPolicy') {
      const routers = (
        Array.isArray(spec.virtualRouters) ? spec.virtualRouters : []
      ).filter(isRecord);
      out.push({
        object,
        unknown: routers.some((v: Record<string, unknown>) =>
          notKnown(v.serviceSelector),
        ),
        not: anyAnnounces(
          routers.map((v: Record<string, unknown>) =>
            Array.isArray(v.serviceAdvertisements) &&
            !v.serviceAdvertisements.includes('LoadBalancerIP')
              ? 'its virtual router does not advertise LoadBalancerIP'
              : admitting(asSelector(v.serviceSelector), labels, 'none'),
          ),
          'it has no virtual routers',
        ),
      });
    }
  }
  return out;
}

/** A Cilium announcement makes the clustermesh-apiserver's LB IP reachable. @public */
export const lbIpAnnounced = defineClusterRule({
  id: 'lb-ip-announced',
  title: 'LB IP announced',
  severity: 'warning',
  scope: 'cluster',
  description:
    "Where the cluster announces LoadBalancer addresses with Cilium (a CiliumL2AnnouncementPolicy, a CiliumBGPAdvertisement or a CiliumBGPPeeringPolicy), one of them announces the clustermesh-apiserver's: LB IPAM gives the service its address, but only an announcement makes it reachable from the peers. Not applicable where the cluster applies none (its addresses are announced another way).",
  remediation: () =>
    'Widen the service selector of an L2 announcement policy (with `loadBalancerIPs: true`) or a BGP advertisement to admit the clustermesh-apiserver service, or add one for it.',
  messages: {
    announced: '{{object}} announces it',
    noAddress:
      'the cluster has no LB IP yet (or not one read here): whether its announcements take it is not checked',
    notAnnounced:
      "none of the cluster's Cilium announcements takes the clustermesh-apiserver service (labels {{labels}}): {{reasons}}",
    unknown:
      "{{object}} may announce it: its selector holds a value not known here (give it in the conventions' values)",
    none: 'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster: its addresses are announced another way (not checked here)',
  },
  check(mesh, c, r) {
    const labels = apiserverLabels(mesh, c);
    const list = announcementsOf(labels, c);
    if (!list.length) return [r.notApplicable('none', {})];
    // no address yet: nothing an announcement could be checked against
    if (!c.lbIpAddress)
      return [r.notEvaluated('noAddress', {}, c.settingsLocation)];
    const yes = list.find(a => a.not === undefined);
    if (yes)
      return [
        r.pass(
          'announced',
          { object: describeObject(yes.object) },
          locate(yes.object),
        ),
      ];
    const maybe = list.find(a => a.unknown);
    if (maybe)
      return [
        r.notEvaluated(
          'unknown',
          { object: describeObject(maybe.object) },
          locate(maybe.object),
        ),
      ];
    const results: CheckResult[] = [
      r.fail(
        'notAnnounced',
        {
          labels: Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
          reasons: list
            .map(
              a =>
                `${describeObject(a.object)} in ${a.object.source.file}: ${
                  a.not
                }`,
            )
            .join('; '),
        },
        locate(list[0].object),
      ),
    ];
    return results;
  },
});
