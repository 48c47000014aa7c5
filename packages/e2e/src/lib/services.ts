/* eslint-disable no-console */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The suite is service-backed, as the backend plugin's suites on dnsmasq,
 * PostgreSQL and Redis are (plugins/clustermesh-dns-backend/src/__testUtils__):
 * it needs programs from Debian's packages (Chromium, git). Where one cannot
 * be found the suite is skipped with the reason printed; on a root machine
 * with apt, where `make setup` installs them, a missing one is a failure.
 * `scripts/test.sh` prints which suites ran from the lines appended to
 * $CLUSTERMESH_DNS_SERVICE_REPORT.
 */
export type ServiceVerdict =
  | { run: true; binaries: Record<string, string> }
  | { run: false; reason: string; mustRun: boolean };

/** The first executable found on PATH, then in the given and the sbin folders. */
export function findExecutable(
  name: string,
  folders: string[] = [],
): string | undefined {
  const pathDirs = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean);
  for (const dir of [...pathDirs, ...folders, '/usr/sbin', '/sbin']) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

const canInstall = () =>
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  Boolean(findExecutable('apt-get'));

/** Whether the suite can run: every program found, or why not (and whether that is a failure). */
export function serviceVerdict(
  packages: string,
  binaries: Record<string, string | undefined>,
): ServiceVerdict {
  const missing = Object.entries(binaries)
    .filter(([, found]) => !found)
    .map(([name]) => name);
  if (missing.length === 0)
    return { run: true, binaries: binaries as Record<string, string> };
  const mustRun = canInstall();
  return {
    run: false,
    mustRun,
    reason: `${missing.join(', ')} not found (Debian package(s): ${packages})${
      mustRun
        ? '; this machine is root with apt, where `make setup` installs them: a skipped service-backed suite is a failure here'
        : '; `make setup` installs them when it runs as root with apt'
    }`,
  };
}

/** Notes in $CLUSTERMESH_DNS_SERVICE_REPORT that a service-backed suite ran, was skipped or failed. */
export function reportService(suite: string, outcome: string): void {
  const file = process.env.CLUSTERMESH_DNS_SERVICE_REPORT;
  if (file) fs.appendFileSync(file, `${suite}: ${outcome}\n`);
  if (outcome.startsWith('skipped')) console.warn(`${suite}: ${outcome}`);
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `ready()` holds, checking between turns; the caller's timeout is the hang guard. */
export async function until(
  ready: () => Promise<boolean> | boolean,
  interval = 250,
): Promise<void> {
  while (!(await ready()))
    await new Promise(resolve => setTimeout(resolve, interval));
}

/** A process started by the suite; `stop` ends it (and its group) and waits. */
export class ServiceProcess {
  readonly output: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.#child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env ?? process.env,
      // its own process group: stop() ends what it started too
      detached: true,
    });
    this.#child.stdout?.on('data', d => this.output.push(String(d)));
    this.#child.stderr?.on('data', d => this.output.push(String(d)));
    this.#exited = new Promise(resolve => {
      // 'close': the process has exited and its output pipes are closed too
      this.#child.once('close', code => resolve(code));
      this.#child.once('error', error => {
        this.output.push(String(error));
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The last lines of its output, for error messages. */
  tail(lines = 60): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  /** Waits for the command to end; fails unless it ends well. */
  async done(): Promise<void> {
    const code = await this.#exited;
    if (code !== 0)
      throw new Error(`${this.name} failed (${code}):\n${this.tail()}`);
  }

  /** Waits until `ready()` holds; fails when the process exits first. */
  async waitUntil(ready: () => Promise<boolean> | boolean): Promise<void> {
    for (;;) {
      if (!this.running)
        throw new Error(
          `${this.name}: the process exited (${
            this.#child.exitCode
          }):\n${this.tail()}`,
        );
      if (await ready()) return;
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  /**
   * Ends the process group (SIGTERM) and waits for the process to exit; a
   * group still there after `graceMs` (a shutdown that hangs) is killed.
   */
  async stop(graceMs = 30_000): Promise<void> {
    const pid = this.#child.pid;
    if (!this.running || !pid) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        this.#child.kill(name);
      }
    };
    signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.#exited.then(() => true),
      new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      this.output.push(`${this.name}: not stopped after SIGTERM, killed\n`);
      signal('SIGKILL');
      await this.#exited;
    }
  }
}
