import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { startRedisServer, type TestRedisServer } from '../../platform/testing/redis-server.js';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../../sandbox/odoo/index.js';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../sandbox/salesforce/index.js';
import { ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import { odooCall } from '../support/backends.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * Two replicas (each a gateway and its subgraphs) over one Redis and the same backends: one
 * idempotency key sent to both at once is written once, and both answer it.
 */
const dir = mkdtempSync(join(tmpdir(), 'c360-replica-writes-'));
let redis: TestRedisServer;
let a: TestSystem;
let b: TestSystem;
beforeAll(async () => {
  redis = await startRedisServer();
  a = await startTestSystem({ settings: testSettings({ redisUrl: redis.url, auditLogPath: join(dir, 'a.jsonl'), writeProgressPath: join(dir, 'a-progress.jsonl') }) });
  b = await startTestSystem({
    devKeysDir: a.devKeysDir,
    settings: testSettings({
      redisUrl: redis.url,
      auditLogPath: join(dir, 'b.jsonl'),
      writeProgressPath: join(dir, 'b-progress.jsonl'),
      odoo: { url: a.sandboxes.odoo!.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', partnerRefField: 'ref' },
      salesforce: { loginUrl: a.sandboxes.salesforce!.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', multiCurrency: true },
      zendesk: { baseUrl: a.sandboxes.zendesk!.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN },
    }),
  });
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status lines { quantity } } }`;

describe('one key sent to two replicas at once', () => {
  it('places one order, and both replicas answer it', async () => {
    const customerId = a.skeleton!.examples.fewOrders;
    const [product] = await odooCall(a.sandboxes.odoo!.url, 'product.product', 'search_read', [[['default_code', '!=', false], ['type', '=', 'product']]], { fields: ['default_code'], limit: 1 });
    const input = { customerId, lines: [{ sku: product.default_code, quantity: 3 }], idempotencyKey: `replicas-${Date.now()}` };
    const before = await a.stats('odoo');
    const [fromA, fromB] = await Promise.all([a.query(PLACE_ORDER, { input }, { role: 'sales_rep' }), b.query(PLACE_ORDER, { input }, { role: 'sales_rep' })]);
    expect(fromA.errors).toBeUndefined();
    expect(fromB.errors).toBeUndefined();
    expect(fromA.data!.placeOrder).toEqual(fromB.data!.placeOrder);
    expect(fromA.data!.placeOrder).toMatchObject({ status: 'CONFIRMED', lines: [{ quantity: 3 }] });
    const after = await a.stats('odoo');
    expect((after.byOperation['sale.order.create'] ?? 0) - (before.byOperation['sale.order.create'] ?? 0)).toBe(1);
    const orders = await odooCall(a.sandboxes.odoo!.url, 'sale.order', 'search_read', [[['origin', '=like', 'c360-idem:%'], ['partner_id.ref', '=', customerId], ['state', '!=', 'cancel']]], { fields: ['id'] });
    expect(orders.map((o: { id: number }) => String(o.id))).toEqual([fromA.data!.placeOrder.id]);
    // Each replica audits its own attempt: one wrote, the other replayed.
    const records = [...(await readAuditLog(join(dir, 'a.jsonl'))), ...(await readAuditLog(join(dir, 'b.jsonl')))].filter((r) => r.idempotencyKey === input.idempotencyKey);
    expect(records.map((r) => [r.clientOutcome, r.replayed]).sort()).toEqual([['ok', false], ['ok', true]]);
  }, 30_000);
});
