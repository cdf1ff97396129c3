/**
 * An in-memory Transport for unit tests (no sockets): it records what is sent and lets a test
 * inject bytes as if they arrived from a peer. It can pose as UDP (unreliable) or TCP (reliable).
 */
import {
  FakeClock,
  newTransportStats,
  parseMessage,
  TransactionLayer,
  TransportError,
  TransportLayer,
  type AnyMessage,
  type MessageSource,
  type SendObserver,
  type SipParseError,
  type SipRequest,
  type SipResponse,
  type TimerSettings,
  type Transport,
  type TransportSink,
} from '../../src/core/index.js';

export interface Sent {
  data: Buffer;
  address: string;
  port: number;
  connectionId: number | undefined;
  /** clock time of the send */
  at: number;
}

export class MemoryTransport implements Transport {
  readonly protocol: string;
  readonly reliable: boolean;
  readonly family: 4 | 6;
  readonly localAddress: string;
  readonly localPort: number;
  readonly sentBy: { host: string; port: number };
  readonly stats = newTransportStats();
  sink: TransportSink = { receive: () => false, framingError() {} };
  readonly sent: Sent[] = [];
  readonly openConnections = new Set<number>();
  /** When set, every send fails with this error (asynchronously). */
  failSends: TransportError | undefined;

  constructor(
    opts: { protocol?: string; family?: 4 | 6; address?: string; port?: number } = {},
    private readonly now: () => number = () => 0,
  ) {
    this.protocol = opts.protocol ?? 'UDP';
    this.reliable = this.protocol !== 'UDP';
    this.family = opts.family ?? 4;
    this.localAddress = opts.address ?? (this.family === 6 ? '::1' : '192.0.2.1');
    this.localPort = opts.port ?? 5060;
    this.sentBy = { host: this.family === 6 ? `[${this.localAddress}]` : this.localAddress, port: this.localPort };
  }

  send(data: Buffer, address: string, port: number, connectionId: number | undefined, observer?: SendObserver): void {
    if (this.failSends) {
      const err = this.failSends;
      if (observer) queueMicrotask(() => observer.onSendError(err));
      return;
    }
    this.sent.push({ data, address, port, connectionId, at: this.now() });
  }

  hasConnection(id: number): boolean {
    return this.openConnections.has(id);
  }

  get connectionCount(): number {
    return this.openConnections.size;
  }

  closeConnection(id: number): void {
    this.openConnections.delete(id);
  }

  keepConnection(): void {}

  async close(): Promise<void> {}

  /** Deliver bytes as if received from remote address:port (on connection `connectionId` for streams). */
  inject(data: Buffer | string, remoteAddress = '198.51.100.7', remotePort = 5060, connectionId?: number): void {
    const raw = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const source: MessageSource = {
      transport: this,
      protocol: this.protocol,
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress,
      remotePort,
      connectionId,
    };
    if (connectionId !== undefined) this.openConnections.add(connectionId);
    this.sink.receive(raw, source);
  }

  /** Sent messages parsed (start lines are handy: `sentLines()`). */
  sentMessages(): AnyMessage[] {
    return this.sent.map((s) => parseMessage(s.data));
  }

  /** "INVITE sip:..." / "SIP/2.0 180 Ringing" of every sent message. */
  sentLines(): string[] {
    return this.sentMessages().map((m) => m.startLine());
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** A TU that records everything and answers nothing unless told to. */
export class RecordingTu {
  requests: SipRequest[] = [];
  sources: MessageSource[] = [];
  stray: SipResponse[] = [];
  parseErrors: Array<{ err: SipParseError; raw: Buffer; msg: AnyMessage | undefined }> = [];
  /** Called for each new request (after recording). */
  handler: ((req: SipRequest, source: MessageSource) => void) | undefined;

  onRequest(req: SipRequest, source: MessageSource): void {
    this.requests.push(req);
    this.sources.push(source);
    this.handler?.(req, source);
  }

  onStrayResponse(res: SipResponse): void {
    this.stray.push(res);
  }

  onParseError(err: SipParseError, raw: Buffer, _s: MessageSource, msg: AnyMessage | undefined): void {
    this.parseErrors.push({ err, raw, msg });
  }
}

export interface Stack {
  clock: FakeClock;
  mem: MemoryTransport;
  transport: TransportLayer;
  txl: TransactionLayer;
  tu: RecordingTu;
}

/** A transaction layer over one memory transport on a fake clock. */
export function makeStack(opts: { protocol?: string; settings?: Partial<TimerSettings> } = {}): Stack {
  const clock = new FakeClock();
  const mem = new MemoryTransport({ protocol: opts.protocol }, () => clock.now());
  const transport = new TransportLayer();
  transport.add(mem);
  const tu = new RecordingTu();
  const txl = new TransactionLayer({ transport, user: tu, clock, settings: opts.settings });
  return { clock, mem, transport, txl, tu };
}

/** Text with \n line ends turned into CRLF (fixtures in tests are written with \n). */
export function crlf(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

/** Tables and timer queue are empty: every transaction has been cleaned up. */
export function assertIdle(txl: TransactionLayer): void {
  const { clientTransactions, serverTransactions, timers } = txl.stats;
  if (clientTransactions !== 0 || serverTransactions !== 0 || timers !== 0)
    throw new Error(
      `not idle: ${clientTransactions} client, ${serverTransactions} server transactions, ${timers} timers`,
    );
}
