import ignore, { type Ignore } from 'ignore';
import { basenamePath, dirnamePath, RepoTree } from './RepoTree';

const depth = (dir: string) => (dir ? dir.split('/').length : 0);

/**
 * Which files Flux's source-controller leaves out of a source artifact:
 * those a `.sourceignore` file (gitignore patterns) in their folder or a
 * folder above matches, the deeper file's patterns winning. Such files are
 * not in the repository as Flux builds it.
 *
 * @public
 */
export function sourceIgnored(tree: RepoTree): (path: string) => boolean {
  const scopes: { dir: string; matcher: Ignore }[] = [];
  for (const path of tree.paths()) {
    if (basenamePath(path) !== '.sourceignore') continue;
    const bytes = tree.read(path);
    if (!bytes) continue;
    scopes.push({
      dir: dirnamePath(path),
      matcher: ignore().add(new TextDecoder().decode(bytes)),
    });
  }
  if (!scopes.length) return () => false;
  // the root's patterns first, a sub-folder's after (they may re-include)
  scopes.sort((a, b) => depth(a.dir) - depth(b.dir));
  return path => {
    let ignored = false;
    for (const { dir, matcher } of scopes) {
      if (dir && !path.startsWith(`${dir}/`)) continue;
      const result = matcher.test(dir ? path.slice(dir.length + 1) : path);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  };
}
