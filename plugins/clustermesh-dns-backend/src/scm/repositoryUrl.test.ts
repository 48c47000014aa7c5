import { parseRepositoryUrl, treeUrlFor } from './repositoryUrl';

const gh = {
  host: 'github.com',
  owner: 'acme',
  name: 'gitops',
  url: 'https://github.com/acme/gitops',
};

describe('parseRepositoryUrl', () => {
  it.each([
    'https://github.com/acme/gitops',
    'https://github.com/Acme/GitOps.git',
    'https://github.com/acme/gitops/',
    'https://github.com/acme/gitops/tree/main/kubernetes/clusters',
    'https://github.com/acme/gitops/blob/main/README.md',
    'https://github.com/acme/gitops/pull/42',
    'https://github.com:443/acme/gitops',
    'http://github.com/acme/gitops',
    'github.com/acme/gitops',
    'git@github.com:acme/gitops.git',
    'ssh://git@github.com/acme/gitops.git',
    'ssh://git@github.com:22/acme/gitops',
    'github.com?owner=acme&repo=gitops',
    'github.com?repo=gitops&owner=Acme',
  ])('reads %s as github.com/acme/gitops', url => {
    expect(parseRepositoryUrl(url)).toEqual(gh);
  });

  it('reads GitLab forms, with subgroups', () => {
    const expected = {
      host: 'gitlab.com',
      owner: 'group/sub',
      name: 'repo',
      url: 'https://gitlab.com/group/sub/repo',
    };
    for (const url of [
      'https://gitlab.com/group/sub/repo',
      'https://gitlab.com/group/sub/repo.git',
      'https://gitlab.com/group/sub/repo/-/tree/main/kubernetes',
      'https://gitlab.com/group/sub/repo/-/merge_requests/3',
      'git@gitlab.com:group/sub/repo.git',
      'gitlab.com?owner=group%2Fsub&repo=repo',
    ])
      expect([url, parseRepositoryUrl(url)]).toEqual([url, expected]);
  });

  it('uses the integration type of a self-hosted host', () => {
    const hostKind = (host: string) =>
      host === 'git.example.com' ? 'gitlab' : undefined;
    expect(
      parseRepositoryUrl(
        'https://git.example.com/platform/infra/gitops/-/tree/main',
        hostKind,
      ),
    ).toEqual({
      host: 'git.example.com',
      owner: 'platform/infra',
      name: 'gitops',
      url: 'https://git.example.com/platform/infra/gitops',
    });
    expect(
      parseRepositoryUrl(
        'https://ghe.example.com:8443/acme/gitops/tree/x',
        () => 'github',
      ),
    ).toEqual({
      host: 'ghe.example.com:8443',
      owner: 'acme',
      name: 'gitops',
      url: 'https://ghe.example.com:8443/acme/gitops',
    });
  });

  it('reads Bitbucket and Azure DevOps forms', () => {
    expect(
      parseRepositoryUrl('https://bitbucket.org/ws/gitops/src/main/'),
    ).toMatchObject({ owner: 'ws', name: 'gitops' });
    expect(
      parseRepositoryUrl('bitbucket.org?workspace=ws&project=P&repo=gitops'),
    ).toMatchObject({ owner: 'ws', name: 'gitops' });
    expect(
      parseRepositoryUrl(
        'https://bitbucket.example.com/projects/PLAT/repos/gitops/browse',
        () => 'bitbucketServer',
      ),
    ).toEqual({
      host: 'bitbucket.example.com',
      owner: 'plat',
      name: 'gitops',
      url: 'https://bitbucket.example.com/projects/plat/repos/gitops',
    });
    expect(
      parseRepositoryUrl('https://dev.azure.com/org/proj/_git/gitops?path=/x'),
    ).toEqual({
      host: 'dev.azure.com',
      owner: 'org/proj',
      name: 'gitops',
      url: 'https://dev.azure.com/org/proj/_git/gitops',
    });
    expect(
      parseRepositoryUrl(
        'dev.azure.com?organization=org&project=proj&repo=gitops',
      ),
    ).toMatchObject({
      owner: 'org/proj',
      name: 'gitops',
    });
  });

  it.each([
    '',
    'not a url',
    'https://github.com/acme',
    'github.com?owner=acme',
    'ftp://github.com/a/b',
    'https://example/a/b',
  ])('names no repository in %j', url =>
    expect(parseRepositoryUrl(url)).toBeUndefined(),
  );
});

describe('treeUrlFor', () => {
  it('puts a ref where each SCM reader reads it', () => {
    expect(treeUrlFor(gh, 'github')).toBe('https://github.com/acme/gitops');
    expect(treeUrlFor(gh, 'github', 'main')).toBe(
      'https://github.com/acme/gitops/tree/main',
    );
    expect(treeUrlFor(gh, 'github', 'feature/dns')).toBe(
      'https://github.com/acme/gitops/tree/feature%252Fdns',
    );
    const gl = { ...gh, host: 'gitlab.com', url: 'https://gitlab.com/g/r' };
    expect(treeUrlFor(gl, 'gitlab', 'main')).toBe(
      'https://gitlab.com/g/r/-/tree/main',
    );
    expect(treeUrlFor(gh, 'azure', 'main')).toBe(
      'https://github.com/acme/gitops?version=GBmain',
    );
    expect(treeUrlFor(gh, 'azure', 'a'.repeat(40))).toBe(
      `https://github.com/acme/gitops?version=GC${'a'.repeat(40)}`,
    );
  });
});
