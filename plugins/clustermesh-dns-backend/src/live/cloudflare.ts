import type { LiveCheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { parseIpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { mapLimit } from './limit';

/** One record to look up in the zone. */
export interface RecordQuery {
  cluster: string;
  /** The name to ask for (secret parts filled in: never shown). */
  name: string;
  /** The name as it may be shown. */
  display: string;
  type: 'A' | 'AAAA';
  expected: string;
  /** The declared TTL (1: automatic). */
  ttl?: number;
  /** Whether the record is declared "DNS only" (not proxied); default yes. */
  dnsOnly?: boolean;
}

interface CloudflareRecord {
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied?: boolean;
}

/**
 * The `provider-record` live check for Cloudflare: the zone's record for
 * each FQDN compared with the LB IP, the declared TTL and "DNS only". The
 * API token is sent in the Authorization header only; it is never part of
 * a message. A refused token (401/403) or a timeout stops the run: the rest
 * is "not evaluated" with that reason, not one failure per cluster.
 */
export class CloudflareCheck {
  constructor(
    private readonly options: {
      zoneId: string;
      apiToken: string;
      apiBaseUrl: string;
      timeoutMs: number;
      concurrency?: number;
      fetch?: typeof fetch;
    },
  ) {}

  async run(queries: RecordQuery[]): Promise<LiveCheckResult[]> {
    const state: { blocked?: string } = {};
    return mapLimit(queries, this.options.concurrency ?? 4, q =>
      this.#check(state, q),
    );
  }

  async #check(
    state: { blocked?: string },
    query: RecordQuery,
  ): Promise<LiveCheckResult> {
    const result = (
      outcome: LiveCheckResult['outcome'],
      message: string,
      observed?: LiveCheckResult['observed'],
    ): LiveCheckResult => ({
      check: 'provider-record',
      cluster: query.cluster,
      outcome,
      message,
      ...(observed ? { observed } : {}),
    });
    if (state.blocked)
      return result('not-evaluated', `Cloudflare not asked: ${state.blocked}`);
    const { apiBaseUrl, zoneId, apiToken, timeoutMs } = this.options;
    const url = `${apiBaseUrl}/zones/${encodeURIComponent(
      zoneId,
    )}/dns_records?type=${query.type}&name=${encodeURIComponent(query.name)}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers: {
          Authorization: `Bearer ${apiToken}`,
          Accept: 'application/json',
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      state.blocked =
        name === 'TimeoutError' || name === 'AbortError'
          ? `the Cloudflare API did not answer within ${timeoutMs} ms`
          : `the Cloudflare API cannot be reached (${
              (error as Error).message
            })`;
      return result('not-evaluated', `Cloudflare: ${state.blocked}`);
    }
    if (response.status === 401 || response.status === 403) {
      state.blocked = `the Cloudflare API refused the configured token (${response.status}); check liveChecks.cloudflare.apiToken and its Zone.DNS read permission`;
      await response.text().catch(() => '');
      return result('not-evaluated', `Cloudflare: ${state.blocked}`, {
        status: response.status,
      });
    }
    let body: {
      success?: boolean;
      result?: CloudflareRecord[];
      errors?: { message?: string }[];
    };
    try {
      body = await response.json();
    } catch {
      return result(
        'not-evaluated',
        `Cloudflare answered ${response.status} without JSON`,
        {
          status: response.status,
        },
      );
    }
    if (!response.ok || !body.success || !Array.isArray(body.result))
      return result(
        'not-evaluated',
        `Cloudflare answered ${response.status}: ${
          (body.errors ?? [])
            .map(e => e.message)
            .filter(Boolean)
            .join('; ') || 'no result'
        }`,
        { status: response.status },
      );
    const records = body.result.filter(r => r.type === query.type);
    if (records.length === 0)
      return result(
        'fail',
        `Cloudflare has no ${query.type} record ${query.display} in the zone`,
      );
    const expected = parseIpAddress(query.expected)?.text ?? query.expected;
    const contents = records.map(
      r => parseIpAddress(r.content)?.text ?? r.content,
    );
    const record = records[contents.indexOf(expected)] ?? records[0];
    const observed = {
      content: contents,
      ttl: record.ttl,
      proxied: record.proxied ?? false,
    };
    const problems: string[] = [];
    if (!contents.includes(expected))
      problems.push(
        `its content is ${contents.join(', ')}, not the LB IP ${expected}`,
      );
    else if (contents.length > 1)
      problems.push(
        `there are ${contents.length} records (${contents.join(
          ', ',
        )}); only the LB IP ${expected} is expected`,
      );
    if (query.ttl !== undefined && record.ttl !== query.ttl)
      problems.push(
        `its TTL is ${record.ttl === 1 ? '1 (auto)' : record.ttl}, declared ${
          query.ttl === 1 ? '1 (auto)' : query.ttl
        }`,
      );
    if ((query.dnsOnly ?? true) && record.proxied)
      problems.push(
        'it is proxied; ClusterMesh peers need "DNS only" (cloudflare-proxied: "false")',
      );
    if (problems.length)
      return result(
        'fail',
        `Cloudflare ${query.type} record ${query.display}: ${problems.join(
          '; ',
        )}`,
        observed,
      );
    return result(
      'pass',
      `Cloudflare ${query.type} record ${query.display} is ${expected}, TTL ${
        record.ttl === 1 ? 'auto' : record.ttl
      }, DNS only`,
      observed,
    );
  }
}
