import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths } from '../../cilium/values';
import { getPath, isRecord } from '../../core/paths';

import { parseYamlText } from '../../yaml/documents';
import { lineAtPath } from '../../yaml/lines';
import { isFluxKustomization, type ScannedDocument } from './scan';
import { settingsNamePattern } from './settingsSources';
import { parseEnvFile, parseLiteral } from '../../flux/kustomize/kvSources';
import { dirnamePath, joinPath } from '../../tree/RepoTree';
import { lowerPeerToken, peerToken } from '../schema';
import { variableSegment } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { escapeRegExp, isDomainName } from '../../core/text';

/** The FQDN template the settings already hold, with the clusters that show it. */
export interface SettingsFqdnTemplate {
  template: string;
  /** The clusters whose names (own or as a peer) follow it. */
  clusters: string[];
  /** One value that shows it, and where. */
  example: {
    key: string;
    value: string;
    location: SourceLocation;
    /** The settings entry the template's domain variable is, when it has one. */
    domain?: { key: string; value: string };
  };
  /** Clusters whose names follow another template. */
  others: string[];
}

/**
 * The templates an FQDN may follow: each place the cluster's name is a
 * whole part of it (between dots or dashes), made `{cluster}`:
 * `clustermesh-infra.${SECRET_DOMAIN}` for infra →
 * `clustermesh-{cluster}.${SECRET_DOMAIN}`; `mesh.mesh.example.net` for
 * mesh → both `{cluster}.mesh.…` and `mesh.{cluster}.…` (the other
 * clusters decide); `clustermesh-data.…` for the folder `Data`. None when
 * the name is not in it.
 */
export function templatesOf(value: string, folder: string): string[] {
  const out: string[] = [];
  // a DNS name holds the cluster lower-case (the folder `Data` is `data`),
  // as fqdnTemplateFor fills the template in
  const cluster = folder.toLowerCase();
  if (!cluster) return out;
  // a search, not a RegExp per cluster: a mesh asks this for every cluster
  const boundary = (at: number) =>
    at < 0 || at >= value.length || value[at] === '.' || value[at] === '-';
  for (
    let at = value.indexOf(cluster);
    at >= 0;
    at = value.indexOf(cluster, at + 1)
  ) {
    if (boundary(at - 1) && boundary(at + cluster.length))
      out.push(
        `${value.slice(0, at)}{cluster}${value.slice(at + cluster.length)}`,
      );
  }
  return out;
}

/** Settings entries as read for the template: a ConfigMap's data, or a Kustomization's inline substitute. */
interface EntriesSource {
  file: string;
  data: Record<string, unknown>;
  /** Where one entry is. */
  at(key: string): SourceLocation;
}

/** A cluster's candidate templates, with the value that shows them. */
interface Candidate {
  templates: string[];
  key: string;
  source: EntriesSource;
}

/**
 * The entries of the settings ConfigMaps a kustomize configMapGenerator
 * makes (named as the settings are), each where it is written: an env
 * file's line (`envs: [cluster.env]`, where configure writes them too) or
 * the literal's.
 */
export function* generatedSettingsEntries(
  documents: Iterable<ScannedDocument>,
  settingsName: string,
  read: (path: string) => Uint8Array | undefined,
): Generator<EntriesSource> {
  const pattern = settingsNamePattern(settingsName);
  for (const doc of documents) {
    const generators = getPath(doc.value, ['configMapGenerator']);
    if (!Array.isArray(generators)) continue;
    const dir = dirnamePath(doc.file);
    for (const [i, generator] of generators.entries()) {
      if (!isRecord(generator) || !pattern.test(String(generator.name)))
        continue;
      const envs = [
        ...(Array.isArray(generator.envs) ? generator.envs : []),
        ...(generator.env === undefined ? [] : [generator.env]),
      ];
      for (const env of envs) {
        const file = typeof env === 'string' ? joinPath(dir, env) : undefined;
        const bytes = file === undefined ? undefined : read(file);
        const parsed = bytes && parseEnvFile(bytes);
        if (!file || !parsed || 'error' in parsed) continue;
        const lines = new Map(parsed.pairs.map(p => [p.key, p.line ?? 1]));
        yield {
          file,
          data: Object.fromEntries(parsed.pairs.map(p => [p.key, p.text])),
          at: key => ({ file, line: lines.get(key) ?? 1 }),
        };
      }
      const literals = Array.isArray(generator.literals)
        ? generator.literals
        : [];
      const data: Record<string, unknown> = {};
      const index = new Map<string, number>();
      literals.forEach((literal, j) => {
        const pair =
          typeof literal === 'string' ? parseLiteral(literal) : undefined;
        if (!pair || 'error' in pair) return;
        data[pair.key] = pair.value;
        index.set(pair.key, j);
      });
      if (index.size)
        yield {
          file: doc.file,
          data,
          at: key =>
            doc.at(['configMapGenerator', i, 'literals', index.get(key) ?? 0]),
        };
    }
  }
}

/**
 * The entries a Flux Kustomization gives inline: its own
 * `postBuild.substitute`, and that of each inline patch text of its
 * `spec.patches` (a cluster's entry Kustomization giving every child its
 * values: herobrauni's and Arcus' copies), located on their own lines.
 */
export function* inlineSubstituteEntries(
  documents: Iterable<ScannedDocument>,
): Generator<EntriesSource> {
  const substitutePath = ['spec', 'postBuild', 'substitute'];
  for (const doc of documents) {
    const v = doc.value;
    if (!isFluxKustomization(v)) continue;
    const own = getPath(v, substitutePath);
    if (isRecord(own))
      yield {
        file: doc.file,
        data: own,
        at: key => doc.at([...substitutePath, key]),
      };
    const patches = getPath(v, ['spec', 'patches']);
    if (!Array.isArray(patches)) continue;
    for (const [i, entry] of patches.entries()) {
      const text = getPath(entry, ['patch']);
      if (typeof text !== 'string' || !text.includes('substitute')) continue;
      for (const patch of parseYamlText(doc.file, text).documents) {
        const data = getPath(patch.value, substitutePath);
        if (!isRecord(data)) continue;
        // a block scalar's lines follow its key's
        const keyLine = doc.at(['spec', 'patches', i, 'patch']);
        const blank = /^\s*/.exec(text)![0].split('\n').length - 1;
        yield {
          file: doc.file,
          data,
          at: key => ({
            file: keyLine.file,
            line:
              keyLine.line +
              blank +
              (lineAtPath(patch.value, [...substitutePath, key]) ?? 0),
          }),
        };
      }
    }
  }
}

/**
 * The FQDN template the names in the settings follow: each cluster's own
 * FQDN variable (in its folder, or in the settings named for it, or given
 * inline by a Kustomization of its folder) and each peer FQDN variable,
 * with the cluster's name made `{cluster}`. The template most clusters
 * follow, when no other is followed by as many; undefined when the
 * settings hold no FQDN yet.
 */
export function settingsFqdnTemplate(
  documents: Iterable<ScannedDocument>,
  options: {
    /** The settings ConfigMap's name (`{cluster}` for a cluster's name). */
    settingsName: string;
    clusters: readonly string[];
    /** The cluster whose folder holds a file, if any. */
    clusterOfFile: (file: string) => string | undefined;
    fqdnVariable: string;
    peerVariable: (peer: string) => string;
    /** Entries the Kustomizations of the clusters' folders give inline. */
    inlineEntries?: Iterable<EntriesSource>;
  },
): SettingsFqdnTemplate | undefined {
  const pattern = settingsNamePattern(options.settingsName);
  const byPeerVariable = new Map(
    options.clusters.map(c => [options.peerVariable(c), c]),
  );
  /** Each cluster's candidate templates (its own settings before a peer's), with the value that shows them. */
  const candidates = new Map<string, Candidate>();
  /** Each cluster's own settings entries: a domain the names end in may be one. */
  const ownEntries = new Map<string, Record<string, unknown>[]>();
  const vote = (cluster: string, key: string, source: EntriesSource) => {
    const value = source.data[key];
    if (typeof value !== 'string' || candidates.has(cluster)) return;
    const templates = templatesOf(value.trim(), cluster);
    // located only for the example shown: a mesh has a candidate per cluster
    if (templates.length) candidates.set(cluster, { templates, key, source });
  };
  const known = new Set(options.clusters);
  /** Each peer's first entry: counted for a peer with no FQDN of its own. */
  const peerEntries = new Map<string, [string, EntriesSource]>();
  const read = (source: EntriesSource, owner: string | undefined) => {
    const { data } = source;
    const own = Object.prototype.hasOwnProperty.call(
      data,
      options.fqdnVariable,
    );
    if (owner) {
      const entries = ownEntries.get(owner);
      if (entries) entries.push(data);
      else ownEntries.set(owner, [data]);
    }
    if (owner && own) vote(owner, options.fqdnVariable, source);
    else if (own && typeof data[options.fqdnVariable] === 'string') {
      // a shared name in a file of no cluster (an overlay's patch of a
      // base's settings, `overlays/prd/settings.yaml`): the one cluster
      // whose name the FQDN holds
      const value = (data[options.fqdnVariable] as string).trim();
      const holders = options.clusters.filter(
        c => templatesOf(value, c).length,
      );
      if (holders.length === 1) vote(holders[0], options.fqdnVariable, source);
    }
    // every peer's first entry found: the other settings add none
    if (peerEntries.size === byPeerVariable.size) return;
    for (const key of Object.keys(data)) {
      const peer = byPeerVariable.get(key);
      if (peer !== undefined && !peerEntries.has(peer))
        peerEntries.set(peer, [key, source]);
    }
  };
  for (const doc of documents) {
    const v = doc.value;
    const name =
      v.kind === 'ConfigMap' &&
      pattern.exec(String(getPath(v, ['metadata', 'name'])));
    if (!name || !isRecord(v.data)) continue;
    // the cluster a `{cluster}` in the settings' name stands for
    const named = name[1];
    read(
      { file: doc.file, data: v.data, at: key => doc.at(['data', key]) },
      (named !== undefined && known.has(named) ? named : undefined) ??
        options.clusterOfFile(doc.file),
    );
  }
  for (const source of options.inlineEntries ?? [])
    read(source, options.clusterOfFile(source.file));
  for (const [peer, [key, source]] of peerEntries) vote(peer, key, source);
  const written = chosenTemplate(candidates, exampleOf);
  // every cluster follows the one written out: no other has more
  if (written && written.clusters.length === candidates.size) return written;
  // names in each cluster's own domain (`clustermesh-dev.dev.example.net`
  // beside `cluster_domain: dev.example.net`) follow no one written-out
  // template, but one made of that entry: taken where more clusters follow
  // it than any written out, and than do not
  const skipped = new Set([options.fqdnVariable, ...byPeerVariable.keys()]);
  const domainCandidates = new Map<
    string,
    Candidate & { domains: Map<string, { key: string; value: string }> }
  >();
  for (const [cluster, candidate] of candidates) {
    const domains = new Map<string, { key: string; value: string }>();
    for (const data of ownEntries.get(cluster) ?? [])
      for (const [key, value] of Object.entries(data)) {
        if (skipped.has(key) || typeof value !== 'string') continue;
        const domain = value.trim();
        if (!isDomainName(domain)) continue;
        for (const template of candidate.templates)
          if (template.endsWith(`.${domain}`))
            domains.set(`${template.slice(0, -domain.length)}\${${key}}`, {
              key,
              value: domain,
            });
      }
    if (domains.size)
      domainCandidates.set(cluster, {
        ...candidate,
        templates: [...domains.keys()],
        domains,
      });
  }
  const inDomain = chosenTemplate(domainCandidates, exampleOf);
  const notFollowing = candidates.size - (inDomain?.clusters.length ?? 0);
  if (
    !inDomain ||
    inDomain.clusters.length <= notFollowing ||
    (written && inDomain.clusters.length <= written.clusters.length)
  )
    return written;
  // every follower holds the template among its own
  const shown = domainCandidates.get(inDomain.clusters[0])!;
  return {
    ...inDomain,
    example: {
      ...exampleOf(shown),
      domain: shown.domains.get(inDomain.template),
    },
    // a cluster whose name follows no domain entry follows another template
    others: [...candidates.keys()]
      .filter(c => !inDomain.clusters.includes(c))
      .sort(),
  };
}

/**
 * The template most clusters' names follow, when no other is followed by
 * as many, with one value that shows it.
 */
function chosenTemplate<C extends { templates: string[] }>(
  candidates: ReadonlyMap<string, C>,
  example: (candidate: C) => SettingsFqdnTemplate['example'],
): SettingsFqdnTemplate | undefined {
  // each cluster counts once for each template its names may follow
  const tally = new Map<string, string[]>();
  for (const [cluster, { templates }] of candidates)
    for (const t of new Set(templates)) {
      const followers = tally.get(t);
      if (followers) followers.push(cluster);
      else tally.set(t, [cluster]);
    }
  const ranked = [...tally.entries()].sort((a, b) => b[1].length - a[1].length);
  if (!ranked.length) return undefined;
  const [[template, clusters], next] = ranked;
  if (next && next[1].length === clusters.length) return undefined;
  const first = clusters.find(
    c => candidates.get(c)!.templates[0] === template,
  );
  return {
    template,
    clusters: [...clusters].sort(),
    example: example(candidates.get(first ?? clusters[0])!),
    others: [...candidates.keys()]
      .filter(c => !candidates.get(c)!.templates.includes(template))
      .sort(),
  };
}

/**
 * The FQDN template the names written out in the Cilium values follow (a
 * repository configured without settings variables): a cluster's own
 * `extraDnsNames` in its folder, and each peer entry's `address` by its
 * `name`, with the cluster's name made `{cluster}`.
 */
export function valuesFqdnTemplate(
  documents: Iterable<ScannedDocument>,
  options: {
    clusters: readonly string[];
    /** The cluster whose folder holds a file, if any. */
    clusterOfFile: (file: string) => string | undefined;
  },
): SettingsFqdnTemplate | undefined {
  const candidates = new Map<
    string,
    {
      templates: string[];
      key: string;
      value: string;
      at: () => SourceLocation;
    }
  >();
  const vote = (
    cluster: string,
    value: unknown,
    key: string,
    at: () => SourceLocation,
  ) => {
    if (typeof value !== 'string' || candidates.has(cluster)) return;
    const templates = templatesOf(value.trim(), cluster);
    if (templates.length)
      candidates.set(cluster, { templates, key, value: value.trim(), at });
  };
  for (const doc of documents) {
    const inRelease = doc.value.kind === 'HelmRelease';
    const root = inRelease ? ['spec', 'values'] : [];
    const values = inRelease ? getPath(doc.value, root) : doc.value;
    if (!isRecord(values)) continue;
    const owner = options.clusterOfFile(doc.file);
    const names = getPath(values, ciliumValuesPaths.extraDnsNames);
    if (owner && Array.isArray(names))
      names.forEach((name, i) =>
        vote(owner, name, 'extraDnsNames', () =>
          doc.at([...root, ...ciliumValuesPaths.extraDnsNames, i]),
        ),
      );
    const peers = getPath(values, ciliumValuesPaths.meshClusters);
    if (Array.isArray(peers))
      peers.forEach((peer, i) => {
        // an entry with `ips` is reached at <name>.<domain>, which the
        // chart maps to those addresses itself: no name a DNS publishes
        const cluster =
          isRecord(peer) && peer.ips === undefined
            ? clusterOfCiliumName(String(peer.name), options.clusters)
            : undefined;
        if (cluster)
          vote(
            cluster,
            (peer as Record<string, unknown>).address,
            'address',
            () =>
              doc.at([
                ...root,
                ...ciliumValuesPaths.meshClusters,
                i,
                'address',
              ]),
          );
      });
  }
  return chosenTemplate(candidates, c => ({
    key: c.key,
    value: c.value,
    location: c.at(),
  }));
}

/**
 * The cluster a mesh entry's Cilium name is: the cluster's name itself, or
 * the one cluster whose name it holds as a dash-separated part
 * (`homelab-wsl` for wsl, as `cluster.name` often prefixes it).
 */
function clusterOfCiliumName(
  name: string,
  clusters: readonly string[],
): string | undefined {
  if (clusters.includes(name)) return name;
  const holding = clusters.filter(
    c => name.endsWith(`-${c}`) || name.startsWith(`${c}-`),
  );
  return holding.length === 1 ? holding[0] : undefined;
}

function exampleOf({
  key,
  source,
}: Candidate): SettingsFqdnTemplate['example'] {
  return { key, value: String(source.data[key]), location: source.at(key) };
}

/**
 * The peer FQDN variable the Cilium values already name their mesh entries
 * by (`address: ${CILIUM_CLUSTERMESH_PEER_CLUSTER_0_FQDN}` for the entry of
 * cluster-0 → `CILIUM_CLUSTERMESH_PEER_{PEER}_FQDN`), when every such
 * entry of a known cluster agrees on one; with where it shows.
 */
export function peerVariableTemplate(
  documents: Iterable<ScannedDocument>,
  clusters: readonly string[],
): { template: string; location: SourceLocation } | undefined {
  let found: { template: string; location: SourceLocation } | undefined;
  for (const doc of documents) {
    const inRelease = doc.value.kind === 'HelmRelease';
    const root = inRelease ? ['spec', 'values'] : [];
    const peers = getPath(doc.value, [
      ...root,
      ...ciliumValuesPaths.meshClusters,
    ]);
    if (!Array.isArray(peers)) continue;
    for (const [i, peer] of peers.entries()) {
      if (!isRecord(peer) || typeof peer.address !== 'string') continue;
      const cluster = clusterOfCiliumName(String(peer.name), clusters);
      if (!cluster) continue;
      // the variable the address is (a default after it: `:=${…}`)
      const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:]?[-=].*)?\}$/.exec(
        peer.address.trim(),
      )?.[1];
      if (!variable) continue;
      const segment = variableSegment(cluster);
      // the default names: nothing to detect (a mesh's every entry)
      if (variable === `CILIUM_CLUSTERMESH_${segment}_FQDN`) continue;
      // the cluster's segment as a whole part of the name (`_CLUSTER_0_`)
      const part = (text: string) =>
        new RegExp(`(^|_)${escapeRegExp(text)}(?=_|$)`);
      let template: string | undefined;
      if (variable && part(segment).test(variable))
        template = variable.replace(part(segment), `$1${peerToken}`);
      else if (variable && part(segment.toLowerCase()).test(variable))
        template = variable.replace(
          part(segment.toLowerCase()),
          `$1${lowerPeerToken}`,
        );
      if (!template) continue;
      // entries that disagree: no one template
      if (found && found.template !== template) return undefined;
      found ??= {
        template,
        location: doc.at([
          ...root,
          ...ciliumValuesPaths.meshClusters,
          i,
          'address',
        ]),
      };
    }
  }
  return found;
}
