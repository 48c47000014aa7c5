import ipaddr from 'ipaddr.js';

/**
 * IP addresses and LB IPAM pool blocks. The one place that parses
 * addresses; everything else asks here.
 */

/** @public */
export type IpFamily = 'ipv4' | 'ipv6';

/** A parsed address, kept as a big integer for range arithmetic. @public */
export interface IpAddress {
  family: IpFamily;
  /** Canonical text (IPv6 compressed, IPv4 dotted). */
  text: string;
  value: bigint;
}

/** An inclusive address range. @public */
export interface IpRange {
  family: IpFamily;
  first: bigint;
  last: bigint;
  /** How the block was written, for messages: `10.0.0.0/24` or `10.0.0.1-10.0.0.9`. */
  text: string;
}

function toBigInt(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBigInt(value: bigint, family: IpFamily): string {
  const size = family === 'ipv4' ? 4 : 16;
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < size; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Parses one address. Only the strict forms are accepted: four decimal
 * octets for IPv4 (no `010.1.1.1`, no `10.1`), standard IPv6 text.
 *
 * @public
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.trim() !== text || text === '')
    return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const addr = ipaddr.IPv4.parse(text);
    return {
      family: 'ipv4',
      text: addr.toString(),
      value: toBigInt(addr.toByteArray()),
    };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text) && !text.includes('%')) {
    const addr = ipaddr.IPv6.parse(text);
    return {
      family: 'ipv6',
      text: addr.toString(),
      value: toBigInt(addr.toByteArray()),
    };
  }
  return undefined;
}

/** The ranges of addresses reachable only inside private networks. */
const privateRanges = new Set([
  'private',
  'uniqueLocal',
  'carrierGradeNat',
  'linkLocal',
  'loopback',
]);

/**
 * Whether an address is one of private networks (RFC 1918, unique local,
 * shared address space, link-local, loopback): its records serve those
 * networks' resolvers, not the public DNS.
 *
 * @public
 */
export function isPrivateAddress(address: IpAddress): boolean {
  return privateRanges.has(ipaddr.parse(address.text).range());
}

/** Why a text is not an address, for messages. @public */
export function describeInvalidIp(text: string): string {
  if (text === '') return 'is empty';
  if (text.trim() !== text) return 'has surrounding whitespace';
  if (text.includes('/')) return 'is a CIDR, not a single address';
  if (/^\d+(\.\d+){0,3}$/.test(text)) {
    const parts = text.split('.');
    if (parts.length !== 4) return 'does not have four octets';
    if (parts.some(p => Number(p) > 255)) return 'has an octet above 255';
    if (parts.some(p => p.length > 1 && p.startsWith('0')))
      return 'has an octet with a leading zero';
  }
  return 'is not an IPv4 or IPv6 address';
}

/** Parses a CIDR block (`10.25.11.96/27`, `fd00::/120`). @public */
export function parseCidr(text: string): IpRange | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = parseIpAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!base || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const width = base.family === 'ipv4' ? 32 : 128;
  if (bits > width) return undefined;
  const hostBits = BigInt(width - bits);
  const mask = (1n << hostBits) - 1n;
  const first = base.value & ~mask;
  return { family: base.family, first, last: first | mask, text };
}

/** A `start`/`stop` block; `stop` defaults to `start`, as in Cilium. @public */
export function parseStartStop(
  start: string,
  stop?: string,
): IpRange | undefined {
  const a = parseIpAddress(start);
  const b = stop === undefined ? a : parseIpAddress(stop);
  if (!a || !b || a.family !== b.family || b.value < a.value) return undefined;
  return {
    family: a.family,
    first: a.value,
    last: b.value,
    text: stop === undefined ? start : `${start}-${stop}`,
  };
}

/** @public */
export function rangeContains(range: IpRange, address: IpAddress): boolean {
  return (
    range.family === address.family &&
    address.value >= range.first &&
    address.value <= range.last
  );
}

/** The overlapping part of two ranges, or undefined. @public */
export function rangeOverlap(a: IpRange, b: IpRange): IpRange | undefined {
  if (a.family !== b.family) return undefined;
  const first = a.first > b.first ? a.first : b.first;
  const last = a.last < b.last ? a.last : b.last;
  if (first > last) return undefined;
  return {
    family: a.family,
    first,
    last,
    text: formatRange(a.family, first, last),
  };
}

/** @public */
export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}

/** Text of a range: a single address, or `first-last`. @public */
export function formatRange(
  family: IpFamily,
  first: bigint,
  last: bigint,
): string {
  return first === last
    ? fromBigInt(first, family)
    : `${fromBigInt(first, family)}-${fromBigInt(last, family)}`;
}

/** The address at an integer value. @public */
export function addressAt(family: IpFamily, value: bigint): IpAddress {
  return { family, value, text: fromBigInt(value, family) };
}

/**
 * Orders addresses, or ranges by their first address: IPv4 before IPv6,
 * then by value (a sort comparator). @public
 */
export function compareAddresses(
  a: { family: IpFamily; value: bigint } | IpRange,
  b: { family: IpFamily; value: bigint } | IpRange,
): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  const x = 'value' in a ? a.value : a.first;
  const y = 'value' in b ? b.value : b.first;
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

/** DNS record type for an address family. @public */
export function recordTypeFor(family: IpFamily): 'A' | 'AAAA' {
  return family === 'ipv4' ? 'A' : 'AAAA';
}
