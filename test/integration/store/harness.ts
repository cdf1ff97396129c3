/**
 * The backend-independent part of the store contract suite: a backend hands out the URL of an
 * empty database per test; the suite opens stores on it and closes them after each test.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import {
  openStore,
  StoreError,
  type OpenStoreOptions,
  type Store,
  type StoreErrorCode,
} from '../../../src/store/index.js';

export interface ContractBackend {
  name: 'sqlite' | 'mysql';
  /** URL of an empty database for one test (nothing of the previous test remains). */
  freshUrl(): Promise<string>;
}

export interface Harness {
  /** Opens a store on this test's database (default: create the schema). */
  open(opts?: OpenStoreOptions): Promise<Store>;
  url(): string;
  backend: ContractBackend;
}

export function harness(backend: ContractBackend): Harness {
  const opened: Store[] = [];
  let url = '';
  beforeEach(async () => {
    url = await backend.freshUrl();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return {
    backend,
    url: () => url,
    async open(opts: OpenStoreOptions = { schema: 'create' }) {
      const s = await openStore(url, opts);
      opened.push(s);
      return s;
    },
  };
}

/** SQL that makes every DELETE on `location` fail (fault injection for the cascade test). */
export function failingDeleteTrigger(dialect: 'sqlite' | 'mysql'): string {
  return dialect === 'sqlite'
    ? "CREATE TRIGGER fail_location_delete BEFORE DELETE ON location BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
    : "CREATE TRIGGER fail_location_delete BEFORE DELETE ON location FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'";
}

/** Awaits a promise that must reject with a StoreError of this code; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof StoreError) || err.code !== code) {
      const e = err as { name?: string; code?: string; message?: string };
      throw new Error(`expected StoreError ${code}, got ${e.name} ${e.code}: ${e.message}`);
    }
    // Messages go to users: one line, no stack trace.
    assert.doesNotMatch(err.message, /\n|\bat .*\.js:\d+/);
    return err;
  }
  throw new Error(`expected StoreError ${code}, but the call succeeded`);
}

export const ISO_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Values that break string-built SQL or naive encodings; all must round-trip verbatim. */
export const NASTY = [
  "O'Brien",
  'back\\slash\\\\',
  '"double" `tick`',
  '100%_done',
  '%',
  '_',
  '😀🎉',
  '中文用户',
  'DROP TABLE subscriber; --',
  "' OR '1'='1",
  'SELECT',
  'NULL',
  'tab\there',
];
