import { inWords } from '../core/text';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import {
  appliesOrIs,
  dnsEndpointCrdOf,
  externalDnsApplier,
  externalDnsDeploymentsOf,
  externalDnsPublishes,
} from '../model/queries';
import { getPath, isRecord } from '../core/paths';
import type { Res } from '../flux/kustomize/resource';
import { compileTarget, readTarget } from '../flux/kustomize/selectors';
import { kustomizationFileNames } from '../flux/kustomize';
import type { ClusterModel } from '../model/types';
import { basenamePath, dirnamePath } from '../tree/RepoTree';
import { ChangeContext, resolvedFqdn } from './change';
import type { EditSet } from './transaction';

/** The folder names tried for the records' own folder, next to Cilium's. */
const FOLDER_NAMES = ['clustermesh', 'clustermesh-dns'];

/**
 * Fields of the Cilium Kustomization's spec that are about what it builds
 * or waits for, not how Flux applies it: the records' Kustomization has
 * its own.
 */
const NOT_COPIED = new Set([
  'path',
  'dependsOn',
  'healthChecks',
  'healthCheckExprs',
  'wait',
  'patches',
  'components',
  'images',
  'namePrefix',
  'nameSuffix',
]);

/**
 * An empty list of the Cilium Kustomization's (`patches: []`): no content
 * to copy, but a parent's patch may append to it (deedee-ops), so the new
 * one keeps it.
 */
const emptyList = (value: unknown) =>
  Array.isArray(value) && value.length === 0;

/** A folder of its own for new records, applied by a new Flux Kustomization. */
export interface RecordsKustomization {
  /** The DNSEndpoint file, in the new folder. */
  file: string;
  /** The new folder's kustomization file and its text. */
  kustomization: { file: string; text: string };
  /**
   * The new Flux Kustomization, as written, in each file that declares a
   * Cilium one: one declaration for all the clusters, or each cluster's in
   * its own file (`clusters/<name>/kube-system.yaml`).
   */
  declarations: { file: string; document: Record<string, unknown> }[];
  name: string;
  /** The Kustomizations it depends on, for the summary. */
  after: string[];
  /**
   * Those of them (ExternalDNS's) that do not wait for what they apply
   * (no spec.wait, no healthChecks): ready once the HelmRelease object is
   * applied, before its chart has installed the DNSEndpoint CRD.
   */
  unwaited: string[];
  /** The Cilium Kustomization of each cluster: the new one substitutes as it does. */
  appliedBy: Map<string, RenderedKustomization>;
}

/**
 * A new DNSEndpoint that would be applied by the Flux Kustomization that
 * applies the Cilium HelmRelease goes, instead, in a folder of its own,
 * applied by a new Kustomization that depends on it and on ExternalDNS's:
 * in one Kustomization with Cilium, a cluster without the DNSEndpoint CRD
 * yet (a new one) fails the whole apply, Cilium included. The folder is
 * next to the one Cilium's builds where that Kustomization is declared
 * beside it (a component's `ks.yaml` and its `app/`), else inside it (a
 * base every cluster's Kustomization builds, which lists what it takes);
 * the new Kustomization goes in every file that declares a Cilium one,
 * each a file this change may edit, named alike, building one folder.
 * Undefined otherwise, or where something else would build the new folder
 * (the record then goes with Cilium, as said).
 */
export function recordsKustomizationFor(
  ctx: ChangeContext,
  edits: EditSet,
  clusters: readonly ClusterModel[],
  /** The file the DNSEndpoint would get, and who would apply it. */
  placement: { file: string; appliedBy: Map<string, RenderedKustomization> },
): RecordsKustomization | undefined {
  const ciliums = clusters.map(c => c.cilium?.appliedBy);
  const [cilium] = ciliums;
  if (
    !cilium?.object ||
    ciliums.some(
      (k, i) =>
        !k?.object ||
        k.key !== cilium.key ||
        k.path !== cilium.path ||
        placement.appliedBy.get(clusters[i].name)?.key !== k.key,
    )
  )
    return undefined;
  // each declaration once (one for every cluster, or one per cluster)
  const declared = new Map<string, { file: string; index: number }>();
  for (const k of ciliums as RenderedKustomization[]) {
    const { file, index } = k.object!.source;
    declared.set(`${file}#${index}`, { file, index });
  }
  const sites = [...declared.values()];
  // beside the built folder: one declaration, in the folder above it
  const parent = dirnamePath(sites[0].file);
  /** The built folder as the declaring file's folder sees it (`app`). */
  const fromParent = parent
    ? cilium.path.slice(parent.length + 1)
    : cilium.path;
  const besideBuilt =
    sites.length === 1 &&
    (!parent || cilium.path.startsWith(`${parent}/`)) &&
    fromParent !== '' &&
    !fromParent.includes('/');
  // else inside it, where it lists what it builds (a subfolder is taken
  // only when listed), and not where the settings are Cilium's
  // Kustomization's own postBuild.substitute (a second copy of them would
  // go stale)
  if (
    !besideBuilt &&
    (!ctx.mesh.repository.kustomizationFile(cilium.path) ||
      clusters.some(c => ctx.settings.get(c.name)?.format === 'inline'))
  )
    return undefined;
  const base = besideBuilt ? parent : cilium.path;
  const folderName = FOLDER_NAMES.find(n => {
    const dir = base ? `${base}/${n}` : n;
    return !edits.isDir(dir) && !edits.exists(dir);
  });
  if (!folderName) return undefined;
  // inside the built folder: the new folder the record would have got
  // (the conventions' place), where there is one, else one of its own
  const wanted = dirnamePath(placement.file);
  const ownFolder = base ? `${base}/${folderName}` : folderName;
  const folder =
    !besideBuilt &&
    wanted.startsWith(`${cilium.path}/`) &&
    !edits.isDir(wanted) &&
    !edits.exists(wanted)
      ? wanted
      : ownFolder;
  if (clusters.some(c => buildsWithoutList(ctx, c, folder))) return undefined;
  // as the change leaves each declaration so far (its settings may go in
  // its own postBuild.substitute, which the new Kustomization needs too)
  const raws: Record<string, any>[] = [];
  for (const { file, index } of sites) {
    let raw = edits.readDocuments(file)?.[index];
    if (raw === undefined) {
      // a file this change edits; one it cannot edit (SOPS, invalid) is left
      try {
        raw = edits
          .editor(file, 'the Flux Kustomization of the records')
          .get(index, []);
      } catch {
        return undefined;
      }
    }
    if (!isRecord(raw) || !isRecord(raw.spec) || !isRecord(raw.metadata))
      return undefined;
    raws.push(raw);
  }
  // named as Cilium's is written (a namePrefix of the build adds to both),
  // alike in every declaration
  const written = raws[0].metadata.name;
  if (
    typeof written !== 'string' ||
    written.includes('$') ||
    raws.some(raw => raw.metadata.name !== written)
  )
    return undefined;
  const name = `${written}-${folderName}`;
  const rendered = `${cilium.name}-${folderName}`;
  // in the clusters that apply the new one: another cluster's is in
  // another API server (those that joined before have theirs)
  const applying = ctx.mesh.clusters.filter(
    c =>
      clusters.includes(c) ||
      c.render.kustomizations.some(k =>
        sites.some(site => k.object?.source.file === site.file),
      ),
  );
  const taken = applying.some(c =>
    c.render.kustomizations.some(
      k => k.name === rendered && k.namespace === cilium.namespace,
    ),
  );
  if (taken) return undefined;

  const dependsOn: Record<string, string>[] = [{ name: cilium.name }];
  const after = [cilium.name];
  const unwaited: string[] = [];
  // after ExternalDNS's, and the one applying the DNSEndpoint CRD where
  // a file of the repository does; not one that applies Cilium's (it
  // applies the new one too: with `wait`, each would wait for the other)
  const depend = (k: RenderedKustomization | undefined) => {
    if (
      !k ||
      after.includes(k.name) ||
      clusters.some(c => appliesOrIs(c, k.key, cilium))
    )
      return;
    dependsOn.push(
      k.namespace === cilium.namespace
        ? { name: k.name }
        : { name: k.name, namespace: k.namespace },
    );
    after.push(k.name);
    const spec = k.object?.body.spec;
    if (spec?.wait !== true && !spec?.healthChecks?.length)
      unwaited.push(k.name);
  };
  // every ExternalDNS that takes the name, where several do (NNMavy's OVH
  // and UniFi): each brings the DNSEndpoint CRD
  for (const k of inEvery(
    clusters.map(c => externalDnsKustomizationsOf(ctx, c)),
  ))
    depend(k);
  depend(sameName(clusters.map(dnsEndpointCrdApplier)));
  // each entry with its namespace where Cilium's own are so written
  // (frantathefranta's `{name: cilium, namespace: kube-system}`)
  const ciliumDependsOn = raws[0]?.spec?.dependsOn;
  if (
    Array.isArray(ciliumDependsOn) &&
    ciliumDependsOn.length &&
    ciliumDependsOn.every(d => isRecord(d) && typeof d.namespace === 'string')
  )
    for (const d of dependsOn) d.namespace ??= cilium.namespace;
  const declarations: RecordsKustomization['declarations'] = [];
  for (const [i, site] of sites.entries()) {
    const raw = raws[i];
    // the path as written, whatever root it is relative to: beside the
    // built folder, its last folder is replaced by the new one; inside
    // it, the new one is added
    const rawPath =
      typeof raw.spec.path === 'string'
        ? raw.spec.path.replace(/\/+$/, '')
        : '';
    const built = besideBuilt ? fromParent : cilium.path;
    const lead = rawPath.slice(0, rawPath.length - built.length);
    if (!rawPath.endsWith(built) || !(lead === '' || lead.endsWith('/')))
      return undefined;
    // its fields in the order of Cilium's: dependsOn where Cilium's is,
    // else in its place of an alphabetical order Cilium's keeps, else first
    const keys = Object.keys(raw.spec);
    const sorted = keys.every((k, j) => j === 0 || keys[j - 1] <= k);
    const spec: Record<string, unknown> = {};
    const placeDependsOn = () => {
      spec.dependsOn ??= dependsOn;
    };
    if (!sorted && !keys.includes('dependsOn')) placeDependsOn();
    for (const [key, value] of Object.entries(raw.spec)) {
      if (key === 'dependsOn' || (sorted && key > 'dependsOn'))
        placeDependsOn();
      if (key === 'dependsOn') continue;
      if (key === 'path')
        spec.path = besideBuilt
          ? `${lead}${folderName}`
          : `${rawPath}/${folder.slice(cilium.path.length).replace(/^\//, '')}`;
      else if (key === 'commonMetadata')
        spec.commonMetadata = ownCommonMetadata(value, raw.metadata.name, name);
      else if (!NOT_COPIED.has(key) || emptyList(value)) spec[key] = value;
    }
    placeDependsOn();
    // a record taken out of Git is deleted, and ExternalDNS deletes it from
    // DNS (Cilium's own may be kept from pruning); in its place, else last
    spec.prune = true;
    const metadata: Record<string, unknown> = { name };
    if (raw.metadata.namespace !== undefined)
      metadata.namespace = raw.metadata.namespace;
    // Cilium's labels and annotations: a parent's patch may select by
    // them (one that adds the post-build substitution, or the interval and
    // source, to every Kustomization so marked)
    for (const field of ['labels', 'annotations'] as const) {
      const marks = raw.metadata[field];
      if (isRecord(marks) && Object.keys(marks).length) metadata[field] = marks;
    }
    const document = {
      apiVersion: raw.apiVersion,
      kind: 'Kustomization',
      metadata,
      spec,
    };
    // a substitution a parent's patch gives Cilium's by its name (not by a
    // label the new one shares) is written out in the new one
    if (spec.postBuild === undefined) {
      const given = substitutionPatchedIn(
        clusters.filter(
          c => c.cilium!.appliedBy!.object!.source.file === site.file,
        ),
        raw,
        document,
      );
      if (given === null) return undefined;
      if (given) spec.postBuild = given;
    }
    declarations.push({ file: site.file, document });
  }
  const endpointName = basenamePath(ctx.conventions.dnsEndpoint.file).replace(
    /\{cluster\}/g,
    clusters.length === 1 ? clusters[0].name : 'clustermesh',
  );
  const appliedBy = new Map(clusters.map(c => [c.name, c.cilium!.appliedBy!]));
  return {
    file: `${folder}/${endpointName}`,
    kustomization: {
      file: `${folder}/kustomization.yaml`,
      text: kustomizationText(edits, cilium.path, endpointName, folder),
    },
    declarations,
    name,
    after,
    unwaited,
    appliedBy,
  };
}

/**
 * Cilium's `commonMetadata` for the new Kustomization: a label or
 * annotation that names Cilium's Kustomization (`app.kubernetes.io/name:
 * *app`, its own name) names the new one.
 */
function ownCommonMetadata(
  value: unknown,
  ciliumName: unknown,
  name: string,
): unknown {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const field of ['labels', 'annotations'] as const) {
    const marks = value[field];
    if (isRecord(marks))
      out[field] = Object.fromEntries(
        Object.entries(marks).map(([k, v]) => [k, v === ciliumName ? name : v]),
      );
  }
  return out;
}

/**
 * The `postBuild` a parent's `spec.patches` gives the Cilium Kustomization
 * and would not give the new one (a target by Cilium's name): the same in
 * every cluster, to write out; undefined when none is missed, null when
 * the clusters' differ (the record then stays with Cilium).
 */
function substitutionPatchedIn(
  clusters: readonly ClusterModel[],
  written: Record<string, unknown>,
  added: Record<string, unknown>,
): Record<string, unknown> | undefined | null {
  const missed = clusters.map(c => {
    const cilium = c.cilium!.appliedBy!;
    const parent = c.render.kustomizations.find(k => k.key === cilium.parent);
    const patches = getPath(parent?.object?.body, ['spec', 'patches']);
    const asRes = (body: Record<string, unknown>): Res => ({
      body,
      source: cilium.object!.source,
      prevIds: [],
      prefixes: [],
      suffixes: [],
      hashSuffix: false,
    });
    const reaches = (p: unknown, body: Record<string, unknown>) => {
      if (!isRecord(p) || !isRecord(p.target)) return false;
      const target = readTarget(p.target);
      const compiled = 'error' in target ? target : compileTarget(target);
      return !('error' in compiled) && compiled.matches(asRes(body));
    };
    const lost = (Array.isArray(patches) ? patches : []).some(
      p =>
        isRecord(p) &&
        typeof p.patch === 'string' &&
        p.patch.includes('postBuild') &&
        reaches(p, written) &&
        !reaches(p, added),
    );
    const postBuild = getPath(cilium.object?.body, ['spec', 'postBuild']);
    return lost && isRecord(postBuild) ? JSON.stringify(postBuild) : undefined;
  });
  if (missed.every(m => m === undefined)) return undefined;
  if (missed.some(m => m !== missed[0])) return null;
  return JSON.parse(missed[0]!);
}

/**
 * The Kustomization that applies the ExternalDNS of a cluster that reads
 * DNSEndpoints, when there is one: of those that read them, the ones
 * whose filters take the cluster's name (a public zone's beside the
 * router's), when some do.
 */
function externalDnsKustomizationsOf(
  ctx: ChangeContext,
  cluster: ClusterModel,
): RenderedKustomization[] {
  const readers = externalDnsDeploymentsOf(cluster).filter(d =>
    d.sources.includes('crd'),
  );
  const name = resolvedFqdn(ctx, cluster.name);
  const taking = readers.filter(
    d => externalDnsPublishes(d, { body: {} }, name).verdict !== 'no',
  );
  const appliers = (taking.length ? taking : readers).map(d =>
    externalDnsApplier(cluster, d),
  );
  const found = new Map<string, RenderedKustomization>();
  for (const k of appliers) if (k?.object) found.set(k.key, k);
  // several readers and none known to take the name: not one to wait for
  if (!taking.length && found.size > 1) return [];
  // a reader its Kustomization is not known for: not all of them
  if (appliers.some(k => !k?.object)) return [];
  return [...found.values()];
}

/** The Kustomizations (by key) every cluster's list holds, in the first's order. */
function inEvery(
  lists: readonly RenderedKustomization[][],
): RenderedKustomization[] {
  const [first = []] = lists;
  return first.filter(k => lists.every(l => l.some(o => o.key === k.key)));
}

/** The Kustomization that applies the DNSEndpoint CRD, where a file of the repository does (not a chart's). */
function dnsEndpointCrdApplier(
  cluster: ClusterModel,
): RenderedKustomization | undefined {
  const crd = dnsEndpointCrdOf(cluster);
  return crd && cluster.render.objects.find(o => o.object === crd)?.appliedBy;
}

/** The Kustomization every cluster has by one name (a dependency is by name), or undefined. */
function sameName(
  list: (RenderedKustomization | undefined)[],
): RenderedKustomization | undefined {
  const [first] = list;
  return first?.object && list.every(k => k?.key === first.key)
    ? first
    : undefined;
}

/**
 * Whether a Kustomization of the cluster would take the new folder by
 * itself: one building a folder above it through folders without a
 * kustomization file (Flux then generates one that takes every folder
 * that has one).
 */
function buildsWithoutList(
  ctx: ChangeContext,
  cluster: ClusterModel,
  folder: string,
): boolean {
  return cluster.render.kustomizations.some(k => {
    if (k.path && !folder.startsWith(`${k.path}/`)) return false;
    for (let dir = dirnamePath(folder); ; dir = dirnamePath(dir)) {
      if (ctx.mesh.repository.kustomizationFile(dir)) return false;
      if (dir === k.path || !dir) return true;
    }
  });
}

/**
 * The new folder's kustomization, as the one the Cilium Kustomization
 * builds is written (or, when Flux generates that one, the nearest above
 * the new folder): its leading comments and `---`, `./` entries and
 * sequence indentation.
 */
function kustomizationText(
  edits: EditSet,
  builtFolder: string,
  entry: string,
  /** The new folder: without a kustomization where Cilium's is built, its nearest one above. */
  folder: string,
): string {
  const kustomizationIn = (dir: string) =>
    kustomizationFileNames
      .map(n => edits.before(dir ? `${dir}/${n}` : n))
      .find(t => t !== undefined);
  let neighbour = kustomizationIn(builtFolder);
  for (let dir = dirnamePath(folder); neighbour === undefined; ) {
    neighbour = kustomizationIn(dir);
    if (!dir) break;
    dir = dirnamePath(dir);
  }
  neighbour ??= '';
  const lines = neighbour.split(/\r?\n/);
  const header: string[] = [];
  for (const line of lines) {
    if (!/^(#|---\s*$)/.test(line)) break;
    header.push(line);
  }
  const flat = /^- /m.test(neighbour) && !/^ +- /m.test(neighbour);
  const dotted = /^\s*- \.\//m.test(neighbour) || !neighbour;
  return [
    ...header,
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `${flat ? '' : '  '}- ${dotted ? './' : ''}${entry}`,
    '',
  ].join('\n');
}

/** Writes the records' folder kustomization and adds the new Flux Kustomization to the Cilium one's file. */
export function writeRecordsKustomization(
  edits: EditSet,
  own: RecordsKustomization,
) {
  edits.created.set(own.kustomization.file, own.kustomization.text);
  edits.reason(
    own.kustomization.file,
    `lists ${basenamePath(own.file)}, so Flux applies it`,
  );
  for (const { file, document } of own.declarations) {
    edits
      .editor(file, 'the Flux Kustomization of the records')
      .appendDocument(document);
    edits.reason(
      file,
      `Kustomization ${own.name}: applies ${dirnamePath(
        own.file,
      )} after ${inWords(
        own.after,
      )}, apart from Cilium: without the DNSEndpoint CRD yet, only it fails, and it retries`,
    );
  }
}
