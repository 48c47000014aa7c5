import {
  describeRule,
  exampleChecks,
  exampleFile,
  externalDnsCrdsFromGit,
  externalDnsDeployment,
  externalDnsRelease,
  replace,
  withSecretKey,
  sourceKustomization,
  withoutExampleExternalDns,
} from '../__testUtils__/rules';
import { dnsEndpointMatches } from './dnsendpoint-matches';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { exampleTree, knownDomain } from '../__testUtils__/trees';

/** The example's DNSEndpoint without its cloudflare-proxied entry. */
const withoutProxiedKey = replace(
  exampleFile.dnsEndpoint,
  / {6}providerSpecific:\n.*\n.*\n/,
  '',
);

/** Infra's results on the example without its ExternalDNS, after an edit. */
const infraResults = (
  edit?: Parameters<typeof exampleChecks>[0],
  conventions?: Parameters<typeof exampleChecks>[1],
) =>
  exampleChecks(f => {
    withoutExampleExternalDns(f);
    edit?.(f);
  }, conventions).filter(
    c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra',
  );

/** The first of them. */
const infraResult = (
  edit?: Parameters<typeof exampleChecks>[0],
  conventions?: Parameters<typeof exampleChecks>[1],
) => infraResults(edit, conventions)[0];

describe('dnsendpoint-matches', () => {
  describeRule(dnsEndpointMatches, {
    edit: replace(
      exampleFile.dnsEndpoint,
      '      recordType: A\n',
      '      recordType: AAAA\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.dnsEndpoint}:11`,
      message: /has recordType "AAAA", not "A" for 10.25.11.100/,
    },
  });

  it("does not compare the LB IP with a record target not known here (a Secret's value)", () => {
    const result = exampleChecks(files => {
      replace(
        exampleFile.dnsEndpoint,
        '- ${CILIUM_CLUSTERMESH_LB_IP}',
        '- ${SECRET_LB_IP}',
      )(files);
      replace(
        'kubernetes/clusters/infra/cluster-secrets.sops.yaml',
        'stringData:\n',
        'stringData:\n  SECRET_LB_IP: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n',
      )(files);
    }).find(c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra');
    expect(result).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /^DNSEndpoint kube-system\/clustermesh-apiserver endpoint 0 targets \["<secret:SECRET_LB_IP>"\]: SECRET_LB_IP is not known here, so whether the record points at the LB IP "10\.25\.11\.100" cannot be told/,
      ),
    });
  });

  it('does not call a record missing whose dnsName holds a value not known here: not evaluated', () => {
    const checks = exampleChecks(files => {
      withSecretKey('CLUSTERMESH_DNS_NAME')(files);
      replace(
        exampleFile.dnsEndpoint,
        'dnsName: ${CILIUM_CLUSTERMESH_FQDN}',
        'dnsName: ${CLUSTERMESH_DNS_NAME}',
      )(files);
    }).filter(c => c.ruleId === 'dnsendpoint-matches');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'not-evaluated',
        `a DNSEndpoint of the cluster has dnsName "<secret:CLUSTERMESH_DNS_NAME>", which holds \${CLUSTERMESH_DNS_NAME}, not known here: whether it is the FQDN "clustermesh-${c}.example.net" cannot be told`,
      ]),
    );
  });

  it("says a record without recordTTL gets the provider's default, and which TTL to add, never 'undefined'", () => {
    const result = infraResult(
      replace(exampleFile.dnsEndpoint, '      recordTTL: 300\n', ''),
    );
    expect(result).toMatchObject({
      outcome: 'fail',
      message:
        "DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 sets no recordTTL, so the provider's default TTL applies, not the TTL of the conventions (dns.ttl) 300: add recordTTL: 300",
      location: { file: exampleFile.dnsEndpoint, line: 10 },
    });
    expect(
      infraResult(
        replace(exampleFile.dnsEndpoint, 'recordTTL: 300', 'recordTTL: 60'),
      ).message,
    ).toBe(
      'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 has recordTTL 60, not the TTL of the conventions (dns.ttl) 300',
    );
  });

  it('in manual mode, finds a row whose name is written with the variables Flux resolves for the cluster (as configure commits a secret domain)', () => {
    const rows = (name: string) => (files: Record<string, string>) => {
      files['docs/clustermesh-dns-records.md'] = [
        '| Cluster | Name | Type | Value | TTL |',
        '|---|---|---|---|---|',
        `| apps | \`${name}\` | A | 10.25.11.120 | 300 |`,
        '',
      ].join('\n');
    };
    const outcome = (name: string) =>
      exampleChecks(rows(name), { dns: { mode: 'manual' } }).find(
        c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'apps',
      )!;
    expect(
      outcome('clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}'),
    ).toMatchObject({
      outcome: 'pass',
      // the name as the row writes it
      message:
        'the records document lists clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN} → 10.25.11.120',
      location: { file: 'docs/clustermesh-dns-records.md', line: 3 },
    });
    expect(outcome('clustermesh-${CLUSTER_ID}.${SECRET_DOMAIN}').outcome).toBe(
      'fail',
    );
  });

  it('in manual mode, says the row of the name at another address, and where, rather than no row', () => {
    const withRow = (address: string) => (files: Record<string, string>) => {
      files['docs/clustermesh-dns-records.md'] = [
        '| Cluster | Name | Type | Value | TTL |',
        '|---|---|---|---|---|',
        `| apps | \`clustermesh-apps.\${SECRET_DOMAIN}\` | A | ${address} | 300 |`,
        '',
      ].join('\n');
    };
    const outcome = (address: string) =>
      exampleChecks(withRow(address), { dns: { mode: 'manual' } }).find(
        c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'apps',
      )!;
    expect(outcome('10.25.11.121')).toMatchObject({
      outcome: 'fail',
      message:
        'the records document lists clustermesh-apps.${SECRET_DOMAIN} with 10.25.11.121, not the LB IP 10.25.11.120',
      location: { file: 'docs/clustermesh-dns-records.md', line: 3 },
    });
    expect(outcome('10.25.11.120').outcome).toBe('pass');
  });

  describe("in manual mode, records kept in the peers' CoreDNS hosts entries", () => {
    const folder = 'kubernetes/infrastructure/networking/cilium/clustermesh';
    /** A CoreDNS HelmRelease (the coredns chart) beside the record, with a hosts block. */
    const withCoreDns =
      (lines: string[], asConfigMap = false) =>
      (files: Record<string, string>) => {
        files[`${folder}/kustomization.yaml`] += '  - coredns.yaml\n';
        files[`${folder}/coredns.yaml`] = asConfigMap
          ? [
              'apiVersion: v1',
              'kind: ConfigMap',
              'metadata: {name: coredns-custom, namespace: kube-system}',
              'data:',
              '  mesh.server: |',
              '    mesh.example.net:53 {',
              '      hosts {',
              ...lines.map(l => `        ${l}`),
              '        fallthrough',
              '      }',
              '    }',
              '',
            ].join('\n')
          : [
              'apiVersion: helm.toolkit.fluxcd.io/v2',
              'kind: HelmRelease',
              'metadata: {name: coredns, namespace: kube-system}',
              'spec:',
              '  chart: {spec: {chart: coredns, sourceRef: {kind: HelmRepository, name: coredns}}}',
              '  values:',
              '    servers:',
              '      - zones: [{zone: .}]',
              '        plugins:',
              '          - name: errors',
              '          - name: hosts',
              '            configBlock: |-',
              '              # cluster mesh',
              ...lines.map(l => `              ${l}`),
              '              fallthrough',
              '',
            ].join('\n');
      };
    const manual = { dns: { mode: 'manual' as const } };
    const results = (lines: string[], asConfigMap = false) =>
      exampleChecks(withCoreDns(lines, asConfigMap), manual)
        .filter(c => c.ruleId === 'dnsendpoint-matches')
        .map(c => [c.cluster, c.outcome, c.message, c.location]);

    it('passes where every peer answers the FQDN with the LB IP, without a records document', () => {
      expect(
        results([
          '10.25.11.100 clustermesh-infra.example.net',
          '10.25.11.120 clustermesh-apps.example.net # the other one',
        ]),
      ).toEqual([
        [
          'apps',
          'pass',
          `the CoreDNS hosts entries of infra answer "clustermesh-apps.example.net" with 10.25.11.120`,
          { file: `${folder}/coredns.yaml`, line: 15 },
        ],
        [
          'infra',
          'pass',
          `the CoreDNS hosts entries of apps answer "clustermesh-infra.example.net" with 10.25.11.100`,
          { file: `${folder}/coredns.yaml`, line: 14 },
        ],
      ]);
      // a Corefile in a ConfigMap (coredns-custom) the same
      expect(
        results(
          [
            '10.25.11.100 clustermesh-infra.example.net',
            '10.25.11.120 clustermesh-apps.example.net',
          ],
          true,
        ).map(r => [r[1], r[3]]),
      ).toEqual([
        ['pass', { file: `${folder}/coredns.yaml`, line: 9 }],
        ['pass', { file: `${folder}/coredns.yaml`, line: 8 }],
      ]);
    });

    it("shows in each row the TTL the peers' CoreDNS answers with: the block's ttl, else the plugin's 3600", () => {
      const ttls = (lines: string[], asConfigMap = false) =>
        validateMesh(
          exampleTree('gitops-repo', withCoreDns(lines, asConfigMap)),
          resolveConventions({ ...knownDomain, ...manual }),
        ).clusters.map(c => [c.name, c.record?.ttl]);
      const entries = [
        '10.25.11.100 clustermesh-infra.example.net',
        '10.25.11.120 clustermesh-apps.example.net',
      ];
      expect(ttls(entries)).toEqual([
        ['apps', 3600],
        ['infra', 3600],
      ]);
      expect(ttls([...entries, 'ttl 60'], true)).toEqual([
        ['apps', 60],
        ['infra', 60],
      ]);
      // a cluster no peer answers keeps the records' TTL (the records document)
      expect(ttls([entries[0], 'ttl 60'])).toEqual([
        ['apps', 300],
        ['infra', 60],
      ]);
    });

    it("reads k3s's NodeHosts, with the TTL of the Corefile's hosts block that loads it", () => {
      const nodeHosts = (files: Record<string, string>) => {
        files[`${folder}/kustomization.yaml`] += '  - coredns.yaml\n';
        files[`${folder}/coredns.yaml`] = [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: coredns, namespace: kube-system}',
          'data:',
          '  Corefile: |',
          '    .:53 {',
          '      hosts /etc/coredns/NodeHosts {',
          '        ttl 60',
          '        reload 15s',
          '        fallthrough',
          '      }',
          '    }',
          '  NodeHosts: |',
          '    10.25.11.100 clustermesh-infra.example.net',
          '    10.25.11.120 clustermesh-apps.example.net',
          '',
        ].join('\n');
      };
      const report = validateMesh(
        exampleTree('gitops-repo', nodeHosts),
        resolveConventions({ ...knownDomain, ...manual }),
      );
      expect(
        report.clusters.map(c => [
          c.name,
          c.record?.ttl,
          c.checks.find(k => k.ruleId === 'dnsendpoint-matches')?.outcome,
          c.checks.find(k => k.ruleId === 'dnsendpoint-matches')?.location,
        ]),
      ).toEqual([
        ['apps', 60, 'pass', { file: `${folder}/coredns.yaml`, line: 15 }],
        ['infra', 60, 'pass', { file: `${folder}/coredns.yaml`, line: 14 }],
      ]);
    });

    it('fails an entry that answers with another address, at its line', () => {
      expect(
        results([
          '10.25.11.100 clustermesh-infra.example.net',
          '10.25.11.99 clustermesh-apps.example.net',
        ])[0],
      ).toEqual([
        'apps',
        'fail',
        'the CoreDNS hosts entry of infra answers "clustermesh-apps.example.net" with 10.25.11.99, not the LB IP 10.25.11.120: infra would connect to another address',
        { file: `${folder}/coredns.yaml`, line: 15 },
      ]);
    });

    it('still asks for the records document where no hosts entry names the cluster', () => {
      expect(
        results(['10.25.11.100 clustermesh-infra.example.net'])[0],
      ).toEqual([
        'apps',
        'fail',
        'DNS mode is manual, but the records document docs/clustermesh-dns-records.md does not exist',
        { file: 'docs/clustermesh-dns-records.md', line: 1 },
      ]);
    });
  });

  it('fails a missing records document where a part of the cluster is not read: what Flux builds from elsewhere is no file of the repository', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        files['kubernetes/clusters/apps/kustomization.yaml'] +=
          '  - private.yaml\n';
        // lunapageofspace's shape: a Kustomization building a private repository
        files['kubernetes/clusters/apps/private.yaml'] = [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: GitRepository',
          'metadata: {name: private, namespace: flux-system}',
          'spec: {interval: 1h, url: "ssh://git@example.com/acme/private.git", ref: {branch: main}}',
          '---',
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: private, namespace: flux-system}',
          'spec: {interval: 1h, path: ./kubernetes/infrastructure, prune: true, sourceRef: {kind: GitRepository, name: private}}',
          '',
        ].join('\n');
      }),
      resolveConventions({ ...knownDomain, dns: { mode: 'manual' } }),
    );
    expect(
      report.notEvaluated.some(f =>
        f.message.includes('GitRepository private'),
      ),
    ).toBe(true);
    expect(
      report.clusters
        .find(c => c.name === 'apps')!
        .checks.filter(c => c.ruleId === 'dnsendpoint-matches')
        .map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'fail',
        'DNS mode is manual, but the records document docs/clustermesh-dns-records.md does not exist',
      ],
    ]);
  });

  describe('where the repository deploys no ExternalDNS', () => {
    it('says the record it checked is right, and that whether one publishes it is not known: one outcome, not evaluated', () => {
      const results = infraResults();
      expect(results.map(r => r.outcome)).toEqual(['not-evaluated']);
      expect(results[0]).toMatchObject({
        severity: 'info',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 is clustermesh-infra.example.net A 10.25.11.100 TTL 300, DNS only, as it should be, but whether an ExternalDNS publishes it is not known: the repository deploys no ExternalDNS to the cluster nor its DNSEndpoint CRD, so ExternalDNS (with the crd source) must run there another way; without the DNSEndpoint kind, Flux fails Kustomization flux-system/cluster-infra-infrastructure, which applies the record',
        location: { file: exampleFile.dnsEndpoint, line: 10 },
      });
      // the example's own ExternalDNS publishes it: one pass, nothing unknown
      expect(
        exampleChecks()
          .filter(
            c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra',
          )
          .map(c => c.outcome),
      ).toEqual(['pass']);
    });

    it('says what is not read may deploy them, where the cluster applies a part not evaluated', () => {
      const [unknown] = infraResults(f => {
        f['kubernetes/clusters/infra/private.yaml'] = sourceKustomization(
          'https://github.com/example/private',
        );
        f['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - private.yaml\n';
      });
      expect(unknown.message).toMatch(
        /^DNSEndpoint .* as it should be, but whether an ExternalDNS publishes it is not known: the repository deploys no ExternalDNS to the cluster nor its DNSEndpoint CRD among what is read \(one part of what infra applies is not evaluated and may hold them: Kustomization flux-system\/addons builds GitRepository addons/,
      );
    });

    it('says where the cluster applies the DNSEndpoint CRD, which nothing here reads', () => {
      const crds = 'kubernetes/infrastructure/networking/cilium/clustermesh';
      const [unknown] = infraResults(f => {
        f[`${crds}/kustomization.yaml`] += '  - crd.yaml\n';
        f[`${crds}/crd.yaml`] =
          'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: dnsendpoints.externaldns.k8s.io\nspec:\n  group: externaldns.k8s.io\n  names: {kind: DNSEndpoint, plural: dnsendpoints}\n  scope: Namespaced\n  versions: []\n';
      });
      expect(unknown.message).toContain(
        `the repository deploys no ExternalDNS to the cluster (the DNSEndpoint CRD is applied, ${crds}/crd.yaml:1, but nothing here reads it)`,
      );
    });
  });

  describe('DNS only on Cloudflare', () => {
    it('passes a record without the key when ExternalDNS runs without --cloudflare-proxied', () => {
      expect(
        infraResult(withoutProxiedKey, { dns: { proxiedByDefault: false } }),
      ).toMatchObject({
        // the record checked; no ExternalDNS of the repository publishes it
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /^DNSEndpoint kube-system\/clustermesh-apiserver endpoint 0 is clustermesh-infra\.example\.net A 10\.25\.11\.100 TTL 300, DNS only \(no external-dns\.alpha\.kubernetes\.io\/cloudflare-proxied, and ExternalDNS runs without --cloudflare-proxied\), as it should be, but /,
        ),
      });
    });

    it('fails a record without the key when ExternalDNS proxies by default', () => {
      expect(
        infraResult(withoutProxiedKey, { dns: { proxiedByDefault: true } }),
      ).toMatchObject({
        outcome: 'fail',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 is proxied: it has no providerSpecific external-dns.alpha.kubernetes.io/cloudflare-proxied "false", and ExternalDNS runs with --cloudflare-proxied',
      });
    });

    it("asks no Cloudflare key of a record that the cluster's other ExternalDNS publishes (its domain filter takes the name, Cloudflare's does not)", () => {
      const folder = 'kubernetes/infrastructure/networking/cilium/clustermesh';
      const twoZones = (f: Record<string, string>) => {
        withoutProxiedKey(f);
        f[`${folder}/kustomization.yaml`] +=
          '  - external-dns.yaml\n  - external-dns-internal.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsRelease('cloudflare', [
          'sources: [crd]',
          'domainFilters: [example.org]',
          'extraArgs: [--cloudflare-proxied]',
        ]);
        f[`${folder}/external-dns-internal.yaml`] = externalDnsRelease(
          'webhook',
          ['sources: [crd]', 'domainFilters: [example.net]'],
        ).replace('name: external-dns,', 'name: external-dns-internal,');
      };
      expect(infraResult(twoZones)).toMatchObject({ outcome: 'pass' });
    });

    it('does not evaluate a record without the key when no ExternalDNS deployment says', () => {
      expect(infraResult(withoutProxiedKey)).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'has no providerSpecific external-dns.alpha.kubernetes.io/cloudflare-proxied, and no Cloudflare ExternalDNS deployment was found',
        ),
      });
    });

    it('says when the key has the prefix the deployed ExternalDNS does not read', () => {
      const result = infraResult(undefined, {
        dns: {
          externalDnsAnnotationPrefix: 'external-dns.kubernetes.io/',
          proxiedByDefault: true,
        },
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message:
          'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 is proxied: it has no providerSpecific external-dns.kubernetes.io/cloudflare-proxied "false" ("external-dns.alpha.kubernetes.io/cloudflare-proxied" is not read: this ExternalDNS reads external-dns.kubernetes.io/ keys), and ExternalDNS runs with --cloudflare-proxied',
      });
    });
  });

  it('says to edit the DNSEndpoint where it is, not where the conventions keep one', () => {
    const folder = 'kubernetes/infrastructure/networking/cilium/clustermesh';
    const result = infraResult(f => {
      f[`${folder}/records.yaml`] = f[exampleFile.dnsEndpoint].replace(
        '      recordType: A\n',
        '      recordType: AAAA\n',
      );
      delete f[exampleFile.dnsEndpoint];
      f[`${folder}/kustomization.yaml`] = f[
        `${folder}/kustomization.yaml`
      ].replace('dnsendpoint.yaml', 'records.yaml');
    });
    expect(result).toMatchObject({ outcome: 'fail' });
    expect(result.remediation).toMatch(
      new RegExp(`^Edit the DNSEndpoint in \`${folder}/records.yaml\``),
    );
  });

  it("fails another member's name in the cluster's DNSEndpoint that the member publishes itself, and warns where the targets are the same", () => {
    const copied = (target: string) => (f: Record<string, string>) => {
      f[exampleFile.dnsEndpoint] += [
        '    - dnsName: clustermesh-apps.example.net',
        '      recordType: A',
        '      recordTTL: 300',
        `      targets: ["${target}"]`,
        '',
      ].join('\n');
    };
    const infraCheck = (target: string) =>
      exampleChecks(copied(target)).filter(
        c =>
          c.ruleId === 'dnsendpoint-matches' &&
          c.cluster === 'infra' &&
          c.message.includes('the FQDN of apps'),
      );
    expect(infraCheck('10.25.11.99')).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(
          /^DNSEndpoint kube-system\/clustermesh-apiserver endpoint 1 publishes "clustermesh-apps\.example\.net", the FQDN of apps, whose own DNSEndpoint publishes it too \(.*\), with targets \["10\.25\.11\.99"\] here and \["10\.25\.11\.120"\] there: two clusters' ExternalDNS take one name$/,
        ),
        remediation: expect.stringMatching(
          /^Give the entry this cluster.s own FQDN/,
        ),
      }),
    ]);
    expect(infraCheck('10.25.11.120')).toEqual([
      expect.objectContaining({ outcome: 'fail', severity: 'warning' }),
    ]);
    // the copy's own address not set right yet: its record of the other
    // member still fails (NNMavy's copied lab), the rest is not compared
    const unsetOwn = exampleChecks(f => {
      copied('10.25.11.99')(f);
      f[exampleFile.settings('infra')] = f[
        exampleFile.settings('infra')
      ].replace('"10.25.11.100"', '"to-be-given"');
    }).filter(c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra');
    expect(unsetOwn.map(c => [c.outcome, c.message])).toEqual([
      ['fail', expect.stringContaining('the FQDN of apps')],
    ]);
    // without that record: what is missing is said
    expect(
      exampleChecks(f => {
        f[exampleFile.settings('infra')] = f[
          exampleFile.settings('infra')
        ].replace('"10.25.11.100"', '"to-be-given"');
      })
        .filter(
          c => c.ruleId === 'dnsendpoint-matches' && c.cluster === 'infra',
        )
        .map(c => [c.outcome, c.message]),
    ).toEqual([['not-evaluated', 'its LB IP is missing or invalid']]);
  });

  describe('published by the cluster’s ExternalDNS', () => {
    const folder = 'kubernetes/infrastructure/networking/cilium/clustermesh';
    /** The example with an ExternalDNS HelmRelease beside its DNSEndpoint. */
    const withExternalDns =
      (values: string[], at = folder) =>
      (f: Record<string, string>) => {
        f[`${at}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${at}/external-dns.yaml`] = externalDnsRelease('cloudflare', values);
      };
    const endpoint = 'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0';

    it('passes when one reads the crd source and its domain filter takes the name', () => {
      expect(
        infraResult(
          withExternalDns([
            'sources: [crd, service]',
            'domainFilters: [example.net]',
          ]),
        ),
      ).toMatchObject({ outcome: 'pass' });
    });

    it('is not evaluated where the ExternalDNS that publishes it brings no DNSEndpoint CRD (a chart before 1.14.4, install.crds Skip) and no file applies one', () => {
      const sources = ['sources: [crd]', 'domainFilters: [example.net]'];
      const oldChart = (f: Record<string, string>) => {
        withExternalDns(sources)(f);
        f[`${folder}/external-dns.yaml`] = f[
          `${folder}/external-dns.yaml`
        ].replace('version: 1.19.0', 'version: 1.12.1');
      };
      expect(infraResults(oldChart)).toEqual([
        expect.objectContaining({
          outcome: 'not-evaluated',
          message: `${endpoint} is clustermesh-infra.example.net A 10.25.11.100 TTL 300, DNS only, as it should be, but whether the kind DNSEndpoint is known to the cluster is not known: HelmRelease network/external-dns: chart external-dns 1.12.1 has no DNSEndpoint CRD (the chart ships it from 1.14.4), and no file of the repository applies the CRD to the cluster; installed another way, it is, else Flux fails Kustomization flux-system/cluster-infra-infrastructure, which applies the record`,
        }),
      ]);
      // another DNSEndpoint applied already needs the CRD as much: said
      const tunnel = infraResults(f => {
        oldChart(f);
        f[`${folder}/kustomization.yaml`] += '  - tunnel.yaml\n';
        f[`${folder}/tunnel.yaml`] =
          'apiVersion: externaldns.k8s.io/v1alpha1\nkind: DNSEndpoint\nmetadata: {name: tunnel, namespace: network}\nspec:\n  endpoints:\n    - {dnsName: tunnel.example.net, recordType: CNAME, targets: [x.cfargotunnel.com]}\n';
      });
      expect(tunnel[0]?.message).toMatch(
        new RegExp(
          `; the cluster applies DNSEndpoint network/tunnel too \\(${folder}/tunnel\\.yaml:1\\), which needs the CRD as well: where that one is applied now, the CRD is there, and a new cluster needs it installed the same way$`,
        ),
      );
      // the CRDs of another GitRepository, which is not read, may hold it
      const crdRepository = infraResults(f => {
        oldChart(f);
        f[`${folder}/kustomization.yaml`] += '  - external-dns-crd.yaml\n';
        f[`${folder}/external-dns-crd.yaml`] = externalDnsCrdsFromGit;
      });
      expect(crdRepository[0]?.message).toMatch(
        /and no file of the repository applies the CRD to the cluster among what is read \(one part with CRDs is not evaluated and may apply it: .*external-dns-crd\.yaml:\d+ Kustomization flux-system\/external-dns-crds builds GitRepository external-dns-crd/,
      );
      const skipped = infraResults(f => {
        withExternalDns(sources)(f);
        f[`${folder}/external-dns.yaml`] = f[
          `${folder}/external-dns.yaml`
        ].replace('  values:\n', '  install: {crds: Skip}\n  values:\n');
      });
      expect(skipped[0]?.message).toMatch(
        /HelmRelease network\/external-dns: its HelmRelease skips the chart's CRDs \(install\.crds: Skip\)/,
      );
      // Bitnami's chart of the same name: only with crd.create
      const bitnami = (extra: string[]) => (f: Record<string, string>) => {
        withExternalDns([...sources, ...extra])(f);
        f[`${folder}/external-dns.yaml`] = f[
          `${folder}/external-dns.yaml`
        ].replace('version: 1.19.0', 'version: 8.8.4');
      };
      expect(infraResults(bitnami([]))[0]?.message).toMatch(
        /HelmRelease network\/external-dns: chart external-dns 8\.8\.4 \(Bitnami's\) installs the DNSEndpoint CRD only with crd\.create: true in its values, and no file of the repository applies the CRD/,
      );
      expect(infraResults(bitnami(['crd: {create: true}']))).toEqual([
        expect.objectContaining({ outcome: 'pass' }),
      ]);
      // the image run by another chart (app-template): no CRD either
      const appTemplateWith =
        (domainFilter: string) => (f: Record<string, string>) => {
          f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
          f[`${folder}/external-dns.yaml`] = [
            'apiVersion: helm.toolkit.fluxcd.io/v2',
            'kind: HelmRelease',
            'metadata: {name: external-dns, namespace: network}',
            'spec:',
            '  chartRef: {kind: OCIRepository, name: app-template}',
            '  values:',
            '    controllers:',
            '      external-dns:',
            '        containers:',
            '          app:',
            '            image: {repository: registry.k8s.io/external-dns/external-dns, tag: v0.19.0}',
            `            args: [--provider=cloudflare, --source=crd, --domain-filter=${domainFilter}, --policy=upsert-only]`,
            '',
          ].join('\n');
        };
      const appTemplate = infraResults(appTemplateWith('example.net'));
      expect(appTemplate[0]).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'HelmRelease network/external-dns: chart app-template runs the ExternalDNS image, which installs no DNSEndpoint CRD (the external-dns chart ships it)',
        ),
      });
      // a domain filter not known here does not hide the missing CRD
      expect(infraResults(appTemplateWith('$(ZONE)'))[0]?.message).toMatch(
        /is not known here; besides, no file of the repository applies the DNSEndpoint CRD \(HelmRelease network\/external-dns: chart app-template runs the ExternalDNS image/,
      );
      // with the CRD applied by the repository, it is known
      expect(
        infraResults(f => {
          oldChart(f);
          f[`${folder}/kustomization.yaml`] += '  - dnsendpoint-crd.yaml\n';
          f[`${folder}/dnsendpoint-crd.yaml`] =
            'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: dnsendpoints.externaldns.k8s.io\nspec:\n  group: externaldns.k8s.io\n  names: {kind: DNSEndpoint, plural: dnsendpoints}\n  scope: Namespaced\n  versions: []\n';
        }),
      ).toEqual([expect.objectContaining({ outcome: 'pass' })]);
    });

    it("reads a plain Deployment of an image without a tag (the registry's latest)", () => {
      const result = infraResult(f => {
        f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsDeployment(
          'registry.k8s.io/external-dns/external-dns',
          '[--source=service, --source=ingress, --provider=cloudflare]',
        );
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: Deployment network/external-dns (${folder}/external-dns.yaml:1) reads sources service, ingress, not crd: it reads no DNSEndpoint`,
      });
    });

    it('names the patch that sets the sources of a Deployment built from a base', () => {
      const result = infraResult(f => {
        f[`${folder}/kustomization.yaml`] +=
          '  - external-dns.yaml\npatches:\n  - path: external-dns-args.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsDeployment(
          'registry.k8s.io/external-dns/external-dns:v0.15.0',
        );
        f[`${folder}/external-dns-args.yaml`] = [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: external-dns, namespace: network}',
          'spec:',
          '  template:',
          '    spec:',
          '      containers:',
          '        - name: external-dns',
          '          args: [--source=service, --provider=cloudflare]',
          '',
        ].join('\n');
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: Deployment network/external-dns (${folder}/external-dns.yaml:1) reads sources service (${folder}/external-dns-args.yaml:9), not crd: it reads no DNSEndpoint`,
      });
    });

    it("fails when it runs the chart's default sources, which read no DNSEndpoint", () => {
      expect(infraResult(withExternalDns([]))).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: HelmRelease network/external-dns (kubernetes/infrastructure/networking/cilium/clustermesh/external-dns.yaml:1) runs the chart's default sources (service, ingress), not crd: it reads no DNSEndpoint`,
        // what to change there, or the way without ExternalDNS
        remediation: expect.stringMatching(
          /^Have an ExternalDNS of the cluster publish it, as the message says: where none reads the `crd` source, add `crd` to the sources of one .*`clustermesh-dns configure --mode manual` writes the records document\)\.$/,
        ),
      });
    });

    it('takes an empty domain filter (a variable Flux left empty) for none, as ExternalDNS does', () => {
      expect(
        infraResult(
          withExternalDns(['sources: [crd]', 'domainFilters: [null, ""]']),
        ),
      ).toMatchObject({ outcome: 'pass' });
    });

    it("fails when ExternalDNS puts its --default-targets in place of the record's (before v0.18, or forced), not from v0.18 on", () => {
      const defaults = [
        'sources: [crd]',
        'extraArgs: [--default-targets=cloud.example.net]',
      ];
      const chart =
        (version: string, values: string[]) => (f: Record<string, string>) => {
          withExternalDns(values)(f);
          f[`${folder}/external-dns.yaml`] = f[
            `${folder}/external-dns.yaml`
          ].replace('version: 1.19.0', `version: ${version}`);
        };
      expect(infraResult(chart('1.16.0', defaults))).toMatchObject({
        outcome: 'fail',
        message: `HelmRelease network/external-dns (${folder}/external-dns.yaml:1) runs with --default-targets=cloud.example.net, which it puts in place of the targets of ${endpoint} (ExternalDNS v0.16 is before v0.18): the record would not point at the LB IP`,
        remediation: expect.stringMatching(/^Take `--default-targets` off/),
      });
      expect(infraResult(chart('1.19.0', defaults))).toMatchObject({
        outcome: 'pass',
      });
      expect(
        infraResult(
          chart('1.19.0', [
            'sources: [crd]',
            'extraArgs: [--default-targets=cloud.example.net, --force-default-targets]',
          ]),
        ),
      ).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining(
          `in place of the targets of ${endpoint} (it runs with --force-default-targets): the record`,
        ),
      });
    });

    it("fails when its domain filter leaves the name out, and sends the owner to the name or the filter, not the sources (bbangert's copy)", () => {
      expect(
        infraResult(
          withExternalDns(['sources: [crd]', 'domainFilters: [example.org]']),
        ),
      ).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: HelmRelease network/external-dns (kubernetes/infrastructure/networking/cilium/clustermesh/external-dns.yaml:1) publishes only names in example.org (domain filter), not clustermesh-infra.example.net`,
        remediation: expect.stringMatching(
          /^Give the cluster an FQDN in a domain its ExternalDNS publishes \(the FQDN template: .*add the FQDN's domain to that ExternalDNS's domain filters/,
        ),
      });
    });

    it("fails when the RFC2136 provider's zones leave the name out (Bitnami's rfc2136.zones, --rfc2136-zone)", () => {
      const rfc2136 = (values: string[]) => (f: Record<string, string>) => {
        f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsRelease('rfc2136', [
          'sources: [crd]',
          ...values,
        ]);
      };
      for (const values of [
        ['rfc2136: {zones: [k8s.example.org, apps.example.org]}'],
        ['extraArgs: [--rfc2136-zone=k8s.example.org]'],
      ])
        expect(infraResult(rfc2136(values))).toMatchObject({
          outcome: 'fail',
          message: expect.stringMatching(
            /updates only names in its RFC2136 zones \(k8s\.example\.org(, apps\.example\.org)?\), not clustermesh-infra\.example\.net$/,
          ),
        });
      expect(
        infraResult(rfc2136(['rfc2136: {zone: example.net}'])),
      ).toMatchObject({ outcome: 'pass' });
      // a zone the container's env fills ($(VAR), from a Secret): not known
      expect(
        infraResult(rfc2136(['extraArgs: [--rfc2136-zone=$(RFC2136_ZONE)]'])),
      ).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'is in the RFC2136 zones of HelmRelease network/external-dns',
        ),
      });
    });

    it('fails when its annotation filter takes only annotated objects the DNSEndpoint is not', () => {
      expect(
        infraResult(
          withExternalDns([
            'sources: [crd]',
            'extraArgs: [--annotation-filter=external-dns.alpha.kubernetes.io/hostname]',
          ]),
        ),
      ).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: HelmRelease network/external-dns (kubernetes/infrastructure/networking/cilium/clustermesh/external-dns.yaml:1) takes only objects whose annotations match external-dns.alpha.kubernetes.io/hostname (--annotation-filter), and the DNSEndpoint's do not`,
      });
    });

    it('fails when the repository deploys ExternalDNS to other clusters, not to this one', () => {
      // ExternalDNS in apps' own folder only
      const onlyApps = withExternalDns(
        ['sources: [crd]'],
        'kubernetes/clusters/apps',
      );
      expect(infraResult(onlyApps)).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: the repository deploys ExternalDNS to apps, not to this cluster (and the DNSEndpoint CRD comes with it: without one, Flux fails the Kustomization that applies it)`,
      });
    });

    it("fails a cluster without ExternalDNS beside one with it, not asking about a Cloudflare key its record lacks (a Pi-hole cluster's shared DNSEndpoint)", () => {
      const result = infraResult(f => {
        withExternalDns(['sources: [crd]'], 'kubernetes/clusters/apps')(f);
        f['kubernetes/clusters/apps/external-dns.yaml'] = externalDnsRelease(
          'pihole',
          ['sources: [crd]'],
        );
        replace(
          exampleFile.dnsEndpoint,
          /\n {6}providerSpecific:\n.*\n.*/,
          '',
        )(f);
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^no ExternalDNS of the cluster publishes .*: the repository deploys ExternalDNS to apps, not to this cluster/,
        ),
      });
    });

    it('reads the values it takes from a ConfigMap the cluster generates (valuesFrom)', () => {
      const result = infraResult(f => {
        withExternalDns([])(f);
        f[`${folder}/external-dns.yaml`] = f[
          `${folder}/external-dns.yaml`
        ].replace(
          '  values:\n',
          '  valuesFrom: [{kind: ConfigMap, name: external-dns-values}]\n  values:\n',
        );
        f[`${folder}/kustomization.yaml`] +=
          'configMapGenerator:\n  - name: external-dns-values\n    namespace: network\n    files: [values.yaml=external-dns-values.yaml]\ngeneratorOptions: {disableNameSuffixHash: true}\n';
        f[`${folder}/external-dns-values.yaml`] = 'sources: [service]\n';
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^no ExternalDNS of the cluster publishes .*: HelmRelease network\/external-dns \(.*\) reads sources service, not crd/,
        ),
      });
    });

    it('does not judge what values it does not read', () => {
      expect(
        infraResult(f => {
          withExternalDns([])(f);
          f[`${folder}/external-dns.yaml`] = f[
            `${folder}/external-dns.yaml`
          ].replace(
            '  values:\n',
            '  valuesFrom: [{kind: Secret, name: external-dns-values}]\n  values:\n',
          );
        }),
      ).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringContaining(
          'from values not read here (valuesFrom)',
        ),
      });
    });

    it("does not take an owner id left as written (`${CLUSTER_NAME}` nothing substitutes there) for one owner of both clusters (martinbjeldbak's copy)", () => {
      expect(
        infraResult(
          withExternalDns([
            'sources: [crd]',
            'policy: sync',
            'txtOwnerId: ${EXTERNAL_DNS_OWNER}',
          ]),
        ),
      ).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps\) may also manage "clustermesh-infra\.example\.net" with --policy=sync and the TXT owner id "\$\{EXTERNAL_DNS_OWNER\}"/,
        ),
      });
    });

    it("fails a record that another cluster's ExternalDNS keeps in sync with no ownership records (--registry=noop, a Pi-hole's), whatever its owner id (blthazr's copy)", () => {
      const ownIds = [
        'sources: [crd]',
        'policy: sync',
        'txtOwnerId: ${CLUSTER_NAME}',
      ];
      // each its own owner id: the other's records are left alone
      expect(infraResult(withExternalDns(ownIds)).outcome).toBe('pass');
      // no registry: each takes every record of its domain for its own
      expect(
        infraResult(withExternalDns([...ownIds, 'registry: noop'])),
      ).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining(
          'with --policy=sync and no ownership records (--registry=noop) of HelmRelease network/external-dns',
        ),
        remediation: expect.stringContaining('With `--registry=noop`'),
      });
    });

    it("fails a record that another cluster's ExternalDNS keeps in sync under the same TXT owner id", () => {
      // one HelmRelease in every cluster: apps' ExternalDNS owns infra's record too
      // the same prefix everywhere keeps one registry
      expect(
        infraResult(
          withExternalDns([
            'sources: [crd]',
            'policy: sync',
            'txtPrefix: k8s.',
          ]),
        ).outcome,
      ).toBe('fail');
      expect(
        infraResult(withExternalDns(['sources: [crd]', 'policy: sync'])),
      ).toMatchObject({
        outcome: 'fail',
        // the domain is one --value for both, each cluster's SOPS text of
        // it as long but encrypted apart: the verdict says it rests on that
        message:
          'HelmRelease network/external-dns (apps) also manages "clustermesh-infra.example.net" with --policy=sync and the TXT owner id "default" of HelmRelease network/external-dns: taking the record for its own, with no DNSEndpoint for it, it deletes it on every sync, if SECRET_DOMAIN, given to this run for every cluster alike, is the same in its own Secret (its SOPS text is as long, encrypted apart)',
        // and which to keep: the records live under the existing one's
        // (the-homelab-00's copy)
        remediation: expect.stringMatching(
          /^Give each cluster's ExternalDNS its own TXT owner id.*; keep the owner id of the cluster whose records the zone already holds/,
        ),
      });
      // one SOPS text copied into both: one value, said without the hedge
      const copied = infraResult(f => {
        withExternalDns(['sources: [crd]', 'policy: sync'])(f);
        replace(
          'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
          /SECRET_DOMAIN: ENC\[[^\]]*\]/,
          f['kubernetes/clusters/infra/cluster-secrets.sops.yaml'].match(
            /SECRET_DOMAIN: ENC\[[^\]]*\]/,
          )![0],
        )(f);
      });
      expect(copied).toMatchObject({
        outcome: 'fail',
        message:
          'HelmRelease network/external-dns (apps) also manages "clustermesh-infra.example.net" with --policy=sync and the TXT owner id "default" of HelmRelease network/external-dns: taking the record for its own, with no DNSEndpoint for it, it deletes it on every sync',
      });
    });

    it('says of two values not known here, read from one source in both clusters, that each is one value (tscibilia)', () => {
      const domains = 'domainFilters: ["${SECRET_DOMAIN}", "${OTHER_DOMAIN}"]';
      const deleted = infraResult(
        f => {
          withExternalDns(['sources: [crd]', 'policy: sync', domains])(f);
          // both clusters' Secrets of the same SOPS texts, not known here
          const [domain] = f[
            'kubernetes/clusters/infra/cluster-secrets.sops.yaml'
          ].match(/SECRET_DOMAIN: ENC\[[^\]]*\]/)!;
          for (const c of ['infra', 'apps'])
            f[`kubernetes/clusters/${c}/cluster-secrets.sops.yaml`] = f[
              `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`
            ].replace(
              /SECRET_DOMAIN: ENC\[[^\]]*\]/,
              `${domain}\n  OTHER_DOMAIN: ENC[AES256_GCM,data:b3RoZXIuZXhhbXBsZQ==,iv:Yx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd9Ss8Aa7Qq6=,tag:Qp0Oo9Ii8Uu7Yy6Tt5Rr4Ee==,type:str]`,
            );
          // (the domain not given to this run)
        },
        { values: {} },
      );
      expect(deleted?.message).toMatch(
        /it deletes it on every sync \(SECRET_DOMAIN, OTHER_DOMAIN, not known here, are each one value in both clusters: /,
      );
      // each cluster's own SOPS texts: whether they are the same is asked
      const maybe = infraResult(
        f => {
          withExternalDns(['sources: [crd]', 'policy: sync', domains])(f);
          for (const c of ['infra', 'apps'])
            f[`kubernetes/clusters/${c}/cluster-secrets.sops.yaml`] = f[
              `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`
            ].replace(
              /(SECRET_DOMAIN: ENC\[[^\]]*\])/,
              `$1\n  OTHER_DOMAIN: ENC[AES256_GCM,data:${c},iv:Yx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd9Ss8Aa7Qq6=,tag:Qp0Oo9Ii8Uu7Yy6Tt5Rr4Ee==,type:str]`,
            );
        },
        { values: {} },
      );
      expect(maybe?.message).toMatch(
        /: if SECRET_DOMAIN, OTHER_DOMAIN, not known here, are the same there, it deletes the record on every sync \(give them in the conventions' values to check\)$/,
      );
    });

    it('fails a record that the ExternalDNS of a cluster outside the mesh keeps in sync under the same TXT owner id: it deletes it all the same', () => {
      expect(
        infraResult(withExternalDns(['sources: [crd]', 'policy: sync']), {
          mesh: { exclude: ['apps'] },
        }),
      ).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps, outside the mesh\) also manages "clustermesh-infra\.example\.net" with --policy=sync and the TXT owner id "default" /,
        ),
      });
    });

    it("fails a record that another cluster's second ExternalDNS (a router's) keeps in sync under its owner id, though the first ones own theirs apart", () => {
      const result = infraResult(f => {
        // the public provider's: one owner per cluster
        withExternalDns([
          'sources: [crd]',
          'policy: sync',
          'txtOwnerId: ${CLUSTER_NAME}',
        ])(f);
        // the router's: one owner id and one server for both clusters
        f[`${folder}/kustomization.yaml`] += '  - external-dns-router.yaml\n';
        f[`${folder}/external-dns-router.yaml`] = externalDnsRelease('pihole', [
          'sources: [crd]',
          'policy: sync',
          'txtOwnerId: router',
          'extraArgs: [--pihole-server=http://192.168.1.2]',
        ]).replace('name: external-dns,', 'name: external-dns-router,');
      });
      expect(result).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns-router \(apps\) also manages "clustermesh-infra\.example\.net" with --policy=sync and the TXT owner id "router" of HelmRelease network\/external-dns-router: /,
        ),
      });
      // both publishers deleted from: both said at once, not the second
      // only after the first is fixed
      const both = infraResults(f => {
        withExternalDns(['sources: [crd]', 'policy: sync'])(f);
        f[`${folder}/kustomization.yaml`] += '  - external-dns-router.yaml\n';
        f[`${folder}/external-dns-router.yaml`] = externalDnsRelease('pihole', [
          'sources: [crd]',
          'policy: sync',
          'txtOwnerId: router',
          'extraArgs: [--pihole-server=http://192.168.1.2]',
        ]).replace('name: external-dns,', 'name: external-dns-router,');
      });
      expect(
        both
          .filter(c => c.outcome === 'fail')
          .map(c => c.message.replace(/ also manages .*/, '')),
      ).toEqual([
        'HelmRelease network/external-dns (apps)',
        'HelmRelease network/external-dns-router (apps)',
      ]);
      // a webhook provider's server is its sidecar's: not known to be one
      const webhook = infraResult(f => {
        withExternalDns([
          'sources: [crd]',
          'policy: sync',
          'txtOwnerId: ${CLUSTER_NAME}',
        ])(f);
        f[`${folder}/kustomization.yaml`] += '  - external-dns-router.yaml\n';
        f[`${folder}/external-dns-router.yaml`] = externalDnsRelease(
          'webhook',
          ['sources: [crd]', 'policy: sync', 'txtOwnerId: router'],
        ).replace('name: external-dns,', 'name: external-dns-router,');
      });
      expect(webhook.outcome).toBe('not-evaluated');
      expect(webhook.message).toMatch(
        /may also manage .*: if it writes to the same DNS server \(a webhook provider's DNS server is its sidecar's setting, not read here\), it deletes the record on every sync$/,
      );
      // the sidecar's server written out in its environment: one server
      // for both clusters' (the same folder), so a deletion
      const unifi = (host: string) => (f: Record<string, string>) => {
        f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsRelease('webhook', [
          'sources: [crd]',
          'policy: sync',
        ]).replace(
          'provider: {name: webhook}',
          `provider: {name: webhook, webhook: {env: [{name: UNIFI_HOST, value: "${host}"}]}}`,
        );
      };
      expect(infraResult(unifi('https://unifi.internal'))).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps\) also manages "clustermesh-infra\.example\.net" with --policy=sync/,
        ),
      });
    });

    /** Each cluster's ExternalDNS reading DNSEndpoints in sync, with `value`, and a key of its own Secret (not known here). */
    const syncingWithSecret =
      (value: string, key: string) => (f: Record<string, string>) => {
        withExternalDns(['sources: [crd]', 'policy: sync', value])(f);
        withSecretKey(key)(f);
      };

    it("fails a record another cluster's ExternalDNS surely deletes, though another of its domain filters is not known here", () => {
      // each cluster's second domain in its own Secret, not given here
      const filters = syncingWithSecret(
        'domainFilters: ["${SECRET_DOMAIN}", "${SECONDARY_DOMAIN}"]',
        'SECONDARY_DOMAIN',
      );
      expect(infraResult(filters)).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps\) also manages "clustermesh-infra\.example\.net" with --policy=sync .*it deletes it on every sync/,
        ),
      });
      // where only the filter not known here could take the name, it decides
      const only = infraResult(f => {
        filters(f);
        for (const file of Object.keys(f))
          f[file] = f[file].replace(
            'domainFilters: ["${SECRET_DOMAIN}", "${SECONDARY_DOMAIN}"]',
            'domainFilters: ["${SECONDARY_DOMAIN}", "${SECRET_DOMAIN}.internal"]',
          );
        for (const file of Object.keys(f))
          if (file.endsWith('cluster-settings.yaml'))
            f[file] = f[file].replace(
              /(clustermesh-[a-z]+)\.\$\{SECRET_DOMAIN\}/g,
              '$1.${SECONDARY_DOMAIN}',
            );
      });
      expect(only.outcome).toBe('not-evaluated');
    });

    it("does not take a domain given to this run for another cluster's own, where their SOPS values differ in length", () => {
      // apps' SECRET_DOMAIN is 14 bytes, infra's 11: one value cannot be both
      const result = infraResult(f => {
        withExternalDns(['sources: [crd]', 'policy: sync'])(f);
        replace(
          'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
          'data:x7Lm2Qw9Zt4kR2Y=,',
          `data:${'QUJD'.repeat(4)}QUI=,`,
        )(f);
      });
      expect(result).toMatchObject({
        outcome: 'not-evaluated',
        message:
          'HelmRelease network/external-dns (apps) may also manage "clustermesh-infra.example.net" with --policy=sync and the TXT owner id "default" of HelmRelease network/external-dns, but SECRET_DOMAIN, given to this run for every cluster alike, is another value in its own Secret (its SOPS text has another length): only if its domain still takes "clustermesh-infra.example.net" does it delete the record on every sync',
      });
    });

    it('reads the TXT owner id of a copy of the chart kept under another name (imported/k8s-sigs/external-dns-chart)', () => {
      // one release per cluster, each with its own owner id
      const perCluster = (f: Record<string, string>) => {
        for (const [c, owner] of [
          ['infra', 'infra-active'],
          ['apps', 'apps-active'],
        ]) {
          f[`kubernetes/clusters/${c}/external-dns.yaml`] = externalDnsRelease(
            'cloudflare',
            ['sources: [crd]', 'policy: sync', `txtOwnerId: ${owner}`],
          ).replace(
            'chart: external-dns,',
            'chart: imported/k8s-sigs/external-dns-chart,',
          );
          f[`kubernetes/clusters/${c}/kustomization.yaml`] +=
            '  - external-dns.yaml\n';
        }
      };
      expect(infraResults(perCluster).map(r => r.outcome)).toEqual(['pass']);
    });

    it('says when the domain is not known here, which decides whether the other deletes it', () => {
      expect(
        infraResult(withExternalDns(['sources: [crd]', 'policy: sync']), {
          values: {},
        }),
      ).toMatchObject({
        outcome: 'not-evaluated',
        message:
          'HelmRelease network/external-dns (apps) may also manage "clustermesh-infra.<secret:SECRET_DOMAIN>" with --policy=sync and the TXT owner id "default" of HelmRelease network/external-dns: if SECRET_DOMAIN, not known here, is the same there, it deletes the record on every sync (give it in the conventions\' values to check)',
      });
    });

    it("fails where the domain is not known here but both clusters' SOPS Secrets hold one copied value (the same ciphertext and IV)", () => {
      const copied = (f: Record<string, string>) => {
        withExternalDns(['sources: [crd]', 'policy: sync'])(f);
        // apps's Secret copied from infra's: the same SOPS value
        const infra = f['kubernetes/clusters/infra/cluster-secrets.sops.yaml'];
        const line = /^ {2}SECRET_DOMAIN: ENC\[.*$/m.exec(infra)![0];
        f['kubernetes/clusters/apps/cluster-secrets.sops.yaml'] = f[
          'kubernetes/clusters/apps/cluster-secrets.sops.yaml'
        ].replace(/^ {2}SECRET_DOMAIN: ENC\[.*$/m, line);
      };
      expect(infraResult(copied, { values: {} })).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps\) also manages "clustermesh-infra\.<secret:SECRET_DOMAIN>" with --policy=sync and the TXT owner id "default" .* it deletes it on every sync \(SECRET_DOMAIN, not known here, is one value in both clusters: the same SOPS text in kubernetes\/clusters\/infra\/cluster-secrets\.sops\.yaml and kubernetes\/clusters\/apps\/cluster-secrets\.sops\.yaml\)$/,
        ),
      });
    });

    it("names the shared source where both clusters' value not known here comes from one ExternalSecret, not SOPS text (siggerzz)", () => {
      const shared = (f: Record<string, string>) => {
        withExternalDns(['sources: [crd]', 'policy: sync'])(f);
        f['kubernetes/shared/cluster-secrets.yaml'] =
          'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: infisical}\n  target:\n    name: cluster-secrets\n  data:\n    - secretKey: SECRET_DOMAIN\n      remoteRef: {key: /cluster-settings/SECRET_DOMAIN}\n';
        for (const c of ['infra', 'apps']) {
          delete f[`kubernetes/clusters/${c}/cluster-secrets.sops.yaml`];
          const k = `kubernetes/clusters/${c}/kustomization.yaml`;
          f[k] = f[k].replace(
            '  - cluster-secrets.sops.yaml\n',
            '  - ../../shared/cluster-secrets.yaml\n',
          );
        }
      };
      expect(infraResult(shared, { values: {} })).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /is one value in both clusters: the same source, Secret flux-system\/cluster-secrets \(from ExternalSecret flux-system\/cluster-secrets\), in kubernetes\/shared\/cluster-secrets\.yaml\)$/,
        ),
      });
    });

    it('fails a record without the annotation a filter asks for, even where the value it asks is not known here; with it, says what else rests on that value', () => {
      const filtered = withExternalDns([
        'sources: [crd]',
        'policy: sync',
        'extraArgs: ["--annotation-filter=external-dns.alpha.kubernetes.io/target=external.${SECRET_DOMAIN}"]',
      ]);
      expect(infraResult(filtered, { values: {} })).toMatchObject({
        outcome: 'fail',
        message: `no ExternalDNS of the cluster publishes ${endpoint}: HelmRelease network/external-dns (${folder}/external-dns.yaml:1) takes only objects with the annotation external-dns.alpha.kubernetes.io/target (--annotation-filter external-dns.alpha.kubernetes.io/target=external.<secret:SECRET_DOMAIN>), and the DNSEndpoint has none`,
      });
      const annotated = (f: Record<string, string>) => {
        filtered(f);
        replace(
          exampleFile.dnsEndpoint,
          '  namespace: kube-system\n',
          '  namespace: kube-system\n  annotations:\n    external-dns.alpha.kubernetes.io/target: external.${SECRET_DOMAIN}\n',
        )(f);
      };
      expect(infraResult(annotated, { values: {} })).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /\(external-dns\.alpha\.kubernetes\.io\/target=external\.<secret:SECRET_DOMAIN>\) cannot be read here; and if HelmRelease network\/external-dns publishes it, HelmRelease network\/external-dns \(apps\) may also manage "clustermesh-infra\.<secret:SECRET_DOMAIN>" with --policy=sync and the TXT owner id "default" of HelmRelease network\/external-dns, and then it deletes it on every sync \(if SECRET_DOMAIN, not known here, is the same there\)$/,
        ),
      });
      // the value given: the annotation matches, and the deletion is certain
      expect(infraResult(annotated)).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(
          /^HelmRelease network\/external-dns \(apps\) also manages "clustermesh-infra\.example\.net" with --policy=sync/,
        ),
      });
    });

    it('cannot tell whether an owner id each cluster reads from its own Secret (not known here) is the same: not a deletion, not a pass', () => {
      const ownSecrets = syncingWithSecret(
        'txtOwnerId: ${EXTERNAL_DNS_OWNER}',
        'EXTERNAL_DNS_OWNER',
      );
      expect(infraResult(ownSecrets)).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /may also manage .* TXT owner id "<secret:EXTERNAL_DNS_OWNER>" .*: if EXTERNAL_DNS_OWNER, not known here, is the same there/,
        ),
      });
    });

    it("tells self-hosted DNS servers apart: each cluster's own Pi-hole (a Service, localhost) shares no record; one server outside does", () => {
      const pihole = (server: string) => (f: Record<string, string>) => {
        f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsRelease('pihole', [
          'sources: [crd]',
          'policy: sync',
          `extraArgs: [--pihole-server=${server}]`,
        ]);
      };
      // each cluster's own: no deletion, but each record only in its own
      // cluster's server, which the peers must reach (a warning)
      const verdicts = (edit: (f: Record<string, string>) => void) =>
        infraResults(edit).map(
          r =>
            `${r.outcome} ${r.severity}${
              /deletes it on every sync/.test(r.message) ? ' deletion' : ''
            }${
              /a DNS server inside the cluster/.test(r.message) ? ' own' : ''
            }`,
        );
      for (const server of [
        'http://pihole.pihole.svc.cluster.local',
        'http://pihole.dns.svc:8080/',
        'http://pihole',
        'http://127.0.0.1:8080',
      ])
        expect([server, verdicts(pihole(server))]).toEqual([
          server,
          ['fail warning own'],
        ]);
      expect(infraResult(pihole('http://pihole.pihole.svc')).message).toBe(
        'DNSEndpoint kube-system/clustermesh-apiserver endpoint 0 goes to http://pihole.pihole.svc, a DNS server inside the cluster (HelmRelease network/external-dns), and each other member\'s record to a server inside that member: a peer resolves "clustermesh-infra.example.net" only where its resolvers reach this cluster\'s server (the zone forwarded there), which is not checked here',
      );
      expect(infraResult(pihole('http://192.168.1.53'))).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('it deletes it on every sync'),
      });
      // the server as Bitnami's chart takes it from its values (red-lichtie's
      // bind9 Service in each cluster): the same verdicts
      const bind9 = (host: string) => (f: Record<string, string>) => {
        f[`${folder}/kustomization.yaml`] += '  - external-dns.yaml\n';
        f[`${folder}/external-dns.yaml`] = externalDnsRelease('rfc2136', [
          'sources: [crd]',
          'policy: sync',
          `rfc2136: {host: ${host}, zone: example.net}`,
        ]);
      };
      expect(verdicts(bind9('bind9.clusterdns.svc.cluster.local'))).toEqual([
        'fail warning own',
      ]);
      expect(infraResult(bind9('192.168.1.53'))).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('it deletes it on every sync'),
      });
    });

    it("passes with an owner id, a TXT prefix or suffix per cluster, with the chart's upsert-only policy, or outside the other's domains", () => {
      for (const values of [
        ['policy: sync', 'txtOwnerId: ${CLUSTER_NAME}'],
        // another prefix or suffix: the other never finds this ownership record
        ['policy: sync', 'txtPrefix: k8s-${CLUSTER_NAME}.'],
        ['policy: sync', 'txtSuffix: -${CLUSTER_NAME}'],
        ['policy: sync', 'extraArgs: ["--txt-prefix=k8s-${CLUSTER_NAME}."]'],
        [],
        [
          'policy: sync',
          'domainFilters: ["clustermesh-${CLUSTER_NAME}.example.net"]',
        ],
      ])
        expect([
          values,
          infraResult(withExternalDns(['sources: [crd]', ...values])),
        ]).toMatchObject([values, { outcome: 'pass' }]);
    });
  });
});
