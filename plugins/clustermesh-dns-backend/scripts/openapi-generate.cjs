#!/usr/bin/env node
/* eslint-disable no-console */
// Generates the plugin's OpenAPI artefacts from src/schema/openapi.yaml:
//   src/schema/openapi.generated.ts  the document as a constant, for the validated router
//   src/schema/openapi.types.ts      TypeScript types (openapi-typescript)
// `repo-tools package schema openapi generate` needs Java; this needs npm only.
// src/schema/openapi.test.ts fails when the files are not current.
//   node scripts/openapi-generate.cjs          write them
//   node scripts/openapi-generate.cjs --check  exit 1 when they differ
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');
const prettier = require('prettier');

const root = path.resolve(__dirname, '..');
const files = {
  source: path.join(root, 'src/schema/openapi.yaml'),
  spec: path.join(root, 'src/schema/openapi.generated.ts'),
  types: path.join(root, 'src/schema/openapi.types.ts'),
};
const header = `// THIS FILE IS GENERATED from openapi.yaml by scripts/openapi-generate.cjs; do not edit.
// Regenerate: cd plugins/clustermesh-dns-backend && node scripts/openapi-generate.cjs\n`;

async function format(text) {
  const options = (await prettier.resolveConfig(files.spec)) ?? {};
  return prettier.format(text, { ...options, parser: 'typescript' });
}

/** The expected contents of both generated files. */
async function generate() {
  const text = fs.readFileSync(files.source, 'utf8');
  const document = yaml.parse(text);
  const { default: openapiTS, astToString } = require('openapi-typescript');
  const ast = await openapiTS(document, { alphabetize: false });
  return {
    [files.spec]: await format(
      `${header}/* eslint-disable */\n` +
        `export const spec = ${JSON.stringify(document, null, 2)} as const;\n`,
    ),
    [files.types]: await format(
      `${header}/* eslint-disable */\n${astToString(ast)}`,
    ),
  };
}

module.exports = { generate, files };

if (require.main === module) {
  generate().then(
    outputs => {
      const check = process.argv.includes('--check');
      let stale = 0;
      for (const [file, content] of Object.entries(outputs)) {
        const current = fs.existsSync(file)
          ? fs.readFileSync(file, 'utf8')
          : '';
        if (current === content) continue;
        stale++;
        if (check) console.error(`${path.relative(root, file)} is not current`);
        else fs.writeFileSync(file, content);
      }
      if (check && stale) process.exit(1);
      if (!check) console.log(`wrote ${stale} file(s)`);
    },
    error => {
      console.error(error);
      process.exit(1);
    },
  );
}
