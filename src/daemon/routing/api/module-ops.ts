/**
 * The module views of a request context (ctx.registrar, ctx.location, ctx.alias, ctx.groups):
 * small objects made on first use that call back into the context, which keeps the state.
 */
import type { AuthenticatedUser, Contact } from './route.js';

/** What the views ask of the request context (request-context.ts). */
export interface OpsHost {
  saveRegistration(): Promise<void>;
  lookupContacts(aor?: string): Contact[];
  resolveAlias(): boolean;
  aliasOf(user: string, domain: string): AuthenticatedUser | undefined;
  inGroup(group: string, user?: AuthenticatedUser): boolean;
}

export class RegistrarOps {
  constructor(private readonly ctx: OpsHost) {}
  save(): Promise<void> {
    return this.ctx.saveRegistration();
  }
}

export class LocationOps {
  constructor(private readonly ctx: OpsHost) {}
  lookup(aor?: string): Contact[] {
    return this.ctx.lookupContacts(aor);
  }
}

export class AliasOps {
  constructor(private readonly ctx: OpsHost) {}
  resolve(): boolean {
    return this.ctx.resolveAlias();
  }
  lookup(user: string, domain: string): AuthenticatedUser | undefined {
    return this.ctx.aliasOf(user, domain);
  }
}

export class GroupOps {
  constructor(private readonly ctx: OpsHost) {}
  has(group: string, user?: AuthenticatedUser): boolean {
    return this.ctx.inGroup(group, user);
  }
}
