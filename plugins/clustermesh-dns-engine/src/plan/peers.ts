import type { ObjectPath } from '../core/paths';
import { keptInOrder } from '../core/text';
import { referencedVariables } from '../flux/envsubst';
import { keysInOrderOf } from '../yaml/edit';
import type { CiliumValues, ValuesEditor } from './cilium';

/**
 * Plans `clustermesh.config.clusters`: each peer by `address` (its FQDN
 * variable, or its FQDN where the file is not substituted) and port, not by
 * `ips`; the removed clusters' entries taken out. Where the values are not
 * the configured cluster's own (a member that learns a new peer), entries
 * of the other peers are left as they are; missing ones are added.
 */
export function planPeers(
  editor: ValuesEditor,
  doc: number,
  path: ObjectPath,
  values: CiliumValues,
  port: number,
  why: (text: string) => void,
  /** The list the values under this layer give, when the layer has none: carried, since a list here replaces it. */
  inherited?: unknown[],
) {
  const current = editor.get(doc, path);
  if (current === undefined && inherited) {
    writeCarriedList(editor, doc, path, values, port, why, inherited);
    return;
  }
  const goneNames = goneEntryNames(values, current);
  if (current && !Array.isArray(current) && typeof current === 'object') {
    // The map form of clustermesh.config.clusters (name → entry).
    const map = current as Record<string, any>;
    for (const gone of goneNames) {
      if (map[gone] !== undefined) {
        editor.deleteKey(doc, [...path, gone]);
        why(`${gone} taken out of clustermesh.config.clusters`);
      }
    }
    for (const peer of values.peers) {
      const name = values.entryName(peer);
      const entry = map[name];
      if (entry && !values.own && !changed(values, peer)) continue;
      const address = values.address(peer);
      if (entry?.address !== address || entry?.port !== port) {
        editor.setEntries(doc, path, { [name]: { address, port } });
        why(`${name} reached by name at ${address}`);
      }
      if (entry?.ips) editor.deleteKey(doc, [...path, name, 'ips']);
    }
    return;
  }
  const list = (Array.isArray(current) ? current : []) as any[];
  // removed from the end first, so the indexes of the others hold
  const gone = goneNames;
  list
    .map((e, i) => ({ name: e?.name, i }))
    .filter(e => gone.includes(e.name))
    .reverse()
    .forEach(e => {
      editor.deleteItem(doc, [...path, e.i]);
      why(`${e.name} taken out of clustermesh.config.clusters`);
    });
  for (const peer of values.peers) {
    const name = values.entryName(peer);
    let index = list.findIndex(e => e?.name === name);
    // an entry named after the folder is this peer's, under the wrong name
    const byFolder =
      index < 0 && name !== peer ? list.findIndex(e => e?.name === peer) : -1;
    if (byFolder >= 0) {
      index = byFolder;
      editor.setScalar(doc, [...path, index, 'name'], name);
      why(`${peer}'s entry named ${name}, its Cilium cluster.name`);
    }
    if (index < 0) {
      const address = values.address(peer);
      const entry = { name, address, port };
      // entries kept in order of name (as a first run writes them): the
      // new one takes its place among them, not the end
      const names = list.map(e => e?.name);
      const after =
        names.every(n => typeof n === 'string') && keptInOrder(names)
          ? names.findIndex(n => n > name)
          : -1;
      if (after >= 0) editor.insertItem(doc, path, after, entry);
      else editor.appendItem(doc, path, entry);
      why(`${name} added to clustermesh.config.clusters, by name`);
      continue;
    }
    if (!values.own && !changed(values, peer) && byFolder < 0) continue;
    const address = values.address(peer);
    if (list[index].address !== address) {
      editor.setScalar(doc, [...path, index, 'address'], address);
      why(
        `${name} reached by name (${address})${
          list[index].ips ? ' instead of by IP' : ''
        }`,
      );
    }
    if (list[index].port !== port)
      editor.setScalar(doc, [...path, index, 'port'], port);
    if (list[index].ips) editor.deleteKey(doc, [...path, index, 'ips']);
  }
}

/**
 * The names of the entries to take out: those of the clusters taken out,
 * and any other entry whose address names one's peer variable (its folder
 * deleted, its Cilium name, which the entry has, not known any more), not
 * one of a peer that stays.
 */
function goneEntryNames(values: CiliumValues, current: unknown): string[] {
  const names = values.gone.map(values.entryName);
  if (!values.goneVariables.length) return names;
  const staying = new Set(values.peers.map(values.entryName));
  const entries: [string, unknown][] = Array.isArray(current)
    ? current.map(e => [String(e?.name), e])
    : Object.entries(
        current && typeof current === 'object'
          ? (current as Record<string, unknown>)
          : {},
      );
  for (const [name, entry] of entries) {
    const address = (entry as { address?: unknown } | null)?.address;
    if (
      !names.includes(name) &&
      !staying.has(name) &&
      typeof address === 'string' &&
      referencedVariables(address).some(v => values.goneVariables.includes(v))
    )
      names.push(name);
  }
  return names;
}

/**
 * Writes the whole list where the layer has none: the entries the values
 * under it give (those of peers the change does not touch kept as they
 * are), brought up to date, the removed ones out, the new ones added.
 */
function writeCarriedList(
  editor: ValuesEditor,
  doc: number,
  path: ObjectPath,
  values: CiliumValues,
  port: number,
  why: (text: string) => void,
  inherited: unknown[],
) {
  const gone = new Set(goneEntryNames(values, inherited));
  const entries = inherited
    .filter(
      (e): e is Record<string, unknown> =>
        typeof e === 'object' &&
        e !== null &&
        !gone.has(String((e as Record<string, unknown>).name)),
    )
    .map(e => ({ ...e }));
  for (const peer of values.peers) {
    const name = values.entryName(peer);
    const entry =
      entries.find(e => e.name === name) ??
      (name !== peer ? entries.find(e => e.name === peer) : undefined);
    const address = values.address(peer);
    if (!entry) {
      entries.push(keysInOrderOf(entries, { name, address, port }));
      why(`${name} added to clustermesh.config.clusters, by name`);
      continue;
    }
    if (!values.own && !changed(values, peer) && entry.name === name) continue;
    if (entry.name !== name || entry.address !== address) {
      why(
        `${name} reached by name (${address})${
          entry.ips ? ' instead of by IP' : ''
        }`,
      );
    }
    entry.name = name;
    entry.address = address;
    entry.port = port;
    delete entry.ips;
  }
  const kept = entries
    .map(e => String(e.name))
    .filter(n => !values.peers.some(p => values.entryName(p) === n));
  for (const entry of entries) editor.appendItem(doc, path, entry);
  if (kept.length)
    why(
      `clustermesh.config.clusters written here whole: a list here replaces the one the values under it give, so the entries of ${kept.join(
        ', ',
      )} are carried as they are`,
    );
}

/** Whether a peer's entry is one this change is about (it is configured in this run). */
function changed(values: CiliumValues, peer: string): boolean {
  return values.configuredPeers.has(peer);
}
