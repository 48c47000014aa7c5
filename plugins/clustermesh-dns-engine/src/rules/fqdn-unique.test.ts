import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { fqdnUnique } from './fqdn-unique';

describe('fqdn-unique', () => {
  describeRule(fqdnUnique, {
    edit: replace(
      exampleFile.settings('apps'),
      '"clustermesh-apps.${SECRET_DOMAIN}"\n',
      '"clustermesh-infra.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:14`,
      message: /is also the FQDN of infra/,
    },
  });
});
