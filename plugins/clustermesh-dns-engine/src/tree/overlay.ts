import type { RepoTree } from './RepoTree';

const encoder = new TextEncoder();

/**
 * A tree with some files replaced or added, read lazily: how the engine sees
 * a repository after a planned change.
 *
 * @public
 */
export function overlayTree(
  tree: RepoTree,
  files: ReadonlyMap<string, string>,
): RepoTree {
  const paths = [...new Set([...tree.paths(), ...files.keys()])].sort();
  return {
    paths: () => paths,
    read: p => {
      const text = files.get(p);
      return text === undefined ? tree.read(p) : encoder.encode(text);
    },
  };
}
