import { createRepoTree } from '../../tree/RepoTree';
import { EngineCache } from '../../cache/EngineCache';
import { detectConventions } from '../detect';
import { scanDocuments } from './scan';
import {
  readSubstitutionWebhook,
  substitutionWebhookNeedle,
} from './substitutionWebhook';

const read = (files: Record<string, string>) => {
  const tree = createRepoTree(files);
  return readSubstitutionWebhook(
    scanDocuments(tree, new EngineCache(), [substitutionWebhookNeedle]),
  );
};

const app = 'kubernetes/apps/flux-system/kustomize-mutating-webhook/app';
const release = (values = '') =>
  `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kustomize-mutating-webhook\nspec:\n  chartRef:\n    kind: OCIRepository\n    name: kustomize-mutating-webhook\n  valuesFrom:\n    - kind: ConfigMap\n      name: kustomization-mutating-webhook-values\n${values}`;

describe('readSubstitutionWebhook', () => {
  it("reads the ConfigMaps and Secrets of the webhook's values file and the namespaces its chart leaves alone", () => {
    const found = read({
      [`${app}/helmrelease.yaml`]: release(),
      [`${app}/values.yaml`]:
        'image:\n  repository: ghcr.io/xunholy/kustomize-mutating-webhook\n  tag: 0.12.0\nconfigMaps:\n  - create: false\n    name: cluster-config\nsecrets:\n  - create: false\n    name: cluster-secrets\n',
    });
    expect(found).toMatchObject({
      webhook: {
        namespace: 'flux-system',
        sources: [
          { kind: 'ConfigMap', name: 'cluster-config' },
          { kind: 'Secret', name: 'cluster-secrets' },
        ],
        skipNamespaces: ['flux-system'],
      },
      location: { file: `${app}/values.yaml`, line: 4 },
    });
    expect(found!.reason).toBe(
      `the kustomize-mutating-webhook the repository deploys (${app}/values.yaml:4) writes the keys of ConfigMap flux-system/cluster-config, Secret flux-system/cluster-secrets into the postBuild.substitute of every Flux Kustomization outside flux-system, over its own (its namespace taken to be flux-system)`,
    );
  });

  it("says the detected setting as what it does: the sources given to Kustomizations outside the namespaces it skips (not a Secret said to be outside flux-system, rwlove's reading)", () => {
    const { found } = detectConventions(
      createRepoTree({
        [`${app}/helmrelease.yaml`]: release(),
        [`${app}/values.yaml`]:
          'image:\n  repository: ghcr.io/xunholy/kustomize-mutating-webhook\n  tag: 0.12.0\nconfigMaps:\n  - create: false\n    name: cluster-config\nsecrets:\n  - create: false\n    name: cluster-secrets\n',
      }),
    );
    expect(
      found.find(f => f.setting === 'flux.substitutionWebhook')?.value,
    ).toBe(
      'ConfigMap flux-system/cluster-config, Secret flux-system/cluster-secrets (given to Kustomizations outside flux-system)',
    );
  });

  it("reads values a configMapGenerator gives the release through valuesFrom, whatever its image key says (aclerici38's misspelled repository)", () => {
    const { found, conventions } = detectConventions(
      createRepoTree({
        [`${app}/helmrelease.yaml`]: release(),
        [`${app}/kustomization.yaml`]:
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [helmrelease.yaml]\nconfigMapGenerator:\n  - name: kustomization-mutating-webhook-values\n    files: [values.yaml]\ngeneratorOptions:\n  disableNameSuffixHash: true\n',
        [`${app}/values.yaml`]:
          'image:\n  repsotory: ghcr.io/xunholy/kustomize-mutating-webhook\nconfigMaps: []\nsecrets:\n  - create: false\n    name: cluster-secrets\nwebhook:\n  namespaceSelector:\n    matchExpressions:\n      - key: kubernetes.io/metadata.name\n        operator: NotIn\n        values: [thisisafakenamespace]\n',
      }),
    );
    expect(conventions.flux?.substitutionWebhook).toEqual({
      namespace: 'flux-system',
      sources: [{ kind: 'Secret', name: 'cluster-secrets' }],
      skipNamespaces: ['thisisafakenamespace'],
    });
    expect(
      found.find(f => f.setting === 'flux.substitutionWebhook')?.location,
    ).toEqual({ file: `${app}/helmrelease.yaml`, line: 9 });
  });

  it("takes the chart's defaults for what inline values leave out, and the namespaces a NotIn selector names", () => {
    const found = read({
      [`${app}/helmrelease.yaml`]: release(
        '  values:\n    webhook:\n      namespaceSelector:\n        matchExpressions:\n          - key: kubernetes.io/metadata.name\n            operator: NotIn\n            values: [flux-system, kube-system]\n',
      ).replace(
        '  name: kustomize-mutating-webhook\nspec',
        '  name: kustomize-mutating-webhook\n  namespace: gitops\nspec',
      ),
    });
    expect(found?.webhook).toEqual({
      namespace: 'gitops',
      sources: [{ kind: 'ConfigMap', name: 'cluster-config' }],
      skipNamespaces: ['flux-system', 'kube-system'],
    });
  });

  it('says nothing where a selector is not one of names left out, or where no webhook is deployed', () => {
    expect(
      read({
        [`${app}/helmrelease.yaml`]: release(
          '  values:\n    webhook:\n      namespaceSelector:\n        matchLabels: {mutate: "true"}\n',
        ),
      }),
    ).toBeUndefined();
    expect(
      read({
        'apps/readme.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata: {about: kustomize-mutating-webhook}\n',
      }),
    ).toBeUndefined();
  });
});
