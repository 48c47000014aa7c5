#!/usr/bin/env node
// Bundles the command into dist/clustermesh-dns.cjs: every dependency
// inside, nothing to resolve at run time and no TypeScript transform, so the
// package installs with no dependencies and starts fast.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(dir, 'dist/clustermesh-dns.cjs');
await build({
  entryPoints: [path.join(dir, 'src/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  legalComments: 'linked',
  // less to parse at every start; names are kept for readable stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // the packages the monorepo resolves from source: read them as TypeScript
  mainFields: ['module', 'main'],
});
fs.chmodSync(outfile, 0o644);
process.stdout.write(`bundled ${path.relative(process.cwd(), outfile)}\n`);
