/**
 * `sipd check-config`'s look at the route file: load it as sipd would (syntax, what it throws
 * while loading, its default export) and, for TypeScript, type-check it against the routing API.
 */
import { extname } from 'node:path';
import { loadRouteFile, RouteLoadError } from './route-loader.js';
import { typeCheckRoute } from './route-typescript.js';

export interface RouteCheck {
  /** the route's name when it loaded */
  name?: string;
  /** every problem found, each naming file:line:column where known */
  errors: RouteLoadError[];
  /** e.g. that type-checking was skipped */
  note?: string;
}

export async function checkRouteFile(file: string): Promise<RouteCheck> {
  // Type errors first: a type error often explains the load failure that follows.
  const typed = /\.m?ts$/.test(extname(file)) ? await typeCheckRoute(file) : { errors: [] };
  try {
    const route = await loadRouteFile(file);
    return { name: route.name, errors: typed.errors, note: typed.skipped };
  } catch (e) {
    const err = e instanceof RouteLoadError ? e : new RouteLoadError(file, (e as Error)?.message ?? String(e));
    const dup = typed.errors.some((t) => t.message === err.message);
    return { errors: dup ? typed.errors : [...typed.errors, err], note: typed.skipped };
  }
}
