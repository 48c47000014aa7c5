import {
  compareAddresses,
  describeInvalidIp,
  isPrivateAddress,
  parseCidr,
  parseIpAddress,
  parseStartStop,
  rangeContains,
  rangeOverlap,
  recordTypeFor,
} from './ip';
import { clusterNameProblem, hostnameProblem, variableSegment } from './names';

describe('IP addresses', () => {
  it('tells addresses of private networks from public ones', () => {
    const privateOf = (text: string) => isPrivateAddress(parseIpAddress(text)!);
    for (const text of [
      '10.20.8.20',
      '192.168.1.5',
      '172.16.0.1',
      '100.64.0.9',
      'fd00::1',
      '169.254.1.1',
    ])
      expect([text, privateOf(text)]).toEqual([text, true]);
    for (const text of ['1.1.1.1', '172.32.0.1', '2606:4700::1111'])
      expect([text, privateOf(text)]).toEqual([text, false]);
  });

  it('parses strict IPv4 and IPv6', () => {
    expect(parseIpAddress('10.25.11.100')).toMatchObject({
      family: 'ipv4',
      text: '10.25.11.100',
    });
    expect(parseIpAddress('fd00:0:0:0::1')).toMatchObject({
      family: 'ipv6',
      text: 'fd00::1',
    });
    for (const bad of [
      '10.25.11',
      '10.25.11.256',
      '010.1.1.1',
      '10.0.0.1/32',
      ' 10.0.0.1',
      'fe80::1%eth0',
      '',
      'x',
    ]) {
      expect(parseIpAddress(bad)).toBeUndefined();
    }
  });
  it('explains why a text is not an address', () => {
    expect(describeInvalidIp('10.25.11')).toBe('does not have four octets');
    expect(describeInvalidIp('10.25.11.300')).toBe('has an octet above 255');
    expect(describeInvalidIp('10.0.0.0/24')).toBe(
      'is a CIDR, not a single address',
    );
    expect(describeInvalidIp('10.025.1.1')).toBe(
      'has an octet with a leading zero',
    );
  });
  it('handles pool blocks: CIDR and start/stop', () => {
    const cidr = parseCidr('10.25.11.96/27')!;
    expect(rangeContains(cidr, parseIpAddress('10.25.11.100')!)).toBe(true);
    expect(rangeContains(cidr, parseIpAddress('10.25.11.128')!)).toBe(false);
    const range = parseStartStop('10.25.11.120', '10.25.11.139')!;
    expect(rangeOverlap(cidr, range)?.text).toBe('10.25.11.120-10.25.11.127');
    expect(parseStartStop('10.0.0.9', '10.0.0.1')).toBeUndefined();
    expect(parseStartStop('10.0.0.1')?.text).toBe('10.0.0.1');
    expect(parseCidr('fd00::/120')?.family).toBe('ipv6');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
  it('orders addresses and ranges numerically, IPv4 first', () => {
    const texts = ['fd00::1', '10.0.0.10', '10.0.0.9', '9.255.255.255'];
    expect(
      texts
        .map(t => parseIpAddress(t)!)
        .sort(compareAddresses)
        .map(a => a.text),
    ).toEqual(['9.255.255.255', '10.0.0.9', '10.0.0.10', 'fd00::1']);
    const ranges = ['fd00::/120', '10.0.1.0/24', '10.0.0.128/25'].map(
      t => parseCidr(t)!,
    );
    expect(ranges.sort(compareAddresses).map(r => r.text)).toEqual([
      '10.0.0.128/25',
      '10.0.1.0/24',
      'fd00::/120',
    ]);
    expect(
      compareAddresses(parseCidr('10.0.0.0/24')!, parseIpAddress('10.0.0.0')!),
    ).toBe(0);
  });
  it('names the record type of each family', () => {
    expect([recordTypeFor('ipv4'), recordTypeFor('ipv6')]).toEqual([
      'A',
      'AAAA',
    ]);
  });
});

describe('names', () => {
  it('checks RFC 1123 host names', () => {
    expect(hostnameProblem('clustermesh-infra.example.com')).toBeUndefined();
    expect(
      hostnameProblem('clustermesh-infra.<secret:SECRET_DOMAIN>'),
    ).toBeUndefined();
    expect(hostnameProblem('clustermesh-infra.example.com.')).toBeUndefined();
    expect(hostnameProblem('Clustermesh.example.com')).toBe(
      'has upper-case letters in "Clustermesh"',
    );
    expect(hostnameProblem('clustermesh_infra.example.com')).toBe(
      'has "_" in "clustermesh_infra"',
    );
    expect(hostnameProblem(`${'a'.repeat(64)}.example.com`)).toBe(
      `has the label "${'a'.repeat(20)}…" of 64 characters (at most 63)`,
    );
    expect(hostnameProblem(`${'a.'.repeat(127)}com`)).toBe(
      'is 257 characters long (at most 253)',
    );
    expect(hostnameProblem('-a.example.com')).toBe(
      'has the label "-a" starting or ending with "-"',
    );
    expect(hostnameProblem('a..com')).toBe(
      'has an empty label (two dots in a row)',
    );
    expect(hostnameProblem('localhost')).toBe(
      'is a single label, not a fully qualified name',
    );
    expect(hostnameProblem('mesh.${SECRET_DOMAIN}')).toBe(
      'contains the unresolved variable ${SECRET_DOMAIN}',
    );
    expect(hostnameProblem('münchen.example.com')).toBe(
      'has the character "ü" in "münchen"',
    );
  });
  it("checks Cilium's cluster-name rule", () => {
    expect(clusterNameProblem('infra')).toBeUndefined();
    expect(clusterNameProblem('a'.repeat(33))).toBe(
      'is 33 characters long (Cilium allows at most 32)',
    );
    expect(clusterNameProblem('Infra')).toBe(
      'has the character "I" (Cilium allows a-z, 0-9 and "-")',
    );
    expect(clusterNameProblem('-infra')).toBe(
      'must begin and end with a letter or digit',
    );
    expect(clusterNameProblem('')).toBe('is empty');
  });
  it('writes a cluster name as a variable segment', () =>
    expect(variableSegment('apps-eu.1')).toBe('APPS_EU_1'));
});
