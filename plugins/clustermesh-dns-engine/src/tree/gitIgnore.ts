import ignore from 'ignore';
import { basenamePath, dirnamePath, RepoTree } from './RepoTree';

/** The `.gitignore` and the pattern that leave a file out of git. */
export interface GitIgnoredBy {
  file: string;
  pattern: string;
}

/**
 * Which files git would leave out of a commit: those a `.gitignore` of
 * their folder or a folder above matches, by git's rules (the deeper
 * file's patterns after the higher one's, the last match deciding), with
 * the file and pattern that decide. For files a change creates: one git
 * already tracks stays tracked whatever matches it.
 *
 * @internal
 */
export function gitIgnoredBy(
  tree: RepoTree,
): (path: string) => GitIgnoredBy | undefined {
  const scopes = tree
    .paths()
    .filter(path => basenamePath(path) === '.gitignore')
    .flatMap(file => {
      const bytes = tree.read(file);
      return bytes
        ? [
            {
              file,
              dir: dirnamePath(file),
              matcher: ignore().add(new TextDecoder().decode(bytes)),
            },
          ]
        : [];
    })
    .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length);
  return path => {
    let decided: GitIgnoredBy | undefined;
    for (const { file, dir, matcher } of scopes) {
      if (dir && !path.startsWith(`${dir}/`)) continue;
      const result = matcher.test(dir ? path.slice(dir.length + 1) : path);
      if (result.ignored && result.rule)
        decided = { file, pattern: result.rule.pattern };
      else if (result.unignored) decided = undefined;
    }
    return decided;
  };
}
