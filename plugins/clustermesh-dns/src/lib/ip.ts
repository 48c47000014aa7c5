import {
  IpRange,
  parseCidr,
  parseIpAddress,
  parseStartStop,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/**
 * A pool block as the API writes it: a CIDR (`10.25.11.96/27`), a range
 * (`10.25.11.120-10.25.11.139`) or one address.
 */
export function parseBlock(block: string): IpRange | undefined {
  const text = block.trim();
  if (text.includes('/')) return parseCidr(text);
  const dash = text.indexOf('-');
  if (dash > 0) {
    return parseStartStop(
      text.slice(0, dash).trim(),
      text.slice(dash + 1).trim(),
    );
  }
  return parseStartStop(text);
}

/**
 * A sort key for an address: IPv4 before IPv6, then numerically; text that
 * is not an address sorts last, as text.
 */
export function addressSortKey(text: string | undefined): string {
  const address = text ? parseIpAddress(text) : undefined;
  if (!address) return `9${text ?? ''}`;
  const width = address.family === 'ipv4' ? 10 : 39;
  return `${address.family === 'ipv4' ? 0 : 1}${address.value
    .toString()
    .padStart(width, '0')}`;
}

/** The canonical text of an address, or the text itself when it is not one. */
export function canonicalAddress(text: string): string {
  return parseIpAddress(text.trim())?.text ?? text.trim();
}
