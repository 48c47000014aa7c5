import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
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
  EngineDefect,
  EngineRunner,
  Inspection,
} from './EngineRunner';
import { runValidationWorker, WorkerRequest, WorkerResponse } from './worker';

type Pending = { resolve(value: unknown): void; reject(error: Error): void };

/**
 * The worker module of this package, as built (`dist/engine/worker.cjs.js`)
 * or as source (`src/engine/worker.ts`, run through Backstage's transform in
 * development and tests), whichever this module itself is.
 */
function workerModule(): { file: string; execArgv: string[] } {
  const root = resolvePackagePath(
    '@clustermesh-dns/backstage-plugin-clustermesh-dns-backend',
  );
  const fromSource = __filename.endsWith('.ts');
  const file = fromSource
    ? path.join(root, 'src/engine/worker.ts')
    : path.join(root, 'dist/engine/worker.cjs.js');
  const execArgv = [...process.execArgv];
  if (fromSource && !execArgv.some(a => a.includes('nodeTransform'))) {
    // TypeScript sources outside the dev server (Jest): the same transform
    execArgv.push(
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
    );
  }
  return { file, execArgv };
}

/**
 * The engine in a worker thread, so that validating a big repository (seconds
 * of CPU) never blocks the backend's event loop. The worker keeps the engine
 * caches and the models; the main thread sends the files and asks for
 * reports, peers and pools. A worker that dies is started again on the next
 * request; its requests in flight fail as engine defects.
 */
export class WorkerEngineRunner implements EngineRunner {
  #worker?: Worker;
  /** Which worker a model lives in: a model of a stopped worker is gone. */
  #generation = 0;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(private readonly logger: LoggerService) {}

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const { file, execArgv } = workerModule();
    // the entry's name, read here so that a bundler keeps it
    const entry = runValidationWorker.name;
    const worker = new Worker(
      `require(${JSON.stringify(file)})[${JSON.stringify(entry)}]();`,
      { eval: true, execArgv },
    );
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      this.#idle();
      if (response.ok) pending.resolve(response.value);
      else if (response.error.kind === 'conventions')
        pending.reject(new ConventionsProblem(response.error.message));
      else
        pending.reject(
          new EngineDefect(
            `${response.error.name}: ${response.error.message}`,
            response.error.stack,
          ),
        );
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(
          new EngineDefect(
            `the validation worker stopped: ${error.message}`,
            error.stack,
          ),
        );
      }
    };
    worker.on('error', (error: Error) => {
      this.logger.error('clustermesh-dns: the validation worker failed', error);
      fail(error);
    });
    worker.on('exit', code => {
      if (!this.#closed && code !== 0)
        this.logger.warn(
          `clustermesh-dns: the validation worker exited (${code}); it starts again on the next validation`,
        );
      fail(new Error(`exited with code ${code}`));
    });
    worker.unref();
    this.#worker = worker;
    this.#generation++;
    return worker;
  }

  /** The worker keeps the process alive only while it has work. */
  #idle() {
    if (this.#pending.size === 0) this.#worker?.unref();
  }

  #request<T>(request: Omit<WorkerRequest, 'id'>): Promise<T> {
    if (this.#closed)
      return Promise.reject(new Error('the validation worker is closed'));
    const worker = this.#start();
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  async inspect(
    sourceId: string,
    tree: RepoTree,
    conventions: ConventionsSpec,
  ): Promise<Inspection> {
    const files: [string, Uint8Array][] = [];
    for (const file of tree.paths()) {
      const bytes = tree.read(file);
      if (bytes) files.push([file, bytes]);
    }
    const { handle, report } = await this.#request<{
      handle: number;
      report: MeshReport;
    }>({
      type: 'validate',
      sourceId,
      files,
      conventions,
    } as Omit<WorkerRequest, 'id'>);
    let released = false;
    const generation = this.#generation;
    return {
      alive: () =>
        !this.#closed &&
        this.#worker !== undefined &&
        this.#generation === generation,
      report,
      peersOf: cluster =>
        this.#request<PeerState[] | undefined>({
          type: 'peers',
          handle,
          cluster,
        } as Omit<WorkerRequest, 'id'>),
      poolOf: cluster =>
        this.#request<ClusterPoolInfo | undefined>({
          type: 'pool',
          handle,
          cluster,
        } as Omit<WorkerRequest, 'id'>),
      release: () => {
        if (released || this.#closed) return;
        released = true;
        this.#request({ type: 'release', handle } as Omit<
          WorkerRequest,
          'id'
        >).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }
}
