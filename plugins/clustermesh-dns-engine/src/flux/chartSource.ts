import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineFinding, finding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { locate } from '../yaml/locate';

/**
 * The chart source of a HelmRelease that its cluster does not apply:
 * helm-controller then fails the release and installs nothing of it.
 * `defined` lists the files of the repository that define such a source
 * (none: made outside the repository, or missing).
 *
 * @public
 */
export interface ChartSourceGap {
  kind: string;
  name: string;
  namespace: string;
  /** Where the release names it. */
  at: SourceLocation;
  defined: readonly string[];
}

/**
 * The chart source a HelmRelease names (`spec.chartRef`, or the
 * `spec.chart.spec.sourceRef` of its chart template), in the release's
 * namespace unless it names another, when the cluster does not apply it;
 * undefined when it does, when the repository defines no such source and
 * the cluster applies none of the kind (made elsewhere, all of them), when
 * the release is suspended (helm-controller
 * leaves it as last released), when the name holds a value not known here,
 * or when it is this repository's own source (the bootstrap makes it).
 *
 * @public
 */
export function missingChartSource(
  release: ManifestObject,
  /** The namespace it lands in (its own, or its Kustomization's). */
  namespace: string,
  lookup: (
    kind: string,
    name: string,
    namespace: string,
  ) => ManifestObject | undefined,
  definitionsOf: (kind: string, name: string) => readonly string[],
  /** Whether a GitRepository of that name is the repository itself. */
  isRepositorySource: (name: string) => boolean,
  /** Whether the cluster applies other objects of a kind (its chart sources kept in Git). */
  appliesKind: (kind: string) => boolean,
): ChartSourceGap | undefined {
  const spec = release.body.spec;
  if (!isRecord(spec) || spec.suspend === true) return undefined;
  const path = isRecord(spec.chartRef)
    ? ['spec', 'chartRef']
    : ['spec', 'chart', 'spec', 'sourceRef'];
  const ref = getPath(release.body, path);
  if (!isRecord(ref)) return undefined;
  const { kind, name } = ref;
  if (typeof kind !== 'string' || typeof name !== 'string') return undefined;
  const where = typeof ref.namespace === 'string' ? ref.namespace : namespace;
  if (unknownVariables(`${name} ${where}`).length) return undefined;
  if (kind === 'GitRepository' && isRepositorySource(name)) return undefined;
  if (lookup(kind, name, where)) return undefined;
  const defined = definitionsOf(kind, name);
  // none defined, in a repository that keeps no such sources in Git (a
  // bootstrap or another repository makes them all): nothing to tell
  if (!defined.length && !appliesKind(kind)) return undefined;
  return {
    kind,
    name,
    namespace: where,
    at: locate(release, path),
    defined,
  };
}

/**
 * What a chart source not applied means for a release: helm-controller
 * fails it where the repository defines the source for no cluster that
 * applies it (an error); where no file of it defines one, though the
 * cluster applies other sources of the kind, it may be made outside (a
 * bootstrap, by hand) or missing: what is installed is not known.
 *
 * @public
 */
export function chartSourceFinding(
  gap: ChartSourceGap,
  release: string,
  cluster: string,
): EngineFinding {
  const source = `${gap.kind} ${gap.namespace}/${gap.name}`;
  if (gap.defined.length)
    return finding(
      'flux-error',
      'error',
      `${release} takes its chart from ${source}, which cluster ${cluster} does not apply (the repository defines it in ${gap.defined
        .slice(0, 2)
        .join(', ')}${
        gap.defined.length > 2 ? ', …' : ''
      }, for another namespace or applied by none of its Kustomizations): helm-controller fails the release, and installs nothing of it`,
      gap.at,
      cluster,
    );
  return finding(
    'not-evaluated',
    'warning',
    `${release} takes its chart from ${source}, which no manifest of the repository defines: made outside it (a bootstrap, by hand) or missing, when helm-controller fails the release and installs nothing of it; whether it runs is not known here`,
    gap.at,
    cluster,
  );
}
