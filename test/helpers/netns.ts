/**
 * A real NAT for integration tests, built from network namespaces (needs root and `ip`, `nft`):
 *
 *   host (sipd, rtpengine)  PUB.1 ── veth ── PUB.2 [router ns: masquerade to "wan"]
 *                                              ├── 10.77.1.1 ── veth ── 10.77.1.2 [phone a ns]
 *                                              └── 10.77.2.1 ── veth ── 10.77.2.2 [phone b ns]
 *
 * The router forwards only from its LANs out to "wan" (and the answers back): phone a cannot
 * reach phone b's private address, as two homes behind their own NATs cannot. Every name is
 * unique per instance (its 4 hex digits), everything is removed by close(), which a test calls
 * in a finally/after block. `NetnsNat.unavailable()` says why not (not root, no nft, `ip netns
 * add` refused), for the test's skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

function run(args: string[], input?: string): void {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', input, timeout: 10000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

export interface RtpRun {
  /** RTP packets the phone received */
  received: number;
  /** where they came from ("ip:port") */
  from: string[];
}

/**
 * A phone's media in its namespace: a UDP socket on its private address and port sending
 * `count` RTP packets (20 ms apart) to `to`, counting what comes back until `ms` have passed.
 */
const PHONE_SCRIPT = `
const [bind, port, toHost, toPort, count, ms] = process.argv.slice(1);
const s = require('node:dgram').createSocket('udp4');
let received = 0; const from = new Set();
s.on('message', (m, r) => { received++; from.add(r.address + ':' + r.port); });
s.bind(Number(port), bind, () => {
  let i = 0;
  const t = setInterval(() => {
    if (i >= Number(count)) return clearInterval(t);
    const p = Buffer.alloc(172, 0xff); p[0] = 0x80; p[1] = 0; p.writeUInt16BE(++i, 2);
    p.writeUInt32BE(160 * i, 4); p.writeUInt32BE(0x4321, 8);
    s.send(p, Number(toPort), toHost);
  }, 20);
  setTimeout(() => { console.log(JSON.stringify({ received, from: [...from] })); s.close(); }, Number(ms));
});`;

export class NetnsNat {
  readonly id = randomBytes(2).toString('hex');
  /** the host's address on the "public" link (sipd and rtpengine are reachable there) */
  readonly publicHost: string;
  private readonly octet = 16 + Math.floor(Math.random() * 200);
  private readonly made: string[] = [];

  private constructor() {
    this.publicHost = `198.18.${this.octet}.1`;
  }

  /** The router's public address: where the phones' packets come from after masquerading. */
  get routerPublic(): string {
    return `198.18.${this.octet}.2`;
  }

  static unavailable(): string | undefined {
    if (process.getuid?.() !== 0) return 'network namespaces need root';
    for (const tool of ['ip', 'nft']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
    }
    const probe = `skprobe${process.pid}`;
    const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (r.status !== 0) return `ip netns add is not permitted here: ${r.stderr.trim()}`;
    spawnSync('ip', ['netns', 'del', probe]);
    return undefined;
  }

  ns(which: 'router' | 'a' | 'b'): string {
    return `sk${this.id}${which[0]}`;
  }

  /** Phone a's or b's private address. */
  phone(which: 'a' | 'b'): string {
    return which === 'a' ? '10.77.1.2' : '10.77.2.2';
  }

  static create(): NetnsNat {
    const n = new NetnsNat();
    try {
      n.build();
    } catch (e) {
      n.close();
      throw e;
    }
    return n;
  }

  private build(): void {
    const r = this.ns('router');
    for (const ns of [r, this.ns('a'), this.ns('b')]) {
      run(['ip', 'netns', 'add', ns]);
      this.made.push(ns);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const host = `sk${this.id}h`;
    run(['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'wan', 'netns', r]);
    this.made.push(`link:${host}`);
    run(['ip', 'addr', 'add', `${this.publicHost}/24`, 'dev', host]);
    run(['ip', 'link', 'set', host, 'up']);
    run(['ip', '-n', r, 'addr', 'add', `${this.routerPublic}/24`, 'dev', 'wan']);
    run(['ip', '-n', r, 'link', 'set', 'wan', 'up']);
    for (const [p, net] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      const phone = this.ns(p);
      run(['ip', '-n', r, 'link', 'add', `lan${p}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', phone]);
      run(['ip', '-n', r, 'addr', 'add', `10.77.${net}.1/24`, 'dev', `lan${p}`]);
      run(['ip', '-n', r, 'link', 'set', `lan${p}`, 'up']);
      run(['ip', '-n', phone, 'addr', 'add', `10.77.${net}.2/24`, 'dev', 'eth0']);
      run(['ip', '-n', phone, 'link', 'set', 'eth0', 'up']);
      run(['ip', '-n', phone, 'route', 'add', 'default', 'via', `10.77.${net}.1`]);
    }
    run(['ip', 'netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    run(
      ['ip', 'netns', 'exec', r, 'nft', '-f', '-'],
      [
        'table ip nat {',
        '  chain post { type nat hook postrouting priority 100; oifname "wan" masquerade; }',
        '}',
        'table ip filter {',
        '  chain lan_out {',
        '    type filter hook forward priority 0; policy drop;',
        '    ct state established,related accept',
        '    oifname "wan" accept',
        '  }',
        '}',
      ].join('\n'),
    );
  }

  /** Run a phone's RTP (see PHONE_SCRIPT) in its namespace; resolves with what it received. */
  rtp(which: 'a' | 'b', port: number, to: { host: string; port: number }, count = 25, ms = 2000): Promise<RtpRun> {
    const args = ['netns', 'exec', this.ns(which), process.execPath, '-e', PHONE_SCRIPT];
    args.push(this.phone(which), String(port), to.host, String(to.port), String(count), String(ms));
    return new Promise((resolve, reject) => {
      const p = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const kill = setTimeout(() => p.kill('SIGKILL'), ms + 5000);
      p.on('close', (code) => {
        clearTimeout(kill);
        try {
          resolve(JSON.parse(out) as RtpRun);
        } catch {
          reject(new Error(`phone ${which} (exit ${code}): ${err.trim() || out}`));
        }
      });
    });
  }

  /** Remove the namespaces (their veths go with them) and the host's veth. */
  close(): void {
    for (const m of this.made.reverse()) {
      const args = m.startsWith('link:') ? ['link', 'del', m.slice(5)] : ['netns', 'del', m];
      spawnSync('ip', args);
    }
    this.made.length = 0;
  }
}
