import { parentPort } from 'node:worker_threads';
import { ConventionsProblem, EngineSession } from './EngineSession';

/** A request to the validation worker. */
export type WorkerRequest =
  | {
      id: number;
      type: 'validate';
      sourceId: string;
      files: [string, Uint8Array][];
      conventions: import('./EngineSession').ConventionsSpec;
    }
  | { id: number; type: 'peers' | 'pool'; handle: number; cluster: string }
  | { id: number; type: 'release'; handle: number };

/** The worker's answer. */
export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      error: {
        kind: 'conventions' | 'defect';
        name: string;
        message: string;
        stack?: string;
      };
    };

/** Answers one request with the session (pure: testable without a thread). */
export function answer(
  session: EngineSession,
  request: WorkerRequest,
): WorkerResponse {
  try {
    switch (request.type) {
      case 'validate': {
        const { handle, report } = session.validate(
          request.sourceId,
          request.files,
          request.conventions,
        );
        return { id: request.id, ok: true, value: { handle, report } };
      }
      case 'peers':
        return {
          id: request.id,
          ok: true,
          value: session.peersOf(request.handle, request.cluster),
        };
      case 'pool':
        return {
          id: request.id,
          ok: true,
          value: session.poolOf(request.handle, request.cluster),
        };
      case 'release':
        session.release(request.handle);
        return { id: request.id, ok: true, value: null };
      default:
        throw new Error(
          `unknown request ${(request as { type: string }).type}`,
        );
    }
  } catch (error) {
    const e = error as Error;
    return {
      id: request.id,
      ok: false,
      error: {
        kind: error instanceof ConventionsProblem ? 'conventions' : 'defect',
        name: e?.name ?? 'Error',
        message: e?.message ?? String(error),
        stack: e?.stack,
      },
    };
  }
}

/** The validation worker's entry point: one session for the worker's life. */
export function runValidationWorker(): void {
  if (!parentPort)
    throw new Error('runValidationWorker runs in a worker thread');
  const port = parentPort;
  const session = new EngineSession();
  port.on('message', (request: WorkerRequest) => {
    port.postMessage(answer(session, request));
  });
}
