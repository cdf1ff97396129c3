import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Binding } from '../../../src/daemon/registrar/binding.js';
import {
  LocationNotStored,
  LocationService,
  type LocationPersistence,
  type LocationWrite,
} from '../../../src/daemon/usrloc/location-service.js';

function binding(over: Partial<Binding>): Binding {
  return {
    aor: 'bob@example.com',
    contact: 'sip:bob@192.0.2.4',
    expires: 10_000,
    q: 1,
    callId: 'c',
    cseq: 1,
    received: undefined,
    path: undefined,
    userAgent: '',
    instance: undefined,
    regId: 0,
    socket: undefined,
    ruid: Math.random().toString(36),
    lastModified: 0,
    connectionId: 0,
    ...over,
  };
}

/**
 * Applies batches all-or-nothing, as a database transaction would, and records them. `down`
 * makes every batch fail, `failOnce` the next one; `hold` keeps the next batch in flight until released.
 */
class MemoryPersistence implements LocationPersistence {
  rows = new Map<string, Binding>();
  ops: string[] = [];
  batches: string[][] = [];
  down = false;
  /** fail the next batch only */
  failOnce = false;
  private held: Array<() => void> | undefined;

  async loadAll() {
    return [...this.rows.values()];
  }

  validate(b: Binding) {
    if (b.contact.length > 255) throw new Error('The contact URI is longer than 255 characters');
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const h = this.held ?? [];
    this.held = undefined;
    for (const r of h) r();
  }

  async applyBatch(changes: readonly LocationWrite[]) {
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    if (this.down || this.failOnce) {
      this.failOnce = false;
      throw new Error('db down');
    }
    const ops = changes.map((c) => (c.kind === 'deleteAor' ? `deleteAor ${c.aor}` : `${c.kind} ${c.binding.contact}`));
    this.batches.push(ops);
    this.ops.push(...ops);
    for (const c of changes)
      if (c.kind === 'upsert') this.rows.set(c.binding.ruid, c.binding);
      else if (c.kind === 'delete') this.rows.delete(c.binding.ruid);
      else for (const [k, b] of this.rows) if (b.aor === c.aor) this.rows.delete(k);
  }
}

const contacts = (ls: LocationService, aor = 'bob@example.com') => ls.lookup(aor).map((b) => b.contact);
const settled = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof LocationNotStored ? `not stored (${e.why})` : 'other error'),
  );

test('lookup returns live bindings, highest q first', async () => {
  let now = 0;
  const ls = new LocationService(undefined, () => now);
  const a = binding({ contact: 'sip:a@h', q: 0.5 });
  const b = binding({ contact: 'sip:b@h', q: 1 });
  const c = binding({ contact: 'sip:c@h', q: 0.8, expires: 5_000 });
  await ls.apply('bob@example.com', [a, b, c], [a, b, c], []);
  assert.deepEqual(contacts(ls), ['sip:b@h', 'sip:c@h', 'sip:a@h']);
  now = 6_000;
  assert.deepEqual(contacts(ls), ['sip:b@h', 'sip:a@h']);
  assert.deepEqual(ls.counts(), { users: 1, contacts: 2 });
});

test('group commit: a change settles only after its batch is committed; one batch for many changes', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0, {}, { collectMs: 5 });
  const order: string[] = [];
  const waits = ['alice', 'bob', 'carol'].map((u) => {
    const b = binding({ aor: `${u}@example.com`, contact: `sip:${u}@h` });
    return ls.apply(b.aor, [b], [b], []).then(() => order.push(`${u} acknowledged with ${db.rows.size} rows`));
  });
  // The memory copy changes at once (lookups and the next REGISTER build on it) ...
  assert.deepEqual(contacts(ls, 'bob@example.com'), ['sip:bob@h']);
  assert.equal(db.rows.size, 0, 'nothing committed yet');
  await Promise.all(waits);
  // ... but nobody is acknowledged before the commit of the one transaction holding all three.
  assert.deepEqual(db.batches, [['upsert sip:alice@h', 'upsert sip:bob@h', 'upsert sip:carol@h']]);
  assert.deepEqual(order, [
    'alice acknowledged with 3 rows',
    'bob acknowledged with 3 rows',
    'carol acknowledged with 3 rows',
  ]);
});

test('group commit: a full batch is written at once; changes during a write form the next batch, in order', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0, {}, { collectMs: 60_000, maxBatch: 2 });
  const a = binding({ contact: 'sip:a@h', cseq: 1 });
  db.hold();
  const first = [ls.add(a), ls.add(binding({ contact: 'sip:b@h' }))]; // 2 writes: written without waiting 60 s
  await new Promise((r) => setImmediate(r));
  const second = [ls.add({ ...a, cseq: 2 }), ls.removeContact('bob@example.com', 'sip:b@h')];
  db.release();
  await Promise.all([...first, ...second]);
  assert.deepEqual(db.batches, [
    ['upsert sip:a@h', 'upsert sip:b@h'],
    ['upsert sip:a@h', 'delete sip:b@h'],
  ]);
  assert.equal([...db.rows.values()][0]!.cseq, 2);
});

test('changes to one binding within a batch collapse; ul.rm makes earlier changes of its AoR moot', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0, {}, { collectMs: 20 });
  const a = binding({ contact: 'sip:a@h', cseq: 1 });
  const all = [ls.add(a), ls.add({ ...a, cseq: 2 }), ls.add(binding({ contact: 'sip:b@h' }))];
  const removed = ls.removeAor('bob@example.com');
  all.push(ls.add(binding({ contact: 'sip:c@h' })));
  await Promise.all(all);
  assert.equal(await removed, 2);
  assert.deepEqual(db.batches, [['deleteAor bob@example.com', 'upsert sip:c@h']]);
  assert.deepEqual(contacts(ls), ['sip:c@h']);
});

test('a failed batch: every change in it fails, the memory copy of its AoRs is as before', async () => {
  const db = new MemoryPersistence();
  const outages: unknown[] = [];
  let recovered = 0;
  const ls = new LocationService(db, () => 0, {
    onOutage: (e) => outages.push(e),
    onRecovered: () => recovered++,
  });
  const old = binding({ contact: 'sip:old@h' });
  await ls.add(old);
  const alice = binding({ aor: 'alice@example.com', contact: 'sip:alice@h' });
  db.down = true;
  const fresh = binding({ contact: 'sip:new@h' });
  const results = await Promise.all([
    settled(ls.apply('bob@example.com', [fresh], [fresh], [old])), // replaces old by new
    settled(ls.add(alice)),
  ]);
  assert.deepEqual(results, ['not stored (unavailable)', 'not stored (unavailable)']);
  assert.deepEqual(contacts(ls), ['sip:old@h'], 'bob is back to his committed binding');
  assert.deepEqual(contacts(ls, 'alice@example.com'), []);
  assert.equal(ls.findContact('sip:new@h'), undefined);
  assert.equal(ls.findContact('sip:old@h')?.ruid, old.ruid);
  assert.equal(ls.unavailable, true);
  // A second failure in the same outage is not reported again.
  assert.equal(await settled(ls.add(alice)), 'not stored (unavailable)');
  assert.equal(outages.length, 1);
  // The database is back: the next change commits by itself and the recovery is reported once.
  db.down = false;
  assert.equal(await settled(ls.add(alice)), 'ok');
  await ls.add(binding({ aor: 'carol@example.com', contact: 'sip:carol@h' }));
  assert.equal(recovered, 1);
  assert.equal(ls.unavailable, false);
  assert.deepEqual([...db.rows.values()].map((b) => b.contact).sort(), ['sip:alice@h', 'sip:carol@h', 'sip:old@h']);
});

test('a batch computed on top of a failing one fails for the same AoRs only', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0, {}, { collectMs: 1 });
  const committed = binding({ contact: 'sip:v0@h', cseq: 1 });
  await ls.add(committed);
  db.hold();
  db.failOnce = true;
  const v1 = ls.add({ ...committed, contact: 'sip:v1@h', ruid: 'r1' });
  await new Promise((r) => setTimeout(r, 10)); // batch 1 is in flight
  // Batch 2: bob again (built on the uncommitted v1) and carol (independent).
  const v2 = ls.add({ ...committed, contact: 'sip:v2@h', ruid: 'r2' });
  const carol = ls.add(binding({ aor: 'carol@example.com', contact: 'sip:carol@h' }));
  assert.deepEqual(contacts(ls).sort(), ['sip:v0@h', 'sip:v1@h', 'sip:v2@h']);
  db.release();
  assert.equal(await settled(v1), 'not stored (unavailable)');
  assert.equal(await settled(v2), 'not stored (unavailable)');
  assert.equal(await settled(carol), 'ok');
  assert.deepEqual(contacts(ls), ['sip:v0@h'], 'bob as committed before batch 1');
  assert.deepEqual([...db.rows.values()].map((b) => b.contact).sort(), ['sip:carol@h', 'sip:v0@h']);
  assert.deepEqual(db.batches.at(-1), ['upsert sip:carol@h'], "bob's dependent write never reached the database");
});

test('a binding the database can never hold is refused before memory changes', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0);
  const long = binding({ contact: 'sip:' + 'x'.repeat(300) + '@h' });
  assert.equal(await settled(ls.add(long)), 'not stored (invalid)');
  assert.deepEqual(contacts(ls), []);
  assert.equal(ls.unavailable, false);
});

test('memory only (no persistence): every change succeeds at once', async () => {
  const ls = new LocationService(undefined, () => 0);
  assert.equal(ls.memoryOnly, true);
  await ls.add(binding({ contact: 'sip:a@h' }));
  assert.equal(await ls.removeContact('bob@example.com', 'sip:a@h'), true);
  assert.equal(await ls.removeAor('bob@example.com'), 0);
});

test('expiry sweeps are written behind, with the next batch', async () => {
  let now = 0;
  const db = new MemoryPersistence();
  const removed: string[] = [];
  const ls = new LocationService(db, () => now, { onRemoved: (b, why) => removed.push(`${why} ${b.contact}`) });
  const a = binding({ contact: 'sip:a@h', expires: 1_000 });
  const b = binding({ contact: 'sip:b@h', expires: 0 });
  await ls.apply('bob@example.com', [a, b], [a, b], []);
  now = 2_000;
  assert.equal(ls.sweep(), 1);
  await ls.flush();
  assert.deepEqual(db.batches.at(-1), ['delete sip:a@h']);
  assert.deepEqual(removed, ['expired sip:a@h']);
  assert.deepEqual(contacts(ls), ['sip:b@h'], 'permanent bindings never expire');
});

test('the sweep removes each binding when its time comes, however the earliest expiry moved', async () => {
  // The sweep skips its walk until the earliest expiry it knows of: that bound must follow
  // bindings added with an earlier expiry, refreshed shorter, and put back after a failed batch.
  let now = 0;
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => now);
  const sweepAt = (t: number) => ((now = t), ls.sweep());
  const long = binding({ aor: 'a@h', contact: 'sip:a@h', expires: 100_000 });
  await ls.apply('a@h', [long], [long], []);
  assert.equal(sweepAt(1_000), 0);
  const short = binding({ aor: 'b@h', contact: 'sip:b@h', expires: 5_000 });
  await ls.apply('b@h', [short], [short], []);
  assert.equal(sweepAt(4_000), 0);
  assert.equal(sweepAt(5_000), 1, 'the later binding with the earlier expiry');
  // Refreshed shorter (a new binding object for the same contact).
  const shorter = { ...long, expires: 20_000 };
  await ls.apply('a@h', [shorter], [shorter], []);
  assert.equal(sweepAt(19_000), 0);
  assert.equal(sweepAt(20_000), 1);
  // A batch that fails puts the AoR back as it was, bindings and their expiries.
  const c = binding({ aor: 'c@h', contact: 'sip:c@h', expires: 30_000 });
  await ls.apply('c@h', [c], [c], []);
  assert.equal(sweepAt(21_000), 0);
  db.hold();
  db.failOnce = true;
  const c2 = { ...c, expires: 90_000 };
  const failing = ls.apply('c@h', [c2], [c2], []);
  await new Promise((r) => setTimeout(r, 20)); // the batch is being written
  assert.equal(sweepAt(22_000), 0, 'meanwhile the earliest expiry is c2 (90 s)');
  db.release();
  await assert.rejects(failing, LocationNotStored);
  assert.equal(sweepAt(29_000), 0);
  assert.equal(sweepAt(30_000), 1, 'the restored binding expires at its own time');
  assert.equal(ls.counts().contacts, 0);
});

test('a restart loads the durable copy, dropping what expired meanwhile', async () => {
  const db = new MemoryPersistence();
  const keep = binding({ contact: 'sip:keep@h', expires: 50_000 });
  const gone = binding({ contact: 'sip:gone@h', expires: 1_000 });
  db.rows.set(keep.ruid, keep);
  db.rows.set(gone.ruid, gone);
  const ls = new LocationService(db, () => 10_000);
  assert.equal(await ls.load(), 1);
  await ls.flush();
  assert.deepEqual(contacts(ls), ['sip:keep@h']);
  assert.equal(db.rows.size, 1);
});

test('administrative removal of an AoR or one contact, answered once committed', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0);
  await ls.add(binding({ contact: 'sip:a@h' }));
  await ls.add(binding({ contact: 'sip:b@h' }));
  assert.equal(await ls.removeContact('bob@example.com', 'sip:a@h'), true);
  assert.equal(db.rows.size, 1);
  assert.equal(await ls.removeContact('bob@example.com', 'sip:zzz@h'), false);
  assert.equal(await ls.removeAor('bob@example.com'), 1);
  assert.equal(db.rows.size, 0);
  assert.deepEqual(ls.dump(), []);
});

test('a change without writes (a REGISTER query) does not end an outage', async () => {
  const db = new MemoryPersistence();
  let outages = 0;
  let recovered = 0;
  const ls = new LocationService(db, () => 0, { onOutage: () => outages++, onRecovered: () => recovered++ });
  db.down = true;
  assert.equal(await settled(ls.add(binding({ contact: 'sip:a@h' }))), 'not stored (unavailable)');
  assert.equal(await settled(ls.apply('bob@example.com', [], [], [])), 'ok');
  assert.equal(await settled(ls.add(binding({ contact: 'sip:a@h' }))), 'not stored (unavailable)');
  assert.deepEqual({ outages, recovered }, { outages: 1, recovered: 0 });
  assert.equal(db.batches.length, 0);
});

test('registered addresses (for in-dialog checks): contact, NAT source and connection; a refresh or removal leaves no stale entry', async () => {
  let now = 0;
  const loc = new LocationService(undefined, () => now);
  const src = (remoteAddress: string, remotePort: number, connectionId?: number) =>
    ({ remoteAddress, remotePort, connectionId }) as unknown as Parameters<LocationService['isRegisteredSource']>[0];
  const natted = binding({ contact: 'sip:bob@10.0.0.5:5062', received: 'sip:203.0.113.7:40000;transport=udp' });
  await loc.apply('bob@example.com', [natted], [natted], []);
  assert.equal(loc.isRegisteredAddress('10.0.0.5', 5062), true, 'the contact');
  assert.equal(loc.isRegisteredAddress('203.0.113.7', 40000), true, 'where it registered from');
  assert.equal(loc.isRegisteredSource(src('203.0.113.7', 40000)), true);
  assert.equal(loc.isRegisteredSource(src('203.0.113.7', 40001)), false, 'another port of that host');
  // The phone re-registers from another NAT port: the old source is no longer ours.
  const moved = { ...natted, received: 'sip:203.0.113.7:40002;transport=udp', cseq: 2 };
  await loc.apply('bob@example.com', [moved], [moved], []);
  assert.equal(loc.isRegisteredSource(src('203.0.113.7', 40000)), false, 'the refreshed binding replaced it');
  assert.equal(loc.isRegisteredSource(src('203.0.113.7', 40002)), true);
  // Two AoRs on one address (a phone with two lines): removing one keeps the address.
  const tcp = binding({ aor: 'ann@example.com', contact: 'sip:ann@10.0.0.5:5062;transport=tcp', connectionId: 9 });
  await loc.apply('ann@example.com', [tcp], [tcp], []);
  assert.equal(loc.isRegisteredSource(src('198.51.100.1', 1, 9)), true, 'its TCP connection');
  await loc.removeAor('bob@example.com');
  assert.equal(loc.isRegisteredAddress('10.0.0.5', 5062), true, "ann's line is still there");
  assert.equal(loc.isRegisteredAddress('203.0.113.7', 40002), false);
  now = 20_000;
  loc.sweep();
  assert.equal(loc.isRegisteredAddress('10.0.0.5', 5062), false, 'expired and swept');
  assert.equal(loc.isRegisteredSource(src('198.51.100.1', 1, 9)), false);
});
