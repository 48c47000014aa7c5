import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { lbIpValid } from './lb-ip-valid';

describe('lb-ip-valid', () => {
  describeRule(lbIpValid, {
    edit: replace(
      exampleFile.settings('apps'),
      '"10.25.11.120"',
      '"10.25.11.320"',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:15`,
      message: /LB IP "10.25.11.320" has an octet above 255/,
    },
  });
});
