/**
 * Route load failures located in the route file: RouteLoadError's message starts with
 * file:line:column when the position is known (check-config, reload and start-up print it).
 */
import { execFile } from 'node:child_process';

/** A route that cannot be used; `message` starts with file:line:column when the position is known. */
export class RouteLoadError extends Error {
  override readonly name = 'RouteLoadError';
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${reason}`);
  }
}

/** A RouteLoadError with the position of a syntax error or of the frame that threw in the file. */
export async function locateImportError(
  e: unknown,
  path: string,
  url: string,
  /** the file Node imported, when not `path` itself (a compiled TypeScript route) */
  imported = path,
): Promise<RouteLoadError> {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === 'SyntaxError') {
    const at = await syntaxErrorPosition(imported);
    const hint = /export|import statement outside a module/.test(err.message)
      ? ' (an ES module in a .js file needs "type": "module" in a package.json beside it; or name it .mjs)'
      : '';
    return new RouteLoadError(path, `SyntaxError: ${err.message}${hint}`, at?.line, at?.column);
  }
  const frame = stackPosition(err.stack ?? '', url);
  return new RouteLoadError(path, `${err.name}: ${err.message}`, frame?.line, frame?.column);
}

/** file:line:column of the first stack frame in the module at `url` (its `?v=N` included). */
export function stackPosition(stack: string, url: string): { line: number; column: number } | undefined {
  const base = url.replace(/\?.*$/, '');
  for (const m of stack.matchAll(/(file:\/\/[^\s)]+?):(\d+):(\d+)/g)) {
    if (m[1].replace(/\?.*$/, '') === base) return { line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * Node's ESM loader reports a syntax error without its position (only an uncaught one gets the
 * "file:line" banner), so `node --check` parses the file again and prints it.
 */
function syntaxErrorPosition(path: string): Promise<{ line: number; column?: number } | undefined> {
  return new Promise((done) => {
    execFile(process.execPath, ['--check', path], { timeout: 10_000 }, (_err, _out, stderr) => {
      const lines = String(stderr).split('\n');
      const m = /:(\d+)$/.exec(lines[0] ?? '');
      if (!m) return done(undefined);
      const caret = lines[2]?.indexOf('^') ?? -1;
      done({ line: Number(m[1]), column: caret >= 0 ? caret + 1 : undefined });
    });
  });
}
