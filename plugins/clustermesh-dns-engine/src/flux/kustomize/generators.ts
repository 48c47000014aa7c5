import type { ObjectSource } from '../../core/manifest';
import { defineOwn } from '../../core/paths';
import { joinPath } from '../../tree/RepoTree';
import { setLineTable } from '../../yaml/lines';
import { FieldReader } from './kustomizationFields';
import {
  base64Lines,
  KvPair,
  pairBytes,
  pairOfText,
  parseEnvFile,
  parseFileSource,
  parseLiteral,
  utf8Text,
} from './kvSources';
import { GeneratorBehavior, NONE, Res } from './resource';

/** What a generator reads files with. */
export interface GeneratorFiles {
  read(path: string): Uint8Array | undefined;
  isDir(path: string): boolean;
}

interface Options {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  disableNameSuffixHash: boolean;
  immutable: boolean;
}

type Kind = 'ConfigMap' | 'Secret';
const FIELD: Record<Kind, string> = {
  ConfigMap: 'configMapGenerator',
  Secret: 'secretGenerator',
};

/**
 * kustomize's ConfigMap and Secret generators of one kustomization, in its
 * order (every configMapGenerator entry, then every secretGenerator entry),
 * each with `generatorOptions` merged into its own `options` (own labels
 * and annotations win; either true flag sets it).
 */
export function runGenerators(
  spec: Record<string, any>,
  dir: string,
  kustomizationFile: string | undefined,
  files: GeneratorFiles,
  fields: FieldReader,
): Res[] {
  const globalOptions = readOptions(fields, spec, ['generatorOptions']);
  const out: Res[] = [];
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    for (const { value, index } of fields.records(spec, [FIELD[kind]])) {
      const made = generate(
        kind,
        value,
        [FIELD[kind], index],
        globalOptions,
        dir,
        kustomizationFile,
        files,
        fields,
      );
      if (made) out.push(made);
    }
  }
  return out;
}

function readOptions(
  fields: FieldReader,
  container: unknown,
  path: (string | number)[],
): Options {
  return {
    labels: fields.stringMap(container, [...path, 'labels']),
    annotations: fields.stringMap(container, [...path, 'annotations']),
    disableNameSuffixHash: fields.bool(container, [
      ...path,
      'disableNameSuffixHash',
    ]),
    immutable: fields.bool(container, [...path, 'immutable']),
  };
}

function generate(
  kind: Kind,
  entry: Record<string, any>,
  at: (string | number)[],
  global: Options,
  dir: string,
  kustomizationFile: string | undefined,
  files: GeneratorFiles,
  fields: FieldReader,
): Res | undefined {
  const root = { [at[0]]: { [at[1]]: entry } };
  const name = fields.string(root, [...at, 'name']);
  const namespace = fields.string(root, [...at, 'namespace']);
  const behavior = fields.string(root, [...at, 'behavior']);
  const type =
    kind === 'Secret' ? fields.string(root, [...at, 'type']) : undefined;
  const local = readOptions(fields, root, [...at, 'options']);
  const options: Options = {
    labels: { ...global.labels, ...local.labels },
    annotations: { ...global.annotations, ...local.annotations },
    disableNameSuffixHash:
      local.disableNameSuffixHash || global.disableNameSuffixHash,
    immutable: local.immutable || global.immutable,
  };
  const where = fields.at(at);
  if (!name) {
    fields.error(
      `a ${kind} generator has no name; kustomize fails ("a configmap must have a name")`,
      at,
    );
    return undefined;
  }
  // kustomize reads envs (the singular env last), then literals, then files
  const pairs: { pair: KvPair; file?: string; path: (string | number)[] }[] =
    [];
  const envs = fields
    .strings(root, [...at, 'envs'])
    .map((p, i) => ({ p, path: [...at, 'envs', i] }));
  const env = fields.string(root, [...at, 'env']);
  if (env) envs.push({ p: env, path: [...at, 'env'] });
  // kustomize fetches a URL here; this engine reads the repository only
  // (said once per generator: a dashboards generator reads dozens)
  const remote: { url: string; path: (string | number)[] }[] = [];
  // the first source not read: keys of the object may be missing for it
  let unread: string | undefined;
  const readSource = (relative: string, path: (string | number)[]) => {
    if (/^https?:\/\//.test(relative)) {
      remote.push({ url: relative, path });
      unread ??= `reads ${relative}, which this engine does not fetch`;
      return undefined;
    }
    const file = joinPath(dir, relative);
    const bytes = file === undefined ? undefined : files.read(file);
    if (file === undefined || !bytes) {
      const problem =
        file !== undefined && files.isDir(file)
          ? `reads ${relative}, which is a directory; kustomize reads files only`
          : `reads ${relative}, which does not exist${
              file ? ` (${file})` : ''
            }`;
      fields.error(`the ${kind} generator ${name} ${problem}`, path);
      unread ??= problem;
      return undefined;
    }
    return { file, bytes };
  };
  for (const { p, path } of envs) {
    const read = readSource(p, path);
    if (!read) continue;
    const parsed = parseEnvFile(read.bytes);
    if ('error' in parsed)
      fields.errorAt(
        `the env file of the ${kind} generator ${name} ${parsed.error}; kustomize fails`,
        { file: read.file, line: parsed.line },
      );
    else
      for (const pair of parsed.pairs)
        pairs.push({ pair, file: read.file, path });
  }
  fields.strings(root, [...at, 'literals']).forEach((literal, i) => {
    const parsed = parseLiteral(literal);
    if ('error' in parsed)
      fields.error(`${parsed.error} in the ${kind} generator ${name}`, [
        ...at,
        'literals',
        i,
      ]);
    else
      pairs.push({
        pair: pairOfText(parsed.key, parsed.value),
        path: [...at, 'literals', i],
      });
  });
  const keyFiles: Record<string, string> = {};
  fields.strings(root, [...at, 'files']).forEach((source, i) => {
    const path = [...at, 'files', i];
    const parsed = parseFileSource(source);
    if ('error' in parsed)
      return fields.error(
        `${parsed.error} in the ${kind} generator ${name}`,
        path,
      );
    const read = readSource(parsed.path, path);
    if (read) {
      pairs.push({
        pair: {
          key: parsed.key,
          text: utf8Text(read.bytes),
          bytes: read.bytes,
        },
        path,
      });
      keyFiles[parsed.key] = read.file;
    }
    return undefined;
  });
  if (remote.length === 1)
    fields.notEvaluated(
      `the ${kind} generator ${name} reads ${remote[0].url}, which this engine does not fetch; that key is not evaluated`,
      remote[0].path,
      'warning',
      true,
      { kind, name },
    );
  else if (remote.length > 1)
    fields.notEvaluated(
      `the ${kind} generator ${name} reads ${remote.length} URLs (${
        remote[0].url
      } and ${
        remote.length - 1
      } more), which this engine does not fetch; those keys are not evaluated`,
      remote[0].path,
      'warning',
      true,
      { kind, name },
    );
  const seen = new Set<string>();
  for (const { pair, path } of pairs) {
    if (seen.has(pair.key))
      fields.error(
        `the ${kind} generator ${name} has the key "${pair.key}" twice; kustomize fails ("illegally repeats the key")`,
        path,
      );
    seen.add(pair.key);
  }

  const body: Record<string, any> = {
    apiVersion: 'v1',
    kind,
    metadata: metadataOf(name, namespace, options),
  };
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const lineOfKey = new Map<string, number>();
  const byKey = (a: { pair: KvPair }, b: { pair: KvPair }) => {
    if (a.pair.key === b.pair.key) return 0;
    return a.pair.key < b.pair.key ? -1 : 1;
  };
  const sorted = [...pairs].sort(byKey);
  const singleFile =
    pairs.length > 0 && pairs.every(p => p.file && p.file === pairs[0].file)
      ? pairs[0].file
      : undefined;
  for (const { pair, path } of sorted) {
    if (kind === 'Secret')
      defineOwn(data, pair.key, base64Lines(pairBytes(pair)));
    else if (pair.text !== undefined) defineOwn(data, pair.key, pair.text);
    else {
      defineOwn(binaryData, pair.key, base64Lines(pairBytes(pair)));
      continue;
    }
    lineOfKey.set(pair.key, singleFile ? pair.line ?? 1 : fields.at(path).line);
  }
  const keyLines = Object.keys(data).map(k => lineOfKey.get(k) ?? where.line);
  if (kind === 'Secret') {
    body.type = type || 'Opaque';
    body.data = data;
  } else if (Object.keys(data).length) body.data = data;
  if (Object.keys(binaryData).length) body.binaryData = binaryData;
  if (options.immutable) body.immutable = true;

  // the source points each data key at the line it came from, and the
  // data itself at the first of them in the one file they all come from
  // (else at the generator)
  const firstLine = singleFile
    ? Math.min(...pairs.map(p => p.pair.line ?? 1))
    : where.line;
  const sourceRoot = { data };
  setLineTable(sourceRoot, [firstLine]);
  setLineTable(data, keyLines);
  const source: ObjectSource = {
    file: singleFile ?? kustomizationFile ?? where.file,
    index: -1,
    line: firstLine,
    root: sourceRoot,
  };
  if (kind === 'ConfigMap' && Object.keys(keyFiles).length)
    source.keyFiles = keyFiles;
  if (unread) source.unread = `the ${kind} generator ${name} ${unread}`;
  return {
    body,
    source,
    prevIds: NONE,
    prefixes: NONE,
    suffixes: NONE,
    hashSuffix: !options.disableNameSuffixHash,
    behavior: behaviorOf(behavior),
    generatedAt: where,
    origin: {
      configuredIn: kustomizationFile ?? where.file,
      generator: `${kind}Generator`,
    },
  };
}

function metadataOf(
  name: string,
  namespace: string | undefined,
  options: Options,
): Record<string, any> {
  const metadata: Record<string, any> = { name };
  if (namespace) metadata.namespace = namespace;
  if (Object.keys(options.labels).length) metadata.labels = options.labels;
  if (Object.keys(options.annotations).length)
    metadata.annotations = options.annotations;
  return metadata;
}

/** Anything but create, replace or merge is kustomize's "unspecified" (create when new, else an error). */
function behaviorOf(value: string | undefined): GeneratorBehavior | undefined {
  return value === 'create' || value === 'replace' || value === 'merge'
    ? value
    : undefined;
}
