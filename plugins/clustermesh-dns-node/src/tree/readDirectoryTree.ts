import fs from 'node:fs';
import path from 'node:path';
import {
  MemoryRepoTree,
  RepoTree,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';

/** Folders never read as part of a repository. */
const skippedDirectories = new Set(['.git', 'node_modules']);

/** @public */
export interface DirectoryTreeOptions {
  /** Stop listing after this many files (a guard against pointing at `/`). Default 200 000. */
  maxFiles?: number;
}

/**
 * A repository folder on disk as a `RepoTree` of the engine. Files are listed once
 * and read on demand, each once (the tree is one snapshot). Symbolic links are followed only when they stay inside
 * the folder, so a repository cannot make the engine read `/etc/passwd`.
 *
 * @throws Error naming the folder when it cannot be read
 * @public
 */
export function readDirectoryTree(
  root: string,
  options: DirectoryTreeOptions = {},
): RepoTree {
  const maxFiles = options.maxFiles ?? 200_000;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync.native(root);
    if (!fs.statSync(realRoot).isDirectory())
      throw new Error('not a directory');
  } catch (error) {
    throw new Error(
      `${root} is not a readable directory: ${(error as Error).message}`,
    );
  }
  const inside = (p: string) =>
    p === realRoot || p.startsWith(realRoot + path.sep);
  const paths: string[] = [];
  // paths reached through a symbolic link: read through realpath(3) again,
  // so a link changed since the listing still cannot lead outside
  const linked = new Set<string>();
  const walk = (dir: string, prefix: string, throughLink: boolean) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (paths.length >= maxFiles) {
        throw new Error(
          `${root} has more than ${maxFiles} files; is it the repository?`,
        );
      }
      const full = path.join(dir, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      const isLink = throughLink || entry.isSymbolicLink();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync.native(full);
        } catch {
          continue; // dangling link
        }
        if (!inside(target)) continue;
        const stat = fs.statSync(target);
        isDir = stat.isDirectory();
        isFile = stat.isFile();
        if (
          isDir &&
          inside(target) &&
          (full + path.sep).startsWith(target + path.sep)
        )
          continue; // loop
      }
      if (isDir) {
        if (!skippedDirectories.has(entry.name)) walk(full, rel, isLink);
      } else if (isFile) {
        paths.push(rel);
        if (isLink) linked.add(rel);
      }
    }
  };
  walk(realRoot, '', false);
  // each file is read once, when first asked for: a validation and the
  // plan of a change read the same files several times, and the tree stays
  // one consistent snapshot
  const read = new Map<string, Uint8Array | undefined>();
  const listed = new Set(paths);
  return new MemoryRepoTree(paths, relative => {
    if (read.has(relative)) return read.get(relative);
    if (!listed.has(relative)) return undefined;
    const full = path.join(realRoot, ...relative.split('/'));
    let bytes: Uint8Array | undefined;
    try {
      if (linked.has(relative)) {
        // one realpath(3) call, not an lstat per path segment
        const real = fs.realpathSync.native(full);
        if (inside(real)) bytes = fs.readFileSync(real);
      } else {
        // a regular file when listed: refuse it if it became a link since
        const fd = fs.openSync(
          full,
          fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW,
        );
        try {
          bytes = fs.readFileSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      }
    } catch {
      bytes = undefined;
    }
    read.set(relative, bytes);
    return bytes;
  });
}
