import { basenamePath } from '../tree/RepoTree';

/**
 * Whether a file of the repository may be a bootstrap script, which applies
 * or installs the repository's files outside Flux: shell, Nix, justfiles,
 * Makefiles, Taskfiles (and the files of a `.taskfiles/` folder).
 */
export function isBootstrapScript(path: string): boolean {
  const base = basenamePath(path);
  return (
    /\.(sh|bash|zsh|nix|just|mk)$/.test(base) ||
    /^(Taskfile|taskfile)\b.*\.ya?ml$/.test(base) ||
    /^(justfile|Justfile|Makefile|makefile)$/.test(base) ||
    path.includes('.taskfiles/')
  );
}
