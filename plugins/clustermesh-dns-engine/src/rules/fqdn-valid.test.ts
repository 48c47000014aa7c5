import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { fqdnValid } from './fqdn-valid';

describe('fqdn-valid', () => {
  describeRule(fqdnValid, {
    edit: replace(
      exampleFile.settings('apps'),
      'clustermesh-apps.${SECRET_DOMAIN}"\n',
      'clustermesh_apps.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:14`,
      message: /has "_" in "clustermesh_apps"/,
    },
  });
});
