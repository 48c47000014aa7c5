import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { serviceAnnotation } from './service-annotation';

describe('service-annotation', () => {
  describeRule(serviceAnnotation, {
    edit: replace(
      exampleFile.helmRelease,
      'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
      'lbipam.cilium.io/ips: 10.25.11.101',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.helmRelease}:32`,
      message:
        /annotation lbipam.cilium.io\/ips is "10.25.11.101", not the LB IP 10.25.11.100/,
    },
  });

  const checksOf = (edit: (f: Record<string, string>) => void) =>
    exampleChecks(edit).filter(
      c => c.ruleId === 'service-annotation' && c.cluster === 'infra',
    );

  it('takes the service’s loadBalancerIP, which LB IPAM honours, where there is no annotation', () => {
    const checks = checksOf(
      replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '          loadBalancerIP: ${CILIUM_CLUSTERMESH_LB_IP}\n',
      ),
    );
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'pass',
        message:
          'clustermesh-apiserver is a LoadBalancer with clustermesh.apiserver.service.loadBalancerIP: 10.25.11.100',
        location: { file: exampleFile.helmRelease, line: 31 },
      }),
    ]);
  });

  it('fails a missing annotation though the cluster pulls a remote base elsewhere: that base only adds objects, it cannot change the Cilium values read', () => {
    const checks = checksOf(f => {
      replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '',
      )(f);
      // no settings object found either: what adds objects may add that one,
      // not change the Cilium values
      f['kubernetes/clusters/infra/vars/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - https://github.com/kubernetes-sigs/container-object-storage-interface//?ref=v0.2.2\n';
    });
    expect(checks.map(c => [c.outcome, c.message])).toEqual([
      [
        'fail',
        expect.stringMatching(
          /^clustermesh.apiserver.service has no LB IPAM annotation/,
        ),
      ],
    ]);
  });

  it('fails an annotation and a loadBalancerIP that disagree', () => {
    const checks = checksOf(
      replace(
        exampleFile.helmRelease,
        '          annotations:\n',
        '          loadBalancerIP: 10.25.11.7\n          annotations:\n',
      ),
    );
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message:
          'annotation lbipam.cilium.io/ips is "10.25.11.100" but clustermesh.apiserver.service.loadBalancerIP is "10.25.11.7": the service asks LB IPAM for two addresses',
        location: { file: exampleFile.helmRelease, line: 31 },
      }),
    ]);
  });
});
