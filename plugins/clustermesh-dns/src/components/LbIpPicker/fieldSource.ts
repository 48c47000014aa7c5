import type {
  ClusterMeshDnsApi,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** The `ui:options` of the field `ClusterMeshLbIpPicker`. @public */
export interface LbIpPickerOptions {
  /** The source that reads the embedded example (`source: example`); default `example-before`. */
  exampleSource?: string;
  /** Always use this source, whatever the repository. */
  sourceId?: string;
}

export const defaultExampleSource = 'example-before';

/** Which source the form's entries are checked against, or why none. */
export type FieldSource =
  | { source: SourceSummary; reason?: undefined }
  | { source?: undefined; reason: string };

/** The form's choice of repository, as the field reads it. */
export function formTarget(
  formData: Record<string, unknown> | undefined,
  options: LbIpPickerOptions | undefined,
): { sourceId?: string; repoUrl?: string } {
  if (options?.sourceId) return { sourceId: options.sourceId };
  if (formData?.source === 'example') {
    return { sourceId: options?.exampleSource ?? defaultExampleSource };
  }
  const repoUrl = formData?.repoUrl;
  if (typeof repoUrl !== 'string' || !repoUrl.trim()) return {};
  // RepoUrlPicker's `host?owner=o&repo=r`: wait until the repository is chosen.
  const query = repoUrl.indexOf('?');
  if (query >= 0 && !new URLSearchParams(repoUrl.slice(query + 1)).get('repo'))
    return {};
  return { repoUrl };
}

/**
 * The source for the form: the embedded example's source, or the source
 * that reads the repository in `repoUrl` (asked of the backend).
 */
export async function resolveFieldSource(
  api: ClusterMeshDnsApi,
  target: { sourceId?: string; repoUrl?: string },
): Promise<FieldSource> {
  if (target.sourceId) {
    const sources = await api.listSources();
    const source = sources.find(s => s.id === target.sourceId);
    return source
      ? { source }
      : {
          reason: `No ClusterMesh DNS source "${target.sourceId}" is configured.`,
        };
  }
  if (target.repoUrl) {
    const match = await api.matchRepository(target.repoUrl);
    if (match.source) return { source: match.source };
    const repo = match.repository
      ? `${match.repository.host}/${match.repository.owner}/${match.repository.name}`
      : 'this repository';
    return {
      reason: `No ClusterMesh DNS source reads ${repo}: the addresses are checked for form only, not against its pools.`,
    };
  }
  return { reason: 'Choose the repository first.' };
}
