import { formatMessage } from './rule';

describe('formatMessage', () => {
  it('fills in values', () =>
    expect(
      formatMessage('LB IP {{ip}} of {{cluster}}', {
        ip: '10.0.0.1',
        cluster: 'infra',
      }),
    ).toBe('LB IP 10.0.0.1 of infra'));

  it('gives a count its noun, singular for one', () => {
    const template = 'knows its {{count:peer}} by FQDN';
    expect(formatMessage(template, { count: 1 })).toBe(
      'knows its 1 peer by FQDN',
    );
    expect(formatMessage(template, { count: 2 })).toBe(
      'knows its 2 peers by FQDN',
    );
    expect(formatMessage(template, { count: 0 })).toBe(
      'knows its 0 peers by FQDN',
    );
    expect(formatMessage('{{n:LB IP}}', { n: 3 })).toBe('3 LB IPs');
  });

  it('refuses a template whose value is missing (a bug of the rule)', () =>
    expect(() => formatMessage('{{count:peer}}', {})).toThrow(
      'message "{{count:peer}}" needs a value for count',
    ));
});
