import type { EngineCache } from '../../cache/EngineCache';
import {
  type BuildResult,
  type KustomizeEngine,
  kustomizationFileIn,
} from '../../flux/kustomize';
import { dirnamePath, type RepoTree } from '../../tree/RepoTree';
import { locate } from '../../yaml/locate';
import type { BuildIncludes } from './entryPoints';
import { type ScannedDocument, scanDocuments } from './scan';

/** What a document was built into by an overlay, and that overlay's build. */
export interface OverlayForm {
  document: ScannedDocument;
  /** The build of the overlay folder: the objects the document's references resolve in. */
  built: BuildResult;
}

const patchFields = [
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'components',
];

/**
 * A shared document (a base's HelmRelease) as the overlays that build it
 * change it: each kustomization with `patches` (or components) whose
 * build holds it is built, the document read as it comes out (its values,
 * name and namespace patched). A form whose patches another form holds
 * too is a step of that one's build, and left out. A document no patching
 * kustomization builds has no forms. Flux Kustomizations' own patches are
 * the render's: this reads the repository before it knows its clusters.
 */
export function overlayForms(
  tree: RepoTree,
  cache: EngineCache,
  appliedBy: BuildIncludes,
  kustomize: KustomizeEngine,
): (document: ScannedDocument) => OverlayForm[] {
  let overlays: string[] | undefined;
  const overlayFolders = () => {
    const index = cache.treeIndex(tree);
    return (overlays ??= [
      ...new Set(
        [...scanDocuments(tree, cache, patchFields)]
          .filter(
            d =>
              kustomizationFileIn(index, dirnamePath(d.file)) === d.file &&
              patchFields.some(f => f in d.value),
          )
          .map(d => dirnamePath(d.file)),
      ),
    ]);
  };
  return document => {
    const source = document.source;
    if (!source) return [];
    const forms = overlayFolders()
      .filter(dir => appliedBy(dir, document.file))
      .flatMap(dir => {
        const built = kustomize.buildFluxPath(dir);
        return built.objects
          .filter(
            o =>
              o.source.file === source.file && o.source.index === source.index,
          )
          .map(object => ({
            object,
            built,
            patches: new Set(
              (object.source.patches ?? []).map(p => `${p.file}:${p.line}`),
            ),
          }));
      });
    const kept = forms.filter(
      form =>
        !forms.some(
          other =>
            other.patches.size > form.patches.size &&
            [...form.patches].every(p => other.patches.has(p)),
        ),
    );
    // the same result from two folders is one deployment
    const seen = new Set<string>();
    return kept.flatMap(({ object, built }) => {
      const key = JSON.stringify(object.body);
      if (seen.has(key)) return [];
      seen.add(key);
      return [
        {
          document: {
            file: document.file,
            value: object.body as Record<string, any>,
            at: path => locate(object, path),
            source,
          },
          built,
        },
      ];
    });
  };
}
