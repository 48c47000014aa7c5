import {
  describeInvalidIp,
  recordTypeFor,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defineClusterRule, q, skipUnset, unknownValueAdvice } from './rule';

/** The LB IP is one address. @public */
export const lbIpValid = defineClusterRule({
  id: 'lb-ip-valid',
  title: 'LB IP is an address',
  severity: 'error',
  scope: 'cluster',
  description:
    'The LB IP is one IPv4 or IPv6 address (the record is A for IPv4, AAAA for IPv6).',
  remediation: c =>
    `Write a single address such as \`10.25.11.100\` in \`${c.variables.lbIp}\`, without a prefix length.`,
  messages: {
    notSet: '{{variable}} is not set',
    invalid: 'LB IP {{ip}} {{problem}}',
    unknown:
      '{{what}} comes from {{variables}}, which is not known here (a Secret, or a source made outside the repository): {{advice}}',
    valid: 'LB IP {{ip}} is an {{family}} address ({{type}} record)',
  },
  check(mesh, c, r) {
    if (!c.lbIp) return skipUnset(r, mesh, c, 'lbIp');
    const unknown = unknownVariables(c.lbIp.value);
    if (unknown.length)
      return [
        r.notEvaluated(
          'unknown',
          {
            what: `The LB IP ${q(c.lbIp.value)}`,
            variables: unknown.join(', '),
            advice: unknownValueAdvice(mesh, unknown),
          },
          c.lbIp.location,
        ),
      ];
    if (!c.lbIpAddress)
      return [
        r.fail(
          'invalid',
          { ip: q(c.lbIp.value), problem: describeInvalidIp(c.lbIp.value) },
          c.lbIp.location,
        ),
      ];
    return [
      r.pass(
        'valid',
        {
          ip: c.lbIpAddress.text,
          family: c.lbIpAddress.family === 'ipv4' ? 'IPv4' : 'IPv6',
          type: recordTypeFor(c.lbIpAddress.family),
        },
        c.lbIp.location,
      ),
    ];
  },
});
