import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../../core/paths';
import { escapeRegExp } from '../../core/text';
import type { ScannedDocument } from './scan';
import { settingsNamePattern } from './settingsSources';

/** The FQDN template the settings already hold, with the clusters that show it. */
export interface SettingsFqdnTemplate {
  template: string;
  /** The clusters whose names (own or as a peer) follow it. */
  clusters: string[];
  /** One value that shows it, and where. */
  example: { key: string; value: string; location: SourceLocation };
  /** Clusters whose names follow another template. */
  others: string[];
}

/**
 * A cluster's name as a whole part of an FQDN (between dots or dashes),
 * made `{cluster}`: `clustermesh-infra.${SECRET_DOMAIN}` for infra →
 * `clustermesh-{cluster}.${SECRET_DOMAIN}`. Undefined when the name is not
 * in it (`mesh-a.example.net` for cluster alpha says nothing).
 */
export function templateOf(value: string, cluster: string): string | undefined {
  const whole = new RegExp(`(^|[.-])${escapeRegExp(cluster)}(?=$|[.-])`).exec(
    value,
  );
  if (!whole) return undefined;
  const at = whole.index + whole[1].length;
  return `${value.slice(0, at)}{cluster}${value.slice(at + cluster.length)}`;
}

/**
 * The FQDN template the names in the settings ConfigMaps follow: each
 * cluster's own FQDN variable (in its folder, or in the settings named for
 * it) and each peer FQDN variable, with the cluster's name made
 * `{cluster}`. The template most clusters follow, when no other is followed
 * by as many; undefined when the settings hold no FQDN yet.
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
  },
): SettingsFqdnTemplate | undefined {
  const pattern = settingsNamePattern(options.settingsName);
  const [before, after] = options.settingsName.split('{cluster}');
  const byPeerVariable = new Map(
    options.clusters.map(c => [options.peerVariable(c), c]),
  );
  /** By template: the clusters that follow it, and the first value that shows it. */
  const votes = new Map<
    string,
    { clusters: Set<string>; example: SettingsFqdnTemplate['example'] }
  >();
  /** Each cluster's template, the first seen (its own settings before a peer's). */
  const templateOfCluster = new Map<string, string>();
  const vote = (cluster: string, key: string, doc: ScannedDocument) => {
    const value = doc.value.data[key];
    if (typeof value !== 'string' || templateOfCluster.has(cluster)) return;
    const template = templateOf(value.trim(), cluster);
    if (!template) return;
    templateOfCluster.set(cluster, template);
    const seen = votes.get(template);
    if (seen) seen.clusters.add(cluster);
    else
      votes.set(template, {
        clusters: new Set([cluster]),
        example: { key, value, location: doc.at(['data', key]) },
      });
  };
  const known = new Set(options.clusters);
  /** Each peer's first entry: counted for a peer with no FQDN of its own. */
  const peerEntries = new Map<string, [string, ScannedDocument]>();
  for (const doc of documents) {
    const v = doc.value;
    const name = String(getPath(v, ['metadata', 'name']));
    if (v.kind !== 'ConfigMap' || !pattern.test(name) || !isRecord(v.data))
      continue;
    const named =
      after === undefined
        ? undefined
        : name.slice(before.length, name.length - after.length);
    const owner =
      (named !== undefined && known.has(named) ? named : undefined) ??
      options.clusterOfFile(doc.file);
    if (
      owner &&
      Object.prototype.hasOwnProperty.call(v.data, options.fqdnVariable)
    )
      vote(owner, options.fqdnVariable, doc);
    for (const key of Object.keys(v.data)) {
      const peer = byPeerVariable.get(key);
      if (peer !== undefined && !peerEntries.has(peer))
        peerEntries.set(peer, [key, doc]);
    }
  }
  for (const [peer, [key, doc]] of peerEntries) vote(peer, key, doc);
  const ranked = [...votes.entries()].sort(
    (a, b) => b[1].clusters.size - a[1].clusters.size,
  );
  if (!ranked.length) return undefined;
  const [[template, { clusters, example }], next] = ranked;
  if (next && next[1].clusters.size === clusters.size) return undefined;
  return {
    template,
    clusters: [...clusters].sort(),
    example,
    others: [...templateOfCluster]
      .filter(([, t]) => t !== template)
      .map(([c]) => c)
      .sort(),
  };
}
