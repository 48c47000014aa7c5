import type {
  MeshReport,
  PeerState,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  ClusterPoolInfo,
  ConventionsError,
  detectConventions,
  EngineCache,
  inspectMesh,
  MeshConventions,
  MeshConventionsInput,
  MeshInspection,
  MemoryRepoTree,
  readConventionsFile,
  RepoTree,
  resolveConventions,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';

/** The conventions file looked up at the repository root when none is configured. */
const defaultConventionsFile = '.clustermesh-dns.yaml';

/** How a source's conventions are found. */
export interface ConventionsSpec {
  /** Inline conventions (`clustermeshDns.sources[].conventions`). */
  explicit?: MeshConventionsInput;
  /** Where the inline conventions are configured, for messages. */
  explicitOrigin?: string;
  /** A conventions file inside the repository. */
  file?: string;
  /**
   * The source's secret values (`clustermeshDns.sources[].values`, e.g. the
   * SOPS domain), so that checks of the names they make are evaluated. They
   * win over the conventions' values; the store redacts every answer.
   */
  values?: Readonly<Record<string, string>>;
  /**
   * The branch the source reads (its configured `branch`, or a local
   * folder's checkout): a cluster whose Flux reconciles another branch is
   * not evaluated.
   */
  branch?: string;
}

/** The engine as a session calls it; tests put a failing one in its place. */
export type InspectFunction = (
  tree: RepoTree,
  conventions: MeshConventions,
  options: { cache: EngineCache },
) => MeshInspection;

/**
 * A problem of the repository's conventions (a conventions file that is
 * missing or invalid): reported as the source's error, never a defect.
 */
export class ConventionsProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConventionsProblem';
  }
}

/** The result of validating a repository, kept to answer per cluster. */
export interface Inspected {
  handle: number;
  report: MeshReport;
}

/**
 * The engine's side of the plugin: one EngineCache per source (kept between
 * validations so an unchanged file is not parsed again), and the
 * inspections (models) of the reports being served, by handle. It runs in
 * the validation worker thread, or in process.
 */
export class EngineSession {
  readonly #caches = new Map<string, EngineCache>();
  readonly #inspections = new Map<number, MeshInspection>();
  #next = 1;

  constructor(private readonly inspect: InspectFunction = inspectMesh) {}

  #cache(sourceId: string): EngineCache {
    let cache = this.#caches.get(sourceId);
    if (!cache) {
      cache = new EngineCache();
      this.#caches.set(sourceId, cache);
    }
    return cache;
  }

  #conventions(
    tree: RepoTree,
    spec: ConventionsSpec,
    cache: EngineCache,
  ): MeshConventions {
    let explicit = spec.explicit;
    let origin = spec.explicitOrigin ?? 'conventions';
    if (!explicit) {
      const file =
        spec.file ??
        (tree.read(defaultConventionsFile)
          ? defaultConventionsFile
          : undefined);
      if (file) {
        const bytes = tree.read(file);
        if (!bytes)
          throw new ConventionsError(
            [
              {
                path: '',
                message:
                  'is not in the repository (clustermeshDns.sources[].conventionsFile)',
              },
            ],
            file,
          );
        explicit = readConventionsFile(new TextDecoder().decode(bytes), file);
        origin = file;
      } else {
        origin = 'defaults';
      }
    }
    if (spec.values && Object.keys(spec.values).length)
      explicit = {
        ...explicit,
        values: { ...explicit?.values, ...spec.values },
      };
    // the branch read is the source's, whatever the conventions file says;
    // and no Secret's value is read, so none reaches an answer
    const givenToRun: MeshConventionsInput = {
      flux: {
        ...(spec.branch && { branch: spec.branch }),
        readPlainSecrets: false,
      },
    };
    return resolveConventions(
      explicit,
      detectConventions(tree, explicit, { cache }),
      origin,
      givenToRun,
    );
  }

  /**
   * Validates a repository. Throws ConventionsProblem for a bad conventions
   * file; anything else thrown is a defect of the engine.
   */
  validate(
    sourceId: string,
    files: [string, Uint8Array][] | RepoTree,
    spec: ConventionsSpec,
  ): Inspected {
    const tree = Array.isArray(files)
      ? MemoryRepoTree.from(new Map(files))
      : files;
    const cache = this.#cache(sourceId);
    let conventions: MeshConventions;
    try {
      conventions = this.#conventions(tree, spec, cache);
    } catch (error) {
      if (error instanceof ConventionsError)
        throw new ConventionsProblem(error.message);
      throw error;
    }
    const inspection = this.inspect(tree, conventions, { cache });
    const handle = this.#next++;
    this.#inspections.set(handle, inspection);
    return { handle, report: inspection.report };
  }

  peersOf(handle: number, cluster: string): PeerState[] | undefined {
    return this.#inspection(handle).peersOf(cluster);
  }

  poolOf(handle: number, cluster: string): ClusterPoolInfo | undefined {
    return this.#inspection(handle).poolOf(cluster);
  }

  /** Lets a model go: its report is no longer served. */
  release(handle: number): void {
    this.#inspections.delete(handle);
  }

  /** How many models are kept, for tests. */
  get kept(): number {
    return this.#inspections.size;
  }

  #inspection(handle: number): MeshInspection {
    const inspection = this.#inspections.get(handle);
    if (!inspection) throw new Error(`No inspection ${handle} (released)`);
    return inspection;
  }
}
