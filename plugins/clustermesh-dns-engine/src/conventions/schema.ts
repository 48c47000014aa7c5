import * as z from 'zod';
import {
  DetectedConvention,
  ruleIds,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { lbIpamAnnotationKeys } from '../cilium/values';

/**
 * Conventions: how a GitOps repository lays out its clusters, settings and
 * Cilium configuration. Defaults follow the story's layout; every field
 * can be set in a YAML file (see the package README) and most are
 * detected from the repository.
 */

/** Where a peer's name goes in the peer variable template, upper-cased. */
export const peerToken = '{PEER}';

/** The same, lower-cased, for settings whose keys are lower_snake_case. */
export const lowerPeerToken = '{peer}';

/** @public */
export const conventionsSchema = z.object({
  clustersPath: z
    .string()
    .default('kubernetes/clusters')
    .describe(
      'Folder whose sub-folders are the clusters; each is a Flux entry point (its flux-system Kustomization path).',
    ),
  entryPath: z
    .string()
    .default('')
    .describe(
      "Sub-folder of a cluster's folder that is its Flux entry point (`flux`, `cluster/config`); empty for the folder itself.",
    ),
  entries: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Clusters whose Flux entry point is not `<clustersPath>/<cluster>/<entryPath>`: cluster name → the folder its bootstrap applies (`{a: clusters/a}` when `clusters/a/kustomization.yaml` applies the Kustomizations that reconcile `clusters/a/flux/...`).',
    ),
  sharedEntry: z
    .object({
      path: z
        .string()
        .describe(
          'The folder Flux reconciles every cluster from (`kubernetes/flux`).',
        ),
      variable: z
        .string()
        .regex(/^[_a-zA-Z][_a-zA-Z0-9]*$/, 'a Flux variable name')
        .describe(
          "The variable its Kustomizations pick the cluster's folder by (`./kubernetes/clusters/${ENVIRONMENT}/apps`); in each cluster it is the cluster's folder name.",
        ),
    })
    .optional()
    .describe(
      "One Flux entry point for every cluster, whose Kustomizations pick the cluster's folder by a variable that an installer sets per cluster: each cluster is rendered from it with the variable set to its name. Replaces `entryPath`.",
    ),
  clusters: z
    .array(z.string())
    .optional()
    .describe(
      'Only these clusters (default: every sub-folder of clustersPath).',
    ),
  settings: z
    .object({
      configMap: z
        .string()
        .default('cluster-settings')
        .describe(
          'Name of the settings ConfigMap; `{cluster}` for a name per cluster (`{cluster}-vars`).',
        ),
      secret: z
        .string()
        .default('cluster-secrets')
        .describe(
          'Name of the settings Secret (usually SOPS-encrypted); `{cluster}` for a name per cluster.',
        ),
      namespace: z
        .string()
        .default('flux-system')
        .describe('Namespace of both.'),
      file: z
        .string()
        .default('kubernetes/clusters/{cluster}/cluster-settings.yaml')
        .describe(
          'File of the settings ConfigMap, `{cluster}` replaced (used when writing); default: `cluster-settings.yaml` in the folder Flux reconciles for the cluster (`<clustersPath>/{cluster}/<entryPath>`).',
        ),
      create: z
        .enum(['auto', 'always'])
        .default('auto')
        .describe(
          "Whether configure creates a settings ConfigMap for a cluster that has none. `auto`: only where a value cannot be written out; where the FQDN template has no variables and the cluster's Cilium values are its own, applied without substitution, they are written out, as the repository writes its others. `always`: the ConfigMap is created and the files refer to its variables.",
        ),
    })
    .prefault({}),
  variables: z
    .object({
      fqdn: z
        .string()
        .default('CILIUM_CLUSTERMESH_FQDN')
        .describe("Variable holding the cluster's ClusterMesh FQDN."),
      lbIp: z
        .string()
        .default('CILIUM_CLUSTERMESH_LB_IP')
        .describe(
          'Variable holding the clustermesh-apiserver LoadBalancer IP.',
        ),
      peerFqdn: z
        .string()
        .default(`CILIUM_CLUSTERMESH_${peerToken}_FQDN`)
        .refine(
          v => v.includes(peerToken) || v.includes(lowerPeerToken),
          `must contain ${peerToken} or ${lowerPeerToken}`,
        )
        .describe(
          `Variable holding a peer's FQDN; ${peerToken} is the peer name upper-cased, "-" as "_" (${lowerPeerToken}: lower-cased, for lower_snake_case settings).`,
        ),
      domain: z
        .string()
        .default('SECRET_DOMAIN')
        .describe('Variable holding the DNS domain.'),
    })
    .prefault({}),
  fqdnTemplate: z
    .string()
    .default('clustermesh-{cluster}.${SECRET_DOMAIN}')
    .refine(v => v.includes('{cluster}'), 'must contain {cluster}')
    .describe('Expected FQDN of a cluster; `{cluster}` is the cluster name.'),
  dns: z
    .object({
      mode: z
        .enum(['externaldns', 'manual'])
        .default('externaldns')
        .describe(
          'externaldns: DNSEndpoint objects; manual: a records document.',
        ),
      ttl: z.number().int().default(300).describe('Record TTL in seconds.'),
      provider: z
        .enum(['cloudflare', 'other'])
        .default('cloudflare')
        .describe('DNS provider, for TTL ranges and "DNS only".'),
      proxiedByDefault: z
        .boolean()
        .optional()
        .describe(
          'Whether ExternalDNS runs with `--cloudflare-proxied` (detected from its deployment): a record without a cloudflare-proxied key is then proxied; without the flag it is DNS only.',
        ),
      externalDnsAnnotationPrefix: z
        .string()
        .default('external-dns.alpha.kubernetes.io/')
        .describe(
          'Prefix of ExternalDNS provider-specific keys (`external-dns.kubernetes.io/` from ExternalDNS v0.22).',
        ),
      recordsDocument: z
        .string()
        .default('docs/clustermesh-dns-records.md')
        .describe('The records document of manual mode.'),
    })
    .prefault({}),
  dnsEndpoint: z
    .object({
      name: z.string().default('clustermesh-apiserver'),
      namespace: z.string().default('kube-system'),
      file: z
        .string()
        .default(
          'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
        )
        .describe(
          'The DNSEndpoint file (used when writing and by dnsendpoint-included); `{cluster}` in it gives each cluster a file of its own.',
        ),
    })
    .prefault({}),
  cilium: z
    .object({
      helmRelease: z
        .object({
          name: z.string().default('cilium'),
          namespace: z.string().default('kube-system'),
          file: z
            .string()
            .default(
              'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
            ),
        })
        .prefault({}),
      valuesFile: z
        .string()
        .optional()
        .describe(
          'Plain Helm values file for clusters whose Cilium is installed outside Flux; `{cluster}` replaced.',
        ),
      lbIpamAnnotation: z
        .enum(lbIpamAnnotationKeys)
        .default('lbipam.cilium.io/ips')
        .describe(
          'LB IPAM annotation key written on the clustermesh-apiserver service.',
        ),
      apiserverPort: z.number().int().min(1).max(65535).default(2379),
      serviceName: z.string().default('clustermesh-apiserver'),
    })
    .prefault({}),
  pools: z
    .object({
      file: z
        .string()
        .default(
          'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-{cluster}.yaml',
        )
        .describe('Pool file of a cluster (used when writing).'),
      networks: z
        .array(z.array(z.string()))
        .optional()
        .describe(
          'Groups of clusters that share an L2/BGP network; pools must not overlap within a group (default: one group of all clusters).',
        ),
    })
    .prefault({}),
  peers: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe(
      'Peers of each cluster (default: every other cluster of the mesh).',
    ),
  mesh: z
    .object({
      include: z
        .array(z.string())
        .default([])
        .describe(
          'Clusters that are in the mesh whatever their Cilium values say.',
        ),
      exclude: z
        .array(z.string())
        .default([])
        .describe(
          'Clusters that are never in the mesh: no rule runs for them.',
        ),
    })
    .prefault({})
    .describe(
      'Which clusters are in the mesh: by default those whose Cilium values enable ClusterMesh (clustermesh.useAPIServer or clustermesh.config.enabled).',
    ),
  rules: z
    // an object, not a list: the API report prints its keys in this order
    // (a list's union prints in the order the type checker met the literals)
    .partialRecord(
      z.enum(ruleIds),
      z.enum({ off: 'off', warning: 'warning', error: 'error' }),
    )
    .default({})
    .describe(
      'Rules switched off, or run with another severity, for the checks a team deliberately does not follow.',
    ),
  flux: z
    .object({
      strictSubstitution: z
        .boolean()
        .default(true)
        .describe(
          'An undefined variable without a default fails the Kustomization (Flux 2.9 and later); detected from the Flux version the repository deploys.',
        ),
      substituteAlways: z.boolean().default(false),
      readPlainSecrets: z
        .boolean()
        .default(false)
        .describe(
          "Read the values of Secrets the repository keeps unencrypted (their stringData and base64 data), and the keys a SOPS file's encrypted_regex leaves in clear, as Flux substitutes them; an encrypted value is never read. Off by default, so no Secret's value appears in a report (the backend's page); the CLI, run on one's own checkout, turns it on unless this file says false.",
        ),
      version: z
        .string()
        .regex(/^\d+\.\d+$/)
        .optional()
        .describe(
          'The oldest Flux minor version the repository deploys (`2.6`), where a version is found; detected with strictSubstitution. Which API versions are served follows it (kustomize.toolkit.fluxcd.io/v1beta1 until Flux 2.6).',
        ),
      branch: z
        .string()
        .min(1)
        .optional()
        .describe(
          "The branch of this repository that is read (the CLI takes it from the folder's `.git/HEAD`, the backend from its source's `branch`): a cluster whose Flux reconciles another branch is not evaluated, since its files there may differ.",
        ),
      sourceNames: z.array(z.string()).default(['flux-system']),
      sourceRoots: z
        .record(z.string(), z.string())
        .default({})
        .describe(
          'Sources that are a folder of this repository rather than its root, by name: an OCI artifact pushed from a folder (`flux push artifact --path=./platform`) is `{platform: platform}`; a Kustomization building `./base/x` from it builds `platform/base/x` here.',
        ),
      sourceIgnore: z
        .array(z.string())
        .optional()
        .describe(
          "What this repository's GitRepositories leave out of their artifacts: each one's `spec.ignore` (gitignore patterns from the root); a file is left out when every one of them leaves it out. Detected from the GitRepositories taken for this repository.",
        ),
      substitutionWebhook: z
        .object({
          namespace: z.string().default('flux-system'),
          sources: z.array(
            z.object({
              kind: z.enum(['ConfigMap', 'Secret']),
              name: z.string(),
            }),
          ),
          skipNamespaces: z.array(z.string()).default(['flux-system']),
        })
        .optional()
        .describe(
          "A mutating webhook (xunholy's kustomize-mutating-webhook) that writes the keys of its ConfigMaps and Secrets, read in its namespace, into the postBuild.substitute of every Flux Kustomization outside skipNamespaces (its namespaceSelector), over the Kustomization's own; detected from its values.",
        ),
      externalSources: z
        .array(
          z.object({
            kind: z.enum(['ConfigMap', 'Secret']),
            name: z.string(),
            namespace: z.string().default('flux-system'),
          }),
        )
        .default([])
        .describe(
          'Substitution sources made outside the repository (by a bootstrap, Terraform, by hand): their values are unknown here, not missing.',
        ),
    })
    .prefault({}),
  values: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      'Values for variables that are secret in the repository (e.g. SECRET_DOMAIN); nothing is ever decrypted.',
    ),
  valuesByCluster: z
    .record(z.string(), z.record(z.string(), z.string()))
    .default({})
    .describe(
      "Values for one cluster's secret variables, by cluster name, where its Secret holds another value than the others' (each cluster's own SECRET_DOMAIN); they win over `values` for that cluster.",
    ),
});

/**
 * The conventions a repository is checked with, and where each setting
 * came from (detected, configured, or the default and why).
 *
 * @public
 */
export type MeshConventions = z.infer<typeof conventionsSchema> & {
  readonly provenance?: readonly DetectedConvention[];
};

/** Partial conventions as written in a file or detected. @public */
export type MeshConventionsInput = z.input<typeof conventionsSchema>;

/** The conventions of the story's layout. @public */
export const defaultConventions: MeshConventions = conventionsSchema.parse({});

/**
 * The line the records document of manual mode opens with, after its
 * title: a repository that holds it keeps its records by hand.
 *
 * @public
 */
export const recordsDocumentMarker =
  'Managed by `clustermesh-dns configure` (manual mode)';

/**
 * The markers of records documents written before (naming the scaffolder
 * action, which a repository without Backstage does not have): such a
 * document still says manual mode.
 *
 * @public
 */
export const legacyRecordsDocumentMarkers: readonly string[] = [
  'Managed by `clustermesh:dns:configure` (manual mode)',
  'Managed by `clustermesh-dns configure` or the Backstage scaffolder action `clustermesh:dns:configure` (manual mode)',
  'Managed by `clustermesh-dns configure` or the `clustermesh:dns:configure` action (manual mode)',
];

/** A setting as the report shows it: `a, b` for a list, `key: value, ...` for an object. */
export const settingText = (value: unknown): string => {
  if (Array.isArray(value)) return value.join(', ');
  if (value !== null && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${settingText(v)}`)
      .join(', ');
  return String(value);
};
