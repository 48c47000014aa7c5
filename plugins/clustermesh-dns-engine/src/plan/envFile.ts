/**
 * Edits an env file as kustomize's ConfigMap generator reads it (one
 * `KEY=value` per line, split on the first `=`, no quote removal, `#`
 * comments): a value changes on its own line, a new key goes after the
 * last entry, a removed key takes its line with it. Every other byte is
 * kept, CRLF line endings too.
 */
export class EnvFileEditor {
  readonly #lines: string[];
  readonly #eol: string;
  readonly #endsWithEol: boolean;
  readonly #set = new Map<string, string>();
  readonly #removed = new Set<string>();
  #heading?: string;
  /** New keys go after the last line of one of these keys, when the file has one. */
  #near?: (key: string) => boolean;

  constructor(readonly file: string, text: string) {
    this.#eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.#endsWithEol = text === '' || /\n$/.test(text);
    const body = text.endsWith(this.#eol)
      ? text.slice(0, -this.#eol.length)
      : text;
    this.#lines = body === '' ? [] : body.split(this.#eol);
  }

  /** The value of each key, as kustomize reads it (the last definition wins). */
  values(): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of this.#lines) {
      const entry = readLine(line);
      if (entry) out.set(entry.key, entry.value);
    }
    for (const key of this.#removed) out.delete(key);
    for (const [key, value] of this.#set) out.set(key, value);
    return out;
  }

  set(key: string, value: string) {
    this.#removed.delete(key);
    this.#set.set(key, value);
  }

  /**
   * Gives new keys a heading comment after a blank line, when the file's
   * keys are in such groups (and the last group is not already this one).
   */
  setGroupHeading(heading: string) {
    this.#heading = heading;
  }

  /** New keys join the keys they belong with: after the last line of a key `near` accepts. */
  setNeighbours(near: (key: string) => boolean) {
    this.#near = near;
  }

  remove(key: string) {
    this.#set.delete(key);
    this.#removed.add(key);
  }

  result(): string {
    const lines = [...this.#lines];
    const pending = new Map(this.#set);
    const out: string[] = [];
    for (const line of lines) {
      const entry = readLine(line);
      if (entry && this.#removed.has(entry.key)) continue;
      if (entry && pending.has(entry.key)) {
        const value = pending.get(entry.key)!;
        pending.delete(entry.key);
        if (entry.value === value) out.push(line);
        else if (entry.valueStart < 0) out.push(`${line}=${value}`);
        else out.push(`${line.slice(0, entry.valueStart)}${value}`);
        continue;
      }
      out.push(line);
    }
    // new keys after the keys they belong with, or after the last entry
    const near = this.#near;
    const neighbour = near
      ? out
          .map(l => readLine(l))
          .findLastIndex(e => e !== undefined && near(e.key))
      : -1;
    let at = out.length;
    while (at > 0 && out[at - 1].trim() === '') at--;
    const added = [...pending].map(([k, v]) => `${k}=${v}`);
    if (neighbour >= 0 && neighbour < at - 1) {
      out.splice(neighbour + 1, 0, ...added);
      const text = out.join(this.#eol);
      return out.length && this.#endsWithEol ? `${text}${this.#eol}` : text;
    }
    if (added.length && this.#heading) {
      const grouped = out.some(
        (l, i) => l.trim() === '' && out[i + 1]?.trim().startsWith('#'),
      );
      const headings = out.filter(
        (l, i) =>
          l.trim().startsWith('#') && (i === 0 || out[i - 1].trim() === ''),
      );
      if (
        grouped &&
        headings[headings.length - 1]?.trim() !== `# ${this.#heading}`
      )
        added.unshift('', `# ${this.#heading}`);
    }
    out.splice(at, 0, ...added);
    const text = out.join(this.#eol);
    return out.length && this.#endsWithEol ? `${text}${this.#eol}` : text;
  }
}

/** One `KEY=value` line (leading blanks skipped), or undefined for comments and blank lines. */
function readLine(
  line: string,
): { key: string; value: string; valueStart: number } | undefined {
  const start = line.length - line.trimStart().length;
  const rest = line.slice(start);
  if (!rest || rest.startsWith('#')) return undefined;
  const eq = rest.indexOf('=');
  const key = eq < 0 ? rest : rest.slice(0, eq);
  if (!key) return undefined;
  return {
    key,
    value: eq < 0 ? '' : rest.slice(eq + 1),
    valueStart: eq < 0 ? -1 : start + eq + 1,
  };
}
