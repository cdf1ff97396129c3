/**
 * The run's message traces: -trace_msg (every message in full), -trace_shortmsg (one line per
 * message), -trace_logs (<log> actions) and -trace_calldebug (the messages of aborted calls).
 */
import { formatTime } from '../stats/format.js';
import type { CallIds } from './call-ids.js';
import { nowUs } from './clock.js';
import { Incoming } from './incoming.js';
import type { Logs } from './logs.js';
import type { CallSocket } from './types.js';

export class RunTrace {
  constructor(
    private readonly logs: Logs,
    private readonly ids: CallIds,
  ) {}

  /** Calls keep their messages only when -trace_calldebug will want them. */
  get callDebugOn(): boolean {
    return this.logs.callDebug.enabled;
  }

  sent(buf: Buffer, socket: CallSocket): void {
    const l = this.logs;
    if (l.messages.enabled)
      l.messages.write(
        `----------------------------------------------- ${formatTime(nowUs(), true)}\n${socket.transport} message sent (${buf.length} bytes):\n\n${buf.toString('latin1')}\n`,
      );
    if (l.shortMessages.enabled) this.short('S', buf);
  }

  received(buf: Buffer, inc: Incoming, socket: CallSocket): void {
    const l = this.logs;
    if (l.shortMessages.enabled) this.short('R', buf);
    if (l.messages.enabled)
      l.messages.write(
        `----------------------------------------------- ${formatTime(nowUs(), true)}\n${socket.transport} message received [${buf.length}] bytes :\n\n${inc.text}\n`,
      );
  }

  private short(dir: 'S' | 'R', buf: Buffer): void {
    const inc = Incoming.parse(buf);
    if (!inc) return;
    const firstLine = inc.text.slice(0, inc.text.search(/[\r\n]/));
    this.logs.shortMessages.write(
      `${formatTime(nowUs())}\t${dir}\t${this.ids.trim(inc.callId)}\tCSeq:${inc.header('CSeq:', true)}\t${firstLine}\n`,
    );
  }

  /** Free text in the -trace_msg file. */
  message(text: string): void {
    this.logs.messages.write(text);
  }

  /** A <log> action. */
  action(text: string): void {
    this.logs.actions.write(text);
  }

  callDebug(text: string): void {
    this.logs.callDebug.write(
      `-------------------------------------------------------------------------------\n${text}`,
    );
  }
}
