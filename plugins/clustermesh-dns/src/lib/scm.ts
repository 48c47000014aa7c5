import { useMemo } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { scmIntegrationsApiRef } from '@backstage/integration-react';
import type {
  SourceLocation,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

type ScmIntegrations = typeof scmIntegrationsApiRef.T;

/** Turns a repository location into a web link, or undefined (then show it as text). */
export type LocationLinker = (location: SourceLocation) => string | undefined;

const encodePath = (path: string) =>
  path.split('/').map(encodeURIComponent).join('/');

/**
 * The repository's tree at the revision read, as a base for `resolveUrl`:
 * the source's `treeUrl` (the backend's, at its configured branch) with the
 * branch replaced by the revision. When the URL does not end with the
 * branch, the configured branch's view links to its tree as it is; a view of
 * another ref gets no base (its locations are shown as text rather than
 * linked to the wrong revision).
 */
export function treeBaseAt(
  source: SourceSummary,
  revision: string | undefined,
  ref: string | undefined,
): string | undefined {
  const tree = source.treeUrl?.replace(/\/+$/, '');
  if (source.type !== 'url' || !tree) return undefined;
  const branch = source.branch;
  const at = revision ?? ref;
  if (at && branch) {
    for (const written of [
      branch,
      encodePath(branch),
      encodeURIComponent(branch),
    ]) {
      if (tree.endsWith(`/${written}`)) {
        return `${tree.slice(0, tree.length - written.length)}${encodePath(
          at,
        )}/`;
      }
    }
  }
  if (ref) return undefined;
  // A query-style tree URL (Azure DevOps) is left for its integration to resolve.
  return tree.includes('?') ? tree : `${tree}/`;
}

/** The integration kind of a source's repository host (`github`, `gitlab`, ...). */
export function integrationType(
  scm: ScmIntegrations,
  source: SourceSummary,
): string | undefined {
  if (source.type !== 'url' || !source.repository) return undefined;
  return scm.byHost(source.repository.host)?.type;
}

/**
 * Links a file and line of a source at a revision, through the app's SCM
 * integrations (`resolveUrl` with `lineNumber`); none for a local folder.
 */
export function makeLocationLinker(
  scm: ScmIntegrations,
  source: SourceSummary,
  revision: string | undefined,
  ref?: string,
): LocationLinker {
  const base = treeBaseAt(source, revision, ref);
  if (!base) return () => undefined;
  return location => {
    try {
      return scm.resolveUrl({
        url: encodePath(location.file),
        base,
        lineNumber: location.line,
      });
    } catch {
      return undefined;
    }
  };
}

/**
 * Links to a file and line of a source at the revision read (`ref` is the
 * ref asked for, undefined for the configured branch).
 */
export function useLocationLinker(
  source: SourceSummary | undefined,
  revision: string | undefined,
  ref?: string,
): LocationLinker {
  const scm = useApi(scmIntegrationsApiRef);
  return useMemo(
    () =>
      source ? makeLocationLinker(scm, source, revision, ref) : () => undefined,
    [scm, source, revision, ref],
  );
}
