import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import * as z from 'zod';

/**
 * The shape each CRD defines for the fields the rules read: types,
 * required fields and enums. The offline stand-in for the story's
 * `kubectl --dry-run=client`, limited to what the checks depend on.
 */

const stringMap = z.record(z.string(), z.string());
const duration = z
  .string()
  .regex(
    /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/,
    'must be a Go duration such as 10m or 1h',
  );
const int64 = z.number().int();

const labelSelector = z.object({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.object({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const dnsEndpoint = z.object({
  spec: z.object({
    endpoints: z.array(
      z.object({
        dnsName: z.string(),
        recordType: z.string().optional(),
        recordTTL: int64.optional(),
        targets: z.array(z.string()).optional(),
        labels: stringMap.optional(),
        setIdentifier: z.string().optional(),
        providerSpecific: z
          .array(z.object({ name: z.string(), value: z.string() }))
          .optional(),
      }),
    ),
  }),
});

const poolBlock = z.object({
  cidr: z.string().optional(),
  start: z.string().optional(),
  stop: z.string().optional(),
});

const pool = z.object({
  spec: z.object({
    blocks: z.array(poolBlock).optional(),
    cidrs: z.array(poolBlock).optional(),
    disabled: z.boolean().optional(),
    allowFirstLastIPs: z.enum(['Yes', 'No']).optional(),
    serviceSelector: labelSelector.optional(),
  }),
});

const helmRelease = z.object({
  spec: z
    .object({
      interval: duration,
      // a field the CRD does not declare here (`valuesFrom` under chart)
      // fails Flux's server-side apply: "field not declared in schema"
      chart: z
        .object({
          metadata: z.record(z.string(), z.unknown()).optional(),
          spec: z.record(z.string(), z.unknown()),
        })
        .strict()
        .optional(),
      chartRef: z
        .object({
          kind: z.enum(['OCIRepository', 'HelmChart', 'ExternalArtifact']),
          name: z.string(),
        })
        .optional(),
      releaseName: z.string().optional(),
      targetNamespace: z.string().optional(),
      values: z.record(z.string(), z.unknown()).optional(),
      valuesFrom: z
        .array(
          z.object({
            kind: z.enum(['ConfigMap', 'Secret']),
            name: z.string(),
            valuesKey: z.string().optional(),
            targetPath: z.string().optional(),
            optional: z.boolean().optional(),
          }),
        )
        .optional(),
    })
    .refine(s => s.chart !== undefined || s.chartRef !== undefined, {
      message: 'needs spec.chart or spec.chartRef',
    }),
});

const kustomization = z.object({
  spec: z.object({
    interval: duration,
    prune: z.boolean(),
    path: z.string().optional(),
    sourceRef: z.object({
      kind: z.enum([
        'GitRepository',
        'OCIRepository',
        'Bucket',
        'ExternalArtifact',
      ]),
      name: z.string(),
      namespace: z.string().optional(),
    }),
    targetNamespace: z.string().optional(),
    dependsOn: z
      .array(z.object({ name: z.string(), namespace: z.string().optional() }))
      .optional(),
    postBuild: z
      .object({
        substitute: stringMap.optional(),
        substituteFrom: z
          .array(
            z.object({
              kind: z.enum(['ConfigMap', 'Secret']),
              name: z.string(),
              optional: z.boolean().optional(),
            }),
          )
          .optional(),
      })
      .optional(),
  }),
});

/**
 * Fields a schema takes as they are (`z.unknown()` under them): nulls in
 * them change nothing, so they are not walked to prune them (a HelmRelease's
 * values hold the whole mesh).
 */
type OpaqueFields = { [key: string]: OpaqueFields | true };

/** Schemas by `group/Kind`. @public */
export const manifestShapes: Record<
  string,
  {
    versions: string[];
    /**
     * Versions older Flux releases still serve, with the Flux minor that
     * removed each: served where the repository deploys an older Flux (their
     * own schema is not checked here).
     */
    removed?: Record<string, [number, number]>;
    schema: z.ZodType;
    opaque?: OpaqueFields;
    /** Fields the CRD leaves open (`x-kubernetes-preserve-unknown-fields`): any value. */
    open?: OpaqueFields;
  }
> = {
  'externaldns.k8s.io/DNSEndpoint': {
    versions: ['v1alpha1'],
    schema: dnsEndpoint,
  },
  'cilium.io/CiliumLoadBalancerIPPool': {
    versions: ['v2alpha1', 'v2'],
    schema: pool,
  },
  'helm.toolkit.fluxcd.io/HelmRelease': {
    versions: ['v2', 'v2beta2', 'v2beta1'],
    schema: helmRelease,
    opaque: { spec: { values: true, chart: true } },
    open: { spec: { values: true } },
  },
  'kustomize.toolkit.fluxcd.io/Kustomization': {
    versions: ['v1', 'v1beta2'],
    // kustomize-controller v1.7 (Flux 2.7) removed v1beta1
    removed: { v1beta1: [2, 7] },
    schema: kustomization,
  },
};

/** Shape problems by body: parsed and substituted bodies are kept and shared between validations and clusters, and never change. */
const checkedBodies = new WeakMap<
  object,
  { type: string; problems: ShapeProblem[] | undefined }
>();

type ShapeProblem = { path: (string | number)[]; message: string };

/** Whether objects of this kind have a shape to check (a kind the rules read). @public */
export function hasShape(apiVersion: string, kind: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return manifestShapes[`${group}/${kind}`] !== undefined;
}

/**
 * Whether a field of a kind takes any value (its CRD preserves unknown
 * fields there: a HelmRelease's values), so what it holds has no shape.
 *
 * @public
 */
export function anyShapeAt(
  apiVersion: string,
  kind: string,
  path: readonly (string | number)[],
): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  let open: OpaqueFields | true | undefined =
    manifestShapes[`${group}/${kind}`]?.open;
  for (const key of path) {
    if (open === true) return true;
    open = open?.[String(key)];
  }
  return open === true;
}

/**
 * Shape problems of an object body: each with the path of the field. The
 * Flux minor the repository deploys (`2.6`), where known, decides which
 * older API versions are still served; unknown, the latest Flux's.
 *
 * @public
 */
export function shapeProblems(
  apiVersion: string,
  kind: string,
  body: unknown,
  fluxVersion?: string,
): ShapeProblem[] | undefined {
  if (body === null || typeof body !== 'object')
    return bodyProblems(apiVersion, kind, body, fluxVersion);
  const type = `${apiVersion}\u0000${kind}\u0000${fluxVersion ?? ''}`;
  const known = checkedBodies.get(body);
  if (known?.type === type) return known.problems;
  const problems = bodyProblems(apiVersion, kind, body, fluxVersion);
  checkedBodies.set(body, { type, problems });
  return problems;
}

function bodyProblems(
  apiVersion: string,
  kind: string,
  body: unknown,
  fluxVersion?: string,
): ShapeProblem[] | undefined {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/')
    : ['', apiVersion];
  const shape = manifestShapes[`${group}/${kind}`];
  if (!shape) return undefined;
  const problems: ShapeProblem[] = [];
  const removedIn = shape.removed?.[version];
  if (removedIn && fluxVersion) {
    const [major, minor] = fluxVersion.split('.').map(Number);
    // served by the Flux the repository deploys: its schema not checked
    if (
      major < removedIn[0] ||
      (major === removedIn[0] && minor < removedIn[1])
    )
      return [];
  }
  if (!shape.versions.includes(version)) {
    problems.push({
      path: ['apiVersion'],
      message: `${apiVersion} is not a served version (${shape.versions
        .map(v => `${group}/${v}`)
        .join(', ')})${
        removedIn
          ? `: Flux ${removedIn.join('.')} removed it${
              fluxVersion
                ? `, and the repository deploys Flux ${fluxVersion}`
                : ', and no older Flux version is found in the repository'
            }`
          : ''
      }`,
    });
  }
  // the API server prunes null fields of a custom resource before it
  // validates (`postBuild:` with no value is simply absent)
  const result = shape.schema.safeParse(withoutNulls(body, shape.opaque), {
    reportInput: true,
  });
  if (!result.success) {
    for (const issue of result.error.issues) {
      // a value not known here (a Secret's) cannot be judged by its type
      if (unknownVariables((issue as { input?: unknown }).input).length)
        continue;
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          problems.push({
            path: [...(issue.path as (string | number)[]), key],
            message: `${[...issue.path, key].join(
              '.',
            )} is not a field the CRD declares there: Flux's server-side apply fails the Kustomization (field not declared in schema)`,
          });
        continue;
      }
      problems.push({
        path: issue.path as (string | number)[],
        message: describeIssue(issue),
      });
    }
  }
  return problems;
}

/** Bodies already pruned: clusters share most of their objects' subtrees. */
const pruned = new WeakMap<object, unknown>();

/**
 * A parsed body without its null map entries (nulls in lists stay); the
 * same object when it has none, so nothing is copied in the common case.
 * Under an opaque field only the field itself is pruned when null.
 */
function withoutNulls(value: unknown, opaque?: OpaqueFields): unknown {
  if (value === null || typeof value !== 'object') return value;
  // a result pruned in full is kept; one that skipped opaque fields is not
  // (bodies are rendered per cluster and their opaque fields are the big part)
  const known = opaque ? undefined : pruned.get(value);
  if (known !== undefined) return known;
  let out: unknown = value;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map(item => {
      const next = withoutNulls(item);
      changed ||= next !== item;
      return next;
    });
    if (changed) out = items;
  } else {
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const inner = opaque?.[k];
      let next: unknown = v;
      if (v === null) next = undefined;
      else if (inner !== true) next = withoutNulls(v, inner);
      if (next !== v) copy ??= { ...(value as Record<string, unknown>) };
      if (copy) {
        if (v === null) delete copy[k];
        else copy[k] = next;
      }
    }
    if (copy) out = copy;
  }
  if (!opaque) pruned.set(value, out);
  return out;
}

/** What a parsed value is, in a schema's words. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.join('.') : '(object)';
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a map' : issue.expected;
    return (issue as any).input === undefined
      ? `${field} is required`
      : `${field} must be ${
          issue.expected === 'array' ? 'a list' : expected
        }, not ${typeName((issue as any).input)}`;
  }
  if (issue.code === 'invalid_value')
    return `${field} must be one of ${(issue as any).values
      .map((v: unknown) => JSON.stringify(v))
      .join(', ')}`;
  return `${field} ${issue.message}`;
}
