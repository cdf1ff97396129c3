/**
 * sipd's registrar over real UDP sockets (RFC 3261 §10.3, the RFC 3665 §2 flows): digest (401),
 * unknown user and wrong password alike, stale nonces, To vs authenticated user (403), adding,
 * refreshing and removing bindings, `*`, 423/Min-Expires and clamp mode, Call-ID/CSeq ordering,
 * q values, max contacts, the 200 listing every binding with its expiry, expiry on time, and
 * bindings that survive a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseDigestChallenge, type SipResponse } from '../../../src/core/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, TestUA } from '../../helpers/test-ua.js';

interface UlContact {
  address: string;
  expires: number | null;
  q: number;
  call_id: string;
  cseq: number;
  received: string | null;
}

const uas: TestUA[] = [];
async function ua(h: SipdHarness, user: string, password?: string, domain = DOMAIN): Promise<TestUA> {
  const u = await TestUA.create({ user, password, domain, proxy: h.proxy() });
  uas.push(u);
  return u;
}

/** Contact values of a 200 as {uri: expires} with q when present. */
function bindings(res: SipResponse): Record<string, { expires: number; q?: number }> {
  const out: Record<string, { expires: number; q?: number }> = {};
  const list = res.contacts();
  assert.notEqual(list, '*');
  for (const c of list as Exclude<typeof list, '*'>) {
    const q = c.params.get('q');
    out[c.uriText] = { expires: Number(c.params.get('expires')), ...(q ? { q: Number(q) } : {}) };
  }
  return out;
}

const challenge = (res: SipResponse) => parseDigestChallenge(res.get('www-authenticate')!, 'www-authenticate');

after(async () => {
  await Promise.all(uas.map((u) => u.close()));
});

describe('registrar: digest and ownership', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: '[auth]\nnonce_expires = 1\n',
    });
  });
  after(() => h.stop());

  test('REGISTER is challenged (401 with a Digest challenge for the domain), then accepted', async () => {
    const alice = await ua(h, 'alice', 'alice-pw');
    const first = await alice.register({ auth: false, expires: 300 });
    assert.equal(first.status, 401);
    const ch = challenge(first);
    assert.equal(ch.realm, DOMAIN);
    assert.deepEqual(ch.qop, ['auth']);
    const ok = await alice.register({ expires: 300 });
    assert.equal(ok.status, 200);
    const b = bindings(ok);
    assert.ok(b[alice.contactUri], 'the 200 lists the new binding');
    assert.ok(b[alice.contactUri]!.expires > 295 && b[alice.contactUri]!.expires <= 300);
    assert.ok(ok.has('date'), '200 carries Date (§10.3 step 8)');
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`alice@${DOMAIN}`]);
    assert.deepEqual(
      look.contacts.map((c) => c.address),
      [alice.contactUri],
    );
  });

  test('a wrong password and an unknown user get the same answer: 401 with a fresh challenge', async () => {
    const before = await h.stats('auth.failures');
    const wrong = await ua(h, 'bob', 'not-bobs');
    const nobody = await ua(h, 'nobody', 'whatever');
    const a = await wrong.register();
    const b = await nobody.register();
    for (const r of [a, b]) {
      assert.equal(r.status, 401);
      assert.equal(r.reason, 'Unauthorized');
      assert.equal(challenge(r).realm, DOMAIN);
      assert.equal(challenge(r).stale, false);
    }
    assert.notEqual(challenge(a).nonce, challenge(b).nonce, 'each failure gets a fresh nonce');
    assert.deepEqual(
      a.headers.map((x) => x.name),
      b.headers.map((x) => x.name),
      'same header fields: nothing tells the two apart',
    );
    const after = await h.stats('auth.failures');
    assert.equal(after['auth.failures']! - before['auth.failures']!, 2);
    await assert.rejects(h.rpc('ul.lookup', [`nobody@${DOMAIN}`]));
  });

  test('an expired nonce is answered 401 with stale=true', async () => {
    const bob = await ua(h, 'bob', 'bob-pw');
    const first = await bob.register({ auth: false, cseq: 1, callId: 'stale-1' });
    bob.digest!.onChallenge(first.getAll('www-authenticate'));
    await sleep(2100); // nonce_expires = 1 s
    const req = bob.build('REGISTER', { uri: `sip:${DOMAIN}`, to: `<${bob.aor}>`, callId: 'stale-1', cseq: 2 });
    req.append('Authorization', bob.digest!.authorize('REGISTER', req.uri));
    const res = await bob.send(req);
    assert.equal(res.status, 401);
    assert.equal(challenge(res).stale, true);
    // The phone retries with the new nonce and gets in.
    bob.digest!.onChallenge(res.getAll('www-authenticate'));
    const again = bob.build('REGISTER', { uri: `sip:${DOMAIN}`, to: `<${bob.aor}>`, callId: 'stale-1', cseq: 3 });
    again.append('Authorization', bob.digest!.authorize('REGISTER', again.uri));
    assert.equal((await bob.send(again)).status, 200);
  });

  test("a user who authenticates but registers someone else's AoR gets 403", async () => {
    const alice = await ua(h, 'alice', 'alice-pw');
    const res = await alice.register({ to: `<sip:bob@${DOMAIN}>` });
    assert.equal(res.status, 403);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`bob@${DOMAIN}`]).catch(() => undefined);
    assert.ok(!look?.contacts.some((c) => c.address === alice.contactUri), 'no binding was added to bob');
  });

  test('a domain we do not serve is refused (403)', async () => {
    const alice = await ua(h, 'alice', 'alice-pw');
    const res = await alice.register({ to: '<sip:alice@elsewhere.example>' });
    assert.equal(res.status, 403);
  });
});

describe('registrar: bindings (§10.3 steps 6-8)', () => {
  let h: SipdHarness;
  let carol: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['carol', 'carol-pw'],
        ['dave', 'dave-pw'],
        ['erin', 'erin-pw'],
      ],
      config: '[registrar]\nmin_expires = 60\nmax_expires = 7200\nmax_contacts = 3\n',
    });
    carol = await ua(h, 'carol', 'carol-pw');
  });
  after(() => h.stop());

  const A = `sip:carol@192.0.2.1:5060`;
  const B = `sip:carol@192.0.2.2:5060`;

  test('add two, refresh one, remove one: each 200 lists the current bindings with their expires', async () => {
    let r = await carol.register({ contacts: [`<${A}>`], expires: 600 });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(bindings(r)), [A]);
    r = await carol.register({ contacts: [`<${B}>;expires=900`] });
    assert.equal(r.status, 200);
    let b = bindings(r);
    assert.deepEqual(Object.keys(b).sort(), [A, B]);
    assert.ok(b[A]!.expires <= 600 && b[A]!.expires >= 595);
    assert.ok(b[B]!.expires <= 900 && b[B]!.expires >= 895);
    // Refresh A with a longer expiry (beyond max_expires: shortened to it).
    r = await carol.register({ contacts: [`<${A}>`], expires: 10000 });
    b = bindings(r);
    assert.equal(b[A]!.expires, 7200, 'max_expires caps the expiry');
    // Remove A.
    r = await carol.register({ contacts: [`<${A}>`], expires: 0 });
    assert.deepEqual(Object.keys(bindings(r)), [B]);
    // A query (no Contact) lists what is there and changes nothing.
    r = await carol.register({ contacts: [] });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(bindings(r)), [B]);
  });

  test('"Contact: *" with Expires: 0 removes every binding; without Expires: 0 it is a 400', async () => {
    await carol.register({ contacts: [`<${A}>`, `<${B}>`], expires: 600 });
    const bad = await carol.register({ contacts: ['*'], expires: 60 });
    assert.equal(bad.status, 400);
    const r = await carol.register({ contacts: ['*'], expires: 0 });
    assert.equal(r.status, 200);
    assert.equal(r.has('contact'), false, 'no bindings left to list');
    await assert.rejects(h.rpc('ul.lookup', [`carol@${DOMAIN}`]));
  });

  test('an expiry below min_expires gets 423 Interval Too Brief with Min-Expires', async () => {
    const r = await carol.register({ contacts: [`<${A}>`], expires: 30 });
    assert.equal(r.status, 423);
    assert.equal(r.get('min-expires'), '60');
    await assert.rejects(h.rpc('ul.lookup', [`carol@${DOMAIN}`]), 'nothing stored');
  });

  test('Call-ID/CSeq ordering: an older CSeq of the same Call-ID is refused, a new Call-ID is not', async () => {
    const dave = await ua(h, 'dave', 'dave-pw');
    const C = 'sip:dave@192.0.2.3:5060';
    let r = await dave.register({ contacts: [`<${C}>`], expires: 600, callId: 'order-1', cseq: 10 });
    assert.equal(r.status, 200);
    r = await dave.register({ contacts: [`<${C}>`], expires: 300, callId: 'order-1', cseq: 5 });
    assert.equal(r.status, 400, 'out-of-order CSeq');
    let look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`dave@${DOMAIN}`]);
    assert.equal(look.contacts[0]!.cseq, 11, 'the binding is unchanged');
    r = await dave.register({ contacts: [`<${C}>`], expires: 300, callId: 'order-2', cseq: 1 });
    assert.equal(r.status, 200, 'a new Call-ID (the phone rebooted) replaces the binding');
    look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`dave@${DOMAIN}`]);
    assert.equal(look.contacts[0]!.call_id, 'order-2');
    assert.ok(look.contacts[0]!.expires! <= 300);
  });

  test('q values are stored, listed and order the contacts; a bad q is a 400', async () => {
    const erin = await ua(h, 'erin', 'erin-pw');
    const lo = 'sip:erin@192.0.2.4:5060';
    const hi = 'sip:erin@192.0.2.5:5060';
    const r = await erin.register({ contacts: [`<${lo}>;q=0.1`, `<${hi}>;q=0.9`], expires: 600 });
    assert.equal(r.status, 200);
    const b = bindings(r);
    assert.equal(b[lo]!.q, 0.1);
    assert.equal(b[hi]!.q, 0.9);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`erin@${DOMAIN}`]);
    assert.deepEqual(
      look.contacts.map((c) => [c.address, c.q]),
      [
        [hi, 0.9],
        [lo, 0.1],
      ],
    );
    const bad = await erin.register({ contacts: [`<${lo}>;q=2`], expires: 600 });
    assert.equal(bad.status, 400);
  });

  test('max_contacts: a REGISTER that would exceed it fails and stores nothing', async () => {
    const c = (n: number) => `<sip:carol@192.0.2.${10 + n}:5060>`;
    let r = await carol.register({ contacts: [c(1), c(2), c(3)], expires: 600 });
    assert.equal(r.status, 200);
    r = await carol.register({ contacts: [c(4)], expires: 600 });
    assert.equal(r.status, 503);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`carol@${DOMAIN}`]);
    assert.equal(look.contacts.length, 3);
    // Refreshing an existing one is still fine.
    r = await carol.register({ contacts: [c(1)], expires: 600 });
    assert.equal(r.status, 200);
    await carol.register({ contacts: ['*'], expires: 0 });
  });
});

describe('registrar without authentication (auth.register = false, a lab setting)', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({ users: [['gus', 'gus-pw']], config: '[auth]\nregister = false\n' });
  });
  after(() => h.stop());

  test('subscribers register without a challenge; unknown users get 404', async () => {
    const gus = await ua(h, 'gus');
    assert.equal((await gus.register({ expires: 600 })).status, 200);
    const ghost = await ua(h, 'ghost');
    assert.equal((await ghost.register({ expires: 600 })).status, 404);
  });
});

describe("registrar.accept_unknown = true without authentication (Kamailio's behaviour)", () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [['gus', 'gus-pw']],
      config: '[auth]\nregister = false\n[registrar]\naccept_unknown = true\n',
    });
  });
  after(() => h.stop());

  test('any user of a served domain registers (200, in ul.lookup); other domains still get 403', async () => {
    const ghost = await ua(h, 'ghost');
    const r = await ghost.register({ contacts: ['<sip:ghost@192.0.2.30:5060>'], expires: 600 });
    assert.equal(r.status, 200);
    assert.ok(bindings(r)['sip:ghost@192.0.2.30:5060'], 'the 200 lists the binding');
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`ghost@${DOMAIN}`]);
    assert.deepEqual(
      look.contacts.map((c) => c.address),
      ['sip:ghost@192.0.2.30:5060'],
    );
    const stranger = await ua(h, 'ghost', undefined, 'elsewhere.example');
    assert.equal((await stranger.register({ expires: 600 })).status, 403);
  });
});

describe('registrar: clamp mode, expiry, restart', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [['frank', 'frank-pw']],
      config: '[registrar]\nmin_expires = 2\nmin_expires_mode = "clamp"\n',
    });
  });
  after(() => h.stop());

  test('min_expires_mode = "clamp" raises a too-brief expiry to the minimum instead of 423', async () => {
    const frank = await ua(h, 'frank', 'frank-pw');
    const r = await frank.register({ contacts: ['<sip:frank@192.0.2.20:5060>'], expires: 1 });
    assert.equal(r.status, 200);
    assert.equal(bindings(r)['sip:frank@192.0.2.20:5060']!.expires, 2);
  });

  test('bindings expire on time and disappear from ul.lookup and the statistics', async () => {
    const frank = await ua(h, 'frank', 'frank-pw');
    const r = await frank.register({ contacts: ['<sip:frank@192.0.2.21:5060>'], expires: 2 });
    assert.equal(r.status, 200);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`frank@${DOMAIN}`]);
    assert.ok(look.contacts.some((c) => c.address === 'sip:frank@192.0.2.21:5060'));
    await sleep(3300); // 2 s expiry + the 1 s sweep
    await assert.rejects(h.rpc('ul.lookup', [`frank@${DOMAIN}`]), /not found/i);
    const s = await h.stats('usrloc.registered_contacts');
    assert.equal(s['usrloc.registered_contacts'], 0);
    await h.server.stop(); // flush the location writes
    const rows = await h.store.location.list('frank', DOMAIN);
    assert.equal(rows.length, 0, 'deleted from the database too');
    await h.restart();
  });

  test('bindings survive a restart of sipd on the same database', async () => {
    const frank = await ua(h, 'frank', 'frank-pw');
    const r = await frank.register({ contacts: ['<sip:frank@192.0.2.22:5060>;q=0.5'], expires: 600 });
    assert.equal(r.status, 200);
    await h.restart();
    const dump = await h.rpc<{ aors: Array<{ aor: string; contacts: UlContact[] }> }>('ul.dump');
    const entry = dump.aors.find((a) => a.aor === `frank@${DOMAIN}`);
    assert.ok(entry, 'frank is registered after the restart');
    const c = entry.contacts.find((x) => x.address === 'sip:frank@192.0.2.22:5060');
    assert.ok(c);
    assert.equal(c.q, 0.5);
    assert.ok(c.expires! > 590 && c.expires! <= 600, `expiry kept (${c.expires})`);
    // The restarted registrar knows the binding: an older CSeq of the same Call-ID is refused
    // (the 401 round uses cseq - 2, the authenticated retry cseq - 1).
    const again = await ua(h, 'frank', 'frank-pw');
    const stale = await again.register({
      contacts: ['<sip:frank@192.0.2.22:5060>'],
      expires: 600,
      callId: c.call_id,
      cseq: c.cseq - 2,
    });
    assert.equal(stale.status, 400);
  });
});
