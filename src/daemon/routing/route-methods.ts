/**
 * Reloading the user route (sipd.conf `route`): the `route.reload` management method, which
 * `sipctl reload` and SIGHUP (lifecycle/run.ts) call. The file named when sipd started is loaded
 * again (a new `route = ...` path needs a restart). A route that fails to load leaves the one in
 * force untouched, is logged, and the method fails with the file:line of the problem.
 */
import type { Logger } from '../log.js';
import { RpcError, RpcErrorCode } from '../../mgmt/protocol.js';
import type { RouteReloadResult } from '../../mgmt/results.js';
import type { MethodRegistry } from '../mgmt/registry.js';
import type { Route } from './api/route.js';
import { loadRouteFile, RouteLoadError } from './route-loader.js';

/** Where the route in force is kept: SipModule (its `route` field is swapped in one assignment). */
export interface RouteHolder {
  route: Route;
}

/**
 * Reloads serialised: two at once would otherwise race, and the slower (older) load could win.
 * Returns a function doing one reload.
 */
export function routeReloader(holder: RouteHolder, file: string, log: Logger): () => Promise<RouteReloadResult> {
  let last: Promise<unknown> = Promise.resolve();
  const once = async (): Promise<RouteReloadResult> => {
    if (file === '') return { file: null, name: holder.route.name ?? 'default', reloaded: false };
    let route: Route;
    try {
      route = await loadRouteFile(file);
    } catch (err) {
      log.error({ err, route_file: file }, 'route reload failed: the route in force stays');
      const e = err instanceof RouteLoadError ? err : new RouteLoadError(file, (err as Error)?.message ?? String(err));
      throw new RpcError(RpcErrorCode.FAILED, e.message, { file: e.file, line: e.line, column: e.column });
    }
    // One assignment: a request that starts from now on gets the new route; the ones in flight
    // keep the route their context captured (their hooks run from it).
    holder.route = route;
    log.info({ route_file: file, route: route.name }, 'route reloaded');
    return { file, name: route.name ?? file, reloaded: true };
  };
  return () => {
    const run = last.then(once, once);
    last = run.catch(() => {});
    return run;
  };
}

export function registerRouteMethods(rpc: MethodRegistry, reload: () => Promise<RouteReloadResult>): void {
  rpc.register({
    name: 'route.reload',
    module: 'route',
    help:
      'Load the route file (sipd.conf route) again and put it in force for new requests: {file, name, reloaded}. ' +
      'A route that fails to load leaves the old one in force (error data: file, line, column).',
    handler: () => reload(),
  });
}
