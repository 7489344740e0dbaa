/**
 * The ERP-protection promise end to end: a customer view over the three Odoo subgraphs, planned
 * by a real federation gateway, costs the same number of Odoo calls for a customer with 30
 * orders as for one with 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import { startOdooFederation, type OdooFederation } from './federation-harness.js';

const world = buildSkeleton();

let federation: OdooFederation;
let sandbox: OdooFederation['sandbox'];
let gateway: OdooFederation['gateway'];

beforeAll(async () => {
  federation = await startOdooFederation({ invoices: true });
  ({ sandbox, gateway } = federation);
});

afterAll(async () => {
  await federation?.close();
});

const VIEW = `query($id: ID!) { customer(id: $id) { id
  orders(first: 50) { totalCount edges { node { id number status amountTotal { amount currency }
    lines { quantity product { id sku name availability { onHand free } } }
    shipments { number status }
    invoices { number paymentStatus amountDue { amount } } } } }
  billing { onHold outstanding { amount } overdue { amount } }
  invoices(first: 20) { totalCount edges { node { number order { id number } } } } } }`;

async function view(accountId: string) {
  const { result: res, calls, byOperation } = await sandbox.measure(() => gateway.executeOperation({ query: VIEW, variables: { id: accountId } }));
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return { result: res.body.singleResult, calls, byOperation };
}

describe('no N+1 over Odoo', () => {
  it('costs the same number of Odoo calls for 30 orders as for 2', async () => {
    const many = await view(world.examples.manyOrders);
    const few = await view(world.examples.fewOrders);
    expect(many.result.errors).toBeUndefined();
    expect(few.result.errors).toBeUndefined();
    const data = many.result.data as { customer: { orders: { totalCount: number; edges: { node: { lines: unknown[]; shipments: unknown[]; invoices: unknown[] } }[] } } };
    expect(data.customer.orders.totalCount).toBe(30);
    expect(data.customer.orders.edges.flatMap((e) => e.node.lines).length).toBeGreaterThan(30);
    expect(data.customer.orders.edges.flatMap((e) => e.node.invoices).length).toBeGreaterThan(0);
    expect(many.calls).toBe(few.calls);
    expect(many.byOperation).toEqual(few.byOperation);
    // One call per model or list per plan step, no cache: partners by ref (orders, invoices, and the
    // orders' invoices); the order list with its records, orders by invoice origin (Invoice.order);
    // lines; pickings; products; the invoice list with its records, once for the customer (page,
    // open items) and once for its orders' invoices (another subgraph request).
    expect(many.byOperation).toEqual({
      'res.partner.search_read': 3,
      'sale.order.search_read': 2,
      'sale.order.line.search_read': 1,
      'stock.picking.search_read': 1,
      'product.product.search_read': 1,
      'account.move.search_read': 2,
    });
  });
});
