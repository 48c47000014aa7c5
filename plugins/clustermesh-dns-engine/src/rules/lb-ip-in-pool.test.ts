import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { lbIpInPool } from './lb-ip-in-pool';

describe('lb-ip-in-pool', () => {
  describeRule(lbIpInPool, {
    edit: replace(
      exampleFile.settings('infra'),
      '"10.25.11.100"',
      '"10.25.11.130"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:15`,
      message:
        /LB IP 10.25.11.130 is outside every pool of the cluster: lb-ippool-infra/,
    },
  });
});
