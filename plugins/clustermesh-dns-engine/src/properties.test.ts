import { resolveConventions } from './conventions/resolve';
import { knownDomain } from './__testUtils__/trees';
import fc from 'fast-check';
import { createRepoTree } from './tree/RepoTree';
import {
  formatLocation,
  MeshReport,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { EngineCache } from './cache/EngineCache';
import { generateSyntheticMesh } from './testUtils/syntheticMesh';
import { validateMesh } from './report/report';

/** The conventions with the example repositories' SOPS domain given. */
const withDomain = resolveConventions(knownDomain);

// Property tests: for generated repositories the report is a function of the
// bytes alone, and no byte input makes the engine throw.

const clusterName = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const meshNames = fc.uniqueArray(clusterName, { minLength: 2, maxLength: 5 });

function meshOf(names: string[]): Record<string, string> {
  return generateSyntheticMesh({
    clusters: names.length,
    name: i => names[i - 1],
  });
}

function validate(files: Record<string, string | Uint8Array>): MeshReport {
  return validateMesh(createRepoTree(files), withDomain);
}

/** Every finding and failed check message of a report, one string. */
function messagesOf(report: MeshReport): string {
  return [
    ...report.findings,
    ...report.notEvaluated,
    ...report.meshChecks,
    ...report.clusters.flatMap(c => c.checks),
  ]
    .map(f => `${formatLocation(f.location)} ${f.message}`)
    .join('\n');
}

/** The files the engine reads for every cluster of a synthetic mesh. */
const sharedFiles = [
  'kubernetes/infrastructure/kustomization.yaml',
  'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
];

describe('properties of the engine', () => {
  it('is green and deterministic for generated meshes, whatever the file order', () => {
    fc.assert(
      fc.property(meshNames, fc.integer(), (names, seed) => {
        const files = meshOf(names);
        const first = validate(files);
        expect(first.summary).toMatchObject({
          clusters: names.length,
          errors: 0,
          status: 'pass',
        });
        // Same bytes inserted in another order, with a cold cache.
        const shuffled = Object.entries(files).sort(
          ([a], [b]) => (hash(a, seed) - hash(b, seed)) | 0,
        );
        const second = validateMesh(
          createRepoTree(new Map(shuffled)),
          withDomain,
        );
        expect(second).toEqual(first);
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
      }),
      { numRuns: 15 },
    );
  });

  it('never throws on arbitrary bytes in any file, and names the file it could not read', () => {
    fc.assert(
      fc.property(
        meshNames,
        fc.nat(),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ maxLength: 300 }),
        ),
        (names, pick, content) => {
          const files: Record<string, string | Uint8Array> = meshOf(names);
          const paths = Object.keys(files).sort();
          const target = paths[pick % paths.length];
          files[target] = content;
          const report = validate(files);
          expect(report.summary.clusters).toBeGreaterThanOrEqual(0);
          for (const finding of report.findings) {
            expect(finding.message.length).toBeGreaterThan(0);
            // the location is beside the message, never in it
            expect(finding.location?.file.length).toBeGreaterThan(0);
            expect(finding.message).not.toContain(
              formatLocation(finding.location),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  const hostile: Array<[string, string | Uint8Array, RegExp]> = [
    ['malformed YAML', 'a: [1, 2\nb: {c\n  - d: : :\n', /YAML|yaml/],
    ['binary bytes', Uint8Array.from([0x61, 0x3a, 0x81, 0xc3]), /UTF-8/],
    // a UTF-16 byte-order mark before bytes that are no UTF-16 text
    [
      'binary bytes behind a UTF-16 mark',
      Uint8Array.from([0xff, 0xfe, 0x00, 0xdc, 0x41]),
      /not UTF-16LE text/,
    ],
    [
      'a YAML alias bomb',
      `a: &a ["x","x","x","x","x","x","x","x","x","x"]\n${Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(
            98 + i,
          )} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ).join('\n')}\n`,
      /aliases/,
    ],
    ['a 5 MiB file', `a: "${'x'.repeat(5 * 1024 * 1024)}"\n`, /limit/],
    [
      '10,000 nested sequences',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      /too deep|not valid YAML/,
    ],
    ['a duplicate key', 'kind: A\nkind: B\n', /twice/],
  ];

  it.each(hostile)(
    'turns %s in a shared file into a finding naming the file',
    (_what, content, reason) => {
      for (const file of sharedFiles) {
        const files: Record<string, string | Uint8Array> = meshOf(['a', 'b']);
        files[file] = content;
        const report = validate(files);
        const named = report.findings.filter(f => f.location?.file === file);
        expect(named.length).toBeGreaterThan(0);
        expect(named.map(f => f.message).join('\n')).toMatch(reason);
        expect(report.summary.status).toBe('fail');
      }
    },
  );

  it('reports hostile cluster files for that cluster only', () => {
    const files: Record<string, string | Uint8Array> = meshOf(['a', 'b', 'c']);
    files['kubernetes/clusters/b/cluster-settings.yaml'] = Uint8Array.from([
      0, 159, 146, 150,
    ]);
    const report = validate(files);
    expect(messagesOf(report)).toContain(
      'kubernetes/clusters/b/cluster-settings.yaml',
    );
    const byName = Object.fromEntries(report.clusters.map(c => [c.name, c]));
    expect(byName.b.status).toBe('fail');
    expect(byName.a.fqdn?.resolved).toContain('clustermesh-a');
  });
});

describe('the engine cache', () => {
  type Edit = (files: Record<string, string>, cluster: string) => void;

  /**
   * Validates a mesh, then each edit of it in turn, twice each (the same
   * bytes again: what the cache kept must hold), with one cache, and
   * expects every report to be the one a validation without a cache gives.
   */
  const expectCacheAgrees = (
    meshFor: (names: string[]) => Record<string, string>,
    edits: fc.Arbitrary<Edit>,
    { numRuns, maxSteps }: { numRuns: number; maxSteps: number },
  ) =>
    fc.assert(
      fc.property(
        meshNames,
        fc.array(fc.tuple(edits, fc.nat()), {
          minLength: 1,
          maxLength: maxSteps,
        }),
        (names, steps) => {
          const cache = new EngineCache();
          let files = meshFor(names);
          const check = () =>
            expect(
              validateMesh(createRepoTree(files), withDomain, { cache }),
            ).toEqual(validate(files));
          check();
          for (const [edit, pick] of steps) {
            files = { ...files };
            edit(files, names[pick % names.length]);
            check();
            check();
          }
        },
      ),
      { numRuns },
    );

  /** A mesh and an edit of it, as a repository changes between two validations. */
  const edits = fc.constantFrom<Edit>(
    (f: Record<string, string>, c: string) =>
      (f[`kubernetes/clusters/${c}/cluster-settings.yaml`] = f[
        `kubernetes/clusters/${c}/cluster-settings.yaml`
      ].replace(
        /LB_IP: "([0-9.]+)\.(\d+)"/,
        (_, net, host) => `LB_IP: "${net}.${(Number(host) + 1) % 256}"`,
      )),
    (f: Record<string, string>, c: string) =>
      (f[`kubernetes/clusters/${c}/cluster-settings.yaml`] = f[
        `kubernetes/clusters/${c}/cluster-settings.yaml`
      ].replace(/\n {2}CILIUM_CLUSTERMESH_[A-Z0-9_]+_FQDN: .*/, '')),
    (f: Record<string, string>, c: string) =>
      (f[`kubernetes/clusters/${c}/cluster-settings.yaml`] = f[
        `kubernetes/clusters/${c}/cluster-settings.yaml`
      ].replace('CILIUM_CLUSTERMESH_FQDN: "', 'CILIUM_CLUSTERMESH_FQDN: "x-')),
    (f: Record<string, string>) => {
      const file =
        'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
      f[file] = f[file].replace('port: 2379', 'port: ${PORT:=2380}');
    },
  );

  it('gives the same reports with one cache across changes as with none', () => {
    expectCacheAgrees(meshOf, edits, { numRuns: 25, maxSteps: 4 });
  });

  it('gives the same reports across changes of generated settings (env files) as with none', () => {
    /** Edits one cluster's file, when it is still there. */
    const editFile =
      (file: string, change: (text: string) => string) =>
      (f: Record<string, string>, c: string) => {
        const path = `kubernetes/clusters/${c}/vars/${file}`;
        if (f[path] !== undefined) f[path] = change(f[path]);
      };
    const envEdits = fc.constantFrom<Edit>(
      editFile('cluster-settings.env', text =>
        text.replace(
          /LB_IP=([0-9.]+)\.(\d+)/,
          (_, net, host) => `LB_IP=${net}.${(Number(host) + 1) % 256}`,
        ),
      ),
      editFile('cluster-settings.env', text =>
        text.replace(/\nCILIUM_CLUSTERMESH_[A-Z0-9_]+_FQDN=.*/, ''),
      ),
      // a generator that fails: its findings come on every validation
      (f: Record<string, string>, c: string) => {
        delete f[`kubernetes/clusters/${c}/vars/cluster-settings.env`];
      },
      editFile('kustomization.yaml', text =>
        text.replace(
          'disableNameSuffixHash: true',
          'disableNameSuffixHash: false',
        ),
      ),
    );
    expectCacheAgrees(
      names =>
        generateSyntheticMesh({
          clusters: names.length,
          name: i => names[i - 1],
          settingsFrom: 'env-file',
        }),
      envEdits,
      { numRuns: 15, maxSteps: 4 },
    );
  });

  it('gives the same reports across changes of what kustomize builds as with none', () => {
    const infra = 'kubernetes/infrastructure';
    let added = 0;
    // edits that change which files a build reads or what a folder holds
    const buildEdits = fc.constantFrom<Edit>(
      (f: Record<string, string>, c: string) => {
        const file = `kubernetes/clusters/${c}/kustomization.yaml`;
        if (f[file]) f[file] = f[file].replace(/\n.*lb-ippool.*/, '');
      },
      // Flux then generates the kustomization from the folder's files
      (f: Record<string, string>) => {
        delete f[`${infra}/kustomization.yaml`];
      },
      // and a kustomization again, that lists only the networking folder
      (f: Record<string, string>) => {
        f[`${infra}/kustomization.yaml`] =
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - networking\n';
      },
      // a pool every cluster applies when Flux lists the folder: it
      // overlaps the first cluster's, which the rules see
      (f: Record<string, string>) => {
        added += 1;
        f[
          `${infra}/extra-${added}.yaml`
        ] = `apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: extra-${added}\nspec:\n  blocks:\n    - start: 10.64.0.${
          added % 16
        }\n      stop: 10.64.0.${added % 16}\n`;
      },
      (f: Record<string, string>) => {
        delete f[`${infra}/networking/cilium/clustermesh/kustomization.yaml`];
      },
      (f: Record<string, string>) => {
        const file = `${infra}/networking/cilium/clustermesh/dnsendpoint.yaml`;
        if (f[file])
          f[file] = f[file].replace(/recordTTL: \d+/, 'recordTTL: 61');
      },
    );
    expectCacheAgrees(meshOf, buildEdits, { numRuns: 25, maxSteps: 5 });
  });

  it('shares nothing between two caches', () => {
    const a = new EngineCache();
    const b = new EngineCache();
    const empty = b.stats();
    validateMesh(createRepoTree(meshOf(['a', 'b'])), withDomain, {
      cache: a,
    });
    expect(b.stats()).toEqual(empty);
    expect(a.stats().parsedFiles).toBeGreaterThan(0);
    const filled = a.stats();
    validateMesh(createRepoTree(meshOf(['c', 'd', 'e'])), withDomain, {
      cache: b,
    });
    expect(a.stats()).toEqual(filled);
    expect(b.stats().parsedFiles).toBeGreaterThan(0);
  });

  it('keeps no more than its limits', () => {
    const cache = new EngineCache({ parsedChars: 4000, kustomizeBuilds: 2 });
    const files = meshOf(['a', 'b', 'c']);
    const report = validateMesh(createRepoTree(files), withDomain, { cache });
    expect(cache.stats().parsedChars).toBeLessThanOrEqual(4000);
    expect(cache.stats().kustomizeBuilds).toBe(2);
    // what it let go is built again, the same
    expect(validateMesh(createRepoTree(files), withDomain, { cache })).toEqual(
      report,
    );
  });
});

function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++)
    h = Math.imul(h ^ text.charCodeAt(i), 2654435761);
  return h;
}

/** Makes a setting of one synthetic cluster a SOPS secret: its value is not known here. */
function secretSetting(
  files: Record<string, string>,
  cluster: string,
  variable: string,
  fileOf: (cluster: string) => string,
  from: RegExp,
) {
  const file = fileOf(cluster);
  const before = files[file];
  files[file] = before.replace(from, `$1\${${variable}}$2`);
  if (files[file] === before) throw new Error(`no ${from} in ${file}`);
  const secrets = `kubernetes/clusters/${cluster}/cluster-secrets.sops.yaml`;
  files[secrets] = files[secrets].replace(
    'stringData:\n',
    `stringData:\n  ${variable}: ENC[AES256_GCM,data:AAAA,type:str]\n`,
  );
}

/** The inputs a generated cluster may take from a secret, and the rules that read each. */
const unknownInputs = {
  lbIp: {
    apply: (files: Record<string, string>, c: string) =>
      secretSetting(
        files,
        c,
        'SECRET_LB_IP',
        n => `kubernetes/clusters/${n}/cluster-settings.yaml`,
        /(CILIUM_CLUSTERMESH_LB_IP: ")[^"]*(")/,
      ),
    rules: [
      'lb-ip-valid',
      'lb-ip-in-pool',
      'lb-ip-unique',
      'dnsendpoint-matches',
    ],
  },
  domain: {
    // the domain is secret with no value given: the default conventions
    apply: () => {},
    rules: ['fqdn-valid'],
  },
  pool: {
    apply: (files: Record<string, string>, c: string) => {
      // the cluster's root Kustomization, which applies its pool, substitutes from its Secret
      const sync = `kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`;
      files[
        sync
      ] = `${files[sync]}  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n`;
      secretSetting(
        files,
        c,
        'SECRET_POOL_START',
        n =>
          `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${n}.yaml`,
        /(start: )\S+()/,
      );
    },
    rules: ['lb-ip-in-pool', 'pools-disjoint'],
  },
} as const;

describe('verdicts on inputs the engine cannot read', () => {
  it('never passes a check one of whose inputs is not known', () => {
    fc.assert(
      fc.property(
        meshNames,
        fc.nat(),
        fc.subarray(['lbIp', 'domain', 'pool'] as const, { minLength: 1 }),
        (names, pick, inputs) => {
          const files = meshOf(names);
          const cluster = names[pick % names.length];
          for (const input of inputs)
            unknownInputs[input].apply(files, cluster);
          const conventions = inputs.includes('domain')
            ? resolveConventions({})
            : withDomain;
          const report = validateMesh(createRepoTree(files), conventions);
          const rulesReadingUnknown = new Set<string>(
            inputs.flatMap(i => unknownInputs[i].rules),
          );
          const checks = [
            ...report.clusters.find(c => c.name === cluster)!.checks,
            ...report.meshChecks,
          ].filter(c => rulesReadingUnknown.has(c.ruleId));
          expect(checks.length).toBeGreaterThan(0);
          expect(
            checks
              .filter(c => c.outcome === 'pass')
              .map(c => `${c.ruleId}: ${c.message}`),
          ).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the size of a report', () => {
  /** The mesh where every cluster makes the same mistake: the FQDN template applied without substitution. */
  function everyClusterWrong(clusters: number): Record<string, string> {
    const files = generateSyntheticMesh({ clusters });
    for (const path of Object.keys(files))
      if (path.endsWith('/vars.yaml'))
        files[path] = files[path].replace(
          / {2}postBuild:\n {4}substituteFrom:\n.*\n.*\n$/,
          '',
        );
    return files;
  }
  const jsonSize = (files: Record<string, string>) =>
    JSON.stringify(validateMesh(createRepoTree(files), withDomain)).length;

  it('grows linearly with the clusters, and one mistake everywhere costs at most twice the green report', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), n => {
        const green = jsonSize(generateSyntheticMesh({ clusters: n }));
        const wrong = jsonSize(everyClusterWrong(n));
        const wrongTwice = jsonSize(everyClusterWrong(2 * n));
        expect(wrong).toBeLessThanOrEqual(2 * green);
        // per cluster, the report of twice the clusters is no larger
        // (a peer list grows with the mesh: allow a little)
        expect(wrongTwice / (2 * n)).toBeLessThanOrEqual((1.25 * wrong) / n);
      }),
      { numRuns: 6 },
    );
  });
});
