module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // the scenes are tests declared by scene() (src/e2e.test.ts), which adds
    // what the browser showed and the backend said when one fails
    'jest/no-standalone-expect': [
      'error',
      { additionalTestBlockFunctions: ['scene'] },
    ],
  },
});
