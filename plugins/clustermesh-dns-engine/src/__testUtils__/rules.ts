/* eslint-disable jest/no-export */
// Shared rule tests: each rule's test file calls describeRule with its case.
import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defaultConventions } from '../conventions/schema';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import type { MeshConventionsInput } from '../conventions/schema';
import { validateMesh } from '../report/report';
import type { Rule } from '../rules/rule';
import { exampleTree, fixtureTree, knownDomain } from './trees';

/** Files of the example repository the rule tests edit. */
export const exampleFile = {
  settings: (c: string) => `kubernetes/clusters/${c}/cluster-settings.yaml`,
  helmRelease:
    'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
  dnsEndpoint:
    'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
  pool: (c: string) =>
    `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${c}.yaml`,
};

export type Files = Record<string, string>;

/** The first lines of the Cilium HelmRelease (kube-system/cilium), in a file of its own. */
export const ciliumReleaseHead = [
  'apiVersion: helm.toolkit.fluxcd.io/v2',
  'kind: HelmRelease',
  'metadata:',
  '  name: cilium',
  '  namespace: kube-system',
  'spec:',
];

/**
 * The example without its ExternalDNS (a repository whose ExternalDNS runs
 * elsewhere, or whose tests bring their own): its chart's HelmRepository
 * (flux-system/external-dns) stays, as the source the tests' own name.
 */
export function withoutExampleExternalDns(f: Files) {
  const folder = 'kubernetes/infrastructure/networking/external-dns';
  for (const file of Object.keys(f))
    if (file.startsWith(`${folder}/`) && !file.endsWith('/helmrepository.yaml'))
      delete f[file];
  f[`${folder}/kustomization.yaml`] =
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - helmrepository.yaml\n';
}

/** An ExternalDNS HelmRelease (chart 1.19, ExternalDNS v0.19) with a provider and more values. */
export const externalDnsRelease = (provider: string, values: string[] = []) =>
  [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata: {name: external-dns, namespace: network}',
    'spec:',
    '  interval: 1h',
    '  chart: {spec: {chart: external-dns, version: 1.19.0, sourceRef: {kind: HelmRepository, name: external-dns, namespace: flux-system}}}',
    '  values:',
    `    provider: {name: ${provider}}`,
    ...values.map(v => `    ${v}`),
    '',
  ].join('\n');

/** A GitRepository of ExternalDNS's own repository and the Kustomization applying its CRDs from it (not read here). */
export const externalDnsCrdsFromGit = [
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: GitRepository',
  'metadata: {name: external-dns-crd, namespace: flux-system}',
  'spec: {interval: 1h, url: https://github.com/kubernetes-sigs/external-dns, ref: {tag: v0.22.0}}',
  '---',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata: {name: external-dns-crds, namespace: flux-system}',
  'spec: {interval: 1h, path: ./config/crd/standard, prune: true, sourceRef: {kind: GitRepository, name: external-dns-crd}}',
  '',
].join('\n');

/** An ExternalDNS Deployment of an image (`repository[:tag]`), with its container's args when given. */
export const externalDnsDeployment = (image: string, args?: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: external-dns, namespace: network}',
    'spec:',
    '  selector: {matchLabels: {app: external-dns}}',
    '  template:',
    '    metadata: {labels: {app: external-dns}}',
    '    spec:',
    '      containers:',
    '        - name: external-dns',
    `          image: ${image}`,
    ...(args ? [`          args: ${args}`] : []),
    '',
  ].join('\n');

/** A GitRepository of `url` and the Flux Kustomization `addons` that builds its `./deploy`. */
export const sourceKustomization = (url: string) =>
  [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: GitRepository',
    'metadata: {name: addons, namespace: flux-system}',
    `spec: {interval: 1h, url: "${url}", ref: {tag: v0.12.0}}`,
    '---',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata: {name: addons, namespace: flux-system}',
    'spec: {interval: 1h, path: ./deploy, prune: true, sourceRef: {kind: GitRepository, name: addons}}',
    '',
  ].join('\n');

/** An edit of one file of a fixture; throws when it does not apply. */
export const replace =
  (file: string, from: string | RegExp, to: string) => (files: Files) => {
    const before = files[file];
    files[file] = before.replace(from, to);
    if (files[file] === before)
      throw new Error(`the fixture edit did not apply to ${file}: ${from}`);
  };

/** The example with a cluster's LB IP key taken out of its settings. */
export const withoutLbIp = (cluster: string) =>
  replace(
    exampleFile.settings(cluster),
    new RegExp(`  CILIUM_CLUSTERMESH_LB_IP: "[^"]*"\n`),
    '',
  );

/** The example with a cluster's infrastructure also substituting from a ConfigMap made outside the repository (`bootstrap-settings`). */
export const withOutsideSettingsSource = (cluster: string) =>
  replace(
    `kubernetes/clusters/${cluster}/infrastructure.yaml`,
    '        name: cluster-secrets\n',
    '        name: cluster-secrets\n      - kind: ConfigMap\n        name: bootstrap-settings\n',
  );

/** Every check of the example repository, edited. */
export function exampleChecks(
  edit?: (f: Files) => void,
  conventions?: MeshConventionsInput,
): CheckResult[] {
  const report = validateMesh(
    exampleTree('gitops-repo', edit),
    resolveConventions({ ...knownDomain, ...conventions }),
  );
  return [...report.clusters.flatMap(c => c.checks), ...report.meshChecks];
}

/** One rule's standard case: one change to the (green) example makes it fail. */
export interface RuleCase {
  edit: (files: Files) => void;
  conventions?: MeshConventionsInput;
  /** The failure expected: its cluster and where it points. */
  fails: { cluster: string; at: string; message: RegExp };
}

/**
 * The tests every rule has: it passes on the example repository (every
 * rule green), and the case's change makes it fail for the expected
 * cluster, pointing at the expected file and line, with a message that
 * does not repeat the location and a remediation.
 */
export function describeRule(
  rule: Rule,
  { edit, conventions, fails }: RuleCase,
) {
  it('passes on the example repository', () => {
    const results = exampleChecks().filter(r => r.ruleId === rule.id);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter(r => r.outcome !== 'pass')).toEqual([]);
  });

  it(`fails for ${fails.cluster} at ${fails.at}`, () => {
    const failures = exampleChecks(edit, conventions).filter(
      r => r.ruleId === rule.id && r.outcome === 'fail',
    );
    const match = failures.find(
      f => f.cluster === fails.cluster && fails.message.test(f.message),
    );
    expect({
      failures: failures.map(f => f.message),
      matched: !!match,
    }).toMatchObject({ matched: true });
    expect(`${match!.location!.file}:${match!.location!.line}`).toBe(fails.at);
    expect(match!.message).not.toContain(fails.at);
    expect(match!.message.startsWith(`${fails.cluster}: `)).toBe(false);
    // worded for this failure: its file where it says one
    expect(match!.remediation).toMatch(/^[A-Z].{20,}\.$/);
    expect(match!.remediation).not.toContain('undefined');
  });

  it('documents what it checks, how to fix it, and its messages', () => {
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.remediation(defaultConventions).length).toBeGreaterThan(20);
    expect(Object.keys(rule.messages).length).toBeGreaterThan(0);
  });
}

/**
 * Every check of the fixture `files-template`: the story's repository as
 * `configure` leaves it when the settings ConfigMap is applied without
 * substitution (by the bootstrap Kustomization) and SECRET_DOMAIN is only in
 * a SOPS Secret: the settings hold only the LB IP, the FQDN template is in
 * the files Flux substitutes (the Cilium values, the DNSEndpoint). The domain
 * is not given unless the conventions give it.
 */
export function filesTemplateChecks(
  edit?: (f: Files) => void,
  conventions?: MeshConventionsInput,
): CheckResult[] {
  const report = validateMesh(
    fixtureTree('files-template', edit),
    resolveConventions(conventions),
  );
  return [...report.clusters.flatMap(c => c.checks), ...report.meshChecks];
}

/** Files of the fixture `files-template`. */
export const filesTemplateFile = {
  settings: (c: string) => `kubernetes/clusters/${c}/cluster-settings.yaml`,
  secrets: (c: string) => `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`,
  helmRelease:
    'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
  dnsEndpoint:
    'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
};

/** Both example clusters' SOPS secrets gain a key (its value encrypted: not known here). */
export const withSecretKey =
  (key: string) => (files: Record<string, string>) => {
    for (const cluster of ['apps', 'infra'])
      replace(
        `kubernetes/clusters/${cluster}/cluster-secrets.sops.yaml`,
        'stringData:\n',
        `stringData:\n  ${key}: ENC[AES256_GCM,data:AAAA,type:str]\n`,
      )(files);
  };

/** One rule's checks of one cluster of a fixture, with the conventions detection finds there. */
export function fixtureClusterChecks(
  fixture: string,
  cluster: string,
  ruleId: string,
): CheckResult[] {
  const tree = fixtureTree(fixture);
  return validateMesh(tree, resolveConventions({}, detectConventions(tree)))
    .clusters.find(c => c.name === cluster)!
    .checks.filter(c => c.ruleId === ruleId);
}

/** The example with each cluster's SOPS Secret left out of what Flux applies (a bootstrap applies it). */
export const secretsByBootstrap = (files: Record<string, string>) => {
  for (const c of ['infra', 'apps'])
    replace(
      `kubernetes/clusters/${c}/kustomization.yaml`,
      '  - cluster-secrets.sops.yaml\n',
      '',
    )(files);
};

/**
 * A bootstrap helmfile (`bootstrap/helmfile.yaml`) whose Cilium release
 * installs the `spec.values` of a HelmRelease file as they are (a Go
 * template reading it), then `extra` lines of the release (`set:`).
 */
export const bootstrapHelmfile = (release: string, extra: string[] = []) =>
  [
    'releases:',
    '  - name: cilium',
    '    namespace: kube-system',
    '    chart: cilium/cilium',
    `    values: ['{{ readFile "../${release}" | fromYaml | get "spec.values" | toYaml }}']`,
    ...extra,
    '',
  ].join('\n');

/**
 * The `patches` a parent Flux Kustomization appends to its spec to give
 * every child Kustomization its target selects `postBuild.substituteFrom`
 * these sources, as home-ops parents do; the target's group and
 * labelSelector (children it leaves out: an opt-out label) when given.
 */
export const childrenSubstitutionPatch = (
  sources: readonly { kind: string; name: string; optional?: boolean }[],
  target: { group?: boolean; labelSelector?: string } = {},
) =>
  [
    '  patches:',
    '    - patch: |-',
    '        apiVersion: kustomize.toolkit.fluxcd.io/v1',
    '        kind: Kustomization',
    '        metadata:',
    '          name: not-used',
    '        spec:',
    '          postBuild:',
    '            substituteFrom:',
    ...sources.flatMap(source => [
      `              - kind: ${source.kind}`,
      `                name: ${source.name}`,
      ...(source.optional ? ['                optional: true'] : []),
    ]),
    '      target:',
    ...(target.group ? ['        group: kustomize.toolkit.fluxcd.io'] : []),
    '        kind: Kustomization',
    ...(target.labelSelector
      ? [`        labelSelector: ${target.labelSelector}`]
      : []),
    '',
  ].join('\n');

/** The example with MetalLB's IPAddressPool (metallb-system/lan, 10.25.11.0/24) applied beside its Cilium pools. */
export function withMetalLbPool(files: Files) {
  files['kubernetes/infrastructure/networking/metallb/pool.yaml'] =
    'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n  namespace: metallb-system\nspec:\n  addresses: [10.25.11.0/24]\n';
  files['kubernetes/infrastructure/networking/metallb/kustomization.yaml'] =
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - pool.yaml\n';
  replace(
    'kubernetes/infrastructure/networking/kustomization.yaml',
    '  - cilium\n',
    '  - cilium\n  - metallb\n',
  )(files);
}

/** The example where MetalLB's pool, and no Cilium pool, gives infra its addresses. */
export function metalLbOnlyForInfra(files: Files) {
  withMetalLbPool(files);
  replace(
    'kubernetes/clusters/infra/kustomization.yaml',
    /\n {2}- .*lb-ippool-infra\.yaml/,
    '',
  )(files);
}
