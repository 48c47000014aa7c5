/* eslint-disable no-console */
import fs from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';

/**
 * Service-backed suites (dnsmasq, PostgreSQL, Redis, Chromium, git from
 * Debian's packages) start their services on loopback and free ports and
 * stop them after.
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
