import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { EngineCache } from '../../cache/EngineCache';
import { isRecord } from '../../core/paths';
import { firstFew } from '../../core/text';
import { clampPath, isPathUnder, type RepoTree } from '../../tree/RepoTree';
import type { OwnSource } from './entryPoints';
import { ScannedDocument, scanDocuments } from './scan';

/** An ExternalArtifact that is a folder of this repository, copied as it is. */
export interface CopiedArtifact extends OwnSource {
  /** The repository folder that is the artifact's root ('' for the root). */
  root: string;
}

/**
 * The ExternalArtifacts an ArtifactGenerator of the repository makes as
 * plain copies of this repository's folders, each copy keeping the paths
 * below one folder of the repository, its root: `@repo/infrastructure/**`
 * to `@artifact/infrastructure/` (the root is the repository's), or
 * `@repo/infrastructure/**` to `@artifact/` and `@repo/apps/base/**` to
 * `@artifact/base/` (the root is `infrastructure/`, `apps/`): the same
 * files at the same paths below it, so a Flux Kustomization that builds
 * one builds this repository there. Anything else (another source, a
 * renamed folder, copies from two roots, a single file, `exclude`, a merge
 * strategy, a Kustomization that builds a path outside the copied folders
 * or one the repository does not have) is not this repository.
 */
export function copiedArtifacts(
  tree: RepoTree,
  cache: EngineCache,
  /** The sources that are this repository. */
  ownNames: readonly string[],
): CopiedArtifact[] {
  // one pass: the generators, and the folders the Kustomizations building
  // each artifact ask for
  const generators: ScannedDocument[] = [];
  const paths = new Map<string, string[]>();
  for (const doc of scanDocuments(tree, cache, [
    'ArtifactGenerator',
    'ExternalArtifact',
  ])) {
    const { value } = doc;
    if (
      value.kind === 'ArtifactGenerator' &&
      typeof value.apiVersion === 'string' &&
      value.apiVersion.startsWith('source.extensions.fluxcd.io/')
    ) {
      generators.push(doc);
      continue;
    }
    const spec = isRecord(value.spec) ? value.spec : {};
    const ref = isRecord(spec.sourceRef) ? spec.sourceRef : {};
    if (ref.kind !== 'ExternalArtifact' || typeof ref.name !== 'string')
      continue;
    const path = clampPath(typeof spec.path === 'string' ? spec.path : '.');
    paths.set(ref.name, [...(paths.get(ref.name) ?? []), path]);
  }
  // every generator's copies of each artifact: each cluster's generator
  // may make one of the same name, of its own folders
  const made = new Map<
    string,
    {
      folders: (CopiedFolder | undefined)[];
      generator: string;
      location: SourceLocation;
    }[]
  >();
  for (const doc of generators) {
    const { value } = doc;
    const spec = isRecord(value.spec) ? value.spec : {};
    const own = new Map<string, string>();
    for (const source of Array.isArray(spec.sources) ? spec.sources : [])
      if (
        isRecord(source) &&
        typeof source.alias === 'string' &&
        source.kind === 'GitRepository' &&
        typeof source.name === 'string' &&
        ownNames.includes(source.name)
      )
        own.set(source.alias, source.name);
    const artifacts = Array.isArray(spec.artifacts) ? spec.artifacts : [];
    artifacts.forEach((artifact: unknown, i: number) => {
      if (!isRecord(artifact) || typeof artifact.name !== 'string') return;
      const copies = Array.isArray(artifact.copy) ? artifact.copy : [];
      const list = made.get(artifact.name) ?? [];
      list.push({
        folders: copies.length
          ? copies.map(copy => copiedFolder(copy, own))
          : [undefined],
        generator: String(value.metadata?.name ?? ''),
        location: doc.at(['spec', 'artifacts', i]),
      });
      made.set(artifact.name, list);
    });
  }
  const found: CopiedArtifact[] = [];
  for (const [name, list] of made) {
    const folders = list.flatMap(m => m.folders);
    if (folders.some(f => f === undefined)) continue;
    const roots = new Set(folders.map(f => f!.root));
    if (roots.size !== 1) continue;
    const [root] = roots;
    // a path outside what it copies is not in the artifact, nor one the
    // repository lacks below the root: Flux fails it
    const index = cache.treeIndex(tree);
    const inside = (path: string) =>
      folders.some(f => isPathUnder(path, f!.folder)) &&
      (!root || index.isDir(path ? `${root}/${path}` : root));
    if (!(paths.get(name) ?? []).every(inside)) continue;
    const sources = [...new Set(folders.map(f => f!.source))];
    const copied = [
      ...new Set(folders.map(f => (root ? `${root}/` : '') + f!.folder)),
    ];
    const generatorNames = [...new Set(list.map(m => m.generator))];
    found.push({
      name,
      root,
      path: '',
      reason: `ExternalArtifact ${name} is ${
        copied.some(f => f === '')
          ? 'this repository'
          : `this repository's ${firstFew(copied)}`
      } as it is: ArtifactGenerator ${generatorNames.join(
        ', ',
      )} copies it from GitRepository ${sources.join(', ')} ${
        root ? `with ${root}/ as the artifact's root` : 'to the same paths'
      }`,
      location: list[0].location,
    });
  }
  return found;
}

/** A folder an artifact copies, as {@link copiedFolder} reads it. */
interface CopiedFolder {
  folder: string;
  root: string;
  source: string;
}

/**
 * `@alias/<root>/<folder>/**` to `@artifact/<folder>/` from a source that
 * is this repository (each part may be empty): the folder as the artifact
 * has it, and the repository folder its root is.
 */
function copiedFolder(
  copy: unknown,
  own: ReadonlyMap<string, string>,
): CopiedFolder | undefined {
  if (
    !isRecord(copy) ||
    typeof copy.from !== 'string' ||
    typeof copy.to !== 'string' ||
    Object.keys(copy).some(k => k !== 'from' && k !== 'to')
  )
    return undefined;
  const from = /^@([^/]+)\/(?:(.+)\/)?\*\*$/.exec(copy.from);
  const source = from && own.get(from[1]);
  const to = /^@artifact(?:\/(.*?))?\/*$/.exec(copy.to);
  if (!source || !to) return undefined;
  const copied = from[2] ?? '';
  const folder = to[1] ?? '';
  if (/[*?[{]/.test(copied) || /[*?[{]/.test(folder)) return undefined;
  if (folder === copied) return { folder, root: '', source };
  if (!folder) return { folder, root: copied, source };
  return copied.endsWith(`/${folder}`)
    ? { folder, root: copied.slice(0, -folder.length - 1), source }
    : undefined;
}
