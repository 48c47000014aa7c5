#!/usr/bin/env node
// Every changeset names packages of this workspace with a bump Changesets
// knows: a name no package has makes `changeset version` fail at release
// time, long after the change was merged.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
);
const workspaces = ['packages', 'plugins'].flatMap(dir =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter(d => d.isDirectory())
    .map(d => path.join(root, dir, d.name, 'package.json'))
    .filter(f => fs.existsSync(f)),
);
const names = new Set(
  workspaces.map(f => JSON.parse(fs.readFileSync(f, 'utf8')).name),
);
const bumps = new Set(['patch', 'minor', 'major']);
const dir = path.join(root, '.changeset');
const problems = [];
for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.md'))) {
  if (file === 'README.md') continue;
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!front) {
    problems.push(`.changeset/${file}: no front matter (--- … ---)`);
    continue;
  }
  front[1].split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const entry = /^['"]?([^'":]+)['"]?\s*:\s*(\w+)\s*$/.exec(line);
    const where = `.changeset/${file}:${i + 2}`;
    if (!entry) problems.push(`${where}: not \`'<package>': <bump>\`: ${line}`);
    else if (!names.has(entry[1]))
      problems.push(`${where}: ${entry[1]} is no package of this workspace`);
    else if (!bumps.has(entry[2]))
      problems.push(`${where}: bump ${entry[2]} is not patch, minor or major`);
  });
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `changesets: every entry names one of the ${names.size} workspace packages`,
);
