/** What every operation family shares: the driver and cached facts about the database's shape. */
import type { Driver } from '../driver.js';
import { columnNames, tableNames } from '../schema/catalog.js';

export interface Facts {
  tables: Set<string>;
  /** subscriber.ha1_sha256 exists (absent in Kamailio-created databases). */
  ha1Sha256: boolean;
}

export class OpsContext {
  private cached: Promise<Facts> | null = null;
  constructor(readonly d: Driver) {}

  /** Read once per store (and again after init/migrate): one catalog query per process, not per call. */
  facts(): Promise<Facts> {
    if (!this.cached) {
      this.cached = (async () => {
        const tables = await tableNames(this.d);
        const ha1Sha256 = tables.has('subscriber') && (await columnNames(this.d, 'subscriber')).has('ha1_sha256');
        return { tables, ha1Sha256 };
      })();
      this.cached.catch(() => (this.cached = null));
    }
    return this.cached;
  }

  invalidate(): void {
    this.cached = null;
  }
}
