import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { startRedisServer, type TestRedisServer } from '../../platform/testing/redis-server.js';
import { odooCall } from '../support/backends.js';
import { startTestSystem, testSettings, writesOf, type TestSystem } from '../support/system.js';

/**
 * Writes while the Redis that holds their idempotency keys and progress is away: each is refused
 * before anything reaches its system of record, answered BACKEND_UNAVAILABLE with the store that
 * failed and a retry hint (not INTERNAL_SERVER_ERROR), and audited; reads go on.
 */
const dir = mkdtempSync(join(tmpdir(), 'c360-writes-redis-down-'));
const auditLogPath = join(dir, 'audit.jsonl');
let redis: TestRedisServer;
let system: TestSystem;
beforeAll(async () => {
  redis = await startRedisServer();
  system = await startTestSystem({ settings: testSettings({ redisUrl: redis.url, auditLogPath }) });
  await redis.stop();
}, 60_000);
afterAll(async () => {
  await system?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }`;

async function sku(): Promise<string> {
  const [product] = await odooCall(system.sandboxes.odoo!.url, 'product.product', 'search_read', [[['default_code', '!=', false], ['type', '=', 'product']]], { fields: ['default_code'], limit: 1 });
  return product.default_code;
}

describe('writes while Redis is down', () => {
  it('a keyed placeOrder is refused by the idempotency store before Odoo sees it', async () => {
    const input = { customerId: system.skeleton!.examples.fewOrders, lines: [{ sku: await sku(), quantity: 1 }], idempotencyKey: `redis-down-${Date.now()}` };
    const snapshot = await system.snapshot();
    const answer = await system.query(PLACE_ORDER, { input }, { role: 'sales_rep' });
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: 'The idempotency store is unavailable: nothing was written; retry later',
        extensions: expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', store: 'idempotency', retryAfterSeconds: 1 }),
      }),
    ]);
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: [] });
    const records = (await readAuditLog(auditLogPath)).filter((r) => r.idempotencyKey === input.idempotencyKey);
    expect(records.map((r) => [r.operation, r.clientOutcome, r.backendRecordId])).toEqual([['placeOrder', 'BACKEND_UNAVAILABLE', null]]);
  }, 30_000);

  it('a placeOrder without a key is refused by the write progress store before Odoo sees it', async () => {
    const input = { customerId: system.skeleton!.examples.fewOrders, lines: [{ sku: await sku(), quantity: 1 }] };
    const snapshot = await system.snapshot();
    const answer = await system.query(PLACE_ORDER, { input }, { role: 'sales_rep' });
    expect(answer.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', store: 'write-progress', retryAfterSeconds: 1 })]);
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: [] });
  }, 30_000);

  it('a keyed openCase is refused before Zendesk sees it', async () => {
    const input = { customerId: system.skeleton!.examples.fewOrders, subject: 'Redis is down', description: 'No ticket may be made', idempotencyKey: `redis-down-case-${Date.now()}` };
    const snapshot = await system.snapshot();
    const answer = await system.query(OPEN_CASE, { input }, { role: 'support_agent' });
    expect(answer.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', store: 'idempotency' })]);
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: [] });
  }, 30_000);

  it('reads still answer', async () => {
    const id = system.skeleton!.examples.fewOrders;
    const answer = await system.query(`query($id: ID!) { customer(id: $id) { id name orders(first: 2) { edges { node { id status } } } } }`, { id }, { role: 'support_agent' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.customer).toMatchObject({ id, orders: { edges: expect.any(Array) } });
    expect(answer.data!.customer.orders.edges.length).toBeGreaterThan(0);
  }, 30_000);
});
