import { stringify } from 'yaml';
import {
  dirnamePath,
  overlayTree,
  RepoTree,
  TreeIndex,
} from '../tree/RepoTree';
import { envsubst } from '../flux/envsubst';
import {
  rememberLineEdits,
  ScalarLineEdit,
  YamlFileCache,
} from '../flux/YamlFileCache';
import { kustomizationFileNames } from '../flux/kustomize';
import { decodeText, lineAtPath } from '../yaml/documents';
import {
  LineScalarEdit,
  setScalarsOnLines,
  YamlEditError,
  YamlPath,
  YamlTextEditor,
} from '../yaml/edit';
import {
  describeInvalidIp,
  IpAddress,
  parseIpAddress,
  rangeContains,
  recordTypeFor,
} from '../net/ip';
import {
  certificateNameCovers,
  clusterNameProblem,
  hostnameProblem,
  secretPlaceholder,
  secretPlaceholderPattern,
} from '../net/names';
import {
  clusterPath,
  fqdnTemplateFor,
  MeshConventions,
  peerFqdnVariable,
} from '../model/conventions';
import { buildMeshModel, discoverClusters, MeshModel } from '../model/mesh';
import { getPath, isRecord } from '../model/locate';
import { isValidTtl, ttlRange } from '../rules/catalog';
import { MeshReport, reportFromModel } from '../report';

/** What the person asks for: clusters and their LB IPs, and how DNS is kept. @public */
export interface MeshDnsChangeInput {
  /** Clusters to configure, each with the clustermesh-apiserver LoadBalancer IP. */
  clusters: Array<{ name: string; ip: string }>;
  /** Record TTL (default: the conventions' `dns.ttl`). */
  ttl?: number;
  /** `externaldns` (DNSEndpoint) or `manual` (a records document). */
  mode?: 'externaldns' | 'manual';
  /** Terraform resource of the manual records snippet. */
  cloudflareResource?: 'cloudflare_record' | 'cloudflare_dns_record';
}

/** One file the change writes, whole. @public */
export interface FileEdit {
  path: string;
  /** The file before, undefined when it is created. */
  before?: string;
  after: string;
  /** Why it changes, for the pull-request body. */
  reasons: string[];
}

/** A DNS record the change makes (or asks a person to make). @public */
export interface MeshDnsRecord {
  cluster: string;
  /** As Flux inserts it; secret parts as `<secret:NAME>`. */
  fqdn: string;
  type: 'A' | 'AAAA';
  value: string;
  ttl: number;
}

/** An input or planning problem: the field it concerns and why. @public */
export interface PlanProblem {
  /** The input field (`clusters[1].ip`, `ttl`) or the file. */
  field: string;
  message: string;
}

/** @public */
export interface MeshDnsChangePlan {
  /** Empty when there are problems: nothing is half-changed. */
  edits: FileEdit[];
  records: MeshDnsRecord[];
  problems: PlanProblem[];
  /** Markdown for the pull-request body. */
  summary: string;
  /** Rules failing before and passing once the edits are applied. */
  fixedRules: string[];
  /** The report of the repository with the edits applied. */
  report?: MeshReport;
}

const SOPS = /^sops:\s*$/m;

/** A problem with one file or field, which stops the plan. */
class PlanError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** The text of a file, or undefined when the tree has none. */
function textOf(tree: RepoTree, path: string): string | undefined {
  const bytes = tree.read(path);
  if (!bytes) return undefined;
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    throw new PlanError(path, decoded.problem);
  }
  return decoded.text;
}

/** Files being edited, each through one editor, in a stable order. */
class EditSet {
  readonly editors = new Map<string, YamlTextEditor>();
  /** Files whose edits are done: their text, so their parsed documents can go. */
  readonly #settled = new Map<string, string>();
  readonly #lineEdits = new Map<string, ScalarLineEdit[]>();
  readonly created = new Map<string, string>();
  readonly reasons = new Map<string, Set<string>>();
  /** Each file's text before the change, read once. */
  readonly #before = new Map<string, string | undefined>();

  constructor(private readonly tree: RepoTree) {}

  before(path: string): string | undefined {
    if (!this.#before.has(path))
      this.#before.set(path, textOf(this.tree, path));
    return this.#before.get(path);
  }

  editor(path: string, purpose: string): YamlTextEditor {
    let editor = this.editors.get(path);
    if (!editor) {
      const text = this.#settled.get(path) ?? this.before(path);
      if (text === undefined) {
        throw new PlanError(path, `does not exist; it should hold ${purpose}`);
      }
      if (SOPS.test(text)) {
        throw new PlanError(
          path,
          `is SOPS-encrypted; it cannot be edited here. Put ${purpose} in it yourself with \`sops ${path}\``,
        );
      }
      try {
        editor = new YamlTextEditor(path, text);
      } catch (error) {
        throw new PlanError(path, (error as Error).message);
      }
      this.editors.set(path, editor);
      this.#lineEdits.delete(path); // edited as a whole from here on
    }
    return editor;
  }

  /**
   * The documents of a file as the engine reads them (by index), when it
   * is untouched by this plan, not SOPS-encrypted and reads without
   * problems; undefined otherwise (an editor then says what is wrong).
   */
  readDocuments(path: string): unknown[] | undefined {
    if (this.#untouchedText(path) === undefined) return undefined;
    // the engine's reading, shared with the model of the repository
    const { documents, problems } = new YamlFileCache(this.tree).read(path);
    if (problems.length) return undefined;
    const byIndex: unknown[] = [];
    for (const d of documents) byIndex[d.index] = d.value;
    return byIndex;
  }

  /**
   * The text of a file not yet edited in this plan and not SOPS-encrypted;
   * undefined otherwise (an editor then says what is wrong).
   */
  #untouchedText(path: string): string | undefined {
    if (this.editors.has(path) || this.#settled.has(path)) return undefined;
    const text = this.before(path);
    return text === undefined || SOPS.test(text) ? undefined : text;
  }

  /**
   * Ends the editing of a file for now: keeps its text and lets its parsed
   * documents go (a mesh's settings files are many and large). A later
   * editor for the file starts from that text.
   */
  settle(path: string) {
    const editor = this.editors.get(path);
    if (!editor) return;
    this.#settled.set(path, editor.result());
    this.editors.delete(path);
  }

  /**
   * Sets values on the lines where their keys stand, without parsing the
   * whole file (see {@link setScalarsOnLines}); false when the file was
   * already edited in this plan or the lines alone cannot take the change.
   * No change at all is true.
   */
  setLines(
    path: string,
    changes: LineScalarEdit[],
    mapPath: YamlPath,
  ): boolean {
    if (changes.length === 0) return true;
    const text = this.#untouchedText(path);
    if (text === undefined || changes.some(c => c.line < 1)) return false;
    const edited = setScalarsOnLines(path, text, changes);
    if (edited === undefined) return false;
    this.#settled.set(path, edited);
    this.#lineEdits.set(
      path,
      changes.map(c => ({ line: c.line, path: [...mapPath, c.key] })),
    );
    return true;
  }

  /** The scalars set by {@link EditSet.setLines} in a file, when nothing else edited it since. */
  lineEdits(path: string): ScalarLineEdit[] | undefined {
    return this.#lineEdits.get(path);
  }

  exists(path: string): boolean {
    return TreeIndex.of(this.tree).isFile(path);
  }

  reason(path: string, why: string) {
    const set = this.reasons.get(path) ?? new Set();
    set.add(why);
    this.reasons.set(path, set);
  }

  edits(): FileEdit[] {
    const written = new Map(this.#settled);
    for (const [path, editor] of this.editors)
      written.set(path, editor.result());
    for (const [path, text] of this.created) written.set(path, text);
    const out: FileEdit[] = [];
    for (const [path, after] of written) {
      const before = this.before(path);
      if (after !== before)
        out.push({
          path,
          before,
          after,
          reasons: [...(this.reasons.get(path) ?? [])],
        });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }
}

function checkInput(
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  known: readonly string[],
): { problems: PlanProblem[]; addresses: IpAddress[] } {
  const problems: PlanProblem[] = [];
  const addresses: IpAddress[] = [];
  if (!Array.isArray(input.clusters) || input.clusters.length === 0) {
    problems.push({ field: 'clusters', message: 'lists no cluster' });
    return { problems, addresses };
  }
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  input.clusters.forEach((c, i) => {
    const field = `clusters[${i}]`;
    const nameProblem =
      typeof c?.name === 'string' ? clusterNameProblem(c.name) : 'is missing';
    if (nameProblem) {
      problems.push({
        field: `${field}.name`,
        message: `"${c?.name ?? ''}" ${nameProblem}`,
      });
    } else if (names.has(c.name)) {
      problems.push({
        field: `${field}.name`,
        message: `"${c.name}" is listed twice (also clusters[${names.get(
          c.name,
        )}])`,
      });
    } else if (known.length && !known.includes(c.name)) {
      problems.push({
        field: `${field}.name`,
        message: `"${c.name}" is not a cluster of the repository (${
          conventions.clustersPath
        }/ has ${known.join(', ')})`,
      });
    } else {
      names.set(c.name, i);
    }
    const address =
      typeof c?.ip === 'string' ? parseIpAddress(c.ip) : undefined;
    if (!address) {
      problems.push({
        field: `${field}.ip`,
        message:
          typeof c?.ip === 'string'
            ? `"${c.ip}" ${describeInvalidIp(c.ip)}`
            : 'is missing',
      });
    } else if (ips.has(address.text)) {
      problems.push({
        field: `${field}.ip`,
        message: `${address.text} is also the IP of clusters[${ips.get(
          address.text,
        )}]; each clustermesh-apiserver needs its own`,
      });
    } else {
      ips.set(address.text, i);
    }
    if (address) addresses[i] = address;
    if (!nameProblem) {
      const fqdnProblem = hostnameProblem(resolvedFqdn(conventions, c.name));
      if (fqdnProblem)
        problems.push({
          field: `${field}.name`,
          message: `its FQDN ${fqdnProblem}`,
        });
    }
  });
  if (
    input.ttl !== undefined &&
    !isValidTtl(input.ttl, conventions.dns.provider)
  ) {
    problems.push({
      field: 'ttl',
      message: `${input.ttl} is outside ${ttlRange(conventions.dns.provider)}`,
    });
  }
  if (known.length === 0) {
    problems.push({
      field: conventions.clustersPath,
      message: 'holds no cluster folder; is this the GitOps repository?',
    });
  }
  return { problems, addresses };
}

const ref = (variable: string) => `\${${variable}}`;

/**
 * Plans the ClusterMesh DNS change of the story for any number of clusters:
 * cluster settings (FQDN, LB IP, peer FQDNs), the DNSEndpoint or the records
 * document, and the Cilium values (LoadBalancer service, LB IPAM annotation,
 * peers by FQDN, the FQDN in the server certificate). Pure: returns whole
 * files, writes nothing. The plan is validated with the rule catalog; on any
 * problem it has no edits.
 *
 * @public
 */
export function planMeshDnsChange(
  tree: RepoTree,
  input: MeshDnsChangeInput,
  baseConventions: MeshConventions,
): MeshDnsChangePlan {
  const conventions: MeshConventions = {
    ...baseConventions,
    dns: {
      ...baseConventions.dns,
      ttl: input.ttl ?? baseConventions.dns.ttl,
      mode: input.mode ?? baseConventions.dns.mode,
    },
  };
  const empty = (problems: PlanProblem[]): MeshDnsChangePlan => ({
    edits: [],
    records: [],
    problems,
    summary: `The change was not planned:\n\n${problems
      .map(p => `- \`${p.field}\`: ${p.message}`)
      .join('\n')}\n`,
    fixedRules: [],
  });
  const known = discoverClusters(TreeIndex.of(tree), conventions);
  const { problems, addresses } = checkInput(input, conventions, known);
  if (problems.length) return empty(problems);

  const planned = planEdits(tree, input, conventions, addresses, problems);
  if ('problems' in planned) return empty(planned.problems);
  const { fileEdits, records, failingBefore } = planned;
  const after = reportFromModel(
    buildMeshModel(
      overlayTree(tree, new Map(fileEdits.map(e => [e.path, e.after]))),
      conventions,
    ),
  );
  const errors = [
    ...after.findings
      .filter(f => f.severity === 'error')
      .map(f => ({
        field: f.location?.file ?? 'repository',
        message: f.message,
      })),
    ...[...after.clusters.flatMap(c => c.checks), ...after.meshChecks]
      .filter(c => c.status === 'fail' && c.severity === 'error')
      .map(c => ({
        field: c.location?.file ?? c.cluster ?? 'repository',
        message: `[${c.ruleId}] ${c.message}`,
      })),
  ];
  if (errors.length) return { ...empty(errors), report: after };

  const nowFailing = failingRules(after);
  const fixedRules = [...failingBefore]
    .filter(id => !nowFailing.has(id))
    .sort();
  return {
    edits: fileEdits,
    records,
    problems: [],
    summary: summaryMarkdown(fileEdits, records, fixedRules, after),
    fixedRules,
    report: after,
  };
}

/**
 * The edits for a valid input, planned on the model of the repository as
 * it is, with the rules that fail on it now; the model goes when this
 * returns, before the edited repository is validated.
 */
function planEdits(
  tree: RepoTree,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
  problems: PlanProblem[],
):
  | { problems: PlanProblem[] }
  | {
      fileEdits: FileEdit[];
      records: MeshDnsRecord[];
      failingBefore: Set<string>;
    } {
  const before = buildMeshModel(tree, conventions);
  const ttl = conventions.dns.ttl;
  const records: MeshDnsRecord[] = input.clusters.map((c, i) => ({
    cluster: c.name,
    fqdn: resolvedFqdn(conventions, c.name),
    type: recordTypeFor(addresses[i].family),
    value: addresses[i].text,
    ttl,
  }));
  input.clusters.forEach((c, i) => {
    const cluster = before.byName.get(c.name)!;
    const pools = cluster.pools.filter(p => !p.disabled);
    const inPool = pools.some(p =>
      p.blocks.some(b => b.range && rangeContains(b.range, addresses[i])),
    );
    if (!inPool)
      problems.push({
        field: `clusters[${i}].ip`,
        message: pools.length
          ? `${c.ip} is outside the LB IPAM pools of ${c.name} (${pools
              .flatMap(p => p.blocks.map(b => `${p.name}: ${b.text}`))
              .join(', ')})`
          : `${c.name} has no CiliumLoadBalancerIPPool to take ${
              c.ip
            } from (expected in ${clusterPath(
              conventions.pools.file,
              c.name,
            )})`,
      });
  });
  const families = new Set(records.map(r => r.type));
  if (
    families.size > 1 &&
    conventions.dns.mode === 'externaldns' &&
    !conventions.cilium.valuesFile
  ) {
    problems.push({
      field: 'clusters',
      message:
        'mixes IPv4 and IPv6 addresses; one shared DNSEndpoint entry cannot carry both record types',
    });
  }
  if (problems.length) return { problems };

  const edits = new EditSet(tree);
  try {
    planSettings(edits, before, input, conventions, addresses);
    planCilium(edits, before, input, conventions);
    if (conventions.dns.mode === 'externaldns')
      planDnsEndpoint(edits, conventions, records[0].type);
    else planRecordsDocument(edits, conventions, records, input);
  } catch (error) {
    if (error instanceof PlanError)
      return { problems: [{ field: error.field, message: error.message }] };
    if (error instanceof YamlEditError)
      return { problems: [{ field: error.file, message: error.message }] };
    throw error;
  }

  const fileEdits = edits.edits();
  // files changed line by line are read again from what they read as before
  for (const e of fileEdits) {
    const lines = edits.lineEdits(e.path);
    if (lines && e.before !== undefined)
      rememberLineEdits(e.path, e.before, e.after, lines);
  }
  return {
    fileEdits,
    records,
    failingBefore: failingRules(reportFromModel(before)),
  };
}

/** The ids of the rules that fail somewhere in a report. */
function failingRules(report: MeshReport): Set<string> {
  return new Set(
    [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
      .filter(c => c.status === 'fail')
      .map(c => c.ruleId),
  );
}

/** A cluster's FQDN as Flux inserts it; secret parts as `<secret:NAME>`. */
function resolvedFqdn(conventions: MeshConventions, cluster: string): string {
  const template = fqdnTemplateFor(conventions, cluster);
  const result = envsubst(
    template,
    name => conventions.values[name] ?? secretPlaceholder(name),
    { strict: false },
  );
  return result.ok ? result.output : template;
}

/** The peers of a cluster, as the model has them (configured or all others). */
function peersOf(mesh: MeshModel, cluster: string): string[] {
  return mesh.byName.get(cluster)!.peers.map(p => p.peer);
}

function planSettings(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
) {
  const { variables, settings } = conventions;
  // each cluster's FQDN template, written once per peer in every other cluster
  const templates = new Map<string, string>();
  const templateOf = (name: string) => {
    let template = templates.get(name);
    if (template === undefined) {
      template = fqdnTemplateFor(conventions, name);
      templates.set(name, template);
    }
    return template;
  };
  input.clusters.forEach((c, i) => {
    const cluster = mesh.byName.get(c.name)!;
    const file = cluster.settingsObject
      ? cluster.settingsLocation.file
      : clusterPath(settings.file, c.name);
    // the settings as written (before substitution), from the model
    const root = cluster.settingsObject?.object.source.root;
    const written = getPath(root, ['data']);
    const data = isRecord(written) ? written : undefined;
    let changes: Array<[string, string]> = [];
    const want = (key: string, value: string) => {
      if (data?.[key] !== value) changes.push([key, value]);
    };
    want(variables.fqdn, templateOf(c.name));
    want(variables.lbIp, addresses[i].text);
    for (const { peer, variable } of cluster.peers)
      want(variable, templateOf(peer));
    if (
      !data ||
      !edits.setLines(
        file,
        changes.map(([key, value]) => ({
          line: Object.hasOwn(data, key)
            ? lineAtPath(root, ['data', key]) ?? 0
            : 0,
          key,
          current: data[key],
          value,
        })),
        ['data'],
      )
    ) {
      // new keys, or values the lines alone cannot change: edit the file
      const editor = edits.editor(
        file,
        `the ClusterMesh settings of ${c.name}`,
      );
      const doc = editor.findDocument('ConfigMap', settings.configMap);
      if (doc < 0)
        throw new PlanError(file, `has no ConfigMap ${settings.configMap}`);
      const inFile = (data ?? editor.get(doc, ['data']) ?? {}) as Record<
        string,
        unknown
      >;
      changes = changes.filter(([key, value]) => inFile[key] !== value);
      for (const [key, value] of changes)
        editor.setScalar(doc, ['data', key], value);
      edits.settle(file);
    }
    for (const [key, value] of changes)
      edits.reason(
        file,
        key === variables.lbIp
          ? `${c.name}: ${key} = ${value}, the clustermesh-apiserver LoadBalancer IP`
          : `${c.name}: ${key} = ${value}`,
      );
  });
}

interface CiliumTarget {
  file: string;
  doc: number;
  root: YamlPath;
  /** Values are literal (a values file Flux does not substitute). */
  literal: boolean;
  /** Clusters whose entries go in `clustermesh.config.clusters`. */
  members: string[];
  cluster?: string;
}

function ciliumTargets(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
): CiliumTarget[] {
  const { cilium } = conventions;
  if (cilium.valuesFile) {
    return input.clusters.map(c => {
      const file = clusterPath(cilium.valuesFile!, c.name);
      return {
        file,
        doc: 0,
        root: [],
        literal: true,
        members: peersOf(mesh, c.name),
        cluster: c.name,
      };
    });
  }
  const file = cilium.helmRelease.file;
  const doc =
    edits
      .readDocuments(file)
      ?.findIndex(
        d =>
          isRecord(d) &&
          d.kind === 'HelmRelease' &&
          getPath(d, ['metadata', 'name']) === cilium.helmRelease.name,
      ) ??
    edits
      .editor(file, 'the Cilium HelmRelease')
      .findDocument('HelmRelease', cilium.helmRelease.name);
  if (doc < 0)
    throw new PlanError(file, `has no HelmRelease ${cilium.helmRelease.name}`);
  return [
    {
      file,
      doc,
      root: ['spec', 'values'],
      literal: false,
      members: mesh.clusters.map(c => c.name),
    },
  ];
}

/** What planning reads and changes in a YAML file: a {@link YamlTextEditor}, or a probe. */
type ValuesEditor = Pick<
  YamlTextEditor,
  'get' | 'setScalar' | 'setEntries' | 'appendItem' | 'deleteKey'
>;

/** Reads parsed documents and notes whether any edit is asked for, editing nothing. */
class ChangeProbe implements ValuesEditor {
  changes = false;
  constructor(private readonly documents: readonly unknown[]) {}
  get(doc: number, path: YamlPath): unknown {
    return getPath(this.documents[doc], path);
  }
  setScalar() {
    this.changes = true;
  }
  setEntries() {
    this.changes = true;
  }
  appendItem() {
    this.changes = true;
  }
  deleteKey() {
    this.changes = true;
  }
}

function planCilium(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
) {
  for (const target of ciliumTargets(edits, mesh, input, conventions)) {
    // the file as read: when nothing would change, no editor is opened
    const documents = edits.readDocuments(target.file);
    if (documents) {
      const probe = new ChangeProbe(documents);
      planCiliumTarget(probe, target, input, conventions, () => {});
      if (!probe.changes) continue;
    }
    planCiliumTarget(
      edits.editor(
        target.file,
        target.cluster
          ? `the Cilium values of ${target.cluster}`
          : 'the Cilium values',
      ),
      target,
      input,
      conventions,
      text => edits.reason(target.file, text),
    );
  }
}

function planCiliumTarget(
  editor: ValuesEditor,
  target: CiliumTarget,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  why: (text: string) => void,
) {
  const { variables, cilium } = conventions;
  const at = (...path: Array<string | number>) => [...target.root, ...path];
  const inputCluster = input.clusters.find(c => c.name === target.cluster);
  const lbIp = target.literal ? inputCluster!.ip : ref(variables.lbIp);
  const fqdn = target.literal
    ? resolvedFqdn(conventions, target.cluster!)
    : ref(variables.fqdn);
  const secret = target.literal
    ? [...fqdn.matchAll(secretPlaceholderPattern)][0]?.[1]
    : undefined;
  if (secret)
    throw new PlanError(
      target.file,
      `is not substituted by Flux, so it needs the FQDN of ${target.cluster} written out; set \`values\` for ${secret} in the conventions`,
    );
  if (
    editor.get(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'type'),
    ) !== 'LoadBalancer'
  ) {
    editor.setScalar(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'type'),
      'LoadBalancer',
    );
    why(
      'clustermesh-apiserver as a LoadBalancer service, so it gets an LB IPAM address',
    );
  }
  const annotations = (editor.get(
    target.doc,
    at('clustermesh', 'apiserver', 'service', 'annotations'),
  ) ?? {}) as Record<string, unknown>;
  if (annotations[cilium.lbIpamAnnotation] !== lbIp) {
    editor.setEntries(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'annotations'),
      {
        [cilium.lbIpamAnnotation]: lbIp,
      },
    );
    why(
      `${cilium.lbIpamAnnotation}: ${lbIp}, so the service keeps the address the record points at`,
    );
  }
  const sans = editor.get(
    target.doc,
    at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
  );
  const covered =
    Array.isArray(sans) && sans.some(n => certificateNameCovers(n, fqdn));
  if (!covered) {
    editor.appendItem(
      target.doc,
      at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
      fqdn,
    );
    why(`${fqdn} in the server certificate, since peers now connect by name`);
  }
  if (editor.get(target.doc, at('clustermesh', 'config', 'enabled')) !== true) {
    editor.setScalar(target.doc, at('clustermesh', 'config', 'enabled'), true);
  }
  planPeers(
    editor,
    target,
    at('clustermesh', 'config', 'clusters'),
    conventions,
    why,
  );
}

function planPeers(
  editor: ValuesEditor,
  target: CiliumTarget,
  path: YamlPath,
  conventions: MeshConventions,
  why: (text: string) => void,
) {
  const port = conventions.cilium.apiserverPort;
  const address = (peer: string) =>
    target.literal
      ? resolvedFqdn(conventions, peer)
      : `\${${peerFqdnVariable(conventions, peer)}:=${ref(
          conventions.variables.fqdn,
        )}}`;
  const current = editor.get(target.doc, path);
  if (current && !Array.isArray(current) && typeof current === 'object') {
    // The map form of clustermesh.config.clusters (name → entry).
    for (const peer of target.members) {
      const entry = (current as Record<string, any>)[peer];
      if (entry?.address !== address(peer) || entry?.port !== port) {
        editor.setEntries(target.doc, path, {
          [peer]: { address: address(peer), port },
        });
        why(`${peer} reached by name at ${address(peer)}`);
      }
      if (entry?.ips) editor.deleteKey(target.doc, [...path, peer, 'ips']);
    }
    return;
  }
  const list = (Array.isArray(current) ? current : []) as any[];
  for (const peer of target.members) {
    const index = list.findIndex(e => e?.name === peer);
    if (index < 0) {
      editor.appendItem(target.doc, path, {
        name: peer,
        address: address(peer),
        port,
      });
      why(`${peer} added to clustermesh.config.clusters, by name`);
      continue;
    }
    if (list[index].address !== address(peer)) {
      editor.setScalar(target.doc, [...path, index, 'address'], address(peer));
      why(
        `${peer} reached by name (${address(peer)})${
          list[index].ips ? ' instead of by IP' : ''
        }`,
      );
    }
    if (list[index].port !== port)
      editor.setScalar(target.doc, [...path, index, 'port'], port);
    if (list[index].ips) editor.deleteKey(target.doc, [...path, index, 'ips']);
  }
}

function planDnsEndpoint(
  edits: EditSet,
  conventions: MeshConventions,
  type: 'A' | 'AAAA',
) {
  const { dnsEndpoint, variables, dns } = conventions;
  const file = dnsEndpoint.file;
  const endpoint: Record<string, unknown> = {
    dnsName: ref(variables.fqdn),
    recordType: type,
    recordTTL: dns.ttl,
    targets: [ref(variables.lbIp)],
  };
  if (dns.provider === 'cloudflare')
    endpoint.providerSpecific = [
      {
        name: `${dns.externalDnsAnnotationPrefix}cloudflare-proxied`,
        value: 'false',
      },
    ];
  const existing = edits.exists(file);
  if (!existing) {
    edits.created.set(
      file,
      `---\n${stringify(
        {
          apiVersion: 'externaldns.k8s.io/v1alpha1',
          kind: 'DNSEndpoint',
          metadata: {
            name: dnsEndpoint.name,
            namespace: dnsEndpoint.namespace,
          },
          spec: { endpoints: [endpoint] },
        },
        { lineWidth: 0 },
      )}`,
    );
    edits.reason(
      file,
      `DNSEndpoint: ExternalDNS publishes ${ref(variables.fqdn)} → ${ref(
        variables.lbIp,
      )} for each cluster (Cloudflare "DNS only")`,
    );
    includeInKustomization(edits, file);
    return;
  }
  const editor = edits.editor(file, 'the DNSEndpoint');
  const doc = editor.findDocument('DNSEndpoint');
  if (doc < 0) throw new PlanError(file, 'has no DNSEndpoint');
  const endpoints = (editor.get(doc, ['spec', 'endpoints']) ?? []) as any[];
  const index = endpoints.findIndex(e => e?.dnsName === endpoint.dnsName);
  if (index < 0) {
    editor.appendItem(doc, ['spec', 'endpoints'], endpoint);
    edits.reason(
      file,
      `endpoint ${endpoint.dnsName} → ${ref(variables.lbIp)} added`,
    );
  } else {
    const e = endpoints[index];
    for (const key of ['recordType', 'recordTTL'] as const) {
      if (e[key] !== endpoint[key]) {
        editor.setScalar(
          doc,
          ['spec', 'endpoints', index, key],
          endpoint[key] as any,
        );
        edits.reason(file, `${key} ${endpoint[key]}`);
      }
    }
    const targets = endpoint.targets as string[];
    if (
      !Array.isArray(e.targets) ||
      e.targets.length !== 1 ||
      e.targets[0] !== targets[0]
    ) {
      if (Array.isArray(e.targets) && e.targets.length === 1)
        editor.setScalar(
          doc,
          ['spec', 'endpoints', index, 'targets', 0],
          targets[0],
        );
      else
        throw new PlanError(
          file,
          `endpoint ${endpoint.dnsName} should have the single target ${targets[0]}; fix its targets by hand`,
        );
      edits.reason(file, `target ${targets[0]}`);
    }
  }
  includeInKustomization(edits, file);
}

function includeInKustomization(edits: EditSet, file: string) {
  const dir = dirnamePath(file);
  const kustomization = kustomizationFileNames
    .map(n => (dir ? `${dir}/${n}` : n))
    .find(p => edits.exists(p));
  if (!kustomization) return; // Flux generates one that takes every file
  const editor = edits.editor(kustomization, 'the kustomization');
  const base = file.slice(dir.length + 1);
  const resources = editor.get(0, ['resources']);
  if (
    Array.isArray(resources) &&
    resources.some(r => r === base || r === `./${base}`)
  )
    return;
  editor.appendItem(0, ['resources'], base);
  edits.reason(kustomization, `${base} included, so Flux applies it`);
}

/** A record as a Markdown table row: cluster, FQDN, type, value, TTL. */
const recordRow = (r: MeshDnsRecord) =>
  `| ${r.cluster} | \`${r.fqdn}\` | ${r.type} | ${r.value} | ${r.ttl} |`;

function planRecordsDocument(
  edits: EditSet,
  conventions: MeshConventions,
  records: MeshDnsRecord[],
  input: MeshDnsChangeInput,
) {
  const file = conventions.dns.recordsDocument;
  const resource = input.cloudflareResource ?? 'cloudflare_dns_record';
  const content = resource === 'cloudflare_record' ? 'value' : 'content';
  const hcl = records
    .map(r => {
      const label = `clustermesh_${r.cluster.replace(/-/g, '_')}`;
      const name = r.fqdn.replace(
        secretPlaceholderPattern,
        (_, variable: string) => `\${var.${variable.toLowerCase()}}`,
      );
      return `resource "${resource}" "${label}" {\n  zone_id = var.cloudflare_zone_id\n  name    = "${name}"\n  type    = "${
        r.type
      }"\n  ${content.padEnd(7)} = "${r.value}"\n  ttl     = ${
        r.ttl
      }\n  proxied = false # ClusterMesh is TLS to the API server: DNS only\n}`;
    })
    .join('\n\n');
  const text = `# ClusterMesh DNS records\n\nManaged by \`clustermesh:dns:configure\` (manual mode): create these records in\nthe DNS provider. They must be **DNS only** (not proxied).\n\n| Cluster | Name | Type | Value | TTL |\n|---|---|---|---|---|\n${records
    .map(recordRow)
    .join('\n')}\n\n## OpenTofu / Terraform (Cloudflare provider ${
    resource === 'cloudflare_record' ? 'v4' : 'v5'
  })\n\n\`\`\`hcl\n${hcl}\n\`\`\`\n`;
  if (edits.before(file) !== text) {
    edits.created.set(file, text);
    edits.reason(file, 'the records to create by hand (manual DNS mode)');
  }
}

function summaryMarkdown(
  edits: FileEdit[],
  records: MeshDnsRecord[],
  fixedRules: string[],
  after: MeshReport,
): string {
  const out = [
    '## ClusterMesh DNS',
    '',
    '| Cluster | FQDN | Type | IP | TTL |',
    '|---|---|---|---|---|',
    ...records.map(recordRow),
    '',
    '### What changes and why',
    '',
  ];
  if (!edits.length)
    out.push('Nothing: the repository already says all of this.');
  for (const e of edits) {
    out.push(`- \`${e.path}\`${e.before === undefined ? ' (new)' : ''}`);
    for (const r of e.reasons) out.push(`  - ${r}`);
  }
  out.push(
    '',
    '### Checks',
    '',
    fixedRules.length
      ? `Now passing: ${fixedRules.map(r => `\`${r}\``).join(', ')}.`
      : 'No check was failing before.',
    `All ${after.summary.passed} checks pass on ${after.summary.clusters} clusters (${after.summary.warnings} warnings).`,
    '',
  );
  return out.join('\n');
}
