/**
 * Two transaction layers talking over real loopback sockets (UDP on 127.0.0.1, TCP on ::1):
 * an INVITE that is retransmitted until the UAS takes it, answered 180/486 and ACKed by the
 * client transaction; an OPTIONS over TCP; an INVITE cancelled after its 180 (§9).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createRequest,
  newBranch,
  TransactionLayer,
  TransportLayer,
  viaFor,
  type ServerTransaction,
  type SipRequest,
  type Transport,
  type TransactionLayerUser,
} from '../../../src/core/index.js';
import { ClientLog } from '../../helpers/sip-builders.js';
import { waitFor } from '../../helpers/net.js';

const FAST = { T1: 40, T2: 160, T4: 100, D: 200 };

async function node(spec: string, user: TransactionLayerUser) {
  const transport = await TransportLayer.listen([spec]);
  const txl = new TransactionLayer({ transport, user, settings: FAST });
  return { transport, txl, t: transport.transports[0]! };
}

function invite(t: Transport, method = 'INVITE'): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@example.com',
    via: viaFor(t, newBranch()),
    from: '<sip:alice@example.com>',
    to: '<sip:bob@example.com>',
  });
}

describe('transactions over loopback sockets', () => {
  test('UDP: retransmitted INVITE, 180, 486, ACK from the client transaction, server Confirmed then Terminated', async () => {
    const seen: string[] = [];
    let ist: ServerTransaction | undefined;
    const uas = await node('udp:127.0.0.1:0', {
      onRequest(req, source) {
        seen.push(req.method);
        if (seen.length === 1) return; // drop the first INVITE: the client must retransmit
        ist = uas.txl.createServerTransaction(req, source);
        ist.reply(180);
        ist.reply(486);
      },
    });
    const uac = await node('udp:127.0.0.1:0', { onRequest() {} });
    try {
      const log = new ClientLog();
      const tx = uac.txl.sendRequest(invite(uac.t), { address: '127.0.0.1', port: uas.t.localPort }, log);
      await waitFor(() => log.statuses.includes(486), 3000, 'the 486');
      assert.deepEqual(log.statuses, [180, 486]);
      assert.equal(seen.length, 2, 'the UAS TU saw the INVITE twice (first dropped), the ACK not at all');
      await waitFor(() => ist!.state === 'Confirmed' || ist!.state === 'Terminated', 3000, 'the ACK');
      assert.ok(uac.t.stats.messagesOut >= 3, 'INVITE, its retransmission, ACK');
      await waitFor(() => ist!.state === 'Terminated' && tx.state === 'Terminated', 3000, 'Timers I and D');
      assert.equal(uas.txl.stats.serverTransactions, 0);
      assert.equal(uac.txl.stats.clientTransactions, 0);
    } finally {
      uac.txl.close();
      uas.txl.close();
      await uac.transport.close();
      await uas.transport.close();
    }
  });

  test('TCP over IPv6: OPTIONS answered 200 on the same connection, both transactions end at once', async () => {
    const uas = await node('tcp:[::1]:0', {
      onRequest(req, source) {
        uas.txl.createServerTransaction(req, source).reply(200);
      },
    });
    const uac = await node('tcp:[::1]:0', { onRequest() {} });
    try {
      const log = new ClientLog();
      const tx = uac.txl.sendRequest(
        invite(uac.t, 'OPTIONS'),
        { protocol: 'TCP', address: '::1', port: uas.t.localPort },
        log,
      );
      await waitFor(() => log.statuses.length === 1, 3000, 'the 200');
      assert.equal(tx.state, 'Terminated');
      assert.equal(uas.txl.stats.serverTransactions, 0);
      assert.equal(uac.t.connectionCount, 1);
      assert.equal(uas.t.stats.messagesOut, 1, 'no retransmission over TCP');
    } finally {
      uac.txl.close();
      uas.txl.close();
      await uac.transport.close();
      await uas.transport.close();
    }
  });

  test('UDP: CANCEL after 180 — 200 for the CANCEL, 487 for the INVITE, ACKed', async () => {
    let ist: ServerTransaction | undefined;
    const uas = await node('udp:127.0.0.1:0', {
      onRequest(req, source) {
        if (req.method === 'INVITE') {
          ist = uas.txl.createServerTransaction(req, source);
          ist.reply(180);
        } else if (req.method === 'CANCEL') {
          const target = uas.txl.findCancelTarget(req);
          uas.txl.createServerTransaction(req, source).reply(target ? 200 : 481);
          target?.reply(487);
        }
      },
    });
    const uac = await node('udp:127.0.0.1:0', { onRequest() {} });
    try {
      const log = new ClientLog();
      const cancelLog = new ClientLog();
      const tx = uac.txl.sendRequest(invite(uac.t), { address: '127.0.0.1', port: uas.t.localPort }, log);
      tx.cancel(cancelLog);
      await waitFor(() => log.statuses.includes(487), 3000, 'the 487');
      assert.deepEqual(log.statuses, [180, 487]);
      assert.deepEqual(cancelLog.statuses, [200]);
      await waitFor(() => ist!.state === 'Confirmed' || ist!.state === 'Terminated', 3000, 'the ACK');
    } finally {
      uac.txl.close();
      uas.txl.close();
      await uac.transport.close();
      await uas.transport.close();
    }
  });
});
