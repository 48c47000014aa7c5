import {
  CheckResult,
  parseIpAddress,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  chartEnables,
  ciliumValuesPaths,
  lbIpamAnnotation,
  lbIpamAnnotationKeys,
} from '../cilium/values';
import { getPath } from '../core/paths';
import { hasUnresolvedReference } from '../flux/envsubst';
import { ciliumUnavailableReason } from '../model/queries';
import { defineClusterRule, q } from './rule';

/** The clustermesh-apiserver service asks LB IPAM for the LB IP. @public */
export const serviceAnnotation = defineClusterRule({
  id: 'service-annotation',
  title: 'Service annotation',
  severity: 'error',
  scope: 'cluster',
  description:
    'clustermesh.apiserver.service is type LoadBalancer with the LB IPAM annotation (`lbipam.cilium.io/ips`, or the older `io.cilium/lb-ipam-ips`) equal to the LB IP, and clustermesh.useAPIServer is true.',
  remediation: c =>
    `In the Cilium values set \`clustermesh.apiserver.service.type: LoadBalancer\` and \`annotations: {${c.cilium.lbIpamAnnotation}: \${${c.variables.lbIp}}}\`.`,
  messages: {
    noValues: '{{reason}}',
    noApiServer:
      'clustermesh.useAPIServer is not true: the chart creates no clustermesh-apiserver service',
    notLoadBalancer:
      'clustermesh.apiserver.service.type is {{type}}, not "LoadBalancer"',
    noAnnotation:
      'clustermesh.apiserver.service has no LB IPAM annotation ({{keys}})',
    notString:
      'annotation {{key}} is {{value}}: annotation values must be strings',
    noLbIp: 'annotation {{key}} is {{value}}; the LB IP is missing or invalid',
    sameUnknown:
      'clustermesh-apiserver is a LoadBalancer with {{key}}: {{value}}, the same value as the LB IP (not known here)',
    unknown:
      'annotation {{key}} is {{value}} and the LB IP {{ip}}: values not known here, so they cannot be compared',
    differs:
      'annotation {{key}} is {{value}}, not the LB IP {{ip}}{{unresolved}}',
    matches: 'clustermesh-apiserver is a LoadBalancer with {{key}}: {{value}}',
  },
  fieldAbsence: ['noApiServer', 'noAnnotation'],
  check(mesh, c, r) {
    if (!c.cilium)
      return [
        r.notEvaluated('noValues', {
          reason: ciliumUnavailableReason(mesh, c),
        }),
      ];
    const cilium = c.cilium;
    const v = cilium.values;
    const out: CheckResult[] = [];
    if (!chartEnables(getPath(v, ciliumValuesPaths.useApiServer)))
      out.push(
        r.fail(
          'noApiServer',
          {},
          cilium.locate(ciliumValuesPaths.useApiServer),
        ),
      );
    const type = getPath(v, ciliumValuesPaths.serviceType);
    if (type !== 'LoadBalancer')
      out.push(
        r.fail(
          'notLoadBalancer',
          { type: q(type ?? 'NodePort (chart default)') },
          cilium.locate(ciliumValuesPaths.serviceType),
        ),
      );
    const annotation = lbIpamAnnotation(v);
    if (!annotation) {
      out.push(
        r.fail(
          'noAnnotation',
          { keys: lbIpamAnnotationKeys.join(' or ') },
          cilium.locate(ciliumValuesPaths.serviceAnnotations),
        ),
      );
      return out;
    }
    const { key, value } = annotation;
    const where = cilium.locate([...ciliumValuesPaths.serviceAnnotations, key]);
    if (typeof value !== 'string') {
      out.push(r.fail('notString', { key, value: q(value) }, where));
    } else if (
      unknownVariables(value).length ||
      unknownVariables(c.lbIp?.value).length
    ) {
      // the same text, even if not known here, is the same address
      if (c.lbIp && value.trim() === c.lbIp.value && out.length === 0)
        return [r.pass('sameUnknown', { key, value }, where)];
      out.push(
        r.notEvaluated(
          'unknown',
          { key, value: q(value), ip: q(c.lbIp?.value ?? '') },
          where,
        ),
      );
    } else if (!c.lbIpAddress) {
      out.push(r.notEvaluated('noLbIp', { key, value: q(value) }, where));
    } else if (parseIpAddress(value.trim())?.text !== c.lbIpAddress.text) {
      out.push(
        r.fail(
          'differs',
          {
            key,
            value: q(value),
            ip: c.lbIpAddress.text,
            unresolved: hasUnresolvedReference(value)
              ? ' (unresolved variable)'
              : '',
          },
          where,
        ),
      );
    } else if (out.length === 0) {
      return [r.pass('matches', { key, value }, where)];
    }
    return out;
  },
});
