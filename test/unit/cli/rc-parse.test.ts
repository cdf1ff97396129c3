import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { parseRc } from '../../../src/cli/rc-parse.js';

const parse = (text: string, env: Record<string, string> = {}) =>
  Object.fromEntries(parseRc(text, 'test.rc', (n) => env[n], '/home/op').map((a) => [a.key, a.value]));

test('kamctlrc-style assignments, quotes and comments', () => {
  const text = [
    '# The Kamailio configuration file for the control tools.',
    '## your SIP domain',
    'SIP_DOMAIN=example.com',
    '',
    '   DBENGINE=MYSQL   # trailing comment',
    'DBRWPW="it\'s a \\"secret\\" #1"',
    "ACL_GROUPS='local ld int voicemail free-pstn'",
    'export DBHOST=db1.example.com',
    'DBPORT=3307; DBNAME=kam',
    'DB_PATH=~/sip.db',
    'STORE_PLAINTEXT_PW=',
    'DBRWUSER=a#b',
  ].join('\n');
  assert.deepEqual(parse(text), {
    SIP_DOMAIN: 'example.com',
    DBENGINE: 'MYSQL',
    DBRWPW: 'it\'s a "secret" #1',
    ACL_GROUPS: 'local ld int voicemail free-pstn',
    DBHOST: 'db1.example.com',
    DBPORT: '3307',
    DBNAME: 'kam',
    DB_PATH: '/home/op/sip.db',
    STORE_PLAINTEXT_PW: '',
    DBRWUSER: 'a#b',
  });
});

test('$NAME and ${NAME} expand earlier keys, then the environment; single quotes stay literal', () => {
  const text = 'BASE=/srv/sip\nDB_PATH=$BASE/db.sqlite\nSIPD_RUN_DIR="${XDG_RUNTIME_DIR}/sipkit"\nDBRWPW=\'$BASE\'\n';
  assert.deepEqual(parse(text, { XDG_RUNTIME_DIR: '/run/user/1000' }), {
    BASE: '/srv/sip',
    DB_PATH: '/srv/sip/db.sqlite',
    SIPD_RUN_DIR: '/run/user/1000/sipkit',
    DBRWPW: '$BASE',
  });
  assert.equal(parse('A=$UNSET-x').A, '-x', 'unset variables expand to nothing, as in sh');
  assert.equal(parse('A=cost\\$5').A, 'cost$5');
});

test('CRLF line endings are tolerated', () => {
  assert.deepEqual(parse('SIP_DOMAIN=a.example\r\nDBHOST="h" # c\r\n'), { SIP_DOMAIN: 'a.example', DBHOST: 'h' });
});

function syntaxError(text: string, ...mentions: string[]) {
  assert.throws(
    () => parse(text),
    (e) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.exitCode, ExitCode.USAGE);
      for (const m of mentions) assert.ok(e.message.includes(m), `"${m}" not in ${e.message}`);
      return true;
    },
  );
}

test('nothing is ever executed: shell constructs are syntax errors naming file and line', () => {
  syntaxError('A=1\nDBRWPW=$(cat /etc/shadow)\n', 'test.rc:2', 'command substitution');
  syntaxError('DBRWPW=`id`', 'test.rc:1', 'command substitution');
  syntaxError('DBRWPW="x`id`"', 'command substitution');
  syntaxError('DBRWPW="$(id)"', 'command substitution');
  syntaxError('\n\nrm -rf /tmp/x', 'test.rc:3', 'expected KEY=value');
  syntaxError('if [ -f x ]; then A=1; fi', 'expected KEY=value');
  syntaxError('A=one two', 'one word');
  syntaxError('A=x | tee', 'one word');
  syntaxError('A=x>y', 'unexpected');
  syntaxError('A="unterminated\n', 'unterminated double quote');
  syntaxError("A='unterminated", 'unterminated single quote');
  syntaxError('A=${B:-c}', 'only ${NAME}');
  syntaxError('A = 1', 'expected KEY=value');
});

test('a double-quoted value may span lines; line numbers stay right after it', () => {
  const a = parseRc('A="x\ny"\n\nB=', 'f', () => undefined);
  assert.deepEqual(
    a.map((x) => [x.key, x.value, x.line]),
    [
      ['A', 'x\ny', 1],
      ['B', '', 4],
    ],
  );
});
