import type { ResolverFactory, ResolverLike } from '../live/dns';

/** A resolver double answering from a table: name → addresses (or an error code). */
export function tableResolver(
  table: Record<string, { address: string; ttl: number }[] | string>,
  asked: { server: string[]; name: string }[] = [],
): ResolverFactory {
  return () => {
    let servers: string[] = [];
    const answer = async (name: string) => {
      asked.push({ server: servers, name });
      const entry = table[name];
      if (entry === undefined || typeof entry === 'string')
        throw Object.assign(new Error(`queryA ${entry ?? 'ENOTFOUND'}`), {
          code: entry ?? 'ENOTFOUND',
        });
      return entry;
    };
    const resolver: ResolverLike = {
      setServers: s => {
        servers = s;
      },
      resolve4: answer,
      resolve6: answer,
      cancel: () => {},
    };
    return resolver;
  };
}
