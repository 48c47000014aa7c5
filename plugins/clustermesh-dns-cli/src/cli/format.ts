import {
  CheckResult,
  clusterSegment,
  DeclaredStatus,
  Finding,
  formatLocation,
  groupChecks,
  hasRecord,
  MeshReport,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  return rows
    .map(r =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  '),
    )
    .join('\n');
}

const statusWord: Record<DeclaredStatus, string> = {
  pass: 'ok',
  warn: 'WARN',
  fail: 'FAIL',
  'not-evaluated': 'NOT EVALUATED',
  outside: 'outside the mesh',
};

/** The clusters a finding concerns, named when few (a mesh-wide cause counts them). */
function clustersOf(f: Finding): string {
  const clusters = f.affects?.clusters ?? (f.cluster ? [f.cluster] : []);
  if (clusters.length === 0) return '';
  return clusters.length <= 3
    ? `${clusters.join(', ')}: `
    : `${clusters.length} clusters: `;
}

/** The record a cluster's row shows: its type and TTL, where the report found one. */
function recordCell(c: MeshReport['clusters'][number]): string {
  return hasRecord(c) && c.record?.type
    ? `${c.record.type} ${c.record.ttl}`
    : '-';
}

/** A finding on one line: which clusters, where, then what. */
const findingLine = (f: Finding) =>
  `${clustersOf(f)}${
    f.location
      ? `${placesOf(f, f.location)} ${f.message}`
      : `${f.message}${f.unlocated ? ` (no location: ${f.unlocated})` : ''}`
  }`;

/** Where a finding is: its location, and the other places of its cause (one per cluster's file). */
function placesOf(f: Finding, location: SourceLocation): string {
  const first = formatLocation(location);
  const others = [
    ...new Set(f.affects?.examples.map(e => formatLocation(e.location))),
  ].filter(place => place !== first);
  // the places past the examples, counted
  const more = (f.affects?.count ?? 0) - (f.affects?.examples.length ?? 0);
  const rest = [
    ...others,
    ...(more > 0 ? [`${more} more ${more === 1 ? 'place' : 'places'}`] : []),
  ];
  return rest.length ? `${first} (and ${rest.join(', ')})` : first;
}

/**
 * Checks one line each: the clusters, what, then where. One cause in a
 * shared file (the same message at the same place for several clusters)
 * is one line naming them.
 */
function checkLines(checks: readonly CheckResult[]): string[] {
  return groupChecks(checks).map(({ check: c, clusters, places }) => {
    const named =
      clusters.length > 5
        ? `${clusters.length} clusters (${clusters
            .slice(0, 3)
            .join(', ')} and ${clusters.length - 3} more): `
        : `${clusters.join(', ')}${clusters.length ? ': ' : ''}`;
    const more = places.length - 1;
    const where = places.length
      ? ` (${places[0]}${
          more > 0
            ? `, and the same in ${
                more === 1
                  ? "the other cluster's own file"
                  : `the ${more} others' own files`
              }`
            : ''
        })`
      : '';
    return `[${c.ruleId}] ${named}${c.message}${where}`;
  });
}

/**
 * The rules a cluster passes, of those that apply to it: a rule with
 * several outcomes (one per peer) counts once, and passes when all do.
 */
function checksCell(checks: readonly CheckResult[]): string {
  const applicable = new Map<string, boolean>();
  for (const c of checks)
    if (c.outcome !== 'not-applicable')
      applicable.set(
        c.ruleId,
        (applicable.get(c.ruleId) ?? true) && c.outcome === 'pass',
      );
  const passed = [...applicable.values()].filter(Boolean).length;
  return `${passed}/${applicable.size}`;
}

/** The report as a person reads it in a terminal (no colour needed: status is a word). @public */
export function formatReportText(
  report: MeshReport,
  repo: string,
  options: {
    verbose?: boolean;
    /**
     * Whether a variable holds a value of each cluster's own (its FQDN, its
     * LB IP, a peer's FQDN): a `--value` would give every cluster the same.
     */
    perCluster?: (variable: string) => boolean;
  } = {},
): string {
  const out: string[] = [];
  out.push(
    // none: a repository of one cluster is no mesh (the warning says which)
    `ClusterMesh DNS: ${repo} (${
      report.summary.clusters
        ? `${report.summary.clusters} cluster${
            report.summary.clusters === 1 ? '' : 's'
          }`
        : 'no mesh of clusters found'
    })`,
    '',
  );
  if (report.clusters.length) {
    out.push(
      table([
        ['CLUSTER', 'FQDN', 'LB IP', 'POOL', 'RECORD', 'CHECKS', 'STATUS'],
        ...report.clusters.map(c => [
          c.name,
          c.fqdn?.resolved ?? '-',
          c.lbIp?.value ?? '-',
          c.pool ? `${c.pool.name}` : '-',
          recordCell(c),
          checksCell(c.checks),
          // failed by what Flux would do with its files, not by a check
          c.status === 'fail' && c.counts.failed === 0
            ? 'FAIL (errors below, not the checks)'
            : statusWord[c.status],
        ]),
      ]),
      '',
    );
  }
  const all: CheckResult[] = [
    ...report.clusters.flatMap(c => c.checks),
    ...report.meshChecks,
  ];
  const section = (title: string, lines: string[]) => {
    if (lines.length) out.push(`${title}:`, ...lines.map(l => `  ${l}`), '');
  };
  // what the repository was read with, so a surprising verdict can be traced
  section(
    'Conventions',
    report.conventions
      .filter(c => options.verbose || c.source !== 'default')
      .map(
        c =>
          `${c.setting} = ${c.value === '' ? '(none)' : c.value} (${
            c.source
          }: ${c.reason})`,
      ),
  );
  const membershipLine = (c: MeshReport['clusters'][number]) =>
    `${c.name}: ${c.membership.reason}${
      c.membership.location ? ` (${formatLocation(c.membership.location)})` : ''
    }`;
  const outside = report.clusters.filter(c => !c.membership.member);
  section(
    'Outside the mesh (not checked)',
    outside.filter(c => !c.membership.unknown).map(membershipLine),
  );
  section(
    'In the mesh or not: not known (not checked)',
    outside.filter(c => c.membership.unknown).map(membershipLine),
  );
  section(
    'Overridden by the conventions',
    report.overrides.map(o => `${o.what} (${o.source})`),
  );
  // a finding a failed check names as its cause is said once, by the check
  const cited = new Set(
    all.filter(c => c.outcome === 'fail' && c.cause).map(c => c.cause),
  );
  const uncited = report.findings.filter(f => !cited.has(f.id));
  section('Errors', [
    ...uncited
      .filter(f => f.severity === 'error')
      .map(f => `[${f.code}] ${findingLine(f)}`),
    ...checkLines(
      all.filter(c => c.outcome === 'fail' && c.severity === 'error'),
    ),
  ]);
  section('Warnings', [
    ...uncited
      .filter(f => f.severity !== 'error')
      .map(f => `[${f.code}] ${findingLine(f)}`),
    ...checkLines(
      all.filter(c => c.outcome === 'fail' && c.severity !== 'error'),
    ),
  ]);
  // one line per rule; a fix worded alike for another cluster's own file
  // (its paths aside) is named by its cluster, not repeated; a fix that
  // says something else for some clusters is its own line, naming them
  const fixes = new Map<
    string,
    { key: string; fix: string; clusters: string[] }[]
  >();
  for (const c of all) {
    if (c.outcome !== 'fail' || !c.remediation) continue;
    const key = c.cluster
      ? c.remediation.replace(clusterSegment(c.cluster), '\u0000')
      : c.remediation;
    const groups = fixes.get(c.ruleId) ?? [];
    fixes.set(c.ruleId, groups);
    const group = groups.find(g => g.key === key);
    if (!group)
      groups.push({
        key,
        fix: c.remediation,
        clusters: c.cluster ? [c.cluster] : [],
      });
    else if (c.cluster && !group.clusters.includes(c.cluster))
      group.clusters.push(c.cluster);
  }
  section(
    'How to fix',
    [...fixes].flatMap(([rule, groups]) =>
      groups.map(({ fix, clusters }) => {
        const [first, ...elsewhere] = clusters;
        const who = groups.length > 1 && first ? `${first}: ` : '';
        return `[${rule}] ${who}${fix}${likewise(
          elsewhere,
          fix.includes(`/${first}/`),
          groups.length > 1,
        )}`;
      }),
    ),
  );
  const notEvaluated = [
    ...report.notEvaluated.filter(f => f.severity !== 'info').map(findingLine),
    ...checkLines(all.filter(c => c.outcome === 'not-evaluated')),
  ];
  section('Not evaluated', notEvaluated);
  // parts no check reads from (or suspended ones, checked as Flux
  // would apply them once resumed): listed on request, counted always
  const unread = report.notEvaluated.filter(f => f.severity === 'info');
  if (options.verbose)
    section(
      `Noted, and no check depends on ${unread.length === 1 ? 'it' : 'them'}`,
      unread.map(findingLine),
    );
  else if (unread.length)
    out.push(
      `Noted, and no check depends on ${unread.length === 1 ? 'it' : 'them'}: ${
        unread.length
      } ${unread.length === 1 ? 'part' : 'parts'} (--verbose lists ${
        unread.length === 1 ? 'it' : 'them'
      }).`,
      '',
    );
  out.push(...unknownValuesLines(notEvaluated, options.perCluster));
  if (options.verbose) {
    section(
      'Not applicable',
      checkLines(all.filter(c => c.outcome === 'not-applicable')),
    );
    section('Passed', checkLines(all.filter(c => c.outcome === 'pass')));
  }
  const s = report.summary;
  // every check evaluated, but parts not read: what they may add is not
  // checked, and the verdict says so beside the count
  const partsUnread = report.notEvaluated.filter(
    f => f.severity !== 'info',
  ).length;
  const verdict = {
    fail: 'FAILED',
    warn: 'passed with warnings',
    pass: partsUnread
      ? `passed for what could be read (${partsUnread} ${
          partsUnread === 1 ? 'part' : 'parts'
        } not evaluated, listed above)`
      : 'passed',
    'not-evaluated': 'not everything could be evaluated',
    // no cluster found at all: nothing was checked, not a mesh of none
    outside: s.clusters
      ? 'no cluster is in the mesh'
      : 'no mesh of clusters found, nothing checked',
  }[s.status];
  // clusters whose membership is not known have no checks to count
  const clustersNotEvaluated = s.notEvaluated
    ? `, ${s.notEvaluated} ${
        s.notEvaluated === 1 ? 'cluster' : 'clusters'
      } not evaluated`
    : '';
  out.push(
    `${s.passed} passed, ${s.errors} ${s.errors === 1 ? 'error' : 'errors'}, ${
      s.warnings
    } ${s.warnings === 1 ? 'warning' : 'warnings'}, ${
      s.unevaluated
    } not evaluated, ${
      s.notApplicable
    } not applicable${clustersNotEvaluated}: ${verdict}`,
  );
  return out.join('\n');
}

/** The other clusters a fix is for: in their own files when it names the first one's. */
function likewise(
  others: readonly string[],
  inOwnFiles: boolean,
  namedClusters: boolean,
): string {
  if (!others.length) return '';
  if (inOwnFiles)
    return ` Likewise for ${others.join(', ')}, in ${
      others.length === 1 ? 'its own file' : 'their own files'
    }.`;
  return namedClusters ? ` Likewise for ${others.join(', ')}.` : '';
}

/**
 * What the command line can give for the variables lines not evaluated
 * name, each named once, with a blank line after; a value of each
 * cluster's own is not one of them (the same for every cluster would be
 * wrong).
 */
export function unknownValuesLines(
  notEvaluated: readonly string[],
  perCluster?: (variable: string) => boolean,
): string[] {
  const out: string[] = [];
  const named = [
    ...new Set(notEvaluated.flatMap(line => unknownVariables(line))),
  ].sort();
  const unknown = named.filter(name => !perCluster?.(name));
  const ownValues = named.filter(name => perCluster?.(name));
  if (ownValues.length)
    out.push(
      `Not known here, and each cluster's own: ${ownValues.join(
        ', ',
      )}. Define them in each cluster's settings, where the Kustomization that substitutes them reads them (its own namespace), or set the conventions' variables to the names the repository uses; to evaluate more here, --value <cluster>:NAME=<value> gives one cluster its value (a plain --value would give every cluster the same).`,
      '',
    );
  if (unknown.length)
    out.push(
      `Not known here: ${unknown.join(', ')}. Give ${
        unknown.length === 1 ? 'its value' : 'their values'
      } to evaluate more: ${unknown
        .map(name => `--value ${name}=<value>`)
        .join(
          ' ',
        )} (or the conventions' values; a value given holds for every cluster, and --value <cluster>:NAME=<value> gives one cluster its own where their Secrets differ).`,
      '',
    );
  return out;
}
