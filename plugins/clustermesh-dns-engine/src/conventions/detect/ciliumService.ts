import {
  parseIpAddress,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath } from '../../core/paths';
import {
  chartServiceAddresses,
  ciliumValuesPaths,
  lbIpamAnnotation,
  LbIpamAnnotationKey,
  lbIpamAnnotationKeys,
} from '../../cilium/values';
import {
  chartVersionPath,
  CiliumMinor,
  ociTagPath,
  pinnedCiliumMinor,
} from '../../cilium/version';
import { ScannedDocument, where } from './scan';
import {
  settingsConfigMaps,
  type SubstitutionReferences,
} from './settingsSources';

/** Needles of the files that may hold the clustermesh-apiserver's annotation. */
export const ciliumServiceNeedles = lbIpamAnnotationKeys;

/** The LB IPAM annotation the Cilium values already write, and the variable bound to it. */
export interface ApiserverAnnotation {
  key: LbIpamAnnotationKey;
  variable?: string;
  location: SourceLocation;
}

/**
 * The clustermesh-apiserver service annotation of the repository's Cilium
 * values. Where they bind it to different variables (one cluster's typo),
 * the one most of them use, the default name on a tie; `others` names the
 * rest, for the reason said.
 */
export function readApiserverAnnotation(
  documents: Iterable<ScannedDocument>,
  defaultVariable?: string,
): (ApiserverAnnotation & { others?: ApiserverAnnotation[] }) | undefined {
  const found: ApiserverAnnotation[] = [];
  for (const doc of documents) {
    const v = doc.value;
    const inHelmRelease = v.kind === 'HelmRelease';
    const values = inHelmRelease ? getPath(v, ['spec', 'values']) : v;
    const annotation = lbIpamAnnotation(values);
    if (!annotation) continue;
    const bound = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(
      String(annotation.value),
    );
    found.push({
      key: annotation.key,
      variable: bound?.[1],
      location: doc.at([
        ...(inHelmRelease ? ['spec', 'values'] : []),
        ...ciliumValuesPaths.serviceAnnotations,
        annotation.key,
      ]),
    });
  }
  if (!found.length) return undefined;
  const votes = new Map<string, number>();
  for (const a of found)
    if (a.variable) votes.set(a.variable, (votes.get(a.variable) ?? 0) + 1);
  const most = Math.max(0, ...votes.values());
  const leaders = [...votes].filter(([, n]) => n === most).map(([v]) => v);
  const chosen =
    defaultVariable !== undefined && leaders.includes(defaultVariable)
      ? defaultVariable
      : leaders[0];
  const first = found.find(a => a.variable === chosen) ?? found[0];
  const others = found.filter(
    a => a.variable !== undefined && a.variable !== first.variable,
  );
  return others.length ? { ...first, others } : first;
}

/** Names a repository gives the clustermesh-apiserver's address. */
const lbIpName =
  /^(CILIUM_)?CLUSTERMESH_(API_?SERVER_)?(LB_)?(IP|ADDRESS|ENDPOINT)$/;

/**
 * The LB IP variable when the default is used nowhere: one whose name says
 * it is the ClusterMesh API server's address (`CLUSTERMESH_IP`,
 * `CILIUM_CLUSTERMESH_ENDPOINT`), in the settings or inline values.
 */
export function lbIpVariableByName(
  settingsKeys: Map<string, SourceLocation[]>,
  references: SubstitutionReferences,
  defaultName: string,
): { variable: string; reason: string; location: SourceLocation } | undefined {
  if (settingsKeys.has(defaultName) || references.inline.has(defaultName))
    return undefined;
  const found = new Map<string, SourceLocation[]>();
  for (const map of [settingsKeys, references.inline])
    for (const [name, locations] of map)
      if (lbIpName.test(name))
        found.set(name, [...(found.get(name) ?? []), ...locations]);
  const best = [...found.entries()].sort(
    (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
  )[0];
  if (!best) return undefined;
  return {
    variable: best[0],
    reason: `${best[0]} is set in ${best[1].length} place(s), e.g. ${where(
      best[1][0],
    )}, and ${defaultName} nowhere`,
    location: best[1][0],
  };
}

/**
 * The keys of the settings ConfigMaps named `name` (a `{cluster}` template
 * matches any) that may hold the LB IP: the default name, or one that says
 * it is the ClusterMesh API server's address. Reading stops at the first
 * default one: then nothing is detected, and a mesh's settings are
 * megabytes (the render reads them anyway).
 */
export function readLbIpSettingKeys(
  documents: Iterable<ScannedDocument>,
  name: string,
  defaultName: string,
): Map<string, SourceLocation[]> {
  const keys = new Map<string, SourceLocation[]>();
  for (const { doc, data } of settingsConfigMaps(documents, name)) {
    if (Object.prototype.hasOwnProperty.call(data, defaultName))
      return new Map([[defaultName, [doc.at(['data', defaultName])]]]);
    for (const key of Object.keys(data))
      if (lbIpName.test(key))
        keys.set(key, [...(keys.get(key) ?? []), doc.at(['data', key])]);
  }
  return keys;
}

/** Needles of the files that may pin the Cilium chart: a HelmRelease of it, or its OCI repository. */
export const ciliumChartNeedles = ['chart: cilium', '/cilium'];

/**
 * The Cilium release lines the repository pins: a HelmRelease of the chart
 * `cilium` (`spec.chart.spec.version`), or an OCIRepository of it (`…/cilium`,
 * `spec.ref.tag`), each with where.
 */
export function readCiliumChartVersions(
  documents: Iterable<ScannedDocument>,
): (CiliumMinor & { text: string; location: SourceLocation })[] {
  const found: (CiliumMinor & { text: string; location: SourceLocation })[] =
    [];
  for (const doc of documents) {
    const v = doc.value;
    let path: string[] | undefined;
    if (
      v.kind === 'HelmRelease' &&
      getPath(v, ['spec', 'chart', 'spec', 'chart']) === 'cilium'
    )
      path = chartVersionPath;
    else if (
      v.kind === 'OCIRepository' &&
      /\/cilium$/.test(String(getPath(v, ['spec', 'url'])))
    )
      path = ociTagPath;
    if (!path) continue;
    const text = getPath(v, path);
    const minor = pinnedCiliumMinor(text);
    if (minor)
      found.push({ ...minor, text: String(text), location: doc.at(path) });
  }
  return found;
}

/**
 * The LB IPAM annotation key the repository's objects use (Services'
 * annotations, or the same in Helm values): how many times, the first
 * place, and how many of the other. Where both are used (a repository
 * moving to the current key), the current one, `mixed`: the older key is
 * deprecated, and a new annotation is not written with it.
 */
export function lbIpamAnnotationsUsed(documents: Iterable<ScannedDocument>):
  | {
      key: LbIpamAnnotationKey;
      count: number;
      others: number;
      location: SourceLocation;
      mixed?: true;
    }
  | undefined {
  const counts = new Map<
    LbIpamAnnotationKey,
    { count: number; location: SourceLocation }
  >();
  // where the repository's objects ask LB IPAM for addresses: the one walk
  for (const doc of documents)
    for (const { path, text } of chartServiceAddresses(doc.value, [], false)) {
      const key = lbIpamAnnotationKeys.find(a => a === path[path.length - 1]);
      // a value that asks for no address (kube-on-the-cheap's `auto`) says
      // nothing of how the repository asks
      if (!key || !asksForAddresses(text)) continue;
      const seen = counts.get(key);
      if (seen) seen.count += 1;
      else counts.set(key, { count: 1, location: doc.at(path) });
    }
  const [current, older] = lbIpamAnnotationKeys;
  const withCurrent = counts.get(current);
  const withOlder = counts.get(older);
  if (withCurrent && withOlder)
    return {
      key: current,
      ...withCurrent,
      others: withOlder.count,
      mixed: true,
    };
  const [key, used] = [...counts][0] ?? [];
  return key && used ? { key, ...used, others: 0 } : undefined;
}

/** Whether an LB IPAM annotation's value is addresses (or variables that give them). */
function asksForAddresses(text: unknown): boolean {
  return (
    typeof text === 'string' &&
    text.split(',').every(part => {
      const value = part.trim();
      return value.includes('${') || parseIpAddress(value) !== undefined;
    })
  );
}
