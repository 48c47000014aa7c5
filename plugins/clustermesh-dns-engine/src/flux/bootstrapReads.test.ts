import { createRepoTree } from '../tree/RepoTree';
import { bootstrapReader } from './bootstrapReads';

describe('bootstrapReader', () => {
  // sujiba's layout: a bootstrap helmfile named by its step, not
  // helmfile*.yaml, whose values template reads each release's
  // HelmRelease by a printf path whose `../` count from elsewhere
  const release =
    'kubernetes/home/apps/kube-system/cilium/app/helmrelease.yaml';
  const tree = (helmfile: string) =>
    createRepoTree({
      [release]: 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n',
      [`kubernetes/bootstrap/home/3_flux/${helmfile}`]: [
        'helmDefaults:',
        '  wait: true',
        'releases:',
        '  - name: cilium',
        '    namespace: kube-system',
        '    chart: oci://quay.io/cilium/charts/cilium',
        '    values:',
        '      - templates/values.yaml.gotmpl',
        '',
      ].join('\n'),
      'kubernetes/bootstrap/home/3_flux/templates/values.yaml.gotmpl':
        '{{ (fromYaml (readFile (printf "../../../kubernetes/home/apps/%s/%s/app/helmrelease.yaml" .Release.Namespace .Release.Name))).spec.values | toYaml }}\n',
      // a plain manifest of a bootstrap folder: no helmfile
      'kubernetes/bootstrap/home/2_talos/patch.yaml':
        'machine:\n  network:\n    hostname: k8s-1\n',
    });

  it('reads a bootstrap helmfile of any name by its releases, and a printf path whose ../ count from elsewhere', () => {
    const reader = bootstrapReader(tree('1-apps.yaml'));
    expect(reader(release)).toEqual([
      'kubernetes/bootstrap/home/3_flux/templates/values.yaml.gotmpl',
    ]);
    expect(reader.waitingRelease?.(release, ['cilium'])).toEqual({
      helmfile: 'kubernetes/bootstrap/home/3_flux/1-apps.yaml',
      release: 'cilium',
      setting: 'wait',
      line: 2,
      inherited: true,
    });
    expect(reader('kubernetes/bootstrap/home/2_talos/patch.yaml')).toEqual([]);
  });

  it("reads what Terraform's helm_release installs from a HelmRelease by a module variable its caller passes (Samoth69's lynka bootstrap)", () => {
    const cilium = 'clusters/b/kubernetes/apps/kube-system/cilium/app';
    const files = {
      [`${cilium}/helmrelease.yaml`]: 'kind: HelmRelease\n',
      [`${cilium}/ocirepository.yaml`]: 'kind: OCIRepository\n',
      'clusters/b/kubernetes/apps/other/app/helmrelease.yaml':
        'kind: HelmRelease\n',
      // the module: one release per call, its values from the HelmRelease
      'clusters/b/bootstrap/helm-release/main.tf': [
        'locals {',
        '  hr = yamldecode(file("${var.app_path}/helmrelease.yaml"))',
        '}',
        '',
        'resource "helm_release" "release" {',
        '  name      = local.hr["metadata"]["name"]',
        '  namespace = var.namespace',
        '  values    = [yamlencode(lookup(local.hr["spec"], "values", null))]',
        '}',
        '',
      ].join('\n'),
      'clusters/b/bootstrap/helm-release/variables.tf':
        'variable "app_path" {\n  type = string\n}\n',
      // the root module: the path a default of its own variable, relative
      // to where Terraform runs
      'clusters/b/bootstrap/main.tf':
        'module "helm-cilium" {\n  source   = "./helm-release"\n  app_path = var.cilium_path\n  namespace = "kube-system"\n}\n',
      'clusters/b/bootstrap/variables.tf':
        'variable "cilium_path" {\n  type    = string\n  default = "../kubernetes/apps/kube-system/cilium/app"\n}\n',
    };
    const reader = bootstrapReader(createRepoTree(files));
    expect(reader(`${cilium}/helmrelease.yaml`)).toEqual([
      'clusters/b/bootstrap/helm-release/main.tf',
    ]);
    expect(
      reader('clusters/b/kubernetes/apps/other/app/helmrelease.yaml'),
    ).toEqual([]);
    // the provider waits unless told not to
    expect(
      reader.waitingRelease?.(`${cilium}/helmrelease.yaml`, ['cilium']),
    ).toEqual({
      helmfile: 'clusters/b/bootstrap/helm-release/main.tf',
      release: 'release',
      setting: 'wait',
      line: 5,
      terraform: true,
    });
    files['clusters/b/bootstrap/helm-release/main.tf'] = files[
      'clusters/b/bootstrap/helm-release/main.tf'
    ].replace(
      '  namespace = var.namespace\n',
      '  namespace = var.namespace\n  wait      = false\n',
    );
    expect(
      bootstrapReader(createRepoTree(files)).waitingRelease?.(
        `${cilium}/helmrelease.yaml`,
        ['cilium'],
      ),
    ).toBeUndefined();
  });

  it("takes no wait for an address where the repository's tool files pin Helm 4, whose bare --wait does not wait for one", () => {
    // 9albi's `.mise.toml`: helmfile's wait: true is helm 4's --wait=watcher
    const pinned = (file: string, text: string) =>
      bootstrapReader(
        createRepoTree({
          'kubernetes/bootstrap/home/3_flux/1-apps.yaml':
            'helmDefaults:\n  wait: true\nreleases:\n  - name: cilium\n    chart: oci://quay.io/cilium/charts/cilium\n    values:\n      - ../../../home/apps/kube-system/cilium/app/helmrelease.yaml\n',
          [release]: 'kind: HelmRelease\n',
          [file]: text,
        }),
      ).waitingRelease?.(release, ['cilium']);
    expect(
      pinned('.mise.toml', '[tools]\n"aqua:helm/helm" = "4.2.3"\n'),
    ).toBeUndefined();
    expect(
      pinned('.tool-versions', 'helm 4.0.1\nkubectl 1.34.0\n'),
    ).toBeUndefined();
    expect(
      pinned('aqua.yaml', 'packages:\n  - name: helm/helm@v4.1.0\n'),
    ).toBeUndefined();
    // Helm 3 pinned, or nothing pinned (latest): helm may wait
    expect(pinned('.mise.toml', '[tools]\nhelm = "3.19.0"\n')).toMatchObject({
      setting: 'wait',
    });
    expect(pinned('.mise.toml', '[tools]\nhelm = "latest"\n')).toMatchObject({
      setting: 'wait',
    });
    // one file pins 4 and another 3: the oldest
    expect(
      bootstrapReader(
        createRepoTree({
          'bootstrap/helmfile.yaml':
            'helmDefaults:\n  wait: true\nreleases:\n  - name: cilium\n    chart: cilium/cilium\n    values:\n      - ../values.yaml\n',
          'values.yaml': 'cluster:\n  name: a\n',
          '.mise.toml': '[tools]\nhelm = "4.0.0"\n',
          '.tool-versions': 'helm 3.18.0\n',
        }),
      ).waitingRelease?.('values.yaml', ['cilium']),
    ).toMatchObject({ setting: 'wait' });
  });

  it("reads by a values template's printf path only its own releases' HelmReleases, where printf takes their namespace and name", () => {
    // the cluster-template's bootstrap with Cilium left to Flux: the
    // template is read for cert-manager and flux-instance alone
    const apps = (namespace: string, name: string) =>
      `kubernetes/apps/${namespace}/${name}/app/helmrelease.yaml`;
    const hr = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n';
    const template = (args: string) =>
      createRepoTree({
        [apps('network', 'cilium')]: hr,
        [apps('cert-manager', 'cert-manager')]: hr,
        [apps('flux-system', 'flux-instance')]: hr,
        'bootstrap/helmfile.d/01-apps.yaml': [
          'templates:',
          '  default:',
          '    values:',
          '      - ../values.yaml.gotmpl',
          'releases:',
          '  - name: cert-manager',
          '    namespace: cert-manager',
          '    chart: oci://quay.io/jetstack/charts/cert-manager',
          '    values:',
          '      - ../values.yaml.gotmpl',
          '  - name: flux-instance',
          '    namespace: flux-system',
          '    chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance',
          '    inherit:',
          '      - template: default',
          '',
        ].join('\n'),
        'bootstrap/values.yaml.gotmpl': `{{ exec "yq" (list "select(.kind == \\"HelmRelease\\").spec.values" (printf "../kubernetes/apps/%s/%s/app/helmrelease.yaml" ${args})) }}\n`,
      });
    const reader = bootstrapReader(
      template('.Release.Namespace .Release.Name'),
    );
    expect(reader(apps('network', 'cilium'))).toEqual([]);
    expect(reader(apps('cert-manager', 'cert-manager'))).toEqual([
      'bootstrap/values.yaml.gotmpl',
    ]);
    expect(reader(apps('flux-system', 'flux-instance'))).toEqual([
      'bootstrap/values.yaml.gotmpl',
    ]);
    // arguments that are not the release's: any folder
    expect(
      bootstrapReader(template('.Values.namespace .Release.Name'))(
        apps('network', 'cilium'),
      ),
    ).toEqual(['bootstrap/values.yaml.gotmpl']);
  });

  it("reads what a script installs with helm: a HelmRelease whose .spec.values it takes (4JX's Nix bootstrap), a values file under a variable's folder, not a manifest it applies", () => {
    const files = {
      [release]: 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n',
      'kubernetes/apps/kube-system/cilium/app/values.yaml': 'cluster: {}\n',
      'kubernetes/apps/kube-system/cilium/config/pool.yaml': 'kind: Pool\n',
    };
    const nix = createRepoTree({
      ...files,
      'nix/bootstrap.nix': [
        '{ kubectl, kubernetes-helm }:',
        'let',
        `  ciliumHelmRelease = ../${release};`,
        'in ',
        "  text = ''",
        '    yq \'.spec.values\' ${ciliumHelmRelease} > "$workdir/cilium-values.yaml"',
        '    helm upgrade --install cilium "$chart" \\',
        '      --values "$workdir/cilium-values.yaml"',
        "  '';",
        '',
      ].join('\n'),
    });
    const nixReader = bootstrapReader(nix);
    expect(nixReader(release)).toEqual(['nix/bootstrap.nix']);
    // its helm gives no cluster.name of its own: the values' goes in
    expect(nixReader.sets?.('nix/bootstrap.nix', ['cluster', 'name'])).toBe(
      false,
    );
    const shell = createRepoTree({
      ...files,
      'scripts/bootstrap.sh': [
        'kubectl apply -f "${ROOT_DIR}/kubernetes/apps/kube-system/cilium/config/pool.yaml"',
        'helm install cilium cilium/cilium --set cluster.name="$CLUSTER" --values "${ROOT_DIR}/kubernetes/apps/kube-system/cilium/app/values.yaml"',
        '',
      ].join('\n'),
    });
    const reader = bootstrapReader(shell);
    expect(
      reader('kubernetes/apps/kube-system/cilium/app/values.yaml'),
    ).toEqual(['scripts/bootstrap.sh']);
    // the name its helm sets wins over the values'
    expect(reader.sets?.('scripts/bootstrap.sh', ['cluster', 'name'])).toBe(
      true,
    );
    expect(reader.sets?.('scripts/bootstrap.sh', ['cluster', 'id'])).toBe(
      false,
    );
    // applied with kubectl, or named without taking its values: not installed
    expect(
      reader('kubernetes/apps/kube-system/cilium/config/pool.yaml'),
    ).toEqual([]);
    expect(reader(release)).toEqual([]);
    // a script that installs nothing with helm reads nothing
    const noHelm = createRepoTree({
      ...files,
      'scripts/render.sh': `yq '.spec.values' ${release} > /tmp/v.yaml\n`,
    });
    expect(bootstrapReader(noHelm)(release)).toEqual([]);
  });

  it('reads what a helmfile hook or a script applies with kubectl as written: a file, a folder, not stdin', () => {
    const reader = bootstrapReader(
      createRepoTree({
        'bootstrap/helmfile.d/01-apps.yaml': [
          'releases:',
          '  - name: cilium',
          '    chart: oci://quay.io/cilium/charts/cilium',
          '    hooks:',
          '      - events: [postsync]',
          '        command: kubectl',
          '        args:',
          '          - apply',
          '          - --filename=../../kubernetes/apps/cilium/app/networks.yaml',
          '      - events: [postsync]',
          '        command: kubectl',
          '        args: ["apply", "--kustomize", "../../kubernetes/apps/cilium/config"]',
          '',
        ].join('\n'),
        'scripts/bootstrap.sh':
          'sops -d secret.yaml | kubectl apply -f -\nkubectl apply --server-side -f "${ROOT_DIR}/kubernetes/flux/vars/settings.yaml"\n',
        'kubernetes/apps/cilium/app/networks.yaml': 'kind: Pool\n',
        'kubernetes/apps/cilium/config/pool.yaml': 'kind: Pool\n',
        'kubernetes/apps/cilium/app/helmrelease.yaml': 'kind: HelmRelease\n',
        'kubernetes/flux/vars/settings.yaml': 'kind: ConfigMap\n',
      }),
    );
    expect(
      reader.appliesAsWritten?.('kubernetes/apps/cilium/app/networks.yaml'),
    ).toEqual(['bootstrap/helmfile.d/01-apps.yaml']);
    expect(
      reader.appliesAsWritten?.('kubernetes/apps/cilium/config/pool.yaml'),
    ).toEqual(['bootstrap/helmfile.d/01-apps.yaml']);
    expect(
      reader.appliesAsWritten?.('kubernetes/flux/vars/settings.yaml'),
    ).toEqual(['scripts/bootstrap.sh']);
    expect(
      reader.appliesAsWritten?.('kubernetes/apps/cilium/app/helmrelease.yaml'),
    ).toEqual([]);
  });
});
