import { createRepoTree } from './RepoTree';
import { SourceIgnoreMemo, sourceIgnored } from './sourceIgnore';
import { TreeIndex } from './TreeIndex';

describe('sourceIgnored', () => {
  const tree = createRepoTree({
    '.sourceignore': '# not for Flux\n*.md\nscripts/\n',
    'kubernetes/.sourceignore': 'talos-patch.yaml\n!README.md\n',
    'kubernetes/clusters/prod/talos-patch.yaml': 'machine: {}\n',
    'kubernetes/clusters/prod/ks.yaml': 'kind: Kustomization\n',
    'kubernetes/README.md': '# docs\n',
    'docs/README.md': '# docs\n',
    'scripts/bootstrap.yaml': 'kind: Secret\n',
    'talos-patch.yaml': 'machine: {}\n',
  });

  it("leaves out what a .sourceignore matches under its folder, a sub-folder's patterns winning", () => {
    const ignored = sourceIgnored(tree);
    expect(tree.paths().filter(ignored)).toEqual([
      'docs/README.md',
      'kubernetes/clusters/prod/talos-patch.yaml',
      'scripts/bootstrap.yaml',
    ]);
  });

  it('gives the index only the files Flux builds', () => {
    const index = new TreeIndex(tree);
    expect(index.isFile('kubernetes/clusters/prod/talos-patch.yaml')).toBe(
      false,
    );
    expect(index.list('kubernetes/clusters/prod').files).toEqual(['ks.yaml']);
    expect(index.isDir('scripts')).toBe(false);
    expect(index.paths()).toContain('talos-patch.yaml');
  });

  it("leaves out source-controller's default exclusions without a .sourceignore, and only them", () => {
    // SOPS' creation rules in each cluster's folder, CI files
    const plain = createRepoTree({
      'a/b.yaml': 'x: 1\n',
      'clusters/abydos/.sops.yaml': 'creation_rules: []\n',
      'clusters/abydos/kustomization.yaml': 'resources: []\n',
      '.github/workflows/ci.yaml': 'on: push\n',
      '.gitlab-ci.yml': 'stages: []\n',
      'docs/diagram.png': 'x',
      'sops.yaml': 'x: 1\n',
    });
    expect(plain.paths().filter(sourceIgnored(plain))).toEqual([
      '.github/workflows/ci.yaml',
      '.gitlab-ci.yml',
      'clusters/abydos/.sops.yaml',
      'docs/diagram.png',
    ]);
  });

  it('lets a .sourceignore take a default exclusion back', () => {
    const tree2 = createRepoTree({
      '.sourceignore': '!.sops.yaml\n',
      'clusters/a/.sops.yaml': 'creation_rules: []\n',
    });
    expect(tree2.paths().filter(sourceIgnored(tree2))).toEqual([]);
  });

  it('answers the same through a memo kept between trees, and anew where the patterns differ', () => {
    const memo = new SourceIgnoreMemo();
    const files = {
      '.sourceignore': 'scripts/\n',
      'scripts/x.yaml': 'a: b\n',
      'apps/x.yaml': 'a: b\n',
      'apps/logo.png': '',
    };
    const first = createRepoTree(files);
    expect(first.paths().filter(sourceIgnored(first, [], memo))).toEqual([
      'apps/logo.png',
      'scripts/x.yaml',
    ]);
    // the next revision, same patterns: the same answers
    const next = createRepoTree({ ...files, 'scripts/y.yaml': 'a: b\n' });
    expect(next.paths().filter(sourceIgnored(next, [], memo))).toEqual([
      'apps/logo.png',
      'scripts/x.yaml',
      'scripts/y.yaml',
    ]);
    // other patterns: not the answers kept for the first ones
    const changed = createRepoTree({ ...files, '.sourceignore': 'apps/\n' });
    expect(changed.paths().filter(sourceIgnored(changed, [], memo))).toEqual([
      'apps/logo.png',
      'apps/x.yaml',
    ]);
    // a GitRepository's spec.ignore is part of the patterns
    expect(
      changed.paths().filter(sourceIgnored(changed, ['scripts/'], memo)),
    ).toEqual(['apps/logo.png', 'apps/x.yaml', 'scripts/x.yaml']);
  });
});
