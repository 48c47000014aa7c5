import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The layer rule of .eslintrc.js, tried on imports that climb and on
// imports that do not: `make test` lints with it, so a climbing import fails.
const packageDir = path.resolve(__dirname, '..');

/** The layer rule's messages for a source at a path, linted as `make test` lints. */
async function layerProblems(file: string, source: string) {
  const eslint = spawnSync(
    process.execPath,
    [
      path.join(require.resolve('eslint/package.json'), '../bin/eslint.js'),
      '--stdin',
      '--stdin-filename',
      path.join(packageDir, file),
      '--format',
      'json',
    ],
    { cwd: packageDir, input: source, encoding: 'utf8' },
  );
  const [result] = JSON.parse(eslint.stdout) as {
    messages: { ruleId: string | null; message: string }[];
  }[];
  return result.messages
    .filter(m => m.ruleId === 'import/no-restricted-paths')
    .map(m => m.message);
}

describe('the layers of the engine', () => {
  jest.setTimeout(120_000);

  it('refuses an import from a higher layer', async () => {
    expect(
      await layerProblems(
        'src/yaml/upward.ts',
        "import { buildMeshModel } from '../model/build';\n\nexport const x = buildMeshModel;\n",
      ),
    ).toEqual([expect.stringMatching(/the yaml layer may not import/)]);
    expect(
      await layerProblems(
        'src/model/upward.ts',
        "import { rules } from '../rules';\n\nexport const x = rules;\n",
      ),
    ).toHaveLength(1);
  });

  it('allows imports from the same and lower layers, and anything in tests', async () => {
    expect(
      await layerProblems(
        'src/model/downward.ts',
        "import { getPath } from '../core/paths';\nimport { locate } from '../yaml/locate';\n\nexport const x = [getPath, locate];\n",
      ),
    ).toEqual([]);
    expect(
      await layerProblems(
        'src/yaml/upward.test.ts',
        "import { buildMeshModel } from '../model/build';\n\nit('x', () => expect(buildMeshModel).toBeDefined());\n",
      ),
    ).toEqual([]);
  });
});
