import { EngineCache } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import { createClustermeshDnsConfigureAction } from './configure';

export { createClustermeshDnsConfigureAction } from './configure';

/** Every action of this module, sharing one engine cache (the module's). */
export function createClustermeshDnsActions() {
  const cache = new EngineCache();
  return [createClustermeshDnsConfigureAction({ cache })];
}
