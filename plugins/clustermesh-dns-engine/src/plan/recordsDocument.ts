import { envsubst, referencedVariables } from '../flux/envsubst';
import { MeshConventions, recordsDocumentMarker } from '../conventions/schema';
import type { MeshDnsChangeInput } from './input';
import type { MeshDnsRecord } from './types';
import { documentRecords, recordRow } from '../model/recordsDocument';
import type { EditSet } from './transaction';

/**
 * Plans the records document of manual mode: the record table and, for
 * Cloudflare, an OpenTofu/Terraform snippet, for every cluster of the mesh after the
 * change (a run that configures some clusters keeps the others' rows; a
 * removed cluster's row goes). The records' names are as committed: a
 * secret part is its `${NAME}` (a Terraform variable in the snippet).
 */
export function planRecordsDocument(
  edits: EditSet,
  conventions: MeshConventions,
  records: MeshDnsRecord[],
  input: MeshDnsChangeInput,
  /** Whether the clusters hold different values of a variable of the names (each its own Secret). */
  perCluster: (variable: string) => boolean = () => false,
  /** The change's notes, where what to know of the document is said. */
  notes: string[] = [],
) {
  const file = conventions.dns.recordsDocument;
  // as the repository's own OpenTofu writes its Cloudflare records
  const own = terraformRecords(edits);
  const resource =
    input.cloudflareResource ?? own?.resource ?? 'cloudflare_dns_record';
  const zoneId = own?.zoneId ?? 'var.cloudflare_zone_id';
  const content = resource === 'cloudflare_record' ? 'value' : 'content';
  const hcl = records
    .map(r => {
      const label = `clustermesh_${r.cluster.replace(/-/g, '_')}`;
      // a variable of the name (`${SECRET_DOMAIN}`) is a Terraform variable,
      // one per cluster where each holds its own value
      const terraform = envsubst(
        r.fqdn,
        variable =>
          `\${var.${variable.toLowerCase()}${
            perCluster(variable) ? `_${label.slice('clustermesh_'.length)}` : ''
          }}`,
        { strict: false },
      );
      const name = terraform.ok ? terraform.output : r.fqdn;
      return `resource "${resource}" "${label}" {\n  zone_id = ${zoneId}\n  name    = "${name}"\n  type    = "${
        r.type
      }"\n  ${content.padEnd(7)} = "${r.value}"\n  ttl     = ${
        r.ttl
      }\n  proxied = false # ClusterMesh is TLS to the API server: DNS only\n}`;
    })
    .join('\n\n');
  // "DNS only" and the Terraform resources are Cloudflare's: written when
  // the zone is known to be there (detected from ExternalDNS, configured,
  // or the run names the Cloudflare resource), not for the default alone
  const cloudflare =
    conventions.dns.provider === 'cloudflare' &&
    (input.cloudflareResource !== undefined ||
      conventions.provenance?.some(
        p => p.setting === 'dns.provider' && p.source !== 'default',
      ) === true);
  // several providers in the repository: which one serves the zone is the
  // user's to say, not "nothing says"
  const mixed = conventions.provenance?.find(
    p => p.setting === 'dns.provider' && p.source === 'default',
  );
  const text = `# ClusterMesh DNS records\n\n${recordsDocumentMarker}: create these records in\nthe DNS provider.${
    cloudflare
      ? ' They must be **DNS only** (not proxied).'
      : ` ClusterMesh is TLS to each API server: point the names at the addresses directly, with no proxy in between.${
          conventions.dns.provider === 'cloudflare'
            ? ` (${
                mixed
                  ? 'The repository publishes its other records to several DNS providers, so which one serves these names is not known here'
                  : 'Nothing in the repository says which provider serves the zone'
              }. If it is Cloudflare, say so with \`dns.provider: cloudflare\` in the conventions: this document then holds an OpenTofu snippet of the records.)`
            : ''
        }`
  }\n\n| Cluster | Name | Type | Value | TTL |\n|---|---|---|---|---|\n${records
    .map(recordRow)
    .join('\n')}\n${ownValues(records, perCluster)}${
    cloudflare
      ? `\n## OpenTofu / Terraform (Cloudflare provider ${
          resource === 'cloudflare_record' ? 'v4' : 'v5'
        })\n\n${
          own
            ? `As \`${own.file}\` writes the repository's other records (${
                own.zoneId ? 'its `zone_id`, ' : ''
              }its resource type): add these there.${undeclaredVariables(
                edits,
                own.file,
                hcl,
              )}\n\n`
            : ''
        }\`\`\`hcl\n${hcl}\n\`\`\`\n`
      : ''
  }`;
  if (edits.before(file) !== text) {
    edits.created.set(file, text);
    const earlier = edits.before(file);
    const atProvider =
      earlier === undefined ? [] : providerChanges(earlier, records);
    edits.reason(
      file,
      earlier === undefined
        ? 'the records to create by hand (manual DNS mode)'
        : `the records to keep by hand (manual DNS mode), updated${
            atProvider.length
              ? `: at the DNS provider, ${atProvider.join('; ')}`
              : ''
          }`,
    );
    const site = publishedSite(edits, file);
    if (site)
      notes.push(
        `${file} is in a folder published as a website (${site}): the records, with the clusters' addresses, are published with it; set dns.recordsDocument in the conventions to a path outside it if that is not wanted.`,
      );
  }
}

/**
 * What the owner does at the DNS provider for the document's new rows,
 * which nothing publishes: each record created, changed or deleted, by
 * its row's name (a secret part as committed).
 */
function providerChanges(
  earlier: string,
  records: readonly MeshDnsRecord[],
): string[] {
  const said = (r: { fqdn: string; type: string; value: string }) =>
    `\`${r.fqdn}\` ${r.type} ${r.value}`;
  const before = documentRecords(earlier);
  const rowOf = (r: { cluster: string; fqdn: string }) =>
    before.find(b => b.cluster === r.cluster && b.fqdn === r.fqdn) ??
    before.find(b => b.cluster === r.cluster);
  const changed = records.flatMap(r => {
    const row = rowOf(r);
    if (!row) return [`create ${said(r)}`];
    if (row.fqdn !== r.fqdn)
      return [`delete ${said(row)}`, `create ${said(r)}`];
    if (row.value !== r.value || row.type !== r.type)
      return [
        `change \`${r.fqdn}\` to ${r.type} ${r.value} (was ${row.type} ${row.value})`,
      ];
    // (a TTL cell edited by hand, not a number: not compared)
    return Number.isFinite(row.ttl) && row.ttl !== r.ttl
      ? [`give \`${r.fqdn}\` TTL ${r.ttl} (was ${row.ttl})`]
      : [];
  });
  const gone = before
    .filter(b => !records.some(r => r.cluster === b.cluster))
    .map(b => `delete ${said(b)}`);
  return [...changed, ...gone];
}

/**
 * The repository's own OpenTofu/Terraform Cloudflare records, where it
 * keeps some: the resource type and the `zone_id` its first one uses, and
 * its file (`provision/cloudflare/dns_records.tf`).
 */
function terraformRecords(
  edits: Pick<EditSet, 'repositoryPaths' | 'before'>,
): { resource: string; zoneId?: string; file: string } | undefined {
  let found: { resource: string; file: string } | undefined;
  for (const path of edits.repositoryPaths()) {
    if (!path.endsWith('.tf')) continue;
    const text = edits.before(path);
    if (!text) continue;
    for (const block of text.matchAll(
      /resource\s+"(cloudflare_dns_record|cloudflare_record)"\s+"[^"]*"\s*\{([\s\S]*?)\n\}/g,
    )) {
      found ??= { resource: block[1], file: path };
      const zoneId = /^\s*zone_id\s*=\s*(.+?)\s*$/m.exec(block[2])?.[1];
      // `each.key`, `count.index` mean something only in a block that
      // repeats (for_each, count): not in one record of its own
      if (zoneId && !/\b(?:each|count)\./.test(zoneId))
        return { resource: block[1], zoneId, file: path };
    }
  }
  return found;
}

/**
 * Said where the snippet's names use Terraform variables the module of
 * the repository's own records file declares nowhere (codehoschi's
 * `terraform/cloudflare`, whose domain comes from a SOPS data source):
 * pasted as it is, the snippet would not plan.
 */
function undeclaredVariables(
  edits: Pick<EditSet, 'repositoryPaths' | 'before'>,
  file: string,
  hcl: string,
): string {
  const used = [
    ...new Set([...hcl.matchAll(/\$\{var\.([A-Za-z0-9_]+)\}/g)].map(m => m[1])),
  ];
  if (!used.length) return '';
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const module = edits
    .repositoryPaths()
    .filter(
      p =>
        p.endsWith('.tf') &&
        (dir ? p.slice(0, p.lastIndexOf('/')) === dir : !p.includes('/')),
    )
    .map(p => edits.before(p) ?? '')
    .join('\n');
  const missing = used.filter(
    v => !new RegExp(`\\bvariable\\s+"${v}"`).test(module),
  );
  return missing.length
    ? ` The names use ${missing.map(v => `\`var.${v}\``).join(', ')}, which ${
        dir || 'the module'
      } declares nowhere: declare ${
        missing.length > 1 ? 'them' : 'it'
      } (\`variable "${
        missing[0]
      }" {}\`), or write the names as \`${file}\` writes its own.`
    : '';
}

/**
 * The file that makes a document's folder a published website (GitHub
 * Pages' Jekyll `_config.yml` or `CNAME`, MkDocs' `docs/`, Sphinx's
 * `conf.py`, Docusaurus), if one does.
 */
function publishedSite(
  edits: Pick<EditSet, 'exists'>,
  file: string,
): string | undefined {
  const parts = file.split('/').slice(0, -1);
  for (let depth = parts.length; depth > 0; depth--) {
    const dir = parts.slice(0, depth).join('/');
    const marker = [
      '_config.yml',
      'CNAME',
      'conf.py',
      'docusaurus.config.js',
    ].find(name => edits.exists(`${dir}/${name}`));
    if (marker) return `${dir}/${marker}`;
  }
  // MkDocs publishes docs/ (its default docs_dir) next to mkdocs.yml
  if (parts[0] === 'docs' && edits.exists('mkdocs.yml')) return 'mkdocs.yml';
  return undefined;
}

/** Said under the table: the variables of the names whose value is each cluster's own. */
function ownValues(
  records: readonly MeshDnsRecord[],
  perCluster: (variable: string) => boolean,
): string {
  const own = [
    ...new Set(records.flatMap(r => referencedVariables(r.fqdn))),
  ].filter(perCluster);
  return own.length
    ? `\n${own.map(v => `\`\${${v}}\``).join(', ')} ${
        own.length > 1 ? 'are' : 'is'
      } each cluster's own (their Secrets hold different values): each name takes its cluster's value.\n`
    : '';
}
