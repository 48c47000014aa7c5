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
