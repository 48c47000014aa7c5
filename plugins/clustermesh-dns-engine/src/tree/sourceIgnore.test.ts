import { createRepoTree } from './RepoTree';
import { sourceIgnored } from './sourceIgnore';
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

  it('leaves everything in when there is no .sourceignore', () => {
    const plain = createRepoTree({ 'a/b.yaml': 'x: 1\n' });
    expect(plain.paths().filter(sourceIgnored(plain))).toEqual([]);
  });
});
