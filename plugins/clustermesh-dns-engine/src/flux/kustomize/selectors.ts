import {
  parseSelectorString,
  requirementsAdmit,
  SelectorRequirement,
} from '../../k8s/labelSelector';
import { isRecord } from '../../core/paths';
import { stringMapAt } from './immutable';
import {
  apiVersionOf,
  curId,
  effectiveNamespace,
  groupVersion,
  kindOf,
  orgId,
  Res,
} from './resource';

/** A patch target as kustomize reads it (group, version, kind, name, namespace: anchored regular expressions). */
export interface TargetSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** A compiled selector, or why it is not one. */
export interface CompiledSelector {
  matches(res: Res): boolean;
}

const FIELDS = [
  'group',
  'version',
  'kind',
  'name',
  'namespace',
  'labelSelector',
  'annotationSelector',
] as const;

/** Reads a `target:` map; an error names the bad field. */
export function readTarget(value: unknown): TargetSelector | { error: string } {
  if (!isRecord(value)) return { error: 'is not a map' };
  const out: TargetSelector = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (!(FIELDS as readonly string[]).includes(key))
      return {
        error: `has the field "${key}", which a target does not have (${FIELDS.join(
          ', ',
        )})`,
      };
    if (typeof v !== 'string')
      return { error: `has a ${key} that is not a string` };
    out[key as (typeof FIELDS)[number]] = v;
  }
  return out;
}

/** kustomize anchors each pattern (`^(?:pattern)$`); Go's leading `(?i)` becomes the i flag. */
function anchored(
  pattern: string | undefined,
): RegExp | undefined | { error: string } {
  if (!pattern) return undefined;
  let source = pattern;
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (e) {
    return {
      error: `the pattern "${pattern}" is not a regular expression (${
        (e as Error).message
      })`,
    };
  }
}

/**
 * Compiles a target the way kustomize selects patch targets: each of the
 * group, version and kind must match the resource's current ones; the name
 * and namespace may match either the original or the current one (the
 * namespace of an object without one is "default"); the label and
 * annotation selectors use Kubernetes' selector syntax.
 */
export function compileTarget(
  target: TargetSelector,
): CompiledSelector | { error: string } {
  const res: Record<string, RegExp | undefined> = {};
  for (const key of [
    'group',
    'version',
    'kind',
    'name',
    'namespace',
  ] as const) {
    const r = anchored(target[key]);
    if (r && !(r instanceof RegExp)) return r;
    res[key] = r;
  }
  const selectors: Record<
    'labels' | 'annotations',
    SelectorRequirement[] | undefined
  > = {
    labels: undefined,
    annotations: undefined,
  };
  for (const [key, field] of [
    ['labelSelector', 'labels'],
    ['annotationSelector', 'annotations'],
  ] as const) {
    const text = target[key];
    if (!text) continue;
    const parsed = parseSelectorString(text);
    if ('error' in parsed)
      return { error: `the ${key} "${text}" is invalid: ${parsed.error}` };
    selectors[field] = parsed.requirements;
  }
  const test = (r: RegExp | undefined, ...values: string[]) =>
    !r || values.some(v => r.test(v));
  return {
    matches(r: Res) {
      const org = orgId(r);
      const cur = curId(r);
      const gv = groupVersion(apiVersionOf(r));
      return (
        test(
          res.namespace,
          effectiveNamespace(org.kind, org.namespace),
          effectiveNamespace(cur.kind, cur.namespace),
        ) &&
        test(res.name, org.name, cur.name) &&
        test(res.group, gv.group) &&
        test(res.version, gv.version) &&
        test(res.kind, kindOf(r)) &&
        (!selectors.labels ||
          requirementsAdmit(
            selectors.labels,
            stringMapAt(r.body, 'metadata', 'labels'),
          )) &&
        (!selectors.annotations ||
          requirementsAdmit(
            selectors.annotations,
            stringMapAt(r.body, 'metadata', 'annotations'),
          ))
      );
    },
  };
}
