/**
 * Keepalive OPTIONS to NAT'd contacts (Kamailio nathelper's natping with sipping_method=OPTIONS):
 * every `interval` seconds each binding stored with a `received` address gets an OPTIONS sent to
 * that address, which keeps the NAT binding open; a contact that leaves three in a row
 * unanswered (timeout or transport error) is removed.
 */
import {
  createRequest,
  newBranch,
  newCallId,
  newTag,
  viaFor,
  type ClientTransaction,
  type ClientTransactionUser,
  type TransactionLayer,
} from '../../core/index.js';
import type { Logger } from '../log.js';
import type { Binding } from '../registrar/binding.js';
import type { LocationService } from '../usrloc/location-service.js';
import { branchFor } from './nat.js';

const MAX_MISSED = 3;

export class NatKeepalive implements ClientTransactionUser {
  private timer: NodeJS.Timeout | undefined;
  private readonly missed = new Map<string, number>();
  private readonly pending = new Map<ClientTransaction, Binding>();
  /** OPTIONS sent, answered, contacts dropped (for tests and logs). */
  readonly counts = { sent: 0, answered: 0, dropped: 0 };

  constructor(
    private readonly tl: TransactionLayer,
    private readonly location: LocationService,
    /** seconds; 0 = off */
    private readonly interval: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.interval <= 0) return;
    this.timer = setInterval(() => this.pingAll(), this.interval * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  pingAll(): void {
    for (const { bindings } of this.location.dump()) for (const b of bindings) if (b.received) this.ping(b);
  }

  private ping(b: Binding): void {
    const target = branchFor(b);
    if (!target.destination) return;
    try {
      const dest = this.tl.transport.targetForRequest(target.destination);
      const host = dest.transport.sentBy.host;
      const req = createRequest({
        method: 'OPTIONS',
        uri: b.contact,
        from: `<sip:keepalive@${host}>;tag=${newTag()}`,
        to: `<${b.contact}>`,
        callId: newCallId(host),
        cseq: 1,
        via: viaFor(dest.transport, newBranch()),
      });
      const tx = this.tl.sendRequest(req, { ...target.destination, transport: dest.transport }, this);
      this.pending.set(tx, b);
      this.counts.sent++;
    } catch (err) {
      this.log.debug({ err, contact: b.contact }, 'keepalive not sent');
    }
  }

  onResponse(_res: unknown, tx: ClientTransaction): void {
    const b = this.pending.get(tx);
    if (!b) return;
    this.pending.delete(tx);
    this.counts.answered++;
    this.missed.delete(b.ruid);
  }

  onTimeout(tx: ClientTransaction): void {
    this.miss(tx);
  }

  onTransportError(tx: ClientTransaction): void {
    this.miss(tx);
  }

  private miss(tx: ClientTransaction): void {
    const b = this.pending.get(tx);
    if (!b) return;
    this.pending.delete(tx);
    const n = (this.missed.get(b.ruid) ?? 0) + 1;
    if (n < MAX_MISSED) {
      this.missed.set(b.ruid, n);
      return;
    }
    this.missed.delete(b.ruid);
    // Nobody waits for this removal; when the database is down it is tried again after the next misses.
    void this.location.removeContact(b.aor, b.contact).then(
      (removed) => {
        if (!removed) return;
        this.counts.dropped++;
        this.log.info({ aor: b.aor, contact: b.contact }, 'NAT keepalive: contact unreachable, removed');
      },
      () => undefined,
    );
  }
}
