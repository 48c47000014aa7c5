import { firstFew, isDomainName } from '../core/text';
import type {
  DetectedConvention,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineCache } from '../cache/EngineCache';
import { getPath, isRecord } from '../core/paths';
import {
  basenamePath,
  clampPath,
  dirnamePath,
  isPathUnder,
  type RepoTree,
} from '../tree/RepoTree';
import { sourceIgnored } from '../tree/sourceIgnore';
import type { TreeIndex } from '../tree/TreeIndex';
import { hasNoLbIpam, readsOnlyOldLbIpamAnnotation } from '../cilium/version';
import { isCiliumChart, lbIpamAnnotationKeys } from '../cilium/values';
import { pushedArtifactRoots } from './detect/artifactRoots';
import {
  ciliumChartNeedles,
  ciliumServiceNeedles,
  lbIpamAnnotationsUsed,
  lbIpVariableByName,
  readApiserverAnnotation,
  readCiliumChartVersions,
  readLbIpSettingKeys,
} from './detect/ciliumService';
import {
  clusterFolderCandidates,
  entryLayout,
  sharedEntryOf,
  isSharedFolderName,
  EntryLayout,
  FluxEntry,
  fluxNeedles,
  GroupedPath,
  buildIncludes,
  holdsFluxEntry,
  holdsFluxReconciler,
  KustomizationPath,
  kustomizeBaseReferences,
  VariablePath,
  ownSourceNames,
  outermostEntries,
  readFluxEntries,
  singleClusterName,
} from './detect/entryPoints';
import {
  ExternalDnsDeployment,
  externalDnsPrefixes,
  inDomain,
  prefixOf,
  proxiesByDefault,
  repositoryExternalDnsDeployments,
} from './detect/externalDns';
import {
  readSubstitutionWebhook,
  substitutionWebhookNeedle,
} from './detect/substitutionWebhook';
import {
  readBootstrapVersions,
  readHelmfileVersions,
  readInstanceChartDefaults,
  readInstanceVersions,
  strictnessOf,
} from './detect/fluxVersion';
import {
  inRecordFolder,
  isFluxKustomization as isKustomizationDocument,
  mentioned,
  ScannedDocument,
  scanDocuments,
  where,
  variableDefinitions,
} from './detect/scan';
import { isFluxKustomization } from '../flux/fluxKustomization';
import { metadataFiltered } from './detect/externalDnsFilters';
import { copiedArtifacts } from './detect/artifactGenerators';
import {
  generatedSettingsEntries,
  inlineSubstituteEntries,
  SettingsFqdnTemplate,
  settingsFqdnTemplate,
  peerVariableTemplate,
  valuesFqdnTemplate,
} from './detect/fqdnTemplate';
import {
  lowerCaseSettingsKeys,
  readSubstitutionReferences,
  settingsEntryHolding,
  settingsNeedle,
  SubstitutionReferences,
  settingsName,
} from './detect/settingsSources';
import {
  defaultConventions,
  lowerPeerToken,
  MeshConventions,
  MeshConventionsInput,
  peerToken,
  legacyRecordsDocumentMarkers,
  recordsDocumentMarker,
  settingText,
} from './schema';
import { referencedVariables } from '../flux/envsubst';
import { releaseValuesRead } from '../flux/helmValues';
import {
  type BuildResult,
  KustomizeEngine,
  kustomizationFileIn,
  kustomizationFileNames,
} from '../flux/kustomize';
import { overlayForms } from './detect/overlays';
import { readTextFile } from '../yaml/decode';
import { bootstrapReader } from '../flux/bootstrapReads';
import type { YamlFiles } from '../yaml/files';
import { clusterEntry, clusterFolder, peerVariableOf } from './templates';

/**
 * What detection found: conventions to use, and for each setting it looked
 * at, what it found or why it kept the default.
 *
 * @public
 */
export interface ConventionDetection {
  conventions: MeshConventionsInput;
  found: DetectedConvention[];
}

/**
 * Detects the conventions a repository already uses, so nothing is assumed:
 * where its clusters and their Flux entry points are, which folders under
 * the clusters folder are not clusters, the settings objects its
 * Kustomizations substitute from, the LB IPAM annotation and LB IP
 * variable, the ExternalDNS prefix and proxy default, and how strict its
 * Flux substitutes. Explicit conventions always win; each finding says why.
 *
 * @public
 */
export function detectConventions(
  tree: RepoTree,
  explicit: MeshConventionsInput = {},
  options: { cache?: EngineCache } = {},
): ConventionDetection {
  const cache = options.cache ?? new EngineCache();
  const index = cache.treeIndex(tree);
  const conventions: MeshConventionsInput = {};
  const found: DetectedConvention[] = [];
  const detected = (
    setting: string,
    value: string,
    reason: string,
    location?: DetectedConvention['location'],
  ) => found.push({ setting, value, source: 'detected', reason, location });
  const kept = (setting: string, value: string, reason: string) =>
    found.push({ setting, value, source: 'default', reason });

  const fluxDocuments = [...scanDocuments(tree, cache, fluxNeedles)];
  const appliedBy = buildIncludes(index, cache.yamlFiles(tree));
  const kustomize = new KustomizeEngine(index, cache.yamlFiles(tree), {
    hashes: cache.kustomizeHashes,
    builds: cache.builds,
  });
  const fluxEntries = readFluxEntries(fluxDocuments, appliedBy, index, name =>
    variableDefinitions(tree, cache, name),
  );
  const { entries, kustomizations } = fluxEntries;

  // the sources that are this repository, whatever their names, and the
  // plain copies of it an ArtifactGenerator makes (of its root: the same
  // source; of a folder: rooted there)
  const known =
    explicit.flux?.sourceNames ?? defaultConventions.flux.sourceNames;
  const ownRepositories = explicit.flux?.sourceNames
    ? []
    : ownSourceNames(fluxEntries, known);
  const copied =
    explicit.flux?.sourceNames && explicit.flux?.sourceRoots
      ? []
      : copiedArtifacts(tree, cache, [
          ...known,
          ...ownRepositories.map(s => s.name),
        ]);
  if (!explicit.flux?.sourceNames) {
    // each name once (every cluster's generator may make the same artifact)
    const seen = new Set<string>(known);
    const own = [...ownRepositories, ...copied.filter(c => !c.root)].filter(
      s => !seen.has(s.name) && Boolean(seen.add(s.name)),
    );
    if (own.length) {
      conventions.flux = {
        ...conventions.flux,
        sourceNames: [...known, ...own.map(s => s.name)],
      };
      detected(
        'flux.sourceNames',
        [...known, ...own.map(s => s.name)].join(', '),
        own.map(s => s.reason).join('; '),
        own[0].location,
      );
    }
  }

  // a webhook that gives every Kustomization the keys of its sources
  if (explicit.flux?.substitutionWebhook === undefined) {
    const deployed = readSubstitutionWebhook(
      scanDocuments(tree, cache, [substitutionWebhookNeedle]),
      doc =>
        releaseValuesFromFolder(doc, kustomize, cache.yamlFiles(tree))?.values,
    );
    if (deployed) {
      conventions.flux = {
        ...conventions.flux,
        substitutionWebhook: {
          ...deployed.webhook,
          sources: [...deployed.webhook.sources],
          skipNamespaces: [...deployed.webhook.skipNamespaces],
        },
      };
      detected(
        'flux.substitutionWebhook',
        `${deployed.webhook.sources
          .map(s => `${s.kind} ${deployed.webhook.namespace}/${s.name}`)
          .join(', ')}${
          deployed.webhook.skipNamespaces.length
            ? ` (given to Kustomizations outside ${deployed.webhook.skipNamespaces.join(
                ', ',
              )})`
            : ''
        }`,
        deployed.reason,
        deployed.location,
      );
    }
  }

  // an OCI artifact CI pushes from a folder of this repository: its root
  if (explicit.flux?.sourceRoots === undefined) {
    const seen = new Set<string>();
    const roots = [
      ...pushedArtifactRoots(tree, () =>
        scanDocuments(tree, cache, ['kind: OCIRepository']),
      ),
      ...copied.filter(c => c.root),
    ].filter(r => !seen.has(r.name) && Boolean(seen.add(r.name)));
    if (roots.length) {
      conventions.flux = {
        ...conventions.flux,
        sourceRoots: Object.fromEntries(roots.map(r => [r.name, r.root])),
      };
      detected(
        'flux.sourceRoots',
        roots.map(r => `${r.name}: ${r.root}`).join(', '),
        roots.map(r => r.reason).join('; '),
        roots[0].location,
      );
    }
  }

  // what this repository's GitRepositories leave out of their artifacts:
  // a file is left out when every one of them leaves it out (clusters
  // whose sources ignore each other's folders keep them); decided again
  // once every cluster's entry point is known (one that is a cluster's
  // plain kustomization applies its own GitRepository: tvories')
  // the sources that are this repository, as the renderer takes them
  const ownSourceNamesSoFar = () =>
    new Set(
      conventions.flux?.sourceNames ??
        explicit.flux?.sourceNames ??
        defaultConventions.flux.sourceNames,
    );
  const detectSourceIgnore = (entryPaths: readonly string[]) => {
    const names = ownSourceNamesSoFar();
    const named = fluxEntries.gitRepositories.filter(r => names.has(r.name));
    // nothing is left out where no source leaves anything out (and which
    // entry point applies which source is then not asked: n² on a mesh)
    if (!named.some(r => r.ignore?.text.trim())) return;
    // those an entry point applies, where some is (an archived copy of a
    // cluster's Flux folder declares a source no cluster has: Ramblurr's);
    // the entry point holding the file asked first, as it usually applies it
    const applied = named.filter(r => {
      const file = r.location.file;
      const holding = (path: string) => isPathUnder(file, path);
      return (
        entryPaths.some(path => holding(path) && appliedBy(path, file)) ||
        entryPaths.some(path => !holding(path) && appliedBy(path, file))
      );
    });
    const own = applied.length ? applied : named;
    // an entry point reconciled from a source no file here declares (a
    // FluxInstance's sync, the bootstrap's) fetches everything
    const declared = new Set(fluxEntries.gitRepositories.map(r => r.name));
    const undeclared =
      fluxEntries.ownSources
        .filter(s => s.path && !declared.has(s.name))
        .map(s => ({
          path: s.path,
          from: `${s.name}, which no file here declares (a FluxInstance or the bootstrap makes it)`,
        }))[0] ??
      fluxEntries.instanceSyncs.map(s => ({
        path: s.path,
        from: `the GitRepository the FluxInstance's sync makes (${where(
          s.location,
        )})`,
      }))[0];
    const ignoring = own.length > 0 && own.every(r => r.ignore?.text.trim());
    if (ignoring && undeclared)
      kept(
        'flux.sourceIgnore',
        'none',
        `GitRepository ${own[0].name} leaves paths out (spec.ignore at ${where(
          own[0].ignore!.location,
        )}), but ${undeclared.path} is reconciled from ${
          undeclared.from
        }, which leaves nothing out: each cluster's Flux applies its own source's list, so nothing is left out for all of them (a Kustomization whose own source leaves its path out still fails)`,
      );
    else if (ignoring) {
      const texts = [...new Set(own.map(r => r.ignore!.text))];
      conventions.flux = { ...conventions.flux, sourceIgnore: texts };
      const first = own[0].ignore!.location;
      detected(
        'flux.sourceIgnore',
        texts.length === 1
          ? texts[0]
              .split('\n')
              .map(l => l.trim())
              // its patterns, not its comments
              .filter(l => l && !l.startsWith('#'))
              .join(' ')
          : `${texts.length} lists`,
        `GitRepository ${
          own[0].name
        } leaves these paths out of what Flux builds (spec.ignore at ${where(
          first,
        )})${
          own.length > 1
            ? otherSourcesIgnoring(own.length - 1, texts.length === 1)
            : ''
        }`,
        first,
      );
    }
  };
  if (explicit.flux?.sourceIgnore === undefined)
    detectSourceIgnore(entries.map(e => e.path));

  // where the clusters are; entry points at the top of the repository are
  // a cluster folder each only when there are several (one alone is a
  // repository of a single cluster, whose other folders are not clusters)
  const shared = entryLayout(entries, explicit.clustersPath);
  const layout =
    shared?.clustersPath === '' &&
    explicit.clustersPath === undefined &&
    shared.clusters.size < 2
      ? undefined
      : shared;
  let clustersPath = explicit.clustersPath ?? defaultConventions.clustersPath;
  if (!explicit.clustersPath) {
    if (layout) {
      clustersPath = layout.clustersPath;
      const first = [...layout.clusters.values()][0];
      if (clustersPath !== defaultConventions.clustersPath)
        conventions.clustersPath = clustersPath;
      // found, even when it is the default's value
      detected(
        'clustersPath',
        clustersPath,
        `the Flux entry points of ${[...layout.clusters.keys()].join(', ')} ${
          clustersPath
            ? 'are under it'
            : 'are folders at the top of the repository'
        }; e.g. ${first.reason}`,
        first.location,
      );
    } else if (!index.isDir(clustersPath)) {
      // one the sources' spec.ignore leaves wholly out is none Flux reads,
      // nor one with Flux's own install alone (BoKKeR's leftover
      // clusters/my-cluster/flux-system/gotk-components.yaml)
      const ignores = conventions.flux?.sourceIgnore;
      const ignored = ignores?.length
        ? sourceIgnored(tree, ignores)
        : undefined;
      // and one with files of its own only is no folder of cluster
      // folders (david-driscoll's Pulumi definitions in clusters/*.yaml)
      // nor one a Flux entry point reconciles as a whole: the folder of
      // one cluster (`flux bootstrap --path=clusters`, luzero-luvis'),
      // whose flux-system/ beside its Kustomizations is no cluster
      const candidate = clusterFolderCandidates.find(
        p =>
          index.isDir(p) &&
          !entries.some(e => e.path === p) &&
          tree
            .paths()
            .some(
              f =>
                isPathUnder(f, p) &&
                dirnamePath(f) !== p &&
                basenamePath(f) !== 'gotk-components.yaml' &&
                !ignored?.(f),
            ),
      );
      if (candidate) {
        clustersPath = candidate;
        conventions.clustersPath = candidate;
        detected(
          'clustersPath',
          candidate,
          `${noEntryPerCluster(entries, kustomizations)}; ${candidate}/ exists`,
        );
      }
    } else {
      kept(
        'clustersPath',
        clustersPath,
        `${noEntryPerCluster(
          entries,
          kustomizations,
        )}; ${clustersPath}/ exists`,
      );
    }
  }
  if (layout && layout.clustersPath === clustersPath) {
    if (explicit.entryPath === undefined && layout.entryPath) {
      conventions.entryPath = layout.entryPath;
      const first = [...layout.clusters.values()][0];
      detected(
        'entryPath',
        layout.entryPath,
        `each cluster's Flux entry point is its ${layout.entryPath}/ folder; e.g. ${first.reason}`,
        first.location,
      );
    }
  }

  // which folders under it are clusters
  const folders = index.list(clustersPath).dirs;
  if (
    layout?.clustersPath === clustersPath &&
    layout.entryPath &&
    explicit.entryPath === undefined &&
    explicit.entries === undefined
  ) {
    const own = ownFolderEntries(
      layout,
      folders,
      kustomizations,
      appliedBy,
      index,
    );
    if (own.reasons.length) {
      conventions.entries = own.entries;
      detected('entries', settingText(own.entries), own.reasons.join('; '));
      // the entry folder holds for the others only
      const entryPath = found.find(
        f => f.setting === 'entryPath' && f.source === 'detected',
      );
      if (entryPath)
        entryPath.reason = entryPath.reason.replace(
          "each cluster's Flux entry point",
          `the Flux entry point of each cluster but ${Object.keys(
            own.entries,
          ).join(', ')} (see entries)`,
        );
    }
  }
  // a cluster whose entry point lies below the entry folder of the others
  // (a flux-operator sync of `main/flux/config`, where the others'
  // `…/flux` reconciles itself), the entry folder itself reconciled by
  // nothing: rendered from its own entry point, not from a folder Flux
  // never builds as a whole
  if (
    layout?.clustersPath === clustersPath &&
    layout.entryPath &&
    explicit.entryPath === undefined &&
    explicit.entries === undefined &&
    conventions.entries === undefined
  ) {
    const deeper: Record<string, string> = {};
    const reasons: string[] = [];
    for (const c of folders) {
      const conventional = clusterFolder(
        clustersPath,
        `${c}/${layout.entryPath}`,
      );
      if (
        entries.some(e => e.path === conventional) ||
        kustomizations.some(k => k.path === conventional)
      )
        continue;
      const below = entries.filter(
        e => e.path !== conventional && isPathUnder(e.path, conventional),
      );
      if (below.length !== 1) continue;
      deeper[c] = below[0].path;
      reasons.push(
        `${c}'s Flux entry point is ${below[0].path} (${below[0].reason}), below ${conventional}, which nothing reconciles`,
      );
    }
    if (reasons.length) {
      conventions.entries = deeper;
      detected('entries', settingText(deeper), reasons.join('; '));
    }
  }
  // no entry point of their own: one for every cluster may pick each
  // cluster's folder by a variable
  const sharedEntry =
    explicit.sharedEntry === undefined &&
    explicit.entryPath === undefined &&
    !(layout?.clustersPath === clustersPath && layout.clusters.size)
      ? sharedEntryOf(fluxEntries, appliedBy, clustersPath, folders, index)
      : undefined;
  if (sharedEntry) {
    conventions.sharedEntry = sharedEntry.entry;
    detected(
      'sharedEntry',
      settingText(sharedEntry.entry),
      `Kustomization ${sharedEntry.by.name} at ${where(
        sharedEntry.by.location,
      )}, which ${sharedEntry.entry.path} applies, builds ${clusterFolder(
        clustersPath,
        `\${${sharedEntry.entry.variable}}`,
      )}${
        sharedEntry.by.rest ? `/${sharedEntry.by.rest}` : ''
      }: one Flux entry point for every cluster, which picks the cluster's folder by ${
        sharedEntry.entry.variable
      }; each cluster is rendered from it with ${
        sharedEntry.entry.variable
      } set to its folder's name`,
      sharedEntry.by.location,
    );
  }
  // one entry point outside the clusters folder whose Kustomizations build
  // one cluster folder's parts (`infrastructure/flux/cluster` applying
  // `clusters/aeon/apps`): that cluster's entry point, not a folder of
  // its own to render alone
  const entryOfOne =
    !layout &&
    !sharedEntry &&
    explicit.entries === undefined &&
    explicit.sharedEntry === undefined
      ? singleEntryOfClusterFolder(entries, kustomizations, clustersPath)
      : undefined;
  if (entryOfOne && folders.includes(entryOfOne.cluster)) {
    conventions.entries = { [entryOfOne.cluster]: entryOfOne.entry.path };
    detected(
      'entries',
      settingText(conventions.entries),
      `the repository's one Flux entry point, ${entryOfOne.entry.path} (${
        entryOfOne.entry.reason
      }), builds ${entryOfOne.builds} (Kustomization at ${where(
        entryOfOne.location,
      )}): it is ${
        entryOfOne.cluster
      }'s, whose folder holds parts it applies, not an entry point of its own`,
      entryOfOne.location,
    );
  }
  // one Flux entry point and no folder of clusters: a repository of a
  // single cluster, checked as that one cluster (its row says whether it
  // is in the mesh, as a clusters folder's one cluster's does), named for
  // its entry's folder; not one whose Flux also reconciles other clusters
  // (spec.kubeConfig), nor the whole repository (`path: ./`)
  const outermost = outermostEntries(entries);
  if (
    !layout &&
    !sharedEntry &&
    !entryOfOne &&
    explicit.entries === undefined &&
    explicit.sharedEntry === undefined &&
    explicit.clusters === undefined &&
    explicit.clustersPath === undefined &&
    !index.isDir(clustersPath) &&
    outermost.length === 1 &&
    outermost[0].path !== '' &&
    !kustomizations.some(k => k.remote)
  ) {
    const [single] = outermost;
    const name = singleClusterName(single.path);
    conventions.entries = { [name]: single.path };
    detected(
      'entries',
      settingText(conventions.entries),
      `the repository's one Flux entry point, ${single.path} (${
        single.reason
      }), is a single cluster's, with no folder of clusters beside it: it is checked as one cluster, ${
        name === 'cluster'
          ? 'named "cluster" (its folders have generic names)'
          : `named for its folder ${name}`
      } (a mesh's clusters each have a folder of their own, e.g. clusters/<cluster>)`,
      single.location,
    );
  }
  // entry points found from the clusters' folders apply their own sources
  const entryPaths = entries.map(e => e.path);
  const moreEntries = Object.values(conventions.entries ?? {}).filter(
    path => !entryPaths.includes(path),
  );
  if (explicit.flux?.sourceIgnore === undefined && moreEntries.length) {
    const before = found.findIndex(f => f.setting === 'flux.sourceIgnore');
    if (before >= 0) found.splice(before, 1);
    // (a copy: the object may be shared with what was detected before)
    if (conventions.flux) {
      const { sourceIgnore: _before, ...flux } = conventions.flux;
      conventions.flux = flux;
    }
    detectSourceIgnore([...entryPaths, ...moreEntries]);
  }
  const ownSources = ownSourceNamesSoFar();
  const applied = appliedByAnotherCluster(
    clustersPath,
    folders,
    [
      // another repository's folders of the same paths are not these
      // (mrwulf's other-apps of GitRepository other-git at ./)
      ...kustomizations.filter(
        k => k.source === undefined || ownSources.has(k.source),
      ),
      // a folder the clusters' kustomizations list as a base is part of them
      ...kustomizeBaseReferences(
        index,
        cache.yamlFiles(tree),
        clustersPath,
        folders,
      ),
    ],
    layout,
    entries,
    // what a cluster's Kustomization of the clusters folder itself builds
    // from a folder (Apocrathia's layers, each file listed from above)
    (path, folder) => {
      const prefix = `${clusterFolder(clustersPath, folder)}/`;
      return index
        .paths()
        .some(file => file.startsWith(prefix) && appliedBy(path, file));
    },
  );
  // beside clusters found by their entry points, a folder with none of its
  // own and a name such as bootstrap or shared is a layer they share
  const entryFolders =
    layout?.clustersPath === clustersPath
      ? new Set(layout.clusters.keys())
      : undefined;
  // a folder named as a layer (`base`) that a Kustomization of its own
  // reconciles is a cluster all the same (entry points are not read from
  // such names, since `flux/` or `base/` is usually a part of one)
  const ownEntry = (f: string) => {
    const folder = clusterFolder(clustersPath, f);
    const entry = layout?.entryPath ? `${folder}/${layout.entryPath}` : folder;
    return entries.some(e => e.path === entry);
  };
  const sharedLayers = entryFolders
    ? folders.filter(
        f =>
          !entryFolders.has(f) &&
          !applied.has(f) &&
          isSharedFolderName(f) &&
          !ownEntry(f),
      )
    : [];
  // a folder named as a layer that alone declares the GitRepository the
  // other clusters' entries build from: each cluster has it, so a
  // bootstrap applies the folder to each of them (`shared/ks.yaml` beside
  // every `<cluster>/ks.yaml`)
  const sourceLayers = new Map<string, string>();
  if (entryFolders)
    for (const f of folders) {
      if (!entryFolders.has(f) || applied.has(f) || !isSharedFolderName(f))
        continue;
      const inside = `${clusterFolder(clustersPath, f)}/`;
      const declared = (name: string) =>
        fluxEntries.gitRepositories.filter(r => r.name === name);
      const used = fluxEntries.ownSources.find(s => {
        const repositories = declared(s.name);
        const user = folders.find(
          o =>
            o !== f &&
            `${s.path}/`.startsWith(`${clusterFolder(clustersPath, o)}/`),
        );
        return (
          user !== undefined &&
          repositories.length > 0 &&
          repositories.every(r => r.location.file.startsWith(inside))
        );
      });
      if (used)
        sourceLayers.set(
          f,
          `GitRepository ${
            used.name
          }, which the clusters' entries build from (${where(
            used.location,
          )}), is declared only in it (${where(
            declared(used.name)[0].location,
          )}): each cluster applies it`,
        );
    }
  sharedLayers.push(...sourceLayers.keys());
  const entryOf = (folder: string) =>
    clusterEntry(
      {
        clustersPath,
        entryPath: conventions.entryPath ?? explicit.entryPath ?? '',
      } as MeshConventions,
      folder,
    );
  // a folder whose entry point the conventions' entries name is that
  // cluster, under that name (ewatkins' kubernetes/flux given as a)
  const namedBy = new Map(
    Object.entries(explicit.entries ?? {}).map(([c, path]) => [
      clampPath(path),
      c,
    ]),
  );
  const asNamed = (folder: string) => namedBy.get(entryOf(folder)) ?? folder;
  /** How the conventions' entries name the folders' clusters, for the reason. */
  const namedByEntries = (clusters: readonly string[]) => {
    const named = folders.filter(
      f => namedBy.has(entryOf(f)) && clusters.includes(asNamed(f)),
    );
    return named.length
      ? [
          `named as the conventions' entries name their entry points (${named
            .map(f => `${asNamed(f)}: ${entryOf(f)}`)
            .join(', ')})`,
        ]
      : [];
  };
  // beside clusters found by their entry points, a folder that none
  // reconciles and that holds no Flux Kustomization or FluxInstance (a
  // kind cluster's Helm values, applied by hand) is not one Flux builds
  const unreconciled = entryFolders
    ? folders.filter(
        f =>
          !entryFolders.has(f) &&
          !applied.has(f) &&
          !sharedLayers.includes(f) &&
          holdsFluxEntry(index, entryOf(f)) &&
          !holdsFluxReconciler(index, entryOf(f)),
      )
    : [];
  // with a shared entry point, a folder its variable cannot pick is not a cluster
  const unpicked = sharedEntry
    ? folders.filter(f => !sharedEntry.clusters.includes(f))
    : [];
  const grouping = sharedEntry
    ? undefined
    : groupsOfClusters(fluxEntries.groupedPaths, clustersPath, folders, index);
  if (
    !explicit.clusters &&
    (applied.size ||
      sharedLayers.length ||
      unreconciled.length ||
      unpicked.length ||
      grouping)
  ) {
    conventions.clusters = folders
      .filter(
        f =>
          !applied.has(f) &&
          !sharedLayers.includes(f) &&
          !unreconciled.includes(f) &&
          !unpicked.includes(f) &&
          !grouping?.groups.has(f) &&
          holdsFluxEntry(index, entryOf(f)),
      )
      .map(asNamed);
    detected(
      'clusters',
      conventions.clusters.join(', '),
      [
        ...(grouping ? [grouping.reason] : []),
        ...[...applied].map(
          ([folder, by]) =>
            `${clusterFolder(clustersPath, folder)} is not a cluster: ${
              by.cluster
                ? `cluster ${by.cluster} applies it`
                : 'a Kustomization at the top of the clusters folder applies it'
            }${
              by.remote
                ? ' to another cluster (spec.kubeConfig), which is not evaluated here'
                : ''
            } (${where(by.location)})`,
        ),
        ...sharedLayers.map(
          folder =>
            `${clusterFolder(clustersPath, folder)} is not a cluster: ${
              sourceLayers.get(folder) ??
              'it has no Flux entry point of its own, and its name says it is a layer the clusters share'
            }`,
        ),
        ...unreconciled.map(
          folder =>
            `${clusterFolder(
              clustersPath,
              folder,
            )} is not a cluster Flux builds: no Flux Kustomization or FluxInstance of the repository reconciles it and it holds none (list it in clusters to check it anyway)`,
        ),
        ...unpicked.map(
          folder =>
            `${clusterFolder(
              clustersPath,
              folder,
            )} is not a cluster: the shared entry point's Kustomization ${
              sharedEntry!.by.name
            } builds no folder in it`,
        ),
        ...namedByEntries(conventions.clusters),
      ].join('; '),
    );
  }
  if (!explicit.clusters && clustersPath === '' && layout) {
    // at the top of the repository, only the folders with an entry point
    // by the layout, or by the entry folder given (a cluster folder of a
    // generic name, Stackclash's `cluster/flux`)
    conventions.clusters = folders
      .filter(
        f =>
          !applied.has(f) &&
          (layout.clusters.has(f) ||
            (explicit.entryPath !== undefined &&
              entries.some(e => e.path === entryOf(f)))),
      )
      .map(asNamed);
    detected(
      'clusters',
      conventions.clusters.join(', '),
      [
        `the clusters are at the top of the repository: only the folders Flux reconciles a cluster from are clusters; e.g. ${
          [...layout.clusters.values()][0].reason
        }`,
        ...namedByEntries(conventions.clusters),
      ].join('; '),
    );
  }
  // no clusters said or found yet, and no entry point: the folders may
  // be no Flux clusters at all
  const undecided = () =>
    !explicit.clusters &&
    !explicit.clustersPath &&
    !conventions.clusters &&
    folders.length > 0 &&
    !entries.length;
  // a repository without any Flux object (Argo CD, plain manifests): no
  // folder of it is a cluster Flux builds, whatever its name
  if (
    undecided() &&
    // any Flux object (a HelmRelease a FluxInstance applied outside the
    // repository reconciles) says Flux may build these folders; its
    // apiVersion (`helm.toolkit.fluxcd.io/v2`), not an annotation key
    // (`kustomize.toolkit.fluxcd.io/substitute`) copied into other manifests
    !mentioned(tree, cache, 'toolkit.fluxcd.io/v') &&
    !mentioned(tree, cache, 'fluxcd.controlplane.io/v')
  ) {
    conventions.clusters = [];
    detected(
      'clusters',
      '',
      `the repository holds no Flux object (no *.toolkit.fluxcd.io or fluxcd.controlplane.io apiVersion in any file): nothing shows that Flux reconciles ${
        clustersPath ? `a folder under ${clustersPath}` : 'any of its folders'
      } (${firstFew(folders)}); name them in clusters to check them anyway`,
    );
  }
  // an Argo CD repository: its cluster folders hold Argo CD's objects and
  // no Flux entry point or Kustomization reconciles anything there
  if (
    undecided() &&
    !kustomizations.some(
      k =>
        index.isDir(k.path) &&
        (k.path === clustersPath || k.path.startsWith(`${clustersPath}/`)),
    )
  ) {
    const argo = argoCdObjectIn(tree, cache, clustersPath);
    if (argo) {
      conventions.clusters = [];
      detected(
        'clusters',
        '',
        `the folders of ${clustersPath} (${firstFew(folders)}) are Argo CD's: ${
          argo.what
        } at ${where(
          argo.location,
        )}, and no Flux entry point or Flux Kustomization reconciles any of them; the checks read what Flux applies (name the clusters in clusters to check them anyway)`,
      );
    }
  }
  const clusterNames = conventions.clusters ?? explicit.clusters ?? folders;

  // the settings objects the Kustomizations substitute from
  const references = readSubstitutionReferences(fluxDocuments);
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const key = kind === 'ConfigMap' ? 'configMap' : 'secret';
    if (explicit.settings?.[key]) continue;
    // an app's own variables (a storage driver's ConfigMap, substituted
    // into that driver's Kustomization in each cluster) are not the settings
    const appOwn = new Map<string, string>();
    const candidates = new Map(
      [...references[kind]].filter(([object]) => {
        const reason = appOwnVariables(
          references.referencedBy.get(`${kind}/${object}`) ?? [],
          kustomize,
          index,
        );
        if (reason) appOwn.set(object, reason);
        return !reason;
      }),
    );
    const name = settingsName(
      candidates,
      defaultConventions.settings[key],
      clusterNames,
      kind,
      references.overriding,
      references.patched,
      references.referencedBy,
    );
    if (name) {
      conventions.settings = { ...conventions.settings, [key]: name.name };
      detected(`settings.${key}`, name.name, name.reason, name.location);
    } else if (
      appOwn.size &&
      !references[kind].has(defaultConventions.settings[key])
    )
      kept(
        `settings.${key}`,
        defaultConventions.settings[key],
        `no ${kind} is substituted from as the clusters' settings: ${[...appOwn]
          .map(([object, reason]) => `${kind} ${object} ${reason}`)
          .join('; ')}`,
      );
  }

  const settingsConfigMap =
    conventions.settings?.configMap ??
    explicit.settings?.configMap ??
    defaultConventions.settings.configMap;
  // the documents of the files that may hold it, scanned once for the
  // LB IP key, the keys' case and the FQDN template
  let settingsScanned: ScannedDocument[] | undefined;
  const settingsDocuments = () =>
    (settingsScanned ??= [
      ...scanDocuments(tree, cache, [settingsNeedle(settingsConfigMap)]),
    ]);

  // the clustermesh-apiserver's annotation and LB IP variable
  const annotation = readApiserverAnnotation(
    scanDocuments(tree, cache, ciliumServiceNeedles),
    defaultConventions.variables.lbIp,
  );
  if (annotation) {
    if (!explicit.cilium?.lbIpamAnnotation) {
      conventions.cilium = { lbIpamAnnotation: annotation.key };
      detected(
        'cilium.lbIpamAnnotation',
        annotation.key,
        `the Cilium values already annotate the clustermesh-apiserver service with it (${where(
          annotation.location,
        )})`,
        annotation.location,
      );
    }
    if (annotation.variable && !explicit.variables?.lbIp) {
      conventions.variables = { lbIp: annotation.variable };
      detected(
        'variables.lbIp',
        annotation.variable,
        `the clustermesh-apiserver's ${annotation.key} annotation is \${${
          annotation.variable
        }} (${where(annotation.location)})${
          annotation.others
            ? `; other Cilium values bind it to ${annotation.others
                .map(o => `\${${o.variable}} (${where(o.location)})`)
                .join(', ')}, which the checks of those clusters then miss`
            : ''
        }`,
        annotation.location,
      );
    }
  }
  // what the clusters run is in what Flux builds: a folder the sources
  // leave out (an old `kube_old/`) counts only when nothing else says it
  const sourceIgnore = conventions.flux?.sourceIgnore;
  const built = sourceIgnore ? cache.treeIndex(tree, sourceIgnore) : undefined;
  const reachable = reachableFromEntries(
    // the entry points the conventions name, or detection found from the
    // cluster folders (tvories' plain kustomizations), count as found ones
    // (jalim's bootstrap-applied kubernetes/flux): what they do not reach
    // runs nowhere
    explicit.entries || conventions.entries
      ? [
          ...entries,
          ...Object.values({
            ...conventions.entries,
            ...explicit.entries,
          }).map(path => ({
            path: clampPath(path),
            reason: 'named in the conventions',
            location: { file: clampPath(path), line: 1 },
          })),
        ]
      : entries,
    kustomizations,
    appliedBy,
    fluxEntries.variablePaths,
  );
  const isBuilt = (file: string) => built?.isFile(file) ?? true;
  // what no cluster runs: out of every source's build, or in a folder
  // kept for the record (`archive/`, `.archive/`, `kube_old/`) no
  // Kustomization reaches
  const leftBehind = (file: string) =>
    !isBuilt(file) || (inRecordFolder(file) && !reachable(file));
  const preferBuilt = <T>(items: T[], fileOf: (item: T) => string): T[] => {
    const inBuild = items.filter(i => isBuilt(fileOf(i)));
    const reached = inBuild.filter(i => reachable(fileOf(i)));
    if (reached.length) return reached;
    // neither reached: those outside folders kept for the record first
    const current = inBuild.filter(i => !inRecordFolder(fileOf(i)));
    if (current.length) return current;
    return inBuild.length ? inBuild : items;
  };

  // no service annotated yet: the key the Cilium the repository pins reads
  if (!annotation && !explicit.cilium?.lbIpamAnnotation) {
    const versions = readCiliumChartVersions(
      scanDocuments(tree, cache, ciliumChartNeedles),
    );
    // one a cluster's Flux applies said first
    const old = versions
      .filter(readsOnlyOldLbIpamAnnotation)
      .sort(
        (a, b) =>
          Number(reachable(b.location.file)) -
          Number(reachable(a.location.file)),
      );
    if (old.length && old.length === versions.length) {
      conventions.cilium = {
        ...conventions.cilium,
        lbIpamAnnotation: 'io.cilium/lb-ipam-ips',
      };
      detected(
        'cilium.lbIpamAnnotation',
        'io.cilium/lb-ipam-ips',
        `the repository pins Cilium ${old[0].text} (${where(
          old[0].location,
        )}), ${
          hasNoLbIpam(old[0])
            ? 'which has no LB IPAM yet (from 1.13, when it reads io.cilium/lb-ipam-ips; lbipam.cilium.io/ips from 1.15)'
            : 'whose LB IPAM reads only io.cilium/lb-ipam-ips (lbipam.cilium.io/ips from 1.15)'
        }${
          // a release Flux applies nowhere (its ks.yaml commented out,
          // Cilium installed another way): still the version the
          // repository names, but said to be no cluster's
          reachable(old[0].location.file)
            ? ''
            : "; but no cluster's Flux applies it (no kustomization a cluster builds reaches its file)"
        }`,
        old[0].location,
      );
    } else {
      // the key the repository's other services already ask LB IPAM with
      const used = lbIpamAnnotationsUsed(
        preferBuilt(
          [...scanDocuments(tree, cache, ciliumServiceNeedles)],
          d => d.file,
        ),
      );
      // both used, but a Cilium the repository pins reads only the older
      if (used?.mixed && old.length) {
        const older = lbIpamAnnotationKeys.find(k => k !== used.key)!;
        conventions.cilium = { ...conventions.cilium, lbIpamAnnotation: older };
        detected(
          'cilium.lbIpamAnnotation',
          older,
          `the repository's other services ask LB IPAM for their addresses with both keys (${
            used.others
          } with it; ${used.count} with ${used.key}, e.g. ${where(
            used.location,
          )}), and it pins Cilium ${old[0].text} (${where(
            old[0].location,
          )}), whose LB IPAM reads only ${older}: the clustermesh-apiserver's takes that one, which every Cilium reads`,
          old[0].location,
        );
      } else if (used) {
        conventions.cilium = {
          ...conventions.cilium,
          lbIpamAnnotation: used.key,
        };
        detected(
          'cilium.lbIpamAnnotation',
          used.key,
          used.mixed
            ? `the repository's other services ask LB IPAM for their addresses with both keys (${
                used.count
              } ${used.count === 1 ? 'place' : 'places'} with it, e.g. ${where(
                used.location,
              )}; ${used.others} with ${lbIpamAnnotationKeys.find(
                k => k !== used.key,
              )}): the clustermesh-apiserver's takes the current one, which Cilium reads from 1.15 on (the older key is deprecated)`
            : `the repository's other services ask LB IPAM for their addresses with it (${
                used.count
              } ${used.count === 1 ? 'place' : 'places'}, e.g. ${where(
                used.location,
              )}): the clustermesh-apiserver's follows them`,
          used.location,
        );
      } else
        kept(
          'cilium.lbIpamAnnotation',
          defaultConventions.cilium.lbIpamAnnotation,
          "none of the repository's other services asks LB IPAM for its address with an annotation, and no Cilium release the repository pins reads only the older io.cilium/lb-ipam-ips: the key Cilium reads from 1.15 on",
        );
    }
  }
  if (!explicit.variables?.lbIp && !conventions.variables?.lbIp) {
    const byName = lbIpVariableByName(
      readLbIpSettingKeys(
        settingsDocuments(),
        settingsConfigMap,
        defaultConventions.variables.lbIp,
      ),
      references,
      defaultConventions.variables.lbIp,
    );
    if (byName) {
      conventions.variables = { lbIp: byName.variable };
      detected(
        'variables.lbIp',
        byName.variable,
        byName.reason,
        byName.location,
      );
    }
  }
  // the peer variables the Cilium values already name their mesh entries
  // by: reused, not written again under the default names
  if (explicit.variables?.peerFqdn === undefined) {
    const named = peerVariableTemplate(
      scanDocuments(tree, cache, ['address:'], { valuesPatches: true }),
      clusterNames,
    );
    if (named && named.template !== defaultConventions.variables.peerFqdn) {
      conventions.variables = {
        ...conventions.variables,
        peerFqdn: named.template,
      };
      detected(
        'variables.peerFqdn',
        named.template,
        `the Cilium values name the mesh entries' addresses by it (${where(
          named.location,
        )})`,
        named.location,
      );
    }
  }
  // settings whose keys are all lower_snake_case get the ClusterMesh
  // variables in that style too, each unless it was found or given (the LB
  // IP variable is found in the Cilium values once configure wrote it)
  const { fqdn, lbIp, peerFqdn } = defaultConventions.variables;
  const lowerCase = {
    fqdn: fqdn.toLowerCase(),
    lbIp: lbIp.toLowerCase(),
    peerFqdn: peerFqdn.replace(peerToken, lowerPeerToken).toLowerCase(),
  };
  const open = (Object.keys(lowerCase) as (keyof typeof lowerCase)[]).filter(
    key =>
      explicit.variables?.[key] === undefined &&
      conventions.variables?.[key] === undefined,
  );
  if (
    open.length &&
    (conventions.variables?.lbIp === undefined ||
      conventions.variables.lbIp === lowerCase.lbIp)
  ) {
    const lower = lowerCaseSettingsKeys(settingsDocuments(), settingsConfigMap);
    if (lower) {
      const why = `the keys of ConfigMap ${settingsConfigMap} are lower_snake_case (e.g. ${lower.examples.join(
        ', ',
      )}; at ${where(lower.location)})`;
      for (const key of open) {
        conventions.variables = {
          ...conventions.variables,
          [key]: lowerCase[key],
        };
        detected(`variables.${key}`, lowerCase[key], why, lower.location);
      }
    }
  }

  // ExternalDNS: the provider-specific prefix it reads, and whether it proxies
  // a shared release as each overlay patches it (ashmantis1: the base
  // names no provider, each overlay's patch its own)
  const formsOf = overlayForms(tree, cache, appliedBy, kustomize);
  // the kustomization folders, once: the overlays of a release's base
  let kustomizationDirs: string[] | undefined;
  const overlaysOf = (file: string) =>
    (kustomizationDirs ??= index
      .paths()
      .filter(p =>
        (kustomizationFileNames as readonly string[]).includes(basenamePath(p)),
      )
      .map(dirnamePath)).filter(
      dir => dir !== dirnamePath(file) && appliedBy(dir, file),
    );
  const overlayBuilds = new WeakMap<ScannedDocument, BuildResult>();
  const deployments = preferBuilt(
    repositoryExternalDnsDeployments(
      tree,
      cache,
      doc =>
        releaseValuesFromFolder(
          doc,
          kustomize,
          cache.yamlFiles(tree),
          overlayBuilds.get(doc),
          overlaysOf,
        ),
      doc => {
        const forms = formsOf(doc);
        for (const form of forms) overlayBuilds.set(form.document, form.built);
        return forms.length ? forms.map(form => form.document) : [doc];
      },
    ),
    d => d.location.file,
  );
  // none in what the clusters' Flux builds (its ks.yaml not listed, or
  // commented out): read all the same, as what the repository means to
  // run, and said
  const unapplied =
    entries.length > 0 &&
    deployments.length > 0 &&
    !deployments.some(
      d => isBuilt(d.location.file) && reachable(d.location.file),
    );
  // what a cluster builds from an ExternalArtifact is not read: one
  // applied may be there (Lingkar's artifact of `kubernetes/infra/**`)
  const artifactBuilders = unapplied
    ? fluxDocuments.filter(
        d =>
          isKustomizationDocument(d.value) &&
          getPath(d.value, ['spec', 'sourceRef', 'kind']) ===
            'ExternalArtifact' &&
          reachable(d.file),
      )
    : [];
  const unappliedWhy = (many: boolean) => {
    const [it, reaches] = many
      ? ['any of them', 'their files']
      : ['it', 'its file'];
    if (!artifactBuilders.length)
      return `but no cluster's Flux applies ${it} (no kustomization a cluster builds reaches ${reaches}), so ${
        many ? 'they run' : 'it runs'
      } in no cluster yet`;
    const [first] = artifactBuilders;
    return `no kustomization read here reaches ${reaches}, but ${
      artifactBuilders.length
    } Kustomization${
      artifactBuilders.length > 1
        ? 's of the clusters build'
        : ' of the clusters builds'
    } ExternalArtifacts, which are not evaluated, and may apply ${it} (e.g. ${String(
      getPath(first.value, ['metadata', 'name']),
    )} at ${first.file}): whether ${
      many ? 'they run' : 'it runs'
    } is not known`;
  };
  const detectedDns: typeof detected = unapplied
    ? (setting, value, reason, location) =>
        detected(
          setting,
          value,
          `${reason}; ${unappliedWhy(deployments.length > 1)}`,
          location,
        )
    : detected;
  if (!explicit.dns?.externalDnsAnnotationPrefix)
    detectPrefix(deployments, tree, cache, conventions, detectedDns, kept);
  const mixedProviders =
    explicit.dns?.provider === undefined
      ? detectProvider(
          deployments,
          conventions,
          detectedDns,
          kept,
          () =>
            dns01Issuer(
              preferBuilt(
                [...scanDocuments(tree, cache, ['dns01'])],
                d => d.file,
              ),
            ),
          detected,
        )
      : undefined;
  if (explicit.dns?.proxiedByDefault === undefined)
    detectProxied(deployments, conventions, detectedDns, kept);
  if (explicit.dns?.mode === undefined)
    detectDnsMode(
      tree,
      explicit,
      conventions,
      detected,
      deployments,
      cache,
      leftBehind,
    );

  // how strict Flux substitutes
  if (explicit.flux?.strictSubstitution === undefined) {
    const gate = strictnessGate(tree, cache);
    // a helmfile is a bootstrap's, which Flux does not build
    const helmfiles = readHelmfileVersions(tree, cache.yamlFiles(tree));
    const written = preferBuilt(
      [
        ...readBootstrapVersions(tree, fluxDocuments, index),
        ...readInstanceVersions(fluxDocuments),
        ...helmfiles,
      ],
      v => v.location.file,
    );
    // none written, or only where no cluster runs it (operinko's
    // `archive/`): the flux-instance chart's own default, where it
    // installs Flux
    const chartDefaults = preferBuilt(
      readInstanceChartDefaults(fluxDocuments),
      v => v.location.file,
    );
    const writtenLeftBehind = written.every(v =>
      helmfiles.includes(v)
        ? inRecordFolder(v.location.file)
        : leftBehind(v.location.file),
    );
    const defaultsInUse = chartDefaults.filter(
      v => !leftBehind(v.location.file),
    );
    const byVersion =
      strictnessOf(
        writtenLeftBehind && defaultsInUse.length ? defaultsInUse : written,
      ) ?? strictnessOf(chartDefaults);
    // the API versions served follow it (its version said with the
    // strictness); a wildcard (`2.x`) is the latest, as if none were found
    if (
      byVersion &&
      Number.isFinite(byVersion.version[1]) &&
      explicit.flux?.version === undefined
    )
      conventions.flux = {
        ...conventions.flux,
        version: byVersion.version.join('.'),
      };
    const strictness = gate ?? byVersion;
    if (strictness) {
      if (!strictness.strict)
        conventions.flux = { ...conventions.flux, strictSubstitution: false };
      // found from a version, even when it is the default's value
      detected(
        'flux.strictSubstitution',
        String(strictness.strict),
        strictness.reason,
      );
    } else {
      kept(
        'flux.strictSubstitution',
        'true',
        'no Flux version found (gotk-components.yaml, FluxInstance distribution.version, a helmfile release of the flux-instance chart): strict, as Flux 2.9 and later',
      );
    }
  }
  // the names the settings already hold: the template they follow
  const fqdnVariable =
    conventions.variables?.fqdn ??
    explicit.variables?.fqdn ??
    defaultConventions.variables.fqdn;
  const settingsNames =
    explicit.fqdnTemplate === undefined
      ? settingsFqdnTemplate(settingsDocuments(), {
          settingsName: settingsConfigMap,
          clusters: clusterNames,
          clusterOfFile: file => {
            const folder = clusterFolderOf(clustersPath, file);
            return folder && clusterNames.includes(folder) ? folder : undefined;
          },
          fqdnVariable,
          peerVariable: peer =>
            peerVariableOf(
              conventions.variables?.peerFqdn ??
                explicit.variables?.peerFqdn ??
                defaultConventions.variables.peerFqdn,
              peer,
            ),
          // the entries a cluster's Kustomization gives inline (a parent's
          // patch giving every child its values)
          inlineEntries: [
            ...inlineSubstituteEntries(
              scanDocuments(tree, cache, [fqdnVariable]),
            ),
            // and those a generator makes (an env file's, configure's too)
            ...generatedSettingsEntries(
              scanDocuments(tree, cache, ['configMapGenerator']),
              settingsConfigMap,
              path => tree.read(path),
            ),
          ],
        })
      : undefined;
  if (settingsNames) {
    conventions.fqdnTemplate = settingsNames.template;
    detectedTemplate(settingsNames, 'the settings', detected);
  }
  // no names in settings: those written out in the Cilium values (a
  // repository configured without settings variables)
  const valuesNames =
    explicit.fqdnTemplate === undefined && !settingsNames
      ? valuesFqdnTemplate(
          // the certificate's names, or the peers' addresses alone, in
          // releases, values files and the JSON 6902 patches of overlays
          scanDocuments(tree, cache, ['extraDnsNames', 'address:'], {
            valuesPatches: true,
          }),
          {
            clusters: clusterNames,
            clusterOfFile: file => {
              const folder = clusterFolderOf(clustersPath, file);
              return folder && clusterNames.includes(folder)
                ? folder
                : undefined;
            },
          },
        )
      : undefined;
  if (valuesNames) {
    conventions.fqdnTemplate = valuesNames.template;
    detectedTemplate(valuesNames, 'the Cilium values', detected);
  }
  // ExternalDNS publishes only names in its domain filters: when every one
  // that reads DNSEndpoints filters on one domain (a variable, or written
  // out), the FQDNs are in it
  const defaultAbsent = () =>
    referencedVariables(defaultConventions.fqdnTemplate).filter(
      v =>
        explicit.values?.[v] === undefined &&
        !mentioned(tree, cache, v, { leftBehind }),
    );
  const templateOpen =
    explicit.fqdnTemplate === undefined && !settingsNames && !valuesNames;
  const filtered = templateOpen
    ? filteredDomain(
        deployments,
        () => defaultAbsent().length > 0,
        true,
        // a cluster's literal filter that is its own value of the others'
        // variable (`cnas.dev`, its EXTERNAL_DOMAIN): one template still
        (literal, variable, file) => {
          const folder = clusterFolderOf(clustersPath, file);
          return (
            folder !== undefined &&
            settingsDocuments().some(
              d =>
                clusterFolderOf(clustersPath, d.file) === folder &&
                String(getPath(d.value, ['data', variable]) ?? '').trim() ===
                  literal,
            )
          );
        },
      )
    : undefined;
  // none reads DNSEndpoints (the records are kept by hand), but where the
  // default's domain variable is nowhere, the one domain the repository's
  // ExternalDNS publishes its other names in is the repository's domain
  const published =
    templateOpen && !filtered && defaultAbsent().length > 0
      ? filteredDomain(deployments, () => true, false)
      : undefined;
  if (filtered) {
    conventions.fqdnTemplate = `clustermesh-{cluster}.${filtered.domain}`;
    detectedDns(
      'fqdnTemplate',
      conventions.fqdnTemplate,
      `every ExternalDNS that reads DNSEndpoints publishes only names in ${
        filtered.domain
      } (${[...new Set(filtered.deployments)].join(', ')}: domain filter${
        filtered.literals
          ? `; ${filtered.literals.join(', ')}, written out, ${
              filtered.literals.length > 1 ? 'are' : 'is'
            } its cluster's value of it`
          : ''
      }), so the clusters' FQDNs are made in it`,
      filtered.location,
    );
  } else if (published) {
    conventions.fqdnTemplate = `clustermesh-{cluster}.${published.domain}`;
    // each release once, however many clusters build it
    const releases = [...new Set(published.deployments)];
    detectedDns(
      'fqdnTemplate',
      conventions.fqdnTemplate,
      `${defaultAbsent().join(
        ', ',
      )}, the domain of the default template, appears nowhere in the repository, and its ExternalDNS publishes names only in ${
        published.domain
      } (${releases.join(', ')}: domain filter${
        // said only where true: those that read DNSEndpoints may filter
        // on several domains (david-driscoll's Cloudflare and Technitium)
        deployments.some(d => d.sources.includes('crd'))
          ? ''
          : `; ${
              releases.length > 1 ? 'none reads' : 'it reads no'
            } DNSEndpoints`
      }), so the clusters' FQDNs are made in it`,
      published.location,
    );
  }
  // the default FQDN template's domain variable, when the repository
  // never names it: the FQDNs wait on a value only the user can give
  if (
    explicit.fqdnTemplate === undefined &&
    !filtered &&
    !published &&
    !settingsNames &&
    !valuesNames
  ) {
    const template = defaultConventions.fqdnTemplate;
    const absent = defaultAbsent();
    // found in the repository (its absence), though the value stays
    if (absent.length) {
      // a cluster's domain has one value per cluster at most: more values
      // than clusters are apps' host names (bykaj's APP_DOMAIN)
      const inline = domainVariable(references);
      const candidate =
        inline && inline.values.length <= Math.max(1, clusterNames.length)
          ? inline
          : undefined;
      const domains = publishedDomains(deployments);
      // also beside a variable some Kustomizations substitute inline, which
      // may be one app's host name (QNimbus' GATUS_DOMAIN, echo.proxii.nl)
      const host = hostDomainVariable(tree, cache, leftBehind);
      const hosts = host?.name !== candidate?.name ? host : undefined;
      // a settings entry whose value is one of those domains (FreekingDean's
      // `DOMAIN: deangalvin.dev`): the variable names it, as the files do
      const domainEntry = domains.length
        ? settingsEntryHolding(
            settingsDocuments(),
            settingsConfigMap,
            domains.map(d => d.domain),
          )
        : undefined;
      // the default kept: what was found is only that it cannot hold
      kept(
        'fqdnTemplate',
        template,
        `${absent.join(', ')}, the domain of the default template, ${
          absent.length === 1 ? 'appears' : 'appear'
        } nowhere in the repository: the clusters' FQDNs are not known until fqdnTemplate names this repository's domain (clustermesh-{cluster}.<domain>) or ${absent
          .map(v => `--value ${v}=<domain>`)
          .join(' ')} gives it${
          candidate
            ? `; ${
                candidate.count === 1
                  ? 'one Flux Kustomization substitutes'
                  : `${candidate.count} Flux Kustomizations substitute`
              } ${
                candidate.values.length === 1
                  ? `${candidate.name} = ${candidate.values[0]}`
                  : `${candidate.name} (${candidate.values.length} values, e.g. ${candidate.values[0]})`
              } inline (${where(
                candidate.location,
              )}): fqdnTemplate: clustermesh-{cluster}.\${${
                candidate.name
              }} holds where the Kustomizations that apply the Cilium values and the DNSEndpoint substitute it too`
            : ''
        }${
          hosts
            ? `; the repository's host names end in \${${hosts.name}} (${
                hosts.count
              } places, e.g. ${where(
                hosts.location,
              )}): fqdnTemplate: clustermesh-{cluster}.\${${
                hosts.name
              }} names the clusters in that domain`
            : ''
        }${
          domains.length
            ? `; the repository's ExternalDNS publish in ${domains
                .slice(0, 3)
                .map(d => `${d.domain} (${d.deployment}, ${where(d.location)})`)
                .join(', ')}${
                domains.length > 3
                  ? ` and ${domains
                      .slice(3)
                      .map(d => d.domain)
                      .join(', ')}`
                  : ''
              }: fqdnTemplate: clustermesh-{cluster}.<one of them> takes the one the ClusterMesh names belong in${
                domainEntry
                  ? `; the settings hold ${domainEntry.key} = ${
                      domainEntry.value
                    } (${where(
                      domainEntry.location,
                    )}), one of them: fqdnTemplate: clustermesh-{cluster}.\${${
                      domainEntry.key
                    }} names the clusters in that domain`
                  : ''
              }`
            : ''
        }`,
      );
    } else {
      // its domain variable given to this run, though the repository never
      // names it: the default kept, and what the ExternalDNS say beside it
      const given = referencedVariables(template).filter(
        v =>
          explicit.values?.[v] !== undefined &&
          !mentioned(tree, cache, v, { leftBehind }),
      );
      const domain =
        given.length > 0
          ? filteredDomain(deployments, () => true, true) ??
            filteredDomain(deployments, () => true, false)
          : undefined;
      if (domain)
        kept(
          'fqdnTemplate',
          template,
          `${given.join(', ')}, the domain of the default template, ${
            given.length === 1 ? 'is' : 'are'
          } given to this run though the repository names ${
            given.length === 1 ? 'it' : 'them'
          } nowhere, so the default holds; the repository's ExternalDNS publish only names in ${
            domain.domain
          } (${[...new Set(domain.deployments)].join(
            ', ',
          )}: domain filter): fqdnTemplate: clustermesh-{cluster}.${
            domain.domain
          } (--fqdn-template) names the clusters there`,
        );
    }
  }
  // several providers: the one whose domain filters take the FQDNs
  if (mixedProviders)
    providerOfNames(
      mixedProviders,
      explicit.fqdnTemplate ??
        conventions.fqdnTemplate ??
        defaultConventions.fqdnTemplate,
      conventions,
      found,
    );
  return { conventions, found };
}

/**
 * Where the ExternalDNS deployments publish to several providers: the one
 * whose domain filters take the clusters' FQDNs (the template's domain,
 * written out), when they all name it; it replaces the kept default.
 */
function providerOfNames(
  named: readonly ExternalDnsDeployment[],
  template: string,
  conventions: MeshConventionsInput,
  found: DetectedConvention[],
) {
  const name = template.replace('{cluster}', 'cluster').toLowerCase();
  if (name.includes('${')) return;
  const byDomain = named.filter(
    ({ filters: { domains, excludeDomains } }) =>
      domains.some(f => !f.includes('${') && inDomain(name, f)) &&
      !excludeDomains.some(f => inDomain(name, f)),
  );
  // a new DNSEndpoint carries no labels or annotations where one of these
  // takes it so (configure adds them only where none does): one whose
  // --label-filter or --annotation-filter asks for some does not take it
  // (operinko's Cloudflare, route.scope=external, beside its RFC2136)
  const unfiltered = byDomain.filter(d => !refusesUnlabelled(d));
  const filteredOut =
    unfiltered.length && unfiltered.length < byDomain.length
      ? byDomain.filter(d => !unfiltered.includes(d))
      : [];
  const taking = filteredOut.length ? unfiltered : byDomain;
  const providers = new Set(taking.map(d => d.provider));
  // several, none Cloudflare (NNMavy's OVH and UniFi for the FQDNs'
  // domain, Cloudflare for another): not Cloudflare's either way
  if (!providers.size || (providers.size > 1 && providers.has('cloudflare')))
    return;
  const provider = providers.has('cloudflare') ? 'cloudflare' : 'other';
  conventions.dns = { ...conventions.dns, provider };
  const at = found.findIndex(f => f.setting === 'dns.provider');
  const entry: DetectedConvention = {
    setting: 'dns.provider',
    value: provider,
    source: 'detected',
    reason: `the ExternalDNS deployments publish to several providers, and the clusters' FQDNs (${template}) are taken by the domain filters of ${taking
      .map(d => `${d.description} (${where(d.location)})`)
      .join(', ')} alone${
      filteredOut.length
        ? ` (${filteredOut
            .map(refusesUnlabelled)
            .join(
              '; ',
            )}: a new DNSEndpoint carries no labels or annotations where another takes it)`
        : ''
    }, which ${taking.length > 1 ? 'use' : 'uses'} provider${
      providers.size > 1 ? 's' : ''
    } ${[...providers].join(', ')}${
      provider === 'cloudflare'
        ? ': Cloudflare\'s TTL range and "DNS only" apply'
        : '; so Cloudflare\'s TTL range and "DNS only" do not apply'
    }`,
    location: taking[0].location,
  };
  if (at >= 0) found.splice(at, 1, entry);
  else found.push(entry);
}

/**
 * Why a deployment's metadata filters (`--label-filter`,
 * `--annotation-filter`) refuse a new DNSEndpoint, which carries no labels
 * or annotations; undefined where they take it
 * (`external-dns.alpha.kubernetes.io/ignore notin (true)`).
 */
function refusesUnlabelled(d: ExternalDnsDeployment): string | undefined {
  const said = metadataFiltered(d, { body: { metadata: {} } });
  return said?.verdict === 'no' ? said.why : undefined;
}

/** Says where the FQDN template was found: the names that follow it there, one of them, and those that do not. */
function detectedTemplate(
  found: SettingsFqdnTemplate,
  place: string,
  detected: Detected,
) {
  const { key, value, location, domain } = found.example;
  detected(
    'fqdnTemplate',
    found.template,
    `${place} already name ${firstFew(
      found.clusters,
    )} this way (e.g. ${key}: ${value} at ${where(location)}${
      domain ? `, beside ${domain.key}: ${domain.value}` : ''
    })${
      found.others.length
        ? `; ${firstFew(found.others)} ${
            found.others.length === 1 ? 'follows' : 'follow'
          } another template, which fqdn-convention reports`
        : ''
    }`,
    location,
  );
}

/**
 * The one domain every ExternalDNS that reads DNSEndpoints (the `crd`
 * source) takes as its whole domain filter: a variable (`domainFilters:
 * ["${CLUSTER_DOMAIN}"]`, unless it is the default template's own) or a
 * domain written out (`[example.org]`) where the default template's domain
 * variable appears nowhere (where it does, it may well hold that domain).
 */
function filteredDomain(
  deployments: readonly ExternalDnsDeployment[],
  defaultUnusable: () => boolean,
  /** Those that read DNSEndpoints only (else every one with a domain filter). */
  readersOnly = true,
  /** Whether a literal filter of a deployment in a file is its cluster's value of a variable. */
  valueOf?: (literal: string, variable: string, file: string) => boolean,
):
  | {
      domain: string;
      deployments: string[];
      location: SourceLocation;
      /** Literal filters taken for the variable: their cluster's value of it. */
      literals?: string[];
    }
  | undefined {
  const readers = readersOnly
    ? deployments.filter(d => d.sources.includes('crd'))
    : deployments.filter(d => d.filters.domains.length);
  if (!readers.length) return undefined;
  const domains = new Set<string>();
  for (const d of readers) {
    if (!d.filters.domains.length) return undefined;
    for (const filter of d.filters.domains) domains.add(filter.trim());
  }
  // the literals that are their cluster's value of the one variable the
  // others filter on count as that variable
  const variables = [...domains].filter(f => /^\$\{\w+\}$/.test(f));
  let literals: string[] = [];
  if (domains.size > 1 && variables.length === 1 && valueOf) {
    const variable = variables[0].slice(2, -1);
    const unified = readers.every(d =>
      d.filters.domains.every(f => {
        const filter = f.trim();
        return (
          filter === variables[0] || valueOf(filter, variable, d.location.file)
        );
      }),
    );
    if (unified) {
      literals = [...domains].filter(f => f !== variables[0]);
      domains.clear();
      domains.add(variables[0]);
    }
  }
  const [domain] = domains;
  if (domains.size !== 1) return undefined;
  const whole = /^\$\{([_A-Za-z][_A-Za-z0-9]*)\}$/.exec(domain);
  const defaults = referencedVariables(defaultConventions.fqdnTemplate);
  if (
    whole
      ? defaults.includes(whole[1])
      : !isDomainName(domain) || !defaultUnusable()
  )
    return undefined;
  return {
    domain,
    deployments: readers.map(d => d.description),
    location: readers[0].location,
    ...(literals.length && { literals }),
  };
}

/**
 * The domains the repository's ExternalDNS deployments publish in (their
 * domain filters), each with the first deployment filtering on it; at
 * most three, those that read DNSEndpoints first.
 */
function publishedDomains(deployments: readonly ExternalDnsDeployment[]) {
  const found = new Map<
    string,
    { domain: string; deployment: string; location: SourceLocation }
  >();
  const readersFirst = [
    ...deployments.filter(d => d.sources.includes('crd')),
    ...deployments.filter(d => !d.sources.includes('crd')),
  ];
  for (const d of readersFirst)
    for (const filter of d.filters.domains) {
      const domain = filter.trim();
      if (domain && !found.has(domain))
        found.set(domain, {
          domain,
          deployment: d.description,
          location: d.location,
        });
    }
  return [...found.values()];
}

/**
 * The variable the repository's host names end in (`grafana.${BASE_DOMAIN}`,
 * `*.${BASE_DOMAIN}`), where one clearly does: used three times or more,
 * and more than twice as often as any other. Its value stays unknown; it
 * is only the name to suggest.
 */
function hostDomainVariable(
  tree: RepoTree,
  cache: EngineCache,
  /** Files no cluster runs (an `archive/` no Kustomization reaches): not counted. */
  leftBehind: (file: string) => boolean,
): { name: string; count: number; location: SourceLocation } | undefined {
  const counts = new Map<string, { count: number; location: SourceLocation }>();
  const host = /[a-z0-9*][a-z0-9-]*\.\$\{([A-Za-z_][A-Za-z0-9_]*)\}(?![\w.])/g;
  for (const file of cache.treeIndex(tree).paths()) {
    if (!/\.ya?ml$/.test(file) || /(?:^|\/)\./.test(file)) continue;
    if (leftBehind(file)) continue;
    const text = readTextFile(tree, file);
    if (!text?.includes('.${')) continue;
    text.split('\n').forEach((line, i) => {
      if (line.trimStart().startsWith('#')) return;
      for (const [, name] of line.matchAll(host)) {
        const seen = counts.get(name);
        if (seen) seen.count++;
        else counts.set(name, { count: 1, location: { file, line: i + 1 } });
      }
    });
  }
  const [first, second] = [...counts].sort((a, b) => b[1].count - a[1].count);
  if (!first || first[1].count < 3) return undefined;
  if (second && second[1].count * 2 >= first[1].count) return undefined;
  return { name: first[0], ...first[1] };
}

/**
 * A variable whose name says it holds a domain (`DOMAIN`, `CLUSTER_DOMAIN`)
 * and whose value is one, set inline in a Flux Kustomization's
 * `postBuild.substitute`: what an FQDN template of the repository would
 * use. The one most Kustomizations substitute: a domain one app's
 * Kustomization sets for itself reaches no other object.
 */
function domainVariable(references: SubstitutionReferences):
  | {
      name: string;
      /** Its values, the first first: one per cluster when they differ. */
      values: string[];
      count: number;
      location: SourceLocation;
    }
  | undefined {
  let best: ReturnType<typeof domainVariable>;
  for (const [name, values] of references.inlineValues) {
    // a domain in some cluster at least (another may give `local`)
    if (
      !/DOMAIN/i.test(name) ||
      !values.some(v => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v))
    )
      continue;
    const places = references.inline.get(name)!;
    if (!best || places.length > best.count)
      best = { name, values, count: places.length, location: places[0] };
  }
  return best;
}

/**
 * Folders under the clusters folder that another cluster's Kustomizations
 * apply (the `main-configs` of a hub-and-spoke layout): parts of that
 * cluster, not clusters. A folder with a Flux entry point of its own is a
 * cluster, even when another cluster applies one of its apps.
 */
function appliedByAnotherCluster(
  clustersPath: string,
  folders: readonly string[],
  kustomizations: readonly KustomizationPath[],
  layout: EntryLayout | undefined,
  entries: readonly FluxEntry[],
  /** Whether what a Kustomization's path builds takes files of a folder of the clusters folder. */
  buildsFrom?: (path: string, folder: string) => boolean,
): Map<
  string,
  { cluster: string; location: KustomizationPath['location']; remote?: boolean }
> {
  const applied = new Map<
    string,
    {
      cluster: string;
      location: KustomizationPath['location'];
      remote?: boolean;
    }
  >();
  const entryNames =
    layout?.clustersPath === clustersPath
      ? new Set(layout.clusters.keys())
      : new Set<string>();
  const folderOf = (path: string) => clusterFolderOf(clustersPath, path);
  for (const e of entries) {
    const folder = folderOf(e.path);
    if (folder !== undefined) entryNames.add(folder);
  }
  for (const folder of folders) {
    if (entryNames.has(folder)) continue;
    const by =
      kustomizations.find(k => {
        if (folderOf(k.path) !== folder) return false;
        const owner = folderOf(k.declaredIn);
        return owner !== undefined && owner !== folder;
      }) ??
      // one of a cluster's Kustomizations builds the clusters folder
      // itself, whose kustomization lists this folder's files
      (buildsFrom
        ? kustomizations.find(k => {
            const owner = folderOf(k.declaredIn);
            return (
              k.path === clustersPath &&
              // an artifact's own folders (Flux's flux-manifests at ./)
              !k.artifact &&
              owner !== undefined &&
              owner !== folder &&
              entryNames.has(owner) &&
              buildsFrom(k.path, folder)
            );
          })
        : undefined);
    if (by)
      applied.set(folder, {
        // a file at the top of the clusters folder is in no cluster's folder
        cluster:
          dirnamePath(by.declaredIn) === clustersPath
            ? ''
            : folderOf(by.declaredIn)!,
        location: by.location,
        remote: by.remote,
      });
  }
  // a folder applied from an applied folder belongs to the same cluster
  for (const [folder, by] of applied) {
    let owner = by.cluster;
    for (let i = 0; i < folders.length && applied.has(owner); i++)
      owner = applied.get(owner)!.cluster;
    applied.set(folder, { ...by, cluster: owner });
  }
  return applied;
}

/**
 * Why the Kustomizations substituting from a ConfigMap or Secret make it
 * one app's own variables rather than the clusters' settings: they are
 * that app's Kustomization in each cluster (one name), and none of their
 * folders builds Cilium or other Flux Kustomizations. Undefined when it
 * may be the settings (any folder not known or not built is taken so).
 */
function appOwnVariables(
  referencedBy: readonly { name: string; path?: string }[],
  kustomize: KustomizeEngine,
  index: TreeIndex,
): string | undefined {
  const names = new Set(referencedBy.map(k => k.name));
  if (names.size !== 1 || referencedBy.length < 2) return undefined;
  for (const { path } of referencedBy) {
    if (path === undefined || !index.isDir(path)) return undefined;
    const built = kustomize.buildFluxPath(path);
    if (
      !built.ok ||
      built.objects.some(
        o =>
          isFluxKustomization(o) ||
          (o.kind === 'HelmRelease' &&
            (o.name === defaultConventions.cilium.helmRelease.name ||
              isCiliumChart(o))),
      )
    )
      return undefined;
  }
  const [name] = names;
  return `is substituted only into Kustomization ${name} (${referencedBy.length} times, one per cluster), whose folders apply neither Cilium nor other Flux Kustomizations: that app's own variables`;
}

/**
 * A HelmRelease's values as helm-controller merges them, its `valuesFrom`
 * read from what its own folder builds (a `configMapGenerator` beside it,
 * hashed names followed); undefined when the folder does not build it.
 */
function releaseValuesFromFolder(
  doc: ScannedDocument,
  kustomize: KustomizeEngine,
  files: YamlFiles,
  /** The overlay's build the document comes out of, where it is patched. */
  overlay?: BuildResult,
  /**
   * The other folders whose builds take the document in (overlays of its
   * base): where its own folder does not build a `valuesFrom` source, the
   * overlays that add it give the values, when they all give the same
   * (red-lichtie's ConfigMap of chart overrides in `prod/`).
   */
  overlaysOf?: (file: string) => readonly string[],
): { values: Record<string, any>; unread: boolean } | undefined {
  const own = valuesBuiltWith(
    doc,
    overlay ?? kustomize.buildFluxPath(dirnamePath(doc.file)),
    files,
  );
  if (overlay || !own?.unread || !overlaysOf) return own;
  const read = overlaysOf(doc.file).flatMap(dir => {
    const values = valuesBuiltWith(doc, kustomize.buildFluxPath(dir), files);
    return values && !values.unread ? [values] : [];
  });
  const [first] = read;
  return first &&
    read.every(r => JSON.stringify(r.values) === JSON.stringify(first.values))
    ? first
    : own;
}

/** A HelmRelease's values merged with the `valuesFrom` sources of one build. */
function valuesBuiltWith(
  doc: ScannedDocument,
  built: BuildResult,
  files: YamlFiles,
): { values: Record<string, any>; unread: boolean } | undefined {
  const name = getPath(doc.value, ['metadata', 'name']);
  const release = built.objects.find(
    o =>
      o.kind === 'HelmRelease' && o.name === name && o.source.file === doc.file,
  );
  if (!release) return undefined;
  const namespace = release.namespace ?? 'default';
  // a source the folder does not build (applied elsewhere) is not read
  return releaseValuesRead(
    release,
    namespace,
    (kind, refName, ns) =>
      built.objects.find(
        o =>
          o.kind === kind &&
          o.name === refName &&
          (o.namespace ?? namespace) === ns,
      ),
    files,
  );
}

/** Records a convention found in the repository: setting, value, why, where. */
type Detected = (
  setting: string,
  value: string,
  reason: string,
  location?: DetectedConvention['location'],
) => void;
/** Records a default kept, and why. */
type Kept = (setting: string, value: string, reason: string) => void;

function detectPrefix(
  deployments: ExternalDnsDeployment[],
  tree: RepoTree,
  cache: EngineCache,
  conventions: MeshConventionsInput,
  detected: Detected,
  kept: Kept,
) {
  const setting = 'dns.externalDnsAnnotationPrefix';
  const known = deployments.map(d => ({ d, p: prefixOf(d) })).filter(x => x.p);
  // the prefix matters to those that read DNSEndpoints, when any does
  const readers = known.filter(x => x.d.sources.includes('crd'));
  const byVersion = readers.length ? readers : known;
  const prefixes = new Set(byVersion.map(x => x.p!.prefix));
  const set = (
    prefix: string,
    reason: string,
    location?: DetectedConvention['location'],
  ) => {
    if (prefix !== defaultConventions.dns.externalDnsAnnotationPrefix)
      conventions.dns = {
        ...conventions.dns,
        externalDnsAnnotationPrefix: prefix,
      };
    // found, even when it is the default's value
    detected(setting, prefix, reason, location);
  };
  if (prefixes.size === 1) {
    const { d, p } = byVersion[0];
    set(p!.prefix, p!.reason, d.location);
    return;
  }
  // the keys the repository's DNSEndpoints already use
  const used = new Map<string, DetectedConvention['location']>();
  for (const doc of scanDocuments(tree, cache, ['cloudflare-proxied'])) {
    if (doc.value.kind !== 'DNSEndpoint') continue;
    const endpoints = getPath(doc.value, ['spec', 'endpoints']);
    if (!Array.isArray(endpoints)) continue;
    endpoints.forEach((e, i) =>
      (Array.isArray(e?.providerSpecific) ? e.providerSpecific : []).forEach(
        (entry: any, j: number) => {
          const name = String(entry?.name ?? '');
          const prefix = Object.values(externalDnsPrefixes).find(
            p => name === `${p}cloudflare-proxied`,
          );
          if (prefix && !used.has(prefix))
            used.set(
              prefix,
              doc.at(['spec', 'endpoints', i, 'providerSpecific', j]),
            );
        },
      ),
    );
  }
  const why =
    prefixes.size > 1
      ? `the ExternalDNS deployments read different prefixes (${byVersion
          .map(x => `${x.d.description}: ${x.p!.prefix}`)
          .join('; ')})`
      : 'no ExternalDNS deployment with a known version found';
  if (used.size === 1) {
    const [[prefix, location]] = [...used];
    set(
      prefix,
      `${why}; the DNSEndpoints use ${prefix}cloudflare-proxied (${where(
        location!,
      )})`,
      location,
    );
    return;
  }
  kept(setting, defaultConventions.dns.externalDnsAnnotationPrefix, why);
}

/**
 * The cluster folder one Flux entry point builds parts of, where the
 * repository has that one entry point (one path), outside the clusters
 * folder, and its own Kustomizations (declared in its folder) build paths
 * under exactly one folder of the clusters folder.
 */
function singleEntryOfClusterFolder(
  entries: readonly FluxEntry[],
  kustomizations: readonly KustomizationPath[],
  clustersPath: string,
):
  | {
      cluster: string;
      entry: FluxEntry;
      builds: string;
      location: SourceLocation;
    }
  | undefined {
  const paths = new Set(entries.map(e => e.path));
  if (paths.size !== 1) return undefined;
  const entry = entries[0];
  const under = (path: string, folder: string) =>
    folder === '' || path === folder || path.startsWith(`${folder}/`);
  if (!entry.path || under(entry.path, clustersPath)) return undefined;
  const into = kustomizations.filter(
    k =>
      under(k.declaredIn, entry.path) &&
      k.path !== clustersPath &&
      under(k.path, clustersPath),
  );
  const clusters = new Set(
    into.map(
      k =>
        (clustersPath ? k.path.slice(clustersPath.length + 1) : k.path).split(
          '/',
        )[0],
    ),
  );
  if (clusters.size !== 1) return undefined;
  return {
    cluster: [...clusters][0],
    entry,
    builds: into[0].path,
    location: into[0].location,
  };
}

/** Why no folder of entry points was found: none at all, or not one per cluster. */
function noEntryPerCluster(
  entries: readonly { path: string }[],
  kustomizations: readonly KustomizationPath[] = [],
): string {
  // a Kustomization of the whole repository (`path: ./`, the bootstrap's
  // at the root): one entry for everything, not a folder per cluster
  const root = kustomizations.find(k => k.path === '');
  if (!entries.length && root)
    return `the one Flux entry point found reconciles the whole repository (path ./ at ${where(
      root.location,
    )}), not one folder per cluster`;
  // one that reconciles the folder holding it, but whose build leaves it
  // out (its kustomization does not list the folder it is in): applied
  // another way, so not taken for an entry point
  const outside = kustomizations.filter(
    k => k.path !== '' && k.declaredIn.startsWith(`${k.path}/`),
  );
  if (!entries.length && outside.length)
    return `no Flux entry point found that applies itself: ${
      outside.length === 1
        ? `Kustomization ${where(outside[0].location)} reconciles ${
            outside[0].path
          }, which holds it, but that folder's kustomization does not list it`
        : `${outside.length} Kustomizations (e.g. ${where(
            outside[0].location,
          )}) reconcile the folders holding them, but those folders' kustomizations do not list them`
    }`;
  if (!entries.length)
    return 'no Flux entry point found (a Kustomization reconciling its own folder, a FluxInstance sync.path)';
  const paths = [...new Set(entries.map(e => e.path || '.'))];
  return `the Flux entry ${
    paths.length === 1 ? 'point' : 'points'
  } found (${paths.join(', ')}) ${
    paths.length === 1 ? 'is' : 'are'
  } not one folder per cluster`;
}

/**
 * The DNS provider, for TTL ranges and "DNS only": Cloudflare, or another
 * one, when every ExternalDNS deployment of the repository names it (the
 * default, Cloudflare's narrower range, stays when none is found or they
 * differ, and the report says it is only the default). Where they publish
 * to several providers, those that name one: the FQDNs decide later.
 */
function detectProvider(
  deployments: ExternalDnsDeployment[],
  conventions: MeshConventionsInput,
  detected: Detected,
  kept: (setting: string, value: string, reason: string) => void,
  /** A cert-manager issuer that solves DNS-01 challenges: at Cloudflare, or at another provider. */
  issuerSolvingDns01: () =>
    | {
        provider: 'cloudflare' | 'other';
        what: string;
        solver: string;
        location: SourceLocation;
      }
    | undefined,
  /** How a provider found from the issuer is said (not from the deployments). */
  detectedByIssuer: Detected = detected,
): ExternalDnsDeployment[] | undefined {
  // an ExternalDNS left at its chart's provider (aws) and sources is not
  // configured: it says nothing of where the zone is
  const unconfigured = (d: ExternalDnsDeployment) =>
    d.providerByDefault === true && d.defaultSources === true;
  // the records are DNSEndpoints: those that read them say where they go
  const readers = deployments.filter(d => d.sources.includes('crd'));
  const considered = readers.length ? readers : deployments;
  const named = considered.filter(d => d.provider && !unconfigured(d));
  if (!named.length) {
    // where the zone's DNS-01 challenges are answered, the zone is
    const issuer = issuerSolvingDns01();
    if (issuer) {
      conventions.dns = { ...conventions.dns, provider: issuer.provider };
      detectedByIssuer(
        'dns.provider',
        issuer.provider,
        issuer.provider === 'cloudflare'
          ? `${issuer.what} (${where(
              issuer.location,
            )}) solves ACME DNS-01 challenges at Cloudflare, so the zone is there: Cloudflare's TTL range and "DNS only" apply`
          : `${issuer.what} (${where(
              issuer.location,
            )}) solves ACME DNS-01 challenges with ${
              issuer.solver
            }, and no issuer at Cloudflare, so the zone is taken to be elsewhere: Cloudflare's TTL range and "DNS only" do not apply (set dns.provider: cloudflare in the conventions if it is there)`,
        issuer.location,
      );
    }
    return undefined;
  }
  if (named.length !== considered.filter(d => !unconfigured(d)).length)
    return undefined;
  const cloudflare = named.filter(d => d.provider === 'cloudflare').length;
  if (cloudflare && cloudflare !== named.length) {
    // each record's own provider is the one whose filters take its name
    kept(
      'dns.provider',
      'cloudflare',
      `the ExternalDNS deployments publish to several providers (${[
        ...new Set(named.map(d => d.provider)),
      ]
        .sort()
        .join(
          ', ',
        )}): a record's provider is the one whose domain filters take its name; where that is not known, Cloudflare's narrower TTL range is kept`,
    );
    return named;
  }
  const provider = cloudflare ? 'cloudflare' : 'other';
  conventions.dns = { ...conventions.dns, provider };
  // Cloudflare deployments that read no DNSEndpoint publish none of the records
  const cloudflareElsewhere = deployments.filter(
    d => !considered.includes(d) && d.provider === 'cloudflare',
  );
  const many = cloudflareElsewhere.length > 1;
  let ending =
    '; none uses Cloudflare, so its TTL range and "DNS only" do not apply';
  if (cloudflare) ending = ': Cloudflare\'s TTL range and "DNS only" apply';
  else if (cloudflareElsewhere.length)
    ending = `, and ${
      considered.length > 1 ? 'they are' : 'it is'
    } what reads DNSEndpoints; ${cloudflareElsewhere
      .map(d => d.description)
      .join(', ')} ${many ? 'publish' : 'publishes'} to Cloudflare but ${
      many ? 'read' : 'reads'
    } no DNSEndpoint (no crd source), so Cloudflare's TTL range and "DNS only" do not apply to the records`;
  detected(
    'dns.provider',
    provider,
    // one line per release as written (the overlays building one base
    // release say it once)
    `${[
      ...new Set(
        named.map(
          d =>
            `${d.description} (${where(d.location)}) uses provider ${
              d.provider
            }${
              d.providerByDefault
                ? " (the chart's default: no provider set)"
                : ''
            }`,
        ),
      ),
    ].join(', ')}${ending}`,
    named[0].location,
  );
  return undefined;
}

/** cert-manager's DNS-01 solvers, by the key that names each (`webhook` said by its group). */
const dns01Solvers = [
  'cloudflare',
  'route53',
  'cloudDNS',
  'azureDNS',
  'digitalocean',
  'akamai',
  'acmeDNS',
  'rfc2136',
  'webhook',
] as const;

/**
 * A cert-manager issuer that solves ACME DNS-01 challenges: one at
 * Cloudflare first (its zone is there), else one at another provider
 * (mrtbi's Hetzner webhook: the zone is not Cloudflare's).
 */
function dns01Issuer(documents: Iterable<ScannedDocument>):
  | {
      provider: 'cloudflare' | 'other';
      what: string;
      solver: string;
      location: SourceLocation;
    }
  | undefined {
  let other: ReturnType<typeof dns01Issuer>;
  for (const doc of documents) {
    const v = doc.value;
    if (
      (v.kind !== 'ClusterIssuer' && v.kind !== 'Issuer') ||
      !String(v.apiVersion).startsWith('cert-manager.io/')
    )
      continue;
    const solvers = getPath(v, ['spec', 'acme', 'solvers']);
    for (const [at, solver] of (Array.isArray(solvers)
      ? solvers
      : []
    ).entries()) {
      const key = dns01Solvers.find(k =>
        isRecord(getPath(solver, ['dns01', k])),
      );
      if (!key) continue;
      const found = {
        provider:
          key === 'cloudflare' ? ('cloudflare' as const) : ('other' as const),
        what: `${v.kind} ${getPath(v, ['metadata', 'name'])}`,
        solver:
          key === 'webhook'
            ? `a webhook (${[
                getPath(solver, ['dns01', 'webhook', 'groupName']),
                getPath(solver, ['dns01', 'webhook', 'solverName']),
              ]
                .filter(x => typeof x === 'string')
                .join(', ')})`
            : key,
        location: doc.at(['spec', 'acme', 'solvers', at, 'dns01', key]),
      };
      if (found.provider === 'cloudflare') return found;
      other ??= found;
    }
  }
  return other;
}

/** Why the records are kept by hand, when no ExternalDNS reads DNSEndpoints. */
function manualModeReason(
  deployments: readonly ExternalDnsDeployment[],
  /** A Flux Operator ResourceSet that names external-dns (not expanded here). */
  resourceSet: ScannedDocument | undefined,
  file: string,
  /** The bootstrap helmfiles with a release of the external-dns chart. */
  bootstrapCharts: readonly string[],
  /** An object of the repository with ExternalDNS's annotations, where no ExternalDNS is deployed. */
  annotated?: ReturnType<typeof externalDnsAnnotated>,
): string {
  const byResourceSet = resourceSet
    ? `ResourceSet ${resourceSet.value.metadata?.name} (${where(
        resourceSet.at(),
      )}), which this engine does not expand, names external-dns: whether it deploys ExternalDNS is not known`
    : undefined;
  // one name for the copies of one release in several clusters' folders
  const names = [...new Set(deployments.map(d => d.description))];
  // where configure writes them, not a file there may already be
  const keptAt = `configure lists them in ${file}, or in the clusters' CoreDNS hosts entries where they keep the peers`;
  if (names.length)
    return `the repository's ExternalDNS (${firstFew(names)}) ${
      names.length > 1 ? 'read' : 'reads'
    } no DNSEndpoints (no crd source)${
      byResourceSet ? ` (${byResourceSet})` : ''
    }, and it applies no DNSEndpoint CRD and holds no DNSEndpoint: the records are kept by hand: ${keptAt} (set dns.mode: externaldns in the conventions, and add crd to an ExternalDNS's sources, to publish them from DNSEndpoints)`;
  if (byResourceSet)
    return `no ExternalDNS, DNSEndpoint CRD or DNSEndpoint is among the files read, but ${byResourceSet}, so the records are kept by hand: ${keptAt} (set dns.mode: externaldns in the conventions if an ExternalDNS with the crd source runs in the clusters)`;
  // the chart's CRDs may come with a bootstrap (the cluster-template
  // applies them from `helmfile template`): the kind may be known, but
  // nothing Flux deploys publishes it
  if (bootstrapCharts.length)
    return `Flux deploys no ExternalDNS and the repository holds no DNSEndpoint; ${firstFew(
      bootstrapCharts,
    )} ${
      bootstrapCharts.length > 1 ? 'take' : 'takes'
    } the external-dns chart when a cluster is bootstrapped (its DNSEndpoint CRD, where the chart's CRDs are installed), but no ExternalDNS of the repository reads DNSEndpoints, so the records are kept by hand: ${keptAt} (set dns.mode: externaldns in the conventions if ExternalDNS runs in the clusters another way)`;
  // annotated for an ExternalDNS that runs all the same, installed another
  // way (TheKitty-zone's Terraform): whether it reads DNSEndpoints is not
  // known here
  if (annotated)
    return `Flux applies no ExternalDNS and no DNSEndpoint CRD from the repository, and the repository holds no DNSEndpoint, yet ${
      annotated.what
    } (${where(annotated.location)}) carries ExternalDNS's annotation ${
      annotated.key
    }: ${
      annotated.retired
        ? `the repository's ExternalDNS is in ${annotated.retired}, which no cluster applies (retired, or installed another way)`
        : 'an ExternalDNS installed another way (Terraform, a bootstrap, by hand) publishes such names'
    }, and whether one runs and reads DNSEndpoints (the crd source, with its CRD installed) is not known here, so the records are kept by hand: ${keptAt} (set dns.mode: externaldns in the conventions if it reads DNSEndpoints)`;
  return `Flux applies no ExternalDNS and no DNSEndpoint CRD from the repository, and the repository holds no DNSEndpoint: a DNSEndpoint would be a kind the clusters do not know (Flux fails the Kustomization applying it), so the records are kept by hand: ${keptAt} (set dns.mode: externaldns in the conventions if ExternalDNS runs in the clusters another way)`;
}

/** The first object (not left behind) with an annotation of ExternalDNS's, where no ExternalDNS is deployed. */
function externalDnsAnnotated(
  tree: RepoTree,
  cache: EngineCache,
  leftBehind: (file: string) => boolean,
):
  | {
      what: string;
      key: string;
      location: SourceLocation;
      /** An ExternalDNS release the repository keeps where no cluster applies it (codehoschi's `.archive/external-dns`). */
      retired?: string;
    }
  | undefined {
  const prefixes = [
    'external-dns.alpha.kubernetes.io/',
    'external-dns.kubernetes.io/',
  ];
  // (a hidden folder, `.archive/`, too: what scanning leaves out)
  const retired = () =>
    cache
      .treeIndex(tree)
      .paths()
      .find(file => {
        if (
          !/(?:^|\/)external-dns\/.*\.ya?ml$/.test(file) ||
          !(leftBehind(file) || /(?:^|\/)\./.test(file))
        )
          return false;
        const text = readTextFile(tree, file) ?? '';
        return (
          /^kind:\s*HelmRelease\s*$/m.test(text) &&
          /\bchart:\s*["']?external-dns["']?(?:\s*$|,)/m.test(text)
        );
      });
  for (const doc of scanDocuments(tree, cache, prefixes)) {
    if (leftBehind(doc.file)) continue;
    const annotations = getPath(doc.value, ['metadata', 'annotations']);
    if (!isRecord(annotations)) continue;
    const key = Object.keys(annotations).find(k =>
      prefixes.some(p => k.startsWith(p)),
    );
    if (key) {
      const left = retired();
      return {
        what: `${doc.value.kind} ${String(
          getPath(doc.value, ['metadata', 'name']) ?? '',
        )}`,
        key,
        location: doc.at(['metadata', 'annotations', key]),
        ...(left && { retired: left }),
      };
    }
  }
  return undefined;
}

/**
 * Manual mode, when the repository holds the records document that
 * `configure --mode manual` writes: its records are kept by hand, so
 * validation checks that document, not DNSEndpoints.
 */
function detectDnsMode(
  tree: RepoTree,
  explicit: MeshConventionsInput,
  conventions: MeshConventionsInput,
  detected: Detected,
  deployments: readonly ExternalDnsDeployment[],
  cache: EngineCache,
  /** Files no cluster builds (an `archive/`): their DNSEndpoints run nowhere. */
  leftBehind: (file: string) => boolean = () => false,
) {
  const file =
    explicit.dns?.recordsDocument ?? defaultConventions.dns.recordsDocument;
  const bytes = tree.read(file);
  // no ExternalDNS, no DNSEndpoint CRD, no DNSEndpoint anywhere: a
  // DNSEndpoint would be a kind the clusters do not know; the records
  // are kept by hand (configure writes them in the records document). An
  // ExternalDNS that reads none (no crd source) publishes none either
  const readers = deployments.filter(
    d => d.sources.includes('crd') || d.valuesUnread,
  );
  if (
    !bytes &&
    !readers.length &&
    !mentioned(tree, cache, 'kind: DNSEndpoint', {
      uncommented: true,
      leftBehind,
    }) &&
    !mentioned(tree, cache, 'dnsendpoints.externaldns.k8s.io', {
      uncommented: true,
      leftBehind,
    })
  ) {
    conventions.dns = { ...conventions.dns, mode: 'manual' };
    // a Flux Operator ResourceSet naming it may deploy it: not expanded here
    const resourceSet = [...scanDocuments(tree, cache, ['ResourceSet'])].find(
      doc =>
        doc.value.kind === 'ResourceSet' &&
        JSON.stringify(doc.value).includes('external-dns'),
    );
    detected(
      'dns.mode',
      'manual',
      manualModeReason(
        deployments,
        resourceSet,
        file,
        bootstrapReader(tree).installs?.('external-dns') ?? [],
        deployments.length
          ? undefined
          : externalDnsAnnotated(tree, cache, leftBehind),
      ),
    );
    return;
  }
  const text = bytes && readTextFile(tree, file);
  if (text === undefined) return;
  const lines = text.split('\n');
  const line = lines.findIndex(
    l =>
      l.startsWith(recordsDocumentMarker) ||
      legacyRecordsDocumentMarkers.some(marker => l.startsWith(marker)),
  );
  if (line < 0) return;
  conventions.dns = { ...conventions.dns, mode: 'manual' };
  detected(
    'dns.mode',
    'manual',
    `the repository holds ${file}, the records document configure writes in manual mode: its records are kept by hand (delete it, or set dns.mode: externaldns in the conventions, to check DNSEndpoints instead)`,
    { file, line: line + 1 },
  );
}

function detectProxied(
  deployments: ExternalDnsDeployment[],
  conventions: MeshConventionsInput,
  detected: Detected,
  kept: Kept,
) {
  const setting = 'dns.proxiedByDefault';
  const provider = conventions.dns?.provider;
  // the records go where the ExternalDNS reading DNSEndpoints publishes: a
  // Cloudflare one beside it that reads none proxies none of them (nasenov)
  if (provider !== undefined && provider !== 'cloudflare') {
    kept(
      setting,
      'unknown',
      `not applicable: the zone is not Cloudflare's (dns.provider ${provider}), so no record is proxied`,
    );
    return;
  }
  const onCloudflare = deployments.filter(d => d.provider === 'cloudflare');
  const readers = onCloudflare.filter(
    d => d.sources.includes('crd') || d.valuesUnread,
  );
  const cloudflare = readers.length ? readers : onCloudflare;
  const flags = new Set(cloudflare.map(proxiesByDefault));
  if (flags.size !== 1) {
    const why = cloudflare.length
      ? `the Cloudflare ExternalDNS deployments disagree on --cloudflare-proxied (${cloudflare
          .map(d => `${d.description}: ${proxiesByDefault(d) ? 'on' : 'off'}`)
          .join('; ')})`
      : 'no Cloudflare ExternalDNS deployment found: a record is DNS only when its DNSEndpoint says cloudflare-proxied "false"';
    kept(setting, 'unknown', why);
    return;
  }
  const proxied = [...flags][0];
  conventions.dns = { ...conventions.dns, proxiedByDefault: proxied };
  detected(
    setting,
    String(proxied),
    `${cloudflare
      .map(d => `${d.description} (${where(d.location)})`)
      .join(', ')} ${cloudflare.length > 1 ? 'run' : 'runs'} ${
      proxied
        ? 'with --cloudflare-proxied: a record without cloudflare-proxied "false" is proxied'
        : 'without --cloudflare-proxied: a record without the key is DNS only'
    }`,
    cloudflare[0].location,
  );
}

/**
 * The StrictPostBuildSubstitutions feature gate the repository gives
 * kustomize-controller (`--feature-gates=…`, in a patch of its Deployment):
 * it wins over the default of its version. Undefined when none is given.
 */
function strictnessGate(
  tree: RepoTree,
  cache: EngineCache,
): { strict: boolean; reason: string } | undefined {
  for (const doc of scanDocuments(tree, cache, [
    'StrictPostBuildSubstitutions=',
  ])) {
    const gate = /StrictPostBuildSubstitutions=(true|false)/i.exec(
      JSON.stringify(doc.value),
    );
    if (gate) {
      // the line of the flag itself, often inside a patch's block scalar
      const start = doc.at();
      const lines = readTextFile(tree, doc.file)?.split('\n') ?? [];
      const at = lines.findIndex(
        (line, i) =>
          i >= start.line - 1 && line.includes('StrictPostBuildSubstitutions='),
      );
      return {
        strict: gate[1].toLowerCase() === 'true',
        reason: `kustomize-controller runs with the feature gate StrictPostBuildSubstitutions=${gate[1].toLowerCase()} (${where(
          at < 0 ? start : { file: doc.file, line: at + 1 },
        )})`,
      };
    }
  }
  return undefined;
}

/** The folder under the clusters path that holds a path (`clusters/a/x.yaml` → `a`), if any. */
function clusterFolderOf(
  clustersPath: string,
  path: string,
): string | undefined {
  if (!clustersPath) return path.split('/')[0];
  return path.startsWith(`${clustersPath}/`)
    ? path.slice(clustersPath.length + 1).split('/')[0]
    : undefined;
}

/** How the other GitRepositories with a spec.ignore are said after the first. */
function otherSourcesIgnoring(others: number, same: boolean): string {
  const sources =
    others === 1 ? '1 other GitRepository' : `${others} other GitRepositories`;
  const what = same
    ? `, and so ${others === 1 ? 'does' : 'do'} ${sources} of this repository`
    : `, and ${sources} of this repository leave${
        others === 1 ? 's' : ''
      } out paths of ${others === 1 ? 'its' : 'their'} own`;
  // each cluster's Flux applies its own source's list; a file read for
  // any cluster is kept, and each Kustomization's path is checked against
  // its own source's list
  return `${what}: each cluster's Flux applies its own list, so a file is read here unless every one leaves it out, and a Kustomization whose own source leaves its path out fails`;
}

/**
 * The folders under the clusters path that are groups of clusters, not
 * clusters: a Kustomization picks a cluster's folder by two variables
 * (`./clusters/${ENVIRONMENT}/${CLUSTER}`), and each group holds folders
 * with a kustomization file (a cluster's, or the base they share).
 * Building a group as one cluster applies its clusters' copies of the base
 * side by side: every error would be false.
 */
function groupsOfClusters(
  groupedPaths: readonly GroupedPath[],
  clustersPath: string,
  folders: readonly string[],
  index: TreeIndex,
): { groups: Set<string>; reason: string } | undefined {
  const by = groupedPaths.find(p => p.parent === clustersPath);
  if (!by) return undefined;
  const clustersOf = (group: string) => {
    const folder = clusterFolder(clustersPath, group);
    return index
      .list(folder)
      .dirs.filter(c =>
        holdsFluxEntry(
          index,
          by.rest ? `${folder}/${c}/${by.rest}` : `${folder}/${c}`,
        ),
      );
  };
  const groups = folders.filter(
    g =>
      !kustomizationFileIn(index, clusterFolder(clustersPath, g)) &&
      clustersOf(g).length > 0,
  );
  if (!groups.length) return undefined;
  const example = groups.find(g => clustersOf(g).length > 1) ?? groups[0];
  const [group, cluster] = by.variables;
  return {
    groups: new Set(groups),
    reason: `${firstFew(
      groups.map(g => clusterFolder(clustersPath, g)),
    )} hold groups of clusters, not clusters: Kustomization ${
      by.name
    } reconciles ${by.written} (${where(
      by.location,
    )}), a cluster's folder picked by ${group} and then ${cluster}; check one group as a mesh with clustersPath: ${clusterFolder(
      clustersPath,
      example,
    )} (its folders: ${firstFew(clustersOf(example))})`,
  };
}

/**
 * Clusters whose own folder is their bootstrap's root, beside clusters
 * whose `flux/` folder reconciles itself: `clusters/a/kustomization.yaml`
 * applies a Kustomization reconciling `clusters/a/flux/deploy`, which
 * applies the others with its patches. Nothing reconciles `clusters/a/flux`
 * as a whole; built as the entry, its children would lose those patches.
 */
function ownFolderEntries(
  layout: EntryLayout,
  folders: readonly string[],
  kustomizations: readonly KustomizationPath[],
  appliedBy: ReturnType<typeof buildIncludes>,
  index: TreeIndex,
): { entries: Record<string, string>; reasons: string[] } {
  const entries: Record<string, string> = {};
  const reasons: string[] = [];
  for (const f of folders) {
    if (layout.clusters.has(f)) continue;
    const folder = clusterFolder(layout.clustersPath, f);
    const entry = `${folder}/${layout.entryPath}`;
    if (
      !kustomizationFileIn(index, folder) ||
      kustomizations.some(k => k.path === entry)
    )
      continue;
    const inner = kustomizations.find(
      k => k.path.startsWith(`${entry}/`) && appliedBy(folder, k.declaredIn),
    );
    if (!inner) continue;
    entries[f] = folder;
    reasons.push(
      `${f}'s entry point is ${folder}, not ${entry}: its build applies a Kustomization that reconciles ${
        inner.path
      } (${where(inner.location)}), and nothing reconciles ${entry} as a whole`,
    );
  }
  return { entries, reasons };
}

/** An Argo CD object (Application, ApplicationSet, AppProject) under a folder, if any. */
function argoCdObjectIn(
  tree: RepoTree,
  cache: EngineCache,
  folder: string,
): { what: string; location: SourceLocation } | undefined {
  for (const doc of scanDocuments(tree, cache, ['argoproj.io/'])) {
    if (!doc.file.startsWith(`${folder}/`)) continue;
    const v = doc.value;
    if (
      typeof v.apiVersion === 'string' &&
      v.apiVersion.startsWith('argoproj.io/') &&
      ['Application', 'ApplicationSet', 'AppProject'].includes(String(v.kind))
    )
      return {
        what: `${v.kind} ${String(getPath(v, ['metadata', 'name']) ?? '')}`,
        location: doc.at(),
      };
  }
  return undefined;
}

/**
 * Whether a file is in what an entry point builds, or in what a
 * Kustomization reconciles that such a file declares, and so on: a folder
 * left behind (`kube_old/`) is in none. Only folders under the path built
 * are followed (not a kustomization's `../`): a file missed is only
 * preferred less.
 */
function reachableFromEntries(
  entries: readonly FluxEntry[],
  kustomizations: readonly KustomizationPath[],
  appliedBy: ReturnType<typeof buildIncludes>,
  /** Kustomizations whose path picks a folder by a variable: each cluster's folder under the parent. */
  variablePaths: readonly VariablePath[] = [],
): (file: string) => boolean {
  const memo = new Map<string, boolean>();
  // a file below the path, or one its kustomization lists from elsewhere
  // (`../../apps/tier-1/ks.yaml`)
  const builds = (path: string, file: string) =>
    path !== '' && appliedBy(path, file);
  const reachable = (file: string): boolean => {
    const known = memo.get(file);
    if (known !== undefined) return known;
    memo.set(file, false); // a cycle reaches nothing new
    // a path that picks a folder by a variable builds the file's own
    // folder of that level (`kubernetes/clusters/${ENVIRONMENT}/apps`)
    const byVariable = (v: VariablePath) => {
      const prefix = v.parent ? `${v.parent}/` : '';
      if (!file.startsWith(prefix)) return false;
      const folder = file.slice(prefix.length).split('/')[0];
      const path = [v.parent, folder, v.rest].filter(Boolean).join('/');
      return builds(path, file) && reachable(v.declaredIn);
    };
    const found =
      entries.some(e => builds(e.path, file)) ||
      kustomizations.some(
        k => builds(k.path, file) && reachable(k.declaredIn),
      ) ||
      variablePaths.some(byVariable);
    memo.set(file, found);
    return found;
  };
  return reachable;
}
