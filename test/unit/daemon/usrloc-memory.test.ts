/**
 * What a registered contact costs on the heap (issue 14: "100,000 registered contacts cost less
 * than 300 MB"). 20,000 REGISTERs are parsed, decided by the registrar (processRegister) and
 * stored in a memory-only location service, as sipd does; their Authorization nonces go into a
 * NonceCounter as the digest server's replay memory does. The live heap they add, after full
 * collections, is divided by their number. Run in a child process under --expose-gc.
 *
 * Measured here (Node 20, 64-bit V8 without pointer compression): ~560 B per binding (binding
 * object, its strings, the AoR list, the AoR, contact and address index entries) and ~110 B per
 * nonce. Before bindings held flat strings, 1,090 B and 190 B: a ruid straight from randomUUID()
 * (a chain of ~15 cons strings, +420 B), views into the REGISTER text (+300 B or more) or an
 * object per nonce fail these bounds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const N = 20_000;
const PER_BINDING_MAX = 800;
const PER_NONCE_MAX = 160;

const mod = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../../src/${p}`, import.meta.url)));

const script = `
  const core = await import(${mod('core/index.js')});
  const { processRegister } = await import(${mod('daemon/registrar/register.js')});
  const { LocationService } = await import(${mod('daemon/usrloc/location-service.js')});
  const policy = { defaultExpires: 3600, minExpires: 60, maxExpires: 3600, maxContacts: 0 };
  const source = { received: undefined, socket: 'udp:192.0.2.5:5060', connectionId: 0 };
  const location = new LocationService(undefined);
  const nonces = new core.NonceCounter(1_000_000);
  const nonceOf = (i) => 'AAABjKz3Zx8sT0pQ2vN1mRkLwYh5uE9cXa' + String(i).padStart(8, '0');
  // One REGISTER as it comes off the wire: every value kept is cut from this text.
  const parse = (i) => core.parseMessageText(
    'REGISTER sip:example.com SIP/2.0\\r\\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-' + i + '\\r\\n' +
    'From: <sip:u' + i + '@example.com>;tag=' + i + '\\r\\nTo: <sip:u' + i + '@example.com>\\r\\n' +
    'Call-ID: ' + i + '-4711@192.0.2.10\\r\\nCSeq: 2 REGISTER\\r\\n' +
    'Contact: <sip:u' + i + '@192.0.2.10:5060;transport=udp>\\r\\nExpires: 3600\\r\\n' +
    'User-Agent: phone/1.0\\r\\nAuthorization: Digest username="u' + i + '", nonce="' + nonceOf(i) + '"\\r\\n' +
    'Content-Length: 0\\r\\n\\r\\n');
  function register(i) {
    const req = parse(i);
    // The registrar's AoR key is a string of its own (registrar-handler.ts).
    const aor = core.compactString('u' + i + '@example.com');
    const out = processRegister(req, aor, location.current(aor), policy, source, Date.now());
    if (!out.ok) throw new Error(out.reason);
    location.apply(aor, out.bindings, out.added, []);
  }
  // The digest server's replay memory takes the nonce as cut from the request.
  const useNonce = (i) => nonces.use(/nonce="([^"]+)"/.exec(parse(i).get('authorization'))[1], 1, 1000, 301000, 1000);
  const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
  // Warm the paths up (their compiled code is not per binding), then start from empty.
  for (let i = 0; i < 2000; i++) register(${N} + i);
  for (let i = 0; i < 2000; i++) await location.removeAor('u' + (${N} + i) + '@example.com');
  const warm = new core.NonceCounter(10);
  for (let i = 0; i < 2000; i++) warm.use(/nonce="([^"]+)"/.exec(parse(i).get('authorization'))[1], 1, 1000, 301000, 1000);
  const base = heap();
  for (let i = 0; i < ${N}; i++) register(i);
  const withBindings = heap();
  for (let i = 0; i < ${N}; i++) useNonce(i);
  const withNonces = heap();
  console.log(JSON.stringify({
    bindings: location.counts().contacts,
    nonces: nonces.size,
    perBinding: (withBindings - base) / ${N},
    perNonce: (withNonces - withBindings) / ${N},
  }));
`;

test(`a registered contact costs a bounded heap (${N} REGISTERs through the registrar and location)`, (t) => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { bindings: number; nonces: number; perBinding: number; perNonce: number };
  t.diagnostic(`${m.perBinding.toFixed(0)} B per binding, ${m.perNonce.toFixed(0)} B per nonce`);
  assert.equal(m.bindings, N, 'every REGISTER made a binding');
  assert.equal(m.nonces, N, 'every nonce is remembered');
  assert.ok(m.perBinding < PER_BINDING_MAX, `${m.perBinding.toFixed(0)} B per binding (at most ${PER_BINDING_MAX})`);
  assert.ok(m.perNonce < PER_NONCE_MAX, `${m.perNonce.toFixed(0)} B per nonce (at most ${PER_NONCE_MAX})`);
});
