/**
 * Archived products stay on the orders that sold them: a customer's order list, planned by a real
 * federation gateway over the orders and stock subgraphs, keeps every order and names the
 * archived products (a missing product would null the non-null OrderLine.product and, with it,
 * the whole list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVED_PRODUCT_IDS } from '../../sandbox/odoo/index.js';
import { startOdooFederation, type OdooFederation } from './federation-harness.js';

let federation: OdooFederation;
let sandbox: OdooFederation['sandbox'];
let gateway: OdooFederation['gateway'];

beforeAll(async () => {
  federation = await startOdooFederation({ invoices: false });
  ({ sandbox, gateway } = federation);
});

afterAll(async () => {
  await federation?.close();
});

type Line = { product: { id: string; name: string } };
type View = { customer: { orders: { totalCount: number; edges: { node: { number: string; lines: Line[] } }[] } } };

describe('orders referencing archived products', () => {
  it('a customer whose orders sold archived products gets its full order list with their names', async () => {
    // Found in the seeded world, not hard-coded: an order line selling an archived product, and its customer.
    const [line] = await sandbox.rpc<{ order_id: [number, string] }[]>('sale.order.line', 'search_read', [], {
      domain: [['product_id', 'in', ARCHIVED_PRODUCT_IDS]],
      fields: ['order_id'],
      limit: 1,
      order: 'id asc',
    });
    const [order] = await sandbox.rpc<{ partner_id: [number, string] }[]>('sale.order', 'read', [[line!.order_id[0]], ['partner_id']]);
    const [partner] = await sandbox.rpc<{ ref: string }[]>('res.partner', 'read', [[order!.partner_id[0]], ['ref']]);
    const orderCount = await sandbox.rpc<number>('sale.order', 'search_count', [[['partner_id', '=', order!.partner_id[0]]]]);
    const archived = await sandbox.rpc<{ id: number; name: string; active: boolean }[]>('product.product', 'read', [ARCHIVED_PRODUCT_IDS, ['name', 'active']]);
    expect(archived.every((p) => p.active === false)).toBe(true);
    const archivedNames = new Map(archived.map((p) => [String(p.id), p.name]));

    const res = await gateway.executeOperation({
      query: `query($id: ID!) { customer(id: $id) { orders(first: 100) { totalCount edges { node { number lines { product { id name } } } } } } }`,
      variables: { id: partner!.ref },
    });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    const { errors, data } = res.body.singleResult;
    expect(errors).toBeUndefined();
    const orders = (data as View).customer.orders;
    expect(orders.totalCount).toBe(orderCount);
    expect(orders.edges).toHaveLength(orderCount);
    const sold = orders.edges.flatMap((e) => e.node.lines.map((l) => l.product)).filter((p) => archivedNames.has(p.id));
    expect(sold.length).toBeGreaterThan(0);
    for (const product of sold) expect(product.name).toBe(archivedNames.get(product.id));
    expect(orders.edges.map((e) => e.node.number)).toContain(line!.order_id[1]);
  });
});
