/**
 * What the four RFC 3261 §17 state machines share: identity (the table key), the two timer slots
 * every state needs at most (a retransmission timer: A, E, G or the 100-Trying delay; and a
 * timeout timer: B, F, H, or a clean-up timer D, I, J, K, L, M), and termination.
 */
import { ownString } from '../message/own-string.js';
import type { SipRequest } from '../message/message.js';
import type { Timer, TimerQueue, TimerTarget } from '../timers/timer-queue.js';
import type { TransportError } from '../transport/errors.js';
import type { Destination, MessageSource, SendObserver, SendTarget } from '../transport/types.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { ClientTransaction } from './client.js';
import type { ClientTransactionUser, TimerSettings } from './types.js';

/** What transactions need from their layer (implemented by TransactionLayer). */
export interface TransactionCore {
  readonly timers: TimerQueue;
  readonly settings: TimerSettings;
  readonly transport: TransportLayer;
  /** Remove a terminated transaction from the tables. */
  removeTransaction(tx: Transaction): void;
  /** An ACK that an RFC 6026 Accepted INVITE server transaction passes to the TU. */
  ackToTu(ack: SipRequest, source: MessageSource): void;
  /** Start a client transaction (used for CANCEL). */
  sendRequest(req: SipRequest, dest: Destination, user: ClientTransactionUser): ClientTransaction;
  /** An exception from a TU callback. */
  userError(err: unknown): void;
}

/** Timer kinds (the `kind` of TimerTarget.onTimer). */
export const enum TimerKind {
  /** A (ICT), E (NICT), G (IST) */
  Retransmit = 1,
  /** B (ICT), F (NICT), H (IST), or Timer C / the §9.1 CANCEL wait on an ICT */
  Timeout = 2,
  /** D, K, M (clients); I, J, L (servers) */
  Cleanup = 3,
  /** the 200 ms delay before an INVITE server transaction sends 100 Trying itself */
  Trying = 4,
}

export type TransactionState =
  'Calling' | 'Trying' | 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export abstract class Transaction implements TimerTarget, SendObserver {
  /** "ict", "nict", "ist", "nist" */
  abstract get kind(): 'ict' | 'nict' | 'ist' | 'nist';
  state: TransactionState = 'Trying';
  /** The request method ("INVITE", "REGISTER"...). */
  readonly method: string;
  /** Where messages go: for clients the request destination, for servers the last response's. */
  target: SendTarget | undefined;
  protected rt: Timer | undefined;
  protected to: Timer | undefined;

  private _request: SipRequest | undefined;

  constructor(
    protected readonly core: TransactionCore,
    /** The table key (branch-based, or the RFC 2543 fallback). */
    readonly key: string,
    request: SipRequest,
  ) {
    this._request = request;
    this.method = ownString(request.method);
  }

  /**
   * The request that created the transaction. A server transaction that is matched by its branch
   * lets go of it once its final response is sent (it only absorbs retransmissions from then on,
   * for up to 64·T1), so that thousands of lingering transactions do not keep whole messages alive.
   */
  get request(): SipRequest {
    if (this._request === undefined) throw new Error(`the request of ${this.kind} ${this.key} was released`);
    return this._request;
  }

  /** Run a callback of the TU: an exception there is the TU's bug, reported, never the transaction's. */
  protected toUser(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.core.userError(e);
    }
  }

  /** @internal Drop the request (see `request`). */
  protected releaseRequest(): void {
    this._request = undefined;
  }

  get isInvite(): boolean {
    return this.method === 'INVITE';
  }

  get terminated(): boolean {
    return this.state === 'Terminated';
  }

  /** Whether messages go over a reliable transport (no retransmissions, zero D/I/J/K). */
  get reliable(): boolean {
    return this.target?.transport.reliable ?? false;
  }

  abstract onTimer(kind: number, timer: Timer): void;
  abstract onSendError(err: TransportError): void;
  protected abstract notifyTerminated(): void;

  protected startRt(kind: TimerKind, ms: number): void {
    this.rt = this.slot(this.rt, kind);
    this.rt.start(ms);
  }

  protected startTo(kind: TimerKind, ms: number): void {
    this.to = this.slot(this.to, kind);
    this.to.start(ms);
  }

  /** A timer slot of `kind`: the existing one, or a new one when the slot held another kind. */
  private slot(t: Timer | undefined, kind: TimerKind): Timer {
    if (t !== undefined && t.kind === kind) return t;
    t?.stop();
    return this.core.timers.timer(this, kind);
  }

  /** Stop the retransmission timer and let go of it: a lingering transaction keeps one timer. */
  protected dropRt(): void {
    this.rt?.stop();
    this.rt = undefined;
  }

  protected stopTimers(): void {
    this.rt?.stop();
    this.to?.stop();
  }

  /**
   * Wait `ms` in the current state and then terminate (Timers D, I, J, K, L, M); zero on reliable
   * transports terminates now. The wait keeps no Timer: the transaction waits in the queue's
   * FIFO of that delay (TimerQueue.after), one entry per lingering transaction instead of an
   * 80-byte object kept for up to 64·T1 (issue 14). Such an entry cannot be stopped: no state
   * reached from here starts another timer, and a transaction that ends earlier ignores it
   * (terminate() is idempotent). The wait is at most the layer's `wait` setting (Kamailio's
   * wt_timer; see TimerSettings.wait).
   */
  protected linger(ms: number): void {
    this.dropRt();
    this.to?.stop();
    this.to = undefined;
    ms = Math.min(ms, this.core.settings.wait);
    if (ms <= 0) this.terminate();
    else this.core.timers.after(ms, this, TimerKind.Cleanup);
  }

  /** @internal Shutdown: mark terminated and stop timers without telling anyone. */
  abandon(): void {
    this.state = 'Terminated';
    this.stopTimers();
  }

  /** End the transaction now: stop its timers, leave the tables, tell the TU. Idempotent. */
  terminate(): void {
    if (this.state === 'Terminated') return;
    this.state = 'Terminated';
    this.stopTimers();
    this.core.removeTransaction(this);
    this.notifyTerminated();
  }

  protected send(data: Buffer): void {
    if (this.target !== undefined) this.core.transport.send(data, this.target, this);
  }
}
