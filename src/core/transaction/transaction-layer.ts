/**
 * The transaction layer (RFC 3261 §17): owns the client and server transaction tables, sits on a
 * TransportLayer, and routes every received message either to its transaction or to the
 * transaction user (TU):
 * - a response goes to the client transaction it matches (§17.1.3), else to onStrayResponse;
 * - a request goes to the server transaction it matches (§17.2.3: a retransmission, or an ACK
 *   for a non-2xx final response), else to onRequest: new requests, CANCELs (their own
 *   transactions; findCancelTarget() finds the INVITE) and ACKs for 2xx (TU business).
 *
 * All timers of all transactions live in one TimerQueue (one Node timer in total).
 */
import type { SipParseError } from '../errors.js';
import { viaBranch } from '../grammar/via.js';
import { ownString } from '../message/own-string.js';
import type { AnyMessage, SipRequest, SipResponse } from '../message/message.js';
import { systemClock, type Clock } from '../timers/clock.js';
import { TimerQueue } from '../timers/timer-queue.js';
import type { TransportLayer, TransportLayerUser } from '../transport/transport-layer.js';
import type { Destination, MessageSource, SendObserver, SendTarget } from '../transport/types.js';
import { ClientTransaction, type ClientTransactionOptions } from './client.js';
import {
  clientKey,
  isRfc3261Branch,
  legacyCancels,
  legacyKey,
  legacyMatches,
  responseKey,
  serverKey,
} from './matching.js';
import { ServerTransaction } from './server.js';
import type { Transaction, TransactionCore } from './transaction.js';
import {
  DEFAULT_TIMERS,
  type ClientTransactionUser,
  type ServerTransactionUser,
  type TimerSettings,
  type TransactionLayerUser,
} from './types.js';

export interface TransactionLayerOptions {
  /** The transport layer to sit on; the transaction layer becomes its user. */
  transport: TransportLayer;
  user: TransactionLayerUser;
  /** T1, T2, T4, D and the 100 Trying delay (defaults: RFC 3261 Table 4). */
  settings?: Partial<TimerSettings>;
  /** Clock for a new timer queue (default: the system clock). Ignored when `timers` is given. */
  clock?: Clock;
  /** A timer queue to share with other users. */
  timers?: TimerQueue;
}

export interface TransactionLayerStats {
  clientTransactions: number;
  serverTransactions: number;
  /** armed timers in the queue */
  timers: number;
  /** requests that matched a server transaction (retransmissions, ACKs), since creation */
  requestsMatched: number;
  /** responses that matched a client transaction, since creation */
  responsesMatched: number;
}

export class TransactionLayer implements TransportLayerUser, TransactionCore {
  readonly transport: TransportLayer;
  readonly timers: TimerQueue;
  readonly settings: TimerSettings;
  /** The TU; replaceable. */
  user: TransactionLayerUser;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly legacy = new Map<string, ServerTransaction[]>();
  private legacyCount = 0;
  private requestsMatched = 0;
  private responsesMatched = 0;

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.user = opts.user;
    this.settings = { ...DEFAULT_TIMERS, ...opts.settings };
    this.timers = opts.timers ?? new TimerQueue(opts.clock ?? systemClock);
    this.transport.user = this;
  }

  get stats(): TransactionLayerStats {
    return {
      clientTransactions: this.clients.size,
      serverTransactions: this.servers.size + this.legacyCount,
      timers: this.timers.size,
      requestsMatched: this.requestsMatched,
      responsesMatched: this.responsesMatched,
    };
  }

  // ---- from the transport layer ---------------------------------------------------------------

  /** @internal TransportLayerUser */
  onMessage(msg: AnyMessage, source: MessageSource): void {
    if (msg.isRequest) {
      const tx = this.findServerTransaction(msg);
      if (tx === undefined) this.user.onRequest(msg, source);
      else {
        this.requestsMatched++;
        tx.receiveRequest(msg, source);
      }
      return;
    }
    const key = responseKey(msg);
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (tx === undefined) this.user.onStrayResponse?.(msg, source);
    else {
      this.responsesMatched++;
      tx.receiveResponse(msg, source);
    }
  }

  /** @internal TransportLayerUser */
  onParseError(err: SipParseError, raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void {
    this.user.onParseError?.(err, raw, source, msg);
  }

  /** @internal TransportLayerUser and TransactionCore: an exception from a TU callback. */
  onError(err: unknown): void {
    this.userError(err);
  }

  /** @internal */
  userError(err: unknown): void {
    if (this.user.onError) this.user.onError(err);
    else
      queueMicrotask(() => {
        throw err;
      });
  }

  // ---- server side -------------------------------------------------------------------------

  /**
   * The server transaction `req` belongs to (§17.2.3), if any: for an ACK the INVITE transaction
   * it acknowledges; for a CANCEL the CANCEL's own transaction (see findCancelTarget()).
   */
  findServerTransaction(req: SipRequest): ServerTransaction | undefined {
    const via = req.topVia();
    if (via === undefined) return undefined;
    const branch = viaBranch(via);
    if (isRfc3261Branch(branch)) return this.servers.get(serverKey(via, branch, req.method));
    if (this.legacyCount === 0) return undefined;
    const list = this.legacy.get(legacyKey(req, via));
    if (list !== undefined) for (const tx of list) if (legacyMatches(tx, req)) return tx;
    return undefined;
  }

  /** The INVITE server transaction a CANCEL cancels (§9.2), if any; the TU answers 481 otherwise. */
  findCancelTarget(cancel: SipRequest): ServerTransaction | undefined {
    const via = cancel.topVia();
    if (via === undefined) return undefined;
    const branch = viaBranch(via);
    if (isRfc3261Branch(branch)) return this.servers.get(serverKey(via, branch, 'INVITE'));
    const list = this.legacy.get(legacyKey(cancel, via));
    if (list !== undefined) for (const tx of list) if (legacyCancels(tx, cancel)) return tx;
    return undefined;
  }

  /**
   * Create the server transaction for a new request (call it from onRequest before returning, so
   * that retransmissions are absorbed). Returns the existing one when there is one. An ACK has
   * no server transaction of its own (TypeError).
   */
  createServerTransaction(req: SipRequest, source: MessageSource, user?: ServerTransactionUser): ServerTransaction {
    if (req.method === 'ACK') throw new TypeError('an ACK does not create a server transaction (RFC 3261 §17)');
    const via = req.topVia();
    if (via === undefined) throw new TypeError('request has no Via');
    const branch = viaBranch(via);
    let tx: ServerTransaction;
    if (isRfc3261Branch(branch)) {
      // findServerTransaction() for this case, with the key made once for the lookup and the table.
      const key = serverKey(via, branch, req.method);
      const existing = this.servers.get(key);
      if (existing !== undefined) return existing;
      // The key lives as long as the transaction (up to 64·T1 after the final response): it is a
      // flat string of its own (serverKey joins), not a view of the request's text.
      tx = new ServerTransaction(this, key, req, source, false);
      this.servers.set(tx.key, tx);
    } else {
      const existing = this.findServerTransaction(req);
      if (existing !== undefined) return existing;
      tx = new ServerTransaction(this, ownString(legacyKey(req, via)), req, source, true);
      const list = this.legacy.get(tx.key);
      if (list === undefined) this.legacy.set(tx.key, [tx]);
      else list.push(tx);
      this.legacyCount++;
    }
    if (user !== undefined) tx.user = user;
    return tx;
  }

  // ---- client side -------------------------------------------------------------------------

  /**
   * Send a request in a new client transaction. The request must carry its top Via with an
   * RFC 3261 branch (viaFor(transport, newBranch())) and is serialized now; later changes to it
   * do not affect what is sent. Transport failures, including "no listener for that protocol and
   * address family", arrive at user.onTransportError. ACKs for 2xx are sent without a
   * transaction: transport.sendRequest().
   */
  sendRequest(
    req: SipRequest,
    dest: Destination,
    user: ClientTransactionUser,
    opts?: ClientTransactionOptions,
  ): ClientTransaction {
    if (req.method === 'ACK') throw new TypeError('an ACK is sent without a transaction: use transport.sendRequest()');
    const via = req.topVia();
    const branch = via === undefined ? undefined : viaBranch(via);
    if (!isRfc3261Branch(branch))
      throw new TypeError('request needs a top Via with a z9hG4bK branch (RFC 3261 §8.1.1.7)');
    if (req.cseq().method !== req.method) throw new TypeError('CSeq method differs from the request method');
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) throw new TypeError(`a client transaction with branch ${branch} exists`);
    // One flat key of its own (clientKey joins) for the table and the transaction.
    const tx = new ClientTransaction(this, key, req, user, opts);
    this.clients.set(key, tx);
    tx.start(dest);
    return tx;
  }

  /** The client transaction of a branch and method, if any. */
  findClientTransaction(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(clientKey(branch, method));
  }

  /** Send a response outside any transaction (§18.2.2 routing): a stateless reply or relay. */
  sendStatelessResponse(res: SipResponse, requestSource?: MessageSource, observer?: SendObserver): SendTarget {
    return this.transport.sendResponse(res, requestSource, observer);
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  /** @internal TransactionCore */
  removeTransaction(tx: Transaction): void {
    if (tx instanceof ClientTransaction) {
      if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
      return;
    }
    const st = tx as ServerTransaction;
    if (!st.legacy) {
      if (this.servers.get(st.key) === st) this.servers.delete(st.key);
      return;
    }
    const list = this.legacy.get(st.key);
    const i = list === undefined ? -1 : list.indexOf(st);
    if (i < 0) return;
    list!.splice(i, 1);
    if (list!.length === 0) this.legacy.delete(st.key);
    this.legacyCount--;
  }

  /** @internal TransactionCore */
  ackToTu(ack: SipRequest, source: MessageSource): void {
    this.user.onRequest(ack, source);
  }

  /**
   * Drop every transaction and timer without calling the TU (shutdown). The transport layer is
   * left open: close it separately.
   */
  close(): void {
    for (const tx of this.clients.values()) tx.abandon();
    for (const tx of this.servers.values()) tx.abandon();
    for (const list of this.legacy.values()) for (const tx of list) tx.abandon();
    this.clients.clear();
    this.servers.clear();
    this.legacy.clear();
    this.legacyCount = 0;
    this.timers.clear();
  }
}
