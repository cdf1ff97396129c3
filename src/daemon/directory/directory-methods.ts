/**
 * Management methods of the provisioning caches (the directory): `cache.reload` after sipctl
 * writes subscribers, aliases, groups or preferences, and `domain.reload` / `domain.dump`
 * (Kamailio's domain module).
 */
import type { MethodRegistry } from '../mgmt/registry.js';
import type { Directory } from './directory.js';

const module = 'directory';

export function registerDirectoryMethods(rpc: MethodRegistry, directory: Directory): void {
  rpc.register({
    name: 'cache.reload',
    module,
    help: 'Reload subscribers, aliases, groups, preferences and domains from the database (after sipctl writes). Returns the counts.',
    handler: async () => directory.load(),
  });
  rpc.register({
    name: 'domain.reload',
    module,
    help: 'Reload the domain table: {domains: [...]}.',
    handler: async () => {
      await directory.loadDomains();
      return { domains: directory.domains() };
    },
  });
  rpc.register({
    name: 'domain.dump',
    module,
    help: 'The domains sipd serves (configured plus the domain table): {domains: [...]}.',
    handler: () => ({ domains: directory.domains() }),
  });
}
