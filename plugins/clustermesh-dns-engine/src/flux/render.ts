import { isBootstrapScript } from './bootstrapScripts';
import { escapeRegExp, firstFew } from '../core/text';
import type { EngineFinding } from '../core/finding';
import {
  formatLocation,
  type SourceLocation,
  unknownVariables as unknownVariablesIn,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject, ManifestObject, objectKey } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { containsBytes, utf8 } from '../tree/bytes';
import {
  basenamePath,
  clampPath,
  dirnamePath,
  isPathUnder,
  joinPath,
} from '../tree/RepoTree';
import { sourceIgnored } from '../tree/sourceIgnore';
import type { TreeIndex } from '../tree/TreeIndex';
import type { YamlFiles } from '../yaml/files';
import { locate } from '../yaml/locate';
import {
  AppliedTwice,
  ClusterRender,
  FluxRenderOptions,
  isFluxKustomization,
  KustomizationSpec,
  readKustomizationSpec,
  RenderedKustomization,
  SourceSpec,
  SubstituteReference,
  SubstitutionWebhook,
} from './fluxKustomization';
import { BuildResult, KustomizeEngine, KustomizeMemos } from './kustomize';
import { isClusterScopedInCluster } from '../core/manifest';
import { isHashSuffixed } from './kustomize/hash';
import { hasUnresolvedReference, referencedVariables } from './envsubst';
import {
  externalSource,
  everyNamespace,
  replicatedTo,
  madeObject,
  madeSecretName,
  ProvidedSource,
  providedBy,
} from './providedSources';
import { hasSealedIdentity, isSopsEncrypted } from './sops';
import type { SubstitutedObject, SubstitutionProblem } from './substitute';
import type { SubstitutionMemo } from './substitutionMemo';
import { utf16EncodingOf, readTextFile } from '../yaml/decode';
import { lineInLiteralBlock, lineOfReference } from '../yaml/lines';
import { stringMapAt } from './kustomize/immutable';
import { applyJsonPatch, asOperations } from './kustomize/jsonPatch';
import { strategicMerge } from './kustomize/strategicMerge';
import {
  SyncKustomizationPatch,
  syncKustomizationPatches,
} from './fluxInstance';
import { selectorAdmits } from '../k8s/labelSelector';

/**
 * The cause key of a substitution source no manifest of the repository
 * defines (`ConfigMap flux-system/cluster-vars`): what readers of the
 * findings ask whether a source is made outside the repository by.
 *
 * @internal
 */
export const externalSourceCause = (source: string) =>
  `external-source:${source}`;

const storedKey = (kind: string, namespace: string | undefined, name: string) =>
  `${kind}/${namespace ?? ''}/${name}`;

/** A substitution source looked up in a pass, and what was found. */
interface SourceRead {
  kind: string;
  namespace: string;
  name: string;
  seen: StoredSource | undefined;
}

/** What is stored under a key: the object of that namespace, else one made in every namespace. */
const storedAt = (
  map: ReadonlyMap<string, StoredSource>,
  kind: string,
  namespace: string | undefined,
  name: string,
) =>
  map.get(storedKey(kind, namespace, name)) ??
  map.get(storedKey(kind, everyNamespace, name));

/** An object stored in the cluster, or a source another controller provides. */
type StoredSource = ManifestObject | ProvidedSource;

/** The keys a source's definitions hold (undefined: not known); one object per answer, its identity for the substitution memo. */
interface DefinedKeys {
  keys?: string[];
  /** Every definition read is of another namespace's object of that name. */
  elsewhere?: boolean;
}

const isProvided = (s: StoredSource): s is ProvidedSource => 'by' in s;

/** A template of manifests a script renders before applying (`resources.yaml.j2`). */
const manifestTemplate = /\.ya?ml\.(j2|jinja2?|tmpl|tpl|gotmpl)$/;

/** What a stored source holds, to see whether it changed between passes. */
const storedBody = (s: StoredSource) => (isProvided(s) ? s.by : s.body);

/**
 * Stores the sources made in the namespaces a label selector admits (a
 * ClusterExternalSecret's) under each Namespace the cluster applies whose
 * labels it admits (with the `kubernetes.io/metadata.name` label every
 * namespace has); a namespace whose labels are not read here gets none.
 */
function placeBySelector(
  sources: readonly ProvidedSource[],
  stored: Map<string, StoredSource>,
) {
  if (!sources.length) return;
  const namespaces = [...stored.values()].filter(
    (o): o is ManifestObject => !isProvided(o) && o.kind === 'Namespace',
  );
  for (const source of sources)
    for (const namespace of namespaces) {
      const labels = {
        ...stringMapAt(namespace.body, 'metadata', 'labels'),
        'kubernetes.io/metadata.name': namespace.name,
      };
      if (source.namespaceSelectors!.some(s => selectorAdmits(s, labels)))
        stored.set(storedKey(source.kind, namespace.name, source.name), source);
    }
}

/** A source a replicator copies into the namespaces its patterns take. */
interface ReplicatedSource {
  copy: StoredSource;
  kind: string;
  name: string;
  patterns: readonly RegExp[];
}

/**
 * Stores each replicated source under each Namespace the cluster applies
 * whose name one of its patterns takes, where that namespace has no
 * object of its own by that name.
 */
function placeByPattern(
  sources: readonly ReplicatedSource[],
  stored: Map<string, StoredSource>,
) {
  if (!sources.length) return;
  // the cluster's namespaces: those it applies, and those its Flux
  // Kustomizations live in (flux-system, made by Flux's install: carldanley's
  // Secret reflected there from an app's namespace)
  const namespaces = new Set<string>();
  for (const o of stored.values()) {
    if (isProvided(o)) continue;
    if (o.kind === 'Namespace') namespaces.add(o.name);
    else if (isFluxKustomization(o) && o.namespace) namespaces.add(o.namespace);
  }
  for (const { copy, kind, name, patterns } of sources)
    for (const namespace of namespaces) {
      const key = storedKey(kind, namespace, name);
      if (!stored.has(key) && patterns.some(p => p.test(namespace)))
        stored.set(key, copy);
    }
}

/** The files bootstrap scripts apply, by the paths they name. */
interface ScriptPaths {
  /** Files named by their whole path. */
  literal: ReadonlySet<string>;
  /** Paths built from variables (`{{.KUBERNETES_DIR}}/{{.cluster}}/vars.yaml`), as patterns. */
  templated: readonly RegExp[];
  /**
   * The files a `find <folders> -name <glob>` lists for the script to apply
   * (`sops exec-file {{.ITEM}} "kubectl apply …"` over each), as patterns.
   */
  listed: readonly RegExp[];
}

/**
 * Whether what the `find` on a script's line lists is applied: the line
 * applies it (`find … -exec kubectl apply`), a loop over it does in the
 * lines after, or a command applying names the variable it is kept in
 * (a Taskfile's `APPLY_SECRETS: {sh: find …}` with `for: {var:
 * APPLY_SECRETS}`, a shell `FILES=$(find …)`). A `find` for a linter
 * applies nothing.
 */
function findApplies(lines: readonly string[], at: number): boolean {
  const applies = (line: string) => /\bapply\b/.test(line);
  if (applies(lines[at])) return true;
  if (/^\s*for\b/.test(lines[at]))
    return lines.slice(at + 1, at + 6).some(applies);
  const kept =
    /\b(\w+)=["']?\$\(\s*find\b/.exec(lines[at])?.[1] ??
    (/^\s*sh:\s*["']?find\b/.test(lines[at])
      ? /^\s*(\w+):\s*$/.exec(lines[at - 1] ?? '')?.[1]
      : undefined);
  if (!kept) return false;
  const named = new RegExp(`(?<![\\w])${kept}(?![\\w])`);
  return lines.some(
    (line, i) =>
      i !== at &&
      i !== at - 1 &&
      named.test(line) &&
      (applies(line) ||
        // a Taskfile's loop: `for: {var: NAME}` and the `cmd` below it
        (/\bfor\b/.test(line) && lines.slice(i, i + 3).some(applies))),
  );
}

/**
 * Whether the script applies a file its line names: the line applies
 * (`kubectl apply -f x.yaml`, `sops exec-file x.yaml "kubectl apply …"`),
 * a loop over it does in the lines after, or a command applying names the
 * variable it is kept in (`settings=x.yaml` … `kubectl apply -f
 * "$settings"`). A file a script reads (`yq`), copies or tests for is not
 * applied.
 */
function pathApplied(lines: readonly string[], at: number): boolean {
  const applies = (line: string) => /\b(?:apply|create)\b/.test(line);
  if (applies(lines[at])) return true;
  if (/^\s*for\b/.test(lines[at]))
    return lines.slice(at + 1, at + 6).some(applies);
  const kept = /(?:^|[\s;])(?:export\s+|local\s+)?(\w+)\s*(?:=|:\s)/.exec(
    lines[at],
  )?.[1];
  if (!kept) return false;
  const named = new RegExp(`(?<![\\w])${kept}(?![\\w])`);
  return lines.some(
    (line, i) =>
      i !== at &&
      named.test(line) &&
      (applies(line) ||
        (/\bfor\b/.test(line) && lines.slice(i, i + 3).some(applies))),
  );
}

/**
 * The files each `find <folders> … -name <glob>` of a script lists for it
 * to apply (see findApplies), as patterns of repository paths: a folder
 * from the script's folder or the root, a variable in it
 * (`{{.KUBERNETES_DIR}}/flux`) any text, and the glob the file's name
 * anywhere below. A `find` without `-name` lists too much to say it
 * applies any one file.
 */
function findListings(
  text: string,
  scriptFolder: string,
  variableIn: RegExp,
): RegExp[] {
  const out: RegExp[] = [];
  // a variable may hold spaces (`{{ .DIR }}`): one token while split
  const mark = '\u0000';
  const lines = text.split('\n');
  const commands = lines.flatMap((line, at) =>
    /\bfind\s/.test(line) && findApplies(lines, at)
      ? [...line.replace(variableIn, mark).matchAll(/\bfind\s[^|;&\n]*/g)]
      : [],
  );
  for (const [command] of commands) {
    const words = command.split(/\s+/).slice(1);
    const firstTest = words.findIndex(w => w.startsWith('-') || w === '(');
    const folders = words.slice(0, firstTest < 0 ? words.length : firstTest);
    const globs = words
      .map((w, i) => (/^-i?name$/.test(w) ? words[i + 1] : undefined))
      .filter((g): g is string => !!g)
      .map(g => g.replace(/^['"]|['"]$/g, ''));
    if (!folders.length || !globs.length) continue;
    const name = `(?:${globs
      .map(g =>
        g
          .split('')
          .map(ch => {
            if (ch === '*') return '[^/]*';
            return ch === '?' ? '[^/]' : escapeRegExp(ch);
          })
          .join(''),
      )
      .join('|')})`;
    for (const folder of folders) {
      const written = folder.replace(/^\.(?:\/|$)/, '').replace(/\/$/, '');
      // from a variable (`{{.KUBERNETES_DIR}}/flux`): any folder so ending
      const fromVariable = written.startsWith(mark);
      const rest = (fromVariable ? written.slice(mark.length) : written)
        .replace(/^\//, '')
        .split(mark)
        .map(escapeRegExp)
        .join('.*');
      const root = fromVariable
        ? '(?:.*/)?'
        : `(?:${scriptFolder ? `${escapeRegExp(scriptFolder)}/` : ''})?`;
      out.push(new RegExp(`^${root}${rest ? `${rest}/` : ''}(?:.*/)?${name}$`));
    }
  }
  return out;
}

/**
 * Renders what Flux applies to a cluster: starting from the cluster's
 * directory (as the flux-system Kustomization does), builds every Flux
 * Kustomization found on the way with kustomize, and applies post-build
 * substitution with the variables each one would read from the cluster.
 *
 * Substitution is one pass, as in Flux: a ConfigMap's values are taken as
 * stored in the cluster, i.e. as the Kustomization that applies it rendered
 * them. Since that can depend on other sources, rendering repeats until the
 * stored sources no longer change.
 *
 * @public
 */
export class FluxRenderer {
  readonly #engine: KustomizeEngine;
  readonly #options: FluxRenderOptions;
  readonly #substitution: SubstitutionMemo;
  /** The sources the conventions say are made outside the repository. */
  readonly #external: Map<string, StoredSource>;
  /** Builds entry folders with the files the sources leave out (a bootstrap's `ks.yaml`). */
  readonly #entryEngine?: KustomizeEngine;
  readonly #index: TreeIndex;
  readonly #files: YamlFiles;
  /** `Kind/name` → whether some file of the repository defines such an object. */
  readonly #definedAnywhere = new Map<string, readonly string[]>();
  readonly #scriptMentions = new Map<string, string | undefined>();

  /**
   * Whether a bootstrap script applies an object before Flux runs: it
   * names the object's file, or another file (a template its secrets are
   * injected into) that holds an object of the same kind and name.
   */
  #appliedByScript(object: SubstitutedObject): boolean {
    if (
      this.#namedByScript(object.source.file) ||
      this.#scriptApplied().listed.some(p => p.test(object.source.file))
    )
      return true;
    const name = utf8(`name: ${object.name}`);
    const kind = utf8(`kind: ${object.kind}`);
    return this.#index.tree.paths().some(path => {
      if (path === object.source.file) return false;
      const bytes = this.#index.tree.read(path);
      if (
        bytes === undefined ||
        !containsBytes(bytes, name) ||
        !containsBytes(bytes, kind) ||
        !this.#namedByScript(path)
      )
        return false;
      // an object of that kind and name, not a reference to one (a
      // Kustomization's substituteFrom)
      return this.#files
        .read(path)
        .documents.some(
          d =>
            isRecord(d.value) &&
            d.value.kind === object.kind &&
            getPath(d.value, ['metadata', 'name']) === object.name,
        );
    });
  }

  /**
   * Whether a bootstrap script of the repository (a shell script, a
   * Taskfile, a justfile, a Makefile) names a file, by its name: it
   * applies it before Flux runs (`kubectl apply` of the cluster's settings
   * and SOPS secrets, as the cluster templates' bootstrap does).
   */
  #namedByScript(file: string): boolean {
    return this.#scriptNaming(file) !== undefined;
  }

  /** The first bootstrap script that names a file (by its file name), if any. */
  #scriptNaming(file: string): string | undefined {
    const name = basenamePath(file);
    if (this.#scriptMentions.has(name)) return this.#scriptMentions.get(name);
    const needle = utf8(name);
    const found = this.#scripts().find(path => {
      const bytes = this.#index.tree.read(path);
      return bytes !== undefined && containsBytes(bytes, needle);
    });
    this.#scriptMentions.set(name, found);
    return found;
  }

  /**
   * The templates of manifests (Jinja, Go templates:
   * `bootstrap/resources.yaml.j2`) a bootstrap script applies that name an
   * object of a kind and name: each may make that object in any namespace
   * its loops fill in, which is not known here.
   */
  #bootstrapTemplatesNaming(
    kind: string,
    name: string,
  ): { template: string; script: string }[] {
    const key = `${kind}/${name}`;
    const known = this.#templatesNaming.get(key);
    if (known) return known;
    const kindLine = utf8(`kind: ${kind}`);
    const nameLine = utf8(`name: ${name}`);
    const found = this.#index.tree.paths().flatMap(template => {
      if (!manifestTemplate.test(basenamePath(template))) return [];
      const bytes = this.#index.tree.read(template);
      if (
        !bytes ||
        !containsBytes(bytes, kindLine) ||
        !containsBytes(bytes, nameLine)
      )
        return [];
      const script = this.#scriptNaming(template);
      return script ? [{ template, script }] : [];
    });
    this.#templatesNaming.set(key, found);
    return found;
  }

  readonly #templatesNaming = new Map<
    string,
    { template: string; script: string }[]
  >();

  #scriptFiles?: readonly string[];

  /** The bootstrap scripts of the repository (see isBootstrapScript). */
  #scripts(): readonly string[] {
    // scripts are often outside what the sources build (`scripts/`)
    this.#scriptFiles ??= this.#index.tree.paths().filter(isBootstrapScript);
    return this.#scriptFiles;
  }

  #terraformObjects?: {
    kind: string;
    namespace?: string;
    name: string;
    at: string;
  }[];

  /**
   * Where the repository's Terraform makes a ConfigMap or Secret
   * (`resource "kubernetes_config_map" …` with its metadata's name and
   * namespace), said so, in words; undefined where none does.
   */
  #madeByTerraform(
    kind: string,
    namespace: string,
    name: string,
  ): string | undefined {
    this.#terraformObjects ??= this.#index.tree.paths().flatMap(path => {
      if (!path.endsWith('.tf')) return [];
      const text = this.#readText(path);
      if (!text?.includes('kubernetes_')) return [];
      return [
        ...text.matchAll(
          /resource\s+"kubernetes_(config_map|secret)(?:_v1)?"\s+"([^"]+)"\s*\{\s*metadata\s*\{([^}]*)\}/g,
        ),
      ].flatMap(m => {
        const field = (key: string) =>
          new RegExp(`\\b${key}\\s*=\\s*"([^"]+)"`).exec(m[3])?.[1];
        const made = field('name');
        const line = text.slice(0, m.index).split('\n').length;
        return made
          ? [
              {
                kind: m[1] === 'secret' ? 'Secret' : 'ConfigMap',
                namespace: field('namespace'),
                name: made,
                at: `${path}:${line}, resource kubernetes_${m[1]} "${m[2]}"`,
              },
            ]
          : [];
      });
    });
    const found = this.#terraformObjects.filter(
      o =>
        o.kind === kind &&
        o.name === name &&
        (o.namespace ?? 'default') === namespace,
    );
    if (!found.length) return undefined;
    return `made by the repository's Terraform (${found
      .map(o => o.at)
      .join(
        '; ',
      )}), outside Flux; its variables are not known here (declare it in the conventions' flux.externalSources)`;
  }

  #scriptPaths?: ScriptPaths;

  /**
   * The files of the repository a bootstrap script names by their path,
   * from its own folder or the root (`kubectl apply --filename
   * ./shared/flux-system/configmap.yaml`, `sops --decrypt
   * ./shared/vars.sops.yaml | kubectl apply -f -`): it applies them as they
   * are, to every cluster it bootstraps; and the paths it builds from
   * variables (`{{.KUBERNETES_DIR}}/{{.cluster}}/flux/vars/secrets.sops.yaml`,
   * `${CLUSTER_DIR}/vars.yaml`), each of which may be any cluster's file.
   */
  #scriptApplied(): ScriptPaths {
    if (this.#scriptPaths) return this.#scriptPaths;
    const literal = new Set<string>();
    const templated: RegExp[] = [];
    // what the sources leave out too (a bootstrap's `ks.yaml`)
    const entries = this.#options.entryIndex ?? this.#index;
    const variable = String.raw`\{\{[^}\n]*\}\}|\$\{\w+\}|\$\w+`;
    const segment = String.raw`(?:${variable}|[\w.-])+`;
    const pathInScript = new RegExp(
      String.raw`(?:^|[\s='"])((?:\.\/)?${segment}(?:\/${segment})*\.ya?ml)(?=$|[\s'"|;)])`,
      'gm',
    );
    const variableIn = new RegExp(variable, 'g');
    const listed: RegExp[] = [];
    for (const script of this.#scripts()) {
      const text = this.#readText(script);
      if (!text) continue;
      listed.push(...findListings(text, dirnamePath(script), variableIn));
      const lines = text.split('\n');
      for (const match of text.matchAll(pathInScript)) {
        const written = match[1];
        if (!/[{$]/.test(written)) {
          // a file the script applies, not one it reads, copies or tests
          // for (7yXwscXEzv6phzUnKfrw's justfiles reading a ks.yaml)
          const at = text.slice(0, match.index).split('\n').length - 1;
          if (!pathApplied(lines, at)) continue;
          for (const file of [joinPath(dirnamePath(script), written), written])
            if (file && entries.isFile(file)) literal.add(file);
          continue;
        }
        // a variable stands for any text (a folder, or several); the
        // file's own name is written out (not `${FILE}.yaml`)
        const parts = written.replace(/^\.\//, '').split(variableIn);
        if (!parts[parts.length - 1].includes('/')) continue;
        templated.push(
          new RegExp(`^(?:.*/)?${parts.map(escapeRegExp).join('.*')}$`),
        );
      }
    }
    this.#scriptPaths = { literal, templated, listed };
    return this.#scriptPaths;
  }

  #syncPatches?: Map<string, SyncKustomizationPatch[]>;

  /**
   * The Kustomization that reconciles a cluster's folder, with the patches
   * of the flux-operator syncs of that folder that target it by its name
   * (or every Kustomization) applied, as the operator applies them to the
   * one it makes. A patch that cannot be read or applied is left out: the
   * operator's own status says why.
   */
  #patchedBySync(decl: ManifestObject, root: string): ManifestObject {
    if (!this.#syncPatches) {
      this.#syncPatches = new Map();
      const index = this.#options.entryIndex ?? this.#index;
      // the rarest first: most files hold no sync
      const needles = [utf8('sync:'), utf8('patches'), utf8('kustomize')];
      for (const path of index.paths()) {
        if (!/\.ya?ml$/.test(path)) continue;
        const bytes = index.tree.read(path);
        if (
          !bytes ||
          (needles.some(n => !containsBytes(bytes, n)) &&
            !utf16EncodingOf(bytes))
        )
          continue;
        for (const { value } of this.#files.read(path).documents) {
          const found = isRecord(value)
            ? syncKustomizationPatches(value, path)
            : undefined;
          if (found)
            this.#syncPatches.set(found.path, [
              ...(this.#syncPatches.get(found.path) ?? []),
              ...found.patches,
            ]);
        }
      }
    }
    let body = decl.body;
    for (const { patch, name } of this.#syncPatches.get(root) ?? []) {
      if (name !== undefined && name !== decl.name) continue;
      const [document] = this.#files
        .parseText(decl.source.file, patch)
        .documents.map(d => d.value);
      const operations = asOperations(document);
      try {
        if (typeof operations !== 'string')
          body = applyJsonPatch(body, operations);
        else if (isRecord(document))
          body = strategicMerge(body, document, undefined) ?? body;
      } catch {
        // not applied: kustomize in the operator fails the same way
      }
    }
    return body === decl.body ? decl : { ...decl, body };
  }

  /** Whether a file is under the folder of a cluster other than this one (named as the cluster is). */
  #otherClusters(cluster: string): (file: string) => boolean {
    const others = (this.#options.clusters ?? []).filter(c => c !== cluster);
    return file => others.some(c => file.split('/').includes(c));
  }

  /**
   * The Flux Kustomizations a bootstrap script applies from files of the
   * repository as they are (`kubectl apply --filename ./shared/ks.yaml`):
   * entries of every cluster it bootstraps besides the cluster's own,
   * unless under another cluster's folder.
   */
  #entriesAppliedByScript(cluster: string): ManifestObject[] {
    const otherCluster = this.#otherClusters(cluster);
    // only files named as they are: a path built from a variable may be
    // any folder's (`{{.DIR}}/ks.yaml`)
    return [...this.#scriptApplied().literal]
      .filter(file => !otherCluster(file))
      .flatMap(file =>
        (this.#entryEngine ?? this.#engine)
          .fileObjects(file)
          .objects.filter(isFluxKustomization),
      );
  }

  /**
   * A substitution source the cluster does not apply, that a bootstrap
   * script applies from a file of the repository as it is (named, or the
   * cluster's own by a path built from variables): the object in it, whose
   * data Flux then reads. Not a file under another cluster's folder (that
   * cluster's copy).
   */
  #sourceAppliedByScript(
    kind: string,
    namespace: string,
    name: string,
    definedIn: readonly string[],
    cluster: string,
  ): ManifestObject | undefined {
    const otherCluster = this.#otherClusters(cluster);
    const { literal, templated, listed } = this.#scriptApplied();
    for (const file of definedIn) {
      // a path built from a variable is the cluster's own file (under its
      // folder), as the script is run for each cluster
      if (
        otherCluster(file) ||
        !(
          literal.has(file) ||
          listed.some(pattern => pattern.test(file)) ||
          (file.split('/').includes(cluster) &&
            templated.some(pattern => pattern.test(file)))
        )
      )
        continue;
      const object = (this.#entryEngine ?? this.#engine)
        .fileObjects(file)
        .objects.find(
          o =>
            o.kind === kind &&
            o.name === name &&
            (o.namespace === undefined || o.namespace === namespace),
        );
      if (object) return object;
    }
    return undefined;
  }

  constructor(
    index: TreeIndex,
    files: YamlFiles,
    options: FluxRenderOptions,
    substitution: SubstitutionMemo,
    /** Name-suffix hashes and generated objects, kept between validations. */
    kustomize: KustomizeMemos = {},
  ) {
    this.#index = index;
    this.#files = files;
    this.#engine = new KustomizeEngine(index, files, kustomize);
    // its own memos: the same paths build otherwise there
    this.#entryEngine =
      options.entryIndex && new KustomizeEngine(options.entryIndex, files);
    this.#options = options;
    this.#substitution = substitution;
    this.#external = new Map(
      (options.externalSources ?? []).map(source => {
        const provided = externalSource(source);
        return [
          storedKey(provided.kind, provided.namespace, provided.name),
          provided,
        ];
      }),
    );
  }

  /** A file's text, to point inside a block of it. */
  readonly #texts = new Map<string, string | undefined>();
  /** A file's text, decoded once: the lines of substitution problems are looked up in it. */
  readonly #readText = (file: string) => {
    if (!this.#texts.has(file))
      this.#texts.set(file, readTextFile(this.#index.tree, file));
    return this.#texts.get(file);
  };

  get kustomize(): KustomizeEngine {
    return this.#engine;
  }

  /**
   * What kustomize-controller builds for a path with nothing added: the
   * kustomization file if there is one, else the one it generates.
   */
  buildPath(path: string): BuildResult {
    return this.#engine.buildFluxPath(path);
  }

  /**
   * Said of a substitution source the cluster does not apply when a
   * kustomize generator of the repository makes it with a name-suffix
   * hash: Flux looks sources up by their exact name.
   */
  #hashedGenerator(
    kind: string,
    name: string,
    files: readonly string[],
  ): string {
    const field = kind === 'Secret' ? 'secretGenerator' : 'configMapGenerator';
    for (const file of files)
      for (const { value } of this.#files.read(file).documents) {
        if (!isRecord(value) || !Array.isArray(value[field])) continue;
        const generator = value[field].find(
          (g: unknown) => isRecord(g) && g.name === name,
        );
        if (!generator) continue;
        const off = (o: unknown) =>
          isRecord(o) && o.disableNameSuffixHash === true;
        if (off(value.generatorOptions) || off(generator.options)) continue;
        return ` under that name: the ${field} in ${file} names it with a content hash (${name}-<hash>), and Flux looks substitution sources up by their exact name (set generatorOptions.disableNameSuffixHash: true there)`;
      }
    return '';
  }

  /**
   * The files of the repository that define an object of that kind and name
   * (for a ConfigMap or Secret, also a generator or another controller that
   * makes one): when none does, a source no cluster applies is made outside
   * the repository.
   */
  definitionsOf(kind: string, name: string): readonly string[] {
    const key = `${kind}/${name}`;
    const found = this.#definedAnywhere.get(key);
    if (found !== undefined) return found;
    const files: string[] = [];
    const needle = utf8(name);
    for (const path of this.#index.paths()) {
      if (!/\.ya?ml$/.test(path)) continue;
      const bytes = this.#index.tree.read(path);
      if (!bytes || !containsBytes(bytes, needle)) continue;
      // a generator (`name: x` under configMapGenerator) or an ExternalSecret target counts too
      if (
        this.#files
          .read(path)
          .documents.some(doc => mentionsSource(doc.value, kind, name))
      )
        files.push(path);
    }
    this.#definedAnywhere.set(key, files);
    return files;
  }

  /** The URL of a source the repository defines in one file alone (`spec.url`), if any. */
  #definedSource(kind: string, name: string): SourceSpec | undefined {
    const files = this.definitionsOf(kind, name);
    if (files.length !== 1) return undefined;
    const sources = this.#files
      .read(files[0])
      .documents.map(d => d.value)
      .filter(
        (v): v is Record<string, unknown> =>
          isRecord(v) &&
          v.kind === kind &&
          getPath(v, ['metadata', 'name']) === name,
      )
      .map(v => ({
        url: getPath(v, ['spec', 'url']),
        ref: getPath(v, ['spec', 'ref']),
      }));
    return sources.length === 1 && typeof sources[0].url === 'string'
      ? { url: sources[0].url, ref: sources[0].ref }
      : undefined;
  }

  readonly #definedKeys = new Map<string, DefinedKeys>();
  readonly #pairs = new WeakMap<object, WeakMap<object, object>>();

  /** One object per pair: the identity of a source layer that depends on both. */
  #pairIdentity(first: object, second: object): object {
    let inner = this.#pairs.get(first);
    if (!inner) this.#pairs.set(first, (inner = new WeakMap()));
    let pair = inner.get(second);
    if (!pair) inner.set(second, (pair = { first, second }));
    return pair;
  }

  /**
   * The keys Flux would read from a substitution source the cluster does
   * not apply, as the repository's definitions of it hold them (a
   * manifest's `data`, what a generator's folder builds): the cluster's
   * own copies (files under a folder of its name) when there are some,
   * else the one file under no other cluster's folder. Undefined when
   * there is no such file, or one does not say (an ExternalSecret, a
   * build that fails): then any name may be among them.
   */
  #keysDefinedIn(
    kind: string,
    namespace: string,
    name: string,
    definedIn: readonly string[],
    cluster: string,
  ): DefinedKeys {
    const under = (file: string, folder: string) =>
      file.split('/').includes(folder);
    const own = definedIn.filter(f => under(f, cluster));
    const others = (this.#options.clusters ?? []).filter(c => c !== cluster);
    // another cluster's copy is not this one's: with no own copy, only
    // one shared file says what it holds (several are copies for clusters
    // whose folders are named otherwise: which is this one's is not known)
    const files =
      own.length || definedIn.length > 1
        ? own
        : definedIn.filter(f => !others.some(c => under(f, c)));
    const memoKey = `${kind}/${namespace}/${name}|${files.join('|')}`;
    const memo = this.#definedKeys.get(memoKey);
    if (memo) return memo;
    let keys: Set<string> | undefined = new Set<string>();
    let found = false;
    let otherNamespace = false;
    const hold = (body: Record<string, unknown>) => {
      for (const k of keysHeld(body, kind)) keys?.add(k);
    };
    for (const file of files) {
      for (const { value } of this.#files.read(file).documents) {
        if (!keys || !mentionsSource(value, kind, name)) continue;
        // another namespace's object of that name is another object
        const at = getPath(value, ['metadata', 'namespace']);
        if (value.kind === kind && at !== undefined && at !== namespace) {
          otherNamespace = true;
          continue;
        }
        found = true;
        if (value.kind === kind) hold(value);
        else if (
          value.kind === 'ExternalSecret' ||
          value.kind === 'SealedSecret'
        )
          keys = undefined;
        else {
          // a generator: the keys its folder's build gives the object
          const built = this.buildPath(dirnamePath(file));
          const made = built.ok
            ? built.objects.find(
                o =>
                  o.kind === kind &&
                  (o.namespace ?? namespace) === namespace &&
                  (o.name === name || isHashSuffixed(o.name, name)),
              )
            : undefined;
          if (made) hold(made.body);
          else keys = undefined;
        }
      }
    }
    const out = {
      keys: found && keys ? [...keys].sort() : undefined,
      elsewhere: !found && otherNamespace,
    };
    this.#definedKeys.set(memoKey, out);
    return out;
  }

  /**
   * Renders one cluster whose Flux entry point is `root` (e.g.
   * `kubernetes/clusters/infra`), with the values known for its variables
   * (the conventions' by default).
   */
  renderCluster(
    cluster: string,
    root: string,
    knownValues: Readonly<Record<string, string>> = this.#options.knownValues,
  ): ClusterRender {
    const rootBuild = this.buildPath(root);
    // The Kustomization that reconciles the cluster directory itself (flux-system) is the root.
    const reconcilesRoot = (o: ManifestObject) =>
      isFluxKustomization(o) &&
      clampPath(String(getPath(o.body, ['spec', 'path']) ?? '')) === root;
    let rootDecl =
      rootBuild.objects.find(reconcilesRoot) ??
      this.#entryEngine?.buildFluxPath(root).objects.find(reconcilesRoot);

    const scriptEntries = this.#entriesAppliedByScript(cluster).filter(
      decl => decl !== rootDecl,
    );
    // what a flux-operator sync of this folder patches into the
    // Kustomization it makes (a postBuild the repository's copy lacks)
    if (rootDecl) rootDecl = this.#patchedBySync(rootDecl, root);
    let stored = new Map<string, StoredSource>();
    let rendered: RenderedKustomization[] = [];
    let findings: EngineFinding[] = [];
    /** The substitution sources the last pass looked up. */
    let sourcesRead: SourceRead[] = [];
    for (let pass = 0; pass < 5; pass++) {
      const reads: SourceRead[] = [];
      sourcesRead = reads;
      /** Sources made in the namespaces a label selector admits: placed once the pass has every Namespace. */
      const bySelector: ProvidedSource[] = [];
      const byPattern: ReplicatedSource[] = [];
      const next = new Map<string, StoredSource>(this.#external);
      findings = [];
      rendered = [];
      const queue: {
        decl?: ManifestObject;
        parent?: string;
        /** Applied by the implicit root: no Kustomization of the repository reconciles the cluster's folder. */
        byImplicitRoot?: boolean;
      }[] = [
        { decl: rootDecl },
        // what the bootstrap applies beside the entry (a shared layer's
        // Kustomization): the cluster's too
        ...scriptEntries.map(decl => ({ decl })),
      ];
      const visited = new Map<string, RenderedKustomization>();
      while (queue.length) {
        const { decl, parent, byImplicitRoot } = queue.shift()!;
        const spec = readKustomizationSpec(
          decl,
          root,
          findings,
          cluster,
          this.#options.sourceNames,
          // its source is applied with it, so this pass has it already;
          // else the one file that defines it (Flux's own flux-manifests,
          // which a bootstrap applies: viminaria's repositories/oci)
          (kind, name, namespace) =>
            sourceSpecOf(next.get(storedKey(kind, namespace, name))) ??
            this.#definedSource(kind, name),
          (kind, name) => this.definitionsOf(kind, name).length > 0,
          this.#options.sourceRoots,
        );
        if (!spec) continue;
        const already = visited.get(spec.key);
        if (already) {
          // a Kustomization whose folder holds it applies itself again: the same one
          if (
            decl &&
            already.object &&
            decl !== already.object &&
            !sameDeclaration(decl, already.object)
          ) {
            findings.push({
              code: 'flux-error',
              severity: 'warning',
              cluster,
              message: `declares Kustomization ${
                spec.key
              } again (first at ${formatLocation(
                locate(already.object),
              )}); the cluster keeps only one`,
              location: locate(decl),
            });
          }
          continue;
        }
        const lookupSource = sourceLookup(
          spec.namespace,
          [next, stored],
          reads,
        );
        const webhook = this.#options.substitutionWebhook;
        const injected =
          webhook && !webhook.skipNamespaces.includes(spec.namespace)
            ? {
                webhook,
                lookup: sourceLookup(webhook.namespace, [next, stored], reads),
              }
            : undefined;
        const kustomization = this.#renderKustomization(
          spec,
          parent,
          lookupSource,
          injected,
          findings,
          cluster,
          knownValues,
          byImplicitRoot ? root : undefined,
        );
        visited.set(spec.key, kustomization);
        // with spec.kubeConfig its objects go to another cluster: built
        // here (its build and substitution can fail), applied there
        const remote = kubeConfigOf(spec.object);
        if (remote) {
          findings.push(appliedToAnotherCluster(spec, remote, cluster));
          rendered.push({ ...kustomization, objects: [] });
          continue;
        }
        rendered.push(kustomization);
        for (const object of kustomization.objects) {
          const namespace = object.namespace ?? kustomization.namespace;
          const key = storedKey(object.kind, namespace, object.name);
          // what another controller provides is what Flux will find
          if (!next.has(key) || !isProvided(next.get(key)!))
            next.set(key, object);
          const provided = providedBy(object, namespace);
          if (provided) {
            for (const made of provided.namespaces ?? [provided.namespace])
              next.set(storedKey(provided.kind, made, provided.name), provided);
            if (provided.namespaceSelectors) bySelector.push(provided);
          }
          // copied into other namespaces by a replicator (tholinka): the
          // same values there
          const replicas =
            object.kind === 'ConfigMap' ||
            object.kind === 'Secret' ||
            (object.kind === 'ExternalSecret' && provided)
              ? replicatedTo(object)
              : undefined;
          if (replicas) {
            const copy = provided ?? object;
            const kind = provided?.kind ?? object.kind;
            const name = provided?.name ?? object.name;
            if (replicas.every) {
              const every = storedKey(kind, everyNamespace, name);
              if (!next.has(every)) next.set(every, copy);
            } else
              byPattern.push({ copy, kind, name, patterns: replicas.patterns });
          }
          if (
            isFluxKustomization(object) &&
            object !== rootDecl &&
            !sameDeclaration(object, rootDecl)
          ) {
            queue.push({
              decl: object,
              parent: kustomization.key,
              byImplicitRoot: !kustomization.object,
            });
          } else if (isResourceSet(object))
            findings.push(
              resourceSetNotExpanded(object, kustomization, cluster),
            );
        }
      }
      placeBySelector(bySelector, next);
      placeByPattern(byPattern, next);
      const converged = reads.every(({ kind, namespace, name, seen }) => {
        const now = storedAt(next, kind, namespace, name);
        return (
          now === seen ||
          (now &&
            seen &&
            JSON.stringify(storedBody(now)) ===
              JSON.stringify(storedBody(seen)))
        );
      });
      stored = next;
      if (converged) break;
    }

    const { objects, twice } = appliedObjects(rendered);
    // one object that several Kustomizations apply their own way is one
    // cause; pairs that share many objects are one cause each
    const byObject = new Map<string, AppliedTwice[]>();
    for (const t of twice) {
      const id = `${t.first.key}|${objectKey(t.object)}|${
        t.object.source.file
      }|${t.object.source.index}`;
      byObject.set(id, [...(byObject.get(id) ?? []), t]);
    }
    for (const [id, all] of byObject)
      findings.push(
        all.length > 1
          ? appliedManyTimes(all, cluster, id)
          : appliedTwice(all[0], cluster),
      );
    findings.push(...sourcesAppliedTwice(rendered, sourcesRead, cluster));
    findings.push(...nonTextData(rendered, cluster));
    findings.push(...selfDependencies(rendered, cluster));
    findings.push(
      ...selfSubstitutions(rendered, cluster, object =>
        this.#appliedByScript(object),
      ),
    );
    findings.push(
      ...this.#missingDependencies(rendered, objects, findings, cluster),
    );
    return {
      cluster,
      root,
      kustomizations: rendered,
      objects,
      appliedTwice: twice,
      findings: dedupe(
        sourcesMaybeUnread(
          sourcesInOtherNamespaces(
            this.#sourcesInUnreadableFiles(findings),
            objects,
            cluster,
          ),
        ),
      ),
    };
  }

  /**
   * The findings without those of a substitution source missing where a
   * file the cluster cannot read (not valid YAML, reported) names it:
   * that file is the one cause, and what it defines is not known.
   */
  #sourcesInUnreadableFiles(findings: EngineFinding[]): EngineFinding[] {
    const unreadable = [
      ...new Set(
        findings
          .filter(f => f.code === 'yaml-invalid' && f.location)
          .map(f => f.location!.file),
      ),
    ];
    if (!unreadable.length) return findings;
    const names = (name: string) =>
      unreadable.some(file => {
        const bytes = this.#index.tree.read(file);
        return bytes !== undefined && containsBytes(bytes, utf8(name));
      });
    return findings.filter(
      f => !f.missingSource || !names(f.missingSource.name),
    );
  }

  /**
   * Kustomizations that depend on one no Kustomization of the cluster
   * declares: Flux reports the dependency not found and retries, applying
   * nothing of them. Said only when every Kustomization the cluster applies
   * is known (none failed, none built from another project's source, no
   * ResourceSet, no name not known here: Flux's own manifests and CRDs
   * declare none); the root's name is the bootstrap's to make.
   */
  #missingDependencies(
    rendered: readonly RenderedKustomization[],
    objects: ClusterRender['objects'],
    findings: readonly EngineFinding[],
    cluster: string,
  ): EngineFinding[] {
    const declaredAll =
      rendered.every(k => !k.failed) &&
      !findings.some(f => f.unbuilt) &&
      !objects.some(
        ({ object }) =>
          isResourceSet(object) ||
          (isFluxKustomization(object) && nameNotKnown(object)),
      );
    if (!declaredAll) return [];
    const declared = new Set(rendered.map(k => k.key));
    for (const { object, appliedBy } of objects)
      if (isFluxKustomization(object)) {
        declared.add(
          `${object.namespace ?? appliedBy.namespace}/${object.name}`,
        );
        declared.add(`${object.namespace ?? 'flux-system'}/${object.name}`);
      }
    const rootName = rendered[0]?.name;
    const out: EngineFinding[] = [];
    for (const k of rendered) {
      const decl = k.object;
      if (!decl) continue;
      k.dependsOn.forEach(dep => {
        const name = dep.slice(dep.indexOf('/') + 1);
        if (
          declared.has(dep) ||
          name === rootName ||
          hasUnresolvedReference(dep) ||
          unknownVariablesIn(dep).length
        )
          return;
        // one of that name in another namespace: dependsOn without a
        // namespace looks in the Kustomization's own (a copy a path with
        // targetNamespace applies of its own file is in that one)
        const elsewhere = [...declared].filter(
          key => key.slice(key.indexOf('/') + 1) === name,
        );
        if (elsewhere.length) {
          const copy = rendered.find(
            o => o !== k && o.name === k.name && o.namespace !== k.namespace,
          );
          out.push({
            code: 'flux-error',
            // one made by hand may exist there
            severity: 'warning',
            cluster,
            message: `Kustomization ${
              k.key
            } depends on Kustomization ${dep}, but this cluster's Kustomization of that name is ${firstFew(
              elsewhere,
            )}${
              copy
                ? ` (${k.key} is a copy of ${copy.key} in namespace ${k.namespace}: its own path applies the file that declares it, with targetNamespace ${k.namespace})`
                : ''
            }: Flux reports the dependency not found and applies nothing of ${
              k.key
            }; give the dependency its namespace${
              copy
                ? `, or keep the Kustomization's own file out of its path`
                : ''
            }`,
            location: dependsOnLocation(decl, k.namespace, dep),
          });
          return;
        }
        const files = this.definitionsOf('Kustomization', name);
        const where = files.length
          ? `which only files this cluster does not apply declare (${firstFew(
              files,
            )})`
          : 'which no manifest of the repository declares';
        const outcome = `Flux reports the dependency not found and applies nothing of ${k.key}`;
        out.push({
          code: 'flux-error',
          // made by hand or a bootstrap from a file here, it may exist
          severity: files.length ? 'warning' : 'error',
          cluster,
          message: `Kustomization ${
            k.key
          } depends on Kustomization ${dep}, ${where}: ${outcome}${
            files.length ? ' unless something outside Flux applies it' : ''
          }; apply it on this cluster, or drop the dependency`,
          location: dependsOnLocation(decl, k.namespace, dep),
          // one missing dependency is one cause, however many depend on it
          // (a retired app's Kustomization others still wait on)
          cause: {
            key: `missing-dependency:${dep}`,
            message: `Kustomization ${dep} is named by dependsOn, ${where}: Flux reports the dependency not found and applies nothing of each Kustomization that depends on it${
              files.length ? ', unless something outside Flux applies it' : ''
            }; apply it on this cluster, or drop the dependency`,
            subject: `Kustomization ${k.key}`,
          },
        });
      });
    }
    return out;
  }

  /** Per `spec.ignore` text, whether a folder is left out of that source's artifact. */
  readonly #ignoredBy = new Map<string, Map<string, boolean>>();

  /**
   * Whether the GitRepository a Kustomization builds from (applied to the
   * cluster, with a `spec.ignore`) leaves out every file of its path.
   */
  #leftOutBySource(
    spec: KustomizationSpec,
    lookupSource: SourceLookup,
  ): boolean {
    const ref = getPath(spec.object?.body, ['spec', 'sourceRef']);
    if (
      !spec.path ||
      !isRecord(ref) ||
      (ref.kind ?? 'GitRepository') !== 'GitRepository' ||
      typeof ref.name !== 'string'
    )
      return false;
    const source = lookupSource.peek('GitRepository', ref.name);
    const text =
      source && !isProvided(source)
        ? getPath(source.body, ['spec', 'ignore'])
        : undefined;
    if (typeof text !== 'string' || !text.trim()) return false;
    let byPath = this.#ignoredBy.get(text);
    if (!byPath) this.#ignoredBy.set(text, (byPath = new Map()));
    let left = byPath.get(spec.path);
    if (left === undefined) {
      const ignored = sourceIgnored(this.#index.tree, [text]);
      const under = this.#index
        .paths()
        .filter(p => p.startsWith(`${spec.path}/`));
      left = under.length > 0 && under.every(ignored);
      byPath.set(spec.path, left);
    }
    return left;
  }

  #renderKustomization(
    spec: KustomizationSpec,
    parent: string | undefined,
    lookupSource: SourceLookup,
    /** The substitution webhook's sources, where it mutates this Kustomization. */
    injected:
      | { webhook: SubstitutionWebhook; lookup: SourceLookup }
      | undefined,
    findings: EngineFinding[],
    cluster: string,
    knownValues: Readonly<Record<string, string>>,
    /** The cluster's folder, when it is applied by the implicit root. */
    implicitRoot?: string,
  ): RenderedKustomization {
    // the folder built with what the Kustomization adds: its target
    // namespace, patches and components, as kustomize-controller does
    const built = this.#engine.buildFluxPath(spec.path, spec.overlay);
    const folderMissing =
      spec.object !== undefined &&
      !this.#engine.kustomizationFile(spec.path) &&
      !this.#index.isDir(spec.path);
    const rawPath = getPath(spec.object?.body, ['spec', 'path']);
    let pathFinding: EngineFinding | undefined;
    if (folderMissing)
      pathFinding =
        implicitRoot !== undefined && hasUnresolvedReference(rawPath)
          ? pathSubstitutedElsewhere(
              spec,
              String(rawPath),
              implicitRoot,
              cluster,
            )
          : missingPath(
              spec.object!,
              spec.key,
              spec.path,
              cluster,
              this.#index,
              this.#options.sourceRoots,
            );
    // in the repository, but its own GitRepository's spec.ignore leaves it
    // out (the ignore rules are the source's: other clusters' sources may
    // fetch it)
    const leftOut =
      !pathFinding &&
      spec.object !== undefined &&
      this.#leftOutBySource(spec, lookupSource);
    if (leftOut)
      pathFinding = missingPath(
        spec.object!,
        spec.key,
        spec.path,
        cluster,
        this.#index,
        this.#options.sourceRoots,
      );
    // suspended: nothing of it is applied until it is resumed; its files
    // are checked as Flux would apply them then, and the owner told so
    if (getPath(spec.object?.body, ['spec', 'suspend']) === true)
      findings.push({
        code: 'not-evaluated',
        severity: 'info',
        cluster,
        message: `Kustomization ${spec.key} is suspended (spec.suspend): Flux applies none of its files until it is resumed; they are checked as Flux would apply them then`,
        location: locate(spec.object!, ['spec', 'suspend']),
        build: spec.key,
      });
    // Flux fails at the path, before it reads the substitution sources
    const pathFails = pathFinding?.severity === 'error';
    if (pathFinding) findings.push(pathFinding);
    else
      findings.push(
        ...built.findings.map(f => ({
          ...f,
          // a file kustomize refuses fails the whole build it is part of
          // (one cause, whichever Kustomizations of which clusters take it)
          ...(f.code === 'yaml-invalid' &&
            f.severity === 'error' && {
              message: `${f.message}; Flux fails Kustomization ${spec.key}, whose build takes the file in: nothing of it is applied until the file is fixed`,
              cause: {
                key: `refused-file:${f.location?.file}:${f.location?.line}`,
                message: `${f.message}; Flux fails each Kustomization whose build takes the file in: nothing of them is applied until the file is fixed`,
                subject: `Kustomization ${spec.key}`,
              },
            }),
          cluster,
          build: spec.key,
        })),
      );
    // a path its source leaves out applies nothing, though the folder is here
    let failed = !built.ok || leftOut;
    let objects: ManifestObject[] = leftOut ? [] : built.objects;
    if (spec.commonMetadata)
      objects = objects.map(o => withCommonMetadata(o, spec.commonMetadata!));
    // objects without a namespace land in the Kustomization's namespace in the cluster
    const declLocation = spec.object
      ? locate(spec.object)
      : { file: `${spec.path}/`, line: 1 };

    const variables = this.#substitution.scope();
    /** A source's data, read (a Secret's keys; its values only where it is kept in clear and the conventions read those). */
    const addRead = (source: ManifestObject, kind: 'ConfigMap' | 'Secret') =>
      variables.addSource(
        // one written without a namespace is in the one it was looked up
        // in (sklab-dev's `Secret /cluster-secrets`)
        source.namespace === undefined
          ? { ...source, namespace: spec.namespace }
          : source,
        kind,
        isSopsEncrypted(source.body),
        knownValues,
        this.#options.readPlainSecrets,
      );
    // the webhook gives every Kustomization it mutates a postBuild
    const postBuild = spec.postBuild || injected !== undefined;
    if (postBuild) {
      for (const ref of spec.substituteFrom) {
        const source = lookupSource(ref.kind, ref.name);
        // a path Flux cannot build fails the Kustomization before its
        // substitution sources are read: that error alone is said
        if (!source && pathFails) {
          failed = true;
          continue;
        }
        if (!source) {
          const definedIn = this.definitionsOf(ref.kind, ref.name);
          // the bootstrap applies it from that file, as it is
          const byScript =
            definedIn.length > 0
              ? this.#sourceAppliedByScript(
                  ref.kind,
                  spec.namespace,
                  ref.name,
                  definedIn,
                  cluster,
                )
              : undefined;
          if (byScript) {
            addRead(byScript, ref.kind);
            continue;
          }
          const candidates = definedIn.length
            ? { files: [] }
            : lookupSource.sealed();
          const sealed = candidates.files;
          // taken for one of them: its keys are those they hold
          const sealedKeys = sealed.length ? candidates.keys : undefined;
          // defined where the cluster does not apply it (a bootstrap's
          // copy): its keys are those the definitions hold
          const defined = definedIn.length
            ? this.#keysDefinedIn(
                ref.kind,
                spec.namespace,
                ref.name,
                definedIn,
                cluster,
              )
            : undefined;
          // an optional source the repository defines is absent from this
          // cluster: Flux goes on without its variables. One it does not
          // define may be made outside it, as a required one may.
          if (!ref.optional || !definedIn.length) {
            const where = spec.object
              ? locate(spec.object, substituteFromPath(spec.object, ref))
              : declLocation;
            const missing = `${ref.kind} ${spec.namespace}/${ref.name}`;
            // a template of manifests a bootstrap script applies may make
            // it in this namespace (TorStava's resources.yaml.j2 loops
            // over namespaces): not known here
            const templates = this.#bootstrapTemplatesNaming(
              ref.kind,
              ref.name,
            );
            const byTemplate = templates.length
              ? `maybe made by ${templates
                  .map(
                    t =>
                      `${t.template} (a template of manifests ${t.script} applies)`,
                  )
                  .join(
                    '; ',
                  )}, outside Flux, in namespaces not known here; its variables are not known here (declare it in the conventions' flux.externalSources)`
              : undefined;
            if (definedIn.length && !byTemplate) {
              findings.push({
                code: 'flux-error',
                severity: 'error',
                cluster,
                message: `Kustomization ${
                  spec.key
                } substitutes from ${missing}, which nothing in cluster ${cluster} applies${this.#hashedGenerator(
                  ref.kind,
                  ref.name,
                  definedIn,
                )}; Flux fails the Kustomization (mark it optional if it may be missing)`,
                location: where,
                // one missing source is one cause, however many Kustomizations name it
                cause: {
                  key: `missing-source:${missing}`,
                  message: `${missing} is named by substituteFrom, but the cluster does not apply it, though the repository defines it (${firstFew(
                    definedIn,
                  )}); Flux fails each Kustomization that needs it (mark it optional if it may be missing)`,
                  subject: `Kustomization ${spec.key}`,
                },
                missingSource: {
                  source: missing,
                  kind: ref.kind,
                  namespace: spec.namespace,
                  name: ref.name,
                  definedIn,
                  keys: defined?.keys,
                },
                substitutesFor: spec.key,
              });
              failed = true;
            } else {
              // SOPS without encrypted_regex hides which object a file is
              const unknownVariables = sealed.length
                ? `the cluster applies SOPS files whose kind and name are encrypted too (${firstFew(
                    sealed,
                  )}), and Flux may decrypt it from one of them; ${
                    sealedKeys
                      ? `taken for one of them, it holds ${
                          sealedKeys.length
                            ? `${
                                sealed.length > 1
                                  ? "that one's keys, among "
                                  : ''
                              }${firstFew(sealedKeys)}`
                            : 'no key'
                        }, whose values are not known here`
                      : 'its variables are not known here'
                  } (keep kind and name readable with encrypted_regex: ^(data|stringData)$ in .sops.yaml${
                    // its keys read: which file it is is what is not
                    // known (zhopp's FOO); a value a check needs is
                    // asked for where it is read
                    sealedKeys?.length
                      ? ''
                      : ", or give the values in the conventions' values"
                  })`
                : this.#madeByTerraform(ref.kind, spec.namespace, ref.name) ??
                  byTemplate ??
                  `made outside it (a bootstrap, Terraform, an operator in the cluster) or missing; its variables are not known here (declare it in the conventions' flux.externalSources)`;
              const [defines, definesIt] = sealed.length
                ? ['names in clear', 'names it in clear']
                : ['defines', 'defines it'];
              const [notApplied, notAppliedCause] = definedIn.length
                ? [
                    `which nothing in cluster ${cluster} applies (the repository defines it in ${firstFew(
                      definedIn,
                    )})`,
                    `the cluster does not apply it (the repository defines it in ${firstFew(
                      definedIn,
                    )})`,
                  ]
                : [
                    `which no manifest of the repository ${defines}`,
                    `no manifest of the repository ${definesIt}`,
                  ];
              findings.push({
                code: 'not-evaluated',
                severity: 'warning',
                cluster,
                message: `Kustomization ${
                  spec.key
                } substitutes from ${missing}${
                  ref.optional ? ' (optional)' : ''
                }, ${notApplied}: ${unknownVariables}`,
                location: where,
                cause: {
                  key: sealed.length
                    ? `sealed-source:${missing}`
                    : externalSourceCause(missing),
                  message: `${missing} is named by substituteFrom${
                    ref.optional ? ' (optional)' : ''
                  }, and ${notAppliedCause}: ${unknownVariables}`,
                  subject: `Kustomization ${spec.key}`,
                },
                ...(ref.optional &&
                  !sealed.length && { optionalSource: unknownVariables }),
                // its variables may be the ones found missing, unless its
                // keys are known
                ...(sealedKeys
                  ? { substitutesOnly: true }
                  : { mayChange: true, substitutesOnly: true }),
                substitutesFor: spec.key,
              });
            }
            // its variables are unknown, not undefined (unless its keys are
            // known): no error per variable
            variables.addProvided(
              {
                kind: ref.kind,
                namespace: spec.namespace,
                name: ref.name,
                by: templates.length
                  ? `a template of manifests a bootstrap script applies (${firstFew(
                      templates.map(t => t.template),
                    )})`
                  : unappliedSourceBy(
                      definedIn,
                      sealed,
                      defined?.elsewhere
                        ? `${ref.kind} ${ref.name}`
                        : undefined,
                    ),
                // what the template makes is not known
                keys: templates.length
                  ? undefined
                  : sealedKeys ?? defined?.keys,
                location: where,
                identity: defined ? this.#pairIdentity(ref, defined) : ref,
              },
              knownValues,
            );
          }
          continue;
        }
        if (isProvided(source)) variables.addProvided(source, knownValues);
        else {
          addRead(source, ref.kind);
          // keys its generator could not read are unknown, not undefined:
          // the build's error is the one cause
          if (source.source.unread)
            variables.addProvided(
              {
                kind: ref.kind,
                namespace: spec.namespace,
                name: ref.name,
                by: source.source.unread,
                location: locate(source),
                identity: source.body,
              },
              knownValues,
            );
        }
      }
      variables.addInline(
        spec.substitute,
        `Kustomization ${spec.key} spec.postBuild.substitute`,
        name =>
          spec.object
            ? locate(spec.object, ['spec', 'postBuild', 'substitute', name])
            : declLocation,
      );
      // the webhook writes its keys into postBuild.substitute, over the
      // Kustomization's own; a source it does not find gives nothing
      for (const ref of injected?.webhook.sources ?? []) {
        const source = injected!.lookup(ref.kind, ref.name);
        if (!source) continue;
        if (isProvided(source)) variables.addProvided(source, knownValues);
        else addRead(source, ref.kind);
      }
      const invalid = variables.invalidNames();
      if (invalid.length) {
        for (const name of invalid) {
          const v = variables.get(name)!;
          findings.push({
            code: 'substitution-failed',
            severity: 'error',
            cluster,
            message: `the variable name "${name}" (${v.origin}) is invalid: Flux requires ^[_[:alpha:]][_[:alpha:][:digit:]]*$ and fails Kustomization ${spec.key}`,
            location: v.location,
          });
        }
        failed = true;
      } else if (!variables.isEmpty || this.#options.substituteAlways) {
        // its own sources, as its file writes them, that a parent's patch
        // setting the list has replaced: said with a variable they may hold
        const ownSources = spec.object
          ? getPath(spec.object.source.root, [
              'spec',
              'postBuild',
              'substituteFrom',
            ])
          : undefined;
        const replaced = (Array.isArray(ownSources) ? ownSources : []).filter(
          r =>
            isRecord(r) &&
            !spec.substituteFrom.some(
              e => e.kind === r.kind && e.name === r.name,
            ),
        );
        const replacedNote = replaced.length
          ? ` (its own postBuild.substituteFrom, ${replaced
              .map(r => `${r.kind} ${r.name}`)
              .join(', ')} at ${formatLocation(
              locate({ source: { ...spec.object!.source, patches: [] } }, [
                'spec',
                'postBuild',
                'substituteFrom',
              ]),
            )}, is replaced by a parent's patch that sets the list)`
          : '';
        objects = objects.map(object => {
          const result = this.#substitution.substituteObject(
            object,
            variables,
            {
              strict: this.#options.strictSubstitution,
            },
          );
          for (const problem of result.problems) {
            const where = substitutionProblemAt(
              object,
              problem,
              undefined,
              this.#readText,
            );
            if (problem.severity === 'error') failed = true;
            const subject = `${describeObject(
              object,
            )}, applied by Kustomization ${spec.key}`;
            if (problem.severity === 'info') {
              const origin =
                problem.variable && variables.get(problem.variable)?.origin;
              findings.push({
                code: 'not-evaluated',
                severity: 'info',
                cluster,
                message: `in ${subject}: ${problem.message}${
                  origin ? ` (${problem.variable} may come from ${origin})` : ''
                }`,
                location: where,
                mayChange: true,
                build: spec.key,
              });
              continue;
            }
            // several undefined in one value: each one's line
            const lines = problem.variables
              ?.map(
                variable =>
                  substitutionProblemAt(
                    object,
                    { ...problem, variable },
                    undefined,
                    this.#readText,
                  ).line,
              )
              .filter((line): line is number => line !== undefined);
            const linesNote =
              lines && new Set(lines).size > 1
                ? ` (lines ${[...new Set(lines)].join(', ')})`
                : '';
            findings.push({
              code: 'substitution-failed',
              severity: problem.severity,
              cluster,
              message: `in ${subject}: ${problem.message}${linesNote}${
                problem.reason === 'undefined' ? replacedNote : ''
              }`,
              location: where,
              cause: {
                // one undefined variable is one cause wherever it is used;
                // anything else is a cause where it stands
                key:
                  problem.reason === 'undefined'
                    ? `undefined:${(
                        problem.variables ?? [problem.variable]
                      ).join(',')}`
                    : `${problem.reason}:${where.file}:${where.line}`,
                message: problem.message,
                subject,
              },
            });
          }
          return result.object;
        });
      }
    }
    return {
      key: spec.key,
      name: spec.name,
      namespace: spec.namespace,
      path: spec.path,
      object: spec.object,
      parent,
      postBuild,
      substituteFrom: spec.substituteFrom,
      ...(injected && {
        injectedFrom: injected.webhook.sources.map(ref => ({
          ...ref,
          namespace: injected.webhook.namespace,
        })),
      }),
      dependsOn: spec.dependsOn,
      variables,
      objects,
      failed,
      commonMetadata: spec.commonMetadata,
    };
  }
}

/**
 * Every object the Kustomizations apply, with the first that applies it. The
 * same document applied by two Kustomizations (two roots reconciling one
 * folder) is one object in the cluster, kept once; the same name from other
 * documents, or substituted otherwise, is kept twice (two versions that
 * fight over one object).
 */
function appliedObjects(rendered: RenderedKustomization[]): {
  objects: ClusterRender['objects'];
  /** Documents applied again, differently, by another Kustomization. */
  twice: AppliedTwice[];
} {
  /** The versions kept of each object of each document, compared only on a repeat. */
  const versions = new Map<string, SubstitutedObject[]>();
  const firstBy = new Map<string, RenderedKustomization>();
  const out: ClusterRender['objects'] = [];
  const twice: AppliedTwice[] = [];
  for (const k of rendered)
    for (const object of k.objects) {
      const key = `${objectKey({
        ...object,
        // one object of a cluster-scoped kind, whatever namespace it is given
        namespace: isClusterScopedInCluster(object.kind)
          ? undefined
          : object.namespace ?? k.namespace,
      })}|${object.source.file}|${object.source.index}`;
      const seen = versions.get(key);
      if (!seen) {
        versions.set(key, [object]);
        firstBy.set(key, k);
      } else {
        // what each build stamps on all it applies (commonMetadata, the
        // origin annotation) makes no second version: Flux's own ownership
        // labels differ the same way
        const first = firstBy.get(key)!;
        const body = JSON.stringify(withoutStamps(object.body, first, k));
        if (
          seen.some(
            v => JSON.stringify(withoutStamps(v.body, first, k)) === body,
          )
        )
          continue;
        seen.push(object);
        // said only of two Kustomizations declared in the repository (a
        // root with no declaration is this engine's stand-in for what
        // reconciles the entry, maybe the very one declared beside it),
        // not of a Kustomization applying its own declaration, nor of an
        // object whose name is not known here (a Secret's value names
        // each app's claim alike)
        if (
          first !== k &&
          first.object &&
          k.object &&
          !isKustomizationItself(object, first, k) &&
          !nameNotKnown(object)
        )
          twice.push({
            object,
            first,
            again: k,
            ...(sameButMetadata(seen[0].body, object.body) && {
              metadataOnly: true,
            }),
          });
      }
      out.push({ object, appliedBy: k });
    }
  return { objects: out, twice };
}

/**
 * An object's body without what each build stamps on all it applies: the
 * labels and annotations of the Kustomizations' commonMetadata, and the
 * origin annotation kustomize-controller asks for (a path relative to the
 * folder built, different from each).
 */
function withoutStamps(
  body: Record<string, unknown>,
  ...appliers: RenderedKustomization[]
): Record<string, unknown> {
  if (!isRecord(body.metadata)) return body;
  const metadata: Record<string, unknown> = { ...body.metadata };
  for (const field of ['labels', 'annotations'] as const) {
    const held = metadata[field];
    if (!isRecord(held)) continue;
    const kept = { ...held };
    for (const k of appliers)
      for (const key of Object.keys(k.commonMetadata?.[field] ?? {}))
        delete kept[key];
    if (field === 'annotations') delete kept['config.kubernetes.io/origin'];
    // only stamps: as without any
    if (Object.keys(kept).length) metadata[field] = kept;
    else delete metadata[field];
  }
  return { ...body, metadata };
}

/** Two versions of an object that differ only in their labels and annotations. */
function sameButMetadata(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): boolean {
  const bare = (body: Record<string, unknown>) => {
    if (!isRecord(body.metadata)) return JSON.stringify(body);
    const { labels, annotations, ...metadata } = body.metadata;
    return JSON.stringify({ ...body, metadata });
  };
  return bare(a) === bare(b);
}

/** Whether an object's name or namespace holds a value not known here. */
function nameNotKnown(object: SubstitutedObject): boolean {
  const name = `${object.namespace ?? ''}/${object.name}`;
  return hasUnresolvedReference(name) || unknownVariablesIn(name).length > 0;
}

/** Whether an object is one of the two Kustomizations that apply it. */
function isKustomizationItself(
  object: SubstitutedObject,
  ...appliers: RenderedKustomization[]
): boolean {
  return appliers.some(
    k =>
      object.kind === 'Kustomization' &&
      object.name === k.name &&
      (object.namespace ?? k.namespace) === k.namespace,
  );
}

/** Where a Kustomization's `spec.dependsOn` names a dependency (`namespace/name`). */
function dependsOnLocation(
  decl: ManifestObject,
  namespace: string,
  dep: string,
) {
  const entries = (getPath(decl.body, ['spec', 'dependsOn']) ??
    []) as unknown[];
  const index = entries.findIndex(
    d => isRecord(d) && `${d.namespace ?? namespace}/${d.name}` === dep,
  );
  return locate(
    decl,
    index >= 0 ? ['spec', 'dependsOn', index] : ['spec', 'dependsOn'],
  );
}

/**
 * A Kustomization that depends on one only its own build applies (declared
 * in the folders it applies, directly or below): Flux reconciles it once
 * the dependency is ready, which it never is on a new cluster, since
 * nothing else creates it. A running cluster that had the dependency from
 * before goes on; a new one waits for ever.
 */
function selfDependencies(
  rendered: readonly RenderedKustomization[],
  cluster: string,
): EngineFinding[] {
  const byKey = new Map(rendered.map(k => [k.key, k]));
  const appliedBy = (k: RenderedKustomization, ancestor: string) => {
    for (let at = k.parent; at !== undefined; at = byKey.get(at)?.parent)
      if (at === ancestor) return true;
    return false;
  };
  const out: EngineFinding[] = [];
  for (const k of rendered) {
    if (!k.object) continue;
    const besideIt = appliedBeforeItself(k, k.object);
    for (const dep of k.dependsOn) {
      const target = byKey.get(dep);
      if (!target || !appliedBy(target, k.key)) continue;
      if (target.object && besideIt(target.object.source.file)) continue;
      out.push({
        code: 'flux-error',
        severity: 'warning',
        cluster,
        message: `Kustomization ${
          k.key
        } depends on Kustomization ${dep}, which only its own build applies (${
          target.object ? formatLocation(locate(target.object)) : dep
        }): on a new cluster ${dep} does not exist until ${
          k.key
        } has applied it, so Flux never reconciles ${
          k.key
        } and nothing of it is applied (a running cluster that has ${dep} from before goes on); depend on it from outside that build, or drop the dependency`,
        location: dependsOnLocation(k.object, k.namespace, dep),
      });
    }
  }
  return out;
}

/**
 * Whether a file a Kustomization's own build applies exists before it
 * first reconciles: its declaration's file, and, for an entry that applies
 * its own declaration (first applied from outside, a bootstrap's
 * `kubectl apply -k`), what is declared beside it.
 */
function appliedBeforeItself(
  k: RenderedKustomization,
  declaration: ManifestObject,
): (file: string) => boolean {
  const declaredIn = declaration.source.file;
  const selfApplied = k.objects.some(
    o =>
      o.source.file === declaredIn &&
      o.kind === 'Kustomization' &&
      o.name === k.name,
  );
  return file =>
    file === declaredIn ||
    (selfApplied && isPathUnder(file, dirnamePath(declaredIn)));
}

/**
 * A Kustomization that substitutes from a ConfigMap or Secret (not
 * optional) that only its own build applies: Flux reads its
 * substituteFrom sources before it applies anything, so where the source
 * is not there yet (a new cluster; the first reconcile after it was added)
 * it fails the Kustomization, and the source is never created.
 */
function selfSubstitutions(
  rendered: readonly RenderedKustomization[],
  cluster: string,
  /** Whether a bootstrap script applies an object (its file, or another of its kind and name) before Flux runs. */
  appliedByScript: (object: SubstitutedObject) => boolean,
): EngineFinding[] {
  const byKey = new Map(rendered.map(k => [k.key, k]));
  const within = (k: RenderedKustomization, ancestor: string) => {
    for (let at: string | undefined = k.key; at !== undefined; ) {
      if (at === ancestor) return true;
      at = byKey.get(at)?.parent;
    }
    return false;
  };
  const out: EngineFinding[] = [];
  for (const k of rendered) {
    // the entry is applied from outside (a bootstrap), which may make its
    // sources first
    if (!k.object || !k.postBuild || k.parent === undefined) continue;
    const besideIt = appliedBeforeItself(k, k.object);
    for (const ref of k.substituteFrom) {
      if (ref.optional) continue;
      const appliers = rendered.filter(r =>
        r.objects.some(
          o =>
            o.kind === ref.kind &&
            o.name === ref.name &&
            (o.namespace ?? r.namespace) === k.namespace &&
            !besideIt(o.source.file),
        ),
      );
      if (!appliers.length || !appliers.every(r => within(r, k.key))) continue;
      const made = appliers
        .flatMap(r => r.objects)
        .find(o => o.kind === ref.kind && o.name === ref.name)!;
      // applied first by the bootstrap (its script names the file, or a
      // template of the object: `op inject --in-file secrets.yaml.tpl`)
      if (appliedByScript(made)) continue;
      out.push({
        code: 'flux-error',
        severity: 'warning',
        cluster,
        message: `Kustomization ${k.key} substitutes from ${ref.kind} ${
          k.namespace
        }/${ref.name}, which only its own build applies (${formatLocation(
          locate(made),
        )}): Flux reads the sources of substituteFrom before it applies anything, so on a new cluster, or at the first reconcile after ${
          ref.name
        } was added, the ${ref.kind} is not there, Flux fails ${
          k.key
        } and never creates it (a running cluster that has it from before goes on); apply it from a Kustomization ${
          k.key
        } depends on, or from the one that applies ${k.key}`,
        location: locate(k.object, substituteFromPath(k.object, ref)),
      });
    }
  }
  return out;
}

/**
 * One document applied by two Kustomizations of a cluster, each its own
 * way (one substitutes, the other does not; other patches): two versions
 * of one object, each reconcile writing its own over the other's. One
 * cause per pair of Kustomizations, however many objects they share.
 */
function appliedTwice(
  { object, first, again, metadataOnly }: AppliedTwice,
  cluster: string,
): EngineFinding {
  const how = (k: RenderedKustomization) =>
    `${k.key}${k.postBuild ? '' : ' (no substitution)'}`;
  return {
    code: 'flux-error',
    // labels that flip at each reconcile break only what selects by them
    // (rwlove's shared OCIRepository, one app's commonLabels)
    severity: metadataOnly ? 'warning' : 'error',
    cluster,
    message: `${describeObject(object)} is applied by Kustomization ${how(
      first,
    )} and, differently, by Kustomization ${how(
      again,
    )}: two versions of one object, each reconcile overwriting the other's${
      metadataOnly
        ? " (they differ only in labels or annotations, such as one folder's commonLabels: what selects by them sees them come and go)"
        : ''
    }`,
    location: locate(object),
    // both are applied: nothing of the cluster is kept from being applied
    holdsNothingBack: true,
    cause: {
      key: `applied-twice:${first.key}|${again.key}`,
      message: `Kustomizations ${how(first)} and ${how(
        again,
      )} both apply the same files, each its own way: every object of them is two versions that overwrite each other at each reconcile; let one of them apply those files (often a folder without a kustomization file: the one Flux generates for it takes in every sub-folder that has one, also a folder another Kustomization applies)`,
      subject: describeObject(object),
    },
  };
}

/**
 * A substitution source (ConfigMap, Secret) that two Kustomizations apply
 * from different documents with different data (sklab-dev's
 * `flux-system/cluster-settings`, the cluster's file and a shared
 * component's): each reconcile overwrites the other's, so what a
 * Kustomization substituting from it gets depends on which ran last.
 * A Secret's values are compared by their keys only (SOPS encrypts each
 * copy its own way).
 */
function sourcesAppliedTwice(
  rendered: readonly RenderedKustomization[],
  reads: readonly SourceRead[],
  cluster: string,
): EngineFinding[] {
  const read = new Set(reads.map(r => storedKey(r.kind, r.namespace, r.name)));
  // by object first; the data compared only where another Kustomization
  // applies another document of it (rare: a mesh's settings are large)
  const applied = new Map<
    string,
    { object: SubstitutedObject; by: RenderedKustomization }[]
  >();
  for (const k of rendered)
    for (const object of k.objects) {
      if (object.kind !== 'ConfigMap' && object.kind !== 'Secret') continue;
      const key = storedKey(
        object.kind,
        object.namespace ?? k.namespace,
        object.name,
      );
      if (!read.has(key)) continue;
      const list = applied.get(key);
      if (list) list.push({ object, by: k });
      else applied.set(key, [{ object, by: k }]);
    }
  const out: EngineFinding[] = [];
  for (const [key, list] of applied) {
    if (list.length < 2) continue;
    const [first] = list;
    const firstData = dataOf(first.object);
    const other = list.find(
      v =>
        v.by !== first.by &&
        (v.object.source.file !== first.object.source.file ||
          v.object.source.index !== first.object.source.index) &&
        differingKeys(firstData, dataOf(v.object)).length > 0,
    );
    if (!other) continue;
    const keys = differingKeys(firstData, dataOf(other.object));
    const flips = `two versions of one object, each reconcile overwriting the other's, so what the Kustomizations that substitute from it get depends on which applied it last (${firstFew(
      keys,
    )} ${keys.length > 1 ? 'differ' : 'differs'}); keep one of them`;
    const again = `by Kustomization ${other.by.key} (${formatLocation(
      locate(other.object),
    )})`;
    out.push({
      code: 'flux-error',
      // Flux applies both without failing: the values flip
      severity: 'warning',
      cluster,
      message: `${describeObject(first.object)} is applied by Kustomization ${
        first.by.key
      } and, with other data, ${again}: ${flips}`,
      location: locate(first.object),
      // each cluster's own copy against one shared: one cause
      cause: {
        key: `source-applied-twice:${key}|${other.object.source.file}`,
        message: `${describeObject(
          first.object,
        )} is applied by each cluster's Kustomization ${
          first.by.key
        } and, with other data, ${again}: ${flips}`,
        subject: describeObject(first.object),
      },
    });
  }
  return out;
}

/** A source's entries, each value as compared (a Secret's by its key only: SOPS encrypts each copy its own way). */
function dataOf(object: SubstitutedObject): Map<string, string> {
  const data = new Map<string, string>();
  for (const field of ['data', 'stringData', 'binaryData']) {
    const entries = object.body[field];
    if (!isRecord(entries)) continue;
    for (const [name, value] of Object.entries(entries))
      data.set(
        name,
        object.kind === 'Secret' ? '' : JSON.stringify(value ?? null),
      );
  }
  return data;
}

/** The field of a kind whose values the API server takes as text only. */
const textFields = new Map([
  ['ConfigMap', 'data'],
  ['Secret', 'stringData'],
]);

/**
 * A ConfigMap (`data`) or Secret (`stringData`) whose value is a number or
 * a boolean as Flux applies it: the API server refuses it (its values are
 * text), and the Kustomization's apply fails. The common cause is Flux's
 * substitution: kustomize writes `"${CLUSTER_ID}"` unquoted, and the
 * number Flux inserts is a number again (its docs: a quote variable).
 */
function nonTextData(
  rendered: readonly RenderedKustomization[],
  cluster: string,
): EngineFinding[] {
  const out: EngineFinding[] = [];
  for (const k of rendered)
    for (const object of k.objects) {
      const field = textFields.get(object.kind);
      const entries = field && object.body[field];
      if (!field || !isRecord(entries)) continue;
      // (no array of entries: a mesh's settings hold an entry per peer)
      for (const key of Object.keys(entries)) {
        const value = entries[key];
        if (typeof value !== 'number' && typeof value !== 'boolean') continue;
        const substituted = object.substitutedField?.([field, key]);
        const how = substituted
          ? `once Flux substitutes ${JSON.stringify(
              substituted.raw,
            )} (kustomize writes it unquoted, so the ${typeof value} Flux inserts stays one)`
          : 'as written';
        const message = `${describeObject(object)} holds ${key}: ${String(
          value,
        )}, a ${typeof value}, ${how}: the API server refuses a ${
          object.kind
        } whose ${field} is not text, so Flux fails the apply of Kustomization ${
          k.key
        }; ${
          substituted
            ? `quote what Flux inserts (\`\${quote}\${${
                substituted.variables[0]
              }}\${quote}\` with \`quote: '"'\` in the Kustomization's postBuild.substitute, as Flux's docs show), or keep the ${typeof value} out of this ${
                object.kind
              }`
            : `quote the value ("${String(value)}")`
        }`;
        out.push({
          code: 'flux-error',
          severity: 'error',
          cluster,
          message,
          location: locate(object, [field, key]),
          // one file given to many namespaces (a component's copy): one cause
          cause: {
            key: `non-text-data:${object.source.file}:${key}`,
            message: `${object.kind} ${object.name} of ${
              object.source.file
            } holds ${key}: ${String(
              value,
            )}, a ${typeof value}, ${how}: the API server refuses a ${
              object.kind
            } whose ${field} is not text, so Flux fails the apply of each Kustomization that applies it`,
            subject: describeObject(object),
          },
        });
      }
    }
  return out;
}

/** The keys one version of a source holds that the other does not, or holds otherwise. */
function differingKeys(
  a: ReadonlyMap<string, string>,
  b: ReadonlyMap<string, string>,
): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter(k => a.get(k) !== b.get(k)).sort();
}

/** One object applied by three or more Kustomizations of a cluster, each its own way. */
function appliedManyTimes(
  all: readonly AppliedTwice[],
  cluster: string,
  id: string,
): EngineFinding {
  const { object, first } = all[0];
  const metadataOnly = all.every(t => t.metadataOnly);
  const how = (k: RenderedKustomization) =>
    `${k.key}${k.postBuild ? '' : ' (no substitution)'}`;
  const message = `${describeObject(object)} is applied by Kustomization ${how(
    first,
  )} and, differently, by ${all.length} more (${all
    .map(t => how(t.again))
    .join(', ')}): ${
    all.length + 1
  } versions of one object, each reconcile overwriting the others'${
    metadataOnly
      ? ' (they differ only in labels or annotations: what selects by them sees them come and go)'
      : ''
  }`;
  return {
    code: 'flux-error',
    severity: metadataOnly ? 'warning' : 'error',
    cluster,
    message,
    location: locate(object),
    holdsNothingBack: true,
    cause: {
      key: `applied-many-times:${id}`,
      message,
      subject: describeObject(object),
    },
  };
}

/** Looks substitution sources up in the stored objects, recording each read. */
/** The path of a source in a Kustomization's own substituteFrom list (the list, when a parent's patches gave it). */
function substituteFromPath(
  declaration: ManifestObject,
  ref: SubstituteReference,
): (string | number)[] {
  const list: (string | number)[] = ['spec', 'postBuild', 'substituteFrom'];
  const own = getPath(declaration.body, list);
  const at = Array.isArray(own)
    ? own.findIndex(
        r =>
          isRecord(r) &&
          r.name === ref.name &&
          (r.kind ?? 'ConfigMap') === ref.kind,
      )
    : -1;
  return at >= 0 ? [...list, at] : list;
}

/** Where a substitution source the cluster does not apply may come from, said for its variables. */
function unappliedSourceBy(
  definedIn: readonly string[],
  sealed: readonly string[],
  /** Its kind and name (`ConfigMap cluster-settings`), where the repository has it only in other namespaces. */
  elsewhere?: string,
): string {
  // another namespace's object of that name is not it: made outside the
  // repository, if at all (shelmus' copy)
  if (definedIn.length && elsewhere)
    return `outside the repository, whose ${elsewhere} is in another namespace (${firstFew(
      definedIn,
    )})`;
  if (definedIn.length)
    return `${firstFew(definedIn)}, not applied to the cluster`;
  if (sealed.length)
    return `a SOPS file whose kind and name are encrypted, maybe ${firstFew(
      sealed,
    )}`;
  return 'outside the repository';
}

function sourceLookup(
  namespace: string,
  maps: ReadonlyMap<string, StoredSource>[],
  reads: SourceRead[],
): SourceLookup {
  const peek = (kind: string, name: string) =>
    maps.map(m => storedAt(m, kind, namespace, name)).find(Boolean);
  const lookup = (kind: string, name: string) => {
    const found = peek(kind, name);
    reads.push({ kind, namespace, name, seen: found });
    return found;
  };
  lookup.peek = peek;
  lookup.sealed = () => {
    const files = new Set<string>();
    // SOPS leaves keys in clear: what any of them may hold
    let keys: Set<string> | undefined = new Set();
    for (const map of maps)
      for (const stored of map.values()) {
        if (isProvided(stored) || !hasSealedIdentity(stored.body)) continue;
        files.add(stored.source.file);
        const { data, stringData } = stored.body;
        if (!isRecord(data) && !isRecord(stringData)) keys = undefined;
        for (const k of keysHeld(stored.body, 'Secret')) keys?.add(k);
      }
    return { files: [...files].sort(), keys: keys && [...keys].sort() };
  };
  return lookup;
}

/** The keys Flux substitutes from a ConfigMap (`data`) or a Secret (`data`, `stringData`). */
function keysHeld(body: Record<string, unknown>, kind: string): string[] {
  const fields = kind === 'ConfigMap' ? ['data'] : ['data', 'stringData'];
  return fields.flatMap(f => (isRecord(body[f]) ? Object.keys(body[f]) : []));
}

/** Finds a substitution source the cluster applies, by kind and name in the Kustomization's namespace. */
interface SourceLookup {
  (kind: string, name: string): StoredSource | undefined;
  /**
   * The same, not recorded among what the rendering waits on (a finding
   * only, never a value: no second pass for it).
   */
  peek(kind: string, name: string): StoredSource | undefined;
  /**
   * The files of SOPS-encrypted objects applied so far whose kind or name
   * are encrypted too (any may be the one looked for), and the keys they
   * hold (undefined when one holds neither data nor stringData).
   */
  sealed(): { files: string[]; keys?: string[] };
}

/**
 * A missing substitution source the cluster has in another namespace:
 * said so, since Flux reads a Kustomization's sources from its own
 * namespace (an ExternalSecret's Secret in flux-system, named by a
 * Kustomization of an app's namespace).
 */
function sourcesInOtherNamespaces(
  findings: EngineFinding[],
  objects: ClusterRender['objects'],
  cluster: string,
): EngineFinding[] {
  const located = findings.map(f => ({
    f,
    found: f.missingSource ? inOtherNamespaces(objects, f.missingSource) : [],
  }));
  // a patch giving every child Kustomization the source names it in each
  // of their namespaces: one cause, at one line, its namespaces listed
  const placeOf = (l: (typeof located)[number]) =>
    l.found.length && l.f.location
      ? `${l.f.missingSource!.kind}|${l.f.missingSource!.name}|${
          l.f.location.file
        }:${l.f.location.line}`
      : undefined;
  const byPlace = new Map<string, (typeof located)[number][]>();
  for (const l of located) {
    const place = placeOf(l);
    if (place) byPlace.set(place, [...(byPlace.get(place) ?? []), l]);
  }
  return located.flatMap(l => {
    const missing = l.f.missingSource;
    if (!missing || !l.found.length) return [l.f];
    const same = byPlace.get(placeOf(l)!)!;
    const namespaces = [
      ...new Set(same.map(s => s.f.missingSource!.namespace)),
    ].sort();
    if (namespaces.length < 2) {
      const elsewhere = `cluster ${cluster} has ${missing.kind} ${
        missing.name
      } ${foundIn(
        l.found,
      )}, and Flux reads a Kustomization's substitution sources from its own namespace, ${
        missing.namespace
      }`;
      const why = `${missing.source} is named by substituteFrom, but ${elsewhere}: Flux fails each Kustomization that needs it there (create it in ${missing.namespace} too, or mark it optional)`;
      return [
        {
          ...l.f,
          message: why,
          cause: l.f.cause && { ...l.f.cause, message: why },
          missingSource: { ...missing, elsewhere },
        },
      ];
    }
    if (same[0] !== l) return [];
    const found = l.found.filter(n => !namespaces.includes(n.namespace));
    const has = (who: string) =>
      `${who} has ${missing.kind} ${missing.name} ${
        found.length ? foundIn(found) : 'in none of them'
      }, and Flux reads a Kustomization's substitution sources from its own namespace`;
    const named = `${missing.kind} ${
      missing.name
    } is named by substituteFrom for Kustomizations of ${
      namespaces.length
    } namespaces (${firstFew(namespaces)})`;
    const fails =
      'Flux fails each Kustomization that needs it there (create it in those namespaces too, or mark it optional)';
    const why = `${named}, but ${has(`cluster ${cluster}`)}: ${fails}`;
    const source = `${missing.kind} ${missing.name} (${namespaces.length} namespaces)`;
    return [
      {
        ...l.f,
        message: why,
        cause: l.f.cause && {
          ...l.f.cause,
          key: `missing-source:${source}`,
          message: `${named}, but ${has('the cluster')}: ${fails}`,
        },
        missingSource: {
          ...missing,
          source,
          elsewhere: has(`cluster ${cluster}`),
        },
      },
    ];
  });
}

/** Where a cluster has a source, in words: the first namespace and file, the others counted. */
function foundIn(found: { namespace: string; location: SourceLocation }[]) {
  const [first, ...more] = found;
  // a component that gives every namespace its copy: a few named, counted
  const named = more.slice(0, 3).map(n => n.namespace);
  const rest = more.length - named.length;
  return more.length
    ? `only in other namespaces: ${first.namespace} (${formatLocation(
        first.location,
      )}), ${named.join(', ')}${rest ? ` and ${rest} more` : ''}`
    : `only in namespace ${first.namespace} (${formatLocation(
        first.location,
      )})`;
}

/**
 * The objects of a missing source's kind and name that the cluster
 * applies, or another controller makes from what it applies, in other
 * namespaces: the first of each namespace.
 */
function inOtherNamespaces(
  objects: ClusterRender['objects'],
  missing: { kind: string; namespace: string; name: string },
): { namespace: string; location: SourceLocation }[] {
  const found = new Map<string, SourceLocation>();
  for (const { object, appliedBy } of objects) {
    if (object.name !== missing.name && object.kind === missing.kind) continue;
    const made = madeObject(object, object.namespace ?? appliedBy.namespace);
    if (
      made.kind === missing.kind &&
      made.name === missing.name &&
      made.namespace !== missing.namespace &&
      !found.has(made.namespace)
    )
      found.set(made.namespace, made.origin().location);
  }
  return [...found].map(([namespace, location]) => ({ namespace, location }));
}

/**
 * A substitution source the cluster does not apply is an error only when
 * every Kustomization of the cluster was read: one that was not (another
 * source, an artifact's root, a path not known here) may apply it.
 */
function sourcesMaybeUnread(findings: EngineFinding[]): EngineFinding[] {
  const unread = findings.find(f => f.unbuilt);
  if (!unread) return findings;
  return findings.map(f => {
    if (f.code !== 'flux-error' || !f.cause?.key.startsWith('missing-source:'))
      return f;
    const missing = f.cause.key.slice('missing-source:'.length);
    const elsewhere = f.missingSource?.elsewhere;
    const why = `${missing} is named by substituteFrom, and no Kustomization of the cluster read here applies it, but some are not read and may (e.g. ${
      unread.message
    })${elsewhere ? `; ${elsewhere}` : ''}; its variables are not known here`;
    return {
      ...f,
      code: 'not-evaluated',
      severity: 'warning',
      message: why,
      cause: { ...f.cause, key: `unread-source:${missing}`, message: why },
    };
  });
}

/** A Flux Operator ResourceSet: it makes objects from a template and its inputs. */
function isResourceSet(object: ManifestObject): boolean {
  return (
    object.kind === 'ResourceSet' &&
    object.apiVersion.startsWith('fluxcd.controlplane.io/')
  );
}

/**
 * What a ResourceSet makes is not read: its template (Go templates over
 * its inputs, or inputs from a provider in the cluster) is not expanded
 * here, so the HelmReleases and Kustomizations it makes are not known.
 */
function resourceSetNotExpanded(
  object: ManifestObject,
  appliedBy: RenderedKustomization,
  cluster: string,
): EngineFinding {
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const inputs = Array.isArray(spec.inputs) ? spec.inputs.length : 0;
  const providers = Array.isArray(spec.inputsFrom) ? spec.inputsFrom.length : 0;
  const from = [
    inputs ? `${inputs} input${inputs === 1 ? '' : 's'}` : '',
    providers
      ? `inputs from ${providers} provider${providers === 1 ? '' : 's'}`
      : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const name = `ResourceSet ${object.namespace ?? appliedBy.namespace}/${
    object.name
  }`;
  const inert = inertKinds(spec);
  const confined = inert ? undefined : resourceSetNamespace(spec);
  return {
    code: 'not-evaluated',
    severity: 'warning',
    cluster,
    message: `${name}, applied by Kustomization ${
      appliedBy.key
    }, makes objects from its template${
      from ? ` and ${from}` : ''
    }, which this engine does not expand (Flux Operator); what it applies is not evaluated${
      inert
        ? ` (it makes only ${inert.join(
            ', ',
          )}: none of the cluster's ClusterMesh objects)`
        : ''
    }`,
    location: locate(object),
    ...(inert ? { holdsNoMeshObjects: true } : { unbuilt: true }),
    ...(confined !== undefined && { onlyNamespace: confined }),
  };
}

/**
 * The one namespace everything a ResourceSet makes lands in, when each of
 * its resources names it as written (no input in it): a namespaced
 * object's own, a Kustomization's or HelmRelease's `targetNamespace` (what
 * they apply goes there). A cluster-scoped object other than a Namespace
 * (a pool), or a template, leaves it undefined.
 */
function resourceSetNamespace(
  spec: Record<string, unknown>,
): string | undefined {
  if (spec.resourcesTemplate !== undefined) return undefined;
  const resources = Array.isArray(spec.resources) ? spec.resources : [];
  const namespaces = new Set<unknown>();
  for (const resource of resources) {
    if (!isRecord(resource) || typeof resource.kind !== 'string')
      return undefined;
    if (resource.kind === 'Namespace') continue;
    if (isClusterScopedInCluster(resource.kind)) return undefined;
    namespaces.add(getPath(resource, ['metadata', 'namespace']));
    if (resource.kind === 'Kustomization' || resource.kind === 'HelmRelease')
      namespaces.add(getPath(resource, ['spec', 'targetNamespace']));
  }
  const [namespace] = namespaces;
  return namespaces.size === 1 &&
    typeof namespace === 'string' &&
    !namespace.includes('<<') &&
    !hasUnresolvedReference(namespace)
    ? namespace
    : undefined;
}

/**
 * Kinds that hold nothing a ClusterMesh DNS check reads: no settings,
 * values, records, pools, announcements or services asking an address.
 */
const inertResourceKinds = new Set([
  'Namespace',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'ReferenceGrant',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'SecurityPolicy',
  'PersistentVolumeClaim',
  'PodDisruptionBudget',
  'ServiceMonitor',
  'PodMonitor',
  'PrometheusRule',
  'OCIRepository',
  'GitRepository',
  'HelmRepository',
  'Bucket',
  'Receiver',
  'Alert',
  'Provider',
]);

/**
 * The kinds a ResourceSet makes, when every one is written out and none
 * can hold what a check reads; a HelmRelease counts only as Flux's own
 * operator (the flux-operator or flux-instance chart, by name or by its
 * OCIRepository's URL in the same set), with no post-renderers, and a
 * Kustomization only as one that applies Flux's own manifests (an
 * OCIRepository of the set fetching `flux-operator-manifests` or
 * `flux-manifests`, as Flux Operator's self-upgrade does). A URL may be
 * an input (`<< inputs.url >>`) that every input gives alike. Undefined
 * otherwise.
 */
function inertKinds(spec: Record<string, unknown>): string[] | undefined {
  const kinds: string[] = [];
  const resources = Array.isArray(spec.resources) ? spec.resources : [];
  const inputs = Array.isArray(spec.inputs) ? spec.inputs : [];
  const fluxOwn = /(^|\/)flux-(operator|instance)$/;
  const fluxManifests = /(^|\/)flux(-operator)?-manifests$/;
  /** A value as written, or the input it names when every input gives the same. */
  const fromInputs = (value: unknown) => {
    const input =
      typeof value === 'string' &&
      /^<<\s*inputs\.([\w.]+)\s*(?:\|\s*quote\s*)?>>$/.exec(value.trim());
    if (!input) return value;
    const given = new Set(inputs.map(i => getPath(i, input[1].split('.'))));
    return given.size === 1 ? [...given][0] : undefined;
  };
  const ociUrl = (name: unknown) => {
    const url = fromInputs(
      resources.find(
        r =>
          isRecord(r) &&
          r.kind === 'OCIRepository' &&
          getPath(r, ['metadata', 'name']) === name,
      )?.spec?.url,
    );
    return typeof url === 'string' ? url.replace(/\/$/, '') : undefined;
  };
  for (const resource of resources) {
    if (!isRecord(resource) || typeof resource.kind !== 'string')
      return undefined;
    if (resource.kind === 'Kustomization') {
      const source = getPath(resource, ['spec', 'sourceRef']);
      const url =
        isRecord(source) && source.kind === 'OCIRepository'
          ? ociUrl(source.name)
          : undefined;
      if (!url || !fluxManifests.test(url)) return undefined;
      kinds.push("Kustomization of Flux's own manifests");
      continue;
    } else if (resource.kind === 'HelmRelease') {
      const chart =
        getPath(resource, ['spec', 'chart', 'spec', 'chart']) ??
        ociUrl(getPath(resource, ['spec', 'chartRef', 'name']));
      if (
        typeof chart !== 'string' ||
        !fluxOwn.test(chart.replace(/\/$/, '')) ||
        getPath(resource, ['spec', 'postRenderers']) !== undefined
      )
        return undefined;
    } else if (!inertResourceKinds.has(resource.kind)) return undefined;
    kinds.push(resource.kind);
  }
  if (spec.resourcesTemplate !== undefined) {
    if (typeof spec.resourcesTemplate !== 'string') return undefined;
    // the template's objects: their top-level kind lines
    const written = [
      ...spec.resourcesTemplate.matchAll(/^kind:\s*(\S+)/gm),
    ].map(m => m[1]);
    // a document without a kind line of its own, or a kind from a template
    const documents = spec.resourcesTemplate
      .split(/^---\s*$/m)
      .filter(d => d.trim() !== '');
    if (
      written.length !== documents.length ||
      written.some(k => !inertResourceKinds.has(k))
    )
      return undefined;
    kinds.push(...written);
  }
  return kinds.length ? [...new Set(kinds)] : undefined;
}

/** The URL a source fetches (`spec.url`) and its ref, when the repository defines it. */
function sourceSpecOf(
  source: StoredSource | undefined,
): SourceSpec | undefined {
  if (!source || isProvided(source)) return undefined;
  const url = getPath(source.body, ['spec', 'url']);
  return typeof url === 'string'
    ? { url, ref: getPath(source.body, ['spec', 'ref']) }
    : undefined;
}

function sameDeclaration(
  a: ManifestObject,
  b: ManifestObject | undefined,
): boolean {
  return (
    !!b && a.source.file === b.source.file && a.source.index === b.source.index
  );
}

/**
 * The kubeconfig Secret a Flux object (Kustomization, HelmRelease) names in
 * `spec.kubeConfig`: it reconciles on the cluster that kubeconfig reaches,
 * not on the one whose Flux holds it.
 */
export function kubeConfigOf(
  object: ManifestObject | undefined,
): string | undefined {
  const ref = getPath(object?.body, ['spec', 'kubeConfig']);
  if (!isRecord(ref)) return undefined;
  const secret = getPath(ref, ['secretRef', 'name']);
  if (typeof secret === 'string') return `Secret ${secret}`;
  // a cloud provider's kubeconfig, by workload identity
  const configMap = getPath(ref, ['configMapRef', 'name']);
  return typeof configMap === 'string'
    ? `ConfigMap ${configMap}`
    : 'spec.kubeConfig';
}

/** A Kustomization that applies what it builds to another cluster. */
function appliedToAnotherCluster(
  spec: KustomizationSpec,
  kubeConfig: string,
  cluster: string,
): EngineFinding {
  return {
    code: 'not-evaluated',
    severity: 'info',
    cluster,
    message: `Kustomization ${spec.key} applies what it builds to another cluster (spec.kubeConfig: ${kubeConfig}): its objects go to that cluster, not this one, and are not rendered for any cluster here`,
    location: locate(spec.object!, ['spec', 'kubeConfig']),
  };
}

/**
 * A Kustomization with a `${...}` in its path, in a cluster folder that no
 * Flux Kustomization of the repository reconciles: what applies the folder
 * (a shared entry point that picks the folder by a variable, from a source
 * made outside the repository) may substitute the path, so the folder it
 * builds is not known here.
 */
function pathSubstitutedElsewhere(
  spec: KustomizationSpec,
  raw: string,
  root: string,
  cluster: string,
): EngineFinding {
  const variables = referencedVariables(raw);
  return {
    code: 'not-evaluated',
    severity: 'warning',
    cluster,
    message: `Kustomization ${
      spec.key
    } builds ${raw}, which depends on ${variables.join(
      ', ',
    )}; no Flux Kustomization of the repository reconciles ${root}, so whether the one that applies it substitutes the path is not known here; its objects are not evaluated`,
    location: locate(spec.object!, ['spec', 'path']),
    unbuilt: true,
    // one cause for every Kustomization of the folder whose path needs them
    cause: {
      key: `path-variables:${root}:${variables.join(',')}`,
      message: `Kustomizations in ${root} build paths that depend on ${variables.join(
        ', ',
      )}; no Flux Kustomization of the repository reconciles ${root}, so whether the one that applies it substitutes the paths is not known here (name it in the conventions' sharedEntry if one entry point picks this folder by ${variables.join(
        ', ',
      )}); their objects are not evaluated`,
      subject: `Kustomization ${spec.key} (${raw})`,
    },
  };
}

/**
 * A Kustomization whose folder does not exist, said where its path is
 * written (the folder has no line to point at); a `${...}` still in the
 * path is why, often: the Kustomization that applies it does not
 * substitute.
 */
function missingPath(
  decl: ManifestObject,
  key: string,
  path: string,
  cluster: string,
  index: TreeIndex,
  /** Sources whose root folder the conventions give: a path missing there is missing. */
  sourceRoots: Readonly<Record<string, string>> = {},
): EngineFinding {
  // an OCI artifact pushed from a folder (`flux push artifact --path=./k8s`)
  // has that folder as its root, which the repository does not say
  const sourceKind = getPath(decl.body, ['spec', 'sourceRef', 'kind']);
  const sourceName = getPath(decl.body, ['spec', 'sourceRef', 'name']);
  const rooted =
    typeof sourceName === 'string' && Object.hasOwn(sourceRoots, sourceName);
  // a source a kustomize patch gives it (a fleet's defaults), not its own
  // file: the line there says otherwise, so the patch is named
  const sourceAt = locate(decl, ['spec', 'sourceRef']);
  const patchedSource =
    sourceAt.file !== decl.source.file
      ? ` (its sourceRef is set by the patch at ${formatLocation(sourceAt)})`
      : '';
  if (sourceKind === 'OCIRepository' && path && !rooted) {
    const under = index
      .paths()
      .find(p => p.includes(`/${path}/`))
      ?.split(`/${path}/`)[0];
    const name = getPath(decl.body, ['spec', 'sourceRef', 'name']);
    return {
      code: 'not-evaluated',
      severity: 'warning',
      cluster,
      message: `Kustomization ${key} reconciles ${path} of OCIRepository ${name}${patchedSource}, an artifact whose root is not the repository's: ${path} is not at the repository root${
        under
          ? `, but under ${under}/ (if the artifact is pushed from ${under}/, say so in the conventions' flux.sourceRoots: {${name}: ${under}})`
          : ''
      }; its objects are not evaluated`,
      location: locate(decl, ['spec', 'path']),
      unbuilt: true,
    };
  }
  const raw = getPath(decl.body, ['spec', 'path']);
  if (rooted)
    return {
      code: 'flux-error',
      severity: 'error',
      cluster,
      message: `Kustomization ${key} reconciles ${raw} of ${String(
        sourceKind ?? 'GitRepository',
      )} ${sourceName}${patchedSource}, whose root is ${
        sourceRoots[sourceName as string]
      }/ here (the conventions' flux.sourceRoots): ${path} does not exist in the repository; Flux fails the Kustomization`,
      location: locate(decl, ['spec', 'path']),
      holdsNothingBack: true,
    };
  // in the repository, but not in what the source gives Flux
  const ignored =
    Boolean(path) && index.tree.paths().some(p => p.startsWith(`${path}/`));
  const unsubstituted = hasUnresolvedReference(raw);
  // a folder of that name elsewhere: the path mistyped (another cluster's
  // name left in a copied Kustomization), what was meant held back
  const lookalike =
    ignored || unsubstituted || !path
      ? undefined
      : folderNamedLike(index, path, cluster);
  return {
    code: 'flux-error',
    severity: 'error',
    cluster,
    message: `Kustomization ${key} reconciles ${path || '.'}, which ${
      ignored
        ? "the source's ignore rules (.sourceignore, spec.ignore) leave out of what Flux fetches"
        : 'does not exist in the repository'
    }${
      lookalike ? ` (${lookalike} does: is the path mistyped?)` : ''
    }; Flux fails the Kustomization${
      unsubstituted
        ? ' (the ${...} in its path is left as written: the Kustomization that applies it does not substitute it)'
        : ''
    }`,
    location: locate(decl, ['spec', 'path']),
    // a folder in no form in the repository holds nothing to apply; one
    // left out, named by a variable or mistyped holds what was meant
    ...(!ignored && !unsubstituted && !lookalike && { holdsNothingBack: true }),
  };
}

/**
 * The one folder of the repository with a missing folder's name under the
 * cluster's own folder where the missing path names no such folder
 * (`infrastructure/<cluster>/configs`, written with the name of the
 * cluster a template was copied from): the path mistyped. A path that
 * names the cluster is its folder not made yet, and is not guessed at.
 */
function folderNamedLike(
  index: TreeIndex,
  missing: string,
  cluster: string,
): string | undefined {
  const segments = (path: string) => path.split('/');
  if (segments(missing).includes(cluster)) return undefined;
  const name = basenamePath(missing);
  const folders = new Set<string>();
  for (const file of index.tree.paths()) {
    const dir = dirnamePath(file);
    if (basenamePath(dir) === name && segments(dir).includes(cluster))
      folders.add(dir);
  }
  return folders.size === 1 ? [...folders][0] : undefined;
}

function dedupe(findings: EngineFinding[]): EngineFinding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    // the same message at another place is another finding
    // (and each build's: what it may change is in that build)
    const key = `${f.code}|${f.message}|${f.location?.file}:${
      f.location?.line
    }|${f.build ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An object with Flux's `spec.commonMetadata` labels and annotations added (they win). */
function withCommonMetadata(
  object: ManifestObject,
  metadata: NonNullable<KustomizationSpec['commonMetadata']>,
): ManifestObject {
  const current = isRecord(object.body.metadata) ? object.body.metadata : {};
  const merged = { ...current };
  for (const field of ['labels', 'annotations'] as const) {
    const extra = metadata[field];
    if (extra)
      merged[field] = {
        ...(isRecord(current[field]) ? current[field] : {}),
        ...extra,
      };
  }
  return { ...object, body: { ...object.body, metadata: merged } };
}

/** Whether a document defines, generates or provides a ConfigMap or Secret of that name. */
function mentionsSource(
  value: unknown,
  kind: string,
  name: string,
): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  if (value.kind === kind && getPath(value, ['metadata', 'name']) === name)
    return true;
  // kustomize generators
  const generatorField: Record<string, string> = {
    ConfigMap: 'configMapGenerator',
    Secret: 'secretGenerator',
  };
  const generators =
    kind in generatorField ? value[generatorField[kind]] : undefined;
  if (
    Array.isArray(generators) &&
    generators.some(g => isRecord(g) && g.name === name)
  )
    return true;
  // the Secret another controller makes (provided sources)
  return kind === 'Secret' && madeSecretName(value) === name;
}

/**
 * Where a substitution problem stands: in a ConfigMap key a generator read
 * whole from a file (`files: [snmp.yml]`), that file's line of the
 * variable; elsewhere the field's line.
 */
export function substitutionProblemAt(
  object: SubstitutedObject,
  problem: SubstitutionProblem,
  /** Where in the value, when not its variable's first use. */
  offset?: number,
  /** The text of a file, to find the line inside a literal block. */
  readText?: (file: string) => string | undefined,
): SourceLocation {
  const [field, key] = problem.path;
  const keyFile =
    field === 'data' && typeof key === 'string' && problem.path.length === 2
      ? object.source.keyFiles?.[key]
      : undefined;
  const text = keyFile && getPath(object.body, ['data', key as string]);
  if (keyFile && typeof text === 'string' && problem.variable) {
    const at = offset ?? text.indexOf(`\${${problem.variable}`);
    if (at >= 0)
      return { file: keyFile, line: text.slice(0, at).split('\n').length };
  }
  const located = locate(object, problem.path);
  // a script in a `|` block, a `>` block or a quoted scalar over several
  // lines: the reference's own line, not the key's
  const value = getPath(object.body, problem.path);
  if (typeof value !== 'string') return located;
  // a reference Flux cannot read (`${__field.labels.job}` in a dashboard)
  // has no variable: its own text is looked for
  const unreadable =
    problem.variable === undefined && problem.reason === 'syntax'
      ? unreadableReference(value)
      : undefined;
  if (!problem.variable && !unreadable) return located;
  const reference = unreadable?.text ?? `\${${problem.variable}`;
  const at = offset ?? unreadable?.at ?? value.indexOf(reference);
  if (at < 0 || !readText) return located;
  const fileText = readText(located.file);
  if (fileText === undefined) return located;
  const line =
    lineInLiteralBlock(fileText, located.line, value, at) ??
    lineOfReference(
      fileText,
      located.line,
      reference,
      occurrences(value, reference, at),
    );
  return line === undefined ? located : { ...located, line };
}

/**
 * The first `${` of a text that is not a reference Flux reads (a name, then
 * `}` or an operator): its offset and text up to its `}` (or line end).
 */
function unreadableReference(
  value: string,
): { at: number; text: string } | undefined {
  for (
    let at = value.indexOf('${');
    at >= 0;
    at = value.indexOf('${', at + 2)
  ) {
    if (/^\$\{[_A-Za-z][_A-Za-z0-9]*(?:\}|:?[-=+?])/.test(value.slice(at)))
      continue;
    const end = value.slice(at).search(/[}\n]/);
    return {
      at,
      text: end < 0 ? value.slice(at) : value.slice(at, at + end + 1),
    };
  }
  return undefined;
}

/** How many times a text occurs in a string before an offset. */
function occurrences(value: string, text: string, end: number): number {
  let n = 0;
  for (let at = value.indexOf(text); at >= 0 && at < end; n++)
    at = value.indexOf(text, at + text.length);
  return n;
}
