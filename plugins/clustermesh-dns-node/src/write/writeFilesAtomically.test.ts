import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { resolveInside, writeFilesAtomically } from './writeFilesAtomically';

function repo() {
  const dir = tempDir('cmdns-write-');
  fs.mkdirSync(path.join(dir, 'a'));
  fs.writeFileSync(path.join(dir, 'a/old.yaml'), 'old\n');
  return dir;
}

const listing = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('writeFilesAtomically', () => {
  it('writes every file, creating folders, and counts the bytes', () => {
    const dir = repo();
    const bytes = writeFilesAtomically(dir, [
      { path: 'a/old.yaml', after: 'new\n' },
      { path: 'b/c/new.yaml', after: 'x: 1\n' },
    ]);
    expect(bytes).toBe(9);
    expect(fs.readFileSync(path.join(dir, 'a/old.yaml'), 'utf8')).toBe('new\n');
    expect(fs.readFileSync(path.join(dir, 'b/c/new.yaml'), 'utf8')).toBe(
      'x: 1\n',
    );
    expect(listing(dir)).toEqual([
      'a',
      'a/old.yaml',
      'b',
      'b/c',
      'b/c/new.yaml',
    ]);
  });

  it('keeps the permissions of a file it replaces (an executable bit git tracks)', () => {
    const dir = repo();
    const file = path.join(dir, 'a/old.yaml');
    fs.chmodSync(file, 0o755);
    writeFilesAtomically(dir, [
      { path: 'a/old.yaml', after: 'new\n' },
      { path: 'a/new.yaml', after: 'x\n' },
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o755);
    // a new file gets the default of the process
    expect(fs.statSync(path.join(dir, 'a/new.yaml')).mode & 0o111).toBe(0);
  });

  it('writes nothing when one path is refused', () => {
    const dir = repo();
    expect(() =>
      writeFilesAtomically(dir, [
        { path: 'a/old.yaml', after: 'new\n' },
        { path: '../escape.yaml', after: 'x' },
      ]),
    ).toThrow('../escape.yaml: ".." is not allowed in paths');
    expect(fs.readFileSync(path.join(dir, 'a/old.yaml'), 'utf8')).toBe('old\n');
    expect(listing(dir)).toEqual(['a', 'a/old.yaml']);
  });

  it('restores what it replaced when a later write fails', () => {
    const dir = repo();
    // A folder where a file should go makes the second rename fail.
    fs.mkdirSync(path.join(dir, 'a/blocked.yaml'));
    fs.writeFileSync(path.join(dir, 'a/blocked.yaml/keep'), 'k');
    expect(() =>
      writeFilesAtomically(dir, [
        { path: 'a/old.yaml', after: 'new\n' },
        { path: 'n/new.yaml', after: 'new\n' },
        { path: 'a/blocked.yaml', after: 'x' },
      ]),
    ).toThrow();
    expect(fs.readFileSync(path.join(dir, 'a/old.yaml'), 'utf8')).toBe('old\n');
    expect(listing(dir)).toEqual([
      'a',
      'a/blocked.yaml',
      'a/blocked.yaml/keep',
      'a/old.yaml',
    ]);
  });
});

describe('resolveInside', () => {
  it.each([
    ['/etc/passwd', /absolute paths are not allowed/],
    ['a/../../x', /".." is not allowed/],
    ['', /is not a file path/],
  ])('refuses %j', (p, message) => {
    expect(() => resolveInside(repo(), p)).toThrow(message);
  });

  it('refuses a symbolic link out of the repository', () => {
    const dir = repo();
    const outside = tempDir('cmdns-out-');
    fs.symlinkSync(outside, path.join(dir, 'link'));
    expect(() => resolveInside(dir, 'link/x.yaml')).toThrow(
      'link/x.yaml: a symbolic link leads out of the repository',
    );
    expect(resolveInside(dir, './a/old.yaml')).toBe(
      path.join(fs.realpathSync(dir), 'a/old.yaml'),
    );
  });

  it('checks every file of a run on its own: a link out among files of known folders refuses the run', () => {
    const dir = repo();
    const outside = tempDir('cmdns-out-');
    fs.symlinkSync(outside, path.join(dir, 'a/link'));
    expect(() =>
      writeFilesAtomically(dir, [
        { path: 'a/one.yaml', after: '1\n' },
        { path: 'a/new/two.yaml', after: '2\n' },
        { path: 'a/link/three.yaml', after: '3\n' },
      ]),
    ).toThrow('a/link/three.yaml: a symbolic link leads out of the repository');
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(listing(dir)).toEqual(['a', 'a/link', 'a/old.yaml']);
    // many files into the same new folders: each folder made once
    writeFilesAtomically(dir, [
      { path: 'b/c/one.yaml', after: '1\n' },
      { path: 'b/c/two.yaml', after: '2\n' },
      { path: 'b/d/three.yaml', after: '3\n' },
    ]);
    expect(listing(path.join(dir, 'b'))).toEqual([
      'c',
      'c/one.yaml',
      'c/two.yaml',
      'd',
      'd/three.yaml',
    ]);
  });
});
