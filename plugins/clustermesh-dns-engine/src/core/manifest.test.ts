import { describeObject } from './manifest';

describe('describeObject', () => {
  it('names a namespaced object with its namespace, and a cluster-scoped one without the namespace a manifest or kustomize gave it', () => {
    expect(
      describeObject({
        kind: 'Service',
        namespace: 'network',
        name: 'ingress',
      }),
    ).toBe('Service network/ingress');
    // kustomize's `namespace:` reaches custom resources it does not know
    // as cluster-scoped; the API server keeps them without one
    expect(
      describeObject({
        kind: 'CiliumL2AnnouncementPolicy',
        namespace: 'kube-system',
        name: 'policy',
      }),
    ).toBe('CiliumL2AnnouncementPolicy policy');
    expect(
      describeObject({ kind: 'ClusterRole', namespace: 'x', name: 'view' }),
    ).toBe('ClusterRole view');
  });
});
