import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { settingsPresent } from './settings-present';

const withoutLbIp = replace(
  exampleFile.settings('infra'),
  '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n',
  '',
);

describe('settings-present', () => {
  describeRule(settingsPresent, {
    edit: withoutLbIp,
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:10`,
      message: /CILIUM_CLUSTERMESH_LB_IP is not set/,
    },
  });

  it('does not call a setting missing when the cluster uses what the engine does not evaluate', () => {
    const checks = exampleChecks(files => {
      withoutLbIp(files);
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        '  - vars.yaml\n',
        '  - vars.yaml\n  - https://example.com/platform/settings.yaml\n',
      )(files);
    });
    const infra = checks.find(
      c => c.ruleId === 'settings-present' && c.cluster === 'infra',
    );
    expect(infra).toMatchObject({
      outcome: 'not-evaluated',
      severity: 'info',
      message:
        'CILIUM_CLUSTERMESH_LB_IP is not set in ConfigMap flux-system/cluster-settings; but the cluster uses what the engine does not evaluate, which may provide it: refers to the remote resource https://example.com/platform/settings.yaml, which this engine does not fetch (kubernetes/clusters/infra/kustomization.yaml:7)',
    });
    expect(infra).not.toHaveProperty('remediation');
  });
});
