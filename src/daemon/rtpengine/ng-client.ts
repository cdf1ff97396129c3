/**
 * The ng client's transport: one UDP socket per address family, each request a fresh random
 * cookie, retransmitted with the same cookie (rtpengine caches replies by cookie, so a retry is
 * never executed twice) until a reply with that cookie comes from the address asked, or the
 * tries are used up. Anything else that arrives (a stray, late or malformed datagram) is counted
 * and dropped: nothing a peer sends can throw here.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decodeNg, encodeNg, type NgDict } from './ng-codec.js';

export interface NgTarget {
  readonly host: string;
  readonly port: number;
}

export interface NgClientOptions {
  /** ms to wait for a reply before retransmitting (Kamailio rtpengine_tout_ms) */
  readonly timeoutMs: number;
  /** retransmissions after the first try (Kamailio rtpengine_retr) */
  readonly retries: number;
  /** a datagram that is not a well-formed ng reply, or answers nothing we asked */
  readonly onStray?: (why: 'malformed' | 'unmatched') => void;
}

/** No reply from the instance after every try. */
export class NgTimeout extends Error {
  constructor(target: NgTarget, tries: number) {
    super(`rtpengine ${target.host}:${target.port} did not answer (${tries} tries)`);
    this.name = 'NgTimeout';
  }
}

interface Pending {
  readonly target: NgTarget;
  resolve(d: NgDict): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class NgClient {
  private readonly sockets = new Map<'udp4' | 'udp6', Socket>();
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(private readonly opts: NgClientOptions) {}

  /** Send a command; resolves with the reply dictionary (whatever its `result`), rejects with NgTimeout. */
  request(target: NgTarget, dict: NgDict): Promise<NgDict> {
    if (this.closed) return Promise.reject(new Error('rtpengine client closed'));
    const cookie = randomBytes(8).toString('hex');
    const data = encodeNg(cookie, dict);
    const socket = this.socketFor(target.host);
    return new Promise((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        if (tries > this.opts.retries) {
          this.pending.delete(cookie);
          reject(new NgTimeout(target, tries));
          return;
        }
        tries++;
        // A send error (no route, closed socket) is a lost datagram: the timer retries.
        socket.send(data, target.port, target.host, () => undefined);
        entry.timer = setTimeout(send, this.opts.timeoutMs);
      };
      const entry: Pending = { target, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      this.pending.set(cookie, entry);
      send();
    });
  }

  private socketFor(host: string): Socket {
    const family = isIPv6(host) ? 'udp6' : 'udp4';
    let s = this.sockets.get(family);
    if (!s) {
      s = createSocket(family);
      s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
      s.on('error', () => undefined); // ICMP errors on UDP: the request times out and fails over
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    const r = decodeNg(msg);
    if (!r) return this.opts.onStray?.('malformed');
    const p = this.pending.get(r.cookie);
    if (!p || p.target.port !== port || !sameHost(p.target.host, address)) return this.opts.onStray?.('unmatched');
    this.pending.delete(r.cookie);
    clearTimeout(p.timer);
    p.resolve(r.dict);
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('rtpengine client closed'));
    }
    this.pending.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

function sameHost(a: string, b: string): boolean {
  const strip = (h: string) =>
    h
      .replace(/^\[|\]$/g, '')
      .replace(/^::ffff:/i, '')
      .toLowerCase();
  return strip(a) === strip(b);
}
