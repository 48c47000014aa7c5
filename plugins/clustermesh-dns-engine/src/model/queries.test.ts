import { exampleFiles } from '../__testUtils__/trees';
import { defaultConventions } from '../conventions/schema';
import { createRepoTree } from '../tree/RepoTree';
import { buildMeshModel } from './build';
import { expectedFqdn, meshFqdns } from './queries';

describe('the FQDN a cluster should have', () => {
  const files = exampleFiles('gitops-repo');
  const secrets = (c: string) =>
    `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`;

  it('keeps a variable its settings do not define as not known here, never as empty text', () => {
    // no Secret defines SECRET_DOMAIN any more, and apps has no FQDN setting
    const edited = { ...files };
    for (const c of ['apps', 'infra'])
      edited[secrets(c)] = edited[secrets(c)].replace(
        /\n {2}SECRET_DOMAIN: .*/,
        '',
      );
    const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    edited[settings] = edited[settings].replace(
      /\n {2}CILIUM_CLUSTERMESH_FQDN: .*/,
      '',
    );
    expect(edited[settings]).not.toBe(files[settings]);
    const mesh = buildMeshModel(createRepoTree(edited), defaultConventions);
    const apps = mesh.byName.get('apps')!;
    expect(expectedFqdn(mesh, apps)).toEqual({
      template: 'clustermesh-apps.${SECRET_DOMAIN}',
      resolved: 'clustermesh-apps.<secret:SECRET_DOMAIN>',
    });
    expect(meshFqdns(mesh).get('apps')).toBe(
      'clustermesh-apps.<secret:SECRET_DOMAIN>',
    );
  });
});
