import fs from 'node:fs';
import path from 'node:path';
import { rules } from './rules/catalog';

describe('README', () => {
  const readme = fs.readFileSync(
    path.resolve(__dirname, '../README.md'),
    'utf8',
  );
  const rows = readme
    .split('\n')
    .map(line => line.split('|').map(cell => cell.trim()));

  it.each(rules.map(r => [r.id, r]))(
    'documents the rule %s with its severity and fix',
    (id, rule) => {
      const cells = rows.find(row => row[1] === `\`${id}\``);
      expect(cells).toBeDefined();
      expect(cells![2]).toBe(rule.severity);
      expect(cells![5].length).toBeGreaterThan(10);
    },
  );
});
