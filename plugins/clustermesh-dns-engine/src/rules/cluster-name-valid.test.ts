import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { clusterNameValid } from './cluster-name-valid';

describe('cluster-name-valid', () => {
  describeRule(clusterNameValid, {
    edit: replace(
      exampleFile.settings('infra'),
      'CLUSTER_NAME: "infra"',
      'CLUSTER_NAME: "Infra_1"',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.helmRelease}:20`,
      message: /cluster name "Infra_1" has the character "I"/,
    },
  });
});
