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
