import type { FieldSpec } from './fieldSpec';
import { clean } from './builtinFieldSpecs';

/** A kind that other objects refer to by name, and the fields that do (kustomize's nameReference). */
export interface NameBackReference {
  group?: string;
  version?: string;
  kind: string;
  fieldSpecs: FieldSpec[];
}

/**
 * The field specs kustomize's transformers use: the built-in defaults plus
 * every `configurations:` file met in the build (they accumulate upwards,
 * as in kustomize).
 */
export interface TransformerConfig {
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  namespace: FieldSpec[];
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  labels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  nameReference: NameBackReference[];
}

export const fieldSpecKinds = [
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'templateLabels',
  'labels',
  'commonAnnotations',
] as const;

const sameSpec = (a: FieldSpec, b: FieldSpec) =>
  a.path === b.path &&
  (a.kind ?? '') === (b.kind ?? '') &&
  (a.group ?? '') === (b.group ?? '') &&
  (a.version ?? '') === (b.version ?? '');

/** Union of field specs, first occurrence kept. */
export function mergeFieldSpecs(
  a: readonly FieldSpec[],
  b: readonly FieldSpec[],
): FieldSpec[] {
  if (!b.length) return a as FieldSpec[];
  const out = [...a];
  for (const spec of b) if (!out.some(s => sameSpec(s, spec))) out.push(spec);
  return out;
}

/** Merges two configurations (kustomize's TransformerConfig.Merge). */
export function mergeConfig(
  a: TransformerConfig,
  b: TransformerConfig,
): TransformerConfig {
  if (a === b) return a;
  const out = { ...a };
  for (const key of fieldSpecKinds) out[key] = mergeFieldSpecs(a[key], b[key]);
  const refs = [...a.nameReference];
  for (const ref of b.nameReference) {
    const i = refs.findIndex(
      r =>
        r.kind === ref.kind &&
        (r.group ?? '') === (ref.group ?? '') &&
        (r.version ?? '') === (ref.version ?? ''),
    );
    if (i < 0) refs.push(ref);
    else
      refs[i] = {
        ...refs[i],
        fieldSpecs: mergeFieldSpecs(refs[i].fieldSpecs, ref.fieldSpecs),
      };
  }
  out.nameReference = refs;
  return out;
}

/** An empty configuration (what a `configurations:` file adds to). */
export const emptyTransformerConfig: TransformerConfig = {
  namePrefix: [],
  nameSuffix: [],
  namespace: [],
  commonLabels: [],
  templateLabels: [],
  labels: [],
  commonAnnotations: [],
  nameReference: [],
};

/**
 * Reads a `configurations:` file (kustomize's TransformerConfig in YAML):
 * the field-spec lists and `nameReference`. `varReference`, `images` and
 * `replicas` belong to transformers this engine does not evaluate (they are
 * reported where used) and are ignored here.
 */
export function parseTransformerConfig(
  value: unknown,
  problem: (message: string, path: (string | number)[]) => void,
): TransformerConfig {
  const out: TransformerConfig = { ...emptyTransformerConfig };
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problem('is not a map of field specs', []);
    return out;
  }
  const record = value as Record<string, unknown>;
  const specs = (list: unknown, path: (string | number)[]): FieldSpec[] => {
    if (list === null || list === undefined) return [];
    if (!Array.isArray(list)) {
      problem('must be a list of field specs', path);
      return [];
    }
    const result: FieldSpec[] = [];
    list.forEach((item, i) => {
      const spec = item as Record<string, unknown>;
      if (!spec || typeof spec !== 'object' || typeof spec.path !== 'string') {
        problem('is not a field spec (a map with a path)', [...path, i]);
        return;
      }
      result.push(
        clean({
          path: spec.path,
          kind: typeof spec.kind === 'string' ? spec.kind : undefined,
          group: typeof spec.group === 'string' ? spec.group : undefined,
          version: typeof spec.version === 'string' ? spec.version : undefined,
          create: spec.create === true,
        }),
      );
    });
    return result;
  };
  for (const key of fieldSpecKinds) out[key] = specs(record[key], [key]);
  const refs = record.nameReference;
  if (Array.isArray(refs)) {
    out.nameReference = refs.flatMap((ref, i) => {
      const r = ref as Record<string, unknown>;
      if (!r || typeof r !== 'object' || typeof r.kind !== 'string') {
        problem('is not a name reference (a map with kind and fieldSpecs)', [
          'nameReference',
          i,
        ]);
        return [];
      }
      return [
        {
          kind: r.kind,
          ...(typeof r.group === 'string' && r.group ? { group: r.group } : {}),
          ...(typeof r.version === 'string' && r.version
            ? { version: r.version }
            : {}),
          fieldSpecs: specs(r.fieldSpecs, ['nameReference', i, 'fieldSpecs']),
        },
      ];
    });
  } else if (refs !== undefined && refs !== null) {
    problem('must be a list of name references', ['nameReference']);
  }
  return out;
}
