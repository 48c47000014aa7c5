import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { settingsPresent } from './settings-present';

describe('settings-present', () => {
  describeRule(settingsPresent, {
    edit: replace(
      exampleFile.settings('infra'),
      '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n',
      '',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:10`,
      message: /CILIUM_CLUSTERMESH_LB_IP is not set/,
    },
  });
});
