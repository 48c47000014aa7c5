import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { finding, EngineFinding } from '../../core/finding';
import type { ObjectPath } from '../../core/paths';
import { hasOwn, isRecord } from '../../core/paths';

/**
 * Typed reading of kustomization fields, as kustomize decodes them (JSON
 * into Go types): a field of the wrong type fails the build, e.g. a label
 * value written as a number.
 */
export class FieldReader {
  readonly findings: EngineFinding[] = [];
  ok = true;

  constructor(
    readonly at: (path: ObjectPath) => SourceLocation,
    /** What owns the fields, for messages ("the kustomization", "Kustomization flux-system/apps"). */
    readonly owner: string,
  ) {}

  error(message: string, path: ObjectPath) {
    this.findings.push(
      finding('kustomize-error', 'error', message, this.at(path)),
    );
    this.ok = false;
  }

  /** An error about another file (an env file of a generator). */
  errorAt(message: string, location: SourceLocation) {
    this.findings.push(finding('kustomize-error', 'error', message, location));
    this.ok = false;
  }

  /** What is not evaluated; `info` when it cannot change what the rules read (images, replicas). */
  notEvaluated(
    message: string,
    path: ObjectPath,
    severity: 'warning' | 'info' = 'warning',
    /** It may change the objects built, not only leave some out. */
    mayChange = false,
    /** It can only leave keys of this generated object unknown. */
    onlyDataOf?: { kind: string; name: string },
  ) {
    const f = finding('not-evaluated', severity, message, this.at(path));
    if (mayChange) f.mayChange = true;
    if (onlyDataOf) f.onlyDataOf = onlyDataOf;
    this.findings.push(f);
  }

  /** A string field; undefined when absent or null. */
  string(container: unknown, path: ObjectPath): string | undefined {
    const value = fieldOf(container, path);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.error(
      `${describePath(path)} must be a string, not ${typeName(
        value,
      )}; kustomize cannot decode ${this.owner}`,
      path,
    );
    return undefined;
  }

  bool(container: unknown, path: ObjectPath): boolean {
    const value = fieldOf(container, path);
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    this.error(
      `${describePath(path)} must be true or false, not ${typeName(
        value,
      )}; kustomize cannot decode ${this.owner}`,
      path,
    );
    return false;
  }

  /** A list of strings; [] when absent. */
  strings(container: unknown, path: ObjectPath): string[] {
    const value = fieldOf(container, path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.error(
        `${describePath(path)} must be a list of strings, not ${typeName(
          value,
        )}; kustomize cannot decode ${this.owner}`,
        path,
      );
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else
        this.error(
          `${describePath([...path, i])} must be a string, not ${typeName(
            item,
          )}; kustomize cannot decode ${this.owner}`,
          [...path, i],
        );
    });
    return out;
  }

  /** A map of strings (labels, annotations); null values read as "". */
  stringMap(container: unknown, path: ObjectPath): Record<string, string> {
    const value = fieldOf(container, path);
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) {
      this.error(
        `${describePath(path)} must be a map of strings, not ${typeName(
          value,
        )}; kustomize cannot decode ${this.owner}`,
        path,
      );
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) out[k] = '';
      else if (typeof v === 'string') out[k] = v;
      else
        this.error(
          `${describePath([...path, k])} must be a string, not ${typeName(
            v,
          )} (quote it); kustomize cannot decode ${this.owner}`,
          [...path, k],
        );
    }
    return out;
  }

  /** A list of maps; [] when absent. */
  records(
    container: unknown,
    path: ObjectPath,
  ): { value: Record<string, any>; index: number }[] {
    const value = fieldOf(container, path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.error(
        `${describePath(path)} must be a list, not ${typeName(
          value,
        )}; kustomize cannot decode ${this.owner}`,
        path,
      );
      return [];
    }
    const out: { value: Record<string, any>; index: number }[] = [];
    value.forEach((item, index) => {
      if (isRecord(item)) out.push({ value: item, index });
      else if (item !== null)
        this.error(
          `${describePath([...path, index])} must be a map, not ${typeName(
            item,
          )}; kustomize cannot decode ${this.owner}`,
          [...path, index],
        );
    });
    return out;
  }
}

export function fieldOf(container: unknown, path: ObjectPath): unknown {
  let current = container;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!hasOwn(current, key as string)) return undefined;
    current = (current as any)[key];
  }
  return current;
}

/** `configMapGenerator[0].literals` */
export function describePath(path: ObjectPath): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      return i === 0 ? p : `.${p}`;
    })
    .join('');
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
