/* eslint-disable no-console */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// What every service-backed suite shares (verdicts, the report line, free
// ports, describeWithServices) lives in @clustermesh-dns/test-services; the
// services' processes are the backend's own.
import { findExecutable } from '@clustermesh-dns/test-services';

export {
  findExecutable,
  freePort,
  reportService,
  serviceVerdict,
} from '@clustermesh-dns/test-services';
export type { ServiceVerdict } from '@clustermesh-dns/test-services';

/** The PostgreSQL server binaries' folder: Debian's /usr/lib/postgresql/<v>/bin, or next to a `postgres` on PATH. */
export function postgresBinaries(): string[] {
  const folders: string[] = [];
  try {
    for (const v of fs
      .readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a)))
      folders.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // not Debian's layout
  }
  const onPath = findExecutable('postgres', ['/usr/local/bin']);
  if (onPath) folders.push(path.dirname(fs.realpathSync(onPath)));
  return folders;
}

/** A service process started by a test; `stop` ends it (and waits). */
export class ServiceProcess {
  readonly output: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  constructor(
    command: string,
    args: string[],
    options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.#child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
      env: options.env ?? process.env,
    });
    this.#child.stdout?.on('data', d => this.output.push(String(d)));
    this.#child.stderr?.on('data', d => this.output.push(String(d)));
    this.#exited = new Promise(resolve =>
      this.#child.once('exit', code => resolve(code)),
    );
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exitCode(): number | null {
    return this.#child.exitCode;
  }

  /** Waits for a command to end; fails unless it ends well. */
  async done(what: string): Promise<void> {
    const code = await this.#exited;
    if (code !== 0)
      throw new Error(`${what} failed (${code}): ${this.output.join('')}`);
  }

  /** Waits until `ready()` holds, checking after each event-loop turn of I/O; fails when the process exits first. */
  async waitUntil(
    what: string,
    ready: () => Promise<boolean> | boolean,
  ): Promise<void> {
    for (;;) {
      if (this.#child.exitCode !== null)
        throw new Error(
          `${what}: the process exited (${
            this.#child.exitCode
          }): ${this.output.join('')}`,
        );
      if (await ready()) return;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }

  /** Ends the process (PostgreSQL: SIGINT is its fast shutdown) and waits for it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill(signal);
      await this.#exited;
    }
  }
}

/** The uid/gid of an unprivileged user for services that refuse root (PostgreSQL). */
export function unprivilegedUser():
  | { uid: number; gid: number; name: string }
  | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(
        execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim(),
      );
      const gid = Number(
        execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim(),
      );
      return { uid, gid, name };
    } catch {
      // next
    }
  }
  return undefined;
}
