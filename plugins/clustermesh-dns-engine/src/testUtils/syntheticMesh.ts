import {
  addressAt,
  parseIpAddress,
  variableSegment,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** @public */
export interface SyntheticMeshOptions {
  /** Number of clusters (Cilium allows up to 255, or 511 with maxConnectedClusters). */
  clusters: number;
  /** Name of cluster i (1-based). Default `c001`, `c002`, ... */
  name?: (i: number) => string;
  /** First address of the pools; each cluster gets a /28 after it. Default 10.64.0.0. */
  poolBase?: string;
  /**
   * Where each cluster's settings come from: a ConfigMap file (default), or
   * an env file that a kustomize `configMapGenerator` turns into the
   * ConfigMap (unhashed, since Flux's substituteFrom names it).
   */
  settingsFrom?: 'configmap' | 'env-file';
  /**
   * Every cluster makes the same mistake: its settings (FQDN templates with
   * `${SECRET_DOMAIN}`) are applied without post-build substitution, so
   * Flux stores the templates verbatim. For the worst-case benchmark.
   */
  unsubstitutedSettings?: boolean;
}

/** The default name of synthetic cluster i (1-based): `c001`, `c002`, ... @public */
export const syntheticClusterName = (i: number) =>
  `c${String(i).padStart(3, '0')}`;

const defaultPoolBase = '10.64.0.0';

/**
 * Address `offset` (0-15) of the /28 pool of synthetic cluster i (1-based);
 * offset 1 is the LB IP the generator writes.
 *
 * @public
 */
export function syntheticClusterAddress(
  i: number,
  offset: number,
  poolBase = defaultPoolBase,
): string {
  const base = parseIpAddress(poolBase);
  if (!base) throw new Error(`poolBase ${poolBase} is not an address`);
  return addressAt(base.family, base.value + BigInt((i - 1) * 16 + offset))
    .text;
}

/**
 * A synthetic GitOps repository in the story's layout, with every rule
 * green: N clusters, each with its settings (FQDN, LB IP and one peer FQDN
 * variable per other cluster), its own /28 LB IPAM pool, and the shared
 * infrastructure (one Cilium HelmRelease listing every cluster by FQDN, one
 * DNSEndpoint, one ExternalDNS that publishes it). Used by property tests
 * and benchmarks.
 *
 * @public
 */
export function generateSyntheticMesh(
  options: SyntheticMeshOptions,
): Record<string, string> {
  const name = options.name ?? syntheticClusterName;
  const poolBase = options.poolBase ?? defaultPoolBase;
  const clusters = Array.from({ length: options.clusters }, (_, i) => ({
    name: name(i + 1),
    id: i + 1,
    start: syntheticClusterAddress(i + 1, 0, poolBase),
    stop: syntheticClusterAddress(i + 1, 15, poolBase),
    lbIp: syntheticClusterAddress(i + 1, 1, poolBase),
  }));
  const files: Record<string, string> = {};
  const k = (resources: string[]) =>
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources
      .map(r => `  - ${r}\n`)
      .join('')}`;
  const fluxKs = (ksName: string, path: string, substituteFrom: string) =>
    `---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${ksName}\n  namespace: flux-system\nspec:\n  interval: 30m\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n${substituteFrom}`;

  for (const c of clusters) {
    const dir = `kubernetes/clusters/${c.name}`;
    files[
      `${dir}/flux-system/gotk-sync.yaml`
    ] = `---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  url: ssh://git@github.com/example/mesh\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./${dir}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
    files[`${dir}/flux-system/kustomization.yaml`] = k(['gotk-sync.yaml']);
    files[`${dir}/kustomization.yaml`] = k([
      'flux-system',
      'cluster-secrets.sops.yaml',
      'vars.yaml',
      'infrastructure.yaml',
      `../../infrastructure/networking/cilium/ipam/lb-ippool-${c.name}.yaml`,
      '../../infrastructure/networking/cilium/ipam/l2-announcement.yaml',
    ]);
    const varsKs = fluxKs(
      `cluster-${c.name}-vars`,
      `./${dir}/vars`,
      '      - kind: Secret\n        name: cluster-secrets\n',
    );
    files[`${dir}/vars.yaml`] = options.unsubstitutedSettings
      ? varsKs.slice(0, varsKs.indexOf('  postBuild:'))
      : varsKs;
    files[`${dir}/infrastructure.yaml`] = fluxKs(
      `cluster-${c.name}-infrastructure`,
      './kubernetes/infrastructure',
      '      - kind: ConfigMap\n        name: cluster-settings\n      - kind: Secret\n        name: cluster-secrets\n',
    );
    files[
      `${dir}/cluster-secrets.sops.yaml`
    ] = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:c3ludGhldGlj,iv:AAAA,tag:AAAA,type:str]\nsops:\n  lastmodified: "2025-10-26T00:00:00Z"\n  mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n  version: 3.9.0\n`;
    const peers = clusters
      .filter(p => p !== c)
      .map(
        p =>
          `  CILIUM_CLUSTERMESH_${variableSegment(p.name)}_FQDN: "clustermesh-${
            p.name
          }.\${SECRET_DOMAIN}"\n`,
      )
      .join('');
    const settings = `  CLUSTER_NAME: "${c.name}"\n  CLUSTER_ID: "${c.id}"\n  CILIUM_CLUSTERMESH_FQDN: "clustermesh-${c.name}.\${SECRET_DOMAIN}"\n  CILIUM_CLUSTERMESH_LB_IP: "${c.lbIp}"\n${peers}`;
    if (options.settingsFrom === 'env-file') {
      files[`${dir}/vars/cluster-settings.env`] = settings.replace(
        /^ {2}([A-Z0-9_]+): "(.*)"$/gm,
        '$1=$2',
      );
      files[
        `${dir}/vars/kustomization.yaml`
      ] = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: cluster-settings\n    namespace: flux-system\n    envs:\n      - cluster-settings.env\ngeneratorOptions:\n  disableNameSuffixHash: true\n`;
    } else {
      files[`${dir}/vars/kustomization.yaml`] = k(['../cluster-settings.yaml']);
      files[
        `${dir}/cluster-settings.yaml`
      ] = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n${settings}`;
    }
    files[
      `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${c.name}.yaml`
    ] = `---\napiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: lb-ippool-${c.name}\nspec:\n  blocks:\n    - start: ${c.start}\n      stop: ${c.stop}\n`;
  }

  // every service's LoadBalancer address answered for on the nodes' links
  files[
    'kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml'
  ] = `---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata:\n  name: l2-announcement\nspec:\n  loadBalancerIPs: true\n`;

  const infra = 'kubernetes/infrastructure';
  files[`${infra}/kustomization.yaml`] = k(['networking']);
  files[`${infra}/networking/kustomization.yaml`] = k([
    'cilium',
    'external-dns',
  ]);
  // ExternalDNS publishes each cluster's DNSEndpoints, one TXT owner each
  files[`${infra}/networking/external-dns/kustomization.yaml`] = k([
    'helmrelease.yaml',
  ]);
  files[
    `${infra}/networking/external-dns/helmrelease.yaml`
  ] = `---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-dns\n  namespace: kube-system\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: external-dns\n      version: 1.19.0\n      sourceRef:\n        kind: HelmRepository\n        name: external-dns\n        namespace: flux-system\n  values:\n    provider:\n      name: cloudflare\n    sources:\n      - crd\n    policy: sync\n    txtOwnerId: \${CLUSTER_NAME}\n    domainFilters:\n      - \${SECRET_DOMAIN}\n`;
  files[`${infra}/networking/cilium/kustomization.yaml`] = k([
    'core',
    'clustermesh',
  ]);
  files[`${infra}/networking/cilium/core/kustomization.yaml`] = k([
    'helmrelease.yaml',
  ]);
  files[`${infra}/networking/cilium/clustermesh/kustomization.yaml`] = k([
    'externalsecret.yaml',
    'dnsendpoint.yaml',
  ]);
  // the mesh's one CA, the same object in every cluster
  files[
    `${infra}/networking/cilium/clustermesh/externalsecret.yaml`
  ] = `---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cilium-ca\n  namespace: kube-system\n  labels:\n    app.kubernetes.io/managed-by: Helm\n  annotations:\n    meta.helm.sh/release-name: cilium\n    meta.helm.sh/release-namespace: kube-system\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault\n  target:\n    name: cilium-ca\n  dataFrom:\n    - extract:\n        key: cilium-clustermesh-ca\n`;
  files[
    `${infra}/networking/cilium/core/helmrelease.yaml`
  ] = `---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: cilium\n      version: 1.18.4\n      sourceRef:\n        kind: HelmRepository\n        name: cilium\n        namespace: flux-system\n  values:\n    cluster:\n      name: \${CLUSTER_NAME}\n      id: \${CLUSTER_ID}\n    l2announcements:\n      enabled: true\n    clustermesh:\n      useAPIServer: true\n      maxConnectedClusters: ${
    clusters.length > 255 ? 511 : 255
  }\n      apiserver:\n        service:\n          type: LoadBalancer\n          annotations:\n            lbipam.cilium.io/ips: \${CILIUM_CLUSTERMESH_LB_IP}\n        tls:\n          server:\n            extraDnsNames:\n              - \${CILIUM_CLUSTERMESH_FQDN}\n      config:\n        enabled: true\n        clusters:\n${clusters
    .map(
      c =>
        // Quoted: a name such as `n` or `on` is a YAML 1.1 boolean to Helm.
        `          - name: "${
          c.name
        }"\n            address: \${CILIUM_CLUSTERMESH_${variableSegment(
          c.name,
        )}_FQDN:=\${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n`,
    )
    .join('')}`;
  files[
    `${infra}/networking/cilium/clustermesh/dnsendpoint.yaml`
  ] = `---\napiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata:\n  name: clustermesh-apiserver\n  namespace: kube-system\nspec:\n  endpoints:\n    - dnsName: \${CILIUM_CLUSTERMESH_FQDN}\n      recordType: A\n      recordTTL: 300\n      targets:\n        - \${CILIUM_CLUSTERMESH_LB_IP}\n      providerSpecific:\n        - name: external-dns.alpha.kubernetes.io/cloudflare-proxied\n          value: "false"\n`;
  return files;
}
