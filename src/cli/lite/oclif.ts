/**
 * What the commands take from @oclif/core (Args, Flags, Command), for the lite bundles only: esbuild
 * maps '@oclif/core' to this module there (src/cli/bundle.ts), so a command module and its base
 * classes load without oclif. The definitions are oclif's own (lib/flags.js, lib/args.js, lib/
 * command.js of @oclif/core 4), reduced to what a run of an already-parsed command line needs. The
 * rare paths (this.error, this.exit, this.warn, an error that escapes) use the real @oclif/core,
 * required on demand, so their output is oclif's byte for byte. Never imported by tsc-compiled code.
 */
import { createRequire } from 'node:module';
import { inspect, format } from 'node:util';
import { liteParse, NotLite, type Definition, type ParseInput, type ParseOutput } from './parse.js';

// The real oclif, for the rare paths. A CommonJS package: require() loads it synchronously, as
// this.error() must throw synchronously. Not an import, so esbuild leaves it to node_modules.
const requireReal = createRequire(import.meta.url);
export const realOclif = () => requireReal('@oclif/core') as typeof import('@oclif/core');

type Options = Record<string, unknown>;

// --- Flags (oclif lib/flags.js) ------------------------------------------------------------------

function custom(defaults: Options = {}) {
  return (options: Options = {}) => ({
    parse: async (input: unknown) => input,
    ...defaults,
    ...options,
    input: [],
    multiple: Boolean(options.multiple === undefined ? (defaults.multiple ?? false) : options.multiple),
    type: 'option',
  });
}

function boolean(options: Options = {}) {
  return { parse: async (b: unknown) => b, ...options, allowNo: Boolean(options.allowNo), type: 'boolean' };
}

async function parseInteger(input: unknown, _ctx: unknown, opts: Options): Promise<number> {
  // oclif throws a CLIError here; the lite parser turns any failure into a fall-back to oclif.
  if (!/^-?\d+$/.test(String(input))) throw new Error(`Expected an integer but received: ${input}`);
  const num = Number.parseInt(String(input), 10);
  if (opts.min !== undefined && num < (opts.min as number)) throw new Error(`below ${opts.min}`);
  if (opts.max !== undefined && num > (opts.max as number)) throw new Error(`above ${opts.max}`);
  return num;
}

export const Flags = {
  custom,
  boolean,
  string: custom(),
  integer: custom({ parse: parseInteger }),
  option: (defaults: Options) => custom(defaults),
};

// --- Args (oclif lib/args.js) --------------------------------------------------------------------

function customArg(defaults: Options = {}) {
  return (options: Options = {}) => ({
    parse: async (i: unknown) => i,
    ...defaults,
    ...options,
    input: [],
    type: 'option',
  });
}

export const Args = {
  custom: customArg,
  string: customArg(),
  integer: customArg({ parse: parseInteger }),
};

// --- Command (oclif lib/command.js) --------------------------------------------------------------

/** The parts of oclif's Config the commands and their base classes read. */
export interface LiteConfig {
  bin: string;
  binAliases?: string[];
  theme?: undefined;
  scopedEnvVar(k: string): string | undefined;
  scopedEnvVarKeys(k: string): string[];
}

const jsonFlag = boolean({ description: 'Format output as json.', helpGroup: 'GLOBAL' });

export abstract class Command {
  static id: string;
  static enableJsonFlag = false;
  static baseFlags: Record<string, Definition> = {};
  static flags: Record<string, Definition> = {};
  static args: Record<string, Definition> = {};
  static strict = true;
  static aliases: string[] = [];
  static hiddenAliases: string[] = [];
  static state?: string;
  static deprecateAliases?: boolean;

  id: string;
  parsed = false;

  constructor(
    public argv: string[],
    public config: LiteConfig,
  ) {
    this.id = this.ctor.id;
  }

  get ctor(): typeof Command {
    return this.constructor as typeof Command;
  }

  abstract run(): Promise<unknown>;

  /**
   * oclif's Command._run, with one addition: a NotLite from parse() (thrown before the command did
   * anything) is returned, not handled, so that launch.ts hands the command line to oclif.
   */
  async _run(): Promise<NotLite | undefined> {
    let err: unknown;
    let result: unknown;
    try {
      // oclif's _run: its init() only sets an HTTP user agent global and warns about deprecated
      // commands (the lite run leaves those to oclif).
      for (const key of this.config.scopedEnvVarKeys('REDIRECTED')) delete process.env[key];
      result = await this.run();
    } catch (error) {
      if (error instanceof NotLite) return error;
      err = error;
      await this.catch(error as Error);
    } finally {
      await this.finally(err);
    }
    if (result && this.jsonEnabled()) this.logJson(this.toSuccessJson(result));
    return undefined;
  }

  async catch(err: Error & { exitCode?: number }): Promise<void> {
    process.exitCode = process.exitCode ?? err.exitCode ?? 1;
    if (this.jsonEnabled()) this.logJson(this.toErrorJson(err));
    else throw err;
  }

  async finally(_: unknown): Promise<void> {}

  error(input: string | Error, options: Options = {}): never {
    realOclif().Errors.error(input, options as { exit: number });
    throw new Error('unreachable: Errors.error throws');
  }

  exit(code = 0): never {
    realOclif().Errors.exit(code);
    throw new Error('unreachable: Errors.exit throws');
  }

  jsonEnabled(): boolean {
    if (!this.ctor?.enableJsonFlag) return false;
    if (this.config.scopedEnvVar?.('CONTENT_TYPE')?.toLowerCase() === 'json') return true;
    const passThroughIndex = this.argv.indexOf('--');
    const jsonIndex = this.argv.indexOf('--json');
    return passThroughIndex === -1 ? jsonIndex !== -1 : jsonIndex !== -1 && jsonIndex < passThroughIndex;
  }

  log(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) stdout(typeof message === 'string' ? message : inspect(message), ...args);
  }

  logToStderr(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) stderr(typeof message === 'string' ? message : inspect(message), ...args);
  }

  /**
   * oclif's colorizeJson without a theme (the lite run refuses one) is JSON.stringify(json, null, 2)
   * for the plain objects commands return. A string (oclif parses it first) or a cycle (oclif
   * prints "[Circular ~]") goes to oclif's own function.
   */
  logJson(json: unknown): void {
    let text: string | undefined;
    try {
      text = typeof json === 'string' ? undefined : JSON.stringify(json, null, 2);
    } catch {
      text = undefined;
    }
    stdout(text ?? realOclif().ux.colorizeJson(json as object, { pretty: true }));
  }

  warn(input: string | Error): string | Error {
    if (!this.jsonEnabled()) realOclif().Errors.warn(input);
    return input;
  }

  async parse(options?: Partial<ParseInput> & Options, argv: string[] = this.argv): Promise<ParseOutput> {
    const o = options ?? (this.ctor as unknown as Options);
    const combined = { ...(o.baseFlags as object), ...(o.flags as object) } as Record<string, Definition>;
    const flags = o.enableJsonFlag ? { json: jsonFlag as Definition, ...combined } : combined;
    this.argv = [...argv];
    const results = await liteParse(
      argv,
      { flags, args: (o.args ?? {}) as ParseInput['args'], strict: o.strict as boolean },
      this,
    );
    this.parsed = true;
    return results;
  }

  toErrorJson(err: unknown): unknown {
    if (err instanceof Error) return { error: { ...err, message: err.message, name: err.name } };
    return { error: err };
  }

  toSuccessJson(result: unknown): unknown {
    return result;
  }
}

// oclif's ux.stdout / ux.stderr (lib/ux/write.js): console.log of util.format.
/* eslint-disable no-console -- oclif writes with console.log / console.error; so does its stand-in. */
function stdout(str: string, ...args: unknown[]): void {
  if (!str && args) console.log(format(...args));
  else if (!str) console.log();
  else console.log(format(str, ...args));
}

function stderr(str: string, ...args: unknown[]): void {
  if (!str && args) console.error(format(...args));
  else if (!str) console.error();
  else console.error(format(str, ...args));
}
/* eslint-enable no-console */
