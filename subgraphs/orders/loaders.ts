import type DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader } from '../shared/connectors/odoo/cached-loader.js';
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
  /** Order ids of a partner, newest first. */
  orderIdsByPartner: DataLoader<number, number[] | null>;
}

/** Creates the loaders of one request. */
export function createOrdersLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): OrdersLoaders {
  return {
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids) => odoo.ordersByIds(ids), stale),
    orderByName: createCachedLoader(cache, ODOO_KINDS.orderByName, (names) => odoo.ordersByNames(names), stale),
    orderLine: createCachedLoader(cache, ODOO_KINDS.orderLine, (ids) => odoo.orderLinesByIds(ids), stale),
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids) => odoo.partnersByIds(ids), stale),
    partnerByRef: createCachedLoader(cache, ODOO_KINDS.partnerByRef, (refs) => odoo.partnersByRefs(refs), stale),
    orderIdsByPartner: createCachedLoader(cache, ODOO_KINDS.orderIdsByPartner, (ids) => odoo.orderIdsByPartnerIds(ids), stale),
  };
}

/** Values of `loadMany`, rethrowing the first error (a failed batch fails every key in it). */
export function settled<V>(results: (V | Error)[]): V[] {
  for (const r of results) if (r instanceof Error) throw r;
  return results as V[];
}
