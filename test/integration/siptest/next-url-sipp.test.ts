/**
 * sipp 3.6.1 sends "ACK  SIP/2.0" (an empty Request-URI) when a scenario addresses [next_url] and
 * the 2xx had no Contact. sipp as UAS takes it (it reads only the method); siptest as UAS must
 * too. The same sipp client runs against sipp and against siptest with the same UAS scenario.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixturesDir } from '../../helpers/fixtures.js';
import { waitBound } from '../../helpers/proc-net.js';
import { freeUdpPort, requireSipp, runProc, siptest } from '../../helpers/procs.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-next-url-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CALLS = 5;
const scenario = (name: string) => join(fixturesDir, 'scenarios', name);

for (const uas of ['sipp', 'siptest'] as const) {
  test(`sipp's "ACK  SIP/2.0" and "BYE  SIP/2.0" are matched by a ${uas} UAS`, { skip }, async () => {
    const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
    const serverArgs = ['-sf', scenario('no-contact-uas.xml'), '-i', '127.0.0.1', '-p', String(sp)];
    serverArgs.push('-m', String(CALLS), '-nostdin');
    const server =
      uas === 'sipp'
        ? runProc(sipp!, serverArgs, { cwd: dir, timeoutMs: 40000 })
        : siptest([...serverArgs, '--json'], { cwd: dir, timeoutMs: 40000 });
    await waitBound('udp', sp);
    const log = join(dir, `${uas}-uac-messages.log`);
    const client = await runProc(
      sipp!,
      [`127.0.0.1:${sp}`, '-sf', scenario('next-url-uac.xml'), '-i', '127.0.0.1', '-p', String(cp)].concat([
        '-m',
        String(CALLS),
        '-r',
        '10',
        '-nostdin',
        '-trace_msg',
        '-message_file',
        log,
      ]),
      { cwd: dir, timeoutMs: 40000 },
    );
    const s = await server;
    const sent = readFileSync(log, 'latin1');
    assert.equal(sent.match(/^ACK {2}SIP\/2\.0\r$/gm)?.length, CALLS, sent.slice(0, 3000));
    assert.equal(sent.match(/^BYE {2}SIP\/2\.0\r$/gm)?.length, CALLS);
    assert.equal(client.code, 0, client.stdout.slice(-2000));
    assert.equal(s.code, 0, s.stderr + s.stdout.slice(-2000));
    if (uas === 'siptest') {
      const summary = JSON.parse(s.stdout).result;
      assert.equal(summary.calls.successful, CALLS);
      assert.equal(summary.calls.failed, 0);
    }
  });
}
