import dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { findExecutable, freePort, ServiceProcess } from './services';

export const dnsmasqBinary = () => findExecutable('dnsmasq');

/** A record the test serves: an address with its TTL. */
export interface TestRecord {
  name: string;
  address: string;
  ttl: number;
}

/**
 * dnsmasq from Debian on 127.0.0.1 and a free port, answering only the
 * test's records: names under `zone` without a record are NXDOMAIN, other
 * zones REFUSED (no upstream, no /etc/hosts, no config file). Every query it
 * receives is logged, so a test can see what was asked.
 */
export async function startDnsmasq(
  binary: string,
  zone: string,
  records: TestRecord[],
) {
  const port = await freePort();
  const service = new ServiceProcess(binary, [
    '--keep-in-foreground',
    '--log-facility=-',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--pid-file=',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    `--local=/${zone}/`,
    '--log-queries',
    ...records.map(r => `--host-record=${r.name},${r.address},${r.ttl}`),
  ]);
  const server = `127.0.0.1:${port}`;
  const probe = new dnsPromises.Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server]);
  await service.waitUntil('dnsmasq', async () => {
    try {
      await probe.resolve4(`ready-probe.${zone}`);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === 'ENOTFOUND';
    }
  });
  return {
    server,
    /** The names dnsmasq was asked for, in order (the readiness probes left out). */
    queries: () =>
      service.output
        .join('')
        .split('\n')
        .map(line => /query\[(A|AAAA)\] (\S+) from/.exec(line))
        .filter(
          (m): m is RegExpExecArray =>
            Boolean(m) && !m![2].startsWith('ready-probe.'),
        )
        .map(m => `${m[1]} ${m[2]}`),
    stop: () => service.stop(),
  };
}

/** A DNS server that never answers: a UDP socket on loopback that only counts what it receives. */
export async function startSilentServer() {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', () => {
    received++;
  });
  await new Promise<void>(resolve =>
    socket.bind(0, '127.0.0.1', () => resolve()),
  );
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    received: () => received,
    stop: () => new Promise<void>(resolve => socket.close(() => resolve())),
  };
}
