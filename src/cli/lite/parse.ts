/**
 * The command-line parser of the lite run (src/cli/lite/run.ts): oclif's parser
 * (@oclif/core lib/parser/parse.js) for the command lines scripts type, and nothing else. Whatever
 * it does not handle exactly as oclif does, or whatever oclif would answer with an error or a
 * warning, it refuses with NotLite before anything has run, and the same command line goes to
 * oclif (launch.ts). So a user never sees a message of this parser: only oclif's.
 *
 * Handled: `--name`, `--name=value`, `--name value`, `-c` / `-c value` (a flag's char), positional
 * arguments, flag and argument defaults (values and functions), `options`, `parse` functions,
 * boolean and single-valued flags, strict and non-strict commands.
 * Refused (to oclif): `--`, `--no-x`, bundled short flags, a repeated flag, a flag value that
 * starts with '-', unknown flags, multiple-valued flags or arguments, flags read from the
 * environment or stdin, relationships between flags, deprecated flags, missing required flags or
 * arguments, surplus arguments of a strict command, values outside `options`, failing `parse`.
 */

/** Thrown before any side effect: this command line is oclif's to run. */
export class NotLite extends Error {
  constructor(why: string) {
    super(`not for the lite run: ${why}`);
  }
}

/** The parts of an oclif flag or argument definition the lite parser reads. */
export interface Definition {
  type?: 'boolean' | 'option';
  char?: string;
  default?: unknown;
  options?: readonly string[];
  parse?: (input: unknown, ctx: unknown, def: Definition) => Promise<unknown>;
  required?: boolean;
  multiple?: boolean;
  env?: string;
  allowNo?: boolean;
  allowStdin?: boolean | 'only';
  ignoreStdin?: boolean;
  [key: string]: unknown;
}

export interface ParseInput {
  flags: Record<string, Definition>;
  args: Record<string, Definition>;
  strict?: boolean;
}

export interface ParseOutput {
  args: Record<string, unknown>;
  flags: Record<string, unknown>;
  argv: unknown[];
  metadata: { flags: Record<string, { setFromDefault?: boolean }> };
  nonExistentFlags: string[];
  raw: unknown[];
}

/** Flag properties whose checks oclif makes after parsing (validate.js) or that read elsewhere. */
const REFUSED_FLAG_KEYS = [
  'exclusive',
  'dependsOn',
  'exactlyOne',
  'relationships',
  'combinable',
  'atLeastOne',
  'deprecated',
  'deprecateAliases',
  'aliases',
  'charAliases',
  'delimiter',
  'multipleNonGreedy',
];

function checkDefinitions(input: ParseInput): void {
  for (const [name, def] of Object.entries(input.flags)) {
    if (REFUSED_FLAG_KEYS.some((k) => def[k] !== undefined)) throw new NotLite(`flag --${name} has relationships`);
    if (def.multiple || def.allowStdin || (def.env && process.env[def.env] !== undefined))
      throw new NotLite(`flag --${name}`);
  }
  for (const [name, def] of Object.entries(input.args)) {
    if (def.multiple || !def.ignoreStdin) throw new NotLite(`argument ${name}`);
  }
}

/** Splits argv into flag inputs (name → string, or true for a boolean) and positional words. */
function tokenize(argv: readonly string[], flags: Record<string, Definition>) {
  const byChar = new Map(Object.entries(flags).flatMap(([n, d]) => (d.char ? [[d.char, n] as const] : [])));
  const given = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    const long = word.startsWith('--');
    const eq = long ? word.indexOf('=') : -1;
    const name = long
      ? word.slice(2, eq === -1 ? undefined : eq)
      : word.length === 2
        ? byChar.get(word[1]!)
        : undefined;
    const def = name === undefined ? undefined : flags[name];
    if (name === undefined || !def || !Object.hasOwn(flags, name)) throw new NotLite(`${word} is not a flag here`);
    if (given.has(name)) throw new NotLite(`--${name} given twice`);
    if (def.type === 'boolean') {
      if (eq !== -1) throw new NotLite(`--${name} takes no value`);
      given.set(name, true);
      continue;
    }
    const value = eq !== -1 ? word.slice(eq + 1) : argv[++i];
    // oclif takes a value that starts with '-' unless it names a flag; refused here either way.
    if (value === undefined || value.startsWith('-')) throw new NotLite(`--${name} without a plain value`);
    given.set(name, value);
  }
  return { given, positional };
}

/** oclif's flag.parse / arg.parse call; a failure is oclif's to report. */
async function parsed(def: Definition, input: unknown, ctx: unknown, what: string): Promise<unknown> {
  if (def.options && !def.options.includes(input as string)) throw new NotLite(`${what}: not one of the options`);
  if (!def.parse) return input;
  try {
    return await def.parse(input, ctx, def);
  } catch {
    throw new NotLite(`${what}: its parse function failed`);
  }
}

async function flagValues(given: Map<string, string | true>, input: ParseInput, ctx: unknown) {
  const flags: Record<string, unknown> = {};
  const fromDefault: Array<[string, Definition]> = [];
  // In oclif's order: given values first, then defaults (a default function sees the given ones).
  for (const [name, def] of Object.entries(input.flags)) {
    const value = given.get(name);
    if (value !== undefined) flags[name] = await parsed(def, value, ctx, `--${name}`);
    else if (def.required) throw new NotLite(`--${name} is required`);
    else fromDefault.push([name, def]);
  }
  const givenValues = { ...flags };
  const metadata: Record<string, { setFromDefault: boolean }> = {};
  for (const [name, def] of fromDefault) {
    const value =
      typeof def.default === 'function'
        ? await (def.default as (c: unknown) => unknown)({ flags: givenValues, options: def })
        : def.default;
    metadata[name] = { setFromDefault: true };
    if (value !== undefined) flags[name] = value;
  }
  // oclif builds the object in the definitions' order.
  const ordered = Object.fromEntries(Object.keys(input.flags).flatMap((n) => (n in flags ? [[n, flags[n]]] : [])));
  return { flags: ordered, metadata };
}

async function argValues(positional: string[], argv: readonly string[], input: ParseInput, ctx: unknown) {
  const entries = Object.entries(input.args);
  if (input.strict !== false && positional.length > entries.length) throw new NotLite('unexpected arguments');
  const args: Record<string, unknown> = {};
  const out: unknown[] = [];
  for (const [k, [name, def]] of entries.entries()) {
    const word = positional[k];
    if (word !== undefined) {
      args[name] = await parsed(def, word, ctx, `argument ${name}`);
      out.push(args[name]);
      continue;
    }
    if (def.required) throw new NotLite(`argument ${name} is required`);
    if (!def.default && def.default !== false) continue;
    const value = typeof def.default === 'function' ? await (def.default as () => unknown)() : def.default;
    if (Array.isArray(value)) out.push(...(value as unknown[]));
    else out.push(value);
    args[name] = value;
  }
  out.push(...positional.slice(entries.length));
  // As oclif: argv in the order the words were typed.
  return { args, argv: out.sort((a, b) => argv.indexOf(a as string) - argv.indexOf(b as string)) };
}

/** oclif's Parser.parse for the handled command lines; throws NotLite for the others. */
export async function liteParse(argv: readonly string[], input: ParseInput, ctx: unknown): Promise<ParseOutput> {
  checkDefinitions(input);
  const { given, positional } = tokenize(argv, input.flags);
  const { args, argv: out } = await argValues(positional, argv, input, ctx);
  const { flags, metadata } = await flagValues(given, input, ctx);
  return { args, argv: out, flags, metadata: { flags: metadata }, nonExistentFlags: [], raw: [] };
}
