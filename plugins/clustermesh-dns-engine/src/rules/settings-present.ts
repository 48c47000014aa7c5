import { clusterPath } from '../conventions/templates';
import { defineClusterRule, q } from './rule';

/** The FQDN and LB IP variables exist in the cluster's settings. @public */
export const settingsPresent = defineClusterRule({
  id: 'settings-present',
  title: 'Settings present',
  severity: 'error',
  scope: 'cluster',
  description:
    "The FQDN and LB IP variables exist in the cluster's settings ConfigMap.",
  remediation: c =>
    `Add \`${c.variables.fqdn}\` and \`${c.variables.lbIp}\` to \`${clusterPath(
      c.settings.file,
      '<cluster>',
    )}\` (or run \`clustermesh-dns configure\`).`,
  messages: {
    noConfigMap: 'no ConfigMap {{configMap}} is applied to the cluster',
    missing: '{{variables}} {{verb}} not set in ConfigMap {{configMap}}',
    present: '{{fqdnVariable}} = {{fqdn}} and {{lbIpVariable}} = {{lbIp}}',
  },
  check(mesh, c, r) {
    const { settings, variables } = mesh.conventions;
    const configMap = `${settings.namespace}/${settings.configMap}`;
    if (!c.settingsObject)
      return [r.fail('noConfigMap', { configMap }, c.settingsLocation)];
    const missing = [variables.fqdn, variables.lbIp].filter(
      v => !c.settings.has(v),
    );
    if (missing.length) {
      return [
        r.fail(
          'missing',
          {
            variables: missing.join(' and '),
            verb: missing.length > 1 ? 'are' : 'is',
            configMap,
          },
          c.settingsLocation,
        ),
      ];
    }
    return [
      r.pass(
        'present',
        {
          fqdnVariable: variables.fqdn,
          fqdn: q(c.fqdn!.raw),
          lbIpVariable: variables.lbIp,
          lbIp: q(c.lbIp!.raw),
        },
        c.fqdn!.location,
      ),
    ];
  },
});
