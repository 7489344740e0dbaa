import { afterEach, describe, expect, it, vi } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, type Backend, type TestSystem } from '../support/system.js';

/**
 * ERP protection under a burst: 100 identical customer-360 queries arriving together cost at most
 * one Odoo call per model. The record cache holds one canonical record per model, a customer's
 * order and invoice lists arrive with their records in one call each, and concurrent misses
 * coalesce. Measured with the gateway's response cache and dedup off (the subgraphs alone) and on.
 *
 * The clock is held still during the burst: on a slow machine 100 full views can take longer than
 * the stock TTL (5 s), and a stock refresh after it is the cache doing its job, not a lost
 * coalescing.
 */
const BURST = 100;

let system: TestSystem | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await system?.close();
  system = undefined;
});

/** Calls per model (`sale.order.search_read` -> `sale.order`). */
function byModel(calls: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(calls)) {
    const model = op.slice(0, op.lastIndexOf('.'));
    out[model] = (out[model] ?? 0) + n;
  }
  return out;
}

async function burst(options: { responseCache?: boolean; dedup?: boolean }, label: string, size = BURST): Promise<Record<Backend, Record<string, number>>> {
  system = await startTestSystem(options);
  const id = system.skeleton!.examples.manyOrders;
  // Sessions (Odoo uid, Salesforce token) outside the measure, without touching any cache.
  await system.connectors.odoo.warehouses();
  await system.connectors.salesforce.partnerIdsByAccountIds([id]);
  const snapshot = await system.snapshot();
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  const s = system;
  const answers = await Promise.all(Array.from({ length: size }, () => s.query(CUSTOMER_360, { id }, { role: 'admin' })));
  vi.useRealTimers();
  const calls = await snapshot.delta();
  for (const a of answers) expect(a.errors).toBeUndefined();
  const first = JSON.stringify(answers[0]!.data);
  expect(answers.every((a) => JSON.stringify(a.data) === first)).toBe(true);
  const customer = answers[0]!.data!.customer;
  expect(customer.orders.totalCount).toBe(30);
  expect(customer.orders.edges.some((e: { node: { invoices: unknown[] } }) => e.node.invoices.length > 0)).toBe(true);
  expect(customer.invoices.totalCount).toBeGreaterThan(0);

  console.log(`${size === 1 ? 'one' : `${size} concurrent`} customer-360 (${label}):`, JSON.stringify(calls));
  // Odoo: at most one call per model, whatever the number of queries.
  for (const [model, n] of Object.entries(byModel(calls.odoo))) expect({ model, n }).toEqual({ model, n: 1 });
  for (const model of ['res.partner', 'sale.order', 'sale.order.line', 'account.move', 'product.product', 'stock.picking']) {
    expect(byModel(calls.odoo)[model], model).toBe(1);
  }
  // Salesforce: at most one call per object and operation.
  for (const [op, n] of Object.entries(calls.salesforce)) expect({ op, n }).toEqual({ op, n: 1 });
  // Zendesk: one call per operation, except comments: one call per case (no bulk comments endpoint).
  const cases = customer.cases.edges.length;
  expect(cases).toBeGreaterThan(0);
  for (const [op, n] of Object.entries(calls.zendesk)) expect({ op, n }).toEqual({ op, n: op === 'tickets.comments' ? cases : 1 });
  return calls;
}

describe(`${BURST} concurrent customer-360 queries`, () => {
  it('start from one cold query costing one Odoo call per model', async () => {
    await burst({ responseCache: false, dedup: false }, 'one cold query, record cache only', 1);
  }, 60_000);

  it('cost at most one Odoo call per model with the record cache alone (response cache and dedup off)', async () => {
    await burst({ responseCache: false, dedup: false }, 'record cache only');
  }, 60_000);

  it('cost at most one Odoo call per model with the response cache and dedup on too', async () => {
    await burst({}, 'record cache, response cache, dedup');
  }, 60_000);
});
