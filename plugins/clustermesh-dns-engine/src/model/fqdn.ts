import {
  secretPlaceholderPattern,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths, extraDnsNames } from '../cilium/values';
import { meshConfigEntries, meshEntryPath } from '../cilium/meshEntries';
import type { EngineCache } from '../cache/EngineCache';
import {
  fqdnTemplateFor,
  settingsConfigMapName,
} from '../conventions/templates';
import type { MeshConventions } from '../conventions/schema';
import { describeObject } from '../core/manifest';
import { escapeRegExp } from '../core/text';
import type { ObjectPath } from '../core/paths';
import { envsubst, referencedVariables } from '../flux/envsubst';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import type { SubstitutedObject } from '../flux/substitute';
import type { Variables } from '../flux/variables';
import { locate } from '../yaml/locate';
import { sameDnsName } from './queries';
import type { ClusterSettings } from './settings';
import type { CiliumValuesModel, ClusterFqdn, ClusterModel } from './types';

/** What the FQDN of a cluster is read from. */
export interface FqdnSources {
  conventions: MeshConventions;
  cluster: string;
  settings: ClusterSettings;
  settingsObject: ClusterModel['settingsObject'];
  cilium?: CiliumValuesModel;
  endpoints: readonly {
    object: SubstitutedObject;
    appliedBy: RenderedKustomization;
  }[];
}

/**
 * The cluster's FQDN: the one place the model answers "what is this
 * cluster's FQDN".
 *
 * - Its settings' FQDN variable, when the settings have one.
 * - Otherwise (or when only a source whose keys are not known may define
 *   the variable) what the files Flux substitutes say: the conventions'
 *   `fqdnTemplate` resolved with the variables of the Kustomization that
 *   applies the Cilium values (or the DNSEndpoint), when the rendered
 *   `extraDnsNames` of the Cilium values (or a rendered DNSEndpoint
 *   `dnsName`) is that name. This is how a repository whose settings are
 *   stored verbatim, with the domain only in a Secret, names its clusters:
 *   `clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}` in the files, no settings
 *   variable. Secret parts stay placeholders (`<secret:SECRET_DOMAIN>`).
 * - Otherwise undefined: the FQDN cannot be determined.
 */
export function clusterFqdn(sources: FqdnSources): ClusterFqdn | undefined {
  const variable = sources.conventions.variables.fqdn;
  const setting = sources.settings.get(variable);
  if (setting && !setting.unverified) return { ...setting, source: 'settings' };
  // a source whose keys are not known may define the variable: what the
  // files say wins over what may be
  return (
    fqdnFromFiles(sources) ?? (setting && { ...setting, source: 'settings' })
  );
}

function fqdnFromFiles(sources: FqdnSources): ClusterFqdn | undefined {
  const { conventions, cluster, cilium, endpoints } = sources;
  const template = fqdnTemplateFor(conventions, cluster);
  const variables = referencedVariables(template);
  /** The template as Flux inserts it with a Kustomization's variables; undefined when one is not defined there. */
  const resolve = (scope: Variables | undefined) => {
    if (variables.length === 0) return template;
    if (!scope || variables.some(v => scope.value(v) === undefined))
      return undefined;
    const result = envsubst(template, n => scope.value(n), { strict: false });
    return result.ok ? result.output : undefined;
  };
  const found = (
    value: string,
    raw: string | undefined,
    object: SubstitutedObject | undefined,
    file: string,
    location: SourceLocation,
    scope: Variables | undefined,
  ): ClusterFqdn => ({
    name: template,
    raw: raw ?? template,
    value,
    secret: value.includes('<secret:'),
    origin: object ? describeObject(object) : file,
    location,
    source: 'files',
    why: whyNotInSettings(sources, variables, scope),
    // a source whose keys are not known may not define the template's variables
    ...(variables.some(v => scope?.get(v)?.unverified) && { unverified: true }),
  });

  // the names the API server's certificate carries
  if (cilium) {
    const scope = cilium.appliedBy?.variables;
    const name = resolve(scope);
    const list = name === undefined ? [] : extraDnsNames(cilium.values);
    const index = list.findIndex(n => sameDnsName(n, name!));
    if (index >= 0) {
      const path: ObjectPath = [...ciliumValuesPaths.extraDnsNames, index];
      const location = cilium.locate(path);
      return found(
        String(list[index]),
        cilium.object?.substitutedField?.(['spec', 'values', ...path])?.raw,
        cilium.object,
        location.file,
        location,
        scope,
      );
    }
  }
  // the DNS records applied to the cluster
  for (const { object, appliedBy } of endpoints) {
    const name = resolve(appliedBy.variables);
    if (name === undefined) continue;
    const records = object.body.spec as { endpoints?: unknown } | undefined;
    const list = Array.isArray(records?.endpoints) ? records!.endpoints : [];
    const index = list.findIndex((e: any) => sameDnsName(e?.dnsName, name));
    if (index < 0) continue;
    const path = ['spec', 'endpoints', index, 'dnsName'];
    return found(
      String(list[index].dnsName),
      object.substitutedField?.(path)?.raw,
      object,
      object.source.file,
      locate(object, path),
      appliedBy.variables,
    );
  }
  return undefined;
}

/**
 * A cluster whose own files do not name its FQDN, where a peer's Cilium
 * values address it by the conventions' template written out
 * (`k0s.mesh.cilium.io`): that name is its FQDN, rather than a settings
 * variable that only a source whose keys are not known may define and that
 * no file of the repository uses.
 */
export function fqdnsFromPeers(
  clusters: ClusterModel[],
  conventions: MeshConventions,
  /** Whether any file of the repository mentions a text. */
  mentioned: (text: string) => boolean,
  cache: Pick<EngineCache, 'meshEntries'>,
) {
  // looked for once, and only when a cluster's FQDN is such a variable
  let used: boolean | undefined;
  const variableUsed = () => (used ??= mentioned(conventions.variables.fqdn));
  for (const cluster of clusters) {
    const unsure =
      !cluster.fqdn ||
      (cluster.fqdn.source === 'settings' &&
        cluster.fqdn.unverified &&
        !variableUsed());
    if (!unsure) continue;
    const template = fqdnTemplateFor(conventions, cluster.name);
    if (referencedVariables(template).length) continue;
    for (const peer of clusters) {
      if (peer === cluster || !peer.cilium) continue;
      const entries = meshConfigEntries(peer.cilium.values, cache.meshEntries);
      const entry =
        entries.byName(cluster.ciliumName) ?? entries.byName(cluster.name);
      if (!sameDnsName(entry?.entry.address, template)) continue;
      cluster.fqdn = {
        name: template,
        raw: template,
        value: template,
        secret: false,
        origin: `the Cilium values of ${peer.name}`,
        location: peer.cilium.locate(meshEntryPath(entry!, 'address')),
        source: 'files',
        why: `no file of ${cluster.name} names its FQDN, and ${peer.name}'s Cilium values address it so`,
      };
      break;
    }
  }
}

/** Why the FQDN is not a settings variable: how the settings are applied, and which of the template's variables are secret. */
function whyNotInSettings(
  { conventions, cluster, settingsObject, cilium }: FqdnSources,
  variables: readonly string[],
  scope: Variables | undefined,
): string {
  const { variables: names } = conventions;
  const reasons: string[] = [];
  if (!settingsObject) {
    reasons.push(
      // in the namespace where Flux would look for it, as settings-present says
      `no settings ConfigMap ${settingsConfigMapName(
        conventions,
        cluster,
        undefined,
        cilium?.appliedBy?.namespace,
      )} is applied`,
    );
  } else if (!settingsObject.appliedBy.postBuild) {
    reasons.push(
      `${describeObject(settingsObject.object)} is applied by Kustomization ${
        settingsObject.appliedBy.key
      } without post-build substitution, so Flux stores its values verbatim`,
    );
  } else {
    reasons.push(`the settings have no ${names.fqdn}`);
  }
  const secret = variables
    .map(v => ({ v, value: scope?.get(v) }))
    .filter(
      ({ value }) =>
        value && (value.secret || /^Secret\b|\(from /.test(value.origin)),
    );
  if (secret.length)
    reasons.push(
      `${secret
        .map(({ v, value }) => `${v} is secret (${value!.origin})`)
        .join(' and ')}`,
    );
  return reasons.join(', and ');
}

/**
 * Whether a name (a certificate's, `*.` for a wildcard) covers a DNS name
 * for some value of the values not known here that the DNS name holds
 * (placeholders, each any text): with the two the other way round, whether
 * a name not fully known may be a known one.
 *
 * @internal
 */
export function nameMayCover(name: string, fqdn: string): boolean {
  const pattern = new RegExp(
    `^${fqdn
      .split(new RegExp(secretPlaceholderPattern.source))
      .map((part, i) => (i % 2 ? '.+' : escapeRegExp(part)))
      .join('')}$`,
  );
  if (!name.startsWith('*.')) return pattern.test(name);
  const first = fqdn.split('.')[0];
  // a first label that is not known may be any label
  return unknownVariables(first).length > 0
    ? true
    : pattern.test(`${first}.${name.slice(2)}`);
}
