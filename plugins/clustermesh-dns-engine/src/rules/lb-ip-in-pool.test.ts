import {
  describeRule,
  exampleChecks,
  exampleFile,
  metalLbOnlyForInfra,
  replace,
  withoutLbIp,
  withSecretKey,
} from '../__testUtils__/rules';
import {
  exampleTree,
  knownDomain,
  repositoryConventions,
  valuesFileMeshFiles,
} from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { planMeshDnsChange } from '../plan/plan';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';
import { lbIpInPool } from './lb-ip-in-pool';

describe('lb-ip-in-pool', () => {
  describeRule(lbIpInPool, {
    edit: replace(
      exampleFile.settings('infra'),
      '"10.25.11.100"',
      '"10.25.11.130"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.settings('infra')}:15`,
      message:
        /LB IP 10.25.11.130 is outside every pool of the cluster: lb-ippool-infra/,
    },
  });

  it("warns where the LB IP is in the cluster's Service CIDR its talhelper configuration gives (samip5's nebula), not from a configuration kept for the record", () => {
    const talconfig = (svc: string) =>
      `clusterName: infra\nclusterPodNets:\n  - 10.244.0.0/16\nclusterSvcNets:\n  - ${svc}\n`;
    const warnings = (files: Record<string, string>) =>
      exampleChecks(f => Object.assign(f, files)).filter(
        r => r.ruleId === 'lb-ip-in-pool' && r.outcome === 'fail',
      );
    const [warning, ...more] = warnings({
      'kubernetes/clusters/infra/talos/talconfig.yaml':
        talconfig('10.25.0.0/16'),
    });
    expect(more).toEqual([]);
    expect(warning).toMatchObject({
      cluster: 'infra',
      severity: 'warning',
      message:
        "LB IP 10.25.11.100 is in the cluster's Service CIDR 10.25.0.0/16 (its talhelper configuration's clusterSvcNets): the API server may give it to a Service as its ClusterIP, and the two would answer at one address",
      location: {
        file: 'kubernetes/clusters/infra/talos/talconfig.yaml',
        line: 4,
      },
    });
    // another Service CIDR, or one in an archive: nothing
    expect(
      warnings({
        'kubernetes/clusters/infra/talos/talconfig.yaml':
          talconfig('10.96.0.0/12'),
      }),
    ).toEqual([]);
    expect(
      warnings({
        '.archive/infra/talos/talconfig.yaml': talconfig('10.25.0.0/16'),
      }),
    ).toEqual([]);
  });

  it("warns where a bootstrap applies the pool as written and its block is a variable Flux substitutes (binaryn3xus' helmfile hook)", () => {
    // each cluster's pool one file of the shared infrastructure, its
    // block from the cluster's settings
    const shared = 'kubernetes/infrastructure/networking/cilium/ipam/pool.yaml';
    const withBootstrap = (cidr: string) =>
      exampleChecks(f => {
        for (const c of ['infra', 'apps']) {
          replace(
            `kubernetes/clusters/${c}/kustomization.yaml`,
            `  - ../../infrastructure/networking/cilium/ipam/lb-ippool-${c}.yaml\n`,
            '',
          )(f);
          replace(
            exampleFile.settings(c),
            '  CLUSTER_NAME:',
            `  LB_POOL_CIDR: 10.25.${
              c === 'infra' ? 11 : 12
            }.96/27\n  CLUSTER_NAME:`,
          )(f);
        }
        f[
          shared
        ] = `apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\nspec:\n  blocks:\n    - cidr: ${cidr}\n`;
        f['kubernetes/infrastructure/networking/cilium/kustomization.yaml'] +=
          '  - ipam/pool.yaml\n';
        f['kubernetes/bootstrap/helmfile.yaml'] = [
          'releases:',
          '  - name: cilium',
          '    chart: cilium/cilium',
          '    hooks:',
          '      - events: [postsync]',
          '        command: kubectl',
          '        args: [apply, --filename, ../infrastructure/networking/cilium/ipam/pool.yaml]',
          '',
        ].join('\n');
      }).filter(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra');
    expect(withBootstrap('"${LB_POOL_CIDR}"')).toEqual([
      expect.objectContaining({ outcome: 'pass' }),
      expect.objectContaining({
        outcome: 'fail',
        severity: 'warning',
        message:
          'kubernetes/bootstrap/helmfile.yaml applies this pool as written to bootstrap a new cluster, where Flux does not substitute: `- cidr: "${LB_POOL_CIDR}"` reaches the cluster as written, no address the pool can hold (the API server may refuse the pool, failing that step), until Flux applies it',
      }),
    ]);
    // written out, the same apply is the pool Flux applies
    expect(withBootstrap('10.25.11.96/27').map(c => c.outcome)).toEqual([
      'pass',
    ]);
  });

  it('names a pool of the repository that holds the address but that Flux applies to no cluster', () => {
    const unapplied =
      'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra-next.yaml';
    const check = (files: Record<string, string>) =>
      exampleChecks(f => {
        replace(
          exampleFile.settings('infra'),
          '"10.25.11.100"',
          '"10.25.11.150"',
        )(f);
        Object.assign(f, files);
      }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra')!;
    const pool = (name: string) =>
      `apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: ${name}\nspec:\n  blocks:\n    - start: 10.25.11.150\n      stop: 10.25.11.159\n`;
    expect(check({ [unapplied]: pool('lb-ippool-infra-next') })).toMatchObject({
      outcome: 'fail',
      message: `LB IP 10.25.11.150 is outside every pool of the cluster (lb-ippool-infra [10.25.11.100-10.25.11.119] at ${exampleFile.pool(
        'infra',
      )}:9); pool lb-ippool-infra-next (${unapplied}:1) holds it, but Flux applies that file to no cluster`,
      remediation: expect.stringMatching(
        /^Have a Flux Kustomization of the cluster apply the pool the message names/,
      ),
    });
    // a pool of that name in a folder no Kustomization of infra builds
    // too (snazy2000's copy: each cluster's own file): infra's is named
    const elsewhere = 'kubernetes/archive/lb-ippool-infra-next.yaml';
    expect(
      check({
        [elsewhere]: pool('lb-ippool-infra-next'),
        [unapplied]: pool('lb-ippool-infra-next'),
      }).message,
    ).toContain(`pool lb-ippool-infra-next (${unapplied}:1) holds it`);
    // its block a variable of the cluster's settings (mihirsamdarshi's
    // `cidr: "${NODE_CIDR}"`): read with the cluster's value
    const byVariable = exampleChecks(f => {
      replace(
        exampleFile.settings('infra'),
        '"10.25.11.100"',
        '"10.25.11.150"',
      )(f);
      replace(
        exampleFile.settings('infra'),
        '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.150"\n',
        '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.150"\n  LB_NEXT_CIDR: "10.25.11.144/28"\n',
      )(f);
      f[unapplied] =
        'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: lb-ippool-infra-next\nspec:\n  blocks:\n    - cidr: "${LB_NEXT_CIDR}"\n';
    }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra')!;
    expect(byVariable.message).toContain(
      `pool lb-ippool-infra-next (${unapplied}:1) holds it, but Flux applies that file to no cluster`,
    );
    // one in a folder only another cluster's Kustomizations build is that
    // cluster's, not infra's to apply (billm's moria pool, for belegost)
    expect(
      check({
        'kubernetes/clusters/apps/unused-pool.yaml': pool('apps-next'),
      }).message,
    ).not.toContain('apps-next');
    // configure names it too, on the address given
    const refused = planMeshDnsChange(
      exampleTree('gitops-repo', f => {
        f[elsewhere] = pool('lb-ippool-infra-next');
        f[unapplied] = pool('lb-ippool-infra-next');
      }),
      { clusters: [{ name: 'infra', ip: '10.25.11.150' }] },
      resolveConventions(knownDomain),
    );
    expect(refused.problems).toContainEqual({
      field: 'clusters[0].ip',
      message: `10.25.11.150 is outside the LB IPAM pools of infra (lb-ippool-infra: 10.25.11.100-10.25.11.119); pool lb-ippool-infra-next (${unapplied}:1) holds it, but Flux applies that file to no cluster`,
      remedy: `Have a Flux Kustomization of infra apply ${unapplied}, or give an address of its own pools' blocks.`,
    });
    // also where the cluster's own pools are all kept for other services
    const forOthers = planMeshDnsChange(
      exampleTree('gitops-repo', f => {
        f[unapplied] = pool('lb-ippool-infra-next');
        const own = exampleFile.pool('infra');
        f[own] = f[own].replace(
          'spec:\n',
          'spec:\n  serviceSelector:\n    matchLabels:\n      io.kubernetes.service.name: traefik\n',
        );
      }),
      { clusters: [{ name: 'infra', ip: '10.25.11.150' }] },
      resolveConventions(knownDomain),
    );
    expect(forOthers.problems).toContainEqual(
      expect.objectContaining({
        field: 'clusters[0].ip',
        message: expect.stringMatching(
          /; pool lb-ippool-infra-next \(.*\) holds it, but Flux applies that file to no cluster$/,
        ),
      }),
    );
    // no such file: as before
    expect(check({}).message).toMatch(
      /^LB IP 10\.25\.11\.150 is outside every pool of the cluster: lb-ippool-infra/,
    );
    // the cluster's only pool commented out of its kustomization (jahanson's
    // l2.yaml): that pool named, by validate and configure alike
    const commentedOut = (f: Record<string, string>) => {
      const listing = 'kubernetes/clusters/infra/kustomization.yaml';
      f[listing] = f[listing].replace(
        '  - ../../infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml',
        '  # - ../../infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml',
      );
    };
    const own = `${exampleFile.pool('infra')}:3`;
    expect(
      exampleChecks(commentedOut).find(
        c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra',
      ),
    ).toMatchObject({
      outcome: 'fail',
      message: `LB IP 10.25.11.100 cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster; pool lb-ippool-infra (${own}) holds it, but Flux applies that file to no cluster`,
      remediation: expect.stringMatching(
        /^Have a Flux Kustomization of the cluster apply the pool the message names/,
      ),
    });
    expect(
      planMeshDnsChange(
        exampleTree('gitops-repo', commentedOut),
        { clusters: [{ name: 'infra', ip: '10.25.11.101' }] },
        resolveConventions(knownDomain),
      ).problems,
    ).toContainEqual({
      field: 'clusters[0].ip',
      message: `infra has no CiliumLoadBalancerIPPool to take 10.25.11.101 from; pool lb-ippool-infra (${own}) holds it, but Flux applies that file to no cluster`,
      remedy: expect.stringMatching(
        new RegExp(
          `^Have a Flux Kustomization of infra apply ${exampleFile
            .pool('infra')
            .replace(/\./g, '\\.')}, or add a CiliumLoadBalancerIPPool block`,
        ),
      ),
    });
  });

  it("locates a block an overlay's JSON 6902 patch sets in the patch, not in the base it replaces", () => {
    const check = exampleChecks(
      replace(
        'kubernetes/clusters/apps/kustomization.yaml',
        '  - ../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\n',
        '  - ../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\npatches:\n  - target:\n      kind: CiliumLoadBalancerIPPool\n      name: lb-ippool-apps\n    patch: |-\n      - op: replace\n        path: /spec/blocks/0/stop\n        value: 10.25.11.140\n',
      ),
    ).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'apps');
    expect(check).toMatchObject({
      outcome: 'pass',
      message:
        'LB IP 10.25.11.120 is in pool "lb-ippool-apps" block 10.25.11.120-10.25.11.140',
      location: {
        file: 'kubernetes/clusters/apps/kustomization.yaml',
        line: 16,
      },
    });
    // an address outside it names the pool where its block is written
    const outside = exampleChecks(f => {
      replace(
        'kubernetes/clusters/apps/kustomization.yaml',
        '  - ../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\n',
        '  - ../../infrastructure/networking/cilium/ipam/l2-announcement.yaml\npatches:\n  - target:\n      kind: CiliumLoadBalancerIPPool\n      name: lb-ippool-apps\n    patch: |-\n      - op: replace\n        path: /spec/blocks/0/start\n        value: 10.25.11.121\n',
      )(f);
    }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'apps');
    expect(outside?.message).toMatch(
      /^LB IP 10\.25\.11\.120 is outside every pool of the cluster: lb-ippool-apps \[10\.25\.11\.121-[0-9.]+\] at kubernetes\/clusters\/apps\/kustomization\.yaml:16$/,
    );
  });

  it("reads the labels the chart puts on the clustermesh-apiserver service from clustermesh.apiserver.service.labels (Cilium 1.17 on) when a pool's serviceSelector asks for them", () => {
    const selecting = replace(
      exampleFile.pool('infra'),
      'spec:\n',
      'spec:\n  serviceSelector:\n    matchLabels:\n      use-cilium-lb: "true"\n',
    );
    const labelled = replace(
      exampleFile.helmRelease,
      '          type: LoadBalancer\n',
      '          type: LoadBalancer\n          labels:\n            use-cilium-lb: "true"\n',
    );
    const outcome = (...edits: ((f: Record<string, string>) => void)[]) =>
      exampleChecks(files => edits.forEach(edit => edit(files))).find(
        c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra',
      );
    expect(outcome(selecting)).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining('does not admit'),
    });
    expect(outcome(selecting, labelled)).toMatchObject({ outcome: 'pass' });
    // a chart before 1.17 leaves the labels off the service
    expect(
      outcome(
        selecting,
        labelled,
        replace(exampleFile.helmRelease, 'version: 1.18.4', 'version: 1.16.9'),
      ),
    ).toMatchObject({ outcome: 'fail' });
  });

  it('fails the first or last address of a CIDR of a pool that reserves them (allowFirstLastIPs: "No"), and passes it where the pool gives it out', () => {
    const cidrPool = (allowFirstLast: string) =>
      replace(
        exampleFile.pool('infra'),
        '  blocks:\n    - start: 10.25.11.100\n      stop: 10.25.11.119\n',
        `${allowFirstLast}  blocks:\n    - cidr: 10.25.11.96/27\n`,
      );
    const outcome = (pool: (f: Record<string, string>) => void, ip: string) =>
      exampleChecks(files => {
        pool(files);
        replace(
          exampleFile.settings('infra'),
          '"10.25.11.100"',
          `"${ip}"`,
        )(files);
      }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra');
    const reserving = cidrPool('  allowFirstLastIPs: "No"\n');
    expect(outcome(reserving, '10.25.11.96')).toMatchObject({
      outcome: 'fail',
      message:
        'LB IP 10.25.11.96 is the first or last address of block 10.25.11.96/27 of pool "lb-ippool-infra", which reserves them (allowFirstLastIPs: "No"): LB IPAM never gives it out',
    });
    expect(outcome(reserving, '10.25.11.127')).toMatchObject({
      outcome: 'fail',
    });
    expect(outcome(reserving, '10.25.11.97')).toMatchObject({
      outcome: 'pass',
    });
    // Yes, or unset: Cilium gives them out too
    expect(outcome(cidrPool(''), '10.25.11.96')).toMatchObject({
      outcome: 'pass',
    });
  });

  it('does not compare an address with the ciphertext of a pool encrypted with SOPS', () => {
    const checks = exampleChecks(files => {
      const pool = exampleFile.pool('infra');
      files[pool] = `${files[pool]
        .replace(
          'start: 10.25.11.100',
          'start: ENC[AES256_GCM,data:YzPj,iv:a,tag:b,type:str]',
        )
        .replace(
          'stop: 10.25.11.119',
          'stop: ENC[AES256_GCM,data:Qm9z,iv:c,tag:d,type:str]',
        )}sops:\n  mac: ENC[AES256_GCM,data:x,type:str]\n  version: 3.9.0\n`;
    });
    expect(
      checks.find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra'),
    ).toMatchObject({
      outcome: 'not-evaluated',
      // ciphertext, not a variable: nothing to give in the conventions
      message:
        'LB IP 10.25.11.100 is in no pool whose blocks are known; the blocks of lb-ippool-infra are encrypted with SOPS (Flux decrypts them): whether the LB IP is in them is not checked here',
    });
  });

  it('does not take a pool for missing when Cilium is installed outside Flux (values in a plain file), whose installer may apply the pools too', () => {
    // east's pool is made by its Terraform, beside Cilium: none in Flux
    const network = 'clusters/east/network/kustomization.yaml';
    const files = valuesFileMeshFiles(f => {
      f[network] = f[network].replace('  - lb-pool.yaml\n', '');
    });
    const tree = createRepoTree(files);
    const conventions = repositoryConventions(files);
    const east = validateMesh(tree, conventions)
      .clusters.find(c => c.name === 'east')!
      .checks.find(c => c.ruleId === 'lb-ip-in-pool');
    expect(east).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'no CiliumLoadBalancerIPPool is among what Flux applies to the cluster, but its Cilium values are a plain values file (conventions cilium.valuesFile: terraform/cilium/values-{cluster}.yaml), so Cilium is installed outside Flux, and the pools installed with it are not seen here: whether one holds LB IP 192.168.10.5 is not checked',
    });
    // configure takes the address: nothing says the pool is missing
    const plan = planMeshDnsChange(
      tree,
      {
        clusters: [
          { name: 'east', ip: '192.168.10.6' },
          { name: 'west', ip: '192.168.20.5' },
        ],
      },
      conventions,
    );
    expect(plan.problems).toEqual([]);
    expect(plan.edits.map(e => e.path)).toContain(
      'terraform/cilium/values-east.yaml',
    );
    // with Cilium applied by Flux, no pool is a failure
    expect(
      exampleChecks(
        replace(
          'kubernetes/clusters/infra/kustomization.yaml',
          '  - ../../infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml\n',
          '',
        ),
      ).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra'),
    ).toMatchObject({ outcome: 'fail' });
  });

  it("fails a cluster that applies no pool at all whatever its LB IP, also one not read or not set (iamryanmacdonald's oci)", () => {
    const withoutPool = replace(
      'kubernetes/clusters/infra/kustomization.yaml',
      '  - ../../infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml\n',
      '',
    );
    const check = (edit: (f: Record<string, string>) => void) =>
      exampleChecks(f => {
        withoutPool(f);
        edit(f);
      }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra');
    expect(
      check(f => {
        withSecretKey('SECRET_LB_IP')(f);
        replace(
          exampleFile.settings('infra'),
          '"10.25.11.100"',
          '"${SECRET_LB_IP}"',
        )(f);
      }),
    ).toMatchObject({
      outcome: 'fail',
      message:
        'no CiliumLoadBalancerIPPool is applied to the cluster, so LB IPAM allocates it no LB IP, whichever it is (its LB IP comes from SECRET_LB_IP, not known here)',
    });
    expect(check(withoutLbIp('infra'))).toMatchObject({
      outcome: 'fail',
      message:
        'no CiliumLoadBalancerIPPool is applied to the cluster, so LB IPAM allocates it no LB IP, whichever it is (CILIUM_CLUSTERMESH_LB_IP is not set)',
    });
    // with its pool, an LB IP not set is only not evaluated
    expect(
      exampleChecks(withoutLbIp('infra')).find(
        c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra',
      )?.outcome,
    ).toBe('not-evaluated');
  });

  it('says that a Kustomization Flux fails may hold the pool it finds missing (its path mistyped)', () => {
    const withPools = (path: string) => (f: Record<string, string>) => {
      const cluster = 'kubernetes/clusters/infra/kustomization.yaml';
      // the pool moved to a folder of the cluster's own, applied by a
      // Kustomization whose path names another cluster's (a template's)
      replace(
        cluster,
        '  - ../../infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml\n',
        '  - pools.yaml\n',
      )(f);
      f['kubernetes/infrastructure/infra/pools/lb-ippool-infra.yaml'] =
        f[
          'kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-infra.yaml'
        ];
      f['kubernetes/clusters/infra/pools.yaml'] = [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: cilium-pools, namespace: flux-system}',
        'spec:',
        '  interval: 10m',
        `  path: ${path}`,
        '  prune: true',
        '  sourceRef: {kind: GitRepository, name: flux-system}',
        '',
      ].join('\n');
    };
    const poolCheck = (path: string) =>
      exampleChecks(withPools(path)).find(
        c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra',
      );
    // the pools' folder under another name: what was meant is held back
    expect(poolCheck('./kubernetes/infrastructure/edge/pools')).toMatchObject({
      outcome: 'fail',
      message:
        'LB IP 10.25.11.100 cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster; but 1 Flux or kustomize error (among the errors) keeps parts of what it applies from being applied (kubernetes/clusters/infra/pools.yaml), and a pool may be among them',
    });
    expect(
      validateMesh(
        exampleTree(
          'gitops-repo',
          withPools('./kubernetes/infrastructure/edge/pools'),
        ),
        resolveConventions(knownDomain),
      ).findings.find(f => f.code === 'flux-error')?.message,
    ).toBe(
      'Kustomization flux-system/cilium-pools reconciles kubernetes/infrastructure/edge/pools, which does not exist in the repository (kubernetes/infrastructure/infra/pools does: is the path mistyped?); Flux fails the Kustomization',
    );
    // a folder in no form in the repository held nothing back, nor one
    // that names the cluster (its folder not made yet): the pool's file is
    // applied by nothing, and said so
    for (const path of ['./kubernetes/nowhere', './kubernetes/infra/pools'])
      expect(poolCheck(path)?.message).toBe(
        'LB IP 10.25.11.100 cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster; pool lb-ippool-infra (kubernetes/infrastructure/infra/pools/lb-ippool-infra.yaml:3) holds it, but Flux applies that file to no cluster',
      );
  });
});

describe('lb-ip-in-pool where MetalLB gives the addresses', () => {
  it("is not evaluated where MetalLB's pools, and no Cilium pool, are applied: MetalLB's pools are not read (VazardAU's copy)", () => {
    const check = exampleChecks(metalLbOnlyForInfra).find(
      c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra',
    );
    expect(check).toMatchObject({
      outcome: 'not-evaluated',
      message:
        "no CiliumLoadBalancerIPPool is applied to the cluster; it applies MetalLB's IPAddressPool metallb-system/lan, and MetalLB gives its LoadBalancer addresses: whether LB IP 10.25.11.100 is in MetalLB's pools is not checked here (MetalLB's pools are not read)",
    });
    // none holding the address: the pool named is one serving kube-system,
    // not one kept for another namespace (waveFrontSet's dns-pool)
    const named = exampleChecks(files => {
      metalLbOnlyForInfra(files);
      const pool = 'kubernetes/infrastructure/networking/metallb/pool.yaml';
      files[
        pool
      ] = `apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: dns-pool\n  namespace: metallb-system\nspec:\n  addresses: [192.168.2.16/32]\n  serviceAllocation:\n    namespaces: [blocky]\n---\n${files[
        pool
      ].replace('10.25.11.0/24', '10.25.12.0/24')}`;
    }).find(c => c.ruleId === 'lb-ip-in-pool' && c.cluster === 'infra');
    expect(named?.message).toContain(
      "it applies MetalLB's IPAddressPool metallb-system/lan,",
    );
  });
});
