import type { EngineCache } from '../cache/EngineCache';
import type { ObjectPath } from '../core/paths';
import { parseYamlText } from '../yaml/documents';
import { lineAtPath, soleEntry, withScalarsAt } from '../yaml/lines';

/** A scalar that changed on its own line (see {@link rememberLineEdits}). @public */
export interface ScalarLineEdit {
  /** 1-based line of the scalar's key, the same before and after. */
  line: number;
  /** Path of the scalar in its document. */
  path: ObjectPath;
}

/**
 * Records how a file reads after scalars changed on their own lines,
 * derived from how it read before instead of parsing it again: the plan of
 * a change validates the edited repository, and a mesh's settings files are
 * many and large. Each edited line is read on its own and must hold exactly
 * the key at the end of its path; every other line must be unchanged, and
 * the earlier text must have been read without problems. Otherwise nothing
 * is recorded and the file is parsed when read.
 *
 * @public
 */
export function rememberLineEdits(
  cache: EngineCache,
  path: string,
  before: string,
  after: string,
  edits: readonly ScalarLineEdit[],
) {
  const read = cache.parsed.get(path, before);
  if (!read || read.problems.length || edits.length === 0) return;
  const editedLines = unchangedBut(
    before,
    after,
    edits.map(e => e.line),
  );
  if (!editedLines) return;
  let documents = read.documents;
  for (const edit of edits) {
    const key = edit.path[edit.path.length - 1];
    const line = parseYamlText(
      path,
      editedLines.get(edit.line)!.replace(/\r$/, ''),
      { scalars: cache.scalars },
    );
    const entry =
      line.problems.length === 0 && line.documents.length === 1
        ? soleEntry(line.documents[0].value, key)
        : undefined;
    const scalar = entry?.value;
    if (!entry || (scalar !== null && typeof scalar === 'object')) return;
    const at = documents.findIndex(
      d => lineAtPath(d.value, edit.path) === edit.line,
    );
    const value =
      at < 0
        ? undefined
        : withScalarsAt(documents[at].value, [
            [edit.path.slice(0, -1), key, scalar],
          ]);
    if (value === undefined) return;
    cache.substitution.carryPlan(
      documents[at].value as object,
      value as object,
      edit.path,
      scalar,
    );
    documents = documents.map((d, i) => (i === at ? { ...d, value } : d));
  }
  cache.parsed.set(path, after, { documents, problems: [] });
}

/**
 * The text of the given lines (1-based) of `after`, when every other line
 * is the same as in `before`; undefined otherwise. Lines are compared as
 * slices, not split, since settings files are large.
 */
function unchangedBut(
  before: string,
  after: string,
  lines: number[],
): Map<number, string> | undefined {
  const edited = new Map<number, string>();
  // b and a stand in line `current` of each text: at its start, or at the
  // line break that ends it once it has been read
  let b = 0;
  let a = 0;
  let current = 1;
  const advance = (text: string, from: number, count: number) => {
    let at = from;
    for (let i = 0; i < count && at >= 0; i++) {
      const next = text.indexOf('\n', at);
      at = next < 0 ? -1 : next + 1;
    }
    return at;
  };
  const lineEnd = (text: string, start: number) => {
    const end = text.indexOf('\n', start);
    return end < 0 ? text.length : end;
  };
  for (const target of [...new Set(lines)].sort((x, y) => x - y)) {
    const bStart = advance(before, b, target - current);
    const aStart = advance(after, a, target - current);
    if (bStart < 0 || aStart < 0) return undefined;
    if (before.slice(b, bStart) !== after.slice(a, aStart)) return undefined;
    b = lineEnd(before, bStart);
    a = lineEnd(after, aStart);
    edited.set(target, after.slice(aStart, a));
    current = target;
  }
  return before.slice(b) === after.slice(a) ? edited : undefined;
}
