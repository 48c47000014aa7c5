import { ScmIntegrationsApi } from '@backstage/integration-react';
import { mockApis } from '@backstage/frontend-test-utils';
import type { SourceSummary } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { makeLocationLinker, treeBaseAt } from './scm';

const scm = ScmIntegrationsApi.fromConfig(
  mockApis.config({
    data: {
      integrations: {
        gitlab: [
          {
            host: 'gitlab.example.com',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
          },
        ],
      },
    },
  }),
);

const source = (extra: Partial<SourceSummary>): SourceSummary => ({
  id: 's',
  title: 'S',
  type: 'url',
  branch: 'main',
  repository: {
    host: 'gitlab.example.com',
    owner: 'platform/infra',
    name: 'gitops',
    url: 'https://gitlab.example.com/platform/infra/gitops',
  },
  treeUrl: 'https://gitlab.example.com/platform/infra/gitops/-/tree/main',
  catalog: false,
  liveChecks: { dns: false, provider: false, service: false },
  ...extra,
});

const location = {
  file: 'kubernetes/clusters/a b/cluster-settings.yaml',
  line: 7,
};

describe('links to files', () => {
  it('moves the tree URL to the revision read and lets the integration add the file and line', () => {
    expect(treeBaseAt(source({}), 'abc123', undefined)).toBe(
      'https://gitlab.example.com/platform/infra/gitops/-/tree/abc123/',
    );
    expect(makeLocationLinker(scm, source({}), 'abc123')(location)).toBe(
      'https://gitlab.example.com/platform/infra/gitops/-/tree/abc123/kubernetes/clusters/a%20b/cluster-settings.yaml#L7',
    );
  });

  it('handles branches with a slash', () => {
    const feature = source({
      branch: 'release/1.2',
      treeUrl:
        'https://gitlab.example.com/platform/infra/gitops/-/tree/release/1.2',
    });
    expect(treeBaseAt(feature, 'abc123', undefined)).toBe(
      'https://gitlab.example.com/platform/infra/gitops/-/tree/abc123/',
    );
  });

  it('links the configured branch when the tree URL cannot be moved, but not another ref', () => {
    const odd = source({
      treeUrl: 'https://git.example.com/browse?repo=gitops',
    });
    expect(treeBaseAt(odd, 'abc123', undefined)).toBe(
      'https://git.example.com/browse?repo=gitops',
    );
    expect(treeBaseAt(odd, 'abc123', 'feature')).toBeUndefined();
  });

  it('shows locations as text for a local folder and a source without a tree URL', () => {
    expect(
      makeLocationLinker(
        scm,
        source({ type: 'local', treeUrl: undefined }),
        'x',
      )(location),
    ).toBeUndefined();
    expect(
      makeLocationLinker(scm, source({ treeUrl: undefined }), 'x')(location),
    ).toBeUndefined();
  });
});
