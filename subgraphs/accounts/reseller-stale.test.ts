import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/authz/principal.js';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { createRecordCache } from '../shared/cache/lru-record-cache.js';
import { createSalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { salesforceId } from '../../sandbox/world/salesforce-id.js';
import { createAccountsSubgraph } from './index.js';

/**
 * A partner asking for its own reseller Account by id: not a customer, so null, and past the
 * Account's lifetime `extensions.stale` must not name it either (the fuzz suite found it named:
 * the row filter had shown the record, which the partner may see as its customers' `partner`).
 */
const PAST_TTL = 301_000;
const QUERY = 'query($id: ID!) { customer(id: $id) { id } }';
let sandbox: SalesforceSandbox;
let backend: RunningSandbox;
let subgraph: RunningSubgraph;
let clock = Date.now();
let principal: Principal;

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 60 });
  backend = await sandbox.listen(0);
  const salesforce = createSalesforceConnector({ loginUrl: backend.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', timeoutMs: 2000, multiCurrency: true });
  const cache = createRecordCache({ tenant: 'retail', now: () => clock });
  subgraph = await (await createAccountsSubgraph({ salesforce, cache, authenticate: () => principal })).listen(0);
  principal = { sub: 'r', roles: ['partner'], scopes: new Set(['customer:read']), partnerId: sandbox.world.skeleton.resellers[0]!.accountId };
});
afterAll(async () => {
  await subgraph?.close();
  await backend?.close();
});

const answer = async (id: string) => {
  const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables: { id } }) });
  return res.text();
};

describe('a reseller Account asked for as a customer', () => {
  it('answers like a nonexistent id, past its lifetime too, extensions included', async () => {
    const own = sandbox.world.skeleton.resellers[0]!.accountId;
    const unknown = salesforceId('001', 999_999);
    await answer(own);
    await answer(unknown);
    clock += PAST_TTL;
    const [a, b] = [await answer(own), await answer(unknown)];
    expect(JSON.parse(a)).toEqual({ data: { customer: null } });
    expect(a).toBe(b);
  });
});
