import type {
  CheckResult,
  MeshReport,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { judgeChange } from './verdict';

/** A report of these clusters' checks only: what judgeChange reads. */
const reportOf = (checks: Record<string, CheckResult[]>): MeshReport =>
  ({
    findings: [],
    meshChecks: [],
    clusters: Object.entries(checks).map(([name, list]) => ({
      name,
      checks: list,
    })),
  } as unknown as MeshReport);

describe('judgeChange', () => {
  // cbirkenbeul's copy: one pool file both clusters apply, overlapping itself
  const overlap = (cluster: string): CheckResult => ({
    ruleId: 'pools-disjoint',
    outcome: 'fail',
    severity: 'error',
    cluster,
    message:
      'pool "pool" block 192.168.10.0/24 of backup overlaps block 192.168.10.0/24 of pool "pool" of main, on the same network',
    location: {
      file: 'kubernetes/apps/kube-system/cilium/config/l2.yaml',
      line: 21,
    },
    remediation: 'Give each cluster a pool block of its own.',
  });

  it('says a check failing alike for several clusters once, naming them', () => {
    const after = reportOf({
      backup: [overlap('backup')],
      main: [overlap('main')],
    });
    const verdict = judgeChange(
      reportOf({ backup: [], main: [] }),
      after,
      new Set(['kubernetes/clusters/main/cluster-settings.yaml']),
      new Set(['backup', 'main']),
    );
    expect(verdict.caused).toEqual([
      {
        field: 'kubernetes/apps/kube-system/cilium/config/l2.yaml:21',
        message: `[pools-disjoint] backup, main: ${overlap('main').message}`,
        remedy: 'Give each cluster a pool block of its own.',
      },
    ]);
  });

  it('says a check failing alike for many objects at one line once, counting them', () => {
    // goochs' copy: a parent's patch gives every child one bad value
    const shape = (cluster: string, name: string): CheckResult => ({
      ruleId: 'manifest-shape',
      outcome: 'fail',
      severity: 'error',
      cluster,
      message: `Kustomization ${name}: spec.postBuild.substitute.CLUSTER_ID must be string, not number`,
      location: { file: 'kubernetes/clusters/away/ks.yaml', line: 23 },
    });
    const names = [
      'default/atuin',
      'default/bazarr',
      'media/plex',
      'media/sonarr',
    ];
    const verdict = judgeChange(
      reportOf({ away: [], home: [] }),
      reportOf({
        away: names.map(n => shape('away', n)),
        home: names.map(n => shape('home', n)),
      }),
      new Set(['kubernetes/apps/kube-system/cilium/ks.yaml']),
      new Set(['away', 'home']),
    );
    expect(verdict.caused.map(p => p.message)).toEqual([
      '[manifest-shape] away, home: Kustomizations default/atuin, default/bazarr, media/plex and 1 more: spec.postBuild.substitute.CLUSTER_ID must be string, not number',
    ]);
  });

  it('keeps the failures of clusters apart where they differ', () => {
    const other = { ...overlap('main'), message: 'another overlap' };
    const verdict = judgeChange(
      reportOf({ backup: [], main: [] }),
      reportOf({ backup: [overlap('backup')], main: [other] }),
      new Set(['kubernetes/clusters/main/cluster-settings.yaml']),
      new Set(['backup', 'main']),
    );
    expect(verdict.caused.map(p => p.message.split(':')[0])).toEqual([
      '[pools-disjoint] backup',
      '[pools-disjoint] main',
    ]);
  });
});
