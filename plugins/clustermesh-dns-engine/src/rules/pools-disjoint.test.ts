import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { poolsDisjoint } from './pools-disjoint';

describe('pools-disjoint', () => {
  describeRule(poolsDisjoint, {
    edit: replace(
      exampleFile.pool('apps'),
      'start: 10.25.11.120',
      'start: 10.25.11.110',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.pool('apps')}:9`,
      message:
        /block 10.25.11.110-10.25.11.139 overlaps pool lb-ippool-infra of infra on the same network .* on 10.25.11.110-10.25.11.119/,
    },
  });
});
