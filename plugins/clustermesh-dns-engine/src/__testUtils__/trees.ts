import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectConventions } from '../conventions/detect';
import {
  readConventionsFile,
  resolveConventions,
} from '../conventions/resolve';
import type { MeshConventions } from '../conventions/schema';
import { createRepoTree, RepoTree } from '../tree/RepoTree';

/** The repository root of this monorepo. */
export const monorepoRoot = path.resolve(__dirname, '../../../..');

/** Reads a folder from disk into an in-memory tree (test helper). */
export function readFolder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else
        files[path.relative(dir, full).split(path.sep).join('/')] =
          fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** The files of an example repository of `examples/`. */
export function exampleFiles(name: string): Record<string, string> {
  return readFolder(path.join(monorepoRoot, 'examples', name));
}

/** The files of a fixture of this package. */
export function fixtureFiles(name: string): Record<string, string> {
  return readFolder(path.resolve(__dirname, '../../fixtures', name));
}

/**
 * The fixture of Cilium values in plain files another installer reads
 * (records made by hand), with ClusterMesh on in both clusters' values and
 * their LB IPs written out, and optional edits.
 */
export function valuesFileMeshFiles(
  edit?: (files: Record<string, string>) => void,
): Record<string, string> {
  const files = fixtureFiles('configure-values-file-manual/repo');
  for (const [cluster, ip] of [
    ['east', '192.168.10.5'],
    ['west', '192.168.20.5'],
  ])
    files[`terraform/cilium/values-${cluster}.yaml`] += [
      'clustermesh:',
      '  useAPIServer: true',
      '  apiserver:',
      '    service:',
      '      type: LoadBalancer',
      `      annotations: {lbipam.cilium.io/ips: ${ip}}`,
      '',
    ].join('\n');
  edit?.(files);
  return files;
}

/** An example repository of `examples/` as a tree, with optional edits. */
export function exampleTree(
  name: string,
  edit?: (files: Record<string, string>) => void,
): RepoTree {
  const files = exampleFiles(name);
  edit?.(files);
  return createRepoTree(files);
}

/** A fixture of this package as a tree, with optional edits. */
export function fixtureTree(
  name: string,
  edit?: (files: Record<string, string>) => void,
): RepoTree {
  const files = fixtureFiles(name);
  edit?.(files);
  return createRepoTree(files);
}

/** Writes a tree to a new temporary folder (test helper). */
export function writeFolder(
  files: Record<string, string | Uint8Array>,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clustermesh-dns-test-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/**
 * The example repositories keep SECRET_DOMAIN in a SOPS Secret; with its
 * value given (as a user gives it in the conventions' `values`), every rule
 * of the "after" example is checked and passes.
 */
export const knownDomain = { values: { SECRET_DOMAIN: 'example.net' } };

/** A repository's conventions as the CLI reads them: its `.clustermesh-dns.yaml`, then detection. */
export function repositoryConventions(
  files: Record<string, string>,
): MeshConventions {
  const text = files['.clustermesh-dns.yaml'];
  const explicit = text ? readConventionsFile(text) : undefined;
  return resolveConventions(
    explicit,
    detectConventions(createRepoTree(files), explicit),
  );
}

/**
 * The Flux Kustomization `flux bootstrap` leaves in a cluster's folder
 * (`<folder>/flux-system/gotk-sync.yaml`): it reconciles that folder.
 */
export const bootstrapSync = (folder: string) =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata: {name: flux-system, namespace: flux-system}',
    `spec: {interval: 10m, path: ./${folder}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}`,
    '',
  ].join('\n');
