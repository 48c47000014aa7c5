import { createClustermeshDnsConfigureAction } from './configure';

export { createClustermeshDnsConfigureAction } from './configure';

/** Every action of this module. */
export function createClustermeshDnsActions() {
  return [createClustermeshDnsConfigureAction()];
}
