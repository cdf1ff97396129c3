/**
 * Renders one bin's man page (roff, man(7) macros, in the layout of kamctl.8) from the command
 * metadata oclif loaded plus the hand-written prose of src/cli/docs/prose/<bin>.ts. Output is
 * deterministic (no date, sorted commands) so a test can compare it with the committed page.
 */
import type { Command } from '@oclif/core';
import { exitCodeDescriptions, sipTestExitCodeDescriptions } from '../../shared/exit-codes.js';
import { arg, esc, inline, line, pre, text } from './roff.js';

/**
 * A paragraph (inline markup: `code`, *emphasis*), a definition list, literal lines, or verbatim
 * roff for what the markup cannot say (hand-written, trusted; it is copied as is).
 */
export type Block = string | { list: ReadonlyArray<readonly [string, string]> } | { pre: string } | { roff: string };

export interface Section {
  title: string;
  blocks: Block[];
}

/** The hand-written part of a man page. */
export interface BinProse {
  section: 1 | 8;
  /** The NAME line after "bin \-". */
  name: string;
  description: Block[];
  /** Text at the start of OPTIONS (the flags several commands share). */
  optionsIntro?: Block[];
  /** Sections placed after COMMANDS (e.g. CONFIGURATION). */
  sections?: Section[];
  files: ReadonlyArray<readonly [string, string]>;
  environment: ReadonlyArray<readonly [string, string]>;
  /** Which exit-code table of src/shared/exit-codes.ts applies. */
  exitCodes: 'sipkit' | 'sipp';
  /** A paragraph after the exit-code list. */
  exitNote?: string;
  examples?: Block[];
  seeAlso: string[];
}

export interface ManPageInput {
  bin: string;
  version: string;
  /** oclif's topic separator: ids are stored with ':' and shown with it. */
  separator: string;
  commands: Command.Loadable[];
  topics: ReadonlyArray<{ name: string; description?: string; hidden?: boolean }>;
  prose: BinProse;
}

type Flag = Command.Flag.Cached;
type Arg = Command.Arg.Cached;

function blocks(list: Block[]): string[] {
  const out: string[] = [];
  for (const b of list) {
    if (typeof b === 'string') out.push('.PP', inline(b));
    else if ('list' in b) for (const [term, text] of b.list) out.push('.TP', inline(term), inline(text));
    else if ('pre' in b) out.push('.PP', ...pre(b.pre));
    else out.push(...b.roff.replace(/\n+$/, '').split('\n'));
  }
  return out;
}

/** oclif's help templates (`<%= config.bin %>`, `<%= command.id %>`); anything else is refused. */
export function renderTemplate(text: string, bin: string, id: string): string {
  const out = text.replace(/<%=\s*config\.bin\s*%>/g, bin).replace(/<%=\s*command\.id\s*%>/g, id);
  if (out.includes('<%')) throw new Error(`unsupported template in help text of "${bin} ${id}": ${text}`);
  return out;
}

const argName = (a: Arg) => a.name.toUpperCase() + (a.multiple ? '...' : '');

function flagLabel(f: Flag): string {
  const long = f.type === 'boolean' && f.allowNo ? `--[no-]${f.name}` : `--${f.name}`;
  const names = f.char ? `\\fB\\-${esc(f.char)}\\fR, \\fB${esc(long)}\\fR` : `\\fB${esc(long)}\\fR`;
  if (f.type === 'boolean') return names;
  const value = Array.isArray(f.helpValue) ? f.helpValue.join(' ') : (f.helpValue ?? f.name.toUpperCase());
  return `${names} \\fI${esc(value)}\\fR`;
}

/** Sentences of metadata text joined so that each ends with punctuation. */
function sentences(parts: string[]): string {
  return parts.map((p, i) => (i < parts.length - 1 && !/[.!?:]$/.test(p.trim()) ? `${p.trim()}.` : p)).join('\n');
}

function flagText(f: Flag, bin: string, id: string): string {
  const parts: string[] = [];
  const summary = f.summary ?? f.description;
  if (summary) parts.push(renderTemplate(summary, bin, id));
  if (f.summary && f.description) parts.push(renderTemplate(f.description, bin, id));
  if (f.type === 'option' && f.options?.length) parts.push(`One of: ${f.options.join(', ')}.`);
  if (f.type === 'option' && f.default !== undefined && typeof f.default !== 'function') {
    parts.push(`Default: ${String(f.default)}.`);
  }
  if (f.required) parts.push('Required.');
  if (f.type === 'option' && f.multiple && !parts.some((p) => /repeat/i.test(p))) parts.push('May be repeated.');
  return text(sentences(parts));
}

function usage(bin: string, shownId: string, cmd: Command.Loadable): string[] {
  const args = Object.values(cmd.args ?? {}).filter((a) => !a.hidden);
  const flags = Object.values(cmd.flags ?? {}).filter((f) => !f.hidden);
  const words = [`\\fB${esc(bin)}${shownId ? ' ' + esc(shownId) : ''}\\fR`];
  for (const a of args) words.push(a.required ? `\\fI${esc(argName(a))}\\fR` : `[\\fI${esc(argName(a))}\\fR]`);
  for (const f of flags.filter((x) => x.required)) words.push(flagLabel(f));
  if (flags.some((f) => !f.required)) words.push('[\\fIflags\\fR]');
  return ['.PP', '.in +4', '.ti -4', words.join(' '), '.in'];
}

/** What makes two flags "the same flag" for the documentation. */
const flagKey = (f: Flag) => {
  const o = f as Flag & { helpValue?: unknown; multiple?: boolean; default?: unknown };
  return JSON.stringify([
    o.name,
    o.type,
    o.char,
    o.summary,
    o.description,
    o.helpValue,
    o.helpGroup,
    o.multiple,
    o.default,
  ]);
};

/**
 * Flags documented once under OPTIONS instead of in every command: those in a help group (GLOBAL,
 * CONNECTION...) and those that several commands define identically (sipd's --config, --run-dir).
 */
function sharedFlagKeys(commands: Command.Loadable[]): Set<string> {
  const count = new Map<string, number>();
  for (const cmd of commands) {
    for (const f of Object.values(cmd.flags ?? {})) {
      if (f.hidden) continue;
      count.set(flagKey(f), (count.get(flagKey(f)) ?? 0) + (f.helpGroup ? 2 : 1));
    }
  }
  return new Set([...count].filter(([, n]) => n >= 2).map(([k]) => k));
}

function commandSection(input: ManPageInput, cmd: Command.Loadable, shared: Set<string>): string[] {
  const shownId = cmd.id.replaceAll(':', input.separator);
  const { bin } = input;
  const out = [`.SS ${arg(shownId || bin)}`, ...usage(bin, shownId, cmd)];
  if (cmd.summary) out.push('.PP', text(renderTemplate(cmd.summary, bin, shownId)));
  if (cmd.description) {
    for (const para of renderTemplate(cmd.description, bin, shownId).split(/\n\s*\n/)) out.push('.PP', text(para));
  }
  const args = Object.values(cmd.args ?? {}).filter((a) => !a.hidden);
  if (args.length) {
    out.push('.PP', 'Arguments:');
    for (const a of args) {
      const parts = [a.description ?? '', a.options?.length ? `One of: ${a.options.join(', ')}.` : ''].filter(Boolean);
      out.push('.TP', `\\fI${esc(argName(a))}\\fR`, text(renderTemplate(sentences(parts) || '-', bin, shownId)));
    }
  }
  const flags = Object.values(cmd.flags ?? {}).filter((f) => !f.hidden);
  const own = flags.filter((f) => !shared.has(flagKey(f))).sort((a, b) => a.name.localeCompare(b.name));
  if (own.length) {
    out.push('.PP', 'Flags:');
    for (const f of own) out.push('.TP', flagLabel(f), flagText(f, bin, shownId));
  }
  const common = flags.filter((f) => shared.has(flagKey(f))).map((f) => `\\fB\\-\\-${esc(f.name)}\\fR`);
  if (common.length) {
    const list = common.length === 1 ? common[0] : `${common.slice(0, -1).join(', ')} and ${common.at(-1)}`;
    out.push('.PP', `Also takes ${list} (see \\fBOPTIONS\\fR).`);
  }
  const examples = (cmd.examples ?? []).map((e) => (typeof e === 'string' ? e : `${e.description}\n${e.command}`));
  if (examples.length) {
    const lines = examples.map((e) =>
      renderTemplate(e, bin, shownId)
        .split('\n')
        .map((l) => (l.startsWith(`${bin} `) || l === bin ? `$ ${l}` : l))
        .join('\n'),
    );
    out.push('.PP', 'Examples:', ...pre(lines.join('\n')));
  }
  return out;
}

/** The shared flags, once, grouped by help group ("Common flags" for shared flags without one). */
function optionsSection(input: ManPageInput, visible: Command.Loadable[], shared: Set<string>): string[] {
  const byGroup = new Map<string, Map<string, Flag>>();
  for (const cmd of visible) {
    for (const f of Object.values(cmd.flags ?? {})) {
      if (f.hidden || !shared.has(flagKey(f))) continue;
      const group = f.helpGroup ?? '';
      const g = byGroup.get(group) ?? new Map<string, Flag>();
      if (!g.has(f.name)) g.set(f.name, f);
      byGroup.set(group, g);
    }
  }
  if (byGroup.size === 0) return [];
  const out = ['.SH OPTIONS', ...blocks(input.prose.optionsIntro ?? [])];
  // Common flags first, then the help groups alphabetically (CONNECTION before GLOBAL).
  const groups = [...byGroup.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  for (const group of groups) {
    if (byGroup.size > 1) {
      const title = group === '' ? 'Common flags' : `${group[0]}${group.slice(1).toLowerCase()} flags`;
      out.push(`.SS ${arg(title)}`);
    }
    const flags = [...byGroup.get(group)!.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const f of flags) out.push('.TP', flagLabel(f), flagText(f, input.bin, ''));
  }
  return out;
}

function exitStatus(prose: BinProse): string[] {
  const table = prose.exitCodes === 'sipp' ? sipTestExitCodeDescriptions : exitCodeDescriptions;
  const out = ['.SH EXIT STATUS'];
  for (const [code, text] of table) out.push('.TP', `.B ${code}`, inline(text));
  if (prose.exitNote) out.push('.PP', inline(prose.exitNote));
  return out;
}

/** The complete page, ending with a newline. */
export function renderManPage(input: ManPageInput): string {
  const { bin, prose } = input;
  const visible = input.commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id));
  const shared = sharedFlagKeys(visible);
  const out: string[] = [
    `.\\" ${bin}(${prose.section}): generated by \`npm run docs\` from the command metadata and`,
    `.\\" src/cli/docs/prose/${bin}.ts. Do not edit: change those and regenerate.`,
    `.TH ${arg(bin.toUpperCase())} ${prose.section} "" ${arg(`sipkit ${input.version}`)} "sipkit manual"`,
    // Left-aligned, no hyphenation: flag names, paths and URLs must stay copyable.
    '.ad l',
    '.nh',
    '.SH NAME',
    `${esc(bin)} \\- ${esc(prose.name)}`,
    '.SH SYNOPSIS',
    `.B ${esc(bin)}`,
    visible.some((c) => c.id !== '') ? '\\fIcommand\\fR [\\fIarguments\\fR] [\\fIflags\\fR]' : '[\\fIflags\\fR]',
    '.br',
    `.B ${esc(bin)}`,
    '[\\fIcommand\\fR] \\fB\\-\\-help\\fR',
    '.br',
    `.B ${esc(bin)}`,
    '\\fB\\-\\-version\\fR',
    '.SH DESCRIPTION',
    ...blocks(prose.description),
    ...optionsSection(input, visible, shared),
    '.SH COMMANDS',
  ];
  // oclif derives a topic from every command id; only real topics (with subcommands) are listed.
  const topics = input.topics.filter(
    (t) => !t.hidden && t.description && visible.some((c) => c.id.startsWith(`${t.name}:`)),
  );
  if (topics.length) {
    out.push('.PP', 'Topics:');
    for (const t of [...topics].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push('.TP', `.B ${arg(t.name.replaceAll(':', input.separator))}`, text(t.description!));
    }
  }
  if (visible.length === 0) out.push('.PP', line(`${esc(bin)} has no commands yet.`));
  for (const cmd of visible) out.push(...commandSection(input, cmd, shared));
  for (const s of prose.sections ?? []) out.push(`.SH ${esc(s.title.toUpperCase())}`, ...blocks(s.blocks));
  if (prose.files.length) out.push('.SH FILES');
  for (const [path, text] of prose.files) out.push('.TP', `.I ${arg(path)}`, inline(text));
  if (prose.environment.length) out.push('.SH ENVIRONMENT');
  for (const [name, text] of prose.environment) out.push('.TP', `.B ${arg(name)}`, inline(text));
  out.push(...exitStatus(prose));
  if (prose.examples?.length) out.push('.SH EXAMPLES', ...blocks(prose.examples));
  const refs = prose.seeAlso.map((s, i) => {
    const m = /^(.+)\((\w+)\)$/.exec(s);
    const comma = i < prose.seeAlso.length - 1 ? ',' : '';
    return m ? `.BR ${esc(m[1])} (${m[2]})${comma}` : `${esc(s)}${comma}`;
  });
  out.push('.SH SEE ALSO', ...refs);
  return out.join('\n') + '\n';
}
