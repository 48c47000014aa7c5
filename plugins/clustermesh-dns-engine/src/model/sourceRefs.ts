import {
  formatLocation,
  type SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { MeshConventions } from '../conventions/schema';
import { EngineFinding, finding } from '../core/finding';
import { getPath, isRecord } from '../core/paths';
import { describeObject, type ManifestObject } from '../core/manifest';
import { referencedVariables } from '../flux/envsubst';
import { clampPath } from '../tree/RepoTree';
import { instanceSyncOf } from '../flux/fluxInstance';
import { fullGitRef, gitRefOf } from '../flux/gitRef';
import { locate } from '../yaml/locate';
import type { ClusterModel } from './types';

/** A GitRepository's ref, where it says it. */
function gitRepositoryRef(object: ManifestObject) {
  const { text: ref, key } = gitRefOf(object.body.spec?.ref);
  return {
    ref,
    at: locate(object, key ? ['spec', 'ref', key] : ['spec', 'ref']),
  };
}

/**
 * The ref a Flux Operator instance of the cluster syncs (a FluxInstance's
 * `spec.sync.ref`, or the flux-instance chart's `instance.sync.ref` in a
 * HelmRelease): `refs/heads/main` is branch main. Undefined when the
 * cluster applies none, or several, or it syncs another kind of source.
 */
function instanceRef(cluster: ClusterModel) {
  const refs = cluster.render.objects.flatMap(({ object, appliedBy }) => {
    const sync = instanceSyncOf(object.body, object.source.file);
    if (!sync) return [];
    // a HelmRelease's values as helm-controller merges them (valuesFrom
    // too), read only for the flux-instance chart
    const release = object.kind === 'HelmRelease';
    if (
      release &&
      getPath(object.body, [...sync.at, 'ref']) === undefined &&
      !isFluxInstanceChart(cluster, object)
    )
      return [];
    const holder = release
      ? cluster.releaseValues(object, appliedBy).values
      : object.body;
    const at = release ? sync.at.slice(2) : sync.at;
    const ref = getPath(holder, [...at, 'ref']);
    const kind = getPath(holder, [...at, 'kind']);
    if (
      typeof ref !== 'string' ||
      (kind ?? 'GitRepository') !== 'GitRepository'
    )
      return [];
    return [
      {
        ref: fullGitRef(ref),
        at:
          release && getPath(object.body, [...sync.at, 'ref']) === undefined
            ? locate(object, ['spec', 'valuesFrom'])
            : locate(object, [...sync.at, 'ref']),
      },
    ];
  });
  return refs.length === 1 ? refs[0] : undefined;
}

/** A HelmRelease of the flux-instance chart: by its name, or its OCIRepository's URL. */
function isFluxInstanceChart(cluster: ClusterModel, release: ManifestObject) {
  const chart = getPath(release.body, ['spec', 'chart', 'spec', 'chart']);
  const ref = getPath(release.body, ['spec', 'chartRef']);
  const url = isRecord(ref)
    ? cluster.render.objects.find(
        ({ object }) =>
          object.kind === ref.kind &&
          object.name === ref.name &&
          object.kind === 'OCIRepository',
      )?.object.body.spec?.url
    : undefined;
  const name = typeof chart === 'string' ? chart : url;
  return typeof name === 'string' && /(^|\/)flux-instance\/?$/.test(name);
}

/** The ref each cluster reconciles this repository at, where it is read (asked once per model). */
export type ClusterRefs = ReadonlyMap<
  ClusterModel,
  { ref: string; at: SourceLocation }
>;

/** The ref each cluster reconciles this repository at, where it is read. */
export function clusterRefs(
  clusters: readonly ClusterModel[],
  conventions: Pick<MeshConventions, 'flux'>,
): ClusterRefs {
  const out = new Map<ClusterModel, { ref: string; at: SourceLocation }>();
  for (const cluster of clusters) {
    const own = cluster.render.objects.filter(
      ({ object }) =>
        object.kind === 'GitRepository' &&
        conventions.flux.sourceNames.includes(object.name),
    );
    // a cluster that declares none (a bootstrap makes it, or Flux
    // Operator from its instance's sync), or several: which ref it runs is
    // not read
    if (own.length > 1) continue;
    const found =
      own.length === 1 ? gitRepositoryRef(own[0].object) : instanceRef(cluster);
    if (found) out.set(cluster, found);
  }
  return out;
}

/**
 * The clusters whose Flux reconciles another ref than the branch read
 * (`flux.branch`), where the clusters' refs differ and one of them is the
 * branch read (staging on `development`, or production pinned to a tag,
 * this checkout `main`): their files there may differ, so they are not
 * evaluated. Where every cluster tracks one ref, another checkout is a
 * change proposed to it (a pull request's branch), read as what it will
 * hold.
 */
export function clustersOnOtherBranches(
  refs: ClusterRefs,
  /** The branch read (`flux.branch`), when known. */
  read: string | undefined,
): Map<ClusterModel, NonNullable<ClusterModel['otherBranch']>> {
  const out = new Map<ClusterModel, NonNullable<ClusterModel['otherBranch']>>();
  if (read === undefined) return out;
  const refTexts = new Set([...refs.values()].map(r => r.ref));
  if (refTexts.size < 2 || !refTexts.has(`branch ${read}`)) return out;
  for (const [cluster, { ref, at }] of refs) {
    if (ref === `branch ${read}`) continue;
    const named = /^(branch|tag|semver|commit|ref) (.+)$/.exec(ref);
    if (!named) continue;
    const branch = named[1] === 'branch' ? named[2] : undefined;
    out.set(cluster, {
      ref,
      ...(branch !== undefined && { branch }),
      reason: `its Flux reconciles ${ref} of this repository, and this run read branch ${read}: what it applies there is not evaluated (validate a checkout of ${
        named[1] === 'semver' ? 'the tag it selects' : named[2]
      } to check it)`,
      location: at,
    });
  }
  return out;
}

/**
 * The one branch every cluster reconciles this repository at (each one's
 * ref read), when the branch read is another (a pull request's branch):
 * these files are read as a change proposed to it, no cluster left out.
 */
export function proposedToRef(
  refs: ClusterRefs,
  clusters: readonly ClusterModel[],
  /** The branch read (`flux.branch`), when known. */
  read: string | undefined,
): RefGroup | undefined {
  if (read === undefined) return undefined;
  const groups = refGroups(refs, clusters);
  // every cluster's ref read, one branch (a tag or a commit is no change
  // proposed to)
  return groups.length === 1 &&
    groups[0].clusters.length === clusters.length &&
    groups[0].ref.startsWith('branch ') &&
    groups[0].ref !== `branch ${read}`
    ? groups[0]
    : undefined;
}

/** Clusters that reconcile one ref, where the first of them declares it. */
export interface RefGroup {
  ref: string;
  clusters: string[];
  at: SourceLocation;
}

/**
 * The given clusters grouped by the ref they reconcile this repository
 * at (those whose ref is not read left out), the largest group first.
 */
export function refGroups(
  refs: ClusterRefs,
  clusters: readonly ClusterModel[],
): RefGroup[] {
  const byRef = new Map<string, RefGroup>();
  for (const cluster of clusters) {
    const found = refs.get(cluster);
    if (!found) continue;
    const group = byRef.get(found.ref);
    if (group) group.clusters.push(cluster.name);
    else
      byRef.set(found.ref, {
        ref: found.ref,
        clusters: [cluster.name],
        at: found.at,
      });
  }
  return [...byRef.values()].sort(
    (a, b) => b.clusters.length - a.clusters.length,
  );
}

/** Groups of clusters with their refs, in words: `a, b at branch main (file:line); c at …`. */
export const saidRefGroups = (groups: readonly RefGroup[]) =>
  groups
    .map(g => `${g.clusters.join(', ')} at ${g.ref} (${formatLocation(g.at)})`)
    .join('; ');

/**
 * Clusters that reconcile this repository at different refs (a branch per
 * cluster): what is read here is one checkout, so a cluster at another
 * ref is checked as these files, not as its ref holds them. One finding
 * for the mesh, naming each cluster's ref; none when they agree.
 */
export function differentRefs(
  refs: ClusterRefs,
  /** The clusters whose refs are compared. */
  clusters: readonly ClusterModel[],
  /** The branch read (`flux.branch`), when known. */
  read?: string,
): EngineFinding[] {
  // a cluster on another branch than the one read is not evaluated (its
  // row says so): it is not checked as these files
  const groups = refGroups(
    refs,
    clusters.filter(c => !c.otherBranch),
  );
  if (groups.length < 2) return [];
  return [
    finding(
      'not-evaluated',
      'warning',
      `the clusters reconcile this repository at different refs: ${saidRefGroups(
        groups,
      )}; what is read here is one checkout, so a cluster at another ref is checked as these files, not as its ref holds them${
        read === undefined
          ? ', and which branch these files are from is not known (no branch is checked out: no .git/HEAD, or a detached one): name it (--branch, or flux.branch in the conventions) for a cluster on another branch to be said not evaluated'
          : ''
      }`,
      groups[1].at,
    ),
  ];
}

/** An instance syncing a folder the repository does not have, in words (said alike for each cluster). */
const missingPath = (object: ManifestObject, path: string) =>
  `${describeObject(
    object,
  )} syncs ${path}, which the repository does not have: its sync fails and applies nothing, so nothing of this repository reaches the cluster through it, and the cluster's folder is checked as if Flux applied it; point the sync at each cluster's folder (\`path: …/\${CLUSTER_NAME}\`, from each cluster's settings)`;

/**
 * A Flux Operator instance of a cluster whose sync path picks the
 * cluster's folder by a variable (`kubernetes/clusters/${CLUSTER_NAME}`)
 * that Flux does not make this cluster's folder where it substitutes it
 * (MarkNygaard's copy: the Kustomization applying the instance substitutes
 * only from a Secret without CLUSTER_NAME, so Flux, not strict, syncs
 * `kubernetes/clusters/`): one error per such instance and cluster.
 */
export function instancePathsElsewhere(
  clusters: readonly ClusterModel[],
  /** Whether the repository has a folder. */
  isDir: (path: string) => boolean,
): EngineFinding[] {
  return clusters.flatMap(cluster =>
    cluster.render.objects.flatMap(({ object, appliedBy }) => {
      const sync = instanceSyncOf(object.body, object.source.file);
      // a Kustomization Flux fails applies no instance: its own error is
      // the cause (NegativeFeedback's copy, a source in another namespace)
      if (!sync || appliedBy.failed) return [];
      const written = getPath(object.source.root, [...sync.at, 'path']);
      const rendered = getPath(object.body, [...sync.at, 'path']);
      if (typeof written !== 'string' || typeof rendered !== 'string')
        return [];
      const path = clampPath(rendered);
      if (path === cluster.render.root) return [];
      // written out: another cluster's entry point, where the instance
      // file is every cluster's (Mistikan's copy: lab's Flux syncs home)
      const other = clusters.find(o => o !== cluster && o.render.root === path);
      const at = locate(object, [...sync.at, 'path']);
      // written out, a folder the repository does not have (binaryn3xus'
      // copy: the clusters moved, the instance not): Flux syncs nothing
      if (
        !referencedVariables(written).length &&
        !other &&
        path &&
        !isDir(path)
      )
        return [
          {
            ...finding(
              'flux-error',
              'error',
              missingPath(object, path),
              at,
              cluster.name,
            ),
            // one instance file every cluster applies: one cause
            cause: {
              key: `instance-path-missing:${object.source.file}:${path}`,
              message: missingPath(object, path),
              subject: describeObject(object),
            },
          },
        ];
      if (!referencedVariables(written).length)
        return other
          ? [
              finding(
                'flux-error',
                'error',
                `${describeObject(object)}, which cluster ${
                  cluster.name
                } applies too, syncs ${path}, the entry point of ${
                  other.name
                }: the Flux of ${cluster.name} reconciles ${
                  other.name
                }'s folder, not its own (${
                  cluster.render.root
                }); pick the folder by a variable each cluster's settings give (\`path: …/\${CLUSTER_NAME}\`), or give each cluster an instance of its own`,
                locate(object, [...sync.at, 'path']),
                cluster.name,
              ),
            ]
          : [];
      // (where Flux does not substitute, something else may fill it in)
      if (!appliedBy.postBuild) return [];
      const missing = referencedVariables(written).filter(
        v => appliedBy.variables.value(v) === undefined,
      );
      return [
        finding(
          'flux-error',
          'error',
          `${describeObject(object)} syncs ${
            path || 'the repository root'
          } in cluster ${cluster.name}, not its entry point ${
            cluster.render.root
          }: its sync path is written ${written}${
            missing.length
              ? `, and ${missing.join(', ')} ${
                  missing.length > 1 ? 'are' : 'is'
                } not defined where Kustomization ${
                  appliedBy.key
                } substitutes it (Flux not strict makes ${
                  missing.length > 1 ? 'them' : 'it'
                } empty)`
              : ''
          }: define ${
            missing.length ? missing.join(', ') : 'the variables'
          } in the substitution of Kustomization ${appliedBy.key}`,
          locate(object, [...sync.at, 'path']),
          cluster.name,
        ),
      ];
    }),
  );
}
