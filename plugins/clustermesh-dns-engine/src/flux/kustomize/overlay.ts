import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/**
 * What a Flux Kustomization adds to the kustomization it builds:
 * kustomize-controller edits (or generates) the folder's kustomization.yaml
 * with these before `kustomize build`, so they run in kustomize's
 * transformer phase of that top-level kustomization: `namespace` from
 * `spec.targetNamespace` (it replaces the kustomization's own),
 * `namePrefix`/`nameSuffix`, and `spec.patches`, `spec.patchesStrategicMerge`,
 * `spec.patchesJson6902` and `spec.components` appended to the lists of the
 * same names. Findings about an entry point at its `location`.
 *
 * @public
 */
export interface FluxKustomizeOverlay {
  /** What declares it, for messages: "Kustomization flux-system/apps". */
  origin: string;
  /** A stable identity of everything below, for the build cache. */
  key: string;
  /** The Flux Kustomization (or its spec), for findings about the namespace, prefix or suffix. */
  location?: SourceLocation;
  /** `spec.targetNamespace`. */
  namespace?: string;
  /** `spec.namePrefix` / `spec.nameSuffix`. */
  namePrefix?: string;
  nameSuffix?: string;
  /** `spec.patches`: `patch` is the patch text (YAML or JSON), `target` a kustomize selector. */
  patches?: Array<{
    patch: unknown;
    target?: unknown;
    location: SourceLocation;
    /** Where the `patch` key is: a block scalar's text lines follow it. */
    textLocation?: SourceLocation;
  }>;
  /** `spec.patchesStrategicMerge`: each a patch object. */
  patchesStrategicMerge?: Array<{ patch: unknown; location: SourceLocation }>;
  /** `spec.patchesJson6902`: `patch` is the list of operations. */
  patchesJson6902?: Array<{
    patch: unknown;
    target?: unknown;
    location: SourceLocation;
  }>;
  /** `spec.components`, relative to the folder built. */
  components?: Array<{ path: string; location: SourceLocation }>;
  /** `spec.ignoreMissingComponents`. */
  ignoreMissingComponents?: boolean;
  /** `spec.images` (not evaluated: reported at this location). */
  images?: { location: SourceLocation };
}
