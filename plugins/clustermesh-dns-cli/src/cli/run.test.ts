import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MeshReport } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { formatReportText } from './format';
import { runCli } from './run';

const root = path.resolve(__dirname, '../../../..');
const examples = path.join(root, 'examples');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: t => out.push(t),
    stderr: t => err.push(t),
    cwd: root,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Runs `body` on a copy of the example repository, edited by `edit`, removed after. */
async function onExampleCopy(
  edit: (dir: string) => void,
  body: (dir: string) => Promise<void>,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-cli-'));
  try {
    fs.cpSync(path.join(examples, 'gitops-repo'), dir, { recursive: true });
    edit(dir);
    await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `validate` with the example repositories' SOPS domain given. */
const validateKnown = (dir: string, ...more: string[]) =>
  cli('validate', dir, '--value', 'SECRET_DOMAIN=example.net', ...more);

describe('clustermesh-dns validate', () => {
  it('exits 0 on the example repository and prints one row per cluster', async () => {
    const { code, stdout, stderr } = await validateKnown(
      'examples/gitops-repo',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^CLUSTER\s+FQDN\s+LB IP\s+POOL\s+RECORD/m);
    expect(stdout).toMatch(
      /^infra\s+clustermesh-infra\.example\.net\s+10\.\d+\.\d+\.\d+\s.*\sok$/m,
    );
    expect(stdout).toMatch(/^apps\s+clustermesh-apps\.example\.net\s/m);
    expect(stdout).not.toMatch(/FAIL|NOT EVALUATED/);
  });

  it("shows a cluster's record in its row only where a DNSEndpoint holds it", () =>
    onExampleCopy(
      dir => {
        const folder = path.join(
          dir,
          'kubernetes/infrastructure/networking/cilium/clustermesh',
        );
        fs.rmSync(path.join(folder, 'dnsendpoint.yaml'));
        fs.writeFileSync(
          path.join(folder, 'kustomization.yaml'),
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
        );
      },
      async dir => {
        const { stdout } = await validateKnown(dir);
        expect(stdout).toMatch(
          /\napps +clustermesh-apps\.example\.net +10\.25\.11\.120 +lb-ippool-apps +- +/,
        );
      },
    ));

  it('says what it could not check when a secret value is not given, and fails on it only when asked', async () => {
    const plain = await cli('validate', 'examples/gitops-repo');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      /^infra\s+clustermesh-infra\.<secret:SECRET_DOMAIN>\s.*\sNOT EVALUATED$/m,
    );
    expect(plain.stdout).toContain(
      '[fqdn-valid] infra: FQDN "clustermesh-infra.<secret:SECRET_DOMAIN>": its known labels are valid, but SECRET_DOMAIN is not known here',
    );
    // the option that evaluates it, named once
    expect(plain.stdout).toContain(
      "Not known here: SECRET_DOMAIN. Give its value to evaluate more: --value SECRET_DOMAIN=<value> (or the conventions' values; a value given holds for every cluster, and --value <cluster>:NAME=<value> gives one cluster its own where their Secrets differ).",
    );
    const strict = await cli(
      'validate',
      'examples/gitops-repo',
      '--fail-on',
      'not-evaluated',
    );
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe(plain.stdout);
  });

  it("does not offer --value for a value of each cluster's own", () =>
    onExampleCopy(
      dir => {
        for (const c of ['infra', 'apps']) {
          // the LB IP from a ConfigMap made outside the repository
          const settings = path.join(
            dir,
            `kubernetes/clusters/${c}/cluster-settings.yaml`,
          );
          fs.writeFileSync(
            settings,
            fs
              .readFileSync(settings, 'utf8')
              .replace(/\n {2}CILIUM_CLUSTERMESH_LB_IP: .*/, ''),
          );
          const ks = path.join(
            dir,
            `kubernetes/clusters/${c}/infrastructure.yaml`,
          );
          fs.writeFileSync(
            ks,
            fs
              .readFileSync(ks, 'utf8')
              .replace(
                '        name: cluster-secrets\n',
                '        name: cluster-secrets\n      - kind: ConfigMap\n        name: bootstrap-settings\n',
              ),
          );
        }
        // the service asks for one address written out: compared with an
        // LB IP not known here
        const values = path.join(
          dir,
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
        );
        fs.writeFileSync(
          values,
          fs
            .readFileSync(values, 'utf8')
            .replace(
              'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
              'lbipam.cilium.io/ips: 10.25.11.100',
            ),
        );
      },
      async dir => {
        const { stdout } = await cli('validate', dir);
        expect(stdout).toContain(
          '[lb-ip-valid] apps, infra: The LB IP "<secret:CILIUM_CLUSTERMESH_LB_IP>" comes from CILIUM_CLUSTERMESH_LB_IP, which is not known here (a Secret, or a source made outside the repository): it is each cluster\'s own, so it is checked only where the repository holds it (a value given holds for every cluster)',
        );
        expect(stdout).toContain(
          "Not known here, and each cluster's own: CILIUM_CLUSTERMESH_LB_IP. Define them in each cluster's settings, where the Kustomization that substitutes them reads them (its own namespace), or set the conventions' variables to the names the repository uses; to evaluate more here, --value <cluster>:NAME=<value> gives one cluster its value (a plain --value would give every cluster the same)",
        );
        expect(stdout).not.toContain('--value CILIUM_CLUSTERMESH_LB_IP');
        expect(stdout).toContain('--value SECRET_DOMAIN=<value>');
      },
    ));

  it('fails on a feature it could not evaluate only with --fail-on not-evaluated', () =>
    onExampleCopy(
      dir =>
        // a remote base: the engine does not fetch it, so it is not evaluated
        fs.appendFileSync(
          path.join(dir, 'kubernetes/infrastructure/kustomization.yaml'),
          '  - https://github.com/example/remote//base?ref=v1.0.0\n',
        ),
      async dir => {
        const args = ['validate', dir, '--value', 'SECRET_DOMAIN=example.net'];
        const plain = await cli(...args);
        expect(plain.stdout).toMatch(/1 not evaluated/);
        // the clusters it concerns, then where and what
        expect(plain.stdout).toContain(
          '\n  apps, infra: kubernetes/infrastructure/kustomization.yaml:5 refers to the remote resource https://github.com/example/remote//base?ref=v1.0.0, which this engine does not fetch\n',
        );
        expect(plain.code).toBe(0);
        expect((await cli(...args, '--fail-on', 'not-evaluated')).code).toBe(1);
      },
    ));

  it('counts a part no check reads from (a release manifest) apart, listing it with --verbose', () =>
    onExampleCopy(
      dir =>
        fs.appendFileSync(
          path.join(dir, 'kubernetes/infrastructure/kustomization.yaml'),
          '  - https://github.com/example/operator/releases/download/v1.0.0/operator.yaml\n',
        ),
      async dir => {
        const args = ['validate', dir, '--value', 'SECRET_DOMAIN=example.net'];
        const plain = await cli(...args);
        expect(plain.stdout).toMatch(/ 0 not evaluated, /);
        expect(plain.stdout).not.toContain('\nNot evaluated:');
        expect(plain.stdout).toContain(
          '\nNoted, and no check depends on it: 1 part (--verbose lists it).\n',
        );
        // nothing a check reads is missing: a full pass
        expect((await cli(...args, '--fail-on', 'not-evaluated')).code).toBe(0);
        expect((await cli(...args, '--verbose')).stdout).toContain(
          "\nNoted, and no check depends on it:\n  apps, infra: kubernetes/infrastructure/kustomization.yaml:5 refers to the remote resource https://github.com/example/operator/releases/download/v1.0.0/operator.yaml, which this engine does not fetch (a project's release manifest: none of the cluster's ClusterMesh objects)\n",
        );
      },
    ));

  it('says a fix once per cluster where it says something else for that cluster, not "likewise"', async () => {
    // a substitutes through its parent's patches; b's Cilium Kustomization
    // does not substitute at all
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-cli-'));
    try {
      fs.cpSync(
        path.join(
          root,
          'plugins/clustermesh-dns-engine/fixtures/configure-own-folder-entry/repo',
        ),
        dir,
        { recursive: true },
      );
      const sync = path.join(dir, 'clusters/b/flux/sync.yaml');
      fs.writeFileSync(
        sync,
        fs
          .readFileSync(sync, 'utf8')
          .replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, '\n'),
      );
      const { stdout } = await cli('validate', dir);
      const howToFix = stdout
        .slice(stdout.indexOf('\nHow to fix:\n'))
        .split('\n');
      const fixes = howToFix.filter(line =>
        line.startsWith('  [service-annotation] '),
      );
      expect(fixes).toEqual([
        '  [service-annotation] a: In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}}`.',
        '  [service-annotation] b: In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}}`. Kustomization flux-system/cilium, which applies clusters/b/apps/cilium/helmrelease.yaml, does not substitute: give it `postBuild.substituteFrom: [{kind: ConfigMap, name: cluster-settings}]`, or write the values out, since Flux leaves `${...}` as written there.',
      ]);
      // files of other shapes: each named with its cluster
      expect(
        howToFix.filter(l => l.startsWith('  [settings-present] ')),
      ).toEqual([
        '  [settings-present] a: Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to `clusters/a/flux/deploy/cluster-settings.yaml` (or run `clustermesh-dns configure`).',
        '  [settings-present] b: Add `CILIUM_CLUSTERMESH_FQDN` and `CILIUM_CLUSTERMESH_LB_IP` to `clusters/b/flux/cluster-settings.yaml` (or run `clustermesh-dns configure`). Kustomization flux-system/cilium, which applies the Cilium values (clusters/b/apps/cilium/helmrelease.yaml), does not substitute: give it `postBuild.substituteFrom: [{kind: ConfigMap, name: cluster-settings}]` too, or the variables never reach them.',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a setting detected empty as (none)', async () => {
    // a repository of no Flux object: no folder is a cluster
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-cli-'));
    try {
      for (const c of ['east', 'west']) {
        fs.mkdirSync(path.join(dir, 'clusters', c), { recursive: true });
        fs.writeFileSync(
          path.join(dir, 'clusters', c, 'project.yaml'),
          'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: apps\n',
        );
      }
      const { stdout } = await cli('validate', dir);
      expect(stdout).toMatch(
        /\n {2}clusters = \(none\) \(detected: the repository holds no Flux object/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names each cluster's file of a cause found in several clusters' files, not the first one's only", () =>
    onExampleCopy(
      dir => {
        for (const cluster of ['apps', 'infra']) {
          const folder = path.join(dir, 'kubernetes/clusters', cluster);
          fs.writeFileSync(
            path.join(folder, 'flux.yaml'),
            [
              'apiVersion: source.toolkit.fluxcd.io/v1beta2',
              'kind: OCIRepository',
              'metadata: {name: flux-manifests, namespace: flux-system}',
              'spec: {interval: 10m, url: "oci://ghcr.io/fluxcd/flux-manifests", ref: {tag: v2.2.2}}',
              '---',
              'apiVersion: kustomize.toolkit.fluxcd.io/v1',
              'kind: Kustomization',
              'metadata: {name: flux, namespace: flux-system}',
              'spec:',
              '  interval: 10m',
              '  path: ./',
              '  prune: true',
              '  sourceRef: {kind: OCIRepository, name: flux-manifests}',
              '',
            ].join('\n'),
          );
          fs.appendFileSync(
            path.join(folder, 'kustomization.yaml'),
            '  - flux.yaml\n',
          );
        }
      },
      async dir => {
        const { stdout } = await validateKnown(dir, '--verbose');
        expect(stdout).toContain(
          '\n  apps, infra: kubernetes/clusters/apps/flux.yaml:13 (and kubernetes/clusters/infra/flux.yaml:13) Kustomizations build OCIRepository flux-manifests',
        );
      },
    ));

  it('lists a cluster whose Cilium values were partly not read as not known, not outside the mesh', () =>
    onExampleCopy(
      dir => {
        const file = path.join(
          dir,
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
        );
        fs.writeFileSync(
          file,
          fs
            .readFileSync(file, 'utf8')
            .replace('useAPIServer: true', 'useAPIServer: false')
            .replace(/config:\n(\s+)enabled: true/, 'config:\n$1enabled: false')
            .replace(
              '  values:\n',
              '  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-values\n      valuesKey: ${SECRET_DOMAIN}.yaml\n  values:\n',
            ),
        );
      },
      async dir => {
        const { code, stdout } = await cli('validate', dir);
        expect(code).toBe(0);
        expect(stdout).not.toContain('Outside the mesh');
        expect(stdout).toContain(
          'In the mesh or not: not known (not checked):\n  apps: the Cilium values read here do not enable ClusterMesh, but those from ConfigMap cilium-values key <secret:SECRET_DOMAIN>.yaml (it depends on SECRET_DOMAIN) are not read; say it in the conventions (mesh.include or mesh.exclude)',
        );
        expect(stdout).toMatch(/: not everything could be evaluated$/);
        expect(
          (await cli('validate', dir, '--fail-on', 'not-evaluated')).code,
        ).toBe(1);
      },
    ));

  it("does not evaluate a cluster whose Flux tracks another branch than the checkout's, and takes --branch over it", () =>
    onExampleCopy(
      dir => {
        const sync = path.join(
          dir,
          'kubernetes/clusters/apps/flux-system/gotk-sync.yaml',
        );
        fs.writeFileSync(
          sync,
          fs
            .readFileSync(sync, 'utf8')
            .replace('branch: main', 'branch: development'),
        );
        fs.mkdirSync(path.join(dir, '.git'));
        fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
      },
      async dir => {
        const onMain = await validateKnown(dir);
        expect(onMain.code).toBe(0);
        expect(onMain.stdout).toContain(
          '  flux.branch = main (detected: the folder is a checkout of branch main (.git/HEAD)',
        );
        expect(onMain.stdout).toContain(
          'In the mesh or not: not known (not checked):\n  apps: its Flux reconciles branch development of this repository, and this run read branch main: what it applies there is not evaluated (validate a checkout of development to check it) (kubernetes/clusters/apps/flux-system/gotk-sync.yaml:11)',
        );
        const onDevelopment = await validateKnown(
          dir,
          '--branch',
          'development',
        );
        expect(onDevelopment.stdout).toContain(
          '  infra: its Flux reconciles branch main of this repository, and this run read branch development',
        );
        expect(onDevelopment.stdout).toContain(
          'flux.branch = development (conventions: given to this run',
        );
        expect((await validateKnown(dir, '--branch', ' ')).code).toBe(2);
        // every cluster on one branch: the checkout's decides nothing, and is not listed
        const sync = path.join(
          dir,
          'kubernetes/clusters/apps/flux-system/gotk-sync.yaml',
        );
        fs.writeFileSync(
          sync,
          fs
            .readFileSync(sync, 'utf8')
            .replace('branch: development', 'branch: main'),
        );
        const oneBranch = await validateKnown(dir);
        expect(oneBranch.code).toBe(0);
        expect(oneBranch.stdout).not.toContain('flux.branch');
        // a checkout of another branch (a pull request's): every cluster
        // is checked, these files read as what main will hold; said
        fs.writeFileSync(
          path.join(dir, '.git/HEAD'),
          'ref: refs/heads/feature-x\n',
        );
        const proposed = await validateKnown(dir);
        expect(proposed.code).toBe(0);
        expect(proposed.stdout).toContain(
          "  flux.branch = feature-x (detected: the folder is a checkout of branch feature-x (.git/HEAD), and every cluster's Flux reconciles branch main (kubernetes/clusters/apps/flux-system/gotk-sync.yaml:11): these files are read as a change proposed to it)",
        );
        expect(proposed.stdout).not.toContain('not known (not checked)');
      },
    ));

  it('says in the row when a cluster fails by what Flux would do with its files, not by a check', () =>
    onExampleCopy(
      dir => {
        fs.writeFileSync(
          path.join(dir, 'kubernetes/clusters/infra/broken.yaml'),
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: broken, namespace: flux-system}\nspec: {interval: 1h, path: ./kubernetes/missing, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n',
        );
        const list = path.join(
          dir,
          'kubernetes/clusters/infra/kustomization.yaml',
        );
        fs.writeFileSync(
          list,
          `${fs.readFileSync(list, 'utf8')}  - broken.yaml\n`,
        );
      },
      async dir => {
        const { code, stdout } = await validateKnown(dir);
        expect(code).toBe(1);
        const row = stdout.split('\n').find(l => l.startsWith('infra '));
        expect(row).toMatch(
          / (\d+)\/\1 +FAIL \(errors below, not the checks\)$/,
        );
        expect(stdout).toMatch(/Errors:\n.*kubernetes\/missing/);
      },
    ));

  it('says nothing was checked where it finds no cluster, not that the mesh has none', () =>
    onExampleCopy(
      dir => fs.rmSync(path.join(dir, 'kubernetes'), { recursive: true }),
      async dir => {
        fs.writeFileSync(path.join(dir, 'README.md'), '# not GitOps\n');
        const { stdout } = await validateKnown(dir);
        expect(stdout).toMatch(/: no mesh of clusters found, nothing checked$/);
        expect(stdout).toMatch(
          /^ClusterMesh DNS: .* \(no mesh of clusters found\)$/m,
        );
        expect(stdout).not.toMatch(/no cluster is in the mesh/);
        // no file to point at: no made-up path, and why there is none
        expect(stdout).not.toMatch(/kubernetes\/clusters:1/);
        expect(stdout).toMatch(
          /\[no-clusters\] no clusters found: .* \(no location: no file shows the clusters: the repository has no Flux Kustomization and none of the clusters folders looked for\)$/m,
        );
      },
    ));

  it("takes a cluster's own value of a secret variable (<cluster>:NAME=value), over the one for every cluster", async () => {
    const own = await cli(
      'validate',
      'examples/gitops-repo',
      '--value',
      'SECRET_DOMAIN=example.net',
      '--value',
      'apps:SECRET_DOMAIN=example.org',
      '--format',
      'json',
    );
    const report = JSON.parse(own.stdout);
    expect(report.clusters.map((c: any) => [c.name, c.fqdn?.resolved])).toEqual(
      [
        ['apps', 'clustermesh-apps.example.org'],
        ['infra', 'clustermesh-infra.example.net'],
      ],
    );
    // each cluster names the other in its own domain: not the other's FQDN
    expect(own.code).toBe(1);
  });

  it('refuses a --value or --fail-on it cannot read, naming the option', async () => {
    const value = await cli(
      'validate',
      'examples/gitops-repo',
      '--value',
      'SECRET_DOMAIN',
    );
    expect(value.code).toBe(2);
    expect(value.stderr).toContain(
      '--value takes <NAME>=<value> or <cluster>:<NAME>=<value> with NAME a variable name (letters, digits, _), not "SECRET_DOMAIN"',
    );
    const noCluster = await cli(
      'validate',
      'examples/gitops-repo',
      '--value',
      ':SECRET_DOMAIN=x',
    );
    expect(noCluster.code).toBe(2);
    const badName = await cli(
      'validate',
      'examples/gitops-repo',
      '--value',
      '1X=y',
    );
    expect(badName.code).toBe(2);
    const failOn = await cli(
      'validate',
      'examples/gitops-repo',
      '--fail-on',
      'never',
    );
    expect(failOn.code).toBe(2);
    expect(failOn.stderr).toContain(
      '--fail-on must be error, warning or not-evaluated, not "never"',
    );
  });

  it('exits 1 on the repository before the change and names each failing rule', async () => {
    const { code, stdout } = await cli(
      'validate',
      'examples/templates/clustermesh-dns/gitops-repo-before',
    );
    expect(code).toBe(1);
    for (const rule of [
      'settings-present',
      'peers-complete',
      'dnsendpoint-matches',
      'peers-by-fqdn',
      'service-annotation',
    ])
      expect(stdout).toContain(`[${rule}]`);
    expect(stdout).toMatch(/kubernetes\/[^\s]+\.yaml:\d+/);
  });

  it('says a failure once: not as a finding and again as the check it causes', () =>
    onExampleCopy(
      dir => {
        const file = path.join(
          dir,
          'kubernetes/clusters/infra/cluster-settings.yaml',
        );
        fs.writeFileSync(
          file,
          fs
            .readFileSync(file, 'utf8')
            .replace('  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n', ''),
        );
      },
      async dir => {
        const { code, stdout } = await validateKnown(dir);
        expect(code).toBe(1);
        const undefinedLines = stdout
          .split('\n')
          .filter(l => /\$\{CILIUM_CLUSTERMESH_LB_IP\} is not defined/.test(l));
        expect(undefinedLines).toEqual([
          expect.stringMatching(/^ {2}\[substitution-complete\] infra: /),
        ]);
      },
    ));

  it('prints the MeshReport as JSON', async () => {
    const { code, stdout } = await cli(
      'validate',
      'examples/templates/clustermesh-dns/gitops-repo-before',
      '--format',
      'json',
    );
    expect(code).toBe(1);
    const report: MeshReport = JSON.parse(stdout);
    expect(report.version).toBe(2);
    expect(report.clusters.map(c => c.name).sort()).toEqual(['apps', 'infra']);
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(report.summary.status).toBe('fail');
  });

  it('counts each rule once in the CHECKS column, passed only when all its outcomes for the cluster pass', async () => {
    const { stdout } = await validateKnown(
      path.join(examples, 'gitops-repo'),
      '--format',
      'json',
    );
    const report: MeshReport = JSON.parse(stdout);
    const infra = report.clusters.find(c => c.name === 'infra')!;
    const applicable = new Set(
      infra.checks
        .filter(c => c.outcome !== 'not-applicable')
        .map(c => c.ruleId),
    ).size;
    const row = (r: MeshReport) =>
      formatReportText(r, 'repo')
        .split('\n')
        .find(l => l.startsWith('infra '));
    expect(row(report)).toContain(` ${applicable}/${applicable} `);
    // one rule with two outcomes (one per peer), one of them failing
    const peers = infra.checks.find(c => c.ruleId === 'peers-by-fqdn')!;
    infra.checks.push({ ...peers, outcome: 'fail', severity: 'error' });
    expect(row(report)).toContain(` ${applicable - 1}/${applicable} `);
  });

  it('says a passing verdict holds for what could be read where parts were not evaluated', async () => {
    const { stdout } = await validateKnown(
      path.join(examples, 'gitops-repo'),
      '--format',
      'json',
    );
    const report: MeshReport = JSON.parse(stdout);
    const last = (r: MeshReport) =>
      formatReportText(r, 'repo').split('\n').pop();
    expect(report.summary.status).toBe('pass');
    expect(last(report)).toMatch(/: passed$/);
    // a Kustomization building another GitRepository, not read here
    report.notEvaluated.push({
      id: 'x',
      code: 'not-evaluated',
      severity: 'warning',
      message:
        'Kustomization flux-system/cvgen builds GitRepository cvgen, another repository: what it applies is not read',
      affects: { count: 1, clusters: ['apps', 'infra'], examples: [] },
    });
    report.summary.unevaluated = 1;
    expect(last(report)).toMatch(
      /1 not evaluated, 0 not applicable: passed for what could be read \(1 part not evaluated, listed above\)$/,
    );
    // a part noted (info) leaves the verdict as it is
    report.notEvaluated[report.notEvaluated.length - 1].severity = 'info';
    report.summary.unevaluated = 0;
    expect(last(report)).toMatch(/: passed$/);
  });

  it('reads the repository conventions file, or the one given by --config', async () => {
    const fixture = path.join(
      root,
      'plugins/clustermesh-dns-engine/fixtures/ks-layout',
    );
    expect((await cli('validate', fixture)).code).toBe(0);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-cli-'));
    const config = path.join(dir, 'conventions.yaml');
    let bad: Awaited<ReturnType<typeof cli>>;
    try {
      fs.writeFileSync(config, 'recordTtl: -5\n');
      bad = await cli('validate', fixture, '--config', config);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(config);
    expect(bad.stderr).toMatch(/recordTtl/);
  });

  it.each([
    [
      ['validate', '--help'],
      /^Usage: clustermesh-dns validate \[options\] <repo-dir>/,
    ],
    [
      ['configure', '-h'],
      /^Usage: clustermesh-dns configure \[options\] <repo-dir>/,
    ],
    [['--help'], /^Usage: clustermesh-dns \[options\] \[command\]/],
  ])(
    'prints the usage for %j and exits 0, whatever else is missing',
    async (argv, usage) => {
      const { code, stdout, stderr } = await cli(...argv);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(usage);
    },
  );

  it('names in each usage only the options and exit statuses of its command', async () => {
    const configure = (await cli('configure', '--help')).stdout;
    expect(configure).not.toContain('--fail-on');
    expect(configure).toMatch(/Exit status: 0 written.*; 1 change refused;/);
    const validate = (await cli('validate', '--help')).stdout;
    expect(validate).toContain('--fail-on');
    expect(validate).not.toContain('change refused');
  });

  it.each([
    [[], /Usage/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['validate'], /exactly one <repo-dir>/],
    [['validate', 'a', 'b'], /exactly one <repo-dir>/],
    [
      ['validate', 'examples/gitops-repo', '--format', 'xml'],
      /--format must be text or json, not "xml"/,
    ],
    [['validate', 'examples/gitops-repo', '--bogus'], /bogus/],
    [
      ['validate', 'examples/no-such-repo'],
      /no-such-repo is not a readable directory/,
    ],
    [
      ['validate', 'examples/gitops-repo', '--config', 'nope.yaml'],
      /nope\.yaml.*cannot be read/,
    ],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { code, stderr } = await cli(...(argv as string[]));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('clustermesh-dns configure', () => {
  // each test's copy, removed when the suite ends
  const made: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-configure-'));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  function copyOfBefore(): string {
    const dir = tempDir();
    fs.cpSync(
      path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
      dir,
      {
        recursive: true,
      },
    );
    return dir;
  }
  const snapshot = (dir: string) =>
    Object.fromEntries(
      fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter(f => fs.statSync(path.join(dir, f)).isFile())
        .map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
    );
  const story = [
    '--cluster',
    'infra=10.25.11.100',
    '--cluster',
    'apps=10.25.11.120',
  ];

  it('prints the unified diff in a dry run and writes nothing', async () => {
    const dir = copyOfBefore();
    const before = snapshot(dir);
    const { code, stdout } = await cli('configure', dir, ...story, '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain(
      '--- a/kubernetes/clusters/infra/cluster-settings.yaml',
    );
    expect(stdout).toContain('+  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"');
    expect(stdout).toContain(
      '--- /dev/null\n+++ b/kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
    );
    expect(stdout).toContain('-            ips:');
    // why each file changes, as the summary of the change made says it
    expect(stdout).toMatch(
      /\nWhy kubernetes\/clusters\/infra\/cluster-settings\.yaml:\n {2}- /,
    );
    // what the change leaves unchecked, with why (the domain is a Secret's)
    expect(stdout).toMatch(
      /\nNot evaluated here after the change \(4 checks\):\n {2}`fqdn-valid` apps: FQDN "clustermesh-apps\.<secret:SECRET_DOMAIN>": .*SECRET_DOMAIN is not known here/,
    );
    // and how this command takes the value, as validate says it
    expect(stdout).toContain(
      "\nNot known here: SECRET_DOMAIN. Give its value to evaluate more: --value SECRET_DOMAIN=<value> (or the conventions' values;",
    );
    expect(stdout).toContain(
      '5 file(s) would change (dry run, nothing written)',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('lists a part not read that a check may read from among what is not evaluated after the change, not only checks', () =>
    onExampleCopy(
      dir =>
        fs.appendFileSync(
          path.join(dir, 'kubernetes/infrastructure/kustomization.yaml'),
          '  - https://github.com/example/platform//deploy/base?ref=v1\n',
        ),
      async dir => {
        const { code, stdout } = await cli(
          'configure',
          dir,
          '--cluster',
          'infra=10.25.11.101',
          '--value',
          'SECRET_DOMAIN=example.net',
          '--dry-run',
        );
        expect(code).toBe(0);
        expect(stdout).toContain(
          '\nNot evaluated here after the change (1 part not read):\n  apps, infra: kubernetes/infrastructure/kustomization.yaml:5 refers to the remote resource https://github.com/example/platform//deploy/base?ref=v1, which this engine does not fetch\n',
        );
      },
    ));

  it('lists the warnings of the repository after the change (an address no announcement takes), which do not stop it', async () => {
    const dir = copyOfBefore();
    fs.appendFileSync(
      path.join(
        dir,
        'kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml',
      ),
      // a selector configure cannot meet by labelling the service
      '  serviceSelector:\n    matchExpressions:\n      - {key: segment, operator: In, values: [services]}\n',
    );
    const { code, stdout } = await cli('configure', dir, ...story, '--dry-run');
    expect(code).toBe(0);
    // the JSON plan lists them too, for a CI job
    const json = JSON.parse(
      (await cli('configure', dir, ...story, '--dry-run', '--format', 'json'))
        .stdout,
    );
    expect(json.warningsAfter).toEqual([
      expect.stringMatching(
        /^`lb-ip-announced` apps, infra: none of the cluster's Cilium announcements takes the clustermesh-apiserver service/,
      ),
    ]);
    expect(stdout).toMatch(
      // one cause in the file both clusters share: one line naming them
      /\nWarnings after the change \(2 checks\):\n {2}`lb-ip-announced` apps, infra: none of the cluster's Cilium announcements takes the clustermesh-apiserver service [^\n]*\n(?! {2}`lb-ip-announced`)/,
    );
  });

  it('writes in place, then validates clean, and a second run changes nothing', async () => {
    const dir = copyOfBefore();
    const first = await cli('configure', dir, ...story);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Wrote 5 file\(s\), \d+ bytes/);
    expect((await cli('validate', dir)).code).toBe(0);
    const after = snapshot(dir);
    const second = await cli('configure', dir, ...story, '--format', 'json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).edits).toEqual([]);
    expect(snapshot(dir)).toEqual(after);
  });

  it('writes the names of a template given to the run, and validates them with it', async () => {
    const dir = copyOfBefore();
    const template = ['--fqdn-template', '{cluster}.mesh.${SECRET_DOMAIN}'];
    const first = await cli('configure', dir, ...story, ...template);
    expect(first.code).toBe(0);
    const settings = fs.readFileSync(
      path.join(dir, 'kubernetes/clusters/infra/cluster-settings.yaml'),
      'utf8',
    );
    expect(settings).toContain(
      'CILIUM_CLUSTERMESH_FQDN: "infra.mesh.${SECRET_DOMAIN}"',
    );
    expect(settings).toContain(
      'CILIUM_CLUSTERMESH_APPS_FQDN: "apps.mesh.${SECRET_DOMAIN}"',
    );
    const value = ['--value', 'SECRET_DOMAIN=example.net'];
    expect((await cli('validate', dir, ...value, ...template)).code).toBe(0);
    // without it, the template is the one the settings now follow
    const plain = await cli('validate', dir, ...value, '--format', 'json');
    const report = JSON.parse(plain.stdout) as MeshReport;
    expect(plain.code).toBe(0);
    expect(
      report.conventions.find(c => c.setting === 'fqdnTemplate'),
    ).toMatchObject({
      value: '{cluster}.mesh.${SECRET_DOMAIN}',
      source: 'detected',
    });
  });

  it('refuses a template without {cluster}, naming the option', async () => {
    const dir = copyOfBefore();
    const before = snapshot(dir);
    const { code, stderr } = await cli(
      'configure',
      dir,
      ...story,
      '--fqdn-template',
      'mesh.example.net',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--fqdn-template must contain {cluster} (where each cluster\'s name goes), not "mesh.example.net"',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('exits 1 and names the option the user typed when the change is refused, writing nothing', async () => {
    const dir = copyOfBefore();
    const before = snapshot(dir);
    const { code, stderr } = await cli(
      'configure',
      dir,
      '--cluster',
      'infra=10.99.0.1',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      '--cluster infra=10.99.0.1: 10.99.0.1 is outside the LB IPAM pools of infra',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  const fixture = (name: string) => {
    const dir = tempDir();
    fs.cpSync(
      path.join(root, 'plugins/clustermesh-dns-engine/fixtures', name, 'repo'),
      dir,
      { recursive: true },
    );
    return dir;
  };

  it('shows the diff of a refused change in a dry run, with the reasons, and exits 1', async () => {
    const dir = copyOfBefore();
    const before = snapshot(dir);
    const { code, stdout, stderr } = await cli(
      'configure',
      dir,
      '--cluster',
      'infra=10.25.11.100',
      '--cluster',
      'apps=10.25.12.5',
      '--dry-run',
    );
    expect(code).toBe(1);
    expect(stdout).toContain(
      '+++ b/kubernetes/clusters/apps/cluster-settings.yaml',
    );
    expect(stdout).toContain('+  CILIUM_CLUSTERMESH_LB_IP: "10.25.12.5"');
    expect(stderr).toContain(
      'change refused, nothing was written (the diff above is what it would have written)',
    );
    expect(stderr).toContain(
      '--cluster apps=10.25.12.5: 10.25.12.5 is outside the LB IPAM pools of apps',
    );
    // said once: not again as the failed check it causes
    expect(stderr).not.toContain('[lb-ip-in-pool]');
    expect(snapshot(dir)).toEqual(before);
  });

  it('says a dry run has no diff when nothing could be planned (no settings object anywhere)', async () => {
    const dir = tempDir();
    for (const c of ['east', 'west']) {
      const sync = path.join(dir, 'clusters', c, 'flux-system');
      fs.mkdirSync(sync, { recursive: true });
      fs.writeFileSync(
        path.join(sync, 'gotk-sync.yaml'),
        [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata:',
          '  name: flux-system',
          '  namespace: flux-system',
          'spec:',
          '  interval: 10m',
          `  path: ./clusters/${c}`,
          '  prune: true',
          '  sourceRef:',
          '    kind: GitRepository',
          '    name: flux-system',
          '',
        ].join('\n'),
      );
    }
    const { code, stdout, stderr } = await cli(
      'configure',
      dir,
      '--cluster',
      'east=10.1.0.10',
      '--cluster',
      'west=10.2.0.10',
      '--fqdn-template',
      'clustermesh-{cluster}.example.net',
      '--dry-run',
    );
    expect(code).toBe(1);
    expect(stdout).not.toContain('+++');
    expect(stderr).toContain(
      'change refused, nothing was written (no diff: nothing could be planned past these problems):',
    );
    // the Cilium values first: where they are decides whether settings
    // are needed at all
    expect(stderr).toContain(
      '--cluster east=10.1.0.10: no HelmRelease cilium is applied to east, and no plain values file is configured (conventions cilium.valuesFile)',
    );
    expect(stderr).not.toContain('cluster-settings.yaml: does not exist');
    // the default template's domain, which nothing here defines: said
    // first, with the template to give
    const secret = await cli(
      'configure',
      dir,
      '--cluster',
      'east=10.1.0.10',
      '--cluster',
      'west=10.2.0.10',
      '--value',
      'SECRET_DOMAIN=example.net',
    );
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain(
      '  fqdnTemplate: clustermesh-{cluster}.${SECRET_DOMAIN} uses SECRET_DOMAIN, which no file of the repository defines or mentions: Flux would never substitute it, and a value given to this run is not written into the repository\n    How to fix: name the domain in the template (--fqdn-template clustermesh-{cluster}.example.net, or fqdnTemplate in the conventions)',
    );
  });

  it('adds a cluster to a running mesh, then takes a retired one out; a second run changes nothing', async () => {
    const dir = fixture('configure-running-mesh');
    const add = await cli('configure', dir, '--cluster', 'delta=10.70.3.10');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/Wrote 5 file\(s\), \d+ bytes/);
    expect(
      fs.readFileSync(
        path.join(dir, 'kubernetes/clusters/amber/cluster-settings.yaml'),
        'utf8',
      ),
    ).toContain(
      'CILIUM_CLUSTERMESH_DELTA_FQDN: "clustermesh-delta.${SECRET_DOMAIN}"',
    );
    // cedar still runs the shared Cilium values: refused, naming why
    const early = await cli('configure', dir, '--remove', 'cedar');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      '--remove cedar: cedar is still in the mesh: its Cilium values enable ClusterMesh with clustermesh.useAPIServer (',
    );
    fs.rmSync(path.join(dir, 'kubernetes/clusters/cedar'), {
      recursive: true,
    });
    const remove = await cli('configure', dir, '--remove', 'cedar');
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain('Taken out of the mesh: cedar');
    const after = snapshot(dir);
    expect(JSON.stringify(after)).not.toContain('CEDAR');
    const again = await cli(
      'configure',
      dir,
      '--remove',
      'cedar',
      '--format',
      'json',
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      edits: [],
      problems: [],
      // cedar is gone already: nothing is said to be taken out
      removed: [],
      decisions: [
        expect.any(String),
        expect.stringContaining('nothing to remove'),
      ],
    });
    expect(snapshot(dir)).toEqual(after);
    const typo = await cli('configure', dir, '--remove', 'ceder');
    expect(typo.stdout).not.toContain('Taken out of the mesh');
    expect(typo.stdout).toContain('ceder: not a cluster of the repository');
  });

  it('lists the errors that were already there, and makes the change', async () => {
    const dir = fixture('configure-env');
    const { code, stdout } = await cli(
      'configure',
      dir,
      '--cluster',
      'home=10.40.0.100',
      '--cluster',
      'lab=10.40.1.100',
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      '### Already there, not touched by this change\n\n- `kubernetes/infrastructure/observability/dashboard.yaml:11`: ${DS_PROMETHEUS} is not defined',
    );
    expect(stdout).toMatch(/Wrote 5 file\(s\)/);
    const dry = await cli(
      'configure',
      fixture('configure-env'),
      '--cluster',
      'home=10.40.0.100',
      '--cluster',
      'lab=10.40.1.100',
      '--dry-run',
    );
    expect(dry.stdout).toContain(
      'Already there, not touched by this change (1):\n  kubernetes/infrastructure/observability/dashboard.yaml:11: ${DS_PROMETHEUS} is not defined',
    );
  });

  it.each([
    [
      ['configure', 'examples/gitops-repo'],
      /at least one --cluster <name>=<ip> \(or --remove <name>\)/,
    ],
    [
      ['configure', 'examples/gitops-repo', '--cluster', 'infra'],
      /--cluster takes <name>=<ip>, not "infra"/,
    ],
    [
      [
        'configure',
        'examples/gitops-repo',
        '--cluster',
        'infra=10.25.11.100',
        '--ttl',
        'soon',
      ],
      /--ttl must be a whole number of seconds, not "soon"/,
    ],
    [
      [
        'configure',
        'examples/gitops-repo',
        '--cluster',
        'infra=10.25.11.100',
        '--mode',
        'dns',
      ],
      /--mode must be externaldns or manual/,
    ],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { code, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
