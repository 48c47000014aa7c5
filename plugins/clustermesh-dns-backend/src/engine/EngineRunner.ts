import type {
  MeshReport,
  PeerState,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type {
  ClusterPoolInfo,
  RepoTree,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import {
  ConventionsProblem,
  ConventionsSpec,
  EngineSession,
  InspectFunction,
} from './EngineSession';

/** A validated revision: its report, and its model kept where the engine runs. */
export interface Inspection {
  report: MeshReport;
  peersOf(cluster: string): Promise<PeerState[] | undefined>;
  poolOf(cluster: string): Promise<ClusterPoolInfo | undefined>;
  /** Lets the model go (its report is no longer served). */
  release(): void;
  /** False when the model is gone (its worker stopped): validate again. */
  alive(): boolean;
}

/**
 * Where the engine runs: in a worker thread (the default: a validation of a
 * big repository takes seconds of CPU that the event loop does not give), or
 * in process.
 */
export interface EngineRunner {
  /**
   * Validates a repository. Rejects with ConventionsProblem for a bad
   * conventions file, and with EngineDefect when the engine throws.
   */
  inspect(
    sourceId: string,
    tree: RepoTree,
    conventions: ConventionsSpec,
  ): Promise<Inspection>;
  close(): Promise<void>;
}

/** The engine threw: a defect, with the stack where it happened. */
export class EngineDefect extends Error {
  constructor(message: string, stack?: string) {
    super(message);
    this.name = 'EngineDefect';
    if (stack) this.stack = stack;
  }
}

export { ConventionsProblem };
export type { ConventionsSpec, InspectFunction };

/** The engine on the calling thread (tests, and `validation.worker: false`). */
export class InProcessEngineRunner implements EngineRunner {
  readonly #session: EngineSession;

  constructor(inspect?: InspectFunction) {
    this.#session = new EngineSession(inspect);
  }

  async inspect(
    sourceId: string,
    tree: RepoTree,
    conventions: ConventionsSpec,
  ): Promise<Inspection> {
    const session = this.#session;
    let inspected;
    try {
      inspected = session.validate(sourceId, tree, conventions);
    } catch (error) {
      if (error instanceof ConventionsProblem) throw error;
      const e = error as Error;
      throw new EngineDefect(
        `${e?.name ?? 'Error'}: ${e?.message ?? e}`,
        e?.stack,
      );
    }
    const { handle, report } = inspected;
    return {
      report,
      peersOf: async cluster => session.peersOf(handle, cluster),
      poolOf: async cluster => session.poolOf(handle, cluster),
      release: () => session.release(handle),
      alive: () => true,
    };
  }

  async close(): Promise<void> {}
}
