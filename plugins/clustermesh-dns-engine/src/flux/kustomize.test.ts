import { located } from '../__testUtils__/yaml';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EngineCache } from '../cache/EngineCache';
import { createRepoTree, RepoTree } from '../tree/RepoTree';
import { TreeIndex } from '../tree/TreeIndex';
import { YamlFiles } from '../yaml/files';
import {
  KustomizeEngine,
  kustomizationFileNames,
  withNamespace,
} from './kustomize';
import { FluxRenderer } from './render';
import { substituteObject } from './substitute';
import { buildMeshModel } from '../model/build';
import { defaultConventions, MeshConventions } from '../conventions/schema';
import { resolveConventions } from '../conventions/resolve';
import { detectConventions } from '../conventions/detect';
import { generateSyntheticMesh } from '../testUtils/syntheticMesh';
import {
  exampleTree,
  fixtureTree,
  readFolder,
  writeFolder,
} from '../__testUtils__/trees';
import { objectKey } from '../core/manifest';
import { kubectlKustomize, kubectlOnPath } from '../__testUtils__/kubectl';
import { kubectlBuild } from './kustomize/__testUtils__/crossCheck';

const engineFor = (files: Record<string, string>) => {
  const tree = createRepoTree(files);
  return new KustomizeEngine(new TreeIndex(tree), new YamlFiles(tree));
};
/** A Flux renderer with kustomize-controller's defaults. */
const rendererFor = (tree: RepoTree) =>
  new FluxRenderer(
    new TreeIndex(tree),
    new YamlFiles(tree),
    {
      strictSubstitution: true,
      substituteAlways: false,
      sourceNames: ['flux-system'],
      knownValues: {},
    },
    new EngineCache().substitution,
  );
const k = (...resources: string[]) =>
  `resources:\n${resources.map(r => `  - ${r}\n`).join('')}`;
const cm = (name: string, ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${
    ns ? `  namespace: ${ns}\n` : ''
  }data:\n  k: v\n`;

describe('KustomizeEngine', () => {
  it('builds files, multi-document files and directories in order', () => {
    const engine = engineFor({
      'app/kustomization.yaml': k('a.yaml', 'sub'),
      'app/a.yaml': `${cm('a')}---\n${cm('b')}`,
      'app/sub/kustomization.yaml': k('c.yaml'),
      'app/sub/c.yaml': cm('c'),
    });
    const result = engine.build('app');
    expect(result.findings).toEqual([]);
    expect(result.objects.map(o => o.name)).toEqual(['a', 'b', 'c']);
    expect(result.objects[1].source).toMatchObject({
      file: 'app/a.yaml',
      index: 1,
      line: 8,
    });
  });

  it('sets the namespace on namespaced kinds, custom kinds included, not on cluster-scoped ones', () => {
    const engine = engineFor({
      'app/kustomization.yaml': `namespace: kube-system\n${k('objects.yaml')}`,
      'app/objects.yaml': `${cm(
        'a',
        'other',
      )}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\n`,
    });
    expect(engine.build('app').objects.map(o => [o.kind, o.namespace])).toEqual(
      [
        ['ConfigMap', 'kube-system'],
        ['Namespace', undefined],
        ['CiliumLoadBalancerIPPool', 'kube-system'],
      ],
    );
  });

  it('applies a component to the objects accumulated so far', () => {
    const engine = engineFor({
      'app/kustomization.yaml': `${k('a.yaml')}components:\n  - ../component\n`,
      'app/a.yaml': cm('a'),
      'component/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamespace: from-component\n${k(
        'b.yaml',
      )}`,
      'component/b.yaml': cm('b'),
    });
    const result = engine.build('app');
    expect(result.findings).toEqual([]);
    expect(result.objects.map(o => `${o.namespace}/${o.name}`)).toEqual([
      'from-component/a',
      'from-component/b',
    ]);
  });

  it('points at the object added again where Flux generates the kustomization (a folder without one)', () => {
    const engine = engineFor({
      'app/two.yaml': `${cm('a')}---\n${cm('a')}`,
    });
    expect(engine.buildFluxPath('app').findings.map(located)).toEqual([
      'app/two.yaml:11 adds ConfigMap a (from app/two.yaml) a second time; kustomize fails with "may not add resource with an already registered id" (first from app/two.yaml)',
    ]);
  });

  it('reports what it does not evaluate, and errors kustomize would fail on, with file and line', () => {
    const engine = engineFor({
      'app/kustomization.yaml': `${k(
        'a.yaml',
        'missing.yaml',
        'https://github.com/org/repo//deploy?ref=v1',
        'a.yaml',
      )}replicas:\n  - name: web\n    count: 2\nhelmCharts:\n  - name: cilium\n`,
      'app/a.yaml': cm('a'),
    });
    const result = engine.build('app');
    expect(result.ok).toBe(false);
    expect(result.findings.map(f => `${f.code} ${located(f)}`)).toEqual([
      'kustomize-error app/kustomization.yaml:3 refers to missing.yaml, which does not exist (app/missing.yaml)',
      'not-evaluated app/kustomization.yaml:4 refers to the remote resource https://github.com/org/repo//deploy?ref=v1, which this engine does not fetch',
      'kustomize-error app/kustomization.yaml:5 adds ConfigMap a (from app/a.yaml) a second time; kustomize fails with "may not add resource with an already registered id" (first from app/a.yaml)',
      'not-evaluated app/kustomization.yaml:6 uses "replicas", which this engine does not evaluate; objects built from app/ may differ from what Flux applies',
      'not-evaluated app/kustomization.yaml:9 uses "helmCharts", which this engine does not evaluate; objects built from app/ may differ from what Flux applies',
    ]);
  });

  it('does not fail a generator that merges into what a remote resource may hold', () => {
    // rancher's local-path-provisioner: its ConfigMap comes from the remote base
    const engine = engineFor({
      'app/kustomization.yaml': `${k(
        'github.com/rancher/local-path-provisioner/deploy?ref=v0.0.35',
      )}configMapGenerator:\n  - name: local-path-config\n    namespace: local-path-storage\n    behavior: merge\n    literals: [setup=x]\n`,
    });
    const result = engine.build('app');
    expect(result.ok).toBe(true);
    expect(result.findings.map(f => `${f.code} ${located(f)}`)).toEqual([
      'not-evaluated app/kustomization.yaml:2 refers to the remote resource github.com/rancher/local-path-provisioner/deploy?ref=v0.0.35, which this engine does not fetch',
      'not-evaluated app/kustomization.yaml:4 generates ConfigMap local-path-storage/local-path-config with behavior merge, into a resource that is not among the objects evaluated here (the build has resources this engine does not fetch); its other keys are not known',
    ]);
    // only that ConfigMap's keys are unknown: no check of a cluster that
    // reads no such object hangs on it (hugginsio's local-path-config)
    expect(result.findings[1].onlyDataOf).toEqual({
      kind: 'ConfigMap',
      name: 'local-path-config',
    });
    // without the remote resource, kustomize fails
    const local = engineFor({
      'app/kustomization.yaml':
        'configMapGenerator:\n  - name: local-path-config\n    behavior: merge\n    literals: [setup=x]\n',
    }).build('app');
    expect(local.ok).toBe(false);
  });

  it('does not evaluate a remote component, as kustomize fetches it; not an error', () => {
    const engine = engineFor({
      'app/kustomization.yaml': `${k(
        'a.yaml',
      )}components:\n  - https://github.com/org/operator/components/tls?ref=v0.10.2\n`,
      'app/a.yaml': cm('a'),
    });
    const result = engine.build('app');
    expect(result.ok).toBe(true);
    expect(result.findings.map(f => `${f.code} ${located(f)}`)).toEqual([
      'not-evaluated app/kustomization.yaml:4 refers to the remote component https://github.com/org/operator/components/tls?ref=v0.10.2, which this engine does not fetch',
    ]);
    expect(result.findings[0].mayChange).toBe(true);
    expect(result.objects.map(o => o.name)).toEqual(['a']);
  });

  it('builds a Component given as the directory to build, and refuses one listed under resources', () => {
    const engine = engineFor({
      'comp/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n${k(
        'a.yaml',
      )}`,
      'comp/a.yaml': cm('a'),
      'app/kustomization.yaml': k('../comp'),
    });
    expect(engine.build('comp').objects.map(o => o.name)).toEqual(['a']);
    expect(engine.build('app').findings.map(located)).toEqual([
      'app/kustomization.yaml:2 lists comp under resources, but it is a Component (comp/kustomization.yaml:2); kustomize fails: a Component goes under components',
    ]);
  });

  it('refuses a directory without a kustomization file, and cycles', () => {
    const engine = engineFor({
      'a/kustomization.yaml': k('../b'),
      'b/kustomization.yaml': k('../a'),
      'c/x.yaml': cm('x'),
    });
    expect(engine.build('a').findings.map(located)).toContain(
      'a/kustomization.yaml:1 is part of a cycle: a → b → a',
    );
    expect(located(engine.build('c').findings[0])).toMatch(
      /^c:1 has no kustomization.yaml/,
    );
  });

  it('names the entry that lists a folder without a kustomization file (the line to change), not the folder', () => {
    // cianmawhinney's shape: the overlay Flux builds lists ../base, a
    // folder of plain manifests; kubectl kustomize fails on the overlay
    const engine = engineFor({
      'apps/dev/kustomization.yaml': `${k('../base')}namespace: dev\n`,
      'apps/base/deployment.yaml': cm('web'),
    });
    expect(engine.build('apps/dev').findings.map(located)).toEqual([
      'apps/dev/kustomization.yaml:2 lists apps/base under resources, but it has no kustomization.yaml, kustomization.yml or Kustomization file; kustomize cannot build it',
    ]);
  });

  it('reads a List (`kind: ConfigMapList` with items) as its items, as kustomize does', () => {
    const files = {
      'app/kustomization.yaml': `${k('list.yaml')}namespace: apps\n`,
      'app/list.yaml': [
        'apiVersion: v1',
        'kind: ConfigMapList',
        'items:',
        ...[cm('a'), cm('b')].map(
          text => `  - ${text.trimEnd().split('\n').join('\n    ')}`,
        ),
        '',
      ].join('\n'),
    };
    const result = engineFor(files).build('app');
    expect(result.findings).toEqual([]);
    expect(
      result.objects.map(o => [o.kind, o.namespace, o.name, o.source.line]),
    ).toEqual([
      ['ConfigMap', 'apps', 'a', 4],
      ['ConfigMap', 'apps', 'b', 10],
    ]);
    if (!kubectlOnPath('the List cross-check')) return;
    const real = kubectlBuild(files, 'app');
    expect('objects' in real && real.objects.map(o => o.metadata.name)).toEqual(
      ['a', 'b'],
    );
  });

  it("reads a kustomization's fields whatever their case, and refuses a field it does not have, as kustomize's Go decoding does", () => {
    const files = (fields: string) => ({
      'app/kustomization.yaml': fields,
      'app/a.yaml': cm('a'),
    });
    const anyCase = files(
      'apiversion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nRESOURCES:\n  - a.yaml\nnamePrefix: x-\n',
    );
    const read = engineFor(anyCase).build('app');
    expect(read.findings).toEqual([]);
    expect(read.objects.map(o => o.name)).toEqual(['x-a']);
    const unknown = files('resources:\n  - a.yaml\nbogusField: 1\n');
    const refused = engineFor(unknown).build('app');
    expect(refused.ok).toBe(false);
    expect(refused.findings.map(located)).toEqual([
      'app/kustomization.yaml:3 has the field "bogusField", which a kustomization does not have; kustomize refuses it (unknown field) and cannot build app/',
    ]);
    if (!kubectlOnPath('the field-name cross-check')) return;
    const real = kubectlBuild(anyCase, 'app');
    expect('objects' in real && real.objects.map(o => o.metadata.name)).toEqual(
      ['x-a'],
    );
    expect(kubectlBuild(unknown, 'app')).toEqual({
      error: expect.stringMatching(/unknown field .*bogusField/),
    });
  });

  it("builds a kustomization with kustomize v5's sortOptions, a field it has (waveFrontSet's longhorn)", () => {
    const sorted = {
      'app/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsortOptions:\n  order: fifo\nresources:\n  - a.yaml\n',
      'app/a.yaml': cm('a'),
    };
    const read = engineFor(sorted).build('app');
    expect(read.findings).toEqual([]);
    expect(read.objects.map(o => o.name)).toEqual(['a']);
    if (!kubectlOnPath('the sortOptions cross-check')) return;
    const real = kubectlBuild(sorted, 'app');
    expect('objects' in real && real.objects.map(o => o.metadata.name)).toEqual(
      ['a'],
    );
  });

  it('names a file that is not a Kubernetes object', () => {
    const engine = engineFor({
      'app/kustomization.yaml': k('bad.yaml'),
      'app/bad.yaml': 'just: values\n',
    });
    expect(located(engine.build('app').findings[0])).toBe(
      'app/bad.yaml:1 has no apiVersion, kind, metadata.name; kustomize cannot build it',
    );
  });
});

describe('Flux generated kustomizations', () => {
  it('includes every YAML file below a path without kustomization file, sub-folders with one as a unit', () => {
    const tree = createRepoTree({
      'c/b.yaml': cm('b'),
      'c/a.yml': cm('a'),
      'c/notes.txt': 'not yaml',
      'c/deep/d.yaml': cm('d'),
      'c/unit/kustomization.yaml': k('u.yaml'),
      'c/unit/u.yaml': cm('u'),
      'c/unit/ignored.yaml': cm('ignored'),
    });
    const renderer = rendererFor(tree);
    expect(renderer.buildPath('c').objects.map(o => o.name)).toEqual([
      'a',
      'b',
      'd',
      'u',
    ]);
  });

  it('fails, naming the file, when a YAML file below it is not a Kubernetes object', () => {
    const tree = createRepoTree({
      'c/values.yaml': 'replicas: 3\n',
      'c/a.yaml': cm('a'),
    });
    const renderer = rendererFor(tree);
    const result = renderer.buildPath('c');
    expect(result.ok).toBe(false);
    expect(located(result.findings[0])).toMatch(
      /^c\/values.yaml:1 has no apiVersion, kind, metadata.name; .*Flux fails to decode Kubernetes YAML from it/,
    );
  });
});

/**
 * Cross-check against the real kustomize: every path the engine builds for a
 * cluster equals `kubectl kustomize` of that path (with Flux's
 * LoadRestrictionsNone; folders without a kustomization file get the one
 * Flux would generate), then both go through the same substitution.
 */
const haveKubectl = kubectlOnPath('the kubectl kustomize cross-check');

function kubectlObjects(
  dir: string,
  relPath: string,
  engine: KustomizeEngine,
  tree: RepoTree,
  targetNamespace?: string,
  /** A Flux Kustomization's spec.patches, which kustomize-controller adds to the build. */
  patches?: unknown[],
): any[] {
  const target = path.join(dir, relPath);
  if (!kustomizationFileNames.some(n => fs.existsSync(path.join(target, n)))) {
    // what kustomize-controller generates: every YAML file, sub-folders with a kustomization as a unit
    const index = new TreeIndex(tree);
    const resources: string[] = [];
    const walk = (current: string) => {
      const { files, dirs } = index.list(current);
      const entries = [
        ...files.map(n => ({ n, d: false })),
        ...dirs.map(n => ({ n, d: true })),
      ].sort((a, b) => (a.n < b.n ? -1 : 1));
      for (const { n, d } of entries) {
        const p = `${current}/${n}`;
        if (d) {
          if (engine.kustomizationFile(p))
            resources.push(path.posix.relative(relPath, p));
          else walk(p);
        } else if (/\.ya?ml$/.test(n))
          resources.push(path.posix.relative(relPath, p));
      }
    };
    walk(relPath);
    fs.writeFileSync(
      path.join(target, 'kustomization.yaml'),
      `resources:\n${resources.map(r => `  - ${r}\n`).join('')}`,
    );
  }
  let built = target;
  if (targetNamespace || patches?.length) {
    // Flux builds with the Kustomization's targetNamespace as the kustomize
    // namespace, and its spec.patches as kustomize patches
    built = fs.mkdtempSync(path.join(dir, '.flux-'));
    fs.writeFileSync(
      path.join(built, 'kustomization.yaml'),
      `${
        targetNamespace ? `namespace: ${targetNamespace}\n` : ''
      }resources:\n  - ${path.relative(built, target)}\n${
        patches?.length ? `patches: ${JSON.stringify(patches)}\n` : ''
      }`,
    );
  }
  const { status, stdout, stderr } = kubectlKustomize(built);
  if (status !== 0) throw new Error(`kubectl kustomize ${relPath}: ${stderr}`);
  return parseAllDocuments(stdout, { version: '1.1' })
    .map((d: any) => d.toJS())
    .filter(Boolean);
}

const byId = (objects: any[]) =>
  Object.fromEntries(
    objects.map(o => [
      objectKey({
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.metadata?.namespace,
        name: o.metadata?.name,
      }),
      o,
    ]),
  );

const crossChecks: [
  string,
  () => { files: Record<string, string>; conventions: MeshConventions },
][] = [
  [
    'examples/gitops-repo',
    () => ({
      files: readFolder(
        path.resolve(__dirname, '../../../../examples/gitops-repo'),
      ),
      conventions: defaultConventions,
    }),
  ],
  [
    'examples/templates/clustermesh-dns/gitops-repo-before',
    () => ({
      files: readFolder(
        path.resolve(
          __dirname,
          '../../../../examples/templates/clustermesh-dns/gitops-repo-before',
        ),
      ),
      conventions: defaultConventions,
    }),
  ],
  [
    'fixtures/ks-layout',
    () => {
      const files = readFolder(
        path.resolve(__dirname, '../../fixtures/ks-layout'),
      );
      const explicit = require('yaml').parse(files['.clustermesh-dns.yaml']);
      return { files, conventions: resolveConventions(explicit) };
    },
  ],
  [
    'fixtures/mixed-flux-layout',
    () => {
      const files = readFolder(
        path.resolve(__dirname, '../../fixtures/mixed-flux-layout'),
      );
      return {
        files,
        conventions: resolveConventions(
          undefined,
          detectConventions(createRepoTree(files)),
        ),
      };
    },
  ],
  [
    'three-cluster synthetic mesh',
    () => ({
      files: generateSyntheticMesh({ clusters: 3 }),
      conventions: defaultConventions,
    }),
  ],
];

(haveKubectl ? describe : describe.skip)(
  'cross-check with kubectl kustomize',
  () => {
    it.each(crossChecks)(
      '%s: every built path equals kubectl kustomize, before and after substitution',
      (_name, load) => {
        const { files, conventions } = load();
        const tree = createRepoTree(files);
        const model = buildMeshModel(tree, conventions);
        const renderer = rendererFor(tree);
        const dir = writeFolder(files);
        try {
          let compared = 0;
          for (const cluster of model.clusters) {
            for (const kustomization of cluster.render.kustomizations) {
              const targetNamespace =
                kustomization.object?.body.spec?.targetNamespace;
              const engineRaw = renderer
                .buildPath(kustomization.path)
                .objects.map(o =>
                  targetNamespace ? withNamespace(o, targetNamespace) : o,
                );
              const real = kubectlObjects(
                dir,
                kustomization.path,
                renderer.kustomize,
                tree,
                targetNamespace,
              );
              expect(byId(engineRaw.map(o => o.body))).toEqual(byId(real));
              // What Flux applies: kustomize's output with the
              // Kustomization's spec.patches, then post-build substitution.
              const patches = kustomization.object?.body.spec?.patches;
              const patched = patches?.length
                ? kubectlObjects(
                    dir,
                    kustomization.path,
                    renderer.kustomize,
                    tree,
                    targetNamespace,
                    patches,
                  )
                : real;
              const applied = kustomization.postBuild
                ? engineRaw.map((o, i) => {
                    const realObject = patched.find(
                      r => r.kind === o.kind && r.metadata?.name === o.name,
                    );
                    return substituteObject(
                      { ...o, body: realObject ?? patched[i] },
                      kustomization.variables,
                      {
                        strict: conventions.flux.strictSubstitution,
                      },
                    ).object.body;
                  })
                : patched;
              expect(byId(kustomization.objects.map(o => o.body))).toEqual(
                byId(applied),
              );
              compared++;
            }
          }
          expect(compared).toBeGreaterThanOrEqual(model.clusters.length * 2);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  },
);

it('fixture trees load', () => {
  expect(exampleTree('gitops-repo').paths().length).toBeGreaterThan(10);
  expect(fixtureTree('ks-layout').paths()).toContain('.clustermesh-dns.yaml');
});
