import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
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
});
