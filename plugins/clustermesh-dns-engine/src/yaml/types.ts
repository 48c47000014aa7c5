import { ScalarResolver } from './scalars';

/**
 * One YAML document of a file: its plain JS value, and where each map key
 * and sequence item of that value starts (see {@link lineAtPath}). The parsed
 * `yaml` Document is not kept: at hundreds of clusters it would cost more
 * memory than the source text many times over.
 *
 * @public
 */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The JS value of the document (maps → objects, sequences → arrays). */
  value: unknown;
  /** Line where the document's content starts. */
  line: number;
}

/** Why a file could not be read as YAML. @public */
export interface YamlFileProblem {
  file: string;
  line: number;
  message: string;
}

/** @public */
export interface YamlReadLimits {
  /** Files larger than this are not parsed. Default 4 MiB. */
  maxFileBytes: number;
  /** Nodes a document may expand to through aliases (YAML bombs). Default 100 000. */
  maxNodes: number;
}

/** @public */
export const defaultYamlReadLimits: YamlReadLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxNodes: 100_000,
};

/** How to read: the limits, and the resolver of plain scalars (a fresh one when absent). @public */
export interface YamlReadOptions {
  limits?: YamlReadLimits;
  scalars?: ScalarResolver;
}

/** The options with their defaults: the default limits, a fresh resolver. */
export function readOptions(options: YamlReadOptions): {
  limits: YamlReadLimits;
  scalars: ScalarResolver;
} {
  return {
    limits: options.limits ?? defaultYamlReadLimits,
    scalars: options.scalars ?? new ScalarResolver(),
  };
}
