import { expectedFqdn } from '../model/queries';
import { defineClusterRule, q, skipUnset } from './rule';

/** The FQDN follows the configured template. @public */
export const fqdnConvention = defineClusterRule({
  id: 'fqdn-convention',
  title: 'FQDN follows the convention',
  severity: 'warning',
  scope: 'cluster',
  description:
    'The FQDN matches the configured template (default `clustermesh-{cluster}.${SECRET_DOMAIN}`).',
  remediation: c =>
    `Rename the record to the template \`${c.fqdnTemplate}\`, or set \`fqdnTemplate\` in the conventions if the team uses another scheme.`,
  messages: {
    notSet: '{{variable}} is not set',
    follows: 'FQDN {{fqdn}} follows {{template}}',
    differs:
      'FQDN {{fqdn}} does not follow {{template}} (expected {{expected}})',
  },
  check(mesh, c, r) {
    if (!c.fqdn) return skipUnset(r, mesh.conventions.variables.fqdn, c);
    const expected = expectedFqdn(mesh, c);
    const data = {
      fqdn: q(c.fqdn.raw),
      template: q(mesh.conventions.fqdnTemplate),
    };
    if (c.fqdn.raw === expected.template || c.fqdn.value === expected.resolved)
      return [r.pass('follows', data, c.fqdn.location)];
    return [
      r.fail(
        'differs',
        { ...data, expected: q(expected.template) },
        c.fqdn.location,
      ),
    ];
  },
});
