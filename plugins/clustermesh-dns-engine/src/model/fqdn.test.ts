import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';

/**
 * Two clusters whose Cilium values address each other by name written out
 * (`main.mesh.cilium.io`), no certificate name nor DNSEndpoint, their
 * Kustomizations substituting from a settings ConfigMap made outside the
 * repository (its keys not known).
 */
function peersByName(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [cluster, peer, id] of [
    ['k0s', 'main', 1],
    ['main', 'k0s', 2],
  ] as const) {
    files[`clusters/${cluster}/flux-system/gotk-sync.yaml`] = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: flux-system, namespace: flux-system}',
      'spec:',
      `  path: ./clusters/${cluster}`,
      '  sourceRef: {kind: GitRepository, name: flux-system}',
      '  postBuild:',
      '    substituteFrom:',
      '      - {kind: ConfigMap, name: cluster-settings}',
      '',
    ].join('\n');
    files[`clusters/${cluster}/cilium.yaml`] = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: cilium, namespace: kube-system}',
      'spec:',
      '  chart: {spec: {chart: cilium, version: 1.16.5}}',
      '  values:',
      `    cluster: {name: ${cluster}, id: ${id}}`,
      '    clustermesh:',
      '      useAPIServer: true',
      '      config:',
      '        enabled: true',
      '        clusters:',
      `          - name: ${peer}`,
      `            address: ${peer}.mesh.cilium.io`,
      '            port: 2379',
      '',
    ].join('\n');
  }
  return files;
}

describe('a cluster FQDN its peers give', () => {
  it('is the name its peers address it by, where no file of its own names it and the settings variable is one no file uses', () => {
    const tree = createRepoTree(peersByName());
    const conventions = resolveConventions({}, detectConventions(tree));
    expect(conventions.fqdnTemplate).toBe('{cluster}.mesh.cilium.io');
    const report = validateMesh(tree, conventions);
    const k0s = report.clusters.find(c => c.name === 'k0s')!;
    expect(k0s.fqdn).toMatchObject({
      resolved: 'k0s.mesh.cilium.io',
      location: { file: 'clusters/main/cilium.yaml', line: 14 },
    });
    const outcome = (rule: string) => k0s.checks.find(c => c.ruleId === rule);
    expect(outcome('peers-complete')).toMatchObject({
      outcome: 'pass',
      message: 'knows main as "main.mesh.cilium.io" (its mesh entry address)',
    });
    expect(outcome('peers-by-fqdn')?.outcome).toBe('pass');
    expect(outcome('fqdn-valid')?.outcome).toBe('pass');
  });
});
