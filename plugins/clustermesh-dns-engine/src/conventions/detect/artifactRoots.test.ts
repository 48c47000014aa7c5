import { createRepoTree } from '../../tree/RepoTree';
import { bootstrapSync } from '../../__testUtils__/trees';
import { detectConventions } from '../detect';
import { resolveConventions } from '../resolve';
import { validateMesh } from '../../report/report';
import { buildMeshModel } from '../../model/build';

/** Two clusters whose platform comes from an OCI artifact CI pushes from ./platform. */
function repository(push: string, path = './platform') {
  const files: Record<string, string> = {
    '.github/workflows/release.yaml': [
      'name: release',
      'env:',
      '  OCI_IMAGE: registry.example.org/platform',
      'jobs:',
      '  push:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: |',
      `          ${push}`,
      `            --path=${path} \\`,
      '            --source="https://github.com/acme/kubernetes.git"',
      '',
    ].join('\n'),
    'platform/base/apps/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {a: b}\n',
  };
  for (const c of ['east', 'west']) {
    files[`clusters/${c}/flux-system/gotk-sync.yaml`] = bootstrapSync(
      `clusters/${c}`,
    );
    files[`clusters/${c}/platform.yaml`] = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata: {name: platform, namespace: flux-system}',
      'spec:',
      '  interval: 10m',
      '  url: oci://registry.example.org/platform',
      '  ref: {semver: ">=1.0.0"}',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata: {name: apps, namespace: flux-system}',
      'spec: {interval: 10m, path: ./base/apps, prune: true, sourceRef: {kind: OCIRepository, name: platform}}',
      '',
    ].join('\n');
  }
  return createRepoTree(files);
}

describe('the root of an OCI artifact CI pushes from a folder of the repository', () => {
  it('is detected from the push and the OCIRepository of the same URL, and the clusters are rendered from it', () => {
    const tree = repository(
      'flux push artifact "oci://${OCI_IMAGE}:${{ steps.version.outputs.version }}" \\',
    );
    const detection = detectConventions(tree);
    expect(detection.found).toContainEqual(
      expect.objectContaining({
        setting: 'flux.sourceRoots',
        value: 'platform: platform',
        reason:
          '.github/workflows/release.yaml:9 pushes platform/ as an OCI artifact to registry.example.org/platform, the URL of OCIRepository platform (clusters/east/platform.yaml:6): its paths start at platform/',
      }),
    );
    const report = validateMesh(tree, resolveConventions({}, detection));
    // what the artifact holds is read: nothing is left unevaluated for it
    expect(report.notEvaluated.map(f => f.message)).not.toContainEqual(
      expect.stringContaining('OCIRepository platform'),
    );
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    const mesh = buildMeshModel(tree, resolveConventions({}, detection));
    expect(
      mesh.byName
        .get('east')!
        .render.objects.map(o => o.object.source.file)
        .filter(f => f.startsWith('platform/')),
    ).toEqual(['platform/base/apps/cm.yaml']);
  });

  it('is not taken from a push to another URL', () => {
    const detection = detectConventions(
      repository('flux push artifact oci://registry.example.org/other:v1 \\'),
    );
    expect(detection.found.map(f => f.setting)).not.toContain(
      'flux.sourceRoots',
    );
  });

  it("matches a FluxInstance's OCI sync, named for its namespace, to a URL CI fills with the repository's name", () => {
    const tree = createRepoTree({
      '.github/workflows/oci.yaml': [
        'env:',
        '  OCI_REPO: "oci://ghcr.io/acme/manifests/${{ github.event.repository.name }}"',
        'jobs:',
        '  push:',
        '    steps:',
        '      - run: |',
        '          flux push artifact "$OCI_REPO:$(git rev-parse --short HEAD)" \\',
        '            --path="./kubernetes"',
        '',
      ].join('\n'),
      'kubernetes/clusters/main/flux-instance.yaml': [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: FluxInstance',
        'metadata: {name: flux, namespace: flux-system}',
        'spec:',
        '  sync:',
        '    kind: OCIRepository',
        '    url: oci://ghcr.io/acme/manifests/gitops',
        '    ref: main',
        '    path: ./clusters/main',
        '',
      ].join('\n'),
    });
    expect(detectConventions(tree).found).toContainEqual(
      expect.objectContaining({
        setting: 'flux.sourceRoots',
        value: 'flux-system: kubernetes',
      }),
    );
  });

  it('is not taken from a push of a file CI makes first (kustomize build > output/x.yaml): the artifact is not evaluated, not failed', () => {
    const tree = repository(
      'flux push artifact "oci://${OCI_IMAGE}:${{ steps.version.outputs.version }}" \\',
      './output/platform.yaml',
    );
    const detection = detectConventions(tree);
    expect(detection.found.map(f => f.setting)).not.toContain(
      'flux.sourceRoots',
    );
    const report = validateMesh(tree, resolveConventions({}, detection));
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(report.notEvaluated.map(f => f.message)).toContainEqual(
      expect.stringMatching(
        /^Kustomizations build OCIRepository platform, not this repository .*; what they apply is not evaluated/,
      ),
    );
  });
});
