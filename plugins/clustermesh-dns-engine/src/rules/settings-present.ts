import { formatLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clusterPath, settingsConfigMapName } from '../conventions/templates';
import { kustomizationFileNames } from '../flux/kustomize';
import { basenamePath, dirnamePath } from '../tree/RepoTree';
import type { ClusterModel, MeshModel } from '../model/types';
import type { SettingValue } from '../model/settings';
import {
  inlineSettingsTarget,
  passedThrough,
  settingsReadByNothing,
  settingsUnread,
  settingsWriteTarget,
} from '../model/writeTargets';
import { locate } from '../yaml/locate';
import { chartEnables, ciliumValuesPaths } from '../cilium/values';
import { getPath, isRecord } from '../core/paths';
import { hasUnresolvedReference } from '../flux/envsubst';
import {
  conventionsPath,
  defineClusterRule,
  guessedTemplateData,
  q,
} from './rule';
import { externalSourceCause } from '../flux/render';

/** The FQDN and LB IP variables exist in the cluster's settings. @public */
export const settingsPresent = defineClusterRule({
  id: 'settings-present',
  title: 'Settings present',
  severity: 'error',
  scope: 'cluster',
  description:
    "The FQDN and LB IP variables exist in the cluster's settings: its settings ConfigMap or Secret, or the variables the Kustomization applying its Cilium values substitutes (inline `postBuild.substitute`, a parent's `spec.patches`). When that Kustomization substitutes only inline, so that the settings ConfigMap never reaches the values, only what it defines inline counts. A source whose keys are not known here (an ExternalSecret extracting a whole vault item) may hold them: not evaluated. It does not apply where no file names the variables and none needs them: Cilium values in a plain values file (cilium.valuesFile, written out, not substituted by Flux) with records made by hand, or a cluster configured without settings (the LB IP and the FQDN written out in what Flux applies). Without an FQDN variable, the FQDN may be written as the conventions' template in the files Flux substitutes (the Cilium values' extraDnsNames, the DNSEndpoint's dnsName), as when the settings are stored verbatim and the domain is secret: then only the LB IP variable is required.",
  remediation: (c, failure) => {
    const noConfigMap =
      failure?.id === 'noConfigMap' ||
      failure?.id === 'noConfigMapOthers' ||
      failure?.id === 'noConfigMapInline' ||
      failure?.id === 'noConfigMapSecrets';
    // none anywhere: where configure would create them (a folder whose
    // Kustomization substitutes from it, in its namespace), not a default
    // path of another layout
    const created = noConfigMap ? failure?.newSettings?.() : undefined;
    if (created)
      return `Add \`${c.variables.fqdn}\` and \`${
        c.variables.lbIp
      }\` to a ConfigMap \`${clusterPath(
        c.settings.configMap,
        '<cluster>',
      )}\` in a new \`${created.file}\`${
        created.listedIn
          ? ` (listed in the resources of \`${created.listedIn}\`)`
          : ''
      }, and have Kustomization ${
        created.substitutedBy
      }, which applies the Cilium values, substitute from it (\`postBuild.substituteFrom\`); or run \`clustermesh-dns configure\`, which writes both.`;
    const listing = failure?.location?.file;
    // the folder lists its resources: a new file is applied only once
    // listed there
    if (
      noConfigMap &&
      listing &&
      kustomizationFileNames.some(n => basenamePath(listing) === n)
    )
      return `Add \`${c.variables.fqdn}\` and \`${
        c.variables.lbIp
      }\` to a ConfigMap \`${clusterPath(
        c.settings.configMap,
        '<cluster>',
      )}\` in a file listed in the resources of \`${listing}\` (\`${dirnamePath(
        listing,
      )}/cluster-settings.yaml\`, say), or run \`clustermesh-dns configure\`, which writes and lists it.`;
    // the Kustomization reads Secrets only, as set where the location is
    // (a parent's patch): the ConfigMap goes in that list too
    if (failure?.id === 'noConfigMapSecrets' && failure.location)
      return `Add \`${c.variables.fqdn}\` and \`${
        c.variables.lbIp
      }\` to a ConfigMap \`${clusterPath(
        c.settings.configMap,
        '<cluster>',
      )}\` the cluster applies, and add it to the \`postBuild.substituteFrom\` set at \`${formatLocation(
        failure.location,
      )}\` (optional: true while it is new); or run \`clustermesh-dns configure\`, which says where it can write them.`;
    // a parent's patch text, which configure does not edit
    if (failure?.id === 'missingPatched' && failure.location)
      return `Add \`${c.variables.fqdn}\` and \`${
        c.variables.lbIp
      }\` to the postBuild.substitute that patch gives, at \`${formatLocation(
        failure.location,
      )}\` (configure does not edit the text of a patch); or give that Kustomization a ConfigMap \`${clusterPath(
        c.settings.configMap,
        '<cluster>',
      )}\` of the cluster to substitute from (\`postBuild.substituteFrom\`), in its own namespace.`;
    if (failure?.id === 'missingPassed')
      return `Add \`${c.variables.fqdn}\`, \`${c.variables.lbIp}\` and the peers' FQDNs to each cluster's own source, and a \`KEY: \${KEY}\` line for each to this ConfigMap, which passes them through; or run \`clustermesh-dns configure\`, which writes both where each cluster's own is a plain ConfigMap.`;
    if (failure?.id === 'notReadThere')
      return `Move \`${c.variables.fqdn}\` and \`${c.variables.lbIp}\` into a ConfigMap the Kustomization applying the Cilium values substitutes from, in its own namespace (Flux looks its substitution sources up there), or add this ConfigMap to its \`postBuild.substituteFrom\` with a copy in that namespace; then name that ConfigMap in the conventions (settings.configMap) for \`clustermesh-dns configure\` to write there.`;
    if (failure?.id === 'missingShared')
      return `Give each cluster \`${c.variables.fqdn}\` and \`${c.variables.lbIp}\` in settings of its own: a patch of this ConfigMap in each cluster's overlay with a \`data:\` of its own, or a ConfigMap per cluster named in the conventions (settings.configMap, settings.file); \`clustermesh-dns configure\` writes them there.`;
    // substituted inline only, where configure cannot create the settings
    // (the values a parent's patch gives, text it does not edit): the
    // variables go where the others are, not in a ConfigMap never read
    if (failure?.id === 'noConfigMapInline' && failure.location)
      return `Add \`${c.variables.fqdn}\` and \`${
        c.variables.lbIp
      }\` to the postBuild.substitute at \`${formatLocation(
        failure.location,
      )}\`, where the Kustomization applying the Cilium values gets its other variables; or give that Kustomization a ConfigMap \`${clusterPath(
        c.settings.configMap,
        '<cluster>',
      )}\` of the cluster to substitute from (\`postBuild.substituteFrom\`), in its own namespace.`;
    let where = conventionsPath(c.settings.file, 'settings.file', failure);
    // the settings found, else where the conventions keep them
    if (failure?.id === 'missing' && failure.location)
      where = `\`${failure.location.file}\``;
    if (failure?.id === 'missingInline' && failure.location)
      where = `the postBuild.substitute in \`${failure.location.file}\``;
    // settings the Cilium values never see are no remedy on their own
    const values = failure?.valuesUnsubstitutedBy?.();
    const reach = values
      ? ` Kustomization ${values.key}, which applies the Cilium values (${values.file}), does not substitute: give it \`postBuild.substituteFrom: [{kind: ConfigMap, name: ${c.settings.configMap}}]\` too, or the variables never reach them.`
      : '';
    // the variables the message names missing (one may be set already)
    const missing =
      typeof failure?.data?.variables === 'string'
        ? failure.data.variables.split(' and ')
        : [c.variables.fqdn, c.variables.lbIp];
    return `Add ${missing
      .map(v => `\`${v}\``)
      .join(
        ' and ',
      )} to ${where} (or run \`clustermesh-dns configure\`).${reach}`;
  },
  messages: {
    noConfigMap: 'no ConfigMap {{configMap}} is applied to the cluster',
    templateGuessed:
      'whether the cluster needs a settings ConfigMap is not known: nothing substitutes its Cilium values and no file names the settings variables, so its FQDN and LB IP may be written out as they are, but the {{which}} FQDN template, {{template}}, uses {{variables}}, which the repository names nowhere (set fqdnTemplate to the names you use, or give the value)',
    noConfigMapInline:
      'no ConfigMap {{configMap}} is applied to the cluster, and Kustomization {{kustomization}}, which applies the Cilium values, substitutes only its own postBuild.substitute, which does not set {{variables}}',
    notReaching:
      'ConfigMap {{configMap}} is made outside the repository (no manifest of the repository defines it; Kustomization {{namedBy}} substitutes from it), and Kustomization {{kustomization}}, which applies the Cilium values, does not substitute from it: whatever it holds never reaches them',
    noConfigMapSecrets:
      'no ConfigMap {{configMap}} is applied to the cluster, and Kustomization {{kustomization}}, which applies the Cilium values, substitutes from {{sources}} only, which {{do}} not set {{variables}}',
    noConfigMapOthers:
      "no ConfigMap {{configMap}} is applied to the cluster; Kustomization {{kustomization}}, which applies its Cilium values, substitutes from {{others}}: if one holds the cluster's settings, name it in the conventions' settings.configMap",
    missing: '{{variables}} {{verb}} not set in ConfigMap {{configMap}}',
    missingShared:
      '{{variables}} {{verb}} not set in ConfigMap {{configMap}}, which {{others}} {{take}} from the same file: each cluster needs its own values, which one shared file cannot hold',
    missingPassed:
      "{{variables}} {{verb}} not set in ConfigMap {{configMap}}, which {{others}} {{take}} from the same file, each its own values passed through ({{example}}) from {{sources}}: each cluster's own belong there, with a line here passing each through",
    missingInline:
      '{{variables}} {{verb}} not set where Kustomization {{kustomization}} reads {{them}}: it applies the Cilium values and substitutes only its own postBuild.substitute, which ConfigMap {{configMap}} does not reach',
    missingPatched:
      "{{variables}} {{verb}} not set where Kustomization {{kustomization}} reads {{them}}: it applies the Cilium values and substitutes only the postBuild.substitute a parent's patch gives it, which ConfigMap {{configMap}} does not reach",
    notReadThere:
      '{{variables}} {{verb}} set in ConfigMap {{configMap}}, but not where Kustomization {{kustomization}} reads {{them}}: it applies the Cilium values and substitutes from {{sources}}, not from that ConfigMap, which no Kustomization applying the Cilium values or a DNSEndpoint reads',
    unverified:
      '{{variables}} {{verb}} not set in ConfigMap {{configMap}}; {{origin}} may set {{them}}, but its keys are not known here',
    unverifiedNoConfigMap:
      '{{variables}} {{verb}} set in no file of the repository (no ConfigMap {{configMap}} is in it); {{origin}} may set {{them}}, but its keys are not known here',
    present: '{{fqdnVariable}} = {{fqdn}} and {{lbIpVariable}} = {{lbIp}}',
    unread: 'no settings ConfigMap is needed ({{why}})',
    byTemplate:
      '{{lbIpVariable}} = {{lbIp}}; FQDN {{fqdn}} by template {{template}} in {{file}}, not a settings variable: {{why}}',
    byTemplateUnverified:
      '{{lbIpVariable}} = {{lbIp}}; FQDN {{fqdn}} by template {{template}} in {{file}}, not a settings variable: {{why}}; but a source whose keys are not known here may not define the variables of the template',
  },
  absence: [
    'noConfigMap',
    'noConfigMapOthers',
    'noConfigMapSecrets',
    'notReaching',
  ],
  fieldAbsence: [
    'missing',
    'missingShared',
    'missingPassed',
    'missingInline',
    'missingPatched',
  ],
  settingsKeys: ['missing', 'missingShared'],
  variables: [
    'noConfigMap',
    'noConfigMapOthers',
    'noConfigMapSecrets',
    'notReaching',
    'missing',
    'missingShared',
    'missingPassed',
    'missingInline',
    'missingPatched',
    'notReadThere',
  ],
  check(mesh, c, r) {
    const { variables } = mesh.conventions;
    const unread = settingsUnread(mesh, c);
    if (unread)
      return [r.notApplicable('unread', { why: unread }, c.cilium?.locate([]))];
    const configMap = settingsConfigMapName(
      mesh.conventions,
      c.name,
      c.settingsObject,
      c.cilium?.appliedBy?.namespace,
    );
    // an FQDN the files Flux substitutes give needs no settings variable
    const byTemplate = c.fqdn?.source === 'files' ? c.fqdn : undefined;
    const wanted = byTemplate
      ? [variables.lbIp]
      : [variables.fqdn, variables.lbIp];
    // settings that never reach the Cilium values do not count: what the
    // Kustomization applying them defines inline does
    const inline = c.settingsObject
      ? inlineSettingsTarget(mesh, c, c.settingsObject.object.name)
      : undefined;
    if (inline?.appliedBy) {
      const applier = inline.appliedBy;
      const unset = wanted.filter(
        v => applier.variables.value(v) === undefined,
      );
      if (unset.length)
        return [
          r.fail(
            'missingInline',
            {
              ...namedVariables(unset),
              kustomization: applier.key,
              configMap,
            },
            // in its own file, where the entries go, not in a parent's
            // patch that adds to the same map
            locate({ source: { ...applier.object!.source, patches: [] } }, [
              'spec',
              'postBuild',
              'substitute',
            ]),
          ),
        ];
    }
    // a Kustomization several clusters share, substituting only inline
    // (the values a parent's patch gives each: Doc-Home-ops' copy): the
    // settings ConfigMap never reaches the values either, and the entries
    // go where the others are
    const applying = c.cilium?.appliedBy;
    const settingsName = c.settingsObject?.object.name;
    if (
      !inline &&
      settingsName &&
      applying?.postBuild &&
      applying.object &&
      !applying.substituteFrom.some(
        ref => ref.kind === 'ConfigMap' && ref.name === settingsName,
      ) &&
      !applying.injectedFrom?.some(
        ref => ref.kind === 'ConfigMap' && ref.name === settingsName,
      ) &&
      isRecord(
        getPath(applying.object.body, ['spec', 'postBuild', 'substitute']),
      )
    ) {
      const unset = wanted.filter(
        v => applying.variables.value(v) === undefined,
      );
      // where the substitute is, a parent's patch text included
      const at = locate(applying.object, ['spec', 'postBuild', 'substitute']);
      if (unset.length)
        return [
          r.fail(
            at.file === applying.object.source.file
              ? 'missingInline'
              : 'missingPatched',
            {
              ...namedVariables(unset),
              kustomization: applying.key,
              configMap,
            },
            at,
          ),
        ];
    }
    // settings no Kustomization applying the Cilium values (nor a
    // DNSEndpoint) reads: entries there reach none of them (npawelek's
    // copy: flux-system/cluster-settings, the Cilium Kustomization in
    // kube-system substituting from a ConfigMap of its own namespace)
    const reader = c.cilium?.appliedBy;
    if (c.settingsObject && reader?.postBuild && settingsReadByNothing(c)) {
      // where the Cilium values give the name or the address themselves
      // (thomloy's copy: the LB IP from a parent's patch, the FQDN
      // written there), the entry is only unused: the other rules check
      // what they give
      const values = c.cilium!.values;
      // said there, substituted (not a `${…}` left as written)
      const resolvedAt = (path: readonly string[]) => {
        const at = getPath(values, path);
        return chartEnables(at) && !hasUnresolvedReference(JSON.stringify(at));
      };
      const given = (v: string) =>
        v === variables.fqdn
          ? resolvedAt(ciliumValuesPaths.extraDnsNames)
          : resolvedAt(ciliumValuesPaths.serviceAnnotations) ||
            resolvedAt(ciliumValuesPaths.serviceLoadBalancerIp);
      const unset = wanted.filter(
        v =>
          c.settingsObject!.object.body.data?.[v] !== undefined &&
          reader.variables.value(v) === undefined &&
          !given(v),
      );
      if (unset.length)
        return [
          r.fail(
            'notReadThere',
            {
              ...namedVariables(unset),
              configMap,
              kustomization: reader.key,
              sources: reader.substituteFrom.length
                ? reader.substituteFrom
                    .map(ref => `${ref.kind} ${reader.namespace}/${ref.name}`)
                    .join(', ')
                : 'its own postBuild.substitute',
            },
            c.settingsLocation,
          ),
        ];
    }
    const missing = wanted.filter(v => !c.settings.has(v));
    if (!c.settingsObject && missing.length) {
      // the settings may be under another name: the ones the Cilium
      // values are substituted from
      const applier = c.cilium?.appliedBy;
      const others = (applier?.substituteFrom ?? []).filter(
        ref => ref.kind === 'ConfigMap',
      );
      // made outside the repository: other Kustomizations read it, not
      // the one applying the Cilium values
      const name = clusterPath(mesh.conventions.settings.configMap, c.name);
      const external = c.findings.some(
        f =>
          f.cause?.key ===
          externalSourceCause(
            `ConfigMap ${settingsConfigMapName(mesh.conventions, c.name)}`,
          ),
      );
      const namedBy = external
        ? c.render.kustomizations.find(
            k =>
              k !== applier &&
              k.substituteFrom.some(
                ref => ref.kind === 'ConfigMap' && ref.name === name,
              ),
          )
        : undefined;
      if (applier && namedBy && !others.some(ref => ref.name === name))
        return [
          r.fail(
            'notReaching',
            {
              configMap,
              namedBy: namedBy.key,
              kustomization: applier.key,
            },
            // where it would substitute from it
            applier.object
              ? locate(applier.object, ['spec'])
              : c.settingsLocation,
          ),
        ];
      if (applier && others.length)
        return [
          r.fail(
            'noConfigMapOthers',
            {
              configMap,
              kustomization: applier.key,
              others: `ConfigMap ${others.map(ref => ref.name).join(', ')}`,
            },
            // the list it substitutes from, where the name would go
            applier.object
              ? locate(applier.object, ['spec', 'postBuild', 'substituteFrom'])
              : c.settingsLocation,
          ),
        ];
      // substituted only inline: nothing not evaluated here could bring a
      // ConfigMap to the values
      if (
        applier?.postBuild &&
        applier.object &&
        !applier.substituteFrom.length
      )
        return [
          r.fail(
            'noConfigMapInline',
            {
              configMap,
              kustomization: applier.key,
              variables: missing
                .filter(v => applier.variables.value(v) === undefined)
                .join(' and '),
            },
            // its own substitution, where the variables would go
            locate(applier.object, ['spec', 'postBuild', 'substitute']),
          ),
        ];
      // substituted from Secrets only (a parent's patch sets the list):
      // where the list is set is where the ConfigMap must be named
      const unset = missing.filter(
        v => applier?.variables.value(v) === undefined,
      );
      if (
        applier?.postBuild &&
        applier.object &&
        applier.substituteFrom.length &&
        unset.length
      )
        return [
          r.fail(
            'noConfigMapSecrets',
            {
              configMap,
              kustomization: applier.key,
              sources: applier.substituteFrom
                .map(ref => `${ref.kind} ${ref.name}`)
                .join(', '),
              do: applier.substituteFrom.length > 1 ? 'do' : 'does',
              variables: unset.join(' and '),
            },
            locate(applier.object, ['spec', 'postBuild', 'substituteFrom']),
          ),
        ];
      // no substitution, nothing naming the settings variables, and the
      // FQDN template a guess (jash2105's values written out, the default
      // template's SECRET_DOMAIN named nowhere): whether settings are
      // wanted, or the names written out as they are, is not known
      const guessed = guessedTemplateData(mesh, c);
      if (guessed)
        return [r.notEvaluated('templateGuessed', guessed, c.settingsLocation)];
      return [r.fail('noConfigMap', { configMap }, c.settingsLocation)];
    }
    if (missing.length) {
      // one file every cluster's settings come from: each cluster's own
      // values cannot go there (configure refuses it too)
      const sharers = sharingSettings(mesh, c);
      const shared = c.settingsObject?.object;
      // its values passed through from each cluster's own (1activegeek)
      const passed =
        sharers.length && shared
          ? passedThrough(mesh, [c.name, ...sharers], {
              configMap: shared.name,
              file: shared.source.file,
              doc: shared.source.index,
            })
          : undefined;
      const data = {
        ...namedVariables(missing),
        configMap,
        others: sharers.join(', '),
        take: sharers.length > 1 ? 'take' : 'takes',
      };
      if (passed)
        return [
          r.fail(
            'missingPassed',
            {
              ...data,
              example: `\`${passed.example}\``,
              sources: passed.sources.join('; '),
            },
            c.settingsLocation,
          ),
        ];
      return [
        r.fail(
          sharers.length ? 'missingShared' : 'missing',
          data,
          c.settingsLocation,
        ),
      ];
    }
    const unverified = wanted
      .map(v => c.settings.get(v)!)
      .filter(v => v.unverified);
    if (unverified.length)
      return [
        r.notEvaluated(
          c.settingsObject ? 'unverified' : 'unverifiedNoConfigMap',
          {
            variables: unverified.map(v => v.name).join(' and '),
            verb: unverified.length > 1 ? 'are' : 'is',
            them: unverified.length > 1 ? 'them' : 'it',
            configMap,
            origin: unverified[0].origin,
          },
          unverified[0].location,
        ),
      ];
    if (byTemplate)
      return [
        r[byTemplate.unverified ? 'notEvaluated' : 'pass'](
          byTemplate.unverified ? 'byTemplateUnverified' : 'byTemplate',
          {
            lbIpVariable: variables.lbIp,
            lbIp: asWritten(c.lbIp!),
            fqdn: q(byTemplate.value),
            template: q(byTemplate.raw),
            file: byTemplate.location.file,
            why: byTemplate.why ?? '',
          },
          byTemplate.location,
        ),
      ];
    return [
      r.pass(
        'present',
        {
          fqdnVariable: variables.fqdn,
          fqdn: asWritten(c.fqdn!),
          lbIpVariable: variables.lbIp,
          lbIp: asWritten(c.lbIp!),
        },
        c.fqdn!.location,
      ),
    ];
  },
});

/** Each mesh's clusters by where their settings are written (file and document), found once. */
const settingsPlaces = new WeakMap<MeshModel, Map<string, string[]>>();

/** Where configure writes a cluster's settings found in the repository, or undefined. */
function settingsPlace(mesh: MeshModel, cluster: ClusterModel) {
  if (!cluster.settingsObject) return undefined;
  const target = settingsWriteTarget(mesh, cluster);
  return 'problem' in target || target.create
    ? undefined
    : `${target.file}#${target.doc}`;
}

/**
 * The other clusters whose settings are written in the same place as this
 * one's (a shared component's ConfigMap with no per-cluster patch), as
 * configure would write them.
 */
function sharingSettings(mesh: MeshModel, cluster: ClusterModel): string[] {
  const place = settingsPlace(mesh, cluster);
  if (!place) return [];
  let places = settingsPlaces.get(mesh);
  if (!places) {
    // asked only where a cluster's settings lack the variables
    places = new Map();
    for (const c of mesh.clusters) {
      const at = settingsPlace(mesh, c);
      if (at) places.set(at, [...(places.get(at) ?? []), c.name]);
    }
    settingsPlaces.set(mesh, places);
  }
  return (places.get(place) ?? []).filter(name => name !== cluster.name);
}

/**
 * A setting as written, with what Flux makes of it where the line only
 * passes another variable through (`"${CILIUM_CLUSTERMESH_LB_IP}"`, each
 * cluster's own from its source: MarkNygaard's copy).
 */
function asWritten(setting: SettingValue): string {
  return /^\$\{\w+\}$/.test(setting.raw) && setting.value !== setting.raw
    ? `${q(setting.raw)}, which Flux makes ${q(setting.value)}`
    : q(setting.raw);
}

/** Variables named in a message, with the words that agree with how many. */
function namedVariables(names: readonly string[]) {
  const many = names.length > 1;
  return {
    variables: names.join(' and '),
    verb: many ? 'are' : 'is',
    them: many ? 'them' : 'it',
  };
}
