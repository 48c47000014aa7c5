import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { manifestShape } from './manifest-shape';

describe('manifest-shape', () => {
  describeRule(manifestShape, {
    edit: replace(
      exampleFile.dnsEndpoint,
      'recordTTL: 300',
      'recordTTL: "300"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:12`,
      message:
        /DNSEndpoint kube-system\/clustermesh-apiserver: spec.endpoints.0.recordTTL must be number, not string/,
    },
  });
});
