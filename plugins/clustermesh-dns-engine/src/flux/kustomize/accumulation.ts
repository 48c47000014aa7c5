import { isRecord } from '../../core/paths';
import { withField } from './immutable';
import {
  allIds,
  apiVersionOf,
  curId,
  describeRes,
  groupVersion,
  idKey,
  nameOf,
  namespaceOf,
  Res,
  ResId,
  sameId,
  withMeta,
} from './resource';

/** Same group, version, kind, name and effective namespace (kustomize's ResId.Equals). */
export function sameResource(
  a: { apiVersion: string; id: ResId },
  b: { apiVersion: string; id: ResId },
) {
  const ga = groupVersion(a.apiVersion);
  const gb = groupVersion(b.apiVersion);
  return (
    ga.group === gb.group && ga.version === gb.version && sameId(a.id, b.id)
  );
}

/** The resources by id, for {@link appendAll}. */
export const idsOf = (resources: readonly Res[]) =>
  new Map(resources.map(r => [idKey(apiVersionOf(r), curId(r)), r] as const));

/**
 * Appends resources, refusing one whose current id is already there
 * (kustomize: "may not add resource with an already registered id").
 */
export function appendAll(
  into: Res[],
  incoming: readonly Res[],
  conflict: (added: Res, existing: Res) => void,
  known: Map<string, Res> = idsOf(into),
): void {
  for (const res of incoming) {
    const key = idKey(apiVersionOf(res), curId(res));
    const existing = known.get(key);
    if (existing) conflict(res, existing);
    else {
      into.push(res);
      known.set(key, res);
    }
  }
}

/**
 * Adds generated resources the way kustomize absorbs them: a new id is
 * appended (unless the generator asks to merge or replace, which fails);
 * an existing id (current or any previous one) must be merged or replaced.
 * Replace keeps the existing name, namespace, build history and the union
 * of labels and annotations; merge also keeps the existing data keys the
 * generator does not set. The hash suffix stays only if both want it.
 */
export function absorbGenerated(
  into: Res[],
  generated: readonly Res[],
  problem: (res: Res, message: string) => void,
  /**
   * Set when some resources of the build were not evaluated (remote ones):
   * a resource to merge into may be among them; called instead of
   * `problem` for a merge or replace that finds none.
   */
  unevaluated?: (res: Res, message: string) => void,
): void {
  for (const res of generated) {
    const id = { apiVersion: apiVersionOf(res), id: curId(res) };
    const matches = into.filter(r =>
      allIds(r).some(other =>
        sameResource({ apiVersion: apiVersionOf(r), id: other }, id),
      ),
    );
    if (matches.length === 0) {
      if (
        (res.behavior === 'merge' || res.behavior === 'replace') &&
        unevaluated
      ) {
        // taken as generated: the keys it merges into are not known
        unevaluated(
          res,
          `generates ${describeRes(res)} with behavior ${
            res.behavior
          }, into a resource that is not among the objects evaluated here (the build has resources this engine does not fetch); its other keys are not known`,
        );
        into.push(res);
      } else if (res.behavior === 'merge' || res.behavior === 'replace')
        problem(
          res,
          `generates ${describeRes(res)} with behavior ${
            res.behavior
          }, but no resource of that name exists to ${
            res.behavior
          }; kustomize fails`,
        );
      else into.push(res);
      continue;
    }
    if (matches.length > 1) {
      problem(
        res,
        `generates ${describeRes(
          res,
        )}, which matches several resources; kustomize fails`,
      );
      continue;
    }
    const old = matches[0];
    if (res.behavior !== 'merge' && res.behavior !== 'replace') {
      problem(
        res,
        `generates ${describeRes(res)}, which already exists (${describeRes(
          old,
        )}); set behavior to merge or replace, kustomize fails`,
      );
      continue;
    }
    into[into.indexOf(old)] = mergeInto(old, res, res.behavior === 'merge');
  }
}

function mergeInto(old: Res, res: Res, mergeData: boolean): Res {
  let body = res.body;
  const meta = isRecord(body.metadata) ? body.metadata : {};
  const oldMeta = isRecord(old.body.metadata) ? old.body.metadata : {};
  for (const field of ['labels', 'annotations'] as const) {
    const merged = {
      ...(isRecord(oldMeta[field]) ? oldMeta[field] : {}),
      ...(isRecord(meta[field]) ? meta[field] : {}),
    };
    if (Object.keys(merged).length)
      body = withField(
        body,
        'metadata',
        withField(isRecord(body.metadata) ? body.metadata : {}, field, merged),
      );
  }
  if (mergeData) {
    for (const field of ['data', 'binaryData'] as const) {
      const merged = {
        ...(isRecord(old.body[field]) ? old.body[field] : {}),
        ...(isRecord(body[field]) ? body[field] : {}),
      };
      if (Object.keys(merged).length || isRecord(body[field]))
        body = withField(body, field, merged);
    }
  }
  // the keys kept from before keep the files they were read from
  const keyFiles =
    mergeData && (old.source.keyFiles || res.source.keyFiles)
      ? { ...old.source.keyFiles, ...res.source.keyFiles }
      : res.source.keyFiles;
  let next: Res = {
    ...res,
    ...(keyFiles && { source: { ...res.source, keyFiles } }),
    body,
    prevIds: old.prevIds,
    prefixes: old.prefixes,
    suffixes: old.suffixes,
    hashSuffix: old.hashSuffix && res.hashSuffix,
    // merge keeps the existing origin annotation; replace takes the generator's
    origin: mergeData ? old.origin ?? { path: old.source.file } : res.origin,
  };
  next = withMeta(next, 'name', nameOf(old));
  next = withMeta(next, 'namespace', namespaceOf(old));
  return next;
}
