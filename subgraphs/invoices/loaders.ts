import type DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader } from '../shared/connectors/odoo/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooMove, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/** The per-request loaders of the invoices subgraph; each batch is one Odoo call (or none, when cached). */
export interface InvoicesLoaders {
  move: DataLoader<number, OdooMove | null>;
  moveByName: DataLoader<string, OdooMove | null>;
  /** Invoice and credit note ids of a partner, newest first. */
  moveIdsByPartner: DataLoader<number, number[] | null>;
  movesByOrderName: DataLoader<string, OdooMove[] | null>;
  openItems: DataLoader<number, OdooMove[] | null>;
  partner: DataLoader<number, OdooPartner | null>;
  partnerByRef: DataLoader<string, OdooPartner | null>;
  /** Orders by id: only when a caller sends an Order without its number. */
  order: DataLoader<number, OdooSaleOrder | null>;
  /** Orders by name: turns an invoice's origin into the Order's id key. */
  orderByName: DataLoader<string, OdooSaleOrder | null>;
}

/** Creates the loaders of one request. */
export function createInvoicesLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): InvoicesLoaders {
  return {
    move: createCachedLoader(cache, ODOO_KINDS.move, (ids) => odoo.movesByIds(ids), stale),
    moveByName: createCachedLoader(cache, ODOO_KINDS.moveByName, (names) => odoo.movesByNames(names), stale),
    moveIdsByPartner: createCachedLoader(cache, ODOO_KINDS.moveIdsByPartner, (ids) => odoo.moveIdsByPartnerIds(ids), stale),
    movesByOrderName: createCachedLoader(cache, ODOO_KINDS.movesByOrderName, (names) => odoo.movesByOrderNames(names), stale),
    openItems: createCachedLoader(cache, ODOO_KINDS.openItemsByPartner, (ids) => odoo.openItemsByPartnerIds(ids), stale),
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids) => odoo.partnersByIds(ids), stale),
    partnerByRef: createCachedLoader(cache, ODOO_KINDS.partnerByRef, (refs) => odoo.partnersByRefs(refs), stale),
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids) => odoo.ordersByIds(ids), stale),
    orderByName: createCachedLoader(cache, ODOO_KINDS.orderByName, (names) => odoo.ordersByNames(names), stale),
  };
}

/** Values of `loadMany`, rethrowing the first error. */
export function settled<V>(results: (V | Error)[]): V[] {
  for (const r of results) if (r instanceof Error) throw r;
  return results as V[];
}
