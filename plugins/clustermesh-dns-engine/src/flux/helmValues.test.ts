import { targetPathValues } from './helmValues';

describe('targetPathValues (valuesFrom targetPath, as helm-controller sets it)', () => {
  it('types the value as Helm --set does: booleans, null, integers; other text stays text', () => {
    const at = (text: string) =>
      (targetPathValues('a.b', text) as any).a.b as unknown;
    expect(at('false')).toBe(false);
    expect(at('True')).toBe(true);
    expect(at('null')).toBe(null);
    expect(at('0')).toBe(0);
    expect(at('2379')).toBe(2379);
    expect(at('-1')).toBe(-1);
    // a leading zero, an address, a name: text
    expect(at('0755')).toBe('0755');
    expect(at('10.0.1.10')).toBe('10.0.1.10');
    expect(at('clustermesh-a.example.net')).toBe('clustermesh-a.example.net');
  });

  it('keeps a quoted value as the text inside the quotes', () => {
    expect(targetPathValues('a', '"false"')).toEqual({ a: 'false' });
    expect(targetPathValues('a', "'2379'")).toEqual({ a: '2379' });
  });

  it('reads an escaped dot as part of a key and [n] as a list item', () => {
    expect(
      targetPathValues(
        'clustermesh.apiserver.service.annotations.lbipam\\.cilium\\.io/ips',
        '10.1.0.10',
      ),
    ).toEqual({
      clustermesh: {
        apiserver: {
          service: { annotations: { 'lbipam.cilium.io/ips': '10.1.0.10' } },
        },
      },
    });
    expect(
      targetPathValues(
        'clustermesh.apiserver.tls.server.extraDnsNames[1]',
        'clustermesh-a.example.net',
      ),
    ).toEqual({
      clustermesh: {
        apiserver: {
          tls: {
            server: { extraDnsNames: [null, 'clustermesh-a.example.net'] },
          },
        },
      },
    });
  });
});
