/**
 * The minimum possible Odoo calls of a freshness run, from the lifetimes actually in force: each
 * unit's declared lifetime (the committed supergraph's `@cacheControl`) plus its
 * stale-while-revalidate window, or, with the change feeds, the long lifetime of what they cover,
 * and then one fetch again after every change the feeds evict.
 */
import type { WorldSkeleton } from '../sandbox/world/skeleton.js';
import type { OdooConnector } from '../subgraphs/shared/connectors/odoo/connector.js';
import { DEFAULT_LONG_LIFETIMES, feedLifetimes } from '../subgraphs/shared/feeds/index.js';
import { lifetimeOfUnit, UNITS, type MinimumOptions, type Unit, type UnitEviction } from './minimum-calls.js';
import type { RecordedChange } from './staleness.js';

/**
 * Each unit's lifetime in force, in ms: TTL plus stale-while-revalidate window, the long TTL
 * instead where a healthy feed covers it (the bench's systems run with the default long lifetimes).
 */
export function lifetimesInForce(feeds: boolean): (unit: Unit) => number {
  // The feeds healthy for the whole run: they cover every record stored.
  const long = feeds ? feedLifetimes({ coveringSince: () => 0 }, DEFAULT_LONG_LIFETIMES) : undefined;
  const byUnit = new Map<Unit, number>();
  for (const unit of Object.keys(UNITS) as Unit[]) {
    const lifetime = lifetimeOfUnit(unit);
    const base = { ttlMs: lifetime.maxAge * 1000, staleWhileRevalidateMs: lifetime.staleWhileRevalidate * 1000, staleIfErrorMs: lifetime.staleIfError * 1000 };
    const inForce = long?.extended(UNITS[unit], base)?.settings ?? base;
    byUnit.set(unit, inForce.ttlMs + inForce.staleWhileRevalidateMs);
  }
  return (unit) => byUnit.get(unit)!;
}

/**
 * The units the feeds evict for each recorded Odoo change (as `change-plan.ts` does): a partner's
 * profile, an order by name with its partner's order list and its pickings, a product's stock
 * (`productOfQuant` says whose a changed quant is; a quant it does not know evicts nothing, which
 * makes the minimum lower, never higher, than the true one).
 */
export function evictionsOf(changes: readonly RecordedChange[], world: WorldSkeleton, productOfQuant: ReadonlyMap<number, number> = new Map()): UnitEviction[] {
  const byPartnerId = new Map(world.customers.filter((c) => c.hasErpPartner).map((c) => [c.odooPartnerId, c]));
  const orders = new Map(world.customers.flatMap((c) => c.orders.map((o) => [o.odooId, { number: o.number, partnerId: c.odooPartnerId }] as const)));
  const out: UnitEviction[] = [];
  for (const change of changes) {
    const at = Date.parse(change.at);
    const id = Number(change.id);
    if (change.model === 'res.partner') {
      const customer = byPartnerId.get(id);
      if (customer) out.push({ at, unit: 'partnerByRef', key: customer.accountId });
    } else if (change.model === 'sale.order') {
      const order = orders.get(id);
      if (!order) continue;
      out.push({ at, unit: 'orderByName', key: order.number }, { at, unit: 'ordersOfPartner', key: order.partnerId }, { at, unit: 'pickingsByOrder', key: id });
    } else if (change.model === 'stock.quant') {
      const product = productOfQuant.get(id);
      if (product !== undefined) out.push({ at, unit: 'productStock', key: product }, { at, unit: 'quantsByProduct', key: product });
    }
  }
  return out;
}

/** Whose each stock quant is, read from Odoo (every product of the world's catalog). */
export async function productsOfQuants(odoo: Pick<OdooConnector, 'quantsByProductIds'>, world: WorldSkeleton): Promise<Map<number, number>> {
  const productIds = Array.from({ length: world.productCount }, (_, i) => i + 1);
  const out = new Map<number, number>();
  for (let k = 0; k < productIds.length; k += 200) {
    for (const [product, quants] of await odoo.quantsByProductIds(productIds.slice(k, k + 200))) for (const quant of quants) out.set(quant.id, product);
  }
  return out;
}

/** The replay's options for one of our gateways in a freshness run. */
export function minimumInForce(feeds: boolean, changes: readonly RecordedChange[], world: WorldSkeleton, productOfQuant?: ReadonlyMap<number, number>): MinimumOptions {
  return { lifetimeMs: lifetimesInForce(feeds), evictions: feeds ? evictionsOf(changes, world, productOfQuant) : [] };
}
