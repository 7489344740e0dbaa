import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { odooCall, zendeskGet } from '../support/backends.js';
import { startTestSystem, testSettings, writesOf, type TestSystem } from '../support/system.js';
import { salesforceId } from '../../sandbox/world/salesforce-id.js';

/**
 * Mutations through the gateway: each goes to its system of record only, replays with one
 * idempotency key write once, only the matching :write scope may write, and every attempt is
 * audited in a log that survives a restart.
 */
const dir = mkdtempSync(join(tmpdir(), 'c360-mutations-'));
const auditLogPath = join(dir, 'audit.jsonl');
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ settings: testSettings({ auditLogPath }) });
});
afterAll(async () => {
  await system?.close();
  rmSync(dir, { recursive: true, force: true });
});


const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status lines { quantity product { sku } } customer { id } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id subject status customer { id } } }`;

async function skus(count: number): Promise<string[]> {
  const products = await odooCall(system.sandboxes.odoo!.url, 'product.product', 'search_read', [[['default_code', '!=', false], ['type', '=', 'product']]], { fields: ['default_code'], limit: count });
  return products.map((p: any) => p.default_code);
}

describe('each mutation writes to its owner only', () => {
  it('updateCustomerProfile -> Salesforce', async () => {
    const id = system.skeleton!.examples.fewOrders;
    const snapshot = await system.snapshot();
    const answer = await system.query(`mutation($id: ID!) { updateCustomerProfile(id: $id, input: { website: "https://new.example" }) { id website } }`, { id }, { role: 'sales_rep' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.updateCustomerProfile).toEqual({ id, website: 'https://new.example' });
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: ['Account.update'], zendesk: [] });
  });

  it('placeOrder and cancelOrder -> Odoo', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const [sku] = await skus(1);
    const snapshot = await system.snapshot();
    const placed = await system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 2 }] } }, { role: 'sales_rep' });
    expect(placed.errors).toBeUndefined();
    expect(placed.data!.placeOrder).toMatchObject({ status: 'CONFIRMED', lines: [{ quantity: 2, product: { sku } }], customer: { id: customerId } });
    const cancelled = await system.query(`mutation($id: ID!) { cancelOrder(id: $id) { id status } }`, { id: placed.data!.placeOrder.id }, { role: 'sales_rep' });
    expect(cancelled.data!.cancelOrder).toEqual({ id: placed.data!.placeOrder.id, status: 'CANCELLED' });
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: ['sale.order.action_cancel', 'sale.order.action_confirm', 'sale.order.create'], salesforce: [], zendesk: [] });
  });

  it('setCreditHold -> Odoo', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const snapshot = await system.snapshot();
    const answer = await system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "Overdue invoices") { onHold holdReason } }`, { id: customerId }, { role: 'finance' });
    expect(answer.data!.setCreditHold).toEqual({ onHold: true, holdReason: 'Overdue invoices' });
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: ['res.partner.write'], salesforce: [], zendesk: [] });
    const [partner] = await odooCall(system.sandboxes.odoo!.url, 'res.partner', 'search_read', [[['ref', '=', customerId]]], { fields: ['sale_warn', 'sale_warn_msg'] });
    expect(partner).toMatchObject({ sale_warn: 'block', sale_warn_msg: 'Overdue invoices' });
    // The next read through the gateway shows the hold (the cached views holding it were evicted).
    const read = await system.query(`query($id: ID!) { customer(id: $id) { billing { onHold } } }`, { id: customerId }, { role: 'finance' });
    expect(read.data!.customer.billing.onHold).toBe(true);
    await system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: false) { onHold } }`, { id: customerId }, { role: 'finance' });
  });

  it('openCase and addCaseComment -> Zendesk', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const snapshot = await system.snapshot();
    const opened = await system.query(OPEN_CASE, { input: { customerId, subject: 'Pedals squeak', description: 'The pedals of our last order squeak.', priority: 'HIGH' } }, { role: 'support_agent' });
    expect(opened.errors).toBeUndefined();
    const comment = await system.query(`mutation($id: ID!) { addCaseComment(caseId: $id, body: "Checked with the warehouse", internal: true) { id public } }`, { id: opened.data!.openCase.id }, { role: 'support_agent' });
    expect(comment.data!.addCaseComment.public).toBe(false);
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: ['tickets.create', 'tickets.update'] });
    const { ticket } = await zendeskGet(system.sandboxes.zendesk!.url, `/api/v2/tickets/${opened.data!.openCase.id}.json`);
    expect(ticket.subject).toBe('Pedals squeak');
  });
});

describe('idempotency through the gateway', () => {
  it('placeOrder replayed 20 times concurrently with one Idempotency-Key header creates one order', async () => {
    const customerId = system.skeleton!.examples.manyOrders;
    const [sku] = await skus(1);
    const snapshot = await system.snapshot();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 1 }] } }, { role: 'sales_rep' }, { 'idempotency-key': 'order-2026-11-22-a' })),
    );
    const ids = new Set(answers.map((a) => a.data?.placeOrder?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    expect((await snapshot.delta()).odoo['sale.order.create']).toBe(1);
    const conflict = await system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 3 }] } }, { role: 'sales_rep' }, { 'idempotency-key': 'order-2026-11-22-a' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('openCase replayed 20 times concurrently with one key creates one ticket', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const snapshot = await system.snapshot();
    const input = { customerId, subject: 'Invoice copy', description: 'Please send a copy of the last invoice.', idempotencyKey: 'case-2026-11-22-a' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => system.query(OPEN_CASE, { input }, { role: 'support_agent' })));
    expect(new Set(answers.map((a) => a.data?.openCase?.id)).size).toBe(1);
    expect((await snapshot.delta()).zendesk['tickets.create']).toBe(1);
  });
});

describe('who may write', () => {
  it('needs the matching :write scope', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const [sku] = await skus(1);
    const snapshot = await system.snapshot();
    const refused = await Promise.all([
      system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 1 }] } }, { role: 'finance' }),
      system.query(OPEN_CASE, { input: { customerId, subject: 'x', description: 'y' } }, { role: 'sales_rep' }),
      system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true) { onHold } }`, { id: customerId }, { role: 'support_agent' }),
      system.query(`mutation($id: ID!) { updateCustomerProfile(id: $id, input: { phone: "1" }) { id } }`, { id: customerId }, { role: 'finance' }),
    ]);
    for (const answer of refused) expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: [] });
  });

  it('lets a reseller order only for its own customers; another reseller\'s customer answers like an unknown one', async () => {
    const { reseller, resellerCustomer, otherResellerCustomer } = system.skeleton!.examples;
    const [sku] = await skus(1);
    const own = await system.query(PLACE_ORDER, { input: { customerId: resellerCustomer, lines: [{ sku, quantity: 1 }] } }, { role: 'partner', partnerId: reseller });
    expect(own.errors).toBeUndefined();
    expect(own.data!.placeOrder.customer.id).toBe(resellerCustomer);
    const snapshot = await system.snapshot();
    const other = await system.query(PLACE_ORDER, { input: { customerId: otherResellerCustomer, lines: [{ sku, quantity: 1 }] } }, { role: 'partner', partnerId: reseller });
    const unknown = await system.query(PLACE_ORDER, { input: { customerId: salesforceId('001', 999_999), lines: [{ sku, quantity: 1 }] } }, { role: 'partner', partnerId: reseller });
    expect(other.data).toBeNull();
    const shape = (a: typeof other) => a.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, path: e.path }));
    expect(shape(other)).toEqual(shape(unknown));
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.customerId' });
    expect(writesOf(await snapshot.delta())).toEqual({ odoo: [], salesforce: [], zendesk: [] });
  });
});

describe('audit trail', () => {
  it('has a record for every attempt, failed ones included, and survives a restart', async () => {
    const before = await readAuditLog(auditLogPath);
    const operations = new Set(before.map((r) => r.operation));
    expect(operations).toEqual(new Set(['updateCustomerProfile', 'placeOrder', 'cancelOrder', 'setCreditHold', 'openCase', 'addCaseComment']));
    expect(before.some((r) => r.outcome === 'FORBIDDEN')).toBe(true);
    expect(before.some((r) => r.outcome === 'IDEMPOTENCY_CONFLICT')).toBe(true);
    for (const record of before) {
      expect(record.principal?.sub).toBeTruthy();
      expect(record.inputDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(record)).not.toContain('Pedals squeak');
    }
    await system.close();
    system = await startTestSystem({ settings: testSettings({ auditLogPath }) });
    await system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: false) { onHold } }`, { id: system.skeleton!.examples.fewOrders }, { role: 'finance' });
    const after = await readAuditLog(auditLogPath);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBe(before.length + 1);
  });
});
