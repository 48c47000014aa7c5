/**
 * What a substitution outcome depended on, so a remembered outcome is
 * reused only while its inputs still hold.
 */

/** Per variable: name, its value then, and whether the value (not only being defined) mattered. @internal */
export type Dependencies = Array<[string, string | undefined, boolean]>;

/** What an outcome recorded about one variable. */
export function dependencyOn(
  dependencies: Dependencies | undefined,
  name: string,
): Dependencies[number] | undefined {
  if (dependencies)
    for (const dependency of dependencies)
      if (dependency[0] === name) return dependency;
  return undefined;
}

export function dependenciesHold(
  last: { dependencies: Dependencies },
  lookup: (name: string) => string | undefined,
): boolean {
  for (const [name, then, valueUsed] of last.dependencies) {
    const now = lookup(name);
    if (valueUsed ? now !== then : (now === undefined) !== (then === undefined))
      return false;
  }
  return true;
}
