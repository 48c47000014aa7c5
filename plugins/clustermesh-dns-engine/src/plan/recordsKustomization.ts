import type { RenderedKustomization } from '../flux/fluxKustomization';
import {
  appliesOrIs,
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

/** A folder of its own for new records, applied by a new Flux Kustomization. */
export interface RecordsKustomization {
  /** The DNSEndpoint file, in the new folder. */
  file: string;
  /** The new folder's kustomization file and its text. */
  kustomization: { file: string; text: string };
  /** The file that declares the Cilium Kustomization, where the new one is added. */
  declaredIn: string;
  /** The new Flux Kustomization, as written. */
  document: Record<string, unknown>;
  name: string;
  /** The Kustomizations it depends on, for the summary. */
  after: string[];
  /** The Cilium Kustomization of each cluster: the new one substitutes as it does. */
  appliedBy: Map<string, RenderedKustomization>;
}

/**
 * A new DNSEndpoint that would be applied by the Flux Kustomization that
 * applies the Cilium HelmRelease goes, instead, in a folder of its own next
 * to the one that Kustomization builds, applied by a new Kustomization that
 * depends on it and on ExternalDNS's: in one Kustomization with Cilium, a
 * cluster without the DNSEndpoint CRD yet (a new one) fails the whole
 * apply, Cilium included. Only where the Cilium Kustomization is declared
 * next to the folder it builds (a component's `ks.yaml` and its `app/`),
 * in a file this change may edit, and nothing else would build the new
 * folder; undefined otherwise (the record then goes with Cilium, as said).
 */
export function recordsKustomizationFor(
  ctx: ChangeContext,
  edits: EditSet,
  clusters: readonly ClusterModel[],
  /** The file the DNSEndpoint would get, and who would apply it. */
  placement: { file: string; appliedBy: Map<string, RenderedKustomization> },
): RecordsKustomization | undefined {
  const cilium = sameDeclaration(clusters.map(c => c.cilium?.appliedBy));
  if (!cilium?.object) return undefined;
  if (clusters.some(c => placement.appliedBy.get(c.name)?.key !== cilium.key))
    return undefined;
  const { file: declaredIn, index } = cilium.object.source;
  const parent = dirnamePath(declaredIn);
  const built = parent ? cilium.path.slice(parent.length + 1) : cilium.path;
  if (
    (parent && !cilium.path.startsWith(`${parent}/`)) ||
    !built ||
    built.includes('/')
  )
    return undefined;
  // as the change leaves it so far (its settings may go in its own
  // postBuild.substitute, which the new Kustomization needs too)
  let raw = edits.readDocuments(declaredIn)?.[index];
  if (raw === undefined) {
    // a file this change edits; one it cannot edit (SOPS, invalid) is left
    try {
      raw = edits
        .editor(declaredIn, 'the Flux Kustomization of the records')
        .get(index, []);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(raw) || !isRecord(raw.spec) || !isRecord(raw.metadata))
    return undefined;
  // the path as written, whatever root it is relative to: its last folder
  // is the one built, replaced by the new one
  const rawPath =
    typeof raw.spec.path === 'string' ? raw.spec.path.replace(/\/+$/, '') : '';
  const lead = rawPath.slice(0, rawPath.length - built.length);
  if (!rawPath.endsWith(built) || !(lead === '' || lead.endsWith('/')))
    return undefined;
  const folderName = FOLDER_NAMES.find(n => {
    const dir = parent ? `${parent}/${n}` : n;
    return !edits.isDir(dir) && !edits.exists(dir);
  });
  if (!folderName) return undefined;
  const folder = parent ? `${parent}/${folderName}` : folderName;
  if (clusters.some(c => buildsWithoutList(ctx, c, folder))) return undefined;
  // named as Cilium's is written (a namePrefix of the build adds to both)
  const written = raw.metadata.name;
  if (typeof written !== 'string' || written.includes('$')) return undefined;
  const name = `${written}-${folderName}`;
  const rendered = `${cilium.name}-${folderName}`;
  // in the clusters that apply the new one: another cluster's is in
  // another API server (those that joined before have theirs)
  const applying = ctx.mesh.clusters.filter(
    c =>
      clusters.includes(c) ||
      c.render.kustomizations.some(k => k.object?.source.file === declaredIn),
  );
  const taken = applying.some(c =>
    c.render.kustomizations.some(
      k => k.name === rendered && k.namespace === cilium.namespace,
    ),
  );
  if (taken) return undefined;

  const dependsOn: Record<string, string>[] = [{ name: cilium.name }];
  const after = [cilium.name];
  const externalDns = sameDeclaration(
    clusters.map(c => externalDnsKustomizationOf(ctx, c)),
  );
  // not one that applies Cilium's (it applies the new one too: with
  // `wait`, each would wait for the other)
  if (
    externalDns &&
    !clusters.some(c => appliesOrIs(c, externalDns.key, cilium))
  ) {
    dependsOn.push(
      externalDns.namespace === cilium.namespace
        ? { name: externalDns.name }
        : { name: externalDns.name, namespace: externalDns.namespace },
    );
    after.push(externalDns.name);
  }
  const spec: Record<string, unknown> = { dependsOn };
  for (const [key, value] of Object.entries(raw.spec)) {
    if (key === 'path') spec.path = `${lead}${folderName}`;
    else if (!NOT_COPIED.has(key)) spec[key] = value;
  }
  // a record taken out of Git is deleted, and ExternalDNS deletes it from
  // DNS (Cilium's own may be kept from pruning); in its place, else last
  spec.prune = true;
  const metadata: Record<string, unknown> = { name };
  if (raw.metadata.namespace !== undefined)
    metadata.namespace = raw.metadata.namespace;
  // Cilium's labels: a parent's patch may select by them (one that adds
  // the post-build substitution to every labelled Kustomization)
  if (isRecord(raw.metadata.labels) && Object.keys(raw.metadata.labels).length)
    metadata.labels = raw.metadata.labels;
  const document = {
    apiVersion: raw.apiVersion,
    kind: 'Kustomization',
    metadata,
    spec,
  };
  // a substitution a parent's patch gives Cilium's by its name (not by a
  // label the new one shares) is written out in the new one
  if (spec.postBuild === undefined) {
    const given = substitutionPatchedIn(clusters, raw, document);
    if (given === null) return undefined;
    if (given) spec.postBuild = given;
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
    declaredIn,
    document,
    name,
    after,
    appliedBy,
  };
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
function externalDnsKustomizationOf(
  ctx: ChangeContext,
  cluster: ClusterModel,
): RenderedKustomization | undefined {
  const readers = externalDnsDeploymentsOf(cluster).filter(d =>
    d.sources.includes('crd'),
  );
  const name = resolvedFqdn(ctx, cluster.name);
  const taking = readers.filter(
    d => externalDnsPublishes(d, { body: {} }, name).verdict !== 'no',
  );
  return sameDeclaration(
    (taking.length ? taking : readers).map(d => externalDnsApplier(cluster, d)),
  );
}

/** The Kustomization every cluster has from one declaration, or undefined. */
function sameDeclaration(
  list: (RenderedKustomization | undefined)[],
): RenderedKustomization | undefined {
  const [first] = list;
  if (!first?.object || list.some(k => !k || k.key !== first.key))
    return undefined;
  const { file, index } = first.object.source;
  return list.every(
    k => k!.object?.source.file === file && k!.object.source.index === index,
  )
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
  edits
    .editor(own.declaredIn, 'the Flux Kustomization of the records')
    .appendDocument(own.document);
  edits.reason(
    own.declaredIn,
    `Kustomization ${own.name}: applies ${dirnamePath(
      own.file,
    )} after ${own.after.join(
      ' and ',
    )}, apart from Cilium: without the DNSEndpoint CRD yet, only it fails, and it retries`,
  );
}
