export { ClientTransaction, type ClientTransactionOptions } from './client.js';
export { clientKey, isRfc3261Branch, legacyKey, responseKey, serverKey } from './matching.js';
export { ServerTransaction } from './server.js';
export { Transaction, type TransactionState } from './transaction.js';
export * from './transaction-layer.js';
export * from './types.js';
