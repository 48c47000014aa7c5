import { decodeText, utf16EncodingOf } from '../yaml/decode';
import { EnvFileEditor } from './envFile';
import type { YamlFiles } from '../yaml/files';
import type { ScalarLineEdit } from './lineEdits';
import {
  LineScalarEdit,
  setScalarsOnLines,
  YamlTextEditor,
} from '../yaml/edit';
import type { ObjectPath } from '../core/paths';
import { dirnamePath, type RepoTree } from '../tree/RepoTree';
import type { TreeIndex } from '../tree/TreeIndex';

/** One file the change writes, whole. @public */
export interface FileEdit {
  path: string;
  /** The file before, undefined when it is created. */
  before?: string;
  after: string;
  /** Why it changes, for the pull-request body. */
  reasons: string[];
}

/** The marker of a SOPS-encrypted YAML file. */
export const SOPS = /^sops:\s*$/m;

/** The marker of a SOPS-encrypted env file. */
const SOPS_ENV = /^sops_(version|mac|lastmodified)=/m;

/** A problem with one file or field, which stops the plan. */
export class PlanError extends Error {
  /** Problems of the same kind found beside it, said at once. */
  also: PlanError[] = [];
  constructor(
    readonly field: string,
    message: string,
    /** What the user can do about it. */
    readonly remedy?: string,
  ) {
    super(message);
  }
}

/** The text of a file, or undefined when the tree has none. */
export function textOf(tree: RepoTree, path: string): string | undefined {
  const bytes = tree.read(path);
  if (!bytes) return undefined;
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    throw new PlanError(path, decoded.problem);
  }
  return decoded.text;
}

/** Files being edited, each through one editor, in a stable order. */
export class EditSet {
  readonly editors = new Map<string, YamlTextEditor>();
  readonly envEditors = new Map<string, EnvFileEditor>();
  /** Files whose edits are done: their text, so their parsed documents can go. */
  readonly #settled = new Map<string, string>();
  readonly #lineEdits = new Map<string, ScalarLineEdit[]>();
  readonly created = new Map<string, string>();
  readonly reasons = new Map<string, Set<string>>();
  /** Each file's text before the change, read once. */
  readonly #before = new Map<string, string | undefined>();

  constructor(
    private readonly tree: RepoTree,
    private readonly index: TreeIndex,
    private readonly files: YamlFiles,
  ) {}

  before(path: string): string | undefined {
    if (!this.#before.has(path))
      this.#before.set(path, textOf(this.tree, path));
    return this.#before.get(path);
  }

  /** A file's text to edit (`text`, its text so far), or why it cannot be. */
  #editable(
    path: string,
    purpose: string,
    text: string | undefined,
    sops: RegExp,
  ): string {
    if (text === undefined)
      throw new PlanError(path, `does not exist; it should hold ${purpose}`);
    this.#writableEncoding(path);
    if (sops.test(text)) {
      // made by TrueCharts' clustertool (forgetool) from the cluster's
      // clusterenv.yaml, which its genconfig turns into this file: an
      // edit here is lost at the next genconfig (svenihoney's, xstar97's)
      const env = this.#clusterEnvOf(path);
      throw new PlanError(
        path,
        env
          ? `is SOPS-encrypted, and generated from ${env} by clustertool (forgetool) genconfig; it cannot be edited here. Put ${purpose} in ${env} yourself with \`sops ${env}\`, then run \`clustertool genconfig\` (\`forgetool cluster genconfig\`)`
          : `is SOPS-encrypted; it cannot be edited here. Put ${purpose} in it yourself with \`sops ${path}\``,
      );
    }
    return text;
  }

  /** Refuses a file kept as UTF-16: the change is written as UTF-8, so every byte of it would change. */
  #writableEncoding(path: string) {
    const encoding = this.#utf16(path);
    if (encoding)
      throw new PlanError(
        path,
        `is ${encoding} text (by its byte-order mark): kustomize reads it, but the change is written as UTF-8, so every byte of the file would change`,
        'Save it as UTF-8 (kustomize reads that too), then run the change again.',
      );
  }

  /** The clustertool `clusterenv.yaml` of a folder above a generated settings file (`clustersettings.secret.yaml`), if any. */
  #clusterEnvOf(path: string): string | undefined {
    for (let dir = dirnamePath(path); dir; dir = dirnamePath(dir)) {
      const env = `${dir}/clusterenv.yaml`;
      if (this.tree.read(env) !== undefined) return env;
    }
    return undefined;
  }

  editor(path: string, purpose: string): YamlTextEditor {
    let editor = this.editors.get(path);
    if (!editor) {
      const text = this.#editable(
        path,
        purpose,
        this.#settled.get(path) ?? this.before(path),
        SOPS,
      );
      try {
        editor = new YamlTextEditor(path, text);
      } catch (error) {
        throw new PlanError(path, (error as Error).message);
      }
      this.editors.set(path, editor);
      this.#lineEdits.delete(path); // edited as a whole from here on
    }
    return editor;
  }

  /** The editor of an env file (a ConfigMap generator's `envs`). */
  envEditor(path: string, purpose: string): EnvFileEditor {
    let editor = this.envEditors.get(path);
    if (!editor) {
      const text = this.#editable(path, purpose, this.before(path), SOPS_ENV);
      editor = new EnvFileEditor(path, text);
      this.envEditors.set(path, editor);
    }
    return editor;
  }

  /**
   * The documents of a file as the engine reads them (by index), when it
   * is untouched by this plan, not SOPS-encrypted and reads without
   * problems; undefined otherwise (an editor then says what is wrong).
   */
  /** Values as Helm reads a text of them (a HelmChartConfig's valuesContent), or undefined when it is not valid YAML. */
  readHelmValues(path: string, text: string): unknown {
    const { documents, problems } = this.files.parseText(path, text, 'helm');
    return problems.length ? undefined : documents[0]?.value ?? {};
  }

  readDocuments(path: string): unknown[] | undefined {
    if (this.#untouchedText(path) === undefined) return undefined;
    // the engine's reading, shared with the model of the repository
    const { documents, problems } = this.files.read(path);
    if (problems.length) return undefined;
    const byIndex: unknown[] = [];
    for (const d of documents) byIndex[d.index] = d.value;
    return byIndex;
  }

  /**
   * The text of a file not yet edited in this plan and not SOPS-encrypted;
   * undefined otherwise (an editor then says what is wrong).
   */
  #untouchedText(path: string): string | undefined {
    if (this.editors.has(path) || this.#settled.has(path)) return undefined;
    const text = this.before(path);
    return text === undefined || SOPS.test(text) || this.#utf16(path)
      ? undefined
      : text;
  }

  /** The UTF-16 encoding of a file of the tree, by its byte-order mark. */
  #utf16(path: string): string | undefined {
    const bytes = this.tree.read(path);
    return bytes && utf16EncodingOf(bytes);
  }

  /**
   * Ends the editing of a file for now: keeps its text and lets its parsed
   * documents go (a mesh's settings files are many and large). A later
   * editor for the file starts from that text.
   */
  settle(path: string) {
    const editor = this.editors.get(path);
    if (!editor) return;
    this.#settled.set(path, editor.result());
    this.editors.delete(path);
  }

  /**
   * Sets values on the lines where their keys stand, without parsing the
   * whole file (see {@link setScalarsOnLines}); false when the file was
   * already edited in this plan or the lines alone cannot take the change.
   * No change at all is true.
   */
  setLines(
    path: string,
    changes: LineScalarEdit[],
    mapPath: ObjectPath,
  ): boolean {
    if (changes.length === 0) return true;
    const text = this.#untouchedText(path);
    if (text === undefined || changes.some(c => c.line < 1)) return false;
    const edited = setScalarsOnLines(path, text, changes);
    if (edited === undefined) return false;
    this.#settled.set(path, edited);
    this.#lineEdits.set(
      path,
      changes.map(c => ({ line: c.line, path: [...mapPath, c.key] })),
    );
    return true;
  }

  /**
   * Edits a file as text, from its text so far in this plan: lines inside
   * a YAML string (a CoreDNS hosts block), which no key addresses.
   */
  editText(path: string, purpose: string, edit: (text: string) => string) {
    this.settle(path);
    const text = this.#editable(
      path,
      purpose,
      this.#settled.get(path) ?? this.before(path),
      SOPS,
    );
    this.#settled.set(path, edit(text));
    this.#lineEdits.delete(path);
  }

  /** The scalars set by {@link EditSet.setLines} in a file, when nothing else edited it since. */
  lineEdits(path: string): ScalarLineEdit[] | undefined {
    return this.#lineEdits.get(path);
  }

  exists(path: string): boolean {
    return this.index.isFile(path);
  }

  /** Every file of the repository, also those Flux does not build (its Terraform, its scripts). */
  repositoryPaths(): readonly string[] {
    return this.tree.paths();
  }

  isDir(path: string): boolean {
    return this.index.isDir(path);
  }

  reason(path: string, why: string) {
    const set = this.reasons.get(path) ?? new Set();
    set.add(why);
    this.reasons.set(path, set);
  }

  edits(): FileEdit[] {
    const written = new Map(this.#settled);
    for (const [path, editor] of this.editors)
      written.set(path, editor.result());
    for (const [path, editor] of this.envEditors)
      written.set(path, editor.result());
    for (const [path, text] of this.created) written.set(path, text);
    const out: FileEdit[] = [];
    for (const [path, after] of written) {
      const before = this.before(path);
      if (after !== before)
        out.push({
          path,
          before,
          after,
          reasons: [...(this.reasons.get(path) ?? [])],
        });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }
}
