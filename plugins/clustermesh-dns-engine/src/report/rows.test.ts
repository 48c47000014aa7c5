import fc from 'fast-check';
import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { defaultConventions } from '../conventions/schema';
import { generateSyntheticMesh } from '../testUtils/syntheticMesh';
import { createRepoTree } from '../tree/RepoTree';
import { validateMesh } from './report';

// The report row of a cluster shows the pool and the DNS record that the
// rules judged: both ask the model's queries. For generated meshes whose
// pools may be disabled, reject the clustermesh-apiserver service by their
// selector, or miss the LB IP, and whose records may end in a dot, the row
// and the rules agree for every cluster.

const names = ['alpha', 'beta', 'gamma'];
const pool = (c: string) =>
  `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${c}.yaml`;
const settings = (c: string) =>
  `kubernetes/clusters/${c}/cluster-settings.yaml`;
const dnsEndpoint =
  'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml';

const clusterVariation = fc.record({
  disabled: fc.boolean(),
  selector: fc.constantFrom(
    undefined,
    '    matchLabels:\n      app.kubernetes.io/name: clustermesh-apiserver\n',
    '    matchLabels:\n      app: other\n',
    '    matchExpressions:\n      - key: io.kubernetes.service.name\n        operator: NotIn\n        values: [clustermesh-apiserver]\n',
  ),
  /** The LB IP's last octet moves by this much (the pool holds 16). */
  offset: fc.constantFrom(0, 0, 5, 40),
  trailingDot: fc.boolean(),
});

type Variation = typeof clusterVariation extends fc.Arbitrary<infer T>
  ? T
  : never;

function meshWith(variations: Variation[], endpointDot = false) {
  const files = generateSyntheticMesh({
    clusters: names.length,
    name: i => names[i - 1],
  });
  if (endpointDot)
    files[dnsEndpoint] = files[dnsEndpoint].replace(
      'dnsName: ${CILIUM_CLUSTERMESH_FQDN}',
      'dnsName: ${CILIUM_CLUSTERMESH_FQDN}.',
    );
  variations.forEach((v, i) => {
    const c = names[i];
    let text = files[pool(c)];
    if (v.disabled) text = text.replace('spec:\n', 'spec:\n  disabled: true\n');
    if (v.selector)
      text = text.replace(
        'spec:\n',
        `spec:\n  serviceSelector:\n${v.selector}`,
      );
    files[pool(c)] = text;
    files[settings(c)] = files[settings(c)].replace(
      /(CILIUM_CLUSTERMESH_LB_IP: "[0-9.]+\.)(\d+)"/,
      (_, net, host) => `${net}${Number(host) + v.offset}"`,
    );
    if (v.trailingDot)
      files[settings(c)] = files[settings(c)].replace(
        /(CILIUM_CLUSTERMESH_FQDN: "clustermesh-[a-z]+\.\$\{SECRET_DOMAIN\})"/,
        '$1."',
      );
  });
  return files;
}

const check = (checks: CheckResult[], rule: string) =>
  checks.filter(c => c.ruleId === rule);

describe('report rows and rules', () => {
  it('show the pool and the record the rules judged, for every cluster', () => {
    fc.assert(
      fc.property(
        fc.array(clusterVariation, {
          minLength: names.length,
          maxLength: names.length,
        }),
        fc.boolean(),
        (variations, endpointDot) => {
          const report = validateMesh(
            createRepoTree(meshWith(variations, endpointDot)),
            defaultConventions,
          );
          for (const row of report.clusters) {
            const [inPool] = check(row.checks, 'lb-ip-in-pool');
            // a pool in the row exactly when the rule finds the LB IP in one
            expect(row.pool !== undefined).toBe(inPool.outcome === 'pass');
            expect(row.pool?.location).toEqual(
              row.pool ? inPool.location : undefined,
            );
            const [matches] = check(row.checks, 'dnsendpoint-matches');
            const noRecord =
              matches.outcome === 'fail' &&
              matches.message.startsWith(
                'no DNSEndpoint of the cluster has dnsName',
              );
            expect(row.record?.location === undefined).toBe(
              noRecord || matches.outcome === 'not-evaluated',
            );
            // and the record the rule passed is the row's
            const passed = matches.outcome === 'pass';
            expect(passed && row.record?.location).toEqual(
              passed && matches.location,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not show a pool whose selector rejects the service', () => {
    const files = meshWith(
      [
        {
          disabled: false,
          selector: '    matchLabels:\n      app: other\n',
          offset: 0,
          trailingDot: false,
        },
        { disabled: false, selector: undefined, offset: 0, trailingDot: false },
        { disabled: true, selector: undefined, offset: 0, trailingDot: false },
      ],
      true,
    );
    const rows = validateMesh(
      createRepoTree(files),
      defaultConventions,
    ).clusters;
    const byName = Object.fromEntries(rows.map(r => [r.name, r]));
    expect(byName.alpha.pool).toBeUndefined();
    expect(byName.beta.pool?.name).toBe('lb-ippool-beta');
    // the record of a name written with a trailing dot is still the cluster's
    expect(byName.beta.record?.location?.file).toBe(dnsEndpoint);
    expect(byName.gamma.pool).toBeUndefined();
  });
});

describe('the row of a cluster whose settings only a source of unknown keys may hold', () => {
  it('shows no FQDN or LB IP: they may not be set', () => {
    const files = generateSyntheticMesh({ clusters: 2 });
    const c1 = 'kubernetes/clusters/c001';
    // the FQDN and LB IP only in an ExternalSecret that extracts a whole item
    files[`${c1}/cluster-settings.yaml`] = files[`${c1}/cluster-settings.yaml`]
      .split('\n')
      .filter(l => !/CILIUM_CLUSTERMESH_(FQDN|LB_IP):/.test(l))
      .join('\n');
    files[`${c1}/cluster-secrets.sops.yaml`] = [
      'apiVersion: external-secrets.io/v1',
      'kind: ExternalSecret',
      'metadata: {name: cluster-secrets, namespace: flux-system}',
      'spec:',
      '  secretStoreRef: {kind: ClusterSecretStore, name: vault}',
      '  dataFrom:',
      '    - extract: {key: clusters/c001}',
      '',
    ].join('\n');
    const report = validateMesh(createRepoTree(files), defaultConventions);
    const row = report.clusters.find(c => c.name === 'c001')!;
    expect(row.fqdn).toBeUndefined();
    expect(row.lbIp).toBeUndefined();
    expect(row.checks.find(c => c.ruleId === 'settings-present')?.outcome).toBe(
      'not-evaluated',
    );
    expect(report.clusters.find(c => c.name === 'c002')!.lbIp).toBeDefined();
  });
});
