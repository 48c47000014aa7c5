import { defaultConventions } from './schema';
import {
  ConventionsError,
  parseConventions,
  readConventionsFile,
  resolveConventions,
} from './resolve';
import {
  fqdnTemplateFor,
  isClusterMeshVariable,
  peerFqdnVariable,
} from './templates';
import { detectConventions } from './detect';
import { createRepoTree } from '../tree/RepoTree';
import { exampleTree } from '../__testUtils__/trees';

describe('conventions', () => {
  it("default to the story's layout", () => {
    expect(defaultConventions).toMatchObject({
      clustersPath: 'kubernetes/clusters',
      settings: {
        configMap: 'cluster-settings',
        secret: 'cluster-secrets',
        namespace: 'flux-system',
      },
      variables: {
        fqdn: 'CILIUM_CLUSTERMESH_FQDN',
        lbIp: 'CILIUM_CLUSTERMESH_LB_IP',
        domain: 'SECRET_DOMAIN',
      },
      fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
      dns: { mode: 'externaldns', ttl: 300, provider: 'cloudflare' },
      cilium: { lbIpamAnnotation: 'lbipam.cilium.io/ips', apiserverPort: 2379 },
      flux: { strictSubstitution: true },
    });
    expect(peerFqdnVariable(defaultConventions, 'apps-eu')).toBe(
      'CILIUM_CLUSTERMESH_APPS_EU_FQDN',
    );
    expect(fqdnTemplateFor(defaultConventions, 'infra')).toBe(
      'clustermesh-infra.${SECRET_DOMAIN}',
    );
  });

  it('write a peer lower-cased with {peer}, for settings of lower_snake_case keys', () => {
    const lower = parseConventions(
      'variables:\n  fqdn: cilium_clustermesh_fqdn\n  lbIp: cilium_clustermesh_lb_ip\n  peerFqdn: cilium_clustermesh_{peer}_fqdn\n',
    );
    expect(peerFqdnVariable(lower, 'apps-eu')).toBe(
      'cilium_clustermesh_apps_eu_fqdn',
    );
    const isMesh = isClusterMeshVariable(lower);
    expect(
      [
        'cilium_clustermesh_apps_eu_fqdn',
        'cilium_clustermesh_fqdn',
        'domain',
      ].map(isMesh),
    ).toEqual([true, true, false]);
    expect(() =>
      parseConventions('variables:\n  peerFqdn: peer_fqdn\n'),
    ).toThrow(/must contain \{PEER\} or \{peer\}/);
  });

  it('read from YAML, keeping defaults for what is not set', () => {
    const c = parseConventions('clustersPath: clusters\ndns:\n  ttl: 60\n');
    expect(c.clustersPath).toBe('clusters');
    expect(c.dns).toMatchObject({ ttl: 60, mode: 'externaldns' });
  });

  it('put the settings file in the folder Flux reconciles for each cluster, unless it is given', () => {
    expect(defaultConventions.settings.file).toBe(
      'kubernetes/clusters/{cluster}/cluster-settings.yaml',
    );
    expect(
      resolveConventions(
        {},
        { clustersPath: 'kubernetes', entryPath: 'cluster/config' },
      ).settings.file,
    ).toBe('kubernetes/{cluster}/cluster/config/cluster-settings.yaml');
    expect(resolveConventions({ entryPath: 'flux' }).settings.file).toBe(
      'kubernetes/clusters/{cluster}/flux/cluster-settings.yaml',
    );
    expect(
      resolveConventions(
        { settings: { file: 'settings/{cluster}.yaml' } },
        { clustersPath: 'kubernetes' },
      ).settings.file,
    ).toBe('settings/{cluster}.yaml');
  });

  it('refuse bad values, naming the field and the reason', () => {
    expect(() =>
      parseConventions('dns:\n  mode: bind\n', 'repo/.clustermesh-dns.yaml'),
    ).toThrow(
      /^repo\/.clustermesh-dns.yaml: dns.mode: Invalid option: expected one of "externaldns"\|"manual"$/,
    );
    expect(() => parseConventions('fqdnTemplate: mesh.example.org\n')).toThrow(
      /fqdnTemplate: must contain \{cluster\}/,
    );
    expect(() => parseConventions('dns:\n  tll: 300\n')).toThrow(
      /dns.tll: is not a known setting/,
    );
    expect(() => parseConventions('- a\n')).toThrow(ConventionsError);
    expect(() => parseConventions('a: [\n')).toThrow(/is not valid YAML/);
  });

  it('detect the LB IP variable and annotation key the repository already uses', () => {
    const tree = createRepoTree({
      // a Flux repository: a Kustomization of the cluster
      'kubernetes/clusters/a/x.yaml':
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  path: ./apps\n',
      'hr.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\nspec:\n  values:\n    clustermesh:\n      apiserver:\n        service:\n          annotations:\n            io.cilium/lb-ipam-ips: \${MESH_API_IP}\n`,
    });
    const detected = detectConventions(tree);
    expect(detected.conventions).toEqual({
      cilium: { lbIpamAnnotation: 'io.cilium/lb-ipam-ips' },
      variables: { lbIp: 'MESH_API_IP' },
      dns: { mode: 'manual' },
    });
    // explicit settings win
    expect(
      resolveConventions({ variables: { lbIp: 'MINE' } }, detected).variables
        .lbIp,
    ).toBe('MINE');
  });

  it('detect a clusters folder at another place', () => {
    expect(
      detectConventions(
        createRepoTree({
          'clusters/a/k.yaml':
            'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  path: ./apps\n',
        }),
      ).conventions,
      // no ExternalDNS nor DNSEndpoint: the records are kept by hand
    ).toEqual({ clustersPath: 'clusters', dns: { mode: 'manual' } });
    // no Flux Kustomization or FluxInstance anywhere: no folder is a cluster
    const { conventions, found } = detectConventions(
      createRepoTree({
        // Flux's annotation keys copied into plain manifests are no Flux object
        'clusters/a/k.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n',
      }),
    );
    expect(conventions.clusters).toEqual([]);
    expect(found.find(f => f.setting === 'clusters')?.reason).toBe(
      'the repository holds no Flux object (no *.toolkit.fluxcd.io or fluxcd.controlplane.io apiVersion in any file): nothing shows that Flux reconciles a folder under clusters (a); name them in clusters to check them anyway',
    );
    // a HelmRelease is Flux's: a FluxInstance applied outside the
    // repository may reconcile the folders
    expect(
      detectConventions(
        createRepoTree({
          'clusters/a/cilium.yaml':
            'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n',
        }),
      ).conventions.clusters,
    ).toBeUndefined();
  });

  it("reads folders written as Flux writes paths (`./kubernetes/flux/`) as the repository's paths", () => {
    expect(
      readConventionsFile(
        [
          'clustersPath: ./kubernetes/clusters/',
          'entryPath: ./flux/',
          'entries:',
          '  a: ./kubernetes/flux/',
          '  b: kubernetes-b/flux',
          'sharedEntry: {path: ./kubernetes/flux, variable: CLUSTER}',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      clustersPath: 'kubernetes/clusters',
      entryPath: 'flux',
      entries: { a: 'kubernetes/flux', b: 'kubernetes-b/flux' },
      sharedEntry: { path: 'kubernetes/flux', variable: 'CLUSTER' },
    });
    // the top of the repository stays the top
    expect(readConventionsFile('clustersPath: ./\n').clustersPath).toBe('');
  });

  it('detect nothing surprising in the example repository', () => {
    expect(detectConventions(exampleTree('gitops-repo')).conventions).toEqual({
      cilium: { lbIpamAnnotation: 'lbipam.cilium.io/ips' },
      // its ExternalDNS publishes to Cloudflare, without --cloudflare-proxied
      dns: { provider: 'cloudflare', proxiedByDefault: false },
      variables: { lbIp: 'CILIUM_CLUSTERMESH_LB_IP' },
      // the names its settings hold
      fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
    });
  });
});
