/** A text matched literally inside a regular expression. @internal */
export const escapeRegExp = (text: string) =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a list is written in ascending order (as a person keeps keys or resources sorted). @internal */
export const keptInOrder = (list: readonly string[]) =>
  list.every((item, i) => i === 0 || list[i - 1] <= item);

/** Some items, for a message: the first few and how many more. @internal */
export function firstFew(items: readonly string[], shown = 3): string {
  return items.length > shown
    ? `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`
    : items.join(', ');
}

/** Items as a sentence lists them: `a`, `a and b`, `a, b and c`. @internal */
export function inWords(items: readonly string[]): string {
  return items.length > 1
    ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
    : items.join('');
}

/** A value read from YAML as a literal string (no variable, no template). */
export function literal(value: unknown): string | undefined {
  return typeof value === 'string' && value && !/\$\{|\{\{/.test(value)
    ? value
    : undefined;
}

/** A domain written out, as a domain filter or a settings entry holds it (`example.org`, `dev.home.arpa`). */
export const isDomainName = (text: string) =>
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(
    text,
  );
