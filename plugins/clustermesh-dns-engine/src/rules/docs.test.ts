import fs from 'node:fs';
import path from 'node:path';
import { rules } from '.';
import { ruleDocPage, ruleTable } from './docs';

// prettier 2 ships no types of its own
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prettier = require('prettier') as {
  format(text: string, options: object): string;
  resolveConfig: { sync(file: string): object | null };
};

// The committed rule docs are generated from the registry; run the tests
// with UPDATE_RULE_DOCS=1 to write them again after changing a rule.
const packageDir = path.resolve(__dirname, '../..');
const update = process.env.UPDATE_RULE_DOCS === '1';
const start =
  '<!-- rules:start (generated from src/rules; UPDATE_RULE_DOCS=1) -->';
const end = '<!-- rules:end -->';

/** As `prettier --check .` wants the file. */
function formatted(file: string, text: string): string {
  const options = prettier.resolveConfig.sync(file) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** The committed text of a file and the generated one (written first when updating). */
function committedAndGenerated(file: string, generated: string) {
  const expected = formatted(file, generated);
  if (update) fs.writeFileSync(file, expected);
  return { committed: fs.readFileSync(file, 'utf8'), expected };
}

describe('rule docs', () => {
  it.each(rules.map(r => [r.id, r] as const))(
    'docs/rules/%s.md is the page the registry gives',
    (id, rule) => {
      fs.mkdirSync(path.join(packageDir, 'docs/rules'), { recursive: true });
      const { committed, expected } = committedAndGenerated(
        path.join(packageDir, `docs/rules/${id}.md`),
        ruleDocPage(rule),
      );
      expect(committed).toBe(expected);
    },
  );

  it('the README lists every rule, as the registry gives it', () => {
    const file = path.join(packageDir, 'README.md');
    const readme = fs.readFileSync(file, 'utf8');
    const from = readme.indexOf(start);
    const to = readme.indexOf(end);
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    const { committed, expected } = committedAndGenerated(
      file,
      `${readme.slice(0, from + start.length)}\n\n${ruleTable(
        rules,
      )}\n\n${readme.slice(to)}`,
    );
    expect(committed).toBe(expected);
  });

  it('has no page for a rule that is gone, and a test beside every rule', () => {
    const pages = fs
      .readdirSync(path.join(packageDir, 'docs/rules'))
      .map(f => f.replace(/\.md$/, ''));
    expect(pages.sort()).toEqual(rules.map(r => r.id).sort());
    for (const rule of rules)
      expect(fs.existsSync(path.join(__dirname, `${rule.id}.test.ts`))).toBe(
        true,
      );
  });
});
