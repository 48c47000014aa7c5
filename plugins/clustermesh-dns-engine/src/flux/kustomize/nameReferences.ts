import { isRecord } from '../../core/paths';
import { isClusterScopedKind } from '../../core/manifest';
import {
  applyFieldSpec,
  FieldSpec,
  FieldSpecError,
  fieldSpecSelects,
} from './fieldSpec';
import { withField } from './immutable';
import {
  apiVersionOf,
  describeRes,
  effectiveNamespace,
  kindOf,
  nameOf,
  namespaceOf,
  orgId,
  Res,
  ResId,
} from './resource';
import type { NameBackReference } from './transformerConfig';
import type { TransformProblem } from './transformers';

class ReferralError extends Error {}

type Gvk = { group?: string; version?: string; kind?: string };

/** Whether a previous id of a resource (with its current apiVersion) is selected by a group/version/kind. */
const prevIdSelected = (r: Res, gvk: Gvk) =>
  r.prevIds.some(id => fieldSpecSelects(gvk, apiVersionOf(r), id.kind));

const clusterScoped = (r: Res) => isClusterScopedKind(kindOf(r));
const ns = (r: Res) => effectiveNamespace(kindOf(r), namespaceOf(r));

/** The last prefixes (or suffixes) of the shorter list end the longer one; an empty list only matches an empty one. */
function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const diff = long.length - short.length;
  if (short.length === 0) return diff === 0;
  return short.every((s, i) => long[i + diff] === s);
}

function affixesMatch(a: Res, b: Res, allowEmpty: boolean): boolean {
  const prefixes =
    (allowEmpty && (!a.prefixes.length || !b.prefixes.length)) ||
    sameEnding(a.prefixes, b.prefixes);
  const suffixes =
    (allowEmpty && (!a.suffixes.length || !b.suffixes.length)) ||
    sameEnding(a.suffixes, b.suffixes);
  return prefixes && suffixes;
}

/** Resources a referrer may refer to: cluster-scoped ones, its namespace, and namespaces its RoleBinding subjects name. */
function referable(referrer: Res, all: readonly Res[]): Res[] {
  if (clusterScoped(referrer)) return all as Res[];
  const subjectNamespaces = new Set<string>();
  if (
    kindOf(referrer) === 'RoleBinding' &&
    Array.isArray(referrer.body.subjects)
  ) {
    for (const s of referrer.body.subjects)
      if (
        isRecord(s) &&
        s.kind === 'ServiceAccount' &&
        typeof s.namespace === 'string'
      )
        subjectNamespaces.add(s.namespace);
  }
  const home = ns(referrer);
  return all.filter(
    r =>
      clusterScoped(r) ||
      ns(r) === home ||
      subjectNamespaces.has(namespaceOf(r) ?? ''),
  );
}

/**
 * kustomize's name-reference fix (run once, at the end of a build, after
 * prefixes, suffixes and hashes changed names): every field that refers to
 * an object by a name it had before is set to its name now. The built-in
 * table covers ConfigMaps and Secrets in pod specs, Services, RBAC, PVCs
 * and more; `configurations:` files add entries (e.g. a HelmRelease's
 * `spec/valuesFrom/name`). Fields outside the table (a Flux
 * `substituteFrom`) keep the old name, as in kustomize.
 */
export function fixNameReferences(
  resources: readonly Res[],
  backRefs: readonly NameBackReference[],
  problem: TransformProblem,
): Res[] {
  // only objects that were renamed (or moved) can be referred to by an old name
  if (!resources.some(r => r.prevIds.length > 0)) return resources as Res[];
  const renamed = resources.filter(r => r.prevIds.length > 0);
  const relevant = backRefs.filter(ref =>
    renamed.some(r => prevIdSelected(r, ref)),
  );
  const out = [...resources];
  out.forEach((original, index) => {
    let referrer = original;
    const referrerOrg: ResId = orgId(original);
    let candidates: Res[] | undefined;
    for (const backRef of relevant) {
      for (const spec of backRef.fieldSpecs) {
        if (!fieldSpecSelects(spec, apiVersionOf(referrer), referrerOrg.kind))
          continue;
        candidates ??= referable(referrer, renamed);
        try {
          const body = fixField(referrer, spec, backRef, candidates);
          if (body !== referrer.body) referrer = { ...referrer, body };
        } catch (e) {
          if (!(e instanceof ReferralError || e instanceof FieldSpecError))
            throw e;
          problem(
            referrer,
            `cannot update the name reference in ${spec.path} of ${describeRes(
              referrer,
            )}: ${e.message}`,
          );
        }
      }
    }
    out[index] = referrer;
  });
  return out;
}

function fixField(
  referrer: Res,
  spec: FieldSpec,
  backRef: NameBackReference,
  candidates: readonly Res[],
): Record<string, any> {
  const target: Gvk = backRef;
  const roleRef = spec.path.endsWith('roleRef/name')
    ? referrer.body.roleRef
    : undefined;
  const roleRefGvk: Gvk | undefined =
    isRecord(roleRef) &&
    typeof roleRef.apiGroup === 'string' &&
    typeof roleRef.kind === 'string'
      ? { group: roleRef.apiGroup, kind: roleRef.kind }
      : undefined;

  const select = (
    oldName: string,
    pool: readonly Res[],
    identical: (rs: Res[]) => boolean,
  ) => {
    let found = pool.filter(
      r =>
        r.prevIds.some(id => id.name === oldName) &&
        prevIdSelected(r, target) &&
        (!roleRefGvk || prevIdSelected(r, roleRefGvk)) &&
        (clusterScoped(referrer) ||
          clusterScoped(r) ||
          kindOf(r) === 'ServiceAccount' ||
          ns(r) === ns(referrer)),
    );
    if (found.length === 1) return found[0];
    found = found.filter(r => affixesMatch(r, referrer, true));
    if (found.length > 1)
      found = found.filter(r => affixesMatch(r, referrer, false));
    if (found.length <= 1) return found[0];
    if (identical(found)) return found[0];
    throw new ReferralError(
      `"${oldName}" could refer to several objects (${found
        .map(describeRes)
        .join(', ')})`,
    );
  };

  const setScalar = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const referral = select(value, candidates, rs =>
      rs.every(r => nameOf(r) === nameOf(rs[0])),
    );
    return referral ? nameOf(referral) : value;
  };

  const setMapping = (node: Record<string, any>): unknown => {
    if (!('name' in node))
      throw new ReferralError('the field has no "name" (configuration error)');
    const oldName = String(node.name);
    let pool: readonly Res[] = candidates;
    if (
      'namespace' in node &&
      node.namespace !== null &&
      node.namespace !== undefined
    ) {
      const wanted = String(node.namespace);
      const byOriginal = candidates.filter(
        r => effectiveNamespace(orgId(r).kind, orgId(r).namespace) === wanted,
      );
      pool = byOriginal.length
        ? byOriginal
        : candidates.filter(r => ns(r) === wanted && !clusterScoped(r));
    }
    const referral = select(oldName, pool, rs =>
      rs.every(
        r =>
          nameOf(r) === nameOf(rs[0]) && namespaceOf(r) === namespaceOf(rs[0]),
      ),
    );
    if (!referral) return node;
    const referralNs = namespaceOf(referral);
    if (nameOf(referral) === oldName && !referralNs) return node;
    let next =
      nameOf(referral) === node.name
        ? node
        : withField(node, 'name', nameOf(referral));
    if (referralNs && next.namespace !== referralNs)
      next = withField(next, 'namespace', referralNs);
    return next;
  };

  const set = (value: unknown): unknown => {
    if (value === null || value === undefined) return value;
    if (Array.isArray(value)) {
      let changed = false;
      const items = value.map(item => {
        const next = isRecord(item) ? setMapping(item) : setScalar(item);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? items : value;
    }
    return isRecord(value) ? setMapping(value) : setScalar(value);
  };
  return applyFieldSpec(
    referrer.body,
    { ...spec, kind: undefined, group: undefined, version: undefined },
    set,
  );
}
