import { promises as dnsPromises } from 'node:dns';
import type { LiveCheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { parseIpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { mapLimit } from './limit';

/** The part of Node's `dns.promises.Resolver` the check uses. */
export interface ResolverLike {
  setServers(servers: string[]): void;
  resolve4(
    hostname: string,
    options: { ttl: true },
  ): Promise<{ address: string; ttl: number }[]>;
  resolve6(
    hostname: string,
    options: { ttl: true },
  ): Promise<{ address: string; ttl: number }[]>;
  cancel(): void;
}

/** Makes a resolver asking one server, each query tried once with the given timeout. */
export type ResolverFactory = (options: {
  timeout: number;
  tries: number;
}) => ResolverLike;

const nodeResolver: ResolverFactory = options =>
  new dnsPromises.Resolver(options) as unknown as ResolverLike;

/** One name to check. */
export interface DnsQuery {
  cluster: string;
  /** The name to ask for (secret parts filled in: never shown). */
  name: string;
  /** The name as it may be shown: secret parts as `<secret:NAME>`. */
  display: string;
  family: 'ipv4' | 'ipv6';
  /** The LB IP the answer must be. */
  expected: string;
  /** The declared TTL; 1 (a provider's "auto") is not compared. */
  ttl?: number;
}

interface ServerState {
  server: string;
  resolver: ResolverLike;
  /** Why the server is not asked again in this run. */
  dead?: string;
}

const timeoutCodes = new Set(['ETIMEOUT', 'ECANCELLED', 'ETIMEDOUT']);
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The `dns-resolves` live check: each FQDN's A (IPv4) or AAAA (IPv6) answer
 * from the configured resolvers, compared with the LB IP, and its TTL with
 * the declared one. At most `concurrency` queries are in flight, each with
 * its own timeout; a server that times out once is dead for the rest of the
 * run (its queries in flight are cancelled), so a dead resolver costs about
 * one timeout for the whole mesh. Queries go only to the given servers.
 */
export class DnsCheck {
  constructor(
    private readonly options: {
      servers: string[];
      timeoutMs: number;
      concurrency: number;
      createResolver?: ResolverFactory;
    },
  ) {
    if (options.servers.length === 0)
      throw new Error('dns-resolves needs at least one server');
  }

  async run(queries: DnsQuery[]): Promise<LiveCheckResult[]> {
    const create = this.options.createResolver ?? nodeResolver;
    const servers: ServerState[] = this.options.servers.map(server => {
      const resolver = create({ timeout: this.options.timeoutMs, tries: 1 });
      resolver.setServers([server]);
      return { server, resolver };
    });
    try {
      return await mapLimit(queries, this.options.concurrency, q =>
        this.#query(servers, q),
      );
    } finally {
      for (const s of servers) s.resolver.cancel();
    }
  }

  async #ask(
    state: ServerState,
    query: DnsQuery,
  ): Promise<{ address: string; ttl: number }[]> {
    const { timeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    // the resolver's own timeout decides; this only guards against a hang
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })),
        timeoutMs + 1000,
      );
    });
    try {
      const answer =
        query.family === 'ipv6'
          ? state.resolver.resolve6(query.name, { ttl: true })
          : state.resolver.resolve4(query.name, { ttl: true });
      return await Promise.race([answer, guard]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #query(
    servers: ServerState[],
    query: DnsQuery,
  ): Promise<LiveCheckResult> {
    const type = query.family === 'ipv6' ? 'AAAA' : 'A';
    const result = (
      outcome: LiveCheckResult['outcome'],
      message: string,
      observed?: LiveCheckResult['observed'],
    ): LiveCheckResult => ({
      check: 'dns-resolves',
      cluster: query.cluster,
      outcome,
      message,
      ...(observed ? { observed } : {}),
    });
    const problems: string[] = [];
    for (const state of servers) {
      if (state.dead) {
        problems.push(`${state.server} ${state.dead}`);
        continue;
      }
      let answers: { address: string; ttl: number }[];
      try {
        answers = await this.#ask(state, query);
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'EUNKNOWN';
        if (code === 'ENOTFOUND')
          return result(
            'fail',
            `${query.display} does not exist (NXDOMAIN from ${state.server})`,
            {
              server: state.server,
              rcode: 'NXDOMAIN',
            },
          );
        if (code === 'ENODATA')
          return result(
            'fail',
            `${query.display} has no ${type} record (answer of ${state.server})`,
            {
              server: state.server,
              rcode: 'NODATA',
            },
          );
        if (timeoutCodes.has(code) || unreachableCodes.has(code)) {
          if (!state.dead) {
            state.dead =
              code === 'ECANCELLED' || timeoutCodes.has(code)
                ? `did not answer within ${this.options.timeoutMs} ms`
                : `cannot be reached (${code})`;
            // the queries in flight to it end now, not one timeout each
            state.resolver.cancel();
          }
          problems.push(`${state.server} ${state.dead}`);
          continue;
        }
        // SERVFAIL, REFUSED, ...: ask the next server
        problems.push(`${state.server} answered ${code}`);
        continue;
      }
      const expected = parseIpAddress(query.expected)?.text ?? query.expected;
      const addresses = answers.map(
        a => parseIpAddress(a.address)?.text ?? a.address,
      );
      const ttl = Math.max(...answers.map(a => a.ttl));
      const observed = { server: state.server, answers: addresses, ttl };
      if (!addresses.includes(expected))
        return result(
          'fail',
          `${query.display} ${type} is ${addresses.join(
            ', ',
          )}, not the LB IP ${expected}`,
          observed,
        );
      if (addresses.length > 1)
        return result(
          'fail',
          `${query.display} ${type} has ${
            addresses.length
          } addresses (${addresses.join(
            ', ',
          )}); only the LB IP ${expected} is expected`,
          observed,
        );
      if (query.ttl !== undefined && query.ttl > 1 && ttl > query.ttl)
        return result(
          'fail',
          `${query.display} ${type} ${expected} has TTL ${ttl}, above the declared ${query.ttl}`,
          observed,
        );
      return result(
        'pass',
        `${query.display} ${type} is ${expected} (TTL ${ttl})`,
        observed,
      );
    }
    return result(
      'not-evaluated',
      `${query.display} could not be resolved: ${problems.join('; ')}`,
      { servers: servers.map(s => s.server) },
    );
  }
}
