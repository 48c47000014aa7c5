import { envsubst } from '../flux/envsubst';
import { formatLocation, SourceLocation } from '../yaml/documents';
import { fqdnTemplateFor } from '../model/conventions';
import type { ClusterModel, MeshModel } from '../model/mesh';
import type { CheckResult, RuleDefinition } from './types';

/** Builds results of a rule with messages in the catalog's one format. */
export function resultsFor(
  rule: Pick<RuleDefinition, 'id' | 'severity'>,
  cluster?: ClusterModel,
) {
  const prefix = cluster ? `${cluster.name}: ` : '';
  const at = (location?: SourceLocation) =>
    location ? ` (${formatLocation(location)})` : '';
  return {
    pass: (message: string, location?: SourceLocation): CheckResult => ({
      ruleId: rule.id,
      status: 'pass',
      severity: 'info',
      cluster: cluster?.name,
      message: `${prefix}${message}${at(location)}`,
      location,
    }),
    fail: (
      message: string,
      location?: SourceLocation,
      severity = rule.severity,
    ): CheckResult => ({
      ruleId: rule.id,
      status: 'fail',
      severity,
      cluster: cluster?.name,
      message: `${prefix}${message}${at(location)}`,
      location,
    }),
    skip: (message: string, location?: SourceLocation): CheckResult => ({
      ruleId: rule.id,
      status: 'skip',
      severity: 'info',
      cluster: cluster?.name,
      message: `${prefix}${message}${at(location)}`,
      location,
    }),
  };
}

/** The FQDN a cluster should have by the conventions, resolved with its settings. */
export function expectedFqdn(
  mesh: MeshModel,
  cluster: ClusterModel,
): { template: string; resolved: string } {
  const template = fqdnTemplateFor(mesh.conventions, cluster.name);
  const resolved = envsubst(
    template,
    name => cluster.settings.value(name) ?? mesh.conventions.values[name],
    {
      strict: false,
    },
  );
  return { template, resolved: resolved.ok ? resolved.output : template };
}

/** Quotes a value for a message. */
export const q = (value: unknown) =>
  typeof value === 'string' ? `"${value}"` : JSON.stringify(value);

/** True when a text still holds a `${...}` reference. */
export const hasUnresolved = (value: unknown) =>
  typeof value === 'string' &&
  value.includes('${') &&
  /\$\{[^}]*\}/.test(value);

/** Why a value contains `${...}`: Flux inserts values verbatim, no second pass. */
export function verbatimHint(cluster: ClusterModel): string {
  const applied = cluster.settingsObject?.appliedBy;
  if (!applied) return '';
  return applied.postBuild
    ? ''
    : `; ConfigMap ${
        cluster.settingsObject!.object.name
      } is applied by Kustomization ${
        applied.key
      } without post-build substitution, and Flux inserts its values verbatim (no second pass)`;
}
