/**
 * REGISTER bursts over UDP for the durability tests: many AoRs at once, unanswered requests
 * retransmitted (same bytes, like Timer E), every final answer recorded, and a hook that runs
 * synchronously the moment the last one arrives (to SIGKILL sipd right then). Plus a real sipd
 * (`sipd run`, the built bin) on a config file, with the UDP port it bound.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSipd, until } from './sipd.js';

export interface RegisterSpec {
  user: string;
  domain: string;
  callId: string;
  cseq: number;
  /** seconds; 0 removes the binding */
  expires: number;
  contact: string;
}

export interface FinalAnswer {
  status: number;
  /** Retry-After value, when present */
  retryAfter?: string;
  text: string;
}

const key = (callId: string, cseq: number) => `${callId} ${cseq}`;

function registerText(r: RegisterSpec, localPort: number, branch: string): string {
  return [
    `REGISTER sip:${r.domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${r.user}@${r.domain}>;tag=${r.user}-${localPort}`,
    `To: <sip:${r.user}@${r.domain}>`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} REGISTER`,
    `Contact: <${r.contact}>`,
    `Expires: ${r.expires}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function header(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text)?.[1]?.trim();
}

/**
 * Sends every REGISTER at once; resends the unanswered ones every `resendMs` until each has a
 * final answer or `timeoutMs` passed. `onLast` runs synchronously on the last final answer.
 * Returns the final answers by "Call-ID CSeq" (unanswered ones are missing).
 */
export async function registerBurst(
  sipdPort: number,
  specs: readonly RegisterSpec[],
  opts: { onLast?: () => void; timeoutMs?: number; resendMs?: number } = {},
): Promise<Map<string, FinalAnswer>> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const answers = new Map<string, FinalAnswer>();
  const wire = new Map(
    specs.map((s, i) => [
      key(s.callId, s.cseq),
      Buffer.from(registerText(s, port, `z9hG4bK-burst-${i}-${s.cseq}-${port}`)),
    ]),
  );
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  sock.on('message', (data) => {
    const text = data.toString('latin1');
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
    const callId = header(text, 'Call-ID');
    const cseq = Number(header(text, 'CSeq')?.split(/\s+/)[0]);
    if (!(status >= 200) || callId === undefined) return;
    const k = key(callId, cseq);
    if (!wire.has(k) || answers.has(k)) return;
    answers.set(k, { status, retryAfter: header(text, 'Retry-After'), text });
    if (answers.size === wire.size) {
      opts.onLast?.();
      done();
    }
  });
  const send = (buf: Buffer) => new Promise<void>((r) => sock.send(buf, sipdPort, '127.0.0.1', () => r()));
  const end = Date.now() + (opts.timeoutMs ?? 20000);
  try {
    for (const buf of wire.values()) await send(buf);
    while (answers.size < wire.size && Date.now() < end) {
      const tick = new Promise((r) => setTimeout(r, opts.resendMs ?? 500));
      await Promise.race([all, tick]);
      if (answers.size === wire.size) break;
      for (const [k, buf] of wire) if (!answers.has(k)) await send(buf);
    }
  } finally {
    sock.close();
  }
  return answers;
}

export const answerOf = (answers: Map<string, FinalAnswer>, s: RegisterSpec) => answers.get(key(s.callId, s.cseq));

export interface RunningSipd {
  child: ReturnType<typeof spawnSipd>;
  port: number;
  socket: string;
  exited: Promise<void>;
}

/**
 * `sipd run` with `configText` as its config file, in `dir`, on an ephemeral UDP port of
 * 127.0.0.1 (node run with `nodeFlags`); resolves once it logged "sipd started".
 */
export async function runSipdWith(
  dir: string,
  configText: string,
  readyMs = 20000,
  nodeFlags: readonly string[] = [],
): Promise<RunningSipd> {
  const conf = join(dir, 'sipd.conf');
  writeFileSync(conf, configText);
  const child = spawnSipd(
    [
      'run',
      '--config',
      conf,
      '--run-dir',
      join(dir, 'run'),
      '--data-dir',
      join(dir, 'data'),
      '--listen',
      'udp:127.0.0.1:0',
    ],
    dir,
    nodeFlags,
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await until(() => child.output().includes('sipd started') || child.exitCode !== null, 'sipd started', readyMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const line = child
    .output()
    .split('\n')
    .find((l) => l.includes('"sipd started"'));
  const port = line ? (JSON.parse(line) as { listen: Array<{ port: number }> }).listen[0]?.port : undefined;
  if (child.exitCode !== null || port === undefined) {
    child.kill('SIGKILL');
    throw new Error(`sipd did not start: ${child.output()}`);
  }
  return { child, port, socket: join(dir, 'run', 'sipd.sock'), exited };
}
