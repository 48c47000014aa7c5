import { resolveConventions } from '../conventions/resolve';
import { knownDomain } from '../__testUtils__/trees';
import { exampleTree } from '../__testUtils__/trees';
import { inspectMesh } from './inspect';

/** The conventions with the example repositories' SOPS domain given. */
const withDomain = resolveConventions(knownDomain);

const pool =
  'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml';

describe('inspectMesh', () => {
  it('gives the report, and each peer of a cluster with whether it knows the cluster', () => {
    const inspection = inspectMesh(exampleTree('gitops-repo'), withDomain);
    expect(inspection.report.summary.status).toBe('pass');
    expect(inspection.peersOf('infra')).toEqual([
      {
        peer: 'apps',
        variable: 'CILIUM_CLUSTERMESH_APPS_FQDN',
        value: 'clustermesh-apps.example.net',
        knowsThisCluster: true,
      },
    ]);
    expect(inspection.peersOf('nope')).toBeUndefined();
  });

  it('says when a peer does not know the cluster by its FQDN', () => {
    const inspection = inspectMesh(
      exampleTree('gitops-repo', files => {
        const file = 'kubernetes/clusters/apps/cluster-settings.yaml';
        files[file] = files[file].replace(
          /CILIUM_CLUSTERMESH_INFRA_FQDN: .*/,
          'CILIUM_CLUSTERMESH_INFRA_FQDN: "wrong.example.com"',
        );
      }),
      withDomain,
    );
    expect(inspection.peersOf('infra')?.[0].knowsThisCluster).toBe(false);
    expect(inspection.peersOf('apps')?.[0]).toMatchObject({
      value: 'wrong.example.com',
      knowsThisCluster: true,
    });
  });

  it('gives the pools of a cluster, the addresses in use and the lowest free one', () => {
    const inspection = inspectMesh(
      exampleTree('gitops-repo', files => {
        // another LoadBalancer Service of infra takes .101 and .102
        files['kubernetes/infrastructure/networking/cilium/core/ingress.yaml'] =
          'apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: kube-system\n  annotations:\n    lbipam.cilium.io/ips: "10.25.11.101,10.25.11.102"\nspec:\n  type: LoadBalancer\n';
        const k =
          'kubernetes/infrastructure/networking/cilium/core/kustomization.yaml';
        files[k] = files[k].replace(
          'resources:\n',
          'resources:\n  - ingress.yaml\n',
        );
      }),
      withDomain,
    );
    const info = inspection.poolOf('infra')!;
    expect(info.pools).toEqual([
      {
        name: 'lb-ippool-infra',
        blocks: ['10.25.11.100-10.25.11.119'],
        disabled: false,
        admitsApiServer: true,
        location: { file: pool, line: expect.any(Number) },
      },
    ]);
    expect(info.current).toBe('10.25.11.100');
    expect(info.used.map(u => [u.address, u.usedBy.map(b => b.what)])).toEqual([
      ['10.25.11.100', ['the ClusterMesh LB IP of infra']],
      ['10.25.11.101', ['Service kube-system/ingress']],
      ['10.25.11.102', ['Service kube-system/ingress']],
    ]);
    expect(info.free).toBe(17);
    expect(info.suggestion).toBe('10.25.11.103');
    expect(inspection.poolOf('nope')).toBeUndefined();
  });
});
