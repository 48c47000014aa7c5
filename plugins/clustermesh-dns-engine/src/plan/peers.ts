import type { MeshConventions } from '../conventions/schema';
import { peerFqdnVariable, variableReference } from '../conventions/templates';
import type { ObjectPath } from '../core/paths';
import type { CiliumTarget, ValuesEditor } from './cilium';
import { plannedFqdn } from './input';

/** Plans `clustermesh.config.clusters`: each member by its FQDN variable (or its FQDN, in a file Flux does not substitute). */
export function planPeers(
  editor: ValuesEditor,
  target: CiliumTarget,
  path: ObjectPath,
  conventions: MeshConventions,
  why: (text: string) => void,
) {
  const port = conventions.cilium.apiserverPort;
  const address = (peer: string) =>
    target.literal
      ? plannedFqdn(conventions, peer)
      : `\${${peerFqdnVariable(conventions, peer)}:=${variableReference(
          conventions.variables.fqdn,
        )}}`;
  const current = editor.get(target.doc, path);
  if (current && !Array.isArray(current) && typeof current === 'object') {
    // The map form of clustermesh.config.clusters (name → entry).
    for (const peer of target.members) {
      const entry = (current as Record<string, any>)[peer];
      if (entry?.address !== address(peer) || entry?.port !== port) {
        editor.setEntries(target.doc, path, {
          [peer]: { address: address(peer), port },
        });
        why(`${peer} reached by name at ${address(peer)}`);
      }
      if (entry?.ips) editor.deleteKey(target.doc, [...path, peer, 'ips']);
    }
    return;
  }
  const list = (Array.isArray(current) ? current : []) as any[];
  for (const peer of target.members) {
    const index = list.findIndex(e => e?.name === peer);
    if (index < 0) {
      editor.appendItem(target.doc, path, {
        name: peer,
        address: address(peer),
        port,
      });
      why(`${peer} added to clustermesh.config.clusters, by name`);
      continue;
    }
    if (list[index].address !== address(peer)) {
      editor.setScalar(target.doc, [...path, index, 'address'], address(peer));
      why(
        `${peer} reached by name (${address(peer)})${
          list[index].ips ? ' instead of by IP' : ''
        }`,
      );
    }
    if (list[index].port !== port)
      editor.setScalar(target.doc, [...path, index, 'port'], port);
    if (list[index].ips) editor.deleteKey(target.doc, [...path, index, 'ips']);
  }
}
