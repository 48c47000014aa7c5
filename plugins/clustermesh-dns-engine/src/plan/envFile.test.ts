import { EnvFileEditor } from './envFile';

describe('EnvFileEditor', () => {
  it('changes a value on its line, removes a key with its line, and keeps every other byte', () => {
    const editor = new EnvFileEditor(
      'a.env',
      '# settings\r\nA=1\r\n  B=two # not a comment\r\nC\r\n',
    );
    editor.set('B', 'three');
    editor.set('C', 'x');
    editor.remove('A');
    expect(editor.result()).toBe('# settings\r\n  B=three\r\nC=x\r\n');
  });

  it('adds new keys after the keys they belong with, else in a group of their own', () => {
    const text =
      '# cluster\nNAME=a\n\n# mesh\nMESH_FQDN=a.example\n\n# pool\nSTART=1\n';
    const near = new EnvFileEditor('a.env', text);
    near.setGroupHeading('ClusterMesh DNS');
    near.setNeighbours(k => k.startsWith('MESH_'));
    near.set('MESH_B_FQDN', 'b.example');
    expect(near.result()).toBe(
      '# cluster\nNAME=a\n\n# mesh\nMESH_FQDN=a.example\nMESH_B_FQDN=b.example\n\n# pool\nSTART=1\n',
    );
    const grouped = new EnvFileEditor(
      'a.env',
      '# cluster\nNAME=a\n\n# pool\nSTART=1\n',
    );
    grouped.setGroupHeading('ClusterMesh DNS');
    grouped.setNeighbours(k => k.startsWith('MESH_'));
    grouped.set('MESH_FQDN', 'a.example');
    expect(grouped.result()).toBe(
      '# cluster\nNAME=a\n\n# pool\nSTART=1\n\n# ClusterMesh DNS\nMESH_FQDN=a.example\n',
    );
    // a later run adds to that group, without a second heading
    const again = new EnvFileEditor('a.env', grouped.result());
    again.setGroupHeading('ClusterMesh DNS');
    again.set('MESH_B_FQDN', 'b.example');
    expect(again.result()).toBe(`${grouped.result()}MESH_B_FQDN=b.example\n`);
  });

  it('reads values as kustomize does: the last definition wins, no quote removal', () => {
    const editor = new EnvFileEditor('a.env', 'A="1"\nA=2\n#B=3\n');
    expect([...editor.values()]).toEqual([['A', '2']]);
  });
});
