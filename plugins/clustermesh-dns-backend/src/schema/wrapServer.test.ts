import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe("wrapServer's check of answers against the document", () => {
  it('fails a deliberately wrong answer, and passes a right one', async () => {
    const transform = require.resolve(
      '@backstage/cli/config/nodeTransform.cjs',
    );
    const { stdout } = await run(
      process.execPath,
      [
        '-r',
        transform,
        path.join(__dirname, '../__testUtils__/wrongAnswer.ts'),
      ],
      { cwd: path.resolve(__dirname, '../..'), timeout: 120_000 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .filter(l => l.startsWith('{'))
      .map(l => JSON.parse(l));
    expect(lines).toEqual([
      { path: '/sources', status: 200, failures: [] },
      {
        path: '/sources/example/report',
        status: 200,
        failures: [expect.stringContaining('Response body validation failed')],
      },
    ]);
    const [failure] = lines[1].failures;
    expect(failure).toContain('"GET /sources/{sourceId}/report" (200)');
    expect(failure).toContain('The "catalog" property is required');
    expect(failure).toMatch(/must be equal to one of the allowed values/);
  });
});
