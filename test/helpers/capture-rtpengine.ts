/**
 * Captures real ng replies of rtpengine into test/fixtures/rtpengine/*.bin (the datagrams as
 * they came: `<cookie> <bencoded dictionary>`), for the ng decoding unit test. Not a test: run
 * it by hand after a build when rtpengine changes:
 *
 *   node dist/test/helpers/capture-rtpengine.js test/fixtures/rtpengine
 *
 * It starts rtpengine as the integration tests do (helpers/rtpengine.ts) and sends, over a
 * plain UDP socket, a ping, an offer and an answer of one call (a phone at 10.0.0.5 behind NAT,
 * SIP-source-address), a list, a delete, a second delete of the gone call (a warning) and a
 * command rtpengine does not know (an error reply).
 */
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNg, type NgDict } from '../../src/daemon/rtpengine/ng-codec.js';
import { Rtpengine } from './rtpengine.js';

const sdp = (ip: string, port: number): string =>
  `v=0\r\no=- 7 7 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
const nat = { flags: ['SIP-source-address'], 'received-from': ['IP4', '127.0.0.1'], ICE: 'remove' };
const call = { 'call-id': 'capture-1@10.0.0.5', 'from-tag': 'ft1' };

const COMMANDS: Array<[string, NgDict]> = [
  ['ping', { command: 'ping' }],
  [
    'offer',
    { command: 'offer', ...call, sdp: sdp('10.0.0.5', 4000), replace: ['origin', 'session-connection'], ...nat },
  ],
  ['answer', { command: 'answer', ...call, 'to-tag': 'tt1', sdp: sdp('192.168.1.20', 5000), ...nat }],
  ['list', { command: 'list' }],
  ['delete', { command: 'delete', ...call }],
  ['delete-unknown', { command: 'delete', ...call }],
  ['error', { command: 'no-such-command' }],
];

async function main(dir: string): Promise<void> {
  const rtp = await Rtpengine.start();
  const s = createSocket('udp4');
  try {
    for (const [name, dict] of COMMANDS) {
      const reply = new Promise<Buffer>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name}: no reply`)), 2000);
        s.once('message', (m) => (clearTimeout(t), resolve(m)));
      });
      s.send(encodeNg(`cap${name.length}${COMMANDS.findIndex((c) => c[0] === name)}`, dict), rtp.ngPort, '127.0.0.1');
      writeFileSync(join(dir, `${name}.bin`), await reply);
    }
  } finally {
    s.close();
    await rtp.stop();
  }
}

await main(process.argv[2] ?? 'test/fixtures/rtpengine');
