/**
 * What the service-backed test suites share: whether a suite's programs are
 * there (and whether their absence is a skip or a failure), the line each
 * suite reports to `make test`, free loopback ports, and a `describe` that
 * runs, skips or fails accordingly.
 *
 * @packageDocumentation
 */
export {
  findExecutable,
  freePort,
  reportService,
  serviceVerdict,
} from './services';
export type { ServiceVerdict } from './services';
export { describeWithServices } from './describeWithServices';
