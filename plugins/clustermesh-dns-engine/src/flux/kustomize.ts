import type { EngineFinding } from '../core/finding';
import { describeObject, ManifestObject, objectKey } from '../core/manifest';
import { isRecord } from '../core/paths';
import { joinPath } from '../tree/RepoTree';
import type { TreeIndex } from '../tree/TreeIndex';
import type { YamlFiles } from '../yaml/files';
import { locate } from '../yaml/locate';
import {
  documentsToObjects,
  withAnnotations,
  withNamespace,
} from './kustomizeObjects';

export { documentsToObjects, withNamespace } from './kustomizeObjects';

/** The file names kustomize recognises, in its order of preference. @public */
export const kustomizationFileNames = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
] as const;

/** Fields of a kustomization file this engine evaluates. */
const evaluatedFields = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'commonAnnotations',
]);

/** @public */
export interface BuildResult {
  objects: ManifestObject[];
  findings: EngineFinding[];
  /** False when kustomize itself would fail on this path. */
  ok: boolean;
}

const isRemote = (entry: string) =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
  /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
  entry.startsWith('git@') ||
  entry.includes('?ref=');

/**
 * Builds kustomize directories offline for the features GitOps repositories
 * use: resources (files, multi-document files, directories), components,
 * namespace and commonAnnotations. Every other field of a kustomization is
 * reported as not evaluated, never silently dropped. Results are cached per
 * directory, so a path shared by many clusters is built once.
 *
 * @public
 */
export class KustomizeEngine {
  readonly #index: TreeIndex;
  readonly #files: YamlFiles;
  readonly #cache = new Map<string, BuildResult>();

  constructor(index: TreeIndex, files: YamlFiles) {
    this.#index = index;
    this.#files = files;
  }

  /** The kustomization file of a directory, if it has one. */
  kustomizationFile(dir: string): string | undefined {
    for (const name of kustomizationFileNames) {
      const path = dir ? `${dir}/${name}` : name;
      if (this.#index.isFile(path)) return path;
    }
    return undefined;
  }

  /** `kustomize build <dir>` (with LoadRestrictionsNone, as Flux runs it). */
  build(dir: string): BuildResult {
    const cached = this.#cache.get(dir);
    if (cached) return cached;
    const result = this.#buildDir(dir, [], 'Kustomization', []);
    this.#cache.set(dir, result);
    return result;
  }

  /** Objects of one manifest file. */
  fileObjects(path: string): BuildResult {
    const { documents, problems } = this.#files.read(path);
    const findings: EngineFinding[] = problems.map(p => ({
      code: 'yaml-invalid',
      severity: 'error',
      message: p.message,
      location: { file: p.file, line: p.line },
    }));
    const converted = documentsToObjects(documents);
    return {
      objects: converted.objects,
      findings: [...findings, ...converted.findings],
      ok: findings.length === 0 && converted.findings.length === 0,
    };
  }

  /**
   * Builds one directory. A Component receives the objects accumulated so
   * far by the kustomization that lists it, and its transformations apply
   * to them too, as in kustomize.
   */
  #buildDir(
    dir: string,
    stack: string[],
    expectedKind: 'Kustomization' | 'Component',
    initial: readonly ManifestObject[],
  ): BuildResult {
    const findings: EngineFinding[] = [];
    const file = this.kustomizationFile(dir);
    if (!file) {
      findings.push({
        code: 'kustomize-error',
        severity: 'error',
        message:
          'has no kustomization.yaml, kustomization.yml or Kustomization file; kustomize cannot build it',
        location: { file: dir || '.', line: 1 },
      });
      return { objects: [], findings, ok: false };
    }
    if (stack.includes(dir)) {
      findings.push({
        code: 'kustomize-error',
        severity: 'error',
        message: `is part of a cycle: ${[...stack, dir].join(' → ')}`,
        location: { file, line: 1 },
      });
      return { objects: [], findings, ok: false };
    }
    const read = this.#files.read(file);
    for (const p of read.problems) {
      findings.push({
        code: 'yaml-invalid',
        severity: 'error',
        message: p.message,
        location: { file: p.file, line: p.line },
      });
    }
    const doc = read.documents[0];
    if (!doc || !isRecord(doc.value)) {
      if (read.problems.length === 0) {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: 'is empty or not a YAML map; kustomize cannot build it',
          location: { file, line: 1 },
        });
      }
      return { objects: [], findings, ok: false };
    }
    const spec = doc.value;
    const holder = {
      source: {
        file,
        index: 0,
        line: doc.line,
        root: doc.value,
      },
    };
    const at = (path: (string | number)[]) => locate(holder, path);
    let ok = true;

    const kind = typeof spec.kind === 'string' ? spec.kind : 'Kustomization';
    if (kind !== expectedKind) {
      findings.push({
        code: 'kustomize-error',
        severity: 'error',
        message: `is a ${kind}, but it is used as a ${expectedKind}`,
        location: at(['kind']),
      });
      ok = false;
    }

    for (const key of Object.keys(spec)) {
      if (!evaluatedFields.has(key)) {
        findings.push({
          code: 'not-evaluated',
          severity: 'warning',
          message: `uses "${key}", which this engine does not evaluate; objects built from ${
            dir || '.'
          }/ may differ from what Flux applies`,
          location: at([key]),
        });
      }
    }

    let objects: ManifestObject[] = [...initial];
    const idOf = (o: ManifestObject) => `${objectKey(o)}@${o.apiVersion}`;
    let seen = new Map(objects.map(o => [idOf(o), o] as const));
    const add = (
      incoming: readonly ManifestObject[],
      entryLocation: ReturnType<typeof at>,
    ) => {
      for (const object of incoming) {
        const key = idOf(object);
        const previous = seen.get(key);
        if (previous) {
          findings.push({
            code: 'kustomize-error',
            severity: 'error',
            message: `adds ${describeObject(object)} (${object.source.file}:${
              object.source.line
            }) a second time; kustomize fails with "may not add resource with an already registered id" (first from ${
              previous.source.file
            }:${previous.source.line})`,
            location: entryLocation,
          });
          ok = false;
          continue;
        }
        seen.set(key, object);
        objects.push(object);
      }
    };

    const listField = (field: string): string[] => {
      const value = spec[field];
      if (value === undefined || value === null) return [];
      if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: `"${field}" must be a list of paths`,
          location: at([field]),
        });
        ok = false;
        return [];
      }
      return value;
    };

    const resources = [
      ...listField('resources').map((entry, i) => ({
        entry,
        where: at(['resources', i]),
      })),
      ...listField('bases').map((entry, i) => ({
        entry,
        where: at(['bases', i]),
      })),
    ];
    resources.forEach(({ entry, where }) => {
      if (isRemote(entry)) {
        findings.push({
          code: 'not-evaluated',
          severity: 'warning',
          message: `refers to the remote resource ${entry}, which this engine does not fetch`,
          location: where,
        });
        return;
      }
      const target = joinPath(dir, entry);
      if (target === undefined) {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: `refers to ${entry}, outside the repository`,
          location: where,
        });
        ok = false;
        return;
      }
      if (this.#index.isFile(target)) {
        const built = this.fileObjects(target);
        findings.push(...built.findings);
        ok &&= built.ok;
        add(built.objects, where);
      } else if (this.#index.isDir(target)) {
        const built = this.#buildDir(
          target,
          [...stack, dir],
          'Kustomization',
          [],
        );
        findings.push(...built.findings);
        ok &&= built.ok;
        add(built.objects, where);
      } else {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: `refers to ${entry}, which does not exist (${target})`,
          location: where,
        });
        ok = false;
      }
    });

    listField('components').forEach((entry, i) => {
      const where = at(['components', i]);
      const target = joinPath(dir, entry);
      if (target === undefined || !this.#index.isDir(target)) {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: `refers to the component ${entry}, which is not a directory of the repository`,
          location: where,
        });
        ok = false;
        return;
      }
      const component = this.#buildDir(
        target,
        [...stack, dir],
        'Component',
        objects,
      );
      findings.push(...component.findings);
      ok &&= component.ok;
      objects = component.objects;
      seen = new Map(objects.map(o => [idOf(o), o] as const));
    });

    let result = objects;

    const namespace = spec.namespace;
    if (namespace !== undefined) {
      if (typeof namespace === 'string' && namespace) {
        result = result.map(o => withNamespace(o, namespace));
      } else {
        findings.push({
          code: 'kustomize-error',
          severity: 'error',
          message: `"namespace" must be a non-empty string`,
          location: at(['namespace']),
        });
        ok = false;
      }
    }
    const annotations = spec.commonAnnotations;
    if (isRecord(annotations)) {
      const asStrings = Object.fromEntries(
        Object.entries(annotations).map(([k, v]) => [k, String(v)]),
      );
      result = result.map(o => withAnnotations(o, asStrings));
    }
    return { objects: result, findings, ok };
  }
}
