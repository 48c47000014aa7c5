import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { lbIpUnique } from './lb-ip-unique';

describe('lb-ip-unique', () => {
  describeRule(lbIpUnique, {
    edit: replace(
      exampleFile.settings('apps'),
      '"10.25.11.120"',
      '"10.25.11.100"',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:15`,
      message: /LB IP 10.25.11.100 is also the LB IP of infra/,
    },
  });

  it('does not pass when no cluster sets an LB IP: nothing was compared', () => {
    const checks = exampleChecks(files => {
      for (const c of ['infra', 'apps'])
        replace(
          exampleFile.settings(c),
          /\n {2}CILIUM_CLUSTERMESH_LB_IP: .*/,
          '',
        )(files);
    });
    expect(checks.find(c => c.ruleId === 'lb-ip-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message: 'no LB IP is set yet',
    });
  });

  it('cannot tell when an LB IP comes from a secret', () => {
    const checks = exampleChecks(files => {
      replace(
        exampleFile.settings('apps'),
        '"10.25.11.120"',
        '"${APPS_IP}"',
      )(files);
      replace(
        'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
        '  SECRET_DOMAIN:',
        '  APPS_IP: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:',
      )(files);
    });
    expect(checks.find(c => c.ruleId === 'lb-ip-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the LB IP of apps comes from APPS_IP, not known here: whether all LB IPs differ cannot be told',
    });
  });
});
