/** Table columns of sipctl's human output (one place, so list and show agree). */
import type { AliasView } from '../../ctl/aliases.js';
import type { MembershipView } from '../../ctl/acl.js';
import type { SubscriberView } from '../../ctl/subscribers.js';
import type { UlContact } from '../../ctl/ul.js';
import type { Avp, DomainRow } from '../../store/index.js';
import type { Column } from '../output.js';

/** sipctl list / show: the HA1 column only with --show-secrets (a password equivalent). */
export const subscriberColumns = (showSecrets: boolean): Column<SubscriberView>[] => [
  { header: 'USER', get: 'aor', style: (t, _r, c) => c.cyan(t) },
  ...(showSecrets ? [{ header: 'HA1', get: 'ha1' } as const] : []),
  { header: 'PLAINTEXT', get: (s) => (s.plaintextStored ? 'stored' : 'no') },
];

/** kamctl show <user>: every column but the plaintext password. */
/**
 * A subscriber's row for `sipctl show USER`. A HA1 is a password equivalent (it answers any digest
 * challenge of its realm), so the hashes are printed only with --show-secrets, as under --json.
 */
export const subscriberEntries = (s: SubscriberView, showSecrets = false): Array<[string, unknown]> => [
  ['user', s.aor],
  ['username', s.username],
  ['domain', s.domain],
  ...(['ha1', 'ha1b', 'ha1_sha256'] as const).map((name): [string, unknown] => {
    const value = name === 'ha1' ? s.ha1 : name === 'ha1b' ? s.ha1b : s.ha1Sha256;
    if (value === undefined || value === null) return [name, '(no column)'];
    return [name, showSecrets ? value : '(hidden: --show-secrets prints it)'];
  }),
  ['plaintext password', s.plaintextStored ? 'stored (STORE_PLAINTEXT_PW=1)' : 'not stored'],
];

export const aliasColumns: Column<AliasView>[] = [
  { header: 'ALIAS', get: 'alias', style: (t, _r, c) => c.cyan(t) },
  { header: 'USER', get: 'target' },
];

export const membershipColumns: Column<MembershipView>[] = [
  { header: 'USER', get: 'aor', style: (t, _r, c) => c.cyan(t) },
  { header: 'GROUP', get: 'group' },
  { header: 'SINCE', get: 'lastModified', style: (t, _r, c) => c.dim(t) },
];

export const avpColumns: Column<Avp>[] = [
  { header: 'ID', get: 'id', align: 'right' },
  { header: 'UUID', get: 'uuid' },
  { header: 'USER', get: (a) => (a.username ? `${a.username}@${a.domain}` : '') },
  { header: 'ATTRIBUTE', get: 'attribute', style: (t, _r, c) => c.cyan(t) },
  { header: 'TYPE', get: 'type', align: 'right' },
  { header: 'VALUE', get: 'value' },
];

export const domainColumns = (served: string[] | null): Column<DomainRow>[] => [
  { header: 'DOMAIN', get: 'domain', style: (t, _r, c) => c.cyan(t) },
  { header: 'DID', get: 'did' },
  { header: 'SINCE', get: 'lastModified', style: (t, _r, c) => c.dim(t) },
  ...(served
    ? [
        {
          header: 'IN SIPD',
          get: (d: DomainRow) => (served.includes(d.domain) ? 'yes' : 'not loaded'),
        } as Column<DomainRow>,
      ]
    : []),
];

/** One row per contact: kamctl ul show's fields. */
export interface ContactRow extends UlContact {
  aor: string;
}

/** "3599 s", "permanent", "expired". */
export const expiresIn = (e: number | null) => (e === null ? 'permanent' : e <= 0 ? 'expired' : `${e} s`);

export const contactColumns: Column<ContactRow>[] = [
  { header: 'AOR', get: 'aor', style: (t, _r, c) => c.cyan(t) },
  { header: 'CONTACT', get: 'address' },
  { header: 'EXPIRES IN', get: (r) => expiresIn(r.expires), align: 'right' },
  { header: 'Q', get: (r) => r.q.toFixed(2), align: 'right' },
  { header: 'RECEIVED', get: 'received' },
  { header: 'TRANSPORT', get: 'transport' },
  { header: 'USER AGENT', get: 'user_agent', style: (t, _r, c) => c.dim(t) },
];
