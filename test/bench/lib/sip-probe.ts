/**
 * One-shot SIP over UDP from the harness itself: readiness checks (OPTIONS until any response)
 * and single requests whose final status a test asserts (INVITE to an unregistered user → 480).
 * Deliberately independent of src/core, so the bench checks a server with nothing of ours in
 * the loop but sipp and this file.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function token(): string {
  return randomBytes(6).toString('hex');
}

export interface RequestSpec {
  method: string;
  requestUri: string;
  from: string;
  to: string;
  extraHeaders?: string[];
}

function buildRequest(spec: RequestSpec, localPort: number, callId: string): Buffer {
  const lines = [
    `${spec.method} ${spec.requestUri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${token()};rport`,
    'Max-Forwards: 70',
    `From: <${spec.from}>;tag=${token()}`,
    `To: <${spec.to}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${spec.method}`,
    `Contact: <sip:probe@127.0.0.1:${localPort}>`,
    ...(spec.extraHeaders ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

function statusOf(buf: Buffer, callId: string): number | null {
  const text = buf.toString('latin1');
  const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
  if (!m) return null;
  const cid = /\r\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]+)/i.exec(text);
  return cid && cid[1]!.trim() === callId ? Number(m[1]) : null;
}

async function bound(): Promise<{ sock: Socket; port: number }> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  return { sock, port: sock.address().port };
}

/**
 * Sends `spec` to 127.0.0.1:`port` (retransmitting every 250 ms, as a UDP client would) and
 * resolves with the first final status (>= 200), or null after `timeoutMs`.
 */
export async function sipRequest(port: number, spec: RequestSpec, timeoutMs = 3000): Promise<number | null> {
  const { sock, port: local } = await bound();
  const callId = `${token()}@127.0.0.1`;
  const msg = buildRequest(spec, local, callId);
  try {
    return await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => finish(null), timeoutMs);
      const retrans = setInterval(() => sock.send(msg, port, '127.0.0.1'), 250);
      function finish(v: number | null) {
        clearTimeout(timer);
        clearInterval(retrans);
        resolve(v);
      }
      sock.on('message', (buf) => {
        const st = statusOf(buf, callId);
        if (st !== null && st >= 200) finish(st);
      });
      sock.send(msg, port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

/**
 * Waits until a SIP server answers OPTIONS on 127.0.0.1:`port` (any final status counts: the
 * server is up and parsing). `alive` is polled so that a server that died is reported at once.
 */
export async function waitForSip(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the server exited before answering SIP');
    const st = await sipRequest(
      port,
      {
        method: 'OPTIONS',
        requestUri: `sip:127.0.0.1:${port}`,
        from: 'sip:probe@127.0.0.1',
        to: `sip:127.0.0.1:${port}`,
      },
      400,
    );
    if (st !== null) return;
    await sleep(100);
  }
  throw new Error(`no SIP answer on udp:127.0.0.1:${port} within ${timeoutMs} ms`);
}
