import type { MeshConventions } from '../conventions/schema';
import { EngineFinding, finding } from '../core/finding';
import { isRecord } from '../core/paths';
import { locate } from '../yaml/locate';
import type { ClusterModel } from './types';

/** The ref keys of a GitRepository, in the order Flux prefers them. */
const refKeys = ['commit', 'name', 'semver', 'tag', 'branch'] as const;

/** A GitRepository's `spec.ref` as a person says it (`branch edge`), and the key that says it. */
function refOf(ref: unknown): { text: string; key?: string } {
  const key = isRecord(ref)
    ? refKeys.find(k => typeof ref[k] === 'string')
    : undefined;
  return key
    ? { text: `${key} ${(ref as Record<string, string>)[key]}`, key }
    : { text: 'its default branch' };
}

/**
 * Clusters that reconcile this repository at different refs (a branch per
 * cluster): what is read here is one checkout, so a cluster at another
 * ref is checked as these files, not as its ref holds them. One finding
 * for the mesh, naming each cluster's ref; none when they agree.
 */
export function differentRefs(
  clusters: readonly ClusterModel[],
  conventions: Pick<MeshConventions, 'flux'>,
): EngineFinding[] {
  const byRef = new Map<string, { clusters: string[]; at: string }>();
  for (const cluster of clusters) {
    const own = cluster.render.objects.filter(
      ({ object }) =>
        object.kind === 'GitRepository' &&
        conventions.flux.sourceNames.includes(object.name),
    );
    // a cluster that declares none (a bootstrap makes it), or several:
    // which ref it runs is not read
    if (own.length !== 1) continue;
    const { object } = own[0];
    const { text: ref, key } = refOf(object.body.spec?.ref);
    const at = locate(object, key ? ['spec', 'ref', key] : ['spec', 'ref']);
    const group = byRef.get(ref);
    if (group) group.clusters.push(cluster.name);
    else
      byRef.set(ref, {
        clusters: [cluster.name],
        at: `${at.file}:${at.line}`,
      });
  }
  if (byRef.size < 2) return [];
  const groups = [...byRef].sort(
    (a, b) => b[1].clusters.length - a[1].clusters.length,
  );
  const [, first] = groups[1];
  const [file, line] = first.at.split(/:(?=\d+$)/);
  return [
    finding(
      'not-evaluated',
      'warning',
      `the clusters reconcile this repository at different refs: ${groups
        .map(([ref, g]) => `${g.clusters.join(', ')} at ${ref} (${g.at})`)
        .join(
          '; ',
        )}; what is read here is one checkout, so a cluster at another ref is checked as these files, not as its ref holds them`,
      { file, line: Number(line) },
    ),
  ];
}
