/**
 * Remote control and watchdog (SIPp's setup_ctrl_socket and watchdog task). The control socket is
 * UDP on -ci/-cp (default: 8888, or the next free port up to 8947): a datagram "q" quits softly,
 * "Q" aborts the calls and quits, "p" pauses, "+ - * /" change the rate, "1"–"9" and "s" choose and
 * dump the screens (reporting.ts), and "c<command>" runs a command such as "cset rate 100",
 * "cset limit 50", "cset users 10", "cset rate-scale 5".
 * The watchdog counts event-loop stalls longer than the minor and major thresholds and stops the
 * run after too many (exit 255), like SIPp's.
 */
import { nodeDgram } from '../../core/lazy-builtins.js';
import { NativeUdpSocket } from '../../core/transport/native-udp.js';
import { SippError } from '../errors.js';
import { C } from '../stats/counters.js';
import type { Runtime } from './runtime.js';

export function applyKey(rt: Runtime, ch: string): void {
  const users = rt.opts.users >= 0;
  const step = (n: number) => {
    if (users) rt.setUsers(rt.opts.users + n * rt.opts.rateScale);
    else rt.setRate(rt.generator.rate + n * rt.opts.rateScale);
  };
  if (ch === 'q') rt.quitting += 10;
  else if (ch === 'Q') rt.quitting += 20;
  else if (ch === 'p') rt.generator.paused = !rt.generator.paused;
  else if (ch === '+') step(1);
  else if (ch === '-') step(-1);
  else if (ch === '*') step(10);
  else if (ch === '/') step(-10);
  rt.kick();
}

export function applyCommand(rt: Runtime, command: string): void {
  const [verb, what, ...rest] = command.trim().split(/\s+/);
  const value = rest.join(' ');
  if (verb !== 'set' || what === undefined || value === '') {
    rt.warning(`Unrecognized command: "${command.trim()}"`);
    return;
  }
  const num = Number(value);
  if (!Number.isFinite(num)) {
    rt.warning(`Invalid ${what} value: "${value}"`);
    return;
  }
  if (what === 'rate') {
    if (rt.opts.users >= 0) rt.warning('Rates can not be set in a user-based benchmark.');
    else rt.setRate(num);
  } else if (what === 'rate-scale') rt.opts.rateScale = num;
  else if (what === 'users') {
    if (rt.opts.users < 0) rt.warning('Users can not be changed at run time for a rate-based benchmark.');
    else rt.setUsers(num);
  } else if (what === 'limit') {
    if (rt.opts.users >= 0) rt.warning('Can not set call limit for a user-based benchmark.');
    else {
      rt.generator.openCallsAllowed = Math.max(0, Math.trunc(num));
      rt.opts.limitSet = true;
    }
  } else rt.warning(`Unknown set attribute: ${what}`);
  rt.kick();
}

/** The control socket: datagrams in, close at the end of the run. */
export interface ControlSocket {
  close(): void;
}

/** Open the control socket; keys go to `onKey` (applyKey plus the screens), commands to applyCommand. */
export async function openControlSocket(rt: Runtime, onKey: (ch: string) => void): Promise<ControlSocket | undefined> {
  const o = rt.opts;
  const ports = o.controlPort ? [o.controlPort] : Array.from({ length: 60 }, (_, i) => 8888 + i);
  const onDatagram = (buf: Buffer) => {
    const text = buf.toString('latin1');
    if (text.startsWith('c')) applyCommand(rt, text.slice(1));
    else for (const ch of text.trim()) onKey(ch);
  };
  for (const port of ports) {
    const sock = await bindControl(o.controlIp ?? '0.0.0.0', port, onDatagram);
    if (sock) return sock;
  }
  if (o.controlPort) throw new SippError(`Unable to bind remote control socket to UDP port ${o.controlPort}`);
  rt.warning('Unable to bind remote control socket (tried UDP ports 8888-8947)');
  return undefined;
}

/** Start the watchdog; returns its stop function. */
export function startWatchdog(rt: Runtime): () => void {
  const o = rt.opts;
  if (!o.watchdogIntervalMs) return () => {};
  let last = Date.now();
  let minor = 0;
  let major = 0;
  let lastTrip = last;
  const timer = setInterval(() => {
    const now = Date.now();
    const gap = now - last;
    last = now;
    if (now - lastTrip > o.watchdogResetMs) minor = major = 0;
    if (gap > o.watchdogMajorThresholdMs) {
      rt.stats.add(C.WatchdogMajor);
      lastTrip = now;
      if (++major > o.watchdogMajorMaxTriggers)
        rt.abortRun(
          new SippError(
            `Overload warning: the major watchdog timer has tripped ${major} times, exceeding the maximum of ${o.watchdogMajorMaxTriggers}.`,
          ),
        );
    } else if (gap > o.watchdogMinorThresholdMs) {
      rt.stats.add(C.WatchdogMinor);
      lastTrip = now;
      if (++minor > o.watchdogMinorMaxTriggers)
        rt.abortRun(
          new SippError(
            `Overload warning: the minor watchdog timer has tripped ${minor} times, exceeding the maximum of ${o.watchdogMinorMaxTriggers}.`,
          ),
        );
    }
  }, o.watchdogIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Bind the control socket to ip:port; undefined when that fails (the port is taken). An IPv4
 * address goes through the batched UDP addon when it is there: node:dgram's bind() loads
 * node:cluster (five more modules compiled at every start, before the first call; issue 15).
 * Otherwise, and for anything the addon does not take, a dgram socket as before.
 */
async function bindControl(
  ip: string,
  port: number,
  onDatagram: (buf: Buffer) => void,
): Promise<ControlSocket | undefined> {
  if (!ip.includes(':')) {
    let native: NativeUdpSocket | null;
    try {
      native = NativeUdpSocket.bind({ host: ip, port });
    } catch {
      return undefined; // EADDRINUSE and the like: as dgram's 'error' below
    }
    if (native) {
      // The datagram's bytes are valid during the callback only: onDatagram copies them to a string.
      native.on('message', (buf) => onDatagram(buf)).on('error', () => {});
      return native;
    }
  }
  const sock = nodeDgram().createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    sock.once('error', () => resolve(false));
    sock.bind(port, ip, () => resolve(true));
  });
  if (!ok) {
    sock.close();
    return undefined;
  }
  sock.on('message', onDatagram);
  sock.on('error', () => {});
  return sock;
}
