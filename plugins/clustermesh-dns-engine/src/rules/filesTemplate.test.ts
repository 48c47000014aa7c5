import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  filesTemplateChecks,
  filesTemplateFile,
  replace,
} from '../__testUtils__/rules';
import { fixtureTree, knownDomain } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { inspectMesh } from '../report/inspect';

// The rules on the fixture `files-template`: the settings ConfigMap is applied
// by the bootstrap Kustomization without substitution, SECRET_DOMAIN is only
// in a SOPS Secret, and the FQDN is the template
// `clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}` in the files Flux
// substitutes (the Cilium values, the DNSEndpoint): no FQDN variable, no peer
// variables. The rules read the FQDN from those files.

const of = (checks: CheckResult[], ruleId: string, cluster?: string) =>
  checks.filter(
    c =>
      c.ruleId === ruleId && (cluster === undefined || c.cluster === cluster),
  );

const one = (checks: CheckResult[], ruleId: string, cluster: string) => {
  const found = of(checks, ruleId, cluster);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('the FQDN written as a template in the files Flux substitutes', () => {
  it("names a Secret written without a namespace by the namespace it is looked up in (sklab-dev's `Secret /cluster-secrets`)", () => {
    const checks = filesTemplateChecks(f => {
      const secrets = 'kubernetes/clusters/infra/cluster-secrets.sops.yaml';
      f[secrets] = f[secrets].replace(/\n {2}namespace: flux-system\n/, '\n');
    });
    expect(one(checks, 'settings-present', 'infra').message).toMatch(
      /SECRET_DOMAIN is secret \(Secret flux-system\/cluster-secrets \(SOPS-encrypted\)\)$/,
    );
  });

  it('fails no rule when the domain is secret; what depends on its value is not evaluated', () => {
    const checks = filesTemplateChecks();
    expect(checks.filter(c => c.outcome === 'fail')).toEqual([]);
    for (const cluster of ['infra', 'apps']) {
      expect(one(checks, 'settings-present', cluster)).toMatchObject({
        outcome: 'pass',
        message: `CILIUM_CLUSTERMESH_LB_IP = "${
          cluster === 'infra' ? '10.25.11.100' : '10.25.11.120'
        }"; FQDN "clustermesh-${cluster}.<secret:SECRET_DOMAIN>" by template "clustermesh-\${CLUSTER_NAME}.\${SECRET_DOMAIN}" in ${
          filesTemplateFile.helmRelease
        }, not a settings variable: ConfigMap flux-system/cluster-settings is applied by Kustomization flux-system/flux-system without post-build substitution, so Flux stores its values verbatim, and SECRET_DOMAIN is secret (Secret flux-system/cluster-secrets (SOPS-encrypted))`,
        location: { file: filesTemplateFile.helmRelease, line: 36 },
      });
      // unknown is never pass
      expect(one(checks, 'fqdn-valid', cluster)).toMatchObject({
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          new RegExp(
            `^FQDN "clustermesh-${cluster}\\.<secret:SECRET_DOMAIN>": its known labels are valid, but SECRET_DOMAIN is not known here`,
          ),
        ),
      });
      // each cluster reads the domain from its own Secret: equal as text only
      expect(one(checks, 'peers-complete', cluster).outcome).toBe(
        'not-evaluated',
      );
      for (const rule of [
        'fqdn-convention',
        'peers-by-fqdn',
        'dnsendpoint-matches',
        'tls-san',
      ])
        expect([rule, one(checks, rule, cluster).outcome]).toEqual([
          rule,
          'pass',
        ]);
    }
    expect(one(checks, 'peers-complete', 'infra').message).toMatch(
      /^its mesh entry for apps is "clustermesh-apps\.<secret:SECRET_DOMAIN>", written as apps's FQDN, but SECRET_DOMAIN comes from kubernetes\/clusters\/infra\/cluster-secrets\.sops\.yaml in this cluster and from kubernetes\/clusters\/apps\/cluster-secrets\.sops\.yaml for apps/,
    );
    expect(one(checks, 'peers-complete', 'infra').location).toEqual({
      file: filesTemplateFile.helmRelease,
      line: 46,
    });
    expect(one(checks, 'tls-san', 'apps').message).toBe(
      'the server certificate names clustermesh-apps.<secret:SECRET_DOMAIN>',
    );
    expect(one(checks, 'dnsendpoint-matches', 'apps').message).toMatch(
      /^DNSEndpoint kube-system\/clustermesh-apiserver endpoint 0: clustermesh-apps\.<secret:SECRET_DOMAIN> A 10\.25\.11\.120 TTL 300/,
    );
  });

  it('passes every rule when the domain is given, with the resolved names', () => {
    const checks = filesTemplateChecks(undefined, knownDomain);
    expect(checks.filter(c => c.outcome !== 'pass')).toEqual([]);
    expect(one(checks, 'fqdn-valid', 'infra').message).toBe(
      'FQDN "clustermesh-infra.example.net" is a valid DNS name',
    );
    expect(one(checks, 'fqdn-convention', 'apps').message).toBe(
      'FQDN "clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}" follows "clustermesh-{cluster}.${SECRET_DOMAIN}"',
    );
    expect(one(checks, 'peers-complete', 'apps').message).toBe(
      'knows infra as "clustermesh-infra.example.net" (its mesh entry address)',
    );
  });

  it('checks the name the domain gives: an invalid domain fails fqdn-valid', () => {
    const checks = filesTemplateChecks(undefined, {
      values: { SECRET_DOMAIN: 'Example_Net' },
    });
    expect(one(checks, 'fqdn-valid', 'infra')).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(/^FQDN "clustermesh-infra\.Example_Net"/),
      location: { file: filesTemplateFile.helmRelease, line: 36 },
    });
  });

  it('reads the FQDN from the DNSEndpoint when the Cilium values do not name it, and then tls-san fails', () => {
    const checks = filesTemplateChecks(
      replace(
        filesTemplateFile.helmRelease,
        '              - clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}\n',
        '              - clustermesh.example.org\n',
      ),
    );
    expect(one(checks, 'settings-present', 'infra')).toMatchObject({
      outcome: 'pass',
      message: expect.stringContaining(
        `by template "clustermesh-\${CLUSTER_NAME}.\${SECRET_DOMAIN}" in ${filesTemplateFile.dnsEndpoint},`,
      ),
      location: { file: filesTemplateFile.dnsEndpoint, line: 9 },
    });
    expect(one(checks, 'dnsendpoint-matches', 'infra').outcome).toBe('pass');
    expect(one(checks, 'tls-san', 'infra')).toMatchObject({
      outcome: 'fail',
      message:
        'clustermesh.apiserver.tls.server.extraDnsNames ["clustermesh.example.org"]; it must contain "clustermesh-infra.<secret:SECRET_DOMAIN>"',
    });
  });

  it('fails dnsendpoint-matches when the record names another name than the Cilium values', () => {
    const checks = filesTemplateChecks(
      replace(
        filesTemplateFile.dnsEndpoint,
        'dnsName: clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
        'dnsName: mesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
      ),
    );
    expect(one(checks, 'dnsendpoint-matches', 'apps')).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(
        /^no DNSEndpoint of the cluster has dnsName "clustermesh-apps\.<secret:SECRET_DOMAIN>"; found "mesh-apps\.<secret:SECRET_DOMAIN>"/,
      ),
    });
    expect(one(checks, 'settings-present', 'apps').outcome).toBe('pass');
  });

  it('never passes on an FQDN it cannot determine: without the domain the files name no FQDN', () => {
    const noDomain = (files: Record<string, string>) => {
      for (const c of ['infra', 'apps'])
        replace(
          filesTemplateFile.secrets(c),
          '  SECRET_DOMAIN: ',
          '  SECRET_OTHER: ',
        )(files);
    };
    const checks = filesTemplateChecks(noDomain);
    expect(one(checks, 'settings-present', 'infra')).toMatchObject({
      outcome: 'fail',
      message:
        'CILIUM_CLUSTERMESH_FQDN is not set in ConfigMap flux-system/cluster-settings',
    });
    for (const rule of ['fqdn-valid', 'fqdn-convention', 'tls-san'])
      expect([rule, one(checks, rule, 'infra')]).toEqual([
        rule,
        expect.objectContaining({
          outcome: 'not-evaluated',
          message: 'CILIUM_CLUSTERMESH_FQDN is not set',
        }),
      ]);
    expect(one(checks, 'dnsendpoint-matches', 'infra').outcome).toBe(
      'not-evaluated',
    );
    // the peers' names are not known either: not known by their entries
    expect(one(checks, 'peers-complete', 'infra')).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(
        /^no mesh entry of its Cilium values names the peer apps by its FQDN .*: the peer apps is not known by FQDN$/,
      ),
    });
  });

  it('does not pass settings-present when the domain may not be defined (a source whose keys are not known)', () => {
    const checks = filesTemplateChecks(files => {
      // the domain from an ExternalSecret that extracts a whole vault item
      files[filesTemplateFile.secrets('infra')] = [
        'apiVersion: external-secrets.io/v1',
        'kind: ExternalSecret',
        'metadata:',
        '  name: cluster-secrets',
        '  namespace: flux-system',
        'spec:',
        '  secretStoreRef:',
        '    kind: ClusterSecretStore',
        '    name: vault',
        '  dataFrom:',
        '    - extract:',
        '        key: clusters/infra',
        '',
      ].join('\n');
    });
    expect(one(checks, 'settings-present', 'infra')).toMatchObject({
      outcome: 'not-evaluated',
      message: expect.stringMatching(
        /FQDN "clustermesh-infra\.<secret:SECRET_DOMAIN>" by template .*SECRET_DOMAIN is secret \(Secret flux-system\/cluster-secrets \(from ExternalSecret flux-system\/cluster-secrets\)\); but a source whose keys are not known here may not define the variables of the template$/,
      ),
    });
    expect(one(checks, 'settings-present', 'apps').outcome).toBe('pass');
  });

  it('reports the FQDN read from the files, and no peer missing', () => {
    const inspection = inspectMesh(
      fixtureTree('files-template'),
      resolveConventions(undefined),
    );
    const infra = inspection.report.clusters.find(c => c.name === 'infra')!;
    expect(infra.fqdn).toEqual({
      template: 'clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}',
      resolved: 'clustermesh-infra.<secret:SECRET_DOMAIN>',
      secret: true,
      location: { file: filesTemplateFile.helmRelease, line: 36 },
    });
    expect(infra.peers).toEqual({ expected: 1, missing: [] });
    expect(inspection.peersOf('infra')).toEqual([
      {
        peer: 'apps',
        variable: 'CILIUM_CLUSTERMESH_APPS_FQDN',
        value: 'clustermesh-apps.<secret:SECRET_DOMAIN>',
        knowsThisCluster: true,
      },
    ]);
  });
});
