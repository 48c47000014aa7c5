import { coreDnsHostsOf, HostsEntry } from '../model/coreDnsHosts';
import { ChangeContext, resolvedFqdn } from './change';
import type { EditSet } from './transaction';

/** What happens to one line of a hosts block. */
interface LineChange {
  /** The entry read from the line (checked against the line before editing). */
  entry: HostsEntry;
  /** Its new address. */
  address?: string;
  /** The line goes (a removed cluster's entry). */
  drop?: boolean;
  /** Entries to add after it (`<address> <name>`). */
  inserts: string[];
}

const bareName = (fqdn: string) => fqdn.toLowerCase().replace(/\.$/, '');

/** The whitespace-separated fields of a hosts line, without its comment. */
const fieldsOf = (line: string) => line.replace(/#.*/, '').trim().split(/\s+/);

/**
 * In manual mode, the records the peers' CoreDNS keeps in `hosts` entries
 * (see `coreDnsHostsOf`) follow the change: an entry for a configured
 * cluster's FQDN takes its new address, a removed cluster's entries go, and
 * a cluster joining gets an entry after the mesh's others in each peer's
 * hosts block. Returns the clusters whose records are kept there after the
 * change (every peer answers their FQDN), with the TTL they are answered
 * with: the records document need not list them.
 */
export function planHostsEntries(
  edits: EditSet,
  ctx: ChangeContext,
): Map<string, number> {
  const { mesh } = ctx;
  const fqdnOf = new Map(
    [...ctx.members, ...ctx.removed]
      .filter(c => mesh.byName.has(c))
      .map(c => [c, bareName(resolvedFqdn(ctx, c))]),
  );
  const meshNames = new Set(ctx.members.map(c => fqdnOf.get(c)));
  const changes = new Map<string, Map<number, LineChange>>();
  /** The change of an entry's line (one peer's block may render for several clusters). */
  const lineOf = (entry: HostsEntry): LineChange => {
    const { file, line } = entry.location;
    let byLine = changes.get(file);
    if (!byLine) changes.set(file, (byLine = new Map()));
    let found = byLine.get(line);
    if (!found) byLine.set(line, (found = { entry, inserts: [] }));
    return found;
  };
  const kept = new Map<string, number>();
  for (const cluster of ctx.members) {
    const fqdn = fqdnOf.get(cluster);
    const ip =
      ctx.configured.get(cluster)?.text ??
      mesh.byName.get(cluster)?.lbIpAddress?.text;
    if (!fqdn || !ip) continue;
    // the peers resolve it; the cluster's own CoreDNS follows where it names it too
    let everyPeer = ctx.members.length > 1;
    let ttl: number | undefined;
    for (const member of ctx.members) {
      const isPeer = member !== cluster;
      const entries = coreDnsHostsOf(mesh.byName.get(member)!);
      const own = entries.filter(e => e.name === fqdn);
      if (own.length) {
        if (isPeer) ttl ??= own[0].ttl;
        if (ctx.configured.has(cluster))
          for (const entry of own.filter(e => e.address !== ip))
            lineOf(entry).address = ip;
        continue;
      }
      // a mesh kept in this peer's hosts entries: the new one joins them
      const others = entries.filter(
        e => e.name !== fqdn && meshNames.has(e.name),
      );
      const last = others.reduce<HostsEntry | undefined>(
        (found, e) =>
          found &&
          (found.location.file !== e.location.file ||
            found.location.line >= e.location.line)
            ? found
            : e,
        undefined,
      );
      if (!last || !ctx.configured.has(cluster)) {
        if (isPeer) everyPeer = false;
        continue;
      }
      if (isPeer) ttl ??= last.ttl;
      const after = lineOf(last);
      if (!after.inserts.includes(`${ip} ${fqdn}`))
        after.inserts.push(`${ip} ${fqdn}`);
    }
    if (everyPeer && ttl !== undefined) kept.set(cluster, ttl);
  }
  for (const cluster of ctx.removed) {
    const fqdn = fqdnOf.get(cluster);
    if (!fqdn) continue;
    for (const c of mesh.clusters)
      for (const entry of coreDnsHostsOf(c).filter(e => e.name === fqdn))
        lineOf(entry).drop = true;
  }
  for (const [file, byLine] of changes) {
    edits.editText(file, 'the CoreDNS hosts entries', text => {
      const lines = text.split('\n');
      // bottom up: an added or dropped line moves none still to edit
      const byLineDown = [...byLine].sort(([a], [b]) => b - a);
      for (const [line, c] of byLineDown) {
        const at = line - 1;
        const fields = fieldsOf(lines[at] ?? '');
        // the entry's own line, as read, or the file says otherwise
        if (!fields.slice(1).some(n => bareName(n) === c.entry.name)) continue;
        const indent = /^\s*/.exec(lines[at])![0];
        lines.splice(at + 1, 0, ...c.inserts.map(e => `${indent}${e}`));
        for (const e of c.inserts) {
          const [address, name] = e.split(' ');
          edits.reason(
            file,
            `${name} answered with ${address} (CoreDNS hosts entry), beside the mesh's others`,
          );
        }
        if (c.drop) {
          edits.reason(file, `${c.entry.name} no longer answered (removed)`);
          if (fields.length > 2)
            // other names share the line: only this one goes
            lines[at] = lines[at].replace(
              new RegExp(
                `\\s+${c.entry.name.replace(/\./g, '\\.')}\\.?(?=\\s|#|$)`,
                'i',
              ),
              '',
            );
          else lines.splice(at, 1);
        } else if (c.address !== undefined) {
          lines[at] = lines[at].replace(fields[0], c.address);
          edits.reason(
            file,
            `${c.entry.name} answered with ${c.address}, its new LB IP (CoreDNS hosts entry)`,
          );
        }
      }
      return lines.join('\n');
    });
  }
  return kept;
}
