import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { dnsEndpointMatches } from './dnsendpoint-matches';

describe('dnsendpoint-matches', () => {
  describeRule(dnsEndpointMatches, {
    edit: replace(
      exampleFile.dnsEndpoint,
      '      recordType: A\n',
      '      recordType: AAAA\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:11`,
      message: /has recordType "AAAA", not "A" for 10.25.11.100/,
    },
  });
});
