import type { CheckResult } from './types';
import { groupChecks } from './checkGroups';

const check = (
  cluster: string | undefined,
  message: string,
  file: string,
): CheckResult =>
  ({
    ruleId: 'cluster-name-valid',
    severity: 'warning',
    outcome: 'fail',
    ...(cluster && { cluster }),
    message,
    location: { file, line: 18 },
  } as CheckResult);

describe('groupChecks', () => {
  it('says one message of a shared file, or of each cluster its own file, once for all its clusters', () => {
    const shared = 'apps/cilium/helmrelease.yaml';
    expect(
      groupChecks([
        check('east', 'installed as written', shared),
        check('west', 'installed as written', shared),
        check('east', 'own', 'clusters/east/values.yaml'),
        check('west', 'own', 'clusters/west/values.yaml'),
        check('west', 'other', shared),
      ]).map(g => [g.clusters, g.places]),
    ).toEqual([
      [['east', 'west'], [`${shared}:18`]],
      [
        ['east', 'west'],
        ['clusters/east/values.yaml:18', 'clusters/west/values.yaml:18'],
      ],
      [['west'], [`${shared}:18`]],
    ]);
  });

  it('keeps results of no cluster apart, and a message at two unrelated places apart', () => {
    const groups = groupChecks([
      check(undefined, 'mesh', 'a.yaml'),
      check(undefined, 'mesh', 'a.yaml'),
      check('east', 'same', 'one/x.yaml'),
      check('west', 'same', 'two/x.yaml'),
    ]);
    expect(groups.map(g => g.clusters)).toEqual([[], [], ['east'], ['west']]);
  });
});
