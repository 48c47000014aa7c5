import type {
  CheckResult,
  SourceLocation,
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
import {
  filesReadByRules,
  meshEntriesOf,
  unsubstitutedSettingsHint,
} from '../model/queries';
import { defineClusterRule, q } from './rule';

/** Nothing the rules read still holds `${VAR}`, and no substitution fails. @public */
export const substitutionComplete = defineClusterRule({
  id: 'substitution-complete',
  title: 'Substitution complete',
  severity: 'error',
  scope: 'cluster',
  description:
    'No `${VAR}` is left unresolved in anything the rules read, and no post-build substitution of the cluster fails (strict mode, invalid names, broken YAML).',
  remediation: c =>
    `Define the variable where the Kustomization substitutes from (\`${c.settings.configMap}\`), give it a default (\`\${VAR:=value}\`), or apply the settings through a substituting Kustomization.`,
  messages: {
    failed: '{{message}}',
    unresolved: '{{what}} {{value}} still holds an unresolved variable{{hint}}',
    unresolvedMany:
      'an unresolved variable is left in {{count:value}}: {{values}}{{hint}}',
    resolved: 'every value the checks read is resolved ({{count:value}})',
  },
  fieldAbsence: ['unresolved', 'unresolvedMany'],
  variables: ['unresolved', 'unresolvedMany'],
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
    }[] = [];
    const check = (
      what: string,
      value: unknown,
      where: () => SourceLocation | undefined,
    ) => {
      count++;
      if (!hasUnresolvedReference(value)) return;
      // left unresolved by a failure said above: one cause, one failure
      if (
        failedVariables.size &&
        typeof value === 'string' &&
        referencedVariables(value).every(v => failedVariables.has(v))
      )
        return;
      unresolvedCount++;
      if (unresolved.length < 3) unresolved.push({ what, value, where });
    };
    if (c.fqdn) check('FQDN', c.fqdn.value, () => c.fqdn!.location);
    if (c.lbIp) check('LB IP', c.lbIp.value, () => c.lbIp!.location);
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
        );
        for (const t of Array.isArray(rec.targets) ? rec.targets : [])
          check(`${describeObject(e.object)} target`, t, () => rec.location);
      }
    }
    if (c.cilium) {
      const cil = c.cilium;
      const path = ciliumValuesPaths.serviceAnnotations;
      const annotations = getPath(cil.values, path);
      for (const k of lbIpamAnnotationKeys) {
        if (isRecord(annotations) && annotations[k] !== undefined)
          check(`annotation ${k}`, annotations[k], () =>
            cil.locate([...path, k]),
          );
      }
      for (const e of meshEntriesOf(mesh, c).list()) {
        // resolved addresses are counted without building a check for each
        if (!hasUnresolvedReference(e.entry.address)) count++;
        else
          check(`mesh entry ${e.name} address`, e.entry.address, () =>
            cil.locate(meshEntryPath(e, 'address')),
          );
      }
      extraDnsNames(cil.values).forEach((v, i) =>
        check('extraDnsNames entry', v, () =>
          cil.locate([...ciliumValuesPaths.extraDnsNames, i]),
        ),
      );
      check(
        'cluster.name',
        getPath(cil.values, ciliumValuesPaths.clusterName),
        () => cil.locate(ciliumValuesPaths.clusterName),
      );
    }
    // one cause, one failure: the values it leaves unresolved are listed
    if (unresolvedCount === 1) {
      const [{ what, value, where }] = unresolved;
      out.push(r.fail('unresolved', { what, value: q(value), hint }, where()));
    } else if (unresolvedCount > 1) {
      const shown = unresolved.map(u => `${u.what} ${q(u.value)}`).join(', ');
      out.push(
        r.fail(
          'unresolvedMany',
          {
            count: unresolvedCount,
            values:
              unresolvedCount > 3
                ? `${shown} and ${unresolvedCount - 3} more`
                : shown,
            hint,
          },
          unresolved[0].where(),
        ),
      );
    }
    return out.length ? out : [r.pass('resolved', { count })];
  },
});
