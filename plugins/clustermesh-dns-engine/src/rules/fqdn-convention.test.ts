import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { exampleTree } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
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

describe('fqdn-convention with a domain not known here', () => {
  const checksOf = (fqdn: string) => {
    const report = validateMesh(
      exampleTree(
        'gitops-repo',
        replace(
          exampleFile.settings('infra'),
          '"clustermesh-infra.${SECRET_DOMAIN}"\n',
          `"${fqdn}"\n`,
        ),
      ),
      // SECRET_DOMAIN is only in the SOPS Secret: its value is not known
      resolveConventions({}),
    );
    return report.clusters
      .find(c => c.name === 'infra')!
      .checks.filter(c => c.ruleId === fqdnConvention.id);
  };

  it('does not judge a literal name that fits the known parts of the template', () => {
    expect(checksOf('clustermesh-infra.mesh.example.com')).toMatchObject([
      {
        outcome: 'not-evaluated',
        message:
          'whether FQDN "clustermesh-infra.mesh.example.com" follows "clustermesh-{cluster}.${SECRET_DOMAIN}" depends on SECRET_DOMAIN, not known here (give it with --value or the conventions\' values, or set fqdnTemplate)',
      },
    ]);
  });

  it('fails a name whose known parts differ', () => {
    expect(checksOf('mesh-infra.mesh.example.com')).toMatchObject([
      { outcome: 'fail' },
    ]);
  });
});
