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
