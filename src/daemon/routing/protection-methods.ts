/**
 * Management methods of the protection policy (protection.ts): the sources banned now
 * (`security.bans`) and lifting a ban (`security.unban`).
 */
import type { MethodRegistry } from '../mgmt/registry.js';
import type { Protection } from './protection.js';

const module = 'security';

export function registerProtectionMethods(rpc: MethodRegistry, protection: Protection): void {
  rpc.register({
    name: 'security.bans',
    module,
    help: 'Sources banned now: {bans: [{address, until (epoch seconds)}]}.',
    handler: () => ({
      bans: protection.banned().map((b) => ({ address: b.address, until: Math.floor(b.until / 1000) })),
    }),
  });
  rpc.register({
    name: 'security.unban',
    module,
    help: 'Lift the ban of a source address: {address, unbanned}.',
    params: [{ name: 'address', type: 'string' }],
    handler: (p) => ({ address: p.address, unbanned: protection.unban(String(p.address)) }),
  });
}
