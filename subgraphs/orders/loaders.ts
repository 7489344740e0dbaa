import type DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { odooOwners } from '../shared/data-access/odoo-owners.js';
import { ownedLoader, type RowLoader } from '../shared/data-access/owned-loader.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooOrderLine, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/** The raw loaders of one request; each batch is one Odoo call (or none, when cached). Private to the data-access layer below. */
interface RawLoaders {
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

function createRawLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): RawLoaders {
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

/**
 * What the orders resolvers read: every record through the row filter, so that a partner gets
 * only its own customers' orders, lines and partners (null for the rest, as for what does not
 * exist), whatever a resolver forgets to ask.
 */
export interface OrdersLoaders {
  order: RowLoader<number, OdooSaleOrder>;
  orderByName: RowLoader<string, OdooSaleOrder>;
  orderLine: RowLoader<number, OdooOrderLine>;
  partner: RowLoader<number, OdooPartner>;
  partnerByRef: RowLoader<string, OdooPartner>;
  /** Order ids of a partner, newest first; the records come with them. */
  orderIdsByPartner: RowLoader<number, number[]>;
}

/** Creates the data-access layer of one request over its row filter. */
export function createOrdersLoaders(odoo: OdooConnector, cache: RecordCache, rows: RowFilter): OrdersLoaders {
  const raw = createRawLoaders(odoo, cache, rows.observer);
  const owners = odooOwners(raw);
  return {
    order: ownedLoader(rows, raw.order, owners.order),
    orderByName: ownedLoader(rows, raw.orderByName, owners.orderByName),
    orderLine: ownedLoader(rows, raw.orderLine, owners.orderLine),
    partner: ownedLoader(rows, raw.partner, owners.partner),
    partnerByRef: ownedLoader(rows, raw.partnerByRef, owners.partnerByRef),
    orderIdsByPartner: ownedLoader(rows, raw.orderIdsByPartner, owners.orderIdsByPartner),
  };
}
