import { fixtureFiles } from '../__testUtils__/trees';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { createRepoTree } from '../tree/RepoTree';
import { validateMesh } from './report';

// fixtures/mixed-flux-layout is shaped like the home-lab repositories the
// product is judged on: three clusters whose settings ConfigMap is
// generated from an env file, a parent Kustomization whose spec.patches give
// every child its source, schedule and variables, the cluster's secrets
// from an ExternalSecret (keys unknown), Cilium values from a hashed
// ConfigMap generator that the HelmRelease's valuesFrom follows through a
// `configurations` name reference, and ExternalDNS by HelmRelease. There is
// no conventions file: everything is detected. (kustomize.test.ts checks
// every path it builds against kubectl kustomize.)

const files = fixtureFiles('mixed-flux-layout');

function validate(values?: Record<string, string>) {
  const tree = createRepoTree(files);
  const explicit = values ? { values } : undefined;
  return validateMesh(
    tree,
    resolveConventions(explicit, detectConventions(tree, explicit)),
  );
}

const findings = (report: ReturnType<typeof validate>) =>
  [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
    .filter(c => c.outcome !== 'pass' && c.outcome !== 'not-applicable')
    .map(c => `${c.outcome} ${c.ruleId} ${c.cluster ?? ''}`);

describe('a mixed layout of real repositories (no conventions file)', () => {
  it('passes every rule for all three clusters once the secret domain is given', () => {
    const report = validate({ SECRET_DOMAIN: 'mesh.example.com' });
    expect(findings(report)).toEqual([]);
    expect(report.summary).toMatchObject({
      clusters: 3,
      errors: 0,
      warnings: 0,
      notEvaluated: 0,
      status: 'pass',
    });
    expect(
      report.clusters.map(c => [
        c.name,
        c.fqdn?.resolved,
        c.lbIp?.value,
        c.pool?.block,
      ]),
    ).toEqual([
      [
        'east',
        'clustermesh-east.mesh.example.com',
        '10.70.0.10',
        '10.70.0.0/27',
      ],
      [
        'north',
        'clustermesh-north.mesh.example.com',
        '10.70.0.74',
        '10.70.0.64/27',
      ],
      [
        'west',
        'clustermesh-west.mesh.example.com',
        '10.70.0.42',
        '10.70.0.32/27',
      ],
    ]);
  });

  it("reports no error or warning without it; only ExternalDNS's domain filter waits for the domain (the naming convention is found in the env files)", () => {
    const report = validate();
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0 });
    // ExternalDNS publishes the domain of a Secret: whether it takes
    // mesh.example.com is not known without it
    expect(findings(report).sort()).toEqual([
      'not-evaluated dnsendpoint-matches east',
      'not-evaluated dnsendpoint-matches north',
      'not-evaluated dnsendpoint-matches west',
    ]);
  });

  it('says where a value read from a generated ConfigMap is: the line of the file the generator read', () => {
    const values = 'kubernetes/apps/kube-system/cilium/app/helm/values.yaml';
    const broken = {
      ...files,
      [values]: files[values].replace(
        '      - name: west\n        address: ${CILIUM_CLUSTERMESH_WEST_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n        port: 2379\n',
        '      - name: west\n        address: ${CILIUM_CLUSTERMESH_WEST_FQDN:=${CILIUM_CLUSTERMESH_FQDN}}\n        port: 32379\n',
      ),
    };
    expect(broken[values]).not.toBe(files[values]);
    const tree = createRepoTree(broken);
    const report = validateMesh(
      tree,
      resolveConventions(
        { values: { SECRET_DOMAIN: 'mesh.example.com' } },
        detectConventions(tree),
      ),
    );
    expect(
      report.clusters
        .flatMap(c => c.checks)
        .filter(c => c.outcome === 'fail')
        .map(c => `${c.cluster} ${c.location?.file}:${c.location?.line}`),
    ).toEqual([`east ${values}:30`, `north ${values}:30`]);
  });

  it('finds the true error when the settings are generated with a hashed name', () => {
    // kustomize renames the ConfigMap, but not the Flux substituteFrom
    // that names it: Flux cannot find cluster-settings
    const broken = { ...files };
    for (const c of ['east', 'west', 'north']) {
      const k = `kubernetes/clusters/${c}/kustomization.yaml`;
      broken[k] = broken[k].replace(
        'generatorOptions:\n  disableNameSuffixHash: true\n',
        '',
      );
    }
    const tree = createRepoTree(broken);
    const report = validateMesh(
      tree,
      resolveConventions(undefined, detectConventions(tree)),
    );
    expect(
      report.findings
        .filter(f => f.severity === 'error')
        .map(f => `${f.location?.file}: ${f.message}`),
    ).toEqual([
      expect.stringMatching(
        /^kubernetes\/clusters\/east\/cluster-apps\.yaml: ConfigMap flux-system\/cluster-settings is named by substituteFrom, but the cluster does not apply it/,
      ),
    ]);
    // what depends on the settings cannot be judged: not evaluated, never
    // failed for values the engine could not read
    expect(
      [...report.clusters.flatMap(c => c.checks), ...report.meshChecks]
        .filter(c => c.outcome === 'fail')
        .map(c => c.message),
    ).toEqual([]);
  });
});
