/**
 * Location changes sent worker to worker on the peer channel (src/daemon/cluster/peer-replication.ts),
 * over real loopback sockets: a batch settles only once the other worker has applied it; a lost
 * frame or acknowledgement is made good by a resend without applying anything twice; a late copy
 * of an older batch never undoes a newer one; a stopped or silent worker is not waited for
 * forever; a batch too large for one datagram arrives whole and in order.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { PeerChannel } from '../../../../src/daemon/cluster/peer-channel.js';
import { PeerReplication, type PeerLink } from '../../../../src/daemon/cluster/peer-replication.js';
import type { Binding } from '../../../../src/daemon/registrar/binding.js';
import type { LocationWrite } from '../../../../src/daemon/usrloc/location-service.js';
import { waitUntil } from '../../../helpers/test-ua.js';

function binding(over: Partial<Binding> = {}): Binding {
  return {
    aor: 'bob@example.com',
    contact: 'sip:bob@192.0.2.4;transport=udp',
    expires: 1_900_000_000_000,
    q: 0.5,
    callId: 'a84b4c76e66710',
    cseq: 314159,
    received: 'sip:203.0.113.7:5060',
    path: undefined,
    userAgent: 'baresip 3.0',
    instance: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
    regId: 1,
    socket: undefined,
    ruid: 'ruid-1',
    lastModified: 1_800_000_000_000,
    connectionId: 0,
    ...over,
  };
}

interface Worker {
  rep: PeerReplication;
  applied: LocationWrite[][];
  timedOut: number[];
  channel: PeerChannel;
}

/**
 * Two workers on real peer channels. `drop(from, payload)` returning true loses that frame
 * (a full receive buffer); `reach` says whether the other worker's port is known.
 */
async function pair(drop: (from: number, payload: Buffer) => boolean = () => false) {
  const token = randomBytes(16);
  const workers: Worker[] = [];
  const reach = [true, true];
  for (const index of [0, 1]) {
    let onControl: (p: Buffer) => void = () => {};
    const channel = await PeerChannel.open(token, 1 << 20, (f) => onControl(f.payload));
    const link: PeerLink = {
      send: (to, payload) =>
        drop(index, payload) ||
        channel.send(to, { kind: 'control', listener: 0, address: '', port: 0, connectionId: 0, payload }),
      reaches: (to) => reach[to]! && channel.reaches(to),
    };
    const w: Worker = { applied: [], timedOut: [], channel, rep: undefined! };
    w.rep = new PeerReplication(
      index,
      2,
      link,
      (writes) => w.applied.push(writes),
      (x) => w.timedOut.push(x),
    );
    onControl = (p) => w.rep.receive(p);
    workers.push(w);
  }
  const ports = workers.map((w) => w.channel.port);
  for (const w of workers) w.channel.setPorts(ports);
  const close = () => workers.forEach((w) => (w.rep.close(), w.channel.close()));
  return { a: workers[0]!, b: workers[1]!, reach, close };
}

describe('cluster: location replication on the peer channel', () => {
  test('a batch settles only once the other worker has applied it, field for field', async () => {
    const { a, b, close } = await pair();
    try {
      const writes: LocationWrite[] = [
        { kind: 'upsert', binding: binding() },
        { kind: 'delete', binding: binding({ ruid: 'ruid-0', received: undefined, instance: undefined }) },
        { kind: 'deleteAor', aor: 'carol@example.com' },
      ];
      let appliedWhenSettled = -1;
      await a.rep.replicate(writes).then(() => (appliedWhenSettled = b.applied.length));
      assert.equal(appliedWhenSettled, 1);
      assert.deepEqual(b.applied[0], writes);
      assert.equal(a.rep.stats.batches, 1);
      assert.equal(a.rep.stats.resends, 0);
    } finally {
      close();
    }
  });

  test('a lost batch and a lost acknowledgement are resent; the batch is applied once', async () => {
    let lostBatches = 0;
    let lostAcks = 0;
    const { a, b, close } = await pair((from, p) => {
      if (from === 0 && p[0] === 1 && lostBatches++ === 0) return true; // the first copy of the batch
      if (from === 1 && p[0] === 2 && lostAcks++ === 0) return true; // the first acknowledgement
      return false;
    });
    try {
      await a.rep.replicate([{ kind: 'upsert', binding: binding() }]);
      assert.equal(b.applied.length, 1, 'applied once, though it arrived twice');
      assert.ok(a.rep.stats.resends >= 2, `resends ${a.rep.stats.resends}`);
      assert.deepEqual(a.timedOut, []);
    } finally {
      close();
    }
  });

  test('a late copy of an older batch does not undo a newer one', async () => {
    const copies: Buffer[] = [];
    const { a, b, close } = await pair((from, p) => {
      if (from === 0 && p[0] === 1) copies.push(Buffer.from(p));
      return false;
    });
    try {
      await a.rep.replicate([{ kind: 'upsert', binding: binding({ cseq: 1 }) }]);
      await a.rep.replicate([{ kind: 'upsert', binding: binding({ cseq: 2 }) }]);
      b.rep.receive(copies[0]!); // the first batch again, after the second
      assert.deepEqual(
        b.applied.map((w) => (w[0] as { binding: Binding }).binding.cseq),
        [1, 2],
      );
    } finally {
      close();
    }
  });

  test('a worker that stopped is not waited for; a silent one is given up after the timeout', async () => {
    const { a, b, reach, close } = await pair((from, p) => from === 0 && p[0] === 1); // b never hears
    try {
      const t0 = Date.now();
      const pending = a.rep.replicate([{ kind: 'upsert', binding: binding() }]);
      reach[1] = false; // the primary says worker 1 exited
      a.rep.peersChanged();
      await pending;
      assert.ok(Date.now() - t0 < 200, 'settled at once');
      reach[1] = true;
      const t1 = Date.now();
      await a.rep.replicate([{ kind: 'upsert', binding: binding() }]);
      assert.ok(Date.now() - t1 >= 1900, 'waited for the timeout');
      assert.deepEqual(a.timedOut, [1]);
      assert.equal(a.rep.stats.timeouts, 1);
      assert.equal(b.applied.length, 0);
    } finally {
      close();
    }
  });

  test('a garbled batch is neither applied nor acknowledged, and does not throw', async () => {
    const acks: Buffer[] = [];
    const { b, close } = await pair((from, p) => {
      if (from === 1 && p[0] === 2) acks.push(p);
      return false;
    });
    try {
      const garbled = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from('[[1,"bob@exa')]);
      b.rep.receive(garbled);
      b.rep.receive(Buffer.from([1, 0, 0])); // shorter than the head
      assert.deepEqual(b.applied, []);
      assert.deepEqual(acks, []);
    } finally {
      close();
    }
  });

  test('a batch too large for one datagram arrives whole, in order', async () => {
    const { a, b, close } = await pair();
    try {
      const writes: LocationWrite[] = Array.from({ length: 600 }, (_, i) => ({
        kind: 'upsert',
        binding: binding({ aor: `user${i}@example.com`, ruid: `ruid-${i}`, userAgent: 'x'.repeat(200) }),
      }));
      await a.rep.replicate(writes);
      await waitUntil(() => b.applied.flat().length === 600, 2000, 'every write');
      assert.ok(b.applied.length > 1, 'sent in parts');
      assert.deepEqual(b.applied.flat(), writes);
    } finally {
      close();
    }
  });
});
