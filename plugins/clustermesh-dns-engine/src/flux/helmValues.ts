import {
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { finding, EngineFinding } from '../core/finding';
import { getPath, isRecord, ObjectPath } from '../core/paths';
import type { YamlDocument } from '../yaml/documents';
import type { YamlFiles } from '../yaml/files';
import { lineAtPath } from '../yaml/lines';
import { locate } from '../yaml/locate';
import type { ManifestObject } from '../core/manifest';
import type { SubstitutedObject } from './substitute';

/** Helm values merged as helm-controller merges them, with the line of every value. @public */
export interface HelmValues {
  values: Record<string, any>;
  /** File and line of a values path (or of its nearest existing parent). */
  locate(path: ObjectPath): SourceLocation;
  /**
   * Sources of values that were not read (a Secret's, or a key that
   * depends on a value not known here): the values may say more than
   * `values` does.
   */
  unread: string[];
}

/** A `valuesFrom` entry naming a ConfigMap or Secret, with its defaults. @internal */
export interface ValuesReference {
  /** Its index in `spec.valuesFrom`. */
  index: number;
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** `valuesKey`, `values.yaml` by default. */
  valuesKey: string;
  targetPath?: string;
  optional: boolean;
}

/**
 * The `valuesFrom` entries of a HelmRelease's spec that name a ConfigMap or
 * Secret (the kinds helm-controller reads), in order.
 *
 * @internal
 */
export function valuesReferences(spec: unknown): ValuesReference[] {
  const list = isRecord(spec) ? spec.valuesFrom : undefined;
  if (!Array.isArray(list)) return [];
  const out: ValuesReference[] = [];
  list.forEach((ref: unknown, index) => {
    if (
      !isRecord(ref) ||
      (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') ||
      typeof ref.name !== 'string'
    )
      return;
    out.push({
      index,
      kind: ref.kind,
      name: ref.name,
      valuesKey:
        typeof ref.valuesKey === 'string' ? ref.valuesKey : 'values.yaml',
      ...(typeof ref.targetPath === 'string' && { targetPath: ref.targetPath }),
      optional: ref.optional === true,
    });
  });
  return out;
}

/** One source of values: `valuesFrom` entries in order, then `spec.values`. */
interface ValuesLayer {
  values: Record<string, any>;
  locate(path: ObjectPath): SourceLocation;
}

/** helm-controller's merge: maps merge key by key, everything else is replaced. */
function mergeValues(base: any, over: any): any {
  if (!isRecord(base) || !isRecord(over)) return over;
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = k in out ? mergeValues(out[k], v) : v;
  return out;
}

function layered(
  layers: ValuesLayer[],
  file: string,
  unread: string[] = [],
): HelmValues {
  const values = layers.reduce(
    (acc, l) => mergeValues(acc, l.values),
    {} as Record<string, any>,
  );
  return {
    values,
    unread,
    locate(path) {
      for (let i = layers.length - 1; i >= 0; i--) {
        if (getPath(layers[i].values, path) !== undefined)
          return layers[i].locate(path);
      }
      // the nearest existing parent, in the last layer that has one
      for (let depth = path.length - 1; depth > 0; depth--) {
        for (let i = layers.length - 1; i >= 0; i--) {
          if (getPath(layers[i].values, path.slice(0, depth)) !== undefined)
            return layers[i].locate(path.slice(0, depth));
        }
      }
      // no parent anywhere: the layer that holds most of the values, where
      // the owner keeps them (mrtbi's values.yaml a generator makes the
      // ConfigMap of, not a few spec.values beside it); the last of a tie
      let most: ValuesLayer | undefined;
      for (const l of layers)
        if (
          !most ||
          Object.keys(l.values).length >= Object.keys(most.values).length
        )
          most = l;
      return most ? most.locate([]) : { file, line: 1 };
    },
  };
}

function documentLayer(doc: YamlDocument, lineOffset: number): ValuesLayer {
  return {
    values: isRecord(doc.value) ? doc.value : {},
    locate(path) {
      return {
        file: doc.file,
        line: (lineAtPath(doc.value, path) ?? doc.line) + lineOffset,
      };
    },
  };
}

/**
 * The values of a HelmRelease as helm-controller computes them for one
 * cluster: each `valuesFrom` entry (ConfigMap keys parsed as YAML, or a
 * `targetPath` value), then `spec.values` over them. What helm-controller
 * would fail on, or what is not read (Secret values), becomes a finding.
 *
 * @public
 */
export function helmReleaseValues(
  object: ManifestObject,
  /** The namespace it lands in (its own, or its Kustomization's). */
  namespace: string,
  /** The cluster's object of that kind, name and namespace: a render's, or one build's. */
  lookup: (
    kind: string,
    name: string,
    namespace: string,
  ) => ManifestObject | undefined,
  files: YamlFiles,
  cluster?: string,
  /**
   * The name under which the cluster applies a generated object of that
   * kind, name and namespace with a content hash (`name-<hash>`), if it does.
   */
  hashedName?: (
    kind: string,
    name: string,
    namespace: string,
  ) => string | undefined,
  /**
   * The files of the repository that define an object of that kind and
   * name: none, and a source the cluster does not apply is made outside
   * the repository (by hand, a script, a bootstrap), or missing.
   */
  definitionsOf?: (kind: string, name: string) => readonly string[],
): { values: HelmValues; findings: EngineFinding[] } {
  const findings: EngineFinding[] = [];
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const layers: ValuesLayer[] = [];
  const unread: string[] = [];
  /** Each Secret read, with the paths (or keys) it gives, and its finding. */
  const secretEntries = new Map<string, string[]>();
  const secretFindings = new Map<string, number>();
  valuesReferences(spec).forEach(ref => {
    const where = locate(object, ['spec', 'valuesFrom', ref.index]);
    const key = ref.valuesKey;
    // a name or key made of a value not known here cannot be looked up
    const unknown = unknownVariables(`${ref.name} ${key}`);
    if (unknown.length) {
      unread.push(
        `${ref.kind} ${ref.name} key ${key} (it depends on ${unknown.join(
          ', ',
        )})`,
      );
      findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `HelmRelease ${namespace}/${object.name} takes values from ${
            ref.kind
          } ${ref.name} key ${key}, which depend on ${unknown.join(
            ', ',
          )}, not known here; those values are not read`,
          where,
          cluster,
        ),
        mayChange: true,
        valuesOf: `${namespace}/${object.name}`,
      });
      return;
    }
    const found = lookup(ref.kind, ref.name, namespace);
    // made outside the repository (a script, by hand), as a substitution
    // source no manifest defines is: not read, not a failure known here
    const outside =
      !found &&
      !ref.optional &&
      definitionsOf?.(ref.kind, ref.name).length === 0;
    if (!found && outside && spec.suspend !== true) {
      unread.push(
        `${ref.kind} ${namespace}/${ref.name}, which no manifest of the repository defines`,
      );
      findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `HelmRelease ${namespace}/${object.name} takes values from ${ref.kind} ${namespace}/${ref.name}, which no manifest of the repository defines: made outside it (by hand, a script, a bootstrap) or missing (then helm-controller fails the release); those values are not read`,
          where,
          cluster,
        ),
        mayChange: true,
        valuesOf: `${namespace}/${object.name}`,
      });
      return;
    }
    if (!found && !ref.optional && spec.suspend === true) {
      // helm-controller leaves a suspended release as last released: it
      // fails nothing, and what it runs is not known here
      unread.push(
        `${ref.kind} ${namespace}/${ref.name}, which the cluster does not apply (the release is suspended)`,
      );
      findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `HelmRelease ${namespace}/${object.name} is suspended (spec.suspend): helm-controller leaves it as last released; it takes values from ${ref.kind} ${namespace}/${ref.name}, which nothing in cluster ${cluster} applies (made outside the repository, or to come), so those values are not read`,
          where,
          cluster,
        ),
        mayChange: true,
        valuesOf: `${namespace}/${object.name}`,
      });
      return;
    }
    if (!found) {
      if (!ref.optional) {
        // the release fails: what the cluster runs is its last release's
        // values, not known here
        unread.push(
          `${ref.kind} ${namespace}/${ref.name}, which the cluster does not apply (helm-controller fails the release)`,
        );
        const hashed = hashedName?.(ref.kind, ref.name, namespace);
        findings.push(
          finding(
            'flux-error',
            'error',
            hashed
              ? `HelmRelease ${namespace}/${object.name} takes values from ${ref.kind} ${namespace}/${ref.name}, which cluster ${cluster} applies only as ${hashed}: a generator names it with a content hash, and kustomize does not rename a HelmRelease's valuesFrom (set generatorOptions.disableNameSuffixHash: true, or a configurations nameReference for HelmRelease valuesFrom); helm-controller fails the release`
              : `HelmRelease ${namespace}/${object.name} takes values from ${ref.kind} ${namespace}/${ref.name}, which nothing in cluster ${cluster} applies; helm-controller fails the release`,
            where,
            cluster,
          ),
        );
      }
      return;
    }
    if (ref.kind === 'Secret') {
      // one Secret read for several paths (a certificate, its key) is one cause
      const entry = ref.targetPath ?? `key ${key}`;
      const same = secretEntries.get(ref.name);
      const at = secretFindings.get(ref.name);
      if (same && at !== undefined) {
        same.push(entry);
        const paths = findings[at].valuesPaths;
        findings[at] = {
          ...findings[at],
          valuesPaths:
            paths && ref.targetPath !== undefined
              ? [...paths, targetPathSteps(ref.targetPath)]
              : undefined,
        };
        return;
      }
      secretEntries.set(ref.name, [entry]);
      unread.push(`Secret ${namespace}/${ref.name} (secret values)`);
      secretFindings.set(ref.name, findings.length);
      findings.push({
        ...finding(
          'not-evaluated',
          'warning',
          `HelmRelease ${namespace}/${object.name} takes values from Secret ${namespace}/${ref.name}; secret values are not read`,
          where,
          cluster,
        ),
        mayChange: true,
        valuesOf: `${namespace}/${object.name}`,
        ...(ref.targetPath !== undefined && {
          valuesPaths: [targetPathSteps(ref.targetPath)],
        }),
      });
      return;
    }
    const text = getPath(found.body, ['data', key]);
    if (typeof text !== 'string') {
      if (!ref.optional) {
        findings.push(
          finding(
            'flux-error',
            'error',
            `ConfigMap ${namespace}/${ref.name} has no key ${key}; helm-controller fails the release`,
            where,
            cluster,
          ),
        );
      }
      return;
    }
    const keyLocation = locate(found, ['data', key]);
    if (ref.targetPath !== undefined) {
      layers.push({
        values: targetPathValues(ref.targetPath, text),
        locate: () => keyLocation,
      });
      return;
    }
    // a key a generator read from a file has that file's lines (the text
    // as substituted is parsed); a key written in the ConfigMap starts on
    // the line after its key
    const keyFile = found.source.keyFiles?.[key];
    const parsed = files.parseText(keyFile ?? keyLocation.file, text, 'helm');
    const lineOffset = keyFile ? 0 : keyLocation.line;
    for (const p of parsed.problems) {
      const at = { file: p.file, line: lineOffset + p.line };
      findings.push(
        finding(
          'yaml-invalid',
          'error',
          `the values in ConfigMap ${namespace}/${ref.name} key ${key} ${p.message}`,
          at,
          cluster,
        ),
      );
    }
    // helm-controller fails the release on values it cannot parse: what
    // the cluster runs is not known from them
    if (parsed.problems.length)
      unread.push(
        `ConfigMap ${namespace}/${ref.name} key ${key} (not valid YAML, at ${
          parsed.problems[0].file
        }:${lineOffset + parsed.problems[0].line})`,
      );
    else if (parsed.documents[0])
      layers.push(documentLayer(parsed.documents[0], lineOffset));
  });
  for (const [name, entries] of secretEntries) {
    if (entries.length < 2) continue;
    const at = secretFindings.get(name)!;
    findings[at] = {
      ...findings[at],
      message: `HelmRelease ${namespace}/${
        object.name
      } takes values from Secret ${namespace}/${name} (${
        entries.length
      } entries: ${entries.join(', ')}); secret values are not read`,
    };
  }
  if (isRecord(spec.values)) {
    layers.push({
      values: spec.values,
      locate: path => locate(object, ['spec', 'values', ...path]),
    });
  }
  return { values: layered(layers, object.source.file, unread), findings };
}

/**
 * A HelmRelease's merged values for reading what it deploys, and whether
 * some source was not read (a Secret, a value not known here, or a source
 * the lookup does not find: helm-controller would fail, so what it says is
 * not known).
 *
 * @public
 */
export function releaseValuesRead(
  ...args: Parameters<typeof helmReleaseValues>
): { values: Record<string, any>; unread: boolean } {
  const read = helmReleaseValues(...args);
  return {
    values: read.values.values,
    unread:
      read.values.unread.length > 0 ||
      read.findings.some(f => f.severity === 'error'),
  };
}

/**
 * The values an RKE2 or k3s `HelmChartConfig` gives its chart: its
 * `spec.valuesContent`, Helm values as text (read as Helm reads them), each
 * value at its line in the file.
 *
 * @public
 */
export function helmChartConfigValues(
  object: SubstitutedObject,
  files: YamlFiles,
  cluster: string,
): { values: HelmValues; findings: EngineFinding[] } {
  const text = getPath(object.body, ['spec', 'valuesContent']);
  const at = locate(object, ['spec', 'valuesContent']);
  if (typeof text !== 'string')
    return { values: layered([], object.source.file), findings: [] };
  // a block scalar's text starts on the line after its key
  const parsed = files.parseText(at.file, text, 'helm');
  const findings = parsed.problems.map(p =>
    finding(
      'yaml-invalid',
      'error',
      `the values in ${object.kind} ${object.namespace ?? ''}/${
        object.name
      } spec.valuesContent ${p.message}`,
      { file: at.file, line: at.line + p.line },
      cluster,
    ),
  );
  const doc = parsed.documents[0];
  return {
    values: layered(doc ? [documentLayer(doc, at.line)] : [], at.file),
    findings,
  };
}

/**
 * The values of a plain values file (Cilium installed outside Flux, e.g.
 * by Helmfile or Talos), with its problems as findings.
 *
 * @public
 */
export function valuesFileValues(
  file: string,
  files: YamlFiles,
  cluster: string,
): { values: HelmValues; findings: EngineFinding[] } {
  const read = files.readValues(file);
  const findings = read.problems.map(p =>
    finding(
      'yaml-invalid',
      'error',
      p.message,
      { file: p.file, line: p.line },
      cluster,
    ),
  );
  const doc = read.documents[0];
  return {
    values: layered(doc ? [documentLayer(doc, 0)] : [], file),
    findings,
  };
}

/**
 * The steps of a `valuesFrom` targetPath (`a.b[0].c`, `\.` a dot of a key):
 * keys, and list indexes as numbers.
 *
 * @internal
 */
export function targetPathSteps(targetPath: string): (string | number)[] {
  const steps: (string | number)[] = [];
  let key = '';
  for (let i = 0; i < targetPath.length; i++) {
    const ch = targetPath[i];
    if (ch === '\\' && i + 1 < targetPath.length) key += targetPath[++i];
    else if (ch === '.') {
      if (key) steps.push(key);
      key = '';
    } else if (ch === '[') {
      const end = targetPath.indexOf(']', i);
      const index = Number(targetPath.slice(i + 1, end));
      if (end < 0 || !Number.isInteger(index) || index < 0) {
        key += ch;
        continue;
      }
      if (key) steps.push(key);
      key = '';
      steps.push(index);
      i = end;
    } else key += ch;
  }
  if (key) steps.push(key);
  return steps;
}

/**
 * The values a `valuesFrom` entry with `targetPath` sets, as helm-controller
 * sets them (fluxcd/pkg `ReplacePathValue`, Helm's `--set`): in the path a
 * `.` separates keys, `\.` is a dot of a key, `[n]` an item of a list; the
 * value is typed as `--set` types it (`true`, `false`, `null`, integers not
 * starting with 0), unless it is quoted, which makes it the string inside.
 *
 * @internal
 */
export function targetPathValues(
  targetPath: string,
  text: string,
): Record<string, unknown> {
  const steps = targetPathSteps(targetPath);
  const root: Record<string, unknown> = {};
  let cursor: any = root;
  steps.forEach((step, i) => {
    const following = steps[i + 1];
    let next: unknown = typeof following === 'number' ? [] : {};
    if (i === steps.length - 1) next = setValue(text);
    if (typeof step === 'number')
      // Helm fills the items before the index with null
      while (cursor.length < step) cursor.push(null);
    cursor[step] = next;
    cursor = next;
  });
  return root;
}

/** A `--set` value as Helm types it (strvals `typedVal`); a quoted one is a string. */
function setValue(text: string): unknown {
  if (/^(["']).*\1$/s.test(text) && text.length > 1)
    return text.replace(/^["']+|["']+$/g, '');
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (text === '0') return 0;
  if (/^[+-]?\d+$/.test(text) && text[0] !== '0') {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}
