import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  kubectlKustomize,
  kubectlOnPath,
} from '../../../__testUtils__/kubectl';
import { writeFolder } from '../../../__testUtils__/trees';
import { located } from '../../../__testUtils__/yaml';
import { objectKey } from '../../../core/manifest';
import { createRepoTree } from '../../../tree/RepoTree';
import { TreeIndex } from '../../../tree/TreeIndex';
import { YamlFiles } from '../../../yaml/files';
import { BuildResult, KustomizeEngine } from '../../kustomize';

/** Whether the cross-checks can run (prints why not, once per file). */
export const haveKubectl = (what: string) => kubectlOnPath(what);

/** A kustomize engine over in-memory files. */
export function engineFor(files: Record<string, string | Uint8Array>) {
  const tree = createRepoTree(files);
  return new KustomizeEngine(new TreeIndex(tree), new YamlFiles(tree));
}

/** Parses `kubectl kustomize` output the way the engine reads YAML (1.1 scalars). */
export function parseManifests(text: string): any[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d: any) => d.toJS())
    .filter(Boolean);
}

/** `kubectl kustomize` of a folder of the files (LoadRestrictionsNone, as Flux). */
export function kubectlBuild(
  files: Record<string, string | Uint8Array>,
  dir: string,
): { objects: any[] } | { error: string } {
  const root = writeFolder(files);
  try {
    const { status, stdout, stderr } = kubectlKustomize(`${root}/${dir}`);
    if (status !== 0) return { error: stderr.split(root).join('') };
    return { objects: parseManifests(stdout) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const idOf = (o: any) =>
  objectKey({
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    namespace: o.metadata?.namespace || undefined,
    name: o.metadata?.name ?? '',
  });

/** Objects by identity, for comparisons that do not depend on output order. */
export const byId = (objects: any[]) =>
  Object.fromEntries(objects.map(o => [idOf(o), o]));

/** Plain JSON data of a body (drops line tables and undefined fields). */
export const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

/** The engine's build of a folder, with findings as the CLI prints them. */
export function engineBuild(
  files: Record<string, string | Uint8Array>,
  dir: string,
  engine = engineFor(files),
): BuildResult & { bodies: any[]; messages: string[] } {
  const result = engine.build(dir);
  return {
    ...result,
    bodies: result.objects.map(o => plain(o.body)),
    messages: result.findings.map(f => `${f.code} ${located(f)}`),
  };
}

/**
 * Builds with the engine and with kubectl and returns both, for a test to
 * assert equal objects (or that both fail).
 */
export function bothBuilds(
  files: Record<string, string | Uint8Array>,
  dir: string,
) {
  const engine = engineBuild(files, dir);
  const real = kubectlBuild(files, dir);
  return { engine, real };
}
