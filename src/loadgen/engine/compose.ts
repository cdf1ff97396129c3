/**
 * Filling in a compiled message for one call (SIPp's call::createSendingMessage): keywords,
 * variables, [last_*] headers, [len] padded to 5 characters ("%5u"), and the digest header of
 * [authentication] computed once the body is known. A keyword that produces nothing at the end of
 * a line swallows the blank that follows (the line break), as in SIPp.
 */
import { readFileSync } from 'node:fs';
import { SippError } from '../errors.js';
import type { MessageTemplate, AuthParams } from '../scenario/message-template.js';
import type { Call } from './call.js';
import { formatTime } from '../stats/format.js';
import { createDigest } from './digest.js';

const VERSION = 'siptest-0.1.0';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

function httpDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

/**
 * `index` is the scenario index of the message (SIPp's P_index): -1 for default messages sent on
 * abort, -2 for keyword text in actions.
 */
export function compose(call: Call, t: MessageTemplate, index: number): string {
  const e = call.engine;
  let out = '';
  let lenAt = -1;
  let lenOff = 0;
  let authAt = -1;
  let auth: AuthParams | undefined;
  let suppress = false;
  const endsWithNewline = () => out.charCodeAt(out.length - 1) === 10;
  for (const c of t.components) {
    switch (c.k) {
      case 'lit':
        if (suppress) {
          out += c.s.replace(/^\s+/, '');
          suppress = false;
        } else out += c.s;
        break;
      case 'kw':
        switch (c.kw) {
          case 'remote_ip':
            out += e.remote?.ipEscaped ?? '';
            break;
          case 'remote_host':
            out += e.remote?.host ?? '';
            break;
          case 'remote_port':
            out += (e.remote?.port ?? 0) + c.off;
            break;
          case 'local_ip':
            out += e.local.ipEscaped;
            break;
          case 'local_port':
            out += call.localPort() + c.off;
            break;
          case 'transport':
            out += e.transportName;
            break;
          case 'local_ip_type':
            out += e.local.ipType;
            break;
          case 'server_ip':
            out += call.socket?.localAddress ?? e.local.ip;
            break;
          case 'media_ip':
            out += e.media.ip;
            break;
          case 'media_ip_type':
            out += e.media.ipType;
            break;
          case 'media_port':
          case 'rtpstream_audio_port':
          case 'rtpstream_video_port':
            out += e.media.port + c.off;
            break;
          case 'auto_media_port':
            out += e.media.port + ((4 * (call.number - 1)) % 10000) + c.off;
            break;
          case 'call_number':
            out += call.number;
            break;
          case 'dynamic_id':
            out += e.ids.nextDynamicId();
            break;
          case 'call_id':
            out += call.id;
            break;
          case 'cseq':
            out += call.cseq + c.off;
            break;
          case 'pid':
            out += e.ids.pid;
            break;
          case 'service':
            out += e.opts.service;
            break;
          case 'branch':
            out += `z9hG4bK-${e.ids.pid}-${call.number}-${(index === -2 ? call.msgIndex - 1 : index) + c.off}`;
            break;
          case 'msg_index':
            out += index;
            break;
          case 'next_url':
            out += call.nextReqUrl ?? '';
            break;
          case 'len':
            lenAt = out.length;
            lenOff = c.off;
            out += '     ';
            break;
          case 'peer_tag_param':
            if (call.peerTag !== undefined) out += ';tag=' + call.peerTag;
            break;
          case 'routes':
            if (call.dialogRouteSet !== undefined) out += 'Route: ' + call.dialogRouteSet;
            else if (endsWithNewline()) suppress = true;
            break;
          case 'clock_tick':
            out += e.now();
            break;
          case 'users':
            out += e.opts.users;
            break;
          case 'userid':
            out += call.userId;
            break;
          case 'timestamp':
            out += formatTime(Date.now() * 1000);
            break;
          case 'date':
            out += httpDate(new Date());
            break;
          case 'sipp_version':
            out += VERSION;
            break;
          case 'last_Request_URI':
            out += call.lastRequestUri();
            break;
          case 'last_cseq_number':
            out += call.lastCseqNumber() + c.off;
            break;
          case 'last_message':
            out += call.lastRecv?.text ?? '';
            break;
          case 'tdmmap':
            break;
        }
        break;
      case 'var':
        out += call.getVar(c.ref).render();
        if (endsWithNewline()) suppress = true;
        break;
      case 'last':
        out += call.lastRecv ? call.lastRecv.header(c.name) : '';
        if (endsWithNewline()) suppress = true;
        break;
      case 'field': {
        let line = call.lineNumbers?.get(c.file) ?? -1;
        if (!call.lineNumbers)
          throw new SippError('Automatic calls (created by -aa, -oocsn or -oocsf) cannot use input files!');
        const file = e.injection.get(c.file)!;
        if (c.line) {
          const l = compose(call, c.line, -2);
          if (!/^\s*[+-]?\d+(\.\d*)?\s*$/.test(l)) throw new SippError(`Invalid line number generated: '${l}'`);
          line = Math.trunc(Number(l));
          if (line > file.numLines) line = -1;
        }
        if (line >= 0) {
          const v = file.field(line, c.field);
          const authAtInField = v.indexOf('[authentication');
          out += v;
          if (authAtInField >= 0)
            throw new SippError('[authentication] inside an injection field is not supported by siptest');
        }
        if (endsWithNewline()) suppress = true;
        break;
      }
      case 'file': {
        const name = compose(call, c.name, -2);
        try {
          out += readFileSync(name).toString('latin1');
        } catch (err) {
          throw new SippError(`Could not open '${name}': ${(err as Error).message}`);
        }
        break;
      }
      case 'fill': {
        const n = Math.max(0, Math.trunc(call.getVar(c.ref).getDouble()));
        out += c.text.repeat(Math.ceil(n / c.text.length)).slice(0, n);
        break;
      }
      case 'auth':
        if (authAt >= 0) throw new SippError('Only one [authentication] keyword is currently supported!');
        authAt = out.length;
        auth = c.auth;
        break;
    }
  }
  let bodyAt = -1;
  if (lenAt >= 0 || authAt >= 0) bodyAt = out.indexOf('\r\n\r\n');
  if (lenAt >= 0) {
    if (authAt > bodyAt && bodyAt >= 0)
      throw new SippError('The authentication keyword should appear in the message header, not the body!');
    const bodyLen = bodyAt >= 0 ? out.length - bodyAt - 4 : 0;
    const v = bodyAt >= 0 && bodyLen > 0 && bodyLen < 100000 ? String(bodyLen + lenOff).padStart(5) : '    0';
    out = out.slice(0, lenAt) + v + out.slice(lenAt + 5);
  }
  if (authAt >= 0 && auth)
    out =
      out.slice(0, authAt) + authorization(call, t, auth, bodyAt >= 0 ? out.slice(bodyAt + 4) : '') + out.slice(authAt);
  return out;
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
