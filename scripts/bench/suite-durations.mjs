#!/usr/bin/env node
// How long each part of `make test` took in its last run, for
// docs/benchmarks.md: the static checks (scripts/test.sh records them in
// .tools/test-steps.tsv) and every Jest suite by package (from the results
// file scripts/test.sh writes, .tools/jest-results.json).
//   node scripts/bench/suite-durations.mjs          prints the section
//   node scripts/bench/suite-durations.mjs --write  replaces it in docs/benchmarks.md
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const heading = '## How long `make test` takes';

/** The section, or undefined when `make test` has not run here. */
export function suiteDurationsSection() {
  const resultsFile = path.join(root, '.tools/jest-results.json');
  if (!fs.existsSync(resultsFile)) return undefined;
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const byPackage = new Map();
  let first = Infinity;
  let last = 0;
  for (const suite of results.testResults) {
    const relative = path.relative(root, suite.name);
    const pkg = relative.split(path.sep).slice(0, 2).join('/');
    const entry = byPackage.get(pkg) ?? { suites: 0, tests: 0, ms: 0 };
    entry.suites += 1;
    entry.tests += suite.assertionResults.length;
    entry.ms += suite.endTime - suite.startTime;
    byPackage.set(pkg, entry);
    first = Math.min(first, suite.startTime);
    last = Math.max(last, suite.endTime);
  }
  const seconds = ms => (ms / 1000).toFixed(0);
  const stepsFile = path.join(root, '.tools/test-steps.tsv');
  const steps = fs.existsSync(stepsFile)
    ? fs
        .readFileSync(stepsFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('\t'))
    : [];
  return `${heading}

The last \`make test\` on this machine (${new Date(first)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')} UTC): each step of \`scripts/test.sh\` (provisioning by
\`make setup\` comes before it and is not counted: on a fresh clone here the
whole \`.ci/run\`, provisioning included, takes about 8–12 minutes), then the
Jest suites by package. Jest runs two workers, so the suites' times add up to
more than the wall time.

| Step | Seconds |
|---|---:|
${steps.map(([name, s]) => `| ${name} | ${s} |`).join('\n')}

| Package | Suites | Tests | Suite time, summed (s) |
|---|---:|---:|---:|
${[...byPackage]
  .sort((a, b) => b[1].ms - a[1].ms)
  .map(
    ([pkg, e]) =>
      `| \`${pkg}\` | ${e.suites} | ${e.tests} | ${seconds(e.ms)} |`,
  )
  .join('\n')}

Jest wall time: ${seconds(last - first)} s for ${
    results.numTotalTests
  } tests in ${results.numTotalTestSuites} suites.
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = suiteDurationsSection();
  if (!section) {
    console.error('no .tools/jest-results.json: run make test first');
    process.exit(1);
  }
  if (process.argv.includes('--write')) {
    const file = path.join(root, 'docs/benchmarks.md');
    const text = fs.readFileSync(file, 'utf8');
    const at = text.indexOf(heading);
    const next = at < 0 ? -1 : text.indexOf('\n## ', at + heading.length);
    const updated =
      at < 0
        ? `${text.trimEnd()}\n\n${section}`
        : `${text.slice(0, at)}${section}${
            next < 0 ? '' : text.slice(next + 1)
          }`;
    fs.writeFileSync(file, updated);
  } else process.stdout.write(section);
}
