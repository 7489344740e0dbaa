/**
 * cancelOrder over real HTTP (the shared setup is mutations-fixtures.ts): the cancellation written
 * to Odoo and nowhere else, the record cache it invalidates, Odoo's refusals and a reseller's view.
 * Every mutation call of this file (the orders it places to cancel included) is checked against this
 * file's audit log at the end.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { type Answer, countByOperationAndOutcome, few, many, OTHER_SKU, RESELLER, startMutationsFixture, writeThroughReopenedLog, theirs, writes } from './mutations-fixtures.js';

const fx = startMutationsFixture();
const { cancel, measured, place, post, rpc } = fx;

describe('cancelOrder', () => {
  it('cancels in Odoo with action_cancel only, and refuses a second cancellation', async () => {
    const placed = await place({ customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    const { result: r, odoo, others, odooCalls } = await measured(() => cancel(id));
    expect(r.errors).toBeUndefined();
    // Reads: the order; after action_cancel the order, its lines (released stock) and its partner (the Customer tag, unless cached).
    expect(odooCalls).toBeGreaterThanOrEqual(4);
    expect(odooCalls).toBeLessThanOrEqual(5);
    expect(r.data!.cancelOrder).toMatchObject({ id, status: 'CANCELLED' });
    expect(writes(odoo)).toEqual({ 'sale.order.action_cancel': 1 });
    expect(others).toBe(0);
    expect(r.extensions?.invalidate).toEqual(expect.arrayContaining([`Order:${id}`, `Customer:${few.accountId}`]));
    const [stored] = await rpc<{ state: string }[]>('sale.order', 'read', [[Number(id)]], { fields: ['state'] });
    expect(stored!.state).toBe('cancel');
    const pickings = await rpc<{ state: string }[]>('stock.picking', 'search_read', [[['sale_id', '=', Number(id)]]], { fields: ['state'] });
    expect(pickings.map((p) => p.state)).toEqual(['cancel']);

    const { result: again, odoo: againOps } = await measured(() => cancel(id));
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo', reason: 'ALREADY_CANCELLED' });
    expect(writes(againOps)).toEqual({});
  });

  it("shows the cancellation in the customer's cached order list, whose read primed the order records", async () => {
    const placed = await place({ customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    const list = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 50) { edges { node { id number status } } } } } }`;
    const rep = { r: [{ __typename: 'Customer', id: few.accountId }] };
    const statusOf = (r: Answer) => r.data!._entities[0].orders.edges.find((e: { node: { id: string } }) => e.node.id === id)?.node.status;
    expect(statusOf(await post(fx.subgraph.url, list, rep))).toBe('CONFIRMED');
    const { odooCalls } = await measured(() => post(fx.subgraph.url, list, rep));
    expect(odooCalls).toBe(0); // the list and its primed records come from the record cache
    expect((await cancel(id)).errors).toBeUndefined();
    expect(statusOf(await post(fx.subgraph.url, list, rep))).toBe('CANCELLED');
    // By number too (a case's order): the name lookup was primed by the list and is evicted by the cancellation.
    const byNumber = await post(fx.subgraph.url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`, {
      r: [{ __typename: 'Order', number: placed.data!.placeOrder.number }],
    });
    expect(byNumber.data!._entities[0]).toEqual({ id, status: 'CANCELLED' });
  });

  it("passes Odoo's refusal of a locked order on as BACKEND_REJECTED", async () => {
    const [target] = await rpc<number[]>('sale.order', 'search', [[['partner_id', '=', many.odooPartnerId], ['state', '=', 'sale']]], { limit: 1 });
    await rpc('sale.order', 'write', [[target], { locked: true }]);
    const { result: r, odoo } = await measured(() => cancel(String(target)));
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo' });
    expect(r.errors?.[0]?.message).toMatch(/locked/);
    expect(writes(odoo)).toEqual({ 'sale.order.action_cancel': 1 });
    const [stored] = await rpc<{ state: string }[]>('sale.order', 'read', [[target]], { fields: ['state'] });
    expect(stored!.state).toBe('sale');
  });

  it("answers a reseller cancelling another reseller's order exactly as an unknown order, and refuses bad ids", async () => {
    fx.setPrincipal(RESELLER);
    const { result: other, odoo } = await measured(() => cancel(String(theirs.orders[0]!.odooId)));
    const unknown = await cancel('999999');
    expect(other.errors?.map((e) => [e.message, e.extensions])).toEqual(unknown.errors?.map((e) => [e.message, e.extensions]));
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(writes(odoo)).toEqual({});
    const { result: bad, odooCalls } = await measured(() => cancel('12abc'));
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(odooCalls).toBe(0);
  });
});

describe('audit log', () => {
  it('holds one record per mutation call of this file, failed ones included, without raw input, and survives a new log instance', async () => {
    const records = await readAuditLog(fx.auditPath);
    expect(countByOperationAndOutcome(records)).toEqual(countByOperationAndOutcome(fx.expectedAudit));
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.inputDigest) && r.ownerSystem === 'odoo')).toBe(true);
    expect(records.filter((r) => r.outcome === 'ok').every((r) => r.backendRecordId !== null)).toBe(true);
    const text = await readFile(fx.auditPath, 'utf8');
    expect(text).not.toContain(OTHER_SKU);

    // A new instance (a restarted process) appends; nothing is lost.
    const all = await writeThroughReopenedLog(fx.auditPath);
    expect(all).toHaveLength(records.length + 1);
    expect(all.slice(0, records.length)).toEqual(records);
  });
});
