import {
  CheckResult,
  formatLocation,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { meshEntryPath } from '../cilium/meshEntries';
import {
  ciliumValuesPaths,
  extraDnsNames,
  lbIpamAnnotationKeys,
} from '../cilium/values';
import { describeObject } from '../core/manifest';
import { getPath, isRecord } from '../core/paths';
import { hasUnresolvedReference, referencedVariables } from '../flux/envsubst';
import { EngineFinding, findingId } from '../core/finding';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import {
  filesReadByRules,
  meshEntriesOf,
  substitutionOptOut,
  unsubstitutedSettingsHint,
  valuesFileFilling,
} from '../model/queries';
import { defineClusterRule, failingApplierOf, q } from './rule';

/** Nothing the rules read still holds `${VAR}`, and no substitution fails. @public */
export const substitutionComplete = defineClusterRule({
  id: 'substitution-complete',
  title: 'Substitution complete',
  severity: 'error',
  scope: 'cluster',
  description:
    'No `${VAR}` is left unresolved in anything the rules read, and no post-build substitution of the cluster fails (strict mode, invalid names, broken YAML).',
  remediation: (c, failure) => {
    if (failure?.id === 'optedOut')
      return "Take that label out of the Kustomization's declaration (or give it a value the patch's labelSelector admits), so that the parent's patch gives it the substitution; or add `postBuild.substituteFrom` to it.";
    if (failure?.id === 'notOptedIn')
      return "Give the Kustomization's declaration the label the patch's labelSelector asks for, so that the parent's patch gives it the substitution as it does the others; or add `postBuild.substituteFrom` to it.";
    if (failure?.id === 'plainFile')
      return 'Write the values out in the Cilium values file: Flux does not substitute a plain values file, and what installs it from the repository (a bootstrap) takes `${VAR}` as written.';
    return failure?.id === 'unsubstituted' ||
      failure?.id === 'unsubstitutedMany'
      ? `Add \`postBuild.substituteFrom\` (ConfigMap \`${c.settings.configMap}\`) to the Flux Kustomization the message names, which applies the value without substituting it.`
      : `Define the variable where the Kustomization substitutes from (\`${c.settings.configMap}\`), give it a default (\`\${VAR:=value}\`), or apply the settings through a substituting Kustomization.`;
  },
  messages: {
    failed: '{{message}}',
    unresolved: '{{what}} {{value}} still holds an unresolved variable{{hint}}',
    unresolvedMany:
      'an unresolved variable is left in {{count:value}}: {{values}}{{hint}}',
    unsubstituted:
      '{{what}} {{value}} still holds an unresolved variable: Kustomization {{by}}, which applies it, does not substitute (no spec.postBuild){{defined}}',
    unsubstitutedMany:
      'an unresolved variable is left in {{count:value}}: {{values}}; Kustomization {{by}}, which applies {{first}}, does not substitute (no spec.postBuild){{defined}}',
    optedOut:
      '{{left}}: Kustomization {{by}}, which applies {{first}}, does not substitute, left out by its label {{label}} of the substitution the patch of Kustomization {{parent}} gives its children (labelSelector {{selector}})',
    notOptedIn:
      '{{left}}: Kustomization {{by}}, which applies {{first}}, does not substitute: the patch of Kustomization {{parent}} gives the substitution to its children labelled so (labelSelector {{selector}}), and it has no label {{label}}',
    plainFile:
      '{{values}} {{hold}} an unresolved variable: {{file}} is a plain values file, which Flux does not substitute',
    templated:
      "{{values}} {{are}} filled in by Terraform's templatefile ({{at}}) as it installs Cilium from {{file}}, with values not known here",
    resolved: 'every value the checks read is resolved ({{count:value}})',
    applierFails:
      'values the checks read are left unsubstituted because Kustomization {{by}} fails (its error is said once, where it is): Flux applies none of what it builds, so they are checked once that is fixed',
    unverified:
      'the values the checks read hold {{variables}}, which only a source whose keys are not known here may define ({{origin}}): where it does not, {{then}}',
  },
  fieldAbsence: [
    'unresolved',
    'unresolvedMany',
    'unsubstituted',
    'unsubstitutedMany',
    'optedOut',
    'notOptedIn',
  ],
  variables: [
    'unresolved',
    'unresolvedMany',
    'unsubstituted',
    'unsubstitutedMany',
    'optedOut',
    'notOptedIn',
  ],
  check(mesh, c, r) {
    const out: CheckResult[] = [];
    const read = filesReadByRules(c);
    /** Variables whose substitution failed where the rules read: that failure is their cause. */
    const failedVariables = new Set<string>();
    // one failure per cause (an undefined variable, wherever it is used)
    const byCause = new Map<string, { first: EngineFinding; more: number }>();
    for (const f of c.render.findings) {
      if (
        f.code === 'substitution-failed' &&
        f.severity === 'error' &&
        f.location &&
        read.has(f.location.file)
      ) {
        const key = f.cause?.key ?? findingId(f);
        const seen = byCause.get(key);
        if (seen) seen.more++;
        else byCause.set(key, { first: f, more: 0 });
        if (key.startsWith('undefined:'))
          failedVariables.add(key.slice('undefined:'.length));
      }
    }
    for (const { first, more } of byCause.values())
      out.push(
        r.fail(
          'failed',
          {
            message: more
              ? `${first.message} (and ${more} more ${
                  more === 1 ? 'place' : 'places'
                } the checks read)`
              : first.message,
          },
          first.location,
          findingId(first),
        ),
      );
    const hint = unsubstitutedSettingsHint(c);
    // values the rules read; locations are only looked up for the failures,
    // and only the first few are kept (a mesh whose settings all failed to
    // substitute has one per peer of every cluster)
    let count = 0;
    let unresolvedCount = 0;
    const unresolved: {
      what: string;
      value: unknown;
      where: () => SourceLocation | undefined;
      /** The Kustomization that applies the value. */
      by?: RenderedKustomization;
    }[] = [];
    let unsubstituted: (typeof unresolved)[number] | undefined;
    // a plain values file is not Flux's to substitute: what fills it in, if
    // anything, is said apart
    const filling = valuesFileFilling(mesh, c);
    const inValuesFile: typeof unresolved = [];
    /** The Kustomizations that fail, whose values are left unsubstituted. */
    const failingAppliers = new Set<string>();
    /** Variables of values read that only a source whose keys are not known may define, with each such source (a value's own). */
    const unverified = new Map<string, Set<string>>();
    const settingsApplier = c.settingsObject?.appliedBy;
    const variableOf = (
      name: string,
      by?: RenderedKustomization,
      /** A value of the settings: the Kustomization applying them substituted it, where it substitutes. */
      fromSettings = false,
    ) =>
      by?.variables.get(name) ??
      (fromSettings && settingsApplier?.postBuild
        ? settingsApplier.variables.get(name)
        : undefined) ??
      c.settings.get(name) ??
      settingsApplier?.variables.get(name);
    const check = (
      what: string,
      value: unknown,
      where: () => SourceLocation | undefined,
      by?: RenderedKustomization,
      fromSettings = false,
    ) => {
      count++;
      if (typeof value === 'string' && value.includes('<secret:'))
        for (const name of unknownVariables(value)) {
          const v = variableOf(name, by, fromSettings);
          if (v?.unverified)
            unverified.set(
              name,
              (unverified.get(name) ?? new Set()).add(v.origin),
            );
        }
      if (!hasUnresolvedReference(value)) return;
      if (filling && !by && c.cilium && where()?.file === filling.file) {
        inValuesFile.push({ what, value, where });
        return;
      }
      // left unresolved by a failure said above: one cause, one failure
      if (
        failedVariables.size &&
        typeof value === 'string' &&
        referencedVariables(value).every(v => failedVariables.has(v))
      )
        return;
      // in what a Kustomization that fails applies (its error said where
      // it is): not substituted there, and not known to be wrong
      // (one that substitutes: where it does not, that is the cause)
      // a Kustomization that does not substitute (or opts out of the
      // substitution a parent's patch gives, with a postBuild of its own
      // that brings none of it: JefeDavis' copy)
      const notSubstituting =
        by !== undefined &&
        (!by.postBuild || substitutionOptOut(c, by) !== undefined);
      const failing = failingApplierOf(value, by);
      if (failing && !notSubstituting) {
        failingAppliers.add(failing);
        return;
      }
      unresolvedCount++;
      if (unresolved.length < 3) unresolved.push({ what, value, where, by });
      // the first value a Kustomization applies without substituting: the cause
      if (!unsubstituted && notSubstituting)
        unsubstituted = { what, value, where, by };
    };
    /** The unresolved values, the first few by name. */
    const unresolvedList = () => {
      const shown = unresolved.map(u => `${u.what} ${q(u.value)}`).join(', ');
      return unresolvedCount > 3
        ? `${shown} and ${unresolvedCount - 3} more`
        : shown;
    };
    // the FQDN and LB IP; a value of the settings ConfigMap was
    // substituted where that was applied
    for (const [what, setting] of [
      ['FQDN', c.fqdn],
      ['LB IP', c.lbIp],
    ] as const)
      if (
        setting &&
        // a settings variable only a source of unknown keys may hold, which
        // no file uses (amsc's defaults): nothing Flux substitutes fails
        // without it (settings-present says it may be unset)
        !(
          setting.unverified &&
          setting.value === `<secret:${setting.name}>` &&
          !mesh.repository.mentions(`\${${setting.name}`)
        )
      )
        check(
          what,
          setting.value,
          () => setting.location,
          undefined,
          setting.location.file === c.settingsObject?.object.source.file,
        );
    const peerValues = c.peerValues();
    for (let i = 0; i < c.peers.length; i++) {
      // resolved values are counted without building a check for each
      if (!hasUnresolvedReference(peerValues[i])) count++;
      else {
        const v = c.peers[i].variable;
        check(v, peerValues[i], () => c.settings.get(v)?.location);
      }
    }
    for (const e of c.dnsEndpoints) {
      for (const rec of e.records) {
        check(
          `${describeObject(e.object)} dnsName`,
          rec.dnsName,
          () => rec.location,
          e.appliedBy,
        );
        for (const t of Array.isArray(rec.targets) ? rec.targets : [])
          check(
            `${describeObject(e.object)} target`,
            t,
            () => rec.location,
            e.appliedBy,
          );
      }
    }
    if (c.cilium) {
      const cil = c.cilium;
      const path = ciliumValuesPaths.serviceAnnotations;
      const annotations = getPath(cil.values, path);
      for (const k of lbIpamAnnotationKeys) {
        if (isRecord(annotations) && annotations[k] !== undefined)
          check(
            `annotation ${k}`,
            annotations[k],
            () => cil.locate([...path, k]),
            cil.appliedBy,
          );
      }
      for (const e of meshEntriesOf(mesh, c).list()) {
        // resolved addresses are counted without building a check for each
        if (!hasUnresolvedReference(e.entry.address)) count++;
        else
          check(
            `mesh entry ${e.name} address`,
            e.entry.address,
            () => cil.locate(meshEntryPath(e, 'address')),
            cil.appliedBy,
          );
      }
      extraDnsNames(cil.values).forEach((v, i) =>
        check(
          'extraDnsNames entry',
          v,
          () => cil.locate([...ciliumValuesPaths.extraDnsNames, i]),
          cil.appliedBy,
        ),
      );
      for (const [what, valuesPath] of [
        ['cluster.name', ciliumValuesPaths.clusterName],
        ['cluster.id', ciliumValuesPaths.clusterId],
      ] as const)
        check(
          what,
          getPath(cil.values, valuesPath),
          () => cil.locate(valuesPath),
          cil.appliedBy,
        );
    }
    // one cause, one failure: the values it leaves unresolved are listed;
    // the cause named when the Kustomization applying them substitutes nothing
    const by = unsubstituted;
    if (by) {
      // the variables of what that Kustomization applies
      const variables = [
        ...new Set(
          [by, ...unresolved.filter(u => u.by === by.by)].flatMap(u =>
            referencedVariables(String(u.value)),
          ),
        ),
      ];
      const optOut = substitutionOptOut(c, by.by!);
      const held = variables.filter(v => c.settings.value(v) !== undefined);
      const defined = held.length
        ? `, though ${held.join(', ')} ${
            held.length === 1 ? 'is' : 'are'
          } in the cluster's settings`
        : '';
      if (optOut)
        out.push(
          r.fail(
            optOut.missing ? 'notOptedIn' : 'optedOut',
            {
              left:
                unresolvedCount === 1
                  ? `${by.what} ${q(
                      by.value,
                    )} still holds an unresolved variable`
                  : `an unresolved variable is left in ${unresolvedCount} values: ${unresolvedList()}`,
              by: by.by!.key,
              first: `${by.what} ${q(by.value)}`,
              label: `\`${optOut.label}\``,
              parent: optOut.parent,
              selector: `\`${optOut.selector}\``,
            },
            optOut.location ?? by.where(),
          ),
        );
      else if (unresolvedCount === 1)
        out.push(
          r.fail(
            'unsubstituted',
            { what: by.what, value: q(by.value), by: by.by!.key, defined },
            by.where(),
          ),
        );
      else
        out.push(
          r.fail(
            'unsubstitutedMany',
            {
              count: unresolvedCount,
              values: unresolvedList(),
              by: by.by!.key,
              first: `${by.what} ${q(by.value)}`,
              defined,
            },
            by.where(),
          ),
        );
    } else if (unresolvedCount === 1) {
      const [{ what, value, where }] = unresolved;
      out.push(r.fail('unresolved', { what, value: q(value), hint }, where()));
    } else if (unresolvedCount > 1) {
      out.push(
        r.fail(
          'unresolvedMany',
          { count: unresolvedCount, values: unresolvedList(), hint },
          unresolved[0].where(),
        ),
      );
    }
    if (filling && inValuesFile.length) {
      const values = `${inValuesFile
        .slice(0, 3)
        .map(u => `${u.what} ${q(u.value)}`)
        .join(', ')}${
        inValuesFile.length > 3 ? ` and ${inValuesFile.length - 3} more` : ''
      }`;
      const many = inValuesFile.length > 1;
      out.push(
        filling.templatedBy
          ? r.notEvaluated(
              'templated',
              {
                values,
                are: many ? 'are' : 'is',
                at: formatLocation(filling.templatedBy),
                file: filling.file,
              },
              inValuesFile[0].where(),
            )
          : r.fail(
              'plainFile',
              {
                values,
                hold: many ? 'still hold' : 'still holds',
                file: filling.file,
              },
              inValuesFile[0].where(),
            ),
      );
    }
    if (out.length) return out;
    if (failingAppliers.size)
      return [
        r.notEvaluated('applierFails', {
          by: [...failingAppliers].join(', '),
        }),
      ];
    if (unverified.size)
      return [
        r.notEvaluated(
          'unverified',
          {
            variables: [...unverified.keys()].join(', '),
            origin: [
              ...new Set([...unverified.values()].flatMap(o => [...o])),
            ].join(', '),
            then: mesh.conventions.flux.strictSubstitution
              ? "Flux's strict substitution fails the Kustomization"
              : 'Flux substitutes an empty string',
          },
          c.settingsLocation,
        ),
      ];
    return [r.pass('resolved', { count })];
  },
});
