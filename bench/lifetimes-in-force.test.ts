import { describe, expect, it } from 'vitest';
import { buildSkeleton } from '../sandbox/world/skeleton.js';
import { evictionsOf, lifetimesInForce } from './lifetimes-in-force.js';
import { minimumOdooCalls, type ViewRecord } from './minimum-calls.js';
import { summarizeResponse } from './summarize.js';

const world = buildSkeleton({ customers: 20, seed: 42 });
const customer = world.customers.find((c) => c.hasErpPartner && c.orders.length > 0)!;

describe('the minimum of a freshness run, from the lifetimes in force', () => {
  it('counts the stale-while-revalidate window as lifetime, and the long lifetimes where the feeds cover a kind', () => {
    const ttl = lifetimesInForce(false);
    const feeds = lifetimesInForce(true);
    // Billing 60 + 60 s, orders 30 + 30 s, stock 5 + 5 s; with the feeds: profile 1 h, orders 10 min, stock 1 min (the stale windows stay).
    expect([ttl('partnerByRef'), ttl('ordersOfPartner'), ttl('quantsByProduct')]).toEqual([120_000, 60_000, 10_000]);
    expect([feeds('partnerByRef'), feeds('ordersOfPartner'), feeds('quantsByProduct')]).toEqual([3_660_000, 630_000, 65_000]);
    // Products' catalog fields and warehouses have no feed: their declared lifetime either way.
    expect(feeds('product')).toBe(ttl('product'));
  });

  it("evicts what the feeds evict for an Odoo change, and the next view that needs it pays a call", () => {
    const order = customer.orders[0]!;
    const at = Date.parse('2026-12-01T10:00:00Z');
    const evictions = evictionsOf(
      [
        { at: new Date(at + 1000).toISOString(), model: 'res.partner', id: customer.odooPartnerId, values: { sale_warn: 'block' }, previous: { sale_warn: 'no-message' } },
        { at: new Date(at + 2000).toISOString(), model: 'sale.order', id: order.odooId, values: { state: 'cancel' }, previous: { state: 'sale' } },
        { at: new Date(at + 3000).toISOString(), object: 'Account', id: customer.accountId, values: { Phone: '1' }, previous: { Phone: '2' } },
        { at: new Date(at + 4000).toISOString(), model: 'stock.quant', id: 17, values: { quantity: 3 }, previous: { quantity: 4 } },
        // A quant of unknown product evicts nothing (the minimum stays a lower bound).
        { at: new Date(at + 4000).toISOString(), model: 'stock.quant', id: 18, values: { quantity: 3 }, previous: { quantity: 4 } },
      ],
      world,
      new Map([[17, 5]]),
    );
    expect(evictions).toEqual([
      { at: at + 1000, unit: 'partnerByRef', key: customer.accountId },
      { at: at + 2000, unit: 'orderByName', key: order.number },
      { at: at + 2000, unit: 'ordersOfPartner', key: customer.odooPartnerId },
      { at: at + 2000, unit: 'pickingsByOrder', key: order.odooId },
      { at: at + 4000, unit: 'productStock', key: 5 },
      { at: at + 4000, unit: 'quantsByProduct', key: 5 },
    ]);
    // Two CRM views 5 s apart: within every lifetime, so the second costs nothing, unless a change came between.
    const summary = summarizeResponse({ data: { customer: { id: customer.accountId, orders: { edges: [] } } } });
    const views: ViewRecord[] = [0, 5000].map((dt) => ({ start: at + dt, view: 'crm', accountId: customer.accountId, summary }));
    const lifetimeMs = lifetimesInForce(true);
    expect(minimumOdooCalls(views, world, undefined, { lifetimeMs }).calls).toBe(2);
    // The hold (partner) and the cancellation (the partner's order list) each cost a call again.
    expect(minimumOdooCalls(views, world, undefined, { lifetimeMs, evictions }).calls).toBe(4);
  });
});
