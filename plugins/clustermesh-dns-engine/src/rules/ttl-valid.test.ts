import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { ttlValid } from './ttl-valid';

describe('ttl-valid', () => {
  describeRule(ttlValid, {
    edit: replace(exampleFile.dnsEndpoint, 'recordTTL: 300', 'recordTTL: 30'),
    conventions: { dns: { ttl: 30 } },
    fails: {
      cluster: 'apps',
      at: `${exampleFile.dnsEndpoint}:12`,
      message:
        /has recordTTL 30, outside 1 \(auto\) or 60..86400 for Cloudflare/,
    },
  });
});
