import fs from 'node:fs';
import path from 'node:path';
import { runCli } from './cli/run';

// The command's output on every example and fixture, kept in golden/current:
// a change to what users see shows in the diff of these files. Run the test
// with UPDATE_GOLDEN=1 to write them again. golden/<base> holds the same
// outputs of an earlier commit, for the record of what an issue changed.
const root = path.resolve(__dirname, '../../..');
const goldenDir = path.resolve(__dirname, '../golden/current');
const update = process.env.UPDATE_GOLDEN === '1';

/** Every repository a user can try, by a short name. */
const goldenRepositories: Record<string, string> = {
  'gitops-repo': 'examples/gitops-repo',
  'gitops-repo-before': 'examples/templates/clustermesh-dns/gitops-repo-before',
  'ks-layout': 'plugins/clustermesh-dns-engine/fixtures/ks-layout',
};

const outputs = Object.entries(goldenRepositories).flatMap(([name, repo]) => [
  [`${name}.txt`, ['validate', repo]],
  [`${name}.verbose.txt`, ['validate', repo, '--verbose']],
  [`${name}.json`, ['validate', repo, '--format', 'json']],
]) as [string, string[]][];
// the secret domain given, as a team's CI would
outputs.push([
  'gitops-repo.domain.txt',
  [
    'validate',
    goldenRepositories['gitops-repo'],
    '--value',
    'SECRET_DOMAIN=example.net',
  ],
]);

describe('the output of clustermesh-dns on every example and fixture', () => {
  it.each(outputs)('%s is the golden one', async (file, argv) => {
    const out: string[] = [];
    await runCli(argv, {
      stdout: t => out.push(t),
      stderr: t => out.push(t),
      cwd: root,
    });
    const text = `${out.join('\n')}\n`;
    const golden = path.join(goldenDir, file);
    if (update) {
      fs.mkdirSync(goldenDir, { recursive: true });
      fs.writeFileSync(golden, text);
    }
    expect(text).toBe(fs.readFileSync(golden, 'utf8'));
  });
});
