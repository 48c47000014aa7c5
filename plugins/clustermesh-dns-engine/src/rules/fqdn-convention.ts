import { unknownVariables } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { inWords } from '../core/text';
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
    `Rename the record to the template \`${c.fqdnTemplate}\`, or give the scheme the team uses as the FQDN template (\`fqdnTemplate\` in the conventions, \`--fqdn-template\`).`,
  messages: {
    notSet: '{{variable}} is not set',
    follows: 'FQDN {{fqdn}} follows {{template}}',
    differs:
      'FQDN {{fqdn}} does not follow {{template}} (expected {{expected}})',
    unknownPart:
      "whether FQDN {{fqdn}} follows {{template}} depends on {{variables}}, not known here (give {{them}} with --value or the conventions' values, or set fqdnTemplate)",
  },
  check(mesh, c, r) {
    if (!c.fqdn) return skipUnset(r, mesh, c, 'fqdn');
    const expected = expectedFqdn(mesh, c);
    const data = {
      fqdn: q(c.fqdn.raw),
      template: q(mesh.conventions.fqdnTemplate),
    };
    if (c.fqdn.raw === expected.template || c.fqdn.value === expected.resolved)
      return [r.pass('follows', data, c.fqdn.location)];
    // the expected name has parts not known offline (a SOPS domain): a name
    // that fits the known parts may well follow it
    const inValue = unknownVariables(c.fqdn.value);
    const inExpected = unknownVariables(expected.resolved);
    const unknown = [...new Set([...inValue, ...inExpected])];
    // a placeholder both sides hold is the same value: the rest compares
    const comparable =
      inValue.length > 0
        ? inValue.every(v => inExpected.includes(v))
        : !fitsKnownParts(c.fqdn.value, expected.resolved);
    if (unknown.length && !comparable)
      return [
        r.notEvaluated(
          'unknownPart',
          {
            ...data,
            variables: inWords(unknown),
            them: unknown.length > 1 ? 'them' : 'it',
          },
          c.fqdn.location,
        ),
      ];
    return [
      r.fail(
        'differs',
        { ...data, expected: q(expected.template) },
        c.fqdn.location,
      ),
    ];
  },
});

/** Whether a name fits a pattern whose secret placeholders stand for any non-empty text. */
function fitsKnownParts(name: string, pattern: string): boolean {
  const parts = pattern
    .split(/<secret:[A-Za-z_][A-Za-z0-9_]*>/)
    .map(p => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`).test(name.replace(/\.$/, ''));
}
