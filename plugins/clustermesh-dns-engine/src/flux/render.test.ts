import { located } from '../__testUtils__/yaml';
import { groupFindings } from '../core/finding';
import { EngineCache } from '../cache/EngineCache';
import { createRepoTree } from '../tree/RepoTree';
import { TreeIndex } from '../tree/TreeIndex';
import { YamlFiles } from '../yaml/files';
import { locate } from '../yaml/locate';
import type { FluxRenderOptions } from './fluxKustomization';
import { FluxRenderer } from './render';

const root = 'kubernetes/clusters/c1';
const defaults: FluxRenderOptions = {
  strictSubstitution: true,
  substituteAlways: false,
  sourceNames: ['flux-system'],
  knownValues: {},
};

const ks = (name: string, path: string, postBuild = '') => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${postBuild}`;

const configMap = (name: string, data: Record<string, string>, extra = '') =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: flux-system\n${extra}data:\n${Object.entries(
    data,
  )
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`)
    .join('')}`;

/** The cluster c1 of a repository of these files. */
function renderFiles(
  files: Record<string, string>,
  options: Partial<FluxRenderOptions> = {},
) {
  const tree = createRepoTree(files);
  return new FluxRenderer(
    new TreeIndex(tree),
    new YamlFiles(tree),
    { ...defaults, ...options },
    new EngineCache().substitution,
  ).renderCluster('c1', root);
}

/** A cluster root applying `files`, plus an `app` Kustomization building `app/` with `postBuild`. */
function render(options: {
  postBuild: string;
  app: string;
  root?: Record<string, string>;
  /** Other files of the repository, by path. */
  extra?: Record<string, string>;
  renderer?: Partial<FluxRenderOptions>;
}) {
  const files: Record<string, string> = {
    [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
    [`${root}/app.yaml`]: ks('app', './app', options.postBuild),
    'app/object.yaml': options.app,
    ...Object.fromEntries(
      Object.entries(options.root ?? {}).map(([k, v]) => [`${root}/${k}`, v]),
    ),
    ...options.extra,
  };
  const result = renderFiles(files, options.renderer);
  const app = result.kustomizations.find(k => k.name === 'app')!;
  return { result, app, body: app?.objects[0]?.body };
}

const target = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\n  namespace: default\ndata:\n${data}`;
const fromSettings = (extra = '') =>
  `  postBuild:\n${extra}    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n`;

describe('Flux post-build substitution in a rendered cluster', () => {
  it("substitutes what a substitution webhook writes into every Kustomization outside the namespaces it skips, over the Kustomization's own", () => {
    const appIn = (namespace: string) =>
      ks(
        'app',
        './app',
        '  postBuild:\n    substitute:\n      TIMEZONE: UTC\n',
      ).replace('namespace: flux-system', `namespace: ${namespace}`);
    const files = (namespace: string) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/app.yaml`]: appIn(namespace),
      [`${root}/settings.yaml`]: configMap('cluster-config', {
        CLUSTER: 'c1',
        TIMEZONE: 'Europe/Paris',
      }),
      'app/object.yaml': target(
        '  name: clustermesh-${CLUSTER}\n  tz: ${TIMEZONE}\n',
      ),
    });
    const substitutionWebhook = {
      namespace: 'flux-system',
      sources: [{ kind: 'ConfigMap' as const, name: 'cluster-config' }],
      skipNamespaces: ['flux-system'],
    };
    const mutated = renderFiles(files('apps'), { substitutionWebhook });
    expect(mutated.findings).toEqual([]);
    const app = mutated.kustomizations.find(k => k.name === 'app')!;
    expect(app.postBuild).toBe(true);
    expect(app.injectedFrom).toEqual([
      { kind: 'ConfigMap', name: 'cluster-config', namespace: 'flux-system' },
    ]);
    expect(app.objects[0].body.data).toEqual({
      name: 'clustermesh-c1',
      tz: 'Europe/Paris',
    });
    // in a namespace it skips, the Kustomization has only its own values
    const skipped = renderFiles(files('flux-system'), { substitutionWebhook });
    expect(skipped.findings.map(f => f.message)).toEqual([
      expect.stringContaining('${CLUSTER} is not defined'),
    ]);
  });

  it('substitutes from a ConfigMap applied in the cluster', () => {
    const { body, result } = render({
      postBuild: fromSettings(),
      app: target('  name: clustermesh-${CLUSTER}\n'),
      root: { 'settings.yaml': configMap('settings', { CLUSTER: 'c1' }) },
    });
    expect(body.data.name).toBe('clustermesh-c1');
    expect(result.findings).toEqual([]);
  });

  it('takes the variables of settings whose generator reads an env file not in the repository as not known: the build error is the one cause', () => {
    // the env file is written at bootstrap (Terraform), and not committed
    const { body, result } = render({
      postBuild: fromSettings(),
      app: target('  name: ${CLUSTER}\n  version: ${VERSION}\n'),
      root: {
        'kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - sync.yaml\n  - app.yaml\nconfigMapGenerator:\n  - name: settings\n    namespace: flux-system\n    options:\n      disableNameSuffixHash: true\n    envs:\n      - .cluster-vars.env\n      - versions.env\n',
        'versions.env': 'VERSION=1.2.3\n',
      },
    });
    expect(result.findings.map(located)).toEqual([
      `${root}/kustomization.yaml:12 the ConfigMap generator settings reads .cluster-vars.env, which does not exist (${root}/.cluster-vars.env)`,
    ]);
    // what the env file read gives; the rest not known, not undefined
    expect(body.data).toEqual({ name: '<secret:CLUSTER>', version: '1.2.3' });
  });

  it('reads the keys of a source the cluster does not apply from the files that define it: a variable none holds is undefined, one they hold is not known', () => {
    const app = target('  fqdn: mesh.${DOMAIN}\n  other: ${DOMAIN_PUBLIC}\n');
    const rendered = (
      extra: Record<string, string>,
      renderer?: Partial<FluxRenderOptions>,
    ) => render({ postBuild: fromSettings(), app, extra, renderer });
    const variables = (r: ReturnType<typeof render>) => ({
      data: r.body.data,
      undefinedVariables: r.result.findings
        .filter(f => f.code === 'substitution-failed')
        .map(f => f.cause?.key),
      keys: r.result.findings.find(f => f.missingSource)?.missingSource?.keys,
    });
    // a manifest a bootstrap applies (this cluster's copy and another's)
    expect(
      variables(
        rendered({
          'bootstrap/c1/settings.yaml': configMap('settings', { DOMAIN: 'x' }),
          'bootstrap/c2/settings.yaml': configMap('settings', {
            DOMAIN: 'y',
            DOMAIN_PUBLIC: 'z',
          }),
        }),
      ),
    ).toEqual({
      data: { fqdn: 'mesh.<secret:DOMAIN>', other: '${DOMAIN_PUBLIC}' },
      undefinedVariables: ['undefined:DOMAIN_PUBLIC'],
      keys: ['DOMAIN'],
    });
    // only other clusters' copies, one under a folder that is no cluster
    // of the repository: which is this cluster's is not known
    const c2 = {
      'bootstrap/c2/settings.yaml': configMap('settings', { DOMAIN: 'y' }),
    };
    const clusters = { clusters: ['c1', 'c2'] };
    expect(
      variables(
        rendered(
          {
            ...c2,
            'bootstrap/kind/settings.yaml': configMap('settings', {
              DOMAIN: 'z',
            }),
          },
          clusters,
        ),
      ).keys,
    ).toBeUndefined();
    // only another cluster's copy: not this cluster's, whose keys are not known
    expect(variables(rendered(c2, clusters))).toEqual({
      data: {
        fqdn: 'mesh.<secret:DOMAIN>',
        other: '<secret:DOMAIN_PUBLIC>',
      },
      undefinedVariables: [],
      keys: undefined,
    });
    // a generator whose folder the bootstrap builds: the keys its build gives
    expect(
      variables(
        rendered({
          'bootstrap/kustomization.yaml':
            'configMapGenerator:\n  - name: settings\n    namespace: flux-system\n    envs:\n      - settings.env\n    literals:\n      - REGION=eu\n',
          'bootstrap/settings.env': 'DOMAIN=example.net\n',
        }),
      ),
    ).toEqual({
      data: { fqdn: 'mesh.<secret:DOMAIN>', other: '${DOMAIN_PUBLIC}' },
      undefinedVariables: ['undefined:DOMAIN_PUBLIC'],
      keys: ['DOMAIN', 'REGION'],
    });
    // an ExternalSecret does not say its keys (dataFrom): any may be there
    expect(
      variables(
        render({
          postBuild:
            '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: settings\n',
          app,
          extra: {
            'bootstrap/settings.yaml':
              'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: settings\n  namespace: flux-system\nspec:\n  dataFrom:\n    - extract:\n        key: settings\n',
          },
        }),
      ),
    ).toEqual({
      data: {
        fqdn: 'mesh.<secret:DOMAIN>',
        other: '<secret:DOMAIN_PUBLIC>',
      },
      undefinedVariables: [],
      keys: undefined,
    });
    // so do other secret operators' objects (yamshy's InfisicalSecret, a
    // Secret of another name, in the namespace it names)
    for (const [maker, by] of [
      [
        'apiVersion: secrets.infisical.com/v1alpha1\nkind: InfisicalSecret\nmetadata:\n  name: from-infisical\n  namespace: default\nspec:\n  managedSecretReference:\n    secretName: settings\n    secretNamespace: flux-system\n',
        'InfisicalSecret default/from-infisical',
      ],
      [
        'apiVersion: onepassword.com/v1\nkind: OnePasswordItem\nmetadata:\n  name: settings\n  namespace: flux-system\nspec:\n  itemPath: vaults/home/items/settings\n',
        'OnePasswordItem flux-system/settings',
      ],
    ]) {
      const made = render({
        postBuild:
          '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: settings\n',
        app,
        root: { 'settings.yaml': maker },
      });
      expect(made.result.findings.map(f => f.message)).toEqual([]);
      expect(
        made.result.kustomizations
          .find(k => k.name === 'app')
          ?.variables.get('DOMAIN')?.origin,
      ).toContain(by);
    }
  });

  it("points an undefined variable in a file a generator reads whole at that file's line", () => {
    const { result } = render({
      postBuild: fromSettings(),
      app: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unused\n',
      root: { 'settings.yaml': configMap('settings', { CLUSTER: 'c1' }) },
      extra: {
        'app/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: snmp\n    namespace: monitoring\n    files:\n      - snmp.yml\n',
        'app/snmp.yml':
          'auths:\n  public_v2:\n    version: 2\n  private:\n    password: ${SNMP_PASSWORD}\n',
      },
    });
    expect(
      result.findings
        .filter(f => f.code === 'substitution-failed')
        .map(f => f.location),
    ).toEqual([{ file: 'app/snmp.yml', line: 5 }]);
  });

  it('says a Flux Operator ResourceSet is not expanded, as a build not read: what it makes is not known', () => {
    const { result } = render({
      postBuild: '',
      app: 'apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: platform\n  namespace: flux-system\nspec:\n  inputs:\n    - name: cilium\n    - name: external-dns\n  resourcesTemplate: |\n    apiVersion: helm.toolkit.fluxcd.io/v2\n    kind: HelmRelease\n    metadata:\n      name: << inputs.name >>\n',
    });
    expect(result.findings.map(located)).toEqual([
      'app/object.yaml:1 ResourceSet flux-system/platform, applied by Kustomization flux-system/app, makes objects from its template and 2 inputs, which this engine does not expand (Flux Operator); what it applies is not evaluated',
    ]);
    expect(result.findings[0]).toMatchObject({
      code: 'not-evaluated',
      unbuilt: true,
    });
  });

  it("says a ResourceSet that makes only kinds no check reads (ReferenceGrants, Flux's operator) holds none of the ClusterMesh objects", () => {
    const findingOf = (spec: string) =>
      render({
        postBuild: '',
        app: `apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: grants\n  namespace: security\nspec:\n${spec}`,
      }).result.findings[0];
    const grants = findingOf(
      '  inputs:\n    - namespace: media\n  resourcesTemplate: |\n    ---\n    apiVersion: gateway.networking.k8s.io/v1beta1\n    kind: ReferenceGrant\n    metadata:\n      name: allow-<< inputs.namespace >>\n    spec:\n      from:\n        - kind: SecurityPolicy\n          namespace: << inputs.namespace >>\n',
    );
    expect(grants).toMatchObject({
      holdsNoMeshObjects: true,
      message: expect.stringMatching(
        /; what it applies is not evaluated \(it makes only ReferenceGrant: none of the cluster's ClusterMesh objects\)$/,
      ),
    });
    expect(grants.unbuilt).toBeUndefined();
    const operator = findingOf(
      '  resources:\n    - apiVersion: source.toolkit.fluxcd.io/v1\n      kind: OCIRepository\n      metadata: {name: flux-operator}\n      spec: {url: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator"}\n    - apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      metadata: {name: flux-operator}\n      spec:\n        chartRef: {kind: OCIRepository, name: flux-operator}\n        values: {web: {enabled: true}}\n',
    );
    expect(operator).toMatchObject({ holdsNoMeshObjects: true });
    // Flux Operator's self-upgrade: a Kustomization of its own manifests,
    // the URL and names from its one input
    const selfUpgrade = (url: string, more = '') =>
      findingOf(
        `  inputs:\n    - url: ${url}\n${more}  resources:\n    - apiVersion: source.toolkit.fluxcd.io/v1\n      kind: OCIRepository\n      metadata: {name: << inputs.provider.name >>}\n      spec: {url: << inputs.url | quote >>, ref: {tag: latest}}\n    - apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      metadata: {name: << inputs.provider.name >>}\n      spec:\n        path: ./flux-operator\n        sourceRef: {kind: OCIRepository, name: << inputs.provider.name >>}\n`,
      );
    expect(
      selfUpgrade(
        'oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests',
      ),
    ).toMatchObject({
      holdsNoMeshObjects: true,
      message: expect.stringMatching(
        /\(it makes only OCIRepository, Kustomization of Flux's own manifests: none of the cluster's ClusterMesh objects\)$/,
      ),
    });
    // another artifact, or inputs that differ: what it applies is not known
    expect(
      selfUpgrade('oci://ghcr.io/example/platform-manifests'),
    ).toMatchObject({ unbuilt: true });
    expect(
      selfUpgrade(
        'oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests',
        '    - url: oci://ghcr.io/example/platform\n',
      ),
    ).toMatchObject({ unbuilt: true });
    // a kind a check reads, a kind from the inputs, values it cannot read
    for (const spec of [
      '  resourcesTemplate: |\n    kind: ConfigMap\n    metadata: {name: settings}\n',
      '  inputs: [{kind: ReferenceGrant}]\n  resourcesTemplate: |\n    kind: << inputs.kind >>\n',
      '  resources:\n    - kind: HelmRelease\n      spec:\n        chart: {spec: {chart: podinfo}}\n        values: {service: {type: LoadBalancer}}\n',
      '  resources:\n    - kind: HelmRelease\n      spec:\n        chart: {spec: {chart: podinfo}}\n        valuesFrom: [{kind: ConfigMap, name: podinfo-values}]\n',
      // Cilium's chart from an OCIRepository of another name
      '  resources:\n    - kind: OCIRepository\n      metadata: {name: cni}\n      spec: {url: "oci://quay.io/cilium/charts/cilium"}\n    - kind: HelmRelease\n      spec:\n        chartRef: {kind: OCIRepository, name: cni}\n',
      // Flux's operator, but post-rendered
      '  resources:\n    - kind: HelmRelease\n      spec:\n        chart: {spec: {chart: flux-operator}}\n        postRenderers: [{kustomize: {patches: []}}]\n',
    ])
      expect(findingOf(spec)).toMatchObject({ unbuilt: true });
  });

  it('keeps an object two Kustomizations apply from one document once (two roots reconciling one folder), and two versions of one name twice', () => {
    const pool = (block: string) =>
      `apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: main-pool\nspec:\n  blocks:\n    - cidr: ${block}\n`;
    const { result } = render({
      postBuild: fromSettings(),
      app: pool('${BLOCK}'),
      root: {
        'settings.yaml': configMap('settings', { BLOCK: '10.1.0.0/24' }),
        // a second root (a private mirror) reconciling the same folder
        'app-again.yaml': ks('app-again', './app', fromSettings()),
      },
    });
    const pools = result.objects.filter(
      o => o.object.kind === 'CiliumLoadBalancerIPPool',
    );
    expect(pools).toHaveLength(1);
    // a second root in another namespace: the pool is cluster-scoped, still one
    const { result: elsewhere } = render({
      postBuild: fromSettings(),
      app: pool('10.1.0.0/24'),
      root: {
        'app-again.yaml': ks('app-again', './app').replace(
          'namespace: flux-system',
          'namespace: mirror',
        ),
      },
    });
    expect(
      elsewhere.objects.filter(
        o => o.object.kind === 'CiliumLoadBalancerIPPool',
      ),
    ).toHaveLength(1);
    // the same document substituted otherwise: two versions of one object
    const { result: fighting } = render({
      postBuild: fromSettings(),
      app: pool('${BLOCK}'),
      root: {
        'settings.yaml': configMap('settings', { BLOCK: '10.1.0.0/24' }),
        'app-again.yaml': ks(
          'app-again',
          './app',
          '  postBuild:\n    substitute:\n      BLOCK: 10.2.0.0/24\n',
        ),
      },
    });
    expect(
      fighting.objects
        .filter(o => o.object.kind === 'CiliumLoadBalancerIPPool')
        .map(o => o.object.body.spec.blocks[0].cidr)
        .sort(),
    ).toEqual(['10.1.0.0/24', '10.2.0.0/24']);
  });

  it('builds a folder without what a .sourceignore leaves out of the artifact (a Talos patch beside the manifests)', () => {
    const files = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/talos-patch.yaml`]: 'machine:\n  network:\n    hostname: c1\n',
    };
    // without the ignore file, Flux fails to decode the patch as a manifest
    expect(renderFiles(files).findings.map(located)).toEqual([
      expect.stringMatching(
        /^kubernetes\/clusters\/c1\/talos-patch\.yaml:1 has no apiVersion, kind/,
      ),
    ]);
    const ignored = renderFiles({
      ...files,
      'kubernetes/.sourceignore': 'talos-patch.yaml\n',
    });
    expect(ignored.findings).toEqual([]);
    expect(ignored.objects.map(o => o.object.kind)).toEqual(['Kustomization']);
  });

  it('says a folder the .sourceignore leaves out is not in what Flux fetches, not that it does not exist', () => {
    const files = {
      [`${root}/sync.yaml`]: `${ks('flux-system', `./${root}`)}${ks(
        'apps',
        './kubernetes/apps/c1',
      )}`,
      'kubernetes/apps/c1/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n',
    };
    expect(renderFiles(files).findings).toEqual([]);
    const messages = (extra: Record<string, string>) =>
      renderFiles({ ...files, ...extra }).findings.map(f => f.message);
    expect(messages({ '.sourceignore': '/kubernetes/apps/\n' })).toEqual([
      "Kustomization flux-system/apps reconciles kubernetes/apps/c1, which the source's ignore rules (.sourceignore, spec.ignore) leave out of what Flux fetches; Flux fails the Kustomization",
    ]);
    // a folder that is nowhere
    const { 'kubernetes/apps/c1/cm.yaml': _cm, ...nowhere } = files;
    expect(renderFiles(nowhere).findings.map(f => f.message)).toEqual([
      'Kustomization flux-system/apps reconciles kubernetes/apps/c1, which does not exist in the repository; Flux fails the Kustomization',
    ]);
  });

  it('says only the path of a Kustomization Flux cannot build, not the substitution sources it would have read after', () => {
    const postBuild =
      '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n';
    const files = {
      [`${root}/sync.yaml`]: `${ks('flux-system', `./${root}`)}${ks(
        'apps',
        './kubernetes/apps/c1',
        postBuild,
      )}`,
      // its settings are in the folder it builds, which the source leaves out
      'kubernetes/apps/c1/settings.yaml': configMap('settings', { A: 'a' }),
      '.sourceignore': '/kubernetes/apps/\n',
    };
    expect(renderFiles(files).findings.map(f => f.message)).toEqual([
      "Kustomization flux-system/apps reconciles kubernetes/apps/c1, which the source's ignore rules (.sourceignore, spec.ignore) leave out of what Flux fetches; Flux fails the Kustomization",
    ]);
  });

  it('lets inline substitute win over substituteFrom', () => {
    const { body } = render({
      postBuild: `  postBuild:\n    substitute:\n      CLUSTER: inline\n    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n`,
      app: target('  name: ${CLUSTER}\n'),
      root: {
        'settings.yaml': configMap('settings', { CLUSTER: 'from-configmap' }),
      },
    });
    expect(body.data.name).toBe('inline');
  });

  it('lets a later substituteFrom entry win over an earlier one', () => {
    const { body } = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: first\n      - kind: ConfigMap\n        name: second\n`,
      app: target('  name: ${CLUSTER}\n'),
      root: {
        'first.yaml': configMap('first', { CLUSTER: 'first' }),
        'second.yaml': configMap('second', { CLUSTER: 'second' }),
      },
    });
    expect(body.data.name).toBe('second');
  });

  it('skips a missing optional source and fails on a missing required one', () => {
    // optional, defined in the repository but not applied here: Flux goes
    // on without it, and a variable only it defines is undefined
    const optional = render({
      postBuild: `  postBuild:\n    substitute:\n      X: x\n    substituteFrom:\n      - kind: ConfigMap\n        name: absent\n        optional: true\n`,
      app: target('  name: ${X}\n  host: ${HOST}\n'),
      extra: {
        'other-cluster/absent.yaml': configMap('absent', { HOST: 'h' }),
      },
    });
    expect(optional.body.data.name).toBe('x');
    expect(optional.result.findings.map(located)).toEqual([
      "app/object.yaml:8 in ConfigMap default/target, applied by Kustomization flux-system/app: ${HOST} is not defined and has no default; Flux's strict substitution fails the Kustomization",
    ]);
    // optional and defined nowhere (Terraform makes it, with the keys the
    // repository uses): its variables are not known, not undefined
    const outside = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: absent\n        optional: true\n`,
      app: target('  host: ${HOST}\n'),
    });
    expect(outside.app.failed).toBe(false);
    expect(outside.result.findings.map(located)).toEqual([
      `${root}/app.yaml:16 Kustomization flux-system/app substitutes from ConfigMap flux-system/absent (optional), which no manifest of the repository defines: made outside it (a bootstrap, Terraform, an operator in the cluster) or missing; its variables are not known here (declare it in the conventions' flux.externalSources)`,
    ]);
    expect(outside.result.findings[0].substitutesOnly).toBe(true);
    // defined in the repository but not applied to this cluster: Flux fails
    const required = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: absent\n`,
      app: target('  name: plain\n  host: ${HOST}\n'),
      extra: {
        'other-cluster/absent.yaml': configMap('absent', { HOST: 'h' }),
      },
    });
    expect(required.app.failed).toBe(true);
    // one error: the source; its variables are unknown, not each undefined
    expect(required.result.findings.map(located)).toEqual([
      `${root}/app.yaml:16 Kustomization flux-system/app substitutes from ConfigMap flux-system/absent, which nothing in cluster c1 applies; Flux fails the Kustomization (mark it optional if it may be missing)`,
    ]);
    expect(required.body.data.host).toBe('<secret:HOST>');
    // defined nowhere in the repository: made outside it, or missing
    const external = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: absent\n`,
      app: target('  host: ${HOST}\n'),
    });
    expect(external.app.failed).toBe(false);
    expect(external.result.findings.map(f => [f.code, f.severity])).toEqual([
      ['not-evaluated', 'warning'],
    ]);
    expect(located(external.result.findings[0])).toBe(
      `${root}/app.yaml:16 Kustomization flux-system/app substitutes from ConfigMap flux-system/absent, which no manifest of the repository defines: made outside it (a bootstrap, Terraform, an operator in the cluster) or missing; its variables are not known here (declare it in the conventions' flux.externalSources)`,
    );
  });

  it("says a source no file names in clear may be a SOPS file the cluster applies whose kind and name are encrypted too, and, its keys read, that which file it is is what is not known (zhopp's)", () => {
    // SOPS without encrypted_regex: only the keys stay readable
    const enc = (data: string) => `ENC[AES256_GCM,data:${data},type:str]`;
    const sealed = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n`,
      app: target('  host: ${HOST}\n'),
      root: {
        'vars/cluster-secrets.sops.yaml': `apiVersion: ${enc(
          'djE=',
        )}\nkind: ${enc('U2VjcmV0')}\nmetadata:\n  name: ${enc(
          'Y2x1c3Rlcg==',
        )}\n  namespace: ${enc('Zmx1eA==')}\nstringData:\n  HOST: ${enc(
          'aA==',
        )}\nsops:\n  mac: ${enc('bWFj')}\n  version: 3.9.0\n`,
      },
    });
    expect(sealed.app.failed).toBe(false);
    expect(sealed.result.findings.map(located)).toEqual([
      `${root}/app.yaml:16 Kustomization flux-system/app substitutes from Secret flux-system/cluster-secrets, which no manifest of the repository names in clear: the cluster applies SOPS files whose kind and name are encrypted too (${root}/vars/cluster-secrets.sops.yaml), and Flux may decrypt it from one of them; taken for one of them, it holds HOST, whose values are not known here (keep kind and name readable with encrypted_regex: ^(data|stringData)$ in .sops.yaml)`,
    ]);
    // its key: not known, not undefined
    expect(sealed.body.data.host).toBe('<secret:HOST>');
    // two such files: it is one of them, holding that one's keys (not
    // both files' keys, rajsinghtech's common and cluster secrets)
    const sopsFile = (key: string, name: string) =>
      `apiVersion: ${enc('djE=')}\nkind: ${enc(
        'U2VjcmV0',
      )}\nmetadata:\n  name: ${enc(name)}\n  namespace: ${enc(
        'Zmx1eA==',
      )}\nstringData:\n  ${key}: ${enc('aA==')}\nsops:\n  mac: ${enc(
        'bWFj',
      )}\n  version: 3.9.0\n`;
    const two = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n`,
      app: target('  host: ${HOST}\n'),
      root: {
        'vars/cluster-secrets.sops.yaml': sopsFile('HOST', 'Y2x1c3Rlcg=='),
        'vars/common-secrets.sops.yaml': sopsFile('TOKEN', 'Y29tbW9u'),
      },
    });
    expect(two.result.findings.map(located)).toEqual([
      expect.stringContaining(
        "taken for one of them, it holds that one's keys, among HOST, TOKEN, whose values are not known here",
      ),
    ]);
  });

  it('says a settings ConfigMap a generator names with a hash is looked up by its exact name, and fails', () => {
    const { app, result } = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: absent\n`,
      app: target('  host: ${HOST}\n'),
      root: {
        'kustomization.yaml':
          'resources: [sync.yaml, app.yaml]\nconfigMapGenerator:\n  - name: absent\n    namespace: flux-system\n    literals: [HOST=h]\n',
      },
    });
    expect(app.failed).toBe(true);
    expect(result.findings.map(located)).toEqual([
      `${root}/app.yaml:16 Kustomization flux-system/app substitutes from ConfigMap flux-system/absent, which nothing in cluster c1 applies under that name: the configMapGenerator in ${root}/kustomization.yaml names it with a content hash (absent-<hash>), and Flux looks substitution sources up by their exact name (set generatorOptions.disableNameSuffixHash: true there); Flux fails the Kustomization (mark it optional if it may be missing)`,
    ]);
  });

  it('honours the substitute: disabled label and annotation', () => {
    const { body } = render({
      postBuild: `  postBuild:\n    substitute:\n      X: x\n`,
      app: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  name: \${X}\n`,
    });
    expect(body.data.name).toBe('${X}');
  });

  it('fails the Kustomization in strict mode on an undefined variable, naming file and line', () => {
    const { app, result } = render({
      postBuild: `  postBuild:\n    substitute:\n      X: x\n`,
      app: target('  a: ${X}\n  b: ${MISSING}\n'),
    });
    expect(app.failed).toBe(true);
    expect(result.findings.map(located)).toEqual([
      "app/object.yaml:8 in ConfigMap default/target, applied by Kustomization flux-system/app: ${MISSING} is not defined and has no default; Flux's strict substitution fails the Kustomization",
    ]);
  });

  it("points a reference Flux cannot read inside a block at its own line, not the key's (a dashboard's ${__field.labels.job})", () => {
    const { result } = render({
      postBuild: `  postBuild:\n    substitute:\n      X: x\n`,
      app: target(
        '  dashboard.json: |\n    {\n      "title": "${X}",\n      "url": "a?job=${__field.labels.job}"\n    }\n',
      ),
    });
    expect(
      result.findings
        .filter(f => f.code === 'substitution-failed')
        .map(f => f.location),
    ).toEqual([{ file: 'app/object.yaml', line: 10 }]);
  });

  it('substitutes an empty string when strict mode is off', () => {
    const { body } = render({
      postBuild: `  postBuild:\n    substitute:\n      X: x\n`,
      app: target('  b: "[${MISSING}]"\n'),
      renderer: { strictSubstitution: false },
    });
    expect(body.data.b).toBe('[]');
  });

  it('does not substitute at all when the Kustomization defines no variable', () => {
    const { body, result } = render({
      postBuild: `  postBuild:\n    substitute: {}\n`,
      app: target('  b: ${MISSING}\n'),
    });
    expect(body.data.b).toBe('${MISSING}');
    expect(result.findings).toEqual([]);
  });

  it('reads the substituted text back as YAML, as Flux does: numbers and booleans change type', () => {
    const { body } = render({
      postBuild: `  postBuild:\n    substitute:\n      PORT: "2379"\n      FLAG: "true"\n`,
      app: `apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  port: \${PORT}\n  quoted: "\${PORT}"\n  flag: \${FLAG}\n  mixed: port-\${PORT}\n`,
    });
    expect(body.spec).toEqual({
      port: 2379,
      quoted: 2379,
      flag: true,
      mixed: 'port-2379',
    });
  });

  it('does not take what a Kustomization applies to another cluster (spec.kubeConfig) for this cluster', () => {
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/spoke.yaml`]: ks(
        'spoke-config',
        './spoke',
        '  kubeConfig:\n    secretRef:\n      name: spoke-kubeconfig\n',
      ),
      'spoke/pool.yaml':
        'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: spoke-pool}\nspec: {blocks: [{cidr: 10.0.1.0/24}]}\n',
    });
    expect(result.objects.map(o => o.object.name).sort()).toEqual([
      'flux-system',
      'spoke-config',
    ]);
    expect(result.findings.map(f => [f.severity, located(f)])).toEqual([
      [
        'info',
        `${root}/spoke.yaml:14 Kustomization flux-system/spoke-config applies what it builds to another cluster (spec.kubeConfig: Secret spoke-kubeconfig): its objects go to that cluster, not this one, and are not rendered for any cluster here`,
      ],
    ]);
  });

  it('does not say a Kustomization that reconciles its own folder declares itself again', () => {
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './apps'),
      // an app's ks.yaml whose path is its folder: its build holds it, and
      // its target namespace puts that copy in another namespace, whose
      // build holds it again
      'apps/tools/ks.yaml': ks(
        'tools',
        './apps/tools',
        '  targetNamespace: tools\n  commonMetadata:\n    labels:\n      app: tools\n',
      ),
      'apps/tools/configmap.yaml': configMap('tools', { a: 'b' }),
    });
    expect(result.findings).toEqual([]);
    expect(result.kustomizations.map(k => k.key)).toEqual([
      'flux-system/flux-system',
      'flux-system/apps',
      'flux-system/tools',
      'tools/tools',
    ]);
  });

  it('reads a value that becomes a flow collection as that collection, as Flux parses the substituted text', () => {
    const { body, result } = render({
      postBuild: `  postBuild:\n    substitute:\n      TAGS: "{team: a}"\n`,
      app: target('  args: ${EXTRA_ARGS:=[]}\n  tags: ${TAGS}\n'),
    });
    expect(result.findings).toEqual([]);
    expect(body.data).toMatchObject({ args: [], tags: { team: 'a' } });
  });

  it("leaves not evaluated, not failed, a value whose YAML depends on a variable not known here (Nomsplease's quoting by ${q:='})", () => {
    const quoted = (knownValues: Record<string, string>) =>
      render({
        postBuild: `  postBuild:\n    substitute:\n      EXTENSIONS: |\n        [\n          { name: vector },\n          { name: cube }\n        ]\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n`,
        app: target("  list: ${q:='}${EXTENSIONS:=}${q:='}\n"),
        root: {
          'externalsecret.yaml':
            'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  dataFrom:\n    - extract: {key: cluster}\n',
        },
        renderer: { knownValues },
      });
    // the Secret's keys are not known: q may be one, its value not known
    const unknown = quoted({});
    expect(unknown.app.failed).toBe(false);
    expect(
      unknown.result.findings.map(f => [f.code, f.severity, located(f)]),
    ).toEqual([
      [
        'not-evaluated',
        'info',
        `app/object.yaml:7 in ConfigMap default/target, applied by Kustomization flux-system/app: whether "\${q:='}\${EXTENSIONS:=}\${q:='}" stays valid YAML after substitution depends on the value of \${q}, not known here; Flux fails the Kustomization if it does not (q may come from Secret flux-system/cluster-secrets (from ExternalSecret flux-system/cluster-secrets))`,
      ],
    ]);
    // with its value given, the quoting is evaluated: a quoted string (of
    // the value's lines joined, as Flux joins them)
    const known = quoted({ q: "'" });
    expect(known.result.findings).toEqual([]);
    expect(known.body.data.list).toBe('[  { name: vector },  { name: cube }]');
  });

  it("names every undefined variable of a script at once, with their lines, as one cause (blackjid's kopia CronJob)", () => {
    const { app, result } = render({
      postBuild: `  postBuild:\n    substitute:\n      APP: kopia\n`,
      app: target(
        '  sync.sh: |\n    mkdir -p ${CACHE_DIR}\n    echo ${APP}\n    kopia connect ${REPOSITORY}\n    kopia snapshot ${CACHE_DIR} --to ${BUCKET}\n',
      ),
    });
    expect(app.failed).toBe(true);
    expect(result.findings.map(located)).toEqual([
      "app/object.yaml:8 in ConfigMap default/target, applied by Kustomization flux-system/app: ${CACHE_DIR}, ${REPOSITORY} and ${BUCKET} are not defined and have no default (a script's own variables? escape each as $${NAME} to keep it as written, or annotate the object kustomize.toolkit.fluxcd.io/substitute: disabled, a generator's by its generatorOptions.annotations, for Flux to leave it all as written); Flux's strict substitution fails the Kustomization (lines 8, 10, 11)",
    ]);
  });

  it('fails when a value turns the YAML into something else, and warns when " #" becomes a comment', () => {
    const broken = render({
      postBuild: `  postBuild:\n    substitute:\n      V: "a: b"\n`,
      app: target('  v: ${V}\n'),
    });
    expect(broken.app.failed).toBe(true);
    expect(located(broken.result.findings[0])).toMatch(
      /after substitution "a: b" is no longer valid YAML/,
    );
    const comment = render({
      postBuild: `  postBuild:\n    substitute:\n      V: "x #y"\n`,
      app: target('  v: ${V}\n'),
    });
    expect(comment.body.data.v).toBe('x');
    expect(comment.result.findings[0]).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining('Flux applies "x"'),
    });
  });

  it('removes newlines from values, as Flux does', () => {
    const { body } = render({
      postBuild: fromSettings(),
      app: target('  v: ${MULTI}\n'),
      root: { 'settings.yaml': configMap('settings', { MULTI: 'a\nb' }) },
    });
    expect(body.data.v).toBe('ab');
  });

  it('fails the Kustomization on a variable name Flux refuses', () => {
    const { app, result } = render({
      postBuild: fromSettings(),
      app: target('  v: x\n'),
      root: { 'settings.yaml': configMap('settings', { 'my-var': '1' }) },
    });
    expect(app.failed).toBe(true);
    expect(located(result.findings[0])).toMatch(
      /^kubernetes\/clusters\/c1\/settings.yaml:8 the variable name "my-var" \(ConfigMap flux-system\/settings\) is invalid/,
    );
  });

  it('reads no Secret value unless the conventions read those kept in clear (never an encrypted one): placeholders, unless configuration gives the value', () => {
    const secret = `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: settings\n  namespace: flux-system\nstringData:\n  DOMAIN: ENC[AES256_GCM,data:x,type:str]\nsops:\n  mac: ENC[x]\n  version: 3.9.0\n`;
    const postBuild = `  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: settings\n`;
    const hidden = render({
      postBuild,
      app: target('  v: c1.${DOMAIN}\n'),
      root: { 'secret.yaml': secret },
    });
    expect(hidden.body.data.v).toBe('c1.<secret:DOMAIN>');
    const known = render({
      postBuild,
      app: target('  v: c1.${DOMAIN}\n'),
      root: { 'secret.yaml': secret },
      renderer: { knownValues: { DOMAIN: 'example.org' } },
    });
    expect(known.body.data.v).toBe('c1.example.org');
    // a SOPS-encrypted ConfigMap (jokajak's settings): its ciphertext is
    // no value, as a Secret's is not; a key left in clear is read
    const sealedSettings = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: flux-system\ndata:\n  DOMAIN: ENC[AES256_GCM,data:x,type:str]\n  NAME: c1\nsops:\n  mac: ENC[x]\n  encrypted_regex: ^DOMAIN$\n  version: 3.9.0\n`;
    const fromConfigMap = (knownValues: Record<string, string>) =>
      render({
        postBuild: fromSettings(),
        app: target('  v: ${NAME}.${DOMAIN}\n'),
        root: { 'settings.yaml': sealedSettings },
        renderer: { knownValues },
      }).body.data.v;
    expect(fromConfigMap({})).toBe('c1.<secret:DOMAIN>');
    expect(fromConfigMap({ DOMAIN: 'example.org' })).toBe('c1.example.org');
    // a SOPS Secret whose encrypted_regex leaves a key in clear (s0len):
    // not called encrypted; a Secret's value is not read all the same
    const inClear = secret.replace(
      'DOMAIN: ENC[AES256_GCM,data:x,type:str]',
      'DOMAIN: example.org',
    );
    const valueOf = (file: string, renderer?: Partial<FluxRenderOptions>) =>
      render({
        postBuild,
        app: target('  v: c1.${DOMAIN}\n'),
        root: { 'secret.yaml': file },
        renderer,
      }).body.data.v;
    expect(valueOf(inClear)).toBe('c1.<secret:DOMAIN>');
    expect(
      renderFiles({
        [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
        [`${root}/secret.yaml`]: inClear,
        [`${root}/app.yaml`]: ks('app', './app', postBuild),
        'app/object.yaml': target('  v: c1.${DOMAIN}\n'),
      })
        .kustomizations.find(k => k.name === 'app')!
        .variables.get('DOMAIN')?.origin,
    ).toBe(
      "Secret flux-system/settings (a SOPS file that leaves this key in clear; a Secret's values are not read here)",
    );
    // read where the conventions read the Secrets kept in clear (the
    // CLI's default), as Flux passes the key through decryption unchanged;
    // an encrypted key of it never
    expect(valueOf(inClear, { readPlainSecrets: true })).toBe('c1.example.org');
    expect(valueOf(secret, { readPlainSecrets: true })).toBe(
      'c1.<secret:DOMAIN>',
    );
  });

  it('inserts a ConfigMap value as stored: ${VAR} in it stays unless its own Kustomization substitutes it', () => {
    const settings = configMap('settings', {
      FQDN: 'clustermesh-c1.${DOMAIN}',
      DOMAIN: 'example.org',
    });
    const verbatim = render({
      postBuild: fromSettings(),
      app: target('  v: ${FQDN}\n'),
      root: { 'settings.yaml': settings },
    });
    expect(verbatim.body.data.v).toBe('clustermesh-c1.${DOMAIN}');
  });
});

const fromSecret = (name: string) =>
  `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n      - kind: Secret\n        name: ${name}\n`;

describe('substitution sources made by other controllers', () => {
  const externalSecret = (name: string, spec: string) =>
    `---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword\n${spec}`;

  it("takes the Secret an ExternalSecret creates as provided, its values unknown, the settings' names still theirs", () => {
    const { body, result } = render({
      postBuild: fromSecret('cluster-secrets'),
      app: target('  domain: ${SECRET_DOMAIN}\n  cluster: ${CLUSTER}\n'),
      root: {
        'settings.yaml': configMap('settings', { CLUSTER: 'c1' }),
        'secrets.yaml': externalSecret(
          'vars',
          '  target:\n    name: cluster-secrets\n  dataFrom:\n    - extract:\n        key: cluster\n',
        ),
      },
    });
    // a variable the settings define keeps their value (the secrets are
    // taken to hold other names); any other may come from the Secret:
    // unknown, not undefined
    expect(body.data).toEqual({
      domain: '<secret:SECRET_DOMAIN>',
      cluster: 'c1',
    });
    expect(result.findings).toEqual([]);
  });

  it('knows the keys of an ExternalSecret without dataFrom, so a missing one is still a true error', () => {
    const { result } = render({
      postBuild: fromSecret('cluster-secrets'),
      app: target('  domain: ${SECRET_DOMAIN}\n  other: ${NOT_THERE}\n'),
      root: {
        'settings.yaml': configMap('settings', {}),
        'secrets.yaml': externalSecret(
          'cluster-secrets',
          '  data:\n    - secretKey: SECRET_DOMAIN\n      remoteRef:\n        key: domain\n',
        ),
      },
    });
    expect(result.findings.map(located)).toEqual([
      expect.stringMatching(
        /^app\/object\.yaml:8 .*\$\{NOT_THERE\} is not defined and has no default/,
      ),
    ]);
  });

  it('takes the Secret a ClusterExternalSecret makes, with its keys, in every namespace (an empty selector), those it names, and the Namespaces its label selector admits', () => {
    const clusterExternalSecret = (selectors: string) =>
      `---\napiVersion: external-secrets.io/v1beta1\nkind: ClusterExternalSecret\nmetadata:\n  name: cluster-secrets\nspec:\n${selectors}  externalSecretSpec:\n    secretStoreRef:\n      kind: ClusterSecretStore\n      name: onepassword\n    data:\n      - secretKey: SECRET_DOMAIN\n        remoteRef:\n          key: domain\n`;
    const rendered = (selectors: string) =>
      render({
        postBuild: fromSecret('cluster-secrets'),
        app: target('  domain: ${SECRET_DOMAIN}\n  other: ${NOT_THERE}\n'),
        root: {
          'settings.yaml': configMap('settings', {}),
          'secrets.yaml': clusterExternalSecret(selectors),
        },
      });
    const every = rendered('  namespaceSelectors:\n    - {}\n');
    expect(every.body.data.domain).toBe('<secret:SECRET_DOMAIN>');
    // its keys are known: a variable it does not hold is undefined
    expect(every.result.findings.map(located)).toEqual([
      expect.stringMatching(
        /^app\/object\.yaml:8 .*\$\{NOT_THERE\} is not defined and has no default/,
      ),
    ]);
    // named namespaces: in the Kustomization's, so the same
    expect(
      rendered('  namespaces:\n    - flux-system\n').result.findings.map(
        located,
      ),
    ).toEqual(every.result.findings.map(located));
    // by label: in the Namespaces the cluster applies with it (or the
    // name label every namespace has)
    const byLabel = (labels: string) =>
      render({
        postBuild: fromSecret('cluster-secrets'),
        app: target('  domain: ${SECRET_DOMAIN}\n'),
        root: {
          'settings.yaml': configMap('settings', {}),
          'secrets.yaml': clusterExternalSecret(
            '  namespaceSelectors:\n    - matchLabels:\n        secrets: cluster\n',
          ),
          'namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n${labels}`,
        },
      });
    const labelled = byLabel('  labels:\n    secrets: cluster\n');
    expect(labelled.body.data.domain).toBe('<secret:SECRET_DOMAIN>');
    expect(labelled.result.findings).toEqual([]);
    // a namespace without the label gets none: Flux fails for it
    expect(byLabel('').result.findings.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /substitutes from Secret flux-system\/cluster-secrets, which no manifest of the repository defines/,
      ),
    );
  });

  it('takes a SealedSecret as a Secret with its keys', () => {
    const { body, result } = render({
      postBuild: fromSecret('sealed'),
      app: target('  domain: ${SECRET_DOMAIN}\n'),
      root: {
        'settings.yaml': configMap('settings', {}),
        'sealed.yaml':
          '---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: sealed\n  namespace: flux-system\nspec:\n  encryptedData:\n    SECRET_DOMAIN: AgBy3i4OJSWK+PiTySYZZA==\n',
      },
    });
    expect(body.data.domain).toBe('<secret:SECRET_DOMAIN>');
    expect(result.findings).toEqual([]);
  });

  it('takes a source the conventions declare as made outside the repository', () => {
    const { body, result } = render({
      postBuild: `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: radix-flux-config\n`,
      app: target('  zone: ${dnsZone}\n'),
      renderer: {
        externalSources: [
          {
            kind: 'ConfigMap',
            name: 'radix-flux-config',
            namespace: 'flux-system',
          },
        ],
      },
    });
    expect(body.data.zone).toBe('<secret:dnsZone>');
    expect(result.findings).toEqual([]);
  });
});

describe('Flux Kustomization paths', () => {
  it('resolves a path with a leading ../ at the repository root, as Flux does', () => {
    const { app, body } = render({
      postBuild: '',
      app: target('  a: b\n'),
    });
    expect(app.path).toBe('app');
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/app.yaml`]: ks('app', '../../app'),
      'app/object.yaml': target('  a: b\n'),
    });
    const clamped = result.kustomizations.find(k => k.name === 'app')!;
    expect(clamped.path).toBe('app');
    expect(clamped.objects[0].body).toEqual(body);
    expect(result.findings).toEqual([]);
  });

  it("says when two Kustomizations apply one file each their own way: the root's generated kustomization takes in a sub-folder another Kustomization applies with substitution", () => {
    const release = `---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cilium
  namespace: kube-system
spec:
  values:
    cluster:
      name: \${CLUSTER_NAME}
`;
    const files = {
      // the root has no kustomization: Flux generates one, which takes in
      // overlays/system (it has a kustomization file)
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/system.yaml`]: ks(
        'system',
        `./${root}/overlays/system`,
        `  postBuild:\n    substitute:\n      CLUSTER_NAME: c1\n`,
      ),
      [`${root}/overlays/system/kustomization.yaml`]:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../../../system/cilium\n',
      'system/cilium/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n',
      'system/cilium/release.yaml': release,
    };
    const result = renderFiles(files);
    const twice = result.findings.filter(f =>
      f.cause?.key.startsWith('applied-twice:'),
    );
    expect(twice.map(f => [f.severity, f.message, f.location])).toEqual([
      [
        'error',
        "HelmRelease kube-system/cilium is applied by Kustomization flux-system/flux-system (no substitution) and, differently, by Kustomization flux-system/system: two versions of one object, each reconcile overwriting the other's",
        { file: 'system/cilium/release.yaml', line: 2 },
      ],
    ]);
    // with a kustomization of its own that leaves the sub-folder out, one version
    const listed = renderFiles({
      ...files,
      [`${root}/kustomization.yaml`]:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - sync.yaml\n  - system.yaml\n',
    });
    expect(
      listed.findings.filter(f => f.cause?.key.startsWith('applied-twice:')),
    ).toEqual([]);
  });

  it("does not take one component's objects, applied by two apps' Kustomizations that differ only in their commonMetadata, for two versions; different specs are", () => {
    const app = (name: string, extra = '') =>
      ks(name, `./apps/${name}`).replace(
        'spec:\n',
        `spec:\n  commonMetadata:\n    labels:\n      app.kubernetes.io/name: ${name}\n${extra}`,
      );
    const files = (
      alert: (name: string) => string,
    ): Record<string, string> => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: `${app('plex')}${app('kavita')}`,
      // each app's folder takes in the namespace's alerts component
      ...Object.fromEntries(
        ['plex', 'kavita'].flatMap(name => [
          [
            `apps/${name}/kustomization.yaml`,
            'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncomponents:\n  - ../../components/alerts\n',
          ],
        ]),
      ),
      'components/alerts/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - provider.yaml\n',
      'components/alerts/provider.yaml': alert('plex'),
    });
    const twice = (result: ReturnType<typeof renderFiles>) =>
      result.findings
        .filter(f => f.cause?.key.startsWith('applied-twice:'))
        .map(f => f.message);
    const provider = (address: string) =>
      `apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: alertmanager\n  namespace: media\nspec:\n  type: alertmanager\n  address: ${address}\n`;
    expect(twice(renderFiles(files(() => provider('http://am:9093'))))).toEqual(
      [],
    );
    // also beside the shared folder's own copy, applied without commonMetadata
    const withShared = files(() => provider('http://am:9093'));
    withShared[`${root}/shared.yaml`] = ks('shared', './components/shared');
    withShared['components/shared/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncomponents:\n  - ../alerts\n';
    expect(twice(renderFiles(withShared))).toEqual([]);
    // the component's own object differs per app: two versions
    const perApp = files(() => provider('http://am:9093'));
    perApp['apps/kavita/kustomization.yaml'] +=
      'patches:\n  - target:\n      kind: Provider\n    patch: |-\n      - op: replace\n        path: /spec/address\n        value: http://other:9093\n';
    expect(twice(renderFiles(perApp))).toEqual([
      "Provider media/alertmanager is applied by Kustomization flux-system/plex (no substitution) and, differently, by Kustomization flux-system/kavita (no substitution): two versions of one object, each reconcile overwriting the other's",
    ]);
    // three versions of it: one cause, naming them all
    const three = { ...perApp };
    three[`${root}/apps.yaml`] += app('jellyfin');
    three['apps/jellyfin/kustomization.yaml'] = perApp[
      'apps/kavita/kustomization.yaml'
    ].replace('http://other:9093', 'http://third:9093');
    const manyTimes = renderFiles(three).findings.filter(f =>
      f.cause?.key.startsWith('applied-'),
    );
    expect(manyTimes.map(f => f.message)).toEqual([
      "Provider media/alertmanager is applied by Kustomization flux-system/plex (no substitution) and, differently, by 2 more (flux-system/kavita (no substitution), flux-system/jellyfin (no substitution)): 3 versions of one object, each reconcile overwriting the others'",
    ]);
    // one app's folder labels everything it builds (commonLabels): the
    // versions differ in labels only, a warning (rwlove's OCIRepository)
    const labelled = files(() => provider('http://am:9093'));
    labelled['apps/kavita/kustomization.yaml'] +=
      'commonLabels:\n  app.kubernetes.io/part-of: kavita\n';
    const labels = renderFiles(labelled).findings.filter(f =>
      f.cause?.key.startsWith('applied-twice:'),
    );
    expect(labels.map(f => [f.severity, f.message])).toEqual([
      [
        'warning',
        "Provider media/alertmanager is applied by Kustomization flux-system/plex (no substitution) and, differently, by Kustomization flux-system/kavita (no substitution): two versions of one object, each reconcile overwriting the other's (they differ only in labels or annotations, such as one folder's commonLabels: what selects by them sees them come and go)",
      ],
    ]);
    // Flux applies every version: nothing is held back, so no part of the
    // cluster is said to be kept from being applied (artazar's overlays)
    for (const result of [renderFiles(perApp), renderFiles(three)]) {
      const versions = result.findings.filter(f =>
        f.cause?.key.startsWith('applied-'),
      );
      expect(versions.map(f => f.holdsNothingBack)).toEqual([true]);
    }
  });

  it('says a Kustomization that depends on one only its own build applies never starts on a new cluster', () => {
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      // infrastructure waits for cilium, which it applies itself
      [`${root}/infrastructure.yaml`]: ks(
        'infrastructure',
        './infrastructure',
      ).replace('spec:\n', 'spec:\n  dependsOn:\n    - name: cilium\n'),
      'infrastructure/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cilium/ks.yaml\n',
      'infrastructure/cilium/ks.yaml': ks(
        'cilium',
        './infrastructure/cilium/app',
      ),
      'infrastructure/cilium/app/cm.yaml': target('  a: b\n'),
    };
    expect(renderFiles(files).findings.map(located)).toEqual([
      `${root}/infrastructure.yaml:9 Kustomization flux-system/infrastructure depends on Kustomization flux-system/cilium, which only its own build applies (infrastructure/cilium/ks.yaml:2): on a new cluster flux-system/cilium does not exist until flux-system/infrastructure has applied it, so Flux never reconciles flux-system/infrastructure and nothing of it is applied (a running cluster that has flux-system/cilium from before goes on); depend on it from outside that build, or drop the dependency`,
    ]);
    // declared beside an entry that applies itself (both in the file a
    // bootstrap applies): they exist before it reconciles
    const beside = renderFiles({
      [`${root}/sync.yaml`]: `${ks('flux-system', `./${root}`)}${ks(
        'repositories',
        './repositories',
      )}`.replace(
        'name: flux-system\n  namespace: flux-system\nspec:\n',
        'name: flux-system\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: repositories\n',
      ),
      'repositories/cm.yaml': target('  a: b\n'),
    });
    expect(beside.findings).toEqual([]);
    // declared by the cluster's root instead: an ordinary dependency
    const outside = { ...files };
    delete outside['infrastructure/cilium/ks.yaml'];
    outside[`${root}/cilium.yaml`] = ks(
      'cilium',
      './infrastructure/cilium/app',
    );
    outside['infrastructure/kustomization.yaml'] =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
    expect(renderFiles(outside).findings).toEqual([]);
  });

  it('says a Kustomization that substitutes from a ConfigMap only its own build applies fails where the ConfigMap is not there yet, and not where its parent applies it', () => {
    const settings = (namespace: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  a: b\n`;
    // cilium's ks.yaml in the folder it builds, beside its settings
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/kustomization.yaml`]:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - sync.yaml\n  - ../../../apps/cilium/ks.yaml\n',
      'apps/cilium/ks.yaml': ks('cilium', './apps/cilium', fromSettings()),
      'apps/cilium/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - settings.yaml\n  - cm.yaml\n',
      'apps/cilium/settings.yaml': settings('flux-system'),
      'apps/cilium/cm.yaml': target('  a: ${a}\n'),
    };
    expect(renderFiles(files).findings.map(located)).toEqual([
      'apps/cilium/ks.yaml:16 Kustomization flux-system/cilium substitutes from ConfigMap flux-system/settings, which only its own build applies (apps/cilium/settings.yaml:1): Flux reads the sources of substituteFrom before it applies anything, so on a new cluster, or at the first reconcile after settings was added, the ConfigMap is not there, Flux fails flux-system/cilium and never creates it (a running cluster that has it from before goes on); apply it from a Kustomization flux-system/cilium depends on, or from the one that applies flux-system/cilium',
    ]);
    // listed by the kustomization that applies the ks.yaml: there first
    const byParent = { ...files };
    byParent[`${root}/kustomization.yaml`] = files[
      `${root}/kustomization.yaml`
    ].replace(
      '  - ../../../apps/cilium/ks.yaml\n',
      '  - ../../../apps/cilium/ks.yaml\n  - ../../../apps/cilium/settings.yaml\n',
    );
    byParent['apps/cilium/kustomization.yaml'] = files[
      'apps/cilium/kustomization.yaml'
    ].replace('  - settings.yaml\n', '');
    expect(renderFiles(byParent).findings).toEqual([]);
    // applied first by a bootstrap script that names the file
    expect(
      renderFiles({
        ...files,
        'scripts/bootstrap-apps.sh':
          '#!/usr/bin/env bash\nkubectl apply --server-side -f "${ROOT}/apps/cilium/settings.yaml"\n',
      }).findings,
    ).toEqual([]);
    // or that applies a template of the object (its secrets injected)
    const template = {
      ...files,
      'bootstrap/resources.yaml.tpl':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: flux-system\ndata:\n  TOKEN: op://vault/item/token\n',
      '.taskfiles/bootstrap/Taskfile.yaml':
        'version: "3"\ntasks:\n  apps:\n    cmds:\n      - op inject --in-file bootstrap/resources.yaml.tpl | kubectl apply -f -\n',
    };
    expect(renderFiles(template).findings).toEqual([]);
    // or that applies each file a `find` lists (dapperdivers' bootstrap:
    // every SOPS file under the Flux folder, decrypted and applied)
    const listed = (findCommand: string) =>
      renderFiles({
        ...files,
        '.taskfiles/bootstrap/Taskfile.yaml': [
          'version: "3"',
          'tasks:',
          '  apps:',
          '    cmds:',
          '      - for: { var: APPLY_SECRETS }',
          '        cmd: sops exec-file {{.ITEM}} "kubectl --namespace flux-system apply --server-side --filename {}"',
          '    vars:',
          '      APPLY_SECRETS:',
          `        sh: ${findCommand}`,
          '',
        ].join('\n'),
      }).findings;
    expect(
      listed(
        "find {{.KUBERNETES_DIR}}/bootstrap {{ .ROOT_DIR }}/apps -type f -name '*.yaml'",
      ),
    ).toEqual([]);
    // not a file outside its folders, nor of another name
    expect(
      listed("find {{.KUBERNETES_DIR}}/apps/web -type f -name '*.yaml'"),
    ).toHaveLength(1);
    expect(
      listed("find {{.KUBERNETES_DIR}}/apps -type f -name '*.sops.yaml'"),
    ).toHaveLength(1);
    // a `find` that only feeds a linter applies nothing
    expect(
      renderFiles({
        ...files,
        '.taskfiles/lint/Taskfile.yaml': [
          'version: "3"',
          'tasks:',
          '  yaml:',
          '    cmds:',
          "      - find {{.KUBERNETES_DIR}}/apps -type f -name '*.yaml' | xargs yamllint",
          '',
        ].join('\n'),
      }).findings,
    ).toHaveLength(1);
    // a file that only names it (a Kustomization's substituteFrom) applies nothing
    template['bootstrap/resources.yaml.tpl'] =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: other\nspec:\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n';
    expect(renderFiles(template).findings).toHaveLength(1);
    // optional: Flux goes on without it
    const optional = { ...files };
    optional['apps/cilium/ks.yaml'] = files['apps/cilium/ks.yaml'].replace(
      '        name: settings\n',
      '        name: settings\n        optional: true\n',
    );
    expect(renderFiles(optional).findings).toEqual([]);
  });

  it("says a substitution source no manifest defines is made by the repository's Terraform, where it is", () => {
    // amsc-bluebook: the ConfigMap written by an environment's Terraform
    const files = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/web.yaml`]: ks('web', './apps/web', fromSettings()),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
      'terraform/dev/platform.tf': [
        'resource "aws_iam_role" "x" {}',
        '',
        'resource "kubernetes_config_map" "cluster_vars" {',
        '  metadata {',
        '    name      = "settings"',
        '    namespace = "flux-system"',
        '  }',
        '  data = { a = "b" }',
        '}',
        '',
      ].join('\n'),
    };
    expect(renderFiles(files).findings.map(f => f.message)).toEqual([
      'Kustomization flux-system/web substitutes from ConfigMap flux-system/settings, which no manifest of the repository defines: made by the repository\'s Terraform (terraform/dev/platform.tf:3, resource kubernetes_config_map "cluster_vars"), outside Flux; its variables are not known here (declare it in the conventions\' flux.externalSources)',
    ]);
  });

  it('reads a substitution source a replicator copies into the namespaces of the Kustomizations that name it', () => {
    // tholinka's shape: the settings in flux-system, copied to every
    // namespace by kubernetes-replicator; an app's Kustomization in its own
    const files = (annotations: string) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/settings.yaml`]: configMap(
        'settings',
        { a: 'b' },
        annotations ? `  annotations:\n${annotations}` : '',
      ),
      [`${root}/namespace.yaml`]:
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n',
      [`${root}/web.yaml`]: ks('web', './apps/web', fromSettings()).replace(
        'namespace: flux-system',
        'namespace: media',
      ),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
    });
    const valueIn = (annotations: string) => {
      const rendered = renderFiles(files(annotations));
      return {
        findings: rendered.findings.map(f => f.message.split(',')[0]),
        value: rendered.kustomizations.find(k => k.name === 'web')?.objects[0]
          ?.body.data,
      };
    };
    expect(valueIn('').findings).toEqual([
      'ConfigMap media/settings is named by substituteFrom',
    ]);
    expect(
      valueIn("    replicator.v1.mittwald.de/replicate-to: '.*'\n"),
    ).toEqual({ findings: [], value: { a: 'b' } });
    // by its patterns, to the cluster's namespaces they take
    expect(
      valueIn('    replicator.v1.mittwald.de/replicate-to: media,games\n'),
    ).toEqual({ findings: [], value: { a: 'b' } });
    expect(
      valueIn('    replicator.v1.mittwald.de/replicate-to: games\n').findings,
    ).toHaveLength(1);
    // emberstack reflector's automatic reflection
    expect(
      valueIn(
        '    reflector.v1.k8s.emberstack.com/reflection-allowed: "true"\n    reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"\n',
      ),
    ).toEqual({ findings: [], value: { a: 'b' } });
  });

  it("reads a substitution source reflected from an app's namespace into flux-system, which no Namespace object makes (carldanley's)", () => {
    const files = (annotations: string) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/secrets.yaml`]: ks('secrets', './apps/secrets').replace(
        'spec:\n',
        'spec:\n  targetNamespace: media\n',
      ),
      'apps/secrets/secret.yaml': [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: app-secrets',
        ...(annotations ? ['  annotations:', annotations] : []),
        'stringData:',
        '  a: b',
        '',
      ].join('\n'),
      [`${root}/web.yaml`]: ks(
        'web',
        './apps/web',
        '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: app-secrets\n',
      ),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
    });
    const reflected = (annotations: string) => {
      const rendered = renderFiles(files(annotations));
      return {
        findings: rendered.findings.map(f => f.message.split(',')[0]),
        value: rendered.kustomizations.find(k => k.name === 'web')?.objects[0]
          ?.body.data,
      };
    };
    expect(reflected('').findings).toEqual([
      'Secret flux-system/app-secrets is named by substituteFrom',
    ]);
    expect(
      reflected(
        [
          '    reflector.v1.k8s.emberstack.com/reflection-allowed: "true"',
          '    reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"',
          '    reflector.v1.k8s.emberstack.com/reflection-auto-namespaces: flux-system',
        ].join('\n'),
      ),
    ).toEqual({ findings: [], value: { a: '<secret:a>' } });
  });

  it("takes what a bootstrap script applies from files as they are: a shared layer's Kustomization beside the entry, and a substitution source with its values", () => {
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      // web substitutes from vars and waits for the shared layer's crds
      [`${root}/web.yaml`]: ks('web', './apps/web', fromSettings()).replace(
        'spec:\n',
        'spec:\n  dependsOn:\n    - name: crds\n',
      ),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
      // the layer every cluster gets: its Kustomization and its settings,
      // which no Flux Kustomization applies
      'kubernetes/shared/ks.yaml': ks('crds', './kubernetes/shared/crds'),
      'kubernetes/shared/crds/cm.yaml': configMap('crds', { x: 'y' }),
      'kubernetes/shared/settings.yaml': configMap('settings', { a: 'b' }),
      'kubernetes/Taskfile.yaml': [
        'version: "3"',
        'tasks:',
        '  bootstrap:',
        '    cmds:',
        '      - kubectl apply --server-side --filename ./shared/settings.yaml',
        '      - "kubectl apply --filename ./shared/ks.yaml"',
        '      - kubectl apply --filename ./clusters/{{.CLUSTER}}/sync.yaml',
        '',
      ].join('\n'),
    };
    const applied = renderFiles(files);
    expect(applied.findings).toEqual([]);
    expect(applied.kustomizations.map(k => k.key)).toContain(
      'flux-system/crds',
    );
    const web = applied.kustomizations.find(k => k.name === 'web')!;
    expect(web.objects[0].body.data).toEqual({ a: 'b' });
    expect(web.variables.get('a')).toMatchObject({
      origin: 'ConfigMap flux-system/settings',
      location: { file: 'kubernetes/shared/settings.yaml', line: 8 },
    });
    // named only by paths built from variables: the settings are missing
    // (Flux fails web) and the shared layer is not the cluster's
    const unnamed = {
      ...files,
      'kubernetes/Taskfile.yaml': files['kubernetes/Taskfile.yaml']
        .replace('./shared/settings.yaml', './{{.CLUSTER}}/settings.yaml')
        .replace('./shared/ks.yaml', './{{.LAYER}}/ks.yaml'),
    };
    const missing = renderFiles(unnamed);
    expect(missing.findings.map(f => f.message.split(',')[0])).toEqual([
      'Kustomization flux-system/web substitutes from ConfigMap flux-system/settings',
    ]);
    expect(missing.kustomizations.map(k => k.key)).not.toContain(
      'flux-system/crds',
    );
    // named by lines that read, copy or test for the files, not apply
    // them (7yXwscXEzv6phzUnKfrw's justfiles): not applied either
    const read = renderFiles({
      ...files,
      'kubernetes/Taskfile.yaml': [
        'version: "3"',
        'tasks:',
        '  check:',
        '    cmds:',
        '      - test -f ./shared/settings.yaml',
        "      - yq '.spec.path' ./shared/ks.yaml",
        '',
      ].join('\n'),
    });
    expect(read.kustomizations.map(k => k.key)).not.toContain(
      'flux-system/crds',
    );
    // kept in a variable a later line applies: applied
    const kept = renderFiles({
      ...files,
      'kubernetes/bootstrap.sh': [
        '#!/usr/bin/env bash',
        'layer=./shared/ks.yaml',
        'yq ".spec.path" "$layer"',
        'kubectl apply --filename "$layer"',
        '',
      ].join('\n'),
      'kubernetes/Taskfile.yaml': '',
    });
    expect(kept.kustomizations.map(k => k.key)).toContain('flux-system/crds');
  });

  it("takes the cluster's own substitution source a bootstrap script applies by a path built from variables, not another cluster's", () => {
    const secret = (value: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: settings\n  namespace: flux-system\nstringData:\n  a: ${value}\n`;
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/kustomization.yaml`]:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - sync.yaml\n  - web.yaml\n',
      [`${root}/web.yaml`]: ks('web', './apps/web', fromSettings()).replace(
        'kind: ConfigMap\n        name: settings',
        'kind: Secret\n        name: settings',
      ),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
      // each cluster's own, beside its entry, listed by no kustomization
      [`${root}/vars/settings.yaml`]: secret('one'),
      'kubernetes/clusters/c2/vars/settings.yaml': secret('two'),
      '.taskfiles/flux.yaml': [
        'version: "3"',
        'tasks:',
        '  bootstrap:',
        '    cmds:',
        '      - kubectl apply --server-side --filename {{.KUBERNETES_DIR}}/clusters/{{.cluster}}/vars/settings.yaml',
        '',
      ].join('\n'),
    };
    const applied = renderFiles(files, { clusters: ['c1', 'c2'] });
    expect(applied.findings).toEqual([]);
    // a Secret's value is never shown: its definition is c1's own
    expect(
      applied.kustomizations.find(k => k.name === 'web')!.variables.get('a'),
    ).toMatchObject({
      origin: 'Secret flux-system/settings',
      location: { file: `${root}/vars/settings.yaml` },
    });
    // a script whose path names no file of its own (`${FILE}.yaml`) names none
    const unnamed = {
      ...files,
      '.taskfiles/flux.yaml': files['.taskfiles/flux.yaml'].replace(
        '{{.KUBERNETES_DIR}}/clusters/{{.cluster}}/vars/settings.yaml',
        '{{.FILE}}.yaml',
      ),
    };
    expect(
      renderFiles(unnamed, { clusters: ['c1', 'c2'] }).findings.map(
        f => f.message.split(',')[0],
      ),
    ).toEqual([
      'Kustomization flux-system/web substitutes from Secret flux-system/settings',
    ]);
  });

  it("substitutes in the cluster's root what a FluxInstance syncing its folder patches into the Kustomization it makes", () => {
    const instance = (patches: string) =>
      [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: FluxInstance',
        'metadata:',
        '  name: flux',
        '  namespace: flux-system',
        'spec:',
        '  distribution:',
        '    version: 2.5.x',
        '  sync:',
        '    kind: GitRepository',
        '    url: https://github.com/acme/home-ops',
        `    path: ${root}`,
        '  kustomize:',
        '    patches:',
        patches,
        '',
      ].join('\n');
    const postBuild = [
      '      - patch: |',
      '          apiVersion: kustomize.toolkit.fluxcd.io/v1',
      '          kind: Kustomization',
      '          metadata:',
      '            name: flux-system',
      '          spec:',
      '            postBuild:',
      '              substituteFrom:',
      '                - kind: ConfigMap',
      '                  name: cluster-config',
      '        target:',
      '          kind: Kustomization',
      '          name: flux-system',
    ].join('\n');
    const files: Record<string, string> = {
      // the copy `flux bootstrap` left, without the operator's postBuild
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/config.yaml`]: configMap('cluster-config', { CLUSTER: 'c1' }),
      [`${root}/app.yaml`]: ks('app', './apps/${CLUSTER}'),
      'apps/c1/cm.yaml': target('  a: b\n'),
      'bootstrap/instance.yaml': instance(postBuild),
    };
    const patched = renderFiles(files);
    expect(patched.findings).toEqual([]);
    expect(patched.kustomizations.find(k => k.name === 'app')!.path).toBe(
      'apps/c1',
    );
    // as JSON 6902 operations too
    const operations = renderFiles({
      ...files,
      'bootstrap/instance.yaml': instance(
        [
          '      - patch: |',
          '          - op: add',
          '            path: /spec/postBuild',
          '            value: {substituteFrom: [{kind: ConfigMap, name: cluster-config}]}',
          '        target:',
          '          kind: Kustomization',
        ].join('\n'),
      ),
    });
    expect(operations.findings).toEqual([]);
    // a patch of the Deployments only: the path is left as written
    expect(
      renderFiles({
        ...files,
        'bootstrap/instance.yaml': instance(
          postBuild.replace(
            'kind: Kustomization\n          name: flux-system',
            'kind: Deployment',
          ),
        ),
      }).findings.map(f => f.message),
    ).toEqual([expect.stringContaining('apps/${CLUSTER}')]);
  });

  it('says a ConfigMap whose data is a number once Flux substitutes it fails the apply: kustomize writes "${VAR}" unquoted', () => {
    const files = (data: string) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/settings.yaml`]: configMap('settings', { CLUSTER_ID: '2' }),
      [`${root}/app.yaml`]: ks('app', './app', fromSettings()),
      'app/cm.yaml': target(data),
    });
    const refused = (data: string) =>
      renderFiles(files(data))
        .findings.filter(f => /not text/.test(f.message))
        .map(f => `${f.severity} ${located(f)}`);
    expect(refused('  id: "${CLUSTER_ID}"\n')).toEqual([
      `error app/cm.yaml:7 ConfigMap default/target holds id: 2, a number, once Flux substitutes "\${CLUSTER_ID}" (kustomize writes it unquoted, so the number Flux inserts stays one): the API server refuses a ConfigMap whose data is not text, so Flux fails the apply of Kustomization flux-system/app; quote what Flux inserts (\`\${quote}\${CLUSTER_ID}\${quote}\` with \`quote: '"'\` in the Kustomization's postBuild.substitute, as Flux's docs show), or keep the number out of this ConfigMap`,
    ]);
    // a boolean written out is refused as well; text is not
    expect(refused('  on: true\n')).toEqual([
      expect.stringMatching(
        /^error app\/cm\.yaml:7 ConfigMap default\/target holds on: true, a boolean, as written: .*; quote the value \("true"\)$/,
      ),
    ]);
    expect(refused('  id: cluster-${CLUSTER_ID}\n  n: "2"\n')).toEqual([]);
  });

  it("says a substitution source two Kustomizations apply from different files with other data flips between them (sklab-dev's settings and a shared component's)", () => {
    const files = (component: Record<string, string>) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/settings.yaml`]: configMap('settings', {
        CLUSTER_NAME: 'c1',
        TZ: 'UTC',
      }),
      [`${root}/apps.yaml`]: ks('apps', './apps'),
      [`${root}/app.yaml`]: ks('app', './app', fromSettings()),
      'apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml]\n',
      'apps/settings.yaml': configMap('settings', component),
      'app/cm.yaml': target('  name: ${CLUSTER_NAME}\n'),
    });
    const flips = renderFiles(files({ TZ: 'Europe/Paris' })).findings.filter(
      f => /two versions/.test(f.message),
    );
    expect(flips.map(f => [f.severity, located(f)])).toEqual([
      [
        'warning',
        `${root}/settings.yaml:2 ConfigMap flux-system/settings is applied by Kustomization flux-system/flux-system and, with other data, by Kustomization flux-system/apps (apps/settings.yaml:2): two versions of one object, each reconcile overwriting the other's, so what the Kustomizations that substitute from it get depends on which applied it last (CLUSTER_NAME, TZ differ); keep one of them`,
      ],
    ]);
    // the same data twice: one object, whoever applies it
    expect(
      renderFiles(files({ CLUSTER_NAME: 'c1', TZ: 'UTC' })).findings.filter(f =>
        /two versions/.test(f.message),
      ),
    ).toEqual([]);
    // a ConfigMap no Kustomization substitutes from: not said here
    const unread = files({ TZ: 'Europe/Paris' });
    unread[`${root}/app.yaml`] = ks('app', './app');
    unread['app/cm.yaml'] = target('  name: c1\n');
    expect(
      renderFiles(unread).findings.filter(f => /two versions/.test(f.message)),
    ).toEqual([]);
  });

  it('says a Kustomization that depends on one the cluster never declares is never applied, when every Kustomization of the cluster is known', () => {
    const dependsOn = (name: string, ...deps: string[]) =>
      ks(name, `./apps/${name}`).replace(
        'spec:\n',
        `spec:\n  dependsOn:\n${deps.map(d => `    - name: ${d}\n`).join('')}`,
      );
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      // a typo, the root's own name and an existing one
      [`${root}/apps.yaml`]: `${dependsOn(
        'web',
        'cert-manger',
        'flux-system',
        'db',
      )}${ks('db', './apps/db')}`,
      'apps/web/cm.yaml': target('  a: b\n'),
      'apps/db/cm.yaml': target('  a: b\n'),
    };
    expect(renderFiles(files).findings.map(located)).toEqual([
      `${root}/apps.yaml:9 Kustomization flux-system/web depends on Kustomization flux-system/cert-manger, which no manifest of the repository declares: Flux reports the dependency not found and applies nothing of flux-system/web; apply it on this cluster, or drop the dependency`,
    ]);
    // several waiting on one missing Kustomization: one cause (a retired
    // app others still depend on)
    const retired = {
      ...files,
      [`${root}/apps.yaml`]: `${files[`${root}/apps.yaml`]}${dependsOn(
        'api',
        'cert-manger',
      )}`,
      'apps/api/cm.yaml': target('  a: b\n'),
    };
    const missing = renderFiles(retired).findings;
    expect(missing.map(f => f.location?.line)).toEqual([9, 39]);
    expect(new Set(missing.map(f => f.cause?.key))).toEqual(
      new Set(['missing-dependency:flux-system/cert-manger']),
    );
    expect(
      groupFindings(missing).map(f => [f.message, f.affects?.count]),
    ).toEqual([
      [
        'Kustomization flux-system/cert-manger is named by dependsOn, which no manifest of the repository declares: Flux reports the dependency not found and applies nothing of each Kustomization that depends on it; apply it on this cluster, or drop the dependency',
        2,
      ],
    ]);
    // declared only in another cluster's folder: a warning (something
    // outside Flux may apply it)
    const elsewhere = { ...files };
    elsewhere['kubernetes/clusters/c2/cert-manger.yaml'] = ks(
      'cert-manger',
      './apps/db',
    );
    expect(
      renderFiles(elsewhere).findings.map(f => `${f.severity} ${f.message}`),
    ).toEqual([
      'warning Kustomization flux-system/web depends on Kustomization flux-system/cert-manger, which only files this cluster does not apply declare (kubernetes/clusters/c2/cert-manger.yaml): Flux reports the dependency not found and applies nothing of flux-system/web unless something outside Flux applies it; apply it on this cluster, or drop the dependency',
    ]);
    // a Kustomization of the cluster built from another source may
    // declare it: not said
    const unknown = { ...files };
    unknown[`${root}/remote.yaml`] = ks('remote', './deploy').replace(
      '    name: flux-system\n',
      '    name: other-repo\n',
    );
    expect(
      renderFiles(unknown).findings.filter(f => f.code === 'flux-error'),
    ).toEqual([]);
  });

  it("says, of a dependency declared in another namespace, where it is: a Kustomization's copy its own path applies with targetNamespace looks there", () => {
    const files: Record<string, string> = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/kustomization.yaml`]:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - sync.yaml\n  - ../../../apps/ceph/cluster.yaml\n  - ../../../apps/ceph/tools/ks.yaml\n',
      'apps/ceph/cluster.yaml': ks('ceph-cluster', './apps/ceph/cluster'),
      'apps/ceph/cluster/cm.yaml': target('  a: b\n'),
      // its path is its own folder, which holds the file that declares it
      'apps/ceph/tools/ks.yaml': ks('ceph-tools', './apps/ceph/tools').replace(
        'spec:\n',
        'spec:\n  targetNamespace: ceph\n  dependsOn:\n    - name: ceph-cluster\n',
      ),
    };
    expect(
      renderFiles(files)
        .findings.filter(f => f.code === 'flux-error')
        .map(f => `${f.severity} ${f.message}`),
    ).toEqual([
      "warning Kustomization ceph/ceph-tools depends on Kustomization ceph/ceph-cluster, but this cluster's Kustomization of that name is flux-system/ceph-cluster (ceph/ceph-tools is a copy of flux-system/ceph-tools in namespace ceph: its own path applies the file that declares it, with targetNamespace ceph): Flux reports the dependency not found and applies nothing of ceph/ceph-tools; give the dependency its namespace, or keep the Kustomization's own file out of its path",
    ]);
  });

  it('says a file kustomize refuses fails the whole Kustomization whose build takes it in', () => {
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './apps'),
      'apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ok.yaml\n  - broken.yaml\n',
      'apps/ok.yaml': target('  a: b\n'),
      'apps/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: default\ndata:\n  a: *missing\n',
    });
    expect(result.findings.map(located)).toEqual([
      'apps/broken.yaml:7 uses the alias *missing with no anchor &missing before it; kustomize refuses the file (unknown anchor); Flux fails Kustomization flux-system/apps, whose build takes the file in: nothing of it is applied until the file is fixed',
    ]);
    expect(result.kustomizations.find(k => k.name === 'apps')?.failed).toBe(
      true,
    );
  });

  it("locates what a Flux Kustomization's inline patch text sets on its own line of the text, not at the patch's key", () => {
    const { app } = render({
      postBuild: `  patches:
    - target:
        kind: ConfigMap
      patch: |-

        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: target
        data:
          lbIp: 10.0.0.9
`,
      app: target('  lbIp: 10.0.0.1\n  fqdn: a.example.net\n'),
    });
    const patched = app.objects[0];
    expect(patched.body.data.lbIp).toBe('10.0.0.9');
    // app.yaml: `patch: |-` at line 17, a blank line, the text from line 19
    expect(locate(patched, ['data', 'lbIp'])).toEqual({
      file: `${root}/app.yaml`,
      line: 24,
    });
    expect(locate(patched, ['data', 'fqdn'])).toEqual({
      file: 'app/object.yaml',
      line: 8,
    });
  });

  it("does not call a substitution source missing where the file that defines it is not valid YAML: that file is the one cause (SmadjaPaul's copy)", () => {
    const files = (settings: string) => ({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      // its own settings, and an app namespace's copy
      [`${root}/settings.yaml`]: settings,
      [`${root}/media.yaml`]: configMap('settings', { a: 'b' }).replace(
        'namespace: flux-system',
        'namespace: media',
      ),
      [`${root}/web.yaml`]: ks('web', './apps/web', fromSettings()),
      'apps/web/cm.yaml': target('  a: ${a}\n'),
    });
    const findings = (settings: string) =>
      renderFiles(files(settings)).findings.map(f => f.code);
    // the map key data twice: nothing of the file is read
    const invalid = `${configMap('settings', { a: 'b' })}data:\n  c: d\n`;
    expect(findings(invalid)).toEqual(['yaml-invalid']);
    // missing for another reason, the copy elsewhere is said
    expect(findings(configMap('other', { a: 'b' }))).toEqual(['flux-error']);
  });

  it("says where a parent's patch that sets substituteFrom replaced the Kustomization's own sources, with a variable not defined (martinbjeldbak's cloudflare-tunnel)", () => {
    const parentPatches = `  patches:
    - patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: _
        spec:
          postBuild:
            substituteFrom:
              - kind: ConfigMap
                name: settings
      target:
        kind: Kustomization
`;
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/settings.yaml`]: configMap('settings', { a: 'b' }),
      [`${root}/apps.yaml`]: ks('apps', './apps', parentPatches),
      'apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - tunnel.yaml\n',
      'apps/tunnel.yaml': ks(
        'tunnel',
        './tunnel',
        '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: tunnel-id\n',
      ),
      'tunnel/cm.yaml': target('  id: ${TUNNEL_ID}\n'),
    });
    expect(
      result.findings
        .filter(f => f.code === 'substitution-failed')
        .map(f => f.message),
    ).toEqual([
      "in ConfigMap default/target, applied by Kustomization flux-system/tunnel: ${TUNNEL_ID} is not defined and has no default; Flux's strict substitution fails the Kustomization (its own postBuild.substituteFrom, Secret tunnel-id at apps/tunnel.yaml:15, is replaced by a parent's patch that sets the list)",
    ]);
  });

  it('does not call a Kustomization that lists its own declaration applied twice (the parent patches it, it applies itself as written)', () => {
    const parentPatches = `  patches:
    - patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: _
        spec:
          timeout: 5m
      target:
        kind: Kustomization
`;
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './apps', parentPatches),
      'apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./echo\n',
      'apps/echo/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ks.yaml\n  - config.yaml\n',
      'apps/echo/ks.yaml': ks('echo', './apps/echo'),
      'apps/echo/config.yaml': target('  a: b\n'),
    });
    const echo = result.kustomizations.find(k => k.name === 'echo');
    expect(echo?.objects.map(o => o.kind)).toEqual([
      'Kustomization',
      'ConfigMap',
    ]);
    expect(
      result.findings.filter(f => f.cause?.key.startsWith('applied-twice:')),
    ).toEqual([]);
  });

  it('says an ExternalArtifact is composed by an ArtifactGenerator, not that it is another repository', () => {
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './apps').replace(
        'kind: GitRepository\n    name: flux-system',
        'kind: ExternalArtifact\n    name: apps',
      ),
    });
    expect(result.findings.map(f => f.message)).toEqual([
      "Kustomization flux-system/apps builds ExternalArtifact apps, which an ArtifactGenerator composes; this engine builds one only when its copies keep this repository's paths (below one folder) and it is built only inside them, so its objects are not evaluated",
    ]);
  });

  it('does not call a path of an OCI artifact missing: the artifact is pushed from a folder, and what it applies is not known', () => {
    const oci = (name: string, path: string, postBuild = '') =>
      ks(name, path, postBuild).replace(
        'kind: GitRepository',
        'kind: OCIRepository',
      );
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: oci(
        'apps',
        './providers/docker/apps',
        fromSettings(),
      ),
      'k8s/providers/docker/apps/cm.yaml': target('  a: b\n'),
      'k8s/bootstrap/settings.yaml': configMap('settings', { A: 'b' }),
    });
    expect(
      result.findings.map(f => `${f.code} ${f.severity}: ${f.message}`),
    ).toEqual([
      expect.stringMatching(
        /^not-evaluated warning: Kustomization flux-system\/apps reconciles providers\/docker\/apps of OCIRepository flux-system, an artifact whose root is not the repository's: providers\/docker\/apps is not at the repository root, but under k8s\/ \(if the artifact is pushed from k8s\/, say so in the conventions' flux.sourceRoots: \{flux-system: k8s\}\); its objects are not evaluated$/,
      ),
      // the settings it names may come from what was not read: not an error
      expect.stringMatching(
        /^not-evaluated warning: ConfigMap flux-system\/settings is named by substituteFrom, and no Kustomization of the cluster read here applies it, but some are not read and may/,
      ),
    ]);
  });

  it("builds an OCI artifact's paths from the folder of this repository it is pushed from (flux.sourceRoots)", () => {
    const files = {
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './base/apps').replace(
        'kind: GitRepository\n    name: flux-system',
        'kind: OCIRepository\n    name: platform',
      ),
      'platform/base/apps/cm.yaml': target('  a: b\n'),
    };
    // not named: another source, not evaluated
    expect(renderFiles(files).findings.map(f => f.message)).toEqual([
      expect.stringMatching(
        /^Kustomization flux-system\/apps builds OCIRepository platform, .*; its objects are not evaluated$/,
      ),
    ]);
    const rooted = renderFiles(files, {
      sourceRoots: { platform: 'platform' },
    });
    expect(rooted.findings).toEqual([]);
    expect(rooted.kustomizations.find(k => k.name === 'apps')?.path).toBe(
      'platform/base/apps',
    );
    expect(rooted.objects.map(o => o.object.source.file)).toContain(
      'platform/base/apps/cm.yaml',
    );
    // `..` stops at the artifact's root, as Flux joins the path
    const escaping = renderFiles(
      {
        ...files,
        [`${root}/apps.yaml`]: files[`${root}/apps.yaml`].replace(
          './base/apps',
          '../../platform/base/apps',
        ),
      },
      { sourceRoots: { platform: 'platform' } },
    );
    expect(escaping.kustomizations.find(k => k.name === 'apps')?.path).toBe(
      'platform/platform/base/apps',
    );
    // a path the artifact does not hold fails the Kustomization
    expect(
      escaping.findings.map(f => `${f.code} ${f.severity}: ${f.message}`),
    ).toEqual([
      "flux-error error: Kustomization flux-system/apps reconciles ../../platform/base/apps of OCIRepository platform, whose root is platform/ here (the conventions' flux.sourceRoots): platform/platform/base/apps does not exist in the repository; Flux fails the Kustomization",
    ]);
    // the source a fleet's defaults patch gives every Kustomization of the
    // cluster folder (lucas2kdk's): the patch is named, not the line that
    // says GitRepository
    const patched = renderFiles(
      {
        [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
        [`${root}/apps.yaml`]: ks('apps', './base/apps'),
        [`${root}/kustomization.yaml`]: [
          'resources: [sync.yaml, apps.yaml]',
          'patches:',
          '  - path: defaults.yaml',
          '    target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, name: apps}',
          '',
        ].join('\n'),
        [`${root}/defaults.yaml`]: [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: any}',
          'spec:',
          '  sourceRef:',
          '    kind: OCIRepository',
          '    name: platform',
          '',
        ].join('\n'),
        'platform/other/cm.yaml': target('  a: b\n'),
      },
      { sourceRoots: { platform: 'platform' } },
    );
    // another source: the folders taken as this repository are said too
    const other = renderFiles(
      {
        ...files,
        [`${root}/other.yaml`]: ks('other', './x').replace(
          'kind: GitRepository\n    name: flux-system',
          'kind: GitRepository\n    name: tools',
        ),
        [`${root}/tools.yaml`]:
          '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: tools, namespace: flux-system}\nspec: {url: https://example.com/tools.git, ref: {branch: main}}\n',
      },
      { sourceRoots: { platform: 'platform' } },
    );
    expect(other.findings.map(f => f.message)).toEqual([
      expect.stringContaining(
        'not this repository (sources treated as this repository: flux-system, platform (its platform/ folder))',
      ),
    ]);
    expect(patched.findings.map(f => f.message)).toEqual([
      `Kustomization flux-system/apps reconciles ./base/apps of OCIRepository platform (its sourceRef is set by the patch at ${root}/defaults.yaml:5), whose root is platform/ here (the conventions' flux.sourceRoots): platform/base/apps does not exist in the repository; Flux fails the Kustomization`,
    ]);
  });

  it('says where each Kustomization names a folder that does not exist, and why when its path kept a variable', () => {
    // the parent applies two children without substituting: `${MODE:=false}`
    // stays in their paths, and Flux fails each of them
    const result = renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/apps.yaml`]: ks('apps', './apps'),
      'apps/kustomization.yaml':
        'resources:\n  - x/ks.yaml\n  - x/ks-pre.yaml\n  - y/ks.yaml\n',
      'apps/x/ks.yaml': ks('x', './apps/x/app-${MODE:=false}'),
      'apps/x/ks-pre.yaml': ks('x-pre', './apps/x/pre-${MODE:=false}'),
      'apps/x/app-false/cm.yaml': target('  a: b\n'),
      'apps/x/pre-false/cm.yaml': target('  a: b\n'),
      'apps/y/ks.yaml': ks('other', './../../gone'),
    });
    expect(
      result.findings.map(
        f => `${f.code} ${f.location?.file}:${f.location?.line} ${f.message}`,
      ),
    ).toEqual([
      'flux-error apps/x/ks.yaml:9 Kustomization flux-system/x reconciles apps/x/app-${MODE:=false}, which does not exist in the repository; Flux fails the Kustomization (the ${...} in its path is left as written: the Kustomization that applies it does not substitute it)',
      'flux-error apps/x/ks-pre.yaml:9 Kustomization flux-system/x-pre reconciles apps/x/pre-${MODE:=false}, which does not exist in the repository; Flux fails the Kustomization (the ${...} in its path is left as written: the Kustomization that applies it does not substitute it)',
      'flux-error apps/y/ks.yaml:9 Kustomization flux-system/other reconciles gone, which does not exist in the repository; Flux fails the Kustomization',
    ]);
  });
});

describe('a parent Kustomization’s spec.patches, as kustomize-controller applies them', () => {
  // the shape of home-lab repositories: the cluster's apps Kustomization
  // patches every child Kustomization with what the children leave out
  const parent = `${ks(
    'cluster-apps',
    './apps',
    `  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-info\n`,
  )}  patches:
    - target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          interval: 1h
          prune: true
          sourceRef:
            kind: GitRepository
            name: flux-system
          postBuild:
            substitute:
              CLUSTER: \${CLUSTER}
    - target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
        labelSelector: substitution.flux.home.arpa/disabled notin (true)
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          postBuild:
            substituteFrom:
              - kind: ConfigMap
                name: cluster-settings
    - target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
        name: runner
      patch: |-
        - op: add
          path: /spec/dependsOn
          value:
            - name: cluster-apps
`;
  // a child that only says where it builds, as in those repositories
  const skeleton = (name: string, path: string, extra = '') =>
    `---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\n${extra}spec:\n  path: ${path}\n`;

  function renderWithParent() {
    return renderFiles({
      [`${root}/sync.yaml`]: ks('flux-system', `./${root}`),
      [`${root}/info.yaml`]: configMap('cluster-info', { CLUSTER: 'c1' }),
      [`${root}/settings.yaml`]: configMap('cluster-settings', {
        DOMAIN: 'example.org',
      }),
      [`${root}/apps.yaml`]: parent,
      'apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - runner.yaml\n  - raw.yaml\n',
      'apps/runner.yaml': skeleton('runner', './apps/runner'),
      'apps/raw.yaml': skeleton(
        'raw',
        './apps/raw',
        '  labels:\n    substitution.flux.home.arpa/disabled: "true"\n',
      ),
      'apps/runner/cm.yaml': target(
        '  name: runner-${CLUSTER}\n  host: runner.${DOMAIN}\n',
      ),
      'apps/raw/cm.yaml': target('  name: runner-${CLUSTER}\n'),
    });
  }

  it('gives the children what the patches set, with values the parent substitutes', () => {
    const result = renderWithParent();
    expect(result.findings.map(located)).toEqual([]);
    const runner = result.kustomizations.find(k => k.name === 'runner')!;
    expect(runner).toMatchObject({
      postBuild: true,
      substituteFrom: [
        { kind: 'ConfigMap', name: 'cluster-settings', optional: false },
      ],
      dependsOn: ['flux-system/cluster-apps'],
    });
    expect(runner.object!.body.spec).toMatchObject({
      interval: '1h',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    });
    // ${CLUSTER} in the patch was resolved by the parent's own substitution
    expect(runner.objects[0].body.data).toEqual({
      name: 'runner-c1',
      host: 'runner.example.org',
    });
  });

  it('leaves out the children the label selector excludes', () => {
    const raw = renderWithParent().kustomizations.find(k => k.name === 'raw')!;
    expect(raw.substituteFrom).toEqual([]);
    expect(raw.objects[0].body.data).toEqual({ name: 'runner-c1' });
  });
});
