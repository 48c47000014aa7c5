import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The command as a user installs it: the package packed by npm, installed
// offline in an empty folder outside the monorepo, run from there. It has
// no dependencies: the bundle holds everything.
const packageDir = path.resolve(__dirname, '..');
const examples = path.resolve(packageDir, '../../examples');

describe('the published clustermesh-dns command', () => {
  jest.setTimeout(300_000);
  let installed: string;
  let work: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-package-'));
    execFileSync(process.execPath, ['scripts/bundle.mjs'], {
      cwd: packageDir,
      stdio: 'pipe',
    });
    const packed = execFileSync(
      'npm',
      ['pack', '--silent', '--pack-destination', work],
      { cwd: packageDir, encoding: 'utf8' },
    ).trim();
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true }),
    );
    execFileSync(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        path.join(work, packed.split('\n').pop()!),
      ],
      { cwd: project, stdio: 'pipe' },
    );
    installed = path.join(project, 'node_modules/.bin/clustermesh-dns');
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('has no dependencies to install', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
    );
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(
      fs.readdirSync(path.join(path.dirname(installed), '..')).sort(),
    ).toEqual(['.bin', '.package-lock.json', '@clustermesh-dns']);
  });

  it('runs from the install with the documented exit status', () => {
    const ok = spawnSync(
      installed,
      ['validate', path.join(examples, 'gitops-repo')],
      { encoding: 'utf8', cwd: os.tmpdir() },
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('ClusterMesh DNS:');
    const before = spawnSync(
      installed,
      [
        'validate',
        path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
        '--format',
        'json',
      ],
      { encoding: 'utf8', cwd: os.tmpdir() },
    );
    expect(before.status).toBe(1);
    expect(JSON.parse(before.stdout).summary.status).toBe('fail');
    const usage = spawnSync(installed, ['validate'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/exactly one <repo-dir>/);
  });

  it('runs the bundle, not TypeScript sources', () => {
    const target = fs.realpathSync(installed);
    const bundle = path.resolve(
      path.dirname(target),
      '../dist/clustermesh-dns.cjs',
    );
    expect(fs.existsSync(bundle)).toBe(true);
    expect(fs.existsSync(path.resolve(path.dirname(target), '../src'))).toBe(
      false,
    );
  });
});
