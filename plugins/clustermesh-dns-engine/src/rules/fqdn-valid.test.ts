import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
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

  it('says which variable Flux replaced with nothing where a part is missing (not strict, not defined where the settings are substituted)', () => {
    const invalid = exampleChecks(
      replace(
        exampleFile.settings('apps'),
        '"clustermesh-apps.${SECRET_DOMAIN}"\n',
        '"clustermesh-apps.${OTHER_DOMAIN}"\n',
      ),
      { flux: { strictSubstitution: false } },
    ).find(c => c.ruleId === 'fqdn-valid' && c.cluster === 'apps');
    expect(invalid).toMatchObject({
      outcome: 'fail',
      message:
        'FQDN "clustermesh-apps." is a single label, not a fully qualified name: OTHER_DOMAIN is not defined where Kustomization flux-system/cluster-apps-vars substitutes the settings, so Flux replaces it with nothing',
    });
  });

  it('says no label valid where none is known (the whole FQDN a value not known here), and which are where some are', () => {
    const message = (fqdn: string) =>
      exampleChecks(files => {
        replace(
          exampleFile.settings('apps'),
          '"clustermesh-apps.${SECRET_DOMAIN}"\n',
          `"${fqdn}"\n`,
        )(files);
        replace(
          'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
          '  SECRET_DOMAIN:',
          '  APPS_FQDN: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:',
        )(files);
      }).find(c => c.ruleId === 'fqdn-valid' && c.cluster === 'apps')!;
    expect(message('${APPS_FQDN}')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'FQDN "<secret:APPS_FQDN>" is the value of APPS_FQDN, which is not known here (a Secret, or a source made outside the repository): give it in the conventions\' values to check the name',
    });
    expect(message('clustermesh.${APPS_FQDN}').message).toMatch(
      /^FQDN "clustermesh\.<secret:APPS_FQDN>": its known labels are valid/,
    );
  });
});
