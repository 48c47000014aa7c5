import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { normalizePath } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';

/** A file to write: repository-relative POSIX path and its whole content. @public */
export interface FileWrite {
  path: string;
  after: string;
}

/**
 * Resolves a repository-relative path inside `root`, refusing absolute
 * paths, `..` segments and symbolic links that lead out of it.
 *
 * @throws Error naming the path and the reason
 * @public
 */
export function resolveInside(root: string, relative: string): string {
  return insideResolver(root)(relative);
}

/**
 * {@link resolveInside} for many paths of one root: the root's real path
 * is taken once, and each folder's once (a mesh writes hundreds of files
 * into folders of the same few parents).
 */
function insideResolver(root: string): (relative: string) => string {
  const realRoot = fs.realpathSync.native(root);
  /** Real paths of folders and files seen to exist; null where nothing exists. */
  const realPaths = new Map<string, string | null>();
  const realPathOf = (full: string): string | null => {
    let real = realPaths.get(full);
    if (real === undefined) {
      real = fs.existsSync(full) ? fs.realpathSync.native(full) : null;
      realPaths.set(full, real);
    }
    return real;
  };
  return relative => {
    if (path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative))
      throw new Error(`${relative}: absolute paths are not allowed`);
    if (relative.split(/[\\/]/).includes('..'))
      throw new Error(`${relative}: ".." is not allowed in paths`);
    const normalized = normalizePath(relative);
    if (!normalized) throw new Error(`"${relative}" is not a file path`);
    const target = path.join(realRoot, ...normalized.split('/'));
    // The deepest existing ancestor decides where a symbolic link leads.
    let existing = target;
    let real = realPathOf(existing);
    while (real === null) {
      existing = path.dirname(existing);
      real = realPathOf(existing);
    }
    if (real !== realRoot && !real.startsWith(realRoot + path.sep))
      throw new Error(
        `${relative}: a symbolic link leads out of the repository`,
      );
    return path.join(real, path.relative(existing, target));
  };
}

interface Staged {
  full: string;
  temp: string;
  backup?: string;
  committed: boolean;
}

/**
 * Writes files all or none: each file goes to a temporary sibling first,
 * then all are renamed over their targets; if anything fails, replaced
 * files are restored, new files and folders removed.
 *
 * @returns the number of bytes written
 * @public
 */
export function writeFilesAtomically(root: string, files: FileWrite[]): number {
  const resolve = insideResolver(root);
  const targets = files.map(f => ({ ...f, full: resolve(f.path) }));
  const suffix = `.clustermesh-dns-${crypto.randomBytes(4).toString('hex')}`;
  const staged: Staged[] = [];
  const createdDirs: string[] = [];
  let bytes = 0;
  /** Folders there (or made here) already: each is asked once. */
  const folders = new Set<string>();
  try {
    for (const t of targets) {
      const missing: string[] = [];
      for (
        let d = path.dirname(t.full);
        !folders.has(d) && !fs.existsSync(d);
        d = path.dirname(d)
      )
        missing.unshift(d);
      for (const d of missing) {
        fs.mkdirSync(d);
        createdDirs.push(d);
      }
      folders.add(path.dirname(t.full));
      const temp = `${t.full}${suffix}.tmp`;
      staged.push({ full: t.full, temp, committed: false });
      fs.writeFileSync(temp, t.after, { flag: 'wx', encoding: 'utf8' });
      // the file keeps its permissions (an executable bit git tracks)
      const existing = fs.statSync(t.full, { throwIfNoEntry: false });
      if (existing) fs.chmodSync(temp, existing.mode & 0o7777);
      bytes += Buffer.byteLength(t.after, 'utf8');
    }
    for (const s of staged) {
      if (fs.existsSync(s.full)) {
        s.backup = `${s.full}${suffix}.bak`;
        fs.linkSync(s.full, s.backup);
      }
      fs.renameSync(s.temp, s.full);
      s.committed = true;
    }
  } catch (error) {
    for (const s of [...staged].reverse()) {
      fs.rmSync(s.temp, { force: true });
      if (s.committed && s.backup) fs.renameSync(s.backup, s.full);
      else if (s.committed) fs.rmSync(s.full, { force: true });
      else if (s.backup) fs.rmSync(s.backup, { force: true });
    }
    for (const d of createdDirs.reverse())
      fs.rmSync(d, { recursive: true, force: true });
    throw error;
  }
  for (const s of staged) if (s.backup) fs.rmSync(s.backup, { force: true });
  return bytes;
}
