import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { parseDomain, parseUser } from '../../../src/ctl/aor.js';

const usage = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.USAGE && re.test(e.message));

test('user, user@domain and sip:user@domain; the domain is lower-cased, the user kept', () => {
  assert.deepEqual(parseUser('Alice@Example.COM', undefined), {
    username: 'Alice',
    domain: 'example.com',
    aor: 'Alice@example.com',
  });
  assert.equal(parseUser('sip:bob@example.com', undefined).aor, 'bob@example.com');
  assert.equal(parseUser('sips:bob@example.com', undefined).aor, 'bob@example.com');
  assert.equal(parseUser('carol', 'example.org').aor, 'carol@example.org');
  assert.equal(parseUser('1001@192.0.2.10', undefined).domain, '192.0.2.10');
  assert.equal(parseUser('x@[2001:db8::1]', undefined).domain, '[2001:db8::1]');
  assert.equal(parseUser('a%40b@example.com', undefined).username, 'a%40b', 'escaped characters are kept');
  usage(() => parseUser('a@b@example.com', undefined), /not a valid SIP user part/);
});

test('a user without @domain and no default domain is a usage error naming SIP_DOMAIN and --domain', () => {
  try {
    parseUser('carol', undefined);
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof CliError);
    assert.equal(e.exitCode, ExitCode.USAGE);
    assert.match(e.message, /"carol" has no @domain/);
    assert.ok(e.actions.some((a) => a.includes('SIP_DOMAIN')));
    assert.ok(e.actions.some((a) => a.includes('--domain')));
  }
  usage(() => parseUser('carol', ''), /no @domain/);
});

test('malformed users and domains are usage errors', () => {
  usage(() => parseUser('@example.com', undefined), /user part is empty/);
  usage(() => parseUser('alice@', undefined), /nothing after "@"/);
  usage(() => parseUser('al ice@example.com', undefined), /not a valid SIP user part/);
  usage(() => parseUser('alice@exa mple.com', undefined), /host name or an IP address/);
  usage(() => parseUser('alice@-bad-.com', undefined), /host name/);
  usage(() => parseDomain('under_score.com'), /host name/);
  assert.equal(parseDomain('Example.COM.'), 'example.com');
});
