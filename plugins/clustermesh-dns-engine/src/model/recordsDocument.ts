import { envsubst } from '../flux/envsubst';
import { clusterValues, variableReference } from '../conventions/templates';
import type { ClusterModel, MeshModel } from './types';

/**
 * The records document of manual DNS mode is a Markdown table, one row per
 * record: `| cluster | `name` | type | value | ttl |`. It is written by
 * configure and read by the rules; its row format lives here only.
 */

/** One record as a row of the records document. */
export interface RecordsDocumentRecord {
  cluster: string;
  /** As committed: a secret part as its `${NAME}` or `<secret:NAME>`. */
  fqdn: string;
  type: string;
  value: string;
  ttl: number;
}

/** A record's row of the records document. */
export const recordRow = (r: RecordsDocumentRecord) =>
  `| ${r.cluster} | \`${r.fqdn}\` | ${r.type} | ${r.value} | ${r.ttl} |`;

/** Whether the records document has a row of a cluster (its first cell). */
export const documentListsCluster = (text: string, cluster: string) =>
  text.split('\n').some(l => l.startsWith(`| ${cluster} |`));

/** The records the document's rows list (five cells, the name backquoted), in order. */
export function documentRecords(text: string): RecordsDocumentRecord[] {
  return text.split('\n').flatMap(line => {
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map(cell => cell.trim());
    const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!line.trim().startsWith('|') || cells.length !== 5 || !name) return [];
    return [
      {
        cluster: cells[0],
        fqdn: name,
        type: cells[2],
        value: cells[3],
        ttl: Number(cells[4]),
      },
    ];
  });
}

/** The row of a record, read back: its line (1-based) and its TTL cell. */
export interface RecordsDocumentRow {
  line: number;
  /** The record's name as the row writes it (its backquoted cell), if it has one. */
  name?: string;
  /** The last cell as written (a number, unless edited by hand). */
  ttl: string | undefined;
  /** The value cell as written (the address), in a row of five cells. */
  value?: string;
}

/**
 * The row that lists one of a record's names at an address; undefined
 * when none does. A row edited by hand (spaces, more cells) still counts
 * when it holds both.
 */
export function findRecordRow(
  text: string,
  names: readonly string[],
  /** The address it is at; any, when undefined. */
  address: string | undefined,
  /** A row's name as Flux would resolve it for the cluster (`${SECRET_DOMAIN}` as committed). */
  resolveName: (name: string) => string = name => name,
): RecordsDocumentRow | undefined {
  const lines = text.split('\n');
  const index = lines.findIndex(l => {
    if (address !== undefined && !l.includes(address)) return false;
    if (address === undefined && !l.trim().startsWith('|')) return false;
    if (names.some(n => l.includes(n))) return true;
    const cell = /`([^`]+)`/.exec(l)?.[1];
    return cell !== undefined && names.includes(resolveName(cell));
  });
  if (index < 0) return undefined;
  const cells = lines[index]
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map(cell => cell.trim());
  const name = /`([^`]+)`/.exec(lines[index])?.[1];
  return {
    line: index + 1,
    ...(name !== undefined && { name }),
    ttl: cells.length >= 5 ? cells[cells.length - 1] : undefined,
    ...(cells.length >= 5 && { value: cells[cells.length - 2] }),
  };
}

/**
 * Where the records document lists a cluster's record (its FQDN, as
 * rendered or as written, at its LB IP): the file, whether the repository
 * holds it, and the row when one lists the record. No row when the cluster
 * has no FQDN or address to look for.
 */
export function clusterRecordRow(
  mesh: MeshModel,
  cluster: ClusterModel,
): {
  file: string;
  present: boolean;
  row?: RecordsDocumentRow;
  /** Without a row at its address: a row of its name at another. */
  named?: RecordsDocumentRow;
} {
  const file = mesh.conventions.dns.recordsDocument;
  const text = mesh.repository.readText(file);
  if (text === undefined) return { file, present: false };
  if (!cluster.fqdn || !cluster.lbIpAddress) return { file, present: true };
  // configure commits a secret or given part as its `${NAME}`
  const resolve = (name: string) => {
    const out = envsubst(
      name,
      variable =>
        clusterValues(mesh.conventions, cluster.name)[variable] ??
        cluster.settings.value(variable) ??
        variableReference(variable),
      { strict: false },
    );
    return out.ok ? out.output : name;
  };
  const names = [cluster.fqdn.value, cluster.fqdn.raw];
  const row = findRecordRow(text, names, cluster.lbIpAddress.text, resolve);
  return {
    file,
    present: true,
    row,
    named: row ? undefined : findRecordRow(text, names, undefined, resolve),
  };
}
