import fc from 'fast-check';
import { variableSegment } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defaultConventions } from '../conventions/schema';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';
import {
  generateSyntheticMesh,
  syntheticClusterAddress,
  syntheticClusterName,
} from '../testUtils/syntheticMesh';
import type { MeshDnsChangeInput } from './input';
import { planMeshDnsChange } from './plan';

// Property: on generated repositories of several layouts, with any subset of
// the ClusterMesh structure missing or written in flow style, configure
// either writes a change that validates clean and that a second run leaves
// alone, or refuses naming each reason; it never refuses its own output.

const HR = 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
const CORE = 'kubernetes/infrastructure/networking/cilium/core';
const DNS = 'kubernetes/infrastructure/networking/cilium/clustermesh';

/** How much of the ClusterMesh values a repository already has, and in which style. */
const structure = fc.record({
  useAPIServer: fc.constantFrom('missing', 'true', 'false'),
  apiserver: fc.constantFrom('missing', 'empty', 'flow', 'block'),
  service: fc.constantFrom('missing', 'flow', 'block'),
  annotations: fc.constantFrom('missing', '{}', 'flow', 'block'),
  tls: fc.constantFrom('missing', 'flow', 'block'),
  config: fc.constantFrom('missing', 'flow', 'partial', 'block'),
  clusters: fc.constantFrom('missing', '[]', 'flow', 'block'),
  indent: fc.constantFrom(2, 4),
});

const layout = fc.record({
  clusters: fc.integer({ min: 2, max: 4 }),
  /** Where the Cilium values are: the HelmRelease, or a values file a ConfigMap generator reads. */
  values: fc.constantFrom('helmrelease', 'valuesfrom'),
  /** How the settings are kept: a YAML ConfigMap, or an env file of a generator. */
  settings: fc.constantFrom('yaml', 'env'),
  /** Whether the DNSEndpoint exists. */
  dnsEndpoint: fc.boolean(),
  /** Which clusters already have their ClusterMesh settings (a bit per cluster). */
  configured: fc.nat({ max: 15 }),
  structure,
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

/** The ClusterMesh values with a subset of the structure, at an indentation. */
function clustermeshText(
  s: Layout['structure'],
  names: string[],
  base: number,
): string {
  const i = (n: number) => ' '.repeat(base + s.indent * n);
  const lines = [`${i(0)}clustermesh:`];
  if (s.useAPIServer !== 'missing')
    lines.push(`${i(1)}useAPIServer: ${s.useAPIServer}`);
  if (s.apiserver === 'empty') lines.push(`${i(1)}apiserver: {}`);
  else if (s.apiserver === 'flow')
    lines.push(`${i(1)}apiserver: {replicas: 2, service: {type: NodePort}}`);
  else if (s.apiserver === 'block') {
    lines.push(`${i(1)}apiserver:`, `${i(2)}replicas: 2`);
    if (s.service === 'flow') lines.push(`${i(2)}service: {type: NodePort}`);
    else if (s.service === 'block') {
      lines.push(`${i(2)}service:`, `${i(3)}type: NodePort`);
      if (s.annotations === '{}') lines.push(`${i(3)}annotations: {}`);
      else if (s.annotations === 'flow')
        lines.push(`${i(3)}annotations: {team: net}`);
      else if (s.annotations === 'block')
        lines.push(`${i(3)}annotations:`, `${i(4)}team: net`);
    }
    if (s.tls === 'flow') lines.push(`${i(2)}tls: {auto: {enabled: true}}`);
    else if (s.tls === 'block')
      lines.push(`${i(2)}tls:`, `${i(3)}auto:`, `${i(4)}enabled: true`);
  }
  const entry = (n: string) =>
    `{name: ${n}, address: "\${CILIUM_CLUSTERMESH_${variableSegment(
      n,
    )}_FQDN:=\${CILIUM_CLUSTERMESH_FQDN}}", port: 2379}`;
  if (s.config === 'flow')
    lines.push(`${i(1)}config: {enabled: false, domain: mesh.cilium.io}`);
  else if (s.config !== 'missing') {
    lines.push(`${i(1)}config:`, `${i(2)}enabled: false`);
    if (s.config === 'block') {
      lines.push(`${i(2)}domain: mesh.cilium.io # the default`);
      if (s.clusters === '[]') lines.push(`${i(2)}clusters: []`);
      else if (s.clusters === 'flow')
        lines.push(`${i(2)}clusters: [${entry(names[0])}]`);
      else if (s.clusters === 'block')
        lines.push(
          `${i(2)}clusters:`,
          `${i(3)}- name: ${names[0]}`,
          `${i(3)}  address: \${CILIUM_CLUSTERMESH_${variableSegment(
            names[0],
          )}_FQDN:=\${CILIUM_CLUSTERMESH_FQDN}}`,
          `${i(3)}  port: 2379`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A synthetic mesh reshaped to a layout. */
function repositoryOf(l: Layout): Record<string, string> {
  const files = generateSyntheticMesh({ clusters: l.clusters });
  const names = Array.from({ length: l.clusters }, (_, k) =>
    syntheticClusterName(k + 1),
  );
  // the settings: only some clusters already have their ClusterMesh keys
  names.forEach((name, k) => {
    const path = `kubernetes/clusters/${name}/cluster-settings.yaml`;
    if (!((l.configured >> k) & 1))
      files[path] = files[path]
        .split('\n')
        .filter(line => !line.includes('CILIUM_CLUSTERMESH'))
        .join('\n');
    if (l.settings === 'env') {
      const data = files[path].split('\ndata:\n')[1];
      files[`kubernetes/clusters/${name}/vars/cluster-settings.env`] = `${data
        .split('\n')
        .filter(line => line.trim())
        .map(line => line.trim().replace(/^([A-Z0-9_]+): "?(.*?)"?$/, '$1=$2'))
        .join('\n')}\n`;
      delete files[path];
      files[
        `kubernetes/clusters/${name}/vars/kustomization.yaml`
      ] = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: flux-system\nconfigMapGenerator:\n  - name: cluster-settings\n    envs:\n      - cluster-settings.env\ngeneratorOptions:\n  disableNameSuffixHash: true\n`;
    }
  });
  // the Cilium values: any subset of the ClusterMesh structure
  const hr = files[HR];
  const head = hr.slice(0, hr.indexOf('    clustermesh:'));
  if (l.values === 'helmrelease') {
    files[HR] = head + clustermeshText(l.structure, names, 4);
  } else {
    files[HR] = `${head.slice(
      0,
      head.indexOf('  values:'),
    )}  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-values\n`;
    const values = head
      .slice(head.indexOf('  values:\n') + '  values:\n'.length)
      .split('\n')
      .map(line => line.slice(4))
      .join('\n');
    files[`${CORE}/values.yaml`] =
      values + clustermeshText(l.structure, names, 0);
    files[
      `${CORE}/kustomization.yaml`
    ] = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kube-system\nresources:\n  - helmrelease.yaml\nconfigMapGenerator:\n  - name: cilium-values\n    files:\n      - values.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\n`;
  }
  if (!l.dnsEndpoint) {
    delete files[`${DNS}/dnsendpoint.yaml`];
    files[
      `${DNS}/kustomization.yaml`
    ] = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./externalsecret.yaml\n`;
    files[
      `${DNS}/externalsecret.yaml`
    ] = `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cilium-clustermesh\n  namespace: kube-system\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault\n  dataFrom:\n    - extract:\n        key: cilium-clustermesh\n`;
  }
  return files;
}

const conventions = {
  ...defaultConventions,
  values: { SECRET_DOMAIN: 'example.net' },
};

describe('configure on generated repositories', () => {
  it('writes a change that validates clean and is idempotent, or refuses naming each reason; never refuses its own output', () => {
    let written = 0;
    let refused = 0;
    const unnamed: unknown[] = [];
    fc.assert(
      fc.property(
        layout,
        fc.integer({ min: 1, max: 14 }),
        fc.nat(),
        fc.boolean(),
        (l, offset, pick, all) => {
          const files = repositoryOf(l);
          const names = Array.from({ length: l.clusters }, (_, k) =>
            syntheticClusterName(k + 1),
          );
          // some clusters; mostly every one that has no settings yet
          const chosen = names.filter(
            (_, k) => (all && !((l.configured >> k) & 1)) || (pick >> k) & 1,
          );
          const input: MeshDnsChangeInput = {
            clusters: (chosen.length ? chosen : names).map(name => ({
              name,
              ip: syntheticClusterAddress(names.indexOf(name) + 1, offset),
            })),
          };
          const plan = planMeshDnsChange(
            createRepoTree(files),
            input,
            conventions,
          );
          if (plan.problems.length) {
            refused++;
            unnamed.push(...plan.problems.filter(p => !p.field || !p.message));
            return;
          }
          written++;
          const after = { ...files };
          for (const e of plan.edits) after[e.path] = e.after;
          const report = validateMesh(createRepoTree(after), conventions);
          expect(
            [
              ...report.findings,
              ...report.meshChecks,
              ...report.clusters.flatMap(c => c.checks),
            ]
              .filter(
                c =>
                  c.severity === 'error' &&
                  (!('outcome' in c) || c.outcome === 'fail'),
              )
              .map(c => c.message),
          ).toEqual([]);
          const again = planMeshDnsChange(
            createRepoTree(after),
            input,
            conventions,
          );
          expect(again.problems).toEqual([]);
          expect(again.edits).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
    // each refusal names its field and reason; both outcomes are seen
    expect(unnamed).toEqual([]);
    expect(written).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(0);
  });
});
