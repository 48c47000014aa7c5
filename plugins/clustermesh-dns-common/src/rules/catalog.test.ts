import { validateMesh } from '../report';
import {
  defaultConventions,
  MeshConventionsInput,
  resolveConventions,
} from '../model/conventions';
import { exampleTree } from '../__testUtils__/trees';
import { rules } from './catalog';
import type { CheckResult } from './types';

const settingsFile = (c: string) =>
  `kubernetes/clusters/${c}/cluster-settings.yaml`;
const helmRelease =
  'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
const dnsEndpoint =
  'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml';
const pool = (c: string) =>
  `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${c}.yaml`;

type Files = Record<string, string>;
const replace =
  (file: string, from: string | RegExp, to: string) => (files: Files) => {
    const before = files[file];
    files[file] = before.replace(from, to);
    if (files[file] === before)
      throw new Error(`the fixture edit did not apply to ${file}: ${from}`);
  };

interface RuleCase {
  rule: string;
  edit: (files: Files) => void;
  conventions?: MeshConventionsInput;
  /** The failure expected: its cluster (undefined for mesh-wide) and where it points. */
  fails: { cluster: string; at: string; message: RegExp };
}

/**
 * For every rule: the example repository (every rule green) passes it, and
 * one change to it makes the rule fail for the expected cluster, pointing
 * at the expected file and line.
 */
const cases: RuleCase[] = [
  {
    rule: 'settings-present',
    edit: replace(
      settingsFile('infra'),
      '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n',
      '',
    ),
    fails: {
      cluster: 'infra',
      at: `${settingsFile('infra')}:10`,
      message: /CILIUM_CLUSTERMESH_LB_IP is not set/,
    },
  },
  {
    rule: 'fqdn-valid',
    edit: replace(
      settingsFile('apps'),
      'clustermesh-apps.${SECRET_DOMAIN}"\n',
      'clustermesh_apps.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${settingsFile('apps')}:14`,
      message: /has "_" in "clustermesh_apps"/,
    },
  },
  {
    rule: 'fqdn-convention',
    edit: replace(
      settingsFile('infra'),
      '"clustermesh-infra.${SECRET_DOMAIN}"\n',
      '"mesh-infra.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${settingsFile('infra')}:14`,
      message: /does not follow "clustermesh-\{cluster\}/,
    },
  },
  {
    rule: 'cluster-name-valid',
    edit: replace(
      settingsFile('infra'),
      'CLUSTER_NAME: "infra"',
      'CLUSTER_NAME: "Infra_1"',
    ),
    fails: {
      cluster: 'infra',
      at: `${helmRelease}:20`,
      message: /cluster name "Infra_1" has the character "I"/,
    },
  },
  {
    rule: 'lb-ip-valid',
    edit: replace(settingsFile('apps'), '"10.25.11.120"', '"10.25.11.320"'),
    fails: {
      cluster: 'apps',
      at: `${settingsFile('apps')}:15`,
      message: /LB IP "10.25.11.320" has an octet above 255/,
    },
  },
  {
    rule: 'lb-ip-in-pool',
    edit: replace(settingsFile('infra'), '"10.25.11.100"', '"10.25.11.130"'),
    fails: {
      cluster: 'infra',
      at: `${settingsFile('infra')}:15`,
      message:
        /LB IP 10.25.11.130 is outside every pool of the cluster: lb-ippool-infra/,
    },
  },
  {
    rule: 'lb-ip-unique',
    edit: replace(settingsFile('apps'), '"10.25.11.120"', '"10.25.11.100"'),
    fails: {
      cluster: 'apps',
      at: `${settingsFile('apps')}:15`,
      message: /LB IP 10.25.11.100 is also the LB IP of infra/,
    },
  },
  {
    rule: 'fqdn-unique',
    edit: replace(
      settingsFile('apps'),
      '"clustermesh-apps.${SECRET_DOMAIN}"\n',
      '"clustermesh-infra.${SECRET_DOMAIN}"\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${settingsFile('apps')}:14`,
      message: /is also the FQDN of infra/,
    },
  },
  {
    rule: 'pools-disjoint',
    edit: replace(pool('apps'), 'start: 10.25.11.120', 'start: 10.25.11.110'),
    fails: {
      cluster: 'apps',
      at: `${pool('apps')}:9`,
      message:
        /block 10.25.11.110-10.25.11.139 overlaps pool lb-ippool-infra of infra on the same network .* on 10.25.11.110-10.25.11.119/,
    },
  },
  {
    rule: 'peers-complete',
    edit: replace(
      settingsFile('infra'),
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-apps.${SECRET_DOMAIN}"',
      'CILIUM_CLUSTERMESH_APPS_FQDN: "clustermesh-infra.${SECRET_DOMAIN}"',
    ),
    fails: {
      cluster: 'infra',
      at: `${settingsFile('infra')}:16`,
      message:
        /CILIUM_CLUSTERMESH_APPS_FQDN is "clustermesh-infra.<secret:SECRET_DOMAIN>", but apps's FQDN is "clustermesh-apps.<secret:SECRET_DOMAIN>"/,
    },
  },
  {
    rule: 'dnsendpoint-matches',
    edit: replace(
      dnsEndpoint,
      '      recordType: A\n',
      '      recordType: AAAA\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${dnsEndpoint}:11`,
      message: /has recordType "AAAA", not "A" for 10.25.11.100/,
    },
  },
  {
    rule: 'dnsendpoint-included',
    edit: replace(
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
      '  - dnsendpoint.yaml\n',
      '',
    ),
    fails: {
      cluster: 'infra',
      at: `${dnsEndpoint}:1`,
      message:
        /exists but no Flux Kustomization of the cluster applies it: add it to the resources of kubernetes\/infrastructure\/networking\/cilium\/clustermesh\/kustomization.yaml/,
    },
  },
  {
    rule: 'service-annotation',
    edit: replace(
      helmRelease,
      'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
      'lbipam.cilium.io/ips: 10.25.11.101',
    ),
    fails: {
      cluster: 'infra',
      at: `${helmRelease}:32`,
      message:
        /annotation lbipam.cilium.io\/ips is "10.25.11.101", not the LB IP 10.25.11.100/,
    },
  },
  {
    rule: 'peers-by-fqdn',
    edit: replace(
      helmRelease,
      '            address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n',
      '            port: 2379\n            ips: [10.25.11.120]\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${helmRelease}:47`,
      message: /the entry for apps lists ips \["10.25.11.120"\]/,
    },
  },
  {
    rule: 'tls-san',
    edit: replace(
      helmRelease,
      '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
      '              - clustermesh.example.org\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${helmRelease}:36`,
      message:
        /extraDnsNames \["clustermesh.example.org"\]; it must contain "clustermesh-apps.<secret:SECRET_DOMAIN>"/,
    },
  },
  {
    rule: 'substitution-complete',
    edit: replace(
      dnsEndpoint,
      '      recordTTL: 300\n',
      '      recordTTL: ${CLUSTERMESH_TTL}\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${dnsEndpoint}:12`,
      message: /\$\{CLUSTERMESH_TTL\} is not defined and has no default/,
    },
  },
  {
    rule: 'ttl-valid',
    edit: replace(dnsEndpoint, 'recordTTL: 300', 'recordTTL: 30'),
    conventions: { dns: { ttl: 30 } },
    fails: {
      cluster: 'apps',
      at: `${dnsEndpoint}:12`,
      message:
        /has recordTTL 30, outside 1 \(auto\) or 60..86400 for Cloudflare/,
    },
  },
  {
    rule: 'manifest-shape',
    edit: replace(dnsEndpoint, 'recordTTL: 300', 'recordTTL: "300"'),
    fails: {
      cluster: 'infra',
      at: `${dnsEndpoint}:12`,
      message:
        /DNSEndpoint kube-system\/clustermesh-apiserver: spec.endpoints.0.recordTTL must be number, not string/,
    },
  },
];

const checksOf = (
  files?: (f: Files) => void,
  conventions?: MeshConventionsInput,
): CheckResult[] => {
  const report = validateMesh(
    exampleTree('gitops-repo', files),
    conventions ? resolveConventions(conventions) : defaultConventions,
  );
  return [...report.clusters.flatMap(c => c.checks), ...report.meshChecks];
};

const green = checksOf();

describe('rule catalog', () => {
  it('has a case for every rule', () => {
    expect(cases.map(c => c.rule).sort()).toEqual(rules.map(r => r.id).sort());
  });

  it('every rule documents what it checks and how to fix it', () => {
    for (const rule of rules) {
      expect(rule.checks.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(20);
    }
  });

  describe.each(cases)('$rule', ({ rule, edit, conventions, fails }) => {
    it('passes on the example repository', () => {
      const results = green.filter(r => r.ruleId === rule);
      expect(results.length).toBeGreaterThan(0);
      expect(results.filter(r => r.status !== 'pass')).toEqual([]);
    });

    it(`fails for ${fails.cluster} at ${fails.at}`, () => {
      const failures = checksOf(edit, conventions).filter(
        r => r.ruleId === rule && r.status === 'fail',
      );
      const match = failures.find(
        f => f.cluster === fails.cluster && fails.message.test(f.message),
      );
      expect({
        failures: failures.map(f => f.message),
        matched: !!match,
      }).toMatchObject({ matched: true });
      expect(`${match!.location!.file}:${match!.location!.line}`).toBe(
        fails.at,
      );
      expect(match!.message).toContain(`${fails.cluster}: `);
      expect(match!.message).toContain(`(${fails.at})`);
    });
  });
});

describe('clustermesh.config.clusters entries', () => {
  const appsEntry =
    '          - name: apps\n            address: ${CILIUM_CLUSTERMESH_APPS_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n            port: 2379\n';
  const peerFailures = (edit: (files: Files) => void) =>
    checksOf(edit)
      .filter(
        r =>
          r.ruleId === 'peers-by-fqdn' &&
          r.cluster === 'infra' &&
          r.status === 'fail',
      )
      .map(r => r.message);

  it('counts a disabled entry as missing', () => {
    expect(
      peerFailures(
        replace(
          helmRelease,
          appsEntry,
          appsEntry.replace(
            'port: 2379\n',
            'port: 2379\n            enabled: false\n',
          ),
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /clustermesh.config.clusters has no entry for the peer apps/,
      ),
    ]);
  });

  it('does not let a later disabled duplicate hide an enabled entry', () => {
    expect(
      peerFailures(
        replace(
          helmRelease,
          appsEntry,
          `${appsEntry}          - name: apps\n            address: wrong.example.com\n            port: 2379\n            enabled: false\n`,
        ),
      ),
    ).toEqual([]);
  });

  it('reads the map form, entries by name', () => {
    const files = exampleTree('gitops-repo', f => {
      f[helmRelease] = f[helmRelease]
        .replace(
          / {10}- name: infra\n {12}address: (.*)\n {12}port: 2379\n/,
          '          infra:\n            address: $1\n            port: 2379\n',
        )
        .replace(
          appsEntry,
          '          apps:\n            address: wrong.example.com\n            port: 2379\n',
        );
    });
    const failures = validateMesh(files, defaultConventions)
      .clusters.find(c => c.name === 'infra')!
      .checks.filter(r => r.ruleId === 'peers-by-fqdn' && r.status === 'fail');
    expect(failures.map(f => f.message)).toEqual([
      expect.stringMatching(
        /the entry for apps has address "wrong.example.com"/,
      ),
    ]);
  });
});
