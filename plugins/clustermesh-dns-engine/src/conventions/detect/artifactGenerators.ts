import type { EngineCache } from '../../cache/EngineCache';
import { isRecord } from '../../core/paths';
import { firstFew } from '../../core/text';
import { clampPath, isPathUnder, type RepoTree } from '../../tree/RepoTree';
import type { OwnSource } from './entryPoints';
import { ScannedDocument, scanDocuments } from './scan';

/**
 * The ExternalArtifacts an ArtifactGenerator of the repository makes as
 * plain copies of this repository's folders (`@repo/infrastructure/**` to
 * `@artifact/infrastructure/`, every copy of the artifact so): the same
 * files at the same paths, so a Flux Kustomization that builds one builds
 * this repository. Anything else (another source, a renamed folder, a
 * single file, `exclude`, a merge strategy, a Kustomization that builds a
 * path outside the copied folders) is not this repository.
 */
export function copiedArtifacts(
  tree: RepoTree,
  cache: EngineCache,
  /** The sources that are this repository. */
  ownNames: readonly string[],
): OwnSource[] {
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
  const found: OwnSource[] = [];
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
      const folders = copies.map(copy => copiedFolder(copy, own));
      if (!folders.length || folders.some(f => f === undefined)) return;
      // a path outside what it copies is not in the artifact: Flux fails it
      const inside = (path: string) =>
        folders.some(f => isPathUnder(path, f!.folder));
      if (!(paths.get(artifact.name) ?? []).every(inside)) return;
      const sources = [...new Set(folders.map(f => f!.source))];
      found.push({
        name: artifact.name,
        path: '',
        reason: `ExternalArtifact ${artifact.name} is ${
          folders.some(f => f!.folder === '')
            ? 'this repository'
            : `this repository's ${firstFew(folders.map(f => f!.folder))}`
        } as it is: ArtifactGenerator ${
          value.metadata?.name ?? ''
        } copies it from GitRepository ${sources.join(', ')} to the same paths`,
        location: doc.at(['spec', 'artifacts', i]),
      });
    });
  }
  return found;
}

/** `@alias/<folder>/**` to `@artifact/<folder>/` from a source that is this repository. */
function copiedFolder(
  copy: unknown,
  own: ReadonlyMap<string, string>,
): { folder: string; source: string } | undefined {
  if (
    !isRecord(copy) ||
    typeof copy.from !== 'string' ||
    typeof copy.to !== 'string' ||
    Object.keys(copy).some(k => k !== 'from' && k !== 'to')
  )
    return undefined;
  const from = /^@([^/]+)\/(?:(.+)\/)?\*\*$/.exec(copy.from);
  const source = from && own.get(from[1]);
  if (!source) return undefined;
  const folder = from[2] ?? '';
  const to = copy.to.replace(/\/+$/, '');
  return to === (folder ? `@artifact/${folder}` : '@artifact')
    ? { folder, source }
    : undefined;
}
