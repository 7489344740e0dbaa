import type { RecordCache } from '../cache/record-cache.js';
import type { SalesforceConnector } from '../connectors/salesforce/connector.js';
import { SALESFORCE_KINDS } from '../connectors/salesforce/record-kinds.js';
import type { SalesforceAccount } from '../connectors/salesforce/records.js';
import type { Ownership } from './ownership.js';

/**
 * Reseller ownership read from the Salesforce Account records through the record cache the
 * accounts subgraph uses: one cached Account answers both the profile and the ownership check,
 * so a partner's request costs Salesforce nothing more once its customers are cached.
 */
export function salesforceOwnership(salesforce: SalesforceConnector, cache: RecordCache): Ownership {
  return {
    async partnerIdsByAccountIds(ids) {
      const accounts = await cache.getMany<SalesforceAccount>(SALESFORCE_KINDS.account, ids, (missing) => salesforce.accountsByIds(missing as string[]));
      return new Map(ids.map((id, i) => [id, accounts[i]?.Partner_Account__c ?? null]));
    },
  };
}
