/** fromTag()/toTag() read tags without a full parse; they must agree with the full parse. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMessage, parseMessageText } from '../../../../src/core/index.js';
import { fixture, fixturesDir } from '../../../helpers/fixtures.js';

const VALUES = [
  '<sip:a@example.com>;tag=abc',
  'Alice <sip:a@example.com>;tag=9fx;x=1',
  '"Quoted; tag=fake" <sip:a@example.com>;tag=real',
  'sip:a@example.com;tag=plain',
  'sip:a@example.com ;   tag    = spaced',
  '<sip:a@example.com>;TAG=upper',
  '<sip:a@example.com>;other=1',
  '<sip:a@example.com;tag=uri-param-not-header>',
  '<sip:a@example.com>',
  'sip:a@example.com',
  'Bob <sip:b@example.com>;tag=t1,',
  '<sip:a@example.com>;x;tag=after-flag',
];

test('fast tag reading agrees with the full parse', () => {
  for (const v of VALUES) {
    const mk = () =>
      parseMessageText(
        `OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: ${v}\r\nTo: ${v}\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n`,
      );
    let expected: string | undefined | Error;
    try {
      expected = mk().from().params.get('tag') ?? undefined;
    } catch (e) {
      expected = e as Error;
    }
    // The contract covers values the full parser accepts; a malformed one is rejected by
    // validateMessage() before anything routes on its tags.
    if (expected instanceof Error) continue;
    assert.equal(mk().fromTag(), expected, v);
    assert.equal(mk().toTag(), expected, v);
  }
});

test('fast tag reading agrees with the full parse on the torture corpus', () => {
  for (const set of ['rfc4475', 'rfc5118']) {
    for (const name of readdirSync(join(fixturesDir, 'torture', set))) {
      let m;
      try {
        m = parseMessage(fixture('torture', set, name));
      } catch {
        continue;
      }
      for (const h of ['from', 'to'] as const) {
        let full: string | undefined;
        try {
          full = (h === 'from' ? m.from() : m.to()).params.get('tag') ?? undefined;
        } catch {
          continue;
        }
        const fresh = parseMessage(fixture('torture', set, name));
        assert.equal(h === 'from' ? fresh.fromTag() : fresh.toTag(), full, `${set}/${name} ${h}`);
      }
    }
  }
});
