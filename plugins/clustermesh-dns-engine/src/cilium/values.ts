import type { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';

/**
 * The Secret the chart writes the mesh configuration (the peers) to, in its
 * namespace, when `clustermesh.config.enabled` is true; Cilium reads the
 * peers from it whoever makes it.
 */
export const ciliumMeshConfigSecret = 'cilium-clustermesh';

/**
 * Where the Cilium Helm chart reads what ClusterMesh DNS cares about: one
 * place for every values path, so rules, the model and the planner agree.
 */
export const ciliumValuesPaths = {
  clusterName: ['cluster', 'name'],
  clusterId: ['cluster', 'id'],
  maxConnectedClusters: ['clustermesh', 'maxConnectedClusters'],
  useApiServer: ['clustermesh', 'useAPIServer'],
  apiserverService: ['clustermesh', 'apiserver', 'service'],
  serviceType: ['clustermesh', 'apiserver', 'service', 'type'],
  serviceAnnotations: ['clustermesh', 'apiserver', 'service', 'annotations'],
  serviceLoadBalancerIp: [
    'clustermesh',
    'apiserver',
    'service',
    'loadBalancerIP',
  ],
  serviceLoadBalancerClass: [
    'clustermesh',
    'apiserver',
    'service',
    'loadBalancerClass',
  ],
  extraDnsNames: ['clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'],
  tlsAutoEnabled: ['clustermesh', 'apiserver', 'tls', 'auto', 'enabled'],
  meshConfig: ['clustermesh', 'config'],
  meshConfigEnabled: ['clustermesh', 'config', 'enabled'],
  meshClusters: ['clustermesh', 'config', 'clusters'],
  commonLabels: ['commonLabels'],
  serviceLabels: ['clustermesh', 'apiserver', 'service', 'labels'],
  apiserverReplicas: ['clustermesh', 'apiserver', 'replicas'],
  defaultLbServiceIpam: ['defaultLBServiceIPAM'],
  bgpControlPlane: ['bgpControlPlane', 'enabled'],
  l2Announcements: ['l2announcements', 'enabled'],
} as const;

/**
 * A path of the values that differs from `path` only in the case of its
 * keys (`Cluster.name` for `cluster.name`): Helm reads keys as written, so
 * what is there is not what the chart reads. Undefined where the path is
 * there as written, or no such key is.
 *
 * @public
 */
export function caseVariantOf(
  values: unknown,
  path: readonly string[],
): string[] | undefined {
  let node = values;
  const found: string[] = [];
  let differs = false;
  for (const step of path) {
    if (!isRecord(node)) return undefined;
    const key =
      step in node
        ? step
        : Object.keys(node).find(k => k.toLowerCase() === step.toLowerCase());
    if (key === undefined) return undefined;
    differs ||= key !== step;
    found.push(key);
    node = node[key];
  }
  return differs ? found : undefined;
}

/**
 * Whether a value switches on what the chart guards with `{{ if }}`, as Go
 * templates decide: false, 0, "", null and empty collections are off,
 * anything else on, a string too (`useAPIServer: no` in a HelmRelease is
 * the string "no" to kustomize, so on).
 */
export function chartEnables(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && Object.keys(value).length > 0;
}

/**
 * The LB IPAM annotation keys Cilium reads on a service: `lbipam.cilium.io/ips`
 * since 1.15, and the older `io.cilium/lb-ipam-ips`, still read.
 *
 * @public
 */
export const lbIpamAnnotationKeys = [
  'lbipam.cilium.io/ips',
  'io.cilium/lb-ipam-ips',
] as const;

/** @public */
export type LbIpamAnnotationKey = (typeof lbIpamAnnotationKeys)[number];

/**
 * The load balancer classes Cilium LB IPAM serves besides none: it ignores
 * a service of any other class entirely (its address comes from that
 * class's controller, if any).
 *
 * @public
 */
export const lbIpamLoadBalancerClasses = [
  'io.cilium/bgp-control-plane',
  'io.cilium/l2-announcer',
] as const;

/** The fields of a `clustermesh.config.clusters` entry that anything here reads. */
const meshEntryFields: readonly string[] = ['name', 'address', 'port', 'ips'];

/**
 * Whether values set at a path (a `valuesFrom` targetPath's steps) may
 * change what is read of the Cilium values: a path of
 * {@link ciliumValuesPaths} above or below it, a peer entry's fields only
 * (not its `tls` certificates).
 *
 * @public
 */
export function readsValuesPath(steps: readonly (string | number)[]): boolean {
  const clusters = ciliumValuesPaths.meshClusters;
  if (
    clusters.every((k, i) => steps[i] === k) &&
    typeof steps[clusters.length] === 'number' &&
    steps.length > clusters.length + 1
  )
    return meshEntryFields.includes(String(steps[clusters.length + 1]));
  return Object.values(ciliumValuesPaths).some(path => {
    const n = Math.min(path.length, steps.length);
    return path.slice(0, n).every((k, i) => steps[i] === k);
  });
}

/**
 * The class of the services each Cilium announcer serves (beside services
 * of no class): L2 announcement policies, the BGP control plane.
 *
 * @public
 */
export const announcerClasses = {
  l2: lbIpamLoadBalancerClasses[1],
  bgp: lbIpamLoadBalancerClasses[0],
} as const;

/**
 * What serves LoadBalancer services of no class where the values say it
 * is not LB IPAM (`defaultLBServiceIPAM: none` or `nodeipam`, Cilium
 * 1.17+: jfroy's flatops): LB IPAM then serves only services of its own
 * classes. Undefined where it is LB IPAM (the default).
 *
 * @public
 */
export function defaultIpamOtherThanLbIpam(
  values: unknown,
): string | undefined {
  const value = getPath(values, ciliumValuesPaths.defaultLbServiceIpam);
  return typeof value === 'string' && value !== '' && value !== 'lbipam'
    ? value
    : undefined;
}

/**
 * The LB IPAM class of the announcer the values switch on (the BGP control
 * plane, else L2 announcements), for a service that needs a class for LB
 * IPAM to serve it; undefined where neither is on.
 *
 * @public
 */
export function announcedClass(values: unknown): string | undefined {
  if (chartEnables(getPath(values, ciliumValuesPaths.bgpControlPlane)))
    return announcerClasses.bgp;
  if (chartEnables(getPath(values, ciliumValuesPaths.l2Announcements)))
    return announcerClasses.l2;
  return undefined;
}

/**
 * The clustermesh-apiserver service's load balancer class when Cilium LB
 * IPAM does not serve it; undefined when it has none or one LB IPAM serves.
 *
 * @public
 */
export function classLbIpamIgnores(values: unknown): unknown {
  const value = getPath(values, ciliumValuesPaths.serviceLoadBalancerClass);
  // the chart writes the class only when it is set (`{{ with }}`)
  if (!chartEnables(value)) return undefined;
  return (lbIpamLoadBalancerClasses as readonly unknown[]).includes(value)
    ? undefined
    : value;
}

/** The LB IPAM annotation of the clustermesh-apiserver service in Cilium values, if any. @public */
export function lbIpamAnnotation(
  values: unknown,
): { key: LbIpamAnnotationKey; value: unknown } | undefined {
  const annotations = getPath(values, ciliumValuesPaths.serviceAnnotations);
  if (!isRecord(annotations)) return undefined;
  const key = lbIpamAnnotationKeys.find(k => annotations[k] !== undefined);
  return key ? { key, value: annotations[key] } : undefined;
}

/**
 * The name the Cilium chart always puts in the clustermesh-apiserver's
 * server certificate, beside `extraDnsNames`. @public
 */
export const chartServerName = '*.mesh.cilium.io';

/** The server certificate's extra DNS names in Cilium values, as text. @public */
export function extraDnsNames(values: unknown): unknown[] {
  const names = getPath(values, ciliumValuesPaths.extraDnsNames);
  return Array.isArray(names) ? names : [];
}

/**
 * The labels the chart writes on the clustermesh-apiserver service itself,
 * ahead of `commonLabels` and `service.labels`: the values giving one of
 * these keys again make a Service with a duplicate key, which Flux's
 * post-render refuses, and the Cilium release fails.
 */
const chartApiserverServiceLabels: Readonly<Record<string, string>> = {
  'k8s-app': 'clustermesh-apiserver',
  'app.kubernetes.io/name': 'clustermesh-apiserver',
  'app.kubernetes.io/part-of': 'cilium',
};

/** The service's namespace and name, which LB IPAM matches pool selectors against as labels. */
const lbIpamServiceLabels = {
  namespace: 'io.kubernetes.service.namespace',
  name: 'io.kubernetes.service.name',
} as const;

/**
 * Labels of the clustermesh-apiserver service as the Cilium chart renders
 * it (its own, `commonLabels`, then `clustermesh.apiserver.service.labels`,
 * which the chart reads from 1.17), plus the service labels LB IPAM
 * matches pool selectors against. `readsServiceLabels` false: a chart
 * before 1.17.
 *
 * @public
 */
export function apiserverServiceLabels(
  values: unknown,
  releaseNamespace: string,
  serviceName: string,
  readsServiceLabels = true,
): Record<string, string> {
  const asStrings = (labels: unknown) =>
    isRecord(labels)
      ? Object.fromEntries(
          Object.entries(labels).map(([k, v]) => [k, String(v)]),
        )
      : {};
  return {
    ...asStrings(getPath(values, ciliumValuesPaths.commonLabels)),
    ...(readsServiceLabels
      ? asStrings(getPath(values, ciliumValuesPaths.serviceLabels))
      : {}),
    ...chartApiserverServiceLabels,
    [lbIpamServiceLabels.namespace]: releaseNamespace,
    [lbIpamServiceLabels.name]: serviceName,
  };
}

/**
 * Whether the Cilium values can give the clustermesh-apiserver service a
 * label of this key (`clustermesh.apiserver.service.labels`): not one the
 * chart writes itself, nor the namespace and name LB IPAM matches as labels.
 */
function apiserverLabelSettable(key: string): boolean {
  return (
    !chartWritesApiserverLabel(key) &&
    !Object.values<string>(lbIpamServiceLabels).includes(key)
  );
}

/**
 * The labels a selector asks for (`matchLabels`) that the
 * clustermesh-apiserver service lacks, to give it in the values (those it
 * has: the labels given, else the chart's own); undefined where there are
 * none, or one is not a string or a key the values cannot give.
 *
 * @internal
 */
export function apiserverLabelsToGive(
  wanted: Record<string, unknown>,
  has: Readonly<Record<string, string>> = chartApiserverServiceLabels,
): Record<string, string> | undefined {
  const lacking = Object.entries(wanted).filter(([k, v]) => has[k] !== v);
  if (
    !lacking.length ||
    !lacking.every(
      ([k, v]) => typeof v === 'string' && apiserverLabelSettable(k),
    )
  )
    return undefined;
  return Object.fromEntries(lacking as [string, string][]);
}

/**
 * Whether the chart writes a label of this key on the clustermesh-apiserver
 * service itself (a key the values must not give again).
 *
 * @internal
 */
export function chartWritesApiserverLabel(key: string): boolean {
  return Object.hasOwn(chartApiserverServiceLabels, key);
}

/**
 * The addresses chart values ask LB IPAM for, with their paths: LB IPAM
 * annotations and `loadBalancerIP` at any depth, outside blocks with
 * `enabled: false` (and, in Cilium's own values, outside `clustermesh`:
 * its apiserver's Service holds the cluster's own LB IP, and its mesh
 * configuration, a list of every peer, no Service).
 *
 * @internal
 */
export function chartServiceAddresses(
  values: unknown,
  at: (string | number)[],
  cilium: boolean,
): { text: unknown; path: (string | number)[] }[] {
  const out: { text: unknown; path: (string | number)[] }[] = [];
  // one path, grown and shrunk as the walk goes: copied only for a find
  const path = [...at];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (node[i] === null || typeof node[i] !== 'object') continue;
        path.push(i);
        walk(node[i]);
        path.pop();
      }
      return;
    }
    if (!isRecord(node) || node.enabled === false) return;
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (
        typeof value === 'string' &&
        (key === 'loadBalancerIP' ||
          (lbIpamAnnotationKeys as readonly string[]).includes(key))
      )
        out.push({ text: value, path: [...path, key] });
      else if (
        value !== null &&
        typeof value === 'object' &&
        !(cilium && path.length === at.length && key === 'clustermesh')
      ) {
        path.push(key);
        walk(value);
        path.pop();
      }
    }
  };
  walk(values);
  return out;
}

/** A HelmRelease of the cilium chart (`chart: cilium`, or an OCI chart ending in /cilium). */
export function isCiliumChart(object: Pick<ManifestObject, 'body'>): boolean {
  const chart = getPath(object.body, ['spec', 'chart', 'spec', 'chart']);
  return (
    typeof chart === 'string' &&
    (chart === 'cilium' || chart.endsWith('/cilium'))
  );
}

/**
 * Top-level keys of the Cilium chart's values, a file of them holds some:
 * a plain values file with none of them is something else (an Ansible
 * `group_vars` file holding the values under a variable of its own).
 */
const chartTopLevelKeys = new Set([
  'cluster',
  'clustermesh',
  'ipam',
  'kubeProxyReplacement',
  'k8sServiceHost',
  'k8sServicePort',
  'operator',
  'hubble',
  'bgpControlPlane',
  'l2announcements',
  'routingMode',
  'tunnelProtocol',
  'ipv4NativeRoutingCIDR',
  'autoDirectNodeRoutes',
  'bpf',
  'envoy',
  'gatewayAPI',
  'ingressController',
  'image',
  'rollOutCiliumPods',
  'devices',
  'encryption',
  'loadBalancer',
  'socketLB',
  'externalIPs',
  'nodePort',
  'hostPort',
  'ipv4',
  'ipv6',
  'cni',
  'securityContext',
  'resources',
  'tolerations',
  'prometheus',
  'dashboards',
  'debug',
  'k8sClientRateLimit',
  'enableIPv4Masquerade',
  'bandwidthManager',
  'egressGateway',
  'localRedirectPolicy',
  'policyEnforcementMode',
  'enableCiliumEndpointSlice',
  'installNoConntrackIptablesRules',
  'annotateK8sNode',
  'endpointRoutes',
  'ciliumEndpointSlice',
  'nodeIPAM',
  'authentication',
  'tls',
  'monitor',
  'etcd',
]);

/** Whether values hold any of the Cilium chart's top-level keys. */
export function holdsCiliumChartValues(values: unknown): boolean {
  return (
    isRecord(values) &&
    Object.keys(values).some(key => chartTopLevelKeys.has(key))
  );
}
