/**
 * Input checks done before any SQL, identical on both backends: SQLite would silently store a
 * 300-character username in a VARCHAR(64) that MySQL rejects, so sipkit checks the Kamailio
 * column lengths itself (in characters, as MySQL's utf8mb4 counts them).
 */
import { storeError } from '../errors.js';
import { maxLength } from '../schema/tables.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks a text value for `table.column`; `required` refuses the empty string. */
export function checkText(table: string, column: string, value: unknown, label: string, required = false): string {
  if (typeof value !== 'string') {
    throw storeError('DB_BAD_INPUT', `${label} must be text`, [], { table, column });
  }
  if (required && value === '') {
    throw storeError('DB_BAD_INPUT', `${label} must not be empty`, [], { table, column });
  }
  if (value.includes('\0') || LONE_SURROGATE.test(value)) {
    throw storeError('DB_BAD_INPUT', `${label} contains a NUL character or invalid UTF-16`, [], { table, column });
  }
  const max = maxLength(table, column);
  if (max !== undefined) {
    const len = [...value].length;
    if (len > max) {
      throw storeError(
        'DB_BAD_INPUT',
        `${label} is ${len} characters long; ${table}.${column} holds at most ${max}`,
        ['Use a shorter value'],
        { table, column, length: len, max },
      );
    }
  }
  return value;
}

export function checkInt(value: unknown, label: string, min = -2147483648, max = 2147483647): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw storeError('DB_BAD_INPUT', `${label} must be an integer between ${min} and ${max}`, []);
  }
  return value;
}

/** "user@domain" for messages. */
export const aor = (username: string, domain: string | null) => (domain === null ? username : `${username}@${domain}`);
