/**
 * The location of a multi-process sipd (src/daemon/cluster/location-replication.ts): a change is
 * acknowledged only after the database committed it and the other workers applied it, and a
 * worker applying a replicated change ends with the same bindings as the one that made it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicatingPersistence } from '../../../../src/daemon/cluster/location-replication.js';
import type { ClusterMember } from '../../../../src/daemon/cluster/member.js';
import type { Binding } from '../../../../src/daemon/registrar/binding.js';
import {
  LocationService,
  type LocationPersistence,
  type LocationWrite,
} from '../../../../src/daemon/usrloc/location-service.js';

function binding(over: Partial<Binding>): Binding {
  return {
    aor: 'bob@example.com',
    contact: 'sip:bob@192.0.2.4',
    expires: Date.now() + 60_000,
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

/** Two "workers" in one process: replicate() hands the writes to the other one's service, as JSON. */
function pair(db?: LocationPersistence) {
  const order: string[] = [];
  const other = new LocationService(undefined);
  let release: (() => void) | undefined;
  const member: ClusterMember = {
    index: 0,
    count: 2,
    nonceSecret: Buffer.alloc(32, 1),
    attachLocation: () => {},
    replicate: (writes: readonly LocationWrite[]) =>
      new Promise<void>((resolve) => {
        order.push('replicate');
        release = () => {
          other.applyReplicated(JSON.parse(JSON.stringify(writes)) as LocationWrite[]);
          resolve();
        };
      }),
  };
  const a = new LocationService(new ReplicatingPersistence(db, member), Date.now, {}, { collectMs: 1 });
  return { a, b: other, order, release: () => release?.() };
}

test('a REGISTER is acknowledged only once the database and the other workers have it', async () => {
  const order: string[] = [];
  const db: LocationPersistence = {
    loadAll: async () => [],
    applyBatch: async () => void order.push('commit'),
  };
  const p = pair(db);
  const first = binding({ contact: 'sip:bob@192.0.2.4' });
  let acked = false;
  const done = p.a.apply(first.aor, [first], [first], []).then(() => (acked = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(acked, false, 'not acknowledged while a worker has not applied it');
  assert.deepEqual(p.b.lookup('bob@example.com'), []);
  order.push(...p.order);
  p.release();
  await done;
  assert.deepEqual(order, ['commit', 'replicate']);
  assert.deepEqual(
    p.b.lookup('bob@example.com').map((b) => b.contact),
    ['sip:bob@192.0.2.4'],
  );
});

test('refresh, second contact, removal of one, removal of the AoR: the other worker follows each', async () => {
  const p = pair();
  const step = async (fn: () => Promise<unknown>) => {
    const done = fn();
    await new Promise((r) => setTimeout(r, 5));
    p.release();
    await done;
    const contacts = (s: LocationService) => s.dump().map((d) => d.bindings.map((b) => `${b.contact}/${b.cseq}`));
    assert.deepEqual(contacts(p.b), contacts(p.a));
    assert.equal(p.b.findContact('sip:bob@192.0.2.4')?.aor, p.a.findContact('sip:bob@192.0.2.4')?.aor);
  };
  const one = binding({ contact: 'sip:bob@192.0.2.4' });
  await step(() => p.a.apply(one.aor, [one], [one], []));
  const refreshed = { ...one, cseq: 2 };
  const two = binding({ contact: 'sip:bob@192.0.2.5' });
  await step(() => p.a.apply(one.aor, [refreshed, two], [refreshed, two], []));
  assert.equal(p.b.lookup('bob@example.com').length, 2);
  await step(() => p.a.removeContact(one.aor, 'sip:bob@192.0.2.4'));
  assert.equal(p.b.findContact('sip:bob@192.0.2.4'), undefined);
  await step(() => p.a.removeAor(one.aor));
  assert.deepEqual(p.b.dump(), []);
});
