import type { YamlDocument, YamlFileProblem } from '../yaml/documents';
import { lineAtPath } from '../yaml/lines';

/** Every path of a parsed value with the line the reader recorded for it. */
export function lineTable(value: unknown): [string, number | undefined][] {
  const rows: [string, number | undefined][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const next = [...path, Array.isArray(node) ? Number(key) : key];
      rows.push([JSON.stringify(next), lineAtPath(node, [next.at(-1)!])]);
      walk((node as any)[key], next);
    }
  };
  walk(value, []);
  return rows;
}

/** What a reader gave, with every line it recorded, for comparing readers. */
export function reading(result: {
  documents: YamlDocument[];
  problems: YamlFileProblem[];
}) {
  return {
    problems: result.problems,
    documents: result.documents.map(d => ({
      ...d,
      lines: lineTable(d.value),
    })),
  };
}

/** A finding as the CLI prints it: where, then what. */
export const located = (f: {
  message: string;
  location?: { file: string; line: number };
}) =>
  f.location ? `${f.location.file}:${f.location.line} ${f.message}` : f.message;
