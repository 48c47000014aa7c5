/* eslint-disable jest/no-export, jest/valid-title, jest/expect-expect, jest/no-disabled-tests */
// A helper that declares suites: the Jest rules for test files do not fit it.
import { reportService, ServiceVerdict } from './services';

/** `describe` that runs when the services are there; otherwise one test that skips (reason printed) or fails. */
export function describeWithServices(
  suite: string,
  verdict: ServiceVerdict,
  body: (binaries: Record<string, string>) => void,
): void {
  if (verdict.run) {
    describe(suite, () => {
      beforeAll(() => reportService(suite, 'ran'));
      body(verdict.binaries);
    });
    return;
  }
  if (verdict.mustRun) {
    describe(suite, () => {
      it('has its services', () => {
        reportService(suite, `FAILED: ${verdict.reason}`);
        throw new Error(verdict.reason);
      });
    });
    return;
  }
  reportService(suite, `skipped: ${verdict.reason}`);
  describe.skip(`${suite} (skipped: ${verdict.reason})`, () => {
    it('needs its services', () => {});
  });
}
