import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * No N+1: the customer-360 query costs the same backend calls for a customer with 2 orders as for
 * one with 30 (both have 3 cases, since Zendesk has no bulk comments endpoint: one call per case).
 * Caches are off so that every call reaches the sandboxes.
 */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ recordCache: false, ...({ responseCache: false, dedup: false } as object) });
});
afterAll(async () => {
  await system?.close();
});

describe('customer 360 backend calls', () => {
  it('are the same for 2 orders and for 30 orders', async () => {
    const { fewOrders, manyOrders } = system.skeleton!.examples;
    const cost = async (id: string) => {
      const snapshot = await system.snapshot();
      const answer = await system.query(CUSTOMER_360, { id }, { role: 'admin' });
      expect(answer.errors).toBeUndefined();
      return { answer, calls: await snapshot.delta() };
    };
    // Warm the connectors' sessions (OAuth token, Odoo uid) so that logins are not counted.
    await cost(fewOrders);
    const few = await cost(fewOrders);
    const many = await cost(manyOrders);
    expect(few.answer.data!.customer.orders.totalCount).toBe(2);
    expect(many.answer.data!.customer.orders.totalCount).toBe(30);
    expect(many.answer.data!.customer.cases.totalCount).toBe(few.answer.data!.customer.cases.totalCount);
    console.log('customer-360 backend calls (2 orders):', JSON.stringify(few.calls));
    console.log('customer-360 backend calls (30 orders):', JSON.stringify(many.calls));
    expect(many.calls).toEqual(few.calls);
    const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
    // One call per model per plan step: a fixed, small number whatever the list sizes.
    expect(total(many.calls.odoo)).toBeLessThanOrEqual(16);
    expect(total(many.calls.salesforce)).toBeLessThanOrEqual(4);
    // Lists arrive with their records: a customer's orders and invoices cost one call each per
    // subgraph request, never a list call plus a records call.
    expect(many.calls.odoo['sale.order.search_read']).toBeLessThanOrEqual(2);
    expect(many.calls.odoo['account.move.search_read']).toBeLessThanOrEqual(2);
  });
});
