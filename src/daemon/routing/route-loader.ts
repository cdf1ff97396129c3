/**
 * Loading a user route (sipd.conf `route = "/etc/sipkit/route.js"`): the file's default export,
 * validated, as a Route. `.js`/`.mjs`/`.cjs` are imported as they are; `.ts`/`.mts` are compiled
 * with the `typescript` package (route-typescript.ts) when it can be resolved.
 *
 * Every load imports a fresh copy: Node caches modules by URL, so each load adds `?v=N` to the
 * file's URL (a reload sees the file as it is now). Only the route file itself is fresh: modules
 * it imports stay cached until sipd restarts.
 *
 * Every failure is a RouteLoadError naming file:line:column where one is known: a syntax error
 * (Node's import error carries no position, so `node --check` is asked for it), an exception
 * thrown while the module runs (the first stack frame in the file), TypeScript's diagnostics.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Route } from './api/route.js';
import { locateImportError, RouteLoadError } from './route-load-error.js';
import { importTypeScript } from './route-typescript.js';

export { RouteLoadError } from './route-load-error.js';

export const ROUTE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'] as const;
const HOOKS = ['onReply', 'onFailure', 'onBranch'] as const;

let loads = 0;

/** Imports and validates the route in `file` (absolute, or relative to the cwd). */
export async function loadRouteFile(file: string): Promise<Route> {
  const path = resolve(file);
  const ext = extname(path);
  if (!(ROUTE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new RouteLoadError(path, `a route file must end in ${ROUTE_EXTENSIONS.join(', ')}`);
  }
  try {
    await access(path, constants.R_OK);
  } catch (e) {
    throw new RouteLoadError(path, `cannot read the route: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const version = ++loads;
  const mod = ext === '.ts' || ext === '.mts' ? await importTypeScript(path, version) : await importJs(path, version);
  return validateRoute(mod, path);
}

/** A plain JavaScript route: a fresh import; failures located in the file where possible. */
async function importJs(path: string, version: number): Promise<unknown> {
  const url = `${pathToFileURL(path).href}?v=${version}`;
  try {
    return await import(url);
  } catch (e) {
    throw await locateImportError(e, path, url);
  }
}

/** The module's default export as a Route, or an error saying what is wrong with it. */
export function validateRoute(mod: unknown, file: string): Route {
  const r = (mod as { default?: unknown } | undefined)?.default;
  if (r === null || typeof r !== 'object') {
    const got = r === undefined ? 'no default export' : `a default export of type ${r === null ? 'null' : typeof r}`;
    throw new RouteLoadError(file, `the default export must be a route: { request(ctx) { ... } }; found ${got}`);
  }
  const o = r as Record<string, unknown>;
  if (typeof o.request !== 'function') {
    throw new RouteLoadError(file, `the route's request must be a function (found ${typeof o.request})`);
  }
  for (const h of HOOKS) {
    if (o[h] !== undefined && typeof o[h] !== 'function') {
      throw new RouteLoadError(file, `the route's ${h} must be a function when present (found ${typeof o[h]})`);
    }
  }
  if (o.name !== undefined && typeof o.name !== 'string') {
    throw new RouteLoadError(file, `the route's name must be a string (found ${typeof o.name})`);
  }
  return r as Route;
}
