import { z } from 'zod';
import { parseDocument } from 'yaml';

/**
 * Conventions: how a GitOps repository lays out its clusters, settings and
 * Cilium configuration. Defaults follow the story's layout; every field
 * can be set in a YAML file (see the package README) and most are
 * detected from the repository.
 */

const peerToken = '{PEER}';

/** @public */
export const conventionsSchema = z.object({
  clustersPath: z
    .string()
    .default('kubernetes/clusters')
    .describe(
      'Folder whose sub-folders are the clusters; each is a Flux entry point (its flux-system Kustomization path).',
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
        .describe('Name of the settings ConfigMap.'),
      secret: z
        .string()
        .default('cluster-secrets')
        .describe('Name of the settings Secret (usually SOPS-encrypted).'),
      namespace: z
        .string()
        .default('flux-system')
        .describe('Namespace of both.'),
      file: z
        .string()
        .default('kubernetes/clusters/{cluster}/cluster-settings.yaml')
        .describe(
          'File of the settings ConfigMap, `{cluster}` replaced (used when writing).',
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
        .refine(v => v.includes(peerToken), `must contain ${peerToken}`)
        .describe(
          `Variable holding a peer's FQDN; ${peerToken} is the peer name upper-cased, "-" as "_".`,
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
          'The DNSEndpoint file (used when writing and by dnsendpoint-included).',
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
        .enum(['lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips'])
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
    .describe('Peers of each cluster (default: every other cluster).'),
  flux: z
    .object({
      strictSubstitution: z.boolean().default(true),
      substituteAlways: z.boolean().default(false),
      sourceNames: z.array(z.string()).default(['flux-system']),
    })
    .prefault({}),
  values: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      'Values for variables that are secret in the repository (e.g. SECRET_DOMAIN); nothing is ever decrypted.',
    ),
});

/** @public */
export type MeshConventions = z.infer<typeof conventionsSchema>;

/** Partial conventions as written in a file or detected. @public */
export type MeshConventionsInput = z.input<typeof conventionsSchema>;

/** The conventions of the story's layout. @public */
export const defaultConventions: MeshConventions = conventionsSchema.parse({});

/** An error that names the field and the reason. @public */
export class ConventionsError extends Error {
  constructor(
    readonly issues: { path: string; message: string }[],
    source = 'conventions',
  ) {
    super(
      `${source}: ${issues
        .map(i => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'ConventionsError';
  }
}

function deepMerge(base: any, over: any): any {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over))
    return over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/**
 * Validates conventions: explicit settings win over detected ones, which
 * win over the defaults.
 *
 * @public
 */
export function resolveConventions(
  explicit: MeshConventionsInput | undefined,
  detected: MeshConventionsInput = {},
  source = 'conventions',
): MeshConventions {
  const result = conventionsSchema.safeParse(
    deepMerge(detected, explicit ?? {}),
  );
  if (!result.success) {
    throw new ConventionsError(
      result.error.issues.map(i => ({
        path: i.path.join('.'),
        message: i.message,
      })),
      source,
    );
  }
  const unknown = unknownKeys(explicit ?? {}, conventionsSchema);
  if (unknown.length) {
    throw new ConventionsError(
      unknown.map(path => ({ path, message: 'is not a known setting' })),
      source,
    );
  }
  return result.data;
}

function unknownKeys(value: any, schema: z.ZodType, prefix = ''): string[] {
  const shape = unwrapObject(schema);
  if (
    !shape ||
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value)
  )
    return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!(k in shape)) out.push(path);
    else out.push(...unknownKeys(v, shape[k], path));
  }
  return out;
}

function unwrapObject(schema: any): Record<string, z.ZodType> | undefined {
  let s = schema;
  for (let i = 0; i < 5 && s; i++) {
    if (s.shape) return s.shape;
    s = s.def?.innerType ?? s._def?.innerType;
  }
  return undefined;
}

/**
 * Reads the text of a conventions file into its (unvalidated) input object.
 *
 * @throws ConventionsError naming the file when it is not a YAML map
 * @public
 */
export function readConventionsFile(
  text: string,
  file = 'conventions file',
): MeshConventionsInput {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ConventionsError(
      [
        {
          path: '',
          message: `is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
        },
      ],
      file,
    );
  }
  const value = doc.toJS({ maxAliasCount: 50 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConventionsError(
      [{ path: '', message: 'must be a YAML map' }],
      file,
    );
  }
  return value;
}

/**
 * Reads conventions from YAML text (a conventions file), over the defaults.
 *
 * @public
 */
export function parseConventions(
  text: string,
  file = 'conventions file',
): MeshConventions {
  return resolveConventions(readConventionsFile(text, file), {}, file);
}

/** The variable holding a peer's FQDN. @public */
export function peerFqdnVariable(
  conventions: MeshConventions,
  peer: string,
): string {
  return conventions.variables.peerFqdn.replace(
    peerToken,
    peer.toUpperCase().replace(/[^A-Z0-9]/g, '_'),
  );
}

/** The expected FQDN template of a cluster. @public */
export function fqdnTemplateFor(
  conventions: MeshConventions,
  cluster: string,
): string {
  return conventions.fqdnTemplate.split('{cluster}').join(cluster);
}

/** A `{cluster}` path template filled in. @public */
export function clusterPath(template: string, cluster: string): string {
  return template.split('{cluster}').join(cluster);
}
