/**
 * Upgrades driven by the `version` table. Each step moves one table from one Kamailio version
 * to the next, with the ALTERs Kamailio's upgrade notes give (kamailio.org/wiki/install/upgrade).
 * SQLite does not enforce VARCHAR lengths, so widening steps are a version bump only there.
 *
 * Older versions than the first step of a table have no automatic path: the error says so.
 */
import type { Dialect } from '../driver.js';

export interface Migration {
  table: string;
  from: number;
  to: number;
  description: string;
  mysql: string[];
  sqlite: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    table: 'subscriber',
    from: 6,
    to: 7,
    description: 'Kamailio 4.4 → 5.0: password VARCHAR(25→64), ha1 and ha1b VARCHAR(64→128)',
    mysql: [
      "ALTER TABLE `subscriber` MODIFY `password` VARCHAR(64) DEFAULT '' NOT NULL, " +
        "MODIFY `ha1` VARCHAR(128) DEFAULT '' NOT NULL, MODIFY `ha1b` VARCHAR(128) DEFAULT '' NOT NULL",
    ],
    sqlite: [],
  },
  {
    table: 'location',
    from: 8,
    to: 9,
    description: 'Kamailio 5.0 → 5.1: contact VARCHAR(255→512)',
    mysql: ["ALTER TABLE `location` MODIFY `contact` VARCHAR(512) DEFAULT '' NOT NULL"],
    sqlite: [],
  },
];

/** The chain of steps from `from` to `to` for a table, or null when there is none. */
export function migrationPath(table: string, from: number, to: number): Migration[] | null {
  const path: Migration[] = [];
  let v = from;
  while (v < to) {
    const step = MIGRATIONS.find((m) => m.table === table && m.from === v);
    if (!step) return null;
    path.push(step);
    v = step.to;
  }
  return v === to ? path : null;
}

export const statementsFor = (m: Migration, dialect: Dialect): string[] => m[dialect];
