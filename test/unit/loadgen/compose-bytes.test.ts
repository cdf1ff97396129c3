/**
 * The bytes of a sent message (composeBytes: [len] written into the buffer) against what the text
 * path gives: no body, [len+N] past five digits (the text path then), the header line going on
 * after [len], and a character beyond latin1 in the text (one byte per character either way).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../helpers/siptest-harness.js';

const hdr = (msg: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`).exec(msg)?.[1];

async function firstSent(send: string, argv: string[] = []): Promise<string> {
  const xml = `<scenario name="k"><send><![CDATA[\n${send}\n]]></send><recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '1', '-r', '1000', '-nr', ...argv]);
  try {
    await h.sentCount(1);
    return h.sent[0]!;
  } finally {
    h.rt.stopBySignal();
  }
}

const head = `MESSAGE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Call-ID: [call_id]
CSeq: [cseq] MESSAGE`;

test('[len] without a body is "    0"', async () => {
  const m = await firstSent(`${head}\nContent-Length: [len]`);
  assert.equal(hdr(m, 'Content-Length'), '    0');
  assert.ok(m.endsWith('\r\n\r\n'));
});

test('[len+N] beyond five digits is written whole (the message grows)', async () => {
  const m = await firstSent(`${head}\nContent-Length: [len+999990]\n\n0123456789012345678`);
  // The body is the 19 characters and the line end cleanCdata keeps: 21 bytes.
  assert.equal(hdr(m, 'Content-Length'), '1000011');
  assert.equal(m.slice(m.indexOf('\r\n\r\n') + 4), '0123456789012345678\r\n');
});

test('[len] in the middle of a line, and a -key value beyond latin1, as the text path writes them', async () => {
  const m = await firstSent(`${head}\nX-Len: <[len]> [wide]\n\nab`, ['-key', 'wide', 'é€']);
  assert.equal(hdr(m, 'X-Len'), `<    4> ${Buffer.from('é€', 'latin1').toString('latin1')}`);
  assert.equal(m.slice(m.indexOf('\r\n\r\n') + 4), 'ab\r\n');
});
