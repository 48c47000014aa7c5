import {
  parseSelectorString,
  requirementsAdmit,
  selectorAdmits,
} from './labelSelector';

const admits = (selector: string, labels: Record<string, string>) => {
  const parsed = parseSelectorString(selector);
  if ('error' in parsed) throw new Error(parsed.error);
  return requirementsAdmit(parsed.requirements, labels);
};

describe('label selectors in string syntax', () => {
  it('parses every operator of the Kubernetes syntax', () => {
    expect(
      parseSelectorString(
        ' app = web , tier!=db,env in (prod, stage ),zone notin (a),legacy,!beta, size>2, n<10, x==y',
      ),
    ).toEqual({
      requirements: [
        { key: 'app', operator: '=', values: ['web'] },
        { key: 'tier', operator: '!=', values: ['db'] },
        { key: 'env', operator: 'in', values: ['prod', 'stage'] },
        { key: 'zone', operator: 'notin', values: ['a'] },
        { key: 'legacy', operator: 'exists', values: [] },
        { key: 'beta', operator: '!', values: [] },
        { key: 'size', operator: '>', values: ['2'] },
        { key: 'n', operator: '<', values: ['10'] },
        { key: 'x', operator: '=', values: ['y'] },
      ],
    });
    expect(parseSelectorString('')).toEqual({ requirements: [] });
    expect(parseSelectorString('a in ()')).toEqual({
      requirements: [{ key: 'a', operator: 'in', values: [''] }],
    });
    expect(parseSelectorString('a in (x,)')).toEqual({
      requirements: [{ key: 'a', operator: 'in', values: ['x', ''] }],
    });
    expect(parseSelectorString('a=')).toEqual({
      requirements: [{ key: 'a', operator: '=', values: [''] }],
    });
    expect(parseSelectorString('example.com/role=edge')).toEqual({
      requirements: [
        { key: 'example.com/role', operator: '=', values: ['edge'] },
      ],
    });
  });

  it('refuses what Kubernetes refuses', () => {
    for (const bad of [
      'a in b',
      'a in (b',
      '=b',
      'a b',
      'a,',
      '!',
      'a>b',
      '-a=b',
      'a=-b',
      `a=${'x'.repeat(64)}`,
      'Bad_Prefix/a=b',
    ])
      expect({ bad, parsed: 'error' in parseSelectorString(bad) }).toEqual({
        bad,
        parsed: true,
      });
  });

  it('matches as Kubernetes does: != and notin admit a missing key, in and = do not', () => {
    const labels = { app: 'web', tier: 'front', size: '3' };
    expect(admits('app=web,tier in (front,back)', labels)).toBe(true);
    expect(admits('app!=db', labels)).toBe(true);
    expect(admits('missing!=x', labels)).toBe(true);
    expect(admits('missing notin (x)', labels)).toBe(true);
    expect(admits('missing in (x)', labels)).toBe(false);
    expect(admits('!app', labels)).toBe(false);
    expect(admits('!missing,app', labels)).toBe(true);
    expect(admits('size>2,size<4', labels)).toBe(true);
    expect(admits('app>2', labels)).toBe(false);
    expect(admits('', labels)).toBe(true);
  });

  it('keeps the object form for LB IPAM pools', () => {
    expect(selectorAdmits({ matchLabels: { a: 'b' } }, { a: 'b' })).toBe(true);
    expect(
      selectorAdmits(
        { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['b'] }] },
        {},
      ),
    ).toBe(true);
  });
});
