import dns from 'node:dns';

let installed = false;

/**
 * wrapServer's proxy (mockttp) looks `localhost` up as IPv6 when the client
 * connected over an IPv6 socket; where /etc/hosts has no `::1 localhost`
 * (this machine), that lookup fails and every proxied request is a 502.
 * Answers that one lookup with ::1, the loopback address; nothing else
 * changes.
 */
export function resolveLocalhostIpv6(): void {
  if (installed) return;
  installed = true;
  const original = dns.lookup;
  const patched = (hostname: string, ...args: any[]) => {
    const callback = args[args.length - 1];
    const options = args.length > 1 ? args[0] : undefined;
    const family = typeof options === 'number' ? options : options?.family;
    if (hostname === 'localhost' && family === 6 && !options?.all) {
      original('localhost', { family: 6 }, (error, address, fam) => {
        if (!error) callback(null, address, fam);
        else callback(null, '::1', 6);
      });
      return;
    }
    (original as any)(hostname, ...args);
  };
  (dns as any).lookup = patched;
}
