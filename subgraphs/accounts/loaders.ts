import DataLoader from 'dataloader';
import type { RecordCache, RecordKey, RecordKind, StaleObserver } from '../shared/cache/record-cache.js';
import { SALESFORCE_KINDS } from '../shared/connectors/salesforce/record-kinds.js';
import { MAX_IDS_PER_QUERY, MAX_RETRIEVE_IDS, type SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { SalesforceAccount, SalesforceContact, SalesforceUser } from '../shared/connectors/salesforce/records.js';

export { SALESFORCE_KINDS } from '../shared/connectors/salesforce/record-kinds.js';

/** The loaders of one request; keys are 18-character ids. Each batch is one cache lookup whose misses are one connector call. */
export interface AccountsLoaders {
  accountById: DataLoader<string, SalesforceAccount | null>;
  userById: DataLoader<string, SalesforceUser | null>;
  /** An account's contacts (an empty list when it has none). */
  contactsByAccountId: DataLoader<string, SalesforceContact[]>;
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

/** Creates the loaders of one request. */
export function createAccountsLoaders(salesforce: SalesforceConnector, cache: RecordCache, stale: StaleObserver): AccountsLoaders {
  const contacts = cachedLoader<SalesforceContact[]>(cache, SALESFORCE_KINDS.contactsByAccount, (ids) => salesforce.contactsByAccountIds(ids), stale, MAX_IDS_PER_QUERY);
  return {
    accountById: cachedLoader(cache, SALESFORCE_KINDS.account, (ids) => salesforce.accountsByIds(ids), stale, MAX_RETRIEVE_IDS),
    userById: cachedLoader(cache, SALESFORCE_KINDS.user, (ids) => salesforce.usersByIds(ids), stale, MAX_RETRIEVE_IDS),
    contactsByAccountId: new DataLoader<string, SalesforceContact[]>(async (ids) => (await contacts.loadMany(ids)).map((r) => (r instanceof Error ? r : (r ?? []))), {
      maxBatchSize: MAX_IDS_PER_QUERY,
      // The inner loader batches and caches; this one only turns "none" into [].
      cache: false,
    }),
  };
}
