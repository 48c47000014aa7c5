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
});
