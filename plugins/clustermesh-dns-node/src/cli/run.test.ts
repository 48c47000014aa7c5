import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { runCli } from './run';

const root = path.resolve(__dirname, '../../../..');
const examples = path.join(root, 'examples');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: t => out.push(t),
    stderr: t => err.push(t),
    cwd: root,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('clustermesh-dns validate', () => {
  it('exits 0 on the example repository and prints one row per cluster', async () => {
    const { code, stdout, stderr } = await cli(
      'validate',
      'examples/gitops-repo',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^CLUSTER\s+FQDN\s+LB IP\s+POOL\s+RECORD/m);
    expect(stdout).toMatch(
      /^infra\s+clustermesh-infra\.<secret:SECRET_DOMAIN>\s+10\.\d+\.\d+\.\d+\s.*\sok$/m,
    );
    expect(stdout).toMatch(/^apps\s+clustermesh-apps\./m);
    expect(stdout).not.toMatch(/FAIL/);
  });

  it('exits 1 on the repository before the change and names each failing rule', async () => {
    const { code, stdout } = await cli(
      'validate',
      'examples/gitops-repo-before',
    );
    expect(code).toBe(1);
    for (const rule of [
      'settings-present',
      'peers-complete',
      'dnsendpoint-matches',
      'peers-by-fqdn',
      'tls-san',
    ])
      expect(stdout).toContain(`[${rule}]`);
    expect(stdout).toMatch(/kubernetes\/[^\s]+\.yaml:\d+/);
  });

  it('prints the MeshReport as JSON', async () => {
    const { code, stdout } = await cli(
      'validate',
      'examples/gitops-repo-before',
      '--format',
      'json',
    );
    expect(code).toBe(1);
    const report: MeshReport = JSON.parse(stdout);
    expect(report.version).toBe(1);
    expect(report.clusters.map(c => c.name).sort()).toEqual(['apps', 'infra']);
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(report.summary.status).toBe('fail');
  });

  it('reads the repository conventions file, or the one given by --config', async () => {
    const fixture = path.join(
      root,
      'plugins/clustermesh-dns-common/fixtures/ks-layout',
    );
    expect((await cli('validate', fixture)).code).toBe(0);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-cli-'));
    const config = path.join(dir, 'conventions.yaml');
    fs.writeFileSync(config, 'recordTtl: -5\n');
    const bad = await cli('validate', fixture, '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(config);
    expect(bad.stderr).toMatch(/recordTtl/);
  });

  it.each([
    [[], /Usage/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['validate'], /exactly one <repo-dir>/],
    [['validate', 'a', 'b'], /exactly one <repo-dir>/],
    [
      ['validate', 'examples/gitops-repo', '--format', 'xml'],
      /--format must be text or json, not "xml"/,
    ],
    [['validate', 'examples/gitops-repo', '--bogus'], /bogus/],
    [
      ['validate', 'examples/no-such-repo'],
      /no-such-repo is not a readable directory/,
    ],
    [
      ['validate', 'examples/gitops-repo', '--config', 'nope.yaml'],
      /nope\.yaml.*cannot be read/,
    ],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { code, stderr } = await cli(...(argv as string[]));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('runs as a command with the documented exit status', () => {
    const bin = path.join(
      root,
      'plugins/clustermesh-dns-node/bin/clustermesh-dns',
    );
    const ok = execFileSync(
      process.execPath,
      [bin, 'validate', path.join(examples, 'gitops-repo')],
      { encoding: 'utf8' },
    );
    expect(ok).toContain('ClusterMesh DNS:');
    const before = spawnSync(
      process.execPath,
      [
        bin,
        'validate',
        path.join(examples, 'gitops-repo-before'),
        '--format',
        'json',
      ],
      { encoding: 'utf8' },
    );
    expect(before.status).toBe(1);
    expect(JSON.parse(before.stdout).summary.status).toBe('fail');
    expect(
      spawnSync(process.execPath, [bin, 'validate'], { encoding: 'utf8' })
        .status,
    ).toBe(2);
  });
});
