import { describeObject } from '../core/manifest';
import { getPath } from '../core/paths';
import {
  chartEnables,
  ciliumValuesPaths,
  classLbIpamIgnores,
} from '../cilium/values';
import {
  apiserverLabels,
  localChartsOf,
  metalLbPoolApplied,
} from '../model/queries';
import { locate } from '../yaml/locate';
import { announcementsOf, l2Limits, notKnown } from '../model/announcements';
import { defineClusterRule } from './rule';

/** The fix of a failure, by its message; else the selector is to widen. */
const remedies: Record<string, string> = {
  switchedOff:
    "Switch the feature on in the Cilium values (`l2announcements.enabled: true` for an L2 announcement policy, with `kubeProxyReplacement: true`, which Cilium's L2 announcements need too; `bgpControlPlane.enabled: true` for BGP), or announce the address another way and switch this rule off in the conventions.",
  metalLbOnly:
    "Announce the address with Cilium (a CiliumL2AnnouncementPolicy with `loadBalancerIPs: true`, and `l2announcements.enabled` in Cilium's values), or leave LoadBalancer addresses to one of the two: MetalLB or Cilium LB IPAM.",
};
const widenSelector =
  'Widen the service selector of an L2 announcement policy (with `loadBalancerIPs: true`) or a BGP advertisement to admit the clustermesh-apiserver service, label the service as one selects (`clustermesh.apiserver.service.labels` in the Cilium values, which the chart reads from Cilium 1.17; an older chart labels it only as it always does; never with a key the chart writes itself, k8s-app, app.kubernetes.io/name or app.kubernetes.io/part-of: the Service would have it twice, and the release fails), or add one for it.';

/** A Cilium announcement makes the clustermesh-apiserver's LB IP reachable. @public */
export const lbIpAnnounced = defineClusterRule({
  id: 'lb-ip-announced',
  title: 'LB IP announced',
  severity: 'warning',
  scope: 'cluster',
  description:
    "Where the cluster announces LoadBalancer addresses with Cilium (a CiliumL2AnnouncementPolicy, a CiliumBGPAdvertisement that a CiliumBGPPeerConfig selects, or a CiliumBGPPeeringPolicy, which Cilium 1.19 removed), one of them announces the clustermesh-apiserver's: LB IPAM gives the service its address, but only an announcement makes it reachable from the peers. The service's loadBalancerClass (clustermesh.apiserver.service.loadBalancerClass) counts: L2 policies serve only io.cilium/l2-announcer, BGP only io.cilium/bgp-control-plane (unset: both). Where the cluster applies none, whether another tool announces the address (or Cilium's legacy BGP, `bgp.announce.loadbalancerIP`, from pools of its own) is not evaluated (not applicable when the class hands the service to another load balancer); where it applies none but MetalLB's pools beside Cilium's, it fails: MetalLB announces only the addresses it gives out (with no Cilium pool, MetalLB gives and announces the addresses itself: not evaluated). Where the Cilium values read are one layer of the install (a plain values file, RKE2's HelmChartConfig) and do not set the feature an announcement needs (l2announcements.enabled, bgpControlPlane.enabled), it is not evaluated.",
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
    noneChart:
      'no L2 announcement policy or BGP advertisement of Cilium is among what Flux applies to the cluster, but {{release}} installs the chart {{chart}} of this repository, whose templates Helm renders in the cluster, not here: one may make them',
    noneSwitchedOff:
      'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster, and its Cilium values switch them off ({{features}}): the LB IP is announced only if another tool does (kube-vip, routes to the nodes), which is not checked here (switch the rule off in the conventions if the cluster announces it that way)',
    legacyBgp:
      "Cilium's legacy BGP (bgp.enabled with bgp.announce.loadbalancerIP) announces LoadBalancer addresses, from the address pools of its bgp-config ConfigMap: whether it announces {{ip}}, which LB IPAM gives, is not evaluated here (the BGP control plane, with a CiliumBGPAdvertisement, replaces it)",
    metalLbOnly:
      "the cluster applies no Cilium announcement but MetalLB's {{pool}}: MetalLB announces only the addresses it gives out itself, not the one Cilium LB IPAM gives the clustermesh-apiserver, which peers then cannot reach",
    metalLbGives:
      "the cluster applies MetalLB's {{pool}} and no Cilium pool: MetalLB gives its LoadBalancer addresses and announces those it gives (by its L2Advertisement or BGPAdvertisement); whether it gives and announces the LB IP, which it does not take from Cilium's LB IPAM annotation, is not checked here (lb-ip-in-pool says where the address comes from)",
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
    const metalLb = metalLbPoolApplied(c);
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
    // no Cilium pool, MetalLB's: MetalLB gives the cluster's addresses and
    // announces those it gives (cbirkenbeul's k3s), whether the LB IP is
    // one of them is lb-ip-in-pool's and not checked here
    if (
      !list.length &&
      metalLb &&
      !serviceClass &&
      !c.pools.some(p => !p.disabled)
    )
      return [
        r.notEvaluated(
          'metalLbGives',
          { pool: describeObject(metalLb) },
          locate(metalLb),
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
      // a chart of the repository a HelmRelease installs may make them
      // (melchiorhering's cluster-config: its l2-policy template)
      const [chart] = localChartsOf(mesh, c);
      if (chart)
        return [
          r.notEvaluated(
            'noneChart',
            { release: describeObject(chart.release), chart: chart.dir },
            locate(chart.release),
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
