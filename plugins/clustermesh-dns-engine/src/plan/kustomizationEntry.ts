import { keptInOrder } from '../core/text';
import { dirnamePath } from '../tree/RepoTree';
import type { EditSet } from './transaction';

/**
 * Lists a new file in the kustomization whose build takes it (in its
 * folder or above), as its neighbours are listed: with `./` when they have
 * it; right after `after` (the entry of a file it belongs with) when that
 * is listed, else in order when the list is sorted, else at the end. No
 * kustomization: Flux generates one that takes every file.
 */
export function includeInKustomization(
  edits: EditSet,
  file: string,
  kustomization: string | undefined,
  after?: string,
) {
  if (!kustomization) return;
  const dir = dirnamePath(kustomization);
  const editor = edits.editor(kustomization, 'the kustomization');
  const base = dir ? file.slice(dir.length + 1) : file;
  const resources = editor.get(0, ['resources']);
  const list = Array.isArray(resources)
    ? resources.filter((r): r is string => typeof r === 'string')
    : [];
  const plain = list.map(r => r.replace(/^\.\//, ''));
  if (plain.includes(base)) return;
  // as the other files of the folder are written (`../` entries aside)
  const own = list.filter(r => !r.startsWith('../'));
  const dotted =
    own.length > 0 &&
    own.filter(r => r.startsWith('./')).length * 2 > own.length;
  const entry = dotted ? `./${base}` : base;
  const sorted = plain.length > 1 && keptInOrder(plain);
  const follows =
    after === undefined ? -1 : plain.indexOf(after.replace(/^\.\//, ''));
  if (Array.isArray(resources) && follows >= 0 && !sorted) {
    editor.insertItem(0, ['resources'], follows + 1, entry);
  } else if (sorted && Array.isArray(resources)) {
    const at = plain.findIndex(r => r > base);
    editor.insertItem(0, ['resources'], at < 0 ? resources.length : at, entry);
  } else {
    editor.appendItem(0, ['resources'], entry);
  }
  edits.reason(kustomization, `${entry} included, so Flux applies it`);
}
