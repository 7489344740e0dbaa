import { describe, expect, it } from 'vitest';
import { createRecordCache } from '../cache/lru-record-cache.js';
import type { SalesforceConnector } from '../connectors/salesforce/connector.js';
import type { SalesforceAccount } from '../connectors/salesforce/records.js';
import { salesforceOwnership } from './salesforce-ownership.js';

describe('salesforceOwnership', () => {
  it('answers from the cached Account records: a repeat costs Salesforce nothing', async () => {
    const calls: string[][] = [];
    const accounts: Record<string, Partial<SalesforceAccount>> = {
      '001A': { Id: '001A', Partner_Account__c: '001P' },
      '001B': { Id: '001B', Partner_Account__c: null },
    };
    const salesforce = {
      async accountsByIds(ids: readonly string[]) {
        calls.push([...ids]);
        return new Map(ids.flatMap((id) => (accounts[id] ? [[id, accounts[id] as SalesforceAccount] as const] : [])));
      },
    } as unknown as SalesforceConnector;
    const ownership = salesforceOwnership(salesforce, createRecordCache({ tenant: 'test' }));
    const first = await ownership.partnerIdsByAccountIds(['001A', '001B', '001C']);
    expect([...first]).toEqual([['001A', '001P'], ['001B', null], ['001C', null]]);
    expect(await ownership.partnerIdsByAccountIds(['001A', '001B'])).toEqual(new Map([['001A', '001P'], ['001B', null]]));
    expect(calls).toEqual([['001A', '001B', '001C']]);
  });
});
