import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { lbIpUnique } from './lb-ip-unique';

describe('lb-ip-unique', () => {
  describeRule(lbIpUnique, {
    edit: replace(
      exampleFile.settings('apps'),
      '"10.25.11.120"',
      '"10.25.11.100"',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:15`,
      message: /LB IP 10.25.11.100 is also the LB IP of infra/,
    },
  });
});
