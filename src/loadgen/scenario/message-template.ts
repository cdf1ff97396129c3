/**
 * Compiling the text of a <send> (and of action attributes that take keywords) into a list of
 * components, the way SIPp's SendingMessage does: "\n" becomes CRLF, "\xHH" is a byte, and each
 * [keyword] becomes a component filled in per call (engine/compose.ts). Text is a latin1 string:
 * one char per byte of the message.
 */
import { scenarioError } from '../errors.js';
import type { VarRef } from './variables.js';

/** Keywords without parameters (SIPp's SimpleKeywords), some with a numeric offset ([cseq+1]). */
export const SIMPLE_KEYWORDS = [
  'remote_ip',
  'remote_host',
  'remote_port',
  'transport',
  'local_ip',
  'local_ip_type',
  'local_port',
  'server_ip',
  'media_ip',
  'auto_media_port',
  'rtpstream_audio_port',
  'rtpstream_video_port',
  'media_port',
  'media_ip_type',
  'call_number',
  'dynamic_id',
  'call_id',
  'cseq',
  'pid',
  'service',
  'branch',
  'msg_index',
  'next_url',
  'len',
  'peer_tag_param',
  'last_Request_URI',
  'last_cseq_number',
  'last_message',
  'routes',
  'tdmmap',
  'clock_tick',
  'users',
  'userid',
  'timestamp',
  'date',
  'sipp_version',
] as const;
export type SimpleKeyword = (typeof SIMPLE_KEYWORDS)[number];
const SIMPLE = new Set<string>(SIMPLE_KEYWORDS);

export interface AuthParams {
  user: MessageTemplate;
  pass: MessageTemplate;
  akaK: MessageTemplate;
  akaOP: MessageTemplate;
  akaAMF: MessageTemplate;
}

export type Component =
  | { k: 'lit'; s: string }
  | { k: 'kw'; kw: SimpleKeyword; off: number }
  | { k: 'var'; ref: VarRef }
  | { k: 'last'; name: string }
  | { k: 'field'; field: number; file: string; line?: MessageTemplate }
  | { k: 'file'; name: MessageTemplate }
  | { k: 'fill'; text: string; ref: VarRef }
  | { k: 'auth'; auth: AuthParams };

export interface MessageTemplate {
  components: Component[];
  /** For <send>: "INVITE", "ACK"...; undefined for responses and free text. */
  method?: string;
  /** For a response: its status code. */
  code?: number;
  isResponse: boolean;
  isAck: boolean;
  isCancel: boolean;
  /** The source text, for messages. */
  source: string;
}

/** What the compiler needs from the scenario being loaded. */
export interface TemplateEnv {
  /** Resolve (and count a reference to) a variable; allocates per-call variables. */
  variable(name: string): VarRef;
  /** -key keywords. */
  keywords: ReadonlyMap<string, string>;
  /** Names of the -inf files (base names) and the default (first) one. */
  injectionFiles: ReadonlySet<string>;
  defaultInjectionFile?: string;
  /** -au (or -s) and -ap, for [authentication] without parameters. */
  authUser: string;
  authPassword: string;
  where: string;
  /** file:line of a text found in the element's source (for keyword errors). */
  whereOf?: (needle: string) => string;
}

const hexVal = (c: string) => parseInt(c, 16);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Index of `c` in s from `from`, skipping "quoted" parts (SIPp's quoted_strchr). */
function quotedIndexOf(s: string, c: string, from: number): number {
  for (let p = from; p < s.length; p++) {
    const ch = s[p];
    if (ch === c) return p;
    if (ch === '"') {
      const q = s.indexOf('"', p + 1);
      if (q < 0) return -1;
      p = q;
    }
  }
  return -1;
}

/** getKeywordParam: value of `param=` inside a keyword: 0xHEX, "quoted" or up to ] / space. */
export function keywordParam(keyword: string, param: string): string {
  const at = keyword.indexOf(param);
  if (at < 0) return '';
  let p = at + param.length;
  if (keyword[p] === '0' && keyword[p + 1] === 'x') {
    p += 2;
    let out = '';
    while (isHex(keyword[p])) {
      let v = hexVal(keyword[p]!);
      p++;
      if (isHex(keyword[p])) {
        v = (v << 4) + hexVal(keyword[p]!);
        p++;
      }
      out += String.fromCharCode(v & 0xff);
    }
    return out;
  }
  if (keyword[p] === '"') {
    p++;
    let out = '';
    while (p < keyword.length) {
      const c = keyword[p++]!;
      if (c === '"') break;
      if (c === '\\') {
        if (p >= keyword.length) break;
        out += keyword[p++];
        continue;
      }
      out += c;
    }
    return out;
  }
  let end = p;
  while (end < keyword.length) {
    const code = keyword.charCodeAt(end);
    if (keyword[end] === ']' || code < 33 || code > 126) break;
    end++;
  }
  return keyword.slice(p, end);
}

/**
 * Compile `text` (already cleaned by cleanCdata for messages). `sanity` checks that a <send>
 * starts with a literal method or "SIP/2.0 code", as SIPp requires for [cseq] to work.
 */
export function compileTemplate(text: string, env: TemplateEnv, sanity: boolean): MessageTemplate {
  const components = compileComponents(text, env);
  const t: MessageTemplate = { components, isResponse: false, isAck: false, isCancel: false, source: text };
  if (sanity) checkStartLine(t, env);
  return t;
}

/** Literal runs (\xNN escapes decoded, newlines → CRLF) and [keyword]s, in order. */
function compileComponents(text: string, env: TemplateEnv): Component[] {
  const components: Component[] = [];
  let lit = '';
  const flush = () => {
    if (lit.length) components.push({ k: 'lit', s: lit });
    lit = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === 'x') {
      i += 2;
      if (isHex(text[i])) {
        let v = hexVal(text[i]!);
        i++;
        if (isHex(text[i])) {
          v = (v << 4) + hexVal(text[i]!);
          i++;
        }
        lit += String.fromCharCode(v & 0xff);
      } else i++;
      continue;
    }
    if (c === '\n') {
      lit += '\r\n';
      i++;
      continue;
    }
    if (c !== '[') {
      lit += c;
      i++;
      continue;
    }
    flush();
    let src = i + 1;
    const nested = quotedIndexOf(text, '[', src);
    const close = quotedIndexOf(text, ']', src);
    if (nested >= 0 && close >= 0 && nested < close) {
      lit += text.slice(i, nested);
      src = nested + 1;
    }
    const lineStart = text.lastIndexOf('\n', i) + 1;
    const lineEnd = text.indexOf('\n', i);
    const currentLine = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
    if (close < 0 || close - src > 256 || close === src)
      throw scenarioError(
        `Syntax error or invalid [keyword] in scenario while parsing '${currentLine}'`,
        env.whereOf?.(currentLine) ?? env.where,
        'close every [keyword] with "]"; write a literal "[" as \\x5b',
      );
    if (lit.length) flush();
    const { keyword, off } = keywordOffset(text.slice(src, close));
    i = close + 1;
    components.push(compileKeyword(keyword, off, env, currentLine));
  }
  flush();
  return components;
}

/** "[cseq+1]" → cseq and 1 (not in [authentication ...] and [tdmmap ...], whose values may hold signs). */
function keywordOffset(keyword: string): { keyword: string; off: number } {
  if (keyword.startsWith('authentication') || keyword.startsWith('tdmmap')) return { keyword, off: 0 };
  const plus = keyword.indexOf('+');
  const sign = plus >= 0 ? plus : keyword.indexOf('-');
  if (sign >= 0 && /\d/.test(keyword[sign + 1] ?? ''))
    return { keyword: keyword.slice(0, sign), off: parseInt(keyword.slice(sign), 10) };
  return { keyword, off: 0 };
}

/** A literal method or "SIP/2.0 code" first; sets the template's request/response fields. */
function checkStartLine(t: MessageTemplate, env: TemplateEnv): void {
  const components = t.components;
  if (components.length < 1) throw scenarioError('Can not create a message that is empty!', env.where);
  const first = components[0]!;
  const keywordFirst = () =>
    scenarioError(
      'You can not use a keyword for the METHOD or to generate "SIP/2.0" to ensure proper [cseq] operation!',
      env.where,
      'start the message with a literal method ("INVITE sip:...") or "SIP/2.0 200 OK"',
    );
  if (first.k !== 'lit') throw keywordFirst();
  const start = first.s.replace(/^\s+/, '');
  const sp = start.indexOf(' ');
  if (sp < 0) throw keywordFirst();
  const method = start.slice(0, sp);
  if (method === 'SIP/2.0') {
    const m = /^\s*(\d+)(\s|$)/.exec(start.slice(sp + 1));
    if (!m) throw scenarioError(`Invalid reply code: ${start.slice(sp + 1).split('\r')[0]}`, env.where);
    const code = Number(m[1]);
    if (code < 100 || code >= 700) throw scenarioError('Response codes must be in the range of 100-700', env.where);
    t.isResponse = true;
    t.code = code;
  } else {
    t.method = method;
    t.isAck = method === 'ACK';
    t.isCancel = method === 'CANCEL';
  }
}

function compileKeyword(keyword: string, off: number, env: TemplateEnv, currentLine: string): Component {
  if (SIMPLE.has(keyword)) {
    if (keyword === 'tdmmap') throw scenarioError('[tdmmap] is not supported by siptest (no -tdmmap)', env.where);
    return { k: 'kw', kw: keyword as SimpleKeyword, off };
  }
  if (keyword.startsWith('field')) {
    const field = parseInt(keyword.slice(5), 10) || 0;
    const named = keywordParam(keyword, 'file=');
    const file = named || env.defaultInjectionFile;
    if (!file)
      throw scenarioError(`No injection file was specified! ([${keyword}])`, env.where, 'give one with -inf file.csv');
    if (!env.injectionFiles.has(file)) throw scenarioError(`Invalid injection file: ${named}`, env.where);
    const lineText = keywordParam(keyword, 'line=');
    return { k: 'field', field, file, line: lineText ? compileTemplate(lineText, env, false) : undefined };
  }
  if (keyword.startsWith('file')) {
    const name = keywordParam(keyword, 'name=');
    if (!name) throw scenarioError("No name specified for 'file' keyword!", env.where);
    return { k: 'file', name: compileTemplate(name, env, false) };
  }
  if (keyword.startsWith('$')) return { k: 'var', ref: env.variable(keyword.slice(1)) };
  if (keyword.startsWith('fill')) {
    const text = keywordParam(keyword, 'text=') || 'X';
    return { k: 'fill', text, ref: env.variable(keywordParam(keyword, 'variable=')) };
  }
  if (keyword.startsWith('last_')) return { k: 'last', name: keyword.slice(5) };
  if (keyword.startsWith('authentication'))
    return { k: 'auth', auth: authParams(keyword, env, (text) => compileTemplate(text, env, false)) };
  const custom = env.keywords.get(keyword);
  if (custom !== undefined) return { k: 'lit', s: custom };
  throw scenarioError(
    `Unsupported keyword '${keyword}' in xml scenario file (line: '${currentLine.trim()}')`,
    env.whereOf?.(`[${keyword}`) ?? env.where,
    'check the spelling, or define it with -key ' + keyword + ' value',
  );
}

/**
 * SIPp's parseAuthenticationKeyword: username= (default -au, else -s), password= (default -ap),
 * aka_K= (default the password's first 16 characters), aka_OP=, aka_AMF=. `compile` turns each
 * value into a template: keywords inside a scenario's [authentication], plain text inside an
 * injected field's (SIPp substitutes the field first; its keyword is parsed from the result).
 */
export function authParams(
  keyword: string,
  defaults: { authUser: string; authPassword: string },
  compile: (text: string) => MessageTemplate,
): AuthParams {
  const user = keywordParam(keyword, 'username=') || defaults.authUser;
  const pass = keywordParam(keyword, 'password=') || defaults.authPassword;
  const akaK = keywordParam(keyword, 'aka_K=') || pass.slice(0, 16);
  return {
    user: compile(user),
    pass: compile(pass),
    akaK: compile(akaK),
    akaOP: compile(keywordParam(keyword, 'aka_OP=')),
    akaAMF: compile(keywordParam(keyword, 'aka_AMF=')),
  };
}

/** A template that is this text and nothing else (no keywords, no escapes). */
export function literalTemplate(text: string): MessageTemplate {
  return { components: [{ k: 'lit', s: text }], isResponse: false, isAck: false, isCancel: false, source: text };
}

/**
 * SIPp's clean_cdata: trim leading/trailing blanks and newlines, strip the indentation of each
 * line and trailing blanks, and add a blank line when the text has none (a message without body).
 * A body whose last line had no newline before "]]>" keeps it that way (regress #0034).
 */
export function cleanCdata(raw: string, keepTrailingNewline = true): string {
  let s = raw.replace(/^[ \t\n]+/, '');
  let removedNewlines = 0;
  let end = s.length;
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t' || s[end - 1] === '\n')) {
    if (s[end - 1] === '\n') removedNewlines++;
    end--;
  }
  s = s.slice(0, end);
  if (s.length === 1) throw scenarioError('Empty cdata in xml scenario file');
  // The same order as SIPp: spaces after and before newlines, then tabs.
  s = s.replace(/\n +/g, '\n').replace(/ +\n/g, '\n').replace(/\n\t+/g, '\n').replace(/\t+\n/g, '\n');
  if (!s.includes('\n\n')) s += '\n\n';
  if (keepTrailingNewline && !s.endsWith('\n') && removedNewlines) s += '\n';
  return s;
}
