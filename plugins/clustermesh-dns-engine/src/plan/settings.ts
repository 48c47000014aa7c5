import { stringify } from 'yaml';
import { formatLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, hasOwn, isRecord } from '../core/paths';
import { inWords, keptInOrder } from '../core/text';
import { envsubst } from '../flux/envsubst';
import {
  inlineSubstituteOf,
  InlineSubstitute,
  SettingsWriteTarget,
  generatorFile,
} from '../model/writeTargets';
import { isClusterMeshVariable } from '../conventions/templates';
import type { ClusterModel, MeshModel } from '../model/types';
import { lineAtPath } from '../yaml/lines';
import { kustomizationFileNames } from '../flux/kustomize';
import { basenamePath, dirnamePath } from '../tree/RepoTree';
import {
  ChangeContext,
  OwnSettingsSource,
  peerFqdnWhereWritten,
  peersAfter,
  settingsFqdn,
} from './change';
import { includeInKustomization } from './kustomizationEntry';
import { EditSet, FileEdit, PlanError } from './transaction';
import { ownRecords } from './dnsEndpoint';

/** The comment over the settings entries, where the settings are in commented groups. */
const settingsHeading = 'ClusterMesh DNS';

/** A settings key to set (a value) or to remove (undefined), and why (built when said). */
interface SettingChange {
  key: string;
  value: string | undefined;
  why: () => string;
}

/**
 * The settings keys a cluster's own applied files (other than its settings)
 * and the patches applied to its objects still refer to, and those files.
 */
/**
 * The files a cluster's objects come from: their own, the patches applied
 * to them (an overlay's patch of a shared HelmRelease), and what a
 * ConfigMap generator read into them (a HelmRelease's values file).
 */
function filesApplied(ctx: ChangeContext, model: ClusterModel): Set<string> {
  return new Set(
    model.render.objects.flatMap(({ object }) => [
      object.source.file,
      ...(object.source.patches ?? []).map(patch => patch.file),
      ...Object.keys(
        (getPath(object.body, ['data']) ?? {}) as Record<string, unknown>,
      ).flatMap(key => generatorFile(ctx.mesh, object, key) ?? []),
    ]),
  );
}

function stillUsed(
  edits: EditSet,
  ctx: ChangeContext,
  cluster: string,
  /** The files its settings are in (a shared one passing them through, and its own). */
  settingsFiles: readonly string[],
  keys: readonly string[],
): { keys: Set<string>; files: string[] } {
  const model = ctx.mesh.byName.get(cluster);
  const found = { keys: new Set<string>(), files: [] as string[] };
  if (!model) return found;
  const files = filesApplied(ctx, model);
  for (const file of settingsFiles) files.delete(file);
  // its own records the removal takes out: a file that holds only them
  // uses nothing after the change
  const records = [...ownRecords(ctx, cluster).values()];
  for (const file of new Set(records.map(r => r.file)))
    if (
      records.filter(r => r.file === file).every(r => r.whole) &&
      edits.readDocuments(file)?.filter(d => d !== null && d !== undefined)
        .length === records.filter(r => r.file === file).length
    )
      files.delete(file);
  for (const file of files) {
    const text = ctx.mesh.repository.readText(file);
    if (!text?.includes('$')) continue;
    // a use with a default (`${KEY:=${CILIUM_CLUSTERMESH_FQDN}}`, the
    // peers' entries of shared values) takes the default once the key is
    // gone: neither empty nor failing, so it keeps nothing. Flux's own
    // reading tells (`$KEY` is plain text, `$${KEY}` an escape)
    const uses = keys.filter(key => {
      if (!text.includes(`\${${key}`)) return false;
      // (the others given a value, so none of them stops the reading)
      const without = envsubst(text, name => (name === key ? undefined : 'x'), {
        strict: true,
      });
      // a text Flux cannot read: every mention counts
      return without.ok ? false : without.variable === key || !without.variable;
    });
    if (!uses.length) continue;
    uses.forEach(key => found.keys.add(key));
    found.files.push(file);
  }
  return found;
}

/**
 * Why a removed cluster keeps entries in its settings, and what to do: a
 * use in its own file can go (ClusterMesh is off there already, a
 * removal's condition); one in a file other clusters apply is theirs too,
 * and stays while it applies that file.
 */
function keptNote(
  ctx: ChangeContext,
  name: string,
  used: { keys: Set<string>; files: string[] },
): string {
  const them = used.keys.size > 1 ? 'them' : 'it';
  // the other clusters applying each file
  const others = ctx.mesh.clusters
    .filter(c => c.name !== name)
    .map(c => ({ name: c.name, files: filesApplied(ctx, c) }));
  const sharers = new Map(
    used.files.map(file => [
      file,
      others.filter(o => o.files.has(file)).map(o => o.name),
    ]),
  );
  // the files other clusters apply too, said once per set of them
  const bySharers = new Map<string, { files: string[]; by: string[] }>();
  for (const file of used.files) {
    const by = sharers.get(file)!;
    const key = by.join(',');
    const group = bySharers.get(key);
    if (group) group.files.push(file);
    else bySharers.set(key, { files: [file], by });
  }
  const described = [...bySharers.values()].map(({ files, by }) =>
    by.length
      ? `${files.join(', ')} (which ${inWords(by)} ${
          by.length > 1 ? 'apply' : 'applies'
        } too)`
      : files.join(', '),
  );
  const own = used.files.filter(file => !sharers.get(file)!.length);
  const shared = used.files.filter(file => sharers.get(file)!.length);
  return `${name}: ${[...used.keys].join(', ')} kept in its settings: ${
    used.files.length > 1 ? 'its files' : 'its file'
  } ${described.join(', ')} still ${
    used.files.length > 1 ? 'use' : 'uses'
  } ${them}, and without ${them} Flux would ${
    ctx.conventions.flux.strictSubstitution
      ? 'fail the Kustomization'
      : `substitute ${them} with nothing`
  }; ${[
    ...(own.length
      ? [
          `take those uses out of ${own.join(
            ', ',
          )} (ClusterMesh is off there), then run the removal again to drop ${them}`,
        ]
      : []),
    ...(shared.length
      ? [
          `${
            used.keys.size > 1 ? 'they stay' : 'it stays'
          } as long as ${name} applies ${shared.join(', ')}`,
        ]
      : []),
  ].join('; ')}.`;
}

/** The settings keys of the peers' FQDNs: every cluster's and every removed one's (remembered per change). */
const peerVariables = new WeakMap<ChangeContext, Set<string>>();
function peerVariablesOf(ctx: ChangeContext): Set<string> {
  let found = peerVariables.get(ctx);
  if (!found) {
    found = new Set(
      [...ctx.mesh.clusters.map(c => c.name), ...ctx.removed].map(
        ctx.peerVariable,
      ),
    );
    peerVariables.set(ctx, found);
  }
  return found;
}

/**
 * Plans the settings entries: each configured cluster's FQDN, LB IP and one
 * FQDN per peer; the entries other members need for the clusters this
 * change configures; and the removed clusters' entries, in their own
 * settings and every peer's.
 */
export function planSettings(edits: EditSet, ctx: ChangeContext) {
  const { conventions, mesh } = ctx;
  const { variables } = conventions;
  const { peerVariable } = ctx;
  const isMeshKey = isClusterMeshVariable(conventions);
  /** The clusters whose entries a shared ConfigMap passes through, by that object, with their changes. */
  const passing = new Map<string, PassedThrough[]>();
  // each cluster's file that cannot take its entries (SOPS-encrypted, a
  // patch's text), said at once: one cluster's is often the others' twin
  const refused: PlanError[] = [];
  for (const [name, target] of ctx.settings) {
    try {
      // passed through a shared ConfigMap, the entries there already
      if (ctx.settledSettings.has(name)) continue;
      const ownSource = ctx.passedThroughOwn.get(name);
      const changes: SettingChange[] = [];
      const set = (key: string, value: string | undefined, why: () => string) =>
        changes.push({ key, value, why });
      if (ctx.removed.has(name)) {
        // the cluster leaves the mesh: its own entries go, but for those its
        // own files still use (Flux would substitute them with nothing, or
        // fail the Kustomization)
        const leaves = () => `${name} leaves the mesh`;
        const own = [
          variables.fqdn,
          variables.lbIp,
          ...[...new Set([...mesh.clusters.map(c => c.name), ...ctx.removed])]
            .filter(other => other !== name)
            .map(peerVariable),
        ];
        const used = stillUsed(
          edits,
          ctx,
          name,
          ownSource ? [target.file, ownSource.file] : [target.file],
          own,
        );
        for (const key of own)
          if (!used.keys.has(key)) set(key, undefined, leaves);
        if (used.keys.size) ctx.notes.push(keptNote(ctx, name, used));
      } else {
        const ip = ctx.configured.get(name);
        // off by its own value of the shared switch: on there (in its
        // Kustomization's inline substitute, which wins, where it is set)
        for (const { variable, inline } of ctx.switchesOn.get(name) ?? []) {
          const why = `${name}: ClusterMesh switched on; it was "false", which kept ${name} out of the mesh through the Cilium values it shares`;
          if (!inline) {
            set(variable, 'true', () => why);
            continue;
          }
          edits
            .editor(inline.file, `the postBuild.substitute of ${name}`)
            .setScalar(
              inline.doc,
              ['spec', 'postBuild', 'substitute', variable],
              'true',
            );
          edits.reason(inline.file, `${variable} = true (${why})`);
        }
        if (ip) {
          const own = settingsFqdn(ctx, name, name);
          if (own !== undefined)
            set(variables.fqdn, own, () => `${name}: its FQDN`);
          set(
            variables.lbIp,
            ip.text,
            () => `${name}: the clustermesh-apiserver LoadBalancer IP`,
          );
        }
        // a member not configured here learns only the configured peers
        const peers = ip
          ? peersAfter(ctx, name)
          : [...ctx.configured.keys()].filter(p => ctx.knows(name, p));
        for (const peer of peers) {
          const written = settingsFqdn(ctx, name, peer);
          if (written === undefined) continue;
          const checked = peerFqdnWhereWritten(ctx, name, peer, written);
          if ('problem' in checked)
            throw new PlanError(target.file, checked.problem);
          set(
            peerVariable(peer),
            checked.value,
            () => `${name} knows ${peer} by FQDN`,
          );
        }
        for (const gone of ctx.removed)
          set(peerVariable(gone), undefined, () => `${gone} leaves the mesh`);
      }
      // a variable the Kustomization applying the Cilium values defines
      // itself is the one Flux inserts there: it changes where it is
      const cluster = ctx.mesh.byName.get(name);
      // an inline target whose Kustomization has no postBuild.substitute
      // yet: it gets one
      const inline =
        (cluster && inlineSubstituteOf(cluster)) ||
        (target.format === 'inline'
          ? {
              kustomization: target.appliedBy!,
              file: target.file,
              doc: target.doc,
              keys: new Set<string>(),
            }
          : undefined);
      // all of them there when the settings ConfigMap does not reach it
      const there = (c: SettingChange) =>
        target.format === 'inline' || (inline?.keys.has(c.key) ?? false);
      const own = changes.filter(there);
      if (own.length) planInlineSettings(edits, ctx, name, inline!, own);
      const rest = changes.filter(c => !there(c));
      if (target.format === 'inline') continue;
      if (cluster) refuseOverridden(cluster, target, rest);
      if (ownSource) {
        const shared = `${target.file}#${target.doc}`;
        passing.set(shared, [
          ...(passing.get(shared) ?? []),
          { name, target, own: ownSource, changes: rest },
        ]);
        continue;
      }
      // settings the cluster has, which the shared Cilium values'
      // Kustomization is made to read
      if (!target.create) wireSettings(edits, name, target);
      if (target.format === 'env')
        planEnvSettings(edits, name, target, rest, isMeshKey);
      else {
        planYamlSettings(edits, ctx, name, target, rest, isMeshKey);
        // a copy another Kustomization applies alike gets the same entries:
        // else the two versions overwrite each other at each reconcile
        for (const twin of cluster ? settingsTwins(ctx, cluster, target) : []) {
          planYamlSettings(
            edits,
            ctx,
            name,
            { ...twin.target, appliedBy: twin.appliedBy },
            rest,
            isMeshKey,
            twin.root,
          );
          ctx.notes.push(
            `${name}: ConfigMap ${target.configMap} is applied alike by Kustomization ${twin.appliedBy.key} from ${twin.target.file} too: its entries go there as well, so the two stay one version.`,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      refused.push(error);
    }
  }
  if (refused.length) {
    // a file several clusters share is one refusal
    const seen = new Set<string>();
    const [first, ...others] = refused
      .flatMap(e => [e, ...e.also])
      .filter(e => {
        const key = `${e.field}\0${e.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    first.also = others;
    throw first;
  }
  for (const clusters of passing.values())
    planPassedThrough(edits, ctx, clusters, isMeshKey);
}

/** A cluster whose entries a shared ConfigMap passes through, and its changes. */
interface PassedThrough {
  name: string;
  /** The shared settings. */
  target: SettingsWriteTarget;
  own: OwnSettingsSource;
  changes: SettingChange[];
}

/** The keys of a ConfigMap document once the changes are made. */
function keysAfter(root: unknown, changes: readonly SettingChange[]) {
  const data = getPath(root, ['data']);
  const keys = new Set(isRecord(data) ? Object.keys(data) : []);
  for (const c of changes)
    if (c.value === undefined) keys.delete(c.key);
    else keys.add(c.key);
  return keys;
}

/**
 * The clusters sharing a settings ConfigMap that passes each one's values
 * through (`KEY: "${KEY}"`): each cluster's entries go in its own
 * ConfigMap, and the shared one gets a line per key, for every cluster.
 * So each cluster holds every key passed: the peers' FQDNs all, its own
 * under its own peer key too (its agent skips its own entry), as the
 * owners who wrote this layout by hand did; a line no cluster staying in
 * the mesh needs goes, and a cluster leaving keeps the keys the lines
 * still pass (Flux, strict, fails on a line whose variable it lacks, or
 * else writes an empty value).
 */
function planPassedThrough(
  edits: EditSet,
  ctx: ChangeContext,
  clusters: PassedThrough[],
  isMeshKey: (key: string) => boolean,
) {
  const { target } = clusters[0];
  const staying = clusters.filter(c => !ctx.removed.has(c.name));
  const lines = new Set(
    staying
      .flatMap(c => [...keysAfter(c.own.root, c.changes)])
      .filter(isMeshKey),
  );
  const peerOf = new Map(
    [...new Set([...ctx.mesh.clusters.map(c => c.name), ...ctx.removed])].map(
      peer => [ctx.peerVariable(peer), peer],
    ),
  );
  const filled: string[] = [];
  const written: string[] = [];
  for (const c of clusters) {
    const leaving = ctx.removed.has(c.name);
    // a cluster leaving keeps what the lines still pass
    const changes = c.changes.filter(
      change =>
        !(leaving && change.value === undefined && lines.has(change.key)),
    );
    // and its own FQDN under its own peer key goes with the line
    const ownKey = ctx.peerVariable(c.name);
    if (leaving && !lines.has(ownKey) && !changes.some(x => x.key === ownKey))
      changes.push({
        key: ownKey,
        value: undefined,
        why: () => `${c.name} leaves the mesh`,
      });
    const has = keysAfter(c.own.root, changes);
    for (const key of lines) {
      if (has.has(key)) continue;
      const peer = peerOf.get(key);
      const value = peer && settingsFqdn(ctx, c.name, peer);
      if (!peer || value === undefined)
        throw new PlanError(
          c.own.file,
          `${c.name}: ${key} is not in ConfigMap ${c.own.configMap} here, which the line of ${target.file} passes through for every cluster that applies it: Flux would leave it empty for ${c.name}, or, strict, fail its Kustomization`,
          `Add ${key} for ${c.name} here by hand, then run the change again.`,
        );
      changes.push({
        key,
        value,
        why: () =>
          peer === c.name
            ? `${c.name}: its own FQDN under its peer key, which ${target.file} passes through for every cluster (its agent skips its own entry)`
            : `${c.name}: ${peer}'s FQDN, which ${target.file} passes through for every cluster`,
      });
      if (peer === c.name) filled.push(c.name);
    }
    // a `${…}` in its own ConfigMap stays as written where nothing
    // substitutes it, and the shared line passes it on in one pass
    // (elcattivo66's own settings, applied by the bootstrap)
    const unresolved = changes.find(
      x => x.value?.includes('${') && !c.own.appliedBy.substitutes,
    );
    if (unresolved)
      throw new PlanError(
        c.own.file,
        `${c.name}: ${unresolved.key} would be written here as ${unresolved.value}, but Kustomization ${c.own.appliedBy.key} applies ConfigMap ${c.own.configMap} without substitution, and the line of ${target.file} passes it through in one substitution: its \${…} would reach the cluster as written`,
        `Give an FQDN template whose domain is written out (--fqdn-template), which this ConfigMap holds as it is; or have Kustomization ${c.own.appliedBy.key} substitute (postBuild.substituteFrom) from where the variable is defined; then run the change again.`,
      );
    if (
      planYamlSettings(
        edits,
        ctx,
        c.name,
        {
          ...c.target,
          file: c.own.file,
          doc: c.own.doc,
          configMap: c.own.configMap,
          create: undefined,
        },
        changes,
        isMeshKey,
        c.own.root,
      )
    )
      written.push(
        `${c.name}'s in ConfigMap ${c.own.configMap} in ${c.own.file}`,
      );
  }
  const root = ctx.mesh.byName.get(clusters[0].name)?.settingsObject?.object
    .source.root;
  const data = getPath(root, ['data']);
  const passed = (isRecord(data) ? Object.keys(data) : []).filter(isMeshKey);
  const names = clusters.map(c => c.name).join(', ');
  const lineChanges: SettingChange[] = [...new Set([...passed, ...lines])].map(
    key => ({
      key,
      value: lines.has(key) ? `\${${key}}` : undefined,
      why: () =>
        lines.has(key)
          ? `passes each cluster's own ${key} through (${names})`
          : `no cluster staying in the mesh has ${key}`,
    }),
  );
  const linesWritten = planYamlSettings(
    edits,
    ctx,
    names,
    target,
    lineChanges,
    isMeshKey,
    root,
  );
  if (!written.length && !linesWritten) return;
  ctx.notes.push(
    `ConfigMap ${target.configMap} in ${
      target.file
    } passes each cluster's own values through (a \`KEY: \${KEY}\` line each): the ClusterMesh entries are written where those come from${
      written.length ? ` (${written.join('; ')})` : ''
    }, with a line passing each through there${
      filled.length
        ? `; every cluster holds every key passed, ${filled.join(
            ', ',
          )} its own FQDN under its own peer key too (its agent skips its own entry)`
        : ''
    }.`,
  );
}

/**
 * Refuses entries a source listed after the settings ConfigMap in a
 * `substituteFrom` where they are read also defines (`cluster-settings-user`
 * after `cluster-settings`): Flux inserts that source's value, so what the
 * change would write in the settings would not be used.
 */
function refuseOverridden(
  cluster: ClusterModel,
  target: SettingsWriteTarget,
  changes: readonly SettingChange[],
) {
  const readers = [
    cluster.cilium?.appliedBy,
    ...cluster.dnsEndpoints.map(e => e.appliedBy),
  ];
  // asked once per reader: a mesh's settings change one entry per peer
  const namesAfter = readers.map(k =>
    k?.variables.namesAfter({ kind: 'ConfigMap', name: target.configMap }),
  );
  const refusals: PlanError[] = [];
  for (const c of changes) {
    if (c.value === undefined) continue;
    // given inline by a parent's patch (thomloy's copy): Flux inserts that
    // over any substituteFrom, and configure does not edit a patch's text
    const patched = readers.find(
      k =>
        k?.variables.inline(c.key) &&
        k.variables.get(c.key)?.location?.file !== k.object?.source.file &&
        k.variables.value(c.key) !== c.value,
    );
    if (patched) {
      const over = patched.variables.get(c.key)!;
      refusals.push(
        new PlanError(
          target.file,
          `${cluster.name}: ${c.key} would be written in ConfigMap ${
            target.configMap
          } here, but the postBuild.substitute a parent's patch gives Kustomization ${
            patched.key
          }${
            over.location ? ` (${formatLocation(over.location)})` : ''
          } defines it too, which Flux inserts over any substituteFrom: ${
            over.secret ? 'that value' : over.value
          }, not ${c.value}`,
          `Set ${c.key} to ${c.value} in that patch (its text, which configure does not edit), or take it out there; then run the change again.`,
        ),
      );
      continue;
    }
    const reader = readers.find(
      (k, i) =>
        namesAfter[i]?.has(c.key) && k?.variables.value(c.key) !== c.value,
    );
    if (!reader) continue;
    const over = reader.variables.get(c.key)!;
    refusals.push(
      new PlanError(
        target.file,
        `${cluster.name}: ${c.key} would be written in ConfigMap ${
          target.configMap
        } here, but ${over.origin}${
          over.location ? ` (${formatLocation(over.location)})` : ''
        } defines it too and is listed after it in the substituteFrom of Kustomization ${
          reader.key
        }: Flux inserts that value (${
          over.secret ? 'secret' : over.value
        }), not ${c.value}`,
        `Keep ${c.key} in one of the two: take it out of ${over.origin}, or set it there to ${c.value}; then run the change again.`,
      ),
    );
  }
  if (refusals.length) {
    refusals[0].also = refusals.slice(1);
    throw refusals[0];
  }
}

/**
 * A shared Kustomization's inline `postBuild.substitute` that passes values
 * through (`CILIUM_CLUSTERMESH_LB_IP: ${CILIUM_CLUSTERMESH_LB_IP}`), which
 * the Kustomization applying it substitutes for each cluster: an example
 * line, and where each cluster's values come from (`home: file`).
 * Undefined where it is not so.
 */
function passedThroughInline(
  ctx: ChangeContext,
  inline: InlineSubstitute,
  clusters: readonly string[],
): { example: string; sources: string[] } | undefined {
  const written = getPath(inline.kustomization.object?.source.root, [
    'spec',
    'postBuild',
    'substitute',
  ]);
  if (!isRecord(written)) return undefined;
  const line = Object.entries(written).find(
    ([, v]) => typeof v === 'string' && /^\$\{\w+\}$/.test(v),
  );
  if (!line) return undefined;
  const sources: string[] = [];
  for (const name of clusters) {
    const cluster = ctx.mesh.byName.get(name);
    const own = cluster?.render.kustomizations.find(
      k =>
        k.object?.source.file === inline.file &&
        k.object.source.index === inline.doc,
    );
    const parent = own?.parent
      ? cluster!.render.kustomizations.find(k => k.key === own.parent)
      : undefined;
    const from = parent?.substituteFrom
      .map(ref =>
        cluster!.render.objects.find(
          ({ object }) => object.kind === ref.kind && object.name === ref.name,
        ),
      )
      .find(Boolean);
    if (!parent || !from) return undefined;
    sources.push(
      `${name}'s ${from.object.kind} ${from.object.name} in ${from.object.source.file}, substituted by Kustomization ${parent.key}`,
    );
  }
  return { example: `${line[0]}: ${String(line[1])}`, sources };
}

function planInlineSettings(
  edits: EditSet,
  ctx: ChangeContext,
  cluster: string,
  inline: InlineSubstitute,
  changes: SettingChange[],
) {
  const where = `Kustomization ${inline.kustomization.key}`;
  const shared = ctx.mesh.clusters.find(
    c =>
      c.name !== cluster &&
      c.render.kustomizations.some(
        k =>
          k.object?.source.file === inline.file &&
          k.object.source.index === inline.doc,
      ),
  );
  const passed =
    shared && passedThroughInline(ctx, inline, [cluster, shared.name]);
  if (passed)
    throw new PlanError(
      inline.file,
      `passes its variables through in the postBuild.substitute of ${where} (${
        passed.example
      }), which ${cluster} and ${
        shared!.name
      } both apply: each cluster's own values belong where those come from, which configure does not write yet (${passed.sources.join(
        '; ',
      )})`,
      `Add ${changes
        .map(c => c.key)
        .join(
          ', ',
        )} (and the peers') to each of those by hand, with a \`KEY: \${KEY}\` line here for any not passed through yet, or give each cluster its own Kustomization.`,
    );
  if (shared)
    throw new PlanError(
      inline.file,
      `defines ${changes
        .map(c => c.key)
        .join(
          ', ',
        )} in the postBuild.substitute of ${where}, which ${cluster} and ${
        shared.name
      } both apply: one value cannot be each cluster's; give each cluster its own Kustomization, or keep the variable in each cluster's settings`,
    );
  const editor = edits.editor(inline.file, `the variables of ${where}`);
  const path = ['spec', 'postBuild', 'substitute'];
  const current = (editor.get(inline.doc, path) ?? {}) as Record<
    string,
    unknown
  >;
  for (const c of changes) {
    if (c.value === undefined) editor.deleteKey(inline.doc, [...path, c.key]);
    else if (current[c.key] !== c.value)
      editor.setScalar(inline.doc, [...path, c.key], c.value);
    else continue;
    edits.reason(
      inline.file,
      `${describe(
        c,
      )}, in the postBuild.substitute of ${where}, which Flux inserts in the Cilium values over any settings`,
    );
  }
}

/**
 * What a cluster's settings file is edited for, with the entries: said
 * where it cannot be edited here (a SOPS file), so that the owner can
 * write them in it by hand.
 */
function settingsPurpose(
  cluster: string,
  needed: readonly SettingChange[],
): string {
  const entries = needed.map(c =>
    c.value === undefined ? `no ${c.key}` : `${c.key}: ${c.value}`,
  );
  return `the ClusterMesh settings of ${cluster}${
    entries.length ? ` (${entries.join(', ')})` : ''
  }`;
}

function planEnvSettings(
  edits: EditSet,
  cluster: string,
  target: { file: string },
  changes: SettingChange[],
  isMeshKey: (key: string) => boolean,
) {
  const current = (() => {
    const text = edits.before(target.file);
    return text === undefined
      ? new Map<string, string>()
      : edits.envEditor(target.file, `the settings of ${cluster}`).values();
  })();
  const needed = changes.filter(c =>
    c.value === undefined ? current.has(c.key) : current.get(c.key) !== c.value,
  );
  if (!needed.length) return;
  const editor = edits.envEditor(target.file, settingsPurpose(cluster, needed));
  editor.setGroupHeading(settingsHeading);
  editor.setNeighbours(key => isMeshKey(key));
  for (const c of needed) {
    if (c.value === undefined) editor.remove(c.key);
    else editor.set(c.key, c.value);
    edits.reason(target.file, describe(c));
  }
}

function planYamlSettings(
  edits: EditSet,
  ctx: ChangeContext,
  cluster: string,
  target: SettingsWriteTarget,
  changes: SettingChange[],
  isMeshKey: (key: string) => boolean,
  /** The document as written, where it is not the cluster's settings object. */
  writtenRoot?: unknown,
): boolean {
  if (target.create && !edits.exists(target.file)) {
    createSettings(edits, cluster, target, changes);
    return true;
  }
  const model = ctx.mesh.byName.get(cluster);
  // the settings as written (before substitution), from the model
  const root =
    writtenRoot ??
    (model?.settingsObject && model.settingsObject.object.source.index >= 0
      ? model.settingsObject.object.source.root
      : undefined);
  const written = getPath(root, ['data']);
  const data = isRecord(written) ? written : undefined;
  let needed = changes.filter(c =>
    c.value === undefined
      ? data !== undefined && hasOwn(data, c.key)
      : data?.[c.key] !== c.value,
  );
  if (!needed.length && data) return false;
  const onLines =
    data !== undefined &&
    needed.every(c => c.value !== undefined && hasOwn(data, c.key)) &&
    edits.setLines(
      target.file,
      needed.map(c => ({
        line: lineAtPath(root, ['data', c.key]) ?? 0,
        key: c.key,
        current: data[c.key],
        value: c.value!,
      })),
      ['data'],
    );
  if (!onLines) {
    // new keys, removed keys, or values the lines alone cannot change
    const editor = edits.editor(target.file, settingsPurpose(cluster, needed));
    const doc =
      target.doc >= 0
        ? target.doc
        : editor.findDocument('ConfigMap', target.configMap);
    if (doc < 0)
      throw new PlanError(target.file, `has no ConfigMap ${target.configMap}`);
    const inFile = (editor.get(doc, ['data']) ?? {}) as Record<string, unknown>;
    needed = changes.filter(c =>
      c.value === undefined ? hasOwn(inFile, c.key) : inFile[c.key] !== c.value,
    );
    editor.setGroupHeading(doc, ['data'], settingsHeading);
    // new keys join the ClusterMesh keys the settings already have, or
    // take their place in settings kept in order
    const keys = Object.keys(inFile);
    const neighbour = keys.filter(isMeshKey).pop();
    const sorted = !neighbour && keys.length > 1 && keptInOrder(keys);
    const ordered = sorted
      ? [...needed].sort((a, b) => (a.key < b.key ? -1 : 1))
      : needed;
    // the peers' FQDN keys kept in order of name (as a first run writes
    // them): a new peer's takes its place among them, not the end
    const peerKeys = peerVariablesOf(ctx);
    const peersWritten = keys.filter(k => peerKeys.has(k));
    const peersSorted = !sorted && keptInOrder(peersWritten);
    for (const c of ordered) {
      const amongPeers =
        peersSorted && peersWritten.length > 0 && peerKeys.has(c.key);
      const inOrder = sorted ? keys : amongPeers && peersWritten;
      const anchor = inOrder ? inOrder.filter(k => k < c.key).pop() : neighbour;
      if (c.value === undefined) editor.deleteKey(doc, ['data', c.key]);
      else if (hasOwn(inFile, c.key))
        editor.setScalar(doc, ['data', c.key], c.value);
      else if (anchor)
        editor.setScalarAfter(doc, ['data'], c.key, c.value, anchor);
      else if (inOrder)
        editor.setScalarBefore(doc, ['data'], c.key, c.value, inOrder[0]);
      else editor.setScalar(doc, ['data', c.key], c.value);
    }
    edits.settle(target.file);
  }
  // the heading configure wrote in a file it created, copied with the
  // folder from another cluster: it names this one now (corruptmane's lab3)
  const heading = new RegExp(
    `^# ${settingsHeading} settings of ([^:\\s]+):`,
    'm',
  );
  const copiedFrom = heading.exec(edits.before(target.file) ?? '')?.[1];
  if (needed.length && copiedFrom && copiedFrom !== cluster)
    edits.editText(target.file, settingsPurpose(cluster, needed), text =>
      text.replace(heading, `# ${settingsHeading} settings of ${cluster}:`),
    );
  for (const c of needed) edits.reason(target.file, describe(c));
  return needed.length > 0;
}

/**
 * The other documents of a cluster's settings ConfigMap that another of its
 * Kustomizations applies with the same data as the one written (lucas-
 * dclrcq's `flux/vars` and `components/common/vars` copies): written alike,
 * they stay one version of the object. A copy other clusters apply too is
 * left out (it cannot hold each cluster's own entries).
 */
function settingsTwins(
  ctx: ChangeContext,
  cluster: ClusterModel,
  target: SettingsWriteTarget,
): {
  target: SettingsWriteTarget;
  appliedBy: NonNullable<SettingsWriteTarget['appliedBy']>;
  root: unknown;
}[] {
  const own = cluster.settingsObject;
  if (!own || target.create || own.object.source.index < 0) return [];
  const namespace = own.object.namespace ?? own.appliedBy.namespace;
  const dataOf = (root: unknown) => JSON.stringify(getPath(root, ['data']));
  const data = dataOf(own.object.source.root);
  const isOwn = (file: string, index: number) =>
    file === target.file && index === target.doc;
  const seen = new Set<string>();
  const twins = cluster.render.objects.flatMap(({ object, appliedBy }) => {
    const { file, index, root } = object.source;
    const key = `${file}#${index}`;
    if (
      object.kind !== 'ConfigMap' ||
      object.name !== target.configMap ||
      (object.namespace ?? appliedBy.namespace) !== namespace ||
      appliedBy === own.appliedBy ||
      // written alike, stored alike: both substituted, or neither
      !appliedBy.postBuild !== !own.appliedBy.postBuild ||
      index < 0 ||
      isOwn(file, index) ||
      seen.has(key) ||
      dataOf(root) !== data
    )
      return [];
    seen.add(key);
    return [
      {
        target: { ...target, file, doc: index, create: undefined },
        appliedBy,
        root,
      },
    ];
  });
  if (!twins.length) return twins;
  // (asked only where there is a copy: every cluster's objects are many)
  const shared = (file: string) =>
    ctx.mesh.clusters.some(
      c =>
        c !== cluster &&
        c.render.objects.some(o => o.object.source.file === file),
    );
  return twins.filter(t => !shared(t.target.file));
}

/**
 * A settings ConfigMap for a cluster that had none: the new file, listed
 * where the Kustomization applying the Cilium values is listed, and that
 * Kustomization made to substitute from it.
 */
function createSettings(
  edits: EditSet,
  cluster: string,
  target: SettingsWriteTarget,
  changes: SettingChange[],
) {
  const data: Record<string, string> = {};
  for (const c of changes) if (c.value !== undefined) data[c.key] = c.value;
  if (!Object.keys(data).length) return; // a cluster leaving: nothing to remove
  const { create, wires } = target;
  const wiredBy = `Kustomization ${create?.substitutedBy ?? wires?.key}`;
  edits.created.set(
    target.file,
    `---\n# ${settingsHeading} settings of ${cluster}: ${wiredBy} substitutes them\n${stringify(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: target.configMap,
          ...(create?.namespace ? { namespace: create.namespace } : {}),
        },
        data,
      },
      { lineWidth: 0 },
    )}`,
  );
  edits.reason(
    target.file,
    `ConfigMap ${target.configMap}: ${cluster} had no settings; ${wiredBy} (which applies its Cilium values) substitutes them`,
  );
  for (const c of changes) edits.reason(target.file, describe(c));
  includeInKustomization(
    edits,
    target.file,
    create?.kustomization,
    create?.after,
  );
  wireSettings(edits, cluster, target);
}

/** The Kustomizations (declaration file and document) already made to substitute from a source, per edit set: one shared by several clusters is edited once. */
const wiredAlready = new WeakMap<EditSet, Set<string>>();

/**
 * Has the Kustomization applying the Cilium values substitute from the
 * cluster's settings (new, or the ones it has but did not read), and from
 * the sources of its FQDN template's variables in that namespace.
 */
function wireSettings(
  edits: EditSet,
  cluster: string,
  target: SettingsWriteTarget,
) {
  const { create, wires } = target;
  const declaration = wires?.object;
  if (!wires || !declaration) return;
  let done = wiredAlready.get(edits);
  if (!done) wiredAlready.set(edits, (done = new Set()));
  const key = `${declaration.source.file}#${declaration.source.index}#${target.configMap}`;
  if (done.has(key)) return;
  done.add(key);
  const also = target.wiresAlso ?? [];
  const reason = `Kustomization ${wires.key} substitutes from ConfigMap ${
    target.configMap
  }, ${
    create
      ? `the new settings of ${cluster}`
      : `the settings of ${cluster}, which it did not read`
  }${also
    .map(
      s =>
        `, and from ${s.kind} ${s.name} (${s.file}), which holds ${s.keys.join(
          ', ',
        )} of its FQDN template in that namespace`,
    )
    .join('')}`;
  // applied by the Kustomization that substitutes from it: missing at its
  // first reconcile, which a required source would fail for good
  const sources = [
    {
      kind: 'ConfigMap',
      name: target.configMap,
      ...(create?.selfApplied && { optional: true }),
    },
    ...also.map(({ kind, name }) => ({ kind, name })),
  ];
  // flux bootstrap writes gotk-sync.yaml again on every run: its
  // Kustomization is changed by a patch in the kustomization beside it,
  // as Flux documents
  const listing = bootstrapListing(edits, declaration.source.file);
  if (listing) {
    const postBuild = getPath(declaration.body, ['spec', 'postBuild']);
    const from = isRecord(postBuild) ? postBuild.substituteFrom : undefined;
    let operations: { path: string; value: unknown }[];
    if (Array.isArray(from))
      operations = sources.map(value => ({
        path: '/spec/postBuild/substituteFrom/-',
        value,
      }));
    else if (isRecord(postBuild))
      operations = [{ path: '/spec/postBuild/substituteFrom', value: sources }];
    else
      operations = [
        { path: '/spec/postBuild', value: { substituteFrom: sources } },
      ];
    edits.editor(listing, 'the kustomization').appendItem(0, ['patches'], {
      target: { kind: 'Kustomization', name: declaration.name },
      patch: JSON.stringify(operations.map(o => ({ op: 'add', ...o }))),
    });
    edits.reason(
      listing,
      `${reason}: a patch of it here, since flux bootstrap writes ${basenamePath(
        declaration.source.file,
      )} again`,
    );
    return;
  }
  const editor = edits.editor(
    declaration.source.file,
    `Kustomization ${wires.key}`,
  );
  for (const source of sources)
    editor.appendItem(
      declaration.source.index,
      ['spec', 'postBuild', 'substituteFrom'],
      source,
    );
  edits.reason(declaration.source.file, reason);
}

/**
 * The kustomization that lists a manifest flux bootstrap generates
 * (gotk-sync.yaml: "generated by flux. DO NOT EDIT."), in its folder;
 * undefined for any other file, or when Flux generates that kustomization
 * too.
 */
function bootstrapListing(edits: EditSet, file: string): string | undefined {
  const head = edits.before(file)?.slice(0, 200) ?? '';
  if (!/generated by flux\b[^\n]*DO NOT EDIT/i.test(head)) return undefined;
  const dir = dirnamePath(file);
  const listing = kustomizationFileNames
    .map(n => (dir ? `${dir}/${n}` : n))
    .find(path => edits.before(path) !== undefined);
  const listed = listing && edits.before(listing);
  return listed && listed.includes(basenamePath(file)) ? listing : undefined;
}

function describe(c: SettingChange): string {
  return c.value === undefined
    ? `${c.key} removed (${c.why()})`
    : `${c.key} = ${c.value} (${c.why()})`;
}

/**
 * The comment atop a settings file the change creates names every
 * Kustomization of the change that substitutes from it: the one applying
 * the Cilium values, and a new one applying the DNSEndpoint where it reads
 * the same ConfigMap (rkoosaar's, cubic3d's, mchestr's copies: an owner
 * trusting a comment naming one would scope the other out). Read from the
 * repository after the change, as Flux renders it.
 */
export function nameSettingsReaders(
  fileEdits: readonly FileEdit[],
  ctx: ChangeContext,
  after: MeshModel,
): void {
  for (const [cluster, t] of ctx.settings) {
    const edit = fileEdits.find(e => e.path === t.file && !e.before);
    const first = t.create?.substitutedBy ?? t.wires?.key;
    if (!t.create || !edit || !first) continue;
    const before = new Set(
      ctx.mesh.byName.get(cluster)?.render.kustomizations.map(k => k.key),
    );
    const others = (after.byName.get(cluster)?.render.kustomizations ?? [])
      .filter(
        k =>
          k.key !== first &&
          !before.has(k.key) &&
          k.substituteFrom.some(
            r => r.kind === 'ConfigMap' && r.name === t.configMap,
          ),
      )
      .map(k => k.key);
    if (!others.length) continue;
    edit.after = edit.after.replace(
      `# ${settingsHeading} settings of ${cluster}: Kustomization ${first} substitutes them`,
      `# ${settingsHeading} settings of ${cluster}: Kustomizations ${[
        first,
        ...new Set(others),
      ].join(' and ')} substitute them`,
    );
  }
}
