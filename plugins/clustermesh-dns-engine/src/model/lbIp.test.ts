import { knownDomain, exampleTree } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { buildMeshModel } from './build';
import {
  exampleChecks,
  exampleFile,
  Files,
  replace,
  withOutsideSettingsSource,
  withoutLbIp,
} from '../__testUtils__/rules';

describe('clusterLbIp', () => {
  // the shared values ask for the settings' address; here each cluster's
  // address is written in the values and the settings have none
  const literalInValues =
    (address: string) => (files: Record<string, string>) => {
      withoutLbIp('infra')(files);
      withoutLbIp('apps')(files);
      replace(
        exampleFile.helmRelease,
        'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
        `lbipam.cilium.io/ips: ${address}`,
      )(files);
    };
  const checksOf = (address: string) =>
    exampleChecks(literalInValues(address)).filter(c => c.cluster === 'infra');
  const outcomeOf = (address: string, rule: string) =>
    checksOf(address).find(c => c.ruleId === rule);

  it('is the address the Cilium values ask for when the settings have no LB IP variable', () => {
    expect(outcomeOf('10.25.11.100', 'lb-ip-in-pool')).toMatchObject({
      outcome: 'pass',
      message: expect.stringContaining('LB IP 10.25.11.100 is in pool'),
    });
    expect(outcomeOf('10.25.11.100', 'lb-ip-valid')).toMatchObject({
      outcome: 'pass',
      location: { file: exampleFile.helmRelease },
    });
    // the record still points at the settings' variable, which is missing
    expect(outcomeOf('10.25.11.100', 'settings-present')).toMatchObject({
      outcome: 'fail',
    });
    // an address outside every pool is found, not left unread
    expect(outcomeOf('10.99.0.1', 'lb-ip-in-pool')).toMatchObject({
      outcome: 'fail',
    });
  });

  it('stays the settings variable when the settings define it, and is nothing when the values ask for no one address', () => {
    expect(
      exampleChecks().find(
        c => c.ruleId === 'lb-ip-valid' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      outcome: 'pass',
      location: { file: exampleFile.settings('infra') },
    });
    for (const asked of ['10.25.11.100,10.25.11.101', '${LB_ADDRESS}'])
      expect(outcomeOf(asked, 'lb-ip-in-pool')?.outcome).not.toBe('pass');
  });

  describe('where a source listed after the settings defines it too', () => {
    // infra's Kustomization substitutes from an optional ConfigMap after
    // the settings and the Secret (`cluster-settings-user`), which the
    // repository defines with its own address
    const withUserSettings = (address: string) => (files: Files) => {
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '        name: cluster-secrets\n',
        '        name: cluster-secrets\n      - kind: ConfigMap\n        name: cluster-settings-user\n        optional: true\n',
      )(files);
      files[exampleFile.settings('infra')] += [
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: cluster-settings-user',
        '  namespace: flux-system',
        'data:',
        `  CILIUM_CLUSTERMESH_LB_IP: "${address}"`,
        '',
      ].join('\n');
    };
    const infraChecks = (address: string) =>
      exampleChecks(withUserSettings(address)).filter(
        c => c.cluster === 'infra',
      );

    it("is the later source's address, the one Flux inserts", () => {
      const checks = infraChecks('10.25.11.101');
      expect(checks.filter(c => c.outcome === 'fail')).toEqual([]);
      expect(checks.find(c => c.ruleId === 'lb-ip-valid')).toMatchObject({
        outcome: 'pass',
        message: expect.stringContaining('10.25.11.101'),
        location: { file: exampleFile.settings('infra'), line: 24 },
      });
    });

    it("fails the pool check for that address, not the settings' own", () => {
      const checks = infraChecks('10.25.20.1');
      expect(checks.find(c => c.ruleId === 'lb-ip-in-pool')).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('10.25.20.1'),
      });
      // the annotation and the record ask for the same address
      for (const rule of ['service-annotation', 'dnsendpoint-matches'])
        expect(checks.find(c => c.ruleId === rule)?.outcome).toBe('pass');
    });
  });

  describe('read from the model', () => {
    // infra's settings only in a ConfigMap made outside the repository, its
    // values asking for one address written out
    const unverifiedWith = (target?: string) =>
      buildMeshModel(
        exampleTree('gitops-repo', files => {
          withoutLbIp('infra')(files);
          withOutsideSettingsSource('infra')(files);
          replace(
            exampleFile.helmRelease,
            'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
            'lbipam.cilium.io/ips: 10.25.11.100',
          )(files);
          if (target)
            replace(
              exampleFile.dnsEndpoint,
              '- ${CILIUM_CLUSTERMESH_LB_IP}',
              `- ${target}`,
            )(files);
        }),
        resolveConventions(knownDomain),
      ).byName.get('infra')!;

    it('takes the address the values ask for over a variable only a source not read may define', () => {
      expect(unverifiedWith('10.25.11.100').lbIp).toMatchObject({
        value: '10.25.11.100',
        origin: expect.stringMatching(/^the Cilium values/),
      });
    });

    it('keeps the variable, not known here, where the record points at it', () => {
      const infra = unverifiedWith();
      expect(infra.lbIp).toMatchObject({
        name: 'CILIUM_CLUSTERMESH_LB_IP',
        unverified: true,
      });
      // a variable whose name only begins like it is another one
      expect(
        unverifiedWith('${CILIUM_CLUSTERMESH_LB_IP_V6:=10.25.11.100}').lbIp,
      ).toMatchObject({ value: '10.25.11.100' });
    });
  });
});
