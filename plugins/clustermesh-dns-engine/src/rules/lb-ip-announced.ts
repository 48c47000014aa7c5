import {
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { hasUnresolvedReference } from '../flux/envsubst';
import { describeObject, ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { stringMapAt } from '../flux/kustomize/immutable';
import {
  announcerClasses,
  chartEnables,
  ciliumValuesPaths,
  classLbIpamIgnores,
} from '../cilium/values';
import { LabelSelector, selectorAdmits } from '../k8s/labelSelector';
import {
  apiserverLabels,
  ciliumVersion,
  metalLbPoolApplied,
} from '../model/queries';
import { hasNoBgpPeeringPolicy } from '../cilium/version';
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
  /**
   * The Cilium feature it needs, when the values read are one layer of
   * the install (a plain values file beside Terraform's `set`, RKE2's
   * defaults) and do not set it: it may be on.
   */
  needs?: string;
  /** The Cilium feature it needs, which the values leave off. */
  off?: 'l2announcements' | 'bgpControlPlane';
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
function l2Limits(policy: ManifestObject): string {
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
 */
function announcementsOf(
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
      out.push({
        object,
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
      out.push({
        object,
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

/** The fix of a failure, by its message; else the selector is to widen. */
const remedies: Record<string, string> = {
  switchedOff:
    "Switch the feature on in the Cilium values (`l2announcements.enabled: true` for an L2 announcement policy, with `kubeProxyReplacement: true`, which Cilium's L2 announcements need too; `bgpControlPlane.enabled: true` for BGP), or announce the address another way and switch this rule off in the conventions.",
  metalLbOnly:
    "Announce the address with Cilium (a CiliumL2AnnouncementPolicy with `loadBalancerIPs: true`, and `l2announcements.enabled` in Cilium's values), or leave LoadBalancer addresses to one of the two: MetalLB or Cilium LB IPAM.",
};
const widenSelector =
  'Widen the service selector of an L2 announcement policy (with `loadBalancerIPs: true`) or a BGP advertisement to admit the clustermesh-apiserver service, label the service as one selects (`clustermesh.apiserver.service.labels` in the Cilium values, which the chart reads from Cilium 1.17; an older chart labels it only as it always does), or add one for it.';

/** A Cilium announcement makes the clustermesh-apiserver's LB IP reachable. @public */
export const lbIpAnnounced = defineClusterRule({
  id: 'lb-ip-announced',
  title: 'LB IP announced',
  severity: 'warning',
  scope: 'cluster',
  description:
    "Where the cluster announces LoadBalancer addresses with Cilium (a CiliumL2AnnouncementPolicy, a CiliumBGPAdvertisement that a CiliumBGPPeerConfig selects, or a CiliumBGPPeeringPolicy, which Cilium 1.19 removed), one of them announces the clustermesh-apiserver's: LB IPAM gives the service its address, but only an announcement makes it reachable from the peers. The service's loadBalancerClass (clustermesh.apiserver.service.loadBalancerClass) counts: L2 policies serve only io.cilium/l2-announcer, BGP only io.cilium/bgp-control-plane (unset: both). Where the cluster applies none, whether another tool announces the address (or Cilium's legacy BGP, `bgp.announce.loadbalancerIP`, from pools of its own) is not evaluated (not applicable when the class hands the service to another load balancer); where it applies none but MetalLB's pools, it fails: MetalLB announces only the addresses it gives out. Where the Cilium values read are one layer of the install (a plain values file, RKE2's HelmChartConfig) and do not set the feature an announcement needs (l2announcements.enabled, bgpControlPlane.enabled), it is not evaluated.",
  remediation: (_c, failure) => remedies[failure?.id ?? ''] ?? widenSelector,
  messages: {
    announced: '{{object}} announces it{{limits}}',
    noAddress:
      'the cluster has no LB IP yet (or not one read here): whether its announcements take it is not checked',
    switchedOff:
      "{{objects}} would announce the clustermesh-apiserver's LB IP, but the Cilium values do not switch {{features}} on: Cilium announces nothing",
    notAnnounced:
      "none of the cluster's Cilium announcements takes the clustermesh-apiserver service (labels {{labels}}): {{reasons}}",
    unknown:
      "{{object}} may announce it: its selector holds a value not known here (give it in the conventions' values)",
    layerUnknown:
      '{{object}} announces it if Cilium runs with {{feature}}, which its values file {{file}} does not set: the install may set it beside the file (Terraform, helmfile), not read here',
    none: 'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster: whether another tool announces the LB IP (kube-vip, routes to the nodes) is not checked here (switch the rule off in the conventions if the cluster announces it that way)',
    noneSwitchedOff:
      'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster, and its Cilium values switch them off ({{features}}): the LB IP is announced only if another tool does (kube-vip, routes to the nodes), which is not checked here (switch the rule off in the conventions if the cluster announces it that way)',
    legacyBgp:
      "Cilium's legacy BGP (bgp.enabled with bgp.announce.loadbalancerIP) announces LoadBalancer addresses, from the address pools of its bgp-config ConfigMap: whether it announces {{ip}}, which LB IPAM gives, is not evaluated here (the BGP control plane, with a CiliumBGPAdvertisement, replaces it)",
    metalLbOnly:
      "the cluster applies no Cilium announcement but MetalLB's {{pool}}: MetalLB announces only the addresses it gives out itself, not the one Cilium LB IPAM gives the clustermesh-apiserver, which peers then cannot reach",
    otherClass:
      "the clustermesh-apiserver service's loadBalancerClass {{serviceClass}} hands it to another load balancer than Cilium's announcements (not checked here)",
    unknownClass:
      "the clustermesh-apiserver service's loadBalancerClass {{serviceClass}} holds a value not known here (give it in the conventions' values)",
  },
  check(mesh, c, r) {
    const labels = apiserverLabels(mesh, c);
    const configured = getPath(
      c.cilium?.values,
      ciliumValuesPaths.serviceLoadBalancerClass,
    );
    // null or empty: the chart leaves the field out (`{{ with }}`)
    const serviceClass =
      typeof configured === 'string' && chartEnables(configured)
        ? configured
        : undefined;
    const list = announcementsOf(labels, c, serviceClass);
    if (serviceClass && notKnown(serviceClass))
      return [
        r.notEvaluated('unknownClass', { serviceClass }, c.settingsLocation),
      ];
    // a class LB IPAM does not serve hands the whole service elsewhere
    // (service-annotation says so)
    const ignored = classLbIpamIgnores(c.cilium?.values);
    if (ignored !== undefined)
      return [r.notApplicable('otherClass', { serviceClass: String(ignored) })];
    // no address yet: nothing an announcement could be checked against
    if (!c.lbIpAddress)
      return [r.notEvaluated('noAddress', {}, c.settingsLocation)];
    // MetalLB's speakers announce only the addresses MetalLB gives out:
    // none of Cilium's, so LB IPAM's address goes unannounced
    const metalLb = metalLbPoolApplied(c.render);
    if (
      !list.length &&
      metalLb &&
      !serviceClass &&
      c.pools.some(p => !p.disabled)
    )
      return [
        r.fail(
          'metalLbOnly',
          { pool: describeObject(metalLb) },
          locate(metalLb),
        ),
      ];
    // the legacy (MetalLB-based) BGP of older Cilium announces too, from
    // pools of its own: not evaluated, but named
    if (
      !list.length &&
      chartEnables(getPath(c.cilium?.values, ['bgp', 'enabled'])) &&
      chartEnables(
        getPath(c.cilium?.values, ['bgp', 'announce', 'loadbalancerIP']),
      )
    )
      return [
        r.notEvaluated(
          'legacyBgp',
          { ip: c.lbIpAddress.text },
          c.cilium?.locate(['bgp', 'enabled']),
        ),
      ];
    // no Cilium announcement: another tool (kube-vip, routes to the
    // nodes) may announce the address, or none does; where the values
    // switch Cilium's own off, they are the place to look
    if (!list.length) {
      const off = [
        ['l2announcements', 'enabled'],
        ['bgpControlPlane', 'enabled'],
      ].filter(path => getPath(c.cilium?.values, path) === false);
      if (off.length && c.cilium)
        return [
          r.notEvaluated(
            'noneSwitchedOff',
            { features: off.map(p => `${p.join('.')}: false`).join(', ') },
            c.cilium.locate(off[0]),
          ),
        ];
      return [
        r.notEvaluated('none', {}, c.lbIp?.location ?? c.settingsLocation),
      ];
    }
    const yes = list.find(a => a.not === undefined);
    if (yes?.needs)
      return [
        r.notEvaluated(
          'layerUnknown',
          {
            object: describeObject(yes.object),
            feature: yes.needs,
            file: c.cilium?.file ?? '',
          },
          locate(yes.object),
        ),
      ];
    if (yes)
      return [
        r.pass(
          'announced',
          { object: describeObject(yes.object), limits: l2Limits(yes.object) },
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
    // each would announce it but for a feature the values leave off: the
    // values are the place to change
    const off = [...new Set(list.map(a => a.off))];
    if (off.length && off.every(f => f !== undefined) && c.cilium)
      return [
        r.fail(
          'switchedOff',
          {
            objects: list.map(a => describeObject(a.object)).join(', '),
            features: off.map(f => `${f}.enabled`).join(', '),
          },
          c.cilium.locate([off[0]!, 'enabled']),
        ),
      ];
    return [
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
  },
});
