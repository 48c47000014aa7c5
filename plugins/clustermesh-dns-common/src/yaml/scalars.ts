import { isScalar, parseDocument } from 'yaml';

/**
 * How Go's yaml.v2 (used by kustomize and kustomize-controller to turn a
 * resource into the YAML text that Flux substitutes) writes a string.
 * Flux runs envsubst on that text and parses the result again, so the style
 * decides what a substituted value becomes: a plain `${PORT}` turns into the
 * number 2379, a `#` in a plain value starts a comment.
 */
export type GoYamlStyle = 'plain' | 'single' | 'double' | 'literal';

const yaml11 = { version: '1.1' as const };

/** The YAML 1.1 value of a plain scalar's text (as yaml.v2 resolves it). */
function resolvesToString(text: string): boolean {
  const doc = parseDocument(`v: ${text}\n`, yaml11);
  if (doc.errors.length) return false;
  const value = (doc.contents as any)?.items?.[0]?.value;
  return (
    isScalar(value) && typeof value.value === 'string' && value.value === text
  );
}

const indicators = new Set([...`-?:,[]{}#&*!|>'"%@\``]);

/** The style yaml.v2 picks for a string value. */
export function goYamlStyle(value: string): GoYamlStyle {
  if (value.includes('\n')) return 'literal';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/.test(value))
    return 'double';
  if (
    value === '' ||
    /^\s|\s$/.test(value) ||
    indicators.has(value[0]) ||
    value.includes(': ') ||
    value.includes(' #') ||
    value.endsWith(':') ||
    value.includes('\t')
  ) {
    return 'single';
  }
  // Strings that YAML would read as null, bool or a number are quoted.
  return resolvesToString(value) ? 'plain' : 'double';
}

/** Writes a string in the given style as a single-line (or literal block) scalar. */
export function writeGoYamlScalar(value: string, style: GoYamlStyle): string {
  switch (style) {
    case 'plain':
      return value;
    case 'single':
      return `'${value.replace(/'/g, "''")}'`;
    case 'double':
      return JSON.stringify(value);
    case 'literal':
      return `|-\n${value
        .split('\n')
        .map(line => `  ${line}`)
        .join('\n')}`;
    default:
      return value;
  }
}

/** Result of reading a substituted scalar back. */
export type ReparsedScalar =
  | { ok: true; value: string | number | boolean | null }
  | { ok: false; reason: string };

/**
 * Parses scalar text as it stands after substitution, the way Flux does
 * after envsubst: YAML 1.1 resolution (so `true`, `2379`, `~` change type)
 * and a failure when the text is no longer a single scalar.
 */
export function reparseScalar(text: string): ReparsedScalar {
  const doc = parseDocument(`v: ${text}\n`, yaml11);
  if (doc.errors.length) {
    return { ok: false, reason: doc.errors[0].message.split('\n')[0] };
  }
  const node = (doc.contents as any)?.items?.[0]?.value;
  if (node === null || node === undefined) return { ok: true, value: null };
  if (!isScalar(node)) {
    return { ok: false, reason: 'the value turns into a YAML collection' };
  }
  const value = node.value;
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null
  ) {
    return { ok: true, value };
  }
  if (typeof value === 'bigint') return { ok: true, value: Number(value) };
  return { ok: true, value: String(value) };
}
