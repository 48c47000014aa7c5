module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Everything the command imports is bundled into dist/ at build time,
    // so its packages are devDependencies: the published package has none.
    '@backstage/no-undeclared-imports': 'off',
  },
});
