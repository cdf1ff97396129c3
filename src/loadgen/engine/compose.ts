/**
 * Filling in a compiled message for one call (SIPp's call::createSendingMessage): keywords,
 * variables, [last_*] headers, [len] padded to 5 characters ("%5u"), and the digest header of
 * [authentication] computed once the body is known. A keyword that produces nothing at the end of
 * a line swallows the blank that follows (the line break), as in SIPp.
 */
import { readFileSync } from 'node:fs';
import { SippError } from '../errors.js';
import {
  authParams,
  literalTemplate,
  type AuthParams,
  type Component,
  type MessageTemplate,
  type SimpleKeyword,
} from '../scenario/message-template.js';
import type { Call } from './call.js';
import { createDigest } from './digest.js';
import { KEYWORD_VALUES, type KeywordValue } from './keywords.js';
import { lineMediaKind } from '../media/sdp.js';

/**
 * `index` is the scenario index of the message (SIPp's P_index): -1 for default messages sent on
 * abort, -2 for keyword text in actions.
 */
export function compose(call: Call, t: MessageTemplate, index: number): string {
  return write(call, t, index).finish(t);
}

/** compose() as the bytes sent (latin1: one byte per character). */
export function composeBytes(call: Call, t: MessageTemplate, index: number): Buffer {
  return write(call, t, index).finishBytes(t);
}

function write(call: Call, t: MessageTemplate, index: number): MessageWriter {
  const w = new MessageWriter(call, index);
  const components = runComponents(call, t);
  for (let i = 0; i < components.length; i++) w.add(components[i]!);
  return w;
}

/**
 * Keywords whose value is the same for every call of a run: addresses, ports, transport, [pid],
 * [service], the version. (Not [users]: the control socket and keys change it while running.)
 */
const RUN_CONSTANT = new Set<SimpleKeyword>([
  'remote_ip',
  'remote_host',
  'remote_port',
  'local_ip',
  'local_ip_type',
  'transport',
  'media_ip',
  'media_ip_type',
  'media_port',
  'rtpstream_audio_port',
  'rtpstream_video_port',
  'pid',
  'service',
  'sipp_version',
]);

/**
 * A component of a run's template: a template's own, or a simple keyword with its value function
 * looked up once ("val"; by name per message, the lookup in KEYWORD_VALUES was a megamorphic
 * keyed load per keyword).
 */
type RunComponent = Component | { k: 'val'; fn: KeywordValue; off: number };

interface RunTemplate {
  engine: Call['engine'];
  components: RunComponent[];
}
const runTemplates = new WeakMap<MessageTemplate, RunTemplate>();

/**
 * The template with the run's constant keywords filled in once and merged with the literals around
 * them, so that a message is built from a few chunks rather than one per keyword. [local_port] is
 * constant unless each call of a client has its own socket (-t un). A value that is empty or starts
 * with a blank stays a keyword: a literal after a keyword that produced nothing at the end of a
 * line loses its leading blanks (see MessageWriter), which must not reach into the value.
 */
function runComponents(call: Call, t: MessageTemplate): RunComponent[] {
  const e = call.engine;
  const cached = runTemplates.get(t);
  if (cached && cached.engine === e) return cached.components;
  const perCallPort = e.opts.multiSocket && call.scenario.mode === 'client';
  const out: RunComponent[] = [];
  for (const c of t.components) {
    let lit: string | undefined;
    if (c.k === 'lit') lit = c.s;
    else if (c.k === 'kw' && (RUN_CONSTANT.has(c.kw) || (c.kw === 'local_port' && !perCallPort))) {
      const v = String(KEYWORD_VALUES[c.kw as keyof typeof KEYWORD_VALUES](call, c.off, -1));
      if (v !== '' && !/^\s/.test(v)) lit = v;
    }
    const prev = out[out.length - 1];
    if (lit === undefined) out.push(valueComponent(c, e.rtp !== undefined));
    else if (prev?.k === 'lit') out[out.length - 1] = { k: 'lit', s: prev.s + lit };
    else out.push({ k: 'lit', s: lit });
  }
  runTemplates.set(t, { engine: e, components: out });
  return out;
}

/**
 * A simple keyword as a "val" component, unless MessageWriter.keyword() treats it apart: [len],
 * [routes], and the media ports when the run has RTP sockets.
 */
function valueComponent(c: Component, rtp: boolean): RunComponent {
  if (c.k !== 'kw' || c.kw === 'len' || c.kw === 'routes') return c;
  if (rtp && (c.kw === 'media_port' || c.kw === 'auto_media_port')) return c;
  return { k: 'val', fn: KEYWORD_VALUES[c.kw], off: c.off };
}

/** The text of one message as its components are filled in; [len] and the digest come last. */
class MessageWriter {
  private out = '';
  private lenAt = -1;
  private lenOff = 0;
  private authAt = -1;
  private auth: AuthParams | undefined;
  /** The blank after a keyword that produced nothing at the end of a line is swallowed. */
  private suppress = false;

  constructor(
    private readonly call: Call,
    private readonly index: number,
  ) {}

  add(c: RunComponent): void {
    const call = this.call;
    switch (c.k) {
      case 'val':
        this.out += c.fn(call, c.off, this.index);
        break;
      case 'lit':
        if (this.suppress) {
          this.out += c.s.replace(/^\s+/, '');
          this.suppress = false;
        } else this.out += c.s;
        break;
      case 'kw':
        this.keyword(c.kw, c.off);
        break;
      case 'var':
        this.out += call.getVar(c.ref).render();
        this.suppressAtLineEnd();
        break;
      case 'last':
        this.out += call.lastRecv ? call.lastRecv.header(c.name) : '';
        this.suppressAtLineEnd();
        break;
      case 'field':
        this.field(c);
        this.suppressAtLineEnd();
        break;
      case 'file':
        this.file(c.name);
        break;
      case 'fill': {
        const n = Math.max(0, Math.trunc(call.getVar(c.ref).getDouble()));
        this.out += c.text.repeat(Math.ceil(n / c.text.length)).slice(0, n);
        break;
      }
      case 'auth':
        if (this.authAt >= 0) throw new SippError('Only one [authentication] keyword is currently supported!');
        this.authAt = this.out.length;
        this.auth = c.auth;
        break;
    }
  }

  private suppressAtLineEnd(): void {
    if (this.out.charCodeAt(this.out.length - 1) === 10) this.suppress = true;
  }

  private keyword(kw: SimpleKeyword, off: number): void {
    if (kw === 'len') {
      // Five blanks now, the body's length once it is known ("%5u").
      this.lenAt = this.out.length;
      this.lenOff = off;
      this.out += '     ';
    } else if (kw === 'routes') {
      if (this.call.dialogRouteSet !== undefined) this.out += 'Route: ' + this.call.dialogRouteSet;
      else this.suppressAtLineEnd();
    } else if ((kw === 'media_port' || kw === 'auto_media_port') && this.call.engine.rtp) {
      // SIPp (createSendingMessage, PCAPPLAY) notes the port as the call's source port for the
      // media of the line it is on (audio, image or video): pcap play sends from it.
      const port = KEYWORD_VALUES[kw](this.call, off, this.index) as number;
      const kind = lineMediaKind(this.out);
      if (kind) this.call.media()!.from[kind] = port;
      this.out += port;
    } else this.out += KEYWORD_VALUES[kw](this.call, off, this.index);
  }

  /** [fieldN file=… line=…]: a field of an -inf file, at the call's line or a computed one. */
  private field(c: Extract<Component, { k: 'field' }>): void {
    const call = this.call;
    let line = call.lineNumbers?.get(c.file) ?? -1;
    if (!call.lineNumbers)
      throw new SippError('Automatic calls (created by -aa, -oocsn or -oocsf) cannot use input files!');
    const file = call.engine.injection.get(c.file)!;
    if (c.line) {
      const l = compose(call, c.line, -2);
      if (!/^\s*[+-]?\d+(\.\d*)?\s*$/.test(l)) throw new SippError(`Invalid line number generated: '${l}'`);
      line = Math.trunc(Number(l));
      if (line > file.numLines) line = -1;
    }
    if (line < 0) return;
    const v = file.field(line, c.field);
    const at = v.indexOf('[authentication');
    if (at < 0) {
      this.out += v;
      return;
    }
    // SIPp (call::createSendingMessage) parses the keyword from the substituted field and puts the
    // digest header where it stood, once the body is known; the rest of the field stays.
    const end = v.indexOf(']', at);
    if (end < 0) throw new SippError(`Unterminated [authentication keyword in an injection field: ${v}`);
    if (this.authAt >= 0) throw new SippError('Only one [authentication] keyword is currently supported!');
    const o = call.engine.opts;
    const defaults = { authUser: o.authUser ?? o.service, authPassword: o.authPassword };
    this.auth = authParams(v.slice(at, end), defaults, literalTemplate);
    this.out += v.slice(0, at);
    this.authAt = this.out.length;
    this.out += v.slice(end + 1);
  }

  /** [file name=…]: the file's bytes. */
  private file(nameTemplate: MessageTemplate): void {
    const name = compose(this.call, nameTemplate, -2);
    try {
      this.out += readFileSync(name).toString('latin1');
    } catch (err) {
      throw new SippError(`Could not open '${name}': ${(err as Error).message}`);
    }
  }

  /**
   * finish() as bytes. Without [authentication], the text goes into the buffer as it was written
   * and [len]'s five blanks are overwritten there: finish() would flatten the text to find the
   * body and slice it around [len], and Buffer.from() copy the result once more. Positions in the
   * buffer are those in the text (latin1 writes one byte per character).
   */
  finishBytes(t: MessageTemplate): Buffer {
    if (this.authAt >= 0) return Buffer.from(this.finish(t), 'latin1');
    const buf = Buffer.from(this.out, 'latin1');
    if (this.lenAt < 0) return buf;
    const v = lengthValue(buf.indexOf(CRLF2), buf.length, this.lenOff);
    if (v.length !== 5) return Buffer.from(this.finish(t), 'latin1');
    buf.write(v, this.lenAt, 'latin1');
    return buf;
  }

  /** Fill in [len] and the digest header of [authentication], which both need the body. */
  finish(t: MessageTemplate): string {
    let out = this.out;
    const { lenAt, authAt, auth } = this;
    let bodyAt = -1;
    if (lenAt >= 0 || authAt >= 0) bodyAt = out.indexOf('\r\n\r\n');
    if (lenAt >= 0) {
      if (authAt > bodyAt && bodyAt >= 0)
        throw new SippError('The authentication keyword should appear in the message header, not the body!');
      out = out.slice(0, lenAt) + lengthValue(bodyAt, out.length, this.lenOff) + out.slice(lenAt + 5);
    }
    if (authAt >= 0 && auth)
      out =
        out.slice(0, authAt) +
        authorization(this.call, t, auth, bodyAt >= 0 ? out.slice(bodyAt + 4) : '') +
        out.slice(authAt);
    return out;
  }
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

/** [len]'s text ("%5u"): the body's length (plus [len+N]'s offset); a message without body has "    0". */
function lengthValue(bodyAt: number, total: number, off: number): string {
  const bodyLen = bodyAt >= 0 ? total - bodyAt - 4 : 0;
  return bodyAt >= 0 && bodyLen > 0 && bodyLen < 100000 ? String(bodyLen + off).padStart(5) : '    0';
}

function authorization(call: Call, t: MessageTemplate, a: AuthParams, body: string): string {
  if (call.dialogAuthentication === undefined)
    throw new SippError('Authentication keyword without dialog_authentication!');
  const e = call.engine;
  const uri =
    e.opts.authUri !== undefined ? `sip:${e.opts.authUri}` : `sip:${e.remote?.ip ?? ''}:${e.remote?.port ?? 0}`;
  const r = createDigest({
    user: compose(call, a.user, -2),
    password: compose(call, a.pass, -2),
    method: t.method ?? '',
    uri,
    body,
    challenge: call.dialogAuthentication,
    nonceCount: call.nextNonceCount++,
  });
  if ('error' in r) throw new SippError(r.error);
  return (call.dialogChallengeType === 401 ? 'Authorization: ' : 'Proxy-Authorization: ') + r.value;
}
