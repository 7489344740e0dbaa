import type { RecordKind } from '../../cache/record-cache.js';

/**
 * Cache kinds of Salesforce records. `@field` marks a list keyed by that field. Shared by name so
 * that every reader of Salesforce (the accounts subgraph, partner ownership checks) hits the same
 * entries.
 */
export const SALESFORCE_KINDS = {
  account: { backend: 'salesforce', model: 'Account', cacheClass: 'profile' },
  user: { backend: 'salesforce', model: 'User', cacheClass: 'profile' },
  contactsByAccount: { backend: 'salesforce', model: 'Contact@AccountId', cacheClass: 'list' },
} as const satisfies Record<string, RecordKind>;
