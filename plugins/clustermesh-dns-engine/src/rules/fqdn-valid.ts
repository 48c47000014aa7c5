import {
  hostnameProblem,
  secretPlaceholderPattern,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { hasUnresolvedReference, referencedVariables } from '../flux/envsubst';
import { unsubstitutedSettingsHint } from '../model/queries';
import type { ClusterModel } from '../model/types';
import { defineClusterRule, q, skipUnset } from './rule';

/** The FQDN is an RFC 1123 host name after substitution. @public */
export const fqdnValid = defineClusterRule({
  id: 'fqdn-valid',
  title: 'FQDN is a valid DNS name',
  severity: 'error',
  scope: 'cluster',
  description:
    "The FQDN, after substitution, is an RFC 1123 hostname: labels of at most 63 characters, at most 253 in all, lower case, no `_`. The FQDN is the settings' FQDN variable or, without one, the conventions' template as the files Flux substitutes render it (the Cilium values' extraDnsNames, the DNSEndpoint's dnsName).",
  remediation: () =>
    'Use lower-case letters, digits and `-` only; make sure every `${VAR}` in it is substituted where the settings ConfigMap is applied.',
  messages: {
    notSet: '{{variable}} is not set',
    invalid: 'FQDN {{fqdn}} {{problem}}{{hint}}',
    valid: 'FQDN {{fqdn}} is a valid DNS name',
    unknown:
      "FQDN {{fqdn}} is the value of {{variables}}, which is not known here (a Secret, or a source made outside the repository): give it in the conventions' values to check the name",
    partlyUnknown:
      "FQDN {{fqdn}}: its known labels are valid, but {{variables}} is not known here (a Secret, or a source made outside the repository): give its value in the conventions' values to check the whole name",
  },
  check(mesh, c, r) {
    if (!c.fqdn) return skipUnset(r, mesh, c, 'fqdn');
    const problem = hostnameProblem(c.fqdn.value);
    if (problem) {
      return [
        r.fail(
          'invalid',
          {
            fqdn: q(c.fqdn.value),
            problem,
            hint:
              c.fqdn.source === 'settings' &&
              hasUnresolvedReference(c.fqdn.value)
                ? unsubstitutedSettingsHint(c)
                : substitutedEmpty(c),
          },
          c.fqdn.location,
        ),
      ];
    }
    const unknown = unknownVariables(c.fqdn.value);
    if (unknown.length)
      return [
        r.notEvaluated(
          // no label of it known: none is said valid
          c.fqdn.value.replace(secretPlaceholderPattern, '').replace(/\./g, '')
            ? 'partlyUnknown'
            : 'unknown',
          { fqdn: q(c.fqdn.value), variables: unknown.join(', ') },
          c.fqdn.location,
        ),
      ];
    return [r.pass('valid', { fqdn: q(c.fqdn.value) }, c.fqdn.location)];
  },
});

/**
 * Why a settings FQDN lost a part: variables of it that the Kustomization
 * applying the settings does not define, which Flux (not strict) replaces
 * with nothing.
 */
function substitutedEmpty(c: ClusterModel): string {
  const applier = c.settingsObject?.appliedBy;
  if (c.fqdn?.source !== 'settings' || !applier?.postBuild) return '';
  const missing = referencedVariables(c.fqdn.raw).filter(
    v => applier.variables.get(v) === undefined,
  );
  if (!missing.length) return '';
  const one = missing.length === 1;
  return `: ${missing.join(', ')} ${
    one ? 'is' : 'are'
  } not defined where Kustomization ${
    applier.key
  } substitutes the settings, so Flux replaces ${
    one ? 'it' : 'them'
  } with nothing`;
}
