/**
 * TypeScript routes. sipd does not bundle a compiler: it uses the `typescript` package when one
 * can be resolved from the route's directory or from sipkit's own (install it next to the route,
 * `npm i typescript`, or compile the route to .mjs yourself).
 *
 * Loading transpiles the one file (ts.transpileModule: types are not checked, syntax errors are
 * reported with their position), writes it as a temporary .mjs and imports that. The temporary
 * file lives elsewhere, so its import specifiers are made absolute: relative ones against the
 * route's directory, and `sipkit/routing` to the running sipd's own API module (the route gets
 * the very instance sipd runs, wherever the route lives).
 *
 * `sipd check-config` also type-checks (typeCheckRoute): a ts Program over the route, with
 * `sipkit/routing` mapped to this package's API types.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TS from 'typescript';
import { locateImportError, RouteLoadError } from './route-load-error.js';

type TypeScript = typeof TS;

/** The API module and its types in this package (dist/…/api/index.js, its .d.ts, or the source .ts). */
const API_JS = fileURLToPath(new URL('./api/index.js', import.meta.url));
const PACKAGE_ROOT = resolve(dirname(API_JS), '../../../../..');

/** The `typescript` package, from the route's directory first, then from sipkit's; undefined when absent. */
export async function resolveTypeScript(route: string): Promise<TypeScript | undefined> {
  for (const from of [route, API_JS]) {
    try {
      const path = createRequire(from).resolve('typescript');
      const mod = (await import(pathToFileURL(path).href)) as TypeScript & { default?: TypeScript };
      return mod.default ?? mod;
    } catch {
      // not resolvable from there
    }
  }
  return undefined;
}

async function requireTypeScript(path: string): Promise<TypeScript> {
  const ts = await resolveTypeScript(path);
  if (!ts) {
    throw new RouteLoadError(
      path,
      'a TypeScript route needs the typescript package: install it next to the route (npm i typescript) or compile the route to .mjs',
    );
  }
  return ts;
}

/** Transpiles, writes a temporary .mjs, imports it, removes it. */
export async function importTypeScript(path: string, version: number): Promise<unknown> {
  const ts = await requireTypeScript(path);
  const source = await readFile(path, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  const first = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (first) throw diagnosticError(ts, first, path);
  const dir = await mkdtemp(join(tmpdir(), 'sipkit-route-'));
  const tmp = join(dir, `${basename(path)}.${version}.mjs`);
  try {
    await writeFile(tmp, absoluteSpecifiers(out.outputText, dirname(path)), { mode: 0o600 });
    const url = pathToFileURL(tmp).href;
    try {
      return await import(url);
    } catch (e) {
      // Transpiling keeps statements on their lines, so the temporary file's positions are the route's.
      throw await locateImportError(e, path, url, tmp);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rewrites `from "./x.js"`, `import("./x.js")` and `sipkit/routing` to absolute file URLs. */
export function absoluteSpecifiers(js: string, routeDir: string): string {
  return js.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])((?:\.{1,2}\/)[^"']*|sipkit\/routing)\2/g,
    (_m, pre: string, q: string, spec: string) => {
      const target = spec === 'sipkit/routing' ? API_JS : resolve(routeDir, spec);
      return `${pre}${q}${pathToFileURL(target).href}${q}`;
    },
  );
}

function diagnosticError(ts: TypeScript, d: TS.Diagnostic, path: string): RouteLoadError {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return new RouteLoadError(path, `TS${d.code}: ${text}`);
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return new RouteLoadError(d.file.fileName, `TS${d.code}: ${text}`, line + 1, character + 1);
}

/** Where the routing API's types are: the .d.ts beside the built API, or the source .ts. */
function apiTypes(): string | undefined {
  const candidates = [
    API_JS.replace(/\.js$/, '.d.ts'),
    join(PACKAGE_ROOT, 'src', 'daemon', 'routing', 'api', 'index.ts'),
  ];
  return candidates.find((p) => existsSync(p));
}

/**
 * Type-checks a TypeScript route against the routing API (check-config). Returns the errors in
 * the route (file:line:column first); [] when it is clean or typescript is not available (then
 * `skipped` says so).
 */
export async function typeCheckRoute(path: string): Promise<{ errors: RouteLoadError[]; skipped?: string }> {
  const ts = await resolveTypeScript(path);
  if (!ts) return { errors: [], skipped: 'typescript is not installed: the route was not type-checked' };
  const types = apiTypes();
  const atTypes = join(PACKAGE_ROOT, 'node_modules', '@types');
  const options: TS.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    ...(types ? { paths: { 'sipkit/routing': [types] } } : {}),
    ...(existsSync(join(atTypes, 'node')) ? { typeRoots: [atTypes], types: ['node'] } : { types: [] }),
  };
  const program = ts.createProgram([path], options);
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error && (!d.file || resolve(d.file.fileName) === path))
    .map((d) => diagnosticError(ts, d, path));
  return { errors };
}
