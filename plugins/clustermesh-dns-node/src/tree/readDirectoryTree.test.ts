import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { readDirectoryTree } from './readDirectoryTree';

const tempRepo = () => tempDir('cmdns-tree-');

describe('readDirectoryTree', () => {
  it('lists files with POSIX paths, skipping .git and node_modules', () => {
    const dir = tempRepo();
    fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a/b/c.yaml'), 'k: v\n');
    fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref\n');
    fs.writeFileSync(path.join(dir, 'node_modules/x/y.yaml'), 'k: v\n');
    const tree = readDirectoryTree(dir);
    expect(tree.paths()).toEqual(['a/b/c.yaml']);
    expect(new TextDecoder().decode(tree.read('a/b/c.yaml'))).toBe('k: v\n');
    expect(tree.read('missing.yaml')).toBeUndefined();
  });

  it('follows links inside the repository and never outside it', () => {
    const dir = tempRepo();
    const outside = tempRepo();
    fs.writeFileSync(path.join(outside, 'secret.yaml'), 'password: x\n');
    fs.mkdirSync(path.join(dir, 'real'));
    fs.writeFileSync(path.join(dir, 'real/in.yaml'), 'k: v\n');
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'));
    fs.symlinkSync(
      path.join(outside, 'secret.yaml'),
      path.join(dir, 'leak.yaml'),
    );
    fs.symlinkSync(outside, path.join(dir, 'leakdir'));
    fs.symlinkSync(dir, path.join(dir, 'real/loop'));
    fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling.yaml'));
    const tree = readDirectoryTree(dir);
    expect(tree.paths()).toEqual(['alias/in.yaml', 'real/in.yaml']);
    expect(tree.read('leak.yaml')).toBeUndefined();
    expect(tree.read('leakdir/secret.yaml')).toBeUndefined();
  });

  it('does not follow a file replaced by a link after the listing', () => {
    const dir = tempRepo();
    const outside = tempRepo();
    fs.writeFileSync(path.join(outside, 'secret.yaml'), 'password: x\n');
    fs.mkdirSync(path.join(dir, 'apps'));
    fs.writeFileSync(path.join(dir, 'apps/a.yaml'), 'k: v\n');
    fs.writeFileSync(path.join(dir, 'apps/b.yaml'), 'k: w\n');
    const tree = readDirectoryTree(dir);
    fs.rmSync(path.join(dir, 'apps/b.yaml'));
    fs.symlinkSync(
      path.join(outside, 'secret.yaml'),
      path.join(dir, 'apps/b.yaml'),
    );
    expect(new TextDecoder().decode(tree.read('apps/a.yaml'))).toBe('k: v\n');
    expect(tree.read('apps/b.yaml')).toBeUndefined();
  });

  it('names the folder when it cannot be read', () => {
    expect(() => readDirectoryTree('/no/such/dir')).toThrow(
      /\/no\/such\/dir is not a readable directory/,
    );
    const dir = tempRepo();
    fs.writeFileSync(path.join(dir, 'f'), '');
    expect(() => readDirectoryTree(path.join(dir, 'f'))).toThrow(
      /not a directory/,
    );
  });

  it('refuses a folder with more files than the limit', () => {
    const dir = tempRepo();
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `f${i}`), '');
    expect(() => readDirectoryTree(dir, { maxFiles: 3 })).toThrow(
      /more than 3 files/,
    );
  });
});
