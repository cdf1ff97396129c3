/**
 * A siptest run without sockets: a scenario, options and a fake socket that records what the
 * call sends, so tests can feed messages and check the bytes and counters.
 */
import type { InjectionFile } from '../../src/loadgen/engine/injection.js';
import { Logs } from '../../src/loadgen/engine/logs.js';
import { Runtime } from '../../src/loadgen/engine/runtime.js';
import type { CallSocket, Peer } from '../../src/loadgen/engine/types.js';
import { parseCommandLine } from '../../src/loadgen/options/parse-args.js';
import type { RunOptions } from '../../src/loadgen/options/run-options.js';
import { builtinScenario } from '../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../src/loadgen/scenario/loader.js';

export const PEER: Peer = { address: '127.0.0.1', port: 5070 };

export function options(argv: string[]): RunOptions {
  const p = parseCommandLine(argv);
  if (p.kind !== 'run') throw new Error('not a run command line');
  return p.options;
}

export interface Harness {
  rt: Runtime;
  sent: string[];
  socket: CallSocket;
  done: Promise<number>;
  deliver(text: string): void;
  /** Wait for the scheduler (setImmediate + a few ms). */
  settle(ms?: number): Promise<void>;
  /** Wait until at least `n` messages were sent (at most 2 s). */
  sentCount(n: number): Promise<void>;
}

/** SIP text with "\n" line ends → CRLF, as a peer would send it. */
export const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

/** `injection`: -inf files the scenario may use ([field0], <lookup>…), the first one the default. */
export function harness(xmlOrName: string, argv: string[] = [], injection: InjectionFile[] = []): Harness {
  const o = options(['127.0.0.1:5070', '-i', '127.0.0.1', '-p', '5060', ...argv]);
  const ctx = newLoadContext({
    keywords: o.keywords,
    authUser: o.authUser ?? o.service,
    authPassword: o.authPassword,
    defaultPauseMs: o.durationMs,
    injectionFiles: new Set(injection.map((f) => f.name)),
    defaultInjectionFile: injection[0]?.name,
  });
  const text = xmlOrName.includes('<') ? xmlOrName : builtinScenario(xmlOrName);
  const scenario = loadScenario({ text, source: 'test.xml', fileBase: 'test' }, ctx);
  const aa = loadScenario({ text: builtinScenario('ooc_dummy'), source: 'ooc_dummy', fileBase: 'ooc_dummy' }, ctx);
  const sent: string[] = [];
  const socket: CallSocket = {
    transport: 'UDP',
    localAddress: '127.0.0.1',
    localPort: 5060,
    perCall: false,
    send(buf) {
      sent.push(buf.toString('latin1'));
      return true;
    },
    close() {},
  };
  const rt = new Runtime({
    opts: o,
    scenario,
    aaScenario: o.autoAnswer ? aa : undefined,
    addressing: {
      local: { ip: '127.0.0.1', ipEscaped: '127.0.0.1', port: 5060, ipType: '4' },
      remote: { host: '127.0.0.1', ip: '127.0.0.1', ipEscaped: '127.0.0.1', port: 5070 },
      media: { ip: '127.0.0.1', ipType: '4', port: 6000 },
      destination: PEER,
    },
    injection: new Map(injection.map((f) => [f.name, f])),
    logs: new Logs(o, 'test', 4242),
    hooks: { socketForCall: () => socket, onCycle: () => {}, rttSample: () => {} },
    transportName: 'UDP',
    numbering: { pid: 4242 },
  });
  const done = rt.start().then((code) => rt.exitCode(code));
  return {
    rt,
    sent,
    socket,
    done,
    deliver: (t) => rt.receive(Buffer.from(crlf(t), 'latin1'), PEER, socket),
    settle: (ms = 5) => new Promise((r) => setTimeout(r, ms)),
    sentCount: async (n) => {
      for (let i = 0; i < 400 && sent.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    },
  };
}

/** The response a peer would send to `request` (Via/From/To/Call-ID/CSeq copied). */
export function responseTo(request: string, status: string, extra = '', toTag = 'peer1'): string {
  const h = (name: string) => (new RegExp(`^${name}:.*$`, 'mi').exec(request) ?? [''])[0].replace(/\r$/, '');
  const to = h('To') + (/;tag=/.test(h('To')) ? '' : `;tag=${toTag}`);
  return `SIP/2.0 ${status}\n${h('Via')}\n${h('From')}\n${to}\n${h('Call-ID')}\n${h('CSeq')}\n${extra}Content-Length: 0\n\n`;
}
