#!/usr/bin/env node
// Proves that the repository installs one coherent Backstage release:
//  - every @backstage/* package in yarn.lock resolves to exactly one version;
//  - that version is the one pinned in the root package.json "resolutions";
//  - every pinned package is actually installed (no stale pins);
//  - workspace manifests name @backstage/* dependencies by that exact version;
//  - yarn.lock records no download URLs.
// Exit 1 with one line per problem.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootManifest = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
);
const lock = readFileSync(join(root, 'yarn.lock'), 'utf8');
const pins = Object.fromEntries(
  Object.entries(rootManifest.resolutions ?? {}).filter(([n]) =>
    n.startsWith('@backstage/'),
  ),
);
const problems = [];

const installed = new Map();
for (const m of lock.matchAll(
  /^"?(@backstage\/[^@"]+)@npm:[^\n]*\n {2}version: ([^\n]+)/gm,
)) {
  if (!installed.has(m[1])) installed.set(m[1], new Set());
  installed.get(m[1]).add(m[2]);
}
for (const [name, versions] of installed) {
  if (versions.size > 1)
    problems.push(
      `${name} is installed in ${versions.size} versions: ${[...versions].join(
        ', ',
      )}`,
    );
  if (!pins[name])
    problems.push(
      `${name} is installed but not pinned in package.json "resolutions"`,
    );
  else if (!versions.has(pins[name]))
    problems.push(
      `${name} is installed as ${[...versions]} but pinned to ${pins[name]}`,
    );
}
for (const name of Object.keys(pins)) {
  if (!installed.has(name))
    problems.push(
      `${name} is pinned in "resolutions" but not installed; remove the pin`,
    );
}

const manifests = ['packages', 'plugins'].flatMap(dir =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir))
        .map(d => join(root, dir, d, 'package.json'))
        .filter(f => existsSync(f))
    : [],
);
for (const file of [join(root, 'package.json'), ...manifests]) {
  const m = JSON.parse(readFileSync(file, 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(m[field] ?? {})) {
      if (name.startsWith('@backstage/') && range !== pins[name]) {
        problems.push(
          `${file.slice(
            root.length + 1,
          )}: ${field}.${name} is "${range}", expected the pinned "${
            pins[name]
          }"`,
        );
      }
    }
  }
}
if (/^\s+resolved "https?:\/\//m.test(lock) || /https?:\/\//.test(lock)) {
  problems.push('yarn.lock contains a URL; Yarn 4 lockfiles must not');
}

if (problems.length) {
  for (const p of problems) console.error(`backstage-versions: ${p}`);
  process.exit(1);
}
const release = JSON.parse(
  readFileSync(join(root, 'backstage.json'), 'utf8'),
).version;
console.log(
  `backstage-versions: ${installed.size} @backstage/* packages, one version each, Backstage ${release}`,
);
