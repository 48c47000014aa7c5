import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { substitutionComplete } from './substitution-complete';

describe('substitution-complete', () => {
  describeRule(substitutionComplete, {
    edit: replace(
      exampleFile.dnsEndpoint,
      '      recordTTL: 300\n',
      '      recordTTL: ${CLUSTERMESH_TTL}\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:12`,
      message: /\$\{CLUSTERMESH_TTL\} is not defined and has no default/,
    },
  });
});
