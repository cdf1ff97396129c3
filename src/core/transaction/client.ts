/**
 * Client transactions: INVITE (RFC 3261 §17.1.1, with RFC 6026's Accepted state) and non-INVITE
 * (§17.1.2). The request is serialized once; retransmissions resend the same bytes to the same
 * target, and only over unreliable transports.
 *
 *   ICT: Calling --1xx--> Proceeding --2xx--> Accepted --M--> Terminated
 *          |  A: resend, A·=2         |--300-699: ACK--> Completed --D--> Terminated
 *          |  B: timeout
 *   NICT: Trying --1xx--> Proceeding --final--> Completed --K--> Terminated
 *          E: resend, E = min(2E, T2) (T2 in Proceeding); F: timeout
 */
import { createAck, createCancel } from '../message/builders.js';
import { serialize } from '../message/serializer.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransportError } from '../transport/errors.js';
import type { Destination, MessageSource } from '../transport/types.js';
import { TimerKind, Transaction, type TransactionCore } from './transaction.js';
import type { ClientTransactionUser } from './types.js';

export interface ClientTransactionOptions {
  /**
   * Proxy Timer C (RFC 3261 §16.6 step 11, > 3 min): for an INVITE, started on the first
   * provisional response and restarted on each; when it fires the transaction cancels itself
   * (§16.8) and the 487 (or, after 64·T1 without one, onTimeout) ends it.
   */
  timerC?: number;
}

/** Ignores everything: the default user of a CANCEL sent by cancel(). */
const quietUser: ClientTransactionUser = { onResponse() {}, onTimeout() {}, onTransportError() {} };

export class ClientTransaction extends Transaction {
  /** "ict" or "nict": from the method, not a field (8 bytes per lingering transaction, issue 14). */
  get kind(): 'ict' | 'nict' {
    return this.method === 'INVITE' ? 'ict' : 'nict';
  }
  /** The TU; may be replaced at any time (e.g. when a proxy hands a branch over). */
  user: ClientTransactionUser;
  /** The last provisional response passed to the TU (cleared, with the request, after the final one). */
  lastResponse: SipResponse | undefined;
  /** The CANCEL's transaction once cancel() has sent it. */
  cancelTransaction: ClientTransaction | undefined;
  /** The source of the last response passed to the TU. */
  lastSource: MessageSource | undefined;
  /** The request's bytes, resent by Timers A and E; dropped with the request after the final response. */
  private bytes: Buffer | undefined;
  private ackBytes: Buffer | undefined;
  private readonly timerC: number;
  private cancelUser: ClientTransactionUser | undefined;

  constructor(
    core: TransactionCore,
    key: string,
    request: SipRequest,
    user: ClientTransactionUser,
    opts: ClientTransactionOptions = {},
  ) {
    super(core, key, request);
    this.user = user;
    this.bytes = serialize(request);
    this.timerC = opts.timerC ?? 0;
  }

  /** @internal Send the request and start Timers A/B (E/F). */
  start(dest: Destination): void {
    const { T1 } = this.core.settings;
    this.state = this.kind === 'ict' ? 'Calling' : 'Trying';
    try {
      this.target = this.core.transport.targetForRequest(dest);
    } catch (e) {
      // No listener for that protocol/family: reported like any transport failure, asynchronously.
      queueMicrotask(() => this.onSendError(e as TransportError));
      return;
    }
    this.send(this.bytes!);
    if (!this.target.transport.reliable) this.startRt(TimerKind.Retransmit, T1);
    this.startTo(TimerKind.Timeout, 64 * T1);
  }

  onTimer(kind: number): void {
    const s = this.core.settings;
    if (kind === TimerKind.Retransmit) {
      if (this.kind === 'ict') {
        // Timer A (§17.1.1.2): resend and double, only while Calling.
        if (this.state !== 'Calling') return;
        this.send(this.bytes!);
        this.startRt(TimerKind.Retransmit, 2 * this.rt!.interval);
      } else if (this.state === 'Trying' || this.state === 'Proceeding') {
        // Timer E (§17.1.2.2): doubling up to T2 while Trying, T2 in Proceeding.
        this.send(this.bytes!);
        this.startRt(TimerKind.Retransmit, this.state === 'Trying' ? Math.min(2 * this.rt!.interval, s.T2) : s.T2);
      }
    } else if (kind === TimerKind.Timeout) {
      if (this.state !== 'Calling' && this.state !== 'Trying' && this.state !== 'Proceeding') return;
      if (this.kind === 'ict' && this.state === 'Proceeding' && this.cancelTransaction === undefined) {
        // Timer C (§16.8): cancel the branch; its 487, or the §9.1 wait, ends the transaction.
        this.cancel();
        return;
      }
      // Timer B / F, or no final response within 64·T1 of a CANCEL (§9.1).
      this.call('timeout');
      this.terminate();
    } else if (kind === TimerKind.Cleanup) {
      this.terminate(); // Timer D, K or M
    }
  }

  /** @internal A response that matched this transaction (§17.1.3). */
  receiveResponse(res: SipResponse, source: MessageSource): void {
    const status = res.status;
    if (this.kind === 'ict') this.inviteResponse(res, status, source);
    else this.nonInviteResponse(res, status, source);
  }

  private inviteResponse(res: SipResponse, status: number, source: MessageSource): void {
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          this.state = 'Proceeding';
          this.rt?.stop();
          if (this.cancelTransaction === undefined) {
            if (this.timerC > 0) this.startTo(TimerKind.Timeout, this.timerC);
            else this.to?.stop();
          }
          this.up(res, source);
          if (this.cancelUser !== undefined && this.state === 'Proceeding') this.sendCancel();
        } else if (status < 300) {
          // RFC 6026 §8.4: wait in Accepted for retransmitted and forked 2xx (Timer M = 64·T1).
          this.state = 'Accepted';
          this.cancelUser = undefined;
          this.linger(64 * this.core.settings.T1);
          this.up(res, source);
          // Nothing more is built from the request (the ACK for a 2xx is the TU's): let it go.
          this.release();
          this.target = undefined; // Accepted sends nothing (see release)
        } else {
          // §17.1.1.3: the transaction itself ACKs a non-2xx final, then waits Timer D.
          this.state = 'Completed';
          this.cancelUser = undefined;
          this.ackBytes = serialize(createAck(this.request, res), true); // kept for Timer D
          this.send(this.ackBytes);
          this.linger(this.reliable ? 0 : this.core.settings.D);
          this.up(res, source);
          this.release(); // the ACK's bytes are kept for retransmitted finals
        }
        break;
      case 'Completed':
        if (status >= 300 && this.ackBytes) this.send(this.ackBytes);
        break;
      case 'Accepted':
        if (status < 200 || status >= 300) break;
        this.up(res, source); // a retransmitted or forked 2xx: the TU acknowledges it
        this.lastResponse = undefined; // kept by nobody while the transaction lingers
        this.lastSource = undefined;
        break;
    }
  }

  private nonInviteResponse(res: SipResponse, status: number, source: MessageSource): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return; // Completed absorbs retransmissions
    if (status < 200) {
      this.state = 'Proceeding';
      this.up(res, source);
      return;
    }
    this.state = 'Completed';
    this.linger(this.reliable ? 0 : this.core.settings.T4); // Timer K
    this.up(res, source);
    this.release();
    this.target = undefined; // Completed sends nothing (see release)
  }

  /**
   * After the final response the transaction lingers (Timer D/K/M) only to absorb retransmitted
   * finals (and pass an INVITE's 2xx up): it keeps no message, not even the request's bytes (no
   * state it lingers in resends them), only an ACK's bytes after a non-2xx. Where nothing is
   * sent at all (INVITE Accepted, non-INVITE Completed) the target goes too, after the TU's
   * onResponse (which may still read it): one object less per lingering transaction (issue 14).
   */
  private release(): void {
    this.lastResponse = undefined;
    this.lastSource = undefined; // read by the TU during onResponse only
    this.bytes = undefined;
    this.releaseRequest();
  }

  /**
   * Cancel this INVITE (RFC 3261 §9.1): a CANCEL with the same branch goes to the same target as
   * soon as a provisional response has arrived (immediately if one has; never if a final one
   * has). Its responses go to `user` (ignored by default). If no final response arrives within
   * 64·T1 after the CANCEL, the transaction ends with onTimeout. Returns false when there is
   * nothing to cancel (not an INVITE, or a final response already arrived).
   */
  cancel(user: ClientTransactionUser = quietUser): boolean {
    if (this.kind !== 'ict' || (this.state !== 'Calling' && this.state !== 'Proceeding')) return false;
    if (this.cancelTransaction !== undefined || this.cancelUser !== undefined) return true;
    this.cancelUser = user;
    if (this.state === 'Proceeding') this.sendCancel();
    return true;
  }

  private sendCancel(): void {
    const user = this.cancelUser!;
    this.cancelUser = undefined;
    const t = this.target!;
    this.cancelTransaction = this.core.sendRequest(
      createCancel(this.request),
      { transport: t.transport, address: t.address, port: t.port, connectionId: t.connectionId },
      user,
    );
    this.startTo(TimerKind.Timeout, 64 * this.core.settings.T1);
  }

  onSendError(err: TransportError): void {
    if (this.state === 'Terminated') return;
    // A late failure of a retransmission or ACK after the final response changes nothing.
    if (this.state === 'Completed' || this.state === 'Accepted') return;
    this.call('transport', err);
    this.terminate();
  }

  private up(res: SipResponse, source: MessageSource): void {
    this.lastResponse = res;
    this.lastSource = source;
    try {
      this.user.onResponse(res, this);
    } catch (e) {
      this.core.userError(e);
    }
  }

  private call(what: 'timeout' | 'transport', err?: TransportError): void {
    if (what === 'timeout') this.toUser(() => this.user.onTimeout(this));
    else this.toUser(() => this.user.onTransportError(this, err!));
  }

  protected notifyTerminated(): void {
    const user = this.user;
    if (user.onTerminated !== undefined) this.toUser(() => user.onTerminated!(this));
  }
}
