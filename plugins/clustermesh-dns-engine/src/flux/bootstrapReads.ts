import { isBootstrapScript } from './bootstrapScripts';
import {
  terraformHelmReleases,
  TerraformHelmRelease,
  terraformModules,
  TerraformModule,
} from './terraformReads';
import { escapeRegExp } from '../core/text';
import { clampPath, dirnamePath, joinPath, RepoTree } from '../tree/RepoTree';
import { isRecord } from '../core/paths';
import { readTextFile } from '../yaml/decode';
import { parseYamlText } from '../yaml/documents';
import { lineAtPath } from '../yaml/lines';

/**
 * The bootstrap helmfiles that read a file of the repository (its values
 * installed as they are, where Flux does not substitute); none when none.
 *
 * @public
 */
export interface BootstrapReader {
  (file: string): readonly string[];
  /** The bootstrap helmfiles with a release of a chart (`chart: …/external-dns`), which a new cluster gets before Flux. */
  installs?(chart: string): string[];
  /**
   * The bootstrap release that installs a file's values with helm's wait
   * (helmfile `wait: true` or `atomic: true`, of the release or its
   * `helmDefaults`): helm then waits until every Service of type
   * LoadBalancer has an address. None where the repository's tool files
   * pin Helm 4 (mise, asdf's `.tool-versions`, aqua): its wait (a bare
   * `--wait`, kstatus) does not wait for the address.
   */
  waitingRelease?(
    file: string,
    /** The release's name, or its chart's. */
    names: readonly string[],
  ): WaitingBootstrapRelease | undefined;
  /**
   * Whether a bootstrap helmfile is one of those that install a file's
   * values: it, or a helmfile of its folder or below (the steps of a
   * `helmfile.d`, their values templates), reads the file. A CRD-only
   * step (`00-crds.yaml`) bootstraps the cluster whose values its
   * folder's other step installs.
   */
  bootstraps?(helmfile: string, file: string): boolean;
  /**
   * Where Terraform renders a file with `templatefile(…)` (its `${name}`
   * filled in from the call's variables, as it installs it); undefined
   * where nothing does.
   */
  templatedBy?(file: string): { file: string; line: number } | undefined;
  /**
   * The bootstrap helmfiles (hooks) and scripts that `kubectl apply` a
   * file as it is, named or in a folder they apply (`--filename`,
   * `--kustomize`): Flux does not substitute what they apply.
   */
  appliesAsWritten?(file: string): string[];
  /**
   * Whether a bootstrap helmfile gives a values path by `set:` (or
   * `setString:`), `- name: cluster.name`, which wins over the values
   * files it reads (JefeDavis' `{{ requiredEnv "CLUSTER" }}`).
   */
  sets?(helmfile: string, path: readonly (string | number)[]): boolean;
}

/** A bootstrap release that waits for what it installs. @public */
export interface WaitingBootstrapRelease {
  /** The helmfile that defines the release. */
  helmfile: string;
  release: string;
  /** What makes helm wait: `wait`, or `atomic` (which waits too). */
  setting: 'wait' | 'atomic';
  /** The line of the setting (`true`) that applies to it. */
  line: number;
  /** Set where the release inherits it from `helmDefaults`. */
  inherited?: boolean;
  /** Set where the release is Terraform's `helm_release`, which waits unless `wait = false`. */
  terraform?: boolean;
}

/** A helmfile, one of a `helmfile.d` or `helmfile` folder, or a Go template beside them. */
const helmfileFile =
  /(?:^|\/)(?:helmfile[^/]*\.ya?ml(?:\.gotmpl)?|helmfile(?:\.d)?\/.+\.(?:ya?ml|gotmpl))$|\.gotmpl$/;

/** A YAML file of a bootstrap folder, which may be a helmfile of any name. */
const bootstrapYaml = /(^|\/)bootstrap\/(?:.+\/)?[^/]+\.ya?ml$/;

/** A helmfile's shape: top-level `releases:` whose entries name a chart. */
const helmfileShaped = (text: string) =>
  /^releases:\s*$/m.test(text) && /^\s*-?\s*chart:\s*\S/m.test(text);

/**
 * A path a template builds with printf (`printf "../apps/%s/%s/app/helmrelease.yaml" …`),
 * with its arguments where they are the release's (`.Release.Namespace .Release.Name`).
 */
const printfPathInText =
  /printf\s+"([^"]*%s[^"]*\.ya?ml)"((?:\s+\.Release\.Name(?:space)?\b)*)/g;

/** A release of a bootstrap helmfile, as a values template it reads sees it. */
interface HelmfileRelease {
  name: string;
  /** Undefined where the helmfile leaves it to the environment. */
  namespace?: string;
}

/** A path under a folder a template gives (`{{ requiredEnv "CLUSTER_DIR" }}/apps/…/values.yaml`): the rest of it. */
const templatedPathInText =
  /\{\{[^}]*\}\}\/((?:[\w.-]+\/)*[\w.-]+\.ya?ml)(?![\w./-])/g;

/** A YAML path (or a Go template of one): relative (`../x/values.yaml`, `app/values.yaml`), no template in it. */
const yamlPathInText =
  /(?<![\w./{}-])[\w.-][\w./-]*\.ya?ml(?:\.gotmpl)?(?![\w./-])/g;

/** helm installing a release (`helm upgrade --install`, `helm install`). */
const helmInstall =
  /\bhelm\s+(?:upgrade\s+(?:[^\n]*\s)?(?:--install|-i)\b|install\b)/;

/** A path under a folder a variable gives (`${ROOT_DIR}/kubernetes/…/values.yaml`, `$DIR/…`): the rest of it. */
const variablePathInText =
  /\$\{?\w+\}?\/((?:[\w.-]+\/)*[\w.-]+\.ya?ml)(?![\w./-])/g;

/**
 * The files a bootstrap script installs with helm as they are: the values
 * files it names (`--values …/values.yaml`), and HelmReleases it names
 * when it takes their `.spec.values` (4JX's `yq '.spec.values'
 * ${ciliumHelmRelease} > values.yaml`, then `helm upgrade --install`).
 * Undefined for a script that installs nothing with helm.
 */
function scriptInstalls(
  path: string,
  text: string,
): ((file: string) => boolean) | undefined {
  if (!helmInstall.test(text)) return undefined;
  const folder = dirnamePath(path);
  const named = new Set<string>();
  for (const [written] of text.matchAll(yamlPathInText))
    for (const file of [joinPath(folder, written), written])
      if (file) named.add(file);
  const patterns = [...text.matchAll(variablePathInText)].map(
    ([, rest]) => new RegExp(`(?:^|/)${escapeRegExp(rest)}$`),
  );
  const takesReleaseValues = text.includes('.spec.values');
  return file =>
    (named.has(file) || patterns.some(p => p.test(file))) &&
    (/values[^/]*\.ya?ml$/.test(file) || takesReleaseValues);
}

/** A path kubectl applies: after `--filename`/`-f`/`--kustomize`/`-k`, in a command or a hook's args list. */
const kubectlTarget =
  /(?:--filename|--kustomize|(?<![\w-])-[fk])(?:=|["']?\s*,\s*["']?|\s*\n\s*-\s*["']?|\s+["']?)([^\s"',\]]+)/g;

/**
 * What a helmfile's hooks or a script apply with kubectl as written: each
 * file, or folder (a kustomization built whole), resolved from its own
 * folder and from the root; a path under a variable's folder
 * (`${ROOT_DIR}/…`, `{{ … }}/…`) by the rest of it. Undefined where it
 * applies nothing.
 */
function kubectlApplies(
  path: string,
  text: string,
): ((file: string) => boolean) | undefined {
  if (!/\bkubectl\b/.test(text) || !/\bapply\b/.test(text)) return undefined;
  const folder = dirnamePath(path);
  const targets = new Set<string>();
  const patterns: RegExp[] = [];
  for (const [, written] of text.matchAll(kubectlTarget)) {
    // `-` is stdin: what a pipe renders, not a file of the repository
    if (written === '-' || /^https?:/.test(written)) continue;
    const variable = /^(?:\$\{?\w+\}?|\{\{[^}]*\}\})\/(.+)$/.exec(written);
    if (variable) {
      patterns.push(new RegExp(`(?:^|/)${escapeRegExp(variable[1])}(?:$|/)`));
      continue;
    }
    if (/[{$]/.test(written)) continue;
    for (const target of [joinPath(folder, written), joinPath('', written)])
      if (target) targets.add(target.replace(/\/$/, ''));
  }
  if (!targets.size && !patterns.length) return undefined;
  return file =>
    [...targets].some(t => file === t || file.startsWith(`${t}/`)) ||
    patterns.some(p => p.test(file));
}

/**
 * Which bootstrap helmfiles (or scripts installing with helm) read a file:
 * every helmfile of the tree (those Flux ignores too: a bootstrap is
 * outside its build), read once, when first asked.
 */
export function bootstrapReader(tree: RepoTree): BootstrapReader {
  let helmfiles:
    | { path: string; text: string; reads: (file: string) => boolean }[]
    | undefined;
  const topFolders = () =>
    new Set(
      tree
        .paths()
        .filter(p => p.includes('/'))
        .map(p => p.slice(0, p.indexOf('/'))),
    );
  const read = () => {
    if (helmfiles) return helmfiles;
    const found = tree.paths().flatMap(path => {
      const named = helmfileFile.test(path);
      // a bootstrap folder's helmfile of another name (sujiba's
      // `3_flux/1-apps.yaml`), known by its releases
      if (!named && !bootstrapYaml.test(path)) return [];
      const text = readTextFile(tree, path);
      if (text === undefined || (!named && !helmfileShaped(text))) return [];
      return [{ path, text }];
    });
    const releases = releasesByValuesFile(found);
    return (helmfiles = found.map(({ path, text }) => ({
      path,
      text,
      reads: helmfileReads(
        path,
        text,
        topFolders,
        prefix => tree.paths().some(p => p.startsWith(prefix)),
        releases.get(path),
      ),
    })));
  };
  let scripts:
    | { path: string; text: string; reads: (file: string) => boolean }[]
    | undefined;
  const readScripts = () =>
    (scripts ??= tree.paths().flatMap(path => {
      if (!isBootstrapScript(path)) return [];
      const text = readTextFile(tree, path);
      const reads = text === undefined ? undefined : scriptInstalls(path, text);
      return reads ? [{ path, text: text!, reads }] : [];
    }));
  let applying:
    | { path: string; applies: (file: string) => boolean }[]
    | undefined;
  const readApplying = () =>
    (applying ??= tree.paths().flatMap(path => {
      if (
        !isBootstrapScript(path) &&
        !helmfileFile.test(path) &&
        !bootstrapYaml.test(path)
      )
        return [];
      const text = readTextFile(tree, path);
      const applies =
        text === undefined ? undefined : kubectlApplies(path, text);
      return applies ? [{ path, applies }] : [];
    }));
  const waiting = new Map<string, WaitingBootstrapRelease | undefined>();
  let helm: { major?: number } | undefined;
  // the repository's Terraform, read once for both of its questions
  let modules: Map<string, TerraformModule> | undefined;
  const readModules = () => (modules ??= terraformModules(tree));
  let terraform: TerraformHelmRelease[] | undefined;
  const readTerraform = () =>
    (terraform ??= terraformHelmReleases(readModules()));
  let templateCalls: { template: string; file: string; line: number }[];
  const readTemplateCalls = () =>
    (templateCalls ??= [...readModules().values()].flatMap(
      ({ folder, files }) =>
        files.flatMap(({ path, text }) => {
          if (!text.includes('templatefile(')) return [];
          return text.split('\n').flatMap((line, i) =>
            [...line.matchAll(/templatefile\(\s*"([^"]+)"/g)].flatMap(m => {
              // relative to the module: `${path.module}/x.yaml`, or as written
              const template = joinPath(
                folder,
                m[1].replace(/^\$\{path\.(?:module|root|cwd)\}\//, ''),
              );
              return template ? [{ template, file: path, line: i + 1 }] : [];
            }),
          );
        }),
    ));
  // asked for each cluster, of a values file they may share
  const readers = new Map<string, readonly string[]>();
  // the helmfiles that reach a file: those reading it, and those naming
  // one of them (a `bases:` entry, a values template)
  const reachedBy = new Map<string, Set<{ path: string; text: string }>>();
  const reaching = (file: string) => {
    let found = reachedBy.get(file);
    if (found) return found;
    const all = read();
    found = new Set(all.filter(h => h.reads(file)));
    for (let grown = found.size > 0; grown; ) {
      grown = false;
      for (const h of all)
        if (!found.has(h) && [...found].some(r => h.reads(r.path))) {
          found.add(h);
          grown = true;
        }
    }
    reachedBy.set(file, found);
    return found;
  };
  return Object.assign(
    (file: string) => {
      let paths = readers.get(file);
      if (!paths)
        readers.set(
          file,
          (paths = [
            ...[...read(), ...readScripts()]
              .filter(h => h.reads(file))
              .map(h => h.path),
            // Terraform's helm_release of a module reading the file
            ...readTerraform()
              .filter(t => t.reads.has(file))
              .map(t => t.file),
          ]),
        );
      return paths;
    },
    {
      installs: (chart: string) => {
        const release = new RegExp(
          `^\\s*-?\\s*chart:\\s*["']?(?:\\S*/)?${escapeRegExp(
            chart,
          )}["']?\\s*$`,
          'm',
        );
        return read()
          .filter(h => release.test(h.text))
          .map(h => h.path);
      },
      appliesAsWritten: (file: string) =>
        readApplying()
          .filter(a => a.applies(file))
          .map(a => a.path),
      sets: (helmfile: string, path: readonly (string | number)[]) => {
        const script = readScripts().find(h => h.path === helmfile)?.text;
        // a script's helm sets it itself: `--set cluster.name=$CLUSTER`
        if (script !== undefined)
          return new RegExp(
            `--set(?:-string)?[\\s=]+["']?${escapeRegExp(path.join('.'))}=`,
          ).test(script);
        const text = read().find(h => h.path === helmfile)?.text;
        return (
          text !== undefined &&
          /^\s*set(?:String)?:/m.test(text) &&
          new RegExp(
            `^\\s*-?\\s*name:\\s*["']?${escapeRegExp(
              path.join('.'),
            )}["']?\\s*$`,
            'm',
          ).test(text)
        );
      },
      bootstraps: (helmfile: string, file: string) => {
        const folder = dirnamePath(helmfile);
        return [...reaching(file)].some(
          h => !folder || h.path.startsWith(`${folder}/`),
        );
      },
      templatedBy: (file: string) => {
        const call = readTemplateCalls().find(c => c.template === file);
        return call && { file: call.file, line: call.line };
      },
      waitingRelease: (file: string, names: readonly string[]) => {
        // asked for each cluster sharing one values file: answered once
        const key = `${file}\0${names.join('\0')}`;
        if (waiting.has(key)) return waiting.get(key);
        helm ??= { major: pinnedHelmMajor(tree) };
        // the helm a helmfile runs is the one the tool files pin; Terraform's
        // provider brings its own (Helm 3's wait)
        const helm3 = helm.major === undefined || helm.major < 4;
        const byTerraform = readTerraform().find(
          t => t.waits && t.reads.has(file),
        );
        const found =
          (helm3
            ? [...reaching(file)]
                .map(h => releaseWaits(h.path, h.text, names))
                .find(Boolean)
            : undefined) ??
          (byTerraform && {
            helmfile: byTerraform.file,
            release: byTerraform.release,
            setting: 'wait' as const,
            line: byTerraform.line,
            terraform: true,
          });
        waiting.set(key, found);
        return found;
      },
    },
  );
}

/** The files at the repository's root (or its `.config`) that pin the tools a bootstrap runs. */
const toolFile =
  /^(?:\.?mise(?:\.[\w-]+)?\.toml|\.config\/mise(?:\/config)?(?:\.[\w-]+)?\.toml|\.mise\/config\.toml|\.tool-versions|\.?aqua(?:\/aqua)?\.ya?ml)$/;

/**
 * The Helm major version the repository's tool files pin (mise's
 * `helm = "4.0.1"` or `"aqua:helm/helm" = "4.0.1"`, asdf's `helm 4.0.1`,
 * aqua's `helm/helm@v4.0.1`); the oldest where they differ, undefined
 * where none pins one (`latest` pins nothing).
 */
function pinnedHelmMajor(tree: RepoTree): number | undefined {
  const pins =
    /(?:^|\n)\s*(?:["']?(?:[\w-]+:)?(?:helm\/)?helm["']?\s*=\s*(?:\[\s*|\{[^}\n]*version\s*=\s*)?["']v?(\d+)\.|helm\s+v?(\d+)\.|-?\s*name:\s*["']?helm\/helm@v?(\d+)\.)/g;
  const majors = tree
    .paths()
    .filter(path => toolFile.test(path))
    .flatMap(path =>
      [...(readTextFile(tree, path) ?? '').matchAll(pins)].map(m =>
        Number(m[1] ?? m[2] ?? m[3]),
      ),
    );
  return majors.length ? Math.min(...majors) : undefined;
}

/** The helmfile settings that make helm wait for what it installs (`atomic` waits too). */
const waitSettings = ['wait', 'atomic'] as const;

/**
 * Where a helmfile's release of one of the names (or of a chart so named)
 * waits: `wait: true` on the release, else in `helmDefaults`; undefined
 * where it does not wait, has no such release, or is not read as YAML (a
 * template).
 */
function releaseWaits(
  path: string,
  text: string,
  names: readonly string[],
): WaitingBootstrapRelease | undefined {
  const defaults = new Map<string, { value: unknown; line?: number }>();
  let release:
    | { root: unknown; index: number; value: Record<string, unknown> }
    | undefined;
  for (const { value: root } of parseYamlText(path, text).documents) {
    if (!isRecord(root)) continue;
    for (const setting of waitSettings)
      if (isRecord(root.helmDefaults) && setting in root.helmDefaults)
        defaults.set(setting, {
          value: root.helmDefaults[setting],
          line: lineAtPath(root, ['helmDefaults', setting]),
        });
    const releases: unknown[] = Array.isArray(root.releases)
      ? root.releases
      : [];
    for (const [index, value] of releases.entries())
      if (
        isRecord(value) &&
        (names.includes(String(value.name)) ||
          names.includes(String(value.chart).split('/').pop() ?? ''))
      )
        release = { root, index, value };
  }
  if (!release) return undefined;
  const found = release;
  // the release's own setting wins over helmDefaults'
  for (const setting of waitSettings) {
    const own = setting in found.value;
    const value = own ? found.value[setting] : defaults.get(setting)?.value;
    const line = own
      ? lineAtPath(found.root, ['releases', found.index, setting])
      : defaults.get(setting)?.line;
    if (value === true && line !== undefined)
      return {
        helmfile: path,
        release: String(found.value.name),
        setting,
        line,
        ...(!own && { inherited: true }),
      };
  }
  return undefined;
}

/**
 * The releases of the helmfiles whose `values` name each file (its own
 * entries, and those of the `templates:` it inherits), by that file's path:
 * what a values template sees as `.Release`.
 */
function releasesByValuesFile(
  helmfiles: readonly { path: string; text: string }[],
): Map<string, HelmfileRelease[]> {
  const byFile = new Map<string, HelmfileRelease[]>();
  for (const { path, text } of helmfiles) {
    const folder = dirnamePath(path);
    for (const { value: root } of parseYamlText(path, text).documents) {
      if (!isRecord(root) || !Array.isArray(root.releases)) continue;
      const templates = isRecord(root.templates) ? root.templates : {};
      for (const release of root.releases) {
        if (!isRecord(release) || typeof release.name !== 'string') continue;
        const inherited = (
          Array.isArray(release.inherit) ? release.inherit : []
        ).map(i => (isRecord(i) ? templates[String(i.template)] : undefined));
        const values = [release, ...inherited].flatMap(r =>
          isRecord(r) && Array.isArray(r.values) ? r.values : [],
        );
        for (const entry of values) {
          if (typeof entry !== 'string') continue;
          const file = joinPath(folder, entry);
          if (!file) continue;
          const list = byFile.get(file) ?? [];
          list.push({
            name: release.name,
            ...(typeof release.namespace === 'string' && {
              namespace: release.namespace,
            }),
          });
          byFile.set(file, list);
        }
      }
    }
  }
  return byFile;
}

/**
 * The regular expression of the paths a printf pattern (`%s` for each
 * argument) gives: each release's where its arguments are the release's
 * namespace and name and the helmfiles say which releases read it, else
 * any folder name for each `%s`.
 */
function printfPaths(
  pattern: string,
  args: string,
  releases: readonly HelmfileRelease[] | undefined,
): RegExp {
  const any = `^${escapeRegExp(pattern).replace(/%s/g, '[^/]+')}$`;
  const fields = args.match(/\.Release\.\w+/g) ?? [];
  const holes = pattern.split('%s').length - 1;
  if (!releases?.length || fields.length !== holes) return new RegExp(any);
  const pathsOf = releases.map(release => {
    let i = 0;
    return escapeRegExp(pattern).replace(/%s/g, () => {
      const value =
        fields[i++] === '.Release.Name' ? release.name : release.namespace;
      return value === undefined ? '[^/]+' : escapeRegExp(value);
    });
  });
  return new RegExp(`^(?:${pathsOf.join('|')})$`);
}

/**
 * The YAML files a helmfile names (`values` entries, `readFile`), resolved
 * from its folder as helmfile resolves them; a path a template fills
 * (printf, a folder from the environment) names every file it can: for a
 * values template, only its releases' where printf takes their namespace
 * and name.
 */
function helmfileReads(
  path: string,
  text: string,
  /** The repository's top folders: where an absolute path's repository part starts. */
  topFolders: () => ReadonlySet<string>,
  /** Whether any file of the repository starts with this text. */
  anyUnder: (prefix: string) => boolean,
  /** The helmfile releases whose values name this file, for a values template. */
  releases?: readonly HelmfileRelease[],
): (file: string) => boolean {
  const reads = new Set<string>();
  const folder = dirnamePath(path);
  for (const [named] of text.matchAll(yamlPathInText)) {
    // one `../` too many (the helmfile run from a deeper folder of the
    // author's): what is left under the root
    const file =
      joinPath(folder, named) ??
      (named.startsWith('../')
        ? clampPath(folder ? `${folder}/${named}` : named)
        : undefined);
    if (file) reads.add(file);
  }
  // a path printf fills with each release's namespace and name (the
  // onedr0p template's values.yaml.gotmpl): any folder names there
  const patterns: RegExp[] = [];
  for (const [, written, args] of text.matchAll(printfPathInText)) {
    // an absolute path of the author's checkout
    // (`/home/dan/…/homelab/infrastructure/controllers/%s/…`): from the
    // first of its folders the repository has at its top
    let pattern = written;
    if (written.startsWith('/')) {
      const segments = written.split('/').filter(Boolean);
      const top = topFolders();
      const at = segments.findIndex(
        (segment, i) => i < segments.length - 1 && top.has(segment),
      );
      if (at < 0) continue;
      pattern = segments.slice(at).join('/');
    }
    const file = written.startsWith('/') ? pattern : joinPath(folder, pattern);
    if (file !== undefined) patterns.push(printfPaths(file, args, releases));
    // its `../` counted from elsewhere (sujiba's template three folders
    // deeper than its path's root): what follows them, from the root,
    // where that names a top folder and the path as resolved none
    const rest = pattern.replace(/^(?:\.\.\/)+/, '');
    const fixed = (file ?? '').split('%s')[0];
    if (
      rest !== pattern &&
      topFolders().has(rest.split('/')[0]) &&
      !anyUnder(fixed)
    )
      patterns.push(printfPaths(rest, args, releases));
  }
  // a folder from the environment (each cluster's, as the bootstrap
  // script sets it): the same path under any folder
  for (const [, rest] of text.matchAll(templatedPathInText))
    patterns.push(new RegExp(`(?:^|/)${escapeRegExp(rest)}$`));
  return file => reads.has(file) || patterns.some(p => p.test(file));
}
