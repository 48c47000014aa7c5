import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
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
      message: /is shared by apps, infra/,
    },
  });

  const fqdnOfSecret =
    (cluster: string, variable: string) => (files: Record<string, string>) => {
      replace(
        exampleFile.settings(cluster),
        `"clustermesh-${cluster}.\${SECRET_DOMAIN}"\n`,
        `"\${${variable}}"\n`,
      )(files);
      replace(
        `kubernetes/clusters/${cluster}/cluster-secrets.sops.yaml`,
        '  SECRET_DOMAIN:',
        `  ${variable}: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:`,
      )(files);
    };

  it('cannot tell when two names differ only in values not known here', () => {
    const checks = exampleChecks(files => {
      fqdnOfSecret('apps', 'APPS_FQDN')(files);
      fqdnOfSecret('infra', 'INFRA_FQDN')(files);
    });
    expect(checks.find(c => c.ruleId === 'fqdn-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the FQDNs of apps, infra differ only in APPS_FQDN, INFRA_FQDN, not known here: whether they differ cannot be told',
    });
  });

  it('fails one name whose part not known here every cluster reads from one file', () => {
    // a SOPS Secret both clusters apply from one shared file: one value
    const shared = 'kubernetes/shared/mesh-secrets.sops.yaml';
    const checks = exampleChecks(files => {
      files[shared] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: mesh-secrets\n  namespace: flux-system\nstringData:\n  MESH_DOMAIN: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CC==,type:str]\nsops:\n  version: 3.9.0\n';
      for (const cluster of ['apps', 'infra']) {
        const dir = `kubernetes/clusters/${cluster}`;
        replace(
          `${dir}/kustomization.yaml`,
          '  - vars.yaml\n',
          '  - vars.yaml\n  - ../../shared/mesh-secrets.sops.yaml\n',
        )(files);
        // the settings are stored substituted (by their vars Kustomization)
        files[`${dir}/vars.yaml`] +=
          '      - kind: Secret\n        name: mesh-secrets\n';
        replace(
          exampleFile.settings(cluster),
          `"clustermesh-${cluster}.\${SECRET_DOMAIN}"\n`,
          '"clustermesh.${MESH_DOMAIN}"\n',
        )(files);
      }
    });
    expect(
      checks
        .filter(c => c.ruleId === 'fqdn-unique')
        .map(c => [c.cluster, c.outcome, c.message]),
    ).toEqual(
      ['apps', 'infra'].map(cluster => [
        cluster,
        'fail',
        'FQDN "clustermesh.<secret:MESH_DOMAIN>" is shared by apps, infra: MESH_DOMAIN, not known here, comes from one place for them all (kubernetes/shared/mesh-secrets.sops.yaml), so the names are the same',
      ]),
    );
  });

  it('tells names apart by their known parts', () => {
    // clustermesh-apps.<secret> and clustermesh-infra.<secret> differ whatever the domain
    const checks = exampleChecks(undefined, { values: {} });
    expect(checks.find(c => c.ruleId === 'fqdn-unique')?.outcome).toBe('pass');
  });

  it('does not pass one FQDN alone: the other members have none to compare', () => {
    const checks = exampleChecks(
      replace(
        exampleFile.settings('apps'),
        '  CILIUM_CLUSTERMESH_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"\n',
        '',
      ),
    );
    expect(checks.find(c => c.ruleId === 'fqdn-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message: 'only infra has an FQDN set: there is none to compare it with',
    });
  });
});
