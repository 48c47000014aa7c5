import {
  CheckResult,
  SourceLocation,
  formatLocation,
  unknownVariables,
  secretPlaceholderPattern,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ciliumValuesPaths } from '../cilium/values';
import { peerToken } from '../conventions/schema';
import { fqdnTemplateFor, variableReference } from '../conventions/templates';
import { hasUnresolvedReference, referencedVariables } from '../flux/envsubst';
import {
  meshEntriesOf,
  meshFqdns,
  peerKnownByEntry,
  sameSecretSource,
  secretSourceOf,
  templateNamedNowhere,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { settingsUnread } from '../model/writeTargets';
import { firstFew } from '../core/text';
import { defineClusterRule, guessedTemplateData, q } from './rule';

/** Each cluster knows each peer by the peer's FQDN. @public */
export const peersComplete = defineClusterRule({
  id: 'peers-complete',
  title: 'Peers complete',
  severity: 'error',
  scope: 'cluster',
  description:
    "Every cluster knows every other cluster (or its configured peers) by the peer's own FQDN: a peer FQDN variable in its settings equal to that FQDN, or, without one, a `clustermesh.config.clusters` entry whose address renders to it (the FQDN template written in the files Flux substitutes, as when the settings are stored verbatim and the domain is secret). A name that holds a secret value (a SOPS Secret's domain) is the peer's only when both clusters read that value from one file, or from SOPS lines of the same ciphertext (one value, copied); otherwise it is not evaluated.",
  remediation: (c, failure) => {
    if (failure?.id === 'secretsApart')
      return "Write the peer's FQDN with a variable this cluster holds for the peer's value (a key of this cluster's own Secret that holds the peer's domain, say), or written out where it is not secret; a value of this cluster's own gives the peer's name in this cluster's domain. Or name the clusters in a domain they all share, which is not secret (`clustermesh-dns configure --fqdn-template 'clustermesh-{cluster}.<shared domain>'`, or fqdnTemplate in the conventions).";
    // the variable is there, with another name than the peer's
    if (failure?.id === 'differs')
      return "Set the variable the message names to the peer's FQDN (or, where the peer's FQDN is what changed, give the peer back the name this cluster knows it by).";
    return `Add \`${c.variables.peerFqdn}\` for each peer (its name ${
      c.variables.peerFqdn.includes(peerToken) ? 'upper' : 'lower'
    }-cased, \`-\` as \`_\`) to the settings, with the peer's FQDN; where the Cilium values name the peers by the FQDN template instead (no peer variables), give each peer an entry \`{name: <peer>, address: <its FQDN>, port: 2379}\` in \`clustermesh.config.clusters\`. \`clustermesh-dns configure\` writes either, as the repository does.`;
  },
  messages: {
    notSet:
      '{{variable}} is not set: the peer {{peer}} is not known by FQDN{{expected}}',
    notSetMany:
      '{{variables}} are not set: the peers {{peers}} are not known by FQDN',
    noEntry:
      'no mesh entry of its Cilium values names the peer {{peer}} by its FQDN{{expected}}, and the repository uses no peer variables (it names its peers in the Cilium values): the peer {{peer}} is not known by FQDN',
    noEntryMany:
      'no mesh entry of its Cilium values names the peers {{peers}} by FQDN, and the repository uses no peer variables (it names its peers in the Cilium values): they are not known by FQDN',
    unusedMaySet:
      '{{variable}} is used by no file ({{origin}} may hold it, its keys not known here), and no mesh entry names {{peer}} by its FQDN: the peer {{peer}} is not known by FQDN{{expected}}',
    unusedMaySetMany:
      '{{variables}} are used by no file ({{origin}} may hold them, its keys not known here), and no mesh entry names {{peers}} by FQDN: the peers are not known by FQDN',
    entryUnknown:
      "{{variable}} is not set, and whether the Cilium values' mesh entries name {{peer}} cannot be told: {{peer}}'s Cilium cluster name comes from {{variables}}, which is not known here (give it in the conventions' values)",
    notInMesh:
      '{{variable}} names the peer {{peer}}, which is not a cluster of the mesh',
    differs:
      "{{variable}} is {{value}}, but {{peer}}'s FQDN is {{expected}}{{where}}",
    noPeers: 'has no peers to know',
    templateGuessed:
      'whether the cluster knows its peers by settings variables is not known: nothing substitutes its Cilium values and no file names the settings variables, so its peers may be written out by name, but the {{which}} FQDN template, {{template}}, uses {{variables}}, which the repository names nowhere (set fqdnTemplate to the names you use, or give the value)',
    noSettings:
      'no settings ConfigMap is needed, nor peer variables in it ({{why}})',
    knowsFew: 'knows {{peers}}',
    knowsAll: 'knows its {{count:peer}} by FQDN ({{first}} as {{value}}, ...)',
    unknown:
      "{{variable}} is {{value}} and {{peer}}'s FQDN is {{expected}}: {{variables}} is not known here, so they cannot be compared (give it in the conventions' values)",
    givenApart:
      "{{variable}} is {{value}}, written as {{peer}}'s FQDN with the {{given}} given to this run for every cluster, but this cluster's SOPS value of {{given}} is {{here}} bytes long and {{peer}}'s {{there}}: not one value, so the name written here is not known to be {{peer}}'s (give each cluster its own: --value <cluster>:{{given}}=<value>){{others}}",
    secretsApart:
      "{{variable}} is {{value}}, written as {{peer}}'s FQDN, but this cluster's SOPS value of {{given}} ({{hereFile}}) is {{here}} bytes long and {{peer}}'s ({{thereFile}}) {{there}}: not one value, so the name written here is another name than {{peer}}'s FQDN (write it with a value this cluster holds for {{peer}}, or written out){{others}}",
    separateSecrets:
      "{{variable}} is {{value}}, written as {{peer}}'s FQDN, but {{variables}} comes from {{here}} in this cluster and from {{there}} for {{peer}}{{others}}: the names are equal only if both hold the same value, which is not known here (give it in the conventions' values)",
  },
  // a variable no file uses: what is not read may hold it, to no effect
  fieldAbsence: ['notSet', 'notSetMany'],
  variables: ['notSet', 'notSetMany'],
  settingsKeys: ['notSet', 'notSetMany'],
  check(mesh, c, r) {
    const out: CheckResult[] = [];
    const fqdns = meshFqdns(mesh);
    const values = c.peerValues();
    // peers known without a variable: by the address of their mesh entry
    /** Peers whose names are equal as text only: a value each reads from its own source. */
    const apart: {
      i: number;
      variable: string;
      here: string;
      there: string;
      /** Where the name is written and as what: the peer variable, or its mesh entry. */
      written?: { what: string; value: string; location(): SourceLocation };
    }[] = [];
    const anyGiven = Object.keys(mesh.conventions.values).length > 0;
    /** Peers named with a value given for every cluster that theirs, by SOPS length, cannot both be. */
    const givenApart: {
      i: number;
      variable: string;
      here: number;
      there: number;
    }[] = [];
    /** Peers named with a value read apart whose SOPS lengths differ: another name. */
    const lengthsApart: {
      i: number;
      variable: string;
      here: number;
      there: number;
      hereFile: string;
      thereFile: string;
      written?: { what: string; value: string; location(): SourceLocation };
    }[] = [];
    /** Peers with no variable: one finding for them all (one cause). */
    const notSet: { variable: string; peer: string; expected?: string }[] = [];
    const byEntry = new Map<
      number,
      NonNullable<ReturnType<typeof peerKnownByEntry>>
    >();
    for (let i = 0; i < c.peers.length; i++) {
      const { peer, variable } = c.peers[i];
      let value = values[i];
      const expected = fqdns.get(peer);
      if (value !== undefined && value === expected) {
        // the common case, kept cheap; a value not known here is the
        // same only when both clusters read it from the same place
        const source = separateSource(
          mesh,
          c,
          mesh.byName.get(peer),
          unknownOf(mesh, value),
        );
        const sopsLengths =
          source && sopsLengthsApart(mesh, c, mesh.byName.get(peer), value);
        if (sopsLengths) lengthsApart.push({ i, ...sopsLengths });
        else if (source) apart.push({ i, ...source });
        else if (anyGiven) {
          const lengths = givenForBothDiffers(
            mesh,
            c,
            mesh.byName.get(peer),
            () => c.settings.get(variable)?.raw,
          );
          if (lengths) givenApart.push({ i, ...lengths });
        }
        continue;
      }
      // a variable only a source whose keys are not known may define, and
      // no file uses, is not taken for the peer's name: its mesh entry is
      // (asked past the common case: a mesh has one per peer of each cluster)
      if (
        value !== undefined &&
        c.settings.get(variable)?.unverified &&
        !mesh.repository.mentions(variable)
      )
        value = undefined;
      const peerModel = mesh.byName.get(peer);
      if (value === undefined) {
        const entry = peerKnownByEntry(mesh, c, peer);
        if (entry) {
          // equal as text only where each reads its values from its own source
          const source = separateSource(
            mesh,
            c,
            peerModel,
            unknownOf(mesh, entry.address),
          );
          const lengths =
            source && sopsLengthsApart(mesh, c, peerModel, entry.address);
          if (lengths)
            lengthsApart.push({
              i,
              ...lengths,
              written: {
                what: `its mesh entry for ${peer}`,
                value: entry.address,
                location: entry.location,
              },
            });
          else if (source)
            apart.push({
              i,
              ...source,
              written: {
                what: `its mesh entry for ${peer}`,
                value: entry.address,
                location: entry.location,
              },
            });
          else byEntry.set(i, entry);
          continue;
        }
        // no settings wanted: the peers' names are written out in the
        // Cilium values, which peers-by-fqdn checks
        const unread = settingsUnread(mesh, c);
        if (unread) return [r.notApplicable('noSettings', { why: unread })];
        // nor known whether any are wanted (the template a guess): said
        // once, as settings-present says it
        const guessed = mesh.repository.mentions(variable)
          ? undefined
          : guessedTemplateData(mesh, c);
        if (guessed)
          return [
            r.notEvaluated('templateGuessed', guessed, c.settingsLocation),
          ];
        // a variable no file reads, and the peer's Cilium name not known
        // here: whether the values hold an entry for it cannot be told
        // (MrDynamo's copy, its settings read from a source of unknown keys)
        const nameUnknown = peerModel
          ? unknownVariables(peerModel.ciliumName)
          : [];
        if (
          nameUnknown.length &&
          !mesh.repository.mentions(variable) &&
          meshEntriesOf(mesh, c).list().length &&
          !meshEntriesOf(mesh, c).byName(peerModel!.ciliumName)
        ) {
          out.push(
            r.notEvaluated(
              'entryUnknown',
              { variable, peer, variables: nameUnknown.join(', ') },
              c.settingsLocation,
            ),
          );
          continue;
        }
        notSet.push({ variable, peer, expected });
      } else if (!peerModel) {
        out.push(
          r.fail(
            'notInMesh',
            { variable, peer },
            c.settings.get(variable)!.location,
          ),
        );
      } else if (expected !== undefined && !comparable(value, expected)) {
        out.push(
          r.notEvaluated(
            'unknown',
            {
              variable,
              value: q(value),
              peer,
              expected: q(expected),
              variables: [
                ...new Set([
                  ...unknownVariables(value),
                  ...unknownVariables(expected),
                ]),
              ].join(', '),
            },
            c.settings.get(variable)!.location,
          ),
        );
      } else if (expected !== undefined) {
        out.push(
          r.fail(
            'differs',
            {
              variable,
              value: q(value),
              peer,
              expected: q(expected),
              where: peerModel.fqdn
                ? ` (${formatLocation(peerModel.fqdn.location)})`
                : '',
            },
            c.settings.get(variable)!.location,
          ),
        );
      }
    }
    // a variable a source of unknown keys may hold, which no file uses
    // (aclerici38's ExternalSecret): not "not set", but not used
    const origin = notSet
      .map(n => c.settings.get(n.variable))
      .find(v => v?.unverified)?.origin;
    // peers named in the Cilium values only, no file using a peer variable
    // (Deatrin's, waveFrontSet's): the entry is missing, not a variable
    const byEntriesOnly =
      notSet.length > 0 && !origin && peersByEntriesOnly(mesh);
    if (byEntriesOnly && notSet.length === 1) {
      const [{ peer, expected }] = notSet;
      out.unshift(
        r.fail(
          'noEntry',
          {
            peer,
            expected: expected ? whatToWrite(mesh, peer, expected) : '',
          },
          c.cilium?.locate(ciliumValuesPaths.meshClusters) ??
            c.settingsLocation,
        ),
      );
    } else if (byEntriesOnly)
      out.unshift(
        r.fail(
          'noEntryMany',
          { peers: firstFew(notSet.map(n => n.peer)) },
          c.cilium?.locate(ciliumValuesPaths.meshClusters) ??
            c.settingsLocation,
        ),
      );
    else if (notSet.length === 1) {
      const [{ variable, peer, expected }] = notSet;
      out.unshift(
        r.fail(
          origin ? 'unusedMaySet' : 'notSet',
          {
            variable,
            peer,
            origin: origin ?? '',
            expected: expected ? whatToWrite(mesh, peer, expected) : '',
          },
          c.settingsLocation,
        ),
      );
    } else if (notSet.length)
      out.unshift(
        r.fail(
          origin ? 'unusedMaySetMany' : 'notSetMany',
          {
            variables: firstFew(notSet.map(n => n.variable)),
            peers: firstFew(notSet.map(n => n.peer)),
            origin: origin ?? '',
          },
          c.settingsLocation,
        ),
      );
    /** The first of such peers, as its name is written and where: one result for the cluster. */
    const firstOf = (first: {
      i: number;
      written?: { what: string; value: string; location(): SourceLocation };
    }) => {
      const { peer, variable } = c.peers[first.i];
      return {
        data: {
          variable: first.written?.what ?? variable,
          value: q(first.written?.value ?? values[first.i]),
          peer,
        },
        location:
          first.written?.location() ?? c.settings.get(variable)!.location,
      };
    };
    if (lengthsApart.length) {
      const [first] = lengthsApart;
      const { data, location } = firstOf(first);
      out.push(
        r.fail(
          'secretsApart',
          {
            ...data,
            given: first.variable,
            here: first.here,
            there: first.there,
            hereFile: first.hereFile,
            thereFile: first.thereFile,
            others: moreAlike(lengthsApart.length),
          },
          location,
        ),
      );
    }
    if (apart.length) {
      const [first] = apart;
      const { data, location } = firstOf(first);
      out.push(
        r.notEvaluated(
          'separateSecrets',
          {
            ...data,
            variables: first.variable,
            here: first.here,
            there: first.there,
            others: moreAlike(apart.length),
          },
          location,
        ),
      );
    }
    if (givenApart.length) {
      const [first] = givenApart;
      const { peer, variable } = c.peers[first.i];
      out.push(
        r.notEvaluated(
          'givenApart',
          {
            variable,
            value: q(values[first.i]),
            peer,
            given: first.variable,
            here: first.here,
            there: first.there,
            others: moreAlike(givenApart.length),
          },
          c.settings.get(variable)!.location,
        ),
      );
    }
    if (out.length) return out;
    if (c.peers.length === 0) return [r.pass('noPeers')];
    const known = (i: number) => {
      const entry = byEntry.get(i);
      if (entry)
        return {
          value: entry.address,
          how: ' (its mesh entry address)',
          location: entry.location(),
        };
      const setting = c.settings.get(c.peers[i].variable)!;
      return { value: setting.value, how: '', location: setting.location };
    };
    const first = known(0);
    return [
      c.peers.length <= 3
        ? r.pass(
            'knowsFew',
            {
              peers: c.peers
                .map((p, i) => {
                  const k = i === 0 ? first : known(i);
                  return `${p.peer} as ${q(k.value)}${k.how}`;
                })
                .join(', '),
            },
            first.location,
          )
        : r.pass(
            'knowsAll',
            {
              count: c.peers.length,
              first: c.peers[0].peer,
              value: `${q(first.value)}${first.how}`,
            },
            first.location,
          ),
    ];
  },
});

/** Said after the first of several peers with the same finding: how many more. */
function moreAlike(count: number): string {
  if (count < 2) return '';
  return ` (and ${count - 1} more ${count === 2 ? 'peer' : 'peers'} alike)`;
}

/**
 * What a cluster's settings should hold for a peer, said after "not set":
 * the peer's FQDN, a value not known here as its variable; where the name
 * is the peer's own FQDN variable (which in the writing cluster names
 * itself) or its files leave it unresolved, the conventions' template, as
 * a suggestion.
 */
function whatToWrite(mesh: MeshModel, peer: string, fqdn: string): string {
  const written = fqdn.replace(secretPlaceholderPattern, (_, name) =>
    variableReference(name),
  );
  // a guess from the conventions (or their default), said as one
  const byDefault = !mesh.conventions.provenance?.some(
    p => p.setting === 'fqdnTemplate' && p.source !== 'default',
  );
  // the template's domain variable named nowhere, nor given: no name to
  // expect (BSFishy's copy), but the template to set
  const guess = templateNamedNowhere(mesh, peer);
  if (guess)
    return ` (the ${guess.byDefault ? 'default' : "conventions'"} template, ${q(
      guess.template,
    )}, uses ${guess.variables.join(
      ', ',
    )}, which the repository names nowhere: set fqdnTemplate to the names you use)`;
  return hasUnresolvedReference(fqdn) ||
    written.includes(variableReference(mesh.conventions.variables.fqdn))
    ? ` (by the ${byDefault ? 'default' : "conventions'"} template: ${q(
        fqdnTemplateFor(mesh.conventions, peer),
      )})`
    : ` (expected ${q(written)})`;
}

/**
 * Whether two names can be told apart: both known, or holding the same
 * unknown values (a variable not known here is the same value on both
 * sides), so that the rest of the text decides.
 */
function comparable(a: string, b: string): boolean {
  const inA = unknownVariables(a);
  const inB = unknownVariables(b);
  return (
    inA.length === inB.length &&
    inA.every(v => inB.includes(v)) &&
    inB.every(v => inA.includes(v))
  );
}

/**
 * A variable not known here (a Secret's value) that a peer's name written
 * in a cluster's settings holds, when the cluster and the peer read it from
 * different files: where each reads it. Undefined when the name holds no
 * such value, or both read it from the same file, or from SOPS lines that
 * are the same ciphertext (one value, copied).
 */
function separateSource(
  mesh: MeshModel,
  cluster: ClusterModel,
  peer: ClusterModel | undefined,
  /** The values not known here that the name holds. */
  unknown: readonly string[],
): { variable: string; here: string; there: string } | undefined {
  for (const variable of unknown) {
    if (!sameSecretSource(mesh, cluster, peer, variable)) {
      const here = secretSourceOf(mesh, cluster, variable);
      const there = secretSourceOf(mesh, peer, variable);
      return {
        variable,
        here: here?.location.file ?? 'a source not known here',
        there: there?.location.file ?? 'a source not known here',
      };
    }
  }
  return undefined;
}

/**
 * A name written the same for a peer as the peer's own FQDN whose values
 * not known here each cluster reads from its own SOPS line, where those
 * lines' plaintext lengths (SOPS keeps them) make the two names of
 * different lengths: certainly not one name. The first variable whose
 * lengths differ, and where each reads it; undefined when a length is not
 * known or the lengths add up alike.
 */
function sopsLengthsApart(
  mesh: MeshModel,
  cluster: ClusterModel,
  peer: ClusterModel | undefined,
  text: string,
):
  | {
      variable: string;
      here: number;
      there: number;
      hereFile: string;
      thereFile: string;
    }
  | undefined {
  if (!peer) return undefined;
  let delta = 0;
  let first: ReturnType<typeof sopsLengthsApart>;
  for (const variable of unknownOf(mesh, text)) {
    const here = secretSourceOf(mesh, cluster, variable);
    const there = secretSourceOf(mesh, peer, variable);
    if (here?.length === undefined || there?.length === undefined)
      return undefined;
    const uses = text.split(`<secret:${variable}>`).length - 1;
    delta += uses * (here.length - there.length);
    if (!first && here.length !== there.length)
      first = {
        variable,
        here: here.length,
        there: there.length,
        hereFile: here.location.file,
        thereFile: there.location.file,
      };
  }
  return delta === 0 ? undefined : first;
}

/**
 * A variable of a peer name as written (`clustermesh-b.${SECRET_DOMAIN}`)
 * whose value was given to the run for every cluster, where the two
 * clusters' SOPS values of it differ in length: one value cannot be both.
 * The name is read only for such a variable (asked for every peer of a
 * mesh).
 */
function givenForBothDiffers(
  mesh: MeshModel,
  cluster: ClusterModel,
  peer: ClusterModel | undefined,
  rawOf: () => string | undefined,
): { variable: string; here: number; there: number } | undefined {
  const { values, valuesByCluster } = mesh.conventions;
  // asked for every peer of every cluster: two clusters alike in what they
  // are given and in their SOPS lengths (the common case) cannot differ
  const keys = givenKeysOf(mesh);
  if (!peer || !keys || keys.get(cluster) === keys.get(peer)) return undefined;
  for (const v of Object.keys(values)) {
    if (
      valuesByCluster?.[cluster.name]?.[v] !== undefined ||
      valuesByCluster?.[peer.name]?.[v] !== undefined
    )
      continue;
    const here = secretSourceOf(mesh, cluster, v)?.length;
    const there = secretSourceOf(mesh, peer, v)?.length;
    if (here === undefined || there === undefined || here === there) continue;
    const raw = rawOf();
    if (raw?.includes('$') && referencedVariables(raw).includes(v))
      return { variable: v, here, there };
  }
  return undefined;
}

/** Per cluster, what it is given for every cluster and the SOPS lengths of those variables. */
const givenKeys = new WeakMap<
  MeshModel,
  Map<ClusterModel, string> | undefined
>();

/**
 * Per cluster, a key equal for two clusters whose given variables (those
 * given for every cluster) are each given per cluster in both or neither,
 * with equal SOPS lengths: such clusters' given values cannot be told
 * apart. Undefined when every cluster has the same key.
 */
function givenKeysOf(mesh: MeshModel): Map<ClusterModel, string> | undefined {
  if (givenKeys.has(mesh)) return givenKeys.get(mesh);
  const { values, valuesByCluster } = mesh.conventions;
  const keys = new Map(
    mesh.clusters.map(cluster => [
      cluster,
      Object.keys(values)
        .map(v =>
          valuesByCluster?.[cluster.name]?.[v] !== undefined
            ? 'given'
            : String(secretSourceOf(mesh, cluster, v)?.length),
        )
        .join(','),
    ]),
  );
  const uniform = new Set(keys.values()).size <= 1;
  givenKeys.set(mesh, uniform ? undefined : keys);
  return givenKeys.get(mesh);
}

/** The values not known here of each peer name text (each text is every knower's). */
const unknownByText = new WeakMap<MeshModel, Map<string, string[]>>();

function unknownOf(mesh: MeshModel, text: string): readonly string[] {
  if (!text.includes('<secret:')) return [];
  let byText = unknownByText.get(mesh);
  if (!byText) unknownByText.set(mesh, (byText = new Map()));
  let unknown = byText.get(text);
  if (!unknown) byText.set(text, (unknown = unknownVariables(text)));
  return unknown;
}

const entriesOnly = new WeakMap<MeshModel, boolean>();

/**
 * Whether the repository names its peers in the Cilium values alone: some
 * mesh entry gives an address (not `ips`), and no file uses a peer
 * variable. Not the story's repository before its change, whose entries
 * list `ips`: its peers get variables.
 */
function peersByEntriesOnly(mesh: MeshModel): boolean {
  let answer = entriesOnly.get(mesh);
  if (answer === undefined) {
    answer =
      !mesh.clusters.some(x =>
        x.peers.some(p => mesh.repository.mentions(p.variable)),
      ) &&
      mesh.members.some(x =>
        meshEntriesOf(mesh, x)
          .list()
          .some(
            e =>
              e.entry.ips === undefined && typeof e.entry.address === 'string',
          ),
      );
    entriesOnly.set(mesh, answer);
  }
  return answer;
}
