/**
 * Removes secret values (a source's `values`, API tokens) from anything the
 * plugin answers or logs. The engine never resolves a Secret or SOPS value
 * (it renders `<secret:NAME>`); this is the second line: whatever text comes
 * from elsewhere (an error of an SCM host, a provider's answer) passes here.
 */
export class Redactor {
  readonly #pattern: RegExp | undefined;
  readonly #replacements: Map<string, string>;

  constructor(secrets: { value: string; placeholder: string }[]) {
    this.#replacements = new Map();
    for (const { value, placeholder } of secrets)
      if (value) this.#replacements.set(value, placeholder);
    const values = [...this.#replacements.keys()].sort(
      (a, b) => b.length - a.length,
    );
    this.#pattern = values.length
      ? new RegExp(
          values.map(v => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
          'g',
        )
      : undefined;
  }

  /** The text with every secret replaced by its placeholder. */
  text(text: string): string {
    if (!this.#pattern) return text;
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(text)
      ? text.replace(this.#pattern, m => this.#replacements.get(m) ?? '')
      : text;
  }

  /** A copy of a JSON value with every string redacted (the value itself when nothing needs to change). */
  deep<T>(value: T): T {
    if (!this.#pattern) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v);
      if (Array.isArray(v)) {
        let changed = false;
        const out = v.map(item => {
          const next = walk(item);
          if (next !== item) changed = true;
          return next;
        });
        return changed ? out : v;
      }
      if (v && typeof v === 'object') {
        let changed = false;
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(v)) {
          const redactedKey = this.text(key);
          const next = walk(item);
          if (next !== item || redactedKey !== key) changed = true;
          out[redactedKey] = next;
        }
        return changed ? out : v;
      }
      return v;
    };
    return walk(value) as T;
  }
}
