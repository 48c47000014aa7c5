import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../../core/paths';
import type { SubstitutionWebhook } from '../../flux/fluxKustomization';
import { ScannedDocument, where } from './scan';

/** What names the webhook in a repository: its chart, its image. */
export const substitutionWebhookNeedle = 'kustomize-mutating-webhook';

const webhookName = /(?:^|[/:])kustomize-mutating-webhook(?:$|[:@])/;

/** The chart's defaults: the ConfigMap it mounts, the namespace it skips. */
const chartDefaults = {
  sources: [{ kind: 'ConfigMap' as const, name: 'cluster-config' }],
  skipNamespaces: ['flux-system'],
};

/** The webhook's values in a document: a HelmRelease of its chart, or a values file of its image. */
function webhookValues(
  doc: ScannedDocument,
  /** A release's values as helm-controller merges them (its valuesFrom too), where its folder builds them. */
  releaseValues: (doc: ScannedDocument) => Record<string, any> | undefined,
):
  | {
      values: Record<string, any>;
      /** Where a top-level key of the values is written. */
      at: (key?: string) => SourceLocation;
      release: boolean;
      namespace?: string;
    }
  | undefined {
  const v = doc.value;
  if (v.kind === 'HelmRelease') {
    const chart =
      getPath(v, ['spec', 'chart', 'spec', 'chart']) ??
      getPath(v, ['spec', 'chartRef', 'name']);
    if (typeof chart !== 'string' || !webhookName.test(chart)) return undefined;
    const inline = getPath(v, ['spec', 'values']);
    const own = isRecord(inline) ? inline : {};
    const namespace = getPath(v, ['metadata', 'namespace']);
    return {
      // its valuesFrom too (aclerici38's generated values, whose image key
      // is misspelled: no values file of its image)
      values: releaseValues(doc) ?? own,
      at: key =>
        key === undefined || own[key] !== undefined || !v.spec?.valuesFrom
          ? doc.at(['spec', 'values', ...(key === undefined ? [] : [key])])
          : doc.at(['spec', 'valuesFrom']),
      release: true,
      namespace: typeof namespace === 'string' ? namespace : undefined,
    };
  }
  const image = getPath(v, ['image', 'repository']);
  if (
    v.kind === undefined &&
    typeof image === 'string' &&
    webhookName.test(image)
  )
    return {
      values: v,
      at: key => doc.at(key === undefined ? [] : [key]),
      release: false,
    };
  return undefined;
}

/** The namespaces its namespaceSelector leaves out (`kubernetes.io/metadata.name NotIn`); undefined when it says otherwise. */
function skippedNamespaces(values: Record<string, any>): string[] | undefined {
  const selector = getPath(values, ['webhook', 'namespaceSelector']);
  if (selector === undefined) return chartDefaults.skipNamespaces;
  if (!isRecord(selector)) return undefined;
  const expressions = selector.matchExpressions;
  if (selector.matchLabels !== undefined) return undefined;
  if (
    expressions === undefined ||
    (Array.isArray(expressions) && !expressions.length)
  )
    return [];
  if (!Array.isArray(expressions)) return undefined;
  const skipped: string[] = [];
  for (const e of expressions) {
    if (
      !isRecord(e) ||
      e.key !== 'kubernetes.io/metadata.name' ||
      e.operator !== 'NotIn' ||
      !Array.isArray(e.values)
    )
      return undefined;
    skipped.push(...e.values.map(String));
  }
  return skipped;
}

/**
 * The substitution webhook the repository deploys (xunholy's
 * kustomize-mutating-webhook): the ConfigMaps and Secrets whose keys it
 * writes into every Flux Kustomization it mutates, from its values (a
 * HelmRelease's, or a values file of its image), the chart's defaults for
 * what they leave out, and why. Undefined when the repository has none, or
 * its values say what is not read here (a namespaceSelector other than
 * names left out).
 */
export function readSubstitutionWebhook(
  documents: Iterable<ScannedDocument>,
  /** A release's values as helm-controller merges them, where known. */
  releaseValues: (
    doc: ScannedDocument,
  ) => Record<string, any> | undefined = () => undefined,
):
  | { webhook: SubstitutionWebhook; reason: string; location: SourceLocation }
  | undefined {
  let release: { doc: ScannedDocument; namespace?: string } | undefined;
  let values: NonNullable<ReturnType<typeof webhookValues>> | undefined;
  for (const doc of documents) {
    const found = webhookValues(doc, releaseValues);
    if (!found) continue;
    if (found.release) release ??= { doc, namespace: found.namespace };
    // the values that name its sources: a values file's, or the release's own
    if (
      !values ||
      (values.values.configMaps === undefined &&
        found.values.configMaps !== undefined)
    )
      values = found;
  }
  if (!values) return undefined;
  const list = (
    key: 'configMaps' | 'secrets',
    kind: 'ConfigMap' | 'Secret',
  ) => {
    const items = values!.values[key];
    if (items === undefined)
      return key === 'configMaps' ? chartDefaults.sources : [];
    return Array.isArray(items)
      ? items
          .filter(i => isRecord(i) && typeof i.name === 'string')
          .map(i => ({ kind, name: String(i.name) }))
      : [];
  };
  const sources = [
    ...list('configMaps', 'ConfigMap'),
    ...list('secrets', 'Secret'),
  ];
  const skipNamespaces = skippedNamespaces(values.values);
  if (!sources.length || skipNamespaces === undefined) return undefined;
  const namespace = release?.namespace ?? 'flux-system';
  const location = values.at(
    values.values.configMaps !== undefined ? 'configMaps' : undefined,
  );
  return {
    webhook: { namespace, sources, skipNamespaces },
    location,
    reason: `the kustomize-mutating-webhook the repository deploys (${where(
      location,
    )}) writes the keys of ${sources
      .map(s => `${s.kind} ${namespace}/${s.name}`)
      .join(', ')} into the postBuild.substitute of every Flux Kustomization${
      skipNamespaces.length ? ` outside ${skipNamespaces.join(', ')}` : ''
    }, over its own${
      release?.namespace ? '' : ' (its namespace taken to be flux-system)'
    }`,
  };
}
