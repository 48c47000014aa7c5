import { isRecord } from '../core/paths';

/** The ref keys of a GitRepository, in the order Flux prefers them. */
const refKeys = ['commit', 'name', 'semver', 'tag', 'branch'] as const;

/**
 * A full Git reference as a person says it: `refs/heads/main` is branch
 * main (a GitRepository's `spec.ref.name`, a FluxInstance's sync ref), so
 * that sources on one branch agree however they name it.
 */
export function fullGitRef(ref: string): string {
  const named = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  return named
    ? `${named[1] === 'heads' ? 'branch' : 'tag'} ${named[2]}`
    : `ref ${ref}`;
}

/** A GitRepository's `spec.ref` as a person says it (`branch edge`), and the key that says it. */
export function gitRefOf(ref: unknown): { text: string; key?: string } {
  const key = isRecord(ref)
    ? refKeys.find(k => typeof ref[k] === 'string')
    : undefined;
  if (!key) return { text: 'its default branch' };
  const value = (ref as Record<string, string>)[key];
  return { text: key === 'name' ? fullGitRef(value) : `${key} ${value}`, key };
}

/** A Git URL without what differs between ways of writing the same repository (scheme, user, `.git`, case). */
export function sameRepository(url: string): string {
  return url
    .trim()
    .replace(/^[a-z+]+:\/\//i, '')
    .replace(/^[^@/]+@/, '')
    .replace(/^([^/:]+):(?!\d)/, '$1/')
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}
