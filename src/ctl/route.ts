/**
 * sipctl reload: make the running sipd load its route file again (`route.reload`; SIGHUP does
 * the same). A route that fails to load is an error from sipd (exit 1, its file:line in the
 * message); the old route stays in force.
 */
import type { RouteReloadResult } from '../mgmt/results.js';
import { rpc, type CtlContext } from './context.js';

export type { RouteReloadResult } from '../mgmt/results.js';

/** Loading a TypeScript route compiles it: allow more than the default 5 s. */
const RELOAD_TIMEOUT_MS = 30_000;

export function reloadRoute(ctx: CtlContext): Promise<RouteReloadResult> {
  return rpc<RouteReloadResult>(ctx, 'route.reload', undefined, RELOAD_TIMEOUT_MS);
}
