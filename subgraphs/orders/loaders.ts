import type DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooOrderLine, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/** The per-request loaders of the orders subgraph; each batch is one Odoo call (or none, when cached). */
export interface OrdersLoaders {
  order: DataLoader<number, OdooSaleOrder | null>;
  orderByName: DataLoader<string, OdooSaleOrder | null>;
  orderLine: DataLoader<number, OdooOrderLine | null>;
  partner: DataLoader<number, OdooPartner | null>;
  partnerByRef: DataLoader<string, OdooPartner | null>;
  /**
   * Order ids of a partner, newest first. Read with the orders' canonical fields in one call:
   * the records prime this request's order loaders and the record cache (by id and by name).
   */
  orderIdsByPartner: DataLoader<number, number[] | null>;
}

/** Creates the loaders of one request. */
export function createOrdersLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): OrdersLoaders {
  const order = createCachedLoader(cache, ODOO_KINDS.order, (ids: number[]) => odoo.ordersByIds(ids), stale);
  const orderByName = createCachedLoader(cache, ODOO_KINDS.orderByName, (names: string[]) => odoo.ordersByNames(names), stale);
  const listOrders = async (partnerIds: number[]) => {
    const readStartedAt = monotonicNow();
    const lists = await odoo.ordersByPartnerIds(partnerIds);
    const records = [...lists.values()].flat();
    for (const o of records) {
      order.prime(o.id, o);
      orderByName.prime(o.name, o);
    }
    primeRecords(cache, ODOO_KINDS.order, new Map(records.map((o) => [o.id, o])), readStartedAt);
    primeRecords(cache, ODOO_KINDS.orderByName, new Map(records.map((o) => [o.name, o])), readStartedAt);
    return new Map([...lists].map(([partnerId, orders]) => [partnerId, orders.map((o) => o.id)]));
  };
  return {
    order,
    orderByName,
    orderLine: createCachedLoader(cache, ODOO_KINDS.orderLine, (ids) => odoo.orderLinesByIds(ids), stale),
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids) => odoo.partnersByIds(ids), stale),
    partnerByRef: createCachedLoader(cache, ODOO_KINDS.partnerByRef, (refs) => odoo.partnersByRefs(refs), stale),
    orderIdsByPartner: createCachedLoader(cache, ODOO_KINDS.orderIdsByPartner, listOrders, stale),
  };
}
