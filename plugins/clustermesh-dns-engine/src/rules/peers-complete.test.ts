import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { peersComplete } from './peers-complete';

describe('peers-complete', () => {
  describeRule(peersComplete, {
    edit: replace(
      exampleFile.settings('infra'),
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-infra.${SECRET_DOMAIN}"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:16`,
      message:
        /CILIUM_CLUSTERMESH_APPS_FQDN is "clustermesh-infra.example.net", but apps's FQDN is "clustermesh-apps.example.net"/,
    },
  });
});
