import { variableSegment } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { escapeRegExp } from '../core/text';
import { envsubst } from '../flux/envsubst';
import {
  defaultConventions,
  lowerPeerToken,
  MeshConventions,
  MeshConventionsInput,
  peerToken,
} from './schema';

/**
 * The variable holding a peer's FQDN: `CILIUM_CLUSTERMESH_{PEER}_FQDN` with
 * the peer's segment (`{peer}`: lower-cased).
 *
 * @public
 */
export function peerFqdnVariable(
  conventions: MeshConventions,
  peer: string,
): string {
  return peerVariableOf(conventions.variables.peerFqdn, peer);
}

/** A peer FQDN variable's name (`variables.peerFqdn`) with the peer's segment in it. @internal */
export function peerVariableOf(template: string, peer: string): string {
  const segment = variableSegment(peer);
  return template
    .replace(peerToken, segment)
    .replace(lowerPeerToken, segment.toLowerCase());
}

/**
 * Whether a settings variable is one of the ClusterMesh keys, each
 * cluster's own value: its FQDN, its LB IP, a peer's FQDN.
 *
 * @public
 */
export function isClusterMeshVariable(
  conventions: MeshConventions,
): (name: string) => boolean {
  const { fqdn, lbIp, peerFqdn } = conventions.variables;
  const peer = new RegExp(
    `^${escapeRegExp(peerFqdn)
      .replace(escapeRegExp(peerToken), '[A-Z0-9_]+')
      .replace(escapeRegExp(lowerPeerToken), '[a-z0-9_]+')}$`,
  );
  return name => name === fqdn || name === lbIp || peer.test(name);
}

/** The expected FQDN template of a cluster: the conventions' template with the cluster's name. @public */
export function fqdnTemplateFor(
  conventions: MeshConventions,
  cluster: string,
): string {
  // a DNS name, lower-case: the folder `Data` is `data` there
  return conventions.fqdnTemplate
    .split('{cluster}')
    .join(cluster.toLowerCase());
}

/**
 * A cluster's FQDN by the conventions: the template, and its value as Flux
 * would insert it, with variables looked up by `lookup` (one pass, as Flux
 * does; a variable the lookup does not know becomes empty, as without
 * strict mode). When the template cannot be substituted at all, the
 * resolved value is the template.
 *
 * @public
 */
export function resolveFqdnTemplate(
  conventions: MeshConventions,
  cluster: string,
  lookup: (name: string) => string | undefined,
): { template: string; resolved: string } {
  const template = fqdnTemplateFor(conventions, cluster);
  const result = envsubst(template, lookup, { strict: false });
  return { template, resolved: result.ok ? result.output : template };
}

/** A `{cluster}` path template filled in. @public */
export function clusterPath(template: string, cluster: string): string {
  return template.split('{cluster}').join(cluster);
}

/**
 * The settings ConfigMap a cluster reads, as `namespace/name`: the one found
 * (in another namespace, the one the Kustomization applying the Cilium
 * values substitutes from), else the conventions' name for the cluster.
 */
export function settingsConfigMapName(
  conventions: MeshConventions,
  cluster: string,
  found?: {
    object: { namespace?: string; name: string };
    appliedBy: { namespace: string };
  },
  /**
   * With none found: the namespace of the Kustomization that would read it
   * (the one applying the Cilium values), where Flux looks for it.
   */
  readIn?: string,
): string {
  if (found)
    return `${found.object.namespace ?? found.appliedBy.namespace}/${
      found.object.name
    }`;
  const { namespace, configMap } = conventions.settings;
  return `${readIn ?? namespace}/${clusterPath(configMap, cluster)}`;
}

/** `${NAME}`: how a file that Flux substitutes refers to a variable. @public */
export const variableReference = (name: string) => `\${${name}}`;

/** A cluster's folder: `<clustersPath>/<cluster>`, or `<cluster>` when the clusters are at the top of the repository. @public */
export function clusterFolder(clustersPath: string, cluster: string): string {
  return clustersPath ? `${clustersPath}/${cluster}` : cluster;
}

/**
 * The folder Flux reconciles a cluster from: its folder, the entry
 * sub-folder in it, or the entry point every cluster shares.
 * @public
 */
export function clusterEntry(
  conventions: MeshConventions,
  cluster: string,
): string {
  if (conventions.sharedEntry) return conventions.sharedEntry.path;
  const own = conventions.entries?.[cluster];
  if (own !== undefined) return own;
  const dir = clusterFolder(conventions.clustersPath, cluster);
  return conventions.entryPath ? `${dir}/${conventions.entryPath}` : dir;
}

/** The merged values of each cluster, per conventions object: asked for every variable looked up. */
const valuesMemo = new WeakMap<
  MeshConventions,
  Map<string, Readonly<Record<string, string>>>
>();

/**
 * The values known for a cluster's variables: the conventions' values, the
 * cluster's own (`valuesByCluster`) over them and, from a shared entry
 * point, the variable that picks the cluster's folder (its name, the only
 * value that makes the folder's paths exist).
 * @public
 */
export function clusterValues(
  conventions: MeshConventions,
  cluster: string,
): Readonly<Record<string, string>> {
  const shared = conventions.sharedEntry;
  const own = conventions.valuesByCluster?.[cluster];
  if (!shared && !own) return conventions.values;
  let byCluster = valuesMemo.get(conventions);
  if (!byCluster) valuesMemo.set(conventions, (byCluster = new Map()));
  let values = byCluster.get(cluster);
  if (!values) {
    values = {
      ...conventions.values,
      ...own,
      ...(shared && { [shared.variable]: cluster }),
    };
    byCluster.set(cluster, values);
  }
  return values;
}

/**
 * The settings file no one chose: `cluster-settings.yaml` in the folder
 * Flux reconciles for each cluster.
 *
 * @internal
 */
export function defaultSettingsFile(
  conventions: Pick<MeshConventionsInput, 'clustersPath' | 'entryPath'>,
): string {
  const folder = [
    conventions.clustersPath ?? defaultConventions.clustersPath,
    '{cluster}',
    conventions.entryPath ?? '',
  ]
    .filter(Boolean)
    .join('/');
  return `${folder}/cluster-settings.yaml`;
}

/**
 * Where the conventions keep a cluster's settings file (`settings.file`,
 * `{cluster}` filled in). The default one is in the folder Flux reconciles
 * for the cluster: for a cluster whose entry point the conventions give
 * apart (`entries`), in that folder.
 */
export function settingsFileOf(
  conventions: MeshConventions,
  cluster: string,
): string {
  const own = conventions.entries?.[cluster];
  return own !== undefined &&
    !conventions.sharedEntry &&
    conventions.settings.file === defaultSettingsFile(conventions)
    ? `${own}/cluster-settings.yaml`
    : clusterPath(conventions.settings.file, cluster);
}
