import { decodeText } from './decode';
import { parseYamlDocuments } from './fullReader';
import { readBlockCollections } from './blockReader';
import { readPlainManifests } from './plainReader';
import {
  readOptions,
  YamlDocument,
  YamlFileProblem,
  YamlReadOptions,
} from './types';

export type {
  YamlDocument,
  YamlFileProblem,
  YamlReadLimits,
  YamlReadOptions,
} from './types';
export { defaultYamlReadLimits } from './types';
export { parseYamlDocuments } from './fullReader';
export { readPlainManifests } from './plainReader';

/**
 * Parses a multi-document YAML file the way Kubernetes tooling reads
 * manifests (plain scalars as the resolver's dialect reads them: kustomize
 * by default). Never throws: every failure becomes a problem naming the
 * file and line.
 *
 * @public
 */
export function parseYamlFile(
  file: string,
  bytes: Uint8Array,
  options: YamlReadOptions = {},
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  const { limits } = readOptions(options);
  if (bytes.byteLength > limits.maxFileBytes) {
    return {
      documents: [],
      problems: [
        {
          file,
          line: 1,
          message: `is ${bytes.byteLength} bytes, over the ${limits.maxFileBytes}-byte limit for YAML files`,
        },
      ],
    };
  }
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    return {
      documents: [],
      problems: [{ file, line: 1, message: decoded.problem }],
    };
  }
  return parseYamlText(file, decoded.text, options);
}

/** An alias or anchor name followed at once by `:` and a space or the line's end. */
/** A key with no value on its line, then a block scalar's header alone on the next, no deeper. */
const indicatorBelowKey =
  /^([ \t]*)([^\s#:'"\-[{][^\n:#]*):[ \t]*\n([ \t]*)([|>][-+0-9]*)[ \t]*(?:#[^\n]*)?$/gm;

const nameBeforeColon = /(?<=^|[\s[{,])([*&][A-Za-z0-9_-]+):(?=[ \t\r]|$)/gm;

/**
 * {@link parseYamlFile} for text already decoded. Block maps of one-line
 * scalars (settings) are read line by line; other well-formed, plain
 * manifests (no anchors, merge keys, tags or directives) by js-yaml,
 * several times faster than the full `yaml` parser, which reads anything
 * else and every failure, explaining problems precisely. All give the same
 * values and lines (tests compare them).
 *
 * @public
 */
export function parseYamlText(
  file: string,
  text: string,
  options: YamlReadOptions = {},
): { documents: YamlDocument[]; problems: YamlFileProblem[] } {
  const { limits, scalars } = readOptions(options);
  const documents =
    readBlockCollections(file, text, limits.maxNodes, scalars) ??
    readPlainManifests(file, text, limits.maxNodes, scalars);
  if (documents) return { documents, problems: [] };
  const read = parseYamlDocuments(file, text, { limits, scalars });
  if (!read.problems.length) return read;
  // Go's YAML, which kustomize reads with, ends an alias or anchor name at
  // a `:` (`*app:` is the alias *app as a key); YAML 1.2 reads the colon
  // into the name. It also takes a block scalar's `|` on the line below
  // its key, at the key's indent, which YAML 1.2 refuses: there the key
  // moves down onto the `|` line (a blank line left, so the lines stay).
  // A file that only reads Go's way is read so.
  const goWay = text
    .replace(nameBeforeColon, '$1 :')
    .replace(indicatorBelowKey, '\n$1$2: $4');
  if (goWay === text) return read;
  const again = parseYamlDocuments(file, goWay, { limits, scalars });
  return again.problems.length ? read : again;
}
