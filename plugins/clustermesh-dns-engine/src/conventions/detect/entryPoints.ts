import {
  clusterNameProblem,
  type SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../../core/paths';
import {
  kustomizationFileIn,
  kustomizationFileNames,
} from '../../flux/kustomize';
import { readTarget, TargetFiles } from '../../flux/kustomize/target';
import { clusterFolder } from '../templates';
import { instanceSyncOf } from '../../flux/fluxInstance';
import { fullGitRef, gitRefOf, sameRepository } from '../../flux/gitRef';
import { containsBytes, utf8 } from '../../tree/bytes';
import { isDnsSubdomain } from '../../k8s/labelSelector';
import { clampPath, isPathUnder, joinPath } from '../../tree/RepoTree';
import type { TreeIndex } from '../../tree/TreeIndex';
import type { YamlFiles } from '../../yaml/files';
import {
  inRecordFolder,
  isFluxKustomization,
  literal,
  ScannedDocument,
  VariableDefinition,
  where,
} from './scan';

/** Folders where repositories keep their clusters, when no entry point says. */
export const clusterFolderCandidates = [
  'kubernetes/clusters',
  'clusters',
  'k8s/clusters',
  'kubernetes/flux/clusters',
];

/** Needles of the files that may declare a Flux entry point or a child Kustomization. */
export const fluxNeedles = [
  'kustomize.toolkit.fluxcd.io',
  'fluxcd.controlplane.io',
  'flux-instance',
  // the flux-instance chart's values in a file of their own (`instance:`)
  '\ninstance:',
  // a source that may be this repository under another name
  'kind: GitRepository',
  // Flux's own manifests, whose tag is the Flux version
  'flux-manifests',
  // the fluxcd-community chart of Flux, whose version says Flux's
  'chart: flux2',
];

/** A folder Flux reconciles a cluster from, and what says so. */
export interface FluxEntry {
  path: string;
  reason: string;
  location: SourceLocation;
}

/** A Flux Kustomization's path, and where it is declared. */
export interface KustomizationPath {
  path: string;
  declaredIn: string;
  location: SourceLocation;
  /** Set when it applies what it builds to another cluster (spec.kubeConfig). */
  remote?: boolean;
  /**
   * Set when it builds an artifact, not a Git repository (its sourceRef an
   * OCIRepository, a Bucket: Flux's own `flux-manifests`), whose folders
   * are not this repository's.
   */
  artifact?: boolean;
  /** The GitRepository it builds, where named: one not among this repository's sources builds another's folders. */
  source?: string;
}

/**
 * A Flux Kustomization whose path picks a folder by one variable
 * (`./kubernetes/clusters/${ENVIRONMENT}/apps`): the folder before the
 * variable and the path after it.
 */
export interface VariablePath {
  name: string;
  variable: string;
  /** The folder before the variable (`kubernetes/clusters`). */
  parent: string;
  /** The path after the variable's segment (`apps`); empty when none. */
  rest: string;
  declaredIn: string;
  location: SourceLocation;
}

/**
 * A Flux Kustomization whose path picks a folder two levels down by two
 * variables (`./clusters/${ENVIRONMENT}/${CLUSTER}`): the folders under
 * `parent` are groups of clusters, a cluster in each folder of a group.
 */
export interface GroupedPath {
  name: string;
  /** The variables of the group's segment and the cluster's. */
  variables: [string, string];
  parent: string;
  rest: string;
  /** The path as written. */
  written: string;
  location: SourceLocation;
}

const groupedSegments =
  /^(.*?)\$\{([_A-Za-z][_A-Za-z0-9]*)\}\/\$\{([_A-Za-z][_A-Za-z0-9]*)\}(.*)$/;

/** `a/${G}/${C}/b` → the parts around two segments that are variables. */
function groupedSegmentsOf(raw: string) {
  const match = groupedSegments.exec(raw);
  if (!match || /\$\{|\{\{/.test(match[1] + match[4])) return undefined;
  const [, before, group, cluster, after] = match;
  if (!(before === '' || before.endsWith('/'))) return undefined;
  if (!(after === '' || after.startsWith('/'))) return undefined;
  return {
    variables: [group, cluster] as [string, string],
    parent: clampPath(before || '.'),
    rest: clampPath(after.slice(1) || '.'),
  };
}

/** `a/${V}/b` → the parts around the one segment that is a variable. */
function variableSegmentOf(raw: string) {
  const match = /^(.*?)\$\{([_A-Za-z][_A-Za-z0-9]*)\}(.*)$/.exec(raw);
  if (!match || /\$\{|\{\{/.test(match[1] + match[3])) return undefined;
  const [, before, variable, after] = match;
  // the variable is a whole segment: `clusters/${ENV}/`, not `app-${ENV}`
  if (!(before === '' || before.endsWith('/'))) return undefined;
  if (!(after === '' || after.startsWith('/'))) return undefined;
  return {
    variable,
    parent: clampPath(before || '.'),
    rest: clampPath(after.slice(1) || '.'),
  };
}

/**
 * A Kustomization that cannot be applied as written: its name or its
 * source's is not a Kubernetes name (`FLUX_REPO_NAME`), a placeholder a
 * template's user replaces.
 */
const isTemplate = (v: Record<string, any>) =>
  [getPath(v, ['metadata', 'name']), getPath(v, ['spec', 'sourceRef', 'name'])]
    .map(literal)
    .some(name => name !== undefined && !isDnsSubdomain(name));

/** `namespace/name` of a document. */
const nameOf = (v: Record<string, any>) =>
  `${getPath(v, ['metadata', 'namespace']) ?? 'flux-system'}/${getPath(v, [
    'metadata',
    'name',
  ])}`;

/**
 * Whether the build of a folder, as kustomize-controller makes it, applies
 * a file: the folder's kustomization file lists it (through `resources`,
 * `components` or `bases`, folder by folder), or the folder has none and
 * Flux generates one of every manifest below it.
 */
export type BuildIncludes = (dir: string, file: string) => boolean;

/**
 * What a folder's kustomization file lists (`resources`, `bases`,
 * `components`), read as the kustomize engine reads it, each entry resolved
 * to a repository path; undefined when the folder has no kustomization file
 * (Flux generates one of every manifest below it) or kustomize cannot read
 * it (its build reports why).
 */
function listedIn(
  index: TreeIndex,
  files: TargetFiles,
  dir: string,
): { path: string; location: SourceLocation }[] | undefined {
  const file = kustomizationFileIn(index, dir);
  const target = file && readTarget(dir, file, files, []);
  if (!target) return undefined;
  return [...target.resources, ...target.components].flatMap(entry => {
    const path = joinPath(dir, entry.path);
    return path === undefined ? [] : [{ path, location: entry.location }];
  });
}

/** {@link BuildIncludes} read from the repository's kustomization files. */
export function buildIncludes(
  index: TreeIndex,
  files: YamlFiles,
): BuildIncludes {
  const targets = new TargetFiles(files);
  // each folder's list is read once: every file of a cluster asks its folder
  const lists = new Map<string, ReturnType<typeof listedIn>>();
  const listOf = (dir: string) => {
    if (!lists.has(dir)) lists.set(dir, listedIn(index, targets, dir));
    return lists.get(dir);
  };
  /** The paths a folder's listed subfolders list outside the folder, transitively (memoized). */
  const outside = new Map<string, string[]>();
  const outsideOf = (dir: string, depth: number): string[] => {
    const known = outside.get(dir);
    if (known) return known;
    outside.set(dir, []); // a cycle adds nothing
    const under = (path: string) => !dir || path.startsWith(`${dir}/`);
    const found = new Set<string>();
    for (const { path } of listOf(dir) ?? []) {
      if (!under(path) || !index.isDir(path) || depth >= 16) continue;
      for (const root of [
        ...(listOf(path) ?? [])
          .map(l => l.path)
          .filter(p => p !== path && !p.startsWith(`${path}/`)),
        ...outsideOf(path, depth + 1),
      ])
        if (!under(root)) found.add(root);
    }
    const roots = [...found];
    outside.set(dir, roots);
    return roots;
  };
  /** The folders below one without a kustomization that have their own: what Flux's generated one takes in (memoized). */
  const kustomized = new Map<string, string[]>();
  const kustomizedBelow = (dir: string): string[] => {
    let found = kustomized.get(dir);
    if (found) return found;
    found = [];
    const walk = (at: string, level: number) => {
      for (const d of index.list(at).dirs) {
        const sub = at ? `${at}/${d}` : d;
        if (kustomizationFileIn(index, sub)) found!.push(sub);
        else if (level < 4) walk(sub, level + 1);
      }
    };
    walk(dir, 0);
    kustomized.set(dir, found);
    return found;
  };
  const includes = (dir: string, file: string, depth: number): boolean => {
    const listed = listOf(dir);
    if (!listed) {
      // not readable: the entry is not second-guessed
      if (kustomizationFileIn(index, dir)) return true;
      // none: what is below it is built, and what a folder below with a
      // kustomization of its own lists from elsewhere (isvicy's
      // `flux-system` listing `../../../flux/config`)
      if (dir && !file.startsWith(`${dir}/`))
        return (
          depth < 16 &&
          kustomizedBelow(dir).some(sub => includes(sub, file, depth + 1))
        );
      // Flux generates one of every file below, but takes a folder
      // with a kustomization of its own only as that one builds it
      const below = dir ? file.slice(dir.length + 1) : file;
      let at = dir;
      for (const segment of below.split('/').slice(0, -1)) {
        at = at ? `${at}/${segment}` : segment;
        if (kustomizationFileIn(index, at))
          return depth < 16 && includes(at, file, depth + 1);
      }
      return true;
    }
    return (
      listed.some(
        ({ path }) =>
          path === file ||
          (depth < 16 &&
            file.startsWith(`${path}/`) &&
            index.isDir(path) &&
            includes(path, file, depth + 1)),
      ) ||
      // a listed folder whose kustomization reaches outside it (alexrf45's
      // `./external-dns` listing `../../base/external-dns`)
      (depth < 16 &&
        outsideOf(dir, 0).some(
          root =>
            root === file ||
            (file.startsWith(`${root}/`) &&
              index.isDir(root) &&
              includes(root, file, depth + 1)),
        ))
    );
  };
  return (dir, file) => includes(dir, file, 0);
}

/**
 * The folders under the clusters folder that a cluster folder's
 * kustomization lists as a kustomize base (`resources: [../base]`), as if a
 * Kustomization of that cluster applied them: a base is part of the clusters
 * that use it, not a cluster.
 */
export function kustomizeBaseReferences(
  index: TreeIndex,
  files: YamlFiles,
  clustersPath: string,
  folders: readonly string[],
): KustomizationPath[] {
  const targets = new TargetFiles(files);
  return folders.flatMap(folder => {
    const dir = clusterFolder(clustersPath, folder);
    return (listedIn(index, targets, dir) ?? [])
      .filter(
        ({ path }) =>
          (!clustersPath || path.startsWith(`${clustersPath}/`)) &&
          path !== dir &&
          !path.startsWith(`${dir}/`),
      )
      .map(({ path, location }) => ({
        path,
        declaredIn: location.file,
        location,
      }));
  });
}

/**
 * Whether a folder's build applies a file through the Flux Kustomizations
 * it applies, with paths inside the folder (a few levels): the path of the
 * last of them, undefined where none does.
 */
function appliedThroughChain(
  folder: string,
  file: string,
  kustomizations: readonly KustomizationPath[],
  appliedBy: BuildIncludes,
): string | undefined {
  const inFolder = kustomizations.filter(
    k => k.path !== folder && isPathUnder(k.path, folder),
  );
  let frontier = [folder];
  const seen = new Set(frontier);
  for (let depth = 0; depth < 4 && frontier.length; depth++) {
    const next: string[] = [];
    for (const at of frontier)
      for (const k of inFolder)
        if (!seen.has(k.path) && appliedBy(at, k.declaredIn)) {
          if (appliedBy(k.path, file)) return k.path;
          seen.add(k.path);
          next.push(k.path);
        }
    frontier = next;
  }
  return undefined;
}

/**
 * The Flux entry points declared in the repository: a Kustomization that
 * reconciles the folder it sits in and is applied by that folder's build
 * (the `flux-system` sync of a bootstrap manages itself; a `ks.yaml` next to
 * the app it reconciles, applied by a parent, does not), a FluxInstance's
 * `sync.path`, or the flux-operator chart's `instance.sync.path`. Paths with
 * variables or templates are skipped.
 */
export function readFluxEntries(
  documents: Iterable<ScannedDocument>,
  appliedBy: BuildIncludes,
  /** The repository's folders: a path to none is a template's (`./clusters/PLACEHOLDER`), patched where used. */
  folders: Pick<TreeIndex, 'isDir' | 'list'>,
  /** The literal values the repository gives a variable (a sync path that is one variable takes them). */
  variableValues: (name: string) => readonly VariableDefinition[] = () => [],
): {
  entries: FluxEntry[];
  kustomizations: KustomizationPath[];
  /** The GitRepository each entry Kustomization builds from: this repository, whatever its name. */
  ownSources: OwnSource[];
  /** Every GitRepository declared: its URL and ref (branch, tag, ...). */
  gitRepositories: GitRepositoryRef[];
  /** The Kustomizations whose paths pick a folder by a variable. */
  variablePaths: VariablePath[];
  /** The Kustomizations whose paths pick a group's folder, then a cluster's, by two variables. */
  groupedPaths: GroupedPath[];
  /**
   * The folders a FluxInstance syncs from a GitRepository the operator
   * makes (named for its namespace): no file here declares it, and it
   * leaves nothing out (the sync has no `ignore`).
   */
  instanceSyncs: { path: string; location: SourceLocation }[];
  /** The repository and ref each FluxInstance syncs (`url ref`, as sameRepository and fullGitRef say them): this repository. */
  syncedRepositories: { repository: string; location: SourceLocation }[];
} {
  const entries = new Map<string, FluxEntry>();
  const kustomizations: KustomizationPath[] = [];
  const ownSources: OwnSource[] = [];
  const gitRepositories: GitRepositoryRef[] = [];
  const variablePaths: VariablePath[] = [];
  const groupedPaths: GroupedPath[] = [];
  const instanceSyncs: { path: string; location: SourceLocation }[] = [];
  const syncedRepositories: {
    repository: string;
    location: SourceLocation;
  }[] = [];
  const docs = [...documents];
  // the namespace a Flux Kustomization gives what it builds: an operator's
  // HelmRelease written without one lands there
  const targetNamespaces = docs.flatMap(({ value: v }) => {
    const path = isFluxKustomization(v)
      ? literal(getPath(v, ['spec', 'path']))
      : undefined;
    const target = literal(getPath(v, ['spec', 'targetNamespace']));
    return path !== undefined && target
      ? [{ path: clampPath(path), target }]
      : [];
  });
  const givenNamespaceOf = (file: string) =>
    targetNamespaces
      .filter(k => k.path !== '' && isPathUnder(file, k.path))
      .sort((a, b) => b.path.length - a.path.length)[0]?.target;
  /** The entries a Kustomization reconciling its own folder gives, and those a FluxInstance syncs. */
  const selfReconciled = new Set<string>();
  /** Kustomizations reconciling a folder that holds them, not applied by its build directly. */
  const throughChain: {
    path: string;
    file: string;
    name: string;
    location: SourceLocation;
  }[] = [];
  /** The source each Kustomization reconciling the folder that holds it builds from. */
  const selfReconciledFrom: { path: string; source: string }[] = [];
  /** The URLs a flux-operator sync gives this repository (`spec.sync.url`). */
  const syncUrls: string[] = [];
  const synced = new Set<string>();
  const add = (path: string, reason: string, location: SourceLocation) => {
    if (!path || !folders.isDir(path)) return;
    const found = entries.get(path);
    // a copy kept in an `archive/` gives way to the one in use (operinko)
    if (
      !found ||
      (inRecordFolder(found.location.file) && !inRecordFolder(location.file))
    )
      entries.set(path, { path, reason, location });
  };
  const addSynced = (
    path: string,
    reason: string,
    location: SourceLocation,
    /** The sync's `kind` (GitRepository when not given). */
    kind: unknown,
  ) => {
    synced.add(path);
    add(path, reason, location);
    if (kind === undefined || kind === 'GitRepository')
      instanceSyncs.push({ path, location });
  };
  /**
   * A sync path as written: literal, or picking a folder by one variable
   * (`kubernetes/clusters/${CLUSTER_NAME}/flux`), which each cluster's
   * instance sets to its folder: every folder where the path exists.
   */
  const addSyncPath = (
    written: unknown,
    /** Who syncs what, and where: `FluxInstance flux syncs it (…)`. */
    syncs: (what: string) => string,
    location: SourceLocation,
    kind: unknown,
    /** `sync.name`: the GitRepository the operator makes (this repository). */
    sourceName?: unknown,
    /** What the operator names it without `sync.name`: the instance's namespace. */
    defaultSourceName?: string,
  ) => {
    // the operator names the source after the instance's namespace
    // unless `sync.name` says otherwise: this repository, whatever path
    // it syncs (one per cluster where a variable picks the folder)
    const name = literal(sourceName) ?? defaultSourceName;
    const syncFrom = (path: string, reason: string) => {
      addSynced(path, reason, location, kind);
      if (name && (kind ?? 'GitRepository') === 'GitRepository')
        ownSources.push({
          name,
          path,
          reason: `${reason} from GitRepository ${name}, which it makes`,
          location,
        });
    };
    const raw = literal(written);
    if (raw) {
      syncFrom(clampPath(raw), syncs('it'));
      return;
    }
    const parts =
      typeof written === 'string' ? variableSegmentOf(written) : undefined;
    if (!parts) return;
    // the whole path is one variable (`${CLUSTER_SYNC_PATH}`): it holds a
    // path, not a folder's name; the values the repository gives it
    if (!parts.parent && !parts.rest) {
      for (const { value, location: at } of variableValues(parts.variable)) {
        const path = clampPath(value);
        syncFrom(
          path,
          syncs(
            `${written}, ${path} with ${parts.variable} = ${value} (${where(
              at,
            )})`,
          ),
        );
      }
      return;
    }
    for (const dir of folders.list(parts.parent).dirs) {
      const folder = parts.parent ? `${parts.parent}/${dir}` : dir;
      const path = parts.rest ? `${folder}/${parts.rest}` : folder;
      syncFrom(
        path,
        syncs(`${written}, ${path} with ${parts.variable} = ${dir}`),
      );
    }
  };
  for (const doc of docs) {
    const v = doc.value;
    if (isFluxKustomization(v) && !isTemplate(v)) {
      const raw = literal(getPath(v, ['spec', 'path']));
      if (raw === undefined) {
        const written = getPath(v, ['spec', 'path']);
        const parts =
          typeof written === 'string' ? variableSegmentOf(written) : undefined;
        if (parts)
          variablePaths.push({
            name: nameOf(v),
            ...parts,
            declaredIn: doc.file,
            location: doc.at(['spec', 'path']),
          });
        const grouped =
          typeof written === 'string' && !parts
            ? groupedSegmentsOf(written)
            : undefined;
        if (grouped)
          groupedPaths.push({
            name: nameOf(v),
            ...grouped,
            written: written as string,
            location: doc.at(['spec', 'path']),
          });
        continue;
      }
      const path = clampPath(raw);
      const location = doc.at(['spec', 'path']);
      const sourceKind = getPath(v, ['spec', 'sourceRef', 'kind']);
      const sourceName = literal(getPath(v, ['spec', 'sourceRef', 'name']));
      kustomizations.push({
        path,
        declaredIn: doc.file,
        location,
        ...(isRecord(getPath(v, ['spec', 'kubeConfig'])) && { remote: true }),
        ...(typeof sourceKind === 'string' &&
          sourceKind !== 'GitRepository' && { artifact: true }),
        ...((sourceKind ?? 'GitRepository') === 'GitRepository' &&
          sourceName !== undefined && { source: sourceName }),
      });
      if (path && doc.file.startsWith(`${path}/`)) {
        const source = literal(getPath(v, ['spec', 'sourceRef', 'name']));
        // every one of a folder (two projects' `./kubernetes`, LukeEvansTech)
        if (source) selfReconciledFrom.push({ path, source });
        if (appliedBy(path, doc.file)) {
          selfReconciled.add(path);
          add(
            path,
            `Kustomization ${nameOf(v)} at ${where(
              location,
            )} reconciles ${path}, which holds it`,
            location,
          );
        } else
          throughChain.push({
            path,
            file: doc.file,
            name: nameOf(v),
            location,
          });
        // the folder it is in comes from its source: this repository
        const name = literal(getPath(v, ['spec', 'sourceRef', 'name']));
        const kind =
          getPath(v, ['spec', 'sourceRef', 'kind']) ?? 'GitRepository';
        if (name && kind === 'GitRepository')
          ownSources.push({
            name,
            path,
            reason: `Kustomization ${nameOf(
              v,
            )} reconciles ${path}, which holds it, from GitRepository ${name} (${where(
              doc.at(['spec', 'sourceRef', 'name']),
            )})`,
            location: doc.at(['spec', 'sourceRef', 'name']),
          });
      }
    } else if (
      v.kind === 'GitRepository' &&
      String(v.apiVersion).startsWith('source.toolkit.fluxcd.io/')
    ) {
      const name = literal(getPath(v, ['metadata', 'name']));
      const url = literal(getPath(v, ['spec', 'url']));
      if (name && url)
        gitRepositories.push({
          name,
          url,
          ref: gitRefOf(getPath(v, ['spec', 'ref'])).text,
          location: doc.at(['spec', 'url']),
          ignore: ignoreOf(v, doc),
        });
    } else {
      const sync = instanceSyncOf(v, doc.file, givenNamespaceOf(doc.file));
      if (sync) {
        const url = literal(getPath(v, [...sync.at, 'url']));
        const ref = literal(getPath(v, [...sync.at, 'ref']));
        if (url) syncUrls.push(sameRepository(url));
        if (
          url &&
          ref &&
          (getPath(v, [...sync.at, 'kind']) ?? 'GitRepository') ===
            'GitRepository'
        )
          syncedRepositories.push({
            repository: `${sameRepository(url)} ${fullGitRef(ref)}`,
            location: doc.at([...sync.at, 'url']),
          });
        const location = doc.at([...sync.at, 'path']);
        addSyncPath(
          getPath(v, [...sync.at, 'path']),
          what => sync.describe(what, where(location)),
          location,
          getPath(v, [...sync.at, 'kind']),
          getPath(v, [...sync.at, 'name']),
          // flux-system is among the source names already
          sync.namespace === 'flux-system' ? undefined : sync.namespace,
        );
      }
    }
  }
  // one the folder's build applies through Kustomizations of the folder
  // (lunapageofspace: `apps` applies flux-system/instance/ks.yaml, whose
  // `roots` Kustomization applies the one reconciling `apps`)
  /** Files of Kustomizations applied by hand: no build of the repository applies them. */
  const byHand = new Set<string>();
  for (const c of throughChain) {
    if (entries.has(c.path)) continue;
    const via = appliedThroughChain(c.path, c.file, kustomizations, appliedBy);
    if (!via) {
      // applied by hand (`kubectl apply` once: AlinaNova21's
      // kubernetes/ks.yaml, which its folder's kustomization.yaml leaves
      // out), where nothing else applies it and it reconciles app folders
      // that reconcile themselves (taken for entry points otherwise): the
      // root of them
      if (
        c.path !== '' &&
        [...selfReconciled].some(p => p !== c.path && isPathUnder(p, c.path)) &&
        !kustomizations.some(
          k =>
            k.declaredIn !== c.file &&
            k.path !== '' &&
            appliedBy(k.path, c.file),
        ) &&
        // nor is its folder reconciled from elsewhere: then it is a file
        // left over (xrs444's infrastructure/configs/kustomization-configs.yaml
        // beside cluster/infrastructure.yaml's infra-configs)
        !kustomizations.some(k => k.declaredIn !== c.file && k.path === c.path)
      ) {
        byHand.add(c.file);
        selfReconciled.add(c.path);
        add(
          c.path,
          `Kustomization ${c.name} at ${where(c.location)} reconciles ${
            c.path
          }, which holds it, applied by hand (no build of the repository applies it)`,
          c.location,
        );
      }
      continue;
    }
    selfReconciled.add(c.path);
    add(
      c.path,
      `Kustomization ${c.name} at ${where(c.location)} reconciles ${
        c.path
      }, which holds it and applies it through the Kustomization reconciling ${via}`,
      c.location,
    );
  }
  // an app's ks.yaml reconciling its own folder (Flux generates its
  // kustomization) is no entry point when another Kustomization, declared
  // outside the folders it reconciles, reconciles a folder around it: it is
  // part of what that one applies
  const inside = (path: string, dir: string) =>
    path !== dir && isPathUnder(path, dir);
  // a folder that only a GitRepository of another URL than the one a
  // flux-operator sync gives this repository reconciles (a project's
  // manifests at the same path, `./kubernetes`): that repository's
  const urlsByName = new Map<string, string[]>();
  if (syncUrls.length)
    for (const r of gitRepositories)
      urlsByName.set(r.name, [
        ...(urlsByName.get(r.name) ?? []),
        sameRepository(r.url),
      ]);
  /** `source\0path` of the folders that are another repository's. */
  const foreign = new Set<string>();
  const isForeign = (path: string, source: string) => {
    const urls = urlsByName.get(source) ?? [];
    return (
      urls.length > 0 &&
      !urls.some(u => syncUrls.includes(u)) &&
      !synced.has(path)
    );
  };
  for (const { path, source } of syncUrls.length ? selfReconciledFrom : [])
    if (isForeign(path, source)) foreign.add(`${source}\0${path}`);
  // a folder only other repositories reconcile is no entry point here
  for (const { path } of selfReconciledFrom)
    if (
      selfReconciledFrom.every(
        r => r.path !== path || foreign.has(`${r.source}\0${path}`),
      )
    ) {
      entries.delete(path);
      selfReconciled.delete(path);
    }
  for (const path of selfReconciled)
    if (
      !synced.has(path) &&
      kustomizations.some(
        k =>
          k.path !== '' &&
          inside(path, k.path) &&
          (!inside(k.declaredIn, k.path) || byHand.has(k.declaredIn)) &&
          !inside(k.declaredIn, path),
      )
    )
      entries.delete(path);
  return {
    entries: [...entries.values()],
    kustomizations,
    ownSources: foreign.size
      ? ownSources.filter(o => !foreign.has(`${o.name}\0${o.path}`))
      : ownSources,
    gitRepositories,
    variablePaths,
    groupedPaths,
    instanceSyncs,
    syncedRepositories,
  };
}

/** A GitRepository's `spec.ignore`, and where. */
function ignoreOf(
  v: Record<string, any>,
  doc: ScannedDocument,
): { text: string; location: SourceLocation } | undefined {
  const text = getPath(v, ['spec', 'ignore']);
  return typeof text === 'string'
    ? { text, location: doc.at(['spec', 'ignore']) }
    : undefined;
}

/** A GitRepository as declared. */
export interface GitRepositoryRef {
  name: string;
  url: string;
  /** Its `spec.ref` as a person says it (`branch main`): the same URL at another branch is another tree. */
  ref: string;
  location: SourceLocation;
  /** Its `spec.ignore` (gitignore patterns), and where. */
  ignore?: { text: string; location: SourceLocation };
}

/** A source that is this repository, and what says so. */
export interface OwnSource {
  name: string;
  /** The folder an entry point reconciles from it ('' when found by URL). */
  path: string;
  reason: string;
  location: SourceLocation;
}

/**
 * The names of the GitRepositories that are this repository: those the
 * entry points reconcile their own folder from, and any other declared
 * with the same URL and ref as one of those (or as one already taken for
 * it).
 */
export function ownSourceNames(
  found: ReturnType<typeof readFluxEntries>,
  known: readonly string[],
): OwnSource[] {
  const own = new Map<string, OwnSource>();
  // a mesh declares a GitRepository per cluster, mostly the same one
  const byUrl = new Map<string, string>();
  const repositoryOf = new Map(
    found.gitRepositories.map(r => {
      let url = byUrl.get(r.url);
      if (url === undefined) byUrl.set(r.url, (url = sameRepository(r.url)));
      return [r, url];
    }),
  );
  const keys = new Map(
    found.gitRepositories.map(r => [r, `${repositoryOf.get(r)} ${r.ref}`]),
  );
  const repositoriesNamed = (name: string) =>
    found.gitRepositories
      .filter(r => r.name === name)
      .map(r => repositoryOf.get(r)!);
  // where the known sources declare their URL, a source of another URL
  // is another repository that holds a folder of the same path
  const knownRepositories = new Set(known.flatMap(repositoriesNamed));
  const elsewhere = (name: string) => {
    const urls = repositoriesNamed(name);
    return (
      knownRepositories.size > 0 &&
      urls.length > 0 &&
      !urls.some(u => knownRepositories.has(u))
    );
  };
  // a folder also reconciled from a known source is mirrored, not renamed
  const fromKnown = new Set(
    found.ownSources.filter(s => known.includes(s.name)).map(s => s.path),
  );
  // one folder reconciled from sources of different URLs (a public and a
  // private repository): only one can be this repository; the URL with the
  // most such folders is taken (then the first found), the others hold a
  // folder of the same path elsewhere
  const candidates = found.ownSources
    .filter(s => !known.includes(s.name))
    .map(s => ({ s, url: repositoriesNamed(s.name)[0] }))
    .filter(c => c.url !== undefined);
  const folders = new Map<string, Set<string>>();
  for (const { s, url } of candidates)
    folders.set(url, (folders.get(url) ?? new Set()).add(s.path));
  const firstUrl = new Map<string, string>();
  for (const { s, url } of candidates) {
    const held = firstUrl.get(s.path);
    if (held === undefined || folders.get(url)!.size > folders.get(held)!.size)
      firstUrl.set(s.path, url);
  }
  const otherUrl = (s: OwnSource) => {
    const first = firstUrl.get(s.path);
    const urls = repositoriesNamed(s.name);
    return first !== undefined && urls.length > 0 && !urls.includes(first);
  };
  for (const s of found.ownSources)
    if (
      !known.includes(s.name) &&
      !own.has(s.name) &&
      !fromKnown.has(s.path) &&
      !elsewhere(s.name) &&
      !otherUrl(s)
    ) {
      const others = found.ownSources.filter(
        o => o.path === s.path && otherUrl(o),
      );
      own.set(
        s.name,
        others.length
          ? {
              ...s,
              reason: `${s.reason}; ${others
                .map(o => `GitRepository ${o.name}`)
                .join(', ')} reconcile${
                others.length > 1 ? '' : 's'
              } it too from another URL: another repository, whose objects are not evaluated (name it in flux.sourceNames if it is this one)`,
            }
          : s,
      );
    }
  const names = new Set([...known, ...own.keys()]);
  // a FluxInstance's sync is this repository too (stuttgart-things' second
  // GitRepository of the sync's URL and branch): said by where it is
  const urls = new Map<string, string>([
    // the first said (a later entry of a Map wins)
    ...[...found.syncedRepositories]
      .reverse()
      .map(
        s =>
          [s.repository, `the FluxInstance's sync at ${where(s.location)}`] as [
            string,
            string,
          ],
      ),
    ...found.gitRepositories
      .filter(r => names.has(r.name))
      .map(r => [keys.get(r)!, r.name] as [string, string]),
  ]);
  for (const r of found.gitRepositories) {
    const same = urls.get(keys.get(r)!);
    if (same === undefined || names.has(r.name)) continue;
    names.add(r.name);
    own.set(r.name, {
      name: r.name,
      path: '',
      reason: `GitRepository ${
        r.name
      } fetches the same repository and ref as ${same} (${where(r.location)})`,
      location: r.location,
    });
  }
  return [...own.values()];
}

/** The entries not inside another entry's folder (a cluster's children are not clusters). */
export function outermostEntries(entries: readonly FluxEntry[]): FluxEntry[] {
  // by each entry's parent folders: a mesh has an entry per cluster
  const paths = new Set(entries.map(e => e.path));
  return entries.filter(e => {
    for (let end = e.path.lastIndexOf('/'); end > 0; ) {
      if (paths.has(e.path.slice(0, end))) return false;
      end = e.path.lastIndexOf('/', end - 1);
    }
    return true;
  });
}

/** Folder names that say what a folder is for, not which cluster it is. */
const genericNames = new Set([
  'flux',
  'flux-system',
  // the flux-operator's sync target (FluxInstance spec.sync)
  'sync',
  'config',
  'cluster',
  'clusters',
  'bootstrap',
  'base',
  'kubernetes',
  'k8s',
  'kube',
  'fluxcd',
]);

/** A generic name, or one of Flux's own folders (`flux-config`, `flux-sync`). */
const isGenericName = (name: string) =>
  genericNames.has(name) || /^flux[-_]/.test(name);

/**
 * Whether a folder beside the clusters, with no Flux entry point of its
 * own, is by its name a layer they share (`bootstrap`, `base`, `shared`),
 * not a cluster.
 */
export function isSharedFolderName(name: string): boolean {
  return (
    isGenericName(name) ||
    ['shared', 'common', 'components', 'templates', 'defaults'].includes(name)
  );
}

/**
 * The name a repository's single cluster is checked under: the last folder
 * of its entry point's path that is not a generic one (`home` of
 * `home/flux`), else `cluster`.
 */
export function singleClusterName(path: string): string {
  const named = path
    .split('/')
    .reverse()
    .find(segment => !isGenericName(segment) && !clusterNameProblem(segment));
  return named ?? 'cluster';
}

/** Generic names a single cluster's own folder has (`cluster/flux`), which a copy beside it shows to be a cluster. */
const clusterFolderNames = ['cluster', 'kubernetes', 'k8s', 'kube'];

/** The clusters folder, the entry sub-folder and the clusters, as the entries show them. */
export interface EntryLayout {
  clustersPath: string;
  /** The entry folder under a cluster's folder ('' for the folder itself). */
  entryPath: string;
  /** Cluster name → its entry. */
  clusters: Map<string, FluxEntry>;
}

/**
 * The layout the entry points share: `<clustersPath>/<cluster>/<entryPath>`
 * for as many entries as possible (a single entry: the last folder name that
 * is not a generic one such as `flux` or `config`).
 */
export function entryLayout(
  entries: readonly FluxEntry[],
  clustersPath?: string,
): EntryLayout | undefined {
  const candidates = new Map<string, EntryLayout>();
  for (const entry of outermostEntries(entries)) {
    const segments = entry.path.split('/');
    for (let k = 0; k < segments.length; k++) {
      const prefix = segments.slice(0, k).join('/');
      if (clustersPath !== undefined && prefix !== clustersPath) continue;
      const suffix = segments.slice(k + 1).join('/');
      if (isGenericName(segments[k])) continue;
      const key = `${prefix}|${suffix}`;
      let layout = candidates.get(key);
      if (!layout) {
        layout = {
          clustersPath: prefix,
          entryPath: suffix,
          clusters: new Map(),
        };
        candidates.set(key, layout);
      }
      layout.clusters.set(segments[k], entry);
    }
  }
  // the most clusters; then the shortest entry sub-folder
  const depth = (path: string) => path.split('/').filter(Boolean).length;
  const best = [...candidates.values()].sort(
    (a, b) =>
      b.clusters.size - a.clusters.size ||
      depth(a.entryPath) - depth(b.entryPath) ||
      depth(a.clustersPath) - depth(b.clustersPath),
  )[0];
  // a first cluster's folder of a generic name beside the others, in the
  // same place (xorcat's `cluster/flux` beside a copied `cluster-b/flux`)
  if (best)
    for (const entry of outermostEntries(entries))
      for (const name of clusterFolderNames)
        if (
          !best.clusters.has(name) &&
          entry.path ===
            [best.clustersPath, name, best.entryPath].filter(Boolean).join('/')
        )
          best.clusters.set(name, entry);
  return best;
}

/** The API groups of what reconciles a folder: a Flux Kustomization, a FluxInstance. */
const reconcilerGroups = [
  'kustomize.toolkit.fluxcd.io',
  'fluxcd.controlplane.io',
].map(utf8);

const decoder = new TextDecoder();

/** `kind: Component` on a line of its own: a kustomize Component is used by others, never built alone. */
const componentKind = /^kind:\s*["']?Component["']?\s*$/m;

/**
 * Whether a folder can be a Flux entry point: it holds a kustomization
 * file (not a Component's), or YAML with a Flux Kustomization or
 * FluxInstance. A folder with only a README is not; neither is a folder of
 * kustomize Components (a `components/flux/alerts` of Flux Alerts).
 */
export function holdsFluxEntry(index: TreeIndex, dir: string): boolean {
  return holdsFlux(index, dir, true);
}

/**
 * Whether a folder (or one below it, two levels deep) holds YAML with a
 * Flux Kustomization or FluxInstance: what reconciles a cluster, as
 * `flux bootstrap`, the Flux Operator or a hand-applied `ks.yaml` leave it.
 */
export function holdsFluxReconciler(index: TreeIndex, dir: string): boolean {
  return holdsFlux(index, dir, false);
}

/** The walk of both: two levels deep, kustomization files counted or not. */
function holdsFlux(
  index: TreeIndex,
  dir: string,
  kustomizationFiles: boolean,
  depth = 0,
): boolean {
  const { files, dirs } = index.list(dir);
  if (kustomizationFiles)
    for (const f of files) {
      if (!(kustomizationFileNames as readonly string[]).includes(f)) continue;
      const bytes = index.tree.read(`${dir}/${f}`);
      if (!bytes || !componentKind.test(decoder.decode(bytes))) return true;
    }
  if (holdsReconcilerHere(index, dir, files)) return true;
  return (
    depth < 2 &&
    dirs.some(d =>
      holdsFlux(index, `${dir}/${d}`, kustomizationFiles, depth + 1),
    )
  );
}

function holdsReconcilerHere(
  index: TreeIndex,
  dir: string,
  files: readonly string[],
): boolean {
  for (const f of files) {
    if (!/\.ya?ml$/.test(f)) continue;
    const bytes = index.tree.read(`${dir}/${f}`);
    if (bytes && reconcilerGroups.some(g => containsBytes(bytes, g)))
      return true;
  }
  return false;
}

/** One entry point for every cluster, the variable it picks each cluster's folder by, and the clusters it picks. */
export interface SharedEntry {
  entry: { path: string; variable: string };
  /** The Kustomization whose path shows it. */
  by: VariablePath;
  /** The folders under the clusters path the variable picks. */
  clusters: string[];
}

/**
 * A Flux entry point outside the clusters' folders that applies a
 * Kustomization whose path picks a folder under the clusters path by a
 * variable (`./kubernetes/clusters/${ENVIRONMENT}/apps`): an installer sets
 * the variable per cluster, and only a cluster's folder name makes the path
 * exist. The clusters are the folders where it does.
 */
export function sharedEntryOf(
  flux: {
    entries: readonly FluxEntry[];
    variablePaths: readonly VariablePath[];
  },
  appliedBy: BuildIncludes,
  clustersPath: string,
  folders: readonly string[],
  index: TreeIndex,
): SharedEntry | undefined {
  if (!clustersPath) return undefined;
  const outsideClusters = (path: string) =>
    path !== clustersPath && !path.startsWith(`${clustersPath}/`);
  for (const by of flux.variablePaths) {
    if (by.parent !== clustersPath) continue;
    const entry = flux.entries.find(
      e =>
        outsideClusters(e.path) &&
        by.declaredIn.startsWith(`${e.path}/`) &&
        appliedBy(e.path, by.declaredIn),
    );
    if (!entry) continue;
    const clusters = folders.filter(f =>
      index.isDir(
        by.rest
          ? `${clusterFolder(clustersPath, f)}/${by.rest}`
          : clusterFolder(clustersPath, f),
      ),
    );
    if (clusters.length)
      return {
        entry: { path: entry.path, variable: by.variable },
        by,
        clusters,
      };
  }
  return undefined;
}
