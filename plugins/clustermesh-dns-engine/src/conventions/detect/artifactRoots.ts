import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath } from '../../core/paths';
import { clampPath, type RepoTree } from '../../tree/RepoTree';
import { readTextFile } from '../../yaml/decode';
import { instanceSyncOf } from '../../flux/fluxInstance';
import type { ScannedDocument } from './scan';

/** A source that is a folder of this repository, and what says so. */
export interface ArtifactRoot {
  name: string;
  root: string;
  reason: string;
  location: SourceLocation;
}

/** Files that push artifacts: CI workflows, task runners, scripts. */
const pushingFile =
  /^(?:\.github|\.gitea|\.forgejo)\/workflows\/[^/]+\.ya?ml$|(?:^|\/)\.gitlab-ci\.ya?ml$|(?:^|\/)[Tt]askfile[^/]*\.ya?ml$|(?:^|\/)(?:GNUm|M)akefile$|\.sh$/;

/**
 * The OCI source a document declares: an OCIRepository, or the one the
 * flux-operator makes for an OCI sync (named for its namespace).
 */
function ociSourceOf(
  doc: ScannedDocument,
): { name: string; url: string; at: SourceLocation } | undefined {
  const v = doc.value;
  if (v.kind === 'OCIRepository') {
    const url = getPath(v, ['spec', 'url']);
    const name = getPath(v, ['metadata', 'name']);
    return typeof url === 'string' && typeof name === 'string'
      ? { name, url, at: doc.at(['spec', 'url']) }
      : undefined;
  }
  const sync = instanceSyncOf(v, doc.file);
  const url = sync && getPath(v, [...sync.at, 'url']);
  if (
    !sync ||
    getPath(v, [...sync.at, 'kind']) !== 'OCIRepository' ||
    typeof url !== 'string'
  )
    return undefined;
  const name = getPath(v, [...sync.at, 'name']);
  return {
    name: typeof name === 'string' ? name : sync.namespace,
    url,
    at: doc.at([...sync.at, 'url']),
  };
}

/**
 * A pushed URL as a pattern: a value CI fills in that no line of the file
 * gives (`${{ github.event.repository.name }}`) stands for one path segment
 * (the repository's `owner/name` for two).
 */
function urlPattern(url: string): RegExp {
  const parts = url.split(
    /(\$\{\{[^}]*\}\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)/,
  );
  return new RegExp(
    `^${parts
      .map((part, i) => {
        if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        return /github\.repository\s*\}\}$/.test(part)
          ? '[^/]+/[^/]+'
          : '[^/]+';
      })
      .join('')}$`,
  );
}

/** An OCI URL without scheme and tag: the repository it names. */
function ociRepository(url: string): string {
  const bare = url.trim().replace(/^oci:\/\//, '');
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return (colon > slash ? bare.slice(0, colon) : bare).replace(/\/+$/, '');
}

/** `VAR: value` and `VAR=value` lines of a file: a workflow's `env:`, a script's variables. */
function assignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(
    /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|([^"'\s#]+))\s*$/gm,
  ))
    if (!out.has(m[1])) out.set(m[1], m[2] ?? m[3] ?? m[4]);
  return out;
}

/** Each `flux push artifact <url> --path=<dir>` of a text, its continued lines joined, with its line. */
function pushes(text: string): { url: string; path: string; line: number }[] {
  const lines = text.split('\n');
  const out: { url: string; path: string; line: number }[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('flux push artifact')) return;
    let command = line;
    for (
      let j = i;
      lines[j]?.trimEnd().endsWith('\\') && j + 1 < lines.length;
      j++
    )
      command = `${command.trimEnd().slice(0, -1)} ${lines[j + 1]}`;
    const url = /flux push artifact\s+(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(
      command,
    );
    const path = /--path(?:=|\s+)["']?([^"'\s]+)/.exec(command);
    if (url && path)
      out.push({ url: url[1] ?? url[2] ?? url[3], path: path[1], line: i + 1 });
  });
  return out;
}

/**
 * The OCIRepositories of the repository that an artifact pushed from one
 * of its folders feeds (`flux push artifact oci://…/platform --path=./platform`
 * in a CI workflow, its URL the OCIRepository's): that folder is their
 * root. Variables of the URL are read from the same file (`env:`); a URL
 * that stays unresolved matches nothing.
 */
export function pushedArtifactRoots(
  tree: RepoTree,
  /** The documents that may declare an OCIRepository (read only when something pushes one). */
  ociDocuments: () => Iterable<ScannedDocument>,
): ArtifactRoot[] {
  // the pushes first: most repositories push none, and their manifests
  // need no second reading
  const pushed: {
    file: string;
    url: string;
    pattern: RegExp;
    root: string;
    line: number;
  }[] = [];
  for (const file of tree.paths()) {
    if (!pushingFile.test(file)) continue;
    const text = readTextFile(tree, file);
    if (!text?.includes('flux push artifact')) continue;
    const env = assignments(text);
    for (const push of pushes(text)) {
      const url = push.url.replace(
        /\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
        (whole, a, b, c) => env.get(a ?? b ?? c) ?? whole,
      );
      const root = clampPath(push.path);
      // a folder of the repository: not a file, nor one CI makes first
      // (`kustomize build … > output/x.yaml`), whose content is not here
      if (root && tree.paths().some(p => p.startsWith(`${root}/`)))
        pushed.push({
          file,
          url: ociRepository(url),
          pattern: urlPattern(ociRepository(url)),
          root,
          line: push.line,
        });
    }
  }
  if (!pushed.length) return [];
  const found = new Map<string, ArtifactRoot>();
  for (const doc of ociDocuments()) {
    const source = ociSourceOf(doc);
    if (!source) continue;
    const { name, at } = source;
    const url = ociRepository(source.url);
    const push = pushed.find(p => p.pattern.test(url));
    if (!push || found.has(name)) continue;
    found.set(name, {
      name,
      root: push.root,
      reason: `${push.file}:${push.line} pushes ${
        push.root
      }/ as an OCI artifact to ${push.url}, the URL of OCIRepository ${name} (${
        url === push.url ? '' : `${url}, `
      }${at.file}:${at.line}): its paths start at ${push.root}/`,
      location: { file: push.file, line: push.line },
    });
  }
  return [...found.values()];
}
