import DataLoader from 'dataloader';
import type { Principal } from '../../platform/authz/principal.js';
import type { RecordCache, RecordKey, RecordKind, StaleObserver } from '../shared/cache/record-cache.js';
import { SALESFORCE_KINDS } from '../shared/connectors/salesforce/record-kinds.js';
import { MAX_IDS_PER_QUERY, MAX_RETRIEVE_IDS, RESELLER_TYPE, type SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { SalesforceAccount, SalesforceContact, SalesforceUser } from '../shared/connectors/salesforce/records.js';
import { ownedByKey, ownedByRecord, ownedLoader, sharedLoader, type RowLoader } from '../shared/data-access/owned-loader.js';
import { NO_OWNER, type RowFilter } from '../shared/data-access/row-filter.js';
import { settled } from '../shared/data-access/settled.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import { resellerOf } from '../shared/ownership/salesforce-ownership.js';

/**
 * What the accounts resolvers read; keys are 18-character ids, each batch one cache lookup whose
 * misses are one connector call. Accounts and contacts go through the row filter (a partner gets
 * its own customers, and its own Account as their reseller; null for the rest, as for unknown
 * ids); sales reps are shared.
 */
export interface AccountsLoaders {
  /** Accounts by id, resellers included: a partner sees its own Account (as its customers' `partner`). */
  accountById: RowLoader<string, SalesforceAccount>;
  /**
   * Customers by id: a reseller's own Account is nobody's customer, so a partner asking for it by
   * id learns nothing, not even what the cache held of it.
   */
  customerById: RowLoader<string, SalesforceAccount>;
  userById: RowLoader<string, SalesforceUser>;
  /** An account's contacts (an empty list when it has none; null when the account is not the caller's). */
  contactsByAccountId: RowLoader<string, SalesforceContact[]>;
  /** A page of customers by name; a partner's search is its own customers' only, in SOQL and row by row. */
  searchCustomers(args: { text?: string; limit: number; offset: number }): Promise<{ totalSize: number; records: SalesforceAccount[] }>;
}

function cachedLoader<V>(
  cache: RecordCache,
  kind: RecordKind,
  load: (keys: string[]) => Promise<Map<string, V>>,
  stale: StaleObserver,
  maxBatchSize: number,
): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    (keys) => cache.getMany<V>(kind, keys, (missing) => load(missing as string[]) as Promise<Map<RecordKey, V>>, stale),
    { maxBatchSize },
  );
}

/** What the data-access layer needs of the request. */
export interface AccountsRequest {
  principal: Principal | null;
  /** The response's stale collector, for shared records. */
  stale: StaleObserver;
  /** Makes the request's row filter over an ownership source. */
  rows(ownership: Ownership): RowFilter;
}

/**
 * Creates the data-access layer of one request and its row filter. Ownership is read from the
 * same Account records the profile comes from (this request's loader): checking a customer costs
 * no call beyond reading it.
 */
export function createAccountsLoaders(salesforce: SalesforceConnector, cache: RecordCache, request: AccountsRequest): { loaders: AccountsLoaders; rows: RowFilter } {
  const rows = request.rows({
    async partnerIdsByAccountIds(ids) {
      const found = settled(await accounts.loadMany(ids));
      return new Map(ids.map((id, i) => [id, found[i] ? resellerOf(found[i]) : null]));
    },
  });
  const accounts = cachedLoader(cache, SALESFORCE_KINDS.account, (ids) => salesforce.accountsByIds(ids), rows.observer, MAX_RETRIEVE_IDS);
  const accountById = ownedLoader(rows, accounts, ownedByRecord<string, SalesforceAccount>(SALESFORCE_KINDS.account, (a) => ({ accountId: a.Id, via: [] })));
  const customerById = ownedLoader(rows, accounts, ownedByRecord<string, SalesforceAccount>(SALESFORCE_KINDS.account, (a) => (a.Type === RESELLER_TYPE ? NO_OWNER : { accountId: a.Id, via: [] })));
  const contacts = cachedLoader<SalesforceContact[]>(cache, SALESFORCE_KINDS.contactsByAccount, (ids) => salesforce.contactsByAccountIds(ids), rows.observer, MAX_IDS_PER_QUERY);
  const loaders: AccountsLoaders = {
    accountById,
    customerById,
    userById: sharedLoader(cachedLoader(cache, SALESFORCE_KINDS.user, (ids) => salesforce.usersByIds(ids), request.stale, MAX_RETRIEVE_IDS)),
    contactsByAccountId: ownedLoader(rows, contacts, ownedByKey<string, SalesforceContact[]>(SALESFORCE_KINDS.contactsByAccount, (id) => ({ accountId: id, via: [] }))),
    async searchCustomers({ text, limit, offset }) {
      // A partner's search is narrowed in SOQL (a malformed reseller id finds nothing, without a call).
      const partnerId = rows.restricted ? (request.principal?.partnerId ?? '') : undefined;
      const { totalSize, records } = await salesforce.searchAccounts({ text, partnerId, limit, offset });
      for (const r of records) accounts.prime(r.Id, r);
      const admitted = await Promise.all(records.map((r) => accountById.admit(r.Id, r)));
      return { totalSize, records: admitted.filter((r): r is SalesforceAccount => r !== null) };
    },
  };
  return { loaders, rows };
}
