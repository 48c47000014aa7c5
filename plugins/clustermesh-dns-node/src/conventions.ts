import fs from 'node:fs';
import { checkedOutBranch } from './tree/checkedOutBranch';
import path from 'node:path';
import {
  ConventionsError,
  detectConventions,
  EngineCache,
  MeshConventions,
  MeshConventionsInput,
  readConventionsFile,
  RepoTree,
  resolveConventions,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';

/** The conventions file looked up at a repository's root when none is given. @public */
export const defaultConventionsFile = '.clustermesh-dns.yaml';

/** How {@link loadConventions} reads a repository. @public */
export interface LoadConventionsOptions {
  /** One cache per run: detection and validation read the same files. */
  cache?: EngineCache;
  /**
   * Values of variables the repository keeps secret (e.g. `SECRET_DOMAIN`),
   * given on the command line or in app-config; they win over the file's.
   */
  values?: Record<string, string>;
  /**
   * Values of one cluster's secret variables, by cluster name
   * (`--value <cluster>:NAME=value`): they win over the file's and over
   * `values` for that cluster.
   */
  valuesByCluster?: Record<string, Record<string, string>>;
  /**
   * The FQDN template given to this run (`--fqdn-template`, the action's
   * `fqdnTemplate` input): wins over the file's and over what is detected.
   */
  fqdnTemplate?: string;
  /**
   * The branch the folder holds (`--branch`): wins over the file's. When
   * absent, the folder's own checkout says it (`.git/HEAD`), if it is one.
   */
  branch?: string;
  /**
   * Read the values of Secrets the repository keeps unencrypted (the CLI,
   * on one's own checkout), unless the conventions file says otherwise.
   */
  readPlainSecrets?: boolean;
}

/**
 * Loads the conventions for a repository: the given file (or the
 * repository's `.clustermesh-dns.yaml`), over what is detected in the
 * repository, over the defaults; `options.values` over the file's values,
 * `options.fqdnTemplate` over the file's template.
 *
 * @throws ConventionsError naming the file and field
 * @public
 */
export function loadConventions(
  tree: RepoTree,
  repoDir: string,
  configFile?: string,
  options: LoadConventionsOptions = {},
): MeshConventions {
  let explicit: MeshConventionsInput | undefined;
  let source = 'defaults';
  const file =
    configFile ??
    (fs.existsSync(path.join(repoDir, defaultConventionsFile))
      ? path.join(repoDir, defaultConventionsFile)
      : undefined);
  if (file) {
    // named as the repository knows it: `.clustermesh-dns.yaml`, not a path of this machine
    const inside = path.relative(repoDir, file);
    source =
      inside && !inside.startsWith('..') && !path.isAbsolute(inside)
        ? inside.split(path.sep).join('/')
        : file;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConventionsError(
        [{ path: '', message: `cannot be read: ${(error as Error).message}` }],
        file,
      );
    }
    explicit = readConventionsFile(text, file);
  }
  if (options.values && Object.keys(options.values).length) {
    explicit = {
      ...explicit,
      values: { ...explicit?.values, ...options.values },
    };
  }
  const byCluster = options.valuesByCluster ?? {};
  if (Object.keys(byCluster).length) {
    const merged = { ...explicit?.valuesByCluster };
    for (const [cluster, values] of Object.entries(byCluster))
      merged[cluster] = { ...merged[cluster], ...values };
    explicit = { ...explicit, valuesByCluster: merged };
  }
  if (
    options.readPlainSecrets !== undefined &&
    explicit?.flux?.readPlainSecrets === undefined
  )
    explicit = {
      ...explicit,
      flux: { ...explicit?.flux, readPlainSecrets: options.readPlainSecrets },
    };
  const givenToRun: MeshConventionsInput = {
    ...(options.fqdnTemplate && { fqdnTemplate: options.fqdnTemplate }),
    ...(options.branch && { flux: { branch: options.branch } }),
  };
  // detection skips what is given (a template given needs no domain found)
  const detection = detectConventions(
    tree,
    {
      ...explicit,
      ...givenToRun,
      flux: { ...explicit?.flux, ...givenToRun.flux },
    },
    { cache: options.cache },
  );
  // the branch read, as the folder's checkout says it
  const checkout = options.branch ? undefined : checkedOutBranch(repoDir);
  if (checkout) {
    detection.conventions.flux = {
      ...detection.conventions.flux,
      branch: checkout,
    };
    detection.found.push({
      setting: 'flux.branch',
      value: checkout,
      source: 'detected',
      // what it decides is said with the report (report/report.ts)
      reason: `the folder is a checkout of branch ${checkout} (.git/HEAD)`,
    });
  }
  return resolveConventions(explicit, detection, source, givenToRun);
}
