import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { scmIntegrationsApiRef } from '@backstage/integration-react';
import type {
  ClusterReport,
  ClusterSummary,
  SourceReportBody,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defaultExampleSource } from '../components/LbIpPicker/fieldSource';
import { scaffolderTemplateRouteRef } from '../routes';
import { integrationType } from './scm';

/** The template "Configure DNS" opens, unless the app says otherwise. */
export const defaultTemplateRef = 'template:default/clustermesh-dns';

/** One cluster of the template's `clusters` parameter. @public */
export interface ClusterEntry {
  name: string;
  ip: string;
}

/** The template's parameters that the page can fill in for a source. */
export interface ConfigureFormData {
  source: 'github' | 'gitlab' | 'example';
  /** RepoUrlPicker's format: `github.com?owner=o&repo=r`. */
  repoUrl?: string;
  branch?: string;
  clusters: ClusterEntry[];
  /** The repository's DNS mode; the template asks for a Terraform resource only in manual mode. */
  mode?: DnsMode;
  [key: string]: unknown;
}

/**
 * How the records are made: ExternalDNS publishes them, or someone else does.
 * The report's own type (the common package names no such type on its own).
 */
export type DnsMode = NonNullable<ClusterReport['record']>['mode'];

// Every mode of the report's type: a mode added there must be added here.
const dnsModes: Record<DnsMode, true> = { externaldns: true, manual: true };

const isDnsMode = (value: unknown): value is DnsMode =>
  typeof value === 'string' &&
  Object.prototype.hasOwnProperty.call(dnsModes, value);

/**
 * The DNS mode the report says: the conventions' `dns.mode`, or the mode of
 * the clusters' records (each holds the configured mode, found or not).
 */
export function dnsModeOf(
  body: Pick<SourceReportBody, 'conventions' | 'clusters'> | undefined,
): DnsMode | undefined {
  if (!body) return undefined;
  const convention = body.conventions?.find(c => c.setting === 'dns.mode');
  if (isDnsMode(convention?.value)) return convention.value;
  const modes = new Set(body.clusters.map(c => c.record?.mode));
  const [only] = [...modes];
  return modes.size === 1 && isDnsMode(only) ? only : undefined;
}

/**
 * The clusters of a report with their current addresses: those in the mesh,
 * or every cluster when none is in it yet (the template brings them in).
 */
export function currentClusters(clusters: ClusterSummary[]): ClusterEntry[] {
  const inMesh = clusters.filter(c => c.status !== 'outside');
  return (inMesh.length > 0 ? inMesh : clusters).map(c => ({
    name: c.name,
    ip: c.lbIp?.value ?? '',
  }));
}

/**
 * The template's form data for a source: its SCM kind and repository in the
 * RepoUrlPicker's format, or the template's embedded example for the source
 * that reads it; or why the template cannot change the source.
 *
 * The template's `source` parameter is `github`, `gitlab` or `example` (its
 * embedded copy of the example repository, read by the source
 * `exampleSource`): it cannot change any other local folder.
 */
export function configureFormData(
  source: SourceSummary,
  type: string | undefined,
  clusters: ClusterEntry[],
  exampleSource: string = defaultExampleSource,
  mode?: DnsMode,
): { formData: ConfigureFormData } | { reason: string } {
  const inMode = mode ? { mode } : {};
  if (clusters.length === 0) {
    return {
      reason: `No cluster was found in ${source.title}: the template configures the clusters of a repository.`,
    };
  }
  if (source.type === 'local') {
    if (source.id === exampleSource) {
      return { formData: { source: 'example', clusters, ...inMode } };
    }
    return {
      reason: `${source.title} is a local folder: the template opens pull requests on GitHub and GitLab repositories, and tries out only its embedded example (source ${exampleSource}).`,
    };
  }
  const repository = source.repository;
  if (!repository) return { reason: 'The source names no repository.' };
  if (type !== 'github' && type !== 'gitlab') {
    return {
      reason: `The template opens pull requests on GitHub and GitLab; ${
        repository.host
      } is ${type ? `a ${type} host` : 'not a configured integration'}.`,
    };
  }
  const query = new URLSearchParams({
    owner: repository.owner,
    repo: repository.name,
  });
  return {
    formData: {
      source: type,
      repoUrl: `${repository.host}?${query}`,
      ...(source.branch ? { branch: source.branch } : {}),
      clusters,
      ...inMode,
    },
  };
}

/** `template:default/clustermesh-dns` → its namespace and name. */
export function parseTemplateRef(ref: string): {
  namespace: string;
  templateName: string;
} {
  const withoutKind = ref.replace(/^template:/i, '');
  const slash = withoutKind.indexOf('/');
  return slash < 0
    ? { namespace: 'default', templateName: withoutKind }
    : {
        namespace: withoutKind.slice(0, slash),
        templateName: withoutKind.slice(slash + 1),
      };
}

/**
 * The link that opens the template prefilled (the scaffolder reads the
 * `formData` query parameter) in the report's DNS mode, or why there is none.
 */
export function useConfigureDnsLink(
  source: SourceSummary,
  body: SourceReportBody | undefined,
  templateRef: string = defaultTemplateRef,
): { href: string } | { reason: string } {
  const clusters: ClusterSummary[] = body?.clusters ?? [];
  const scm = useApi(scmIntegrationsApiRef);
  const templateRoute = useRouteRef(scaffolderTemplateRouteRef);
  if (!templateRoute) {
    return { reason: 'The scaffolder is not installed in this app.' };
  }
  const result = configureFormData(
    source,
    integrationType(scm, source),
    currentClusters(clusters),
    defaultExampleSource,
    dnsModeOf(body),
  );
  if ('reason' in result) return result;
  const query = new URLSearchParams({
    formData: JSON.stringify(result.formData),
  });
  return { href: `${templateRoute(parseTemplateRef(templateRef))}?${query}` };
}
