import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { finding, EngineFinding } from '../../core/finding';
import { getPath, isRecord, ObjectPath } from '../../core/paths';
import { joinPath } from '../../tree/RepoTree';
import type { YamlReader } from '../../yaml/files';
import { locate } from '../../yaml/locate';
import { FieldReader } from './kustomizationFields';
import type { FluxKustomizeOverlay } from './overlay';
import type { FieldSpec } from './fieldSpec';
import type { PatchSource } from './patches';

/** Fields of a kustomization this engine evaluates; every other one is reported. */
/** Unevaluated fields that only add objects, never change the others. */
const addsOnly = new Set(['helmCharts', 'helmGlobals', 'generators']);

/**
 * Every field of a kustomization (kustomize's `types.Kustomization`), by
 * its name in lower case: kustomize decodes it with Go's JSON, which
 * matches field names whatever their case (`apiversion`, `Resources`) and,
 * told to, refuses a field it does not have.
 */
const kustomizationFields = new Map(
  [
    'apiVersion',
    'kind',
    'metadata',
    'openapi',
    'namePrefix',
    'nameSuffix',
    'namespace',
    'commonLabels',
    'labels',
    'commonAnnotations',
    'patchesStrategicMerge',
    'patchesJson6902',
    'patches',
    'images',
    'replacements',
    'replicas',
    'vars',
    // kustomize v5.0's output order (`order: legacy` or `fifo`)
    'sortOptions',
    'resources',
    'components',
    'crds',
    'bases',
    'configMapGenerator',
    'secretGenerator',
    'helmGlobals',
    'helmCharts',
    'helmChartInflationGenerator',
    'generatorOptions',
    'configurations',
    'generators',
    'transformers',
    'validators',
    'inventory',
    'buildMetadata',
  ].map(field => [field.toLowerCase(), field]),
);

/** The fields as kustomize reads them: each under its own name, whatever case it is written in. */
function withFieldNames(spec: Record<string, any>): Record<string, any> {
  const renamed = Object.keys(spec).filter(key => {
    const field = kustomizationFields.get(key.toLowerCase());
    return field !== undefined && field !== key;
  });
  if (!renamed.length) return spec;
  const out: Record<string, any> = { ...spec };
  for (const key of renamed) {
    out[kustomizationFields.get(key.toLowerCase())!] = spec[key];
    delete out[key];
  }
  return out;
}

const evaluatedFields = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configurations',
  'buildMetadata',
  'sortOptions',
  'replacements',
]);

/**
 * The files a kustomization reads, and its inline patch texts parsed once
 * per engine: a parent Flux Kustomization often gives the same patch text
 * to every cluster.
 */
export class TargetFiles {
  readonly #patches = new Map<
    string,
    { documents: unknown[]; unreadable?: string }
  >();

  constructor(readonly yaml: YamlReader) {}

  read(path: string) {
    return this.yaml.read(path);
  }

  /** Patch text as kustomize reads it (YAML 1.1, as Go's yaml.v2; JSON is YAML). */
  parsePatch(
    text: string,
    file: string,
  ): { documents: unknown[]; unreadable?: string } {
    const trimmed = text.trim();
    let parsed = this.#patches.get(trimmed);
    if (!parsed) {
      const read = this.yaml.parseText(file, trimmed);
      parsed = read.problems.length
        ? {
            documents: [],
            unreadable: `cannot be read as YAML: ${read.problems[0].message}`,
          }
        : { documents: read.documents.map(d => d.value) };
      this.#patches.set(trimmed, parsed);
    }
    return parsed;
  }
}

/** A path listed in a kustomization; its location is looked up only when a finding needs it. */
class ListEntry {
  readonly optional = false;
  constructor(
    readonly path: string,
    private readonly at: (path: ObjectPath) => SourceLocation,
    private readonly field: ObjectPath,
  ) {}

  get location(): SourceLocation {
    return this.at(this.field);
  }
}

/** One kustomization as kustomize will build it: its own file, or the one Flux generates, with Flux's additions. */
export interface KustTarget {
  dir: string;
  /** The kustomization file; undefined when Flux generated it. */
  file?: string;
  spec: Record<string, any>;
  kind: 'Kustomization' | 'Component';
  fields: FieldReader;
  resources: { path: string; location: SourceLocation }[];
  components: { path: string; location: SourceLocation; optional: boolean }[];
  namespace?: { value: string; location: SourceLocation };
  namePrefix?: { value: string; location: SourceLocation };
  nameSuffix?: { value: string; location: SourceLocation };
  patches: PatchSource[];
  patchesStrategicMerge: PatchSource[];
  patchesJson6902: PatchSource[];
  originAnnotations: boolean;
  /** The `transformers`, when all are builtin label, annotation or namespace transformers. */
  transformers?: BuiltinTransformer[];
}

/** Reads a kustomization file; undefined (with findings) when kustomize cannot. */
export function readTarget(
  dir: string,
  file: string,
  files: TargetFiles,
  findings: EngineFinding[],
): KustTarget | undefined {
  const read = files.read(file);
  for (const p of read.problems)
    findings.push(
      finding('yaml-invalid', 'error', p.message, {
        file: p.file,
        line: p.line,
      }),
    );
  const doc = read.documents[0];
  if (!doc || !isRecord(doc.value)) {
    if (!read.problems.length)
      findings.push(
        finding(
          'kustomize-error',
          'error',
          'is empty or not a YAML map; kustomize cannot build it',
          { file, line: 1 },
        ),
      );
    return undefined;
  }
  const written = doc.value;
  const spec = withFieldNames(written);
  const holder = { source: { file, index: 0, line: doc.line, root: written } };
  const at = (path: ObjectPath) => locate(holder, path);
  const fields = new FieldReader(at, `${file}`);
  const target = emptyTarget(dir, file, spec, fields);
  // builtin label and annotation transformers are evaluated; any other
  // transformer is not
  const transformers =
    spec.transformers === undefined
      ? undefined
      : readEntryTransformers(spec.transformers, dir, files, at);
  if (transformers) target.transformers = transformers;
  for (const key of Object.keys(spec)) {
    if (!kustomizationFields.has(key.toLowerCase()))
      fields.error(
        `has the field "${key}", which a kustomization does not have; kustomize refuses it (unknown field) and cannot build ${
          dir || '.'
        }/`,
        [key],
      );
    else if (
      !evaluatedFields.has(key) &&
      !(key === 'transformers' && transformers)
    )
      fields.notEvaluated(
        `uses "${key}", which this engine does not evaluate; objects built from ${
          dir || '.'
        }/ may differ from what Flux applies`,
        [key],
        key === 'images' || key === 'replicas' ? 'info' : 'warning',
        // a transformer may change what was built; charts only add objects
        !addsOnly.has(key),
      );
  }
  const kind = fields.string(spec, ['kind']) ?? 'Kustomization';
  const apiVersion = fields.string(spec, ['apiVersion']);
  const wanted =
    kind === 'Component'
      ? 'kustomize.config.k8s.io/v1alpha1'
      : 'kustomize.config.k8s.io/v1beta1';
  if (apiVersion && apiVersion !== wanted)
    fields.error(
      `has the apiVersion "${apiVersion}"; kustomize wants ${wanted} for a ${kind}`,
      ['apiVersion'],
    );
  if (kind === 'Component') target.kind = 'Component';
  else if (kind !== 'Kustomization')
    fields.error(
      `has the kind "${kind}"; kustomize builds a Kustomization or a Component`,
      ['kind'],
    );
  const list = (field: string) =>
    fields
      .strings(spec, [field])
      .map((path, i) => new ListEntry(path, at, [field, i]));
  // kustomize appends the deprecated bases after the resources
  target.resources = [...list('resources'), ...list('bases')];
  target.components = list('components');
  for (const field of ['namespace', 'namePrefix', 'nameSuffix'] as const) {
    const value = fields.string(spec, [field]);
    if (value) target[field] = { value, location: at([field]) };
  }
  const metadata = fields.strings(spec, ['buildMetadata']);
  target.originAnnotations = metadata.includes('originAnnotations');
  metadata.forEach((option, i) => {
    if (option !== 'originAnnotations')
      fields.notEvaluated(
        `uses buildMetadata "${option}", which this engine does not evaluate; objects built from ${
          dir || '.'
        }/ may differ from what Flux applies`,
        ['buildMetadata', i],
      );
  });
  readPatchFields(target, files);
  return target;
}

/**
 * The builtin transformers this engine evaluates (kustomize's own kinds:
 * `LabelTransformer`, singular; it refuses `LabelsTransformer`, which is no
 * builtin), and the field of their configuration that holds the entries.
 */
const entryTransformers = {
  LabelTransformer: 'labels',
  AnnotationsTransformer: 'annotations',
} as const;

/** A builtin label or annotation transformer of a kustomization's `transformers`. */
export interface EntryTransformer {
  kind: 'entries';
  entries: Record<string, string>;
  specs: FieldSpec[];
  location: SourceLocation;
}

/** A builtin NamespaceTransformer of a kustomization's `transformers`. */
export interface NamespaceTransformer {
  kind: 'namespace';
  namespace: string;
  /** Only objects (and subjects) without a namespace get it. */
  unsetOnly: boolean;
  /** Which RoleBinding subjects get it (`setRoleBindingSubjects`). */
  subjects: 'defaultOnly' | 'allServiceAccounts' | 'none';
  specs: FieldSpec[];
  location: SourceLocation;
}

/** A builtin transformer this engine evaluates. */
export type BuiltinTransformer = EntryTransformer | NamespaceTransformer;

/**
 * The transformers listed (a file, or an inline configuration), when every
 * one is a builtin LabelTransformer, AnnotationsTransformer or
 * NamespaceTransformer (the common cases: labelling namespaces, giving a
 * shared folder's objects a namespace); undefined when one is anything
 * else, which is then reported as not evaluated.
 */
function readEntryTransformers(
  list: unknown,
  dir: string,
  files: TargetFiles,
  at: (path: ObjectPath) => SourceLocation,
): BuiltinTransformer[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: BuiltinTransformer[] = [];
  for (const [i, entry] of list.entries()) {
    if (typeof entry !== 'string') return undefined;
    let documents: unknown[];
    if (entry.includes('\n')) {
      const parsed = files.parsePatch(entry, dir);
      if (parsed.unreadable) return undefined;
      documents = parsed.documents;
    } else {
      const path = joinPath(dir, entry);
      if (!path) return undefined;
      const read = files.read(path);
      if (read.problems.length) return undefined;
      documents = read.documents.map(d => d.value);
    }
    if (!documents.length) return undefined;
    for (const d of documents) {
      if (!isRecord(d) || d.apiVersion !== 'builtin') return undefined;
      const specs = fieldSpecsOf(d.fieldSpecs ?? []);
      if (!specs) return undefined;
      const location = at(['transformers', i]);
      if (d.kind === 'NamespaceTransformer') {
        const namespace = getPath(d, ['metadata', 'namespace']);
        const subjects = d.setRoleBindingSubjects ?? 'defaultOnly';
        if (
          typeof namespace !== 'string' ||
          !namespace ||
          (d.unsetOnly !== undefined && typeof d.unsetOnly !== 'boolean') ||
          !['defaultOnly', 'allServiceAccounts', 'none'].includes(subjects)
        )
          return undefined;
        out.push({
          kind: 'namespace',
          namespace,
          unsetOnly: d.unsetOnly === true,
          subjects,
          specs,
          location,
        });
        continue;
      }
      const field =
        entryTransformers[String(d.kind) as keyof typeof entryTransformers];
      if (!field) return undefined;
      const entries = d[field] ?? {};
      if (
        !isRecord(entries) ||
        !Object.values(entries).every(v => typeof v === 'string')
      )
        return undefined;
      out.push({
        kind: 'entries',
        entries: entries as Record<string, string>,
        specs,
        location,
      });
    }
  }
  return out;
}

/** A transformer's `fieldSpecs` as this engine applies them; undefined when one is not readable. */
function fieldSpecsOf(specs: unknown): FieldSpec[] | undefined {
  if (
    !Array.isArray(specs) ||
    !specs.every(
      (f: unknown) =>
        isRecord(f) &&
        typeof f.path === 'string' &&
        ['kind', 'group', 'version'].every(
          k => f[k] === undefined || typeof f[k] === 'string',
        ),
    )
  )
    return undefined;
  return specs.map((f: Record<string, any>) => ({
    path: f.path,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.group ? { group: f.group } : {}),
    ...(f.version ? { version: f.version } : {}),
    ...(f.create === true ? { create: true } : {}),
  }));
}

function emptyTarget(
  dir: string,
  file: string | undefined,
  spec: Record<string, any>,
  fields: FieldReader,
): KustTarget {
  return {
    dir,
    file,
    spec,
    kind: 'Kustomization',
    fields,
    resources: [],
    components: [],
    patches: [],
    patchesStrategicMerge: [],
    patchesJson6902: [],
    originAnnotations: false,
  };
}

/** The target of a folder without kustomization file: Flux lists its resources (see generatedKustomization). */
export function generatedTarget(dir: string, resources: string[]): KustTarget {
  const location = { file: dir || '.', line: 1 };
  const fields = new FieldReader(
    () => location,
    `the kustomization Flux generates for ${dir || '.'}/`,
  );
  const target = emptyTarget(dir, undefined, {}, fields);
  target.resources = resources.map(path => ({ path, location }));
  return target;
}

/** Parses patch text as kustomize reads it (YAML 1.1, as Go's yaml.v2; JSON is YAML). */
function parsePatchText(
  text: string,
  file: string,
  files: TargetFiles,
): { documents: unknown[]; unreadable?: string } {
  return files.parsePatch(text, file);
}

/** Reads a patch file relative to the kustomization. */
function patchFile(
  dir: string,
  relative: string,
  files: TargetFiles,
): Pick<
  PatchSource,
  'documents' | 'unreadable' | 'documentsFile' | 'documentIndexes'
> {
  const path = joinPath(dir, relative);
  if (path === undefined)
    return {
      documents: [],
      unreadable: `reads ${relative}, outside the repository`,
    };
  const read = files.read(path);
  if (read.problems.length)
    return {
      documents: [],
      unreadable:
        read.problems[0].message === 'does not exist'
          ? `reads ${relative}, which does not exist (${path})`
          : `reads ${relative}, which cannot be read: ${read.problems[0].message}`,
    };
  return {
    documents: read.documents.map(d => d.value),
    documentsFile: path,
    documentIndexes: new Map(read.documents.map(d => [d.value, d.index])),
  };
}

/**
 * Inline patch text of several lines is a block scalar (`patch: |`): its
 * lines are the file's, from the line after the key (the text as parsed
 * starts at its first line that is not blank).
 */
function textLines(
  text: string | undefined,
  from: string | undefined,
  key: () => SourceLocation,
): Pick<PatchSource, 'textLineOffset'> {
  if (!text?.includes('\n') || from) return {};
  const blank = /^\s*/.exec(text)![0].split('\n').length - 1;
  return { textLineOffset: key().line + blank };
}

/** A patch's text from `patch:` or `path:` (exactly one of them). */
function readPatch(
  text: string | undefined,
  from: string | undefined,
  dir: string,
  file: string,
  files: TargetFiles,
): Pick<
  PatchSource,
  'documents' | 'unreadable' | 'documentsFile' | 'documentIndexes'
> {
  if (text && from)
    return { documents: [], unreadable: 'sets both patch and path' };
  if (text) return parsePatchText(text, file, files);
  if (from) return patchFile(dir, from, files);
  return { documents: [], unreadable: 'has neither patch nor path' };
}

function readPatchFields(target: KustTarget, files: TargetFiles) {
  const { spec, fields, dir } = target;
  const at = fields.at;
  const file = target.file ?? dir;
  for (const { value, index } of fields.records(spec, ['patches'])) {
    const path = ['patches', index];
    const root = { patches: { [index]: value } };
    const text = fields.string(root, [...path, 'patch']);
    const from = fields.string(root, [...path, 'path']);
    const options = isRecord(value.options) ? value.options : {};
    const read = readPatch(text, from, dir, file, files);
    target.patches.push({
      field: 'patches',
      ...read,
      ...textLines(text, from, () => at([...path, 'patch'])),
      target: value.target,
      allowNameChange: options.allowNameChange === true,
      allowKindChange: options.allowKindChange === true,
      location: at(path),
      label: 'the patch',
    });
  }
  fields.strings(spec, ['patchesStrategicMerge']).forEach((entry, i) => {
    // kustomize first reads the entry as an inline patch, then as a file path
    const inline = parsePatchText(entry, file, files);
    const isInline =
      !inline.unreadable &&
      inline.documents.length > 0 &&
      inline.documents.every(isRecord);
    target.patchesStrategicMerge.push({
      field: 'patchesStrategicMerge',
      ...(isInline ? inline : patchFile(dir, entry, files)),
      location: at(['patchesStrategicMerge', i]),
      label: 'the patch',
    });
  });
  for (const { value, index } of fields.records(spec, ['patchesJson6902'])) {
    const path = ['patchesJson6902', index];
    const root = { patchesJson6902: { [index]: value } };
    const text = fields.string(root, [...path, 'patch']);
    const from = fields.string(root, [...path, 'path']);
    const read = readPatch(text, from, dir, file, files);
    target.patchesJson6902.push({
      field: 'patchesJson6902',
      ...read,
      ...textLines(text, from, () => at([...path, 'patch'])),
      target: value.target ?? {},
      location: at(path),
      label: 'the patch',
    });
  }
}

/**
 * Applies a Flux Kustomization's additions as kustomize-controller writes
 * them into the kustomization file: namespace, prefix and suffix replace,
 * patches and components are appended.
 */
export function applyOverlay(
  target: KustTarget,
  overlay: FluxKustomizeOverlay,
  files: TargetFiles,
  exists: (path: string) => boolean,
  findings: EngineFinding[],
): KustTarget {
  const out: KustTarget = {
    ...target,
    components: [...target.components],
    patches: [...target.patches],
    patchesStrategicMerge: [...target.patchesStrategicMerge],
    patchesJson6902: [...target.patchesJson6902],
  };
  const origin = overlay.origin;
  const fieldLocation = overlay.location ?? {
    file: target.file ?? (target.dir || '.'),
    line: 1,
  };
  if (overlay.namespace)
    out.namespace = { value: overlay.namespace, location: fieldLocation };
  if (overlay.namePrefix)
    out.namePrefix = { value: overlay.namePrefix, location: fieldLocation };
  if (overlay.nameSuffix)
    out.nameSuffix = { value: overlay.nameSuffix, location: fieldLocation };
  const label = (field: string, i: number) => `${origin} spec.${field}[${i}]`;
  (overlay.patches ?? []).forEach((p, i) => {
    const read =
      typeof p.patch === 'string'
        ? parsePatchText(p.patch, p.location.file, files)
        : {
            documents: [],
            unreadable: 'has a patch that is not a string (YAML or JSON text)',
          };
    out.patches.push({
      field: 'patches',
      ...read,
      ...textLines(
        typeof p.patch === 'string' ? p.patch : undefined,
        undefined,
        () => p.textLocation ?? p.location,
      ),
      target: p.target,
      location: p.location,
      label: label('patches', i),
    });
  });
  (overlay.patchesStrategicMerge ?? []).forEach((p, i) => {
    out.patchesStrategicMerge.push({
      field: 'patchesStrategicMerge',
      documents: [p.patch],
      documentsFile: p.location.file,
      location: p.location,
      label: label('patchesStrategicMerge', i),
    });
  });
  (overlay.patchesJson6902 ?? []).forEach((p, i) => {
    out.patchesJson6902.push({
      field: 'patchesJson6902',
      documents: [p.patch],
      documentsFile: p.location.file,
      target: p.target ?? {},
      location: p.location,
      label: label('patchesJson6902', i),
    });
  });
  for (const c of overlay.components ?? []) {
    if (c.path.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(c.path)) {
      findings.push(
        finding(
          'flux-error',
          'error',
          `${origin} lists the component ${c.path}, which must be a local relative path; Flux fails`,
          c.location,
        ),
      );
      continue;
    }
    const path = joinPath(target.dir, c.path);
    if (
      overlay.ignoreMissingComponents &&
      (path === undefined || !exists(path))
    )
      continue;
    out.components.push({
      path: c.path,
      location: c.location,
      optional: false,
    });
  }
  if (overlay.images)
    findings.push(
      finding(
        'not-evaluated',
        // image references are not what the rules read: nothing missing hides behind it
        'info',
        `${origin} sets spec.images, which this engine does not evaluate; image references may differ from what Flux applies`,
        overlay.images.location,
      ),
    );
  return out;
}
