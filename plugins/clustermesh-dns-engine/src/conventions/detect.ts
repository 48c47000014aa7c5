import { EngineCache } from '../cache/EngineCache';
import { getPath, isRecord } from '../core/paths';
import { lbIpamAnnotation, lbIpamAnnotationKeys } from '../cilium/values';
import type { RepoTree } from '../tree/RepoTree';
import { defaultYamlReadLimits } from '../yaml/documents';
import type { MeshConventionsInput } from './schema';

const encoder = new TextEncoder();
const annotationKeyBytes = lbIpamAnnotationKeys.map(k => encoder.encode(k));

/** Whether bytes hold a sequence, without decoding a repository's worth of text. */
function containsBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  const last = bytes.length - needle.length;
  for (let at = bytes.indexOf(needle[0]); at >= 0 && at <= last; ) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
    at = bytes.indexOf(needle[0], at + 1);
  }
  return false;
}

/**
 * Detects the conventions a repository already uses, so nothing is
 * duplicated: the clusters folder, the LB IPAM annotation key on the
 * clustermesh-apiserver service and the variable it is bound to.
 * Explicit conventions always win over what is detected.
 *
 * @public
 */
export function detectConventions(
  tree: RepoTree,
  explicit: MeshConventionsInput = {},
  options: { cache?: EngineCache } = {},
): MeshConventionsInput {
  const cache = options.cache ?? new EngineCache();
  const index = cache.treeIndex(tree);
  const detected: MeshConventionsInput = {};
  if (!explicit.clustersPath && !index.isDir('kubernetes/clusters')) {
    const candidate = [
      'clusters',
      'k8s/clusters',
      'kubernetes/flux/clusters',
    ].find(p => index.isDir(p));
    if (candidate) detected.clustersPath = candidate;
  }
  const files = cache.yamlFiles(tree);
  // Only files that mention an LB IPAM key are parsed.
  for (const path of tree.paths()) {
    if (!/\.ya?ml$/.test(path)) continue;
    const bytes = tree.read(path);
    if (!bytes || bytes.byteLength > defaultYamlReadLimits.maxFileBytes)
      continue;
    if (!annotationKeyBytes.some(k => containsBytes(bytes, k))) continue;
    // through the shared cache: the model reads the same file next
    for (const doc of files.read(path).documents) {
      const v = doc.value;
      const values =
        isRecord(v) && v.kind === 'HelmRelease'
          ? getPath(v, ['spec', 'values'])
          : v;
      const annotation = lbIpamAnnotation(values);
      if (!annotation) continue;
      detected.cilium = { lbIpamAnnotation: annotation.key };
      const bound = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(
        String(annotation.value),
      );
      if (bound && !explicit.variables?.lbIp)
        detected.variables = { lbIp: bound[1] };
      return detected;
    }
  }
  return detected;
}
