/**
 * A call's 3PCC commands (SIPp 3.6.1 call.cpp): <sendCmd> (executeMessage's M_SENDCMD and
 * sendCmdMessage), a received command (process_twinSippCom, checkInternalCmd, check_peer_src),
 * and the "3pcc_abort" command a call sends its twin when it aborts (sendCmdBuffer).
 *
 * A received command is matched to its call by Call-ID (the runtime does that), then to the
 * first <recvCmd> at or after the call's position, skipping optional messages and <nop>s; any
 * other message on the way rejects the call. Its actions (ereg...) search the command's text,
 * trailing CRLFs removed. SIPp does not keep the command as the last message received, so
 * [last_*] keywords after a <recvCmd> still refer to the last SIP message.
 */
import type { ScenarioMessage } from '../scenario/model.js';
import { C, M } from '../stats/counters.js';
import { commandSender, isAbortCommand, stripTrailingCrlf } from '../twin/command-text.js';
import { ActionResult } from './action-result.js';
import { executeActions } from './actions.js';
import type { Call } from './call.js';
import { doBookkeeping } from './call-run.js';
import { compose } from './compose.js';
import { Incoming } from './incoming.js';

/** <sendCmd>: compose (as SIPp, with index -1), send on the twin channel, run the actions, move on. */
export function sendCommand(call: Call, cur: ScenarioMessage): void {
  if (call.nextRetrans) {
    // The previous SIP message is still retransmitted: SIPp waits here too.
    call.setPaused();
    return;
  }
  const text = compose(call, cur.cmd!, -1);
  if (!sendToTwin(call, text, cur.cmdDest)) return;
  call.stats.msg(cur.index, M.Sent);
  doBookkeeping(call, cur);
  call.engine.callSteps.executeActions(call, undefined, cur);
  if (!call.deleted) call.next();
}

/** Send a command; when that is impossible the call fails (FailedCmdNotSent) and false is returned. */
function sendToTwin(call: Call, text: string, dest: string | undefined): boolean {
  const e = call.engine;
  call.callDebug(`Sending command for call ${call.id}:\n${text}\n\n`);
  if (!e.twin?.send(text, dest)) {
    call.count(C.FailedCall);
    call.count(C.FailedCmdNotSent);
    call.destroy(undefined, false);
    return false;
  }
  e.trace.message(`----------------------------------------------- \nTCP control message sent:\n\n${text}\n`);
  return true;
}

/**
 * SIPp aborts the twin's half of a call when this half aborts on an unexpected message, BYE,
 * CANCEL or PING (-3pcc only, and not at the first message). False when the call died of it.
 */
export function abortTwinCall(call: Call): boolean {
  const twin = call.engine.twin;
  if (!twin || twin.extended || !twin.twinUp || call.msgIndex <= 0) return true;
  return sendToTwin(call, compose(call, call.scenario.defaultMessages.get('3pcc_abort')!, -1), undefined);
}

/** A command for this call arrived from the twin. */
export function receiveCommand(call: Call, text: string): void {
  const e = call.engine;
  call.callDebug(`Processing incoming command for call-ID ${call.id}:\n${text}\n\n`);
  call.setRunning();
  if (isAbortCommand(text)) {
    call.count(C.FailedCall);
    call.abortCall(true);
    return;
  }
  const index = commandIndex(call, text);
  if (index < 0) {
    e.trace.message(`Unexpected control message received:\n${text}\n`);
    rejectCall(call);
    return;
  }
  const m = call.messages[index]!;
  call.stats.msg(index, M.Recv);
  doBookkeeping(call, m);
  const result = executeActions(call, Incoming.command(stripTrailingCrlf(text)), m);
  if (call.deleted) return;
  if (result !== ActionResult.NoError) {
    // SIPp keeps the error as the call's last action result and goes on, except for these two.
    call.lastActionResult = result;
    if (result === ActionResult.StopCall) {
      rejectCall(call);
      return;
    }
    if (result === ActionResult.ConnectFailed) {
      call.terminate(C.FailedTcpConnect);
      return;
    }
  }
  call.pausedUntil = 0;
  call.recvTimeout = 0;
  call.msgIndex = index;
  call.next();
}

/** The <recvCmd> this command answers, or -1 when another mandatory message comes first. */
function commandIndex(call: Call, text: string): number {
  const extended = call.engine.twin?.extended ?? false;
  for (let i = call.msgIndex; i < call.messages.length; i++) {
    const m = call.messages[i]!;
    if (m.kind !== 'recvCmd') {
      if (m.optional || m.kind === 'nop') continue;
      return -1;
    }
    if (extended && commandSender(text) !== m.cmdSrc) {
      call.engine.warning(`Unexpected sender for the received peer message\n${text}`);
      return -1;
    }
    return i;
  }
  return -1;
}

/** SIPp's rejectCall. */
function rejectCall(call: Call): void {
  call.count(C.FailedCall);
  call.count(C.FailedCallRejected);
  call.destroy(undefined, false);
}
