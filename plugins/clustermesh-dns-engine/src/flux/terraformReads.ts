import { dirnamePath, joinPath, RepoTree } from '../tree/RepoTree';
import { readTextFile } from '../yaml/decode';

/** A Terraform `helm_release` whose values come from YAML files of the repository. */
export interface TerraformHelmRelease {
  /** The file of the `resource "helm_release"` block. */
  file: string;
  /** The line of its `resource` line. */
  line: number;
  /** Its `name`, where written as a string; else the resource's own name. */
  release: string;
  /** Whether helm waits for what it installs (the provider's `wait`, true unless set false). */
  waits: boolean;
  /** The YAML files its module reads with `file(…)`, resolved from the module's variables. */
  reads: ReadonlySet<string>;
}

/** A module's folder and its `.tf` files. */
export interface TerraformModule {
  folder: string;
  files: { path: string; text: string }[];
}

/** The Terraform modules of a tree: each folder with `.tf` files, read once. */
export function terraformModules(tree: RepoTree): Map<string, TerraformModule> {
  const modules = new Map<string, TerraformModule>();
  for (const path of tree.paths()) {
    if (!path.endsWith('.tf')) continue;
    const text = readTextFile(tree, path);
    if (text === undefined) continue;
    const folder = dirnamePath(path);
    let module = modules.get(folder);
    if (!module) modules.set(folder, (module = { folder, files: [] }));
    module.files.push({ path, text });
  }
  return modules;
}

/** The text of the block that opens at `start` (at its `{`), braces matched. */
function blockAt(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

/** `name = "value"` of a block, where the value is a string. */
const stringAttribute = (block: string, name: string) =>
  new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1];

/** `name = var.other` of a block: the variable it passes on. */
const variableAttribute = (block: string, name: string) =>
  new RegExp(`^\\s*${name}\\s*=\\s*var\\.(\\w+)\\s*$`, 'm').exec(block)?.[1];

/**
 * The Terraform `helm_release` resources of a repository that install
 * values read from its YAML files (`values = [file("values.yaml")]`, or a
 * HelmRelease's `spec.values` through `yamldecode(file(…))`): a bootstrap
 * that installs them as written, where Flux does not substitute. A path
 * built from a variable (`"${var.app_path}/helmrelease.yaml"`) takes the
 * values the module's callers pass (`app_path = var.cilium_path`), down to
 * the string defaults of their variables, each relative to the folder
 * Terraform runs in (the root module's, where the string is written).
 */
export function terraformHelmReleases(
  modules: ReadonlyMap<string, TerraformModule>,
): TerraformHelmRelease[] {
  /** The string values a module's variable takes, each with the folder it is relative to. */
  const valuesOf = (
    folder: string,
    variable: string,
    depth = 0,
  ): { value: string; from: string }[] => {
    if (depth > 4) return [];
    const module = modules.get(folder);
    const found: { value: string; from: string }[] = [];
    for (const { text } of module?.files ?? []) {
      const at = text.search(new RegExp(`variable\\s+"${variable}"\\s*\\{`));
      if (at < 0) continue;
      const fallback = stringAttribute(
        blockAt(text, text.indexOf('{', at)),
        'default',
      );
      if (fallback !== undefined) found.push({ value: fallback, from: folder });
    }
    // what the callers pass: `module "x" { source = "./<folder>" … }`
    for (const caller of modules.values())
      for (const { text } of caller.files)
        for (const m of text.matchAll(/module\s+"[^"]*"\s*\{/g)) {
          const block = blockAt(text, m.index! + m[0].length - 1);
          const source = stringAttribute(block, 'source');
          if (!source || joinPath(caller.folder, source) !== folder) continue;
          const literal = stringAttribute(block, variable);
          if (literal !== undefined)
            found.push({ value: literal, from: caller.folder });
          const passed = variableAttribute(block, variable);
          if (passed) found.push(...valuesOf(caller.folder, passed, depth + 1));
        }
    return found;
  };
  const releases: TerraformHelmRelease[] = [];
  for (const module of modules.values()) {
    const all = module.files.map(f => f.text).join('\n');
    const reads = new Set<string>();
    for (const m of all.matchAll(/\bfile\(\s*"([^"]+\.ya?ml)"\s*\)/g)) {
      const written = m[1];
      const own = /^\$\{path\.module\}\/(.+)$/.exec(written);
      if (own) {
        const file = joinPath(module.folder, own[1]);
        if (file) reads.add(file);
        continue;
      }
      const byVariable = /^\$\{var\.(\w+)\}\/(.+)$/.exec(written);
      const bases = byVariable
        ? valuesOf(module.folder, byVariable[1]).map(v => ({
            from: v.from,
            path: `${v.value}/${byVariable[2]}`,
          }))
        : [{ from: module.folder, path: written }];
      for (const { from, path } of bases) {
        if (/\$\{/.test(path)) continue;
        const file = joinPath(from, path);
        if (file) reads.add(file);
      }
    }
    if (!reads.size) continue;
    for (const { path, text } of module.files)
      for (const m of text.matchAll(
        /resource\s+"helm_release"\s+"([^"]+)"\s*\{/g,
      )) {
        const block = blockAt(text, m.index! + m[0].length - 1);
        if (!/^\s*values\s*=/m.test(block)) continue;
        releases.push({
          file: path,
          line: text.slice(0, m.index).split('\n').length,
          release: stringAttribute(block, 'name') ?? m[1],
          waits: !/^\s*wait\s*=\s*false\s*$/m.test(block),
          reads,
        });
      }
  }
  return releases;
}
