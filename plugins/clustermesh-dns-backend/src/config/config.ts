import path from 'node:path';
import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import type { RepositoryRef } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  ConventionsError,
  MeshConventionsInput,
  resolveConventions,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import {
  HostKind,
  parseRepositoryUrl,
  ScmKind,
  scmKindOf,
} from '../scm/repositoryUrl';

/** What a source puts into the catalog. */
export interface SourceCatalogConfig {
  /** Whether the catalog module emits one entity per cluster. */
  enabled: boolean;
  owner?: string;
  system?: string;
  /** Entity name template: `{source}`, `{cluster}`. */
  entityName: string;
  /** With `enabled: false`: existing entities to annotate, by mesh cluster. */
  annotate: Record<string, string>;
}

/** The optional live checks of a source. */
export interface SourceLiveConfig {
  /** DNS queries for every FQDN (default on). */
  dns: boolean;
  /** Resolvers for this source, overriding `clustermeshDns.dns.servers`. */
  dnsServers?: string[];
  cloudflare?: {
    zoneId: string;
    /** Secret: never logged or echoed. */
    apiToken: string;
    apiBaseUrl: string;
  };
  kubernetes?: {
    /** Mesh cluster → the Kubernetes plugin's cluster name. */
    clusters: Record<string, string>;
    namespace: string;
    service: string;
  };
}

/** One configured repository. */
export interface SourceConfig {
  /** Position in `clustermeshDns.sources`, for messages. */
  index: number;
  id: string;
  title: string;
  type: 'local' | 'url';
  /** local: the absolute folder; url: the repository URL as configured. */
  target: string;
  /** url: the repository, normalised. */
  repository?: RepositoryRef;
  /** url: the SCM kind (how refs are put into URLs). */
  scm?: ScmKind;
  /** url: the branch read on schedule (default: the repository's default branch). */
  branch?: string;
  /** Inline conventions (validated at start). */
  conventions?: MeshConventionsInput;
  /** A conventions file inside the repository. */
  conventionsFile?: string;
  /** Secret values (variable → value) the repository keeps in SOPS; only the live checks use them. */
  values: Record<string, string>;
  catalog: SourceCatalogConfig;
  live: SourceLiveConfig;
}

/** Everything the plugin reads from `clustermeshDns`. */
export interface PluginOptions {
  sources: SourceConfig[];
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** Files larger than this are left out of SCM reads (bytes). */
  maxFileSize: number;
  /** How many reports of other refs are kept per replica. */
  refReportsMax: number;
  dns: {
    /** Resolvers (`host` or `host:port`); undefined: the system's. */
    servers?: string[];
    timeoutMs: number;
    concurrency: number;
  };
  kubernetes: { timeoutMs: number };
  cloudflare: { timeoutMs: number };
  /** Enables the benchmark's constant route. */
  constantRoute: boolean;
  /** Validates in a worker thread (default), not on the event loop. */
  validationWorker: boolean;
}

const idPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const refPattern = /^(?!.*\.\.)(?!\/)(?!.*\/\/)[A-Za-z0-9._/+-]{1,255}$/;
const variablePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const serverPattern =
  /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9a-fA-F:]+\](?::\d{1,5})?|[0-9a-fA-F:]+)$/;

/** Secret values shorter than this would be redacted from every word; refused. */
export const minSecretLength = 4;

// no initial delay: the first read runs as the backend starts, so that
// requests find the report in the cache rather than read it themselves
const defaultSchedule: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 10 },
  timeout: { minutes: 5 },
};

function duration(
  config: Config,
  key: string,
  where: string,
  fallback: HumanDuration,
): number {
  if (!config.has(key)) return durationToMilliseconds(fallback);
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new InputError(
      `${where}.${key} is not a duration: ${(error as Error).message}`,
    );
  }
  if (!(ms > 0)) throw new InputError(`${where}.${key} must be positive`);
  return ms;
}

function stringMap(
  config: Config | undefined,
  where: string,
  check?: (key: string, value: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!config) return out;
  for (const key of config.keys()) {
    const value = config.getString(key);
    const problem = check?.(key, value);
    if (problem) throw new InputError(`${where}.${key} ${problem}`);
    out[key] = value;
  }
  return out;
}

function readServers(
  config: Config,
  key: string,
  where: string,
): string[] | undefined {
  const servers = config.getOptionalStringArray(key);
  if (!servers) return undefined;
  servers.forEach((s, i) => {
    if (!serverPattern.test(s))
      throw new InputError(
        `${where}.${key}[${i}] "${s}" is not an IP address with an optional port (e.g. 192.0.2.53 or 192.0.2.53:5353)`,
      );
  });
  if (servers.length === 0)
    throw new InputError(
      `${where}.${key} is empty; leave it out for the system's resolvers`,
    );
  return servers;
}

function readCatalog(entry: Config, where: string): SourceCatalogConfig {
  const catalog = entry.getOptionalConfig('catalog');
  const enabled = catalog?.getOptionalBoolean('enabled') ?? true;
  const entityName =
    catalog?.getOptionalString('entityName') ?? '{source}-{cluster}';
  if (!entityName.includes('{cluster}'))
    throw new InputError(
      `${where}.catalog.entityName "${entityName}" must contain {cluster}, or every cluster gets the same name`,
    );
  const annotate = stringMap(
    catalog?.getOptionalConfig('annotate'),
    `${where}.catalog.annotate`,
    (_cluster, ref) =>
      /^[a-z]+:(?:[^/:]+\/)?[^/:]+$/i.test(ref)
        ? undefined
        : `"${ref}" is not an entity reference (kind:namespace/name)`,
  );
  if (enabled && Object.keys(annotate).length)
    throw new InputError(
      `${where}.catalog.annotate is only read with catalog.enabled: false (the module annotates existing entities instead of emitting its own)`,
    );
  return {
    enabled,
    owner: catalog?.getOptionalString('owner'),
    system: catalog?.getOptionalString('system'),
    entityName,
    annotate,
  };
}

function readLive(entry: Config, where: string): SourceLiveConfig {
  const live = entry.getOptionalConfig('liveChecks');
  const w = `${where}.liveChecks`;
  const cloudflare = live?.getOptionalConfig('cloudflare');
  const kubernetes = live?.getOptionalConfig('kubernetes');
  const result: SourceLiveConfig = {
    dns: live?.getOptionalBoolean('dns') ?? true,
    dnsServers: live ? readServers(live, 'dnsServers', w) : undefined,
  };
  if (cloudflare) {
    const zoneId = cloudflare.getString('zoneId');
    if (!/^[0-9a-f]{32}$/i.test(zoneId))
      throw new InputError(
        `${w}.cloudflare.zoneId "${zoneId}" is not a Cloudflare zone id (32 hexadecimal characters)`,
      );
    const apiToken = cloudflare.getString('apiToken');
    if (apiToken.length < minSecretLength)
      throw new InputError(
        `${w}.cloudflare.apiToken is too short to be a token`,
      );
    const apiBaseUrl =
      cloudflare.getOptionalString('apiBaseUrl') ??
      'https://api.cloudflare.com/client/v4';
    let protocol = '';
    try {
      protocol = new URL(apiBaseUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'https:' && protocol !== 'http:')
      throw new InputError(
        `${w}.cloudflare.apiBaseUrl "${apiBaseUrl}" is not an http(s) URL`,
      );
    result.cloudflare = {
      zoneId,
      apiToken,
      apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    };
  }
  if (kubernetes) {
    const clusters = stringMap(
      kubernetes.getOptionalConfig('clusters'),
      `${w}.kubernetes.clusters`,
    );
    if (Object.keys(clusters).length === 0)
      throw new InputError(
        `${w}.kubernetes.clusters must map at least one mesh cluster to the Kubernetes plugin's cluster name`,
      );
    result.kubernetes = {
      clusters,
      namespace: kubernetes.getOptionalString('namespace') ?? 'kube-system',
      service:
        kubernetes.getOptionalString('service') ?? 'clustermesh-apiserver',
    };
  }
  return result;
}

/**
 * Reads `clustermeshDns`, with errors that name the entry and the field.
 * Paths of local sources are resolved from `cwd` (the backend's working
 * directory).
 */
export function readPluginOptions(
  config: Config,
  options: { cwd?: string; hostKind?: HostKind } = {},
): PluginOptions {
  const cwd = options.cwd ?? process.cwd();
  const root = config.getOptionalConfig('clustermeshDns');
  const entries = root?.getOptionalConfigArray('sources') ?? [];
  const seen = new Set<string>();
  const sources = entries.map((entry, index): SourceConfig => {
    const where = `clustermeshDns.sources[${index}]`;
    const id = entry.getString('id');
    if (!idPattern.test(id))
      throw new InputError(
        `${where}.id "${id}" must be 1-63 lower-case letters, digits and "-", starting with a letter or digit`,
      );
    if (seen.has(id))
      throw new InputError(`${where}.id "${id}" is used by another source`);
    seen.add(id);
    const type = entry.getString('type');
    if (type !== 'local' && type !== 'url')
      throw new InputError(
        `${where}.type "${type}" is not supported (supported: local, url)`,
      );
    const targetText = entry.getString('target');
    const branch = entry.getOptionalString('branch');
    if (branch !== undefined && !refPattern.test(branch))
      throw new InputError(
        `${where}.branch "${branch}" is not a valid branch name`,
      );
    if (type === 'local' && branch !== undefined)
      throw new InputError(
        `${where}.branch is only for url sources (a local folder has no branches)`,
      );
    let repository: RepositoryRef | undefined;
    let scm: ScmKind | undefined;
    let target = targetText;
    if (type === 'url') {
      repository = parseRepositoryUrl(targetText, options.hostKind);
      if (!repository)
        throw new InputError(
          `${where}.target "${targetText}" is not a repository URL (e.g. https://github.com/acme/gitops)`,
        );
      scm = scmKindOf(repository.host, options.hostKind);
    } else {
      target = path.resolve(cwd, targetText);
    }
    const inline = entry.getOptional('conventions');
    const conventionsFile = entry.getOptionalString('conventionsFile');
    if (inline !== undefined && conventionsFile !== undefined)
      throw new InputError(
        `${where} sets both conventions and conventionsFile; use one`,
      );
    if (
      conventionsFile !== undefined &&
      (conventionsFile.startsWith('/') ||
        conventionsFile.split('/').includes('..'))
    )
      throw new InputError(
        `${where}.conventionsFile "${conventionsFile}" must be a path inside the repository`,
      );
    let conventions: MeshConventionsInput | undefined;
    if (inline !== undefined) {
      if (
        typeof inline !== 'object' ||
        inline === null ||
        Array.isArray(inline)
      )
        throw new InputError(`${where}.conventions must be an object`);
      try {
        resolveConventions(
          inline as MeshConventionsInput,
          {},
          `${where}.conventions`,
        );
      } catch (error) {
        if (error instanceof ConventionsError)
          throw new InputError(
            error.issues
              .map(
                i => `${where}.conventions.${i.path || '(root)'}: ${i.message}`,
              )
              .join('; '),
          );
        throw error;
      }
      conventions = inline as MeshConventionsInput;
    }
    const values = stringMap(
      entry.getOptionalConfig('values'),
      `${where}.values`,
      (key, value) => {
        if (!variablePattern.test(key)) return 'is not a variable name';
        if (value.length < minSecretLength)
          return `must be at least ${minSecretLength} characters (values are secrets, redacted wherever they appear)`;
        return undefined;
      },
    );
    return {
      index,
      id,
      title: entry.getOptionalString('title') ?? id,
      type,
      target,
      repository,
      scm,
      branch,
      conventions,
      conventionsFile,
      values,
      catalog: readCatalog(entry, where),
      live: readLive(entry, where),
    };
  });

  const where = 'clustermeshDns';
  let schedule = defaultSchedule;
  if (root?.has('schedule')) {
    try {
      schedule = readSchedulerServiceTaskScheduleDefinitionFromConfig(
        root.getConfig('schedule'),
      );
    } catch (error) {
      throw new InputError(`${where}.schedule: ${(error as Error).message}`);
    }
  }
  const maxFileSize =
    root?.getOptionalNumber('readTree.maxFileSize') ?? 4 * 1024 * 1024;
  if (!(maxFileSize > 0))
    throw new InputError(
      `${where}.readTree.maxFileSize must be a positive number of bytes`,
    );
  const refReportsMax = root?.getOptionalNumber('refReports.max') ?? 4;
  if (!Number.isInteger(refReportsMax) || refReportsMax < 0)
    throw new InputError(`${where}.refReports.max must be a whole number ≥ 0`);
  const concurrency = root?.getOptionalNumber('dns.concurrency') ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
    throw new InputError(
      `${where}.dns.concurrency must be a whole number from 1 to 16`,
    );
  return {
    sources,
    // replicas share the work: only one of them refreshes a source per interval
    schedule: { ...schedule, scope: 'global' },
    maxFileSize,
    refReportsMax,
    dns: {
      servers: root ? readServers(root, 'dns.servers', where) : undefined,
      timeoutMs: root
        ? duration(root, 'dns.timeout', where, { seconds: 2 })
        : 2000,
      concurrency,
    },
    kubernetes: {
      timeoutMs: root
        ? duration(root, 'kubernetes.timeout', where, { seconds: 10 })
        : 10_000,
    },
    cloudflare: {
      timeoutMs: root
        ? duration(root, 'cloudflare.timeout', where, { seconds: 10 })
        : 10_000,
    },
    constantRoute: root?.getOptionalBoolean('benchmark.constantRoute') ?? false,
    validationWorker: root?.getOptionalBoolean('validation.worker') ?? true,
  };
}
