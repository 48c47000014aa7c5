import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../../core/paths';
import type { ObjectPath } from '../../core/paths';
import type { EngineCache } from '../../cache/EngineCache';
import type { RepoTree } from '../../tree/RepoTree';
import { literal, scanDocuments, ScannedDocument, where } from './scan';

export const externalDnsNeedles = ['external-dns'];

/**
 * The provider a deployment names (`provider.name`, `provider`, or
 * `--provider=`), else the chart's default, `aws` (kubernetes-sigs' and
 * Bitnami's), when all of the chart's values are read.
 */
function providerOf(
  value: unknown,
  args: readonly string[],
  chartDefaultHolds: boolean,
): Pick<ExternalDnsDeployment, 'provider' | 'providerByDefault'> {
  if (typeof value === 'string') return { provider: value };
  const [flag] = flagValues(args, 'provider');
  if (flag !== undefined) return { provider: flag };
  return chartDefaultHolds ? { provider: 'aws', providerByDefault: true } : {};
}

/** The prefix of provider-specific keys from ExternalDNS v0.22.0, and before it. */
export const externalDnsPrefixes = {
  current: 'external-dns.kubernetes.io/',
  alpha: 'external-dns.alpha.kubernetes.io/',
} as const;

/** One ExternalDNS deployment of the repository, as far as it can be read. */
export interface ExternalDnsDeployment {
  description: string;
  location: SourceLocation;
  /** `[major, minor, patch]` of ExternalDNS itself, when known. */
  version?: [number, number, number];
  /** Where the version comes from: an image tag, or a chart version (which gives the minor only: the patch is then 0). */
  versionFrom?: string;
  /** Set when only the minor is known (taken from the chart's version). */
  minorOnly?: boolean;
  provider?: string;
  /** Set when no value or flag names the provider: the chart's default. */
  providerByDefault?: boolean;
  /**
   * The DNS server a webhook provider's sidecar writes to, as its
   * environment writes it out (`UNIFI_HOST: https://unifi.internal`).
   */
  webhookServer?: string;
  /**
   * The DNS server of a self-hosted provider as Bitnami's chart takes it
   * from its values (`rfc2136.host`, `pihole.server`, `pdns.apiUrl`), which
   * it renders into the provider's flag.
   */
  chartServer?: string;
  args: string[];
  /** The chart's `annotationPrefix` value (chart 1.20 and later). */
  annotationPrefix?: string;
  /** `sources` of the chart, or `--source=` flags. */
  sources: string[];
  /** Where those sources are written (a patch that sets them, else the object), when read from one place. */
  sourcesLocation?: SourceLocation;
  /** Whether it runs the external-dns chart's default sources (service, ingress): no `sources` value, no flag. */
  defaultSources?: boolean;
  /** What it publishes, as its flags or chart values restrict it. */
  filters: ExternalDnsFilters;
  /** Values of its HelmRelease that are not read here (`valuesFrom`): its settings may differ. */
  valuesUnread?: boolean;
  /**
   * Its HelmRelease's chart source, when the cluster does not apply it:
   * helm-controller fails the release (`fails`: the repository defines the
   * source elsewhere), or it is made outside the repository, or missing.
   */
  chartSourceMissing?: { why: string; fails: boolean };
  /**
   * Why it does not install the DNSEndpoint CRD, when it is known not to:
   * the chart before 1.14.4 has none, `install.crds: Skip` leaves it out,
   * and the image alone (another chart, a Deployment) installs none.
   * Absent when it does, or when that is not known.
   */
  noCrd?: string;
  /**
   * Which records it takes for its own: `--policy` (`sync` deletes those it
   * no longer has a source for), `--registry`, `--txt-owner-id` and where
   * its ownership records are (`--txt-prefix`, `--txt-suffix`: another
   * prefix is another registry), with the chart's defaults (upsert-only,
   * txt, the binary's `default` owner, no prefix or suffix) or the binary's
   * (sync) for a plain Deployment.
   */
  ownership: {
    policy: string;
    registry: string;
    owner: string;
    txtPrefix: string;
    txtSuffix: string;
  };
}

/**
 * The flag naming the DNS server a self-hosted provider writes to: two
 * deployments of it share records only when they write to the same server.
 */
const providerServerFlags: Record<string, string> = {
  pihole: 'pihole-server',
  rfc2136: 'rfc2136-host',
  pdns: 'pdns-server',
};

/**
 * The DNS server a deployment of a self-hosted provider writes to, as its
 * flag gives it (`http://pihole.pihole.svc.cluster.local`); undefined for a
 * hosted provider (one zone per domain) or when no flag says (an
 * environment variable, the provider's default).
 *
 * @public
 */
export function externalDnsServer(
  deployment: Pick<
    ExternalDnsDeployment,
    'provider' | 'args' | 'webhookServer' | 'chartServer'
  >,
): string | undefined {
  const flag = deployment.provider && providerServerFlags[deployment.provider];
  if (flag)
    return flagValues(deployment.args, flag)[0] ?? deployment.chartServer;
  return deployment.provider === 'webhook'
    ? deployment.webhookServer
    : undefined;
}

/** Bitnami's chart values that give a self-hosted provider's server. */
const chartServerValues: Record<string, readonly string[]> = {
  rfc2136: ['rfc2136', 'host'],
  pihole: ['pihole', 'server'],
  pdns: ['pdns', 'apiUrl'],
};

/** The server a self-hosted provider's chart values give (Bitnami's), where written out. */
function chartServerOf(values: unknown, provider: unknown): string | undefined {
  const path =
    typeof provider === 'string' ? chartServerValues[provider] : undefined;
  const server = path && getPath(values, path);
  return typeof server === 'string' && server ? server : undefined;
}

/**
 * The server a webhook provider's sidecar is given in the chart's values
 * (`provider.webhook.env`: `*_HOST`, `*_URL`, `*_SERVER`, `*_ENDPOINT`),
 * where one is written out.
 */
function webhookServerOf(values: unknown): string | undefined {
  const env = getPath(values, ['provider', 'webhook', 'env']);
  if (!Array.isArray(env)) return undefined;
  for (const entry of env)
    if (
      isRecord(entry) &&
      typeof entry.name === 'string' &&
      /(^|_)(HOST|URL|SERVER|ENDPOINT)$/.test(entry.name) &&
      typeof entry.value === 'string' &&
      entry.value
    )
      return entry.value;
  return undefined;
}

/** What an ExternalDNS deployment publishes: the domains and objects it takes. */
export interface ExternalDnsFilters {
  /** `--domain-filter` (chart `domainFilters`): only names in these domains. */
  domains: string[];
  /** `--exclude-domains` (chart `excludeDomains`). */
  excludeDomains: string[];
  /** `--annotation-filter` (chart `annotationFilter`): a selector over the object's annotations. */
  annotation?: string;
  /** `--label-filter` (chart `labelFilter`): a selector over the object's labels. */
  label?: string;
  /** The RFC2136 provider's zones (`--rfc2136-zone`): it updates only names in them. */
  zones: string[];
  /**
   * The annotation and label filters as the repository writes them, where
   * Flux's substitution changed them (`…/target=external.${SECRET_DOMAIN}`):
   * what a file substituted with the same variables can say.
   */
  written?: { annotation?: string; label?: string };
}

/** Whether a name is in a domain of ExternalDNS's filters (`example.com` takes itself and its subdomains). */
export function inDomain(name: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/^\./, '').replace(/\.$/, '');
  return name === d || name.endsWith(`.${d}`);
}

/** The values of a flag, as `--flag=value` or `--flag value`. */
export function flagValues(args: readonly string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3));
    else if (a === `--${flag}` && i + 1 < args.length) out.push(args[i + 1]);
  });
  return out;
}

/** A chart value that is a list of strings, or one string. */
const stringsAt = (values: unknown, key: string | string[]): string[] => {
  const v = getPath(values, typeof key === 'string' ? [key] : key);
  if (Array.isArray(v))
    return v.filter(x => x !== null && x !== undefined).map(String);
  return typeof v === 'string' && v ? [v] : [];
};

/** The filters of a deployment from its chart values (none for a Deployment) and flags. */
function filtersOf(
  values: unknown,
  args: readonly string[],
  /** The same, as written before Flux's substitution, where known. */
  written?: { values?: (key: string) => string | undefined; args?: string[] },
): ExternalDnsFilters {
  const one = (key: string, flag: string) =>
    flagValues(args, flag).pop() ?? stringsAt(values, key)[0];
  const writtenOne = (key: string, flag: string) => {
    const fromFlag = written?.args && flagValues(written.args, flag).pop();
    if (fromFlag !== undefined) return fromFlag;
    return flagValues(args, flag).length ? undefined : written?.values?.(key);
  };
  const writtenFilters: NonNullable<ExternalDnsFilters['written']> = {};
  for (const [field, key, flag] of [
    ['annotation', 'annotationFilter', 'annotation-filter'],
    ['label', 'labelFilter', 'label-filter'],
  ] as const) {
    const text = writtenOne(key, flag);
    if (text !== undefined && text !== one(key, flag))
      writtenFilters[field] = text;
  }
  // ExternalDNS drops empty filters (a `${SECRET_DOMAIN}` Flux left empty)
  const given = (list: string[]) => list.filter(d => d.trim() !== '');
  return {
    domains: given([
      ...stringsAt(values, 'domainFilters'),
      ...flagValues(args, 'domain-filter'),
    ]),
    excludeDomains: given([
      ...stringsAt(values, 'excludeDomains'),
      ...flagValues(args, 'exclude-domains'),
    ]),
    annotation: one('annotationFilter', 'annotation-filter'),
    label: one('labelFilter', 'label-filter'),
    ...(Object.keys(writtenFilters).length && { written: writtenFilters }),
    // the RFC2136 provider updates only names in its zones (Bitnami's
    // chart: rfc2136.zone or rfc2136.zones; the binary: --rfc2136-zone)
    zones: given([
      ...stringsAt(values, ['rfc2136', 'zone']),
      ...stringsAt(values, ['rfc2136', 'zones']),
      ...flagValues(args, 'rfc2136-zone'),
    ]),
  };
}

/**
 * The record ownership of a deployment: its flags, else the chart's values
 * (`chartValues`, for the external-dns chart) and defaults, else the
 * binary's defaults.
 */
function ownershipOf(
  chartValues: unknown,
  args: readonly string[],
): ExternalDnsDeployment['ownership'] {
  const chart = chartValues !== undefined;
  const one = (
    key: string,
    flag: string,
    chartDefault: string,
    binary: string,
  ) =>
    flagValues(args, flag).pop() ??
    (chart ? stringsAt(chartValues, key)[0] ?? chartDefault : binary);
  return {
    policy: one('policy', 'policy', 'upsert-only', 'sync'),
    registry: one('registry', 'registry', 'txt', 'txt'),
    owner: one('txtOwnerId', 'txt-owner-id', 'default', 'default'),
    txtPrefix: one('txtPrefix', 'txt-prefix', '', ''),
    txtSuffix: one('txtSuffix', 'txt-suffix', '', ''),
  };
}

/**
 * ExternalDNS's version an image's tag gives: any tag of upstream's image
 * (`…/external-dns/external-dns`, its mirrors, Bitnami's), a `0.x` tag of
 * another; a fork's own numbering (samipsolutions' `samip537/external-dns:v1.2.0`,
 * while ExternalDNS is at 0.x) says nothing of it.
 */
function imageVersion(image: {
  tag: string;
  repository: string;
}): [number, number, number] | undefined {
  // a staging build (`v20250402-v0.16.1-48-g1efdf416`, npmulder's): the
  // release it was built after
  const staged = /^v\d{8}-(v\d+\.\d+(?:\.\d+)?)/.exec(image.tag);
  const version = semver(staged ? staged[1] : image.tag);
  if (!version) return undefined;
  const upstream =
    /(?:^|\/)(?:external-dns|kubernetes-sigs|bitnami|bitnamilegacy|k8s-staging-external-dns)\/external-dns$/.test(
      image.repository,
    );
  return upstream || version[0] === 0 ? version : undefined;
}

/** A version's major, minor and patch (`v1.2`, `1.2.3-rc.1`), as pinned. @internal */
export function semver(text: unknown): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(String(text ?? ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/**
 * The ExternalDNS minor a chart minor of kubernetes-sigs/external-dns
 * deploys (its changelog): 1.N deploys v0.N from 1.14; before, 1.9 → v0.11,
 * 1.10 and 1.11 → v0.12, 1.12 and 1.13 → v0.13. Undefined before 1.9.
 */
function appMinorOfChart(minor: number): number | undefined {
  if (minor >= 14) return minor;
  return ({ 9: 11, 10: 12, 11: 12, 12: 13, 13: 13 } as Record<number, number>)[
    minor
  ];
}

/**
 * Why a chart deployment does not install the DNSEndpoint CRD: the chart
 * ships it (in `crds/`) from 1.14.4, and helm-controller installs it unless
 * `install.crds` is Skip. Bitnami's chart of the same name (versions from
 * 2) templates it only with `crd.create: true`.
 */
function noCrdOf(
  chart: [number, number, number] | undefined,
  /** A range pinning the minor: Helm takes its newest patch. */
  newestPatch: boolean,
  installCrds: unknown,
  written: unknown,
  values: unknown,
): { noCrd: string } | undefined {
  if (chart && chart[0] >= 2)
    return getPath(values, ['crd', 'create']) === true
      ? undefined
      : {
          noCrd: `chart external-dns ${String(
            written,
          ).trim()} (Bitnami's) installs the DNSEndpoint CRD only with crd.create: true in its values`,
        };
  if (!chart || chart[0] !== 1) return undefined;
  const before =
    chart[1] < 14 || (chart[1] === 14 && !newestPatch && chart[2] < 4);
  if (before)
    return {
      noCrd: `chart external-dns ${String(
        written,
      ).trim()} has no DNSEndpoint CRD (the chart ships it from 1.14.4)`,
    };
  if (installCrds === 'Skip')
    return {
      noCrd: "its HelmRelease skips the chart's CRDs (install.crds: Skip)",
    };
  return undefined;
}

/**
 * The minor a chart version range pins (`~1.16`, `~1.16.2`, `1.16.x`,
 * `1.16.*`): Helm takes the newest patch of it, so the minor is known and
 * the patch is not (given as 0).
 */
function pinnedMinor(text: unknown): [number, number, number] | undefined {
  const m =
    /^\s*(?:~\s*v?(\d+)\.(\d+)(?:\.\d+)?|v?(\d+)\.(\d+)\.[xX*])\s*$/.exec(
      String(text ?? ''),
    );
  if (!m) return undefined;
  return [Number(m[1] ?? m[3]), Number(m[2] ?? m[4]), 0];
}

/** Every string list under `args`/`extraArgs` (a list, or a map of flag → value as the chart allows). */
function argumentsIn(
  value: unknown,
  out: string[] = [],
  depth = 0,
  /** Where each argument is (the same order as `out`), collected when given: the field, and the flag a map entry's value follows. */
  places?: ArgumentPlace[],
  at: ObjectPath = [],
): string[] {
  if (depth > 8 || !isRecord(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'args' || key === 'extraArgs') && Array.isArray(child))
      child.forEach((a, i) => {
        if (typeof a !== 'string') return;
        out.push(a);
        places?.push({ path: [...at, key, i] });
      });
    else if (key === 'extraArgs' && isRecord(child))
      for (const [flag, v] of Object.entries(child)) {
        out.push(v === true || v === '' ? `--${flag}` : `--${flag}=${v}`);
        places?.push({ path: [...at, key, flag], flag });
      }
    else if (Array.isArray(child))
      child.forEach((c, i) =>
        argumentsIn(c, out, depth + 1, places, places && [...at, key, i]),
      );
    else argumentsIn(child, out, depth + 1, places, places && [...at, key]);
  }
  return out;
}

/** Where each argument is, as {@link argumentsIn} collects it. */
type ArgumentPlace = { path: ObjectPath; flag?: string };

/**
 * A document's arguments under `root` (see {@link argumentsIn}), and the
 * same as the repository writes them, before Flux's substitution
 * (`--annotation-filter=…/target=external.${SECRET_DOMAIN}`), where the
 * document can say (`written`); read in one walk.
 */
function argumentsOf(
  doc: ScannedDocument,
  root: ObjectPath,
  value: unknown = getPath(doc.value, root),
): { args: string[]; written?: string[] } {
  const places: ArgumentPlace[] | undefined = doc.written ? [] : undefined;
  const args = argumentsIn(value, [], 0, places, root);
  if (!places) return { args };
  return {
    args,
    written: args.map((arg, i) => {
      const raw = doc.written!(places[i].path);
      if (raw === undefined) return arg;
      return places[i].flag === undefined ? raw : `--${places[i].flag}=${raw}`;
    }),
  };
}

/**
 * Whether an image (or an image repository) is ExternalDNS itself: its last
 * path segment is `external-dns` (`registry.k8s.io/external-dns/external-dns`,
 * `bitnami/external-dns`); a webhook provider's sidecar
 * (`external-dns-provider-mikrotik`) is not.
 */
function isExternalDnsImage(image: string): boolean {
  const repository = image.split('@')[0].replace(/:[^:/]*$/, '');
  return repository.split('/').pop() === 'external-dns';
}

/** The external-dns image (repository and tag) anywhere in the values. */
function externalDnsImage(
  value: unknown,
  path: ObjectPath = [],
): { tag: string; path: ObjectPath; repository: string } | undefined {
  // every rendered HelmRelease's values are searched: the steps are kept on
  // one stack and copied only for the image found
  const steps = [...path];
  const search = (
    node: unknown,
    depth: number,
  ): { tag: string; path: ObjectPath; repository: string } | undefined => {
    if (depth > 8) return undefined;
    if (Array.isArray(node)) {
      // containers are few; a long list is data (a mesh's peers in the
      // Cilium values), walked for every cluster otherwise
      if (node.length > 64) return undefined;
      for (let i = 0; i < node.length; i++) {
        steps.push(i);
        const found = search(node[i], depth + 1);
        steps.pop();
        if (found) return found;
      }
      return undefined;
    }
    if (!isRecord(node)) return undefined;
    if (typeof node.image === 'string' && isExternalDnsImage(node.image))
      // no tag: the registry's latest (a version not known here)
      return {
        tag: imageTag(node.image) ?? 'latest',
        path: [...steps, 'image'],
        repository: node.image.split('@')[0].replace(/:[^:/]*$/, ''),
      };
    if (
      isRecord(node.image) &&
      isExternalDnsImage(String(node.image.repository ?? '')) &&
      literal(String(node.image.tag ?? ''))
    )
      return {
        tag: String(node.image.tag),
        path: [...steps, 'image', 'tag'],
        repository: String(node.image.repository),
      };
    for (const key of Object.keys(node)) {
      steps.push(key);
      const found = search(node[key], depth + 1);
      steps.pop();
      if (found) return found;
    }
    return undefined;
  };
  return search(value, 0);
}

/** The tag of an image reference (`…/external-dns:v0.15.0@sha256:…` → `v0.15.0`). */
function imageTag(image: string): string | undefined {
  return /:([^:@/]+)(@|$)/.exec(image)?.[1];
}

/** An OCI artifact of the ExternalDNS chart (a mirror may name it otherwise), by its `metadata.name`. */
export interface ExternalDnsChartSource {
  name: string;
  namespace?: string;
  /** The chart version it pins (`spec.ref.tag`), when literal. */
  tag?: string;
  location: SourceLocation;
}

/**
 * The OCIRepositories whose artifact is the ExternalDNS chart: their URL
 * ends in `/external-dns` (the chart, or a mirror of it).
 */
export function readExternalDnsChartSources(
  documents: Iterable<ScannedDocument>,
): ExternalDnsChartSource[] {
  const found: ExternalDnsChartSource[] = [];
  for (const doc of documents) {
    const v = doc.value;
    if (v.kind !== 'OCIRepository') continue;
    const url = literal(getPath(v, ['spec', 'url']));
    const name = literal(getPath(v, ['metadata', 'name']));
    if (
      !url ||
      !name ||
      url.replace(/\/+$/, '').split('/').pop() !== 'external-dns'
    )
      continue;
    const tag = literal(getPath(v, ['spec', 'ref', 'tag']));
    found.push({
      name,
      namespace: literal(getPath(v, ['metadata', 'namespace'])),
      tag,
      location: doc.at(tag ? ['spec', 'ref', 'tag'] : ['spec', 'url']),
    });
  }
  return found;
}

/** The chart source a HelmRelease's `chartRef` names, when it is one of the ExternalDNS chart's. */
function chartSourceOf(
  v: Record<string, any>,
  sources: readonly ExternalDnsChartSource[],
): ExternalDnsChartSource | undefined {
  const ref = getPath(v, ['spec', 'chartRef']);
  if (!isRecord(ref) || ref.kind !== 'OCIRepository') return undefined;
  const namespace = ref.namespace ?? getPath(v, ['metadata', 'namespace']);
  return sources.find(
    s =>
      s.name === ref.name &&
      (s.namespace === undefined ||
        namespace === undefined ||
        s.namespace === namespace),
  );
}

/**
 * The ExternalDNS deployments: its chart's HelmReleases (by chart name, or
 * by a `chartRef` to one of `chartSources`), app-template ones and plain
 * Deployments.
 */
export function readExternalDnsDeployments(
  documents: Iterable<ScannedDocument>,
  chartSources: readonly ExternalDnsChartSource[] = [],
  /**
   * A HelmRelease's values with its `valuesFrom` read (helm-controller's
   * merge), when they can be: `unread` when some source is not.
   */
  releaseValues?: (
    doc: ScannedDocument,
  ) => { values: Record<string, any>; unread: boolean } | undefined,
): ExternalDnsDeployment[] {
  const found: ExternalDnsDeployment[] = [];
  for (const doc of documents) {
    const v = doc.value;
    const name = `${v.kind} ${getPath(v, ['metadata', 'namespace']) ?? ''}/${
      getPath(v, ['metadata', 'name']) ?? ''
    }`.replace(' /', ' ');
    if (v.kind === 'HelmRelease') {
      const chart = getPath(v, ['spec', 'chart', 'spec', 'chart']);
      const chartRef = getPath(v, ['spec', 'chartRef', 'name']);
      const source = chartSourceOf(v, chartSources);
      // the chart by its name, or a copy kept under another path
      // (`imported/k8s-sigs/external-dns-chart`)
      const isChart =
        (typeof chart === 'string' &&
          /^external-dns(?:[-_.]chart)?$/.test(chart.split('/').pop()!)) ||
        source !== undefined ||
        (typeof chartRef === 'string' && chartRef.includes('external-dns'));
      const hasValuesFrom = Array.isArray(getPath(v, ['spec', 'valuesFrom']));
      const merged =
        hasValuesFrom && (isChart || chart === 'app-template')
          ? releaseValues?.(doc)
          : undefined;
      const values = merged?.values ?? getPath(v, ['spec', 'values']);
      const image = externalDnsImage(values, ['spec', 'values']);
      if (!isChart && !image) continue;
      const chartVersion = source
        ? { text: source.tag, location: source.location }
        : {
            text: getPath(v, ['spec', 'chart', 'spec', 'version']),
            location: doc.at(['spec', 'chart', 'spec', 'version']),
          };
      // a range pinning one minor counts as that minor
      const chartSemver =
        pinnedMinor(chartVersion.text) ?? semver(chartVersion.text);
      let version: ExternalDnsDeployment['version'];
      let versionFrom: string | undefined;
      let minorOnly: true | undefined;
      if (image && imageVersion(image)) {
        version = imageVersion(image);
        versionFrom = `image tag ${image.tag} at ${where(doc.at(image.path))}`;
      } else if (
        isChart &&
        chartSemver &&
        chartSemver[0] === 1 &&
        appMinorOfChart(chartSemver[1]) !== undefined
      ) {
        // the chart's minor gives ExternalDNS's; its patch is not the chart's
        version = [0, appMinorOfChart(chartSemver[1])!, 0];
        minorOnly = true;
        versionFrom = `chart external-dns ${
          pinnedMinor(chartVersion.text)
            ? `${String(chartVersion.text).trim()} (${chartSemver[0]}.${
                chartSemver[1]
              }.x)`
            : chartSemver.join('.')
        } at ${where(chartVersion.location)}`;
      }
      const provider =
        getPath(values, ['provider', 'name']) ?? getPath(values, ['provider']);
      // the arguments as written only where the values are the
      // HelmRelease's own (not merged from valuesFrom)
      const { args, written: writtenArgs } = merged
        ? { args: argumentsIn(values), written: undefined }
        : argumentsOf(doc, ['spec', 'values'], values);
      // Bitnami's chart (versions from 2) renders --cloudflare-proxied
      // from cloudflare.proxied, true by default (SparksD2145's)
      const proxied = getPath(values, ['cloudflare', 'proxied']);
      if (
        isChart &&
        chartSemver &&
        chartSemver[0] >= 2 &&
        provider === 'cloudflare' &&
        (proxied === true ||
          (proxied === undefined &&
            !(hasValuesFrom && (merged?.unread ?? true)))) &&
        !args.some(a => a.startsWith('--cloudflare-proxied'))
      )
        args.push('--cloudflare-proxied');
      const sources = getPath(values, ['sources']);
      found.push({
        description: `HelmRelease ${name.replace(/^HelmRelease /, '')}`,
        location: doc.at(),
        version,
        versionFrom,
        ...(minorOnly && { minorOnly }),
        ...providerOf(
          provider,
          args,
          // every value the chart is given is read: its default holds
          isChart && !(hasValuesFrom && (merged?.unread ?? true)),
        ),
        webhookServer: webhookServerOf(values),
        chartServer: chartServerOf(values, provider),
        args,
        annotationPrefix: literal(getPath(values, ['annotationPrefix'])),
        sources: Array.isArray(sources)
          ? sources.map(String)
          : flagValues(args, 'source'),
        ...(Array.isArray(getPath(v, ['spec', 'values', 'sources'])) && {
          sourcesLocation: doc.at(['spec', 'values', 'sources']),
        }),
        // the chart's default sources: service and ingress
        defaultSources:
          isChart &&
          !Array.isArray(sources) &&
          flagValues(args, 'source').length === 0,
        filters: filtersOf(
          values,
          args,
          // as written: only where the values are the HelmRelease's own
          merged
            ? undefined
            : {
                values: key => doc.written?.(['spec', 'values', key]),
                args: writtenArgs,
              },
        ),
        valuesUnread: hasValuesFrom && (merged?.unread ?? true),
        ownership: ownershipOf(isChart ? values : undefined, args),
        ...(isChart
          ? noCrdOf(
              chartSemver,
              pinnedMinor(chartVersion.text) !== undefined,
              getPath(v, ['spec', 'install', 'crds']),
              chartVersion.text,
              values,
            )
          : {
              // another chart running the image (app-template): the image
              // installs no CRD; only the external-dns chart ships it
              noCrd: `chart ${String(
                chart ?? chartRef ?? 'another chart',
              )} runs the ExternalDNS image, which installs no DNSEndpoint CRD (the external-dns chart ships it)`,
            }),
      });
    } else if (v.kind === 'Deployment') {
      const image = externalDnsImage(getPath(v, ['spec', 'template', 'spec']), [
        'spec',
        'template',
        'spec',
      ]);
      if (!image) continue;
      const { args, written: writtenArgs } = argumentsOf(doc, [
        'spec',
        'template',
        'spec',
      ]);
      found.push({
        description: name,
        location: doc.at(),
        version: imageVersion(image),
        versionFrom: `image tag ${image.tag} at ${where(doc.at(image.path))}`,
        // a Deployment has no chart default: the flag is required
        ...providerOf(undefined, args, false),
        args,
        sources: flagValues(args, 'source'),
        // the container's args, in the patch that sets them where one does
        sourcesLocation: doc.at([...image.path.slice(0, -1), 'args']),
        filters: filtersOf(undefined, args, { args: writtenArgs }),
        ownership: ownershipOf(undefined, args),
        noCrd:
          'a Deployment of the ExternalDNS image installs no DNSEndpoint CRD (the external-dns chart ships it)',
      });
    }
  }
  return found;
}

/**
 * The targets a deployment puts in place of a record's own
 * (`--default-targets`), and whether it does for a DNSEndpoint that has
 * targets: before v0.18 every record's were replaced; from v0.18 only with
 * `--force-default-targets` (else only empty ones are filled). Undefined
 * `replaces` when the version is not known; none without the flag.
 */
export function defaultTargetsOf(
  d: ExternalDnsDeployment,
):
  | { targets: string[]; replaces: boolean | undefined; forced?: boolean }
  | undefined {
  const targets = flagValues(d.args, 'default-targets');
  if (!targets.length) return undefined;
  const forced = d.args.some(
    a =>
      a === '--force-default-targets' || a === '--force-default-targets=true',
  );
  if (forced) return { targets, replaces: true, forced };
  if (!d.version) return { targets, replaces: undefined };
  const [major, minor] = d.version;
  return { targets, replaces: major === 0 && minor < 18 };
}

/** Whether a deployment turns Cloudflare's proxy on for records without the key. */
export function proxiesByDefault(d: ExternalDnsDeployment): boolean {
  return d.args.some(
    a => a === '--cloudflare-proxied' || a === '--cloudflare-proxied=true',
  );
}

/** The provider-specific prefix a deployment reads, and why. */
export function prefixOf(
  d: ExternalDnsDeployment,
): { prefix: string; reason: string } | undefined {
  // a flag of its own, after the chart's (the last one given wins)
  const flag = flagValues(d.args, 'annotation-prefix').pop();
  if (flag)
    return {
      prefix: flag,
      reason: `${d.description} runs with --annotation-prefix=${flag}`,
    };
  if (d.annotationPrefix)
    return {
      prefix: d.annotationPrefix,
      reason: `${d.description} sets the chart's annotationPrefix`,
    };
  if (!d.version) return undefined;
  const [major, minor] = d.version;
  const current = major > 0 || minor >= 22;
  return {
    prefix: current ? externalDnsPrefixes.current : externalDnsPrefixes.alpha,
    reason: `${d.description} deploys ExternalDNS v${
      d.minorOnly ? `${major}.${minor}` : d.version.join('.')
    } (${d.versionFrom}), which reads ${
      current ? externalDnsPrefixes.current : externalDnsPrefixes.alpha
    } keys (the prefix changed in v0.22.0)`,
  };
}

/**
 * Every ExternalDNS deployment written in the repository, applied or not:
 * the files that name it, and those that name a chart source of it under
 * another name (a HelmRelease may name the chart's artifact only by that).
 */
export function repositoryExternalDnsDeployments(
  tree: RepoTree,
  cache: EngineCache,
  releaseValues?: Parameters<typeof readExternalDnsDeployments>[2],
  /** A release or Deployment as the overlays that build it patch it (its provider, sources, arguments); itself where none does. */
  asBuilt?: (doc: ScannedDocument) => ScannedDocument[],
): ExternalDnsDeployment[] {
  const documents = [...scanDocuments(tree, cache, externalDnsNeedles)];
  const chartSources = readExternalDnsChartSources(documents);
  const renamed = chartSources
    .map(s => s.name)
    .filter(name => !name.includes('external-dns'));
  const scanned = new Set(documents.map(d => d.file));
  if (renamed.length)
    for (const d of scanDocuments(tree, cache, renamed))
      if (!scanned.has(d.file)) documents.push(d);
  return readExternalDnsDeployments(
    asBuilt
      ? documents.flatMap(d =>
          d.value.kind === 'HelmRelease' || d.value.kind === 'Deployment'
            ? asBuilt(d)
            : [d],
        )
      : documents,
    chartSources,
    releaseValues,
  );
}
