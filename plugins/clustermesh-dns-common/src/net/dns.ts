/**
 * DNS record rules of the providers ClusterMesh DNS writes for.
 */

/** The DNS provider, for TTL ranges and "DNS only". @public */
export type DnsProvider = 'cloudflare' | 'other';

/** Whether a record TTL is within the provider's range. @public */
export function isValidTtl(ttl: unknown, provider: DnsProvider): boolean {
  return (
    typeof ttl === 'number' &&
    Number.isInteger(ttl) &&
    (provider === 'cloudflare'
      ? ttl === 1 || (ttl >= 60 && ttl <= 86400)
      : ttl >= 1 && ttl <= 2147483647)
  );
}

/** The provider's TTL range, in words. @public */
export function ttlRange(provider: DnsProvider): string {
  return provider === 'cloudflare'
    ? '1 (auto) or 60..86400 for Cloudflare'
    : '1..2147483647';
}
