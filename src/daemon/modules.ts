/**
 * The modules `sipd run` loads, in order. The SIP module (src/daemon/routing/sip-module.ts) wires
 * the routing pipeline, registrar, location service, authentication, NAT help and protection; the
 * server runs its hooks around binding the listeners and opening the management socket (see
 * module.ts).
 */
import type { SipdConfig } from './config/load.js';
import type { SipdModule } from './module.js';
import { sipModules } from './routing/sip-module.js';

export function builtinModules(config: SipdConfig): SipdModule[] {
  return [...sipModules(config)];
}
