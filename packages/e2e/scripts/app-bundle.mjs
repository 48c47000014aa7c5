#!/usr/bin/env node
// The app's production build (packages/app/dist), which the backend serves in
// the end-to-end suite: built when it is missing or older than its sources,
// otherwise left alone. The stamp (a hash of the sources that go into the
// bundle) is written inside dist, so any other build of the app (make build)
// replaces it and the next run builds again. One build at a time (flock).
//   node packages/e2e/scripts/app-bundle.mjs     (the suite runs it before it starts the backend)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../..',
);
const appDir = path.join(root, 'packages/app');
const dist = path.join(appDir, 'dist');
const stampFile = path.join(dist, '.e2e-bundle-stamp');
const log = message => process.stderr.write(`[app-bundle] ${message}\n`);

// One build at a time: concurrent runs of the suite share packages/app/dist.
if (!process.env.CMDNS_APP_BUNDLE_LOCKED) {
  const flock = ['/usr/bin/flock', '/bin/flock'].find(f => fs.existsSync(f));
  if (flock) {
    const lockDir = path.join(root, '.tools');
    fs.mkdirSync(lockDir, { recursive: true });
    const result = spawnSync(
      flock,
      [
        path.join(lockDir, 'app-bundle.lock'),
        process.execPath,
        fileURLToPath(import.meta.url),
      ],
      {
        stdio: 'inherit',
        env: { ...process.env, CMDNS_APP_BUNDLE_LOCKED: '1' },
      },
    );
    process.exit(result.status ?? 1);
  }
}

/** Workspace packages by name. */
function workspaces() {
  const byName = new Map();
  for (const group of ['packages', 'plugins']) {
    const dir = path.join(root, group);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) {
      const manifest = path.join(dir, entry, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      byName.set(
        JSON.parse(fs.readFileSync(manifest, 'utf8')).name,
        path.join(dir, entry),
      );
    }
  }
  return byName;
}

/** The app and every workspace package it depends on, transitively. */
function bundledPackages() {
  const byName = workspaces();
  const seen = new Set();
  const queue = [appDir];
  while (queue.length) {
    const dir = queue.shift();
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'package.json'), 'utf8'),
    );
    for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
      if (String(range).startsWith('workspace:') && byName.has(name))
        queue.push(byName.get(name));
  }
  return [...seen].sort();
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function wantedStamp() {
  const hash = createHash('sha256');
  const files = [
    path.join(root, 'yarn.lock'),
    path.join(root, 'app-config.yaml'),
  ];
  for (const dir of bundledPackages()) {
    files.push(path.join(dir, 'package.json'));
    for (const sub of ['src', 'public'])
      files.push(...filesUnder(path.join(dir, sub)));
    if (fs.existsSync(path.join(dir, 'config.d.ts')))
      files.push(path.join(dir, 'config.d.ts'));
  }
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update('\0');
    hash.update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const want = wantedStamp();
const have = fs.existsSync(stampFile)
  ? fs.readFileSync(stampFile, 'utf8').trim()
  : '';
if (have === want && fs.existsSync(path.join(dist, 'index.html.tmpl'))) {
  log('packages/app/dist is up to date');
  process.exit(0);
}
log('building the app (packages/app/dist): backstage-cli package build');
const require = createRequire(path.join(appDir, 'package.json'));
const cli = require.resolve('@backstage/cli/bin/backstage-cli');
const started = Date.now();
const result = spawnSync(process.execPath, [cli, 'package', 'build'], {
  cwd: appDir,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, NODE_ENV: 'production' },
});
if (result.status !== 0) {
  log(`the app build failed (${result.status ?? result.signal})`);
  process.exit(1);
}
fs.writeFileSync(stampFile, `${want}\n`);
log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
