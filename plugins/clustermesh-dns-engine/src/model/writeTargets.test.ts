import {
  knownDomain,
  fixtureFiles,
  exampleFiles,
} from '../__testUtils__/trees';
import { detectConventions } from '../conventions/detect';
import { parseConventions, resolveConventions } from '../conventions/resolve';
import { defaultConventions, MeshConventions } from '../conventions/schema';
import { createRepoTree } from '../tree/RepoTree';
import { buildMeshModel } from './build';
import {
  ciliumWriteTargets,
  dnsEndpointPlacement,
  fqdnForm,
  settingsWriteTarget,
  SettingsWriteTarget,
  substitutionScope,
} from './writeTargets';

function modelOf(
  files: Record<string, string>,
  conventions: MeshConventions = defaultConventions,
) {
  return buildMeshModel(createRepoTree(files), conventions);
}

const story = exampleFiles('templates/clustermesh-dns/gitops-repo-before');

/** How the change would write a cluster's FQDN in a repository of these files. */
function formOf(
  files: Record<string, string>,
  conventions: MeshConventions = defaultConventions,
  name?: string,
) {
  const mesh = modelOf(files, conventions);
  const cluster = name ? mesh.byName.get(name)! : mesh.clusters[0];
  return fqdnForm(
    mesh,
    cluster,
    settingsWriteTarget(mesh, cluster) as SettingsWriteTarget,
  );
}

describe('where the change writes', () => {
  it('finds the settings ConfigMap, the Kustomization that applies it, and whether it substitutes', () => {
    const mesh = modelOf(story);
    const target = settingsWriteTarget(
      mesh,
      mesh.byName.get('infra')!,
    ) as SettingsWriteTarget;
    expect(target).toMatchObject({
      file: 'kubernetes/clusters/infra/cluster-settings.yaml',
      format: 'yaml',
      doc: 0,
      configMap: 'cluster-settings',
      substituted: true,
    });
    expect(target.appliedBy?.key).toBe('flux-system/cluster-infra-vars');
  });

  it('finds the env file of a settings generator', () => {
    const mesh = modelOf(fixtureFiles('configure-env/repo'));
    expect(settingsWriteTarget(mesh, mesh.byName.get('home')!)).toMatchObject({
      file: 'kubernetes/clusters/home/settings/cluster-settings.env',
      format: 'env',
      substituted: false,
    });
  });

  it.each([
    [
      'settings-template',
      story,
      defaultConventions,
      /cluster-apps-vars, which substitutes SECRET_DOMAIN/,
    ],
    [
      'settings-resolved',
      fixtureFiles('configure-ks/repo'),
      defaultConventions,
      /without post-build substitution.*SECRET_DOMAIN is a plain value/,
    ],
    [
      'literal',
      fixtureFiles('configure-values-file/repo'),
      parseConventions(
        fixtureFiles('configure-values-file/repo')['.clustermesh-dns.yaml'],
      ),
      /no variables/,
    ],
  ])('decides the form of the FQDN: %s', (kind, files, conventions, why) => {
    const form = formOf(files, conventions);
    expect(form.kind).toBe(kind);
    expect(form.why).toMatch(why);
  });

  it('says a template in the settings would lose a variable their Kustomization does not define, when it substitutes others', () => {
    const files = { ...story };
    for (const c of ['infra', 'apps']) {
      const vars = `kubernetes/clusters/${c}/vars.yaml`;
      // it substitutes, but only an inline variable: not the domain
      files[vars] = files[vars].replace(
        '    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n',
        '    substitute:\n      REGION: eu\n',
      );
      expect(files[vars]).not.toBe(story[vars]);
    }
    expect(formOf(files, defaultConventions, 'infra')).toMatchObject({
      // the Cilium values' Kustomization reads the domain from the Secret
      kind: 'files-template',
      why: expect.stringMatching(
        /^ConfigMap cluster-settings is applied by Kustomization flux-system\/cluster-infra-vars, whose post-build substitution does not define SECRET_DOMAIN, so a template written there would lose it/,
      ),
    });
  });

  it('never writes a secret domain into plain settings, even when its value is given', () => {
    const files = { ...story };
    for (const c of ['infra', 'apps'])
      files[`kubernetes/clusters/${c}/kustomization.yaml`] = files[
        `kubernetes/clusters/${c}/kustomization.yaml`
      ].replace('  - vars.yaml\n', '  - cluster-settings.yaml\n');
    expect(
      formOf(files, resolveConventions(knownDomain), 'infra'),
    ).toMatchObject({ kind: 'files-template' });
  });

  it('takes the domain for secret where the name is used, when a Secret listed after the plain settings defines it too (the last source wins)', () => {
    const files = fixtureFiles('configure-ks/repo');
    for (const c of ['infra', 'apps']) {
      files[`kubernetes/clusters/${c}/cluster-secrets.sops.yaml`] =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:AAAA,type:str]\nsops:\n  version: 3.9.0\n';
      files[`kubernetes/clusters/${c}/kustomization.yaml`] +=
        '  - ./cluster-secrets.sops.yaml\n';
    }
    const ks = 'kubernetes/infrastructure/networking/cilium/core/ks.yaml';
    files[ks] += '      - kind: Secret\n        name: cluster-secrets\n';
    expect(formOf(files, defaultConventions, 'infra')).toMatchObject({
      kind: 'files-template',
      why: expect.stringContaining(
        'SECRET_DOMAIN is secret where the name is used: SECRET_DOMAIN (Kustomization flux-system/cilium-core substitutes it from Secret flux-system/cluster-secrets',
      ),
    });
  });

  it('says when a variable of the template is defined nowhere', () => {
    const files = fixtureFiles('configure-ks/repo');
    for (const c of ['infra', 'apps'])
      files[`kubernetes/clusters/${c}/cluster-settings.yaml`] = files[
        `kubernetes/clusters/${c}/cluster-settings.yaml`
      ].replace(/ {2}SECRET_DOMAIN: .*\n/, '');
    expect(formOf(files, defaultConventions, 'infra')).toMatchObject({
      kind: 'unresolvable',
      why: expect.stringContaining('SECRET_DOMAIN is not defined for infra'),
    });
  });

  it('takes a variable the repository never names for missing, though a source of unknown keys could hold it', () => {
    const files = fixtureFiles('configure-ks/repo');
    const external =
      '      - kind: ConfigMap\n        name: cluster-settings\n      - kind: Secret\n        name: bootstrap-secrets\n';
    for (const c of ['infra', 'apps']) {
      const settings = `kubernetes/clusters/${c}/cluster-settings.yaml`;
      files[settings] = files[settings].replace(/ {2}SECRET_DOMAIN: .*\n/, '');
    }
    // the Cilium values' Kustomization also reads a Secret made outside
    // the repository (a bootstrap step): any key
    const ks = 'kubernetes/infrastructure/networking/cilium/core/ks.yaml';
    files[ks] = files[ks].replace(
      '      - kind: ConfigMap\n        name: cluster-settings\n',
      external,
    );
    expect(files[ks]).toContain('bootstrap-secrets');
    expect(formOf(files, defaultConventions, 'infra')).toMatchObject({
      kind: 'unresolvable',
      why: expect.stringMatching(
        /^SECRET_DOMAIN is not defined for infra: the repository never names it, and only Secret flux-system\/bootstrap-secrets .*, whose keys are not known here, could/,
      ),
    });
    // named in the repository (a host of another app): the Secret holds it
    files['kubernetes/clusters/infra/ingress.yaml'] =
      'host: grafana.${SECRET_DOMAIN}\n';
    expect(formOf(files, defaultConventions, 'infra').kind).not.toBe(
      'unresolvable',
    );
  });

  it('finds the Cilium values: the HelmRelease, the values file of a ConfigMap generator, or a plain values file', () => {
    const hr = modelOf(story);
    expect(ciliumWriteTargets(hr, hr.clusters)).toEqual([
      expect.objectContaining({
        file: 'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
        root: ['spec', 'values'],
        kind: 'helmrelease',
        clusters: ['apps', 'infra'],
      }),
    ]);
    const generated = modelOf(fixtureFiles('configure-valuesfrom/repo'));
    expect(ciliumWriteTargets(generated, generated.clusters)).toEqual([
      expect.objectContaining({
        file: 'kubernetes/infrastructure/networking/cilium/app/values.yaml',
        root: [],
        kind: 'values-configmap',
        clusters: ['east', 'north', 'west'],
      }),
    ]);
    const files = fixtureFiles('configure-values-file/repo');
    const plain = modelOf(
      files,
      parseConventions(files['.clustermesh-dns.yaml']),
    );
    expect(
      ciliumWriteTargets(plain, plain.clusters).map(t =>
        'file' in t ? t.file : t,
      ),
    ).toEqual([
      'bootstrap/cilium/alpha.yaml',
      'bootstrap/cilium/bravo.yaml',
      'bootstrap/cilium/charlie.yaml',
    ]);
  });

  it('knows which variables a Kustomization will substitute once the change adds settings keys', () => {
    const mesh = modelOf(story);
    const infra = mesh.byName.get('infra')!;
    const hr = infra.cilium!.appliedBy!;
    const scope = substitutionScope(
      hr,
      'cluster-settings',
      new Set(['CILIUM_CLUSTERMESH_LB_IP']),
    );
    expect(scope.resolves('CILIUM_CLUSTERMESH_LB_IP')).toBe(true);
    expect(scope.resolves('CLUSTER_NAME')).toBe(true);
    expect(scope.resolves('NOT_THERE')).toBe(false);
    expect(scope.secret('SECRET_DOMAIN')).toBe(true);
    // a ConfigMap it does not substitute from adds nothing
    expect(substitutionScope(hr, 'other', new Set(['X'])).resolves('X')).toBe(
      false,
    );
  });

  it('places a new DNSEndpoint where Flux applies it with substitution', () => {
    const mesh = modelOf(story);
    expect(dnsEndpointPlacement(mesh, mesh.clusters)).toMatchObject({
      file: 'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
      kustomization:
        'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
    });
    // a component's ks.yaml builds its app/ folder
    const ks = modelOf(fixtureFiles('configure-ks/repo'));
    expect(dnsEndpointPlacement(ks, ks.clusters)).toMatchObject({
      file: 'kubernetes/infrastructure/networking/cilium/clustermesh/app/dnsendpoint.yaml',
      why: expect.stringContaining('the folder a Flux Kustomization builds'),
    });
    // no such folder: next to the Cilium HelmRelease
    const generated = modelOf(fixtureFiles('configure-valuesfrom/repo'));
    expect(dnsEndpointPlacement(generated, generated.clusters)).toMatchObject({
      file: 'kubernetes/infrastructure/networking/cilium/app/dnsendpoint.yaml',
      why: expect.stringContaining('next to the Cilium HelmRelease'),
    });
  });

  it("places one cluster's DNSEndpoint in its overlay, not in the base its Cilium HelmRelease comes from; the base when every overlay shares it", () => {
    const files = fixtureFiles('configure-overlay-patches/repo');
    const explicit = { fqdnTemplate: 'clustermesh-{cluster}.example.test' };
    const mesh = modelOf(
      files,
      resolveConventions(
        explicit,
        detectConventions(createRepoTree(files), explicit),
      ),
    );
    expect(
      // substituting, as the change makes it
      dnsEndpointPlacement(mesh, [mesh.byName.get('alpha')!], () => true),
    ).toMatchObject({
      file: 'infra/cilium/alpha/dnsendpoint.yaml',
      kustomization: 'infra/cilium/alpha/kustomization.yaml',
      why: 'in infra/cilium/alpha, which Kustomization flux-system/infra-cilium builds for alpha with substitution: the Cilium HelmRelease comes from the base infra/cilium/base, which the change leaves as it is',
    });
    expect(dnsEndpointPlacement(mesh, mesh.clusters, () => true)).toMatchObject(
      {
        file: 'infra/cilium/base/dnsendpoint.yaml',
      },
    );
  });
});
