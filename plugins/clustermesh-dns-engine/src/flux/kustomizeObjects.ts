import type { EngineFinding } from '../core/finding';
import { isClusterScopedKind, type ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { lineAtPath } from '../yaml/lines';
import type { YamlDocument } from '../yaml/types';

/** Turns the documents of a manifest file into objects, or findings. */
export function documentsToObjects(docs: readonly YamlDocument[]): {
  objects: ManifestObject[];
  findings: EngineFinding[];
} {
  const objects: ManifestObject[] = [];
  const findings: EngineFinding[] = [];
  // kustomize reads a List (`kind: ConfigMapList` with `items`) as its
  // items, each an object of its own
  const isList = (doc: YamlDocument) =>
    isRecord(doc.value) &&
    typeof doc.value.kind === 'string' &&
    doc.value.kind.endsWith('List') &&
    Array.isArray(doc.value.items);
  // every manifest file comes this way: a copy only where a List is
  const expanded = docs.some(isList)
    ? docs.flatMap(doc =>
        isList(doc)
          ? (doc.value as { items: unknown[] }).items.map((item, i) => ({
              ...doc,
              value: item,
              line: lineAtPath(doc.value, ['items', i]) ?? doc.line,
            }))
          : [doc],
      )
    : docs;
  for (const doc of expanded) {
    const value = doc.value;
    const location = { file: doc.file, line: doc.line };
    if (!isRecord(value)) {
      findings.push({
        code: 'manifest-invalid',
        severity: 'error',
        message: `is not a Kubernetes object (a YAML map with apiVersion, kind and metadata)`,
        location,
      });
      continue;
    }
    const { apiVersion, kind } = value;
    const name = getPath(value, ['metadata', 'name']);
    if (
      typeof apiVersion !== 'string' ||
      typeof kind !== 'string' ||
      typeof name !== 'string' ||
      !name
    ) {
      const missing = [
        typeof apiVersion !== 'string' && 'apiVersion',
        typeof kind !== 'string' && 'kind',
        (typeof name !== 'string' || !name) && 'metadata.name',
      ].filter(Boolean);
      findings.push({
        code: 'manifest-invalid',
        severity: 'error',
        message: `has no ${missing.join(', ')}; kustomize cannot build it`,
        location,
      });
      continue;
    }
    const namespace = getPath(value, ['metadata', 'namespace']);
    objects.push({
      apiVersion,
      kind,
      name,
      namespace:
        typeof namespace === 'string' && namespace ? namespace : undefined,
      body: value,
      source: {
        file: doc.file,
        index: doc.index,
        line: doc.line,
        root: doc.value,
      },
    });
  }
  return { objects, findings };
}

/** Returns an object with the namespace set (cluster-scoped kinds unchanged). */
export function withNamespace(
  object: ManifestObject,
  namespace: string,
): ManifestObject {
  if (isClusterScopedKind(object.kind) || object.namespace === namespace)
    return object;
  const metadata = { ...(object.body.metadata ?? {}), namespace };
  return { ...object, namespace, body: { ...object.body, metadata } };
}
