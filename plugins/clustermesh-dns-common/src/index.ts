/**
 * ClusterMesh DNS, the part a browser may load: the MeshReport types, the
 * typed client of the backend API, and the address and name rules that the
 * page's form field shares with the engine. No YAML parser, no engine.
 *
 * @packageDocumentation
 */
export type {
  CheckCounts,
  CheckOutcome,
  CheckResult,
  ClusterReport,
  ConventionOverride,
  DeclaredStatus,
  DetectedConvention,
  Finding,
  FindingCode,
  FindingEffects,
  MeshMembership,
  MeshReport,
  MeshSummary,
  RuleId,
  Severity,
  SourceLocation,
} from './report/types';
export { formatLocation } from './report/location';
export { clusterSegment, groupChecks } from './report/checkGroups';
export type { CheckGroup } from './report/checkGroups';
export { hasRecord } from './report/record';
export { ruleIds } from './report/types';
export type { IpAddress, IpFamily, IpRange } from './net/ip';
export {
  addressAt,
  describeInvalidIp,
  formatRange,
  parseCidr,
  isPrivateAddress,
  parseIpAddress,
  parseStartStop,
  rangeContains,
  rangeOverlap,
  rangeSize,
  compareAddresses,
  recordTypeFor,
} from './net/ip';
export {
  certificateNameCovers,
  clusterNameProblem,
  hostnameProblem,
  secretPlaceholder,
  secretPlaceholderPattern,
  unknownVariables,
  variableSegment,
} from './net/names';
export type { DnsProvider } from './net/dns';
export { isValidTtl, ttlRange } from './net/dns';
export type { ClusterMeshDnsApi, RefOptions } from './api/client';
export { ClusterMeshDnsClient, ClusterMeshDnsRequestError } from './api/client';
export type {
  AddressUse,
  ClusterDetail,
  ClusterPool,
  ClusterSummary,
  LiveCheckId,
  LiveCheckResult,
  LiveReport,
  PeerState,
  RepositoryMatch,
  RepositoryRef,
  SourceReport,
  SourceReportBody,
  SourceSummary,
  StaleState,
} from './api/types';
export {
  clustermeshDnsLiveRunPermission,
  clustermeshDnsPermissions,
  clustermeshDnsReportReadPermission,
} from './permissions';
