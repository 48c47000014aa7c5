import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../../core/paths';
import type { ObjectPath } from '../../core/paths';
import { literal, ScannedDocument, where } from './scan';

export const externalDnsNeedles = ['external-dns'];

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
  versionFrom?: string;
  provider?: string;
  args: string[];
  /** The chart's `annotationPrefix` value (chart 1.20 and later). */
  annotationPrefix?: string;
  /** `sources` of the chart, or `--source=` flags. */
  sources: string[];
}

function semver(text: unknown): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(String(text ?? ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Every string list under `args`/`extraArgs` (a list, or a map of flag → value as the chart allows). */
function argumentsIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || !isRecord(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'args' || key === 'extraArgs') && Array.isArray(child))
      out.push(...child.filter(a => typeof a === 'string'));
    else if (key === 'extraArgs' && isRecord(child))
      for (const [flag, v] of Object.entries(child))
        out.push(v === true || v === '' ? `--${flag}` : `--${flag}=${v}`);
    else if (Array.isArray(child))
      child.forEach(c => argumentsIn(c, out, depth + 1));
    else argumentsIn(child, out, depth + 1);
  }
  return out;
}

/** The external-dns image (repository and tag) anywhere in the values. */
function externalDnsImage(
  value: unknown,
  path: ObjectPath = [],
  depth = 0,
): { tag: string; path: ObjectPath } | undefined {
  if (depth > 8) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = externalDnsImage(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (typeof value.image === 'string' && value.image.includes('external-dns')) {
    const tag = /:([^:@/]+)(@|$)/.exec(value.image)?.[1];
    if (tag) return { tag, path: [...path, 'image'] };
  }
  if (
    isRecord(value.image) &&
    String(value.image.repository ?? '').includes('external-dns') &&
    literal(String(value.image.tag ?? ''))
  )
    return { tag: String(value.image.tag), path: [...path, 'image', 'tag'] };
  for (const [key, child] of Object.entries(value)) {
    const found = externalDnsImage(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The ExternalDNS deployments: its chart's HelmReleases, app-template ones and plain Deployments. */
export function readExternalDnsDeployments(
  documents: Iterable<ScannedDocument>,
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
      const values = getPath(v, ['spec', 'values']);
      const image = externalDnsImage(values, ['spec', 'values']);
      const isChart =
        chart === 'external-dns' ||
        (typeof chartRef === 'string' && chartRef.includes('external-dns'));
      if (!isChart && !image) continue;
      const chartVersion = semver(
        getPath(v, ['spec', 'chart', 'spec', 'version']),
      );
      let version: ExternalDnsDeployment['version'];
      let versionFrom: string | undefined;
      if (image && semver(image.tag)) {
        version = semver(image.tag);
        versionFrom = `image tag ${image.tag} at ${where(doc.at(image.path))}`;
      } else if (isChart && chartVersion && chartVersion[0] === 1) {
        // chart 1.N deploys ExternalDNS v0.N (since chart 1.15)
        version = [0, chartVersion[1], 0];
        versionFrom = `chart external-dns ${chartVersion.join('.')} at ${where(
          doc.at(['spec', 'chart', 'spec', 'version']),
        )}`;
      }
      const provider =
        getPath(values, ['provider', 'name']) ?? getPath(values, ['provider']);
      const args = argumentsIn(values);
      const sources = getPath(values, ['sources']);
      found.push({
        description: `HelmRelease ${name.replace(/^HelmRelease /, '')}`,
        location: doc.at(),
        version,
        versionFrom,
        provider:
          typeof provider === 'string'
            ? provider
            : args.find(a => a.startsWith('--provider='))?.slice(11),
        args,
        annotationPrefix: literal(getPath(values, ['annotationPrefix'])),
        sources: Array.isArray(sources)
          ? sources.map(String)
          : args.filter(a => a.startsWith('--source=')).map(a => a.slice(9)),
      });
    } else if (v.kind === 'Deployment') {
      const image = externalDnsImage(getPath(v, ['spec', 'template', 'spec']), [
        'spec',
        'template',
        'spec',
      ]);
      if (!image) continue;
      const args = argumentsIn(getPath(v, ['spec', 'template', 'spec']));
      found.push({
        description: name,
        location: doc.at(),
        version: semver(image.tag),
        versionFrom: `image tag ${image.tag} at ${where(doc.at(image.path))}`,
        provider: args.find(a => a.startsWith('--provider='))?.slice(11),
        args,
        sources: args
          .filter(a => a.startsWith('--source='))
          .map(a => a.slice(9)),
      });
    }
  }
  return found;
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
    reason: `${d.description} deploys ExternalDNS v${d.version.join('.')} (${
      d.versionFrom
    }), which reads ${
      current ? externalDnsPrefixes.current : externalDnsPrefixes.alpha
    } keys (the prefix changed in v0.22.0)`,
  };
}
