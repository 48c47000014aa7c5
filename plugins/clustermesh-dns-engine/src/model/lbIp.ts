import {
  parseIpAddress,
  secretPlaceholder,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths, lbIpamAnnotation } from '../cilium/values';
import type { MeshConventions } from '../conventions/schema';
import { variableReference } from '../conventions/templates';
import { getPath } from '../core/paths';
import type { ClusterSettings, SettingValue } from './settings';
import type { CiliumValuesModel, DnsEndpointRecord } from './types';

/**
 * The cluster's LB IP: the one place the model answers "what is this
 * cluster's LB IP".
 *
 * - Its settings' LB IP variable, when the settings have one.
 * - Otherwise (or when only a source whose keys are not known may define
 *   the variable and no record of the cluster points at it) the address
 *   the Cilium values ask for in so many words: the LB IPAM annotation,
 *   else `loadBalancerIP`, holding one address after substitution (a
 *   repository that writes the address in each cluster's values, with no
 *   settings variable).
 * - Otherwise undefined.
 */
export function clusterLbIp(
  conventions: MeshConventions,
  settings: ClusterSettings,
  cilium: CiliumValuesModel | undefined,
  /** The records of the cluster's own DNSEndpoints. */
  records: readonly Pick<DnsEndpointRecord, 'targets'>[],
): SettingValue | undefined {
  const variable = conventions.variables.lbIp;
  const setting = settings.get(variable);
  if ((setting && !setting.unverified) || !cilium) return setting;
  // a record that points at a variable a source not read may define: its
  // value, not known here, is the LB IP
  const refersTo = (target: unknown) =>
    typeof target === 'string' &&
    (target.includes(variableReference(variable)) ||
      target.includes(secretPlaceholder(variable)));
  if (
    setting &&
    records.some(r => Array.isArray(r.targets) && r.targets.some(refersTo))
  )
    return setting;
  const annotation = lbIpamAnnotation(cilium.values);
  const path = annotation
    ? [...ciliumValuesPaths.serviceAnnotations, annotation.key]
    : [...ciliumValuesPaths.serviceLoadBalancerIp];
  const asked = annotation
    ? annotation.value
    : getPath(cilium.values, ciliumValuesPaths.serviceLoadBalancerIp);
  // a variable left, a secret part or a list of addresses: not one address
  if (typeof asked !== 'string' || !parseIpAddress(asked)) return setting;
  const field = path.join('.');
  return {
    name: field,
    raw: asked,
    value: asked,
    secret: false,
    origin: `the Cilium values (${field})`,
    location: cilium.locate(path),
  };
}
