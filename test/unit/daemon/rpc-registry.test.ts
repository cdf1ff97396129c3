import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RpcErrorCode, RpcError } from '../../../src/mgmt/protocol.js';
import { MethodRegistry } from '../../../src/daemon/mgmt/registry.js';

const ctx = { afterReply: () => {} };

function registry(): MethodRegistry {
  const r = new MethodRegistry();
  r.register({
    name: 'ul.add',
    help: 'add a contact',
    params: [
      { name: 'table', type: 'string' },
      { name: 'aor', type: 'string' },
      { name: 'expires', type: 'integer', optional: true },
      { name: 'permanent', type: 'boolean', optional: true },
    ],
    handler: (p) => p,
  });
  r.register({
    name: 'stats.fetch',
    help: 'fetch',
    params: [{ name: 'names', type: 'string', rest: true }],
    handler: (p) => p,
  });
  r.register({
    name: 'x.fail',
    help: 'fails',
    handler: () => {
      throw new RpcError(RpcErrorCode.NOT_FOUND, 'AOR not found');
    },
  });
  r.register({
    name: 'x.bug',
    help: 'bug',
    handler: () => {
      throw new TypeError('oops');
    },
  });
  return r;
}

async function call(r: MethodRegistry, req: unknown) {
  return r.dispatch(req, ctx);
}

describe('MethodRegistry', () => {
  test('positional and named params bind to the same names', async () => {
    const r = registry();
    const pos = await call(r, { jsonrpc: '2.0', method: 'ul.add', params: ['location', 'a@b', 3600], id: 1 });
    const named = await call(r, {
      jsonrpc: '2.0',
      method: 'ul.add',
      params: { aor: 'a@b', table: 'location', expires: 3600 },
      id: 2,
    });
    assert.deepEqual(pos, { jsonrpc: '2.0', result: { table: 'location', aor: 'a@b', expires: 3600 }, id: 1 });
    assert.deepEqual(named, { jsonrpc: '2.0', result: { table: 'location', aor: 'a@b', expires: 3600 }, id: 2 });
  });

  test('shell-typed values are converted, wrong types are Invalid params with a reason', async () => {
    const r = registry();
    const ok = await call(r, { jsonrpc: '2.0', method: 'ul.add', params: ['l', 'a@b', '60', 'true'], id: 1 });
    assert.deepEqual(ok, { jsonrpc: '2.0', result: { table: 'l', aor: 'a@b', expires: 60, permanent: true }, id: 1 });
    const bad = (await call(r, { jsonrpc: '2.0', method: 'ul.add', params: ['l', 'a@b', 'soon'], id: 2 })) as {
      error: { code: number; message: string; data: { reason: string } };
    };
    assert.equal(bad.error.code, RpcErrorCode.INVALID_PARAMS);
    assert.equal(bad.error.message, 'Invalid params');
    assert.match(bad.error.data.reason, /param 'expires' must be an integer, got "soon"/);
  });

  test('missing, unknown and surplus params are Invalid params', async () => {
    const r = registry();
    const reasons = [];
    for (const params of [['l'], { table: 'l', aor: 'x', colour: 'red' }, ['l', 'a', 1, true, 'extra']]) {
      const res = (await call(r, { jsonrpc: '2.0', method: 'ul.add', params, id: 1 })) as {
        error: { code: number; data: { reason: string } };
      };
      assert.equal(res.error.code, RpcErrorCode.INVALID_PARAMS);
      reasons.push(res.error.data.reason);
    }
    assert.match(reasons[0], /missing param 'aor'; usage: ul.add table aor \[expires\] \[permanent\]/);
    assert.match(reasons[1], /has no param 'colour'/);
    assert.match(reasons[2], /takes at most 4 params, got 5/);
  });

  test('rest params collect positional values; named form takes an array or one value', async () => {
    const r = registry();
    assert.deepEqual(await r.call('stats.fetch', ['a:', 'b.c']), { names: ['a:', 'b.c'] });
    assert.deepEqual(await r.call('stats.fetch', { names: 'a:' }), { names: ['a:'] });
    assert.deepEqual(await r.call('stats.fetch', undefined), { names: [] });
  });

  test('unknown method, invalid requests, handler errors', async () => {
    const r = registry();
    const nf = (await call(r, { jsonrpc: '2.0', method: 'no.such', id: 7 })) as { error: { code: number }; id: number };
    assert.equal(nf.error.code, RpcErrorCode.METHOD_NOT_FOUND);
    assert.equal(nf.id, 7);
    for (const req of [
      { method: 'ul.add', id: 1 },
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '2.0', method: 'x.fail', params: 3, id: 1 },
      42,
    ]) {
      const res = (await call(r, req)) as { error: { code: number } };
      assert.equal(res.error.code, RpcErrorCode.INVALID_REQUEST, JSON.stringify(req));
    }
    const app = (await call(r, { jsonrpc: '2.0', method: 'x.fail', id: 'a' })) as {
      error: { code: number; data: { reason: string } };
    };
    assert.deepEqual(app.error, {
      code: RpcErrorCode.NOT_FOUND,
      message: 'Not found',
      data: { reason: 'AOR not found' },
    });
    const bug = (await call(r, { jsonrpc: '2.0', method: 'x.bug', id: 1 })) as {
      error: { code: number; data: { reason: string } };
    };
    assert.equal(bug.error.code, RpcErrorCode.INTERNAL_ERROR);
    assert.equal(bug.error.data.reason, 'oops');
  });

  test('notifications get no reply; batches get an array of the replies', async () => {
    const r = registry();
    assert.equal(await call(r, { jsonrpc: '2.0', method: 'stats.fetch' }), undefined);
    const batch = (await call(r, [
      { jsonrpc: '2.0', method: 'stats.fetch', params: ['x'], id: 1 },
      { jsonrpc: '2.0', method: 'stats.fetch' },
      { jsonrpc: '2.0', method: 'nope', id: 2 },
    ])) as Array<{ id: number }>;
    assert.deepEqual(
      batch.map((b) => b.id),
      [1, 2],
    );
    const empty = (await call(r, [])) as { error: { code: number } };
    assert.equal(empty.error.code, RpcErrorCode.INVALID_REQUEST);
  });

  test('registration rules: dotted names, no duplicates; usage text for methodHelp', () => {
    const r = registry();
    assert.throws(() => r.register({ name: 'flat', help: '', handler: () => 1 }), /use group.verb/);
    assert.throws(() => r.register({ name: 'ul.add', help: '', handler: () => 1 }), /already registered/);
    assert.equal(r.usage('stats.fetch'), 'stats.fetch [names...] - fetch');
    assert.deepEqual(r.list(), ['stats.fetch', 'ul.add', 'x.bug', 'x.fail']);
  });
});
