import { getPath, isRecord } from '../../core/paths';
import { isClusterScopedKind } from '../../core/manifest';
import { sameResource } from './accumulation';
import {
  applyFieldSpec,
  FieldSpec,
  FieldSpecError,
  fieldSpecSelects,
} from './fieldSpec';
import { withField } from './immutable';
import {
  apiVersionOf,
  curId,
  describeRes,
  groupVersion,
  kindOf,
  orgId,
  Res,
  storePreviousId,
  withBody,
  withMeta,
} from './resource';

/** Reports a transformer's failure on one resource (kustomize fails the build). */
export type TransformProblem = (res: Res, message: string) => void;

const scalarText = (value: unknown) => {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? undefined : String(value);
};

/** Applies field specs to a resource's body, reporting a field spec that meets a scalar. */
function applySpecs(
  res: Res,
  specs: readonly FieldSpec[],
  set: (current: unknown) => unknown,
  createAs: (() => unknown) | undefined,
  problem: TransformProblem,
): Res {
  let body = res.body;
  for (const spec of specs) {
    try {
      body = applyFieldSpec(body, spec, set, createAs);
    } catch (e) {
      if (!(e instanceof FieldSpecError)) throw e;
      problem(res, `cannot transform ${describeRes(res)}: ${e.message}`);
    }
  }
  return withBody(res, body);
}

/** Sets a scalar field to a value (kustomize's SetEntry with no key). */
const setScalar = (value: string) => () => value;

/** Adds string entries to a map field (labels, annotations, selectors). */
const setEntries = (entries: Record<string, string>) => (current: unknown) => {
  let map = isRecord(current) ? current : {};
  for (const [k, v] of Object.entries(entries))
    if (map[k] !== v) map = withField(map, k, v);
  return map;
};

/**
 * kustomize's namespace transformer: every namespaced object gets the
 * namespace (replacing its own), a `v1` Namespace is renamed to it,
 * RoleBinding/ClusterRoleBinding subjects named `default` get it, and the
 * configured field specs (APIService and CRD webhook service namespaces).
 */
export function setNamespace(
  resources: readonly Res[],
  namespace: string,
  specs: readonly FieldSpec[],
  problem: TransformProblem,
  /** A NamespaceTransformer's options; the `namespace` field's are the defaults. */
  options: {
    /** Only what has no namespace gets it. */
    unsetOnly?: boolean;
    /** Which RoleBinding subjects get it. */
    subjects?: 'defaultOnly' | 'allServiceAccounts' | 'none';
  } = {},
): Res[] {
  const { unsetOnly = false, subjects: which = 'defaultOnly' } = options;
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  const out = resources.map(original => {
    let res = storePreviousId(original);
    const kind = kindOf(res);
    const apiVersion = apiVersionOf(res);
    if (
      !isClusterScopedKind(kind) &&
      (!unsetOnly || blank(getPath(res.body, ['metadata', 'namespace'])))
    )
      res = withMeta(res, 'namespace', namespace);
    const isBinding = kind === 'RoleBinding' || kind === 'ClusterRoleBinding';
    if (isBinding && which !== 'none' && Array.isArray(res.body.subjects)) {
      const taken = (s: Record<string, unknown>) =>
        which === 'allServiceAccounts'
          ? s.kind === 'ServiceAccount'
          : s.name === 'default';
      const subjects = res.body.subjects.map((s: unknown) =>
        isRecord(s) &&
        taken(s) &&
        s.namespace !== namespace &&
        (!unsetOnly || blank(s.namespace))
          ? withField(s, 'namespace', namespace)
          : s,
      );
      res = withBody(res, withField(res.body, 'subjects', subjects));
    }
    const applicable = specs.filter(
      s =>
        s.path !== 'metadata/namespace' &&
        !(s.path === 'metadata/name' && apiVersion !== 'v1') &&
        !(
          isBinding &&
          s.path === 'subjects/namespace' &&
          (s.kind === 'RoleBinding' || s.kind === 'ClusterRoleBinding')
        ),
    );
    const set = unsetOnly
      ? (current: unknown) => (blank(current) ? namespace : current)
      : setScalar(namespace);
    return applySpecs(res, applicable, set, () => '', problem);
  });
  reportConflicts(
    out,
    problem,
    'the namespace transformation gives two objects the same id',
  );
  return out;
}

function reportConflicts(
  resources: readonly Res[],
  problem: TransformProblem,
  why: string,
) {
  const ids = resources.map(r => ({
    apiVersion: apiVersionOf(r),
    id: curId(r),
  }));
  ids.forEach((id, i) => {
    const j = ids.findIndex(other => sameResource(other, id));
    if (j < i)
      problem(
        resources[i],
        `${why} (${describeRes(resources[i])}); kustomize fails`,
      );
  });
}

const skipsRename = (res: Res) => {
  const id = orgId(res);
  const { group } = groupVersion(apiVersionOf(res));
  return (
    id.kind === 'CustomResourceDefinition' ||
    id.kind === 'Namespace' ||
    (id.kind === 'APIService' && group === 'apiregistration.k8s.io')
  );
};

/**
 * kustomize's prefix or suffix transformer: adds the text to metadata.name
 * (recording the old id and the prefix, for name references) and to any
 * other configured field; CRDs, APIServices and Namespaces keep their names.
 */
export function addNameAffix(
  resources: readonly Res[],
  affix: string,
  where: 'prefix' | 'suffix',
  specs: readonly FieldSpec[],
  problem: TransformProblem,
): Res[] {
  return resources.map(original => {
    if (skipsRename(original)) return original;
    let res = original;
    const id = orgId(original);
    for (const spec of specs) {
      if (!fieldSpecSelects(spec, apiVersionOf(res), id.kind)) continue;
      if (spec.path === 'metadata/name') {
        res = storePreviousId(res);
        res =
          where === 'prefix'
            ? { ...res, prefixes: [...res.prefixes, affix] }
            : { ...res, suffixes: [...res.suffixes, affix] };
      }
      res = applySpecs(
        res,
        [spec],
        current => {
          const text = scalarText(current) ?? '';
          return where === 'prefix' ? `${affix}${text}` : `${text}${affix}`;
        },
        undefined,
        problem,
      );
    }
    return res;
  });
}

/** kustomize's label or annotation transformer: the entries on every field the specs reach. */
export function addEntries(
  resources: readonly Res[],
  entries: Record<string, string>,
  specs: readonly FieldSpec[],
  problem: TransformProblem,
): Res[] {
  if (!Object.keys(entries).length) return resources as Res[];
  return resources.map(res =>
    applySpecs(res, specs, setEntries(entries), () => ({}), problem),
  );
}

/** Drops objects kustomize leaves out of its output (`config.kubernetes.io/local-config: "true"`). */
export function dropLocalConfig(resources: readonly Res[]): Res[] {
  const local = (r: Res) =>
    String(
      r.body.metadata?.annotations?.['config.kubernetes.io/local-config'],
    ) === 'true';
  if (!resources.some(local)) return resources as Res[];
  return resources.filter(
    r =>
      String(
        r.body.metadata?.annotations?.['config.kubernetes.io/local-config'],
      ) !== 'true',
  );
}
