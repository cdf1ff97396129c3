/**
 * Loading user routes (route-loader.ts, route-typescript.ts, route-check.ts): a valid module,
 * what is wrong with a bad default export, the file:line:column of syntax errors, of exceptions
 * while loading and of TypeScript diagnostics, a fresh copy on every load, and TypeScript routes
 * that import `sipkit/routing`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkRouteFile } from '../../../../src/daemon/routing/route-check.js';
import { stackPosition } from '../../../../src/daemon/routing/route-load-error.js';
import { loadRouteFile, RouteLoadError } from '../../../../src/daemon/routing/route-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'sipkit-route-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(ext: string, text: string): string {
  const p = join(dir, `route${++n}${ext}`);
  writeFileSync(p, text);
  return p;
}

async function loadError(path: string): Promise<RouteLoadError> {
  const err = await loadRouteFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof RouteLoadError, `expected a RouteLoadError, got ${String(err)}`);
  return err;
}

describe('route files: JavaScript', () => {
  test('a module whose default export has request() loads, with its hooks and name', async () => {
    const p = file('.mjs', "export default { name: 'r', request(ctx) { ctx.reply(200); }, onFailure() {} };\n");
    const r = await loadRouteFile(p);
    assert.equal(r.name, 'r');
    assert.equal(typeof r.request, 'function');
    assert.equal(typeof r.onFailure, 'function');
  });

  test('CommonJS (.cjs): module.exports is the route', async () => {
    const r = await loadRouteFile(file('.cjs', 'module.exports = { request() {} };\n'));
    assert.equal(typeof r.request, 'function');
  });

  test('a bad default export is named: none, no request, a hook that is not a function', async () => {
    assert.match((await loadError(file('.mjs', 'export const x = 1;\n'))).message, /found no default export/);
    assert.match(
      (await loadError(file('.mjs', 'export default { name: 1 };\n'))).message,
      /request must be a function/,
    );
    const hook = await loadError(file('.mjs', 'export default { request() {}, onReply: 3 };\n'));
    assert.match(hook.message, /onReply must be a function when present \(found number\)/);
  });

  test('a syntax error names file:line:column', async () => {
    const p = file('.mjs', 'export default {\n  request(ctx) {\n    ctx.reply(200 +);\n  },\n};\n');
    const e = await loadError(p);
    assert.equal(e.line, 3);
    assert.equal(e.column, 20);
    assert.equal(e.message, `${p}:3:20: SyntaxError: Unexpected token ')'`);
  });

  test('an exception while the module runs names its line', async () => {
    const p = file('.mjs', 'const a = 1;\nthrow new Error("no config for " + a);\n');
    const e = await loadError(p);
    assert.equal(e.line, 2);
    assert.match(e.message, /: Error: no config for 1$/);
  });

  test('a missing file and a wrong extension are errors naming the file', async () => {
    assert.match((await loadError(join(dir, 'nope.mjs'))).message, /nope\.mjs: cannot read the route: ENOENT/);
    assert.match((await loadError(file('.json', '{}'))).message, /must end in \.js, \.mjs/);
  });

  test('every load imports the file as it is now (a reload sees the change)', async () => {
    const p = file('.mjs', "export default { name: 'one', request() {} };\n");
    assert.equal((await loadRouteFile(p)).name, 'one');
    writeFileSync(p, "export default { name: 'two', request() {} };\n");
    assert.equal((await loadRouteFile(p)).name, 'two');
  });

  test('stackPosition takes the first frame in the file, whatever its ?v=N', () => {
    const stack = 'Error: x\n    at f (file:///a/b.mjs?v=7:4:9)\n    at file:///a/c.mjs:1:1';
    assert.deepEqual(stackPosition(stack, 'file:///a/b.mjs?v=7'), { line: 4, column: 9 });
    assert.equal(stackPosition(stack, 'file:///a/d.mjs?v=1'), undefined);
  });
});

describe('route files: TypeScript', () => {
  const typed = [
    "import { defineRoute, type RequestContext } from 'sipkit/routing';",
    'function hello(ctx: RequestContext): void {',
    "  ctx.reply(200, 'Hello');",
    '}',
    "export default defineRoute({ name: 'ts', request: hello });",
    '',
  ].join('\n');

  test('a .ts route importing sipkit/routing compiles and loads', async () => {
    const r = await loadRouteFile(file('.ts', typed));
    assert.equal(r.name, 'ts');
  });

  test('a TypeScript syntax error names file:line:column', async () => {
    const p = file('.mts', 'export default {\n  request(ctx: any) {\n    ctx.reply(200 +);\n  },\n};\n');
    const e = await loadError(p);
    assert.equal(e.message, `${p}:3:20: TS1109: Expression expected.`);
  });

  // One Program only: against the API's source (no .d.ts built) a type check takes seconds.
  test('check-config type-checks: a type error names file:line:column (sipkit/routing resolves)', async () => {
    const bad = file('.ts', typed.replace("ctx.reply(200, 'Hello')", "ctx.reply('200')"));
    const r = await checkRouteFile(bad);
    assert.equal(r.errors.length, 1, r.errors.map((e) => e.message).join('\n'));
    assert.match(r.errors[0]!.message, new RegExp(`^${bad}:3:13: TS2345: Argument of type 'string'`));
    assert.equal(r.name, 'ts', 'a type error does not stop the route from loading');
  });
});
