import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kamailioMemoryArgs, renderKamailioConfig } from '../../bench/lib/kamailio.js';

const values = {
  port: 34567,
  domain: 'bench.example',
  dbPath: '/tmp/x/kamailio.sqlite',
  ctlSocket: '/tmp/x/kamailio_ctl',
  children: 2,
  debug: 0,
};

test('fills every placeholder of the bench Kamailio template', () => {
  const cfg = renderKamailioConfig(values);
  assert.doesNotMatch(cfg, /\{\{/);
  assert.match(cfg, /^children=2$/m);
  assert.match(cfg, /^listen=udp:127\.0\.0\.1:34567$/m);
  assert.match(cfg, /^alias="bench\.example"$/m);
  // db_sqlite strips "sqlite:///": an absolute path needs the fourth slash.
  assert.match(cfg, /"sqlite:\/\/\/\/tmp\/x\/kamailio\.sqlite"/);
  assert.match(cfg, /"unix:\/tmp\/x\/kamailio_ctl"/);
  assert.match(cfg, /modparam\("usrloc", "db_mode", 0\)/);
  assert.doesNotMatch(cfg, /5060/);
});

test('Kamailio as production runs it: TLSF allocator, no memory debugging, no per-message log prefix', () => {
  const cfg = renderKamailioConfig(values);
  // Active lines only: the header comment may name what is left out.
  const active = cfg
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  assert.doesNotMatch(active, /memdbg|memlog|log_prefix/);
  assert.match(active, /^mem_summary=0$/m);
  assert.match(active, /^debug=0$/m);
  assert.deepEqual(kamailioMemoryArgs(), ['-x', 'tlsf', '-X', 'tlsf', '-m', '512', '-M', '16']);
});

test('an unknown placeholder is an error', () => {
  assert.throws(
    () => renderKamailioConfig(values, 'listen={{LISTEN}}\nfoo={{NOPE}}\n'),
    /unknown placeholder \{\{NOPE\}\}/,
  );
});
