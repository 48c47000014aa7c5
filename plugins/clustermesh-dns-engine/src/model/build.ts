import {
  formatLocation,
  MeshMembership,
  parseIpAddress,
  secretPlaceholderPattern,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineCache } from '../cache/EngineCache';
import { isLoadBalancerPool, PoolModel, readPool } from '../cilium/pools';
import {
  chartEnables,
  ciliumValuesPaths,
  holdsCiliumChartValues,
  isCiliumChart,
} from '../cilium/values';
import type { MeshConventions } from '../conventions/schema';
import { defaultConventions } from '../conventions/schema';
import {
  clusterFolderCandidates,
  fluxNeedles,
  KustomizationPath,
  buildIncludes,
  holdsFluxEntry,
  readFluxEntries,
  entryLayout,
  FluxEntry,
  outermostEntries,
} from '../conventions/detect/entryPoints';
import {
  ExternalDnsDeployment,
  repositoryExternalDnsDeployments,
} from '../conventions/detect/externalDns';
import {
  inRecordFolder,
  mentioned,
  scanDocuments,
  variableDefinitions,
} from '../conventions/detect/scan';
import {
  clusterEntry,
  clusterValues,
  clusterFolder,
  clusterPath,
  peerFqdnVariable,
  settingsFileOf,
} from '../conventions/templates';
import { EngineFinding, finding, groupFindings } from '../core/finding';
import { describeObject, type ManifestObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import {
  helmChartConfigValues,
  helmReleaseValues,
  releaseValuesRead,
  valuesFileValues,
} from '../flux/helmValues';
import type {
  ClusterRender,
  RenderedKustomization,
} from '../flux/fluxKustomization';
import { valuesReferences } from '../flux/helmValues';
import { kustomizationFileNames } from '../flux/kustomize';
import { FluxRenderer, kubeConfigOf } from '../flux/render';
import { isHashSuffixed } from '../flux/kustomize/hash';
import { firstFew } from '../core/text';
import type { SubstitutedObject } from '../flux/substitute';
import {
  basenamePath,
  clampPath,
  dirnamePath,
  type RepoTree,
} from '../tree/RepoTree';
import { containsBytes, utf8 } from '../tree/bytes';
import type { TreeIndex } from '../tree/TreeIndex';
import { readTextFile } from '../yaml/decode';
import {
  NodeAddress,
  nodeAddresses,
  TalosNetworks,
  talosNetworks,
} from './nodeAddresses';
import type { YamlFiles } from '../yaml/files';
import { hasUnresolvedReference, referencedVariables } from '../flux/envsubst';
import { instanceSyncOf } from '../flux/fluxInstance';
import { locate } from '../yaml/locate';
import {
  ciliumObjectApplied,
  renderedCiliumConfig,
  otherCniApplied,
  otherCniNote,
  failedBuildsNote,
  kustomizationsRulesReadFrom,
  sameDnsName,
  unevaluatedParts,
  whereMissing,
} from './queries';
import { BootstrapReader, bootstrapReader } from '../flux/bootstrapReads';
import { clusterFqdn, fqdnsFromPeers } from './fqdn';
import { clusterLbIp } from './lbIp';
import { ClusterSettings } from './settings';
import {
  clusterRefs,
  clustersOnOtherBranches,
  differentRefs,
  instancePathsElsewhere,
} from './sourceRefs';
import { chartSourceFinding, missingChartSource } from '../flux/chartSource';
import type {
  CiliumValuesModel,
  ClusterModel,
  DnsEndpointModel,
  DnsEndpointRecord,
  MeshModel,
  PeerSetting,
} from './types';

/**
 * Discovers the clusters: the sub-folders of the clusters path whose entry
 * folder holds Flux objects or a kustomization (the conventions' `clusters`
 * when given).
 *
 * @public
 */
export function discoverClusters(
  /**
   * The whole repository, with what the sources' `spec.ignore` leaves out:
   * an entry a bootstrap applies may be such a file, and a cluster whose
   * folder they leave out is still one (its Flux fails there).
   */
  entryIndex: TreeIndex,
  conventions: MeshConventions,
): string[] {
  const dirs = entryIndex.list(conventions.clustersPath).dirs;
  // a cluster the conventions give an entry point of its own is one
  // wherever that is, with or without a folder under the clusters path
  const elsewhere = conventions.sharedEntry
    ? []
    : Object.entries(conventions.entries ?? {})
        .filter(
          ([c, entry]) =>
            !dirs.includes(c) && holdsFluxEntry(entryIndex, entry),
        )
        .map(([c]) => c);
  if (conventions.clusters)
    return conventions.clusters.filter(
      c => dirs.includes(c) || elsewhere.includes(c),
    );
  // a folder whose entry point is one of those is that cluster, already
  // counted under its own name
  const taken = new Set(
    elsewhere.map(c => clampPath(clusterEntry(conventions, c))),
  );
  // every cluster's entry is the shared one: its own folder says whether it is one
  const inFolders = dirs.filter(
    c =>
      !taken.has(clusterEntry(conventions, c)) &&
      holdsFluxEntry(
        entryIndex,
        conventions.sharedEntry
          ? clusterFolder(conventions.clustersPath, c)
          : clusterEntry(conventions, c),
      ),
  );
  return elsewhere.length ? [...inFolders, ...elsewhere].sort() : inFolders;
}

/** Whether the conventions file names the clusters folder (not detected, not the default). */
const clustersPathGiven = (conventions: MeshConventions) =>
  conventions.provenance?.some(
    p => p.setting === 'clustersPath' && p.source === 'conventions',
  ) === true;

/**
 * The conventions that would read the clusters of one entry point's kind
 * (`clustersPath: kubernetes, entryPath: flux` for `kubernetes/utility/flux`).
 */
function layoutOf(entry: FluxEntry): string {
  const layout = entryLayout([entry]);
  return layout
    ? `clustersPath: ${JSON.stringify(layout.clustersPath)}${
        layout.entryPath ? `, entryPath: ${layout.entryPath}` : ''
      }`
    : `clustersPath: ${JSON.stringify(dirnamePath(entry.path))}`;
}

/** Why a cluster is outside the mesh where no file of the repository names Cilium. */
const noCiliumReason =
  'no file of the repository names Cilium (no chart, image, values or object of it): the cluster runs another network plugin or none, so ClusterMesh does not apply';

/** The first Argo CD Application (or ApplicationSet, AppProject) of the repository. */
function argoCdObject(
  tree: RepoTree,
  cache: EngineCache,
): { kind: string; location: SourceLocation } | undefined {
  for (const doc of scanDocuments(tree, cache, ['argoproj.io/'])) {
    const { apiVersion, kind } = doc.value;
    if (
      typeof apiVersion === 'string' &&
      apiVersion.startsWith('argoproj.io/') &&
      ['Application', 'ApplicationSet', 'AppProject'].includes(kind)
    )
      return {
        kind: `${kind} ${
          getPath(doc.value, ['metadata', 'name']) ?? ''
        }`.trim(),
        location: doc.at(),
      };
  }
  return undefined;
}

/** Why there is nothing to check when the clusters folder does not exist. */
function noClustersFolder(
  conventions: MeshConventions,
  entries: readonly FluxEntry[],
  /** The outermost Flux Kustomization of the repository, when it has one. */
  someKustomization: OutermostKustomization | undefined,
  where: SourceLocation,
  /** Files with Flux Kustomizations that the sources' ignore rules leave out. */
  ignoredFluxFiles: readonly string[] = [],
  /** Flux Kustomizations that apply what they build to another cluster (spec.kubeConfig). */
  remote: readonly { location: SourceLocation }[] = [],
  /** An Argo CD object of the repository (an Application), where it has no Flux Kustomization. */
  argoCd?: { kind: string; location: SourceLocation },
): EngineFinding {
  const outermost = outermostEntries(entries);
  const single = outermost.length === 1 ? outermost[0] : undefined;
  // a repository of one cluster is not wrong: it has no mesh to check; one
  // whose Flux also manages other clusters (samcday's cloud-cluster) says so
  if (single)
    return finding(
      'no-clusters',
      'warning',
      `no clusters folder (${
        conventions.clustersPath
      }): the repository's one Flux entry point, ${
        single.path
      }, is a single cluster (${single.reason})${
        remote.length
          ? `, whose Flux also applies ${
              remote.length === 1
                ? 'one Kustomization'
                : `${remote.length} Kustomizations`
            } to other clusters through spec.kubeConfig (e.g. ${formatLocation(
              remote[0].location,
            )}): those clusters have no entry point of their own here and are not evaluated`
          : ''
      }, so there is no mesh of its clusters to check (set clustersPath in the conventions if they are elsewhere)`,
      single.location,
    );
  if (clustersPathGiven(conventions))
    return finding(
      'no-clusters',
      'error',
      `the clusters folder the conventions name (${conventions.clustersPath}) does not exist: no cluster to check`,
      where,
    );
  // side by side in one folder, but each of a name taken for Flux's own
  // folder, not a cluster's (isvicy's `bootstrap/flux`, `bootstrap/flux-lab`)
  const parents = new Set(outermost.map(e => dirnamePath(e.path)));
  if (outermost.length > 1 && parents.size === 1) {
    const [parent] = parents;
    return finding(
      'no-clusters',
      'warning',
      `the repository's ${
        outermost.length
      } Flux entry points are side by side in ${
        parent || 'the top of the repository'
      }: ${outermost
        .map(e => `${e.path} (${e.reason})`)
        .join('; ')}; but their folders' names (${outermost
        .map(e => basenamePath(e.path))
        .join(
          ', ',
        )}) are taken for Flux's own folders, not clusters', so no cluster was found and nothing was checked (to check them as clusters, set in the conventions clustersPath: ${JSON.stringify(
        parent,
      )}, or name the folders for their clusters)`,
      outermost[0].location,
    );
  }
  // entry points in folders of different shapes (`k3s-cluster/flux` beside
  // `kubernetes/utility/flux`): no one clusters folder holds them side by side
  if (outermost.length > 1)
    return finding(
      'no-clusters',
      'warning',
      `no clusters folder holds the repository's ${
        outermost.length
      } Flux entry points side by side: ${outermost
        .map(e => `${e.path} (${e.reason})`)
        .join(
          '; ',
        )}; their folders differ in depth or shape, so no cluster was found and nothing was checked (to check the clusters of one kind of folder, set in the conventions ${[
        ...new Set(outermost.map(layoutOf)),
      ].join(
        ' or ',
      )}; to check them all, name each cluster's entry point in the conventions' entries: {${outermost
        .map(e => `${entryClusterName(e.path)}: ${e.path}`)
        .join(', ')}})`,
      outermost[0].location,
    );
  // entry points the sources' ignore rules leave out (`/*` then
  // `!/infra/` in a .sourceignore, the clusters' folder not taken in)
  if (ignoredFluxFiles.length) {
    const top = ignoredFluxFiles[0].split('/')[0];
    return finding(
      'no-clusters',
      'warning',
      `no clusters found: the Flux Kustomizations of ${firstFew(
        ignoredFluxFiles,
      )} are left out of what Flux builds by the sources' ignore rules (a .sourceignore, a GitRepository's spec.ignore), so no cluster's entry point is read and nothing was checked; if a cluster's entry point is there, take its folder in (e.g. !/${top}/ after the pattern that leaves it out)`,
      { file: ignoredFluxFiles[0], line: 1 },
    );
  }
  // `flux bootstrap --path=./`: the repository's root is the one cluster's
  // folder (yagoyudi's), which no clusters folder holds beside others
  if (someKustomization?.path === '')
    return finding(
      'no-clusters',
      'warning',
      `no clusters found: the Flux entry point, at ${formatLocation(
        someKustomization.location,
      )}, reconciles the whole repository (path ./): a single cluster whose folder is the repository's root, not one folder per cluster, so there is no mesh to check; nothing was checked (a mesh's clusters each need a folder of their own, e.g. clusters/<cluster>)`,
      someKustomization.location,
    );
  // a repository whose Flux entry a script makes, or no GitOps repository
  // at all: nothing is wrong that can be told
  const looked = new Set([
    conventions.clustersPath,
    ...clusterFolderCandidates,
  ]);
  const found = finding(
    'no-clusters',
    'warning',
    `no clusters found: no Flux entry point in the repository (a Kustomization reconciling its own folder, a FluxInstance sync.path)${
      someKustomization ? ` (${outermostSaid(someKustomization)})` : ''
    } and no clusters folder (${[...looked].join(
      ', ',
    )}); nothing was checked (${
      // a folder a task applies: the entry point of a cluster, named so
      someKustomization && !someKustomization.missing
        ? `if ${dirnamePath(
            someKustomization.declaredIn,
          )} is what a cluster's bootstrap applies, name it in the conventions' entries, e.g. entries: {<cluster>: ${dirnamePath(
            someKustomization.declaredIn,
          )}}; `
        : ''
    }set clustersPath in the conventions if the clusters are elsewhere)`,
    someKustomization?.location,
  );
  // Argo CD applies the repository, not Flux (edgard's, mmalyska's)
  if (!someKustomization && argoCd)
    return finding(
      'no-clusters',
      'warning',
      `no clusters found: the repository has no Flux Kustomization, but it has Argo CD's ${argoCd.kind}: Argo CD applies it, not Flux, and the checks read what Flux applies; nothing was checked`,
      argoCd.location,
    );
  // no Flux Kustomization and no clusters folder: no file to point at
  // (sfcal's repository has no kubernetes/ at all)
  if (!someKustomization)
    found.unlocated = `no file shows the clusters: the repository has no Flux Kustomization and none of the clusters folders looked for`;
  return found;
}

/** The outermost Flux Kustomization, and how many more reconcile a folder the repository does not hold. */
interface OutermostKustomization extends KustomizationPath {
  /** Its path is no folder of the repository. */
  missing: boolean;
  /** The other outermost Kustomizations whose paths are missing too. */
  moreMissing: number;
}

/**
 * The outermost Flux Kustomization (declared where no other reconciles),
 * one whose path is missing first, the shallowest of those: an entry point
 * whose folder moved or whose path is mistyped is why no cluster is found.
 */
function outermostKustomization(
  kustomizations: readonly KustomizationPath[],
  index: Pick<TreeIndex, 'isDir' | 'isFile'>,
): OutermostKustomization | undefined {
  // not inside another's folder: one reconciling the folder that holds it
  // is outermost still (Derlinn's cluster-apps, applied by a bootstrap
  // task), as are two of one path (kalenarndt's from two sources: neither
  // applies the other), and one of the whole repository (`path: ./`)
  // holds every other, unless it builds an artifact (Flux's own
  // flux-manifests at `./`: kalenarndt's), whose folders are not these
  const outermost = kustomizations.filter(
    k =>
      !kustomizations.some(
        o =>
          o !== k &&
          !o.artifact &&
          o.path !== k.path &&
          (o.path === ''
            ? k.path !== ''
            : k.declaredIn.startsWith(`${o.path}/`)),
      ),
  );
  const isMissing = (k: KustomizationPath) =>
    k.path !== '' && !k.remote && !index.isDir(k.path) && !index.isFile(k.path);
  // an entry point whose folder moved names a folder it sits in
  // (`./kubernetes/flux` declared in `kubernetes/pi/flux/config`)
  const meantAsEntry = (k: KustomizationPath) =>
    k.declaredIn.split('/').includes(basenamePath(k.path)) ? 0 : 1;
  const depth = (k: KustomizationPath) => k.declaredIn.split('/').length;
  const missing = outermost
    .filter(isMissing)
    .sort((a, b) => meantAsEntry(a) - meantAsEntry(b) || depth(a) - depth(b));
  const chosen = missing[0] ?? outermost[0] ?? kustomizations[0];
  if (!chosen) return undefined;
  return {
    ...chosen,
    missing: isMissing(chosen),
    moreMissing: Math.max(0, missing.length - 1),
  };
}

/** What the outermost Kustomization says about why nothing was found. */
function outermostSaid(k: OutermostKustomization): string {
  const at = formatLocation(k.location);
  if (!k.missing)
    return `its outermost Flux Kustomization, at ${at}, is applied by something outside it: a bootstrap task or script`;
  return `its outermost Flux Kustomization, at ${at}, reconciles ${
    k.path
  }, which the repository does not hold${
    k.moreMissing
      ? `, nor the paths of ${k.moreMissing} more outermost ${
          k.moreMissing === 1 ? 'Kustomization' : 'Kustomizations'
        }`
      : ''
  }: a moved folder or a mistyped spec.path, which Flux fails to build`;
}

/** Why no folder of an existing clusters folder is a cluster. */
function noClusterFolder(
  conventions: MeshConventions,
  folders: readonly string[],
): string {
  const retry =
    '(set clustersPath, entryPath or clusters in the conventions if the clusters are elsewhere)';
  if (!folders.length) return 'the clusters folder has no cluster folders';
  // the conventions (or detection) left every folder out: say why
  const listed = conventions.provenance?.find(p => p.setting === 'clusters');
  if (conventions.clusters && listed)
    return `no folder of the clusters folder is a cluster: ${
      listed.source === 'detected'
        ? listed.reason
        : `the conventions list none of ${folders.join(', ')}`
    } ${retry}`;
  return `no folder of the clusters folder is a Flux cluster: ${folders.join(
    ', ',
  )} ${
    folders.length === 1 ? 'holds' : 'hold'
  } no Flux Kustomization, FluxInstance or kustomization file${
    conventions.entryPath ? ` in ${conventions.entryPath}/` : ''
  } ${retry}`;
}

/** What building a model reads with. @public */
export interface BuildOptions {
  /** What is remembered between validations; a fresh cache when absent. */
  cache?: EngineCache;
}

/**
 * Builds the mesh model of a repository: renders every cluster as Flux
 * would and extracts the settings, pools, DNSEndpoints and Cilium values
 * the rules read, each with its file and line.
 *
 * @public
 */
export function buildMeshModel(
  tree: RepoTree,
  conventions: MeshConventions,
  options: BuildOptions = {},
): MeshModel {
  const cache = options.cache ?? new EngineCache();
  const index = cache.treeIndex(tree, conventions.flux.sourceIgnore);
  const entryIndex = conventions.flux.sourceIgnore?.length
    ? cache.treeIndex(tree)
    : undefined;
  const files = cache.yamlFiles(tree);
  // the clusters, and their folder, in the whole repository (see discoverClusters)
  const clustersIndex = entryIndex ?? index;
  const names = discoverClusters(clustersIndex, conventions);
  const renderer = new FluxRenderer(
    index,
    files,
    {
      strictSubstitution: conventions.flux.strictSubstitution,
      substituteAlways: conventions.flux.substituteAlways,
      readPlainSecrets: conventions.flux.readPlainSecrets,
      sourceNames: conventions.flux.sourceNames,
      sourceRoots: conventions.flux.sourceRoots,
      knownValues: conventions.values,
      externalSources: conventions.flux.externalSources,
      substitutionWebhook: conventions.flux.substitutionWebhook,
      entryIndex,
      clusters: names,
    },
    cache.substitution,
    {
      hashes: cache.kustomizeHashes,
      builds: cache.builds,
    },
  );
  const findings: EngineFinding[] = [];
  const where: SourceLocation = { file: conventions.clustersPath, line: 1 };
  if (!clustersIndex.isDir(conventions.clustersPath) && names.length === 0) {
    const flux = readFluxEntries(
      scanDocuments(tree, cache, fluxNeedles),
      buildIncludes(index, cache.yamlFiles(tree)),
      index,
      name => variableDefinitions(tree, cache, name),
    );
    const fluxGroup = utf8('kustomize.toolkit.fluxcd.io');
    findings.push(
      noClustersFolder(
        conventions,
        flux.entries,
        outermostKustomization(flux.kustomizations, index),
        where,
        // none found in what Flux builds: those its ignore rules leave out
        flux.entries.length
          ? []
          : tree.paths().filter(path => {
              if (!/\.ya?ml$/.test(path) || index.isFile(path)) return false;
              const bytes = tree.read(path);
              return bytes !== undefined && containsBytes(bytes, fluxGroup);
            }),
        flux.kustomizations.filter(k => k.remote),
        flux.kustomizations.length ? undefined : argoCdObject(tree, cache),
      ),
    );
  }
  for (const missing of conventions.clusters?.filter(c => !names.includes(c)) ??
    []) {
    const entry = conventions.sharedEntry
      ? undefined
      : conventions.entries?.[missing];
    findings.push(
      finding(
        'no-clusters',
        'error',
        entry !== undefined &&
          !clustersIndex.list(conventions.clustersPath).dirs.includes(missing)
          ? `the conventions list cluster ${missing} with the entry point ${entry} (entries), which holds no Flux Kustomization or FluxInstance${
              clustersIndex.isDir(entry) ? '' : ' (it does not exist)'
            }, and ${clusterFolder(
              conventions.clustersPath,
              missing,
            )}/ does not exist`
          : `${clusterFolder(
              conventions.clustersPath,
              missing,
            )}/ does not exist, but the conventions list cluster ${missing}`,
        where,
      ),
    );
  }
  if (clustersIndex.isDir(conventions.clustersPath) && names.length === 0) {
    const folders = clustersIndex.list(conventions.clustersPath).dirs;
    // the folder the conventions file names holds no cluster: a mistake;
    // the default or detected folder holds none: nothing could be checked
    const given =
      clustersPathGiven(conventions) ||
      conventions.provenance?.some(
        p => p.setting === 'clusters' && p.source === 'conventions',
      ) === true;
    findings.push(
      finding(
        'no-clusters',
        given ? 'error' : 'warning',
        `${noClusterFolder(conventions, folders)}${
          given ? '' : '; nothing was checked'
        }`,
        where,
      ),
    );
  }
  const clusters = names.map(name =>
    extractCluster(name, { renderer, files, index, conventions }),
  );
  bootstrapSources(clusters, conventions);
  // the helmfiles and scripts, read once when first asked (here, or by a remedy)
  let bootstrap: BootstrapReader | undefined;
  const readBootstrap = () => (bootstrap ??= bootstrapReader(tree));
  unappliedCiliumRelease(clusters, tree, cache, conventions, readBootstrap);
  // a cluster whose Flux reconciles another branch than the one read: its
  // files there are not these, nor are these files' problems its own
  const refs = clusterRefs(clusters, conventions);
  for (const [cluster, elsewhere] of clustersOnOtherBranches(
    refs,
    conventions.flux.branch,
  ))
    Object.assign(cluster, {
      otherBranch: elsewhere,
      findings: [],
      ...membershipOf(
        cluster.name,
        cluster.cilium,
        conventions,
        cluster.render,
        elsewhere,
      ),
    });
  // of the clusters checked (one outside the mesh is not); and of all,
  // where one whose files fail runs another ref than another cluster (its
  // errors are these files', not what its ref holds)
  const failing = clusters.filter(c =>
    c.render.findings.some(f => f.severity === 'error'),
  );
  const refOf = (c: ClusterModel) => refs.get(c)?.ref;
  const failingApart = failing.some(
    f =>
      refOf(f) !== undefined &&
      clusters.some(o => refOf(o) !== undefined && refOf(o) !== refOf(f)),
  );
  // the branch read not known: a cluster's membership too was read from
  // files that may not be its branch's (unless the conventions exclude it)
  const branchUnknown = conventions.flux.branch === undefined;
  findings.push(
    ...differentRefs(
      refs,
      failingApart
        ? clusters
        : clusters.filter(
            c =>
              c.membership.member ||
              (branchUnknown && !conventions.mesh.exclude.includes(c.name)),
          ),
      conventions.flux.branch,
    ),
    // one instance file every cluster applies: one finding per cause
    ...groupFindings(
      instancePathsElsewhere(clusters, path => index.isDir(path)),
    ),
  );
  // the repository's own address: its GitRepository, or the FluxInstance
  // that syncs it
  const ownUrl = (object: ManifestObject) => {
    if (object.kind === 'FluxInstance')
      return getPath(object.body, ['spec', 'sync', 'url']);
    return object.kind === 'GitRepository' &&
      conventions.flux.sourceNames.includes(object.name)
      ? getPath(object.body, ['spec', 'url'])
      : undefined;
  };
  const ownOwners = new Set(
    clusters.flatMap(c =>
      c.render.objects
        .map(({ object }) => ownUrl(object))
        .filter((url): url is string => typeof url === 'string')
        .map(ownerOf)
        .filter((o): o is string => o !== undefined),
    ),
  );
  for (const cluster of clusters)
    quietUnreadParts(cluster, ownOwners, conventions, path =>
      index.isDir(path),
    );
  // no file of the repository names Cilium (Flannel's clusters,
  // DecentM's): whatever of it fails to build, none of it is Cilium; not
  // where parts from elsewhere are not read (a ResourceSet, another
  // repository's artifact), which may bring it
  const unknownHere = (c: ClusterModel) =>
    c.membershipUnknown &&
    !c.cilium &&
    !c.otherBranch &&
    !unevaluatedParts(
      c.render,
      c.name,
      conventions.cilium.helmRelease.namespace,
    );
  if (
    !conventions.cilium.valuesFile &&
    clusters.some(unknownHere) &&
    !namesCilium({ mentions: text => mentioned(tree, cache, text) })
  )
    for (const c of clusters.filter(unknownHere))
      Object.assign(c, {
        membership: { member: false, reason: noCiliumReason },
        membershipUnknown: false,
      });
  fqdnsFromPeers(
    clusters,
    conventions,
    text => mentioned(tree, cache, text),
    cache,
  );
  // the mesh is the clusters in it; each member knows the other members
  const members = clusters.filter(c => c.membership.member);
  // one object per peer, shared by every cluster that has it as a peer
  const peerSettings = new Map<string, PeerSetting>(
    members.map(({ name: peer }) => [
      peer,
      { peer, variable: peerFqdnVariable(conventions, peer) },
    ]),
  );
  for (const cluster of members) {
    const peers = (
      conventions.peers?.[cluster.name] ??
      members.map(m => m.name).filter(m => m !== cluster.name)
    ).map(
      peer =>
        peerSettings.get(peer) ?? {
          peer,
          variable: peerFqdnVariable(conventions, peer),
        },
    );
    let values: (string | undefined)[] | undefined;
    Object.assign(cluster, {
      peers,
      peerValues: () =>
        (values ??= peers.map(p => cluster.settings.value(p.variable))),
    });
  }
  // one finding per cause: a problem in a shared file, or an undefined
  // variable used in many places, is reported once with what it affects
  findings.push(...groupFindings(clusters.flatMap(c => c.findings)));
  const byName = new Map(clusters.map(c => [c.name, c]));
  const mentions = new Map<string, boolean>();
  let declaredExternalDns: ExternalDnsDeployment[] | undefined;
  let unappliedPools: PoolModel[] | undefined;
  let machineAddresses: NodeAddress[] | undefined;
  let talos: TalosNetworks[] | undefined;
  let builds: ReturnType<typeof buildIncludes> | undefined;
  return {
    conventions,
    clusters,
    members,
    findings,
    byName,
    repository: {
      isFile: path => index.isFile(path),
      readText: path => readTextFile(tree, path),
      kustomizationFile: dir => renderer.kustomize.kustomizationFile(dir),
      builds: (dir, file) =>
        (builds ??= buildIncludes(index, cache.yamlFiles(tree)))(dir, file),
      externalDnsDeployments: () => {
        // asked only when no cluster applies ExternalDNS: is it switched off?
        // those in files Flux builds (not what every source leaves out, an
        // `archive/`), where there are some
        if (!declaredExternalDns) {
          const all = repositoryExternalDnsDeployments(tree, cache);
          const built = all.filter(d => index.isFile(d.location.file));
          declaredExternalDns = built.length ? built : all;
        }
        return declaredExternalDns;
      },
      // the helmfiles are read when a remedy first asks
      readByBootstrap: Object.assign((file: string) => readBootstrap()(file), {
        waitingRelease: (file: string, releases: readonly string[]) =>
          readBootstrap().waitingRelease?.(file, releases),
        templatedBy: (file: string) => readBootstrap().templatedBy?.(file),
        appliesAsWritten: (file: string) =>
          readBootstrap().appliesAsWritten?.(file) ?? [],
        sets: (helmfile: string, path: readonly (string | number)[]) =>
          readBootstrap().sets?.(helmfile, path) ?? false,
      }),
      nodeAddresses: () => (machineAddresses ??= nodeAddresses(tree)),
      talosNetworks: () => (talos ??= talosNetworks(tree)),
      unappliedPools: () => {
        // asked only where an address is outside a cluster's pools
        if (!unappliedPools) {
          const applied = new Set(
            clusters.flatMap(c =>
              c.pools.map(
                p => `${p.object.source.file}#${p.object.source.index}`,
              ),
            ),
          );
          unappliedPools = [];
          for (const doc of scanDocuments(tree, cache, [
            'CiliumLoadBalancerIPPool',
          ])) {
            const source = doc.source;
            const object = source && {
              apiVersion: String(doc.value.apiVersion ?? ''),
              kind: String(doc.value.kind ?? ''),
              name: String(getPath(doc.value, ['metadata', 'name']) ?? ''),
              body: doc.value,
              source,
            };
            if (
              object &&
              isLoadBalancerPool(object) &&
              !applied.has(`${source.file}#${source.index}`)
            )
              unappliedPools.push(readPool(object));
          }
        }
        return unappliedPools;
      },
      mentions: (text, except) => {
        if (except) return mentioned(tree, cache, text, { leftBehind: except });
        // asked per cluster of a mesh: each text is looked for once
        let found = mentions.get(text);
        if (found === undefined) {
          found = mentioned(tree, cache, text);
          mentions.set(text, found);
        }
        return found;
      },
    },
    memo: { meshEntries: cache.meshEntries },
  };
}

/**
 * The owner of a Git or OCI URL as kustomize and Flux write them
 * (`https://github.com/org/repo//path?ref=v1`, `ssh://git@github.com/org/repo`,
 * `git@github.com:org/repo.git`), lower-cased; undefined for anything else.
 */
function ownerOf(url: string): string | undefined {
  const match =
    /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]+@)?([a-z0-9.-]+\.[a-z]+)(?::\d+)?[/:]([^/]+)\/[^/]/i.exec(
      url,
    );
  // the owner alone: the same owner's repositories may be on several
  // hosts (its Git on github.com, its OCI artifacts on ghcr.io); not one
  // written as a variable, nor a path that does not start with the owner
  // (Azure DevOps `v3/org/...`, Bitbucket Server `scm/project/...`)
  if (
    !match ||
    /[$<{]/.test(match[2]) ||
    /azure\.com$|visualstudio\.com$/i.test(match[1])
  )
    return undefined;
  const owner = match[2].toLowerCase();
  return owner === 'scm' ? undefined : owner;
}

/**
 * A part not read that nothing a check reads can come from (a project's
 * release manifest, Flux's own controllers, a source only an app's
 * Kustomization substitutes from) is said as information: it cannot hide
 * or change a ClusterMesh DNS check, so it is not counted as one not
 * evaluated.
 */
function quietUnreadParts(
  cluster: ClusterModel,
  /** The owners of the repository's own sources, when known. */
  ownOwners: ReadonlySet<string>,
  conventions: MeshConventions,
  /** Whether this repository has a folder. */
  isDir: (path: string) => boolean,
) {
  const readers = kustomizationsRulesReadFrom(cluster);
  // a remote base of another owner's project (`github.com/metal3-io/…`)
  // holds that project's manifests, not this repository's cluster objects;
  // one of the repository's own owner may be a platform repository's
  const otherProject = (url: string) => {
    const owner = ownerOf(url);
    return ownOwners.size > 0 && owner !== undefined && !ownOwners.has(owner);
  };
  let read: ReturnType<typeof dataObjectsRead> | undefined;
  const unread = (object: { kind: string; name: string }) =>
    // a generated name may have gained a prefix, suffix or hash
    !(read ??= dataObjectsRead(cluster)).some(
      r => r.kind === object.kind && r.name.includes(object.name),
    );
  // another owner's project: what it applies is known to hold none of the
  // cluster's ClusterMesh objects, so whether it is in the mesh does not
  // hang on it either
  const othersProjects = new Map<EngineFinding, EngineFinding>();
  cluster.findings = cluster.findings.map(f => {
    if (f.code !== 'not-evaluated' || f.severity !== 'warning') return f;
    if (
      f.remoteUrl !== undefined &&
      otherProject(f.remoteUrl) &&
      // a source that builds a folder this repository has too is a twin
      // of it (a private companion under another name), not a project
      !(f.remotePath && isDir(f.remotePath))
    ) {
      const { unbuilt: _unbuilt, ...rest } = f;
      const quiet: EngineFinding = {
        ...rest,
        severity: 'info',
        holdsNoMeshObjects: true,
        message: `${f.message} (a project of ${ownerOf(
          f.remoteUrl,
        )}, whereas this repository is ${[...ownOwners].join(
          ', ',
        )}'s: it holds none of the cluster's ClusterMesh objects)`,
      };
      if (f.unbuilt) othersProjects.set(f, quiet);
      return quiet;
    }
    return f.holdsNoMeshObjects ||
      (f.substitutesOnly &&
        f.substitutesFor !== undefined &&
        readers !== undefined &&
        !readers.has(f.substitutesFor)) ||
      // outside the mesh, and known to be (its Cilium values read, or no
      // Cilium and nothing unread that may hold one): no check reads it
      (!cluster.membershipUnknown && !cluster.membership.member) ||
      (f.onlyDataOf && unread(f.onlyDataOf))
      ? { ...f, severity: 'info' }
      : f;
  });
  if (!othersProjects.size) return;
  cluster.render.findings = cluster.render.findings.map(
    f => othersProjects.get(f) ?? f,
  );
  if (cluster.membershipUnknown) judgeMembershipAgain(cluster, conventions);
}

/** A cluster's membership, judged again once its findings were reclassified. */
function judgeMembershipAgain(
  cluster: ClusterModel,
  conventions: MeshConventions,
) {
  Object.assign(
    cluster,
    membershipOf(
      cluster.name,
      cluster.cilium,
      conventions,
      cluster.render,
      cluster.otherBranch,
    ),
  );
}

/**
 * The ConfigMaps and Secrets whose keys something of the cluster reads:
 * Flux substitution sources and HelmRelease values sources (the settings
 * are among the first).
 */
function dataObjectsRead(
  cluster: ClusterModel,
): { kind: string; name: string }[] {
  const read: { kind: string; name: string }[] = [];
  for (const k of cluster.render.kustomizations)
    for (const ref of k.substituteFrom) read.push(ref);
  for (const { object } of cluster.render.objects)
    if (object.kind === 'HelmRelease')
      read.push(...valuesReferences(object.body.spec));
  return read;
}

/**
 * A substitution source a cluster does not apply, defined only in files
 * that no cluster's Flux applies (a bootstrap's Secret, a test cluster's
 * copy): something other than Flux creates it, so whether the cluster has
 * it is not known here. Its variables are already not known.
 */
function bootstrapSources(
  clusters: ClusterModel[],
  conventions: MeshConventions,
) {
  if (!clusters.some(c => c.findings.some(f => f.missingSource))) return;
  // the files some cluster's Flux applies; and the folders of builds that
  // fail, whose objects are not known: a file under one may be applied
  const appliedFiles = new Set(
    clusters.flatMap(c => c.render.objects.map(o => o.object.source.file)),
  );
  const unknownBuilds = [
    ...new Set(
      clusters.flatMap(c =>
        c.render.kustomizations.filter(k => k.failed).map(k => k.path),
      ),
    ),
  ];
  // a generator's objects name the files they read: a kustomization file
  // that defines the source counts as applied when its folder is built
  const builtFolders = new Set(
    clusters.flatMap(c => c.render.kustomizations.map(k => k.path)),
  );
  const mayBeApplied = (file: string) =>
    appliedFiles.has(file) ||
    ((kustomizationFileNames as readonly string[]).includes(
      basenamePath(file),
    ) &&
      builtFolders.has(dirnamePath(file))) ||
    unknownBuilds.some(
      dir => dir === '' || dir === '.' || file.startsWith(`${dir}/`),
    );
  for (const cluster of clusters) {
    const reclassified = new Map<EngineFinding, EngineFinding>();
    cluster.findings = cluster.findings.map(f => {
      const missing = f.missingSource;
      // the cluster has it in another namespace: not a bootstrap's
      if (!missing || missing.elsewhere) return f;
      if (missing.definedIn.some(mayBeApplied)) return f;
      const { keys } = missing;
      // its keys are read from those files: a variable none of them holds
      // is undefined, whatever creates it
      const held = keys
        ? `whether the cluster has it is not known here; taken as those files define it, it holds ${
            keys.length ? firstFew(keys) : 'no key'
          }, whose values are not read`
        : 'whether the cluster has it, and its variables, are not known here';
      const why = `${
        missing.source
      } is named by substituteFrom, and the repository defines it only in ${firstFew(
        missing.definedIn,
      )}, which no Flux Kustomization evaluated here applies: something else creates it (a bootstrap, a script); ${held}`;
      const notEvaluated: EngineFinding = {
        ...f,
        code: 'not-evaluated',
        severity: 'warning',
        message: why,
        cause: {
          ...f.cause!,
          key: `bootstrap-source:${missing.source}`,
          message: why,
        },
        ...(keys
          ? { substitutesOnly: true }
          : { mayChange: true, substitutesOnly: true }),
      };
      reclassified.set(f, notEvaluated);
      return notEvaluated;
    });
    if (!reclassified.size) continue;
    cluster.render.findings = cluster.render.findings.map(
      f => reclassified.get(f) ?? f,
    );
    // a cluster without Cilium was said to have errors that may hold it
    if (!cluster.cilium) judgeMembershipAgain(cluster, conventions);
  }
}

/**
 * A Flux Operator sync the cluster applies whose path still holds a
 * `${VAR}` once Flux has substituted what applies it (no post-build
 * substitution there, or no value for it): the operator syncs a folder of
 * that literal name, which the repository does not have, and the cluster's
 * Flux reconciles nothing of it. The cluster was found by a value of the
 * variable elsewhere; Flux does not use it there.
 */
function unsubstitutedSyncPaths(render: ClusterRender): EngineFinding[] {
  return render.objects.flatMap(({ object, appliedBy }) => {
    const sync = instanceSyncOf(object.body, object.source.file);
    const path = sync && getPath(object.body, [...sync.at, 'path']);
    if (typeof path !== 'string' || !hasUnresolvedReference(path)) return [];
    const at = locate(object, [...sync!.at, 'path']);
    return [
      finding(
        'flux-error',
        'error',
        `${sync!.describe(
          path,
          formatLocation(at),
        )} as written: Kustomization ${appliedBy.key}, which applies it, ${
          appliedBy.postBuild
            ? `has no value for ${referencedVariables(path).join(', ')}`
            : 'does not substitute (no spec.postBuild)'
        }, so the Flux Operator syncs a folder of that name, which the repository does not have, and the cluster's Flux reconciles nothing from it`,
        at,
        render.cluster,
      ),
    ];
  });
}

/** The cluster's object of a kind, name and namespace, as its render applies it. */
const renderLookup =
  (render: ClusterRender) => (kind: string, name: string, namespace: string) =>
    render.objects.find(
      ({ object: o, appliedBy: k }) =>
        o.kind === kind &&
        o.name === name &&
        (o.namespace ?? k.namespace) === namespace,
    )?.object;

/** The name of a generated object as its render applies it with a content hash (`name-<hash>`). */
const renderHashedName =
  (render: ClusterRender) => (kind: string, name: string, namespace: string) =>
    render.objects.find(
      ({ object: o, appliedBy: k }) =>
        o.kind === kind &&
        isHashSuffixed(o.name, name) &&
        (o.namespace ?? k.namespace) === namespace,
    )?.object.name;

/** RKE2's configuration of the Cilium it installs: HelmChartConfig kube-system/rke2-cilium. */
function isRke2CiliumConfig(object: SubstitutedObject): boolean {
  return (
    object.kind === 'HelmChartConfig' &&
    object.apiVersion.startsWith('helm.cattle.io/') &&
    object.name === 'rke2-cilium'
  );
}

/**
 * A HelmChart of the cilium chart that k3s's (or RKE2's) Helm controller
 * installs, its values in `spec.valuesContent` as a HelmChartConfig's are
 * (TheKitty-zone's, which Flux applies).
 */
function isHelmControllerCiliumChart(object: SubstitutedObject): boolean {
  const chart = getPath(object.body, ['spec', 'chart']);
  return (
    object.kind === 'HelmChart' &&
    object.apiVersion.startsWith('helm.cattle.io/') &&
    typeof chart === 'string' &&
    /(^|\/)cilium$/.test(chart)
  );
}

interface ExtractContext {
  renderer: FluxRenderer;
  files: YamlFiles;
  index: TreeIndex;
  conventions: MeshConventions;
}

function extractCluster(name: string, context: ExtractContext): ClusterModel {
  const { renderer, files, index, conventions } = context;
  const entry = clusterEntry(conventions, name);
  const underClusters = clusterFolder(conventions.clustersPath, name);
  // a cluster found by its entry point alone (a repository of one
  // cluster's kubernetes/flux/cluster) has no folder under a clusters path
  const dir =
    !index.isDir(underClusters) && conventions.entries?.[name] !== undefined
      ? entry
      : underClusters;
  const values = clusterValues(conventions, name);
  const render = renderer.renderCluster(name, entry, values);
  const findings = [...render.findings, ...unsubstitutedSyncPaths(render)];
  /** The chart source a HelmRelease names, when this cluster does not apply it. */
  const chartSourceGap: ClusterModel['chartSourceGap'] = (object, appliedBy) =>
    missingChartSource(
      object,
      object.namespace ?? appliedBy.namespace,
      (kind, source) =>
        render.objects
          .filter(({ object: o }) => o.kind === kind && o.name === source)
          .map(({ object: o, appliedBy: k }) => o.namespace ?? k.namespace),
      (kind, source) => renderer.definitionsOf(kind, source),
      source => conventions.flux.sourceNames.includes(source),
      kind => render.objects.some(({ object: o }) => o.kind === kind),
    );
  const { settings: s } = conventions;
  // a repository may name the settings per cluster: `{cluster}-vars`
  const configMapName = clusterPath(s.configMap, name);
  const secretName = clusterPath(s.secret, name);
  let settingsObject: ClusterModel['settingsObject'];
  let secretObject: SubstitutedObject | undefined;
  const pools: PoolModel[] = [];
  const endpointObjects: {
    object: SubstitutedObject;
    appliedBy: RenderedKustomization;
  }[] = [];
  let helmRelease:
    | { object: SubstitutedObject; appliedBy: RenderedKustomization }
    | undefined;
  // RKE2 installs Cilium itself; its values come from this object
  let chartConfig:
    | { object: SubstitutedObject; appliedBy: RenderedKustomization }
    | undefined;
  for (const { object, appliedBy } of render.objects) {
    if ((object.namespace ?? appliedBy.namespace) === s.namespace) {
      if (
        object.kind === 'ConfigMap' &&
        object.name === configMapName &&
        isRecord(object.body.data)
      ) {
        settingsObject = { object, appliedBy };
      } else if (object.kind === 'Secret' && object.name === secretName) {
        secretObject = object;
      }
    }
    if (isLoadBalancerPool(object)) {
      pools.push(readPool(object));
    } else if (
      object.kind === 'DNSEndpoint' &&
      object.apiVersion.startsWith('externaldns.k8s.io/')
    ) {
      endpointObjects.push({ object, appliedBy });
    } else if (
      object.kind === 'HelmRelease' &&
      object.apiVersion.startsWith('helm.toolkit.fluxcd.io/') &&
      (object.name === conventions.cilium.helmRelease.name ||
        // a release named otherwise, unless the conventions name one
        (conventions.cilium.helmRelease.name ===
          defaultConventions.cilium.helmRelease.name &&
          isCiliumChart(object)))
    ) {
      // its chart goes to the cluster its kubeconfig reaches: not this one's Cilium
      const remote = kubeConfigOf(object);
      if (remote) {
        findings.push({
          code: 'not-evaluated',
          severity: 'info',
          cluster: name,
          message: `${describeObject(object)}, applied by Kustomization ${
            appliedBy.key
          }, installs its chart into another cluster (spec.kubeConfig: ${remote}): its values are not this cluster's Cilium, and are not rendered for any cluster here`,
          location: locate(object, ['spec', 'kubeConfig']),
        });
        continue;
      }
      const ns = object.namespace ?? appliedBy.namespace;
      // the conventions' name first; else a release of the cilium chart
      // under another name (`cni`)
      const named = object.name === conventions.cilium.helmRelease.name;
      const heldNamed =
        helmRelease?.object.name === conventions.cilium.helmRelease.name;
      if (
        !helmRelease ||
        (named && !heldNamed) ||
        (named === heldNamed && ns === conventions.cilium.helmRelease.namespace)
      )
        helmRelease = { object, appliedBy };
    } else if (
      isRke2CiliumConfig(object) ||
      (!chartConfig && isHelmControllerCiliumChart(object))
    ) {
      chartConfig = { object, appliedBy };
    } else {
      // Sveltos installs Cilium into the clusters its profile selects:
      // they are clusters of their own, not read here
      const chart = sveltosCiliumChart(object);
      if (chart)
        findings.push({
          code: 'not-evaluated',
          severity: 'info',
          cluster: name,
          message: `${describeObject(
            object,
          )} (Sveltos), applied by Kustomization ${
            appliedBy.key
          }, installs Cilium (chart ${chart}) into the clusters its clusterSelector selects: they are clusters of their own (Cluster API, say), not folders of this repository, and are not evaluated here`,
          location: locate(object, ['spec', 'helmCharts']),
        });
    }
  }

  const ciliumSource = helmRelease ?? chartConfig;
  // The settings ConfigMap is the one the Kustomization applying the
  // Cilium values substitutes from, in its own namespace, where Flux looks
  // it up (a `kube-system` Kustomization per component, as configure
  // creates it in a repository that had no settings; a namespace
  // component's copy in every namespace), else the settings' namespace's.
  if (ciliumSource) {
    const k = ciliumSource.appliedBy;
    const read =
      k.namespace !== s.namespace || !settingsObject
        ? k.substituteFrom.some(
            r => r.kind === 'ConfigMap' && r.name === configMapName,
          ) &&
          render.objects.find(
            ({ object, appliedBy }) =>
              object.kind === 'ConfigMap' &&
              object.name === configMapName &&
              (object.namespace ?? appliedBy.namespace) === k.namespace &&
              isRecord(object.body.data),
          )
        : undefined;
    if (read) settingsObject = read;
  }
  // The settings: the settings ConfigMap, then Secret, then what the
  // Kustomization applying the Cilium values substitutes (inline values, a
  // parent's patches, sources other controllers provide).
  const settings = new ClusterSettings(
    settingsObject?.object,
    secretObject,
    values,
    ciliumSource && {
      variables: ciliumSource.appliedBy.variables,
      location: locate(ciliumSource.appliedBy.object ?? ciliumSource.object),
    },
  );
  const expectedSettingsFile = settingsFileOf(conventions, name);
  // without settings, the file they are expected in, when it is there
  // (holding something else), or the kustomization that would list it;
  // never a file that does not exist
  const settingsLocation: SourceLocation = settingsObject
    ? locate(settingsObject.object, ['data'])
    : whereMissing(
        {
          isFile: path => index.isFile(path),
          kustomizationFile: folder =>
            renderer.kustomize.kustomizationFile(folder),
        },
        { dir, render },
        expectedSettingsFile,
        ciliumSource?.appliedBy.object,
      );
  let cilium: CiliumValuesModel | undefined;
  const valuesFile =
    conventions.cilium.valuesFile &&
    clusterPath(conventions.cilium.valuesFile, name);
  // a plain values file for the clusters whose Cilium is installed another
  // way; one with a HelmRelease (or RKE2's config) and no such file keeps
  // it. Read by that installer, not by Flux: what the sources leave out
  // (`.sourceignore`: an Ansible `inventory/`) counts too
  const valuesFileThere =
    valuesFile !== undefined && index.tree.read(valuesFile) !== undefined;
  if (valuesFile && !(!valuesFileThere && (helmRelease || chartConfig))) {
    const file = valuesFile;
    if (!valuesFileThere) {
      findings.push(
        finding(
          'flux-error',
          'error',
          `the Cilium values file of cluster ${name} (conventions cilium.valuesFile) does not exist`,
          { file, line: 1 },
          name,
        ),
      );
    } else {
      const read = valuesFileValues(file, files, name);
      findings.push(...read.findings);
      cilium = {
        ...read.values,
        kind: 'values-file',
        file,
        releaseNamespace: conventions.cilium.helmRelease.namespace,
      };
    }
  } else if (helmRelease) {
    const { object, appliedBy } = helmRelease;
    const read = helmReleaseValues(
      object,
      object.namespace ?? appliedBy.namespace,
      renderLookup(render),
      files,
      render.cluster,
      renderHashedName(render),
      (kind, source) => renderer.definitionsOf(kind, source),
    );
    findings.push(...read.findings);
    // a chart source the cluster does not apply: nothing of it installed
    const gap = chartSourceGap(object, appliedBy);
    if (gap)
      findings.push(
        chartSourceFinding(
          gap,
          `HelmRelease ${object.namespace ?? appliedBy.namespace}/${
            object.name
          }`,
          name,
        ),
      );
    const spec = isRecord(object.body.spec) ? object.body.spec : {};
    cilium = {
      ...read.values,
      kind: 'helmrelease',
      object,
      appliedBy,
      file: object.source.file,
      releaseNamespace:
        typeof spec.targetNamespace === 'string'
          ? spec.targetNamespace
          : object.namespace ?? appliedBy.namespace,
    };
  } else if (chartConfig) {
    const { object, appliedBy } = chartConfig;
    const read = helmChartConfigValues(object, files, name);
    findings.push(...read.findings);
    const target = getPath(object.body, ['spec', 'targetNamespace']);
    // a HelmChart installs into its targetNamespace, else its own
    const installedIn =
      typeof target === 'string'
        ? target
        : object.namespace ?? appliedBy.namespace;
    cilium = {
      ...read.values,
      kind: 'helmchartconfig',
      object,
      appliedBy,
      file: object.source.file,
      releaseNamespace:
        object.kind === 'HelmChart' ? installedIn : 'kube-system',
    };
  }
  // the one answer to "what is this cluster's FQDN": its settings' variable, or what the files Flux substitutes say
  const fqdn = clusterFqdn({
    conventions,
    cluster: name,
    settings,
    settingsObject,
    cilium,
    endpoints: endpointObjects,
  });
  const dnsEndpoints: DnsEndpointModel[] = [];
  let unrelatedDnsEndpoints = 0;
  for (const { object, appliedBy } of endpointObjects) {
    const records = readEndpoints(object);
    const ownedBy = ownershipOf(
      object.name,
      object.namespace ?? appliedBy.namespace,
      records,
      conventions,
      fqdn?.value,
      cilium?.releaseNamespace,
    );
    if (ownedBy) dnsEndpoints.push({ object, appliedBy, records, ownedBy });
    else unrelatedDnsEndpoints++;
  }
  // and to "what is its LB IP": its settings' variable, or what its values ask for
  const lbIp = clusterLbIp(
    conventions,
    settings,
    cilium,
    dnsEndpoints.flatMap(e => e.records),
  );

  const clusterNameValue = getPath(
    cilium?.values,
    ciliumValuesPaths.clusterName,
  );
  return {
    name,
    dir,
    render,
    chartSourceGap,
    releaseValues: (object, appliedBy) =>
      releaseValuesRead(
        object,
        object.namespace ?? appliedBy.namespace,
        renderLookup(render),
        files,
        name,
      ),
    findings,
    settings,
    settingsObject,
    settingsLocation,
    fqdn,
    lbIp,
    lbIpAddress: lbIp ? parseIpAddress(lbIp.value) : undefined,
    // set for the members of the mesh, once they are known
    peers: [],
    peerValues: () => [],
    ...membershipOf(name, cilium, conventions, render),
    pools,
    dnsEndpoints,
    unrelatedDnsEndpoints,
    cilium,
    ciliumName:
      typeof clusterNameValue === 'string' && clusterNameValue
        ? clusterNameValue
        : name,
  };
}

/**
 * Whether a DNSEndpoint is the cluster's ClusterMesh record: the configured
 * name and namespace, or a record whose dnsName is the cluster's FQDN.
 */
function ownershipOf(
  name: string,
  namespace: string | undefined,
  records: DnsEndpointRecord[],
  conventions: MeshConventions,
  fqdn: string | undefined,
  /** The Cilium release's namespace, where configure writes the record beside it. */
  ciliumNamespace?: string,
): DnsEndpointModel['ownedBy'] | undefined {
  const at = namespace ?? conventions.dnsEndpoint.namespace;
  if (
    name === conventions.dnsEndpoint.name &&
    (at === conventions.dnsEndpoint.namespace || at === ciliumNamespace)
  )
    return 'name';
  if (fqdn !== undefined && records.some(r => sameDnsName(r.dnsName, fqdn)))
    return 'dnsName';
  // the FQDN variable left as written (a Kustomization that does not
  // substitute it: JefeDavis' copy, its label opting out): the record is
  // the cluster's, its name not resolved, which the checks say
  const asWritten = `\${${conventions.variables.fqdn}}`;
  if (
    records.some(
      r => typeof r.dnsName === 'string' && r.dnsName.trim() === asWritten,
    )
  )
    return 'dnsName';
  return undefined;
}

/** The records of a DNSEndpoint, each at its entry. @internal */
export function readEndpoints(object: ManifestObject): DnsEndpointRecord[] {
  const endpoints = getPath(object.body, ['spec', 'endpoints']);
  if (!Array.isArray(endpoints)) return [];
  return endpoints.map((e, index) => ({
    index,
    dnsName: e?.dnsName,
    recordType: e?.recordType,
    recordTTL: e?.recordTTL,
    targets: e?.targets,
    providerSpecific: e?.providerSpecific,
    location: locate(object, ['spec', 'endpoints', index]),
  }));
}

/**
 * Whether any file of the repository (but its documentation) names Cilium:
 * its chart, images and objects all say `cilium`.
 *
 * @public
 */
export function namesCilium(repository: {
  mentions(text: string): boolean;
}): boolean {
  return repository.mentions('cilium');
}

/**
 * Where clusters run no Cilium release read here, a HelmRelease of the
 * cilium chart the repository defines that no cluster applies (vbalexr's
 * `infrastructure/cilium/release.yaml`, which its kustomization does not
 * list) is said beside why they are outside the mesh: listing it may be
 * the fix.
 */
function unappliedCiliumRelease(
  clusters: readonly ClusterModel[],
  tree: RepoTree,
  cache: EngineCache,
  conventions: MeshConventions,
  readBootstrap: () => BootstrapReader,
) {
  // (where a build fails, the error says why first)
  const without = clusters.filter(
    c =>
      !c.cilium &&
      !c.membership.member &&
      !conventions.cilium.valuesFile &&
      !c.render.kustomizations.some(k => k.failed) &&
      !c.render.findings.some(f => f.severity === 'error'),
  );
  if (!without.length) return;
  // a bootstrap helmfile of the cluster's own (a folder named for it,
  // beside another cluster's: aclerici38's kubernetes/bootstrap/apps/house
  // and …/apartment) that installs the cilium chart: Cilium runs there,
  // with values not read here, so whether it is in the mesh is not known
  const installers = readBootstrap().installs?.('cilium') ?? [];
  const ownOf = (c: ClusterModel) =>
    installers.find(h => {
      const segments = h.split('/');
      return segments
        .slice(0, -1)
        .some(
          (segment, i) =>
            segment === c.name &&
            clusters.some(
              o =>
                o !== c &&
                tree.read(
                  [
                    ...segments.slice(0, i),
                    o.name,
                    ...segments.slice(i + 1),
                  ].join('/'),
                ) !== undefined,
            ),
        );
    });
  const byBootstrap = new Set<ClusterModel>();
  // not where Cilium's own objects say more (rendered manifests, Cilium
  // installed another way): only a cluster that applies none of them
  for (const c of without.filter(
    w => !w.membershipUnknown && !renderedCiliumConfig(w.render),
  )) {
    const own = ownOf(c);
    if (!own) continue;
    byBootstrap.add(c);
    Object.assign(c, {
      membership: {
        member: false,
        reason: `no HelmRelease ${conventions.cilium.helmRelease.name} is applied to it, but its bootstrap helmfile ${own} installs the cilium chart, with values not read here: point cilium.valuesFile at them, or say it in the conventions (mesh.include or mesh.exclude)`,
        location: { file: own, line: 1 },
      },
      membershipUnknown: true,
    });
  }
  const applied = new Set(
    clusters.flatMap(c => c.render.objects.map(o => o.object.source.file)),
  );
  for (const doc of scanDocuments(tree, cache, ['HelmRelease'])) {
    const v = doc.value;
    if (
      v.kind !== 'HelmRelease' ||
      !String(v.apiVersion).startsWith('helm.toolkit.fluxcd.io/') ||
      getPath(v, ['spec', 'chart', 'spec', 'chart']) !== 'cilium' ||
      applied.has(doc.file) ||
      inRecordFolder(doc.file)
    )
      continue;
    const release = `; the repository defines HelmRelease ${String(
      getPath(v, ['metadata', 'name']),
    )} of the cilium chart (${formatLocation(doc.at())})`;
    // where parts of what the cluster applies are not evaluated (a source
    // not known: kube-on-the-cheap's), the release may well be among them
    const note = (c: ClusterModel) =>
      unevaluatedParts(
        c.render,
        c.name,
        conventions.cilium.helmRelease.namespace,
      )
        ? `${release}, which nothing evaluated here applies: it may be among the parts not evaluated`
        : `${release}, which no kustomization a cluster builds lists: listing it where the cluster's Flux builds may be what is missing`;
    for (const c of without.filter(w => !byBootstrap.has(w)))
      Object.assign(c, {
        membership: {
          ...c.membership,
          reason: c.membership.reason + note(c),
        },
      });
    return;
  }
}

/**
 * Whether a cluster takes part in ClusterMesh: the conventions say so
 * (`mesh.include`, `mesh.exclude`), or its Cilium values enable it. Not
 * known when the values read do not, and some were not read.
 */
function membershipOf(
  name: string,
  cilium: CiliumValuesModel | undefined,
  conventions: MeshConventions,
  render: ClusterRender,
  /** Set when the cluster's Flux reconciles another branch than the one read. */
  elsewhere?: ClusterModel['otherBranch'],
): { membership: MeshMembership; membershipUnknown: boolean } {
  const known = (membership: MeshMembership) => ({
    membership,
    membershipUnknown: false,
  });
  if (conventions.mesh.exclude.includes(name))
    return known({
      member: false,
      reason: 'excluded by the conventions (mesh.exclude)',
    });
  // what another branch holds is not known here, its Cilium values with it
  if (elsewhere)
    return {
      membership: {
        member: false,
        reason: elsewhere.reason,
        location: elsewhere.location,
      },
      membershipUnknown: true,
    };
  if (conventions.mesh.include.includes(name))
    return known({
      member: true,
      reason: 'included by the conventions (mesh.include)',
    });
  // Cilium's own manifests, rendered (`helm template`): installed from
  // them, with values not read here, whatever else is not evaluated
  const rendered =
    cilium || conventions.cilium.valuesFile
      ? undefined
      : renderedCiliumConfig(render);
  // the whole chart rendered (its agent DaemonSet with it) without a
  // clustermesh-apiserver: ClusterMesh is off there (panicboat's hydrated
  // manifests), whatever values they came from
  const renderedObjects = rendered
    ? render.objects.filter(
        ({ object: o }) => o.namespace === rendered.namespace,
      )
    : [];
  if (
    rendered &&
    renderedObjects.some(
      ({ object: o }) => o.kind === 'DaemonSet' && o.name === 'cilium',
    ) &&
    !renderedObjects.some(
      ({ object: o }) =>
        o.kind === 'Deployment' && o.name === 'clustermesh-apiserver',
    )
  )
    return known({
      member: false,
      reason: `no HelmRelease ${
        conventions.cilium.helmRelease.name
      } is applied to it, and the Cilium manifests it applies as \`helm template\` renders them (${describeObject(
        rendered,
      )}, the agent's DaemonSet) have no clustermesh-apiserver: ClusterMesh is off there`,
      location: locate(rendered),
    });
  if (rendered)
    return {
      membership: {
        member: false,
        reason: `no HelmRelease ${
          conventions.cilium.helmRelease.name
        } is applied to it, but it applies Cilium's own manifests as \`helm template\` renders them (${describeObject(
          rendered,
        )}, the agent's configuration): their values are not read here; point cilium.valuesFile at the values they are rendered from, or say it in the conventions (mesh.include or mesh.exclude)`,
        location: locate(rendered),
      },
      membershipUnknown: true,
    };
  // what a build not read applies is not known: it may be Cilium
  const unevaluated = unevaluatedParts(
    render,
    'the cluster',
    conventions.cilium.helmRelease.namespace,
  );
  if (!cilium && unevaluated && !conventions.cilium.valuesFile)
    return {
      membership: {
        member: false,
        reason: `no HelmRelease ${
          conventions.cilium.helmRelease.name
        } is among the objects evaluated, but ${unevaluated.said}${
          unevaluated.example ? ` (${unevaluated.example})` : ''
        }; say it in the conventions (mesh.include or mesh.exclude)`,
        location: unevaluated.first.location,
      },
      membershipUnknown: true,
    };
  // Cilium's own kinds applied, but no Cilium install here: it is installed
  // another way (Ansible, Talos, a bootstrap), whose values are not read
  const ciliumObject = cilium ? undefined : ciliumObjectApplied(render);
  if (ciliumObject && !conventions.cilium.valuesFile)
    return {
      membership: {
        member: false,
        reason: `no HelmRelease ${
          conventions.cilium.helmRelease.name
        } is applied to it, but it applies Cilium's ${describeObject(
          ciliumObject,
        )}: Cilium is installed another way, whose values are not read here; point cilium.valuesFile at them, or say it in the conventions (mesh.include or mesh.exclude)`,
        location: locate(ciliumObject),
      },
      membershipUnknown: true,
    };
  // its root Kustomization fails: nothing of the cluster is applied, and
  // nothing of it is known here, Cilium included
  const root = render.kustomizations.find(k => k.parent === undefined);
  if (!cilium && root?.failed && !conventions.cilium.valuesFile)
    return {
      membership: {
        member: false,
        reason: `${
          root.object
            ? `its root Kustomization ${root.key}`
            : // the bootstrap's, made outside the repository: its folder said
              `its entry point ${
                root.path || '.'
              } (which the bootstrap's Kustomization ${root.key} reconciles)`
        } fails (the error below): Flux applies nothing of the cluster, and what it would apply is not evaluated here, Cilium's values with it; fix it, or say it in the conventions (mesh.include or mesh.exclude)`,
        ...(root.object && { location: locate(root.object) }),
      },
      membershipUnknown: true,
    };
  const otherCni = cilium ? undefined : otherCniApplied(render);
  if (otherCni && !conventions.cilium.valuesFile)
    return known({
      member: false,
      reason: otherCniNote(render, false)!,
      location: locate(otherCni.object),
    });
  if (!cilium) {
    return known({
      member: false,
      reason: conventions.cilium.valuesFile
        ? `its Cilium values file ${clusterPath(
            conventions.cilium.valuesFile,
            name,
          )} cannot be read`
        : `no HelmRelease ${
            conventions.cilium.helmRelease.name
          } is applied to it (and no plain values file is configured in cilium.valuesFile)${failedBuildsNote(
            render,
            'Cilium',
          )}`,
    });
  }
  // a plain values file of no key the chart knows is not its values (an
  // Ansible group_vars file holding them under a variable of its own)
  if (
    cilium.kind === 'values-file' &&
    Object.keys(cilium.values).length > 0 &&
    !holdsCiliumChartValues(cilium.values)
  )
    return {
      membership: {
        member: false,
        reason: `its Cilium values file ${
          cilium.file
        } (conventions cilium.valuesFile) holds none of the Cilium chart's keys (it holds ${firstFew(
          Object.keys(cilium.values),
        )}): not read as Cilium values; ${
          // a helmfile (fobiat's bootstrap): its release's values are what counts
          Array.isArray(cilium.values.releases)
            ? "it is a helmfile, whose releases install charts: point cilium.valuesFile at the file of the chart's values its cilium release lists (values: [file]; values written inline in the helmfile are not read: move them to such a file)"
            : "point cilium.valuesFile at a file of the chart's values"
        }, or say it in the conventions (mesh.include or mesh.exclude)`,
        location: { file: cilium.file, line: 1 },
      },
      membershipUnknown: true,
    };
  // a switch Flux fills from a Secret not read here: `false` there (a
  // cluster kept out) parses as false once substituted, so not known
  let secretSwitch: { path: readonly string[]; names: string[] } | undefined;
  for (const path of [
    ciliumValuesPaths.useApiServer,
    ciliumValuesPaths.meshConfigEnabled,
  ]) {
    const value = getPath(cilium.values, path);
    // (a source of unknown keys that only may define it leaves the
    // default as likely as not: read as before, by what Flux inserts)
    const names =
      typeof value === 'string'
        ? [...value.matchAll(secretPlaceholderPattern)]
            .map(m => m[1])
            .filter(n => !cilium.appliedBy?.variables.get(n)?.unverified)
        : [];
    if (names.length) {
      secretSwitch ??= { path, names };
      continue;
    }
    if (chartEnables(value))
      return known({
        member: true,
        reason:
          value === true
            ? `${path.join('.')} is true in its Cilium values`
            : `${path.join('.')} is ${JSON.stringify(
                value,
              )} in its Cilium values, which the chart takes for true`,
        location: cilium.locate(path),
      });
  }
  if (secretSwitch)
    return {
      membership: {
        member: false,
        reason: `${secretSwitch.path.join('.')} is ${secretSwitch.names
          .map(n => `\${${n}}`)
          .join(
            ', ',
          )} in its Cilium values, from a Secret whose value is not read here: Flux substitutes it before the values are read, so \`false\` there keeps the cluster out; give its value (--value, the conventions' values), or say it in the conventions (mesh.include or mesh.exclude)`,
        location: cilium.locate(secretSwitch.path),
      },
      membershipUnknown: true,
    };
  const location = cilium.locate(ciliumValuesPaths.useApiServer);
  if (cilium.unread.length)
    return {
      membership: {
        member: false,
        reason: `the Cilium values read here do not enable ClusterMesh, but those from ${cilium.unread.join(
          ' and ',
        )} are not read; say it in the conventions (mesh.include or mesh.exclude)`,
        location,
      },
      membershipUnknown: true,
    };
  return known({
    member: false,
    reason:
      'its Cilium values do not enable ClusterMesh (clustermesh.useAPIServer and clustermesh.config.enabled are not true)',
    location,
  });
}

/** The Cilium chart a Sveltos ClusterProfile or Profile installs, if any. */
function sveltosCiliumChart(object: ManifestObject): string | undefined {
  if (
    (object.kind !== 'ClusterProfile' && object.kind !== 'Profile') ||
    !object.apiVersion.startsWith('config.projectsveltos.io/')
  )
    return undefined;
  const charts = getPath(object.body, ['spec', 'helmCharts']);
  for (const c of Array.isArray(charts) ? charts : [])
    if (
      isRecord(c) &&
      typeof c.chartName === 'string' &&
      /(^|\/)cilium$/.test(c.chartName)
    )
      return c.chartName;
  return undefined;
}

/**
 * A name for the cluster of an entry point, to suggest in the conventions'
 * entries: its folder, or the folder holding a Flux folder
 * (`kubernetes/utility/flux` is utility).
 */
function entryClusterName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const last = parts[parts.length - 1] ?? path;
  return parts.length > 1 && /^(flux|flux-system|cluster|bootstrap)$/.test(last)
    ? parts[parts.length - 2]
    : last;
}
