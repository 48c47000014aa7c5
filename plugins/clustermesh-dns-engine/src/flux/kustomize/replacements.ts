import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { hasOwn, isRecord } from '../../core/paths';
import { joinPath } from '../../tree/RepoTree';
import type { YamlReader } from '../../yaml/files';
import { withField } from './immutable';
import type { FieldReader } from './kustomizationFields';
import {
  apiVersionOf,
  allIds,
  describeRes,
  effectiveNamespace,
  groupVersion,
  Res,
  ResId,
  withBody,
} from './resource';
import { stringMapAt } from './immutable';
import {
  parseSelectorString,
  requirementsAdmit,
} from '../../k8s/labelSelector';

/** A kustomize replacement: a value read from one object, written into fields of others. */
export interface Replacement {
  source: Record<string, any>;
  targets: Record<string, any>[];
  location: SourceLocation;
}

/** Thrown for a replacement kustomize refuses. */
export class ReplacementError extends Error {}

/** The `replacements:` of a kustomization, inline or from files (a file holds one or a list). */
export function readReplacements(
  fields: FieldReader,
  spec: unknown,
  dir: string,
  files: YamlReader,
): Replacement[] {
  const out: Replacement[] = [];
  for (const { value, index } of fields.records(spec, ['replacements'])) {
    const location = fields.at(['replacements', index]);
    if (typeof value.path === 'string') {
      if (value.source || value.targets) {
        fields.error(
          'sets both path and an inline replacement; kustomize fails',
          ['replacements', index],
        );
        continue;
      }
      const file = joinPath(dir, value.path);
      const read = file === undefined ? undefined : files.read(file);
      if (!read || read.problems.length || !read.documents.length) {
        fields.error(
          `reads the replacement file ${value.path}, which cannot be read${
            read?.problems[0] ? `: ${read.problems[0].message}` : ''
          }; kustomize fails`,
          ['replacements', index],
        );
        continue;
      }
      const content = read.documents[0].value;
      for (const r of Array.isArray(content) ? content : [content])
        if (isRecord(r))
          out.push({ source: r.source, targets: r.targets, location });
      continue;
    }
    out.push({ source: value.source, targets: value.targets, location });
  }
  return out;
}

/** kyaml's SmarterPathSplitter: `.`-separated, `\.` a dot in a key (`data.app\.conf`), `[a.b=c]` kept whole, `[0]` unwrapped. */
export function splitReplacementPath(path: string): string[] {
  // an escaped dot splits nothing: held aside while splitting
  const dot = '\u0000';
  const parts = path.replace(/\\\./g, dot).split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    if (part.startsWith('[') && !part.endsWith(']')) {
      while (i < parts.length - 1 && !part.endsWith(']'))
        part += `.${parts[++i]}`;
    }
    if (part.startsWith('[') && part.endsWith(']') && !part.includes('='))
      part = part.slice(1, -1);
    out.push(part.split(dot).join('.'));
  }
  return out;
}

const isIndex = (s: string) => /^\d+$/.test(s);
const listFilter = (s: string) => {
  const m = /^\[([^=]*)=(.*)\]$/.exec(s);
  return m ? { field: m[1], value: m[2] } : undefined;
};
const text = (v: unknown) =>
  v === null || v === undefined || typeof v === 'object' ? '' : String(v);

/** kustomize's IsSelectedBy: every field the selector sets must equal the id's (namespaces compared as effective ones). */
function selects(
  sel: Record<string, any>,
  apiVersion: string,
  id: ResId,
): boolean {
  const gv = groupVersion(apiVersion);
  if (sel.group && sel.group !== gv.group) return false;
  if (sel.version && sel.version !== gv.version) return false;
  if (sel.kind && sel.kind !== id.kind) return false;
  if (sel.name && sel.name !== id.name) return false;
  if (
    sel.namespace &&
    effectiveNamespace(id.kind, sel.namespace) !==
      effectiveNamespace(id.kind, id.namespace)
  )
    return false;
  return true;
}

const selectedBy = (sel: Record<string, any>, r: Res) =>
  allIds(r).some(id => selects(sel, apiVersionOf(r), id));

function labelsMatch(r: Res, sel: Record<string, any>): boolean {
  for (const [key, field] of [
    ['labelSelector', 'labels'],
    ['annotationSelector', 'annotations'],
  ] as const) {
    if (!sel[key]) continue;
    const parsed = parseSelectorString(String(sel[key]));
    if ('error' in parsed)
      throw new ReplacementError(
        `the ${key} "${sel[key]}" is invalid: ${parsed.error}`,
      );
    if (
      !requirementsAdmit(
        parsed.requirements,
        stringMapAt(r.body, 'metadata', field),
      )
    )
      return false;
  }
  return true;
}

/** The source value (kyaml Lookup: `[a=b]` selects by exact value, a number by index). */
function lookup(body: unknown, path: string[]): unknown {
  let current = body;
  for (const part of path) {
    const filter = listFilter(part);
    if (filter) {
      if (!Array.isArray(current)) return undefined;
      current = current.find(e =>
        filter.field
          ? isRecord(e) && text(e[filter.field]) === filter.value
          : text(e) === filter.value,
      );
    } else if (isIndex(part) && Array.isArray(current)) {
      current = current[Number(part)];
    } else {
      if (!isRecord(current) || !hasOwn(current, part)) return undefined;
      current = current[part];
    }
  }
  return current;
}

/** A scalar written into a scalar field keeps the field's type (kyaml sets the value, not the tag). */
function asTargetType(target: unknown, value: string): unknown {
  if (typeof target === 'string') return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function setValue(
  target: unknown,
  value: unknown,
  options: Record<string, any>,
): unknown {
  let v = value;
  if (options.delimiter) {
    if (isRecord(target) || Array.isArray(target))
      throw new ReplacementError(
        'the delimiter option can only be used with scalar fields',
      );
    const parts = text(target).split(options.delimiter);
    const index = Number(options.index ?? 0);
    if (index < 0) parts.unshift(text(value));
    else if (index >= parts.length) parts.push(text(value));
    else parts[index] = text(value);
    v = parts.join(options.delimiter);
  }
  if (target !== undefined && !isRecord(target) && !Array.isArray(target))
    return asTargetType(target, text(v));
  return v;
}

/** kyaml's PathMatcher, writing: `*` every item, `[a=b]` items whose a matches the pattern, creating when asked. */
function write(
  node: unknown,
  path: string[],
  set: (current: unknown) => unknown,
  create: boolean,
  found: { n: number },
): unknown {
  if (!path.length) {
    found.n++;
    return set(node);
  }
  const [part, ...rest] = path;
  const empty = () => {
    if (!rest.length) return undefined;
    return isIndex(rest[0]) || listFilter(rest[0]) || rest[0] === '*' ? [] : {};
  };
  const filter = listFilter(part);
  if (isIndex(part) || part === '*' || filter) {
    if (!Array.isArray(node)) return node;
    let items = node;
    if (isIndex(part)) {
      const i = Number(part);
      if (i === items.length && create) items = [...items, empty()];
      if (i >= items.length)
        throw new ReplacementError(
          `index ${i} specified but only ${items.length} elements found`,
        );
      const next = write(items[i], rest, set, create, found);
      return next === items[i]
        ? items
        : items.map((e, j) => (j === i ? next : e));
    }
    const pattern = filter ? new RegExp(filter.value) : undefined;
    const matches = (e: unknown) =>
      !pattern ||
      (filter!.field
        ? isRecord(e) &&
          hasOwn(e, filter!.field) &&
          pattern.test(text(e[filter!.field]).trim())
        : pattern.test(text(e).trim()));
    if (filter && create && !items.some(matches))
      items = [
        ...items,
        filter.field ? { [filter.field]: filter.value } : filter.value,
      ];
    let changed = items !== node;
    const out = items.map(e => {
      if (!matches(e)) return e;
      const next = write(e, rest, set, create, found);
      if (next !== e) changed = true;
      return next;
    });
    return changed ? out : node;
  }
  if (!isRecord(node)) return node;
  let child = hasOwn(node, part) ? node[part] : undefined;
  if (child === undefined || (child === null && rest.length)) {
    if (!create) return node;
    child = empty();
  }
  const next = write(child, rest, set, create, found);
  return next === node[part] ? node : withField(node, part, next);
}

/**
 * kustomize's replacement transformer (the last of its transformers): the
 * source must select exactly one object (by any name it had); every target
 * selected (and not rejected) gets the value in each field path, which
 * must exist unless `create` is set.
 */
export function applyReplacements(
  resources: readonly Res[],
  replacements: readonly Replacement[],
  fail: (r: Replacement, message: string) => void,
): Res[] {
  let out = [...resources];
  for (const replacement of replacements) {
    try {
      const { source, targets } = replacement;
      if (!isRecord(source) || !Array.isArray(targets))
        throw new ReplacementError('needs a source and at least one target');
      const sources = out.filter(r => selectedBy(source, r));
      if (sources.length !== 1)
        throw new ReplacementError(
          sources.length
            ? `selects several sources (${sources.map(describeRes).join(', ')})`
            : 'selects no source object',
        );
      const fieldPath =
        typeof source.fieldPath === 'string' && source.fieldPath
          ? source.fieldPath
          : 'metadata.name';
      let value = lookup(sources[0].body, splitReplacementPath(fieldPath));
      if (
        value === undefined ||
        value === null ||
        (isRecord(value) && !Object.keys(value).length)
      )
        throw new ReplacementError(
          `finds no ${fieldPath} in the source ${describeRes(sources[0])}`,
        );
      const sourceOptions = isRecord(source.options) ? source.options : {};
      if (sourceOptions.delimiter) {
        if (isRecord(value) || Array.isArray(value))
          throw new ReplacementError(
            'the delimiter option can only be used with scalar sources',
          );
        const parts = text(value).split(sourceOptions.delimiter);
        const index = Number(sourceOptions.index ?? 0);
        if (index < 0 || index >= parts.length)
          throw new ReplacementError(
            `options.index ${index} is out of bounds for the value ${text(
              value,
            )}`,
          );
        value = parts[index];
      }
      for (const target of targets) {
        if (!isRecord(target) || !isRecord(target.select))
          throw new ReplacementError('has a target without select');
        const rejects: Record<string, any>[] = Array.isArray(target.reject)
          ? target.reject.filter(isRecord)
          : [];
        const paths: string[] =
          Array.isArray(target.fieldPaths) && target.fieldPaths.length
            ? target.fieldPaths.map(String)
            : ['metadata.name'];
        const options = isRecord(target.options) ? target.options : {};
        out = out.map(r => {
          if (!labelsMatch(r, target.select)) return r;
          if (
            rejects.some(
              rej =>
                (rej.labelSelector || rej.annotationSelector) &&
                labelsMatch(r, rej),
            )
          )
            return r;
          if (!selectedBy(target.select, r)) return r;
          if (
            rejects.some(
              rej =>
                ['group', 'version', 'kind', 'name', 'namespace'].some(
                  k => rej[k],
                ) && selectedBy(rej, r),
            )
          )
            return r;
          let body = r.body;
          for (const fp of paths) {
            const found = { n: 0 };
            body = write(
              body,
              splitReplacementPath(fp),
              current => setValue(current, value, options),
              options.create === true,
              found,
            ) as Record<string, any>;
            if (!found.n)
              throw new ReplacementError(
                `${
                  options.create ? 'cannot find or create' : 'finds no'
                } field ${fp} in the target ${describeRes(r)}`,
              );
          }
          return withBody(r, body);
        });
      }
    } catch (e) {
      if (!(e instanceof ReplacementError) && !(e instanceof SyntaxError))
        throw e;
      fail(replacement, e.message);
    }
  }
  return out;
}
