/**
 * A real baresip phone (Debian baresip 1.0) for integration tests, run in the foreground as a child
 * process with a config directory of its own (`-f DIR`: generated `config`, `accounts`, an empty
 * `contacts`), SIP on 127.0.0.1 (or a given address) port 0 (baresip also listens TCP, and TLS on
 * another free port), no audio hardware: the microphone is a WAV file (the `aufile` source) and
 * nothing plays what it receives (no player module is loaded; baresip still decodes and counts the
 * RTP). It is driven
 * through the `ctrl_tcp` module (netstring-framed JSON: commands `dial`, `hangup`, `accept`,
 * `reginfo`..., and the UA's events), and `-s` makes it print every SIP message it sends or
 * receives with the transport and both addresses, which the tests read as "the wire".
 * `rtp_stats yes` prints the RTP packet counts of each call when it ends.
 *
 * In a network namespace it runs under `ip netns exec` (which execs baresip: the PID is baresip's)
 * on the namespace's address, with ctrl_tcp on an address the test can reach.
 *
 * Stopped by its PID: SIGTERM (baresip unregisters), a second SIGTERM (forced), then SIGKILL.
 * `-t` bounds its life even if the test process dies without stopping it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseMessage, type AnyMessage } from '../../src/core/index.js';
import { isCi } from './mysql.js';
import { sleep } from './net.js';

export function baresipMissing(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v baresip'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'baresip is not installed (apt-get install baresip)';
}

/** Skip reason when baresip is missing; under CI=true a missing baresip is a failure (.ci/run installs it). */
export function requireBaresip(): { skip?: string } {
  const reason = baresipMissing();
  if (!reason) return {};
  if (isCi()) throw new Error(`${reason}; CI=true requires the baresip tests to run`);
  return { skip: reason };
}

/** A 440 Hz tone as baresip's aufile source wants it for PCMU/PCMA: 8 kHz, mono, S16LE WAV. */
export function writeToneWav(file: string, seconds: number): void {
  const rate = 8000;
  const samples = rate * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  writeFileSync(file, wav);
}

export interface BaresipOptions {
  user: string;
  password: string;
  domain: string;
  /** sipd, as the account's outbound proxy: every request goes there (`host:port`). */
  proxy: { host: string; port: number };
  /** udp (default), tcp or tls: `;transport=` of the AoR and of the outbound proxy. */
  transport?: 'udp' | 'tcp' | 'tls';
  /** CA file for TLS (`sip_cafile`). */
  caFile?: string;
  /** Answer incoming calls at once (`answermode=auto`, the default), or wait for accept(). */
  autoAnswer?: boolean;
  /** Local RTP port range (`rtp_ports`), e.g. away from rtpengine's. */
  rtpPorts?: [number, number];
  /** Seconds of tone to send as audio (default 20: longer than any test call). */
  toneSeconds?: number;
  /** Registration deadline in ms (default 8000). */
  registerMs?: number;
  /** baresip quits by itself after this many seconds whatever happens (`-t`, default 180). */
  lifetimeS?: number;
  /** Run it in this network namespace (`ip netns exec NS baresip`: the same PID). */
  netns?: string;
  /** Its SIP and media address (`sip_listen`, `net_interface`; default 127.0.0.1). */
  address?: string;
  /** Where ctrl_tcp listens (default 127.0.0.1, a free port): in a namespace, an address the test reaches. */
  ctrl?: { host: string; port: number };
}

/** A ctrl_tcp event: `{event: true, type: 'CALL_ESTABLISHED', class, accountaor, peeruri, id, param...}`. */
export interface BaresipEvent {
  type: string;
  class?: string;
  id?: string;
  param?: string;
  peeruri?: string;
  [key: string]: unknown;
}

/** One SIP message from baresip's trace (`-s`): who sent it where, over what, and the message. */
export interface TracedMessage {
  proto: string;
  src: string;
  dst: string;
  msg: AnyMessage;
}

interface Reply {
  ok: boolean;
  data: string;
}

const ANSI = /\x1b\[[0-9;]*m/g;

export class Baresip {
  readonly events: BaresipEvent[] = [];
  private out = '';
  private ctrl?: Socket;
  private inbuf = Buffer.alloc(0);
  private readonly pending = new Map<string, (r: Reply) => void>();
  private tokens = 0;

  private constructor(
    readonly opts: BaresipOptions,
    readonly dir: string,
    readonly ctrlAt: { host: string; port: number },
    private readonly proc: ChildProcess,
  ) {
    const keep = (d: Buffer) => (this.out += d.toString('latin1'));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    proc.on('error', (e) => (this.out += `\n[test helper] baresip: ${e.message}\n`));
  }

  /** Start a phone and wait until it is registered (a port clash on the control port: tried again). */
  static async start(opts: BaresipOptions): Promise<Baresip> {
    for (let attempt = 1; ; attempt++) {
      const b = Baresip.spawn(opts, opts.ctrl ?? { host: '127.0.0.1', port: await freeTcpPort() });
      try {
        await b.connectCtrl();
        await b.waitRegistered(opts.registerMs ?? 8000);
        return b;
      } catch (e) {
        await b.stop();
        const clash = /ctrl_tcp: failed to listen/.test(b.out);
        if (!clash || attempt >= 3) throw new Error(`baresip ${opts.user}: ${(e as Error).message}\n${b.logTail()}`);
      }
    }
  }

  private static spawn(opts: BaresipOptions, ctrl: { host: string; port: number }): Baresip {
    const dir = mkdtempSync(join('/tmp', 'baresip-'));
    const wav = join(dir, 'tone.wav');
    writeToneWav(wav, opts.toneSeconds ?? 20);
    writeFileSync(join(dir, 'config'), configText(opts, ctrl, wav));
    writeFileSync(join(dir, 'accounts'), accountLine(opts) + '\n');
    writeFileSync(join(dir, 'contacts'), '');
    const args = ['-s', '-f', dir, '-t', String(opts.lifetimeS ?? 180)];
    const [cmd, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, 'baresip', ...args]] : ['baresip', args];
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Baresip(opts, dir, ctrl, proc);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Everything baresip printed (ANSI colours removed). */
  log(): string {
    return this.out.replace(ANSI, '');
  }

  logTail(n = 3000): string {
    return this.log().slice(-n);
  }

  private async connectCtrl(): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      if (!this.running) throw new Error(`exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      if (/ctrl_tcp: failed to listen/.test(this.out)) throw new Error('ctrl_tcp could not listen');
      const s = await new Promise<Socket | undefined>((resolve) => {
        const c = connect(this.ctrlAt.port, this.ctrlAt.host);
        c.once('connect', () => resolve(c));
        c.once('error', () => resolve(undefined));
      });
      if (s) {
        this.ctrl = s;
        s.on('data', (d) => this.onCtrlData(d));
        s.on('error', () => {});
        return;
      }
      if (Date.now() > deadline) throw new Error(`no control connection on ${this.ctrlAt.host}:${this.ctrlAt.port}`);
      await sleep(50);
    }
  }

  /**
   * Netstrings (`<len>:<json>,`): responses carry our token, events have `event: true`. Garbage
   * ends the control connection (a throw here would escape into the test runner); the commands
   * waiting on it then time out with baresip's log in their message.
   */
  private onCtrlData(d: Buffer): void {
    this.inbuf = Buffer.concat([this.inbuf, d]);
    for (;;) {
      const colon = this.inbuf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.inbuf.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(len) || len < 0 || colon > 10) return this.ctrlBroken('bad netstring length');
      if (this.inbuf.length < colon + len + 2) return;
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(this.inbuf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      } catch {
        return this.ctrlBroken('not JSON');
      }
      this.inbuf = this.inbuf.subarray(colon + len + 2);
      if (json.event) this.events.push(json as BaresipEvent);
      else if (json.response && typeof json.token === 'string') {
        this.pending.get(json.token)?.({ ok: json.ok === true, data: String(json.data ?? '') });
        this.pending.delete(json.token);
      }
    }
  }

  private ctrlBroken(why: string): void {
    this.out += `\n[test helper] ctrl_tcp: ${why}: ${this.inbuf.subarray(0, 200).toString('latin1')}\n`;
    this.inbuf = Buffer.alloc(0);
    this.ctrl?.destroy();
    this.ctrl = undefined;
  }

  /** A command of baresip's menu, as typed after `/` (`dial sip:bob@x`, `hangup`, `reginfo`). */
  command(line: string, ms = 3000): Promise<Reply> {
    const [command, ...params] = line.split(' ');
    const token = `t${++this.tokens}`;
    const body = JSON.stringify({ command, ...(params.length ? { params: params.join(' ') } : {}), token });
    return new Promise((resolve, reject) => {
      if (!this.ctrl) return reject(new Error('no control connection'));
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ${this.opts.user}: no reply to ${line}`));
      }, ms);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve({ ...r, data: r.data.replace(ANSI, '') });
      });
      this.ctrl.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** Polls `reginfo` until the account shows OK (baresip's own view of its registration). */
  private async waitRegistered(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await this.command('reginfo');
      if (/sip:\S+\s+OK\b/.test(r.data)) return;
      if (Date.now() > deadline) throw new Error(`not registered: ${r.data.trim()}`);
      await sleep(100);
    }
  }

  async dial(uri: string): Promise<void> {
    const r = await this.command(`dial ${uri}`);
    if (!r.ok) throw new Error(`dial ${uri}: ${r.data}`);
  }

  async hangup(): Promise<void> {
    const r = await this.command('hangup');
    if (!r.ok) throw new Error(`hangup: ${r.data}`);
  }

  async accept(): Promise<void> {
    const r = await this.command('accept');
    if (!r.ok) throw new Error(`accept: ${r.data}`);
  }

  /** Waits for an event of this type (after the `from`-th event), failing after `ms`. */
  async waitEvent(type: string, ms = 8000, from = 0): Promise<BaresipEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.events.slice(from).find((x) => x.type === type);
      if (e) return e;
      if (!this.running) throw new Error(`baresip ${this.opts.user} exited while waiting for ${type}`);
      if (Date.now() > deadline)
        throw new Error(
          `baresip ${this.opts.user}: no ${type} (events: ${this.events.map((x) => x.type).join(' ')})\n${this.logTail()}`,
        );
      await sleep(20);
    }
  }

  /** Every SIP message baresip traced, in order. */
  trace(): TracedMessage[] {
    const re = /\x1b\[36;1m#\r?\n(\w+) (\S+) -> (\S+)\r?\n([\s\S]*?)\x1b\[;m/g;
    return [...this.out.matchAll(re)].map((m) => ({
      proto: m[1]!,
      src: m[2]!,
      dst: m[3]!,
      msg: parseMessage(Buffer.from(m[4]!, 'latin1')),
    }));
  }

  /** The RTP packet counts baresip printed for its last ended call (`rtp_stats yes`). */
  rtpStats(): { tx: number; rx: number } | undefined {
    const all = [...this.log().matchAll(/audio\s+Transmit:\s+Receive:\s*\npackets:\s+(\d+)\s+(\d+)/g)];
    const last = all.at(-1);
    return last ? { tx: Number(last[1]), rx: Number(last[2]) } : undefined;
  }

  /** Where RTP came from, as baresip logged it (`incoming rtp for 'audio' established, receiving from IP:PORT`). */
  rtpSources(): string[] {
    return [...this.log().matchAll(/incoming rtp for 'audio' established, receiving from (\S+)/g)].map((m) => m[1]!);
  }

  /** Stop by PID: SIGTERM (it unregisters), again (forced), SIGKILL; then remove its directory. */
  async stop(): Promise<void> {
    this.ctrl?.destroy();
    const pid = this.proc.pid;
    for (const [sig, ms] of [
      ['SIGTERM', 1500],
      ['SIGTERM', 1000],
      ['SIGKILL', 1000],
    ] as const) {
      if (!this.running || !pid) break;
      try {
        process.kill(pid, sig);
      } catch {
        break; // gone meanwhile
      }
      const deadline = Date.now() + ms;
      while (this.running && Date.now() < deadline) await sleep(20);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function configText(o: BaresipOptions, ctrl: { host: string; port: number }, wav: string): string {
  const address = o.address ?? '127.0.0.1';
  const lines = [
    'poll_method epoll',
    // Port 0: the kernel picks UDP, TCP and TLS ports; net_interface puts the address in SDP and Contact.
    `sip_listen ${address}:0`,
    `net_interface ${address}`,
    ...(o.caFile ? [`sip_cafile ${o.caFile}`] : []),
    'call_local_timeout 20',
    `audio_source aufile,${wav}`,
    ...(o.rtpPorts ? [`rtp_ports ${o.rtpPorts[0]}-${o.rtpPorts[1]}`] : []),
    'rtp_stats yes',
    'statmode_default off',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen ${ctrl.host}:${ctrl.port}`,
  ];
  return lines.join('\n') + '\n';
}

/** baresip's account line: the AoR with its transport, the password, sipd as outbound proxy. */
function accountLine(o: BaresipOptions): string {
  const t = o.transport ?? 'udp';
  const tp = t === 'udp' ? '' : `;transport=${t}`;
  const answer = o.autoAnswer === false ? 'manual' : 'auto';
  return (
    `<sip:${o.user}@${o.domain}${tp}>;auth_pass=${o.password};` +
    `outbound="sip:${o.proxy.host}:${o.proxy.port}${tp}";regint=600;answermode=${answer}`
  );
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for ctrl_tcp, which cannot listen on port 0 usefully). */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
