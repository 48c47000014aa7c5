import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { firstFew } from '../core/text';
import { EngineFinding, finding } from '../core/finding';
import type { ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { locate } from '../yaml/locate';

/**
 * The chart source of a HelmRelease that its cluster does not apply where
 * helm-controller looks it up: the release then fails and installs
 * nothing. `otherNamespaces` are where the cluster applies one of that
 * kind and name instead; `defined` the files of the repository that
 * define one (applied by none of the cluster's Kustomizations: a
 * bootstrap may apply them, clustertool's `flux-entry-repos`).
 *
 * @public
 */
export interface ChartSourceGap {
  kind: string;
  name: string;
  namespace: string;
  /** Where the release names it. */
  at: SourceLocation;
  otherNamespaces: readonly string[];
  defined: readonly string[];
}

/**
 * The chart source a HelmRelease names (`spec.chartRef`, or the
 * `spec.chart.spec.sourceRef` of its chart template), in the release's
 * namespace unless it names another, when the cluster does not apply it
 * there; undefined when it does, when the release is suspended
 * (helm-controller leaves it as last released), when the name holds a
 * value not known here, when it is this repository's own source (the
 * bootstrap makes it), and when no such source is known at all in a
 * repository that keeps none of the kind in what the cluster applies
 * (made elsewhere, all of them).
 *
 * @public
 */
export function missingChartSource(
  release: ManifestObject,
  /** The namespace it lands in (its own, or its Kustomization's). */
  namespace: string,
  /** The namespaces where the cluster applies an object of that kind and name. */
  appliedIn: (kind: string, name: string) => readonly string[],
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
  const namespaces = appliedIn(kind, name);
  if (namespaces.includes(where)) return undefined;
  const defined = definitionsOf(kind, name);
  if (!namespaces.length && !defined.length && !appliesKind(kind))
    return undefined;
  return {
    kind,
    name,
    namespace: where,
    at: locate(release, path),
    otherNamespaces: namespaces,
    defined,
  };
}

/**
 * What a chart source not applied where helm-controller looks means for a
 * release: a failure where the cluster applies it in another namespace
 * only (a sourceRef without the namespace); else not known, as a source
 * the repository defines may be applied by a bootstrap, and one it does
 * not define may be made outside it.
 *
 * @public
 */
export function chartSourceFinding(
  gap: ChartSourceGap,
  release: string,
  cluster: string,
): EngineFinding {
  const source = `${gap.kind} ${gap.namespace}/${gap.name}`;
  if (gap.otherNamespaces.length)
    return finding(
      'flux-error',
      'error',
      `${release} takes its chart from ${source}, which cluster ${cluster} applies only in ${
        gap.otherNamespaces.length > 1 ? 'namespaces' : 'namespace'
      } ${firstFew([
        ...gap.otherNamespaces,
      ])}: helm-controller looks the source up in ${
        gap.namespace
      } (the sourceRef's namespace, else the release's), fails the release and installs nothing of it`,
      gap.at,
      cluster,
    );
  return finding(
    'not-evaluated',
    'warning',
    `${release} takes its chart from ${source}, which ${
      gap.defined.length
        ? `no Kustomization of cluster ${cluster} applies (the repository defines it in ${firstFew(
            [...gap.defined],
          )}, which a bootstrap may apply)`
        : 'no manifest of the repository defines (made outside it, a bootstrap, by hand)'
    } or is missing, when helm-controller fails the release and installs nothing of it; whether it runs is not known here`,
    gap.at,
    cluster,
  );
}
