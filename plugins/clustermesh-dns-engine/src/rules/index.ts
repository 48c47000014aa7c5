import { caShared } from './ca-shared';
import type { RuleId } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clusterIdUnique } from './cluster-id-unique';
import { clusterNameValid } from './cluster-name-valid';
import { dnsEndpointIncluded } from './dnsendpoint-included';
import { dnsEndpointMatches } from './dnsendpoint-matches';
import { fqdnConvention } from './fqdn-convention';
import { fqdnUnique } from './fqdn-unique';
import { fqdnValid } from './fqdn-valid';
import { lbIpAnnounced } from './lb-ip-announced';
import { lbIpInPool } from './lb-ip-in-pool';
import { lbIpUnique } from './lb-ip-unique';
import { lbIpValid } from './lb-ip-valid';
import { manifestShape } from './manifest-shape';
import { peersByFqdn } from './peers-by-fqdn';
import { peersComplete } from './peers-complete';
import { poolsDisjoint } from './pools-disjoint';
import type { Rule } from './rule';
import { serviceAnnotation } from './service-annotation';
import { settingsPresent } from './settings-present';
import { substitutionComplete } from './substitution-complete';
import { tlsSan } from './tls-san';
import { ttlValid } from './ttl-valid';

/** The rule catalog, in the order checks are reported. @public */
export const rules: readonly Rule[] = [
  settingsPresent,
  fqdnValid,
  fqdnConvention,
  clusterNameValid,
  clusterIdUnique,
  lbIpValid,
  lbIpInPool,
  lbIpUnique,
  lbIpAnnounced,
  fqdnUnique,
  poolsDisjoint,
  peersComplete,
  dnsEndpointMatches,
  dnsEndpointIncluded,
  serviceAnnotation,
  peersByFqdn,
  tlsSan,
  caShared,
  substitutionComplete,
  ttlValid,
  manifestShape,
] as Rule[];

/** A rule by id. @public */
export function ruleById(id: RuleId): Rule | undefined {
  return rules.find(rule => rule.id === id);
}
