import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  bootstrapSync,
  fixtureTree,
  knownDomain,
} from '../__testUtils__/trees';
import {
  bootstrapHelmfile,
  childrenSubstitutionPatch,
  ciliumReleaseHead,
  externalDnsCrdsFromGit,
  externalDnsRelease,
} from '../__testUtils__/rules';
import fs from 'node:fs';
import path from 'node:path';
import { diffLines } from 'diff';
import { parse, parseAllDocuments, stringify } from 'yaml';
import fc from 'fast-check';
import { createRepoTree, RepoTree } from '../tree/RepoTree';
import {
  defaultConventions,
  MeshConventions,
  MeshConventionsInput,
} from '../conventions/schema';
import {
  parseConventions,
  readConventionsFile,
  resolveConventions,
} from '../conventions/resolve';
import { detectConventions } from '../conventions/detect';
import {
  generateSyntheticMesh,
  syntheticClusterAddress,
  syntheticClusterName,
} from '../testUtils/syntheticMesh';
import {
  exampleFiles,
  fixtureFiles,
  repositoryConventions,
  writeFolder,
} from '../__testUtils__/trees';
import { describeProblem, MeshDnsChangeInput } from './input';
import { planMeshDnsChange } from './plan';
import { kubectlKustomize, kubectlOnPath } from '../__testUtils__/kubectl';
import { validateMesh } from '../report/report';
import { EngineCache } from '../cache/EngineCache';

/** The conventions as the CLI resolves them: the explicit ones over what detection finds in the files. */
const detectedIn = (
  files: Record<string, string>,
  explicit: MeshConventionsInput = {},
) =>
  resolveConventions(
    explicit,
    detectConventions(createRepoTree(files), explicit),
  );

/** The conventions with the example repositories' SOPS domain given. */
const withDomain = resolveConventions(knownDomain);

/**
 * A Cilium HelmRelease (chart 1.18.4) in kube-system whose cluster name and
 * id are the Flux variables CLUSTER_NAME and CLUSTER_ID, then `values`.
 */
const ciliumRelease = (values: string[] = []) =>
  [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata: {name: cilium, namespace: kube-system}',
    'spec:',
    '  interval: 30m',
    '  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}',
    '  values:',
    '    cluster:',
    '      name: ${CLUSTER_NAME}',
    '      id: ${CLUSTER_ID}',
    ...values,
    '',
  ].join('\n');

/** The two clusters of the `configure-no-settings` fixture, each at an address of its pool. */
const mainAndStaging: MeshDnsChangeInput = {
  clusters: [
    { name: 'main', ip: '10.11.1.20' },
    { name: 'staging', ip: '10.12.1.20' },
  ],
};

/** The two clusters of the east/west layouts here, each at address 10 of its pool. */
const eastAndWest: MeshDnsChangeInput = {
  clusters: [
    { name: 'east', ip: '10.70.1.10' },
    { name: 'west', ip: '10.70.2.10' },
  ],
};

const storyInput: MeshDnsChangeInput = {
  clusters: [
    { name: 'infra', ip: '10.25.11.100' },
    { name: 'apps', ip: '10.25.11.120' },
  ],
};

/**
 * The tree with a plan's edits applied. The DNSEndpoint mode is the run's
 * unless the conventions say manual: most layouts here keep no ExternalDNS
 * (installed outside the repository), where configure would otherwise
 * choose a records document.
 */
function applied(
  files: Record<string, string>,
  input: MeshDnsChangeInput,
  conventions: MeshConventions = withDomain,
  cache?: EngineCache,
) {
  const mode =
    input.mode ??
    (conventions.dns.mode === 'externaldns' ? 'externaldns' : undefined);
  const plan = planMeshDnsChange(
    createRepoTree(files),
    mode ? { ...input, mode } : input,
    conventions,
    { cache },
  );
  const after = { ...files };
  for (const e of plan.edits) after[e.path] = e.after;
  return { plan, after };
}

/** Lines removed and added by each edit. */
function changedLines(before: string | undefined, after: string) {
  const removed: string[] = [];
  const added: string[] = [];
  for (const part of diffLines(before ?? '', after)) {
    const lines = part.value.split(/\r?\n/).filter(l => l !== '');
    if (part.removed) removed.push(...lines);
    if (part.added) added.push(...lines);
  }
  return { removed, added };
}

/** `kubectl kustomize` (with Flux's load restrictor) of folders of a tree. */
function kubectlBuild(files: Record<string, string>, paths: string[]) {
  const dir = writeFolder(files);
  try {
    return paths.map(p => {
      const result = kubectlKustomize(path.join(dir, p));
      return { status: result.status, stderr: result.stderr };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The kinds `kubectl kustomize` builds in folders of a tree. */
function kubectlKinds(files: Record<string, string>, paths: string[]) {
  const dir = writeFolder(files);
  try {
    return paths.map(p =>
      [
        ...kubectlKustomize(path.join(dir, p)).stdout.matchAll(
          /^kind: (\S+)$/gm,
        ),
      ].map(m => m[1]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ksConventions = parseConventions(
  fixtureFiles('ks-layout')['.clustermesh-dns.yaml'],
);

/** The rules some check of a report could not evaluate, each once. */
const notEvaluatedRules = (report: MeshReport) => [
  ...new Set(
    report.clusters.flatMap(c =>
      c.checks.filter(k => k.outcome === 'not-evaluated').map(k => k.ruleId),
    ),
  ),
];

/** The overlay fixture with a third cluster, gamma, shaped like beta. */
function overlayFixtureWithGamma() {
  const files = fixtureFiles('configure-overlay-patches/repo');
  for (const [file, text] of Object.entries(files))
    if (/(^|\/)beta\//.test(file))
      files[file.replace(/(^|\/)beta\//, '$1gamma/')] = text
        .replace(/\bbeta\b/g, 'gamma')
        .replace(/10\.60\.2\./g, '10.60.3.')
        .replace(/id: 2/, 'id: 3');
  return files;
}

describe('a DNSEndpoint where a cluster outside the mesh would get it too', () => {
  it("writes each record in its cluster's overlay, not in the base a cluster outside the mesh shares", () => {
    // the overlay fixture with a third cluster, gamma, on the same base,
    // whose own patch switches ClusterMesh off
    const files = overlayFixtureWithGamma();
    const gammaValues = 'infra/cilium/gamma/release.yaml';
    files[gammaValues] = files[gammaValues].replace(
      /\n {4}clustermesh:\n[\s\S]*$/,
      '\n    clustermesh:\n      useAPIServer: false\n',
    );
    const explicit = parse(files['.clustermesh-dns.yaml']);
    const conventions = detectedIn(files, explicit);
    const input = {
      clusters: [
        { name: 'alpha', ip: '10.60.1.10' },
        { name: 'beta', ip: '10.60.2.10' },
      ],
    };
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const written = plan.edits.map(e => e.path);
    expect(written).not.toContain('infra/cilium/base/dnsendpoint.yaml');
    expect(after['infra/cilium/base/kustomization.yaml']).toBe(
      files['infra/cilium/base/kustomization.yaml'],
    );
    for (const c of ['alpha', 'beta']) {
      // in a folder of the overlay's own, applied apart from Cilium by a
      // Kustomization in the cluster's file
      expect(written).toContain(
        `infra/cilium/${c}/clustermesh/dnsendpoint.yaml`,
      );
      expect(after[`clusters/${c}/cilium.yaml`]).toContain(
        `path: ./infra/cilium/${c}/clustermesh\n`,
      );
      // written out, as the values are (no settings, no substitution)
      expect(after[`infra/cilium/${c}/clustermesh/dnsendpoint.yaml`]).toContain(
        `dnsName: clustermesh-${c}.mesh.example.test`,
      );
    }
    expect(after['clusters/gamma/cilium.yaml']).toBe(
      files['clusters/gamma/cilium.yaml'],
    );
    // gamma, outside, gets no record; the members validate clean
    const report = validateMesh(createRepoTree(after), conventions);
    const byName = Object.fromEntries(report.clusters.map(c => [c.name, c]));
    expect(byName.gamma.status).toBe('outside');
    expect(report.summary.errors).toBe(0);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
    // as kustomize builds them: gamma's overlay holds no record
    const kinds = kubectlOnPath('kubectl kustomize of the overlays')
      ? kubectlKinds(after, [
          'infra/cilium/alpha/clustermesh',
          'infra/cilium/gamma',
        ])
      : [['DNSEndpoint'], []];
    expect(kinds.map(k => k.filter(kind => kind === 'DNSEndpoint'))).toEqual([
      ['DNSEndpoint'],
      [],
    ]);
  });
});

describe("a DNSEndpoint in a base each cluster's own Kustomization builds", () => {
  /** Each cluster declares its Kustomizations in its own file, all of them building one shared base (`k8s/base/<app>`); `patches` written in each, when given. */
  const baseLayout = (patches?: string) => {
    const files: Record<string, string> = {
      'base/cilium/kustomization.yaml': 'resources:\n  - helmrelease.yaml\n',
      'base/cilium/helmrelease.yaml': ciliumRelease([
        '    clustermesh: {useAPIServer: true}',
      ]),
      'base/external-dns/kustomization.yaml':
        'resources:\n  - helmrelease.yaml\n',
      'base/external-dns/helmrelease.yaml': externalDnsRelease('cloudflare', [
        'sources: [crd]',
        'domainFilters: [example.net]',
      ]),
    };
    const kustomization = (name: string, built: string) =>
      [
        '---',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        `  name: ${name}`,
        '  namespace: flux-system',
        '  labels:',
        '    part-of: definitions',
        'spec:',
        '  interval: 30m',
        `  path: "./${built}"`,
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '  postBuild:',
        '    substituteFrom:',
        '      - {kind: ConfigMap, name: cluster-settings}',
        ...(patches !== undefined ? [`  patches: ${patches}`] : []),
        '',
      ].join('\n');
    for (const [c, id, pool] of [
      ['east', 1, '10.70.1.0/24'],
      ['west', 2, '10.70.2.0/24'],
    ] as const) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = bootstrapSync(
        `clusters/${c}`,
      );
      files[`clusters/${c}/definitions/kube-system.yaml`] = kustomization(
        'kube-system-cilium',
        'base/cilium',
      );
      files[`clusters/${c}/definitions/networking.yaml`] = kustomization(
        'networking-external-dns',
        'base/external-dns',
      );
      files[
        `clusters/${c}/cluster-settings.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  CLUSTER_NAME: ${c}\n  CLUSTER_ID: "${id}"\n`;
      files[
        `clusters/${c}/pool.yaml`
      ] = `apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: pool}\nspec:\n  blocks:\n    - cidr: ${pool}\n`;
    }
    return files;
  };

  it("goes in a folder of the base's own, applied by a new Kustomization beside each cluster's Cilium one, after Cilium and ExternalDNS", () => {
    const files = baseLayout();
    // the repository's manifests open with their editor schema
    files[
      'base/external-dns/helmrelease.yaml'
    ] = `# yaml-language-server: $schema=https://schemas.example.org/helm.toolkit.fluxcd.io/helmrelease_v2.json\n${files['base/external-dns/helmrelease.yaml']}`;
    const conventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
      detectConventions(createRepoTree(files)),
    );
    const input = eastAndWest;
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    // one record for both, in a folder of the base's own that the base's
    // kustomization does not list
    expect(after['base/cilium/clustermesh/kustomization.yaml']).toContain(
      '- dnsendpoint.yaml',
    );
    expect(after['base/cilium/clustermesh/dnsendpoint.yaml']).toContain(
      'dnsName: ${CILIUM_CLUSTERMESH_FQDN}',
    );
    // …and so does the new record, with the same site's schema of its kind
    expect(after['base/cilium/clustermesh/dnsendpoint.yaml']).toMatch(
      /^---\n# yaml-language-server: \$schema=https:\/\/schemas\.example\.org\/externaldns\.k8s\.io\/dnsendpoint_v1alpha1\.json\napiVersion: externaldns\.k8s\.io\/v1alpha1\n/,
    );
    expect(after['base/cilium/kustomization.yaml']).toBe(
      files['base/cilium/kustomization.yaml'],
    );
    // each cluster's file declares the new Kustomization, as its Cilium
    // one is declared: labels, substitution; after Cilium and ExternalDNS
    for (const c of ['east', 'west']) {
      const declared = parseAllDocuments(
        after[`clusters/${c}/definitions/kube-system.yaml`],
      ).map(d => d.toJS());
      expect(declared[1]).toEqual({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: {
          name: 'kube-system-cilium-clustermesh',
          namespace: 'flux-system',
          labels: { 'part-of': 'definitions' },
        },
        spec: {
          dependsOn: [
            { name: 'kube-system-cilium' },
            { name: 'networking-external-dns' },
          ],
          interval: '30m',
          path: './base/cilium/clustermesh',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
          postBuild: {
            substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
          },
        },
      });
    }
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^The DNSEndpoint goes in base\/cilium\/clustermesh\/dnsendpoint\.yaml, applied by a new Flux Kustomization, kube-system-cilium-clustermesh \(in clusters\/east\/definitions\/kube-system\.yaml, clusters\/west\/definitions\/kube-system\.yaml\), after kube-system-cilium and networking-external-dns/,
      ),
    );
    // validated afterwards: each cluster publishes its own record; a
    // second run writes nothing
    const report = validateMesh(createRepoTree(after), conventions);
    expect(report.summary.errors).toBe(0);
    expect(
      report.clusters.map(
        c => c.checks.find(k => k.ruleId === 'dnsendpoint-included')?.outcome,
      ),
    ).toEqual(['pass', 'pass']);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
  });

  it("says where a parent's patch gives the Cilium Kustomization each cluster's values inline, which it does not edit", () => {
    // pwyde: each cluster's entry patches every child with its values
    const files = baseLayout();
    for (const c of ['east', 'west']) {
      // one Cilium Kustomization both clusters list
      files['shared/kube-system.yaml'] = files[
        `clusters/${c}/definitions/kube-system.yaml`
      ].replace(
        '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n',
        '',
      );
      delete files[`clusters/${c}/definitions/kube-system.yaml`];
      files[`clusters/${c}/kustomization.yaml`] =
        'resources:\n  - flux-system/gotk-sync.yaml\n  - definitions/networking.yaml\n  - pool.yaml\n  - ../../shared/kube-system.yaml\n';
      for (const f of ['networking'])
        files[`clusters/${c}/definitions/${f}.yaml`] = files[
          `clusters/${c}/definitions/${f}.yaml`
        ].replace(
          '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n',
          '',
        );
      delete files[`clusters/${c}/cluster-settings.yaml`];
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: flux-system, namespace: flux-system}',
        'spec:',
        '  interval: 10m',
        `  path: ./clusters/${c}`,
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '  patches:',
        '    - target: {kind: Kustomization, labelSelector: part-of=definitions}',
        '      patch: |-',
        '        apiVersion: kustomize.toolkit.fluxcd.io/v1',
        '        kind: Kustomization',
        '        metadata: {name: not-used}',
        '        spec:',
        '          postBuild:',
        '            substitute:',
        `              CLUSTER_NAME: ${c}`,
        `              CLUSTER_ID: "${c === 'east' ? 1 : 2}"`,
        '',
      ].join('\n');
    }
    const problemsOf = (tree: RepoTree) =>
      planMeshDnsChange(
        tree,
        eastAndWest,
        resolveConventions(
          { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
          detectConventions(tree),
        ),
      ).problems;
    const problem = problemsOf(createRepoTree(files)).find(p =>
      p.field.startsWith('clusters/east/'),
    );
    expect(problem?.message).toMatch(
      /: its own values \(CLUSTER_NAME, CLUSTER_ID\) are in the postBuild\.substitute a parent's patch gives Kustomization flux-system\/kube-system-cilium \(clusters\/east\/flux-system\/gotk-sync\.yaml:\d+\), the text of a patch, which configure does not edit: add CILIUM_CLUSTERMESH_LB_IP there by hand \(the FQDNs are written out: the template, clustermesh-\{cluster\}\.example\.net, has no variables\), or create the settings ConfigMap/,
    );
    // cubic3d: a settings ConfigMap both clusters apply from one file
    // besides: the refusal of the shared file says the same
    files['shared/cluster-settings.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  TEAM: platform\n';
    files['shared/kube-system.yaml'] = files['shared/kube-system.yaml'].replace(
      '  prune: true\n',
      '  prune: true\n  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n',
    );
    for (const c of ['east', 'west'])
      files[`clusters/${c}/kustomization.yaml`] +=
        '  - ../../shared/cluster-settings.yaml\n';
    const shared = problemsOf(createRepoTree(files)).find(
      p => p.field === 'shared/cluster-settings.yaml',
    );
    expect(shared?.message).toMatch(
      /the last would win for all\); each cluster's own values \(CLUSTER_NAME, CLUSTER_ID\) are in the postBuild\.substitute a parent's patch gives Kustomization flux-system\/kube-system-cilium .* there by hand \(.*\), or give each cluster a settings ConfigMap of its own/,
    );
    // Tanguille's copy: the entries added there by hand, as advised: the
    // settings are left, the rest planned
    for (const [c, peer, net] of [
      ['east', 'WEST', '10.70.1'],
      ['west', 'EAST', '10.70.2'],
    ] as const) {
      const sync = `clusters/${c}/flux-system/gotk-sync.yaml`;
      files[sync] += [
        `              CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.example.net`,
        `              CILIUM_CLUSTERMESH_LB_IP: ${net}.10`,
        `              CILIUM_CLUSTERMESH_${peer}_FQDN: clustermesh-${peer.toLowerCase()}.example.net`,
        '',
      ].join('\n');
    }
    const conventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
      detectConventions(createRepoTree(files)),
    );
    const { plan, after } = applied(files, eastAndWest, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      "east, west: the ClusterMesh entries are in the postBuild.substitute a parent's patch gives each cluster's Kustomization applying the Cilium values already, which Flux takes over any settings; no settings are written.",
    );
    expect(plan.decisions).not.toContainEqual(
      expect.stringMatching(/written in the settings/),
    );
    const written = plan.edits.map(e => e.path);
    expect(written).not.toContain('shared/cluster-settings.yaml');
    expect(written.some(f => f.includes('gotk-sync'))).toBe(false);
    expect(written.some(f => /cilium|helmrelease/.test(f))).toBe(true);
    expect(
      validateMesh(createRepoTree(after), conventions).summary.errors,
    ).toBe(0);
    // judahrand's and MaksimShakavin's copies: no settings ConfigMap at
    // all, the entries in the patch alone
    const alone = { ...files };
    delete alone['shared/cluster-settings.yaml'];
    for (const c of ['east', 'west'])
      alone[`clusters/${c}/kustomization.yaml`] = alone[
        `clusters/${c}/kustomization.yaml`
      ].replace('  - ../../shared/cluster-settings.yaml\n', '');
    alone['shared/kube-system.yaml'] = alone['shared/kube-system.yaml'].replace(
      '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n',
      '',
    );
    const aloneRun = applied(alone, eastAndWest, conventions);
    expect(aloneRun.plan.problems).toEqual([]);
    expect(aloneRun.plan.decisions).toContainEqual(
      expect.stringMatching(
        /^east, west: the ClusterMesh entries are in the postBuild\.substitute a parent's patch gives/,
      ),
    );
    expect(
      aloneRun.plan.edits.some(e => /settings|gotk-sync/.test(e.path)),
    ).toBe(false);
    expect(
      validateMesh(createRepoTree(aloneRun.after), conventions).summary.errors,
    ).toBe(0);
    // a new address there: only the LB IP changes by hand, the FQDN going
    // by the template (juftin's copy)
    const readdressed = planMeshDnsChange(
      createRepoTree(aloneRun.after),
      { clusters: [{ name: 'east', ip: '10.70.1.11' }] },
      conventions,
    );
    expect(readdressed.problems.map(p => p.message)).toContainEqual(
      expect.stringMatching(
        /which configure does not edit: set CILIUM_CLUSTERMESH_LB_IP there by hand \(the FQDNs are written out/,
      ),
    );
    // herobrauni's copy: its own entries alone there, no peer's: the
    // shared values name each peer written out (the template has no
    // variables), not by a variable no cluster has
    const ownOnly = { ...alone };
    for (const c of ['east', 'west']) {
      const sync = `clusters/${c}/flux-system/gotk-sync.yaml`;
      ownOnly[sync] = ownOnly[sync].replace(
        / {14}CILIUM_CLUSTERMESH_(?:EAST|WEST)_FQDN: .*\n/,
        '',
      );
    }
    const ownRun = applied(ownOnly, eastAndWest, conventions);
    expect(ownRun.plan.problems).toEqual([]);
    const values = ownRun.after['base/cilium/helmrelease.yaml'];
    expect(values).toContain('address: clustermesh-west.example.net');
    expect(values).toContain('address: clustermesh-east.example.net');
    expect(values).not.toMatch(/CILIUM_CLUSTERMESH_(?:EAST|WEST)_FQDN/);
    expect(
      validateMesh(createRepoTree(ownRun.after), conventions).summary.errors,
    ).toBe(0);
    // thomloy's copy: a settings ConfigMap of each cluster's own that the
    // Cilium Kustomization does not read: a new address is refused, not
    // written where Flux takes the patch's over it
    const readByNone = { ...alone };
    for (const c of ['east', 'west']) {
      readByNone[`clusters/${c}/cluster-settings.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  TEAM: platform\n';
      readByNone[`clusters/${c}/kustomization.yaml`] +=
        '  - cluster-settings.yaml\n';
    }
    const moved = planMeshDnsChange(
      createRepoTree(readByNone),
      {
        clusters: [
          { name: 'east', ip: '10.70.1.11' },
          { name: 'west', ip: '10.70.2.10' },
        ],
      },
      conventions,
    );
    expect(moved.edits).toEqual([]);
    expect(moved.problems).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(
          /^east: CILIUM_CLUSTERMESH_LB_IP would be written in ConfigMap cluster-settings here, but the postBuild\.substitute a parent's patch gives Kustomization flux-system\/kube-system-cilium \(clusters\/east\/flux-system\/gotk-sync\.yaml:\d+\) defines it too, which Flux inserts over any substituteFrom: 10\.70\.1\.10, not 10\.70\.1\.11$/,
        ),
      }),
    );
    // an IP other than the one written there: refused as before
    expect(
      planMeshDnsChange(
        createRepoTree(files),
        {
          clusters: [
            { name: 'east', ip: '10.70.1.11' },
            { name: 'west', ip: '10.70.2.10' },
          ],
        },
        conventions,
      ).problems.map(p => p.field),
    ).toContain('shared/cluster-settings.yaml');

    // SquaredPotato's copy: the domain a secret the Cilium Kustomization
    // substitutes from a Secret, only the LB IP in the patch
    const secretDomain = { ...alone };
    for (const c of ['east', 'west'])
      secretDomain[`clusters/${c}/flux-system/gotk-sync.yaml`] = alone[
        `clusters/${c}/flux-system/gotk-sync.yaml`
      ]
        .split('\n')
        .filter(line => !/CILIUM_CLUSTERMESH_\w*FQDN/.test(line))
        .join('\n');
    secretDomain['shared/cluster-secrets.yaml'] =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  SECRET_DOMAIN: example.net\n';
    for (const c of ['east', 'west'])
      secretDomain[`clusters/${c}/kustomization.yaml`] +=
        '  - ../../shared/cluster-secrets.yaml\n';
    secretDomain['shared/kube-system.yaml'] = secretDomain[
      'shared/kube-system.yaml'
    ].replace(
      '  prune: true\n',
      '  prune: true\n  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: cluster-secrets}\n',
    );
    const secretConventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}' },
      detectConventions(createRepoTree(secretDomain)),
    );
    const input = eastAndWest;
    const byTemplate = applied(secretDomain, input, secretConventions);
    expect(byTemplate.plan.problems).toEqual([]);
    expect(
      byTemplate.plan.edits
        .map(e => byTemplate.after[e.path])
        .find(text => /clustermesh:/.test(text)),
    ).toContain('clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}');
    expect(
      validateMesh(createRepoTree(byTemplate.after), secretConventions).summary
        .errors,
    ).toBe(0);
    // Jonnobrow's copy: the domain a plain setting of a shared ConfigMap,
    // no settings written: the template, not a variable nothing defines
    const plainDomain = { ...secretDomain };
    delete plainDomain['shared/cluster-secrets.yaml'];
    plainDomain['shared/cluster-settings.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  CLUSTER_DOMAIN: example.net\n';
    for (const c of ['east', 'west'])
      plainDomain[`clusters/${c}/kustomization.yaml`] = plainDomain[
        `clusters/${c}/kustomization.yaml`
      ].replace('cluster-secrets.yaml', 'cluster-settings.yaml');
    plainDomain['shared/kube-system.yaml'] = plainDomain[
      'shared/kube-system.yaml'
    ].replace(
      '{kind: Secret, name: cluster-secrets}',
      '{kind: ConfigMap, name: cluster-settings}',
    );
    const plainConventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.${CLUSTER_DOMAIN}' },
      detectConventions(createRepoTree(plainDomain)),
    );
    const plain = applied(plainDomain, input, plainConventions);
    expect(plain.plan.problems).toEqual([]);
    expect(plain.plan.decisions).toContainEqual(
      "east, west: the LB IP is in the postBuild.substitute a parent's patch gives each cluster's Kustomization applying the Cilium values already, which Flux takes over any settings, and the FQDNs go by the template there; no settings are written.",
    );
    const plainChanged = plain.plan.edits
      .map(e => plain.after[e.path])
      .join('\n');
    expect(plainChanged).toContain(
      'clustermesh-${CLUSTER_NAME}.${CLUSTER_DOMAIN}',
    );
    expect(plainChanged).not.toContain('${CILIUM_CLUSTERMESH_FQDN}');
    expect(
      validateMesh(createRepoTree(plain.after), plainConventions).summary
        .errors,
    ).toBe(0);
    // the FQDN variables added there too (the domain written out): the
    // values and the record refer to them, not to a second template
    const withFqdns = { ...secretDomain };
    for (const [c, peer] of [
      ['east', 'WEST'],
      ['west', 'EAST'],
    ] as const)
      withFqdns[`clusters/${c}/flux-system/gotk-sync.yaml`] += [
        `              CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.example.net`,
        `              CILIUM_CLUSTERMESH_${peer}_FQDN: clustermesh-${peer.toLowerCase()}.example.net`,
        '',
      ].join('\n');
    const byVariable = applied(withFqdns, input, secretConventions);
    expect(byVariable.plan.problems).toEqual([]);
    const changed = Object.entries(byVariable.after)
      .filter(([f]) => byVariable.plan.edits.some(e => e.path === f))
      .map(([, text]) => text)
      .join('\n');
    expect(changed).toContain('dnsName: ${CILIUM_CLUSTERMESH_FQDN}');
    expect(changed).toContain('extraDnsNames: ["${CILIUM_CLUSTERMESH_FQDN}"]');
    expect(changed).not.toContain('clustermesh-${CLUSTER_NAME}');
    expect(
      validateMesh(createRepoTree(byVariable.after), secretConventions).summary
        .errors,
    ).toBe(0);
  });

  it("keeps an empty list of the Cilium Kustomization's that a parent's patch appends to (`patches: []`)", () => {
    // deedee-ops: the entry's patch adds to every child's spec.patches,
    // so each child keeps `patches: []` for it
    const files = baseLayout('[]');
    for (const c of ['east', 'west'])
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: flux-system, namespace: flux-system}',
        'spec:',
        '  interval: 10m',
        `  path: ./clusters/${c}`,
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '  patches:',
        '    - target: {kind: Kustomization, labelSelector: part-of=definitions}',
        '      patch: |-',
        '        - op: add',
        '          path: /spec/patches/-',
        '          value: {patch: "- {op: add, path: /metadata/labels/x, value: y}", target: {kind: ConfigMap}}',
        '',
      ].join('\n');
    const conventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
      detectConventions(createRepoTree(files)),
    );
    const { plan, after } = applied(files, eastAndWest, conventions);
    expect(plan.problems).toEqual([]);
    const declared = parseAllDocuments(
      after['clusters/east/definitions/kube-system.yaml'],
    ).map(d => d.toJS());
    expect(declared[1].spec.patches).toEqual([]);
    expect(
      validateMesh(createRepoTree(after), conventions).summary.errors,
    ).toBe(0);
  });
});

describe("manual mode with the records in the peers' CoreDNS hosts entries", () => {
  /** Each cluster's own CoreDNS (the coredns chart), in its folder. */
  const coreDnsOf = (c: string) => `clusters/${c}/coredns.yaml`;
  const coreDns = coreDnsOf('alpha');
  /** The overlay fixture (alpha, beta, gamma), each cluster's CoreDNS with a hosts block naming some of them. */
  const withHosts = (entries: string[], without: string[] = []) => {
    const files = overlayFixtureWithGamma();
    for (const c of ['alpha', 'beta', 'gamma']) {
      if (without.includes(c)) continue;
      files[`clusters/${c}/kustomization.yaml`] += '  - coredns.yaml\n';
      files[coreDnsOf(c)] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: coredns, namespace: kube-system}',
        'spec:',
        '  interval: 1h',
        '  chart: {spec: {chart: coredns, sourceRef: {kind: HelmRepository, name: coredns}}}',
        '  values:',
        '    servers:',
        '      - zones: [{zone: .}]',
        '        plugins:',
        '          - name: hosts',
        '            configBlock: |-',
        '              # the mesh',
        ...entries.map(e => `              ${e}`),
        '              192.168.1.2 nas.example.test',
        '              fallthrough',
        '',
      ].join('\n');
    }
    return files;
  };
  const conventionsOf = (files: Record<string, string>) =>
    detectedIn(files, {
      ...parse(files['.clustermesh-dns.yaml']),
      dns: { mode: 'manual' },
    });
  const all = {
    clusters: [
      { name: 'alpha', ip: '10.60.1.10' },
      { name: 'beta', ip: '10.60.2.10' },
      { name: 'gamma', ip: '10.60.3.10' },
    ],
  };
  const matches = (after: Record<string, string>) =>
    validateMesh(createRepoTree(after), conventionsOf(after))
      .clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'dnsendpoint-matches')
      .map(c => [c.cluster, c.outcome]);

  it("adds a joining cluster's entry beside the others, moves a cluster's to its new address, writes no records document, and validates clean", () => {
    const files = withHosts([
      '10.60.1.9 clustermesh-alpha.mesh.example.test',
      '10.60.2.10 clustermesh-beta.mesh.example.test',
    ]);
    const { plan, after } = applied(files, all, conventionsOf(files));
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).not.toContain(
      'docs/clustermesh-dns-records.md',
    );
    expect(changedLines(files[coreDns], after[coreDns])).toEqual({
      removed: ['              10.60.1.9 clustermesh-alpha.mesh.example.test'],
      added: [
        '              10.60.1.10 clustermesh-alpha.mesh.example.test',
        '              10.60.3.10 clustermesh-gamma.mesh.example.test',
      ],
    });
    expect(after[coreDns]).toContain(
      '              10.60.2.10 clustermesh-beta.mesh.example.test\n              10.60.3.10 clustermesh-gamma.mesh.example.test\n              192.168.1.2 nas.example.test\n',
    );
    // answered with the hosts plugin's TTL (its block sets none), not dns.ttl
    expect(plan.records.map(r => [r.cluster, r.ttl])).toEqual([
      ['alpha', 3600],
      ['beta', 3600],
      ['gamma', 3600],
    ]);
    expect(plan.edits.find(e => e.path === coreDns)!.reasons).toEqual([
      "clustermesh-gamma.mesh.example.test answered with 10.60.3.10 (CoreDNS hosts entry), beside the mesh's others",
      'clustermesh-alpha.mesh.example.test answered with 10.60.1.10, its new LB IP (CoreDNS hosts entry)',
    ]);
    expect(matches(after)).toEqual([
      ['alpha', 'pass'],
      ['beta', 'pass'],
      ['gamma', 'pass'],
    ]);
    // the TTL checked is the one CoreDNS serves, not dns.ttl
    const ttl = validateMesh(createRepoTree(after), conventionsOf(after))
      .clusters.find(c => c.name === 'alpha')!
      .checks.find(c => c.ruleId === 'ttl-valid')!;
    expect(ttl).toMatchObject({
      outcome: 'not-applicable',
      message: expect.stringMatching(
        /^its peers' CoreDNS hosts entries answer the name \(clusters\/(beta|gamma)\/coredns\.yaml:\d+\), with TTL 3600 \(the hosts plugin's default: its block sets no ttl\): CoreDNS serves it, not the DNS provider/,
      ),
    });
    expect(applied(after, all, conventionsOf(after)).plan.edits).toEqual([]);

    // taken out again (its own values switch ClusterMesh off): its entry goes
    const overlay = 'infra/cilium/gamma/release.yaml';
    after[overlay] = after[overlay]
      .replace('        enabled: true\n', '        enabled: false\n')
      .replace(
        '    clustermesh:\n',
        '    clustermesh:\n      useAPIServer: false\n',
      );
    const removal = applied(
      after,
      { clusters: [], remove: ['gamma'] },
      conventionsOf(after),
    );
    expect(removal.plan.problems).toEqual([]);
    expect(changedLines(after[coreDns], removal.after[coreDns])).toEqual({
      removed: ['              10.60.3.10 clustermesh-gamma.mesh.example.test'],
      added: [],
    });
  });

  it('lists in a records document only the clusters some peer does not answer for', () => {
    // gamma's CoreDNS keeps no mesh entries: alpha's and beta's records are kept elsewhere
    const files = withHosts(
      ['10.60.1.10 clustermesh-alpha.mesh.example.test'],
      ['gamma'],
    );
    const { plan, after } = applied(files, all, conventionsOf(files));
    expect(plan.problems).toEqual([]);
    for (const c of ['alpha', 'beta'])
      expect(after[coreDnsOf(c)]).toContain(
        [
          '              10.60.1.10 clustermesh-alpha.mesh.example.test',
          '              10.60.2.10 clustermesh-beta.mesh.example.test',
          '              10.60.3.10 clustermesh-gamma.mesh.example.test',
          '',
        ].join('\n'),
      );
    const rows = after['docs/clustermesh-dns-records.md']
      .split('\n')
      .filter(l => l.startsWith('| ') && !l.startsWith('| Cluster'))
      .map(l => l.split(' | ')[0]);
    expect(rows).toEqual(['| alpha', '| beta']);
    expect(plan.records.map(r => [r.cluster, r.ttl])).toEqual([
      ['alpha', 300],
      ['beta', 300],
      ['gamma', 3600],
    ]);
    expect(matches(after)).toEqual([
      ['alpha', 'pass'],
      ['beta', 'pass'],
      ['gamma', 'pass'],
    ]);
    expect(applied(after, all, conventionsOf(after)).plan.edits).toEqual([]);
  });

  it('fails a hosts entry with another address even where the records document lists the record', () => {
    const files = withHosts([
      '10.60.1.9 clustermesh-alpha.mesh.example.test',
      '10.60.2.10 clustermesh-beta.mesh.example.test',
      '10.60.3.10 clustermesh-gamma.mesh.example.test',
    ]);
    const configured = applied(files, all, conventionsOf(files)).after;
    // beta's CoreDNS still answers alpha's old address
    configured[coreDnsOf('beta')] = files[coreDnsOf('beta')];
    configured['docs/clustermesh-dns-records.md'] =
      '| alpha | `clustermesh-alpha.mesh.example.test` | A | 10.60.1.10 | 300 |\n';
    expect(matches(configured)[0]).toEqual(['alpha', 'fail']);
  });
});

describe('--remove of a cluster whose peers are in its own overlay patch', () => {
  it('keeps the settings its patch still uses once its switches are off, instead of refusing its own change', () => {
    // the overlay fixture with a third cluster, gamma, shaped like beta
    const files = overlayFixtureWithGamma();
    // a team that keeps the addresses in settings (the peers' variables)
    const conventionsOf = (tree: Record<string, string>) => {
      const explicit = {
        ...parse(tree['.clustermesh-dns.yaml']),
        settings: { create: 'always' },
      };
      return detectedIn(tree, explicit);
    };
    const conventions = conventionsOf(files);
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'alpha', ip: '10.60.1.10' },
          { name: 'beta', ip: '10.60.2.10' },
          { name: 'gamma', ip: '10.60.3.10' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    // a new peer entry's keys in the order of its neighbour's
    expect(after['infra/cilium/alpha/release.yaml']).toContain(
      '        - name: beta\n          port: 2379\n          address: ${CILIUM_CLUSTERMESH_BETA_FQDN}\n        - name: gamma\n          port: 2379\n          address: ${CILIUM_CLUSTERMESH_GAMMA_FQDN}\n',
    );
    // gamma's own values switch ClusterMesh off, as the refusal asks
    const overlay = 'infra/cilium/gamma/release.yaml';
    expect(after[overlay]).toContain('        enabled: true\n');
    after[overlay] = after[overlay]
      .replace('        enabled: true\n', '        enabled: false\n')
      .replace(
        '    clustermesh:\n',
        '    clustermesh:\n      useAPIServer: false\n',
      );
    const removal = planMeshDnsChange(
      createRepoTree(after),
      { clusters: [], remove: ['gamma'] },
      conventionsOf(after),
    );
    expect(removal.problems).toEqual([]);
    // its patch still names the peers' variables: they stay in its settings
    expect(
      removal.edits.find(
        e => e.path === 'clusters/gamma/cluster-settings.yaml',
      ),
    ).toBeUndefined();
    expect(removal.decisions).toContainEqual(
      expect.stringMatching(
        /^gamma: CILIUM_CLUSTERMESH_FQDN, CILIUM_CLUSTERMESH_LB_IP, CILIUM_CLUSTERMESH_ALPHA_FQDN, CILIUM_CLUSTERMESH_BETA_FQDN kept in its settings: its files .*infra\/cilium\/gamma\/release.yaml.*; take those uses out of [^;]*infra\/cilium\/gamma\/release.yaml[^;]* \(ClusterMesh is off there\), then run the removal again to drop them/,
      ),
    );
    // the others forget gamma
    expect(
      removal.edits.find(e => e.path === 'infra/cilium/alpha/release.yaml')!
        .after,
    ).not.toContain('gamma');
  });
});

describe("clusters whose Cilium Kustomizations sit in one folder, each listed by the cluster's own", () => {
  /** `infra/cilium/<c>.yaml` per cluster (one shared app folder), listed by `clusters/<c>/infrastructure`. */
  const layout = () => {
    const files: Record<string, string> = {
      'infra/cilium/app/release.yaml': [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: cilium, namespace: networking}',
        'spec:',
        '  interval: 30m',
        '  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}',
        '  values:',
        '    clustermesh:',
        '      useAPIServer: true',
        '      apiserver:',
        '        service:',
        '          type: LoadBalancer',
        '',
      ].join('\n'),
    };
    for (const [c, id, net] of [
      ['local', 2, '10.0.10'],
      ['prod', 1, '10.0.20'],
    ] as const) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: flux-system, namespace: flux-system}',
        `spec: {interval: 10m, path: ./clusters/${c}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}`,
        '---',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: infrastructure, namespace: flux-system}',
        `spec: {interval: 10m, path: ./clusters/${c}/infrastructure, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}`,
        '',
      ].join('\n');
      files[`clusters/${c}/kustomization.yaml`] =
        'resources:\n  - flux-system/gotk-sync.yaml\n';
      files[`clusters/${c}/infrastructure/kustomization.yaml`] = [
        'resources:',
        '  - ./pool.yaml',
        `  - ../../../infra/cilium/${c}.yaml`,
        '',
      ].join('\n');
      files[`clusters/${c}/infrastructure/pool.yaml`] = [
        'apiVersion: cilium.io/v2',
        'kind: CiliumLoadBalancerIPPool',
        `metadata: {name: ${c}}`,
        `spec: {blocks: [{cidr: ${net}.0/24}]}`,
        '',
      ].join('\n');
      files[`infra/cilium/${c}.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: cilium, namespace: networking}',
        'spec:',
        '  interval: 30m',
        '  path: ./infra/cilium/app',
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}',
        '  patches:',
        '    - target: {kind: HelmRelease, name: cilium}',
        '      patch: |-',
        '        - op: add',
        '          path: /spec/values/cluster',
        `          value: {name: ${c}, id: ${id}}`,
        '',
      ].join('\n');
    }
    return files;
  };
  const conventions = resolveConventions({
    clustersPath: 'clusters',
    fqdnTemplate: 'clustermesh-{cluster}.example.org',
    dns: { mode: 'manual' },
  });
  const input = {
    clusters: [
      { name: 'local', ip: '10.0.10.50' },
      { name: 'prod', ip: '10.0.20.50' },
    ],
  };

  it("writes each cluster's settings in its own folder, listed there, not one file beside both Kustomizations", () => {
    const files = layout();
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    for (const c of ['local', 'prod']) {
      const settings =
        after[`clusters/${c}/infrastructure/cluster-settings.yaml`];
      expect(settings).toContain('  namespace: networking\n');
      expect(settings).toContain(
        `  CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.example.org\n`,
      );
      expect(
        changedLines(
          files[`clusters/${c}/infrastructure/kustomization.yaml`],
          after[`clusters/${c}/infrastructure/kustomization.yaml`],
        ),
      ).toEqual({ removed: [], added: ['  - ./cluster-settings.yaml'] });
      expect(after[`infra/cilium/${c}.yaml`]).toContain(
        '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n',
      );
    }
    expect(after['infra/cilium/cluster-settings.yaml']).toBeUndefined();
    const report = validateMesh(createRepoTree(after), conventions);
    expect(report.summary.errors).toBe(0);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
    const built = kubectlOnPath("kubectl kustomize of the clusters' folders")
      ? kubectlBuild(after, [
          'clusters/local/infrastructure',
          'clusters/prod/infrastructure',
        ])
      : [0, 0].map(() => ({ status: 0, stderr: '' }));
    expect(built).toEqual([0, 0].map(() => ({ status: 0, stderr: '' })));
  });

  it('lists in the records document the name Flux inserts where a plain variable of the Kustomization applying the settings completes it, not the variable', () => {
    // deedee-ops: the domain given in clear by that Kustomization's own
    // postBuild.substitute, not held in the settings
    const files = layout();
    for (const c of ['local', 'prod'])
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = files[
        `clusters/${c}/flux-system/gotk-sync.yaml`
      ].replace(
        `path: ./clusters/${c}/infrastructure, prune: true, `,
        `path: ./clusters/${c}/infrastructure, prune: true, postBuild: {substitute: {DOMAIN: example.org}}, `,
      );
    expect(files['clusters/local/flux-system/gotk-sync.yaml']).toContain(
      'DOMAIN: example.org',
    );
    const inDomain = resolveConventions({
      clustersPath: 'clusters',
      fqdnTemplate: 'clustermesh-{cluster}.${DOMAIN}',
      dns: { mode: 'manual' },
    });
    const { plan, after } = applied(files, input, inDomain);
    expect(plan.problems).toEqual([]);
    const document = after['docs/clustermesh-dns-records.md'];
    expect(document).toContain('`clustermesh-local.example.org`');
    expect(document).not.toContain('${DOMAIN}');
    // the settings keep the template Flux completes
    expect(
      after['clusters/local/infrastructure/cluster-settings.yaml'],
    ).toContain('clustermesh-local.${DOMAIN}');
  });
});

describe('a cluster folder copied without its settings file, which its Kustomization names (not optional)', () => {
  /**
   * Each cluster's folder (Flux generates its kustomization) declares the
   * Kustomization of the shared infrastructure, with the cluster's values
   * inline and `substituteFrom: cluster-settings`; gamma is a copy of
   * alpha's folder whose settings file was not copied.
   */
  const layout = () => {
    const files: Record<string, string> = {
      'infrastructure/kustomization.yaml':
        'resources:\n  - cilium/release.yaml\n  - cilium/pool.yaml\n',
      'infrastructure/cilium/release.yaml': ciliumRelease([
        '    clustermesh:',
        '      useAPIServer: true',
        '      apiserver:',
        '        service:',
        '          type: LoadBalancer',
      ]),
      'infrastructure/cilium/pool.yaml': [
        'apiVersion: cilium.io/v2',
        'kind: CiliumLoadBalancerIPPool',
        'metadata: {name: lb-pool}',
        'spec: {blocks: [{cidr: "${LB_POOL_CIDR}"}]}',
        '',
      ].join('\n'),
    };
    for (const [c, id] of [
      ['alpha', 1],
      ['beta', 2],
      ['gamma', 3],
    ] as const) {
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = bootstrapSync(
        `clusters/${c}`,
      );
      files[`clusters/${c}/infrastructure.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: infrastructure, namespace: flux-system}',
        'spec:',
        '  interval: 10m',
        '  path: ./infrastructure',
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '  postBuild:',
        '    substitute:',
        `      CLUSTER_NAME: ${c}`,
        `      CLUSTER_ID: "${id}"`,
        `      LB_POOL_CIDR: 10.0.${id}.0/24`,
        '    substituteFrom:',
        '      - kind: ConfigMap',
        '        name: cluster-settings',
        '',
      ].join('\n');
      if (c !== 'gamma')
        files[`clusters/${c}/cluster-settings.yaml`] = [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: cluster-settings, namespace: flux-system}',
          'data:',
          '  TIMEZONE: Europe/Paris',
          '',
        ].join('\n');
    }
    return files;
  };
  const conventionsOf = (files: Record<string, string>) =>
    resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.example.net' },
      detectConventions(createRepoTree(files)),
    );
  const input = {
    clusters: [
      { name: 'alpha', ip: '10.0.1.10' },
      { name: 'beta', ip: '10.0.2.10' },
      { name: 'gamma', ip: '10.0.3.10' },
    ],
  };

  it('creates the missing file where the other clusters keep theirs, and Flux no longer fails on it', () => {
    const files = layout();
    const conventions = conventionsOf(files);
    const before = validateMesh(createRepoTree(files), conventions);
    expect(
      before.findings
        .filter(f => f.cluster === 'gamma' && f.severity === 'error')
        .map(f => f.message),
    ).toContainEqual(
      expect.stringContaining(
        'substitutes from ConfigMap flux-system/cluster-settings, which nothing in cluster gamma applies',
      ),
    );
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const created = parse(after['clusters/gamma/cluster-settings.yaml']) as any;
    expect(created.metadata).toEqual({
      name: 'cluster-settings',
      namespace: 'flux-system',
    });
    expect(created.data).toMatchObject({
      CILIUM_CLUSTERMESH_FQDN: 'clustermesh-gamma.example.net',
      CILIUM_CLUSTERMESH_LB_IP: '10.0.3.10',
      CILIUM_CLUSTERMESH_ALPHA_FQDN: 'clustermesh-alpha.example.net',
    });
    // the Kustomization names it already: not rewired
    expect(after['clusters/gamma/infrastructure.yaml']).toBe(
      files['clusters/gamma/infrastructure.yaml'],
    );
    expect(plan.decisions).toContainEqual(
      expect.stringContaining(
        'which applies the Cilium values and substitutes from it already (not optional: Flux fails it until this file is there)',
      ),
    );
    expect(plan.report?.summary.errors).toBe(0);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
  });

  it("refuses, saying why, where the Kustomization that needs the file would apply it itself, unless the other clusters' settings are applied so too", () => {
    const files = layout();
    // gamma's bootstrap Kustomization applies its folder and substitutes from the settings it holds
    files['clusters/gamma/flux-system/gotk-sync.yaml'] = files[
      'clusters/gamma/flux-system/gotk-sync.yaml'
    ].replace(
      'sourceRef: {kind: GitRepository, name: flux-system}}',
      'sourceRef: {kind: GitRepository, name: flux-system}, postBuild: {substituteFrom: [{kind: ConfigMap, name: cluster-settings}]}}',
    );
    const { plan } = applied(files, input, conventionsOf(files));
    expect(plan.problems.map(p => p.message).join('\n')).toMatch(
      /would be applied by Kustomization flux-system\/flux-system, which substitutes from ConfigMap cluster-settings \(not optional\) and so fails before applying it: mark that reference optional/,
    );
    // where the other clusters' settings are applied so too (their
    // bootstrap made the ConfigMap first), the repository's way: created
    for (const c of ['alpha', 'beta'])
      files[`clusters/${c}/flux-system/gotk-sync.yaml`] = files[
        'clusters/gamma/flux-system/gotk-sync.yaml'
      ].replace(/gamma/g, c);
    const alike = applied(files, input, conventionsOf(files));
    expect(alike.plan.problems).toEqual([]);
    expect(alike.after['clusters/gamma/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: 10.0.3.10',
    );
  });
});

describe('planMeshDnsChange on a Cilium before 1.15', () => {
  const release =
    'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
  /** The story's repository before the change, pinning another Cilium, and what detection finds in it. */
  const pinning = (version: string) => {
    const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
    before[release] = before[release].replace(
      'version: 1.18.4',
      `version: ${version}`,
    );
    return {
      before,
      detection: detectConventions(createRepoTree(before), knownDomain),
    };
  };

  it('writes the LB IPAM annotation its LB IPAM reads, io.cilium/lb-ipam-ips, as detected from the chart version', () => {
    const { before, detection } = pinning('1.14.3');
    expect(detection.found).toContainEqual(
      expect.objectContaining({
        setting: 'cilium.lbIpamAnnotation',
        value: 'io.cilium/lb-ipam-ips',
        reason: `the repository pins Cilium 1.14.3 (${release}:13), whose LB IPAM reads only io.cilium/lb-ipam-ips (lbipam.cilium.io/ips from 1.15)`,
      }),
    );
    const { plan } = applied(
      before,
      storyInput,
      resolveConventions(knownDomain, detection),
    );
    expect(plan.problems).toEqual([]);
    const values = plan.edits.find(e => e.path === release)!.after;
    expect(values).toContain(
      'io.cilium/lb-ipam-ips: ${CILIUM_CLUSTERMESH_LB_IP}',
    );
    expect(values).not.toContain('lbipam.cilium.io/ips');
  });

  it("says the Cilium version detected is no cluster's where no cluster's Flux applies its release (PrymalInstynct's k3s HelmChart)", () => {
    const { before } = pinning('1.14.3');
    // the release's file listed nowhere: Cilium installed another way
    for (const [file, text] of Object.entries(before))
      if (
        file.endsWith('kustomization.yaml') &&
        text.includes('helmrelease.yaml')
      )
        before[file] = text.replace(/\n\s*- \.?\/?helmrelease\.yaml/, '');
    const detection = detectConventions(createRepoTree(before), knownDomain);
    expect(
      detection.found.find(f => f.setting === 'cilium.lbIpamAnnotation')
        ?.reason,
    ).toBe(
      `the repository pins Cilium 1.14.3 (${release}:13), whose LB IPAM reads only io.cilium/lb-ipam-ips (lbipam.cilium.io/ips from 1.15); but no cluster's Flux applies it (no kustomization a cluster builds reaches its file)`,
    );
  });

  it('refuses on a Cilium before 1.13, which has no LB IPAM, saying so from detection on', () => {
    const { before, detection } = pinning('1.12.0');
    expect(detection.found).toContainEqual(
      expect.objectContaining({
        setting: 'cilium.lbIpamAnnotation',
        reason: `the repository pins Cilium 1.12.0 (${release}:13), which has no LB IPAM yet (from 1.13, when it reads io.cilium/lb-ipam-ips; lbipam.cilium.io/ips from 1.15)`,
      }),
    );
    const { plan } = applied(
      before,
      storyInput,
      resolveConventions(knownDomain, detection),
    );
    // one shared release: said once for both clusters
    expect(plan.problems.map(p => p.message)).toContainEqual(
      expect.stringMatching(
        /^\[service-annotation\] apps, infra: the chart is Cilium 1\.12\.0 .* which has no LB IPAM/,
      ),
    );
  });
});

describe('planMeshDnsChange where ExternalDNS reads no DNSEndpoints yet', () => {
  it("writes no Cloudflare key in the record when the cluster's ExternalDNS publishes to another provider", () => {
    const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
    const release =
      'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml';
    // an RFC 2136 server, fed from Gateway routes only (the crd source to add)
    before[release] = before[release]
      .replace(
        /provider:\n\s+name: cloudflare/,
        'provider:\n      name: rfc2136',
      )
      .replace(/sources:\n\s+- crd/, 'sources:\n      - gateway-httproute');
    expect(before[release]).toContain('name: rfc2136');
    expect(before[release]).toContain('- gateway-httproute');
    const { plan } = applied(before, { ...storyInput, mode: 'externaldns' });
    const record = plan.proposed.find(e =>
      e.after.includes('kind: DNSEndpoint'),
    );
    expect(record?.after).toContain('recordType: A');
    expect(record?.after).not.toContain('cloudflare-proxied');
  });
});

describe('planMeshDnsChange on a DNSEndpoint whose Cloudflare key ExternalDNS does not read', () => {
  it("renames the cloudflare-proxied key to the prefix the repository's ExternalDNS reads (its --annotation-prefix), and the record validates as DNS only (mrwulf's)", () => {
    const files = exampleFiles('gitops-repo');
    const release =
      'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml';
    files[release] = files[release].replace(
      '    sources:\n',
      '    extraArgs:\n      - --annotation-prefix=external-dns.kubernetes.io/\n      - --cloudflare-proxied\n    sources:\n',
    );
    const endpoint =
      'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml';
    expect(files[endpoint]).toContain(
      'name: external-dns.alpha.kubernetes.io/cloudflare-proxied',
    );
    const detected = resolveConventions(
      knownDomain,
      detectConventions(createRepoTree(files), knownDomain),
    );
    expect(detected.dns.externalDnsAnnotationPrefix).toBe(
      'external-dns.kubernetes.io/',
    );
    const { plan, after } = applied(files, storyInput, detected);
    expect(plan.problems).toEqual([]);
    expect(after[endpoint]).toBe(
      files[endpoint].replace(
        'name: external-dns.alpha.kubernetes.io/cloudflare-proxied',
        'name: external-dns.kubernetes.io/cloudflare-proxied',
      ),
    );
    const checks = validateMesh(createRepoTree(after), detected)
      .clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'dnsendpoint-matches');
    expect(checks.map(c => c.outcome)).toEqual(['pass', 'pass']);
  });
});

describe('planMeshDnsChange on settings of lower_snake_case keys', () => {
  /** The story's repository with every variable written in lower case. */
  const lowerCased = () =>
    Object.fromEntries(
      Object.entries(
        exampleFiles('templates/clustermesh-dns/gitops-repo-before'),
      ).map(([file, text]) => [
        file,
        text
          .replace(
            /\$\{([A-Z][A-Z0-9_]*)/g,
            (_, name: string) => `\${${name.toLowerCase()}`,
          )
          .replace(
            /^( {2})([A-Z][A-Z0-9_]*):/gm,
            (_, indent: string, key: string) =>
              file.includes('cluster-se')
                ? `${indent}${key.toLowerCase()}:`
                : `${indent}${key}:`,
          ),
      ]),
    );
  const explicit = {
    fqdnTemplate: 'clustermesh-{cluster}.${secret_domain}',
    values: { secret_domain: 'example.net' },
  };
  /** The conventions as the CLI reads them: given, then detected. */
  const conventionsOf = (files: Record<string, string>) =>
    detectedIn(files, explicit);

  it('writes the ClusterMesh keys in that style, and a second run writes nothing', () => {
    const before = lowerCased();
    expect(before['kubernetes/clusters/infra/cluster-settings.yaml']).toContain(
      '  cluster_name: "infra"',
    );
    const { plan, after } = applied(before, storyInput, conventionsOf(before));
    expect(plan.problems).toEqual([]);
    const settings = plan.edits.find(
      e => e.path === 'kubernetes/clusters/infra/cluster-settings.yaml',
    )!.after;
    expect(settings).toMatch(/^ {2}cilium_clustermesh_fqdn: /m);
    expect(settings).toMatch(/^ {2}cilium_clustermesh_apps_fqdn: /m);
    expect(settings).not.toMatch(/CILIUM_CLUSTERMESH/);
    // detected again from what the first run wrote: nothing more to write
    const again = applied(after, storyInput, conventionsOf(after));
    expect(again.plan.problems).toEqual([]);
    expect(again.plan.edits).toEqual([]);
  });
});

describe('planMeshDnsChange on the story repository', () => {
  const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
  const { plan, after } = applied(before, storyInput);

  it('says a bootstrap helmfile installs the values it writes variables into as they are, in a file the clusters share', () => {
    const release =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    const shared = applied(
      {
        ...before,
        'bootstrap/helmfile.yaml': `releases:\n  - name: cilium\n    namespace: kube-system\n    chart: cilium/cilium\n    values:\n      - ../${release}\n`,
      },
      storyInput,
    );
    expect(shared.plan.problems).toEqual([]);
    expect(shared.after[release]).toContain('${CILIUM_CLUSTERMESH_LB_IP}');
    expect(shared.plan.decisions).toContainEqual(
      `bootstrap/helmfile.yaml reads ${release} to install a new cluster (bootstrap), where Flux does not substitute: the \${…} references the change writes there reach that first install as they are, until Flux reconciles the HelmRelease.`,
    );
    // a later change there that writes no new reference (a peer's port put
    // back) says nothing of them (rkoosaar's --remove)
    const moved = {
      ...shared.after,
      [release]: shared.after[release].replace('port: 2379', 'port: 32379'),
    };
    const fixed = applied(moved, storyInput);
    expect(fixed.plan.problems).toEqual([]);
    expect(fixed.plan.edits.map(e => e.path)).toEqual([release]);
    expect(fixed.plan.decisions.join('\n')).not.toContain(
      'references the change writes there',
    );
  });

  it('refuses nothing when nothing is to be written: an error about a configured cluster that was already there is listed, not a refusal', () => {
    // one ExternalDNS owner id for every cluster: each deletes the other's
    // record, which no change of configure's fixes
    const release =
      'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml';
    const shared = {
      ...after,
      [release]: after[release].replace(/^ *(txtOwnerId|txtPrefix):.*\n/gm, ''),
    };
    expect(shared[release]).not.toContain('txtOwnerId');
    const again = applied(shared, storyInput).plan;
    expect(again.edits).toEqual([]);
    expect(again.problems).toEqual([]);
    expect(again.alreadyThere.map(p => p.message)).toContainEqual(
      expect.stringMatching(
        /^\[dnsendpoint-matches\] infra: .* with --policy=sync and the TXT owner id "default" /,
      ),
    );
    // the summary does not say no check of the change's was failing
    expect(again.unfixedRules).toEqual(['dnsendpoint-matches']);
    expect(again.summary).toContain(
      'Still failing for a cluster it configures: `dnsendpoint-matches`, which nothing the change would write fixes (below).',
    );
  });

  it.each([
    ['given to the run', knownDomain],
    ['not known here (a SOPS Secret)', {}],
  ])(
    "names the domains the cluster's ExternalDNS publishes in where the template's variable is defined nowhere, as the files write them (the domain %s)",
    (_, values) => {
      // named once, in a template no cluster applies (a gatus endpoint)
      const { plan: refused } = applied(
        {
          ...before,
          'kubernetes/templates/gatus.yaml':
            'endpoints:\n  - url: https://status.${MESH_DOMAIN}\n',
        },
        storyInput,
        resolveConventions({
          ...values,
          fqdnTemplate: 'clustermesh-{cluster}.${MESH_DOMAIN}',
        }),
      );
      expect(refused.edits).toEqual([]);
      expect(refused.problems.map(p => p.message)).toContainEqual(
        expect.stringMatching(
          /^the FQDN of infra, clustermesh-infra\.\$\{MESH_DOMAIN\}, cannot be resolved: MESH_DOMAIN is not defined for infra \(give the FQDN template of the names you use: .*, e\.g\. in a domain its ExternalDNS publishes in: clustermesh-\{cluster\}\.\$\{SECRET_DOMAIN\}; or define MESH_DOMAIN in its settings\)$/,
        ),
      );
    },
  );

  it("says where the default FQDN template cannot be resolved and the values given are none of its variables (lambchop4prez's EXTERNAL_DOMAIN)", () => {
    const { files, input } = perClusterLayout();
    // SECRET_DOMAIN only in a comment: mentioned, defined nowhere
    files['kubernetes/clusters/east/apps/pool.yaml'] +=
      '# see https://status.${SECRET_DOMAIN}\n';
    const problems = planMeshDnsChange(
      createRepoTree(files),
      input,
      resolveConventions({ values: { EXTERNAL_DOMAIN: 'example.net' } }),
    ).problems.map(p => p.message);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /cannot be resolved: .*; that template is the default \(fqdnTemplate\), and the values given to this run \(EXTERNAL_DOMAIN\) are none of its variables: name the repository's domain variable in it \(--fqdn-template clustermesh-\{cluster\}\.\$\{EXTERNAL_DOMAIN\}\)$/,
      ),
    );
  });

  it("never writes a peer's FQDN resolved with a value given to the run for that peer alone (each cluster's own secret domain)", () => {
    const { plan: refused } = applied(
      before,
      storyInput,
      resolveConventions({
        valuesByCluster: {
          infra: { SECRET_DOMAIN: 'example.net' },
          apps: { SECRET_DOMAIN: 'example.org' },
        },
      }),
    );
    expect(refused.edits).toEqual([]);
    expect(refused.problems.map(p => p.message)).toContainEqual(
      expect.stringContaining(
        "infra's FQDN, clustermesh-infra.${SECRET_DOMAIN}, is clustermesh-infra.example.net with infra's own SECRET_DOMAIN, but written in the settings of apps it would resolve with apps's (clustermesh-infra.example.org): their Secrets hold different values, and infra's, secret, is not written into a plain file",
      ),
    );
  });

  it('plans the story change, which passes every rule', () => {
    expect(plan.problems).toEqual([]);
    expect(plan.report!.summary).toMatchObject({ errors: 0, status: 'pass' });
    expect(plan.fixedRules).toEqual([
      'dnsendpoint-included',
      'peers-by-fqdn',
      'peers-complete',
      'service-annotation',
      'settings-present',
    ]);
    expect(plan.records).toEqual([
      {
        cluster: 'infra',
        fqdn: 'clustermesh-infra.example.net',
        committedFqdn: 'clustermesh-infra.${SECRET_DOMAIN}',
        type: 'A',
        value: '10.25.11.100',
        ttl: 300,
      },
      {
        cluster: 'apps',
        fqdn: 'clustermesh-apps.example.net',
        committedFqdn: 'clustermesh-apps.${SECRET_DOMAIN}',
        type: 'A',
        value: '10.25.11.120',
        ttl: 300,
      },
    ]);
    // the summary, a pull request's body, keeps the secret domain out
    expect(plan.summary).toContain(
      '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
    );
    expect(plan.summary).not.toContain('example.net');
    expect(plan.summary).toContain('Now passing: `dnsendpoint-included`');
  });

  /** The story's repository with its ExternalDNS taking only objects an --annotation-filter admits. */
  const withAnnotationFilter = (filter: string) => {
    const externalDns =
      'kubernetes/infrastructure/networking/external-dns/helmrelease.yaml';
    const files = {
      ...before,
      [externalDns]: before[externalDns].replace(
        '    sources:\n      - crd\n',
        `    sources:\n      - crd\n    extraArgs:\n      - --annotation-filter=${filter}\n`,
      ),
    };
    expect(files[externalDns]).not.toBe(before[externalDns]);
    return files;
  };

  it("gives a new DNSEndpoint what the --annotation-filter asks for also when the ExternalDNS's domain filter is a secret", () => {
    const filtered = withAnnotationFilter(
      'external-dns.alpha.kubernetes.io/target',
    );
    // the clusters' names written out; the domain filter a secret
    const { plan: annotated } = applied(
      filtered,
      storyInput,
      resolveConventions({ fqdnTemplate: 'clustermesh-{cluster}.example.org' }),
    );
    const endpoint = annotated.edits.find(e =>
      e.path.endsWith('dnsendpoint.yaml'),
    );
    expect(endpoint?.after).toContain(
      '  annotations:\n    external-dns.alpha.kubernetes.io/target: ${CILIUM_CLUSTERMESH_LB_IP}\n',
    );
  });

  it("gives a new DNSEndpoint of a private address what the ExternalDNS taking the repository's private records asks for, not the first one's (herobrauni's internal server beside Cloudflare)", () => {
    const dir = 'kubernetes/infrastructure/networking/external-dns';
    const files: Record<string, string> = withAnnotationFilter(
      'dns.scope in (cloudflare,all)',
    );
    // a second ExternalDNS, an RFC 2136 server for the home networks
    files[`${dir}/internal.yaml`] = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: internal-dns',
      '  namespace: kube-system',
      'spec:',
      '  interval: 30m',
      '  chart:',
      '    spec:',
      '      chart: external-dns',
      '      version: 1.19.0',
      '      sourceRef: {kind: HelmRepository, name: external-dns, namespace: flux-system}',
      '  values:',
      '    provider: {name: rfc2136}',
      '    sources: [crd]',
      '    policy: sync',
      '    txtOwnerId: internal-${CLUSTER_NAME}',
      '    domainFilters:',
      '      - ${SECRET_DOMAIN}',
      '    extraArgs:',
      '      - --annotation-filter=dns.scope in (internal,all)',
      '      - --rfc2136-host=10.0.0.53',
      '',
    ].join('\n');
    // the owner's records: its home addresses to the internal server, a
    // tunnel's name to Cloudflare
    const record = (name: string, scope: string, target: string) =>
      [
        '---',
        'apiVersion: externaldns.k8s.io/v1alpha1',
        'kind: DNSEndpoint',
        'metadata:',
        `  name: ${name}`,
        '  namespace: kube-system',
        `  annotations: {dns.scope: ${scope}}`,
        'spec:',
        '  endpoints:',
        `    - dnsName: ${name}.\${SECRET_DOMAIN}`,
        `      recordType: ${scope === 'internal' ? 'A' : 'CNAME'}`,
        `      targets: [${target}]`,
        '',
      ].join('\n');
    files[`${dir}/records.yaml`] =
      record('nas', 'internal', '10.0.0.20') +
      record('tunnel', 'cloudflare', 'abc.cfargotunnel.com');
    // listed after the Cloudflare one, which comes first where nothing says
    files[`${dir}/kustomization.yaml`] +=
      '  - internal.yaml\n  - records.yaml\n';
    expect(files[`${dir}/kustomization.yaml`]).toContain('- records.yaml');
    const { plan: written } = applied(files, storyInput);
    expect(written.problems).toEqual([]);
    const endpoint = written.edits.find(e =>
      e.path.endsWith('dnsendpoint.yaml'),
    );
    expect(endpoint?.after).toContain(
      '  annotations:\n    dns.scope: internal\n',
    );
    expect(written.summary).toContain(
      `annotation dns.scope: internal, so that HelmRelease kube-system/internal-dns takes it (its --annotation-filter / --label-filter), as it takes 1 DNSEndpoint of private addresses here (${dir}/records.yaml), as the LB IP is`,
    );
    // with no records of private addresses to go by, the first that
    // takes it, as before
    delete files[`${dir}/records.yaml`];
    files[`${dir}/kustomization.yaml`] = files[
      `${dir}/kustomization.yaml`
    ].replace('  - records.yaml\n', '');
    const first = applied(files, storyInput).plan.edits.find(e =>
      e.path.endsWith('dnsendpoint.yaml'),
    );
    expect(first?.after).toContain(
      '  annotations:\n    dns.scope: cloudflare\n',
    );
  });

  it("writes a --annotation-filter value that holds a secret as the ExternalDNS's values write it, never the value", () => {
    const filtered = withAnnotationFilter(
      'external-dns.alpha.kubernetes.io/target=external.${SECRET_DOMAIN}',
    );
    const annotation =
      '  annotations:\n    external-dns.alpha.kubernetes.io/target: external.${SECRET_DOMAIN}\n';
    // the domain given to this run, and not: the same file either way
    for (const conventions of [withDomain, resolveConventions({})]) {
      const { plan: written } = applied(filtered, storyInput, conventions);
      expect(written.problems).toEqual([]);
      const endpoint = written.edits.find(e =>
        e.path.endsWith('dnsendpoint.yaml'),
      );
      expect(endpoint?.after).toContain(annotation);
      expect(written.edits.map(e => e.after).join('\n')).not.toContain(
        'example.net',
      );
    }
    // validated afterwards with the domain: ExternalDNS takes it
    expect(applied(filtered, storyInput).plan.report?.summary.errors).toBe(0);
  });

  it('refuses while a file elsewhere fails the build of the Kustomization that applies what it writes', () => {
    const vars = 'kubernetes/clusters/infra/vars/kustomization.yaml';
    const broken = {
      ...before,
      // a folder taken in from elsewhere, with a file kustomize refuses
      [vars]: `${before[vars]}  - ../../../shared/extra.yaml\n`,
      'kubernetes/shared/extra.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: flux-system\ndata:\n  a: *missing\n',
    };
    const { plan: refused } = applied(broken, storyInput);
    expect(refused.edits).toEqual([]);
    expect(refused.problems).toContainEqual({
      field: 'kubernetes/shared/extra.yaml:7',
      message: expect.stringMatching(
        /uses the alias \*missing with no anchor .*\(already there; it stops the change because it fails Kustomization flux-system\/cluster-infra-vars, which applies what the change writes\)$/,
      ),
    });
    // taken in by both clusters: one cause, naming both Kustomizations
    const appsVars = 'kubernetes/clusters/apps/vars/kustomization.yaml';
    const both = applied(
      {
        ...broken,
        [appsVars]: `${before[appsVars]}  - ../../../shared/extra.yaml\n`,
      },
      storyInput,
    ).plan;
    expect(
      both.problems.filter(p => p.field === 'kubernetes/shared/extra.yaml:7'),
    ).toEqual([
      {
        field: 'kubernetes/shared/extra.yaml:7',
        message: expect.stringMatching(
          /; Flux fails each Kustomization whose build takes the file in: nothing of them is applied until the file is fixed \(already there; it stops the change because it fails Kustomizations flux-system\/cluster-apps-vars, flux-system\/cluster-infra-vars, which apply what the change writes\)$/,
        ),
      },
    ]);
  });

  it("does not refuse for a broken file under the folder a written file's build holds, which only a deeper build takes in (astranova)", () => {
    // a subfolder with a kustomization of its own lists its Flux
    // Kustomization only; the broken file is in the folder that one builds
    const files = { ...before };
    files['kubernetes/infrastructure/kustomization.yaml'] += '  - games\n';
    files['kubernetes/infrastructure/games/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ks.yaml\n';
    files['kubernetes/infrastructure/games/ks.yaml'] =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: games\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/infrastructure/games/app\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n';
    files['kubernetes/infrastructure/games/app/route.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: route\n  namespace: games\ndata:\n  hosts: ["a.example""]\n';
    const { plan: made } = applied(files, storyInput);
    expect(made.problems).toEqual([]);
    expect(made.edits.length).toBeGreaterThan(0);
    expect(made.alreadyThere).toContainEqual(
      expect.objectContaining({
        field: 'kubernetes/infrastructure/games/app/route.yaml:7',
      }),
    );
  });

  it('says where makejinja renders a file it edits from a template, which its next render would overwrite (MatherlyNet)', () => {
    const { plan: plain } = applied(before, storyInput);
    const release = plain.edits
      .map(e => e.path)
      .find(p => p.endsWith('helmrelease.yaml'))!;
    const files = {
      ...before,
      'makejinja.toml':
        '[makejinja]\ninputs = ["./templates/overrides", "./templates/config"]\noutput = "./"\nforce = true\n',
      [`templates/config/${release}.j2`]: '#| the template |#\n',
    };
    const { plan: templated } = applied(files, storyInput);
    expect(templated.decisions).toContainEqual(
      `makejinja renders ${release} (from templates/config/${release}.j2) (makejinja.toml): its next render overwrites the change there; make the same change in that template.`,
    );
    expect(plain.decisions.join('\n')).not.toMatch(/makejinja/);
  });

  it('does not call a rule passing that the change leaves not evaluated (the domain not known here)', () => {
    const unknownDomain = applied(before, storyInput, defaultConventions);
    const { plan: blind } = unknownDomain;
    expect(blind.problems).toEqual([]);
    const unevaluated = new Set<string>(
      blind
        .report!.clusters.flatMap(c => c.checks)
        .filter(c => c.outcome === 'not-evaluated')
        .map(c => c.ruleId),
    );
    expect(blind.unsettledRules.length).toBeGreaterThan(0);
    for (const rule of blind.unsettledRules)
      expect(unevaluated.has(rule)).toBe(true);
    for (const rule of blind.fixedRules)
      expect(unevaluated.has(rule)).toBe(false);
    expect([...blind.fixedRules, ...blind.unsettledRules].sort()).toEqual(
      plan.fixedRules,
    );
    expect(blind.summary).toContain(
      `No longer failing, but not evaluated for every cluster here: ${blind.unsettledRules
        .map(r => `\`${r}\``)
        .join(', ')}.`,
    );
  });

  it('writes exactly the golden files', () => {
    expect(
      Object.fromEntries(plan.edits.map(e => [e.path, e.after])),
    ).toMatchSnapshot();
  });

  it('touches only the intended lines of each file', () => {
    const expectations: Record<string, { removed: RegExp; added: RegExp }> = {
      'kubernetes/clusters/infra/cluster-settings.yaml': {
        removed: /^$/,
        added: /^ {2}CILIUM_CLUSTERMESH_[A-Z_]+: ".+"$/,
      },
      'kubernetes/clusters/apps/cluster-settings.yaml': {
        removed: /^$/,
        added: /^ {2}CILIUM_CLUSTERMESH_[A-Z_]+: ".+"$/,
      },
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml':
        { removed: /^$/, added: /^ {2}- dnsendpoint\.yaml$/ },
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml': {
        removed: /^ +(ips:|- 10\.25\.11\.1[02]0)$/,
        added:
          /^ +(annotations:|lbipam\.cilium\.io\/ips: \$\{CILIUM_CLUSTERMESH_LB_IP\}|tls:|server:|extraDnsNames:|- \$\{CILIUM_CLUSTERMESH_FQDN\}|address: \$\{CILIUM_CLUSTERMESH_(INFRA|APPS)_FQDN:=\$\{CILIUM_CLUSTERMESH_FQDN\}\})$/,
      },
    };
    for (const edit of plan.edits.filter(e => e.before !== undefined)) {
      const { removed, added } = changedLines(edit.before, edit.after);
      const expected = expectations[edit.path];
      expect(expected).toBeDefined();
      for (const line of removed) expect(line).toMatch(expected.removed);
      for (const line of added) expect(line).toMatch(expected.added);
    }
  });

  it('makes no edit on a second run', () => {
    const again = planMeshDnsChange(
      createRepoTree(after),
      storyInput,
      withDomain,
    );
    expect(again.problems).toEqual([]);
    expect(again.edits).toEqual([]);
    expect(again.summary).toContain(
      'Nothing: the repository already says all of this.',
    );
    // with nothing to write, the verdict is the repository's own report
    expect(again.report).toEqual(
      validateMesh(createRepoTree(after), withDomain),
    );
  });

  it('keeps CRLF line endings', () => {
    const crlf = Object.fromEntries(
      Object.entries(before).map(([p, t]) => [p, t.replace(/\n/g, '\r\n')]),
    );
    const result = applied(crlf, storyInput);
    expect(result.plan.problems).toEqual([]);
    expect(result.plan.edits.length).toBe(plan.edits.length);
    for (const e of result.plan.edits.filter(x => x.before !== undefined)) {
      expect(e.after.replace(/\r\n/g, '')).not.toContain('\n');
      expect(e.after.replace(/\r\n/g, '\n')).toBe(after[e.path]);
    }
  });

  it('writes a records document instead of a DNSEndpoint in manual mode, for both Terraform resources', () => {
    for (const [resource, field] of [
      ['cloudflare_record', 'value'],
      ['cloudflare_dns_record', 'content'],
    ] as const) {
      const manual = planMeshDnsChange(
        createRepoTree(before),
        { ...storyInput, mode: 'manual', cloudflareResource: resource },
        defaultConventions, // the domain is a SOPS secret: Terraform gets a variable
      );
      expect(manual.problems).toEqual([]);
      const doc = manual.edits.find(
        e => e.path === 'docs/clustermesh-dns-records.md',
      );
      expect(doc?.before).toBeUndefined();
      expect(doc?.after).toContain(
        '| apps | `clustermesh-apps.${SECRET_DOMAIN}` | A | 10.25.11.120 | 300 |',
      );
      expect(doc?.after).toContain(
        `resource "${resource}" "clustermesh_infra"`,
      );
      expect(doc?.after).toMatch(
        new RegExp(`${field} +?= "10\\.25\\.11\\.100"`),
      );
      expect(doc?.after).toContain(
        'name    = "clustermesh-infra.${var.secret_domain}"',
      );
      expect(manual.edits.map(e => e.path)).not.toContain(
        'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
      );
    }
  });

  it('reads a UTF-16 file as kustomize does, and refuses to rewrite it as UTF-8', () => {
    // juwisnie's manifests saved by a Windows editor: UTF-16 with a
    // byte-order mark, which kustomize decodes and builds
    const release =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    const utf16le = (text: string) =>
      new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const tree = createRepoTree({
      ...before,
      [release]: utf16le(before[release].replace(/\n/g, '\r\n')),
    });
    const report = validateMesh(tree, withDomain);
    expect(JSON.stringify(report.findings)).not.toContain(release);
    // its values are read: the LB IPAM annotation is what is missing
    const service = report.clusters.flatMap(c =>
      c.checks.filter(k => k.ruleId === 'service-annotation'),
    );
    expect(service.map(k => [k.outcome, k.location?.file])).toEqual([
      ['fail', release],
      ['fail', release],
    ]);
    // the change would rewrite every byte of it
    const problem = planMeshDnsChange(
      tree,
      storyInput,
      withDomain,
    ).problems.find(p => p.field === release);
    expect(problem).toMatchObject({
      message:
        'is UTF-16LE text (by its byte-order mark): kustomize reads it, but the change is written as UTF-8, so every byte of the file would change',
      remedy:
        'Save it as UTF-8 (kustomize reads that too), then run the change again.',
    });
  });

  it("takes a pool in the templates of a chart of the repository that a HelmRelease of the cluster installs for not evaluated, not for missing (melchiorhering's cluster-config chart)", () => {
    const chart = 'kubernetes/infrastructure/charts/network-config';
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    const files = { ...before };
    files[`${chart}/Chart.yaml`] =
      'apiVersion: v2\nname: network-config\nversion: 0.1.0\n';
    files[`${chart}/templates/pool.yaml`] = before[pool];
    delete files[pool];
    const apps = 'kubernetes/clusters/apps';
    // its L2 announcement policy a template of the chart too
    const l2 =
      'kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml';
    files[`${chart}/templates/l2.yaml`] = before[l2];
    files[`${apps}/kustomization.yaml`] = files[`${apps}/kustomization.yaml`]
      .replace(
        '../../infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml',
        'network-config.yaml',
      )
      .replace(
        '  - ../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\n',
        '',
      );
    files[`${apps}/network-config.yaml`] = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: network-config, namespace: flux-system}',
      'spec:',
      '  interval: 1h',
      '  chart:',
      '    spec:',
      `      chart: ./${chart}`,
      '      sourceRef: {kind: GitRepository, name: flux-system}',
      '',
    ].join('\n');
    // configure does not refuse an address it cannot check
    const configured = applied(files, storyInput);
    expect(configured.plan.problems).toEqual([]);
    const check = validateMesh(createRepoTree(configured.after), withDomain)
      .clusters.find(c => c.name === 'apps')!
      .checks.find(k => k.ruleId === 'lb-ip-in-pool');
    expect(check?.outcome).toBe('not-evaluated');
    expect(check?.message).toContain(
      `pool lb-ippool-apps (${chart}/templates/pool.yaml:3) is a template of the chart ${chart} of this repository, which HelmRelease flux-system/network-config installs: Helm renders it in the cluster`,
    );
    expect(
      validateMesh(createRepoTree(configured.after), withDomain)
        .clusters.find(c => c.name === 'apps')!
        .checks.find(k => k.ruleId === 'lb-ip-announced'),
    ).toMatchObject({
      outcome: 'not-evaluated',
      message: `no L2 announcement policy or BGP advertisement of Cilium is among what Flux applies to the cluster, but HelmRelease flux-system/network-config installs the chart ${chart} of this repository, whose templates Helm renders in the cluster, not here: one may make them`,
    });
  });

  it('says which entries belong in a SOPS-encrypted settings file it cannot edit', () => {
    // jokajak: the settings ConfigMap encrypted with SOPS
    const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
    const files = {
      ...before,
      [settings]:
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  CLUSTER_NAME: ENC[AES256_GCM,data:aW5mcmE=,type:str]\n  CLUSTER_ID: "1"\nsops:\n  encrypted_regex: ^CLUSTER_NAME$\n  version: 3.9.0\n',
    };
    const problem = planMeshDnsChange(
      createRepoTree(files),
      storyInput,
      resolveConventions({
        ...knownDomain,
        values: { ...knownDomain.values, CLUSTER_NAME: 'infra' },
      }),
    ).problems.find(p => p.field === settings);
    expect(problem?.message).toMatch(
      /^is SOPS-encrypted; it cannot be edited here\. Put the ClusterMesh settings of infra \(CILIUM_CLUSTERMESH_FQDN: [^,]+, CILIUM_CLUSTERMESH_LB_IP: 10\.25\.11\.100, CILIUM_CLUSTERMESH_APPS_FQDN: [^)]+\) in it yourself with `sops kubernetes\/clusters\/infra\/cluster-settings\.yaml`$/,
    );
    // both clusters' files encrypted: both named at once (svenihoney's)
    const appsSettings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    const both = planMeshDnsChange(
      createRepoTree({
        ...files,
        [appsSettings]: files[settings].replace(/aW5mcmE=/, 'YXBwcw=='),
      }),
      storyInput,
      resolveConventions({
        ...knownDomain,
        valuesByCluster: {
          infra: { CLUSTER_NAME: 'infra' },
          apps: { CLUSTER_NAME: 'apps' },
        },
      }),
    ).problems.filter(p => /SOPS-encrypted/.test(p.message));
    expect(both.map(p => p.field)).toEqual([appsSettings, settings]);
    // made by clustertool from the cluster's clusterenv.yaml: that file is
    // the one to edit (svenihoney's, xstar97's)
    const generated = planMeshDnsChange(
      createRepoTree({
        ...files,
        'kubernetes/clusters/infra/clusterenv.yaml':
          'CLUSTER_NAME: ENC[AES256_GCM,data:aW5mcmE=,type:str]\nsops:\n  version: 3.9.0\n',
      }),
      storyInput,
      resolveConventions({
        ...knownDomain,
        values: { ...knownDomain.values, CLUSTER_NAME: 'infra' },
      }),
    ).problems.find(p => p.field === settings);
    expect(generated?.message).toMatch(
      /^is SOPS-encrypted, and generated from kubernetes\/clusters\/infra\/clusterenv\.yaml by clustertool \(forgetool\) genconfig; it cannot be edited here\. Put the ClusterMesh settings of infra \(.*\) in kubernetes\/clusters\/infra\/clusterenv\.yaml yourself with `sops kubernetes\/clusters\/infra\/clusterenv\.yaml`, then run `clustertool genconfig`/,
    );
  });

  it("writes the OpenTofu snippet as the repository's own Terraform writes its Cloudflare records (resource type, zone_id), saying where", () => {
    const ownRecords = {
      'provision/cloudflare/dns_records.tf': [
        'resource "cloudflare_record" "www" {',
        '  zone_id = local.cf_zone_id',
        '  name    = "www"',
        '  type    = "CNAME"',
        '  value   = "example.net"',
        '}',
        '',
      ].join('\n'),
    };
    const tree = createRepoTree({ ...before, ...ownRecords });
    // the zone is at Cloudflare: the example's ExternalDNS says so
    const manual = planMeshDnsChange(
      tree,
      { ...storyInput, mode: 'manual' },
      resolveConventions({}, detectConventions(tree)),
    );
    expect(manual.problems).toEqual([]);
    const doc = manual.edits.find(
      e => e.path === 'docs/clustermesh-dns-records.md',
    )!.after;
    expect(doc).toContain(
      "As `provision/cloudflare/dns_records.tf` writes the repository's other records (its `zone_id`, its resource type): add these there.",
    );
    expect(doc).toContain(
      'resource "cloudflare_record" "clustermesh_infra" {\n  zone_id = local.cf_zone_id\n',
    );
    expect(doc).not.toContain('var.cloudflare_zone_id');
    // its module declares no variable of the domain (codehoschi's, whose
    // domain comes from a SOPS data source): said, where it does not
    expect(doc).toContain(
      'add these there. The names use `var.secret_domain`, which provision/cloudflare declares nowhere: declare it (`variable "secret_domain" {}`), or write the names as `provision/cloudflare/dns_records.tf` writes its own.',
    );
    const declared = createRepoTree({
      ...before,
      ...ownRecords,
      'provision/cloudflare/variables.tf':
        'variable "secret_domain" {\n  type = string\n}\n',
    });
    expect(
      planMeshDnsChange(
        declared,
        { ...storyInput, mode: 'manual' },
        resolveConventions({}, detectConventions(declared)),
      ).edits.find(e => e.path === 'docs/clustermesh-dns-records.md')!.after,
    ).not.toContain('declares nowhere');
    // deedee-ops: a record repeated with for_each names its zone by
    // `each.key`, which means nothing in a record of its own
    const repeated = createRepoTree({
      ...before,
      'opentofu/mail.tf': [
        'resource "cloudflare_dns_record" "mx" {',
        '  for_each = var.domains',
        '  zone_id  = var.domains[each.key].zone_id',
        '  name     = each.key',
        '  type     = "MX"',
        '}',
        '',
      ].join('\n'),
    });
    const fromRepeated = planMeshDnsChange(
      repeated,
      { ...storyInput, mode: 'manual' },
      resolveConventions({}, detectConventions(repeated)),
    ).edits.find(e => e.path === 'docs/clustermesh-dns-records.md')!.after;
    expect(fromRepeated).toContain(
      "As `opentofu/mail.tf` writes the repository's other records (its resource type): add these there.",
    );
    expect(fromRepeated).not.toContain('each.key');
    expect(fromRepeated).toContain('zone_id = var.cloudflare_zone_id');
  });

  it("names a secret part of the records' names per cluster in the records document where the clusters' Secrets hold different values", () => {
    const secrets = 'kubernetes/clusters/apps/cluster-secrets.sops.yaml';
    const longerInApps = {
      ...before,
      // apps' SOPS value of SECRET_DOMAIN is 23 bytes, infra's 11
      [secrets]: before[secrets].replace(
        /data:[A-Za-z0-9+/=]+,/,
        `data:${Buffer.alloc(23).toString('base64')},`,
      ),
    };
    expect(longerInApps[secrets]).not.toBe(before[secrets]);
    const manual = planMeshDnsChange(
      createRepoTree(longerInApps),
      {
        ...storyInput,
        mode: 'manual',
        cloudflareResource: 'cloudflare_record',
      },
      defaultConventions,
    );
    // refused (below), with what it would have written
    const doc = manual.proposed.find(
      e => e.path === 'docs/clustermesh-dns-records.md',
    )!.after;
    expect(doc).toContain(
      "`${SECRET_DOMAIN}` is each cluster's own (their Secrets hold different values): each name takes its cluster's value.",
    );
    expect(doc).toContain(
      'name    = "clustermesh-apps.${var.secret_domain_apps}"',
    );
    expect(doc).toContain(
      'name    = "clustermesh-infra.${var.secret_domain_infra}"',
    );
    // and the peers named through the other's value are why it is refused
    expect(manual.problems.map(p => p.message).join('\n')).toMatch(
      /\[peers-complete\] .* is 11 bytes long and apps's .* 23/,
    );
  });

  it('says where the records document goes in a folder published as a website', () => {
    const decisions = (extra: Record<string, string>) =>
      planMeshDnsChange(
        createRepoTree({ ...before, ...extra }),
        { ...storyInput, mode: 'manual' },
        defaultConventions,
      ).decisions.filter(d => d.includes('published as a website'));
    expect(decisions({ 'docs/_config.yml': 'theme: minima\n' })).toEqual([
      "docs/clustermesh-dns-records.md is in a folder published as a website (docs/_config.yml): the records, with the clusters' addresses, are published with it; set dns.recordsDocument in the conventions to a path outside it if that is not wanted.",
    ]);
    expect(decisions({ 'mkdocs.yml': 'site_name: Home\n' })).toEqual([
      expect.stringContaining('(mkdocs.yml)'),
    ]);
    expect(decisions({})).toEqual([]);
  });

  it("writes no Cloudflare snippet nor Cloudflare's DNS-only wording in the records document of another provider", () => {
    const manual = planMeshDnsChange(
      createRepoTree(before),
      { ...storyInput, mode: 'manual' },
      resolveConventions({ dns: { provider: 'other' } }),
    );
    expect(manual.problems).toEqual([]);
    const doc = manual.edits.find(
      e => e.path === 'docs/clustermesh-dns-records.md',
    )!.after;
    expect(doc).toContain(
      '| apps | `clustermesh-apps.${SECRET_DOMAIN}` | A | 10.25.11.120 | 300 |',
    );
    expect(doc).toContain('no proxy in between');
    expect(doc).not.toMatch(/Terraform|cloudflare|DNS only/i);
  });

  it('says in the records document that the repository publishes to several providers, where it does, not that nothing says which', () => {
    const conventions = resolveConventions({});
    const document = (provenance: MeshConventions['provenance']) =>
      planMeshDnsChange(
        createRepoTree(before),
        { ...storyInput, mode: 'manual' },
        { ...conventions, provenance },
      ).edits.find(e => e.path === 'docs/clustermesh-dns-records.md')!.after;
    expect(document(undefined)).toContain(
      '(Nothing in the repository says which provider serves the zone. If it is Cloudflare',
    );
    const mixed = document([
      {
        setting: 'dns.provider',
        value: 'cloudflare',
        source: 'default',
        reason: 'the ExternalDNS deployments publish to several providers',
      },
    ]);
    expect(mixed).toContain(
      '(The repository publishes its other records to several DNS providers, so which one serves these names is not known here. If it is Cloudflare',
    );
    // still no Cloudflare snippet: the default is not the repository's word
    expect(mixed).not.toMatch(/OpenTofu \/ Terraform/);
  });

  it('keeps a domain given to the run out of the committed records document, which validation then finds with it', () => {
    const conventions = resolveConventions({
      values: { SECRET_DOMAIN: 'example.net' },
    });
    const manual = planMeshDnsChange(
      createRepoTree(before),
      { ...storyInput, mode: 'manual' },
      conventions,
    );
    expect(manual.problems).toEqual([]);
    // the run's records show the name; the committed file does not
    expect(manual.records.map(r => r.fqdn)).toContain(
      'clustermesh-apps.example.net',
    );
    const doc = manual.edits.find(
      e => e.path === 'docs/clustermesh-dns-records.md',
    )!.after;
    expect(doc).not.toContain('example.net');
    expect(doc).toContain('`clustermesh-apps.${SECRET_DOMAIN}`');
    // validated in manual mode with the domain given, and without it
    const written = { ...before };
    for (const e of manual.edits) written[e.path] = e.after;
    const given: Record<string, string>[] = [
      { SECRET_DOMAIN: 'example.net' },
      {},
    ];
    for (const values of given) {
      const report = validateMesh(
        createRepoTree(written),
        resolveConventions({ values, dns: { mode: 'manual' } }),
      );
      expect(
        report.clusters.flatMap(c =>
          c.checks
            .filter(k => k.ruleId === 'dnsendpoint-matches')
            .map(k => k.outcome),
        ),
      ).toEqual(['pass', 'pass']);
    }
  });

  it('leaves a records document that validation finds: manual mode is detected from it, and a second run writes nothing', () => {
    const manual = planMeshDnsChange(
      createRepoTree(before),
      { ...storyInput, mode: 'manual' },
      resolveConventions({}, detectConventions(createRepoTree(before))),
    );
    expect(manual.problems).toEqual([]);
    expect(manual.decisions).toContain(
      'Validation finds docs/clustermesh-dns-records.md and checks it (manual DNS mode is detected from it).',
    );
    const written = { ...before };
    for (const e of manual.edits) written[e.path] = e.after;
    const tree = createRepoTree(written);
    const detected = resolveConventions({}, detectConventions(tree));
    expect(detected.dns.mode).toBe('manual');
    expect(
      detected.provenance?.find(p => p.setting === 'dns.mode'),
    ).toMatchObject({
      source: 'detected',
      location: { file: 'docs/clustermesh-dns-records.md', line: 3 },
    });
    const report = validateMesh(tree, detected);
    expect(
      report.clusters.flatMap(c =>
        c.checks
          .filter(k => k.ruleId.startsWith('dnsendpoint-'))
          .map(k => [k.ruleId, k.outcome]),
      ),
    ).not.toContainEqual(['dnsendpoint-matches', 'fail']);
    // the mode is the repository's now: no --mode needed, nothing to change
    expect(planMeshDnsChange(tree, storyInput, detected).edits).toEqual([]);
    // a run in the other mode is told what makes validation follow it
    expect(
      planMeshDnsChange(tree, { ...storyInput, mode: 'externaldns' }, detected)
        .decisions,
    ).toContain(
      'Validation takes the DNS mode as manual while docs/clustermesh-dns-records.md is in the repository: delete it (or set `dns: {mode: externaldns}` in the conventions file, .clustermesh-dns.yaml) so that it checks the DNSEndpoint.',
    );
    // set in the conventions file, the mode wins over the document
    expect(
      resolveConventions(
        { dns: { mode: 'externaldns' } },
        detectConventions(tree, { dns: { mode: 'externaldns' } }),
      ).dns.mode,
    ).toBe('externaldns');
  });

  const kubectl = kubectlOnPath('kubectl kustomize of the edited trees');
  (kubectl ? describe : describe.skip)('with kubectl on PATH', () => {
    it('leaves trees that kubectl kustomize builds', () => {
      expect(
        kubectlBuild(after, [
          'kubernetes/infrastructure',
          'kubernetes/clusters/infra',
          'kubernetes/clusters/apps',
        ]),
      ).toEqual([0, 0, 0].map(() => ({ status: 0, stderr: '' })));
    });

    it('leaves the other layout and a three-cluster mesh buildable too', () => {
      const ks = applied(
        fixtureFiles('ks-layout'),
        { clusters: [{ name: 'us1', ip: '10.30.0.43' }] },
        ksConventions,
      );
      expect(ks.plan.problems).toEqual([]);
      expect(ks.plan.edits.length).toBeGreaterThan(0);
      expect(kubectlBuild(ks.after, ['kubernetes/apps'])).toEqual([
        { status: 0, stderr: '' },
      ]);
      const mesh = applied(generateSyntheticMesh({ clusters: 3 }), {
        clusters: [{ name: 'c003', ip: '10.64.0.40' }],
      });
      expect(mesh.plan.edits.length).toBeGreaterThan(0);
      expect(
        kubectlBuild(mesh.after, [
          'kubernetes/infrastructure',
          'kubernetes/clusters/c003',
        ]),
      ).toEqual([0, 0].map(() => ({ status: 0, stderr: '' })));
    });
  });
});

/**
 * Two clusters, each with its own Cilium HelmRelease and pool in its apps/
 * folder (substituted from its settings), no shared infrastructure: the
 * shape of repositories with a folder per cluster.
 */
function perClusterLayout(
  clusters = [
    { name: 'east', id: 1, net: '10.60.1' },
    { name: 'west', id: 2, net: '10.60.2' },
  ],
) {
  const files: Record<string, string> = {};
  for (const { name, id, net } of clusters) {
    const dir = `kubernetes/clusters/${name}`;
    files[`${dir}/flux-system/gotk-sync.yaml`] = bootstrapSync(dir);
    files[`${dir}/flux-system/kustomization.yaml`] =
      'resources: [gotk-sync.yaml]\n';
    files[`${dir}/kustomization.yaml`] =
      'resources: [flux-system, cluster-settings.yaml, apps.yaml, cilium-ca.yaml]\n';
    // the mesh's one CA: each cluster's ExternalSecret reads the same key
    files[`${dir}/cilium-ca.yaml`] = [
      'apiVersion: external-secrets.io/v1',
      'kind: ExternalSecret',
      'metadata:',
      '  name: cilium-ca',
      '  namespace: kube-system',
      '  labels: {app.kubernetes.io/managed-by: Helm}',
      '  annotations: {meta.helm.sh/release-name: cilium, meta.helm.sh/release-namespace: kube-system}',
      'spec:',
      '  secretStoreRef: {kind: ClusterSecretStore, name: vault}',
      '  target: {name: cilium-ca}',
      '  dataFrom: [{extract: {key: cilium-clustermesh-ca}}]',
      '',
    ].join('\n');
    files[`${dir}/cluster-settings.yaml`] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: cluster-settings',
      '  namespace: flux-system',
      'data:',
      `  CLUSTER_NAME: "${name}"`,
      `  CLUSTER_ID: "${id}"`,
      '',
    ].join('\n');
    files[`${dir}/apps.yaml`] = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: apps, namespace: flux-system}',
      'spec:',
      '  interval: 10m',
      `  path: ./${dir}/apps`,
      '  prune: true',
      '  sourceRef: {kind: GitRepository, name: flux-system}',
      '  postBuild:',
      '    substituteFrom:',
      '      - {kind: ConfigMap, name: cluster-settings}',
      '',
    ].join('\n');
    files[`${dir}/apps/kustomization.yaml`] =
      'resources:\n  - ./helmrelease.yaml\n  - ./pool.yaml\n';
    files[`${dir}/apps/helmrelease.yaml`] = ciliumRelease();
    files[`${dir}/apps/pool.yaml`] = [
      'apiVersion: cilium.io/v2',
      'kind: CiliumLoadBalancerIPPool',
      `metadata: {name: ${name}-pool}`,
      `spec: {blocks: [{cidr: ${net}.0/24}]}`,
      '',
    ].join('\n');
  }
  // each cluster at address 10 of its pool
  const input = {
    clusters: clusters.map(c => ({ name: c.name, ip: `${c.net}.10` })),
  };
  return { files, clusters, input };
}

/** kubectl kustomize builds each cluster's changed folder of the per-cluster layout (when kubectl is on PATH). */
function expectPerClusterFoldersBuild(after: Record<string, string>) {
  const folders = [
    'kubernetes/clusters/east/apps',
    'kubernetes/clusters/west/apps',
    // the records' own folders, where the change made them
    'kubernetes/clusters/east/clustermesh',
    'kubernetes/clusters/west/clustermesh',
  ].filter(dir => after[`${dir}/kustomization.yaml`] !== undefined);
  const built = kubectlOnPath('kubectl kustomize of the per-cluster folders')
    ? kubectlBuild(after, folders)
    : folders.map(() => ({ status: 0, stderr: '' }));
  expect(built).toEqual(folders.map(() => ({ status: 0, stderr: '' })));
}

/** The conventions of the per-cluster layout: a domain the repository does not keep. */
/** A SOPS Secret no Kustomization applies: the domain is this repository's, kept secret, but reaches no cluster. */
/** A Cilium HelmRelease in flow style, with these lines of values. */
const sharedCiliumRelease = (...values: string[]) =>
  [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata: {name: cilium}',
    'spec:',
    '  interval: 1h',
    '  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}',
    '  values:',
    ...values.map(v => `    ${v}`),
    '',
  ].join('\n');

/**
 * Two clusters, alpha and beta, whose settings a Kustomization applies
 * without substitution, and whose Cilium values (one HelmRelease they
 * share) the `cilium` Kustomization substitutes from `sources`; `extra`
 * files beside them (each cluster's settings folder gets `settingsFiles`).
 */
function sharedReleaseLayout(options: {
  sources: string;
  extra?: Record<string, string>;
  settingsFiles?: Record<string, string>;
}): Record<string, string> {
  const files: Record<string, string> = {
    'infrastructure/cilium/kustomization.yaml':
      'namespace: kube-system\nresources: [release.yaml, pool.yaml]\n',
    'infrastructure/cilium/release.yaml': sharedCiliumRelease(
      'cluster: {name: "${CLUSTER_NAME}", id: "${CLUSTER_ID}"}',
      'clustermesh: {useAPIServer: true}',
    ),
    'infrastructure/cilium/pool.yaml':
      'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: pool}\nspec: {blocks: [{cidr: "${POOL_CIDR}"}]}\n',
    ...options.extra,
  };
  const kustomization = (name: string, folder: string, extra = '') =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ${folder}\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n${extra}`;
  const own = options.settingsFiles ?? {};
  for (const [c, id] of [
    ['alpha', 1],
    ['beta', 2],
  ] as const) {
    files[`clusters/${c}/sync.yaml`] = kustomization(
      'flux-system',
      `./clusters/${c}`,
    );
    files[`clusters/${c}/settings.yaml`] = kustomization(
      'cluster-settings',
      `./settings/${c}`,
    );
    files[`clusters/${c}/cilium.yaml`] = kustomization(
      'cilium',
      './infrastructure/cilium',
      `  postBuild:\n    substituteFrom:\n${options.sources}`,
    );
    files[`settings/${c}/kustomization.yaml`] = `resources: [${[
      'cluster-settings.yaml',
      ...Object.keys(own),
    ].join(', ')}]\n`;
    files[
      `settings/${c}/cluster-settings.yaml`
    ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  CLUSTER_NAME: ${c}\n  CLUSTER_ID: "${id}"\n  POOL_CIDR: 10.${id}.0.0/24\n`;
    for (const [name, text] of Object.entries(own))
      files[`settings/${c}/${name}`] = text;
  }
  return files;
}

const unappliedDomainSecret = {
  'bootstrap/cluster-secrets.sops.yaml':
    'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:bWVzaC5uZXQ=,iv:aXY=,tag:dGFn,type:str]\nsops:\n  version: 3.8.1\n',
};

const perClusterConventions = resolveConventions({
  fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
});

/** The plan of a change to the per-cluster layout's files, in its conventions. */
const planPerCluster = (
  files: Record<string, string>,
  input: MeshDnsChangeInput,
) => planMeshDnsChange(createRepoTree(files), input, perClusterConventions);

describe('planMeshDnsChange on other layouts', () => {
  it("writes in the last of the generated values layers a HelmRelease takes, and says so (tuxpeople's values.yaml and ingress-values.yaml)", () => {
    const { files, input } = perClusterLayout();
    for (const c of ['east', 'west']) {
      const dir = `kubernetes/clusters/${c}/apps`;
      files[`${dir}/helmrelease.yaml`] = ciliumRelease().replace(
        / {2}values:\n[^]*$/,
        '  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n    - {kind: ConfigMap, name: cilium-hubble-values}\n',
      );
      files[`${dir}/kustomization.yaml`] +=
        'configMapGenerator:\n  - name: cilium-values\n    namespace: kube-system\n    files: [values.yaml=./helm/values.yaml]\n  - name: cilium-hubble-values\n    namespace: kube-system\n    files: [values.yaml=./helm/ingress-values.yaml]\ngeneratorOptions:\n  disableNameSuffixHash: true\n';
      files[`${dir}/helm/values.yaml`] =
        'cluster:\n  name: ${CLUSTER_NAME}\n  id: ${CLUSTER_ID}\n';
      files[`${dir}/helm/ingress-values.yaml`] =
        '# Hubble behind the ingress\nhubble:\n  ui:\n    enabled: true\n';
    }
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    const layer = 'kubernetes/clusters/east/apps/helm/ingress-values.yaml';
    expect(after[layer]).toContain('clustermesh:');
    expect(plan.decisions).toContainEqual(
      `${layer}: the Cilium values of east come through valuesFrom from kubernetes/clusters/east/apps/helm/values.yaml and ${layer} (ConfigMaps a kustomize generator makes), which Flux merges in that order: the ClusterMesh values go in the last, which wins over the others.`,
    );
  });

  it("says why the LB IP is written out where the Kustomization applying the Cilium values substitutes from a Secret only, not the settings (thousand-sunny's cilium ks.yaml)", () => {
    const { files, input } = perClusterLayout();
    for (const c of ['east', 'west'])
      files[`kubernetes/clusters/${c}/apps.yaml`] = files[
        `kubernetes/clusters/${c}/apps.yaml`
      ].replace(
        '{kind: ConfigMap, name: cluster-settings}',
        '{kind: Secret, name: cluster-secrets, optional: true}',
      );
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(after['kubernetes/clusters/east/apps/helmrelease.yaml']).toContain(
      'lbipam.cilium.io/ips: 10.60.1.10',
    );
    expect(after['kubernetes/clusters/east/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: "10.60.1.10"',
    );
    expect(plan.decisions).toContainEqual(
      'east: its LB IP is written out in kubernetes/clusters/east/apps/helmrelease.yaml (not by settings variable), because Kustomization flux-system/apps (kubernetes/clusters/east/apps.yaml) applies it for east without ConfigMap cluster-settings; CILIUM_CLUSTERMESH_LB_IP in the settings holds the same address, for the record and the checks (service-annotation fails where the two differ): change both together.',
    );
  });

  it('updates an existing LB IP in place in the ks.yaml layout, values file and settings', () => {
    const before = fixtureFiles('ks-layout');
    const { plan, after } = applied(
      before,
      { clusters: [{ name: 'eu1', ip: '10.30.0.11' }] },
      ksConventions,
    );
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toEqual([
      'bootstrap/cilium/eu1/values.yaml',
      'clusters/eu1/cluster-settings.yaml',
    ]);
    expect(
      changedLines(
        before['clusters/eu1/cluster-settings.yaml'],
        after['clusters/eu1/cluster-settings.yaml'],
      ),
    ).toEqual({
      removed: ['  CLUSTERMESH_APISERVER_IP: "10.30.0.10"'],
      added: ['  CLUSTERMESH_APISERVER_IP: "10.30.0.11"'],
    });
    expect(
      changedLines(
        before['bootstrap/cilium/eu1/values.yaml'],
        after['bootstrap/cilium/eu1/values.yaml'],
      ),
    ).toEqual({
      removed: ['        io.cilium/lb-ipam-ips: "10.30.0.10"'],
      added: ['        io.cilium/lb-ipam-ips: "10.30.0.11"'],
    });
    expect(
      planMeshDnsChange(
        createRepoTree(after),
        { clusters: [{ name: 'eu1', ip: '10.30.0.11' }] },
        ksConventions,
      ).edits,
    ).toEqual([]);
  });

  it('keeps asking LB IPAM by the service’s loadBalancerIP where the values do, instead of adding the annotation', () => {
    const configured = applied(
      exampleFiles('templates/clustermesh-dns/gitops-repo-before'),
      storyInput,
    ).after;
    const helmRelease =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    const files = {
      ...configured,
      [helmRelease]: configured[helmRelease].replace(
        /\n( +)annotations:\n +lbipam\.cilium\.io\/ips: .*\n/,
        '\n$1loadBalancerIP: 10.25.11.100\n',
      ),
    };
    expect(files[helmRelease]).toContain('loadBalancerIP: 10.25.11.100');
    const { plan, after } = applied(files, {
      clusters: [{ name: 'infra', ip: '10.25.11.101' }],
    });
    expect(plan.problems).toEqual([]);
    expect(after[helmRelease]).not.toContain('lbipam.cilium.io/ips');
    // shared by both clusters: each one's address by its settings variable
    expect(after[helmRelease]).toContain(
      'loadBalancerIP: ${CILIUM_CLUSTERMESH_LB_IP}',
    );
    expect(plan.report!.summary).toMatchObject({ errors: 0 });
  });

  it("names a peer's entry by its Cilium cluster.name, which the agent matches, not by its folder", () => {
    const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
    const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    const files = {
      ...before,
      [settings]: before[settings].replace(
        'CLUSTER_NAME: "apps"',
        'CLUSTER_NAME: "apps-lab"',
      ),
    };
    expect(files[settings]).not.toBe(before[settings]);
    const { plan, after } = applied(files, storyInput);
    expect(plan.problems).toEqual([]);
    const helmRelease =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    expect(after[helmRelease]).toContain('- name: apps-lab\n');
    // the entry that named the folder is renamed, not left beside it
    expect(after[helmRelease]).not.toMatch(/- name: apps\n/);
    expect(plan.report!.summary).toMatchObject({ errors: 0, status: 'pass' });
    expect(applied(after, storyInput).plan.edits).toEqual([]);
  });

  it("takes a removed cluster's own record out of the DNSEndpoint of its folder, and its settings with it", () => {
    const { files, input } = perClusterLayout([
      { name: 'east', id: 1, net: '10.60.1' },
      { name: 'west', id: 2, net: '10.60.2' },
      { name: 'north', id: 3, net: '10.60.3' },
    ]);
    const conventions = perClusterConventions;
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const record = 'kubernetes/clusters/north/clustermesh/dnsendpoint.yaml';
    expect(after[record]).toContain('dnsName: ${CILIUM_CLUSTERMESH_FQDN}');
    // north's own values switch ClusterMesh off, as a removal asks
    const values = 'kubernetes/clusters/north/apps/helmrelease.yaml';
    after[values] = after[values].replace(
      /\n {4}clustermesh:\n(?: {6}.*\n)*/,
      '\n',
    );
    expect(after[values]).not.toContain('clustermesh');
    const removal = applied(
      after,
      { clusters: [], remove: ['north'] },
      conventions,
    );
    expect(removal.plan.problems).toEqual([]);
    // its record goes (the list left empty, not null); nothing else of its
    // uses the settings: they go too
    expect(removal.after[record]).not.toContain('dnsName');
    expect(parse(removal.after[record]).spec).toEqual({ endpoints: [] });
    expect(removal.plan.decisions.join('\n')).not.toMatch(
      /kept in its settings/,
    );
    expect(
      removal.after['kubernetes/clusters/north/cluster-settings.yaml'],
    ).not.toContain('CILIUM_CLUSTERMESH');
    for (const peer of ['east', 'west'])
      expect(
        removal.after[`kubernetes/clusters/${peer}/apps/helmrelease.yaml`],
      ).not.toContain('north');
  });

  /**
   * The per-cluster layout whose Cilium Kustomization gets its substitution
   * from the root's `spec.patches` (by `target`), its own taken out; the
   * plan, and the records' new Flux Kustomization it adds in east.
   */
  const substitutedByRootPatch = (
    target: string,
    edit: (apps: string) => string = apps => apps,
  ) => {
    const { files, input } = perClusterLayout();
    for (const name of ['east', 'west']) {
      const dir = `kubernetes/clusters/${name}`;
      files[`${dir}/apps.yaml`] = edit(
        files[`${dir}/apps.yaml`].replace(
          '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n',
          '',
        ),
      );
      files[`${dir}/flux-system/gotk-sync.yaml`] = files[
        `${dir}/flux-system/gotk-sync.yaml`
      ].replace(
        'sourceRef: {kind: GitRepository, name: flux-system}}',
        `sourceRef: {kind: GitRepository, name: flux-system}, patches: [{target: ${target}, patch: "apiVersion: kustomize.toolkit.fluxcd.io/v1\\nkind: Kustomization\\nmetadata: {name: not-used}\\nspec: {postBuild: {substituteFrom: [{kind: ConfigMap, name: cluster-settings}]}}"}]}`,
      );
    }
    const { plan, after } = applied(files, input, perClusterConventions);
    const added = parse(
      after['kubernetes/clusters/east/apps.yaml'].slice(
        files['kubernetes/clusters/east/apps.yaml'].length,
      ),
    );
    return { plan, added };
  };

  it("gives the records' new Flux Kustomization Cilium's labels, by which a parent's patch adds the substitution", () => {
    const { plan, added } = substitutedByRootPatch(
      '{group: kustomize.toolkit.fluxcd.io, kind: Kustomization, labelSelector: substitution.flux.home.arpa/enabled=true}',
      apps =>
        apps.replace(
          'metadata: {name: apps, namespace: flux-system}',
          'metadata:\n  name: apps\n  namespace: flux-system\n  labels: {substitution.flux.home.arpa/enabled: "true"}',
        ),
    );
    expect(plan.problems).toEqual([]);
    expect(added.metadata).toEqual({
      name: 'apps-clustermesh',
      namespace: 'flux-system',
      labels: { 'substitution.flux.home.arpa/enabled': 'true' },
    });
    // the patch reaches it by the label: nothing written twice
    expect(added.spec.postBuild).toBeUndefined();
  });

  it("writes out in the records' new Flux Kustomization the substitution a parent's patch gives Cilium's by its name, which does not reach the new one", () => {
    const { plan, added } = substitutedByRootPatch(
      '{kind: Kustomization, name: apps}',
    );
    expect(plan.problems).toEqual([]);
    expect(added.metadata.name).toBe('apps-clustermesh');
    expect(added.spec.postBuild).toEqual({
      substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
    });
  });

  it("gives each cluster's DNSEndpoint a folder and a Flux Kustomization of its own beside Cilium's when each keeps Cilium in a folder of its own", () => {
    const { files, clusters, input } = perClusterLayout();
    const conventions = perClusterConventions;
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toEqual(
      expect.arrayContaining(
        clusters.map(
          ({ name }) =>
            `The DNSEndpoint of ${name} goes in kubernetes/clusters/${name}/clustermesh/dnsendpoint.yaml, applied by a new Flux Kustomization, apps-clustermesh (in kubernetes/clusters/${name}/apps.yaml), after apps, with the source and substitution of apps: in apps itself, a new cluster without the DNSEndpoint CRD yet would fail the whole apply, Cilium included.`,
        ),
      ),
    );
    for (const { name } of clusters) {
      const dir = `kubernetes/clusters/${name}`;
      // Cilium's folder is left as it was; the record's has its own list
      expect(after[`${dir}/apps/kustomization.yaml`]).toBe(
        files[`${dir}/apps/kustomization.yaml`],
      );
      expect(after[`${dir}/clustermesh/kustomization.yaml`]).toBe(
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./dnsendpoint.yaml\n',
      );
      // the new Kustomization follows Cilium's: its source and substitution, its path's root
      const added = parse(
        after[`${dir}/apps.yaml`].slice(files[`${dir}/apps.yaml`].length),
      );
      expect(added).toEqual({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'apps-clustermesh', namespace: 'flux-system' },
        spec: {
          dependsOn: [{ name: 'apps' }],
          interval: '10m',
          path: `./${dir}/clustermesh`,
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
          postBuild: {
            substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
          },
        },
      });
    }
    expect(plan.report!.summary).toMatchObject({ errors: 0, warnings: 0 });
    // no Cilium announcement nor ExternalDNS in these files: only those
    // are not evaluated
    expect(notEvaluatedRules(plan.report!)).toEqual([
      'lb-ip-announced',
      'dnsendpoint-matches',
    ]);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
    expectPerClusterFoldersBuild(after);
  });

  it("says a record applied with Cilium by the Kustomization that also applies the ExternalDNS bringing its CRD never gets applied on a new cluster (nadelab's root flux-system)", () => {
    const { files, input } = perClusterLayout();
    for (const c of ['east', 'west']) {
      const dir = `kubernetes/clusters/${c}`;
      files[`${dir}/apps/kustomization.yaml`] += '  - ./external-dns.yaml\n';
      files[`${dir}/apps/external-dns.yaml`] = externalDnsRelease(
        'cloudflare',
        ['sources: [crd]'],
      );
      // the root Kustomization applies the apps itself, substituting
      delete files[`${dir}/apps.yaml`];
      delete files[`${dir}/kustomization.yaml`];
      files[`${dir}/flux-system/gotk-sync.yaml`] = files[
        `${dir}/flux-system/gotk-sync.yaml`
      ].replace(
        'name: flux-system}}',
        'name: flux-system}, postBuild: {substituteFrom: [{kind: ConfigMap, name: cluster-settings}]}}',
      );
    }
    const plan = planPerCluster(files, input);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /is applied with the Cilium HelmRelease \(by flux-system\), which also applies HelmRelease network\/external-dns, whose chart brings the DNSEndpoint CRD: on a new cluster that apply fails on the kind before the CRD is installed, and never installs it/,
      ),
    );
  });

  it('refuses first, with the template to give, a FQDN template whose domain variable no file mentions, even with the value given to the run', () => {
    const { files, input } = perClusterLayout();
    const problems = (values: Record<string, string>) =>
      planMeshDnsChange(
        createRepoTree(files),
        input,
        resolveConventions({ values }),
      ).problems;
    expect(problems({ SECRET_DOMAIN: 'example.net' })).toEqual([
      {
        field: 'fqdnTemplate',
        message:
          'clustermesh-{cluster}.${SECRET_DOMAIN} uses SECRET_DOMAIN, which no file of the repository defines or mentions: Flux would never substitute it, and a value given to this run is not written into the repository',
        remedy:
          "name the domain in the template (--fqdn-template clustermesh-{cluster}.example.net, or fqdnTemplate in the conventions), or define SECRET_DOMAIN in the settings each cluster's Kustomizations substitute from, then run again",
      },
    ]);
    expect(problems({})[0].remedy).toMatch(
      /^name the domain in the template \(--fqdn-template clustermesh-\{cluster\}\.<domain>, /,
    );
    // the zone the clusters' RFC 2136 ExternalDNS updates: a name they use
    // (LeoEliot's --rfc2136-zone=malef.lan)
    const withZone = { ...files };
    withZone['kubernetes/clusters/east/apps/kustomization.yaml'] +=
      '  - ./external-dns.yaml\n';
    withZone['kubernetes/clusters/east/apps/external-dns.yaml'] = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: external-dns, namespace: network}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: external-dns',
      '          image: registry.k8s.io/external-dns/external-dns:v0.19.0',
      '          args: [--provider=rfc2136, --rfc2136-zone=malef.lan, --source=crd]',
      '',
    ].join('\n');
    expect(
      planMeshDnsChange(createRepoTree(withZone), input, resolveConventions({}))
        .problems[0].remedy,
    ).toMatch(
      /^name the domain in the template \(--fqdn-template clustermesh-\{cluster\}\.malef\.lan, /,
    );
    // a zone that is a secret's, known only by a value given to the run
    // (abrondijk's PRIMARY_SECRET_DOMAIN) or not at all: offered as its
    // variable, never written out
    const secretZone = { ...withZone };
    secretZone['kubernetes/clusters/east/apps/external-dns.yaml'] = withZone[
      'kubernetes/clusters/east/apps/external-dns.yaml'
    ].replace(
      'args: [--provider=rfc2136, --rfc2136-zone=malef.lan, --source=crd]',
      'args:\n            - --provider=rfc2136\n            - --rfc2136-zone=${ZONE}\n            - --source=crd',
    );
    secretZone['kubernetes/clusters/east/cluster-secrets.sops.yaml'] =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  ZONE: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  version: 3.9.0\n';
    secretZone['kubernetes/clusters/east/kustomization.yaml'] =
      'resources: [flux-system, cluster-settings.yaml, cluster-secrets.sops.yaml, apps.yaml]\n';
    secretZone['kubernetes/clusters/east/apps.yaml'] = withZone[
      'kubernetes/clusters/east/apps.yaml'
    ].replace(
      '      - {kind: ConfigMap, name: cluster-settings}\n',
      '      - {kind: ConfigMap, name: cluster-settings}\n      - {kind: Secret, name: cluster-secrets}\n',
    );
    for (const values of [{}, { ZONE: 'secret.example' }] as Record<
      string,
      string
    >[]) {
      const remedy = planMeshDnsChange(
        createRepoTree(secretZone),
        input,
        resolveConventions({ values }),
      ).problems[0].remedy;
      expect(remedy).toContain(
        "--fqdn-template 'clustermesh-{cluster}.${ZONE}'",
      );
      expect(remedy).not.toContain('secret.example');
      expect(remedy).not.toContain('<secret:');
    }
    // mentioned only by a generator's templates (chrishrb's makejinja
    // `*.j2`), which the clusters do not take: as absent
    const templated = { ...files };
    templated['bootstrap/templates/kubernetes/apps/issuers.yaml.j2'] =
      'dnsZones: ["${SECRET_DOMAIN}"]\n';
    expect(
      planMeshDnsChange(
        createRepoTree(templated),
        input,
        resolveConventions({}),
      ).problems[0]?.field,
    ).toBe('fqdnTemplate');
    // mentioned (a settings key defines it): planned as before
    files['kubernetes/clusters/east/cluster-settings.yaml'] +=
      '  SECRET_DOMAIN: example.net\n';
    expect(problems({}).map(p => p.field)).not.toContain('fqdnTemplate');
  });

  it("writes into each overlay's values file that holds clustermesh, not into a shared component's merged after it (a ConfigMap generator merged by components and overlays)", () => {
    const { files, input } = perClusterLayout();
    const platform = 'kubernetes/platform/cilium';
    const addValuesFrom = (key: string) =>
      `- op: add\n  path: /spec/valuesFrom/-\n  value: {kind: ConfigMap, name: cilium-helm-values, valuesKey: ${key}}\n`;
    const patchRelease = (file: string) =>
      `patches:\n  - target: {group: helm.toolkit.fluxcd.io, kind: HelmRelease, name: cilium}\n    path: ${file}\n`;
    Object.assign(files, {
      [`${platform}/base/kustomization.yaml`]:
        'resources: [helm.yaml]\nconfigMapGenerator:\n  - name: cilium-helm-values\n    files: [base-values.yaml=values.yaml]\nconfigurations: [kustomizeconfig.yaml]\n',
      [`${platform}/base/kustomizeconfig.yaml`]:
        'nameReference:\n  - kind: ConfigMap\n    version: v1\n    fieldSpecs:\n      - {path: spec/valuesFrom/name, kind: HelmRelease}\n',
      [`${platform}/base/helm.yaml`]:
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium}\nspec:\n  interval: 30m\n  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}\n  valuesFrom:\n    - {kind: ConfigMap, name: cilium-helm-values, valuesKey: base-values.yaml}\n',
      [`${platform}/base/values.yaml`]: 'kubeProxyReplacement: true\n',
      // a component every cluster takes, toggled per overlay
      [`${platform}/components/istio/kustomization.yaml`]: `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n  - name: cilium-helm-values\n    behavior: merge\n    files: [istio-values.yaml=values.yaml]\n${patchRelease(
        'helm-patch.yaml',
      )}`,
      [`${platform}/components/istio/helm-patch.yaml`]:
        addValuesFrom('istio-values.yaml'),
      [`${platform}/components/istio/values.yaml`]:
        'socketLB:\n  hostNamespaceOnly: true\n',
    });
    for (const { name } of input.clusters) {
      const id = name === 'east' ? 1 : 2;
      Object.assign(files, {
        [`${platform}/overlays/${name}/kustomization.yaml`]: `namespace: kube-system\nresources: [../../base]\ncomponents: [../../components/istio]\nconfigMapGenerator:\n  - name: cilium-helm-values\n    behavior: merge\n    files: [overlay-values.yaml=values.yaml]\n${patchRelease(
          'helm-patch.yaml',
        )}`,
        [`${platform}/overlays/${name}/helm-patch.yaml`]: addValuesFrom(
          'overlay-values.yaml',
        ),
        [`${platform}/overlays/${name}/values.yaml`]: `# ${name}\ncluster:\n  name: ${name}\n  id: ${id}\nclustermesh:\n  useAPIServer: true\n`,
        [`kubernetes/clusters/${name}/apps/kustomization.yaml`]: `resources:\n  - ../../../platform/cilium/overlays/${name}\n  - ./pool.yaml\n`,
      });
      delete files[`kubernetes/clusters/${name}/apps/helmrelease.yaml`];
    }
    // what it finds is located in the overlay's own values file
    const before = validateMesh(createRepoTree(files), perClusterConventions);
    expect(before.clusters.map(c => [c.name, c.membership.location])).toEqual([
      ['east', { file: `${platform}/overlays/east/values.yaml`, line: 6 }],
      ['west', { file: `${platform}/overlays/west/values.yaml`, line: 6 }],
    ]);
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).not.toContain(
      `${platform}/components/istio/values.yaml`,
    );
    for (const { name } of input.clusters)
      expect(after[`${platform}/overlays/${name}/values.yaml`]).toContain(
        '  apiserver:\n    service:\n      type: LoadBalancer\n',
      );
    expect(plan.report!.summary.errors).toBe(0);
    expect(applied(after, input, perClusterConventions).plan.edits).toEqual([]);
    const overlays = input.clusters.map(c => `${platform}/overlays/${c.name}`);
    const built = kubectlOnPath('kubectl kustomize of the merged overlays')
      ? kubectlBuild(after, overlays)
      : overlays.map(() => ({ status: 0, stderr: '' }));
    expect(built).toEqual(overlays.map(() => ({ status: 0, stderr: '' })));
  });

  it("writes over the values a ConfigMap's text gives the release, saying so, and nothing once they are there (SChimera's copy)", () => {
    const { files, input } = perClusterLayout();
    const release = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: cilium, namespace: kube-system}',
      'spec:',
      '  interval: 30m',
      '  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}',
      '  valuesFrom:',
      '    - {kind: ConfigMap, name: cilium-values, valuesKey: values.yaml}',
      '',
    ].join('\n');
    const valuesText = (extra: string) =>
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: cilium-values, namespace: kube-system}',
        'data:',
        '  values.yaml: |',
        '    cluster:',
        '      name: ${CLUSTER_NAME}',
        '      id: ${CLUSTER_ID}',
        '    kubeProxyReplacement: true',
        extra,
      ].join('\n');
    for (const { name } of input.clusters) {
      const dir = `kubernetes/clusters/${name}/apps`;
      files[`${dir}/kustomization.yaml`] =
        'resources:\n  - ./helmvalues.yaml\n  - ./helmrelease.yaml\n  - ./pool.yaml\n';
      files[`${dir}/helmrelease.yaml`] = release;
      files[`${dir}/helmvalues.yaml`] = valuesText('');
    }
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      'kubernetes/clusters/east/apps/helmrelease.yaml: the other Cilium values of east are in the text of ConfigMap kube-system/cilium-values (kubernetes/clusters/east/apps/helmvalues.yaml), which the HelmRelease takes through valuesFrom and configure does not edit (YAML inside a text): the ClusterMesh values go in its spec.values, which Flux merges over them; move them there by hand if you keep them together.',
    );
    expect(plan.edits.map(e => e.path)).not.toContain(
      'kubernetes/clusters/east/apps/helmvalues.yaml',
    );
    expect(plan.report!.summary.errors).toBe(0);
    // the owner moves them into the text: nothing more to write
    const moved = { ...after };
    for (const { name } of input.clusters) {
      const dir = `kubernetes/clusters/${name}/apps`;
      const written = (
        parse(after[`${dir}/helmrelease.yaml`]) as {
          spec: { values: Record<string, unknown> };
        }
      ).spec.values;
      moved[`${dir}/helmrelease.yaml`] = release;
      moved[`${dir}/helmvalues.yaml`] = valuesText(
        stringify(written)
          .split('\n')
          .map(line => (line ? `    ${line}` : line))
          .join('\n'),
      );
    }
    expect(
      validateMesh(createRepoTree(moved), perClusterConventions).summary.errors,
    ).toBe(0);
    expect(applied(moved, input, perClusterConventions).plan.edits).toEqual([]);
  });

  /** The per-cluster layout, each cluster's Cilium values these lines, planned. */
  const plannedWithValues = (values: string[]) => {
    const { files, input } = perClusterLayout();
    for (const { name } of input.clusters)
      files[`kubernetes/clusters/${name}/apps/helmrelease.yaml`] =
        ciliumRelease(values);
    return { ...applied(files, input, perClusterConventions), input };
  };

  it("scales up a clustermesh-apiserver the values scale to nothing (replicas: 0, TheBranchDriftCatalyst's)", () => {
    const { plan, after } = plannedWithValues([
      '    clustermesh:',
      '      apiserver:',
      '        # scaled down until a peer is wired up',
      '        replicas: 0',
    ]);
    expect(plan.problems).toEqual([]);
    expect(after['kubernetes/clusters/east/apps/helmrelease.yaml']).toContain(
      '        replicas: 1\n',
    );
    expect(plan.report!.summary.errors).toBe(0);
  });

  it("gives the service the class of the announcer that is on where the values leave LB IPAM to services of its classes (defaultLBServiceIPAM: none, jfroy's flatops)", () => {
    const { plan, after, input } = plannedWithValues([
      '    defaultLBServiceIPAM: none',
      '    bgpControlPlane:',
      '      enabled: true',
    ]);
    expect(plan.problems).toEqual([]);
    expect(after['kubernetes/clusters/east/apps/helmrelease.yaml']).toContain(
      '        loadBalancerClass: io.cilium/bgp-control-plane\n',
    );
    expect(plan.report!.summary.errors).toBe(0);
    expect(applied(after, input, perClusterConventions).plan.edits).toEqual([]);
  });

  it('writes no entries into a settings ConfigMap no Kustomization substitutes from, where the values are written out', () => {
    const { files, input, clusters } = perClusterLayout();
    for (const { name, id } of clusters) {
      const dir = `kubernetes/clusters/${name}`;
      // nothing substitutes: the repository writes its values out
      files[`${dir}/apps.yaml`] = files[`${dir}/apps.yaml`].replace(
        /\n {2}postBuild:[\s\S]*$/,
        '\n',
      );
      files[`${dir}/apps/helmrelease.yaml`] = files[
        `${dir}/apps/helmrelease.yaml`
      ]
        .replace('${CLUSTER_NAME}', name)
        .replace('${CLUSTER_ID}', String(id));
    }
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).not.toContain(
      'kubernetes/clusters/east/cluster-settings.yaml',
    );
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^east, west: no settings ConfigMap is written \(the one it has, ConfigMap flux-system\/cluster-settings, is read by nothing: no Kustomization substitutes from it; its values are written out instead/,
      ),
    );
    expect(after['kubernetes/clusters/east/apps/helmrelease.yaml']).toContain(
      'lbipam.cilium.io/ips: 10.60.1.10',
    );
    expect(plan.report!.summary.errors).toBe(0);
    expect(applied(after, input, perClusterConventions).plan.edits).toEqual([]);
  });

  it("gives a cluster joining the mesh its records' folder and Kustomization as the others got theirs (their names are in other clusters)", () => {
    const { files, input } = perClusterLayout();
    const conventions = perClusterConventions;
    const first = applied(files, input, conventions);
    expect(first.plan.problems).toEqual([]);
    // a third cluster's folder, as the others' were before the change
    const north = perClusterLayout([
      { name: 'north', id: 3, net: '10.60.3' },
    ]).files;
    const joining = applied(
      { ...first.after, ...north },
      { clusters: [{ name: 'north', ip: '10.60.3.10' }] },
      conventions,
    );
    expect(joining.plan.problems).toEqual([]);
    const dir = 'kubernetes/clusters/north';
    expect(joining.after[`${dir}/clustermesh/dnsendpoint.yaml`]).toContain(
      'dnsName: ${CILIUM_CLUSTERMESH_FQDN}',
    );
    expect(joining.after[`${dir}/apps/kustomization.yaml`]).toBe(
      north[`${dir}/apps/kustomization.yaml`],
    );
    expect(
      parse(
        joining.after[`${dir}/apps.yaml`].slice(
          north[`${dir}/apps.yaml`].length,
        ),
      ).metadata,
    ).toEqual({ name: 'apps-clustermesh', namespace: 'flux-system' });
    expect(joining.plan.report!.summary).toMatchObject({
      errors: 0,
      warnings: 0,
    });
    expect(
      applied(joining.after, { clusters: [] }, conventions).plan.edits,
    ).toEqual([]);
  });

  it('takes the next folder name where the repository has a clustermesh folder there, and keeps the record with Cilium where a Kustomization of that name exists', () => {
    const { files, input } = perClusterLayout();
    const conventions = perClusterConventions;
    // east keeps notes in a folder of that name: the next name is taken
    files['kubernetes/clusters/east/clustermesh/notes.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, namespace: default}\n';
    // west already has a Kustomization of the name the new one would get
    files['kubernetes/clusters/west/apps.yaml'] +=
      '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps-clustermesh, namespace: flux-system}\nspec: {interval: 10m, path: ./kubernetes/clusters/west/extras, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n';
    files['kubernetes/clusters/west/extras/kustomization.yaml'] =
      'resources:\n  - ./notes.yaml\n';
    files['kubernetes/clusters/west/extras/notes.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, namespace: default}\n';
    const { plan } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const paths = plan.edits.map(e => e.path);
    expect(paths).toContain(
      'kubernetes/clusters/east/clustermesh-dns/dnsendpoint.yaml',
    );
    expect(paths).toContain('kubernetes/clusters/west/apps/dnsendpoint.yaml');
    expect(
      parse(
        plan.edits
          .find(e => e.path === 'kubernetes/clusters/east/apps.yaml')!
          .after.split('\n---\n')
          .at(-1)!,
      ).metadata.name,
    ).toBe('apps-clustermesh-dns');
  });

  /**
   * Flux's own example layout: a base release every cluster shares, and a
   * values patch per cluster's overlay (strategic merge, or JSON 6902 that
   * replaces the values whole).
   */
  const overlayPatchLayout = (patch: 'merge' | 'json') => {
    const { files, input } = perClusterLayout();
    const base = 'kubernetes/infrastructure/cilium/helmrelease.yaml';
    files['kubernetes/infrastructure/cilium/kustomization.yaml'] =
      'resources:\n  - helmrelease.yaml\n';
    files[base] = [
      ...ciliumReleaseHead,
      '  interval: 30m',
      '  chart: {spec: {chart: cilium, version: 1.18.4, sourceRef: {kind: HelmRepository, name: cilium}}}',
      patch === 'merge'
        ? '  values:\n    kubeProxyReplacement: true'
        : '  values: {}',
      '',
    ].join('\n');
    for (const [name, id] of [
      ['east', 1],
      ['west', 2],
    ] as const) {
      const apps = `kubernetes/clusters/${name}/apps`;
      files[`${apps}/kustomization.yaml`] = [
        'resources:',
        '  - ../../../infrastructure/cilium',
        '  - ./pool.yaml',
        'patches:',
        '  - path: cilium-values.yaml',
        ...(patch === 'json'
          ? ['    target:', '      kind: HelmRelease', '      name: cilium']
          : []),
        '',
      ].join('\n');
      delete files[`${apps}/helmrelease.yaml`];
      const values = [
        '    cluster:',
        `      name: ${name}`,
        `      id: ${id}`,
        '    clustermesh:',
        '      useAPIServer: true',
        '',
      ];
      files[`${apps}/cilium-values.yaml`] = (
        patch === 'merge'
          ? [...ciliumReleaseHead, '  values:', ...values]
          : ['- op: add', '  path: /spec/values', '  value:', ...values]
      ).join('\n');
    }
    return { files, input, base };
  };

  /** Each cluster's values patch written inline in its kustomization instead of a file. */
  const writePatchesInline = (files: Record<string, string>) => {
    for (const name of ['east', 'west']) {
      const apps = `kubernetes/clusters/${name}/apps`;
      files[`${apps}/kustomization.yaml`] = files[
        `${apps}/kustomization.yaml`
      ].replace(
        '  - path: cilium-values.yaml\n',
        `  - patch: |-\n${files[`${apps}/cilium-values.yaml`]
          .trimEnd()
          .split('\n')
          .map(l => `      ${l}`)
          .join('\n')}\n`,
      );
      delete files[`${apps}/cilium-values.yaml`];
    }
  };

  /** The change writes every cluster's values in its own patch, and leaves the base alone. */
  const expectWrittenInPatches = (
    files: Record<string, string>,
    input: MeshDnsChangeInput,
    base: string,
  ) => {
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(after[base]).toBe(files[base]);
    for (const name of ['east', 'west']) {
      const patch =
        after[`kubernetes/clusters/${name}/apps/cilium-values.yaml`];
      const peer = name === 'east' ? 'west' : 'east';
      expect(patch).toContain('type: LoadBalancer');
      expect(patch).toContain(
        `lbipam.cilium.io/ips: \${CILIUM_CLUSTERMESH_LB_IP}`,
      );
      expect(patch).toContain(`- name: ${peer}`);
    }
    expect(plan.report!.summary).toMatchObject({ errors: 0 });
    expect(applied(after, input, perClusterConventions).plan.edits).toEqual([]);
    expectPerClusterFoldersBuild(after);
    return after;
  };

  it("writes into each cluster's overlay patch when it sets the Cilium clustermesh values over a shared base, and leaves the base alone", () => {
    const { files, input, base } = overlayPatchLayout('merge');
    expectWrittenInPatches(files, input, base);
  });

  it('writes into the shared release where an inline strategic merge patch only merges its own keys over it', () => {
    const { files, input, base } = overlayPatchLayout('merge');
    writePatchesInline(files);
    const { plan } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toContain(base);
  });

  it("writes into each cluster's JSON 6902 patch when it replaces the Cilium values of a shared base (op add /spec/values), where they win", () => {
    const { files, input, base } = overlayPatchLayout('json');
    const after = expectWrittenInPatches(files, input, base);
    // inside the operation's value, in the file's indentation
    expect(after['kubernetes/clusters/east/apps/cilium-values.yaml']).toMatch(
      /^- op: add\n {2}path: \/spec\/values\n {2}value:\n[\s\S]* {8}type: LoadBalancer\n/,
    );

    // the same patch written inline: refused, saying where and why
    writePatchesInline(files);
    const inline = applied(files, input, perClusterConventions).plan;
    expect(inline.edits).toEqual([]);
    // each cluster's patch named
    for (const name of ['east', 'west'])
      expect(inline.problems).toContainEqual({
        field: `kubernetes/clusters/${name}/apps/kustomization.yaml`,
        message: expect.stringMatching(
          new RegExp(
            `^the Cilium values of HelmRelease kube-system/cilium are replaced whole by a patch written inline at kubernetes/clusters/${name}/apps/kustomization\\.yaml:\\d+, which configure does not edit.*move the patch to a file of its own, listed there`,
          ),
        ),
      });
  });

  it("writes a peer's FQDN as the peer resolves it when each cluster has a domain of its own", () => {
    const { files, clusters, input } = perClusterLayout();
    for (const { name } of clusters) {
      const settings = `kubernetes/clusters/${name}/cluster-settings.yaml`;
      files[settings] += `  CLUSTER_DOMAIN: "${name}.lab.example.org"\n`;
    }
    const conventions = resolveConventions({
      fqdnTemplate: 'clustermesh-{cluster}.${CLUSTER_DOMAIN}',
    });
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const east = after['kubernetes/clusters/east/cluster-settings.yaml'];
    expect(east).toContain(
      'CILIUM_CLUSTERMESH_FQDN: "clustermesh-east.east.lab.example.org"',
    );
    // with east's domain it would name a host west does not answer for
    expect(east).toContain(
      'CILIUM_CLUSTERMESH_WEST_FQDN: "clustermesh-west.west.lab.example.org"',
    );
    expect(plan.report!.summary).toMatchObject({ errors: 0, warnings: 0 });
    // no Cilium announcement nor ExternalDNS in these files: only those
    // are not evaluated
    expect(notEvaluatedRules(plan.report!)).toEqual([
      'lb-ip-announced',
      'dnsendpoint-matches',
    ]);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);
  });

  it("adds no extraDnsNames where the chart's own *.mesh.cilium.io covers every cluster's FQDN", () => {
    const { files, input } = perClusterLayout();
    const conventions = resolveConventions({
      fqdnTemplate: '{cluster}.mesh.cilium.io',
    });
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    const values = after['kubernetes/clusters/east/apps/helmrelease.yaml'];
    expect(values).toContain('address: ${CILIUM_CLUSTERMESH_WEST_FQDN}');
    expect(values).not.toContain('extraDnsNames');
    expect(plan.summary).not.toContain('in the server certificate');
    const tlsSan = plan
      .report!.clusters.flatMap(c => c.checks)
      .filter(c => c.ruleId === 'tls-san');
    expect(tlsSan.map(c => [c.outcome, c.message])).toEqual([
      [
        'pass',
        "the chart's server certificate names *.mesh.cilium.io, which covers east.mesh.cilium.io",
      ],
      [
        'pass',
        "the chart's server certificate names *.mesh.cilium.io, which covers west.mesh.cilium.io",
      ],
    ]);
    expect(applied(after, input, conventions).plan.edits).toEqual([]);

    // a name beyond it still goes into the certificate
    const own = applied(
      files,
      input,
      resolveConventions({ fqdnTemplate: '{cluster}.lab.mesh.cilium.io' }),
    ).after['kubernetes/clusters/east/apps/helmrelease.yaml'];
    expect(own).toContain('extraDnsNames:');
  });

  it("replaces, in a cluster's own values, a certificate name that is another cluster's (TrentScholl's edge, copied from dr), or drops it where its own is there", () => {
    const { files, input } = perClusterLayout();
    const conventions = resolveConventions({
      fqdnTemplate: 'clustermesh-{cluster}.example.org',
    });
    // configured once, then west's values given east's name, as a copy would
    const { after } = applied(files, input, conventions);
    const west = 'kubernetes/clusters/west/apps/helmrelease.yaml';
    expect(after[west]).toMatch(
      /extraDnsNames:\n\s+- \$\{CILIUM_CLUSTERMESH_FQDN\}/,
    );
    const copied = {
      ...after,
      [west]: after[west].replace(
        /(extraDnsNames:\n(\s+)- )\$\{CILIUM_CLUSTERMESH_FQDN\}/,
        '$1clustermesh-east.example.org',
      ),
    };
    const replaced = applied(copied, input, conventions);
    expect(replaced.plan.problems).toEqual([]);
    expect(replaced.after[west]).not.toContain('clustermesh-east.example.org');
    expect(
      changedLines(copied[west], replaced.after[west]).added.filter(l =>
        /^\s+- /.test(l),
      ),
    ).toEqual([expect.stringMatching(/^\s+- \$\{CILIUM_CLUSTERMESH_FQDN\}$/)]);
    // beside its own name: east's is dropped
    const both = {
      ...after,
      [west]: after[west].replace(
        /(extraDnsNames:\n(\s+)- \$\{CILIUM_CLUSTERMESH_FQDN\}\n)/,
        '$1$2- clustermesh-east.example.org\n',
      ),
    };
    expect(both[west]).toContain('- clustermesh-east.example.org');
    const dropped = applied(both, input, conventions);
    expect(dropped.after[west]).not.toContain('clustermesh-east.example.org');
    expect(dropped.after[west]).toContain('- ${CILIUM_CLUSTERMESH_FQDN}');
    // east's own values keep their name
    expect(
      dropped.after['kubernetes/clusters/east/apps/helmrelease.yaml'],
    ).toContain('- ${CILIUM_CLUSTERMESH_FQDN}');
  });

  it("renames, in a cluster's own DNSEndpoint, an entry of another cluster's name instead of adding one beside it (cubic3d's lab, copied from edge)", () => {
    const { files, input } = perClusterLayout();
    const conventions = resolveConventions({
      fqdnTemplate: 'clustermesh-{cluster}.example.org',
    });
    const { after } = applied(files, input, conventions);
    const record = Object.keys(after).find(
      p =>
        p.startsWith('kubernetes/clusters/west/') && /dnsName:/.test(after[p]),
    )!;
    expect(record).toBeDefined();
    const own = /dnsName: (.*)/.exec(after[record])![1];
    const copied = {
      ...after,
      [record]: after[record].replace(
        `dnsName: ${own}`,
        'dnsName: clustermesh-east.example.org',
      ),
    };
    const renamed = applied(copied, input, conventions);
    expect(renamed.plan.problems).toEqual([]);
    expect(changedLines(copied[record], renamed.after[record])).toEqual({
      removed: [
        expect.stringContaining('dnsName: clustermesh-east.example.org'),
      ],
      added: [expect.stringContaining(`dnsName: ${own}`)],
    });
    expect(applied(renamed.after, input, conventions).plan.edits).toEqual([]);
  });

  it('does not claim a pool or the Cilium HelmRelease missing where a ResourceSet, not expanded, may make them', () => {
    const { files, input } = perClusterLayout();
    const apps = 'kubernetes/clusters/east/apps';
    files[`${apps}/kustomization.yaml`] = 'resources:\n  - ./platform.yaml\n';
    files[`${apps}/platform.yaml`] =
      'apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata: {name: platform, namespace: flux-system}\nspec:\n  inputs: [{name: cilium}]\n  resourcesTemplate: "---"\n';
    const plan = planPerCluster(files, input);
    const because =
      '; but one part of what east applies is not evaluated and may hold it (ResourceSet flux-system/platform, applied by Kustomization flux-system/apps, makes objects from its template and 1 input, which this engine does not expand (Flux Operator); what it applies is not evaluated)';
    expect(plan.problems).toEqual(
      expect.arrayContaining([
        {
          field: 'clusters[0].ip',
          message: `east has no CiliumLoadBalancerIPPool among the objects evaluated to take 10.60.1.10 from${because}`,
          remedy:
            'Add a CiliumLoadBalancerIPPool block that holds 10.60.1.10 (`spec.blocks: [{start: 10.60.1.10, stop: 10.60.1.10}]`, or a CIDR) to what Flux applies to east, as a file of the repository: a pool that a part not evaluated here makes cannot be checked to hold 10.60.1.10.',
        },
        expect.objectContaining({
          message: expect.stringContaining(
            `no HelmRelease cilium is applied to east, and no plain values file is configured (conventions cilium.valuesFile)${because}`,
          ),
        }),
      ]),
    );
  });

  it('names no default path the repository does not have when a cluster has no pool, and points the missing DNSEndpoint at the cluster', () => {
    const { files, input } = perClusterLayout();
    files['kubernetes/clusters/east/apps/kustomization.yaml'] =
      'resources:\n  - ./helmrelease.yaml\n';
    const plan = planPerCluster(files, input);
    // its pool file, listed no more, is named: no default path
    expect(plan.problems).toContainEqual({
      field: 'clusters[0].ip',
      message:
        'east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from; pool east-pool (kubernetes/clusters/east/apps/pool.yaml:1) holds it, but Flux applies that file to no cluster',
      remedy:
        'Have a Flux Kustomization of east apply kubernetes/clusters/east/apps/pool.yaml, or add a CiliumLoadBalancerIPPool block that holds 10.60.1.10 (`spec.blocks: [{start: 10.60.1.10, stop: 10.60.1.10}]`, or a CIDR) to what Flux applies to east.',
    });
    const included = validateMesh(
      createRepoTree(files),
      resolveConventions({ mesh: { include: ['east', 'west'] } }),
    )
      .clusters.find(c => c.name === 'east')!
      .checks.find(c => c.ruleId === 'dnsendpoint-included');
    expect(included?.location).toEqual({
      file: 'kubernetes/clusters/east/kustomization.yaml',
      line: 1,
    });
    // no settings (and nothing substitutes from them): where they would
    // be listed, not the folder
    delete files['kubernetes/clusters/east/cluster-settings.yaml'];
    files['kubernetes/clusters/east/kustomization.yaml'] =
      'resources: [flux-system, apps.yaml]\n';
    files['kubernetes/clusters/east/apps.yaml'] = files[
      'kubernetes/clusters/east/apps.yaml'
    ].replace(/ {2}postBuild:[\s\S]*$/, '');
    // (the domain given: the FQDN template is no guess)
    const settings = validateMesh(
      createRepoTree(files),
      resolveConventions({
        mesh: { include: ['east', 'west'] },
        values: { SECRET_DOMAIN: 'example.net' },
      }),
    )
      .clusters.find(c => c.name === 'east')!
      .checks.find(c => c.ruleId === 'settings-present');
    expect(settings).toMatchObject({
      outcome: 'fail',
      location: {
        file: 'kubernetes/clusters/east/kustomization.yaml',
        line: 1,
      },
    });
  });

  it('does not write a domain given to the run into a file Flux does not substitute, and says how to name it when it is not secret', () => {
    const { files, input } = perClusterLayout();
    for (const name of ['east', 'west']) {
      const apps = `kubernetes/clusters/${name}/apps.yaml`;
      files[apps] = files[apps].replace(/ {2}postBuild:[\s\S]*$/, '');
    }
    const plan = planMeshDnsChange(
      createRepoTree({ ...files, ...unappliedDomainSecret }),
      input,
      resolveConventions({ values: { SECRET_DOMAIN: 'example.net' } }),
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems.map(p => p.message)).toContainEqual(
      expect.stringContaining(
        'is not substituted by Flux with SECRET_DOMAIN, so it needs the FQDN of east written out, and that name is secret here (its domain comes from a Secret or from the values given to this run): it is not written into a plain file; if the domain is not secret, name it in the FQDN template (fqdnTemplate in the conventions, --fqdn-template: clustermesh-{cluster}.<domain>)',
      ),
    );
  });

  it("says a file Flux substitutes, whose FQDN needs a domain only a source of unknown keys may hold, is substituted: the domain is what is not known (rwlove's ExternalSecret)", () => {
    const { files, input } = perClusterLayout();
    for (const name of ['east', 'west']) {
      const dir = `kubernetes/clusters/${name}`;
      files[`${dir}/apps.yaml`] +=
        '      - {kind: Secret, name: cluster-secrets}\n';
      files[`${dir}/cluster-secrets.yaml`] =
        'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  target: {name: cluster-secrets}\n  dataFrom: [{extract: {key: cluster}}]\n';
      files[`${dir}/kustomization.yaml`] = files[
        `${dir}/kustomization.yaml`
      ].replace(
        'cluster-settings.yaml,',
        'cluster-settings.yaml, cluster-secrets.yaml,',
      );
      // the repository's names in that domain
      files[`${dir}/apps/route.yaml`] =
        'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec: {hostnames: ["web.${SECRET_DOMAIN}"]}\n';
      files[`${dir}/apps/kustomization.yaml`] += '  - ./route.yaml\n';
    }
    const plan = planMeshDnsChange(
      createRepoTree(files),
      input,
      resolveConventions({}),
    );
    expect(plan.problems.map(p => `${p.field}: ${p.message}`)).toContainEqual(
      'kubernetes/clusters/east/apps/helmrelease.yaml: is substituted by Flux, but the FQDN of east, clustermesh-east.${SECRET_DOMAIN}, needs SECRET_DOMAIN, which only sources whose keys are not known here may define (such as Secret flux-system/cluster-secrets (from ExternalSecret flux-system/cluster-secrets)): give SECRET_DOMAIN with the values of this run, --value SECRET_DOMAIN=<value>, where that source defines it',
    );
    for (const p of plan.problems)
      expect(p.message).not.toMatch(/is not substituted by Flux/);
  });

  it("says where a cluster's k8s_gateway serves the domain of its peers' FQDNs inside the network (split DNS: Catalog1110's, meroxdotdev's), and not for another domain", () => {
    const noteWith = (domain: string, chartVersion = '2.4.0') => {
      const { files, input } = perClusterLayout();
      for (const c of ['east', 'west']) {
        const apps = `kubernetes/clusters/${c}/apps`;
        files[`${apps}/kustomization.yaml`] += '  - ./k8s-gateway.yaml\n';
        files[`${apps}/k8s-gateway.yaml`] = [
          'apiVersion: helm.toolkit.fluxcd.io/v2',
          'kind: HelmRelease',
          'metadata: {name: k8s-gateway, namespace: network}',
          'spec:',
          '  interval: 1h',
          `  chart: {spec: {chart: k8s-gateway, version: ${chartVersion}, sourceRef: {kind: HelmRepository, name: k8s-gateway}}}`,
          '  values:',
          `    domain: "${domain}"`,
          '',
        ].join('\n');
      }
      return planPerCluster(files, input).decisions.find(d =>
        d.includes('split DNS'),
      );
    };
    // the chart before 3 (ori-edge's) watches every kind the plugin knows
    // (DNSEndpoints too, where the plugin reads them): JMacalinao's 2.4.0
    expect(noteWith('mesh.example.org')).toBe(
      "east, west: HelmRelease network/k8s-gateway (kubernetes/clusters/east/apps/k8s-gateway.yaml:1), and each other cluster's own, answers mesh.example.org inside the network from the objects (every kind the plugin watches: the chart's default watchedResources before chart 3) of its own cluster, not from another cluster's objects: where the network's resolver sends mesh.example.org to it (split DNS), a peer's FQDN (clustermesh-west.mesh.example.org) is not found there and the agents resolving through it cannot reach that peer; keep the mesh FQDNs out of mesh.example.org (the FQDN template), or have the resolvers send them to the zone that holds the records.",
    );
    expect(noteWith('home.example.net')).toBeUndefined();
    // from chart 3 (k8s-gateway's) the default is Ingresses and Services
    expect(noteWith('mesh.example.org', '3.2.3')).toContain(
      "answers mesh.example.org inside the network from the Ingresses and Services (the chart's default watchedResources from chart 3) of its own cluster, not from DNSEndpoints or another cluster's objects:",
    );
    // a name it does not hold falls through to a forward plugin (qlonik's
    // public resolver), which finds the published record: nothing to say
    const withFallthrough = (zones: string, plugin: string) =>
      noteWith(
        `mesh.example.org"\n    fallthrough: {enabled: true, zones: ${zones}}\n    extraZonePlugins: [{name: ${plugin}, parameters: ". tls://1.1.1.1"}]\n    x: "`,
      );
    expect(withFallthrough('[mesh.example.org]', 'forward')).toBeUndefined();
    expect(withFallthrough('[]', 'forward')).toBeUndefined();
    // another zone's fallthrough, or none to forward to: still unanswered
    expect(withFallthrough('[other.example.org]', 'forward')).toContain(
      'split DNS',
    );
    expect(withFallthrough('[mesh.example.org]', 'cache')).toContain(
      'split DNS',
    );
    // the kinds it watches, where its values name them (alexwaibel's)
    expect(
      noteWith(
        'mesh.example.org"\n    watchedResources: ["HTTPRoute", "Service"]\n    x: "',
      ),
    ).toContain(
      'answers mesh.example.org inside the network from the HTTPRoute, Service objects of its own cluster',
    );
  });

  it("keeps a second run a no-op where the clusters share a pool on purpose and the conventions run pools-disjoint as a warning (smbonn2005's)", () => {
    const { files } = perClusterLayout();
    files['kubernetes/clusters/west/apps/pool.yaml'] = files[
      'kubernetes/clusters/west/apps/pool.yaml'
    ].replace('10.60.2.0/24', '10.60.1.0/24');
    const input = {
      clusters: [
        { name: 'east', ip: '10.60.1.10' },
        { name: 'west', ip: '10.60.1.11' },
      ],
    };
    const conventions = resolveConventions({
      fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
      rules: { 'pools-disjoint': 'warning' },
    });
    const first = applied(files, input, conventions);
    expect(first.plan.problems).toEqual([]);
    expect(first.plan.edits).not.toEqual([]);
    const second = applied(first.after, input, conventions);
    expect(second.plan.problems).toEqual([]);
    expect(second.plan.edits).toEqual([]);
    // the shared address said, not refused
    expect(second.plan.decisions).toContainEqual(
      expect.stringMatching(
        /^east: 10\.60\.1\.10 is also in pool "west-pool" of west/,
      ),
    );
    // run as an error (the default), the overlap refuses it
    expect(
      applied(first.after, input, perClusterConventions).plan.problems,
    ).toContainEqual(
      expect.objectContaining({
        field: 'clusters[0].ip',
        message: expect.stringMatching(
          /^10\.60\.1\.10 is also in pool "west-pool" of west/,
        ),
      }),
    );
  });

  it("labels the clustermesh-apiserver service as the cluster's L2 announcement policy selects, so its LB IP is announced (rajsinghtech's expose: yes)", () => {
    const withPolicy = (chartVersion: string, selects = 'expose: "yes"') => {
      const { files, input } = perClusterLayout();
      for (const c of ['east', 'west']) {
        const apps = `kubernetes/clusters/${c}/apps`;
        files[`${apps}/helmrelease.yaml`] = ciliumRelease([
          '    kubeProxyReplacement: true',
          '    l2announcements: {enabled: true}',
        ]).replace('version: 1.18.4', `version: ${chartVersion}`);
        files[`${apps}/kustomization.yaml`] += '  - ./l2-policy.yaml\n';
        files[`${apps}/l2-policy.yaml`] = [
          'apiVersion: cilium.io/v2alpha1',
          'kind: CiliumL2AnnouncementPolicy',
          'metadata: {name: l2}',
          'spec:',
          '  loadBalancerIPs: true',
          '  serviceSelector:',
          `    matchLabels: {${selects}}`,
          '',
        ].join('\n');
      }
      return applied(files, input, perClusterConventions);
    };
    const announcedAfter = (plan: ReturnType<typeof applied>['plan']) =>
      plan
        .report!.clusters.flatMap(c => c.checks)
        .filter(c => c.ruleId === 'lb-ip-announced')
        .map(c => [c.cluster, c.outcome]);
    const { plan, after } = withPolicy('1.18.4');
    expect(plan.problems).toEqual([]);
    const release = 'kubernetes/clusters/east/apps/helmrelease.yaml';
    expect(after[release]).toMatch(/\n {10}labels:\n {12}expose: "yes"\n/);
    expect(plan.edits.find(e => e.path === release)?.reasons).toContainEqual(
      expect.stringContaining(
        'clustermesh.apiserver.service.labels expose: "yes", so that CiliumL2AnnouncementPolicy l2 (kubernetes/clusters/east/apps/l2-policy.yaml:1), whose serviceSelector asks for them, announces the LB IP the record points at',
      ),
    );
    expect(announcedAfter(plan)).toEqual([
      ['east', 'pass'],
      ['west', 'pass'],
    ]);
    // a chart before 1.17 does not label the service: said, not written
    const old = withPolicy('1.14.3');
    expect(old.after[release]).not.toContain('labels:');
    expect(old.plan.decisions).toContainEqual(
      expect.stringContaining(
        'no Cilium announcement takes the clustermesh-apiserver service: CiliumL2AnnouncementPolicy l2 (kubernetes/clusters/east/apps/l2-policy.yaml:1) would, but for its serviceSelector, which asks for expose: "yes"; the chart of Cilium 1.14',
      ),
    );
    expect(announcedAfter(old.plan)).toEqual([
      ['east', 'fail'],
      ['west', 'fail'],
    ]);
    // a selector with a label the chart gives already: only the other is
    // written
    const mixed = withPolicy(
      '1.18.4',
      'k8s-app: clustermesh-apiserver, expose: "yes"',
    );
    expect(mixed.after[release]).toMatch(
      /\n {10}labels:\n {12}expose: "yes"\n(?! {12}k8s-app)/,
    );
    expect(announcedAfter(mixed.plan)).toEqual([
      ['east', 'pass'],
      ['west', 'pass'],
    ]);
    // a key the chart writes on the service itself is not given again
    // (dokokitsune's policy for app.kubernetes.io/name: jellyfin): the
    // Service would have it twice, and Flux's post-render refuses it
    for (const key of ['app.kubernetes.io/name', 'k8s-app']) {
      const chartKey = withPolicy('1.18.4', `${key}: jellyfin`);
      expect(chartKey.after[release]).not.toContain('labels:');
      expect(chartKey.after[release]).not.toContain('jellyfin');
      expect(announcedAfter(chartKey.plan)).toEqual([
        ['east', 'fail'],
        ['west', 'fail'],
      ]);
    }
  });

  it('says MetalLB hands out the addresses where a cluster applies its pools and no Cilium pool, naming the pool that holds the address, and the ways out', () => {
    const { files, input } = perClusterLayout();
    // samipsolutions': an IPv6 pool first, the IPv4 one holding the address
    files['kubernetes/clusters/east/apps/pool.yaml'] = [
      'apiVersion: metallb.io/v1beta1',
      'kind: IPAddressPool',
      'metadata: {name: ipv6, namespace: metallb-system}',
      'spec: {addresses: ["2001:db8:1::/112"]}',
      '---',
      'apiVersion: metallb.io/v1beta1',
      'kind: IPAddressPool',
      'metadata: {name: lb, namespace: metallb-system}',
      'spec: {addresses: [10.60.1.1-10.60.1.99]}',
      '',
    ].join('\n');
    const note =
      "; it applies MetalLB's IPAddressPool metallb-system/lb, which holds 10.60.1.10: its LoadBalancer addresses come from MetalLB, whose pools Cilium LB IPAM does not read (MetalLB is not handled here)";
    expect(planPerCluster(files, input).problems).toContainEqual({
      field: 'clusters[0].ip',
      message: `east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from${note}`,
      remedy: expect.stringMatching(
        /^Leave the cluster out of the mesh \(mesh\.exclude in the conventions\), or give its LB IP to Cilium LB IPAM [^]*switch lb-ip-in-pool and service-annotation off in the conventions' rules and add MetalLB's loadBalancerIPs annotation to clustermesh\.apiserver\.service\.annotations yourself: configure writes Cilium LB IPAM's annotation only, which MetalLB does not read\.$/,
      ),
    });
    // a pool a raw chart's values hold (Stackclash's), or MetalLB's own
    // release with its pools in values not read (xstar97's): said alike
    const release = (chart: string, values: string[]) =>
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: metallb, namespace: metallb-system}',
        'spec:',
        `  chart: {spec: {chart: ${chart}, version: 0.15.3, sourceRef: {kind: HelmRepository, name: metallb}}}`,
        '  values:',
        ...values,
        '',
      ].join('\n');
    const noteWith = (pool: string) =>
      planPerCluster(
        { ...files, 'kubernetes/clusters/east/apps/pool.yaml': pool },
        input,
      ).problems.find(p => p.field === 'clusters[0].ip')?.message;
    expect(
      noteWith(
        release('raw', [
          '    resources:',
          '      - apiVersion: metallb.io/v1beta1',
          '        kind: IPAddressPool',
          '        metadata: {name: default, namespace: metallb-system}',
          '        spec: {addresses: [10.60.1.1-10.60.1.99]}',
        ]),
      ),
    ).toContain(
      "it applies MetalLB's IPAddressPool metallb-system/default, which holds 10.60.1.10",
    );
    expect(
      noteWith(release('metallb', ['    speaker: {frr: {enabled: false}}'])),
    ).toContain("it applies MetalLB's HelmRelease metallb-system/metallb");
    // MetalLB said first, beside a part of east not read (another source's)
    const withUnread = { ...files };
    withUnread['kubernetes/clusters/east/kustomization.yaml'] =
      'resources: [flux-system, cluster-settings.yaml, apps.yaml, artifact.yaml]\n';
    withUnread['kubernetes/clusters/east/artifact.yaml'] = [
      'apiVersion: source.toolkit.fluxcd.io/v1beta2',
      'kind: OCIRepository',
      'metadata: {name: platform, namespace: flux-system}',
      'spec: {interval: 1h, url: oci://ghcr.io/example/platform, ref: {tag: v1}}',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: platform, namespace: flux-system}',
      'spec: {interval: 1h, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: platform}}',
      '',
    ].join('\n');
    expect(
      planPerCluster(withUnread, input).problems.find(
        p => p.field === 'clusters[0].ip',
      )?.message,
    ).toBe(
      `east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from${note}`,
    );
    // the rule switched off: the address is not refused for it
    expect(
      planMeshDnsChange(
        createRepoTree(files),
        input,
        resolveConventions({
          fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
          rules: { 'lb-ip-in-pool': 'off' },
        }),
      ).problems.map(p => p.field),
    ).not.toContain('clusters[0].ip');
  });

  it("says a cloud provider's controller hands out the addresses where a cluster runs one and applies no Cilium pool", () => {
    const { files, input } = perClusterLayout();
    // in place of its pool: OpenStack's load balancers (Octavia) serve it
    files['kubernetes/clusters/east/apps/pool.yaml'] = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: openstack-ccm, namespace: kube-system}',
      'spec:',
      '  chart: {spec: {chart: openstack-cloud-controller-manager, version: 2.31.1, sourceRef: {kind: HelmRepository, name: cpo}}}',
      '',
    ].join('\n');
    expect(planPerCluster(files, input).problems).toContainEqual({
      field: 'clusters[0].ip',
      message:
        "east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from; it runs HelmRelease kube-system/openstack-ccm (chart openstack-cloud-controller-manager, kubernetes/clusters/east/apps/pool.yaml:1), a cloud provider's controller of LoadBalancer services: their addresses come from that cloud's load balancers, not from Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a pool and the service Cilium's loadBalancerClass)",
    });
  });

  it("says kube-vip hands out the addresses where the cluster's services ask it for theirs and no Cilium pool is applied (LeafdTK's)", () => {
    const { files, input } = perClusterLayout();
    files['kubernetes/clusters/east/apps/pool.yaml'] = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: ingress',
      '  namespace: network',
      '  annotations: {kube-vip.io/loadbalancerIPs: 10.60.1.100}',
      'spec: {type: LoadBalancer}',
      '',
    ].join('\n');
    expect(planPerCluster(files, input).problems).toContainEqual({
      field: 'clusters[0].ip',
      message:
        "east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from; its services ask kube-vip for their LoadBalancer addresses (kube-vip.io/loadbalancerIPs on Service network/ingress, kubernetes/clusters/east/apps/pool.yaml:1): kube-vip gives them, not Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a CiliumLoadBalancerIPPool for the clustermesh-apiserver, its addresses left out of kube-vip's range)",
    });
  });

  it('says a managed cloud hands out the addresses where the Cilium values name one (gke.enabled) and no Cilium pool is applied', () => {
    const { files, input } = perClusterLayout();
    files['kubernetes/clusters/east/apps/kustomization.yaml'] =
      'resources:\n  - ./helmrelease.yaml\n';
    const release = 'kubernetes/clusters/east/apps/helmrelease.yaml';
    files[release] += '    gke:\n      enabled: true\n';
    expect(planPerCluster(files, input).problems).toContainEqual({
      field: 'clusters[0].ip',
      message: `east has no CiliumLoadBalancerIPPool to take 10.60.1.10 from; its Cilium values set gke.enabled: true (${release}:12): it runs on GKE, whose own controller gives LoadBalancer services that cloud's load balancers, not addresses from Cilium LB IPAM, which this tool configures (leave the cluster out of the mesh, mesh.exclude, or give it a pool and the service Cilium's loadBalancerClass)`,
    });
  });

  it("says where the repository defines a Cilium HelmRelease no cluster applies, beside why the clusters are outside the mesh (vbalexr's release.yaml not listed)", () => {
    const { files } = perClusterLayout();
    for (const c of ['east', 'west'])
      files[`kubernetes/clusters/${c}/apps/kustomization.yaml`] =
        'resources:\n  - ./pool.yaml\n';
    const reasons = () =>
      validateMesh(createRepoTree(files), perClusterConventions).clusters.map(
        c => c.membership.reason,
      );
    for (const reason of reasons())
      expect(reason).toMatch(
        /; the repository defines HelmRelease cilium of the cilium chart \(kubernetes\/clusters\/(east|west)\/apps\/helmrelease\.yaml:1\), which no kustomization a cluster builds lists: listing it where the cluster's Flux builds may be what is missing$/,
      );
    // built from a source not known here (kube-on-the-cheap's GitRepository
    // platform): the release may be among what is not evaluated, no fix to make
    const unknownSource = { ...files };
    for (const c of ['east', 'west']) {
      const apps = `kubernetes/clusters/${c}/apps.yaml`;
      unknownSource[apps] = unknownSource[apps].replace(
        'name: flux-system}',
        'name: platform}',
      );
    }
    const unknownReasons = validateMesh(
      createRepoTree(unknownSource),
      perClusterConventions,
    ).clusters.map(c => c.membership.reason);
    expect(unknownReasons).toHaveLength(2);
    for (const reason of unknownReasons)
      expect(reason).toMatch(
        /builds GitRepository platform, which no manifest of the repository defines.*; the repository defines HelmRelease cilium of the cilium chart \(kubernetes\/clusters\/(east|west)\/apps\/helmrelease\.yaml:1\), which nothing evaluated here applies: it may be among the parts not evaluated$/,
      );
    // one cluster applies its own: no word of the other's file
    files['kubernetes/clusters/east/apps/kustomization.yaml'] =
      'resources:\n  - ./helmrelease.yaml\n  - ./pool.yaml\n';
    delete files['kubernetes/clusters/west/apps/helmrelease.yaml'];
    expect(reasons().join('\n')).not.toContain('the repository defines');
  });

  it("reads a HelmChart of the cilium chart that Flux applies for k3s's Helm controller (TheKitty-zone's) as the Cilium values, and does not edit its valuesContent", () => {
    const { files, input } = perClusterLayout();
    const chart = 'kubernetes/clusters/east/apps/helmrelease.yaml';
    files[chart] = [
      'apiVersion: helm.cattle.io/v1',
      'kind: HelmChart',
      'metadata:',
      '  name: cilium',
      '  namespace: kube-system',
      'spec:',
      '  repo: https://helm.cilium.io/',
      '  chart: cilium',
      '  version: 1.18.4',
      '  targetNamespace: kube-system',
      '  valuesContent: |-',
      '    cluster:',
      '      name: east',
      '      id: 1',
      '    clustermesh:',
      '      useAPIServer: true',
      '',
    ].join('\n');
    const report = validateMesh(createRepoTree(files), perClusterConventions);
    expect(report.clusters.find(c => c.name === 'east')!.membership).toEqual({
      member: true,
      reason: 'clustermesh.useAPIServer is true in its Cilium values',
      location: { file: chart, line: 16 },
    });
    expect(planPerCluster(files, input).problems).toContainEqual({
      field: chart,
      message: expect.stringMatching(
        /^holds the Cilium values of east in HelmChart kube-system\/cilium \(k3s's or RKE2's Helm controller installs it\), inside its valuesContent text, which configure does not edit: /,
      ),
    });
    // a HelmChart of another chart is no Cilium
    const other = {
      ...files,
      [chart]: files[chart].replace('chart: cilium', 'chart: traefik'),
    };
    expect(
      validateMesh(createRepoTree(other), perClusterConventions).clusters.find(
        c => c.name === 'east',
      )!.membership.member,
    ).toBe(false);
  });

  it("reads RKE2's HelmChartConfig rke2-cilium as the Cilium values, and does not edit its valuesContent", () => {
    const { files, input } = perClusterLayout();
    const config = 'kubernetes/clusters/east/apps/helmrelease.yaml';
    files[config] = [
      'apiVersion: helm.cattle.io/v1',
      'kind: HelmChartConfig',
      'metadata:',
      '  name: rke2-cilium',
      '  namespace: kube-system',
      'spec:',
      '  valuesContent: |-',
      '    cluster:',
      '      name: east',
      '      id: 1',
      '    clustermesh:',
      '      useAPIServer: yes',
      '',
    ].join('\n');
    const report = validateMesh(createRepoTree(files), perClusterConventions);
    // Helm reads valuesContent: `yes` is true there
    expect(report.clusters.find(c => c.name === 'east')!.membership).toEqual({
      member: true,
      reason: 'clustermesh.useAPIServer is true in its Cilium values',
      location: { file: config, line: 12 },
    });
    const plan = planPerCluster(files, input);
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: config,
      message: expect.stringMatching(
        /^holds the Cilium values of east in HelmChartConfig kube-system\/rke2-cilium \(RKE2 installs Cilium\), inside its valuesContent text, which configure does not edit: set clustermesh\.apiserver\.service\.type: LoadBalancer; .*; add \{"name":"west","address":"\$\{CILIUM_CLUSTERMESH_WEST_FQDN\}","port":2379\} to clustermesh\.config\.clusters there by hand .*, or point cilium\.valuesFile at a values file$/,
      ),
    });

    // without cluster.name and cluster.id there: asked for in the same list
    const unnamed = planPerCluster(
      {
        ...files,
        [config]: files[config].replace(
          '    cluster:\n      name: east\n      id: 1\n',
          '',
        ),
      },
      input,
    ).problems.find(p => p.field === config)!;
    expect(unnamed.message).toMatch(
      /; set cluster\.name: east; set cluster\.id to a number of its own \(1\.\.255, none of the other clusters'\) there by hand/,
    );

    // west's too: both named at once, each with what to write there
    const both = planPerCluster(
      {
        ...files,
        'kubernetes/clusters/west/apps/helmrelease.yaml': files[config]
          .replace('name: east', 'name: west')
          .replace('id: 1', 'id: 2'),
      },
      input,
    );
    expect(both.problems.map(p => p.field)).toEqual([
      config,
      'kubernetes/clusters/west/apps/helmrelease.yaml',
    ]);

    // the values written there by hand, as they come out (literals for the
    // variables configure would write): the change goes through, the
    // HelmChartConfig untouched
    files[config] = files[config].replace(
      '      useAPIServer: yes\n',
      [
        '      useAPIServer: true',
        '      apiserver:',
        '        service:',
        '          type: LoadBalancer',
        '          annotations:',
        '            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
        '        tls:',
        '          server:',
        '            extraDnsNames:',
        '              - clustermesh-east.mesh.example.org',
        '      config:',
        '        enabled: true',
        '        clusters:',
        '          - name: west',
        '            address: clustermesh-west.mesh.example.org',
        '            port: 2379',
        '',
      ].join('\n'),
    );
    const written = planPerCluster(files, input);
    expect(written.problems).toEqual([]);
    expect(written.edits.map(e => e.path)).not.toContain(config);
    expect(written.edits.length).toBeGreaterThan(0);
    // a peer it must forget is named, to take out by hand
    const removal = planPerCluster(
      {
        ...files,
        [config]: files[config].replace(
          '            port: 2379\n',
          '            port: 2379\n          - name: north\n            address: clustermesh-north.mesh.example.org\n            port: 2379\n',
        ),
      },
      { ...input, remove: ['north'] },
    );
    expect(removal.problems).toContainEqual({
      field: config,
      message: expect.stringContaining(
        'which configure does not edit: remove clustermesh.config.clusters.1 there by hand',
      ),
    });
  });

  it("says a plain values file both clusters share, which no Kustomization applies, cannot hold each one's LB IP (tonybutt's helm-values.yaml)", () => {
    const { files, input } = perClusterLayout();
    for (const c of ['east', 'west']) {
      files[`kubernetes/clusters/${c}/apps/kustomization.yaml`] =
        'resources:\n  - ./pool.yaml\n';
      delete files[`kubernetes/clusters/${c}/apps/helmrelease.yaml`];
    }
    files['infrastructure/cilium/helm-values.yaml'] =
      'clustermesh:\n  useAPIServer: true\n';
    const plan = planMeshDnsChange(
      createRepoTree(files),
      input,
      resolveConventions({
        fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
        cilium: { valuesFile: 'infrastructure/cilium/helm-values.yaml' },
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: 'infrastructure/cilium/helm-values.yaml',
      message:
        "is shared by east, west, and no Flux Kustomization applies it (an installer or `helm template` reads it), so Flux never substitutes it and it cannot hold each cluster's own CILIUM_CLUSTERMESH_LB_IP: give each cluster a values file of its own (cilium.valuesFile with {cluster}), or write the ClusterMesh values there by hand",
    });
  });

  it("says Cilium is installed from its rendered manifests where a cluster applies its cilium-config, before a part not evaluated (tonybutt's manifests/cilium.yaml)", () => {
    const { files } = perClusterLayout();
    const apps = 'kubernetes/clusters/east/apps';
    files[`${apps}/kustomization.yaml`] =
      'resources:\n  - ./pool.yaml\n  - ./cilium.yaml\n  - ./blog.yaml\n';
    delete files[`${apps}/helmrelease.yaml`];
    files[`${apps}/cilium.yaml`] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata:\n  cluster-name: default\n  cluster-id: "0"\n  identity-allocation-mode: crd\n';
    // another repository's Kustomization, not evaluated
    files[`${apps}/blog.yaml`] =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: blog, namespace: flux-system}\nspec:\n  interval: 1h\n  path: ./deploy\n  prune: true\n  sourceRef: {kind: GitRepository, name: blog}\n';
    const east = validateMesh(
      createRepoTree(files),
      perClusterConventions,
    ).clusters.find(c => c.name === 'east')!;
    expect(east.membership).toEqual({
      member: false,
      unknown: true,
      reason:
        "no HelmRelease cilium is applied to it, but it applies Cilium's own manifests as `helm template` renders them (ConfigMap kube-system/cilium-config, the agent's configuration): their values are not read here; point cilium.valuesFile at the values they are rendered from, or say it in the conventions (mesh.include or mesh.exclude)",
      location: { file: `${apps}/cilium.yaml`, line: 1 },
    });
  });

  it("reads a cluster whose whole rendered chart (its agent DaemonSet) has no clustermesh-apiserver as outside the mesh (panicboat's hydrated manifests), and one with it as not known", () => {
    const membershipWith = (
      extra: string,
      more: Record<string, string> = {},
    ) => {
      const { files } = perClusterLayout();
      Object.assign(files, more);
      const apps = 'kubernetes/clusters/east/apps';
      files[`${apps}/kustomization.yaml`] =
        'resources:\n  - ./pool.yaml\n  - ./cilium.yaml\n';
      delete files[`${apps}/helmrelease.yaml`];
      files[
        `${apps}/cilium.yaml`
      ] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata:\n  cluster-name: default\n  cluster-id: "0"\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec: {}\n${extra}`;
      return validateMesh(
        createRepoTree(files),
        perClusterConventions,
      ).clusters.find(c => c.name === 'east')!;
    };
    const off = membershipWith('');
    expect(off.status).toBe('outside');
    // each cluster's helmfile that CI renders them from installs nothing
    const helmfile =
      'releases:\n  - name: cilium\n    namespace: kube-system\n    chart: cilium/cilium\n    values: [values.yaml]\n';
    expect(
      membershipWith('', {
        'components/cilium/east/helmfile.yaml': helmfile,
        'components/cilium/west/helmfile.yaml': helmfile,
      }).membership,
    ).toEqual(off.membership);
    expect(off.membership).toEqual({
      member: false,
      reason:
        "no HelmRelease cilium is applied to it, and the Cilium manifests it applies as `helm template` renders them (ConfigMap kube-system/cilium-config, the agent's DaemonSet) have no clustermesh-apiserver: ClusterMesh is off there",
      location: { file: 'kubernetes/clusters/east/apps/cilium.yaml', line: 1 },
    });
    const on = membershipWith(
      '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: clustermesh-apiserver, namespace: kube-system}\nspec: {}\n',
    );
    expect(on.status).toBe('not-evaluated');
    expect(on.membership.reason).toMatch(
      /their values are not read here; point cilium\.valuesFile/,
    );
    // a reader of the report tells it from a cluster outside the mesh
    expect(on.membership).toMatchObject({ member: false, unknown: true });
    expect(off.membership).not.toHaveProperty('unknown');
  });

  it("says a cluster runs no Cilium before its address has no pool, where it has neither (sloppycoder's clusters)", () => {
    const { files, input } = perClusterLayout();
    files['kubernetes/clusters/east/apps/kustomization.yaml'] =
      'resources: []\n';
    const plan = planPerCluster(files, input);
    expect(plan.problems.map(p => p.field)).toEqual([
      'clusters[0]',
      'clusters[0].ip',
    ]);
    expect(plan.problems[0].message).toMatch(
      /^no HelmRelease cilium is applied to east/,
    );
  });

  it('says Cilium is installed another way where a cluster applies its pool but no Cilium HelmRelease', () => {
    const { files, input } = perClusterLayout();
    const apps = 'kubernetes/clusters/east/apps';
    files[`${apps}/kustomization.yaml`] = 'resources:\n  - ./pool.yaml\n';
    const plan = planPerCluster(files, input);
    expect(plan.edits).toEqual([]);
    // named by the cluster: the conventions' default HelmRelease path is
    // not a file this layout has, nor one it lacks
    expect(plan.problems).toContainEqual({
      field: 'clusters[0]',
      message:
        "no HelmRelease cilium is applied to east, and no plain values file is configured (conventions cilium.valuesFile); it applies Cilium's CiliumLoadBalancerIPPool east-pool, so Cilium is installed another way: configure writes Cilium values only into a HelmRelease or the values file cilium.valuesFile names",
    });
    // with a part of east not evaluated, the release may be there: not
    // "installed another way"
    // what a ResourceSet makes is not read
    files[`${apps}/kustomization.yaml`] += '  - ./cilium.yaml\n';
    files[`${apps}/cilium.yaml`] = [
      'apiVersion: fluxcd.controlplane.io/v1',
      'kind: ResourceSet',
      'metadata:',
      '  name: cilium',
      '  namespace: kube-system',
      'spec:',
      '  resources: []',
      '',
    ].join('\n');
    expect(
      planPerCluster(files, input).problems.find(p => p.field === 'clusters[0]')
        ?.message,
    ).toMatch(
      /^no HelmRelease cilium is applied to east, and no plain values file is configured \(conventions cilium\.valuesFile\); but one part of what east applies is not evaluated and may hold it \(ResourceSet kube-system\/cilium, applied by Kustomization flux-system\/apps, makes objects from its template, which this engine does not expand \(Flux Operator\); what it applies is not evaluated\)$/,
    );
  });

  it('says where a cluster without a settings ConfigMap has parts not evaluated that may hold it', () => {
    const { files, input } = perClusterLayout();
    const dir = 'kubernetes/clusters/east';
    // east's settings come from elsewhere: none here, and a ResourceSet
    // (not expanded) may make them
    delete files[`${dir}/cluster-settings.yaml`];
    files[`${dir}/kustomization.yaml`] =
      'resources: [flux-system, apps.yaml, settings.yaml]\n';
    files[`${dir}/settings.yaml`] = [
      'apiVersion: fluxcd.controlplane.io/v1',
      'kind: ResourceSet',
      'metadata: {name: settings, namespace: flux-system}',
      'spec: {resources: []}',
      '',
    ].join('\n');
    const problem = planPerCluster(files, input).problems.find(p =>
      /cluster-settings/.test(p.message),
    );
    expect(problem?.message).toMatch(
      /^does not exist, and no ConfigMap cluster-settings is applied to east; but one part of what east applies is not evaluated and may hold it \(ResourceSet flux-system\/settings, applied by Kustomization flux-system\/flux-system, makes objects from its template, which this engine does not expand \(Flux Operator\); what it applies is not evaluated\): create the settings ConfigMap/,
    );
  });

  it("lists new settings beside a ks.yaml inside the folder it builds in the kustomization that applies the ks.yaml, not the folder's own (which its Kustomization builds: Flux reads substituteFrom before it applies)", () => {
    const files = fixtureFiles('configure-no-settings/repo');
    for (const c of ['main', 'staging']) {
      const dir = `kubernetes/${c}/apps/kube-system`;
      const [cilium, config] = files[`${dir}/cilium/install.yaml`]
        .split(/^---\n/m)
        .filter(Boolean);
      // the Kustomization's file in the folder it builds, which does not
      // list it; substituted from a Secret the parent applies
      files[`${dir}/cilium/app/ks.yaml`] = `---\n${cilium
        .replace(
          '  prune: true\n',
          '  prune: true\n  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n',
        )
        // what a parent's patch may select it by
        .replace(
          '  name: cilium\n',
          '  name: cilium\n  annotations:\n    config.home-ops.io/managed: "true"\n',
        )}`;
      files[`${dir}/cilium/install.yaml`] = `---\n${config}`;
      files[`${dir}/cluster-secrets.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\nstringData:\n  SECRET_DOMAIN: example.org\n';
      files[`${dir}/kustomization.yaml`] = files[
        `${dir}/kustomization.yaml`
      ].replace(
        '  - ./cilium/install.yaml\n',
        '  - ./cluster-secrets.yaml\n  - ./cilium/app/ks.yaml\n  - ./cilium/install.yaml\n',
      );
    }
    const conventions = (tree: RepoTree) =>
      resolveConventions(
        { fqdnTemplate: 'clustermesh-{cluster}.example.org' },
        detectConventions(tree),
      );
    const { plan, after } = applied(
      files,
      mainAndStaging,
      conventions(createRepoTree(files)),
    );
    expect(plan.problems).toEqual([]);
    const dir = 'kubernetes/main/apps/kube-system';
    expect(after[`${dir}/cilium/app/cluster-settings.yaml`]).toMatch(
      /name: cluster-settings/,
    );
    // applied with the ks.yaml, before the Kustomization reads it
    expect(after[`${dir}/kustomization.yaml`]).toContain(
      '  - ./cilium/app/ks.yaml\n  - ./cilium/app/cluster-settings.yaml\n',
    );
    expect(after[`${dir}/cilium/app/kustomization.yaml`]).not.toContain(
      'cluster-settings',
    );
    // the new Kustomization carries what a parent's patch selects by
    expect(
      after[`${dir}/cilium/app/ks.yaml`].match(
        /config\.home-ops\.io\/managed: "true"/g,
      ),
    ).toHaveLength(2);
    // the record's target is the settings' variable from the first run on
    expect(after[`${dir}/cilium/app/clustermesh/dnsendpoint.yaml`]).toContain(
      '${CILIUM_CLUSTERMESH_LB_IP}',
    );
    const again = applied(
      after,
      mainAndStaging,
      conventions(createRepoTree(after)),
    );
    expect(again.plan.edits).toEqual([]);
    // Flux applies it: the report of the result finds the settings
    const report = validateMesh(
      createRepoTree(after),
      conventions(createRepoTree(after)),
    );
    const present = report.clusters
      .find(c => c.name === 'main')!
      .checks.find(c => c.ruleId === 'settings-present');
    expect(present?.outcome).toBe('pass');
  });

  it('lists, not refuses, an undefined variable the change does not touch that shows only once the settings ConfigMap it creates is in the repository (named before, defined nowhere)', () => {
    const files = fixtureFiles('configure-no-settings/repo');
    const optional =
      '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n        optional: true\n';
    for (const c of ['main', 'staging']) {
      const dir = `kubernetes/${c}/apps/kube-system/cilium`;
      // both Kustomizations of the folder name the settings, which no
      // manifest defines (made by hand, or not there yet)
      files[`${dir}/install.yaml`] = files[`${dir}/install.yaml`].replace(
        / {2}prune: true\n/g,
        `  prune: true\n${optional}`,
      );
      // the pool's Kustomization uses a variable nothing here defines
      files[`${dir}/config/lb-pool.yaml`] = files[
        `${dir}/config/lb-pool.yaml`
      ].replace(
        '  name: ${c}-pool\n'.replace('${c}', c),
        `  name: ${c}-pool\n  labels:\n    owner: \${POOL_OWNER}\n`,
      );
    }
    const tree = createRepoTree(files);
    const conventions = resolveConventions({}, detectConventions(tree));
    expect(
      validateMesh(tree, conventions).findings.filter(
        f => f.code === 'substitution-failed',
      ),
    ).toEqual([]);
    const plan = planMeshDnsChange(tree, mainAndStaging, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.alreadyThere).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(
          /\$\{POOL_OWNER\} is not defined .*\(known only now: ConfigMap cluster-settings, which Kustomizations named \(optional\) but no manifest defined, is the one the change creates \(.*\), so before, POOL_OWNER might have come from it; the change does not touch POOL_OWNER: if the clusters have no such ConfigMap yet, Flux fails on it already\)$/,
        ),
      }),
    );
  });

  it('says when the ExternalDNS that would publish the record brings no DNSEndpoint CRD (chart before 1.14.4) and no file applies one', () => {
    const tree = fixtureTree('configure-no-settings/repo', files => {
      for (const c of ['main', 'staging']) {
        const release = `kubernetes/${c}/apps/network/external-dns/app/helmrelease.yaml`;
        files[release] = files[release].replace(
          'version: 1.19.0',
          'version: 1.13.1',
        );
      }
    });
    const plan = planMeshDnsChange(
      tree,
      mainAndStaging,
      resolveConventions(
        { fqdnTemplate: 'clustermesh-{cluster}.example.org' },
        detectConventions(tree),
      ),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^No DNSEndpoint CRD is applied to main, staging: HelmRelease network\/external-dns: chart external-dns 1\.13\.1 has no DNSEndpoint CRD \(the chart ships it from 1\.14\.4\)\. Install it/,
      ),
    );
    // the CRDs of another GitRepository, not read here, may bring it: said
    const files = Object.fromEntries(
      tree.paths().map(p => [p, new TextDecoder().decode(tree.read(p)!)]),
    );
    const install = 'kubernetes/main/apps/network/external-dns/install.yaml';
    const withCrds = createRepoTree({
      ...files,
      [install]: `${files[install]}---\n${externalDnsCrdsFromGit}`,
    });
    const noted = planMeshDnsChange(
      withCrds,
      mainAndStaging,
      resolveConventions(
        { fqdnTemplate: 'clustermesh-{cluster}.example.org' },
        detectConventions(withCrds),
      ),
    );
    expect(noted.decisions).toContainEqual(
      expect.stringMatching(
        /^No DNSEndpoint CRD is applied to main, staging: .* among what is read \(one part with CRDs is not evaluated and may apply it: .*external-dns-crd.*\)\. Install it/,
      ),
    );
  });

  it('writes the same entries in a copy of the settings another Kustomization applies alike, so the two stay one version (lucas-dclrcq), and not in a copy that differs', () => {
    const files = exampleFiles('gitops-repo');
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      // a second copy in a folder another Kustomization applies, substituted alike
      files[`${dir}/kustomization.yaml`] += '  - vars-copy.yaml\n';
      files[`${dir}/vars-copy.yaml`] = files[`${dir}/vars.yaml`]
        .replace(`name: cluster-${c}-vars`, `name: cluster-${c}-vars-copy`)
        .replace(`path: ./${dir}/vars`, `path: ./${dir}/vars-copy`);
      files[`${dir}/vars-copy/kustomization.yaml`] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cluster-settings.yaml\n';
      files[`${dir}/vars-copy/cluster-settings.yaml`] =
        files[`${dir}/cluster-settings.yaml`];
    }
    const input = {
      clusters: [
        { name: 'infra', ip: '10.25.11.101' },
        { name: 'apps', ip: '10.25.11.121' },
      ],
    };
    const { plan, after } = applied(files, input);
    expect(plan.problems).toEqual([]);
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      expect(after[`${dir}/vars-copy/cluster-settings.yaml`]).toBe(
        after[`${dir}/cluster-settings.yaml`],
      );
    }
    expect(after['kubernetes/clusters/infra/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: "10.25.11.101"',
    );
    expect(plan.decisions).toContainEqual(
      // the copy applied last is the one read: the first is the twin
      'infra: ConfigMap cluster-settings is applied alike by Kustomization flux-system/cluster-infra-vars from kubernetes/clusters/infra/cluster-settings.yaml too: its entries go there as well, so the two stay one version.',
    );
    // the result is one version of the object: nothing flips
    const report = validateMesh(createRepoTree(after), withDomain);
    expect(report.findings.filter(f => /two versions/.test(f.message))).toEqual(
      [],
    );
    // a copy that already differs is not made to agree by this change:
    // the warning names it
    const differs = { ...files };
    differs['kubernetes/clusters/infra/vars-copy/cluster-settings.yaml'] =
      files['kubernetes/clusters/infra/cluster-settings.yaml'].replace(
        'CLUSTER_ID: "1"',
        'CLUSTER_ID: "1"\n  TIMEZONE: UTC',
      );
    const other = applied(differs, input);
    expect(
      other.after['kubernetes/clusters/infra/vars-copy/cluster-settings.yaml'],
    ).toBe(
      differs['kubernetes/clusters/infra/vars-copy/cluster-settings.yaml'],
    );
    expect(
      validateMesh(createRepoTree(other.after), withDomain).findings.map(
        f => f.message,
      ),
    ).toContainEqual(expect.stringContaining('two versions of one object'));
  });

  it('puts new settings keys in their place when the settings are kept in order', () => {
    const files = exampleFiles('gitops-repo');
    for (const c of ['infra', 'apps'])
      files[`kubernetes/clusters/${c}/cluster-settings.yaml`] = [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: cluster-settings',
        '  namespace: flux-system',
        'data:',
        `  CLUSTER_ID: "${c === 'infra' ? 1 : 2}"`,
        `  CLUSTER_NAME: "${c}"`,
        '  TIMEZONE: "Europe/Paris"',
        '',
      ].join('\n');
    const { plan, after } = applied(files, storyInput);
    expect(plan.problems).toEqual([]);
    const data = Object.keys(
      (parse(after['kubernetes/clusters/infra/cluster-settings.yaml']) as any)
        .data,
    );
    expect(data).toEqual([...data].sort());
    expect(data).toContain('CILIUM_CLUSTERMESH_LB_IP');
  });

  it("creates each cluster's settings in its own folder when the Cilium values' Kustomization, shared by the clusters, already names them (optional)", () => {
    const files = fixtureFiles('configure-component-ks/repo');
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      // the plain settings under another name; cluster-settings named, optional
      files[`${dir}/cluster-vars.yaml`] = files[
        `${dir}/cluster-settings.yaml`
      ].replace('name: cluster-settings', 'name: cluster-vars');
      delete files[`${dir}/cluster-settings.yaml`];
      files[`${dir}/kustomization.yaml`] = files[
        `${dir}/kustomization.yaml`
      ].replace('./cluster-settings.yaml', './cluster-vars.yaml');
      files[`${dir}/infrastructure.yaml`] = files[
        `${dir}/infrastructure.yaml`
      ].replace('name: cluster-settings', 'name: cluster-vars');
    }
    for (const file of Object.keys(files))
      if (file.endsWith('/ks.yaml'))
        files[file] = files[file].replace(
          'name: cluster-settings',
          'name: cluster-vars',
        );
    const ks = 'kubernetes/infrastructure/networking/cilium/core/ks.yaml';
    files[ks] = files[ks].replace(
      '      - kind: ConfigMap\n        name: cluster-vars\n',
      '      - kind: ConfigMap\n        name: cluster-vars\n      - kind: ConfigMap\n        name: cluster-settings\n        optional: true\n',
    );
    expect(files[ks]).toContain('optional: true');
    const { plan, after } = applied(files, storyInput, defaultConventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toEqual(
      expect.arrayContaining([
        'kubernetes/clusters/infra/cluster-settings.yaml',
        'kubernetes/clusters/infra/kustomization.yaml',
        'kubernetes/clusters/apps/cluster-settings.yaml',
      ]),
    );
    expect(after['kubernetes/clusters/infra/cluster-settings.yaml']).toMatch(
      /name: cluster-settings\n {2}namespace: flux-system\ndata:\n {2}CILIUM_CLUSTERMESH_FQDN: clustermesh-infra\.example\.io\n {2}CILIUM_CLUSTERMESH_LB_IP: 10\.25\.11\.100\n/,
    );
    expect(after['kubernetes/clusters/infra/kustomization.yaml']).toContain(
      '  - ./cluster-settings.yaml\n',
    );
    expect(plan.decisions.join('\n')).toContain(
      "infra: no settings ConfigMap was applied, so kubernetes/clusters/infra/cluster-settings.yaml is created in the cluster's own folder, applied by Kustomization flux-system/cluster-infra-config, for Kustomization flux-system/cilium-core, which applies the Cilium values and substitutes from it already (optional).",
    );
    // validated afterwards, and a second run writes nothing
    expect(plan.report?.summary.errors).toBe(0);
    const again = applied(after, storyInput, defaultConventions);
    expect(again.plan.edits).toEqual([]);
    // the clusters' folders with no kustomization file (Flux generates one
    // that takes every file): the new settings file needs no listing
    const generated = { ...files };
    for (const c of ['infra', 'apps'])
      delete generated[`kubernetes/clusters/${c}/kustomization.yaml`];
    const unlisted = applied(generated, storyInput, defaultConventions);
    expect(unlisted.plan.problems).toEqual([]);
    expect(unlisted.plan.edits.map(e => e.path)).toEqual(
      expect.arrayContaining([
        'kubernetes/clusters/infra/cluster-settings.yaml',
        'kubernetes/clusters/apps/cluster-settings.yaml',
      ]),
    );
    expect(
      unlisted.plan.edits
        .map(e => e.path)
        .filter(p => p.startsWith('kubernetes/clusters/')),
    ).toEqual([
      'kubernetes/clusters/apps/cluster-settings.yaml',
      'kubernetes/clusters/infra/cluster-settings.yaml',
    ]);
    expect(unlisted.plan.report?.summary.errors).toBe(0);
  });

  it('says why Flux substitutes nothing in the shared Cilium values where the Kustomization applying them fails: its settings are not in its namespace (tscibilia)', () => {
    const files = fixtureFiles('configure-component-ks/repo');
    // the components' Flux Kustomizations land in kube-system; the
    // clusters' settings stay in flux-system
    files['kubernetes/infrastructure/networking/kustomization.yaml'] +=
      'namespace: kube-system\n';
    // the domain only in a SOPS Secret: the FQDN goes as the template
    const secrets = exampleFiles(
      'templates/clustermesh-dns/gitops-repo-before',
    )['kubernetes/clusters/apps/cluster-secrets.sops.yaml'];
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      files[`${dir}/cluster-settings.yaml`] = files[
        `${dir}/cluster-settings.yaml`
      ].replace(/ +SECRET_DOMAIN: .*\n/, '');
      files[`${dir}/cluster-secrets.sops.yaml`] = secrets;
      files[`${dir}/kustomization.yaml`] += '  - ./cluster-secrets.sops.yaml\n';
      files[`${dir}/infrastructure.yaml`] +=
        '      - kind: Secret\n        name: cluster-secrets\n';
    }
    files['kubernetes/infrastructure/networking/cilium/core/ks.yaml'] +=
      '      - kind: Secret\n        name: cluster-secrets\n';
    const plan = planMeshDnsChange(
      createRepoTree(files),
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      resolveConventions({}, detectConventions(createRepoTree(files))),
    );
    const refusal = plan.problems.find(p =>
      p.message.startsWith('is shared by'),
    );
    expect(refusal?.field).toBe(
      'kubernetes/infrastructure/networking/cilium/core/app/helmrelease.yaml',
    );
    expect(refusal?.message).toMatch(
      /^is shared by apps, infra, and Flux fails Kustomization kube-system\/cilium-core of apps, infra, which applies it, before it substitutes anything \(kubernetes\/infrastructure\/networking\/cilium\/core\/ks\.yaml:\d+: ConfigMap kube-system\/cluster-settings is named by substituteFrom, but cluster \w+ has ConfigMap cluster-settings only in namespace flux-system/,
    );
    // not the advice to substitute a name variable the values already have,
    // nor to write the domain in the template: the failing apply is the fix
    expect(refusal?.message).not.toContain('a variable holding each cluster');
    expect(refusal?.message).not.toContain('FQDN template');
    expect(refusal?.message).toMatch(
      /\): no value of its Kustomization reaches the file until that is fixed$/,
    );
  });

  it("writes the records' new kustomization as the nearest one above is written when Flux generates the Cilium folder's", () => {
    const files = fixtureFiles('configure-component-ks/repo');
    // Flux generates the kustomization of Cilium's app folder
    delete files[
      'kubernetes/infrastructure/networking/cilium/core/app/kustomization.yaml'
    ];
    const { plan, after } = applied(files, {
      clusters: [
        { name: 'infra', ip: '10.25.11.100' },
        { name: 'apps', ip: '10.25.11.120' },
      ],
    });
    expect(plan.problems).toEqual([]);
    // as kubernetes/infrastructure/networking/cilium/kustomization.yaml:
    // `---`, indented `./` entries
    expect(
      after[
        'kubernetes/infrastructure/networking/cilium/core/clustermesh/kustomization.yaml'
      ],
    ).toBe(
      '---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./dnsendpoint.yaml\n',
    );
  });

  describe('in a repository with no settings and no substitution', () => {
    /** Its conventions as the CLI reads them: the file, then detection. */
    const noSettingsConventions = (files: Record<string, string>) => {
      const explicit = readConventionsFile(files['.clustermesh-dns.yaml']);
      return detectedIn(files, explicit);
    };
    /**
     * A cluster's `cluster-apps` with spec.patches that give every child
     * Kustomization one optional substitution source (as home-ops parents do).
     */
    const patchChildrenSource = (
      files: Record<string, string>,
      cluster: string,
      source: { kind: string; name: string },
    ) => {
      files[`kubernetes/${cluster}/cluster/config/cluster-apps.yaml`] +=
        childrenSubstitutionPatch([{ ...source, optional: true }]);
    };

    /**
     * The FQDN template's domain kept secret: each cluster's cluster-secrets
     * (SOPS) in kube-system, the namespace of the Kustomization applying the
     * Cilium values; settings not forced by the conventions.
     */
    const withSecretDomain = (files: Record<string, string>) => {
      files['.clustermesh-dns.yaml'] = files['.clustermesh-dns.yaml']
        .replace(
          'fqdnTemplate: clustermesh-{cluster}.example.org',
          'fqdnTemplate: clustermesh-{cluster}.${SECRET_DOMAIN}',
        )
        .replace('settings:\n  create: always\n', '');
      for (const cluster of ['main', 'staging']) {
        const dir = `kubernetes/${cluster}/apps/kube-system`;
        files[`${dir}/cluster-secrets.sops.yaml`] =
          'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets}\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:ZXhhbXBsZS5vcmc=,iv:aXY=,tag:dGFn,type:str]\nsops:\n  version: 3.8.1\n';
        files[`${dir}/kustomization.yaml`] +=
          '  - ./cluster-secrets.sops.yaml\n';
      }
    };

    /** The configure-no-settings fixture (its own conventions), planned. */
    const planNoSettings = (edit?: (files: Record<string, string>) => void) => {
      const files = fixtureFiles('configure-no-settings/repo');
      edit?.(files);
      const conventions = noSettingsConventions(files);
      return applied(files, mainAndStaging, conventions);
    };

    it("creates each cluster's settings next to the Kustomization applying its Cilium values, which substitutes from them", () => {
      const { plan, after } = planNoSettings();
      expect(plan.problems).toEqual([]);
      const settings =
        'kubernetes/main/apps/kube-system/cilium/cluster-settings.yaml';
      expect(after[settings]).toContain('CILIUM_CLUSTERMESH_LB_IP: 10.11.1.20');
      expect(
        after['kubernetes/main/apps/kube-system/kustomization.yaml'],
      ).toMatch(
        /- \.\/cilium\/install\.yaml\n {2}- \.\/cilium\/cluster-settings\.yaml\n/,
      );
      expect(
        after['kubernetes/main/apps/kube-system/cilium/install.yaml'],
      ).toMatch(
        /interval: 30m\n {2}postBuild:\n {4}substituteFrom:\n {6}- kind: ConfigMap\n {8}name: cluster-settings\n---/,
      );
      // the ConfigMap is the cluster's settings once written: a new address
      // changes its LB IP, and nothing is created again
      const moved = planMeshDnsChange(
        createRepoTree(after),
        { clusters: [{ name: 'main', ip: '10.11.1.21' }] },
        noSettingsConventions(after),
      );
      expect(moved.problems).toEqual([]);
      expect(moved.edits.map(e => e.path)).toEqual([settings]);
    });

    it("has the Kustomization substitute from the Secret of its namespace that holds the FQDN template's domain too, where it reads none (phekno's copy: the cluster-template's cluster-secrets in every namespace)", () => {
      const { plan, after } = planNoSettings(files => {
        withSecretDomain(files);
      });
      expect(plan.problems).toEqual([]);
      const install = 'kubernetes/main/apps/kube-system/cilium/install.yaml';
      expect(after[install]).toMatch(
        /interval: 30m\n {2}postBuild:\n {4}substituteFrom:\n {6}- kind: ConfigMap\n {8}name: cluster-settings\n {6}- kind: Secret\n {8}name: cluster-secrets\n---/,
      );
      expect(plan.summary).toContain(
        'and from Secret cluster-secrets (kubernetes/main/apps/kube-system/cluster-secrets.sops.yaml), which holds SECRET_DOMAIN of its FQDN template in that namespace',
      );
      // the domain stays where Flux substitutes it, never written out
      expect(
        after['kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml'],
      ).toContain('- clustermesh-main.${SECRET_DOMAIN}');
    });

    it('refuses, naming the patch, where a Flux Kustomization patches the ClusterMesh values it writes into the release inline (they win over the HelmRelease)', () => {
      const withPatch = (op: string) =>
        planNoSettings(files => {
          const install =
            'kubernetes/main/apps/kube-system/cilium/install.yaml';
          files[install] = files[install].replace(
            '  interval: 30m\n---',
            [
              '  interval: 30m',
              '  patches:',
              '    - target: {kind: HelmRelease, name: cilium}',
              '      patch: |',
              ...op.split('\n').map(l => `        ${l}`),
              '---',
            ].join('\n'),
          );
        }).plan;
      const refused = withPatch(
        '- op: add\n  path: /spec/values/clustermesh\n  value:\n    useAPIServer: true\n    apiserver:\n      service:\n        type: LoadBalancer',
      );
      expect(refused.edits).toEqual([]);
      expect(refused.problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /^the ClusterMesh values of HelmRelease kube-system\/cilium \(clustermesh\.apiserver\.service, clustermesh\.apiserver\.tls\.server\.extraDnsNames, clustermesh\.config\.clusters\) are set by a patch written inline at kubernetes\/main\/apps\/kube-system\/cilium\/install\.yaml:\d+, which configure does not edit .*: move the patch to a file of its own, listed in a kustomization\.yaml of the folder the Kustomization builds \(a Flux Kustomization's spec\.patches takes inline text only\)/,
        ),
      });
      // a patch of other values (the cluster's id): nothing it writes is overridden
      const other = withPatch(
        '- op: add\n  path: /spec/values/cluster/id\n  value: 7',
      );
      expect(
        other.problems.filter(p => p.message.includes('written inline')),
      ).toEqual([]);
      // a strategic merge of the service's type (dokokitsune's copy): it
      // merges into the release's values, so what configure writes beside
      // it is kept; one of another type wins over it
      const merge = (type: string) =>
        withPatch(
          `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium, namespace: kube-system}\nspec: {values: {clustermesh: {apiserver: {service: {type: ${type}}}}}}`,
        );
      const merged = merge('LoadBalancer');
      expect(merged.problems).toEqual([]);
      expect(merged.report!.summary.errors).toBe(0);
      expect(
        merged.edits.find(e => e.path.endsWith('cilium/app/helmrelease.yaml'))
          ?.after,
      ).toContain('lbipam.cilium.io/ips:');
      expect(merge('NodePort').problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /^the ClusterMesh values of HelmRelease kube-system\/cilium \(clustermesh\.apiserver\.service\) are set by a patch written inline/,
        ),
      });
    });

    it("writes the entries in the Kustomization's own postBuild.substitute where a parent's merge patch sets its substituteFrom (h-wb's cluster-apps: the map is merged, the list replaced)", () => {
      const { plan, after } = planNoSettings(files => {
        withSecretDomain(files);
        for (const cluster of ['main', 'staging'])
          patchChildrenSource(files, cluster, {
            kind: 'Secret',
            name: 'cluster-secrets',
          });
      });
      expect(plan.problems).toEqual([]);
      const install = 'kubernetes/main/apps/kube-system/cilium/install.yaml';
      expect(after[install]).toMatch(
        /name: cilium\nspec:\n[^]*?interval: 30m\n {2}postBuild:\n {4}substitute:\n {6}CILIUM_CLUSTERMESH_LB_IP: 10\.11\.1\.20\n---/,
      );
      // the FQDN, of a secret domain, as its template where Flux substitutes
      expect(
        after['kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml'],
      ).toContain('- clustermesh-main.${SECRET_DOMAIN}');
      // no ConfigMap created, no substituteFrom the patch would replace
      expect(
        Object.keys(after).filter(f => f.endsWith('cluster-settings.yaml')),
      ).toEqual([]);
      expect(after[install]).not.toContain('substituteFrom');
    });

    it("writes the values out where a parent's spec.patches sets the Kustomization's substituteFrom and the FQDN template has no variables (martinohmann's cluster-apps)", () => {
      const { plan, after } = planNoSettings(files => {
        files['.clustermesh-dns.yaml'] = files['.clustermesh-dns.yaml'].replace(
          'settings:\n  create: always\n',
          '',
        );
        patchChildrenSource(files, 'main', {
          kind: 'Secret',
          name: 'cluster-secrets',
        });
      });
      expect(plan.problems).toEqual([]);
      expect(plan.decisions).toContainEqual(
        expect.stringContaining(
          'Kustomization kube-system/cilium applies it substituting only from what the spec.patches of Kustomization flux-system/cluster-apps set (Secret cluster-secrets), where no settings ConfigMap can be added, and the FQDN template has no variables',
        ),
      );
      const release =
        'kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml';
      expect(after[release]).toContain('lbipam.cilium.io/ips: 10.11.1.20');
      expect(after[release]).toContain('- clustermesh-main.example.org');
      // nothing wired into the patched list
      expect(
        after['kubernetes/main/apps/kube-system/cilium/install.yaml'],
      ).not.toContain('cluster-settings');
    });

    it("refuses, naming the patch, where a parent's spec.patches sets the Kustomization's substituteFrom (an entry added to it would be replaced)", () => {
      const { plan } = planNoSettings(files =>
        patchChildrenSource(files, 'main', {
          kind: 'Secret',
          name: 'cluster-secrets',
        }),
      );
      expect(plan.edits).toEqual([]);
      expect(plan.problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /^declares Kustomization kube-system\/cilium, which applies the Cilium values of main; its postBuild\.substituteFrom is set by the spec\.patches of Kustomization flux-system\/cluster-apps \(kubernetes\/main\/cluster\/config\/cluster-apps\.yaml\) \(Secret cluster-secrets\), which would replace an entry added here: add \{kind: ConfigMap, name: cluster-settings, optional: true\} to that list \(.*\), and configure then writes it next to this Kustomization/,
        ),
      });
      // the same where the Kustomization declares a list as long as the
      // patch's (an entry added to it is replaced all the same)
      const { plan: declared } = planNoSettings(files => {
        patchChildrenSource(files, 'main', {
          kind: 'Secret',
          name: 'cluster-secrets',
        });
        const install = 'kubernetes/main/apps/kube-system/cilium/install.yaml';
        files[install] = files[install].replace(
          /\nspec:\n/,
          '\nspec:\n  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: cluster-secrets}\n',
        );
      });
      expect(declared.problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /^declares Kustomization kube-system\/cilium, which applies the Cilium values of main; its postBuild\.substituteFrom is set by the spec\.patches of Kustomization flux-system\/cluster-apps/,
        ),
      });
      // a ConfigMap in the patch's list, applied from here, may be the
      // settings under another name
      const { plan: listed } = planNoSettings(files => {
        patchChildrenSource(files, 'main', {
          kind: 'ConfigMap',
          name: 'cluster-config',
        });
        files['kubernetes/main/cluster/config/cluster-config.yaml'] =
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-config\n  namespace: flux-system\ndata:\n  TZ: UTC\n';
        files['kubernetes/main/cluster/config/kustomization.yaml'] +=
          '  - ./cluster-config.yaml\n';
      });
      expect(listed.problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /\(ConfigMap cluster-config\), which would replace an entry added here: .*; or, if ConfigMap cluster-config holds the cluster's settings, name it in the conventions' settings\.configMap and configure writes them there$/,
        ),
      });
      // one made outside the repository cannot take them: not offered
      const { plan: outside } = planNoSettings(files =>
        patchChildrenSource(files, 'main', {
          kind: 'ConfigMap',
          name: 'cluster-config',
        }),
      );
      expect(
        outside.problems.find(
          p =>
            p.field === 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        )?.message,
      ).not.toContain('settings.configMap');
    });

    it('creates no settings ConfigMap under a name the repository substitutes from but does not define (made outside it)', () => {
      const { plan } = planNoSettings(files => {
        // each cluster's bootstrap Kustomization (applied by hand, not by
        // Flux from here) names it
        for (const c of ['main', 'staging'])
          files[`kubernetes/${c}/bootstrap.yaml`] = [
            'apiVersion: kustomize.toolkit.fluxcd.io/v1',
            'kind: Kustomization',
            'metadata: {name: bootstrap, namespace: flux-system}',
            'spec:',
            `  path: ./kubernetes/${c}/cluster/config`,
            '  sourceRef: {kind: GitRepository, name: flux-system}',
            '  postBuild:',
            '    substituteFrom:',
            '      - {kind: ConfigMap, name: cluster-vars}',
            '',
          ].join('\n');
      });
      expect(plan.edits).toEqual([]);
      expect(plan.problems).toContainEqual({
        field: 'kubernetes/main/apps/kube-system/cilium/install.yaml',
        message: expect.stringMatching(
          /^applies the Cilium values of main; the settings ConfigMap cluster-vars, which Kustomizations of the repository substitute from \(.*\), is defined by no file of it: it is made outside the repository, and one written here would be taken over by Flux/,
        ),
      });
    });

    it("gives a new DNSEndpoint what the --annotation-filter of the cluster's ExternalDNS asks for", () => {
      const { plan, after } = planNoSettings(files => {
        for (const c of ['main', 'staging']) {
          const hr = `kubernetes/${c}/apps/network/external-dns/app/helmrelease.yaml`;
          files[hr] = files[hr].replace(
            '      - --crd-source-kind=DNSEndpoint\n',
            '      - --crd-source-kind=DNSEndpoint\n      - --annotation-filter=external-dns.alpha.kubernetes.io/target\n',
          );
        }
      });
      expect(plan.problems).toEqual([]);
      expect(
        after[
          'kubernetes/main/apps/kube-system/cilium/clustermesh/dnsendpoint.yaml'
        ],
      ).toContain(
        '  annotations:\n    external-dns.alpha.kubernetes.io/target: ${CILIUM_CLUSTERMESH_LB_IP}\n',
      );
      // validated afterwards: ExternalDNS takes it
      expect(plan.report?.summary.errors).toBe(0);
    });

    const readingHelmfile = (files: Record<string, string>) => {
      files['kubernetes/main/bootstrap/helmfile.yaml.gotmpl'] = [
        'releases:',
        '  - name: cilium',
        '    namespace: kube-system',
        '    chart: oci://ghcr.io/home-operations/charts-mirror/cilium',
        '    values:',
        `      - '{{ readFile "../apps/kube-system/cilium/app/helmrelease.yaml" | fromYaml | get "spec.values" | toYaml }}'`,
        '',
      ].join('\n');
    };
    const mainRelease =
      'kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml';
    /** A bootstrap helmfile that reads every cluster's values file, from the folder the bootstrap gives. */
    const sharedHelmfile = (files: Record<string, string>) => {
      files['kubernetes/shared/bootstrap/helmfile.yaml'] = [
        'releases:',
        '  - name: cilium',
        '    namespace: kube-system',
        '    chart: cilium/cilium',
        `    values: ['{{ requiredEnv "CLUSTER_DIR" }}/apps/kube-system/cilium/app/helmrelease.yaml']`,
        '',
      ].join('\n');
    };
    /** The FQDN template's domain as a variable. */
    const domainInTemplate = (
      files: Record<string, string>,
      variable: string,
    ) => {
      files['.clustermesh-dns.yaml'] = files['.clustermesh-dns.yaml'].replace(
        'fqdnTemplate: clustermesh-{cluster}.example.org',
        `fqdnTemplate: clustermesh-{cluster}.\${${variable}}`,
      );
    };

    it("applies the record with Cilium where the cluster's own bootstrap installs the external-dns chart, and not for a cluster another's bootstrap installs (Ming-A's, LeoEliot's copies)", () => {
      const { plan, after } = planNoSettings(files => {
        // the cluster-template's helmfile.d in main's folder: a CRD step,
        // and the apps step installing main's Cilium values
        const dir = 'kubernetes/main/bootstrap/helmfile.d';
        files[`${dir}/00-crds.yaml`] = [
          'helmDefaults:',
          '  args: [--include-crds, --no-hooks]',
          'releases:',
          '  - name: cloudflare-dns',
          '    namespace: network',
          '    chart: oci://ghcr.io/home-operations/charts-mirror/external-dns',
          '',
        ].join('\n');
        files[`${dir}/01-apps.yaml`] = [
          'releases:',
          '  - name: cilium',
          '    namespace: kube-system',
          '    chart: oci://ghcr.io/home-operations/charts-mirror/cilium',
          '    values:',
          `      - '{{ readFile "../../apps/kube-system/cilium/app/helmrelease.yaml" | fromYaml | get "spec.values" | toYaml }}'`,
          '',
        ].join('\n');
      });
      expect(plan.problems).toEqual([]);
      const ks = (c: string) =>
        parseAllDocuments(
          after[`kubernetes/${c}/apps/kube-system/cilium/install.yaml`],
        ).map(d => d.toJS().metadata.name);
      // main has the DNSEndpoint CRD from its bootstrap: no Kustomization of its own
      expect(ks('main')).toEqual(['cilium', 'cilium-config']);
      expect(ks('staging')).toEqual([
        'cilium',
        'cilium-config',
        'cilium-clustermesh',
      ]);
      const notes = plan.decisions.filter(d => /DNSEndpoint/.test(d));
      expect(notes).toEqual([
        'The DNSEndpoint of main goes in kubernetes/main/apps/kube-system/cilium/app/dnsendpoint.yaml, next to the Cilium HelmRelease, which is applied to main with substitution.',
        expect.stringMatching(
          /^The DNSEndpoint of main is applied with the Cilium HelmRelease \(by cilium\); kubernetes\/main\/bootstrap\/helmfile\.d\/00-crds\.yaml installs the external-dns chart when a cluster is bootstrapped/,
        ),
        // staging's own Kustomization, and main's bootstrap not named for it
        expect.stringMatching(
          /^The DNSEndpoint of staging goes in kubernetes\/staging\/apps\/kube-system\/cilium\/clustermesh\/dnsendpoint\.yaml, applied by a new Flux Kustomization, cilium-clustermesh [^]*a new cluster without the DNSEndpoint CRD yet would fail the whole apply, Cilium included; external-dns does not wait for what it applies \(no spec\.wait or healthChecks\), so on a new cluster cilium-clustermesh may run before the chart has installed the CRD: it fails, and Flux retries it until the CRD is there\.$/,
        ),
      ]);
      expect(plan.report?.summary.errors).toBe(0);
    });

    it("says the records' Kustomization follows ExternalDNS's only as far as that one waits (Roxedus' wait: false)", () => {
      const waiting = planNoSettings(files => {
        for (const c of ['main', 'staging'])
          files[`kubernetes/${c}/apps/network/external-dns/install.yaml`] +=
            '  wait: true\n';
      }).plan.decisions.filter(d => /new Flux Kustomization/.test(d));
      expect(waiting.length).toBeGreaterThan(0);
      for (const d of waiting) {
        expect(d).toMatch(/after cilium and external-dns/);
        expect(d).not.toMatch(/does not wait/);
      }
      const unwaited = planNoSettings().plan.decisions.filter(d =>
        /new Flux Kustomization/.test(d),
      );
      expect(unwaited.length).toBeGreaterThan(0);
      for (const d of unwaited)
        expect(d).toMatch(/external-dns does not wait for what it applies/);
    });

    it('writes the values out in a file of one cluster that a bootstrap helmfile installs as it is', () => {
      const { plan, after } = planNoSettings(readingHelmfile);
      expect(plan.problems).toEqual([]);
      // the helmfile gets the address and names, not `${...}` it cannot substitute
      expect(after[mainRelease]).toContain('lbipam.cilium.io/ips: 10.11.1.20');
      expect(after[mainRelease]).toContain('clustermesh-staging.example.org');
      expect(after[mainRelease]).not.toContain('${');
      expect(plan.decisions).toContainEqual(
        `main: the Cilium values are written out in ${mainRelease} (its LB IP and FQDNs as they are, not by settings variable), because kubernetes/main/bootstrap/helmfile.yaml.gotmpl reads it to install a new cluster (bootstrap), where Flux does not substitute.`,
      );
      // staging's file, which no helmfile reads, takes the settings variables
      expect(
        after[
          'kubernetes/staging/apps/kube-system/cilium/app/helmrelease.yaml'
        ],
      ).toContain('${CILIUM_CLUSTERMESH_LB_IP}');
      // validated afterwards, and a second run writes nothing
      expect(plan.report?.summary.errors).toBe(0);
      const again = planMeshDnsChange(
        createRepoTree(after),
        mainAndStaging,
        noSettingsConventions(after),
      );
      expect(again.edits).toEqual([]);
    });

    it('writes no settings where every value is written out for the bootstrap and the records are kept by hand: nothing would read them', () => {
      const files = fixtureFiles('configure-no-settings/repo');
      readingHelmfile(files);
      for (const c of ['main', 'staging']) {
        files[`kubernetes/${c}/bootstrap/helmfile.yaml.gotmpl`] =
          files['kubernetes/main/bootstrap/helmfile.yaml.gotmpl'];
        // the Kustomization substitutes (an app name), as home-ops' do
        const install = `kubernetes/${c}/apps/kube-system/cilium/install.yaml`;
        files[install] = files[install].replace(
          '  interval: 30m\n---',
          '  interval: 30m\n  postBuild:\n    substitute:\n      APP: cilium\n---',
        );
      }
      const manual = (tree: Record<string, string>) => {
        const c = noSettingsConventions(tree);
        // a team that lets configure decide (the fixture's asks for settings)
        return {
          ...c,
          settings: { ...c.settings, create: 'auto' as const },
          dns: { ...c.dns, mode: 'manual' as const },
        };
      };
      const input = mainAndStaging;
      const { plan, after } = applied(files, input, manual(files));
      expect(plan.problems).toEqual([]);
      expect(plan.edits.map(e => e.path)).toEqual([
        'docs/clustermesh-dns-records.md',
        mainRelease,
        'kubernetes/staging/apps/kube-system/cilium/app/helmrelease.yaml',
      ]);
      for (const e of plan.edits) expect(e.after).not.toContain('${');
      expect(plan.decisions).toContainEqual(
        `main: no settings ConfigMap is written (nothing would read one: its Cilium values are written out in ${mainRelease}, which kubernetes/main/bootstrap/helmfile.yaml.gotmpl reads to install a new cluster, the records are kept by hand, and the FQDN template has no variables).`,
      );
      expect(plan.report?.summary.errors).toBe(0);
      expect(applied(after, input, manual(after)).plan.edits).toEqual([]);
    });

    /** Each release's values a helmfile.d template reads, as written. */
    const helmfileDTemplate = (template: string) =>
      planNoSettings(files => {
        const bootstrap = 'kubernetes/main/bootstrap/helmfile.d';
        files[`${bootstrap}/01-apps.yaml`] = [
          'releases:',
          '  - name: cilium',
          '    namespace: kube-system',
          '    chart: oci://ghcr.io/home-operations/charts-mirror/cilium',
          "    values: ['./templates/values.yaml.gotmpl']",
          '',
        ].join('\n');
        files[`${bootstrap}/templates/values.yaml.gotmpl`] = template;
      }).plan;

    it.each([
      [
        'builds with printf',
        '{{ (fromYaml (readFile (printf "../../../apps/%s/%s/app/helmrelease.yaml" .Release.Namespace .Release.Name))).spec.values | toYaml }}\n',
      ],
      [
        "reads with yq at an absolute path of the author's checkout",
        '{{ exec "yq" (list "select(.kind == \\"HelmRelease\\").spec.values" (printf "/home/someone/src/homelab/kubernetes/main/apps/%s/%s/app/helmrelease.yaml" .Release.Namespace .Release.Name)) }}\n',
      ],
    ])(
      "does so for a helmfile.d whose values template %s each release's HelmRelease",
      (_how, template) => {
        expect(helmfileDTemplate(template).decisions).toContainEqual(
          `main: the Cilium values are written out in ${mainRelease} (its LB IP and FQDNs as they are, not by settings variable), because kubernetes/main/bootstrap/helmfile.d/templates/values.yaml.gotmpl reads it to install a new cluster (bootstrap), where Flux does not substitute.`,
        );
      },
    );

    it('does so for a helmfile whose values path has one `../` too many (run from a deeper folder)', () => {
      const { plan } = planNoSettings(files => {
        files['talos/helmfile.yaml'] = [
          'releases:',
          '  - name: cilium',
          '    namespace: kube-system',
          '    chart: cilium/cilium',
          '    values:',
          '      - ../../kubernetes/main/apps/kube-system/cilium/app/helmrelease.yaml',
          '',
        ].join('\n');
      });
      expect(plan.decisions).toContainEqual(
        `main: the Cilium values are written out in ${mainRelease} (its LB IP and FQDNs as they are, not by settings variable), because talos/helmfile.yaml reads it to install a new cluster (bootstrap), where Flux does not substitute.`,
      );
    });

    it('does so for a shared helmfile that reads each cluster\'s values under a folder from the environment ({{ requiredEnv "CLUSTER_DIR" }})', () => {
      const { plan, after } = planNoSettings(files => {
        sharedHelmfile(files);
      });
      expect(plan.problems).toEqual([]);
      for (const c of ['main', 'staging']) {
        const release = `kubernetes/${c}/apps/kube-system/cilium/app/helmrelease.yaml`;
        expect(after[release]).not.toContain('${');
        expect(plan.decisions).toContainEqual(
          expect.stringContaining(
            `${c}: the Cilium values are written out in ${release} (its LB IP and FQDNs as they are, not by settings variable), because kubernetes/shared/bootstrap/helmfile.yaml reads it`,
          ),
        );
      }
    });

    it('writes the LB IP out where a bootstrap helmfile installs the values file as it is, though the FQDN, secret, stays a variable', () => {
      const { plan, after } = planNoSettings(files => {
        sharedHelmfile(files);
        // the domain from each cluster's SOPS Secret, which Cilium's
        // Kustomization substitutes
        domainInTemplate(files, 'SECRET_DOMAIN');
        for (const c of ['main', 'staging']) {
          const dir = `kubernetes/${c}/apps/kube-system`;
          files[`${dir}/kustomization.yaml`] +=
            '  - ./cluster-secrets.sops.yaml\n';
          files[`${dir}/cluster-secrets.sops.yaml`] =
            'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets}\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:ZXhhbXBsZS5vcmc=,iv:aXY=,tag:dGFn,type:str]\nsops:\n  version: 3.8.1\n';
          files[`${dir}/cilium/install.yaml`] = files[
            `${dir}/cilium/install.yaml`
          ].replace(
            '  wait: true\n',
            '  wait: true\n  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: cluster-secrets}\n',
          );
        }
      });
      expect(plan.problems).toEqual([]);
      expect(after[mainRelease]).toContain('lbipam.cilium.io/ips: 10.11.1.20');
      expect(after[mainRelease]).toContain('${SECRET_DOMAIN}');
      expect(plan.decisions).toContainEqual(
        `main: its LB IP is written out in ${mainRelease} (not by settings variable), because kubernetes/shared/bootstrap/helmfile.yaml reads it to install a new cluster (bootstrap), where Flux does not substitute; its FQDNs, secret here, cannot be: their \${…} references reach that first install as they are, until Flux reconciles the HelmRelease. CILIUM_CLUSTERMESH_LB_IP in the settings holds the same address, for the record and the checks (service-annotation fails where the two differ): change both together.`,
      );
      // said once per cluster: not again as the general note on bootstrap installs
      expect(
        plan.decisions.filter(d => d.includes('(bootstrap)')),
      ).toHaveLength(2);
    });

    it('writes the FQDNs out too where a bootstrap helmfile installs the values file and the domain is a plain value a Kustomization gives inline', () => {
      const { plan, after } = planNoSettings(files => {
        sharedHelmfile(files);
        domainInTemplate(files, 'DOMAIN');
        // the domain given inline to the cluster's apps and to Cilium's
        // Kustomization (as a parent's patches give it to each child)
        for (const c of ['main', 'staging']) {
          const install = `kubernetes/${c}/apps/kube-system/cilium/install.yaml`;
          files[install] = files[install].replace(
            '  wait: true\n',
            '  wait: true\n  postBuild:\n    substitute:\n      DOMAIN: example.org\n',
          );
          const apps = `kubernetes/${c}/cluster/config/cluster-apps.yaml`;
          files[apps] +=
            '  postBuild:\n    substitute:\n      DOMAIN: example.org\n';
        }
      });
      // the settings, which a substituting Kustomization applies, take the template
      expect(plan.decisions).toContainEqual(
        expect.stringMatching(
          /^main, staging: the FQDN template is written in the settings, because ConfigMap cluster-settings/,
        ),
      );
      expect(plan.problems).toEqual([]);
      expect(after[mainRelease]).toContain('lbipam.cilium.io/ips: 10.11.1.20');
      expect(after[mainRelease]).toContain('- clustermesh-main.example.org\n');
      expect(after[mainRelease]).toContain(
        'address: clustermesh-staging.example.org\n',
      );
      expect(after[mainRelease]).not.toContain('${');
      expect(plan.decisions).toContainEqual(
        `main: the Cilium values are written out in ${mainRelease} (its LB IP and FQDNs as they are, not by settings variable), because kubernetes/shared/bootstrap/helmfile.yaml reads it to install a new cluster (bootstrap), where Flux does not substitute.`,
      );
    });

    it("resolves a helmfile's paths from its folder: the same relative path in another folder's helmfile names that folder's file", () => {
      const helmfile = (values: string) =>
        `releases:\n  - name: cilium\n    namespace: kube-system\n    chart: cilium/cilium\n    values:\n      - ${values}\n`;
      const { plan } = planNoSettings(files => {
        // the same text elsewhere names a file of that folder, not main's
        files['kubernetes/lab/bootstrap/helmfile.yaml'] = helmfile(
          '../apps/kube-system/cilium/app/helmrelease.yaml',
        );
        // a short path from the app's own folder names main's file
        files['kubernetes/main/apps/kube-system/cilium/helmfile.yaml'] =
          helmfile('app/helmrelease.yaml');
      });
      const notes = plan.decisions.filter(d => /bootstrap/.test(d));
      expect(notes.map(d => d.split(' to install')[0])).toEqual([
        `main: the Cilium values are written out in ${mainRelease} (its LB IP and FQDNs as they are, not by settings variable), because kubernetes/main/apps/kube-system/cilium/helmfile.yaml reads it`,
      ]);
    });

    /** A second ExternalDNS of a cluster (UniFi's webhook), which reads no DNSEndpoints. */
    const withUnifiDns = (
      files: Record<string, string>,
      cluster: string,
      sources: string,
    ) => {
      const app = `kubernetes/${cluster}/apps/network/external-dns/app`;
      files[`${app}/kustomization.yaml`] += '  - ./unifi.yaml\n';
      files[`${app}/unifi.yaml`] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata:',
        '  name: external-dns-unifi',
        'spec:',
        '  interval: 1h',
        '  chart:',
        '    spec:',
        '      chart: external-dns',
        '      version: 1.19.0',
        '      sourceRef: {kind: HelmRepository, name: external-dns, namespace: flux-system}',
        '  values:',
        '    provider:',
        '      name: webhook',
        `    sources: [${sources}]`,
        '',
      ].join('\n');
    };

    it("says once, naming both, where two clusters' private addresses go to Cloudflare's zone beside the same other ExternalDNS", () => {
      const { plan } = planNoSettings(files => {
        for (const cluster of ['main', 'staging'])
          withUnifiDns(files, cluster, 'service');
      });
      expect(plan.problems).toEqual([]);
      const notes = plan.decisions.filter(d =>
        d.includes("to Cloudflare's zone"),
      );
      expect(notes).toEqual([
        "main's LB IP 10.11.1.20, staging's 10.12.1.20 are private addresses, and their records go to Cloudflare's zone: HelmRelease network/external-dns is the only ExternalDNS of each of main, staging reading DNSEndpoints, while HelmRelease network/external-dns-unifi (provider webhook; sources service) reads none: to keep the names on that DNS instead, give it the crd source and keep HelmRelease network/external-dns from taking the records (an annotation or label filter the record fails), or have it publish the name from the clustermesh-apiserver Service (its service source) by the hostname annotation in clustermesh.apiserver.service.annotations.",
      ]);
    });

    it("says where a private address's record goes to Cloudflare's zone while another ExternalDNS of the cluster, reading no DNSEndpoints, keeps private names (bluevulpine's UniFi)", () => {
      const { plan } = planNoSettings(files =>
        withUnifiDns(files, 'main', 'service, gateway-httproute'),
      );
      expect(plan.problems).toEqual([]);
      expect(plan.decisions).toContainEqual(
        "main's LB IP 10.11.1.20 is a private address, and its record goes to Cloudflare's zone: HelmRelease network/external-dns is the only ExternalDNS of main reading DNSEndpoints, while HelmRelease network/external-dns-unifi (provider webhook; sources service, gateway-httproute) reads none: to keep the name on that DNS instead, give it the crd source and keep HelmRelease network/external-dns from taking the record (an annotation or label filter the record fails), or have it publish the name from the clustermesh-apiserver Service (its service source) by the hostname annotation in clustermesh.apiserver.service.annotations.",
      );
      // staging runs Cloudflare's alone: nothing to say
      expect(plan.decisions.join('\n')).not.toContain("staging's LB IP");
    });

    it("names each source once, and offers the service source only where its domain filter takes the name (Roxedus' pihole: two controllers, kube.<domain> only)", () => {
      const noteWith = (values: string[]) =>
        planNoSettings(files => {
          withUnifiDns(files, 'main', 'service, ingress, service, ingress');
          const unifi =
            'kubernetes/main/apps/network/external-dns/app/unifi.yaml';
          files[unifi] += values.map(v => `    ${v}\n`).join('');
        }).plan.decisions.find(d => d.includes("to Cloudflare's zone"));
      expect(noteWith([])).toMatch(
        /\(provider webhook; sources service, ingress\) reads none: .*, or have it publish the name from the clustermesh-apiserver Service/,
      );
      const filtered = noteWith(['domainFilters: [kube.example.org]']);
      expect(filtered).toMatch(/give it the crd source/);
      expect(filtered).not.toMatch(/its service source/);
    });

    it("warns after the change that the clusters' values give no CA they share, unless they do (Moolash3's, Mokkao's copies)", () => {
      const caChecks = (edit?: (files: Record<string, string>) => void) =>
        planNoSettings(edit)
          .plan.report!.clusters.flatMap(c => c.checks)
          .filter(c => c.ruleId === 'ca-shared')
          .map(c => [c.cluster, c.outcome, c.severity]);
      expect(caChecks()).toEqual([
        ['main', 'fail', 'warning'],
        ['staging', 'fail', 'warning'],
      ]);
      // one CA in each cluster's values: it passes
      expect(
        caChecks(files => {
          for (const c of ['main', 'staging']) {
            const hr = `kubernetes/${c}/apps/kube-system/cilium/app/helmrelease.yaml`;
            files[hr] = files[hr].replace(
              '  values:\n',
              '  values:\n    tls:\n      ca:\n        cert: LS0tLS1CRUdJTg==\n        key: LS0tLS1CRUdJTg==\n',
            );
          }
        }),
      ).toEqual([
        ['main', 'pass', 'info'],
        ['staging', 'pass', 'info'],
      ]);
      // two CAs written out: an error the change neither writes nor causes,
      // so it does not stop the change
      const twoCas = planNoSettings(files => {
        for (const c of ['main', 'staging']) {
          const hr = `kubernetes/${c}/apps/kube-system/cilium/app/helmrelease.yaml`;
          files[hr] = files[hr].replace(
            '  values:\n',
            `  values:\n    tls:\n      ca:\n        cert: ${Buffer.from(
              `ca of ${c}`,
            ).toString('base64')}\n        key: a2V5\n`,
          );
        }
      }).plan;
      expect(twoCas.problems).toEqual([]);
      expect(twoCas.alreadyThere.map(p => p.message)).toEqual([
        "[ca-shared] main: its ClusterMesh CA is not that of staging: its tls.ca.cert differs from theirs: each refuses the other's certificates",
        "[ca-shared] staging: its ClusterMesh CA is not that of main: its tls.ca.cert differs from theirs: each refuses the other's certificates",
      ]);
      expect(
        twoCas
          .report!.clusters.flatMap(c => c.checks)
          .filter(c => c.ruleId === 'ca-shared')
          .map(c => [c.cluster, c.outcome, c.severity]),
      ).toEqual([
        ['main', 'fail', 'error'],
        ['staging', 'fail', 'error'],
      ]);
    });

    it("says where the clusters' cluster-pool IPAM gives pods addresses from overlapping CIDRs, not where the lists are apart or another IPAM gives them", () => {
      const podNote = (lists: Record<string, string>) =>
        planNoSettings(files => {
          for (const [c, list] of Object.entries(lists)) {
            const hr = `kubernetes/${c}/apps/kube-system/cilium/app/helmrelease.yaml`;
            files[hr] = files[hr].replace(
              '    ipam:\n      mode: kubernetes\n',
              `    ipam:\n      mode: cluster-pool\n      operator:\n        clusterPoolIPv4PodCIDRList: [${list}]\n`,
            );
          }
        }).plan.decisions.find(d => d.includes('overlapping CIDRs'));
      expect(podNote({ main: '10.42.0.0/16', staging: '10.42.128.0/17' })).toBe(
        "main and staging give pods addresses from overlapping CIDRs (main 10.42.0.0/16 (ipam.operator.clusterPoolIPv4PodCIDRList); staging 10.42.128.0/17 (ipam.operator.clusterPoolIPv4PodCIDRList)): ClusterMesh needs each cluster's pod CIDRs apart, so give each cluster its own (its Cilium values' ipam.operator.clusterPoolIPv4PodCIDRList, and clusterPoolIPv6PodCIDRList where IPv6 runs, or its Kubernetes pod CIDRs where ipam.mode is kubernetes; not written by this change).",
      );
      expect(
        podNote({ main: '10.42.0.0/16', staging: '10.43.0.0/16' }),
      ).toBeUndefined();
      // dual stack (vbalexr's copy): the IPv4 lists apart, the IPv6 one
      // kept from the folder copied; IPv6's default where none is written
      const dualStack = (v6: Record<string, string | undefined>) =>
        planNoSettings(files => {
          for (const [c, v4] of [
            ['main', '10.42.0.0/16'],
            ['staging', '10.43.0.0/16'],
          ]) {
            const hr = `kubernetes/${c}/apps/kube-system/cilium/app/helmrelease.yaml`;
            files[hr] = files[hr].replace(
              '    ipam:\n      mode: kubernetes\n',
              `    ipv6: {enabled: true}\n    ipam:\n      mode: cluster-pool\n      operator:\n        clusterPoolIPv4PodCIDRList: [${v4}]\n${
                v6[c] ? `        clusterPoolIPv6PodCIDRList: [${v6[c]}]\n` : ''
              }`,
            );
          }
        }).plan.decisions.find(d => d.includes('overlapping CIDRs'));
      expect(
        dualStack({ main: '"fd7a:42::/56"', staging: '"fd7a:42::/56"' }),
      ).toMatch(
        /^main and staging give pods addresses from overlapping CIDRs \(main 10\.42\.0\.0\/16 \(ipam\.operator\.clusterPoolIPv4PodCIDRList\); main and staging each fd7a:42::\/56 \(ipam\.operator\.clusterPoolIPv6PodCIDRList\); staging 10\.43\.0\.0\/16 /,
      );
      expect(dualStack({})).toContain(
        "main and staging each fd00::/104 (the chart's default)",
      );
      expect(
        dualStack({ main: '"fd7a:42::/56"', staging: '"fd7a:43::/56"' }),
      ).toBeUndefined();
      // the pod CIDRs of the kubernetes IPAM are the cluster's: not read
      expect(podNote({})).toBeUndefined();
      // but those of each cluster's own talhelper configuration are
      // (DaHofa02's copy: a cluster folder copied, its clusterPodNets kept)
      const talos = planNoSettings(files => {
        for (const c of ['main', 'staging'])
          files[`kubernetes/${c}/bootstrap/talos/talconfig.yaml`] =
            'clusterName: home\nclusterPodNets:\n  - 10.69.0.0/16\n';
      }).plan.decisions.find(d => d.includes('overlapping CIDRs'));
      expect(talos).toMatch(
        /^main and staging give pods addresses from overlapping CIDRs \(main 10\.69\.0\.0\/16 \(clusterPodNets at kubernetes\/main\/bootstrap\/talos\/talconfig\.yaml:2\); staging /,
      );
      // or in a folder of the cluster's name beside the clusters'
      // (Echelon101's talos/<cluster>/), not one talconfig for all
      const beside = (folders: string[]) =>
        planNoSettings(files => {
          for (const f of folders)
            files[`${f}/talconfig.yaml`] =
              'clusterName: home\nclusterPodNets:\n  - 10.69.0.0/16\n';
        }).plan.decisions.find(d => d.includes('overlapping CIDRs'));
      expect(beside(['talos/main', 'talos/staging'])).toMatch(
        /^main and staging give pods addresses from overlapping CIDRs \(main 10\.69\.0\.0\/16 \(clusterPodNets at talos\/main\/talconfig\.yaml:2\); staging /,
      );
      expect(beside(['talos'])).toBeUndefined();
    });

    it("creates the settings next to the Kustomization when a parent's patches give it an optional reference to them already", () => {
      const { plan, after } = planNoSettings(files => {
        for (const c of ['main', 'staging'])
          patchChildrenSource(files, c, {
            kind: 'ConfigMap',
            name: 'cluster-settings',
          });
      });
      expect(plan.problems).toEqual([]);
      expect(
        after['kubernetes/main/apps/kube-system/cilium/cluster-settings.yaml'],
      ).toContain('CILIUM_CLUSTERMESH_LB_IP: 10.11.1.20');
      // the reference is there already: the Kustomization is not edited
      // (the file only gains the records' Kustomization after it)
      const install = plan.edits.find(
        e => e.path === 'kubernetes/main/apps/kube-system/cilium/install.yaml',
      )!;
      expect(install.after.startsWith(install.before!)).toBe(true);
      expect(
        parse(install.after.slice(install.before!.length)).metadata,
      ).toEqual({ name: 'cilium-clustermesh' });
      expect(plan.report?.summary.errors).toBe(0);
    });

    it("names a new settings file after the cluster's own ConfigMap, and never leaves {cluster} in a file name", () => {
      for (const settings of [
        'settings:\n  configMap: cluster-settings-{cluster}\n',
        // a file the cluster does not have: only its name is taken
        'settings:\n  configMap: cluster-settings-{cluster}\n  file: kubernetes/{cluster}/flux/settings/cluster-settings-{cluster}.yaml\n',
      ]) {
        const { plan, after } = planNoSettings(files => {
          files['.clustermesh-dns.yaml'] = files[
            '.clustermesh-dns.yaml'
          ].replace('settings:\n', settings);
          for (const c of ['main', 'staging'])
            patchChildrenSource(files, c, {
              kind: 'ConfigMap',
              name: `cluster-settings-${c}`,
            });
        });
        expect(plan.problems).toEqual([]);
        expect(
          plan.edits.map(e => e.path).filter(p => p.includes('{')),
        ).toEqual([]);
        expect(
          after[
            'kubernetes/main/apps/kube-system/cilium/cluster-settings-main.yaml'
          ],
        ).toMatch(
          /name: cluster-settings-main\n[^]*CILIUM_CLUSTERMESH_LB_IP: 10\.11\.1\.20/,
        );
        expect(plan.report?.summary.errors).toBe(0);
      }
    });

    it('creates no settings in a file that another cluster applies too', () => {
      const { plan } = planNoSettings(files => {
        // staging's apps reconcile main's cilium install: one Kustomization file for both
        files['kubernetes/staging/apps/kube-system/kustomization.yaml'] = files[
          'kubernetes/staging/apps/kube-system/kustomization.yaml'
        ].replace(
          './cilium/install.yaml',
          '../../../main/apps/kube-system/cilium/install.yaml',
        );
      });
      expect(plan.edits).toEqual([]);
      expect(plan.problems.map(p => p.message)).toContainEqual(
        expect.stringMatching(
          /^does not exist, and no ConfigMap cluster-settings is applied to (main|staging)/,
        ),
      );
    });
  });

  it("has the records' Kustomization wait for the ExternalDNS whose domain filters take the cluster's name, beside one that publishes another zone", () => {
    const files = fixtureFiles('configure-literal-values/repo');
    // north also runs a Cloudflare ExternalDNS for its public zone, from a
    // Kustomization of its own
    const dir = 'kubernetes/north/apps/network/external-dns-public';
    files[`${dir}/install.yaml`] = files[
      'kubernetes/north/apps/network/external-dns/install.yaml'
    ]
      .replace('name: external-dns', 'name: external-dns-public')
      .replace('network/external-dns/app', 'network/external-dns-public/app');
    files[`${dir}/app/kustomization.yaml`] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n';
    files[`${dir}/app/helmrelease.yaml`] = files[
      'kubernetes/north/apps/network/external-dns/app/helmrelease.yaml'
    ]
      .replace(
        /name: external-dns\n {2}namespace: network\nspec:\n {2}interval: 1h/,
        'name: external-dns-public\n  namespace: network\nspec:\n  interval: 1h',
      )
      .replace('name: rfc2136', 'name: cloudflare')
      .replace('- lab.example.org', '- public.example.org');
    files['kubernetes/north/apps/kustomization.yaml'] +=
      '  - ./network/external-dns-public/install.yaml\n';
    const conventions = resolveConventions(
      { fqdnTemplate: 'clustermesh-{cluster}.lab.example.org' },
      detectConventions(createRepoTree(files)),
    );
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'north', ip: '10.10.1.50' },
          { name: 'south', ip: '10.20.1.50' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    const records = parseAllDocuments(
      after['kubernetes/north/apps/kube-system/cilium/install.yaml'],
    )
      .map(d => d.toJS())
      .find(k => k.metadata.name === 'cilium-clustermesh');
    expect(records.spec.dependsOn).toEqual([
      { name: 'cilium' },
      { name: 'external-dns' },
    ]);
    // Cilium's own written with namespaces (frantathefranta's): so are
    // the new one's
    const namespaced = { ...files };
    for (const c of ['north', 'south']) {
      const install = `kubernetes/${c}/apps/kube-system/cilium/install.yaml`;
      namespaced[install] = namespaced[install].replace(
        `  interval: 30m\n  path: ./kubernetes/${c}/apps/kube-system/cilium/app\n`,
        `  dependsOn:\n    - name: external-dns\n      namespace: flux-system\n  interval: 30m\n  path: ./kubernetes/${c}/apps/kube-system/cilium/app\n`,
      );
    }
    const styled = applied(
      namespaced,
      {
        clusters: [
          { name: 'north', ip: '10.10.1.50' },
          { name: 'south', ip: '10.20.1.50' },
        ],
      },
      conventions,
    );
    expect(
      parseAllDocuments(
        styled.after['kubernetes/north/apps/kube-system/cilium/install.yaml'],
      )
        .map(d => d.toJS())
        .find(k => k.metadata.name === 'cilium-clustermesh').spec.dependsOn,
    ).toEqual([
      { name: 'cilium', namespace: 'flux-system' },
      { name: 'external-dns', namespace: 'flux-system' },
    ]);
    // Cilium's fields in alphabetical order, with labels naming it by an
    // alias (thousand-sunny's `&app`): the new one's dependsOn in its
    // place of that order, its labels naming itself
    const labelled = { ...files };
    for (const c of ['north', 'south']) {
      const install = `kubernetes/${c}/apps/kube-system/cilium/install.yaml`;
      labelled[install] = labelled[install]
        .replace(
          'metadata:\n  name: cilium\n',
          'metadata:\n  name: &app cilium\n',
        )
        .replace(
          `spec:\n  interval: 30m\n  path: ./kubernetes/${c}/apps/kube-system/cilium/app\n`,
          `spec:\n  commonMetadata:\n    labels:\n      app.kubernetes.io/name: *app\n  decryption:\n    provider: sops\n  interval: 30m\n  path: ./kubernetes/${c}/apps/kube-system/cilium/app\n`,
        );
    }
    const ordered = parseAllDocuments(
      applied(
        labelled,
        {
          clusters: [
            { name: 'north', ip: '10.10.1.50' },
            { name: 'south', ip: '10.20.1.50' },
          ],
        },
        conventions,
      ).after['kubernetes/north/apps/kube-system/cilium/install.yaml'],
    )
      .map(d => d.toJS())
      .find(k => k.metadata.name === 'cilium-clustermesh');
    expect(Object.keys(ordered.spec)).toEqual([
      'commonMetadata',
      'decryption',
      'dependsOn',
      'interval',
      'path',
      'prune',
      'sourceRef',
    ]);
    expect(ordered.spec.commonMetadata).toEqual({
      labels: { 'app.kubernetes.io/name': 'cilium-clustermesh' },
    });
    // NNMavy: both take the name (two providers of one zone): it waits for
    // both, either of which brings the DNSEndpoint CRD
    const both = { ...files };
    both[`${dir}/app/helmrelease.yaml`] = both[
      `${dir}/app/helmrelease.yaml`
    ].replace('- public.example.org', '- lab.example.org');
    const twice = applied(
      both,
      {
        clusters: [
          { name: 'north', ip: '10.10.1.50' },
          { name: 'south', ip: '10.20.1.50' },
        ],
      },
      conventions,
    );
    const waits = parseAllDocuments(
      twice.after['kubernetes/north/apps/kube-system/cilium/install.yaml'],
    )
      .map(d => d.toJS())
      .find(k => k.metadata.name === 'cilium-clustermesh');
    expect(waits.spec.dependsOn).toEqual([
      { name: 'cilium' },
      { name: 'external-dns' },
      { name: 'external-dns-public' },
    ]);
  });

  it('refuses a DNSEndpoint for a cluster that runs no ExternalDNS when the repository deploys it to others', () => {
    const { files, input } = perClusterLayout();
    // ExternalDNS runs in east only
    files['kubernetes/clusters/east/apps/external-dns.yaml'] = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: external-dns, namespace: network}',
      'spec:',
      '  chart: {spec: {chart: external-dns, version: 1.19.0, sourceRef: {kind: HelmRepository, name: external-dns}}}',
      '  values: {provider: {name: cloudflare}, sources: [crd, service]}',
      '',
    ].join('\n');
    files['kubernetes/clusters/east/apps/kustomization.yaml'] +=
      '  - ./external-dns.yaml\n';
    const plan = planPerCluster(files, input);
    expect(plan.edits).toEqual([]);

    // switched off (listed nowhere): no cluster knows the kind
    const off = { ...files };
    off['kubernetes/clusters/east/apps/kustomization.yaml'] = off[
      'kubernetes/clusters/east/apps/kustomization.yaml'
    ].replace('  - ./external-dns.yaml\n', '');
    expect(planPerCluster(off, input).problems).toEqual([
      {
        field: 'mode',
        message:
          'no cluster runs ExternalDNS: the repository has it (HelmRelease network/external-dns, kubernetes/clusters/east/apps/external-dns.yaml:1) but applies it to none, so the kind DNSEndpoint is not known to east, west, and Flux would fail the Kustomization that applies the new DNSEndpoint, and whatever else it applies with it; configure with --mode manual (a records document), or apply ExternalDNS (with the crd source) first',
      },
    ]);
    // its CRD applied on its own: the kind is known, nothing publishes
    const crdOnly = { ...off };
    for (const c of ['east', 'west']) {
      crdOnly[`kubernetes/clusters/${c}/apps/dnsendpoint-crd.yaml`] =
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: dnsendpoints.externaldns.k8s.io}\nspec: {group: externaldns.k8s.io, names: {kind: DNSEndpoint, plural: dnsendpoints}, scope: Namespaced, versions: []}\n';
      crdOnly[`kubernetes/clusters/${c}/apps/kustomization.yaml`] +=
        '  - ./dnsendpoint-crd.yaml\n';
    }
    expect(planPerCluster(crdOnly, input).problems).toEqual([
      {
        field: 'mode',
        message: expect.stringContaining(
          'but applies it to none, so nothing publishes the new DNSEndpoint of east, west (its CRD is applied, the record is not written); configure with --mode manual',
        ),
      },
    ]);
    expect(plan.problems).toEqual([
      {
        field: 'clusters[1].name',
        message:
          'west runs no ExternalDNS (the repository deploys it to east): a DNSEndpoint there is a kind the cluster does not know, and Flux would fail the Kustomization that applies it; deploy ExternalDNS (with the crd source) to west, or configure with --mode manual (a records document)',
      },
    ]);

    // west's own ExternalDNS in a file kustomize cannot read (a key written
    // twice, no1here0003's copy): that file is the cause, not a missing
    // deployment
    const unreadable = { ...files };
    unreadable['kubernetes/clusters/west/apps/external-dns.yaml'] = files[
      'kubernetes/clusters/east/apps/external-dns.yaml'
    ].replace(
      '  values: {',
      '  values: {txtOwnerId: west, txtOwnerId: west2, ',
    );
    unreadable['kubernetes/clusters/west/apps/kustomization.yaml'] +=
      '  - ./external-dns.yaml\n';
    expect(planPerCluster(unreadable, input).problems).toEqual([
      {
        field: 'clusters[1].name',
        message: expect.stringMatching(
          /^no ExternalDNS of west could be read \(the repository deploys it to east\), and what a build kustomize fails holds is not read: kubernetes\/clusters\/west\/apps\/external-dns\.yaml:6 has the map key "txtOwnerId" twice.*; fix that, then run again \(where west runs no ExternalDNS, deploy it with the crd source, or configure with --mode manual\)$/,
        ),
      },
    ]);

    // only a cluster outside the mesh runs it: both are named, at once
    const tools = { ...off };
    tools['kubernetes/clusters/tools/flux-system/gotk-sync.yaml'] = off[
      'kubernetes/clusters/east/flux-system/gotk-sync.yaml'
    ].replace('clusters/east', 'clusters/tools');
    tools['kubernetes/clusters/tools/flux-system/kustomization.yaml'] =
      'resources: [gotk-sync.yaml]\n';
    tools['kubernetes/clusters/tools/kustomization.yaml'] =
      'resources: [flux-system, external-dns.yaml]\n';
    tools['kubernetes/clusters/tools/external-dns.yaml'] =
      files['kubernetes/clusters/east/apps/external-dns.yaml'];
    expect(planPerCluster(tools, input).problems).toEqual([
      {
        field: 'clusters',
        message:
          'east, west run no ExternalDNS (the repository deploys it to tools): a DNSEndpoint there is a kind the cluster does not know, and Flux would fail the Kustomization that applies it; deploy ExternalDNS (with the crd source) to east, west, or configure with --mode manual (a records document)',
      },
    ]);
  });

  it("refuses a DNSEndpoint that a cluster's ExternalDNS does not read, saying how to fix it", () => {
    const { files, input } = perClusterLayout();
    for (const [name, sources] of [
      ['east', '[service, ingress]'],
      ['west', '[crd, service]'],
    ]) {
      files[`kubernetes/clusters/${name}/apps/external-dns.yaml`] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: external-dns, namespace: network}',
        'spec:',
        '  chart: {spec: {chart: external-dns, version: 1.19.0, sourceRef: {kind: HelmRepository, name: external-dns}}}',
        `  values: {provider: {name: cloudflare}, sources: ${sources}}`,
        '',
      ].join('\n');
      files[`kubernetes/clusters/${name}/apps/kustomization.yaml`] +=
        '  - ./external-dns.yaml\n';
    }
    const plan = planPerCluster(files, input);
    expect(plan.edits).toEqual([]);
    const refused = plan.problems.find(p =>
      p.message.startsWith('[dnsendpoint-matches] east:'),
    )!;
    expect(refused.message).toMatch(/reads sources service, ingress, not crd/);
    expect(refused.remedy).toMatch(
      /where none reads the `crd` source, add `crd` to the sources of one/,
    );
    expect(refused.remedy).toMatch(/clustermesh-dns configure --mode manual/);
    expect(describeProblem(refused)).toBe(
      `${refused.field}: ${refused.message}\n    How to fix: ${refused.remedy}`,
    );
    expect(plan.summary).toContain(
      `- \`${refused.field}\`: ${refused.message} — How to fix: ${refused.remedy}`,
    );
  });

  it('names an address another cluster keeps as the one input problem, when the run re-addresses only one cluster', () => {
    const settings = (name: string, id: number) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  CLUSTER_NAME: ${name}\n  CLUSTER_ID: "${id}"\n`;
    const infra =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./kubernetes/infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      SECRET_DOMAIN: example.net\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n';
    const files: Record<string, string> = {
      'kubernetes/clusters/a/cluster-settings.yaml': settings('a', 1),
      'kubernetes/clusters/a/infra.yaml': infra,
      'kubernetes/clusters/b/cluster-settings.yaml': settings('b', 2),
      'kubernetes/clusters/b/infra.yaml': infra,
      'kubernetes/infrastructure/kustomization.yaml':
        'resources:\n  - ./helmrelease.yaml\n  - ./pool.yaml\n',
      // one pool for both: any address of it may be either's
      'kubernetes/infrastructure/pool.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\nspec:\n  blocks:\n    - cidr: 10.0.0.0/24\n',
      'kubernetes/infrastructure/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: cilium\n      version: 1.18.6\n      sourceRef:\n        kind: HelmRepository\n        name: cilium\n  values:\n    cluster:\n      name: ${CLUSTER_NAME}\n      id: ${CLUSTER_ID}\n    clustermesh:\n      useAPIServer: true\n',
    };
    const input = {
      clusters: [
        { name: 'a', ip: '10.0.0.10' },
        { name: 'b', ip: '10.0.0.11' },
      ],
    };
    // on one network (no pools.networks): each address is the overlap
    // pools-disjoint fails, which the change depends on
    const shared = applied(
      files,
      input,
      resolveConventions({}, detectConventions(createRepoTree(files))),
    ).plan;
    expect(shared.edits).toEqual([]);
    expect(shared.problems).toEqual([
      {
        field: 'clusters[0].ip',
        message:
          '10.0.0.10 is also in pool "pool" of b (kubernetes/infrastructure/pool.yaml:7): its LB IPAM may give it to one of its own services, and both clusters would answer for it; both clusters apply that one pool (pools-disjoint), so no address of it is free of the overlap',
        remedy:
          'Make the pools of a and b disjoint (pools-disjoint), then give a an address of its own pool; clusters on separate networks are listed apart in `pools.networks` of the conventions.',
      },
      expect.objectContaining({ field: 'clusters[1].ip' }),
    ]);
    // a pool of each, of one /24: the overlap is there before the change
    const ownPools: Record<string, string> = {
      ...files,
      'kubernetes/infrastructure/kustomization.yaml':
        'resources:\n  - ./helmrelease.yaml\n',
    };
    delete ownPools['kubernetes/infrastructure/pool.yaml'];
    for (const c of ['a', 'b'])
      ownPools[`kubernetes/clusters/${c}/pool.yaml`] = files[
        'kubernetes/infrastructure/pool.yaml'
      ].replace('name: pool', `name: pool-${c}`);
    expect(
      applied(
        ownPools,
        input,
        resolveConventions({}, detectConventions(createRepoTree(ownPools))),
      ).plan.problems[0],
    ).toEqual({
      field: 'clusters[0].ip',
      message:
        '10.0.0.10 is also in pool "pool-b" of b (kubernetes/clusters/b/pool.yaml:7): its LB IPAM may give it to one of its own services, and both clusters would answer for it; every address of block 10.0.0.0/24 of its pool "pool-a" (kubernetes/clusters/a/pool.yaml:7) is in that pool too: the pools overlap already (pools-disjoint), so no address of it is free of the overlap',
      remedy:
        'Make the pools of a and b disjoint (pools-disjoint), then give a an address of its own pool; clusters on separate networks are listed apart in `pools.networks` of the conventions.',
    });
    // listed on separate networks: the pools are not compared, and an
    // address both hold is each network's own (nothing said)
    const conventionsOf = (tree: Record<string, string>) =>
      resolveConventions(
        { pools: { networks: [['a'], ['b']] } },
        detectConventions(createRepoTree(tree)),
      );
    const { plan: first, after } = applied(files, input, conventionsOf(files));
    expect(first.problems).toEqual([]);
    expect(first.decisions.join('\n')).not.toMatch(/is also in pool/);
    // nor on a second run
    expect(
      applied(after, input, conventionsOf(after)).plan.decisions.join('\n'),
    ).not.toMatch(/is also in pool/);
    const moved = applied(
      after,
      { clusters: [{ name: 'b', ip: '10.0.0.10' }] },
      conventionsOf(after),
    ).plan;
    expect(moved.edits).toEqual([]);
    // said once, on b's input: not also as lb-ip-unique of a and of b
    expect(moved.problems).toEqual([
      {
        field: 'clusters[0].ip',
        message: expect.stringMatching(
          /^10\.0\.0\.10 is the LB IP of a \(kubernetes\/clusters\/a\/cluster-settings\.yaml:\d+\), which this run does not re-address$/,
        ),
        remedy:
          'Give b an address of its pool that no other cluster has, or give a another address in the same run.',
      },
    ]);
  });

  it('names the missing values file of a cluster, and plans nothing', () => {
    const files = fixtureFiles('ks-layout');
    delete files['bootstrap/cilium/eu1/values.yaml'];
    const plan = planMeshDnsChange(
      createRepoTree(files),
      { clusters: [{ name: 'eu1', ip: '10.30.0.11' }] },
      ksConventions,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toEqual([
      {
        field: 'bootstrap/cilium/eu1/values.yaml',
        message: 'does not exist; it should hold the Cilium values of eu1',
      },
    ]);
  });

  it('configures a three-cluster mesh whose third cluster is new to the settings', () => {
    const files = generateSyntheticMesh({
      clusters: 3,
      name: i => ['east', 'west', 'north'][i - 1],
    });
    files['kubernetes/clusters/north/cluster-settings.yaml'] = files[
      'kubernetes/clusters/north/cluster-settings.yaml'
    ]
      .split('\n')
      .filter(l => !l.includes('CILIUM_CLUSTERMESH'))
      .join('\n');
    const input = { clusters: [{ name: 'north', ip: '10.64.0.34' }] };
    const { plan, after } = applied(files, input);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toEqual([
      'kubernetes/clusters/north/cluster-settings.yaml',
    ]);
    expect(after['kubernetes/clusters/north/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_EAST_FQDN',
    );
    expect(plan.report!.summary.status).toBe('pass');
  });

  it("says a mesh left at the chart's default pod CIDR once, each cluster named once, not a pair per two clusters", () => {
    const names = ['east', 'west', 'north', 'south'];
    const files = generateSyntheticMesh({
      clusters: 4,
      name: i => names[i - 1],
    });
    const input = {
      clusters: names.map((name, i) => ({
        name,
        ip: syntheticClusterAddress(i + 1, 2),
      })),
    };
    const { plan } = applied(files, input);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions.find(d => d.includes('overlapping CIDRs'))).toBe(
      "east, west, north and south give pods addresses from overlapping CIDRs (east, west, north and south each 10.0.0.0/8 (the chart's default)): ClusterMesh needs each cluster's pod CIDRs apart, so give each cluster its own (its Cilium values' ipam.operator.clusterPoolIPv4PodCIDRList, and clusterPoolIPv6PodCIDRList where IPv6 runs, or its Kubernetes pod CIDRs where ipam.mode is kubernetes; not written by this change).",
    );
  });

  it("lists an error of a cluster that was outside the mesh, which the change brings in, as already there, not a reason to refuse (monosense's dependsOn)", () => {
    const files = generateSyntheticMesh({ clusters: 2 });
    const hr =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    files[hr] = files[hr].slice(0, files[hr].indexOf('    clustermesh:'));
    const root = 'kubernetes/clusters/c001';
    files[`${root}/kustomization.yaml`] += '  - unrelated.yaml\n';
    files[`${root}/unrelated.yaml`] = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: unrelated, namespace: flux-system}',
      'spec:',
      '  interval: 30m',
      `  path: ./${root}/flux-system`,
      '  prune: true',
      '  sourceRef: {kind: GitRepository, name: flux-system}',
      '  dependsOn: [{name: strimzi-operator}]',
      '',
    ].join('\n');
    const before = validateMesh(createRepoTree(files), withDomain);
    expect(before.summary.status).toBe('outside');
    expect(
      before.findings
        .filter(f => f.message.includes('strimzi-operator'))
        .map(f => f.severity),
    ).toEqual(['warning']);
    const { plan } = applied(files, {
      clusters: [1, 2].map(i => ({
        name: syntheticClusterName(i),
        ip: syntheticClusterAddress(i, 1),
      })),
    });
    expect(plan.problems).toEqual([]);
    expect(plan.edits.length).toBeGreaterThan(0);
    expect(plan.alreadyThere).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('strimzi-operator'),
      }),
    ]);
  });

  it('is idempotent on random valid inputs over random meshes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 14 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.constantFrom(60, 300, 3600),
        (n, picks, ttl) => {
          const files = generateSyntheticMesh({ clusters: n });
          const chosen = new Map<number, number>();
          for (const [c, offset] of picks) chosen.set((c % n) + 1, offset);
          const input: MeshDnsChangeInput = {
            ttl,
            clusters: [...chosen].map(([i, offset]) => ({
              name: syntheticClusterName(i),
              ip: syntheticClusterAddress(i, offset),
            })),
          };
          const { plan, after } = applied(files, input);
          expect(plan.problems).toEqual([]);
          expect(plan.report!.summary.errors).toBe(0);
          expect(
            planMeshDnsChange(createRepoTree(after), input, withDomain).edits,
          ).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('validates the edited repository as a fresh validation of it would', () => {
    // the plan reads edited settings from their earlier reading and
    // substitutes from earlier results; none of that may change the verdict
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 2, max: 14 }),
        (n, offset) => {
          const cache = new EngineCache();
          const files = generateSyntheticMesh({ clusters: n });
          validateMesh(createRepoTree(files), withDomain, { cache }); // warm, as a backend is
          const input: MeshDnsChangeInput = {
            clusters: Array.from({ length: n }, (_, i) => ({
              name: syntheticClusterName(i + 1),
              ip: syntheticClusterAddress(i + 1, offset),
            })),
          };
          const { plan, after } = applied(files, input, undefined, cache);
          expect(plan.report).toEqual(
            validateMesh(createRepoTree(after), withDomain),
          );
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('planMeshDnsChange where the repository has no ExternalDNS', () => {
  const tree = fixtureTree('configure-own-folder-entry/repo');
  const input = {
    clusters: [
      { name: 'a', ip: '10.61.1.10' },
      { name: 'b', ip: '10.61.2.10' },
    ],
  };
  const conventions = resolveConventions({}, detectConventions(tree));

  it('writes a records document, saying why, when the mode is not chosen: a DNSEndpoint would be a kind the clusters do not know', () => {
    const plan = planMeshDnsChange(tree, input, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toContain(
      'docs/clustermesh-dns-records.md',
    );
    expect(plan.edits.some(e => e.path.endsWith('dnsendpoint.yaml'))).toBe(
      false,
    );
    // detected (validation reads the repository the same way), and said
    expect(
      conventions.provenance?.find(p => p.setting === 'dns.mode'),
    ).toMatchObject({ source: 'detected', value: 'manual' });
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^DNS mode manual \(detected\): Flux applies no ExternalDNS and no DNSEndpoint CRD from the repository, and the repository holds no DNSEndpoint/,
      ),
    );
  });

  /** The dns.mode detected in the fixture with one more file (its lines). */
  const dnsModeWith = (file: string, lines: string[]) => {
    const files = fixtureFiles('configure-own-folder-entry/repo');
    files[file] = [...lines, ''].join('\n');
    return resolveConventions(
      {},
      detectConventions(createRepoTree(files)),
    ).provenance?.find(p => p.setting === 'dns.mode');
  };

  it('says a ResourceSet naming external-dns may deploy it, which is not known here', () => {
    expect(
      dnsModeWith('platform/helm-charts.yaml', [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: ResourceSet',
        'metadata: {name: helm-charts, namespace: flux-system}',
        'spec:',
        '  inputs:',
        '    - name: external-dns',
        '      chart: {name: external-dns, url: https://kubernetes-sigs.github.io/external-dns/}',
        '  resources: []',
      ]),
    ).toMatchObject({
      value: 'manual',
      reason:
        "no ExternalDNS, DNSEndpoint CRD or DNSEndpoint is among the files read, but ResourceSet helm-charts (platform/helm-charts.yaml:1), which this engine does not expand, names external-dns: whether it deploys ExternalDNS is not known, so the records are kept by hand: configure lists them in docs/clustermesh-dns-records.md, or in the clusters' CoreDNS hosts entries where they keep the peers (set dns.mode: externaldns in the conventions if an ExternalDNS with the crd source runs in the clusters)",
    });
  });

  it('does not call the DNSEndpoint kind unknown where a bootstrap helmfile takes the external-dns chart (the cluster-template applies its CRDs)', () => {
    expect(
      dnsModeWith('bootstrap/helmfile.d/00-crds.yaml', [
        'helmDefaults:',
        '  args: [--include-crds]',
        'releases:',
        '  - name: cloudflare-dns',
        '    namespace: network',
        '    chart: oci://ghcr.io/home-operations/charts-mirror/external-dns',
        '    version: 1.19.0',
      ]),
    ).toMatchObject({
      value: 'manual',
      reason:
        "Flux deploys no ExternalDNS and the repository holds no DNSEndpoint; bootstrap/helmfile.d/00-crds.yaml takes the external-dns chart when a cluster is bootstrapped (its DNSEndpoint CRD, where the chart's CRDs are installed), but no ExternalDNS of the repository reads DNSEndpoints, so the records are kept by hand: configure lists them in docs/clustermesh-dns-records.md, or in the clusters' CoreDNS hosts entries where they keep the peers (set dns.mode: externaldns in the conventions if ExternalDNS runs in the clusters another way)",
    });
  });

  it('writes no Cloudflare snippet while nothing says the zone is at Cloudflare, and says how to get one; a run naming the Cloudflare resource gets it', () => {
    const documentOf = (extra: Partial<MeshDnsChangeInput>) =>
      planMeshDnsChange(tree, { ...input, ...extra }, conventions).edits.find(
        e => e.path === 'docs/clustermesh-dns-records.md',
      )!.after;
    const guessed = documentOf({});
    expect(guessed).not.toMatch(/resource "cloudflare|DNS only/);
    expect(guessed).toContain(
      'If it is Cloudflare, say so with `dns.provider: cloudflare` in the conventions',
    );
    const named = documentOf({ cloudflareResource: 'cloudflare_record' });
    expect(named).toContain('resource "cloudflare_record" "clustermesh_a"');
    expect(named).toContain('They must be **DNS only** (not proxied).');
  });

  it('takes a DNSEndpoint commented out for later for none, and one written for a DNSEndpoint the clusters apply', () => {
    const example = [
      'apiVersion: externaldns.k8s.io/v1alpha1',
      'kind: DNSEndpoint',
      'metadata:',
      '  name: clustermesh',
      'spec:',
      '  endpoints: []',
    ];
    const modeOf = (text: string) =>
      resolveConventions(
        {},
        detectConventions(
          fixtureTree('configure-own-folder-entry/repo', files => {
            files['clusters/a/apps/later.yaml'] = text;
          }),
        ),
      ).dns.mode;
    expect(modeOf(example.map(l => `# ${l}`).join('\n'))).toBe('manual');
    expect(modeOf(example.join('\n'))).toBe('externaldns');
  });

  it("configures a cluster whose folder's name is not a Cilium name (B), by its folder; its FQDN is lower-case", () => {
    const renamed = fixtureTree('configure-own-folder-entry/repo', files => {
      for (const p of Object.keys(files)) {
        const text = files[p].split('clusters/b').join('clusters/B');
        delete files[p];
        files[p.replace(/^clusters\/b\//, 'clusters/B/')] = text;
      }
    });
    const plan = planMeshDnsChange(
      renamed,
      {
        clusters: [
          { name: 'a', ip: '10.61.1.10' },
          { name: 'B', ip: '10.61.2.10' },
        ],
      },
      resolveConventions({}, detectConventions(renamed)),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.records.map(r => [r.cluster, r.fqdn])).toEqual([
      ['a', 'clustermesh-a.example.org'],
      ['B', 'clustermesh-b.example.org'],
    ]);
  });

  it('writes DNSEndpoints when the run or the conventions choose that mode', () => {
    for (const plan of [
      planMeshDnsChange(tree, { ...input, mode: 'externaldns' }, conventions),
      planMeshDnsChange(
        tree,
        input,
        resolveConventions(
          { dns: { mode: 'externaldns' } },
          detectConventions(tree),
        ),
      ),
    ]) {
      expect(plan.problems).toEqual([]);
      expect(plan.edits.map(e => e.path)).toContain(
        'clusters/a/apps/cilium/clustermesh/dnsendpoint.yaml',
      );
    }
    // what validation needs to check the DNSEndpoint: manual mode here
    // comes from no ExternalDNS, not from a records document the
    // repository does not hold (emerconn's)
    const run = planMeshDnsChange(
      tree,
      { ...input, mode: 'externaldns' },
      conventions,
    );
    expect(run.decisions).toContainEqual(
      expect.stringMatching(
        /^Validation takes the DNS mode as manual \(detected: Flux applies no ExternalDNS .*\): set `dns: \{mode: externaldns\}` in the conventions file \(\.clustermesh-dns\.yaml\) so that it checks the DNSEndpoint\.$/,
      ),
    );
    expect(run.decisions.join('\n')).not.toContain('is in the repository');
  });
});

describe('planMeshDnsChange refuses bad input, naming the field, with no edit', () => {
  it("says what is left to do where the change would leave the mesh's last member alone (samip5's media after nebula was removed)", () => {
    const { files, input } = perClusterLayout();
    const { after } = applied(files, input, perClusterConventions);
    // west kept out since: east alone is the mesh
    const plan = planMeshDnsChange(
      createRepoTree(after),
      { clusters: [{ name: 'east', ip: '10.60.1.11' }] },
      {
        ...perClusterConventions,
        mesh: { ...perClusterConventions.mesh, exclude: ['west'] },
      },
    );
    expect(plan.problems).toEqual([
      {
        field: 'clusters',
        message:
          "the mesh after this change would be east; ClusterMesh needs at least two configured clusters (east is the mesh's last member: name another cluster in this run to give it a peer, or switch ClusterMesh off in its Cilium values and take it out too with --remove east)",
      },
    ]);
    expect(plan.edits).toEqual([]);
  });

  /** Configure east and west of the bootstrap-root fixture, edited, with these conventions. */
  const planBootstrapRoot = (
    edit: (files: Record<string, string>) => void = () => {},
    explicit: MeshConventionsInput = {},
  ) => {
    const tree = fixtureTree('configure-bootstrap-root/repo', edit);
    return planMeshDnsChange(
      tree,
      eastAndWest,
      resolveConventions(
        {
          fqdnTemplate: 'clustermesh-{cluster}.mesh.example.test',
          // as the fixture's team: the addresses in settings
          settings: { create: 'always' },
          ...explicit,
        },
        detectConventions(tree),
      ),
    );
  };

  it('says that SOPS-encrypted files a Kustomization applies are substituted too once the change has it substitute', () => {
    const plan = planBootstrapRoot(files => {
      files['clusters/east/secret.sops.yaml'] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-credentials\n  namespace: default\nstringData:\n  password: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:AAAA,type:str]\n  version: 3.9.0\n';
    });
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      'Kustomization flux-system/flux-system substitutes for the first time, and it applies SOPS-encrypted files (clusters/east/secret.sops.yaml): Flux substitutes their decrypted values too, which are not read here; a `${...}` in them that no source defines would be replaced (escape it as `$${...}`).',
    );
  });

  it('says once what is the same for both clusters (a SOPS file both roots apply)', () => {
    const plan = planBootstrapRoot(files => {
      files['clusters/shared/secret.sops.yaml'] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-credentials\n  namespace: default\nstringData:\n  password: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:AAAA,type:str]\n  version: 3.9.0\n';
      for (const c of ['east', 'west'])
        files[`clusters/${c}/kustomization.yaml`] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - flux-system\n  - cilium.yaml\n  - pool.yaml\n  - ../shared/secret.sops.yaml\n';
    });
    expect(plan.problems).toEqual([]);
    expect(
      plan.decisions.filter(d =>
        d.includes('clusters/shared/secret.sops.yaml'),
      ),
    ).toHaveLength(1);
  });

  it('refuses a cluster whose Cilium release two Kustomizations apply each their own way', () => {
    const plan = planBootstrapRoot(files => {
      // east's release moves into a folder of its own, which a Kustomization
      // applies with substitution, while the root's generated kustomization
      // takes the folder in too
      files['clusters/east/cilium/release.yaml'] = files[
        'clusters/east/cilium.yaml'
      ].replace('name: east', 'name: ${CLUSTER_NAME}');
      delete files['clusters/east/cilium.yaml'];
      files['clusters/east/cilium/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n';
      files['clusters/east/infra.yaml'] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        '  name: infra',
        '  namespace: flux-system',
        'spec:',
        '  interval: 10m',
        '  path: ./clusters/east/cilium',
        '  prune: true',
        '  sourceRef:',
        '    kind: GitRepository',
        '    name: flux-system',
        '  postBuild:',
        '    substitute:',
        '      CLUSTER_NAME: east',
        '',
      ].join('\n');
    });
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual(
      expect.objectContaining({
        field: 'clusters/east/cilium/release.yaml',
        message:
          'HelmRelease kube-system/cilium of east is applied by Kustomizations flux-system/flux-system and flux-system/infra, each its own way: which values the cluster runs, and which Kustomization its settings must reach, is not defined',
      }),
    );
  });

  it('refuses a bootstrap Kustomization that would apply the settings it substitutes from, where Flux substitutes strictly: it would fail its first reconcile for good', () => {
    const plan = planBootstrapRoot(undefined, {
      flux: { strictSubstitution: true },
    });
    expect(plan.edits).toEqual([]);
    expect(plan.problems.map(p => [p.field, p.message])).toEqual(
      ['east', 'west'].map(c => [
        `clusters/${c}/flux-system/gotk-sync.yaml`,
        `Kustomization flux-system/flux-system applies the Cilium values of ${c} and would also apply its new settings ConfigMap cluster-settings (clusters/${c}/flux-system/cluster-settings.yaml): at its first reconcile the ConfigMap is not there yet, and this repository's Flux substitutes strictly, so it would fail on the undefined variables before applying anything, the ConfigMap included, for good`,
      ]),
    );
  });

  it("refuses a settings patch that several clusters' overlays share, as it refuses the shared ConfigMap it patches", () => {
    const tree = fixtureTree('configure-settings-overlay-patch/repo', files => {
      const prd = 'infrastructure/overlays/prd/kustomization.yaml';
      files[prd] = files[prd].replace(
        'path: ./settings.yaml',
        'path: ../dev/settings.yaml',
      );
    });
    const conventions = resolveConventions(
      { values: { DOMAIN: 'mesh.example.test' } },
      detectConventions(tree),
    );
    const plan = planMeshDnsChange(
      tree,
      {
        clusters: [
          { name: 'dev', ip: '192.168.49.251' },
          { name: 'production', ip: '192.168.30.251' },
        ],
      },
      conventions,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual(
      expect.objectContaining({
        field: 'components/substitute/settings.yaml',
        message: expect.stringMatching(
          /^holds ConfigMap settings, the settings of dev, production alike/,
        ),
      }),
    );
  });

  it('refuses clusters Cilium cannot tell apart: one cluster.name for two of them names two peer entries alike', () => {
    const planOf = (tree: ReturnType<typeof fixtureTree>) =>
      planMeshDnsChange(
        tree,
        {
          clusters: [
            { name: 'a', ip: '10.61.1.10' },
            { name: 'b', ip: '10.61.2.10' },
          ],
        },
        resolveConventions({}, detectConventions(tree)),
      );
    const tree = fixtureTree('configure-own-folder-entry/repo', files => {
      for (const c of ['a', 'b'])
        files[`clusters/${c}/apps/cilium/helmrelease.yaml`] = files[
          `clusters/${c}/apps/cilium/helmrelease.yaml`
        ].replace('name: ${CLUSTER_NAME}', 'name: default');
    });
    const plan = planOf(tree);
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toEqual([
      {
        field: 'clusters',
        message:
          'a, b all have Cilium\'s cluster.name "default" (clusters/a/apps/cilium/helmrelease.yaml:19, clusters/b/apps/cilium/helmrelease.yaml:19): ClusterMesh tells its clusters apart by that name, and the peer entries this change writes are named by it; give each cluster its own cluster.name in its Cilium values, then run again',
      },
    ]);
    // their cluster.id alike too: both to change
    const sameId = fixtureTree('configure-own-folder-entry/repo', files => {
      for (const c of ['a', 'b'])
        files[`clusters/${c}/apps/cilium/helmrelease.yaml`] = files[
          `clusters/${c}/apps/cilium/helmrelease.yaml`
        ]
          .replace('name: ${CLUSTER_NAME}', 'name: default')
          .replace('id: ${CLUSTER_ID}', 'id: 1');
    });
    expect(planOf(sameId).problems.map(p => p.message)).toContainEqual(
      expect.stringContaining(
        'give each cluster its own cluster.name (and cluster.id) in its Cilium values',
      ),
    );

    // a name from a ConfigMap made outside the repository (Terraform) is
    // not known here: not one name for both
    const outside = fixtureTree('configure-own-folder-entry/repo', files => {
      for (const c of ['a', 'b']) {
        files[`clusters/${c}/apps/cilium/helmrelease.yaml`] = files[
          `clusters/${c}/apps/cilium/helmrelease.yaml`
        ].replace('name: ${CLUSTER_NAME}', 'name: ${EKS_CLUSTER_NAME}');
      }
      const a = 'clusters/a/flux/deploy/orchestration.yaml';
      files[a] = files[a].replace(
        '                name: cluster-settings\n',
        '                name: cluster-settings\n              - kind: ConfigMap\n                name: cluster-vars\n',
      );
      const b = 'clusters/b/flux/sync.yaml';
      files[b] = files[b].replace(
        '        name: cluster-settings\n',
        '        name: cluster-settings\n      - kind: ConfigMap\n        name: cluster-vars\n',
      );
    });
    const unknownNames = planOf(outside);
    expect(
      unknownNames.problems.filter(p => p.message.includes('all have')),
    ).toEqual([]);
    expect(unknownNames.edits.length).toBeGreaterThan(0);
  });

  it('says first that a values file shared verbatim cannot hold each cluster its FQDN, and that the settings it speaks of are the ones the change creates', () => {
    // no settings anywhere; both clusters apply one base of Cilium values
    // with no substitution; each has its own pool
    const files: Record<string, string> = {
      'infrastructure/base/cilium/kustomization.yaml':
        'namespace: kube-system\nresources: [release.yaml]\n',
      'infrastructure/base/cilium/release.yaml': sharedCiliumRelease(
        'clustermesh: {useAPIServer: true}',
      ),
      ...unappliedDomainSecret,
    };
    for (const [c, id] of [
      ['alpha', 1],
      ['beta', 2],
    ] as const) {
      files[
        `clusters/${c}/sync.yaml`
      ] = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./clusters/${c}\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./infrastructure/${c}\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n`;
      files[`infrastructure/${c}/kustomization.yaml`] =
        'resources: [../base/cilium, pool.yaml]\n';
      files[
        `infrastructure/${c}/pool.yaml`
      ] = `apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: pool}\nspec: {blocks: [{cidr: 10.${id}.0.0/24}]}\n`;
    }
    const { plan } = applied(
      files,
      {
        clusters: [
          { name: 'alpha', ip: '10.1.0.10' },
          { name: 'beta', ip: '10.2.0.10' },
        ],
      },
      resolveConventions({
        clustersPath: 'clusters',
        values: { SECRET_DOMAIN: 'example.net' },
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: 'infrastructure/base/cilium/release.yaml',
      message: expect.stringMatching(
        /^is shared by alpha, beta, and no variable holding the cluster name is substituted in it for every one of alpha, beta: one file cannot hold each cluster's own FQDN there \(it would go as the template, not from the settings: ConfigMap cluster-settings, which this change creates \(clusters\/alpha\/cluster-settings\.yaml\), is applied by Kustomization flux-system\/flux-system without post-build substitution.*\); have Flux substitute in it a variable holding each cluster's name \(CLUSTER_NAME in the settings of each\), or, if the domain may be in plain files/,
      ),
    });
  });

  it("has the Kustomization applying shared Cilium values substitute from the settings each cluster has, where it does not yet (isvicy's cilium/ks.yaml without a postBuild), once for a declaration the clusters share", () => {
    const input = {
      clusters: [
        { name: 'alpha', ip: '10.1.0.10' },
        { name: 'beta', ip: '10.2.0.10' },
      ],
    };
    const conventions = resolveConventions({
      clustersPath: 'clusters',
      fqdnTemplate: 'clustermesh-{cluster}.example.net',
    });
    const files = sharedReleaseLayout({
      sources: '      - {kind: ConfigMap, name: cluster-settings}\n',
    });
    // the values need CLUSTER_NAME: none substituted, each cluster's
    // settings there all the same (its pool in its own folder)
    files['infrastructure/cilium/kustomization.yaml'] =
      'namespace: kube-system\nresources: [release.yaml]\n';
    for (const [c, id] of [
      ['alpha', 1],
      ['beta', 2],
    ]) {
      files[`clusters/${c}/cilium.yaml`] = files[
        `clusters/${c}/cilium.yaml`
      ].replace(/ {2}postBuild:[^]*$/, '');
      files[`settings/${c}/kustomization.yaml`] =
        'resources: [cluster-settings.yaml, pool.yaml]\n';
      files[`settings/${c}/pool.yaml`] = files[
        'infrastructure/cilium/pool.yaml'
      ].replace('${POOL_CIDR}', `10.${id}.0.0/24`);
    }
    const own = applied(files, input, conventions);
    expect(own.plan.problems).toEqual([]);
    for (const c of ['alpha', 'beta'])
      expect(
        parse(own.after[`clusters/${c}/cilium.yaml`].split('\n---\n')[0]).spec
          .postBuild,
      ).toEqual({
        substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
      });
    expect(own.after['settings/alpha/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: 10.1.0.10',
    );
    expect(own.plan.report?.summary.errors).toBe(0);
    // one declaration both clusters' folders list: edited once
    const shared = { ...files };
    shared['shared/cilium.yaml'] = files['clusters/alpha/cilium.yaml'];
    for (const c of ['alpha', 'beta']) {
      delete shared[`clusters/${c}/cilium.yaml`];
      shared[`clusters/${c}/kustomization.yaml`] =
        'resources: [sync.yaml, settings.yaml, ../../shared/cilium.yaml]\n';
    }
    const once = applied(shared, input, conventions);
    expect(once.plan.problems).toEqual([]);
    expect(
      parse(once.after['shared/cilium.yaml'].split('\n---\n')[0]).spec.postBuild
        .substituteFrom,
    ).toEqual([{ kind: 'ConfigMap', name: 'cluster-settings' }]);
  });

  it('says why a shared HelmRelease cannot hold the FQDN template: the domain given to the run is not substituted in it', () => {
    // settings applied without substitution, Cilium values shared by the
    // clusters and substituted with them (CLUSTER_NAME); the domain only
    // given to this run
    const files = sharedReleaseLayout({
      sources: '      - {kind: ConfigMap, name: cluster-settings}\n',
      extra: unappliedDomainSecret,
    });
    const input = {
      clusters: [
        { name: 'alpha', ip: '10.1.0.10' },
        { name: 'beta', ip: '10.2.0.10' },
      ],
    };
    const { plan } = applied(
      files,
      input,
      resolveConventions({
        clustersPath: 'clusters',
        values: { SECRET_DOMAIN: 'example.net' },
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: 'infrastructure/cilium/release.yaml',
      // why the FQDN is not from the settings, why the template fails, and the way out
      message:
        "is shared by alpha, beta, and CLUSTER_NAME holds the cluster name there, but the FQDN template clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN} also needs SECRET_DOMAIN, which Flux does not substitute in it for every one of alpha, beta (a value given to this run is not in the cluster: define it in the settings the Kustomization substitutes from): one file cannot hold each cluster's own FQDN there (it would go as the template, not from the settings: ConfigMap cluster-settings is applied by Kustomization flux-system/cluster-settings without post-build substitution, so Flux stores its values verbatim, and SECRET_DOMAIN is a value given to this run, which no source of the cluster is known to define: the name is not written out in a plain file; the template goes into the files Flux substitutes); if the domain may be in plain files, name it in the FQDN template itself (fqdnTemplate, --fqdn-template: clustermesh-{cluster}.<SECRET_DOMAIN>)",
    });
    // which the same run then takes
    const written = applied(
      files,
      input,
      resolveConventions({
        clustersPath: 'clusters',
        fqdnTemplate: 'clustermesh-{cluster}.example.net',
      }),
    );
    expect(written.plan.problems).toEqual([]);
    expect(written.plan.records.map(r => r.fqdn)).toEqual([
      'clustermesh-alpha.example.net',
      'clustermesh-beta.example.net',
    ]);
    // CLUSTER_NAME holds lab-<cluster>, the domain is a Secret's: the
    // template that writes lab-{cluster} uses it
    const framed = { ...files };
    for (const c of ['alpha', 'beta']) {
      framed[`settings/${c}/cluster-settings.yaml`] = framed[
        `settings/${c}/cluster-settings.yaml`
      ].replace(`CLUSTER_NAME: ${c}`, `CLUSTER_NAME: lab-${c}`);
      framed[`settings/${c}/kustomization.yaml`] =
        'resources: [cluster-settings.yaml, cluster-secrets.sops.yaml]\n';
      framed[`settings/${c}/cluster-secrets.sops.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  version: 3.9.0\n';
      framed[`clusters/${c}/cilium.yaml`] = framed[
        `clusters/${c}/cilium.yaml`
      ].replace(
        '      - {kind: ConfigMap, name: cluster-settings}\n',
        '      - {kind: ConfigMap, name: cluster-settings}\n      - {kind: Secret, name: cluster-secrets}\n',
      );
    }
    const withSecret = (fqdnTemplate?: string) =>
      applied(
        framed,
        input,
        resolveConventions({ clustersPath: 'clusters', fqdnTemplate }),
      );
    expect(withSecret().plan.problems).toContainEqual({
      field: 'infrastructure/cilium/release.yaml',
      message: expect.stringContaining(
        'no variable holding the cluster name is substituted in it for every one of alpha, beta (CLUSTER_NAME holds lab-{cluster} there: an FQDN template that writes lab-{cluster}, such as clustermesh-lab-{cluster}.${SECRET_DOMAIN}, uses it)',
      ),
    });
    const withFraming = withSecret(
      'clustermesh-lab-{cluster}.${SECRET_DOMAIN}',
    );
    expect(withFraming.plan.problems).toEqual([]);
    expect(withFraming.after['infrastructure/cilium/release.yaml']).toContain(
      'clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
    );
  });

  it("keeps a domain only sources made outside the repository may hold (an ExternalSecret's Secret, an optional ConfigMap) out of plain files: not known without its value, the template in the files Flux substitutes with it (TorStava)", () => {
    // settings applied without substitution; the shared Cilium values
    // substituted with them and with an ExternalSecret's Secret, whose
    // keys (the domain among them) are not known here, and an optional
    // ConfigMap made outside the repository, if at all
    const files = sharedReleaseLayout({
      sources:
        '      - {kind: ConfigMap, name: cluster-settings}\n      - {kind: Secret, name: cluster-secrets}\n      - {kind: ConfigMap, name: cluster-overrides, optional: true}\n',
      // the repository's names in that domain
      extra: {
        'apps/web/route.yaml':
          'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec: {hostnames: ["web.${SECRET_DOMAIN}"]}\n',
      },
      settingsFiles: {
        'cluster-secrets.yaml':
          'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  target: {name: cluster-secrets}\n  dataFrom: [{extract: {key: cluster}}]\n',
      },
    });
    const input = {
      clusters: [
        { name: 'alpha', ip: '10.1.0.10' },
        { name: 'beta', ip: '10.2.0.10' },
      ],
    };
    // without its value: whether the Secret holds it is not known
    const unknown = applied(
      files,
      input,
      resolveConventions({ clustersPath: 'clusters' }),
    );
    expect(unknown.plan.edits).toEqual([]);
    expect(unknown.plan.problems).toContainEqual({
      field: 'infrastructure/cilium/release.yaml',
      message: expect.stringContaining(
        'but the FQDN template clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN} also needs SECRET_DOMAIN, which only sources whose keys are not known here may define for alpha, beta (such as ',
      ),
    });
    // with it: the template goes where Flux substitutes it, the domain
    // given to this run is not written out in the plain settings
    const known = applied(
      files,
      input,
      resolveConventions({
        clustersPath: 'clusters',
        values: { SECRET_DOMAIN: 'example.net' },
      }),
    );
    expect(known.plan.problems).toEqual([]);
    expect(
      known.plan.decisions.find(d => /FQDN template is written/.test(d)),
    ).toMatch(
      /the FQDN template is written in the files Flux substitutes .* SECRET_DOMAIN is secret/,
    );
    expect(known.after['infrastructure/cilium/release.yaml']).toContain(
      'clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
    );
    for (const e of known.plan.edits)
      expect(`${e.path}: ${e.after}`).not.toContain('example.net');
  });

  const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
  const ip = (infra: string, apps = '10.25.11.120') => ({
    clusters: [
      { name: 'infra', ip: infra },
      { name: 'apps', ip: apps },
    ],
  });
  const name = (n: string) => ({ clusters: [{ name: n, ip: '10.25.11.100' }] });
  const cases: Array<
    [
      string,
      MeshDnsChangeInput,
      string,
      RegExp,
      ((f: Record<string, string>) => void)?,
    ]
  > = [
    ['no cluster', { clusters: [] }, 'clusters', /lists no cluster/],
    [
      'an IP with letters',
      ip('10.25.11.abc'),
      'clusters[0].ip',
      /"10\.25\.11\.abc"/,
    ],
    [
      'an IP with five parts',
      ip('10.25.11.100.1'),
      'clusters[0].ip',
      /10\.25\.11\.100\.1/,
    ],
    ['an octet over 255', ip('10.25.11.300'), 'clusters[0].ip', /300/],
    ['an empty IP', ip(''), 'clusters[0].ip', /""/],
    [
      'a CIDR instead of an IP',
      ip('10.25.11.100/32'),
      'clusters[0].ip',
      /\/32/,
    ],
    ['an IP with a leading space', ip(' 10.25.11.100'), 'clusters[0].ip', /"/],
    [
      'an IP outside the pool',
      ip('10.25.12.1'),
      'clusters[0].ip',
      /outside the LB IPAM pools of infra \(lb-ippool-infra: 10\.25\.11\.100-10\.25\.11\.119\)/,
    ],
    [
      "the other cluster's pool",
      ip('10.25.11.121', '10.25.11.100'),
      'clusters[0].ip',
      /outside the LB IPAM pools of infra/,
    ],
    [
      'a duplicated IP',
      ip('10.25.11.100', '10.25.11.100'),
      'clusters[1].ip',
      /is also the IP given to infra; each clustermesh-apiserver needs its own/,
    ],
    [
      'an IPv6 address outside the pools',
      ip('fd00::1'),
      'clusters[0].ip',
      /outside the LB IPAM pools/,
    ],
    [
      'mixed families',
      ip('10.25.11.100', 'fd00::1'),
      'clusters[1].ip',
      /outside/,
    ],
    ['a name with ..', name('..'), 'clusters[0].name', /"\.\."/],
    ['a name with /', name('infra/x'), 'clusters[0].name', /"\/"/],
    ['a name with upper case', name('Infra'), 'clusters[0].name', /"I"/],
    [
      'a name of 64 characters',
      name('a'.repeat(64)),
      'clusters[0].name',
      /64 characters/,
    ],
    [
      'a name of 33 characters',
      name('a'.repeat(33)),
      'clusters[0].name',
      /at most 32/,
    ],
    ['a unicode name', name('infrä'), 'clusters[0].name', /"ä"/],
    [
      'a name ending with -',
      name('infra-'),
      'clusters[0].name',
      /begin and end/,
    ],
    ['a name with ": "', name('infra: x'), 'clusters[0].name', /":"/],
    ['a name with #', name('infra#x'), 'clusters[0].name', /"#"/],
    ['a name with a newline', name('infra\nx: y'), 'clusters[0].name', /"\\n"/],
    ['a name with quotes', name('"infra"'), 'clusters[0].name', /"\\""/],
    [
      'an IP with YAML syntax',
      ip('10.25.11.100\n  evil: true'),
      'clusters[0].ip',
      /evil/,
    ],
    ['an IP with a comment', ip('10.25.11.100 # x'), 'clusters[0].ip', /#/],
    [
      'a duplicated name',
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'infra', ip: '10.25.11.101' },
        ],
      },
      'clusters[1].name',
      /listed twice/,
    ],
    [
      'an unknown cluster',
      name('staging'),
      'clusters[0].name',
      /not a cluster of the repository \(kubernetes\/clusters\/ has apps, infra\)/,
    ],
    [
      'a TTL of 0',
      { ...ip('10.25.11.100'), ttl: 0 },
      'ttl',
      /0 is outside 1 \(auto\) or 60\.\.86400 for Cloudflare/,
    ],
    ['a TTL of 30', { ...ip('10.25.11.100'), ttl: 30 }, 'ttl', /30 is outside/],
    [
      'a TTL over a day',
      { ...ip('10.25.11.100'), ttl: 90000 },
      'ttl',
      /90000 is outside/,
    ],
    [
      'a fractional TTL',
      { ...ip('10.25.11.100'), ttl: 300.5 },
      'ttl',
      /300\.5/,
    ],
    [
      'a SOPS-encrypted settings file',
      ip('10.25.11.100'),
      'kubernetes/clusters/infra/cluster-settings.yaml',
      /SOPS-encrypted.*sops kubernetes\/clusters\/infra\/cluster-settings\.yaml/,
      f => {
        f['kubernetes/clusters/infra/cluster-settings.yaml'] +=
          'sops:\n  version: 3.9.0\n';
      },
    ],
    [
      'malformed YAML in the HelmRelease',
      ip('10.25.11.100'),
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
      /not valid YAML/,
      f => {
        f[
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml'
        ] += '\n  values: [oops\n';
      },
    ],
    [
      'a missing HelmRelease file',
      ip('10.25.11.100'),
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
      /does not exist; it should hold the Cilium HelmRelease/,
      f => {
        delete f[
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml'
        ];
      },
    ],
    [
      'a settings file without the ConfigMap',
      ip('10.25.11.100'),
      'kubernetes/clusters/infra/cluster-settings.yaml',
      /has no ConfigMap cluster-settings|\[settings-present\]/,
      f => {
        f['kubernetes/clusters/infra/cluster-settings.yaml'] = f[
          'kubernetes/clusters/infra/cluster-settings.yaml'
        ].replace('kind: ConfigMap', 'kind: Secret');
      },
    ],
    [
      'a repository with no clusters',
      ip('10.25.11.100'),
      'kubernetes/clusters',
      // as validate says it: not "a repository of one cluster"
      /^kubernetes\/clusters: does not exist: no Flux entry point in the repository \(a Kustomization reconciling its own folder, a FluxInstance sync\.path\) and no clusters folder/,
      f => {
        for (const p of Object.keys(f))
          if (p.startsWith('kubernetes/clusters/')) delete f[p];
      },
    ],
    [
      'one settings ConfigMap for both clusters',
      ip('10.25.11.100'),
      'kubernetes/clusters/infra/cluster-settings.yaml',
      /holds ConfigMap cluster-settings, the settings of (infra, apps|apps, infra) alike: each cluster's own FQDN and LB IP cannot be written there/,
      f => {
        // apps applies the settings of infra: every cluster reads one object
        f['kubernetes/clusters/apps/vars/kustomization.yaml'] = f[
          'kubernetes/clusters/apps/vars/kustomization.yaml'
        ].replace(
          '../cluster-settings.yaml',
          '../../infra/cluster-settings.yaml',
        );
      },
    ],
    [
      'a binary settings file',
      ip('10.25.11.100'),
      'kubernetes/clusters/infra/cluster-settings.yaml',
      /UTF-8/,
      f => {
        (f as any)['kubernetes/clusters/infra/cluster-settings.yaml'] =
          Uint8Array.from([0x61, 0x3a, 0xc3, 0x28, 0]);
      },
    ],
  ];

  it('has at least 30 cases', () =>
    expect(cases.length).toBeGreaterThanOrEqual(30));

  // Every row gets five cells: with fewer, Jest passes `done` as `edit`.
  const rows = cases.map(([a, b, c, d, e]) => [a, b, c, d, e ?? null] as const);
  it.each(rows)('%s', (_what, input, field, message, edit) => {
    const files = { ...before };
    edit?.(files);
    const plan = planMeshDnsChange(createRepoTree(files), input, withDomain);
    expect(plan.edits).toEqual([]);
    const problem = plan.problems.find(p => p.field === field);
    expect(
      problem ? `${problem.field}: ${problem.message}` : plan.problems,
    ).toMatch(message);
    expect(plan.summary).toContain(`\`${field}\``);
  });

  it("refuses to write a cluster's own entries into settings a cluster outside the mesh applies too, naming a ConfigMap the cluster substitutes from alone", () => {
    const files = { ...before };
    // lab, kept out of the mesh, applies infra's settings file
    for (const [file, text] of Object.entries(before))
      if (file.startsWith('kubernetes/clusters/apps/'))
        files[file.replace('/apps/', '/lab/')] = text.replace(/apps/g, 'lab');
    files['kubernetes/clusters/lab/vars/kustomization.yaml'] = files[
      'kubernetes/clusters/lab/vars/kustomization.yaml'
    ].replace('../cluster-settings.yaml', '../../infra/cluster-settings.yaml');
    // infra's Cilium values are substituted from a ConfigMap of its own too
    const infra = 'kubernetes/clusters/infra';
    files[`${infra}/infrastructure.yaml`] = files[
      `${infra}/infrastructure.yaml`
    ].replace(
      '      - kind: Secret',
      '      - kind: ConfigMap\n        name: infra-settings\n      - kind: Secret',
    );
    files[`${infra}/infra-settings.yaml`] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: infra-settings, namespace: flux-system}\ndata:\n  RACK: a1\n';
    files[`${infra}/vars/kustomization.yaml`] += '  - ../infra-settings.yaml\n';
    const conventions = resolveConventions({
      ...knownDomain,
      mesh: { exclude: ['lab'] },
    });
    const plan = planMeshDnsChange(
      createRepoTree(files),
      storyInput,
      conventions,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: 'kubernetes/clusters/infra/cluster-settings.yaml',
      message: expect.stringMatching(
        /^holds ConfigMap cluster-settings, the settings of infra and of lab \(outside the mesh\) alike: each cluster's own FQDN and LB IP cannot be written there \(lab would take them for its own\); give each cluster a settings ConfigMap of its own, named in the conventions \(settings\.configMap, settings\.file\) \(infra's Kustomization flux-system\/cluster-infra-infrastructure also substitutes from ConfigMap infra-settings, in kubernetes\/clusters\/infra\/infra-settings\.yaml, which only infra applies\)/,
      ),
    });
  });

  it("writes each cluster's entries in its own settings ConfigMap, listed after shared defaults every cluster applies (cbrherms')", () => {
    const files = { ...before };
    const shared = 'kubernetes/shared/cluster-settings.yaml';
    files[shared] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  TIMEZONE: Etc/UTC\n';
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      // the cluster's own ConfigMap, named after it, listed last: it wins
      files[`${dir}/cluster-settings.yaml`] = files[
        `${dir}/cluster-settings.yaml`
      ].replace('name: cluster-settings\n', `name: cluster-settings-${c}\n`);
      files[`${dir}/vars/kustomization.yaml`] +=
        '  - ../../../shared/cluster-settings.yaml\n';
      files[`${dir}/infrastructure.yaml`] = files[
        `${dir}/infrastructure.yaml`
      ].replace(
        '        name: cluster-settings\n',
        `        name: cluster-settings\n      - kind: ConfigMap\n        name: cluster-settings-${c}\n`,
      );
    }
    const detected = detectConventions(createRepoTree(files));
    expect(detected.conventions.settings).toEqual({
      configMap: 'cluster-settings-{cluster}',
    });
    const conventions = resolveConventions(knownDomain, detected);
    const { plan, after } = applied(files, storyInput, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).not.toContain(shared);
    expect(
      parse(after['kubernetes/clusters/infra/cluster-settings.yaml']).data,
    ).toMatchObject({
      CILIUM_CLUSTERMESH_LB_IP: '10.25.11.100',
      CILIUM_CLUSTERMESH_APPS_FQDN: 'clustermesh-apps.${SECRET_DOMAIN}',
    });
    expect(
      validateMesh(createRepoTree(after), conventions).summary.errors,
    ).toBe(0);
  });

  it("says when the pools around an address are each kept for another service by name, and advises a pool of the apiserver's own, never widening one", () => {
    const files = { ...before };
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    // a one-address pool per service, as home labs keep one for traefik
    files[pool] = files[pool].replace(
      '    - start: 10.25.11.120\n      stop: 10.25.11.139\n',
      '    - start: 10.25.11.120\n  serviceSelector:\n    matchLabels:\n      io.kubernetes.service.name: traefik\n',
    );
    const problemOf = (address: string) =>
      planMeshDnsChange(
        createRepoTree(files),
        ip('10.25.11.100', address),
        withDomain,
      ).problems.find(p => p.field === 'clusters[1].ip');
    expect(problemOf('10.25.11.121')).toEqual({
      field: 'clusters[1].ip',
      message:
        '10.25.11.121 is outside the LB IPAM pools of apps (lb-ippool-apps: 10.25.11.120), and none of them admits the clustermesh-apiserver service: its serviceSelector takes other services',
      remedy:
        'Add a CiliumLoadBalancerIPPool for the clustermesh-apiserver service that holds 10.25.11.121 (`spec.blocks: [{start: 10.25.11.121, stop: 10.25.11.121}]`, or a CIDR, with `serviceSelector: {matchLabels: {io.kubernetes.service.name: clustermesh-apiserver}}`) to what Flux applies to apps, in addresses no other pool holds.',
    });
    expect(problemOf('10.25.11.120')).toEqual({
      field: 'clusters[1].ip',
      message:
        '10.25.11.120 is in pool "lb-ippool-apps" of apps, but its serviceSelector does not admit the clustermesh-apiserver service (the pool is for service traefik)',
      remedy:
        'Give an address of a pool whose serviceSelector admits the clustermesh-apiserver service, or add a CiliumLoadBalancerIPPool for it (with `serviceSelector: {matchLabels: {io.kubernetes.service.name: clustermesh-apiserver}}`) in addresses no other pool holds.',
    });
  });

  it('advises labelling the apiserver service for a pool whose serviceSelector asks for an opt-in label', () => {
    const files = { ...before };
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    files[pool] = files[pool].replace(
      '      stop: 10.25.11.139\n',
      '      stop: 10.25.11.139\n  serviceSelector:\n    matchLabels:\n      io.cilium/lb-ipam-pool: bgp-default\n',
    );
    const problem = planMeshDnsChange(
      createRepoTree(files),
      ip('10.25.11.100', '10.25.11.121'),
      withDomain,
    ).problems.find(p => p.field === 'clusters[1].ip');
    expect(problem).toEqual({
      field: 'clusters[1].ip',
      message:
        '10.25.11.121 is in pool "lb-ippool-apps" of apps, but its serviceSelector does not admit the clustermesh-apiserver service',
      remedy:
        'Give an address of a pool whose serviceSelector admits the clustermesh-apiserver service, label the clustermesh-apiserver service as it selects (`clustermesh.apiserver.service.labels: {io.cilium/lb-ipam-pool: bgp-default}` in the Cilium values), or widen that of pool "lb-ippool-apps".',
    });
    // a value YAML would read as a boolean is quoted: a label is a string
    // (barstown's `use-cilium-lb: "true"`)
    files[pool] = files[pool].replace(
      'io.cilium/lb-ipam-pool: bgp-default',
      'use-cilium-lb: "true"',
    );
    const remedy = () =>
      planMeshDnsChange(
        createRepoTree(files),
        ip('10.25.11.100', '10.25.11.121'),
        withDomain,
      ).problems.find(p => p.field === 'clusters[1].ip')?.remedy;
    expect(remedy()).toContain(
      '`clustermesh.apiserver.service.labels: {use-cilium-lb: "true"}`',
    );
    // never a label the chart writes on the service itself
    files[pool] = files[pool].replace(
      'use-cilium-lb: "true"',
      'app.kubernetes.io/name: jellyfin',
    );
    expect(remedy()).toBe(
      'Give an address of a pool whose serviceSelector admits the clustermesh-apiserver service, or widen that of pool "lb-ippool-apps".',
    );
  });

  it('says an address cannot be checked against a block Flux cannot substitute, and advises defining its variable, not adding a block', () => {
    const files = { ...before };
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    // elcattivo66's copy: the pool's CIDR a variable no source defines
    files[pool] = files[pool].replace(
      '    - start: 10.25.11.120\n      stop: 10.25.11.139\n',
      '    - cidr: ${LB_POOL_CIDR}\n',
    );
    expect(files[pool]).toContain('${LB_POOL_CIDR}');
    const problem = planMeshDnsChange(
      createRepoTree(files),
      ip('10.25.11.100', '10.25.11.130'),
      withDomain,
    ).problems.find(p => p.field === 'clusters[1].ip');
    expect(problem).toEqual({
      field: 'clusters[1].ip',
      message: `10.25.11.130 cannot be checked against the LB IPAM pools of apps: the block \${LB_POOL_CIDR} of pool "lb-ippool-apps" (${pool}:9) holds LB_POOL_CIDR, which Flux leaves unsubstituted there (validate says why), so it is no range of addresses`,
      remedy: `Define LB_POOL_CIDR where the Kustomization that applies ${pool} substitutes from, then run configure again.`,
    });
  });

  it("says a pool without blocks as such among the pools an address is outside of, and names the conventions' clusters list where it decides the clusters", () => {
    const files = { ...before };
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    files[pool] = files[pool].replace(
      / {2}blocks:\n(?: {4}- .*\n(?: {6}.*\n)*)+/,
      '  blocks: []\n',
    );
    expect(files[pool]).toContain('blocks: []');
    const problemsOf = (input: MeshDnsChangeInput) =>
      planMeshDnsChange(
        createRepoTree(files),
        input,
        resolveConventions({ ...knownDomain, clusters: ['infra', 'apps'] }),
      ).problems;
    expect(problemsOf(ip('10.25.11.100', '10.25.12.5'))).toContainEqual(
      expect.objectContaining({
        field: 'clusters[1].ip',
        message:
          '10.25.12.5 is outside the LB IPAM pools of apps (lb-ippool-apps: no blocks)',
      }),
    );
    // a pool of the older field (Cilium 1.14, Alethio36's): the block to
    // add is written in it
    files[pool] = files[pool].replace(
      '  blocks: []\n',
      '  cidrs:\n    - cidr: 10.25.11.120/30\n',
    );
    expect(problemsOf(ip('10.25.11.100', '10.25.12.5'))).toContainEqual(
      expect.objectContaining({
        field: 'clusters[1].ip',
        remedy: expect.stringContaining(
          'add a CiliumLoadBalancerIPPool block that holds 10.25.12.5 (`spec.cidrs: [{cidr: 10.25.12.5/32}]`, or a wider CIDR)',
        ),
      }),
    );
    // blocks written as CIDRs (ionut-maxim's): a CIDR block is offered
    files[pool] = files[pool].replace(
      '  cidrs:\n    - cidr: 10.25.11.120/30\n',
      '  blocks:\n    - cidr: 10.25.11.120/30\n',
    );
    expect(problemsOf(ip('10.25.11.100', '10.25.12.5'))).toContainEqual(
      expect.objectContaining({
        field: 'clusters[1].ip',
        remedy: expect.stringContaining(
          'add a CiliumLoadBalancerIPPool block that holds 10.25.12.5 (`spec.blocks: [{cidr: 10.25.12.5/32}]`, or a wider CIDR)',
        ),
      }),
    );
    expect(
      problemsOf({
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'edge', ip: '10.25.13.5' },
        ],
      }),
    ).toContainEqual({
      field: 'clusters[1].name',
      message:
        '"edge" is not a cluster of the repository (the conventions\' clusters list infra, apps)',
    });
  });

  it("says a name that is a cluster's Cilium cluster.name, not its folder's, is that cluster's", () => {
    const files = exampleFiles('gitops-repo');
    const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
    files[settings] = files[settings].replace(
      'CLUSTER_NAME: "infra"',
      'CLUSTER_NAME: "milberry"',
    );
    const plan = planMeshDnsChange(
      createRepoTree(files),
      {
        clusters: [
          { name: 'milberry', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      withDomain,
    );
    expect(plan.problems).toEqual([
      {
        field: 'clusters[0].name',
        message:
          '"milberry" is not a cluster of the repository (kubernetes/clusters/ has apps, infra): it is the Cilium cluster.name of infra; name the cluster by its folder, infra (its FQDN and settings variables are made from that name)',
      },
    ]);
  });

  it('refuses to write an entry that a source listed after the settings defines too, naming it', () => {
    const files = exampleFiles('gitops-repo');
    const infraKustomization = 'kubernetes/clusters/infra/infrastructure.yaml';
    files[infraKustomization] = files[infraKustomization].replace(
      '        name: cluster-secrets\n',
      '        name: cluster-secrets\n      - kind: ConfigMap\n        name: cluster-settings-user\n        optional: true\n',
    );
    const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
    files[settings] +=
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings-user\n  namespace: flux-system\ndata:\n  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.101"\n';
    const planOf = (infra: string) =>
      planMeshDnsChange(createRepoTree(files), ip(infra), withDomain);
    expect(planOf('10.25.11.102').problems).toEqual([
      {
        field: settings,
        message:
          'infra: CILIUM_CLUSTERMESH_LB_IP would be written in ConfigMap cluster-settings here, but ConfigMap flux-system/cluster-settings-user (kubernetes/clusters/infra/cluster-settings.yaml:24) defines it too and is listed after it in the substituteFrom of Kustomization flux-system/cluster-infra-infrastructure: Flux inserts that value (10.25.11.101), not 10.25.11.102',
        remedy:
          'Keep CILIUM_CLUSTERMESH_LB_IP in one of the two: take it out of ConfigMap flux-system/cluster-settings-user, or set it there to 10.25.11.102; then run the change again.',
      },
    ]);
    // the address Flux inserts already: the settings are made to agree
    const agreeing = planOf('10.25.11.101');
    expect(agreeing.problems).toEqual([]);
    expect(agreeing.edits.map(e => e.path)).toEqual([settings]);
    expect(agreeing.edits[0].after).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: "10.25.11.101"\n  CILIUM_CLUSTERMESH_APPS_FQDN',
    );
  });

  it('names the entries the conventions give clusters outside the clusters folder when a name is no cluster', () => {
    // apps' entry point outside kubernetes/clusters, named in the conventions
    const files = Object.fromEntries(
      Object.entries(exampleFiles('gitops-repo')).map(([file, text]) => [
        file.replace('kubernetes/clusters/apps/', 'edge/apps/'),
        text.replace(/kubernetes\/clusters\/apps\//g, 'edge/apps/'),
      ]),
    );
    expect(
      planMeshDnsChange(
        createRepoTree(files),
        {
          clusters: [
            { name: 'infra', ip: '10.25.11.100' },
            { name: 'remote', ip: '10.25.11.120' },
          ],
        },
        resolveConventions({
          ...knownDomain,
          entries: { apps: 'edge/apps' },
        }),
      ).problems,
    ).toEqual([
      {
        field: 'clusters[1].name',
        message:
          '"remote" is not a cluster of the repository (kubernetes/clusters/ has infra; the conventions\' entries name apps (edge/apps))',
      },
    ]);
  });

  it("says an address outside the cluster's pools that another cluster's pool holds is that one's, and advises no block that would overlap it", () => {
    const plan = planMeshDnsChange(
      createRepoTree(before),
      ip('10.25.11.100', '10.25.11.105'),
      withDomain,
    );
    expect(plan.problems).toEqual([
      {
        field: 'clusters[1].ip',
        message:
          '10.25.11.105 is outside the LB IPAM pools of apps (lb-ippool-apps: 10.25.11.120-10.25.11.139); it is in pool "lb-ippool-infra" of infra',
        remedy:
          'Give apps an address of its own pools\' blocks: a block here holding 10.25.11.105 would overlap pool "lb-ippool-infra" of infra (pools-disjoint).',
      },
    ]);
    // said once: not again as a note on a shared address
    expect(plan.decisions.join('\n')).not.toMatch(/is also in pool/);
  });

  it('names an address outside its pool once: the input, not the failed check it causes', () => {
    const plan = planMeshDnsChange(
      createRepoTree(before),
      ip('10.25.11.100', '10.25.12.5'),
      withDomain,
    );
    expect(plan.problems).toEqual([
      {
        field: 'clusters[1].ip',
        message: expect.stringMatching(
          /^10\.25\.12\.5 is outside the LB IPAM pools of apps/,
        ),
        remedy: expect.stringMatching(
          /^Give an address of those blocks, or add a CiliumLoadBalancerIPPool block that holds 10\.25\.12\.5/,
        ),
      },
    ]);
    // the rule does fail after the change: only the refusal says it once
    expect(
      plan.report?.clusters
        .find(c => c.name === 'apps')
        ?.checks.find(c => c.ruleId === 'lb-ip-in-pool')?.outcome,
    ).toBe('fail');
  });
});

/**
 * 1activegeek's and DylansDecoded's layout: each namespace's settings a
 * shared copy passing the cluster's own values through (`KEY: "${KEY}"`),
 * substituted per cluster from its own cluster-settings; with the
 * ClusterMesh entries added by hand in both places, or without them.
 */
function passThroughLayout(
  withEntries: boolean,
  clusters: readonly string[] = ['east', 'west'],
): Record<string, string> {
  const ks = (name: string, namespace: string, built: string, extra = '') =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  interval: 1h\n  path: ${built}\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n${extra}`;
  const substitutes =
    '  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n';
  const mesh = [
    'CILIUM_CLUSTERMESH_FQDN',
    'CILIUM_CLUSTERMESH_LB_IP',
    'CILIUM_CLUSTERMESH_EAST_FQDN',
    'CILIUM_CLUSTERMESH_WEST_FQDN',
  ];
  const keys = ['CLUSTER_NAME', 'CLUSTER_ID', ...(withEntries ? mesh : [])];
  const files: Record<string, string> = {
    'apps/kube-system/kustomization.yaml':
      'namespace: kube-system\nresources:\n  - ../shared/cluster-settings.yaml\n  - cilium/ks.yaml\n',
    // a number passed through stays text with Flux's quote variable
    // (kustomize writes "${CLUSTER_ID}" unquoted: the API server would
    // refuse the number)
    'apps/shared/cluster-settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings}\ndata:\n${keys
      .map(k =>
        k === 'CLUSTER_ID'
          ? `  ${k}: \${quote}\${${k}}\${quote}\n`
          : `  ${k}: "\${${k}}"\n`,
      )
      .join('')}`,
    'apps/kube-system/cilium/ks.yaml': ks(
      'cilium',
      'kube-system',
      './apps/kube-system/cilium/app',
      substitutes,
    ),
    'apps/kube-system/cilium/app/kustomization.yaml':
      'resources:\n  - helmrelease.yaml\n  - pool.yaml\n',
    'apps/kube-system/cilium/app/helmrelease.yaml': ciliumRelease([
      '    clustermesh:',
      '      useAPIServer: true',
      '      apiserver:',
      '        service:',
      '          type: LoadBalancer',
    ]),
    'apps/kube-system/cilium/app/pool.yaml':
      'apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: pool}\nspec:\n  blocks:\n    - cidr: ${LB_CIDR}\n',
  };
  for (const [index, c] of clusters.entries()) {
    const id = index + 1;
    const net = `10.70.${id}`;
    files[`clusters/${c}/flux-system/gotk-sync.yaml`] = bootstrapSync(
      `clusters/${c}`,
    );
    files[`clusters/${c}/apps.yaml`] = ks(
      'cluster-apps',
      'flux-system',
      './apps/kube-system',
      `${substitutes}    substitute:\n      quote: '"'\n`,
    );
    files[`clusters/${c}/cluster-settings.yaml`] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: cluster-settings, namespace: flux-system}',
      'data:',
      `  CLUSTER_NAME: ${c}`,
      `  CLUSTER_ID: "${id}"`,
      `  LB_CIDR: ${net}.0/24`,
      ...(withEntries
        ? [
            `  CILIUM_CLUSTERMESH_FQDN: clustermesh-${c}.example.net`,
            `  CILIUM_CLUSTERMESH_LB_IP: ${net}.10`,
            '  CILIUM_CLUSTERMESH_EAST_FQDN: clustermesh-east.example.net',
            '  CILIUM_CLUSTERMESH_WEST_FQDN: clustermesh-west.example.net',
          ]
        : []),
      '',
    ].join('\n');
  }
  files['apps/shared/cluster-settings.yaml'] = files[
    'apps/shared/cluster-settings.yaml'
  ].replace('  CLUSTER_ID', '  LB_CIDR: "${LB_CIDR}"\n  CLUSTER_ID');
  return files;
}

describe('planMeshDnsChange judges the change, not the repository', () => {
  const before = exampleFiles('templates/clustermesh-dns/gitops-repo-before');
  /** An unrelated game server's record, with a variable nothing defines, from a Kustomization whose optional Secret is missing. */
  const withUnrelatedProblems = () => {
    const files = { ...before };
    files['kubernetes/infrastructure/kustomization.yaml'] += '  - games\n';
    files['kubernetes/infrastructure/games/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - dnsendpoint.yaml\n  - ks.yaml\n';
    files['kubernetes/infrastructure/games/dnsendpoint.yaml'] =
      'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata:\n  name: minecraft\n  namespace: games\nspec:\n  endpoints:\n    - dnsName: mc.${SECRET_DOMAIN}\n      recordType: A\n      targets:\n        - ${MINECRAFT_IP}\n';
    files['kubernetes/infrastructure/games/ks.yaml'] =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: games\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/infrastructure/games/app\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: games-secrets\n';
    files['kubernetes/infrastructure/games/app/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap.yaml\n';
    files['kubernetes/infrastructure/games/app/configmap.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: motd\n  namespace: games\ndata:\n  MOTD: welcome to ${SERVER_NAME}\n';
    return files;
  };

  it("says where a shared settings ConfigMap passes each cluster's own values through, instead of advising settings it already has", () => {
    // the judges' shape: one file every cluster applies, each value one
    // variable its Kustomization substitutes from the cluster's own source
    const files = { ...before };
    files['kubernetes/shared/mesh-settings.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mesh-settings\n  namespace: flux-system\ndata:\n  MESH_DOMAIN: "${SECRET_DOMAIN}"\n';
    for (const c of ['infra', 'apps']) {
      files[`kubernetes/clusters/${c}/vars/kustomization.yaml`] +=
        '  - ../../../shared/mesh-settings.yaml\n';
      const ks = `kubernetes/clusters/${c}/infrastructure.yaml`;
      files[ks] = files[ks].replace(
        '      - kind: ConfigMap\n        name: cluster-settings\n',
        '      - kind: ConfigMap\n        name: cluster-settings\n      - kind: ConfigMap\n        name: mesh-settings\n',
      );
    }
    const plan = planMeshDnsChange(
      createRepoTree(files),
      storyInput,
      resolveConventions({
        ...knownDomain,
        settings: { configMap: 'mesh-settings' },
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(
      plan.problems.find(
        p => p.field === 'kubernetes/shared/mesh-settings.yaml',
      ),
    ).toEqual({
      field: 'kubernetes/shared/mesh-settings.yaml',
      message:
        "holds ConfigMap mesh-settings, which apps, infra all apply, each its own values in it passed through by Flux's substitution (MESH_DOMAIN: \"${SECRET_DOMAIN}\") from apps's kubernetes/clusters/apps/cluster-secrets.sops.yaml; infra's kubernetes/clusters/infra/cluster-secrets.sops.yaml: a cluster's own FQDN and LB IP belong there, with a line here passing each through, which configure writes only where each cluster's own is a plain ConfigMap of the repository (apps's is Secret cluster-secrets, SOPS-encrypted, infra's is Secret cluster-secrets, SOPS-encrypted); add them by hand (CILIUM_CLUSTERMESH_FQDN, CILIUM_CLUSTERMESH_LB_IP and the peers' in each cluster's own, and `KEY: \"${KEY}\"` lines here), or name the conventions' settings after an object each cluster has of its own that the Kustomization applying the Cilium values substitutes from",
    });
  });

  it("warns where a bootstrap helmfile installs a cluster's own Cilium values with the LB IP as a variable, as configure writes it out there", () => {
    const files = fixtureFiles('configure-own-folder-entry/repo');
    const conventions = detectedIn(files);
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'a', ip: '10.61.1.10' },
          { name: 'b', ip: '10.61.2.10' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    const release = 'clusters/b/apps/cilium/helmrelease.yaml';
    expect(after[release]).toContain('${CILIUM_CLUSTERMESH_LB_IP}');
    // rkoosaar's copy: the bootstrap pointed at b's values afterwards
    after['bootstrap/helmfile.yaml'] = bootstrapHelmfile(release);
    const warning = validateMesh(createRepoTree(after), conventions)
      .clusters.find(c => c.name === 'b')!
      .checks.find(
        c => c.ruleId === 'service-annotation' && c.severity === 'warning',
      );
    expect(warning?.message).toBe(
      'bootstrap/helmfile.yaml installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP} reaches that first install as written, and LB IPAM takes no such address, until Flux reconciles the HelmRelease',
    );
    expect(warning?.location?.file).toBe(release);
    // configure, run again, writes the address out there
    const again = applied(
      after,
      {
        clusters: [
          { name: 'a', ip: '10.61.1.10' },
          { name: 'b', ip: '10.61.2.10' },
        ],
      },
      conventions,
    );
    expect(again.after[release]).toContain('lbipam.cilium.io/ips: 10.61.2.10');
  });

  it('leaves settings that pass the entries through a shared ConfigMap as they are, and plans the rest, where the entries are there already', () => {
    const files = passThroughLayout(true);
    // each cluster's own values generated from an env file, which
    // configure does not write through a shared ConfigMap
    for (const c of ['east', 'west']) {
      const own = `clusters/${c}/cluster-settings.yaml`;
      const data = (parse(files[own]) as { data: Record<string, string> }).data;
      delete files[own];
      files[`clusters/${c}/cluster-settings.env`] = Object.entries(data)
        .map(([k, v]) => `${k}=${v}\n`)
        .join('');
      files[`clusters/${c}/kustomization.yaml`] = [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - flux-system/gotk-sync.yaml',
        '  - apps.yaml',
        'configMapGenerator:',
        '  - name: cluster-settings',
        '    namespace: flux-system',
        '    envs: [cluster-settings.env]',
        'generatorOptions:',
        '  disableNameSuffixHash: true',
        '',
      ].join('\n');
    }
    const conventions = resolveConventions(
      {
        fqdnTemplate: 'clustermesh-{cluster}.example.net',
        dns: { mode: 'manual' },
      },
      detectConventions(createRepoTree(files)),
    );
    const { plan, after } = applied(files, eastAndWest, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      "east, west: the ClusterMesh entries pass through the shared settings ConfigMap from each cluster's own source already; the settings are left as they are.",
    );
    const written = plan.edits.map(e => e.path);
    expect(written).toContain('apps/kube-system/cilium/app/helmrelease.yaml');
    expect(written).not.toContain('apps/shared/cluster-settings.yaml');
    expect(written).not.toContain('clusters/east/cluster-settings.yaml');
    expect(
      validateMesh(createRepoTree(after), conventions).summary.errors,
    ).toBe(0);
  });

  it("leaves a shared settings ConfigMap that Flux's substitution makes each cluster's own as it is, where the entries are there (TomTucka's copy)", () => {
    const files = passThroughLayout(false);
    // each cluster's own values inline in its entry Kustomization, the
    // shared ConfigMap a template of them
    files['apps/shared/cluster-settings.yaml'] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: cluster-settings}',
      'data:',
      '  CLUSTER_NAME: "${CLUSTER_NAME}"',
      '  CLUSTER_ID: ${quote}${CLUSTER_ID}${quote}',
      '  LB_CIDR: "${LB_CIDR}"',
      '  CILIUM_CLUSTERMESH_FQDN: "clustermesh-${CLUSTER_NAME}.example.net"',
      '  CILIUM_CLUSTERMESH_LB_IP: "${CILIUM_CLUSTERMESH_LB_IP}"',
      '  CILIUM_CLUSTERMESH_EAST_FQDN: clustermesh-east.example.net',
      '  CILIUM_CLUSTERMESH_WEST_FQDN: clustermesh-west.example.net',
      '',
    ].join('\n');
    for (const [i, c] of ['east', 'west'].entries()) {
      delete files[`clusters/${c}/cluster-settings.yaml`];
      files[`clusters/${c}/apps.yaml`] = files[
        `clusters/${c}/apps.yaml`
      ].replace(
        / {2}postBuild:\n[^]*$/,
        `  postBuild:\n    substitute:\n      quote: '"'\n      CLUSTER_NAME: ${c}\n      CLUSTER_ID: "${
          i + 1
        }"\n      LB_CIDR: 10.70.${
          i + 1
        }.0/24\n      CILIUM_CLUSTERMESH_LB_IP: 10.70.${i + 1}.10\n`,
      );
    }
    const conventions = resolveConventions(
      {
        fqdnTemplate: 'clustermesh-{cluster}.example.net',
        dns: { mode: 'manual' },
      },
      detectConventions(createRepoTree(files)),
    );
    const input = eastAndWest;
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      "east, west: the shared settings ConfigMap gives each its own ClusterMesh entries already, made each cluster's by Flux's substitution (east's LB IP 10.70.1.10, west's LB IP 10.70.2.10); the settings are left as they are.",
    );
    const written = plan.edits.map(e => e.path);
    expect(written).toContain('apps/kube-system/cilium/app/helmrelease.yaml');
    expect(written).not.toContain('apps/shared/cluster-settings.yaml');
    expect(
      validateMesh(createRepoTree(after), conventions).summary.errors,
    ).toBe(0);
    // another address asked: the shared ConfigMap is refused as before
    const moved = planMeshDnsChange(
      createRepoTree(files),
      { clusters: [input.clusters[0], { name: 'west', ip: '10.70.2.11' }] },
      conventions,
    );
    expect(moved.problems.map(p => p.field)).toContain(
      'apps/shared/cluster-settings.yaml',
    );
    // before the entries are added: the refusal says how, the repository's way
    const without = { ...files };
    without['apps/shared/cluster-settings.yaml'] = without[
      'apps/shared/cluster-settings.yaml'
    ]
      .split('\n')
      .filter(line => !line.includes('CILIUM_CLUSTERMESH'))
      .join('\n');
    expect(
      planMeshDnsChange(createRepoTree(without), input, conventions).problems,
    ).toContainEqual({
      field: 'apps/shared/cluster-settings.yaml',
      message:
        "holds ConfigMap cluster-settings, which east, west all apply, each its own values in it made by Flux's substitution (CLUSTER_NAME: \"${CLUSTER_NAME}\") from the postBuild.substitute of east's clusters/east/apps.yaml; west's clusters/west/apps.yaml, which configure does not write: add the entries that way by hand (`CILIUM_CLUSTERMESH_LB_IP: \"${CILIUM_CLUSTERMESH_LB_IP}\"` here and each cluster's LB IP in its postBuild.substitute; CILIUM_CLUSTERMESH_FQDN here as a template of a variable holding each cluster's name, or passed through too; the peers' FQDNs here), then run configure again: it leaves them as they are and plans the rest",
    });
    // one FQDN written out for both is every cluster's, not each one's
    files['apps/shared/cluster-settings.yaml'] = files[
      'apps/shared/cluster-settings.yaml'
    ].replace('clustermesh-${CLUSTER_NAME}', 'clustermesh-east');
    expect(
      planMeshDnsChange(createRepoTree(files), input, conventions).problems.map(
        p => p.field,
      ),
    ).toContain('apps/shared/cluster-settings.yaml');
  });

  it("writes each cluster's entries in its own settings and a line passing each through in the shared ConfigMap, and takes a leaving cluster's out", () => {
    // elcattivo66's, judahrand's and 1activegeek's copies, before the
    // entries were added by hand
    const files = passThroughLayout(false, ['east', 'west', 'north']);
    const conventions = resolveConventions(
      {
        fqdnTemplate: 'clustermesh-{cluster}.example.net',
        dns: { mode: 'manual' },
      },
      detectConventions(createRepoTree(files)),
    );
    // validation says where the entries belong, and that configure writes them
    const missing = validateMesh(createRepoTree(files), conventions)
      .clusters.find(c => c.name === 'east')!
      .checks.find(c => c.ruleId === 'settings-present');
    expect(missing).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(
        /^CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap kube-system\/cluster-settings, which north, west take from the same file, each its own values passed through \(`CLUSTER_NAME: "\$\{CLUSTER_NAME\}"`\) from east's clusters\/east\/cluster-settings\.yaml; .*: each cluster's own belong there, with a line here passing each through$/,
      ),
      remediation: expect.stringMatching(
        /or run `clustermesh-dns configure`, which writes both/,
      ),
    });
    const input = {
      clusters: ['east', 'west', 'north'].map((name, i) => ({
        name,
        ip: `10.70.${i + 1}.10`,
      })),
    };
    const { plan, after } = applied(files, input, conventions);
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^ConfigMap cluster-settings in apps\/shared\/cluster-settings\.yaml passes each cluster's own values through .*: the ClusterMesh entries are written where those come from \(east's in ConfigMap cluster-settings in clusters\/east\/cluster-settings\.yaml; north's/,
      ),
    );
    const data = (file: string) =>
      (parse(after[file]) as { data: Record<string, string> }).data;
    expect(data('clusters/east/cluster-settings.yaml')).toEqual({
      CLUSTER_NAME: 'east',
      CLUSTER_ID: '1',
      LB_CIDR: '10.70.1.0/24',
      CILIUM_CLUSTERMESH_FQDN: 'clustermesh-east.example.net',
      CILIUM_CLUSTERMESH_LB_IP: '10.70.1.10',
      CILIUM_CLUSTERMESH_WEST_FQDN: 'clustermesh-west.example.net',
      CILIUM_CLUSTERMESH_NORTH_FQDN: 'clustermesh-north.example.net',
      // every key the shared lines pass, its own FQDN under its own too
      CILIUM_CLUSTERMESH_EAST_FQDN: 'clustermesh-east.example.net',
    });
    // one line per key, each cluster's own passed through, no default
    // (an empty value would be YAML's null once kustomize drops quotes)
    expect(data('apps/shared/cluster-settings.yaml')).toEqual({
      CLUSTER_NAME: '${CLUSTER_NAME}',
      LB_CIDR: '${LB_CIDR}',
      CLUSTER_ID: '${quote}${CLUSTER_ID}${quote}',
      CILIUM_CLUSTERMESH_FQDN: '${CILIUM_CLUSTERMESH_FQDN}',
      CILIUM_CLUSTERMESH_LB_IP: '${CILIUM_CLUSTERMESH_LB_IP}',
      CILIUM_CLUSTERMESH_WEST_FQDN: '${CILIUM_CLUSTERMESH_WEST_FQDN}',
      CILIUM_CLUSTERMESH_NORTH_FQDN: '${CILIUM_CLUSTERMESH_NORTH_FQDN}',
      CILIUM_CLUSTERMESH_EAST_FQDN: '${CILIUM_CLUSTERMESH_EAST_FQDN}',
    });
    // written in the file's own quoting
    expect(after['apps/shared/cluster-settings.yaml']).toContain(
      '  CILIUM_CLUSTERMESH_FQDN: "${CILIUM_CLUSTERMESH_FQDN}"\n',
    );
    const report = validateMesh(createRepoTree(after), conventions);
    expect(report.summary.errors).toBe(0);
    const west = report.clusters.find(c => c.name === 'west');
    expect(west?.fqdn?.resolved).toBe('clustermesh-west.example.net');
    expect(west?.lbIp?.value).toBe('10.70.2.10');
    // what the line passes through, said with what Flux makes of it
    expect(
      west?.checks.find(c => c.ruleId === 'settings-present')?.message,
    ).toBe(
      'CILIUM_CLUSTERMESH_FQDN = "${CILIUM_CLUSTERMESH_FQDN}", which Flux makes "clustermesh-west.example.net" and CILIUM_CLUSTERMESH_LB_IP = "${CILIUM_CLUSTERMESH_LB_IP}", which Flux makes "10.70.2.10"',
    );
    expect(applied(after, input, conventions).plan.edits).toEqual([]);

    // north leaves: its own entries go, the lines no cluster needs with them
    const withoutNorth = {
      ...conventions,
      mesh: { ...conventions.mesh, exclude: ['north'] },
    };
    // judahrand's copy: a DNSEndpoint every cluster applies from a folder
    // and Kustomization of its own, its name each one's own passed
    // through: not emptied when one leaves
    const ks = 'apps/kube-system/cilium/ks.yaml';
    const withRecord = {
      ...after,
      [ks]: `${after[ks]}---\n${after[ks]
        .replace('name: cilium,', 'name: cilium-clustermesh,')
        .replace('cilium/app', 'cilium/clustermesh')}`,
      'apps/kube-system/cilium/clustermesh/kustomization.yaml':
        'resources:\n  - dnsendpoint.yaml\n',
      'apps/kube-system/cilium/clustermesh/dnsendpoint.yaml':
        'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata: {name: clustermesh-apiserver, namespace: kube-system}\nspec:\n  endpoints:\n    - dnsName: ${CILIUM_CLUSTERMESH_FQDN}\n      recordType: A\n      recordTTL: 300\n      targets:\n        - ${CILIUM_CLUSTERMESH_LB_IP}\n',
    };
    const recordStays = applied(
      withRecord,
      { clusters: input.clusters.slice(0, 2), remove: ['north'] },
      resolveConventions(
        {
          fqdnTemplate: 'clustermesh-{cluster}.example.net',
          dns: { mode: 'externaldns' },
          mesh: { exclude: ['north'] },
        },
        detectConventions(createRepoTree(withRecord)),
      ),
    ).plan;
    expect(recordStays.problems).toEqual([]);
    expect(recordStays.edits.map(e => e.path)).not.toContain(
      'apps/kube-system/cilium/clustermesh/dnsendpoint.yaml',
    );
    const gone = applied(
      after,
      { clusters: input.clusters.slice(0, 2), remove: ['north'] },
      withoutNorth,
    );
    expect(gone.plan.problems).toEqual([]);
    // the shared Cilium values still use north's own entries (said)
    expect(gone.plan.decisions).toContainEqual(
      expect.stringMatching(
        /^north: CILIUM_CLUSTERMESH_FQDN, CILIUM_CLUSTERMESH_LB_IP kept in its settings: its file apps\/kube-system\/cilium\/app\/helmrelease\.yaml \(which east and west apply too\) still uses them, and without them Flux would fail the Kustomization; they stay as long as north applies apps\/kube-system\/cilium\/app\/helmrelease\.yaml\.$/,
      ),
    );
    expect(
      parse(gone.after['clusters/east/cluster-settings.yaml']).data,
    ).not.toHaveProperty('CILIUM_CLUSTERMESH_NORTH_FQDN');
    // north keeps what the lines still pass, not its own key any more
    const north = parse(
      gone.after['clusters/north/cluster-settings.yaml'],
    ).data;
    expect(north).toHaveProperty('CILIUM_CLUSTERMESH_FQDN');
    expect(north).not.toHaveProperty('CILIUM_CLUSTERMESH_NORTH_FQDN');
    const shared = parse(gone.after['apps/shared/cluster-settings.yaml']).data;
    expect(shared.CILIUM_CLUSTERMESH_NORTH_FQDN).toBeUndefined();
    expect(shared.CILIUM_CLUSTERMESH_FQDN).toBe('${CILIUM_CLUSTERMESH_FQDN}');
    expect(
      validateMesh(createRepoTree(gone.after), withoutNorth).summary.errors,
    ).toBe(0);
  });

  it("refuses, before planning, a `${…}` the change would write in a cluster's own ConfigMap that nothing substitutes, which the shared line passes on as written (elcattivo66's copy)", () => {
    const files = passThroughLayout(false);
    for (const c of ['east', 'west']) {
      // the domain a Secret of the cluster's own: kept as its variable
      files[`clusters/${c}/cluster-secrets.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  SECRET_DOMAIN: example.net\n';
      const ks = `clusters/${c}/apps.yaml`;
      files[ks] = files[ks].replace(
        '      - {kind: ConfigMap, name: cluster-settings}\n',
        '      - {kind: ConfigMap, name: cluster-settings}\n      - {kind: Secret, name: cluster-secrets}\n',
      );
    }
    const conventions = resolveConventions(
      {
        fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
        dns: { mode: 'manual' },
      },
      detectConventions(createRepoTree(files)),
    );
    const plan = planMeshDnsChange(
      createRepoTree(files),
      eastAndWest,
      conventions,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual(
      expect.objectContaining({
        field: expect.stringMatching(
          /^clusters\/(east|west)\/cluster-settings\.yaml$/,
        ),
        message: expect.stringMatching(
          /: CILIUM_CLUSTERMESH_FQDN would be written here as clustermesh-(east|west)\.\$\{SECRET_DOMAIN\}, but Kustomization flux-system\/flux-system applies ConfigMap cluster-settings without substitution, and the line of apps\/shared\/cluster-settings\.yaml passes it through in one substitution/,
        ),
      }),
    );
  });

  it('makes the change, listing the problems that were there before as not touched by it', () => {
    const files = withUnrelatedProblems();
    const beforeReport = validateMesh(createRepoTree(files), withDomain);
    expect(beforeReport.summary.errors).toBeGreaterThan(0);
    const { plan, after } = applied(files, storyInput);
    expect(plan.problems).toEqual([]);
    expect(plan.edits.length).toBe(5);
    expect(plan.alreadyThere.length).toBeGreaterThan(0);
    expect(plan.alreadyThere.map(p => p.message).join('\n')).toMatch(
      /MINECRAFT_IP|games-secrets|SERVER_NAME/,
    );
    expect(plan.summary).toContain(
      '### Already there, not touched by this change',
    );
    // validating the result: no ClusterMesh DNS error for the configured clusters
    const report = validateMesh(createRepoTree(after), withDomain);
    expect(
      report.clusters
        .flatMap(c => c.checks)
        .filter(c => c.outcome === 'fail' && c.severity === 'error'),
    ).toEqual([]);
  });

  it('refuses for a broken file in the build of a file it writes: Flux would apply none of it', () => {
    const files = { ...before };
    const dir = 'kubernetes/infrastructure/networking/cilium/core';
    files[`${dir}/kustomization.yaml`] += '  - l2-policy.yaml\n';
    files[`${dir}/l2-policy.yaml`] =
      'apiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata:\n  name: l2\nspec:\n  interfaces: [eth0\n';
    const plan = planMeshDnsChange(
      createRepoTree(files),
      storyInput,
      withDomain,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems.map(p => p.field).join('\n')).toContain(
      `${dir}/l2-policy.yaml`,
    );
    expect(plan.alreadyThere.map(p => p.field).join('\n')).not.toContain(
      'l2-policy.yaml',
    );
    // there before: the refusal says why it stops this change
    expect(
      plan.problems.find(p => p.field.startsWith(`${dir}/l2-policy.yaml`))
        ?.message,
    ).toMatch(
      new RegExp(
        // the Flux Kustomization's whole build, which holds the written files
        '\\(already there; it stops the change because kustomize fails the build of kubernetes/infrastructure, where the change writes\\)$',
      ),
    );
  });

  it('refuses for a problem in a file it writes, and still shows the diff it would make', () => {
    const files = { ...before };
    const hr =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    files[hr] = files[hr].replace(
      '    cluster:\n',
      '    k8sServiceHost: ${K8S_API_HOST}\n    cluster:\n',
    );
    const plan = planMeshDnsChange(
      createRepoTree(files),
      storyInput,
      withDomain,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.proposed.map(e => e.path)).toContain(hr);
    expect(plan.problems.map(p => p.message).join('\n')).toContain(
      'K8S_API_HOST',
    );
    expect(
      plan.problems.find(p => p.message.includes('K8S_API_HOST'))?.message,
    ).toMatch(
      new RegExp(
        `\\(already there; it stops the change because the change writes ${hr}\\)$`,
      ),
    );
    expect(plan.summary).toContain('It would have written:');
  });

  it('shows what it would write when an address is outside its pool, with the reason', () => {
    const plan = planMeshDnsChange(
      createRepoTree(before),
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.12.5' },
        ],
      },
      withDomain,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems[0]).toEqual({
      field: 'clusters[1].ip',
      message: expect.stringContaining(
        '10.25.12.5 is outside the LB IPAM pools of apps',
      ),
      remedy: expect.stringContaining('Give an address of those blocks'),
    });
    expect(plan.proposed.map(e => e.path)).toContain(
      'kubernetes/clusters/apps/cluster-settings.yaml',
    );
  });

  it('refuses an address its pool reserves (the first or last of a CIDR, allowFirstLastIPs: "No")', () => {
    const pool =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-apps.yaml';
    const plan = planMeshDnsChange(
      createRepoTree({
        ...before,
        [pool]: before[pool].replace(
          '  blocks:\n    - start: 10.25.11.120\n      stop: 10.25.11.139\n',
          '  allowFirstLastIPs: "No"\n  blocks:\n    - cidr: 10.25.11.128/28\n',
        ),
      }),
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.143' },
        ],
      },
      withDomain,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems[0]).toEqual({
      field: 'clusters[1].ip',
      message:
        '10.25.11.143 is the first or last address of block 10.25.11.128/28 of pool "lb-ippool-apps" of apps, which reserves them (allowFirstLastIPs: "No"): LB IPAM never gives it out',
      remedy: 'Give another address of that block.',
    });
  });

  it('refuses a subset run when a cluster that shares the Cilium values has no address', () => {
    const plan = planMeshDnsChange(
      createRepoTree(before),
      { clusters: [{ name: 'infra', ip: '10.25.11.100' }] },
      withDomain,
    );
    expect(plan.problems).toEqual([
      {
        field: 'clusters',
        message: expect.stringMatching(
          /^apps (is in the mesh|shares its Cilium values).*has no LB IP \(CILIUM_CLUSTERMESH_LB_IP in its settings\): configure it in the same run/,
        ),
      },
    ]);
  });

  it('needs two clusters in the mesh after the change', () => {
    const { after } = applied(before, storyInput);
    const plan = planMeshDnsChange(
      createRepoTree(after),
      { clusters: [], remove: ['apps'] },
      withDomain,
    );
    expect(plan.problems.map(p => p.field)).toEqual(
      expect.arrayContaining(['remove[0]']),
    );
  });

  it("says the settings go in a Kustomization's own postBuild.substitute, not in a ConfigMap, when it writes the resolved name there", () => {
    const files = fixtureFiles('configure-inline-substitute/repo');
    files['.clustermesh-dns.yaml'] = files['.clustermesh-dns.yaml'].replace(
      'clustermesh-{cluster}.example.com',
      'clustermesh-{cluster}.${DOMAIN}',
    );
    for (const c of ['alpha', 'beta'])
      files[`kubernetes/apps/${c}/cilium.yaml`] = files[
        `kubernetes/apps/${c}/cilium.yaml`
      ].replace(
        '      CLUSTER_NAME:',
        '      DOMAIN: example.com\n      CLUSTER_NAME:',
      );
    const explicit = readConventionsFile(files['.clustermesh-dns.yaml']);
    const { plan } = applied(
      files,
      {
        clusters: [
          { name: 'alpha', ip: '10.0.1.10' },
          { name: 'beta', ip: '10.0.2.10' },
        ],
      },
      detectedIn(files, explicit),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^alpha, beta: the resolved FQDN is written in the settings, because the settings go in the postBuild\.substitute of Kustomization kube-system\/cilium, whose values Flux uses as they are written, and DOMAIN is a plain value there/,
      ),
    );
  });

  /** The three clusters of the valuesfrom fixture configured, with its conventions and the domain. */
  const configureValuesFrom = (files: Record<string, string>) =>
    applied(
      files,
      {
        clusters: [
          { name: 'east', ip: '10.60.0.10' },
          { name: 'west', ip: '10.60.0.40' },
          { name: 'north', ip: '10.60.0.70' },
        ],
      },
      detectedIn(files, {
        ...readConventionsFile(files['.clustermesh-dns.yaml']),
        values: { SECRET_DOMAIN: 'example.org' },
      }),
    );

  it("says why the values go in the release's own spec.values beside a generated values file (Jonnobrow's helm/values.yaml)", () => {
    const files = fixtureFiles('configure-valuesfrom/repo');
    const release =
      'kubernetes/infrastructure/networking/cilium/app/helmrelease.yaml';
    files[release] += '  values:\n    operator:\n      replicas: 1\n';
    const { plan, after } = configureValuesFrom(files);
    expect(plan.problems).toEqual([]);
    expect(after[release]).toMatch(/\n {4}clustermesh:\n/);
    expect(plan.decisions).toContainEqual(
      `${release}: the other Cilium values of east, north, west are in kubernetes/infrastructure/networking/cilium/app/values.yaml, which a kustomize generator makes the ConfigMap the HelmRelease takes through valuesFrom; the ClusterMesh values go in its spec.values beside the values it holds itself, which Flux merges over that file's.`,
    );
  });

  it("writes the values in a new spec.values of the release, not in the generated values file, where a bootstrap installs that file as it is (yamshy's)", () => {
    const files = fixtureFiles('configure-valuesfrom/repo');
    const release =
      'kubernetes/infrastructure/networking/cilium/app/helmrelease.yaml';
    const valuesFile =
      'kubernetes/infrastructure/networking/cilium/app/values.yaml';
    files['bootstrap/helmfile.yaml'] = [
      'helmDefaults:',
      '  wait: true',
      'releases:',
      '  - name: cilium',
      '    namespace: kube-system',
      '    chart: cilium/cilium',
      '    values:',
      `      - ../${valuesFile}`,
      '',
    ].join('\n');
    const { plan, after } = configureValuesFrom(files);
    expect(plan.problems).toEqual([]);
    // the file the bootstrap installs keeps no LoadBalancer for its wait
    expect(after[valuesFile]).toBe(files[valuesFile]);
    expect(after[release]).toMatch(/\n {2}values:\n {4}clustermesh:\n/);
    // its spec.values is new: said so, and why not the file (bo0tzz's)
    expect(plan.decisions).toContainEqual(
      `${release}: the other Cilium values of east, north, west are in ${valuesFile}, which a kustomize generator makes the ConfigMap the HelmRelease takes through valuesFrom; the ClusterMesh values go in its spec.values (a block new to it), which Flux merges over that file's, not in the file itself, since bootstrap/helmfile.yaml installs ${valuesFile} as it is to bootstrap a new cluster, whose first install has no ClusterMesh values until Flux reconciles the HelmRelease.`,
    );
  });

  it("keeps a removed cluster's settings keys that the values file its ConfigMap generator reads still uses", () => {
    const files = fixtureFiles('configure-valuesfrom/repo');
    const conventionsOf = (
      tree: Record<string, string>,
      extra: MeshConventionsInput = {},
    ) => {
      const explicit = {
        ...readConventionsFile(tree['.clustermesh-dns.yaml']),
        values: { SECRET_DOMAIN: 'example.org' },
        ...extra,
      };
      return detectedIn(tree, explicit);
    };
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'east', ip: '10.60.0.10' },
          { name: 'west', ip: '10.60.0.40' },
          { name: 'north', ip: '10.60.0.70' },
        ],
      },
      conventionsOf(files),
    );
    expect(plan.problems).toEqual([]);
    // north kept out while it still runs the shared values: what the
    // generated values use stays in its settings
    const removal = planMeshDnsChange(
      createRepoTree(after),
      { clusters: [], remove: ['north'] },
      conventionsOf(after, { mesh: { exclude: ['north'] } }),
    );
    expect(removal.problems).toEqual([]);
    expect(removal.decisions).toContainEqual(
      expect.stringMatching(
        /^north: CILIUM_CLUSTERMESH_.* kept in its settings: its files .*kubernetes\/infrastructure\/networking\/cilium\/app\/values\.yaml \(which [a-z, ]+ apply too\) still use them, and without them Flux would fail the Kustomization; they stay as long as north applies .*kubernetes\/infrastructure\/networking\/cilium\/app\/values\.yaml\.$/,
      ),
    );
    const settings = 'kubernetes/clusters/north/vars/cluster-settings.yaml';
    const edited = removal.edits.find(e => e.path === settings);
    expect(edited?.after ?? after[settings]).toContain(
      'CILIUM_CLUSTERMESH_LB_IP',
    );
  });

  it("carries the peers the values under the HelmRelease's own give when it writes the list there (a list in spec.values replaces theirs)", () => {
    const files = fixtureFiles('configure-valuesfrom/repo');
    const dir = 'kubernetes/infrastructure/networking/cilium/app';
    // the release's own values switch the apiserver on; the values from
    // its ConfigMap list a cluster this repository does not hold
    files[`${dir}/helmrelease.yaml`] +=
      '  values:\n    clustermesh:\n      useAPIServer: true\n';
    files[`${dir}/values.yaml`] +=
      'clustermesh:\n    config:\n        enabled: true\n        clusters:\n            - name: lab\n              ips: [10.9.9.9]\n              port: 32379\n';
    const explicit = { values: { SECRET_DOMAIN: 'example.org' } };
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'east', ip: '10.60.0.10' },
          { name: 'west', ip: '10.60.0.40' },
          { name: 'north', ip: '10.60.0.70' },
        ],
      },
      detectedIn(files, explicit),
    );
    expect(plan.problems).toEqual([]);
    const release = parse(after[`${dir}/helmrelease.yaml`]);
    // the carried entry first, as it was; then the mesh's
    expect(release.spec.values.clustermesh.config.clusters[0]).toEqual({
      name: 'lab',
      ips: ['10.9.9.9'],
      port: 32379,
    });
    expect(
      release.spec.values.clustermesh.config.clusters
        .map((e: { name: string }) => e.name)
        .sort(),
    ).toEqual(['east', 'lab', 'north', 'west']);
    expect(
      plan.edits.find(e => e.path === `${dir}/helmrelease.yaml`)?.reasons,
    ).toContainEqual(expect.stringMatching(/entries of lab are carried/));
  });

  it('says why a shared record cannot hold the FQDN when the settings are stored verbatim, the domain is secret and no variable holds the cluster name, and what to do', () => {
    // per-cluster Cilium patches over a shared base; settings applied as
    // they are by each cluster's root, substituted into the Cilium folder
    const files = fixtureFiles('configure-overlay-patches/repo');
    files['.clustermesh-dns.yaml'] =
      'fqdnTemplate: clustermesh-{cluster}.${SECRET_DOMAIN}\ndns:\n  mode: externaldns\n';
    for (const c of ['alpha', 'beta']) {
      files[`clusters/${c}/kustomization.yaml`] +=
        '  - cluster-settings.yaml\n';
      files[`clusters/${c}/cluster-settings.yaml`] =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  REGION: eu\n';
      // the domain in a SOPS Secret the Cilium folder is substituted from too
      files[`clusters/${c}/kustomization.yaml`] +=
        '  - cluster-secrets.sops.yaml\n';
      files[`clusters/${c}/cluster-secrets.sops.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:x,type:str]\n  version: 3.9.0\n';
      files[`clusters/${c}/cilium.yaml`] +=
        '  decryption: {provider: sops, secretRef: {name: sops-age}}\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n      - kind: Secret\n        name: cluster-secrets\n';
    }
    const { plan } = applied(
      files,
      {
        clusters: [
          { name: 'alpha', ip: '10.60.1.10' },
          { name: 'beta', ip: '10.60.2.10' },
        ],
      },
      (() => {
        const explicit = readConventionsFile(files['.clustermesh-dns.yaml']);
        return detectedIn(files, explicit);
      })(),
    );
    expect(plan.problems).toEqual([
      {
        field: 'infra/cilium/base/dnsendpoint.yaml',
        message: expect.stringMatching(
          /^cannot hold the shared record: CILIUM_CLUSTERMESH_FQDN is not written in the settings \(.*SECRET_DOMAIN is secret.*\), and no variable holding the cluster name is substituted in it for every one of alpha, beta$/,
        ),
        remedy: expect.stringMatching(
          /^Give each cluster's settings a variable holding its name .*--fqdn-template.*--mode manual/,
        ),
      },
    ]);
  });

  it('writes the FQDN template into the substituted files when the settings are stored verbatim and the domain is secret (files-template), which validates clean', () => {
    // the settings applied by the cluster's root Kustomization (no substitution)
    const files = { ...before };
    for (const c of ['infra', 'apps']) {
      const dir = `kubernetes/clusters/${c}`;
      files[`${dir}/kustomization.yaml`] = files[
        `${dir}/kustomization.yaml`
      ].replace('  - vars.yaml\n', '  - cluster-settings.yaml\n');
      delete files[`${dir}/vars.yaml`];
      delete files[`${dir}/vars/kustomization.yaml`];
      files[`${dir}/infrastructure.yaml`] = files[
        `${dir}/infrastructure.yaml`
      ].replace(/ {2}dependsOn:\n {4}- name: cluster-\w+-vars\n/, '');
    }
    // the domain given (as a team's CI would) and not (a SOPS secret)
    for (const conventions of [withDomain, defaultConventions]) {
      const { plan, after } = applied(files, storyInput, conventions);
      expect(plan.decisions[0]).toMatch(
        /^apps, infra: the FQDN template is written in the files Flux substitutes \(the DNSEndpoint, the Cilium values\).*SECRET_DOMAIN is secret/,
      );
      expect(plan.problems).toEqual([]);
      expect(plan.edits).toEqual(plan.proposed);
      // the records kept by hand: only the Cilium values take the name
      const manual = applied(
        files,
        { ...storyInput, mode: 'manual' },
        conventions,
      );
      expect(manual.plan.decisions[0]).toMatch(
        /^apps, infra: the FQDN template is written in the files Flux substitutes \(the Cilium values\), not in the settings/,
      );
      const hr = plan.edits.find(e => e.path.endsWith('helmrelease.yaml'))!;
      expect(hr.after).toContain(
        '- clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
      );
      expect(hr.after).toContain('address: clustermesh-apps.${SECRET_DOMAIN}');
      const settings = plan.edits.find(
        e => e.path === 'kubernetes/clusters/infra/cluster-settings.yaml',
      )!;
      expect(settings.after).not.toMatch(/^ +CILIUM_CLUSTERMESH_[A-Z_]*FQDN/m);
      expect(settings.after).toContain(
        'CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"',
      );
      // no plain file holds the resolved name
      for (const e of plan.edits) expect(e.after).not.toContain('example.net');

      // validate afterwards: no error, the FQDN read from the files
      const report = validateMesh(createRepoTree(after), conventions);
      expect(report.summary.errors).toBe(0);
      const checks = report.clusters.flatMap(c => c.checks);
      expect(checks.filter(c => c.outcome === 'fail')).toEqual([]);
      const present = checks.find(
        c => c.ruleId === 'settings-present' && c.cluster === 'infra',
      )!;
      expect(present).toMatchObject({
        outcome: 'pass',
        location: {
          file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
        },
      });
      expect(present.message).toMatch(
        /FQDN "clustermesh-infra\.(example\.net|<secret:SECRET_DOMAIN>)" by template "clustermesh-\$\{CLUSTER_NAME\}\.\$\{SECRET_DOMAIN\}" in kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml, not a settings variable: .*without post-build substitution.*SECRET_DOMAIN is secret/,
      );
      // with the domain given, known; without it, each cluster's own
      // Secret may hold another
      expect(
        checks.find(c => c.ruleId === 'peers-complete' && c.cluster === 'apps'),
      ).toMatchObject({
        outcome: conventions === withDomain ? 'pass' : 'not-evaluated',
      });
      expect(plan.records.map(r => r.fqdn)).toEqual(
        conventions === withDomain
          ? ['clustermesh-infra.example.net', 'clustermesh-apps.example.net']
          : [
              'clustermesh-infra.<secret:SECRET_DOMAIN>',
              'clustermesh-apps.<secret:SECRET_DOMAIN>',
            ],
      );

      // a second run writes nothing
      const again = planMeshDnsChange(
        createRepoTree(after),
        storyInput,
        conventions,
      );
      expect(again.problems).toEqual([]);
      expect(again.edits).toEqual([]);
    }

    // in manual mode the records document commits the domain as
    // ${SECRET_DOMAIN}: validation finds each row (it refused its own change)
    for (const conventions of [withDomain, defaultConventions]) {
      const manual = {
        ...conventions,
        dns: { ...conventions.dns, mode: 'manual' as const },
      };
      const { plan, after } = applied(files, storyInput, manual);
      expect(plan.problems).toEqual([]);
      expect(after['docs/clustermesh-dns-records.md']).toContain(
        '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
      );
      expect(
        validateMesh(createRepoTree(after), manual)
          .clusters.flatMap(c => c.checks)
          .filter(c => c.ruleId === 'dnsendpoint-matches')
          .map(c => c.outcome),
      ).toEqual(['pass', 'pass']);
    }
  });

  it('adds and removes a cluster of a files-template mesh, keeping the record every cluster shares', () => {
    // the files-template fixture with a third cluster, edge
    const files = fixtureFiles('configure-files-template/repo');
    for (const [p, text] of Object.entries(files))
      if (p.startsWith('kubernetes/clusters/apps/'))
        files[p.replace('/apps/', '/edge/')] = text
          .replace(/apps/g, 'edge')
          .replace('CLUSTER_ID: "2"', 'CLUSTER_ID: "3"');
    const ipam = 'kubernetes/infrastructure/networking/cilium/ipam';
    files[`${ipam}/lb-ippool-edge.yaml`] = files[`${ipam}/lb-ippool-apps.yaml`]
      .replace(/apps/g, 'edge')
      .replace('10.25.11.120', '10.25.11.140')
      .replace('10.25.11.139', '10.25.11.159');
    const three = {
      clusters: [...storyInput.clusters, { name: 'edge', ip: '10.25.11.140' }],
    };
    const { plan, after } = applied(files, three, defaultConventions);
    expect(plan.problems).toEqual([]);
    const dnsEndpoint =
      'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml';
    const shared = '- dnsName: clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}';
    expect(after[dnsEndpoint].split(shared)).toHaveLength(2);

    // edge kept out of the mesh while it still runs the shared values: its
    // LB IP stays, or Flux would substitute the annotation with nothing
    const excluded = planMeshDnsChange(
      createRepoTree(after),
      { clusters: [], remove: ['edge'] },
      resolveConventions({ mesh: { exclude: ['edge'] } }),
    );
    expect(excluded.problems).toEqual([]);
    expect(
      excluded.edits.map(e => e.path).filter(p => p.includes('/edge/')),
    ).toEqual([]);
    expect(excluded.decisions).toContainEqual(
      expect.stringMatching(
        /^edge: CILIUM_CLUSTERMESH_LB_IP kept in its settings: its files kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease.yaml, kubernetes\/infrastructure\/networking\/cilium\/clustermesh\/dnsendpoint.yaml \(which apps and infra apply too\) still use it, and without it Flux would fail the Kustomization; it stays as long as edge applies/,
      ),
    );
    // no ExternalDNS of edge reads DNSEndpoints: nothing stays published
    expect(excluded.decisions.join('\n')).not.toContain('stays published');

    // edge is retired: its folder deleted, then removed from the mesh
    const retired = { ...after };
    for (const p of Object.keys(retired))
      if (p.startsWith('kubernetes/clusters/edge/')) delete retired[p];
    const removal = applied(
      retired,
      { clusters: [], remove: ['edge'] },
      defaultConventions,
    );
    expect(removal.plan.problems).toEqual([]);
    const hr =
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
    expect(after[hr]).toContain('address: clustermesh-edge.${SECRET_DOMAIN}');
    expect(removal.after[hr]).not.toContain('edge');
    // the record every cluster shares stays
    expect(removal.after[dnsEndpoint]).toBe(after[dnsEndpoint]);
    const report = validateMesh(
      createRepoTree(removal.after),
      defaultConventions,
    );
    expect(report.summary.errors).toBe(0);
    expect(
      planMeshDnsChange(
        createRepoTree(removal.after),
        { clusters: [], remove: ['edge'] },
        defaultConventions,
      ).edits,
    ).toEqual([]);
  });

  it("takes out, on --remove, the entry of a cluster whose folder is gone by its peer variable, where its Cilium name was not its folder's (bbangert's homestar-backup)", () => {
    const { files, input } = perClusterLayout();
    const westSettings = 'kubernetes/clusters/west/cluster-settings.yaml';
    files[westSettings] = files[westSettings].replace(
      'CLUSTER_NAME: "west"',
      'CLUSTER_NAME: "site-west"',
    );
    const { plan, after } = applied(files, input, perClusterConventions);
    expect(plan.problems).toEqual([]);
    const east = 'kubernetes/clusters/east/apps/helmrelease.yaml';
    expect(after[east]).toMatch(
      /- name: site-west\n\s+address: \$\{CILIUM_CLUSTERMESH_WEST_FQDN\}/,
    );
    const retired = { ...after };
    for (const p of Object.keys(retired))
      if (p.startsWith('kubernetes/clusters/west/')) delete retired[p];
    const removal = applied(
      retired,
      { clusters: [], remove: ['west'] },
      perClusterConventions,
    );
    expect(removal.plan.problems).toEqual([]);
    expect(removal.after[east]).not.toContain('site-west');
    expect(removal.after[east]).not.toContain('CILIUM_CLUSTERMESH_WEST_FQDN');
    expect(removal.plan.removed).toEqual(['west']);
    // such an entry left behind, its variable gone from the settings: Flux
    // (not strict) empties its address; validate says so
    const eastSettings = 'kubernetes/clusters/east/cluster-settings.yaml';
    const leftBehind = {
      ...retired,
      [eastSettings]: retired[eastSettings].replace(
        /\n\s+CILIUM_CLUSTERMESH_WEST_FQDN: [^\n]*/,
        '',
      ),
    };
    expect(leftBehind[eastSettings]).not.toContain('WEST');
    // --remove then takes the entry out, and says it took west out
    const late = applied(
      leftBehind,
      { clusters: [], remove: ['west'] },
      perClusterConventions,
    );
    expect(late.plan.removed).toEqual(['west']);
    expect(late.after[east]).not.toContain('site-west');
    expect(late.plan.decisions.join('\n')).not.toContain('nothing to remove');
    const checks = validateMesh(
      createRepoTree(leftBehind),
      resolveConventions({
        fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
        flux: { strictSubstitution: false },
      }),
    ).clusters[0].checks.filter(c => c.ruleId === 'peers-by-fqdn');
    expect(checks[0].remediation).toMatch(
      /^Take the entry out of `clustermesh\.config\.clusters`/,
    );
    expect(checks.map(c => [c.outcome, c.severity, c.message])).toEqual([
      [
        'fail',
        'warning',
        'the entry "site-west" names no cluster of the repository, and Flux leaves its address empty (a variable defined nowhere: a cluster taken out, its entry left behind?): the agents keep failing to connect to it',
      ],
      ['not-applicable', 'info', 'the cluster has no peer to reach'],
    ]);
  });

  it("says a removed cluster's record stays at the provider where its ExternalDNS never deletes (policy upsert-only, the chart's default)", () => {
    const files = fixtureFiles('configure-shared-base-bystander/repo');
    const explicit = { fqdnTemplate: 'clustermesh-{cluster}.example.net' };
    const conventionsOf = (tree: Record<string, string>) =>
      detectedIn(tree, explicit);
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'prod', ip: '192.168.0.215' },
          { name: 'qa', ip: '192.168.0.235' },
        ],
      },
      conventionsOf(files),
    );
    expect(plan.problems).toEqual([]);
    const qaPatch = 'infrastructure/controllers/qa/cilium/values-patch.yaml';
    const off: Record<string, string> = {
      ...after,
      [qaPatch]: after[qaPatch]
        .replace('useAPIServer: true', 'useAPIServer: false')
        .replace('enabled: true', 'enabled: false'),
    };
    const removal = planMeshDnsChange(
      createRepoTree(off),
      { clusters: [], remove: ['qa'] },
      conventionsOf(off),
    );
    expect(removal.problems).toEqual([]);
    expect(removal.decisions).toContainEqual(
      'qa: HelmRelease external-dns/external-dns (policy upsert-only) never deletes records: clustermesh-qa.example.net stays at the DNS provider once its DNSEndpoint entry is gone; delete it there by hand.',
    );
    // with policy sync, ExternalDNS deletes it: nothing to say
    const base = 'infrastructure/controllers/base/external-dns/release.yaml';
    const synced = planMeshDnsChange(
      createRepoTree({ ...off, [base]: `${off[base]}    policy: sync\n` }),
      { clusters: [], remove: ['qa'] },
      conventionsOf(off),
    );
    expect(synced.decisions.join('\n')).not.toContain('never deletes');
  });

  it("says a removed cluster's record stays published when it comes from a DNSEndpoint of a base the others build too", () => {
    const files = fixtureFiles('configure-shared-base-bystander/repo');
    // staging gets a pool and values of its own, like the others
    const controllers = 'infrastructure/controllers';
    files[`${controllers}/staging/cilium/kustomization.yaml`] =
      files[`${controllers}/prod/cilium/kustomization.yaml`];
    files[`${controllers}/staging/cilium/loadbalancer-ip-pool.yaml`] = files[
      `${controllers}/prod/cilium/loadbalancer-ip-pool.yaml`
    ]
      .replace('192.168.0.211', '192.168.0.241')
      .replace('192.168.0.220', '192.168.0.250');
    files[`${controllers}/staging/cilium/values-patch.yaml`] = files[
      `${controllers}/prod/cilium/values-patch.yaml`
    ]
      .replace('name: prod', 'name: staging')
      .replace('id: 1', 'id: 3');
    const explicit = { fqdnTemplate: 'clustermesh-{cluster}.example.net' };
    const conventions = detectedIn(files, explicit);
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'prod', ip: '192.168.0.215' },
          { name: 'qa', ip: '192.168.0.235' },
          { name: 'staging', ip: '192.168.0.245' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    // each cluster's record in a folder of its own in the cluster's,
    // written out, applied by a Kustomization of its own after Cilium's
    expect(plan.edits.map(e => e.path)).toContain(
      `${controllers}/qa/clustermesh/dnsendpoint.yaml`,
    );
    expect(after['clusters/qa/infrastructure.yaml']).toContain(
      'path: ./infrastructure/controllers/qa/clustermesh\n',
    );
    // the team then keeps one record in the base all three build, each
    // cluster's Kustomization substituting its own name and address
    const shared = { ...after };
    const addresses: Record<string, string> = {
      prod: '192.168.0.215',
      qa: '192.168.0.235',
      staging: '192.168.0.245',
    };
    for (const env of ['prod', 'qa', 'staging']) {
      delete shared[`${controllers}/${env}/clustermesh/dnsendpoint.yaml`];
      delete shared[`${controllers}/${env}/clustermesh/kustomization.yaml`];
      shared[`clusters/${env}/infrastructure.yaml`] = `${
        files[`clusters/${env}/infrastructure.yaml`]
      }  postBuild:\n    substitute:\n      CLUSTER: ${env}\n      RECORD_IP: ${
        addresses[env]
      }\n`;
    }
    shared[`${controllers}/base/cilium/dnsendpoint.yaml`] = after[
      `${controllers}/prod/clustermesh/dnsendpoint.yaml`
    ]
      .replace(
        'clustermesh-prod.example.net',
        'clustermesh-${CLUSTER}.example.net',
      )
      .replace('- 192.168.0.215', '- ${RECORD_IP}');
    shared[`${controllers}/base/cilium/kustomization.yaml`] +=
      '  - dnsendpoint.yaml\n';
    // and turns ClusterMesh off in qa's own overlay, and removes it
    const qaPatch = `${controllers}/qa/cilium/values-patch.yaml`;
    shared[qaPatch] = after[qaPatch]
      .replace('useAPIServer: true', 'useAPIServer: false')
      .replace('enabled: true', 'enabled: false');
    const removal = planMeshDnsChange(
      createRepoTree(shared),
      { clusters: [], remove: ['qa'] },
      conventions,
    );
    expect(removal.problems).toEqual([]);
    expect(removal.decisions).toContainEqual(
      `qa: its record clustermesh-qa.example.net stays published: DNSEndpoint kube-system/clustermesh-apiserver (${controllers}/base/cilium/dnsendpoint.yaml) is applied to prod, staging too, and is not edited; leave that file out of what qa applies (a patch with \`$patch: delete\` in its overlay, or a folder of its own) to stop ExternalDNS publishing it.`,
    );
  });

  it("says where a shared Kustomization's inline substitute passes each cluster's values through, instead of calling one value every cluster's", () => {
    // kosh30's copy: the Cilium Kustomization passes variables through,
    // substituted by each cluster's parent from its own settings
    const files = fixtureFiles('configure-ks/repo');
    const ks = 'kubernetes/infrastructure/networking/cilium/core/ks.yaml';
    files[ks] = files[ks].replace(
      '    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n',
      '    substitute:\n      CLUSTER: ${CLUSTER}\n      CLUSTER_ID: ${CLUSTER_ID}\n      CILIUM_CLUSTERMESH_LB_IP: ${CILIUM_CLUSTERMESH_LB_IP}\n      CILIUM_CLUSTERMESH_FQDN: ${CILIUM_CLUSTERMESH_FQDN}\n',
    );
    expect(files[ks]).toContain('CLUSTER: ${CLUSTER}');
    const plan = planMeshDnsChange(
      createRepoTree(files),
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      withDomain,
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems.find(p => p.field === ks)).toEqual({
      field: ks,
      message: expect.stringMatching(
        /^passes its variables through in the postBuild\.substitute of Kustomization flux-system\/cilium-core \(CLUSTER: \$\{CLUSTER\}\), which (infra and apps|apps and infra) both apply: each cluster's own values belong where those come from, which configure does not write yet \(.*'s ConfigMap cluster-settings in kubernetes\/clusters\/.*\/cluster-settings\.yaml, substituted by Kustomization flux-system\/.*\)$/,
      ),
      remedy: expect.stringMatching(/^Add CILIUM_CLUSTERMESH_/),
    });
  });

  it("refers to settings variables where Flux substitutes them, and writes values out in a cluster's own file where it does not", () => {
    // each cluster has its own HelmRelease; only infra's Kustomization substitutes the settings
    const files = fixtureFiles('configure-ks/repo');
    const core = 'kubernetes/infrastructure/networking/cilium/core';
    // the peers go in the Cilium values: the repository does not make
    // their Secret itself here (see the test after this one)
    withoutMeshConfigSecret(files);
    files['kubernetes/infrastructure/networking/cilium/kustomization.yaml'] =
      files[
        'kubernetes/infrastructure/networking/cilium/kustomization.yaml'
      ].replace('  - ./core/ks.yaml\n', '');
    for (const c of ['infra', 'apps']) {
      for (const f of [
        'kustomization.yaml',
        'ocirepository.yaml',
        'helmrelease.yaml',
      ])
        files[`${core}/${c}/${f}`] = files[`${core}/app/${f}`]
          .replace('${CLUSTER}', c)
          // written out where Flux does not substitute
          .replace('${CLUSTER_ID}', c === 'apps' ? '2' : '${CLUSTER_ID}');
      files[`kubernetes/clusters/${c}/cilium.yaml`] = files[`${core}/ks.yaml`]
        .replace(`${core}/app`, `${core}/${c}`)
        .replace(
          c === 'apps'
            ? /\n {2}postBuild:\n.*\n.*\n.*name: cluster-settings/
            : /^$/,
          '',
        );
      files[`kubernetes/clusters/${c}/kustomization.yaml`] +=
        '  - ./cilium.yaml\n';
    }
    for (const f of [
      'kustomization.yaml',
      'ocirepository.yaml',
      'helmrelease.yaml',
    ])
      delete files[`${core}/app/${f}`];
    delete files[`${core}/ks.yaml`];
    const input = {
      clusters: [
        { name: 'infra', ip: '10.25.11.100' },
        { name: 'apps', ip: '10.25.11.120' },
      ],
    };
    const { plan } = applied(files, input, parseConventions('{}'));
    expect(plan.problems).toEqual([]);
    const infra = plan.edits.find(
      e => e.path === `${core}/infra/helmrelease.yaml`,
    )!;
    expect(infra.after).toContain(
      'lbipam.cilium.io/ips: "${CILIUM_CLUSTERMESH_LB_IP}"',
    );
    expect(infra.after).toContain('- ${CILIUM_CLUSTERMESH_FQDN}');
    expect(infra.after).toContain('address: ${CILIUM_CLUSTERMESH_APPS_FQDN}');
    const apps = plan.edits.find(
      e => e.path === `${core}/apps/helmrelease.yaml`,
    )!;
    expect(apps.after).toContain('lbipam.cilium.io/ips: 10.25.11.120}');
    expect(apps.after).toContain('- clustermesh-apps.example.io');
    expect(apps.after).toContain('address: clustermesh-infra.example.io');
  });

  it("leaves the chart's mesh configuration off where the repository makes Secret cilium-clustermesh itself (an ExternalSecret), and says where the peers go", () => {
    const files = fixtureFiles('configure-ks/repo');
    const values =
      'kubernetes/infrastructure/networking/cilium/core/app/helmrelease.yaml';
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      parseConventions('{}'),
    );
    expect(plan.problems).toEqual([]);
    const release = plan.edits.find(e => e.path === values)!.after;
    // the LB IPAM address and the certificate name, not the peers
    expect(release).toContain('lbipam.cilium.io/ips');
    expect(release).toContain('      enabled: false\n');
    expect(release).not.toContain('clusters:');
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^The peers of apps, infra are not written in the Cilium values: Secret kube-system\/cilium-clustermesh, where Cilium reads them, is made by ExternalSecret kube-system\/cilium-clustermesh \(kubernetes\/infrastructure\/networking\/cilium\/clustermesh\/app\/externalsecret.yaml:2\)/,
      ),
    );
    // and no word of a peer list the values do not get
    expect(plan.decisions.join('\n')).not.toContain(
      'in clustermesh.config.clusters',
    );
    const peers = validateMesh(
      createRepoTree(after),
      parseConventions('{}'),
    ).clusters.flatMap(c => c.checks.filter(r => r.ruleId === 'peers-by-fqdn'));
    expect(peers.map(c => c.outcome)).toEqual([
      'not-evaluated',
      'not-evaluated',
    ]);
    // without that Secret, the chart's configuration carries the peers
    const own = fixtureFiles('configure-ks/repo');
    withoutMeshConfigSecret(own);
    const { after: withPeers } = applied(
      own,
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      parseConventions('{}'),
    );
    expect(withPeers[values]).toContain('      enabled: true\n');
    expect(withPeers[values]).toContain('clusters:');
  });
});

/** The fixture without the ExternalSecret that makes Secret cilium-clustermesh. */
function withoutMeshConfigSecret(files: Record<string, string>) {
  const folder = 'kubernetes/infrastructure/networking/cilium/clustermesh/app';
  delete files[`${folder}/externalsecret.yaml`];
  files[`${folder}/kustomization.yaml`] = files[
    `${folder}/kustomization.yaml`
  ].replace('resources:\n  - ./externalsecret.yaml\n', 'resources: []\n');
}

describe('planMeshDnsChange where a bootstrap installs ExternalDNS before Flux', () => {
  it('says a new cluster has the DNSEndpoint CRD, instead of warning that the apply with Cilium fails without it', () => {
    const input = {
      clusters: [
        { name: 'home', ip: '10.40.0.100' },
        { name: 'lab', ip: '10.40.1.100' },
      ],
    };
    const plan = (edit?: (files: Record<string, string>) => void) => {
      const files = fixtureFiles('configure-env/repo');
      edit?.(files);
      return planMeshDnsChange(
        createRepoTree(files),
        input,
        repositoryConventions(files),
      );
    };
    const withCilium =
      /^The DNSEndpoint is applied with the Cilium HelmRelease/;
    expect(plan().decisions.find(d => withCilium.test(d))).toMatch(
      /a new cluster, without the DNSEndpoint CRD yet, would fail that apply/,
    );
    const crds = plan(files => {
      files['bootstrap/helmfile.d/00-crds.yaml'] = [
        'helmDefaults:',
        '  args: [--include-crds]',
        'releases:',
        '  - name: external-dns',
        '    namespace: network',
        '    chart: oci://ghcr.io/home-operations/charts-mirror/external-dns',
        '    version: 1.19.0',
        '',
      ].join('\n');
    });
    expect(crds.decisions.find(d => withCilium.test(d))).toBe(
      "The DNSEndpoint is applied with the Cilium HelmRelease (by cluster-home-infrastructure, cluster-lab-infrastructure); bootstrap/helmfile.d/00-crds.yaml installs the external-dns chart when a cluster is bootstrapped, before Flux, so a new cluster has the DNSEndpoint CRD (if that chart's CRDs are among what it installs).",
    );
  });
});

/** The per-cluster fixture's two clusters, as configure would run on them: a plain FQDN template. */
const literalInput = {
  clusters: [
    { name: 'media', ip: '10.41.69.10' },
    { name: 'nebula', ip: '10.42.69.10' },
  ],
};
const literalConventions = (files: Record<string, string>) =>
  detectedIn(files, { fqdnTemplate: 'clustermesh-{cluster}.example.fi' });
const appliedLiteral = (files: Record<string, string>) =>
  applied(files, literalInput, literalConventions(files));

describe('a cluster whose settings only its Flux entry substitutes, beside one whose Cilium Kustomization substitutes inline', () => {
  it('writes the first one values out and no settings entries nothing of its mesh reads, and the result validates', () => {
    const files = fixtureFiles('configure-per-cluster-literal/repo');
    // nebula's Cilium Kustomization substitutes values of its own inline
    const nebula = 'k8s/nebula/apps/cilium/ks.yaml';
    files[nebula] = files[nebula].replace(
      '  path: ./k8s/nebula/apps/cilium/app\n',
      '  path: ./k8s/nebula/apps/cilium/app\n  postBuild:\n    substitute:\n      CLUSTER_NAME: nebula\n',
    );
    const { plan, after } = appliedLiteral(files);
    expect(plan.problems).toEqual([]);
    // nebula's entries inline, where its values read them
    expect(after[nebula]).toContain('CILIUM_CLUSTERMESH_LB_IP: 10.42.69.10');
    // media's values written out; its settings, which only its entry
    // substitutes, untouched
    expect(after['k8s/media/apps/cilium/app/helm-release.yaml']).toContain(
      'lbipam.cilium.io/ips: 10.41.69.10',
    );
    expect(after['k8s/media/vars/cluster-config.yaml']).toBe(
      files['k8s/media/vars/cluster-config.yaml'],
    );
    expect(plan.decisions).toContainEqual(
      expect.stringMatching(
        /^media: no settings ConfigMap is written \(the one it has, ConfigMap flux-system\/cluster-config, is read by nothing of the mesh: /,
      ),
    );
    const report = validateMesh(
      createRepoTree(after),
      literalConventions(after),
    );
    expect(report.summary.errors).toBe(0);
    expect(appliedLiteral(after).plan.edits).toEqual([]);
  });
});

describe('the records Kustomization where a Kustomization of its own applies the DNSEndpoint CRD', () => {
  it('depends on that Kustomization too, and says so', () => {
    const files = fixtureFiles('configure-per-cluster-literal/repo');
    for (const c of ['media', 'nebula']) {
      files[`k8s/${c}/apps/kustomization.yaml`] += '  - ./crds/ks.yaml\n';
      files[`k8s/${c}/apps/crds/ks.yaml`] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        '  name: cluster-apps-crds',
        '  namespace: flux-system',
        'spec:',
        `  path: ./k8s/${c}/apps/crds/app`,
        '  prune: false',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '  interval: 30m',
        '',
      ].join('\n');
      files[`k8s/${c}/apps/crds/app/kustomization.yaml`] =
        'resources: [dnsendpoint-crd.yaml]\n';
      files[`k8s/${c}/apps/crds/app/dnsendpoint-crd.yaml`] =
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: dnsendpoints.externaldns.k8s.io}\nspec: {group: externaldns.k8s.io, names: {kind: DNSEndpoint, plural: dnsendpoints}, scope: Namespaced, versions: []}\n';
    }
    const { plan, after } = appliedLiteral(files);
    expect(plan.problems).toEqual([]);
    expect(after['k8s/media/apps/cilium/ks.yaml']).toContain(
      '  dependsOn:\n    - name: cluster-apps-cilium\n    - name: cluster-apps-crds\n',
    );
    expect(plan.decisions).toContainEqual(
      expect.stringContaining(
        'after cluster-apps-cilium and cluster-apps-crds, with the source',
      ),
    );
  });
});

describe('a new DNSEndpoint applied by a Kustomization that sets its namespace', () => {
  it('is written in that namespace (targetNamespace), not the conventions default it would be moved from', () => {
    const files = fixtureFiles('configure-per-cluster-literal/repo');
    for (const c of ['media', 'nebula'])
      files[`k8s/${c}/apps/cilium/ks.yaml`] = files[
        `k8s/${c}/apps/cilium/ks.yaml`
      ].replace(/targetNamespace: kube-system/g, 'targetNamespace: cilium');
    const { plan, after } = appliedLiteral(files);
    expect(plan.problems).toEqual([]);
    const record = plan.edits.find(e => e.after.includes('kind: DNSEndpoint'))!;
    expect(record.after).toContain('  namespace: cilium\n');
    expect(after[record.path]).not.toContain('namespace: kube-system');
  });
});

describe('a shared Cilium HelmRelease whose Kustomization gets the settings from a substitution webhook', () => {
  const settings = (name: string, id: number) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-config\n  namespace: flux-system\ndata:\n  CLUSTER_NAME: ${name}\n  CLUSTER_ID: "${id}"\n`;
  // in kube-system, with no substituteFrom of its own: the webhook writes
  // the keys of flux-system/cluster-config into its postBuild.substitute
  const cilium =
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  interval: 10m\n  path: ./kubernetes/infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n';
  const pool = (name: string, cidr: string) =>
    `apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: ${name}\nspec:\n  blocks:\n    - cidr: ${cidr}\n`;
  const files: Record<string, string> = {
    'kubernetes/clusters/a/cluster-config.yaml': settings('a', 1),
    'kubernetes/clusters/a/cilium.yaml': cilium,
    'kubernetes/clusters/a/pool.yaml': pool('pool-a', '10.0.1.0/24'),
    'kubernetes/clusters/b/cluster-config.yaml': settings('b', 2),
    'kubernetes/clusters/b/cilium.yaml': cilium,
    'kubernetes/clusters/b/pool.yaml': pool('pool-b', '10.0.2.0/24'),
    'kubernetes/infrastructure/kustomization.yaml':
      'resources:\n  - ./helmrelease.yaml\n',
    'kubernetes/infrastructure/helmrelease.yaml':
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: cilium\n      version: 1.18.6\n      sourceRef:\n        kind: HelmRepository\n        name: cilium\n  values:\n    cluster:\n      name: ${CLUSTER_NAME}\n      id: ${CLUSTER_ID}\n',
  };
  const conventions = (webhook: boolean) =>
    resolveConventions(
      {
        fqdnTemplate: 'clustermesh-{cluster}.example.net',
        settings: { configMap: 'cluster-config' },
        ...(webhook && {
          flux: {
            substitutionWebhook: {
              sources: [{ kind: 'ConfigMap' as const, name: 'cluster-config' }],
            },
          },
        }),
      },
      detectConventions(createRepoTree(files)),
    );
  const input = {
    clusters: [
      { name: 'a', ip: '10.0.1.10' },
      { name: 'b', ip: '10.0.2.10' },
    ],
  };

  it("writes the entries into the webhook's ConfigMap and the variables into the shared values, and the result validates", () => {
    const { plan, after } = applied(files, input, conventions(true));
    expect(plan.problems).toEqual([]);
    expect(after['kubernetes/clusters/a/cluster-config.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: 10.0.1.10',
    );
    expect(after['kubernetes/infrastructure/helmrelease.yaml']).toContain(
      '${CILIUM_CLUSTERMESH_LB_IP}',
    );
    const report = validateMesh(createRepoTree(after), conventions(true));
    expect(
      report.clusters.map(c => [c.name, c.lbIp?.value, c.counts.failed]),
    ).toEqual([
      ['a', '10.0.1.10', 0],
      ['b', '10.0.2.10', 0],
    ]);
    // without the webhook, nothing substitutes the shared values
    expect(
      applied(files, input, conventions(false)).plan.problems[0]?.message,
    ).toMatch(/does not substitute CILIUM_CLUSTERMESH_LB_IP in it/);
  });
});

describe('a configured cluster whose Cilium values are not found', () => {
  it('is asked for its Cilium values, not for settings they may not need', () => {
    const files = exampleFiles('gitops-repo');
    // apps gets Cilium another way (`helm --set` by a task): its
    // Kustomization applies only its pool, and it keeps no settings
    delete files['kubernetes/clusters/apps/cluster-settings.yaml'];
    files['kubernetes/clusters/apps/kustomization.yaml'] = files[
      'kubernetes/clusters/apps/kustomization.yaml'
    ]
      .replace('  - cluster-settings.yaml\n', '')
      .replace('  - infrastructure.yaml\n', '');
    const problems = planMeshDnsChange(
      createRepoTree(files),
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.120' },
        ],
      },
      withDomain,
    ).problems;
    expect(problems.map(p => p.message)).toEqual([
      expect.stringMatching(/^no HelmRelease cilium is applied to apps/),
    ]);
  });
});

describe('mesh entries named by peer variables of the repository', () => {
  // the example, its peers' FQDN variables named the owner's way
  const files = Object.fromEntries(
    Object.entries(exampleFiles('gitops-repo')).map(([file, text]) => [
      file,
      text.replace(
        /CILIUM_CLUSTERMESH_(INFRA|APPS)_FQDN/g,
        'MESH_PEER_$1_ADDRESS',
      ),
    ]),
  );
  const conventionsOf = (tree: Record<string, string>) =>
    resolveConventions(
      knownDomain,
      detectConventions(createRepoTree(tree), knownDomain),
    );

  it('takes their names for the peer variables, and a change reuses them', () => {
    const conventions = conventionsOf(files);
    expect(conventions.variables.peerFqdn).toBe('MESH_PEER_{PEER}_ADDRESS');
    expect(
      validateMesh(createRepoTree(files), conventions).summary.errors,
    ).toBe(0);
    const { plan, after } = applied(
      files,
      {
        clusters: [
          { name: 'infra', ip: '10.25.11.101' },
          { name: 'apps', ip: '10.25.11.121' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    for (const e of plan.edits)
      expect(e.after).not.toMatch(/CILIUM_CLUSTERMESH_(INFRA|APPS)_FQDN/);
    expect(after['kubernetes/clusters/infra/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: "10.25.11.101"',
    );
  });
});

describe('a new file the repository leaves out of git', () => {
  it('is refused, naming the .gitignore and pattern, with nothing written', () => {
    const files = exampleFiles('gitops-repo');
    // a whitelist .gitignore: only the folders it names are kept
    files['.gitignore'] = '*\n!*/\n!/kubernetes/**\n!.gitignore\n';
    const input: MeshDnsChangeInput = {
      clusters: [
        { name: 'infra', ip: '10.25.11.101' },
        { name: 'apps', ip: '10.25.11.121' },
      ],
      mode: 'manual',
    };
    const plan = planMeshDnsChange(createRepoTree(files), input, withDomain);
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toEqual([
      {
        field: 'docs/clustermesh-dns-records.md',
        message:
          'would be created, but .gitignore leaves it out of git (`*`): the commit and the pull request of the change would not hold it',
        remedy:
          "Let git take it (un-ignore it, and its folder, in .gitignore), or keep it where the repository keeps its files (the conventions' dns.recordsDocument); then run the change again.",
      },
    ]);
    // kept by git: written
    files['.gitignore'] += '!/docs/**\n';
    expect(
      planMeshDnsChange(createRepoTree(files), input, withDomain).problems,
    ).toEqual([]);
  });
});

describe('a cluster whose ClusterMesh its own settings switch off in values it shares', () => {
  // JasonKoopmans' shape after a --remove: the shared values switch the
  // mesh by a variable whose default is on, and the retired cluster's
  // settings set it off (its FQDN and LB IP entries are still there)
  const conventions = resolveConventions({
    clustersPath: 'clusters',
    fqdnTemplate: 'clustermesh-{cluster}.example.net',
  });
  /** The change configuring alpha and beta, the records kept by hand. */
  const alphaAndBeta: MeshDnsChangeInput = {
    clusters: [
      { name: 'alpha', ip: '10.1.0.10' },
      { name: 'beta', ip: '10.2.0.10' },
    ],
    mode: 'manual',
  };
  /** The change configuring all three. */
  const allThree: MeshDnsChangeInput = {
    clusters: [...alphaAndBeta.clusters, { name: 'gamma', ip: '10.3.0.10' }],
    mode: 'manual',
  };
  /** A run configuring one cluster, the records kept by hand. */
  const only = (name: string, ip: string): MeshDnsChangeInput => ({
    clusters: [{ name, ip }],
    mode: 'manual',
  });
  /** A cluster's row status, validated as the repository is. */
  const statusOf = (files: Record<string, string>, name: string) =>
    validateMesh(createRepoTree(files), conventions).clusters.find(
      c => c.name === name,
    )?.status;
  function threeClusters(moreSources = '') {
    const files = sharedReleaseLayout({
      sources: `      - {kind: ConfigMap, name: cluster-settings}\n${moreSources}`,
    });
    files['infrastructure/cilium/release.yaml'] = sharedCiliumRelease(
      'cluster: {name: "${CLUSTER_NAME}", id: "${CLUSTER_ID}"}',
      'clustermesh:',
      '  useAPIServer: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      '  config:',
      '    enabled: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
    );
    for (const file of Object.keys(files).filter(p => p.includes('/alpha/')))
      files[file.replace('/alpha/', '/gamma/')] = files[file]
        .replace(/alpha/g, 'gamma')
        .replace('CLUSTER_ID: "1"', 'CLUSTER_ID: "3"')
        .replace('10.1.0.0/24', '10.3.0.0/24');
    files['settings/gamma/cluster-settings.yaml'] +=
      '  CILIUM_CLUSTERMESH_ENABLED: "false"\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-gamma.example.net\n  CILIUM_CLUSTERMESH_LB_IP: 10.3.0.10\n';
    return files;
  }

  it.each([
    ['', ''],
    [
      ' (a Secret of unknown keys may hold the variable)',
      '      - {kind: Secret, name: cluster-secrets-user, optional: true}\n',
    ],
  ])(
    'stays out of the mesh: the switch is left as written, and no entry for it is added%s',
    (_, moreSources) => {
      const files = threeClusters(moreSources);
      const input = alphaAndBeta;
      const gamma = validateMesh(
        createRepoTree(files),
        conventions,
      ).clusters.find(c => c.name === 'gamma');
      expect(gamma?.status).toBe('outside');
      const first = applied(files, input, conventions);
      expect(first.plan.problems).toEqual([]);
      const release = first.after['infrastructure/cilium/release.yaml'];
      expect(release).toContain(
        'useAPIServer: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      );
      expect(release).toContain('enabled: ${CILIUM_CLUSTERMESH_ENABLED:=true}');
      expect(JSON.stringify(first.after)).not.toMatch(/GAMMA|name: gamma/);
      expect(first.plan.report?.summary.errors).toBe(0);
      // a later run naming one cluster leaves gamma out too
      const again = applied(
        first.after,
        { clusters: [{ name: 'alpha', ip: '10.1.0.11' }], mode: 'manual' },
        conventions,
      );
      expect(again.plan.problems).toEqual([]);
      expect(again.plan.edits.map(e => e.path)).toEqual([
        'docs/clustermesh-dns-records.md',
        'settings/alpha/cluster-settings.yaml',
      ]);
      expect(JSON.stringify(again.plan.edits)).not.toMatch(/gamma/i);
    },
  );

  it("leaves the shared switch as written where the peers are in a Secret made elsewhere (monosense's ExternalSecret, config.enabled false): a cluster off by its own settings stays off", () => {
    const files = threeClusters();
    const release = 'infrastructure/cilium/release.yaml';
    files[release] = files[release].replace(
      'enabled: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      'enabled: false',
    );
    files['infrastructure/cilium/kustomization.yaml'] = files[
      'infrastructure/cilium/kustomization.yaml'
    ].replace('pool.yaml]', 'pool.yaml, peers.yaml]');
    files['infrastructure/cilium/peers.yaml'] = [
      'apiVersion: external-secrets.io/v1',
      'kind: ExternalSecret',
      'metadata: {name: cilium-clustermesh}',
      'spec:',
      '  secretStoreRef: {kind: ClusterSecretStore, name: vault}',
      '  target: {name: cilium-clustermesh}',
      '  dataFrom:',
      '    - extract: {key: "cilium-clustermesh-${CLUSTER_NAME}"}',
      '',
    ].join('\n');
    const { plan, after } = applied(files, alphaAndBeta, conventions);
    expect(plan.problems).toEqual([]);
    expect(after[release]).toContain(
      'useAPIServer: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
    );
    expect(statusOf(after, 'gamma')).toBe('outside');
    expect(JSON.stringify(plan.edits)).not.toMatch(/GAMMA|gamma/);
  });

  it.each([
    ['settings', false],
    ["Kustomization's inline substitute", true],
  ])(
    "switches a rejoining cluster on in its own %s, leaving the shared switch as written (ksefuke-labs' dev, after a --remove)",
    (_, inline) => {
      const files = threeClusters();
      if (inline) {
        // its Kustomization gives the switch inline, which wins
        files['settings/gamma/cluster-settings.yaml'] = files[
          'settings/gamma/cluster-settings.yaml'
        ].replace('  CILIUM_CLUSTERMESH_ENABLED: "false"\n', '');
        files['clusters/gamma/cilium.yaml'] = files[
          'clusters/gamma/cilium.yaml'
        ].replace(
          '  postBuild:\n',
          '  postBuild:\n    substitute:\n      CILIUM_CLUSTERMESH_ENABLED: "false"\n',
        );
      }
      const first = applied(files, alphaAndBeta, conventions).after;
      expect(statusOf(first, 'gamma')).toBe('outside');
      const rejoin = applied(first, only('gamma', '10.3.0.10'), conventions);
      expect(rejoin.plan.problems).toEqual([]);
      const release = rejoin.after['infrastructure/cilium/release.yaml'];
      expect(release).toContain(
        'useAPIServer: ${CILIUM_CLUSTERMESH_ENABLED:=true}',
      );
      expect(release).toContain('enabled: ${CILIUM_CLUSTERMESH_ENABLED:=true}');
      const switched = inline
        ? parse(rejoin.after['clusters/gamma/cilium.yaml']).spec.postBuild
            .substitute
        : parse(rejoin.after['settings/gamma/cluster-settings.yaml']).data;
      expect(switched).toMatchObject({ CILIUM_CLUSTERMESH_ENABLED: 'true' });
      expect(rejoin.plan.edits.flatMap(e => e.reasons)).toContain(
        'CILIUM_CLUSTERMESH_ENABLED = true (gamma: ClusterMesh switched on; it was "false", which kept gamma out of the mesh through the Cilium values it shares)',
      );
      // the plan's validation of the result (records kept by hand)
      expect(rejoin.plan.report?.summary.errors).toBe(0);
      expect(
        rejoin.plan.report?.clusters.map(c => [c.name, c.membership.member]),
      ).toEqual([
        ['alpha', true],
        ['beta', true],
        ['gamma', true],
      ]);
      expect(
        applied(rejoin.after, only('gamma', '10.3.0.10'), conventions).plan
          .edits,
      ).toEqual([]);
    },
  );

  it("keeps the record of a cluster whose switch a Secret not read here holds, where a run configures another (worlddrknss' SOPS copy)", () => {
    // gamma in the mesh first, its record kept by hand with the others'
    const files = threeClusters(
      '      - {kind: Secret, name: cluster-secrets, optional: true}\n',
    );
    files['settings/gamma/cluster-settings.yaml'] = files[
      'settings/gamma/cluster-settings.yaml'
    ].replace('  CILIUM_CLUSTERMESH_ENABLED: "false"\n', '');
    const all = applied(files, allThree, conventions).after;
    expect(all['docs/clustermesh-dns-records.md']).toContain('| gamma |');
    // then its switch goes in a SOPS-encrypted Secret: not known here
    all['settings/gamma/cluster-secrets.sops.yaml'] =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  CILIUM_CLUSTERMESH_ENABLED: ENC[AES256_GCM,data:ZmFsc2U=,iv:aXY=,tag:dGFn,type:str]\nsops:\n  version: 3.9.0\n';
    all['settings/gamma/kustomization.yaml'] = all[
      'settings/gamma/kustomization.yaml'
    ].replace('resources: [', 'resources: [cluster-secrets.sops.yaml, ');
    expect(statusOf(all, 'gamma')).toBe('not-evaluated');
    const again = applied(all, only('alpha', '10.1.0.11'), conventions);
    expect(again.plan.problems).toEqual([]);
    const document = again.after['docs/clustermesh-dns-records.md'];
    // the record nothing publishes: its change at the provider is said
    expect(
      again.plan.edits.find(e => e.path === 'docs/clustermesh-dns-records.md')
        ?.reasons,
    ).toEqual([
      expect.stringMatching(
        /^the records to keep by hand \(manual DNS mode\), updated: at the DNS provider, change `clustermesh-alpha\.example\.net` to A 10\.1\.0\.11 \(was A 10\.1\.0\.\d+\)$/,
      ),
    ]);
    expect(document).toContain('| alpha |');
    expect(document).toContain('10.1.0.11');
    expect(document).toContain('| gamma |');
    // no check ran for gamma: not counted among the clusters checked
    expect(again.plan.summary).toMatch(
      /checks pass on 2 clusters \(\d+ warnings?; 1 in the mesh or not: not known, not checked\)/,
    );
  });

  it('drops on --remove the peer entries its files use only with a default, keeping those used without one', () => {
    const files = threeClusters();
    const input = alphaAndBeta;
    const configured = applied(files, input, conventions).after;
    // gamma was in the mesh before its switch went off: its peer entries
    // are still in its settings
    configured['settings/gamma/cluster-settings.yaml'] +=
      '  CILIUM_CLUSTERMESH_ALPHA_FQDN: clustermesh-alpha.example.net\n';
    // and its record kept by hand
    configured['docs/clustermesh-dns-records.md'] +=
      '| gamma | `clustermesh-gamma.example.net` | A | 10.3.0.10 | 300 |\n';
    const removal = applied(
      configured,
      { clusters: [], remove: ['gamma'], mode: 'manual' },
      conventions,
    );
    expect(removal.plan.problems).toEqual([]);
    const settings = removal.after['settings/gamma/cluster-settings.yaml'];
    // the shared values use it as `${CILIUM_CLUSTERMESH_ALPHA_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}`
    expect(settings).not.toContain('CILIUM_CLUSTERMESH_ALPHA_FQDN');
    expect(settings).toContain('CILIUM_CLUSTERMESH_FQDN:');
    expect(removal.plan.decisions).toContainEqual(
      expect.stringMatching(
        /^gamma: CILIUM_CLUSTERMESH_FQDN, CILIUM_CLUSTERMESH_LB_IP kept in its settings: its file infrastructure\/cilium\/release.yaml \(which alpha and beta apply too\) still uses them/,
      ),
    );
    expect(removal.plan.summary).toContain(
      'Taken out of the mesh: gamma; the files below drop what they held for it.',
    );
    // the record nothing publishes: its deletion at the provider is said
    expect(
      removal.plan.edits.find(e => e.path === 'docs/clustermesh-dns-records.md')
        ?.reasons,
    ).toEqual([
      expect.stringMatching(
        /^the records to keep by hand \(manual DNS mode\), updated: at the DNS provider, delete `clustermesh-gamma\.example\.net` A \d+\.\d+\.\d+\.\d+$/,
      ),
    ]);
    // again: nothing to drop, said so
    const again = applied(
      removal.after,
      { clusters: [], remove: ['gamma'], mode: 'manual' },
      conventions,
    );
    expect(again.plan.edits).toEqual([]);
    expect(again.plan.summary).toContain(
      'gamma is out of the mesh already: this run has nothing more to drop.',
    );
    expect(again.plan.summary).not.toContain('Taken out of the mesh');
  });

  it("adds a joining cluster's peer entries in order of name where the mesh's are (JasonKoopmans' home, lab, work)", () => {
    const files = threeClusters();
    files['settings/gamma/cluster-settings.yaml'] = files[
      'settings/gamma/cluster-settings.yaml'
    ].replace(/ {2}CILIUM_CLUSTERMESH_[^]*$/, '');
    // beta joins later: off by its own settings until then
    files['settings/beta/cluster-settings.yaml'] +=
      '  CILIUM_CLUSTERMESH_ENABLED: "false"\n  CILIUM_CLUSTERMESH_FQDN: clustermesh-beta.example.net\n  CILIUM_CLUSTERMESH_LB_IP: 10.2.0.10\n';
    const mode = 'manual' as const;
    const first = applied(
      files,
      {
        clusters: [
          { name: 'alpha', ip: '10.1.0.10' },
          { name: 'gamma', ip: '10.3.0.10' },
        ],
        mode,
      },
      conventions,
    );
    expect(first.plan.problems).toEqual([]);
    first.after['settings/beta/cluster-settings.yaml'] = first.after[
      'settings/beta/cluster-settings.yaml'
    ].replace('  CILIUM_CLUSTERMESH_ENABLED: "false"\n', '');
    const joined = applied(
      first.after,
      { clusters: [{ name: 'beta', ip: '10.2.0.10' }], mode },
      conventions,
    );
    expect(joined.plan.problems).toEqual([]);
    const release = joined.after['infrastructure/cilium/release.yaml'];
    expect([...release.matchAll(/- name: (\w+)/g)].map(m => m[1])).toEqual([
      'alpha',
      'beta',
      'gamma',
    ]);
    const keys = (cluster: string) =>
      Object.keys(
        parse(joined.after[`settings/${cluster}/cluster-settings.yaml`]).data,
      ).filter(k => /^CILIUM_CLUSTERMESH_.+_FQDN$/.test(k));
    expect(keys('alpha')).toEqual([
      'CILIUM_CLUSTERMESH_BETA_FQDN',
      'CILIUM_CLUSTERMESH_GAMMA_FQDN',
    ]);
    expect(keys('gamma')).toEqual([
      'CILIUM_CLUSTERMESH_ALPHA_FQDN',
      'CILIUM_CLUSTERMESH_BETA_FQDN',
    ]);
  });

  it("refuses, naming it, where the FQDN of a member the run does not name cannot be resolved, instead of failing (psimaker's --remove without the template)", () => {
    // the domain only a Secret made outside the repository may hold
    const files = threeClusters(
      '      - {kind: Secret, name: cluster-secrets, optional: true}\n',
    );
    const plan = planMeshDnsChange(
      createRepoTree(files),
      { clusters: [], remove: ['gamma'], mode: 'manual' },
      resolveConventions({
        clustersPath: 'clusters',
        fqdnTemplate: 'clustermesh-{cluster}.${SECRET_DOMAIN}',
      }),
    );
    expect(plan.edits).toEqual([]);
    expect(plan.problems).toContainEqual({
      field: 'clusters',
      message: expect.stringMatching(
        /^the FQDN of alpha \(in the mesh: its peers know it by that name\), clustermesh-alpha\.\$\{SECRET_DOMAIN\}, cannot be resolved: /,
      ),
    });
  });

  it("gives the service LB IPAM's class where another controller answers LoadBalancer services of no class (psimaker's kube-vip-cloud-provider)", () => {
    const files = threeClusters();
    for (const f of Object.keys(files).filter(p => p.includes('/gamma/')))
      delete files[f];
    files['infrastructure/cilium/release.yaml'] = files[
      'infrastructure/cilium/release.yaml'
    ].replace(
      '    clustermesh:\n',
      '    l2announcements: {enabled: true}\n    clustermesh:\n',
    );
    files['infrastructure/cilium/kube-vip.yaml'] = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: kube-vip-cloud-provider, namespace: kube-system}',
      'spec:',
      '  selector: {matchLabels: {app: kube-vip}}',
      '  template:',
      '    metadata: {labels: {app: kube-vip}}',
      '    spec:',
      '      containers:',
      '        - name: kube-vip-cloud-provider',
      '          image: ghcr.io/kube-vip/kube-vip-cloud-provider:v0.0.10',
      '',
    ].join('\n');
    files['infrastructure/cilium/kustomization.yaml'] =
      'namespace: kube-system\nresources: [release.yaml, pool.yaml, kube-vip.yaml]\n';
    const { plan, after } = applied(files, alphaAndBeta, conventions);
    expect(plan.problems).toEqual([]);
    expect(
      parse(after['infrastructure/cilium/release.yaml']).spec.values.clustermesh
        .apiserver.service.loadBalancerClass,
    ).toBe('io.cilium/l2-announcer');
    expect(plan.edits.flatMap(e => e.reasons).join('\n')).toContain(
      'loadBalancerClass: io.cilium/l2-announcer, so that LB IPAM serves the service, not Deployment kube-system/kube-vip-cloud-provider, which answers LoadBalancer services of no class',
    );
    const service = plan.report!.clusters.flatMap(c =>
      c.checks.filter(k => k.ruleId === 'service-annotation'),
    );
    expect(service.map(k => k.outcome)).toEqual(['pass', 'pass']);
  });

  it("renames the heading configure wrote in a settings file copied from another cluster (corruptmane's lab3)", () => {
    const files = threeClusters();
    const gamma = 'settings/gamma/cluster-settings.yaml';
    // copied from beta's, which configure had written with its heading
    files[
      gamma
    ] = `---\n# ClusterMesh DNS settings of beta: Kustomization flux-system/cilium substitutes them\n${files[
      gamma
    ]
      .replace('  CILIUM_CLUSTERMESH_ENABLED: "false"\n', '')
      .replace('clustermesh-gamma', 'clustermesh-beta')
      .replace('10.3.0.10', '10.2.0.10')}`;
    const configured = applied(files, allThree, conventions);
    expect(configured.plan.problems).toEqual([]);
    expect(configured.after[gamma]).toContain(
      '# ClusterMesh DNS settings of gamma: Kustomization flux-system/cilium substitutes them\n',
    );
    expect(configured.after[gamma]).toContain(
      'CILIUM_CLUSTERMESH_FQDN: clustermesh-gamma.example.net',
    );
  });
});

describe("a cluster whose Cilium Kustomization gives the shared values their variables inline (ksefuke-labs' postBuild.substitute)", () => {
  const conventions = resolveConventions({
    clustersPath: 'clusters',
    fqdnTemplate: 'clustermesh-{cluster}.mesh.example.org',
    dns: { mode: 'manual' },
  });
  const ciliumKustomization = (cluster: string, id: number) =>
    [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: cilium, namespace: flux-system}',
      'spec:',
      '  interval: 10m',
      '  path: ./infrastructure/cilium',
      '  prune: true',
      '  sourceRef: {kind: GitRepository, name: flux-system}',
      '  postBuild:',
      '    substitute:',
      `      CLUSTER_NAME: ${cluster}`,
      `      CLUSTER_ID: "${id}"`,
      `      POOL_CIDR: 10.${id}.0.0/24`,
      '',
    ].join('\n');
  function inlineLayout(clusters: [string, number][]) {
    const files = sharedReleaseLayout({ sources: '' });
    for (const file of Object.keys(files))
      if (/^(settings\/|clusters\/[^/]+\/settings\.yaml)/.test(file))
        delete files[file];
    for (const [c, id] of clusters) {
      files[`clusters/${c}/sync.yaml`] ??= files[
        'clusters/alpha/sync.yaml'
      ].replace(/alpha/g, c);
      files[`clusters/${c}/cilium.yaml`] = ciliumKustomization(c, id);
    }
    return files;
  }
  const errorsOf = (files: Record<string, string>) => {
    const report = validateMesh(createRepoTree(files), conventions);
    return [
      ...report.findings.filter(f => f.severity === 'error'),
      ...report.clusters.flatMap(c =>
        c.checks.filter(k => k.outcome === 'fail' && k.severity === 'error'),
      ),
    ].map(f => f.message);
  };
  const input = (...clusters: string[]): MeshDnsChangeInput => ({
    clusters: clusters.map(name => ({
      name,
      ip: `10.${{ alpha: 1, beta: 2, gamma: 3 }[name]}.0.10`,
    })),
    mode: 'manual',
  });

  it('writes the entries beside the variables it gives inline, not in a new ConfigMap, also for a cluster joining later', () => {
    const files = inlineLayout([
      ['alpha', 1],
      ['beta', 2],
    ]);
    const first = applied(files, input('alpha', 'beta'), conventions);
    expect(first.plan.problems).toEqual([]);
    expect(first.plan.edits.map(e => e.path).sort()).toEqual([
      'clusters/alpha/cilium.yaml',
      'clusters/beta/cilium.yaml',
      'docs/clustermesh-dns-records.md',
      'infrastructure/cilium/release.yaml',
    ]);
    expect(
      parse(first.after['clusters/alpha/cilium.yaml']).spec.postBuild,
    ).toEqual({
      substitute: {
        CLUSTER_NAME: 'alpha',
        CLUSTER_ID: '1',
        POOL_CIDR: '10.1.0.0/24',
        CILIUM_CLUSTERMESH_FQDN: 'clustermesh-alpha.mesh.example.org',
        CILIUM_CLUSTERMESH_LB_IP: '10.1.0.10',
        CILIUM_CLUSTERMESH_BETA_FQDN: 'clustermesh-beta.mesh.example.org',
      },
    });
    expect(errorsOf(first.after)).toEqual([]);
    // a second run writes nothing
    expect(
      applied(first.after, input('alpha', 'beta'), conventions).plan.edits,
    ).toEqual([]);
    // gamma joins: its entries and the others' entry for it, inline too
    const withGamma = { ...first.after };
    withGamma['clusters/gamma/sync.yaml'] = first.after[
      'clusters/alpha/sync.yaml'
    ].replace(/alpha/g, 'gamma');
    withGamma['clusters/gamma/cilium.yaml'] = ciliumKustomization('gamma', 3);
    const joined = applied(withGamma, input('gamma'), conventions);
    expect(joined.plan.problems).toEqual([]);
    expect(
      joined.plan.edits.map(e => e.path).filter(p => p.startsWith('clusters/')),
    ).toEqual([
      'clusters/alpha/cilium.yaml',
      'clusters/beta/cilium.yaml',
      'clusters/gamma/cilium.yaml',
    ]);
    expect(
      parse(joined.after['clusters/beta/cilium.yaml']).spec.postBuild,
    ).toMatchObject({
      substitute: {
        CILIUM_CLUSTERMESH_GAMMA_FQDN: 'clustermesh-gamma.mesh.example.org',
      },
    });
    expect(
      parse(joined.after['clusters/beta/cilium.yaml']).spec.postBuild,
    ).not.toHaveProperty('substituteFrom');
    expect(errorsOf(joined.after)).toEqual([]);
  });
});
