import { parseIpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths, lbIpamAnnotation } from '../cilium/values';
import type { MeshConventions } from '../conventions/schema';
import { getPath } from '../core/paths';
import type { ClusterSettings, SettingValue } from './settings';
import type { CiliumValuesModel } from './types';

/**
 * The cluster's LB IP: the one place the model answers "what is this
 * cluster's LB IP".
 *
 * - Its settings' LB IP variable, when the settings have one.
 * - Otherwise (or when only a source whose keys are not known may define
 *   the variable) the address the Cilium values ask for in so many words:
 *   the LB IPAM annotation, else `loadBalancerIP`, holding one address
 *   after substitution (a repository that writes the address in each
 *   cluster's values, with no settings variable).
 * - Otherwise undefined.
 */
export function clusterLbIp(
  conventions: MeshConventions,
  settings: ClusterSettings,
  cilium: CiliumValuesModel | undefined,
): SettingValue | undefined {
  const setting = settings.get(conventions.variables.lbIp);
  if ((setting && !setting.unverified) || !cilium) return setting;
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
