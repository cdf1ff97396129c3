import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { describeUrl, parseStoreUrl, redactUrl } from '../../../src/store/url.js';

test('sqlite URLs: absolute, relative, triple slash, memory', () => {
  assert.deepEqual(parseStoreUrl('sqlite:/var/lib/sipkit/sipkit.db'), {
    kind: 'sqlite',
    file: '/var/lib/sipkit/sipkit.db',
    memory: false,
  });
  assert.deepEqual(parseStoreUrl('sqlite:///tmp/x.db'), { kind: 'sqlite', file: '/tmp/x.db', memory: false });
  assert.deepEqual(parseStoreUrl('sqlite:data/x.db'), { kind: 'sqlite', file: resolve('data/x.db'), memory: false });
  assert.deepEqual(parseStoreUrl('sqlite::memory:'), { kind: 'sqlite', file: ':memory:', memory: true });
});

test('mysql URLs: defaults, percent-decoding, IPv6, socket, mariadb scheme', () => {
  assert.deepEqual(parseStoreUrl('mysql://kamailio:kamailiorw@localhost/kamailio'), {
    kind: 'mysql',
    host: 'localhost',
    port: 3306,
    user: 'kamailio',
    password: 'kamailiorw',
    database: 'kamailio',
  });
  const u = parseStoreUrl('mariadb://us%40er:p%40ss%2Fw@[::1]:3307/db');
  assert.deepEqual(u, { kind: 'mysql', host: '::1', port: 3307, user: 'us@er', password: 'p@ss/w', database: 'db' });
  assert.equal(describeUrl(u), 'mysql://us%40er:***@[::1]:3307/db');
  const s = parseStoreUrl('mysql://root@localhost/db?socket=/run/mysqld/mysqld.sock');
  assert.equal(s.kind === 'mysql' && s.socketPath, '/run/mysqld/mysqld.sock');
});

test('bad URLs are DB_BAD_URL with the accepted forms, and never show the password', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['postgres://u:p@h/db', /scheme "postgres:" is not supported/],
    ['/var/lib/x.db', /no scheme/],
    ['sqlite:', /no file name/],
    ['mysql://root@localhost', /names no database/],
    ['mysql://root@localhost:99999/db', /not a well-formed URL|out of range/],
    ['mysql://root@localhost/db?ssl=1', /unknown option "ssl"/],
    ['mysql://u:topsecret%zz@h/db', /malformed %-escape/],
  ];
  for (const [url, why] of cases) {
    assert.throws(
      () => parseStoreUrl(url),
      (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.code, 'DB_BAD_URL');
        assert.match(e.message, why);
        assert.match(e.message, /sqlite:\/path\/to\/file\.db/);
        assert.equal(e.message.includes('topsecret'), false);
        return true;
      },
      url,
    );
  }
});

test('redactUrl hides the password even when it is not percent-encoded', () => {
  assert.equal(redactUrl('mysql://u:pw@h:1/db'), 'mysql://u:***@h:1/db');
  assert.equal(redactUrl('mysql://u:p@ss/w@h/db'), 'mysql://u:***@h/db');
  assert.equal(redactUrl('mysql://u@h/db'), 'mysql://u@h/db');
  assert.equal(redactUrl('sqlite:/a:b@c'), 'sqlite:/a:b@c');
});
