/** Public surface of the storage layer shared by sipd and sipctl. */
export { openStore, type OpenStoreOptions, type SchemaOps, type Store } from './store.js';
export { StoreError, StoreErrorCodes, isStoreError, type StoreErrorCode } from './errors.js';
export { parseStoreUrl, redactUrl, type StoreUrl } from './url.js';
export type { Dialect, Driver, Queryable, RunResult, SqlValue } from './driver.js';
export type { Subscriber, SubscriberRemoval, PasswordOptions } from './ops/subscribers.js';
export type { Alias } from './ops/aliases.js';
export type { GroupMembership } from './ops/groups.js';
export { parseAvpOwner, type Avp, type AvpFilter, type AvpInput, type AvpType } from './ops/avps.js';
export type { DomainRow } from './ops/domains.js';
export type { Contact, ContactInput, LocationChange } from './ops/location.js';
export type {
  InitResult,
  MigrateOptions,
  MigrateResult,
  MigrationStep,
  SchemaReport,
  TableState,
  TableStatus,
} from './schema/manager.js';
export { TABLE_NAMES } from './schema/tables.js';
export { LOCATION_EXPIRES_DEFAULT } from './datetime.js';
