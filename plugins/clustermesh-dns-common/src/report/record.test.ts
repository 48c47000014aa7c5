import { hasRecord } from './record';

describe('hasRecord', () => {
  const at = { file: 'records.yaml', line: 3 };
  it('is a record a DNSEndpoint holds, or, in manual mode, the one a cluster of the mesh has by its address', () => {
    const record = {
      type: 'A' as const,
      ttl: 300,
      mode: 'externaldns' as const,
    };
    expect(
      hasRecord({ status: 'pass', record: { ...record, location: at } }),
    ).toBe(true);
    expect(hasRecord({ status: 'pass', record })).toBe(false);
    const manual = { ...record, mode: 'manual' as const };
    expect(hasRecord({ status: 'pass', record: manual })).toBe(true);
    expect(hasRecord({ status: 'outside', record: manual })).toBe(false);
    expect(
      hasRecord({ status: 'pass', record: { ...manual, type: undefined } }),
    ).toBe(false);
    // a DNSEndpoint found is shown whatever the cluster's status
    expect(
      hasRecord({ status: 'outside', record: { ...record, location: at } }),
    ).toBe(true);
  });
});
