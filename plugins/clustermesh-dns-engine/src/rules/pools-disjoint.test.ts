import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { fixtureTree } from '../__testUtils__/trees';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { poolsDisjoint } from './pools-disjoint';

/** An anycast pool both clusters announce, for the DNS servers' services only. */
const anycastPool = (selector: string) => (files: Record<string, string>) => {
  for (const c of ['apps', 'infra'])
    files[exampleFile.pool(c)] += `---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: internal-dns
spec:
  blocks:
    - start: 10.25.99.53
${selector}`;
};

const failures = (edit: Parameters<typeof exampleChecks>[0]) =>
  exampleChecks(edit)
    .filter(c => c.ruleId === 'pools-disjoint' && c.outcome === 'fail')
    .map(c => `${c.cluster}: ${c.message}`);

describe('pools-disjoint', () => {
  describeRule(poolsDisjoint, {
    edit: replace(
      exampleFile.pool('apps'),
      'start: 10.25.11.120',
      'start: 10.25.11.110',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.pool('apps')}:9`,
      message:
        /^pool "lb-ippool-apps" block 10.25.11.110-10.25.11.139 of apps overlaps block .* of pool "lb-ippool-infra" of infra, on the same network.*; both hold 10.25.11.110-10.25.11.119/,
    },
  });

  it("says one pool object applied from two documents with other blocks is two versions of it, not a pool overlapping itself (herobrauni's copy)", () => {
    const dir = 'kubernetes/clusters/apps';
    const withSecondVersion =
      (blocks: string) => (files: Record<string, string>) => {
        files[`${dir}/kustomization.yaml`] += '  - extra.yaml\n';
        files[`${dir}/extra.yaml`] = [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: cluster-apps-extra, namespace: flux-system}',
          'spec:',
          '  interval: 30m',
          `  path: ./${dir}/extra`,
          '  prune: true',
          '  sourceRef: {kind: GitRepository, name: flux-system}',
          '',
        ].join('\n');
        files[`${dir}/extra/pool.yaml`] = [
          'apiVersion: cilium.io/v2alpha1',
          'kind: CiliumLoadBalancerIPPool',
          'metadata:',
          '  name: lb-ippool-apps',
          'spec:',
          '  blocks:',
          `    - ${blocks}`,
          '',
        ].join('\n');
      };
    expect(failures(withSecondVersion('cidr: 10.25.11.0/24'))).toEqual([
      `apps: pool "lb-ippool-apps" is one object of the cluster (pools are cluster-scoped), applied from ${exampleFile.pool(
        'apps',
      )}:3 and ${dir}/extra/pool.yaml:1 with other blocks (10.25.11.120-10.25.11.139; 10.25.11.0/24): each reconcile overwrites the other version, so its blocks are those of the last to run`,
    ]);
    // the same blocks twice: one object, nothing to say
    expect(
      failures(withSecondVersion('{start: 10.25.11.120, stop: 10.25.11.139}')),
    ).toEqual([]);
  });

  it("says one pool document both clusters apply gives out the same addresses, and how to split it (astroterm's copy)", () => {
    const checks = exampleChecks(
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        'lb-ippool-infra.yaml',
        'lb-ippool-apps.yaml',
      ),
    ).filter(c => c.ruleId === 'pools-disjoint' && c.outcome === 'fail');
    const message = `pool "lb-ippool-apps" block 10.25.11.120-10.25.11.139 is one document (at ${exampleFile.pool(
      'apps',
    )}:9) that apps and infra both apply, on the same network (assumed: no pools.networks): both give out 10.25.11.120-10.25.11.139`;
    expect(checks.map(c => [c.cluster, c.message])).toEqual([
      ['apps', message],
      ['infra', message],
    ]);
    expect(checks[0].remediation).toMatch(
      /^Give each cluster its own block of that pool: write the block's start and stop \(or cidr\) as variables/,
    );
  });

  it("does not pass where a cluster's addresses come from MetalLB, whose pools are not compared (cbirkenbeul's k3s beside utility's Cilium pool)", () => {
    const check = (conventions = {}) =>
      exampleChecks(files => {
        files[exampleFile.pool('infra')] =
          'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n  namespace: metallb-system\nspec:\n  addresses: [10.25.11.100-10.25.11.119]\n';
      }, conventions).find(c => c.ruleId === 'pools-disjoint');
    expect(check()).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the Cilium pools of the mesh do not overlap, but MetalLB gives the addresses of infra (IPAddressPool metallb-system/lan), whose pools are not compared with them: an overlap on a shared network is not known here',
    });
    // on networks of their own: nothing to compare
    expect(check({ pools: { networks: [['apps'], ['infra']] } })?.outcome).toBe(
      'pass',
    );
  });

  it('does not pass when no cluster has a pool: nothing was compared', () => {
    const checks = exampleChecks(files => {
      for (const c of ['apps', 'infra']) delete files[exampleFile.pool(c)];
    });
    expect(
      checks
        .filter(c => c.ruleId === 'pools-disjoint')
        .map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'not-applicable',
        'no cluster of the mesh applies a pool with a block: nothing to compare',
      ],
    ]);
  });

  it("does not compare across clusters the pools of clusters whose clustermesh-apiserver service is of a class LB IPAM does not serve (rajsinghtech's tailscale)", () => {
    const overlapping = (files: Record<string, string>) =>
      replace(
        exampleFile.pool('apps'),
        'start: 10.25.11.120',
        'start: 10.25.11.110',
      )(files);
    const tailscale = (files: Record<string, string>) => {
      overlapping(files);
      replace(
        exampleFile.helmRelease,
        '          type: LoadBalancer\n',
        '          type: LoadBalancer\n          loadBalancerClass: tailscale\n',
      )(files);
    };
    expect(failures(tailscale)).toEqual([]);
    expect(
      exampleChecks(tailscale).find(c => c.ruleId === 'pools-disjoint')
        ?.message,
    ).toBe(
      `no two pools of one of the 2 clusters overlap; pool "lb-ippool-apps" of apps, pool "lb-ippool-infra" of infra (their cluster's clustermesh-apiserver service of class tailscale, which LB IPAM does not serve) overlap across clusters, but none can give the clustermesh-apiserver its address, so they are not compared`,
    );
    // a class LB IPAM serves: compared, and both fail
    const l2 = (files: Record<string, string>) => {
      overlapping(files);
      replace(
        exampleFile.helmRelease,
        '          type: LoadBalancer\n',
        '          type: LoadBalancer\n          loadBalancerClass: io.cilium/l2-announcer\n',
      )(files);
    };
    expect(failures(l2)).toHaveLength(2);
  });

  it('does not compare across clusters a pool that cannot give the clustermesh-apiserver its address (anycast DNS)', () => {
    const selected = anycastPool(
      '  serviceSelector:\n    matchLabels:\n      io.kubernetes.service.namespace: internal-dns\n',
    );
    expect(failures(selected)).toEqual([]);
    // the pass says what it did not compare
    expect(
      exampleChecks(selected).find(c => c.ruleId === 'pools-disjoint')?.message,
    ).toBe(
      'the pools of the 2 clusters that may give the clustermesh-apiserver its address do not overlap; pool "internal-dns" of apps, pool "internal-dns" of infra (a serviceSelector admitting other services only) overlap across clusters, but cannot give it its address, so they are not compared',
    );
    // a pool for every service may give it the address: both clusters
    // would announce it, and both fail (neither row is green), with one
    // text for the one cause
    const overlap =
      'pool "internal-dns" block 10.25.99.53 of apps overlaps block 10.25.99.53 of pool "internal-dns" of infra, on the same network (assumed: no pools.networks); both hold 10.25.99.53';
    expect(failures(anycastPool('')).sort()).toEqual([
      `apps: ${overlap}`,
      `infra: ${overlap}`,
    ]);
  });
});

describe('pools-disjoint where blocks come from values not known here', () => {
  const unknownBlocks =
    (...clusters: string[]) =>
    (files: Record<string, string>) => {
      for (const c of clusters)
        files[exampleFile.pool(c)] = files[exampleFile.pool(c)]
          .replace(/start: \S+/, 'start: ENC[AES256_GCM,data:Zm9v,type:str]')
          .replace(/stop: \S+/, 'stop: ENC[AES256_GCM,data:YmFy,type:str]');
    };
  const outcome = (edit: Parameters<typeof exampleChecks>[0]) =>
    exampleChecks(edit).find(c => c.ruleId === 'pools-disjoint')!;

  it('says no block is known where none is, not that the known ones do not overlap', () => {
    expect(outcome(unknownBlocks('apps', 'infra'))).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /^no block of the pools of the 2 clusters is known here: the blocks /,
      ),
    });
  });

  it('says which pools it did not compare beside the known blocks', () => {
    const check = outcome(files => {
      unknownBlocks('apps')(files);
      anycastPool(
        '  serviceSelector:\n    matchLabels:\n      io.kubernetes.service.namespace: internal-dns\n',
      )(files);
    });
    expect(check.message).toMatch(
      /^the known blocks of the 2 clusters do not overlap \(pool "internal-dns" of apps, pool "internal-dns" of infra \(a serviceSelector admitting other services only\) not compared: they cannot give the clustermesh-apiserver its address\), but the blocks /,
    );
  });
});

describe('pools-disjoint on two clusters with the same blocks', () => {
  it("says every overlapping block in each cluster, not only the first of the cluster swept first (ewatkins' copied l2-pool)", () => {
    const blocks =
      '    - cidr: 10.25.12.30/32\n    - cidr: 10.25.12.40/32\n    - start: 10.25.11.100\n      stop: 10.25.11.139\n';
    const messages = failures(f => {
      for (const c of ['apps', 'infra'])
        f[exampleFile.pool(c)] = f[exampleFile.pool(c)].replace(
          / {2}blocks:\n[\s\S]*$/,
          `  blocks:\n${blocks}`,
        );
    });
    for (const c of ['apps', 'infra'])
      expect(messages.filter(m => m.startsWith(`${c}: `))).toHaveLength(3);
  });
});

describe('pools-disjoint on three clusters with one block', () => {
  const overlaps = (networks?: string[][]) => {
    const tree = fixtureTree('shared-default-name');
    const report = validateMesh(
      tree,
      resolveConventions(
        networks ? { pools: { networks } } : {},
        detectConventions(tree),
      ),
    );
    return [...report.meshChecks, ...report.clusters.flatMap(c => c.checks)]
      .filter(c => c.ruleId === 'pools-disjoint' && c.outcome === 'fail')
      .map(c => `${c.cluster}: ${c.message}`);
  };

  it('says each block once, with every block it overlaps, and that the shared network is assumed', () => {
    const at = (c: string) => `kubernetes/clusters/${c}/lb-pool.yaml:7`;
    expect(overlaps().sort()).toEqual([
      // the first block swept fails too, with the blocks found overlapping it
      `alpha: pool "lb-pool" block 10.0.0.0/24 overlaps pool "lb-pool" of beta (10.0.0.0/24, at ${at(
        'beta',
      )}), pool "lb-pool" of gamma (10.0.0.0/24, at ${at(
        'gamma',
      )}), on the same network (assumed: no pools.networks)`,
      'beta: pool "lb-pool" block 10.0.0.0/24 of alpha overlaps block 10.0.0.0/24 of pool "lb-pool" of beta, on the same network (assumed: no pools.networks); both hold 10.0.0.0-10.0.0.255',
      `gamma: pool "lb-pool" block 10.0.0.0/24 overlaps pool "lb-pool" of alpha (10.0.0.0/24, at ${at(
        'alpha',
      )}), pool "lb-pool" of beta (10.0.0.0/24, at ${at(
        'beta',
      )}), on the same network (assumed: no pools.networks)`,
    ]);
  });

  it('compares only clusters the conventions put on one network', () => {
    expect(overlaps([['alpha'], ['beta', 'gamma']]).sort()).toEqual([
      'beta: pool "lb-pool" block 10.0.0.0/24 of beta overlaps block 10.0.0.0/24 of pool "lb-pool" of gamma, on the same network; both hold 10.0.0.0-10.0.0.255',
      'gamma: pool "lb-pool" block 10.0.0.0/24 of beta overlaps block 10.0.0.0/24 of pool "lb-pool" of gamma, on the same network; both hold 10.0.0.0-10.0.0.255',
    ]);
  });

  it('counts only the clusters whose pools it compared', () => {
    const checks = exampleChecks(files => {
      files['kubernetes/clusters/apps/kustomization.yaml'] = files[
        'kubernetes/clusters/apps/kustomization.yaml'
      ].replace(/ {2}- .*lb-ippool-apps\.yaml\n/, '');
    });
    expect(checks.find(c => c.ruleId === 'pools-disjoint')).toMatchObject({
      outcome: 'pass',
      message: 'the pools of the 1 cluster do not overlap',
    });
  });
});
