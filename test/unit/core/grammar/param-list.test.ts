/**
 * Parsed parameter lists (ParamList) behave as the Map they stand in for: what a route or a
 * module reads from a Via, a URI or a name-addr, and what is written back, is unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatVia, ParamList, parseNameAddr, parseUri, parseVia, type SipUri } from '../../../../src/core/index.js';

describe('ParamList', () => {
  test('parsed lists are ParamLists with a Map’s reads, order and duplicates (last value, first place)', () => {
    const via = parseVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport;Received=192.0.2.9;branch=z9hG4bK2');
    assert.ok(via.params instanceof ParamList);
    assert.equal(via.params.size, 3);
    assert.equal(via.params.get('branch'), 'z9hG4bK2');
    assert.equal(via.params.get('rport'), null);
    assert.equal(via.params.get('received'), '192.0.2.9');
    assert.equal(via.params.get('maddr'), undefined);
    assert.equal(via.params.has('rport'), true);
    assert.deepEqual(
      [...via.params],
      [
        ['branch', 'z9hG4bK2'],
        ['rport', null],
        ['received', '192.0.2.9'],
      ],
    );
    assert.equal(formatVia(via), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK2;rport;received=192.0.2.9');
    const uri = parseUri('sip:alice@example.com;transport=tcp;lr') as SipUri;
    assert.ok(uri.params instanceof ParamList);
    assert.deepEqual([...uri.params.keys()], ['transport', 'lr']);
    const na = parseNameAddr('<sip:bob@example.com>;tag=abc;expires=60', 'Contact');
    assert.deepEqual(Object.fromEntries(na.params), { tag: 'abc', expires: '60' });
  });

  test('set replaces in place, appends new names; delete, clear, forEach, keys, values as a Map', () => {
    const p = new ParamList([
      ['a', '1'],
      ['b', null],
    ]);
    const m = new Map<string, string | null>([
      ['a', '1'],
      ['b', null],
    ]);
    for (const x of [p, m] as Array<Map<string, string | null>>) {
      x.set('a', '2').set('c', '3');
      assert.equal(x.delete('b'), true);
      assert.equal(x.delete('b'), false);
      x.set('b', 'again');
    }
    assert.deepEqual([...p.entries()], [...m.entries()]);
    assert.deepEqual([...p.keys()], ['a', 'c', 'b']);
    assert.deepEqual([...p.values()], ['2', '3', 'again']);
    const seen: string[] = [];
    p.forEach((v, k, self) => {
      assert.equal(self, p);
      seen.push(`${k}=${v}`);
    });
    assert.deepEqual(seen, ['a=2', 'c=3', 'b=again']);
    assert.deepEqual(new Map(p), m);
    p.clear();
    assert.equal(p.size, 0);
    assert.equal(p.get('a'), undefined);
  });
});
