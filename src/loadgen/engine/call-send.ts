/**
 * A call's sending (SIPp's call::send_raw, sendBuffer and the composing of scenario and default
 * messages): -lost, the call-debug trace, and the failure a socket that cannot send causes.
 */
import { SippError } from '../errors.js';
import { C, M } from '../stats/counters.js';
import type { Call } from './call.js';
import { composeBytes } from './compose.js';

/** -lost or the message's lost=: this send is dropped on purpose. */
function lost(call: Call, index: number): boolean {
  let percent = call.engine.opts.lostPercent;
  const m = call.messages[index];
  if (m && m.lost >= 0) percent = m.lost;
  return percent > 0 && Math.random() < percent / 100;
}

/** Send bytes (`index` -1: not a scenario message); false when the call was deleted because sending failed. */
export function sendRaw(call: Call, buf: Buffer, index: number): boolean {
  const e = call.engine;
  if (index >= 0 && lost(call, index)) {
    e.trace.message(`${e.transportName} message voluntary lost (while sending).`);
    call.stats.msg(index, M.Lost);
    return true;
  }
  if (!call.socket || !call.peer) throw new SippError(`Call ${call.id} has no socket or destination`);
  // The text is built only when -trace_calldebug keeps it (a copy of every message otherwise).
  if (call.debug)
    call.callDebug(`Sending message for call ${call.id} (index ${index}):\n${buf.toString('latin1')}\n\n`);
  if (!call.socket.send(buf, call.peer)) {
    call.count(C.FailedCall);
    call.count(C.FailedCannotSendMessage);
    call.destroy(undefined, false);
    return false;
  }
  e.trace.sent(buf, call.socket);
  return true;
}

/** A message outside the scenario (abort BYE/CANCEL/ACK, automatic 200). */
export function sendDefault(call: Call, id: string): void {
  const t = call.scenario.defaultMessages.get(id)!;
  const lastRecvIsError = (call.lastRecv?.code ?? 0) >= 400;
  if (sendRaw(call, composeBytes(call, t, id === 'ack' && lastRecvIsError ? -2 : -1), -1)) return;
  // SIPp's sendBuffer: with -sendbuffer_warn the failure is fatal, else a warning.
  if (call.engine.opts.sendBufferWarn) throw new SippError('Error sending raw message');
  call.engine.warning('Error sending raw message');
}

/** Build and send scenario message `index`; undefined when the call died. */
export function sendScene(call: Call, index: number): Buffer | undefined {
  const m = call.messages[index]!;
  const buf = composeBytes(call, m.send!, index);
  if (m.send!.isAck) {
    call.callEstablished = true;
    call.ackIsPending = false;
  }
  return sendRaw(call, buf, index) ? buf : undefined;
}
