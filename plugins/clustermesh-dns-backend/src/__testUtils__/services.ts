/* eslint-disable no-console */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Service-backed suites (dnsmasq, PostgreSQL, Redis from Debian's packages)
 * start their services on loopback and free ports and stop them after.
 * Where a service cannot be found, the suite is skipped with the reason
 * printed; but on a root machine with apt, where `make setup` installs it,
 * a missing service is a failure. `scripts/test.sh` prints which suites ran
 * from the lines they append to $CLUSTERMESH_DNS_SERVICE_REPORT.
 */
export type ServiceVerdict =
  | { run: true; binaries: Record<string, string> }
  | { run: false; reason: string; mustRun: boolean };

/** The first executable found: on PATH, then in the given folders. */
export function findExecutable(
  name: string,
  folders: string[] = [],
): string | undefined {
  const pathDirs = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean);
  for (const dir of [
    ...pathDirs,
    ...folders,
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
  ]) {
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

const canInstall = () =>
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  Boolean(findExecutable('apt-get'));

/** Whether a suite can run: every binary found, or why not (and whether that is a failure). */
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

/** Notes in $CLUSTERMESH_DNS_SERVICE_REPORT that a service-backed suite ran or was skipped. */
export function reportService(suite: string, outcome: string): void {
  const file = process.env.CLUSTERMESH_DNS_SERVICE_REPORT;
  if (file) fs.appendFileSync(file, `${suite}: ${outcome}\n`);
  if (outcome.startsWith('skipped')) console.warn(`${suite}: ${outcome}`);
}

/** A free TCP port on loopback (also free for UDP, checked). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>(resolve => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
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
