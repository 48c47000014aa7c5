import type { ObjectSource } from '../../core/manifest';
import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineCache } from '../../cache/EngineCache';
import { getPath, isRecord } from '../../core/paths';
import type { ObjectPath } from '../../core/paths';
import { containsBytes, utf8 } from '../../tree/bytes';
import type { RepoTree } from '../../tree/RepoTree';
import { utf16EncodingOf, readTextFile } from '../../yaml/decode';
import { defaultYamlReadLimits } from '../../yaml/documents';
import { locate } from '../../yaml/locate';
import { pointerKeys } from '../../flux/kustomize/jsonPatch';
import { literal } from '../../core/text';

/** One YAML document of the repository that detection looks at. */
export interface ScannedDocument {
  file: string;
  value: Record<string, any>;
  /** File and line of a field of the document. */
  at(path?: ObjectPath): SourceLocation;
  /** A string field as written before Flux's substitution, where substitution changed it (a rendered object's). */
  written?(path: ObjectPath): string | undefined;
  /** Where the document is, as a manifest's source (a document of a file, not a patch's operation). */
  source?: ObjectSource;
}

/**
 * The YAML documents (maps) of the files that mention one of the needles;
 * only those files are parsed, through the shared cache, so the render
 * that follows reads them for free. Files in hidden folders (`.archive`,
 * `.github`) are not what the clusters run.
 */
export function* scanDocuments(
  tree: RepoTree,
  cache: EngineCache,
  needles: readonly string[],
  options: {
    /**
     * Also the Helm values JSON 6902 patch files write (`op: add` or
     * `replace` at `/spec/values` or below), each as a HelmRelease
     * document holding them: an overlay that replaces a shared release's
     * values reads like a release of its own.
     */
    valuesPatches?: boolean;
  } = {},
): Generator<ScannedDocument> {
  const files = cache.yamlFiles(tree);
  const encoded = needles.map(utf8);
  // what Flux builds: without the files a `.sourceignore` leaves out
  for (const file of cache.treeIndex(tree).paths()) {
    if (!/\.ya?ml$/.test(file) || /(?:^|\/)\./.test(file)) continue;
    const bytes = tree.read(file);
    if (!bytes || bytes.byteLength > defaultYamlReadLimits.maxFileBytes)
      continue;
    if (!encoded.some(n => containsBytes(bytes, n)) && !utf16EncodingOf(bytes))
      continue;
    for (const doc of files.read(file).documents) {
      const value = doc.value;
      const source = { file, index: doc.index, line: doc.line, root: value };
      if (isRecord(value))
        yield {
          file,
          value,
          at: (path = []) => locate({ source }, path),
          source,
        };
      else if (options.valuesPatches && Array.isArray(value))
        yield* valuesPatchDocuments(file, value, source);
    }
  }
}

/** The values a JSON 6902 patch's operations write into `spec.values`, as HelmRelease documents. */
function* valuesPatchDocuments(
  file: string,
  ops: unknown[],
  source: { file: string; index: number; line: number; root: unknown },
): Generator<ScannedDocument> {
  for (const [i, op] of ops.entries()) {
    if (
      !isRecord(op) ||
      (op.op !== 'add' && op.op !== 'replace') ||
      typeof op.path !== 'string' ||
      !/^\/spec\/values(\/|$)/.test(op.path)
    )
      continue;
    const under = pointerKeys(op.path).slice(2);
    let values: unknown = op.value;
    for (const key of [...under].reverse()) values = { [key]: values };
    if (!isRecord(values)) continue;
    yield {
      file,
      value: { kind: 'HelmRelease', spec: { values } },
      // a path of the release: the operation's value holds what is below its own path
      at: (path = []) =>
        locate({ source }, [i, 'value', ...path.slice(2 + under.length)]),
    };
  }
}

/** Documentation: what a repository says about itself, which no controller reads. */
const documentation = /\.(?:md|mdx|markdown|txt|rst|adoc|html?)$/i;

/**
 * Whether any file a controller or a bootstrap may read (manifests, env
 * files, Terraform, scripts) mentions a text; documentation that quotes
 * `${SECRET_DOMAIN}` or a Flux apiVersion does not count.
 */
export function mentioned(
  tree: RepoTree,
  cache: EngineCache,
  text: string,
  options: {
    /** A line commented out with `#` (an example kept for later) does not count. */
    uncommented?: boolean;
    /** Files whose mentions do not count (what no cluster builds: an `archive/`). */
    leftBehind?: (file: string) => boolean;
  } = {},
): boolean {
  const needle = utf8(text);
  // a variable's name is mentioned as a whole word: SECRET_DOMAIN is not
  // in HOMEPAGE_VAR_SECRET_DOMAIN_NAME
  const word = /^[A-Za-z_][A-Za-z0-9_]*$/.test(text)
    ? new RegExp(`(?<![A-Za-z0-9_])${text}(?![A-Za-z0-9_])`)
    : undefined;
  const holds = (line: string) =>
    word ? word.test(line) : line.includes(text);
  for (const file of cache.treeIndex(tree).paths()) {
    if (documentation.test(file) || options.leftBehind?.(file)) continue;
    const bytes = tree.read(file);
    if (!bytes || !containsBytes(bytes, needle)) continue;
    if (!options.uncommented && !word) return true;
    const content = readTextFile(tree, file);
    if (
      content
        ?.split('\n')
        .some(
          line =>
            holds(line) &&
            (!options.uncommented || !line.trimStart().startsWith('#')),
        )
    )
      return true;
  }
  return false;
}

/** `file:line` for a reason. */
export const where = (l: SourceLocation) => `${l.file}:${l.line}`;

/**
 * Whether a file is in a folder kept for the record (`archive/`,
 * `.archive/`, `kube_old/`, `deprecated/`, a copy left as
 * `kubernetes.orig/` or `apps.bak/`): what the clusters ran once, unless a
 * Kustomization reaches it.
 */
export const inRecordFolder = (file: string) =>
  /(^|\/)([._]?(archive[sd]?|old|[a-z0-9]+_old|deprecated|legacy)|[^/]+\.(orig|bak|old|backup))\//i.test(
    file,
  );

export { literal };

/** A scanned document that is a Flux Kustomization. */
export const isFluxKustomization = (v: Record<string, any>) =>
  v.kind === 'Kustomization' &&
  typeof v.apiVersion === 'string' &&
  v.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');

/** A literal value the repository gives a Flux variable, and where. */
export interface VariableDefinition {
  value: string;
  location: SourceLocation;
}

/**
 * The literal values the repository gives a Flux variable: a key of a
 * ConfigMap's or Secret's data (a substitution source), or of a Flux
 * Kustomization's `postBuild.substitute`.
 */
export function variableDefinitions(
  tree: RepoTree,
  cache: EngineCache,
  name: string,
): VariableDefinition[] {
  const out: VariableDefinition[] = [];
  for (const doc of scanDocuments(tree, cache, [`${name}:`])) {
    const v = doc.value;
    const holders: ObjectPath[] = isFluxKustomization(v)
      ? [['spec', 'postBuild', 'substitute']]
      : [];
    if (v.kind === 'ConfigMap' || v.kind === 'Secret')
      holders.push(['data'], ['stringData']);
    for (const path of holders) {
      const held = literal(getPath(v, [...path, name]));
      if (held) out.push({ value: held, location: doc.at([...path, name]) });
    }
  }
  return out;
}
