import type { RepoTree } from '../tree/RepoTree';
import { decodeText } from './decode';
import {
  defaultYamlReadLimits,
  parseYamlText,
  YamlReadLimits,
} from './documents';
import type { ParseCache, YamlFileRead } from './parseCache';
import { ScalarResolver, YamlDialect } from './scalars';

/** What a {@link YamlFiles} reads with. @public */
export interface YamlFilesOptions {
  /** Parse results kept between validations (by path and text); none when absent. */
  parsed?: ParseCache;
  /** The resolver of plain scalars of manifests; a fresh one when absent. */
  scalars?: ScalarResolver;
  /** The resolver of plain scalars of Helm values; a fresh one when absent. */
  helmScalars?: ScalarResolver;
  limits?: YamlReadLimits;
}

/** What builds read YAML with: a {@link YamlFiles} or a view of one. @public */
export type YamlReader = Pick<YamlFiles, 'read' | 'parseText' | 'scalars'>;

/**
 * Reads and parses the YAML files of one tree, each at most once; every
 * reader of YAML in the engine goes through here.
 *
 * @public
 */
export class YamlFiles {
  readonly #tree: RepoTree;
  readonly #limits: YamlReadLimits;
  readonly #parsed?: ParseCache;
  readonly #scalars: ScalarResolver;
  readonly #helmScalars: ScalarResolver;
  readonly #files = new Map<string, YamlFileRead>();
  readonly #valuesFiles = new Map<string, YamlFileRead>();

  constructor(tree: RepoTree, options: YamlFilesOptions = {}) {
    this.#tree = tree;
    this.#limits = options.limits ?? defaultYamlReadLimits;
    this.#parsed = options.parsed;
    this.#scalars = options.scalars ?? new ScalarResolver();
    this.#helmScalars =
      options.helmScalars ?? new ScalarResolver(undefined, 'helm');
  }

  /** The resolver this reader reads plain scalars with. */
  get scalars(): ScalarResolver {
    return this.#scalars;
  }

  read(path: string): YamlFileRead {
    let entry = this.#files.get(path);
    if (!entry) {
      entry = this.#parse(path);
      this.#files.set(path, entry);
    }
    return entry;
  }

  /**
   * A Helm values file as Helm reads it (YAML 1.1 scalars: `no` is false),
   * each at most once.
   */
  readValues(path: string): YamlFileRead {
    let entry = this.#valuesFiles.get(path);
    if (!entry) {
      entry = this.#parse(path, 'helm');
      this.#valuesFiles.set(path, entry);
    }
    return entry;
  }

  /**
   * Parses text that is not a file of the tree (a patch, one line; Helm
   * values kept in a ConfigMap with the `helm` dialect).
   */
  parseText(
    file: string,
    text: string,
    dialect: YamlDialect = 'kustomize',
  ): YamlFileRead {
    return parseYamlText(file, text, {
      limits: this.#limits,
      scalars: dialect === 'helm' ? this.#helmScalars : this.#scalars,
    });
  }

  #parse(path: string, dialect: YamlDialect = 'kustomize'): YamlFileRead {
    const bytes = this.#tree.read(path);
    if (!bytes)
      return {
        documents: [],
        problems: [{ file: path, line: 1, message: 'does not exist' }],
      };
    if (bytes.byteLength > this.#limits.maxFileBytes) {
      return {
        documents: [],
        problems: [
          {
            file: path,
            line: 1,
            message: `is ${bytes.byteLength} bytes, over the ${
              this.#limits.maxFileBytes
            }-byte limit for YAML files`,
          },
        ],
      };
    }
    const decoded = decodeText(bytes);
    if ('problem' in decoded)
      return {
        documents: [],
        problems: [{ file: path, line: 1, message: decoded.problem }],
      };
    // results depend on the limits and the dialect: only manifests read
    // with the defaults are shared
    const shared =
      this.#limits === defaultYamlReadLimits && dialect === 'kustomize'
        ? this.#parsed
        : undefined;
    let read = shared?.get(path, decoded.text);
    if (!read) {
      read = this.parseText(path, decoded.text, dialect);
      shared?.set(path, decoded.text, read);
    }
    return read;
  }
}
