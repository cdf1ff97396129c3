/**
 * The modules `sipd run` loads, in order. Each SIP feature (location store, registrar, proxy,
 * NAT keepalive, protection) adds itself here as a SipdModule (see module.ts); the server runs
 * their hooks around binding the listeners and opening the management socket.
 */
import type { SipdConfig } from './config/load.js';
import type { SipdModule } from './module.js';

export function builtinModules(_config: SipdConfig): SipdModule[] {
  return [];
}
