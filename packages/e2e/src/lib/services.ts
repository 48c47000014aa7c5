/* eslint-disable no-console */
import { ChildProcess, spawn } from 'node:child_process';

// The suite is service-backed, as the backend plugin's suites on dnsmasq,
// PostgreSQL and Redis are: what they share (verdicts, the report line,
// free ports, describeWithServices) is @clustermesh-dns/test-services; the
// processes the suite starts are below.

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
