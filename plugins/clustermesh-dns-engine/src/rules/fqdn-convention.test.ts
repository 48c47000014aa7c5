import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { fqdnConvention } from './fqdn-convention';

describe('fqdn-convention', () => {
  describeRule(fqdnConvention, {
    edit: replace(
      exampleFile.settings('infra'),
      '"clustermesh-infra.${SECRET_DOMAIN}"\n',
      '"mesh-infra.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:14`,
      message: /does not follow "clustermesh-\{cluster\}/,
    },
  });
});
