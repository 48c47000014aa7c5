import fs from 'node:fs';
import path from 'node:path';
import { ConventionsError } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import { tempDir } from './__testUtils__/tempDir';
import { readDirectoryTree } from './tree/readDirectoryTree';
import { defaultConventionsFile, loadConventions } from './conventions';

function repository(files: Record<string, string>): string {
  const dir = tempDir('cmdns-conventions-');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('loadConventions: the branch read', () => {
  const load = (dir: string, branch?: string) =>
    loadConventions(readDirectoryTree(dir), dir, undefined, { branch });

  it("takes the branch of the folder's checkout, and says where from", () => {
    const dir = repository({ '.git/HEAD': 'ref: refs/heads/main\n' });
    const conventions = load(dir);
    expect(conventions.flux.branch).toBe('main');
    expect(
      conventions.provenance?.find(p => p.setting === 'flux.branch'),
    ).toMatchObject({
      source: 'detected',
      value: 'main',
      reason: expect.stringMatching(
        /^the folder is a checkout of branch main \(\.git\/HEAD\)/,
      ),
    });
  });

  it("follows a worktree's .git file to its HEAD, and knows no branch on a detached HEAD or outside a checkout", () => {
    const root = repository({
      'repo/.git': 'gitdir: ../meta/worktrees/wt\n',
      'meta/worktrees/wt/HEAD': 'ref: refs/heads/feature/clustermesh\n',
    });
    const dir = path.join(root, 'repo');
    expect(load(dir).flux.branch).toBe('feature/clustermesh');
    const detached = repository({
      '.git/HEAD': '3e33a758bdb58c0758748194c51e948bfcb5efe4\n',
    });
    expect(load(detached).flux.branch).toBeUndefined();
    expect(load(repository({ 'README.md': '#\n' })).flux.branch).toBe(
      undefined,
    );
  });

  it("lets the branch given to the run win over the checkout's, keeping the file's other Flux settings", () => {
    const dir = repository({
      '.git/HEAD': 'ref: refs/heads/main\n',
      [defaultConventionsFile]: 'flux:\n  sourceNames: [home-ops]\n',
    });
    const conventions = load(dir, 'development');
    expect(conventions.flux.branch).toBe('development');
    expect(conventions.flux.sourceNames).toEqual(['home-ops']);
    expect(
      conventions.provenance?.find(p => p.setting === 'flux.branch'),
    ).toMatchObject({ source: 'conventions', reason: 'given to this run' });
  });
});

describe('loadConventions', () => {
  it('reads the repository’s conventions file', () => {
    const dir = repository({
      [defaultConventionsFile]:
        'dns:\n  ttl: 600\nvalues:\n  SECRET_DOMAIN: a.example\n',
    });
    const conventions = loadConventions(readDirectoryTree(dir), dir);
    expect(conventions.dns.ttl).toBe(600);
    expect(conventions.values).toEqual({ SECRET_DOMAIN: 'a.example' });
  });

  it('lets given values win over the file’s, and keeps the file’s others', () => {
    const dir = repository({
      [defaultConventionsFile]:
        'values:\n  SECRET_DOMAIN: a.example\n  OTHER: kept\n',
    });
    const conventions = loadConventions(
      readDirectoryTree(dir),
      dir,
      undefined,
      {
        values: { SECRET_DOMAIN: 'b.example' },
      },
    );
    expect(conventions.values).toEqual({
      SECRET_DOMAIN: 'b.example',
      OTHER: 'kept',
    });
  });

  it('takes given values without any conventions file', () => {
    const dir = repository({ 'README.md': '# no conventions here\n' });
    const conventions = loadConventions(
      readDirectoryTree(dir),
      dir,
      undefined,
      {
        values: { SECRET_DOMAIN: 'c.example' },
      },
    );
    expect(conventions.values).toEqual({ SECRET_DOMAIN: 'c.example' });
  });

  it('lets a template given to the run win over the file’s and says so', () => {
    const dir = repository({
      [defaultConventionsFile]:
        'fqdnTemplate: "clustermesh-{cluster}.a.example"\n',
    });
    const conventions = loadConventions(
      readDirectoryTree(dir),
      dir,
      undefined,
      { fqdnTemplate: '{cluster}.mesh.${SECRET_DOMAIN}' },
    );
    expect(conventions.fqdnTemplate).toBe('{cluster}.mesh.${SECRET_DOMAIN}');
    expect(
      conventions.provenance?.find(p => p.setting === 'fqdnTemplate'),
    ).toEqual({
      setting: 'fqdnTemplate',
      value: '{cluster}.mesh.${SECRET_DOMAIN}',
      source: 'conventions',
      reason: 'given to this run',
    });
  });

  it('keeps the file’s template when the run gives none', () => {
    const dir = repository({
      [defaultConventionsFile]:
        'fqdnTemplate: "clustermesh-{cluster}.a.example"\n',
    });
    const conventions = loadConventions(readDirectoryTree(dir), dir);
    expect(conventions.fqdnTemplate).toBe('clustermesh-{cluster}.a.example');
    expect(
      conventions.provenance?.find(p => p.setting === 'fqdnTemplate')?.reason,
    ).toBe(`set in ${defaultConventionsFile}`);
  });

  it("reads unencrypted Secrets' values where the run asks (the CLI), unless the file says not to", () => {
    const plain = repository({});
    const load = (dir: string, readPlainSecrets?: boolean) =>
      loadConventions(readDirectoryTree(dir), dir, undefined, {
        readPlainSecrets,
      }).flux.readPlainSecrets;
    expect(load(plain)).toBe(false);
    expect(load(plain, true)).toBe(true);
    const refusing = repository({
      [defaultConventionsFile]: 'flux:\n  readPlainSecrets: false\n',
    });
    expect(load(refusing, true)).toBe(false);
  });

  it('names the file that cannot be read', () => {
    const dir = repository({});
    const missing = path.join(dir, 'nope.yaml');
    expect(() => loadConventions(readDirectoryTree(dir), dir, missing)).toThrow(
      ConventionsError,
    );
    expect(() => loadConventions(readDirectoryTree(dir), dir, missing)).toThrow(
      /nope\.yaml.*cannot be read/s,
    );
  });
});
