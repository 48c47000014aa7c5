// Layers of the engine, lowest first: a file may import from its own layer
// and the layers below it, never from one above (tests may import anything).
const layers = [
  'core',
  'tree',
  'yaml',
  'k8s',
  'flux',
  'cilium',
  'cache',
  'conventions',
  'model',
  'rules',
  'report',
  'plan',
  'testUtils',
];

const zones = layers.slice(0, -1).map((layer, i) => ({
  target: `./src/${layer}`,
  from: layers.slice(i + 1).map(above => `./src/${above}`),
  message: `the ${layer} layer may not import a higher layer (order: ${layers.join(
    ' < ',
  )})`,
}));

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  overrides: [
    {
      files: ['src/**/*.ts'],
      excludedFiles: ['**/*.test.ts', 'src/__testUtils__/**'],
      settings: {
        // resolve `../model/build` to its .ts file, so the zones see it
        'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
      },
      rules: {
        'import/no-restricted-paths': ['error', { zones, basePath: __dirname }],
      },
    },
    {
      // helpers named expect… assert (expectSame, expectCacheAgrees)
      files: ['src/**/*.test.ts'],
      rules: {
        'jest/expect-expect': [
          'warn',
          { assertFunctionNames: ['expect', 'expect*'] },
        ],
      },
    },
  ],
});
