import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { finding, EngineFinding } from '../../core/finding';
import { joinPath } from '../../tree/RepoTree';
import type { DirectoryQueries } from '../../tree/TreeIndex';
import type { YamlReader } from '../../yaml/files';
import { locate } from '../../yaml/locate';
import { absorbGenerated, appendAll, idsOf } from './accumulation';
import type { FieldSpec } from './fieldSpec';
import { runGenerators } from './generators';
import { applyPatches, LoadedPatch, loadPatch, PatchSource } from './patches';
import { applyReplacements, readReplacements } from './replacements';
import { describeRes, kindOf, nameOf, Res } from './resource';
import type { KustTarget } from './target';
import { defaultTransformerConfig } from './builtinFieldSpecs';
import {
  mergeConfig,
  mergeFieldSpecs,
  parseTransformerConfig,
  TransformerConfig,
} from './transformerConfig';
import { addEntries, addNameAffix, setNamespace } from './transformers';

/** The resources of a kustomization on their way, with the transformer configuration met so far. */
export interface Accumulation {
  resources: Res[];
  config: TransformerConfig;
  findings: EngineFinding[];
  ok: boolean;
  /** The kustomization asks for kustomize's origin annotations (buildMetadata). */
  originAnnotations?: boolean;
}

/** What accumulating needs from the engine: files, and sub-directories (cached there). */
export interface AccumulateHost {
  index: DirectoryQueries;
  files: YamlReader;
  /** The objects of a manifest file as resources (cached by the engine: they never change). */
  fileResources(path: string): {
    resources: readonly Res[];
    findings: EngineFinding[];
    ok: boolean;
  };
  /** A directory as a Kustomization (a fresh accumulation) or a Component (added to `into`). */
  directory(
    dir: string,
    stack: readonly string[],
    kind: 'Kustomization' | 'Component',
    into?: Accumulation,
    /** The `resources` or `components` entry that names it. */
    usedAt?: SourceLocation,
  ): Accumulation;
}

export const emptyAccumulation = (): Accumulation => ({
  resources: [],
  config: defaultTransformerConfig,
  findings: [],
  ok: true,
});

const isRemote = (entry: string) =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
  /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
  entry.startsWith('git@') ||
  entry.includes('?ref=');

const transformerFields = [
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'replacements',
] as const;

/** Whether a kustomization transforms anything (most list resources only). */
const hasTransformers = (t: KustTarget) =>
  t.patches.length > 0 ||
  t.patchesStrategicMerge.length > 0 ||
  t.patchesJson6902.length > 0 ||
  t.namespace !== undefined ||
  t.namePrefix !== undefined ||
  t.nameSuffix !== undefined ||
  (t.transformers?.length ?? 0) > 0 ||
  transformerFields.some(f => t.spec[f] !== undefined);

/**
 * kustomize's accumulateTarget: resources (files and directories, each
 * directory built on its own), the `configurations:` files, the
 * generators, the components (which transform everything so far), then the
 * transformers in kustomize's order: patchesStrategicMerge, patches,
 * namespace, namePrefix, nameSuffix, labels and commonLabels,
 * commonAnnotations, patchesJson6902. Name-suffix hashes and name
 * references are left to the end of the whole build.
 */
export function accumulateTarget(
  target: KustTarget,
  stack: readonly string[],
  host: AccumulateHost,
  into?: Accumulation,
): Accumulation {
  const acc: Accumulation = into
    ? { ...into, resources: [...into.resources], findings: [...into.findings] }
    : emptyAccumulation();
  const { fields, dir } = target;
  const fail = (message: string, location: SourceLocation) => {
    acc.findings.push(finding('kustomize-error', 'error', message, location));
    acc.ok = false;
  };
  const conflict =
    (entry: { location: SourceLocation }) => (added: Res, existing: Res) =>
      fail(
        `adds ${describeRes(added)} (from ${
          added.source.file
        }) a second time; kustomize fails with "may not add resource with an already registered id" (first from ${
          existing.source.file
        })`,
        // no kustomization file to point at (Flux generates it): the object added again
        target.file === undefined
          ? locate({ source: added.source }, ['metadata', 'name'])
          : entry.location,
      );

  const known = idsOf(acc.resources);
  for (const entry of target.resources) {
    const { path } = entry;
    if (isRemote(path)) {
      const holdsNone = projectManifest(path);
      acc.findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `refers to the remote resource ${path}, which this engine does not fetch${
            holdsNone
              ? ` (${holdsNone}: none of the cluster's ClusterMesh objects)`
              : ''
          }`,
          entry.location,
        ),
        ...(holdsNone ? { holdsNoMeshObjects: true } : { remoteUrl: path }),
      });
      continue;
    }
    const full = joinPath(dir, path);
    if (full === undefined) {
      fail(`refers to ${path}, outside the repository`, entry.location);
    } else if (host.index.isFile(full)) {
      const built = host.fileResources(full);
      if (built.findings.length) acc.findings.push(...built.findings);
      acc.ok &&= built.ok;
      appendAll(acc.resources, built.resources, conflict(entry), known);
    } else if (host.index.isDir(full)) {
      const sub = host.directory(
        full,
        [...stack, dir],
        'Kustomization',
        undefined,
        entry.location,
      );
      if (sub.findings.length) acc.findings.push(...sub.findings);
      acc.ok &&= sub.ok;
      appendAll(acc.resources, sub.resources, conflict(entry), known);
      acc.config = mergeConfig(acc.config, sub.config);
    } else {
      fail(`refers to ${path}, which does not exist (${full})`, entry.location);
    }
  }

  fields.strings(target.spec, ['configurations']).forEach((path, i) => {
    const location = fields.at(['configurations', i]);
    const full = joinPath(dir, path);
    const read = full === undefined ? undefined : host.files.read(full);
    if (!read || read.problems.length) {
      fail(
        `reads the configuration ${path}, which ${
          read?.problems[0]?.message === 'does not exist' || !read
            ? 'does not exist'
            : `cannot be read: ${read.problems[0].message}`
        }`,
        location,
      );
      return;
    }
    for (const doc of read.documents) {
      const parsed = parseTransformerConfig(doc.value, message =>
        fail(`the configuration ${path} ${message}`, {
          file: doc.file,
          line: doc.line,
        }),
      );
      acc.config = mergeConfig(acc.config, parsed);
    }
  });

  if (target.spec.configMapGenerator || target.spec.secretGenerator) {
    const generated = runGenerators(
      target.spec,
      dir,
      target.file,
      { read: p => host.index.tree.read(p), isDir: p => host.index.isDir(p) },
      fields,
    );
    const incomplete = acc.findings.some(
      f => f.code === 'not-evaluated' && f.severity !== 'info',
    );
    absorbGenerated(
      acc.resources,
      generated,
      (res, message) => fail(message, res.generatedAt ?? fields.at([])),
      incomplete
        ? (res, message) =>
            acc.findings.push({
              ...finding(
                'not-evaluated',
                'warning',
                message,
                res.generatedAt ?? fields.at([]),
              ),
              mayChange: true,
              // only that object's keys are not known: it matters where a
              // check reads it (a substituteFrom, a valuesFrom)
              onlyDataOf: { kind: kindOf(res), name: nameOf(res) },
            })
        : undefined,
    );
  } else if (target.spec.generatorOptions !== undefined) {
    runGenerators(
      target.spec,
      dir,
      target.file,
      { read: () => undefined, isDir: () => false },
      fields,
    );
  }

  for (const entry of target.components) {
    const { path } = entry;
    if (isRemote(path)) {
      acc.findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `refers to the remote component ${path}, which this engine does not fetch`,
          entry.location,
        ),
        // a component patches what the build already holds
        mayChange: true,
        remoteUrl: path,
      });
      continue;
    }
    const full = joinPath(dir, path);
    if (full === undefined || !host.index.isDir(full)) {
      fail(
        `refers to the component ${path}, which is not a directory of the repository`,
        entry.location,
      );
      continue;
    }
    const result = host.directory(
      full,
      [...stack, dir],
      'Component',
      acc,
      entry.location,
    );
    acc.resources = result.resources;
    acc.config = result.config;
    acc.findings = result.findings;
    acc.ok &&= result.ok;
  }

  if (hasTransformers(target)) runTransformers(target, acc, host.files);
  if (!into) acc.originAnnotations = target.originAnnotations;
  acc.findings.push(...fields.findings);
  acc.ok &&= fields.ok;
  return acc;
}

function load(
  sources: readonly PatchSource[],
  acc: Accumulation,
): LoadedPatch[] {
  const before = acc.findings.length;
  const loaded = sources.flatMap(s => loadPatch(s, acc.findings) ?? []);
  if (acc.findings.length > before) acc.ok = false;
  return loaded;
}

function runTransformers(
  target: KustTarget,
  acc: Accumulation,
  files: YamlReader,
) {
  const { fields, spec } = target;
  const problem = (location: SourceLocation) => (res: Res, message: string) => {
    acc.findings.push(
      finding(
        'kustomize-error',
        'error',
        `${message}; kustomize fails`,
        location,
      ),
    );
    acc.ok = false;
    void res;
  };
  const patch = (patches: LoadedPatch[]) => {
    const applied = applyPatches(
      acc.resources,
      patches,
      acc.findings,
      acc.findings.some(
        f => f.code === 'not-evaluated' && f.severity !== 'info',
      ),
    );
    acc.resources = applied.resources;
    acc.ok &&= applied.ok;
  };
  const psm = load(target.patchesStrategicMerge, acc);
  const patches = load(target.patches, acc);
  const pj = load(target.patchesJson6902, acc);
  patch(psm);
  patch(patches);
  const { config } = acc;
  if (target.namespace)
    acc.resources = setNamespace(
      acc.resources,
      target.namespace.value,
      config.namespace,
      problem(target.namespace.location),
    );
  if (target.namePrefix)
    acc.resources = addNameAffix(
      acc.resources,
      target.namePrefix.value,
      'prefix',
      config.namePrefix,
      problem(target.namePrefix.location),
    );
  if (target.nameSuffix)
    acc.resources = addNameAffix(
      acc.resources,
      target.nameSuffix.value,
      'suffix',
      config.nameSuffix,
      problem(target.nameSuffix.location),
    );

  const commonLabels = fields.stringMap(spec, ['commonLabels']);
  for (const { value, index } of fields.records(spec, ['labels'])) {
    const root = { labels: { [index]: value } };
    const path = ['labels', index];
    const pairs = fields.stringMap(root, [...path, 'pairs']);
    let specs: FieldSpec[] = mergeFieldSpecs(
      customSpecs(fields, root, [...path, 'fields']),
      config.labels,
    );
    if (fields.bool(root, [...path, 'includeSelectors']))
      specs = mergeFieldSpecs(specs, config.commonLabels);
    else {
      if (fields.bool(root, [...path, 'includeTemplates']))
        specs = mergeFieldSpecs(specs, config.templateLabels);
      specs = mergeFieldSpecs(specs, [
        { path: 'metadata/labels', create: true },
      ]);
    }
    acc.resources = addEntries(
      acc.resources,
      pairs,
      specs,
      problem(fields.at(path)),
    );
  }
  acc.resources = addEntries(
    acc.resources,
    commonLabels,
    config.commonLabels,
    problem(fields.at(['commonLabels'])),
  );
  const annotations = fields.stringMap(spec, ['commonAnnotations']);
  acc.resources = addEntries(
    acc.resources,
    annotations,
    config.commonAnnotations,
    problem(fields.at(['commonAnnotations'])),
  );
  patch(pj);
  // images and replicas run here in kustomize; they are reported as not evaluated
  if (spec.replacements !== undefined) {
    const replacements = readReplacements(fields, spec, target.dir, files);
    acc.resources = applyReplacements(
      acc.resources,
      replacements,
      (r, message) => {
        acc.findings.push(
          finding(
            'kustomize-error',
            'error',
            `the replacement ${message}; kustomize fails`,
            r.location,
          ),
        );
        acc.ok = false;
      },
    );
  }
  // the `transformers` field runs after every builtin field's transformer
  for (const t of target.transformers ?? [])
    acc.resources =
      t.kind === 'namespace'
        ? setNamespace(
            acc.resources,
            t.namespace,
            t.specs,
            problem(t.location),
            {
              unsetOnly: t.unsetOnly,
              subjects: t.subjects,
            },
          )
        : addEntries(acc.resources, t.entries, t.specs, problem(t.location));
}

function customSpecs(
  fields: KustTarget['fields'],
  root: unknown,
  path: (string | number)[],
): FieldSpec[] {
  return fields.records(root, path).flatMap(({ value, index }) => {
    if (typeof value.path !== 'string') {
      fields.error('is a field spec without a path', [...path, index]);
      return [];
    }
    const spec: FieldSpec = { path: value.path };
    for (const key of ['kind', 'group', 'version'] as const)
      if (typeof value[key] === 'string' && value[key]) spec[key] = value[key];
    if (value.create === true) spec.create = true;
    return [spec];
  });
}

/**
 * What a remote resource is when it is another project's manifests, not
 * the settings, pool or DNSEndpoint of one of this repository's clusters: a
 * release asset, or one file at a version tag or of CRDs (an operator's
 * `manifests/crd.yaml` at `v1.1.2`). Undefined for anything else (a remote
 * base may be a platform repository's, holding such objects).
 */
function projectManifest(url: string): string | undefined {
  if (/^https?:\/\/[^/]+\/[^/]+\/[^/]+\/releases\/download\//.test(url))
    return "a project's release manifest";
  const path = url.replace(/[?#].*$/, '');
  if (!/\.(ya?ml|json)$/i.test(path)) return undefined;
  if (/(^|[/_.-])crds?([/_.-]|$)/i.test(path))
    return "a project's custom resource definitions";
  if (/\/v\d+\.\d+(\.\d+)?[^/]*\//.test(path))
    return "a project's manifest at a release tag";
  return undefined;
}
