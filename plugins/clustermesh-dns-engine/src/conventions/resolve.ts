import { parseDocument } from 'yaml';
import * as z from 'zod';
import type { DetectedConvention } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath, isRecord } from '../core/paths';
import { clampPath } from '../tree/RepoTree';
import type { ConventionDetection } from './detect';
import { defaultSettingsFile } from './templates';
import {
  conventionsSchema,
  MeshConventions,
  MeshConventionsInput,
  settingText,
} from './schema';

/** An error that names the field and the reason. @public */
export class ConventionsError extends Error {
  constructor(
    readonly issues: { path: string; message: string }[],
    source = 'conventions',
  ) {
    super(
      `${source}: ${issues
        .map(i => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'ConventionsError';
  }
}

function deepMerge(base: any, over: any): any {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over))
    return over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/**
 * Validates conventions: explicit settings win over detected ones, which
 * win over the defaults; settings given to one run (`--fqdn-template`, the
 * action's `fqdnTemplate`) win over the file's, and the report says they
 * were given to this run.
 *
 * @public
 */
export function resolveConventions(
  explicit: MeshConventionsInput | undefined,
  detection: MeshConventionsInput | ConventionDetection = {},
  source = 'conventions',
  givenToRun: MeshConventionsInput = {},
): MeshConventions {
  const { conventions: detected, found } = isDetection(detection)
    ? detection
    : { conventions: detection, found: [] };
  const result = conventionsSchema.safeParse(
    withSettingsFile(
      deepMerge(deepMerge(detected, explicit ?? {}), givenToRun),
    ),
  );
  if (!result.success) {
    throw new ConventionsError(
      result.error.issues.map(i => ({
        path: i.path.join('.'),
        message: i.message,
      })),
      source,
    );
  }
  const unknown = unknownKeys(explicit ?? {}, conventionsSchema);
  if (unknown.length) {
    throw new ConventionsError(
      unknown.map(path => ({ path, message: 'is not a known setting' })),
      source,
    );
  }
  const provenance = provenanceOf(explicit ?? {}, found, source, givenToRun);
  return provenance.length ? { ...result.data, provenance } : result.data;
}

/**
 * The settings file follows the clusters: in the folder Flux reconciles for
 * each (`<clustersPath>/{cluster}/<entryPath>`), unless it is given.
 */
function withSettingsFile(input: MeshConventionsInput): MeshConventionsInput {
  if (input.settings?.file !== undefined) return input;
  if (input.clustersPath === undefined && !input.entryPath) return input;
  return {
    ...input,
    settings: { ...input.settings, file: defaultSettingsFile(input) },
  };
}

function isDetection(
  value: MeshConventionsInput | ConventionDetection,
): value is ConventionDetection {
  return (
    Array.isArray((value as ConventionDetection).found) &&
    typeof (value as ConventionDetection).conventions === 'object'
  );
}

/** The settings whose origin a report shows. */
const trackedSettings = [
  'clustersPath',
  'entryPath',
  'entries',
  'sharedEntry',
  'clusters',
  'settings.configMap',
  'settings.secret',
  'variables.fqdn',
  'variables.lbIp',
  'variables.peerFqdn',
  'cilium.lbIpamAnnotation',
  'dns.mode',
  'dns.provider',
  'dns.externalDnsAnnotationPrefix',
  'dns.proxiedByDefault',
  'flux.strictSubstitution',
  'flux.branch',
  'flux.sourceNames',
  'flux.sourceRoots',
  'flux.sourceIgnore',
  'flux.substitutionWebhook',
  'fqdnTemplate',
];

/** Where each tracked setting came from: the conventions file over detection. */
function provenanceOf(
  explicit: MeshConventionsInput,
  found: readonly DetectedConvention[],
  source: string,
  givenToRun: MeshConventionsInput,
): DetectedConvention[] {
  const out: DetectedConvention[] = [];
  for (const setting of trackedSettings) {
    const path = setting.split('.');
    const forRun = getPath(givenToRun, path);
    const given = forRun ?? getPath(explicit, path);
    const seen = found.find(f => f.setting === setting);
    if (given !== undefined)
      out.push({
        setting,
        value: settingText(given),
        source: 'conventions',
        reason: `${
          forRun === undefined ? `set in ${source}` : 'given to this run'
        }${
          seen?.source === 'detected' && seen.value !== settingText(given)
            ? ` (the repository suggests ${seen.value}: ${seen.reason})`
            : ''
        }`,
      });
    else if (seen) out.push(seen);
  }
  return out;
}

function unknownKeys(value: any, schema: z.ZodType, prefix = ''): string[] {
  const shape = unwrapObject(schema);
  if (
    !shape ||
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value)
  )
    return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!(k in shape)) out.push(path);
    else out.push(...unknownKeys(v, shape[k], path));
  }
  return out;
}

function unwrapObject(schema: any): Record<string, z.ZodType> | undefined {
  let s = schema;
  for (let i = 0; i < 5 && s; i++) {
    if (s.shape) return s.shape;
    s = s.def?.innerType ?? s._def?.innerType;
  }
  return undefined;
}

/**
 * Reads the text of a conventions file into its (unvalidated) input object.
 *
 * @throws ConventionsError naming the file when it is not a YAML map
 * @public
 */
export function readConventionsFile(
  text: string,
  file = 'conventions file',
): MeshConventionsInput {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ConventionsError(
      [
        {
          path: '',
          message: `is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
        },
      ],
      file,
    );
  }
  const value = doc.toJS({ maxAliasCount: 50 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConventionsError(
      [{ path: '', message: 'must be a YAML map' }],
      file,
    );
  }
  return withRepositoryPaths(value);
}

/**
 * The folders a conventions file names, as paths of the repository: written
 * as Flux writes its paths (`./kubernetes/flux/`), they are the same folder
 * as `kubernetes/flux`. Anything not a string is left for the schema to say.
 */
function withRepositoryPaths(input: Record<string, any>): MeshConventionsInput {
  const path = (v: unknown) => (typeof v === 'string' ? clampPath(v) : v);
  const out: Record<string, any> = { ...input };
  for (const key of ['clustersPath', 'entryPath'])
    if (key in out) out[key] = path(out[key]);
  if (isRecord(out.entries))
    out.entries = Object.fromEntries(
      Object.entries(out.entries).map(([c, v]) => [c, path(v)]),
    );
  if (isRecord(out.sharedEntry) && 'path' in out.sharedEntry)
    out.sharedEntry = { ...out.sharedEntry, path: path(out.sharedEntry.path) };
  return out as MeshConventionsInput;
}

/**
 * Reads conventions from YAML text (a conventions file), over the defaults.
 *
 * @public
 */
export function parseConventions(
  text: string,
  file = 'conventions file',
): MeshConventions {
  return resolveConventions(readConventionsFile(text, file), {}, file);
}
