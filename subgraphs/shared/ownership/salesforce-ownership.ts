import type { RecordCache } from '../cache/record-cache.js';
import type { SalesforceConnector } from '../connectors/salesforce/connector.js';
import { RESELLER_TYPE } from '../connectors/salesforce/connector.js';
import { SALESFORCE_KINDS } from '../connectors/salesforce/record-kinds.js';
import type { SalesforceAccount } from '../connectors/salesforce/records.js';
import type { Ownership } from './ownership.js';

/** The reseller an Account belongs to: its Partner_Account__c, or itself for a reseller's own Account (shown to it as its customers' partner). */
export function resellerOf(account: SalesforceAccount): string | null {
  if (account.Type === RESELLER_TYPE) return account.Id;
  return account.Partner_Account__c ?? null;
}

/**
 * Reseller ownership read from the Salesforce Account records through the record cache the
 * accounts subgraph uses: one cached Account answers both the profile and the ownership check,
 * so a partner's request costs Salesforce nothing more once its customers are cached.
 */
export function salesforceOwnership(salesforce: SalesforceConnector, cache: RecordCache): Ownership {
  return {
    async partnerIdsByAccountIds(ids) {
      const accounts = await cache.getMany<SalesforceAccount>(SALESFORCE_KINDS.account, ids, (missing) => salesforce.accountsByIds(missing as string[]));
      return new Map(ids.map((id, i) => [id, accounts[i] ? resellerOf(accounts[i]) : null]));
    },
  };
}
