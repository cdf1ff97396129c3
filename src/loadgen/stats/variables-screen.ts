/**
 * SIPp's screen 4, the variables screen (ScreenPrinter::draw_vars_screen in SIPp 3.6.1): the
 * actions of every message, one line each as CAction::printInfo writes them, with SIPp's action
 * type numbers (its T_ActionType enum) so the screen reads as SIPp's does.
 */
import type { Action, Comparator, ScenarioMessage } from '../scenario/model.js';
import type { VarRef } from '../scenario/variables.js';
import { sprintf } from './sprintf.js';

/** SIPp's T_ActionType values (actions.hpp, with PCAPPLAY and RTP_STREAM as Debian builds it). */
const ACTION_TYPE: Record<Action['type'], number> = {
  ereg: 1,
  assign: 3,
  sample: 4,
  assignstr: 5,
  index: 6,
  gettimeofday: 7,
  jump: 8,
  lookup: 9,
  insert: 10,
  replace: 11,
  pauserestore: 12,
  log: 13,
  warning: 14,
  error: 15,
  exec: 16,
  int_cmd: 17,
  add: 18,
  subtract: 19,
  multiply: 20,
  divide: 21,
  test: 22,
  todouble: 23,
  strcmp: 24,
  trim: 25,
  verifyauth: 26,
  setdest: 27,
  closecon: 28,
  play_pcap: 29,
  play_dtmf: 32,
  rtp_stream_pause: 33,
  rtp_stream_resume: 34,
  rtp_stream: 35,
  rtp_echo: 36,
};

/** E_AT_PLAY_PCAP_AUDIO, _IMAGE, _VIDEO. */
const PCAP_TYPE = { audio: 29, image: 30, video: 31 } as const;

const COMPARATOR_TEXT: Record<Comparator, string> = {
  equal: '==',
  not_equal: '!=',
  greater_than: '>',
  less_than: '<',
  greater_than_equal: '>=',
  less_than_equal: '<=',
};

/** SIPp prints every line into an 80-byte buffer: at most 79 characters. */
const clip = (line: string) => line.slice(0, 79);

/** A variable's name; glibc prints "(null)" where SIPp passes a name that does not exist (no variable). */
const name = (v: VarRef | undefined) => v?.name ?? '(null)';

/** C's "%lf". */
const lf = (v: number | undefined) => (v ?? 0).toFixed(6);

/** One action as CAction::printInfo describes it. Types printInfo does not know read "unknown action type". */
export function actionInfo(a: Action): string {
  const t = `Type[${ACTION_TYPE[a.type]}] - `;
  switch (a.type) {
    case 'ereg': {
      const where = a.where === 'msg' ? 'Full Msg' : `Header-${a.where === 'hdr' ? a.header : '(null)'}`;
      const checks = `checkIt[${Number(a.checkIt)}] - checkItInverse[${Number(a.checkItInverse)}]`;
      return `${t}regexp[${a.source}] where[${where}] - ${checks} - $${a.assignTo.name}`;
    }
    case 'exec':
      return `${t}${sprintf('command[%-32.32s]', a.message.source)}`;
    case 'int_cmd':
      return `${t}${sprintf('intcmd[%-32.32s]', a.cmd)}`;
    case 'log':
      return `${t}${sprintf('message[%-32.32s]', a.message.source)}`;
    case 'warning':
    case 'error':
      return `${t}${sprintf(`${a.type}[%-32.32s]`, a.message.source)}`;
    case 'sample':
      // textDescr writes into a 40-byte buffer.
      return `${t}sample varId[${a.assignTo.name}] ${a.distribution.text().slice(0, 39)}`;
    case 'assign':
      return `${t}assign varId[${name(a.assignTo)}] ${lf(a.value)}`;
    case 'index':
      return `${t}assign index[${a.assignTo.name}]`;
    case 'gettimeofday':
      return `${t}assign gettimeofday[${a.assignTo.name}, ${a.usecVar.name}]`;
    case 'assignstr':
      return `${t}string assign varId[${a.assignTo.name}] ${sprintf('[%-32.32s]', a.message.source)}`;
    case 'jump':
      return `${t}jump varInId[${name(a.inVar)}] ${lf(a.value)}`;
    case 'pauserestore':
      return `${t}restore pause varInId[${name(a.inVar)}] ${lf(a.value)}`;
    case 'add':
    case 'multiply':
    case 'divide':
      return `${t}${a.type} varId[${name(a.assignTo)}] ${lf(a.value)}`;
    case 'trim':
      return `${t}trim varId[${a.assignTo.name}]`;
    case 'test':
      // SIPp's own text for <test> says "divide".
      return `${t}divide varId[${name(a.assignTo)}] varInId[${a.inVar.name}] ${COMPARATOR_TEXT[a.compare]} ${lf(a.value)}`;
    case 'todouble':
      return `${t}toDouble varId[${a.assignTo.name}]`;
    case 'play_pcap':
      return `Type[${PCAP_TYPE[a.kind]}] - file[${a.pcap.path}]`;
    case 'play_dtmf':
      return `${t}play DTMF digits [${a.message.source}]`;
    case 'rtp_stream': {
      const s = a.spec;
      return `${t}rtp_stream playfile file ${s.file} loop=${s.loops} payload ${s.payloadType} bytes per packet=${s.bytesPerPacket} ms per packet=${s.msPerPacket} ticks per packet=${s.ticksPerPacket}`;
    }
    case 'rtp_stream_pause':
    case 'rtp_stream_resume':
      return `${t}rtp_stream ${a.type === 'rtp_stream_pause' ? 'pause' : 'resume'}`;
    default:
      return `${t}unknown action type ... `;
  }
}

/** The heading of a message's action list, by message type. */
function messageHeading(m: ScenarioMessage): string {
  const n = m.actions.length;
  if (m.kind === 'recv') return `=> Message[${m.index}] (Receive Message) - [${n}] action(s) defined :`;
  if (m.kind === 'recvCmd') return `=> Message[${m.index}] (Receive Command Message) - [${n}] action(s) defined :`;
  return `=> Message[${m.index}] - [${n}] action(s) defined :`;
}

/**
 * The body of the variables screen (after its title line). SIPp pads it with blank lines so the
 * screen is about as tall as the scenario screen; its loop compares unsigned sizes and never ends
 * when the action lines outnumber the messages by more than 6 (SIPp 3.6.1 then hangs, its memory
 * growing): siptest adds no padding in that case.
 */
export function variablesScreenBody(messages: readonly ScenarioMessage[]): string[] {
  const lines = ['Action defined Per Message :'];
  let found = false;
  for (const m of messages) {
    if (m.actions.length === 0) continue;
    lines.push(clip(messageHeading(m)));
    m.actions.forEach((a, j) => lines.push(clip(`   --> action[${j}] = ${actionInfo(a)}`)));
    found = true;
  }
  if (!found) lines.push('=> No action found on any messages');
  lines.push('');
  // SIPp: for (i = 0; i < messages + 6 - lines; i++) push(""), its lines counting the title.
  const room = messages.length + 6 - (lines.length + 1);
  for (let i = 0; i < Math.ceil(Math.max(0, room) / 2); i++) lines.push('');
  return lines;
}
