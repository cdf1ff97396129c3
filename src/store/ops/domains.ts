/** Domains served (table `domain`, Kamailio's domain module; kamctl domain add|rm|showdb). */
import { nowDbDatetime } from '../datetime.js';
import { StoreError, storeError } from '../errors.js';
import type { OpsContext } from './context.js';
import { checkText } from './validate.js';

export interface DomainRow {
  domain: string;
  /** Domain id for domain_attrs; null when unset (the usual case). */
  did: string | null;
  lastModified: string;
}

const T = 'domain';

export class DomainOps {
  constructor(private readonly ctx: OpsContext) {}

  async add(domain: string, opts: { did?: string } = {}): Promise<DomainRow> {
    checkText(T, 'domain', domain, 'The domain', true);
    const did = opts.did === undefined ? null : checkText(T, 'did', opts.did, 'The domain id');
    const row = { domain, did, lastModified: nowDbDatetime() };
    try {
      await this.ctx.d.run('INSERT INTO `domain` (`domain`, `did`, `last_modified`) VALUES (?, ?, ?)', [
        domain,
        did,
        row.lastModified,
      ]);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'DB_CONFLICT') {
        throw storeError('DB_CONFLICT', `Domain ${domain} already exists in ${this.ctx.d.where}`, [], { domain }, err);
      }
      throw err;
    }
    return row;
  }

  async remove(domain: string): Promise<void> {
    checkText(T, 'domain', domain, 'The domain', true);
    const r = await this.ctx.d.run('DELETE FROM `domain` WHERE `domain` = ?', [domain]);
    if (r.changes === 0) {
      throw storeError('DB_NOT_FOUND_ROW', `No domain ${domain} in ${this.ctx.d.where}`, [], { domain });
    }
  }

  async list(): Promise<DomainRow[]> {
    const rows = await this.ctx.d.all<{ domain: string; did: string | null; last_modified: string }>(
      'SELECT `domain`, `did`, `last_modified` FROM `domain` ORDER BY `domain`',
    );
    return rows.map((r) => ({ domain: r.domain, did: r.did, lastModified: r.last_modified }));
  }

  async exists(domain: string): Promise<boolean> {
    return (await this.ctx.d.all('SELECT 1 FROM `domain` WHERE `domain` = ?', [domain])).length > 0;
  }
}
