import { pinnedCiliumMinor, readsOnlyOldLbIpamAnnotation } from './version';

describe('the Cilium release line a chart version pins', () => {
  it('reads a pinned version, with or without v, a patch wildcard or a tilde', () => {
    for (const text of [
      '1.14.3',
      'v1.14.3',
      '1.14.x',
      '1.14',
      '~1.14.0',
      '1.14.3-rc.1',
    ])
      expect(pinnedCiliumMinor(text)).toEqual({ major: 1, minor: 14 });
  });

  it('takes no line from a range, a caret, a star or what is not a version', () => {
    for (const text of [
      '>=1.14.0',
      '^1.14.0',
      '*',
      'latest',
      '',
      1.14,
      undefined,
    ])
      expect(pinnedCiliumMinor(text)).toBeUndefined();
  });

  it('says which lines read only io.cilium/lb-ipam-ips (lbipam.cilium.io/ips from 1.15)', () => {
    expect(
      [
        { major: 1, minor: 14 },
        { major: 1, minor: 15 },
        { major: 1, minor: 18 },
        { major: 0, minor: 9 },
      ].map(readsOnlyOldLbIpamAnnotation),
    ).toEqual([true, false, false, true]);
  });
});
