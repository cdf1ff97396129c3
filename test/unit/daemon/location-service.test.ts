import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Binding } from '../../../src/daemon/registrar/binding.js';
import { LocationService, type LocationPersistence } from '../../../src/daemon/usrloc/location-service.js';

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

/** Records the operations, in order, as a database would apply them. */
class MemoryPersistence implements LocationPersistence {
  rows = new Map<string, Binding>();
  ops: string[] = [];
  async loadAll() {
    return [...this.rows.values()];
  }
  async upsert(b: Binding) {
    this.ops.push(`upsert ${b.contact}`);
    this.rows.set(b.ruid, b);
  }
  async deleteByRuid(ruid: string) {
    this.ops.push(`delete ${this.rows.get(ruid)?.contact ?? ruid}`);
    this.rows.delete(ruid);
  }
  async deleteAor(aor: string) {
    this.ops.push(`deleteAor ${aor}`);
    for (const [k, b] of this.rows) if (b.aor === aor) this.rows.delete(k);
  }
}

test('lookup returns live bindings, highest q first', () => {
  let now = 0;
  const ls = new LocationService(undefined, () => now);
  const a = binding({ contact: 'sip:a@h', q: 0.5 });
  const b = binding({ contact: 'sip:b@h', q: 1 });
  const c = binding({ contact: 'sip:c@h', q: 0.8, expires: 5_000 });
  ls.apply('bob@example.com', [a, b, c], [a, b, c], []);
  assert.deepEqual(
    ls.lookup('bob@example.com').map((x) => x.contact),
    ['sip:b@h', 'sip:c@h', 'sip:a@h'],
  );
  now = 6_000;
  assert.deepEqual(
    ls.lookup('bob@example.com').map((x) => x.contact),
    ['sip:b@h', 'sip:a@h'],
  );
  assert.deepEqual(ls.counts(), { users: 1, contacts: 2 });
});

test('changes are written behind in order; expiry sweeps delete rows', async () => {
  let now = 0;
  const db = new MemoryPersistence();
  const removed: string[] = [];
  const ls = new LocationService(db, () => now, { onRemoved: (b, why) => removed.push(`${why} ${b.contact}`) });
  const a = binding({ contact: 'sip:a@h', expires: 1_000 });
  const b = binding({ contact: 'sip:b@h', expires: 0 });
  ls.apply('bob@example.com', [a, b], [a, b], []);
  now = 2_000;
  assert.equal(ls.sweep(), 1);
  await ls.flush();
  // a's insert and delete collapsed into the delete (a row that never reached the database).
  assert.deepEqual(db.ops, [`delete ${a.ruid}`, 'upsert sip:b@h']);
  assert.deepEqual(removed, ['expired sip:a@h']);
  assert.deepEqual(
    ls.lookup('bob@example.com').map((x) => x.contact),
    ['sip:b@h'],
    'permanent bindings never expire',
  );
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
  assert.deepEqual(
    ls.lookup('bob@example.com').map((x) => x.contact),
    ['sip:keep@h'],
  );
  assert.equal(db.rows.size, 1);
});

test('administrative removal of an AoR or one contact', async () => {
  const db = new MemoryPersistence();
  const ls = new LocationService(db, () => 0);
  ls.add(binding({ contact: 'sip:a@h' }));
  ls.add(binding({ contact: 'sip:b@h' }));
  assert.equal(ls.removeContact('bob@example.com', 'sip:a@h'), true);
  assert.equal(ls.removeContact('bob@example.com', 'sip:zzz@h'), false);
  assert.equal(ls.removeAor('bob@example.com'), 1);
  await ls.flush();
  assert.equal(db.rows.size, 0);
  assert.deepEqual(ls.dump(), []);
});

test('a failing database write is reported, and later writes still happen', async () => {
  const errors: unknown[] = [];
  const db = new MemoryPersistence();
  let fail = true;
  const flaky: LocationPersistence = {
    ...db,
    loadAll: () => db.loadAll(),
    deleteByRuid: (r) => db.deleteByRuid(r),
    deleteAor: (a) => db.deleteAor(a),
    upsert: async (b) => {
      if (fail) {
        fail = false;
        throw new Error('db down');
      }
      await db.upsert(b);
    },
  };
  const ls = new LocationService(flaky, () => 0, { onPersistError: (e) => errors.push(e) });
  ls.add(binding({ contact: 'sip:a@h' }));
  ls.add(binding({ contact: 'sip:b@h' }));
  await ls.flush();
  assert.equal(errors.length, 1);
  assert.deepEqual(db.ops, ['upsert sip:b@h']);
});

test('write-behind: nothing is written before writeDelayMs, then one batch with the last state of each binding', async () => {
  const db = new MemoryPersistence();
  const batches: number[] = [];
  const batching: LocationPersistence = {
    loadAll: () => db.loadAll(),
    upsert: (b) => db.upsert(b),
    deleteByRuid: (r) => db.deleteByRuid(r),
    deleteAor: (a) => db.deleteAor(a),
    applyBatch: async (changes) => {
      batches.push(changes.length);
      for (const c of changes)
        if (c.kind === 'upsert') await db.upsert(c.binding);
        else if (c.kind === 'delete') await db.deleteByRuid(c.binding.ruid);
        else await db.deleteAor(c.aor);
      return [];
    },
  };
  const ls = new LocationService(batching, () => 0, {}, 30);
  const a = binding({ contact: 'sip:a@h', cseq: 1 });
  ls.add(a);
  ls.add({ ...a, cseq: 2 }); // a refresh of the same binding (same ruid)
  ls.add(binding({ contact: 'sip:b@h' }));
  ls.removeAor('bob@example.com'); // both go: their pending upserts are moot
  ls.add(binding({ contact: 'sip:c@h' }));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(db.ops, [], 'not yet');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(batches, [2]);
  assert.deepEqual(db.ops, ['deleteAor bob@example.com', 'upsert sip:c@h']);
  ls.add(binding({ contact: 'sip:d@h', aor: 'eve@example.com' }));
  await ls.flush();
  assert.deepEqual(batches, [2, 1], 'flush writes at once');
  assert.deepEqual([...db.rows.values()].map((b) => b.contact).sort(), ['sip:c@h', 'sip:d@h']);
});
