import fs from 'node:fs';
import path from 'node:path';

/**
 * The branch a folder is a Git checkout of, from its `.git/HEAD` (or, in a
 * worktree, the HEAD its `.git` file points at): undefined when the folder
 * is no checkout's root, or its HEAD is detached.
 *
 * @public
 */
export function checkedOutBranch(repoDir: string): string | undefined {
  const dotGit = path.join(repoDir, '.git');
  let gitDir = dotGit;
  try {
    if (fs.statSync(dotGit).isFile()) {
      // a worktree or submodule: `gitdir: <path>`
      const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(
        fs.readFileSync(dotGit, 'utf8'),
      );
      if (!pointer) return undefined;
      gitDir = path.resolve(repoDir, pointer[1]);
    }
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8');
    return /^ref:\s*refs\/heads\/(.+?)\s*$/m.exec(head)?.[1];
  } catch {
    // no checkout here: the branch read is not known
    return undefined;
  }
}
