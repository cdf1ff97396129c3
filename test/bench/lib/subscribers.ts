/**
 * The subscriber database both servers authenticate against: an SQLite file created with
 * Kamailio's own db_sqlite scripts (what `kamdbctl create` runs), filled with the bench's
 * subscribers (ha1/ha1b as kamctl and sipctl write them, realm = domain), and the sipp injection
 * CSV listing the same users and passwords.
 *
 * Why SQLite and not a throwaway MariaDB database: sipd's embedded default is SQLite, so both
 * servers then read credentials from the same kind of local file (auth_db over db_sqlite, sipd's
 * store over better-sqlite3) and neither pays a network round trip the other does not; the
 * bench also needs no database server, and no cleanup beyond a temp dir.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { computeHa1, computeHa1b } from '../../../src/core/auth/ha1.js';
import { kamailioSchemaSql, kamailioScriptsMissing } from '../../helpers/kamailio.js';

/** Why Kamailio's db_sqlite scripts cannot be used, or null when they can. */
export function kamailioSqlMissing(): string | null {
  return kamailioScriptsMissing('db_sqlite');
}

export interface Subscriber {
  user: string;
  password: string;
}

/** `count` load-test subscribers u00000, u00001, ... with distinct passwords. */
export function benchSubscribers(count: number, prefix = 'u'): Subscriber[] {
  const width = Math.max(5, String(count - 1).length);
  return Array.from({ length: count }, (_, i) => ({
    user: `${prefix}${String(i).padStart(width, '0')}`,
    password: `pw${(i * 7919 + 13).toString(36)}x`,
  }));
}

/** Creates `path` from Kamailio's db_sqlite scripts (what `kamdbctl create` runs). */
export function createKamailioDb(path: string): void {
  const db = new Database(path);
  try {
    db.exec(kamailioSchemaSql('db_sqlite'));
  } finally {
    db.close();
  }
}

/** Inserts subscribers in one transaction, hashes as kamctl computes them (realm = domain). */
export function insertSubscribers(path: string, domain: string, subs: Subscriber[]): void {
  const db = new Database(path);
  try {
    const ins = db.prepare('INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const s of subs) {
        ins.run(
          s.user,
          domain,
          '',
          computeHa1(s.user, domain, s.password),
          computeHa1b(s.user, domain, domain, s.password),
        );
      }
    })();
  } finally {
    db.close();
  }
}

export function copyDb(from: string, to: string): void {
  copyFileSync(from, to);
}

/** sipp injection file: `RANDOM` order, fields user;password. */
export function writeInfCsv(path: string, subs: Subscriber[], order: 'RANDOM' | 'SEQUENTIAL' = 'RANDOM'): void {
  writeFileSync(path, [order, ...subs.map((s) => `${s.user};${s.password}`)].join('\n') + '\n');
}

/** Rows of `subscriber` with the given user (to check what another tool wrote). */
export function subscriberRow(path: string, user: string, domain: string): { ha1: string } | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT ha1 FROM subscriber WHERE username = ? AND domain = ?').get(user, domain) as
      { ha1: string } | undefined;
  } finally {
    db.close();
  }
}

/** What a bench's servers and sipps share: its subscribers, their database and -inf file, the callee. */
export interface SubscriberFixture {
  subs: Subscriber[];
  callee: Subscriber;
  /** Kamailio-shaped SQLite file with every subscriber (sipd's database, Kamailio's auth_db) */
  db: string;
  /** sipp -inf CSV of the subscribers */
  csv: string;
}

/** `count` subscribers of `domain` in dir/subscribers.sqlite and dir/subscribers.csv, and the callee. */
export function subscriberFixture(
  dir: string,
  domain: string,
  count: number,
  order: 'RANDOM' | 'SEQUENTIAL' = 'RANDOM',
): SubscriberFixture {
  const subs = benchSubscribers(count);
  const db = join(dir, 'subscribers.sqlite');
  createKamailioDb(db);
  insertSubscribers(db, domain, subs);
  const csv = join(dir, 'subscribers.csv');
  writeInfCsv(csv, subs, order);
  return { subs, callee: { user: 'callee', password: 'callee-secret' }, db, csv };
}

/**
 * A bench run's temporary folder, removed by remove() and at exit (also on Ctrl-C: lib/procs.ts
 * exits the process after killing the servers), unless `keep`.
 */
export function benchTmpDir(prefix: string, keep = false): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const drop = () => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', drop);
  return {
    dir,
    remove: () => {
      process.removeListener('exit', drop);
      drop();
    },
  };
}
