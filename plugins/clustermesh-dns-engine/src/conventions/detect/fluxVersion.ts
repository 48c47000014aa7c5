import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { getPath } from '../../core/paths';
import { containsBytes, utf8 } from '../../tree/bytes';
import { clampPath, dirnamePath, type RepoTree } from '../../tree/RepoTree';
import { decodeText } from '../../yaml/decode';
import type { YamlFiles } from '../../yaml/files';
import { locate } from '../../yaml/locate';
import { isFluxKustomization, literal, ScannedDocument, where } from './scan';
import { isFluxInstanceValues } from '../../flux/fluxInstance';

/** Flux 2.9 (kustomize-controller v1.9) made post-build substitution strict by default. */
export const strictSinceFlux: [number, number] = [2, 9];

/** A Flux version the repository deploys, and where it says so. */
export interface FluxVersion {
  /** `[2, 7]`; a wildcard minor (`2.x`) is the latest, and strict. */
  version: [number, number];
  text: string;
  location: SourceLocation;
}

const header = utf8('# Flux Version:');

/**
 * `# Flux Version: v2.7.2` in the gotk-components.yaml that `flux bootstrap`
 * writes; not in a bootstrap folder left behind (an `archive/`), whose
 * gotk-sync.yaml reconciles a path the repository no longer has.
 */
export function readBootstrapVersions(
  tree: RepoTree,
  documents: Iterable<ScannedDocument>,
  folders: { isDir(path: string): boolean },
): FluxVersion[] {
  const stale = new Set<string>();
  for (const doc of documents) {
    if (
      !doc.file.endsWith('/gotk-sync.yaml') ||
      !isFluxKustomization(doc.value)
    )
      continue;
    const path = literal(getPath(doc.value, ['spec', 'path']));
    if (path !== undefined && !folders.isDir(clampPath(path)))
      stale.add(dirnamePath(doc.file));
  }
  const found: FluxVersion[] = [];
  for (const file of tree.paths()) {
    if (!file.endsWith('gotk-components.yaml')) continue;
    if (stale.has(dirnamePath(file))) continue;
    const bytes = tree.read(file);
    if (!bytes || !containsBytes(bytes.subarray(0, 4096), header)) continue;
    const decoded = decodeText(bytes.subarray(0, 4096));
    if (!('text' in decoded)) continue;
    const lines = decoded.text.split('\n');
    const index = lines.findIndex(l => l.startsWith('# Flux Version:'));
    const m = /v?(\d+)\.(\d+)/.exec(lines[index] ?? '');
    if (m)
      found.push({
        version: [Number(m[1]), Number(m[2])],
        text: lines[index].slice('# Flux Version:'.length).trim(),
        location: { file, line: index + 1 },
      });
  }
  return found;
}

const versionPaths: Record<string, string[] | undefined> = {
  FluxInstance: ['spec', 'distribution', 'version'],
  HelmRelease: ['spec', 'values', 'instance', 'distribution', 'version'],
};

/**
 * Flux's own manifests as an OCI artifact (`ref.tag: v2.3.0`), or its
 * repository at a release tag (`github.com/fluxcd/flux2`, `manifests/`),
 * installed by a Kustomization.
 */
const isFluxManifests = (v: Record<string, any>) =>
  (v.kind === 'OCIRepository' &&
    /\/fluxcd\/flux-manifests\/?$/.test(String(v.spec?.url))) ||
  (v.kind === 'GitRepository' &&
    /github\.com[/:]fluxcd\/flux2(?:\.git)?\/?$/.test(String(v.spec?.url)));

/** Where a document says which Flux it installs, if it does. */
function versionPathOf(v: Record<string, any>): string[] | undefined {
  if (isFluxInstanceValues(v)) return ['instance', 'distribution', 'version'];
  if (isFluxManifests(v)) return ['spec', 'ref', 'tag'];
  return versionPaths[String(v.kind)];
}

/** The first flux-operator release whose manifests hold Flux 2.9 (v0.53.0). */
const operatorWithStrictFlux: [number, number] = [0, 53];

/**
 * The Flux a version of the fluxcd-community `flux2` chart installs: its
 * chart 2.N deploys Flux 2.(N−10) from 2.12 (2.17.x is Flux 2.7), 2.10
 * and 2.11 Flux 2.1, 2.9 Flux 2.0 (the chart's appVersions); undefined
 * before, or for anything that is not such a version.
 */
export function fluxOfFlux2Chart(
  version: unknown,
  at: () => SourceLocation,
): FluxVersion | undefined {
  const text = literal(version);
  const m = text && /^[~^=v]*\s*(\d+)\.(\d+)/.exec(text);
  if (!m || Number(m[1]) !== 2 || Number(m[2]) < 9) return undefined;
  const chartMinor = Number(m[2]);
  let minor = chartMinor - 10;
  if (chartMinor === 9) minor = 0;
  else if (chartMinor === 11) minor = 1;
  return {
    version: [2, minor],
    text: `${text.trim()} of the flux2 chart (Flux 2.${minor})`,
    location: at(),
  };
}

/** A HelmRelease of the fluxcd-community `flux2` chart (by its chart). */
const isFlux2ChartRelease = (v: Record<string, any>) =>
  v.kind === 'HelmRelease' &&
  /(?:^|\/)flux2$/.test(String(getPath(v, ['spec', 'chart', 'spec', 'chart'])));

/**
 * A FluxInstance's (or the flux-operator chart's) `distribution.version`,
 * the tag of the `flux-manifests` OCI artifact a Kustomization installs,
 * or the version of the `flux2` chart a HelmRelease installs.
 */
export function readInstanceVersions(
  documents: Iterable<ScannedDocument>,
): FluxVersion[] {
  const found: FluxVersion[] = [];
  for (const doc of documents) {
    const v = doc.value;
    if (isFlux2ChartRelease(v)) {
      const path = ['spec', 'chart', 'spec', 'version'];
      const version = fluxOfFlux2Chart(getPath(v, path), () => doc.at(path));
      if (version) found.push(version);
      continue;
    }
    const path = versionPathOf(v);
    if (!path) continue;
    const version = fluxVersion(getPath(v, path), () => doc.at(path));
    if (!version) continue;
    found.push(
      resolvedInArtifact(
        version,
        literal(getPath(v, [...path.slice(0, -1), 'artifact'])),
      ),
    );
  }
  return found;
}

/**
 * A wildcard version (`2.x`) as a pinned flux-operator manifests artifact
 * (`distribution.artifact: …/flux-operator-manifests:v0.40.0`) resolves
 * it: the newest Flux of that release, not the latest.
 */
function resolvedInArtifact(
  version: FluxVersion,
  artifact: string | undefined,
): FluxVersion {
  const pinned =
    version.version[1] === Infinity && artifact
      ? /flux-operator-manifests:v?(\d+)\.(\d+)\.(\d+)/.exec(artifact)
      : null;
  if (!pinned || !artifact) return version;
  const operator = pinned.slice(1).map(Number);
  const withStrict =
    operator[0] > operatorWithStrictFlux[0] ||
    (operator[0] === operatorWithStrictFlux[0] &&
      operator[1] >= operatorWithStrictFlux[1]);
  return {
    version: withStrict ? version.version : [2, strictSinceFlux[1] - 1],
    text: `${version.text}, resolved in the pinned ${artifact.slice(
      artifact.lastIndexOf('/') + 1,
    )} (${
      withStrict
        ? 'from flux-operator v0.53.0, which brought Flux 2.9'
        : 'before flux-operator v0.53.0, which brought Flux 2.9: Flux 2.8 at most'
    })`,
    location: version.location,
  };
}

/** The flux-instance chart's `instance.distribution.version` when its values set none. */
const instanceChartDefault = '2.x';

/** A HelmRelease of the flux-instance chart (by its chart, its chartRef or its name). */
function isFluxInstanceRelease(v: Record<string, any>): boolean {
  if (v.kind !== 'HelmRelease') return false;
  const chart = getPath(v, ['spec', 'chart', 'spec', 'chart']);
  const ref = getPath(v, ['spec', 'chartRef', 'name']);
  const name = getPath(v, ['metadata', 'name']);
  return [
    chart,
    ref,
    chart === undefined && ref === undefined ? name : undefined,
  ].some(x => typeof x === 'string' && /(?:^|\/)flux-instance$/.test(x));
}

/**
 * Where the flux-instance chart installs its default Flux (`2.x`, the
 * latest): a HelmRelease of the chart whose inline values set no version
 * and that reads no others, or chart values kept in a file of their own
 * that set none. Asked only when no version is written anywhere.
 */
export function readInstanceChartDefaults(
  documents: Iterable<ScannedDocument>,
): FluxVersion[] {
  const found: FluxVersion[] = [];
  const version = (
    location: SourceLocation,
    /** Where the values are: their `instance.distribution.artifact` pins the default too. */
    values: unknown,
  ): FluxVersion =>
    resolvedInArtifact(
      {
        version: [2, Infinity],
        text: `${instanceChartDefault}, the flux-instance chart's default where its values set no instance.distribution.version`,
        location,
      },
      literal(getPath(values, ['instance', 'distribution', 'artifact'])),
    );
  for (const doc of documents) {
    const v = doc.value;
    if (isFluxInstanceRelease(v)) {
      const valuesFrom = getPath(v, ['spec', 'valuesFrom']);
      if (
        getPath(v, versionPaths.HelmRelease!) === undefined &&
        !(Array.isArray(valuesFrom) && valuesFrom.length)
      ) {
        // where the version would go: the deepest part of the values there
        const at = [
          ['spec', 'values', 'instance', 'distribution'],
          ['spec', 'values', 'instance'],
          ['spec', 'values'],
        ].find(path => getPath(v, path) !== undefined) ?? ['metadata', 'name'];
        found.push(version(doc.at(at), getPath(v, ['spec', 'values'])));
      }
    } else if (
      isFluxInstanceValues(v) &&
      getPath(v, ['instance', 'distribution', 'version']) === undefined
    )
      found.push(version(doc.at(['instance']), v));
  }
  return found;
}

/** A Flux version written as `v2.7.2`, `2.8` or `2.x`, with where; undefined for anything else. */
function fluxVersion(
  value: unknown,
  at: () => SourceLocation,
): FluxVersion | undefined {
  // a variable with a default (`${FLUXCD_VERSION:=v2.8.5}`): its default,
  // which the repository's settings usually repeat
  const withDefault =
    typeof value === 'string'
      ? /^\$\{[_A-Za-z][_A-Za-z0-9]*:?[-=](v?\d[^${}]*)\}$/.exec(value)?.[1]
      : undefined;
  const text = literal(value) ?? withDefault;
  const m = text && /^v?(\d+)\.(\d+|x|\*)/.exec(text);
  if (!m) return undefined;
  return {
    version: [Number(m[1]), /^\d+$/.test(m[2]) ? Number(m[2]) : Infinity],
    text: text.replace(/@sha256:[0-9a-f]+$/, ''), // a pinned tag's digest says no more
    location: at(),
  };
}

const fluxInstanceChart = utf8('flux-instance');
const flux2Chart = utf8('flux2');

/** A helmfile: `helmfile.yaml`, `helmfile.d/*.yaml`, each maybe a Go template (`.gotmpl`). */
const helmfileName =
  /(?:^|\/)(?:helmfile[^/]*|helmfile\.d\/[^/]+)\.ya?ml(?:\.gotmpl)?$/;

/**
 * The `instance.distribution.version` a helmfile gives the flux-instance
 * chart in a release's inline values: how a cluster bootstrapped with
 * helmfile installs Flux (the Flux Operator, then the instance). Helmfiles
 * are bootstrap files Flux itself does not build, so they are read even
 * where a GitRepository ignores them; one that is a template YAML cannot
 * read is passed over.
 */
export function readHelmfileVersions(
  tree: RepoTree,
  files: YamlFiles,
): FluxVersion[] {
  const found: FluxVersion[] = [];
  for (const file of tree.paths()) {
    if (!helmfileName.test(file)) continue;
    const bytes = tree.read(file);
    if (
      !bytes ||
      (!containsBytes(bytes, fluxInstanceChart) &&
        !containsBytes(bytes, flux2Chart))
    )
      continue;
    for (const doc of files.read(file).documents) {
      const releases = getPath(doc.value, ['releases']);
      if (!Array.isArray(releases)) continue;
      releases.forEach((release, r) => {
        const source = {
          file,
          index: doc.index,
          line: doc.line,
          root: doc.value,
        };
        // the flux2 chart (blthazr's bootstrap): its version says the Flux
        if (/(?:^|\/)flux2$/.test(String(getPath(release, ['chart'])))) {
          const version = fluxOfFlux2Chart(getPath(release, ['version']), () =>
            locate({ source }, ['releases', r, 'version']),
          );
          if (version) found.push(version);
          return;
        }
        if (!/(?:^|\/)flux-instance$/.test(String(getPath(release, ['chart']))))
          return;
        const values = getPath(release, ['values']);
        if (!Array.isArray(values)) return;
        values.forEach((item, i) => {
          const path = ['instance', 'distribution', 'version'];
          const version = fluxVersion(getPath(item, path), () =>
            locate({ source }, ['releases', r, 'values', i, ...path]),
          );
          if (version) found.push(version);
        });
      });
    }
  }
  return found;
}

/** What the other versions found say beside the oldest: older than some, or the same everywhere. */
function manyFound(versions: readonly FluxVersion[]) {
  const texts = new Set(versions.map(v => v.text.replace(/^v/, '')));
  return texts.size > 1
    ? `, the oldest of ${versions.length} found,`
    : `, as in all ${versions.length} places found,`;
}

/** Whether the versions found substitute strictly, and why. */
export function strictnessOf(versions: readonly FluxVersion[]):
  | {
      strict: boolean;
      reason: string;
      location: SourceLocation;
      /** The oldest version found, which decides. */
      version: [number, number];
    }
  | undefined {
  if (versions.length === 0) return undefined;
  const isStrict = (v: FluxVersion) =>
    v.version[0] > strictSinceFlux[0] ||
    (v.version[0] === strictSinceFlux[0] && v.version[1] >= strictSinceFlux[1]);
  // the oldest Flux decides: a substitution must work on every cluster
  const oldest = [...versions].sort(
    (a, b) =>
      a.version[0] - b.version[0] ||
      a.version[1] - b.version[1] ||
      // the same minor: by the patch as written (v2.6.2 before v2.6.4)
      a.text
        .replace(/^v/, '')
        .localeCompare(b.text.replace(/^v/, ''), 'en', { numeric: true }),
  )[0];
  const strict = isStrict(oldest);
  return {
    strict,
    reason: `Flux ${oldest.text} (${where(oldest.location)})${
      versions.length > 1 ? manyFound(versions) : ''
    } ${
      strict
        ? 'fails a Kustomization on an undefined variable without a default (strict since Flux 2.9)'
        : 'replaces an undefined variable without a default by an empty string (strict only from Flux 2.9)'
    }`,
    location: oldest.location,
    version: oldest.version,
  };
}
