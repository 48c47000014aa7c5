/**
 * Name rules: DNS hostnames (RFC 1123) and Cilium cluster names.
 */

/** Placeholder written where a SOPS-encrypted value would go. @public */
export const secretPlaceholder = (name: string) => `<secret:${name}>`;

/** Matches the placeholders of {@link secretPlaceholder}. @public */
export const secretPlaceholderPattern = /<secret:([A-Za-z_][A-Za-z0-9_]*)>/g;

/**
 * The variables whose values a text holds as placeholders: values that are
 * not known offline (a SOPS or other Secret, a source made outside the
 * repository). Empty when the text is fully known.
 *
 * @public
 */
export function unknownVariables(text: unknown): string[] {
  if (typeof text !== 'string' || !text.includes('<secret:')) return [];
  return [...text.matchAll(secretPlaceholderPattern)].map(m => m[1]);
}

/**
 * Checks a DNS name as RFC 1123 (and Kubernetes, and ExternalDNS) want it:
 * at most 253 characters, dot-separated labels of 1-63 characters from
 * `a-z`, `0-9` and `-`, not starting or ending with `-`. Upper case and `_`
 * are refused: providers lower-case names and `_` is not a hostname
 * character. A trailing dot is accepted. Secret placeholders count as one
 * valid label each (or as several: a name with one is never "a single
 * label"), since their value is not known.
 *
 * @returns the first problem, or undefined when the name is valid
 * @public
 */
export function hostnameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  const fqdn = name.endsWith('.') ? name.slice(0, -1) : name;
  const unresolved = /\$\{[^}]*\}?/.exec(fqdn);
  if (unresolved) return `contains the unresolved variable ${unresolved[0]}`;
  const checked = fqdn.replace(secretPlaceholderPattern, 'secret');
  if (checked.length > 253)
    return `is ${checked.length} characters long (at most 253)`;
  const labels = checked.split('.');
  // a placeholder may stand for several labels (a whole domain)
  if (labels.length < 2 && checked === fqdn)
    return 'is a single label, not a fully qualified name';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label (two dots in a row)';
    if (label.length > 63)
      return `has the label "${label.slice(0, 20)}…" of ${
        label.length
      } characters (at most 63)`;
    if (/[A-Z]/.test(label)) return `has upper-case letters in "${label}"`;
    if (label.includes('_')) return `has "_" in "${label}"`;
    if (!/^[a-z0-9-]+$/.test(label)) {
      const bad = [...label].find(c => !/[a-z0-9-]/.test(c));
      return `has the character ${JSON.stringify(bad)} in "${label}"`;
    }
    if (label.startsWith('-') || label.endsWith('-'))
      return `has the label "${label}" starting or ending with "-"`;
  }
  return undefined;
}

/**
 * Cilium's rule for `cluster.name`: at most 32 characters of `a-z`, `0-9`
 * and `-`, beginning and ending with a letter or digit.
 *
 * @returns the first problem, or undefined when the name is valid
 * @public
 */
export function clusterNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  if (name.length > 32)
    return `is ${name.length} characters long (Cilium allows at most 32)`;
  if (!/^[a-z0-9-]+$/.test(name)) {
    const bad = [...name].find(c => !/[a-z0-9-]/.test(c));
    return `has the character ${JSON.stringify(
      bad,
    )} (Cilium allows a-z, 0-9 and "-")`;
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    return 'must begin and end with a letter or digit';
  }
  return undefined;
}

/** `apps-eu` → `APPS_EU`: how a cluster name appears inside a variable name. @public */
export function variableSegment(cluster: string): string {
  return cluster.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Whether a certificate name (an `extraDnsNames` entry) covers a host name:
 * equal, or a `*.` wildcard for exactly one label.
 *
 * @public
 */
export function certificateNameCovers(name: unknown, fqdn: string): boolean {
  if (typeof name !== 'string') return false;
  const host = fqdn.replace(/\.$/, '');
  return (
    name === host ||
    (name.startsWith('*.') &&
      host.slice(host.indexOf('.') + 1) === name.slice(2))
  );
}
