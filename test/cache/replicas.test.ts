import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../../sandbox/odoo/index.js';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../sandbox/salesforce/index.js';
import { ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import { startRedisServer as startTestRedis, type TestRedisServer as TestRedis } from '../../platform/testing/redis-server.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * Two replicas of the whole stack (gateway and subgraphs) over the same backends and one Redis:
 * after a write through one, the next read through the other shows the new value, although both
 * had the old one cached (record cache and response cache).
 */
let redis: TestRedis;
let a: TestSystem;
let b: TestSystem;
beforeAll(async () => {
  redis = await startTestRedis();
  a = await startTestSystem({ settings: testSettings({ redisUrl: redis.url }) });
  b = await startTestSystem({
    settings: testSettings({
      redisUrl: redis.url,
      odoo: { url: a.sandboxes.odoo!.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', partnerRefField: 'ref' },
      salesforce: { loginUrl: a.sandboxes.salesforce!.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', multiCurrency: true },
      zendesk: { baseUrl: a.sandboxes.zendesk!.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN },
    }),
  });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

const BILLING = `query($id: ID!) { customer(id: $id) { id billing { onHold holdReason } } }`;
const PROFILE = `query($id: ID!) { customer(id: $id) { id website } }`;

describe('replicas sharing Redis', () => {
  it('show a credit hold written through the other replica on the next read', async () => {
    const id = a.skeleton!.examples.fewOrders;
    const first = await b.query(BILLING, { id }, { role: 'finance' });
    expect(first.data!.customer.billing.onHold).toBe(false);
    // Cached now on b: a repeat is a response-cache hit and costs the backends nothing.
    const snapshot = await a.snapshot();
    const again = await b.query(BILLING, { id }, { role: 'finance' });
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(Object.values(await snapshot.delta()).every((ops) => Object.keys(ops).length === 0)).toBe(true);

    const write = await a.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "Replica check") { onHold } }`, { id }, { role: 'finance' });
    expect(write.data!.setCreditHold.onHold).toBe(true);
    expect((await b.query(BILLING, { id }, { role: 'finance' })).data!.customer.billing).toEqual({ onHold: true, holdReason: 'Replica check' });
  });

  it('show a profile update written through the other replica on the next read', async () => {
    const id = a.skeleton!.examples.manyOrders;
    expect((await b.query(PROFILE, { id }, { role: 'sales_rep' })).data!.customer.website).not.toBe('https://replica.example');
    await a.query(`mutation($id: ID!) { updateCustomerProfile(id: $id, input: { website: "https://replica.example" }) { id } }`, { id }, { role: 'sales_rep' });
    expect((await b.query(PROFILE, { id }, { role: 'sales_rep' })).data!.customer.website).toBe('https://replica.example');
  });
});
