import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '@clustermesh-dns/test-services';
import { ServiceProcess } from './services';

/** The repository's root folder. */
// eslint-disable-next-line no-restricted-syntax -- a test package, run from its sources, never bundled
export const repoRoot = path.resolve(__dirname, '../../../..');

/**
 * Builds the app's production bundle (packages/app/dist) when it is missing
 * or older than its sources (scripts/app-bundle.mjs; a no-op otherwise).
 */
export function ensureAppBundle(): void {
  const script = path.join(repoRoot, 'packages/e2e/scripts/app-bundle.mjs');
  const result = spawnSync(process.execPath, [script], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  if (result.status !== 0)
    throw new Error(
      `the app's production build failed (${result.status ?? result.signal})`,
    );
}

export interface Backend {
  baseUrl: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * The backend as a user runs it in production: packages/backend from its
 * sources (Backstage's Node transform, as `backstage-cli package start` runs
 * it, without the watcher), NODE_ENV=production, app-config.yaml and
 * app-config.e2e.yaml, serving the app's production build on a free
 * loopback port. Resolves once it reports ready.
 */
export async function startBackend(options: {
  githubApi: string;
  githubToken: string;
}): Promise<Backend> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const backendDir = path.join(repoRoot, 'packages/backend');
  const transform = require.resolve(
    '@backstage/cli-node/config/nodeTransform.cjs',
    { paths: [backendDir] },
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    CMDNS_E2E_BACKEND_PORT: String(port),
    CMDNS_E2E_GITHUB_API: options.githubApi,
    CMDNS_E2E_GITHUB_TOKEN: options.githubToken,
    ESBK_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json'),
  };
  // nothing of the environment reaches GitHub or GitLab
  delete env.GITHUB_TOKEN;
  delete env.GITLAB_TOKEN;
  // Jest's own variables would make the backend's code think it is a test
  delete env.JEST_WORKER_ID;
  const backend = new ServiceProcess(
    'backend',
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      transform,
      'src/index.ts',
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      '--config',
      path.join(repoRoot, 'app-config.e2e.yaml'),
    ],
    { cwd: backendDir, env },
  );
  // The backend has a process group of its own (to stop what it starts
  // too), so an interrupt of the suite does not reach it: when the suite's
  // process exits or is interrupted, the backend's group is killed first.
  const killGroup = () => {
    if (backend.pid && backend.running) {
      try {
        process.kill(-backend.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const removeHandlers = () => {
    process.removeListener('exit', killGroup);
    // eslint-disable-next-line @typescript-eslint/no-use-before-define
    for (const s of signals) process.removeListener(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup();
    removeHandlers();
    // then as if this handler had not been there
    process.kill(process.pid, signal);
  };
  process.once('exit', killGroup);
  for (const s of signals) process.once(s, onSignal);
  const stop = async () => {
    removeHandlers();
    await backend.stop();
  };
  try {
    await backend.waitUntil(async () => {
      const status = await httpStatus(
        `${baseUrl}/.backstage/health/v1/readiness`,
      );
      return status === 200;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, process: backend, stop };
}

/** A GET's status (0 when nothing answers); no connection is kept open. */
export function httpStatus(url: string): Promise<number> {
  return new Promise(resolve => {
    const request = http.get(url, { agent: false }, response => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', () => resolve(0));
  });
}
