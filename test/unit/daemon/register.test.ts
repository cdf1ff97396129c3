/** Registrar decisions, RFC 3261 §10.3 steps 6–8 and the RFC 3665 §2 registration flows. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessageText, type SipRequest } from '../../../src/core/index.js';
import type { Binding } from '../../../src/daemon/registrar/binding.js';
import { contactsForReply, processRegister, type RegistrarPolicy } from '../../../src/daemon/registrar/register.js';

const policy: RegistrarPolicy = { defaultExpires: 3600, minExpires: 60, maxExpires: 7200, maxContacts: 3 };
const src = { received: undefined, socket: 'udp:192.0.2.5:5060', connectionId: 0 };
const NOW = 1_700_000_000_000;

function register(
  opts: { contact?: string | string[]; expires?: number; callId?: string; cseq?: number } = {},
): SipRequest {
  const contacts = opts.contact === undefined ? [] : Array.isArray(opts.contact) ? opts.contact : [opts.contact];
  let text =
    'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7\r\nMax-Forwards: 70\r\n' +
    'From: Bob <sip:bob@example.com>;tag=a73kszlfl\r\nTo: Bob <sip:bob@example.com>\r\n' +
    `Call-ID: ${opts.callId ?? '1j9FpLxk3uxtm8tn@192.0.2.4'}\r\nCSeq: ${opts.cseq ?? 1} REGISTER\r\n`;
  for (const c of contacts) text += `Contact: ${c}\r\n`;
  if (opts.expires !== undefined) text += `Expires: ${opts.expires}\r\n`;
  text += 'User-Agent: test-phone/1.0\r\nContent-Length: 0\r\n\r\n';
  return parseMessageText(text) as SipRequest;
}

function ok(out: ReturnType<typeof processRegister>) {
  assert.ok(out.ok, `expected success, got ${JSON.stringify(out)}`);
  return out;
}

function registered(contact = '<sip:bob@192.0.2.4>', extra: Partial<Parameters<typeof register>[0]> = {}): Binding[] {
  return ok(processRegister(register({ contact, expires: 3600, ...extra }), 'bob@example.com', [], policy, src, NOW))
    .bindings;
}

describe('registrar (RFC 3261 §10.3)', () => {
  test('a new binding gets the requested expiry and the request details', () => {
    const [b] = registered();
    assert.equal(b!.contact, 'sip:bob@192.0.2.4');
    assert.equal(b!.expires, NOW + 3600_000);
    assert.deepEqual([b!.q, b!.cseq, b!.userAgent, b!.aor], [1, 1, 'test-phone/1.0', 'bob@example.com']);
    assert.match(b!.ruid, /^[0-9a-f-]{36}$/);
  });

  test('expiry: contact parameter beats the Expires header, which beats the default', () => {
    const out = ok(
      processRegister(
        register({ contact: ['<sip:a@h1>;expires=120', '<sip:b@h2>'], expires: 600 }),
        'bob@example.com',
        [],
        policy,
        src,
        NOW,
      ),
    );
    assert.deepEqual(
      out.bindings.map((b) => (b.expires - NOW) / 1000),
      [120, 600],
    );
    const d = ok(processRegister(register({ contact: '<sip:c@h3>' }), 'bob@example.com', [], policy, src, NOW));
    assert.equal((d.bindings[0]!.expires - NOW) / 1000, 3600);
  });

  test('below Min-Expires → 423 with Min-Expires; above the maximum → shortened', () => {
    const out = processRegister(
      register({ contact: '<sip:a@h>', expires: 30 }),
      'bob@example.com',
      [],
      policy,
      src,
      NOW,
    );
    assert.deepEqual(out, { ok: false, status: 423, reason: 'Interval Too Brief', headers: [['Min-Expires', '60']] });
    const long = ok(
      processRegister(register({ contact: '<sip:a@h>', expires: 99999 }), 'bob@example.com', [], policy, src, NOW),
    );
    assert.equal((long.bindings[0]!.expires - NOW) / 1000, 7200);
  });

  test('refresh with a higher CSeq updates; the same CSeq again or a lower one fails (§10.3 step 7)', () => {
    const cur = registered();
    const refreshed = ok(
      processRegister(
        register({ contact: '<sip:bob@192.0.2.4>', expires: 1800, cseq: 2 }),
        'bob@example.com',
        cur,
        policy,
        src,
        NOW + 1000,
      ),
    );
    assert.equal(refreshed.updated.length, 1);
    assert.equal(refreshed.bindings[0]!.expires, NOW + 1000 + 1800_000);
    assert.equal(refreshed.bindings[0]!.ruid, cur[0]!.ruid, 'a refresh keeps the binding id');
    const again = processRegister(
      register({ contact: '<sip:bob@192.0.2.4>', expires: 1800, cseq: 2 }),
      'bob@example.com',
      refreshed.bindings,
      policy,
      src,
      NOW + 2000,
    );
    assert.deepEqual(
      [again.ok, !again.ok && again.status, !again.ok && again.reason],
      [false, 400, 'Out-of-order CSeq'],
    );
    const stale = processRegister(
      register({ contact: '<sip:bob@192.0.2.4>', expires: 1800, cseq: 1 }),
      'bob@example.com',
      refreshed.bindings,
      policy,
      src,
      NOW + 3000,
    );
    assert.deepEqual([stale.ok, !stale.ok && stale.status], [false, 400]);
  });

  test('contacts match by URI equality (§19.1.4), not by text', () => {
    const cur = registered('<sip:bob@192.0.2.4:5060;transport=udp>');
    const out = ok(
      processRegister(
        register({ contact: '<sip:bob@192.0.2.4:5060;TRANSPORT=UDP>', expires: 60, cseq: 2 }),
        'bob@example.com',
        cur,
        policy,
        src,
        NOW,
      ),
    );
    assert.deepEqual([out.bindings.length, out.updated.length], [1, 1]);
  });

  test('a different Call-ID replaces the binding', () => {
    const cur = registered();
    const out = ok(
      processRegister(
        register({ contact: '<sip:bob@192.0.2.4>', expires: 600, callId: 'other', cseq: 1 }),
        'bob@example.com',
        cur,
        policy,
        src,
        NOW,
      ),
    );
    assert.equal(out.bindings[0]!.callId, 'other');
  });

  test('expires=0 removes one binding; "*" with Expires: 0 removes all', () => {
    const two = ok(
      processRegister(
        register({ contact: ['<sip:a@h1>', '<sip:b@h2>'], expires: 600 }),
        'bob@example.com',
        [],
        policy,
        src,
        NOW,
      ),
    ).bindings;
    const one = ok(
      processRegister(register({ contact: '<sip:a@h1>;expires=0', cseq: 2 }), 'bob@example.com', two, policy, src, NOW),
    );
    assert.deepEqual(
      one.bindings.map((b) => b.contact),
      ['sip:b@h2'],
    );
    assert.equal(one.removed.length, 1);
    const none = ok(
      processRegister(
        register({ contact: '*', expires: 0, cseq: 3 }),
        'bob@example.com',
        one.bindings,
        policy,
        src,
        NOW,
      ),
    );
    assert.deepEqual([none.bindings.length, none.removed.length], [0, 1]);
  });

  test('"*" without Expires: 0 → 400', () => {
    const out = processRegister(register({ contact: '*', expires: 60 }), 'bob@example.com', [], policy, src, NOW);
    assert.equal(!out.ok && out.status, 400);
    const mixed = processRegister(
      register({ contact: ['*', '<sip:a@h>'], expires: 0 }),
      'bob@example.com',
      [],
      policy,
      src,
      NOW,
    );
    assert.equal(!mixed.ok && mixed.status, 400);
  });

  test('no Contact: a query answered with the live bindings', () => {
    const cur = registered();
    const out = ok(processRegister(register({ cseq: 2 }), 'bob@example.com', cur, policy, src, NOW));
    assert.deepEqual(out.bindings, cur);
    const later = ok(processRegister(register({ cseq: 3 }), 'bob@example.com', cur, policy, src, NOW + 3601_000));
    assert.equal(later.bindings.length, 0, 'expired bindings are gone');
  });

  test('q values and the maximum number of contacts', () => {
    const out = ok(
      processRegister(register({ contact: '<sip:a@h>;q=0.5', expires: 60 }), 'bob@example.com', [], policy, src, NOW),
    );
    assert.equal(out.bindings[0]!.q, 0.5);
    const badQ = processRegister(
      register({ contact: '<sip:a@h>;q=2', expires: 60 }),
      'bob@example.com',
      [],
      policy,
      src,
      NOW,
    );
    assert.equal(!badQ.ok && badQ.status, 400);
    const four = processRegister(
      register({ contact: ['<sip:a@h1>', '<sip:a@h2>', '<sip:a@h3>', '<sip:a@h4>'], expires: 60 }),
      'bob@example.com',
      [],
      policy,
      src,
      NOW,
    );
    assert.equal(!four.ok && four.status, 503);
  });

  test('200 OK lists every binding with its remaining expiry', () => {
    const out = ok(
      processRegister(
        register({ contact: ['<sip:a@h1>;q=0.7', '<sip:b@h2>'], expires: 600 }),
        'bob@example.com',
        [],
        policy,
        src,
        NOW,
      ),
    );
    assert.deepEqual(contactsForReply(out.bindings, NOW + 100_000), [
      '<sip:a@h1>;expires=500;q=0.7',
      '<sip:b@h2>;expires=500',
    ]);
  });

  test('+sip.instance and reg-id are kept', () => {
    const [b] = registered(
      '<sip:bob@192.0.2.4>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1',
    );
    assert.equal(b!.instance, '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
    assert.equal(b!.regId, 1);
  });
});
