import fc from 'fast-check';
import { EngineCache } from '../../cache/EngineCache';
import { createRepoTree } from '../../tree/RepoTree';
import { BuildResult, KustomizeEngine } from '../kustomize';
import {
  bothBuilds,
  byId,
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';

const kubectl = haveKubectl(
  'the generator cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

/** Asserts that the engine builds what kubectl builds (or that both fail). */
function expectSame(files: Record<string, string | Uint8Array>, dir = 'app') {
  const { engine, real } = bothBuilds(files, dir);
  if ('error' in real) {
    expect({ ok: engine.ok, real: real.error }).toMatchObject({ ok: false });
    return engine;
  }
  expect(engine.messages.filter(m => !m.startsWith('not-evaluated'))).toEqual(
    [],
  );
  expect(byId(engine.bodies)).toEqual(byId(real.objects));
  return engine;
}

describeKubectl('configMapGenerator and secretGenerator', () => {
  it('generates from env files, literals and files with kustomize hashes (a settings ConfigMap from an env file)', () => {
    const engine = expectSame({
      'app/kustomization.yaml': `namespace: flux-system
configMapGenerator:
  - name: cluster-settings
    envs: [cluster-settings.env]
  - name: from-files
    files: [config.json, renamed=notes.txt]
    literals: ["q='x'", 'r="y', "s=\\"z\\"", "t=", "u==v"]
secretGenerator:
  - name: cluster-secrets
    literals: [SECRET_DOMAIN=example.com]
    type: Opaque
  - name: tls
    type: kubernetes.io/tls
    files: [tls.crt, tls.key]
`,
      'app/cluster-settings.env':
        '\ufeff# settings\nCLUSTER_NAME=infra\n  CILIUM_CLUSTERMESH_LB_IP=10.0.0.5\r\nEMPTY=\nNOEQ\n=skipped\nQUOTED="kept"\nSPACES = both \n',
      'app/config.json': '{"a": 1}\n',
      'app/notes.txt': 'line one\nline two\n',
      'app/tls.crt': `-----BEGIN CERTIFICATE-----
${'A'.repeat(200)}
-----END CERTIFICATE-----
`,
      'app/tls.key': 'key',
    });
    const settings = engine.objects.find(o =>
      o.name.startsWith('cluster-settings-'),
    )!;
    expect(settings.body.data.CILIUM_CLUSTERMESH_LB_IP).toBe('10.0.0.5');
    // each data key points at its line of the env file
    const { locate } = require('../../yaml/locate');
    expect(locate(settings, ['data', 'CILIUM_CLUSTERMESH_LB_IP'])).toEqual({
      file: 'app/cluster-settings.env',
      line: 3,
    });
    // and the data as a whole (where a missing key goes) at the file's
    // first key, not at the generator's line of the kustomization
    expect(locate(settings, ['data'])).toEqual({
      file: 'app/cluster-settings.env',
      line: 2,
    });
  });

  it('applies options and generatorOptions: labels, annotations, disableNameSuffixHash, immutable', () => {
    expect(
      expectSame({
        'app/kustomization.yaml': `generatorOptions:
  disableNameSuffixHash: true
  labels: {generated: "yes", shared: global}
  annotations: {note: global}
configMapGenerator:
  - name: a
    literals: [A=1]
    options:
      labels: {shared: local}
      immutable: true
  - name: b
    namespace: other
    literals: [B=2]
secretGenerator:
  - name: c
    literals: [C=3]
    options: {disableNameSuffixHash: false, annotations: {note: local}}
`,
      }).ok,
    ).toBe(true);
  });

  it('merges and replaces a ConfigMap of a base (behavior), hash kept only when both want it', () => {
    const base = `configMapGenerator:
  - name: settings
    literals: [A=1, B=1]
    options: {labels: {from: base}}
resources: [plain.yaml]
`;
    const files = {
      'base/kustomization.yaml': base,
      'base/plain.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels: {kept: "yes"}\ndata:\n  X: "1"\n',
      'app/kustomization.yaml': `resources: [../base]
namePrefix: p-
configMapGenerator:
  - name: settings
    behavior: merge
    literals: [B=2, C=3]
  - name: plain
    behavior: replace
    literals: [Y=2]
`,
      'nohash/kustomization.yaml': `resources: [../base]
configMapGenerator:
  - name: settings
    behavior: merge
    literals: [D=4]
    options: {disableNameSuffixHash: true}
  - name: plain
    behavior: merge
    literals: [Z=1]
`,
    };
    expect(expectSame(files, 'app').ok).toBe(true);
    expect(expectSame(files, 'nohash').ok).toBe(true);
  });

  it('adds origin annotations (buildMetadata), keeping the first origin on merge, the generator on replace', () => {
    expect(
      expectSame({
        'base/kustomization.yaml':
          'resources: [plain.yaml]\nconfigMapGenerator:\n  - name: generated\n    literals: [A=1]\n',
        'base/plain.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {X: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n',
        'app/kustomization.yaml': `buildMetadata: [originAnnotations]
resources: [../base]
configMapGenerator:
  - name: generated
    behavior: merge
    literals: [B=2]
  - name: plain
    behavior: merge
    literals: [Y=2]
  - name: other
    behavior: replace
    literals: [Z=3]
secretGenerator:
  - name: new
    literals: [S=1]
`,
      }).ok,
    ).toBe(true);
  });

  it('fails where kustomize fails: a missing env file, a repeated key, behavior merge without a base', () => {
    for (const generator of [
      '  - name: a\n    envs: [missing.env]\n',
      '  - name: a\n    literals: [A=1, A=2]\n',
      '  - name: a\n    behavior: merge\n    literals: [A=1]\n',
      '  - literals: [A=1]\n',
      '  - name: a\n    literals: [noequals]\n',
    ]) {
      const files = {
        'app/kustomization.yaml': `configMapGenerator:\n${generator}`,
      };
      const engine = engineBuild(files, 'app');
      const real = kubectlBuild(files, 'app');
      expect({
        generator,
        engine: engine.ok,
        kubectl: 'objects' in real,
      }).toEqual({
        generator,
        engine: false,
        kubectl: false,
      });
      expect(engine.messages.join('\n')).toMatch(
        /^kustomize-error app\/kustomization.yaml:\d+ /,
      );
    }
  });

  it('binary files go to binaryData in a ConfigMap and to base64 data in a Secret', () => {
    const binary = new Uint8Array([
      0xff,
      0xfe,
      0x00,
      0x01,
      0x80,
      ...new Array(80).fill(0x41),
    ]);
    expect(
      expectSame({
        'app/kustomization.yaml':
          'configMapGenerator:\n  - name: bin\n    files: [blob.bin, text.txt]\nsecretGenerator:\n  - name: sec\n    files: [blob.bin]\n',
        'app/blob.bin': binary,
        'app/text.txt': 'héllo <&> \u2028 \ufeffbom\n',
      }).ok,
    ).toBe(true);
  });

  it('computes the name-suffix hash exactly as kustomize does (property: any env file contents)', () => {
    const char = fc.constantFrom(
      'a',
      'Z',
      '0',
      ' ',
      '\t',
      '"',
      "'",
      '\\',
      '<',
      '>',
      '&',
      '=',
      '#',
      '$',
      '{',
      '}',
      'é',
      '€',
      '😀',
      '\u2028',
      '\u2029',
      '\u0085',
      '\u00a0',
      '\r',
    );
    const value = fc.string({ unit: char, maxLength: 12 });
    // keys that read as numbers make kubectl itself fail (a map key that is not a string)
    const key = fc
      .string({
        unit: fc.constantFrom('A', 'b', '_', '.', '-', '1'),
        maxLength: 6,
      })
      .map(k => `K${k}`);
    const cases = fc.sample(
      fc.dictionary(key, value, { minKeys: 0, maxKeys: 5 }),
      { numRuns: 80, seed: 10 },
    );
    const files: Record<string, string> = {};
    const entries: string[] = [];
    cases.forEach((data, i) => {
      files[`app/env${i}.env`] = Object.entries(data)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n');
      entries.push(`  - name: c${i}\n    envs: [env${i}.env]\n`);
    });
    files['app/kustomization.yaml'] = `configMapGenerator:\n${entries.join(
      '',
    )}secretGenerator:\n${entries.join('')}`;
    const { engine, real } = bothBuilds(files, 'app');
    if ('error' in real) throw new Error(real.error);
    expect(engine.messages).toEqual([]);
    const names = (objects: any[]) =>
      objects.map(o => `${o.kind}/${o.metadata.name}`).sort();
    expect(names(engine.bodies)).toEqual(names(real.objects));
    // the data too, but for characters kubectl's YAML output itself mangles (NEL, LS, PS)
    const mangled = /[\u0085\u2028\u2029]/;
    const engineComparable = byId(
      engine.bodies.filter(
        o =>
          o.kind === 'ConfigMap' &&
          !Object.values(o.data ?? {}).some(v => mangled.test(String(v))),
      ),
    );
    const realById = byId(real.objects);
    expect(Object.keys(engineComparable).length).toBeGreaterThan(20);
    expect(engineComparable).toEqual(
      Object.fromEntries(
        Object.keys(engineComparable).map(k => [k, realById[k]]),
      ),
    );
    expect(byId(engine.bodies.filter(o => o.kind === 'Secret'))).toEqual(
      byId(real.objects.filter(o => o.kind === 'Secret')),
    );
  });
});

describe('generator sources the engine does not fetch', () => {
  it('reports a file given by URL as not evaluated, not missing', () => {
    const built = engineBuild(
      {
        'app/kustomization.yaml':
          'configMapGenerator:\n  - name: dashboards\n    files:\n      - https://example.com/dashboards/cluster.json\n      - local.json\n',
        'app/local.json': '{}\n',
      },
      'app',
    );
    expect(built.ok).toBe(true);
    expect(built.messages).toEqual([
      'not-evaluated app/kustomization.yaml:4 the ConfigMap generator dashboards reads https://example.com/dashboards/cluster.json, which this engine does not fetch; that key is not evaluated',
    ]);
    expect(Object.keys(built.bodies[0].data)).toEqual(['local.json']);
  });

  it('says it once for a generator that reads many URLs, counting them', () => {
    const built = engineBuild(
      {
        'app/kustomization.yaml': `configMapGenerator:\n  - name: dashboards\n    files:\n${[
          'cluster',
          'pools',
          'hosts',
        ]
          .map(d => `      - https://example.com/dashboards/${d}.json\n`)
          .join('')}      - local.json\n`,
        'app/local.json': '{}\n',
      },
      'app',
    );
    expect(built.ok).toBe(true);
    expect(built.messages).toEqual([
      'not-evaluated app/kustomization.yaml:4 the ConfigMap generator dashboards reads 3 URLs (https://example.com/dashboards/cluster.json and 2 more), which this engine does not fetch; those keys are not evaluated',
    ]);
    expect(Object.keys(built.bodies[0].data)).toEqual(['local.json']);
  });
});

describe('generated resources kept between validations (with the builds that make them)', () => {
  const files = (env: string): Record<string, string> => ({
    'vars/kustomization.yaml': `configMapGenerator:
  - name: cluster-settings
    namespace: flux-system
    envs: [cluster-settings.env]
  - name: hashed
    literals: [A=1]
generatorOptions:
  disableNameSuffixHash: false
`,
    'vars/cluster-settings.env': env,
  });
  // one cache, as the backend keeps per source: a tree per validation
  const build = (cache: EngineCache, tree: Record<string, string>) => {
    const repo = createRepoTree(tree);
    const engine = new KustomizeEngine(
      cache.treeIndex(repo),
      cache.yamlFiles(repo),
      { hashes: cache.kustomizeHashes, builds: cache.builds },
    );
    return engine.build('vars');
  };
  const named = (result: BuildResult, prefix: string) =>
    result.objects.find(o => o.name.startsWith(prefix))!;

  it('gives the same objects for the same kustomization and env file, so what is remembered about them holds', () => {
    const cache = new EngineCache();
    const first = build(cache, files('CLUSTER_NAME=c1\n'));
    const second = build(cache, files('CLUSTER_NAME=c1\n'));
    expect(named(second, 'cluster-settings').body).toBe(
      named(first, 'cluster-settings').body,
    );
    // the name-suffix hash renames a kept body to the same object again
    expect(named(second, 'hashed-').body).toBe(named(first, 'hashed-').body);
    expect(named(second, 'hashed-').name).toBe(named(first, 'hashed-').name);
  });

  it('generates again when a file it read changed, never a stale value', () => {
    const cache = new EngineCache();
    build(cache, files('CLUSTER_NAME=c1\n'));
    const changed = build(cache, files('CLUSTER_NAME=c2\n'));
    expect(named(changed, 'cluster-settings').body.data).toEqual({
      CLUSTER_NAME: 'c2',
    });
  });

  it('reports a generator problem on every build, not only the first', () => {
    const cache = new EngineCache();
    const broken = files('');
    delete broken['vars/cluster-settings.env'];
    const messages = (r: BuildResult) => r.findings.map(f => f.message);
    const first = build(cache, broken);
    const second = build(cache, broken);
    expect(messages(first)).toEqual([
      expect.stringContaining(
        'reads cluster-settings.env, which does not exist',
      ),
    ]);
    expect(messages(second)).toEqual(messages(first));
  });
});
