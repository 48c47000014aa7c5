/** Every action of this module (the configure action lands with issue 4). */
export function createClustermeshDnsActions() {
  return [];
}
