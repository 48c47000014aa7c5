import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { dnsEndpointIncluded } from './dnsendpoint-included';

describe('dnsendpoint-included', () => {
  describeRule(dnsEndpointIncluded, {
    edit: replace(
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
      '  - dnsendpoint.yaml\n',
      '',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:1`,
      message:
        /exists but no Flux Kustomization of the cluster applies it: add it to the resources of kubernetes\/infrastructure\/networking\/cilium\/clustermesh\/kustomization.yaml/,
    },
  });
});
