/**
 * A UDP socket over sipkit's own addon (native/udp_batch.c: recvmmsg/sendmmsg), with the part of
 * node:dgram's Socket that the SIP transports use: bind, send, 'message', 'error', address(),
 * buffer sizes, close.
 *
 * Why: node:dgram costs an allocation, an rinfo and a JS callback per datagram received and a
 * SendWrap plus a callback per datagram sent (issues 14 and 15 profiled it as the wall). Here a
 * readable socket is drained up to nativeUdpBatch() datagrams at a time into ONE Buffer with ONE
 * callback, and sends queued during a turn of the event loop leave in one sendmmsg.
 *
 * The addon is optional: Linux only, built by `npm run build`/`npm install` when a compiler is
 * there. loadNativeUdp() returns null when it is absent, fails to load, or SIPKIT_NATIVE_UDP=0;
 * callers then use node:dgram. SIPKIT_NATIVE_UDP_PATH names another .node file (tests use a
 * missing one to check the fallback).
 */
import { closeSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { nodeDns } from '../lazy-builtins.js';

interface Binding {
  BATCH: number;
  /** Datagrams read per readable event at most (several batches while they come back full). */
  READS_PER_TURN?: number;
  bindFd(
    family: number,
    addr: Uint8Array,
    port: number,
    ipv6Only: boolean,
    recvBufferSize: number,
    sendBufferSize: number,
    reusePort: boolean,
  ): number;
  open(
    fd: number,
    onBatch: (buf: Buffer, count: number, drops: number, waitMs: number) => void,
    onWritable: () => void,
    recvMeta: Uint32Array,
    sendArea: Buffer,
    sendMeta: Uint32Array,
    sendStatus: Int32Array,
  ): object;
  send(handle: object, count: number): number;
  close(handle: object): void;
  address(handle: object): [number, Buffer, number];
  setBufferSize(handle: object, which: 0 | 1, size: number): void;
  watchQueue(handle: object): void;
  pton(address: string): Buffer | null;
  ntop(bytes: Uint8Array): string;
  trimMemory(): boolean;
  /** Older builds of the addon lack it. */
  steerByCallId?(fd: number, workers: number): void;
  fdPort?(fd: number): number;
}

export interface NativeRemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
}

export interface NativeBindOptions {
  /** An IP address (names are not resolved here: the caller falls back to dgram). */
  host: string;
  port: number;
  /** IPv6 only (no IPv4-mapped traffic on an IPv6 socket). */
  ipv6Only?: boolean;
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** SO_REUSEPORT (several sockets on one port; the kernel spreads peers by source hash). */
  reusePort?: boolean;
}

const ADDON = 'build/Release/udp_batch.node';
/** Words per slot of the shared meta arrays: offset, length, port, family, 16 address bytes. */
const META = 8;
/** Sends of one turn are packed here before the one sendmmsg (a UDP datagram is < 64 KiB). */
const SEND_AREA = 1 << 20;
/** Address caches are cleared when they reach this size (a flood of spoofed sources). */
const CACHE_MAX = 4096;

let binding: Binding | null | undefined;

/** Whether sockets use the addon when it loads: SIPKIT_NATIVE_UDP=1 or 0 decides, else the default. */
export const NATIVE_UDP_DEFAULT = true;

function nativeUdpWanted(): boolean {
  const v = process.env.SIPKIT_NATIVE_UDP;
  return v === '1' ? true : v === '0' ? false : NATIVE_UDP_DEFAULT;
}

/**
 * The addon, or null (absent, not Linux, failed to load, or SIPKIT_NATIVE_UDP=0). Loaded once:
 * the package's build/Release is found by walking up from this module, which also works from
 * the esbuild bundles (they live in other folders of dist/).
 */
export function loadNativeUdp(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (!nativeUdpWanted() || process.platform !== 'linux') return null;
  const path = process.env.SIPKIT_NATIVE_UDP_PATH || findAddon(dirname(fileURLToPath(import.meta.url)));
  if (path === undefined) return null;
  try {
    binding = createRequire(import.meta.url)(path) as Binding;
  } catch {
    binding = null;
  }
  return binding;
}

/** Forget the loaded addon (tests switch SIPKIT_NATIVE_UDP* between cases). */
export function resetNativeUdp(): void {
  binding = undefined;
}

function findAddon(from: string): string | undefined {
  for (let dir = from, i = 0; i < 8; i++) {
    const p = join(dir, ADDON);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Datagrams per recvmmsg (and per sendmmsg); 0 without the addon. */
export function nativeUdpBatch(): number {
  return loadNativeUdp()?.BATCH ?? 0;
}

/**
 * Datagrams read per readable event at most, that is per turn of the event loop: batches follow
 * one another while each comes back full (up to four); 0 without the addon. A turn that read this
 * many left more queued.
 */
export function nativeUdpReadsPerTurn(): number {
  const b = loadNativeUdp();
  return b ? (b.READS_PER_TURN ?? b.BATCH) : 0;
}

/**
 * Ask the C heap (glibc's malloc) to give back the free memory a burst grew it into; false when
 * the addon is unavailable or the C library has no such call. A pause of a few ms: call it when
 * quiet (sipd's idle compaction does).
 */
export function trimNativeMemory(): boolean {
  return loadNativeUdp()?.trimMemory() ?? false;
}

// Shared by every socket of this thread: the addon fills recvMeta just before it calls onBatch,
// and reads the send area only during send(); neither is kept across a JS call.
let shared:
  | {
      recvMeta: Uint32Array;
      recvBytes: Uint8Array;
      sendArea: Buffer;
      sendMeta: Uint32Array;
      sendBytes: Uint8Array;
      status: Int32Array;
    }
  | undefined;

function sharedArrays(batch: number): NonNullable<typeof shared> {
  if (shared) return shared;
  const recvMeta = new Uint32Array(batch * META);
  const sendMeta = new Uint32Array(batch * META);
  shared = {
    recvMeta,
    recvBytes: new Uint8Array(recvMeta.buffer),
    sendArea: Buffer.allocUnsafeSlow(SEND_AREA),
    sendMeta,
    sendBytes: new Uint8Array(sendMeta.buffer),
    status: new Int32Array(batch),
  };
  return shared;
}

type SendCallback = (err: Error | null) => void;

/**
 * Bind a UDP socket through the addon without serving it yet: its fd, for NativeUdpSocket.adopt()
 * in this process or in a child that inherits it. Null when the addon is unavailable or the host
 * is not an IP address. Throws bind errors (err.code EADDRINUSE, EADDRNOTAVAIL, EACCES...).
 */
export function bindUdpFd(opts: NativeBindOptions): number | null {
  const b = loadNativeUdp();
  if (!b) return null;
  const host = opts.host.charCodeAt(0) === 0x5b ? opts.host.slice(1, -1) : opts.host;
  const addr = b.pton(host);
  if (!addr) return null;
  return b.bindFd(
    addr.length === 16 ? 6 : 4,
    addr,
    opts.port,
    opts.ipv6Only === true,
    opts.recvBufferSize ?? 0,
    opts.sendBufferSize ?? 0,
    opts.reusePort === true,
  );
}

/**
 * Steer the datagrams of fd's SO_REUSEPORT group by Call-ID (native/callid_steer.c): the group's
 * i-th socket (in bind order) gets what hashes to i, FNV-1a(Call-ID) % workers. Throws when the
 * addon is unavailable (code ERR_NATIVE_UDP) or the kernel refuses (EPERM without CAP_BPF...).
 */
export function steerUdpByCallId(fd: number, workers: number): void {
  steering().steerByCallId!(fd, workers);
}

/** The local port of a socket bindUdpFd() bound (port 0 asks the kernel for one). */
export function udpFdPort(fd: number): number {
  return steering().fdPort!(fd);
}

function steering(): Binding {
  const b = loadNativeUdp();
  if (!b?.steerByCallId || !b.fdPort)
    throw Object.assign(new Error('the batched UDP addon (with Call-ID steering) is not available'), {
      code: 'ERR_NATIVE_UDP',
    });
  return b;
}

/**
 * Open sockets of this thread. A send waits for the end of its turn of the event loop, so a
 * process that sends its last answer and calls process.exit() in the same turn (siptest after its
 * last call) would lose it; dgram sends at once. The 'exit' event still runs synchronous code:
 * send what is queued there.
 */
const open = new Set<NativeUdpSocket>();
let exitHook = false;
function flushAtExit(): void {
  for (const s of open) s.flushNow();
}

export class NativeUdpSocket {
  private readonly b: Binding;
  private readonly handle: object;
  private readonly batch: number;
  private readonly arrays: NonNullable<typeof shared>;
  private closed = false;
  /** The socket buffer is full: wait for the addon's onWritable before sending more. */
  private blocked = false;
  private flushQueued = false;
  /** In onBatch: sends wait for the end of the batch (flushed there, no setImmediate). */
  private inBatch = false;
  // The send queue, as parallel arrays: slots [head, tail) are queued (no object per datagram).
  // Emptied by moving the indices back to 0, not by `length = 0`: that frees the arrays' backing
  // stores, and every turn's first sends then grew them again (a runtime call per array and turn).
  private qBuf: Array<Buffer | undefined> = [];
  private qPort: number[] = [];
  private qAddr: Uint8Array[] = [];
  private qHost: string[] = [];
  private qCb: Array<SendCallback | undefined> = [];
  private head = 0;
  private tail = 0;
  private readonly v4Names = new Map<number, string>();
  private readonly v6Names = new Map<string, string>();
  private readonly destinations = new Map<string, Uint8Array | null>();
  private messageListener: (msg: Buffer, rinfo: NativeRemoteInfo) => void = () => {};
  private errorListener: (err: Error) => void = () => {};
  readonly family: 4 | 6;
  /**
   * How many datagrams the kernel has dropped on this socket for want of room in its receive
   * buffer (SO_RXQ_OVFL), as of the last datagram read; 0 until the first drop (and without
   * watchQueue()). A socket shared by several processes has one count. Rising while datagrams stay
   * queued: more arrives than is read.
   */
  drops = 0;
  /**
   * How long (ms) the oldest datagram of the last batch read had waited in the socket, from the
   * kernel's receive time stamp (SO_TIMESTAMPNS) to the read; -1 when the kernel gave none (and
   * without watchQueue()).
   */
  waitMs = -1;

  private constructor(b: Binding, fd: number) {
    this.b = b;
    this.batch = b.BATCH;
    this.arrays = sharedArrays(b.BATCH);
    const a = this.arrays;
    this.handle = b.open(fd, this.onBatch, this.onWritable, a.recvMeta, a.sendArea, a.sendMeta, a.status);
    this.family = b.address(this.handle)[0] === 6 ? 6 : 4;
  }

  /**
   * Bind a socket: null when the addon is unavailable or the host is not an IP address (use
   * node:dgram then). Throws bind errors (err.code EADDRINUSE, EADDRNOTAVAIL, EACCES...).
   */
  static bind(opts: NativeBindOptions): NativeUdpSocket | null {
    const fd = bindUdpFd(opts);
    return fd === null ? null : NativeUdpSocket.adopt(fd);
  }

  /**
   * Serve a UDP socket bound elsewhere: bindUdpFd() here, or in the process that passed the fd down
   * (sipd's primary to its workers). The socket then owns the fd. Throws when the addon is
   * unavailable or the fd is not a bound UDP socket.
   */
  static adopt(fd: number): NativeUdpSocket {
    const b = loadNativeUdp();
    if (!b) throw Object.assign(new Error('the batched UDP addon is not available'), { code: 'ERR_NATIVE_UDP' });
    let s: NativeUdpSocket;
    try {
      s = new NativeUdpSocket(b, fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    open.add(s);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', flushAtExit);
    }
    return s;
  }

  /** Send what is queued now (process exit). */
  flushNow(): void {
    this.flush();
  }

  on(event: 'message', fn: (msg: Buffer, rinfo: NativeRemoteInfo) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'message' | 'error', fn: ((msg: Buffer, rinfo: NativeRemoteInfo) => void) | ((err: Error) => void)): this {
    if (event === 'message') this.messageListener = fn as (msg: Buffer, rinfo: NativeRemoteInfo) => void;
    else this.errorListener = fn as (err: Error) => void;
    return this;
  }

  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } {
    const [family, bytes, port] = this.b.address(this.handle);
    return { address: this.b.ntop(bytes), family: family === 6 ? 'IPv6' : 'IPv4', port };
  }

  setRecvBufferSize(size: number): void {
    this.b.setBufferSize(this.handle, 0, size);
  }

  setSendBufferSize(size: number): void {
    this.b.setBufferSize(this.handle, 1, size);
  }

  /**
   * From now on keep `drops` and `waitMs` up to date (the kernel stamps each datagram's arrival
   * and counts the ones it drops): for a socket whose queue is watched (sipd's overload control).
   */
  watchQueue(): void {
    this.b.watchQueue(this.handle);
  }

  /**
   * Queue a datagram; it leaves with the others of this turn of the event loop (or at once when
   * a batch is full). The callback, like dgram's optional one, hears only about failures here
   * (with no callback, a failure is an 'error' event, as in dgram).
   */
  send(buf: Buffer, port: number, host: string, cb?: SendCallback): void {
    if (this.closed) {
      const err = Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
      if (cb) process.nextTick(cb, err);
      else throw err;
      return;
    }
    let addr = this.destinations.get(host);
    if (addr === undefined) addr = this.destination(host);
    if (addr === null) {
      // A name, not an address: resolve it (rare for SIP: peers are addresses), then queue.
      nodeDns().lookup(host, { family: this.family }, (err, a) => {
        if (err) this.report(cb, err);
        else if (!this.closed) this.send(buf, port, a, cb);
      });
      return;
    }
    if (addr.length === 0 || buf.length > SEND_AREA) {
      // An IPv6 destination on an IPv4 socket, or a datagram bigger than any UDP payload.
      this.report(cb, sendError(addr.length === 0 ? 22 : 90, host, port));
      return;
    }
    const t = this.tail++;
    this.qBuf[t] = buf;
    this.qPort[t] = port;
    this.qAddr[t] = addr;
    this.qHost[t] = host;
    this.qCb[t] = cb;
    if (this.blocked) return;
    if (this.tail - this.head >= this.batch) this.flush();
    else if (!this.flushQueued && !this.inBatch) {
      this.flushQueued = true;
      setImmediate(this.flushTurn);
    }
  }

  /** Bytes of a destination: 4 or 16 (IPv4 on an IPv6 socket as ::ffff:a.b.c.d), empty when unusable, null for a name. */
  private destination(host: string): Uint8Array | null {
    const h = host.charCodeAt(0) === 0x5b ? host.slice(1, -1) : host;
    let a: Uint8Array | null = this.b.pton(h);
    if (a !== null) {
      if (this.family === 6 && a.length === 4) {
        const m = new Uint8Array(16);
        m[10] = 0xff;
        m[11] = 0xff;
        m.set(a, 12);
        a = m;
      } else if (this.family === 4 && a.length === 16) a = new Uint8Array(0);
    }
    if (this.destinations.size >= CACHE_MAX) this.destinations.clear();
    this.destinations.set(host, a);
    return a;
  }

  private readonly flushTurn = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** Pack queued datagrams into the shared area and send them, a batch per sendmmsg. */
  private flush(): void {
    const { sendArea, sendMeta, sendBytes, status } = this.arrays;
    while (!this.closed && !this.blocked && this.head < this.tail) {
      const start = this.head;
      let n = 0;
      let off = 0;
      while (n < this.batch && start + n < this.tail) {
        const buf = this.qBuf[start + n]!;
        if (off + buf.length > SEND_AREA) break;
        buf.copy(sendArea, off);
        const addr = this.qAddr[start + n]!;
        const m = n * META;
        sendMeta[m] = off;
        sendMeta[m + 1] = buf.length;
        sendMeta[m + 2] = this.qPort[start + n]!;
        sendMeta[m + 3] = addr.length === 16 ? 6 : 4;
        sendBytes.set(addr, (m + 4) * 4);
        off += buf.length;
        n++;
      }
      const done = this.b.send(this.handle, n);
      for (let i = 0; i < done; i++) {
        const k = start + i;
        if (status[i] !== 0) this.report(this.qCb[k], sendError(status[i]!, this.qHost[k]!, this.qPort[k]!));
        this.qBuf[k] = undefined; // let the datagram go now
        this.qCb[k] = undefined;
      }
      this.head += done;
      // The socket buffer is full: the addon polls for writability and calls onWritable.
      if (done < n) this.blocked = true;
    }
    if (this.head === this.tail) {
      this.head = this.tail = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tail) {
      // Blocked with most of the queue sent: move what is left to the front.
      const left = this.tail - this.head;
      this.qBuf.copyWithin(0, this.head, this.tail).fill(undefined, left, this.tail);
      this.qPort.copyWithin(0, this.head, this.tail);
      this.qAddr.copyWithin(0, this.head, this.tail);
      this.qHost.copyWithin(0, this.head, this.tail);
      this.qCb.copyWithin(0, this.head, this.tail).fill(undefined, left, this.tail);
      this.head = 0;
      this.tail = left;
    }
  }

  private readonly onWritable = (): void => {
    this.blocked = false;
    this.flush();
  };

  private report(cb: SendCallback | undefined, err: Error): void {
    if (cb) process.nextTick(cb, err);
    else
      process.nextTick(() => {
        if (!this.closed) this.errorListener(err);
      });
  }

  /** One batch from the addon: datagram i is bytes [offset, offset+length) of buf (slot i of recvMeta). */
  private readonly onBatch = (buf: Buffer, count: number, drops: number, waitMs: number): void => {
    const meta = this.arrays.recvMeta;
    this.drops = drops;
    this.waitMs = waitMs;
    // Answers sent while handling the batch leave right after it, in one sendmmsg, rather than
    // in a setImmediate of their own (a server's answers are most of its sends).
    this.inBatch = true;
    try {
      this.dispatch(buf, count, meta);
    } finally {
      this.inBatch = false;
    }
    if (this.head < this.tail) this.flush();
  };

  private dispatch(buf: Buffer, count: number, meta: Uint32Array): void {
    for (let i = 0; i < count && !this.closed; i++) {
      const m = i * META;
      const off = meta[m]!;
      const len = meta[m + 1]!;
      const v4 = meta[m + 3] === 4;
      const address = v4 ? this.v4Name(meta[m + 4]!, m) : this.v6Name(m);
      this.messageListener(buf.subarray(off, off + len), {
        address,
        family: v4 ? 'IPv4' : 'IPv6',
        port: meta[m + 2]!,
        size: len,
      });
    }
  }

  private v4Name(key: number, m: number): string {
    let name = this.v4Names.get(key);
    if (name === undefined) {
      const b = this.arrays.recvBytes;
      const o = (m + 4) * 4;
      name = `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
      if (this.v4Names.size >= CACHE_MAX) this.v4Names.clear();
      this.v4Names.set(key, name);
    }
    return name;
  }

  private v6Name(m: number): string {
    const meta = this.arrays.recvMeta;
    const key = `${meta[m + 4]},${meta[m + 5]},${meta[m + 6]},${meta[m + 7]}`;
    let name = this.v6Names.get(key);
    if (name === undefined) {
      const o = (m + 4) * 4;
      name = this.b.ntop(this.arrays.recvBytes.subarray(o, o + 16));
      if (this.v6Names.size >= CACHE_MAX) this.v6Names.clear();
      this.v6Names.set(key, name);
    }
    return name;
  }

  /**
   * Send what the socket buffer takes now, then close: no callbacks after this. Datagrams the
   * kernel would not take (buffer full) are reported to their callbacks as not sent.
   */
  close(cb?: () => void): void {
    if (this.closed) return;
    this.flush();
    for (let k = this.head; k < this.tail; k++) {
      const done = this.qCb[k];
      if (done) process.nextTick(done, sendError(125, this.qHost[k]!, this.qPort[k]!)); // ECANCELED
    }
    this.qBuf = [];
    this.qCb = [];
    this.head = this.tail = 0;
    this.closed = true;
    open.delete(this);
    this.b.close(this.handle);
    if (cb) setImmediate(cb);
  }
}

/** An error shaped like dgram's (`send EPERM 10.0.0.1:5060`, code, errno, syscall). */
function sendError(errno: number, host: string, port: number): Error {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`send ${code} ${host}:${port}`), {
    code,
    errno: -errno,
    syscall: 'send',
    address: host,
    port,
  });
}
