import type { RecordKind } from '../../cache/record-cache.js';

/**
 * Cache kinds of Salesforce records. `@field` marks a list keyed by that field. Shared by name so
 * that every reader of Salesforce (the accounts subgraph, partner ownership checks) hits the same
 * entries. `lifetime` names the schema type or field whose declared lifetime the records take.
 */
export const SALESFORCE_KINDS = {
  account: { backend: 'salesforce', model: 'Account', lifetime: 'Customer' },
  user: { backend: 'salesforce', model: 'User', lifetime: 'SalesRep' },
  contactsByAccount: { backend: 'salesforce', model: 'Contact@AccountId', lifetime: 'Customer.contacts' },
} as const satisfies Record<string, RecordKind>;
