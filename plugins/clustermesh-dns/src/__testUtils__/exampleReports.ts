import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

// The reports of the two embedded example repositories, as the command line
// prints them (clustermesh-dns validate --format json): examples/gitops-repo
// (after Story 13) and examples/templates/clustermesh-dns/gitops-repo-before.

/** examples/gitops-repo: both clusters pass. */
export const exampleAfterReport: MeshReport = {
  version: 2,
  clusters: [
    {
      name: 'apps',
      dir: 'kubernetes/clusters/apps',
      entry: 'kubernetes/clusters/apps',
      membership: {
        member: true,
        reason: 'a cluster folder under kubernetes/clusters',
      },
      fqdn: {
        template: 'clustermesh-apps.${SECRET_DOMAIN}',
        resolved: 'clustermesh-apps.<secret:SECRET_DOMAIN>',
        secret: true,
        location: {
          file: 'kubernetes/clusters/apps/cluster-settings.yaml',
          line: 14,
        },
      },
      lbIp: {
        value: '10.25.11.120',
        family: 'ipv4',
        location: {
          file: 'kubernetes/clusters/apps/cluster-settings.yaml',
          line: 15,
        },
      },
      pool: {
        name: 'lb-ippool-apps',
        block: '10.25.11.120-10.25.11.139',
        location: {
          file: 'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml',
          line: 9,
        },
      },
      record: {
        type: 'A',
        ttl: 300,
        mode: 'externaldns',
        location: {
          file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
          line: 10,
        },
      },
      peers: {
        expected: 1,
        missing: [],
      },
      status: 'pass',
      counts: {
        passed: 16,
        failed: 0,
        warnings: 0,
        notApplicable: 0,
        notEvaluated: 0,
      },
      checks: [
        {
          ruleId: 'settings-present',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'CILIUM_CLUSTERMESH_FQDN = "clustermesh-apps.${SECRET_DOMAIN}" and CILIUM_CLUSTERMESH_LB_IP = "10.25.11.120"',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'fqdn-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'FQDN "clustermesh-apps.<secret:SECRET_DOMAIN>" is a valid DNS name (secret parts checked as one label each)',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'fqdn-convention',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'FQDN "clustermesh-apps.${SECRET_DOMAIN}" follows "clustermesh-{cluster}.${SECRET_DOMAIN}"',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'cluster-name-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'cluster name "apps" is valid for Cilium',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 20,
          },
        },
        {
          ruleId: 'lb-ip-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'LB IP 10.25.11.120 is an IPv4 address (A record)',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 15,
          },
        },
        {
          ruleId: 'lb-ip-in-pool',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'LB IP 10.25.11.120 is in pool "lb-ippool-apps" block 10.25.11.120-10.25.11.139',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml',
            line: 9,
          },
        },
        {
          ruleId: 'peers-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'knows infra as "clustermesh-infra.<secret:SECRET_DOMAIN>"',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 16,
          },
        },
        {
          ruleId: 'dnsendpoint-matches',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0: clustermesh-apps.<secret:SECRET_DOMAIN> A 10.25.11.120 TTL 300, DNS only',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'dnsendpoint-included',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            "kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml is applied by the cluster's Flux Kustomizations",
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 1,
          },
        },
        {
          ruleId: 'service-annotation',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'clustermesh-apiserver is a LoadBalancer with annotation lbipam.cilium.io/ips: 10.25.11.120',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 32,
          },
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'reaches infra by FQDN on port 2379',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 41,
          },
        },
        {
          ruleId: 'tls-san',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'the server certificate names clustermesh-apps.<secret:SECRET_DOMAIN>',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 36,
          },
        },
        {
          ruleId: 'ca-shared',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as for infra',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/externalsecret.yaml',
            line: 3,
          },
        },
        {
          ruleId: 'substitution-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'every value the checks read is resolved (10 values)',
        },
        {
          ruleId: 'ttl-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'TTL 300 is within 1 (auto) or 60..86400 for Cloudflare',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'manifest-shape',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: '6 objects have the shape their CRDs define',
        },
      ],
    },
    {
      name: 'infra',
      dir: 'kubernetes/clusters/infra',
      entry: 'kubernetes/clusters/infra',
      membership: {
        member: true,
        reason: 'a cluster folder under kubernetes/clusters',
      },
      fqdn: {
        template: 'clustermesh-infra.${SECRET_DOMAIN}',
        resolved: 'clustermesh-infra.<secret:SECRET_DOMAIN>',
        secret: true,
        location: {
          file: 'kubernetes/clusters/infra/cluster-settings.yaml',
          line: 14,
        },
      },
      lbIp: {
        value: '10.25.11.100',
        family: 'ipv4',
        location: {
          file: 'kubernetes/clusters/infra/cluster-settings.yaml',
          line: 15,
        },
      },
      pool: {
        name: 'lb-ippool-infra',
        block: '10.25.11.100-10.25.11.119',
        location: {
          file: 'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml',
          line: 9,
        },
      },
      record: {
        type: 'A',
        ttl: 300,
        mode: 'externaldns',
        location: {
          file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
          line: 10,
        },
      },
      peers: {
        expected: 1,
        missing: [],
      },
      status: 'pass',
      counts: {
        passed: 16,
        failed: 0,
        warnings: 0,
        notApplicable: 0,
        notEvaluated: 0,
      },
      checks: [
        {
          ruleId: 'settings-present',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'CILIUM_CLUSTERMESH_FQDN = "clustermesh-infra.${SECRET_DOMAIN}" and CILIUM_CLUSTERMESH_LB_IP = "10.25.11.100"',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'fqdn-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'FQDN "clustermesh-infra.<secret:SECRET_DOMAIN>" is a valid DNS name (secret parts checked as one label each)',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'fqdn-convention',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'FQDN "clustermesh-infra.${SECRET_DOMAIN}" follows "clustermesh-{cluster}.${SECRET_DOMAIN}"',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 14,
          },
        },
        {
          ruleId: 'cluster-name-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'cluster name "infra" is valid for Cilium',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 20,
          },
        },
        {
          ruleId: 'lb-ip-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'LB IP 10.25.11.100 is an IPv4 address (A record)',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 15,
          },
        },
        {
          ruleId: 'lb-ip-in-pool',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'LB IP 10.25.11.100 is in pool "lb-ippool-infra" block 10.25.11.100-10.25.11.119',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml',
            line: 9,
          },
        },
        {
          ruleId: 'peers-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'knows apps as "clustermesh-apps.<secret:SECRET_DOMAIN>"',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 16,
          },
        },
        {
          ruleId: 'dnsendpoint-matches',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0: clustermesh-infra.<secret:SECRET_DOMAIN> A 10.25.11.100 TTL 300, DNS only',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'dnsendpoint-included',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            "kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml is applied by the cluster's Flux Kustomizations",
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 1,
          },
        },
        {
          ruleId: 'service-annotation',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'clustermesh-apiserver is a LoadBalancer with annotation lbipam.cilium.io/ips: 10.25.11.100',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 32,
          },
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'reaches apps by FQDN on port 2379',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 41,
          },
        },
        {
          ruleId: 'tls-san',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'the server certificate names clustermesh-infra.<secret:SECRET_DOMAIN>',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 36,
          },
        },
        {
          ruleId: 'ca-shared',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as for apps',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/externalsecret.yaml',
            line: 3,
          },
        },
        {
          ruleId: 'substitution-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'every value the checks read is resolved (10 values)',
        },
        {
          ruleId: 'ttl-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'TTL 300 is within 1 (auto) or 60..86400 for Cloudflare',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'manifest-shape',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: '6 objects have the shape their CRDs define',
        },
      ],
    },
  ],
  meshChecks: [
    {
      ruleId: 'lb-ip-unique',
      outcome: 'pass',
      severity: 'info',
      message: 'the 2 LB IPs are all different',
    },
    {
      ruleId: 'fqdn-unique',
      outcome: 'pass',
      severity: 'info',
      message: 'the 2 FQDNs are all different',
    },
    {
      ruleId: 'pools-disjoint',
      outcome: 'pass',
      severity: 'info',
      message: 'the pools of 2 clusters do not overlap',
    },
  ],
  findings: [],
  notEvaluated: [],
  conventions: [],
  overrides: [],
  summary: {
    clusters: 2,
    passing: 2,
    warning: 0,
    failing: 0,
    notEvaluated: 0,
    outside: 0,
    errors: 0,
    warnings: 0,
    passed: 35,
    notApplicable: 0,
    unevaluated: 0,
    status: 'pass',
  },
};

/** The template example before the change: both clusters fail. */
export const exampleBeforeReport: MeshReport = {
  version: 2,
  clusters: [
    {
      name: 'apps',
      dir: 'kubernetes/clusters/apps',
      entry: 'kubernetes/clusters/apps',
      membership: {
        member: true,
        reason: 'a cluster folder under kubernetes/clusters',
      },
      record: {
        ttl: 300,
        mode: 'externaldns',
      },
      peers: {
        expected: 1,
        missing: ['infra'],
      },
      status: 'fail',
      counts: {
        passed: 5,
        failed: 8,
        warnings: 0,
        notApplicable: 0,
        notEvaluated: 4,
      },
      checks: [
        {
          ruleId: 'settings-present',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap flux-system/cluster-settings',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to `kubernetes/clusters/<cluster>/cluster-settings.yaml` (or run `clustermesh-dns configure`).',
        },
        {
          ruleId: 'fqdn-valid',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'apps',
          message: 'CILIUM_CLUSTERMESH_FQDN is not set',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'fqdn-convention',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'apps',
          message: 'CILIUM_CLUSTERMESH_FQDN is not set',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'cluster-name-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'cluster name "apps" is valid for Cilium',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 20,
          },
        },
        {
          ruleId: 'lb-ip-valid',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'apps',
          message: 'CILIUM_CLUSTERMESH_LB_IP is not set',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'lb-ip-in-pool',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'apps',
          message: 'CILIUM_CLUSTERMESH_LB_IP is not set',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'peers-complete',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'CILIUM_CLUSTERMESH_INFRA_FQDN is not set: the peer infra is not known by FQDN (expected "clustermesh-infra.${SECRET_DOMAIN}")',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            "Add `CILIUM_CLUSTERMESH_{PEER}_FQDN` for each peer (its name upper-cased, `-` as `_`) to the settings, with the peer's FQDN.",
        },
        {
          ruleId: 'dnsendpoint-matches',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'no DNSEndpoint is applied to the cluster: no DNS record will be created for its ClusterMesh API server',
          location: {
            file: 'kubernetes/clusters/apps/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            'Edit the DNSEndpoint in `kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml` (or run `clustermesh-dns configure`); for Cloudflare add providerSpecific `external-dns.alpha.kubernetes.io/cloudflare-proxied: "false"`.',
        },
        {
          ruleId: 'dnsendpoint-included',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'no DNSEndpoint is applied to the cluster and kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml does not exist',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 1,
          },
          remediation:
            'Add `dnsendpoint.yaml` to the `resources` of the kustomization in `kubernetes/infrastructure/networking/cilium/clustermesh/`.',
        },
        {
          ruleId: 'service-annotation',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'clustermesh.apiserver.service has no LB IPAM annotation (lbipam.cilium.io/ips or io.cilium/lb-ipam-ips) and no loadBalancerIP',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 29,
          },
          remediation:
            'In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}}`.',
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'the entry for infra lists ips ["10.25.11.100"]: peers must be reached by address (FQDN)',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 37,
          },
          remediation:
            'For each peer write `{name: <peer>, address: ${CILIUM_CLUSTERMESH_{PEER}_FQDN}, port: 2379}` and remove `ips`.',
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message: 'the entry for infra has no address',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 35,
          },
          remediation:
            'For each peer write `{name: <peer>, address: ${CILIUM_CLUSTERMESH_{PEER}_FQDN}, port: 2379}` and remove `ips`.',
        },
        {
          ruleId: 'tls-san',
          outcome: 'fail',
          severity: 'error',
          cluster: 'apps',
          message:
            'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 27,
          },
          remediation:
            'Add `${CILIUM_CLUSTERMESH_FQDN}` to `clustermesh.apiserver.tls.server.extraDnsNames`.',
        },
        {
          ruleId: 'ca-shared',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message:
            'its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as for infra',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/externalsecret.yaml',
            line: 3,
          },
        },
        {
          ruleId: 'substitution-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'every value the checks read is resolved (4 values)',
        },
        {
          ruleId: 'ttl-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: 'TTL 300 is within 1 (auto) or 60..86400 for Cloudflare',
        },
        {
          ruleId: 'manifest-shape',
          outcome: 'pass',
          severity: 'info',
          cluster: 'apps',
          message: '5 objects have the shape their CRDs define',
        },
      ],
    },
    {
      name: 'infra',
      dir: 'kubernetes/clusters/infra',
      entry: 'kubernetes/clusters/infra',
      membership: {
        member: true,
        reason: 'a cluster folder under kubernetes/clusters',
      },
      record: {
        ttl: 300,
        mode: 'externaldns',
      },
      peers: {
        expected: 1,
        missing: ['apps'],
      },
      status: 'fail',
      counts: {
        passed: 5,
        failed: 8,
        warnings: 0,
        notApplicable: 0,
        notEvaluated: 4,
      },
      checks: [
        {
          ruleId: 'settings-present',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap flux-system/cluster-settings',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            'Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to `kubernetes/clusters/<cluster>/cluster-settings.yaml` (or run `clustermesh-dns configure`).',
        },
        {
          ruleId: 'fqdn-valid',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'infra',
          message: 'CILIUM_CLUSTERMESH_FQDN is not set',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'fqdn-convention',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'infra',
          message: 'CILIUM_CLUSTERMESH_FQDN is not set',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'cluster-name-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'cluster name "infra" is valid for Cilium',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 20,
          },
        },
        {
          ruleId: 'lb-ip-valid',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'infra',
          message: 'CILIUM_CLUSTERMESH_LB_IP is not set',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'lb-ip-in-pool',
          outcome: 'not-evaluated',
          severity: 'info',
          cluster: 'infra',
          message: 'CILIUM_CLUSTERMESH_LB_IP is not set',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
        },
        {
          ruleId: 'peers-complete',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'CILIUM_CLUSTERMESH_APPS_FQDN is not set: the peer apps is not known by FQDN (expected "clustermesh-apps.${SECRET_DOMAIN}")',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            "Add `CILIUM_CLUSTERMESH_{PEER}_FQDN` for each peer (its name upper-cased, `-` as `_`) to the settings, with the peer's FQDN.",
        },
        {
          ruleId: 'dnsendpoint-matches',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'no DNSEndpoint is applied to the cluster: no DNS record will be created for its ClusterMesh API server',
          location: {
            file: 'kubernetes/clusters/infra/cluster-settings.yaml',
            line: 10,
          },
          remediation:
            'Edit the DNSEndpoint in `kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml` (or run `clustermesh-dns configure`); for Cloudflare add providerSpecific `external-dns.alpha.kubernetes.io/cloudflare-proxied: "false"`.',
        },
        {
          ruleId: 'dnsendpoint-included',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'no DNSEndpoint is applied to the cluster and kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml does not exist',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
            line: 1,
          },
          remediation:
            'Add `dnsendpoint.yaml` to the `resources` of the kustomization in `kubernetes/infrastructure/networking/cilium/clustermesh/`.',
        },
        {
          ruleId: 'service-annotation',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'clustermesh.apiserver.service has no LB IPAM annotation (lbipam.cilium.io/ips or io.cilium/lb-ipam-ips) and no loadBalancerIP',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 29,
          },
          remediation:
            'In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}}`.',
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'the entry for apps lists ips ["10.25.11.120"]: peers must be reached by address (FQDN)',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 41,
          },
          remediation:
            'For each peer write `{name: <peer>, address: ${CILIUM_CLUSTERMESH_{PEER}_FQDN}, port: 2379}` and remove `ips`.',
        },
        {
          ruleId: 'peers-by-fqdn',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message: 'the entry for apps has no address',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 39,
          },
          remediation:
            'For each peer write `{name: <peer>, address: ${CILIUM_CLUSTERMESH_{PEER}_FQDN}, port: 2379}` and remove `ips`.',
        },
        {
          ruleId: 'tls-san',
          outcome: 'fail',
          severity: 'error',
          cluster: 'infra',
          message:
            'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            line: 27,
          },
          remediation:
            'Add `${CILIUM_CLUSTERMESH_FQDN}` to `clustermesh.apiserver.tls.server.extraDnsNames`.',
        },
        {
          ruleId: 'ca-shared',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message:
            'its ClusterMesh CA comes from the same ExternalSecret kube-system/cilium-ca, as for apps',
          location: {
            file: 'kubernetes/infrastructure/networking/cilium/clustermesh/externalsecret.yaml',
            line: 3,
          },
        },
        {
          ruleId: 'substitution-complete',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'every value the checks read is resolved (4 values)',
        },
        {
          ruleId: 'ttl-valid',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: 'TTL 300 is within 1 (auto) or 60..86400 for Cloudflare',
        },
        {
          ruleId: 'manifest-shape',
          outcome: 'pass',
          severity: 'info',
          cluster: 'infra',
          message: '5 objects have the shape their CRDs define',
        },
      ],
    },
  ],
  meshChecks: [
    {
      ruleId: 'lb-ip-unique',
      outcome: 'pass',
      severity: 'info',
      message: 'no LB IP is set yet',
    },
    {
      ruleId: 'fqdn-unique',
      outcome: 'pass',
      severity: 'info',
      message: 'no FQDN is set yet',
    },
    {
      ruleId: 'pools-disjoint',
      outcome: 'pass',
      severity: 'info',
      message: 'the pools of 2 clusters do not overlap',
    },
  ],
  findings: [],
  notEvaluated: [],
  conventions: [],
  overrides: [],
  summary: {
    clusters: 2,
    passing: 0,
    warning: 0,
    failing: 2,
    notEvaluated: 0,
    outside: 0,
    errors: 16,
    warnings: 0,
    passed: 13,
    notApplicable: 0,
    unevaluated: 8,
    status: 'fail',
  },
};
