/** A text matched literally inside a regular expression. @internal */
export const escapeRegExp = (text: string) =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a list is written in ascending order (as a person keeps keys or resources sorted). @internal */
export const keptInOrder = (list: readonly string[]) =>
  list.every((item, i) => i === 0 || list[i - 1] <= item);
