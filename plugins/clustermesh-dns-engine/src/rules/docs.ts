import { defaultConventions } from '../conventions/schema';
import type { Rule } from './rule';

/**
 * The rule documentation, generated from the registry: one page per rule
 * (`docs/rules/<id>.md`) and the table of the README. A test keeps the
 * committed files equal to these.
 */

/** The page of one rule, with the default conventions in its remediation. @public */
export function ruleDocPage(rule: Rule): string {
  const messages = Object.entries(rule.messages as Record<string, string>)
    .map(([id, text]) => `| \`${id}\` | ${text.replace(/\|/g, '\\|')} |`)
    .join('\n');
  return `# \`${rule.id}\`: ${rule.title}

| Severity | Scope |
| --- | --- |
| ${rule.severity} | ${
    rule.scope === 'mesh' ? 'the whole mesh' : 'each cluster'
  } |

## What it checks

${rule.description}

## How to fix a failure

${rule.remediation(defaultConventions)}

The report words this with the repository's own conventions (paths and
variable names); the text above uses the defaults.

## Messages

\`{{name}}\` stands for a value of the repository; \`{{name:noun}}\` for a
count with its noun (\`1 peer\`, \`2 peers\`).

| Id | Message |
| --- | --- |
${messages}
`;
}

/** The README table of every rule, linking each page. @public */
export function ruleTable(rules: readonly Rule[]): string {
  const rows = rules.map(
    r =>
      `| [\`${r.id}\`](docs/rules/${r.id}.md) | ${r.severity} | ${
        r.scope
      } | ${r.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '| Rule | Severity | Scope | Checks |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
